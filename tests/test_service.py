"""The gRPC service against the real server on a free port through a real channel."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from grpc_status import rpc_status

from optimizer.service.server import AllocationServer, create_server
from optimizer.v1 import allocation_pb2 as pb
from optimizer.v1 import allocation_pb2_grpc as pb_grpc
from tests.service_support import FUND, faulty_solve, small_scenario

ROOT = Path(__file__).resolve().parent.parent
FASP_2026 = ROOT / "scenarios" / "fasp-2026"
FASP_2026_FUND = 9_941_162_915
MAX_REQUEST_BYTES = 1024 * 1024
WORKERS = 2


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[AllocationServer, int]]:
    """A real server with two worker processes and a SQLite store in a temporary folder."""
    db = tmp_path_factory.mktemp("store") / "audit.sqlite3"
    srv, port = create_server(
        "127.0.0.1:0",
        store=f"sqlite:///{db}",
        workers=WORKERS,
        solve=faulty_solve,
        max_request_bytes=MAX_REQUEST_BYTES,
    )
    srv.start()
    yield srv, port
    srv.stop(0)


@pytest.fixture(scope="module")
def channel(server: tuple[AllocationServer, int]) -> Iterator[grpc.Channel]:
    """A plaintext channel to the module's server."""
    with grpc.insecure_channel(f"127.0.0.1:{server[1]}") as ch:
        yield ch


@pytest.fixture
def stub(channel: grpc.Channel) -> pb_grpc.AllocationServiceStub:
    """Stub of the allocation service."""
    return pb_grpc.AllocationServiceStub(channel)


def _allocate(
    stub: pb_grpc.AllocationServiceStub,
    scenario: pb.Scenario,
    timeout: float = 30,
    **kwargs: object,
) -> pb.AllocateResponse:
    response: pb.AllocateResponse = stub.Allocate(
        pb.AllocateRequest(scenario=scenario, **kwargs), timeout=timeout
    )
    return response


def _error(call: object) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as info:
        call()  # type: ignore[operator]
    return info.value


def _details(err: grpc.RpcError, message_type: type) -> object:
    status = rpc_status.from_call(err)  # type: ignore[arg-type]
    assert status is not None
    for detail in status.details:
        if detail.Is(message_type.DESCRIPTOR):
            out = message_type()
            detail.Unpack(out)
            return out
    raise AssertionError(f"no {message_type.__name__} in {status}")


def _assert_still_serving(channel: grpc.Channel) -> None:
    health = health_pb2_grpc.HealthStub(channel)
    reply = health.Check(health_pb2.HealthCheckRequest(service=""), timeout=5)
    assert reply.status == health_pb2.HealthCheckResponse.SERVING


# -- health and reflection --------------------------------------------------------------------


def test_health_says_serving_for_server_and_service(channel: grpc.Channel) -> None:
    """The stock health service answers SERVING for the server and for AllocationService."""
    health = health_pb2_grpc.HealthStub(channel)
    for service in ("", "optimizer.v1.AllocationService"):
        reply = health.Check(health_pb2.HealthCheckRequest(service=service), timeout=5)
        assert reply.status == health_pb2.HealthCheckResponse.SERVING


def test_reflection_lists_the_allocation_service(channel: grpc.Channel) -> None:
    """Server reflection lists the allocation, health and reflection services."""
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)
    request = reflection_pb2.ServerReflectionRequest(list_services="")
    replies = list(stub.ServerReflectionInfo(iter([request]), timeout=5))
    names = {s.name for s in replies[0].list_services_response.service}
    assert "optimizer.v1.AllocationService" in names
    assert "grpc.health.v1.Health" in names


# -- Allocate, Get, List, Compare -------------------------------------------------------------


