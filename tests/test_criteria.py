"""Nested criteria, declared indicators and guaranteed amounts (issue 10), through the engine.

Each test compares with an independent computation: a hand-flattened twin, exact rational
arithmetic (``fractions.Fraction``), plain arithmetic on the inline data, or pandas.
"""

from __future__ import annotations

import csv
import io
import json
import math
import statistics
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import pandas as pd
import pytest

from optimizer.checks import check_scenario
from optimizer.cli import EXIT_OK, main
from optimizer.domain import (
    AllocateOptions,
    CriteriaCategory,
    Criterion,
    DerivedIndicator,
    DerivedOp,
    Guaranteed,
    Language,
    RegionBound,
    RuleFamily,
    Rules,
    Scenario,
    ShiftMethod,
    canonical_json,
    criteria_tree,
)
from optimizer.errors import InfeasibleError, ScenarioError
from optimizer.formula import compute_targets, effective_criteria
from optimizer.indicators import evaluate, with_derived
from optimizer.io import load_scenario, load_scenario_files
from optimizer.io.report import render_html
from optimizer.io.results import justifications_md, plan_to_dict, regions_csv, render_table
from optimizer.limits import MAX_CATEGORIES, MAX_CRITERIA_DEPTH, MAX_DERIVED_INDICATORS
from optimizer.pipeline import allocate
from tests.conftest import region, region_totals, scenario

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"
FLAT_DGP = Path(__file__).resolve().parent / "data" / "flat" / "dgp-prototype-2026-flat.yaml"


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in folder.rglob("*")
        if p.suffix in {".yaml", ".csv"}
    }


def _cells(plan: object) -> list[tuple[str, str, int]]:
    return [(c.region, c.axis, c.amount) for c in plan.cells]  # type: ignore[attr-defined]


def _messages(s: Scenario) -> list[str]:
    return [p.message for p in check_scenario(s) if p.severity == "error"]


# ------------------------------------------------------------------------------ nested criteria


def _nested() -> Scenario:
    """Four regions; population 0.5, a crime category 0.3 (0.6 / 0.4), base 0.2 inside 'other'."""
    regions = (
        region("01", 1, 300_000, 100, pop=1_000, hom=12.0, ext=1.5, pol=2.0),
        region("02", 1, 200_000, 100, pop=3_000, hom=40.0, ext=3.0, pol=1.0),
        region("03", 1, 250_000, 100, pop=2_000, hom=5.0, ext=7.0, pol=4.0),
        region("04", 1, 150_000, 100, pop=500, hom=22.0, ext=0.5, pol=3.0),
    )
    regions_only = scenario(
        regions,
        fund=1_000_000,
        criteria=(
            Criterion("pop", 0.5),
            Criterion("hom", 0.6, category="crime"),
            Criterion("ext", 0.4, category="crime"),
            Criterion("pol", 0.5, category="other"),
        ),
        rules=Rules(region_caps=(RegionBound("02", amount=330_000),)),
    )
    categories = (
        CriteriaCategory("crime", 0.3, label_es="Incidencia"),
        CriteriaCategory("other", 0.2, base_weight=0.5, label_es="Otros"),
    )
    return replace(regions_only, categories=categories)


def test_nested_scenario_equals_its_hand_flattened_twin() -> None:
    """Categories multiply out: the plan of the nested scenario is the flat twin's, to the peso."""
    nested = _nested()
    flat = replace(
        nested,
        categories=(),
        criteria=(
            Criterion("pop", 0.5),
            Criterion("hom", 0.18),
            Criterion("ext", 0.12),
            Criterion("pol", 0.1),
        ),
        base_weight=0.1,
    )
    criteria, base = effective_criteria(nested)
    assert [(c.indicator, c.weight) for c in criteria] == [
        (c.indicator, c.weight) for c in flat.criteria
    ]
    assert base == 0.1
    a, b = allocate(nested), allocate(flat)
    assert _cells(a) == _cells(b)
    assert [j.contributions for j in a.justifications] == [
        j.contributions for j in b.justifications
    ]
    assert sum(region_totals(a).values()) == 1_000_000


