"""``fsf validate``: exit codes, summaries and located messages for every bad-catalogue entry."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from optimizer.cli import EXIT_BAD_INPUT, EXIT_INFEASIBLE, EXIT_OK, main

DATA = Path(__file__).parent / "data"
BAD = DATA / "bad"
GOOD = DATA / "good"

# Entry -> substrings the error output must contain: the file, the row/column or YAML path, and
# what is wrong.
CATALOGUE: dict[str, tuple[str, ...]] = {
    "empty-file": ("scenario.yaml", "the file is empty"),
    "binary-file": ("data/states.csv", "binary", "NUL bytes"),
    "malformed-yaml": ("scenario.yaml line 7", "malformed YAML at line 7"),
    "yaml-list": ("scenario.yaml", "top level must be a mapping", "not a list"),
    "csv-without-header": ("data/states.csv row 1", "no header row", "09"),
    "duplicate-column": ("data/states.csv row 1", "duplicate column name 'poblacion'"),
    "unknown-encoding": ("data/states.csv", "unknown encoding", "UTF-16"),
    "path-escape": ("scenario.yaml: regions.file (line 4)", "'../states.csv' leaves the scenario"),
    "missing-region-code": ("data/states.csv row 3, column cve_ent", "missing region code"),
    "duplicate-region-code": (
        "data/states.csv row 4, column cve_ent",
        "duplicate region code '09' (also on row 2)",
    ),
    "leading-zero-lost": (
        "data/states.csv row 2, column cve_ent",
        "'9' lost its leading zero: write '09'",
    ),
    "unknown-indicator": (
        "scenario.yaml: criteria[0].indicator (line 6)",
        "unknown indicator 'poblacoin'",
        "did you mean 'poblacion'",
    ),
    "non-numeric-value": ("data/states.csv row 3, column homicidios", "'n/d' is not a number"),
    "nan-value": ("data/states.csv row 3, column homicidios", "'NaN' is not a number (NaN)"),
    "infinite-value": ("data/states.csv row 4, column homicidios", "'inf' is infinite"),
    "negative-money": ("data/states.csv row 4, column fasp_2025", "'-80000000' is negative"),
    "non-integer-money": (
        "data/states.csv row 2, column fasp_2025",
        "'90000000.50' is not a whole number of pesos",
    ),
    "negative-indicator": (
        "data/states.csv row 3, column homicidios",
        "is -3",
        "share normalisation needs values >= 0",
    ),
    "weights-not-one": ("scenario.yaml: criteria (line 5)", "sum to 0.9, not 1", "add 0.1"),
    "unknown-axis-id": (
        "scenario.yaml: rules.cell_minimums[0].axis (line 13)",
        "unknown axis 'P99' (axes: P01, P02)",
    ),
    "inverted-share-range": (
        "scenario.yaml: axes[0].share_min (line 9)",
        "share_min 0.6 is above share_max 0.2",
    ),
    "share-outside-range": ("scenario.yaml: axes[0].share (line 9)", "between 0 and 1"),
    "fixed-shares-not-one": ("scenario.yaml: axes (line 8)", "sum to 0.8, not 1"),
    "duplicate-axis-id": ("scenario.yaml: axes[1].id (line 10)", "duplicate axis id 'P01'"),
    "fund-not-positive": ("scenario.yaml: fund.total (line 3)", "the fund total is 0"),
    "fund-not-multiple": (
        "scenario.yaml: fund.total (line 3)",
        "300,000,500 is not a multiple of the rounding unit 1,000",
    ),
    "band-without-previous": (
        "scenario.yaml: rules.band (line 9)",
        "previous allocation",
        "16 (Michoacán de Ocampo)",
    ),
    "band-inverted": ("scenario.yaml: rules.band.lower (line 9)", "lower 0.2 is above band upper"),
    "missing-file": ("scenario.yaml: regions.file (line 4)", "'data/estados.csv' not found"),
    "missing-column": (
        "data/states.csv row 1",
        "column 'estado' (named by regions.name) is not in the header",
        "did you mean 'entidad'",
    ),
    "missing-key": ("scenario.yaml: fund.total (line 3)", "missing required key 'total'"),
    "unknown-key": ("scenario.yaml: criteria[0].wieght (line 6)", "did you mean 'weight'"),
    "wrong-type": ("scenario.yaml: criteria[1].weight (line 7)", "must be a number", "'high'"),
    "format-version": ("scenario.yaml: format_version (line 1)", "format_version 2"),
    "unknown-region-in-indicators": (
        "data/police.csv row 4, column cve_ent",
        "region code '33' is not in data/states.csv",
        "no row for region(s) 16 (Michoacán de Ocampo)",
    ),
    "unknown-region-in-floor": (
        "scenario.yaml: rules.region_floors[0].region (line 10)",
        "unknown region '9' (did you mean '09'?)",
    ),
    "bound-amount-and-share": (
        "scenario.yaml: rules.region_caps[0] (line 10)",
        "gives both amount and share",
    ),
    "proposal-unknown-state": (
        "data/propuestas.csv row 4, column cve_ent",
        "unknown state '33' in a proposal",
    ),
    "proposal-unknown-programa": (
        "data/propuestas.csv row 3, column programa",
        "unknown programa 'P99' in the proposal of 09",
    ),
    "proposal-shares-not-one": (
        "scenario.yaml: proposals (line 18)",
        "the proposal shares of 15 sum to 0.9, not 1",
    ),
    "leaf-under-two-parents": (
        "scenario.yaml: axes[1].children[1] (line 16)",
        "leaf 'P2' is under two parents (E1 and E2)",
    ),
    "calendar-weights-not-one": (
        "scenario.yaml: calendar.weights (line 10)",
        "the calendar weights sum to 0.9, not 1: add 0.1",
    ),
    "municipality-unknown-state": (
        "data/municipios.csv row 4, column cve_ent",
        "municipality 33001 (Inexistente): unknown state '33'",
    ),
    "pass-through-above-100": (
        "scenario.yaml: municipalities.share (line 9)",
        "the municipal pass-through is 1.2 (120.00%)",
    ),
    # Nested criteria, declared indicators and guaranteed amounts (issue 10).
    "category-weights-not-one": (
        "scenario.yaml: criteria[1] (line 8)",
        "the weights in category 'incidencia' (0.6 (homicidios) + 0.3 (victimas)) sum to 0.9",
        "add 0.1",
    ),
    "category-without-criteria": (
        "scenario.yaml: criteria[1] (line 8)",
        "category 'incidencia' has no criteria",
    ),
    "criteria-too-deep": (
        "scenario.yaml: criteria[0].criteria[0].criteria[0] (line 12)",
        "criteria nest at most 3 levels",
    ),
    "derived-unknown-column": (
        "scenario.yaml: indicators[0].of (line 8)",
        "'victimass' (used by the declared indicator 'victimas_100k') is not a column",
        "did you mean 'victimas'?",
    ),
    "derived-cycle": (
        "scenario.yaml: indicators[0].of (line 8)",
        "the indicator 'promedio' is built from itself: a cycle",
    ),
    "derived-division-by-zero": (
        "data/states.csv row 3, column poblacion",
        "division by zero in the declared indicator 'victimas_100k' for region 15 (México)",
    ),
    "guaranteed-negative": (
        "data/states.csv row 3, column garantia",
        "'-5' is negative",
        "(guaranteed amount)",
    ),
    "guaranteed-fractional": (
        "data/states.csv row 2, column garantia",
        "'90000000.50' is not a whole number of pesos",
    ),
}

# Entries the checks pass with a warning, but that cannot be allocated: `fsf solve` exits 3 with
# the diagnosis in pesos.
INFEASIBLE_CATALOGUE: dict[str, tuple[str, ...]] = {
    "guaranteed-above-fund": (
        "the guaranteed amounts add up to $330,000,000, $30,000,000 more than the fund "
        "$300,000,000",
    ),
}


# Entries that validate but cannot be solved: ``fsf solve`` exits 3 with a diagnosis in pesos.
INFEASIBLE: dict[str, tuple[str, ...]] = {
    "parent-contradicts-children": (
        "the minimum shares under E1 add up to $120,000,000",
        "$30,000,000 more than its maximum share $90,000,000",
    ),
}


def test_catalogue_is_complete() -> None:
    """Every folder of the bad catalogue has expectations here, and there are at least 24."""
    folders = {p.name for p in BAD.iterdir() if p.is_dir()}
    assert folders == set(CATALOGUE) | set(INFEASIBLE_CATALOGUE) | set(INFEASIBLE)
    assert len(folders) >= 24


@pytest.mark.parametrize(("entry", "expected"), sorted(CATALOGUE.items()))
def test_bad_entry_is_reported_and_located(
    entry: str, expected: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    """Each bad scenario exits 2 naming the file, the row/column or YAML path and the problem."""
    code = main(["validate", str(BAD / entry / "scenario.yaml"), "--lang", "en"])
    out, err = capsys.readouterr()
    assert code == EXIT_BAD_INPUT
    assert "error: the scenario has" in err
    for text in expected:
        assert text in err, f"{text!r} not in:\n{err}"
    assert "Traceback" not in out + err
    assert out == ""


# English words of the problem messages that a Spanish message never contains (file names, YAML
# keys and CSV columns stay as written: they are the planner's own words).
ENGLISH = re.compile(
    r"\b(the|must|is|are|not|has|have|row|column|line|region|regions|axis|unknown|"
    r"missing|duplicate|did you mean|file|empty|found|error|warning)\b"
)


@pytest.mark.parametrize("entry", sorted(CATALOGUE))
def test_bad_entry_is_reported_in_spanish_by_default(
    entry: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without --lang the problems are in Spanish, located with fila/columna/línea."""
    code = main(["validate", str(BAD / entry / "scenario.yaml")])
    out, err = capsys.readouterr()
    assert code == EXIT_BAD_INPUT
    assert out == ""
    head, *lines = err.splitlines()
    assert head.startswith("error: el escenario tiene ")
    for line in lines:
        # PyYAML's own description of a syntax error stays in its words.
        line = line.split("YAML mal formado")[0]  # noqa: PLW2901
        # Without the quoted data ('n/d', file names) and the YAML paths of the location.
        words = re.sub(r"'[^']*'|\S+\.(csv|yaml)\b|[\w.\[\]]+\.[\w\[\]]+", "", line)
        assert not ENGLISH.search(words), line
    english = CATALOGUE[entry][0]
    for word, spanish in ((" row ", " fila "), (" column ", " columna "), (" line ", " línea ")):
        english = english.replace(word, spanish).replace(word.lstrip(" ("), spanish.lstrip())
    assert english in err


