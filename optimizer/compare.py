"""Two plans side by side: region by region, axis by axis, and the rules that changed.

Used by ``fsf compare`` (two scenario files) and by the service's ``CompareAllocations`` (two
stored runs). A missing plan (an infeasible run) compares as all zeros.
"""

from __future__ import annotations

from dataclasses import dataclass

from optimizer.domain import AllocationPlan


@dataclass(frozen=True)
class RegionDelta:
    """One region in both plans."""

    code: str
    name: str
    base_amount: int
    other_amount: int
    base_main_rule: str
    other_main_rule: str

    @property
    def change(self) -> int:
        """other - base, in pesos."""
        return self.other_amount - self.base_amount

    @property
    def change_pct(self) -> float | None:
        """Change in percent of the base amount (None when the base is 0)."""
        return 100.0 * self.change / self.base_amount if self.base_amount else None


@dataclass(frozen=True)
class AxisDelta:
    """One axis in both plans."""

    id: str
    name: str
    base_amount: int
    other_amount: int

    @property
    def change(self) -> int:
        """other - base, in pesos."""
        return self.other_amount - self.base_amount


@dataclass(frozen=True)
class RuleRef:
    """A binding rule, by family and key (region code, axis id or region/axis)."""

    family: str
    key: str
    description: str


@dataclass(frozen=True)
class Comparison:
    """Everything that differs between two plans."""

    regions: tuple[RegionDelta, ...]
    axes: tuple[AxisDelta, ...]
    started_binding: tuple[RuleRef, ...]
    """Rules binding in the other plan but not in the base plan."""
    stopped_binding: tuple[RuleRef, ...]

    @property
    def total_change(self) -> int:
        """Sum of the region changes (the difference of the two funds)."""
        return sum(r.change for r in self.regions)


def binding_rules(plan: AllocationPlan | None) -> dict[tuple[str, str], RuleRef]:
    """Every binding rule of a plan by (family, key): regions' rules and axes' share bounds."""
    rules: dict[tuple[str, str], RuleRef] = {}
    if plan is None:
        return rules
    for j in plan.justifications:
        for b in j.binding:
            rules[(str(b.family), b.key)] = RuleRef(str(b.family), b.key, b.description)
    for a in plan.axes:
        for family in a.binding:
            rules.setdefault((family, a.id), RuleRef(family, a.id, f"{family} on axis {a.id}"))
    return rules


def compare_plans(base: AllocationPlan | None, other: AllocationPlan | None) -> Comparison:
    """Region-by-region and axis-by-axis differences, and which rules started or stopped binding."""
    b_regions = {r.code: r for r in base.regions} if base else {}
    o_regions = {r.code: r for r in other.regions} if other else {}
    regions = []
    for code in sorted(b_regions.keys() | o_regions.keys()):
        b, o = b_regions.get(code), o_regions.get(code)
        named = o if o is not None else b
        assert named is not None
        regions.append(
            RegionDelta(
                code=code,
                name=named.name,
                base_amount=b.amount if b else 0,
                other_amount=o.amount if o else 0,
                base_main_rule=b.main_rule if b else "",
                other_main_rule=o.main_rule if o else "",
            )
        )
    b_axes = {a.id: a for a in base.axes} if base else {}
    o_axes = {a.id: a for a in other.axes} if other else {}
    axes = []
    for axis_id in sorted(b_axes.keys() | o_axes.keys()):
        ba, oa = b_axes.get(axis_id), o_axes.get(axis_id)
        named_axis = oa if oa is not None else ba
        assert named_axis is not None
        axes.append(
            AxisDelta(
                id=axis_id,
                name=named_axis.name,
                base_amount=ba.amount if ba else 0,
                other_amount=oa.amount if oa else 0,
            )
        )
    b_rules, o_rules = binding_rules(base), binding_rules(other)
    return Comparison(
        regions=tuple(regions),
        axes=tuple(axes),
        started_binding=tuple(o_rules[k] for k in sorted(o_rules.keys() - b_rules.keys())),
        stopped_binding=tuple(b_rules[k] for k in sorted(b_rules.keys() - o_rules.keys())),
    )
