"""Model data: every rule becomes integer-peso bounds; the re-check finds every broken rule."""

from __future__ import annotations

from optimizer.domain import (
    Axis,
    Band,
    CellMinimum,
    RegionBound,
    RuleFamily,
    Rules,
    Scenario,
)
from optimizer.formula import compute_targets
from optimizer.model import ModelData, build_model_data, violations
from tests.conftest import regions, scenario


def data_for(s: Scenario) -> ModelData:
    """Model data of a scenario."""
    return build_model_data(s, compute_targets(s))


def test_band_bounds_are_exact_decimal_pesos() -> None:
    """Previous 100,000 with band [+10 %, +20 %] gives exactly [110,000, 120,000], no float drift."""
    s = scenario(regions([1], [100_000]), fund=115_000, rules=Rules(band=Band(0.1, 0.2)))
    data = data_for(s)
    assert data.lower[RuleFamily.BAND_FLOOR] == [110_000]
    assert data.upper[RuleFamily.BAND_CAP] == [120_000]


def test_band_bounds_round_inwards_to_the_rounding_unit() -> None:
    """Previous 123,456 with band [-5 %, +10 %] and unit 1,000: floor 118,000, cap 135,000."""
    s = scenario(
        regions([1, 1], [123_456, 100_000]),
        fund=250_000,
        unit=1_000,
        rules=Rules(band=Band(-0.05, 0.10)),
    )
    data = data_for(s)
    # 117,283.2 rounds up to 118,000; 135,801.6 rounds down to 135,000.
    assert data.lower[RuleFamily.BAND_FLOOR] == [118_000, 95_000]
    assert data.upper[RuleFamily.BAND_CAP] == [135_000, 110_000]


def test_region_bounds_take_the_most_restrictive_of_star_and_named() -> None:
    """A '*' floor of 10 % and a named floor of 150,000 give 150,000 to 01 and 100,000 to others."""
    s = scenario(
        regions([1, 1, 1]),
        rules=Rules(
            region_floors=(RegionBound("*", share=0.1), RegionBound("01", amount=150_000)),
            region_caps=(RegionBound("*", share=0.5), RegionBound("02", amount=400_000)),
            absorption_caps=(RegionBound("03", amount=450_000),),
        ),
    )
    data = data_for(s)
    assert data.lower[RuleFamily.REGION_FLOOR] == [150_000, 100_000, 100_000]
    assert data.upper[RuleFamily.REGION_CAP] == [500_000, 400_000, 500_000]
    assert data.upper[RuleFamily.ABSORPTION_CAP] == [None, None, 450_000]
    assert [data.region_box(r) for r in range(3)] == [
        (150_000, 500_000),
        (100_000, 400_000),
        (100_000, 450_000),
    ]


def test_share_bounds_round_inwards_to_the_unit() -> None:
    """Floor share 0.1234 and cap share 0.5678 of 1,000,000 at unit 1,000: 124,000 and 567,000."""
    s = scenario(
        regions([1, 1]),
        unit=1_000,
        rules=Rules(
            region_floors=(RegionBound("01", share=0.1234),),
            region_caps=(RegionBound("01", share=0.5678),),
        ),
    )
    data = data_for(s)
    assert data.lower[RuleFamily.REGION_FLOOR] == [124_000, None]
    assert data.upper[RuleFamily.REGION_CAP] == [567_000, None]


def test_axis_bounds_and_cell_minimums_in_units() -> None:
    """Axis ranges round inwards; amount minimums round up and count towards the region floor."""
    s = scenario(
        regions([1, 1]),
        unit=1_000,
        axes=(
            Axis("a", "A", share_min=0.2005, share_max=0.3005),
            Axis("b", "B", share_min=0.6, share_max=0.8),
        ),
        rules=Rules(
            cell_minimums=(
                CellMinimum("a", "*", amount=10_500),
                CellMinimum("a", "02", amount=20_000),
                CellMinimum("b", "01", share=0.25),
            )
        ),
    )
    data = data_for(s)
    assert data.axis_lower == [201_000, 600_000]
    assert data.axis_upper == [300_000, 800_000]
    assert data.cell_min == [[11_000, 0], [20_000, 0]]
    assert data.cell_min_share == [[0.0, 0.25], [0.0, 0.0]]
    assert data.region_box(1) == (20_000, 1_000_000)


def test_lp_scale_keeps_numbers_small() -> None:
    """A fund of 9,941,162,915 pesos is modelled in units of 100,000 pesos."""
    s = scenario(regions([1, 1]), fund=9_941_162_915)
    assert data_for(s).scale == 100_000.0


def test_violations_is_empty_for_a_plan_that_keeps_every_rule() -> None:
    """Integer cells that keep the fund, the band and the axis ranges break nothing."""
    s = scenario(
        regions([1, 1], [400_000, 500_000]),
        axes=(Axis("a", "A", share_min=0.2, share_max=0.4), Axis("b", "B")),
        rules=Rules(band=Band(0.0, 0.2), cell_minimums=(CellMinimum("b", "*", share=0.5),)),
    )
    assert violations([[200_000, 250_000], [100_000, 450_000]], data_for(s)) == []


def test_violations_names_every_broken_rule() -> None:
    """Each broken rule (fund, band floor and cap, axis range, minimum, unit) is reported."""
    s = scenario(
        regions([1, 1], [400_000, 500_000]),
        unit=10,
        axes=(Axis("a", "A", share_min=0.2, share_max=0.4), Axis("b", "B")),
        rules=Rules(band=Band(0.0, 0.2), cell_minimums=(CellMinimum("b", "*", share=0.5),)),
    )
    found = violations([[350_000, 250_005], [10, 390_000]], data_for(s))
    text = "\n".join(found)
    assert "cells sum to 990015 instead of the fund 1000000" in text
    assert "band_cap 01: 600005 > 480000" in text
    assert "band_floor 02: 390010 < 500000" in text
    assert "axis a: 350010 outside [200000, 400000]" not in text
    assert "cell 01/b: 250005 < minimum 300003" in text  # ceil(0.5 x 600,005)
    assert "cell 01/b: not a multiple of the unit" in text
    assert len(found) == 5


def test_violations_tolerance_applies_to_float_solutions() -> None:
    """An LP solution off by 0.4 pesos passes with tolerance 0.5 and fails exactly."""
    s = scenario(regions([1, 1]), rules=Rules(region_caps=(RegionBound("01", amount=500_000),)))
    data = data_for(s)
    cells = [[500_000.4], [499_999.6]]
    assert violations(cells, data, tol=0.5) == []
    assert violations(cells, data) != []
