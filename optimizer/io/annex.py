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
    """What raising the bound by a million pesos would do, in plain words."""


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
                    effect=_effect(names[j.region], b.family, b.marginal_value, objective, free, t),
                )
            )
    return rows


def _effect(
    state: str,
    family: RuleFamily,
    value: float,
    objective: Objective,
    free: list[tuple[str, str, int]],
    t: Texts,
) -> str:
    """What a million pesos more on this bound would do, in plain words."""
    if family is RuleFamily.CELL_MINIMUM and value == 0:
        return t._(
            "Not computed: a programa minimum given in pesos applies directly to the amount, "
            "so the program reports no marginal value for it."
        )
    if value == 0:
        return t._(
            "Moving this limit a little would not change the result the objective measures "
            "(marginal value zero)."
        )
    points = t.number(abs(value) * 100, 4)
    up = value > 0
    if objective is Objective.MIN_TOTAL_DEVIATION:
        text = (
            t._(
                "Raising this limit by $1,000,000 would raise the sum of the relative deviations "
                "from the formula amounts by {points} percentage points."
            )
            if up
            else t._(
                "Raising this limit by $1,000,000 would lower the sum of the relative deviations "
                "from the formula amounts by {points} percentage points."
            )
        )
        return text.format(points=points)
    if objective is Objective.MAX_MIN_COVERAGE:
        text = (
            t._(
                "Raising this limit by $1,000,000 would lower the smallest coverage of a formula "
                "amount by {points} percentage points."
            )
            if up
            else t._(
                "Raising this limit by $1,000,000 would raise the smallest coverage of a formula "
                "amount by {points} percentage points."
            )
        )
        return text.format(points=points)
    deviation = (
        t._("the largest relative deviation from the formula amounts would rise by {points} points")
        if up
        else t._(
            "the largest relative deviation from the formula amounts would fall by {points} points"
        )
    ).format(points=points)
    if not free:
        return t._("Raising this limit by $1,000,000: {deviation}.").format(deviation=deviation)
    _code, name, target = free[0]
    example = t.money(round(abs(value) * target))
    return t.ngettext(
        "Raising this limit by $1,000,000 would give {state} that million, and the {n} state "
        "of the common adjustment would give it up ({example} per million for {name}); "
        "{deviation}. Lowering it would do the reverse.",
        "Raising this limit by $1,000,000 would give {state} that million, and the {n} states "
        "of the common adjustment would give it up, each in proportion to its formula amount "
        "(about {example} for {name}, the largest); {deviation}. Lowering it would do the "
        "reverse.",
        len(free),
    ).format(state=state, n=len(free), example=example, name=name, deviation=deviation)
