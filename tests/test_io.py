"""Scenario files -> Scenario: encodings, separators, codes as text, locations, every problem."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from textwrap import dedent

import pytest

from optimizer.domain import Band, CellMinimum, Direction, Language, RegionBound
from optimizer.errors import ScenarioError
from optimizer.io import load_scenario, load_scenario_files, summarize
from optimizer.io.files import FileProblem, normalise_name
from optimizer.io.tables import TableError, parse_table, parse_whole, sniff_separator
from optimizer.io.text import TextError, decode_text

GOOD = Path(__file__).parent / "data" / "good"

YAML = dedent(
    """\
    format_version: 1
    name: tiny
    fund: {name: FASP, fiscal_year: 2026, total: 1000000}
    regions: {file: states.csv, code: cve, name: nombre, previous_allocation: prev}
    criteria:
      - {indicator: pop, weight: 0.5}
      - {indicator: crime, weight: 0.5}
    """
)
STATES = dedent(
    """\
    cve,nombre,pop,crime,prev
    07,Chiapas,5600000,12.0,300000
    09,Ciudad de México,9200000,10.5,400000
    02,Baja California,3800000,30.1,300000
    """
)


def write(folder: Path, files: Mapping[str, str | bytes]) -> Path:
    """Write files under ``folder`` and return the scenario YAML path."""
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return folder / "scenario.yaml"


def problems_of(path: Path) -> list[str]:
    """The problems a scenario raises, as text."""
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return [str(p) for p in info.value.problems]


def test_good_fixture_values_come_out_exactly() -> None:
    """BOM, semicolon and Latin-1 files give exact names, codes, money and indicator values."""
    scenario = load_scenario(GOOD / "fasp-mini" / "scenario.yaml")
    assert [r.code for r in scenario.regions] == ["09", "15", "16", "19"]
    names = {r.code: r.name for r in scenario.regions}
    assert names["16"] == "Michoacán de Ocampo"
    assert names["19"] == "Nuevo León"
    mich = scenario.regions[2]
    assert mich.previous == 200_000_000
    assert isinstance(mich.previous, int)
    assert mich.population == 4_900_000
    assert mich.indicators["homicidios_100k"] == 45.1  # from the semicolon file
    assert mich.indicators["policias_1000"] == 1.5  # from the Latin-1 file
    assert "nota" not in mich.indicators  # not listed in columns
    assert "entidad" not in mich.indicators  # text column, not an indicator
    assert scenario.fund.total == 1_000_000_000
    assert scenario.fund.rounding_unit == 1000
    assert scenario.criteria[2].direction is Direction.HIGHER_NEEDS_LESS
    assert scenario.rules.band == Band(lower=0.0, upper=0.10)
    assert scenario.rules.region_floors == (RegionBound("*", amount=100_000_000),)
    assert scenario.rules.region_caps == (RegionBound("15", share=0.40),)
    assert scenario.rules.cell_minimums == (CellMinimum("P01", "*", amount=20_000_000),)


def test_latin1_semicolon_regions_file() -> None:
    """A Latin-1, semicolon-separated regions file reads accents right and sorts by code."""
    scenario = load_scenario(GOOD / "latin1-semicolon" / "scenario.yaml")
    assert [(r.code, r.name) for r in scenario.regions] == [
        ("09", "Ciudad de México"),
        ("16", "Michoacán de Ocampo"),
        ("19", "Nuevo León"),
    ]


def test_locations_follow_the_key_conventions() -> None:
    """Locations name CSV file, spreadsheet row and column, or the YAML path and its line."""
    scenario = load_scenario(GOOD / "fasp-mini" / "scenario.yaml")
    where = scenario.where
    # The BOM must not end up in the first column's name.
    assert where("regions/09/code") == "data/states.csv row 2, column cve_ent"
    assert where("regions/19") == "data/states.csv row 5"
    assert where("regions/16/previous") == "data/states.csv row 4, column fasp_2025"
    assert where("regions/16/population") == "data/states.csv row 4, column pob_2026"
    assert where("regions/16/indicators/homicidios_100k") == (
        "data/crime.csv row 4, column homicidios_100k"
    )
    assert where("fund/total") == "scenario.yaml: fund.total (line 8)"
    assert where("rules/band/upper") == "scenario.yaml: rules.band.upper (line 49)"
    assert where("criteria/2/weight") == "scenario.yaml: criteria[2].weight (line 32)"
    assert where("axes/1/share_min") == "scenario.yaml: axes[1].share_min (line 44)"
    assert where("rules/cell_minimums/0") == "scenario.yaml: rules.cell_minimums[0] (line 55)"
    assert where("base_amount/weight") == "scenario.yaml: base_amount.weight (line 36)"


def test_in_memory_files_give_the_same_scenario() -> None:
    """load_scenario_files reads uploaded bytes exactly as load_scenario reads the folder."""
    folder = GOOD / "fasp-mini"
    files = {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }
    from_memory = load_scenario_files(files)
    from_disk = load_scenario(folder / "scenario.yaml")
    assert from_memory == from_disk
    assert dict(from_memory.locations) == dict(from_disk.locations)


def test_in_memory_main_in_a_subfolder() -> None:
    """CSV paths are relative to the main YAML's folder, also for uploaded files."""
    files = {"s/scenario.yaml": YAML.encode(), "s/states.csv": STATES.encode()}
    scenario = load_scenario_files(files, main="s/scenario.yaml")
    assert [r.code for r in scenario.regions] == ["02", "07", "09"]


