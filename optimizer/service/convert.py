"""Conversion between the ``optimizer.v1`` messages and the domain values.

Only shape is checked here (a missing fund, an unknown enum number); every semantic check is
``check_scenario``'s job, whose problems are located through ``Scenario.locations``, which this
module fills with request field paths such as ``scenario.regions[3].indicators["poblacion"]``.
"""

from __future__ import annotations

import functools
import struct
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from operator import attrgetter
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from google.protobuf.timestamp_pb2 import Timestamp

from optimizer.compare import compare_plans
from optimizer.domain import (
    ALL_REGIONS,
    DEFAULT_MONTHS,
    AllocateOptions,
    AllocationPlan,
    Axis,
    Band,
    CalendarSpec,
    Cell,
    CellMinimum,
    CellTable,
    Conflict,
    CriteriaCategory,
    Criterion,
    DerivedIndicator,
    DerivedOp,
    Direction,
    Fund,
    Guaranteed,
    Justification,
    Language,
    Municipality,
    MunicipalSpec,
    Normalisation,
    Objective,
    Proposal,
    ProposalGap,
    Region,
    RegionBound,
    RegionResult,
    Rules,
    Scenario,
    ShiftMethod,
    criteria_tree,
)
from optimizer.errors import Problem, ScenarioError, localise_location
from optimizer.v1 import allocation_pb2 as pb

if TYPE_CHECKING:
    from optimizer.i18n import Texts

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
        category=msg.category,
    )


DERIVED_OPS = {
    pb.DERIVED_OPERATION_RATIO: DerivedOp.RATIO,
    pb.DERIVED_OPERATION_MEAN: DerivedOp.MEAN,
    pb.DERIVED_OPERATION_SUM: DerivedOp.SUM,
    pb.DERIVED_OPERATION_INVERSE_SHARE: DerivedOp.INVERSE_SHARE,
    pb.DERIVED_OPERATION_SHIFT: DerivedOp.SHIFT,
    pb.DERIVED_OPERATION_MIN_MAX: DerivedOp.MIN_MAX,
}
DERIVED_OPS_OUT = {v: k for k, v in DERIVED_OPS.items()}
SHIFT_METHODS = {
    pb.DERIVED_SHIFT_METHOD_UNSPECIFIED: ShiftMethod.RANGE,
    pb.DERIVED_SHIFT_METHOD_RANGE: ShiftMethod.RANGE,
    pb.DERIVED_SHIFT_METHOD_MEAN_3SD: ShiftMethod.MEAN_3SD,
}
SHIFT_METHODS_OUT = {
    ShiftMethod.RANGE: pb.DERIVED_SHIFT_METHOD_RANGE,
    ShiftMethod.MEAN_3SD: pb.DERIVED_SHIFT_METHOD_MEAN_3SD,
}


def _criteria_parts(
    msg: pb.Scenario, prefix: str, shape: _Shape, locations: dict[str, str]
) -> tuple[tuple[CriteriaCategory, ...], tuple[DerivedIndicator, ...], Guaranteed | None]:
    """Categories, declared indicators and guaranteed amounts of a structured scenario."""
    categories = []
    for k, c in enumerate(msg.categories):
        path = f"{prefix}.categories[{k}]"
        locations[f"criteria/categories/{k}"] = path
        for name in ("weight", "base_weight"):
            locations[f"criteria/categories/{k}/{name}"] = f"{path}.{name}"
        categories.append(
            CriteriaCategory(
                id=c.id,
                weight=c.weight,
                parent=c.parent,
                base_weight=c.base_weight,
                label_es=c.label_es,
                label_en=c.label_en,
            )
        )
    derived = []
    for i, d in enumerate(msg.derived_indicators):
        path = f"{prefix}.derived_indicators[{i}]"
        locations[f"indicators/derived/{i}"] = path
        for name, field in (
            ("name", "name"),
            ("of", "inputs"),
            ("scale", "scale"),
            ("floor", "floor"),
        ):
            locations[f"indicators/derived/{i}/{name}"] = f"{path}.{field}"
        scale = _opt(d, "scale")
        derived.append(
            DerivedIndicator(
                name=d.name,
                op=shape.enum(DERIVED_OPS, d.op, f"{path}.op", "derived operation"),
                inputs=tuple(d.inputs),
                scale=1.0 if scale is None else float(scale),  # type: ignore[arg-type]
                floor=_opt(d, "floor"),  # type: ignore[arg-type]
                method=shape.enum(SHIFT_METHODS, d.method, f"{path}.method", "shift method"),
                label_es=d.label_es,
                label_en=d.label_en,
            )
        )
    guaranteed = None
    if msg.HasField("guaranteed"):
        g = msg.guaranteed
        locations["guaranteed"] = f"{prefix}.guaranteed"
        locations["guaranteed/previous_factor"] = f"{prefix}.guaranteed.previous_factor"
        for code in g.amounts:
            locations[f"regions/{code}/guaranteed"] = f'{prefix}.guaranteed.amounts["{code}"]'
        guaranteed = Guaranteed(
            amounts=dict(sorted(g.amounts.items())),
            previous_factor=_opt(g, "previous_factor"),  # type: ignore[arg-type]
            column=g.column,
        )
    return tuple(categories), tuple(derived), guaranteed


