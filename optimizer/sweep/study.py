"""Sensitivity studies: what may move, by how much, and the samples each study draws.

A sample of a scenario changes only what a study moves: the criteria weights, the indicator
values (a factor per indicator and region) and, in the one-at-a-time study, the band limits.
Everything else (the fund, the rules, the axes) is the scenario's own.

**Weight nodes.** Every weight sits under a parent whose weights sum to 1: the fund's
top-level criteria, top-level categories and the base amount sit under the root; a category
(``criteria/categories/<k>``) is the parent of its criteria, its sub-categories and its own
``base_weight``; an axis with its own criteria is the parent of those criteria and its
``base_weight``. A node moved to a new weight ``w_i'`` takes
the difference from its siblings, which are scaled by the same factor
``(1 - w_i') / (1 - w_i)`` so that the parent still sums to 1 (a sibling's share of what the
others hold stays the same). Two nodes of the same parent set at once (a two-weight grid) scale
the others by ``(1 - w_i' - w_j') / (1 - w_i - w_j)``; siblings that hold nothing (all 0)
share what is left equally. The fund's base amount sits in one place (the root or one
category, as the checks require): a base amount stated as 0 where it sits elsewhere is held at
0 and never moved. A criterion's effective weight is the product along its path
(``formula.effective_criteria``), so moving a category's weight moves all its criteria together.

Indicators are perturbed as the criteria read them: a declared (derived) indicator's values
are moved themselves, not the columns it is computed from.

Monte Carlo draws each parent's weights from a Dirichlet distribution centred on the stated
weights, ``Dirichlet(kappa * w)``: the mean is ``w`` and a larger concentration ``kappa`` keeps
the draws closer to it (standard deviation of a weight about ``sqrt(w (1 - w) / (kappa + 1))``).
Zero weights stay zero. Indicator values are multiplied by ``exp(sigma z)`` with ``z``
standard normal per indicator and region: ``sigma`` is the stated relative error (about
``sigma`` for small values), the factor is never negative, and a zero stays zero.

**Reproducible.** Draws come in blocks of :data:`SAMPLE_BLOCK` samples, block ``b`` from the
generator seeded with ``(seed, b)``: sample ``i`` is the same whatever the chunks and workers
that compute it.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt

from optimizer.checks import WEIGHT_TOLERANCE
from optimizer.domain import Band, Criterion, Language, Scenario
from optimizer.errors import Message, ScenarioError, problem, tr
from optimizer.i18n import N_, texts
from optimizer.limits import MAX_SWEEP_SAMPLES

FloatArray = npt.NDArray[np.float64]

ROOT = ""
"""Parent key of the fund's criteria and the base amount."""
BASE = "base_amount"
SAMPLE_BLOCK = 500
"""Samples drawn from one seeded generator (see the module docstring)."""
MAX_RELATIVE_ERROR = 1.0
"""Largest indicator relative error (sigma) a Monte Carlo study accepts."""
MAX_CONCENTRATION = 1e9


@dataclass(frozen=True)
class WeightNode:
    """One weight and its parent: ``key`` is the scenario's location key of the weight."""

    key: str
    """``criteria/0``, ``base_amount``, ``axes/2/criteria/1``, ``axes/2/base_weight``."""
    name: str
    """How a planner names it: the indicator, ``base_amount``, or ``P2:indicator``."""
    parent: str
    """``""`` (the root) or ``axes/<i>``."""
    weight: float
    label_es: str = ""
    label_en: str = ""
    held: bool = False
    """A base amount stated as 0 where the fund's base amount sits elsewhere: it stays 0 (the
    checks allow the base amount in one place only), so no study moves it."""


def _base_labels(parent_es: str = "", parent_en: str = "") -> tuple[str, str]:
    """The labels of a base amount (the fund's, or a category's or an axis' own), es and en."""
    es, en = texts(Language.ES), texts(Language.EN)
    if not parent_es:
        return es._("Equal base amount"), en._("Equal base amount")
    template = N_("{parent}: equal base amount")
    return es._(template).format(parent=parent_es), en._(template).format(parent=parent_en)


