"""Data checks on the shipped scenario files, read directly with yaml and pandas.

These tests do not use the optimizer: they pin the arithmetic the scenarios rely on (totals,
weights, band and axis feasibility) so a data edit that breaks it fails here first.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
REAL = ("fasp-2026", "dgp-prototype-2026")
DIDACTIC = ("three-states", "four-states-axes", "infeasible", "guaranteed-excess")
ALL = tuple(SCENARIOS / name for name in (*REAL, "fasp-2026-frozen-shares")) + tuple(
    SCENARIOS / "didactic" / name for name in DIDACTIC
)
FUND_2026 = 9_941_162_915
PREVIOUS_2025_TOTAL = 9_555_934_499
STATE_CODES = [f"{i:02d}" for i in range(1, 33)]


def load(folder: Path) -> dict[str, Any]:
    """Read a scenario's YAML file."""
    with (folder / "scenario.yaml").open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def regions(folder: Path, scenario: dict[str, Any]) -> pd.DataFrame:
    """Read a scenario's regions CSV with the code column as text."""
    spec = scenario["regions"]
    return pd.read_csv(folder / spec["file"], dtype={spec["code"]: str}, encoding="utf-8")


def previous(folder: Path, scenario: dict[str, Any]) -> list[int]:
    """Previous allocations of a scenario's regions as Python integers."""
    column = scenario["regions"]["previous_allocation"]
    return [int(v) for v in regions(folder, scenario)[column]]


def band_bounds(folder: Path, scenario: dict[str, Any]) -> tuple[float, float]:
    """Sums of the band floors and caps implied by the previous allocations."""
    band = scenario["rules"]["band"]
    total = sum(previous(folder, scenario))
    return total * (1 + band["lower"]), total * (1 + band["upper"])


