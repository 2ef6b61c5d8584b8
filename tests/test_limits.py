"""Input limits (``optimizer/limits.py``): each hostile input is a located problem, in bounded time.

The small cases are built inline; the hostile catalogue that runs the real command line on every
kind of input is ``tests/test_hostile.py``.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from textwrap import dedent

import pytest
import yaml

from optimizer.checks import (
    MoreProblems,
    cap_problems,
    check_scenario,
    count_problems,
    raise_for_problems,
)
from optimizer.cli import EXIT_BAD_INPUT, main
from optimizer.domain import ALL_REGIONS, Axis, RegionBound, Rules
from optimizer.errors import Problem, ScenarioError
from optimizer.io import load_scenario_files
from optimizer.io.tables import TableError, parse_number, parse_table, parse_whole
from optimizer.io.yamldoc import YamlError, parse_yaml
from optimizer.limits import (
    MAX_AXES,
    MAX_CELL_CHARS,
    MAX_CELLS,
    MAX_CSV_BYTES,
    MAX_CSV_COLUMNS,
    MAX_CSV_ROWS,
    MAX_MONEY,
    MAX_PROBLEMS,
    MAX_REGIONS,
    MAX_YAML_BYTES,
    MAX_YAML_DEPTH,
    MAX_YAML_NODES,
)
from tests.conftest import regions, scenario

YAML = dedent(
    """\
    format_version: 1
    name: tiny
    fund: {name: FASP, fiscal_year: 2026, total: 1000000}
    regions: {file: states.csv, code: cve, name: nombre, previous_allocation: prev, population: pop}
    indicators:
      - {file: crime.csv, code: cve}
    criteria:
      - {indicator: pop, weight: 0.5}
      - {indicator: crime, weight: 0.5}
    axes:
      - {id: P01, share: 0.5}
      - {id: P02, share_min: 0.1, share_max: 0.9}
    rules:
      band: {lower: 0.0, upper: 0.5}
      region_floors:
        - {region: "*", amount: 1000}
      cell_minimums:
        - {axis: P01, region: "07", share: 0.1}
    """
)
STATES = "cve,nombre,pop,prev\n07,Chiapas,5600000,300000\n09,CDMX,9200000,400000\n"
CRIME = "cve,crime\n07,12.0\n09,10.5\n"

LOADERS = [pytest.param(yaml.SafeLoader, id="pure-python")]
if hasattr(yaml, "CSafeLoader"):
    LOADERS.append(pytest.param(yaml.CSafeLoader, id="libyaml"))


def files(**changed: str) -> dict[str, bytes]:
    """The tiny scenario's files, with some replaced (``states``, ``crime``, ``yaml``)."""
    texts = {"scenario.yaml": YAML, "states.csv": STATES, "crime.csv": CRIME}
    names = {"yaml": "scenario.yaml", "states": "states.csv", "crime": "crime.csv"}
    for key, text in changed.items():
        texts[names[key]] = text
    return {name: text.encode("utf-8") for name, text in texts.items()}


def problems_of(uploaded: Mapping[str, bytes]) -> list[Problem]:
    """The problems loading (and checking) the files raises."""
    with pytest.raises(ScenarioError) as info:
        raise_for_problems(check_scenario(load_scenario_files(uploaded)))
    return list(info.value.problems)