def weight_nodes(scenario: Scenario) -> tuple[WeightNode, ...]:
    """Every weight of the scenario with its parent, in the scenario's order."""
    nodes: list[WeightNode] = []
    # The fund's base amount may sit in one place only: the root, or one category.
    base_places = [c.id for c in scenario.categories if c.base_weight] + (
        [ROOT] if scenario.base_weight else []
    )
    base_place = base_places[0] if base_places else ROOT
    seen: dict[str, int] = {}

    def unique(name: str) -> str:
        seen[name] = seen.get(name, 0) + 1
        return name if seen[name] == 1 else f"{name}#{seen[name]}"

    categories = {c.id: f"criteria/categories/{k}" for k, c in enumerate(scenario.categories)}
    for i, c in enumerate(scenario.criteria):
        parent = categories.get(c.category, ROOT)
        nodes.append(
            WeightNode(
                f"criteria/{i}", unique(c.indicator), parent, c.weight, c.label_es, c.label_en
            )
        )
    nodes.append(
        WeightNode(
            BASE,
            BASE,
            ROOT,
            scenario.base_weight,
            *_base_labels(),
            held=base_place != ROOT,
        )
    )
    for category in scenario.categories:
        key = categories[category.id]
        nodes.append(
            WeightNode(
                key,
                unique(category.id),
                categories.get(category.parent, ROOT),
                category.weight,
                category.label_es,
                category.label_en,
            )
        )
        nodes.append(
            WeightNode(
                f"{key}/base_weight",
                unique(f"{category.id}:{BASE}"),
                key,
                category.base_weight,
                *_base_labels(category.label(Language.ES), category.label(Language.EN)),
                held=base_place != category.id,
            )
        )
    for a, axis in enumerate(scenario.axes):
        if not axis.criteria:
            continue
        parent = f"axes/{a}"
        for j, c in enumerate(axis.criteria):
            nodes.append(
                WeightNode(
                    f"{parent}/criteria/{j}",
                    unique(f"{axis.id}:{c.indicator}"),
                    parent,
                    c.weight,
                    c.label_es,
                    c.label_en,
                )
            )
        nodes.append(
            WeightNode(
                f"{parent}/base_weight",
                f"{axis.id}:{BASE}",
                parent,
                axis.base_weight or 0.0,
                *_base_labels(
                    f"{axis.id} {axis.name_es}", f"{axis.id} {axis.name_en or axis.name_es}"
                ),
            )
        )
    return tuple(nodes)


def indicator_names(scenario: Scenario) -> tuple[str, ...]:
    """The indicators some criterion uses, in order of first use."""
    names: dict[str, None] = {}
    for c in scenario.criteria:
        names[c.indicator] = None
    for axis in scenario.axes:
        for c in axis.criteria:
            names[c.indicator] = None
    return tuple(names)


def moved(nodes: Sequence[WeightNode], weights: FloatArray, fixed: dict[int, float]) -> FloatArray:
    """The weights with the nodes in ``fixed`` set, their siblings scaled (module docstring)."""
    out = np.array(weights, dtype=np.float64)
    for parent in {nodes[i].parent for i in fixed}:
        members = [k for k, n in enumerate(nodes) if n.parent == parent and not n.held]
        chosen = [k for k in members if k in fixed]
        others = [k for k in members if k not in fixed]
        held = sum(float(weights[k]) for k in chosen)
        wanted = sum(fixed[k] for k in chosen)
        rest = 1.0 - held
        for k in chosen:
            out[k] = fixed[k]
        if others and rest > 0:
            factor = (1.0 - wanted) / rest
            for k in others:
                out[k] = float(weights[k]) * factor
        elif others:
            # The siblings hold nothing to scale: they share what is left equally.
            for k in others:
                out[k] = (1.0 - wanted) / len(others)
    return out


# ------------------------------------------------------------------------------- samples


