"""The objectives: which LP or sequence of LPs gives the allocation.

``proportional`` (default) is the lexicographic min-max of relative deviation |v - t| / t,
first over region totals, then, with region totals fixed, over cells (whose targets are the
formula cell targets rescaled to the region's final total). Each level solves
``min z s.t. |v_u - t_u| <= z t_u`` for the units not yet frozen; the units that block z (their
deviation row has a non-zero dual) are frozen at that level and the next level continues with
the others. Units whose own box [floor, cap] excludes their target sit at the nearest end of
the box, unless the common deviation turns out larger than theirs, in which case they rejoin
the free units (a fixed point reached in a few LPs). On a single axis with bands only this
gives exactly the water-filling answer x_r = clip(lambda t_r, lo_r, hi_r).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
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
    cell_values,
    create_model,
    region_units,
)
from optimizer.solve import LpOutcome, LpResult, solve

TOL = 1e-9
MAX_LEVELS = 12
"""Levels per stage; after that the last LP's (deterministic) optimum is kept."""


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


class _Runner:
    """Counts LP solves and hands each one the time left before the deadline."""

    def __init__(self, time_limit: float | None) -> None:
        self.deadline = None if time_limit is None else time.monotonic() + time_limit
        self.count = 0
        self.seconds = 0.0

    def __call__(self, model: LpModel) -> LpResult:
        left = None
        if self.deadline is not None:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise DeadlineExceededError("the time limit ran out before the plan was found")
        result = solve(model, left)
        self.count += 1
        self.seconds += result.seconds
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


def _lexicographic(
    build: Callable[[], tuple[LpModel, list[Unit]]],
    boxes: Sequence[tuple[float, float]],
    run: _Runner,
) -> tuple[LpModel, LpResult, LpModel, LpResult]:
    """Lexicographic min-max of relative deviation; returns (first model/result, last model/result)."""
    model, units = build()
    n = len(units)
    forced = [_forced_deviation(u.target, lo, hi) for u, (lo, hi) in zip(units, boxes, strict=True)]
    boxed = {u for u in range(n) if forced[u] > TOL}
    frozen: dict[int, float] = {}
    first: tuple[LpModel, LpResult] | None = None
    last: tuple[LpModel, LpResult] | None = None
    for _level in range(MAX_LEVELS):
        while True:
            free = [u for u in range(n) if u not in frozen and u not in boxed]
            levels = dict(frozen)
            levels.update({u: forced[u] for u in boxed})
            model, units = build()
            add_minmax_objective(model, units, free, levels)
            result = run(model)
            if result.outcome is LpOutcome.INFEASIBLE and boxed:
                # Other rules keep a boxed unit off its nearest point: let it float instead.
                boxed = set()
                continue
            if result.outcome is LpOutcome.INFEASIBLE and last is None:
                raise RulesInfeasible
            if result.outcome is not LpOutcome.OPTIMAL:
                if last is not None:  # round-off on a re-solve: keep the previous level's optimum
                    return (*(first or last), *last)
                raise SolverError(f"HiGHS ended with status {result.outcome}")
            z = result.objective
            still = {u for u in boxed if forced[u] >= z - TOL}
            if still == boxed:
                break
            boxed = still
        if first is None:
            first = (model, result)
        last = (model, result)
        for u in boxed:
            frozen[u] = forced[u]
        boxed = set()
        free = [u for u in range(n) if u not in frozen]
        if not free:
            break
        if z <= TOL:
            break  # every free unit sits on its target
        blocking = [
            u
            for u in free
            if u in model.deviation_rows
            and any(abs(result.duals.get(name, 0.0)) > TOL for name in model.deviation_rows[u])
        ]
        if not blocking:
            blocking = [
                u
                for u in free
                if abs((units[u].expr.value() or 0.0) - units[u].target) >= (z - 1e-7) * units[u].target
            ]
        if not blocking:
            break
        for u in blocking:
            frozen[u] = z
    assert first is not None and last is not None
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


def optimise(data: ModelData, objective: Objective, time_limit: float | None = None) -> Optimum:
    """Solve the allocation LP(s) for the objective; cells in (float) pesos.

    Raises
    ------
    RulesInfeasible
        No allocation satisfies every rule.
    SolverError, DeadlineExceededError
        HiGHS failed or the time limit ran out.
    """
    run = _Runner(time_limit)
    scale = data.scale

    def build_regions() -> tuple[LpModel, list[Unit]]:
        model = create_model(data)
        add_rule_constraints(model, data)
        return model, region_units(model, data)

    region_boxes = [(lo / scale, hi / scale) for lo, hi in map(data.region_box, range(data.n))]
    first_model, first_result, model, _ = _stage(objective, build_regions, region_boxes, run)
    cells = cell_values(model)
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
        _, _, model, _ = _stage(objective, build_cells, cell_boxes, run)
        cells = cell_values(model)
    return Optimum(
        cells=cells * scale,
        duals=first_result.duals,
        registry=first_model.registry,
        objective_value=first_result.objective,
        lp_solves=run.count,
        seconds=run.seconds,
    )
