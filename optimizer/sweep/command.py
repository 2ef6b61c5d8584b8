"""``fsf sweep``: the command line of the sensitivity sweeps (parser and command).

The one-at-a-time study always runs (it is the tornado charts' source and costs a few hundred
samples for the states) unless ``--no-one-at-a-time``; ``--monte-carlo N`` and ``--grid`` add
their studies. Exit codes as every ``fsf`` command: 2 for bad input (a step or concentration
that is not positive, N above the cap, a grid over an unknown weight, a scheduler that does not
answer), 130 when interrupted (partial results discarded, nothing written).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import Any

from optimizer.errors import Problem, ScenarioError

EXIT_OK = 0
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130


def _grid_axis(text: str) -> Any:
    """``NAME=START:STOP:STEP`` (``population=0.30:0.50:0.01``)."""
    from optimizer.sweep.study import GridAxis

    name, _, rest = text.partition("=")
    parts = rest.split(":")
    if not name or len(parts) != 3:
        message = f"'{text}': write a grid as WEIGHT=START:STOP:STEP, e.g. pop_2026=0.30:0.50:0.01"
        raise argparse.ArgumentTypeError(message)
    try:
        start, stop, step = (float(p) for p in parts)
    except ValueError:
        message = f"'{text}': START, STOP and STEP must be numbers"
        raise argparse.ArgumentTypeError(message) from None
    return GridAxis(name.strip(), start, stop, step)


def add_parser(sub: Any) -> None:
    """The ``sweep`` subcommand's arguments."""
    p = sub.add_parser(
        "sweep",
        help="sensitivity sweeps: one weight or indicator at a time, Monte Carlo, weight grids",
    )
    p.add_argument("scenario", help="path to the scenario YAML file")
    p.add_argument(
        "--monte-carlo",
        type=int,
        metavar="N",
        help="N samples: Dirichlet weights, noisy indicators",
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the Monte Carlo draws (default 0)")
    p.add_argument(
        "--concentration",
        type=float,
        default=100.0,
        help="Dirichlet concentration around the stated weights (default 100; larger: closer)",
    )
    p.add_argument(
        "--indicator-error",
        type=float,
        default=0.05,
        help="relative error of the indicator values in Monte Carlo (default 0.05; 0: none)",
    )
    p.add_argument(
        "--grid",
        type=_grid_axis,
        action="append",
        metavar="WEIGHT=START:STOP:STEP",
        help="a grid over one weight (give it twice for two), e.g. pop_2026=0.30:0.50:0.01",
    )
    p.add_argument(
        "--step", type=float, default=0.05, help="one at a time: weight step (default 0.05)"
    )
    p.add_argument(
        "--indicator-step",
        type=float,
        default=0.10,
        help="one at a time: relative step of each indicator value (default 0.10)",
    )
    p.add_argument(
        "--band-step",
        type=float,
        default=0.02,
        help="one at a time: step of each band limit (default 0.02)",
    )
    p.add_argument(
        "--no-one-at-a-time",
        action="store_true",
        help="skip the one-at-a-time study (and the tornado charts)",
    )
    p.add_argument(
        "--workers",
        type=int,
        default=None,
        help="processes of the local Dask cluster (default: one per core; 0: in this process, "
        "without Dask)",
    )
    p.add_argument(
        "--scheduler", metavar="tcp://HOST:PORT", help="run on an existing Dask cluster instead"
    )
    p.add_argument(
        "--connect-timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="how long to wait for --scheduler (default 10)",
    )
    p.add_argument("--chunk", type=int, default=None, help="samples per task (default: automatic)")
    p.add_argument(
        "--out",
        metavar="DIR",
        help="write sweep_*.csv, sweep.xlsx, sweep_*.parquet and sweep_report.html into DIR",
    )
    p.add_argument("--lang", choices=["es", "en"], default="es", help="language of the texts")
    p.add_argument(
        "--objective",
        choices=["proportional", "min_total_deviation", "max_min_coverage"],
        help="override the scenario's objective (only proportional has the fast path)",
    )
    p.set_defaults(func=run)


def _bad(where: str, message: str) -> ScenarioError:
    return ScenarioError([Problem(location=where, message=message, field=where)])


def run(args: argparse.Namespace) -> int:
    """Load the scenario, run the studies, print the summary, write ``--out``."""
    from optimizer.domain import Language, Objective
    from optimizer.io import load_scenario
    from optimizer.sweep.outputs import out_files, render_table, write_files
    from optimizer.sweep.runner import SweepSpec, check_stated, prepare
    from optimizer.sweep.study import Grid, MonteCarlo, OneAtATime, Study
    from optimizer.sweep.texts import texts

    language = Language(args.lang)
    t = texts(language)
    log = logging.getLogger("optimizer.sweep")
    if args.out:
        folder = Path(args.out)
        existing = next((p for p in (folder, *folder.parents) if p.exists()), None)
        if existing is not None and not existing.is_dir():
            print(f"error: --out '{args.out}': '{existing}' is not a folder", file=sys.stderr)
            return EXIT_BAD_INPUT
    if args.workers is not None and args.workers < 0:
        raise _bad("--workers", f"{args.workers}: give 0 (in this process) or more workers")
    if args.chunk is not None and args.chunk < 1:
        raise _bad("--chunk", f"{args.chunk}: give at least 1 sample per task")
    if not args.connect_timeout > 0:
        raise _bad("--connect-timeout", f"{args.connect_timeout}: give a positive number")
    studies: list[Study] = []
    if not args.no_one_at_a_time:
        studies.append(OneAtATime(args.step, args.indicator_step, args.band_step))
    if args.monte_carlo is not None:
        studies.append(
            MonteCarlo(args.monte_carlo, args.seed, args.concentration, args.indicator_error)
        )
    if args.grid:
        studies.append(Grid(tuple(args.grid)))
    if not studies:
        raise _bad("--no-one-at-a-time", "no study left: add --monte-carlo N or --grid")
    scenario = load_scenario(args.scenario)
    objective = Objective(args.objective) if args.objective else None
    specs = [SweepSpec(scenario, study, objective) for study in studies]
    prepared = [prepare(spec) for spec in specs]  # every bad input before any work
    sizes = [size for _, size in prepared]
    check_stated(prepared[0][0])  # the stated scenario infeasible: exit 3 with the diagnosis
    workers = (os.cpu_count() or 1) if args.workers is None else args.workers
    runs, code = _run_all(args, specs, sizes, workers, t, log)
    if runs is None:
        return code
    from optimizer.sweep.summary import summarise

    done = [(result, summarise(result)) for result in runs]
    for _, summary in done:
        print(render_table(summary, language))
        print()
    if args.out:
        for path in write_files(Path(args.out), out_files(scenario.name, done, language)):
            log.info("%s %s", t["wrote"], path)
    return EXIT_OK


def _run_all(
    args: argparse.Namespace,
    specs: list[Any],
    sizes: list[int],
    workers: int,
    t: dict[str, str],
    log: logging.Logger,
) -> tuple[list[Any] | None, int]:
    """Every study on the chosen runner; None and the exit code when interrupted or when no
    scheduler answered."""
    from tqdm import tqdm

    from optimizer.sweep.runner import (
        SchedulerUnreachableError,
        close,
        connect,
        run_in_process,
        run_on_dask,
    )

    total = sum(sizes)
    bar = tqdm(total=total, unit=f" {t['progress']}", file=sys.stderr, disable=None, leave=False)
    client = None
    results = []
    try:
        if args.scheduler or workers > 0:
            try:
                client = connect(args.scheduler, workers, args.connect_timeout)
            except SchedulerUnreachableError as err:
                bar.close()
                print(t["no_scheduler"].format(message=err), file=sys.stderr)
                return None, EXIT_BAD_INPUT
        for spec in specs:
            log.info("running %s", spec.study.kind)
            if client is None:
                results.append(run_in_process(spec, chunk=args.chunk, progress=bar.update))
            else:
                results.append(run_on_dask(spec, client, chunk=args.chunk, progress=bar.update))
    except KeyboardInterrupt:
        bar.close()
        print(t["interrupted"].format(done=bar.n, total=total), file=sys.stderr)
        return None, EXIT_INTERRUPTED
    finally:
        bar.close()
        if client is not None:
            close(client)
    return results, EXIT_OK