def test_allocate_structured_scenario_sums_to_fund(stub: pb_grpc.AllocationServiceStub) -> None:
    """A structured three-region scenario is allocated to the peso and stored for GetAllocation."""
    reply = _allocate(stub, small_scenario(), language=pb.LANGUAGE_EN)
    plan = reply.allocation
    assert plan.status == pb.RUN_STATUS_OPTIMAL
    assert sum(c.amount for c in plan.cells) == FUND
    assert sum(r.amount for r in plan.regions) == FUND
    assert sum(a.amount for a in plan.axes) == FUND
    assert len(plan.cells) == 6
    assert [j.region for j in plan.justifications] == ["01", "02", "03"]
    assert all(j.text for j in plan.justifications)
    assert plan.stats.status == "optimal"
    assert len(plan.input_sha256) == 64
    assert not reply.replayed
    for region in plan.regions:  # bands [0 %, +10 %] on the previous amounts hold
        assert region.previous <= region.amount <= region.previous * 11 // 10
    stored = stub.GetAllocation(pb.GetAllocationRequest(run_id=plan.run_id), timeout=5)
    assert list(stored.allocation.cells) == list(plan.cells)
    assert stored.allocation.language == pb.LANGUAGE_EN


@pytest.mark.skipif(not FASP_2026.is_dir(), reason="scenarios/fasp-2026 is not in this checkout")
def test_allocate_fasp_2026_files_sums_to_fund(stub: pb_grpc.AllocationServiceStub) -> None:
    """The fasp-2026 scenario uploaded as files is allocated to exactly 9,941,162,915 pesos."""
    files = [
        pb.ScenarioFile(name=p.relative_to(FASP_2026).as_posix(), content=p.read_bytes())
        for p in sorted(FASP_2026.rglob("*"))
        if p.is_file() and p.suffix in {".yaml", ".csv"}
    ]
    request = pb.AllocateRequest(files=pb.ScenarioFiles(files=files, main="scenario.yaml"))
    plan = stub.Allocate(request, timeout=60).allocation
    assert plan.fund.total == FASP_2026_FUND
    assert sum(c.amount for c in plan.cells) == FASP_2026_FUND
    assert len(plan.regions) == 32
    assert len(plan.axes) == 26  # the leaves of the catalogue tree
    assert [g.id for g in plan.groups if g.level == "eje"] == ["E1", "E2", "E3", "E4", "E5"]
    listed = stub.ListAllocations(pb.ListAllocationsRequest(fiscal_year=2026), timeout=5)
    assert listed.allocations[0].run_id == plan.run_id


def test_request_id_retry_returns_the_stored_run(stub: pb_grpc.AllocationServiceStub) -> None:
    """A retry with the same request_id and input returns the same run without a new one."""
    first = _allocate(stub, small_scenario(fund=FUND + 7_000), request_id="retry-1")
    again = _allocate(stub, small_scenario(fund=FUND + 7_000), request_id="retry-1")
    assert again.replayed
    assert again.allocation.run_id == first.allocation.run_id
    assert sum(c.amount for c in again.allocation.cells) == FUND + 7_000


def test_list_allocations_pages_newest_first_by_fiscal_year(
    stub: pb_grpc.AllocationServiceStub,
) -> None:
    """ListAllocations pages newest first and filters by fiscal year."""
    ids = [
        _allocate(stub, small_scenario(fiscal_year=2031, fund=FUND + i)).allocation.run_id
        for i in range(3)
    ]
    page1 = stub.ListAllocations(
        pb.ListAllocationsRequest(fiscal_year=2031, page_size=2), timeout=5
    )
    assert [a.run_id for a in page1.allocations] == ids[::-1][:2]
    assert page1.next_page_token
    page2 = stub.ListAllocations(
        pb.ListAllocationsRequest(fiscal_year=2031, page_size=2, page_token=page1.next_page_token),
        timeout=5,
    )
    assert [a.run_id for a in page2.allocations] == [ids[0]]
    assert page2.next_page_token == ""
    assert [a.fund_total for a in page2.allocations] == [FUND]


def test_compare_allocations_region_by_region(stub: pb_grpc.AllocationServiceStub) -> None:
    """Comparing a run with a tighter band shows per-region changes that sum to zero."""
    base = _allocate(stub, small_scenario(band_upper=0.10)).allocation
    other = _allocate(stub, small_scenario(band_upper=0.06)).allocation
    diff = stub.CompareAllocations(
        pb.CompareAllocationsRequest(base_run_id=base.run_id, other_run_id=other.run_id),
        timeout=5,
    )
    assert [r.code for r in diff.regions] == ["01", "02", "03"]
    assert diff.total_change == 0
    assert sum(r.change for r in diff.regions) == 0
    base_amounts = {r.code: r.amount for r in base.regions}
    for r in diff.regions:
        assert r.base_amount == base_amounts[r.code]
        assert r.change == r.other_amount - r.base_amount
    assert {a.id for a in diff.axes} == {"A", "B"}
    assert sum(a.change for a in diff.axes) == 0


