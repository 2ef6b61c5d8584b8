"""The common path of two revisions, interleaved in one run: ``allocate()`` + the proto reply.

``python bench/compare_revisions.py BASE [NEW] --size 2469x24 --runs 3 --rounds 3`` exports
both revisions (``git archive``; NEW defaults to the working tree) to temporary folders and
runs them one after the other, ``--rounds`` times, each in a fresh process that measures
``--runs`` calls after a warm-up. On a shared machine absolute times drift from minute to
minute; interleaving keeps the two revisions under the same load, so their ratio means
something. Both use this checkout's ``bench/generate.py`` (same scenario bytes) and the
installed packages. Prints, per revision, the median over every round of each stage,
``allocate()``, ``serialise`` (``plan_into_proto`` and ``SerializeToString``) and their sum,
then NEW / BASE.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

CHILD = """
import gc, json, resource, sys, tempfile, time
from pathlib import Path
tree, regions, axes, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
sys.path.insert(0, tree)
import optimizer
assert optimizer.__file__.startswith(tree), optimizer.__file__
from bench.generate import write_scenario
from optimizer.io import load_scenario
from optimizer.pipeline import allocate
from optimizer.service.convert import plan_into_proto
from optimizer.v1 import allocation_pb2 as pb
import optimizer.checks
# Older revisions refused 10,000 x 24 (their cell limit was 100,000): lift it to compare them.
optimizer.checks.MAX_CELLS = max(getattr(optimizer.checks, "MAX_CELLS", 0), regions * axes)
if regions == 0:
    scenario = load_scenario(Path(tree) / "scenarios/fasp-2026/scenario.yaml")
else:
    with tempfile.TemporaryDirectory() as tmp:
        scenario = load_scenario(write_scenario(Path(tmp), regions=regions, axes=axes))
allocate(scenario)
rows = []
for _ in range(runs):
    gc.collect()
    start = time.perf_counter()
    plan = allocate(scenario)
    middle = time.perf_counter()
    message = pb.Allocation()
    plan_into_proto(plan, message)
    message.SerializeToString()
    end = time.perf_counter()
    row = dict(plan.stats.stage_seconds)
    row.update(allocate=middle - start, serialise=end - middle, total=end - start)
    rows.append(row)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"rows": rows, "peak_mib": peak}))
"""


def export(revision: str | None, folder: Path) -> Path:
    """The revision's files (the working tree when None) with this checkout's generator."""
    target = folder / (revision or "working-tree")
    if revision is None:
        shutil.copytree(ROOT / "optimizer", target / "optimizer")
        shutil.copytree(ROOT / "scenarios", target / "scenarios")
    else:
        archive = folder / "export.tar"
        subprocess.run(
            [
                "git",
                "-C",
                str(ROOT),
                "archive",
                "-o",
                str(archive),
                revision,
                "optimizer",
                "scenarios",
            ],
            check=True,
        )
        target.mkdir(parents=True)
        with tarfile.open(archive) as tar:
            tar.extractall(target, filter="data")
    (target / "bench").mkdir(exist_ok=True)
    shutil.copy(ROOT / "bench" / "generate.py", target / "bench" / "generate.py")
    (target / "bench" / "__init__.py").touch()
    return target


def measure(tree: Path, regions: int, axes: int, runs: int) -> dict[str, Any]:
    """One fresh process of ``runs`` calls (after a warm-up) on ``tree``."""
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(tree), str(regions), str(axes), str(runs)],
        check=True,
        capture_output=True,
        text=True,
        cwd=tempfile.gettempdir(),
    )
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main(argv: list[str] | None = None) -> int:
    """Run both revisions interleaved and print medians and ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", help="git revision to compare against")
    parser.add_argument("new", nargs="?", default=None, help="git revision (default: working tree)")
    parser.add_argument("--size", default="2469x24", help="REGIONSxAXES, or fasp-2026")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    regions, axes = (0, 9) if args.size == "fasp-2026" else map(int, args.size.split("x"))
    rows: dict[str, list[dict[str, float]]] = {"base": [], "new": []}
    peaks: dict[str, float] = {"base": 0.0, "new": 0.0}
    with tempfile.TemporaryDirectory() as tmp:
        trees = {"base": export(args.base, Path(tmp)), "new": export(args.new, Path(tmp))}
        for _ in range(args.rounds):
            for name, tree in trees.items():
                result = measure(tree, regions, axes, args.runs)
                rows[name] += result["rows"]
                peaks[name] = max(peaks[name], result["peak_mib"])
    keys = [k for k in rows["new"][0] if k not in ("allocate", "serialise", "total")]
    keys += ["allocate", "serialise", "total"]
    print(
        f"{args.size}: {len(rows['base'])} calls per revision, interleaved in {args.rounds} rounds"
    )
    print(f"{'':>10} {'base':>10} {'new':>10} {'new/base':>9}")
    for key in keys:
        base = [r[key] for r in rows["base"] if key in r]
        new = [r[key] for r in rows["new"] if key in r]
        b = statistics.median(base) if base else None
        n = statistics.median(new) if new else None
        ratio = f"{n / b:.2f}" if b and n is not None else "-"
        cells = [f"{v * 1000:.1f} ms" if v is not None else "-" for v in (b, n)]
        print(f"{key:>10} {cells[0]:>10} {cells[1]:>10} {ratio:>9}")
    print(f"{'peak RSS':>10} {peaks['base']:>7.0f} MiB {peaks['new']:>6.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
