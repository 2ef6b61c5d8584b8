"""Semantic checks on a loaded :class:`~optimizer.domain.Scenario`, every problem at once.

One ``check_*`` function per part of the scenario (as in PyPSA's ``consistency.py``); each returns
located problems whose messages say how to fix the data. Errors make a scenario unsolvable;
warnings flag arithmetic that makes it likely infeasible (floors above the fund, ...).

Standard library only: this module serves scenarios from files and from the gRPC service alike.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TypeVar

from optimizer.domain import (
    ALL_REGIONS,
    CellMinimum,
    Criterion,
    Direction,
    Normalisation,
    Region,
    RegionBound,
    Scenario,
)
from optimizer.errors import Message, Problem, ScenarioError, problem, tr
from optimizer.indicators import evaluate, with_derived
from optimizer.limits import (
    MAX_AXES,
    MAX_CATEGORIES,
    MAX_CELLS,
    MAX_CRITERIA_DEPTH,
    MAX_INDICATOR_ABS,
    MAX_MESSAGE_CHARS,
    MAX_MONEY,
    MAX_MONTHS,
    MAX_MUNICIPALITIES,
    MAX_PROBLEMS,
    MAX_PROPOSAL_LINES,
    MAX_REGIONS,
    MAX_TREE_DEPTH,
    MAX_TREE_NODES,
    MAX_YAML_NUMBER_ABS,
    MIN_INDICATOR_ABS,
    shorten,
)
from optimizer.tree import Tree

_R = TypeVar("_R", RegionBound, CellMinimum)

WEIGHT_TOLERANCE = 1e-9
"""How far weights (and fixed shares) may sum from 1."""

_SHOWN = 10
"""How many region codes a message lists before saying "and N more"."""


@dataclass(frozen=True)
class MoreProblems(Problem):
    """Stands for the problems left out of a list after the first :data:`MAX_PROBLEMS`."""

    count: int = 0


def more_problems(count: int, severity: str = "error") -> MoreProblems:
    """The closing "and K more" entry of a capped list of problems."""
    message = tr(
        "and {count} more problem(s) not listed: fix the ones above and check again (at most {MAX_PROBLEMS} are listed)",
        count=f"{count:,}",
        MAX_PROBLEMS=MAX_PROBLEMS,
    )
    return MoreProblems(
        location="",
        message=message.render(),
        field="",
        severity=severity,
        detail=message,
        count=count,
    )


def cap_problems(problems: Sequence[Problem], limit: int = MAX_PROBLEMS) -> list[Problem]:
    """The first ``limit`` problems (errors before warnings), then one "and K more" entry.

    A list within the limit comes back unchanged except that overlong texts are cut; an earlier
    "and K more" entry is folded into the new one, so capping twice changes nothing.
    """
    real = [p for p in problems if not isinstance(p, MoreProblems)]
    prior = [p for p in problems if isinstance(p, MoreProblems)]
    if len(real) > limit or prior:
        real = [p for p in real if p.severity == "error"] + [
            p for p in real if p.severity != "error"
        ]
    kept = [
        replace(
            p,
            location=shorten(p.location, MAX_MESSAGE_CHARS),
            message=shorten(p.message, MAX_MESSAGE_CHARS),
        )
        if len(p.location) > MAX_MESSAGE_CHARS or len(p.message) > MAX_MESSAGE_CHARS
        else p
        for p in real[:limit]
    ]
    dropped = real[limit:]
    count = len(dropped) + sum(p.count for p in prior)
    if count:
        serious = any(p.severity == "error" for p in [*dropped, *prior])
        kept.append(more_problems(count, "error" if serious else "warning"))
    return kept


def count_problems(problems: Iterable[Problem]) -> int:
    """How many problems a (possibly capped) list stands for."""
    return sum(p.count if isinstance(p, MoreProblems) else 1 for p in problems)


def _error(scenario: Scenario, key: str, message: str | Message) -> Problem:
    return problem(scenario.where(key), message, key)


def _warning(scenario: Scenario, key: str, message: str | Message) -> Problem:
    return problem(scenario.where(key), message, key, severity="warning")


def _and_more(shown: str, total: int) -> str | Message:
    if total <= _SHOWN:
        return shown
    return tr("{names} and {n} more", names=shown, n=total - _SHOWN)


def _list_regions(regions: Sequence[Region]) -> str | Message:
    shown = ", ".join(f"{r.code} ({r.name})" if r.name else r.code for r in regions[:_SHOWN])
    return _and_more(shown, len(regions))


def _list_codes(codes: Sequence[str]) -> str | Message:
    return _and_more(", ".join(shorten(c) for c in codes[:_SHOWN]), len(codes))


def _too_much(amount: int | None) -> bool:
    return amount is not None and amount > MAX_MONEY


def _money_limit(what: Message, amount: int) -> Message:
    return tr(
        "{what} {amount} is above the largest amount the solver computes exactly, "
        "{limit} (docs/limits.md)",
        what=what,
        amount=f"{amount:,}",
        limit=f"{MAX_MONEY:,}",
    )


def _pesos(amount: float) -> str:
    return f"{round(amount):,}"


def _bad_number(value: float) -> Message | None:
    if math.isnan(value):
        return tr("is NaN (not a number)")
    if math.isinf(value):
        return tr("is infinite")
    return None


def _is(value: float) -> Message:
    return tr("is {value}", value=f"{value:g}")


def _region_hint(codes: set[str], code: str) -> str | Message:
    for candidate in (code.zfill(2), code.strip()):
        if candidate != code and candidate in codes:
            return tr(" (did you mean '{candidate}'?)", candidate=candidate)
    return ""


# ------------------------------------------------------------------------------------- fund


def check_fund(scenario: Scenario) -> list[Problem]:
    """The total is positive whole pesos, a multiple of a rounding unit of at least 1."""
    fund = scenario.fund
    problems: list[Problem] = []
    if fund.total <= 0:
        message = tr(
            "the fund total is {total}: it must be a positive amount of pesos",
            total=f"{fund.total:,}",
        )
        problems.append(_error(scenario, "fund/total", message))
    # Files are refused at these limits when read; structured requests come here directly.
    if _too_much(fund.total) or _too_much(fund.rounding_unit):
        for amount, key, what in (
            (fund.total, "fund/total", tr("the fund total")),
            (fund.rounding_unit, "fund/rounding_unit", tr("the rounding unit")),
        ):
            if _too_much(amount):
                problems.append(_error(scenario, key, _money_limit(what, amount)))
        return problems
    if fund.rounding_unit < 1:
        message = tr(
            "the rounding unit is {rounding_unit}: it must be at least 1 peso",
            rounding_unit=fund.rounding_unit,
        )
        problems.append(_error(scenario, "fund/rounding_unit", message))
    elif fund.total > 0 and fund.total % fund.rounding_unit:
        unit = fund.rounding_unit
        below = fund.total - fund.total % unit
        message = tr(
            "the fund total {total} is not a multiple of the rounding unit {unit}: use {below} or {amount}, or a smaller rounding unit",
            total=f"{fund.total:,}",
            unit=f"{unit:,}",
            below=f"{below:,}",
            amount=f"{below + unit:,}",
        )
        problems.append(_error(scenario, "fund/total", message))
    return problems


# ------------------------------------------------------------------------------------- size


def check_size(scenario: Scenario) -> list[Problem]:
    """Regions, axes and plan cells stay within :mod:`optimizer.limits`."""
    problems: list[Problem] = []
    regions = len(scenario.regions)
    axes = len(scenario.effective_axes)
    if regions > MAX_REGIONS:
        message = tr(
            "the scenario has {regions} regions: at most {MAX_REGIONS} are allowed",
            regions=f"{regions:,}",
            MAX_REGIONS=f"{MAX_REGIONS:,}",
        )
        problems.append(_error(scenario, "regions", message))
    if axes > MAX_AXES:
        message = tr(
            "the scenario has {axes} axes: at most {MAX_AXES} are allowed",
            axes=f"{axes:,}",
            MAX_AXES=f"{MAX_AXES:,}",
        )
        problems.append(_error(scenario, "axes", message))
    if not problems and regions * axes > MAX_CELLS:
        message = tr(
            "{regions} regions x {axes} axes make {amount} cells: at most {MAX_CELLS} are allowed; use fewer axes or regions",
            regions=f"{regions:,}",
            axes=f"{axes:,}",
            amount=f"{regions * axes:,}",
            MAX_CELLS=f"{MAX_CELLS:,}",
        )
        problems.append(_error(scenario, "axes", message))
    return problems


# ------------------------------------------------------------------------------------ regions


def check_regions(scenario: Scenario) -> list[Problem]:
    """There are regions, with unique non-empty codes and non-negative money and population."""
    problems: list[Problem] = []
    if not scenario.regions:
        message = tr("the scenario has no regions: the regions file needs one row per region")
        return [_error(scenario, "regions", message)]
    counts = Counter(r.code for r in scenario.regions)
    for code, count in sorted(counts.items()):
        if not code:
            message = tr(
                "{count} region(s) have an empty code: give every region its code", count=count
            )
            problems.append(_error(scenario, "regions", message))
        elif count > 1:
            message = tr(
                "region code '{code}' appears {count} times: codes must be unique",
                code=shorten(code),
                count=count,
            )
            problems.append(_error(scenario, f"regions/{code}", message))
    for region in scenario.regions:
        if region.previous is not None and region.previous < 0:
            message = tr(
                "previous allocation {previous} is negative: pesos must be >= 0",
                previous=f"{region.previous:,}",
            )
            problems.append(_error(scenario, f"regions/{region.code}/previous", message))
        if region.population is not None and region.population < 0:
            message = tr("population {population} is negative", population=f"{region.population:,}")
            problems.append(_error(scenario, f"regions/{region.code}/population", message))
        if _too_much(region.previous):
            message = _money_limit(tr("previous allocation"), region.previous or 0)
            problems.append(_error(scenario, f"regions/{region.code}/previous", message))
        if _too_much(region.population):
            message = _money_limit(tr("population"), region.population or 0)
            problems.append(_error(scenario, f"regions/{region.code}/population", message))
    return problems


# ----------------------------------------------------------------------------------- criteria


def _check_indicator(scenario: Scenario, criterion: Criterion, key: str) -> list[Problem]:
    """The criterion's indicator exists in every region and suits its normalisation."""
    name = criterion.indicator
    regions = scenario.regions
    missing = [r for r in regions if name not in r.indicators]
    if missing and any(d.name == name for d in scenario.derived):
        return []  # a declared indicator that could not be evaluated: reported where it is declared
    if regions and len(missing) == len(regions):
        known = sorted(set.intersection(*(set(r.indicators) for r in regions)))
        message = tr(
            "unknown indicator '{name}': no region has it (indicators: {value}); fix the name or add the column",
            name=name,
            value=", ".join(known) or tr("none"),
        )
        return [_error(scenario, f"{key}/indicator", message)]
    problems: list[Problem] = []
    if missing:
        message = tr(
            "indicator '{name}' has no value for region(s) {list_regions}: every region needs one",
            name=name,
            list_regions=_list_regions(missing),
        )
        problems.append(_error(scenario, f"{key}/indicator", message))
    share = criterion.normalisation is Normalisation.SHARE
    inverse = criterion.direction is Direction.HIGHER_NEEDS_LESS
    values: list[float] = []
    for region in regions:
        if name not in region.indicators:
            continue
        value = region.indicators[name]
        value_key = f"regions/{region.code}/indicators/{name}"
        bad = _bad_number(value)
        if bad is not None:
            message = tr(
                "'{name}' {bad}: enter a finite number (a criterion uses it)", name=name, bad=bad
            )
            problems.append(_error(scenario, value_key, message))
            continue
        if abs(value) > MAX_INDICATOR_ABS or (value and abs(value) < MIN_INDICATOR_ABS):
            message = tr(
                "'{name}' is {value}: values lie within +-{MAX_INDICATOR_ABS} and, when not 0, are at least {MIN_INDICATOR_ABS} in size; rescale the indicator",
                name=name,
                value=f"{value:g}",
                MAX_INDICATOR_ABS=f"{MAX_INDICATOR_ABS:g}",
                MIN_INDICATOR_ABS=f"{MIN_INDICATOR_ABS:g}",
            )
            problems.append(_error(scenario, value_key, message))
            continue
        values.append(value)
        if share and inverse and value <= 0:
            message = tr(
                "'{name}' is {value}, but higher_needs_less with share normalisation takes the inverse, so every value must be > 0; fix the value or use normalisation: shifted_share",
                name=name,
                value=f"{value:g}",
            )
            problems.append(_error(scenario, value_key, message))
        elif share and value < 0:
            message = tr(
                "'{name}' is {value}, but share normalisation needs values >= 0; use normalisation: shifted_share for indicators that can be negative",
                name=name,
                value=f"{value:g}",
            )
            problems.append(_error(scenario, value_key, message))
    if problems or not values:
        return problems
    if share and not inverse and sum(values) <= 0:
        message = tr(
            "every region has 0 for '{name}': the criterion cannot split anything; fix the data or remove the criterion",
            name=name,
        )
        problems.append(_error(scenario, f"{key}/indicator", message))
    if criterion.normalisation is Normalisation.SHIFTED_SHARE and max(values) == min(values):
        message = tr(
            "every region has the same value for '{name}': shifted_share cannot rank them; use normalisation: share or remove the criterion",
            name=name,
        )
        problems.append(_error(scenario, f"{key}/indicator", message))
    shift = criterion.shift
    if shift is not None and (not math.isfinite(shift) or not 0 <= shift <= MAX_YAML_NUMBER_ABS):
        message = tr(
            "shift {shift} must be a finite number from 0 to {MAX_YAML_NUMBER_ABS} (default 0.01)",
            shift=criterion.shift,
            MAX_YAML_NUMBER_ABS=f"{MAX_YAML_NUMBER_ABS:,.0f}",
        )
        problems.append(_error(scenario, f"{key}/shift", message))
    return problems


