"""Audit store: every allocation run, its canonical input and its result, read back years later.

SQLAlchemy Core over a SQLite file by default (WAL journal, so readers never block the writer) or
PostgreSQL by URL, so that several service replicas share one trail. A run is committed before
the service replies. ``request_id`` is unique: a retry with the same key and the same input gets
the stored run back; the same key with another input is refused.

Inputs and plans are stored as canonical JSON of the domain dataclasses (sorted keys, no
whitespace, enums by value) so that the SHA-256 of an input is stable across processes and
versions of this package, and so that the trail does not depend on the transport.
"""

from __future__ import annotations

import base64
import dataclasses
import enum
import hashlib
import json
import logging
import sqlite3
import time
import types
import typing
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from optimizer.domain import (
    AllocateOptions,
    AllocationPlan,
    Conflict,
    Scenario,
    canonical_json,
    to_plain,
)
from optimizer.errors import OptimizerError

logger = logging.getLogger(__name__)

_T = TypeVar("_T")

DEFAULT_URL = "sqlite:///fsf-audit.sqlite3"
"""Store used when none is given: a SQLite file in the working folder."""

MAX_PAGE_SIZE = 500
DEFAULT_PAGE_SIZE = 50
MAX_REQUEST_ID = 200
MAX_SCENARIO_NAME = 200
MAX_RUN_ID = 64
"""Run ids are UUIDs (36 characters); anything much longer is not one of ours."""
MAX_PAGE_SEQ = 2**63 - 1
MAX_CALLER_NAME = 200
MAX_CALLER_SUBJECT = 1000
SCHEMA_VERSION = 2
"""Version of the store's tables: 1 as first released, 2 adds the caller's name and subject.
:class:`AuditStore` brings an older store up to date when it opens it."""


class StoreError(OptimizerError):
    """Base of the audit store's errors."""


class RunNotFoundError(StoreError):
    """No run has the given id."""


class RequestIdConflictError(StoreError):
    """A ``request_id`` was reused with a different input."""


class InvalidFieldError(StoreError):
    """A text the store would keep or look up cannot be stored (NUL character, too long).

    PostgreSQL refuses NUL characters in text and SQLite keeps them, so the store refuses them
    on both, before the database sees them, and the service answers INVALID_ARGUMENT.
    """

    def __init__(self, field: str, description: str) -> None:
        self.field = field
        self.description = description
        super().__init__(f"{field}: {description}")


def check_text(field: str, value: str, limit: int) -> None:
    """Refuse a text for the store: a NUL character, or more than ``limit`` characters.

    Raises
    ------
    InvalidFieldError
        ``value`` contains a NUL character or is too long; the message never repeats it.
    """
    if "\x00" in value:
        message = "contains a NUL character (\\x00); remove it"
        raise InvalidFieldError(field, message)
    if len(value) > limit:
        message = f"is {len(value):,} characters long; at most {limit} are allowed"
        raise InvalidFieldError(field, message)


class RunStatus(enum.StrEnum):
    """Outcome of a stored run."""

    OPTIMAL = "optimal"
    INFEASIBLE = "infeasible"
    SOLVER_FAILURE = "solver_failure"
    DEADLINE_EXCEEDED = "deadline_exceeded"


# --------------------------------------------------------------------------------------------
# Canonical JSON of domain values
# --------------------------------------------------------------------------------------------


def canonical_input(scenario: Scenario, options: AllocateOptions) -> str:
    """Canonical JSON of what determines a run: the scenario and the options that change it.

    ``time_limit`` is left out: it follows the caller's deadline and does not change the plan.
    """
    return canonical_json(
        {
            "scenario": scenario,
            "options": {"language": options.language, "objective": options.objective},
        }
    )


