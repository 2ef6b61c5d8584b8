"""The service carries the programa tree, proposals, co-financing, calendar and municipalities.

A real server and client on a loopback port: files uploaded and structured scenarios, each new
part of the plan checked for its exact sums; a flat scenario (an old client) gets none of them.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from optimizer.service.server import AllocationServer, create_server
from optimizer.v1 import allocation_pb2 as pb
from optimizer.v1 import allocation_pb2_grpc as pb_grpc
from tests.service_support import small_scenario

ROOT = Path(__file__).resolve().parent.parent
CONCERTACION = ROOT / "scenarios" / "fasp-2026-concertacion"


@pytest.fixture(scope="module")
def stub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[pb_grpc.AllocationServiceStub]:
    """A real server (one worker process, SQLite store) and a plaintext client."""
    db = tmp_path_factory.mktemp("store") / "audit.sqlite3"
    server: AllocationServer
    server, port = create_server("127.0.0.1:0", store=f"sqlite:///{db}", workers=1)
    server.start()
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        yield pb_grpc.AllocationServiceStub(channel)
    server.stop(0)


def _files(folder: Path) -> pb.ScenarioFiles:
    files = [
        pb.ScenarioFile(name=p.relative_to(folder).as_posix(), content=p.read_bytes())
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.suffix in {".yaml", ".csv"}
    ]
    return pb.ScenarioFiles(files=files, main="scenario.yaml")


def _check_exact(plan: pb.Allocation) -> None:
    """cells = state total; months both ways; pass-through; co-financing rounded up."""
    totals = {r.code: r.amount for r in plan.regions}
    by_region: dict[str, int] = {}
    for c in plan.cells:
        by_region[c.region] = by_region.get(c.region, 0) + c.amount
    assert by_region == totals
    cal = plan.calendar
    k = len(cal.months)
    assert sum(cal.national) == plan.fund.total
    for r, code in enumerate(cal.regions):
        assert sum(cal.amounts[r * k : (r + 1) * k]) == totals[code]
    for month in range(k):
        assert (
            sum(cal.amounts[r * k + month] for r in range(len(cal.regions))) == cal.national[month]
        )
    for p in plan.pass_through:
        assert p.amount == -(-totals[p.region] * 20 // 100)
    rows = {c.key: c for c in plan.cofinancing}
    for code, total in totals.items():
        assert rows[code].contribution == -(-total * 25 // 100)


def test_concertacion_files_carry_every_part(stub: pb_grpc.AllocationServiceStub) -> None:
    """fasp-2026-concertacion uploaded as files: tree totals, gaps, co-financing, calendar and
    Colima's municipalities, every sum exact; the stored run gives the same parts back."""
    request = pb.AllocateRequest(files=_files(CONCERTACION))
    plan = stub.Allocate(request, timeout=120).allocation
    assert plan.status == pb.RUN_STATUS_OPTIMAL
    _check_exact(plan)
    groups = {g.id: g for g in plan.groups}
    assert "axis_share_max" in groups["P8"].binding
    assert groups["P8"].parent == "E4"
    assert groups["E4"].level == "eje"
    assert any(g.rule_key == "P8" for g in plan.proposal_gaps)
    assert any(j.proposal_gaps for j in plan.justifications)
    assert plan.cofinancing_rate == 0.25
    colima = [m for m in plan.municipalities if m.region == "06"]
    through = {p.region: p.amount for p in plan.pass_through}
    assert sum(m.amount for m in colima) == through["06"]
    stored = stub.GetAllocation(pb.GetAllocationRequest(run_id=plan.run_id), timeout=10).allocation
    assert list(stored.groups) == list(plan.groups)
    assert stored.calendar == plan.calendar
    assert list(stored.municipalities) == list(plan.municipalities)


