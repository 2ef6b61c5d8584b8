"""The objectives: which LP or sequence of LPs gives the allocation.

``proportional`` (default) is the lexicographic min-max of relative deviation |v - t| / t,
first over region totals, then, with region totals fixed, over cells (whose targets are the
formula cell targets rescaled to the region's final total). Each level solves
``min z s.t. |v_u - t_u| <= z t_u`` for the units not yet frozen; the units proved to be at
deviation z in every optimum (a non-zero dual on their deviation row, or their own box forcing
it) are frozen at that level and the next level continues with the others, until every unit is
frozen. Units whose own box [floor, cap] excludes their target sit at the nearest end of the
box, unless the common deviation turns out larger than theirs, in which case they rejoin the
free units (the smallest consistent set is found by bisection). The levels run on one HiGHS
model per stage, warm-started level to level (``solve.LevelSolver``). On a single axis with
bands only this gives exactly the water-filling answer x_r = clip(lambda t_r, lo_r, hi_r).

In practice ``proportional`` first tries that answer in closed form (water-filling of region
totals, then of each region's total over its axes), keeps it when it holds every rule, and
certifies it with one LP on region totals (:func:`_proportional_by_waterfilling`); the levels
of LPs above run only when the closed form breaks a rule, such as a binding axis share.
"""

from __future__ import annotations

import dataclasses
import gc
import logging
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import highspy
import numpy as np

from optimizer.domain import Objective, RuleFamily
from optimizer.errors import DeadlineExceededError, SolverError
from optimizer.formula import FloatArray
from optimizer.model import (
    ConstraintInfo,
    LpModel,
    ModelData,
    RowBlock,
    Unit,
    UnitRows,
    add_fixed_region_totals,
    add_max_min_coverage_objective,
    add_minmax_objective,
    add_rule_constraints,
    add_total_deviation_objective,
    cell_units,
    create_model,
    minmax_block,
    objective_variable,
    region_units,
    unit_rows,
    violations,
)
from optimizer.solve import (
    HighsArrays,
    LevelOutcome,
    LevelSolver,
    LpOutcome,
    LpResult,
    solve,
    solve_arrays,
)

logger = logging.getLogger(__name__)

TOL = 1e-9
LP_TOLERANCE = 1e-9
"""HiGHS' primal and dual feasibility tolerance, in LP units (``ModelData.scale`` pesos)."""
CERTIFICATE_TOLERANCE = 1e-7
"""Relative agreement of the certificate LP's z with the closed form's largest deviation."""
CLOSED_FORM_TOLERANCE = 1e-12
"""Share of the fund by which the closed form may miss a rule in floating point (sums of many
cells of a fund of 1e15 carry errors of pesos; exact integer checks come after rounding)."""
PIN_TOLERANCE = 2e-9
"""Half-width (in LP units, about 1e-4 pesos at the fund's scale) of the interval a pinned unit
may still move in: twice HiGHS' feasibility tolerance, so that re-solving stays feasible."""


class RulesInfeasible(Exception):
    """The rules alone admit no allocation (the caller diagnoses why)."""


@dataclass(frozen=True)
class Optimum:
    """Cell values in pesos (floats) and what the first region-level LP said about the rules."""

    cells: FloatArray
    duals: dict[str, float]
    registry: dict[str, ConstraintInfo]
    objective_value: float
    lp_solves: int
    seconds: float
    build_seconds: float = 0.0
    """Part of the run spent building LPs and passing them to HiGHS (the rest is solving)."""