def scenario_to_proto_parts(scenario: Scenario, out: pb.Scenario) -> None:
    """The categories, declared indicators and guaranteed amounts of a scenario into ``out``."""
    for c in scenario.categories:
        out.categories.append(
            pb.CriteriaCategory(
                id=c.id,
                weight=c.weight,
                parent=c.parent,
                base_weight=c.base_weight,
                label_es=c.label_es,
                label_en=c.label_en,
            )
        )
    out.derived_indicators.extend(derived_to_proto(d) for d in scenario.derived)
    g = scenario.guaranteed
    if g is not None:
        out.guaranteed.CopyFrom(
            pb.GuaranteedAmounts(
                amounts=dict(g.amounts), previous_factor=g.previous_factor, column=g.column
            )
        )


def derived_to_proto(d: DerivedIndicator) -> pb.DerivedIndicator:
    """Proto of a declared indicator."""
    return pb.DerivedIndicator(
        name=d.name,
        op=DERIVED_OPS_OUT[d.op],
        inputs=list(d.inputs),
        scale=d.scale,
        floor=d.floor,
        method=SHIFT_METHODS_OUT[d.method],
        label_es=d.label_es,
        label_en=d.label_en,
    )


def validation_parts_into_proto(scenario: Scenario, out: pb.ValidateScenarioResponse) -> None:
    """The criteria tree, declared indicators and guaranteed total of a validated scenario."""
    out.criteria_tree.extend(
        pb.CriteriaTreeNode(
            depth=node.depth,
            kind=node.kind,
            id=node.id,
            label=node.label,
            weight=node.weight,
            effective_weight=node.effective_weight,
        )
        for node in criteria_tree(scenario)
    )
    out.derived_indicators.extend(derived_to_proto(d) for d in scenario.derived)
    if scenario.guaranteed is not None:
        amounts = scenario.guaranteed.per_region(scenario.regions, scenario.fund.rounding_unit)
        out.guaranteed_total = sum(amounts)


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
        axes.append(_axis_of(a, path, shape))
    along = _along_axes_from_proto(msg, prefix, shape, locations)
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
    for i, c in enumerate(msg.criteria):
        if c.category:
            locations[f"criteria/{i}"] = f"{prefix}.criteria[{i}]"
    categories, derived, guaranteed = _criteria_parts(msg, prefix, shape, locations)
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
        **along,  # type: ignore[arg-type]
        categories=categories,
        derived=derived,
        guaranteed=guaranteed,
    )


def _axis_of(a: pb.Axis, path: str, shape: _Shape) -> Axis:
    return Axis(
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
        parent=a.parent,
        level=a.level,
    )


