"""The input limits through the real gRPC service: uploaded hostile files are located problems.

``ValidateScenario`` (allowed to auditors) and ``Allocate`` read uploaded files with the same
reader as ``fsf``: an alias bomb, a fund of 1e30 and 5,000 bad rows come back as located
problems, the list capped at the first ``MAX_PROBLEMS`` and one "and K more".
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from optimizer.limits import MAX_PROBLEMS
from optimizer.service.server import create_server
from optimizer.v1 import allocation_pb2 as pb
from optimizer.v1 import allocation_pb2_grpc as pb_grpc

FASP_2026 = Path(__file__).resolve().parent.parent / "scenarios" / "fasp-2026"


@pytest.fixture(scope="module")
def stub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[pb_grpc.AllocationServiceStub]:
    """A real server with one worker on a free port, and a stub through a real channel."""
    db = tmp_path_factory.mktemp("store") / "audit.sqlite3"
    server, port = create_server("127.0.0.1:0", store=f"sqlite:///{db}", workers=1)
    server.start()
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            yield pb_grpc.AllocationServiceStub(channel)
    finally:
        server.stop(0)


def fasp_files(replaced: dict[str, bytes]) -> pb.ScenarioFiles:
    """fasp-2026 as uploaded files, some replaced by name."""
    files = {
        p.relative_to(FASP_2026).as_posix(): p.read_bytes()
        for p in sorted(FASP_2026.rglob("*"))
        if p.is_file() and p.suffix in {".yaml", ".csv"}
    }
    files.update(replaced)
    return pb.ScenarioFiles(
        files=[pb.ScenarioFile(name=name, content=content) for name, content in files.items()],
        main="scenario.yaml",
    )


def validate(stub: pb_grpc.AllocationServiceStub, files: pb.ScenarioFiles) -> list[str]:
    """The problems ValidateScenario returns in English, as ``location: message``."""
    request = pb.ValidateScenarioRequest(files=files, language=pb.LANGUAGE_EN)
    reply = stub.ValidateScenario(request, timeout=30)
    assert not reply.valid
    return [f"{p.location}: {p.message}" for p in reply.problems]


def test_alias_bomb_upload_is_a_located_problem(stub: pb_grpc.AllocationServiceStub) -> None:
    """An alias bomb appended to the uploaded YAML is refused at the first alias's line."""
    yaml = (FASP_2026 / "scenario.yaml").read_bytes()
    bomb = b"a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + b"".join(
        f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 10)}]\n".encode() for n in range(1, 7)
    )
    problems = validate(stub, fasp_files({"scenario.yaml": yaml + bomb}))
    assert len(problems) == 1
    line = yaml.count(b"\n") + 2  # the second line of the bomb holds the first alias
    assert problems[0].startswith(f"scenario.yaml line {line}: YAML aliases are not supported")


def test_huge_fund_upload_names_the_key(stub: pb_grpc.AllocationServiceStub) -> None:
    """A fund of 1e30 is bad input at fund.total, not a solver failure."""
    yaml = (FASP_2026 / "scenario.yaml").read_bytes().replace(b"9941162915", b"1e30", 1)
    problems = validate(stub, fasp_files({"scenario.yaml": yaml}))
    assert problems == [
        "scenario.yaml: fund.total (line 16): '1e30' is too large: at most "
        "9,007,199,254,740,991 pesos (the solver computes whole numbers exactly up to 2**53)"
    ]
    with pytest.raises(grpc.RpcError) as info:
        stub.Allocate(pb.AllocateRequest(files=fasp_files({"scenario.yaml": yaml})), timeout=30)
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_many_bad_rows_come_back_capped(stub: pb_grpc.AllocationServiceStub) -> None:
    """5,000 unknown codes give the first MAX_PROBLEMS problems and one "and K more"."""
    crime = (FASP_2026 / "data" / "crime_2024.csv").read_bytes()
    rows = "".join(f"{100 + i},X,1,1.5,1,1.5\n" for i in range(5_000)).encode()
    problems = validate(stub, fasp_files({"data/crime_2024.csv": crime + rows}))
    assert len(problems) == MAX_PROBLEMS + 1
    assert problems[0].startswith("data/crime_2024.csv row 34, column cve_ent: region code '100'")
    assert problems[-1].startswith(f": and {5_000 - MAX_PROBLEMS:,} more problem(s) not listed")
