"""Model data: every rule becomes integer-peso bounds; the re-check finds every broken rule."""

from __future__ import annotations

import math
from decimal import Decimal
from fractions import Fraction

import numpy as np

from optimizer.domain import (
    Axis,
    Band,
    CellMinimum,
    RegionBound,
    RuleFamily,
    Rules,
    Scenario,
)
from optimizer.formula import Targets, compute_targets
from optimizer.model import ModelData, build_model_data, violations
from tests.conftest import regions, scenario


def data_for(s: Scenario) -> ModelData:
    """Model data of a scenario."""
    return build_model_data(s, compute_targets(s))


def test_band_bounds_are_exact_decimal_pesos() -> None:
    """Previous 100,000 with band [+10 %, +20 %] gives exactly [110,000, 120,000], no float drift."""
    s = scenario(regions([1], [100_000]), fund=115_000, rules=Rules(band=Band(0.1, 0.2)))
    data = data_for(s)
    assert data.lower[RuleFamily.BAND_FLOOR] == [110_000]
    assert data.upper[RuleFamily.BAND_CAP] == [120_000]


def test_band_bounds_round_inwards_to_the_rounding_unit() -> None:
    """Previous 123,456 with band [-5 %, +10 %] and unit 1,000: floor 118,000, cap 135,000."""
    s = scenario(
        regions([1, 1], [123_456, 100_000]),
        fund=250_000,
        unit=1_000,
        rules=Rules(band=Band(-0.05, 0.10)),
    )
    data = data_for(s)
    # 117,283.2 rounds up to 118,000; 135,801.6 rounds down to 135,000.
    assert data.lower[RuleFamily.BAND_FLOOR] == [118_000, 95_000]
    assert data.upper[RuleFamily.BAND_CAP] == [135_000, 110_000]


def test_region_bounds_take_the_most_restrictive_of_star_and_named() -> None:
    """A '*' floor of 10 % and a named floor of 150,000 give 150,000 to 01 and 100,000 to others."""
    s = scenario(
        regions([1, 1, 1]),
        rules=Rules(
            region_floors=(RegionBound("*", share=0.1), RegionBound("01", amount=150_000)),
            region_caps=(RegionBound("*", share=0.5), RegionBound("02", amount=400_000)),
            absorption_caps=(RegionBound("03", amount=450_000),),
        ),
    )
    data = data_for(s)
    assert data.lower[RuleFamily.REGION_FLOOR] == [150_000, 100_000, 100_000]
    assert data.upper[RuleFamily.REGION_CAP] == [500_000, 400_000, 500_000]
    assert data.upper[RuleFamily.ABSORPTION_CAP] == [None, None, 450_000]
    assert [data.region_box(r) for r in range(3)] == [
        (150_000, 500_000),
        (100_000, 400_000),
        (100_000, 450_000),
    ]


def test_share_bounds_round_inwards_to_the_unit() -> None:
    """Floor share 0.1234 and cap share 0.5678 of 1,000,000 at unit 1,000: 124,000 and 567,000."""
    s = scenario(
        regions([1, 1]),
        unit=1_000,
        rules=Rules(
            region_floors=(RegionBound("01", share=0.1234),),
            region_caps=(RegionBound("01", share=0.5678),),
        ),
    )
    data = data_for(s)
    assert data.lower[RuleFamily.REGION_FLOOR] == [124_000, None]
    assert data.upper[RuleFamily.REGION_CAP] == [567_000, None]


def test_axis_bounds_and_cell_minimums_in_units() -> None:
    """Axis ranges round inwards; amount minimums round up and count towards the region floor."""
    s = scenario(
        regions([1, 1]),
        unit=1_000,
        axes=(
            Axis("a", "A", share_min=0.2005, share_max=0.3005),
            Axis("b", "B", share_min=0.6, share_max=0.8),
        ),
        rules=Rules(
            cell_minimums=(
                CellMinimum("a", "*", amount=10_500),
                CellMinimum("a", "02", amount=20_000),
                CellMinimum("b", "01", share=0.25),
            )
        ),
    )
    data = data_for(s)
    assert data.axis_lower == [201_000, 600_000]
    assert data.axis_upper == [300_000, 800_000]
    assert data.cell_min == [[11_000, 0], [20_000, 0]]
    assert data.cell_min_share == [[0.0, 0.25], [0.0, 0.0]]
    assert data.region_box(1) == (20_000, 1_000_000)


