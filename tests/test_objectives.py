"""Objectives and the solve layer: water-filling equivalence, status table, deadlines.

The solve-layer tests live here because the objectives are the only caller of ``solve()`` and
the deadline is enforced by their runner.
"""

from __future__ import annotations

import math
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import pulp
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optimizer import objectives
from optimizer.domain import (
    AllocateOptions,
    Axis,
    Band,
    CellMinimum,
    Criterion,
    Objective,
    Region,
    RegionBound,
    Rules,
    Scenario,
    SolveStatus,
)
from optimizer.errors import DeadlineExceededError, SolverError
from optimizer.formula import compute_targets
from optimizer.io import load_scenario
from optimizer.model import LpModel, build_model_data, create_model
from optimizer.objectives import _Runner, optimise
from optimizer.pipeline import allocate
from optimizer.solve import STATUS_TABLE, HighsArrays, LpOutcome, LpResult, solve
from tests.conftest import amounts, region_totals, regions, scenario
from tests.test_lexicographic import stressed
from tests.test_properties import scale

# ------------------------------------------------------------------------ water-filling


def water_fill(targets: list[float], lo: list[int], hi: list[int], fund: int) -> list[float]:
    """x_r = clip(lambda t_r, lo_r, hi_r) with sum x = fund, lambda found by bisection.

    Independent of the engine: no LP, just the monotone function lambda -> sum clip(...).
    """

    def total(lam: float) -> float:
        return math.fsum(min(max(lam * t, a), b) for t, a, b in zip(targets, lo, hi, strict=True))

    low, high = 0.0, 1.0
    while total(high) < fund:
        high *= 2.0
    for _ in range(200):
        mid = (low + high) / 2.0
        if total(mid) < fund:
            low = mid
        else:
            high = mid
    lam = (low + high) / 2.0
    return [min(max(lam * t, a), b) for t, a, b in zip(targets, lo, hi, strict=True)]


def test_water_fill_reference_on_a_hand_case() -> None:
    """The reference clips 01 to its cap and gives 02/03 the common ratio 890/875."""
    got = water_fill([125_000, 250_000, 625_000], [0, 0, 0], [110_000, 10**9, 10**9], 1_000_000)
    assert got == pytest.approx([110_000, 254_285.714, 635_714.286], abs=1e-3)


@st.composite
def band_instances(draw: st.DrawFn) -> tuple[list[Region], float, float, int]:
    """Single-axis instances with bands only, and a fund between the floors and the caps."""
    n = draw(st.integers(5, 40))
    needs = draw(st.lists(st.integers(1, 10_000), min_size=n, max_size=n))
    previous = draw(st.lists(st.integers(10_000, 5_000_000), min_size=n, max_size=n))
    lower = draw(st.integers(-100, 0)) / 1000
    upper = draw(st.integers(0, 200)) / 1000
    lo = [math.ceil(p * (1 + Fraction(repr(lower)))) for p in previous]
    hi = [math.floor(p * (1 + Fraction(repr(upper)))) for p in previous]
    fund = draw(st.integers(sum(lo), sum(hi)))
    rs = [
        Region(f"{i:02d}", f"R{i}", {"need": v / 100}, previous=p)
        for i, (v, p) in enumerate(zip(needs, previous, strict=True))
    ]
    return rs, lower, upper, fund


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(band_instances())
def test_proportional_equals_water_filling(
    instance: tuple[list[Region], float, float, int],
) -> None:
    """On bands-only single-axis instances, region totals equal water-filling within 1 peso."""
    rs, lower, upper, fund = instance
    s = scenario(tuple(rs), fund=fund, rules=Rules(band=Band(lower, upper)))
    plan = allocate(s)
    lo = [math.ceil(r.previous * (1 + Fraction(repr(lower)))) for r in rs]  # type: ignore[operator]
    hi = [math.floor(r.previous * (1 + Fraction(repr(upper)))) for r in rs]  # type: ignore[operator]
    total_need = math.fsum(r.indicators["need"] for r in rs)
    targets = [fund * r.indicators["need"] / total_need for r in rs]
    expected = water_fill(targets, lo, hi, fund)
    got = region_totals(plan)
    assert plan.total == fund
    for r, x in zip(rs, expected, strict=True):
        assert abs(got[r.code] - x) <= 1.0, (r.code, got[r.code], x)
        assert lo[int(r.code)] <= got[r.code] <= hi[int(r.code)]