def _check_criteria_list(
    scenario: Scenario,
    criteria: Sequence[Criterion],
    *,
    prefix: str,
    base_weight: float,
    base_key: str,
    base_name: str | Message,
) -> list[Problem]:
    """Indicators, weights and the weight sum of one list of criteria (fund or axis)."""
    problems: list[Problem] = []
    weights_ok = True
    for i, criterion in enumerate(criteria):
        key = f"{prefix}/{i}"
        problems.extend(_check_indicator(scenario, criterion, key))
        bad = _bad_number(criterion.weight)
        if bad is not None or criterion.weight < 0:
            weights_ok = False
            why = bad or _is(criterion.weight)
            message = tr(
                "the weight of '{indicator}' {why}: weights must be in [0, 1]",
                indicator=criterion.indicator,
                why=why,
            )
            problems.append(_error(scenario, f"{key}/weight", message))
    bad = _bad_number(base_weight)
    if bad is not None or not 0 <= base_weight <= 1:
        weights_ok = False
        why = bad or _is(base_weight)
        message = tr("{base_name} {why}: it must be in [0, 1]", base_name=base_name, why=why)
        problems.append(_error(scenario, base_key, message))
    if weights_ok:
        total = math.fsum([*(c.weight for c in criteria), base_weight])
        if abs(total - 1) > WEIGHT_TOLERANCE:
            parts: str | Message = " + ".join(f"{c.weight:g}" for c in criteria) or tr(
                "no criteria"
            )
            gap = 1 - total
            fix = (
                tr("add {gap}", gap=f"{gap:.6g}")
                if gap > 0
                else tr("remove {gap}", gap=f"{-gap:.6g}")
            )
            message = tr(
                "the criteria weights ({parts}) plus {base_name} {base_weight} sum to {total}, not 1: {fix} so they add up to 1",
                parts=parts,
                base_name=base_name,
                base_weight=f"{base_weight:g}",
                total=f"{total:.6g}",
                fix=fix,
            )
            problems.append(_error(scenario, prefix, message))
    return problems


