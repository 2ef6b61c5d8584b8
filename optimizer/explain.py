"""Justifications for every region and axis, and the diagnosis of infeasible criteria.

Structured fields first (``Justification``, ``Conflict``); texts are built from them, never the
other way round.
"""

from __future__ import annotations

import dataclasses
import functools
import gc
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import numpy.typing as npt
import pulp

from optimizer.domain import (
    Adjustment,
    AxisResult,
    BindingRule,
    CategorySubtotal,
    CategorySummary,
    Conflict,
    Contribution,
    DerivedNote,
    Justification,
    Language,
    ProposalGap,
    RegionResult,
    RuleFamily,
    Scenario,
    category_weights,
)
from optimizer.formula import (
    BASE_SOURCE,
    GUARANTEED_SOURCE,
    FloatArray,
    effective_criteria,
    source_categories,
)
from optimizer.i18n import DEFAULT_LEVEL, N_, Texts, texts
from optimizer.indicators import describe
from optimizer.model import (
    LOWER_FAMILIES,
    UPPER_FAMILIES,
    ConstraintInfo,
    ModelData,
    add_rule_constraints,
    create_model,
)
from optimizer.solve import LpOutcome, solve

PER_MILLION = 1_000_000

IntArray = npt.NDArray[np.int64]

_RAISING = frozenset(
    {RuleFamily.BAND_FLOOR, RuleFamily.REGION_FLOOR, RuleFamily.CELL_MINIMUM, RuleFamily.GUARANTEED}
)
"""Rules that can only raise a region's amount above where the redistribution would put it."""
_LOWERING = frozenset({RuleFamily.BAND_CAP, RuleFamily.REGION_CAP, RuleFamily.ABSORPTION_CAP})
"""Rules that can only lower it."""

REDISTRIBUTION = "redistribution"
"""The cause of the common adjustment that spreads what the rules move (``Adjustment.cause``)."""

_FAMILY_OF: dict[str, RuleFamily] = {str(f): f for f in RuleFamily}
"""``RuleFamily(value)`` without the enum's call (thousands of binding rules per plan)."""

MAIN_RULE_ORDER = (
    RuleFamily.BAND_FLOOR,
    RuleFamily.REGION_FLOOR,
    RuleFamily.GUARANTEED,
    RuleFamily.BAND_CAP,
    RuleFamily.REGION_CAP,
    RuleFamily.ABSORPTION_CAP,
    RuleFamily.CELL_MINIMUM,
)


def family_text(family: RuleFamily | str, language: Language) -> str:
    """Business name of a rule family in a language (``band_floor`` -> ``piso de la banda``)."""
    return texts(language).rule(str(family))


def pesos(amount: int) -> str:
    """``$1,234,567`` with a sign for negatives (the glossary's money format)."""
    return f"-${-amount:,}" if amount < 0 else f"${amount:,}"


def apportion_rows(values: FloatArray, totals: Sequence[int]) -> IntArray:
    """``apportion(values[i], totals[i])`` for every row ``i`` at once, to the same peso.

    Largest remainder, ties to the earlier position, exactly as
    :func:`optimizer.rounding.apportion` computes it (the weights are summed with ``sum()``
    as it does, the shares are the same float operations, and a stable sort breaks the ties),
    so that a justification's contributions and the cells' targets keep their pesos.
    """
    rows, width = values.shape
    out = np.zeros((rows, width), dtype=np.int64)
    if width == 0:
        return out
    weights = np.array([sum(row) for row in values.tolist()], dtype=np.float64)
    total = np.array(totals, dtype=np.int64)
    positive = weights > 0
    # Rows without weight: everything to the first position.
    out[~positive, 0] = total[~positive]
    if not positive.any():
        return out
    exact = values[positive] * total[positive].astype(np.float64)[:, None] / weights[positive, None]
    floor = np.floor(exact)
    share = floor.astype(np.int64)
    left = total[positive] - share.sum(axis=1)
    # ``order[:left]`` of the loop, with Python's meaning of a negative or too large ``left``.
    left = np.where(left < 0, np.maximum(width + left, 0), np.minimum(left, width))
    order = np.argsort(-(exact - floor), axis=1, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(width)[None, :], axis=1)
    share += rank < left[:, None]
    out[positive] = share
    return out