def test_in_memory_missing_file_lists_uploads() -> None:
    """A CSV that was not uploaded is reported with the uploaded names."""
    with pytest.raises(ScenarioError) as info:
        load_scenario_files({"scenario.yaml": YAML.encode()})
    text = str(info.value.problems[0])
    assert "scenario.yaml: regions.file (line 4)" in text
    assert "'states.csv' was not uploaded (uploaded files: scenario.yaml)" in text


def test_codes_stay_text(tmp_path: Path) -> None:
    """Region codes keep their leading zeros in CSVs and in YAML (07 is not octal 7)."""
    yaml = YAML + "rules:\n  region_floors:\n    - {region: 07, amount: 1000}\n"
    path = write(tmp_path, {"scenario.yaml": yaml, "states.csv": STATES})
    scenario = load_scenario(path)
    assert [r.code for r in scenario.regions] == ["02", "07", "09"]
    assert scenario.rules.region_floors[0].region == "07"


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    """Bad cells in several rows and a bad YAML key all come out of one load."""
    states = STATES.replace("12.0", "").replace("9200000", "x").replace(",400000", ",-1")
    yaml = YAML.replace("weight: 0.5}", "weight: half}", 1)
    problems = problems_of(write(tmp_path, {"scenario.yaml": yaml, "states.csv": states}))
    assert problems == [
        "scenario.yaml: criteria[0].weight (line 6): must be a number, not the text 'half'",
        "states.csv row 3, column prev: '-1' is negative: pesos must be zero or more",
        "states.csv row 3, column pop: 'x' is not a number (a criterion uses this column)",
        "states.csv row 2, column crime: is empty: enter a number (a criterion uses this column)",
    ]


def test_text_column_not_used_is_ignored(tmp_path: Path) -> None:
    """A non-numeric column no criterion uses is dropped, not reported."""
    states = STATES.replace("cve,nombre,", "cve,nombre,nota,").replace(",Chiapas,", ",Chiapas,sur,")
    states = states.replace("México,", "México,centro,").replace("California,", "California,,")
    scenario = load_scenario(write(tmp_path, {"scenario.yaml": YAML, "states.csv": states}))
    assert "nota" not in scenario.regions[0].indicators


def test_indicator_in_two_files_is_an_error(tmp_path: Path) -> None:
    """The same column read from two files is ambiguous and reported at the second file."""
    yaml = YAML + "indicators:\n  - {file: more.csv, code: cve}\n"
    more = "cve,pop\n07,1\n09,2\n02,3\n"
    files = {"scenario.yaml": yaml, "states.csv": STATES, "more.csv": more}
    problems = problems_of(write(tmp_path, files))
    assert problems == [
        "more.csv row 1, column pop: column 'pop' is also read from states.csv: rename one of "
        "them or leave it out with columns: [...]"
    ]


