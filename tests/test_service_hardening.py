"""Hostile and careless callers against the real server: deadlines, ids, names, long texts."""

from __future__ import annotations

import base64
import os
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from optimizer.service.server import AllocationServer, create_server
from optimizer.v1 import allocation_pb2 as pb
from optimizer.v1 import allocation_pb2_grpc as pb_grpc
from tests.service_support import FUND, faulty_solve, small_scenario
from tests.test_store import _postgres_url

ROOT = Path(__file__).resolve().parent.parent
FASP_2026 = ROOT / "scenarios" / "fasp-2026"
WORKERS = 2
QUEUED = 6
"""The module server's bound of calls waiting for a worker."""
THREADS = 24
"""The module server's gRPC threads, which also bound the calls it holds at once."""
WORKER_MIB = 512
"""The module server's memory limit per worker process."""
TICKS = os.sysconf("SC_CLK_TCK")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[AllocationServer, int]]:
    """A real server with two worker processes and a SQLite store in a temporary folder."""
    db = tmp_path_factory.mktemp("store") / "audit.sqlite3"
    srv, port = create_server(
        "127.0.0.1:0",
        store=f"sqlite:///{db}",
        workers=WORKERS,
        solve=faulty_solve,
        max_queued=QUEUED,
        grpc_threads=THREADS,
        worker_memory_mib=WORKER_MIB,
    )
    srv.start()
    yield srv, port
    srv.stop(0)


@pytest.fixture(scope="module")
def stub(server: tuple[AllocationServer, int]) -> Iterator[pb_grpc.AllocationServiceStub]:
    """A stub over a plaintext channel to the module's server."""
    with grpc.insecure_channel(f"127.0.0.1:{server[1]}") as channel:
        yield pb_grpc.AllocationServiceStub(channel)


def _error(call: object) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as info:
        call()  # type: ignore[operator]
    return info.value


def _violations(err: grpc.RpcError) -> list[error_details_pb2.BadRequest.FieldViolation]:
    status = rpc_status.from_call(err)  # type: ignore[arg-type]
    assert status is not None
    bad = error_details_pb2.BadRequest()
    assert status.details[0].Unpack(bad)
    return list(bad.field_violations)


def _fasp_files() -> dict[str, bytes]:
    return {
        p.relative_to(FASP_2026).as_posix(): p.read_bytes()
        for p in sorted(FASP_2026.rglob("*"))
        if p.is_file() and p.suffix in {".yaml", ".csv"}
    }


def _files_request(files: dict[str, bytes]) -> pb.AllocateRequest:
    return pb.AllocateRequest(
        files=pb.ScenarioFiles(files=[pb.ScenarioFile(name=n, content=c) for n, c in files.items()])
    )


def _children() -> list[int]:
    """Process ids whose parent is this (test) process: the in-process server's workers."""
    me = str(os.getpid())
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if stat.rsplit(")", 1)[1].split()[1] == me:
                out.append(int(entry))
    return out


def _cpu_seconds(pids: list[int]) -> float:
    """User plus system CPU seconds used so far by the live processes among ``pids``."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z":
            total += (int(fields[11]) + int(fields[12])) / TICKS
    return total


def _busy_after(pids: list[int], wait: float = 0.5, window: float = 1.0) -> float:
    """CPU seconds that ``pids`` use during ``window`` seconds, starting ``wait`` seconds from now."""
    time.sleep(wait)
    before = _cpu_seconds(pids)
    time.sleep(window)
    return _cpu_seconds(pids) - before


# -- item 1: the work of a call whose deadline has passed stops --------------------------------


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads CPU times from /proc")
def test_a_solve_past_its_deadline_stops_using_cpu(
    server: tuple[AllocationServer, int], stub: pb_grpc.AllocationServiceStub
) -> None:
    """A solve that keeps a CPU busy is ended when its caller's deadline passes."""
    watched = [os.getpid(), *_children()]
    err = _error(
        lambda: stub.Allocate(pb.AllocateRequest(scenario=small_scenario("spin-30")), timeout=1)
    )
    assert err.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    assert _busy_after(watched) < 0.3
    reply = stub.Allocate(pb.AllocateRequest(scenario=small_scenario()), timeout=60)
    assert sum(c.amount for c in reply.allocation.cells) == FUND