def _region_rules(
    data: ModelData,
    totals: IntArray,
    duals: dict[str, float],
    registry: dict[str, ConstraintInfo],
) -> list[list[BindingRule]]:
    """Per region, the region-level rules that hold with equality (to the rounding unit).

    In registry order. A region held at the end of its own band in the first level is pinned
    there by a "level" row; that row's dual is the marginal value of the band (or floor, cap)
    holding it, added to the first binding rule of the region.
    """
    index = {code: r for r, code in enumerate(data.regions)}
    families = {*LOWER_FAMILIES, *UPPER_FAMILIES}
    pin: list[float] = [0] * data.n
    owner: list[int] = []
    named: list[tuple[str, ConstraintInfo]] = []
    for name, info in registry.items():
        family = info.family
        if family == "level":
            r = index.get(info.key)
            if r is not None:
                pin[r] = pin[r] + duals.get(name, 0.0)
        elif family in families:
            r = index.get(info.key)
            if r is not None:
                owner.append(r)
                named.append((name, info))
    out: list[list[BindingRule]] = [[] for _ in range(data.n)]
    if not owner:
        return out
    rows = np.array(owner, dtype=np.int64)
    bounds = np.array([info.bound for _, info in named], dtype=np.int64)
    binding = np.flatnonzero(np.abs(totals[rows] - bounds) < data.unit).tolist()
    for k in binding:
        r = owner[k]
        name, info = named[k]
        pin_dual, pin[r] = pin[r], 0.0
        out[r].append(
            _make(
                BindingRule,
                {
                    "family": _FAMILY_OF[info.family],
                    "key": data.regions[r],
                    "description": info.description,
                    "bound": info.bound,
                    "marginal_value": round(
                        (duals.get(name, 0.0) + pin_dual) / data.scale * PER_MILLION, 12
                    ),
                },
            )
        )
    return out


_T = TypeVar("_T")
_new = object.__new__


def _make(cls: type[_T], values: dict[str, object]) -> _T:
    """``cls(**values)`` for a frozen dataclass without its ``__init__``.

    A frozen dataclass sets each field through ``object.__setattr__``; a municipal plan makes
    about 25,000 of these results, so they are filled in one dictionary update instead. Only
    for the result classes written here, which have no ``__post_init__`` and get every field:
    the object is the one the constructor makes (equal, hashing alike, same ``vars``;
    ``tests/test_explain.py`` checks it).
    """
    out = _new(cls)
    out.__dict__.update(values)
    return out


def _contribution(head: dict[str, object], amount: int) -> Contribution:
    out = _new(Contribution)
    fields = out.__dict__
    fields.update(head)
    fields["amount"] = amount
    return out


