"""Bearer-token authentication, roles, and per-call log context (one server interceptor).

The tokens file holds SHA-256 hashes, never tokens, one per line::

    # sha256(token)                                                   role     name
    9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08  planner  finance-system
    60303ae22b998861bce3b28f33eec1be758a213c86c93c076dbe9f558c11c752  auditor  audit-office

``python -m optimizer.service.auth new planner finance-system`` prints a fresh token (give it to
the caller) and the line to add to the file. Roles: ``planner`` may allocate and read;
``auditor`` may only read. Health and reflection need no token (load balancers probe them).
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import hmac
import logging
import secrets
import sys
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import grpc

from optimizer.service.errors import (
    PermissionDeniedError,
    ServiceError,
    UnauthenticatedError,
    abort_with,
)

logger = logging.getLogger(__name__)

SERVICE_PREFIX = "/optimizer.v1.AllocationService/"


class Role(StrEnum):
    """What a caller may do."""

    PLANNER = "planner"
    AUDITOR = "auditor"


METHOD_ROLES: Mapping[str, frozenset[Role]] = {
    "Allocate": frozenset({Role.PLANNER}),
    "ValidateScenario": frozenset({Role.PLANNER, Role.AUDITOR}),
    "GetAllocation": frozenset({Role.PLANNER, Role.AUDITOR}),
    "ListAllocations": frozenset({Role.PLANNER, Role.AUDITOR}),
    "CompareAllocations": frozenset({Role.PLANNER, Role.AUDITOR}),
    "Sweep": frozenset({Role.PLANNER}),
}
"""Roles allowed per method; a method missing here is refused to everyone."""

CALLER_ROLE: contextvars.ContextVar[str] = contextvars.ContextVar("caller_role", default="")
"""Role of the caller of the current call ("" when authentication is off)."""
CALLER_NAME: contextvars.ContextVar[str] = contextvars.ContextVar("caller_name", default="")
"""Name of the caller's token in the tokens file ("" without tokens or without a name)."""
CALLER_SUBJECT: contextvars.ContextVar[str] = contextvars.ContextVar("caller_subject", default="")
"""Subject of the caller's client certificate ("" without mutual TLS)."""
CALL_ID: contextvars.ContextVar[str] = contextvars.ContextVar("call_id", default="-")
"""Log id of the current call: the ``x-request-id`` metadata, or a fresh one."""