def check_criteria(scenario: Scenario) -> list[Problem]:
    """The fund's criteria name known indicators with usable values; weights sum to 1."""
    problems = [
        _error(
            scenario,
            f"axes/{a}/criteria/{i}",
            tr(
                "criterion '{indicator}' of axis {axis} names category '{category}': categories "
                "group the fund's criteria only",
                indicator=shorten(c.indicator),
                axis=shorten(axis.id),
                category=shorten(c.category),
            ),
        )
        for a, axis in enumerate(scenario.axes)
        for i, c in enumerate(axis.criteria)
        if c.category
    ]
    if scenario.categories or any(c.category for c in scenario.criteria):
        return problems + check_categories(scenario)
    if problems:
        return problems
    return _check_criteria_list(
        scenario,
        scenario.criteria,
        prefix="criteria",
        base_weight=scenario.base_weight,
        base_key="base_amount/weight",
        base_name="base_amount.weight",
    )


def _category_key(k: int, part: str = "") -> str:
    return f"criteria/categories/{k}" + (f"/{part}" if part else "")


def check_categories(scenario: Scenario) -> list[Problem]:
    """Nested criteria: known parents, no cycles, at most three levels, weights summing to 1.

    Within each parent (the top level or a category), the weights of its criteria and
    categories plus its base weight sum to 1; the message names the parent and the sum.
    """
    categories = scenario.categories
    if len(categories) > MAX_CATEGORIES:
        message = tr(
            "the criteria have {n_categories} categories: at most {MAX_CATEGORIES} are allowed (docs/limits.md)",
            n_categories=f"{len(categories):,}",
            MAX_CATEGORIES=f"{MAX_CATEGORIES:,}",
        )
        return [_error(scenario, "criteria", message)]
    problems: list[Problem] = []
    index: dict[str, int] = {}
    for k, category in enumerate(categories):
        if not category.id:
            problems.append(_error(scenario, _category_key(k), tr("a category needs an id")))
        elif category.id in index:
            message = tr(
                "category '{id}' is declared twice: ids must be unique", id=shorten(category.id)
            )
            problems.append(_error(scenario, _category_key(k), message))
        else:
            index[category.id] = k
    for k, category in enumerate(categories):
        if category.parent and category.parent not in index:
            message = tr(
                "category '{id}' names an unknown parent '{parent}'",
                id=shorten(category.id),
                parent=shorten(category.parent),
            )
            problems.append(_error(scenario, _category_key(k), message))
    for i, criterion in enumerate(scenario.criteria):
        if criterion.category and criterion.category not in index:
            message = tr(
                "criterion '{indicator}' names an unknown category '{category}'",
                indicator=shorten(criterion.indicator),
                category=shorten(criterion.category),
            )
            problems.append(_error(scenario, f"criteria/{i}", message))
    if problems:
        return problems
    # Depth of each category (1 = top level), walking up; a walk longer than the number of
    # categories is a cycle.
    depth: dict[str, int] = {}
    for k, category in enumerate(categories):
        steps, node = 1, category
        while node.parent and steps <= len(categories):
            node = categories[index[node.parent]]
            steps += 1
        if steps > len(categories):
            message = tr(
                "category '{id}' is inside itself: a cycle of parents", id=shorten(category.id)
            )
            problems.append(_error(scenario, _category_key(k), message))
            continue
        depth[category.id] = steps
        if steps >= MAX_CRITERIA_DEPTH:
            message = tr(
                "category '{id}' is at level {steps}, so what it holds would be at level {amount}: criteria nest at most {MAX_CRITERIA_DEPTH} levels (docs/limits.md)",
                id=shorten(category.id),
                steps=steps,
                amount=steps + 1,
                MAX_CRITERIA_DEPTH=MAX_CRITERIA_DEPTH,
            )
            problems.append(_error(scenario, _category_key(k), message))
    if problems:
        return problems
    children: dict[str, list[tuple[str, float]]] = defaultdict(list)
    weights_ok = True
    for i, criterion in enumerate(scenario.criteria):
        problems.extend(_check_indicator(scenario, criterion, f"criteria/{i}"))
        bad = _bad_number(criterion.weight)
        if bad is not None or not 0 <= criterion.weight <= 1:
            weights_ok = False
            why = bad or _is(criterion.weight)
            message = tr(
                "the weight of '{indicator}' {why}: weights must be in [0, 1]",
                indicator=criterion.indicator,
                why=why,
            )
            problems.append(_error(scenario, f"criteria/{i}/weight", message))
        children[criterion.category].append((criterion.indicator, criterion.weight))
    for k, category in enumerate(categories):
        for value, part in ((category.weight, "weight"), (category.base_weight, "base_weight")):
            bad = _bad_number(value)
            if bad is not None or not 0 <= value <= 1:
                weights_ok = False
                why = bad or _is(value)
                message = tr(
                    "the {part} of category '{id}' {why}: it must be in [0, 1]",
                    part=part,
                    id=shorten(category.id),
                    why=why,
                )
                problems.append(_error(scenario, _category_key(k, part), message))
        children[category.parent].append((f"[{category.id}]", category.weight))
    for k, category in enumerate(categories):
        # A category of the base amount alone is allowed (the prototype's "Monto base", 5 %).
        if not children.get(category.id) and not category.base_weight:
            message = tr(
                "category '{id}' has no criteria: give it at least one criterion, category or base_weight, or remove it",
                id=shorten(category.id),
            )
            problems.append(_error(scenario, _category_key(k), message))
    problems.extend(_single_sources(scenario))
    bad = _bad_number(scenario.base_weight)
    if bad is not None or not 0 <= scenario.base_weight <= 1:
        why = bad or _is(scenario.base_weight)
        problems.append(
            _error(
                scenario,
                "base_amount/weight",
                tr("base_amount.weight {why}: it must be in [0, 1]", why=why),
            )
        )
        weights_ok = False
    if not weights_ok:
        return problems
    parents: list[tuple[str, str, float]] = [("", "criteria", scenario.base_weight)]
    parents += [(c.id, _category_key(k), c.base_weight) for k, c in enumerate(categories)]
    for parent, key, base in parents:
        items = children.get(parent, [])
        if parent and not items and not base:
            continue  # reported above: a category with nothing in it
        total = math.fsum([*(w for _, w in items), base])
        if abs(total - 1) > WEIGHT_TOLERANCE:
            listed: str | Message = " + ".join(f"{w:g} ({shorten(name)})" for name, w in items[:12])
            if len(items) > 12:
                listed = tr("{listed} + {n} more", listed=listed, n=len(items) - 12)
            if base:
                listed = tr(
                    "{listed}{plus}{base} (base amount)",
                    listed=listed,
                    plus=" + " if items else "",
                    base=f"{base:g}",
                )
            gap = 1 - total
            fix = (
                tr("add {gap}", gap=f"{gap:.6g}")
                if gap > 0
                else tr("remove {gap}", gap=f"{-gap:.6g}")
            )
            where = (
                tr("in category '{category}'", category=shorten(parent))
                if parent
                else tr("at the top level of criteria")
            )
            message = tr(
                "the weights {where} ({listed}) sum to {total}, not 1: {fix}",
                where=where,
                listed=listed,
                total=f"{total:.6g}",
                fix=fix,
            )
            problems.append(_error(scenario, key, message))
    return problems