def sha256_text(text: str) -> str:
    """Hex SHA-256 of UTF-8 text."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _decode(tp: Any, data: Any) -> Any:
    """Inverse of :func:`optimizer.domain.to_plain` for a resolved type hint."""
    if data is None:
        return None
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        for arg in args:
            # Enum members first so that "band_cap" becomes RuleFamily.BAND_CAP, not a plain str.
            if isinstance(arg, type) and issubclass(arg, enum.Enum):
                try:
                    return arg(data)
                except ValueError:
                    continue
        for arg in args:
            if not (isinstance(arg, type) and issubclass(arg, enum.Enum)):
                return _decode(arg, data)
        return data
    if origin in (tuple, Sequence):  # a plan's cells are a Sequence, read back as a tuple
        item = typing.get_args(tp)[0]
        return tuple(_decode(item, v) for v in data)
    if origin in (Mapping, dict, typing.Mapping):
        _, val = typing.get_args(tp)
        return {k: _decode(val, v) for k, v in data.items()}
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return tp(data)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return from_jsonable(tp, data)
    if tp is float and isinstance(data, int):
        return float(data)
    return data


def from_jsonable(cls: type[_T], data: Mapping[str, Any]) -> _T:
    """Rebuild a frozen domain dataclass from :func:`optimizer.domain.to_plain` output."""
    hints = typing.get_type_hints(cls)
    kwargs = {
        f.name: _decode(hints[f.name], data[f.name])
        for f in dataclasses.fields(cls)  # type: ignore[arg-type]
        if f.name in data
    }
    return cls(**kwargs)


# --------------------------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewRun:
    """What the service records for one run (the store adds the id and the time)."""

    scenario: Scenario
    options: AllocateOptions
    status: RunStatus
    plan: AllocationPlan | None = None
    conflicts: tuple[Conflict, ...] = ()
    error: str = ""
    request_id: str = ""
    caller_role: str = ""
    caller_name: str = ""
    """Name of the caller's bearer token in the tokens file."""
    caller_subject: str = ""
    """Subject of the caller's client certificate (mutual TLS)."""
    versions: Mapping[str, str] = field(default_factory=dict)
    timings: Mapping[str, float] = field(default_factory=dict)
    input_json: str = ""
    """:func:`canonical_input` of scenario and options when already computed (by a worker)."""
    result_json: str = ""
    """:func:`result_text` of the outcome when already computed (by a worker)."""


def result_text(
    plan: AllocationPlan | None, conflicts: tuple[Conflict, ...] = (), error: str = ""
) -> str:
    """The stored result of a run: plan (or None), conflicts and error, as canonical JSON."""
    result = {
        "plan": to_plain(plan) if plan is not None else None,
        "conflicts": to_plain(conflicts),
        "error": error,
    }
    return canonical_json(result)


@dataclass(frozen=True)
class RunRecord:
    """One stored run as read back."""

    run_id: str
    request_id: str
    created_at: datetime
    status: RunStatus
    scenario_name: str
    fiscal_year: int
    fund_total: int
    language: str
    input_json: str
    input_sha256: str
    result_json: str
    caller_role: str
    versions: Mapping[str, str]
    timings: Mapping[str, float]
    caller_name: str = ""
    caller_subject: str = ""

    def plan(self) -> AllocationPlan | None:
        """The stored plan, rebuilt as a domain value (None unless the run was optimal)."""
        result = json.loads(self.result_json)
        if result.get("plan") is None:
            return None
        return from_jsonable(AllocationPlan, result["plan"])

    def conflicts(self) -> tuple[Conflict, ...]:
        """The stored diagnosis of an infeasible run."""
        result = json.loads(self.result_json)
        return tuple(from_jsonable(Conflict, c) for c in result.get("conflicts", []))

    def error(self) -> str:
        """The stored summary of a run that did not end optimal."""
        return str(json.loads(self.result_json).get("error", ""))


metadata = sa.MetaData()