def _along_axes_from_proto(
    msg: pb.Scenario, prefix: str, shape: _Shape, locations: dict[str, str]
) -> dict[str, object]:
    """The tree's inner nodes, proposals, co-financing, calendar and municipal parts."""
    out: dict[str, object] = {}
    if msg.axis_groups:
        groups = []
        for i, a in enumerate(msg.axis_groups):
            path = f"{prefix}.axis_groups[{i}]"
            locations[f"axis_groups/{i}"] = path
            for name in ("id", "share", "share_min", "share_max", "target_share"):
                locations[f"axis_groups/{i}/{name}"] = f"{path}.{name}"
            groups.append(_axis_of(a, path, shape))
        out["axis_groups"] = tuple(groups)
    if msg.proposals:
        lines = []
        for i, p in enumerate(msg.proposals):
            path = f"{prefix}.proposals[{i}]"
            locations[f"proposals/{i}"] = path
            for name in ("region", "axis", "amount", "share"):
                locations[f"proposals/{i}/{name}"] = f"{path}.{name}"
            lines.append(
                Proposal(
                    region=p.region,
                    axis=p.axis,
                    amount=_opt(p, "amount"),  # type: ignore[arg-type]
                    share=_opt(p, "share"),  # type: ignore[arg-type]
                )
            )
        out["proposals"] = tuple(lines)
    if msg.HasField("cofinancing_rate"):
        locations["cofinancing/rate"] = f"{prefix}.cofinancing_rate"
        out["cofinancing_rate"] = msg.cofinancing_rate
    if msg.HasField("calendar"):
        locations["calendar/months"] = f"{prefix}.calendar.months"
        locations["calendar/weights"] = f"{prefix}.calendar.weights"
        months = tuple(msg.calendar.months) or DEFAULT_MONTHS
        weights = tuple(msg.calendar.weights) or tuple(1.0 / len(months) for _ in months)
        out["calendar"] = CalendarSpec(months, weights)
    if msg.HasField("municipal"):
        m = msg.municipal
        locations["municipalities/share"] = f"{prefix}.municipal.share"
        towns = []
        for i, t in enumerate(m.municipalities):
            path = f"{prefix}.municipal.municipalities[{i}]"
            locations[f"municipalities/{t.code}"] = path
            locations[f"municipalities/{t.code}/region"] = f"{path}.region"
            towns.append(
                Municipality(
                    code=t.code,
                    region=t.region,
                    name=t.name,
                    indicators=dict(sorted(t.indicators.items())),
                    population=_opt(t, "population"),  # type: ignore[arg-type]
                )
            )
        out["municipal"] = MunicipalSpec(
            share=m.share,
            municipalities=tuple(towns),
            criteria=tuple(
                _criterion(c, f"{prefix}.municipal.criteria[{j}]", shape)
                for j, c in enumerate(m.criteria)
            ),
            base_weight=m.base_weight,
            floor=_opt(m, "floor"),  # type: ignore[arg-type]
        )
    return out


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


def problem_to_proto(problem: Problem, t: Texts | None = None) -> pb.Problem:
    """Proto of a located problem, its location and message in ``t``'s language (else English)."""
    severity = pb.SEVERITY_ERROR if problem.severity == "error" else pb.SEVERITY_WARNING
    message, location = problem.message, problem.location
    if t is not None:
        message = problem.detail.render(t) if problem.detail is not None else problem.message
        location = localise_location(problem.location, t)
    return pb.Problem(
        location=location,
        message=message,
        field=problem.field,
        severity=severity,
    )


def conflict_to_proto(conflict: Conflict) -> pb.Conflict:
    """Proto of one conflicting rule family."""
    return pb.Conflict(
        family=str(conflict.family), amount=conflict.amount, description=conflict.description
    )


BULK_CELLS = 2_000
"""From this many cells on, ``plan_into_proto`` writes the wire format (see there)."""