def _single_sources(scenario: Scenario) -> list[Problem]:
    """With categories, each indicator and the base amount sit in one place (one subtotal each)."""
    problems: list[Problem] = []
    seen: dict[str, int] = {}
    for i, criterion in enumerate(scenario.criteria):
        if criterion.indicator in seen:
            message = tr(
                "indicator '{indicator}' is used by two criteria (also criteria/{seen}): with categories each indicator is used once, so that its pesos belong to one category",
                indicator=shorten(criterion.indicator),
                seen=seen[criterion.indicator],
            )
            problems.append(_error(scenario, f"criteria/{i}", message))
        seen.setdefault(criterion.indicator, i)
    places = [c.id for c in scenario.categories if c.base_weight]
    if scenario.base_weight:
        places.append("the top level")
    if len(places) > 1:
        message = tr(
            "the base amount sits in {n_places} places ({join}): put it in one category, or at the top level with base_amount.weight",
            n_places=len(places),
            join=", ".join(places),
        )
        problems.append(_error(scenario, "criteria", message))
    return problems


# ----------------------------------------------------------------------------------- declared


def check_derived(scenario: Scenario) -> list[Problem]:
    """Declared indicators name known columns, form no cycle, and evaluate on every region."""
    if not scenario.derived:
        return []
    _, problems = evaluate(scenario)
    return problems


# --------------------------------------------------------------------------------- guaranteed


def check_guaranteed(scenario: Scenario) -> list[Problem]:
    """Guaranteed amounts: whole pesos >= 0 for every region, or a factor of the previous one."""
    guaranteed = scenario.guaranteed
    if guaranteed is None:
        return []
    problems: list[Problem] = []
    codes = {r.code for r in scenario.regions}
    unit = max(scenario.fund.rounding_unit, 1)
    if guaranteed.previous_factor is not None:
        factor = guaranteed.previous_factor
        if guaranteed.amounts:
            message = tr("give either a column of amounts or previous_factor, not both")
            problems.append(_error(scenario, "guaranteed", message))
        bad = _bad_number(factor)
        if bad is not None or not 0 <= factor <= MAX_YAML_NUMBER_ABS:
            why = bad or _is(factor)
            message = tr(
                "previous_factor {why}: it must be a number >= 0 (1.0 keeps last year's amount)",
                why=why,
            )
            problems.append(_error(scenario, "guaranteed/previous_factor", message))
        lacking = [r for r in scenario.regions if r.previous is None]
        if lacking:
            message = tr(
                "previous_factor needs every region's previous allocation; missing for {list_regions}",
                list_regions=_list_regions(lacking),
            )
            problems.append(_error(scenario, "guaranteed/previous_factor", message))
        return problems
    for code in sorted(set(guaranteed.amounts) - codes):
        message = tr(
            "guaranteed amount for unknown region '{code}'{region_hint}",
            code=shorten(code),
            region_hint=_region_hint(codes, code),
        )
        problems.append(_error(scenario, "guaranteed", message))
    lacking = [r for r in scenario.regions if r.code not in guaranteed.amounts]
    if lacking:
        message = tr(
            "no guaranteed amount for region(s) {list_regions}: every region needs one (0 for none)",
            list_regions=_list_regions(lacking),
        )
        problems.append(_error(scenario, "guaranteed", message))
    for region in scenario.regions:
        amount = guaranteed.amounts.get(region.code)
        if amount is None:
            continue
        key = f"regions/{region.code}/guaranteed"
        if amount < 0:
            message = tr(
                "guaranteed amount {amount} is negative: pesos must be >= 0", amount=f"{amount:,}"
            )
            problems.append(_error(scenario, key, message))
        elif _too_much(amount):
            problems.append(_error(scenario, key, _money_limit(tr("guaranteed amount"), amount)))
        elif amount % unit:
            below = amount - amount % unit
            message = tr(
                "guaranteed amount {amount} is not a multiple of the rounding unit {unit}: use {below} or {amount2}",
                amount=f"{amount:,}",
                unit=f"{unit:,}",
                below=f"{below:,}",
                amount2=f"{below + unit:,}",
            )
            problems.append(_error(scenario, key, message))
    return problems


def guaranteed_warnings(scenario: Scenario) -> list[Problem]:
    """A warning when the guaranteed amounts alone exceed the fund (the allocation fails)."""
    if scenario.guaranteed is None:
        return []
    amounts = scenario.guaranteed.per_region(scenario.regions, scenario.fund.rounding_unit)
    total = sum(amounts)
    if total <= scenario.fund.total:
        return []
    message = tr(
        "the guaranteed amounts add up to {total} pesos, {amount} more than the fund {total2}: lower them or raise the fund",
        total=f"{total:,}",
        amount=f"{total - scenario.fund.total:,}",
        total2=f"{scenario.fund.total:,}",
    )
    return [_warning(scenario, "guaranteed", message)]


# --------------------------------------------------------------------------------------- axes


def _check_share(
    scenario: Scenario, value: float | None, key: str, name: str | Message
) -> list[Problem]:
    if value is None:
        return []
    bad = _bad_number(value)
    if bad is not None or not 0 <= value <= 1:
        why = bad or _is(value)
        message = tr(
            "{name} {why}: a share of the fund must be between 0 and 1 (0.2 = 20 %)",
            name=name,
            why=why,
        )
        return [_error(scenario, key, message)]
    return []


