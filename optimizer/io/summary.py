"""A one-screen text summary of a loaded scenario (``fsf validate``), in the planner's language."""

from __future__ import annotations

from optimizer.domain import Axis, Criterion, Language, Scenario
from optimizer.i18n import Texts, texts

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
        "  " + t._("criteria: {n}").format(n=len(scenario.criteria)),
        *(_criterion_line(c, t) for c in scenario.criteria),
        f"    {t.percent(scenario.base_weight):>8}  " + t._("base amount (equal parts)"),
    ]
    if scenario.axes:
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
    return "\n".join(lines)