def plan_into_proto(plan: AllocationPlan, out: pb.Allocation, bulk: bool | None = None) -> None:
    """Fill the plan part of ``out`` (cells, summaries, justifications, statistics).

    A large plan's many small messages (a cell per region and axis, a justification with its
    contributions per region) are written in the protobuf wire format with array operations
    and parsed by the message in one ``MergeFromString``: building them one Python object at
    a time cost more than the whole allocation at municipal scale. A small plan is built
    field by field, which is faster below ``BULK_CELLS`` cells. Both give the same message
    (``tests/test_convert.py``); ``bulk`` forces one way.
    """
    out.scenario = plan.scenario
    out.fund.CopyFrom(fund_to_proto(plan.fund))
    out.language = LANGUAGES_OUT[plan.language]
    if bulk if bulk is not None else len(plan.cells) >= BULK_CELLS:
        out.MergeFromString(
            _cells_wire(plan.cells)
            + _regions_wire(plan.regions)
            + _justifications_wire(plan.justifications, rule_describer(plan))
        )
    else:
        _fields_into_proto(plan, out)
    _criteria_into_proto(plan, out)
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
                parent=a.parent,
                level=a.level,
            )
        )
    _along_axes_into_proto(plan, out)
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


def _gap_to_proto(g: ProposalGap) -> pb.ProposalGap:
    return pb.ProposalGap(
        region=g.region,
        axis=g.axis,
        proposed=g.proposed,
        amount=g.amount,
        rule=g.rule,
        rule_key=g.rule_key,
    )


def _along_axes_into_proto(plan: AllocationPlan, out: pb.Allocation) -> None:
    """Tree totals, proposal gaps, co-financing, calendar and municipalities (when present)."""
    for a in plan.groups:
        out.groups.append(
            pb.AxisSummary(
                id=a.id,
                name=a.name,
                target=a.target,
                amount=a.amount,
                lower=a.lower,
                upper=a.upper,
                binding=list(a.binding),
                parent=a.parent,
                level=a.level,
            )
        )
    if plan.proposal_gaps:
        out.proposal_gaps.extend(_gap_to_proto(g) for g in plan.proposal_gaps)
        for message, j in zip(out.justifications, plan.justifications, strict=True):
            message.proposal_gaps.extend(_gap_to_proto(g) for g in j.proposal_gaps)
    out.cofinancing.extend(
        pb.CofinancingRow(key=c.key, federal=c.federal, contribution=c.contribution, total=c.total)
        for c in plan.cofinancing
    )
    out.cofinancing_cells.extend(
        pb.CofinancingCell(
            region=c.region,
            node=c.node,
            federal=c.federal,
            contribution=c.contribution,
            total=c.total,
        )
        for c in plan.cofinancing_cells
    )
    if plan.cofinancing_rate is not None:
        out.cofinancing_rate = plan.cofinancing_rate
    if plan.calendar is not None:
        cal = plan.calendar
        out.calendar.CopyFrom(
            pb.CalendarPlan(
                months=list(cal.months),
                national=list(cal.national),
                regions=list(cal.regions),
                amounts=list(cal.amounts),
            )
        )
    out.pass_through.extend(
        pb.MunicipalPassThrough(region=p.region, share=p.share, amount=p.amount)
        for p in plan.pass_through
    )
    out.municipalities.extend(
        pb.MunicipalAmount(
            code=m.code, region=m.region, name=m.name, amount=m.amount, target=m.target
        )
        for m in plan.municipalities
    )


def _criteria_into_proto(plan: AllocationPlan, out: pb.Allocation) -> None:
    """Category subtotals, guaranteed amounts and declared indicators (after either path).

    Only plans of scenarios with categories or guaranteed amounts carry them, and those are
    state plans: one message at a time is fast enough.
    """
    if (
        not plan.categories
        and plan.guaranteed_total is None
        and not any(j.derived for j in plan.justifications[:1])
    ):
        return
    for c in plan.categories:
        out.categories.append(
            pb.CategorySummary(
                category=c.category,
                label=c.label,
                parent=c.parent,
                weight=c.weight,
                effective_weight=c.effective_weight,
                amount=c.amount,
            )
        )
    if plan.guaranteed_total is not None:
        out.guaranteed_total = plan.guaranteed_total

    def subtotals(items: Sequence[Any]) -> list[pb.CategorySubtotal]:
        return [
            pb.CategorySubtotal(
                category=c.category, label=c.label, weight=c.weight, amount=c.amount
            )
            for c in items
        ]

    for row, r in zip(out.regions, plan.regions, strict=True):
        row.categories.extend(subtotals(r.categories))
        if r.guaranteed is not None:
            row.guaranteed = r.guaranteed
    for message, j in zip(out.justifications, plan.justifications, strict=True):
        message.categories.extend(subtotals(j.categories))
        if j.guaranteed is not None:
            message.guaranteed = j.guaranteed
        if j.formula_on_excess is not None:
            message.formula_on_excess = j.formula_on_excess
        message.derived.extend(
            pb.DerivedIndicatorNote(name=d.name, label=d.label, description=d.description)
            for d in j.derived
        )