def bomb(levels: int = 6) -> str:
    """The classic alias bomb: each level lists the previous one ten times."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for n in range(1, levels + 1):
        lines.append(f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 10) + "]")
    return "\n".join(lines) + "\n"


def test_tiny_scenario_is_valid() -> None:
    """The base of every case below loads and checks without problems."""
    assert check_scenario(load_scenario_files(files())) == []


# ----------------------------------------------------------------------------------- YAML


@pytest.mark.parametrize("loader", LOADERS)
def test_alias_bomb_is_refused_at_the_first_alias(loader: type) -> None:
    """Six levels of ten aliases (a million nodes if expanded) stop at line of the first alias."""
    text = YAML + bomb(6)
    started = time.perf_counter()
    with pytest.raises(YamlError) as info:
        parse_yaml("scenario.yaml", text, loader)
    assert time.perf_counter() - started < 2
    first_alias = YAML.count("\n") + 2
    assert info.value.line == first_alias
    assert "YAML aliases are not supported" in info.value.message
    assert "(*a0)" in info.value.message


@pytest.mark.parametrize("loader", LOADERS)
def test_nesting_999_deep_is_a_located_error(loader: type) -> None:
    """Lists nested 999 deep (a RecursionError before) are refused at the first level too deep."""
    text = "format_version: 1\nname: x\nfund:\n  total: " + "[" * 999 + "]" * 999 + "\n"
    with pytest.raises(YamlError) as info:
        parse_yaml("scenario.yaml", text, loader)
    assert info.value.line == 4
    # Ours stops at the first level too deep; a libyaml that bounds nesting itself may stop first.
    message = info.value.message
    assert f"nested more than {MAX_YAML_DEPTH} levels deep" in message or "nesting depth" in message


@pytest.mark.parametrize("loader", LOADERS)
def test_limits_allow_what_a_scenario_needs(loader: type) -> None:
    """Anchors without aliases, nesting of a real scenario and long numbers as text still parse."""
    text = YAML + "description: &d plain\nnote: '" + "9" * 50 + "'\n"
    doc = parse_yaml("scenario.yaml", text, loader)
    assert isinstance(doc.data, dict)
    assert doc.data["rules"]["cell_minimums"][0]["share"] == 0.1
    assert doc.raw["description"] == "plain"


def test_too_many_yaml_values_are_refused() -> None:
    """A flow list of more values than the node budget stops with a located error.

    The budget is counted in the same composer for both parsers; the pure-Python one is too slow
    on this many values to run here.
    """
    text = "format_version: 1\nitems: [" + ",".join(["0"] * (MAX_YAML_NODES + 1)) + "]\n"
    with pytest.raises(YamlError) as info:
        parse_yaml("scenario.yaml", text)
    assert info.value.line == 2
    assert f"more than {MAX_YAML_NODES:,} values" in info.value.message


def test_second_document_is_a_located_error() -> None:
    """A second YAML document is refused naming the line where it starts."""
    with pytest.raises(YamlError) as info:
        parse_yaml("scenario.yaml", "a: 1\n---\nb: 2\n")
    assert info.value.line == 2
    assert "more than one YAML document" in info.value.message


def test_alias_bomb_through_the_loader_is_located() -> None:
    """The loader reports the bomb as one problem at the scenario file's line."""
    problems = problems_of(files(yaml=YAML + bomb(6)))
    assert [str(p) for p in problems] == [
        f"scenario.yaml line {YAML.count(chr(10)) + 2}: YAML aliases are not supported at line "
        f"{YAML.count(chr(10)) + 2}, column 10 (*a0): write the value out in full"
    ]


def test_yaml_file_size_is_limited() -> None:
    """A scenario YAML over the size limit is refused before it is parsed."""
    text = YAML + "# " + "x" * MAX_YAML_BYTES + "\n"
    problems = problems_of(files(yaml=text))
    assert len(problems) == 1
    assert problems[0].location == "scenario.yaml"
    assert f"at most {MAX_YAML_BYTES:,} bytes" in problems[0].message


def test_csv_file_size_is_limited() -> None:
    """A CSV over the size limit is refused at the key naming it."""
    crime = CRIME + "#" * MAX_CSV_BYTES + "\n"
    problems = problems_of(files(crime=crime))
    assert [p.location for p in problems] == ["scenario.yaml: indicators[0].file (line 6)"]
    assert "file 'crime.csv' is too large" in problems[0].message
    assert f"at most {MAX_CSV_BYTES:,} bytes" in problems[0].message


# -------------------------------------------------------------------------------- numbers

