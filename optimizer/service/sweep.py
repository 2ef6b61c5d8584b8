"""The ``Sweep`` call: a sensitivity sweep on the server's worker pool or on a Dask cluster.

The request is read and checked in a worker (as every request whose cost depends on its
content); then the samples go out in chunks, to the worker pool (a few chunks at a time, so
that other calls still find a worker between them) or, when ``fsf serve --dask-scheduler`` was
given, to that Dask cluster. Between chunks the call's deadline and the caller's presence are
checked: a call past its deadline ends with DEADLINE_EXCEEDED, a cancelled one stops sending
work. A ``SweepProgress`` message follows each chunk, the ``SweepSummary`` comes last.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import grpc

from optimizer.domain import Conflict, Objective
from optimizer.errors import DeadlineExceededError, InfeasibleError, Problem, ScenarioError
from optimizer.service.worker import load_request
from optimizer.sweep.engine import ChunkResult, chunk_bounds, default_chunk
from optimizer.sweep.runner import (
    SweepResult,
    SweepShape,
    SweepSpec,
    check_stated,
    gather,
    prepare,
    run_chunk,
)
from optimizer.sweep.study import Grid, GridAxis, MonteCarlo, OneAtATime, Study
from optimizer.sweep.summary import Summary, summarise
from optimizer.v1 import allocation_pb2 as pb

POLL_SECONDS = 0.05

_OBJECTIVES = {
    pb.OBJECTIVE_PROPORTIONAL: Objective.PROPORTIONAL,
    pb.OBJECTIVE_MIN_TOTAL_DEVIATION: Objective.MIN_TOTAL_DEVIATION,
    pb.OBJECTIVE_MAX_MIN_COVERAGE: Objective.MAX_MIN_COVERAGE,
}
_KINDS = {
    "one_at_a_time": pb.SWEEP_KIND_ONE_AT_A_TIME,
    "monte_carlo": pb.SWEEP_KIND_MONTE_CARLO,
    "grid": pb.SWEEP_KIND_GRID,
}


def _field(request: pb.SweepRequest, name: str, default: float) -> float:
    return float(getattr(request, name)) if request.HasField(name) else default


def study_from_request(request: pb.SweepRequest) -> Study:
    """The study a request asks for (checked later, with the scenario's weights)."""
    if request.kind == pb.SWEEP_KIND_MONTE_CARLO:
        return MonteCarlo(
            samples=request.samples,
            seed=request.seed,
            concentration=_field(request, "concentration", 100.0),
            indicator_error=_field(request, "indicator_error", 0.05),
        )
    if request.kind == pb.SWEEP_KIND_GRID:
        axes = tuple(GridAxis(g.weight, g.start, g.stop, g.step) for g in request.grid)
        return Grid(axes)
    return OneAtATime(
        weight_step=_field(request, "weight_step", 0.05),
        indicator_step=_field(request, "indicator_step", 0.10),
        band_step=_field(request, "band_step", 0.02),
    )


# The CLI's option names become the request's field names in the service's messages.
_FIELDS = {
    "--step": "weight_step",
    "--indicator-step": "indicator_step",
    "--band-step": "band_step",
    "--monte-carlo": "samples",
    "--concentration": "concentration",
    "--indicator-error": "indicator_error",
    "--seed": "seed",
}


def _located(problem: Problem) -> Problem:
    option = problem.field.split(" ", 1)[0]
    if option in _FIELDS:
        name = _FIELDS[option]
        return Problem(name, problem.message, name, problem.severity)
    if option == "--grid":
        return Problem("grid", problem.message, "grid", problem.severity)
    return problem


@dataclass(frozen=True)
class SweepRead:
    """What the worker that reads a Sweep request found: a runnable sweep, or why not."""

    spec: SweepSpec | None = None
    size: int = 0
    shape: SweepShape | None = None
    problems: tuple[Problem, ...] = ()
    infeasible: tuple[str, tuple[Conflict, ...]] | None = None
    """The stated scenario's diagnosis (summary, conflicts) when it has no plan."""

    def raise_for_problems(self) -> None:
        """The request's bad input (INVALID_ARGUMENT) or infeasible rules (FAILED_PRECONDITION)."""
        if self.infeasible is not None:
            raise InfeasibleError(*self.infeasible)
        if self.problems or self.spec is None or self.shape is None:
            raise ScenarioError(self.problems)


def read_sweep(request: pb.SweepRequest) -> SweepRead:
    """In a worker: the request's scenario and study, checked, and the stated plan."""
    try:
        scenario = load_request(request)  # type: ignore[arg-type]  # same `source` oneof
        objective = _OBJECTIVES.get(request.objective)
        spec = SweepSpec(scenario, study_from_request(request), objective)
        engine, size = prepare(spec)
        check_stated(engine)
    except ScenarioError as err:
        return SweepRead(problems=tuple(_located(p) for p in err.problems))
    except InfeasibleError as err:
        return SweepRead(infeasible=(err.summary, err.conflicts))
    return SweepRead(spec, size, SweepShape.of(engine))


def summary_to_proto(summary: Summary) -> pb.SweepSummary:
    """The summary as the contract's message."""
    out = pb.SweepSummary(
        kind=_KINDS[summary.kind],
        samples=summary.samples,
        samples_with_plan=summary.ok,
        samples_by_allocate=summary.fallback,
    )
    out.baseline.update(summary.baseline)
    for s in summary.regions:
        out.regions.add(
            region=s.code,
            name=s.name,
            baseline=s.baseline,
            p5=s.p5,
            p50=s.p50,
            p95=s.p95,
            p_floor=s.p_floor,
            p_cap=s.p_cap,
            rank=s.rank,
            rank_p5=s.rank_p5,
            rank_p95=s.rank_p95,
            rank_stable=s.rank_stable,
        )
    for e in summary.effects:
        effect = out.effects.add(
            region=e.region, kind=e.kind, factor=e.name, stated=e.base, up=e.up, down=e.down
        )
        if e.change_up is not None:
            effect.change_up = e.change_up
        if e.change_down is not None:
            effect.change_down = e.change_down
        if e.elasticity is not None:
            effect.elasticity = e.elasticity
    for g in summary.grid:
        point = out.grid.add(point=g.point, values=g.values, region=g.region, status=g.status)
        if g.amount is not None:
            point.amount = g.amount
        if g.change is not None:
            point.change = g.change
    return out


Wait = Callable[[Any, grpc.ServicerContext], Any]
"""``AllocationServicer._wait``: a pool job's result, or the call-gone/deadline exceptions."""


def _check_deadline(deadline: float | None) -> None:
    if deadline is not None and time.time() > deadline:
        raise DeadlineExceededError("the deadline passed before every sample of the sweep ran")


def run_sweep(
    request: pb.SweepRequest,
    context: grpc.ServicerContext,
    pool: Any,
    wait: Wait,
    deadline: float | None,
    dask_client: Any | None = None,
) -> Iterator[pb.SweepResponse]:
    """The Sweep call's stream (module docstring).

    Raises
    ------
    ScenarioError
        The scenario or the study is bad input (INVALID_ARGUMENT).
    DeadlineExceededError
        The deadline passed between two chunks.
    """
    started = time.perf_counter()
    read: SweepRead = wait(pool.submit(read_sweep, request, deadline=deadline), context)
    read.raise_for_problems()
    spec, size, shape = read.spec, read.size, read.shape
    assert spec is not None
    assert shape is not None
    workers = max(1, int(getattr(pool, "size", 0) or 1))
    if dask_client is not None:
        workers = max(1, len(dask_client.scheduler_info().get("workers", {})))
    bounds = chunk_bounds(size, default_chunk(size, workers))
    token = spec.token
    done: list[ChunkResult] = []
    count = 0

    def progress(result: ChunkResult) -> pb.SweepResponse:
        nonlocal count
        done.append(result)
        count += len(result)
        return pb.SweepResponse(progress=pb.SweepProgress(samples_done=count, samples_total=size))

    if dask_client is None:
        # A window of jobs as wide as the pool: other calls queue behind one chunk at most.
        pending = list(bounds)
        running: list[Any] = []
        try:
            while pending or running:
                while pending and len(running) < workers:
                    start, stop = pending.pop(0)
                    running.append(
                        pool.submit(run_chunk, spec, token, start, stop, deadline=deadline)
                    )
                job = running.pop(0)
                yield progress(wait(job, context))
                _check_deadline(deadline)
        finally:
            for job in running:
                job.cancel()
    else:
        from distributed import as_completed

        shared = dask_client.scatter(spec, broadcast=True, hash=False)
        futures = [
            dask_client.submit(run_chunk, shared, token, a, b, pure=False) for a, b in bounds
        ]
        try:
            for future in as_completed(futures, loop=dask_client.loop):  # type: ignore[no-untyped-call]
                while not future.done():  # pragma: no cover - as_completed yields done ones
                    time.sleep(POLL_SECONDS)
                yield progress(future.result())
                if not context.is_active():
                    return
                _check_deadline(deadline)
        finally:
            for future in futures:
                future.cancel()
    result: SweepResult = gather(spec, shape, size, iter(done), started, len(bounds))
    yield pb.SweepResponse(summary=summary_to_proto(summarise(result)))
