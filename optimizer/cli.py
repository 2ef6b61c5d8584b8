"""``fsf``: planner commands on scenario files.

Exit codes: 0 done, 2 bad input or usage, 3 infeasible criteria, 4 solver failure, 70 internal
error, 130 interrupted, 141 reader left (the table is ``EXIT_CODES``, shown by ``fsf --help``).

Each command imports what it uses inside its ``cmd_*`` function, and nothing else: ``validate``
loads neither the solver nor the service's libraries, ``solve`` no SQLAlchemy, grpc or pandas,
and only ``--format json`` and ``--out`` load protobuf (and ``--out`` openpyxl). A planner runs
these commands dozens of times a day; ``tests/test_cli_startup.py`` guards the imports and
``bench/startup.py`` measures the wall time.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import math
import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from optimizer.errors import InfeasibleError, ScenarioError, SolverError
from optimizer.i18n import N_

if TYPE_CHECKING:
    import datetime

    from optimizer.domain import AllocationPlan
    from optimizer.i18n import Texts

EXIT_OK = 0
EXIT_BAD_INPUT = 2
EXIT_INFEASIBLE = 3
EXIT_SOLVER = 4
EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130
EXIT_PIPE_CLOSED = 128 + 13  # SIGPIPE, as a shell reports a command whose reader left

EXIT_CODE_MEANINGS: tuple[tuple[int, str], ...] = (
    (EXIT_OK, N_("done")),
    (
        EXIT_BAD_INPUT,
        N_(
            "bad input: a scenario problem (file, row, column or YAML path named), a file that "
            "cannot be read or written, or a usage error"
        ),
    ),
    (EXIT_INFEASIBLE, N_("infeasible criteria, with a diagnosis in pesos of what must give way")),
    (EXIT_SOLVER, N_("solver failure (the --time-limit running out included)")),
    (EXIT_INTERNAL, N_("internal error: a bug of ours (run with -v for the traceback)")),
    (EXIT_INTERRUPTED, N_("interrupted (Ctrl-C)")),
    (EXIT_PIPE_CLOSED, N_("the reader of the output left early (`fsf solve ... | head`)")),
)
"""What each exit code means, in English; :func:`exit_codes_text` translates the table."""


def exit_codes_text(t: Texts | None = None) -> str:
    """The exit-code table of ``fsf --help`` in the language of ``t`` (English without one)."""
    import textwrap

    def tr(message: str) -> str:
        return message if t is None else t._(message)

    lines = [tr("exit codes:")]
    for code, meaning in EXIT_CODE_MEANINGS:
        wrapped = textwrap.wrap(tr(meaning), width=72)
        lines.append(f"  {code:<3}  {wrapped[0]}")
        lines.extend(f"       {more}" for more in wrapped[1:])
    return "\n".join(lines) + "\n"


EXIT_CODES = exit_codes_text()
"""The English exit-code table (``README.md`` states the same codes)."""

ARGPARSE_MESSAGES = (
    N_("usage: "),
    N_("positional arguments"),
    N_("options"),
    N_("subcommands"),
    N_("show this help message and exit"),
    N_("the following arguments are required: %s"),
    N_("invalid choice: %(value)r (choose from %(choices)s)"),
    N_("expected one argument"),
    N_("expected at most one argument"),
    N_("expected at least one argument"),
    N_("expected %s argument"),
    N_("unrecognized arguments: %s"),
    N_("%(prog)s: error: %(message)s\n"),
    N_("argument %(argument_name)s: %(message)s"),
    N_("not allowed with argument %s"),
    N_("one of the arguments %s is required"),
    N_("ambiguous option: %(option)s could match %(matches)s"),
    N_("invalid %(type)s value: %(value)r"),
    N_("ignored explicit argument %r"),
    N_("unexpected option string: %s"),
    N_("can't open '%(filename)s': %(error)s"),
    N_("unknown parser %(parser_name)r (choices: %(choices)s)"),
)
"""argparse's own messages a user can meet (its msgids in Python 3.11+), for the catalogue;
:func:`_argparse_speaks` has argparse translate them while ``fsf`` builds and runs its parser."""

METAVARS = (N_("scenario"), N_("base"), N_("other"), N_("DIR"), N_("SECONDS"), N_("FILE"))
"""Names of the values in the usage line and in "missing argument" errors, for the catalogue
(the other options' value names are their own names, which stay as typed)."""

LANG_ENV = "FSF_LANG"
"""Environment variable with the default language of ``fsf`` (``es`` or ``en``; ``--lang`` wins)."""


def command_language(argv: Sequence[str]) -> str:
    """The language of this command line: its ``--lang`` (anywhere), else ``$FSF_LANG``, else es.

    Read before parsing, so that the help and argparse's own messages are in that language too.
    An unknown value gives Spanish here; the parser then rejects it with a usage error.
    """
    chosen = os.environ.get(LANG_ENV, "es")
    for i, arg in enumerate(argv):
        if arg == "--":
            break
        if arg == "--lang" and i + 1 < len(argv):
            chosen = argv[i + 1]
        elif arg.startswith("--lang="):
            chosen = arg.partition("=")[2]
    return chosen if chosen in ("es", "en") else "es"


@contextlib.contextmanager
def _argparse_speaks(t: Texts) -> Iterator[None]:
    """argparse's own texts (``usage:``, ``options``, its error messages) in ``t``'s language.

    argparse looks its messages up through its module's ``_`` and ``ngettext`` when it builds a
    parser, formats help and reports an error; they point at ``t`` only inside this block, so any
    other parser of the process keeps the standard library's English.
    """
    saved = argparse._, argparse.ngettext, argparse._get_action_name  # type: ignore[attr-defined]
    name_of = saved[2]

    def action_name(action: argparse.Action | None) -> str | None:
        # A positional's name ("scenario") in "the following arguments are required: ...".
        name: str | None = name_of(action)
        if action is None or action.option_strings or not name:
            return name
        return t._(name)

    setattr(argparse, "_", t._)  # noqa: B010 - typeshed does not declare argparse._
    setattr(argparse, "ngettext", t.ngettext)  # noqa: B010
    setattr(argparse, "_get_action_name", action_name)  # noqa: B010
    try:
        yield
    finally:
        setattr(argparse, "_", saved[0])  # noqa: B010
        setattr(argparse, "ngettext", saved[1])  # noqa: B010
        setattr(argparse, "_get_action_name", saved[2])  # noqa: B010


VERSION_PACKAGES = (
    "pulp",
    "highspy",
    "numpy",
    "pyyaml",
    "openpyxl",
    "protobuf",
    "grpcio",
    "sqlalchemy",
)
"""Libraries ``fsf --version`` names after this package: solver stack, readers, service."""


def _texts(args: argparse.Namespace) -> Texts:
    """The texts of the command's ``--lang`` (Spanish for commands without one)."""
    from optimizer.i18n import texts

    return texts(getattr(args, "lang", "es"))


def _print_problems(err: ScenarioError, t: Texts) -> None:
    from optimizer.checks import cap_problems, count_problems
    from optimizer.limits import MAX_MESSAGE_CHARS, shorten

    # The first MAX_PROBLEMS, then "and K more" (docs/limits.md); the count is of them all.
    problems = cap_problems(err.problems)
    errors = [p for p in problems if p.severity == "error"]
    warnings = [p for p in problems if p.severity != "error"]
    count = count_problems(errors)
    head = t.ngettext(
        "error: the scenario has {n} problem:", "error: the scenario has {n} problems:", count
    )
    print(head.format(n=t.number(count)), file=sys.stderr)
    for p in errors:
        print(f"  - {shorten(p.text(t), 2 * MAX_MESSAGE_CHARS)}", file=sys.stderr)
    for p in warnings:
        line = t._("warning: {problem}").format(problem=p.text(t))
        print(f"  - {shorten(line, 2 * MAX_MESSAGE_CHARS)}", file=sys.stderr)


def cmd_validate(args: argparse.Namespace) -> int:
    """Load and check a scenario; print a one-screen summary and any warnings.

    Load problems and check errors raise :class:`ScenarioError`, which ``main`` turns into the
    bad-input exit code with every problem listed.
    """
    from optimizer.checks import check_scenario, raise_for_problems
    from optimizer.io import load_scenario, summarize

    t = _texts(args)
    scenario = load_scenario(args.scenario)
    problems = check_scenario(scenario)
    raise_for_problems(problems)
    print(summarize(scenario, t.language))
    for p in problems:
        print(t._("warning: {problem}").format(problem=p.text(t)))
    return EXIT_OK


def _print_infeasible(err: InfeasibleError, t: Texts) -> None:
    # The summary and the conflicts are already in the language of the run (AllocateOptions).
    print(t._("no solution: {reason}").format(reason=err.summary), file=sys.stderr)
    if err.conflicts:
        print(t._("what must give way:"), file=sys.stderr)
        for c in err.conflicts:
            print(f"  - {c.description}", file=sys.stderr)


def plan_json(plan: AllocationPlan, *, timings: bool = False) -> str:
    """The plan as the JSON mapping of the service's ``optimizer.v1.Allocation`` message.

    Field names as in the proto (snake_case), sorted keys; int64 amounts are JSON strings, as
    the proto3 JSON mapping prescribes (exact in every language). Fields only the service
    fills (run id, timestamps, caller role) are absent. ``stats.stage_seconds`` only with
    ``timings``: without it, the same input gives the same bytes on every run.
    """
    import json

    from google.protobuf import json_format

    from optimizer.service.convert import plan_into_proto
    from optimizer.v1 import allocation_pb2 as pb

    message = pb.Allocation(status=pb.RUN_STATUS_OPTIMAL, input_sha256=plan.stats.input_sha256)
    plan_into_proto(plan, message)
    if not timings:
        message.stats.ClearField("stage_seconds")
    data = json_format.MessageToDict(message, preserving_proto_field_name=True)
    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def _out_folder_problem(folder: str, t: Texts) -> str | None:
    """Why ``--out FOLDER`` cannot hold the result files, found before solving; None if it can."""
    from pathlib import Path

    path = Path(folder)
    # The nearest part of the path that exists must be a folder: the rest is created.
    existing = next((p for p in (path, *path.parents) if p.exists()), None)
    if existing is None or existing.is_dir():
        return None
    if existing == path:
        return t._(
            "--out '{folder}' is a file, not a folder: name a folder (created when missing)"
        ).format(folder=folder)
    return t._("--out '{folder}': '{existing}' is a file, not a folder: name a folder").format(
        folder=folder, existing=existing
    )


def cmd_solve(args: argparse.Namespace) -> int:
    """Load, check and allocate a scenario; render the plan."""
    from pathlib import Path

    from optimizer.domain import AllocateOptions, Language, Objective
    from optimizer.io import load_scenario
    from optimizer.io.results import allocations_csv, render_table, write_out_dir
    from optimizer.pipeline import allocate

    log = logging.getLogger("optimizer.cli")
    t = _texts(args)
    if args.out and (problem := _out_folder_problem(args.out, t)):
        print(t._("error: {problem}").format(problem=problem), file=sys.stderr)
        return EXIT_BAD_INPUT
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
    # Only the formats that need the proto pay for importing it.
    text = plan_json(plan, timings=args.timings) if args.out or args.format == "json" else ""
    if args.out:
        for path in write_out_dir(plan, Path(args.out), text, scenario):
            log.info("wrote %s", path)
    if args.format == "json":
        sys.stdout.write(text)
    elif args.format == "csv":
        sys.stdout.write(allocations_csv(plan))
    else:
        print(render_table(plan, timings=args.timings))
    return EXIT_OK


def cmd_serve(args: argparse.Namespace) -> int:
    """Run the gRPC service until SIGTERM/SIGINT (see docs/service.md)."""
    import os
    from pathlib import Path

    from optimizer.service.auth import TokenTable
    from optimizer.service.server import BindError, InsecureBindError, TlsFiles, serve
    from optimizer.sweep.runner import SchedulerUnreachableError

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

    # A password in --store shows in the process list: a file or the environment keeps it out.
    store = args.store
    if store is None and args.store_url_file:
        try:
            store = Path(args.store_url_file).read_text(encoding="utf-8").strip()
        except OSError as err:
            print(f"error: --store-url-file: {err}", file=sys.stderr)
            return EXIT_BAD_INPUT
    store = store or os.environ.get("FSF_STORE_URL") or "sqlite:///fsf-audit.sqlite3"

    def ready(port: int) -> None:
        host = args.address.rsplit(":", 1)[0]
        print(f"fsf serve: listening on {host}:{port}", flush=True)

    try:
        return serve(
            args.address,
            grace=args.grace,
            ready=ready,
            store=store,
            workers=args.workers,
            tokens=tokens,
            tls=tls,
            insecure=args.insecure,
            max_request_bytes=args.max_request_bytes,
            dask_scheduler=args.dask_scheduler,
        )
    except (InsecureBindError, BindError, SchedulerUnreachableError) as err:
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
    """Solve a scenario and write the report: self-contained HTML, or PDF with ``--pdf``."""
    from pathlib import Path

    from optimizer.domain import AllocateOptions, Language
    from optimizer.i18n import texts
    from optimizer.io import load_scenario
    from optimizer.io.heading import make_heading
    from optimizer.io.report import render_html
    from optimizer.limits import MAX_PDF_REGIONS
    from optimizer.pipeline import allocate

    t = _texts(args)
    out = Path(args.out or ("report.pdf" if args.pdf else "report.html"))
    if out.is_dir():
        problem = t._("--out '{path}' is a folder: name the file to write").format(path=out)
        print(t._("error: {problem}").format(problem=problem), file=sys.stderr)
        return EXIT_BAD_INPUT
    scenario = load_scenario(args.scenario)
    if args.pdf and len(scenario.regions) > MAX_PDF_REGIONS:
        problem = t._(
            "--pdf lays out at most {limit} regions and this scenario has {n}: write the HTML "
            "report (without --pdf) or the workbook (fsf solve --out)"
        ).format(limit=MAX_PDF_REGIONS, n=t.number(len(scenario.regions)))
        print(t._("error: {problem}").format(problem=problem), file=sys.stderr)
        return EXIT_BAD_INPUT
    language = Language(args.lang)
    plan = allocate(scenario, AllocateOptions(language=language))
    heading = make_heading(
        scenario,
        texts(language),
        title=args.title,
        issuing_unit=args.issuing_unit,
        legal_basis=args.legal_basis,
        date=args.date,
    )
    html = render_html(plan, scenario, heading)
    if args.pdf:
        from optimizer.io.pdf import PdfUnavailableError, write_pdf

        try:
            write_pdf(html, out)
        except PdfUnavailableError as err:
            print(t._("error: {problem}").format(problem=err), file=sys.stderr)
            return EXIT_BAD_INPUT
    else:
        out.write_text(html, encoding="utf-8")
    print(t._("wrote {path}").format(path=out))
    return EXIT_OK


class _TranslatedHelp(argparse.RawDescriptionHelpFormatter):
    """Help in the language of ``texts``: the English texts of the parser, translated as shown.

    Section titles, help strings, the description, the ``usage:`` prefix and the exit-code
    table go through the catalogue when the help is formatted (:func:`_formatter_for`).
    """

    texts: Texts | None = None

    def _tr(self, text: str) -> str:
        return text if self.texts is None else self.texts._(text)

    def start_section(self, heading: str | None) -> None:
        super().start_section(self._tr(heading) if heading else heading)

    def add_text(self, text: str | None) -> None:
        if text == EXIT_CODES:
            text = exit_codes_text(self.texts)
        elif text and text is not argparse.SUPPRESS:
            text = self._tr(text)
        super().add_text(text)

    def add_usage(
        self,
        usage: str | None,
        actions: Iterable[argparse.Action],
        groups: Iterable[argparse._MutuallyExclusiveGroup],
        prefix: str | None = None,
    ) -> None:
        super().add_usage(usage, actions, groups, self._tr("usage: ") if prefix is None else prefix)

    def _metavar_formatter(
        self, action: argparse.Action, default_metavar: str
    ) -> Callable[[int], tuple[str, ...]]:
        shown = super()._metavar_formatter(action, default_metavar)
        if action.choices is not None:
            return shown  # the choices, as typed

        def translated(size: int) -> tuple[str, ...]:
            return tuple(self._tr(name) for name in shown(size))

        return translated

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = super()._get_help_string(action)
        return self._tr(text) if text else text


def _formatter_for(t: Texts) -> type[_TranslatedHelp]:
    """The help formatter class of ``fsf``'s parsers, in ``t``'s language."""
    return type("TranslatedHelp", (_TranslatedHelp,), {"texts": t})


def _iso_date(t: Texts) -> Callable[[str], datetime.date]:
    """``--date``: an ISO date (2026-12-02), or a usage error in ``t``'s language."""

    def parse(text: str) -> datetime.date:
        import datetime as dt

        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            message = t._("'{text}' is not a date: write it as 2026-12-02").format(text=text)
            raise argparse.ArgumentTypeError(message) from None

    return parse


def _positive_seconds(t: Texts) -> Callable[[str], float]:
    """``--time-limit``: a positive, finite number of seconds, or a usage error."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            message = t._("'{text}' is not a number of seconds").format(text=text)
            raise argparse.ArgumentTypeError(message) from None
        if not math.isfinite(value) or value <= 0:
            message = t._(
                "'{text}' is not a positive, finite number of seconds (omit it for no limit)"
            ).format(text=text)
            raise argparse.ArgumentTypeError(message)
        return value

    return parse


VERSION_HELP = N_("print the versions of fsf, Python and the key libraries, and exit")


def version_text(t: Texts | None = None) -> str:
    """This package's version, Python's and the key libraries', one per line.

    Read from the installed packages' metadata: none of the libraries is imported. "not
    installed" is in ``t``'s language (English without one).
    """
    from importlib.metadata import PackageNotFoundError, version

    def installed(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            missing = N_("not installed")
            return missing if t is None else t._(missing)

    lines = [
        f"fsf {installed('fund-allocation-optimizer')} (fund-allocation-optimizer)",
        # Not platform.python_version(): importing platform compiles a dozen regexes.
        "python {}.{}.{}".format(*sys.version_info[:3]),
        *(f"{name} {installed(name)}" for name in VERSION_PACKAGES),
    ]
    return "\n".join(lines) + "\n"


class _VersionAction(argparse.Action):
    """``--version``: print :func:`version_text` and exit 0 (computed only when asked for)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **kwargs: Any) -> None:
        self.texts: Texts | None = kwargs.get("texts")
        super().__init__(
            option_strings,
            dest=argparse.SUPPRESS,
            default=argparse.SUPPRESS,
            nargs=0,
            help=kwargs.get("help", VERSION_HELP),
        )

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: object,
        option_string: str | None = None,
    ) -> None:
        sys.stdout.write(version_text(self.texts))
        parser.exit()


