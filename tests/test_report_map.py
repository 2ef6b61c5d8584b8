"""The map asset: its state ids map to the right INEGI codes, and its licence travels with it."""

from __future__ import annotations

import csv
import unicodedata
from pathlib import Path

from optimizer.io.mexico_map import ASSET, INEGI_TO_ID, equal_classes, is_mexico, outlines

ROOT = Path(__file__).resolve().parent.parent
ALIASES = {"mexico city": "ciudad de mexico"}
"""The map's English name of the capital, as INEGI names it."""


def plain(name: str) -> str:
    """Lower case without accents, aliases resolved."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return ALIASES.get(text, text)


def test_every_inegi_code_draws_the_state_of_that_name() -> None:
    """Each code's outline carries the name the shipped scenario gives that code."""
    with (ROOT / "scenarios/fasp-2026/data/states.csv").open(encoding="utf-8-sig") as f:
        names = {row["cve_ent"]: row["entidad"] for row in csv.DictReader(f)}
    _, shapes = outlines()
    assert [s.code for s in shapes] == sorted(names)
    for shape in shapes:
        ours, theirs = plain(names[shape.code]), plain(shape.name)
        # "Coahuila" / "Coahuila de Zaragoza" style differences: one name starts the other.
        assert ours.startswith(theirs) or theirs.startswith(ours), (shape.code, ours, theirs)
        assert shape.path.startswith("m ")
    assert len(set(INEGI_TO_ID.values())) == 32
    assert is_mexico(list(names))
    assert not is_mexico(["01", "02", "03"])


def test_licence_and_attribution_are_kept_next_to_the_asset() -> None:
    """The CC BY 4.0 text and the credit line ship with the SVG."""
    folder = ASSET.parent
    assert "Attribution 4.0 International" in (folder / "LICENSE.md").read_text("utf-8")
    readme = (folder / "README.md").read_text("utf-8")
    assert "@svg-maps/mexico" in readme
    assert "CC BY 4.0" in readme


def test_classes_cover_the_values_and_split_at_zero() -> None:
    """Equal-width classes put the smallest and largest values in the first and last class; with
    values on both sides of zero, negatives and positives never share a colour."""
    classes = equal_classes([0.0, 0.05, 0.10])
    assert classes.colour(0.0) == classes.colours[0]
    assert classes.colour(0.10) == classes.colours[-1]
    assert classes.colour(None) == "#d9d9d9"
    split = equal_classes([-0.2, -0.01, 0.01, 0.3], diverging=True)
    assert {split.colour(-0.2), split.colour(-0.01)}.isdisjoint(
        {split.colour(0.01), split.colour(0.3)}
    )
