"""The batch engine: many samples of one scenario, sharing everything but the targets.

A sample changes weights and indicator values, so only the formula targets change: the rules
(fund, region boxes, axis shares, cell minimums) are turned into integer pesos once
(:class:`~optimizer.model.ModelData`), the scenario is checked once, and the targets of a whole
batch are one array operation. Each sample then takes the path ``allocate()`` takes for it:

1. the closed form of ``proportional`` (water-filling of region totals, bisection done for the
   batch at once, then of each region's total over its axes), kept when it holds every rule
   to the closed form's tolerance (``objectives.closed_form_tolerance``), which proves it is
   the lexicographic optimum. ``allocate()`` also solves the certificate LP, but only for the
   marginal values: the plan is the closed form's whatever the LP says, so the sweep, which
   reports no marginal values, does not solve it;
2. exact rounding (``rounding.round_cells``) and the exact integer re-check of every rule
   (``model.violations``' decisions for the whole batch at once, :mod:`.recheck`);
3. for a sample the closed form does not cover (a binding axis share, another objective, a
   sample that moves a band limit and so the rules), ``allocate()`` on the sample's scenario.

Every float operation of the targets and the bisection is the one ``allocate()`` performs,
element by element and in the same order (row sums of contiguous rows are the sums of the
rows alone), so each sample's plan is the plan ``allocate()`` gives for its scenario, to the
peso; ``tests/test_sweep_engine.py`` compares them on random samples.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from optimizer.checks import WEIGHT_TOLERANCE, check_scenario
from optimizer.domain import (
    AllocateOptions,
    Criterion,
    Direction,
    Normalisation,
    Objective,
    Scenario,
)
from optimizer.errors import InfeasibleError, ScenarioError, SolverError
from optimizer.explain import precheck_conflicts
from optimizer.formula import (
    DEFAULT_SHIFT,
    FloatArray,
    axis_target_shares,
    compute_targets,
    effective_criteria,
    guaranteed_amounts,
    proposal_mixes,
)
from optimizer.indicators import with_derived
from optimizer.model import build_model_data, violations
from optimizer.objectives import _fill_cells, closed_form_tolerance
from optimizer.pipeline import allocate, raise_for_guaranteed
from optimizer.rounding import (
    WholeUnitsInfeasible,
    _boxes,
    _holds,
    _round_totals,
    _round_within_totals,
    _snap,
    round_cells,
)
from optimizer.sweep.recheck import floats_hold, pesos_hold
from optimizer.sweep.study import BASE, Batch, StudyContext, sample_scenario

IntArray = npt.NDArray[np.int64]

logger = logging.getLogger(__name__)

OK = 0
INFEASIBLE = 1
SOLVER_FAILURE = 2
INVALID = 3
"""Sample statuses: a plan; infeasible rules; the solver failed; a grid point with no scenario."""
STATUS_NAMES = ("ok", "infeasible", "solver_failure", "invalid")

BISECTION_STEPS = 200
"""As ``objectives.waterfill``."""


@dataclass(frozen=True)
class ChunkResult:
    """Plans of samples ``start .. start + len``: cells in pesos (regions by code, axes in the
    scenario's order), a status per sample, and whether ``allocate()`` computed it."""

    start: int
    amounts: IntArray
    status: npt.NDArray[np.int8]
    fallback: npt.NDArray[np.bool_]

    def __len__(self) -> int:
        return len(self.status)


@dataclass(frozen=True)
class _Group:
    """Criteria sharing a parent: (criterion, node index, indicator index) and the base node."""

    criteria: tuple[tuple[Criterion, int, int], ...]
    base: int


def _normalise(values: FloatArray, criterion: Criterion) -> FloatArray:
    """``formula.normalise`` on each row of ``values`` (samples x regions)."""
    v = values
    if criterion.normalisation is Normalisation.SHIFTED_SHARE:
        low = v.min(axis=1)
        span = v.max(axis=1) - low
        shift = DEFAULT_SHIFT if criterion.shift is None else criterion.shift
        shifted = v - low[:, None] + (shift * span)[:, None]
        v = np.where((span == 0.0)[:, None], np.ones_like(v), shifted)
    if criterion.direction is Direction.HIGHER_NEEDS_LESS:
        v = 1.0 / v
    total = v.sum(axis=1)
    return np.asarray(v / total[:, None], dtype=np.float64)


def _waterfill_rows(
    targets: FloatArray, lo: FloatArray, hi: FloatArray, total: float
) -> FloatArray:
    """``objectives.waterfill`` for every row of ``targets`` at once, to the last bit."""
    count = len(targets)
    limit = 2.0 * np.max(hi / targets, axis=1, initial=1.0) + 1.0
    low = np.zeros(count)
    high = np.ones(count)
    while True:
        grow = (np.clip(high[:, None] * targets, lo, hi).sum(axis=1) < total) & (high < limit)
        if not grow.any():
            break
        high = np.where(grow, high * 2.0, high)
    for _ in range(BISECTION_STEPS):
        mid = 0.5 * (low + high)
        below = np.clip(mid[:, None] * targets, lo, hi).sum(axis=1) < total
        low = np.where(below, mid, low)
        high = np.where(below, high, mid)
    x = np.clip(high[:, None] * targets, lo, hi)
    for s in range(count):
        # The last step sums a different subset per row: one row at a time, as waterfill does.
        row, t = x[s], targets[s]
        free = (row > lo) & (row < hi)
        if free.any():
            held = float(row[~free].sum())
            lam = (total - held) / float(t[free].sum())
            x[s] = np.where(free, np.clip(lam * t, lo, hi), row)
    return np.asarray(x, dtype=np.float64)


class BatchEngine:
    """Plans for many samples of one scenario (module docstring).

    Parameters
    ----------
    scenario
        The stated scenario; checked once here.
    objective
        Overrides the scenario's objective; only ``proportional`` has the closed form, any
        other sends every sample through ``allocate()``.

    Raises
    ------
    ScenarioError
        The stated scenario fails its checks.
    """

    def __init__(self, scenario: Scenario, objective: Objective | None = None) -> None:
        scenario = replace(scenario, regions=tuple(sorted(scenario.regions, key=lambda r: r.code)))
        problems = check_scenario(scenario)
        if any(p.severity == "error" for p in problems):
            raise ScenarioError(problems)
        # Declared indicators become plain columns once: the samples move the values the
        # criteria read (a sample's scenario carries them, and no declarations to recompute).
        scenario = replace(with_derived(scenario), derived=())
        self.scenario = scenario
        self.objective = objective or scenario.objective
        self.options = AllocateOptions(objective=objective)
        self.context = StudyContext.of(scenario)
        ordered = replace(scenario, axes=tuple(sorted(scenario.axes, key=lambda a: a.id)))
        try:
            raise_for_guaranteed(ordered)
            guaranteed_ok = True
        except InfeasibleError:
            guaranteed_ok = False
        targets = compute_targets(ordered)
        self.data = build_model_data(ordered, targets)
        self.infeasible = not guaranteed_ok or bool(precheck_conflicts(self.data))
        fund = float(ordered.fund.total)
        self.axis_amounts = axis_target_shares(ordered) * fund
        # Guaranteed amounts taken off the top, as formula._take_off_the_top does it.
        guaranteed = guaranteed_amounts(ordered)
        self.top: tuple[float, FloatArray] | None = None
        if guaranteed is not None:
            g = np.array(guaranteed, dtype=np.float64)
            excess = max(fund - float(sum(guaranteed)), 0.0)
            tau = self.axis_amounts / fund if fund > 0 else self.axis_amounts
            self.top = (excess / fund if fund > 0 else 0.0, np.outer(g, tau))
        mixes = proposal_mixes(ordered) if ordered.proposals else {}
        self.mixes = [
            (r, mixes[region.code])
            for r, region in enumerate(ordered.regions)
            if region.code in mixes
        ]
        position = {axis: a for a, axis in enumerate(self.data.axes)}
        self.order = [position[axis.id] for axis in scenario.effective_axes]
        nodes = {n.key: k for k, n in enumerate(self.context.nodes)}
        indicators = {name: j for j, name in enumerate(self.context.indicators)}
        self.values = np.array(
            [[float(r.indicators[name]) for r in scenario.regions] for name in indicators],
            dtype=np.float64,
        ).reshape(len(indicators), len(scenario.regions))

        def group(parent: str, criteria: tuple[Criterion, ...], base: str) -> _Group:
            return _Group(
                tuple(
                    (c, nodes[f"{parent}criteria/{i}"], indicators[c.indicator])
                    for i, c in enumerate(criteria)
                ),
                nodes[base],
            )

        root = group("", scenario.criteria, BASE)
        by_id = {
            axis.id: group(f"axes/{a}/", axis.criteria, f"axes/{a}/base_weight")
            for a, axis in enumerate(scenario.axes)
            if axis.criteria
        }
        self.groups = [root, *by_id.values()]
        self.base_node = nodes[BASE]
        self.parents = [
            [k for k, n in enumerate(self.context.nodes) if n.parent == parent]
            for parent in dict.fromkeys(n.parent for n in self.context.nodes)
        ]
        self.axis_group = [
            1 + list(by_id).index(axis) if axis in by_id else 0 for axis in self.data.axes
        ]
        box = np.array(self.data.region_boxes, dtype=np.float64).reshape(-1, 2)
        self.lo, self.hi = box[:, 0], box[:, 1]
        fund = float(self.data.fund)
        self.closed_form = (
            self.objective is Objective.PROPORTIONAL
            and not self.infeasible
            and not (self.lo.sum() > fund or self.hi.sum() < fund or (self.lo > self.hi).any())
        )
        self.tolerance = closed_form_tolerance(self.data)
        self.boxes = _boxes(self.data)

    # -- targets ---------------------------------------------------------------------------

    def _shares(self, group: _Group, weights: FloatArray, values: FloatArray) -> FloatArray:
        """``formula.region_shares`` for every sample: (samples x regions)."""
        count, n = weights.shape[0], values.shape[2]
        base = np.broadcast_to((weights[:, group.base] / n)[:, None], (count, n))
        parts: dict[str, FloatArray] = {BASE: np.asarray(base, dtype=np.float64)}
        for criterion, k, j in group.criteria:
            share = weights[:, k][:, None] * _normalise(values[:, j, :], criterion)
            previous = parts.get(criterion.indicator, np.zeros((count, n)))
            parts[criterion.indicator] = previous + share
        total = np.zeros((count, n))
        for share in parts.values():
            total = total + share
        return total

    def _effective(self, weights: FloatArray) -> FloatArray:
        """The fund's criteria and base amount at their effective weights (products along the
        categories), per sample, by ``formula.effective_criteria`` itself."""
        scenario = self.scenario
        if not scenario.categories:
            return weights
        out = weights.copy()
        nodes = {n.key: k for k, n in enumerate(self.context.nodes)}
        criteria_nodes = [nodes[f"criteria/{i}"] for i in range(len(scenario.criteria))]
        category_nodes = [
            (nodes[f"criteria/categories/{k}"], nodes[f"criteria/categories/{k}/base_weight"])
            for k in range(len(scenario.categories))
        ]
        for s, row in enumerate(weights.tolist()):
            if any(math.isnan(w) for w in row):
                continue
            sample = replace(
                scenario,
                criteria=tuple(
                    replace(c, weight=row[k])
                    for c, k in zip(scenario.criteria, criteria_nodes, strict=True)
                ),
                categories=tuple(
                    replace(c, weight=row[k], base_weight=row[b])
                    for c, (k, b) in zip(scenario.categories, category_nodes, strict=True)
                ),
                base_weight=row[self.base_node],
            )
            criteria, base = effective_criteria(sample)
            out[s, criteria_nodes] = [c.weight for c in criteria]
            out[s, self.base_node] = base
        return out

    def targets(self, batch: Batch) -> FloatArray:
        """Cell targets (samples x regions x axes, axes by id), as ``compute_targets``."""
        values = self.values[None, :, :] * batch.factors
        weights = self._effective(batch.weights)
        shares = [self._shares(g, weights, values) for g in self.groups]
        count, n, m = len(batch), len(self.scenario.regions), self.data.m
        cell = np.zeros((count, n, m))
        for a in range(m):
            cell[:, :, a] = shares[self.axis_group[a]] * self.axis_amounts[a]
        if self.top is not None:
            factor, kept = self.top
            cell = cell * factor + kept[None, :, :]
        if self.mixes:
            # Proposing states split their total by their own mix (formula.proposal_split).
            out = cell.copy()
            for r, mix in self.mixes:
                out[:, r, :] = cell[:, r, :].sum(axis=1)[:, None] * mix[None, :]
            cell = out
        return cell

    # -- plans -----------------------------------------------------------------------------

    def run(self, batch: Batch) -> ChunkResult:
        """The plan of every sample of the batch."""
        count, n, m = len(batch), self.data.n, self.data.m
        amounts = np.zeros((count, n, m), dtype=np.int64)
        status = np.zeros(count, dtype=np.int8)
        fallback = np.zeros(count, dtype=np.bool_)
        invalid = np.asarray(np.isnan(batch.weights).any(axis=1), dtype=np.bool_)
        # A safety net under the studies: weights allocate() would refuse are never solved.
        for members in self.parents:
            total = batch.weights[:, members].sum(axis=1)
            invalid |= ~(np.abs(total - 1.0) <= WEIGHT_TOLERANCE)
        invalid |= (batch.weights < 0).any(axis=1)
        status[invalid] = INVALID
        rules_moved = np.asarray(~np.isnan(batch.band).all(axis=1), dtype=np.bool_)
        fast = ~invalid & ~rules_moved
        planned: dict[int, IntArray] = {}
        if self.closed_form and fast.any():
            which = np.flatnonzero(fast)
            sub = Batch(batch.start, batch.weights[which], batch.factors[which], batch.band[which])
            cells, kept = self._closed_form(sub)
            for k in np.flatnonzero(kept).tolist():
                plan = self._rounded(cells[k])
                if plan is not None:
                    planned[int(which[k])] = plan
            if planned:
                # Our own re-check of every rule on the whole pesos, as allocate() makes it.
                rows = list(planned)
                held = pesos_hold(np.stack([planned[s] for s in rows]), self.data)
                for s, ok in zip(rows, held.tolist(), strict=True):
                    if not ok:
                        logger.warning(
                            "sample %d: the rounded closed form fails the re-check (%s); "
                            "solved by allocate()",
                            batch.start + s,
                            "; ".join(violations(planned[s], self.data)[:3]),
                        )
                        del planned[s]
        for s in range(count):
            if invalid[s]:
                continue
            if self.infeasible and not rules_moved[s]:
                status[s] = INFEASIBLE
                continue
            plan = planned.get(s)
            if plan is not None:
                amounts[s] = plan
                continue
            fallback[s] = True
            status[s], amounts[s] = self._allocate(batch, s)
        return ChunkResult(batch.start, amounts[:, :, self.order], status, fallback)

    def _closed_form(self, batch: Batch) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
        """``objectives._proportional_by_waterfilling``'s cells per sample, and whether each
        keeps every rule (to the closed form's tolerance), which makes it the optimum."""
        data = self.data
        cell = self.targets(batch)
        region = cell.sum(axis=2)
        t = np.maximum(region, data.target_floor)
        totals = _waterfill_rows(t, self.lo, self.hi, float(data.fund))
        count, n, m = cell.shape
        if m == 1:
            cells = totals[:, :, None]
        else:
            region_target = np.maximum(cell.sum(axis=2), 1.0)
            cell_target = np.maximum(cell * (totals / region_target)[:, :, None], data.target_floor)
            minima = np.maximum(
                np.array(data.cell_min, dtype=np.float64)[None, :, :],
                np.array(data.cell_min_share, dtype=np.float64)[None, :, :] * totals[:, :, None],
            )
            cells = _fill_cells(
                totals.reshape(count * n),
                cell_target.reshape(count * n, m),
                minima.reshape(count * n, m),
            ).reshape(count, n, m)
        return cells, floats_hold(cells, data, self.tolerance)

    def _rounded(self, cells: FloatArray) -> IntArray | None:
        """Exact pesos for the closed form's cells, re-checked (None: let ``allocate()`` say).

        ``round_cells``' first step (the vectorised greedy and its exact integer check) with
        the rules in rounding units computed once for the sweep rather than once per sample;
        when that step does not stand, ``round_cells`` itself runs, every step.
        """
        data, boxes, unit = self.data, self.boxes, self.data.unit
        value = _snap(np.asarray(cells, dtype=np.float64) / unit)
        fund = data.fund // unit
        totals = _round_totals(
            _snap(np.asarray(cells, dtype=np.float64).sum(axis=1) / unit), boxes, fund
        )
        fast = None if totals is None else _round_within_totals(value, totals, boxes)
        if fast is not None and _holds(fast, boxes, fund):
            rounded = fast * unit
        else:
            try:
                rounded = np.asarray(round_cells(cells, data), dtype=np.int64)
            except (WholeUnitsInfeasible, SolverError):
                return None
        return np.asarray(rounded, dtype=np.int64).reshape(data.n, data.m)

    def _allocate(self, batch: Batch, row: int) -> tuple[int, IntArray]:
        """``allocate()`` on the sample's scenario: its status and cells (axes by id)."""
        n, m = self.data.n, self.data.m
        empty = np.zeros((n, m), dtype=np.int64)
        scenario = sample_scenario(self.scenario, self.context, batch, row)
        try:
            plan = allocate(scenario, self.options)
        except InfeasibleError:
            return INFEASIBLE, empty
        except ScenarioError:
            # A moved band limit can break a check (lower above upper): no scenario to solve.
            return INVALID, empty
        except SolverError:
            return SOLVER_FAILURE, empty
        cells = np.array([c.amount for c in plan.cells], dtype=np.int64).reshape(n, m)
        # The plan's axes are in the scenario's order; the engine keeps them by id until the end.
        inverse = np.argsort(self.order)
        return OK, cells[:, inverse]

    def baseline(self) -> ChunkResult:
        """The stated scenario's plan, through the same path."""
        return self.run(self.context.empty(1, 0))


def chunk_bounds(size: int, chunk: int) -> list[tuple[int, int]]:
    """``[start, stop)`` of each chunk of ``chunk`` samples."""
    return [(s, min(s + chunk, size)) for s in range(0, size, max(chunk, 1))]


def default_chunk(size: int, workers: int) -> int:
    """Samples per task: thousands, about four tasks per worker, a multiple of the draw block."""
    from optimizer.sweep.study import SAMPLE_BLOCK

    per = math.ceil(size / max(4 * workers, 1))
    blocks = max(1, min(8, math.ceil(per / SAMPLE_BLOCK)))
    return blocks * SAMPLE_BLOCK
