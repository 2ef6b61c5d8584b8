"""Bar charts of the report as inline SVG: amounts with their band, formula amount and scale."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from optimizer.i18n import Texts

LABEL_WIDTH = 170
PLOT_WIDTH = 500
ROW_HEIGHT = 16
AXIS_HEIGHT = 28


@dataclass(frozen=True)
class BarRow:
    """One bar: the final amount, and the marks that explain it (any may be absent)."""

    label: str
    amount: int
    target: int
    previous: int | None = None
    lower: int | None = None
    upper: int | None = None


def nice_step(top: float, ticks: int = 5) -> float:
    """A round tick step (1, 2, 2.5 or 5 times a power of ten) giving about ``ticks`` ticks."""
    if top <= 0:
        return 1.0
    raw = top / ticks
    power = 10.0 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if factor * power >= raw:
            return factor * power
    return 10 * power


def _x(value: float, top: float) -> str:
    return f"{LABEL_WIDTH + PLOT_WIDTH * value / top:.1f}"


def bar_chart(rows: Sequence[BarRow], t: Texts, *, label: str, css_id: str) -> str:
    """Horizontal bars with, per row, the band [floor, cap] as a shaded range, the previous
    year's amount as a black mark, the formula amount as an orange mark, and a scale in
    millions of pesos with grid lines."""
    values = [max(r.amount, r.target, r.previous or 0) for r in rows]
    values += [r.upper for r in rows if r.upper is not None]
    step = nice_step(max([*values, 1]))
    top = step * math.ceil(max([*values, 1]) / step)
    height = AXIS_HEIGHT + ROW_HEIGHT * len(rows) + 34
    width = LABEL_WIDTH + PLOT_WIDTH + 20
    parts = [
        f'<svg class="bars" font-size="10" font-family="DejaVu Sans, Arial, sans-serif" id="{css_id}" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{escape(label)}">'
    ]
    ticks = round(top / step)
    plot_bottom = AXIS_HEIGHT + ROW_HEIGHT * len(rows)
    for k in range(ticks + 1):
        value = step * k
        x = _x(value, top)
        parts.append(
            f'<line class="grid" stroke="#dddddd" stroke-width="1" x1="{x}" y1="{AXIS_HEIGHT - 4}" x2="{x}" y2="{plot_bottom}"/>'
            f'<text class="tick" fill="#555555" x="{x}" y="{AXIS_HEIGHT - 8}" text-anchor="middle">'
            f"{escape(t.number(value / 1_000_000, 0 if step >= 1_000_000 else 1))}</text>"
        )
    unit = escape(t._("millions of pesos"))
    parts.append(f'<text class="unit" fill="#555555" x="{LABEL_WIDTH}" y="10">{unit}</text>')
    for i, r in enumerate(rows):
        y = AXIS_HEIGHT + i * ROW_HEIGHT
        parts.append(
            f'<text class="label" x="{LABEL_WIDTH - 6}" y="{y + 11}" text-anchor="end">'
            f"{escape(r.label)}</text>"
        )
        if r.lower is not None or r.upper is not None:
            low = r.lower or 0
            high = r.upper if r.upper is not None else top
            parts.append(
                f'<rect class="band" fill="#c6dbef" x="{_x(low, top)}" y="{y + 1}" '
                f'width="{PLOT_WIDTH * (high - low) / top:.1f}" height="{ROW_HEIGHT - 2}"/>'
            )
        parts.append(
            f'<rect class="bar" fill="#08519c" x="{LABEL_WIDTH}" y="{y + 4}" '
            f'width="{PLOT_WIDTH * r.amount / top:.1f}" height="{ROW_HEIGHT - 8}">'
            f"<title>{escape(r.label)}: {escape(t.money(r.amount))}</title></rect>"
        )
        if r.previous is not None:
            x = _x(r.previous, top)
            parts.append(
                f'<line class="previous" stroke="#000000" stroke-width="2" x1="{x}" y1="{y + 1}" x2="{x}" y2="{y + ROW_HEIGHT - 1}"/>'
            )
        x = _x(r.target, top)
        parts.append(
            f'<line class="target" stroke="#e6550d" stroke-width="2" x1="{x}" y1="{y + 2}" x2="{x}" y2="{y + ROW_HEIGHT - 2}"/>'
        )
    legend = [
        escape(text)
        for text in (
            t._("allocation"),
            t._("band (floor to cap)"),
            t._("previous year"),
            t._("formula amount"),
        )
    ]
    ly = plot_bottom + 20
    lx = LABEL_WIDTH
    parts.append(
        f'<rect class="bar" fill="#08519c" x="{lx}" y="{ly - 8}" width="14" height="8"/>'
        f'<text x="{lx + 18}" y="{ly}">{legend[0]}</text>'
        f'<rect class="band" fill="#c6dbef" x="{lx + 110}" y="{ly - 10}" width="14" height="12"/>'
        f'<text x="{lx + 128}" y="{ly}">{legend[1]}</text>'
        f'<line class="previous" stroke="#000000" stroke-width="2" x1="{lx + 270}" y1="{ly - 10}" x2="{lx + 270}" y2="{ly + 2}"/>'
        f'<text x="{lx + 276}" y="{ly}">{legend[2]}</text>'
        f'<line class="target" stroke="#e6550d" stroke-width="2" x1="{lx + 380}" y1="{ly - 10}" x2="{lx + 380}" y2="{ly + 2}"/>'
        f'<text x="{lx + 386}" y="{ly}">{legend[3]}</text>'
        "</svg>"
    )
    return "".join(parts)
