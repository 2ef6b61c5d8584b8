"""The gRPC server: wiring, worker processes, health, reflection, TLS, graceful shutdown.

:func:`create_server` builds a started-ready server and returns it with its bound port (tests
bind port 0); :func:`serve` adds signal handling and blocks (``fsf serve``).
"""

from __future__ import annotations

import ipaddress
import logging
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from optimizer.service.auth import CallInterceptor, TokenTable
from optimizer.service.pool import WorkerPool
from optimizer.service.servicer import AllocationServicer
from optimizer.service.worker import Solve, warm_up
from optimizer.store import DEFAULT_URL, AuditStore
from optimizer.v1 import allocation_pb2 as pb
from optimizer.v1 import allocation_pb2_grpc as pb_grpc

logger = logging.getLogger(__name__)

DEFAULT_ADDRESS = "127.0.0.1:50051"
DEFAULT_MAX_REQUEST_BYTES = 16 * 1024 * 1024
"""16 MiB: a national scenario is well under 1 MiB; municipal scale stays under a few MiB."""
QUEUED_PER_WORKER = 8
"""Default bound of the calls waiting for a worker: this many per worker, at least 16."""
SPARE_THREADS = 16
"""gRPC threads kept beyond the workers and the queue, for reads and health checks."""
DEFAULT_WORKER_MEMORY_MIB = 2048
"""Data each worker process may use beyond what it holds once the engine is imported: about
4x a municipal-scale solve (2,469 x 24 peaks at about 450 MiB); a 100 KB structured request
of 2,000 regions x 100 axes reached 1.2 GiB."""
DEFAULT_GRACE_SECONDS = 10.0
REPLY_MARGIN_SECONDS = 0.5
"""Before the grace period ends, calls still running are ended and answered UNAVAILABLE, this
long before gRPC would cancel them without an answer."""
SERVICE_NAME = pb.DESCRIPTOR.services_by_name["AllocationService"].full_name


@dataclass(frozen=True)
class TlsFiles:
    """PEM files for TLS; ``client_ca`` set means client certificates are required."""

    cert: Path
    key: Path
    client_ca: Path | None = None


class InsecureBindError(ValueError):
    """Refused to listen on a non-loopback address without tokens and TLS."""


class BindError(OSError):
    """The address could not be listened on (port in use, not an address of this machine)."""


def is_loopback(address: str) -> bool:
    """Whether ``host:port`` names a loopback host."""
    host = address.rsplit(":", 1)[0].strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class AllocationServer:
    """A running (or ready) allocation server: the gRPC server, its workers and its store."""

    def __init__(
        self,
        grpc_server: grpc.Server,
        health_servicer: health.HealthServicer,
        pool: WorkerPool,
        store: AuditStore,
        workers: int,
    ) -> None:
        self.grpc_server = grpc_server
        self.health = health_servicer
        self.pool = pool
        self.store = store
        self.workers = workers
        self.dask_client: object | None = None
        """The Sweep calls' Dask client (``--dask-scheduler``), closed with the server."""
        self._stopped = threading.Event()

    def start(self) -> None:
        """Start the worker processes and accept calls; health says SERVING."""
        # Every worker process starts (and imports the engine) now, not on the first calls.
        self.pool.start()
        self.grpc_server.start()
        self.health.set("", health_pb2.HealthCheckResponse.SERVING)
        self.health.set(SERVICE_NAME, health_pb2.HealthCheckResponse.SERVING)
        logger.info("serving with %d worker process(es)", self.workers)

    def stop(self, grace: float | None = DEFAULT_GRACE_SECONDS) -> None:
        """Say NOT_SERVING, refuse new calls, let calls in flight finish within ``grace`` seconds.

        Every call in flight gets an answer: its plan when it finishes in time, otherwise
        UNAVAILABLE (retry elsewhere or later) :data:`REPLY_MARGIN_SECONDS` before the grace
        period ends, its worker ended. Then the workers stop and the store is closed. Safe to
        call twice.
        """
        if self._stopped.is_set():
            return
        self._stopped.set()
        self.health.enter_graceful_shutdown()
        logger.info("shutting down: draining calls for up to %s s", grace)
        drained = self.grpc_server.stop(grace)
        if grace is None:
            drained.wait()
        elif not drained.wait(max(grace - REPLY_MARGIN_SECONDS, 0.0)):
            logger.warning("grace period almost over: ending the calls still running")
            self.pool.abort()
            drained.wait()
        self.pool.close()
        self.store.close()
        if self.dask_client is not None:
            self.dask_client.close()  # type: ignore[attr-defined]
        logger.info("stopped")

    def hurry(self) -> None:
        """End the calls in flight now (UNAVAILABLE): a second Ctrl-C during the drain."""
        logger.warning("ending the calls in flight now")
        self.pool.abort()

    def wait_for_termination(self, timeout: float | None = None) -> bool:
        """Block until the server stops; False when ``timeout`` ran out first."""
        return bool(self.grpc_server.wait_for_termination(timeout))


