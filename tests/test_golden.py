"""Golden results for every shipped scenario: the plan must not change without a reason.

Regenerate after an intended change with ``FSF_UPDATE_GOLDEN=1 python -m pytest tests/test_golden.py``
and review the diff like any other change.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from optimizer.domain import AllocateOptions, Language
from optimizer.errors import InfeasibleError
from optimizer.io import load_scenario
from optimizer.io.results import TRANSIENT, plan_to_dict
from optimizer.pipeline import allocate

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"
SCENARIOS = sorted(p.relative_to(ROOT) for p in (ROOT / "scenarios").rglob("scenario.yaml"))


def _stable(plan_dict: dict[str, object]) -> dict[str, object]:
    """The plan without the fields that change between machines and runs."""
    stats = dict(plan_dict["stats"])  # type: ignore[call-overload]
    for key in TRANSIENT:
        stats.pop(key, None)
    return {**plan_dict, "stats": stats}


def _result(path: Path) -> dict[str, object]:
    scenario = load_scenario(ROOT / path)
    try:
        plan = allocate(scenario, AllocateOptions(language=Language.ES))
    except InfeasibleError as err:
        return {
            "infeasible": err.summary,
            "conflicts": [
                {"family": str(c.family), "amount": c.amount, "description": c.description}
                for c in err.conflicts
            ],
        }
    return _stable(plan_to_dict(plan))


def _golden_name(path: Path) -> str:
    return "-".join(path.parent.parts[1:]) + ".json"


def test_every_scenario_has_a_golden_file() -> None:
    """Each shipped scenario has a golden result checked in (none forgotten)."""
    assert len(SCENARIOS) >= 5
    if os.environ.get("FSF_UPDATE_GOLDEN"):
        pytest.skip("regenerating golden files")
    missing = [str(p) for p in SCENARIOS if not (GOLDEN / _golden_name(p)).exists()]
    assert missing == []


@pytest.mark.parametrize("path", SCENARIOS, ids=_golden_name)
def test_plan_matches_golden(path: Path) -> None:
    """Solving the scenario gives exactly the stored plan (transient fields removed)."""
    got = _result(path)
    target = GOLDEN / _golden_name(path)
    if os.environ.get("FSF_UPDATE_GOLDEN"):
        target.write_text(
            json.dumps(got, indent=1, sort_keys=True, ensure_ascii=False) + "\n", "utf-8"
        )
    expected = json.loads(target.read_text("utf-8"))
    assert got == expected


def test_fasp_2026_done_when() -> None:
    """fasp-2026: cells sum to 9,941,162,915; every state within [2025, 1.10 x 2025]; axes in range."""
    scenario = load_scenario(ROOT / "scenarios/fasp-2026/scenario.yaml")
    plan = allocate(scenario)
    assert sum(c.amount for c in plan.cells) == 9_941_162_915
    assert plan.total == scenario.fund.total
    previous = {r.code: r.previous for r in scenario.regions}
    assert len(plan.regions) == 32
    for row in plan.regions:
        prev = previous[row.code]
        assert prev is not None
        assert prev <= row.amount
        assert row.amount * 100 <= prev * 110
    for axis_row, axis in zip(plan.axes, scenario.axes, strict=True):
        assert axis_row.amount >= axis.lower_share * scenario.fund.total - 1
        assert axis_row.amount <= axis.upper_share * scenario.fund.total + 1
    assert {j.region for j in plan.justifications} == {r.code for r in scenario.regions}
    assert all(j.text for j in plan.justifications)