@pytest.mark.skipif(not FASP_2026.is_dir(), reason="scenarios/fasp-2026 is not in this checkout")
def test_validate_scenario_reads_in_a_worker_under_the_deadline(
    stub: pb_grpc.AllocationServiceStub,
) -> None:
    """A YAML alias bomb sent to ValidateScenario costs no CPU once the call's deadline passed."""
    files = _fasp_files()
    bomb = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    bomb += [f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 10) + "]" for n in range(1, 6)]
    files["scenario.yaml"] += ("\n" + "\n".join(bomb) + "\n").encode()
    request = pb.ValidateScenarioRequest(
        files=pb.ScenarioFiles(files=[pb.ScenarioFile(name=n, content=c) for n, c in files.items()])
    )
    watched = [os.getpid(), *_children()]
    start = time.monotonic()
    code = grpc.StatusCode.OK
    try:
        reply = stub.ValidateScenario(request, timeout=1)
        assert not reply.valid  # refused by a parsing limit: fine too
    except grpc.RpcError as err:
        code = err.code()
    # Refused by a parsing limit (OK, not valid), the deadline, or the worker memory limit.
    assert code in (
        grpc.StatusCode.OK,
        grpc.StatusCode.DEADLINE_EXCEEDED,
        grpc.StatusCode.RESOURCE_EXHAUSTED,
    )
    # The deadline is 1 s; an unbounded bomb runs for tens of seconds (slack for a busy machine).
    assert time.monotonic() - start < 3.0
    assert _busy_after(watched) < 0.3


def test_a_worker_that_dies_is_replaced(stub: pb_grpc.AllocationServiceStub) -> None:
    """A worker process that dies mid-call gives INTERNAL, and the next calls are served."""
    err = _error(
        lambda: stub.Allocate(pb.AllocateRequest(scenario=small_scenario("exit-hard")), timeout=30)
    )
    assert err.code() == grpc.StatusCode.INTERNAL
    funds = [FUND + 21, FUND + 22, FUND + 23]
    with ThreadPoolExecutor(max_workers=3) as threads:
        replies = list(
            threads.map(
                lambda f: stub.Allocate(
                    pb.AllocateRequest(scenario=small_scenario(fund=f)), timeout=60
                ),
                funds,
            )
        )
    assert [sum(c.amount for c in r.allocation.cells) for r in replies] == funds


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="RLIMIT_DATA is Linux's")
def test_a_request_that_needs_too_much_memory_is_resource_exhausted(
    stub: pb_grpc.AllocationServiceStub,
) -> None:
    """A solve that outgrows the worker memory limit is RESOURCE_EXHAUSTED, not the machine's.

    Workers had no limit: a 100 KB request (2,000 regions x 100 axes) took 1.2 GiB, and a few at
    once could take the memory of the server and of every other worker.
    """
    err = _error(
        lambda: stub.Allocate(
            pb.AllocateRequest(scenario=small_scenario(f"alloc-{2 * WORKER_MIB}")), timeout=30
        )
    )
    assert err.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "memory" in (err.details() or "")
    funds = [FUND + 41, FUND + 42]
    with ThreadPoolExecutor(max_workers=2) as threads:
        replies = list(
            threads.map(
                lambda f: stub.Allocate(
                    pb.AllocateRequest(scenario=small_scenario(f"alloc-64-{f}", fund=f)),
                    timeout=60,
                ),
                funds,
            )
        )
    assert [sum(c.amount for c in r.allocation.cells) for r in replies] == funds


# -- item 10: queued calls, same request_id --------------------------------------------------