def justify(
    scenario: Scenario,
    data: ModelData,
    cells: npt.ArrayLike,
    duals: dict[str, float],
    registry: dict[str, ConstraintInfo],
    language: Language,
) -> tuple[tuple[RegionResult, ...], tuple[AxisResult, ...], tuple[Justification, ...], IntArray]:
    """Region rows, axis rows and one justification per region (see ``_justify``).

    Garbage collection is paused meanwhile: the results hold no reference cycles, and the
    collector would otherwise walk every live object several times while they are made.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _justify(scenario, data, cells, duals, registry, language)
    finally:
        if enabled:
            gc.enable()


def _justify(
    scenario: Scenario,
    data: ModelData,
    cells: npt.ArrayLike,
    duals: dict[str, float],
    registry: dict[str, ConstraintInfo],
    language: Language,
) -> tuple[tuple[RegionResult, ...], tuple[AxisResult, ...], tuple[Justification, ...], IntArray]:
    """Region rows, axis rows and one justification per region.

    Every per-cell quantity (targets in pesos, totals, binding minimums, the contributions'
    pesos and their order) is computed on arrays; the loop over regions only assembles values.

    Returns
    -------
    tuple
        (region results, axis results, justifications, integer cell targets, shape (n, m))
    """
    targets = data.targets
    n, m = data.n, data.m
    x = np.asarray(cells, dtype=np.int64).reshape(n, m)
    cell_target = apportion_rows(targets.cell.reshape(1, -1), [data.fund]).reshape(n, m)
    region_target = cell_target.sum(axis=1)
    totals = x.sum(axis=1)
    sources = [BASE_SOURCE] + [s for s in targets.contributions if s != BASE_SOURCE]
    labels = {
        BASE_SOURCE: texts(language)._("Base amount"),
        GUARANTEED_SOURCE: texts(language)._("Guaranteed amount"),
    }
    fund_criteria, base_weight = effective_criteria(scenario)
    weights = {BASE_SOURCE: base_weight}
    for c in fund_criteria:
        labels.setdefault(c.indicator, c.label(language))
        weights.setdefault(c.indicator, c.weight)
    for axis in scenario.effective_axes:
        for c in axis.criteria:
            labels.setdefault(c.indicator, c.label(language))
            weights.setdefault(c.indicator, 0.0)
    target_list = region_target.tolist()
    total_list = totals.tolist()

    parts = apportion_rows(
        np.array([targets.contributions[s] for s in sources], dtype=np.float64).T.reshape(
            n, len(sources)
        ),
        target_list,
    )
    parts_list = parts.tolist()
    # Contribution(source, label, weight, amount), one per source, in the sources' order.
    heads = [
        {"source": s, "label": labels.get(s, s), "weight": weights.get(s, 0.0)} for s in sources
    ]

    per_capita: list[float | None] = []
    for region, total in zip(scenario.regions, total_list, strict=True):
        pop = region.population
        per_capita.append(round(total / pop, 2) if pop else None)
    ranked = sorted(
        (i for i in range(n) if per_capita[i] is not None),
        key=lambda i: (-(per_capita[i] or 0.0), data.regions[i]),
    )
    rank = {i: k + 1 for k, i in enumerate(ranked)}

    binding = _region_rules(data, totals, duals, registry)
    at_minimum = np.flatnonzero(
        ((data.arrays.cell_min > 0) & (data.arrays.cell_min == x)).ravel()
    ).tolist()
    for k in at_minimum:
        r, a = divmod(k, m)
        axis_id = data.axes[a]
        binding[r].append(
            _make(
                BindingRule,
                {
                    "family": RuleFamily.CELL_MINIMUM,
                    "key": f"{data.regions[r]}/{axis_id}",
                    "description": f"minimum of axis {axis_id}",
                    "bound": data.cell_min[r][a],
                    "marginal_value": 0.0,
                },
            )
        )

    extra = _CriteriaExtras.of(scenario, sources, parts, language)
    adjustments_of = attribute(target_list, total_list, binding, data.unit)
    context = text_context(
        language,
        {region.code: region.name for region in scenario.regions},
        scenario.fund.fiscal_year,
        zip(data.regions, adjustments_of, strict=True),
    )
    region_rows: list[RegionResult] = []
    justifications: list[Justification] = []
    boxes = data.region_boxes
    for r, region in enumerate(scenario.regions):
        contributions = tuple(map(_contribution, heads, parts_list[r]))
        rules = tuple(binding[r])
        main = None
        if rules:
            families = {b.family for b in rules}
            main = next((f for f in MAIN_RULE_ORDER if f in families), None)
        target, total = target_list[r], total_list[r]
        lo, hi = boxes[r]
        previous = region.previous
        change = None if previous is None else total - previous
        change_pct = (
            None if previous in (None, 0) or change is None else round(100.0 * change / previous, 4)
        )
        categories, guaranteed, on_excess = extra.region(r, target)
        justification = _make(
            Justification,
            {
                "region": region.code,
                "target": target,
                "amount": total,
                "contributions": contributions,
                "adjustments": adjustments_of[r],
                "binding": rules,
                "previous": previous,
                "change": change,
                "change_pct": change_pct,
                "per_capita": per_capita[r],
                "per_capita_rank": rank.get(r),
                "text": "",
                "proposal_gaps": (),
                "categories": categories,
                "guaranteed": guaranteed,
                "formula_on_excess": on_excess,
                "derived": extra.notes,
            },
        )
        # The text is written from the finished fields (nobody has seen the object yet).
        justification.__dict__["text"] = justification_text(justification, context)
        justifications.append(justification)
        region_rows.append(
            _make(
                RegionResult,
                {
                    "code": region.code,
                    "name": region.name,
                    "target": target,
                    "amount": total,
                    "previous": previous,
                    "lower": lo if lo > 0 else None,
                    "upper": hi if hi < data.fund else None,
                    "main_rule": str(main) if main is not None else "",
                    "categories": categories,
                    "guaranteed": guaranteed,
                },
            )
        )

    axis_rows: list[AxisResult] = []
    axis_amount = x.sum(axis=0).tolist()
    axis_target = cell_target.sum(axis=0).tolist()
    for a, axis in enumerate(scenario.effective_axes):
        amount = axis_amount[a]
        lo = data.axis_lower[a] if m > 1 else data.fund
        hi = data.axis_upper[a] if m > 1 else data.fund
        bind: list[str] = []
        if m > 1 and amount - lo < data.unit and lo > 0:
            bind.append(str(RuleFamily.AXIS_MIN))
        if m > 1 and hi - amount < data.unit and hi < data.fund:
            bind.append(str(RuleFamily.AXIS_MAX))
        axis_rows.append(
            AxisResult(
                id=axis.id,
                name=axis.name(language),
                target=axis_target[a],
                amount=amount,
                lower=lo,
                upper=hi,
                binding=tuple(bind),
            )
        )
    return tuple(region_rows), tuple(axis_rows), tuple(justifications), cell_target


class _CriteriaExtras:
    """Category subtotals, guaranteed amounts and declared indicators of the justifications."""

    def __init__(
        self,
        subtotals: list[list[int]],
        heads: list[dict[str, object]],
        guaranteed: list[int] | None,
        notes: tuple[DerivedNote, ...],
    ) -> None:
        self.subtotals = subtotals
        self.heads = heads
        self.guaranteed = guaranteed
        self.notes = notes

    @classmethod
    def of(
        cls,
        scenario: Scenario,
        sources: Sequence[str],
        parts: IntArray,
        language: Language,
    ) -> _CriteriaExtras:
        """Subtotals of every category: the sum of the pesos of the sources under it."""
        categories = scenario.categories
        heads: list[dict[str, object]] = []
        subtotals: list[list[int]] = []
        if categories:
            parent = {c.id: c.parent for c in categories}
            inner = source_categories(scenario)
            member = np.zeros((len(sources), len(categories)), dtype=np.int64)
            column = {c.id: k for k, c in enumerate(categories)}
            for i, source in enumerate(sources):
                node, steps = inner.get(source, ""), 0
                while node and node in column and steps <= len(categories):
                    member[i, column[node]] = 1
                    node, steps = parent.get(node, ""), steps + 1
            subtotals = (parts @ member).tolist()
            weights = category_weights(scenario)
            heads = [
                {"category": c.id, "label": c.label(language), "weight": float(weights[c.id])}
                for c in categories
            ]
        guaranteed = None
        if scenario.guaranteed is not None:
            guaranteed = scenario.guaranteed.per_region(
                scenario.regions, scenario.fund.rounding_unit
            )
        used = set(sources)
        notes = tuple(
            DerivedNote(d.name, d.label(language), describe(d, language))
            for d in scenario.derived
            if d.name in used
        )
        return cls(subtotals, heads, guaranteed, notes)

    def region(
        self, r: int, target: int
    ) -> tuple[tuple[CategorySubtotal, ...], int | None, int | None]:
        """Region r's category subtotals, guaranteed amount and formula on the excess."""
        categories = (
            tuple(
                CategorySubtotal(amount=amount, **head)  # type: ignore[arg-type]
                for head, amount in zip(self.heads, self.subtotals[r], strict=True)
            )
            if self.heads
            else ()
        )
        if self.guaranteed is None:
            return categories, None, None
        guaranteed = self.guaranteed[r]
        return categories, guaranteed, target - guaranteed


