"""fsf report: a memo-grade, self-contained HTML report with maps, bands, tables and an annex."""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path
from textwrap import dedent

import pytest

from optimizer.cli import EXIT_BAD_INPUT, EXIT_OK, main
from optimizer.domain import AllocateOptions, AllocationPlan, Language, Scenario
from optimizer.i18n import texts
from optimizer.io import load_scenario
from optimizer.io.annex import annex_rows, caveat, common_states
from optimizer.io.heading import make_heading, marked_assumptions
from optimizer.io.report import render_html
from optimizer.pipeline import allocate

ROOT = Path(__file__).resolve().parent.parent
FASP = ROOT / "scenarios/fasp-2026/scenario.yaml"
THREE = ROOT / "scenarios/didactic/three-states/scenario.yaml"
DATE = dt.date(2026, 12, 2)
IDENTIFIERS = (
    "band_floor",
    "band_cap",
    "region_floor",
    "region_cap",
    "absorption_cap",
    "axis_share",
    "priority_minimum",
    "fund_total",
    "proportional",
    "min_total_deviation",
    "max_min_coverage",
    "redistribution",
)
"""Internal names that must never reach a Spanish reader."""


@pytest.fixture(scope="module")
def fasp() -> tuple[Scenario, AllocationPlan]:
    scenario = load_scenario(FASP)
    return scenario, allocate(scenario, AllocateOptions(language=Language.ES))


@pytest.fixture(scope="module")
def html(fasp: tuple[Scenario, AllocationPlan]) -> str:
    scenario, plan = fasp
    heading = make_heading(
        scenario, texts("es"), issuing_unit="Dirección General de Planeación", date=DATE
    )
    return render_html(plan, scenario, heading)


def state_names() -> dict[str, str]:
    """The 32 state names of the shipped scenario, read with the csv module."""
    with (ROOT / "scenarios/fasp-2026/data/states.csv").open(encoding="utf-8-sig") as f:
        return {row["cve_ent"]: row["entidad"] for row in csv.DictReader(f)}


def test_head_says_who_issues_when_and_on_what_legal_basis(html: str) -> None:
    """Title, issuing unit, date in Spanish words and the LCF arts. 44-45 line head the report."""
    assert "<h1>Distribución del FASP 2026 entre las entidades federativas</h1>" in html
    assert "<dt>Unidad emisora</dt><dd>Dirección General de Planeación</dd>" in html
    assert "<dt>Fecha</dt><dd>2 de diciembre de 2026</dd>" in html
    assert "Ley de Coordinación Fiscal, artículos 44 y 45" in html
    assert '<html lang="es">' in html


def test_assumptions_notice_lists_the_scenario_assumptions(html: str) -> None:
    """The notice comes before the summary and lists every assumption of the scenario file."""
    notice = html.index('id="assumptions"')
    assert notice < html.index("<h2>Resumen</h2>")
    assert "Aviso: esta distribución se basa en supuestos" in html
    for text in load_scenario(FASP).report.assumptions:
        assert text in html
    assert len(load_scenario(FASP).report.assumptions) == 4


def test_report_is_self_contained(html: str) -> None:
    """No script, no link to a file or a network address: it opens offline and as an attachment."""
    assert html.startswith("<!DOCTYPE html>")
    for needle in ("<script", "src=", "href=", "url(", "@import", "http://", "https://"):
        assert needle not in html, needle


def test_maps_colour_every_state_with_the_right_code(html: str) -> None:
    """Two maps, 32 outlines each, every INEGI code once per map and coloured (not 'no data')."""
    for css_id in ("map-change", "map-per-capita"):
        start = html.index(f'id="{css_id}"')
        figure = html[start : html.index("</figure>", start)]
        codes = re.findall(r'<path class="state" data-cve="(\d\d)" fill="(#[0-9a-f]{6})"', figure)
        assert sorted(c for c, _ in codes) == [f"{k:02d}" for k in range(1, 33)]
        assert "#d9d9d9" not in {fill for _, fill in codes}
        assert len({fill for _, fill in codes}) >= 3
        assert "CC BY 4.0" in figure
    # The title of each state names it as the scenario does, with its value.
    assert "<title>Ciudad de México: +0.00 %</title>" in html


