"""Properties of allocate() on random feasible scenarios with axes, bands and minimums.

Every bound is recomputed here from the scenario with exact fractions (not with the engine's
model data), so the checks do not share code with what they check.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, replace
from fractions import Fraction
from random import Random

import numpy as np
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st

from optimizer.domain import (
    ALL_REGIONS,
    AllocationPlan,
    Axis,
    Band,
    CellMinimum,
    Fund,
    Objective,
    Region,
    Rules,
    Scenario,
)
from optimizer.formula import compute_targets
from optimizer.io.results import plan_to_json
from optimizer.model import build_model_data
from optimizer.objectives import optimise
from optimizer.pipeline import allocate
from tests.conftest import cell_map, region_totals, scenario

SETTINGS = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def frac(x: float) -> Fraction:
    """The decimal a planner wrote (0.1 is 1/10, not the nearest binary float)."""
    return Fraction(repr(x))


def ceil_to(x: Fraction, unit: int) -> int:
    """Smallest multiple of ``unit`` at or above ``x``."""
    return math.ceil(x / unit) * unit


def floor_to(x: Fraction, unit: int) -> int:
    """Largest multiple of ``unit`` at or below ``x``."""
    return math.floor(x / unit) * unit


@dataclass(frozen=True)
class Bounds:
    """Integer bounds of every rule, recomputed independently of the engine."""

    lo: dict[str, int]
    hi: dict[str, int]
    axis_lo: dict[str, int]
    axis_hi: dict[str, int]
    min_amount: dict[tuple[str, str], int]
    min_share: dict[tuple[str, str], Fraction]


def bounds_of(s: Scenario) -> Bounds:
    """Region boxes from the band, axis ranges and cell minimums, in integer pesos."""
    unit, fund = s.fund.rounding_unit, s.fund.total
    band = s.rules.band
    assert band is not None
    lo = {r.code: ceil_to(r.previous * (1 + frac(band.lower or 0.0)), unit) for r in s.regions}  # type: ignore[operator]
    hi = {r.code: floor_to(r.previous * (1 + frac(band.upper or 0.0)), unit) for r in s.regions}  # type: ignore[operator]
    axis_lo = {a.id: ceil_to(frac(a.lower_share) * fund, unit) for a in s.axes}
    axis_hi = {a.id: floor_to(frac(a.upper_share) * fund, unit) for a in s.axes}
    min_amount: dict[tuple[str, str], int] = {}
    min_share: dict[tuple[str, str], Fraction] = {}
    for cm in s.rules.cell_minimums:
        for r in s.regions:
            if cm.region not in (ALL_REGIONS, r.code):
                continue
            key = (r.code, cm.axis)
            if cm.amount is not None:
                min_amount[key] = max(min_amount.get(key, 0), ceil_to(Fraction(cm.amount), unit))
            if cm.share is not None:
                min_share[key] = max(min_share.get(key, Fraction(0)), frac(cm.share))
    return Bounds(lo, hi, axis_lo, axis_hi, min_amount, min_share)


def admits_the_fund(s: Scenario, b: Bounds) -> bool:
    """A sufficient condition for feasibility (minimums fit under floors and axis ranges)."""
    fund = s.fund.total
    codes = [r.code for r in s.regions]
    need: dict[tuple[str, str], Fraction] = {}
    for code in codes:
        for a in s.axes:
            key = (code, a.id)
            need[key] = max(
                Fraction(b.min_amount.get(key, 0)), b.min_share.get(key, Fraction(0)) * b.hi[code]
            )
    if any(sum(need[(c, a.id)] for a in s.axes) > b.lo[c] for c in codes):
        return False
    column = {a.id: sum(need[(c, a.id)] for c in codes) for a in s.axes}
    if any(column[a] > b.axis_hi[a] for a in column):
        return False
    return (
        sum(max(Fraction(b.axis_lo[a]), column[a]) for a in column) <= fund
        and sum(b.axis_hi.values()) >= fund
        and sum(b.lo.values()) <= fund <= sum(b.hi.values())
        and all(b.lo[c] <= b.hi[c] for c in codes)
        and all(b.axis_lo[a] <= b.axis_hi[a] for a in column)
    )


@st.composite
def feasible_scenarios(draw: st.DrawFn, distinct: bool = False) -> Scenario:
    """2-5 axes with share ranges around their weights, a band, and small cell minimums.

    ``distinct``: every region has its own need and previous amount (no exact ties).
    """
    n = draw(st.integers(3, 10))
    m = draw(st.integers(2, 5))
    unit = draw(st.sampled_from([1, 100, 1_000]))
    needs = draw(st.lists(st.integers(1, 1_000), min_size=n, max_size=n, unique=distinct))
    previous = [
        unit * k
        for k in draw(
            st.lists(
                st.integers(100_000 // unit, 50_000_000 // unit),
                min_size=n,
                max_size=n,
                unique=distinct,
            )
        )
    ]
    lower = draw(st.integers(-100, 0)) / 1000
    upper = draw(st.integers(0, 200)) / 1000
    # Axis centres in per mille summing to 1000; ranges [centre - d1, centre + d2].
    cuts = sorted(draw(st.lists(st.integers(1, 999), min_size=m - 1, max_size=m - 1, unique=True)))
    centres = [b - a for a, b in zip([0, *cuts], [*cuts, 1000], strict=True)]
    axes = []
    for k, c in enumerate(centres):
        d1 = draw(st.integers(0, c // 2))
        d2 = draw(st.integers(0, 300))
        axes.append(
            Axis(f"e{k}", f"Eje {k}", share_min=(c - d1) / 1000, share_max=min(1000, c + d2) / 1000)
        )
    codes = [f"{i + 1:02d}" for i in range(n)]
    minimums = []
    for _ in range(draw(st.integers(0, 3))):
        axis = draw(st.sampled_from(axes)).id
        where = draw(st.sampled_from([ALL_REGIONS, *codes]))
        if draw(st.booleans()):
            amount = unit * draw(st.integers(0, min(previous) * 9 // (10 * 4 * m * unit)))
            minimums.append(CellMinimum(axis, where, amount=amount))
        else:
            minimums.append(CellMinimum(axis, where, share=draw(st.integers(0, 100 // m)) / 1000))
    rs = tuple(
        Region(code, f"Estado {code}", {"need": float(v)}, previous=p)
        for code, v, p in zip(codes, needs, previous, strict=True)
    )
    rules = Rules(band=Band(lower, upper), cell_minimums=tuple(minimums))
    probe = scenario(rs, fund=unit, unit=unit, axes=tuple(axes), rules=rules)
    b = bounds_of(probe)
    low, high = sum(b.lo.values()), sum(b.hi.values())
    fund = unit * draw(st.integers(-(-low // unit), high // unit))
    s = replace(probe, fund=Fund("Fondo", 2026, fund, rounding_unit=unit))
    assume(admits_the_fund(s, bounds_of(s)))
    return s


def assert_every_rule_holds(s: Scenario, plan: AllocationPlan) -> None:
    """Sum, unit multiples, bands, axis ranges and minimums hold exactly on the integer cells."""
    b = bounds_of(s)
    unit = s.fund.rounding_unit
    cells = cell_map(plan)
    totals = region_totals(plan)
    assert sum(cells.values()) == s.fund.total
    assert all(v % unit == 0 for v in cells.values())
    for code, total in totals.items():
        assert b.lo[code] <= total <= b.hi[code], (code, total, b.lo[code], b.hi[code])
    for a in s.axes:
        y = sum(v for (_, axis), v in cells.items() if axis == a.id)
        assert b.axis_lo[a.id] <= y <= b.axis_hi[a.id], (a.id, y)
    for key, amount in b.min_amount.items():
        assert cells[key] >= amount, (key, cells[key], amount)
    for key, share in b.min_share.items():
        assert cells[key] >= share * totals[key[0]] - 1e-6, (key, cells[key], share, totals[key[0]])


@settings(SETTINGS, max_examples=60, derandomize=True, phases=[Phase.generate])
@given(feasible_scenarios())
def test_feasible_scenarios_always_get_a_plan(s: Scenario) -> None:
    """Every feasible scenario gets a plan: the rounding never loses a rule the LP kept."""
    assert_every_rule_holds(s, allocate(s))


@settings(SETTINGS, max_examples=60)
@given(feasible_scenarios())
def test_every_rule_holds_on_the_integer_cells(s: Scenario) -> None:
    """Cells sum to the fund, are unit multiples and keep bands, axis ranges and minimums."""
    assert_every_rule_holds(s, allocate(s))


def without_durations(plan: AllocationPlan) -> str:
    """plan_to_json without stats.stage_seconds (the only field that changes between runs)."""
    data = json.loads(plan_to_json(plan))
    del data["stats"]["stage_seconds"]
    return json.dumps(data, sort_keys=True, ensure_ascii=False)


@settings(SETTINGS, max_examples=15)
@given(feasible_scenarios())
def test_two_runs_give_identical_json(s: Scenario) -> None:
    """Two runs on the same scenario give byte-identical JSON (durations removed)."""
    assert without_durations(allocate(s)) == without_durations(allocate(s))


def order_free(plan: AllocationPlan) -> dict[str, object]:
    """What the plan says per region and axis that is fixed before rounding, keyed by code."""
    return {
        "targets": {c.region + "/" + c.axis: c.target for c in plan.cells},
        "regions": {r.code: (r.name, r.target, r.previous, r.lower, r.upper) for r in plan.regions},
        "contributions": {j.region: j.contributions for j in plan.justifications},
        "axes": [(a.id, a.target, a.lower, a.upper) for a in plan.axes],
    }


@settings(SETTINGS, max_examples=20)
@given(feasible_scenarios(distinct=True), st.randoms(use_true_random=False))
def test_permuting_regions_changes_nothing(s: Scenario, rnd: Random) -> None:
    """The same regions in another input order get the same targets and the same cells.

    allocate() sorts the regions by code before anything else, so ties (rounding, degenerate
    vertices) are broken the same way whatever the input order. Needs and previous amounts are
    distinct so that exact formula ties do not dominate the examples.
    """
    shuffled = list(s.regions)
    rnd.shuffle(shuffled)
    assume(shuffled != list(s.regions))
    plan = allocate(s)
    other = allocate(replace(s, regions=tuple(shuffled)))
    assert order_free(other) == order_free(plan)
    cells, other_cells = cell_map(plan), cell_map(other)
    assert cells.keys() == other_cells.keys()
    assert cells == other_cells


def scale(s: Scenario, k: int) -> Scenario:
    """Fund, rounding unit, previous allocations and every absolute amount multiplied by k."""
    return replace(
        s,
        fund=replace(s.fund, total=s.fund.total * k, rounding_unit=s.fund.rounding_unit * k),
        regions=tuple(replace(r, previous=(r.previous or 0) * k) for r in s.regions),
        rules=replace(
            s.rules,
            cell_minimums=tuple(
                replace(cm, amount=None if cm.amount is None else cm.amount * k)
                for cm in s.rules.cell_minimums
            ),
        ),
    )


@settings(SETTINGS, max_examples=15)
@given(feasible_scenarios(), st.integers(2, 5))
def test_scaling_every_amount_by_k_scales_the_plan(s: Scenario, k: int) -> None:
    """Multiplying every peso amount by k multiplies every cell by k within one rounding unit.

    The rounding unit is an amount too and is scaled with the rest; with an unscaled unit the
    integer rounding alone could move a cell by up to k + 1 units (k times the base rounding
    error plus the scaled plan's own).
    """
    base = cell_map(allocate(s))
    big = cell_map(allocate(scale(s, k)))
    unit = s.fund.rounding_unit * k
    for key, v in base.items():
        assert abs(big[key] - k * v) <= unit, (key, v, big[key])
    base_totals: dict[str, int] = {}
    big_totals: dict[str, int] = {}
    for (code, _), v in base.items():
        base_totals[code] = base_totals.get(code, 0) + v
    for (code, _), v in big.items():
        big_totals[code] = big_totals.get(code, 0) + v
    fund = s.fund.total
    for code, total in base_totals.items():
        share, big_share = total / fund, big_totals[code] / (fund * k)
        assert abs(share - big_share) <= len(s.axes) * s.fund.rounding_unit / fund


@settings(SETTINGS, max_examples=40)
@given(feasible_scenarios())
def test_closed_form_equals_the_levels_of_lps(s: Scenario) -> None:
    """The water-filling shortcut of 'proportional' gives the plan the levels of LPs give.

    Both are the lexicographic optimum, so cells and region totals agree to a hundredth of a
    rounding unit (the levels run until every unit is pinned; they used to stop after 12 and
    were only held to a millionth of the fund here).
    """
    s = replace(s, regions=tuple(sorted(s.regions, key=lambda r: r.code)))
    data = build_model_data(s, compute_targets(s))
    fast = optimise(data, Objective.PROPORTIONAL)
    slow = optimise(data, Objective.PROPORTIONAL, closed_form=False)
    close = 0.01 * s.fund.rounding_unit
    assert np.allclose(fast.cells.sum(axis=1), slow.cells.sum(axis=1), rtol=0, atol=close)
    assert np.allclose(fast.cells, slow.cells, rtol=0, atol=close)
    assert abs(fast.objective_value - slow.objective_value) <= 1e-7
