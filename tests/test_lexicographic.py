"""The levels of LPs reach the lexicographic optimum, checked against an independent reference.

``tests/reference_lexmin.py`` solves the same objective with highspy directly, one cold model
per level, blocked units found by pushing them inwards (no duals, no boxing). The scenarios here
are "stressed": every axis spreads its money with its own indicator and has a narrow share
range, a band holds regions at its ends, and share-of-region minimums bind, so the closed form
fails and the levels run, many more than the 12 the engine used to stop at.
"""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from optimizer.domain import (
    ALL_REGIONS,
    AllocateOptions,
    Axis,
    Band,
    CellMinimum,
    Criterion,
    Fund,
    Objective,
    Region,
    Rules,
    Scenario,
)
from optimizer.errors import InfeasibleError
from optimizer.formula import compute_targets
from optimizer.model import build_model_data
from optimizer.objectives import RulesInfeasible, optimise
from optimizer.pipeline import allocate
from tests.conftest import cell_map
from tests.reference_lexmin import distinct_levels, reference_lexmin
from tests.test_properties import without_durations

LP_PRECISION = 2e-12
"""Share of the fund to which two double-precision LP solutions of the same level agree.

HiGHS' tolerances are 1e-9 in LP units of about 1e-4 of the fund; the vertices themselves are
computed to about 1e-13 of it. At a fund of 1e15 pesos this is 2,000 pesos, more than a rounding
unit of 1 peso, so there the comparison can only be to the LP's own precision.
"""


def stressed(
    seed: int, n: int, m: int, fund_exponent: int, unit: int, *, tight: float = 0.015
) -> Scenario:
    """A random scenario in which axis shares and share minimums bind (the fallback path)."""
    rng = random.Random(seed)
    fund = 10**fund_exponent
    codes = [f"{i + 1:02d}" for i in range(n)]
    sizes = [rng.lognormvariate(0.0, 0.8) for _ in codes]
    regions = []
    for code, size in zip(codes, sizes, strict=True):
        indicators = {f"i{k}": round(size * rng.lognormvariate(0.0, 0.6), 4) for k in range(m)}
        indicators["need"] = round(size, 4)
        share = size / sum(sizes)
        previous = max(unit, round(share * fund * rng.uniform(0.75, 1.25) / unit) * unit)
        regions.append(Region(code, f"Region {code}", indicators, previous=previous))
    raw = [rng.uniform(0.5, 2.0) for _ in range(m)]
    shares = [round(v / sum(raw), 3) for v in raw]
    shares[0] = round(1.0 - sum(shares[1:]), 3)
    axes = tuple(
        Axis(
            f"e{k}",
            f"Eje {k}",
            share_min=round(s * (1 - tight), 6),
            share_max=round(s * (1 + tight), 6),
            target_share=s,
            criteria=(Criterion(f"i{k}", 1.0),),
        )
        for k, s in enumerate(shares)
    )
    minimums = (CellMinimum(axes[-1].id, ALL_REGIONS, share=round(0.6 * shares[-1], 3)),)
    if m > 2:
        minimums += (CellMinimum(axes[1].id, ALL_REGIONS, share=round(0.5 * shares[1], 3)),)
    low = sum(math.ceil(r.previous * 0.95 / unit) * unit for r in regions)  # type: ignore[operator]
    high = sum(math.floor(r.previous * 1.08 / unit) * unit for r in regions)  # type: ignore[operator]
    total = min(max(fund, low), high) // unit * unit
    return Scenario(
        name=f"stressed-{seed}",
        fund=Fund("Fondo", 2026, total, rounding_unit=unit),
        regions=tuple(regions),
        criteria=(Criterion("need", 1.0),),
        axes=axes,
        rules=Rules(band=Band(-0.05, 0.08), cell_minimums=minimums),
        objective=Objective.PROPORTIONAL,
    )


def cases() -> list[tuple[int, int, int, int, int]]:
    """(seed, regions, axes, fund exponent, unit): funds 1e3..1e15, units 1 and 1000."""
    rng = random.Random(2026)
    out = []
    for seed in range(36):
        exponent = 3 + seed % 13
        unit = 1000 if exponent >= 8 and rng.random() < 0.5 else 1
        n = rng.randint(4, 9)
        m = rng.randint(2, 5)
        out.append((seed, n, m, exponent, unit))
    return out


def tolerance(fund: int, unit: int) -> float:
    """Pesos within which the engine must meet the reference: a rounding unit (LP precision)."""
    return max(float(unit), LP_PRECISION * fund)


