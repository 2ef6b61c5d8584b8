"""The objectives: which LP or sequence of LPs gives the allocation.

``proportional`` (default) is the lexicographic min-max of relative deviation |v - t| / t,
first over region totals, then, with region totals fixed, over cells (whose targets are the
formula cell targets rescaled to the region's final total). Each level solves
``min z s.t. |v_u - t_u| <= z t_u`` for the units not yet frozen; the units that block z (their
deviation row has a non-zero dual) are frozen at that level and the next level continues with
the others. Units whose own box [floor, cap] excludes their target sit at the nearest end of
the box, unless the common deviation turns out larger than theirs, in which case they rejoin
the free units (the smallest consistent set is found by bisection). On a single axis with bands
only this gives exactly the water-filling answer x_r = clip(lambda t_r, lo_r, hi_r).

In practice ``proportional`` first tries that answer in closed form (water-filling of region
totals, then of each region's total over its axes), keeps it when it holds every rule, and
certifies it with one LP on region totals (:func:`_proportional_by_waterfilling`); the levels
of LPs above run only when the closed form breaks a rule, such as a binding axis share.
"""

from __future__ import annotations

import dataclasses
import gc
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np

from optimizer.domain import Objective
from optimizer.errors import DeadlineExceededError, SolverError
from optimizer.formula import FloatArray
from optimizer.model import (
    ConstraintInfo,
    LpModel,
    ModelData,
    Unit,
    add_fixed_region_totals,
    add_max_min_coverage_objective,
    add_minmax_objective,
    add_rule_constraints,
    add_total_deviation_objective,
    cell_units,
    create_model,
    objective_variable,
    region_units,
    unit_rows,
    unit_values,
    violations,
)
from optimizer.solve import LpOutcome, LpResult, solve

TOL = 1e-9
MAX_LEVELS = 12
"""Levels per stage; after that the last LP's (deterministic) optimum is kept."""
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

    def __call__(self, model: LpModel) -> LpResult:
        left = None
        if self.deadline is not None:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise DeadlineExceededError("the time limit ran out before the plan was found")
        result = solve(model, left)
        self.count += 1
        self.seconds += result.seconds
        self.build_seconds += result.build_seconds
        if result.outcome is LpOutcome.TIME_LIMIT:
            raise DeadlineExceededError("the time limit ran out before the plan was found")
        return result


def _forced_deviation(target: float, lo: float, hi: float) -> float:
    """Smallest relative deviation a unit's own box allows."""
    if lo > target:
        return (lo - target) / target
    if hi < target:
        return (target - hi) / target
    return 0.0


_Attempt = tuple[bool, set[int], LpModel, LpResult]
"""(consistent, boxed units, model, result) of one try at a level."""


def _pin(value: float, target: float) -> tuple[float, float]:
    """A tolerance interval around a value every optimum of a level agrees on."""
    eps = PIN_TOLERANCE * (1.0 + 1e-6 * target)
    return value - eps, value + eps


def _lexicographic(
    build: Callable[[], tuple[LpModel, list[Unit]]],
    boxes: Sequence[tuple[float, float]],
    run: _Runner,
) -> tuple[LpModel, LpResult, LpModel, LpResult]:
    """Lexicographic min-max of relative deviation.

    Returns the model and result of the first level (its duals explain the rules) and of the
    last level (its values are the plan). The stage's PuLP model is built once; each level
    (and each try of the bisection) only replaces its deviation and pin rows.
    """
    start = time.perf_counter()
    base, units = build()
    objective_variable(base)  # before the copies below, so that they all share one z
    rows = unit_rows(base, units)
    run.build_seconds += time.perf_counter() - start
    n = len(units)
    targets = [u.target for u in units]
    forced = [_forced_deviation(t, lo, hi) for t, (lo, hi) in zip(targets, boxes, strict=True)]
    nearest = [min(max(t, lo), hi) for t, (lo, hi) in zip(targets, boxes, strict=True)]
    pinned: dict[int, tuple[float, float]] = {}
    first: tuple[LpModel, LpResult] | None = None
    last: tuple[LpModel, LpResult] | None = None

    for _level in range(MAX_LEVELS):
        free = [u for u in range(n) if u not in pinned]
        if not free:
            break
        # theta_k: units whose forced deviation exceeds theta_k sit at the nearest end of their
        # box. The level is consistent when the common deviation z stays below every boxed
        # unit's forced deviation; the smallest consistent k is found by bisection (the test is
        # monotone in k: fewer boxed units relax the LP).
        thetas = [0.0, *sorted({forced[u] for u in free if forced[u] > TOL})]
        tried: dict[int, _Attempt] = {}

        def attempt(
            k: int,
            free: list[int] = free,
            thetas: list[float] = thetas,
            tried: dict[int, _Attempt] = tried,
        ) -> _Attempt:
            if k not in tried:
                boxed = {u for u in free if forced[u] > thetas[k] + TOL}
                started = time.perf_counter()
                model = dataclasses.replace(base, block=None)
                held = dict(pinned)
                held.update({u: _pin(nearest[u], targets[u]) for u in boxed})
                add_minmax_objective(model, rows, [u for u in free if u not in boxed], held)
                run.build_seconds += time.perf_counter() - started
                result = run(model)
                ceiling = thetas[k + 1] if k + 1 < len(thetas) else float("inf")
                ok = result.outcome is LpOutcome.OPTIMAL and result.objective <= ceiling + TOL
                tried[k] = (ok, boxed, model, result)
            return tried[k]

        top = len(thetas) - 1
        chosen = 0 if attempt(0)[0] else top
        if chosen == top and top > 0:
            low, high = 0, top
            while high - low > 1:
                mid = (low + high) // 2
                if attempt(mid)[0]:
                    high = mid
                else:
                    low = mid
            chosen = high
        _, boxed, model, result = attempt(chosen)
        if result.outcome is LpOutcome.INFEASIBLE:
            if last is None:
                raise RulesInfeasible
            break  # round-off on a re-solve: keep the previous level's optimum
        if result.outcome is not LpOutcome.OPTIMAL:
            if last is not None:
                break
            raise SolverError(f"HiGHS ended with status {result.outcome}")
        if first is None:
            first = (model, result)
        last = (model, result)
        z = result.objective
        for u in boxed:
            pinned[u] = _pin(nearest[u], targets[u])
        free = [u for u in free if u not in boxed]
        assert result.values is not None
        value = {u: float(v or 0.0) for u, v in unit_values(rows, result.values, free).items()}
        if z <= TOL:
            blocking = free  # every free unit sits on its target
        else:
            # A non-zero dual means the row is tight in every optimum of this level.
            block, duals = model.block, result.block_duals
            assert block is not None
            assert duals is not None
            tight = block.units[(block.kinds < 2) & (np.abs(duals) > TOL)]
            tight_set = set(tight.tolist())
            blocking = [u for u in free if u in tight_set]
            if not blocking:
                blocking = [
                    u for u in free if abs(value[u] - targets[u]) >= (z - 1e-7) * targets[u]
                ]
            if not blocking:
                blocking = free
        for u in blocking:
            pinned[u] = _pin(value[u], targets[u])
    assert first is not None
    assert last is not None
    return (*first, *last)


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
) -> tuple[LpModel, LpResult, LpModel, LpResult]:
    if objective is Objective.PROPORTIONAL:
        return _lexicographic(build, boxes, run)
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


