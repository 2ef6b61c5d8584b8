"""Running a sweep: in this process, or on ``dask.distributed`` (a local cluster or a scheduler).

Samples go out in chunks of thousands (:func:`~optimizer.sweep.engine.default_chunk`), each a
task that draws its own samples (a study is reproducible from its seed, see
:mod:`optimizer.sweep.study`) and returns their plans; the plans are put back in sample order.
The same study gives the same plans, byte for byte, whatever the runner, workers or chunks.
"""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from optimizer.domain import Objective, Scenario, canonical_json
from optimizer.errors import ScenarioError, problem, tr
from optimizer.limits import MAX_SWEEP_CELLS, MAX_SWEEP_SAMPLES
from optimizer.sweep.engine import OK, BatchEngine, ChunkResult, chunk_bounds, default_chunk
from optimizer.sweep.study import Study, StudyContext

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT = 10.0
"""Seconds to wait for a Dask scheduler given by address before giving up (exit 2)."""

Progress = Callable[[int], None]
"""Called with the number of samples just finished."""


class SchedulerUnreachableError(Exception):
    """No Dask scheduler answered at the address given."""


class SweepCancelledError(Exception):
    """The caller went away (or its deadline passed) between two chunks."""


@dataclass(frozen=True)
class SweepSpec:
    """Everything a task needs: the stated scenario, the study, the objective override."""

    scenario: Scenario
    study: Study
    objective: Objective | None = None

    @property
    def token(self) -> str:
        """Identifies the spec, so a worker builds its engine once per sweep."""
        text = canonical_json(self.scenario) + repr(self.study) + str(self.objective)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class SweepResult:
    """Every sample's plan, in sample order, and what it took."""

    spec: SweepSpec
    context: StudyContext
    baseline: ChunkResult
    amounts: npt.NDArray[np.int64]
    """samples x regions (by code) x axes (the scenario's order), pesos."""
    status: npt.NDArray[np.int8]
    fallback: npt.NDArray[np.bool_]
    regions: tuple[str, ...]
    axes: tuple[str, ...]
    boxes: tuple[tuple[int, int], ...]
    """Each region's [floor, cap] in pesos over every rule (the stated rules)."""
    fund: int
    seconds: float
    chunks: int


_ENGINES: dict[str, BatchEngine] = {}


def engine_for(spec: SweepSpec, token: str) -> BatchEngine:
    """The engine of a spec, built once per process and sweep."""
    engine = _ENGINES.get(token)
    if engine is None:
        _ENGINES.clear()  # one sweep at a time per worker keeps memory flat
        engine = _ENGINES[token] = BatchEngine(spec.scenario, spec.objective)
    return engine


def run_chunk(spec: SweepSpec, token: str, start: int, stop: int) -> ChunkResult:
    """The plans of samples ``start .. stop`` (a task; module-level so that it pickles)."""
    engine = engine_for(spec, token)
    return engine.run(spec.study.batch(engine.context, start, stop))


def prepare(spec: SweepSpec) -> tuple[BatchEngine, int]:
    """Check the scenario and the study's size before any work; the engine and the size.

    Raises
    ------
    ScenarioError
        The scenario fails its checks, the study is invalid, or it is larger than the caps.
    """
    engine = BatchEngine(spec.scenario, spec.objective)
    study = spec.study
    study.validate(engine.context)
    size = study.size(engine.context)
    cells = engine.data.n * engine.data.m
    if size > MAX_SWEEP_SAMPLES or size * cells > MAX_SWEEP_CELLS:
        numbers = {
            "size": format(size, ","),
            "cells": format(cells, ","),
            "cap": format(MAX_SWEEP_SAMPLES, ","),
            "cell_cap": format(MAX_SWEEP_CELLS, ","),
        }
        if study.kind == "one_at_a_time":
            message = tr(
                "{size} samples of {cells} cells are more than a sweep may run ({cap} samples, "
                "{cell_cap} samples x cells; docs/limits.md); the one-at-a-time study moves each "
                "state's indicator values alone (2 samples per state and indicator): skip it "
                "with --no-one-at-a-time",
                **numbers,
            )
        else:
            message = tr(
                "{size} samples of {cells} cells are more than a sweep may run ({cap} samples, "
                "{cell_cap} samples x cells; docs/limits.md)",
                **numbers,
            )
        raise ScenarioError([problem("study", message, "study")])
    return engine, size


def check_stated(engine: BatchEngine) -> None:
    """Raise what ``allocate()`` raises when the stated scenario itself has no plan.

    Raises
    ------
    InfeasibleError
        The stated rules cannot all hold (with the diagnosis in pesos).
    SolverError
        The solver failed on the stated scenario.
    """
    if int(engine.baseline().status[0]) == OK:
        return
    from optimizer.pipeline import allocate

    allocate(engine.scenario, engine.options)  # raises with the diagnosis