# ------------------------------------------------------------------------ lexicographic levels


def test_floor_pulls_everyone_below_target_including_a_capped_region() -> None:
    """01 floored at +20 % leaves 700,000 for three 250k targets: all at 233,333.33, cap unused.

    02's cap of 240,000 (-4 %) would be binding on its own, but the common ratio 0.9333 already
    keeps 02 below it, so 02 shares the common ratio (water-filling, not "caps first").
    """
    s = scenario(
        regions([1, 1, 1, 1]),
        rules=Rules(
            region_floors=(RegionBound("01", amount=300_000),),
            region_caps=(RegionBound("02", amount=240_000),),
        ),
    )
    plan = allocate(s)
    assert amounts(plan) == [300_000, 233_334, 233_333, 233_333]
    assert [r.main_rule for r in plan.regions] == ["region_floor", "", "", ""]


def test_lexicographic_levels_beyond_the_first() -> None:
    """Two capped regions at different depths: the less capped one keeps its own level.

    Targets 100k, 200k, 300k, 400k. Caps: 01 <= 50,000 (-50 %), 02 <= 180,000 (-10 %).
    Water-filling: lambda (300k+400k) = 1,000,000 - 230,000 -> 03 = 330,000, 04 = 440,000.
    """
    s = scenario(
        regions([1, 2, 3, 4], [50_000, 180_000, 10**6, 10**6]),
        rules=Rules(band=Band(None, 0.0)),
    )
    assert amounts(allocate(s)) == [50_000, 180_000, 330_000, 440_000]


def test_optimise_returns_float_cells_and_counts_lp_solves() -> None:
    """optimise() returns the LP cells in pesos (summing to the fund) and at least one LP solve."""
    s = scenario(regions([1, 2, 5], [100_000, 240_000, 600_000]), rules=Rules(band=Band(0, 0.1)))
    data = build_model_data(s, compute_targets(s))
    optimum = optimise(data, Objective.PROPORTIONAL)
    assert optimum.cells.sum() == pytest.approx(1_000_000, abs=1e-3)
    assert optimum.cells[:, 0] == pytest.approx([110_000, 254_285.714, 635_714.286], abs=1e-2)
    assert optimum.lp_solves >= 1


# ------------------------------------------------------------------------ solve layer


def tiny_model() -> LpModel:
    """x + y = 1 with x, y >= 0, minimising x."""
    s = scenario(regions([1, 1]))
    data = build_model_data(s, compute_targets(s))
    model = create_model(data)
    model.problem += model.x[0][0] + model.x[1][0] == 1
    model.problem.setObjective(pulp.LpAffineExpression(model.x[0][0]))
    return model


def fake_status(model: LpModel, status: int, sol_status: int) -> None:
    """Make the model's next solve report the given PuLP status pair without solving."""

    def fake(*_args: object, **_kwargs: object) -> int:
        model.problem.status = status
        model.problem.sol_status = sol_status
        return status

    model.problem.solve = fake  # type: ignore[method-assign]


def test_status_table_reads_both_fields() -> None:
    """A HiGHS time-limit stop (Optimal + IntegerFeasible) is TIME_LIMIT, never OPTIMAL."""
    assert STATUS_TABLE[(pulp.LpStatusOptimal, pulp.LpSolutionOptimal)] is LpOutcome.OPTIMAL
    key = (pulp.LpStatusOptimal, pulp.LpSolutionIntegerFeasible)
    assert STATUS_TABLE[key] is LpOutcome.TIME_LIMIT
    assert STATUS_TABLE[(pulp.LpStatusInfeasible, pulp.LpSolutionInfeasible)] is (
        LpOutcome.INFEASIBLE
    )


def test_solve_maps_time_limit_stop() -> None:
    """solve() reports a time-limit stop as TIME_LIMIT with no objective and no duals."""
    model = tiny_model()
    fake_status(model, pulp.LpStatusOptimal, pulp.LpSolutionIntegerFeasible)
    result = solve(model)
    assert result.outcome is LpOutcome.TIME_LIMIT
    assert math.isnan(result.objective)
    assert result.duals == {}


