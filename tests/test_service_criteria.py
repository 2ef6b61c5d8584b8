"""Nested criteria, declared indicators and guaranteed amounts through the real gRPC server.

Old clients are unaffected: a flat structured scenario without the new fields gets the plan
``allocate()`` gives in process. New clients send categories, declared indicators and
guaranteed amounts and read the category subtotals and the criteria tree back.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status

from optimizer.io import load_scenario
from optimizer.pipeline import allocate
from optimizer.service.convert import scenario_from_proto
from optimizer.service.server import AllocationServer, create_server
from optimizer.v1 import allocation_pb2 as pb
from optimizer.v1 import allocation_pb2_grpc as pb_grpc
from tests.service_support import small_scenario

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[AllocationServer, int]]:
    """A real server with one worker process and a SQLite store in a temporary folder."""
    db = tmp_path_factory.mktemp("store") / "audit.sqlite3"
    srv, port = create_server("127.0.0.1:0", store=f"sqlite:///{db}", workers=1)
    srv.start()
    yield srv, port
    srv.stop(0)


@pytest.fixture(scope="module")
def stub(server: tuple[AllocationServer, int]) -> Iterator[pb_grpc.AllocationServiceStub]:
    """Stub of the allocation service over a plaintext channel."""
    with grpc.insecure_channel(f"127.0.0.1:{server[1]}") as channel:
        yield pb_grpc.AllocationServiceStub(channel)


def _files(folder: Path) -> pb.ScenarioFiles:
    return pb.ScenarioFiles(
        files=[
            pb.ScenarioFile(name=p.relative_to(folder).as_posix(), content=p.read_bytes())
            for p in sorted(folder.rglob("*"))
            if p.suffix in {".yaml", ".csv"}
        ]
    )


def _nested() -> pb.Scenario:
    """small_scenario with its two criteria in a category, a declared rate and guarantees."""
    scenario = small_scenario("nested")
    del scenario.criteria[:]
    scenario.base_weight = 0.0
    scenario.criteria.extend(
        [
            pb.Criterion(indicator="population", weight=0.5),
            pb.Criterion(indicator="homicide_rate", weight=0.6, category="crime"),
            pb.Criterion(indicator="homicides", weight=0.4, category="crime"),
        ]
    )
    scenario.categories.append(
        pb.CriteriaCategory(id="crime", weight=0.3, label_es="Incidencia", label_en="Crime")
    )
    scenario.categories.append(pb.CriteriaCategory(id="base", weight=0.2, base_weight=1.0))
    scenario.derived_indicators.append(
        pb.DerivedIndicator(
            name="homicide_rate",
            op=pb.DERIVED_OPERATION_RATIO,
            inputs=["homicides", "population"],
            scale=100_000,
        )
    )
    scenario.guaranteed.amounts.update({"01": 200_000_000, "02": 250_000_000, "03": 300_000_000})
    return scenario


def test_old_client_flat_scenario_solves_as_before(stub: pb_grpc.AllocationServiceStub) -> None:
    """A structured scenario without the new fields: the in-process plan, no new fields set."""
    request = small_scenario("flat-old-client")
    assert request.ByteSize() == pb.Scenario.FromString(request.SerializeToString()).ByteSize()
    reply = stub.Allocate(pb.AllocateRequest(scenario=request), timeout=60).allocation
    plan = allocate(scenario_from_proto(request))
    assert [(c.region, c.axis, c.amount) for c in reply.cells] == [
        (c.region, c.axis, c.amount) for c in plan.cells
    ]
    assert not reply.categories
    assert not reply.HasField("guaranteed_total")
    assert all(not j.categories and not j.HasField("guaranteed") for j in reply.justifications)
    assert reply.stats.input_sha256 == plan.stats.input_sha256


def test_structured_nested_scenario_carries_subtotals_and_guarantees(
    stub: pb_grpc.AllocationServiceStub,
) -> None:
    """Categories, a declared rate and guaranteed amounts sent as fields come back in pesos."""
    reply = stub.Allocate(pb.AllocateRequest(scenario=_nested()), timeout=60).allocation
    assert sum(c.amount for c in reply.cells) == 1_000_000_000
    assert reply.guaranteed_total == 750_000_000
    assert [c.category for c in reply.categories] == ["crime", "base"]
    for j, r in zip(reply.justifications, reply.regions, strict=True):
        assert j.guaranteed == r.guaranteed
        assert j.formula_on_excess == j.target - j.guaranteed
        sources = {c.source: c.amount for c in j.contributions}
        crime = sources["homicide_rate"] + sources["homicides"]
        assert [(c.category, c.amount) for c in j.categories] == [
            ("crime", crime),
            ("base", sources["base_amount"]),
        ]
        assert [c.amount for c in r.categories] == [c.amount for c in j.categories]
        assert [d.name for d in j.derived] == ["homicide_rate"]
        assert j.derived[0].description == "homicides / population x 100,000"
        assert "Monto garantizado $" in j.text
    # The formula shares 250 M; the crime category a weight 0.3 of it (a peso per region).
    assert abs(reply.categories[0].amount - 75_000_000) <= 3
    assert reply.categories[0].effective_weight == pytest.approx(0.3)


def test_uploaded_dgp_prototype_has_category_subtotals(stub: pb_grpc.AllocationServiceStub) -> None:
    """The restated prototype uploaded as files: the same cells as in process, four subtotals."""
    folder = ROOT / "scenarios" / "dgp-prototype-2026"
    reply = stub.Allocate(pb.AllocateRequest(files=_files(folder)), timeout=60).allocation
    plan = allocate(load_scenario(folder))
    assert [c.amount for c in reply.cells] == [c.amount for c in plan.cells]
    assert [(c.category, c.amount) for c in reply.categories] == [
        (c.category, c.amount) for c in plan.categories
    ]
    assert len(reply.regions[0].categories) == 4
    assert sum(c.amount for c in reply.regions[0].categories) == reply.regions[0].target
    # Read back from the audit store: the same subtotals.
    stored = stub.GetAllocation(pb.GetAllocationRequest(run_id=reply.run_id), timeout=30)
    assert list(stored.allocation.categories) == list(reply.categories)
    assert list(stored.allocation.justifications) == list(reply.justifications)


def test_guaranteed_above_the_fund_is_failed_precondition_in_pesos(
    stub: pb_grpc.AllocationServiceStub,
) -> None:
    """Guarantees 50 M above the fund: FAILED_PRECONDITION naming the 50,000,000 pesos."""
    scenario = _nested()
    scenario.guaranteed.amounts["03"] = 600_000_000  # 200 + 250 + 600 = 1,050 M
    with pytest.raises(grpc.RpcError) as info:
        stub.Allocate(pb.AllocateRequest(scenario=scenario, language=pb.LANGUAGE_EN), timeout=60)
    err = info.value
    assert err.code() == grpc.StatusCode.FAILED_PRECONDITION
    status = rpc_status.from_call(err)  # type: ignore[arg-type]
    assert status is not None
    failure = error_details_pb2.PreconditionFailure()
    assert any(d.Unpack(failure) for d in status.details if d.Is(failure.DESCRIPTOR))
    assert [v.type for v in failure.violations] == ["guaranteed"]
    assert "$50,000,000 more than the fund" in failure.violations[0].description


def test_bad_declared_indicator_is_invalid_argument_located(
    stub: pb_grpc.AllocationServiceStub,
) -> None:
    """A declared indicator naming an unknown column: INVALID_ARGUMENT at its field path."""
    scenario = _nested()
    scenario.derived_indicators[0].inputs[0] = "homicidez"
    with pytest.raises(grpc.RpcError) as info:
        stub.Allocate(pb.AllocateRequest(scenario=scenario, language=pb.LANGUAGE_EN), timeout=60)
    err = info.value
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    status = rpc_status.from_call(err)  # type: ignore[arg-type]
    assert status is not None
    bad = error_details_pb2.BadRequest()
    assert any(d.Unpack(bad) for d in status.details if d.Is(bad.DESCRIPTOR))
    fields = {v.field: v.description for v in bad.field_violations}
    assert "indicators/derived/0/of" in fields
    assert "did you mean 'homicides'?" in fields["indicators/derived/0/of"]


def test_validate_returns_the_criteria_tree(stub: pb_grpc.AllocationServiceStub) -> None:
    """ValidateScenario lists the tree with effective weights and the declared indicators."""
    reply = stub.ValidateScenario(
        pb.ValidateScenarioRequest(files=_files(ROOT / "scenarios" / "fasp-2026")), timeout=60
    )
    assert reply.valid
    rows = [(n.depth, n.kind, n.id, round(n.effective_weight, 12)) for n in reply.criteria_tree]
    assert rows[1:4] == [
        (1, "category", "incidencia_delictiva", 0.3),
        (2, "criterion", "homicidios_100k", 0.21),
        (2, "criterion", "extorsion_100k", 0.09),
    ]
    assert [d.name for d in reply.derived_indicators] == ["homicidios_100k", "extorsion_100k"]
    assert reply.derived_indicators[0].op == pb.DERIVED_OPERATION_RATIO
    assert not reply.HasField("guaranteed_total")
    guaranteed = stub.ValidateScenario(
        pb.ValidateScenarioRequest(
            files=_files(ROOT / "scenarios" / "didactic" / "guaranteed-excess")
        ),
        timeout=60,
    )
    assert guaranteed.guaranteed_total == 90_000_000
