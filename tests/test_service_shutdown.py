"""SIGTERM on a server process: calls in flight finish, new calls are refused, exit code 0."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from optimizer.v1 import allocation_pb2 as pb
from optimizer.v1 import allocation_pb2_grpc as pb_grpc
from tests.service_support import FUND, small_scenario

ROOT = Path(__file__).resolve().parent.parent


def _start(args: list[str], prefix: str) -> tuple[subprocess.Popen[str], int]:
    """Start a server process and read its port from the first line that starts with prefix."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        if line.startswith(prefix):
            return proc, int(line.rsplit(":" if ":" in line else " ", 1)[1])
    proc.kill()
    pytest.fail(f"the server did not report its port (exit code {proc.wait()})")


def test_sigterm_drains_calls_in_flight(tmp_path: Path) -> None:
    """After SIGTERM the two solves in flight still return exact plans and the process exits 0."""
    store = f"sqlite:///{tmp_path / 'audit.sqlite3'}"
    proc, port = _start([sys.executable, "-m", "tests.service_support", store, "10"], "PORT ")
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = pb_grpc.AllocationServiceStub(channel)
            health = health_pb2_grpc.HealthStub(channel)
            assert health.Check(health_pb2.HealthCheckRequest(), timeout=5).status == (
                health_pb2.HealthCheckResponse.SERVING
            )
            with ThreadPoolExecutor(max_workers=2) as threads:
                in_flight = [
                    threads.submit(
                        stub.Allocate,
                        pb.AllocateRequest(
                            scenario=small_scenario(f"sleep-1.5-{i}", fund=FUND + i)
                        ),
                        timeout=30,
                    )
                    for i in range(2)
                ]
                time.sleep(0.5)
                proc.send_signal(signal.SIGTERM)
                time.sleep(0.3)
                with pytest.raises(grpc.RpcError) as refused:
                    stub.ListAllocations(pb.ListAllocationsRequest(), timeout=2)
                replies = [f.result() for f in in_flight]
        assert refused.value.code() == grpc.StatusCode.UNAVAILABLE
        assert [sum(c.amount for c in r.allocation.cells) for r in replies] == [FUND, FUND + 1]
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_fsf_serve_starts_answers_and_stops_on_sigterm(tmp_path: Path) -> None:
    """``fsf serve`` on port 0 answers health and an allocation, then exits 0 on SIGTERM."""
    store = f"sqlite:///{tmp_path / 'audit.sqlite3'}"
    args = [
        sys.executable,
        "-m",
        "optimizer.cli",
        "serve",
        "--address",
        "127.0.0.1:0",
        "--store",
        store,
        "--workers",
        "1",
        "--grace",
        "2",
    ]
    proc, port = _start(args, "fsf serve: listening on")
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            health = health_pb2_grpc.HealthStub(channel)
            assert health.Check(health_pb2.HealthCheckRequest(), timeout=5).status == (
                health_pb2.HealthCheckResponse.SERVING
            )
            stub = pb_grpc.AllocationServiceStub(channel)
            reply = stub.Allocate(pb.AllocateRequest(scenario=small_scenario()), timeout=30)
            assert sum(c.amount for c in reply.allocation.cells) == FUND
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_fsf_serve_refuses_public_address_without_protection(tmp_path: Path) -> None:
    """``fsf serve --address 0.0.0.0:0`` without tokens and TLS exits 2 with a reason."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "optimizer.cli",
            "serve",
            "--address",
            "0.0.0.0:0",
            "--store",
            f"sqlite:///{tmp_path / 'a.sqlite3'}",
            "--workers",
            "1",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "--insecure" in result.stderr