@contextmanager
def _gc_paused() -> Iterator[None]:
    """No garbage collection while PuLP creates its many small objects (none are cycles)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class _Runner:
    """Counts LP solves and hands each one the time left before the deadline."""

    def __init__(self, time_limit: float | None) -> None:
        self.deadline = None if time_limit is None else time.monotonic() + time_limit
        self.count = 0
        self.seconds = 0.0
        self.build_seconds = 0.0

    def _left(self) -> float | None:
        """Seconds left before the deadline (None: no limit); raises once it has passed."""
        if self.deadline is None:
            return None
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise DeadlineExceededError("the time limit ran out before the plan was found")
        return left

    def _counted(self, result: LpResult) -> LpResult:
        """Count one solve and its times; a time-limit stop is the deadline running out."""
        self.count += 1
        self.seconds += result.seconds
        self.build_seconds += result.build_seconds
        if result.outcome is LpOutcome.TIME_LIMIT:
            raise DeadlineExceededError("the time limit ran out before the plan was found")
        return result

    def __call__(self, model: LpModel) -> LpResult:
        return self._counted(solve(model, self._left()))

    def arrays(self, lp: HighsArrays) -> LpResult:
        """Solve an LP given as arrays (:func:`~optimizer.solve.solve_arrays`), as ``__call__``."""
        return self._counted(solve_arrays(lp, self._left()))

    def level(self, solver: LevelSolver) -> LevelOutcome:
        """Solve the solver's current level warm, within the time left."""
        outcome = solver.solve(self._left())
        self.count += 1
        self.seconds += outcome.seconds
        if outcome.outcome is LpOutcome.TIME_LIMIT:
            raise DeadlineExceededError("the time limit ran out before the plan was found")
        return outcome


def _forced_deviation(target: float, lo: float, hi: float) -> float:
    """Smallest relative deviation a unit's own box allows."""
    if lo > target:
        return (lo - target) / target
    if hi < target:
        return (target - hi) / target
    return 0.0


def _pin(value: float, target: float) -> tuple[float, float]:
    """A tolerance interval around a value every optimum of a level agrees on."""
    eps = PIN_TOLERANCE * (1.0 + 1e-6 * target)
    return value - eps, value + eps


def _saturated(forced: float, z: float, target: float) -> bool:
    """Whether a unit's own box already forces a deviation of z (to LP precision)."""
    return (z - forced) * target <= LP_TOLERANCE


def _thetas(free: Sequence[int], forced: Sequence[float]) -> list[float]:
    """0, then the distinct forced deviations of the free units, ascending."""
    return [0.0, *sorted({forced[u] for u in free if forced[u] > TOL})]


def _smallest_consistent(top: int, consistent: Callable[[int], bool]) -> int:
    """The smallest k in [0, top] that is consistent (``top`` always is; the test is monotone)."""
    if consistent(0) or top == 0:
        return 0
    low, high = 0, top
    while high - low > 1:
        mid = (low + high) // 2
        if consistent(mid):
            high = mid
        else:
            low = mid
    return high


def _blocking(
    free: Sequence[int],
    z: float,
    values: FloatArray,
    weights: FloatArray,
    targets: FloatArray,
    forced: Sequence[float],
    ztol: float,
) -> list[int]:
    """The free units whose deviation is z in every optimum of the level just solved.

    Proved two ways: a non-zero dual on the unit's deviation row (complementary slackness: the
    row is then tight at every optimal point), or the unit's own box (its forced deviation
    reaches z, so only the nearest end of its box keeps it within z). When neither finds a unit
    (round-off on the duals), the units at deviation z in this optimum are taken.
    """
    if z <= ztol:
        return list(free)  # every free unit sits on its target
    idx = np.asarray(free, dtype=np.int64)
    t = targets[idx]
    tight = np.abs(values[idx] - t) >= (z - 1e-7) * t
    by_dual = (weights[idx] > TOL) & tight
    by_box = np.asarray([_saturated(forced[u], z, targets[u]) for u in free], dtype=bool)
    chosen = idx[by_dual | by_box]
    if len(chosen) == 0:
        chosen = idx[tight]
    if len(chosen) == 0:
        chosen = idx
    return [int(u) for u in chosen]


