"""Worker processes that the server can end one at a time.

``concurrent.futures.ProcessPoolExecutor`` cannot stop one running task: ending its process
breaks the whole pool, and a task it has already queued for a process runs even when cancelled.
The service needs both: a call whose caller is gone or whose deadline has passed must stop
using CPU at once, and a cancelled call must never take a worker. So each worker here is one
process behind a pipe, fed by one thread of the server that hands it the next live job only
when it is free; ending a running job ends its process, and a fresh process takes its place.

Workers ignore SIGINT and SIGTERM (Ctrl-C and ``systemctl stop`` signal the whole process
group; the server decides when its workers stop, after draining the calls in flight), and they
exit as soon as the server process is gone, even after ``kill -9`` of it: the kernel kills them
(``PR_SET_PDEATHSIG`` on Linux) and, on every platform, a thread watches the pipe that
multiprocessing keeps open to the parent and exits on its end of file.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import sys
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.context import SpawnContext
from multiprocessing.process import BaseProcess
from typing import Any

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.02
"""How often a busy worker's thread checks whether its job should be ended."""
START_SECONDS = 120.0
"""How long a new worker process may take to start and import the engine."""
DEADLINE_SLACK = 0.5
"""Seconds past a job's deadline after which its process is ended even if nobody asked."""
_SHIELDED = {signal.SIGINT, signal.SIGTERM}


class JobEndedError(Exception):
    """A job ended without a result.

    ``kind`` is cancelled, deadline, shutdown, busy (the queue was full), memory (the worker ran
    out of its memory limit) or crashed.
    """

    def __init__(self, kind: str, detail: str = "") -> None:
        self.kind = kind
        self.detail = detail
        super().__init__(f"{kind}: {detail}" if detail else kind)


class Job:
    """One function call handed to a worker process; :meth:`result` waits for it."""

    def __init__(self, fn: Callable[..., Any], args: tuple[Any, ...], deadline: float | None):
        self.fn = fn
        self.args = args
        self.deadline = deadline
        self.submitted = time.time()
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._state = "pending"
        self._stop_reason = ""
        self._value: Any = None
        self._error: JobEndedError | None = None

    def cancel(self) -> None:
        """Nobody waits for the answer: drop the job if queued, end its process if running."""
        with self._lock:
            if self._state == "pending":
                self._state = "done"
                self._error = JobEndedError("cancelled")
                self._done.set()
            elif self._state == "running" and not self._stop_reason:
                self._stop_reason = "cancelled"

    def result(self, timeout: float | None = None) -> Any:
        """The function's return value.

        Raises
        ------
        TimeoutError
            Not done within ``timeout`` seconds.
        JobEndedError
            Cancelled, past its deadline, ended by a shutdown, or its process died.
        """
        if not self._done.wait(timeout):
            raise TimeoutError
        if self._error is not None:
            raise self._error
        return self._value

    def done(self) -> bool:
        """Whether the job has a result or has ended."""
        return self._done.is_set()

    # -- used by the pool's threads ------------------------------------------------------------

    def _take(self) -> bool:
        """Mark the job running; False when it was cancelled or its deadline has passed."""
        with self._lock:
            if self._state != "pending":
                return False
            if self.deadline is not None and time.time() >= self.deadline:
                self._state = "done"
                self._error = JobEndedError("deadline", "the deadline passed in the queue")
                self._done.set()
                return False
            self._state = "running"
            return True

    def _request_stop(self, reason: str) -> None:
        with self._lock:
            if self._state == "pending":
                self._state = "done"
                self._error = JobEndedError(reason)
                self._done.set()
            elif self._state == "running" and not self._stop_reason:
                self._stop_reason = reason

    def _why_stop(self, now: float, slack: float = DEADLINE_SLACK) -> str:
        with self._lock:
            if self._stop_reason:
                return self._stop_reason
        if self.deadline is not None and now > self.deadline + slack:
            return "deadline"
        return ""

    def _finish(self, value: Any = None, error: JobEndedError | None = None) -> None:
        with self._lock:
            self._state = "done"
            self._value, self._error = value, error
            self._done.set()


