"""Conversion between the ``optimizer.v1`` messages and the domain values.

Only shape is checked here (a missing fund, an unknown enum number); every semantic check is
``check_scenario``'s job, whose problems are located through ``Scenario.locations``, which this
module fills with request field paths such as ``scenario.regions[3].indicators["poblacion"]``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from google.protobuf.timestamp_pb2 import Timestamp

from optimizer.compare import compare_plans
from optimizer.domain import (
    ALL_REGIONS,
    AllocateOptions,
    AllocationPlan,
    Axis,
    Band,
    CellMinimum,
    Conflict,
    Criterion,
    Direction,
    Fund,
    Language,
    Normalisation,
    Objective,
    Region,
    RegionBound,
    Rules,
    Scenario,
)
from optimizer.errors import Problem, ScenarioError
from optimizer.v1 import allocation_pb2 as pb

if TYPE_CHECKING:
    # Only for annotations: importing the store loads SQLAlchemy (0.3 s), which `fsf solve
    # --format json` would pay for on every run just to print a plan.
    from optimizer.store import RunRecord

DIRECTIONS = {
    pb.DIRECTION_UNSPECIFIED: Direction.HIGHER_NEEDS_MORE,
    pb.DIRECTION_HIGHER_NEEDS_MORE: Direction.HIGHER_NEEDS_MORE,
    pb.DIRECTION_HIGHER_NEEDS_LESS: Direction.HIGHER_NEEDS_LESS,
}
NORMALISATIONS = {
    pb.NORMALISATION_UNSPECIFIED: Normalisation.SHARE,
    pb.NORMALISATION_SHARE: Normalisation.SHARE,
    pb.NORMALISATION_SHIFTED_SHARE: Normalisation.SHIFTED_SHARE,
}
OBJECTIVES = {
    pb.OBJECTIVE_PROPORTIONAL: Objective.PROPORTIONAL,
    pb.OBJECTIVE_MIN_TOTAL_DEVIATION: Objective.MIN_TOTAL_DEVIATION,
    pb.OBJECTIVE_MAX_MIN_COVERAGE: Objective.MAX_MIN_COVERAGE,
}
OBJECTIVES_OUT = {v: k for k, v in OBJECTIVES.items()}
LANGUAGES = {
    pb.LANGUAGE_UNSPECIFIED: Language.ES,
    pb.LANGUAGE_ES: Language.ES,
    pb.LANGUAGE_EN: Language.EN,
}
LANGUAGES_OUT = {Language.ES: pb.LANGUAGE_ES, Language.EN: pb.LANGUAGE_EN}
RUN_STATUSES: dict[str, pb.RunStatus] = {
    # Keyed by the values of optimizer.store.RunStatus, a StrEnum whose members look up as
    # their strings (tests/test_cli_startup.py checks that every member has an entry).
    "optimal": pb.RUN_STATUS_OPTIMAL,
    "infeasible": pb.RUN_STATUS_INFEASIBLE,
    "solver_failure": pb.RUN_STATUS_SOLVER_FAILURE,
    "deadline_exceeded": pb.RUN_STATUS_DEADLINE_EXCEEDED,
}


def _opt(msg: object, name: str) -> object | None:
    """Value of an ``optional`` field, or None when unset."""
    return getattr(msg, name) if msg.HasField(name) else None  # type: ignore[attr-defined]


class _Shape:
    """Collects shape problems so that a request reports all of them at once."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def enum(self, table: Mapping[Any, Any], value: int, path: str, what: str) -> Any:
        if value in table:
            return table[value]
        message = f"unknown {what} number {value}; use one of the values in allocation.proto"
        self.problems.append(Problem(location=path, message=message, field=path))
        return next(iter(table.values()))


def _criterion(msg: pb.Criterion, path: str, shape: _Shape) -> Criterion:
    return Criterion(
        indicator=msg.indicator,
        weight=msg.weight,
        direction=shape.enum(DIRECTIONS, msg.direction, f"{path}.direction", "direction"),
        normalisation=shape.enum(
            NORMALISATIONS, msg.normalisation, f"{path}.normalisation", "normalisation"
        ),
        shift=_opt(msg, "shift"),  # type: ignore[arg-type]
        label_es=msg.label_es,
        label_en=msg.label_en,
    )


