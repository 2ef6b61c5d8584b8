"""Benchmark: every pipeline stage against the bare solver, from 32 states to 2,469 municipalities.

``python bench/run.py`` writes ``bench/RESULTS.md``; ``--quick`` (small sizes, one repetition,
well under a minute) is what CI runs, and prints its report on stdout unless ``--output`` names a
file: quick numbers never replace the recorded ones. Nothing here asserts anything about time:
the numbers are for people to read.

For each size, in a fresh process (so that the peak memory is that size's own):

- ``allocate()`` end to end, per stage (checks, targets, build, solve, verify, round, justify)
  plus serialising the plan to JSON; medians of ``--repeat`` runs after one warm-up run;
- the limit: the raw HiGHS solves of exactly the LPs that run passed to HiGHS (captured from the
  run, then each one passed to a fresh ``highspy.Highs`` with the same options outside the
  timing; only ``run()`` is timed), summed over the run's LPs;
- the common alternative: the same LPs written with idiomatic PuLP (one variable per column,
  one ``lpSum`` per row) and solved with CBC through ``PULP_CBC_CMD``, build and solve timed;
- the peak resident memory of the process after the ``allocate()`` runs.

Then a gRPC load generator (loopback only, bounded in calls and seconds) measures ``Allocate`` of
fasp-2026 (uploaded as files) at concurrency 1, 4 and 16, next to in-process ``allocate()``
throughput with the same number of worker processes.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.generate import MUNICIPALITIES, write_scenario  # noqa: E402
from bench.stressed import run_all as run_stressed  # noqa: E402

FASP = ROOT / "scenarios" / "fasp-2026" / "scenario.yaml"
RESULTS = ROOT / "bench" / "RESULTS.md"
STAGES = (
    "checks",
    "targets",
    "build",
    "solve",
    "verify",
    "round",
    "justify",
    "cells",
    "hash",
    "serialise",
)

# (label, regions, axes); regions None means the shipped fasp-2026 scenario.
FULL_SIZES: tuple[tuple[str, int | None, int], ...] = (
    ("fasp-2026 (shipped)", None, 9),
    (f"{MUNICIPALITIES:,} x 9", MUNICIPALITIES, 9),
    (f"{MUNICIPALITIES:,} x 24", MUNICIPALITIES, 24),
    ("10,000 x 24", 10_000, 24),
)
QUICK_SIZES: tuple[tuple[str, int | None, int], ...] = (
    ("fasp-2026 (shipped)", None, 9),
    ("120 x 6", 120, 6),
)


# --------------------------------------------------------------------------------------------
# One size, in a child process
# --------------------------------------------------------------------------------------------


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _capture_lps(run: Callable[[], object]) -> tuple[list[Any], list[float]]:
    """Every LP that ``run`` passes to HiGHS (copies of the HighsLp) and its in-run solve time."""
    import highspy

    captured: list[Any] = []
    seconds: list[float] = []
    original = highspy.Highs.run

    def spy(self: Any) -> Any:
        captured.append(self.getLp())
        start = time.perf_counter()
        status = original(self)
        seconds.append(time.perf_counter() - start)
        return status

    highspy.Highs.run = spy  # type: ignore[method-assign]
    try:
        run()
    finally:
        highspy.Highs.run = original  # type: ignore[method-assign]
    return captured, seconds


def _raw_highs(lps: list[Any]) -> float:
    """Seconds HiGHS alone needs for the LPs: model passed outside the timing, run() timed."""
    import highspy

    from optimizer.solve import HIGHS_OPTIONS

    total = 0.0
    for lp in lps:
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.setOptionValue("threads", 1)
        for key, value in HIGHS_OPTIONS.items():
            h.setOptionValue(key, value)
        h.passModel(lp)
        start = time.perf_counter()
        h.run()
        total += time.perf_counter() - start
    return total


def _pulp_cbc(lp: Any) -> tuple[float, float]:
    """(build seconds, solve seconds) of one HighsLp written with idiomatic PuLP, solved by CBC."""
    import highspy
    import pulp

    start = time.perf_counter()
    prob = pulp.LpProblem("same_lp", pulp.LpMinimize)
    inf = 1e30
    xs = [
        pulp.LpVariable(
            f"v{j}",
            lowBound=None if lo <= -inf else lo,
            upBound=None if hi >= inf else hi,
        )
        for j, (lo, hi) in enumerate(zip(lp.col_lower_, lp.col_upper_, strict=True))
    ]
    rows: list[list[tuple[Any, float]]] = [[] for _ in range(lp.num_row_)]
    a = lp.a_matrix_
    starts, index, value = list(a.start_), list(a.index_), list(a.value_)
    if a.format_ == highspy.MatrixFormat.kColwise:
        for j in range(lp.num_col_):
            for k in range(starts[j], starts[j + 1]):
                rows[index[k]].append((xs[j], value[k]))
    else:
        for i in range(lp.num_row_):
            rows[i] = [(xs[index[k]], value[k]) for k in range(starts[i], starts[i + 1])]
    for i, (lo, hi) in enumerate(zip(lp.row_lower_, lp.row_upper_, strict=True)):
        expr = pulp.LpAffineExpression(rows[i])
        if lo == hi:
            prob += expr == lo, f"r{i}"
            continue
        if lo > -inf:
            prob += expr >= lo, f"r{i}_lo"
        if hi < inf:
            prob += expr <= hi, f"r{i}_hi"
    prob += pulp.lpSum(c * x for c, x in zip(lp.col_cost_, xs, strict=True) if c)
    build = time.perf_counter() - start
    start = time.perf_counter()
    prob.solve(pulp.PULP_CBC_CMD(msg=False, threads=1))
    return build, time.perf_counter() - start


def _levels_reference(scenario: Any) -> dict[str, Any]:
    """Raw HiGHS on the LPs of the pure-LP formulation (the levels of LPs, no closed form).

    ``allocate()`` now solves one small LP that certifies the closed form; what an LP-only
    implementation of the same objective needs is this sequence of LPs over every cell.
    """
    import functools

    from optimizer import pipeline
    from optimizer.objectives import optimise

    original = pipeline.optimise
    pipeline.optimise = functools.partial(optimise, closed_form=False)  # type: ignore[assignment]
    try:
        start = time.perf_counter()
        lps, _ = _capture_lps(lambda: pipeline.allocate(scenario))
        run_seconds = time.perf_counter() - start
    finally:
        pipeline.optimise = original  # type: ignore[assignment]
    return {"lps": len(lps), "raw": _raw_highs(lps), "allocate": run_seconds}


def measure_size(
    regions: int | None, axes: int, repeat: int, cbc_lps: int, levels: bool = False
) -> dict[str, Any]:
    """Everything measured for one size (run in a fresh process by :func:`main`)."""
    import gc

    import pulp

    from optimizer.io import load_scenario
    from optimizer.io.results import plan_to_json
    from optimizer.pipeline import allocate
    from optimizer.service.convert import plan_into_proto
    from optimizer.v1 import allocation_pb2 as pb

    with tempfile.TemporaryDirectory() as tmp:
        path = FASP if regions is None else write_scenario(Path(tmp), regions=regions, axes=axes)
        scenario = load_scenario(path)
    baseline = _peak_mib()
    if repeat > 1 or len(scenario.regions) < 500:
        # Warm-up: imports, caches, first HiGHS object. A single run of a municipal size lasts
        # minutes, where the warm-up's milliseconds do not matter.
        allocate(scenario)
    runs: list[dict[str, float]] = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        plan = allocate(scenario)
        end = time.perf_counter()
        # The common path: the plan as the service's reply (proto message, then bytes).
        proto_start = time.perf_counter()
        message = pb.Allocation()
        plan_into_proto(plan, message)
        message.SerializeToString()
        serialise = time.perf_counter() - proto_start
        json_start = time.perf_counter()
        plan_to_json(plan)
        stages = dict(plan.stats.stage_seconds)
        stages["json"] = time.perf_counter() - json_start
        stages["serialise"] = serialise
        stages["allocate"] = end - start
        stages["stages"] = sum(plan.stats.stage_seconds.values())
        stages["total"] = end - start + serialise
        runs.append(stages)
    peak = _peak_mib()
    lps, in_run = _capture_lps(lambda: allocate(scenario))
    raw = [_raw_highs(lps) for _ in range(repeat)]
    out: dict[str, Any] = {
        "regions": len(scenario.regions),
        "axes": len(scenario.effective_axes),
        "lp_solves": plan.stats.lp_solves,
        "lp_rows": [lp.num_row_ for lp in lps],
        "lp_cols": [lp.num_col_ for lp in lps],
        "median": {
            key: statistics.median(r.get(key, 0.0) for r in runs)
            for key in (*STAGES, "allocate", "total", "json", "stages")
        },
        "stages_reported": sorted({k for r in runs for k in r}),
        "raw_highs": statistics.median(raw),
        "highs_in_run": sum(in_run),
        "peak_mib": peak,
        "baseline_mib": baseline,
        "repeat": repeat,
    }
    out["levels"] = _levels_reference(scenario) if levels else None
    if pulp.PULP_CBC_CMD().available():
        chosen = list(range(len(lps))) if cbc_lps <= 0 else list(range(min(cbc_lps, len(lps))))
        builds, solves = [], []
        for k in chosen:
            b, s = _pulp_cbc(lps[k])
            builds.append(b)
            solves.append(s)
        raw_chosen = _raw_highs([lps[k] for k in chosen])
        # Scale the measured LPs to the whole run by their share of the raw HiGHS time.
        factor = out["raw_highs"] / raw_chosen if raw_chosen > 0 else 1.0
        out["cbc"] = {
            "lps": len(chosen),
            "build": sum(builds) * factor,
            "solve": sum(solves) * factor,
            "extrapolated": len(chosen) < len(lps),
        }
    else:
        out["cbc"] = None
    return out


# --------------------------------------------------------------------------------------------
# gRPC load and in-process throughput (fasp-2026)
# --------------------------------------------------------------------------------------------


def _allocate_once(scenario: Any) -> int:
    from optimizer.pipeline import allocate

    return allocate(scenario).total


def _warm(_: int) -> int:
    import optimizer.pipeline  # noqa: F401 - the import is the point

    return 0


def in_process_throughput(workers: int, calls: int) -> float:
    """Allocations per second of ``allocate(fasp-2026)`` on ``workers`` processes."""
    import multiprocessing

    from optimizer.io import load_scenario

    scenario = load_scenario(FASP)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        list(pool.map(_warm, range(workers)))
        list(pool.map(_allocate_once, [scenario] * (2 * workers)))  # warm-up solves
        start = time.perf_counter()
        list(pool.map(_allocate_once, [scenario] * calls))
        return calls / (time.perf_counter() - start)


def grpc_load(
    concurrencies: tuple[int, ...], calls: int, seconds: float, workers: int
) -> dict[str, Any]:
    """p50/p99 latency and throughput of Allocate(fasp-2026 files) on a loopback server."""
    try:
        import grpc

        from optimizer.service.server import create_server
        from optimizer.v1 import allocation_pb2 as pb
        from optimizer.v1 import allocation_pb2_grpc as pb_grpc
    except Exception as err:  # the service is optional for the rest of the benchmark
        return {"error": f"service not usable: {type(err).__name__}: {err}"}

    folder = FASP.parent
    files = [
        pb.ScenarioFile(name=p.relative_to(folder).as_posix(), content=p.read_bytes())
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.suffix in {".yaml", ".csv"}
    ]
    request = pb.AllocateRequest(files=pb.ScenarioFiles(files=files, main="scenario.yaml"))
    results: dict[str, Any] = {"workers": workers, "levels": []}
    with tempfile.TemporaryDirectory() as tmp:
        try:
            server, port = create_server(
                "127.0.0.1:0", store=f"sqlite:///{tmp}/audit.sqlite3", workers=workers
            )
            server.start()
        except Exception as err:
            return {"error": f"service not usable: {type(err).__name__}: {err}"}
        try:
            with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
                stub = pb_grpc.AllocationServiceStub(channel)
                for _ in range(2 * workers):  # warm-up
                    stub.Allocate(request, timeout=120)
                for concurrency in concurrencies:
                    results["levels"].append(
                        _drive(
                            lambda: stub.Allocate(request, timeout=120), concurrency, calls, seconds
                        )
                    )
        finally:
            server.stop(1.0)
    return results


def _drive(
    call: Callable[[], object], concurrency: int, calls: int, seconds: float
) -> dict[str, Any]:
    """``concurrency`` client threads sharing at most ``calls`` calls and ``seconds`` seconds."""
    latencies: list[float] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds
    left = [calls]

    def client() -> None:
        while time.perf_counter() < deadline:
            with lock:
                if left[0] <= 0:
                    return
                left[0] -= 1
            start = time.perf_counter()
            call()
            elapsed = time.perf_counter() - start
            with lock:
                latencies.append(elapsed)

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as threads:
        for future in [threads.submit(client) for _ in range(concurrency)]:
            future.result()
    wall = time.perf_counter() - start
    latencies.sort()
    return {
        "concurrency": concurrency,
        "calls": len(latencies),
        "p50": _quantile(latencies, 0.50),
        "p99": _quantile(latencies, 0.99),
        "throughput": len(latencies) / wall,
    }


def _quantile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    k = min(len(values) - 1, max(0, round(q * (len(values) - 1))))
    return values[k]


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------


def machine() -> list[str]:
    """Cores, memory, CPU model and versions; no paths, no host names."""
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    versions = []
    for package in ("fund-allocation-optimizer", "pulp", "highspy", "numpy", "pandas", "grpcio"):
        try:
            versions.append(f"{package} {version(package)}")
        except PackageNotFoundError:
            versions.append(f"{package} ?")
    return [
        f"- CPU: {cpu}; {os.cpu_count()} logical cores ({usable} usable by this process)",
        f"- Memory: {memory}",
        f"- OS: {platform.system()} {platform.release().split('-')[0]} {platform.machine()}",
        f"- Python {platform.python_version()} ({platform.python_implementation()}); "
        + ", ".join(versions),
    ]


def _ms(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds >= 10:
        return f"{seconds:,.1f} s"
    if seconds >= 1:
        return f"{seconds:.2f} s"
    return f"{seconds * 1000:.1f} ms"


def render(sizes: list[tuple[str, dict[str, Any]]], load: dict[str, Any] | None, args: Any) -> str:
    """The markdown report."""
    lines = [
        "# Benchmark results",
        "",
        f"Written by `python bench/run.py{' --quick' if args.quick else ''}"
        f"{f' --large-repeat {args.large_repeat}' if args.large_repeat else ''}"
        f"{' --skip-levels' if args.skip_levels else ''}` "
        f"on {time.strftime('%Y-%m-%d')}. Medians of the runs shown in the `runs` column, after a "
        "warm-up run (none for single runs of the municipal sizes), in a fresh process per size. The limit is HiGHS alone (`highspy`, same options, one "
        "thread) solving exactly the LPs that `allocate()` passed to it, each model passed "
        "outside the timing; ratios are to that limit.",
        "",
        "## Machine",
        "",
        *machine(),
        "",
        "## allocate() per stage",
        "",
        "| size | runs | LPs | "
        + " | ".join(STAGES)
        + " | allocate() | allocate() + serialise | raw HiGHS (limit) "
        "| ratio | PuLP + CBC | CBC ratio | raw HiGHS, LP-only formulation | ratio to it "
        "| peak RSS |",
        "| --- | ---: | ---: | "
        + " | ".join("---:" for _ in STAGES)
        + " | ---: | ---: | ---: | ---: | ---: "
        "| ---: | ---: | ---: | ---: |",
    ]
    for label, r in sizes:
        med = r["median"]
        raw = r["raw_highs"]
        cbc = r["cbc"]
        cbc_total = None if cbc is None else cbc["build"] + cbc["solve"]
        cbc_text = (
            "not available"
            if cbc is None
            else _ms(cbc_total) + (" (est.)" if cbc["extrapolated"] else "")
        )
        cbc_ratio = "-" if cbc_total is None else f"{cbc_total / raw:.2f}x"
        levels = r.get("levels")
        levels_text = "-" if not levels else f"{_ms(levels['raw'])} ({levels['lps']} LPs)"
        levels_ratio = "-" if not levels else f"**{med['total'] / levels['raw']:.3f}x**"
        lines.append(
            f"| {label} | {r['repeat']} | {r['lp_solves']} | "
            + " | ".join(_ms(med.get(s)) if s in r["stages_reported"] else "-" for s in STAGES)
            + f" | {_ms(med['allocate'])} | **{_ms(med['total'])}** | {_ms(raw)} | **{med['total'] / raw:.2f}x** "
            f"| {cbc_text} | {cbc_ratio} | {levels_text} | {levels_ratio} | {r['peak_mib']:.0f} MiB |"
        )
    lines += [
        "",
        "Stage columns: `checks` (semantic checks), `targets` (formula targets and integer bounds), "
        "`build` (LP rows and passing them to HiGHS), `solve` (HiGHS `run()` and reading results, "
        "all levels of the lexicographic objective), `verify` (our re-check of the LP solution), "
        "`round` (exact pesos and their re-check), `justify`, `cells` (the plan's cell "
        "columns), `hash` (SHA-256 of the canonical input); these add up to `allocate()`. "
        "`serialise`: the plan as the service's reply (`plan_into_proto` and "
        "`SerializeToString`), the common path's second half. "
        "A `-` means the engine did not report that stage separately. Peak RSS is the whole "
        "process (Python, NumPy, PuLP, HiGHS) after the runs.",
        "",
    ]
    for label, r in sizes:
        rows = r["lp_rows"]
        cols = r["lp_cols"]
        cbc = r["cbc"]
        detail = (
            f"- {label}: {r['regions']} regions x {r['axes']} axes; {r['lp_solves']} LP solves "
            f"(largest {max(rows):,} rows x {max(cols):,} columns); HiGHS inside the run "
            f"{_ms(r['highs_in_run'])}"
        )
        med = r["median"]
        if med.get("stages"):
            detail += (
                f"; stages add up to {med['stages'] / med['allocate']:.0%} of `allocate()`; "
                f"`plan_to_json` {_ms(med.get('json'))}"
            )
        if cbc is not None:
            detail += f"; PuLP+CBC: build {_ms(cbc['build'])}, solve {_ms(cbc['solve'])}" + (
                f" (measured on the first {cbc['lps']} LPs, scaled to all by their share of "
                "the raw HiGHS time)"
                if cbc["extrapolated"]
                else ""
            )
        lines.append(detail)
    if sizes and all(r["cbc"] is None for _, r in sizes):
        lines.append(
            "- CBC is not available in this PuLP installation (`PULP_CBC_CMD().available()`)."
        )
    lines += ["", "## gRPC Allocate (fasp-2026 uploaded as files, loopback)", ""]
    if load is None:
        lines.append("Skipped (`--skip-grpc`).")
    elif "error" in load:
        lines.append(f"Not measured: {load['error']}.")
    else:
        lines += [
            f"Server with {load['workers']} worker processes and a SQLite audit store (every call "
            "is stored before the reply). In-process: `allocate()` of the same scenario on a "
            "process pool of the same size (no files to read, no store).",
            "",
            "| concurrency | calls | p50 | p99 | p99/p50 | throughput | in-process throughput | "
            "gRPC / in-process |",
            "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        inproc = load["in_process"]
        for level in load["levels"]:
            lines.append(
                f"| {level['concurrency']} | {level['calls']} | {_ms(level['p50'])} | "
                f"{_ms(level['p99'])} | {level['p99'] / level['p50']:.1f} | "
                f"{level['throughput']:.1f}/s | {inproc:.1f}/s | "
                f"{level['throughput'] / inproc:.0%} |"
            )
        lines.append("")
        lines.append(
            "In-process `allocate()` throughput: "
            + ", ".join(f"{w} process(es) {t:.1f}/s" for w, t in load["in_process_by_workers"])
            + "."
        )
    if args.notes and Path(args.notes).exists():
        lines += ["", Path(args.notes).read_text(encoding="utf-8").rstrip()]
    return "\n".join(lines) + "\n"


KEPT_SECTION = re.compile(r"<!-- (bench/\S+) begins -->.*?<!-- \1 ends -->", re.DOTALL)
"""A section another script writes into the same file (``bench/startup.py``)."""


def kept_sections(path: Path) -> str:
    """The other scripts' marked sections of ``path``, to carry over when rewriting it."""
    if not path.exists():
        return ""
    found = KEPT_SECTION.finditer(path.read_text(encoding="utf-8"))
    return "".join(f"\n{match.group(0)}\n" for match in found)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and write the report."""
    parser = argparse.ArgumentParser(description="Benchmark allocate() against raw HiGHS.")
    parser.add_argument("--quick", action="store_true", help="small sizes, one repetition")
    parser.add_argument(
        "--output",
        type=Path,
        default=None,
        help="report file (default: bench/RESULTS.md; with --quick, stdout)",
    )
    parser.add_argument("--repeat", type=int, default=None, help="runs per size (default 5)")
    parser.add_argument("--sizes", default=None, help="comma-separated labels' indexes, e.g. 0,2")
    parser.add_argument(
        "--large-repeat",
        type=int,
        default=None,
        help="runs per municipal size (default: --repeat); one run lasts minutes there",
    )
    parser.add_argument("--skip-grpc", action="store_true")
    parser.add_argument(
        "--skip-levels",
        action="store_true",
        help="do not measure the LP-only formulation (minutes at municipal sizes)",
    )
    parser.add_argument("--skip-stressed", action="store_true", help="no stressed sizes")
    parser.add_argument(
        "--stressed-budget", type=float, default=600.0, help="seconds per stressed run"
    )
    parser.add_argument("--save-json", default=None, help="also write the measurements as JSON")
    parser.add_argument("--notes", default=str(ROOT / "bench" / "NOTES.md"))
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child is not None:
        regions, axes, repeat, cbc_lps, levels = json.loads(args.child)
        print(json.dumps(measure_size(regions, axes, repeat, cbc_lps, levels)))
        return 0
    args.repeat = args.repeat or (1 if args.quick else 5)
    table = QUICK_SIZES if args.quick else FULL_SIZES
    if args.sizes:
        table = tuple(table[int(i)] for i in args.sizes.split(","))
    sizes: list[tuple[str, dict[str, Any]]] = []
    for label, regions, axes in table:
        # CBC on every LP of the small sizes; on the first 3 LPs of the municipal ones.
        cbc_lps = 0 if (regions is None or regions < 500) else 3
        repeat = args.repeat
        if regions is not None and regions >= 500 and args.large_repeat:
            repeat = args.large_repeat
        # The LP-only reference lasts minutes at 2,469 regions; beyond that it is not run.
        levels = not args.quick and not args.skip_levels and (regions or 0) <= MUNICIPALITIES
        spec = json.dumps([regions, axes, repeat, cbc_lps, levels])
        print(f"== {label}", file=sys.stderr, flush=True)
        done = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--child", spec],
            check=True,
            capture_output=True,
            text=True,
        )
        result = json.loads(done.stdout.strip().splitlines()[-1])
        sizes.append((label, result))
        print(
            f"   allocate+serialise {_ms(result['median']['total'])}, raw HiGHS "
            f"{_ms(result['raw_highs'])}, ratio {result['median']['total'] / result['raw_highs']:.2f}",
            file=sys.stderr,
            flush=True,
        )
    load: dict[str, Any] | None = None
    if not args.skip_grpc:
        workers = 2
        print("== gRPC load", file=sys.stderr, flush=True)
        calls, seconds = (8, 10.0) if args.quick else (400, 30.0)
        load = grpc_load((1, 4, 16), calls, seconds, workers)
        if "error" not in load:
            per = (8 if args.quick else 200, 8 if args.quick else 400)
            by_workers = [
                (1, in_process_throughput(1, per[0])),
                (2, in_process_throughput(2, per[1])),
            ]
            load["in_process_by_workers"] = by_workers
            load["in_process"] = by_workers[-1][1]
    report = render(sizes, load, args)
    if not args.skip_stressed:
        report += run_stressed(args.quick, args.stressed_budget)
    output = args.output or (None if args.quick else RESULTS)
    if output is None:
        sys.stdout.write(report)
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        report += kept_sections(output)
        output.write_text(report, encoding="utf-8")
        print(f"wrote {output.name}", file=sys.stderr)
    if args.save_json:
        Path(args.save_json).write_text(json.dumps({"sizes": sizes, "load": load}, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