def test_category_subtotals_add_up_to_the_sources_under_them() -> None:
    """Each region's category subtotal is the sum of its criteria's pesos (and the base inside)."""
    plan = allocate(_nested())
    for j in plan.justifications:
        pesos = {c.source: c.amount for c in j.contributions}
        sub = {c.category: c.amount for c in j.categories}
        assert sub == {
            "crime": pesos["hom"] + pesos["ext"],
            "other": pesos["pol"] + pesos["base_amount"],
        }
        assert [c.weight for c in j.categories] == [0.3, 0.2]
        assert sum(sub.values()) + pesos["pop"] == j.target
    summary = {c.category: c.amount for c in plan.categories}
    assert summary["crime"] == sum(j.categories[0].amount for j in plan.justifications)
    # The category's share of the fund is its weight, to a peso per region.
    assert abs(summary["crime"] - 300_000) <= 4
    assert abs(summary["other"] - 200_000) <= 4
    row = plan.regions[0]
    assert row.categories == plan.justifications[0].categories
    assert "Por categoría: Incidencia $" in plan.justifications[0].text


def test_dgp_prototype_restated_gives_the_cells_of_the_flattened_list() -> None:
    """The four categories as the planning office writes them give the former flat file's plan."""
    folder = SCENARIOS / "dgp-prototype-2026"
    restated = load_scenario(folder)
    files = _files(folder)
    files["scenario.yaml"] = FLAT_DGP.read_bytes()
    flat = load_scenario_files(files)
    assert not flat.categories
    assert len(restated.categories) == 4
    criteria, base = effective_criteria(restated)
    assert [replace(c, category="") for c in criteria] == list(flat.criteria)
    assert base == flat.base_weight
    a, b = allocate(restated), allocate(flat)
    assert _cells(a) == _cells(b)
    assert sum(c.amount for c in a.cells) == 9_941_162_915
    # The category subtotals are the app's category weights of the fund (within 32 pesos).
    weights = {"caracteristicas_estatales": 0.6, "desempeno_institucional": 0.24}
    weights |= {"ejercicio": 0.01, "resultados": 0.15}
    for c in a.categories:
        assert abs(c.amount - weights[c.category] * 9_941_162_915) <= 32
    assert sum(c.amount for c in a.categories) == 9_941_162_915


def test_dgp_prototype_cells_are_the_golden_cells_of_the_flat_file() -> None:
    """The flat file's plan is the golden one stored before the restatement (cells to the peso)."""
    folder = SCENARIOS / "dgp-prototype-2026"
    files = _files(folder)
    files["scenario.yaml"] = FLAT_DGP.read_bytes()
    golden = json.loads((ROOT / "tests/golden/dgp-prototype-2026.json").read_text("utf-8"))
    want = [(c["region"], c["axis"], c["amount"]) for c in golden["cells"]]
    assert _cells(allocate(load_scenario_files(files))) == want
    assert _cells(allocate(load_scenario(folder))) == want


def test_criteria_tree_has_effective_weights_in_file_order() -> None:
    """The tree lists each category before its criteria, weights multiplied along the path."""
    tree = criteria_tree(load_scenario(SCENARIOS / "fasp-2026"))
    rows = [(n.depth, n.kind, n.id, n.weight, round(n.effective_weight, 12)) for n in tree]
    assert rows == [
        (1, "criterion", "pop_conapo_mid2026", 0.4, 0.4),
        (1, "category", "incidencia_delictiva", 0.3, 0.3),
        (2, "criterion", "homicidios_100k", 0.7, 0.21),
        (2, "criterion", "extorsion_100k", 0.3, 0.09),
        (1, "criterion", "tasa_policial_per_1000hab", 0.1, 0.1),
        (1, "criterion", "control_confianza_vigente_pct_derived", 0.08, 0.08),
        (1, "base_amount", "", 0.12, 0.12),
    ]