def test_states_table_has_previous_new_change_per_inhabitant_and_rule(
    html: str, fasp: tuple[Scenario, AllocationPlan]
) -> None:
    """Each state's row: 2025 amount, 2026 amount, change in pesos and %, per inhabitant, rule."""
    _, plan = fasp
    colima = re.search(r'<tr data-cve="06">(.*?)</tr>', html)
    assert colima is not None
    cells = re.findall(r"<td[^>]*>(.*?)</td>", colima.group(1))
    region = next(r for r in plan.regions if r.code == "06")
    assert region.previous is not None
    assert cells[:2] == ["06", "Colima"]
    assert cells[2] == f"${region.previous:,}"
    assert cells[4] == f"${region.amount:,}"
    assert cells[5] == f"+${region.amount - region.previous:,}"
    assert cells[6] == "+10.00 %"
    assert cells[8] == "techo de la banda"
    assert "redistribución proporcional" in html
    # The totals row: 2025 total and the fund.
    assert f"${sum(r.previous or 0 for r in plan.regions):,}" in html
    assert "$9,941,162,915" in html


def test_criteria_table_weights_add_up_to_one_hundred_percent(html: str) -> None:
    """Every criterion with its effective weight, the crime category as a bold subtotal above its
    two criteria, the equal base amount, and a 100 % total of the fund."""
    table = html[html.index('<table class="criteria">') :]
    table = table[: table.index("</table>")]
    weights = re.findall(r'<td class="n">(\d+\.\d\d) %</td>', table)
    assert weights == ["40.00", "30.00", "21.00", "9.00", "10.00", "8.00", "12.00"]
    assert '<tr class="category"><td>Incidencia delictiva</td>' in table
    leaves = [float(w) for k, w in enumerate(weights) if k != 1]
    assert abs(sum(leaves) - 100) < 1e-9
    assert "Monto base (partes iguales)" in table
    assert "100.00 %" in table
    assert "$9,941,162,915" in table
    assert "a mayor valor, menor monto" in table


def test_bars_carry_a_band_previous_year_target_and_scale(html: str) -> None:
    """32 bars, a band for each banded state, previous-year and formula marks, and tick labels."""
    start = html.index('id="bars-states"')
    chart = html[start : html.index("</svg>", start)]
    assert chart.count('class="bar"') == 33  # 32 states and the legend
    assert chart.count('class="band"') == 33
    assert chart.count('class="previous"') == 33
    assert chart.count('class="target"') == 33
    assert "millones de pesos" in chart
    assert re.findall(r'class="tick"[^>]*>([\d,]+)<', chart)[:3] == ["0", "200", "400"]
    assert 'id="bars-programas"' in html


def test_state_by_programa_table_adds_up_to_the_fund(
    html: str, fasp: tuple[Scenario, AllocationPlan]
) -> None:
    """The state x programa table has a row per state and totals that equal the fund."""
    _, plan = fasp
    table = html[html.index('<table class="cross">') :]
    table = table[: table.index("</table>")]
    body = table[table.index("<tbody>") : table.index("</tbody>")]
    rows = re.findall(r"<tr>(.*?)</tr>", body)
    assert len(rows) == 32
    total = 0
    for row in rows:
        numbers = [int(n.replace(",", "")) for n in re.findall(r'class="n[^"]*">([\d,]+)<', row)]
        assert sum(numbers[:-1]) == numbers[-1]
        total += numbers[-1]
    assert total == plan.total == 9_941_162_915


def test_justifications_are_expanded_for_every_state(html: str) -> None:
    """Every state's justification is printed in full (no collapsed details)."""
    assert html.count('<section class="justification"') == 32
    assert "<details" not in html


def test_spanish_report_has_no_internal_identifiers(html: str) -> None:
    """No rule, objective or cause identifier reaches the Spanish reader."""
    text = re.sub(r"<[^>]+>", " ", html)
    for name in IDENTIFIERS:
        assert name not in text, name


