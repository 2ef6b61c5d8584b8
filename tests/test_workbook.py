"""plan.xlsx read back with openpyxl: Spanish sheets and headers, formats, text codes, totals."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from optimizer.domain import AllocateOptions, AllocationPlan, Language, Scenario
from optimizer.io import load_scenario
from optimizer.io.workbook import MONEY, write_xlsx
from optimizer.pipeline import allocate

ROOT = Path(__file__).resolve().parent.parent
FASP = ROOT / "scenarios/fasp-2026/scenario.yaml"
FUND = 9_941_162_915
SPANISH = [
    "Resumen",
    "Entidades",
    "Entidad x Programa",
    "Criterios",
    "Justificaciones",
    "Anexo técnico",
    "Ejes y programas",  # fasp-2026 has a programa tree: the totals of its ejes and programas
]


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return load_scenario(FASP)


@pytest.fixture(scope="module")
def plan(scenario: Scenario) -> AllocationPlan:
    return allocate(scenario, AllocateOptions(language=Language.ES))


@pytest.fixture(scope="module")
def book_path(
    plan: AllocationPlan, scenario: Scenario, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    path = tmp_path_factory.mktemp("xlsx") / "plan.xlsx"
    write_xlsx(plan, path, scenario)
    return path


def body(sheet: Worksheet, header_row: int = 1) -> tuple[list[object], list[tuple[object, ...]]]:
    """The header values and the data rows (the totals row is the last one)."""
    rows = list(sheet.iter_rows(min_row=header_row, values_only=True))
    return list(rows[0]), rows[1:]


def test_sheet_names_are_spanish_and_english_with_lang_en(
    book_path: Path, scenario: Scenario, tmp_path: Path
) -> None:
    """Resumen ... Anexo técnico in Spanish; Summary ... Technical annex with --lang en."""
    assert load_workbook(book_path).sheetnames == SPANISH
    english = allocate(scenario, AllocateOptions(language=Language.EN))
    write_xlsx(english, tmp_path / "en.xlsx", scenario)
    book = load_workbook(tmp_path / "en.xlsx")
    assert book.sheetnames == [
        "Summary",
        "States",
        "State x Programa",
        "Criteria",
        "Justifications",
        "Technical annex",
        "Ejes and programas",
    ]
    assert book["States"]["A1"].value == "code"


def test_states_sheet_codes_are_text_money_is_formatted_and_totals_equal_the_fund(
    book_path: Path, plan: AllocationPlan
) -> None:
    """Codes 01-32 are all text; amounts are integers in $#,##0; the totals row is the fund."""
    sheet = load_workbook(book_path)["Entidades"]
    header, rows = body(sheet)
    assert header[:5] == [
        "clave",
        "entidad",
        "ejercicio 2025",
        "monto según fórmula",
        "asignación 2026",
    ]
    states, totals = rows[:-1], rows[-1]
    assert [r[0] for r in states] == [f"{k:02d}" for k in range(1, 33)]
    assert all(isinstance(r[0], str) for r in states)
    assert all(isinstance(r[4], int) for r in states)
    assert sum(int(str(r[4])) for r in states) == FUND
    assert totals[1] == "Total"
    assert totals[4] == FUND
    assert totals[2] == sum(r.previous or 0 for r in plan.regions)
    assert sheet["E2"].number_format == MONEY
    assert sheet["C2"].number_format == MONEY
    assert sheet["A11"].number_format == "@"
    assert sheet["A11"].data_type == "s"
    assert sheet["G2"].number_format == "+0.00%;-0.00%;0.00%"
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["B"].width == 24
    assert sheet["A1"].font.bold
    assert sheet.cell(row=sheet.max_row, column=5).font.bold
    # The rule in words, never its identifier.
    rules = {r[11] for r in states}
    assert rules == {"piso de la banda", "techo de la banda", "redistribución proporcional"}


def test_state_by_programa_sheet_adds_up_by_row_and_column(
    book_path: Path, plan: AllocationPlan
) -> None:
    """Each state's programas add up to its total; each programa column to the plan's axis."""
    sheet = load_workbook(book_path)["Entidad x Programa"]
    header_row = next(row for row in range(1, 20) if sheet.cell(row=row, column=1).value == "clave")
    header, rows = body(sheet, header_row)
    # The programas P1-P9 (inner nodes of the tree or leaves), not its 26 leaves.
    programas = {a.id: a.amount for a in (*plan.groups, *plan.axes) if a.level == "programa"}
    assert header[2:11] == [f"P{k}" for k in range(1, 10)]
    states, totals = rows[:-1], rows[-1]
    assert len(states) == 32
    for row in states:
        assert isinstance(row[0], str)
        assert sum(int(str(v)) for v in row[2:11]) == row[11]
    assert [totals[2 + k] for k in range(9)] == [programas[f"P{k}"] for k in range(1, 10)]
    assert totals[11] == FUND
    assert sheet.cell(row=header_row + 1, column=3).number_format == MONEY
    assert sheet.freeze_panes == f"A{header_row + 1}"