def test_validate_scenario_reports_located_problems(stub: pb_grpc.AllocationServiceStub) -> None:
    """ValidateScenario accepts a good scenario and locates a bad weight without solving."""
    good = stub.ValidateScenario(pb.ValidateScenarioRequest(scenario=small_scenario()), timeout=5)
    assert good.valid
    assert good.region_count == 3
    assert good.fund.total == FUND
    bad_scenario = small_scenario()
    bad_scenario.criteria[0].weight = 0.9
    english = pb.ValidateScenarioRequest(scenario=bad_scenario, language=pb.LANGUAGE_EN)
    bad = stub.ValidateScenario(english, timeout=5)
    assert not bad.valid
    assert any(
        p.severity == pb.SEVERITY_ERROR and "weight" in p.message.lower() for p in bad.problems
    )


def test_validate_scenario_answers_in_the_requests_language(
    stub: pb_grpc.AllocationServiceStub,
) -> None:
    """Problems in the request's language; not set is Spanish, as Allocate (docs/service.md)."""
    scenario = small_scenario()
    scenario.criteria[0].weight = 0.9
    replies = {
        language: stub.ValidateScenario(
            pb.ValidateScenarioRequest(scenario=scenario, language=language), timeout=5
        )
        for language in (pb.LANGUAGE_UNSPECIFIED, pb.LANGUAGE_ES, pb.LANGUAGE_EN)
    }
    unset, spanish, english = replies.values()
    assert unset == spanish  # an old client, which sends no language, reads Spanish
    assert not english.valid
    assert not spanish.valid
    # The same problems, located by the same machine fields: only the texts differ.
    assert [p.field for p in spanish.problems] == [p.field for p in english.problems]
    assert [p.severity for p in spanish.problems] == [p.severity for p in english.problems]
    assert len(english.problems) >= 1
    assert any("weight" in p.message.lower() for p in english.problems)
    assert any("ponderaci" in p.message.lower() for p in spanish.problems)
    assert not any("the criteria weights" in p.message for p in spanish.problems)


# -- one test per status code -----------------------------------------------------------------


def test_invalid_argument_carries_bad_request_field_violations(
    stub: pb_grpc.AllocationServiceStub,
    channel: grpc.Channel,
) -> None:
    """A scenario with bad weights is INVALID_ARGUMENT with located BadRequest violations."""
    scenario = small_scenario()
    scenario.criteria[0].weight = 0.9
    err = _error(lambda: _allocate(stub, scenario))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    bad = _details(err, error_details_pb2.BadRequest)
    assert bad.field_violations  # type: ignore[attr-defined]
    assert all(v.field and v.description for v in bad.field_violations)  # type: ignore[attr-defined]
    missing = _error(lambda: stub.Allocate(pb.AllocateRequest(), timeout=5))
    assert missing.code() == grpc.StatusCode.INVALID_ARGUMENT
    fields = [v.field for v in _details(missing, error_details_pb2.BadRequest).field_violations]  # type: ignore[attr-defined]
    assert fields == ["source"]
    _assert_still_serving(channel)


def test_failed_precondition_names_each_conflict_in_pesos(
    stub: pb_grpc.AllocationServiceStub,
    channel: grpc.Channel,
) -> None:
    """Floors above the fund are FAILED_PRECONDITION with one violation per conflicting family."""
    err = _error(lambda: _allocate(stub, small_scenario(floor=400_000_000)))
    assert err.code() == grpc.StatusCode.FAILED_PRECONDITION
    failure = _details(err, error_details_pb2.PreconditionFailure)
    violations = failure.violations  # type: ignore[attr-defined]
    assert violations
    assert all(v.type == v.subject and v.type for v in violations)
    # Three floors of 400 M against a fund of 1,000 M: 200 M too much.
    assert any("200,000,000" in v.description for v in violations)
    _assert_still_serving(channel)