def _lexicographic(
    build: Callable[[], tuple[LpModel, list[Unit]]],
    boxes: Sequence[tuple[float, float]],
    run: _Runner,
    *,
    explain: bool = True,
) -> tuple[LpModel, LpResult, LpModel, LpResult]:
    """Lexicographic min-max of relative deviation, to the end (every unit pinned).

    Returns the model and result of the first level (its duals explain the rules) and the
    final model and result (its values are the plan). Every level is solved on one HiGHS model
    kept for the stage (:class:`~optimizer.solve.LevelSolver`), each from the previous optimal
    basis. With ``explain``, the first level is also solved cold through PuLP, as it always was,
    so that the marginal values reported do not depend on the warm starts.

    Each level: theta_k are 0 and the free units' forced deviations, ascending; with boxing k,
    the free units whose forced deviation exceeds theta_k sit at the nearest end of their box
    and the others share ``min z``. Boxing k is consistent when z stays at or below theta_{k+1};
    consistency is monotone in k (a consistent k's optimum, with the units of theta_{k+1} at the
    nearest end, is a point of k + 1 at z = theta_{k+1}), and no boxing at all always is. Any
    consistent k gives a correct level (boxed units sit where every lexicographic optimum puts
    them); the smallest skips the most levels and is found by bisection. Then the units proved
    to be at deviation z in every optimum of the level are pinned (:func:`_blocking`).
    """
    start = time.perf_counter()
    base, units = build()
    objective_variable(base)  # before the copies below, so that they all share one z
    rows = unit_rows(base, units)
    n = len(units)
    solver = LevelSolver(base, rows)
    run.build_seconds += time.perf_counter() - start
    targets = rows.targets
    forced = [_forced_deviation(t, lo, hi) for t, (lo, hi) in zip(targets, boxes, strict=True)]
    nearest = [min(max(t, lo), hi) for t, (lo, hi) in zip(targets, boxes, strict=True)]
    # z is known to about HiGHS' feasibility tolerance (in LP units) over the largest target.
    # Every comparison of z that decides a pin uses it, so that a pin is off by at most that
    # tolerance in LP units (a fixed, tiny share of the fund) rather than by TOL of a target.
    ztol = LP_TOLERANCE / max(1.0, float(targets.max(initial=1.0)))
    pinned: dict[int, tuple[float, float]] = {}
    free = list(range(n))
    first: tuple[LpModel, LpResult] | None = None
    z = float("nan")
    values = weights = flat = np.zeros(0)
    while free:
        thetas = _thetas(free, forced)
        tried: dict[int, tuple[bool, set[int], LevelOutcome]] = {}

        def level(
            k: int,
            free: list[int] = free,
            thetas: list[float] = thetas,
            tried: dict[int, tuple[bool, set[int], LevelOutcome]] = tried,
        ) -> tuple[bool, set[int], LevelOutcome]:
            if k not in tried:
                boxed = {u for u in free if forced[u] > thetas[k] + TOL}
                held = dict(pinned)
                held.update({u: _pin(nearest[u], targets[u]) for u in boxed})
                solver.pin(held)
                outcome = run.level(solver)
                ceiling = thetas[k + 1] if k + 1 < len(thetas) else float("inf")
                ok = outcome.outcome is LpOutcome.OPTIMAL and outcome.z <= ceiling + ztol
                tried[k] = (ok, boxed, outcome)
            return tried[k]

        top = len(thetas) - 1
        if first is not None and level(top)[2].z > thetas[top] + ztol:
            # After the first level boxing rarely pays, so the level without it goes first:
            # when its z is above every free unit's forced deviation no boxing can do better
            # (boxed units at their nearest ends would give a point of this LP below z).
            chosen = top
        else:
            chosen = _smallest_consistent(top, lambda k: level(k)[0])
        _, boxed, outcome = level(chosen)
        if outcome.outcome is not LpOutcome.OPTIMAL:
            if first is None:
                if outcome.outcome is LpOutcome.INFEASIBLE:
                    raise RulesInfeasible
                raise SolverError(f"HiGHS ended with status {outcome.outcome}")
            # Round-off made a re-solve of a feasible face fail: keep the last level's optimum.
            logger.warning("level LP ended %s; keeping the previous level", outcome.outcome)
            break
        if first is None:
            first = _first_level(base, rows, free, boxed, pinned, nearest, run, explain)
        for u in boxed:
            pinned[u] = _pin(nearest[u], targets[u])
        free = [u for u in free if u not in boxed]
        z, values, weights, flat = outcome.z, outcome.units, outcome.weights, outcome.values
        for u in _blocking(free, z, values, weights, targets, forced, ztol):
            at = nearest[u] if _saturated(forced[u], z, targets[u]) else float(values[u])
            pinned[u] = _pin(at, targets[u])
        free = [u for u in free if u not in pinned]
        if free:
            solver.compact(pinned)
    assert first is not None
    last = LpResult(LpOutcome.OPTIMAL, z, {}, 0.0, values=flat)
    return (*first, base, last)


