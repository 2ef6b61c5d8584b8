"""The benchmark scripts run, and their quick modes never replace the recorded results."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "RESULTS.md"


def test_quick_run_prints_and_leaves_results_md_alone(tmp_path: Path) -> None:
    """bench/run.py --quick without --output prints its report; bench/RESULTS.md keeps its bytes."""
    before = RESULTS.read_bytes()
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "run.py"), "--quick", "--skip-grpc", "--sizes", "0"],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert RESULTS.read_bytes() == before
    assert done.stdout.startswith("# Benchmark results")
    assert "| fasp-2026 (32 x 9) | 1 |" in done.stdout
    assert list(tmp_path.iterdir()) == []