@pytest.mark.parametrize(
    ("status", "sol_status"),
    [
        (pulp.LpStatusOptimal, pulp.LpSolutionNoSolutionFound),
        (pulp.LpStatusUndefined, pulp.LpSolutionOptimal),
        (pulp.LpStatusInfeasible, pulp.LpSolutionOptimal),
        (7, 7),
    ],
)
def test_solve_maps_unknown_combinations_to_unknown(status: int, sol_status: int) -> None:
    """Any status pair outside the table is UNKNOWN, never OPTIMAL."""
    model = tiny_model()
    fake_status(model, status, sol_status)
    assert solve(model).outcome is LpOutcome.UNKNOWN


def test_solve_real_optimal_and_infeasible() -> None:
    """HiGHS solves x + y = 1 (objective 0) and reports x + y = 1, x + y >= 2 as INFEASIBLE."""
    model = tiny_model()
    result = solve(model)
    assert result.outcome is LpOutcome.OPTIMAL
    assert result.objective == pytest.approx(0.0, abs=1e-12)
    bad = tiny_model()
    bad.problem += bad.x[0][0] + bad.x[1][0] >= 2
    assert solve(bad).outcome is LpOutcome.INFEASIBLE


def test_runner_refuses_to_solve_after_the_deadline() -> None:
    """A runner whose time is up raises DeadlineExceededError before calling HiGHS."""
    run = _Runner(0.0)
    with pytest.raises(DeadlineExceededError):
        run(tiny_model())
    assert run.count == 0


def test_time_limit_outcome_raises_deadline_exceeded(monkeypatch: pytest.MonkeyPatch) -> None:
    """When HiGHS stops on its time limit, allocate() raises DeadlineExceededError, not a plan."""

    def stopped(model: LpModel | HighsArrays, time_limit: float | None = None) -> LpResult:
        return LpResult(LpOutcome.TIME_LIMIT, float("nan"), {}, 0.0)

    monkeypatch.setattr(objectives, "solve", stopped)
    monkeypatch.setattr(objectives, "solve_arrays", stopped)
    with pytest.raises(DeadlineExceededError):
        allocate(scenario(regions([1, 2, 5])), AllocateOptions(time_limit=10.0))


@pytest.mark.parametrize("objective", list(Objective))
def test_unknown_outcome_raises_solver_error(
    monkeypatch: pytest.MonkeyPatch, objective: Objective
) -> None:
    """An UNKNOWN solver outcome on a scenario the LPs must solve is a SolverError, never a plan.

    The scenario is a stressed one (axis shares bind), so 'proportional' cannot take the
    closed form and its first level's cold solve meets the failure.
    """

    def broken(model: LpModel | HighsArrays, time_limit: float | None = None) -> LpResult:
        return LpResult(LpOutcome.UNKNOWN, float("nan"), {}, 0.0)

    monkeypatch.setattr(objectives, "solve", broken)
    monkeypatch.setattr(objectives, "solve_arrays", broken)
    with pytest.raises(SolverError):
        allocate(stressed(2, 6, 3, 9, 1), AllocateOptions(objective=objective))


def test_a_failed_certificate_keeps_the_closed_form(monkeypatch: pytest.MonkeyPatch) -> None:
    """When the certificate LP fails, the closed form (which keeps every rule) is still the plan.

    Same cells as with a working LP; the marginal values, which only the LP gives, are 0.
    """
    s = scenario(regions([1, 2, 5], [100_000, 240_000, 600_000]), rules=Rules(band=Band(0, 0.1)))
    expected = allocate(s)

    def broken(model: LpModel | HighsArrays, time_limit: float | None = None) -> LpResult:
        return LpResult(LpOutcome.UNKNOWN, float("nan"), {}, 0.0)

    monkeypatch.setattr(objectives, "solve", broken)
    monkeypatch.setattr(objectives, "solve_arrays", broken)
    plan = allocate(s)
    assert [c.amount for c in plan.cells] == [c.amount for c in expected.cells]
    assert any(j.binding for j in plan.justifications)
    assert all(b.marginal_value == 0 for j in plan.justifications for b in j.binding)


def test_the_closed_form_holds_at_a_fund_of_1e15() -> None:
    """fasp-2026 with every amount x 1e5 (9.9e14 pesos) takes the closed form, as at 1x.

    An absolute 1e-3-peso check on the closed form's floats rejected it there, and the levels
    of LPs then ran (14 LPs) instead of one.
    """
    s = load_scenario(Path(__file__).resolve().parent.parent / "scenarios/fasp-2026/scenario.yaml")
    base = allocate(s)
    big = allocate(scale(s, 10**5))
    assert base.stats.lp_solves == big.stats.lp_solves == 1
    unit = big.fund.rounding_unit
    for a, b in zip(base.cells, big.cells, strict=True):
        assert abs(b.amount - 10**5 * a.amount) <= unit, (a.region, a.axis)