def _first_level(
    base: LpModel,
    rows: UnitRows,
    free: Sequence[int],
    boxed: set[int],
    pinned: dict[int, tuple[float, float]],
    nearest: Sequence[float],
    run: _Runner,
    explain: bool,
) -> tuple[LpModel, LpResult]:
    """The first level as a cold PuLP solve: the LP whose duals are the marginal values."""
    model = dataclasses.replace(base, block=None)
    held = dict(pinned)
    held.update({u: _pin(nearest[u], float(rows.targets[u])) for u in boxed})
    add_minmax_objective(model, rows, [u for u in free if u not in boxed], held)
    if not explain:
        return model, LpResult(LpOutcome.OPTIMAL, float("nan"), {}, 0.0)
    result = run(model)
    if result.outcome is not LpOutcome.OPTIMAL:
        # The warm model solved this very LP; a cold failure is the solver's, not the rules'.
        raise SolverError(f"HiGHS ended with status {result.outcome} on the first level")
    return model, result


def _single(
    build: Callable[[], tuple[LpModel, list[Unit]]],
    add_objective: Callable[[LpModel, list[Unit]], None],
    run: _Runner,
) -> tuple[LpModel, LpResult]:
    model, units = build()
    add_objective(model, units)
    result = run(model)
    if result.outcome is LpOutcome.INFEASIBLE:
        raise RulesInfeasible
    if result.outcome is not LpOutcome.OPTIMAL:
        raise SolverError(f"HiGHS ended with status {result.outcome}")
    return model, result


def _stage(
    objective: Objective,
    build: Callable[[], tuple[LpModel, list[Unit]]],
    boxes: Sequence[tuple[float, float]],
    run: _Runner,
    *,
    explain: bool = True,
) -> tuple[LpModel, LpResult, LpModel, LpResult]:
    if objective is Objective.PROPORTIONAL:
        return _lexicographic(build, boxes, run, explain=explain)
    add = (
        add_total_deviation_objective
        if objective is Objective.MIN_TOTAL_DEVIATION
        else add_max_min_coverage_objective
    )
    model, result = _single(build, add, run)
    return model, result, model, result


def optimise(
    data: ModelData,
    objective: Objective,
    time_limit: float | None = None,
    *,
    closed_form: bool = True,
) -> Optimum:
    """Solve the allocation LP(s) for the objective; cells in (float) pesos.

    ``closed_form=False`` skips the water-filling shortcut of ``proportional`` and runs the
    levels of LPs (the tests compare the two).

    Raises
    ------
    RulesInfeasible
        No allocation satisfies every rule.
    SolverError, DeadlineExceededError
        HiGHS failed or the time limit ran out.
    """
    with _gc_paused():
        return _optimise(data, objective, _Runner(time_limit), closed_form)


def _cells(result: LpResult, data: ModelData) -> FloatArray:
    """Cell values (LP units) of one solve, from its own solution rather than the variables.

    Every level of a stage shares one PuLP model, so the variables hold the last solve's values,
    which need not be the level kept by the bisection.
    """
    assert result.values is not None
    return np.asarray(result.values[: data.n * data.m], dtype=np.float64).reshape(data.n, data.m)


def _explained(
    model: LpModel, result: LpResult
) -> tuple[dict[str, float], dict[str, ConstraintInfo]]:
    """Duals and registry of every row of one solve, the objective's array rows included."""
    duals = dict(result.duals)
    registry = dict(model.registry)
    if model.block is not None and result.block_duals is not None:
        duals.update(zip(model.block.names(), result.block_duals.tolist(), strict=True))
        registry.update(model.block.registry())
    return duals, registry


