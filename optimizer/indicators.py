"""Declared indicators: columns built from other columns before the criteria see them.

A small vocabulary (``docs/scenario-format.md``): ``ratio`` (numerator / denominator x
scale), ``mean`` and ``sum`` of columns, and the normalisations the 2026 prototype applies
before its shares: ``inverse_share`` (higher is worse), ``shift`` (columns with negative
values) and ``min_max`` (with a small floor so that no region scores zero). Declared indicators
may use each other; they are evaluated in dependency order, and a cycle is an error.

Standard library only (like :mod:`optimizer.checks`, which calls it): the values are computed
with ``math.fsum`` in region-code order, so the same input gives the same floats.
"""

from __future__ import annotations

import difflib
import math
import statistics
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace

from optimizer.domain import DerivedIndicator, DerivedOp, Language, Scenario, ShiftMethod
from optimizer.errors import Message, Problem, problem, tr
from optimizer.limits import (
    MAX_DERIVED_INDICATORS,
    MAX_DERIVED_INPUTS,
    MAX_DERIVED_VALUES,
    shorten,
)

DEFAULT_FLOOR = 0.01
"""``min_max``'s score of the smallest value, and ``shift``'s share of the range."""

_ARITY: dict[DerivedOp, tuple[int, int]] = {
    DerivedOp.RATIO: (2, 2),
    DerivedOp.MEAN: (1, MAX_DERIVED_INPUTS),
    DerivedOp.SUM: (1, MAX_DERIVED_INPUTS),
    DerivedOp.INVERSE_SHARE: (1, 1),
    DerivedOp.SHIFT: (1, 1),
    DerivedOp.MIN_MAX: (1, 1),
}


def _error(scenario: Scenario, key: str, message: str | Message) -> Problem:
    return problem(scenario.where(key), message, key)


def _key(i: int, part: str = "") -> str:
    return f"indicators/derived/{i}" + (f"/{part}" if part else "")


def describe(d: DerivedIndicator, language: Language = Language.EN) -> str:
    """How a declared indicator is built, as a formula a planner can check by hand."""
    es = language is Language.ES
    of = d.inputs
    floor = DEFAULT_FLOOR if d.floor is None else d.floor
    if d.op is DerivedOp.RATIO:
        scale = f" x {d.scale:,.10g}" if d.scale != 1 else ""
        return f"{of[0]} / {of[1]}{scale}"
    if d.op is DerivedOp.MEAN:
        return ("promedio de " if es else "mean of ") + ", ".join(of)
    if d.op is DerivedOp.SUM:
        return " + ".join(of)
    if d.op is DerivedOp.INVERSE_SHARE:
        return f"(1 / {of[0]}) / suma(1 / {of[0]})" if es else f"(1 / {of[0]}) / sum(1 / {of[0]})"
    if d.op is DerivedOp.SHIFT:
        if d.method is ShiftMethod.MEAN_3SD:
            return (
                f"{of[0]} + (media + 3 desv. est.) si hay negativos"
                if es
                else f"{of[0]} + (mean + 3 sd) when negative values occur"
            )
        return f"{of[0]} - min + {floor:g} x (max - min)"
    return f"{floor:g} + {1 - floor:g} x ({of[0]} - min) / (max - min)"


