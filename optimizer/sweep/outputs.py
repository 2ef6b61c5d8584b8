"""A sweep's outputs: the terminal table, CSV and XLSX tables, Parquet samples, an HTML report.

Same sweep, same bytes: no times or paths in any file (the XLSX's document times are a
constant, as ``fsf solve --out`` writes them), rows in sample and region order. Files are
written only once every study has finished, each to a temporary name and then renamed, so an
interrupted or failed sweep leaves no file half-written.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Sequence
from html import escape
from pathlib import Path

import numpy as np

from optimizer.domain import Language
from optimizer.i18n import N_, Texts, texts
from optimizer.sweep.engine import STATUS_NAMES
from optimizer.sweep.runner import SweepResult
from optimizer.sweep.study import OneAtATime
from optimizer.sweep.summary import Effect, Summary, tornado

Table = tuple[list[str], list[list[object]]]


# ------------------------------------------------------------------------------- tables


def tables(summary: Summary) -> dict[str, Table]:
    """The study's tables with machine column names (CSV files and XLSX sheets)."""
    out: dict[str, Table] = {}
    if summary.regions:
        header = [
            "region",
            "name",
            "baseline",
            "p5",
            "p50",
            "p95",
            "p_floor",
            "p_cap",
            "rank",
            "rank_p5",
            "rank_p95",
            "rank_stable",
        ]
        rows: list[list[object]] = [
            [
                s.code,
                s.name,
                s.baseline,
                s.p5,
                s.p50,
                s.p95,
                round(s.p_floor, 6),
                round(s.p_cap, 6),
                s.rank,
                s.rank_p5,
                s.rank_p95,
                round(s.rank_stable, 6),
            ]
            for s in summary.regions
        ]
        out["sweep_regions"] = (header, rows)
    if summary.effects:
        header = [
            "region",
            "kind",
            "factor",
            "stated",
            "up",
            "down",
            "change_up",
            "change_down",
            "elasticity",
        ]
        rows = [
            [
                e.region,
                e.kind,
                e.name,
                _num(e.base),
                _num(e.up),
                _num(e.down),
                "" if e.change_up is None else e.change_up,
                "" if e.change_down is None else e.change_down,
                "" if e.elasticity is None else round(e.elasticity, 6),
            ]
            for e in summary.effects
        ]
        out["sweep_effects"] = (header, rows)
    if summary.grid:
        header = ["point", *summary.grid_names, "region", "status", "amount", "change"]
        rows = [
            [
                g.point,
                *(_num(v) for v in g.values),
                g.region,
                g.status,
                "" if g.amount is None else g.amount,
                "" if g.change is None else g.change,
            ]
            for g in summary.grid
        ]
        out["sweep_grid"] = (header, rows)
    return out


def _num(value: float) -> object:
    """A float as its shortest text, rounded to 12 digits (weights such as 0.35)."""
    return float(f"{value:.12g}")


def csv_text(table: Table) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(table[0])
    writer.writerows(table[1])
    return buffer.getvalue()


def xlsx_bytes(named: dict[str, Table]) -> bytes:
    """One sheet per table; byte-identical for the same tables."""
    from openpyxl import Workbook

    from optimizer.io.workbook import deterministic_bytes

    # Write-only: rows are streamed to the file (a one-at-a-time study has 10,000 rows).
    book = Workbook(write_only=True)
    for title, (header, rows) in named.items():
        sheet = book.create_sheet(title[:31])
        sheet.append(header)
        for row in rows:
            sheet.append(row)
    return deterministic_bytes(book)