def hash_token(token: str) -> str:
    """Hex SHA-256 of a token, as stored in the tokens file."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class TokenEntry:
    """One line of the tokens file."""

    sha256: str
    role: Role
    name: str


class TokenTable:
    """Hashed tokens and their roles.

    Parameters
    ----------
    entries
        One entry per accepted token.
    """

    def __init__(self, entries: list[TokenEntry]) -> None:
        self.entries = tuple(entries)

    @classmethod
    def from_file(cls, path: str | Path) -> TokenTable:
        """Read a tokens file.

        Raises
        ------
        ValueError
            A line is not ``<64 hex digits> <role> [name]`` or names an unknown role.
        """
        entries = []
        text = Path(path).read_text(encoding="utf-8")
        for number, raw in enumerate(text.splitlines(), start=1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            parts = line.split(None, 2)
            digest = parts[0].lower().removeprefix("sha256:")
            if (
                len(parts) < 2
                or len(digest) != 64
                or not all(c in "0123456789abcdef" for c in digest)
            ):
                message = (
                    f"{path} line {number}: expected '<sha256 hex of the token> <role> [name]'"
                )
                raise ValueError(message)
            try:
                role = Role(parts[1])
            except ValueError:
                message = f"{path} line {number}: unknown role {parts[1]!r}; use " + " or ".join(
                    r.value for r in Role
                )
                raise ValueError(message) from None
            entries.append(TokenEntry(digest, role, parts[2] if len(parts) > 2 else ""))
        return cls(entries)

    def lookup(self, token: str) -> TokenEntry | None:
        """The entry of a presented token, or None (compared in constant time)."""
        digest = hash_token(token)
        found = None
        for entry in self.entries:
            if hmac.compare_digest(entry.sha256, digest):
                found = entry
        return found


MAX_SUBJECT = 1000
"""Characters of a certificate subject kept at most (the store's column)."""


def peer_subject(context: grpc.ServicerContext) -> str:
    """Subject of the client certificate of a call (RFC 4514), "" without one."""
    auth: Mapping[str, Any] = context.auth_context() or {}
    for key, prefix in (("x509_subject", ""), ("x509_common_name", "CN=")):
        values = auth.get(key) or []
        first = values[0] if isinstance(values, list | tuple) and values else b""
        if first:
            text = first.decode("utf-8", "replace")
            return (prefix + text).replace("\x00", "")[:MAX_SUBJECT]
    return ""


def _abort_handler(
    handler: grpc.RpcMethodHandler[Any, Any], err: ServiceError
) -> grpc.RpcMethodHandler[Any, Any]:
    def refuse(_request: Any, context: grpc.ServicerContext) -> Any:
        abort_with(context, err)

    if handler.unary_unary is None:  # a server-streaming method (Sweep)
        return grpc.unary_stream_rpc_method_handler(
            refuse,
            request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer,
        )
    return grpc.unary_unary_rpc_method_handler(
        refuse,
        request_deserializer=handler.request_deserializer,
        response_serializer=handler.response_serializer,
    )


class CallInterceptor(grpc.ServerInterceptor):  # type: ignore[type-arg]
    """Authenticates calls to the allocation service and logs each call with an id.

    Parameters
    ----------
    tokens
        Accepted tokens; None turns authentication off (every caller may do everything).
    """

    def __init__(self, tokens: TokenTable | None) -> None:
        self.tokens = tokens

    def _authorize(self, method: str, metadata: Mapping[str, str]) -> tuple[str, str]:
        """(role, caller name) of the call, or raise Unauthenticated/PermissionDenied."""
        if self.tokens is None:
            return "", ""
        header = metadata.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            message = "send the metadata 'authorization: Bearer <token>'"
            raise UnauthenticatedError(message)
        entry = self.tokens.lookup(token.strip())
        if entry is None:
            message = "unknown bearer token"
            raise UnauthenticatedError(message)
        if entry.role not in METHOD_ROLES.get(method, frozenset()):
            message = f"role {entry.role} may not call {method}"
            raise PermissionDeniedError(message)
        return str(entry.role), entry.name

    def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], grpc.RpcMethodHandler[Any, Any] | None],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler[Any, Any] | None:
        """Wrap allocation-service methods; pass health and reflection through."""
        full = handler_call_details.method
        handler = continuation(handler_call_details)
        if handler is None or not full.startswith(SERVICE_PREFIX):
            return handler
        if handler.unary_unary is None and handler.unary_stream is None:
            return handler
        method = full.removeprefix(SERVICE_PREFIX)
        metadata = {
            k.lower(): v
            for k, v in handler_call_details.invocation_metadata or ()
            if isinstance(v, str)
        }
        call_id = metadata.get("x-request-id", "")[:64] or uuid.uuid4().hex[:12]
        try:
            role, caller = self._authorize(method, metadata)
        except ServiceError as err:
            logger.warning("call id=%s method=%s refused: %s", call_id, method, err)
            return _abort_handler(handler, err)
        behavior = handler.unary_unary

        @contextlib.contextmanager
        def scope(context: grpc.ServicerContext) -> Iterator[None]:
            subject = peer_subject(context)
            tokens = (CALLER_ROLE.set(role), CALL_ID.set(call_id))
            identity = (CALLER_NAME.set(caller), CALLER_SUBJECT.set(subject))
            start = time.perf_counter()
            logger.info(
                "call id=%s method=%s role=%s caller=%s subject=%s start",
                call_id,
                method,
                role or "-",
                caller or "-",
                subject or "-",
            )
            try:
                yield
            finally:
                code = context.code() or grpc.StatusCode.OK  # type: ignore[attr-defined]
                logger.info(
                    "call id=%s method=%s code=%s seconds=%.3f",
                    call_id,
                    method,
                    getattr(code, "name", code),
                    time.perf_counter() - start,
                )
                CALLER_SUBJECT.reset(identity[1])
                CALLER_NAME.reset(identity[0])
                CALL_ID.reset(tokens[1])
                CALLER_ROLE.reset(tokens[0])

        if behavior is None:
            stream = handler.unary_stream
            assert stream is not None

            # A stream runs while gRPC iterates it: the caller's identity is set around that.
            def streamed(request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
                with scope(context):
                    yield from stream(request, context)

            return handler._replace(unary_stream=streamed)  # type: ignore[attr-defined,no-any-return]

        def logged(request: Any, context: grpc.ServicerContext) -> Any:
            with scope(context):
                return behavior(request, context)

        # Method handlers are namedtuples; swap only the behaviour.
        return handler._replace(unary_unary=logged)  # type: ignore[attr-defined,no-any-return]


def main(argv: list[str]) -> int:
    """``python -m optimizer.service.auth new ROLE [NAME]``: a fresh token and its file line."""
    if len(argv) < 2 or argv[0] != "new" or argv[1] not in {r.value for r in Role}:
        sys.stderr.write("usage: python -m optimizer.service.auth new planner|auditor [NAME]\n")
        return 2
    token = secrets.token_urlsafe(32)
    name = argv[2] if len(argv) > 2 else ""
    sys.stdout.write(f"token (give to the caller, store nowhere): {token}\n")
    sys.stdout.write(f"tokens file line: {hash_token(token)}  {argv[1]}  {name}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