def criteria_sentences(
    t: Texts,
    categories: Sequence[CategorySubtotal],
    guaranteed: int | None,
    on_excess: int | None,
    notes: Sequence[DerivedNote],
) -> str:
    """Sentences on the structure of the formula: guaranteed amount and formula on the excess,
    category subtotals, how declared indicators are computed."""
    lines: list[str] = []
    if guaranteed is not None and on_excess is not None:
        lines.append(
            t._("Guaranteed amount {guaranteed}; formula on the excess {excess}.").format(
                guaranteed=t.money(guaranteed), excess=t.money(on_excess)
            )
        )
    if categories:
        listed = "; ".join(f"{c.label} {t.money(c.amount)}" for c in categories)
        lines.append(t._("By category: {listed}.").format(listed=listed))
    for note in notes:
        lines.append(
            t._("{label} is computed as {description}.").format(
                label=note.label, description=note.description
            )
        )
    return " ".join(lines)


def category_summaries(
    scenario: Scenario, justifications: Sequence[Justification], language: Language
) -> tuple[CategorySummary, ...]:
    """Every category over the whole plan: its weights and the sum of its regions' subtotals."""
    if not scenario.categories:
        return ()
    weights = category_weights(scenario)
    totals = [0] * len(scenario.categories)
    for j in justifications:
        for k, subtotal in enumerate(j.categories):
            totals[k] += subtotal.amount
    return tuple(
        CategorySummary(
            category=c.id,
            label=c.label(language),
            parent=c.parent,
            weight=c.weight,
            effective_weight=float(weights[c.id]),
            amount=totals[k],
        )
        for k, c in enumerate(scenario.categories)
    )


# --------------------------------------------------------------------------------------------
# Attribution: formula amount -> redistribution -> the rule that stopped it -> final amount
# --------------------------------------------------------------------------------------------


def attribute(
    targets: Sequence[int],
    totals: Sequence[int],
    binding: Sequence[Sequence[BindingRule]],
    unit: int = 1,
) -> list[tuple[Adjustment, ...]]:
    """Split each region's ``final - formula amount`` into the redistribution and one rule.

    The regions bound by no rule share the common ratio ``lambda = sum(final) / sum(formula)``
    of the redistribution that spreads what the rules move (all their difference is the
    redistribution's). A bound region would have been at ``w = lambda x formula`` (to the
    rounding unit); the redistribution moved it by ``w - formula`` and its rule by
    ``final - w``, attributed to a rule that can move an amount that way: a floor or priority
    minimum only raises, a cap only lowers. When none of the region's rules can, the whole
    difference is the redistribution's.

    Returns, per region, the nonzero parts in that order (``REDISTRIBUTION`` first); they add up
    to ``final - formula`` exactly, in integer pesos.
    """
    free_final = free_target = 0
    for target, total, rules in zip(targets, totals, binding, strict=True):
        if not rules:
            free_final += total
            free_target += target
    if free_target <= 0:
        # Every region is bound: no redistribution, the rules explain the whole difference.
        free_final = free_target = 1
    out: list[tuple[Adjustment, ...]] = []
    for target, total, rules in zip(targets, totals, binding, strict=True):
        would = total
        cause: RuleFamily | None = None
        if rules:
            # round(target x lambda / unit) x unit, exactly in integers (half up).
            scale = 2 * free_target * unit
            would = (2 * target * free_final + free_target * unit) // scale * unit
            families = {b.family for b in rules}
            moved = total - would
            allowed = _RAISING if moved > 0 else _LOWERING
            cause = next((f for f in MAIN_RULE_ORDER if f in families and f in allowed), None)
            if cause is None or moved == 0:
                would, cause = total, None
        parts: list[Adjustment] = []
        if would != target:
            parts.append(_make(Adjustment, {"cause": REDISTRIBUTION, "amount": would - target}))
        if cause is not None:
            parts.append(_make(Adjustment, {"cause": cause, "amount": total - would}))
        out.append(tuple(parts))
    return out