@pytest.mark.slow
@pytest.mark.parametrize(("seed", "n", "m", "exponent", "unit"), cases())
def test_levels_equal_the_reference_lexicographic_optimum(
    seed: int, n: int, m: int, exponent: int, unit: int
) -> None:
    """optimise() gives the reference's cells and region totals; allocate() rounds around them.

    The unrounded cells and totals must agree far more tightly than a unit (a hundredth of one,
    or the LP's own precision where that is coarser), so that rounding, not the optimum, is the
    only difference left in the whole-unit plan.
    """
    s = stressed(seed, n, m, exponent, unit)
    data = build_model_data(s, compute_targets(s))
    try:
        got = optimise(data, Objective.PROPORTIONAL)
    except RulesInfeasible:
        pytest.skip("this draw's rules admit no plan")
    reference = reference_lexmin(data)
    fund = s.fund.total
    tight = max(0.01 * unit, LP_PRECISION * fund)
    assert np.abs(got.cells - reference.cells).max() <= tight
    assert np.abs(got.cells.sum(axis=1) - reference.cells.sum(axis=1)).max() <= tight
    try:
        plan = allocate(s, AllocateOptions())
    except InfeasibleError:
        pytest.skip("no whole-unit plan (the rounding's part of issue 9)")
    # Whole units: each cell and total within one unit of the optimum where whole pesos allow it,
    # but they do not always: in seed 21 (4 x 3, fund 1e11) region 03 sits on its cap (a whole
    # number) with two share-of-region minimums binding at fractional values, so both cells need
    # their ceiling and the third cell must go one below its floor (1.18 units off). Two units is
    # the bound the rounding keeps in every case here; the optimum itself is held to a hundredth
    # of a unit above.
    cells = cell_map(plan)
    limit = tolerance(fund, unit) + unit
    for r, code in enumerate(data.regions):
        total = sum(cells[(code, axis)] for axis in data.axes)
        assert abs(total - reference.cells[r].sum()) <= limit, code
        for a, axis in enumerate(data.axes):
            assert abs(cells[(code, axis)] - reference.cells[r, a]) <= limit, (code, axis)


def test_the_random_cases_need_more_than_twelve_levels() -> None:
    """The property test's draws are not easy ones: most need more than 12 levels, some 20+."""
    levels = []
    for seed, n, m, exponent, unit in cases()[:12]:
        s = stressed(seed, n, m, exponent, unit)
        data = build_model_data(s, compute_targets(s))
        levels.append(reference_lexmin(data).levels)
    assert sum(k > 12 for k in levels) >= 6, levels
    assert max(levels) >= 20, levels


def test_a_scenario_that_needs_twenty_levels_gets_the_lexicographic_optimum() -> None:
    """10 regions x 4 axes: 28 levels, 20+ distinct deviations; every cell on the reference optimum.

    The engine stopped after 12 levels per stage before, leaving cells up to 1.7 million pesos
    off the optimum here (the later units sat at the 12th level's
    arbitrary vertex).
    """
    s = stressed(2, 10, 4, 9, 1)
    data = build_model_data(s, compute_targets(s))
    reference = reference_lexmin(data)
    got = optimise(data, Objective.PROPORTIONAL)
    totals = reference.cells.sum(axis=1)
    region_targets = np.maximum(np.asarray(data.targets.region, dtype=np.float64), 1.0)
    t = np.asarray(data.targets.cell, dtype=np.float64)
    cell_targets = np.maximum(t * (totals / np.maximum(t.sum(axis=1), 1.0))[:, None], 1.0)
    assert reference.levels >= 20
    shown = distinct_levels(totals, region_targets) + distinct_levels(reference.cells, cell_targets)
    assert shown >= 20
    assert np.abs(got.cells - reference.cells).max() <= 0.01
    assert np.abs(got.cells.sum(axis=1) - totals).max() <= 0.01
    cells = cell_map(allocate(s))
    for r, code in enumerate(data.regions):
        for a, axis in enumerate(data.axes):
            assert abs(cells[(code, axis)] - reference.cells[r, a]) <= 2, (code, axis)


def test_the_levels_give_the_same_bytes_twice() -> None:
    """Two runs of a stressed scenario (warm-started levels) give byte-identical JSON."""
    s = stressed(2, 10, 4, 9, 1)
    assert without_durations(allocate(s)) == without_durations(allocate(s))
