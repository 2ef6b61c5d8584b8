"""Bearer tokens, roles and TLS on the real server, with a certificate made by the test."""

from __future__ import annotations

import datetime
import ipaddress
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from optimizer.service.auth import TokenTable, hash_token
from optimizer.service.server import AllocationServer, InsecureBindError, TlsFiles, create_server
from optimizer.v1 import allocation_pb2 as pb
from optimizer.v1 import allocation_pb2_grpc as pb_grpc
from tests.service_support import FUND, faulty_solve, small_scenario

x509 = pytest.importorskip("cryptography.x509", reason="TLS tests need the cryptography package")
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402

PLANNER_TOKEN = "planner-secret-token"
AUDITOR_TOKEN = "auditor-secret-token"


def _self_signed(
    folder: Path, common_name: str = "localhost", stem: str = "server", organisation: str = ""
) -> tuple[Path, Path]:
    """A self-signed certificate for localhost / 127.0.0.1 and its key, as PEM files."""
    key = ec.generate_private_key(ec.SECP256R1())
    attributes = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if organisation:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation))
    name = x509.Name(attributes)
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / f"{stem}.pem", folder / f"{stem}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture(scope="module")
def secured(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[AllocationServer, int, bytes]]:
    """A TLS server with a tokens file: one planner and one auditor token."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = _self_signed(folder)
    tokens_file = folder / "tokens.txt"
    tokens_file.write_text(
        "# sha256 role name\n"
        f"{hash_token(PLANNER_TOKEN)}  planner  finance-system\n"
        f"{hash_token(AUDITOR_TOKEN)}  auditor  audit-office\n",
        encoding="utf-8",
    )
    srv, port = create_server(
        "127.0.0.1:0",
        store=f"sqlite:///{folder / 'audit.sqlite3'}",
        workers=1,
        solve=faulty_solve,
        tokens=TokenTable.from_file(tokens_file),
        tls=TlsFiles(cert, key),
    )
    srv.start()
    yield srv, port, cert.read_bytes()
    srv.stop(0)


@pytest.fixture(scope="module")
def stub(secured: tuple[AllocationServer, int, bytes]) -> Iterator[pb_grpc.AllocationServiceStub]:
    """A stub over a TLS channel that trusts the test certificate."""
    _, port, cert = secured
    credentials = grpc.ssl_channel_credentials(root_certificates=cert)
    with grpc.secure_channel(f"localhost:{port}", credentials) as channel:
        yield pb_grpc.AllocationServiceStub(channel)


def _bearer(token: str) -> list[tuple[str, str]]:
    return [("authorization", f"Bearer {token}")]


def test_tokens_file_stores_only_hashes(tmp_path: Path) -> None:
    """The tokens file is read as hashes with roles, and a bad role is refused with its line."""
    path = tmp_path / "tokens.txt"
    path.write_text(f"{hash_token('t')} planner someone\n", encoding="utf-8")
    table = TokenTable.from_file(path)
    assert table.lookup("t") is not None
    assert table.lookup("other") is None
    path.write_text(f"{hash_token('t')} admin\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 1"):
        TokenTable.from_file(path)


def test_planner_allocates_over_tls(stub: pb_grpc.AllocationServiceStub) -> None:
    """A planner token over TLS allocates the fund to the peso and the run records the role."""
    reply = stub.Allocate(
        pb.AllocateRequest(scenario=small_scenario()), metadata=_bearer(PLANNER_TOKEN), timeout=30
    )
    assert sum(c.amount for c in reply.allocation.cells) == FUND
    assert reply.allocation.caller_role == "planner"


def test_unauthenticated_without_or_with_unknown_token(
    stub: pb_grpc.AllocationServiceStub,
) -> None:
    """No token or an unknown token is UNAUTHENTICATED."""
    for metadata in ([], _bearer("not-a-token"), [("authorization", "Basic abc")]):
        with pytest.raises(grpc.RpcError) as info:
            stub.ListAllocations(pb.ListAllocationsRequest(), metadata=metadata, timeout=5)
        assert info.value.code() == grpc.StatusCode.UNAUTHENTICATED


def test_auditor_reads_but_may_not_allocate(stub: pb_grpc.AllocationServiceStub) -> None:
    """An auditor may list runs but Allocate is PERMISSION_DENIED."""
    listed = stub.ListAllocations(
        pb.ListAllocationsRequest(), metadata=_bearer(AUDITOR_TOKEN), timeout=5
    )
    assert listed is not None
    with pytest.raises(grpc.RpcError) as info:
        stub.Allocate(
            pb.AllocateRequest(scenario=small_scenario()),
            metadata=_bearer(AUDITOR_TOKEN),
            timeout=5,
        )
    assert info.value.code() == grpc.StatusCode.PERMISSION_DENIED


def test_plaintext_client_cannot_talk_to_tls_server(
    secured: tuple[AllocationServer, int, bytes],
) -> None:
    """A plaintext channel to the TLS port fails (UNAVAILABLE), so nothing travels in clear."""
    with grpc.insecure_channel(f"127.0.0.1:{secured[1]}") as channel:
        stub = pb_grpc.AllocationServiceStub(channel)
        with pytest.raises(grpc.RpcError) as info:
            stub.ListAllocations(
                pb.ListAllocationsRequest(), metadata=_bearer(PLANNER_TOKEN), timeout=3
            )
    assert info.value.code() == grpc.StatusCode.UNAVAILABLE


def test_refuses_public_address_without_tokens_and_tls(tmp_path: Path) -> None:
    """Binding a non-loopback address without tokens and TLS is refused unless insecure."""
    with pytest.raises(InsecureBindError, match="--insecure"):
        create_server("0.0.0.0:0", store=f"sqlite:///{tmp_path / 'a.sqlite3'}", workers=1)


def test_caller_name_and_certificate_subject_are_stored_with_the_run(tmp_path: Path) -> None:
    """With mutual TLS and a token, the run keeps the token's name and the certificate subject."""
    cert, key = _self_signed(tmp_path)
    client_cert, client_key = _self_signed(tmp_path, "finance-client", "client", "SESNSP")
    tokens_file = tmp_path / "tokens.txt"
    tokens_file.write_text(f"{hash_token(PLANNER_TOKEN)}  planner  finance-system\n")
    srv, port = create_server(
        "127.0.0.1:0",
        store=f"sqlite:///{tmp_path / 'audit.sqlite3'}",
        workers=1,
        solve=faulty_solve,
        tokens=TokenTable.from_file(tokens_file),
        tls=TlsFiles(cert, key, client_ca=client_cert),
    )
    srv.start()
    try:
        credentials = grpc.ssl_channel_credentials(
            root_certificates=cert.read_bytes(),
            private_key=client_key.read_bytes(),
            certificate_chain=client_cert.read_bytes(),
        )
        with grpc.secure_channel(f"localhost:{port}", credentials) as channel:
            stub = pb_grpc.AllocationServiceStub(channel)
            auth = _bearer(PLANNER_TOKEN)
            reply = stub.Allocate(
                pb.AllocateRequest(scenario=small_scenario()), metadata=auth, timeout=30
            )
            run = reply.allocation
            stored = stub.GetAllocation(
                pb.GetAllocationRequest(run_id=run.run_id), metadata=auth, timeout=5
            ).allocation
            listed = stub.ListAllocations(
                pb.ListAllocationsRequest(), metadata=auth, timeout=5
            ).allocations[0]
    finally:
        srv.stop(0)
    for seen in (run, stored, listed):
        assert seen.caller_role == "planner"
        assert seen.caller_name == "finance-system"
        assert "CN=finance-client" in seen.caller_subject
    assert "O=SESNSP" in run.caller_subject
