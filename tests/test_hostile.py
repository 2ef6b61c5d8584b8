"""A hostile catalogue: every kind of attack on the scenario files is bad input, located, bounded.

Written independently of ``tests/data/bad/`` (those are a planner's mistakes, one small scenario
each). Each entry here starts from a copy of ``scenarios/fasp-2026`` and breaks it the way an
attacker or a broken export would: alias bombs, deep nesting, huge numbers in every numeric
place, NUL bytes, binary garbage, a 50,000-row table, 10,000 columns, megabyte cells, wrong
encodings, byte-order marks in the middle, duplicated keys, Python tags, links out of the folder,
a named pipe. The large files are generated here, so the repository carries none of them.

``fsf validate`` and ``fsf solve`` run on each entry as real processes under a 4 GiB address-space
limit (exceeding it would fail the command); each must exit 2 (bad input) or 3 (infeasible),
name the place of the problem, print no traceback, and use under 20 s of CPU (each takes 1-3 s on
an idle machine, mostly start-up). Both commands of all
entries run two at a time, since the machine has two cores.

``python -m tests.test_hostile DIR`` writes the catalogue into ``DIR`` to try by hand.
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from optimizer.limits import MAX_AXES, MAX_CSV_BYTES, MAX_REGIONS, MAX_TABLES, MAX_YAML_BYTES

BASE = Path(__file__).resolve().parents[1] / "scenarios" / "fasp-2026"
_BASE_LINES = (BASE / "scenario.yaml").read_text(encoding="utf-8").splitlines()
END = len(_BASE_LINES) + 1
"""The line where text appended to the base scenario.yaml starts."""


def line_of(text: str) -> int:
    """The line of the base scenario.yaml where ``text`` first occurs (so edits of the shipped
    scenario do not break the expected locations)."""
    return next(i + 1 for i, line in enumerate(_BASE_LINES) if text in line)


TIME_LIMIT = 20.0
MEMORY_LIMIT = 4 * 1024**3
COMMANDS = ("validate", "solve")

# Sets the address-space limit and becomes the command: no preexec_fn, which is unsafe with the
# threads that run the commands two at a time.
_LIMITED = (
    "import os, resource, sys; n = int(sys.argv[1]); "
    "resource.setrlimit(resource.RLIMIT_AS, (n, n)); os.execv(sys.argv[2], sys.argv[2:])"
)


# --------------------------------------------------------------------------------- builders


def edit(folder: Path, name: str, old: str, new: str) -> None:
    """Replace the first ``old`` in a text file of the scenario."""
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert old in text, (name, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def append(folder: Path, name: str, text: str) -> None:
    """Append text to a file of the scenario."""
    with (folder / name).open("a", encoding="utf-8") as handle:
        handle.write(text)


def cell(folder: Path, name: str, row: int, column: str, value: str) -> None:
    """Set one CSV cell (spreadsheet row numbering: the header is row 1)."""
    path = folder / name
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[row - 1].split(",")
    cells[header.index(column)] = value
    lines[row - 1] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def recode(folder: Path, name: str, encoding: str) -> None:
    """Re-encode a text file of the scenario."""
    path = folder / name
    path.write_bytes(path.read_text(encoding="utf-8").encode(encoding))


def alias_bomb(folder: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{n}: &a{n} [" + ", ".join([f"*a{n - 1}"] * 10) + "]" for n in range(1, 7)]
    append(folder, "scenario.yaml", "\n".join(lines) + "\n")


def deep_mappings(folder: Path) -> None:
    append(folder, "scenario.yaml", "deep: " + "{a: " * 999 + "1" + "}" * 999 + "\n")


def deep_block(folder: Path) -> None:
    append(folder, "scenario.yaml", "deep:\n" + "".join(" " * i + "a:\n" for i in range(1, 200)))


def states_rows(folder: Path, count: int) -> None:
    rows = "".join(f"{i:05d},Region {i},1000,1000\n" for i in range(count))
    (folder / "data/states.csv").write_text(
        "cve_ent,entidad,pop_conapo_mid2026,fasp_2025_mxn\n" + rows, encoding="utf-8"
    )


def wide_states(folder: Path) -> None:
    path = folder / "data/states.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    extra = 10_000
    lines[0] += "".join(f",extra_{i}" for i in range(extra))
    lines[1:] = [line + ",1" * extra for line in lines[1:]]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def fifo(folder: Path) -> None:
    (folder / "data/states.csv").unlink()
    os.mkfifo(folder / "data/states.csv")


def symlink_out(folder: Path) -> None:
    (folder / "data/states.csv").unlink()
    (folder / "data/states.csv").symlink_to("/etc/passwd")


def symlink_loop(folder: Path) -> None:
    (folder / "data/states.csv").unlink()
    (folder / "data/states.csv").symlink_to("states.csv")


def folder_instead(folder: Path) -> None:
    (folder / "data/states.csv").unlink()
    (folder / "data/states.csv").mkdir()


def garbage(folder: Path, name: str) -> None:
    (folder / name).write_bytes(random.Random(8).randbytes(100_000))


def many_axes(folder: Path) -> None:
    axes = "".join(f"  - {{id: X{i}, share_max: 1}}\n" for i in range(MAX_AXES + 1))
    text = (folder / "scenario.yaml").read_text(encoding="utf-8")
    start, end = text.index("\naxes:\n"), text.index("\nrules:\n")
    text = text[:start] + "\naxes:\n" + axes.rstrip("\n") + text[end:]
    text = text.replace("{axis: S11,", "{axis: X0,")
    (folder / "scenario.yaml").write_text(text, encoding="utf-8")


def indicator_files(folder: Path, count: int) -> None:
    entries = "".join(
        f"  - {{file: data/extra.csv, code: cve_ent, columns: [x{i}]}}\n" for i in range(count)
    )
    edit(folder, "scenario.yaml", "indicators:\n", "indicators:\n" + entries)


def deep_categories(folder: Path) -> None:
    """Five levels of categories, each holding the next, around the population criterion (20
    levels are the YAML nesting limit, "criteria-nested" checks the criteria's own)."""
    text = "criteria:\n"
    for level in range(5):
        pad = "  " * (2 * level)
        text += f"{pad}  - category: c{level}\n{pad}    weight: 1.0\n{pad}    criteria:\n"
    text += "  " * 10 + "  - {indicator: pop_conapo_mid2026, weight: 1.0}\n"
    edit(folder, "scenario.yaml", "criteria:\n", text + "unused_criteria:\n")


def declared(folder: Path, count: int, of: str) -> None:
    """``count`` declared indicators, each the mean of ``of``."""
    entries = "".join(f"  - {{name: d{i}, op: mean, of: {of}}}\n" for i in range(count))
    edit(folder, "scenario.yaml", "indicators:\n", "indicators:\n" + entries)


def many_tables(folder: Path) -> None:
    codes = [line.split(",")[0] for line in (folder / STATES).read_text("utf-8").splitlines()]
    header = "cve_ent," + ",".join(f"x{i}" for i in range(MAX_TABLES + 1))
    rows = "".join(f"{code}{',1' * (MAX_TABLES + 1)}\n" for code in codes[1:])
    (folder / "data/extra.csv").write_text(f"{header}\n{rows}", encoding="utf-8")
    indicator_files(folder, MAX_TABLES + 1)


def repeated_large_file(folder: Path) -> None:
    # 22 MiB: each reading is within the file limit; three of them pass the scenario's sum.
    big = "cve_ent,x0\n01," + "1" * (22 * 1024 * 1024) + "\n"
    (folder / "data/extra.csv").write_text(big, encoding="utf-8")
    indicator_files(folder, 3)


@dataclass(frozen=True)
class Entry:
    """One hostile input: how to build it from fasp-2026 and what the error output must name."""

    build: Callable[[Path], None]
    expected: tuple[str, ...]


TOTAL = "total: 9941162915"
STATES = "data/states.csv"
CRIME = "data/crime_2024.csv"
POLICE = "data/police_2024.csv"
HOMICIDE = "homicidio_doloso_victims_2024"

CATALOGUE: dict[str, Entry] = {
    # YAML structure
    "alias-bomb": Entry(
        alias_bomb, (f"scenario.yaml line {END + 1}", "YAML aliases are not supported")
    ),
    "deep-lists": Entry(
        lambda f: append(f, "scenario.yaml", "deep: " + "[" * 999 + "]" * 999 + "\n"),
        (f"scenario.yaml line {END}", "nest"),
    ),
    "deep-mappings": Entry(deep_mappings, (f"scenario.yaml line {END}", "nest")),
    "deep-block-mappings": Entry(
        deep_block, (f"scenario.yaml line {END + 20}", "nested more than 20")
    ),
    "programa-tree-five-levels": Entry(
        lambda f: edit(
            f,
            "scenario.yaml",
            "\nrules:\n",
            "\n  - id: X1\n    children:\n      - id: X2\n        children:\n"
            "          - id: X3\n            children:\n              - id: X4\n"
            "                children:\n                  - id: X5\nrules:\n",
        ),
        ("scenario.yaml: axes[5].children[0].children[0].children[0].children", "deeper than 4"),
    ),
    "calendar-thousand-months": Entry(
        lambda f: append(
            f, "scenario.yaml", "calendar: {months: [" + ",".join(["m"] * 1000) + "]}\n"
        ),
        (f"scenario.yaml: calendar.months (line {END})", "1 to 24 month names"),
    ),
    "sixty-thousand-values": Entry(
        lambda f: append(f, "scenario.yaml", "many: [" + ",".join(["0"] * 60_000) + "]\n"),
        (f"scenario.yaml line {END}", "more than 50,000 values"),
    ),
    "yaml-too-large": Entry(
        lambda f: append(f, "scenario.yaml", "#" + "x" * MAX_YAML_BYTES + "\n"),
        ("scenario.yaml: file 'scenario.yaml' is too large", f"at most {MAX_YAML_BYTES:,}"),
    ),
    "duplicated-keys": Entry(
        lambda f: append(f, "scenario.yaml", "objective: max_min_coverage\n"),
        (f"scenario.yaml: objective (line {line_of('objective:')})", "duplicate key"),
    ),
    "python-object-tag": Entry(
        lambda f: edit(
            f, "scenario.yaml", "name: FASP", "name: !!python/object/apply:os.system [id]"
        ),
        (f"scenario.yaml line {line_of('name: FASP')}", "could not determine a constructor"),
    ),
    "python-name-tag": Entry(
        lambda f: append(f, "scenario.yaml", "x: !!python/name:os.system ''\n"),
        (f"scenario.yaml line {END}", "could not determine a constructor"),
    ),
    "second-document": Entry(
        lambda f: append(f, "scenario.yaml", "---\nname: other\n"),
        (f"scenario.yaml line {END}", "more than one YAML document"),
    ),
    "unhashable-key": Entry(
        lambda f: append(f, "scenario.yaml", "? [a, b]\n: 1\n"),
        (f"scenario.yaml line {END}", "malformed YAML", "unhashable"),
    ),
    "long-unknown-key": Entry(
        lambda f: append(f, "scenario.yaml", "k" * 1000 + ": 1\n"),
        ("scenario.yaml: kkkk", "unknown key 'kkkkk", "(1,000 characters)"),
    ),
    "half-megabyte-key": Entry(
        lambda f: append(f, "scenario.yaml", "k" * 500_000 + ": 1\n"),
        (f"scenario.yaml line {END}", "malformed YAML"),
    ),
    "thousands-of-unknown-keys": Entry(
        lambda f: append(f, "scenario.yaml", "".join(f"extra_{i}: 1\n" for i in range(5_000))),
        (f"scenario.yaml: extra_0 (line {END})", "and 4,900 more problem(s) not listed"),
    ),
    "control-characters-yaml": Entry(
        lambda f: edit(f, "scenario.yaml", "name: FASP", "name: \x1b[31mFASP"),
        ("scenario.yaml", "unknown encoding", "U+001B"),
    ),
    # numbers in the YAML
    "fund-5000-digits": Entry(
        lambda f: edit(f, "scenario.yaml", TOTAL, "total: " + "9" * 5000),
        (f"scenario.yaml: fund.total (line {line_of(TOTAL)})", "5,000 characters"),
    ),
    "fund-1e30": Entry(
        lambda f: edit(f, "scenario.yaml", TOTAL, "total: 1e30"),
        (f"scenario.yaml: fund.total (line {line_of(TOTAL)})", "'1e30' is too large"),
    ),
    "fund-2-to-63": Entry(
        lambda f: edit(f, "scenario.yaml", TOTAL, f"total: {2**63}"),
        (f"scenario.yaml: fund.total (line {line_of(TOTAL)})", "is too large"),
    ),
    "fund-hexadecimal": Entry(
        lambda f: edit(f, "scenario.yaml", TOTAL, "total: 0x" + "F" * 30),
        (f"scenario.yaml: fund.total (line {line_of(TOTAL)})", "is too large"),
    ),
    "fund-huge-negative": Entry(
        lambda f: edit(f, "scenario.yaml", TOTAL, "total: -" + "9" * 30),
        (f"scenario.yaml: fund.total (line {line_of(TOTAL)})", "is negative"),
    ),
    "rounding-unit-huge": Entry(
        lambda f: edit(f, "scenario.yaml", "rounding_unit: 1", "rounding_unit: 1.0e+300"),
        (f"scenario.yaml: fund.rounding_unit (line {line_of('rounding_unit: 1')})", "is too large"),
    ),
    "fiscal-year-huge": Entry(
        lambda f: edit(f, "scenario.yaml", "fiscal_year: 2026", "fiscal_year: " + "2" * 400),
        (f"scenario.yaml: fund.fiscal_year (line {line_of('fiscal_year: 2026')})",),
    ),
    "weight-5000-digits": Entry(
        lambda f: edit(f, "scenario.yaml", "weight: 0.40", "weight: 0." + "4" * 5000),
        (
            f"scenario.yaml: criteria[0].weight (line {line_of('weight: 0.40')})",
            "at most 40 characters",
        ),
    ),
    "weight-1e300": Entry(
        lambda f: edit(f, "scenario.yaml", "weight: 0.40", "weight: 1.0e+300"),
        (f"scenario.yaml: criteria[0].weight (line {line_of('weight: 0.40')})", "out of range"),
    ),
    "share-1e300": Entry(
        lambda f: edit(f, "scenario.yaml", "share_min: 0.30", "share_min: 1.0e+300"),
        (f"scenario.yaml: axes[0].share_min (line {line_of('share_min: 0.30')})", "out of range"),
    ),
    "band-upper-1e308": Entry(
        lambda f: edit(f, "scenario.yaml", "upper: 0.10", "upper: 1e308"),
        (f"scenario.yaml: rules.band.upper (line {line_of('upper: 0.10')})", "out of range"),
    ),
    "cell-minimum-2-to-64": Entry(
        lambda f: edit(f, "scenario.yaml", "share: 0.005}", f"amount: {2**64}}}"),
        (
            f"scenario.yaml: rules.cell_minimums[0].amount (line {line_of('share: 0.005}')})",
            "is too large",
        ),
    ),
    "region-code-5000-digits": Entry(
        lambda f: edit(f, "scenario.yaml", 'region: "*"', "region: " + "0" * 5000),
        (
            f"scenario.yaml: rules.cell_minimums[0].region (line {line_of('share: 0.005}')})",
            "unknown region '0000",
        ),
    ),
    # numbers in the CSVs
    "previous-400-digits": Entry(
        lambda f: cell(f, STATES, 2, "fasp_2025_mxn", "7" * 400),
        ("data/states.csv row 2, column fasp_2025_mxn", "400 characters"),
    ),
    "previous-2-to-63": Entry(
        lambda f: cell(f, STATES, 3, "fasp_2025_mxn", str(2**63)),
        ("data/states.csv row 3, column fasp_2025_mxn", "is too large"),
    ),
    "population-1e400": Entry(
        lambda f: cell(f, STATES, 4, "pop_conapo_mid2026", "1e400"),
        ("data/states.csv row 4, column pop_conapo_mid2026", "is too large"),
    ),
    "indicator-1e300": Entry(
        lambda f: cell(f, CRIME, 2, HOMICIDE, "1e300"),
        (f"data/crime_2024.csv row 2, column {HOMICIDE}", "out of range"),
    ),
    "indicator-subnormal": Entry(
        lambda f: cell(f, POLICE, 2, "tasa_policial_per_1000hab", "1e-320"),
        ("data/police_2024.csv row 2, column tasa_policial_per_1000hab", "out of range"),
    ),
    "indicator-400-digits": Entry(
        lambda f: cell(f, CRIME, 5, HOMICIDE, "9" * 400),
        (f"data/crime_2024.csv row 5, column {HOMICIDE}", "too long for a number"),
    ),
    # bytes and encodings
    "nul-bytes-yaml": Entry(
        lambda f: edit(f, "scenario.yaml", "name: FASP", "name: FA\x00SP"),
        ("scenario.yaml", "NUL bytes"),
    ),
    "nul-bytes-csv": Entry(
        lambda f: cell(f, STATES, 2, "entidad", "Agua\x00scalientes"),
        ("data/states.csv", "NUL bytes"),
    ),
    "binary-garbage-yaml": Entry(
        lambda f: garbage(f, "scenario.yaml"), ("scenario.yaml", "binary")
    ),
    "binary-garbage-csv": Entry(lambda f: garbage(f, STATES), ("data/states.csv", "binary")),
    "utf16-yaml": Entry(
        lambda f: recode(f, "scenario.yaml", "utf-16"), ("scenario.yaml", "UTF-16")
    ),
    "utf16-csv": Entry(lambda f: recode(f, STATES, "utf-16"), ("data/states.csv", "UTF-16")),
    "utf32-csv": Entry(lambda f: recode(f, STATES, "utf-32"), ("data/states.csv", "encoding")),
    "ebcdic-csv": Entry(lambda f: recode(f, STATES, "cp500"), ("data/states.csv", "binary")),
    "bom-in-the-middle": Entry(
        lambda f: cell(f, STATES, 3, "cve_ent", "\ufeff02"),
        ("data/states.csv: line 3 contains a byte-order mark",),
    ),
    # table shapes and sizes
    "fifty-thousand-rows": Entry(
        lambda f: append(f, CRIME, "".join(f"{100 + i},X,1,1.5,1,1.5\n" for i in range(50_000))),
        ("data/crime_2024.csv row 34, column cve_ent", "and 49,900 more problem(s) not listed"),
    ),
    "ten-thousand-columns": Entry(wide_states, ("data/states.csv row 1", "at most 1,000")),
    "megabyte-cell": Entry(
        lambda f: cell(f, STATES, 2, "entidad", "A" * 5_000_000),
        ("data/states.csv row 2", "5,000,000 characters"),
    ),
    "unclosed-quote": Entry(
        lambda f: cell(f, STATES, 3, "entidad", '"Baja California'),
        ("data/states.csv row", "not a valid CSV table"),
    ),
    "csv-too-large": Entry(
        lambda f: append(f, STATES, "#" * MAX_CSV_BYTES + "\n"),
        (f"scenario.yaml: regions.file (line {line_of('file: data/states.csv')})", "too large"),
    ),
    "too-many-regions": Entry(
        lambda f: states_rows(f, MAX_REGIONS + 1),
        ("data/states.csv row 10002", f"at most {MAX_REGIONS:,} regions"),
    ),
    "hundred-and-one-tables": Entry(
        many_tables,
        (
            f"scenario.yaml: indicators[99].file (line {line_of('indicators:') + 100})",
            "more than 100 CSV files",
        ),
    ),
    "large-file-named-three-times": Entry(
        repeated_large_file,
        (
            f"scenario.yaml: indicators[2].file (line {line_of('indicators:') + 3})",
            "add up to more than 67,108,864 bytes",
        ),
    ),
    "too-many-axes": Entry(many_axes, ("scenario.yaml: axes (line", f"at most {MAX_AXES}")),
    # nested criteria and declared indicators (issue 10)
    "criteria-nested-five-deep": Entry(
        deep_categories,
        ("scenario.yaml: criteria[0].criteria[0].criteria[0] (line", "nest at most 3 levels"),
    ),
    "thousand-declared-indicators": Entry(
        lambda f: declared(f, 1_000, "[pop_conapo_mid2026]"),
        (
            "scenario.yaml: indicators (line",
            "indicators: a scenario may declare at most 100",
        ),
    ),
    "declared-ring": Entry(
        lambda f: (
            edit(
                f,
                "scenario.yaml",
                "    of: [homicidio_doloso_victims_2024, pop_conapo_mid2026]",
                "    of: [extorsion_100k, pop_conapo_mid2026]",
            )
            or edit(
                f,
                "scenario.yaml",
                "    of: [extorsion_victims_2024, pop_conapo_mid2026]",
                "    of: [homicidios_100k, pop_conapo_mid2026]",
            )
        ),
        ("scenario.yaml: indicators[2].of (line", "are built from each other: a cycle"),
    ),
    "declared-rate-overflow": Entry(
        lambda f: (
            cell(f, CRIME, 2, HOMICIDE, "1e15") or cell(f, STATES, 2, "pop_conapo_mid2026", "1")
        ),
        ("data/states.csv row 2 (declared indicator 'homicidios_100k'", "rescale the indicator"),
    ),
    # the file system
    "symlink-out-of-folder": Entry(
        symlink_out,
        (
            f"scenario.yaml: regions.file (line {line_of('file: data/states.csv')})",
            "outside the scenario folder",
        ),
    ),
    "symlink-loop": Entry(
        symlink_loop,
        (
            f"scenario.yaml: regions.file (line {line_of('file: data/states.csv')})",
            "leads back to itself",
        ),
    ),
    "named-pipe": Entry(
        fifo,
        (
            f"scenario.yaml: regions.file (line {line_of('file: data/states.csv')})",
            "not a regular file",
        ),
    ),
    "folder-instead-of-file": Entry(
        folder_instead,
        (f"scenario.yaml: regions.file (line {line_of('file: data/states.csv')})", "is a folder"),
    ),
}


def build(root: Path) -> dict[str, Path]:
    """Write every catalogue entry under ``root``; returns entry -> scenario folder."""
    out = {}
    for name, entry in CATALOGUE.items():
        folder = root / name
        shutil.copytree(BASE, folder)
        entry.build(folder)
        out[name] = folder
    return out


# ---------------------------------------------------------------------------------- running


@dataclass(frozen=True)
class Run:
    """One finished command: exit code, output, wall and CPU time, and peak memory."""

    code: int
    stdout: str
    stderr: str
    seconds: float
    cpu_seconds: float
    peak_mib: float


def run_limited(args: list[str]) -> Run:
    """Run ``args`` under the address-space limit; time it and read its own peak RSS."""
    command = [sys.executable, "-c", _LIMITED, str(MEMORY_LIMIT), *args]
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.monotonic()
        process = subprocess.Popen(command, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        # A hung command is killed well after the limit so that the test reports its time.
        killer = threading.Timer(TIME_LIMIT * 3, process.kill)
        killer.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
        finally:
            killer.cancel()
        seconds = time.monotonic() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Run(
            code=process.returncode,
            stdout=out.read().decode("utf-8", "replace"),
            stderr=err.read().decode("utf-8", "replace"),
            seconds=seconds,
            cpu_seconds=usage.ru_utime + usage.ru_stime,
            peak_mib=usage.ru_maxrss / 1024,
        )


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Run]:
    """Both commands on every entry, two at a time."""
    folders = build(tmp_path_factory.mktemp("hostile"))
    jobs = [(name, command) for name in folders for command in COMMANDS]

    def one(job: tuple[str, str]) -> Run:
        name, command = job
        return run_limited(
            # In English: the expected texts below are the English messages.
            [
                sys.executable,
                "-m",
                "optimizer.cli",
                command,
                str(folders[name] / "scenario.yaml"),
                "--lang",
                "en",
            ]
        )

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(jobs, pool.map(one, jobs), strict=True))


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_hostile_input_is_located_bad_input(
    name: str, command: str, results: dict[tuple[str, str], Run]
) -> None:
    """The command exits 2 or 3 naming the place, with no traceback, in time and memory."""
    run = results[(name, command)]
    output = run.stdout + run.stderr
    assert run.code in (2, 3), f"exit {run.code}:\n{output[:3000]}"
    for text in CATALOGUE[name].expected:
        assert text in run.stderr, f"{text!r} not in:\n{run.stderr[:3000]}"
    assert "Traceback" not in output
    assert "internal error" not in output
    # CPU time is the work done whatever else the machine runs; the wall time gets slack for a
    # loaded machine (the command is killed at three times the limit).
    assert run.cpu_seconds < TIME_LIMIT, run.cpu_seconds
    assert run.seconds < TIME_LIMIT * 2, run.seconds
    assert run.peak_mib < MEMORY_LIMIT / 1024**2, run.peak_mib
    assert len(run.stderr) < 50_000


def test_catalogue_covers_the_issue() -> None:
    """Every kind of hostile input the hardening issue lists has at least one entry."""
    kinds = (
        "alias",
        "deep",
        "fund-5000",
        "fund-1e30",
        "nul-bytes",
        "binary-garbage",
        "fifty-thousand-rows",
        "ten-thousand-columns",
        "megabyte-cell",
        "utf16",
        "bom-in-the-middle",
        "duplicated-keys",
        "python-object-tag",
        "symlink-out",
    )
    for kind in kinds:
        assert any(kind in name for name in CATALOGUE), kind
    assert len(CATALOGUE) >= 40


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "hostile")
    target.mkdir(parents=True, exist_ok=True)
    for entry_name, entry_folder in build(target).items():
        print(entry_name, entry_folder)
