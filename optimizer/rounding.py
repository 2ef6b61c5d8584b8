"""Exact integer pesos: from the LP's float cells to multiples of the rounding unit.

Every cell starts at the floor of its LP value (in rounding units); the units still missing to
reach the fund are handed out one at a time, first to regions and axes still below a floor,
then by largest remainder. A cell only gets a unit while its region and axis stay under their
caps, and never more than the ceiling of its LP value unless nothing else can take the unit, so
each cell ends within one rounding unit of the LP value wherever the bounds allow it. Ties are
broken by region code, then axis id (the order of the inputs, which are sorted).

When these greedy passes cannot keep every rule (an axis floor left a unit short because every
region total was already tight, or a share-of-region minimum a unit short), a small integer
program finds the cells nearest to the LP values that keep every rule exactly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pulp

from optimizer.errors import SolverError
from optimizer.formula import FloatArray
from optimizer.model import ModelData, violations
from optimizer.solve import LpOutcome, solve_integer

SNAP = 1e-3
"""LP values this close (in rounding units) to a whole number are that number."""


def _bounds(data: ModelData) -> tuple[list[int], list[int]]:
    """Region floors and caps in rounding units (all families combined)."""
    lows, highs = [], []
    for r in range(data.n):
        lo, hi = data.region_box(r)
        lows.append(lo // data.unit)
        highs.append(hi // data.unit)
    return lows, highs


def round_cells(cells: FloatArray, data: ModelData) -> list[list[int]]:
    """Integer-peso cells that sum to the fund and keep every bound.

    Region totals are rounded first (so a region the LP puts on its floor stays exactly on it),
    then the cells inside each region; if the axis bounds cannot be kept that way, the cells are
    rounded with only the region bounds.

    Parameters
    ----------
    cells
        LP solution in pesos, shape (regions, axes).
    data
        The model data with every bound in integer pesos.

    Returns
    -------
    list of list of int
        Pesos per (region, axis), each a multiple of the rounding unit.

    Raises
    ------
    SolverError
        No rounding within the bounds exists near the LP values (a broken LP solution).
    """
    lows, highs = _bounds(data)
    attempts: list[tuple[list[int], list[int]]] = []
    if data.m > 1:
        totals = _round_totals(
            [float(cells[r].sum()) / data.unit for r in range(data.n)], lows, highs
        )
        if totals is not None:
            attempts.append((totals, totals))
    attempts.append((lows, highs))
    for low, high in attempts:
        try:
            result = _round(cells, data, low, high)
        except SolverError:
            continue
        if not violations(result, data):
            return result
    # The greedy passes can paint themselves into a corner (an axis floor left one unit short
    # when every region total is already tight); the integer program cannot.
    for reach in (1, 2):
        exact = _round_exact(cells, data, lows, highs, reach)
        if exact is not None and not violations(exact, data):
            return exact
    raise SolverError("no rounding to whole units keeps every rule near the LP solution")


def _round_exact(
    cells: FloatArray, data: ModelData, lows: list[int], highs: list[int], reach: int
) -> list[list[int]] | None:
    """Cells in units by a small integer program: each cell floor(v) + d, d in [1-reach, reach].

    Minimises the total distance to the LP values (cost of one unit up: 1 - 2 frac) with a
    tie-break of 1e-9 per position (region code, then axis id), so the answer is unique.
    """
    unit = data.unit
    n, m = data.n, data.m
    problem = pulp.LpProblem("rounding", pulp.LpMinimize)
    base: list[list[int]] = []
    steps: list[list[pulp.LpVariable]] = []
    cost = []
    for r in range(n):
        base_row, step_row = [], []
        for a in range(m):
            v = float(cells[r, a]) / unit
            near = round(v)
            v = float(near) if abs(v - near) < SNAP else v
            floor = math.floor(v)
            low_step = max(1 - reach, data.cell_min[r][a] // unit - floor, -floor)
            d = problem.add_variable(f"d_{r}_{a}", low_step, reach, cat=pulp.LpInteger)
            base_row.append(floor)
            step_row.append(d)
            frac = v - floor
            cost.append((1.0 - 2.0 * frac + 1e-9 * (r * m + a) / (n * m)) * d)
        base.append(base_row)
        steps.append(step_row)
    problem.setObjective(pulp.lpSum(cost))

    def total(r: int) -> pulp.LpAffineExpression:
        return pulp.lpSum(steps[r]) + sum(base[r])

    problem += pulp.lpSum(total(r) for r in range(n)) == data.fund // unit
    for r in range(n):
        problem += total(r) >= lows[r]
        problem += total(r) <= highs[r]
        for a in range(m):
            share = data.cell_min_share[r][a]
            if share > 0:
                problem += steps[r][a] + base[r][a] - share * total(r) >= 0
    if m > 1:
        for a in range(m):
            axis = pulp.lpSum(steps[r][a] for r in range(n)) + sum(base[r][a] for r in range(n))
            problem += axis >= data.axis_lower[a] // unit
            problem += axis <= data.axis_upper[a] // unit
    if solve_integer(problem) is not LpOutcome.OPTIMAL:
        return None
    return [
        [(base[r][a] + round(steps[r][a].varValue or 0.0)) * unit for a in range(m)]
        for r in range(n)
    ]


def _round_totals(values: list[float], lows: list[int], highs: list[int]) -> list[int] | None:
    """Region totals in units: floor, then largest remainder within [low, high]."""
    snapped = [float(round(v)) if abs(v - round(v)) < SNAP else v for v in values]
    out = [min(max(math.floor(v), lo), hi) for v, lo, hi in zip(snapped, lows, highs, strict=True)]
    order = sorted(
        range(len(values)), key=lambda i: (-round(snapped[i] - math.floor(snapped[i]), 9), i)
    )
    left = round(sum(snapped)) - sum(out)
    for i in order:
        if left <= 0:
            break
        if out[i] < highs[i]:
            out[i] += 1
            left -= 1
    return out if left == 0 else None


def _round(
    cells: FloatArray, data: ModelData, lows: list[int], highs: list[int]
) -> list[list[int]]:
    """Cells in units with region totals within [lows, highs] (see the module docstring)."""
    unit = data.unit
    n, m = data.n, data.m
    value = [[float(cells[r, a]) / unit for a in range(m)] for r in range(n)]
    for r in range(n):
        for a in range(m):
            near = round(value[r][a])
            if abs(value[r][a] - near) < SNAP:
                value[r][a] = float(near)
    y = [
        [max(math.floor(value[r][a]), data.cell_min[r][a] // unit, 0) for a in range(m)]
        for r in range(n)
    ]
    ceil = [[max(math.ceil(value[r][a]), y[r][a]) for a in range(m)] for r in range(n)]
    axis_lo = [v // unit for v in data.axis_lower] if m > 1 else [0]
    axis_hi = [v // unit for v in data.axis_upper] if m > 1 else [data.fund // unit]
    region_sum = [sum(row) for row in y]
    axis_sum = [sum(y[r][a] for r in range(n)) for a in range(m)]
    left = data.fund // unit - sum(region_sum)
    order = sorted(
        ((r, a) for r in range(n) for a in range(m)),
        key=lambda ra: (-round(value[ra[0]][ra[1]] - math.floor(value[ra[0]][ra[1]]), 9), ra),
    )

    def give(candidates: Sequence[tuple[int, int]], wanted: int, beyond_ceiling: bool) -> int:
        nonlocal left
        given = 0
        for r, a in candidates:
            if given >= wanted or left <= 0:
                break
            if region_sum[r] >= highs[r] or axis_sum[a] >= axis_hi[a]:
                continue
            if not beyond_ceiling and y[r][a] >= ceil[r][a]:
                continue
            y[r][a] += 1
            region_sum[r] += 1
            axis_sum[a] += 1
            left -= 1
            given += 1
        return given

    # The cells of each region and of each axis, in ``order`` (built once, not once per call).
    by_region: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    by_axis: list[list[tuple[int, int]]] = [[] for _ in range(m)]
    for cell in order:
        by_region[cell[0]].append(cell)
        by_axis[cell[1]].append(cell)
    for beyond in (False, True):
        for r in range(n):
            if region_sum[r] < lows[r]:
                give(by_region[r], lows[r] - region_sum[r], beyond)
        for a in range(m):
            if axis_sum[a] < axis_lo[a]:
                give(by_axis[a], axis_lo[a] - axis_sum[a], beyond)
        while left > 0 and give(order, left, beyond) > 0:
            pass
    if left != 0:
        message = f"rounding could not place {left} rounding unit(s) within the caps"
        raise SolverError(message)
    return [[v * unit for v in row] for row in y]


def apportion(values: Sequence[float], total: int) -> list[int]:
    """Whole pesos proportional to ``values`` that sum exactly to ``total`` (largest remainder).

    Ties go to the earlier position. Used for targets and contributions, which are reported in
    whole pesos so that every column of a report adds up.
    """
    if not values:
        return []
    weight = sum(values)
    if weight <= 0:
        out = [0] * len(values)
        out[0] = total
        return out
    exact = [v * total / weight for v in values]
    out = [math.floor(e) for e in exact]
    order = sorted(range(len(values)), key=lambda i: (-(exact[i] - out[i]), i))
    for i in order[: total - sum(out)]:
        out[i] += 1
    return out
