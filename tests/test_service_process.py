"""The server as an operator runs it: its own process group, signals, kill -9, restarts, flags."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from optimizer.v1 import allocation_pb2 as pb
from optimizer.v1 import allocation_pb2_grpc as pb_grpc
from tests.service_support import FUND, small_scenario

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/stat").exists(), reason="reads the process table from /proc"
)


def _group(pgid: int) -> list[int]:
    """Live (not zombie) processes of a process group."""
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) == pgid and fields[0] != "Z":
                out.append(int(entry))
    return out


def _wait_group_empty(pgid: int, seconds: float = 5.0) -> list[int]:
    """The processes of the group still alive after ``seconds`` (empty once all exited)."""
    end = time.monotonic() + seconds
    while (left := _group(pgid)) and time.monotonic() < end:
        time.sleep(0.05)
    return left


def _start(args: list[str], prefix: str, **env: str) -> tuple[subprocess.Popen[str], int]:
    """A server process in its own process group (as a shell or systemd starts it); its port."""
    proc = subprocess.Popen(
        args,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert proc.stdout is not None
    line = ""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line or line.startswith(prefix):
            break
    if not line.startswith(prefix):
        os.killpg(proc.pid, signal.SIGKILL)
        _, err = proc.communicate()
        pytest.fail(f"the server did not report its port (exit {proc.wait()}): {err[-2000:]}")
    # Keep reading stderr so that the server never blocks on a full pipe.
    threading.Thread(target=proc.stderr.read, daemon=True).start()  # type: ignore[union-attr]
    return proc, int(line.rsplit(":" if ":" in line else " ", 1)[1])


@contextmanager
def _server(store: str, grace: float, workers: int = 2) -> Iterator[tuple[int, int]]:
    """``python -m tests.service_support`` in its own group: (process group id, port)."""
    args = [sys.executable, "-m", "tests.service_support", store, str(grace), str(workers)]
    proc, port = _start(args, "PORT ")
    try:
        yield proc.pid, port
    finally:
        _kill_group(proc)


def _kill_group(proc: subprocess.Popen[str]) -> None:
    """kill -9 whatever is left of the server's process group (orphans included) and reap."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)


def _allocate(stub: pb_grpc.AllocationServiceStub, name: str, fund: int) -> pb.AllocateResponse:
    reply: pb.AllocateResponse = stub.Allocate(
        pb.AllocateRequest(scenario=small_scenario(name, fund=fund)), timeout=30
    )
    return reply


# -- item 4: Ctrl-C and systemctl stop signal the whole process group --------------------------


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_signal_to_the_process_group_answers_every_call(tmp_path: Path, signum: int) -> None:
    """SIGINT or SIGTERM to every process: the calls in flight and queued get their plans, new
    calls are refused UNAVAILABLE during the drain, exit 0."""
    store = f"sqlite:///{tmp_path / 'audit.sqlite3'}"
    args = [sys.executable, "-m", "tests.service_support", store, "10", "2"]
    proc, port = _start(args, "PORT ")
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = pb_grpc.AllocationServiceStub(channel)
            health = health_pb2_grpc.HealthStub(channel)
            assert health.Check(health_pb2.HealthCheckRequest(), timeout=5).status == (
                health_pb2.HealthCheckResponse.SERVING
            )
            with ThreadPoolExecutor(max_workers=3) as threads:
                calls = [
                    threads.submit(_allocate, stub, name, FUND + i)
                    for i, name in enumerate(("sleep-1.5-a", "sleep-1.5-b", "sleep-0.3-queued"))
                ]
                time.sleep(0.5)
                os.killpg(proc.pid, signum)
                time.sleep(0.3)
                with pytest.raises(grpc.RpcError) as refused:
                    stub.ListAllocations(pb.ListAllocationsRequest(), timeout=2)
                replies = [c.result() for c in calls]
        assert refused.value.code() == grpc.StatusCode.UNAVAILABLE
        assert [sum(c.amount for c in r.allocation.cells) for r in replies] == [
            FUND,
            FUND + 1,
            FUND + 2,
        ]
        assert proc.wait(timeout=30) == 0
        assert _wait_group_empty(proc.pid) == []
    finally:
        _kill_group(proc)


def test_a_call_outlasting_the_grace_period_is_answered_unavailable(tmp_path: Path) -> None:
    """A solve longer than the grace period is ended and answered UNAVAILABLE before it ends."""
    store = f"sqlite:///{tmp_path / 'audit.sqlite3'}"
    args = [sys.executable, "-m", "tests.service_support", store, "2.5", "1"]
    proc, port = _start(args, "PORT ")
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = pb_grpc.AllocationServiceStub(channel)
            call = stub.Allocate.future(
                pb.AllocateRequest(scenario=small_scenario("spin-30")), timeout=30
            )
            time.sleep(0.5)
            signalled = time.monotonic()
            os.killpg(proc.pid, signal.SIGTERM)
            with pytest.raises(grpc.RpcError) as info:
                call.result()
            answered = time.monotonic() - signalled
        assert info.value.code() == grpc.StatusCode.UNAVAILABLE
        assert "shutting down" in (info.value.details() or "")
        assert answered < 2.5  # within the grace period
        assert proc.wait(timeout=30) == 0
        assert _wait_group_empty(proc.pid) == []
    finally:
        _kill_group(proc)


# -- item 5: no orphans ----------------------------------------------------------------------


def test_workers_and_resource_tracker_exit_when_the_server_is_killed(tmp_path: Path) -> None:
    """After kill -9 of the server alone, its workers and the resource tracker exit too."""
    with _server(f"sqlite:///{tmp_path / 'audit.sqlite3'}", 10, workers=1) as (pgid, _port):
        assert len(_group(pgid)) >= 2  # the server, its worker (and the resource tracker)
        os.kill(pgid, signal.SIGKILL)
        assert _wait_group_empty(pgid) == []