def test_no_whole_peso_plan_is_failed_precondition(
    stub: pb_grpc.AllocationServiceStub,
    channel: grpc.Channel,
) -> None:
    """Shares of 50 % + 50 % of a region pinned at an odd total: FAILED_PRECONDITION, not INTERNAL.

    The LP keeps every rule in fractions; no whole-peso plan does (01 is pinned at 300,000,001),
    so the call fails as infeasible criteria naming the priority minimum a peso short.
    """
    scenario = small_scenario(fund=950_000_001, band_upper=0.0)
    scenario.regions[0].previous = 300_000_001
    for axis in ("A", "B"):
        scenario.rules.cell_minimums.append(pb.CellMinimum(axis=axis, region="*", share=0.5))
    err = _error(lambda: _allocate(stub, scenario))
    assert err.code() == grpc.StatusCode.FAILED_PRECONDITION
    failure = _details(err, error_details_pb2.PreconditionFailure)
    descriptions = [v.description for v in failure.violations]  # type: ignore[attr-defined]
    # The request asks for no language: Spanish, the default.
    assert any("unidades completas" in d and "01/" in d and "$1" in d for d in descriptions)
    _assert_still_serving(channel)


def test_not_found_for_unknown_run_id(stub: pb_grpc.AllocationServiceStub) -> None:
    """GetAllocation of an unknown run id is NOT_FOUND."""
    err = _error(lambda: stub.GetAllocation(pb.GetAllocationRequest(run_id="nope"), timeout=5))
    assert err.code() == grpc.StatusCode.NOT_FOUND
    assert "nope" in (err.details() or "")


def test_already_exists_for_reused_request_id_with_other_input(
    stub: pb_grpc.AllocationServiceStub,
) -> None:
    """A request_id reused with a different fund is ALREADY_EXISTS and solves nothing."""
    _allocate(stub, small_scenario(), request_id="reused-key")
    err = _error(lambda: _allocate(stub, small_scenario(fund=FUND + 1), request_id="reused-key"))
    assert err.code() == grpc.StatusCode.ALREADY_EXISTS
    assert "reused-key" in (err.details() or "")


def test_deadline_exceeded_when_the_solve_outlasts_the_deadline(
    stub: pb_grpc.AllocationServiceStub,
    channel: grpc.Channel,
) -> None:
    """A solve longer than the deadline ends DEADLINE_EXCEEDED; a solver time-out maps to it too."""
    err = _error(lambda: _allocate(stub, small_scenario("sleep-1.5"), timeout=0.7))
    assert err.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    err = _error(lambda: _allocate(stub, small_scenario("raise-deadline")))
    assert err.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    assert "time limit" in (err.details() or "")
    _assert_still_serving(channel)


def test_resource_exhausted_for_an_oversized_request(
    stub: pb_grpc.AllocationServiceStub,
    channel: grpc.Channel,
) -> None:
    """A request above the configured maximum size is RESOURCE_EXHAUSTED."""
    big = pb.ScenarioFile(name="data/big.csv", content=b"x" * (MAX_REQUEST_BYTES + 1))
    request = pb.AllocateRequest(files=pb.ScenarioFiles(files=[big]))
    err = _error(lambda: stub.Allocate(request, timeout=10))
    assert err.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    _assert_still_serving(channel)


def test_internal_error_has_a_fixed_message(
    stub: pb_grpc.AllocationServiceStub,
    channel: grpc.Channel,
) -> None:
    """An unexpected failure is INTERNAL with a fixed message that leaks no detail."""
    for name in ("raise-internal", "raise-solver"):
        err = _error(lambda name=name: _allocate(stub, small_scenario(name)))
        assert err.code() == grpc.StatusCode.INTERNAL
        assert "secret" not in (err.details() or "")
        assert "server log" in (err.details() or "") or "log" in (err.details() or "")
    _assert_still_serving(channel)


# -- concurrency ------------------------------------------------------------------------------


def test_sixteen_concurrent_allocations_are_all_exact(
    stub: pb_grpc.AllocationServiceStub,
) -> None:
    """Sixteen concurrent Allocate calls each return their own fund to the peso."""
    funds = [FUND + 1_000 * i for i in range(16)]
    with ThreadPoolExecutor(max_workers=16) as threads:
        replies = list(threads.map(lambda f: _allocate(stub, small_scenario(fund=f)), funds))
    assert [sum(c.amount for c in r.allocation.cells) for r in replies] == funds
    assert len({r.allocation.run_id for r in replies}) == 16