# --------------------------------------------------------------------------------------------
# Texts: one sentence builder per step, in the order a memo reads them
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TextContext:
    """What the sentences of every justification of one plan share."""

    t: Texts
    names: Mapping[str, str]
    """Region code -> name."""
    count: int
    """Number of regions (for "rank 3 of 32")."""
    previous_year: int
    """The fiscal year of the previous allocation (the fund's year - 1)."""
    raised: tuple[str, ...]
    """Regions whose rule raised their amount, most pesos first (they cause a reduction)."""
    lowered: tuple[str, ...]
    """Regions whose rule lowered their amount, most pesos first (they cause an increase)."""
    level: str = DEFAULT_LEVEL
    """Level name of the axes (``programa`` unless the scenario names another)."""

    @functools.cached_property
    def _raised_set(self) -> frozenset[str]:
        return frozenset(self.raised)

    @functools.cached_property
    def _lowered_set(self) -> frozenset[str]:
        return frozenset(self.lowered)

    def members(self, codes: Sequence[str]) -> frozenset[str]:
        """``raised`` or ``lowered`` as a set (``codes`` is one of them)."""
        return self._raised_set if codes is self.raised else self._lowered_set


def text_context(
    language: Language,
    names: Mapping[str, str],
    fiscal_year: int,
    adjustments: Iterable[tuple[str, Sequence[Adjustment]]],
    level: str = DEFAULT_LEVEL,
) -> TextContext:
    """The shared part of a plan's texts, from every region's ``(code, adjustments)``."""
    up: list[tuple[int, str]] = []
    down: list[tuple[int, str]] = []
    for code, parts in adjustments:
        for adj in parts:
            if adj.cause != REDISTRIBUTION:
                (up if adj.amount > 0 else down).append((abs(adj.amount), code))
    up.sort(key=lambda item: (-item[0], item[1]))
    down.sort(key=lambda item: (-item[0], item[1]))
    return TextContext(
        t=texts(language),
        names=names,
        count=len(names),
        previous_year=fiscal_year - 1,
        raised=tuple(code for _, code in up),
        lowered=tuple(code for _, code in down),
        level=level,
    )


MAX_NAMED = 3
"""States named in a sentence before "and N more"."""


def _names(codes: Sequence[str], own: str, ctx: TextContext) -> str:
    """The first states of ``codes`` other than ``own``, then "and N more".

    Looks at no more states than it shows: a municipal plan has thousands of regions.
    """
    shown = [ctx.names.get(code, code) for code in codes[: MAX_NAMED + 1] if code != own]
    others = len(codes) - (own in ctx.members(codes))
    if others <= MAX_NAMED:
        return ", ".join(shown[:others])
    return ctx.t._("{names} and {n} more").format(
        names=", ".join(shown[:MAX_NAMED]), n=others - MAX_NAMED
    )


def _parts(j: Justification) -> tuple[int, RuleFamily | str | None, int]:
    """(redistribution pesos, rule family or None, rule pesos) of a justification."""
    moved, cause, stopped = 0, None, 0
    for adj in j.adjustments:
        if adj.cause == REDISTRIBUTION:
            moved += adj.amount
        else:
            cause, stopped = adj.cause, stopped + adj.amount
    return moved, cause, stopped


def formula_sentence(j: Justification, ctx: TextContext) -> str:
    """The formula amount and its three largest criteria."""
    t = ctx.t
    top = sorted((c for c in j.contributions if c.amount), key=lambda c: (-c.amount, c.source))
    name = ctx.names.get(j.region, j.region)
    if not top:
        return t._("{name} ({code}). Formula amount: {amount}.").format(
            name=name, code=j.region, amount=t.money(j.target)
        )
    parts = "; ".join(f"{c.label} {t.money(c.amount)}" for c in top[:3])
    return t._("{name} ({code}). Formula amount: {amount} (main criteria: {parts}).").format(
        name=name, code=j.region, amount=t.money(j.target), parts=parts
    )


def redistribution_sentence(j: Justification, ctx: TextContext) -> str:
    """The common adjustment: its direction, its size and which states' rules caused it."""
    t = ctx.t
    moved, _, _ = _parts(j)
    if moved == 0:
        return ""
    values = {
        "amount": t.money(moved, sign=True),
        "percent": t.percent(moved / j.target, sign=True) if j.target else "",
    }
    if moved < 0 and (states := _names(ctx.raised, j.region, ctx)):
        message = t._(
            "Proportional redistribution: {amount} ({percent} of the formula amount), the "
            "common reduction that pays for what the floors and minimums of other states add "
            "({states})."
        )
        return message.format(states=states, **values)
    if moved > 0 and (states := _names(ctx.lowered, j.region, ctx)):
        message = t._(
            "Proportional redistribution: {amount} ({percent} of the formula amount), the "
            "common increase that spreads what the caps of other states hold back ({states})."
        )
        return message.format(states=states, **values)
    if not j.target:
        return t._("Proportional redistribution: {amount}.").format(**values)
    return t._("Proportional redistribution: {amount} ({percent} of the formula amount).").format(
        **values
    )