def build_parser(lang: str = "es") -> argparse.ArgumentParser:
    """The argument parser for every subcommand, its help in ``lang`` (``es`` or ``en``).

    The texts stay English (marked for the catalogue) until help or usage is shown: the
    formatter translates them then, so that a command that only parses never reads the
    catalogue. Parse inside :func:`_argparse_speaks` for argparse's error messages in ``lang``.
    """
    from optimizer.i18n import texts

    t = texts(lang)
    parser = argparse.ArgumentParser(
        prog="fsf",
        description=N_("Allocation optimizer for a federal public-security fund."),
        epilog=EXIT_CODES,
        formatter_class=_formatter_for(t),
    )
    parser.add_argument("-v", "--verbose", action="store_true", help=N_("log progress to stderr"))
    parser.add_argument("--version", action=_VersionAction, help=VERSION_HELP, texts=t)
    parser.add_argument(
        "--lang",
        choices=["es", "en"],
        default=argparse.SUPPRESS,
        help=N_("language of the help and the texts (default es, or $FSF_LANG)"),
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("validate", help=N_("check a scenario file and print its summary"))
    p.add_argument("scenario", help=N_("path to the scenario YAML file"))
    p.add_argument("--lang", choices=["es", "en"], default=lang, help=N_("language of the texts"))
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("solve", help=N_("allocate the fund of a scenario"))
    p.add_argument("scenario", help=N_("path to the scenario YAML file"))
    p.add_argument(
        "--format",
        choices=["table", "json", "csv"],
        default="table",
        help=N_("format of the output"),
    )
    p.add_argument(
        "--out",
        metavar="DIR",
        help=N_(
            "also write allocations.csv, regions.csv, justifications.md and plan.json into DIR"
        ),
    )
    p.add_argument("--lang", choices=["es", "en"], default=lang, help=N_("language of the texts"))
    p.add_argument(
        "--objective",
        choices=["proportional", "min_total_deviation", "max_min_coverage"],
        help=N_("override the scenario's objective"),
    )
    p.add_argument(
        "--time-limit",
        type=_positive_seconds(t),
        default=None,
        metavar="SECONDS",
        help=N_("stop the solver after this many seconds (exit 4); default no limit"),
    )
    p.add_argument(
        "--timings",
        action="store_true",
        help=N_(
            "add the stage timings to the JSON (stats.stage_seconds) and the table; without "
            "it the same input gives the same bytes"
        ),
    )
    p.set_defaults(func=cmd_solve)

    p = sub.add_parser("compare", help=N_("solve two scenarios and compare them region by region"))
    p.add_argument("base", help=N_("the reference scenario YAML"))
    p.add_argument("other", help=N_("the scenario YAML to compare with it"))
    p.add_argument(
        "--format", choices=["table", "csv"], default="table", help=N_("format of the output")
    )
    p.add_argument("--lang", choices=["es", "en"], default=lang, help=N_("language of the texts"))
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser(
        "report",
        help=N_("solve a scenario and write its report (HTML with maps and charts, or PDF)"),
    )
    p.add_argument("scenario", help=N_("path to the scenario YAML file"))
    p.add_argument(
        "--out",
        default=None,
        help=N_("file to write (default report.html, or report.pdf with --pdf)"),
    )
    p.add_argument("--pdf", action="store_true", help=N_("write the report as PDF (WeasyPrint)"))
    p.add_argument("--lang", choices=["es", "en"], default=lang, help=N_("language of the texts"))
    p.add_argument(
        "--title", help=N_("title (default: the scenario's report.title, or from the fund)")
    )
    p.add_argument(
        "--issuing-unit", help=N_("unit that issues the report (default: report.issuing_unit)")
    )
    p.add_argument(
        "--legal-basis",
        help=N_("legal basis line (default: report.legal_basis; for the FASP, LCF arts. 44-45)"),
    )
    p.add_argument(
        "--date",
        type=_iso_date(t),
        default=None,
        metavar="YYYY-MM-DD",
        help=N_("date of the report (default: report.date, else $SOURCE_DATE_EPOCH, else today)"),
    )
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("serve", help=N_("run the gRPC allocation service (docs/service.md)"))
    p.add_argument("--address", default="127.0.0.1:50051", help=N_("host:port (port 0: any free)"))
    store = p.add_mutually_exclusive_group()
    store.add_argument(
        "--store",
        default=None,
        help=N_(
            "audit store URL (SQLite file or postgresql+psycopg://...; default: $FSF_STORE_URL "
            "or sqlite:///fsf-audit.sqlite3); a password here shows in the process list"
        ),
    )
    store.add_argument(
        "--store-url-file",
        metavar="FILE",
        help=N_(
            "read the audit store URL from FILE (keeps a database password off the command line)"
        ),
    )
    p.add_argument(
        "--workers",
        type=int,
        default=None,
        help=N_("solver worker processes (default: one per core)"),
    )
    p.add_argument("--tokens", help=N_("tokens file: '<sha256 of token> <role> [name]' lines"))
    p.add_argument("--tls-cert", help=N_("PEM certificate chain of the server"))
    p.add_argument("--tls-key", help=N_("PEM private key of the server"))
    p.add_argument(
        "--client-ca", help=N_("PEM CA bundle; when given, client certificates are required")
    )
    p.add_argument(
        "--insecure",
        action="store_true",
        help=N_("allow a non-loopback address without tokens and TLS"),
    )
    p.add_argument(
        "--grace",
        type=float,
        default=10.0,
        help=N_("seconds calls in flight get to finish after SIGTERM (default 10)"),
    )
    p.add_argument(
        "--max-request-bytes",
        type=int,
        default=16 * 1024 * 1024,
        help=N_("larger requests get RESOURCE_EXHAUSTED (default 16 MiB)"),
    )
    p.add_argument(
        "--dask-scheduler",
        metavar="tcp://HOST:PORT",
        help=N_(
            "run the Sweep calls' samples on this Dask cluster (default: the worker processes)"
        ),
    )
    p.set_defaults(func=cmd_serve)

    from optimizer.sweep.command import add_parser as add_sweep_parser

    add_sweep_parser(sub, lang)  # fsf sweep (docs/sweep.md); its imports stay inside its command

    for p in sub.choices.values():
        # `fsf solve X -v` works like `fsf -v solve X`, since messages say "run with -v".
        # SUPPRESS: left out, the subcommand must not reset a -v given before it.
        p.add_argument(
            "-v",
            "--verbose",
            action="store_true",
            default=argparse.SUPPRESS,
            help=N_("log progress to stderr"),
        )
        p.epilog = EXIT_CODES
        p.set_defaults(lang=lang)
        p.formatter_class = _formatter_for(t)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Console entry point; returns the process exit code."""
    from optimizer.i18n import texts

    words = list(sys.argv[1:] if argv is None else argv)
    lang = command_language(words)
    parser = build_parser(lang)
    with _argparse_speaks(texts(lang)):
        args = parser.parse_args(words)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    try:
        code: int = args.func(args)
    except ScenarioError as err:
        _print_problems(err, _texts(args))
        return EXIT_BAD_INPUT
    except InfeasibleError as err:
        _print_infeasible(err, _texts(args))
        return EXIT_INFEASIBLE
    except SolverError as err:
        print(_texts(args)._("solver failure: {error}").format(error=err), file=sys.stderr)
        return EXIT_SOLVER
    except KeyboardInterrupt:
        print(_texts(args)._("interrupted"), file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader left (`fsf solve ... | head`): what it read is all it wanted. Point stdout at
        # nothing so that Python's final flush does not raise again, and end as a pipe would.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_PIPE_CLOSED
    except OSError as err:
        # Writing --out into a read-only folder, a full disk: the planner's environment, not a bug.
        where = f": '{err.filename}'" if err.filename else ""
        problem = f"{err.strerror or err}{where}"
        print(_texts(args)._("error: {problem}").format(problem=problem), file=sys.stderr)
        return EXIT_BAD_INPUT
    except Exception as err:
        # A bug of ours: one line for the planner, the traceback only with --verbose.
        if args.verbose:
            logging.getLogger("optimizer.cli").exception("internal error")
        message = _texts(args)._("internal error ({kind}): {error}; run with -v for details")
        print(message.format(kind=type(err).__name__, error=err), file=sys.stderr)
        return EXIT_INTERNAL
    return code


if __name__ == "__main__":
    sys.exit(main())