def closed_form_tolerance(data: ModelData) -> float:
    """Pesos by which the closed form's floats may miss a rule: 1e-3, or 1e-12 of the fund."""
    return max(1e-3, CLOSED_FORM_TOLERANCE * data.fund)


def waterfill(targets: FloatArray, lo: FloatArray, hi: FloatArray, total: float) -> FloatArray:
    """x = clip(lambda t, lo, hi) with sum(x) = total, for the one lambda that gives it.

    Bisection brackets lambda; then lambda is solved exactly on its linear piece, so regions
    between their bounds get exactly the same ratio x / t.
    """
    # At lambda = max(hi / t) every unit is at its cap, so the bracket never needs more; a fixed
    # cap (it was 1e12) fails when a unit with a tiny target must absorb a large fund.
    limit = 2.0 * float(np.max(hi / targets, initial=1.0)) + 1.0
    low, high = 0.0, 1.0
    while float(np.clip(high * targets, lo, hi).sum()) < total and high < limit:
        high *= 2.0
    for _ in range(200):
        mid = 0.5 * (low + high)
        if float(np.clip(mid * targets, lo, hi).sum()) < total:
            low = mid
        else:
            high = mid
    x = np.clip(high * targets, lo, hi)
    free = (x > lo) & (x < hi)
    if free.any():
        held = float(x[~free].sum())
        lam = (total - held) / float(targets[free].sum())
        x = np.where(free, np.clip(lam * targets, lo, hi), x)
    return np.asarray(x, dtype=np.float64)


def _fill_cells(totals: FloatArray, targets: FloatArray, minima: FloatArray) -> FloatArray:
    """Per region, x[r, a] = max(m[r, a], mu_r t[r, a]) with sum_a x[r, a] = totals[r].

    The water-filling of one region's total over its axes when the axes only have minimums:
    the minimums that bind are clamped, the others share one ratio (at most m rounds).
    """
    clamped = np.zeros(targets.shape, dtype=bool)
    mu = np.ones(len(totals))
    for _ in range(targets.shape[1] + 1):
        free_t = np.where(clamped, 0.0, targets).sum(axis=1)
        fixed = np.where(clamped, minima, 0.0).sum(axis=1)
        mu = np.divide(totals - fixed, free_t, out=np.zeros_like(totals), where=free_t > 0)
        grown = clamped | (mu[:, None] * targets < minima)
        if (grown == clamped).all():
            break
        clamped = grown
    return np.asarray(np.where(clamped, minima, mu[:, None] * targets), dtype=np.float64)


def _region_level(data: ModelData) -> ModelData:
    """The same rules on region totals alone: one variable per region, no axes.

    Its lower bounds are the sums of the region's cell minimums; the fund and every region
    family (bands, floors, caps, absorption caps) keep their rows, named and registered as in
    the full model.
    """
    targets = data.targets
    region = targets.region
    return dataclasses.replace(
        data,
        axes=("total",),
        targets=dataclasses.replace(
            targets,
            axes=("total",),
            axis_amounts=np.array([float(data.fund)]),
            cell=np.asarray(region, dtype=np.float64)[:, None],
        ),
        axis_lower=[data.fund],
        axis_upper=[data.fund],
        cell_min=[[sum(row)] for row in data.cell_min],
        cell_min_share=[[0.0] for _ in range(data.n)],
        groups=(),
    )


def _certificate_pins(
    targets: FloatArray, region_boxes: Sequence[tuple[float, float]], boxed: Sequence[int]
) -> dict[int, tuple[float, float]]:
    """The boxed regions' pins: the nearest end of their box to their target (LP units)."""
    pins = {}
    for r in boxed:
        target = float(targets[r])
        pins[r] = _pin(min(max(target, region_boxes[r][0]), region_boxes[r][1]), target)
    return pins


def certificate_model(
    data: ModelData, region_boxes: Sequence[tuple[float, float]], boxed: Sequence[int]
) -> LpModel:
    """The certificate LP built through PuLP: the reference :func:`certificate_lp` must equal.

    The region-level rules (:func:`_region_level`), ``min z`` over every region total with the
    ``boxed`` regions pinned at the nearest end of their box.
    """
    regions = _region_level(data)
    base = create_model(regions)
    add_rule_constraints(base, regions)
    units = region_units(base, regions)
    objective_variable(base)
    rows = unit_rows(base, units)
    model = dataclasses.replace(base, block=None)
    pins = _certificate_pins(rows.targets, region_boxes, boxed)
    free = [r for r in range(data.n) if r not in pins]
    add_minmax_objective(model, rows, free, pins)
    return model