def test_health_answers_while_every_worker_is_busy(
    stub: pb_grpc.AllocationServiceStub,
    channel: grpc.Channel,
) -> None:
    """Health and reads answer within half a second while every worker process is solving."""
    with ThreadPoolExecutor(max_workers=WORKERS) as threads:
        busy = [
            threads.submit(_allocate, stub, small_scenario(f"sleep-1.2-{i}"))
            for i in range(WORKERS)
        ]
        time.sleep(0.3)  # both workers are inside their 1.2-second solves now
        health = health_pb2_grpc.HealthStub(channel)
        start = time.perf_counter()
        reply = health.Check(health_pb2.HealthCheckRequest(), timeout=5)
        stub.ListAllocations(pb.ListAllocationsRequest(page_size=1), timeout=5)
        elapsed = time.perf_counter() - start
        assert reply.status == health_pb2.HealthCheckResponse.SERVING
        assert elapsed < 0.5
        assert not any(f.done() for f in busy)
        assert [sum(c.amount for c in f.result().allocation.cells) for f in busy] == [FUND] * 2


def test_cancelled_call_stops_waiting(
    stub: pb_grpc.AllocationServiceStub,
    channel: grpc.Channel,
) -> None:
    """A cancelled Allocate ends CANCELLED for the caller and the server keeps serving."""
    future = stub.Allocate.future(
        pb.AllocateRequest(scenario=small_scenario("sleep-1-c")), timeout=10
    )
    time.sleep(0.3)
    assert future.cancel()
    assert future.code() == grpc.StatusCode.CANCELLED
    _assert_still_serving(channel)
    reply = _allocate(stub, small_scenario())
    assert sum(c.amount for c in reply.allocation.cells) == FUND


def test_health_turns_not_serving_on_shutdown(tmp_path: Path) -> None:
    """Stopping the server turns health NOT_SERVING for watchers before calls are refused."""
    srv, port = create_server(
        "127.0.0.1:0", store=f"sqlite:///{tmp_path / 'a.sqlite3'}", workers=1, solve=faulty_solve
    )
    srv.start()
    seen: list[int] = []
    with grpc.insecure_channel(f"127.0.0.1:{port}") as ch:
        watch = health_pb2_grpc.HealthStub(ch).Watch(health_pb2.HealthCheckRequest(), timeout=10)

        def read() -> None:
            try:
                for reply in watch:
                    seen.append(reply.status)
                    if reply.status == health_pb2.HealthCheckResponse.NOT_SERVING:
                        watch.cancel()  # seen: the drain need not wait for this stream
            except grpc.RpcError:
                pass

        reader = threading.Thread(target=read)
        reader.start()
        time.sleep(0.3)
        srv.stop(1)
        reader.join(timeout=5)
    assert seen[0] == health_pb2.HealthCheckResponse.SERVING
    assert health_pb2.HealthCheckResponse.NOT_SERVING in seen


def _fasp_files(replace: dict[str, bytes] | None = None) -> list[pb.ScenarioFile]:
    files = {
        p.relative_to(FASP_2026).as_posix(): p.read_bytes()
        for p in sorted(FASP_2026.rglob("*"))
        if p.is_file() and p.suffix in {".yaml", ".csv"}
    }
    files.update(replace or {})
    return [pb.ScenarioFile(name=name, content=content) for name, content in files.items()]


def test_uploaded_files_retry_is_replayed(stub: pb_grpc.AllocationServiceStub) -> None:
    """Files are read in the worker; a retry (read in the server) matches the stored input."""
    request = pb.AllocateRequest(
        files=pb.ScenarioFiles(files=_fasp_files()), request_id="files-retry-1"
    )
    first = stub.Allocate(request, timeout=60)
    again = stub.Allocate(request, timeout=60)
    assert not first.replayed
    assert again.replayed
    assert again.allocation.run_id == first.allocation.run_id
    assert again.allocation.input_sha256 == first.allocation.input_sha256
    assert sum(c.amount for c in again.allocation.cells) == FASP_2026_FUND


