"""Every rule re-checked for a whole batch of plans at once (``model.violations``' decisions).

``model.violations`` checks one plan and says what is broken; a sweep checks thousands of plans
of the same rules and only needs to know which hold. These two functions take the same
decisions for every plan of a batch:

- :func:`floats_hold` is ``not violations(cells, data, tol)`` on float cells: the sums are
  accumulated one element after the other as ``violations`` accumulates them (the grand total
  with Python's ``sum`` of the region totals, as there), so every comparison sees the same
  numbers;
- :func:`pesos_hold` is ``not violations(cells, data)`` on whole pesos: integer sums and
  comparisons, share-of-region minimums as ``ceil(p X / q)`` of the share the planner wrote
  (``p / q`` exactly), multiples of the rounding unit.

``tests/test_sweep_engine.py`` compares both with ``violations`` on plans that keep and break
each rule. A plan found broken here is then described by ``violations`` itself.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from optimizer.model import ModelData, share_fraction

BoolArray = npt.NDArray[np.bool_]


def floats_hold(cells: npt.NDArray[np.float64], data: ModelData, tol: float) -> BoolArray:
    """Per plan (samples x regions x axes, float pesos): every rule holds to ``tol`` pesos."""
    x = cells
    arrays = data.arrays
    totals = np.add.accumulate(x, axis=2)[:, :, -1] + 0
    grand = np.array([sum(row) for row in totals.tolist()], dtype=np.float64)
    ok = ~(np.abs(grand - data.fund) > tol)
    for family in data.lower:
        bound, present = arrays.bounds[family]
        ok &= ~((totals < bound - tol) & present).any(axis=1)
    for family in data.upper:
        bound, present = arrays.bounds[family]
        ok &= ~((totals > bound + tol) & present).any(axis=1)
    if data.m > 1 or data.groups:
        y = np.add.accumulate(x, axis=1)[:, -1, :] + 0
    if data.m > 1:
        lo, hi = arrays.axis_lower, arrays.axis_upper
        ok &= ~((y < lo - tol) | (y > hi + tol)).any(axis=1)
    for group in data.groups:
        # Inner nodes of the programa tree: the sum of their leaves' totals.
        value = y[:, list(group.members)].sum(axis=1) if group.members else np.zeros(len(x))
        ok &= ~((value < group.lower - tol) | (value > group.upper + tol))
    by_share = arrays.cell_min_share * totals[:, :, None]
    share_wins = by_share > arrays.cell_min
    need = np.where(share_wins, by_share, arrays.cell_min)
    short = x < np.where(need < 0, 0, need) - tol
    ok &= ~short.any(axis=(1, 2))
    return np.asarray(ok, dtype=np.bool_)


def pesos_hold(cells: npt.NDArray[np.int64], data: ModelData) -> BoolArray:
    """Per plan (samples x regions x axes, whole pesos): every rule holds exactly."""
    x = cells
    arrays = data.arrays
    totals = x.sum(axis=2)
    ok = totals.sum(axis=1) == data.fund
    for family in data.lower:
        bound, present = arrays.bounds[family]
        ok &= ~((totals < bound) & present).any(axis=1)
    for family in data.upper:
        bound, present = arrays.bounds[family]
        ok &= ~((totals > bound) & present).any(axis=1)
    y = x.sum(axis=1)
    if data.m > 1:
        ok &= ~((y < arrays.axis_lower) | (y > arrays.axis_upper)).any(axis=1)
    for group in data.groups:
        value = y[:, list(group.members)].sum(axis=1) if group.members else np.zeros(len(x))
        ok &= ~((value < group.lower) | (value > group.upper))
    need = np.maximum(arrays.cell_min, 0)[None, :, :].repeat(len(x), axis=0)
    rows, cols = np.nonzero(arrays.cell_min_share > 0)
    for r, a in zip(rows.tolist(), cols.tolist(), strict=True):
        exact = share_fraction(data.cell_min_share[r][a])
        p, q = exact.numerator, exact.denominator
        t = totals[:, r]
        if q * max(int(np.abs(t).max(initial=0)), 1) * max(p, 1) < 2**62:
            share_need = -((-p * t) // q)
        else:  # beyond int64: Python integers
            share_need = np.array([-((-p * int(v)) // q) for v in t.tolist()], dtype=np.int64)
        need[:, r, a] = np.maximum(need[:, r, a], share_need)
    ok &= ~(x < need).any(axis=(1, 2))
    ok &= ~(x % data.unit != 0).any(axis=(1, 2))
    return np.asarray(ok, dtype=np.bool_)