runs = sa.Table(
    "allocation_runs",
    metadata,
    # seq orders runs (newest first) and makes page tokens; run_id is what callers see.
    sa.Column(
        "seq",
        sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    sa.Column("run_id", sa.String(36), nullable=False, unique=True),
    sa.Column("request_id", sa.String(MAX_REQUEST_ID), nullable=True, unique=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
    sa.Column("scenario_name", sa.String(MAX_SCENARIO_NAME), nullable=False),
    sa.Column("fiscal_year", sa.Integer(), nullable=False, index=True),
    sa.Column("fund_total", sa.BigInteger(), nullable=False),
    sa.Column("language", sa.String(8), nullable=False),
    sa.Column("input_json", sa.Text(), nullable=False),
    sa.Column("input_sha256", sa.String(64), nullable=False, index=True),
    sa.Column("result_json", sa.Text(), nullable=False),
    sa.Column("caller_role", sa.String(32), nullable=False),
    sa.Column("versions_json", sa.Text(), nullable=False),
    sa.Column("timings_json", sa.Text(), nullable=False),
    # Schema version 2: who called, beyond the role.
    sa.Column("caller_name", sa.String(MAX_CALLER_NAME), nullable=False, server_default=""),
    sa.Column("caller_subject", sa.String(MAX_CALLER_SUBJECT), nullable=False, server_default=""),
)

store_meta = sa.Table(
    "fsf_store_meta",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.String(200), nullable=False),
)

_ADDED_COLUMNS = {
    "caller_name": f"caller_name VARCHAR({MAX_CALLER_NAME}) NOT NULL DEFAULT ''",
    "caller_subject": f"caller_subject VARCHAR({MAX_CALLER_SUBJECT}) NOT NULL DEFAULT ''",
}
"""Columns added since version 1, as ``ALTER TABLE ... ADD COLUMN`` takes them."""


_MIGRATION_LOCK = 0x66_73_66_5F_6D_69_67
"""PostgreSQL advisory lock key held while a server creates or upgrades the tables."""


def migrate(engine: Engine) -> None:
    """Bring the tables of a store to :data:`SCHEMA_VERSION`, creating them if missing; idempotent.

    A store made by an older version lacks the newer columns (``create_all`` never alters a
    table): they are added with their defaults, so old runs read back with empty values.

    Several servers may open one store at once (replicas starting together, a supervisor
    restarting them). Checking for a table and then creating it races: the second server's
    CREATE fails ("already exists", or PostgreSQL's duplicate ``pg_type`` row). So the whole
    step runs in one transaction under a lock: PostgreSQL's advisory transaction lock, SQLite's
    ``BEGIN IMMEDIATE`` (the others wait up to the busy timeout); DDL is transactional on both.
    """
    with engine.connect() as conn:
        if _up_to_date(conn):  # the usual case: no lock, no write (a read-only store opens)
            return
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            # Without AUTOCOMMIT, pysqlite opens its own transactions and not before DDL.
            raw = conn.execution_options(isolation_level="AUTOCOMMIT")
            raw.exec_driver_sql("BEGIN IMMEDIATE")
            try:
                _migrate(raw)
            except BaseException:
                raw.exec_driver_sql("ROLLBACK")
                raise
            raw.exec_driver_sql("COMMIT")
            return
        with conn.begin():
            if engine.dialect.name == "postgresql":
                conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_MIGRATION_LOCK)))
            _migrate(conn)


def _up_to_date(conn: sa.Connection) -> bool:
    """Whether the tables, their columns and the recorded version are all current."""
    inspector = sa.inspect(conn)
    if not (inspector.has_table(runs.name) and inspector.has_table(store_meta.name)):
        return False
    if not set(_ADDED_COLUMNS) <= {c["name"] for c in inspector.get_columns(runs.name)}:
        return False
    key = store_meta.c.key == "schema_version"
    version = conn.execute(sa.select(store_meta.c.value).where(key)).scalar()
    return version is not None and version.isdigit() and int(version) == SCHEMA_VERSION


def _migrate(conn: sa.Connection) -> None:
    """The steps of :func:`migrate`, on a connection that holds the migration lock."""
    metadata.create_all(conn)
    present = {c["name"] for c in sa.inspect(conn).get_columns(runs.name)}
    for name, ddl in _ADDED_COLUMNS.items():
        if name not in present:
            conn.execute(sa.text(f"ALTER TABLE {runs.name} ADD COLUMN {ddl}"))
            logger.info("audit store: added column %s", name)
    key = store_meta.c.key == "schema_version"
    version = conn.execute(sa.select(store_meta.c.value).where(key)).scalar()
    if version is None:
        conn.execute(store_meta.insert().values(key="schema_version", value=str(SCHEMA_VERSION)))
    elif not version.isdigit():
        message = f"the audit store's schema version {version!r} is not a number"
        raise StoreError(message)
    elif int(version) < SCHEMA_VERSION:
        conn.execute(store_meta.update().where(key).values(value=str(SCHEMA_VERSION)))
    elif int(version) > SCHEMA_VERSION:
        logger.warning(
            "audit store: schema version %s was made by a newer fsf (this one knows %d)",
            version,
            SCHEMA_VERSION,
        )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=10000")
    # WAL lets GetAllocation/ListAllocations read while a run is being committed. It is stored in
    # the file, so only the first connection to a new file switches it; switching needs the file
    # to itself and SQLite answers "database is locked" at once (no busy wait) when servers open
    # a new store together, so the switch is retried for up to the busy timeout.
    deadline = time.monotonic() + 10.0
    while cursor.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
        except sqlite3.OperationalError as err:
            if "locked" not in str(err) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _encode_token(seq: int) -> str:
    return base64.urlsafe_b64encode(f"v1:{seq}".encode()).decode("ascii")


