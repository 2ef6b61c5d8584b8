"""The workbook ``plan.xlsx``: one sheet per view of the plan, in the reader's language.

Sheets (Spanish / English): Resumen / Summary, Entidades / States, Entidad x Programa / State x
programa, Criterios / Criteria, Justificaciones / Justifications, Anexo técnico / Technical
annex. Money is whole pesos with the format ``$#,##0``; codes are always text (``"09"`` and
``"10"`` alike, so a lookup by code works); every table has a bold header row frozen in place,
column widths and a totals row. More sheets (a payment calendar, co-financing) are added by
appending a :class:`Sheet` to the list :func:`plan_sheets` returns.

Same plan, same bytes: openpyxl stamps the save time into the document properties and every ZIP
entry, so the saved archive is rewritten with :data:`XLSX_TIME`.
"""

from __future__ import annotations

import csv
import datetime
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from optimizer.domain import AllocationPlan, Scenario
from optimizer.i18n import Texts, texts
from optimizer.io.annex import annex_rows, caveat
from optimizer.io.criteria_rows import criteria_rows, fund_rows
from optimizer.io.heading import make_heading
from optimizer.io.labels import objective_name, rule_name
from optimizer.io.programas import programa_nodes, state_programa_amounts

XLSX_TIME = datetime.datetime(2000, 1, 1)
"""The workbook's created/modified properties and its ZIP entries' times: a constant, so that
the same plan gives the same bytes (the time of the run is in no output unless asked for)."""

MONEY = "$#,##0"
CHANGE = "+$#,##0;-$#,##0;$0"
PERCENT = "0.00%"
SIGNED_PERCENT = "+0.00%;-0.00%;0.00%"
DECIMAL = "#,##0.00"
INTEGER = "#,##0"
TEXT = "@"


@dataclass
class Column:
    """A column: header, number format (``@`` for text), width in characters, wrapped or not."""

    header: str
    format: str = "General"
    width: float = 14
    wrap: bool = False


@dataclass
class Sheet:
    """A table sheet: columns, rows and an optional totals row; ``intro`` lines go above it."""

    title: str
    columns: list[Column]
    rows: list[list[object]]
    totals: list[object] | None = None
    intro: list[str] = field(default_factory=list)
    bold_rows: set[int] = field(default_factory=set)
    """Indexes of ``rows`` drawn in bold (category subtotals)."""
    row_formats: list[str] | None = None
    """Number format of each row's second cell (a list of items with values of mixed kinds)."""


def _states(plan: AllocationPlan, t: Texts) -> Sheet:
    just = {j.region: j for j in plan.justifications}
    year = plan.fund.fiscal_year
    rows: list[list[object]] = []
    for r in plan.regions:
        j = just[r.code]
        rows.append(
            [
                r.code,
                r.name,
                r.previous,
                r.target,
                r.amount,
                j.change,
                None if j.change_pct is None else round(j.change_pct / 100, 6),
                j.per_capita,
                j.per_capita_rank,
                r.lower,
                r.upper,
                rule_name(r.main_rule, t),
                *_category_cells(plan, r.guaranteed, {c.category: c.amount for c in r.categories}),
            ]
        )
    previous = [r.previous for r in plan.regions]
    before = sum(p or 0 for p in previous) if all(p is not None for p in previous) else None
    totals: list[object] = [
        None,
        t._("Total"),
        before,
        sum(r.target for r in plan.regions),
        plan.total,
        None if before is None else plan.total - before,
        None if not before else round((plan.total - before) / before, 6),
        None,
        None,
        None,
        None,
        None,
        *_category_cells(
            plan, plan.guaranteed_total, {c.category: c.amount for c in plan.categories}
        ),
    ]
    columns = [
        Column(t._("code"), TEXT, 8),
        Column(t._("state"), width=24),
        Column(t._("fiscal year {year}").format(year=year - 1), MONEY, 17),
        Column(t._("formula amount"), MONEY, 17),
        Column(t._("allocation {year}").format(year=year), MONEY, 17),
        Column(t._("change"), CHANGE, 15),
        Column(t._("change %"), SIGNED_PERCENT, 10),
        Column(t._("pesos per inhabitant"), DECIMAL, 12),
        Column(t._("rank"), INTEGER, 8),
        Column(t._("floor"), MONEY, 17),
        Column(t._("cap"), MONEY, 17),
        Column(t._("rule that set the amount"), width=34),
    ]
    if plan.guaranteed_total is not None:
        columns.append(Column(t._("guaranteed amount"), MONEY, 17))
    columns += [
        Column(f"{c.label} ({round(c.effective_weight * 100, 4):g} %)", MONEY, 17)
        for c in plan.categories
    ]
    return Sheet(t._("States"), columns, rows, totals)


