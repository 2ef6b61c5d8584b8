"""Semantic checks: every problem located, with the numbers that explain it."""

from __future__ import annotations

import math
import random
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import replace

import pytest

from optimizer.checks import _pesos, check_feasibility, check_scenario, raise_for_problems
from optimizer.domain import (
    Axis,
    Band,
    CellMinimum,
    Criterion,
    Direction,
    Fund,
    Normalisation,
    Region,
    RegionBound,
    Rules,
    Scenario,
)
from optimizer.errors import Problem, ScenarioError

_Rule = RegionBound | CellMinimum

REGIONS = (
    Region("01", "Aguascalientes", {"pop": 1.5, "crime": 10.0}, previous=300, population=15),
    Region("02", "Baja California", {"pop": 3.8, "crime": 30.0}, previous=300, population=38),
    Region("09", "Ciudad de México", {"pop": 9.2, "crime": 12.0}, previous=400, population=92),
)


def scenario(**changes: object) -> Scenario:
    """A small valid scenario (1,000 pesos, three regions, two criteria), with changes."""
    base = Scenario(
        name="tiny",
        fund=Fund("FASP", 2026, 1000),
        regions=REGIONS,
        criteria=(Criterion("pop", 0.5), Criterion("crime", 0.4)),
        base_weight=0.1,
        locations={"fund/total": "scenario.yaml: fund.total (line 3)"},
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def messages(s: Scenario, severity: str = "error") -> list[str]:
    """The problems of a scenario of one severity, as text."""
    return [str(p) for p in check_scenario(s) if p.severity == severity]


def test_valid_scenario_has_no_problems() -> None:
    """A consistent scenario passes every check."""
    assert check_scenario(scenario()) == []


def test_checks_module_stays_out_of_pandas_yaml_and_io() -> None:
    """checks.py imports neither pandas, yaml nor optimizer.io (the core stays light)."""
    code = (
        "import sys, optimizer.checks; "
        "bad = [m for m in ('pandas', 'yaml', 'optimizer.io') if m in sys.modules]; "
        "print(bad)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"


def test_problem_is_located_by_scenario_locations() -> None:
    """A problem uses the scenario's location for its key and the key as its field."""
    problems = check_scenario(scenario(fund=Fund("FASP", 2026, -5)))
    assert problems == [
        Problem(
            "scenario.yaml: fund.total (line 3)",
            "the fund total is -5: it must be a positive amount of pesos",
            "fund/total",
        )
    ]


def test_fund_multiple_and_rounding_unit() -> None:
    """The total must be a multiple of a rounding unit of at least 1."""
    assert messages(scenario(fund=Fund("F", 2026, 1500, rounding_unit=1000))) == [
        "scenario.yaml: fund.total (line 3): the fund total 1,500 is not a multiple of the "
        "rounding unit 1,000: use 1,000 or 2,000, or a smaller rounding unit"
    ]
    assert messages(scenario(fund=Fund("F", 2026, 1000, rounding_unit=0))) == [
        "fund/rounding_unit: the rounding unit is 0: it must be at least 1 peso"
    ]


def test_no_regions_and_duplicate_codes() -> None:
    """An empty region list and a repeated code are errors."""
    assert messages(scenario(regions=()))[0].startswith("regions: the scenario has no regions")
    twice = (*REGIONS, replace(REGIONS[0], name="Otra"))
    assert "regions/01: region code '01' appears 2 times: codes must be unique" in messages(
        scenario(regions=twice)
    )


def test_unknown_indicator_and_missing_values() -> None:
    """A criterion on an indicator no region has, or some regions lack, is reported."""
    unknown = messages(scenario(criteria=(Criterion("pob", 0.5), Criterion("crime", 0.4))))
    assert unknown == [
        "criteria/0/indicator: unknown indicator 'pob': no region has it "
        "(indicators: crime, pop); fix the name or add the column"
    ]
    partial = (replace(REGIONS[0], indicators={"pop": 1.5}), *REGIONS[1:])
    assert messages(scenario(regions=partial)) == [
        "criteria/1/indicator: indicator 'crime' has no value for region(s) 01 "
        "(Aguascalientes): every region needs one"
    ]


@pytest.mark.parametrize(
    ("value", "criterion", "expected"),
    [
        (math.nan, Criterion("crime", 0.4), "'crime' is NaN (not a number)"),
        (math.inf, Criterion("crime", 0.4), "'crime' is infinite"),
        (-1.0, Criterion("crime", 0.4), "'crime' is -1, but share normalisation needs values >= 0"),
        (
            0.0,
            Criterion("crime", 0.4, Direction.HIGHER_NEEDS_LESS),
            "every value must be > 0",
        ),
    ],
)
def test_bad_indicator_values(value: float, criterion: Criterion, expected: str) -> None:
    """NaN, infinite, negative (share) and zero (inverse share) values are located per region."""
    regions = (replace(REGIONS[0], indicators={"pop": 1.5, "crime": value}), *REGIONS[1:])
    s = scenario(regions=regions, criteria=(Criterion("pop", 0.5), criterion))
    found = messages(s)
    assert len(found) == 1
    assert found[0].startswith("regions/01/indicators/crime: ")
    assert expected in found[0]


def test_shifted_share_allows_negative_values() -> None:
    """shifted_share accepts negative values but not a constant indicator."""
    regions = (replace(REGIONS[0], indicators={"pop": 1.5, "crime": -4.0}), *REGIONS[1:])
    shifted = Criterion("crime", 0.4, normalisation=Normalisation.SHIFTED_SHARE)
    assert messages(scenario(regions=regions, criteria=(Criterion("pop", 0.5), shifted))) == []
    flat = tuple(replace(r, indicators={"pop": 1.0, "crime": 2.0}) for r in REGIONS)
    assert (
        "shifted_share cannot rank them"
        in messages(scenario(regions=flat, criteria=(Criterion("pop", 0.5), shifted)))[0]
    )


def test_weights_must_sum_to_one() -> None:
    """Criteria weights plus the base weight must sum to 1; the message says the sum."""
    assert messages(scenario(base_weight=0.0)) == [
        "criteria: the criteria weights (0.5 + 0.4) plus base_amount.weight 0 sum to 0.9, "
        "not 1: add 0.1 so they add up to 1"
    ]
    assert "sum to 1.2, not 1: remove 0.2" in messages(scenario(base_weight=0.3))[0]


def test_axis_own_criteria_weights() -> None:
    """An axis with its own criteria needs them to sum to 1 with its base weight."""
    axes = (
        Axis("P1", "Uno", share=0.5, criteria=(Criterion("pop", 0.7),), base_weight=0.2),
        Axis("P2", "Dos", share=0.5),
    )
    assert messages(scenario(axes=axes)) == [
        "axes/0/criteria: the criteria weights (0.7) plus axis P1 base_weight 0.2 sum to 0.9, "
        "not 1: add 0.1 so they add up to 1"
    ]


@pytest.mark.parametrize(
    ("axes", "expected"),
    [
        (
            (Axis("P1", "Uno", share=0.5), Axis("P1", "Dos", share=0.5)),
            "axes/1/id: duplicate axis id 'P1'",
        ),
        (
            (Axis("P1", "Uno", share_min=0.6, share_max=0.2), Axis("P2", "Dos")),
            "axes/0/share_min: axis P1: share_min 0.6 is above share_max 0.2",
        ),
        (
            (Axis("P1", "Uno", share=1.5), Axis("P2", "Dos")),
            "axes/0/share: axis P1 share is 1.5: a share of the fund must be between 0 and 1",
        ),
        (
            (Axis("P1", "Uno", share=0.7), Axis("P2", "Dos", share=0.6), Axis("P3", "Tres")),
            "axes: the fixed axis shares sum to 1.3, more than the whole fund",
        ),
        (
            (Axis("P1", "Uno", share=0.5), Axis("P2", "Dos", share=0.3)),
            "axes: every axis has a fixed share and they sum to 0.8, not 1",
        ),
        (
            (Axis("P1", "Uno", share_min=0.6), Axis("P2", "Dos", share_min=0.5)),
            "axes: the axes' lower shares sum to 1.1",
        ),
        (
            (Axis("P1", "Uno", share_max=0.3), Axis("P2", "Dos", share_max=0.5)),
            "axes: the axes' upper shares sum to 0.8",
        ),
    ],
)
def test_axis_share_problems(axes: tuple[Axis, ...], expected: str) -> None:
    """Duplicate ids, inverted ranges, shares outside [0, 1] and impossible sums are errors."""
    found = messages(scenario(axes=axes))
    assert len(found) == 1
    assert found[0].startswith(expected)


def test_band_needs_previous_and_order() -> None:
    """A band needs every previous allocation (regions named) and lower <= upper."""
    regions = (replace(REGIONS[0], previous=None), *REGIONS[1:])
    assert messages(scenario(regions=regions, rules=Rules(band=Band(0.0, 0.1)))) == [
        "rules/band: the band needs every region's previous allocation, but 1 region(s) have "
        "none: 01 (Aguascalientes); fill the regions file's previous_allocation column or "
        "remove rules.band"
    ]
    assert messages(scenario(rules=Rules(band=Band(0.2, 0.1)))) == [
        "rules/band/lower: band lower 0.2 is above band upper 0.1: no amount fits; swap them"
    ]


def test_region_bounds_and_cell_minimums() -> None:
    """Unknown regions and axes, and bounds with neither or both of amount/share, are errors."""
    rules = Rules(
        region_floors=(RegionBound("9", amount=10),),
        region_caps=(RegionBound("02"),),
        absorption_caps=(RegionBound("01", amount=100, share=0.1),),
        cell_minimums=(CellMinimum("P9", "*", amount=5),),
    )
    assert messages(scenario(rules=rules)) == [
        "rules/region_floors/0/region: unknown region '9' (did you mean '09'?): use a code from "
        'the regions file or "*" for every region',
        "rules/region_caps/0: gives neither amount nor share: give exactly one",
        "rules/absorption_caps/0: gives both amount and share: give exactly one",
        "rules/absorption_caps/0/share: takes an amount in pesos, not a share",
        "rules/cell_minimums/0/axis: unknown axis 'P9' (axes: total)",
    ]


def test_floors_above_fund_warn_with_pesos() -> None:
    """Band floors, floors and cell minimums adding up above the fund give a peso warning."""
    rules = Rules(band=Band(0.0, None), region_floors=(RegionBound("01", amount=350),))
    problems = check_scenario(scenario(rules=rules))
    assert [p.severity for p in problems] == ["warning"]
    assert problems[0].message.startswith(
        "the regions' floors (band floors, region floors and cell minimums) add up to 1,050 "
        "pesos, 50 more than the fund 1,000"
    )


def test_caps_below_fund_warn() -> None:
    """Caps on every region summing below the fund give a warning with the shortfall."""
    rules = Rules(absorption_caps=(RegionBound("*", amount=300),))
    assert messages(scenario(rules=rules), "warning") == [
        "rules: the regions' caps (band caps, region caps and absorption caps) add up to 900 "
        "pesos, 100 less than the fund 1,000: raise the caps or lower the fund"
    ]


def test_floor_above_cap_is_a_warning() -> None:
    """A region whose floor exceeds its cap gets a warning naming both amounts."""
    rules = Rules(
        region_floors=(RegionBound("09", amount=500),),
        region_caps=(RegionBound("09", share=0.4),),
    )
    assert messages(scenario(rules=rules), "warning") == [
        "regions/09: region 09 (Ciudad de México): its floor 500 is above its cap 400 by 100 pesos"
    ]


def test_raise_for_problems_only_on_errors() -> None:
    """Warnings alone do not raise; any error raises ScenarioError with every problem."""
    warning = Problem("x", "careful", severity="warning")
    raise_for_problems([warning])
    error = Problem("y", "broken")
    with pytest.raises(ScenarioError) as info:
        raise_for_problems([warning, error])
    assert info.value.problems == (warning, error)


def _reference_feasibility(s: Scenario) -> list[str]:
    """check_feasibility as it was written first: every rule looked up for every region."""
    total = s.fund.total
    out: list[str] = []
    rules = s.rules

    def applying(items: Sequence[_Rule], code: str) -> list[_Rule]:
        if code == "*":
            return []
        return [i for i in items if i.region == "*"] + [i for i in items if i.region == code]

    def minimums(code: str) -> dict[str, float]:
        per_axis: dict[str, float] = {}
        for m in applying(rules.cell_minimums, code):
            if m.amount is not None:
                per_axis[m.axis] = max(per_axis.get(m.axis, 0.0), m.amount)
        return per_axis

    def amount(b: RegionBound) -> float:
        return float(b.amount) if b.amount is not None else (b.share or 0.0) * total

    bounds = {}
    for r in s.regions:
        floors, caps = [0.0], []
        band = rules.band
        if band is not None and r.previous is not None:
            if band.lower is not None:
                floors.append(r.previous * (1 + band.lower))
            if band.upper is not None:
                caps.append(r.previous * (1 + band.upper))
        floors.extend(amount(b) for b in applying(rules.region_floors, r.code))
        caps.extend(
            amount(b) for b in applying([*rules.region_caps, *rules.absorption_caps], r.code)
        )
        floors.append(math.fsum(minimums(r.code).values()))
        bounds[r.code] = (max(floors), min(caps) if caps else None)
    floor_sum = math.fsum(lo for lo, _ in bounds.values())
    if floor_sum > total:
        out.append(f"floors {floor_sum!r} {floor_sum - total!r}")
    his = [hi for _, hi in bounds.values()]
    if all(hi is not None for hi in his):
        cap_sum = math.fsum(hi for hi in his if hi is not None)
        if cap_sum < total:
            out.append(f"caps {cap_sum!r} {total - cap_sum!r}")
    for r in s.regions:
        lo, hi = bounds[r.code]
        if hi is not None and lo > hi:
            out.append(f"region {r.code} {lo!r} {hi!r}")
    needed: dict[str, float] = {}
    for r in s.regions:
        for axis_id, value in minimums(r.code).items():
            needed[axis_id] = needed.get(axis_id, 0.0) + value
    for axis in s.effective_axes:
        room = axis.upper_share * total
        if needed.get(axis.id, 0.0) > room:
            out.append(f"axis {axis.id} {needed[axis.id]!r} {room!r}")
    return out


def test_feasibility_warnings_match_the_per_region_reference() -> None:
    """The rules read once give the warnings of the plain per-region loop, number for number.

    Random bands, floors and caps (amounts, shares, for every region or one), several cell
    minimums per axis and regions without a previous allocation; many scenarios warn.
    """
    rng = random.Random(9)
    warned = 0
    for _ in range(300):
        n = rng.randint(1, 8)
        regions = tuple(
            Region(
                f"{k:02d}",
                f"R{k}",
                {"pop": 1.0 + k},
                previous=rng.choice([None, rng.randint(0, 500)]),
                population=10,
            )
            for k in range(n)
        )
        codes = ["*", *(r.code for r in regions), "99"]

        def bound(codes: list[str] = codes) -> RegionBound:
            if rng.random() < 0.5:
                return RegionBound(rng.choice(codes), amount=rng.randint(0, 400))
            return RegionBound(rng.choice(codes), share=rng.choice([0.0, 0.05, 0.1, 0.3, 1 / 3]))

        axes = (
            Axis("A", "A", share_min=0.0, share_max=rng.choice([0.2, 0.5, 1.0])),
            Axis("B", "B", share_min=0.0, share_max=1.0),
        )
        rules = Rules(
            band=rng.choice([None, Band(-0.1, 0.1), Band(0.0, None), Band(None, 0.2)]),
            region_floors=tuple(bound() for _ in range(rng.randint(0, 4))),
            region_caps=tuple(bound() for _ in range(rng.randint(0, 4))),
            absorption_caps=tuple(bound() for _ in range(rng.randint(0, 2))),
            cell_minimums=tuple(
                CellMinimum(
                    rng.choice("AB"),
                    rng.choice(codes),
                    amount=rng.choice([None, rng.randint(0, 150)]),
                    share=None,
                )
                for _ in range(rng.randint(0, 5))
            ),
        )
        s = scenario(regions=regions, criteria=(Criterion("pop", 0.9),), axes=axes, rules=rules)
        got = check_feasibility(s)
        want = _reference_feasibility(s)
        warned += bool(want)
        assert len(got) == len(want), (got, want)
        for problem, line in zip(got, want, strict=True):
            kind, *numbers = line.split(" ")
            if kind == "region":
                code, lo, hi = numbers
                assert problem.field == f"regions/{code}"
                assert _pesos(float(lo)) in problem.message
                assert _pesos(float(hi)) in problem.message
            else:
                for number in numbers[-2:]:
                    assert _pesos(float(number)) in problem.message, (problem, line)
    assert warned > 50