HUGE_YAML = [
    ("total: 1000000", "total: " + "9" * 5000, "fund.total (line 3)", "5,000 characters"),
    ("total: 1000000", "total: 1e30", "fund.total (line 3)", "'1e30' is too large"),
    ("total: 1000000", f"total: {2**63}", "fund.total (line 3)", "is too large"),
    ("total: 1000000", f"total: {MAX_MONEY + 1}", "fund.total (line 3)", "is too large"),
    ("total: 1000000", "total: 1.0e+300", "fund.total (line 3)", "is too large"),
    ("total: 1000000", "total: 1e999999999", "fund.total (line 3)", "is too large"),
    ("total: 1000000}", "total: 1000000, rounding_unit: 1e19}", "rounding_unit", "too large"),
    ("fiscal_year: 2026", "fiscal_year: " + "2" * 400, "fund.fiscal_year", "whole number"),
    ("fiscal_year: 2026", f"fiscal_year: {2**40}", "fund.fiscal_year", "four digits"),
    ("format_version: 1", "format_version: " + "1" * 5000, "format_version", "whole number"),
    ("weight: 0.5}", "weight: " + "5" * 5000 + "}", "criteria[0].weight", "at most 40"),
    ("weight: 0.5}", "weight: 1e300}", "criteria[0].weight", "out of range"),
    ("share: 0.5}", "share: 1.0e+200}", "axes[0].share", "out of range"),
    ("upper: 0.5}", "upper: 1.0e+300}", "rules.band.upper", "out of range"),
    ("amount: 1000}", f"amount: {2**64}}}", "rules.region_floors[0].amount", "too large"),
    ("share: 0.1}", "share: " + "1" * 400 + "}", "rules.cell_minimums[0].share", "at most 40"),
]


@pytest.mark.parametrize(("old", "new", "where", "what"), HUGE_YAML)
def test_huge_yaml_numbers_are_located(old: str, new: str, where: str, what: str) -> None:
    """Numbers past the digit or size limits are bad input named by their YAML key."""
    assert old in YAML
    problems = problems_of(files(yaml=YAML.replace(old, new, 1)))
    texts = [str(p) for p in problems]
    assert any(where in t and what in t for t in texts), texts
    assert all(len(t) < 400 for t in texts), texts


HUGE_CSV = [
    ("states", "5600000,300000", "5600000," + "7" * 400, "states.csv row 2, column prev"),
    ("states", "5600000,300000", f"5600000,{2**63}", "states.csv row 2, column prev"),
    ("states", "5600000,300000", f"{2**63},300000", "states.csv row 2, column pop"),
    ("states", "5600000,300000", "1e400,300000", "states.csv row 2, column pop"),
    ("crime", "12.0", "1e300", "crime.csv row 2, column crime"),
    ("crime", "12.0", "1e-320", "crime.csv row 2, column crime"),
    ("crime", "12.0", "9" * 400, "crime.csv row 2, column crime"),
    ("crime", "12.0", "-1e16", "crime.csv row 2, column crime"),
]


@pytest.mark.parametrize(("file", "old", "new", "where"), HUGE_CSV)
def test_huge_csv_numbers_are_located(file: str, old: str, new: str, where: str) -> None:
    """Cells past the digit or size limits are bad input named by file, row and column."""
    text = (STATES if file == "states" else CRIME).replace(old, new, 1)
    problems = problems_of(files(**{file: text}))
    texts = [str(p) for p in problems]
    assert any(t.startswith(where) for t in texts), texts
    assert all(len(t) < 400 for t in texts), texts


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (MAX_MONEY, MAX_MONEY),
        (str(MAX_MONEY), MAX_MONEY),
        (MAX_MONEY + 1, None),
        ("1e15", 10**15),
        ("1e16", None),
        ("1e999999999", None),
        ("9" * 41, None),
    ],
)
def test_parse_whole_bounds(value: object, expected: int | None) -> None:
    """Whole numbers up to the money limit are read; beyond it, or too long, they are refused."""
    assert parse_whole(value)[0] == expected


@pytest.mark.parametrize(
    ("cell", "expected"),
    [("1e15", 1e15), ("-1e15", -1e15), ("0", 0.0), ("1e-15", 1e-15), ("1e16", None)],
)
def test_parse_number_bounds(cell: str, expected: float | None) -> None:
    """Indicator values within +-1e15 (and not tinier than 1e-15) are read; others refused."""
    assert parse_number(cell)[0] == expected


# --------------------------------------------------------------------------------- tables


