"""The only module that touches the solver: HiGHS in-process through ``pulp.HiGHS``.

One solver object per solve, one thread, fixed options, no messages, no files. The outcome is
typed data; PuLP's ``status`` and ``sol_status`` are read together through one table, and any
combination not in the table is a solver failure, never "optimal" (a HiGHS time-limit stop is
reported by PuLP as status Optimal with sol_status IntegerFeasible).

Speed: ``pulp.HiGHS`` hands the model to HiGHS one column and one row at a time from Python and
reads the results back the same way. :class:`ArrayHiGHS` is ``pulp.HiGHS`` with those two steps
done in bulk: the PuLP rows are turned into CSR arrays once per model (cached on the
:class:`~optimizer.model.LpModel`), the objective's rows (``LpModel.block``, already arrays) are
appended, and the whole LP goes to HiGHS in one ``passModel`` call. HiGHS receives exactly the LP
``pulp.HiGHS`` would build (same columns in the same order, same rows, bounds and coefficients),
so the answers are the same to the last bit. :func:`solve_arrays` takes such an LP already in
arrays (the closed form's certificate, built without PuLP) and solves it the same way.
"""

from __future__ import annotations

import functools
import os
import sys
import threading
import time
from dataclasses import dataclass
from enum import StrEnum
from importlib.metadata import PackageNotFoundError, version
from typing import Any

import highspy
import numpy as np
import numpy.typing as npt
import pulp

from optimizer.formula import FloatArray
from optimizer.model import LpModel, UnitRows

IntArray = npt.NDArray[np.int64]


class LpOutcome(StrEnum):
    """Our own reading of one LP solve."""

    OPTIMAL = "optimal"
    INFEASIBLE = "infeasible"
    UNBOUNDED = "unbounded"
    TIME_LIMIT = "time_limit"
    NOT_SOLVED = "not_solved"
    UNKNOWN = "unknown"


# (PuLP status, PuLP sol_status) -> outcome. Everything else maps to UNKNOWN.
STATUS_TABLE: dict[tuple[int, int], LpOutcome] = {
    (pulp.LpStatusOptimal, pulp.LpSolutionOptimal): LpOutcome.OPTIMAL,
    (pulp.LpStatusOptimal, pulp.LpSolutionIntegerFeasible): LpOutcome.TIME_LIMIT,
    (pulp.LpStatusInfeasible, pulp.LpSolutionInfeasible): LpOutcome.INFEASIBLE,
    (pulp.LpStatusUnbounded, pulp.LpSolutionUnbounded): LpOutcome.UNBOUNDED,
    (pulp.LpStatusNotSolved, pulp.LpSolutionNoSolutionFound): LpOutcome.NOT_SOLVED,
}

HIGHS_OPTIONS: dict[str, object] = {
    "presolve": "on",
    "solver": "simplex",
    "random_seed": 0,
    "log_to_console": False,
    "primal_feasibility_tolerance": 1e-9,
    "dual_feasibility_tolerance": 1e-9,
}


@dataclass(frozen=True)
class LpResult:
    """Outcome of one LP solve: status, objective and the row duals by constraint name.

    ``duals`` covers the PuLP rows registered in ``LpModel.rows``; ``block_duals`` the rows of
    ``LpModel.block`` in their order; ``values`` the solution of ``LpModel.flat`` (cells
    r-major, then the objective's own variable). ``seconds`` is the whole solve,
    ``build_seconds`` the part spent turning the model into arrays for HiGHS.
    """

    outcome: LpOutcome
    objective: float
    duals: dict[str, float]
    seconds: float
    build_seconds: float = 0.0
    block_duals: FloatArray | None = None
    values: FloatArray | None = None


_banner_lock = threading.Lock()
_banner_shown = False


