"""A sweep's outputs: the terminal table, CSV and XLSX tables, Parquet samples, an HTML report.

Same sweep, same bytes: no times or paths in any file (the XLSX's document times are a
constant, as ``fsf solve --out`` writes them), rows in sample and region order. Files are
written only once every study has finished, each to a temporary name and then renamed, so an
interrupted or failed sweep leaves no file half-written.
"""

from __future__ import annotations

import csv
import datetime
import io
import os
import zipfile
from collections.abc import Sequence
from html import escape
from pathlib import Path

import numpy as np

from optimizer.domain import Language
from optimizer.sweep.engine import STATUS_NAMES
from optimizer.sweep.runner import SweepResult
from optimizer.sweep.study import OneAtATime
from optimizer.sweep.summary import Effect, Summary, tornado
from optimizer.sweep.texts import money, percent, signed_money, texts

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
    from openpyxl.xml.functions import tostring

    # Write-only: rows are streamed to the file (a one-at-a-time study has 10,000 rows).
    book = Workbook(write_only=True)
    for title, (header, rows) in named.items():
        sheet = book.create_sheet(title[:31])
        sheet.append(header)
        for row in rows:
            sheet.append(row)
    saved = io.BytesIO()
    book.save(saved)
    book.properties.created = XLSX_TIME
    book.properties.modified = XLSX_TIME
    return _rezip(saved.getvalue(), {"docProps/core.xml": tostring(book.properties.to_tree())})


XLSX_TIME = datetime.datetime(2000, 1, 1)
"""The workbook's created/modified properties and ZIP entry times: a constant (same sweep, same
bytes), as ``fsf solve --out`` writes its workbook."""


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


# ------------------------------------------------------------------------------- terminal