@dataclass(frozen=True)
class Batch:
    """Samples ``start .. start + len`` of a study, as arrays.

    ``weights[s, k]``: node k's weight; ``factors[s, j, r]``: indicator j's factor in region r
    (regions in code order); ``band[s]``: (lower, upper) fractions, NaN where the scenario's own
    holds, for the samples that move a band limit.
    """

    start: int
    weights: FloatArray
    factors: FloatArray
    band: FloatArray

    def __len__(self) -> int:
        return len(self.weights)


@dataclass(frozen=True)
class Factor:
    """What one one-at-a-time sample moved: a weight, an indicator in a region, a band limit."""

    kind: str
    """``weight``, ``indicator`` or ``band``."""
    name: str
    """Node name, ``indicator@region`` or ``lower`` / ``upper``."""
    sign: int
    """+1 or -1."""
    base: float
    """The stated value (weight, 1.0 for an indicator factor, band fraction)."""
    value: float
    """The value in the sample."""


@dataclass(frozen=True)
class Study:
    """Base of the three studies: ``size`` samples, reproducible from the study alone."""

    @property
    def kind(self) -> str:
        raise NotImplementedError

    def validate(self, context: StudyContext | None = None) -> None:
        """Raise :class:`ScenarioError` (located at the option) for an invalid study."""
        raise NotImplementedError

    def size(self, context: StudyContext) -> int:
        raise NotImplementedError

    def batch(self, context: StudyContext, start: int, stop: int) -> Batch:
        raise NotImplementedError


@dataclass(frozen=True)
class StudyContext:
    """What a study needs to know of the scenario: nodes, indicators, regions, band."""

    nodes: tuple[WeightNode, ...]
    indicators: tuple[str, ...]
    regions: tuple[str, ...]
    band: Band | None

    @classmethod
    def of(cls, scenario: Scenario) -> StudyContext:
        codes = tuple(sorted(r.code for r in scenario.regions))
        return cls(weight_nodes(scenario), indicator_names(scenario), codes, scenario.rules.band)

    def sums_to_one(self, weights: FloatArray) -> bool:
        """Whether every parent's weights sum to 1 (as the checks require, within 1e-9)."""
        for parent in dict.fromkeys(n.parent for n in self.nodes):
            total = sum(float(weights[k]) for k, n in enumerate(self.nodes) if n.parent == parent)
            if abs(total - 1.0) > WEIGHT_TOLERANCE:
                return False
        return True

    @property
    def base_weights(self) -> FloatArray:
        return np.array([n.weight for n in self.nodes], dtype=np.float64)

    def empty(self, count: int, start: int) -> Batch:
        """``count`` samples of the stated scenario."""
        return Batch(
            start=start,
            weights=np.tile(self.base_weights, (count, 1)),
            factors=np.ones((count, len(self.indicators), len(self.regions))),
            band=np.full((count, 2), np.nan),
        )


def _bad(where: str, message: Message) -> ScenarioError:
    """A problem located at an option: English ``message`` kept, translated where shown."""
    return ScenarioError([problem(where, message, where)])


def _positive(where: str, value: float, limit: float | None = None) -> None:
    if not (math.isfinite(value) and value > 0):
        raise _bad(
            where, tr("{value} is not a positive number; give a number above 0", value=repr(value))
        )
    if limit is not None and value > limit:
        message = tr(
            "{value} is above the largest accepted, {limit}",
            value=repr(value),
            limit=format(limit, "g"),
        )
        raise _bad(where, message)


def _check_count(where: str, count: int) -> None:
    if count > MAX_SWEEP_SAMPLES:
        message = tr(
            "{count} samples are more than the {cap} a sweep may run "
            "(docs/limits.md); use fewer samples or a coarser grid",
            count=format(count, ","),
            cap=format(MAX_SWEEP_SAMPLES, ","),
        )
        raise _bad(where, message)


