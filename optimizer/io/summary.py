"""A one-screen text summary of a loaded scenario (``fsf validate``)."""

from __future__ import annotations

from optimizer.domain import Axis, CriteriaTreeNode, Criterion, Scenario, criteria_tree
from optimizer.indicators import describe
from optimizer.tree import natural_key

_WIDTH = 90
"""Longest free text (description, names) shown on a summary line."""


def _short(text: str) -> str:
    # Descriptions and official axis names can run to paragraphs; one screen needs one line.
    return text if len(text) <= _WIDTH else text[: _WIDTH - 3].rstrip() + "..."


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:g} %"


def _criterion_line(criterion: Criterion) -> str:
    label = criterion.label_es or criterion.label_en
    name = f"{criterion.indicator} ({_short(label)})" if label else criterion.indicator
    extra = "" if criterion.normalisation == "share" else f", {criterion.normalisation}"
    return f"    {criterion.weight:>7.4f}  {name}: {criterion.direction}{extra}"


def _tree_line(node: CriteriaTreeNode, scenario: Scenario) -> str:
    indent = "  " * node.depth
    weights = f"{node.weight:>7.4f} -> {node.effective_weight:.4f}"
    if node.kind == "category":
        return f"  {indent}{weights}  [{node.id}] {_short(node.label)}"
    if node.kind == "base_amount":
        return f"  {indent}{weights}  base amount (equal split)"
    criterion = next(c for c in scenario.criteria if c.indicator == node.id)
    return f"  {indent}{weights}  {_criterion_line(criterion).strip().split('  ', 1)[1]}"


def _criteria_lines(scenario: Scenario) -> list[str]:
    """The criteria: a flat list, or the tree of categories with effective weights."""
    if not scenario.categories:
        return [
            f"  criteria: {len(scenario.criteria)}",
            *(_criterion_line(c) for c in scenario.criteria),
            f"    {scenario.base_weight:>7.4f}  base amount (equal split)",
        ]
    lines = [
        f"  criteria: {len(scenario.criteria)} in {len(scenario.categories)} "
        f"{'category' if len(scenario.categories) == 1 else 'categories'} "
        "(weight within its parent -> effective weight)",
    ]
    lines += [_tree_line(node, scenario) for node in criteria_tree(scenario)]
    return lines


def _derived_lines(scenario: Scenario) -> list[str]:
    if not scenario.derived:
        return []
    lines = [f"  declared indicators: {len(scenario.derived)}"]
    lines += [f"    {d.name} = {_short(describe(d))}" for d in scenario.derived]
    return lines


def _guaranteed_lines(scenario: Scenario) -> list[str]:
    guaranteed = scenario.guaranteed
    if guaranteed is None:
        return []
    amounts = guaranteed.per_region(scenario.regions, scenario.fund.rounding_unit)
    total = sum(amounts)
    how = (
        f"previous allocation x {guaranteed.previous_factor:g}"
        if guaranteed.previous_factor is not None
        else f"column {guaranteed.column or '(given)'}"
    )
    left = scenario.fund.total - total
    if left < 0:
        return [f"  guaranteed: {total:,} MXN ({how}), {-left:,} MXN more than the fund"]
    return [
        f"  guaranteed: {total:,} MXN ({how}); the formula shares the excess {left:,} MXN",
    ]


def _axis_line(axis: Axis) -> str:
    if axis.share is not None:
        shares = f"share {_pct(axis.share)}"
    else:
        shares = f"share {_pct(axis.share_min or 0.0)} .. {_pct(axis.upper_share)}"
    own = f", {len(axis.criteria)} own criteria" if axis.criteria else ""
    return f"    {axis.id}  {_short(axis.name_es)}: {shares}{own}"


def summarize(scenario: Scenario) -> str:
    """A one-screen summary of a scenario: fund, regions, criteria, axes, rules, objective.

    Parameters
    ----------
    scenario
        A loaded scenario (it need not have passed the checks).

    Returns
    -------
    str
        Several lines of plain text, no trailing newline.
    """
    fund = scenario.fund
    regions = scenario.regions
    with_previous = sum(1 for r in regions if r.previous is not None)
    with_population = sum(1 for r in regions if r.population is not None)
    about = f": {_short(scenario.description)}" if scenario.description else ""
    lines = [
        f"Scenario {scenario.name}{about}",
        f"  fund: {fund.name} {fund.fiscal_year}, {fund.total:,} {fund.currency}"
        f" (rounding unit {fund.rounding_unit:,})",
        f"  regions: {len(regions)} ({with_previous} with previous allocation, "
        f"{with_population} with population)",
        *_derived_lines(scenario),
        *_guaranteed_lines(scenario),
        *_criteria_lines(scenario),
    ]
    if scenario.axis_groups:
        lines.extend(_tree_lines(scenario))
    elif scenario.axes:
        lines.append(f"  axes: {len(scenario.axes)}")
        lines.extend(_axis_line(a) for a in scenario.axes)
    else:
        lines.append("  axes: none (the whole fund is one axis)")
    rules = scenario.rules
    on: list[str] = []
    if rules.band is not None:
        on.append(f"band [{_pct(rules.band.lower)}, {_pct(rules.band.upper)}] vs previous")
    for label, items in (
        ("region floors", rules.region_floors),
        ("region caps", rules.region_caps),
        ("absorption caps", rules.absorption_caps),
        ("cell minimums", rules.cell_minimums),
    ):
        if items:
            on.append(f"{len(items)} {label}")
    lines.append(f"  rules: {'; '.join(on) if on else 'none'}")
    lines.append(f"  objective: {scenario.objective}")
    lines.extend(_along_axes_lines(scenario))
    return "\n".join(lines)


def _tree_lines(scenario: Scenario) -> list[str]:
    """The programa tree, indented by level, parents before children."""
    nodes = {a.id: a for a in (*scenario.axis_groups, *scenario.axes)}
    children: dict[str, list[str]] = {}
    for node in nodes.values():
        children.setdefault(node.parent, []).append(node.id)
    out = [
        f"  axes: a tree of {len(scenario.axis_groups)} groups and {len(scenario.axes)} leaves "
        "(allocation at the leaves)"
    ]
    seen: set[str] = set()

    def visit(node_id: str, depth: int) -> None:
        if node_id in seen or depth > 8:
            return
        seen.add(node_id)
        line = _axis_line(nodes[node_id])
        level = f"[{nodes[node_id].level}] " if nodes[node_id].level else ""
        out.append("  " * depth + line.replace(f"    {node_id}  ", f"    {level}{node_id}  ", 1))
        for child in children.get(node_id, []):
            visit(child, depth + 1)

    for kids in children.values():
        kids.sort(key=natural_key)
    for top in children.get("", []):
        visit(top, 0)
    return out


def _along_axes_lines(scenario: Scenario) -> list[str]:
    """Proposals, co-financing, calendar and municipalities, when the scenario has them."""
    out = []
    if scenario.proposals:
        states = len({p.region for p in scenario.proposals})
        out.append(f"  proposals: {len(scenario.proposals)} lines from {states} states")
    if scenario.cofinancing_rate is not None:
        out.append(f"  co-financing: at least {_pct(scenario.cofinancing_rate)} of each state")
    if scenario.calendar is not None:
        months = scenario.calendar.months
        out.append(f"  calendar: {len(months)} ministrations ({', '.join(months[:3])}...)")
    if scenario.municipal is not None:
        m = scenario.municipal
        table = f", {len(m.municipalities)} municipalities" if m.municipalities else ""
        out.append(f"  municipalities: pass-through {_pct(m.share)}{table}")
    return out
