"""The sweep's studies and batch engine: each sample's plan is exact and is ``allocate()``'s plan."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from optimizer.domain import Axis, CellMinimum, Criterion, Objective, Rules, Scenario
from optimizer.errors import ScenarioError
from optimizer.io import load_scenario
from optimizer.limits import MAX_SWEEP_SAMPLES
from optimizer.model import violations
from optimizer.pipeline import allocate
from optimizer.sweep.engine import INVALID, OK, BatchEngine, ChunkResult
from optimizer.sweep.runner import SweepSpec, prepare, run_in_process
from optimizer.sweep.study import (
    SAMPLE_BLOCK,
    Batch,
    Grid,
    GridAxis,
    MonteCarlo,
    OneAtATime,
    StudyContext,
    moved,
    sample_scenario,
    weight_nodes,
)
from optimizer.sweep.summary import summarise
from tests.conftest import region, scenario

ROOT = Path(__file__).resolve().parents[1]
FASP = ROOT / "scenarios" / "fasp-2026" / "scenario.yaml"


@pytest.fixture(scope="module")
def fasp() -> Scenario:
    return load_scenario(FASP)


def _plan_cells(s: Scenario, objective: Objective | None = None) -> np.ndarray:
    from optimizer.domain import AllocateOptions

    plan = allocate(s, AllocateOptions(objective=objective))
    n = len(s.regions)
    return np.array([c.amount for c in plan.cells], dtype=np.int64).reshape(n, -1)


def _assert_same_as_allocate(
    engine: BatchEngine, batch: Batch, result: ChunkResult, rows: list[int]
) -> None:
    for s in rows:
        sample = sample_scenario(engine.scenario, engine.context, batch, s)
        if result.status[s] != OK:
            continue
        expected = _plan_cells(sample, engine.options.objective)
        assert np.array_equal(result.amounts[s], expected), f"sample {batch.start + s}"


def test_monte_carlo_samples_are_allocate_plans_to_the_peso(fasp: Scenario) -> None:
    """Random Monte Carlo samples of fasp-2026: the engine's plan equals allocate()'s, cell by cell."""
    engine = BatchEngine(fasp)
    study = MonteCarlo(samples=600, seed=7, concentration=50, indicator_error=0.1)
    batch = study.batch(engine.context, 0, 600)
    result = engine.run(batch)
    assert (result.status == OK).all()
    assert not result.fallback.any()  # every sample on the closed form's path
    totals = result.amounts.sum(axis=(1, 2))
    assert (totals == fasp.fund.total).all()
    data = engine.data
    order = np.argsort(engine.order)
    for s in range(600):
        assert violations(result.amounts[s][:, order], data) == []
    _assert_same_as_allocate(engine, batch, result, random.Random(3).sample(range(600), 25))


def test_one_at_a_time_samples_with_moved_bands_are_allocate_plans(fasp: Scenario) -> None:
    """Weight, indicator and band steps (bands through allocate()) equal allocate()'s plans."""
    engine = BatchEngine(fasp)
    study = OneAtATime(weight_step=0.05, indicator_step=0.2, band_step=0.03)
    size = study.size(engine.context)
    # 8 weights: 3 top-level criteria, the base amount, the crime category, its 2 criteria
    # and its (zero) base amount, held at 0 since the base amount sits at the top level;
    # 5 indicators x 32 states; 2 band limits.
    assert len(engine.context.nodes) == 8
    assert [n.held for n in engine.context.nodes] == [False] * 7 + [True]
    assert size == 1 + 2 * 7 + 2 * 5 * 32 + 4
    batch = study.batch(engine.context, 0, size)
    result = engine.run(batch)
    assert int(result.fallback.sum()) == 4  # the band samples change the rules
    # The stated plan, population +/-, the crime category +/- (the criteria inside move
    # together), indicator steps, the band limits.
    rows = [0, 1, 2, 13, 14, 15, 16, 40, 41, *range(size - 4, size)]
    assert engine.context.nodes[6].name == "incidencia_delictiva"
    _assert_same_as_allocate(engine, batch, result, rows)
    assert (result.amounts[result.status == OK].sum(axis=(1, 2)) == fasp.fund.total).all()