def certificate_lp(
    data: ModelData, region_boxes: Sequence[tuple[float, float]], boxed: Sequence[int]
) -> tuple[HighsArrays, dict[str, ConstraintInfo], RowBlock]:
    """:func:`certificate_model`'s LP written directly as the arrays HiGHS receives.

    Building that LP through PuLP and compiling its rows costs far more than solving it (and
    sets the memory peak at municipal scale); here the same columns, rows, coefficients and
    bounds, in the same order and with the same float values, come from NumPy. Returns the
    arrays, the registry of the rule rows (``c0``, ...) and the objective's block (its rows'
    names and registry). ``tests/test_certificate.py`` compares them element by element with
    what :class:`~optimizer.solve.ArrayHiGHS` builds from :func:`certificate_model`.

    The region-level model (see :func:`_region_level`): one column ``x_{r}_0`` per region with
    its cell minimums' sum as lower bound, then ``z >= 0``, sorted by name as PuLP sorts them.
    Rows: the fund, then per floor family and region (bound > 0) ``X_r >= bound``, per cap
    family and region ``X_r <= bound`` (no axis rows on one axis, no share minimums), then the
    ``min z`` block over the region totals.
    """
    n = data.n
    scale = data.scale
    inf = highspy.kHighsInf
    arrays = data.arrays
    # Columns: the flat order is x_0_0 ... x_{n-1}_0, z; HiGHS gets them sorted by name.
    names = [f"x_{r}_0" for r in range(n)]
    names.append("z")
    order = sorted(range(n + 1), key=names.__getitem__)
    column = np.empty(n + 1, dtype=np.int64)
    column[order] = np.arange(n + 1)
    flat_lower = np.empty(n + 1, dtype=np.float64)
    # int / float as ``create_model`` divides (exact int64 sums; funds stay far below 2**53).
    flat_lower[:n] = arrays.cell_min.sum(axis=1).astype(np.float64) / scale
    flat_lower[n] = 0.0
    col_lower = np.empty(n + 1, dtype=np.float64)
    col_lower[column] = flat_lower
    col_upper = np.full(n + 1, inf, dtype=np.float64)
    col_cost = np.zeros(n + 1, dtype=np.float64)
    col_cost[column[n]] = 1.0

    registry: dict[str, ConstraintInfo] = {
        "c0": ConstraintInfo(RuleFamily.FUND_TOTAL, "fund", "total equals the fund", data.fund)
    }
    fund = data.fund / scale
    row_region = [np.arange(n, dtype=np.int64)]
    lower = [np.array([fund])]
    upper = [np.array([fund])]
    lengths = [np.array([n], dtype=np.int64)]
    for cap, family_bounds in ((False, data.lower), (True, data.upper)):
        for family, values in family_bounds.items():
            bound, present = arrays.bounds[family]
            on = present if cap else present & (bound > 0)
            which = np.flatnonzero(on)
            scaled = bound[which].astype(np.float64) / scale
            row_region.append(which)
            lengths.append(np.ones(len(which), dtype=np.int64))
            lower.append(np.full(len(which), -inf) if cap else scaled)
            upper.append(scaled if cap else np.full(len(which), inf))
            first = len(registry)
            prefix = f"{family} "
            for k, r in enumerate(which.tolist()):
                code = data.regions[r]
                registry[f"c{first + k}"] = ConstraintInfo(
                    family, code, prefix + code, int(values[r] or 0)
                )
    row_lengths = np.concatenate(lengths)
    starts = np.zeros(len(row_lengths) + 1, dtype=np.int64)
    np.cumsum(row_lengths, out=starts[1:])
    rule_index = column[np.concatenate(row_region)]

    # The region-level targets (a one-column sum of the region targets, as _region_level has
    # them), at least the target floor, in LP units: region_units' values.
    region = np.asarray(data.targets.region, dtype=np.float64)[:, None].sum(axis=1)
    targets = np.maximum(region, data.target_floor) / scale
    units = UnitRows(
        keys=list(data.regions),
        targets=targets,
        starts=np.arange(n + 1, dtype=np.int64),
        columns=np.arange(n, dtype=np.int64),
        values=np.ones(n, dtype=np.float64),
    )
    pins = _certificate_pins(targets, region_boxes, boxed)
    free = [r for r in range(n) if r not in pins]
    block = minmax_block(units, free, pins, len(registry), n)
    lp = HighsArrays(
        col_cost=col_cost,
        col_lower=col_lower,
        col_upper=col_upper,
        starts=np.concatenate([starts, block.starts[1:] + starts[-1]]),
        index=np.concatenate([rule_index, column[block.columns]]),
        value=np.concatenate([np.ones(len(rule_index)), block.values]),
        row_lower=np.concatenate([*lower, block.lower]),
        row_upper=np.concatenate([*upper, block.upper]),
        names=list(registry),
        flat=column,
        objective=int(column[n]),
    )
    return lp, registry, block


