"""Every justification reads formula amount -> redistribution -> the rule that stopped it -> final.

On every shipped scenario and on random ones (all three objectives): each attributed amount has
the sign its rule allows (a floor or priority minimum only raises, a cap only lowers), the parts
add up to ``final - formula amount`` exactly in integer pesos, and the redistribution is the
common ratio of the regions no rule holds, recomputed here with exact fractions.
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from optimizer.domain import AllocationPlan, Band, Objective, RegionBound, Rules
from optimizer.errors import InfeasibleError
from optimizer.io import load_scenario
from optimizer.pipeline import allocate
from tests.conftest import regions, scenario
from tests.test_properties import SETTINGS, feasible_scenarios

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted((ROOT / "scenarios").rglob("scenario.yaml"))

RAISE_ONLY = {"band_floor", "region_floor", "priority_minimum"}
LOWER_ONLY = {"band_cap", "region_cap", "absorption_cap"}


def assert_structure(plan: AllocationPlan) -> None:
    """Signs, exact sums and the common ratio of the redistribution, for every region."""
    unit = plan.fund.rounding_unit
    free = [j for j in plan.justifications if not j.binding]
    final_free = sum(j.amount for j in free)
    target_free = sum(j.target for j in free)
    ratio = Fraction(final_free, target_free) if target_free else Fraction(1)
    for j in plan.justifications:
        causes = [str(a.cause) for a in j.adjustments]
        assert all(a.amount != 0 for a in j.adjustments), j.region
        assert sum(a.amount for a in j.adjustments) == j.amount - j.target, j.region
        # At most one redistribution, first, then at most one rule.
        rules = [c for c in causes if c != "redistribution"]
        assert len(rules) <= 1, (j.region, causes)
        assert causes in (rules, ["redistribution", *rules]), (j.region, causes)
        for adj in j.adjustments:
            cause = str(adj.cause)
            assert isinstance(adj.amount, int)
            if cause in RAISE_ONLY:
                assert adj.amount > 0, (j.region, cause, adj.amount)
            elif cause in LOWER_ONLY:
                assert adj.amount < 0, (j.region, cause, adj.amount)
            else:
                assert cause == "redistribution", (j.region, cause)
            if cause != "redistribution":
                # The rule is one that holds at the solution, and the redistribution would have
                # put the region at the common ratio (to the rounding unit).
                assert cause in {str(b.family) for b in j.binding}
                would = j.amount - adj.amount
                assert would % unit == 0 or unit == 1
                assert abs(would - ratio * j.target) <= Fraction(unit, 2)
        if not j.binding:
            assert causes in ([], ["redistribution"])


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.parent.relative_to(ROOT)))
@pytest.mark.parametrize("objective", list(Objective))
def test_shipped_scenarios(path: Path, objective: Objective) -> None:
    """Every shipped scenario, the didactic ones included, under every objective."""
    scenario = replace(load_scenario(path), objective=objective)
    try:
        plan = allocate(scenario)
    except InfeasibleError:
        pytest.skip("no plan: the didactic infeasible scenario")
    assert_structure(plan)
    # Nothing says a floor lowered or a cap raised, in words either.
    for j in plan.justifications:
        assert "valor marginal" not in j.text


@settings(SETTINGS, max_examples=40)
@given(feasible_scenarios(), st.sampled_from(list(Objective)))
def test_random_scenarios(s: object, objective: Objective) -> None:
    """Random bands, axes and priority minimums under a random objective."""
    plan = allocate(replace(s, objective=objective))  # type: ignore[type-var]
    assert_structure(plan)


@st.composite
def bounded_scenarios(draw: st.DrawFn) -> object:
    """Random needs with region floors, region caps and absorption caps (amounts and shares),
    a band and a random rounding unit; some are infeasible and are skipped."""
    n = draw(st.integers(3, 9))
    unit = draw(st.sampled_from([1, 10, 1_000]))
    fund = unit * draw(st.integers(1_000, 50_000))
    needs = draw(st.lists(st.integers(1, 500), min_size=n, max_size=n))
    previous = [unit * k for k in draw(st.lists(st.integers(50, 10_000), min_size=n, max_size=n))]
    codes = [f"{i + 1:02d}" for i in range(n)]

    def bounds(kind: str) -> tuple[RegionBound, ...]:
        out = []
        for code in draw(st.lists(st.sampled_from(codes), max_size=3, unique=True)):
            if kind != "absorption" and draw(st.booleans()):
                out.append(RegionBound(code, share=draw(st.integers(1, 400)) / 1000))
            else:
                out.append(RegionBound(code, amount=unit * draw(st.integers(0, fund // unit))))
        return tuple(out)

    band = (
        Band(draw(st.integers(-300, 0)) / 1000, draw(st.integers(0, 300)) / 1000)
        if draw(st.booleans())
        else None
    )
    rules = Rules(
        band=band,
        region_floors=bounds("floor"),
        region_caps=bounds("cap"),
        absorption_caps=bounds("absorption"),
    )
    return scenario(regions(needs, previous), fund=fund, unit=unit, rules=rules, base_weight=0.0)


@settings(SETTINGS, max_examples=60)
@given(bounded_scenarios(), st.sampled_from(list(Objective)))
def test_random_floors_and_caps(s: object, objective: Objective) -> None:
    """Floors, caps and absorption caps on some regions, with or without a band."""
    try:
        plan = allocate(replace(s, objective=objective))  # type: ignore[type-var]
    except InfeasibleError:
        assume(False)
        return
    assert_structure(plan)
