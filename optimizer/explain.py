"""Justifications for every region and axis, and the diagnosis of infeasible criteria.

Structured fields first (``Justification``, ``Conflict``); texts are built from them, never the
other way round.
"""

from __future__ import annotations

import dataclasses
import gc
from collections.abc import Sequence
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

FAMILY_TEXT: dict[str, dict[Language, str]] = {
    RuleFamily.FUND_TOTAL: {Language.ES: "total del fondo", Language.EN: "fund total"},
    RuleFamily.BAND_FLOOR: {
        Language.ES: "piso de la banda contra el año anterior",
        Language.EN: "band floor against the previous allocation",
    },
    RuleFamily.BAND_CAP: {
        Language.ES: "tope de la banda contra el año anterior",
        Language.EN: "band cap against the previous allocation",
    },
    RuleFamily.REGION_FLOOR: {Language.ES: "monto mínimo", Language.EN: "region floor"},
    RuleFamily.REGION_CAP: {Language.ES: "monto máximo", Language.EN: "region cap"},
    RuleFamily.ABSORPTION_CAP: {
        Language.ES: "capacidad de ejercicio",
        Language.EN: "absorption cap",
    },
    RuleFamily.AXIS_MIN: {
        Language.ES: "participación mínima del eje",
        Language.EN: "axis minimum share",
    },
    RuleFamily.AXIS_MAX: {
        Language.ES: "participación máxima del eje",
        Language.EN: "axis maximum share",
    },
    RuleFamily.CELL_MINIMUM: {
        Language.ES: "mínimo de prioridad nacional",
        Language.EN: "national-priority minimum",
    },
    RuleFamily.GUARANTEED: {Language.ES: "monto garantizado", Language.EN: "guaranteed amount"},
    "redistribution": {
        Language.ES: "redistribución proporcional para respetar las reglas de otras entidades",
        Language.EN: "proportional redistribution so that other regions' rules hold",
    },
}

_RAISING = frozenset(
    {RuleFamily.BAND_FLOOR, RuleFamily.REGION_FLOOR, RuleFamily.CELL_MINIMUM, RuleFamily.GUARANTEED}
)
"""Rules that can only raise a region's amount above where the redistribution would put it."""
_LOWERING = frozenset({RuleFamily.BAND_CAP, RuleFamily.REGION_CAP, RuleFamily.ABSORPTION_CAP})
"""Rules that can only lower it."""

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
    """Business name of a rule family."""
    return FAMILY_TEXT.get(family, {}).get(language, str(family))