def _proportional_by_waterfilling(
    data: ModelData,
    region_boxes: Sequence[tuple[float, float]],
    run: _Runner,
) -> Optimum | None:
    """The lexicographic optimum in closed form, certified by one LP; None when it does not apply.

    Water-filling of the region totals over their own boxes, then of each region's total over
    its axes, is the lexicographic optimum of a relaxation (only the boxes, the fund and the
    minimums). When that plan keeps every other rule too (axis shares, the re-check of
    ``violations``), it is the optimum of the full problem. The first level's LP is still solved,
    with the same boxed regions the bisection would find: it should reach the same largest
    deviation, and its duals are the marginal values reported; when it fails or disagrees the
    closed form is kept (it keeps every rule) and no marginal values are reported.

    That LP is written on region totals alone (:func:`_region_level`): the closed form reaches
    the relaxation's optimum and keeps the other rules, so the full LP has the same optimum, and
    the relaxation's duals with zeros on the axis and cell rows are optimal duals of the full LP
    (every cell of a region has the reduced cost of its region total). It goes to HiGHS as
    arrays (:func:`certificate_lp`, the same LP as :func:`certificate_model` builds in PuLP).
    """
    t = np.maximum(data.targets.region, data.target_floor)
    box = np.array([data.region_box(r) for r in range(data.n)], dtype=np.float64)
    lo, hi = box[:, 0], box[:, 1]
    if lo.sum() > data.fund or hi.sum() < data.fund or (lo > hi).any():
        return None
    totals = waterfill(t, lo, hi, float(data.fund))
    if data.m == 1:
        cells = totals[:, None]
    else:
        target = data.targets.cell
        region_target = np.maximum(target.sum(axis=1), 1.0)
        cell_target = np.maximum(target * (totals / region_target)[:, None], data.target_floor)
        minima = np.maximum(
            np.array(data.cell_min, dtype=np.float64),
            np.array(data.cell_min_share, dtype=np.float64) * totals[:, None],
        )
        cells = _fill_cells(totals, cell_target, minima)
    if violations(cells.tolist(), data, tol=closed_form_tolerance(data)):
        return None

    deviation = np.abs(totals - t) / t
    nearest = np.clip(t, lo, hi)
    forced = np.abs(nearest - t) / t
    held = (forced > TOL) & (np.abs(totals - nearest) <= 1e-6 * (1.0 + t))
    z_common = float(deviation[~held].max()) if (~held).any() else 0.0
    boxed = [r for r in range(data.n) if held[r] and forced[r] > z_common + TOL]

    start = time.perf_counter()
    lp, registry, block = certificate_lp(data, region_boxes, boxed)
    run.build_seconds += time.perf_counter() - start
    result = run.arrays(lp)
    registry.update(block.registry())
    if result.outcome is LpOutcome.OPTIMAL and abs(
        result.objective - z_common
    ) <= CERTIFICATE_TOLERANCE * max(1.0, z_common):
        duals = dict(result.duals)
        assert result.block_duals is not None
        duals.update(zip(block.names(), result.block_duals.tolist(), strict=True))
        value = result.objective
    else:
        # The closed form keeps every rule (re-checked above), so it is the lexicographic
        # optimum whatever the LP did; only the marginal values are lost (reported as 0).
        logger.warning(
            "the certificate LP ended %s (z %s, closed form %s); plan kept without marginal values",
            result.outcome,
            result.objective,
            z_common,
        )
        duals = {}
        value = z_common
    return Optimum(
        cells=cells,
        duals=duals,
        registry=registry,
        objective_value=value,
        lp_solves=run.count,
        seconds=run.seconds,
        build_seconds=run.build_seconds,
    )