def create_server(
    address: str = DEFAULT_ADDRESS,
    *,
    store: AuditStore | str = DEFAULT_URL,
    workers: int | None = None,
    tokens: TokenTable | None = None,
    tls: TlsFiles | None = None,
    insecure: bool = False,
    max_request_bytes: int = DEFAULT_MAX_REQUEST_BYTES,
    grpc_threads: int | None = None,
    max_queued: int | None = None,
    worker_memory_mib: int | None = DEFAULT_WORKER_MEMORY_MIB,
    solve: Solve | None = None,
    mp_start_method: str = "spawn",
    dask_scheduler: str | None = None,
) -> tuple[AllocationServer, int]:
    """Build the server and bind ``address``; call ``.start()`` on the result to serve.

    Parameters
    ----------
    address
        ``host:port``; port 0 picks a free port (returned).
    store
        An audit store, or its URL (SQLite file by default).
    workers
        Solver worker processes; default one per core.
    tokens
        Accepted bearer tokens; None: no authentication.
    tls
        Certificate and key (and client CA) files; None: plaintext.
    insecure
        Allow a non-loopback address without both tokens and TLS.
    max_request_bytes
        Larger requests are refused with RESOURCE_EXHAUSTED.
    grpc_threads
        Threads answering calls (default: the workers, the queue and :data:`SPARE_THREADS`,
        at least 64); calls waiting for a worker hold one each. It is also the bound of the
        calls the server holds at once: beyond it gRPC refuses new calls with
        RESOURCE_EXHAUSTED instead of queueing them (and their requests) without limit.
    max_queued
        Allocate and ValidateScenario calls waiting for a worker at most (default
        :data:`QUEUED_PER_WORKER` per worker, at least 16); beyond it a call is refused at
        once with RESOURCE_EXHAUSTED (server busy).
    worker_memory_mib
        MiB of data each worker process may use beyond what it holds once started (Linux); a
        call whose reading or solving needs more is RESOURCE_EXHAUSTED and the worker is
        replaced. None: no limit.
    solve
        The engine entry point run in the workers (default ``optimizer.pipeline.allocate``);
        must be a module-level function (it is pickled by reference).
    mp_start_method
        ``spawn`` (default; portable) or ``forkserver``. Never ``fork``: the gRPC server's
        threads must not be copied into the workers.
    dask_scheduler
        ``tcp://HOST:PORT`` of a Dask scheduler that runs the Sweep calls' samples; None: they
        run on the worker pool.

    Returns
    -------
    (AllocationServer, int)
        The server (not started) and the bound port.

    Raises
    ------
    InsecureBindError
        ``address`` is not loopback, tokens or TLS are missing and ``insecure`` is False.
    BindError
        The address could not be listened on.
    SchedulerUnreachableError
        No Dask scheduler answered at ``dask_scheduler``.
    """
    if not is_loopback(address) and (tokens is None or tls is None) and not insecure:
        message = (
            f"refusing to listen on {address} without both --tokens and TLS "
            "(--tls-cert/--tls-key); bind to 127.0.0.1, add them, or pass --insecure"
        )
        raise InsecureBindError(message)
    if insecure and (tokens is None or tls is None):
        missing = " and ".join(
            name for name, value in (("TLS", tls), ("tokens", tokens)) if value is None
        )
        logger.warning(
            "--insecure: serving %s without %s; anyone who can reach this address %s",
            address,
            missing,
            "can read and allocate" if tokens is None else "can read the traffic",
        )
    if mp_start_method == "fork":
        message = "fork would copy the gRPC threads into the workers; use spawn or forkserver"
        raise ValueError(message)
    if solve is None:
        from optimizer.pipeline import allocate

        solve = allocate
    workers = workers or os.cpu_count() or 1
    queued = max_queued if max_queued is not None else max(16, QUEUED_PER_WORKER * workers)
    pool = WorkerPool(
        workers,
        context=multiprocessing.get_context(mp_start_method),
        initializer=warm_up,
        max_queued=queued,
        memory_limit=worker_memory_mib * 1024 * 1024 if worker_memory_mib else None,
    )
    threads = grpc_threads or max(64, workers + queued + SPARE_THREADS)
    server = grpc.server(
        ThreadPoolExecutor(max_workers=threads, thread_name_prefix="grpc"),
        interceptors=[CallInterceptor(tokens)],
        # Without a bound, calls beyond the threads wait in the executor's unbounded queue,
        # each holding its request (up to max_request_bytes): a flood exhausts memory.
        maximum_concurrent_rpcs=threads,
        options=[
            ("grpc.max_receive_message_length", max_request_bytes),
            ("grpc.max_send_message_length", 64 * 1024 * 1024),
            ("grpc.so_reuseport", 0),
        ],
    )
    port = _bind(server, address, tls)
    try:
        audit = store if isinstance(store, AuditStore) else AuditStore(store)
    except BaseException:
        server.stop(0)
        raise
    servicer = AllocationServicer(audit, pool, solve)
    if dask_scheduler:
        from optimizer.sweep.runner import connect

        try:
            servicer.dask_client = connect(dask_scheduler, 0)
        except BaseException:
            server.stop(0)
            audit.close()
            raise
    pb_grpc.add_AllocationServiceServicer_to_server(  # type: ignore[no-untyped-call]
        servicer, server
    )
    health_servicer = health.HealthServicer(
        experimental_non_blocking=True,
        experimental_thread_pool=ThreadPoolExecutor(max_workers=2, thread_name_prefix="health"),
    )
    health_servicer.set("", health_pb2.HealthCheckResponse.NOT_SERVING)
    health_servicer.set(SERVICE_NAME, health_pb2.HealthCheckResponse.NOT_SERVING)
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection(
        (SERVICE_NAME, health.SERVICE_NAME, reflection.SERVICE_NAME), server
    )
    logger.info(
        "bound %s (port %d, tls=%s, auth=%s)", address, port, tls is not None, tokens is not None
    )
    allocation_server = AllocationServer(server, health_servicer, pool, audit, workers)
    allocation_server.dask_client = servicer.dask_client
    return allocation_server, port