def test_flat_scenarios_keep_their_canonical_json() -> None:
    """A scenario without the new keys serialises as before (same input hash for old clients)."""
    s = scenario((region("01", 1), region("02", 3)))
    text = canonical_json(s)
    for key in ("categories", "derived", "guaranteed", '"category"'):
        assert key not in text


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda s: replace(s, criteria=(*s.criteria[:3], replace(s.criteria[3], weight=0.4))),
            "the weights in category 'other' (0.4 (pol) + 0.5 (base amount)) sum to 0.9",
        ),
        (
            lambda s: replace(s, categories=(*s.categories, CriteriaCategory("empty", 0.0))),
            "category 'empty' has no criteria",
        ),
        (
            lambda s: replace(
                s, categories=(*s.categories, CriteriaCategory("base_only", 0.0, base_weight=0.5))
            ),
            "the weights in category 'base_only' (0.5 (base amount)) sum to 0.5",
        ),
        (
            lambda s: replace(
                s,
                categories=(
                    replace(s.categories[0], parent="other"),
                    replace(s.categories[1], parent="crime"),
                ),
            ),
            "a cycle of parents",
        ),
        (
            lambda s: replace(
                s, categories=(*s.categories[:1], replace(s.categories[1], parent="nowhere"))
            ),
            "unknown parent 'nowhere'",
        ),
        (
            lambda s: replace(s, base_weight=0.1),
            "the base amount sits in 2 places",
        ),
        (
            lambda s: replace(s, criteria=(*s.criteria, Criterion("hom", 0.0, category="other"))),
            "indicator 'hom' is used by two criteria",
        ),
        (
            lambda s: replace(s, criteria=(*s.criteria, Criterion("pop", 0.0, category="nope"))),
            "names an unknown category 'nope'",
        ),
    ],
)
def test_structured_category_problems_are_named(change: object, expected: str) -> None:
    """Structured scenarios (the service's) get the same category checks as files."""
    messages = _messages(change(_nested()))  # type: ignore[operator]
    assert any(expected in m for m in messages), messages


def test_nesting_deeper_than_the_limit_is_refused_for_structured_scenarios() -> None:
    """A category at level 3 holds level-4 criteria: refused with the limit named."""
    chain = tuple(
        CriteriaCategory(f"c{k}", 1.0, parent=f"c{k - 1}" if k else "")
        for k in range(MAX_CRITERIA_DEPTH)
    )
    s = replace(
        scenario(
            (region("01", 1), region("02", 2)),
            criteria=(Criterion("need", 1.0, category=chain[-1].id),),
        ),
        categories=chain,
    )
    assert any(f"nest at most {MAX_CRITERIA_DEPTH} levels" in m for m in _messages(s))
    many = tuple(CriteriaCategory(f"c{k}", 0.0) for k in range(MAX_CATEGORIES + 1))
    assert any("categories: at most" in m for m in _messages(replace(s, categories=many)))


# -------------------------------------------------------------------------- declared indicators


def _declared(*derived: DerivedIndicator, **values: tuple[float, float, float]) -> Scenario:
    regions = tuple(
        region(code, 1, **{name: v[k] for name, v in values.items()})
        for k, code in enumerate(("01", "02", "03"))
    )
    return replace(scenario(regions), derived=derived)


