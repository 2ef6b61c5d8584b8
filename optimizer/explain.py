"""Justifications for every region and axis, and the diagnosis of infeasible criteria.

Structured fields first (``Justification``, ``Conflict``); texts are built from them, never the
other way round.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulp

from optimizer.domain import (
    Adjustment,
    AxisResult,
    BindingRule,
    Conflict,
    Contribution,
    Justification,
    Language,
    RegionResult,
    RuleFamily,
    Scenario,
)
from optimizer.formula import BASE_SOURCE
from optimizer.model import (
    LOWER_FAMILIES,
    UPPER_FAMILIES,
    ConstraintInfo,
    ModelData,
    add_rule_constraints,
    create_model,
)
from optimizer.rounding import apportion
from optimizer.solve import LpOutcome, solve

PER_MILLION = 1_000_000

FAMILY_TEXT: dict[str, dict[Language, str]] = {
    RuleFamily.FUND_TOTAL: {Language.ES: "total del fondo", Language.EN: "fund total"},
    RuleFamily.BAND_FLOOR: {
        Language.ES: "piso de la banda contra el año anterior",
        Language.EN: "band floor against the previous allocation",
    },
    RuleFamily.BAND_CAP: {
        Language.ES: "tope de la banda contra el año anterior",
        Language.EN: "band cap against the previous allocation",
    },
    RuleFamily.REGION_FLOOR: {Language.ES: "monto mínimo", Language.EN: "region floor"},
    RuleFamily.REGION_CAP: {Language.ES: "monto máximo", Language.EN: "region cap"},
    RuleFamily.ABSORPTION_CAP: {
        Language.ES: "capacidad de ejercicio",
        Language.EN: "absorption cap",
    },
    RuleFamily.AXIS_MIN: {
        Language.ES: "participación mínima del eje",
        Language.EN: "axis minimum share",
    },
    RuleFamily.AXIS_MAX: {
        Language.ES: "participación máxima del eje",
        Language.EN: "axis maximum share",
    },
    RuleFamily.CELL_MINIMUM: {
        Language.ES: "mínimo de prioridad nacional",
        Language.EN: "national-priority minimum",
    },
    "redistribution": {
        Language.ES: "redistribución proporcional para respetar las reglas de otras entidades",
        Language.EN: "proportional redistribution so that other regions' rules hold",
    },
}

MAIN_RULE_ORDER = (
    RuleFamily.BAND_FLOOR,
    RuleFamily.REGION_FLOOR,
    RuleFamily.BAND_CAP,
    RuleFamily.REGION_CAP,
    RuleFamily.ABSORPTION_CAP,
    RuleFamily.CELL_MINIMUM,
)


def family_text(family: RuleFamily | str, language: Language) -> str:
    """Business name of a rule family."""
    return FAMILY_TEXT.get(family, {}).get(language, str(family))


def pesos(amount: int) -> str:
    """``$1,234,567`` with a sign for negatives."""
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,}"


def _by_key(registry: dict[str, ConstraintInfo]) -> dict[str, list[tuple[str, ConstraintInfo]]]:
    """Registry entries grouped by key, each group in registry order (one pass, not one per region)."""
    out: dict[str, list[tuple[str, ConstraintInfo]]] = {}
    for name, info in registry.items():
        out.setdefault(info.key, []).append((name, info))
    return out


def _binding_for_region(
    r: int,
    row: Sequence[int],
    data: ModelData,
    duals: dict[str, float],
    entries: Sequence[tuple[str, ConstraintInfo]],
) -> list[BindingRule]:
    """Region-level rules that hold with equality (to the rounding unit) at the plan.

    ``entries``: the registry entries whose key is this region's code, in registry order.
    """
    code = data.regions[r]
    total = sum(row)
    out: list[BindingRule] = []
    # A region held at the end of its own band in the first level is pinned there by a "level"
    # row; that row's dual is the marginal value of the band (or floor, cap) holding it.
    pin_dual = sum(
        duals.get(name, 0.0)
        for name, info in entries
        if info.family == "level" and info.key == code
    )
    for name, info in entries:
        if info.key != code or info.family not in (*LOWER_FAMILIES, *UPPER_FAMILIES):
            continue
        if abs(total - info.bound) < data.unit:
            family = RuleFamily(info.family)
            out.append(
                BindingRule(
                    family=family,
                    key=code,
                    description=info.description,
                    bound=info.bound,
                    marginal_value=round(
                        (duals.get(name, 0.0) + pin_dual) / data.scale * PER_MILLION, 12
                    ),
                )
            )
            pin_dual = 0.0
    for a, axis in enumerate(data.axes):
        if data.cell_min[r][a] > 0 and data.cell_min[r][a] == row[a]:
            out.append(
                BindingRule(
                    RuleFamily.CELL_MINIMUM,
                    f"{code}/{axis}",
                    f"minimum of axis {axis}",
                    data.cell_min[r][a],
                    0.0,
                )
            )
    return out


def justify(
    scenario: Scenario,
    data: ModelData,
    cells: list[list[int]],
    duals: dict[str, float],
    registry: dict[str, ConstraintInfo],
    language: Language,
) -> tuple[tuple[RegionResult, ...], tuple[AxisResult, ...], tuple[Justification, ...], list[int]]:
    """Region rows, axis rows and one justification per region.

    Returns
    -------
    tuple
        (region results, axis results, justifications, integer cell targets flattened r-major)
    """
    targets = data.targets
    n, m = data.n, data.m
    flat_targets = apportion([float(v) for v in targets.cell.ravel()], data.fund)
    cell_target = [flat_targets[r * m : (r + 1) * m] for r in range(n)]
    region_target = [sum(row) for row in cell_target]
    totals = [sum(row) for row in cells]
    sources = [BASE_SOURCE] + [s for s in targets.contributions if s != BASE_SOURCE]
    labels = {BASE_SOURCE: "Monto base" if language is Language.ES else "Base amount"}
    weights = {BASE_SOURCE: scenario.base_weight}
    for c in scenario.criteria:
        labels.setdefault(c.indicator, c.label(language))
        weights.setdefault(c.indicator, c.weight)
    for axis in scenario.effective_axes:
        for c in axis.criteria:
            labels.setdefault(c.indicator, c.label(language))
            weights.setdefault(c.indicator, 0.0)

    per_capita: list[float | None] = []
    for r, region in enumerate(scenario.regions):
        pop = region.population
        per_capita.append(round(totals[r] / pop, 2) if pop else None)
    ranked = sorted(
        (i for i in range(n) if per_capita[i] is not None),
        key=lambda i: (-(per_capita[i] or 0.0), data.regions[i]),
    )
    rank = {i: k + 1 for k, i in enumerate(ranked)}

    region_rows: list[RegionResult] = []
    justifications: list[Justification] = []
    by_key = _by_key(registry)
    for r, region in enumerate(scenario.regions):
        parts = apportion([float(targets.contributions[s][r]) for s in sources], region_target[r])
        contributions = tuple(
            Contribution(source=s, label=labels.get(s, s), weight=weights.get(s, 0.0), amount=p)
            for s, p in zip(sources, parts, strict=True)
        )
        binding = _binding_for_region(r, cells[r], data, duals, by_key.get(region.code, []))
        families = {b.family for b in binding}
        main = next((f for f in MAIN_RULE_ORDER if f in families), None)
        diff = totals[r] - region_target[r]
        cause: RuleFamily | str = main if main is not None else "redistribution"
        adjustments = (Adjustment(cause=cause, amount=diff),) if diff else ()
        lo, hi = data.region_box(r)
        previous = region.previous
        change = None if previous is None else totals[r] - previous
        change_pct = (
            None if previous in (None, 0) or change is None else round(100.0 * change / previous, 4)
        )
        just = Justification(
            region=region.code,
            target=region_target[r],
            amount=totals[r],
            contributions=contributions,
            adjustments=adjustments,
            binding=tuple(binding),
            previous=previous,
            change=change,
            change_pct=change_pct,
            per_capita=per_capita[r],
            per_capita_rank=rank.get(r),
            text="",
        )
        just = Justification(
            **{**just.__dict__, "text": justification_text(region.name, just, language, n)}
        )
        justifications.append(just)
        region_rows.append(
            RegionResult(
                code=region.code,
                name=region.name,
                target=region_target[r],
                amount=totals[r],
                previous=previous,
                lower=lo if lo > 0 else None,
                upper=hi if hi < data.fund else None,
                main_rule=str(main) if main is not None else "",
            )
        )

    axis_rows: list[AxisResult] = []
    for a, axis in enumerate(scenario.effective_axes):
        amount = sum(cells[r][a] for r in range(n))
        target = sum(cell_target[r][a] for r in range(n))
        lo = data.axis_lower[a] if m > 1 else data.fund
        hi = data.axis_upper[a] if m > 1 else data.fund
        bind: list[str] = []
        if m > 1 and amount - lo < data.unit and lo > 0:
            bind.append(str(RuleFamily.AXIS_MIN))
        if m > 1 and hi - amount < data.unit and hi < data.fund:
            bind.append(str(RuleFamily.AXIS_MAX))
        axis_rows.append(
            AxisResult(
                id=axis.id,
                name=axis.name(language),
                target=target,
                amount=amount,
                lower=lo,
                upper=hi,
                binding=tuple(bind),
            )
        )
    return tuple(region_rows), tuple(axis_rows), tuple(justifications), flat_targets


def justification_text(name: str, j: Justification, language: Language, n: int) -> str:
    """A short paragraph built from the structured justification."""
    es = language is Language.ES
    top = sorted(j.contributions, key=lambda c: (-c.amount, c.source))[:3]
    parts = ", ".join(f"{c.label} {pesos(c.amount)}" for c in top)
    lines = [
        (
            f"{name} ({j.region}): meta de la fórmula {pesos(j.target)} (principales aportes: {parts})."
            if es
            else f"{name} ({j.region}): formula target {pesos(j.target)} (largest contributions: {parts})."
        ),
        (f"Asignación final {pesos(j.amount)}." if es else f"Final allocation {pesos(j.amount)}."),
    ]
    for adj in j.adjustments:
        why = family_text(adj.cause, language)
        lines.append(
            f"Ajuste {pesos(adj.amount)} por {why}."
            if es
            else f"Adjustment {pesos(adj.amount)} due to the {why}."
        )
    for b in j.binding:
        lines.append(
            (
                f"Regla activa: {family_text(b.family, language)} ({pesos(b.bound)}); "
                f"valor marginal {b.marginal_value:.6g} por millón de pesos (uno de los valores válidos si el problema es degenerado)."
            )
            if es
            else (
                f"Binding rule: {family_text(b.family, language)} ({pesos(b.bound)}); "
                f"marginal value {b.marginal_value:.6g} per million pesos (one valid value if the LP is degenerate)."
            )
        )
    if j.change is not None and j.previous is not None:
        pct = f" ({j.change_pct:+.2f} %)" if j.change_pct is not None else ""
        lines.append(
            f"Cambio contra la asignación anterior: {pesos(j.change)}{pct}."
            if es
            else f"Change against the previous allocation: {pesos(j.change)}{pct}."
        )
    if j.per_capita is not None:
        lines.append(
            f"{j.per_capita:,.2f} pesos por habitante (lugar {j.per_capita_rank} de {n})."
            if es
            else f"{j.per_capita:,.2f} pesos per inhabitant (rank {j.per_capita_rank} of {n})."
        )
    return " ".join(lines)


# --------------------------------------------------------------------------------------------
# Infeasible criteria
# --------------------------------------------------------------------------------------------


def precheck_conflicts(data: ModelData) -> list[Conflict]:
    """Cheap arithmetic reasons why the rules cannot hold together."""
    found: list[Conflict] = []
    boxes = [data.region_box(r) for r in range(data.n)]
    floors = sum(lo for lo, _ in boxes)
    caps = sum(hi for _, hi in boxes)
    if floors > data.fund:
        found.append(
            Conflict(
                "region_floors",
                floors - data.fund,
                f"the region floors (bands, floors and priority minimums) add up to "
                f"{pesos(floors)}, {pesos(floors - data.fund)} more than the fund {pesos(data.fund)}",
            )
        )
    if caps < data.fund:
        found.append(
            Conflict(
                "region_caps",
                data.fund - caps,
                f"the region caps add up to {pesos(caps)}, {pesos(data.fund - caps)} less than the "
                f"fund {pesos(data.fund)}",
            )
        )
    for r, (lo, hi) in enumerate(boxes):
        if lo > hi:
            found.append(
                Conflict(
                    "region_bounds",
                    lo - hi,
                    f"region {data.regions[r]}: its floor {pesos(lo)} is {pesos(lo - hi)} above its cap {pesos(hi)}",
                )
            )
    if data.m > 1:
        lo_sum, hi_sum = sum(data.axis_lower), sum(data.axis_upper)
        if lo_sum > data.fund:
            found.append(
                Conflict(
                    RuleFamily.AXIS_MIN,
                    lo_sum - data.fund,
                    f"the axis minimum shares add up to {pesos(lo_sum)}, {pesos(lo_sum - data.fund)} more than the fund",
                )
            )
        for a, axis in enumerate(data.axes):
            need = sum(data.cell_min[r][a] for r in range(data.n))
            if need > data.axis_upper[a]:
                found.append(
                    Conflict(
                        RuleFamily.CELL_MINIMUM,
                        need - data.axis_upper[a],
                        f"the priority minimums of axis {axis} add up to {pesos(need)}, "
                        f"{pesos(need - data.axis_upper[a])} more than its maximum share "
                        f"{pesos(data.axis_upper[a])}",
                    )
                )
        if hi_sum < data.fund:
            found.append(
                Conflict(
                    RuleFamily.AXIS_MAX,
                    data.fund - hi_sum,
                    f"the axis maximum shares add up to {pesos(hi_sum)}, {pesos(data.fund - hi_sum)} less than the fund",
                )
            )
    return found


def diagnose(data: ModelData, time_limit: float | None = None) -> list[Conflict]:
    """Elastic relaxation: which rule families must give way, and by how many pesos.

    Every rule row gets an elastic variable (cost 1 per peso; 1000 for the fund total, which
    the law fixes); the minimum total relaxation is split by family.
    """
    model = create_model(data)
    # Priority minimums become rows so they can give way too.
    for r in range(data.n):
        for a in range(data.m):
            if data.cell_min[r][a] > 0:
                model.x[r][a].lowBound = 0
                model.add(
                    model.x[r][a] >= data.cell_min[r][a] / data.scale,
                    ConstraintInfo(
                        RuleFamily.CELL_MINIMUM,
                        f"{data.regions[r]}/{data.axes[a]}",
                        "priority minimum",
                        data.cell_min[r][a],
                    ),
                )
    add_rule_constraints(model, data)
    elastic: list[tuple[str, pulp.LpVariable]] = []
    costs = []
    for k, (name, constraint) in enumerate(list(model.rows.items())):
        family = model.registry[name].family
        weight = 1000.0 if family == RuleFamily.FUND_TOTAL else 1.0
        if constraint.sense in (pulp.LpConstraintGE, pulp.LpConstraintEQ):
            e = model.problem.add_variable(f"eu_{k}", lowBound=0)
            constraint.expr.addterm(e, 1.0)
            elastic.append((name, e))
            costs.append(weight * e)
        if constraint.sense in (pulp.LpConstraintLE, pulp.LpConstraintEQ):
            e = model.problem.add_variable(f"ed_{k}", lowBound=0)
            constraint.expr.addterm(e, -1.0)
            elastic.append((name, e))
            costs.append(weight * e)
    model.problem.setObjective(pulp.lpSum(costs))
    result = solve(model, time_limit)
    if result.outcome is not LpOutcome.OPTIMAL:
        return []
    by_family: dict[str, float] = {}
    keys: dict[str, list[str]] = {}
    for name, e in elastic:
        value = (e.varValue or 0.0) * data.scale
        if value > 0.5:
            info = model.registry[name]
            by_family[str(info.family)] = by_family.get(str(info.family), 0.0) + value
            keys.setdefault(str(info.family), []).append(info.key)
    out = []
    for family in sorted(by_family):
        amount = round(by_family[family])
        where = _summarise_keys(keys[family])
        out.append(
            Conflict(
                family,
                amount,
                f"{family_text(family, Language.EN)} must give way by {pesos(amount)} in total ({where})",
            )
        )
    return out


def _summarise_keys(keys: Sequence[str]) -> str:
    unique = sorted(set(keys))
    if len(unique) <= 6:
        return ", ".join(unique)
    return ", ".join(unique[:6]) + f" and {len(unique) - 6} more"