def test_lp_scale_keeps_numbers_small() -> None:
    """A fund of 9,941,162,915 pesos is modelled in units of 100,000 pesos."""
    s = scenario(regions([1, 1]), fund=9_941_162_915)
    assert data_for(s).scale == 100_000.0


def test_violations_is_empty_for_a_plan_that_keeps_every_rule() -> None:
    """Integer cells that keep the fund, the band and the axis ranges break nothing."""
    s = scenario(
        regions([1, 1], [400_000, 500_000]),
        axes=(Axis("a", "A", share_min=0.2, share_max=0.4), Axis("b", "B")),
        rules=Rules(band=Band(0.0, 0.2), cell_minimums=(CellMinimum("b", "*", share=0.5),)),
    )
    assert violations([[200_000, 250_000], [100_000, 450_000]], data_for(s)) == []


def test_violations_names_every_broken_rule() -> None:
    """Each broken rule (fund, band floor and cap, axis range, minimum, unit) is reported."""
    s = scenario(
        regions([1, 1], [400_000, 500_000]),
        unit=10,
        axes=(Axis("a", "A", share_min=0.2, share_max=0.4), Axis("b", "B")),
        rules=Rules(band=Band(0.0, 0.2), cell_minimums=(CellMinimum("b", "*", share=0.5),)),
    )
    found = violations([[350_000, 250_005], [10, 390_000]], data_for(s))
    text = "\n".join(found)
    assert "cells sum to 990015 instead of the fund 1000000" in text
    assert "band_cap 01: 600005 > 480000" in text
    assert "band_floor 02: 390010 < 500000" in text
    assert "axis a: 350010 outside [200000, 400000]" not in text
    assert "cell 01/b: 250005 < minimum 300003" in text  # ceil(0.5 x 600,005)
    assert "cell 01/b: not a multiple of the unit" in text
    assert len(found) == 5


def test_violations_tolerance_applies_to_float_solutions() -> None:
    """An LP solution off by 0.4 pesos passes with tolerance 0.5 and fails exactly."""
    s = scenario(regions([1, 1]), rules=Rules(region_caps=(RegionBound("01", amount=500_000),)))
    data = data_for(s)
    cells = [[500_000.4], [499_999.6]]
    assert violations(cells, data, tol=0.5) == []
    assert violations(cells, data) != []


def violations_by_loop(cells: list[list[float]], data: ModelData, tol: float = 0.0) -> list[str]:
    """The re-check written as the plain loop over rules, regions and axes it stands for."""
    found: list[str] = []
    totals = [sum(row) for row in cells]
    grand = sum(totals)
    if abs(grand - data.fund) > tol:
        found.append(f"cells sum to {grand} instead of the fund {data.fund}")
    for family, values in data.lower.items():
        for r, bound in enumerate(values):
            if bound is not None and totals[r] < bound - tol:
                found.append(f"{family} {data.regions[r]}: {totals[r]} < {bound}")
    for family, values in data.upper.items():
        for r, bound in enumerate(values):
            if bound is not None and totals[r] > bound + tol:
                found.append(f"{family} {data.regions[r]}: {totals[r]} > {bound}")
    if data.m > 1:
        for a, axis in enumerate(data.axes):
            y = sum(row[a] for row in cells)
            if y < data.axis_lower[a] - tol or y > data.axis_upper[a] + tol:
                found.append(
                    f"axis {axis}: {y} outside [{data.axis_lower[a]}, {data.axis_upper[a]}]"
                )
    for r, row in enumerate(cells):
        for a, v in enumerate(row):
            share = data.cell_min_share[r][a]
            need: float = max(data.cell_min[r][a], share * totals[r], 0)
            if tol == 0 and share > 0 and isinstance(totals[r], int):
                # Whole pesos: the least integer at least the share as written times the total.
                exact = math.ceil(Fraction(Decimal(repr(share))) * totals[r])
                need = max(data.cell_min[r][a], exact, 0)
            where = f"cell {data.regions[r]}/{data.axes[a]}"
            if v < need - tol:
                found.append(f"{where}: {v} < minimum {need}")
            if tol == 0 and v % data.unit != 0:
                found.append(f"{where}: not a multiple of the unit")
    return found


