"""Exact pesos: round_cells keeps the fund and every bound; apportion sums exactly."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optimizer.domain import Axis, Band, RegionBound, RuleFamily, Rules
from optimizer.formula import compute_targets
from optimizer.model import ModelData, build_model_data, violations
from optimizer.rounding import WholeUnitsInfeasible, apportion, round_cells
from tests.conftest import regions, scenario

OPEN_AXES = (Axis("a", "A"), Axis("b", "B"))
"""Two axes without share bounds (each may take anything from 0 to the whole fund)."""


def model_data(
    n: int, fund: int, unit: int = 1, axes: tuple[Axis, ...] = (), **rules: object
) -> ModelData:
    """Model data for ``n`` equal regions with previous amount ``fund // n`` and the given rules."""
    s = scenario(
        regions([1] * n, [fund // n] * n),
        fund=fund,
        unit=unit,
        axes=axes,
        rules=Rules(**rules),  # type: ignore[arg-type]
    )
    return build_model_data(s, compute_targets(s))


def test_largest_remainder_gets_the_missing_unit() -> None:
    """3.4 / 3.3 / 3.3 of 10 round to 4 / 3 / 3."""
    data = model_data(3, 10)
    assert round_cells(np.array([[3.4], [3.3], [3.3]]), data) == [[4], [3], [3]]


def test_ties_go_to_the_first_region() -> None:
    """Three equal thirds of 10 give the extra peso to the first region (code order)."""
    data = model_data(3, 10)
    third = 10 / 3
    assert round_cells(np.array([[third], [third], [third]]), data) == [[4], [3], [3]]


def test_ties_within_a_region_go_to_the_first_axis() -> None:
    """Equal remainders 2.5 / 2.5 in two axes of one region: the first axis gets the peso."""
    data = model_data(1, 5, axes=OPEN_AXES)
    assert round_cells(np.array([[2.5, 2.5]]), data) == [[3, 2]]


def test_values_near_whole_numbers_snap() -> None:
    """An LP value of 2.9999999 counts as 3 and does not steal the remainder from others."""
    data = model_data(3, 10)
    cells = np.array([[2.9999999], [3.5000001], [3.5]])
    assert round_cells(cells, data) == [[3], [4], [3]]


def test_region_floor_is_served_before_largest_remainders() -> None:
    """01 sits on its floor 5 with remainders .5/.5; 02 and 03 have larger ones, 01 still gets 5."""
    data = model_data(4, 20, axes=OPEN_AXES, region_floors=(RegionBound("01", amount=5),))
    cells = np.array([[2.5, 2.5], [2.8, 2.8], [2.7, 2.7], [2.0, 2.0]])
    got = round_cells(cells, data)
    assert got == [[3, 2], [3, 3], [3, 2], [2, 2]]
    assert sum(map(sum, got)) == 20
    assert np.all(np.abs(np.array(got) - cells) < 1)
    assert violations(got, data) == []


def test_axis_floor_holds_when_region_totals_round_first() -> None:
    """Axis a (at least 50 % = 10) sits at 10; region totals 9.4 / 10.6 round to 9 / 11 first."""
    axes = (Axis("a", "A", share_min=0.5), Axis("b", "B"))
    data = model_data(2, 20, axes=axes)
    cells = np.array([[4.5, 4.9], [5.5, 5.1]])
    got = round_cells(cells, data)
    # Region 02 needs one more unit; of its cells a/02 (.5) is served before b/02 (.1), which
    # also brings axis a back to its floor of 10.
    assert got == [[4, 5], [6, 5]]
    assert [got[0][0] + got[1][0], got[0][1] + got[1][1]] == [10, 10]
    assert np.all(np.abs(np.array(got) - cells) < 1)
    assert violations(got, data) == []


def test_region_cap_is_never_exceeded() -> None:
    """01 at its cap 7 keeps 7 even when its cell has the largest remainder after a snap."""
    data = model_data(2, 10, region_caps=(RegionBound("01", amount=7),))
    assert round_cells(np.array([[7.0], [3.0]]), data) == [[7], [3]]
    # Values inconsistent with the cap (an LP off by round-off) cannot push 01 past it.
    assert round_cells(np.array([[6.6], [3.4]]), data) == [[7], [3]]


def test_rounding_unit_1000() -> None:
    """Cells in thousands: 3,400 / 3,300 / 3,300 of 10,000 at unit 1,000 give 4,000 / 3,000 / 3,000."""
    data = model_data(3, 10_000, unit=1_000)
    assert round_cells(np.array([[3_400.0], [3_300.0], [3_300.0]]), data) == [
        [4_000],
        [3_000],
        [3_000],
    ]


def test_band_bounds_hold_after_rounding_to_1000() -> None:
    """With unit 1,000 and bands, rounded cells keep floors and caps rounded inwards."""
    data = model_data(3, 30_000, unit=1_000, band=Band(-0.1, 0.1))
    # Boxes: [9,000, 11,000] each (previous 10,000).
    cells = np.array([[10_950.0], [9_050.0], [10_000.0]])
    got = round_cells(cells, data)
    assert got == [[11_000], [9_000], [10_000]]
    assert violations(got, data) == []


def test_impossible_rounding_is_diagnosed() -> None:
    """Caps 5 + 4 cannot hold a fund of 10: rounding refuses, naming a cap short by one peso."""
    data = model_data(
        2,
        10,
        region_caps=(RegionBound("01", amount=5), RegionBound("02", amount=4)),
    )
    with pytest.raises(WholeUnitsInfeasible) as caught:
        round_cells(np.array([[5.0], [4.0]]), data)
    assert [(s.family, s.amount) for s in caught.value.shortfalls] == [(RuleFamily.REGION_CAP, 1)]


@st.composite
def lp_cells(draw: st.DrawFn) -> tuple[np.ndarray, int, int, int]:
    """Random non-negative float cells summing to a fund that is a multiple of the unit."""
    n = draw(st.integers(1, 8))
    m = draw(st.integers(1, 4))
    unit = draw(st.sampled_from([1, 10, 1_000]))
    fund = unit * draw(st.integers(1, 10_000))
    weights = np.array(
        draw(st.lists(st.integers(0, 1_000), min_size=n * m, max_size=n * m)), dtype=float
    ).reshape(n, m)
    if weights.sum() == 0:
        weights[0, 0] = 1.0
    return weights / weights.sum() * fund, n, m, unit


@settings(max_examples=150, deadline=None)
@given(lp_cells())
def test_rounding_sums_to_the_fund_within_one_unit(case: tuple[np.ndarray, int, int, int]) -> None:
    """On any cells summing to the fund (no bounds), every cell is within one unit and the sum exact."""
    cells, n, m, unit = case
    fund = round(cells.sum())
    axes = tuple(Axis(f"a{k}", f"A{k}") for k in range(m)) if m > 1 else ()
    data = model_data(n, fund, unit=unit, axes=axes)
    got = np.array(round_cells(cells, data))
    assert got.sum() == fund
    assert np.all(got % unit == 0)
    assert np.all(np.abs(got - cells) < unit + 1e-6)


def test_apportion_sums_exactly() -> None:
    """1:2 of 10 gives 3 / 7 (3.33 / 6.67), and the result always adds to the total."""
    assert apportion([1.0, 2.0], 10) == [3, 7]
    assert apportion([0.1, 0.2, 0.3, 0.4], 1_000_001) == [100_000, 200_000, 300_000, 400_001]
    assert sum(apportion([0.3, 0.3, 0.4], 7)) == 7


def test_apportion_breaks_ties_by_position() -> None:
    """Four equal values share 6 as 2 / 2 / 1 / 1: the earlier positions win the ties."""
    assert apportion([1.0, 1.0, 1.0, 1.0], 6) == [2, 2, 1, 1]
    assert apportion([5.0, 1.0, 1.0], 8) == [6, 1, 1]  # 5.714, 1.143, 1.143


def test_apportion_of_zero_weights_and_empty() -> None:
    """All-zero weights put the whole total on the first position; no values give no parts."""
    assert apportion([0.0, 0.0, 0.0], 9) == [9, 0, 0]
    assert apportion([], 9) == []


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.floats(0, 1e9, allow_nan=False), min_size=1, max_size=30),
    st.integers(0, 10**12),
)
def test_apportion_properties(values: list[float], total: int) -> None:
    """Random weights: parts sum to the total and each is within one peso of its exact share."""
    parts = apportion(values, total)
    assert sum(parts) == total
    weight = sum(values)
    if weight > 0:
        for v, p in zip(values, parts, strict=True):
            assert abs(p - v * total / weight) < 1 + 1e-6 * total / max(1, len(values))


def test_pinned_region_totals_and_axis_floor_round_together() -> None:
    """Regions pinned at 10 and axis a >= 15: a valid rounding within one unit exists and is found.

    LP cells a = 4.4 / 4.4 / 6.2 (sum 15), b = 5.6 / 5.6 / 3.8. Rounding a/01 up and b/01 down
    gives [[5, 5], [4, 6], [6, 4]]: every region 10, a = 15, each cell within one unit.
    """
    axes = (Axis("a", "A", share_min=0.5), Axis("b", "B"))
    data = model_data(3, 30, axes=axes, band=Band(0.0, 0.0))
    cells = np.array([[4.4, 5.6], [4.4, 5.6], [6.2, 3.8]])
    got = round_cells(cells, data)
    assert violations(got, data) == []
    assert np.all(np.abs(np.array(got) - cells) < 1)