def parquet_bytes(result: SweepResult) -> bytes:
    """Every sample's plan, one row per sample and region: amounts per axis, weights, status."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    count, n, m = result.amounts.shape
    codes = pa.array(list(result.regions), type=pa.string())
    columns: dict[str, pa.Array] = {
        "sample": pa.array(np.repeat(np.arange(count, dtype=np.int32), n)),
        "status": pa.DictionaryArray.from_arrays(
            pa.array(np.repeat(result.status.astype(np.int8), n)),
            pa.array(list(STATUS_NAMES), type=pa.string()),
        ),
        "allocate": pa.array(np.repeat(result.fallback, n)),
        "region": pa.DictionaryArray.from_arrays(
            pa.array(np.tile(np.arange(n, dtype=np.int32), count)), codes
        ),
        "amount": pa.array(result.amounts.sum(axis=2).reshape(-1)),
    }
    for a, axis in enumerate(result.axes):
        if m > 1:
            columns[f"amount_{axis}"] = pa.array(result.amounts[:, :, a].reshape(-1))
    study = result.spec.study
    batch = study.batch(result.context, 0, count)
    for k, node in enumerate(result.context.nodes):
        columns[f"weight_{node.name}"] = pa.array(np.repeat(batch.weights[:, k], n))
    if isinstance(study, OneAtATime):
        labels = [""] + [
            f"{f.kind}:{f.name}{'+' if f.sign > 0 else '-'}" for f in study.factors(result.context)
        ]
        columns["factor"] = pa.array(np.repeat(np.array(labels, dtype=object), n), pa.string())
    table = pa.table(columns)
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue()


# ------------------------------------------------------------------------------- words

STUDY_NAMES = {
    "one_at_a_time": N_("One factor at a time"),
    "monte_carlo": N_("Monte Carlo"),
    "grid": N_("Weight grid"),
}
KIND_NAMES = {"weight": N_("weight"), "indicator": N_("indicator"), "band": N_("band")}
SAMPLE_STATUS = {
    "ok": N_("with a plan"),
    "infeasible": N_("the rules cannot all hold"),
    "solver_failure": N_("solver failure"),
    "invalid": N_("invalid point"),
}
BAND_RULES = {"lower": "band_floor", "upper": "band_cap"}
"""A moved band limit is named as the rule it sets (``piso de la banda``, ``techo ...``)."""


def study_name(kind: str, t: Texts) -> str:
    """``Monte Carlo``, ``Un factor a la vez``, ``Rejilla de ponderaciones``."""
    return t._(STUDY_NAMES[kind])


def _label(labels: dict[str, tuple[str, str]], name: str, t: Texts) -> str:
    pair = labels.get(name)
    if pair is None:
        return name
    return pair[1] if t.language is Language.EN else pair[0]


def weight_label(summary: Summary, name: str, t: Texts) -> str:
    """A weight as a planner reads it: the criterion's (category's, base amount's) label."""
    return _label(summary.weight_labels, name, t)


def factor_name(e: Effect, summary: Summary, t: Texts, limit: int = 0) -> str:
    """A factor in words: ``ponderación de Población ...``, ``Población ..., valor de Chiapas``,
    ``piso de la banda``; the label part cut to ``limit`` characters when given."""

    def cut(text: str) -> str:
        if not limit or len(text) <= limit:
            return text
        short = text.split(" (", 1)[0]  # "Población (CONAPO, mitad de 2026)": "Población"
        return short if len(short) <= limit else _cut(short, limit)

    if e.kind == "band":
        return t.rule(BAND_RULES.get(e.name, e.name))
    if e.kind == "indicator":
        indicator, _, code = e.name.partition("@")
        label = cut(_label(summary.indicator_labels, indicator, t))
        state = summary.names.get(code, code)
        return t._("{indicator}, value of {state}").format(indicator=label, state=state)
    return t._("weight of {criterion}").format(criterion=cut(weight_label(summary, e.name, t)))


def _summary_line(summary: Summary, t: Texts) -> str:
    head = t.ngettext("{n} sample", "{n} samples", summary.samples).format(
        n=t.number(summary.samples)
    )
    rest = t._("{ok} with a plan, {bad} without; {fallback} computed by the full model").format(
        ok=t.number(summary.ok),
        bad=t.number(summary.without_plan),
        fallback=t.number(summary.fallback),
    )
    return f"{head} ({rest})"


# ------------------------------------------------------------------------------- terminal


def render_table(summary: Summary, language: Language) -> str:
    """The summary for the terminal: one line per state."""
    t = texts(language)
    seconds = t._("in {seconds} s").format(seconds=t.number(summary.seconds, 1))
    lines = [
        t._("Sensitivity analysis: {study}").format(study=study_name(summary.kind, t)),
        f"{_summary_line(summary, t)} {seconds}",
        "",
    ]
    lines.extend(_table_lines(summary, t))
    return "\n".join(lines)


