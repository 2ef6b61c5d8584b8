"""The one table from exceptions to gRPC status codes, with google.rpc rich details.

Every servicer method lets exceptions escape to :func:`abort_with`, which looks the exception up
in :data:`STATUS_TABLE` (first matching class wins, so subclasses come before their bases) and
aborts the call with a ``google.rpc.Status`` that carries the details. Anything not in the table
is INTERNAL with a fixed message; its traceback goes to the log only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import NoReturn

import grpc
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from optimizer.errors import DeadlineExceededError, InfeasibleError, ScenarioError, SolverError, tr
from optimizer.i18n import Texts, texts
from optimizer.store import InvalidFieldError, RequestIdConflictError, RunNotFoundError

logger = logging.getLogger(__name__)

INTERNAL_MESSAGE = "internal error; the operators have the details in the server log"
SOLVER_MESSAGE = "the solver failed on this scenario; the operators have the details in the log"


class ServiceError(Exception):
    """Errors raised by the service layer itself (not by the engine)."""


class UnauthenticatedError(ServiceError):
    """No bearer token, or an unknown one."""


class PermissionDeniedError(ServiceError):
    """The caller's role may not call this method."""


class ResourceExhaustedError(ServiceError):
    """The request is larger, or needs more memory, than this server allows, or too many
    calls are waiting for a worker."""


class ShuttingDownError(ServiceError):
    """The server is stopping and the call could not finish within the grace period."""


class BadRequestError(ServiceError):
    """A request field outside the scenario is invalid (page token, run id, ...)."""

    def __init__(self, field: str, description: str) -> None:
        self.field = field
        self.description = description
        super().__init__(f"{field}: {description}")


def _pack(message: object) -> any_pb2.Any:
    detail = any_pb2.Any()
    detail.Pack(message)  # type: ignore[arg-type]
    return detail


DETAILS_BUDGET = 3072
"""Bytes of field violations at most: the details travel in trailing metadata, which clients
refuse beyond 8 KiB by default (the whole status, base64-encoded, must fit)."""
MAX_MESSAGE_CHARS = 300
"""Characters of a status message at most. The message travels twice in the trailing metadata
(``grpc-message``, percent-encoded: up to 6 bytes per accented character, and inside the
base64 status); a message that echoes client input (a 100,000-character run id, the names of
1,000 uploaded files) would otherwise push the reply past the client's metadata limit and the
caller would see RESOURCE_EXHAUSTED instead of the real error."""
MAX_MESSAGE_BYTES = 600
"""UTF-8 bytes of a status message at most, besides :data:`MAX_MESSAGE_CHARS`: 300 characters
of four bytes each (emoji, CJK extensions) would take 3,600 bytes percent-encoded plus 1,600
base64-encoded, and with a full details budget the trailing metadata passed 8 KiB."""
MAX_DESCRIPTION_CHARS = 600
"""Characters of one field violation's description at most, for the same reason."""


