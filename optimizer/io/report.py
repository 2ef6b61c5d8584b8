"""A self-contained HTML report of a plan: summary, charts (inline SVG), tables, justifications.

No scripts, no external files: it opens offline in any browser and can be attached to a file.
"""

from __future__ import annotations

from html import escape

from optimizer.domain import AllocationPlan, Language

BAR_WIDTH = 360
ROW_HEIGHT = 18


def _bars(rows: list[tuple[str, int, int]], es: bool) -> str:
    """Horizontal bars: target (light) and final amount (dark) per row."""
    top = max([max(t, a) for _, t, a in rows] + [1])
    height = ROW_HEIGHT * len(rows) + 24
    label_width = 190
    parts = [
        f'<svg class="bars" width="{label_width + BAR_WIDTH + 130}" height="{height}" '
        f'role="img" aria-label="{"meta y asignación" if es else "target and allocation"}">'
    ]
    for i, (label, target, amount) in enumerate(rows):
        y = i * ROW_HEIGHT + 4
        wt = round(BAR_WIDTH * target / top, 1)
        wa = round(BAR_WIDTH * amount / top, 1)
        parts.append(
            f'<text x="{label_width - 6}" y="{y + 12}" text-anchor="end">{escape(label)}</text>'
            f'<rect x="{label_width}" y="{y}" width="{wt}" height="14" class="target"/>'
            f'<rect x="{label_width}" y="{y + 4}" width="{wa}" height="6" class="amount"/>'
            f'<text x="{label_width + max(wt, wa) + 6}" y="{y + 12}">{amount:,}</text>'
        )
    legend_y = len(rows) * ROW_HEIGHT + 18
    parts.append(
        f'<rect x="{label_width}" y="{legend_y - 9}" width="12" height="10" class="target"/>'
        f'<text x="{label_width + 16}" y="{legend_y}">{"meta de la fórmula" if es else "formula target"}</text>'
        f'<rect x="{label_width + 150}" y="{legend_y - 7}" width="12" height="6" class="amount"/>'
        f'<text x="{label_width + 166}" y="{legend_y}">{"asignación" if es else "allocation"}</text>'
        "</svg>"
    )
    return "".join(parts)


def _criteria_table(plan: AllocationPlan, es: bool) -> str:
    """Guaranteed amounts and category subtotals per region (empty for plans without them)."""
    guaranteed = plan.guaranteed_total is not None
    if not plan.categories and not guaranteed:
        return ""
    heads = [escape("garantizado" if es else "guaranteed")] if guaranteed else []
    heads += [f"{escape(c.label)} ({c.effective_weight * 100:.4g} %)" for c in plan.categories]
    rows = []
    for r in plan.regions:
        cells = [f"{r.guaranteed or 0:,}"] if guaranteed else []
        cells += [f"{c.amount:,}" for c in r.categories]
        rows.append(
            f"<tr><td>{escape(r.code)}</td><td>{escape(r.name)}</td>"
            + "".join(f'<td class="n">{v}</td>' for v in cells)
            + "</tr>"
        )
    totals = [f"{plan.guaranteed_total:,}"] if plan.guaranteed_total is not None else []
    totals += [f"{c.amount:,}" for c in plan.categories]
    title = (
        "Meta de la fórmula por categoría de criterios"
        if es
        else "Formula target by category of criteria"
    )
    return (
        f"<h2>{title}</h2>\n<table>\n<tr><th>{'clave' if es else 'code'}</th>"
        f"<th>{'entidad' if es else 'region'}</th>"
        + "".join(f"<th>{h}</th>" for h in heads)
        + "</tr>\n"
        + "".join(rows)
        + "<tr><th></th><th>TOTAL</th>"
        + "".join(f'<th class="n">{v}</th>' for v in totals)
        + "</tr>\n</table>\n"
    )


