"""An independent lexicographic min-max, for the tests and the stressed benchmarks.

It shares no code with ``optimizer/objectives.py`` or the LP builders of ``optimizer/model.py``:
it reads the integer bounds and the formula targets of a :class:`~optimizer.model.ModelData`
(the input of both) and writes its own LP for ``highspy`` directly, one fresh model per level.

The definition it implements is the one in ``docs/formulation.md``: stage 1 over region totals
(target ``max(t[r], f)``), stage 2 over cells with the region totals fixed (target
``max(t[r,a] X[r] / max(sum_a t[r,a], 1), f)``), ``f`` the target floor; each stage is the plain lexicographic min-max of
``|v_u - t_u| / t_u``. Level by level: ``min z`` over the free units, then every free unit whose
deviation equals ``z`` at that optimum is tested on its own: with ``z`` held at its optimum, the
unit's value is pushed towards its target (``min v_u`` when above it, ``max v_u`` when below);
if it cannot move inwards, its deviation is ``z`` in every optimum of the level and it is pinned
at its value. No duals, no boxing, no shortcuts: a unit whose own box forces a deviation simply
blocks at that level.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import highspy
import numpy as np
import numpy.typing as npt

from optimizer.model import ModelData

FloatArray = npt.NDArray[np.float64]

INF = highspy.kHighsInf
MOVE = 1e-9
"""Movement (in LP units, of about 1e4 for the whole fund) below which a unit cannot move."""


@dataclass
class _Rows:
    """A growing list of rows over the columns, as CSR arrays for ``passModel``."""

    starts: list[int] = field(default_factory=lambda: [0])
    index: list[int] = field(default_factory=list)
    value: list[float] = field(default_factory=list)
    lower: list[float] = field(default_factory=list)
    upper: list[float] = field(default_factory=list)

    def add(self, entries: list[tuple[int, float]], lower: float, upper: float) -> None:
        for j, v in entries:
            self.index.append(j)
            self.value.append(v)
        self.starts.append(len(self.index))
        self.lower.append(lower)
        self.upper.append(upper)


@dataclass(frozen=True)
class ReferenceResult:
    """Cells in pesos (floats) and how many LPs and levels the reference used."""

    cells: FloatArray
    levels: int
    lps: int


def _highs() -> highspy.Highs:
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    h.setOptionValue("random_seed", 0)
    h.setOptionValue("primal_feasibility_tolerance", 1e-10)
    h.setOptionValue("dual_feasibility_tolerance", 1e-10)
    return h


def _rule_rows(
    data: ModelData, scale: float, totals: FloatArray | None
) -> tuple[_Rows, FloatArray]:
    """Every rule of the scenario over the cells (and, in stage 2, the fixed region totals)."""
    n, m = data.n, data.m
    rows = _Rows()
    col = lambda r, a: r * m + a  # noqa: E731 - the cell's column
    rows.add(
        [(col(r, a), 1.0) for r in range(n) for a in range(m)], data.fund / scale, data.fund / scale
    )
    for r in range(n):
        lows = [v[r] for v in data.lower.values() if v[r] is not None]
        highs = [v[r] for v in data.upper.values() if v[r] is not None]
        lo = max([0, *[x for x in lows if x is not None]]) / scale
        hi = min([data.fund, *[x for x in highs if x is not None]]) / scale
        if totals is not None:
            lo = hi = float(totals[r])
        rows.add([(col(r, a), 1.0) for a in range(m)], lo, hi)
    if m > 1:
        for a in range(m):
            rows.add(
                [(col(r, a), 1.0) for r in range(n)],
                data.axis_lower[a] / scale,
                data.axis_upper[a] / scale,
            )
    # Inner nodes of the programa tree: the sum of their leaves' columns.
    for group in data.groups:
        rows.add(
            [(col(r, a), 1.0) for r in range(n) for a in group.members],
            group.lower / scale,
            group.upper / scale,
        )
    for r in range(n):
        for a in range(m):
            share = data.cell_min_share[r][a]
            if share > 0:
                entries = [(col(r, b), -share) for b in range(m)]
                entries[a] = (col(r, a), 1.0 - share)
                rows.add(entries, 0.0, INF)
    col_lower = np.array(
        [data.cell_min[r][a] / scale for r in range(n) for a in range(m)], dtype=np.float64
    )
    return rows, col_lower


def _stage(
    data: ModelData,
    scale: float,
    units: list[list[int]],
    targets: FloatArray,
    totals: FloatArray | None,
    deadline: float,
) -> tuple[FloatArray, int, int]:
    """Plain lexicographic min-max over the units (each a sum of cell columns)."""
    n_cells = data.n * data.m
    z_col = n_cells
    pinned: dict[int, float] = {}
    levels = lps = 0
    x = np.zeros(n_cells)
    while len(pinned) < len(units):
        if time.monotonic() > deadline:
            raise TimeoutError(f"reference stopped after {levels} levels")
        rows, col_lower = _rule_rows(data, scale, totals)
        free = [u for u in range(len(units)) if u not in pinned]
        for u in free:
            t = float(targets[u])
            entries = [(j, 1.0) for j in units[u]]
            rows.add([*entries, (z_col, -t)], -INF, t)
            rows.add([*entries, (z_col, t)], t, INF)
        for u, v in pinned.items():
            eps = 0.0  # the value every optimum of its level gives the unit
            rows.add([(j, 1.0) for j in units[u]], v - eps, v + eps)
        lp = highspy.HighsLp()
        lp.num_col_ = n_cells + 1
        lp.num_row_ = len(rows.lower)
        cost = np.zeros(n_cells + 1)
        cost[z_col] = 1.0
        lp.col_cost_ = cost
        lp.col_lower_ = np.append(col_lower, 0.0)
        lp.col_upper_ = np.full(n_cells + 1, INF)
        lp.row_lower_ = np.array(rows.lower)
        lp.row_upper_ = np.array(rows.upper)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        lp.a_matrix_.num_col_ = n_cells + 1
        lp.a_matrix_.num_row_ = len(rows.lower)
        lp.a_matrix_.start_ = np.array(rows.starts, dtype=np.int32)
        lp.a_matrix_.index_ = np.array(rows.index, dtype=np.int32)
        lp.a_matrix_.value_ = np.array(rows.value)
        h = _highs()
        h.passModel(lp)
        h.run()
        lps += 1
        levels += 1
        if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(f"reference level LP: {h.modelStatusToString(h.getModelStatus())}")
        x = np.asarray(h.getSolution().col_value)
        z = float(x[z_col])
        value = {u: float(sum(x[j] for j in units[u])) for u in free}
        if z <= 1e-12:
            pinned.update(value)
            continue
        # Candidates: the units at deviation z in this optimum (the others have slack here).
        candidates = [u for u in free if abs(value[u] - targets[u]) >= (z - 1e-7) * targets[u]]
        h.changeColBounds(z_col, 0.0, z)
        # Push every open candidate inwards at once (its inward movement is >= 0 at every optimum
        # of the level, z being held): the ones that move are not blocked; when the total
        # movement is zero, no open candidate can move, so all of them are blocked.
        open_ = list(candidates)
        blocked: list[int] = []
        while open_:
            objective = np.zeros(n_cells + 1)
            for u in open_:
                sign = 1.0 if value[u] >= targets[u] else -1.0
                for j in units[u]:
                    objective[j] += sign / max(1.0, float(targets[u]))
            h.changeColsCost(n_cells + 1, np.arange(n_cells + 1, dtype=np.int32), objective)
            h.run()
            lps += 1
            if h.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                raise RuntimeError("reference saturation LP failed")
            y = np.asarray(h.getSolution().col_value)
            still = []
            for u in open_:
                # The unit's room to its bound on the side where it sat: >= 0 at every point.
                t = float(targets[u])
                reach = float(sum(y[j] for j in units[u]))
                room = z * t - (reach - t) if value[u] >= t else (reach - t) + z * t
                if room <= MOVE:
                    still.append(u)
            if len(still) == len(open_):
                blocked = still
                break
            open_ = still
        if not blocked:  # round-off: take the unit furthest out
            blocked = [
                max(candidates or free, key=lambda u: abs(value[u] - targets[u]) / targets[u])
            ]
        for u in blocked:
            pinned[u] = value[u]
    return x[:n_cells], levels, lps


def reference_lexmin(data: ModelData, time_limit: float | None = None) -> ReferenceResult:
    """The lexicographic min-max cells (pesos) of the ``proportional`` objective.

    Raises ``TimeoutError`` when ``time_limit`` seconds pass (the benchmarks bound it).
    """
    deadline = math.inf if time_limit is None else time.monotonic() + time_limit
    n, m = data.n, data.m
    scale = data.fund / 1e4
    # The smallest target: 1 peso, or 1e-6 of the engine's LP unit on large funds (the
    # definition in docs/formulation.md).
    floor = max(1.0, 1e-6 * data.scale)
    region_target = np.maximum(np.asarray(data.targets.region, dtype=np.float64), floor) / scale
    units = [[r * m + a for a in range(m)] for r in range(n)]
    cells, levels, lps = _stage(data, scale, units, region_target, None, deadline)
    if m > 1:
        totals = cells.reshape(n, m).sum(axis=1)
        t = np.asarray(data.targets.cell, dtype=np.float64)
        own = np.maximum(t.sum(axis=1), 1.0)
        cell_target = np.maximum(t * (totals * scale / own)[:, None], floor) / scale
        units = [[k] for k in range(n * m)]
        cells, more, more_lps = _stage(data, scale, units, cell_target.ravel(), totals, deadline)
        levels += more
        lps += more_lps
    return ReferenceResult(cells.reshape(n, m) * scale, levels, lps)


def distinct_levels(values: FloatArray, targets: FloatArray, tol: float = 1e-9) -> int:
    """How many distinct relative deviations the values show (a lower bound on the levels)."""
    dev = sorted(abs(v - t) / t for v, t in zip(values.ravel(), targets.ravel(), strict=True))
    count = 0
    last = -math.inf
    for d in dev:
        if d > last + tol:
            count += 1
            last = d
    return count