def check_axes(scenario: Scenario) -> list[Problem]:
    """Axis ids are unique; shares lie in [0, 1], ranges are ordered and can cover the fund."""
    axes = scenario.axes
    problems: list[Problem] = []
    if not axes:
        return problems
    first: dict[str, int] = {}
    for position, axis in enumerate(axes):
        first.setdefault(axis.id, position)
    for position, axis in enumerate(axes):
        key = f"axes/{position}"
        if first[axis.id] != position:
            message = tr(
                "duplicate axis id '{id}': every axis needs its own id", id=shorten(axis.id)
            )
            problems.append(_error(scenario, f"{key}/id", message))
        shares_ok = True
        for value, field, name in (
            (axis.share, "share", "share"),
            (axis.share_min, "share_min", "share_min"),
            (axis.share_max, "share_max", "share_max"),
            (axis.target_share, "target_share", "target_share"),
        ):
            found = _check_share(
                scenario, value, f"{key}/{field}", tr("axis {axis} {name}", axis=axis.id, name=name)
            )
            shares_ok = shares_ok and not found
            problems.extend(found)
        if not shares_ok:
            continue
        if axis.share is not None and (axis.share_min is not None or axis.share_max is not None):
            message = tr(
                "axis {id} has a fixed share, so share_min/share_max are ignored", id=axis.id
            )
            problems.append(_warning(scenario, f"{key}/share", message))
        elif axis.lower_share > axis.upper_share:
            message = tr(
                "axis {id}: share_min {lower_share} is above share_max {upper_share}; swap them",
                id=axis.id,
                lower_share=f"{axis.lower_share:g}",
                upper_share=f"{axis.upper_share:g}",
            )
            problems.append(_error(scenario, f"{key}/share_min", message))
        elif axis.target_share is not None and not (
            axis.lower_share <= axis.target_share <= axis.upper_share
        ):
            message = tr(
                "axis {id}: target_share {target_share} is outside its range [{lower_share}, {upper_share}]",
                id=axis.id,
                target_share=f"{axis.target_share:g}",
                lower_share=f"{axis.lower_share:g}",
                upper_share=f"{axis.upper_share:g}",
            )
            problems.append(_error(scenario, f"{key}/target_share", message))
        if axis.criteria:
            problems.extend(
                _check_criteria_list(
                    scenario,
                    axis.criteria,
                    prefix=f"{key}/criteria",
                    base_weight=axis.base_weight or 0.0,
                    base_key=f"{key}/base_weight",
                    base_name=tr("axis {axis} base_weight", axis=axis.id),
                )
            )
        elif axis.base_weight is not None:
            message = tr("axis {id} has base_weight but no own criteria: it is ignored", id=axis.id)
            problems.append(_warning(scenario, f"{key}/base_weight", message))
    if any(p.severity == "error" for p in problems):
        return problems
    fixed = [a for a in axes if a.share is not None]
    fixed_sum = math.fsum(a.share or 0.0 for a in fixed)
    if fixed_sum > 1 + WEIGHT_TOLERANCE:
        message = tr(
            "the fixed axis shares sum to {fixed_sum}, more than the whole fund (1): lower them",
            fixed_sum=f"{fixed_sum:.6g}",
        )
        problems.append(_error(scenario, "axes", message))
    elif len(fixed) == len(axes) and abs(fixed_sum - 1) > WEIGHT_TOLERANCE:
        message = tr(
            "every axis has a fixed share and they sum to {fixed_sum}, not 1: make them add up to 1 or give one axis a range",
            fixed_sum=f"{fixed_sum:.6g}",
        )
        problems.append(_error(scenario, "axes", message))
    else:
        lower = math.fsum(a.lower_share for a in axes)
        upper = math.fsum(a.upper_share for a in axes)
        if lower > 1 + WEIGHT_TOLERANCE:
            message = tr(
                "the axes' lower shares sum to {lower}, more than the whole fund (1): lower some share_min",
                lower=f"{lower:.6g}",
            )
            problems.append(_error(scenario, "axes", message))
        if upper < 1 - WEIGHT_TOLERANCE:
            message = tr(
                "the axes' upper shares sum to {upper}, so the fund cannot be spent entirely: raise some share_max",
                upper=f"{upper:.6g}",
            )
            problems.append(_error(scenario, "axes", message))
    return problems


# -------------------------------------------------------------------------------------- rules


def check_band(scenario: Scenario) -> list[Problem]:
    """The band is ordered, keeps floors non-negative, and every region has a previous amount."""
    band = scenario.rules.band
    if band is None:
        return []
    problems: list[Problem] = []
    ok = True
    for value, side in ((band.lower, "lower"), (band.upper, "upper")):
        if value is None:
            continue
        bad = _bad_number(value)
        if bad is not None or value < -1 or value > MAX_YAML_NUMBER_ABS:
            ok = False
            why = bad or _is(value)
            message = tr(
                "band {side} {why}: it must be a finite fraction from -1 to {MAX_YAML_NUMBER_ABS} (0.10 = +10 %, -0.05 = -5 %)",
                side=side,
                why=why,
                MAX_YAML_NUMBER_ABS=f"{MAX_YAML_NUMBER_ABS:,.0f}",
            )
            problems.append(_error(scenario, f"rules/band/{side}", message))
    if ok and band.lower is not None and band.upper is not None and band.lower > band.upper:
        message = tr(
            "band lower {lower} is above band upper {upper}: no amount fits; swap them",
            lower=f"{band.lower:g}",
            upper=f"{band.upper:g}",
        )
        problems.append(_error(scenario, "rules/band/lower", message))
    if band.lower is None and band.upper is None:
        message = tr("the band sets neither lower nor upper, so it has no effect")
        problems.append(_warning(scenario, "rules/band", message))
    lacking = [r for r in scenario.regions if r.previous is None]
    if lacking:
        message = tr(
            "the band needs every region's previous allocation, but {n_lacking} region(s) have none: {list_regions}; fill the regions file's previous_allocation column or remove rules.band",
            n_lacking=len(lacking),
            list_regions=_list_regions(lacking),
        )
        problems.append(_error(scenario, "rules/band", message))
    return problems


def _check_bound(
    scenario: Scenario,
    codes: set[str],
    *,
    region: str,
    amount: int | None,
    share: float | None,
    key: str,
    shares_allowed: bool = True,
) -> list[Problem]:
    """One floor, cap or minimum: a known region and exactly one valid amount or share."""
    problems: list[Problem] = []
    if region != ALL_REGIONS and region not in codes:
        message = tr(
            "unknown region '{region}'{region_hint}: use a code from the regions file or \"*\" for every region",
            region=shorten(region),
            region_hint=_region_hint(codes, region),
        )
        problems.append(_error(scenario, f"{key}/region", message))
    if amount is None and share is None:
        message = tr("gives neither amount nor share: give exactly one")
        problems.append(_error(scenario, key, message))
    elif amount is not None and share is not None:
        message = tr("gives both amount and share: give exactly one")
        problems.append(_error(scenario, key, message))
    if amount is not None and amount < 0:
        message = tr("amount {amount} is negative: pesos must be >= 0", amount=f"{amount:,}")
        problems.append(_error(scenario, f"{key}/amount", message))
    if _too_much(amount):
        problems.append(_error(scenario, f"{key}/amount", _money_limit(tr("amount"), amount or 0)))
    if share is not None:
        if not shares_allowed:
            message = tr("takes an amount in pesos, not a share")
            problems.append(_error(scenario, f"{key}/share", message))
        else:
            problems.extend(_check_share(scenario, share, f"{key}/share", "share"))
    return problems


def check_region_bounds(scenario: Scenario) -> list[Problem]:
    """Floors, caps and absorption caps name known regions and one valid amount or share."""
    codes = {r.code for r in scenario.regions}
    rules = scenario.rules
    problems: list[Problem] = []
    families: tuple[tuple[str, tuple[RegionBound, ...], bool], ...] = (
        ("region_floors", rules.region_floors, True),
        ("region_caps", rules.region_caps, True),
        ("absorption_caps", rules.absorption_caps, False),
    )
    for family, bounds, shares_allowed in families:
        for i, bound in enumerate(bounds):
            key = f"rules/{family}/{i}"
            problems.extend(
                _check_bound(
                    scenario,
                    codes,
                    region=bound.region,
                    amount=bound.amount,
                    share=bound.share,
                    key=key,
                    shares_allowed=shares_allowed,
                )
            )
    return problems