def unknown_code_rows(count: int) -> dict[str, bytes]:
    """The tiny scenario with ``count`` indicator rows whose codes the regions file lacks."""
    rows = "".join(f"{100 + i},1.5\n" for i in range(count))
    return files(crime=CRIME + rows)


def load_time(uploaded: Mapping[str, bytes]) -> tuple[float, list[Problem]]:
    """Best of three load times (CPU time of this process, steadier than wall time on a shared
    machine), and the problems raised."""
    times = []
    problems: list[Problem] = []
    for _ in range(3):
        started = time.process_time()
        problems = problems_of(uploaded)
        times.append(time.process_time() - started)
    return min(times), problems


def test_fifty_thousand_unknown_codes_read_in_linear_time() -> None:
    """50,000 rows of unknown codes (64 s before) load in time linear in the rows, capped output.

    Reading 5 times the rows takes well under 25 times as long (what a quadratic reader needs; a
    linear one takes about 5 times),
    and the whole load stays under a generous 20 s; the problems are the first MAX_PROBLEMS and
    one "and K more" standing for the rest.
    """
    small, _ = load_time(unknown_code_rows(10_000))
    large, problems = load_time(unknown_code_rows(50_000))
    assert large < 20
    assert large < 15 * max(small, 0.01), (small, large)
    assert len(problems) == MAX_PROBLEMS + 1
    assert "region code '100' is not in states.csv" in str(problems[0])
    last = problems[-1]
    assert isinstance(last, MoreProblems)
    assert last.count == 50_000 - MAX_PROBLEMS
    assert count_problems(problems) == 50_000