def test_annex_states_the_caveat_once_and_each_rule_in_pesos(
    html: str, fasp: tuple[Scenario, AllocationPlan]
) -> None:
    """One row per binding rule; the degenerate-LP caveat appears once, in the annex."""
    _, plan = fasp
    t = texts("es")
    rows = annex_rows(plan, t)
    assert len(rows) == sum(len(j.binding) for j in plan.justifications)
    assert html.count(caveat(t)) == 1
    assert html.index(caveat(t)) > html.index("Anexo técnico")
    # No solver words before the annex: the memo text speaks of pesos and rules only.
    memo = html[: html.index("Anexo técnico")]
    for word in ("marginal", "degenerado", "dual", "LP"):
        assert word not in memo, word


def test_annex_pesos_agree_with_an_independent_computation(
    fasp: tuple[Scenario, AllocationPlan],
) -> None:
    """A million pesos on a bound is given up by the states of the common adjustment in proportion
    to their formula amounts: marginal value x their formula amounts adds up to the million."""
    _, plan = fasp
    free = common_states(plan)
    # The states no rule holds share one ratio to their formula amount (water-filling).
    ratios = {r.amount / r.target for r in plan.regions if r.code in {c for c, _, _ in free}}
    assert max(ratios) - min(ratios) < 1e-7  # whole pesos: a few pesos on 300 million
    assert len(free) == 8
    t = texts("es")
    for row in annex_rows(plan, t):
        assert abs(row.marginal_value * sum(target for _, _, target in free) - 1_000_000) <= 1
        _code, name, target = free[0]
        assert name == "México"
        assert f"alrededor de ${round(row.marginal_value * target):,} para México" in row.effect
        points = 100 * 1_000_000 / sum(target for _, _, target in free)
        assert f"aumentaría {points:.4f} puntos porcentuales" in row.effect


def test_same_input_same_bytes(fasp: tuple[Scenario, AllocationPlan], tmp_path: Path) -> None:
    """Two runs of fsf report with the same scenario and date write byte-identical files."""
    first, second = tmp_path / "a.html", tmp_path / "b.html"
    for out in (first, second):
        assert main(["report", str(FASP), "--out", str(out), "--date", "2026-12-02"]) == EXIT_OK
    assert first.read_bytes() == second.read_bytes()


