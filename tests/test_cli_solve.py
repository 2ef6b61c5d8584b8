"""fsf solve: output formats, the --out folder and the exit codes, on real scenario files."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import time
import zipfile
from pathlib import Path
from textwrap import dedent

import pytest

from optimizer.cli import EXIT_BAD_INPUT, EXIT_INFEASIBLE, EXIT_OK, main
from optimizer.io.workbook import XLSX_TIME

ROOT = Path(__file__).resolve().parent.parent
FASP = str(ROOT / "scenarios/fasp-2026/scenario.yaml")
THREE = str(ROOT / "scenarios/didactic/three-states/scenario.yaml")
INFEASIBLE = str(ROOT / "scenarios/didactic/infeasible/scenario.yaml")


def test_json_cells_sum_to_the_fund(capsys: pytest.CaptureFixture[str]) -> None:
    """--format json prints only JSON whose integer cells sum exactly to 9,941,162,915."""
    assert main(["solve", FASP, "--format", "json"]) == EXIT_OK
    plan = json.loads(capsys.readouterr().out)
    # The proto3 JSON mapping writes int64 as strings: exact in every language.
    amounts = [int(c["amount"]) for c in plan["cells"]]
    assert sum(amounts) == 9_941_162_915
    assert int(plan["fund"]["total"]) == 9_941_162_915
    assert plan["status"] == "RUN_STATUS_OPTIMAL"
    assert len(plan["regions"]) == 32
    assert len(plan["axes"]) == 26  # the leaves of the catalogue tree
    assert len(plan["input_sha256"]) == 64


def _solve_in_process(folder: Path, fmt: str) -> bytes:
    """stdout of ``fsf solve fasp-2026 --format FMT --out FOLDER`` in a fresh process."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "optimizer.cli",
            "solve",
            FASP,
            "--format",
            fmt,
            "--out",
            str(folder),
        ],
        capture_output=True,
        check=True,
        timeout=120,
    ).stdout


def test_same_input_gives_the_same_bytes(tmp_path: Path) -> None:
    """Two processes, seconds apart, print and write byte-identical JSON, CSV, XLSX and Markdown."""
    first = _solve_in_process(tmp_path / "first", "json")
    # The save time of plan.xlsx has a resolution of one second (two in ZIP entries).
    time.sleep(2.1)
    second = _solve_in_process(tmp_path / "second", "json")
    assert first == second
    assert b"stage_seconds" not in first
    names = sorted(p.name for p in (tmp_path / "first").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "second").iterdir())
    assert "plan.xlsx" in names
    for name in names:
        assert (tmp_path / "first" / name).read_bytes() == (
            tmp_path / "second" / name
        ).read_bytes(), name
    for fmt in ("csv", "table"):
        assert _solve_in_process(tmp_path / fmt, fmt) == _solve_in_process(tmp_path / fmt, fmt)


