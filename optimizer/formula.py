"""Criteria -> formula targets per region and per (region, axis), with peso contributions.

A region's share of an amount ``A`` is ``base_weight / n + sum_c w_c * norm_c(region)``, where
``norm_c`` is the region's share of the national total of criterion ``c``'s indicator (of the
inverse indicator for ``higher_needs_less``; shifted first for ``shifted_share``). The shares sum
to 1, so the targets sum to ``A`` exactly (up to float rounding).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal

import numpy as np
import numpy.typing as npt

from optimizer.domain import (
    Criterion,
    Direction,
    Normalisation,
    Scenario,
    category_weights,
)
from optimizer.indicators import with_derived
from optimizer.tree import Tree

BASE_SOURCE = "base_amount"
GUARANTEED_SOURCE = "guaranteed"
DEFAULT_SHIFT = 0.01

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Targets:
    """Formula targets in (float) pesos.

    ``cell[r, a]`` is region r's target for axis a; ``contributions[source][r]`` the pesos of
    region r's target that come from one criterion's indicator (or the base amount).
    """

    regions: tuple[str, ...]
    axes: tuple[str, ...]
    axis_amounts: FloatArray
    cell: FloatArray
    contributions: dict[str, FloatArray]
    guaranteed: tuple[int, ...] = field(default=())
    """Per region, the guaranteed amount taken off the top (empty: none)."""

    @property
    def region(self) -> FloatArray:
        """Region totals of the targets."""
        return np.asarray(self.cell.sum(axis=1), dtype=np.float64)


def normalise(values: FloatArray, criterion: Criterion) -> FloatArray:
    """Turn one indicator's values into shares that sum to 1 across regions."""
    v = np.asarray(values, dtype=np.float64)
    if criterion.normalisation is Normalisation.SHIFTED_SHARE:
        span = float(v.max() - v.min())
        shift = DEFAULT_SHIFT if criterion.shift is None else criterion.shift
        # Equal values carry no information: every region gets the same share.
        v = np.ones_like(v) if span == 0.0 else v - v.min() + shift * span
    if criterion.direction is Direction.HIGHER_NEEDS_LESS:
        v = 1.0 / v
    total = float(v.sum())
    return np.asarray(v / total, dtype=np.float64)


def region_shares(
    scenario: Scenario, criteria: tuple[Criterion, ...], base_weight: float
) -> tuple[FloatArray, dict[str, FloatArray]]:
    """Shares of an amount per region, and the part of each share due to each source."""
    n = len(scenario.regions)
    parts: dict[str, FloatArray] = {BASE_SOURCE: np.full(n, base_weight / n)}
    for criterion in criteria:
        values = np.array(
            [float(r.indicators[criterion.indicator]) for r in scenario.regions], dtype=np.float64
        )
        share = criterion.weight * normalise(values, criterion)
        parts[criterion.indicator] = parts.get(criterion.indicator, np.zeros(n)) + share
    total = np.zeros(n)
    for share in parts.values():
        total = total + share
    return total, parts


def _dec(x: float) -> Decimal:
    # repr() keeps the decimal the planner wrote: 0.6 x 0.3 is 0.18, as a hand-flattened file says.
    return Decimal(repr(float(x)))


def effective_criteria(scenario: Scenario) -> tuple[tuple[Criterion, ...], float]:
    """The fund's criteria with effective weights, and the effective base-amount weight.

    A flat scenario (no categories) comes back unchanged, bit for bit.
    """
    if not scenario.categories:
        return scenario.criteria, scenario.base_weight
    weights = category_weights(scenario)
    criteria = tuple(
        replace(c, weight=float(_dec(c.weight) * weights[c.category]))
        if c.category in weights
        else c
        for c in scenario.criteria
    )
    base = _dec(scenario.base_weight) + sum(
        (weights[c.id] * _dec(c.base_weight) for c in scenario.categories if c.base_weight),
        Decimal(0),
    )
    return criteria, float(base)


def source_categories(scenario: Scenario) -> dict[str, str]:
    """Source (indicator, or the base amount) -> the innermost category holding it."""
    out = {c.indicator: c.category for c in scenario.criteria if c.category}
    for category in scenario.categories:
        if category.base_weight:
            out[BASE_SOURCE] = category.id
    return out


def guaranteed_amounts(scenario: Scenario) -> list[int] | None:
    """Per region (scenario order), the guaranteed pesos; None when the scenario has none."""
    if scenario.guaranteed is None:
        return None
    return scenario.guaranteed.per_region(scenario.regions, scenario.fund.rounding_unit)