def test_cancelled_queued_calls_never_take_a_worker(stub: pb_grpc.AllocationServiceStub) -> None:
    """Calls cancelled while queued are dropped: the next call runs as soon as a worker is free."""
    busy = [
        stub.Allocate.future(
            pb.AllocateRequest(scenario=small_scenario(f"sleep-1.5-busy{i}")), timeout=30
        )
        for i in range(WORKERS)
    ]
    time.sleep(0.3)
    queued = [
        stub.Allocate.future(
            pb.AllocateRequest(scenario=small_scenario(f"sleep-3-queued{i}")), timeout=30
        )
        for i in range(3)
    ]
    time.sleep(0.3)
    for call in queued:
        assert call.cancel()
    start = time.monotonic()
    reply = stub.Allocate(pb.AllocateRequest(scenario=small_scenario(fund=FUND + 11)), timeout=30)
    assert sum(c.amount for c in reply.allocation.cells) == FUND + 11
    # The busy calls end about 0.9 s from now; a cancelled 3-second solve would add 3 s.
    assert time.monotonic() - start < 2.5
    assert [sum(c.amount for c in f.result().allocation.cells) for f in busy] == [FUND] * 2


def test_concurrent_calls_with_one_request_id_solve_once(
    stub: pb_grpc.AllocationServiceStub,
) -> None:
    """Three concurrent calls with one request_id: one solves, the others wait and replay it."""
    request = pb.AllocateRequest(
        scenario=small_scenario("sleep-2.0-same"), request_id="same-key-concurrent"
    )
    start = time.monotonic()
    with ThreadPoolExecutor(max_workers=3) as threads:
        replies = list(threads.map(lambda _: stub.Allocate(request, timeout=30), range(3)))
    elapsed = time.monotonic() - start
    assert len({r.allocation.run_id for r in replies}) == 1
    assert sorted(r.replayed for r in replies) == [False, True, True]
    assert all(list(r.allocation.cells) == list(replies[0].allocation.cells) for r in replies)
    # Three solves of 2 s on two workers would take at least 4 s; one solve and two replays, 2 s.
    assert elapsed < 3.5


def test_when_the_first_call_with_a_request_id_is_cancelled_a_waiting_one_solves(
    stub: pb_grpc.AllocationServiceStub,
) -> None:
    """The call waiting for a cancelled first call with its request_id solves it itself.

    It neither hangs waiting for a run that will never be stored nor inherits the first
    caller's CANCELLED.
    """
    request = pb.AllocateRequest(
        scenario=small_scenario("sleep-0.8-first", fund=FUND + 51), request_id="first-cancelled"
    )
    first = stub.Allocate.future(request, timeout=30)
    time.sleep(0.3)
    waiting = stub.Allocate.future(request, timeout=30)
    time.sleep(0.2)
    assert first.cancel()
    reply = waiting.result()
    assert sum(c.amount for c in reply.allocation.cells) == FUND + 51
    assert not reply.replayed
    assert reply.allocation.request_id == "first-cancelled"


def test_a_flood_of_calls_is_refused_resource_exhausted(
    stub: pb_grpc.AllocationServiceStub,
) -> None:
    """Beyond the queue bound Allocate is refused at once; beyond the thread bound, any call.

    Neither was bounded: every call waited in the server, holding its request (up to 16 MiB),
    so a flood of calls grew the server's memory without limit.
    """
    busy = [
        stub.Allocate.future(
            pb.AllocateRequest(scenario=small_scenario(f"sleep-2-flood{i}")), timeout=30
        )
        for i in range(WORKERS)
    ]
    time.sleep(0.3)
    # Queue calls until one is refused (within 2 s, while both workers are busy): a worker
    # still restarting after an earlier test may take a queued call meanwhile, so the count
    # is a range, not exact.
    queued: list[grpc.Future] = []
    refused: grpc.RpcError | None = None
    for i in range(QUEUED + WORKERS + 2):
        call = stub.Allocate.future(
            pb.AllocateRequest(scenario=small_scenario(f"sleep-3-flood-queued{i}")), timeout=30
        )
        try:
            refused = call.exception(timeout=0.1)  # refused at once, or still waiting
        except grpc.FutureTimeoutError:
            queued.append(call)
            continue
        break
    assert refused is not None
    assert refused.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "busy" in (refused.details() or "")
    assert QUEUED - WORKERS <= len(queued) <= QUEUED + WORKERS
    for call in queued:
        call.cancel()
    # Waiting for the busy calls also gives the server time to see the cancellations.
    assert [sum(c.amount for c in f.result().allocation.cells) for f in busy] == [FUND] * 2
    # Calls with one request_id wait for the first without a queue place, but each holds a
    # thread: past the thread bound they are refused by gRPC, not queued inside it.
    request = pb.AllocateRequest(scenario=small_scenario("sleep-1-flood"), request_id="flood")
    first = stub.Allocate.future(request, timeout=30)
    time.sleep(0.2)
    calls = [stub.Allocate.future(request, timeout=30) for _ in range(THREADS + 8)]
    run_id = first.result().allocation.run_id
    codes = [c.code() for c in calls]
    assert set(codes) <= {grpc.StatusCode.OK, grpc.StatusCode.RESOURCE_EXHAUSTED}
    held_back = [c for c in calls if c.code() != grpc.StatusCode.OK and "busy" not in c.details()]
    assert len(held_back) >= 8
    assert {c.result().allocation.run_id for c in calls if c.code() == grpc.StatusCode.OK} <= {
        run_id
    }


