"""A one-screen text summary of a loaded scenario (``fsf validate``), in the planner's language."""

from __future__ import annotations

from optimizer.domain import (
    Axis,
    CriteriaTreeNode,
    Criterion,
    Language,
    Scenario,
    criteria_tree,
)
from optimizer.i18n import Texts, texts
from optimizer.indicators import describe
from optimizer.tree import natural_key

_WIDTH = 90
"""Longest free text (description, names) shown on a summary line."""


def _short(text: str) -> str:
    # Descriptions and official axis names can run to paragraphs; one screen needs one line.
    return text if len(text) <= _WIDTH else text[: _WIDTH - 3].rstrip() + "..."


def _pct(value: float | None, t: Texts) -> str:
    return "-" if value is None else t.percent(value, decimals=0 if value * 100 % 1 == 0 else 2)


def _criterion_line(criterion: Criterion, t: Texts) -> str:
    label = criterion.label(t.language)
    name = f"{criterion.indicator} ({_short(label)})" if label else criterion.indicator
    how = t.direction(criterion.direction)
    if criterion.normalisation != "share":
        how = f"{how}, {t.normalisation(criterion.normalisation)}"
    return f"    {t.percent(criterion.weight):>8}  {name}: {how}"


def _weights(node: CriteriaTreeNode, t: Texts) -> str:
    return f"{t.percent(node.weight):>8} -> {t.percent(node.effective_weight):>8}"


def _tree_line(node: CriteriaTreeNode, scenario: Scenario, t: Texts) -> str:
    indent = "  " * node.depth
    weights = _weights(node, t)
    if node.kind == "category":
        return f"  {indent}{weights}  [{node.id}] {_short(node.label)}"
    if node.kind == "base_amount":
        return f"  {indent}{weights}  " + t._("base amount (equal parts)")
    criterion = next(c for c in scenario.criteria if c.indicator == node.id)
    return f"  {indent}{weights}  {_criterion_line(criterion, t).strip().split('  ', 1)[1]}"


def _criteria_lines(scenario: Scenario, t: Texts) -> list[str]:
    """The criteria: a flat list, or the tree of categories with effective weights."""
    if not scenario.categories:
        return [
            "  " + t._("criteria: {n}").format(n=len(scenario.criteria)),
            *(_criterion_line(c, t) for c in scenario.criteria),
            f"    {t.percent(scenario.base_weight):>8}  " + t._("base amount (equal parts)"),
        ]
    categories = t.ngettext("{n} category", "{n} categories", len(scenario.categories))
    head = t._(
        "criteria: {n} in {categories} (weight within its parent -> effective weight)"
    ).format(n=len(scenario.criteria), categories=categories.format(n=len(scenario.categories)))
    return ["  " + head, *(_tree_line(node, scenario, t) for node in criteria_tree(scenario))]


def _derived_lines(scenario: Scenario, t: Texts) -> list[str]:
    if not scenario.derived:
        return []
    lines = ["  " + t._("declared indicators: {n}").format(n=len(scenario.derived))]
    lines += [f"    {d.name} = {_short(describe(d, t.language))}" for d in scenario.derived]
    return lines


def _guaranteed_lines(scenario: Scenario, t: Texts) -> list[str]:
    guaranteed = scenario.guaranteed
    if guaranteed is None:
        return []
    amounts = guaranteed.per_region(scenario.regions, scenario.fund.rounding_unit)
    total = sum(amounts)
    how = (
        t._("previous allocation x {factor}").format(factor=f"{guaranteed.previous_factor:g}")
        if guaranteed.previous_factor is not None
        else t._("column {name}").format(name=guaranteed.column or t._("(given)"))
    )
    left = scenario.fund.total - total
    if left < 0:
        line = t._("guaranteed: {total} MXN ({how}), {excess} MXN more than the fund")
        return ["  " + line.format(total=t.number(total), how=how, excess=t.number(-left))]
    line = t._("guaranteed: {total} MXN ({how}); the formula shares the excess {left} MXN")
    return ["  " + line.format(total=t.number(total), how=how, left=t.number(left))]


def _axis_line(axis: Axis, t: Texts) -> str:
    if axis.share is not None:
        shares = t._("share {share}").format(share=_pct(axis.share, t))
    else:
        shares = t._("share {lower} to {upper}").format(
            lower=_pct(axis.share_min or 0.0, t), upper=_pct(axis.upper_share, t)
        )
    own = ""
    if axis.criteria:
        own = ", " + t.ngettext("{n} own criterion", "{n} own criteria", len(axis.criteria)).format(
            n=len(axis.criteria)
        )
    return f"    {axis.id}  {_short(axis.name(t.language))}: {shares}{own}"


