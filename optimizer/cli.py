"""``fsf``: planner commands on scenario files.

Exit codes: 0 done, 2 bad input, 3 infeasible criteria, 4 solver failure.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from optimizer.errors import InfeasibleError, ScenarioError, SolverError

EXIT_OK = 0
EXIT_BAD_INPUT = 2
EXIT_INFEASIBLE = 3
EXIT_SOLVER = 4


def _print_problems(err: ScenarioError) -> None:
    errors = [p for p in err.problems if p.severity == "error"]
    warnings = [p for p in err.problems if p.severity != "error"]
    print(f"error: the scenario has {len(errors)} problem(s):", file=sys.stderr)
    for p in errors:
        print(f"  - {p}", file=sys.stderr)
    for p in warnings:
        print(f"  - warning: {p}", file=sys.stderr)


def cmd_validate(args: argparse.Namespace) -> int:
    """Load and check a scenario; print a one-screen summary."""
    from optimizer.checks import check_scenario
    from optimizer.io import load_scenario, summarize

    scenario = load_scenario(args.scenario)
    problems = check_scenario(scenario)
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        raise ScenarioError(problems)
    print(summarize(scenario))
    for p in problems:
        print(f"warning: {p}")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    parser = argparse.ArgumentParser(
        prog="fsf", description="Allocation optimizer for a federal public-security fund."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("validate", help="check a scenario file and print its summary")
    p.add_argument("scenario", help="path to the scenario YAML file")
    p.set_defaults(func=cmd_validate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Console entry point; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        code: int = args.func(args)
    except ScenarioError as err:
        _print_problems(err)
        return EXIT_BAD_INPUT
    except InfeasibleError as err:
        print(f"infeasible: {err}", file=sys.stderr)
        return EXIT_INFEASIBLE
    except SolverError as err:
        print(f"solver failure: {err}", file=sys.stderr)
        return EXIT_SOLVER
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