# -- item 6: messages that echo client input stay short ------------------------------------


@pytest.mark.skipif(not FASP_2026.is_dir(), reason="scenarios/fasp-2026 is not in this checkout")
def test_a_thousand_files_with_one_missing_is_invalid_argument(
    stub: pb_grpc.AllocationServiceStub,
) -> None:
    """1,000 uploaded files without the states table: INVALID_ARGUMENT naming it, not a size error."""
    files = _fasp_files()
    del files["data/states.csv"]
    for i in range(1000):
        files[f"data/padding/a-rather-long-file-name-for-padding-number-{i:04d}.csv"] = b"x\n"
    err = _error(lambda: stub.Allocate(_files_request(files), timeout=60))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "states.csv" in (err.details() or "")
    assert len(err.details() or "") <= 300
    assert any("states.csv" in v.description for v in _violations(err))


def test_a_huge_run_id_or_page_token_is_invalid_argument(
    stub: pb_grpc.AllocationServiceStub,
) -> None:
    """A 100,000-character run id or page token is INVALID_ARGUMENT with a short message."""
    huge = "r" * 100_000
    for call in (
        lambda: stub.GetAllocation(pb.GetAllocationRequest(run_id=huge), timeout=5),
        lambda: stub.CompareAllocations(
            pb.CompareAllocationsRequest(base_run_id=huge, other_run_id=huge), timeout=5
        ),
        lambda: stub.ListAllocations(pb.ListAllocationsRequest(page_token=huge), timeout=5),
    ):
        err = _error(call)
        assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert len(err.details() or "") <= 300


def test_long_problem_texts_fit_the_metadata_limit() -> None:
    """Accented, very long problem texts still give a status under the 8 KiB metadata limit."""
    from urllib.parse import quote

    from optimizer.errors import Problem, ScenarioError
    from optimizer.service.errors import status_for

    problems = [Problem("región " * 5_000, "año inválido " * 5_000, "f" * 5_000)] * 50
    code, status = status_for(ScenarioError(problems))
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    header = len(quote(status.message)) + len(status.SerializeToString()) * 4 // 3
    assert header < 8192 - 512