def test_axis_with_own_criteria_and_binding_axis_share_falls_back() -> None:
    """An axis with its own criteria is a second parent; a binding axis share goes to allocate()."""
    regions = tuple(
        region(f"{i:02d}", need, 100_000 * i, other=float(10 + i * i))
        for i, need in enumerate([5.0, 1.0, 2.0, 9.0, 4.0], start=1)
    )
    axes = (
        Axis("A", "A", share_min=0.2, share_max=0.3),
        Axis(
            "B",
            "B",
            share_min=0.7,
            share_max=0.8,
            criteria=(Criterion("other", 0.8),),
            base_weight=0.2,
        ),
    )
    s = scenario(
        regions,
        fund=1_000_000,
        criteria=(Criterion("need", 0.7), Criterion("other", 0.2)),
        base_weight=0.1,
        axes=axes,
        rules=Rules(cell_minimums=(CellMinimum("A", amount=60_000),)),
    )
    nodes = weight_nodes(s)
    assert [(n.key, n.parent) for n in nodes] == [
        ("criteria/0", ""),
        ("criteria/1", ""),
        ("base_amount", ""),
        ("axes/1/criteria/0", "axes/1"),
        ("axes/1/base_weight", "axes/1"),
    ]
    engine = BatchEngine(s)
    study = MonteCarlo(samples=60, seed=1, concentration=5, indicator_error=0.3)
    batch = study.batch(engine.context, 0, 60)
    result = engine.run(batch)
    assert result.fallback.any()  # the axis minimums force the levels of LPs on some samples
    _assert_same_as_allocate(engine, batch, result, list(range(0, 60, 3)))


def test_other_objective_goes_through_allocate(fasp: Scenario) -> None:
    """Another objective than proportional: every sample is allocate()'s plan."""
    engine = BatchEngine(fasp, Objective.MIN_TOTAL_DEVIATION)
    batch = MonteCarlo(samples=3, seed=2).batch(engine.context, 0, 3)
    result = engine.run(batch)
    assert result.fallback.all()
    _assert_same_as_allocate(engine, batch, result, [0, 1, 2])


def test_samples_do_not_depend_on_chunks(fasp: Scenario) -> None:
    """Sample i is the same drawn alone, in a chunk, or across the draw blocks."""
    study = MonteCarlo(samples=SAMPLE_BLOCK + 40, seed=11)
    spec = SweepSpec(fasp, study)
    engine, _ = prepare(spec)
    whole = study.batch(engine.context, 0, SAMPLE_BLOCK + 40)
    part = study.batch(engine.context, SAMPLE_BLOCK - 5, SAMPLE_BLOCK + 5)
    assert np.array_equal(whole.weights[SAMPLE_BLOCK - 5 : SAMPLE_BLOCK + 5], part.weights)
    assert np.array_equal(whole.factors[SAMPLE_BLOCK - 5 : SAMPLE_BLOCK + 5], part.factors)
    a = run_in_process(spec, chunk=SAMPLE_BLOCK)
    b = run_in_process(spec, chunk=7)
    assert np.array_equal(a.amounts, b.amounts)
    assert a.chunks == 2
    assert b.chunks == 78


def test_dirichlet_weights_stay_on_the_simplex_and_centre_on_the_stated(fasp: Scenario) -> None:
    """Monte Carlo weights sum to 1 within each parent, their mean near the stated weights."""
    engine = BatchEngine(fasp)
    batch = MonteCarlo(samples=2000, seed=5, concentration=200).batch(engine.context, 0, 2000)
    assert len(engine.parents) == 2  # the root and the crime category
    for members in engine.parents:
        assert np.allclose(batch.weights[:, members].sum(axis=1), 1.0, atol=1e-12)
    stated = engine.context.base_weights
    assert np.abs(batch.weights.mean(axis=0) - stated).max() < 0.005
    assert (batch.factors > 0).all()