def shorten(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, saying how much was left out."""
    if len(text) <= limit:
        return text
    note = f"... ({len(text) - limit:,} more characters)"
    return text[: max(limit - len(note), 0)] + note


def shorten_bytes(text: str, limit: int) -> str:
    """``text`` cut so that its UTF-8 encoding takes at most ``limit`` bytes (whole characters)."""
    if len(text.encode("utf-8")) <= limit:
        return text
    note = "..."
    kept = text.encode("utf-8")[: max(limit - len(note), 0)].decode("utf-8", "ignore")
    return kept + note


def _violations_within_budget(
    violations: list[error_details_pb2.BadRequest.FieldViolation], t: Texts | None = None
) -> list[error_details_pb2.BadRequest.FieldViolation]:
    """The first violations that fit the budget, and one saying how many were left out."""
    kept: list[error_details_pb2.BadRequest.FieldViolation] = []
    used = 0
    for v in violations:
        size = v.ByteSize() + 4
        if used + size > DETAILS_BUDGET:
            left = len(violations) - len(kept)
            more = tr(
                "and {left} more problem(s): call ValidateScenario or run `fsf validate` for "
                "the whole list",
                left=left,
            )
            kept.append(
                error_details_pb2.BadRequest.FieldViolation(
                    field="scenario", description=more.render(t)
                )
            )
            break
        kept.append(v)
        used += size
    return kept


def _bad_request(err: Exception) -> tuple[str, list[any_pb2.Any]]:
    if isinstance(err, ScenarioError):
        # In the request's language (Allocate; ValidateScenario answers its problems in its reply).
        t = texts(err.language) if err.language is not None else None
        errors = [p for p in err.problems if p.severity == "error"] or list(err.problems)
        violations = _violations_within_budget(
            [
                error_details_pb2.BadRequest.FieldViolation(
                    field=shorten(p.field or p.location, MAX_DESCRIPTION_CHARS),
                    description=shorten(p.text(t), MAX_DESCRIPTION_CHARS),
                )
                for p in errors
            ],
            t,
        )
        message = f"the scenario has {len(errors)} problem(s); see the field violations"
        if errors:
            message += f"; first: {errors[0]}"
        if t is not None:
            message = t.ngettext(
                "the scenario has {n} problem; see the field violations",
                "the scenario has {n} problems; see the field violations",
                len(errors),
            ).format(n=len(errors))
            if errors:
                first = t._("{message}; first: {problem}")
                message = first.format(message=message, problem=errors[0].text(t))
    else:
        assert isinstance(err, BadRequestError | InvalidFieldError)
        violations = [
            error_details_pb2.BadRequest.FieldViolation(
                field=err.field, description=shorten(err.description, MAX_DESCRIPTION_CHARS)
            )
        ]
        message = f"{err.field}: {err.description}"
    return message, [_pack(error_details_pb2.BadRequest(field_violations=violations))]


def _precondition(err: Exception) -> tuple[str, list[any_pb2.Any]]:
    assert isinstance(err, InfeasibleError)
    # The diagnosis is in the request's language; so is what the service adds to it.
    t = texts(err.language)
    relax = t._("{description} (relax by {amount} pesos)")
    violations = [
        error_details_pb2.PreconditionFailure.Violation(
            type=str(c.family),
            subject=str(c.family),
            description=shorten(
                relax.format(description=c.description, amount=t.number(c.amount)),
                MAX_DESCRIPTION_CHARS,
            ),
        )
        for c in err.conflicts
    ]
    details = [_pack(error_details_pb2.PreconditionFailure(violations=violations))]
    message = t._("the criteria are infeasible: {summary}").format(summary=err.summary)
    return message, details


def _plain(err: Exception) -> tuple[str, list[any_pb2.Any]]:
    return str(err), []


def _fixed(message: str) -> Callable[[Exception], tuple[str, list[any_pb2.Any]]]:
    def build(err: Exception) -> tuple[str, list[any_pb2.Any]]:
        logger.error("%s: %s", type(err).__name__, err, exc_info=err)
        return message, []

    return build


@dataclass(frozen=True)
class StatusRule:
    """One row of the table: exception class, status code, message and details builder."""

    exception: type[BaseException]
    code: grpc.StatusCode
    build: Callable[[Exception], tuple[str, list[any_pb2.Any]]]


STATUS_TABLE: tuple[StatusRule, ...] = (
    StatusRule(ScenarioError, grpc.StatusCode.INVALID_ARGUMENT, _bad_request),
    StatusRule(BadRequestError, grpc.StatusCode.INVALID_ARGUMENT, _bad_request),
    StatusRule(InvalidFieldError, grpc.StatusCode.INVALID_ARGUMENT, _bad_request),
    StatusRule(InfeasibleError, grpc.StatusCode.FAILED_PRECONDITION, _precondition),
    StatusRule(RunNotFoundError, grpc.StatusCode.NOT_FOUND, _plain),
    StatusRule(RequestIdConflictError, grpc.StatusCode.ALREADY_EXISTS, _plain),
    StatusRule(UnauthenticatedError, grpc.StatusCode.UNAUTHENTICATED, _plain),
    StatusRule(PermissionDeniedError, grpc.StatusCode.PERMISSION_DENIED, _plain),
    StatusRule(DeadlineExceededError, grpc.StatusCode.DEADLINE_EXCEEDED, _plain),
    StatusRule(ResourceExhaustedError, grpc.StatusCode.RESOURCE_EXHAUSTED, _plain),
    StatusRule(ShuttingDownError, grpc.StatusCode.UNAVAILABLE, _plain),
    StatusRule(SolverError, grpc.StatusCode.INTERNAL, _fixed(SOLVER_MESSAGE)),
    StatusRule(Exception, grpc.StatusCode.INTERNAL, _fixed(INTERNAL_MESSAGE)),
)


def status_for(err: Exception) -> tuple[grpc.StatusCode, status_pb2.Status]:
    """The status code and the ``google.rpc.Status`` (with details) for an exception."""
    for rule in STATUS_TABLE:
        if isinstance(err, rule.exception):
            message, details = rule.build(err)
            code = rule.code
            break
    else:  # pragma: no cover - the last row matches every Exception
        code, (message, details) = grpc.StatusCode.INTERNAL, (INTERNAL_MESSAGE, [])
    status = status_pb2.Status(
        code=getattr(code_pb2, code.name),
        message=shorten_bytes(shorten(message, MAX_MESSAGE_CHARS), MAX_MESSAGE_BYTES),
        details=details,
    )
    return code, status


def abort_with(context: grpc.ServicerContext, err: Exception) -> NoReturn:
    """Abort the call with the status that :data:`STATUS_TABLE` gives for ``err``."""
    code, status = status_for(err)
    logger.info("call ends with %s: %s", code.name, status.message)
    context.abort_with_status(rpc_status.to_status(status))
    raise AssertionError("abort_with_status returned")  # pragma: no cover