def _decode_token(token: str) -> int:
    try:
        if len(token) > 64:
            raise ValueError(len(token))
        text = base64.urlsafe_b64decode(token.encode("ascii")).decode("ascii")
        prefix, digits = text.split(":", 1)
        # A crafted token must not reach the query as an integer the database cannot hold.
        if prefix != "v1" or not digits.isdigit() or len(digits) > 19:
            raise ValueError(prefix)
        seq = int(digits)
        if not 0 < seq <= MAX_PAGE_SEQ:
            raise ValueError(seq)
        return seq
    except (ValueError, UnicodeError) as err:
        message = "page_token is not a token returned by ListAllocations"
        raise ValueError(message) from err


class AuditStore:
    """The audit trail of allocation runs.

    Parameters
    ----------
    url
        SQLAlchemy URL: ``sqlite:///path/to/file.sqlite3`` (default: ``fsf-audit.sqlite3`` in the
        working folder) or ``postgresql+psycopg://user:password@host/db``.
    create
        Create the tables when missing and bring an older store up to date (idempotent).
    """

    def __init__(self, url: str = DEFAULT_URL, *, create: bool = True) -> None:
        self.url = url
        self.engine: Engine = sa.create_engine(url, pool_pre_ping=True)
        if self.engine.dialect.name == "sqlite":
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        if create:
            migrate(self.engine)
        logger.info("audit store ready (%s)", self.engine.url.render_as_string(hide_password=True))

    @property
    def dialect(self) -> str:
        """Database dialect name: ``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    def close(self) -> None:
        """Release every pooled connection."""
        self.engine.dispose()

    # -- writes ---------------------------------------------------------------------------

    def record(self, run: NewRun) -> tuple[RunRecord, bool]:
        """Commit a run and return it, or return the earlier run with the same request and input.

        Returns
        -------
        (RunRecord, bool)
            The stored run and whether it was stored earlier (a replayed retry).

        Raises
        ------
        RequestIdConflictError
            ``run.request_id`` is already used by a run with another input.
        """
        check_text("request_id", run.request_id, MAX_REQUEST_ID)
        check_text("scenario.name", run.scenario.name, MAX_SCENARIO_NAME)
        input_json = run.input_json or canonical_input(run.scenario, run.options)
        digest = sha256_text(input_json)
        if run.request_id:
            earlier = self.find_by_request_id(run.request_id)
            if earlier is not None:
                return _replay(earlier, digest), True
        row = {
            "run_id": str(uuid.uuid4()),
            "request_id": run.request_id or None,
            "created_at": datetime.now(UTC),
            "status": str(run.status),
            "scenario_name": run.scenario.name,
            "fiscal_year": run.scenario.fund.fiscal_year,
            "fund_total": run.scenario.fund.total,
            "language": str(run.options.language),
            "input_json": input_json,
            "input_sha256": digest,
            "result_json": run.result_json or result_text(run.plan, run.conflicts, run.error),
            "caller_role": run.caller_role,
            "caller_name": _clean(run.caller_name, MAX_CALLER_NAME),
            "caller_subject": _clean(run.caller_subject, MAX_CALLER_SUBJECT),
            "versions_json": canonical_json(dict(run.versions)),
            "timings_json": canonical_json(dict(run.timings)),
        }
        try:
            with self.engine.begin() as conn:
                conn.execute(runs.insert().values(**row))
        except sa.exc.IntegrityError:
            # Two retries raced: the other one committed first. Only request_id can collide.
            earlier = self.find_by_request_id(run.request_id) if run.request_id else None
            if earlier is None:
                raise
            return _replay(earlier, digest), True
        logger.info("stored run %s (%s, request_id=%r)", row["run_id"], run.status, run.request_id)
        return self.get(str(row["run_id"])), False

    # -- reads ----------------------------------------------------------------------------

    def find_by_request_id(self, request_id: str) -> RunRecord | None:
        """The run stored under ``request_id``, or None.

        Raises
        ------
        InvalidFieldError
            ``request_id`` has a NUL character or is too long.
        """
        check_text("request_id", request_id, MAX_REQUEST_ID)
        with self.engine.connect() as conn:
            row = conn.execute(runs.select().where(runs.c.request_id == request_id)).first()
        return _to_record(row) if row is not None else None

    def get(self, run_id: str) -> RunRecord:
        """The run with id ``run_id``.

        Raises
        ------
        RunNotFoundError
            No such run.
        InvalidFieldError
            ``run_id`` has a NUL character or is too long to be a run id.
        """
        check_text("run_id", run_id, MAX_RUN_ID)
        with self.engine.connect() as conn:
            row = conn.execute(runs.select().where(runs.c.run_id == run_id)).first()
        if row is None:
            message = f"no allocation run has id {run_id!r}"
            raise RunNotFoundError(message)
        return _to_record(row)

    def list(
        self, *, page_size: int = 0, page_token: str = "", fiscal_year: int = 0
    ) -> tuple[list[RunRecord], str]:
        """One page of runs, newest first.

        Parameters
        ----------
        page_size
            Runs per page; 0 means 50; larger than 500 is clipped to 500.
        page_token
            ``next_page_token`` of the previous page; empty for the first.
        fiscal_year
            Only runs of this fiscal year; 0 for every year.

        Returns
        -------
        (list of RunRecord, str)
            The page and the token of the next page ("" on the last page).

        Raises
        ------
        ValueError
            ``page_size`` is negative or ``page_token`` was not made by this method.
        """
        if page_size < 0:
            message = "page_size must be 0 (default) or positive"
            raise ValueError(message)
        size = min(page_size or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
        query = runs.select().order_by(runs.c.seq.desc()).limit(size + 1)
        if page_token:
            query = query.where(runs.c.seq < _decode_token(page_token))
        if fiscal_year:
            query = query.where(runs.c.fiscal_year == fiscal_year)
        with self.engine.connect() as conn:
            rows = conn.execute(query).all()
        next_token = _encode_token(rows[size - 1].seq) if len(rows) > size else ""
        return [_to_record(r) for r in rows[:size]], next_token


def _clean(text: str, limit: int) -> str:
    """An identity text as the store can keep it: no NUL characters, at most ``limit`` long."""
    return text.replace("\x00", "")[:limit]


def _replay(earlier: RunRecord, digest: str) -> RunRecord:
    if earlier.input_sha256 != digest:
        message = (
            f"request_id {earlier.request_id!r} was already used for run {earlier.run_id} "
            "with a different input; use a new request_id for a new input"
        )
        raise RequestIdConflictError(message)
    return earlier


def check_replay(earlier: RunRecord, input_json: str) -> RunRecord:
    """``earlier`` when ``input_json`` is its input (a retry), else refuse the reused key.

    Raises
    ------
    RequestIdConflictError
        The request_id of ``earlier`` is being reused for another input.
    """
    return _replay(earlier, sha256_text(input_json))


def _to_record(row: Any) -> RunRecord:
    created = row.created_at
    if created.tzinfo is None:
        # SQLite drops the offset; every stored time is UTC.
        created = created.replace(tzinfo=UTC)
    return RunRecord(
        run_id=row.run_id,
        request_id=row.request_id or "",
        created_at=created,
        status=RunStatus(row.status),
        scenario_name=row.scenario_name,
        fiscal_year=row.fiscal_year,
        fund_total=row.fund_total,
        language=row.language,
        input_json=row.input_json,
        input_sha256=row.input_sha256,
        result_json=row.result_json,
        caller_role=row.caller_role,
        caller_name=row.caller_name,
        caller_subject=row.caller_subject,
        versions=json.loads(row.versions_json),
        timings=json.loads(row.timings_json),
    )