@dataclass(frozen=True)
class OneAtATime(Study):
    """Each weight by +/- ``weight_step`` (absolute), each indicator value of each region by
    a factor ``1 +/- indicator_step``, each band limit by +/- ``band_step`` (absolute).

    Sample 0 is the stated scenario; then the weights (+, - each), the indicators (by
    indicator, then region, + then -), the band's lower then upper limit (+, -). A weight is
    kept within [0, 1] and a factor above 0: a step that would leave them is cut there (the
    value moved to is recorded). A weight alone in its parent (a category with one criterion
    and no base amount) must stay 1 and is not moved. Scaling a whole indicator column would change nothing
    (criteria use each region's share of the column), so each region's value moves alone.
    """

    weight_step: float = 0.05
    indicator_step: float = 0.10
    band_step: float = 0.02

    @property
    def kind(self) -> str:
        return "one_at_a_time"

    def validate(self, context: StudyContext | None = None) -> None:
        _positive("--step", self.weight_step, 1.0)
        _positive("--indicator-step", self.indicator_step, 1.0)
        _positive("--band-step", self.band_step, 1.0)

    def factors(self, context: StudyContext) -> list[Factor]:
        out: list[Factor] = []
        movable = [n for n in context.nodes if not n.held]
        for node in context.nodes:
            if node.held or all(m.parent != node.parent for m in movable if m is not node):
                continue  # held at 0, or alone in its parent (it must stay 1)
            for sign in (1, -1):
                value = min(max(node.weight + sign * self.weight_step, 0.0), 1.0)
                out.append(Factor("weight", node.name, sign, node.weight, value))
        for indicator in context.indicators:
            for code in context.regions:
                for sign in (1, -1):
                    value = max(1.0 + sign * self.indicator_step, 0.0)
                    out.append(Factor("indicator", f"{indicator}@{code}", sign, 1.0, value))
        band = context.band
        if band is not None:
            for name, limit in (("lower", band.lower), ("upper", band.upper)):
                if limit is None:
                    continue
                for sign in (1, -1):
                    out.append(Factor("band", name, sign, limit, limit + sign * self.band_step))
        return out

    def size(self, context: StudyContext) -> int:
        return 1 + len(self.factors(context))

    def batch(self, context: StudyContext, start: int, stop: int) -> Batch:
        batch = context.empty(stop - start, start)
        factors = self.factors(context)
        names = {n.name: k for k, n in enumerate(context.nodes)}
        indicators = {name: j for j, name in enumerate(context.indicators)}
        regions = {code: r for r, code in enumerate(context.regions)}
        base = context.base_weights
        for s in range(start, stop):
            if s == 0:
                continue
            f = factors[s - 1]
            row = s - start
            if f.kind == "weight":
                batch.weights[row] = moved(context.nodes, base, {names[f.name]: f.value})
            elif f.kind == "indicator":
                indicator, code = f.name.split("@", 1)
                batch.factors[row, indicators[indicator], regions[code]] = f.value
            else:
                batch.band[row, 0 if f.name == "lower" else 1] = f.value
        return batch