def render_html(plan: AllocationPlan) -> str:
    """The whole report as one HTML document (UTF-8)."""
    es = plan.language is Language.ES

    def t(spanish: str, english: str) -> str:
        return spanish if es else english

    just = {j.region: j for j in plan.justifications}
    stats = plan.stats
    region_rows = "".join(
        "<tr>"
        f"<td>{escape(r.code)}</td><td>{escape(r.name)}</td>"
        f'<td class="n">{r.target:,}</td><td class="n">{r.amount:,}</td>'
        f'<td class="n">{"" if r.previous is None else f"{r.amount - r.previous:+,}"}</td>'
        f'<td class="n">{"" if just[r.code].change_pct is None else f"{just[r.code].change_pct:+.2f}"}</td>'
        f'<td class="n">{"" if just[r.code].per_capita is None else f"{just[r.code].per_capita:,.2f}"}</td>'
        f"<td>{escape(r.main_rule)}</td>"
        "</tr>"
        for r in plan.regions
    )
    axis_rows = "".join(
        "<tr>"
        f"<td>{escape(a.id)}</td><td>{escape(a.name)}</td>"
        f'<td class="n">{a.target:,}</td><td class="n">{a.amount:,}</td>'
        f'<td class="n">{a.lower:,}</td><td class="n">{a.upper:,}</td>'
        f"<td>{escape(', '.join(a.binding))}</td>"
        "</tr>"
        for a in plan.axes
    )
    texts = "".join(
        f"<details><summary>{escape(r.name)} ({escape(r.code)})</summary>"
        f"<p>{escape(just[r.code].text)}</p></details>"
        for r in plan.regions
    )
    region_chart = _bars([(r.name, r.target, r.amount) for r in plan.regions], es)
    axis_chart = _bars([(a.id, a.target, a.amount) for a in plan.axes], es)
    return f"""<!DOCTYPE html>
<html lang="{plan.language}">
<head>
<meta charset="utf-8">
<title>{escape(plan.scenario)} · {plan.fund.fiscal_year}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2em; color: #222; }}
table {{ border-collapse: collapse; margin: 1em 0; }}
th, td {{ border-bottom: 1px solid #ddd; padding: 3px 8px; font-size: 13px; }}
th {{ background: #f3f3f3; text-align: left; }}
td.n {{ text-align: right; font-variant-numeric: tabular-nums; }}
svg.bars text {{ font-size: 11px; }}
rect.target {{ fill: #c6dbef; }}
rect.amount {{ fill: #08519c; }}
.meta {{ color: #555; font-size: 13px; }}
</style>
</head>
<body>
<h1>{escape(plan.scenario)}</h1>
<p>{t("Fondo", "Fund")}: <b>{escape(plan.fund.name)} {plan.fund.fiscal_year}</b>,
{plan.fund.total:,} {escape(plan.fund.currency)} ·
{t("asignado", "allocated")}: <b>{plan.total:,}</b> ·
{t("objetivo", "objective")}: {escape(str(stats.objective))}</p>
<p class="meta">{stats.lp_solves} LP · {escape(stats.solver)} · SHA-256 {escape(stats.input_sha256)}</p>
<h2>{t("Entidades: meta y asignación", "Regions: target and allocation")}</h2>
{region_chart}
<table>
<tr><th>{t("clave", "code")}</th><th>{t("entidad", "region")}</th><th>{t("meta", "target")}</th>
<th>{t("asignación", "allocation")}</th><th>{t("cambio", "change")}</th><th>%</th>
<th>{t("por habitante", "per inhabitant")}</th><th>{t("regla", "rule")}</th></tr>
{region_rows}
<tr><th></th><th>TOTAL</th><th class="n">{sum(r.target for r in plan.regions):,}</th>
<th class="n">{plan.total:,}</th><th></th><th></th><th></th><th></th></tr>
</table>
{_criteria_table(plan, es)}<h2>{t("Ejes", "Axes")}</h2>
{axis_chart}
<table>
<tr><th>id</th><th>{t("nombre", "name")}</th><th>{t("meta", "target")}</th>
<th>{t("asignación", "allocation")}</th><th>{t("mínimo", "minimum")}</th>
<th>{t("máximo", "maximum")}</th><th>{t("regla activa", "binding")}</th></tr>
{axis_rows}
</table>
{along_axes_html(plan)}
<h2>{t("Justificaciones", "Justifications")}</h2>
{texts}
</body>
</html>
"""


def along_axes_html(plan: AllocationPlan) -> str:
    """Sections for the programa tree, co-financing, calendar and pass-through (when present)."""
    es = plan.language is Language.ES
    out: list[str] = []
    if plan.groups:
        rows = "\n".join(
            f"<tr><td>{escape(g.id)}</td><td>{escape(g.level)}</td><td>{escape(g.name)}</td>"
            f'<td class="n">{g.amount:,}</td><td class="n">{g.lower:,}</td>'
            f'<td class="n">{g.upper:,}</td><td>{escape(", ".join(g.binding))}</td></tr>'
            for g in plan.groups
        )
        title = "Ejes y programas" if es else "Ejes and programas"
        head = "<tr><th>id</th><th>nivel</th><th>nombre</th><th>asignación</th><th>mínimo</th>"
        out.append(
            f"<h2>{title}</h2>\n<table>\n{head}<th>máximo</th><th>regla</th></tr>\n{rows}\n</table>"
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
            f"<h2>{title}</h2>\n<table>\n<tr><th></th><th>FASP</th><th>aportación estatal</th>"
            f"<th>total</th></tr>\n{rows}\n</table>"
        )
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
            f"<h2>{title}</h2>\n<table>\n<tr><th></th>{head}</tr>\n{rows}\n"
            f"<tr><th>TOTAL</th>{total}</tr>\n</table>"
        )
    if plan.pass_through:
        rows = "\n".join(
            f'<tr><td>{escape(p.region)}</td><td class="n">{p.amount:,}</td></tr>'
            for p in plan.pass_through
        )
        title = "Municipios (participación)" if es else "Municipalities (pass-through)"
        out.append(f"<h2>{title}</h2>\n<table>\n{rows}\n</table>")
    return "\n".join(out)
