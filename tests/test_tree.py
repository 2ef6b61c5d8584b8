"""The programa tree (``optimizer/tree.py``) and its checks (``optimizer/checks.check_tree``)."""

from __future__ import annotations

import math
from dataclasses import replace

from optimizer.checks import check_scenario
from optimizer.domain import Axis, Criterion, Proposal
from optimizer.formula import axis_target_shares, proposal_mixes
from optimizer.tree import Tree, natural_key
from tests.conftest import regions, scenario

LEAVES = (
    Axis("S1", "uno", parent="P1"),
    Axis("S2", "dos", parent="P1", target_share=0.3),
    Axis("P2", "programa dos", parent="E1", target_share=0.2),
    Axis("P3", "programa tres", share_min=0.1, share_max=0.3),
)
GROUPS = (
    Axis("E1", "eje uno", level="eje"),
    Axis("P1", "programa uno", parent="E1", level="programa", target_share=0.4),
)


def _tree_scenario(**changes: object) -> object:
    return replace(scenario(regions([1, 2, 3]), axes=LEAVES), axis_groups=GROUPS, **changes)


def test_target_shares_come_down_the_tree() -> None:
    """E1's raw share is its children's sum (0.4 + 0.2); P3's the middle of its range (0.2);
    the top scales to 1 and P1's 0.4 splits between S1 (middle of [0, 1], 0.5) and S2 (0.3)."""
    tree = Tree.of(LEAVES, GROUPS)
    shares = tree.target_shares()
    assert math.isclose(shares["E1"], 0.6 / 0.8)
    assert math.isclose(shares["P3"], 0.2 / 0.8)
    assert math.isclose(shares["P1"], shares["E1"] * 0.4 / 0.6)
    assert math.isclose(shares["S1"], shares["P1"] * 0.5 / 0.8)
    assert math.isclose(sum(shares[a.id] for a in LEAVES), 1.0)
    got = axis_target_shares(_tree_scenario())  # type: ignore[arg-type]
    assert math.isclose(float(got.sum()), 1.0)
    assert tree.depth() == 3
    assert tree.leaf_positions("E1") == (0, 1, 2)
    assert tree.ancestors("S2") == ["P1", "E1"]


def test_a_proposal_on_a_programa_spreads_in_the_national_mix() -> None:
    """State 01 puts everything in P1: S1 and S2 get P1's national split (0.5 : 0.3)."""
    s = replace(_tree_scenario(), proposals=(Proposal("01", "P1", share=1.0),))  # type: ignore[type-var]
    mix = proposal_mixes(s)["01"]  # type: ignore[arg-type]
    assert math.isclose(mix[0], 0.5 / 0.8)
    assert math.isclose(mix[1], 0.3 / 0.8)
    assert mix[2] == mix[3] == 0.0


def test_natural_order_reads_numbers() -> None:
    """P2 before P10, S09 before S10."""
    assert sorted(["P10", "P2", "P1"], key=natural_key) == ["P1", "P2", "P10"]
    assert sorted(["S10", "S09"], key=natural_key) == ["S09", "S10"]


def _errors(s: object) -> list[str]:
    return [p.message for p in check_scenario(s) if p.severity == "error"]  # type: ignore[arg-type]


def test_tree_checks_name_each_problem() -> None:
    """Unknown parent, criteria on a group, a cycle, a proposal naming a node and its ancestor,
    amounts mixed with shares."""
    s = _tree_scenario()
    assert _errors(s) == []
    bad_parent = replace(s, axes=(*LEAVES[:3], replace(LEAVES[3], parent="E9")))  # type: ignore[type-var]
    assert any("unknown parent 'E9'" in m for m in _errors(bad_parent))
    with_criteria = replace(
        s, axis_groups=(replace(GROUPS[0], criteria=(Criterion("need", 1.0),)), GROUPS[1])
    )  # type: ignore[type-var]
    assert any("cannot have criteria" in m for m in _errors(with_criteria))
    cycle = replace(s, axis_groups=(replace(GROUPS[0], parent="P1"), GROUPS[1]))  # type: ignore[type-var]
    assert any("cycle" in m for m in _errors(cycle))
    both = replace(s, proposals=(Proposal("01", "P1", share=0.5), Proposal("01", "S1", share=0.5)))  # type: ignore[type-var]
    assert any("names both S1 and P1" in m for m in _errors(both))
    mixed = replace(s, proposals=(Proposal("01", "P1", share=0.5), Proposal("01", "P3", amount=5)))  # type: ignore[type-var]
    assert any("mixes amounts and shares" in m for m in _errors(mixed))


def test_proposal_amounts_of_zero_are_refused() -> None:
    """A state whose proposed amounts add up to 0 has no mix to follow."""
    s = _tree_scenario()
    zero = replace(s, proposals=(Proposal("01", "P1", amount=0), Proposal("01", "P3", amount=0)))  # type: ignore[type-var]
    assert any("amounts of 01 sum to 0" in m for m in _errors(zero))