@dataclass(frozen=True)
class MonteCarlo(Study):
    """``samples`` draws: Dirichlet weights (``concentration``), lognormal indicator errors."""

    samples: int = 1000
    seed: int = 0
    concentration: float = 100.0
    indicator_error: float = 0.05
    """Relative error sigma of the indicator values (0: indicators as stated)."""

    @property
    def kind(self) -> str:
        return "monte_carlo"

    def validate(self, context: StudyContext | None = None) -> None:
        if self.samples < 1:
            raise _bad("--monte-carlo", tr("{n} samples: give at least 1", n=self.samples))
        _check_count("--monte-carlo", self.samples)
        _positive("--concentration", self.concentration, MAX_CONCENTRATION)
        if not (math.isfinite(self.indicator_error) and self.indicator_error >= 0):
            message = tr(
                "{value} is not a relative error: give a number >= 0",
                value=repr(self.indicator_error),
            )
            raise _bad("--indicator-error", message)
        if self.indicator_error > MAX_RELATIVE_ERROR:
            message = tr(
                "{value} is above the largest accepted relative error, {limit}",
                value=repr(self.indicator_error),
                limit=format(MAX_RELATIVE_ERROR, "g"),
            )
            raise _bad("--indicator-error", message)
        if not 0 <= self.seed < 2**63:
            raise _bad("--seed", tr("{n} is not a seed: give a whole number >= 0", n=self.seed))

    def size(self, context: StudyContext) -> int:
        return self.samples

    def _block(self, context: StudyContext, block: int) -> Batch:
        """Samples ``block * SAMPLE_BLOCK ..`` as drawn from the block's own generator."""
        start = block * SAMPLE_BLOCK
        count = min(SAMPLE_BLOCK, self.samples - start)
        rng = np.random.default_rng([self.seed, block])
        batch = context.empty(count, start)
        nodes = context.nodes
        for parent in dict.fromkeys(n.parent for n in nodes):
            members = [k for k, n in enumerate(nodes) if n.parent == parent and n.weight > 0]
            if len(members) < 2:
                continue
            alpha = self.concentration * np.array([nodes[k].weight for k in members])
            batch.weights[:, members] = rng.dirichlet(alpha, size=count)
        if self.indicator_error > 0:
            shape = (count, len(context.indicators), len(context.regions))
            batch.factors[...] = np.exp(self.indicator_error * rng.standard_normal(shape))
        return batch

    def batch(self, context: StudyContext, start: int, stop: int) -> Batch:
        parts = []
        for block in range(start // SAMPLE_BLOCK, (stop - 1) // SAMPLE_BLOCK + 1):
            drawn = self._block(context, block)
            lo = max(start - drawn.start, 0)
            hi = min(stop - drawn.start, len(drawn))
            parts.append((drawn.weights[lo:hi], drawn.factors[lo:hi], drawn.band[lo:hi]))
        return Batch(
            start=start,
            weights=np.concatenate([p[0] for p in parts]),
            factors=np.concatenate([p[1] for p in parts]),
            band=np.concatenate([p[2] for p in parts]),
        )


@dataclass(frozen=True)
class GridAxis:
    """One weight over ``start, start + step, ..`` up to ``stop`` (included, to 1e-9)."""

    name: str
    start: float
    stop: float
    step: float

    def values(self) -> list[float]:
        count = math.floor((self.stop - self.start) / self.step + 1e-9) + 1
        return [round(self.start + k * self.step, 12) for k in range(count)]


@dataclass(frozen=True)
class Grid(Study):
    """A planner's grid over one or two weights; the plan at each point (siblings renormalised)."""

    axes: tuple[GridAxis, ...] = field(default_factory=tuple)

    @property
    def kind(self) -> str:
        return "grid"

    def validate(self, context: StudyContext | None = None) -> None:
        if not 1 <= len(self.axes) <= 2:
            raise _bad("--grid", tr("{n} grid weights: give one or two", n=len(self.axes)))
        for g in self.axes:
            where = f"--grid {g.name}"
            _positive(where, g.step)
            for value in (g.start, g.stop):
                if not (math.isfinite(value) and 0 <= value <= 1):
                    message = tr(
                        "{value} is not a weight: give values in [0, 1]", value=repr(value)
                    )
                    raise _bad(where, message)
            if g.stop < g.start:
                message = tr(
                    "the end {stop} is below the start {start}", stop=g.stop, start=g.start
                )
                raise _bad(where, message)
            if (g.stop - g.start) / g.step > MAX_SWEEP_SAMPLES:
                _check_count(where, MAX_SWEEP_SAMPLES + 1)
        _check_count("--grid", math.prod(len(g.values()) for g in self.axes))
        if context is None:
            return
        names = {n.name: n for n in context.nodes} | {n.key: n for n in context.nodes}
        chosen = []
        for g in self.axes:
            if g.name not in names:
                known = ", ".join(n.name for n in context.nodes)
                message = tr(
                    "unknown weight '{name}'; the scenario's weights are: {known}",
                    name=g.name,
                    known=known,
                )
                raise _bad(f"--grid {g.name}", message)
            if names[g.name].held:
                message = tr(
                    "'{name}' is a base amount the scenario does not use: the base amount "
                    "sits in one place only; grid the one the scenario states",
                    name=g.name,
                )
                raise _bad(f"--grid {g.name}", message)
            chosen.append(names[g.name])
        if len(chosen) == 2:
            a, b = chosen
            if a.key == b.key:
                raise _bad("--grid", tr("the weight '{name}' is given twice", name=a.name))
            if a.parent == b.parent and self.axes[0].start + self.axes[1].start > 1 + 1e-9:
                message = tr(
                    "'{first}' and '{second}' share a parent whose weights sum to 1: "
                    "every point of this grid adds them up to more than 1",
                    first=a.name,
                    second=b.name,
                )
                raise _bad("--grid", message)

    def points(self) -> list[tuple[float, ...]]:
        return list(itertools.product(*(g.values() for g in self.axes)))

    def size(self, context: StudyContext) -> int:
        return len(self.points())

    def batch(self, context: StudyContext, start: int, stop: int) -> Batch:
        batch = context.empty(stop - start, start)
        index = {n.name: k for k, n in enumerate(context.nodes)}
        index.update({n.key: k for k, n in enumerate(context.nodes)})
        keys = [index[g.name] for g in self.axes]
        base = context.base_weights
        points = self.points()
        for s in range(start, stop):
            fixed = dict(zip(keys, points[s], strict=True))
            weights = moved(context.nodes, base, fixed)
            # A point asking more of a parent than it holds (or, when the two weights are
            # their parent's only ones, not exactly all of it) has no scenario: reported invalid.
            ok = bool((weights >= -1e-12).all()) and context.sums_to_one(weights)
            batch.weights[s - start] = np.maximum(weights, 0.0) if ok else np.nan
        return batch


# --------------------------------------------------------------------------- one sample


def sample_scenario(scenario: Scenario, context: StudyContext, batch: Batch, row: int) -> Scenario:
    """The scenario of one sample: what ``allocate()`` is given for it (and the tests compare).

    Regions are in code order; weights, indicator values and band limits as the batch says.
    """
    nodes = context.nodes
    weights = {n.key: float(batch.weights[row, k]) for k, n in enumerate(nodes)}
    criteria = tuple(
        replace(c, weight=weights[f"criteria/{i}"]) for i, c in enumerate(scenario.criteria)
    )
    axes = []
    for a, stated in enumerate(scenario.axes):
        axis = stated
        if stated.criteria:
            parent = f"axes/{a}"
            own: tuple[Criterion, ...] = tuple(
                replace(c, weight=weights[f"{parent}/criteria/{j}"])
                for j, c in enumerate(stated.criteria)
            )
            axis = replace(stated, criteria=own, base_weight=weights[f"{parent}/base_weight"])
        axes.append(axis)
    categories = tuple(
        replace(
            c,
            weight=weights[f"criteria/categories/{k}"],
            base_weight=weights[f"criteria/categories/{k}/base_weight"],
        )
        for k, c in enumerate(scenario.categories)
    )
    regions = sorted(scenario.regions, key=lambda r: r.code)
    factors = batch.factors[row]
    if (factors != 1.0).any():
        changed = []
        for r, region in enumerate(regions):
            values = dict(region.indicators)
            for j, indicator in enumerate(context.indicators):
                f = float(factors[j, r])
                if f != 1.0:
                    values[indicator] = float(values[indicator]) * f
            changed.append(replace(region, indicators=values))
        regions = changed
    rules = scenario.rules
    lower, upper = batch.band[row].tolist()
    if rules.band is not None and not (math.isnan(lower) and math.isnan(upper)):
        band = replace(
            rules.band,
            lower=rules.band.lower if math.isnan(lower) else lower,
            upper=rules.band.upper if math.isnan(upper) else upper,
        )
        rules = replace(rules, band=band)
    return replace(
        scenario,
        criteria=criteria,
        categories=categories,
        base_weight=weights[BASE],
        axes=tuple(axes),
        regions=tuple(regions),
        rules=rules,
    )