def _bound(msg: pb.RegionBound) -> RegionBound:
    return RegionBound(
        region=msg.region or ALL_REGIONS,
        amount=_opt(msg, "amount"),  # type: ignore[arg-type]
        share=_opt(msg, "share"),  # type: ignore[arg-type]
    )


def scenario_from_proto(msg: pb.Scenario, prefix: str = "scenario") -> Scenario:
    """Domain scenario for a structured request.

    Parameters
    ----------
    msg
        The request's scenario.
    prefix
        Field path of ``msg`` in the request, used in problem locations.

    Raises
    ------
    ScenarioError
        The message is missing its fund or carries unknown enum numbers.
    """
    shape = _Shape()
    locations: dict[str, str] = {}
    if not msg.HasField("fund"):
        shape.problems.append(
            Problem(
                location=f"{prefix}.fund",
                message="the fund is missing: give its name, fiscal_year and total in pesos",
                field=f"{prefix}.fund",
            )
        )
    for name in ("name", "fiscal_year", "total", "currency", "rounding_unit"):
        locations[f"fund/{name}"] = f"{prefix}.fund.{name}"
    fund = Fund(
        name=msg.fund.name,
        fiscal_year=msg.fund.fiscal_year,
        total=msg.fund.total,
        currency=msg.fund.currency or "MXN",
        rounding_unit=msg.fund.rounding_unit or 1,
    )
    regions = []
    for i, r in enumerate(msg.regions):
        path = f"{prefix}.regions[{i}]"
        locations[f"regions/{r.code}"] = path
        for name in ("code", "name", "previous", "population"):
            locations[f"regions/{r.code}/{name}"] = f"{path}.{name}"
        for key in r.indicators:
            locations[f"regions/{r.code}/indicators/{key}"] = f'{path}.indicators["{key}"]'
        regions.append(
            Region(
                code=r.code,
                name=r.name,
                indicators=dict(sorted(r.indicators.items())),
                previous=_opt(r, "previous"),  # type: ignore[arg-type]
                population=_opt(r, "population"),  # type: ignore[arg-type]
            )
        )
    criteria = []
    for i, c in enumerate(msg.criteria):
        path = f"{prefix}.criteria[{i}]"
        for name in ("indicator", "weight", "direction", "normalisation", "shift"):
            locations[f"criteria/{i}/{name}"] = f"{path}.{name}"
        criteria.append(_criterion(c, path, shape))
    axes = []
    for i, a in enumerate(msg.axes):
        path = f"{prefix}.axes[{i}]"
        for key in (str(i), a.id):
            locations[f"axes/{key}"] = path
            for name in ("id", "share", "share_min", "share_max", "target_share", "base_weight"):
                locations[f"axes/{key}/{name}"] = f"{path}.{name}"
        axes.append(
            Axis(
                id=a.id,
                name_es=a.name_es,
                name_en=a.name_en,
                share=_opt(a, "share"),  # type: ignore[arg-type]
                share_min=_opt(a, "share_min"),  # type: ignore[arg-type]
                share_max=_opt(a, "share_max"),  # type: ignore[arg-type]
                target_share=_opt(a, "target_share"),  # type: ignore[arg-type]
                criteria=tuple(
                    _criterion(c, f"{path}.criteria[{j}]", shape) for j, c in enumerate(a.criteria)
                ),
                base_weight=_opt(a, "base_weight"),  # type: ignore[arg-type]
            )
        )
    rules_msg = msg.rules
    band = (
        Band(lower=_opt(rules_msg.band, "lower"), upper=_opt(rules_msg.band, "upper"))  # type: ignore[arg-type]
        if rules_msg.HasField("band")
        else None
    )
    for family in ("region_floors", "region_caps", "absorption_caps", "cell_minimums"):
        for i in range(len(getattr(rules_msg, family))):
            locations[f"rules/{family}/{i}"] = f"{prefix}.rules.{family}[{i}]"
    locations["rules/band/lower"] = f"{prefix}.rules.band.lower"
    locations["rules/band/upper"] = f"{prefix}.rules.band.upper"
    rules = Rules(
        band=band,
        region_floors=tuple(_bound(b) for b in rules_msg.region_floors),
        region_caps=tuple(_bound(b) for b in rules_msg.region_caps),
        absorption_caps=tuple(_bound(b) for b in rules_msg.absorption_caps),
        cell_minimums=tuple(
            CellMinimum(
                axis=m.axis,
                region=m.region or ALL_REGIONS,
                amount=_opt(m, "amount"),  # type: ignore[arg-type]
                share=_opt(m, "share"),  # type: ignore[arg-type]
            )
            for m in rules_msg.cell_minimums
        ),
    )
    objective = (
        Objective.PROPORTIONAL
        if msg.objective == pb.OBJECTIVE_UNSPECIFIED
        else shape.enum(OBJECTIVES, msg.objective, f"{prefix}.objective", "objective")
    )
    if shape.problems:
        raise ScenarioError(shape.problems)
    return Scenario(
        name=msg.name,
        description=msg.description,
        fund=fund,
        regions=tuple(sorted(regions, key=lambda r: r.code)),
        criteria=tuple(criteria),
        base_weight=msg.base_weight,
        axes=tuple(axes),
        rules=rules,
        objective=objective,
        locations=locations,
    )


