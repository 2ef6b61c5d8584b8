"""What runs inside the solver worker processes: reading, checking and solving a request.

Every step whose cost depends on the request (parsing uploaded files, converting a structured
scenario, checking it, solving) runs here, under the call's deadline, so that the server's
request threads only route calls and the server can end a worker that runs too long.

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

from optimizer.domain import AllocateOptions, AllocationPlan, Language, Scenario
from optimizer.errors import (
    DeadlineExceededError,
    InfeasibleError,
    Problem,
    ScenarioError,
    SolverError,
)
from optimizer.service.errors import shorten
from optimizer.store import (
    MAX_SCENARIO_NAME,
    InvalidFieldError,
    canonical_input,
    check_text,
    result_text,
)
from optimizer.v1 import allocation_pb2 as pb

logger = logging.getLogger(__name__)

Solve = Callable[[Scenario, AllocateOptions], AllocationPlan]

DEADLINE_MARGIN = 0.25
"""Seconds kept back from the caller's deadline to store the run and send the reply."""


@dataclass(frozen=True)
class Outcome:
    """A worker's answer: ``kind`` is ok, scenario, infeasible, deadline, solver or internal.

    ``scenario`` and ``options`` are what the worker read from the request (the uploaded files
    are parsed there, never in the server's request threads), and ``input_json`` /
    ``result_json`` are the texts the audit store keeps: computed in the worker so that the
    server process, which serves every call, does less per call.
    """

    kind: str
    payload: Any
    started: float
    finished: float
    scenario: Scenario | None = None
    input_json: str = ""
    result_json: str = ""
    options: AllocateOptions | None = None


@dataclass(frozen=True)
class UploadedFiles:
    """Scenario files of a request (name -> bytes)."""

    files: dict[str, bytes]
    main: str = "scenario.yaml"


MAX_NAME_IN_MESSAGE = 120
"""Characters of an uploaded file name repeated in a message at most."""


def uploaded_files(request: pb.AllocateRequest | pb.ValidateScenarioRequest) -> UploadedFiles:
    """The uploaded scenario files of a request, each under one safe relative name.

    Raises
    ------
    ScenarioError
        Every name that is absolute, empty, climbs out of the scenario folder
        (``../../etc/passwd``) or is given twice, each located by its index.
    """
    from optimizer.io.files import FileProblem, normalise_name

    files: dict[str, bytes] = {}
    problems: list[Problem] = []
    for i, f in enumerate(request.files.files):
        where = f"files.files[{i}].name"
        shown = shorten(f.name, MAX_NAME_IN_MESSAGE)
        try:
            name = normalise_name(f.name.replace("\x00", "\ufffd"))
        except FileProblem:
            message = (
                f"file name {shown!r} is absolute, empty or leaves the scenario folder: "
                "name each file relative to the folder of the scenario YAML, without '..'"
            )
            problems.append(Problem(location=where, message=message, field=where))
            continue
        if "\x00" in f.name:
            message = f"file name {shown!r} contains a NUL character (\\x00); remove it"
            problems.append(Problem(location=where, message=message, field=where))
        elif name in files:
            message = f"file {shown!r} is given twice; send each file once"
            problems.append(Problem(location=where, message=message, field=where))
        files[name] = f.content
    if problems:
        raise ScenarioError(problems)
    return UploadedFiles(files, request.files.main or "scenario.yaml")


def load_request(request: pb.AllocateRequest | pb.ValidateScenarioRequest) -> Scenario:
    """The domain scenario of a request, from structured messages or uploaded files.

    Raises
    ------
    ScenarioError
        No scenario, or every located problem of the structured scenario or of the files.
    """
    from optimizer.service import convert

    source = request.WhichOneof("source")
    if source == "scenario":
        scenario = convert.scenario_from_proto(request.scenario)
    elif source == "files":
        from optimizer.io import load_scenario_files

        uploaded = uploaded_files(request)
        scenario = load_scenario_files(uploaded.files, main=uploaded.main)
    else:
        problem = Problem(
            location="source",
            message="give the scenario either as 'scenario' (messages) or as 'files'",
            field="source",
        )
        raise ScenarioError([problem])
    try:
        check_text("name", scenario.name, MAX_SCENARIO_NAME)
    except InvalidFieldError as err:
        location = "scenario.name" if source == "scenario" else "scenario name"
        problem = Problem(location, f"the scenario name {err.description}", "name")
        raise ScenarioError([problem]) from None
    return scenario


def warm_up() -> None:
    """Worker initializer: import the engine once per process, not on the first call."""
    # The imports are the point: the first call must not pay for them.
    import optimizer.io
    import optimizer.pipeline
    import optimizer.service.convert  # noqa: F401