def test_moving_one_weight_scales_its_siblings() -> None:
    """+0.05 on a 0.40 weight: the others keep their proportions and the parent sums to 1."""
    regions = tuple(region(f"{i:02d}", float(i), b=float(i * 2)) for i in range(1, 4))
    s = scenario(
        regions,
        criteria=(Criterion("need", 0.4), Criterion("b", 0.4)),
        base_weight=0.2,
    )
    nodes = weight_nodes(s)
    out = moved(nodes, np.array([0.4, 0.4, 0.2]), {0: 0.45})
    assert out.tolist() == pytest.approx([0.45, 0.55 * 2 / 3, 0.55 / 3])
    assert out.sum() == pytest.approx(1.0)


def test_grid_plans_and_unknown_weight(fasp: Scenario) -> None:
    """A grid over the population weight gives a plan per point; an unknown weight is refused."""
    grid = Grid((GridAxis("pop_conapo_mid2026", 0.30, 0.50, 0.05),))
    spec = SweepSpec(fasp, grid)
    result = run_in_process(spec)
    assert result.amounts.shape[0] == 5
    assert (result.amounts.sum(axis=(1, 2)) == fasp.fund.total).all()
    engine, _ = prepare(spec)
    batch = grid.batch(engine.context, 0, 5)
    assert batch.weights[:, 0].tolist() == pytest.approx([0.30, 0.35, 0.40, 0.45, 0.50])
    chunk = ChunkResult(0, result.amounts, result.status, result.fallback)
    _assert_same_as_allocate(engine, batch, chunk, [0, 2, 4])
    # At the stated 0.40 the grid point is the stated plan.
    assert np.array_equal(result.amounts[2], result.baseline.amounts[0])
    with pytest.raises(ScenarioError, match="unknown weight 'poblacion'"):
        prepare(SweepSpec(fasp, Grid((GridAxis("poblacion", 0.3, 0.5, 0.01),))))


def test_grid_point_asking_more_than_the_parent_holds_is_invalid(fasp: Scenario) -> None:
    """Two weights of one parent at 0.6 + 0.5: no scenario, marked invalid, never solved."""
    grid = Grid(
        (
            GridAxis("pop_conapo_mid2026", 0.5, 0.6, 0.1),
            GridAxis("tasa_policial_per_1000hab", 0.3, 0.5, 0.2),
        )
    )
    result = run_in_process(SweepSpec(fasp, grid))
    assert result.status.tolist() == [OK, OK, OK, INVALID]


@pytest.mark.parametrize(
    ("study", "message"),
    [
        (OneAtATime(weight_step=0.0), "--step: 0.0 is not a positive number"),
        (OneAtATime(indicator_step=-0.1), "--indicator-step: -0.1 is not a positive number"),
        (MonteCarlo(samples=10, concentration=0.0), "--concentration: 0.0 is not a positive"),
        (MonteCarlo(samples=10, concentration=float("nan")), "--concentration: nan is not"),
        (MonteCarlo(samples=MAX_SWEEP_SAMPLES + 1), "more than the 100,000 a sweep may run"),
        (MonteCarlo(samples=0), "0 samples: give at least 1"),
        (MonteCarlo(samples=10, indicator_error=-1.0), "--indicator-error"),
        (Grid((GridAxis("pop_conapo_mid2026", 0.3, 0.5, 0.0),)), "is not a positive number"),
        (Grid((GridAxis("pop_conapo_mid2026", 0.0, 1.0, 1e-6),)), "a sweep may run"),
        (Grid((GridAxis("pop_conapo_mid2026", 0.5, 0.3, 0.1),)), "is below the start"),
    ],
)
def test_bad_studies_are_located_problems(fasp: Scenario, study: object, message: str) -> None:
    """Each bad study parameter is a ScenarioError naming the option."""
    with pytest.raises(ScenarioError) as caught:
        prepare(SweepSpec(fasp, study))  # type: ignore[arg-type]
    assert message in str(caught.value)


