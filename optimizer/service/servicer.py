"""The thin servicer: convert, hand the solve to a worker process, store, convert back."""

from __future__ import annotations

import logging
import platform
import time
from concurrent.futures import CancelledError, Executor, Future
from concurrent.futures import TimeoutError as FutureTimeout
from functools import cache
from importlib import metadata

import grpc

from optimizer import __version__
from optimizer.domain import AllocationPlan, Conflict, Scenario
from optimizer.errors import (
    DeadlineExceededError,
    InfeasibleError,
    Problem,
    ScenarioError,
    SolverError,
)
from optimizer.service import convert
from optimizer.service.auth import CALL_ID, CALLER_ROLE
from optimizer.service.errors import BadRequestError, abort_with
from optimizer.service.worker import (
    DEADLINE_MARGIN,
    Outcome,
    Solve,
    UploadedFiles,
    run_solve,
    unpack,
)
from optimizer.store import MAX_REQUEST_ID, AuditStore, NewRun, RunRecord, RunStatus
from optimizer.v1 import allocation_pb2 as pb
from optimizer.v1 import allocation_pb2_grpc as pb_grpc

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.05
"""How often a waiting call checks whether its caller is still there."""


@cache
def package_versions() -> dict[str, str]:
    """Versions recorded with every run."""
    versions = {"optimizer": __version__, "python": platform.python_version()}
    for dist in ("pulp", "highspy", "grpcio", "protobuf", "sqlalchemy", "pandas", "numpy"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = "absent"
    return versions


class _CallGone(Exception):
    """The caller cancelled or its deadline passed; nobody reads the answer."""


def uploaded_files(request: pb.AllocateRequest | pb.ValidateScenarioRequest) -> UploadedFiles:
    """The uploaded scenario files of a request, each name once.

    Raises
    ------
    ScenarioError
        A file name is given twice.
    """
    files: dict[str, bytes] = {}
    for i, f in enumerate(request.files.files):
        if f.name in files:
            problem = Problem(
                location=f"files.files[{i}].name",
                message=f"file {f.name!r} is given twice; send each file once",
                field=f"files.files[{i}].name",
            )
            raise ScenarioError([problem])
        files[f.name] = f.content
    return UploadedFiles(files, request.files.main or "scenario.yaml")


def load_source(request: pb.AllocateRequest | pb.ValidateScenarioRequest) -> Scenario:
    """The domain scenario of a request, from structured messages or uploaded files.

    Raises
    ------
    ScenarioError
        No scenario, or every located problem of the structured scenario or of the files.
    """
    source = request.WhichOneof("source")
    if source == "scenario":
        return convert.scenario_from_proto(request.scenario)
    if source == "files":
        from optimizer.io import load_scenario_files

        uploaded = uploaded_files(request)
        return load_scenario_files(uploaded.files, main=uploaded.main)
    problem = Problem(
        location="source",
        message="give the scenario either as 'scenario' (messages) or as 'files'",
        field="source",
    )
    raise ScenarioError([problem])


class AllocationServicer(pb_grpc.AllocationServiceServicer):
    """Implements ``optimizer.v1.AllocationService`` over ``allocate()`` and the audit store.

    Parameters
    ----------
    store
        The audit store.
    pool
        Executor of worker processes that run ``solve``.
    solve
        The engine's entry point (``optimizer.pipeline.allocate``); picklable by reference.
    """

    def __init__(self, store: AuditStore, pool: Executor, solve: Solve) -> None:
        self.store = store
        self.pool = pool
        self.solve = solve

    # -- Allocate ---------------------------------------------------------------------------

    def Allocate(  # gRPC method names are CamelCase
        self, request: pb.AllocateRequest, context: grpc.ServicerContext
    ) -> pb.AllocateResponse:
        """Solve a scenario in a worker, store the run, reply with the plan."""
        try:
            return self._allocate(request, context)
        except _CallGone:
            logger.info("call id=%s gone before its plan was ready", CALL_ID.get())
            return pb.AllocateResponse()
        except Exception as err:  # mapped by the status table
            abort_with(context, err)

    def _allocate(
        self, request: pb.AllocateRequest, context: grpc.ServicerContext
    ) -> pb.AllocateResponse:
        received = time.perf_counter()
        if len(request.request_id) > MAX_REQUEST_ID:
            message = f"at most {MAX_REQUEST_ID} characters"
            raise BadRequestError("request_id", message)
        # Uploaded files are read in the worker (pandas costs milliseconds the server process,
        # which serves every call, should not spend); a structured scenario is converted here.
        source: Scenario | UploadedFiles
        if request.WhichOneof("source") == "files":
            source = uploaded_files(request)
        else:
            source = load_source(request)
        options = convert.options_from_request(request)
        if request.request_id:
            earlier = self.store.find_by_request_id(request.request_id)
            if earlier is not None:
                given = source if isinstance(source, Scenario) else load_source(request)
                # Same key: replay (same input) or ALREADY_EXISTS (other input), never solve.
                record, _ = self.store.record(
                    NewRun(
                        scenario=given,
                        options=options,
                        status=earlier.status,
                        request_id=request.request_id,
                    )
                )
                return self._reply(record, replayed=True)
        remaining = context.time_remaining()
        deadline = None if remaining is None else time.time() + remaining
        if remaining is not None and remaining <= DEADLINE_MARGIN:
            message = "the deadline is too short to solve; allow at least one second"
            raise DeadlineExceededError(message)
        submitted = time.time()
        future = self.pool.submit(run_solve, self.solve, source, options, deadline)
        outcome = self._wait(future, context)
        timings = {
            "queue_seconds": round(max(outcome.started - submitted, 0.0), 6),
            "solve_seconds": round(outcome.finished - outcome.started, 6),
        }
        status, plan, error = RunStatus.OPTIMAL, None, ""
        conflicts: tuple[Conflict, ...] = ()
        failure: Exception | None = None
        if outcome.scenario is None:
            unpack(outcome)  # the files could not be read: nothing to audit
        scenario = outcome.scenario
        assert scenario is not None
        try:
            plan = unpack(outcome)
        except ScenarioError:
            raise  # bad input never reached the solver: nothing to audit
        except InfeasibleError as err:
            status, conflicts, error = RunStatus.INFEASIBLE, err.conflicts, err.summary
            failure = err
        except DeadlineExceededError as err:
            status, error, failure = RunStatus.DEADLINE_EXCEEDED, str(err), err
        except SolverError as err:
            status, error, failure = RunStatus.SOLVER_FAILURE, str(err), err
        except Exception as err:  # a worker crash is a solver failure to audit
            status, error, failure = RunStatus.SOLVER_FAILURE, "internal error", err
        timings["total_seconds"] = round(time.perf_counter() - received, 6)
        # Only deterministic outcomes keep the request_id: a retry after a timeout must solve.
        keep_key = status in (RunStatus.OPTIMAL, RunStatus.INFEASIBLE)
        record, replayed = self.store.record(
            NewRun(
                scenario=scenario,
                options=options,
                status=status,
                plan=plan,
                conflicts=tuple(conflicts),
                error=error,
                request_id=request.request_id if keep_key else "",
                caller_role=CALLER_ROLE.get(),
                versions=package_versions(),
                timings=timings,
                input_json=outcome.input_json,
                result_json=outcome.result_json,
            )
        )
        if failure is not None:
            logger.info("call id=%s run %s stored as %s", CALL_ID.get(), record.run_id, status)
            raise failure
        # A fresh run replies from the plan in hand (already committed to the store) instead of
        # rebuilding it from the stored JSON; a replayed one replies with the stored plan.
        return self._reply(record, replayed=replayed, plan=None if replayed else plan)

    @staticmethod
    def _reply(
        record: RunRecord, *, replayed: bool, plan: AllocationPlan | None = None
    ) -> pb.AllocateResponse:
        """The reply for a stored run; an infeasible one answers as it did the first time."""
        if record.status is RunStatus.INFEASIBLE:
            raise InfeasibleError(record.error(), record.conflicts())
        allocation = convert.record_to_proto(record, plan)
        return pb.AllocateResponse(allocation=allocation, replayed=replayed)

    @staticmethod
    def _wait(future: Future[Outcome], context: grpc.ServicerContext) -> Outcome:
        """The worker's outcome; gives up (and un-queues the job) when the caller is gone."""
        while True:
            try:
                return future.result(timeout=POLL_SECONDS)
            except FutureTimeout:
                if not context.is_active():
                    future.cancel()  # frees the queue slot; a running solve stops at its limit
                    raise _CallGone from None
            except CancelledError:
                raise _CallGone from None

    # -- ValidateScenario ---------------------------------------------------------------------

    def ValidateScenario(  # gRPC method names are CamelCase
        self, request: pb.ValidateScenarioRequest, context: grpc.ServicerContext
    ) -> pb.ValidateScenarioResponse:
        """Every located problem of a scenario; never solves."""
        try:
            try:
                scenario = load_source(request)
            except ScenarioError as err:
                return _validation(err.problems, None)
            from optimizer.checks import check_scenario

            return _validation(check_scenario(scenario), scenario)
        except Exception as err:  # mapped by the status table
            abort_with(context, err)

    # -- reads ----------------------------------------------------------------------------

    def GetAllocation(  # gRPC method names are CamelCase
        self, request: pb.GetAllocationRequest, context: grpc.ServicerContext
    ) -> pb.GetAllocationResponse:
        """One stored run by id."""
        try:
            if not request.run_id:
                raise BadRequestError("run_id", "give the run id returned by Allocate")
            record = self.store.get(request.run_id)
            return pb.GetAllocationResponse(allocation=convert.record_to_proto(record))
        except Exception as err:  # mapped by the status table
            abort_with(context, err)

    def ListAllocations(  # gRPC method names are CamelCase
        self, request: pb.ListAllocationsRequest, context: grpc.ServicerContext
    ) -> pb.ListAllocationsResponse:
        """Stored runs, newest first, one page."""
        try:
            try:
                records, token = self.store.list(
                    page_size=request.page_size,
                    page_token=request.page_token,
                    fiscal_year=request.fiscal_year,
                )
            except ValueError as err:
                field = "page_size" if request.page_size < 0 else "page_token"
                raise BadRequestError(field, str(err)) from err
            return pb.ListAllocationsResponse(
                allocations=[convert.summary_to_proto(r) for r in records],
                next_page_token=token,
            )
        except Exception as err:  # mapped by the status table
            abort_with(context, err)

    def CompareAllocations(  # gRPC method names are CamelCase
        self, request: pb.CompareAllocationsRequest, context: grpc.ServicerContext
    ) -> pb.CompareAllocationsResponse:
        """Two stored runs, region by region and axis by axis."""
        try:
            for field in ("base_run_id", "other_run_id"):
                if not getattr(request, field):
                    raise BadRequestError(field, "give a run id returned by Allocate")
            base = self.store.get(request.base_run_id)
            other = self.store.get(request.other_run_id)
            return convert.compare_to_proto(base, other)
        except Exception as err:  # mapped by the status table
            abort_with(context, err)


def _validation(
    problems: tuple[Problem, ...] | list[Problem], scenario: Scenario | None
) -> pb.ValidateScenarioResponse:
    ordered = sorted(problems, key=lambda p: p.severity != "error")
    out = pb.ValidateScenarioResponse(
        valid=not any(p.severity == "error" for p in problems),
        problems=[convert.problem_to_proto(p) for p in ordered],
    )
    if scenario is not None:
        out.scenario = scenario.name
        out.fund.CopyFrom(convert.fund_to_proto(scenario.fund))
        out.region_count = len(scenario.regions)
        out.axis_count = len(scenario.axes)
    return out
