"""The criteria and weights table shared by the report and the workbook.

One row per criterion of the fund, the equal base amount, then each programa's own criteria.
Nested criteria categories plug in here: a ``"category"`` row is a subtotal of the criteria
that follow it (drawn in bold in the report, a bold row in the workbook).
"""

from __future__ import annotations

from dataclasses import dataclass

from optimizer.domain import AllocationPlan, Scenario
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
    if scenario.base_weight:
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