def test_english_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--lang en writes the same report in English, dates and headings included."""
    out = tmp_path / "report.html"
    args = ["report", str(FASP), "--out", str(out), "--lang", "en", "--date", "2026-12-02"]
    assert main(args) == EXIT_OK
    assert str(out) in capsys.readouterr().out
    html = out.read_text("utf-8")
    assert "<h1>Distribution of the FASP 2026 among the states</h1>" in html
    assert "December 2, 2026" in html
    assert "Technical annex" in html
    assert "band floor" in html
    assert "Michoacán" in html


def test_options_override_the_scenario_and_the_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    """Options beat the scenario's report section, which beats the defaults; the default date is
    SOURCE_DATE_EPOCH when set."""
    scenario = load_scenario(FASP)
    t = texts("es")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1796169600")  # 2026-12-02 00:00 UTC
    heading = make_heading(scenario, t)
    assert heading.date == DATE
    assert heading.title == "Distribución del FASP 2026 entre las entidades federativas"
    assert heading.issuing_unit == ""
    assert heading.assumptions == scenario.report.assumptions
    custom = make_heading(
        scenario,
        t,
        title="Oficio 1",
        issuing_unit="UPI",
        legal_basis="LCF",
        date=dt.date(2027, 1, 5),
    )
    assert (custom.title, custom.issuing_unit, custom.legal_basis) == ("Oficio 1", "UPI", "LCF")
    assert custom.date == dt.date(2027, 1, 5)


def test_assumptions_default_to_the_marked_sentences_of_the_description() -> None:
    """Without a report section, the sentences marked ASSUMPTION / supuesto / invented are listed."""
    text = (
        "FASP 2026. ASSUMPTIONS (not official): the weights. Bands as in 2025; supuesto: el piso."
    )
    assert marked_assumptions(text) == (
        "ASSUMPTIONS (not official): the weights.",
        "supuesto: el piso.",
    )
    infeasible = load_scenario(ROOT / "scenarios/didactic/infeasible/scenario.yaml")
    assert infeasible.report.assumptions == ()  # no report section: read from the description
    heading = make_heading(infeasible, texts("es"), date=DATE)
    assert heading.assumptions
    assert "invented" in heading.assumptions[0]
    assert heading.legal_basis == ""  # the fund of the didactic scenario is not the FASP
    three = make_heading(load_scenario(THREE), texts("es"), date=DATE)
    assert three.assumptions == ("Todas las cifras son inventadas, con fines didácticos.",)


def test_report_of_a_scenario_that_is_not_the_32_states(tmp_path: Path) -> None:
    """The didactic three-state scenario: no map of Mexico (a note instead), everything else."""
    out = tmp_path / "three.html"
    assert main(["report", str(THREE), "--out", str(out), "--date", "2026-12-02"]) == EXIT_OK
    html = out.read_text("utf-8")
    assert 'class="state"' not in html
    assert "Los mapas se dibujan solo para las 32 entidades federativas." in html
    assert html.count('<section class="justification"') == 3
    assert "(sin especificar)" in html


def _three_with_report(tmp_path: Path, section: str) -> Path:
    folder = tmp_path / "s"
    (folder / "data").mkdir(parents=True)
    source = THREE.parent
    (folder / "data" / "regions.csv").write_bytes((source / "data" / "regions.csv").read_bytes())
    own = (source / "scenario.yaml").read_text("utf-8").split("# How the report is headed")[0]
    text = own + dedent(section)
    (folder / "scenario.yaml").write_text(text, encoding="utf-8")
    return folder / "scenario.yaml"


def test_report_section_of_the_scenario_is_read_and_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """report.issuing_unit/date/legal_basis head the report; a bad date or key exits 2, located."""
    good = _three_with_report(
        tmp_path / "good",
        """\
        report:
          issuing_unit: Dirección General de Planeación
          legal_basis: Acuerdo del CNSP
          date: 2026-12-02
          assumptions: [Población inventada]
        """,
    )
    out = tmp_path / "r.html"
    assert main(["report", str(good), "--out", str(out)]) == EXIT_OK
    html = out.read_text("utf-8")
    assert "<dd>Dirección General de Planeación</dd>" in html
    assert "<dd>Acuerdo del CNSP</dd>" in html
    assert "2 de diciembre de 2026" in html
    assert "<li>Población inventada</li>" in html
    capsys.readouterr()
    bad = _three_with_report(
        tmp_path / "bad",
        """\
        report:
          date: 2 de diciembre
          emisor: DGP
          assumptions: texto suelto
        """,
    )
    assert main(["validate", str(bad)]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "report.date" in err
    assert "'2 de diciembre' no es una fecha: escríbala como 2026-12-02" in err
    assert "clave desconocida 'emisor'" in err
    assert "report.assumptions" in err
    assert "debe ser una lista de textos, no" in err


def test_bad_date_option_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    """--date that is not an ISO date exits 2 with the format to write."""
    with pytest.raises(SystemExit) as exit_info:
        main(["report", str(THREE), "--date", "02/12/2026", "--lang", "en"])
    assert exit_info.value.code == EXIT_BAD_INPUT
    assert "write it as 2026-12-02" in capsys.readouterr().err


def test_out_naming_a_folder_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--out pointing at a folder is refused before solving, with exit 2."""
    assert main(["report", str(THREE), "--out", str(tmp_path)]) == EXIT_BAD_INPUT
    assert "es una carpeta" in capsys.readouterr().err


def test_annex_on_a_small_fund_moves_a_thousandth_and_checks_by_hand() -> None:
    """Three states, a fund of $1,000,000: the annex moves $1,000 (not a million), and the change
    of the largest deviation is that $1,000 over Centro's formula amount (Centro alone absorbs)."""
    scenario = load_scenario(THREE)
    plan = allocate(scenario, AllocateOptions(language=Language.ES))
    rows = annex_rows(plan, texts("es"))
    assert [r.name for r in rows] == ["Norte", "Península"]
    free = common_states(plan)
    assert [name for _, name, _ in free] == ["Centro"]
    centro = free[0][2]
    by_hand = 100 * 1_000 / centro  # percentage points per $1,000 moved
    for row in rows:
        assert "Si este límite subiera $1,000," in row.effect
        assert "Centro, la única entidad de la redistribución proporcional" in row.effect
        assert f"{by_hand:.4f} puntos porcentuales" in row.effect
        assert abs(abs(row.marginal_value) * 1_000 / 1_000_000 * 100 - by_hand) < 1e-6