def _category_cells(
    plan: AllocationPlan, guaranteed: int | None, amounts: dict[str, int]
) -> list[object]:
    """The guaranteed amount (when the plan has one) and the pesos of each category."""
    cells: list[object] = [guaranteed or 0] if plan.guaranteed_total is not None else []
    return cells + [amounts.get(c.category, 0) for c in plan.categories]


def _cross(plan: AllocationPlan, t: Texts) -> Sheet:
    programas = programa_nodes(plan)
    axes = [a.id for a in programas]
    amounts = state_programa_amounts(plan, programas)
    rows: list[list[object]] = [
        [r.code, r.name, *(amounts.get((r.code, a), 0) for a in axes), r.amount]
        for r in plan.regions
    ]
    totals: list[object] = [
        None,
        t._("Total"),
        *(sum(amounts.get((r.code, a), 0) for r in plan.regions) for a in axes),
        plan.total,
    ]
    columns = [
        Column(t._("code"), TEXT, 8),
        Column(t._("state"), width=24),
        *(Column(a, MONEY, 15) for a in axes),
        Column(t._("Total"), MONEY, 17),
    ]
    intro = [f"{a.id}: {a.name}" for a in programas] if len(axes) > 1 else []
    return Sheet(t._("State x Programa"), columns, rows, totals, intro)


def _criteria(plan: AllocationPlan, scenario: Scenario | None, t: Texts) -> Sheet:
    columns = [
        Column(t._("criterion"), width=48, wrap=True),
        Column(t._("indicator"), width=30),
        Column(t._("direction"), width=26),
        Column(t._("weight"), PERCENT, 12),
        Column(t._("amount"), MONEY, 17),
    ]
    rows: list[list[object]] = []
    bold: set[int] = set()
    table = criteria_rows(scenario, plan, t)
    for r in table:
        if r.kind in ("category", "heading"):
            bold.add(len(rows))
        rows.append([r.label, r.indicator, r.direction, r.weight, r.amount])
    first = fund_rows(table)
    weight = sum(r.weight or 0.0 for r in first) if first else None
    amount = sum(r.amount or 0 for r in first) if first else None
    totals: list[object] = [t._("Total"), None, None, weight, amount]
    return Sheet(t._("Criteria"), columns, rows, totals, bold_rows=bold)


def _justifications(plan: AllocationPlan, t: Texts) -> Sheet:
    names = {r.code: r.name for r in plan.regions}
    rows: list[list[object]] = [
        [j.region, names[j.region], j.target, j.amount, j.text] for j in plan.justifications
    ]
    columns = [
        Column(t._("code"), TEXT, 8),
        Column(t._("state"), width=24),
        Column(t._("formula amount"), MONEY, 17),
        Column(t._("allocation"), MONEY, 17),
        Column(t._("justification"), width=110, wrap=True),
    ]
    totals: list[object] = [
        None,
        t._("Total"),
        sum(j.target for j in plan.justifications),
        plan.total,
        None,
    ]
    return Sheet(t._("Justifications"), columns, rows, totals)


def _annex(plan: AllocationPlan, t: Texts) -> Sheet:
    rows: list[list[object]] = [
        [r.code, r.name, r.rule, r.bound, r.marginal_value, r.effect] for r in annex_rows(plan, t)
    ]
    columns = [
        Column(t._("code"), TEXT, 8),
        Column(t._("state"), width=24),
        Column(t._("rule"), width=26),
        Column(t._("limit"), MONEY, 17),
        Column(t._("marginal value per million pesos"), "0.000000000", 16),
        Column(t._("effect of moving it"), width=100, wrap=True),
    ]
    return Sheet(t._("Technical annex"), columns, rows, intro=[caveat(t)])


