"""The programa level of a plan: the columns of the state x programa tables.

With a programa tree (eje > programa > subprograma), the nodes of level ``programa`` (inner
nodes or leaves); without levels, the top of the tree; for a flat scenario, its axes. Each
leaf's cells count for the programa above it (or itself).
"""

from __future__ import annotations

from optimizer.domain import AllocationPlan, AxisResult


def programa_nodes(plan: AllocationPlan) -> list[AxisResult]:
    """The programas, P1 before P10 (by id length, then id)."""
    nodes = [*plan.groups, *plan.axes]
    programas = [n for n in nodes if n.level == "programa"]
    if not programas:
        programas = [n for n in nodes if not n.parent]
    if not plan.groups:
        return programas  # a flat scenario keeps its own axis order
    return sorted(programas, key=lambda n: (len(n.id), n.id))


def programa_of(plan: AllocationPlan, programas: list[AxisResult]) -> dict[str, str]:
    """Leaf id -> the id of the programa above it (itself when it is one)."""
    parent = {n.id: n.parent for n in (*plan.groups, *plan.axes)}
    wanted = {n.id for n in programas}
    owner = {}
    for leaf in plan.axes:
        node, seen = leaf.id, set()
        while node and node not in wanted and node not in seen:
            seen.add(node)
            node = parent.get(node, "")
        owner[leaf.id] = node or leaf.id
    return owner


def state_programa_amounts(
    plan: AllocationPlan, programas: list[AxisResult]
) -> dict[tuple[str, str], int]:
    """(state code, programa id) -> pesos, summed over the leaves under each programa."""
    owner = programa_of(plan, programas)
    out: dict[tuple[str, str], int] = {}
    for c in plan.cells:
        key = (c.region, owner[c.axis])
        out[key] = out.get(key, 0) + c.amount
    return out