def _die_with_parent(parent_pid: int | None) -> None:
    """Exit as soon as the server process is gone (see the module docstring).

    ``parent_pid`` is None when the server is not this process's parent (``forkserver``): only
    the pipe to the server is watched then.
    """
    if parent_pid is not None and sys.platform.startswith("linux"):
        try:
            import ctypes

            pr_set_pdeathsig = 1
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(pr_set_pdeathsig, int(signal.SIGKILL), 0, 0, 0)
        except (OSError, AttributeError):  # no prctl: the watching thread below still works
            pass
    if parent_pid is not None and os.getppid() != parent_pid:  # died before prctl took effect
        os._exit(0)
    parent = multiprocessing.parent_process()
    if parent is None:  # pragma: no cover - always set in a multiprocessing child
        return

    def watch() -> None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(0)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _data_bytes() -> int:
    """Bytes of data this process already uses (``VmData``; 0 where /proc does not say)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmData:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _limit_memory(limit: int | None) -> None:
    """Let this process use at most ``limit`` more bytes of data (heap, private mappings).

    Past it, allocations fail with ``MemoryError`` in this worker alone, instead of a huge
    request taking the machine's memory from the server and the other workers. The limit
    counts from what the worker holds once the engine is imported, which depends on the
    machine (a BLAS library may reserve buffers per core): a bound below that would fail
    every call.
    """
    if limit is None:
        return
    try:
        import resource

        total = _data_bytes() + limit
        resource.setrlimit(resource.RLIMIT_DATA, (total, total))
    except (ImportError, ValueError, OSError):  # not on this platform: unbounded, as before
        logger.warning("worker memory limit not supported here")


def worker_main(
    conn: Connection,
    parent_pid: int,
    initializer: Callable[[], None] | None,
    memory_limit: int | None = None,
) -> None:
    """Body of a worker process: run each ``(fn, args)`` received and send the result back.

    Each reply is ``(status, value)``: ``ok`` and the return value, ``error`` and a traceback,
    or ``memory`` and a traceback when the job ran out of the memory limit (the process then
    exits: its heap may stay fragmented, and the server starts a fresh one).
    """
    for signum in _SHIELDED:
        signal.signal(signum, signal.SIG_IGN)
    # The server started this process with these signals blocked, so that one sent to the
    # process group while it was starting could not end it; pending ones are now ignored.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _SHIELDED)
    _die_with_parent(parent_pid)
    if initializer is not None:
        initializer()
    _limit_memory(memory_limit)
    conn.send(("ready", os.getpid()))
    while True:
        try:
            fn, args = conn.recv()
        except (EOFError, OSError):
            return
        except MemoryError:  # the request alone is too large to read back
            with contextlib.suppress(Exception):
                conn.send(("memory", "reading the request"))
            return
        try:
            reply: tuple[str, Any] = ("ok", fn(*args))
        except MemoryError:
            reply = ("memory", traceback.format_exc())
        except BaseException:  # reported to the server, which logs it
            reply = ("error", traceback.format_exc())
        try:
            conn.send(reply)
        except (OSError, ValueError):
            return
        except Exception:  # the result could not be pickled
            conn.send(("error", traceback.format_exc()))
        if reply[0] == "memory":
            return


class _Slot:
    """One worker process, the server's end of its pipe, and the thread that feeds it."""

    def __init__(self, index: int) -> None:
        self.index = index
        self.process: BaseProcess | None = None
        self.conn: Connection | None = None
        self.thread: threading.Thread | None = None


