"""Financiamiento conjunto: each state's minimum own contribution, and totals with it.

Each state adds at least ``rate`` of its FASP allocation (25 % by default). The minimum is
rounded **up** to the whole peso, ceil(rate x federal) in exact arithmetic on the rate as
written, so it is never under-stated. Per node of the programa tree the national figures are
the sums over states of each state's contribution split over its cells in proportion to the
cells (largest remainder, ties to the earlier axis), so that every column adds up exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from optimizer.calendar import largest_remainder
from optimizer.domain import CofinancingRow

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
    out = []
    width = len(cells[0]) if cells else 0
    by_leaf = [0] * width
    for code, row in zip(regions, cells, strict=True):
        federal = sum(row)
        contribution = minimum_contribution(rate, federal)
        out.append(CofinancingRow(code, federal, contribution, federal + contribution))
        if federal > 0:
            split = largest_remainder(
                [Fraction(v * contribution, federal) for v in row], contribution
            )
            for a, v in enumerate(split):
                by_leaf[a] += v
    federal_leaf = [sum(row[a] for row in cells) for a in range(width)]
    for node_id, positions in nodes:
        federal = sum(federal_leaf[a] for a in positions)
        contribution = sum(by_leaf[a] for a in positions)
        out.append(CofinancingRow(node_id, federal, contribution, federal + contribution))
    return tuple(out)