# -- the chaos test --------------------------------------------------------------------------


def _load(port: int, keys: list[str], acked: dict[str, pb.Allocation]) -> None:
    """Allocate each key once (small scenarios, fund by key), keeping the acknowledged replies."""
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = pb_grpc.AllocationServiceStub(channel)
        for key in keys:
            i = int(key.rsplit("-", 1)[1])
            request = pb.AllocateRequest(
                scenario=small_scenario(f"chaos-{i}", fund=FUND + i), request_id=key
            )
            try:
                acked[key] = stub.Allocate(request, timeout=5).allocation
            except grpc.RpcError:
                continue


def test_chaos_kill_minus_9_mid_load_loses_no_acknowledged_run(tmp_path: Path) -> None:
    """kill -9 of server and workers mid-load: acknowledged runs survive intact, retries dedupe."""
    db = tmp_path / "audit.sqlite3"
    store = f"sqlite:///{db}"
    keys = [f"chaos-key-{i}" for i in range(60)]
    acked: dict[str, pb.Allocation] = {}
    with _server(store, 10) as (pgid, port), ThreadPoolExecutor(max_workers=4) as threads:
        load = [threads.submit(_load, port, keys[i::4], acked) for i in range(4)]
        give_up = time.monotonic() + 30
        while len(acked) < 8 and time.monotonic() < give_up:
            time.sleep(0.01)
        os.killpg(pgid, signal.SIGKILL)
        for f in load:
            f.result()
    assert 8 <= len(acked) < len(keys)  # killed mid-load
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    with _server(store, 10) as (_pgid, port), grpc.insecure_channel(f"127.0.0.1:{port}") as ch:
        stub = pb_grpc.AllocationServiceStub(ch)
        for key, allocation in acked.items():
            stored = stub.GetAllocation(
                pb.GetAllocationRequest(run_id=allocation.run_id), timeout=5
            ).allocation
            assert stored == allocation, key
        retried: dict[str, pb.Allocation] = {}
        with ThreadPoolExecutor(max_workers=4) as threads:
            for f in [threads.submit(_load, port, keys[i::4], retried) for i in range(4)]:
                f.result()
        assert sorted(retried) == sorted(keys)
        for key, allocation in acked.items():
            assert retried[key].run_id == allocation.run_id
        listed = stub.ListAllocations(pb.ListAllocationsRequest(page_size=500), timeout=5)
    request_ids = [a.request_id for a in listed.allocations]
    assert sorted(request_ids) == sorted(keys)  # one run per key, no duplicates
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]


# -- item 10: fsf serve flags ----------------------------------------------------------------


def _fsf(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "optimizer.cli", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_fsf_serve_on_a_port_in_use_says_so(tmp_path: Path) -> None:
    """``fsf serve`` on a port another process listens on exits 2 saying the port is in use."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _fsf(
            "serve",
            "--address",
            f"127.0.0.1:{port}",
            "--store",
            f"sqlite:///{tmp_path / 'a.sqlite3'}",
            "--workers",
            "1",
        )
    assert result.returncode == 2, result.stderr
    assert "already in use" in result.stderr
    assert "internal error" not in result.stderr


def test_fsf_serve_insecure_logs_a_warning(tmp_path: Path) -> None:
    """``--insecure`` on an address without TLS and tokens logs a warning saying what is exposed."""
    # 192.0.2.1 (TEST-NET-1) is never an address of this machine: the bind fails right after
    # the warning, so nothing is exposed by the test.
    result = _fsf(
        "serve",
        "--address",
        "192.0.2.1:0",
        "--insecure",
        "--store",
        f"sqlite:///{tmp_path / 'a.sqlite3'}",
        "--workers",
        "1",
    )
    assert "WARNING" in result.stderr
    assert "--insecure" in result.stderr
    assert "without TLS and tokens" in result.stderr
    assert result.returncode == 2
    assert "cannot listen on 192.0.2.1:0" in result.stderr


@pytest.mark.parametrize("how", ["file", "environment"])
def test_fsf_serve_reads_the_store_url_off_the_command_line(tmp_path: Path, how: str) -> None:
    """``fsf serve`` with the store URL in a file or in FSF_STORE_URL: the URL is absent from the
    process list, health says SERVING, a plan sums to its fund and lands in that store, and
    SIGTERM ends the server with exit 0."""
    db = tmp_path / "secret-store.sqlite3"
    url = f"sqlite:///{db}"
    args = [sys.executable, "-m", "optimizer.cli", "serve", "--address", "127.0.0.1:0"]
    args += ["--workers", "1", "--grace", "2"]
    env = {}
    if how == "file":
        (tmp_path / "store-url").write_text(url + "\n", encoding="utf-8")
        args += ["--store-url-file", str(tmp_path / "store-url")]
    else:
        env["FSF_STORE_URL"] = url
    proc, port = _start(args, "fsf serve: listening on", **env)
    try:
        cmdline = Path(f"/proc/{proc.pid}/cmdline").read_bytes().decode()
        assert "secret-store" not in cmdline
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            health = health_pb2_grpc.HealthStub(channel)
            assert health.Check(health_pb2.HealthCheckRequest(), timeout=5).status == (
                health_pb2.HealthCheckResponse.SERVING
            )
            stub = pb_grpc.AllocationServiceStub(channel)
            reply = _allocate(stub, "tri", FUND)
            assert sum(c.amount for c in reply.allocation.cells) == FUND
            run_id = reply.allocation.run_id
        os.killpg(proc.pid, signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        _kill_group(proc)
    with sqlite3.connect(db) as conn:
        assert conn.execute("select run_id from allocation_runs").fetchall() == [(run_id,)]
