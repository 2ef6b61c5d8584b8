"""Benchmark: wall time of the short ``fsf`` commands a planner runs dozens of times a day.

``python bench/startup.py`` prints a markdown section; ``--record`` writes it into
``bench/RESULTS.md`` between its markers (``bench/run.py`` keeps the section when it rewrites
the file). Nothing here asserts anything about time: ``tests/test_cli_startup.py`` guards which
modules each command imports, and these numbers are for people to read.

Each command runs in a fresh process, ``--repeat`` times after one warm-up run, so that the
files are in the page cache and this package's bytecode is cached, as on a planner's machine
after the first run (``PYTHONDONTWRITEBYTECODE`` is removed from the commands' environment:
without the cache every run compiles the package again). The table gives the median and the
fastest wall time, the median as a multiple of ``python -c pass`` (the interpreter's own start,
the floor of any command) and the median CPU time (user + system, which grows less than wall
time when other processes compete for the cores). One more run of each under
``python -X importtime`` gives the time spent importing modules and which of the heavy
libraries the command loaded. The load average is printed with the numbers: on a busy 2-core
machine every figure grows with it.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.run import machine  # noqa: E402

FASP = str(ROOT / "scenarios" / "fasp-2026" / "scenario.yaml")
RESULTS = ROOT / "bench" / "RESULTS.md"
BEGIN = "<!-- bench/startup.py begins -->"
END = "<!-- bench/startup.py ends -->"

HEAVY = ("pandas", "numpy", "pulp", "highspy", "sqlalchemy", "grpc", "google.protobuf", "openpyxl")
"""Libraries whose import costs tens of milliseconds or more; the table says which were loaded."""

GOALS = {"fsf validate fasp-2026": 0.5, "fsf solve fasp-2026": 1.0}
"""Issue 8, item 11: wall-time goals in seconds on this project's 2-core machines."""


def commands() -> list[tuple[str, list[str]]]:
    """(label, argv) of every measured command; ``python -c pass`` first, as the baseline."""
    script = Path(sys.executable).with_name("fsf")
    fsf = [str(script)] if script.exists() else [sys.executable, "-m", "optimizer.cli"]
    return [
        ("python -c pass", [sys.executable, "-c", "pass"]),
        ("fsf --version", [*fsf, "--version"]),
        ("fsf validate fasp-2026", [*fsf, "validate", FASP]),
        ("fsf solve fasp-2026", [*fsf, "solve", FASP]),
        ("fsf solve fasp-2026 --format json", [*fsf, "solve", FASP, "--format", "json"]),
    ]


ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
"""The commands' environment: this one, with bytecode caching allowed."""