def test_rules_from_csv(tmp_path: Path) -> None:
    """Floors read from a CSV become region bounds located at their row."""
    yaml = YAML + "rules:\n  region_floors: {file: floors.csv, code: cve, amount: piso}\n"
    floors = "cve;piso\n09;250000\n07;100000\n"
    files = {"scenario.yaml": yaml, "states.csv": STATES, "floors.csv": floors}
    scenario = load_scenario(write(tmp_path, files))
    assert scenario.rules.region_floors == (
        RegionBound("09", amount=250_000),
        RegionBound("07", amount=100_000),
    )
    assert scenario.where("rules/region_floors/1") == "floors.csv row 3, column piso"


def test_duplicate_yaml_key_is_reported(tmp_path: Path) -> None:
    """A key written twice is an error, since YAML would silently keep the last value."""
    yaml = YAML.replace("name: tiny\n", "name: tiny\nname: again\n")
    problems = problems_of(write(tmp_path, {"scenario.yaml": yaml, "states.csv": STATES}))
    assert problems == [
        "scenario.yaml: name (line 2): duplicate key: the later value would silently win; keep one"
    ]


def test_symlink_out_of_folder_is_refused(tmp_path: Path) -> None:
    """A link inside the folder pointing outside it is treated like a path that escapes."""
    outside = tmp_path / "outside.csv"
    outside.write_text(STATES)
    folder = tmp_path / "scenario"
    path = write(folder, {"scenario.yaml": YAML})
    (folder / "states.csv").symlink_to(outside)
    assert problems_of(path) == [
        "scenario.yaml: regions.file (line 4): 'states.csv' links to a file outside the "
        "scenario folder"
    ]


def test_summary_lists_the_essentials() -> None:
    """The summary shows fund, regions, criteria with weights, base weight, axes, rules."""
    scenario = load_scenario(GOOD / "fasp-mini" / "scenario.yaml")
    text = summarize(scenario, Language.EN)
    assert "fund: FASP 2026, 1,000,000,000 MXN (rounding unit 1,000)" in text
    assert "states: 4 (4 with the allocation of fiscal year 2025, 4 with population)" in text
    assert "18.00 %  policias_1000 (Policías por mil habitantes): a higher value gives less" in text
    assert "12.00 %  base amount (equal parts)" in text
    assert "P02  Equipamiento: share 30 % to 70 %" in text
    assert (
        "rules: band [0 %, 10 %] against fiscal year 2025; 1 × state floor; 1 × state cap;" in text
    )
    assert "objective: proportional to the formula amounts" in text
    assert len(text.splitlines()) <= 24
    spanish = summarize(scenario)
    assert "18.00 %  policias_1000 (Policías por mil habitantes): a mayor valor, menor monto" in (
        spanish
    )
    assert "programas: 2" in spanish
    assert "P02  Equipamiento: participación de 30 % a 70 %" in spanish
    assert (
        "reglas: banda [0 %, 10 %] respecto del ejercicio 2025; 1 × monto mínimo de la entidad;"
        in (spanish)
    )
    assert "objetivo: proporcional a los montos según fórmula" in spanish


@pytest.mark.parametrize(
    ("data", "text", "encoding"),
    [
        ("añó".encode(), "añó", "utf-8"),
        (b"\xef\xbb\xbfa\xc3\xb1o", "año", "utf-8-sig"),
        ("Nuevo León".encode("latin-1"), "Nuevo León", "cp1252"),
        ("€ año".encode("cp1252"), "€ año", "cp1252"),
    ],
)
def test_decode_text_accepts_utf8_and_latin1(data: bytes, text: str, encoding: str) -> None:
    """UTF-8 with or without BOM, Latin-1 and Windows-1252 decode to the right text."""
    assert decode_text(data) == (text, encoding)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "the file is empty"),
        (b"\xef\xbb\xbf \n", "the file is empty"),
        (b"a,b\n\x00\x01", "binary (it contains NUL bytes)"),
        (b"PK\x03\x04rest", "Excel workbook"),
        ("a,b".encode("utf-16"), "unknown encoding: the file is UTF-16"),
        (b"a,b\n1,\x81x\n" + b"x" * 50, "unknown encoding: line 2 contains the control character"),
        (bytes(range(1, 30)) * 3, "binary (mostly control characters)"),
    ],
)
def test_decode_text_refuses_other_bytes(data: bytes, message: str) -> None:
    """Empty, binary, UTF-16 and garbage bytes are refused with a message saying which."""
    with pytest.raises(TextError, match=None) as info:
        decode_text(data)
    assert message in str(info.value)