def test_declared_indicators_match_an_independent_computation() -> None:
    """ratio, mean, sum, inverse_share, shift (range and mean + 3 sd), min_max as documented."""
    data = {"v": (120.0, 45.0, 300.0), "p": (2.0e6, 0.5e6, 3.0e6), "a": (1.0, 2.0, 6.0)}
    data |= {"b": (3.0, 2.0, 0.0), "c": (-0.2, 0.1, 0.05)}
    s = _declared(
        DerivedIndicator("rate", DerivedOp.RATIO, ("v", "p"), scale=100_000),
        DerivedIndicator("avg", DerivedOp.MEAN, ("a", "b")),
        DerivedIndicator("tot", DerivedOp.SUM, ("a", "b", "avg")),
        DerivedIndicator("inv", DerivedOp.INVERSE_SHARE, ("rate",)),
        DerivedIndicator("sh", DerivedOp.SHIFT, ("c",), floor=0.1),
        DerivedIndicator("sd", DerivedOp.SHIFT, ("c",), method=ShiftMethod.MEAN_3SD),
        DerivedIndicator("mm", DerivedOp.MIN_MAX, ("a",), floor=0.05),
        **data,
    )
    values, problems = evaluate(s)
    assert problems == []
    frame = pd.DataFrame(data)
    rate = frame.v / frame.p * 100_000
    avg = (frame.a + frame.b) / 2
    c = frame.c
    want = {
        "rate": rate,
        "avg": avg,
        "tot": frame.a + frame.b + avg,
        "inv": (1 / rate) / (1 / rate).sum(),
        "sh": c - c.min() + 0.1 * (c.max() - c.min()),
        "sd": c + c.mean() + 3 * c.std(ddof=1),
        "mm": 0.05 + 0.95 * (frame.a - frame.a.min()) / (frame.a.max() - frame.a.min()),
    }
    for name, series in want.items():
        assert values[name] == pytest.approx(list(series), rel=1e-12), name
    assert values["rate"] == [6.0, 9.0, 10.0]
    assert min(values["mm"]) == 0.05
    assert max(values["mm"]) == 1.0
    assert statistics.fmean(values["sd"]) > 0


def test_declared_indicator_problems_are_located() -> None:
    """Cycles of two, unknown columns, zero denominators, constant min_max: each named."""
    cycle = _declared(
        DerivedIndicator("x", DerivedOp.SUM, ("y",)),
        DerivedIndicator("y", DerivedOp.SUM, ("x",)),
        a=(1, 2, 3),
    )
    assert any("x, y are built from each other: a cycle" in m for m in _messages(cycle))
    zero = _declared(DerivedIndicator("r", DerivedOp.RATIO, ("a", "b")), a=(1, 2, 3), b=(1, 0, 2))
    problems = [p for p in check_scenario(zero) if "division by zero" in p.message]
    assert [p.field for p in problems] == ["regions/02/indicators/b"]
    assert "region 02 (Region 02)" in problems[0].message
    flat = _declared(DerivedIndicator("m", DerivedOp.MIN_MAX, ("a",)), a=(2, 2, 2))
    assert any("min_max cannot scale it" in m for m in _messages(flat))
    neg = _declared(DerivedIndicator("i", DerivedOp.INVERSE_SHARE, ("a",)), a=(1, -2, 3))
    assert any("-2 is negative" in m for m in _messages(neg))
    arity = _declared(DerivedIndicator("r", DerivedOp.RATIO, ("a",)), a=(1, 2, 3))
    assert any("ratio takes exactly 2 column(s)" in m for m in _messages(arity))
    many = tuple(
        DerivedIndicator(f"d{k}", DerivedOp.SUM, ("a",)) for k in range(MAX_DERIVED_INDICATORS + 1)
    )
    assert any("at most" in m for m in _messages(_declared(*many, a=(1, 2, 3))))


def test_criteria_use_declared_indicators_like_columns() -> None:
    """A criterion on a declared rate gives the shares of the rate computed by hand."""
    s = _declared(
        DerivedIndicator("rate", DerivedOp.RATIO, ("v", "p"), scale=100_000),
        v=(100.0, 300.0, 100.0),
        p=(1e6, 1e6, 2e6),
    )
    s = replace(s, criteria=(Criterion("rate", 1.0),))
    plan = allocate(s)
    # rates 10, 30, 5 -> shares 10/45, 30/45, 5/45 of 1,000,000, whole pesos by largest remainder
    assert region_totals(plan) == {"01": 222_222, "02": 666_667, "03": 111_111}
    notes = plan.justifications[0].derived
    assert [(n.name, n.description) for n in notes] == [("rate", "v / p x 100,000")]
    assert with_derived(s).regions[1].indicators["rate"] == 30.0


