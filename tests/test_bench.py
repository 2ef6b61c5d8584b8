"""The benchmark scripts run, and their quick modes never replace the recorded results."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "RESULTS.md"
QUICK = [sys.executable, str(ROOT / "bench" / "run.py"), "--quick", "--skip-grpc", "--sizes", "0"]
"""bench/run.py on fasp-2026 alone, one run, no gRPC load: a few seconds."""


def test_quick_run_prints_and_leaves_results_md_alone(tmp_path: Path) -> None:
    """bench/run.py --quick without --output prints its report; bench/RESULTS.md keeps its bytes."""
    before = RESULTS.read_bytes()
    done = subprocess.run(
        QUICK,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert RESULTS.read_bytes() == before
    assert done.stdout.startswith("# Benchmark results")
    assert "| fasp-2026 (shipped) | 1 |" in done.stdout
    assert list(tmp_path.iterdir()) == []


def test_startup_section_is_recorded_and_survives_a_full_rewrite(tmp_path: Path) -> None:
    """bench/startup.py records its table in the results file; bench/run.py keeps it on rewrite."""
    results = tmp_path / "RESULTS.md"
    results.write_text("# Benchmark results\n\nolder numbers\n", encoding="utf-8")
    startup = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "startup.py"),
            "--repeat",
            "1",
            "--record",
            str(results),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert startup.returncode == 0, startup.stderr
    text = results.read_text(encoding="utf-8")
    assert text.startswith(
        "# Benchmark results\n\nolder numbers\n\n<!-- bench/startup.py begins -->"
    )
    for label in (
        "python -c pass",
        "fsf --version",
        "fsf validate fasp-2026",
        "fsf solve fasp-2026",
    ):
        assert f"| {label} | " in text
    section = text[text.index("<!-- bench/startup.py begins -->") :]
    run = subprocess.run(
        [*QUICK, "--output", str(results)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    rewritten = results.read_text(encoding="utf-8")
    assert "older numbers" not in rewritten
    assert "| fasp-2026 (shipped) | 1 |" in rewritten
    assert rewritten.endswith(section)
