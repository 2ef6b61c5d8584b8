"""The worker pool on its own: replacing, aborting and closing workers, and what it leaks."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from optimizer.service.pool import Job, JobEndedError, WorkerPool
from tests.service_support import exit_at_start, fill, hold_300_mib, slow_start

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/fd").exists(), reason="counts processes and descriptors in /proc"
)


def _workers() -> list[int]:
    """Live worker processes of this (test) process: children named by the pool."""
    me = str(os.getpid())
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
                cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
            except OSError:
                continue
            if fields[1] == me and fields[0] != "Z" and b"resource_tracker" not in cmdline:
                out.append(int(entry))
    return out


def _running(job: Job) -> None:
    """Wait until a worker has taken ``job``."""
    end = time.monotonic() + 30
    while job._state != "running" and time.monotonic() < end:
        time.sleep(0.005)
    assert job._state == "running"


@pytest.fixture
def pool() -> Iterator[WorkerPool]:
    """One worker process without an initializer (starts in a fraction of a second)."""
    workers = WorkerPool(1)
    workers.start()
    yield workers
    workers.close()


def test_no_worker_is_started_after_abort(pool: WorkerPool) -> None:
    """A job ended by abort() (the grace period is over) is not followed by a new worker.

    The slot used to start a replacement at once, during the shutdown: a process spawned and
    importing for nothing, then ended by close() with an error logged ("could not be
    restarted").
    """
    job = pool.submit(time.sleep, 30)
    _running(job)
    pool.abort()
    with pytest.raises(JobEndedError) as ended:
        job.result(timeout=10)
    assert ended.value.kind == "shutdown"
    time.sleep(0.3)
    assert _workers() == []


def test_replacing_workers_leaks_nothing(pool: WorkerPool) -> None:
    """Ten running jobs cancelled (ten workers ended and replaced) leave no descriptor,
    process or thread behind."""
    pool.submit(time.sleep, 0).result(timeout=30)
    before = (len(os.listdir("/proc/self/fd")), len(_workers()), threading.active_count())
    for _ in range(10):
        job = pool.submit(time.sleep, 30)
        _running(job)
        job.cancel()
        with pytest.raises(JobEndedError):
            job.result(timeout=30)
    pool.submit(time.sleep, 0).result(timeout=30)  # the last replacement is up
    after = (len(os.listdir("/proc/self/fd")), len(_workers()), threading.active_count())
    assert after == before


def test_a_worker_that_dies_while_starting_is_reported_and_released() -> None:
    """A worker that dies before it is ready fails start() with its exit code, leaving nothing.

    Its end of file made the pool's wait for "ready" return and the read raise EOFError: the
    error said nothing ("a worker process could not start: "), and a replacement failing that
    way kept its pipe and process handle until the next start overwrote them.
    """
    before = len(os.listdir("/proc/self/fd"))
    workers = WorkerPool(1, initializer=exit_at_start)
    with pytest.raises(RuntimeError, match="exit code 5"):
        workers.start()
    assert _workers() == []
    assert len(os.listdir("/proc/self/fd")) == before


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_DATA is Linux's")
def test_the_memory_limit_counts_from_what_a_started_worker_holds() -> None:
    """A worker that holds more than the limit after starting still serves small jobs.

    What a worker holds once the engine is imported depends on the machine (a BLAS library
    may reserve buffers per core); an absolute limit below it would fail every call.
    """
    workers = WorkerPool(1, initializer=hold_300_mib, memory_limit=200 * 1024 * 1024)
    workers.start()
    try:
        assert workers.submit(fill, 20).result(timeout=30) == 20 * 1024 * 1024
        with pytest.raises(JobEndedError) as ended:
            workers.submit(fill, 400).result(timeout=30)
        assert ended.value.kind == "memory"
        assert workers.submit(fill, 20).result(timeout=30) == 20 * 1024 * 1024
    finally:
        workers.close()


def test_a_job_cancelled_while_its_worker_starts_does_not_cost_that_worker(
    pool: WorkerPool,
) -> None:
    """A job whose worker had died is cancelled while the replacement starts: the replacement
    stays, instead of taking the job and being ended for it at once (a second start)."""
    process = pool._slots[0].process
    assert process is not None
    dead = process.pid
    os.kill(dead, signal.SIGKILL)  # as the kernel's OOM killer would, between jobs
    process.join(timeout=10)
    job = pool.submit(time.sleep, 30)
    _running(job)
    end = time.monotonic() + 30
    while not (started := [p for p in _workers() if p != dead]) and time.monotonic() < end:
        time.sleep(0.002)
    job.cancel()  # the replacement is still importing: it has not said "ready" yet
    with pytest.raises(JobEndedError) as ended:
        job.result(timeout=30)
    assert ended.value.kind == "cancelled"
    assert pool.submit(os.getpid).result(timeout=30) == started[0]


def test_closing_while_a_worker_restarts_logs_no_error(caplog: pytest.LogCaptureFixture) -> None:
    """A shutdown that ends a replacement still starting is quiet and prompt.

    Every shutdown within a second or two of a cancelled or timed-out call logged 'worker could
    not be restarted' with a traceback at ERROR, for a start that the shutdown itself ended.
    """
    workers = WorkerPool(1, initializer=slow_start)
    workers.start()
    job = workers.submit(time.sleep, 30)
    _running(job)
    job.cancel()  # the worker is ended and its replacement starts (half a second)
    with pytest.raises(JobEndedError):
        job.result(timeout=10)
    with caplog.at_level(logging.DEBUG, logger="optimizer.service.pool"):
        start = time.monotonic()
        workers.close()
        assert time.monotonic() - start < 2.0
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert _workers() == []