@pytest.mark.parametrize(("entry", "expected"), sorted(INFEASIBLE.items()))
def test_infeasible_entry_is_diagnosed_in_pesos(
    entry: str, expected: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    """Each entry validates (exit 0) and its solve exits 3 with the conflict in pesos."""
    path = str(BAD / entry / "scenario.yaml")
    assert main(["validate", path, "--lang", "en"]) == EXIT_OK
    capsys.readouterr()
    assert main(["solve", path, "--lang", "en"]) == EXIT_INFEASIBLE
    out, err = capsys.readouterr()
    for text in expected:
        assert text in out + err, f"{text!r} not in:\n{out + err}"
    assert "Traceback" not in out + err


@pytest.mark.parametrize(("entry", "expected"), sorted(INFEASIBLE_CATALOGUE.items()))
def test_infeasible_entry_warns_then_exits_3(
    entry: str, expected: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    """Validation warns (exit 0); solving exits 3 with the amount in pesos, no traceback."""
    assert main(["validate", str(BAD / entry / "scenario.yaml"), "--lang", "en"]) == EXIT_OK
    out, _ = capsys.readouterr()
    assert "warning: scenario.yaml: guaranteed (line 5)" in out
    assert "add up to 330,000,000 pesos, 30,000,000 more than the fund" in out
    assert main(["solve", str(BAD / entry / "scenario.yaml"), "--lang", "en"]) == EXIT_INFEASIBLE
    out, err = capsys.readouterr()
    for text in expected:
        assert text in err, f"{text!r} not in:\n{err}"
    assert "Traceback" not in out + err


def test_good_scenario_prints_summary(capsys: pytest.CaptureFixture[str]) -> None:
    """A valid scenario exits 0 with its summary on stdout, in Spanish unless --lang en."""
    code = main(["validate", str(GOOD / "fasp-mini" / "scenario.yaml"), "--lang", "en"])
    out, err = capsys.readouterr()
    assert code == EXIT_OK
    assert "fund: FASP 2026, 1,000,000,000 MXN (rounding unit 1,000)" in out
    assert "states: 4 (4 with the allocation of fiscal year 2025, 4 with population)" in out
    assert err == ""
    assert main(["validate", str(GOOD / "fasp-mini" / "scenario.yaml")]) == EXIT_OK
    out = capsys.readouterr().out
    assert "fondo: FASP 2026, 1,000,000,000 MXN (unidad de redondeo 1,000)" in out
    assert "entidades: 4 (4 con la asignación del ejercicio 2025, 4 con población)" in out
    assert "objetivo: proporcional a los montos según fórmula" in out


def test_folder_with_scenario_yaml_is_accepted(capsys: pytest.CaptureFixture[str]) -> None:
    """A folder holding scenario.yaml validates like the YAML file itself."""
    assert main(["validate", str(GOOD / "latin1-semicolon")]) == EXIT_OK
    assert "entidades: 3" in capsys.readouterr().out


def test_warnings_are_printed_with_exit_0(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Feasibility warnings do not fail validation but are shown with the summary."""
    (tmp_path / "states.csv").write_text("code,name,pop,prev\n01,A,10,700\n02,B,20,700\n")
    (tmp_path / "scenario.yaml").write_text(
        "format_version: 1\nname: w\nfund: {name: F, fiscal_year: 2026, total: 1000}\n"
        "regions: {file: states.csv, code: code, name: name, previous_allocation: prev}\n"
        "criteria: [{indicator: pop, weight: 1}]\nrules: {band: {lower: 0, upper: 0.1}}\n"
    )
    assert main(["validate", str(tmp_path / "scenario.yaml"), "--lang", "en"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "warning: scenario.yaml: rules (line 6)" in out
    assert "add up to 1,400 pesos, 400 more than the fund 1,000" in out
    assert main(["validate", str(tmp_path / "scenario.yaml")]) == EXIT_OK
    out = capsys.readouterr().out
    assert "aviso: scenario.yaml: rules (línea 6)" in out
    assert "suman 1,400 pesos, 400 más que el fondo de 1,000" in out


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("does-not-exist.yaml", "file not found"),
        (".", "is a folder without a scenario.yaml"),
    ],
)
def test_missing_path_or_folder_is_bad_input(
    name: str, expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A missing file or a folder without scenario.yaml exits 2 with a message, no traceback."""
    assert main(["validate", str(tmp_path / name), "--lang", "en"]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert expected in err
    assert "Traceback" not in err


def test_subprocess_validate_bad_and_good() -> None:
    """The real command line exits 2 on a bad scenario and 0 on a good one, without tracebacks."""
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "optimizer.cli",
            "validate",
            str(BAD / "binary-file"),
            "--lang",
            "en",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert bad.returncode == EXIT_BAD_INPUT
    assert "data/states.csv: the file is binary" in bad.stderr
    assert "Traceback" not in bad.stderr + bad.stdout
    good = subprocess.run(
        [sys.executable, "-m", "optimizer.cli", "validate", str(GOOD / "fasp-mini")],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert good.returncode == EXIT_OK, good.stderr
    assert "Escenario fasp-mini" in good.stdout
