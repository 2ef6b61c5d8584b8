"""fsf commands import only what they use: the structure behind their start-up time.

Timing is left to ``bench/startup.py`` (noisy on shared machines); these tests run each command in
a fresh interpreter and look at ``sys.modules`` afterwards, so they fail as soon as a module-level
import drags a heavy library into a command that does not need it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from optimizer.service.convert import RUN_STATUSES
from optimizer.store import RunStatus

ROOT = Path(__file__).resolve().parent.parent
FASP = str(ROOT / "scenarios/fasp-2026/scenario.yaml")

HEAVY = ("pandas", "numpy", "pulp", "highspy", "sqlalchemy", "grpc", "google.protobuf", "openpyxl")

PROBE = """
import contextlib, io, json, sys
from optimizer.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    try:
        code = main(sys.argv[1:])
    except SystemExit as stop:
        code = stop.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""
"""Runs ``fsf ARGS`` as the console script does and prints the exit code and loaded modules."""


def _loaded_by(*args: str) -> list[str]:
    """Heavy libraries in ``sys.modules`` after ``fsf ARGS`` ran in a fresh interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["code"] == 0, done.stderr
    modules: list[str] = result["modules"]
    return sorted(h for h in HEAVY if any(m == h or m.startswith(h + ".") for m in modules))


@pytest.mark.parametrize(
    ("args", "allowed"),
    [
        (("--version",), ()),
        (("--help",), ()),
        (("validate", FASP), ()),
        (("solve", FASP), ("numpy", "pulp", "highspy")),
        (("solve", FASP, "--format", "csv"), ("numpy", "pulp", "highspy")),
        (("solve", FASP, "--format", "json"), ("numpy", "pulp", "highspy", "google.protobuf")),
    ],
)
def test_command_loads_only_the_libraries_it_needs(
    args: tuple[str, ...], allowed: tuple[str, ...]
) -> None:
    """validate loads none of the heavy libraries; solve the solver stack, and protobuf for JSON."""
    assert _loaded_by(*args) == sorted(allowed)


def test_out_folder_adds_only_openpyxl_and_protobuf(tmp_path: Path) -> None:
    """solve --out writes plan.xlsx and plan.json: openpyxl and protobuf, still no store or grpc."""
    loaded = _loaded_by("solve", FASP, "--out", str(tmp_path))
    assert loaded == sorted(("numpy", "pulp", "highspy", "google.protobuf", "openpyxl"))
    assert (tmp_path / "plan.xlsx").exists()


def test_run_status_table_covers_every_stored_status() -> None:
    """convert.py maps the store's statuses by value (importing the store would load SQLAlchemy)."""
    assert set(RUN_STATUSES) == {str(s) for s in RunStatus}
    assert all(RUN_STATUSES[s] for s in RunStatus)