@pytest.mark.parametrize(
    ("objective", "words"),
    [
        ("min_total_deviation", "la suma de las desviaciones relativas"),
        ("max_min_coverage", "la menor cobertura de un monto según fórmula"),
    ],
)
def test_annex_speaks_of_the_objective_that_was_solved(objective: str, words: str) -> None:
    """With another objective the annex says what that objective measures, never its name."""
    from optimizer.domain import Objective

    scenario = load_scenario(ROOT / "scenarios/didactic/four-states-axes/scenario.yaml")
    plan = allocate(scenario, AllocateOptions(objective=Objective(objective)))
    rows = annex_rows(plan, texts("es"))
    assert any(words in r.effect for r in rows if r.marginal_value)
    minimums = [r for r in rows if r.rule == "mínimo de prioridad nacional"]
    assert minimums
    assert all(r.effect.startswith("No calculado") for r in minimums)
    for r in rows:
        for name in IDENTIFIERS:
            assert name not in r.effect


def test_report_of_infeasible_criteria_exits_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Infeasible criteria write no report: exit 3 with the diagnosis, as fsf solve does."""
    out = tmp_path / "r.html"
    infeasible = ROOT / "scenarios/didactic/infeasible/scenario.yaml"
    assert main(["report", str(infeasible), "--out", str(out)]) == 3
    assert "100,000" in capsys.readouterr().err
    assert not out.exists()


def test_report_of_a_plan_alone(fasp: tuple[Scenario, AllocationPlan]) -> None:
    """Given only a plan (as read back from the audit store), the report still has every part:
    the head from the fund, the criteria as the justifications carry them."""
    _, plan = fasp
    html = render_html(plan)
    assert "<h1>Distribución del FASP 2026 entre las entidades federativas</h1>" in html
    assert "Ley de Coordinación Fiscal, artículos 44 y 45" in html
    table = html[html.index('<table class="criteria">') :]
    table = table[: table.index("</table>")]
    assert "Monto base (partes iguales)" in table
    assert "100.00 %" in table
    assert "$9,941,162,915" in table
    assert html.count('class="state"') == 64


def test_nested_criteria_show_their_categories_and_subtotals() -> None:
    """dgp-prototype-2026 (four categories): the criteria table nests criteria under bold
    categories whose pesos add up to their criteria's, and a per-state table of category pesos
    sums to each category's total."""
    scenario = load_scenario(ROOT / "scenarios/dgp-prototype-2026")
    plan = allocate(scenario, AllocateOptions(language=Language.ES))
    t = texts("es")
    from optimizer.io.criteria_rows import criteria_rows, fund_rows

    rows = criteria_rows(scenario, plan, t)
    assert [r.label for r in rows if r.kind == "category"] == [c.label for c in plan.categories]
    leaves = fund_rows(rows)
    assert abs(sum(r.weight or 0.0 for r in leaves) - 1.0) < 1e-9
    assert sum(r.amount or 0 for r in leaves) == plan.total
    for k, row in enumerate(rows):
        if row.kind == "category":
            inside = [r for r in rows[k + 1 :] if r.depth > row.depth]
            inside = inside[
                : next(
                    (i for i, r in enumerate(rows[k + 1 :]) if r.depth <= row.depth), len(inside)
                )
            ]
            assert row.amount == sum(r.amount or 0 for r in inside)
    html = render_html(plan, scenario, make_heading(scenario, t, date=DATE))
    assert "Monto según fórmula por categoría de criterios" in html
    assert "<th>Características estatales (60 %)</th>" in html
    table = html[html.index('<table class="categories">') :]
    table = table[: table.index("</table>")]
    assert len(re.findall(r"<tr><td class=\"code\">", table)) == 32
    for category in plan.categories:
        assert f'<th class="n">{category.amount:,}</th>' in table
