"""Exact integer pesos: from the LP's float cells to multiples of the rounding unit.

Each step is tried only when the one before cannot keep every rule (``docs/formulation.md``,
"Verification and rounding", has the algebra):

1. **Vectorised greedy** (the common path). Region totals are rounded first: floor of the LP
   total, clamped to the region's box, then the units still missing to reach the fund go by
   largest remainder. Inside each region every cell starts at the floor of its LP value, raised
   to its minimum (priority minimum amount, and ceil(s X[r]) for a share-of-region minimum,
   computed exactly from the region's rounded total), and the region's missing units go to its
   cells by largest remainder, never above the ceiling of the LP value. The result stands if
   every axis total stays within its share bounds.
2. **Sequential greedy** with the same region totals: units handed out one at a time, a cell
   only taking a unit while its region and axis stay under their caps.
3. **Integer program** (HiGHS MIP, in-process): integer cells within their rule boxes, every
   rule as a row, minimising the L1 distance to the LP values, first with each region total
   within one unit of its LP value. If that has no solution, an elastic copy decides whether any
   whole-unit plan exists; if none does, :class:`WholeUnitsInfeasible` says which rules would
   have to give way, by how many pesos; if one does, the program runs again with region totals
   free in their boxes and their distance to the LP weighted first. It is complete.

Ties are broken by position, region-major: the pipeline sorts regions by code and axes by id, so
the earlier region code, then the earlier axis id, gets the unit. Every plan returned is checked
here in integer arithmetic (share minimums exactly, against the share the planner wrote).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import numpy.typing as npt
import pulp

from optimizer.domain import RuleFamily
from optimizer.errors import DeadlineExceededError, SolverError
from optimizer.formula import FloatArray
from optimizer.model import ModelData, share_fraction, share_minimum
from optimizer.solve import LpOutcome, solve_integer

IntArray = npt.NDArray[np.int64]

SNAP = 1e-3
"""LP values this close (in rounding units) to a whole number are that number."""

TIE_BREAK = 1e-7
"""Largest tie-break added to a unit's cost in the integer program (scaled by position)."""


@dataclass(frozen=True)
class Shortfall:
    """One rule that no plan in whole rounding units can keep, and by how many pesos."""

    family: RuleFamily
    key: str
    """Region code, axis id, or ``region/axis``."""
    amount: int


class WholeUnitsInfeasible(Exception):
    """No plan in whole rounding units keeps every rule (the caller reports the shortfalls)."""

    def __init__(self, shortfalls: Sequence[Shortfall]) -> None:
        self.shortfalls = tuple(shortfalls)
        super().__init__("no plan in whole rounding units keeps every rule")