def test_fasp_2026_rates_are_computed_from_counts() -> None:
    """fasp-2026's homicide rate is victims / mid-2026 population x 100,000 (pandas, independently)."""
    folder = SCENARIOS / "fasp-2026"
    s = with_derived(load_scenario(folder))
    crime = pd.read_csv(folder / "data/crime_2024.csv", dtype={"cve_ent": str}).set_index("cve_ent")
    states = pd.read_csv(folder / "data/states.csv", dtype={"cve_ent": str}).set_index("cve_ent")
    rate = crime.homicidio_doloso_victims_2024 / states.pop_conapo_mid2026 * 100_000
    for r in s.regions:
        assert r.indicators["homicidios_100k"] == pytest.approx(rate[r.code], rel=1e-12)
        # Near the published rate (mid-2024 population): within 6 %.
        published = crime.homicidio_doloso_victims_per100k_2024[r.code]
        assert abs(r.indicators["homicidios_100k"] / published - 1) < 0.06


# ---------------------------------------------------------------------------- guaranteed amounts


def test_didactic_guaranteed_plus_excess_by_hand() -> None:
    """30 + 3, 25 + 4, 35 + 3 million: guaranteed amount plus the formula on the 10 M excess."""
    plan = allocate(load_scenario(SCENARIOS / "didactic" / "guaranteed-excess"))
    assert region_totals(plan) == {"01": 33_000_000, "02": 29_000_000, "03": 38_000_000}
    got = [(j.guaranteed, j.formula_on_excess) for j in plan.justifications]
    assert got == [(30_000_000, 3_000_000), (25_000_000, 4_000_000), (35_000_000, 3_000_000)]
    assert plan.guaranteed_total == 90_000_000
    text = plan.justifications[0].text
    assert "Monto garantizado $30,000,000; fórmula sobre el excedente $3,000,000." in text
    assert "se calcula como victimas_homicidio / poblacion x 100,000" in text
    english = allocate(
        load_scenario(SCENARIOS / "didactic" / "guaranteed-excess"),
        AllocateOptions(language=Language.EN),
    )
    assert "Guaranteed amount $25,000,000; formula on the excess $4,000,000." in (
        english.justifications[1].text
    )


def test_guaranteed_amount_is_a_floor_the_redistribution_cannot_cut() -> None:
    """A floor elsewhere pays from the excess; the guaranteed amount binds, never the cut."""
    regions = (region("01", 1), region("02", 1), region("03", 2))
    s = replace(
        scenario(
            regions, fund=1_000_000, rules=Rules(region_floors=(RegionBound("01", amount=500_000),))
        ),
        guaranteed=Guaranteed(amounts={"01": 100_000, "02": 200_000, "03": 300_000}),
    )
    plan = allocate(s)
    # Targets: 100 + 100, 200 + 100, 300 + 200 thousand. Region 01 needs 500 k: 300 k more, taken
    # from 02 and 03, which the guarantee holds at 200 k and 300 k.
    assert region_totals(plan) == {"01": 500_000, "02": 200_000, "03": 300_000}
    families = {b.family for j in plan.justifications[1:] for b in j.binding}
    assert families == {RuleFamily.GUARANTEED}