def check_cell_minimums(scenario: Scenario) -> list[Problem]:
    """Cell minimums name known axes and regions, with one valid amount or share each."""
    codes = {r.code for r in scenario.regions}
    axis_ids = [a.id for a in scenario.effective_axes]
    problems: list[Problem] = []
    for i, minimum in enumerate(scenario.rules.cell_minimums):
        key = f"rules/cell_minimums/{i}"
        if minimum.axis not in axis_ids:
            message = tr(
                "unknown axis '{axis}' (axes: {list_codes})",
                axis=shorten(minimum.axis),
                list_codes=_list_codes(axis_ids),
            )
            problems.append(_error(scenario, f"{key}/axis", message))
        problems.extend(
            _check_bound(
                scenario,
                codes,
                region=minimum.region,
                amount=minimum.amount,
                share=minimum.share,
                key=key,
            )
        )
    everywhere = 0.0
    by_region: dict[str, float] = defaultdict(float)
    for minimum in scenario.rules.cell_minimums:
        if minimum.share is not None and math.isfinite(minimum.share):
            if minimum.region == ALL_REGIONS:
                everywhere += minimum.share
            else:
                by_region[minimum.region] += minimum.share
    for code in codes:
        by_region[code] += everywhere
    over = sorted(code for code, total in by_region.items() if total > 1 + WEIGHT_TOLERANCE)
    if over:
        message = tr(
            "cell minimums as shares of the region total add up to more than 1 in region(s) {list_codes}: lower them",
            list_codes=_list_codes(over),
        )
        problems.append(_error(scenario, "rules/cell_minimums", message))
    return problems


# -------------------------------------------------------------------------------- feasibility


def _by_region(items: Iterable[_R]) -> dict[str, list[_R]]:
    """Rules grouped by the region they name (``"*"`` under its own key), read once."""
    grouped: dict[str, list[_R]] = defaultdict(list)
    for item in items:
        grouped[item.region].append(item)
    return grouped


@dataclass
class _RuleIndex:
    """The rules by region, so that each region's bounds take time in its own rules only."""

    floors: dict[str, list[RegionBound]]
    caps: dict[str, list[RegionBound]]
    minimums: dict[str, list[CellMinimum]]

    @classmethod
    def of(cls, scenario: Scenario) -> _RuleIndex:
        rules = scenario.rules
        return cls(
            floors=_by_region(rules.region_floors),
            caps=_by_region([*rules.region_caps, *rules.absorption_caps]),
            minimums=_by_region(rules.cell_minimums),
        )

    def applying(self, grouped: dict[str, list[_R]], code: str) -> list[_R]:
        return (
            [*grouped.get(ALL_REGIONS, ()), *grouped.get(code, ())] if code != ALL_REGIONS else []
        )


def _axis_minimums(index: _RuleIndex, code: str) -> dict[str, float]:
    """A region's cell minimum in pesos per axis: several for one axis, the largest counts."""
    per_axis: dict[str, float] = {}
    for minimum in index.applying(index.minimums, code):
        if minimum.amount is not None:
            per_axis[minimum.axis] = max(per_axis.get(minimum.axis, 0.0), minimum.amount)
    return per_axis


def _all_bounds(scenario: Scenario, index: _RuleIndex) -> list[tuple[float, float | None]]:
    """``_bounds_for`` of every region, in order, each rule read once.

    The rules for every region (``"*"``) are turned into pesos once rather than once per
    region; the floors and caps are compared in the same order, so the same values come out.
    """
    total = scenario.fund.total
    band = scenario.rules.band
    lower = band.lower if band is not None else None
    upper = band.upper if band is not None else None

    def amount(bound: RegionBound) -> float:
        return float(bound.amount) if bound.amount is not None else (bound.share or 0.0) * total

    def pesos(grouped: dict[str, list[RegionBound]]) -> dict[str, list[float]]:
        return {code: [amount(b) for b in rules] for code, rules in grouped.items()}

    floors, caps = pesos(index.floors), pesos(index.caps)
    every_floor, every_cap = floors.get(ALL_REGIONS, []), caps.get(ALL_REGIONS, [])
    every_minimum = math.fsum(_every_region_minimums(index).values())
    none: list[float] = []
    out: list[tuple[float, float | None]] = []
    for region in scenario.regions:
        code, previous = region.code, region.previous
        if code == ALL_REGIONS:  # ``applying``: no rule applies to a region named "*"
            low: list[float] = [0.0]
            high: list[float] = []
        else:
            low = [0.0, *every_floor, *floors.get(code, none)]
            high = [*every_cap, *caps.get(code, none)]
        if previous is not None:
            if lower is not None:
                low.insert(1, previous * (1 + lower))
            if upper is not None:
                high.insert(0, previous * (1 + upper))
        if code == ALL_REGIONS:
            low.append(0.0)
        elif code in index.minimums:
            low.append(math.fsum(_axis_minimums(index, code).values()))
        else:
            low.append(every_minimum)
        out.append((max(low), min(high) if high else None))
    return out


def _every_region_minimums(index: _RuleIndex) -> dict[str, float]:
    """``_axis_minimums`` of a region named by no rule of its own."""
    per_axis: dict[str, float] = {}
    for minimum in index.minimums.get(ALL_REGIONS, ()):
        if minimum.amount is not None:
            per_axis[minimum.axis] = max(per_axis.get(minimum.axis, 0.0), minimum.amount)
    return per_axis


def check_feasibility(scenario: Scenario) -> list[Problem]:
    """Warnings for arithmetic that makes the rules unlikely to hold together."""
    problems: list[Problem] = []
    total = scenario.fund.total
    if not scenario.regions or total <= 0:
        return problems
    index = _RuleIndex.of(scenario)
    codes = [r.code for r in scenario.regions]
    bounds = dict(zip(codes, _all_bounds(scenario, index), strict=True))
    floor_sum = math.fsum(lo for lo, _ in bounds.values())
    if floor_sum > total:
        message = tr(
            "the regions' floors (band floors, region floors and cell minimums) add up to {pesos} pesos, {pesos2} more than the fund {total}: lower the floors or raise the fund",
            pesos=_pesos(floor_sum),
            pesos2=_pesos(floor_sum - total),
            total=f"{total:,}",
        )
        problems.append(_warning(scenario, "rules", message))
    caps = [hi for _, hi in bounds.values()]
    if all(hi is not None for hi in caps):
        cap_sum = math.fsum(hi for hi in caps if hi is not None)
        if cap_sum < total:
            message = tr(
                "the regions' caps (band caps, region caps and absorption caps) add up to {pesos} pesos, {pesos2} less than the fund {total}: raise the caps or lower the fund",
                pesos=_pesos(cap_sum),
                pesos2=_pesos(total - cap_sum),
                total=f"{total:,}",
            )
            problems.append(_warning(scenario, "rules", message))
    for region in scenario.regions:
        lo, hi = bounds[region.code]
        if hi is not None and lo > hi:
            message = tr(
                "region {code} ({name}): its floor {pesos} is above its cap {pesos2} by {pesos3} pesos",
                code=region.code,
                name=region.name,
                pesos=_pesos(lo),
                pesos2=_pesos(hi),
                pesos3=_pesos(lo - hi),
            )
            problems.append(_warning(scenario, f"regions/{region.code}", message))
    needed_by_axis: dict[str, float] = defaultdict(float)
    every = _every_region_minimums(index).items()
    for region in scenario.regions:
        code = region.code
        if code == ALL_REGIONS:
            continue
        mine = _axis_minimums(index, code).items() if code in index.minimums else every
        for axis_id, needed in mine:
            needed_by_axis[axis_id] += needed
    axes = {a.id: a for a in scenario.effective_axes}
    for axis_id, axis in axes.items():
        needed = needed_by_axis.get(axis_id, 0.0)
        room = axis.upper_share * total
        if needed > room:
            message = tr(
                "the cell minimums of axis {axis_id} add up to {pesos} pesos, {pesos2} more than the axis may receive ({pesos3})",
                axis_id=axis_id,
                pesos=_pesos(needed),
                pesos2=_pesos(needed - room),
                pesos3=_pesos(room),
            )
            problems.append(_warning(scenario, "rules/cell_minimums", message))
    return problems