def _fields_into_proto(plan: AllocationPlan, out: pb.Allocation) -> None:
    """Cells, region rows and justifications one message at a time."""
    describe = rule_describer(plan)
    cells = plan.cells
    if isinstance(cells, CellTable):  # straight from the columns, no Cell objects
        m = len(cells.axes)
        out.cells.extend(
            pb.Cell(region=cells.regions[k // m], axis=cells.axes[k % m], amount=x, target=t)
            for k, (x, t) in enumerate(zip(cells.amounts, cells.targets, strict=True))
        )
    else:
        out.cells.extend(
            pb.Cell(region=c.region, axis=c.axis, amount=c.amount, target=c.target) for c in cells
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
                        description=describe(str(b.family), b.key),
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


# --------------------------------------------------------------------------------------------
# Protobuf wire format for the plan's many small messages
# (https://protobuf.dev/programming-guides/encoding/): a field is a key (number << 3 | wire
# type) then a varint (0), 8 little-endian bytes (1) or a length and the bytes (2). proto3
# leaves out zero, empty and unset values unless the field is ``optional``.
# --------------------------------------------------------------------------------------------

_U64 = (1 << 64) - 1
_SMALL = [bytes([v]) for v in range(128)]
_DOUBLE = struct.Struct("<d")

# Field numbers in allocation.proto: Allocation.cells = 8, .regions = 9, .justifications = 11.
_CELLS, _REGIONS, _JUSTIFICATIONS = 8, 9, 11


def _varint(value: int) -> bytes:
    """A varint; negative int64 values as their two's complement, ten bytes."""
    value &= _U64
    if value < 0x80:
        return _SMALL[value]
    out = bytearray()
    while value >= 0x80:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


@functools.cache
def _key(number: int, wire: int) -> bytes:
    return _varint(number << 3 | wire)


def _text(number: int, value: str) -> bytes:
    if not value:
        return b""
    data = value.encode("utf-8")
    size = len(data)
    return _key(number, 2) + (_SMALL[size] if size < 0x80 else _varint(size)) + data


def _double(number: int, data: bytes) -> bytes:
    """A double field from its 8 little-endian bytes; +0.0 (all zero) is the default."""
    return b"" if data == bytes(8) else _key(number, 1) + data


# Each helper below returns a "part": one field of every item, as the items' bytes one after
# the other (a flat byte array) and each item's length (0 where the field is left out). Joining
# parts interleaves each item's bytes of every part in order; one scatter per part, so the cost
# is the bytes written, not items x the longest item.
_Bytes = npt.NDArray[np.uint8]
_Ints = npt.NDArray[np.int64]
_Part = tuple[_Bytes, _Ints]


def _starts(lengths: _Ints) -> _Ints:
    """Where each item starts in the flat bytes."""
    ends = np.cumsum(lengths)
    return ends - lengths


def _spread(offsets: _Ints, lengths: _Ints) -> _Ints:
    """``offsets[i] + k`` for every ``k < lengths[i]``, item after item."""
    total = int(lengths.sum())
    return np.repeat(offsets - _starts(lengths), lengths) + np.arange(total, dtype=np.int64)


def _from_rows(rows: _Bytes, lengths: _Ints) -> _Part:
    """A part from a byte matrix, a row per item whose first ``lengths[i]`` bytes count."""
    valid = np.arange(rows.shape[1]) < lengths[:, None]
    return rows[valid], lengths


def _pieces(pieces: Sequence[bytes]) -> _Part:
    """One byte string per item."""
    lengths = np.fromiter(map(len, pieces), dtype=np.int64, count=len(pieces))
    return np.frombuffer(b"".join(pieces), dtype=np.uint8), lengths


def _texts(number: int, values: Sequence[str]) -> _Part:
    """A string field per item; each distinct string is encoded once (rule families repeat)."""
    unique = dict.fromkeys(values)
    if len(unique) * 2 > len(values):
        return _pieces([_text(number, v) for v in values])
    position = {v: k for k, v in enumerate(unique)}
    which = np.fromiter(map(position.__getitem__, values), dtype=np.int64, count=len(values))
    return _pick(_pieces([_text(number, v) for v in unique]), which)


def _pick(part: _Part, index: _Ints) -> _Part:
    """Item ``i`` takes item ``index[i]`` of ``part`` (strings shared by many items)."""
    data, lengths = part
    chosen = lengths[index]
    return data[_spread(_starts(lengths)[index], chosen)], chosen


def _varints(
    number: int, values: _Ints, present: npt.NDArray[np.bool_] | None = None, wire: int = 0
) -> _Part:
    """An int64 field per item; ``present`` for ``optional`` fields, else zeros are left out.

    ``wire=2``: the values are the lengths that precede embedded messages of field ``number``.
    """
    v = values.astype(np.uint64)  # two's complement for negative int64, as protobuf has it
    size = np.ones(len(v), dtype=np.int64)
    for k in range(1, 10):
        size += v >= np.uint64(1 << (7 * k))
    longest = int(size.max(initial=1))
    rows = np.empty((len(v), longest + 1), dtype=np.uint8)
    rows[:, 0] = _byte_key(number, wire)
    for k in range(longest):
        byte = ((v >> np.uint64(7 * k)) & np.uint64(0x7F)).astype(np.uint8)
        rows[:, k + 1] = byte | ((k < size - 1) * np.uint8(0x80)).astype(np.uint8)
    keep = values != 0 if present is None else present
    return _from_rows(rows, np.where(keep, size + 1, 0))


def _byte_key(number: int, wire: int) -> int:
    """The key of a field numbered below 16: one byte."""
    key = _key(number, wire)
    if len(key) != 1:
        raise ValueError(f"field {number} needs a key of {len(key)} bytes")
    return key[0]


def _doubles(number: int, values: Sequence[float | None], optional: bool = False) -> _Part:
    """A double field per item: key and 8 little-endian bytes; +0.0 left out unless optional."""
    present = np.array([v is not None for v in values], dtype=np.bool_)
    numbers = np.array([0.0 if v is None else v for v in values], dtype="<f8")
    rows = np.zeros((len(values), 9), dtype=np.uint8)
    rows[:, 0] = _byte_key(number, 1)
    rows[:, 1:] = numbers.view(np.uint8).reshape(-1, 8)
    keep = present if optional else rows[:, 1:].any(axis=1)
    return _from_rows(rows, np.where(keep, 9, 0))


def _optional(number: int, values: Sequence[int | None]) -> _Part:
    """An ``optional int64`` field per item (None: absent)."""
    present = np.array([v is not None for v in values], dtype=np.bool_)
    ints = np.array([0 if v is None else v for v in values], dtype=np.int64)
    return _varints(number, ints, present)


_LONG = 64
"""Average bytes per item from which ``_join`` copies a part item by item."""


def _join(parts: Sequence[_Part]) -> _Part:
    """Per item, its bytes of each part, in order."""
    lengths = np.asarray(np.sum([length for _, length in parts], axis=0), dtype=np.int64)
    out = np.empty(int(lengths.sum()), dtype=np.uint8)
    offset = _starts(lengths)
    for data, part_lengths in parts:
        if len(data) > _LONG * len(part_lengths):
            # Long items (texts): a slice per item costs less than an index per byte.
            at = 0
            for start, length in zip(offset.tolist(), part_lengths.tolist(), strict=True):
                out[start : start + length] = data[at : at + length]
                at += length
        else:
            out[_spread(offset, part_lengths)] = data
        offset = offset + part_lengths
    return out, lengths


def _messages(number: int, parts: Sequence[_Part]) -> _Part:
    """Each item as an embedded message of field ``number``: key, length, its parts."""
    size = np.asarray(np.sum([length for _, length in parts], axis=0), dtype=np.int64)
    head = _varints(number, size, np.ones(len(size), dtype=np.bool_), wire=2)
    return _join([head, *parts])


def _group(part: _Part, counts: Sequence[int]) -> _Part:
    """Consecutive items taken together, ``counts[i]`` of them for item ``i``."""
    data, lengths = part
    size = np.asarray(counts, dtype=np.int64)
    # The items of a group are already next to each other: only the lengths add up.
    group = np.repeat(np.arange(len(size)), size)
    return data, np.bincount(group, weights=lengths, minlength=len(size)).astype(np.int64)


def _bytes_of(part: _Part) -> bytes:
    return part[0].tobytes()


def _cells_wire(cells: Sequence[Cell]) -> bytes:
    """Every cell as an ``Allocation.cells`` entry."""
    if isinstance(cells, CellTable):
        regions, axes = cells.regions, cells.axes
        n, m = len(regions), len(axes)
        region_of = np.repeat(np.arange(n, dtype=np.int64), m)
        axis_of = np.tile(np.arange(m, dtype=np.int64), n)
        amounts, targets = cells.amounts, cells.targets
    else:
        region_index: dict[str, int] = {}
        axis_index: dict[str, int] = {}
        region_of = np.array(
            [region_index.setdefault(c.region, len(region_index)) for c in cells], dtype=np.int64
        )
        axis_of = np.array(
            [axis_index.setdefault(c.axis, len(axis_index)) for c in cells], dtype=np.int64
        )
        regions, axes = tuple(region_index), tuple(axis_index)
        amounts, targets = tuple(c.amount for c in cells), tuple(c.target for c in cells)
    parts = [
        _pick(_texts(1, regions), region_of),
        _pick(_texts(2, axes), axis_of),
        _varints(3, np.array(amounts, dtype=np.int64)),
        _varints(4, np.array(targets, dtype=np.int64)),
    ]
    return _bytes_of(_messages(_CELLS, parts))


def _regions_wire(rows: Sequence[RegionResult]) -> bytes:
    """Every region summary as an ``Allocation.regions`` entry."""
    parts = [
        _texts(1, [r.code for r in rows]),
        _texts(2, [r.name for r in rows]),
        _varints(3, np.array([r.target for r in rows], dtype=np.int64)),
        _varints(4, np.array([r.amount for r in rows], dtype=np.int64)),
        _optional(5, [r.previous for r in rows]),
        _optional(6, [r.lower for r in rows]),
        _optional(7, [r.upper for r in rows]),
        _texts(8, [r.main_rule for r in rows]),
    ]
    return _bytes_of(_messages(_REGIONS, parts))


_CONTRIBUTIONS = attrgetter("contributions")
_HEAD = attrgetter("source", "label", "weight")
_AMOUNT = attrgetter("amount")


def _justifications_wire(
    rows: Sequence[Justification], describe: Callable[[str, str], str]
) -> bytes:
    """Every justification as an ``Allocation.justifications`` entry."""
    # Contributions: the same (source, label, weight) in every region, written once.
    # Keyed by the weight's bytes: 0.0 and -0.0 are equal floats but different fields.
    per_row = list(map(len, map(_CONTRIBUTIONS, rows)))
    flat = [c for j in rows for c in j.contributions]
    heads: list[tuple[str, str, float]] | list[tuple[str, str, bytes]]
    heads = list(map(_HEAD, flat))
    unique = dict.fromkeys(heads)
    if any(weight == 0.0 for _, _, weight in unique):
        # 0.0 and -0.0 are equal keys but different fields: key zeros by their bytes.
        heads = [(s, label, _DOUBLE.pack(w)) for s, label, w in heads]
        unique = dict.fromkeys(heads)
    position = {head: k for k, head in enumerate(unique)}
    which = np.fromiter(map(position.__getitem__, heads), dtype=np.int64, count=len(heads))
    prefix = _pieces(
        [
            _text(1, s) + _text(2, label) + _double(3, w if type(w) is bytes else _DOUBLE.pack(w))
            for s, label, w in unique
        ]
    )
    amounts = np.fromiter(map(_AMOUNT, flat), dtype=np.int64, count=len(flat))
    contributions = _messages(4, [_pick(prefix, which), _varints(4, amounts)])
    adjustments = [a for j in rows for a in j.adjustments]
    adjustment = _messages(
        5,
        [
            _texts(1, [str(a.cause) for a in adjustments]),
            _varints(2, np.array([a.amount for a in adjustments], dtype=np.int64)),
        ],
    )
    rules = [b for j in rows for b in j.binding]
    rule = _messages(
        6,
        [
            _texts(1, [str(b.family) for b in rules]),
            _texts(2, [b.key for b in rules]),
            _texts(3, [describe(str(b.family), b.key) for b in rules]),
            _varints(4, np.array([b.bound for b in rules], dtype=np.int64)),
            _doubles(5, [b.marginal_value for b in rules]),
        ],
    )
    parts = [
        _texts(1, [j.region for j in rows]),
        _varints(2, np.array([j.target for j in rows], dtype=np.int64)),
        _varints(3, np.array([j.amount for j in rows], dtype=np.int64)),
        _group(contributions, per_row),
        _group(adjustment, [len(j.adjustments) for j in rows]),
        _group(rule, [len(j.binding) for j in rows]),
        _optional(7, [j.previous for j in rows]),
        _optional(8, [j.change for j in rows]),
        _doubles(9, [j.change_pct for j in rows], optional=True),
        _doubles(10, [j.per_capita for j in rows], optional=True),
        _optional(11, [j.per_capita_rank for j in rows]),
        _texts(12, [j.text for j in rows]),
    ]
    return _bytes_of(_messages(_JUSTIFICATIONS, parts))


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
    # The request names no language: the texts follow the runs' (the other run's first).
    plans = [p for p in (other.plan(), base.plan()) if p is not None]
    language = plans[0].language if plans else Language(other.language or Language.ES)
    describe = rule_describer(*plans, language=language)
    for ref in diff.started_binding:
        out.started_binding.append(
            pb.RuleRef(family=ref.family, key=ref.key, description=describe(ref.family, ref.key))
        )
    for ref in diff.stopped_binding:
        out.stopped_binding.append(
            pb.RuleRef(family=ref.family, key=ref.key, description=describe(ref.family, ref.key))
        )
    return out


def rule_describer(
    *plans: AllocationPlan, language: Language | None = None
) -> Callable[[str, str], str]:
    """``describe(family, key)``: a rule in words in the plans' language, for the texts sent.

    ``band_floor`` + ``08`` becomes "piso de la banda: Chihuahua (08)"; an axis' share bound
    names the programa; a national-priority minimum (``08/P1``) the state and the programa. The
    machine ``family`` and ``key`` fields stay as they are.
    """
    from optimizer.i18n import texts

    t = texts(language if language is not None else plans[0].language if plans else Language.ES)
    regions = {r.code: r.name for p in plans for r in p.regions}
    axes = {a.id: a.name for p in plans for a in p.axes}

    def where(key: str) -> str:
        region, _, axis = key.partition("/")
        if region in regions and axis:
            return t._("{state} ({code}), {level} {axis}").format(
                state=regions[region], code=region, level=t.level(), axis=axis
            )
        if key in regions:
            return f"{regions[key]} ({key})"
        if key in axes:
            return t._("{level} {axis}").format(level=t.level(), axis=f"{axes[key]} ({key})")
        return key

    def describe(family: str, key: str) -> str:
        return t._("{rule}: {where}").format(rule=t.rule(family), where=where(key))

    return describe