def test_xlsx_carries_no_save_time(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """plan.xlsx has the fixed created/modified properties and ZIP entry times, not the clock's."""
    assert main(["solve", THREE, "--out", str(tmp_path)]) == EXIT_OK
    capsys.readouterr()
    with zipfile.ZipFile(tmp_path / "plan.xlsx") as archive:
        assert {info.date_time for info in archive.infolist()} == {(2000, 1, 1, 0, 0, 0)}
        core = archive.read("docProps/core.xml").decode("utf-8")
    assert core.count("2000-01-01T00:00:00Z") == 2
    from openpyxl import load_workbook

    book = load_workbook(tmp_path / "plan.xlsx")
    assert book.properties.created == book.properties.modified == XLSX_TIME
    assert book.sheetnames[:2] == ["Resumen", "Entidades"]


def test_timings_only_when_asked_for(capsys: pytest.CaptureFixture[str]) -> None:
    """--timings adds stats.stage_seconds to the JSON and the seconds to the table; else absent."""
    assert main(["solve", THREE, "--format", "json"]) == EXIT_OK
    assert "stage_seconds" not in json.loads(capsys.readouterr().out)["stats"]
    assert main(["solve", THREE, "--format", "json", "--timings"]) == EXIT_OK
    stages = json.loads(capsys.readouterr().out)["stats"]["stage_seconds"]
    assert {"checks", "solve", "round", "justify"} <= set(stages)
    assert main(["solve", THREE, "--lang", "en"]) == EXIT_OK
    assert " s · input SHA-256" not in capsys.readouterr().out
    assert main(["solve", THREE, "--lang", "en", "--timings"]) == EXIT_OK
    assert " s · input SHA-256" in capsys.readouterr().out


def test_table_has_totals_row(capsys: pytest.CaptureFixture[str]) -> None:
    """The table lists every region and a totals row with the fund."""
    assert main(["solve", THREE, "--lang", "en"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "TOTAL" in out
    assert "1,000,000" in out
    assert "band cap" in out
    assert "band floor" in out
    assert "band_cap" not in out
    assert main(["solve", THREE]) == EXIT_OK
    out = capsys.readouterr().out
    assert "techo de la banda" in out
    assert "piso de la banda" in out
    assert "monto según fórmula" in out
    assert "respecto de 2025" in out


def test_csv_on_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    """--format csv prints region, axis and integer amounts that sum to the fund."""
    assert main(["solve", THREE, "--format", "csv"]) == EXIT_OK
    rows = list(csv.DictReader(capsys.readouterr().out.splitlines()))
    assert sum(int(r["amount"]) for r in rows) == 1_000_000


def test_out_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--out writes the four files; allocations.csv sums to the fund and keeps accents."""
    assert main(["solve", FASP, "--out", str(tmp_path), "--format", "table"]) == EXIT_OK
    capsys.readouterr()
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [
        "allocations.csv",
        "justifications.md",
        "plan.json",
        "plan.xlsx",
        "programas.csv",  # fasp-2026 is on the catalogue tree
        "regions.csv",
    ]
    with (tmp_path / "allocations.csv").open(encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 32 * 26
    assert sum(int(r["amount"]) for r in rows) == 9_941_162_915
    assert any(r["region_name"] == "Michoacán" for r in rows)
    with (tmp_path / "regions.csv").open(encoding="utf-8-sig") as f:
        regions = list(csv.DictReader(f))
    assert sum(int(r["amount"]) for r in regions) == 9_941_162_915
    assert "## Ciudad de México (09)" in (tmp_path / "justifications.md").read_text("utf-8")
    from openpyxl import load_workbook

    book = load_workbook(tmp_path / "plan.xlsx")
    sheet = book["Entidades"]
    values = list(sheet.iter_rows(min_row=2, max_row=33, values_only=True))
    assert len(values) == 32
    assert values[8][0] == "09"
    assert sum(int(v[4]) for v in values) == 9_941_162_915


def test_infeasible_exits_3_with_diagnosis(capsys: pytest.CaptureFixture[str]) -> None:
    """The infeasible didactic scenario exits 3 and names the excess of floors in pesos."""
    assert main(["solve", INFEASIBLE]) == EXIT_INFEASIBLE
    err = capsys.readouterr().err
    assert "$100,000 más que el fondo" in err
    assert "Traceback" not in err


def test_bad_input_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A missing scenario file exits 2 with its name and no traceback."""
    missing = tmp_path / "nope.yaml"
    assert main(["solve", str(missing)]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "nope.yaml" in err
    assert "Traceback" not in err


def test_objective_override_changes_the_plan(capsys: pytest.CaptureFixture[str]) -> None:
    """--objective max_min_coverage is recorded in the stats and still sums to the fund."""
    assert main(["solve", THREE, "--format", "json", "--objective", "max_min_coverage"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert "MAX_MIN_COVERAGE" in plan["stats"]["objective"]
    assert sum(int(c["amount"]) for c in plan["cells"]) == 1_000_000


def test_compare_two_scenarios(capsys: pytest.CaptureFixture[str]) -> None:
    """fsf compare lists every region with its change; the changes add up to the funds' gap."""
    dgp = str(ROOT / "scenarios/dgp-prototype-2026/scenario.yaml")
    assert main(["compare", dgp, FASP, "--format", "csv"]) == EXIT_OK
    rows = list(csv.DictReader(capsys.readouterr().out.splitlines()))
    assert len(rows) == 32
    assert sum(int(r["base"]) for r in rows) == 9_941_162_915
    assert sum(int(r["other"]) for r in rows) == 9_941_162_915
    assert sum(int(r["change"]) for r in rows) == 0
    assert all(int(r["other"]) - int(r["base"]) == int(r["change"]) for r in rows)
    assert main(["compare", THREE, THREE]) == EXIT_OK
    table = capsys.readouterr().out
    assert "TOTAL" in table
    assert "start binding" not in table


def test_no_whole_peso_plan_exits_3_naming_the_minimum(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Shares of 50 % + 50 % of a region pinned at 11 pesos: exit 3 (not 4), a peso short named."""
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "regions.csv").write_text(
        "cve_ent,entidad,poblacion,asignacion_anterior\n01,Norte,1,11\n02,Sur,1,9\n",
        encoding="utf-8",
    )
    (tmp_path / "scenario.yaml").write_text(
        dedent(
            """\
            format_version: 1
            name: odd-totals
            fund: {name: Fondo, fiscal_year: 2026, total: 20, currency: MXN, rounding_unit: 1}
            regions:
              file: data/regions.csv
              code: cve_ent
              name: entidad
              previous_allocation: asignacion_anterior
              population: poblacion
            criteria:
              - {indicator: poblacion, weight: 1.0, direction: higher_needs_more,
                 normalisation: share, label_es: Población, label_en: Population}
            axes:
              - {id: A, name_es: A, share_min: 0.0, share_max: 1.0}
              - {id: B, name_es: B, share_min: 0.0, share_max: 1.0}
            rules:
              band: {lower: 0.0, upper: 0.0}
              cell_minimums:
                - {axis: A, region: "*", share: 0.5}
                - {axis: B, region: "*", share: 0.5}
            """
        ),
        encoding="utf-8",
    )
    assert main(["solve", str(tmp_path / "scenario.yaml"), "--lang", "en"]) == EXIT_INFEASIBLE
    err = capsys.readouterr().err
    assert "not in whole units" in err
    assert "01/A by $1" in err
    assert "Traceback" not in err