# ---------------------------------------------------------------------------------- together

# ------------------------------------------------------- the programa tree and what hangs off it


def check_tree(scenario: Scenario) -> list[Problem]:
    """Inner nodes of the programa tree: unique ids, known parents, one parent per node, no
    cycle, no criteria of their own, shares in [0, 1] and ordered, size within the limits."""
    groups = scenario.axis_groups
    problems: list[Problem] = []
    if not groups and not any(a.parent for a in scenario.axes):
        return problems
    nodes = len(groups) + len(scenario.axes)
    if nodes > MAX_TREE_NODES:
        message = tr(
            "the programa tree has {nodes} nodes: at most {MAX_TREE_NODES} are allowed",
            nodes=f"{nodes:,}",
            MAX_TREE_NODES=f"{MAX_TREE_NODES:,}",
        )
        return [_error(scenario, "axes", message)]
    parent_of: dict[str, str] = {}
    for position, group in enumerate(groups):
        key = f"axis_groups/{position}"
        if group.id in parent_of:
            other = parent_of[group.id]
            message = tr(
                "'{id}' is declared twice (under {value} and under {value2}): every node of the tree needs its own id",
                id=shorten(group.id),
                value=other or "the top",
                value2=group.parent or "the top",
            )
            problems.append(_error(scenario, key, message))
            continue
        parent_of[group.id] = group.parent
        if group.criteria or group.base_weight is not None:
            message = tr(
                "{id} has children, so it cannot have criteria: give them to its leaves",
                id=group.id,
            )
            problems.append(_error(scenario, key, message))
        for value, name in (
            (group.share, "share"),
            (group.share_min, "share_min"),
            (group.share_max, "share_max"),
            (group.target_share, "target_share"),
        ):
            problems.extend(_check_share(scenario, value, f"{key}/{name}", f"{group.id} {name}"))
        if group.lower_share > group.upper_share:
            message = tr(
                "{id}: share_min {lower_share} is above share_max {upper_share}; swap them",
                id=group.id,
                lower_share=f"{group.lower_share:g}",
                upper_share=f"{group.upper_share:g}",
            )
            problems.append(_error(scenario, key, message))
    leaf_parent: dict[str, str] = {}
    for position, axis in enumerate(scenario.axes):
        if axis.id in leaf_parent and leaf_parent[axis.id] != axis.parent:
            first = leaf_parent[axis.id]
            message = tr(
                "leaf '{id}' is under two parents ({value} and {value2}): a subprograma belongs to one programa",
                id=shorten(axis.id),
                value=first or "the top",
                value2=axis.parent or "the top",
            )
            problems.append(_error(scenario, f"axes/{position}", message))
        leaf_parent.setdefault(axis.id, axis.parent)
        if axis.id in parent_of:
            first = parent_of[axis.id]
            message = tr(
                "leaf '{id}' is under two parents ({value} and {value2}): a subprograma belongs to one programa",
                id=shorten(axis.id),
                value=first or "the top",
                value2=axis.parent or "the top",
            )
            problems.append(_error(scenario, f"axes/{position}", message))
    known = set(parent_of) | {a.id for a in scenario.axes}
    for position, axis in enumerate((*groups, *scenario.axes)):
        if axis.parent and axis.parent not in parent_of:
            key = (
                f"axis_groups/{position}"
                if position < len(groups)
                else f"axes/{position - len(groups)}"
            )
            hint = " (it is a leaf)" if axis.parent in known else ""
            message = tr(
                "{id}: unknown parent '{parent}'{hint}",
                id=axis.id,
                parent=shorten(axis.parent),
                hint=hint,
            )
            problems.append(_error(scenario, key, message))
    if problems:
        return problems
    tree = Tree.of_scenario(scenario)
    for group in groups:
        chain = [group.id]
        parent = group.parent
        while parent and parent not in chain:
            chain.append(parent)
            parent = parent_of.get(parent, "")
        if parent:
            message = tr(
                "the tree has a cycle: {join} > {parent}", join=" > ".join(chain), parent=parent
            )
            return [_error(scenario, "axes", message)]
        if not tree.leaf_positions(group.id):
            message = tr(
                "{id} has no leaf under it: give it a subprograma or make it a leaf", id=group.id
            )
            problems.append(_error(scenario, "axes", message))
    depth = tree.depth()
    if depth > MAX_TREE_DEPTH:
        message = tr(
            "the programa tree has {depth} levels: at most {MAX_TREE_DEPTH} are allowed",
            depth=depth,
            MAX_TREE_DEPTH=MAX_TREE_DEPTH,
        )
        problems.append(_error(scenario, "axes", message))
    return problems


def check_proposals(scenario: Scenario) -> list[Problem]:
    """Each proposal line names a known state and node, with one amount or share; a state's
    shares sum to 1; no state proposes a node and one of its ancestors."""
    lines = scenario.proposals
    problems: list[Problem] = []
    if not lines:
        return problems
    if len(lines) > MAX_PROPOSAL_LINES:
        message = tr(
            "{n_lines} proposal lines: at most {MAX_PROPOSAL_LINES} are allowed",
            n_lines=f"{len(lines):,}",
            MAX_PROPOSAL_LINES=f"{MAX_PROPOSAL_LINES:,}",
        )
        return [_error(scenario, "proposals", message)]
    codes = {r.code for r in scenario.regions}
    tree = Tree.of_scenario(scenario)
    nodes = list(tree.nodes)
    shares: dict[str, list[float]] = defaultdict(list)
    kinds: dict[str, set[str]] = defaultdict(set)
    named: dict[str, list[str]] = defaultdict(list)
    amounts: dict[str, int] = defaultdict(int)
    for i, line in enumerate(lines):
        key = f"proposals/{i}"
        if line.region not in codes:
            message = tr("unknown state '{region}' in a proposal", region=shorten(line.region))
            problems.append(_error(scenario, f"{key}/region", message))
            continue
        if line.axis not in tree.nodes:
            message = tr(
                "unknown programa '{axis}' in the proposal of {region} (programas: {list_codes})",
                axis=shorten(line.axis),
                region=line.region,
                list_codes=_list_codes(nodes),
            )
            problems.append(_error(scenario, f"{key}/axis", message))
            continue
        if (line.amount is None) == (line.share is None):
            message = tr(
                "proposal of {region} for {axis}: give exactly one of amount or share",
                region=line.region,
                axis=line.axis,
            )
            problems.append(_error(scenario, key, message))
            continue
        if line.share is not None:
            bad = _bad_number(line.share)
            if bad is not None or not 0 <= line.share <= 1:
                why = bad or _is(line.share)
                message = tr(
                    "proposal of {region} for {axis}: the share {why}; use [0, 1]",
                    region=line.region,
                    axis=line.axis,
                    why=why,
                )
                problems.append(_error(scenario, f"{key}/share", message))
                continue
            shares[line.region].append(line.share)
            kinds[line.region].add("share")
        else:
            kinds[line.region].add("amount")
            amounts[line.region] += line.amount or 0
        named[line.region].append(line.axis)
    for code in sorted(named):
        if len(kinds[code]) > 1:
            message = tr(
                "the proposal of {code} mixes amounts and shares: use one or the other", code=code
            )
            problems.append(_error(scenario, "proposals", message))
        elif "share" in kinds[code]:
            total = math.fsum(shares[code])
            if abs(total - 1) > WEIGHT_TOLERANCE:
                message = tr(
                    "the proposal shares of {code} sum to {total}, not 1",
                    code=code,
                    total=f"{total:.6g}",
                )
                problems.append(_error(scenario, "proposals", message))
        elif amounts[code] <= 0:
            message = tr(
                "the proposal amounts of {code} sum to 0: propose some pesos, or no lines",
                code=code,
            )
            problems.append(_error(scenario, "proposals", message))
        ids = named[code]
        for node in ids:
            above = [a for a in tree.ancestors(node) if a in ids]
            if above:
                message = tr(
                    "the proposal of {code} names both {node} and {above}, which holds it: name each programa once, at one level",
                    code=code,
                    node=node,
                    above=above[0],
                )
                problems.append(_error(scenario, "proposals", message))
                break
        if len(set(ids)) < len(ids):
            twice = sorted({a for a in ids if ids.count(a) > 1})
            message = tr(
                "the proposal of {code} names {join} more than once",
                code=code,
                join=", ".join(twice),
            )
            problems.append(_error(scenario, "proposals", message))
    return problems


