"""What runs inside the solver worker processes.

The engine's exceptions carry structured data (problems, conflicts) that ordinary exception
pickling loses, so a worker returns an :class:`Outcome` (plain picklable data) and the server
turns it back into the exception with :func:`unpack`.
"""

from __future__ import annotations

import dataclasses
import logging
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from optimizer.domain import AllocateOptions, AllocationPlan, Scenario
from optimizer.errors import (
    DeadlineExceededError,
    InfeasibleError,
    ScenarioError,
    SolverError,
)
from optimizer.store import canonical_input, result_text

logger = logging.getLogger(__name__)

Solve = Callable[[Scenario, AllocateOptions], AllocationPlan]

DEADLINE_MARGIN = 0.25
"""Seconds kept back from the caller's deadline to store the run and send the reply."""


@dataclass(frozen=True)
class Outcome:
    """A worker's answer: ``kind`` is ok, scenario, infeasible, deadline, solver or internal.

    ``scenario`` is the scenario the worker solved (read from the uploaded files there), and
    for a plan ``input_json`` / ``result_json`` are the texts the audit store keeps: computed in
    the worker so that the server process, which serves every call, does less per call.
    """

    kind: str
    payload: Any
    started: float
    finished: float
    scenario: Scenario | None = None
    input_json: str = ""
    result_json: str = ""


@dataclass(frozen=True)
class UploadedFiles:
    """Scenario files of a request (name -> bytes), read in the worker."""

    files: dict[str, bytes]
    main: str = "scenario.yaml"


def warm_up() -> None:
    """Worker initializer: import the engine once per process, not on the first call."""
    import optimizer.pipeline  # noqa: F401 - the import is the point


def run_solve(
    solve: Solve,
    source: Scenario | UploadedFiles,
    options: AllocateOptions,
    deadline: float | None,
) -> Outcome:
    """Solve in a worker process within the caller's deadline (``time.time()`` seconds).

    The time limit is computed here, when the worker picks the job up, so the time spent
    waiting in the queue is not given to the solver twice.
    """
    started = time.time()
    if deadline is not None:
        remaining = deadline - started - DEADLINE_MARGIN
        if remaining <= 0:
            return Outcome(
                "deadline", "the deadline passed before a worker was free", started, time.time()
            )
        limit = remaining if options.time_limit is None else min(remaining, options.time_limit)
        options = dataclasses.replace(options, time_limit=limit)
    scenario: Scenario | None = source if isinstance(source, Scenario) else None
    try:
        if isinstance(source, UploadedFiles):
            from optimizer.io import load_scenario_files

            scenario = load_scenario_files(source.files, main=source.main)
        assert scenario is not None
        plan = solve(scenario, options)
        input_json = canonical_input(scenario, options)
        result_json = result_text(plan)
    except ScenarioError as err:
        return Outcome("scenario", err.problems, started, time.time(), scenario)
    except InfeasibleError as err:
        payload = (err.summary, err.conflicts)
        return Outcome("infeasible", payload, started, time.time(), scenario)
    except DeadlineExceededError as err:
        return Outcome("deadline", str(err), started, time.time(), scenario)
    except SolverError as err:
        return Outcome("solver", str(err), started, time.time(), scenario)
    except Exception:  # reported to the server, which logs it and says INTERNAL
        return Outcome("internal", traceback.format_exc(), started, time.time(), scenario)
    return Outcome("ok", plan, started, time.time(), scenario, input_json, result_json)


class WorkerCrashError(Exception):
    """The solve failed in an unexpected way inside the worker (traceback attached)."""


def unpack(outcome: Outcome) -> AllocationPlan:
    """The plan of an outcome, or the exception the worker caught, raised again."""
    if outcome.kind == "ok":
        plan: AllocationPlan = outcome.payload
        return plan
    if outcome.kind == "scenario":
        raise ScenarioError(outcome.payload)
    if outcome.kind == "infeasible":
        summary, conflicts = outcome.payload
        raise InfeasibleError(summary, conflicts)
    if outcome.kind == "deadline":
        raise DeadlineExceededError(outcome.payload)
    if outcome.kind == "solver":
        raise SolverError(outcome.payload)
    raise WorkerCrashError(outcome.payload)
