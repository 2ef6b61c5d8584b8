"""The ministrations calendar: integer pesos per state and month, exact in both directions.

Rule (controlled rounding). In rounding units, with state totals a_r (summing to the fund F) and
month weights w_k (summing to 1):

1. National months: N = largest remainder of F by the weights (ties to the earlier month).
2. Each state's months: every month is the floor or the ceiling of its exact share
   e[r,k] = a_r N_k / F (exact fractions), so it is within one unit of exact and never negative.
   State r rounds up d_r = a_r - sum_k floor(e[r,k]) of its months, so its months sum to a_r;
   month k has c_k = N_k - sum_r floor(e[r,k]) round-ups to give. States in code order take
   theirs in the months with the most round-ups still to give, then by largest remainder, then
   the earlier month (the Gale-Ryser greedy: it rarely leaves anything for step 3).
3. Where the states' months then add up to more than a national month N_k (and so to less than
   another), a ceiling is exchanged within a state: the state gives up the ceiling of a month in
   excess and takes the ceiling of another of its fractional months, along the shortest chain of
   such exchanges that ends in a month short of its national amount (breadth first; months in
   order, states in code order). Each exchange keeps every state's total and every entry at its
   floor or ceiling, and moves one unit from a month in excess to a month short.

Such a chain always exists while a month is in excess: the exact matrix e is a fractional
solution of this transportation problem (rows a_r, columns N_k, entries between floor and
ceiling), so an integral one exists (the flow integrality theorem) and an augmenting path reaches
it. At the end rows sum to a_r and columns to N_k exactly.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from fractions import Fraction

from optimizer.domain import CalendarPlan, CalendarSpec


def largest_remainder(quotas: Sequence[Fraction], total: int) -> list[int]:
    """Whole numbers summing to ``total``: floors of the quotas, then one more each by largest
    remainder (ties to the earlier position). The quotas must sum to ``total``."""
    out = [q.numerator // q.denominator for q in quotas]
    left = total - sum(out)
    order = sorted(range(len(quotas)), key=lambda i: (-(quotas[i] - out[i]), i))
    for i in order[:left]:
        out[i] += 1
    return out


def month_amounts(total_units: int, weights: Sequence[float]) -> list[int]:
    """The national amount of each month in units: largest remainder of the fund by weight."""
    exact = [Fraction(repr(w)) if isinstance(w, float) else Fraction(w) for w in weights]
    weight = sum(exact, Fraction(0))
    return largest_remainder([w * total_units / weight for w in exact], total_units)


def two_way(rows: Sequence[int], columns: Sequence[int]) -> list[list[int]]:
    """A non-negative integer matrix with the given row and column sums, each entry the floor or
    the ceiling of ``rows[r] * columns[k] / total`` (module docstring)."""
    total = sum(rows)
    if total != sum(columns):
        message = f"rows sum to {total} and columns to {sum(columns)}"
        raise ValueError(message)
    n, k = len(rows), len(columns)
    if total == 0:
        return [[0] * k for _ in range(n)]
    floor = [[a * c // total for c in columns] for a in rows]
    remainder = [[a * c % total for c in columns] for a in rows]
    up = [[False] * k for _ in range(n)]
    quota = [columns[j] - sum(floor[r][j] for r in range(n)) for j in range(k)]
    """Ceilings each column has to give."""
    holders: list[list[int]] = [[] for _ in range(k)]
    """Rows holding the ceiling of each column, in code order."""
    for r in range(n):
        order = sorted(
            (j for j in range(k) if remainder[r][j]),
            key=lambda j: (len(holders[j]) - quota[j], -remainder[r][j], j),
        )
        for j in order[: rows[r] - sum(floor[r])]:
            up[r][j] = True
            holders[j].append(r)
    excess = [len(holders[j]) - quota[j] for j in range(k)]
    for source in range(k):
        while excess[source] > 0:
            target = _exchange(source, remainder, up, holders, excess)
            excess[source] -= 1
            excess[target] += 1
    return [[floor[r][j] + up[r][j] for j in range(k)] for r in range(n)]


def _exchange(
    source: int,
    remainder: list[list[int]],
    up: list[list[bool]],
    holders: list[list[int]],
    excess: list[int],
) -> int:
    """Move one ceiling out of column ``source`` along the shortest chain of within-row exchanges
    that ends in a column short of its amount; return that column."""
    k = len(excess)
    came: dict[int, tuple[int, int]] = {source: (-1, -1)}
    """column -> (row that takes its ceiling, column that row gives up)."""
    queue = [source]
    for column in queue:
        for row in holders[column]:
            for j in range(k):
                if j in came or not remainder[row][j] or up[row][j]:
                    continue
                came[j] = (row, column)
                if excess[j] < 0:
                    node = j
                    while node != source:
                        taker, given = came[node]
                        up[taker][node] = True
                        bisect.insort(holders[node], taker)
                        up[taker][given] = False
                        holders[given].remove(taker)
                        node = given
                    return j
                queue.append(j)
            if len(came) == k:
                break
    message = "no exchange chain: the margins are inconsistent"  # excluded by the flow theorem
    raise ValueError(message)


def calendar_plan(
    spec: CalendarSpec, regions: Sequence[str], totals: Sequence[int], unit: int
) -> CalendarPlan:
    """The ministrations of each state (its allocation ``totals``) in multiples of ``unit``."""
    units = [t // unit for t in totals]
    national = month_amounts(sum(units), spec.weights)
    matrix = two_way(units, national)
    return CalendarPlan(
        months=tuple(spec.months),
        national=tuple(v * unit for v in national),
        regions=tuple(regions),
        amounts=tuple(v * unit for row in matrix for v in row),
    )