def pesos(amount: int) -> str:
    """``$1,234,567`` with a sign for negatives."""
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
    labels = {BASE_SOURCE: "Monto base" if language is Language.ES else "Base amount"}
    labels[GUARANTEED_SOURCE] = (
        "Monto garantizado" if language is Language.ES else "Guaranteed amount"
    )
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
    # The three largest contributions of each text: by pesos, then by source name.
    by_name = np.argsort(np.argsort(np.array(sources), kind="stable"), kind="stable")
    top = np.lexsort((np.broadcast_to(by_name, parts.shape), -parts), axis=1)[:, :3].tolist()
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
    words = _Words(language, n)
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
        diff = total - target
        # A floor only ever raises an amount and a cap only ever lowers it: a region cut below its
        # formula amount while on its floor was cut by the redistribution that pays for other
        # regions' rules (the floor only stopped the cut), and the same for a cap and a raise.
        wrong_way = (main in _RAISING and diff < 0) or (main in _LOWERING and diff > 0)
        cause: RuleFamily | str = main if main is not None and not wrong_way else "redistribution"
        adjustments = (_make(Adjustment, {"cause": cause, "amount": diff}),) if diff else ()
        lo, hi = boxes[r]
        previous = region.previous
        change = None if previous is None else total - previous
        change_pct = (
            None if previous in (None, 0) or change is None else round(100.0 * change / previous, 4)
        )
        text = words.text(
            region.name,
            region.code,
            target,
            total,
            [contributions[i] for i in top[r]],
            adjustments,
            rules,
            previous,
            change,
            change_pct,
            per_capita[r],
            rank.get(r),
        )
        categories, guaranteed, on_excess = extra.region(r, target)
        text += criteria_sentences(language, categories, guaranteed, on_excess, extra.notes)
        justifications.append(
            _make(
                Justification,
                {
                    "region": region.code,
                    "target": target,
                    "amount": total,
                    "contributions": contributions,
                    "adjustments": adjustments,
                    "binding": rules,
                    "previous": previous,
                    "change": change,
                    "change_pct": change_pct,
                    "per_capita": per_capita[r],
                    "per_capita_rank": rank.get(r),
                    "text": text,
                    "proposal_gaps": (),
                    "categories": categories,
                    "guaranteed": guaranteed,
                    "formula_on_excess": on_excess,
                    "derived": extra.notes,
                },
            )
        )
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
    language: Language,
    categories: Sequence[CategorySubtotal],
    guaranteed: int | None,
    on_excess: int | None,
    notes: Sequence[DerivedNote],
) -> str:
    """Sentences on the structure of the formula (appended to a justification's text)."""
    es = language is Language.ES
    lines: list[str] = []
    if guaranteed is not None and on_excess is not None:
        lines.append(
            f"Monto garantizado {pesos(guaranteed)}; fórmula sobre el excedente {pesos(on_excess)}."
            if es
            else f"Guaranteed amount {pesos(guaranteed)}; formula on the excess {pesos(on_excess)}."
        )
    if categories:
        listed = ", ".join(f"{c.label} {pesos(c.amount)}" for c in categories)
        lines.append(f"Por categoría: {listed}." if es else f"By category: {listed}.")
    for note in notes:
        lines.append(
            f"{note.label} se calcula como {note.description}."
            if es
            else f"{note.label} is computed as {note.description}."
        )
    return "".join(" " + line for line in lines)


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


class _Words:
    """The sentences of a justification in one language, with their fixed parts prepared once."""

    def __init__(self, language: Language, n: int) -> None:
        self.es = language is Language.ES
        self.n = n
        self.family = {key: texts.get(language, str(key)) for key, texts in FAMILY_TEXT.items()}
        self.language = language

    def why(self, family: RuleFamily | str) -> str:
        """Business name of a rule family (``family_text``)."""
        text = self.family.get(family)
        return family_text(family, self.language) if text is None else text

    def text(
        self,
        name: str,
        code: str,
        target: int,
        amount: int,
        top: Sequence[Contribution],
        adjustments: Sequence[Adjustment],
        binding: Sequence[BindingRule],
        previous: int | None,
        change: int | None,
        change_pct: float | None,
        per_capita: float | None,
        rank: int | None,
    ) -> str:
        """The paragraph ``justification_text`` writes, from the justification's fields."""
        es = self.es
        parts = ", ".join([f"{c.label} {pesos(c.amount)}" for c in top])
        lines = [
            (
                f"{name} ({code}): meta de la fórmula {pesos(target)} (principales aportes: {parts})."
                if es
                else f"{name} ({code}): formula target {pesos(target)} (largest contributions: {parts})."
            ),
            (f"Asignación final {pesos(amount)}." if es else f"Final allocation {pesos(amount)}."),
        ]
        for adj in adjustments:
            why = self.why(adj.cause)
            lines.append(
                f"Ajuste {pesos(adj.amount)} por {why}."
                if es
                else f"Adjustment {pesos(adj.amount)} due to the {why}."
            )
        for b in binding:
            lines.append(
                (
                    f"Regla activa: {self.why(b.family)} ({pesos(b.bound)}); "
                    f"valor marginal {b.marginal_value:.6g} por millón de pesos (uno de los valores válidos si el problema es degenerado)."
                )
                if es
                else (
                    f"Binding rule: {self.why(b.family)} ({pesos(b.bound)}); "
                    f"marginal value {b.marginal_value:.6g} per million pesos (one valid value if the LP is degenerate)."
                )
            )
        if change is not None and previous is not None:
            pct = f" ({change_pct:+.2f} %)" if change_pct is not None else ""
            lines.append(
                f"Cambio contra la asignación anterior: {pesos(change)}{pct}."
                if es
                else f"Change against the previous allocation: {pesos(change)}{pct}."
            )
        if per_capita is not None:
            lines.append(
                f"{per_capita:,.2f} pesos por habitante (lugar {rank} de {self.n})."
                if es
                else f"{per_capita:,.2f} pesos per inhabitant (rank {rank} of {self.n})."
            )
        return " ".join(lines)


