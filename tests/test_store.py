"""The audit store on a SQLite file and on a real PostgreSQL server (skipped, visibly, without one)."""

from __future__ import annotations

import json
import os
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path

import pytest
import sqlalchemy as sa

from optimizer.domain import (
    AllocateOptions,
    AllocationPlan,
    Conflict,
    Language,
    RuleFamily,
    to_plain,
)
from optimizer.pipeline import allocate
from optimizer.service.convert import scenario_from_proto
from optimizer.store import (
    SCHEMA_VERSION,
    AuditStore,
    NewRun,
    RequestIdConflictError,
    RunNotFoundError,
    RunStatus,
    canonical_input,
    from_jsonable,
    metadata,
    result_text,
    runs,
    sha256_text,
    store_meta,
)
from tests.service_support import FUND, small_scenario

POSTGRES_ENV = "FSF_TEST_POSTGRES_URL"


def _postgres_url() -> str:
    url = os.environ.get(POSTGRES_ENV, "")
    if not url:
        pytest.skip(
            f"PostgreSQL tests skipped: {POSTGRES_ENV} is not set "
            "(run `. .ci/service-setup.sh` to start a server and set it)"
        )
    try:
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
        engine.dispose()
    except Exception as err:  # any driver error means: no usable server here
        pytest.skip(f"PostgreSQL tests skipped: cannot connect to {POSTGRES_ENV}: {err}")
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[AuditStore]:
    """An empty audit store on a SQLite file or on the PostgreSQL server of the CI script."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'audit.sqlite3'}"
    else:
        url = _postgres_url()
        engine = sa.create_engine(url)
        metadata.drop_all(engine)
        engine.dispose()
    audit = AuditStore(url)
    yield audit
    audit.close()


@cache
def _plan(fund: int = FUND) -> AllocationPlan:
    return allocate(scenario_from_proto(small_scenario(fund=fund)), AllocateOptions())


def _run(fund: int = FUND, **kwargs: object) -> NewRun:
    plan = _plan(fund)
    defaults: dict[str, object] = {
        "scenario": scenario_from_proto(small_scenario(fund=fund)),
        "options": AllocateOptions(),
        "status": RunStatus.OPTIMAL,
        "plan": plan,
        "caller_role": "planner",
        "versions": {"optimizer": "test"},
        "timings": {"solve_seconds": 0.01},
    }
    defaults.update(kwargs)
    return NewRun(**defaults)  # type: ignore[arg-type]


def test_plan_round_trips_through_canonical_json() -> None:
    """A plan stored as canonical JSON is rebuilt equal, enums and tuples included."""
    plan = _plan()
    rebuilt = from_jsonable(AllocationPlan, json.loads(json.dumps(to_plain(plan))))
    assert rebuilt == plan
    assert rebuilt.total == FUND


def test_canonical_input_ignores_locations_and_time_limit() -> None:
    """The input hash depends on the scenario and language, not on locations or time limits."""
    scenario = scenario_from_proto(small_scenario())
    a = canonical_input(scenario, AllocateOptions(time_limit=3.0))
    b = canonical_input(scenario, AllocateOptions())
    assert a == b
    assert sha256_text(a) != sha256_text(
        canonical_input(scenario, AllocateOptions(language=Language.EN))
    )


def test_record_and_get_back(store: AuditStore) -> None:
    """A committed run is read back with its plan, hash, role, versions and amounts."""
    record, replayed = store.record(_run())
    assert not replayed
    again = store.get(record.run_id)
    assert again.status is RunStatus.OPTIMAL
    assert again.fund_total == FUND
    assert again.caller_role == "planner"
    assert again.versions == {"optimizer": "test"}
    assert again.input_sha256 == sha256_text(again.input_json)
    plan = again.plan()
    assert plan is not None
    assert plan.total == FUND
    assert again.created_at.tzinfo is not None


def test_unknown_run_is_not_found(store: AuditStore) -> None:
    """Reading an unknown run id raises RunNotFoundError."""
    with pytest.raises(RunNotFoundError):
        store.get(str(uuid.uuid4()))


def test_request_id_replays_same_input_and_refuses_other(store: AuditStore) -> None:
    """The same request_id returns the same run for the same input and refuses another input."""
    first, _ = store.record(_run(request_id="k1"))
    second, replayed = store.record(_run(request_id="k1"))
    assert replayed
    assert second.run_id == first.run_id
    with pytest.raises(RequestIdConflictError, match="k1"):
        store.record(_run(fund=FUND + 5, request_id="k1"))


def test_concurrent_retries_store_one_run(store: AuditStore) -> None:
    """Eight concurrent records with one request_id leave exactly one run."""
    with ThreadPoolExecutor(max_workers=8) as threads:
        results = list(threads.map(lambda _: store.record(_run(request_id="race")), range(8)))
    assert len({r.run_id for r, _ in results}) == 1
    assert sum(1 for _, replayed in results if not replayed) == 1


def test_infeasible_run_keeps_its_diagnosis(store: AuditStore) -> None:
    """An infeasible run is stored with its conflicts in pesos and no plan."""
    conflict = Conflict(RuleFamily.REGION_FLOOR, 200_000_000, "floors exceed the fund")
    record, _ = store.record(
        _run(
            status=RunStatus.INFEASIBLE,
            plan=None,
            conflicts=(conflict,),
            error="floors exceed the fund",
        )
    )
    again = store.get(record.run_id)
    assert again.plan() is None
    assert again.conflicts() == (conflict,)
    assert again.error() == "floors exceed the fund"


def test_list_pages_newest_first_and_filters_year(store: AuditStore) -> None:
    """Listing pages newest first with tokens and filters by fiscal year."""
    ids = [store.record(_run(fund=FUND + i))[0].run_id for i in range(5)]
    page, token = store.list(page_size=2)
    assert [r.run_id for r in page] == ids[::-1][:2]
    page2, token2 = store.list(page_size=2, page_token=token)
    assert [r.run_id for r in page2] == ids[::-1][2:4]
    page3, token3 = store.list(page_size=2, page_token=token2)
    assert [r.run_id for r in page3] == [ids[0]]
    assert token3 == ""
    assert store.list(fiscal_year=1999) == ([], "")
    with pytest.raises(ValueError, match="page_token"):
        store.list(page_token="garbage!")


def test_sqlite_store_uses_wal(tmp_path: Path) -> None:
    """The default SQLite store runs in WAL mode so readers never wait for a writer."""
    audit = AuditStore(f"sqlite:///{tmp_path / 'wal.sqlite3'}")
    with audit.engine.connect() as conn:
        mode = conn.execute(sa.text("PRAGMA journal_mode")).scalar()
    audit.close()
    assert mode == "wal"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty database: a new SQLite file or the emptied PostgreSQL test database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'old.sqlite3'}"
    url = _postgres_url()
    engine = sa.create_engine(url)
    metadata.drop_all(engine)
    engine.dispose()
    return url


def _version_1_tables(engine: sa.Engine) -> sa.Table:
    """Create the tables as version 1 made them (no caller columns, no meta table)."""
    old = sa.MetaData()
    added = {"caller_name", "caller_subject"}
    v1 = sa.Table(runs.name, old, *[c._copy() for c in runs.columns if c.name not in added])
    old.create_all(engine)
    return v1


@pytest.mark.parametrize("start", ["empty", "version 1"])
def test_servers_opening_one_store_at_once_all_succeed(empty_url: str, start: str) -> None:
    """Six servers opening a new (or a version 1) store at the same moment all start.

    Each used to check for the tables, then create or alter them: the others' CREATE failed
    ("already exists", or PostgreSQL's duplicate pg_type row) and that server did not start.
    """
    errors: list[str] = []
    for _ in range(3):
        engine = sa.create_engine(empty_url)
        metadata.drop_all(engine)
        if start == "version 1":
            _version_1_tables(engine)
        engine.dispose()
        barrier = threading.Barrier(6)

        def open_store(barrier: threading.Barrier = barrier) -> None:
            barrier.wait()
            try:
                AuditStore(empty_url).close()
            except Exception as err:  # collected: every failure is reported below
                errors.append(f"{type(err).__name__}: {err}".splitlines()[0])

        threads = [threading.Thread(target=open_store) for _ in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []
    audit = AuditStore(empty_url)
    try:
        with audit.engine.connect() as conn:
            versions = conn.execute(sa.select(store_meta.c.value)).scalars().all()
        assert versions == [str(SCHEMA_VERSION)]
        record, _ = audit.record(_run(caller_name="n", caller_subject="CN=s"))
        assert audit.get(record.run_id).caller_subject == "CN=s"
    finally:
        audit.close()


def test_a_version_1_store_is_brought_up_to_date_in_place(empty_url: str) -> None:
    """A store made before the caller columns opens, keeps its runs and records callers."""
    from datetime import UTC, datetime

    engine = sa.create_engine(empty_url)
    v1 = _version_1_tables(engine)
    with engine.begin() as conn:
        conn.execute(
            v1.insert().values(
                run_id="old-run",
                request_id="old-key",
                created_at=datetime.now(UTC),
                status="optimal",
                scenario_name="tri",
                fiscal_year=2026,
                fund_total=FUND,
                language="es",
                input_json="{}",
                input_sha256="0" * 64,
                result_json=result_text(_plan()),
                caller_role="planner",
                versions_json="{}",
                timings_json="{}",
            )
        )
    engine.dispose()
    audit = AuditStore(empty_url)
    try:
        old_run = audit.get("old-run")
        assert (old_run.caller_name, old_run.caller_subject) == ("", "")
        plan = old_run.plan()
        assert plan is not None
        assert plan.total == FUND
        new, _ = audit.record(_run(caller_name="finance-system", caller_subject="CN=finance"))
        again = audit.get(new.run_id)
        assert (again.caller_name, again.caller_subject) == ("finance-system", "CN=finance")
    finally:
        audit.close()
    reopened = AuditStore(empty_url)  # a second opening changes nothing
    try:
        with reopened.engine.connect() as conn:
            version = conn.execute(sa.select(store_meta.c.value)).scalar()
        assert version == str(SCHEMA_VERSION)
        assert [r.run_id for r in reopened.list()[0]] == [new.run_id, "old-run"]
    finally:
        reopened.close()


def test_opening_a_current_store_takes_no_write_lock(tmp_path: Path) -> None:
    """A server opening an up-to-date SQLite store while another holds its write lock starts.

    Upgrading takes the write lock; a store that needs nothing must not wait for it (up to the
    10 s busy timeout, then 'database is locked') nor need write access at all.
    """
    import sqlite3
    import time

    db = tmp_path / "busy.sqlite3"
    AuditStore(f"sqlite:///{db}").close()
    writer = sqlite3.connect(db, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        start = time.monotonic()
        audit = AuditStore(f"sqlite:///{db}")
        audit.close()
        assert time.monotonic() - start < 2.0
    finally:
        writer.execute("ROLLBACK")
        writer.close()