def test_previous_factor_guarantees_previous_times_factor_rounded_down() -> None:
    """previous x 0.95, exact decimals, rounded down to the rounding unit (100 pesos)."""
    regions = (region("01", 1, previous=333_333), region("02", 3, previous=666_667))
    s = replace(
        scenario(regions, fund=1_100_000, unit=100), guaranteed=Guaranteed(previous_factor=0.95)
    )
    targets = compute_targets(s)
    want = [
        int(Fraction(333_333) * Fraction(95, 100)) // 100 * 100,
        int(Fraction(666_667) * Fraction(95, 100)) // 100 * 100,
    ]
    assert list(targets.guaranteed) == want == [316_600, 633_300]
    excess = 1_100_000 - sum(want)
    assert targets.region.tolist() == pytest.approx(
        [want[0] + excess / 4, want[1] + 3 * excess / 4]
    )


def test_guaranteed_above_the_fund_is_infeasible_in_pesos() -> None:
    """Guarantees above the fund end as infeasible criteria with the excess in pesos."""
    s = replace(
        scenario((region("01", 1), region("02", 1)), fund=1_000_000),
        guaranteed=Guaranteed(amounts={"01": 700_000, "02": 500_000}),
    )
    with pytest.raises(InfeasibleError) as info:
        allocate(s)
    [conflict] = info.value.conflicts
    assert (conflict.family, conflict.amount) == (RuleFamily.GUARANTEED, 200_000)
    warnings = [p.message for p in check_scenario(s) if p.severity == "warning"]
    assert any("add up to 1,200,000 pesos, 200,000 more than the fund" in w for w in warnings)


def test_guaranteed_structured_problems() -> None:
    """Missing regions, unknown codes, negative pesos and both forms at once are refused."""
    base = scenario((region("01", 1), region("02", 1)), fund=1_000_000, unit=10)
    bad = replace(base, guaranteed=Guaranteed(amounts={"01": -5, "9": 1}))
    messages = _messages(bad)
    assert any("unknown region '9'" in m for m in messages)
    assert any("no guaranteed amount for region(s) 02" in m for m in messages)
    assert any("-5 is negative" in m for m in messages)
    both = replace(base, guaranteed=Guaranteed(amounts={"01": 10, "02": 10}, previous_factor=1.0))
    assert any("not both" in m for m in _messages(both))
    odd = replace(base, guaranteed=Guaranteed(amounts={"01": 15, "02": 10}))
    assert any("not a multiple of the rounding unit 10" in m for m in _messages(odd))


# ------------------------------------------------------------------------------- frozen shares


def test_frozen_shares_reproduce_2025_shares_times_2026_fund_to_the_peso() -> None:
    """Each state: 9,941,162,915 x P / sum(P), whole pesos by largest remainder (ties: lower code)."""
    folder = SCENARIOS / "fasp-2026-frozen-shares"
    with (folder / "data/states.csv").open(encoding="utf-8") as handle:
        previous = {row["cve_ent"]: int(row["fasp_2025_mxn"]) for row in csv.DictReader(handle)}
    fund, total = 9_941_162_915, sum(previous.values())
    exact = {code: Fraction(fund * p, total) for code, p in previous.items()}
    want = {code: math.floor(v) for code, v in exact.items()}
    missing = fund - sum(want.values())
    for code in sorted(exact, key=lambda c: (-(exact[c] - want[c]), c))[:missing]:
        want[code] += 1
    plan = allocate(load_scenario(folder))
    assert region_totals(plan) == want
    assert sum(want.values()) == fund == plan.total
    assert missing == 16


# ------------------------------------------------------------------------------------ outputs