def render_table(summary: Summary, language: Language) -> str:
    """The summary for the terminal: one line per state."""
    t = texts(language)
    lines = [
        f"{t['title']}: {t[summary.kind]}",
        t["summary"].format(
            samples=summary.samples,
            ok=summary.ok,
            bad=summary.without_plan,
            fallback=summary.fallback,
        )
        + " "
        + t["seconds"].format(seconds=summary.seconds),
        "",
    ]

    def row(cells: Sequence[str], widths: Sequence[int]) -> str:
        return "  ".join(
            c.ljust(w) if i < 2 else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    body: list[list[str]] = []
    if summary.regions:
        head = [
            t["code"],
            t["state"],
            t["baseline_short"],
            t["p5"],
            t["p50"],
            t["p95"],
            t["p_floor"],
            t["p_cap"],
            t["rank_range"],
            t["rank_stable"],
        ]
        for s in summary.regions:
            body.append(
                [
                    s.code,
                    s.name[:22],
                    money(s.baseline),
                    money(s.p5),
                    money(s.p50),
                    money(s.p95),
                    percent(s.p_floor),
                    percent(s.p_cap),
                    f"{s.rank} ({s.rank_p5}-{s.rank_p95})",
                    percent(s.rank_stable),
                ]
            )
    elif summary.effects:
        head = [t["code"], t["state"], t["baseline_short"], t["largest_factor"], t["up"], t["down"]]
        for code, name in summary.names.items():
            top = tornado(summary, code, 1)
            if not top:
                body.append([code, name[:22], money(summary.baseline.get(code, 0)), "", "", ""])
                continue
            e = top[0]
            body.append(
                [
                    code,
                    name[:22],
                    money(summary.baseline.get(code, 0)),
                    _factor_name(e, t),
                    "" if e.change_up is None else signed_money(e.change_up),
                    "" if e.change_down is None else signed_money(e.change_down),
                ]
            )
    else:
        head = [t["code"], t["state"], t["baseline_short"], t["min"], t["max"], t["range"]]
        by_region: dict[str, list[int]] = {}
        for g in summary.grid:
            if g.amount is not None:
                by_region.setdefault(g.region, []).append(g.amount)
        for code, name in summary.names.items():
            amounts = by_region.get(code, [])
            lo, hi = (min(amounts), max(amounts)) if amounts else (0, 0)
            body.append(
                [
                    code,
                    name[:22],
                    money(summary.baseline.get(code, 0)),
                    money(lo),
                    money(hi),
                    money(hi - lo),
                ]
            )
    widths = [max(len(r[i]) for r in [head, *body]) for i in range(len(head))]
    lines.append(row(head, widths))
    lines.extend(row(r, widths) for r in body)
    return "\n".join(lines)


# ------------------------------------------------------------------------------- HTML

_STYLE = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse;font-size:13px}td,th{padding:2px 8px;border-bottom:1px solid #ddd}
td.n{text-align:right;font-variant-numeric:tabular-nums}svg text{font-size:11px}
.up{fill:#2b6cb0}.down{fill:#c05621}.band{stroke:#2b6cb0;stroke-width:3}.mid{stroke:#111}
.base{fill:#c05621}.tornado{display:inline-block;margin:0 1em 1em 0;vertical-align:top}
"""


def _cut(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis (chart labels)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _factor_name(e: Effect, t: dict[str, str]) -> str:
    """``ponderación pop_2026``, ``indicador pop_2026@09``, ``banda límite inferior``."""
    name = t.get(f"band_{e.name}", e.name) if e.kind == "band" else e.name
    return f"{t['kind_' + e.kind]} {name}"


def _fan(summary: Summary, t: dict[str, str]) -> str:
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
    parts = [
        f'<svg width="{label + 2 * half + right}" height="{height * len(stats) + 30}" '
        f'role="img" aria-label="{escape(t["fan"])}">'
        f'<line class="mid" x1="{mid}" x2="{mid}" y1="0" y2="{height * len(stats) + 4}"/>'
        f'<text x="{label}" y="{height * len(stats) + 22}">{-100 * span:+.1f} %</text>'
        f'<text x="{mid}" y="{height * len(stats) + 22}" text-anchor="middle">0 %</text>'
        f'<text x="{mid + half}" y="{height * len(stats) + 22}" text-anchor="end">'
        f"{100 * span:+.1f} %</text>"
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
            f'<text x="{mid + half + 10}" y="{y + 4}">{money(s.p5)} – {money(s.p95)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _heat(summary: Summary, t: dict[str, str]) -> str:
    """A table of floor and cap probabilities, each cell shaded by its value."""

    def cell(p: float, rgb: str) -> str:
        return f'<td class="n" style="background:rgba({rgb},{p:.3f})">{percent(p)}</td>'

    rows = "".join(
        f"<tr><td>{escape(s.code)}</td><td>{escape(s.name)}</td>"
        f"{cell(s.p_floor, '192,86,33')}{cell(s.p_cap, '43,108,176')}</tr>"
        for s in summary.regions
    )
    return (
        f"<table><tr><th>{t['code']}</th><th>{t['state']}</th><th>{t['p_floor']}</th>"
        f"<th>{t['p_cap']}</th></tr>{rows}</table>"
    )


def _tornado(summary: Summary, code: str, t: dict[str, str]) -> str:
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
        f'aria-label="{escape(t["tornado"])}">'
    ]
    for i, e in enumerate(effects):
        y = i * height + 2
        name = _factor_name(e, t)
        parts.append(
            f'<text x="{label - 6}" y="{y + 10}" text-anchor="end">{escape(_cut(name, 40))}</text>'
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
                f"<title>{escape(signed_money(change))}</title></rect>"
            )
    parts.append(f'<line class="mid" x1="{mid}" x2="{mid}" y1="0" y2="{height * len(effects)}"/>')
    parts.append("</svg></div>")
    return "".join(parts)


def render_html(scenario: str, summaries: Sequence[Summary], language: Language) -> str:
    """One self-contained HTML document for every study of the sweep."""
    t = texts(language)
    body = [f"<h1>{escape(t['title'])}: {escape(scenario)}</h1><p>{escape(t['note_samples'])}</p>"]
    for summary in summaries:
        body.append(f"<h2>{escape(t[summary.kind])}</h2>")
        body.append(
            "<p>"
            + escape(
                t["summary"].format(
                    samples=summary.samples,
                    ok=summary.ok,
                    bad=summary.without_plan,
                    fallback=summary.fallback,
                )
            )
            + "</p>"
        )
        if summary.regions:
            body.append(f"<h3>{escape(t['fan'])}</h3>{_fan(summary, t)}")
            body.append(f"<h3>{escape(t['heat'])}</h3>{_heat(summary, t)}")
        if summary.effects:
            body.append(f"<h3>{escape(t['tornado'])}</h3><p>{escape(t['legend'])}</p>")
            body.extend(_tornado(summary, code, t) for code in summary.names)
        if summary.grid:
            # The table without its first lines (they hold the run's time: same sweep, same bytes).
            table = render_table(summary, language).split("\n", 3)[3]
            body.append(f"<pre>{escape(table)}</pre>")
    lang = "en" if language is Language.EN else "es"
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{escape(t['title'])}: {escape(scenario)}</title><style>{_STYLE}</style>"
        f"</head><body>{''.join(body)}</body></html>\n"
    )


# ------------------------------------------------------------------------------- files


def out_files(
    scenario: str, runs: Sequence[tuple[SweepResult, Summary]], language: Language
) -> dict[str, bytes]:
    """Every file of ``--out``, name -> bytes."""
    files: dict[str, bytes] = {}
    named: dict[str, Table] = {}
    for result, summary in runs:
        for name, table in tables(summary).items():
            named[name] = table
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