def check_cofinancing_and_calendar(scenario: Scenario) -> list[Problem]:
    """The co-financing rate lies in [0, 1]; the calendar has 1 to MAX_MONTHS months whose
    weights are non-negative and sum to 1."""
    problems: list[Problem] = []
    rate = scenario.cofinancing_rate
    if rate is not None:
        bad = _bad_number(rate)
        if bad is not None or not 0 <= rate <= 1:
            why = bad or _is(rate)
            message = tr("the co-financing rate {why}: it must be in [0, 1] (0.25 = 25 %)", why=why)
            problems.append(_error(scenario, "cofinancing/rate", message))
    spec = scenario.calendar
    if spec is not None:
        if not 1 <= len(spec.months) <= MAX_MONTHS:
            message = tr(
                "the calendar has {n_months} months: give 1 to {MAX_MONTHS}",
                n_months=len(spec.months),
                MAX_MONTHS=MAX_MONTHS,
            )
            problems.append(_error(scenario, "calendar/months", message))
        elif len(spec.weights) != len(spec.months):
            message = tr(
                "the calendar has {n_months} months and {n_weights} weights: give one weight per month",
                n_months=len(spec.months),
                n_weights=len(spec.weights),
            )
            problems.append(_error(scenario, "calendar/weights", message))
        elif any(_bad_number(w) is not None or w < 0 for w in spec.weights):
            message = tr("the calendar weights must be finite numbers >= 0")
            problems.append(_error(scenario, "calendar/weights", message))
        else:
            total = math.fsum(spec.weights)
            if abs(total - 1) > WEIGHT_TOLERANCE:
                gap = 1 - total
                fix = (
                    tr("add {gap}", gap=f"{gap:.6g}")
                    if gap > 0
                    else tr("remove {gap}", gap=f"{-gap:.6g}")
                )
                message = tr(
                    "the calendar weights sum to {total}, not 1: {fix}",
                    total=f"{total:.6g}",
                    fix=fix,
                )
                problems.append(_error(scenario, "calendar/weights", message))
    return problems


def check_municipal(scenario: Scenario) -> list[Problem]:
    """The pass-through share lies in [0, 1]; municipalities name known states, have unique
    codes, fit the limit, and their criteria are usable (weights sum to 1)."""
    spec = scenario.municipal
    problems: list[Problem] = []
    if spec is None:
        return problems
    bad = _bad_number(spec.share)
    if bad is not None or not 0 <= spec.share <= 1:
        why = bad or tr(
            "is {value} ({percent})", value=f"{spec.share:.6g}", percent=f"{spec.share:.2%}"
        )
        message = tr(
            "the municipal pass-through {why}: it must be between 0 and 1 (0.20 = 20 %)", why=why
        )
        problems.append(_error(scenario, "municipalities/share", message))
    rows = spec.municipalities
    if not rows:
        return problems
    if len(rows) > MAX_MUNICIPALITIES:
        message = tr(
            "{n_rows} municipalities: at most {MAX_MUNICIPALITIES} are allowed",
            n_rows=f"{len(rows):,}",
            MAX_MUNICIPALITIES=f"{MAX_MUNICIPALITIES:,}",
        )
        return [*problems, _error(scenario, "municipalities", message)]
    codes = {r.code for r in scenario.regions}
    seen: set[str] = set()
    for m in rows:
        key = f"municipalities/{m.code}"
        if m.region not in codes:
            message = tr(
                "municipality {code} ({name}): unknown state '{region}'",
                code=m.code,
                name=m.name,
                region=shorten(m.region),
            )
            problems.append(_error(scenario, f"{key}/region", message))
        if m.code in seen:
            message = tr("duplicate municipality code '{code}'", code=shorten(m.code))
            problems.append(_error(scenario, key, message))
        seen.add(m.code)
    if problems:
        return problems
    as_regions = replace(
        scenario,
        regions=tuple(Region(m.code, m.name, dict(m.indicators), None, m.population) for m in rows),
    )
    problems.extend(
        _check_criteria_list(
            as_regions,
            spec.criteria,
            prefix="municipalities/criteria",
            base_weight=spec.base_weight,
            base_key="municipalities/base_weight",
            base_name="municipalities.base_weight",
        )
    )
    return problems


_CHECKS: tuple[Callable[[Scenario], list[Problem]], ...] = (
    check_fund,
    check_regions,
    check_criteria,
    check_axes,
    check_tree,
    check_proposals,
    check_cofinancing_and_calendar,
    check_municipal,
    check_band,
    check_region_bounds,
    check_cell_minimums,
    check_guaranteed,
)


def check_scenario(scenario: Scenario) -> list[Problem]:
    """Run every semantic check on a scenario and return all problems found.

    Parameters
    ----------
    scenario
        A scenario from files or from the service.

    Returns
    -------
    list[Problem]
        Errors (the scenario cannot be solved) and warnings (it is probably infeasible), each
        located with ``scenario.where(key)``; empty when all is well. Feasibility warnings are
        only computed when there is no error, since they assume valid data. At most
        :data:`~optimizer.limits.MAX_PROBLEMS` are listed, then one "and K more" entry.
    """
    # Past the size limits nothing else is checked: the rest would only take time.
    problems = check_size(scenario)
    if problems:
        return problems
    # Declared indicators first: the criteria then see their values like any column's.
    problems = []
    if scenario.derived:
        values, problems = evaluate(scenario)
        if not problems:
            scenario = with_derived(scenario, values)
    problems += [p for check in _CHECKS for p in check(scenario)]
    if not any(p.severity == "error" for p in problems):
        problems.extend(guaranteed_warnings(scenario))
        problems.extend(check_feasibility(scenario))
    return cap_problems(problems)


def raise_for_problems(problems: Iterable[Problem]) -> None:
    """Raise :class:`ScenarioError` with all problems when any of them is an error.

    Raises
    ------
    ScenarioError
        At least one problem has severity ``"error"``; warnings travel along.
    """
    listed = list(problems)
    if any(p.severity == "error" for p in listed):
        raise ScenarioError(cap_problems(listed))