def test_table_json_and_regions_csv_carry_category_subtotals(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """fsf solve's table, JSON, regions.csv, Markdown and HTML show each category's pesos."""
    folder = SCENARIOS / "dgp-prototype-2026"
    plan = allocate(load_scenario(folder))
    table = render_table(plan)
    assert "Características estatales" in table.splitlines()[0]
    assert "5,964,697,749" in table  # 0.60 of the fund over all regions
    rows = list(csv.DictReader(io.StringIO(regions_csv(plan))))
    assert (
        int(rows[0]["category:caracteristicas_estatales"]) == plan.regions[0].categories[0].amount
    )
    assert sum(int(r["category:resultados"]) for r in rows) == 1_491_174_441
    data = plan_to_dict(plan)
    assert data["categories"][0]["amount"] == 5_964_697_749  # type: ignore[index]
    html = render_html(plan)
    assert "<th>Características estatales (60 %)</th>" in html
    assert '<th class="n">1,491,174,441</th>' in html
    assert "| Resultados | 15.00 % | $52,224,085 |" in justifications_md(plan)
    assert main(["solve", str(folder), "--format", "json"]) == EXIT_OK
    out = json.loads(capsys.readouterr().out)
    first = out["regions"][0]["categories"][0]
    assert first["category"] == "caracteristicas_estatales"
    assert first["amount"] == "121506256"
    assert out["justifications"][0]["categories"][3]["category"] == "resultados"


def test_validate_prints_the_tree_with_effective_weights(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """fsf validate shows categories, their criteria and the product of weights."""
    assert main(["validate", str(SCENARIOS / "dgp-prototype-2026"), "--lang", "en"]) == EXIT_OK
    out = capsys.readouterr().out
    assert "criteria: 14 in 4 categories" in out
    assert "60.00 % ->  60.00 %  [caracteristicas_estatales] Características estatales" in out
    assert "20.00 % ->   4.80 %  Dig_salarial" in out
    assert "20.00 % ->  12.00 %  base amount (equal parts)" in out
    assert main(["validate", str(SCENARIOS / "dgp-prototype-2026")]) == EXIT_OK
    out = capsys.readouterr().out
    assert "criterios: 14 en 4 categorías (ponderación dentro de su categoría" in out
    assert "20.00 % ->  12.00 %  monto base (partes iguales)" in out
    assert (
        main(["validate", str(SCENARIOS / "didactic" / "guaranteed-excess"), "--lang", "en"])
        == EXIT_OK
    )
    out = capsys.readouterr().out
    assert "homicidios_100k = victimas_homicidio / poblacion x 100,000" in out
    assert (
        "guaranteed: 90,000,000 MXN (column monto_2010); the formula shares the excess 10,000,000"
        in out
    )


def test_the_loader_reads_the_new_keys_and_refuses_their_misuse() -> None:
    """previous_factor, a category in an axis' criteria, both guaranteed forms at once."""
    states = b"cve_ent,entidad,pob,prev\n01,A,100,600\n02,B,300,400\n"
    head = (
        "format_version: 1\nname: t\nfund: {name: F, fiscal_year: 2026, total: 2000}\n"
        "regions: {file: s.csv, code: cve_ent, name: entidad, previous_allocation: prev}\n"
    )

    def load(text: str) -> Scenario:
        return load_scenario_files({"scenario.yaml": (head + text).encode(), "s.csv": states})

    s = load("guaranteed: {previous_factor: 1.5}\ncriteria: [{indicator: pob, weight: 1}]\n")
    assert s.guaranteed == Guaranteed(previous_factor=1.5)
    # 900 + 600 guaranteed, the excess 500 by population (1:3): 1,025 and 975.
    assert region_totals(allocate(s)) == {"01": 1_025, "02": 975}
    with pytest.raises(ScenarioError) as info:
        load(
            "guaranteed: {previous_factor: 1.5, column: prev}\ncriteria: [{indicator: pob, weight: 1}]\n"
        )
    assert "give exactly one of column (pesos per region) or previous_factor" in str(info.value)
    axes = (
        "criteria: [{indicator: pob, weight: 1}]\naxes:\n  - id: A\n    share: 1\n"
        "    criteria:\n      - {category: c, weight: 1, criteria: [{indicator: pob, weight: 1}]}\n"
    )
    with pytest.raises(ScenarioError) as info:
        load(axes)
    assert "axes[0].criteria[0]" in str(info.value)
    assert "categories group the fund's criteria only" in str(info.value)