def test_cli_prints_the_first_problems_then_how_many_more(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """``fsf validate`` lists the first MAX_PROBLEMS and "and K more", with the full count."""
    for name, data in unknown_code_rows(5_000).items():
        (tmp_path / name).write_bytes(data)
    assert main(["validate", str(tmp_path), "--lang", "en"]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert lines[0] == "error: the scenario has 5,000 problems:"
    assert len(lines) == 1 + MAX_PROBLEMS + 1
    assert lines[-1].startswith("  - and 4,900 more problem(s) not listed")
    assert len(err) < 30_000
    assert main(["validate", str(tmp_path)]) == EXIT_BAD_INPUT
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "error: el escenario tiene 5,000 problemas:"
    assert lines[-1].startswith("  - y 4,900 problema(s) más sin listar")


def test_csv_rows_columns_and_cells_are_limited() -> None:
    """Tables past the row, column or cell-length limits are refused naming file and row."""
    too_many_rows = "cve,crime\n" + "07,1\n" * (MAX_CSV_ROWS + 1)
    with pytest.raises(TableError) as rows:
        parse_table("crime.csv", too_many_rows)
    assert f"at most {MAX_CSV_ROWS:,}" in str(rows.value)
    wide = ",".join(f"c{i}" for i in range(10_000)) + "\n" + ",".join(["1"] * 10_000) + "\n"
    with pytest.raises(TableError) as columns:
        parse_table("crime.csv", wide)
    assert columns.value.row == 1
    assert f"at most {MAX_CSV_COLUMNS:,}" in str(columns.value)
    long_cell = "cve,crime\n07," + "1" * (MAX_CELL_CHARS + 1) + "\n"
    with pytest.raises(TableError) as cell:
        parse_table("crime.csv", long_cell)
    assert cell.value.row == 2
    assert "column 2: the cell has 1,001 characters" in str(cell.value)


def test_too_many_regions_are_refused_at_the_regions_file() -> None:
    """A regions file with more rows than the region limit is refused, not loaded."""
    states = "cve,nombre,pop,prev\n" + "".join(
        f"{i:05d},R{i},10,10\n" for i in range(MAX_REGIONS + 1)
    )
    problems = problems_of(files(states=states))
    assert any(
        f"states.csv row {MAX_REGIONS + 2}" in str(p) and f"at most {MAX_REGIONS:,}" in str(p)
        for p in problems
    ), problems


def test_too_many_axes_are_refused_at_the_axes_key() -> None:
    """More axes than the axis limit are one problem at ``axes``."""
    axes = "".join(f"  - {{id: A{i}, share_max: 1}}\n" for i in range(MAX_AXES + 1))
    text = YAML.split("axes:")[0] + "axes:\n" + axes
    problems = problems_of(files(yaml=text))
    assert [str(p) for p in problems] == [
        f"scenario.yaml: axes (line 10): lists {MAX_AXES + 1} axes: a scenario may have at "
        f"most {MAX_AXES}"
    ]


def test_too_many_cells_are_refused_by_the_checks() -> None:
    """Regions x axes past the cell limit is an error of the checks (structured requests too)."""
    count = MAX_CELLS // 50 + 1
    axes = tuple(Axis(id=f"A{i:02d}", name_es=f"A{i:02d}", share_max=1.0) for i in range(50))
    problems = check_scenario(scenario(regions([1.0] * count), axes=axes))
    assert [p.message for p in problems] == [
        f"{count:,} regions x 50 axes make {count * 50:,} cells: at most {MAX_CELLS:,} are "
        "allowed; use fewer axes or regions"
    ]


def test_checks_are_linear_in_rules_and_regions() -> None:
    """10,000 regions with 10,000 floors and caps check quickly (per-region rule scans before)."""
    count = 10_000
    many = regions([1.0] * count)
    floors = tuple(RegionBound(r.code, amount=1) for r in many)
    caps = (*tuple(RegionBound(r.code, amount=10**6) for r in many),)
    rules = Rules(region_floors=(*floors, RegionBound(ALL_REGIONS, amount=1)), region_caps=caps)
    started = time.perf_counter()
    problems = check_scenario(scenario(many, fund=10**9, rules=rules))
    assert time.perf_counter() - started < 10
    assert [p.severity for p in problems] == []


# ------------------------------------------------------------------------------- problems


def test_cap_problems_keeps_the_first_and_counts_the_rest() -> None:
    """Errors come first, the rest is one entry; capping twice changes nothing."""
    errors = [Problem(f"row {i}", "bad") for i in range(150)]
    warnings = [Problem("w", "maybe", severity="warning")] * 3
    capped = cap_problems([*warnings, *errors])
    assert capped[:MAX_PROBLEMS] == errors[:MAX_PROBLEMS]
    assert isinstance(capped[-1], MoreProblems)
    assert capped[-1].count == 53
    assert capped[-1].severity == "error"
    assert str(capped[-1]).startswith("and 53 more problem(s) not listed")
    assert cap_problems(capped) == capped
    assert count_problems(capped) == 153
    short = [Problem("x", "y" * 5_000)]
    assert len(cap_problems(short)[0].message) < 1_100


def test_docs_table_states_every_limit() -> None:
    """docs/limits.md shows the value of every limit in optimizer/limits.py."""
    from optimizer import limits

    text = (Path(__file__).resolve().parents[1] / "docs" / "limits.md").read_text("utf-8")
    expected = {
        "MAX_YAML_BYTES": f"{limits.MAX_YAML_BYTES // 1024**2} MiB",
        "MAX_CSV_BYTES": f"{limits.MAX_CSV_BYTES // 1024**2} MiB",
        "MAX_SCENARIO_BYTES": f"| {limits.MAX_SCENARIO_BYTES // 1024**2} MiB, counting",
        "MAX_TABLES": f"(regions, indicators, rules) | {limits.MAX_TABLES} |",
        "MAX_YAML_DEPTH": f"{limits.MAX_YAML_DEPTH} levels",
        "MAX_YAML_NODES": f"| {limits.MAX_YAML_NODES:,} |",
        "MAX_CSV_ROWS": f"{limits.MAX_CSV_ROWS:,} data rows",
        "MAX_CSV_COLUMNS": f"| {limits.MAX_CSV_COLUMNS:,} |",
        "MAX_CSV_CELLS": f"| {limits.MAX_CSV_CELLS:,} |",
        "MAX_CELL_CHARS": f"cell or header name | {limits.MAX_CELL_CHARS:,} |",
        "MAX_REGIONS": f"| {limits.MAX_REGIONS:,} (",
        "MAX_AXES": f"| axes | {limits.MAX_AXES} |",
        "MAX_CELLS": f"| {limits.MAX_CELLS:,} |",
        "MAX_PDF_REGIONS": f"(`fsf report --pdf`) | {limits.MAX_PDF_REGIONS} |",
        "MAX_TREE_DEPTH": f"| programa tree levels | {limits.MAX_TREE_DEPTH} ",
        "MAX_TREE_NODES": f"| programa tree nodes | {limits.MAX_TREE_NODES} ",
        "MAX_PROPOSAL_LINES": f"| proposal lines | {limits.MAX_PROPOSAL_LINES:,} ",
        "MAX_MONTHS": f"| calendar months | {limits.MAX_MONTHS} ",
        "MAX_MUNICIPALITIES": f"| municipalities | {limits.MAX_MUNICIPALITIES:,} ",
        "MAX_CRITERIA_DEPTH": f"| {limits.MAX_CRITERIA_DEPTH} (category, sub-category",
        "MAX_CATEGORIES": f"| categories of criteria | {limits.MAX_CATEGORIES} |",
        "MAX_DERIVED_INDICATORS": f"with `op`) | {limits.MAX_DERIVED_INDICATORS} |",
        "MAX_DERIVED_INPUTS": f"`mean` or `sum` combines | {limits.MAX_DERIVED_INPUTS} |",
        "MAX_DERIVED_VALUES": f"x regions) | {limits.MAX_DERIVED_VALUES:,} |",
        "MAX_NUMBER_CHARS": f"| {limits.MAX_NUMBER_CHARS} (",
        "MAX_MONEY": f"0 to {limits.MAX_MONEY:,}",
        "MAX_INDICATOR_ABS": "±1e15",
        "MIN_INDICATOR_ABS": "1e-15",
        "MAX_YAML_NUMBER_ABS": f"±{limits.MAX_YAML_NUMBER_ABS:,.0f}",
        "MAX_PROBLEMS": f"the first {limits.MAX_PROBLEMS},",
        "MAX_MESSAGE_CHARS": f"| {limits.MAX_MESSAGE_CHARS:,};",
        "MAX_ECHO_CHARS": f"cut at {limits.MAX_ECHO_CHARS} characters",
        "MAX_SWEEP_SAMPLES": f"| samples of one sweep | {limits.MAX_SWEEP_SAMPLES:,} (",
        "MAX_SWEEP_CELLS": f"| {limits.MAX_SWEEP_CELLS:,} |",
    }
    constants = {name for name in vars(limits) if name.startswith(("MAX_", "MIN_"))}
    constants -= {"MAX_FILE_BYTES", "MIN_FISCAL_YEAR", "MAX_FISCAL_YEAR"}
    assert constants == set(expected)
    for name, shown in expected.items():
        assert shown in text, (name, shown)
    assert f"{limits.MIN_FISCAL_YEAR} to {limits.MAX_FISCAL_YEAR}" in text
    assert limits.MAX_INDICATOR_ABS == 1e15
    assert limits.MIN_INDICATOR_ABS == 1e-15


def test_checks_refuse_structured_values_past_the_limits() -> None:
    """A structured scenario (no files) past the money, indicator or band limits is an error."""
    from optimizer.domain import Band

    many = regions([1.0, 2.0])
    fund = check_scenario(scenario(many, fund=2**63 - 1))
    assert [(p.field, p.severity) for p in fund] == [("fund/total", "error")]
    assert "9,007,199,254,740,991" in fund[0].message
    tiny = regions([1.0, 1e-320])
    assert [p.field for p in check_scenario(scenario(tiny))] == ["regions/02/indicators/need"]
    huge = regions([1.0, 1e300])
    assert [p.field for p in check_scenario(scenario(huge))] == ["regions/02/indicators/need"]
    band = Rules(band=Band(lower=0.0, upper=1e300))
    previous = regions([1.0, 2.0], previous=[10, 20])
    problems = check_scenario(scenario(previous, rules=band))
    assert [p.field for p in problems] == ["rules/band/upper"]
    floors = Rules(region_floors=(RegionBound("01", amount=2**62),))
    problems = check_scenario(scenario(many, rules=floors))
    assert [p.field for p in problems] == ["rules/region_floors/0/amount"]
