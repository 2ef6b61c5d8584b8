"""The ministrations calendar: integer pesos per state and month, exact in both directions.

Rule (two-way largest remainder, "cumulative" form). In rounding units, with state totals a_r
(summing to the fund F) and month weights w_k (summing to 1):

1. National months: N = largest remainder of F by the weights (ties to the earlier month).
2. Cumulative national amounts S_k = N_1 + ... + N_k. At every k, S_k is apportioned among the
   states by largest remainder on the quotas a_r S_k / F (exact fractions; ties to the earlier
   state): L_r(k), with sum_r L_r(k) = S_k and L_r(k) the floor or the ceiling of its quota.
3. State r's month k is M[r,k] = L_r(k) - L_r(k-1), with L_r(0) = 0.

Columns: sum_r M[r,k] = S_k - S_{k-1} = N_k. Rows: the sum telescopes to L_r(K) = a_r (the last
quotas are whole). Each month is within two units of the exact a_r N_k / F, and is never
negative when that exact amount is at least one unit (L_r(k) >= floor(q_k) >= floor(q_{k-1}) + 1
>= L_r(k-1)). Below that (a state of a few pesos), a month can come out at -1 unit; it is then
repaired by the 2 x 2 exchange that keeps both margins: +1 on (r, k) and on (s, j), -1 on (r, j)
and (s, k), for the first month j with M[r,j] >= 1 and the first state s with M[s,k] >= 1 (both
exist since the row and column sums are non-negative); each exchange removes one negative unit.
"""

from __future__ import annotations

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
    """A non-negative integer matrix with the given row and column sums (module docstring)."""
    total = sum(rows)
    if total != sum(columns):
        message = f"rows sum to {total} and columns to {sum(columns)}"
        raise ValueError(message)
    n, k = len(rows), len(columns)
    m = [[0] * k for _ in range(n)]
    if total == 0:
        return m
    previous = [0] * n
    cumulative = 0
    for j, column in enumerate(columns):
        cumulative += column
        level = largest_remainder([Fraction(a * cumulative, total) for a in rows], cumulative)
        for r in range(n):
            m[r][j] = level[r] - previous[r]
        previous = level
    _repair(m)
    return m


def _repair(m: list[list[int]]) -> None:
    """Remove negative entries by 2 x 2 exchanges that keep both margins (module docstring)."""
    for r, row in enumerate(m):
        for k in range(len(row)):
            while row[k] < 0:
                j = next(j for j, v in enumerate(row) if v >= 1)
                s = next(s for s in range(len(m)) if m[s][k] >= 1)
                m[r][k] += 1
                m[s][j] += 1
                m[r][j] -= 1
                m[s][k] -= 1


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
