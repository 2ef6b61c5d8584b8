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
from typing import TYPE_CHECKING, Any

from optimizer.errors import Message, Problem, ScenarioError, problem, text_of, tr
from optimizer.i18n import N_

if TYPE_CHECKING:
    from optimizer.i18n import Texts

EXIT_OK = 0
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130


def _grid_axis(text: str) -> Any:
    """``NAME=START:STOP:STEP`` (``population=0.30:0.50:0.01``)."""
    from optimizer.sweep.study import GridAxis

    name, _, rest = text.partition("=")
    parts = rest.split(":")
    if not name or len(parts) != 3:
        message = tr(
            "'{text}': write a grid as WEIGHT=START:STOP:STEP, e.g. pop_2026=0.30:0.50:0.01",
            text=text,
        )
        raise _bad("--grid", message)
    try:
        start, stop, step = (float(p) for p in parts)
    except ValueError:
        raise _bad(
            "--grid", tr("'{text}': START, STOP and STEP must be numbers", text=text)
        ) from None
    return GridAxis(name.strip(), start, stop, step)


NUMBERS: dict[str, type] = {
    "monte_carlo": int,
    "seed": int,
    "concentration": float,
    "indicator_error": float,
    "step": float,
    "indicator_step": float,
    "band_step": float,
    "workers": int,
    "connect_timeout": float,
    "chunk": int,
}
"""Numeric options: read as text by argparse and converted here, so that a value that is not a
number gets a message in the planner's language naming the option."""


def _numbers(args: argparse.Namespace) -> None:
    """Convert the numeric options in place; :class:`ScenarioError` naming the first bad one."""
    for dest, kind in NUMBERS.items():
        value = getattr(args, dest)
        if not isinstance(value, str):
            continue  # a default, or not given
        option = "--" + dest.replace("_", "-")
        try:
            setattr(args, dest, kind(value))
        except ValueError:
            message = (
                tr("'{value}' is not a whole number", value=value)
                if kind is int
                else tr("'{value}' is not a number", value=value)
            )
            raise _bad(option, message) from None


def add_parser(sub: Any, lang: str = "es") -> None:
    """The ``sweep`` subcommand's arguments (``lang``: the default of ``--lang``)."""
    p = sub.add_parser(
        "sweep",
        help=N_("sensitivity sweeps: one weight or indicator at a time, Monte Carlo, weight grids"),
    )
    p.add_argument("scenario", help=N_("path to the scenario YAML file"))
    p.add_argument(
        "--monte-carlo",
        type=str,
        metavar="N",
        help=N_("N samples: Dirichlet weights, noisy indicators"),
    )
    p.add_argument(
        "--seed", type=str, default=0, help=N_("seed of the Monte Carlo draws (default 0)")
    )
    p.add_argument(
        "--concentration",
        type=str,
        default=100.0,
        help=N_("Dirichlet concentration around the stated weights (default 100; larger: closer)"),
    )
    p.add_argument(
        "--indicator-error",
        type=str,
        default=0.05,
        help=N_("relative error of the indicator values in Monte Carlo (default 0.05; 0: none)"),
    )
    p.add_argument(
        "--grid",
        action="append",
        metavar="WEIGHT=START:STOP:STEP",
        help=N_("a grid over one weight (give it twice for two), e.g. pop_2026=0.30:0.50:0.01"),
    )
    p.add_argument(
        "--step", type=str, default=0.05, help=N_("one at a time: weight step (default 0.05)")
    )
    p.add_argument(
        "--indicator-step",
        type=str,
        default=0.10,
        help=N_("one at a time: relative step of each indicator value (default 0.10)"),
    )
    p.add_argument(
        "--band-step",
        type=str,
        default=0.02,
        help=N_("one at a time: step of each band limit (default 0.02)"),
    )
    p.add_argument(
        "--no-one-at-a-time",
        action="store_true",
        help=N_("skip the one-at-a-time study (and the tornado charts)"),
    )
    p.add_argument(
        "--workers",
        type=str,
        default=None,
        help=N_(
            "processes of the local Dask cluster (default: one per core; 0: in this process, "
            "without Dask)"
        ),
    )
    p.add_argument(
        "--scheduler", metavar="tcp://HOST:PORT", help=N_("run on an existing Dask cluster instead")
    )
    p.add_argument(
        "--connect-timeout",
        type=str,
        default=10.0,
        metavar="SECONDS",
        help=N_("how long to wait for --scheduler (default 10)"),
    )
    p.add_argument(
        "--chunk", type=str, default=None, help=N_("samples per task (default: automatic)")
    )
    p.add_argument(
        "--out",
        metavar="DIR",
        help=N_("write sweep_*.csv, sweep.xlsx, sweep_*.parquet and sweep_report.html into DIR"),
    )
    p.add_argument("--lang", choices=["es", "en"], default=lang, help=N_("language of the texts"))
    p.add_argument(
        "--objective",
        metavar="{proportional,min_total_deviation,max_min_coverage}",
        help=N_("override the scenario's objective (only proportional has the fast path)"),
    )
    p.set_defaults(func=run)


def _bad(where: str, message: Message) -> ScenarioError:
    """A problem located at an option (English kept; shown in the planner's language)."""
    return ScenarioError([problem(where, message, where)])


STUDY_OPTIONS = {"monte_carlo": "--monte-carlo", "grid": "--grid"}
"""The option a problem of a whole study (its size) is shown at (the one-at-a-time study's
message names --no-one-at-a-time itself)."""


def _is_option_problem(p: Problem) -> bool:
    return p.field.startswith("--") or p.field == "study"


