"""The committed optimizer/v1 code is exactly what the pinned protoc makes from protos/."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = ROOT / "optimizer" / "v1"


def _generator() -> object:
    spec = importlib.util.spec_from_file_location("gen_protos", ROOT / "scripts" / "gen_protos.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_regenerated_code_matches_committed_code(tmp_path: Path) -> None:
    """Regenerating optimizer/v1 from protos/ into a temporary folder yields identical files."""
    pytest.importorskip("grpc_tools", reason="grpcio-tools (a dev dependency) is not installed")
    written = _generator().generate(tmp_path)  # type: ignore[attr-defined]
    fresh = {p.name: p.read_text(encoding="utf-8") for p in written}
    committed = {p.name: p.read_text(encoding="utf-8") for p in sorted(COMMITTED.glob("*.py*"))}
    assert sorted(fresh) == sorted(committed)
    stale = [name for name in fresh if fresh[name] != committed[name]]
    assert stale == [], f"run `python scripts/gen_protos.py` and commit: {stale} differ"


def test_generated_code_is_marked() -> None:
    """Every generated module says where it comes from and how to regenerate it."""
    for path in COMMITTED.glob("allocation_pb2*.py*"):
        assert "scripts/gen_protos.py" in path.read_text(encoding="utf-8").splitlines()[0]
