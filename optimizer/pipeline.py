"""The one entry point: ``allocate(scenario, options) -> AllocationPlan``.

check -> formula targets -> build LP -> solve (HiGHS) -> verify -> round -> verify -> justify.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import time
from collections.abc import Sequence
from dataclasses import replace
from importlib.metadata import PackageNotFoundError, version

import numpy as np
import numpy.typing as npt

from optimizer.calendar import calendar_plan
from optimizer.checks import check_scenario
from optimizer.cofinancing import cofinancing
from optimizer.concertacion import group_results, proposal_gaps
from optimizer.domain import (
    AllocateOptions,
    AllocationPlan,
    CellTable,
    Conflict,
    Language,
    MunicipalAmount,
    PassThrough,
    RuleFamily,
    Scenario,
    SolveStats,
    SolveStatus,
    canonical_json,
)
from optimizer.errors import InfeasibleError, ScenarioError, SolverError
from optimizer.explain import (
    category_summaries,
    diagnose,
    justify,
    precheck_conflicts,
    with_proposal_gaps,
)
from optimizer.formula import compute_targets, guaranteed_amounts
from optimizer.i18n import texts
from optimizer.indicators import with_derived
from optimizer.model import ModelData, build_model_data, violations
from optimizer.municipal import municipal_scenarios, pass_through
from optimizer.objectives import RulesInfeasible, optimise
from optimizer.rounding import Shortfall, WholeUnitsInfeasible, round_cells
from optimizer.solve import solver_version
from optimizer.tree import Tree

logger = logging.getLogger(__name__)

PACKAGES = ("fund-allocation-optimizer", "pulp", "highspy", "numpy")


def package_versions() -> dict[str, str]:
    """Versions of this package and of the numerical stack, for the audit trail."""
    return dict(_package_versions())


@functools.cache
def _package_versions() -> dict[str, str]:
    # Reading package metadata costs milliseconds; installed versions do not change in a process.
    out = {}
    for name in PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "unknown"
    return out


def whole_unit_conflicts(
    shortfalls: Sequence[Shortfall], data: ModelData, language: Language = Language.EN
) -> list[Conflict]:
    """The rounding's shortfalls as conflicts, one per rule family (like ``diagnose``)."""
    t = texts(language)
    by_family: dict[str, list[Shortfall]] = {}
    for s in shortfalls:
        by_family.setdefault(str(s.family), []).append(s)
    out = []
    for family in sorted(by_family):
        items = by_family[family]
        amount = sum(s.amount for s in items)
        where = ", ".join(
            t._("{key} by {amount}").format(key=s.key, amount=t.money(s.amount)) for s in items[:6]
        )
        if len(items) > 6:
            where = t._("{names} and {n} more").format(names=where, n=len(items) - 6)
        message = t._("{rule} must give way by {amount} in whole units of {unit} ({where})")
        out.append(
            Conflict(
                family,
                amount,
                message.format(
                    rule=t.rule(family),
                    amount=t.money(amount),
                    unit=t.money(data.unit),
                    where=where,
                ),
            )
        )
    return out


def raise_for_guaranteed(scenario: Scenario, language: Language = Language.EN) -> None:
    """Guaranteed amounts above the fund: infeasible criteria, diagnosed in pesos.

    Raises
    ------
    InfeasibleError
        With one conflict of family ``guaranteed`` and the pesos by which they exceed the fund.
    """
    amounts = guaranteed_amounts(scenario)
    if amounts is None:
        return
    total, fund = sum(amounts), scenario.fund.total
    if total <= fund:
        return
    t = texts(language)
    description = t._(
        "the guaranteed amounts add up to {sum}, {excess} more than the fund {fund}: nothing is "
        "left for the formula"
    ).format(sum=t.money(total), excess=t.money(total - fund), fund=t.money(fund))
    conflict = Conflict(RuleFamily.GUARANTEED, total - fund, description)
    summary = t._("the rules cannot all hold: {reason}").format(reason=description)
    raise InfeasibleError(summary, [conflict], language)


def input_sha256(scenario: Scenario) -> str:
    """SHA-256 of the scenario's canonical JSON."""
    return hashlib.sha256(canonical_json(scenario).encode("utf-8")).hexdigest()


