"""The Sweep call on the real server: progress then the summary, on the worker pool and on a
real 2-worker Dask cluster (same bytes), bad studies, deadlines, cancellation and roles."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from optimizer.io import load_scenario
from optimizer.service.auth import Role, TokenEntry, TokenTable, hash_token
from optimizer.service.server import AllocationServer, create_server
from optimizer.sweep.runner import SweepSpec, run_in_process
from optimizer.sweep.study import MonteCarlo
from optimizer.sweep.summary import summarise
from optimizer.v1 import allocation_pb2 as pb
from optimizer.v1 import allocation_pb2_grpc as pb_grpc

ROOT = Path(__file__).resolve().parents[1]
FASP = ROOT / "scenarios" / "fasp-2026"
FUND = 9_941_162_915
PLANNER = ("authorization", "Bearer planner-token")
AUDITOR = ("authorization", "Bearer auditor-token")


def _files() -> pb.ScenarioFiles:
    files = [
        pb.ScenarioFile(name=p.relative_to(FASP).as_posix(), content=p.read_bytes())
        for p in sorted(FASP.rglob("*"))
        if p.is_file() and p.suffix in {".yaml", ".csv"}
    ]
    return pb.ScenarioFiles(files=files)


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    """A real local Dask cluster: 2 worker processes; always closed."""
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",
        silence_logs=logging.ERROR,
    ) as local:
        yield local.scheduler_address


def _start(tmp: Path, **kwargs: object) -> tuple[AllocationServer, grpc.Channel]:
    tokens = TokenTable(
        [
            TokenEntry(hash_token("planner-token"), Role.PLANNER, "planner"),
            TokenEntry(hash_token("auditor-token"), Role.AUDITOR, "auditor"),
        ]
    )
    server, port = create_server(
        "127.0.0.1:0", store=f"sqlite:///{tmp / 'audit.sqlite3'}", tokens=tokens, **kwargs
    )  # type: ignore[arg-type]
    server.start()
    return server, grpc.insecure_channel(f"127.0.0.1:{port}")


@pytest.fixture(scope="module")
def pool_stub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[pb_grpc.AllocationServiceStub]:
    """A server whose Sweep calls run on its 2 worker processes."""
    server, channel = _start(tmp_path_factory.mktemp("pool"), workers=2)
    yield pb_grpc.AllocationServiceStub(channel)
    channel.close()
    server.stop(0)


@pytest.fixture(scope="module")
def dask_stub(
    tmp_path_factory: pytest.TempPathFactory, cluster: str
) -> Iterator[pb_grpc.AllocationServiceStub]:
    """A server given the Dask cluster (``fsf serve --dask-scheduler``)."""
    server, channel = _start(tmp_path_factory.mktemp("dask"), workers=1, dask_scheduler=cluster)
    yield pb_grpc.AllocationServiceStub(channel)
    channel.close()
    server.stop(0)


def _sweep(stub: pb_grpc.AllocationServiceStub, **fields: object) -> list[pb.SweepResponse]:
    request = pb.SweepRequest(files=_files(), **fields)  # type: ignore[arg-type]
    return list(stub.Sweep(request, timeout=120, metadata=[PLANNER]))


MONTE_CARLO = {"kind": pb.SWEEP_KIND_MONTE_CARLO, "samples": 1500, "seed": 4}


def test_monte_carlo_streams_progress_then_the_summary(
    pool_stub: pb_grpc.AllocationServiceStub,
) -> None:
    """Progress messages count up to every sample, then the summary equals the in-process one."""
    replies = _sweep(pool_stub, **MONTE_CARLO)
    progress = [r.progress for r in replies[:-1]]
    assert all(r.WhichOneof("event") == "progress" for r in replies[:-1])
    done = [p.samples_done for p in progress]
    assert done == sorted(done)
    assert done[-1] == 1500
    assert {p.samples_total for p in progress} == {1500}
    summary = replies[-1].summary
    assert summary.samples == summary.samples_with_plan == 1500
    assert sum(summary.baseline.values()) == FUND
    scenario = load_scenario(FASP / "scenario.yaml")
    local = summarise(run_in_process(SweepSpec(scenario, MonteCarlo(1500, 4, 100.0, 0.05))))
    assert [(r.region, r.p5, r.p50, r.p95, r.p_floor, r.p_cap) for r in summary.regions] == [
        (s.code, s.p5, s.p50, s.p95, s.p_floor, s.p_cap) for s in local.regions
    ]


def test_dask_cluster_gives_the_same_summary(
    pool_stub: pb_grpc.AllocationServiceStub, dask_stub: pb_grpc.AllocationServiceStub
) -> None:
    """The same sweep on the worker pool and on the Dask cluster: the same summary bytes."""
    on_pool = _sweep(pool_stub, **MONTE_CARLO)[-1].summary
    on_dask = _sweep(dask_stub, **MONTE_CARLO)[-1].summary
    assert on_dask.SerializeToString(deterministic=True) == on_pool.SerializeToString(
        deterministic=True
    )


def test_one_at_a_time_and_grid(pool_stub: pb_grpc.AllocationServiceStub) -> None:
    """One at a time reports effects with elasticities; a grid a plan per point and state."""
    effects = _sweep(pool_stub, kind=pb.SWEEP_KIND_ONE_AT_A_TIME)[-1].summary.effects
    weight = [e for e in effects if e.kind == "weight" and e.factor == "pop_conapo_mid2026"]
    assert len(weight) == 32
    assert all(e.HasField("elasticity") for e in weight)
    grid = pb.SweepGridAxis(weight="pop_conapo_mid2026", start=0.3, stop=0.5, step=0.1)
    points = _sweep(pool_stub, kind=pb.SWEEP_KIND_GRID, grid=[grid])[-1].summary.grid
    assert len(points) == 3 * 32
    for k in range(3):
        assert sum(p.amount for p in points if p.point == k) == FUND
    assert {p.change for p in points if p.point == 1} == {0}  # 0.4 is the stated weight


def _field_violations(err: grpc.RpcError) -> list[str]:
    status = rpc_status.from_call(err)  # type: ignore[arg-type]
    assert status is not None
    for detail in status.details:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            return [v.field for v in bad.field_violations]
    raise AssertionError("no BadRequest")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"kind": pb.SWEEP_KIND_MONTE_CARLO, "samples": 10, "concentration": 0.0}, "concentration"),
        ({"kind": pb.SWEEP_KIND_MONTE_CARLO, "samples": 100_001}, "samples"),
        ({"kind": pb.SWEEP_KIND_ONE_AT_A_TIME, "weight_step": -0.1}, "weight_step"),
        (
            {
                "kind": pb.SWEEP_KIND_GRID,
                "grid": [pb.SweepGridAxis(weight="poblacion", start=0.3, stop=0.5, step=0.1)],
            },
            "grid",
        ),
    ],
)
def test_bad_study_is_invalid_argument(
    pool_stub: pb_grpc.AllocationServiceStub, fields: dict[str, object], field: str
) -> None:
    """A bad study answers INVALID_ARGUMENT with the request field named."""
    with pytest.raises(grpc.RpcError) as info:
        _sweep(pool_stub, **fields)
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert _field_violations(info.value) == [field]


def test_roles(pool_stub: pb_grpc.AllocationServiceStub) -> None:
    """An auditor may not sweep; a caller without a token is not authenticated."""
    request = pb.SweepRequest(files=_files())
    with pytest.raises(grpc.RpcError) as info:
        list(pool_stub.Sweep(request, timeout=30, metadata=[AUDITOR]))
    assert info.value.code() == grpc.StatusCode.PERMISSION_DENIED
    with pytest.raises(grpc.RpcError) as info:
        list(pool_stub.Sweep(request, timeout=30))
    assert info.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_deadline_and_cancellation_free_the_workers(
    pool_stub: pb_grpc.AllocationServiceStub,
) -> None:
    """A sweep past its deadline ends DEADLINE_EXCEEDED; a cancelled one stops; the workers
    are then free for the next call."""
    request = pb.SweepRequest(
        files=_files(), kind=pb.SWEEP_KIND_MONTE_CARLO, samples=60_000, seed=1
    )
    with pytest.raises(grpc.RpcError) as info:
        list(pool_stub.Sweep(request, timeout=3, metadata=[PLANNER]))
    assert info.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    call = pool_stub.Sweep(request, timeout=120, metadata=[PLANNER])
    first = next(call)
    assert first.WhichOneof("event") == "progress"
    call.cancel()
    # The workers finish at most the chunk each was running, then answer the next call.
    reply = pool_stub.ValidateScenario(
        pb.ValidateScenarioRequest(files=_files()), timeout=60, metadata=[PLANNER]
    )
    assert reply.valid


def test_infeasible_stated_scenario_is_failed_precondition(
    pool_stub: pb_grpc.AllocationServiceStub,
) -> None:
    """A scenario whose own rules cannot hold answers FAILED_PRECONDITION, as Allocate does."""
    folder = ROOT / "scenarios" / "didactic" / "infeasible"
    files = [
        pb.ScenarioFile(name=p.relative_to(folder).as_posix(), content=p.read_bytes())
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.suffix in {".yaml", ".csv"}
    ]
    request = pb.SweepRequest(files=pb.ScenarioFiles(files=files))
    with pytest.raises(grpc.RpcError) as info:
        list(pool_stub.Sweep(request, timeout=60, metadata=[PLANNER]))
    assert info.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    details = info.value.details() or ""
    assert "$1,100,000" in details  # the floors, $100,000 above the fund
    assert "$100,000" in details


def test_serve_exits_2_when_the_dask_scheduler_does_not_answer(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """fsf serve --dask-scheduler with nothing listening: exit 2 naming the address."""
    import socket

    from optimizer.cli import EXIT_BAD_INPUT, main

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    store = f"sqlite:///{tmp_path / 'audit.sqlite3'}"
    code = main(
        ["serve", "--address", "127.0.0.1:0", "--store", store, "--dask-scheduler", address]
    )
    assert code == EXIT_BAD_INPUT
    assert f"no Dask scheduler answered at {address}" in capsys.readouterr().err


def test_structured_scenario_grid(pool_stub: pb_grpc.AllocationServiceStub) -> None:
    """A structured scenario (no files): a grid over the population weight, every point's plan
    summing to the fund, the stated weight's point equal to the stated plan."""
    from tests.service_support import FUND as SMALL_FUND
    from tests.service_support import small_scenario

    grid = pb.SweepGridAxis(weight="population", start=0.4, stop=0.6, step=0.1)
    request = pb.SweepRequest(scenario=small_scenario(), kind=pb.SWEEP_KIND_GRID, grid=[grid])
    replies = list(pool_stub.Sweep(request, timeout=60, metadata=[PLANNER]))
    summary = replies[-1].summary
    assert summary.kind == pb.SWEEP_KIND_GRID
    assert sum(summary.baseline.values()) == SMALL_FUND
    for k in range(3):
        assert sum(p.amount for p in summary.grid if p.point == k) == SMALL_FUND
    stated = {p.region: p.amount for p in summary.grid if p.point == 1}  # population 0.5
    assert stated == dict(summary.baseline)