def _swallow_banner() -> None:
    """Create the process's first Highs object with stdout closed.

    HiGHS prints a copyright banner to the C-level stdout when the first Highs object of a
    process is created, whatever the options; it would corrupt ``fsf solve --format json``.
    """
    global _banner_shown  # noqa: PLW0603 - once per process, under the lock
    with _banner_lock:
        if _banner_shown:
            return
        sys.stdout.flush()
        saved = os.dup(1)
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, 1)
            highspy.Highs()  # type: ignore[no-untyped-call]
        finally:
            os.dup2(saved, 1)
            os.close(saved)
            os.close(devnull)
        _banner_shown = True


# HighsModelStatus -> (PuLP status, PuLP sol_status), as pulp.HiGHS.findSolutionValues maps it.
_HIGHS_STATUS = {
    highspy.HighsModelStatus.kOptimal: (pulp.LpStatusOptimal, pulp.LpSolutionOptimal),
    highspy.HighsModelStatus.kInfeasible: (pulp.LpStatusInfeasible, pulp.LpSolutionInfeasible),
    highspy.HighsModelStatus.kUnboundedOrInfeasible: (
        pulp.LpStatusInfeasible,
        pulp.LpSolutionInfeasible,
    ),
    highspy.HighsModelStatus.kUnbounded: (pulp.LpStatusUnbounded, pulp.LpSolutionUnbounded),
    **dict.fromkeys(
        (
            highspy.HighsModelStatus.kObjectiveBound,
            highspy.HighsModelStatus.kObjectiveTarget,
            highspy.HighsModelStatus.kInterrupt,
            highspy.HighsModelStatus.kTimeLimit,
            highspy.HighsModelStatus.kIterationLimit,
        ),
        (pulp.LpStatusOptimal, pulp.LpSolutionIntegerFeasible),
    ),
}
_NOT_SOLVED = (pulp.LpStatusNotSolved, pulp.LpSolutionNoSolutionFound)


@dataclass(frozen=True)
class _Compiled:
    """A PuLP problem's columns and rows as arrays, in the order ``pulp.HiGHS`` uses."""

    columns: list[pulp.LpVariable]
    position: dict[str, int]
    col_lower: FloatArray
    col_upper: FloatArray
    constraints: list[pulp.LpConstraint]
    starts: IntArray
    index: IntArray
    value: FloatArray
    row_lower: FloatArray
    row_upper: FloatArray
    flat: IntArray
    """HiGHS column of each variable of ``LpModel.flat``."""


def _compile(model: LpModel) -> _Compiled:
    """Columns sorted by name (as ``LpProblem.variables()`` sorts them) and CSR rows."""
    problem = model.problem
    columns = list(problem.variables())
    position = {v.name: i for i, v in enumerate(columns)}
    inf = highspy.kHighsInf
    col_lower = np.array([-inf if v.lowBound is None else v.lowBound for v in columns], float)
    col_upper = np.array([inf if v.upBound is None else v.upBound for v in columns], float)
    constraints = list(problem.constraints())
    starts = [0]
    index: list[int] = []
    value: list[float] = []
    lower: list[float] = []
    upper: list[float] = []
    for constraint in constraints:
        for var, coefficient in constraint.items():
            if coefficient != 0:
                index.append(position[var.name])
                value.append(coefficient)
        starts.append(len(index))
        lb = constraint.getLb()
        ub = constraint.getUb()
        lower.append(-inf if lb is None else lb)
        upper.append(inf if ub is None else ub)
    flat = np.array([position.get(v.name, -1) for v in model.flat], dtype=np.int64)
    return _Compiled(
        columns=columns,
        position=position,
        col_lower=col_lower,
        col_upper=col_upper,
        constraints=constraints,
        starts=np.array(starts, dtype=np.int64),
        index=np.array(index, dtype=np.int64),
        value=np.array(value, dtype=np.float64),
        row_lower=np.array(lower, dtype=np.float64),
        row_upper=np.array(upper, dtype=np.float64),
        flat=flat,
    )


