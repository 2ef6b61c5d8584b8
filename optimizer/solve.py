"""The only module that touches the solver: HiGHS in-process through ``pulp.HiGHS``.

One solver object per solve, one thread, fixed options, no messages, no files. The outcome is
typed data; PuLP's ``status`` and ``sol_status`` are read together through one table, and any
combination not in the table is a solver failure, never "optimal" (a HiGHS time-limit stop is
reported by PuLP as status Optimal with sol_status IntegerFeasible).
"""

from __future__ import annotations

import os
import sys
import threading
import time
from dataclasses import dataclass
from enum import StrEnum
from importlib.metadata import PackageNotFoundError, version

import highspy
import pulp

from optimizer.model import LpModel


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
    """Outcome of one LP solve: status, objective and the row duals by constraint name."""

    outcome: LpOutcome
    objective: float
    duals: dict[str, float]
    seconds: float


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
    solver = pulp.HiGHS(
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
        return LpResult(outcome, float("nan"), {}, seconds)
    duals = {name: float(c.pi or 0.0) for name, c in model.rows.items()}
    objective = float(pulp.value(model.problem.objective) or 0.0)
    return LpResult(outcome, objective, duals, seconds)
