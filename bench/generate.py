"""Deterministic generator of municipal-scale scenarios in the project's own file format.

``write_scenario(folder, regions=2469, axes=24, seed=2026)`` writes ``scenario.yaml`` plus
``data/municipalities.csv`` and ``data/indicators.csv`` that ``optimizer.io.load_scenario``
reads like any planner's scenario. Same arguments, same bytes.

The data imitate the municipal pass-through of the FASP: 2,469 municipalities (INEGI 5-digit
codes: state + municipality), populations drawn from a log-normal distribution (skewed: a few
municipalities of a million and more, most of a few thousand inhabitants, as in the census),
crime and police rates with heavy tails, a previous allocation that follows last year's formula
with noise (so the [0 %, +10 %] band holds about a third of the municipalities at one end), and
axes with share ranges and one national-priority minimum share per municipality.
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path

MUNICIPALITIES = 2469
"""INEGI's count of municipalities and Mexico City boroughs (2020 census frame)."""

# Municipalities per state, summing to 2,469 (INEGI 2020 frame, states 01..32).
PER_STATE = (
    11, 5, 5, 13, 38, 10, 124, 67, 16, 39, 46, 81, 84, 125, 125, 113,
    36, 20, 51, 570, 217, 18, 11, 58, 18, 72, 17, 43, 60, 212, 106, 58,
)  # fmt: skip


def _codes(regions: int) -> list[str]:
    """INEGI-like 5-digit codes; the real frame for 2,469, a proportional subset below it.

    Above 2,469 (a stress size, not a real frame): 6-digit codes, state + 4-digit number, the
    states' counts scaled up in proportion.
    """
    codes = [f"{s + 1:02d}{m + 1:03d}" for s, count in enumerate(PER_STATE) for m in range(count)]
    assert len(codes) == MUNICIPALITIES
    if regions > len(codes):
        counts = [count * regions // MUNICIPALITIES for count in PER_STATE]
        counts[-1] += regions - sum(counts)
        return [f"{s + 1:02d}{m + 1:04d}" for s, count in enumerate(counts) for m in range(count)]
    if regions == len(codes):
        return codes
    step = len(codes) / regions
    return [codes[int(i * step)] for i in range(regions)]


def _axes(count: int, rng: random.Random) -> list[dict[str, float | str]]:
    """Axes whose target shares sum to 1, with ranges around them (sum of minimums < 1)."""
    raw = [rng.paretovariate(1.5) for _ in range(count)]
    total = sum(raw)
    out: list[dict[str, float | str]] = []
    for i, value in enumerate(raw):
        target = round(value / total, 6)
        out.append(
            {
                "id": f"P{i + 1:02d}",
                "target_share": target,
                "share_min": round(target * 0.6, 6),
                "share_max": round(min(1.0, target * 1.5), 6),
            }
        )
    # Exact sum of 1 for the target shares (the checks allow round-off; keep it clean anyway).
    drift = round(1.0 - sum(float(a["target_share"]) for a in out), 6)
    out[0]["target_share"] = round(float(out[0]["target_share"]) + drift, 6)
    return out


def write_scenario(
    folder: Path,
    *,
    regions: int = MUNICIPALITIES,
    axes: int = 24,
    seed: int = 2026,
    fund: int = 1_988_232_583,
) -> Path:
    """Write a scenario folder and return the path of its ``scenario.yaml``.

    ``fund`` defaults to 20 % of FASP 2026 (the municipal pass-through floor), in pesos.
    """
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "data").mkdir(exist_ok=True)
    codes = _codes(regions)
    pop = [max(100, int(rng.lognormvariate(9.6, 1.35))) for _ in codes]
    homicide = [round(rng.lognormvariate(2.8, 0.9), 2) for _ in codes]
    extortion = [round(rng.lognormvariate(1.2, 1.1), 2) for _ in codes]
    police = [round(max(0.05, rng.lognormvariate(0.2, 0.6)), 3) for _ in codes]
    vetting = [round(rng.uniform(35.0, 99.0), 1) for _ in codes]
    # Last year's allocation: roughly last year's formula (a smaller fund) with +-15 % noise.
    weights = [0.12 / len(codes) + 0.88 * p / sum(pop) for p in pop]
    last_fund = fund * 0.96
    previous = [int(w * last_fund * rng.uniform(0.85, 1.15)) for w in weights]

    lines = ["cve_mun,municipio,poblacion_2026,asignacion_anterior"]
    lines += [
        f"{c},Municipio {c},{p},{prev}" for c, p, prev in zip(codes, pop, previous, strict=True)
    ]
    (folder / "data" / "municipalities.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    lines = ["cve_mun,homicidio_100k,extorsion_100k,policias_1000,control_confianza_pct"]
    lines += [
        f"{c},{h},{e},{p},{v}"
        for c, h, e, p, v in zip(codes, homicide, extortion, police, vetting, strict=True)
    ]
    (folder / "data" / "indicators.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")

    axis_rows = _axes(axes, rng)
    axis_yaml = "\n".join(
        f"  - {{id: {a['id']}, name_es: Programa {a['id']}, share_min: {a['share_min']}, "
        f"share_max: {a['share_max']}, target_share: {a['target_share']}}}"
        for a in axis_rows
    )
    priority = axis_rows[-1]["id"]
    text = f"""# Generated by bench/generate.py (seed {seed}): synthetic data, not real municipalities.
format_version: 1
name: bench-{len(codes)}x{axes}
description: Synthetic municipal scenario for benchmarks ({len(codes)} municipalities, {axes} axes, seed {seed}).
fund:
  name: FASP municipal
  fiscal_year: 2026
  total: {fund}
  rounding_unit: 1
regions:
  file: data/municipalities.csv
  code: cve_mun
  name: municipio
  previous_allocation: asignacion_anterior
  population: poblacion_2026
indicators:
  - file: data/indicators.csv
    code: cve_mun
criteria:
  - {{indicator: poblacion_2026, weight: 0.40}}
  - {{indicator: homicidio_100k, weight: 0.20}}
  - {{indicator: extorsion_100k, weight: 0.10}}
  - {{indicator: policias_1000, weight: 0.10, direction: higher_needs_less}}
  - {{indicator: control_confianza_pct, weight: 0.08}}
base_amount:
  weight: 0.12
axes:
{axis_yaml}
rules:
  band:
    lower: 0.0
    upper: 0.10
  cell_minimums:
    - {{axis: {priority}, region: "*", share: 0.005}}
objective: proportional
"""
    path = folder / "scenario.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def main() -> None:
    """Command line: ``python bench/generate.py OUT_FOLDER [--regions N] [--axes M] [--seed S]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--regions", type=int, default=MUNICIPALITIES)
    parser.add_argument("--axes", type=int, default=24)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    print(write_scenario(args.folder, regions=args.regions, axes=args.axes, seed=args.seed))


if __name__ == "__main__":
    main()