@dataclass(frozen=True)
class _Boxes:
    """Every bound in rounding units: region boxes, axis boxes, cell minimums, share minimums."""

    region_lo: IntArray
    region_hi: IntArray
    axis_lo: IntArray
    axis_hi: IntArray
    cell_lo: IntArray
    """Priority minimums given as amounts (and 0), shape (regions, axes)."""
    share_rows: IntArray
    share_cols: IntArray
    shares: tuple[float, ...]
    """Share-of-region minimums: cell (share_rows[k], share_cols[k]) >= shares[k] X[r]."""
    share_p: IntArray
    share_q: IntArray
    """Each share as the exact fraction p / q of what the planner wrote."""
    groups: tuple[tuple[tuple[int, ...], int, int], ...] = ()
    """Inner nodes of the programa tree: (leaf positions, lower, upper) in units."""

    def share_cells(self) -> list[tuple[int, int, float]]:
        """(region, axis, share) of every share-of-region minimum."""
        rows, cols = self.share_rows.tolist(), self.share_cols.tolist()
        return list(zip(rows, cols, self.shares, strict=True))

    def share_needs(self, totals: IntArray) -> IntArray:
        """ceil(p X[r] / q) per share minimum, in exact integer arithmetic."""
        t = totals[self.share_rows]
        if len(t) and int(self.share_q.max()) * max(int(t.max()), 1) < 2**62:
            return -((-self.share_p * t) // self.share_q)
        out = [share_minimum(s, int(x)) for s, x in zip(self.shares, t.tolist(), strict=True)]
        return np.array(out, dtype=np.int64)


def _boxes(data: ModelData) -> _Boxes:
    """``ModelData.region_box`` and the other bounds for every region at once, in units."""
    unit, n, m = data.unit, data.n, data.m
    cell_min = np.array(data.cell_min, dtype=np.int64).reshape(n, m)
    lo = np.maximum(cell_min.sum(axis=1), 0)
    for values in data.lower.values():
        lo = np.maximum(lo, np.array([0 if v is None else v for v in values], dtype=np.int64))
    hi = np.full(n, data.fund, dtype=np.int64)
    for values in data.upper.values():
        hi = np.minimum(hi, np.array([data.fund if v is None else v for v in values], np.int64))
    if m > 1:
        axis_lo = np.array(data.axis_lower, dtype=np.int64) // unit
        axis_hi = np.array(data.axis_upper, dtype=np.int64) // unit
    else:
        axis_lo = np.zeros(1, dtype=np.int64)
        axis_hi = np.full(1, data.fund // unit, dtype=np.int64)
    share = np.array(data.cell_min_share, dtype=np.float64).reshape(n, m)
    rows, cols = np.nonzero(share > 0)
    shares = tuple(share[rows, cols].tolist())
    fractions = [share_fraction(s) for s in shares]
    return _Boxes(
        region_lo=lo // unit,
        region_hi=hi // unit,
        axis_lo=axis_lo,
        axis_hi=axis_hi,
        cell_lo=np.maximum(cell_min, 0) // unit,
        share_rows=rows.astype(np.int64),
        share_cols=cols.astype(np.int64),
        shares=shares,
        share_p=np.array([f.numerator for f in fractions], dtype=np.int64),
        share_q=np.array([f.denominator for f in fractions], dtype=np.int64),
        groups=tuple((g.members, -(-g.lower // unit), g.upper // unit) for g in data.groups),
    )


def _snap(values: FloatArray) -> FloatArray:
    near = np.rint(values)
    return np.where(np.abs(values - near) < SNAP, near, values)


def round_cells(
    cells: FloatArray, data: ModelData, time_limit: float | None = None
) -> list[list[int]]:
    """Integer-peso cells that sum to the fund and keep every rule.

    Parameters
    ----------
    cells
        LP solution in pesos, shape (regions, axes).
    data
        The model data with every bound in integer pesos.
    time_limit
        Seconds for each integer program, if one runs; None for no limit.

    Returns
    -------
    list of list of int
        Pesos per (region, axis), each a multiple of the rounding unit.

    Raises
    ------
    WholeUnitsInfeasible
        No plan in whole rounding units keeps every rule (carries the shortfalls in pesos).
    DeadlineExceededError
        An integer program reached the time limit.
    SolverError
        An integer program stopped without an answer, or its plan failed the exact re-check.
    """
    unit = data.unit
    boxes = _boxes(data)
    value = _snap(np.asarray(cells, dtype=np.float64) / unit)
    fund = data.fund // unit
    totals = _round_totals(
        _snap(np.asarray(cells, dtype=np.float64).sum(axis=1) / unit), boxes, fund
    )
    if totals is not None:
        fast = _round_within_totals(value, totals, boxes)
        if fast is not None and _holds(fast, boxes, fund):
            return _pesos(fast, unit)
    if totals is not None and data.m > 1:
        result = _round_sequential(value, boxes, fund, totals, totals)
        if result is not None and _holds(result, boxes, fund):
            return _pesos(result, unit)
    # The greedy passes can paint themselves into a corner (an axis floor left one unit short
    # when every region total is already tight, share minimums that need an even total); the
    # integer program cannot. First with every region total within one unit of the LP's.
    totals_v = _snap(value.sum(axis=1))
    near_lo = np.maximum(boxes.region_lo, np.floor(totals_v).astype(np.int64))
    near_hi = np.minimum(boxes.region_hi, np.ceil(totals_v).astype(np.int64))
    exact = None
    if (near_lo <= near_hi).all():
        exact = _round_exact(value, boxes, fund, near_lo, near_hi, 0.0, time_limit)
    if exact is None:
        # Whether any whole-unit plan exists is settled by the elastic program (HiGHS proves
        # it in milliseconds where the distance-minimising program can take seconds).
        shortfalls = _shortfalls(data, value, boxes, fund, time_limit)
        if shortfalls:
            raise WholeUnitsInfeasible(shortfalls)
        # Region totals free in their boxes; moving a unit between two regions moves at least
        # two cells, so their distance to the LP weighs 2 m per unit to come first.
        exact = _round_exact(
            value, boxes, fund, boxes.region_lo, boxes.region_hi, float(2 * data.m), time_limit
        )
    if exact is None:
        # The elastic program found a plan with no slack: only numerical trouble gets here.
        raise SolverError("the integer rounding programs disagree on whether a plan exists")
    if not _holds(exact, boxes, fund):
        raise SolverError("the integer rounding program's plan fails our exact re-check")
    return _pesos(exact, unit)


def _pesos(y: IntArray, unit: int) -> list[list[int]]:
    out: list[list[int]] = (y * unit).tolist()
    return out


def _holds(y: IntArray, boxes: _Boxes, fund: int) -> bool:
    """Every rule in integer arithmetic, on cells in rounding units."""
    totals = y.sum(axis=1)
    axes = y.sum(axis=0)
    if int(totals.sum()) != fund or (y < boxes.cell_lo).any():
        return False
    if (totals < boxes.region_lo).any() or (totals > boxes.region_hi).any():
        return False
    if (axes < boxes.axis_lo).any() or (axes > boxes.axis_hi).any():
        return False
    for members, lo, hi in boxes.groups:
        value = int(axes[list(members)].sum())
        if value < lo or value > hi:
            return False
    return bool((y[boxes.share_rows, boxes.share_cols] >= boxes.share_needs(totals)).all())


def _round_totals(values: FloatArray, boxes: _Boxes, fund: int) -> IntArray | None:
    """Region totals in units: floor, clamped to the box, then largest remainder (one each)."""
    floor = np.floor(values)
    out = np.clip(floor.astype(np.int64), boxes.region_lo, boxes.region_hi)
    left = fund - int(out.sum())
    if left < 0:
        return None
    # Largest remainder first, ties to the earlier region (a stable sort keeps index order).
    order = np.argsort(-np.round(values - floor, 9), kind="stable")
    room = order[out[order] < boxes.region_hi[order]]
    if len(room) < left:
        return None
    out[room[:left]] += 1
    return out


def _lower_bounds(totals: IntArray, boxes: _Boxes) -> IntArray:
    """Each cell's minimum in units once its region total is known (amounts and shares)."""
    low = boxes.cell_lo.copy()
    rows, cols = boxes.share_rows, boxes.share_cols
    low[rows, cols] = np.maximum(low[rows, cols], boxes.share_needs(totals))
    return low


def _round_within_totals(value: FloatArray, totals: IntArray, boxes: _Boxes) -> IntArray | None:
    """Cells summing to the given region totals: floor (or minimum), then largest remainder.

    Each region's missing units go to its cells in order of largest remainder (ties to the
    earlier axis), a cell never above the ceiling of its LP value. None when a region's minimums
    exceed its total or its cells cannot take the missing units below their ceilings. This is
    the sequential pass with fixed totals, vectorised: when no axis cap stops a unit on the
    way, both hand out the same units.
    """
    floor = np.floor(value)
    y = np.maximum(floor.astype(np.int64), _lower_bounds(totals, boxes))
    ceil = np.maximum(np.ceil(value).astype(np.int64), y)
    missing = totals - y.sum(axis=1)
    if (missing < 0).any():
        return None
    order = np.argsort(-np.round(value - floor, 9), axis=1, kind="stable")
    open_ = np.take_along_axis(y < ceil, order, axis=1)
    rank = np.cumsum(open_, axis=1)
    if (rank[:, -1] < missing).any():
        return None
    give = open_ & (rank <= missing[:, None])
    rows = np.broadcast_to(np.arange(len(y))[:, None], order.shape)
    y[rows[give], order[give]] += 1
    return y


def _round_sequential(
    value: FloatArray, boxes: _Boxes, fund: int, lows: IntArray, highs: IntArray
) -> IntArray | None:
    """Units handed out one at a time with region totals within [lows, highs] (module docstring).

    With fixed totals (``lows == highs``) share minimums are known and are each cell's start;
    otherwise they are left to the final check.
    """
    n, m = value.shape
    floor = np.floor(value)
    start = _lower_bounds(lows, boxes) if np.array_equal(lows, highs) else boxes.cell_lo
    y = np.maximum(floor.astype(np.int64), start).tolist()
    ceil = np.maximum(np.ceil(value).astype(np.int64), np.array(y, dtype=np.int64)).tolist()
    low, high = lows.tolist(), highs.tolist()
    axis_lo, axis_hi = boxes.axis_lo.tolist(), boxes.axis_hi.tolist()
    region_sum = [sum(row) for row in y]
    axis_sum = [sum(y[r][a] for r in range(n)) for a in range(m)]
    left = fund - sum(region_sum)
    flat = np.argsort(-np.round(value - floor, 9).ravel(), kind="stable").tolist()
    order = [(k // m, k % m) for k in flat]

    def give(candidates: Sequence[tuple[int, int]], wanted: int, beyond_ceiling: bool) -> int:
        nonlocal left
        given = 0
        for r, a in candidates:
            if given >= wanted or left <= 0:
                break
            if region_sum[r] >= high[r] or axis_sum[a] >= axis_hi[a]:
                continue
            if not beyond_ceiling and y[r][a] >= ceil[r][a]:
                continue
            y[r][a] += 1
            region_sum[r] += 1
            axis_sum[a] += 1
            left -= 1
            given += 1
        return given

    by_region: list[list[tuple[int, int]]] = [[] for _ in range(n)]
    by_axis: list[list[tuple[int, int]]] = [[] for _ in range(m)]
    for cell in order:
        by_region[cell[0]].append(cell)
        by_axis[cell[1]].append(cell)
    for beyond in (False, True):
        for r in range(n):
            if region_sum[r] < low[r]:
                give(by_region[r], low[r] - region_sum[r], beyond)
        for a in range(m):
            if axis_sum[a] < axis_lo[a]:
                give(by_axis[a], axis_lo[a] - axis_sum[a], beyond)
        while left > 0 and give(order, left, beyond) > 0:
            pass
    if left != 0:
        return None
    return np.array(y, dtype=np.int64)


def _share_row(
    cell: pulp.LpAffineExpression, total: pulp.LpAffineExpression, share: float, rhs: Fraction
) -> pulp.LpConstraint:
    """x >= s X for integer x and X (as offsets, ``rhs`` = s B - b), integer coefficients if possible.

    With s = p / q exactly (the share as written), q x - p X >= q rhs has integer coefficients
    and an integer right-hand side: an integer solution is exact, and HiGHS derives far stronger
    cuts from it (a 12-cell case with shares 0.35 and 0.64 took 10 s to be proved infeasible
    with float rows). Shares with large denominators keep the float row; the exact re-check
    catches a rare miss by round-off.
    """
    exact = share_fraction(share)
    if exact.denominator <= 10**6:
        scaled = rhs * exact.denominator
        return exact.denominator * cell - exact.numerator * total >= int(scaled)
    return cell - share * total >= float(rhs)


@dataclass(frozen=True)
class _Offsets:
    """The integer programs' variables are offsets from the floors of the LP values.

    x[r,a] = b[r,a] + d[r,a] and X[r] = B[r] + D[r] with b = floor(v), B[r] = sum_a b[r,a]:
    the variables and row activities stay of the order of a few units even when the cells are
    of the order of 10^13 units, where HiGHS' absolute tolerances would otherwise be below the
    spacing of doubles.
    """

    base: IntArray
    region: IntArray
    axis: IntArray
    frac: FloatArray

    @classmethod
    def of(cls, value: FloatArray) -> _Offsets:
        base = np.floor(value).astype(np.int64)
        return cls(base, base.sum(axis=1), base.sum(axis=0), value - base)

    def share_rhs(self, r: int, a: int, share: float) -> Fraction:
        """s B[r] - b[r,a]: x >= s X  is  d - s D >= s B - b."""
        return share_fraction(share) * int(self.region[r]) - int(self.base[r, a])


def _rule_rows(
    problem: pulp.LpProblem,
    d: list[list[pulp.LpVariable]],
    at: _Offsets,
    boxes: _Boxes,
    fund: int,
    region_lo: Sequence[int],
    region_hi: Sequence[int],
) -> list[pulp.LpVariable]:
    """Every rule as rows over the offsets (cell minimum amounts are the variables' bounds)."""
    n, m = len(d), len(d[0])
    # Region totals as integer variables of their own, bounded by the region floors and caps
    # (every family combined, possibly narrowed to one unit of the LP): branching on a total
    # settles which share minimums it allows far faster than branching on cells.
    totals = [
        problem.add_variable(
            f"X_{r}",
            int(region_lo[r]) - int(at.region[r]),
            int(region_hi[r]) - int(at.region[r]),
            cat=pulp.LpInteger,
        )
        for r in range(n)
    ]
    for r in range(n):
        problem += pulp.lpSum(d[r]) - totals[r] == 0
    # The whole fund and nothing more.
    problem += pulp.lpSum(totals) == fund - int(at.region.sum())
    # Axis share bounds.
    if m > 1:
        for a in range(m):
            axis = pulp.lpSum(d[r][a] for r in range(n))
            problem += axis >= int(boxes.axis_lo[a]) - int(at.axis[a])
            problem += axis <= int(boxes.axis_hi[a]) - int(at.axis[a])
    # Bounds on the programa tree's inner nodes.
    for members, lo, hi in boxes.groups:
        node = pulp.lpSum(d[r][a] for r in range(n) for a in members)
        base = sum(int(at.axis[a]) for a in members)
        problem += node >= lo - base
        problem += node <= hi - base
    # Share-of-region minimums: x[r,a] >= s X[r], as q x[r,a] - p X[r] >= 0 for s = p / q.
    for r, a, s in boxes.share_cells():
        problem += _share_row(d[r][a], totals[r], s, at.share_rhs(r, a, s))
    return totals


def _round_exact(
    value: FloatArray,
    boxes: _Boxes,
    fund: int,
    region_lo: IntArray,
    region_hi: IntArray,
    region_weight: float,
    time_limit: float | None,
) -> IntArray | None:
    """The plan in whole units nearest the LP values, by an integer program (None: none exists).

    min sum_{r,a} w_ra |x[r,a] - v[r,a]|  (+ W sum_r |X[r] - V[r]|, W = ``region_weight``)
    over integers x[r,a] in [minimum, min(region cap, axis cap)] and X[r] in
    [``region_lo``, ``region_hi``] keeping every rule, each |.| written with non-negative
    variables at integer breakpoints (all as offsets, see :class:`_Offsets`). The tie-break makes w slightly larger
    for a later position going up and an earlier one going down, so of two equally near plans
    the one giving the unit to the earlier region code, then axis id, wins.
    """
    n, m = value.shape
    size = n * m
    at = _Offsets.of(value)
    problem = pulp.LpProblem("rounding", pulp.LpMinimize)
    cost: list[pulp.LpAffineExpression] = []
    d: list[list[pulp.LpVariable]] = []
    for r in range(n):
        row = []
        for a in range(m):
            b = int(at.base[r, a])
            cap = max(min(int(region_hi[r]), int(boxes.axis_hi[a])), 0)
            low = int(boxes.cell_lo[r, a])
            step = problem.add_variable(
                f"x_{r}_{a}", low - b, max(cap, low) - b, cat=pulp.LpInteger
            )
            # |x - v| = |d - f| (f = v - b in [0, 1)) is convex and piecewise linear in d with
            # slopes -1, 1 - 2f and 1 around 0 and 1: f + (1 - 2f) first + up + down, with the
            # first unit up costing 1 - 2f. Integer breakpoints keep the relaxation integral
            # when the region totals are fixed (a transportation problem).
            first = problem.add_variable(f"f_{r}_{a}", 0, 1)
            up = problem.add_variable(f"u_{r}_{a}", 0)
            down = problem.add_variable(f"d_{r}_{a}", 0)
            problem += step - first - up + down == 0
            k = r * m + a
            later = TIE_BREAK * k / size
            cost.append((1.0 - 2.0 * float(at.frac[r, a]) + later) * first)
            cost.append((1.0 + later) * up)
            cost.append((1.0 + TIE_BREAK * (size - k) / size) * down)
            row.append(step)
        d.append(row)
    totals = _rule_rows(problem, d, at, boxes, fund, region_lo.tolist(), region_hi.tolist())
    if region_weight > 0:
        for r in range(n):
            # |X - V| = |D - F| with F = V - B, written at integer breakpoints like the cells'.
            offset = float(_snap(at.frac[r].sum()))
            floor = math.floor(offset)
            first = problem.add_variable(f"F_{r}", 0, 1)
            up = problem.add_variable(f"U_{r}", 0)
            down = problem.add_variable(f"D_{r}", 0)
            problem += totals[r] - first - up + down == floor
            slope = 1.0 - 2.0 * (offset - floor)
            cost.append(region_weight * (slope * first + up + down))
    problem.setObjective(pulp.lpSum(cost))
    outcome = solve_integer(problem, time_limit, mip_abs_gap=0.0)
    if outcome is LpOutcome.INFEASIBLE:
        return None
    if outcome is LpOutcome.TIME_LIMIT:
        raise DeadlineExceededError("the time limit ran out while rounding to whole units")
    if outcome is not LpOutcome.OPTIMAL:
        raise SolverError(f"the integer rounding program ended {outcome}")
    steps = np.array([[round(v.varValue or 0.0) for v in row] for row in d], dtype=np.int64)
    return at.base + steps


def _shortfalls(
    data: ModelData, value: FloatArray, boxes: _Boxes, fund: int, time_limit: float | None
) -> list[Shortfall]:
    """Which rules no whole-unit plan can keep, and by how many pesos (elastic integer program).

    Empty when a whole-unit plan exists. Every rule row gets a non-negative slack (cost 1 per
    unit; the fund total stays fixed, the law fixes it); the least total slack is reported per
    rule, rounded up to whole pesos. Variables are offsets from the LP floors (:class:`_Offsets`).
    """
    n, m, unit = data.n, data.m, data.unit
    at = _Offsets.of(value)
    problem = pulp.LpProblem("rounding_diagnosis", pulp.LpMinimize)
    d = [
        [
            problem.add_variable(
                f"x_{r}_{a}", -int(at.base[r, a]), fund - int(at.base[r, a]), cat=pulp.LpInteger
            )
            for a in range(m)
        ]
        for r in range(n)
    ]
    slacks: list[tuple[pulp.LpVariable, RuleFamily, str]] = []

    def slack(family: RuleFamily, key: str) -> pulp.LpVariable:
        e = problem.add_variable(f"e_{len(slacks)}", 0)
        slacks.append((e, family, key))
        return e

    totals = [pulp.lpSum(row) for row in d]
    region = at.region.tolist()
    problem += pulp.lpSum(totals) == fund - sum(region)
    for family, values in data.lower.items():
        for r, bound in enumerate(values):
            if bound is not None and bound > 0:
                floor = bound // unit - region[r]
                problem += totals[r] + slack(family, data.regions[r]) >= floor
    for family, values in data.upper.items():
        for r, bound in enumerate(values):
            if bound is not None:
                problem += totals[r] - slack(family, data.regions[r]) <= bound // unit - region[r]
    if m > 1:
        for a in range(m):
            axis = pulp.lpSum(d[r][a] for r in range(n))
            b = int(at.axis[a])
            problem += axis + slack(RuleFamily.AXIS_MIN, data.axes[a]) >= int(boxes.axis_lo[a]) - b
            problem += axis - slack(RuleFamily.AXIS_MAX, data.axes[a]) <= int(boxes.axis_hi[a]) - b
    for group, (members, lo, hi) in zip(data.groups, boxes.groups, strict=True):
        node = pulp.lpSum(d[r][a] for r in range(n) for a in members)
        b = sum(int(at.axis[a]) for a in members)
        problem += node + slack(RuleFamily.AXIS_MIN, group.key) >= lo - b
        problem += node - slack(RuleFamily.AXIS_MAX, group.key) <= hi - b
    for r in range(n):
        for a in range(m):
            if boxes.cell_lo[r, a] > 0:
                key = f"{data.regions[r]}/{data.axes[a]}"
                need = int(boxes.cell_lo[r, a]) - int(at.base[r, a])
                problem += d[r][a] + slack(RuleFamily.CELL_MINIMUM, key) >= need
    for r, a, s in boxes.share_cells():
        key = f"{data.regions[r]}/{data.axes[a]}"
        rhs = float(at.share_rhs(r, a, s))
        problem += d[r][a] + slack(RuleFamily.CELL_MINIMUM, key) - s * totals[r] >= rhs
    problem.setObjective(pulp.lpSum(e for e, _, _ in slacks))
    outcome = solve_integer(problem, time_limit)
    if outcome is LpOutcome.TIME_LIMIT:
        raise DeadlineExceededError("the time limit ran out while rounding to whole units")
    if outcome is not LpOutcome.OPTIMAL:
        raise SolverError(f"the integer rounding diagnosis ended {outcome}")
    out = []
    for e, family, key in slacks:
        amount = math.ceil((e.varValue or 0.0) * unit - 1e-6 * unit)
        if amount > 0:
            out.append(Shortfall(family, key, amount))
    return out


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