def zero_target_scenario(fund: int) -> Scenario:
    """Region 01 gets nothing from axis a's criterion, yet axis a needs its money (02 is capped)."""
    regions_ = (
        Region("01", "R1", {"need": 1.0, "a": 0.0, "b": 1.0}, previous=fund // 2),
        Region("02", "R2", {"need": 1.0, "a": 1.0, "b": 1.0}, previous=fund // 2),
    )
    axes = (
        Axis("a", "A", share_min=0.5, share_max=0.5, criteria=(Criterion("a", 1.0),)),
        Axis("b", "B", share_min=0.5, share_max=0.5, criteria=(Criterion("b", 1.0),)),
    )
    return replace(
        scenario(regions_, fund=fund, axes=axes),
        criteria=(Criterion("need", 1.0),),
        rules=Rules(region_caps=(RegionBound("02", amount=fund * 4 // 10),)),
    )


@pytest.mark.parametrize("exponent", [13, 14, 15])
def test_a_zero_target_cell_at_a_large_fund_is_not_infeasible(exponent: int) -> None:
    """A cell whose formula target is 0 must take money; at a fund of 1e13+ it still can.

    Its 1-peso target used to be 1e-9 of an LP unit there, under HiGHS' small-matrix-value
    threshold: HiGHS dropped z from its rows and a feasible scenario came back "infeasible,
    must give way by $0". The plan is the 1e9 plan scaled.
    """
    small = allocate(zero_target_scenario(10**9))
    big = allocate(zero_target_scenario(10**exponent))
    k = 10 ** (exponent - 9)
    assert [c.amount for c in big.cells] == [k * c.amount for c in small.cells]


def larger_scenario() -> Scenario:
    """32 regions, 5 axes with ranges, a +0..10 % band and a fund 4 % above last year."""
    needs = [(7 * i) % 23 + 1 for i in range(32)]
    previous = [30_000_000 + 1_000_000 * ((5 * i) % 17) for i in range(32)]
    axes = tuple(Axis(f"e{k}", f"Eje {k}", share_min=0.1, share_max=0.3) for k in range(5))
    return scenario(
        regions(needs, previous),
        fund=sum(previous) * 104 // 100,
        axes=axes,
        rules=Rules(band=Band(0.0, 0.1)),
    )


def test_tiny_time_limit_never_returns_a_non_optimal_plan() -> None:
    """A 1 ms limit on a larger instance raises DeadlineExceededError or gives the optimal plan."""
    s = larger_scenario()
    try:
        plan = allocate(s, AllocateOptions(time_limit=0.001))
    except DeadlineExceededError:
        return
    assert plan.stats.status is SolveStatus.OPTIMAL
    assert plan.total == s.fund.total
    reference = allocate(s)
    assert [c.amount for c in plan.cells] == [c.amount for c in reference.cells]


def test_region_totals_a_tolerance_past_their_cap_still_give_a_cell_stage() -> None:
    """Found by hypothesis: the warm levels left two totals 1e-9 LP units above their band cap.

    Fixed as equalities next to the cap rows, they made the cell stage infeasible and a feasible
    scenario read "infeasible, must give way by $0". The totals are now snapped into their boxes
    (summing to the fund) before the cell stage: the plan exists and keeps every rule.
    """
    s = scenario(
        regions(
            [1, 1, 1, 1, 1, 1, 1, 1, 49, 174], [100_000] * 6 + [179_200] * 2 + [100_000, 31_169_200]
        ),
        fund=38_608_300,
        unit=100,
        axes=(
            Axis("e0", "Eje 0", share_min=0.004, share_max=0.008),
            Axis("e1", "Eje 1", share_min=0.001, share_max=0.002),
            Axis("e2", "Eje 2", share_min=0.991, share_max=0.992),
        ),
        rules=Rules(band=Band(0.0, 0.198), cell_minimums=(CellMinimum("e0", "01", share=0.001),)),
    )
    plan = allocate(s)
    assert sum(amounts(plan)) == 38_608_300
    totals = region_totals(plan)
    assert totals["10"] <= 37_340_700
    assert all(totals[code] <= 119_800 for code in ("01", "02", "03", "04", "05", "06", "09"))
