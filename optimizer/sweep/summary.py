"""What a sweep says: per state percentiles, floor and cap probabilities, effects, grid plans.

Amounts are whole pesos: percentiles are sample values (the ``inverted_cdf`` method, no
interpolation between two plans), changes are differences of plans. Probabilities and
elasticities are ratios (floats, informative, not money).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from optimizer.domain import Language, Scenario
from optimizer.sweep.engine import OK
from optimizer.sweep.runner import SweepResult
from optimizer.sweep.study import Grid, MonteCarlo, OneAtATime

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class RegionStats:
    """A state across the Monte Carlo samples."""

    code: str
    name: str
    baseline: int
    p5: int
    p50: int
    p95: int
    p_floor: float
    """Share of the samples with the state on its floor (band floor, floor, minimums)."""
    p_cap: float
    rank: int
    """Rank of the stated plan (1: the largest amount)."""
    rank_p5: int
    rank_p95: int
    rank_stable: float
    """Share of the samples in which the state keeps its stated rank."""


@dataclass(frozen=True)
class Effect:
    """One factor moved up and down, and what it did to one state's amount."""

    region: str
    kind: str
    name: str
    base: float
    up: float
    down: float
    change_up: int | None
    change_down: int | None
    elasticity: float | None
    """(relative change of the amount) / (relative change of the factor), central; None for
    band limits (their stated value may be 0) and when a side has no plan."""

    @property
    def swing(self) -> int:
        return max(abs(self.change_up or 0), abs(self.change_down or 0))


@dataclass(frozen=True)
class GridRow:
    """The plan of one grid point for one state."""

    point: int
    values: tuple[float, ...]
    region: str
    status: str
    amount: int | None
    change: int | None


@dataclass(frozen=True)
class Summary:
    """Everything the outputs render."""

    kind: str
    samples: int
    ok: int
    without_plan: int
    """Samples with no plan (infeasible rules, a solver failure, an invalid grid point)."""
    fallback: int
    seconds: float
    names: dict[str, str]
    baseline: dict[str, int]
    regions: tuple[RegionStats, ...] = ()
    effects: tuple[Effect, ...] = ()
    grid: tuple[GridRow, ...] = ()
    grid_names: tuple[str, ...] = ()
    grid_stated: tuple[float, ...] = ()
    """The stated value of each grid weight."""
    weight_labels: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Weight name -> how a planner reads it (Spanish, English): the criterion's label."""
    indicator_labels: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Indicator -> its label (Spanish, English), as the criteria that use it name it."""


def indicator_labels(scenario: Scenario) -> dict[str, tuple[str, str]]:
    """Each indicator's label (Spanish, English): a declared indicator's own, else the first
    criterion's that uses it, else its name."""
    found: dict[str, tuple[str, str]] = {}
    for d in scenario.derived:
        if d.label_es or d.label_en:
            found[d.name] = (d.label(Language.ES), d.label(Language.EN))
    criteria = [*scenario.criteria, *(c for axis in scenario.axes for c in axis.criteria)]
    for c in criteria:
        found.setdefault(c.indicator, (c.label(Language.ES), c.label(Language.EN)))
    return found


def _ranks(totals: IntArray) -> IntArray:
    """Rank of each state in each sample: 1 the largest, ties to the earlier code."""
    order = np.argsort(-totals, axis=1, kind="stable")
    ranks = np.empty_like(order)
    rows = np.arange(totals.shape[0])[:, None]
    ranks[rows, order] = np.arange(1, totals.shape[1] + 1)[None, :]
    return np.asarray(ranks, dtype=np.int64)


