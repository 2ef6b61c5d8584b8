"""``fsf serve`` refusing to start unprotected on a public address.

Draining on SIGTERM and SIGINT, refusing new calls meanwhile and exiting 0 are tested in
tests/test_service_process.py (signals to the whole process group, as a shell or systemd
sends them), and ``fsf serve`` answering and stopping on SIGTERM by its store URL tests: each
server start costs seconds, so each behaviour is started once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_fsf_serve_refuses_public_address_without_protection(tmp_path: Path) -> None:
    """``fsf serve --address 0.0.0.0:0`` without tokens and TLS exits 2 with a reason."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "optimizer.cli",
            "serve",
            "--address",
            "0.0.0.0:0",
            "--store",
            f"sqlite:///{tmp_path / 'a.sqlite3'}",
            "--workers",
            "1",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "--insecure" in result.stderr