def _tree_scenario() -> pb.Scenario:
    """small_scenario's axes A and B under one eje each, with everything along the axes."""
    s = small_scenario("tree")
    s.axes[0].parent = "E1"
    s.axes[1].parent = "E2"
    s.axis_groups.extend(
        [
            pb.Axis(id="E1", name_es="Eje 1", level="eje", share_max=0.5),
            pb.Axis(id="E2", name_es="Eje 2", level="eje"),
        ]
    )
    for code in ("01", "02", "03"):
        s.proposals.extend(
            [
                pb.Proposal(region=code, axis="A", share=0.8),
                pb.Proposal(region=code, axis="B", share=0.2),
            ]
        )
    s.cofinancing_rate = 0.25
    s.calendar.CopyFrom(
        pb.CalendarSpec(months=["enero", "febrero", "marzo"], weights=[0.5, 0.25, 0.25])
    )
    s.municipal.CopyFrom(
        pb.MunicipalSpec(
            share=0.2,
            municipalities=[
                pb.Municipality(
                    code="01001", region="01", name="Aguascalientes", indicators={"pop": 948990}
                ),
                pb.Municipality(
                    code="01002", region="01", name="Asientos", indicators={"pop": 51536}
                ),
            ],
            criteria=[pb.Criterion(indicator="pop", weight=1.0)],
        )
    )
    return s


def test_structured_tree_scenario_is_exact(stub: pb_grpc.AllocationServiceStub) -> None:
    """A structured request with an eje bound that binds, proposals, three ministrations and a
    municipal table: E1 gets exactly its maximum and every other sum is exact."""
    plan = stub.Allocate(pb.AllocateRequest(scenario=_tree_scenario()), timeout=60).allocation
    _check_exact(plan)
    groups = {g.id: g for g in plan.groups}
    assert groups["E1"].amount == groups["E1"].upper
    assert sum(c.amount for c in plan.cells if c.axis == "A") == groups["E1"].amount
    assert list(plan.calendar.months) == ["enero", "febrero", "marzo"]
    assert sum(m.amount for m in plan.municipalities) == plan.pass_through[0].amount


def test_a_flat_scenario_gets_none_of_the_new_parts(stub: pb_grpc.AllocationServiceStub) -> None:
    """An old client's flat scenario: no groups, gaps, calendar or municipalities in the reply."""
    plan = stub.Allocate(pb.AllocateRequest(scenario=small_scenario()), timeout=60).allocation
    assert plan.status == pb.RUN_STATUS_OPTIMAL
    assert not plan.groups
    assert not plan.proposal_gaps
    assert not plan.HasField("calendar")
    assert not plan.cofinancing
    assert not plan.pass_through


def _details(err: grpc.RpcError, kind: type) -> object:
    status = rpc_status.from_call(err)  # type: ignore[arg-type]
    assert status is not None
    for detail in status.details:
        if detail.Is(kind.DESCRIPTOR):  # type: ignore[attr-defined]
            out = kind()
            detail.Unpack(out)
            return out
    raise AssertionError(f"no {kind.__name__} detail")


def test_bad_proposal_and_contradicting_eje_are_reported(
    stub: pb_grpc.AllocationServiceStub,
) -> None:
    """A proposal of an unknown state is INVALID_ARGUMENT at its field; an eje whose maximum is
    below its children's minimums is FAILED_PRECONDITION in pesos."""
    s = _tree_scenario()
    s.proposals[0].region = "33"
    with pytest.raises(grpc.RpcError) as info:
        stub.Allocate(pb.AllocateRequest(scenario=s), timeout=30)
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    bad = _details(info.value, error_details_pb2.BadRequest)
    fields = [v.field for v in bad.field_violations]  # type: ignore[attr-defined]
    assert "proposals/0/region" in fields  # the location key of the bad line
    s = _tree_scenario()
    s.axes[0].share_min = 0.6
    s.axes[0].target_share = 0.6
    with pytest.raises(grpc.RpcError) as info:
        stub.Allocate(pb.AllocateRequest(scenario=s), timeout=30)
    assert info.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    failure = _details(info.value, error_details_pb2.PreconditionFailure)
    assert any("E1" in v.description for v in failure.violations)  # type: ignore[attr-defined]