def test_criteria_sheet_weights_sum_to_one_and_amounts_to_the_fund(book_path: Path) -> None:
    """Criterios: a row per criterion, category (bold subtotal) and the base amount; the criteria's
    effective weights add up to 100 %, their amounts to the fund, a category to its criteria."""
    sheet = load_workbook(book_path)["Criterios"]
    header, rows = body(sheet)
    assert header == ["criterio", "indicador", "sentido", "ponderación", "monto"]
    assert rows[1][0] == "Incidencia delictiva"
    assert sheet["A3"].font.bold
    assert rows[1][4] == int(str(rows[2][4])) + int(str(rows[3][4]))
    criteria, totals = [r for k, r in enumerate(rows[:-1]) if k != 1], rows[-1]
    assert len(criteria) == 6
    assert abs(sum(float(str(r[3])) for r in criteria) - 1.0) < 1e-12
    assert sum(int(str(r[4])) for r in criteria) == FUND
    assert totals[3] == pytest.approx(1.0)
    assert totals[4] == FUND
    assert sheet["D2"].number_format == "0.00%"


def test_justifications_and_annex_sheets(book_path: Path, plan: AllocationPlan) -> None:
    """A text per state; the annex states its caveat once above one row per binding rule."""
    book = load_workbook(book_path)
    header, rows = body(book["Justificaciones"])
    assert header[-1] == "justificación"
    assert [r[0] for r in rows[:-1]] == [j.region for j in plan.justifications]
    assert all(isinstance(r[4], str) and r[4] for r in rows[:-1])
    assert rows[-1][3] == FUND
    annex = book["Anexo técnico"]
    assert str(annex["A1"].value).startswith("Estos efectos provienen de los valores marginales")
    header, rows = body(annex, 3)
    assert header[:4] == ["clave", "entidad", "regla", "límite"]
    assert len(rows) == sum(len(j.binding) for j in plan.justifications)
    assert all(isinstance(r[0], str) for r in rows)
    assert all("Si este límite subiera $1,000,000" in str(r[5]) for r in rows)


def test_summary_sheet(book_path: Path) -> None:
    """Resumen: title, legal basis, fund total as money, and the assumptions."""
    sheet = load_workbook(book_path)["Resumen"]
    items = {row[0]: row[1] for row in sheet.iter_rows(min_row=2, values_only=True) if row[0]}
    assert items["Título"] == "Distribución del FASP 2026 entre las entidades federativas"
    assert "artículos 44 y 45" in str(items["Fundamento legal"])
    assert items["Total del fondo"] == FUND
    assert items["Monto asignado"] == FUND
    assert "ponderaciones" in str(items["Supuesto"])
    money = next(row[1] for row in sheet.iter_rows(min_row=2) if row[0].value == "Total del fondo")
    assert money.number_format == MONEY


def test_same_plan_same_bytes(plan: AllocationPlan, scenario: Scenario, tmp_path: Path) -> None:
    """Two workbooks of the same plan are byte-identical (fixed document and ZIP times)."""
    write_xlsx(plan, tmp_path / "a.xlsx", scenario)
    write_xlsx(plan, tmp_path / "b.xlsx", scenario)
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()


def test_workbook_without_the_scenario(plan: AllocationPlan, tmp_path: Path) -> None:
    """Given only a plan, the workbook still has every sheet, criteria read from the plan."""
    write_xlsx(plan, tmp_path / "plan.xlsx")
    book = load_workbook(tmp_path / "plan.xlsx")
    assert book.sheetnames == SPANISH
    _, rows = body(book["Criterios"])
    assert sum(int(str(r[4])) for r in rows[:-1]) == FUND


def test_calendar_and_cofinancing_sheets_when_the_scenario_has_them(tmp_path: Path) -> None:
    """fasp-2026-concertacion: Calendario and Coparticipación sheets with codes as text, pesos as
    $#,##0, and each month's column adding up to the national row."""
    folder = ROOT / "scenarios/fasp-2026-concertacion"
    scenario = load_scenario(folder)
    plan = allocate(scenario, AllocateOptions(language=Language.ES))
    write_xlsx(plan, tmp_path / "plan.xlsx", scenario)
    book = load_workbook(tmp_path / "plan.xlsx")
    assert {"Calendario", "Coparticipación"} <= set(book.sheetnames)
    assert book.sheetnames[:6] == SPANISH[:6]
    calendar = book["Calendario"]
    rows = list(calendar.iter_rows(min_row=2, values_only=True))
    states, national = rows[:-1], rows[-1]
    assert all(isinstance(r[0], str) for r in states)
    assert sum(int(str(r[-1])) for r in states) == FUND == national[-1]
    assert calendar["C2"].number_format == MONEY
    assert calendar.freeze_panes == "A2"
    assert [c.value for c in calendar[1]][:3] == ["clave", "entidad", "enero"]
    # Rules in words, never their identifiers.
    proposals = list(book["Propuestas"].iter_rows(min_row=2, values_only=True))
    rules = {r[5] for r in proposals if r[5]}
    assert rules
    assert not {"redistribution", "axis_share_max", "axis_share_min"} & rules
