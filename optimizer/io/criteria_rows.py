"""The criteria and weights table shared by the report and the workbook.

One row per criterion of the fund, the equal base amount, then each programa's own criteria.
Nested criteria (categories) come as the scenario's tree: a ``"category"`` row is the subtotal
of the rows below it at a greater depth (bold in the report and the workbook), and every weight
shown is the effective weight (the share of the fund's formula).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from optimizer.domain import AllocationPlan, Scenario, criteria_tree
from optimizer.i18n import Texts
from optimizer.io.labels import direction_name


@dataclass(frozen=True)
class CriteriaRow:
    """A row of the criteria and weights table.

    ``kind``: ``"criterion"``, ``"base"``, ``"category"`` (a subtotal of the criteria below it,
    drawn in bold: the hook for nested criteria categories) or ``"heading"`` (a programa's own
    criteria follow).
    """

    kind: str
    label: str
    indicator: str = ""
    direction: str = ""
    weight: float | None = None
    amount: int | None = None
    depth: int = 1
    """1 for the top level; criteria inside a category are one deeper."""


def _split(total: int, weights: list[float]) -> list[int]:
    """``total`` pesos in proportion to ``weights``, exactly, by largest remainder."""
    exact = [Fraction(w) for w in weights]
    whole = sum(exact)
    if not whole:
        return [0] * len(weights)
    shares = [total * w / whole for w in exact]
    out = [int(x) for x in shares]
    order = sorted(range(len(shares)), key=lambda k: (-(shares[k] - out[k]), k))
    for k in order[: total - sum(out)]:
        out[k] += 1
    return out


def _tree_rows(
    scenario: Scenario, plan: AllocationPlan, by_source: dict[str, int], t: Texts
) -> list[CriteriaRow]:
    """The fund's nested criteria, depth first, with effective weights and pesos."""
    nodes = criteria_tree(scenario, plan.language)
    categories = {c.category: c.amount for c in plan.categories}
    directions = {c.indicator: c.direction for c in scenario.criteria}
    bases = [n.effective_weight for n in nodes if n.kind == "base_amount" and n.effective_weight]
    base_amounts = iter(_split(by_source.get("base_amount", 0), bases))
    rows = []
    for n in nodes:
        if n.kind == "category":
            rows.append(
                CriteriaRow(
                    "category",
                    n.label,
                    n.id,
                    weight=n.effective_weight,
                    amount=categories.get(n.id),
                    depth=n.depth,
                )
            )
        elif n.kind == "criterion":
            direction = directions.get(n.id)
            rows.append(
                CriteriaRow(
                    "criterion",
                    n.label,
                    n.id,
                    "" if direction is None else direction_name(direction, t),
                    n.effective_weight,
                    by_source.get(n.id),
                    n.depth,
                )
            )
        elif n.effective_weight:
            rows.append(
                CriteriaRow(
                    "base",
                    t._("Equal base amount"),
                    weight=n.effective_weight,
                    amount=next(base_amounts),
                    depth=n.depth,
                )
            )
    return rows


def criteria_rows(scenario: Scenario | None, plan: AllocationPlan, t: Texts) -> list[CriteriaRow]:
    """The fund's criteria, the base amount, and each programa's own criteria.

    ``amount``: the pesos of the formula amounts that come from the criterion, summed over the
    states (the justifications' contributions). Without the scenario, the criteria as the
    justifications carry them (label, weight, pesos; no direction).
    """
    by_source: dict[str, int] = {}
    for j in plan.justifications:
        for c in j.contributions:
            by_source[c.source] = by_source.get(c.source, 0) + c.amount
    if scenario is None:
        first = plan.justifications[0].contributions if plan.justifications else ()
        return [
            CriteriaRow(
                "base" if c.source == "base_amount" else "criterion",
                t._("Equal base amount") if c.source == "base_amount" else c.label,
                "" if c.source == "base_amount" else c.source,
                weight=c.weight,
                amount=by_source[c.source],
            )
            for c in first
        ]
    if scenario.categories:
        rows = _tree_rows(scenario, plan, by_source, t)
    else:
        rows = [
            CriteriaRow(
                "criterion",
                c.label(plan.language),
                c.indicator,
                direction_name(c.direction, t),
                c.weight,
                by_source.get(c.indicator),
            )
            for c in scenario.criteria
        ]
    if scenario.base_weight and not scenario.categories:
        rows.append(
            CriteriaRow(
                "base",
                t._("Equal base amount"),
                weight=scenario.base_weight,
                amount=by_source.get("base_amount"),
            )
        )
    for axis in scenario.axes:
        if axis.criteria:
            rows.append(
                CriteriaRow(
                    "heading",
                    t._("Own criteria of programa {id}").format(id=axis.id),
                )
            )
            rows += [
                CriteriaRow(
                    "criterion",
                    c.label(plan.language),
                    c.indicator,
                    direction_name(c.direction, t),
                    c.weight,
                )
                for c in axis.criteria
            ]
            if axis.base_weight:
                rows.append(CriteriaRow("base", t._("Equal base amount"), weight=axis.base_weight))
    return rows


def fund_rows(rows: list[CriteriaRow]) -> list[CriteriaRow]:
    """The fund's own criteria and base amount: the rows before the first programa's heading
    (category rows are subtotals, left out so that the weights add up to one)."""
    cut = next((k for k, r in enumerate(rows) if r.kind == "heading"), len(rows))
    return [r for r in rows[:cut] if r.kind in ("criterion", "base")]