def _summary(plan: AllocationPlan, scenario: Scenario | None, t: Texts) -> Sheet:
    fund = plan.fund
    rows: list[list[object]] = []
    formats: list[str] = []

    def add(label: str, value: object, fmt: str = "General") -> None:
        rows.append([label, value])
        formats.append(fmt)

    if scenario is not None:
        heading = make_heading(scenario, t)
        add(t._("Title"), heading.title)
        add(t._("Legal basis"), heading.legal_basis or t._("(not given)"))
    add(t._("Scenario"), plan.scenario)
    add(t._("Fund"), f"{fund.name} {fund.fiscal_year}")
    add(t._("Fund total"), fund.total, MONEY)
    add(t._("Allocated"), plan.total, MONEY)
    previous = [r.previous for r in plan.regions]
    if all(p is not None for p in previous):
        before = sum(p or 0 for p in previous)
        add(t._("Fiscal year {year}").format(year=fund.fiscal_year - 1), before, MONEY)
        add(t._("Change"), plan.total - before, CHANGE)
        if before:
            add(t._("change %"), round((plan.total - before) / before, 6), SIGNED_PERCENT)
    add(t._("Number of states"), len(plan.regions), INTEGER)
    add(t._("Number of programas"), len(programa_nodes(plan)), INTEGER)
    add(t._("Distribution objective"), objective_name(plan.stats.objective, t))
    add(t._("Input SHA-256"), plan.stats.input_sha256)
    if scenario is not None:
        for k, text in enumerate(make_heading(scenario, t).assumptions):
            add(t._("Assumption") if k == 0 else "", text)
    return Sheet(
        t._("Summary"),
        [Column(t._("item"), width=34), Column(t._("value"), width=90, wrap=True)],
        rows,
        row_formats=formats,
    )


def _along_axes(plan: AllocationPlan, t: Texts) -> list[Sheet]:
    """Ejes y programas, Propuestas, Coparticipación, Calendario, Municipios (when the plan has
    them): the tables of ``fsf solve --out``'s CSVs, with codes as text and pesos formatted."""
    from optimizer.io.results import along_axes_csvs

    titles = {
        "programas.csv": t._("Ejes and programas"),
        "propuestas.csv": t._("Proposals"),
        "coparticipacion.csv": t._("Co-financing"),
        "coparticipacion_programas.csv": t._("Co-financing by programa"),
        "calendario.csv": t._("Calendar"),
        "municipios.csv": t._("Municipalities"),
    }
    headers = {
        "id": t._("code"),
        "key": t._("code"),
        "region": t._("code"),
        "region_name": t._("state"),
        "name": t._("name"),
        "level": t._("level"),
        "parent": t._("parent"),
        "target": t._("formula amount"),
        "amount": t._("allocation"),
        "lower": t._("minimum"),
        "upper": t._("maximum"),
        "binding": t._("rule that holds"),
        "axis": t._("programa"),
        "node": t._("eje or programa"),
        "proposed": t._("proposed"),
        "gap": t._("difference"),
        "rule": t._("rule"),
        "rule_key": t._("limit of the rule"),
        "federal": t._("federal contribution"),
        "contribution": t._("state contribution"),
        "total": t._("Total"),
        "municipality": t._("municipality"),
        "share": t._("share"),
    }
    sheets = []
    for name, text in along_axes_csvs(plan).items():
        table = list(csv.reader(io.StringIO(text)))
        if not table:
            continue
        header, body = table[0], table[1:]
        whole = [
            all(_is_whole(row[k]) for row in body if k < len(row) and row[k] != "")
            and any(k < len(row) and row[k] != "" for row in body)
            for k in range(len(header))
        ]
        columns = []
        for k, head in enumerate(header):
            code = k == 0 or head.lower() in _CODE_HEADERS
            shown = headers.get(head, head)
            if code or not whole[k]:
                columns.append(Column(shown, TEXT if code else "General", 10 if code else 24))
            else:
                columns.append(Column(shown, MONEY, 16))
        rows: list[list[object]] = []
        for row in body:
            cells = [*row, *[""] * (len(header) - len(row))][: len(header)]
            rows.append(
                [_along_value(header[k], v, columns[k].format, t) for k, v in enumerate(cells)]
            )
        if name == "coparticipacion_programas.csv":
            rows += _cofinancing_totals(plan, header, columns, t)
        sheets.append(Sheet(titles.get(name, name), columns, rows))
    return sheets


def _cofinancing_totals(
    plan: AllocationPlan, header: list[str], columns: list[Column], t: Texts
) -> list[list[object]]:
    """The national row of each node under the state x programa rows: code TOTAL, the sums."""
    nodes = {c.node for c in plan.cofinancing_cells}
    levels = {n.id: n.level for n in (*plan.groups, *plan.axes)}
    out: list[list[object]] = []
    for c in plan.cofinancing:
        if c.key not in nodes:
            continue
        values = {
            "region": "TOTAL",
            "node": c.key,
            "level": levels.get(c.key, ""),
            "federal": str(c.federal),
            "contribution": str(c.contribution),
            "total": str(c.total),
        }
        out.append(
            [
                _along_value(head, values.get(head, ""), columns[k].format, t)
                for k, head in enumerate(header)
            ]
        )
    return out


