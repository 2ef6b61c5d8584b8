"""Regenerate the committed Python code for the gRPC contract.

Usage: ``python scripts/gen_protos.py`` (from the repository root). The test
``tests/test_protos.py`` calls :func:`generate` into a temporary folder and diffs the result
against ``optimizer/v1/``, so an edited ``.proto`` without regenerated code fails CI.
"""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROTO_ROOT = ROOT / "protos"
PROTOS = ("optimizer/v1/allocation.proto",)
MARKER = (
    "# Generated from protos/{proto} by scripts/gen_protos.py -- do not edit by hand;\n"
    "# regenerate with `python scripts/gen_protos.py`.\n"
)
INIT = '"""Generated gRPC code for package optimizer.v1 (see scripts/gen_protos.py)."""\n'


def generate(out_root: Path) -> list[Path]:
    """Generate ``optimizer/v1/*`` under ``out_root`` and return the written files, sorted.

    Parameters
    ----------
    out_root
        Folder that plays the role of the repository root: files land in
        ``out_root/optimizer/v1/`` so that ``from optimizer.v1 import allocation_pb2`` resolves.

    Returns
    -------
    list of Path
        Every generated file, including ``__init__.py``.

    Raises
    ------
    RuntimeError
        ``protoc`` failed.
    """
    from grpc_tools import protoc

    well_known = str(resources.files("grpc_tools") / "_proto")
    target = out_root / "optimizer" / "v1"
    target.mkdir(parents=True, exist_ok=True)
    for proto in PROTOS:
        args = [
            "grpc_tools.protoc",
            f"-I{PROTO_ROOT}",
            f"-I{well_known}",
            f"--python_out={out_root}",
            f"--pyi_out={out_root}",
            f"--grpc_python_out={out_root}",
            str(PROTO_ROOT / proto),
        ]
        if protoc.main(args) != 0:
            message = f"protoc failed on {proto}"
            raise RuntimeError(message)
        stem = Path(proto).stem
        for suffix in ("_pb2.py", "_pb2.pyi", "_pb2_grpc.py"):
            path = target / f"{stem}{suffix}"
            path.write_text(
                MARKER.format(proto=proto) + path.read_text(encoding="utf-8"), encoding="utf-8"
            )
    (target / "__init__.py").write_text(INIT, encoding="utf-8")
    return sorted(target.glob("*.py*"))


if __name__ == "__main__":
    written = generate(ROOT)
    for path in written:
        print(path.relative_to(ROOT))
    sys.exit(0)