def test_summary_percentiles_are_sample_values(fasp: Scenario) -> None:
    """P5/P50/P95 are amounts of actual samples; floor/cap probabilities lie in [0, 1]."""
    result = run_in_process(SweepSpec(fasp, MonteCarlo(samples=300, seed=3)))
    summary = summarise(result)
    totals = result.amounts.sum(axis=2)
    for r, stats in enumerate(summary.regions):
        column = set(totals[:, r].tolist())
        assert {stats.p5, stats.p50, stats.p95} <= column
        assert stats.p5 <= stats.p50 <= stats.p95
        assert 0.0 <= stats.p_floor <= 1.0
        assert 0.0 <= stats.p_cap <= 1.0
    # States on a band floor of 0 % in every sample (fasp-2026's small states) say so.
    lows = {s.code: s.p_floor for s in summary.regions}
    assert lows["01"] == pytest.approx(float((totals[:, 0] == result.boxes[0][0]).mean()))


def test_band_study_reports_changes_without_elasticity(fasp: Scenario) -> None:
    """One at a time: weight effects carry an elasticity, band effects only changes in pesos."""
    summary = summarise(run_in_process(SweepSpec(fasp, OneAtATime())))
    weight = [e for e in summary.effects if e.kind == "weight" and e.region == "15"]
    band = [e for e in summary.effects if e.kind == "band" and e.region == "01"]
    assert all(e.elasticity is not None for e in weight if e.base > 0)
    assert band
    assert all(e.elasticity is None for e in band)
    # Raising the band floor by 2 points raises a state on its floor by 2 % of its 2025 amount.
    lower = next(e for e in band if e.name == "lower")
    previous = next(r.previous for r in fasp.regions if r.code == "01")
    assert previous is not None
    assert lower.change_up is not None
    assert abs(lower.change_up - round(previous * 1.02) + summary.baseline["01"]) <= 1


@pytest.mark.parametrize("name", ["fasp-2026", "fasp-2026-concertacion"])
def test_batch_recheck_takes_the_decisions_of_violations(name: str) -> None:
    """On plans that keep and break each rule (fund, floors, caps, axis shares, the programa
    tree's inner nodes, share minimums, whole units), the batch re-checks agree with
    model.violations plan by plan."""
    from optimizer.sweep.recheck import floats_hold, pesos_hold

    engine = BatchEngine(load_scenario(ROOT / "scenarios" / name / "scenario.yaml"))
    assert engine.data.groups  # both have the programa tree (ejes, programas, subprogramas)
    data = engine.data
    # The concertación's samples go through allocate() (half a second each): fewer of them.
    count = 40 if name == "fasp-2026" else 6
    result = engine.run(MonteCarlo(samples=count, seed=9).batch(engine.context, 0, count))
    order = np.argsort(engine.order)
    plans = result.amounts[:, :, order]  # axes by id, as the model data has them
    rng = np.random.default_rng(0)
    broken = []
    for k in range(400):
        y = plans[k % count].copy()
        r1, r2 = rng.integers(0, data.n, 2)
        a1, a2 = rng.integers(0, data.m, 2)
        amount = int(rng.choice([1, 7, 1_000, 5_000_000, 200_000_000]))
        y[r1, a1] -= amount
        if k % 3:
            y[r2, a2] += amount  # the fund still holds: a floor, cap, axis or minimum may not
        broken.append(y)
    everything = np.concatenate([plans, np.stack(broken)])
    expected = [not violations(y, data) for y in everything]
    assert pesos_hold(everything, data).tolist() == expected
    assert 0 < sum(expected) < len(expected)
    tol = 5.0
    noisy = everything + rng.normal(0.0, 0.05, everything.shape)
    expected_floats = [not violations(y, data, tol=tol) for y in noisy]
    assert floats_hold(noisy, data, tol).tolist() == expected_floats
    assert 0 < sum(expected_floats) < len(expected_floats)


