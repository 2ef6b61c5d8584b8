"""``fsf sweep``: same files in process, on a real 2-worker Dask cluster and with --workers 1;
bad input exits 2; an unreachable scheduler and Ctrl-C leave nothing written."""

from __future__ import annotations

import csv
import io
import logging
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from optimizer.cli import EXIT_BAD_INPUT, EXIT_INTERRUPTED, EXIT_OK, main

ROOT = Path(__file__).resolve().parents[1]
FASP = str(ROOT / "scenarios" / "fasp-2026" / "scenario.yaml")
FUND = 9_941_162_915
STUDY = ["--monte-carlo", "1200", "--seed", "1", "--grid", "pop_conapo_mid2026=0.35:0.45:0.05"]


@pytest.fixture(scope="module")
def cluster() -> Iterator[str]:
    """A real local Dask cluster: 2 worker processes, one thread each; always closed."""
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",  # no fixed port: the status page (if bokeh is there) on any free one
        silence_logs=logging.ERROR,
    ) as local:
        yield local.scheduler_address


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_same_files_in_process_on_a_cluster_and_with_one_worker(
    tmp_path: Path, cluster: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """In process, on 2 Dask workers (small chunks) and on a new 1-worker cluster: same bytes."""
    runs = {
        "in_process": ["--workers", "0"],
        "cluster": ["--scheduler", cluster, "--chunk", "500"],
        "one_worker": ["--workers", "1"],
    }
    written = {}
    for name, how in runs.items():
        out = tmp_path / name
        assert main(["sweep", FASP, *STUDY, *how, "--out", str(out)]) == EXIT_OK
        written[name] = _files(out)
    assert set(written["in_process"]) == {
        "sweep.xlsx",
        "sweep_effects.csv",
        "sweep_grid.csv",
        "sweep_grid.parquet",
        "sweep_monte_carlo.parquet",
        "sweep_one_at_a_time.parquet",
        "sweep_regions.csv",
        "sweep_report.html",
    }
    assert written["cluster"] == written["in_process"]
    assert written["one_worker"] == written["in_process"]
    text = capsys.readouterr().out
    assert "Análisis de sensibilidad: Monte Carlo" in text
    assert "1,200 muestras (1,200 con plan, 0 sin plan" in text


def test_outputs_hold_every_sample_exactly(tmp_path: Path) -> None:
    """The Parquet file has every sample and state, each sample summing to the fund."""
    import pyarrow.parquet as pq

    out = tmp_path / "out"
    code = main(["sweep", FASP, "--workers", "0", "--monte-carlo", "300", "--out", str(out)])
    assert code == EXIT_OK
    table = pq.read_table(out / "sweep_monte_carlo.parquet").to_pandas()
    assert len(table) == 300 * 32
    sums = table.groupby("sample")["amount"].sum()
    assert (sums == FUND).all()
    axes = [c for c in table.columns if c.startswith("amount_")]
    assert len(axes) == 26  # the leaves of fasp-2026's programa tree
    assert (table[axes].sum(axis=1) == table["amount"]).all()
    # The root's weights (the top-level criteria, the crime category, the base amount) sum to 1.
    root = [
        "weight_pop_conapo_mid2026",
        "weight_incidencia_delictiva",
        "weight_tasa_policial_per_1000hab",
        "weight_control_confianza_vigente_pct_derived",
        "weight_base_amount",
    ]
    assert table[root].sum(axis=1).round(9).eq(1.0).all()
    inside = ["weight_homicidios_100k", "weight_extorsion_100k"]
    assert table[inside].sum(axis=1).round(9).eq(1.0).all()
    rows = list(csv.DictReader(io.StringIO((out / "sweep_regions.csv").read_text("utf-8"))))
    assert [r["region"] for r in rows] == [f"{i:02d}" for i in range(1, 33)]
    assert sum(int(r["baseline"]) for r in rows) == FUND
    html = (out / "sweep_report.html").read_text("utf-8")
    assert '<html lang="es">' in html
    assert "Intervalo P5-P95" in html  # fan chart
    assert "Probabilidad de quedar en el piso" in html  # heat map
    assert html.count('class="tornado"') == 32  # one tornado per state


def test_english_report(tmp_path: Path) -> None:
    """--lang en writes the report in English."""
    out = tmp_path / "en"
    assert main(["sweep", FASP, "--workers", "0", "--lang", "en", "--out", str(out)]) == 0
    html = (out / "sweep_report.html").read_text("utf-8")
    assert "Sensitivity analysis" in html
    assert "Effect of each factor" in html


BAD_OPTIONS = [
    (
        ["--step", "0"],
        "error: --step: 0.0 no es un número positivo",
        "error: --step: 0.0 is not a positive number",
    ),
    (
        ["--no-one-at-a-time", "--monte-carlo", "5", "--concentration", "-1"],
        "error: --concentration: -1.0 no es un número positivo",
        "error: --concentration: -1.0 is not a positive number",
    ),
    (
        ["--monte-carlo", "100001"],
        "error: --monte-carlo: 100,001 muestras son más que las 100,000",
        "error: --monte-carlo: 100,001 samples are more than the 100,000 a sweep may run",
    ),
    (
        ["--grid", "poblacion=0.3:0.5:0.01"],
        "error: --grid poblacion: ponderación desconocida 'poblacion'",
        "error: --grid poblacion: unknown weight 'poblacion'",
    ),
    (
        ["--grid", "pop_conapo_mid2026=0.3:0.5"],
        "error: --grid: 'pop_conapo_mid2026=0.3:0.5': escriba la rejilla como "
        "PONDERACIÓN=INICIO:FIN:PASO",
        "error: --grid: 'pop_conapo_mid2026=0.3:0.5': write a grid as WEIGHT=START:STOP:STEP",
    ),
    (
        ["--no-one-at-a-time"],
        "error: --no-one-at-a-time: no queda ningún estudio",
        "error: --no-one-at-a-time: no study left",
    ),
    (
        ["--workers", "-1"],
        "error: --workers: -1: indique 0 (en este proceso) o más",
        "error: --workers: -1: give 0 (in this process) or more workers",
    ),
    (
        ["--step", "mucho"],
        "error: --step: 'mucho' no es un número",
        "error: --step: 'mucho' is not a number",
    ),
    (
        ["--monte-carlo", "1.5"],
        "error: --monte-carlo: '1.5' no es un número entero",
        "error: --monte-carlo: '1.5' is not a whole number",
    ),
    (
        ["--objective", "fastest"],
        "error: --objective: objetivo desconocido 'fastest'",
        "error: --objective: unknown objective 'fastest'",
    ),
]


@pytest.mark.parametrize(("args", "spanish", "english"), BAD_OPTIONS)
def test_bad_input_exits_2(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    spanish: str,
    english: str,
) -> None:
    """Each bad option exits 2 with a message naming it, before any work, writing nothing:
    in Spanish by default, in English with --lang en."""
    out = tmp_path / "out"
    for language, message in (("es", spanish), ("en", english)):
        code = main(["sweep", FASP, "--workers", "0", *args, "--out", str(out), "--lang", language])
        assert code == EXIT_BAD_INPUT
        err = capsys.readouterr().err
        assert message in err, err
        assert "Traceback" not in err
        assert not out.exists()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_unreachable_scheduler_exits_2_within_the_timeout(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Nothing listens at the address: exit 2 with the address named, no file written."""
    out = tmp_path / "out"
    address = f"tcp://127.0.0.1:{_free_port()}"
    code = main(
        ["sweep", FASP, "--scheduler", address, "--connect-timeout", "2", "--out", str(out)]
    )
    assert code == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert f"ningún planificador de Dask respondió en {address} en 2 s" in err
    assert "no se escribió ningún archivo" in err
    assert not out.exists()


@pytest.mark.parametrize("workers", ["0", "1"])
def test_ctrl_c_discards_partial_results(tmp_path: Path, workers: str) -> None:
    """SIGINT during a long sweep: exit 130, a message saying partial results were discarded,
    and no output folder."""
    out = tmp_path / "out"
    command = [
        sys.executable, "-m", "optimizer.cli", "-v", "sweep", FASP, "--no-one-at-a-time",
        "--monte-carlo", "60000", "--workers", workers, "--out", str(out),
    ]  # fmt: skip
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        command, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, env=env
    )
    assert process.stderr is not None
    for line in process.stderr:
        if "running monte_carlo" in line:
            break
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    assert process.returncode == EXIT_INTERRUPTED, err[-2000:]
    assert "se descartaron los resultados parciales" in err
    assert not out.exists()


def test_infeasible_stated_scenario_exits_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A scenario whose own rules cannot hold: exit 3 with the diagnosis, as fsf solve."""
    from optimizer.cli import EXIT_INFEASIBLE

    infeasible = str(ROOT / "scenarios" / "didactic" / "infeasible" / "scenario.yaml")
    out = tmp_path / "out"
    code = main(["sweep", infeasible, "--workers", "0", "--monte-carlo", "5", "--out", str(out)])
    assert code == EXIT_INFEASIBLE
    err = capsys.readouterr().err
    assert "$1,100,000" in err  # the floors
    assert "$100,000" in err  # what they exceed the fund $1,000,000 by
    assert not out.exists()


def test_grid_report_draws_each_state_along_the_grid(tmp_path: Path) -> None:
    """A one-weight grid: a line per state in the report (the 8 that move most in colour), its
    scale from the largest fall to the largest rise in sweep_grid.csv; none for two weights."""
    out = tmp_path / "one"
    grid = ["--grid", "pop_conapo_mid2026=0.30:0.50:0.05"]
    assert (
        main(["sweep", FASP, "--workers", "0", "--no-one-at-a-time", *grid, "--out", str(out)]) == 0
    )
    html = (out / "sweep_report.html").read_text("utf-8")
    assert "a lo largo de la ponderación de Población (CONAPO, mitad de 2026)" in html
    rows = list(csv.DictReader(io.StringIO((out / "sweep_grid.csv").read_text("utf-8"))))
    assert len(rows) == 5 * 32
    moved = {r["region"] for r in rows if int(r["change"]) != 0}
    assert html.count('<path class="line"') == min(8, len(moved))
    assert html.count('<path class="line"') + html.count('<path class="other"') == 32
    changes = [int(r["change"]) for r in rows]
    assert f"+${max(changes):,}</text>" in html
    assert f"-${-min(changes):,}</text>" in html
    assert "planteada: 0.40" in html  # the stated weight marked on the scale
    for point in range(5):  # every point's plan sums to the fund
        assert sum(int(r["amount"]) for r in rows if r["point"] == str(point)) == FUND

    two = tmp_path / "two"
    grid += ["--grid", "tasa_policial_per_1000hab=0.05:0.10:0.05"]
    assert (
        main(["sweep", FASP, "--workers", "0", "--no-one-at-a-time", *grid, "--out", str(two)]) == 0
    )
    assert '<path class="line"' not in (two / "sweep_report.html").read_text("utf-8")
