"""Formula targets: normalisations, weights, base amount, axis splits, peso contributions."""

from __future__ import annotations

import numpy as np
import pytest

from optimizer.domain import Axis, Criterion, Direction, Normalisation
from optimizer.formula import BASE_SOURCE, axis_target_shares, compute_targets, normalise
from tests.conftest import region, regions, scenario


def test_share_normalisation_splits_the_fund_by_indicator_share() -> None:
    """Needs 1, 2, 5 of a 1,000,000 fund give targets 125,000 / 250,000 / 625,000."""
    targets = compute_targets(scenario(regions([1, 2, 5])))
    np.testing.assert_allclose(targets.region, [125_000, 250_000, 625_000], rtol=0, atol=1e-6)
    assert targets.regions == ("01", "02", "03")
    assert targets.axes == ("total",)


def test_base_amount_and_weighted_criterion_add_up() -> None:
    """Base weight 0.4 over 4 regions is 100,000 each; need 1,1,2,4 at weight 0.6 adds 600,000."""
    s = scenario(
        regions([1, 1, 2, 4]),
        criteria=(Criterion("need", 0.6),),
        base_weight=0.4,
    )
    targets = compute_targets(s)
    np.testing.assert_allclose(
        targets.region, [175_000, 175_000, 250_000, 400_000], rtol=0, atol=1e-6
    )
    np.testing.assert_allclose(targets.contributions[BASE_SOURCE], [100_000] * 4, atol=1e-6)
    np.testing.assert_allclose(
        targets.contributions["need"], [75_000, 75_000, 150_000, 300_000], atol=1e-6
    )


def test_two_criteria_contributions_sum_to_region_targets() -> None:
    """With two criteria and a base amount, the contributions of each region add to its target."""
    s = scenario(
        (
            region("01", 3, crime=10),
            region("02", 1, crime=30),
            region("03", 4, crime=60),
        ),
        criteria=(Criterion("need", 0.5), Criterion("crime", 0.3)),
        base_weight=0.2,
    )
    targets = compute_targets(s)
    total = sum(targets.contributions.values())
    np.testing.assert_allclose(total, targets.region, rtol=1e-12)
    # need: 3/8, 1/8, 4/8 of 500,000; crime: 0.1, 0.3, 0.6 of 300,000; base 200,000 / 3.
    expected = np.array([187_500 + 30_000, 62_500 + 90_000, 250_000 + 180_000]) + 200_000 / 3
    np.testing.assert_allclose(targets.region, expected, rtol=1e-12)
    assert targets.region.sum() == pytest.approx(1_000_000, abs=1e-6)


def test_higher_needs_less_uses_inverse_shares() -> None:
    """Values 1, 2, 4 with 'higher needs less' give inverse shares 4/7, 2/7, 1/7 of 700,000."""
    less = Criterion("need", 1.0, direction=Direction.HIGHER_NEEDS_LESS)
    targets = compute_targets(scenario(regions([1, 2, 4]), fund=700_000, criteria=(less,)))
    np.testing.assert_allclose(targets.region, [400_000, 200_000, 100_000], rtol=1e-12)


def test_shifted_share_moves_the_minimum_to_one_percent_of_the_span() -> None:
    """Values -10, 0, 30 (span 40) become 0.4, 10.4, 40.4, so 512,000 splits 4,000/104,000/404,000."""
    shifted = Criterion("need", 1.0, normalisation=Normalisation.SHIFTED_SHARE)
    targets = compute_targets(scenario(regions([-10, 0, 30]), fund=512_000, criteria=(shifted,)))
    np.testing.assert_allclose(targets.region, [4_000, 104_000, 404_000], rtol=1e-12)


def test_shifted_share_with_an_explicit_shift() -> None:
    """Shift 0.25 of span 40 puts -10 at 10: values 10, 20, 50 split 800,000 as 100k/200k/500k."""
    shifted = Criterion("need", 1.0, normalisation=Normalisation.SHIFTED_SHARE, shift=0.25)
    targets = compute_targets(scenario(regions([-10, 0, 30]), fund=800_000, criteria=(shifted,)))
    np.testing.assert_allclose(targets.region, [100_000, 200_000, 500_000], rtol=1e-12)