def allocate(scenario: Scenario, options: AllocateOptions | None = None) -> AllocationPlan:
    """Allocate the fund of ``scenario`` exactly, honouring every rule, with justifications.

    Parameters
    ----------
    scenario
        The allocation question (from a scenario file or the service).
    options
        Language of the texts, objective override, time limit.

    Returns
    -------
    AllocationPlan
        Integer-peso cells that sum to the fund; every rule re-checked by us.

    Raises
    ------
    ScenarioError
        The scenario fails its checks (every problem listed).
    InfeasibleError
        The rules cannot hold together; carries the diagnosis in pesos.
    SolverError
        The solver failed, the time limit ran out (``DeadlineExceededError``) or the plan failed
        our own re-check.
    """
    # Every stage is timed, from the first line to the plan, so the stages add up to the call.
    clock = started = time.perf_counter()
    stages: dict[str, float] = {}

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        stages[stage] = round(now - clock, 6)
        clock = now

    options = options or AllocateOptions()
    # Every tie (rounding, degenerate vertices) is broken by position: make position mean
    # region code, whatever order the caller used.
    scenario = replace(scenario, regions=tuple(sorted(scenario.regions, key=lambda r: r.code)))
    objective = options.objective or scenario.objective
    problems = check_scenario(scenario)
    if any(p.severity == "error" for p in problems):
        raise ScenarioError(problems)
    lap("checks")
    # The same for axes, by id; but a planner lists axes in the order of the programme (P1 ..
    # P10), so the plan's cells and axis rows go back to the caller's order at the end.
    caller = scenario
    scenario = replace(scenario, axes=tuple(sorted(scenario.axes, key=lambda a: a.id)))
    # Declared indicators become columns of the regions before the criteria read them.
    scenario = with_derived(scenario)
    raise_for_guaranteed(scenario, options.language)
    targets = compute_targets(scenario)
    data = build_model_data(scenario, targets)
    t = texts(options.language)
    conflicts = precheck_conflicts(data, options.language)
    if conflicts:
        summary = t._("the rules cannot all hold: {reason}").format(reason=conflicts[0].description)
        raise InfeasibleError(summary, conflicts, options.language)
    lap("targets")
    try:
        optimum = optimise(data, objective, options.time_limit)
    except RulesInfeasible:
        conflicts = diagnose(data, options.time_limit, options.language)
        total = sum(c.amount for c in conflicts)
        summary = t._("the rules cannot all hold; they must give way by {amount} in total")
        raise InfeasibleError(
            summary.format(amount=t.money(total)), conflicts, options.language
        ) from None
    lap("solve")
    # Building the LPs happens inside optimise(), level by level; report it as its own stage.
    build = min(optimum.build_seconds, stages["solve"])
    stages["build"] = round(build, 6)
    stages["solve"] = round(stages["solve"] - build, 6)
    broken = violations(optimum.cells, data, tol=max(1.0, 1e-6 * data.fund / 1e4) * data.unit)
    if broken:
        raise SolverError("the solver's plan fails our re-check: " + "; ".join(broken[:5]))
    lap("verify")
    try:
        left = None
        if options.time_limit is not None:
            left = max(options.time_limit - (time.perf_counter() - started), 0.001)
        rounded = round_cells(optimum.cells, data, left)
    except WholeUnitsInfeasible as err:
        conflicts = whole_unit_conflicts(err.shortfalls, data, options.language)
        total = sum(c.amount for c in conflicts)
        summary = t._(
            "the rules hold in fractions of the rounding unit ({unit}) but not in whole units; "
            "they must give way by {amount} in total"
        )
        raise InfeasibleError(
            summary.format(unit=t.money(data.unit), amount=t.money(total)),
            conflicts,
            options.language,
        ) from None
    cells = np.asarray(rounded, dtype=np.int64).reshape(data.n, data.m)
    broken = violations(cells, data)
    if broken:
        raise SolverError("the rounded plan fails our re-check: " + "; ".join(broken[:5]))
    lap("round")
    regions, axes, justifications, cell_targets = justify(
        scenario, data, cells, optimum.duals, optimum.registry, options.language
    )
    lap("justify")
    # Cells stay columns until a front door writes them (see CellTable), in the caller's axis
    # order (ties were broken in axis-id order above).
    position = {axis: a for a, axis in enumerate(data.axes)}
    order = [position[axis.id] for axis in caller.effective_axes]
    plan_cells = CellTable(
        data.regions,
        tuple(data.axes[a] for a in order),
        cells[:, order].ravel().tolist(),
        cell_targets[:, order].ravel().tolist(),
    )
    axes = tuple(axes[a] for a in order)
    if scenario.axis_groups:
        # Leaves carry their place in the tree (parent, level) like the groups' rows.
        by_id = {a.id: a for a in scenario.axes}
        axes = tuple(
            replace(row, parent=by_id[row.id].parent, level=by_id[row.id].level) for row in axes
        )
    lap("cells")
    deadline = None if options.time_limit is None else started + options.time_limit
    extras = _along_the_axes(scenario, data, cells, cell_targets, options, deadline)
    gaps = extras.get("proposal_gaps")
    if isinstance(gaps, tuple) and gaps:
        justifications = with_proposal_gaps(justifications, gaps, data, options.language)
    if extras:
        lap("extras")
    digest = input_sha256(caller)
    lap("hash")
    stats = SolveStats(
        status=SolveStatus.OPTIMAL,
        objective=objective,
        objective_value=round(optimum.objective_value, 12),
        lp_solves=optimum.lp_solves,
        stage_seconds=stages,
        solver=solver_version(),
        versions=package_versions(),
        input_sha256=digest,
    )
    logger.info("allocated %s in %d LP solve(s)", scenario.name, optimum.lp_solves)
    return AllocationPlan(
        scenario=scenario.name,
        fund=scenario.fund,
        language=options.language,
        cells=plan_cells,
        regions=regions,
        axes=axes,
        justifications=justifications,
        stats=stats,
        **extras,  # type: ignore[arg-type]
        categories=category_summaries(scenario, justifications, options.language),
        guaranteed_total=sum(targets.guaranteed) if scenario.guaranteed is not None else None,
    )