def justification_text(name: str, j: Justification, language: Language, n: int) -> str:
    """A short paragraph built from the structured justification."""
    top = sorted(j.contributions, key=lambda c: (-c.amount, c.source))[:3]
    return _Words(language, n).text(
        name,
        j.region,
        j.target,
        j.amount,
        top,
        j.adjustments,
        j.binding,
        j.previous,
        j.change,
        j.change_pct,
        j.per_capita,
        j.per_capita_rank,
    )


# --------------------------------------------------------------------------------------------
# Infeasible criteria
# --------------------------------------------------------------------------------------------


def precheck_conflicts(data: ModelData) -> list[Conflict]:
    """Cheap arithmetic reasons why the rules cannot hold together."""
    found: list[Conflict] = []
    boxes = data.region_boxes
    floors = sum(lo for lo, _ in boxes)
    caps = sum(hi for _, hi in boxes)
    if floors > data.fund:
        found.append(
            Conflict(
                "region_floors",
                floors - data.fund,
                f"the region floors (bands, floors and priority minimums) add up to "
                f"{pesos(floors)}, {pesos(floors - data.fund)} more than the fund {pesos(data.fund)}",
            )
        )
    if caps < data.fund:
        found.append(
            Conflict(
                "region_caps",
                data.fund - caps,
                f"the region caps add up to {pesos(caps)}, {pesos(data.fund - caps)} less than the "
                f"fund {pesos(data.fund)}",
            )
        )
    for r, (lo, hi) in enumerate(boxes):
        if lo > hi:
            found.append(
                Conflict(
                    "region_bounds",
                    lo - hi,
                    f"region {data.regions[r]}: its floor {pesos(lo)} is {pesos(lo - hi)} above its cap {pesos(hi)}",
                )
            )
    if data.m > 1:
        lo_sum, hi_sum = sum(data.axis_lower), sum(data.axis_upper)
        if lo_sum > data.fund:
            found.append(
                Conflict(
                    RuleFamily.AXIS_MIN,
                    lo_sum - data.fund,
                    f"the axis minimum shares add up to {pesos(lo_sum)}, {pesos(lo_sum - data.fund)} more than the fund",
                )
            )
        needs = data.arrays.cell_min.sum(axis=0).tolist()  # exact: integer pesos
        for a, axis in enumerate(data.axes):
            need = needs[a]
            if need > data.axis_upper[a]:
                found.append(
                    Conflict(
                        RuleFamily.CELL_MINIMUM,
                        need - data.axis_upper[a],
                        f"the priority minimums of axis {axis} add up to {pesos(need)}, "
                        f"{pesos(need - data.axis_upper[a])} more than its maximum share "
                        f"{pesos(data.axis_upper[a])}",
                    )
                )
        if hi_sum < data.fund:
            found.append(
                Conflict(
                    RuleFamily.AXIS_MAX,
                    data.fund - hi_sum,
                    f"the axis maximum shares add up to {pesos(hi_sum)}, {pesos(data.fund - hi_sum)} less than the fund",
                )
            )
    if data.groups:
        found.extend(group_conflicts(data))
    return found


def group_conflicts(data: ModelData) -> list[Conflict]:
    """Share bounds on an inner node of the programa tree that contradict its children's.

    Bottom up, each node's least and largest possible total is its own bound narrowed by the
    sum of its parts (its largest proper sub-nodes and the leaves outside them); a node whose
    parts need more than its maximum, or cannot reach its minimum, is a conflict in pesos.
    """
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
                    f"the minimum shares under {group.key} add up to {pesos(need)}, "
                    f"{pesos(need - group.upper)} more than its maximum share {pesos(group.upper)}",
                )
            )
        if room < group.lower:
            found.append(
                Conflict(
                    RuleFamily.AXIS_MIN,
                    group.lower - room,
                    f"the maximum shares under {group.key} add up to {pesos(room)}, "
                    f"{pesos(group.lower - room)} less than its minimum share {pesos(group.lower)}",
                )
            )
        low[group.members] = max(group.lower, need)
        high[group.members] = min(group.upper, room)
    return found