class WorkerPool:
    """A fixed number of worker processes running jobs in submission order.

    Parameters
    ----------
    size
        Number of worker processes.
    context
        multiprocessing context; ``spawn`` (default) or ``forkserver``.
    initializer
        Called once in each new worker process before its first job (module-level function).
    memory_limit
        Bytes of data each worker process may use beyond what it holds once started (Linux
        ``RLIMIT_DATA``); a job that needs more ends with ``memory`` and its process is
        replaced. None: no limit.
    max_queued
        Jobs waiting for a worker at most; a job submitted beyond it ends at once with
        ``busy`` (None: no limit). Each queued job holds its request in the server's memory.
    """

    def __init__(
        self,
        size: int,
        *,
        context: multiprocessing.context.BaseContext | None = None,
        initializer: Callable[[], None] | None = None,
        max_queued: int | None = None,
        memory_limit: int | None = None,
    ) -> None:
        self.size = size
        self.memory_limit = memory_limit
        self.max_queued = max_queued
        self.context: Any = context or SpawnContext()
        self.initializer = initializer
        self._queue: deque[Job] = deque()
        self._cond = threading.Condition()
        self._closed = False
        self._refusing = False
        self._running: dict[int, Job] = {}
        self._slots = [_Slot(i) for i in range(size)]
        self._ready = threading.Barrier(size + 1)
        self._start_errors: list[BaseException] = []

    # -- public ----------------------------------------------------------------------------------

    def start(self) -> None:
        """Start every worker process and return when all are ready to take jobs."""
        for slot in self._slots:
            slot.thread = threading.Thread(
                target=self._serve_slot, args=(slot,), name=f"worker-{slot.index}", daemon=True
            )
            slot.thread.start()
        self._ready.wait()
        if self._start_errors:
            self.close()
            message = f"a worker process could not start: {self._start_errors[0]}"
            raise RuntimeError(message) from self._start_errors[0]

    def submit(self, fn: Callable[..., Any], *args: Any, deadline: float | None = None) -> Job:
        """Queue ``fn(*args)`` for a worker; ``deadline`` (``time.time()``) bounds its run.

        A job still queued at its deadline is never started; one running past it (plus
        :data:`DEADLINE_SLACK`) has its process ended.
        """
        job = Job(fn, args, deadline)
        with self._cond:
            if self._closed or self._refusing:
                job._finish(error=JobEndedError("shutdown", "the server is shutting down"))
                return job
            if self.max_queued is not None and len(self._queue) >= self.max_queued:
                # Cancelled jobs stay in the queue until a worker skips them: not waiting.
                self._queue = deque(j for j in self._queue if not j.done())
                if len(self._queue) >= self.max_queued:
                    detail = f"{len(self._queue)} calls are already waiting for a worker"
                    job._finish(error=JobEndedError("busy", detail))
                    return job
            self._queue.append(job)
            self._cond.notify()
        return job

    def abort(self) -> None:
        """End every queued and running job, and every job submitted later, with ``shutdown``.

        For the end of a shutdown's grace period; the worker processes stay up until
        :meth:`close`.
        """
        with self._cond:
            self._refusing = True
            jobs = [*self._queue, *self._running.values()]
            self._queue.clear()
        for job in jobs:
            job._request_stop("shutdown")

    def close(self) -> None:
        """End every job (``shutdown``) and every worker process; safe to call twice."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self.abort()
        for slot in self._slots:
            if slot.thread is not None and slot.thread is not threading.current_thread():
                slot.thread.join(timeout=5.0)
        for slot in self._slots:
            self._end_process(slot)

    # -- one thread per worker process ---------------------------------------------------------

    def _serve_slot(self, slot: _Slot) -> None:
        try:
            self._start_process(slot)
        except BaseException as err:  # reported by start()
            self._start_errors.append(err)
        finally:
            with contextlib.suppress(threading.BrokenBarrierError):
                self._ready.wait()
        while True:
            job = self._next_job(slot)
            if job is None:
                break
            self._run(slot, job)
        self._end_process(slot)

    def _next_job(self, slot: _Slot) -> Job | None:
        """The next live job, registered as running on ``slot`` (so abort() sees it)."""
        with self._cond:
            while True:
                if self._closed:
                    return None
                while self._queue:
                    job = self._queue.popleft()
                    if job._take():  # cancelled or expired jobs never reach a worker
                        self._running[slot.index] = job
                        return job
                self._cond.wait()

    def _run(self, slot: _Slot, job: Job) -> None:
        try:
            if slot.process is None or not slot.process.is_alive():
                self._end_process(slot)  # reap the dead one and close its pipe
                try:
                    self._start_process(slot)
                except RuntimeError as err:
                    job._finish(error=JobEndedError("crashed", str(err)))
                    return
                # Starting took a while: a job abandoned meanwhile must not cost this worker.
                reason = job._why_stop(time.time(), slack=0.0)
                if reason:
                    job._finish(error=JobEndedError(reason))
                    return
            assert slot.conn is not None
            slot.conn.send((job.fn, job.args))
            while True:
                if slot.conn.poll(POLL_SECONDS):
                    status, value = slot.conn.recv()
                    if status == "ok":
                        job._finish(value)
                    elif status == "memory":
                        logger.warning("worker %d ran out of memory: %s", slot.index, value)
                        self._end_process(slot)  # it exits: start its successor now
                        job._finish(error=JobEndedError("memory", str(value)))
                        self._restart(slot)
                    else:
                        job._finish(error=JobEndedError("crashed", str(value)))
                    return
                reason = job._why_stop(time.time())
                if reason:
                    # Ending the process is the only way to stop a parse or a solve at once.
                    self._end_process(slot)
                    job._finish(error=JobEndedError(reason))
                    logger.info("worker %d ended: job %s", slot.index, reason)
                    self._restart(slot)
                    return
        except (EOFError, OSError) as err:
            process = slot.process
            code = process.exitcode if process is not None else None
            logger.error("worker %d died (exit code %s): %s", slot.index, code, err)
            self._end_process(slot)
            job._finish(error=JobEndedError("crashed", f"worker process died (exit {code})"))
            self._restart(slot)
        except Exception as err:  # never leave a caller waiting, never lose the slot
            logger.exception("worker %d: unexpected error", slot.index)
            self._end_process(slot)
            job._finish(error=JobEndedError("crashed", repr(err)))
            self._restart(slot)
        finally:
            with self._cond:
                self._running.pop(slot.index, None)

    def _restart(self, slot: _Slot) -> None:
        """Start the replacement now, so the next job does not pay for it."""
        if self._closed or self._refusing:  # after abort() no job will ever run here again
            return
        try:
            self._start_process(slot)
        except Exception:  # the next job tries again
            if self._closed or self._refusing:  # the shutdown ended the start: as it should
                logger.debug("worker %d: restart given up for the shutdown", slot.index)
            else:
                logger.exception("worker %d could not be restarted", slot.index)

    def _start_process(self, slot: _Slot) -> None:
        parent_conn, child_conn = self.context.Pipe()
        spawned = self.context.get_start_method() == "spawn"
        process = self.context.Process(
            target=worker_main,
            # With forkserver the server is not the parent: only spawn makes it one.
            args=(
                child_conn,
                os.getpid() if spawned else None,
                self.initializer,
                self.memory_limit,
            ),
            name=f"fsf-worker-{slot.index}",
            daemon=True,
        )
        # Blocked here, the signals stay blocked in the new process until it ignores them.
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, _SHIELDED)
        try:
            process.start()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)
        child_conn.close()
        slot.process, slot.conn = process, parent_conn
        give_up = time.monotonic() + START_SECONDS
        try:
            while not parent_conn.poll(0.1):
                stopping = self._closed or self._refusing
                if stopping or not process.is_alive() or time.monotonic() > give_up:
                    raise EOFError
            # A process that dies while starting makes poll() true (end of file): recv raises.
            parent_conn.recv()
        except (EOFError, OSError):
            process.join(timeout=1.0)
            code = process.exitcode
            self._end_process(slot)  # never keep the pipe and process of a failed start
            message = f"worker {slot.index} did not start (exit code {code})"
            raise RuntimeError(message) from None

    @staticmethod
    def _end_process(slot: _Slot) -> None:
        process, conn = slot.process, slot.conn
        slot.process, slot.conn = None, None
        if conn is not None:
            conn.close()
        if process is None:
            return
        if process.is_alive():
            process.kill()
        process.join(timeout=5.0)
        with contextlib.suppress(ValueError):
            process.close()