def _rule_name(rule: BindingRule, ctx: TextContext) -> str:
    t = ctx.t
    name = t.rule(str(rule.family), ctx.level)
    if rule.family == RuleFamily.CELL_MINIMUM and "/" in rule.key:
        axis = rule.key.split("/", 1)[1]
        name = t._("{rule} of the {level} {axis}").format(
            rule=name, level=t.level(ctx.level), axis=axis
        )
    return t._("{rule} ({bound})").format(rule=name, bound=t.money(rule.bound))


def rule_sentence(j: Justification, ctx: TextContext) -> str:
    """The rule that stopped the redistribution (a floor raises, a cap lowers), if any."""
    t = ctx.t
    moved, cause, stopped = _parts(j)
    if cause is None:
        # A rule may hold at its limit without moving the amount: say so, without pesos.
        held = next((b for b in j.binding if b.family in _RAISING | _LOWERING), None)
        if held is None:
            return ""
        return t._("Rule met at its limit: {rule}.").format(rule=_rule_name(held, ctx))
    rule = next((b for b in j.binding if b.family == cause), None)
    name = _rule_name(rule, ctx) if rule is not None else t.rule(str(cause), ctx.level)
    amount = t.money(abs(stopped))
    if stopped > 0:
        message = (
            t._("Rule that stopped the reduction: {rule}, which adds {amount}.")
            if moved < 0
            else t._("Rule that raises the amount: {rule}, which adds {amount}.")
        )
    else:
        message = (
            t._("Rule that stopped the increase: {rule}, which takes away {amount}.")
            if moved > 0
            else t._("Rule that lowers the amount: {rule}, which takes away {amount}.")
        )
    return message.format(rule=name, amount=amount)


def final_sentence(j: Justification, ctx: TextContext) -> str:
    """The final amount."""
    return ctx.t._("Final allocation: {amount}.").format(amount=ctx.t.money(j.amount))


def change_sentence(j: Justification, ctx: TextContext) -> str:
    """The change from the previous fiscal year, in pesos and percent."""
    if j.change is None or j.previous is None:
        return ""
    t = ctx.t
    amount = t.money(j.change, sign=True)
    if j.change_pct is None:
        return t._("Change from fiscal year {year}: {amount}.").format(
            year=ctx.previous_year, amount=amount
        )
    return t._("Change from fiscal year {year}: {amount} ({percent}).").format(
        year=ctx.previous_year, amount=amount, percent=t.percent(j.change_pct / 100, sign=True)
    )


def per_capita_sentence(j: Justification, ctx: TextContext) -> str:
    """Pesos per inhabitant and the rank among the regions."""
    if j.per_capita is None:
        return ""
    t = ctx.t
    return t._("{amount} pesos per inhabitant (rank {rank} of {count}).").format(
        amount=t.number(j.per_capita, 2), rank=j.per_capita_rank, count=ctx.count
    )


def criteria_sentence(j: Justification, ctx: TextContext) -> str:
    """The structure of the formula amount, when the scenario has one (categories, guaranteed
    amounts, declared indicators)."""
    return criteria_sentences(ctx.t, j.categories, j.guaranteed, j.formula_on_excess, j.derived)


# --------------------------------------------------------------------------------------------
# Infeasible criteria
# --------------------------------------------------------------------------------------------


def precheck_conflicts(data: ModelData, language: Language = Language.EN) -> list[Conflict]:
    """Cheap arithmetic reasons why the rules cannot hold together (texts in ``language``)."""
    t = texts(language)
    money = t.money
    found: list[Conflict] = []
    boxes = data.region_boxes
    floors = sum(lo for lo, _ in boxes)
    caps = sum(hi for _, hi in boxes)
    fund = money(data.fund)
    if floors > data.fund:
        message = t._(
            "the states' floors (bands, floors and priority minimums) add up to {sum}, "
            "{excess} more than the fund {fund}"
        )
        found.append(
            Conflict(
                "region_floors",
                floors - data.fund,
                message.format(sum=money(floors), excess=money(floors - data.fund), fund=fund),
            )
        )
    if caps < data.fund:
        message = t._("the states' caps add up to {sum}, {shortfall} less than the fund {fund}")
        found.append(
            Conflict(
                "region_caps",
                data.fund - caps,
                message.format(sum=money(caps), shortfall=money(data.fund - caps), fund=fund),
            )
        )
    for r, (lo, hi) in enumerate(boxes):
        if lo > hi:
            message = t._("state {code}: its floor {floor} is {excess} above its cap {cap}")
            found.append(
                Conflict(
                    "region_bounds",
                    lo - hi,
                    message.format(
                        code=data.regions[r], floor=money(lo), excess=money(lo - hi), cap=money(hi)
                    ),
                )
            )
    if data.m > 1:
        level = t.level()
        lo_sum, hi_sum = sum(data.axis_lower), sum(data.axis_upper)
        if lo_sum > data.fund:
            message = t._(
                "the minimum shares of the {levels} add up to {sum}, {excess} more than the fund"
            )
            found.append(
                Conflict(
                    RuleFamily.AXIS_MIN,
                    lo_sum - data.fund,
                    message.format(
                        levels=t.level(plural=True),
                        sum=money(lo_sum),
                        excess=money(lo_sum - data.fund),
                    ),
                )
            )
        needs = data.arrays.cell_min.sum(axis=0).tolist()  # exact: integer pesos
        for a, axis in enumerate(data.axes):
            need = needs[a]
            if need > data.axis_upper[a]:
                message = t._(
                    "the priority minimums of the {level} {axis} add up to {sum}, {excess} more "
                    "than its maximum share {cap}"
                )
                found.append(
                    Conflict(
                        RuleFamily.CELL_MINIMUM,
                        need - data.axis_upper[a],
                        message.format(
                            level=level,
                            axis=axis,
                            sum=money(need),
                            excess=money(need - data.axis_upper[a]),
                            cap=money(data.axis_upper[a]),
                        ),
                    )
                )
        if hi_sum < data.fund:
            message = t._(
                "the maximum shares of the {levels} add up to {sum}, {shortfall} less than the fund"
            )
            found.append(
                Conflict(
                    RuleFamily.AXIS_MAX,
                    data.fund - hi_sum,
                    message.format(
                        levels=t.level(plural=True),
                        sum=money(hi_sum),
                        shortfall=money(data.fund - hi_sum),
                    ),
                )
            )
    if data.groups:
        found.extend(group_conflicts(data, language))
    return found


