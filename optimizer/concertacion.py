"""Totals along the programa tree and where each state's proposal (concertación) gave way.

Both read the final integer cells: a node's total is the exact sum of its leaves' cells; a
proposal line's proposed amount is the sum of its leaves' cell targets (the state's final total
split by its own mix, in whole pesos by largest remainder: :func:`scaled_proposals`), so
``amount - proposed`` is exact.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

import numpy as np
import numpy.typing as npt

from optimizer.calendar import largest_remainder
from optimizer.domain import Axis, AxisResult, Language, ProposalGap, RuleFamily, Scenario
from optimizer.model import ModelData
from optimizer.tree import Tree

IntArray = npt.NDArray[np.int64]

REDISTRIBUTION = "redistribution"
"""A proposal gave way so that the rules of other programas or states could hold."""


def group_results(
    scenario: Scenario, data: ModelData, cells: IntArray, targets: IntArray, language: Language
) -> tuple[AxisResult, ...]:
    """Totals of every inner node of the tree (ejes, programas), parents before children.

    ``cells`` and ``targets`` are (regions, axes) in ``data.axes`` order.
    """
    if not scenario.axis_groups:
        return ()
    tree = Tree.of(tuple(_axes_in(data, scenario)), scenario.axis_groups)
    bounds = {g.key: g for g in data.groups}
    column = cells.sum(axis=0)
    target_column = targets.sum(axis=0)
    out = []
    for node_id in tree.order():
        if node_id not in tree.children:
            continue
        node = tree.nodes[node_id]
        members = list(tree.leaf_positions(node_id))
        amount = int(column[members].sum())
        bound = bounds.get(node_id)
        lo = bound.lower if bound else 0
        hi = bound.upper if bound else data.fund
        binding = []
        slack = rounding_slack(data, len(members))
        if bound and lo > 0 and amount - lo <= slack:
            binding.append(str(RuleFamily.AXIS_MIN))
        if bound and hi < data.fund and hi - amount <= slack:
            binding.append(str(RuleFamily.AXIS_MAX))
        out.append(
            AxisResult(
                id=node_id,
                name=node.name(language),
                target=int(target_column[members].sum()),
                amount=amount,
                lower=lo,
                upper=hi,
                binding=tuple(binding),
                parent=node.parent,
                level=node.level,
            )
        )
    return tuple(out)


def rounding_slack(data: ModelData, leaves: int) -> int:
    """How far from its bound a national total of ``leaves`` columns may sit and still be the
    bound that held in the LP: rounding moves each of its cells by less than one unit."""
    return max(1, leaves * data.n - 1) * data.unit


def _axes_in(data: ModelData, scenario: Scenario) -> list[Axis]:
    by_id = {a.id: a for a in scenario.effective_axes}
    return [by_id[a] for a in data.axes]


def proposal_gaps(
    scenario: Scenario, data: ModelData, cells: IntArray, targets: IntArray
) -> tuple[ProposalGap, ...]:
    """Per proposing state and line of its proposal, the pesos by which the plan differs, and why.

    Only lines whose amount differs from the proposal by more than one rounding unit per leaf
    appear (as close is the rounding of the state's split, each cell the floor or the ceiling of
    its exact share; the proposal was kept). The rule: a national bound that
    holds with equality on the line's node, one of its leaves or one of its ancestors (its
    maximum when the line got less, its minimum when it got more); else, for a line that got
    more, a priority minimum its cells sit on; else ``redistribution``.
    """
    if not scenario.proposals:
        return ()
    tree = Tree.of(tuple(_axes_in(data, scenario)), scenario.axis_groups)
    row = {code: r for r, code in enumerate(data.regions)}
    column = cells.sum(axis=0)
    leaf = {a: k for k, a in enumerate(data.axes)}
    at_max: set[str] = set()
    at_min: set[str] = set()
    if data.m > 1:
        slack = rounding_slack(data, 1)
        for k, a in enumerate(data.axes):
            if data.axis_upper[k] < data.fund and data.axis_upper[k] - column[k] <= slack:
                at_max.add(a)
            if data.axis_lower[k] > 0 and column[k] - data.axis_lower[k] <= slack:
                at_min.add(a)
    for g in data.groups:
        value = int(column[list(g.members)].sum())
        slack = rounding_slack(data, len(g.members))
        if g.upper < data.fund and g.upper - value <= slack:
            at_max.add(g.key)
        if g.lower > 0 and value - g.lower <= slack:
            at_min.add(g.key)
    scaled = scaled_proposals(cells, targets)
    out = []
    seen: set[tuple[str, str]] = set()
    for line in scenario.proposals:
        if (line.region, line.axis) in seen or line.region not in row:
            continue
        seen.add((line.region, line.axis))
        r = row[line.region]
        members = list(tree.leaf_positions(line.axis))
        proposed = int(scaled[r, members].sum())
        amount = int(cells[r, members].sum())
        if abs(amount - proposed) <= len(members) * data.unit:
            # Within a unit per leaf: rounding of the split, not a rule (the kept proposal).
            continue
        near = [line.axis, *(data.axes[k] for k in members), *tree.ancestors(line.axis)]
        bound = at_max if amount < proposed else at_min
        hit = next((node for node in near if node in bound), None)
        if hit is not None:
            family = RuleFamily.AXIS_MAX if amount < proposed else RuleFamily.AXIS_MIN
            out.append(ProposalGap(line.region, line.axis, proposed, amount, str(family), hit))
        elif amount > proposed and _on_minimum(
            data, cells, r, [leaf[data.axes[k]] for k in members]
        ):
            out.append(
                ProposalGap(line.region, line.axis, proposed, amount, str(RuleFamily.CELL_MINIMUM))
            )
        else:
            out.append(ProposalGap(line.region, line.axis, proposed, amount, REDISTRIBUTION))
    return tuple(out)


def scaled_proposals(cells: IntArray, targets: IntArray) -> IntArray:
    """Each state's final total split by its cell targets' mix (its own proposal for a proposing
    state), in whole pesos by largest remainder, ties to the earlier axis."""
    out = np.zeros_like(cells)
    for r in range(cells.shape[0]):
        total = int(cells[r].sum())
        weights = [int(v) for v in targets[r].tolist()]
        weight = sum(weights)
        if weight <= 0:
            out[r] = cells[r]
            continue
        quotas = [Fraction(w * total, weight) for w in weights]
        out[r] = largest_remainder(quotas, total)
    return out


def _on_minimum(data: ModelData, cells: IntArray, r: int, columns: Sequence[int]) -> bool:
    """Whether one of region r's cells in ``columns`` sits on its priority minimum."""
    total = int(cells[r].sum())
    for a in columns:
        need = max(data.cell_min[r][a], int(np.ceil(data.cell_min_share[r][a] * total)))
        if need > 0 and int(cells[r, a]) - need < data.unit:
            return True
    return False