def order_derived(
    scenario: Scenario, columns: Sequence[str] | None = None
) -> tuple[list[int], list[Problem]]:
    """Positions of the declared indicators in an order where inputs come first, and problems.

    ``columns``: the columns the data holds (default: those every region has). A declared
    indicator naming an unknown column, itself, or a cycle of declared indicators is reported.
    """
    derived = scenario.derived
    problems: list[Problem] = []
    if len(derived) > MAX_DERIVED_INDICATORS:
        message = tr(
            "declares {n_derived} indicators: a scenario may declare at most {MAX_DERIVED_INDICATORS} (docs/limits.md)",
            n_derived=f"{len(derived):,}",
            MAX_DERIVED_INDICATORS=f"{MAX_DERIVED_INDICATORS:,}",
        )
        return [], [_error(scenario, "indicators", message)]
    reads = sum(len(d.inputs) for d in derived) * len(scenario.regions)
    if reads > MAX_DERIVED_VALUES:
        message = tr(
            "the declared indicators read {reads} values (their columns x {n_regions} regions): at most {MAX_DERIVED_VALUES} (docs/limits.md); compute fewer or combine fewer columns",
            reads=f"{reads:,}",
            n_regions=f"{len(scenario.regions):,}",
            MAX_DERIVED_VALUES=f"{MAX_DERIVED_VALUES:,}",
        )
        return [], [_error(scenario, "indicators", message)]
    if columns is None:
        sets = [set(r.indicators) for r in scenario.regions]
        columns = sorted(set.intersection(*sets)) if sets else []
    data = set(columns)
    names: dict[str, int] = {}
    for i, d in enumerate(derived):
        if d.name in names:
            message = tr(
                "the indicator '{name}' is declared twice (also entry {names})",
                name=shorten(d.name),
                names=names[d.name],
            )
            problems.append(_error(scenario, _key(i, "name"), message))
        elif d.name in data:
            message = tr(
                "the declared indicator '{name}' has the name of a CSV column: rename it",
                name=shorten(d.name),
            )
            problems.append(_error(scenario, _key(i, "name"), message))
        else:
            names[d.name] = i
        low, high = _ARITY[d.op]
        if not low <= len(d.inputs) <= high:
            want = (
                tr("exactly {n}", n=low)
                if low == high
                else tr("{low} to {high}", low=low, high=high)
            )
            message = tr(
                "{op} takes {want} column(s) in 'of', not {n_inputs}",
                op=d.op,
                want=want,
                n_inputs=len(d.inputs),
            )
            problems.append(_error(scenario, _key(i, "of"), message))
        for column in d.inputs:
            if column == d.name:
                message = tr(
                    "the indicator '{name}' is built from itself: a cycle", name=shorten(d.name)
                )
                problems.append(_error(scenario, _key(i, "of"), message))
            elif column not in data and column not in {e.name for e in derived}:
                known = [*sorted(data), *(e.name for e in derived)]
                close = difflib.get_close_matches(column, known, n=1)
                hint = tr("; did you mean '{name}'?", name=close[0]) if close else ""
                message = tr(
                    "'{column}' (used by the declared indicator '{name}') is not a column nor a declared indicator{hint}",
                    column=shorten(column),
                    name=shorten(d.name),
                    hint=hint,
                )
                problems.append(_error(scenario, _key(i, "of"), message))
        floor = d.floor
        if floor is not None and not (math.isfinite(floor) and 0 <= floor < 1):
            message = tr(
                "floor {floor} must be a number in [0, 1) (default {DEFAULT_FLOOR})",
                floor=f"{floor:g}",
                DEFAULT_FLOOR=DEFAULT_FLOOR,
            )
            problems.append(_error(scenario, _key(i, "floor"), message))
        if not (math.isfinite(d.scale) and d.scale > 0):
            message = tr(
                "scale {scale} must be a positive number (100000 for per 100,000)",
                scale=f"{d.scale:g}",
            )
            problems.append(_error(scenario, _key(i, "scale"), message))
    if problems:
        return [], problems
    # Kahn's algorithm in declaration order: deterministic, and what is left is a cycle.
    pending = {i: {c for c in d.inputs if c in names} for i, d in enumerate(derived)}
    done: set[str] = set()
    order: list[int] = []
    while pending:
        ready = [i for i, needs in pending.items() if needs <= done]
        if not ready:
            cycle = ", ".join(derived[i].name for i in sorted(pending))
            first = min(pending)
            message = tr(
                "the declared indicators {cycle} are built from each other: a cycle",
                cycle=shorten(cycle, 200),
            )
            return [], [_error(scenario, _key(first, "of"), message)]
        for i in ready:
            order.append(i)
            done.add(derived[i].name)
            del pending[i]
    return order, []


def _column(scenario: Scenario, values: dict[str, list[float]], name: str) -> list[float]:
    """A column's values in region order; read once and kept in ``values``."""
    if name not in values:
        values[name] = [float(r.indicators[name]) for r in scenario.regions]
    return values[name]


def evaluate(scenario: Scenario) -> tuple[dict[str, list[float]], list[Problem]]:
    """Values of every declared indicator per region (regions' order), and located problems.

    Division by zero, a value that must be positive and is not, a constant column that
    ``min_max`` cannot scale: each is reported at the region's row and column.
    """
    order, problems = order_derived(scenario)
    values: dict[str, list[float]] = {}
    if problems:
        return values, problems
    columns: dict[str, list[float]] = {}
    regions = scenario.regions
    checked: dict[str, bool] = {}
    """Column -> all values finite; each column is looked at once, however often it is used."""
    for i in order:
        d = scenario.derived[i]
        inputs = [values[c] if c in values else _column(scenario, columns, c) for c in d.inputs]
        bad = False
        for column, series in zip(d.inputs, inputs, strict=True):
            if column in checked:
                bad = bad or not checked[column]
                continue
            checked[column] = all(map(math.isfinite, series))
            if checked[column]:
                continue
            for region, v in zip(regions, series, strict=True):
                if not math.isfinite(v):
                    key = f"regions/{region.code}/indicators/{column}"
                    message = tr(
                        "'{column}' is {v}: the declared indicator '{name}' needs finite numbers",
                        column=shorten(column),
                        v=v,
                        name=shorten(d.name),
                    )
                    problems.append(_error(scenario, key, message))
                    bad = True
        if bad:
            continue
        out, found = _compute(scenario, d, inputs, _key(i))
        problems.extend(found)
        if out is not None:
            values[d.name] = out
    return values, problems


