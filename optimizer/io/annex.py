"""The technical annex: what moving each binding rule would do, in pesos and in plain words.

Every :class:`~optimizer.domain.BindingRule` of the plan carries a marginal value: the change of
the first-level objective per million pesos of the rule's bound. With the ``proportional``
objective that objective is the largest relative deviation of the states that share the common
adjustment (those no rule of their own holds), so a million pesos more on a floor or cap of
state S moves a million pesos between S and those states, each in proportion to its formula
amount: ``|marginal value| x formula amount`` pesos per million. The memo text never shows these
numbers; the annex (report and workbook) states them once, with the caveat for degenerate LPs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from optimizer.domain import AllocationPlan, Objective, RuleFamily
from optimizer.i18n import Texts
from optimizer.io.labels import rule_name

MILLION = 1_000_000


@dataclass(frozen=True)
class AnnexRow:
    """One binding rule of one state, and what moving its bound would do."""

    code: str
    name: str
    rule: str
    """The rule in words."""
    bound: int
    marginal_value: float
    """Change of the first-level objective per million pesos of the bound (as in the plan)."""
    effect: str
    """What raising the bound by a small step (a million pesos for the FASP) would do, in
    plain words."""


def caveat(t: Texts) -> str:
    """The one statement about what these values are and where they stop being exact."""
    return t._(
        "These effects come from the marginal values (dual prices) of the linear program "
        "solved for the plan. They hold for small moves of a limit only. When the problem is "
        "degenerate (several rules hold exactly at the same time) a marginal value is one valid "
        "value among several, not the only one; a value of zero then does not prove that the "
        "rule is irrelevant."
    )


def common_states(plan: AllocationPlan) -> list[tuple[str, str, int]]:
    """States no rule of their own holds (code, name, formula amount), largest amount first."""
    names = {r.code: r.name for r in plan.regions}
    free = [(j.region, names[j.region], j.target) for j in plan.justifications if not j.binding]
    return sorted(free, key=lambda s: (-s[2], s[0]))


def annex_rows(plan: AllocationPlan, t: Texts) -> list[AnnexRow]:
    """One row per binding rule of every state, in state order."""
    names = {r.code: r.name for r in plan.regions}
    free = common_states(plan)
    objective = plan.stats.objective
    rows = []
    for j in plan.justifications:
        for b in j.binding:
            rows.append(
                AnnexRow(
                    code=j.region,
                    name=names[j.region],
                    rule=rule_name(b.family, t),
                    bound=b.bound,
                    marginal_value=b.marginal_value,
                    effect=_effect(
                        names[j.region],
                        b.family,
                        b.marginal_value,
                        objective,
                        free,
                        plan.fund.total,
                        t,
                    ),
                )
            )
    return rows


def step_of(fund: int) -> int:
    """The move the annex describes: a million pesos, or a thousandth of a smaller fund
    (rounded down to a power of ten), so that the move stays small against the amounts."""
    if fund >= 1_000_000_000:
        return MILLION
    power: int = max(0, math.floor(math.log10(max(fund, 1) / 1000)))
    return int(10**power)


def _effect(
    state: str,
    family: RuleFamily,
    value: float,
    objective: Objective,
    free: list[tuple[str, str, int]],
    fund: int,
    t: Texts,
) -> str:
    """What raising this bound by a small step would do, in plain words."""
    if family is RuleFamily.CELL_MINIMUM and value == 0:
        return t._(
            "Not computed: a programa minimum is applied directly to the amount of its cell, "
            "so the linear program gives no marginal value for it."
        )
    if value == 0:
        return t._(
            "Moving this limit a little would not change the result the objective measures "
            "(marginal value zero)."
        )
    step = step_of(fund)
    per_step = value * step / MILLION
    points = t.number(abs(per_step) * 100, 4)
    up = value > 0
    money = t.money(step)
    if objective is Objective.MIN_TOTAL_DEVIATION:
        text = (
            t._(
                "Raising this limit by {step} would raise the sum of the relative deviations "
                "from the formula amounts by {points} percentage points."
            )
            if up
            else t._(
                "Raising this limit by {step} would lower the sum of the relative deviations "
                "from the formula amounts by {points} percentage points."
            )
        )
        return text.format(step=money, points=points)
    if objective is Objective.MAX_MIN_COVERAGE:
        text = (
            t._(
                "Raising this limit by {step} would lower the smallest coverage of a formula "
                "amount by {points} percentage points."
            )
            if up
            else t._(
                "Raising this limit by {step} would raise the smallest coverage of a formula "
                "amount by {points} percentage points."
            )
        )
        return text.format(step=money, points=points)
    deviation = (
        t._("the largest relative deviation from the formula amounts would rise by {points} points")
        if up
        else t._(
            "the largest relative deviation from the formula amounts would fall by {points} points"
        )
    ).format(points=points)
    if not free:
        return t._("Raising this limit by {step}: {deviation}.").format(
            step=money, deviation=deviation
        )
    _code, name, target = free[0]
    if len(free) == 1:
        return t._(
            "Raising this limit by {step} would give {state} that amount, and {name}, the only "
            "state of the common adjustment, would give it up; {deviation}. Lowering it would "
            "do the reverse."
        ).format(step=money, state=state, name=name, deviation=deviation)
    example = t.money(round(abs(per_step) * target))
    return t._(
        "Raising this limit by {step} would give {state} that amount, and the {n} states of the "
        "common adjustment would give it up, each in proportion to its formula amount (about "
        "{example} for {name}, the largest); {deviation}. Lowering it would do the reverse."
    ).format(step=money, state=state, n=len(free), example=example, name=name, deviation=deviation)