def waterfill(targets: FloatArray, lo: FloatArray, hi: FloatArray, total: float) -> FloatArray:
    """x = clip(lambda t, lo, hi) with sum(x) = total, for the one lambda that gives it.

    Bisection brackets lambda; then lambda is solved exactly on its linear piece, so regions
    between their bounds get exactly the same ratio x / t.
    """
    low, high = 0.0, 1.0
    while float(np.clip(high * targets, lo, hi).sum()) < total and high < 1e12:
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
    )


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
    with the same boxed regions the bisection would find: it must reach the same largest
    deviation (or the shortcut is dropped), and its duals are the marginal values reported.

    That LP is written on region totals alone (:func:`_region_level`): the closed form reaches
    the relaxation's optimum and keeps the other rules, so the full LP has the same optimum, and
    the relaxation's duals with zeros on the axis and cell rows are optimal duals of the full LP
    (every cell of a region has the reduced cost of its region total).
    """
    t = np.maximum(data.targets.region, 1.0)
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
        cell_target = np.maximum(target * (totals / region_target)[:, None], 1.0)
        minima = np.maximum(
            np.array(data.cell_min, dtype=np.float64),
            np.array(data.cell_min_share, dtype=np.float64) * totals[:, None],
        )
        cells = _fill_cells(totals, cell_target, minima)
    if violations(cells.tolist(), data, tol=1e-3):
        return None

    deviation = np.abs(totals - t) / t
    nearest = np.clip(t, lo, hi)
    forced = np.abs(nearest - t) / t
    held = (forced > TOL) & (np.abs(totals - nearest) <= 1e-6 * (1.0 + t))
    z_common = float(deviation[~held].max()) if (~held).any() else 0.0
    boxed = [r for r in range(data.n) if held[r] and forced[r] > z_common + TOL]

    start = time.perf_counter()
    regions = _region_level(data)
    base = create_model(regions)
    add_rule_constraints(base, regions)
    units = region_units(base, regions)
    objective_variable(base)
    rows = unit_rows(base, units)
    model = dataclasses.replace(base, block=None)
    pins = {
        r: _pin(min(max(units[r].target, region_boxes[r][0]), region_boxes[r][1]), units[r].target)
        for r in boxed
    }
    free = [r for r in range(data.n) if r not in pins]
    add_minmax_objective(model, rows, free, pins)
    run.build_seconds += time.perf_counter() - start
    result = run(model)
    if result.outcome is not LpOutcome.OPTIMAL or abs(result.objective - z_common) > 1e-7:
        return None
    duals, registry = _explained(model, result)
    return Optimum(
        cells=cells,
        duals=duals,
        registry=registry,
        objective_value=result.objective,
        lp_solves=run.count,
        seconds=run.seconds,
        build_seconds=run.build_seconds,
    )


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
        totals = cells.sum(axis=1)
        target = data.targets.cell
        region_target = np.maximum(target.sum(axis=1), 1.0)
        # Within a region, cells follow the formula's axis split, scaled to the region's total.
        cell_target = target * (totals * scale / region_target)[:, None]

        def build_cells() -> tuple[LpModel, list[Unit]]:
            model = create_model(data)
            add_rule_constraints(model, data)
            add_fixed_region_totals(model, data, list(totals))
            return model, cell_units(model, data, cell_target)

        cell_boxes = [
            (data.cell_min[r][a] / scale, float(totals[r]))
            for r in range(data.n)
            for a in range(data.m)
        ]
        _, _, _, last = _stage(objective, build_cells, cell_boxes, run)
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