def _along_value(header: str, value: str, fmt: str, t: Texts) -> object:
    """A cell of an along-axes table: pesos as integers, rules and levels in words."""
    if value == "":
        return None
    if fmt == MONEY:
        return int(value)
    if header in ("binding", "rule"):
        return ", ".join(rule_name(v, t) for v in value.replace(",", " ").split())
    if header == "level":
        return t.level(value)
    return value


_CODE_HEADERS = frozenset(
    {
        "region",
        "state",
        "cve_ent",
        "clave",
        "code",
        "cve_mun",
        "axis",
        "id",
        "key",
        "parent",
        "node",
    }
)
"""Columns of the along-axes tables that hold codes: text, whatever their digits."""


def _is_whole(text: str) -> bool:
    return text.lstrip("-").isdigit()


def plan_sheets(plan: AllocationPlan, scenario: Scenario | None = None) -> list[Sheet]:
    """The workbook's sheets, in order (append to the list to add one)."""
    t = texts(plan.language)
    return [
        _summary(plan, scenario, t),
        _states(plan, t),
        _cross(plan, t),
        _criteria(plan, scenario, t),
        _justifications(plan, t),
        _annex(plan, t),
        *_along_axes(plan, t),
    ]


def _write_sheet(book: object, sheet: Sheet, first: bool) -> None:
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    ws = book.active if first else book.create_sheet()  # type: ignore[attr-defined]
    ws.title = sheet.title[:31]
    bold = Font(bold=True)
    row = 1
    for line in sheet.intro:
        cell = ws.cell(row=row, column=1, value=line)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(sheet.columns))
        ws.row_dimensions[row].height = 15 * max(1, len(line) // 140 + 1)
        row += 1
    if sheet.intro:
        row += 1
    header_row = row
    for k, column in enumerate(sheet.columns, start=1):
        cell = ws.cell(row=row, column=k, value=column.header)
        cell.font = bold
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.column_dimensions[get_column_letter(k)].width = column.width
    row_formats = sheet.row_formats
    body: Sequence[list[object]] = sheet.rows
    for i, values in enumerate(body):
        row += 1
        for k, (column, given) in enumerate(zip(sheet.columns, values, strict=True), start=1):
            # Codes are text whatever they look like: "10" as well as "09".
            value = str(given) if column.format == TEXT and given is not None else given
            cell = ws.cell(row=row, column=k, value=value)
            fmt = row_formats[i] if row_formats and k == 2 else column.format
            cell.number_format = fmt
            if column.wrap:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
            if i in sheet.bold_rows:
                cell.font = bold
    if sheet.totals is not None:
        row += 1
        for k, (column, value) in enumerate(zip(sheet.columns, sheet.totals, strict=True), start=1):
            cell = ws.cell(row=row, column=k, value=value)
            cell.number_format = column.format
            cell.font = bold
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1).coordinate


def write_xlsx(plan: AllocationPlan, path: Path, scenario: Scenario | None = None) -> None:
    """Write the workbook (see the module's docstring); byte-identical for the same plan."""
    from openpyxl import Workbook

    book = Workbook()
    for index, sheet in enumerate(plan_sheets(plan, scenario)):
        _write_sheet(book, sheet, index == 0)
    path.write_bytes(deterministic_bytes(book))


def deterministic_bytes(book: object) -> bytes:
    """An openpyxl workbook saved with fixed document and ZIP entry times: same content, same
    bytes (also used by ``fsf sweep``'s workbook)."""
    from openpyxl.xml.functions import tostring

    saved = io.BytesIO()
    book.save(saved)  # type: ignore[attr-defined]
    # save() sets `modified` to the current time; put the constant back and write that part anew.
    props = book.properties  # type: ignore[attr-defined]
    props.created = XLSX_TIME
    props.modified = XLSX_TIME
    return _rezip(saved.getvalue(), {"docProps/core.xml": tostring(props.to_tree())})


def _rezip(archive: bytes, replace: dict[str, bytes]) -> bytes:
    """The same ZIP entries in the same order, with fixed times and modes, some parts replaced."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(archive)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=XLSX_TIME.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            target.writestr(entry, replace.get(info.filename, source.read(info)))
    return out.getvalue()
