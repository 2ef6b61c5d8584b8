"""The thin servicer: convert, hand the solve to a worker process, store, convert back."""

from __future__ import annotations

import logging
import platform
import threading
import time
from collections.abc import Iterator
from functools import cache
from importlib import metadata
from typing import Any

import grpc

from optimizer import __version__
from optimizer.domain import AllocationPlan, Conflict, Language
from optimizer.errors import (
    DeadlineExceededError,
    InfeasibleError,
    SolverError,
)
from optimizer.service import convert
from optimizer.service.auth import CALL_ID, CALLER_NAME, CALLER_ROLE, CALLER_SUBJECT
from optimizer.service.errors import (
    BadRequestError,
    ResourceExhaustedError,
    ShuttingDownError,
    abort_with,
)
from optimizer.service.pool import Job, JobEndedError, WorkerPool
from optimizer.service.worker import (
    DEADLINE_MARGIN,
    Solve,
    WorkerCrashError,
    run_allocate,
    run_input,
    run_validate,
    unpack,
)
from optimizer.store import (
    MAX_REQUEST_ID,
    MAX_RUN_ID,
    AuditStore,
    NewRun,
    RunRecord,
    RunStatus,
    check_replay,
    check_text,
)
from optimizer.v1 import allocation_pb2 as pb
from optimizer.v1 import allocation_pb2_grpc as pb_grpc

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.05
"""How often a waiting call checks whether its caller is still there."""