def run_once(argv: list[str], env: dict[str, str]) -> tuple[float, float] | None:
    """(wall, CPU) seconds of one run of ``argv``, or None when it fails.

    CPU is the child's user + system time: it grows less than wall time when other processes
    compete for the cores.
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        argv, check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env
    )
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        return None
    return elapsed, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def run_times(
    argv: list[str], repeat: int, envs: list[dict[str, str]]
) -> list[tuple[list[float], list[float]] | None]:
    """Per environment, (wall, CPU) seconds of ``repeat`` runs after a warm-up run, or None.

    The environments take turns run by run, so that a change of load hits them alike.
    """
    results: list[tuple[list[float], list[float]] | None] = [([], []) for _ in envs]
    for index in range(repeat + 1):
        for slot, env in enumerate(envs):
            got = results[slot]
            if got is None:
                continue
            times = run_once(argv, env)
            if times is None:
                results[slot] = None
            elif index:
                got[0].append(times[0])
                got[1].append(times[1])
    return results


def import_profile(argv: list[str]) -> tuple[float, list[str]]:
    """(seconds spent importing, heavy libraries loaded) from one run under ``-X importtime``."""
    if argv[0] != sys.executable:
        # The fsf script is `python -c "from optimizer.cli import main; main()"` in effect.
        argv = [sys.executable, "-m", "optimizer.cli", *argv[1:]]
    done = subprocess.run(
        [argv[0], "-X", "importtime", *argv[1:]],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
    )
    total = 0
    loaded = set()
    # "import time: <self us> | <cumulative us> | <indent><module>"; top level has no indent.
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \| ( *)(\S+)", line)
        if not match:
            continue
        cumulative, indent, module = match.groups()
        if not indent:
            total += int(cumulative)
        loaded.update(name for name in HEAVY if module == name or module.startswith(name + "."))
    return total / 1e6, [name for name in HEAVY if name in loaded]


def _fmt(seconds: float) -> str:
    return f"{seconds * 1000:,.0f} ms"


def measure(repeat: int, against: Path | None = None) -> str:
    """The markdown section: machine, load, and one row per command.

    ``against``: a folder holding another version of the ``optimizer`` package (put first on
    ``PYTHONPATH``), measured in turns with this one.
    """
    envs = [ENV]
    if against is not None:
        envs.append({**ENV, "PYTHONPATH": str(against.resolve())})
    load_before = os.getloadavg()[0]
    rows = []
    baseline = None
    for label, argv in commands():
        print(f"== {label}", file=sys.stderr, flush=True)
        results = run_times(argv, repeat, envs)
        ours = results[0]
        if ours is None:
            message = f"{label} failed: run it by hand to see why"
            raise RuntimeError(message)
        times, cpu = ours
        median = statistics.median(times)
        baseline = baseline or median
        imports, heavy = import_profile(argv)
        goal = GOALS.get(label)
        verdict = "" if goal is None else (" (met)" if median < goal else " (missed)")
        row = (
            f"| {label} | {_fmt(median)} | {_fmt(min(times))} | {median / baseline:.1f}x "
            f"| {_fmt(statistics.median(cpu))} | {_fmt(imports)} | {', '.join(heavy) or '-'} "
            f"| {'-' if goal is None else f'< {goal:g} s{verdict}'} |"
        )
        if against is not None:
            other = results[1]
            row += (
                " fails |"
                if other is None
                else f" {_fmt(statistics.median(other[0]))} | {_fmt(statistics.median(other[1]))} |"
            )
        rows.append(row)
    load_after = os.getloadavg()[0]
    command = f"python bench/startup.py --repeat {repeat}" + (
        f" --against {against.name}" if against is not None else ""
    )
    head = (
        "| command | median | fastest | median / `python -c pass` | CPU (median) | imports "
        "| heavy libraries | goal (median) |"
    )
    rule = "| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |"
    if against is not None:
        head += f" median, `{against.name}` | CPU, `{against.name}` |"
        rule += " ---: | ---: |"
    return "\n".join(
        [
            BEGIN,
            "## Start-up time of the fsf command",
            "",
            f"Written by `{command}` on {time.strftime('%Y-%m-%d')}. "
            f"Each command in a fresh process, {repeat} runs after a warm-up run, with Python's "
            "bytecode cache allowed; `CPU` is user + system time; `imports` is "
            "the time spent importing modules in one more run under `python -X importtime`, "
            "`heavy libraries` those of "
            + ", ".join(f"`{name}`" for name in HEAVY)
            + " it loaded. One-minute load average "
            f"{load_before:.1f} before and {load_after:.1f} after (2 cores: above 2, every "
            "wall time is inflated)."
            + (
                f" The last columns: the package in `{against.name}`, run in turns with this one."
                if against is not None
                else ""
            ),
            "",
            *machine(),
            "",
            head,
            rule,
            *rows,
            END,
        ]
    )


def record(section: str, path: Path) -> None:
    """Replace the marked section of ``path`` with ``section``, or append it."""
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    pattern = re.compile(re.escape(BEGIN) + ".*?" + re.escape(END), re.DOTALL)
    if pattern.search(text):
        text = pattern.sub(lambda _: section, text)
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text.rstrip("\n") + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Measure and print the section, or record it into bench/RESULTS.md."""
    parser = argparse.ArgumentParser(description="Wall time of short fsf commands.")
    parser.add_argument("--repeat", type=int, default=20, help="runs per command (default 20)")
    parser.add_argument(
        "--record",
        nargs="?",
        type=Path,
        const=RESULTS,
        default=None,
        metavar="FILE",
        help="write the section into FILE (default bench/RESULTS.md) instead of stdout",
    )
    parser.add_argument(
        "--against",
        type=Path,
        default=None,
        metavar="DIR",
        help="also measure the optimizer package in DIR, in turns with this one (e.g. an older "
        "commit: git archive COMMIT optimizer | tar -x -C DIR)",
    )
    args = parser.parse_args(argv)
    section = measure(args.repeat, args.against)
    if args.record is None:
        print(section)
    else:
        record(section, args.record)
        print(f"wrote the start-up section of {args.record.name}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