def _snapped_totals(
    totals: FloatArray, boxes: Sequence[tuple[float, float]], fund: float
) -> FloatArray:
    """The region stage's totals inside their boxes and summing to the fund, for the cell stage.

    The warm-started levels may leave a total a solver tolerance (about 1e-9 LP units) outside
    its box, on the side its pin allows; fixed as an equality next to the box's own row, that
    is an infeasible cell stage. Each total is clipped into its box and what the clipping moved
    is handed back to the totals with room to take it, in proportion to that room.
    """
    box = np.asarray(boxes, dtype=np.float64).reshape(-1, 2)
    lo, hi = box[:, 0], box[:, 1]
    snapped = np.clip(totals, lo, np.maximum(lo, hi))
    residual = fund - float(snapped.sum())
    if residual != 0.0:
        room = (hi - snapped) if residual > 0 else (snapped - lo)
        room = np.maximum(room, 0.0)
        if float(room.sum()) > abs(residual):
            snapped = snapped + np.sign(residual) * abs(residual) * room / float(room.sum())
    return np.asarray(snapped, dtype=np.float64)


def _optimise(data: ModelData, objective: Objective, run: _Runner, closed_form: bool) -> Optimum:
    scale = data.scale

    def build_regions() -> tuple[LpModel, list[Unit]]:
        model = create_model(data)
        add_rule_constraints(model, data)
        return model, region_units(model, data)

    region_boxes = [(lo / scale, hi / scale) for lo, hi in map(data.region_box, range(data.n))]
    if objective is Objective.PROPORTIONAL and closed_form:
        fast = _proportional_by_waterfilling(data, region_boxes, run)
        if fast is not None:
            return fast
    first_model, first_result, _, last = _stage(objective, build_regions, region_boxes, run)
    cells = _cells(last, data)
    if data.m > 1:
        totals = _snapped_totals(cells.sum(axis=1), region_boxes, data.fund / scale)
        target = data.targets.cell
        region_target = np.maximum(target.sum(axis=1), 1.0)
        # Within a region, cells follow the formula's axis split, scaled to the region's total.
        cell_target = target * (totals * scale / region_target)[:, None]

        def build_cells() -> tuple[LpModel, list[Unit]]:
            model = create_model(data)
            add_rule_constraints(model, data)
            add_fixed_region_totals(model, data, list(totals))
            return model, cell_units(model, data, cell_target)

        # With the region total fixed, a share minimum is an amount too; a cell can have at
        # most its region's total less the other cells' minimums.
        floors = np.maximum(
            np.array(data.cell_min, dtype=np.float64) / scale,
            np.array(data.cell_min_share, dtype=np.float64) * totals[:, None],
        )
        ceilings = totals[:, None] - (floors.sum(axis=1)[:, None] - floors)
        cell_boxes = [
            (float(lo), max(float(lo), float(hi)))
            for lo, hi in zip(floors.ravel().tolist(), ceilings.ravel().tolist(), strict=True)
        ]
        _, _, _, last = _stage(objective, build_cells, cell_boxes, run, explain=False)
        cells = _cells(last, data)
    duals, registry = _explained(first_model, first_result)
    return Optimum(
        cells=cells * scale,
        duals=duals,
        registry=registry,
        objective_value=first_result.objective,
        lp_solves=run.count,
        seconds=run.seconds,
        build_seconds=run.build_seconds,
    )