def axis_target_shares(scenario: Scenario) -> FloatArray:
    """Each axis' share of the fund used for targets, normalised to sum to 1.

    With a programa tree the shares come down the tree (:mod:`optimizer.tree`).
    """
    if scenario.axis_groups:
        shares_by_id = Tree.of_scenario(scenario).target_shares()
        return np.array([shares_by_id[a.id] for a in scenario.effective_axes], dtype=np.float64)
    raw = []
    for axis in scenario.effective_axes:
        if axis.share is not None:
            raw.append(axis.share)
        elif axis.target_share is not None:
            raw.append(axis.target_share)
        else:
            raw.append((axis.lower_share + axis.upper_share) / 2.0)
    shares = np.array(raw, dtype=np.float64)
    total = float(shares.sum())
    if total <= 0.0:
        return np.full(len(raw), 1.0 / len(raw))
    return np.asarray(shares / total, dtype=np.float64)


def compute_targets(scenario: Scenario) -> Targets:
    """Formula targets per (region, axis) and the peso contribution of every source.

    Parameters
    ----------
    scenario
        A scenario that passed :func:`optimizer.checks.check_scenario`.

    Returns
    -------
    Targets
        ``cell`` sums to the fund; ``contributions`` sum to the region totals.
    """
    first = scenario.regions[0].indicators if scenario.regions else {}
    if any(d.name not in first for d in scenario.derived):
        scenario = with_derived(scenario)  # not yet evaluated (the pipeline does it first)
    axes = scenario.effective_axes
    fund = float(scenario.fund.total)
    axis_amounts = axis_target_shares(scenario) * fund
    n, m = len(scenario.regions), len(axes)
    cell = np.zeros((n, m))
    contributions: dict[str, FloatArray] = {}
    default = region_shares(scenario, *effective_criteria(scenario))
    for a, axis in enumerate(axes):
        if axis.criteria:
            base = axis.base_weight if axis.base_weight is not None else 0.0
            shares, parts = region_shares(scenario, axis.criteria, base)
        else:
            shares, parts = default
        cell[:, a] = shares * axis_amounts[a]
        for source, part in parts.items():
            contributions[source] = contributions.get(source, np.zeros(n)) + part * axis_amounts[a]
    guaranteed = guaranteed_amounts(scenario)
    if guaranteed is not None:
        cell, contributions = _take_off_the_top(guaranteed, fund, axis_amounts, cell, contributions)
    if scenario.proposals:
        cell = proposal_split(scenario, cell)
    return Targets(
        regions=tuple(r.code for r in scenario.regions),
        axes=tuple(axis.id for axis in axes),
        axis_amounts=axis_amounts,
        cell=cell,
        contributions=contributions,
        guaranteed=tuple(guaranteed or ()),
    )


def proposal_mixes(scenario: Scenario) -> dict[str, FloatArray]:
    """Each proposing state's programa mix over the leaves (sums to 1), by region code.

    A line on an inner node spreads over that node's leaves in the national target mix; amounts
    and shares both count only by their proportions (amounts are scaled to the final total).
    """
    tree = Tree.of_scenario(scenario)
    position = {leaf: a for a, leaf in enumerate(tree.leaves)}
    mixes: dict[str, FloatArray] = {}
    spread: dict[str, dict[str, float]] = {}
    for line in scenario.proposals:
        value = float(line.amount if line.amount is not None else (line.share or 0.0))
        mix = mixes.setdefault(line.region, np.zeros(len(tree.leaves)))
        if line.axis not in spread:
            spread[line.axis] = tree.leaf_mix(line.axis)
        for leaf, part in spread[line.axis].items():
            mix[position[leaf]] += value * part
    out = {}
    for region, mix in mixes.items():
        total = float(mix.sum())
        if total > 0:
            out[region] = np.asarray(mix / total, dtype=np.float64)
    return out


def proposal_split(scenario: Scenario, cell: FloatArray) -> FloatArray:
    """Cell targets with each proposing state's total split by its own mix, not the national one.

    The state's total target (what the criteria give it) is unchanged; only its split among the
    programas follows its proposal. States without a proposal keep the national split.
    """
    out = cell.copy()
    mixes = proposal_mixes(scenario)
    for r, region in enumerate(scenario.regions):
        mix = mixes.get(region.code)
        if mix is not None:
            out[r, :] = float(cell[r, :].sum()) * mix
    return out


def _take_off_the_top(
    guaranteed: list[int],
    fund: float,
    axis_amounts: FloatArray,
    cell: FloatArray,
    contributions: dict[str, FloatArray],
) -> tuple[FloatArray, dict[str, FloatArray]]:
    """Targets of "guaranteed amount plus a formula on the excess".

    ``t[r,a] = tau_a (G_r + (F - sum G) s_a(r))``: each region keeps its guaranteed amount
    (split among axes like the fund) and the criteria share only the excess ``F - sum G``.
    """
    g = np.array(guaranteed, dtype=np.float64)
    excess = max(fund - float(sum(guaranteed)), 0.0)
    factor = excess / fund if fund > 0 else 0.0
    tau = axis_amounts / fund if fund > 0 else axis_amounts
    out = {source: part * factor for source, part in contributions.items()}
    out[GUARANTEED_SOURCE] = g * float(tau.sum())
    return cell * factor + np.outer(g, tau), out