def summarise(result: SweepResult) -> Summary:
    """The summary of a finished sweep."""
    from optimizer.sweep.engine import STATUS_NAMES

    status = result.status
    totals = result.amounts.sum(axis=2)
    names = {r.code: r.name for r in result.spec.scenario.regions}
    baseline_totals = result.baseline.amounts[0].sum(axis=1)
    baseline = {
        code: int(v) for code, v in zip(result.regions, baseline_totals.tolist(), strict=True)
    }
    common = {
        "samples": len(status),
        "ok": int((status == OK).sum()),
        "without_plan": int((status != OK).sum()),
        "fallback": int(result.fallback.sum()),
        "seconds": result.seconds,
        "names": names,
        "baseline": baseline,
        "weight_labels": {
            n.name: (n.label_es or n.name, n.label_en or n.label_es or n.name)
            for n in result.context.nodes
        },
        "indicator_labels": indicator_labels(result.spec.scenario),
    }
    study = result.spec.study
    if isinstance(study, MonteCarlo):
        ok = totals[status == OK]
        stats = []
        if len(ok):
            q = np.percentile(ok, [5, 50, 95], axis=0, method="inverted_cdf")
            q = np.rint(q).astype(np.int64)
            ranks = _ranks(ok)
            base_rank = _ranks(baseline_totals[None, :])[0]
            rq = np.percentile(ranks, [5, 95], axis=0, method="inverted_cdf").astype(np.int64)
            fund = result.fund
            for r, code in enumerate(result.regions):
                lo, hi = result.boxes[r]
                stats.append(
                    RegionStats(
                        code=code,
                        name=names.get(code, code),
                        baseline=int(baseline_totals[r]),
                        p5=int(q[0, r]),
                        p50=int(q[1, r]),
                        p95=int(q[2, r]),
                        p_floor=float((ok[:, r] <= lo).mean()) if lo > 0 else 0.0,
                        p_cap=float((ok[:, r] >= hi).mean()) if hi < fund else 0.0,
                        rank=int(base_rank[r]),
                        rank_p5=int(rq[0, r]),
                        rank_p95=int(rq[1, r]),
                        rank_stable=float((ranks[:, r] == base_rank[r]).mean()),
                    )
                )
        return Summary(kind=study.kind, regions=tuple(stats), **common)  # type: ignore[arg-type]
    if isinstance(study, OneAtATime):
        factors = study.factors(result.context)
        pairs: dict[tuple[str, str], dict[int, tuple[int, float]]] = {}
        for s, f in enumerate(factors, start=1):
            pairs.setdefault((f.kind, f.name), {})[f.sign] = (s, f.value)
        base_of = {(f.kind, f.name): f.base for f in factors}
        effects = []
        for (kind, name), sides in pairs.items():
            up_s, up_v = sides.get(1, (0, base_of[kind, name]))
            down_s, down_v = sides.get(-1, (0, base_of[kind, name]))
            base_value = base_of[kind, name]
            for r, code in enumerate(result.regions):
                a0 = int(baseline_totals[r])
                up = int(totals[up_s, r]) - a0 if status[up_s] == OK else None
                down = int(totals[down_s, r]) - a0 if status[down_s] == OK else None
                elasticity = None
                if (
                    kind != "band"
                    and up is not None
                    and down is not None
                    and a0 > 0
                    and base_value > 0
                    and up_v != down_v
                ):
                    elasticity = ((up - down) / a0) / ((up_v - down_v) / base_value)
                effects.append(
                    Effect(code, kind, name, base_value, up_v, down_v, up, down, elasticity)
                )
        return Summary(kind=study.kind, effects=tuple(effects), **common)  # type: ignore[arg-type]
    assert isinstance(study, Grid)
    rows = []
    for s, point in enumerate(study.points()):
        label = STATUS_NAMES[int(status[s])]
        for r, code in enumerate(result.regions):
            amount = int(totals[s, r]) if status[s] == OK else None
            change = None if amount is None else amount - int(baseline_totals[r])
            rows.append(GridRow(s, tuple(point), code, label, amount, change))
    return Summary(
        kind=study.kind,
        grid=tuple(rows),
        grid_names=tuple(g.name for g in study.axes),
        grid_stated=tuple(_stated_weight(result, g.name) for g in study.axes),
        **common,  # type: ignore[arg-type]
    )


def _stated_weight(result: SweepResult, name: str) -> float:
    """The stated value of a weight named by its name or location key."""
    for node in result.context.nodes:
        if name in (node.name, node.key):
            return node.weight
    return float("nan")


def tornado(summary: Summary, region: str, top: int = 8) -> list[Effect]:
    """The factors that move one state's amount the most, largest swing first."""
    rows = [e for e in summary.effects if e.region == region and e.swing > 0]
    rows.sort(key=lambda e: (-e.swing, e.kind, e.name))
    return rows[:top]