def _bind(server: grpc.Server, address: str, tls: TlsFiles | None) -> int:
    """Listen on ``address``; the bound port.

    Raises
    ------
    BindError
        The port is in use or the host is not an address of this machine.
    """
    try:
        if tls is not None:
            credentials = grpc.ssl_server_credentials(
                [(tls.key.read_bytes(), tls.cert.read_bytes())],
                root_certificates=tls.client_ca.read_bytes() if tls.client_ca else None,
                require_client_auth=tls.client_ca is not None,
            )
            port = server.add_secure_port(address, credentials)
        else:
            port = server.add_insecure_port(address)
    except RuntimeError:  # grpcio raises this when it cannot bind
        port = 0
    if not port:
        message = (
            f"cannot listen on {address}: the port is already in use (another fsf serve?) or "
            "the host is not an address of this machine; choose another --address"
        )
        raise BindError(message)
    return port


def serve(
    address: str = DEFAULT_ADDRESS,
    *,
    grace: float = DEFAULT_GRACE_SECONDS,
    ready: Callable[[int], None] | None = None,
    **kwargs: object,
) -> int:
    """Serve until SIGTERM or SIGINT, then drain calls within ``grace`` seconds.

    The worker processes ignore both signals (they are sent to the whole process group by
    Ctrl-C and ``systemctl stop``): the server drains the calls in flight, then stops them. A
    second signal ends the calls still in flight at once (UNAVAILABLE).

    Parameters
    ----------
    address
        ``host:port`` to listen on.
    grace
        Seconds that calls in flight get to finish after the signal.
    ready
        Called with the bound port once the server accepts calls.
    **kwargs
        Passed to :func:`create_server`.

    Returns
    -------
    int
        0 after a clean shutdown.
    """
    server, port = create_server(address, **kwargs)  # type: ignore[arg-type]
    stop_requested = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        logger.info("received %s", signal.Signals(signum).name)
        if stop_requested.is_set():
            server.hurry()  # a second signal: do not wait for the grace period
        stop_requested.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        server.start()
        if ready is not None:
            ready(port)
        while not stop_requested.wait(timeout=1.0):
            pass
        server.stop(grace)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        server.stop(0)
    return 0