def test_one_at_a_time_of_many_regions_meets_the_cell_cap_and_says_how_to_skip_it() -> None:
    """5,000 regions x 2 indicators: 20,007 samples of 5,000 cells pass the sample cap but not
    the samples x cells cap; the message names --no-one-at-a-time."""
    from optimizer.limits import MAX_SWEEP_CELLS

    regions = tuple(
        region(f"{i:04d}", float(1 + i % 7), other=float(1 + i % 5)) for i in range(1, 5001)
    )
    s = scenario(regions, criteria=(Criterion("need", 0.5), Criterion("other", 0.5)))
    assert OneAtATime().size(StudyContext.of(s)) * 5000 > MAX_SWEEP_CELLS
    with pytest.raises(ScenarioError, match="skip it with --no-one-at-a-time"):
        prepare(SweepSpec(s, OneAtATime()))
    # Monte Carlo on the same scenario is within the caps.
    assert prepare(SweepSpec(s, MonteCarlo(samples=100)))[1] == 100


def test_siblings_holding_nothing_share_the_step_and_only_whole_parents_are_solved() -> None:
    """One criterion at 1.0 and a base amount at 0: a step down goes to the base amount; a grid
    over both keeps only the points where they sum to 1 (the others are invalid, not solved)."""
    regions = tuple(region(f"{i:02d}", float(i)) for i in range(1, 5))
    s = scenario(regions)
    context = StudyContext.of(s)
    assert moved(context.nodes, context.base_weights, {0: 0.95}).tolist() == pytest.approx(
        [0.95, 0.05]
    )
    engine = BatchEngine(s)
    study = OneAtATime(weight_step=0.05)
    batch = study.batch(engine.context, 0, study.size(engine.context))
    result = engine.run(batch)
    assert (result.status == OK).all()
    _assert_same_as_allocate(engine, batch, result, list(range(len(batch))))
    grid = Grid((GridAxis("need", 0.3, 0.7, 0.1), GridAxis("base_amount", 0.3, 0.7, 0.1)))
    out = run_in_process(SweepSpec(s, grid))
    points = grid.points()
    valid = [p for p, st in zip(points, out.status.tolist(), strict=True) if st == OK]
    assert valid == [(0.3, 0.7), (0.4, 0.6), (0.5, 0.5), (0.6, 0.4), (0.7, 0.3)]
    assert (out.status[out.status != OK] == INVALID).all()


SHIPPED = sorted(
    [*ROOT.glob("scenarios/**/scenario.yaml"), *ROOT.glob("tests/data/good/**/scenario.yaml")]
)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.parent.name)
def test_every_shipped_scenario_sweeps_to_allocate_plans(path: Path) -> None:
    """Monte Carlo and one-at-a-time samples of every shipped scenario: a random few equal
    allocate()'s plans, or are infeasible where allocate() says so."""
    from optimizer.errors import InfeasibleError

    engine = BatchEngine(load_scenario(path))
    for study in (MonteCarlo(40, 3, 20.0, 0.2), OneAtATime()):
        size = study.size(engine.context)
        whole = study.batch(engine.context, 0, size)
        # A few samples, run as one batch (a scenario whose axis shares bind, such as the
        # concertación's, sends every sample to allocate(): half a second each).
        rows = sorted(random.Random(1).sample(range(size), min(size, 6)))
        batch = Batch(0, whole.weights[rows], whole.factors[rows], whole.band[rows])
        result = engine.run(batch)
        for s in range(len(rows)):
            sample = sample_scenario(engine.scenario, engine.context, batch, s)
            try:
                expected = _plan_cells(sample)
            except InfeasibleError:
                assert result.status[s] != OK
                continue
            assert result.status[s] == OK
            assert np.array_equal(result.amounts[s], expected), (path, study.kind, s)


def test_a_base_amount_the_scenario_does_not_use_is_held(fasp: Scenario) -> None:
    """The base amount sits in one place: the crime category's (stated 0) is never moved, and
    a grid over it is refused."""
    with pytest.raises(ScenarioError, match="sits in one place only"):
        prepare(
            SweepSpec(fasp, Grid((GridAxis("incidencia_delictiva:base_amount", 0.0, 0.2, 0.1),)))
        )
    engine = BatchEngine(fasp)
    batch = MonteCarlo(samples=50, seed=1).batch(engine.context, 0, 50)
    assert (batch.weights[:, 7] == 0.0).all()
