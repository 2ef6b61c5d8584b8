"""The report of a plan as one self-contained HTML document, fit to attach to an official memo.

Head (title, issuing unit, date, legal basis), the notice of which inputs are assumptions, a
summary, two maps of Mexico (change respecto del ejercicio anterior, pesos per inhabitant), the
criteria and their weights, the states table, bars with their bands and a scale, the programas
and the state x programa table, every justification, the technical annex, and the credits.

No scripts and no external files: it opens offline in any browser, prints (A4, page numbers,
justifications expanded) and converts to PDF (:mod:`optimizer.io.pdf`). The same plan and
heading give the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from optimizer.domain import AllocationPlan, Language, Scenario
from optimizer.i18n import Texts, texts
from optimizer.io.annex import annex_rows, caveat
from optimizer.io.charts import BarRow, bar_chart
from optimizer.io.criteria_rows import criteria_rows, fund_rows
from optimizer.io.heading import Heading, make_heading
from optimizer.io.labels import objective_name, rule_name
from optimizer.io.mexico_map import choropleth, equal_classes, is_mexico
from optimizer.io.programas import programa_nodes, state_programa_amounts


def credit(t: Texts) -> str:
    """The map's attribution (CC BY 4.0 asks for it) in the reader's language."""
    return t._(
        "Map: @svg-maps/mexico by Victor Cazanave, based on MapSVG (mapsvg.com), "
        "licence CC BY 4.0 (creativecommons.org/licenses/by/4.0)"
    )


def _table(head: Sequence[str], body: list[str], foot: str = "", cls: str = "") -> str:
    cells = "".join(f"<th>{escape(h)}</th>" for h in head)
    footer = f"<tfoot>{foot}</tfoot>" if foot else ""
    return (
        f'<table class="{cls}"><thead><tr>{cells}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody>{footer}</table>"
    )


def _el(tag: str, text: str, attrs: str = "") -> str:
    """``<tag attrs>text</tag>`` with the text escaped."""
    return f"<{tag}{' ' + attrs if attrs else ''}>{escape(text)}</{tag}>"


def _n(text: str) -> str:
    return f'<td class="n">{escape(text)}</td>'


def _criteria_section(scenario: Scenario | None, plan: AllocationPlan, t: Texts) -> str:
    rows = criteria_rows(scenario, plan, t)
    body = []
    for r in rows:
        weight = "" if r.weight is None else t.percent(r.weight)
        amount = "" if r.amount is None else t.money(r.amount)
        if r.kind == "heading":
            body.append(f'<tr class="heading"><td colspan="4">{escape(r.label)}</td></tr>')
            continue
        cls = ' class="category"' if r.kind == "category" else ""
        indent = f' style="padding-left:{0.4 + 1.2 * (r.depth - 1):.1f}em"' if r.depth > 1 else ""
        body.append(
            f"<tr{cls}><td{indent}>{escape(r.label)}</td>"
            f"<td>{escape(r.direction)}</td>{_n(weight)}{_n(amount)}</tr>"
        )
    first = fund_rows(rows)
    total_weight = sum(r.weight or 0.0 for r in first)
    total_amount = sum(r.amount or 0 for r in first)
    foot = (
        "<tr>"
        + _el("th", t._("Total"))
        + "<th></th>"
        + f'<th class="n">{escape(t.percent(total_weight))}</th>'
        f'<th class="n">{escape(t.money(total_amount))}</th></tr>'
    )
    # The data column names stay in the workbook: the memo names criteria by their labels.
    head = (t._("criterion"), t._("direction"), t._("weight"), t._("amount"))
    return _table(head, body, foot, "criteria")


def weight_text(weight: float, t: Texts) -> str:
    """A weight as a percentage with the decimals it needs: 60 %, 4.8 %, 12.34 %."""
    for decimals in range(5):
        if abs(round(weight * 100, decimals) - weight * 100) < 1e-9:
            return t.percent(weight, decimals=decimals)
    return t.percent(weight, decimals=4)


def _categories_section(plan: AllocationPlan, t: Texts) -> str:
    """Per state, the guaranteed amount and the pesos each category of criteria gives it."""
    guaranteed = plan.guaranteed_total is not None
    if not plan.categories and not guaranteed:
        return ""
    head = [t._("code"), t._("state")]
    head += [t._("guaranteed amount")] if guaranteed else []
    head += [f"{c.label} ({weight_text(c.effective_weight, t)})" for c in plan.categories]
    order = [c.category for c in plan.categories]
    body = []
    for r in plan.regions:
        amounts = {c.category: c.amount for c in r.categories}
        cells = [t.number(r.guaranteed or 0)] if guaranteed else []
        cells += [t.number(amounts.get(k, 0)) for k in order]
        body.append(
            f'<tr><td class="code">{escape(r.code)}</td><td>{escape(r.name)}</td>'
            + "".join(_n(c) for c in cells)
            + "</tr>"
        )
    totals = [t.number(plan.guaranteed_total or 0)] if guaranteed else []
    totals += [t.number(c.amount) for c in plan.categories]
    foot = (
        "<tr><th></th>"
        + _el("th", t._("Total"))
        + "".join(f'<th class="n">{escape(v)}</th>' for v in totals)
        + "</tr>"
    )
    return (
        _el("h3", t._("Formula amount by category of criteria"))
        + _el("p", t._("Amounts in pesos."), 'class="meta"')
        + _table(head, body, foot, "categories")
    )


def _summary(plan: AllocationPlan, scenario: Scenario | None, t: Texts) -> str:
    fund = plan.fund
    previous = [r.previous for r in plan.regions]
    items = [
        (t._("Fund total"), t.money(fund.total) + f" {fund.currency}"),
        (t._("Allocated"), t.money(plan.total)),
    ]
    if all(p is not None for p in previous):
        before = sum(p or 0 for p in previous)
        items.append(
            (
                t._("Fiscal year {year}").format(year=fund.fiscal_year - 1),
                t.money(before),
            )
        )
        change = plan.total - before
        pct = f" ({t.percent(change / before, sign=True)})" if before else ""
        items.append((t._("Change"), t.money(change, sign=True) + pct))
    items.append((t._("Number of states"), t.number(len(plan.regions))))
    if len(plan.axes) > 1:
        items.append((t._("Number of programas"), t.number(len(programa_nodes(plan)))))
    items.append((t._("Distribution objective"), objective_name(plan.stats.objective, t)))
    band = scenario.rules.band if scenario is not None else None
    if band is not None:
        low = "—" if band.lower is None else t.percent(band.lower, sign=True)
        high = "—" if band.upper is None else t.percent(band.upper, sign=True)
        items.append(
            (
                t._("Band against fiscal year {year}").format(year=fund.fiscal_year - 1),
                f"[{low}, {high}]",
            )
        )
    rows = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in items)
    return f'<dl class="summary">{rows}</dl>'


def _states_section(plan: AllocationPlan, t: Texts) -> str:
    just = {j.region: j for j in plan.justifications}
    year = plan.fund.fiscal_year
    body = []
    for r in plan.regions:
        j = just[r.code]
        body.append(
            f'<tr data-cve="{escape(r.code)}"><td class="code">{escape(r.code)}</td>'
            f"<td>{escape(r.name)}</td>"
            + _n("" if r.previous is None else t.money(r.previous))
            + _n(t.money(r.target))
            + _n(t.money(r.amount))
            + _n("" if j.change is None else t.money(j.change, sign=True))
            + _n("" if j.change_pct is None else t.percent(j.change_pct / 100, sign=True))
            + _n("" if j.per_capita is None else t.number(j.per_capita, 2))
            + f"<td>{escape(rule_name(r.main_rule, t))}</td></tr>"
        )
    previous = [r.previous for r in plan.regions]
    before = sum(p or 0 for p in previous) if all(p is not None for p in previous) else None
    change = "" if before is None else t.money(plan.total - before, sign=True)
    pct = "" if not before else t.percent((plan.total - before) / before, sign=True)
    foot = (
        "<tr><th></th>"
        + _el("th", t._("Total"))
        + f'<th class="n">{escape("" if before is None else t.money(before))}</th>'
        f'<th class="n">{escape(t.money(sum(r.target for r in plan.regions)))}</th>'
        f'<th class="n">{escape(t.money(plan.total))}</th>'
        f'<th class="n">{escape(change)}</th><th class="n">{escape(pct)}</th><th></th><th></th></tr>'
    )
    head = (
        t._("code"),
        t._("state"),
        t._("fiscal year {year}").format(year=year - 1),
        t._("formula amount"),
        t._("allocation {year}").format(year=year),
        t._("change"),
        "%",
        t._("pesos per inhabitant"),
        t._("rule that set the amount"),
    )
    return _table(head, body, foot, "states")


def _maps(plan: AllocationPlan, t: Texts) -> str:
    if not is_mexico([r.code for r in plan.regions]):
        return _el("p", t._("The maps are drawn for the 32 states only."), 'class="note"')
    just = {j.region: j for j in plan.justifications}
    names = {r.code: r.name for r in plan.regions}
    year = plan.fund.fiscal_year
    change = {c: (None if j.change_pct is None else j.change_pct / 100) for c, j in just.items()}
    per_capita = {c: j.per_capita for c, j in just.items()}

    def pct(v: float | None) -> str:
        return t._("no data") if v is None else t.percent(v, sign=True)

    def money(v: float | None) -> str:
        return t._("no data") if v is None else "$" + t.number(v, 2)

    first = choropleth(
        change,
        equal_classes(list(change.values()), diverging=True),
        label=t._("Change against fiscal year {year}").format(year=year - 1),
        name_of=names,
        value_text=pct,
        css_id="map-change",
        credit=credit(t),
    )
    second = choropleth(
        per_capita,
        equal_classes(list(per_capita.values())),
        label=t._("Pesos per inhabitant, {year}").format(year=year),
        name_of=names,
        value_text=money,
        css_id="map-per-capita",
        credit=credit(t),
    )
    return f'<div class="maps">{first}{second}</div>'


def _programas_section(plan: AllocationPlan, t: Texts) -> str:
    body = [
        f"<tr><td class='code'>{escape(a.id)}</td><td>{escape(a.name)}</td>"
        + _n(t.money(a.target))
        + _n(t.money(a.amount))
        + _n(t.percent(a.amount / plan.total if plan.total else 0.0))
        + _n(t.money(a.lower))
        + _n(t.money(a.upper))
        + f"<td>{escape(', '.join(rule_name(b, t) for b in a.binding))}</td></tr>"
        for a in programa_nodes(plan)
    ]
    head = (
        t._("programa"),
        t._("name"),
        t._("formula amount"),
        t._("allocation"),
        t._("share"),
        t._("minimum"),
        t._("maximum"),
        t._("rule that holds"),
    )
    foot = (
        "<tr><th></th>"
        + _el("th", t._("Total"))
        + f'<th class="n">{escape(t.money(sum(a.target for a in programa_nodes(plan))))}</th>'
        f'<th class="n">{escape(t.money(plan.total))}</th><th></th><th></th><th></th><th></th></tr>'
    )
    return _table(head, body, foot, "programas")


def _cross_table(plan: AllocationPlan, t: Texts) -> str:
    programas = programa_nodes(plan)
    axes = [a.id for a in programas]
    amounts = state_programa_amounts(plan, programas)
    body = []
    for r in plan.regions:
        cells = "".join(_n(t.number(amounts.get((r.code, a), 0))) for a in axes)
        body.append(
            f"<tr><td>{escape(r.name)}</td>{cells}"
            f'<td class="n total">{escape(t.number(r.amount))}</td></tr>'
        )
    column_totals = "".join(
        f'<th class="n">{escape(t.number(sum(amounts.get((r.code, a), 0) for r in plan.regions)))}</th>'
        for a in axes
    )
    foot = (
        "<tr>"
        + _el("th", t._("Total"))
        + column_totals
        + f'<th class="n">{escape(t.number(plan.total))}</th></tr>'
    )
    return _table((t._("state"), *axes, t._("Total")), body, foot, "cross")


def _justifications(plan: AllocationPlan, t: Texts) -> str:
    names = {r.code: r.name for r in plan.regions}
    out = []
    for j in plan.justifications:
        rows = [
            f"<tr><td>{escape(c.label)}</td>{_n(t.percent(c.weight))}{_n(t.money(c.amount))}</tr>"
            for c in j.contributions
            if c.amount or c.weight
        ]
        table = _table((t._("criterion"), t._("weight"), t._("amount")), rows, cls="contrib")
        out.append(
            f'<section class="justification" data-cve="{escape(j.region)}">'
            f"<h3>{escape(names[j.region])} ({escape(j.region)})</h3>"
            f"<p>{escape(j.text)}</p>{table}</section>"
        )
    return "".join(out)


def _annex(plan: AllocationPlan, t: Texts) -> str:
    rows = annex_rows(plan, t)
    if not rows:
        return _el("p", t._("No rule holds any state: every amount is its formula amount."))
    body = [
        f"<tr><td>{escape(r.name)}</td><td>{escape(r.rule)}</td>{_n(t.money(r.bound))}"
        f"<td>{escape(r.effect)}</td></tr>"
        for r in rows
    ]
    head = (t._("state"), t._("rule"), t._("limit"), t._("effect of moving it"))
    return _el("p", caveat(t), 'class="caveat"') + _table(head, body, cls="annex")


STYLE = """
:root { --ink: #1a1a1a; --muted: #555; --line: #ccc; --head: #eef1f5; }
body { font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; color: var(--ink);
  margin: 2em auto; max-width: 1100px; padding: 0 1em; font-size: 13px; line-height: 1.4; }
h1 { font-size: 22px; margin: 0 0 .3em; }
h2 { font-size: 17px; border-bottom: 2px solid #08519c; padding-bottom: 2px; margin-top: 1.6em; }
h3 { font-size: 14px; margin: 1em 0 .3em; }
header.memo dl, dl.summary { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; }
dt { font-weight: bold; } dd { margin: 0; }
.notice { border: 2px solid #b35806; background: #fff4e5; padding: .6em 1em; margin: 1em 0; }
.notice h2 { border: 0; margin: 0 0 .3em; color: #b35806; font-size: 15px; }
table { border-collapse: collapse; margin: .6em 0 1em; width: 100%; }
th, td { border-bottom: 1px solid var(--line); padding: 2px 6px; vertical-align: top; }
thead th { background: var(--head); text-align: left; }
tfoot th { border-top: 2px solid var(--ink); text-align: left; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.code { font-variant-numeric: tabular-nums; }
tr.category td { font-weight: bold; } tr.heading td { font-style: italic; background: #fafafa; }
table.annex td:nth-child(2) { white-space: nowrap; } table.cross { font-size: 11px; } table.programas td:nth-child(2) { min-width: 40%; } table.contrib { width: auto; font-size: 12px; }
.maps { display: flex; flex-wrap: wrap; gap: 1em; }
figure.map { flex: 1 1 420px; margin: 0; }
svg.mexico { width: 100%; height: auto; }
ul.legend { list-style: none; padding: 0; margin: .3em 0; display: flex; flex-wrap: wrap; gap: 4px 12px; }
.swatch { display: inline-block; width: 12px; height: 12px; margin-right: 4px;
  border: 1px solid #999; vertical-align: middle; }
.credit, .note, .meta { color: var(--muted); font-size: 11px; }
svg.bars { max-width: 100%; height: auto; font-size: 10px; }
.caveat { border-left: 4px solid #999; padding-left: .8em; }
@page { size: A4; margin: 16mm 14mm 18mm;
  @bottom-center { content: PAGE_TEXT; font-size: 8pt; color: #555;
    font-family: "DejaVu Sans", "Liberation Sans", Arial, sans-serif; } }
@page wide { size: A4 landscape; }
@media print {
  body { margin: 0; max-width: none; padding: 0; font-size: 9pt; }
  h2.page { break-before: page; }
  section.wide { page: wide; }
  tr, figure, section.justification, dl, .notice { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
  thead { display: table-header-group; } tfoot { display: table-row-group; }
  th, td { padding: 1px 4px; }
  .maps { display: block; } figure.map { width: 82%; margin: 0 auto 4mm; }
  table.cross { font-size: 7.5pt; }
}
"""


def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_html(
    plan: AllocationPlan, scenario: Scenario | None = None, heading: Heading | None = None
) -> str:
    """The whole report as one HTML document (UTF-8), in the plan's language.

    ``scenario`` adds the criteria's directions, the band and the ``report`` section;
    ``heading`` (:func:`~optimizer.io.heading.make_heading`) the head, by default from the
    scenario, or from the fund with today's date.
    """
    t = texts(plan.language)
    if heading is None:
        heading = make_heading(scenario if scenario is not None else plan.fund, t)
    fund = plan.fund
    year = fund.fiscal_year
    page = t._("Page {page} of {pages}")
    before, _, rest = page.partition("{page}")
    middle, _, after = rest.partition("{pages}")
    page_css = (
        f"{_css_string(before)} counter(page) {_css_string(middle)} counter(pages) "
        f"{_css_string(after)}"
    )
    style = STYLE.replace("PAGE_TEXT", page_css)
    head_items = [
        (t._("Issuing unit"), heading.issuing_unit or t._("(not given)")),
        (t._("Date"), t.date(heading.date)),
        (t._("Legal basis"), heading.legal_basis or t._("(not given)")),
        (t._("Scenario"), f"{plan.scenario} · SHA-256 {plan.stats.input_sha256[:16]}"),
    ]
    memo = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in head_items)
    if heading.assumptions:
        listed = "".join(f"<li>{escape(a)}</li>" for a in heading.assumptions)
        notice = (
            '<section class="notice" id="assumptions">'
            + _el("h2", t._("Notice: this plan rests on assumptions (not official figures)"))
            + _el("p", t._("The scenario marks these inputs as assumptions:"))
            + f"<ul>{listed}</ul>"
            + _el(
                "p",
                t._(
                    "Replace them with the criteria and figures the CNSP approves before "
                    "using the amounts."
                ),
            )
            + "</section>"
        )
    else:
        notice = (
            '<section class="notice" id="assumptions">'
            + _el("h2", t._("Inputs"))
            + _el(
                "p",
                t._(
                    "The scenario marks no input as an assumption: check that every figure is "
                    "official before using the amounts."
                ),
            )
            + "</section>"
        )
    bars = bar_chart(
        [BarRow(r.name, r.amount, r.target, r.previous, r.lower, r.upper) for r in plan.regions],
        t,
        label=t._("Allocation by state with its band, previous year and formula amount"),
        css_id="bars-states",
    )
    programas = ""
    if len(plan.axes) > 1:
        programas = (
            '<section class="wide">'
            + _el("h2", t._("National-priority programas"), 'class="page"')
            + _programas_section(plan, t)
            + bar_chart(
                [
                    BarRow(a.id, a.amount, a.target, None, a.lower, a.upper)
                    for a in programa_nodes(plan)
                ],
                t,
                label=t._("Allocation by programa with its range and formula amount"),
                css_id="bars-programas",
            )
            + "</section>"
            + '<section class="wide">'
            + _el("h2", t._("State x programa"), 'class="page"')
            + _el("p", t._("Amounts in pesos."), 'class="meta"')
            + _cross_table(plan, t)
            + "</section>"
        )
    h = {
        "summary": t._("Summary"),
        "maps": t._("Maps"),
        "criteria": t._("Distribution criteria and weights"),
        "states": t._("Allocation by state, fiscal year {year}").format(year=year),
        "bars": t._("Amounts and bands"),
        "justifications": t._("Justifications"),
        "annex": t._("Technical annex: what moving each rule would do"),
        "credits": t._("Sources and credits"),
        "sources": t._(
            "Input data: the scenario's files and their sources. Input SHA-256: {sha}."
        ).format(sha=plan.stats.input_sha256),
    }
    h = {key: escape(value) for key, value in h.items()}
    return f"""<!DOCTYPE html>
<html lang="{plan.language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(heading.title)}</title>
<style>{style}</style>
</head>
<body>
<header class="memo">
<h1>{escape(heading.title)}</h1>
<dl>{memo}</dl>
</header>
{notice}
<h2>{h["summary"]}</h2>
{_summary(plan, scenario, t)}
<h2 class="page">{h["maps"]}</h2>
{_maps(plan, t)}
<h2 class="page">{h["criteria"]}</h2>
{_criteria_section(scenario, plan, t)}
{_categories_section(plan, t)}
<section class="wide">
<h2 class="page">{h["states"]}</h2>
{_states_section(plan, t)}
</section>
<h2 class="page">{h["bars"]}</h2>
{bars}
{programas}
{along_axes_html(plan)}
<h2 class="page">{h["justifications"]}</h2>
{_justifications(plan, t)}
<h2 class="page">{h["annex"]}</h2>
{_annex(plan, t)}
<h2>{h["credits"]}</h2>
<p class="meta">{h["sources"]}</p>
<p class="meta">{escape(credit(t))}.</p>
</body>
</html>
"""


def _cofinancing_by_programa(plan: AllocationPlan, t: Texts) -> str:
    """State x programa: each state's own contribution per programa (as in its Anexo Técnico),
    the state's total, and the national row; every row and column adds up exactly."""
    programas = [n.id for n in programa_nodes(plan)]
    own = {(c.region, c.node): c.contribution for c in plan.cofinancing_cells}
    national = {c.key: c for c in plan.cofinancing}
    head = "".join(f"<th>{escape(p)}</th>" for p in programas)
    rows = []
    for r in plan.regions:
        if r.code not in national:
            continue
        values = "".join(f'<td class="n">{own.get((r.code, p), 0):,}</td>' for p in programas)
        rows.append(
            f"<tr><td>{escape(r.code)}</td>{values}"
            f'<td class="n">{national[r.code].contribution:,}</td></tr>'
        )
    total = sum(national[r.code].contribution for r in plan.regions if r.code in national)
    foot = "".join(
        f'<th class="n">{national[p].contribution if p in national else 0:,}</th>'
        for p in programas
    )
    title = escape(t._("State contribution by programa"))
    note = escape(
        t._(
            "Each state's contribution split over its programas in proportion to the federal "
            "amounts (largest remainder); rows and columns add up exactly."
        )
    )
    return (
        f"<h3>{title}</h3>\n<p class='meta'>{note}</p>\n<table>\n"
        f"<tr><th>{escape(t._('state'))}</th>{head}<th>{escape(t._('Total'))}</th></tr>\n"
        + "\n".join(rows)
        + f'\n<tr><th>TOTAL</th>{foot}<th class="n">{total:,}</th></tr>\n</table>'
    )


def along_axes_html(plan: AllocationPlan) -> str:
    """Sections for the programa tree, co-financing, calendar and pass-through (when present)."""
    es = plan.language is Language.ES
    words = texts(plan.language)
    out: list[str] = []
    if plan.groups:
        rows = "\n".join(
            f"<tr><td>{escape(g.id)}</td><td>{escape(g.level)}</td><td>{escape(g.name)}</td>"
            f'<td class="n">{g.amount:,}</td><td class="n">{g.lower:,}</td>'
            f'<td class="n">{g.upper:,}</td><td>{escape(", ".join(rule_name(b, words) for b in g.binding))}</td></tr>'
            for g in plan.groups
        )
        title = "Ejes y programas" if es else "Ejes and programas"
        head = "<tr><th>id</th><th>nivel</th><th>nombre</th><th>asignación</th><th>mínimo</th>"
        out.append(
            f"<h2 class='page'>{title}</h2>\n<table>\n{head}<th>máximo</th><th>regla</th></tr>\n{rows}\n</table>"
        )
    if plan.cofinancing:
        codes = {r.code for r in plan.regions}
        rows = "\n".join(
            f'<tr><td>{escape(c.key)}</td><td class="n">{c.federal:,}</td>'
            f'<td class="n">{c.contribution:,}</td><td class="n">{c.total:,}</td></tr>'
            for c in plan.cofinancing
            if c.key in codes
        )
        title = "Financiamiento conjunto" if es else "Co-financing"
        out.append(
            f"<h2 class='page'>{title}</h2>\n<table>\n<tr><th></th><th>FASP</th><th>aportación estatal</th>"
            f"<th>total</th></tr>\n{rows}\n</table>"
        )
        if plan.cofinancing_cells:
            out.append(_cofinancing_by_programa(plan, words))
    if plan.calendar is not None:
        cal = plan.calendar
        head = "".join(f"<th>{escape(m)}</th>" for m in cal.months)
        rows = "\n".join(
            f"<tr><td>{escape(code)}</td>"
            + "".join(f'<td class="n">{v:,}</td>' for v in cal.row(r))
            + "</tr>"
            for r, code in enumerate(cal.regions)
        )
        total = "".join(f'<th class="n">{v:,}</th>' for v in cal.national)
        title = "Calendario de ministraciones" if es else "Ministrations"
        out.append(
            f"<h2 class='page'>{title}</h2>\n<table>\n<tr><th></th>{head}</tr>\n{rows}\n"
            f"<tr><th>TOTAL</th>{total}</tr>\n</table>"
        )
    if plan.pass_through:
        rows = "\n".join(
            f'<tr><td>{escape(p.region)}</td><td class="n">{p.amount:,}</td></tr>'
            for p in plan.pass_through
        )
        title = "Municipios (participación)" if es else "Municipalities (pass-through)"
        out.append(f"<h2 class='page'>{title}</h2>\n<table>\n{rows}\n</table>")
    return "\n".join(out)