def summarize(scenario: Scenario, language: Language = Language.ES) -> str:
    """A one-screen summary of a scenario: fund, regions, criteria, axes, rules, objective.

    Parameters
    ----------
    scenario
        A loaded scenario (it need not have passed the checks).
    language
        Language of the words (numbers follow the glossary's formats).

    Returns
    -------
    str
        Several lines of plain text, no trailing newline.
    """
    t = texts(language)
    fund = scenario.fund
    regions = scenario.regions
    with_previous = sum(1 for r in regions if r.previous is not None)
    with_population = sum(1 for r in regions if r.population is not None)
    about = f": {_short(scenario.description)}" if scenario.description else ""
    levels = t.level(plural=True)
    lines = [
        t._("Scenario {name}{about}").format(name=scenario.name, about=about),
        "  "
        + t._("fund: {name} {year}, {amount} {currency} (rounding unit {unit})").format(
            name=fund.name,
            year=fund.fiscal_year,
            amount=t.number(fund.total),
            currency=fund.currency,
            unit=t.number(fund.rounding_unit),
        ),
        "  "
        + t._(
            "states: {n} ({previous} with the allocation of fiscal year {year}, "
            "{population} with population)"
        ).format(
            n=len(regions),
            previous=with_previous,
            year=fund.fiscal_year - 1,
            population=with_population,
        ),
        *_derived_lines(scenario, t),
        *_guaranteed_lines(scenario, t),
        *_criteria_lines(scenario, t),
    ]
    if scenario.axis_groups:
        lines.extend(_tree_lines(scenario, t))
    elif scenario.axes:
        lines.append(f"  {levels}: {len(scenario.axes)}")
        lines.extend(_axis_line(a, t) for a in scenario.axes)
    else:
        lines.append(
            "  "
            + t._("{levels}: none (the whole fund is one {level})").format(
                levels=levels, level=t.level()
            )
        )
    rules = scenario.rules
    on: list[str] = []
    if rules.band is not None:
        on.append(
            t._("band [{lower}, {upper}] against fiscal year {year}").format(
                lower=_pct(rules.band.lower, t),
                upper=_pct(rules.band.upper, t),
                year=fund.fiscal_year - 1,
            )
        )
    for family, items in (
        ("region_floor", rules.region_floors),
        ("region_cap", rules.region_caps),
        ("absorption_cap", rules.absorption_caps),
        ("priority_minimum", rules.cell_minimums),
    ):
        if items:
            on.append(f"{len(items)} × {t.rule(family)}")
    lines.append("  " + t._("rules: {rules}").format(rules="; ".join(on) if on else t._("none")))
    lines.append(
        "  " + t._("objective: {objective}").format(objective=t.objective(scenario.objective))
    )
    lines.extend(_along_axes_lines(scenario, t))
    return "\n".join(lines)


def _tree_lines(scenario: Scenario, t: Texts) -> list[str]:
    """The programa tree, indented by level, parents before children."""
    nodes = {a.id: a for a in (*scenario.axis_groups, *scenario.axes)}
    children: dict[str, list[str]] = {}
    for node in nodes.values():
        children.setdefault(node.parent, []).append(node.id)
    head = t._(
        "spending catalogue: a tree of {groups} groups and {leaves} leaves (allocation at the "
        "leaves)"
    )
    out = ["  " + head.format(groups=len(scenario.axis_groups), leaves=len(scenario.axes))]
    seen: set[str] = set()

    def visit(node_id: str, depth: int) -> None:
        if node_id in seen or depth > 8:
            return
        seen.add(node_id)
        line = _axis_line(nodes[node_id], t)
        level = f"[{nodes[node_id].level}] " if nodes[node_id].level else ""
        out.append("  " * depth + line.replace(f"    {node_id}  ", f"    {level}{node_id}  ", 1))
        for child in children.get(node_id, []):
            visit(child, depth + 1)

    for kids in children.values():
        kids.sort(key=natural_key)
    for top in children.get("", []):
        visit(top, 0)
    return out


def _along_axes_lines(scenario: Scenario, t: Texts) -> list[str]:
    """Proposals, co-financing, calendar and municipalities, when the scenario has them."""
    out = []
    if scenario.proposals:
        states = len({p.region for p in scenario.proposals})
        line = t._("proposals: {lines} lines from {states} states")
        out.append("  " + line.format(lines=len(scenario.proposals), states=states))
    if scenario.cofinancing_rate is not None:
        line = t._("co-financing: at least {share} of each state")
        out.append("  " + line.format(share=_pct(scenario.cofinancing_rate, t)))
    if scenario.calendar is not None:
        months = scenario.calendar.months
        line = t._("calendar: {n} ministrations ({first}...)")
        out.append("  " + line.format(n=len(months), first=", ".join(months[:3])))
    if scenario.municipal is not None:
        m = scenario.municipal
        if m.municipalities:
            line = t._("municipalities: pass-through {share}, {n} municipalities")
        else:
            line = t._("municipalities: pass-through {share}")
        out.append("  " + line.format(share=_pct(m.share, t), n=len(m.municipalities)))
    return out