def options_from_request(msg: pb.AllocateRequest) -> AllocateOptions:
    """Run options of an Allocate request (the time limit is set later, from the deadline).

    Raises
    ------
    ScenarioError
        Unknown language or objective number.
    """
    shape = _Shape()
    language = shape.enum(LANGUAGES, msg.language, "language", "language")
    objective = (
        None
        if msg.objective == pb.OBJECTIVE_UNSPECIFIED
        else shape.enum(OBJECTIVES, msg.objective, "objective", "objective")
    )
    if shape.problems:
        raise ScenarioError(shape.problems)
    return AllocateOptions(language=language, objective=objective)


def fund_to_proto(fund: Fund) -> pb.Fund:
    """Proto of a fund."""
    return pb.Fund(
        name=fund.name,
        fiscal_year=fund.fiscal_year,
        total=fund.total,
        currency=fund.currency,
        rounding_unit=fund.rounding_unit,
    )


def problem_to_proto(problem: Problem) -> pb.Problem:
    """Proto of a located problem."""
    severity = pb.SEVERITY_ERROR if problem.severity == "error" else pb.SEVERITY_WARNING
    return pb.Problem(
        location=problem.location,
        message=problem.message,
        field=problem.field,
        severity=severity,
    )


def conflict_to_proto(conflict: Conflict) -> pb.Conflict:
    """Proto of one conflicting rule family."""
    return pb.Conflict(
        family=str(conflict.family), amount=conflict.amount, description=conflict.description
    )


def plan_into_proto(plan: AllocationPlan, out: pb.Allocation) -> None:
    """Fill the plan part of ``out`` (cells, summaries, justifications, statistics)."""
    out.scenario = plan.scenario
    out.fund.CopyFrom(fund_to_proto(plan.fund))
    out.language = LANGUAGES_OUT[plan.language]
    out.cells.extend(
        pb.Cell(region=c.region, axis=c.axis, amount=c.amount, target=c.target) for c in plan.cells
    )
    for r in plan.regions:
        out.regions.append(
            pb.RegionSummary(
                code=r.code,
                name=r.name,
                target=r.target,
                amount=r.amount,
                previous=r.previous,
                lower=r.lower,
                upper=r.upper,
                main_rule=r.main_rule,
            )
        )
    for a in plan.axes:
        out.axes.append(
            pb.AxisSummary(
                id=a.id,
                name=a.name,
                target=a.target,
                amount=a.amount,
                lower=a.lower,
                upper=a.upper,
                binding=list(a.binding),
            )
        )
    for j in plan.justifications:
        out.justifications.append(
            pb.Justification(
                region=j.region,
                target=j.target,
                amount=j.amount,
                contributions=[
                    pb.Contribution(
                        source=c.source, label=c.label, weight=c.weight, amount=c.amount
                    )
                    for c in j.contributions
                ],
                adjustments=[
                    pb.Adjustment(cause=str(a.cause), amount=a.amount) for a in j.adjustments
                ],
                binding=[
                    pb.BindingRule(
                        family=str(b.family),
                        key=b.key,
                        description=b.description,
                        bound=b.bound,
                        marginal_value=b.marginal_value,
                    )
                    for b in j.binding
                ],
                previous=j.previous,
                change=j.change,
                change_pct=j.change_pct,
                per_capita=j.per_capita,
                per_capita_rank=j.per_capita_rank,
                text=j.text,
            )
        )
    s = plan.stats
    out.stats.CopyFrom(
        pb.SolveStats(
            status=str(s.status),
            objective=OBJECTIVES_OUT.get(s.objective, pb.OBJECTIVE_UNSPECIFIED),
            objective_value=s.objective_value,
            lp_solves=s.lp_solves,
            stage_seconds=dict(s.stage_seconds),
            solver=s.solver,
            versions=dict(s.versions),
            input_sha256=s.input_sha256,
        )
    )