@cache
def package_versions() -> dict[str, str]:
    """Versions recorded with every run."""
    versions = {"optimizer": __version__, "python": platform.python_version()}
    for dist in ("pulp", "highspy", "grpcio", "protobuf", "sqlalchemy", "numpy"):
        try:
            versions[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            versions[dist] = "absent"
    return versions


class _CallGone(Exception):
    """The caller cancelled or its deadline passed; nobody reads the answer."""


def _deadline(context: grpc.ServicerContext) -> float | None:
    """The call's deadline in ``time.time()`` seconds (None: no deadline).

    Raises
    ------
    DeadlineExceededError
        Too little time is left to read and solve anything.
    """
    remaining = context.time_remaining()
    if remaining is None:
        return None
    if remaining <= DEADLINE_MARGIN:
        message = "the deadline is too short to solve; allow at least one second"
        raise DeadlineExceededError(message)
    return time.time() + remaining


def _check_ids(**fields: str) -> None:
    """Refuse run ids and request ids the store could not hold, before any work is done."""
    for field, value in fields.items():
        limit = MAX_REQUEST_ID if field == "request_id" else MAX_RUN_ID
        check_text(field, value, limit)


class AllocationServicer(pb_grpc.AllocationServiceServicer):
    """Implements ``optimizer.v1.AllocationService`` over ``allocate()`` and the audit store.

    Parameters
    ----------
    store
        The audit store.
    pool
        The worker processes that read, check and solve requests.
    solve
        The engine's entry point (``optimizer.pipeline.allocate``); picklable by reference.
    """

    def __init__(self, store: AuditStore, pool: WorkerPool, solve: Solve) -> None:
        self.store = store
        self.pool = pool
        self.solve = solve
        # request_id -> set when the call solving it has ended: later calls with the same key
        # wait for it instead of solving the same input again.
        self._in_flight: dict[str, threading.Event] = {}
        self._in_flight_lock = threading.Lock()
        self.dask_client: Any | None = None
        """A Dask client (``fsf serve --dask-scheduler``) for Sweep; None: the worker pool."""

    # -- Allocate ---------------------------------------------------------------------------

    def Allocate(  # gRPC method names are CamelCase
        self, request: pb.AllocateRequest, context: grpc.ServicerContext
    ) -> pb.AllocateResponse:
        """Solve a scenario in a worker, store the run, reply with the plan."""
        try:
            _check_ids(request_id=request.request_id)
            deadline = _deadline(context)
            if request.request_id:
                return self._allocate_once(request, context, deadline)
            return self._allocate(request, context, deadline)
        except _CallGone:
            logger.info("call id=%s gone before its plan was ready", CALL_ID.get())
            context.set_code(grpc.StatusCode.CANCELLED)
            return pb.AllocateResponse()
        except Exception as err:  # mapped by the status table
            abort_with(context, err)

    def _allocate_once(
        self, request: pb.AllocateRequest, context: grpc.ServicerContext, deadline: float | None
    ) -> pb.AllocateResponse:
        """Solve a keyed request at most once at a time: concurrent retries wait for the first."""
        key = request.request_id
        while True:
            earlier = self.store.find_by_request_id(key)
            if earlier is not None:
                return self._replay(request, earlier, context, deadline)
            with self._in_flight_lock:
                ended = self._in_flight.get(key)
                leader = ended is None
                if ended is None:
                    ended = self._in_flight[key] = threading.Event()
            if leader:
                try:
                    return self._allocate(request, context, deadline)
                finally:
                    with self._in_flight_lock:
                        del self._in_flight[key]
                    ended.set()
            # Another call is solving this key: wait for it, then replay its stored run (or, if
            # it ended without one, e.g. at its deadline, solve as the next first call).
            while not ended.wait(POLL_SECONDS):
                if not context.is_active():
                    raise _CallGone

    def _replay(
        self,
        request: pb.AllocateRequest,
        earlier: RunRecord,
        context: grpc.ServicerContext,
        deadline: float | None,
    ) -> pb.AllocateResponse:
        """The stored run of a retry with the same input; ALREADY_EXISTS for another input."""
        outcome = self._wait(self.pool.submit(run_input, request, deadline=deadline), context)
        if outcome.kind != "ok":
            unpack(outcome)
        check_replay(earlier, outcome.input_json)
        return self._reply(earlier, replayed=True)

    def _allocate(
        self, request: pb.AllocateRequest, context: grpc.ServicerContext, deadline: float | None
    ) -> pb.AllocateResponse:
        received = time.perf_counter()
        submitted = time.time()
        job = self.pool.submit(run_allocate, self.solve, request, deadline, deadline=deadline)
        outcome = self._wait(job, context)
        timings = {
            "queue_seconds": round(max(outcome.started - submitted, 0.0), 6),
            "solve_seconds": round(outcome.finished - outcome.started, 6),
        }
        if outcome.scenario is None or outcome.options is None or outcome.kind == "scenario":
            unpack(outcome)  # bad input never reached the solver: nothing to audit
        scenario, options = outcome.scenario, outcome.options
        assert scenario is not None
        assert options is not None
        status, plan, error = RunStatus.OPTIMAL, None, ""
        conflicts: tuple[Conflict, ...] = ()
        failure: Exception | None = None
        try:
            plan = unpack(outcome)
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
                caller_name=CALLER_NAME.get(),
                caller_subject=CALLER_SUBJECT.get(),
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
            raise InfeasibleError(record.error(), record.conflicts(), Language(record.language))
        allocation = convert.record_to_proto(record, plan)
        return pb.AllocateResponse(allocation=allocation, replayed=replayed)

    @staticmethod
    def _wait(job: Job, context: grpc.ServicerContext) -> Any:
        """The worker's answer; when the caller is gone, the job is dropped or its worker ended."""
        while True:
            try:
                return job.result(timeout=POLL_SECONDS)
            except TimeoutError:
                if not context.is_active():
                    job.cancel()
                    raise _CallGone from None
            except JobEndedError as err:
                if err.kind == "cancelled":
                    raise _CallGone from None
                if err.kind == "deadline":
                    message = "the deadline passed before the scenario was read and solved"
                    raise DeadlineExceededError(message) from None
                if err.kind == "shutdown":
                    message = (
                        "the server is shutting down and this call did not finish within its "
                        "grace period; retry (with the same request_id) on another replica "
                        "or after the restart"
                    )
                    raise ShuttingDownError(message) from None
                if err.kind == "memory":
                    message = (
                        "reading or solving this request needs more memory than a worker may "
                        "use; send a smaller scenario or ask the operators to raise "
                        "the worker memory limit"
                    )
                    raise ResourceExhaustedError(message) from None
                if err.kind == "busy":
                    message = (
                        f"the server is busy: {err.detail}; retry later (with the same "
                        "request_id), with backoff, or on another replica"
                    )
                    raise ResourceExhaustedError(message) from None
                raise WorkerCrashError(err.detail) from None

    # -- Sweep ----------------------------------------------------------------------------

    def Sweep(  # gRPC method names are CamelCase
        self, request: pb.SweepRequest, context: grpc.ServicerContext
    ) -> Iterator[pb.SweepResponse]:
        """A sensitivity sweep: progress messages, then the summary (``service/sweep.py``)."""
        from optimizer.service.sweep import run_sweep

        try:
            deadline = _deadline(context)
            yield from run_sweep(
                request, context, self.pool, self._wait, deadline, self.dask_client
            )
        except _CallGone:
            logger.info("call id=%s gone during its sweep", CALL_ID.get())
            context.set_code(grpc.StatusCode.CANCELLED)
        except Exception as err:  # mapped by the status table
            abort_with(context, err)

    # -- ValidateScenario ---------------------------------------------------------------------

    def ValidateScenario(  # gRPC method names are CamelCase
        self, request: pb.ValidateScenarioRequest, context: grpc.ServicerContext
    ) -> pb.ValidateScenarioResponse:
        """Every located problem of a scenario, found in a worker; never solves."""
        try:
            job = self.pool.submit(run_validate, request, deadline=_deadline(context))
            reply: pb.ValidateScenarioResponse = self._wait(job, context)
            return reply
        except _CallGone:
            context.set_code(grpc.StatusCode.CANCELLED)
            return pb.ValidateScenarioResponse()
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
            _check_ids(run_id=request.run_id)
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
                _check_ids(**{field: getattr(request, field)})
            base = self.store.get(request.base_run_id)
            other = self.store.get(request.other_run_id)
            return convert.compare_to_proto(base, other)
        except Exception as err:  # mapped by the status table
            abort_with(context, err)