def test_shifted_share_of_equal_values_is_equal() -> None:
    """An indicator with one value everywhere carries no information: equal shares."""
    shifted = Criterion("need", 1.0, normalisation=Normalisation.SHIFTED_SHARE)
    shares = normalise(np.array([-3.0, -3.0, -3.0, -3.0]), shifted)
    np.testing.assert_allclose(shares, [0.25] * 4, rtol=0, atol=1e-15)


def test_shifted_share_higher_needs_less_inverts_after_shifting() -> None:
    """Shift then invert: -10, 0, 30 with shift 0.25 become 1/10, 1/20, 1/50, shares 10:5:2."""
    c = Criterion(
        "need",
        1.0,
        direction=Direction.HIGHER_NEEDS_LESS,
        normalisation=Normalisation.SHIFTED_SHARE,
        shift=0.25,
    )
    shares = normalise(np.array([-10.0, 0.0, 30.0]), c)
    np.testing.assert_allclose(shares, [10 / 17, 5 / 17, 2 / 17], rtol=1e-12)


def test_axis_target_shares_use_fixed_share_target_share_or_middle_of_range() -> None:
    """Fixed 0.2, target 0.3 and range [0.4, 0.6] give raw 0.2, 0.3, 0.5, normalised by 1.0."""
    s = scenario(
        regions([1, 1]),
        axes=(
            Axis("a", "A", share=0.2),
            Axis("b", "B", share_min=0.1, share_max=0.5, target_share=0.3),
            Axis("c", "C", share_min=0.4, share_max=0.6),
        ),
    )
    np.testing.assert_allclose(axis_target_shares(s), [0.2, 0.3, 0.5], rtol=1e-12)


def test_axis_target_shares_are_normalised_when_they_do_not_sum_to_one() -> None:
    """Middles 0.25 and 0.5 (ranges [0, 0.5] and [0, 1]) are normalised to 1/3 and 2/3."""
    s = scenario(
        regions([1, 1]),
        axes=(Axis("a", "A", share_min=0.0, share_max=0.5), Axis("b", "B")),
    )
    np.testing.assert_allclose(axis_target_shares(s), [1 / 3, 2 / 3], rtol=1e-12)


def test_cells_split_each_axis_by_region_shares() -> None:
    """Axis shares 0.4 / 0.6 and needs 1, 3: cells 100k/300k and 150k/450k of 1,000,000."""
    s = scenario(regions([1, 3]), axes=(Axis("a", "A", share=0.4), Axis("b", "B", share=0.6)))
    targets = compute_targets(s)
    np.testing.assert_allclose(targets.cell, [[100_000, 150_000], [300_000, 450_000]], rtol=1e-12)
    np.testing.assert_allclose(targets.axis_amounts, [400_000, 600_000], rtol=1e-12)


def test_axis_with_own_criteria_and_base_weight() -> None:
    """Axis b (600,000) uses its own indicator 'risk' 1:3 at 0.5 and a base of 0.5 (150,000 each)."""
    s = scenario(
        (region("01", 1, risk=1), region("02", 3, risk=3)),
        criteria=(Criterion("need", 1.0),),
        axes=(
            Axis("a", "A", share=0.4),
            Axis("b", "B", share=0.6, criteria=(Criterion("risk", 0.5),), base_weight=0.5),
        ),
    )
    targets = compute_targets(s)
    # b: base 300,000 split equally; risk 300,000 split 1:3.
    np.testing.assert_allclose(targets.cell[:, 1], [150_000 + 75_000, 150_000 + 225_000])
    np.testing.assert_allclose(targets.contributions["risk"], [75_000, 225_000], rtol=1e-12)
    np.testing.assert_allclose(targets.contributions[BASE_SOURCE], [150_000, 150_000])
    np.testing.assert_allclose(targets.contributions["need"], [100_000, 300_000])
    np.testing.assert_allclose(sum(targets.contributions.values()), targets.region, rtol=1e-12)
