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
from hypothesis import given, settings
from hypothesis import strategies as st

from optimizer.domain import AllocationPlan, Objective
from optimizer.errors import InfeasibleError
from optimizer.io import load_scenario
from optimizer.pipeline import allocate
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
