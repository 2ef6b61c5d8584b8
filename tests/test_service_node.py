"""The Node.js client, built only from protos/, allocates fasp-2026 on the real server."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from optimizer.service.server import create_server

ROOT = Path(__file__).resolve().parent.parent
CLIENT = ROOT / "clients" / "node"
FASP_2026_FUND = 9_941_162_915


def test_node_client_allocates_fasp_2026_to_the_peso(tmp_path: Path) -> None:
    """The Node client sees SERVING, and cells adding up to 9,941,162,915 pesos, exit code 0."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node client test skipped: `node` is not installed")
    if not (CLIENT / "node_modules" / "@grpc" / "grpc-js").is_dir():
        pytest.skip("Node client test skipped: run `npm ci` in clients/node (.ci/service-setup.sh)")
    if not (ROOT / "scenarios" / "fasp-2026" / "scenario.yaml").is_file():
        pytest.skip("Node client test skipped: scenarios/fasp-2026 is not in this checkout")
    srv, port = create_server(
        "127.0.0.1:0", store=f"sqlite:///{tmp_path / 'audit.sqlite3'}", workers=1
    )
    srv.start()
    try:
        env = {**os.environ, "FSF_EXPECT_TOTAL": str(FASP_2026_FUND)}
        env.pop("FSF_TOKEN", None)
        result = subprocess.run(
            [node, str(CLIENT / "client.js"), f"127.0.0.1:{port}"],
            cwd=CLIENT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
    finally:
        srv.stop(0)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"add up to the fund: {FASP_2026_FUND} = {FASP_2026_FUND}" in result.stdout
    assert "all checks passed" in result.stdout
