"""Financiamiento conjunto: each state's minimum own contribution, and totals with it.

Each state adds at least ``rate`` of its FASP allocation (25 % by default). The minimum is
rounded **up** to the whole peso, ceil(rate x federal) in exact arithmetic on the rate as
written, so it is never under-stated. Per node of the programa tree the national figures are
the sums over states of each state's contribution split over its cells in proportion to the
cells (largest remainder, ties to the earlier axis id: the engine orders the leaves by id, so
the order of the axes file does not matter), so that every column adds up exactly.

The same split, summed over a node's leaves for one state, gives that state's contribution per
eje, programa and leaf (its Anexo Técnico): a state's nodes of one level sum exactly to its
contribution, and a node's states sum exactly to the node's national row.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from optimizer.calendar import largest_remainder
from optimizer.domain import CofinancingCell, CofinancingRow

DEFAULT_RATE = 0.25
"""At least 25 % of the FASP amount (Ley de Coordinación Fiscal, art. 44; Convenio)."""


def minimum_contribution(rate: float, federal: int) -> int:
    """ceil(rate x federal) on the rate as written (0.25 is 1/4), in whole pesos."""
    exact = Fraction(repr(rate)) * federal
    return -((-exact.numerator) // exact.denominator)


def cofinancing_rows(
    rate: float,
    regions: Sequence[str],
    cells: Sequence[Sequence[int]],
    nodes: Sequence[tuple[str, Sequence[int]]],
) -> tuple[CofinancingRow, ...]:
    """Per state (its federal total and minimum contribution), then per node of the tree.

    ``cells`` are (regions, leaves) pesos; ``nodes`` pairs each node id with its leaf positions.
    """
    return cofinancing(rate, regions, cells, nodes)[0]


def contribution_split(rate: float, row: Sequence[int]) -> list[int]:
    """A state's minimum contribution over its cells: largest remainder of contribution x cell
    / federal, ties to the earlier position (the pipeline passes the leaves in id order); the
    parts sum exactly to the contribution."""
    federal = sum(row)
    contribution = minimum_contribution(rate, federal)
    if federal <= 0:
        return [0] * len(row)
    return largest_remainder([Fraction(v * contribution, federal) for v in row], contribution)


def cofinancing(
    rate: float,
    regions: Sequence[str],
    cells: Sequence[Sequence[int]],
    nodes: Sequence[tuple[str, Sequence[int]]],
) -> tuple[tuple[CofinancingRow, ...], tuple[CofinancingCell, ...]]:
    """The rows of :func:`cofinancing_rows` and, per state and node (states in order, nodes
    as given), the state's federal amount, contribution and total in that node."""
    rows: list[CofinancingRow] = []
    per_state: list[CofinancingCell] = []
    width = len(cells[0]) if cells else 0
    by_leaf = [0] * width
    for code, row in zip(regions, cells, strict=True):
        federal = sum(row)
        contribution = minimum_contribution(rate, federal)
        rows.append(CofinancingRow(code, federal, contribution, federal + contribution))
        split = contribution_split(rate, row)
        for a, v in enumerate(split):
            by_leaf[a] += v
        for node_id, positions in nodes:
            fed = sum(row[a] for a in positions)
            own = sum(split[a] for a in positions)
            per_state.append(CofinancingCell(code, node_id, fed, own, fed + own))
    federal_leaf = [sum(row[a] for row in cells) for a in range(width)]
    for node_id, positions in nodes:
        federal = sum(federal_leaf[a] for a in positions)
        contribution = sum(by_leaf[a] for a in positions)
        rows.append(CofinancingRow(node_id, federal, contribution, federal + contribution))
    return tuple(rows), tuple(per_state)