@pytest.mark.parametrize("char", ["é", "€", "😀"])
def test_multibyte_problem_texts_fit_the_metadata_limit(char: str) -> None:
    """Two-, three- and four-byte characters at any length keep the status under 8 KiB.

    The message cap counted characters: 300 four-byte characters percent-encode to 3,600 bytes
    and, next to a full details budget, passed the limit at some text lengths.
    """
    from urllib.parse import quote

    from optimizer.errors import Problem, ScenarioError
    from optimizer.service.errors import status_for

    worst = 0
    for length in range(10, 700, 15):
        problems = [Problem(char * length, char * length, char * length)] * 50
        _, status = status_for(ScenarioError(problems))
        worst = max(worst, len(quote(status.message)) + len(status.SerializeToString()) * 4 // 3)
    assert worst < 8192 - 512


# -- item 10: uploaded names outside the scenario folder --------------------------------------


@pytest.mark.skipif(not FASP_2026.is_dir(), reason="scenarios/fasp-2026 is not in this checkout")
def test_uploaded_file_outside_the_folder_is_named(stub: pb_grpc.AllocationServiceStub) -> None:
    """A file named ../../etc/passwd is INVALID_ARGUMENT naming it, not silently dropped."""
    files = _fasp_files()
    files["../../etc/passwd"] = b"root:x:0:0::/root:/bin/sh\n"
    files["/abs.csv"] = b"x\n"
    err = _error(lambda: stub.Allocate(_files_request(files), timeout=60))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    violations = _violations(err)
    names = list(files)
    assert [v.field for v in violations] == [
        f"files.files[{names.index('../../etc/passwd')}].name",
        f"files.files[{names.index('/abs.csv')}].name",
    ]
    assert "../../etc/passwd" in violations[0].description
    validated = stub.ValidateScenario(
        pb.ValidateScenarioRequest(files=_files_request(files).files), timeout=60
    )
    assert not validated.valid
    assert any("../../etc/passwd" in p.message for p in validated.problems)


# -- item 7: page tokens and NUL characters, on SQLite and PostgreSQL -------------------------


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def any_store_stub(request: pytest.FixtureRequest) -> Iterator[pb_grpc.AllocationServiceStub]:
    """The module's server (SQLite), or a one-worker server on the CI script's PostgreSQL."""
    if request.param == "sqlite":
        # The module's server already stores in SQLite: another would cost a start-up.
        yield request.getfixturevalue("stub")
        return
    srv, port = create_server("127.0.0.1:0", store=_postgres_url(), workers=1, solve=faulty_solve)
    srv.start()
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        yield pb_grpc.AllocationServiceStub(channel)
    srv.stop(0)


def test_crafted_page_tokens_are_invalid_argument(
    any_store_stub: pb_grpc.AllocationServiceStub,
) -> None:
    """Page tokens that overflow the query's integer, or are negative, are INVALID_ARGUMENT."""
    for seq in ("9" * 30, str(2**63), "-5", "0", "1e9", " 7"):
        token = base64.urlsafe_b64encode(f"v1:{seq}".encode()).decode()
        err = _error(
            lambda token=token: any_store_stub.ListAllocations(
                pb.ListAllocationsRequest(page_token=token), timeout=5
            )
        )
        assert err.code() == grpc.StatusCode.INVALID_ARGUMENT, seq
        assert [v.field for v in _violations(err)] == ["page_token"]


def test_nul_characters_are_invalid_argument(
    any_store_stub: pb_grpc.AllocationServiceStub,
) -> None:
    """NUL in request_id, scenario name or run ids, or a 300-character name: INVALID_ARGUMENT."""
    stub = any_store_stub
    cases = [
        (
            lambda: stub.Allocate(
                pb.AllocateRequest(scenario=small_scenario(), request_id="key\x00nul"), timeout=30
            ),
            "request_id",
        ),
        (
            lambda: stub.Allocate(
                pb.AllocateRequest(scenario=small_scenario("a\x00b")), timeout=30
            ),
            "name",
        ),
        (
            lambda: stub.Allocate(
                pb.AllocateRequest(scenario=small_scenario("n" * 300)), timeout=30
            ),
            "name",
        ),
        (
            lambda: stub.GetAllocation(pb.GetAllocationRequest(run_id="run\x00id"), timeout=5),
            "run_id",
        ),
        (
            lambda: stub.CompareAllocations(
                pb.CompareAllocationsRequest(base_run_id="a\x00", other_run_id="b"), timeout=5
            ),
            "base_run_id",
        ),
    ]
    for call, field in cases:
        err = _error(call)
        assert err.code() == grpc.StatusCode.INVALID_ARGUMENT, field
        assert [v.field for v in _violations(err)] == [field]
    # Calls that are not refused still allocate, commit and read back on either store.
    request_id = f"after-nul-{time.time_ns()}"
    request = pb.AllocateRequest(scenario=small_scenario(), request_id=request_id)
    reply = stub.Allocate(request, timeout=30)
    assert sum(c.amount for c in reply.allocation.cells) == FUND
    stored = stub.GetAllocation(
        pb.GetAllocationRequest(run_id=reply.allocation.run_id), timeout=5
    ).allocation
    assert sum(c.amount for c in stored.cells) == FUND
    assert stored.input_sha256 == reply.allocation.input_sha256
    assert stored.request_id == request_id