def leaves(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The criteria of a (possibly nested) criteria list, categories opened."""
    out = []
    for item in items:
        out += leaves(item["criteria"]) if "category" in item else [item]
    return out


def check_sums(items: list[dict[str, Any]], base: float) -> None:
    """Within the list and within every category, the weights plus the base sum to 1."""
    total = sum(item["weight"] for item in items) + base
    assert math.isclose(total, 1.0, rel_tol=0.0, abs_tol=1e-9), items
    for item in items:
        if "category" in item:
            check_sums(item["criteria"], item.get("base_weight", 0.0))


@pytest.mark.parametrize("folder", ALL, ids=lambda p: p.name)
def test_weights_and_base_sum_to_one(folder: Path) -> None:
    """Criteria weights plus the base amount weight sum to 1, in every category too."""
    scenario = load(folder)
    check_sums(scenario["criteria"], scenario.get("base_amount", {}).get("weight", 0.0))


@pytest.mark.parametrize("folder", ALL, ids=lambda p: p.name)
def test_fund_is_a_positive_multiple_of_its_rounding_unit(folder: Path) -> None:
    """Every fund total is a positive integer multiple of its rounding unit."""
    fund = load(folder)["fund"]
    assert isinstance(fund["total"], int)
    assert fund["total"] > 0
    assert fund["total"] % fund.get("rounding_unit", 1) == 0


@pytest.mark.parametrize("folder", ALL, ids=lambda p: p.name)
def test_every_named_file_exists_inside_the_scenario_folder(folder: Path) -> None:
    """The regions and indicator files exist and are named by paths inside the folder."""
    scenario = load(folder)
    files = [scenario["regions"]["file"]] + [
        i["file"] for i in scenario.get("indicators", []) if "file" in i
    ]
    for name in files:
        path = (folder / name).resolve()
        assert path.is_file(), name
        assert path.is_relative_to(folder.resolve()), name


@pytest.mark.parametrize("folder", ALL, ids=lambda p: p.name)
def test_criteria_columns_are_present_and_numeric(folder: Path) -> None:
    """Every criterion's indicator is a numeric column without gaps in one of the CSVs."""
    scenario = load(folder)
    table = regions(folder, scenario)
    code = scenario["regions"]["code"]
    for i in scenario.get("indicators", []):
        if "file" in i:
            other = pd.read_csv(folder / i["file"], dtype={i["code"]: str}, encoding="utf-8")
            other = other.rename(columns={i["code"]: code})
            keep = [code, *(c for c in other.columns if c not in table.columns)]
            table = table.merge(other[keep], on=code, how="left")
    tables = [table]
    # Declared ratios, computed here with pandas (an independent reader).
    for d in scenario.get("indicators", []):
        if d.get("op") == "ratio":
            numerator, denominator = d["of"]
            assert (table[denominator] > 0).all(), d["name"]
            tables.append(pd.DataFrame({d["name"]: table[numerator] / table[denominator]}))
    for criterion in leaves(scenario["criteria"]):
        name = criterion["indicator"]
        matches = [t[name] for t in tables if name in t.columns]
        assert len(matches) == 1, name
        column = matches[0]
        assert pd.api.types.is_numeric_dtype(column), name
        assert column.notna().all(), name
        if criterion.get("normalisation", "share") == "share":
            assert (column >= 0).all(), name
            if criterion.get("direction") == "higher_needs_less":
                assert (column > 0).all(), name


@pytest.mark.parametrize("name", REAL)
def test_real_scenarios_have_the_32_states(name: str) -> None:
    """The real scenarios list the 32 states once each, with codes 01 to 32."""
    folder = SCENARIOS / name
    scenario = load(folder)
    table = regions(folder, scenario)
    assert sorted(table[scenario["regions"]["code"]]) == STATE_CODES
    assert table[scenario["regions"]["name"]].notna().all()
    for indicator in scenario.get("indicators", []):
        if "file" not in indicator:
            continue
        other = pd.read_csv(folder / indicator["file"], dtype={indicator["code"]: str})
        assert sorted(other[indicator["code"]]) == STATE_CODES


@pytest.mark.parametrize("name", REAL)
def test_real_scenarios_previous_allocations_are_the_2025_fasp(name: str) -> None:
    """The 2025 FASP allocations are whole pesos summing to 9,555,934,499."""
    folder = SCENARIOS / name
    scenario = load(folder)
    column = regions(folder, scenario)[scenario["regions"]["previous_allocation"]]
    assert pd.api.types.is_integer_dtype(column)
    assert sum(previous(folder, scenario)) == PREVIOUS_2025_TOTAL


@pytest.mark.parametrize("name", REAL)
def test_real_scenarios_fund_is_fasp_2026(name: str) -> None:
    """The real scenarios distribute the FASP 2026 fund of 9,941,162,915 pesos."""
    fund = load(SCENARIOS / name)["fund"]
    assert fund["name"] == "FASP"
    assert fund["fiscal_year"] == 2026
    assert fund["total"] == FUND_2026
    assert fund["rounding_unit"] == 1


@pytest.mark.parametrize("name", REAL)
def test_real_scenarios_bands_contain_the_fund(name: str) -> None:
    """Band floors sum to at most the fund and band caps to at least the fund."""
    folder = SCENARIOS / name
    scenario = load(folder)
    floors, caps = band_bounds(folder, scenario)
    assert scenario["rules"]["band"] == {"lower": 0.0, "upper": 0.10}
    assert floors <= FUND_2026 <= caps


def test_dgp_prototype_is_labelled_unofficial_with_a_single_axis() -> None:
    """The planning-office prototype says UNOFFICIAL and has no axes."""
    folder = SCENARIOS / "dgp-prototype-2026"
    scenario = load(folder)
    assert "UNOFFICIAL" in scenario["name"].upper()
    assert "UNOFFICIAL" in scenario["description"]
    assert "UNOFFICIAL" in (folder / "README.md").read_text(encoding="utf-8")
    assert "axes" not in scenario


def _programas(ejes: list[dict[str, object]]) -> list[dict[str, object]]:
    return [p for e in ejes for p in e["children"]]  # type: ignore[attr-defined]


def _leaves(nodes: list[dict[str, object]]) -> list[dict[str, object]]:
    out = []
    for node in nodes:
        kids = node.get("children")
        out += _leaves(kids) if kids else [node]  # type: ignore[arg-type]
    return out


def test_fasp_2026_tree_is_the_catalogue() -> None:
    """5 ejes, the 9 programas under them, and every subprograma of the catalogue as a leaf."""
    import csv

    ejes = load(SCENARIOS / "fasp-2026")["axes"]
    assert [e["id"] for e in ejes] == [f"E{i}" for i in range(1, 6)]
    programas = sorted(p["id"] for p in _programas(ejes))
    assert programas == sorted(f"P{i}" for i in range(1, 10))
    leaves = {leaf["id"] for leaf in _leaves(ejes)}
    catalogue = SCENARIOS.parent.parent / "shared" / "data" / "ppn_catalog_fasp_2023_2025.csv"
    if catalogue.exists():
        with catalogue.open(encoding="utf-8") as f:
            subs = [r for r in csv.DictReader(f) if r["level"] == "subprograma"]
        for r in subs:
            sid = "SA" if r["id"].startswith("A") else f"S{int(r['id']):02d}"
            assert sid in leaves
    assert len(leaves) == 26  # 25 subprogramas and programa 3, which has none


def test_fasp_2026_axes_are_the_nine_programas_and_feasible() -> None:
    """The 9 programa axes have lower shares summing to at most 1 and upper shares to at least 1."""
    axes = _programas(load(SCENARIOS / "fasp-2026")["axes"])
    lower = sum(a["share_min"] for a in axes)
    upper = sum(a["share_max"] for a in axes)
    assert lower <= 1 <= upper
    assert lower < 1 < upper
    assert math.isclose(sum(a["target_share"] for a in axes), 1.0, rel_tol=0.0, abs_tol=1e-9)
    for axis in axes:
        assert axis["share_min"] <= axis["target_share"] <= axis["share_max"], axis["id"]


def test_fasp_2026_cell_minimums_fit_inside_their_axis() -> None:
    """Each cell-minimum share, summed over all states (share x fund), fits under its axis cap."""
    scenario = load(SCENARIOS / "fasp-2026")
    maxima = {a["id"]: a["share_max"] for a in _programas(scenario["axes"])}
    for rule in scenario["rules"]["cell_minimums"]:
        assert rule["region"] == "*"
        assert rule["axis"] == "S11"  # subprograma 11 is programa 6's
        assert rule["share"] <= maxima["P6"]


@pytest.mark.parametrize("name", ["three-states", "four-states-axes"])
def test_feasible_didactic_bands_contain_the_fund(name: str) -> None:
    """The feasible didactic scenarios have floors at most and caps at least the fund."""
    folder = SCENARIOS / "didactic" / name
    scenario = load(folder)
    floors, caps = band_bounds(folder, scenario)
    assert floors <= scenario["fund"]["total"] <= caps


def test_didactic_axes_are_feasible() -> None:
    """The didactic axes' lower shares sum to at most 1 and upper shares to at least 1."""
    axes = load(SCENARIOS / "didactic" / "four-states-axes")["axes"]
    assert sum(a["share_min"] for a in axes) <= 1 <= sum(a["share_max"] for a in axes)
    assert math.isclose(sum(a["target_share"] for a in axes), 1.0, rel_tol=0.0, abs_tol=1e-9)


def test_infeasible_didactic_floors_exceed_the_fund() -> None:
    """The infeasible didactic scenario's band floors exceed its fund by 100,000."""
    folder = SCENARIOS / "didactic" / "infeasible"
    scenario = load(folder)
    floors, _ = band_bounds(folder, scenario)
    assert floors > scenario["fund"]["total"]
    assert floors - scenario["fund"]["total"] == 100_000


@pytest.mark.parametrize("folder", ALL, ids=lambda p: p.name)
def test_no_absolute_paths_in_scenario_files(folder: Path) -> None:
    """No scenario file names an absolute path of the machine it was written on."""
    for path in folder.rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            assert "/work/" not in text, path
            assert "/home/" not in text, path
            assert "/tmp/" not in text, path