def timestamp(when: datetime) -> Timestamp:
    """Protobuf timestamp of an aware datetime."""
    ts = Timestamp()
    ts.FromDatetime(when)
    return ts


def record_to_proto(record: RunRecord, plan: AllocationPlan | None = None) -> pb.Allocation:
    """Proto of a stored run, with its plan when it ended optimal.

    ``plan``: the run's plan when the caller has it in hand (saves rebuilding it from JSON).
    """
    out = pb.Allocation(
        run_id=record.run_id,
        request_id=record.request_id,
        created_at=timestamp(record.created_at),
        status=RUN_STATUSES[record.status],
        scenario=record.scenario_name,
        input_sha256=record.input_sha256,
        caller_role=record.caller_role,
        caller_name=record.caller_name,
        caller_subject=record.caller_subject,
        error=record.error(),
        timings=dict(record.timings),
    )
    if plan is None:
        plan = record.plan()
    if plan is not None:
        plan_into_proto(plan, out)
    else:
        out.language = LANGUAGES_OUT.get(Language(record.language), pb.LANGUAGE_ES)
        out.fund.fiscal_year = record.fiscal_year
        out.fund.total = record.fund_total
    out.conflicts.extend(conflict_to_proto(c) for c in record.conflicts())
    return out


def summary_to_proto(record: RunRecord) -> pb.AllocationSummary:
    """One row of ListAllocations."""
    return pb.AllocationSummary(
        run_id=record.run_id,
        request_id=record.request_id,
        created_at=timestamp(record.created_at),
        status=RUN_STATUSES[record.status],
        scenario=record.scenario_name,
        fiscal_year=record.fiscal_year,
        fund_total=record.fund_total,
        input_sha256=record.input_sha256,
        caller_role=record.caller_role,
        caller_name=record.caller_name,
        caller_subject=record.caller_subject,
    )


def compare_to_proto(base: RunRecord, other: RunRecord) -> pb.CompareAllocationsResponse:
    """Region-by-region and axis-by-axis differences of two stored runs, and binding changes.

    Runs without a plan compare as empty (every amount 0).
    """
    diff = compare_plans(base.plan(), other.plan())
    out = pb.CompareAllocationsResponse(base=summary_to_proto(base), other=summary_to_proto(other))
    for r in diff.regions:
        out.regions.append(
            pb.RegionDelta(
                code=r.code,
                name=r.name,
                base_amount=r.base_amount,
                other_amount=r.other_amount,
                change=r.change,
                change_pct=r.change_pct,
                base_main_rule=r.base_main_rule,
                other_main_rule=r.other_main_rule,
            )
        )
    out.total_change = diff.total_change
    for a in diff.axes:
        out.axes.append(
            pb.AxisDelta(
                id=a.id,
                name=a.name,
                base_amount=a.base_amount,
                other_amount=a.other_amount,
                change=a.change,
            )
        )
    for ref in diff.started_binding:
        out.started_binding.append(
            pb.RuleRef(family=ref.family, key=ref.key, description=ref.description)
        )
    for ref in diff.stopped_binding:
        out.stopped_binding.append(
            pb.RuleRef(family=ref.family, key=ref.key, description=ref.description)
        )
    return out