def run_allocate(solve: Solve, request: pb.AllocateRequest, deadline: float | None) -> Outcome:
    """Read and solve a request in a worker process within the caller's deadline.

    ``deadline`` is ``time.time()`` seconds. The time limit is computed here, after the
    scenario is read, so the time spent waiting in the queue and reading is not given to the
    solver twice.
    """
    from optimizer.service import convert

    started = time.time()
    scenario: Scenario | None = None
    try:
        scenario = load_request(request)
        options = convert.options_from_request(request)
    except ScenarioError as err:
        language = convert.LANGUAGES.get(request.language, Language.ES)
        problems = (err.problems, language)
        return Outcome("scenario", problems, started, time.time(), scenario)
    if deadline is not None:
        remaining = deadline - time.time() - DEADLINE_MARGIN
        if remaining <= 0:
            message = "the deadline passed before the scenario could be solved"
            return Outcome("deadline", message, started, time.time(), scenario, options=options)
        limit = remaining if options.time_limit is None else min(remaining, options.time_limit)
        options = dataclasses.replace(options, time_limit=limit)
    try:
        plan = solve(scenario, options)
        input_json = canonical_input(scenario, options)
        result_json = result_text(plan)
    except ScenarioError as err:
        problems = (err.problems, options.language)
        return Outcome("scenario", problems, started, time.time(), scenario)
    except InfeasibleError as err:
        payload = (err.summary, err.conflicts)
        return Outcome("infeasible", payload, started, time.time(), scenario, options=options)
    except DeadlineExceededError as err:
        return Outcome("deadline", str(err), started, time.time(), scenario, options=options)
    except SolverError as err:
        return Outcome("solver", str(err), started, time.time(), scenario, options=options)
    except MemoryError:  # the pool answers it (RESOURCE_EXHAUSTED) and replaces this process
        raise
    except Exception:  # reported to the server, which logs it and says INTERNAL
        text = traceback.format_exc()
        return Outcome("internal", text, started, time.time(), scenario, options=options)
    return Outcome(
        "ok", plan, started, time.time(), scenario, input_json, result_json, options=options
    )


def run_input(request: pb.AllocateRequest) -> Outcome:
    """Read a request in a worker and return its canonical input (to compare with a stored run)."""
    from optimizer.service import convert

    started = time.time()
    try:
        scenario = load_request(request)
        options = convert.options_from_request(request)
    except ScenarioError as err:
        language = convert.LANGUAGES.get(request.language, Language.ES)
        return Outcome("scenario", (err.problems, language), started, time.time())
    input_json = canonical_input(scenario, options)
    return Outcome("ok", None, started, time.time(), scenario, input_json, options=options)


def run_validate(request: pb.ValidateScenarioRequest) -> pb.ValidateScenarioResponse:
    """Every located problem of a scenario, found in a worker; never solves."""
    from optimizer.checks import check_scenario
    from optimizer.service import convert

    # In the request's language; not set: Spanish, as Allocate (docs/service.md).
    language = convert.LANGUAGES.get(request.language, Language.ES)
    try:
        scenario = load_request(request)
    except ScenarioError as err:
        return _validation(err.problems, None, language)
    return _validation(check_scenario(scenario), scenario, language)


def _validation(
    problems: tuple[Problem, ...] | list[Problem], scenario: Scenario | None, language: Language
) -> pb.ValidateScenarioResponse:
    from optimizer.i18n import texts
    from optimizer.service import convert

    t = texts(language)
    ordered = sorted(problems, key=lambda p: p.severity != "error")
    out = pb.ValidateScenarioResponse(
        valid=not any(p.severity == "error" for p in problems),
        problems=[convert.problem_to_proto(p, t) for p in ordered],
    )
    if scenario is not None:
        out.scenario = scenario.name
        out.fund.CopyFrom(convert.fund_to_proto(scenario.fund))
        out.region_count = len(scenario.regions)
        out.axis_count = len(scenario.axes)
        convert.validation_parts_into_proto(scenario, out)
    return out


class WorkerCrashError(Exception):
    """The solve failed in an unexpected way inside the worker (traceback attached)."""


def unpack(outcome: Outcome) -> AllocationPlan:
    """The plan of an outcome, or the exception the worker caught, raised again."""
    if outcome.kind == "ok":
        plan: AllocationPlan = outcome.payload
        return plan
    if outcome.kind == "scenario":
        problems, language = outcome.payload
        raise ScenarioError(problems, language)
    if outcome.kind == "infeasible":
        summary, conflicts = outcome.payload
        language = outcome.options.language if outcome.options else Language.ES
        raise InfeasibleError(summary, conflicts, language)
    if outcome.kind == "deadline":
        raise DeadlineExceededError(outcome.payload)
    if outcome.kind == "solver":
        raise SolverError(outcome.payload)
    raise WorkerCrashError(outcome.payload)