def _positive(
    scenario: Scenario, d: DerivedIndicator, column: str, series: list[float], why: Message
) -> list[Problem]:
    problems = []
    for region, v in zip(scenario.regions, series, strict=True):
        if v <= 0:
            key = f"regions/{region.code}/indicators/{column}"
            what = tr("division by zero") if v == 0 else tr("{v} is negative", v=f"{v:g}")
            message = tr(
                "{what} in the declared indicator '{name}' for region {code} ({name2}): {why}",
                what=what,
                name=shorten(d.name),
                code=region.code,
                name2=region.name,
                why=why,
            )
            problems.append(_error(scenario, key, message))
    return problems


def _compute(
    scenario: Scenario, d: DerivedIndicator, inputs: list[list[float]], key: str
) -> tuple[list[float] | None, list[Problem]]:
    floor = DEFAULT_FLOOR if d.floor is None else d.floor
    first = inputs[0]
    if d.op is DerivedOp.RATIO:
        why = tr("'{column}' (the denominator) must be > 0", column=shorten(d.inputs[1]))
        problems = _positive(scenario, d, d.inputs[1], inputs[1], why)
        if problems:
            return None, problems
        return [n * d.scale / q for n, q in zip(first, inputs[1], strict=True)], []
    if d.op is DerivedOp.SUM:
        return [math.fsum(row) for row in zip(*inputs, strict=True)], []
    if d.op is DerivedOp.MEAN:
        k = len(inputs)
        return [math.fsum(row) / k for row in zip(*inputs, strict=True)], []
    if d.op is DerivedOp.INVERSE_SHARE:
        why = tr(
            "the inverse share takes 1 / '{column}', so every value must be > 0",
            column=shorten(d.inputs[0]),
        )
        problems = _positive(scenario, d, d.inputs[0], first, why)
        if problems:
            return None, problems
        inverse = [1.0 / v for v in first]
        total = math.fsum(inverse)
        return [v / total for v in inverse], []
    low, high = min(first), max(first)
    if d.op is DerivedOp.SHIFT:
        if d.method is ShiftMethod.MEAN_3SD:
            if low >= 0 or len(first) < 2:
                return list(first), []
            shift = statistics.fmean(first) + 3 * statistics.stdev(first)
            return [v + shift for v in first], []
        if high == low:
            return [1.0] * len(first), []
        return [v - low + floor * (high - low) for v in first], []
    # min_max
    if high == low:
        message = tr(
            "every region has the same value for '{inputs}': min_max cannot scale it (the declared indicator '{name}')",
            inputs=shorten(d.inputs[0]),
            name=shorten(d.name),
        )
        return None, [_error(scenario, key, message)]
    return [floor + (1 - floor) * (v - low) / (high - low) for v in first], []


def with_derived(scenario: Scenario, values: Mapping[str, list[float]] | None = None) -> Scenario:
    """The scenario with every declared indicator's values added to its regions.

    For a scenario that passed :func:`evaluate` without problems (``values``: its result, when
    at hand); a scenario without declared indicators comes back unchanged.
    """
    if not scenario.derived:
        return scenario
    if values is None:
        values, problems = evaluate(scenario)
        if problems:
            message = f"declared indicators cannot be evaluated: {problems[0].message}"
            raise ValueError(message)
    regions = tuple(
        replace(
            region,
            indicators={**region.indicators, **{name: v[r] for name, v in values.items()}},
        )
        for r, region in enumerate(scenario.regions)
    )
    return replace(scenario, regions=regions, locations=_Locations(scenario))


class _Locations(Mapping[str, str]):
    """The scenario's locations, plus ``regions/<code>/indicators/<declared>`` made on demand.

    A municipal scenario has hundreds of thousands of locations: copying them to add a few
    keys per region cost more than computing the declared indicators.
    """

    def __init__(self, scenario: Scenario) -> None:
        self.base = scenario.locations
        self.scenario = scenario
        self.index = {d.name: i for i, d in enumerate(scenario.derived)}
        self.codes = {r.code for r in scenario.regions}

    def _made(self, key: str) -> str | None:
        head, _, name = key.rpartition("/indicators/")
        code = head.removeprefix("regions/")
        if not head.startswith("regions/") or code not in self.codes or name not in self.index:
            return None
        where = self.scenario.where(f"regions/{code}")
        declared = self.scenario.where(_key(self.index[name]))
        return f"{where} (declared indicator '{name}', {declared})"

    def __getitem__(self, key: str) -> str:
        if key in self.base:
            return self.base[key]
        made = self._made(key)
        if made is None:
            raise KeyError(key)
        return made

    def __iter__(self) -> Iterator[str]:
        yield from self.base
        for code in sorted(self.codes):
            for name in self.index:
                key = f"regions/{code}/indicators/{name}"
                if key not in self.base:
                    yield key

    def __len__(self) -> int:
        return sum(1 for _ in self)
