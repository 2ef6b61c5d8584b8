"""The certificate LP written as arrays is, element by element, the LP the PuLP route builds.

``objectives.certificate_lp`` skips PuLP for the one LP that certifies the closed form; the
justifications print its duals, so HiGHS must receive exactly the LP that
``ArrayHiGHS`` compiles from ``objectives.certificate_model``: same columns in the same order,
same rows, coefficients and bounds (bit for bit, signed zeros included), same row names and
registry. Both are then solved and must give the same values and duals, bit for bit.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from optimizer import objectives
from optimizer.formula import Targets, compute_targets
from optimizer.io import load_scenario
from optimizer.model import ModelData, build_model_data
from optimizer.solve import LpOutcome, highs_arrays, solve, solve_arrays
from tests.test_lexicographic import stressed
from tests.test_model import random_plan_and_rules
from tests.test_rounding import stressed_scenario

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted(ROOT.glob("scenarios/*/scenario.yaml"))
ARRAY_FIELDS = (
    "col_cost",
    "col_lower",
    "col_upper",
    "starts",
    "index",
    "value",
    "row_lower",
    "row_upper",
    "flat",
)


def boxes(data: ModelData) -> list[tuple[float, float]]:
    return [(lo / data.scale, hi / data.scale) for lo, hi in map(data.region_box, range(data.n))]


def outside(data: ModelData) -> list[int]:
    """Regions whose own box excludes their target (the ones the closed form may hold boxed)."""
    t = np.maximum(data.targets.region, data.target_floor)
    return [r for r, (lo, hi) in enumerate(data.region_boxes) if not lo <= t[r] <= hi]


def assert_same_lp(data: ModelData, boxed: list[int], *, solved: bool = True) -> None:
    region_boxes = boxes(data)
    model = objectives.certificate_model(data, region_boxes, boxed)
    expected = highs_arrays(model)
    got, registry, block = objectives.certificate_lp(data, region_boxes, boxed)
    for name in ARRAY_FIELDS:
        a, b = getattr(got, name), getattr(expected, name)
        assert a.dtype == b.dtype, name
        assert a.shape == b.shape, name
        assert a.tobytes() == b.tobytes(), (name, a, b)
    assert got.names == expected.names
    assert got.objective == expected.objective >= 0
    assert list(registry.items()) == list(model.registry.items())
    assert model.block is not None
    assert block.names() == model.block.names()
    assert list(block.registry().items()) == list(model.block.registry().items())
    if not solved:
        return
    a, b = solve(model), solve_arrays(got)
    assert a.outcome is b.outcome
    if a.outcome is not LpOutcome.OPTIMAL:
        return
    assert repr(a.objective) == repr(b.objective)
    assert list(a.duals.items()) == list(b.duals.items())
    duals_a = np.array(list(a.duals.values()), dtype=np.float64)
    assert duals_a.tobytes() == np.array(list(b.duals.values()), dtype=np.float64).tobytes()
    assert a.block_duals is not None
    assert b.block_duals is not None
    assert a.block_duals.tobytes() == b.block_duals.tobytes()
    assert a.values is not None
    assert b.values is not None
    assert a.values.tobytes() == b.values.tobytes()


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.parent.name)
def test_certificate_arrays_equal_the_pulp_route_on_shipped_scenarios(path: Path) -> None:
    s = load_scenario(path)
    data = build_model_data(s, compute_targets(s))
    assert_same_lp(data, [])
    assert_same_lp(data, outside(data))
    assert_same_lp(data, list(range(0, data.n, 3)))


def test_certificate_arrays_equal_the_pulp_route_on_stressed_scenarios() -> None:
    for seed in range(20):
        s = stressed_scenario(seed)
        data = build_model_data(s, compute_targets(s))
        assert_same_lp(data, outside(data))
    s = stressed(2, 6, 3, 9, 1)
    data = build_model_data(s, compute_targets(s))
    assert_same_lp(data, outside(data))


def test_certificate_arrays_equal_the_pulp_route_on_random_rules() -> None:
    """Every region family (band floors and caps, floors, caps, absorption caps), cell minimums.

    Random bounds around a random plan, some of them absent, zero or negative, random targets
    (some zero, below the target floor), LP scales from 1 to 1e4, random boxed regions.
    """
    rng = np.random.default_rng(20261202)
    families: set[object] = set()
    for _ in range(150):
        _, data, _ = random_plan_and_rules(rng)
        n, m = data.n, data.m
        cell = rng.uniform(0.0, 5_000.0, size=(n, m)) * (rng.random((n, m)) < 0.9)
        targets = Targets(data.regions, data.axes, cell.sum(axis=0), cell, {})
        data = dataclasses.replace(
            data,
            targets=targets,
            scale=float(rng.choice([1.0, 10.0, 1e4])),
            fund=max(1, data.fund),
        )
        families |= set(data.lower) | set(data.upper)
        boxed = [r for r in range(n) if rng.random() < 0.3]
        assert_same_lp(data, boxed, solved=bool(rng.random() < 0.5))
        assert_same_lp(data, outside(data), solved=False)
    assert len(families) == 5