def _along_the_axes(
    scenario: Scenario,
    data: ModelData,
    cells: npt.NDArray[np.int64],
    cell_targets: npt.NDArray[np.int64],
    options: AllocateOptions,
    deadline: float | None = None,
) -> dict[str, object]:
    """The plan's parts beyond the cells: tree totals, proposals, co-financing, calendar,
    municipalities (each only when the scenario asks for it)."""
    out: dict[str, object] = {}
    if scenario.axis_groups:
        out["groups"] = group_results(scenario, data, cells, cell_targets, options.language)
    if scenario.proposals:
        out["proposal_gaps"] = proposal_gaps(scenario, data, cells, cell_targets)
    totals = cells.sum(axis=1).tolist()
    if scenario.cofinancing_rate is not None:
        by_id = {a.id: a for a in scenario.effective_axes}
        tree = Tree.of([by_id[a] for a in data.axes], scenario.axis_groups)
        nodes = [(node, tree.leaf_positions(node)) for node in tree.order()]
        out["cofinancing_rate"] = scenario.cofinancing_rate
        rows, per_state = cofinancing(
            scenario.cofinancing_rate, data.regions, cells.tolist(), nodes
        )
        out["cofinancing"] = rows
        out["cofinancing_cells"] = per_state
    if scenario.calendar is not None:
        out["calendar"] = calendar_plan(scenario.calendar, data.regions, totals, data.unit)
    if scenario.municipal is not None:
        amounts = pass_through(scenario.municipal, data.regions, totals, data.unit)
        out["pass_through"] = amounts
        if scenario.municipal.municipalities:
            out["municipalities"] = allocate_municipalities(scenario, amounts, options, deadline)
    return out


def allocate_municipalities(
    scenario: Scenario,
    amounts: Sequence[PassThrough],
    options: AllocateOptions,
    deadline: float | None = None,
) -> tuple[MunicipalAmount, ...]:
    """Each state's pass-through split among its municipalities by the same engine.

    Each state's municipalities sum exactly to its pass-through (each sub-plan is exact). With a
    ``deadline`` (``time.perf_counter()`` time: the whole ``allocate()`` call's time limit), each
    sub-plan gets only the time left, so the states together stay within the caller's limit.
    """
    assert scenario.municipal is not None
    names = {m.code: m for m in scenario.municipal.municipalities}
    out: list[MunicipalAmount] = []
    for sub in municipal_scenarios(scenario, scenario.municipal, amounts):
        state = sub.name.rsplit("/", 1)[-1]
        try:
            limit = options.time_limit
            if deadline is not None:
                limit = max(deadline - time.perf_counter(), 0.001)
            plan = allocate(sub, replace(options, objective=None, time_limit=limit))
        except ScenarioError as err:
            # The sub-scenario has no file locations: name the state and the municipal table.
            raise ScenarioError(
                [
                    replace(p, location=f"municipalities of state {state}: {p.location}")
                    for p in err.problems
                ]
            ) from None
        except InfeasibleError as err:
            t = texts(options.language)
            raise InfeasibleError(
                t._("the municipalities of state {state}: {summary}").format(
                    state=state, summary=err.summary
                ),
                [
                    replace(
                        c,
                        description=t._("state {state}: {description}").format(
                            state=state, description=c.description
                        ),
                    )
                    for c in err.conflicts
                ],
                options.language,
            ) from None
        for region in plan.regions:
            m = names[region.code]
            out.append(MunicipalAmount(m.code, m.region, m.name, region.amount, region.target))
    return tuple(out)