def group_conflicts(data: ModelData, language: Language = Language.EN) -> list[Conflict]:
    """Share bounds on an inner node of the programa tree that contradict its children's.

    Bottom up, each node's least and largest possible total is its own bound narrowed by the
    sum of its parts (its largest proper sub-nodes and the leaves outside them); a node whose
    parts need more than its maximum, or cannot reach its minimum, is a conflict in pesos.
    """
    t = texts(language)
    found: list[Conflict] = []
    low: dict[tuple[int, ...], int] = {
        (a,): data.axis_lower[a] if data.m > 1 else 0 for a in range(data.m)
    }
    high: dict[tuple[int, ...], int] = {
        (a,): data.axis_upper[a] if data.m > 1 else data.fund for a in range(data.m)
    }
    for group in sorted(data.groups, key=lambda g: len(g.members)):
        members = set(group.members)
        inner = [key for key in low if len(key) > 1 and set(key) < members]
        parts = [key for key in inner if not any(set(key) < set(o) for o in inner)]
        covered = {a for key in parts for a in key}
        parts += [(a,) for a in group.members if a not in covered]
        need = sum(low[key] for key in parts)
        room = sum(high[key] for key in parts)
        if need > group.upper:
            found.append(
                Conflict(
                    RuleFamily.AXIS_MAX,
                    need - group.upper,
                    t._(
                        "the minimum shares under {key} add up to {sum}, {excess} more than its "
                        "maximum share {cap}"
                    ).format(
                        key=group.key,
                        sum=t.money(need),
                        excess=t.money(need - group.upper),
                        cap=t.money(group.upper),
                    ),
                )
            )
        if room < group.lower:
            found.append(
                Conflict(
                    RuleFamily.AXIS_MIN,
                    group.lower - room,
                    t._(
                        "the maximum shares under {key} add up to {sum}, {shortfall} less than "
                        "its minimum share {floor}"
                    ).format(
                        key=group.key,
                        sum=t.money(room),
                        shortfall=t.money(group.lower - room),
                        floor=t.money(group.lower),
                    ),
                )
            )
        low[group.members] = max(group.lower, need)
        high[group.members] = min(group.upper, room)
    return found


def diagnose(
    data: ModelData, time_limit: float | None = None, language: Language = Language.EN
) -> list[Conflict]:
    """Elastic relaxation: which rule families must give way, and by how many pesos.

    Every rule row gets an elastic variable (cost 1 per peso; 1000 for the fund total, which
    the law fixes); the minimum total relaxation is split by family.
    """
    model = create_model(data)
    # Priority minimums become rows so they can give way too.
    for r in range(data.n):
        for a in range(data.m):
            if data.cell_min[r][a] > 0:
                model.x[r][a].lowBound = 0
                model.add(
                    model.x[r][a] >= data.cell_min[r][a] / data.scale,
                    ConstraintInfo(
                        RuleFamily.CELL_MINIMUM,
                        f"{data.regions[r]}/{data.axes[a]}",
                        "priority minimum",
                        data.cell_min[r][a],
                    ),
                )
    add_rule_constraints(model, data)
    elastic: list[tuple[str, pulp.LpVariable]] = []
    costs = []
    for k, (name, constraint) in enumerate(list(model.rows.items())):
        family = model.registry[name].family
        weight = 1000.0 if family == RuleFamily.FUND_TOTAL else 1.0
        if constraint.sense in (pulp.LpConstraintGE, pulp.LpConstraintEQ):
            e = model.problem.add_variable(f"eu_{k}", lowBound=0)
            constraint.expr.addterm(e, 1.0)
            elastic.append((name, e))
            costs.append(weight * e)
        if constraint.sense in (pulp.LpConstraintLE, pulp.LpConstraintEQ):
            e = model.problem.add_variable(f"ed_{k}", lowBound=0)
            constraint.expr.addterm(e, -1.0)
            elastic.append((name, e))
            costs.append(weight * e)
    model.problem.setObjective(pulp.lpSum(costs))
    result = solve(model, time_limit)
    if result.outcome is not LpOutcome.OPTIMAL:
        return []
    by_family: dict[str, float] = {}
    keys: dict[str, list[str]] = {}
    for name, e in elastic:
        value = (e.varValue or 0.0) * data.scale
        if value > 0.5:
            info = model.registry[name]
            by_family[str(info.family)] = by_family.get(str(info.family), 0.0) + value
            keys.setdefault(str(info.family), []).append(info.key)
    t = texts(language)
    out = []
    for family in sorted(by_family):
        amount = round(by_family[family])
        where = summarise_keys(keys[family], t)
        message = t._("{rule} must give way by {amount} in total ({where})")
        out.append(
            Conflict(
                family,
                amount,
                message.format(rule=t.rule(family), amount=t.money(amount), where=where),
            )
        )
    return out