def _compiled(model: LpModel) -> _Compiled:
    """The cached arrays of the model's PuLP part, rebuilt when rows or objective changed."""
    problem = model.problem
    cached = model.cache.get("compiled")
    key = (len(problem.constraints()), id(problem.objective), len(model.flat))
    if isinstance(cached, _Compiled) and model.cache.get("compiled_key") == key:
        objective = problem.objective
        if objective is None or all(v.name in cached.position for v in objective):
            return cached
    compiled = _compile(model)
    model.cache["compiled"] = compiled
    model.cache["compiled_key"] = key
    return compiled


@dataclass(frozen=True)
class HighsArrays:
    """One LP exactly as HiGHS receives it: columns, costs and CSR rows with their bounds.

    ``names`` are the first ``len(names)`` rows' names (their duals are read back by name); the
    rows after them are the objective's block, whose duals are read back as an array. ``flat``
    is the HiGHS column of each variable of ``LpModel.flat``; ``objective`` the column whose
    value is the objective when it is ``min z`` for one column z (else -1).
    """

    col_cost: FloatArray
    col_lower: FloatArray
    col_upper: FloatArray
    starts: IntArray
    index: IntArray
    value: FloatArray
    row_lower: FloatArray
    row_upper: FloatArray
    names: list[str]
    flat: IntArray
    objective: int

    def highs_lp(self) -> Any:
        """The ``HighsLp`` handed to ``passModel``."""
        num_col, num_row = len(self.col_lower), len(self.row_lower)
        highs_lp = highspy.HighsLp()
        highs_lp.num_col_ = num_col
        highs_lp.num_row_ = num_row
        highs_lp.col_cost_ = self.col_cost
        highs_lp.col_lower_ = self.col_lower
        highs_lp.col_upper_ = self.col_upper
        highs_lp.row_lower_ = self.row_lower
        highs_lp.row_upper_ = self.row_upper
        highs_lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        highs_lp.a_matrix_.num_col_ = num_col
        highs_lp.a_matrix_.num_row_ = num_row
        highs_lp.a_matrix_.start_ = self.starts
        highs_lp.a_matrix_.index_ = self.index
        highs_lp.a_matrix_.value_ = self.value
        return highs_lp


def highs_arrays(model: LpModel) -> HighsArrays:
    """The LP :class:`ArrayHiGHS` passes HiGHS for a model: its PuLP rows, then its block."""
    compiled = _compiled(model)
    problem = model.problem
    sign = -1 if problem.sense == pulp.LpMaximize else 1
    cost = np.zeros(len(compiled.columns))
    objective = -1
    if problem.objective is not None:
        for var, coefficient in problem.objective.items():
            cost[compiled.position[var.name]] = sign * coefficient
        terms = list(problem.objective.items())
        if len(terms) == 1 and terms[0][1] == 1 and sign == 1 and not problem.objective.constant:
            objective = compiled.position[terms[0][0].name]
    starts, index, value = compiled.starts, compiled.index, compiled.value
    row_lower, row_upper = compiled.row_lower, compiled.row_upper
    block = model.block
    if block is not None and block.rows:
        starts = np.concatenate([starts, block.starts[1:] + starts[-1]])
        index = np.concatenate([index, compiled.flat[block.columns]])
        value = np.concatenate([value, block.values])
        row_lower = np.concatenate([row_lower, block.lower])
        row_upper = np.concatenate([row_upper, block.upper])
    return HighsArrays(
        col_cost=cost,
        col_lower=compiled.col_lower,
        col_upper=compiled.col_upper,
        starts=starts,
        index=index,
        value=value,
        row_lower=row_lower,
        row_upper=row_upper,
        names=list(model.rows),
        flat=compiled.flat,
        objective=objective,
    )