def _table_lines(summary: Summary, t: Texts) -> list[str]:
    """The table of a study (no title: the HTML report shows it without the run's time)."""

    def row(cells: Sequence[str], widths: Sequence[int]) -> str:
        return "  ".join(
            c.ljust(w) if i < 2 or (i == 3 and summary.effects) else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    code_h, state_h, stated_h = t._("Code"), t._("State"), t._("Stated")
    body: list[list[str]] = []
    if summary.regions:
        head = [
            code_h,
            state_h,
            stated_h,
            "P5",
            "P50",
            "P95",
            t._("On its floor"),
            t._("On its cap"),
            t._("Rank (P5-P95)"),
            t._("Keeps its rank"),
        ]
        for s in summary.regions:
            body.append(
                [
                    s.code,
                    s.name[:22],
                    t.money(s.baseline),
                    t.money(s.p5),
                    t.money(s.p50),
                    t.money(s.p95),
                    t.percent(s.p_floor),
                    t.percent(s.p_cap),
                    f"{s.rank} ({s.rank_p5}-{s.rank_p95})",
                    t.percent(s.rank_stable),
                ]
            )
    elif summary.effects:
        head = [
            code_h,
            state_h,
            stated_h,
            t._("Factor of largest effect"),
            t._("Change when it goes up"),
            t._("Change when it goes down"),
        ]
        for code, name in summary.names.items():
            top = tornado(summary, code, 1)
            if not top:
                body.append([code, name[:22], t.money(summary.baseline.get(code, 0)), "", "", ""])
                continue
            e = top[0]
            body.append(
                [
                    code,
                    name[:22],
                    t.money(summary.baseline.get(code, 0)),
                    factor_name(e, summary, t, 30),
                    "" if e.change_up is None else t.money(e.change_up, sign=True),
                    "" if e.change_down is None else t.money(e.change_down, sign=True),
                ]
            )
    else:
        head = [code_h, state_h, stated_h, t._("Minimum"), t._("Maximum"), t._("Range")]
        by_region = _grid_amounts(summary)
        for code, name in summary.names.items():
            amounts = [a for a in by_region.get(code, []) if a is not None]
            lo, hi = (min(amounts), max(amounts)) if amounts else (0, 0)
            body.append(
                [
                    code,
                    name[:22],
                    t.money(summary.baseline.get(code, 0)),
                    t.money(lo),
                    t.money(hi),
                    t.money(hi - lo),
                ]
            )
    widths = [max(len(r[i]) for r in [head, *body]) for i in range(len(head))]
    return [row(head, widths), *(row(r, widths) for r in body)]


def _grid_amounts(summary: Summary) -> dict[str, list[int | None]]:
    """Each state's amount at each grid point, in point order (None: no plan there)."""
    out: dict[str, list[int | None]] = {}
    for g in summary.grid:
        out.setdefault(g.region, []).append(g.amount)
    return out


# ------------------------------------------------------------------------------- HTML

_STYLE = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;font-size:13px}td,th{padding:2px 8px;border-bottom:1px solid #ddd}
td.n{text-align:right;font-variant-numeric:tabular-nums}svg text{font-size:11px}
.up{fill:#2b6cb0}.down{fill:#c05621}.band{stroke:#2b6cb0;stroke-width:3}.mid{stroke:#111}
.base{fill:#c05621}.tornado{display:inline-block;margin:0 1em 1em 0;vertical-align:top}
.axis{stroke:#999}.other{stroke:#ccc;fill:none}.stated{stroke:#111;stroke-dasharray:4 3}
.line{fill:none;stroke-width:2}.legend{display:inline-block;margin-right:1em;font-size:12px}
"""


def _cut(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis (chart labels)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _fan(summary: Summary, t: Texts) -> str:
    """Per state, P5 to P95 as a change from its stated amount (a line), P50 (a tick), the
    stated amount at 0 (the diamond) and P5 / P95 in pesos on the right."""
    stats = summary.regions

    def rel(v: int, base: int) -> float:
        return v / base - 1.0 if base > 0 else 0.0

    span = max(
        [abs(rel(s.p5, s.baseline)) for s in stats]
        + [abs(rel(s.p95, s.baseline)) for s in stats]
        + [0.01]
    )
    half, label, height, right = 200, 170, 16, 230
    mid = label + half
    bottom = height * len(stats) + 22
    parts = [
        f'<svg width="{label + 2 * half + right}" height="{height * len(stats) + 30}" '
        f'role="img" aria-label="{escape(t._(FAN))}">'
        f'<line class="mid" x1="{mid}" x2="{mid}" y1="0" y2="{height * len(stats) + 4}"/>'
        f'<text x="{label}" y="{bottom}">{escape(t.percent(-span, decimals=1, sign=True))}</text>'
        f'<text x="{mid}" y="{bottom}" text-anchor="middle">{escape(t.percent(0, decimals=0))}'
        f'</text><text x="{mid + half}" y="{bottom}" text-anchor="end">'
        f"{escape(t.percent(span, decimals=1, sign=True))}</text>"
    ]
    for i, s in enumerate(stats):
        y = i * height + 10

        def x(v: int, base: int = s.baseline) -> float:
            return round(mid + half * rel(v, base) / span, 1)

        parts.append(
            f'<text x="{label - 6}" y="{y + 4}" text-anchor="end">{escape(_cut(s.name, 26))}</text>'
            f'<line class="band" x1="{x(s.p5)}" x2="{x(s.p95)}" y1="{y}" y2="{y}"/>'
            f'<line class="mid" x1="{x(s.p50)}" x2="{x(s.p50)}" y1="{y - 5}" y2="{y + 5}"/>'
            f'<path class="base" d="M{mid} {y - 4}l4 4l-4 4l-4 -4z"/>'
            f'<text x="{mid + half + 10}" y="{y + 4}">'
            f"{escape(t.money(s.p5))} – {escape(t.money(s.p95))}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def _heat(summary: Summary, t: Texts) -> str:
    """A table of floor and cap probabilities, each cell shaded by its value."""

    def cell(p: float, rgb: str) -> str:
        return f'<td class="n" style="background:rgba({rgb},{p:.3f})">{t.percent(p)}</td>'

    rows = "".join(
        f"<tr><td>{escape(s.code)}</td><td>{escape(s.name)}</td>"
        f"{cell(s.p_floor, '192,86,33')}{cell(s.p_cap, '43,108,176')}</tr>"
        for s in summary.regions
    )
    return (
        f"<table><tr><th>{escape(t._('Code'))}</th><th>{escape(t._('State'))}</th>"
        f"<th>{escape(t._('On its floor'))}</th><th>{escape(t._('On its cap'))}</th></tr>"
        f"{rows}</table>"
    )


def _tornado(summary: Summary, code: str, t: Texts) -> str:
    """Bars left (change when the factor goes down) and right (up) of the stated amount."""
    effects = tornado(summary, code)
    if not effects:
        return ""
    top = max(e.swing for e in effects) or 1
    half, label, height = 130, 250, 15
    mid = label + half
    parts = [
        f'<div class="tornado"><b>{escape(code)} {escape(summary.names.get(code, ""))}</b><br>'
        f'<svg width="{label + 2 * half + 10}" height="{height * len(effects) + 6}" role="img" '
        f'aria-label="{escape(t._(TORNADO))}">'
    ]
    for i, e in enumerate(effects):
        y = i * height + 2
        name = factor_name(e, summary, t)
        parts.append(
            f'<text x="{label - 6}" y="{y + 10}" text-anchor="end">{escape(_cut(name, 40))}'
            f"<title>{escape(name)}</title></text>"
        )
        # The step down on the upper half of the row, the step up on the lower half: both
        # may move the amount the same way (a weight's siblings absorb the step).
        for change, css, dy in ((e.change_down, "down", 0), (e.change_up, "up", 6)):
            if not change:
                continue
            w = round(half * abs(change) / top, 1)
            x0 = mid if change > 0 else mid - w
            parts.append(
                f'<rect class="{css}" x="{x0}" y="{y + dy}" width="{w}" height="5">'
                f"<title>{escape(t.money(change, sign=True))}</title></rect>"
            )
    parts.append(f'<line class="mid" x1="{mid}" x2="{mid}" y1="0" y2="{height * len(effects)}"/>')
    parts.append("</svg></div>")
    return "".join(parts)


LINE_COLOURS = (
    "#2b6cb0",
    "#c05621",
    "#2f855a",
    "#9b2c2c",
    "#6b46c1",
    "#b7791f",
    "#2c7a7b",
    "#97266d",
)
"""The states drawn in colour on the grid chart, the largest range first."""


def _grid_chart(summary: Summary, t: Texts) -> str:
    """A one-weight grid: each state's change from its stated amount along the grid (a line
    per state; the states whose amount moves most in colour with a legend, the others grey;
    the stated weight a dashed line). Empty for a two-weight grid."""
    if len(summary.grid_names) != 1:
        return ""
    xs = [g.values[0] for g in summary.grid if g.region == next(iter(summary.names))]
    lines = {
        code: [None if a is None else a - summary.baseline.get(code, 0) for a in amounts]
        for code, amounts in _grid_amounts(summary).items()
    }
    values = [v for changes in lines.values() for v in changes if v is not None]
    if len(xs) < 2 or not values:
        return ""
    lo, hi = min(*values, 0), max(*values, 0)
    hi = hi if hi > lo else lo + 1
    left, top, width, height = 110, 10, 560, 260
    x0, x1 = xs[0], xs[-1]

    def px(v: float) -> float:
        return round(left + width * (v - x0) / (x1 - x0), 1)

    def py(v: float) -> float:
        return round(top + height * (hi - v) / (hi - lo), 1)

    def path(changes: list[int | None]) -> str:
        """``M x y L x y ...``; a point without a plan breaks the line."""
        out, pen = [], "M"
        for x, v in zip(xs, changes, strict=True):
            if v is None:
                pen = "M"
                continue
            out.append(f"{pen}{px(x)} {py(v)}")
            pen = "L"
        return " ".join(out)

    def spread(changes: list[int | None]) -> int:
        shown = [v for v in changes if v is not None]
        return max(shown) - min(shown) if shown else 0

    ranked = sorted(lines, key=lambda code: (-spread(lines[code]), code))
    coloured = [code for code in ranked[: len(LINE_COLOURS)] if spread(lines[code]) > 0]
    name = weight_label(summary, summary.grid_names[0], t)
    title = t._(GRID_CHART).format(weight=name)
    bottom = top + height
    parts = [
        f'<svg width="{left + width + 20}" height="{bottom + 40}" role="img" '
        f'aria-label="{escape(title)}">'
        f'<line class="axis" x1="{left}" x2="{left + width}" y1="{py(0)}" y2="{py(0)}"/>'
        f'<line class="axis" x1="{left}" x2="{left}" y1="{top}" y2="{bottom}"/>'
    ]
    for v in (hi, 0, lo):
        parts.append(
            f'<text x="{left - 6}" y="{py(v) + 4}" text-anchor="end">'
            f"{escape(t.money(v, sign=True))}</text>"
        )
    for x in (x0, x1):
        parts.append(
            f'<text x="{px(x)}" y="{bottom + 16}" text-anchor="middle">'
            f"{escape(t.number(x, 2))}</text>"
        )
    stated = summary.grid_stated[0] if summary.grid_stated else float("nan")
    if x0 <= stated <= x1:
        mark = t._("stated: {value}").format(value=t.number(stated, 2))
        parts.append(
            f'<line class="stated" x1="{px(stated)}" x2="{px(stated)}" y1="{top}" y2="{bottom}"/>'
            f'<text x="{px(stated)}" y="{bottom + 30}" text-anchor="middle">'
            f"{escape(mark)}</text>"
        )
    for code in ranked[::-1]:
        if code not in coloured:
            parts.append(f'<path class="other" d="{path(lines[code])}"/>')
    for code in coloured[::-1]:
        colour = LINE_COLOURS[coloured.index(code)]
        parts.append(
            f'<path class="line" stroke="{colour}" d="{path(lines[code])}">'
            f"<title>{escape(summary.names.get(code, code))}</title></path>"
        )
    parts.append("</svg>")
    legend = "".join(
        f'<span class="legend"><svg width="14" height="10"><rect width="14" height="10" '
        f'fill="{LINE_COLOURS[k]}"/></svg> {escape(summary.names.get(code, code))}</span>'
        for k, code in enumerate(coloured)
    )
    note = t._("In grey, the other states.") if len(coloured) < len(lines) else ""
    return f"<h3>{escape(title)}</h3>{''.join(parts)}<p>{legend} {escape(note)}</p>"


TITLE = N_("Sensitivity analysis: {scenario}")
NOTE = N_(
    "Each sample is a complete scenario: whole pesos that sum exactly to the fund and keep "
    "every rule (re-checked)."
)
FAN = N_(
    "P5-P95 range of each state's amount as a change from the stated allocation (fan); "
    "mark: P50, diamond: stated"
)
HEAT = N_("Probability of sitting on the floor or on the cap (heat map)")
TORNADO = N_("Effect of each factor on the state's amount (tornado)")
LEGEND = N_("Upper bar (orange): the factor goes down; lower bar (blue): the factor goes up.")
GRID_CHART = N_(
    "Change of each state's amount from the stated allocation along the {weight} weight"
)


def render_html(scenario: str, summaries: Sequence[Summary], language: Language) -> str:
    """One self-contained HTML document for every study of the sweep."""
    t = texts(language)
    title = t._(TITLE).format(scenario=scenario)
    body = [f"<h1>{escape(title)}</h1><p>{escape(t._(NOTE))}</p>"]
    for summary in summaries:
        body.append(f"<h2>{escape(study_name(summary.kind, t))}</h2>")
        body.append(f"<p>{escape(_summary_line(summary, t))}</p>")
        if summary.regions:
            body.append(f"<h3>{escape(t._(FAN))}</h3>{_fan(summary, t)}")
            body.append(f"<h3>{escape(t._(HEAT))}</h3>{_heat(summary, t)}")
        if summary.effects:
            body.append(f"<h3>{escape(t._(TORNADO))}</h3><p>{escape(t._(LEGEND))}</p>")
            body.extend(_tornado(summary, code, t) for code in summary.names)
        if summary.grid:
            body.append(_grid_chart(summary, t))
            # The table without the run's time: same sweep, same bytes.
            body.append(f"<pre>{escape(chr(10).join(_table_lines(summary, t)))}</pre>")
    lang = "en" if language is Language.EN else "es"
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style>"
        f"</head><body>{''.join(body)}</body></html>\n"
    )


# ------------------------------------------------------------------------------- files


SHEETS = {
    "sweep_regions": N_("Monte Carlo"),
    "sweep_effects": N_("One factor at a time"),
    "sweep_grid": N_("Weight grid"),
}
COLUMNS = {
    "region": N_("Code"),
    "name": N_("State"),
    "baseline": N_("Stated allocation"),
    "p_floor": N_("On its floor"),
    "p_cap": N_("On its cap"),
    "rank": N_("Rank"),
    "rank_p5": N_("Rank P5"),
    "rank_p95": N_("Rank P95"),
    "rank_stable": N_("Keeps its rank"),
    "kind": N_("Kind"),
    "factor": N_("Factor"),
    "stated": N_("Stated value"),
    "up": N_("Value up"),
    "down": N_("Value down"),
    "change_up": N_("Change when it goes up"),
    "change_down": N_("Change when it goes down"),
    "elasticity": N_("Elasticity"),
    "point": N_("Point"),
    "status": N_("Result"),
    "amount": N_("Allocated amount"),
    "change": N_("Change from the stated allocation"),
}
"""The workbook's headers (the CSV files keep the machine names; P5, P50, P95 stay)."""


def sheet(name: str, table: Table, summary: Summary, t: Texts) -> Table:
    """A table for people: headers, kinds, factors, results and grid weights in words."""
    header, rows = table
    weights = set(summary.grid_names)
    labels = [
        weight_label(summary, h, t)
        if h in weights
        else t._(COLUMNS[h])
        if h in COLUMNS
        else h.upper()
        for h in header
    ]
    out_rows = [list(r) for r in rows]
    if name == "sweep_effects":
        for r, e in zip(out_rows, summary.effects, strict=True):
            r[1] = t._(KIND_NAMES[e.kind])
            r[2] = factor_name(e, summary, t)
    elif name == "sweep_grid":
        at = header.index("status")
        for r in out_rows:
            r[at] = t._(SAMPLE_STATUS.get(str(r[at]), str(r[at])))
    return labels, out_rows


def out_files(
    scenario: str, runs: Sequence[tuple[SweepResult, Summary]], language: Language
) -> dict[str, bytes]:
    """Every file of ``--out``, name -> bytes."""
    t = texts(language)
    files: dict[str, bytes] = {}
    named: dict[str, Table] = {}
    for result, summary in runs:
        for name, table in tables(summary).items():
            named[t._(SHEETS[name])] = sheet(name, table, summary, t)
            files[f"{name}.csv"] = csv_text(table).encode("utf-8")
        files[f"sweep_{summary.kind}.parquet"] = parquet_bytes(result)
    if named:
        files["sweep.xlsx"] = xlsx_bytes(named)
    summaries = [s for _, s in runs]
    files["sweep_report.html"] = render_html(scenario, summaries, language).encode("utf-8")
    return files


def write_files(folder: Path, files: dict[str, bytes]) -> list[Path]:
    """Each file to a temporary name, then renamed: no file is ever half-written."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, content in files.items():
        path = folder / name
        temporary = folder / f".{name}.partial-{os.getpid()}"
        try:
            temporary.write_bytes(content)
            os.replace(temporary, path)
        finally:
            temporary.unlink(missing_ok=True)
        written.append(path)
    return written
