"""A map of Mexico's 32 states coloured by a value per state (inline SVG, no scripts).

The outlines are ``optimizer/assets/mexico/mexico.svg`` from the npm package ``@svg-maps/mexico``
(CC BY 4.0; attribution in :data:`ATTRIBUTION`, the asset's README and every map). Its path ids
are ISO 3166-2:MX codes; :data:`INEGI_TO_ID` maps the INEGI state codes ``"01"``..``"32"`` to them.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from xml.etree import ElementTree

ASSET = Path(__file__).resolve().parent.parent / "assets" / "mexico" / "mexico.svg"

ATTRIBUTION = (
    "Map: @svg-maps/mexico by Victor Cazanave, based on MapSVG (mapsvg.com), "
    "licence CC BY 4.0 (creativecommons.org/licenses/by/4.0)"
)
"""Credit line printed under every map (the licence asks for it): the catalogue's message id."""

INEGI_TO_ID: dict[str, str] = {
    "01": "agu",
    "02": "bcn",
    "03": "bcs",
    "04": "cam",
    "05": "coa",
    "06": "col",
    "07": "chp",
    "08": "chh",
    "09": "cmx",
    "10": "dur",
    "11": "gua",
    "12": "gro",
    "13": "hid",
    "14": "jal",
    "15": "mex",
    "16": "mic",
    "17": "mor",
    "18": "nay",
    "19": "nle",
    "20": "oax",
    "21": "pue",
    "22": "que",
    "23": "roo",
    "24": "slp",
    "25": "sin",
    "26": "son",
    "27": "tab",
    "28": "tam",
    "29": "tla",
    "30": "ver",
    "31": "yuc",
    "32": "zac",
}
"""INEGI state code (``cve_ent``) -> path id of the map (ISO 3166-2:MX, lower case)."""

NO_DATA = "#d9d9d9"
SEQUENTIAL = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")
"""Five classes, light to dark (ColorBrewer Blues)."""
DIVERGING = ("#d7301f", "#fc8d59", "#f7f7f7", "#a1d99b", "#31a354")
"""Below zero in reds, zero in white, above in greens (ColorBrewer RdYlGn, adapted)."""


@dataclass(frozen=True)
class Outline:
    """One state's outline in the map's coordinates."""

    code: str
    name: str
    path: str


@functools.cache
def outlines() -> tuple[str, tuple[Outline, ...]]:
    """The map's viewBox and the 32 outlines, in INEGI order."""
    root = ElementTree.fromstring(ASSET.read_bytes())
    by_id = {
        p.get("id", ""): (p.get("aria-label", ""), p.get("d", ""))
        for p in root.iter("{http://www.w3.org/2000/svg}path")
    }
    shapes = tuple(
        Outline(code, by_id[ident][0], by_id[ident][1]) for code, ident in INEGI_TO_ID.items()
    )
    return root.get("viewBox", "0 0 793 498"), shapes


def is_mexico(codes: Sequence[str]) -> bool:
    """Whether the regions are exactly the 32 states by INEGI code (the map fits them)."""
    return sorted(codes) == sorted(INEGI_TO_ID)


@dataclass(frozen=True)
class Classes:
    """Class breaks and colours of a choropleth: value ``v`` is in class ``k`` when
    ``breaks[k] <= v < breaks[k + 1]`` (the last class includes its upper end)."""

    breaks: tuple[float, ...]
    colours: tuple[str, ...]

    def colour(self, value: float | None) -> str:
        """Fill of a state with this value (grey without one)."""
        if value is None or not math.isfinite(value):
            return NO_DATA
        for k in range(len(self.colours) - 1):
            if value < self.breaks[k + 1]:
                return self.colours[k]
        return self.colours[-1]


def equal_classes(values: Sequence[float | None], diverging: bool = False) -> Classes:
    """Five classes of equal width between the smallest and largest value.

    ``diverging``: when values lie on both sides of zero, negatives get the reds and positives
    the greens (zero is its own class boundary); otherwise the sequential blues.
    """
    present = sorted(v for v in values if v is not None and math.isfinite(v))
    if not present:
        return Classes((0.0, 0.0), (NO_DATA,))
    low, high = present[0], present[-1]
    if high - low <= 1e-12 * max(1.0, abs(high)):
        return Classes((low, high), (SEQUENTIAL[2],))
    if diverging and low < 0 < high:
        below = (low, low / 2, 0.0)
        above = (high / 2, high)
        return Classes((*below, *above), (DIVERGING[0], DIVERGING[1], DIVERGING[3], DIVERGING[4]))
    if diverging and high <= 0:
        palette: tuple[str, ...] = ("#a50f15", "#de2d26", "#fb6a4a", "#fcae91", "#fee5d9")
    elif diverging:
        palette = ("#f7fcf5", "#c7e9c0", "#74c476", "#31a354", "#006d2c")
    else:
        palette = SEQUENTIAL
    step = (high - low) / 5
    breaks = (*(low + step * k for k in range(5)), high)
    return Classes(breaks, tuple(palette[:5]))


def choropleth(
    values: Mapping[str, float | None],
    classes: Classes,
    *,
    label: str,
    name_of: Mapping[str, str],
    value_text: Callable[[float | None], str],
    css_id: str,
    credit: str = ATTRIBUTION,
) -> str:
    """The map as one ``<figure>``: an SVG with a ``<path class="state">`` per state and a legend.

    Every path carries ``data-cve`` (the INEGI code), its fill and a ``<title>`` with the
    state's name and value, so the map reads on screen (hover), on paper (legend) and in tests.
    """
    view_box, shapes = outlines()
    paths = []
    for shape in shapes:
        value = values.get(shape.code)
        name = name_of.get(shape.code, shape.name)
        paths.append(
            f'<path class="state" data-cve="{shape.code}" fill="{classes.colour(value)}" '
            f'd="{shape.path}"><title>{escape(name)}: {escape(value_text(value))}</title></path>'
        )
    legend = []
    for k, colour in enumerate(classes.colours):
        low, high = classes.breaks[k], classes.breaks[k + 1]
        text = value_text(low) if low == high else f"{value_text(low)} – {value_text(high)}"
        legend.append(
            f'<li><span class="swatch" style="background:{colour}"></span>{escape(text)}</li>'
        )
    return (
        f'<figure class="map" id="{css_id}">'
        f'<svg class="mexico" viewBox="{view_box}" role="img" aria-label="{escape(label)}">'
        f'<g stroke="#6b6b6b" stroke-width="0.5">{"".join(paths)}</g></svg>'
        f'<figcaption><b>{escape(label)}</b><ul class="legend">{"".join(legend)}</ul>'
        f'<span class="credit">{escape(credit)}</span></figcaption></figure>'
    )