def diagnose(data: ModelData, time_limit: float | None = None) -> list[Conflict]:
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
    out = []
    for family in sorted(by_family):
        amount = round(by_family[family])
        where = _summarise_keys(keys[family])
        out.append(
            Conflict(
                family,
                amount,
                f"{family_text(family, Language.EN)} must give way by {pesos(amount)} in total ({where})",
            )
        )
    return out


def _summarise_keys(keys: Sequence[str]) -> str:
    unique = sorted(set(keys))
    if len(unique) <= 6:
        return ", ".join(unique)
    return ", ".join(unique[:6]) + f" and {len(unique) - 6} more"


# --------------------------------------------------------------------------------------------
# Proposals (concertación): where a state's proposal gave way
# --------------------------------------------------------------------------------------------

_GAP_RULE = {
    Language.ES: {
        str(RuleFamily.AXIS_MAX): "el máximo nacional de {key}",
        str(RuleFamily.AXIS_MIN): "el mínimo nacional de {key}",
        str(RuleFamily.CELL_MINIMUM): "un monto mínimo de prioridad nacional",
        "redistribution": "la redistribución proporcional para cumplir las demás reglas",
    },
    Language.EN: {
        str(RuleFamily.AXIS_MAX): "the national maximum of {key}",
        str(RuleFamily.AXIS_MIN): "the national minimum of {key}",
        str(RuleFamily.CELL_MINIMUM): "a national-priority minimum",
        "redistribution": "the proportional redistribution that lets the other rules hold",
    },
}


def proposal_text(gaps: Sequence[ProposalGap], language: Language) -> str:
    """Where the state's proposal gave way (empty: it was kept).

    Each programa moved by a rule gets its own clause (pesos and rule); those that only took
    part in the redistribution are summed up in one clause.
    """
    words = _GAP_RULE[language]
    es = language is Language.ES
    parts = []
    shared = [g for g in gaps if g.rule == "redistribution"]
    for g in gaps:
        if g.rule == "redistribution":
            continue
        rule = words.get(g.rule, g.rule).format(key=g.rule_key)
        if es:
            verb = "recibe" if g.gap > 0 else "cede"
            parts.append(f"{g.axis} {verb} {pesos(abs(g.gap))} respecto de su propuesta por {rule}")
        else:
            verb = "gains" if g.gap > 0 else "gives up"
            parts.append(f"{g.axis} {verb} {pesos(abs(g.gap))} against its proposal due to {rule}")
    if shared:
        ids = ", ".join(g.axis for g in shared)
        more = sum(g.gap for g in shared if g.gap > 0)
        less = -sum(g.gap for g in shared if g.gap < 0)
        rule = words["redistribution"]
        if es:
            moved = " y ".join(
                t
                for t in (
                    f"reciben {pesos(more)}" if more else "",
                    f"ceden {pesos(less)}" if less else "",
                )
                if t
            )
            parts.append(f"{ids} {moved} en conjunto por {rule}")
        else:
            moved = " and ".join(
                t
                for t in (
                    f"gain {pesos(more)}" if more else "",
                    f"give up {pesos(less)}" if less else "",
                )
                if t
            )
            parts.append(f"{ids} {moved} together due to {rule}")
    if not parts:
        return ""
    head = "Propuesta de la entidad: " if es else "The state's proposal: "
    return head + "; ".join(parts) + "."


def with_proposal_gaps(
    justifications: tuple[Justification, ...],
    gaps: Sequence[ProposalGap],
    data: ModelData,
    language: Language,
) -> tuple[Justification, ...]:
    """The justifications with each state's proposal gaps and their sentence appended."""
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
