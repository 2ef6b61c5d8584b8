"""``fsf``: planner commands on scenario files.

Exit codes: 0 done, 2 bad input, 3 infeasible criteria, 4 solver failure.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence

from optimizer.domain import AllocationPlan
from optimizer.errors import InfeasibleError, ScenarioError, SolverError

EXIT_OK = 0
EXIT_BAD_INPUT = 2
EXIT_INFEASIBLE = 3
EXIT_SOLVER = 4
EXIT_INTERNAL = 70


def _print_problems(err: ScenarioError) -> None:
    from optimizer.checks import cap_problems, count_problems

    # The first MAX_PROBLEMS, then "and K more" (docs/limits.md); the count is of them all.
    problems = cap_problems(err.problems)
    errors = [p for p in problems if p.severity == "error"]
    warnings = [p for p in problems if p.severity != "error"]
    print(f"error: the scenario has {count_problems(errors)} problem(s):", file=sys.stderr)
    for p in errors:
        print(f"  - {p}", file=sys.stderr)
    for p in warnings:
        print(f"  - warning: {p}", file=sys.stderr)


def cmd_validate(args: argparse.Namespace) -> int:
    """Load and check a scenario; print a one-screen summary and any warnings.

    Load problems and check errors raise :class:`ScenarioError`, which ``main`` turns into the
    bad-input exit code with every problem listed.
    """
    from optimizer.checks import check_scenario, raise_for_problems
    from optimizer.io import load_scenario, summarize

    scenario = load_scenario(args.scenario)
    problems = check_scenario(scenario)
    raise_for_problems(problems)
    print(summarize(scenario))
    for p in problems:
        print(f"warning: {p}")
    return EXIT_OK


def _print_infeasible(err: InfeasibleError) -> None:
    print(f"infeasible: {err.summary}", file=sys.stderr)
    if err.conflicts:
        print("what must give way:", file=sys.stderr)
        for c in err.conflicts:
            print(f"  - {c.description}", file=sys.stderr)


def plan_json(plan: AllocationPlan) -> str:
    """The plan as the JSON mapping of the service's ``optimizer.v1.Allocation`` message.

    Field names as in the proto (snake_case), sorted keys; int64 amounts are JSON strings, as
    the proto3 JSON mapping prescribes (exact in every language). Fields only the service
    fills (run id, timestamps, caller role) are absent.
    """
    from google.protobuf import json_format

    from optimizer.service.convert import plan_into_proto
    from optimizer.v1 import allocation_pb2 as pb

    message = pb.Allocation(status=pb.RUN_STATUS_OPTIMAL, input_sha256=plan.stats.input_sha256)
    plan_into_proto(plan, message)
    data = json_format.MessageToDict(message, preserving_proto_field_name=True)
    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def cmd_solve(args: argparse.Namespace) -> int:
    """Load, check and allocate a scenario; render the plan."""
    from pathlib import Path

    from optimizer.domain import AllocateOptions, Language, Objective
    from optimizer.io import load_scenario
    from optimizer.io.results import allocations_csv, render_table, write_out_dir
    from optimizer.pipeline import allocate

    log = logging.getLogger("optimizer.cli")
    log.info("loading %s", args.scenario)
    scenario = load_scenario(args.scenario)
    log.info(
        "solving %s (%d regions, %d axes)",
        scenario.name,
        len(scenario.regions),
        len(scenario.effective_axes),
    )
    options = AllocateOptions(
        language=Language(args.lang),
        objective=Objective(args.objective) if args.objective else None,
        time_limit=args.time_limit,
    )
    plan = allocate(scenario, options)
    text = plan_json(plan)
    if args.out:
        for path in write_out_dir(plan, Path(args.out), text):
            log.info("wrote %s", path)
    if args.format == "json":
        sys.stdout.write(text)
    elif args.format == "csv":
        sys.stdout.write(allocations_csv(plan))
    else:
        print(render_table(plan))
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    """Run the gRPC service until SIGTERM/SIGINT (see docs/service.md)."""
    from pathlib import Path

    from optimizer.service.auth import TokenTable
    from optimizer.service.server import InsecureBindError, TlsFiles, serve

    if bool(args.tls_cert) != bool(args.tls_key) or (args.client_ca and not args.tls_cert):
        print(
            "error: --tls-cert and --tls-key go together; --client-ca needs both", file=sys.stderr
        )
        return EXIT_BAD_INPUT
    tls = (
        TlsFiles(
            Path(args.tls_cert),
            Path(args.tls_key),
            Path(args.client_ca) if args.client_ca else None,
        )
        if args.tls_cert
        else None
    )
    try:
        tokens = TokenTable.from_file(args.tokens) if args.tokens else None
    except (OSError, ValueError) as err:
        print(f"error: tokens file: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT

    def ready(port: int) -> None:
        host = args.address.rsplit(":", 1)[0]
        print(f"fsf serve: listening on {host}:{port}", flush=True)

    try:
        return serve(
            args.address,
            grace=args.grace,
            ready=ready,
            store=args.store,
            workers=args.workers,
            tokens=tokens,
            tls=tls,
            insecure=args.insecure,
            max_request_bytes=args.max_request_bytes,
        )
    except InsecureBindError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT


def cmd_compare(args: argparse.Namespace) -> int:
    """Solve two scenarios and print region by region what changes, and which rules."""
    from optimizer.compare import compare_plans
    from optimizer.domain import AllocateOptions, Language
    from optimizer.io import load_scenario
    from optimizer.io.results import comparison_csv, render_comparison
    from optimizer.pipeline import allocate

    options = AllocateOptions(language=Language(args.lang))
    plans = []
    for path in (args.base, args.other):
        logging.getLogger("optimizer.cli").info("solving %s", path)
        plans.append(allocate(load_scenario(path), options))
    diff = compare_plans(plans[0], plans[1])
    if args.format == "csv":
        sys.stdout.write(comparison_csv(diff))
    else:
        print(render_comparison(diff, plans[0], plans[1]))
    return EXIT_OK


def cmd_report(args: argparse.Namespace) -> int:
    """Solve a scenario and write a self-contained HTML report."""
    from pathlib import Path

    from optimizer.domain import AllocateOptions, Language
    from optimizer.io import load_scenario
    from optimizer.io.report import render_html
    from optimizer.pipeline import allocate

    plan = allocate(load_scenario(args.scenario), AllocateOptions(language=Language(args.lang)))
    out = Path(args.out)
    out.write_text(render_html(plan), encoding="utf-8")
    print(f"wrote {out}")
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

    p = sub.add_parser("solve", help="allocate the fund of a scenario")
    p.add_argument("scenario", help="path to the scenario YAML file")
    p.add_argument("--format", choices=["table", "json", "csv"], default="table")
    p.add_argument(
        "--out",
        metavar="DIR",
        help="also write allocations.csv, regions.csv, justifications.md and plan.json into DIR",
    )
    p.add_argument("--lang", choices=["es", "en"], default="es", help="language of the texts")
    p.add_argument(
        "--objective",
        choices=["proportional", "min_total_deviation", "max_min_coverage"],
        help="override the scenario's objective",
    )
    p.add_argument("--time-limit", type=float, default=None, metavar="SECONDS")
    p.set_defaults(func=cmd_solve)

    p = sub.add_parser("compare", help="solve two scenarios and compare them region by region")
    p.add_argument("base", help="the reference scenario YAML")
    p.add_argument("other", help="the scenario YAML to compare with it")
    p.add_argument("--format", choices=["table", "csv"], default="table")
    p.add_argument("--lang", choices=["es", "en"], default="es", help="language of the texts")
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("report", help="solve a scenario and write an HTML report with charts")
    p.add_argument("scenario", help="path to the scenario YAML file")
    p.add_argument("--out", default="report.html", help="HTML file to write (default report.html)")
    p.add_argument("--lang", choices=["es", "en"], default="es", help="language of the texts")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("serve", help="run the gRPC allocation service (docs/service.md)")
    p.add_argument("--address", default="127.0.0.1:50051", help="host:port (port 0: any free)")
    p.add_argument(
        "--store",
        default="sqlite:///fsf-audit.sqlite3",
        help="audit store URL (SQLite file or postgresql+psycopg://...)",
    )
    p.add_argument(
        "--workers", type=int, default=None, help="solver worker processes (default: one per core)"
    )
    p.add_argument("--tokens", help="tokens file: '<sha256 of token> <role> [name]' lines")
    p.add_argument("--tls-cert", help="PEM certificate chain of the server")
    p.add_argument("--tls-key", help="PEM private key of the server")
    p.add_argument(
        "--client-ca", help="PEM CA bundle; when given, client certificates are required"
    )
    p.add_argument(
        "--insecure",
        action="store_true",
        help="allow a non-loopback address without tokens and TLS",
    )
    p.add_argument(
        "--grace",
        type=float,
        default=10.0,
        help="seconds calls in flight get to finish after SIGTERM (default 10)",
    )
    p.add_argument(
        "--max-request-bytes",
        type=int,
        default=16 * 1024 * 1024,
        help="larger requests get RESOURCE_EXHAUSTED (default 16 MiB)",
    )
    p.set_defaults(func=cmd_serve)
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
        _print_infeasible(err)
        return EXIT_INFEASIBLE
    except SolverError as err:
        print(f"solver failure: {err}", file=sys.stderr)
        return EXIT_SOLVER
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except OSError as err:
        # Writing --out into a read-only folder, a full disk: the planner's environment, not a bug.
        print(f"error: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except Exception as err:
        # A bug of ours: one line for the planner, the traceback only with --verbose.
        if args.verbose:
            logging.getLogger("optimizer.cli").exception("internal error")
        print(
            f"internal error ({type(err).__name__}): {err}; run with -v for details",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
    return code


if __name__ == "__main__":
    sys.exit(main())