def random_plan_and_rules(rng: np.random.Generator) -> tuple[list[list[float]], ModelData, float]:
    """Random cells (integers or floats) and rules set around them, so some hold with equality."""
    n, m = int(rng.integers(1, 12)), int(rng.integers(1, 30))
    unit = int(rng.choice([1, 10, 1_000]))
    as_float = bool(rng.random() < 0.5)
    clean = bool(rng.random() < 0.2)  # a plan that keeps every rule, some with equality
    raw = rng.integers(0, 5_000, size=(n, m)) * unit
    if not clean:
        raw[rng.random((n, m)) < 0.1] += int(rng.integers(1, 3))  # some cells off the unit
    noise = 0 if clean else rng.normal(0, 3, size=(n, m))
    cells: list[list[float]] = (raw + noise).tolist() if as_float else raw.tolist()
    totals = [int(sum(row)) for row in raw.tolist()]

    def around(v: int) -> int:
        if clean:
            return v
        return max(0, v + int(rng.choice([-2 * unit, -1, 0, 0, 1, 3 * unit])))

    def bounds() -> list[int | None]:
        return [None if rng.random() < 0.3 else around(t) for t in totals]

    families_low = [RuleFamily.BAND_FLOOR, RuleFamily.REGION_FLOOR]
    families_high = [RuleFamily.BAND_CAP, RuleFamily.REGION_CAP, RuleFamily.ABSORPTION_CAP]
    columns = raw.sum(axis=0).tolist()
    shares = np.where(rng.random((n, m)) < 0.3, rng.integers(0, 60, size=(n, m)) / 1000, 0.0)
    mins = np.where(rng.random((n, m)) < 0.3, raw + rng.integers(-2, 3, size=(n, m)), 0)
    if clean:
        shares, mins = np.zeros((n, m)), np.where(mins > 0, raw, 0)
    regions_ = tuple(f"{r:03d}" for r in range(n))
    axes_ = tuple(f"e{a}" for a in range(m))
    data = ModelData(
        regions=regions_,
        axes=axes_,
        fund=around(sum(totals)),  # the plan's own sum when clean
        unit=unit,
        scale=1.0,
        targets=Targets(regions_, axes_, np.ones(m), np.ones((n, m)), {}),
        lower={f: bounds() for f in families_low if rng.random() < 0.7},
        upper={f: bounds() for f in families_high if rng.random() < 0.7},
        axis_lower=[around(c) - int(rng.integers(0, 2)) for c in columns],
        axis_upper=[around(c) + int(rng.integers(0, 2)) for c in columns],
        cell_min=np.maximum(mins, 0).tolist(),
        cell_min_share=shares.tolist(),
    )
    tol = float(rng.choice([0.0, 0.0, 0.5, 2.0])) if as_float else 0.0
    return cells, data, tol


def test_violations_equals_the_plain_loop_on_random_plans() -> None:
    """On 400 random plans, broken or not, the vectorised re-check gives the loop's exact list."""
    rng = np.random.default_rng(20261202)
    broken = clean = 0
    for _ in range(400):
        cells, data, tol = random_plan_and_rules(rng)
        expected = violations_by_loop(cells, data, tol)
        assert violations(cells, data, tol) == expected
        assert violations(np.array(cells), data, tol) == expected
        broken += bool(expected)
        clean += not expected
    assert broken > 100
    assert clean > 0


def test_violations_shows_the_minimum_the_way_max_picks_it() -> None:
    """On whole pesos every minimum is shown in whole pesos: a share minimum is ceil(s X), exact."""
    s = scenario(
        regions([1, 1]),
        fund=40_000,
        axes=(Axis("a", "A"), Axis("b", "B")),
        rules=Rules(
            cell_minimums=(
                CellMinimum("a", "01", amount=5_000),
                CellMinimum("a", "01", share=0.25),
                CellMinimum("a", "02", share=0.25),
            )
        ),
    )
    cells = [[4_000, 16_000], [4_000, 16_000]]
    expected = ["cell 01/a: 4000 < minimum 5000", "cell 02/a: 4000 < minimum 5000"]
    assert violations(cells, data_for(s)) == expected
    assert violations_by_loop(cells, data_for(s)) == expected