def test_sniff_and_parse_table_keep_row_numbers() -> None:
    """Blank lines are skipped but later rows keep their spreadsheet numbers."""
    assert sniff_separator("a;b;c\n1,5;2;3\n") == ";"
    assert sniff_separator("single\n1\n") == ","
    table = parse_table("t.csv", "cve;x\n01;1\n\n03;3\n")
    assert table.rows == (("01", "1"), ("03", "3"))
    assert table.numbers == (2, 4)
    assert table.where(4, "x") == "t.csv row 4, column x"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1200", 1200),
        ("1200.00", 1200),
        (9_941_162_915, 9_941_162_915),
        ("1_000", 1000),
        (12.5, None),
        ("-3", None),
        ("abc", None),
        (True, None),
        ("nan", None),
    ],
)
def test_parse_whole_money(value: object, expected: int | None) -> None:
    """Money is whole, non-negative pesos; fractions, negatives and non-numbers are refused."""
    assert parse_whole(value)[0] == expected


@pytest.mark.parametrize(
    "name", ["../x.csv", "/etc/passwd", "C:/x.csv", "data/../../x.csv", "", "..\\x.csv"]
)
def test_names_may_not_leave_the_folder(name: str) -> None:
    """Absolute paths and paths climbing out of the scenario folder are refused."""
    with pytest.raises(FileProblem):
        normalise_name(name, "")


def test_names_inside_the_folder_are_normalised() -> None:
    """A path that wanders but stays inside the folder is accepted and normalised."""
    assert normalise_name("data/../data/x.csv", "") == "data/x.csv"
    assert normalise_name("x.csv", "sub") == "sub/x.csv"
    with pytest.raises(FileProblem):
        normalise_name("../other/x.csv", "sub")


def test_docs_example_is_the_good_fixture() -> None:
    """The complete example in docs/scenario-format.md is the fixture the tests load."""
    doc = (Path(__file__).parents[1] / "docs" / "scenario-format.md").read_text(encoding="utf-8")
    fixture = (GOOD / "fasp-mini" / "scenario.yaml").read_text(encoding="utf-8")
    assert f"```yaml\n{fixture}```" in doc


def test_cell_minimums_from_csv(tmp_path: Path) -> None:
    """Cell minimums read from a CSV carry their axis, region code and share."""
    yaml = YAML + (
        "axes:\n  - {id: P06, share: 1.0}\n"
        "rules:\n  cell_minimums: {file: p06.csv, code: cve, axis: P06, share: minimo}\n"
    )
    files = {"scenario.yaml": yaml, "states.csv": STATES, "p06.csv": "cve,minimo\n02,0.05\n"}
    scenario = load_scenario(write(tmp_path, files))
    assert scenario.rules.cell_minimums == (CellMinimum("P06", "02", share=0.05),)
    assert scenario.where("rules/cell_minimums/0/region") == "p06.csv row 2, column cve"


@pytest.mark.parametrize(
    ("text", "row", "message"),
    [
        ("cve,x\n01,1\n02,2,3\n", 3, "this row has 3 cells but the header has 2"),
        ("\n\ncve,x\n01,1\n", 1, "the header must be on row 1, not row 3"),
        ("1,2\n3,4\n", 1, "no header row: row 1 holds values (1, 2)"),
        ("cve,,x\n01,1,2\n", 1, "column 2 has no name"),
    ],
)
def test_parse_table_refuses_broken_tables(text: str, row: int, message: str) -> None:
    """Ragged rows, blank rows before the header, missing headers and unnamed columns say where."""
    with pytest.raises(TableError) as info:
        parse_table("t.csv", text)
    assert info.value.row == row
    assert message in str(info.value)