def summarise_keys(keys: Sequence[str], t: Texts) -> str:
    """The first six distinct keys, then "and N more"."""
    unique = sorted(set(keys))
    if len(unique) <= 6:
        return ", ".join(unique)
    return t._("{names} and {n} more").format(names=", ".join(unique[:6]), n=len(unique) - 6)


# --------------------------------------------------------------------------------------------
# Proposals (concertación): where a state's proposal gave way
# --------------------------------------------------------------------------------------------

_GAP_RULE = {
    str(RuleFamily.AXIS_MAX): N_("the national maximum of {key}"),
    str(RuleFamily.AXIS_MIN): N_("the national minimum of {key}"),
    str(RuleFamily.CELL_MINIMUM): N_("a national-priority minimum"),
    REDISTRIBUTION: N_("the proportional redistribution that lets the other rules hold"),
}


def proposal_text(gaps: Sequence[ProposalGap], language: Language) -> str:
    """Where the state's proposal gave way (empty: it was kept).

    Each programa moved by a rule gets its own clause (pesos and rule); those that only took
    part in the redistribution are summed up in one clause.
    """
    t = texts(language)
    parts = []
    shared = [g for g in gaps if g.rule == REDISTRIBUTION]
    for g in gaps:
        if g.rule == REDISTRIBUTION:
            continue
        rule = t._(_GAP_RULE[g.rule]) if g.rule in _GAP_RULE else t.rule(g.rule)
        rule = rule.format(key=g.rule_key)
        clause = (
            t._("{axis} gains {amount} against its proposal due to {rule}")
            if g.gap > 0
            else t._("{axis} gives up {amount} against its proposal due to {rule}")
        )
        parts.append(clause.format(axis=g.axis, amount=t.money(abs(g.gap)), rule=rule))
    if shared:
        ids = ", ".join(g.axis for g in shared)
        more = sum(g.gap for g in shared if g.gap > 0)
        less = -sum(g.gap for g in shared if g.gap < 0)
        rule = t._(_GAP_RULE[REDISTRIBUTION])
        if more and less:
            clause = t._("{axes} gain {more} and give up {less} together due to {rule}")
        elif more:
            clause = t._("{axes} gain {more} together due to {rule}")
        else:
            clause = t._("{axes} give up {less} together due to {rule}")
        parts.append(clause.format(axes=ids, more=t.money(more), less=t.money(less), rule=rule))
    if not parts:
        return ""
    return t._("The state's proposal: {clauses}.").format(clauses="; ".join(parts))


def proposal_sentence(j: Justification, ctx: TextContext) -> str:
    """Where the state's proposal gave way, when it made one (concertación)."""
    return proposal_text(j.proposal_gaps, ctx.t.language) if j.proposal_gaps else ""


def with_proposal_gaps(
    justifications: tuple[Justification, ...],
    gaps: Sequence[ProposalGap],
    data: ModelData,
    language: Language,
) -> tuple[Justification, ...]:
    """The justifications with each state's proposal gaps and their sentence appended.

    The proposal sentence is the last of :data:`SENTENCES`, so appending it gives the text
    :func:`justification_text` writes from the completed fields.
    """
    del data  # the gaps carry everything the sentence needs
    by_region: dict[str, list[ProposalGap]] = {}
    for g in gaps:
        by_region.setdefault(g.region, []).append(g)
    out = []
    for j in justifications:
        mine = by_region.get(j.region)
        if not mine:
            out.append(j)
            continue
        text = f"{j.text} {proposal_text(mine, language)}".strip()
        out.append(dataclasses.replace(j, proposal_gaps=tuple(mine), text=text))
    return tuple(out)


# --------------------------------------------------------------------------------------------
# The text of a justification
# --------------------------------------------------------------------------------------------

SentenceBuilder = Callable[[Justification, TextContext], str]

SENTENCES: tuple[SentenceBuilder, ...] = (
    formula_sentence,
    criteria_sentence,
    redistribution_sentence,
    rule_sentence,
    final_sentence,
    change_sentence,
    per_capita_sentence,
    proposal_sentence,
)
"""The steps of a justification text in order; a builder returns "" to say nothing."""


def justification_text(j: Justification, ctx: TextContext) -> str:
    """The paragraph of one region, built only from its fields and the plan's context."""
    return " ".join(sentence for build in SENTENCES if (sentence := build(j, ctx)))