def _print_option_problems(err: ScenarioError, t: Texts, kind: str = "") -> None:
    """``error: --step: 0.0 no es un número positivo; ...``: one line per problem."""
    for found in err.problems:
        p = found
        if p.field == "study":
            p = Problem(STUDY_OPTIONS.get(kind, ""), p.message, p.field, p.severity, p.detail)
        print(t._("error: {problem}").format(problem=p.text(t)), file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    """Load the scenario, run the studies, print the summary, write ``--out``.

    A bad option is printed as ``error: OPTION: what is wrong`` in the language of ``--lang``
    (exit 2) before any work; a problem of the scenario file as every command prints it.
    """
    from optimizer.domain import Language
    from optimizer.i18n import texts

    t = texts(Language(args.lang))
    try:
        studies, objective = _studies(args)
    except ScenarioError as err:
        _print_option_problems(err, t)
        return EXIT_BAD_INPUT
    if args.out:
        folder = Path(args.out)
        existing = next((p for p in (folder, *folder.parents) if p.exists()), None)
        if existing is not None and not existing.is_dir():
            message = t._("--out '{out}': '{path}' is not a folder").format(
                out=args.out, path=existing
            )
            print(t._("error: {problem}").format(problem=message), file=sys.stderr)
            return EXIT_BAD_INPUT
    return _sweep(args, studies, objective, t)


def _studies(args: argparse.Namespace) -> tuple[list[Any], Any]:
    """The studies the options ask for, checked as far as they go without the scenario."""
    from optimizer.domain import Objective
    from optimizer.sweep.study import Grid, MonteCarlo, OneAtATime, Study

    _numbers(args)
    if args.workers is not None and args.workers < 0:
        raise _bad("--workers", tr("{n}: give 0 (in this process) or more workers", n=args.workers))
    if args.chunk is not None and args.chunk < 1:
        raise _bad("--chunk", tr("{n}: give at least 1 sample per task", n=args.chunk))
    if not args.connect_timeout > 0:
        raise _bad(
            "--connect-timeout", tr("{n}: give a positive number", n=repr(args.connect_timeout))
        )
    objectives = [o.value for o in Objective]
    if args.objective is not None and args.objective not in objectives:
        message = tr(
            "unknown objective '{name}'; give one of: {known}",
            name=args.objective,
            known=", ".join(objectives),
        )
        raise _bad("--objective", message)
    studies: list[Study] = []
    if not args.no_one_at_a_time:
        studies.append(OneAtATime(args.step, args.indicator_step, args.band_step))
    if args.monte_carlo is not None:
        studies.append(
            MonteCarlo(args.monte_carlo, args.seed, args.concentration, args.indicator_error)
        )
    if args.grid:
        studies.append(Grid(tuple(_grid_axis(text) for text in args.grid)))
    if not studies:
        raise _bad("--no-one-at-a-time", tr("no study left: add --monte-carlo N or --grid"))
    for study in studies:
        study.validate()
    return studies, Objective(args.objective) if args.objective else None


def _sweep(args: argparse.Namespace, studies: list[Any], objective: Any, t: Texts) -> int:
    """The studies on the scenario: checked, run, printed and written."""
    from optimizer.io import load_scenario
    from optimizer.sweep.outputs import out_files, render_table, write_files
    from optimizer.sweep.runner import SweepSpec, check_stated, prepare

    log = logging.getLogger("optimizer.sweep")
    scenario = load_scenario(args.scenario)
    specs = [SweepSpec(scenario, study, objective) for study in studies]
    prepared = []
    for spec in specs:  # every bad input before any work
        try:
            prepared.append(prepare(spec))
        except ScenarioError as err:
            if not all(_is_option_problem(p) for p in err.problems):
                raise  # the scenario's own problems, as every command shows them
            _print_option_problems(err, t, spec.study.kind)
            return EXIT_BAD_INPUT
    sizes = [size for _, size in prepared]
    check_stated(prepared[0][0])  # the stated scenario infeasible: exit 3 with the diagnosis
    workers = (os.cpu_count() or 1) if args.workers is None else args.workers
    runs, code = _run_all(args, specs, sizes, workers, t, log)
    if runs is None:
        return code
    from optimizer.sweep.summary import summarise

    done = [(result, summarise(result)) for result in runs]
    for _, summary in done:
        print(render_table(summary, t.language))
        print()
    if args.out:
        for path in write_files(Path(args.out), out_files(scenario.name, done, t.language)):
            log.info("wrote %s", path)
    return EXIT_OK


def _run_all(
    args: argparse.Namespace,
    specs: list[Any],
    sizes: list[int],
    workers: int,
    t: Texts,
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
    bar = tqdm(
        total=total,
        desc=t._("Sensitivity analysis"),
        unit=" " + t._("samples"),
        file=sys.stderr,
        disable=None,
        leave=False,
    )
    client = None
    results = []
    try:
        if args.scheduler or workers > 0:
            try:
                client = connect(args.scheduler, workers, args.connect_timeout)
            except SchedulerUnreachableError as err:
                bar.close()
                reason = text_of(err)
                shown = reason.render(t) if isinstance(reason, Message) else reason
                message = t._("error: {problem}; no file was written").format(problem=shown)
                print(message, file=sys.stderr)
                return None, EXIT_BAD_INPUT
        for spec in specs:
            log.info("running %s", spec.study.kind)
            if client is None:
                results.append(run_in_process(spec, chunk=args.chunk, progress=bar.update))
            else:
                results.append(run_on_dask(spec, client, chunk=args.chunk, progress=bar.update))
    except KeyboardInterrupt:
        bar.close()
        message = t._(
            "interrupted: partial results discarded ({done} of {total} samples); no file was "
            "written"
        ).format(done=t.number(bar.n), total=t.number(total))
        print(message, file=sys.stderr)
        return None, EXIT_INTERRUPTED
    finally:
        bar.close()
        if client is not None:
            close(client)
    return results, EXIT_OK