@dataclass(frozen=True)
class SweepShape:
    """What gathering the plans needs of the engine: small, picklable (the service computes it
    in a worker process)."""

    context: StudyContext
    baseline: ChunkResult
    regions: tuple[str, ...]
    axes: tuple[str, ...]
    boxes: tuple[tuple[int, int], ...]
    fund: int

    @classmethod
    def of(cls, engine: BatchEngine) -> SweepShape:
        return cls(
            context=engine.context,
            baseline=engine.baseline(),
            regions=engine.data.regions,
            axes=tuple(axis.id for axis in engine.scenario.effective_axes),
            boxes=tuple(engine.data.region_boxes),
            fund=engine.data.fund,
        )


def gather(
    spec: SweepSpec,
    shape: SweepShape,
    size: int,
    results: Iterator[ChunkResult],
    started: float,
    chunks: int,
) -> SweepResult:
    """Every chunk's plans put back in sample order."""
    n, m = len(shape.regions), len(shape.axes)
    amounts = np.zeros((size, n, m), dtype=np.int64)
    status = np.zeros(size, dtype=np.int8)
    fallback = np.zeros(size, dtype=np.bool_)
    for chunk in results:
        end = chunk.start + len(chunk)
        amounts[chunk.start : end] = chunk.amounts
        status[chunk.start : end] = chunk.status
        fallback[chunk.start : end] = chunk.fallback
    return SweepResult(
        spec=spec,
        context=shape.context,
        baseline=shape.baseline,
        amounts=amounts,
        status=status,
        fallback=fallback,
        regions=shape.regions,
        axes=shape.axes,
        boxes=shape.boxes,
        fund=shape.fund,
        seconds=time.perf_counter() - started,
        chunks=chunks,
    )


def run_in_process(
    spec: SweepSpec,
    *,
    chunk: int | None = None,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> SweepResult:
    """Every chunk in this process, in order."""
    started = time.perf_counter()
    engine, size = prepare(spec)
    bounds = chunk_bounds(size, chunk or default_chunk(size, 1))
    token = spec.token
    _ENGINES.clear()
    _ENGINES[token] = engine

    def results() -> Iterator[ChunkResult]:
        for start, stop in bounds:
            result = run_chunk(spec, token, start, stop)
            if progress is not None:
                progress(stop - start)
            if cancelled is not None and cancelled():
                raise SweepCancelledError
            yield result

    return gather(spec, SweepShape.of(engine), size, results(), started, len(bounds))


def connect(scheduler: str | None, workers: int, timeout: float = CONNECT_TIMEOUT) -> object:
    """A Dask client: on a new local cluster of ``workers`` processes, or at ``scheduler``.

    Raises
    ------
    SchedulerUnreachableError
        Nothing answered at ``scheduler`` within ``timeout`` seconds.
    """
    from distributed import Client, LocalCluster

    # Dask logs every connection at INFO on its own handler; a planner's terminal shows errors.
    for name in ("distributed", "tornado"):
        logging.getLogger(name).setLevel(max(logging.ERROR, logging.getLogger().level))
    if scheduler:
        try:
            return Client(scheduler, timeout=timeout, set_as_default=False)  # type: ignore[no-untyped-call]
        except (OSError, TimeoutError, ValueError) as err:
            message = tr(
                "no Dask scheduler answered at {address} within {seconds} s ({error})",
                address=scheduler,
                seconds=format(timeout, "g"),
                error=err,
            )
            raise SchedulerUnreachableError(message) from None
    cluster = LocalCluster(  # type: ignore[no-untyped-call]
        n_workers=workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",  # no fixed port: the status page (if bokeh is there) on any free one
        silence_logs=logging.ERROR,
    )
    client = Client(cluster, set_as_default=False)  # type: ignore[no-untyped-call]
    client._fsf_cluster = cluster  # type: ignore[attr-defined]  # closed with the client
    return client


def close(client: object) -> None:
    """Close a client from :func:`connect` (and its local cluster, if it made one)."""
    cluster = getattr(client, "_fsf_cluster", None)
    client.close()  # type: ignore[attr-defined]
    if cluster is not None:
        cluster.close()


def run_on_dask(
    spec: SweepSpec,
    client: object,
    *,
    chunk: int | None = None,
    progress: Progress | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> SweepResult:
    """Every chunk as a task on the client's cluster; ``cancelled`` is asked between chunks."""
    from distributed import as_completed

    started = time.perf_counter()
    engine, size = prepare(spec)
    workers = max(1, len(client.scheduler_info().get("workers", {})))  # type: ignore[attr-defined]
    bounds = chunk_bounds(size, chunk or default_chunk(size, workers))
    token = spec.token
    shared = client.scatter(spec, broadcast=True, hash=False)  # type: ignore[attr-defined]
    futures = [
        client.submit(  # type: ignore[attr-defined]
            run_chunk, shared, token, start, stop, pure=False, key=f"fsf-sweep-{token}-{start}"
        )
        for start, stop in bounds
    ]
    done: list[ChunkResult] = []
    try:
        loop = client.loop  # type: ignore[attr-defined]
        for future in as_completed(futures, loop=loop):  # type: ignore[no-untyped-call]
            result: ChunkResult = future.result()
            done.append(result)
            if progress is not None:
                progress(len(result))
            if cancelled is not None and cancelled():
                raise SweepCancelledError
    finally:
        for future in futures:
            future.cancel()
    return gather(spec, SweepShape.of(engine), size, iter(done), started, len(bounds))