def test_bad_uploaded_file_is_invalid_argument_located(
    stub: pb_grpc.AllocationServiceStub, channel: grpc.Channel
) -> None:
    """A broken CSV among the uploaded files is INVALID_ARGUMENT naming the file and row."""
    broken = b"cve_ent,entidad,pop_conapo_mid2026,fasp_2025_mxn\n01,Aguascalientes,abc,1\n"
    request = pb.AllocateRequest(
        files=pb.ScenarioFiles(files=_fasp_files({"data/states.csv": broken}))
    )
    err = _error(lambda: stub.Allocate(request, timeout=60))
    assert err.code() == grpc.StatusCode.INVALID_ARGUMENT
    text = " ".join(
        v.description
        for v in _details(err, error_details_pb2.BadRequest).field_violations  # type: ignore[attr-defined]
    )
    assert "data/states.csv" in text
    # No language in the request: Spanish, as the plan's texts would be.
    assert "data/states.csv fila 2, columna pop_conapo_mid2026: 'abc' no es un número" in text
    assert re.search(r"y \d+ problema\(s\) más: llame a ValidateScenario", text)
    english = pb.AllocateRequest(
        files=pb.ScenarioFiles(files=_fasp_files({"data/states.csv": broken})),
        language=pb.LANGUAGE_EN,
    )
    err = _error(lambda: stub.Allocate(english, timeout=60))
    text = " ".join(
        v.description
        for v in _details(err, error_details_pb2.BadRequest).field_violations  # type: ignore[attr-defined]
    )
    assert "data/states.csv row 2, column pop_conapo_mid2026: 'abc' is not a whole" in text
    assert re.search(r"and \d+ more problem\(s\)", text)
    _assert_still_serving(channel)


def test_many_problems_fit_the_trailing_metadata() -> None:
    """200 located problems still give details under the 8 KiB metadata limit, saying the rest."""
    from optimizer.errors import Problem, ScenarioError
    from optimizer.service.errors import status_for

    problems = [
        Problem(f"data/states.csv row {i}, column poblacion", "is not a number; write digits", "f")
        for i in range(2, 202)
    ]
    code, status = status_for(ScenarioError(problems))
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert len(status.SerializeToString()) * 4 // 3 < 8192
    bad = error_details_pb2.BadRequest()
    status.details[0].Unpack(bad)
    assert "row 2," in bad.field_violations[0].description
    assert "more problem(s)" in bad.field_violations[-1].description
    assert 10 < len(bad.field_violations) < 200


def test_binding_rules_are_described_in_the_requests_language(
    stub: pb_grpc.AllocationServiceStub,
) -> None:
    """BindingRule and compare's RuleRef texts name the rule and the state in words; the
    machine ``family`` and ``key`` stay identifiers."""
    from optimizer.domain import RuleFamily
    from optimizer.i18n import texts

    runs = {
        language: _allocate(stub, small_scenario(band_upper=0.06), language=language).allocation
        for language in (pb.LANGUAGE_ES, pb.LANGUAGE_EN)
    }
    for language, run in runs.items():
        t = texts("es" if language == pb.LANGUAGE_ES else "en")
        names = {r.code: r.name for r in run.regions}
        rules = [b for j in run.justifications for b in j.binding]
        assert rules, "a 6 % band binds some state"
        for b in rules:
            assert b.family in {str(f) for f in RuleFamily}
            assert b.key in names
            assert b.description == f"{t.rule(b.family)}: {names[b.key]} ({b.key})"
            assert b.family not in b.description
    spanish = [b.description for j in runs[pb.LANGUAGE_ES].justifications for b in j.binding]
    assert any("banda" in d for d in spanish)
    base = _allocate(stub, small_scenario(band_upper=0.30), language=pb.LANGUAGE_ES).allocation
    diff = stub.CompareAllocations(
        pb.CompareAllocationsRequest(
            base_run_id=base.run_id, other_run_id=runs[pb.LANGUAGE_ES].run_id
        ),
        timeout=5,
    )
    refs = [*diff.started_binding, *diff.stopped_binding]
    assert refs, "tightening the band makes some rule start to bind"
    names = {r.code: r.name for r in diff.regions}
    es = texts("es")
    for ref in refs:
        assert ref.description == f"{es.rule(ref.family)}: {names[ref.key]} ({ref.key})"