class ArrayHiGHS(pulp.HiGHS):  # type: ignore[misc]
    """``pulp.HiGHS`` that passes the model in one call and reads the results back in bulk."""

    def __init__(self, model: LpModel, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.model = model
        self.build_seconds = 0.0
        self.block_duals: FloatArray | None = None
        self.values: FloatArray | None = None

    def buildSolverModel(self, lp: pulp.LpProblem) -> None:
        start = time.perf_counter()
        arrays = highs_arrays(self.model)
        self.compiled = _compiled(self.model)
        lp.solverModel.passModel(arrays.highs_lp())
        self.build_seconds = time.perf_counter() - start

    def findSolutionValues(self, lp: pulp.LpProblem) -> tuple[int, int]:
        highs = lp.solverModel
        status = highs.getModelStatus()
        solution = highs.getSolution()
        compiled = self.compiled
        col_value = np.asarray(solution.col_value, dtype=np.float64)
        col_dual = np.asarray(solution.col_dual, dtype=np.float64)
        for var, x, dj in zip(compiled.columns, col_value.tolist(), col_dual.tolist(), strict=True):
            var.varValue = x
            var.dj = dj
        row_value = np.asarray(solution.row_value, dtype=np.float64)
        row_dual = np.asarray(solution.row_dual, dtype=np.float64)
        count = len(compiled.constraints)
        for constraint, activity, pi in zip(
            compiled.constraints, row_value[:count].tolist(), row_dual[:count].tolist(), strict=True
        ):
            constraint.slack = constraint.constant + activity
            if constraint.sense == pulp.LpConstraintLE:
                constraint.slack *= -1.0
            constraint.pi = pi
        self.block_duals = row_dual[count:]
        self.values = col_value[compiled.flat] if len(compiled.flat) else col_value[:0]
        stopped = status in (
            highspy.HighsModelStatus.kTimeLimit,
            highspy.HighsModelStatus.kIterationLimit,
        )
        if stopped and highs.getObjectiveValue() == float(highspy.kHighsInf):
            return _NOT_SOLVED
        return _HIGHS_STATUS.get(status, _NOT_SOLVED)

    def actualSolve(self, lp: pulp.LpProblem) -> int:
        self.createAndConfigureSolver(lp)
        self.buildSolverModel(lp)
        self.callSolver(lp)
        status, sol_status = self.findSolutionValues(lp)
        lp.assignStatus(status, sol_status)
        return int(status)


@dataclass(frozen=True)
class LevelOutcome:
    """One level solved by :class:`LevelSolver`: the ``z`` reached, unit values and dual weights.

    ``weights[u]`` is ``|dual(above_u)| + |dual(below_u)|`` for a free unit (0 for a pinned one):
    non-zero means the unit's deviation row is tight in every optimum of the level.
    """

    outcome: LpOutcome
    z: float
    values: FloatArray
    """The solution of ``LpModel.flat`` (cells r-major, then ``z``)."""
    units: FloatArray
    """Each unit's value ``v_u``."""
    weights: FloatArray
    seconds: float
    iterations: int


class LevelSolver:
    """One HiGHS model kept across the levels of a lexicographic stage, warm-started level to level.

    Columns are the PuLP model's, in ``ArrayHiGHS``' order. Rows: the PuLP rows, then for every
    unit ``u`` "above" ``v_u - t_u z <= t_u`` and "below" ``v_u + t_u z >= t_u`` while it is free;
    pinning it to ``[lo, hi]`` sets z's coefficient in both rows to 0 and their bounds to
    ``v_u <= hi`` and ``v_u >= lo`` (the rows of ``add_minmax_objective``, in another order).
    Between levels only those coefficients and bounds change, so HiGHS restarts the dual simplex
    from the previous optimal basis instead of from scratch.

    When every unit is a single column (the cell stage), :meth:`compact` takes the columns of
    units pinned for good out of the model once they are half of it: their values become
    constants in the rule rows' bounds, and the smaller model is solved cold once, then warm
    again. The LP is the same (a pinned unit's column has no freedom but its pin's width).
    """

    def __init__(self, model: LpModel, units: UnitRows) -> None:
        _swallow_banner()
        compiled = _compiled(model)
        n = len(units.targets)
        self.n = n
        self.num_col = len(compiled.columns)
        self.col_lower = compiled.col_lower
        self.col_upper = compiled.col_upper
        self.rule = (
            compiled.starts,
            compiled.index,
            compiled.value,
            compiled.row_lower,
            compiled.row_upper,
        )
        self.z_column = int(compiled.flat[len(model.flat) - 1])
        self.flat = compiled.flat
        self.targets = units.targets
        lengths = np.diff(units.starts)
        self.unit_lengths = lengths
        self.unit_starts = units.starts
        self.unit_owner = np.repeat(np.arange(n), lengths)
        self.unit_columns = compiled.flat[units.columns]
        self.unit_coefficients = units.values
        self.single = bool((lengths == 1).all() and (units.values == 1.0).all())
        self.fixed = np.full(self.num_col, np.nan)
        """Values of the columns taken out of the model by :meth:`compact` (NaN: in it)."""
        self.state: list[tuple[float, float] | None] = [None] * n
        self.held: set[int] = set()
        """Units in the model that are pinned now."""
        self.last = np.full(self.num_col, np.nan)
        """The columns' values in the last optimum found."""
        self._build()

    def _build(self) -> None:
        """Pass HiGHS the model over the columns still in it, with every unit in its state."""
        inf = highspy.kHighsInf
        kept = np.isnan(self.fixed)
        local = np.full(self.num_col, -1, dtype=np.int64)
        local[kept] = np.arange(int(kept.sum()))
        self.kept = kept
        self.local = local
        # Rule rows: entries on removed columns become constants in the bounds.
        starts, index, value, row_lower, row_upper = self.rule
        row_of_entry = np.repeat(np.arange(len(row_lower)), np.diff(starts))
        on = kept[index]
        constant = np.bincount(
            row_of_entry[~on],
            weights=value[~on] * self.fixed[index[~on]],
            minlength=len(row_lower),
        )
        count = np.bincount(row_of_entry[on], minlength=len(row_lower))
        rows = count > 0
        r_starts = np.zeros(int(rows.sum()) + 1, dtype=np.int64)
        np.cumsum(count[rows], out=r_starts[1:])
        r_index = local[index[on & rows[row_of_entry]]]
        r_value = value[on & rows[row_of_entry]]
        r_lower = (row_lower - constant)[rows]
        r_upper = (row_upper - constant)[rows]
        self.rule_rows = int(rows.sum())
        self.rule_ids = np.flatnonzero(rows)
        """The original rule row of each rule row in the model."""
        # Deviation rows of the units still in the model: row 2k above, 2k + 1 below.
        active = np.array(
            [u for u in range(self.n) if kept[self.unit_columns[self.unit_starts[u]]]],
            dtype=np.int64,
        )
        self.active = active
        self.row_of = np.full(self.n, -1, dtype=np.int64)
        self.row_of[active] = self.rule_rows + 2 * np.arange(len(active))
        self.held = {u for u in active.tolist() if self.state[u] is not None}
        lengths = self.unit_lengths[active]
        row_unit = np.repeat(active, 2)
        entries = np.repeat(lengths, 2)
        d_starts = np.zeros(2 * len(active) + 1, dtype=np.int64)
        np.cumsum(entries + 1, out=d_starts[1:])
        owner = np.repeat(np.arange(2 * len(active)), entries)
        within = np.arange(int(entries.sum())) - np.repeat(np.cumsum(entries) - entries, entries)
        source = self.unit_starts[row_unit][owner] + within
        position = d_starts[:-1][owner] + within
        d_index = np.empty(int(d_starts[-1]), dtype=np.int64)
        d_value = np.empty(int(d_starts[-1]), dtype=np.float64)
        d_index[position] = local[self.unit_columns[source]]
        d_value[position] = self.unit_coefficients[source]
        t = self.targets[active]
        held = np.array([self.state[u] is not None for u in active.tolist()], dtype=bool)
        d_index[d_starts[1:] - 1] = local[self.z_column]
        d_value[d_starts[1:] - 1] = np.stack(
            [np.where(held, 0.0, -t), np.where(held, 0.0, t)], axis=1
        ).ravel()
        pins = np.array(
            [self.state[u] or (0.0, 0.0) for u in active.tolist()], dtype=np.float64
        ).reshape(-1, 2)
        d_lower = np.stack([np.full(len(t), -inf), np.where(held, pins[:, 0], t)], axis=1).ravel()
        d_upper = np.stack([np.where(held, pins[:, 1], t), np.full(len(t), inf)], axis=1).ravel()
        num_col = int(kept.sum())
        num_row = self.rule_rows + 2 * len(active)
        highs_lp = highspy.HighsLp()
        highs_lp.num_col_ = num_col
        highs_lp.num_row_ = num_row
        cost = np.zeros(num_col)
        cost[local[self.z_column]] = 1.0
        highs_lp.col_cost_ = cost
        highs_lp.col_lower_ = self.col_lower[kept]
        highs_lp.col_upper_ = self.col_upper[kept]
        highs_lp.row_lower_ = np.concatenate([r_lower, d_lower])
        highs_lp.row_upper_ = np.concatenate([r_upper, d_upper])
        highs_lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        highs_lp.a_matrix_.num_col_ = num_col
        highs_lp.a_matrix_.num_row_ = num_row
        highs_lp.a_matrix_.start_ = np.concatenate([r_starts, d_starts[1:] + r_starts[-1]])
        highs_lp.a_matrix_.index_ = np.concatenate([r_index, d_index])
        highs_lp.a_matrix_.value_ = np.concatenate([r_value, d_value])
        highs: Any = highspy.Highs()  # type: ignore[no-untyped-call]
        highs.setOptionValue("output_flag", False)
        highs.setOptionValue("threads", 1)
        for key, option in HIGHS_OPTIONS.items():
            highs.setOptionValue(key, option)
        highs.passModel(highs_lp)
        self.highs = highs

    def compact(self, pinned: dict[int, tuple[float, float]], minimum: int = 128) -> bool:
        """Take the columns of units pinned for good out of the model, once they are 1/8 of it.

        Only for single-column units, after a solve; each removed column is fixed at its value
        in the last optimum, and the new model starts from the old optimal basis restricted to
        what is left (HiGHS repairs it where the count of basic variables moved). Returns
        whether the model was rebuilt.
        """
        if not self.single:
            return False
        gone = [u for u in self.active.tolist() if u in pinned]
        if len(gone) < max(minimum, len(self.active) // 8):
            return False
        basis = self.highs.getBasis()
        old_cols = list(basis.col_status)
        old_rows = list(basis.row_status)
        old_local = self.local.copy()
        old_rule = {int(r): k for k, r in enumerate(self.rule_ids.tolist())}
        old_row_of = self.row_of.copy()
        for u in gone:
            # The last optimum's value, inside the pin: it keeps every row as HiGHS left it
            # (the fund row and the region rows are dependent; other values in the pins need
            # not add up to a consistent pair).
            column = self.unit_columns[self.unit_starts[u]]
            self.fixed[column] = self.last[column]
            self.state[u] = pinned[u]
            self.held.discard(u)
        self._build()
        warm = highspy.HighsBasis()
        warm.col_status = [old_cols[int(old_local[j])] for j in np.flatnonzero(self.kept).tolist()]
        rows = [old_rows[old_rule[int(r)]] for r in self.rule_ids.tolist()]
        for u in self.active.tolist():
            rows += [old_rows[int(old_row_of[u])], old_rows[int(old_row_of[u]) + 1]]
        warm.row_status = rows
        basic = highspy.HighsBasisStatus.kBasic
        count = sum(x == basic for x in warm.col_status) + sum(x == basic for x in rows)
        warm.valid = True
        warm.alien = count != len(rows)  # HiGHS repairs a basis with too many or few basics
        self.highs.setBasis(warm)
        return True

    def pin(self, pinned: dict[int, tuple[float, float]]) -> None:
        """Bring every unit to the state given: pinned to its interval, or free (not in ``pinned``).

        A pinned unit's rows keep their place and their basis status: only z's coefficient
        (to 0) and the bounds change, so the last optimum stays a feasible basic solution.
        Units already taken out of the model (:meth:`compact`) stay pinned.
        """
        inf = highspy.kHighsInf
        z_local = int(self.local[self.z_column])
        rows: list[int] = []
        lower: list[float] = []
        upper: list[float] = []
        # Only units pinned now or wanted pinned can change (the others stay free).
        in_model = self.row_of >= 0
        changing = {u for u in pinned if in_model[u]} | self.held
        for u in sorted(changing):
            want = pinned.get(u)
            have = self.state[u]
            if want == have:
                continue
            if want is None:
                self.held.discard(u)
            else:
                self.held.add(u)
            row = int(self.row_of[u])
            t = float(self.targets[u])
            if (want is None) != (have is None):
                self.highs.changeCoeff(row, z_local, -t if want is None else 0.0)
                self.highs.changeCoeff(row + 1, z_local, t if want is None else 0.0)
            rows += [row, row + 1]
            lower += [-inf, t if want is None else want[0]]
            upper += [t if want is None else want[1], inf]
            self.state[u] = want
        if rows:
            self.highs.changeRowsBounds(
                len(rows),
                np.array(rows, dtype=np.int32),
                np.array(lower, dtype=np.float64),
                np.array(upper, dtype=np.float64),
            )

    def solve(self, time_limit: float | None = None) -> LevelOutcome:
        """Solve the current level from the last basis."""
        highs = self.highs
        highs.setOptionValue(
            "time_limit", float("inf") if time_limit is None else max(time_limit, 0.001)
        )
        start = time.perf_counter()
        highs.run()
        seconds = time.perf_counter() - start
        status = highs.getModelStatus()
        pulp_status = _HIGHS_STATUS.get(status, _NOT_SOLVED)
        outcome = STATUS_TABLE.get(pulp_status, LpOutcome.UNKNOWN)
        iterations = int(highs.getInfo().simplex_iteration_count)
        empty = np.zeros(0)
        if outcome is not LpOutcome.OPTIMAL:
            return LevelOutcome(outcome, float("nan"), empty, empty, empty, seconds, iterations)
        solution = highs.getSolution()
        col_value = self.fixed.copy()
        col_value[self.kept] = np.asarray(solution.col_value, dtype=np.float64)
        self.last = col_value
        row_dual = np.asarray(solution.row_dual, dtype=np.float64)[self.rule_rows :]
        units = np.bincount(
            self.unit_owner,
            weights=col_value[self.unit_columns] * self.unit_coefficients,
            minlength=self.n,
        ).astype(np.float64)
        weights = np.zeros(self.n)
        free = np.array([self.state[u] is None for u in self.active.tolist()], dtype=bool)
        weights[self.active] = np.where(free, np.abs(row_dual[0::2]) + np.abs(row_dual[1::2]), 0.0)
        return LevelOutcome(
            outcome,
            float(col_value[self.z_column]),
            col_value[self.flat],
            units,
            weights,
            seconds,
            iterations,
        )


@functools.cache
def solver_version() -> str:
    """Version string of the HiGHS binding and PuLP, for the audit trail."""
    parts = []
    for package in ("highspy", "pulp"):
        try:
            parts.append(f"{package} {version(package)}")
        except PackageNotFoundError:  # pragma: no cover - both are dependencies
            parts.append(f"{package} ?")
    return ", ".join(parts)


def solve(model: LpModel, time_limit: float | None = None) -> LpResult:
    """Solve the model with HiGHS; values are written back into the PuLP variables.

    Parameters
    ----------
    model
        The LP to solve.
    time_limit
        Seconds for this solve; ``None`` for no limit.

    Returns
    -------
    LpResult
        The typed outcome; never raises for infeasible or unbounded models.
    """
    _swallow_banner()
    solver = ArrayHiGHS(
        model,
        msg=False,
        threads=1,
        timeLimit=None if time_limit is None else max(time_limit, 0.001),
        **HIGHS_OPTIONS,
    )
    start = time.perf_counter()
    model.problem.solve(solver)
    seconds = time.perf_counter() - start
    outcome = STATUS_TABLE.get((model.problem.status, model.problem.sol_status), LpOutcome.UNKNOWN)
    if outcome is not LpOutcome.OPTIMAL:
        return LpResult(outcome, float("nan"), {}, seconds, solver.build_seconds)
    duals = {name: float(c.pi or 0.0) for name, c in model.rows.items()}
    objective = float(pulp.value(model.problem.objective) or 0.0)
    return LpResult(
        outcome,
        objective,
        duals,
        seconds,
        solver.build_seconds,
        solver.block_duals,
        solver.values,
    )


def solve_arrays(lp: HighsArrays, time_limit: float | None = None) -> LpResult:
    """Solve an LP given as arrays (``min z``), exactly as :func:`solve` solves the same LP.

    The HiGHS object is configured as ``pulp.HiGHS`` configures it (same options, same order),
    given the same ``HighsLp`` and read back the same way: an LP passed here that equals what
    :func:`highs_arrays` gives for a PuLP model returns the same values and duals, bit for bit.
    """
    if lp.objective < 0:
        raise ValueError("solve_arrays needs an objective min z on one column")
    _swallow_banner()
    start = time.perf_counter()
    highs: Any = highspy.Highs()  # type: ignore[no-untyped-call]
    highs.setOptionValue("output_flag", False)
    highs.setOptionValue("threads", 1)
    if time_limit is not None:
        highs.setOptionValue("time_limit", float(max(time_limit, 0.001)))
    for key, option in HIGHS_OPTIONS.items():
        highs.setOptionValue(key, option)
    highs.passModel(lp.highs_lp())
    build_seconds = time.perf_counter() - start
    highs.run()
    status = highs.getModelStatus()
    pulp_status = _HIGHS_STATUS.get(status, _NOT_SOLVED)
    stopped = status in (
        highspy.HighsModelStatus.kTimeLimit,
        highspy.HighsModelStatus.kIterationLimit,
    )
    if stopped and highs.getObjectiveValue() == float(highspy.kHighsInf):
        pulp_status = _NOT_SOLVED
    outcome = STATUS_TABLE.get(pulp_status, LpOutcome.UNKNOWN)
    if outcome is not LpOutcome.OPTIMAL:
        return LpResult(outcome, float("nan"), {}, time.perf_counter() - start, build_seconds)
    solution = highs.getSolution()
    col_value = np.asarray(solution.col_value, dtype=np.float64)
    row_dual = np.asarray(solution.row_dual, dtype=np.float64)
    count = len(lp.names)
    # As ``solve`` reads them: ``float(pi or 0.0)`` per named row, ``0 + z * 1`` for min z.
    duals = {
        name: float(pi or 0.0) for name, pi in zip(lp.names, row_dual[:count].tolist(), strict=True)
    }
    objective = float((0 + float(col_value[lp.objective]) * 1) or 0.0)
    seconds = time.perf_counter() - start
    return LpResult(
        outcome,
        objective,
        duals,
        seconds,
        build_seconds,
        row_dual[count:],
        col_value[lp.flat] if len(lp.flat) else col_value[:0],
    )


def solve_integer(
    problem: pulp.LpProblem, time_limit: float | None = None, **options: float
) -> LpOutcome:
    """Solve a small integer program (the exact rounding fallback) with HiGHS in-process.

    Same fixed options as the LPs (one thread, fixed seed, no output); values are written back
    into the problem's variables. A MIP that stops at its time limit is not optimal.
    ``options`` are further HiGHS options (``mip_abs_gap=0.0`` for a tie-break below HiGHS'
    default absolute gap).
    """
    _swallow_banner()
    solver = pulp.HiGHS(
        msg=False,
        threads=1,
        timeLimit=None if time_limit is None else max(time_limit, 0.001),
        random_seed=0,
        log_to_console=False,
        mip_rel_gap=0.0,
        **options,
    )
    problem.solve(solver)
    return STATUS_TABLE.get((problem.status, problem.sol_status), LpOutcome.UNKNOWN)
