"""The programa tree: ejes > programas > subprogramas, with allocation at the leaves.

A scenario's ``axes`` are the leaves (each one a column of cells); ``axis_groups`` are the inner
nodes. Every node names its parent by id (empty at the top). A bound on an inner node holds the
sum of the leaves under it. Standard library only (the checks, the formula and the model use it).

Target shares down the tree: each node's raw share is its ``share``, else its ``target_share``,
else, for an inner node, the sum of its children's raw shares, else (a leaf) the middle of its
range (``(share_min + share_max) / 2``, with 0 and 1 for missing ends), as for flat axes. The
raw shares of siblings are then scaled to sum to their parent's target share (1 at the top). A
leaf's target share is what reaches it. Flat axes are the one-level case.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from optimizer.domain import Axis, Scenario


def natural_key(text: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key reading digit runs as numbers: P2 before P10, S09 before S10."""
    parts = re.split(r"(\d+)", text)
    return tuple((0, int(p)) if p.isdigit() else (1, p) for p in parts if p)


def raw_target_share(axis: Axis) -> float:
    """The node's share for targets before scaling among its siblings."""
    if axis.share is not None:
        return axis.share
    if axis.target_share is not None:
        return axis.target_share
    return (axis.lower_share + axis.upper_share) / 2.0


@dataclass(frozen=True)
class Tree:
    """The nodes of a scenario's programa tree, with each inner node's leaves by position.

    ``nodes``: inner nodes then leaves, each id once (the first of a duplicated id).
    ``leaves``: the leaf ids in the order of the axes passed in.
    """

    nodes: dict[str, Axis]
    leaves: tuple[str, ...]
    children: dict[str, tuple[str, ...]]
    """Children by parent id, in natural order of their ids (P2 before P10); ``""`` holds the
    top-level nodes."""

    @classmethod
    def of(cls, axes: Sequence[Axis], groups: Sequence[Axis]) -> Tree:
        """The tree of leaves ``axes`` and inner nodes ``groups`` (assumed checked)."""
        nodes: dict[str, Axis] = {}
        for axis in (*groups, *axes):
            nodes.setdefault(axis.id, axis)
        children: dict[str, list[str]] = {}
        for node_id, axis in nodes.items():
            children.setdefault(axis.parent, []).append(node_id)
        return cls(
            nodes=nodes,
            leaves=tuple(a.id for a in axes),
            children={k: tuple(sorted(v, key=natural_key)) for k, v in children.items()},
        )

    @classmethod
    def of_scenario(cls, scenario: Scenario) -> Tree:
        """The tree of ``scenario.effective_axes`` and ``scenario.axis_groups``."""
        return cls.of(scenario.effective_axes, scenario.axis_groups)

    def ancestors(self, node_id: str) -> list[str]:
        """Parent, grandparent, ... of a node (stops at a cycle or an unknown id)."""
        out: list[str] = []
        seen = {node_id}
        parent = self.nodes[node_id].parent if node_id in self.nodes else ""
        while parent and parent in self.nodes and parent not in seen:
            out.append(parent)
            seen.add(parent)
            parent = self.nodes[parent].parent
        return out

    def leaf_positions(self, node_id: str) -> tuple[int, ...]:
        """Positions (in ``leaves``) of the leaves at or under a node, in leaf order."""
        return tuple(
            i
            for i, leaf in enumerate(self.leaves)
            if leaf == node_id or node_id in self.ancestors(leaf)
        )

    def depth(self) -> int:
        """Levels of the tree (1 for flat axes)."""
        return max((len(self.ancestors(leaf)) + 1 for leaf in self.leaves), default=0)

    def order(self) -> list[str]:
        """Every node in depth-first order (a parent before its children), top level first."""
        out: list[str] = []
        seen: set[str] = set()

        def visit(node_id: str) -> None:
            if node_id in seen:
                return
            seen.add(node_id)
            out.append(node_id)
            for child in self.children.get(node_id, ()):
                visit(child)

        for top in self.children.get("", ()):
            visit(top)
        return out

    def target_shares(self) -> dict[str, float]:
        """Each node's share of the fund for targets (module docstring); siblings scaled."""
        out: dict[str, float] = {}

        def spread(parent: str, amount: float) -> None:
            kids = self.children.get(parent, ())
            if not kids:
                return
            raw = [max(self.raw_share(k), 0.0) for k in kids]
            total = sum(raw)
            for kid, value in zip(kids, raw, strict=True):
                share = amount * (value / total if total > 0 else 1.0 / len(kids))
                out[kid] = share
                if kid in self.children:
                    spread(kid, share)

        spread("", 1.0)
        return out

    def raw_share(self, node_id: str, depth: int = 0) -> float:
        """A node's raw target share (module docstring): its own, or its children's sum."""
        node = self.nodes[node_id]
        kids = self.children.get(node_id, ())
        if node.share is not None or node.target_share is not None or not kids or depth > 64:
            return raw_target_share(node)
        return sum(max(self.raw_share(k, depth + 1), 0.0) for k in kids)

    def leaf_mix(self, node_id: str) -> dict[str, float]:
        """How a node's amount spreads over its leaves in the national target mix (sums to 1)."""
        shares = self.target_shares()
        positions = self.leaf_positions(node_id)
        values = [shares.get(self.leaves[i], 0.0) for i in positions]
        total = sum(values)
        if total <= 0:
            return {self.leaves[i]: 1.0 / len(positions) for i in positions}
        return {self.leaves[i]: v / total for i, v in zip(positions, values, strict=True)}
