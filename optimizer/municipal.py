"""Municipalities: each state's pass-through, and the scenarios that split it among them.

The pass-through of a state is ceil(share x its allocation) in whole pesos (at least the
share, so it is never under-stated; 20 % by default). With a municipal table, each state's
pass-through is a fund of its own, allocated among its municipalities by the same engine
(:func:`municipal_scenarios` builds one scenario per state; the pipeline allocates them).
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction

from optimizer.domain import (
    ALL_REGIONS,
    Fund,
    MunicipalSpec,
    PassThrough,
    Region,
    RegionBound,
    Rules,
    Scenario,
)

DEFAULT_SHARE = 0.20
"""At least 20 % of each state's FASP goes to its municipalities (LCF art. 45)."""


def pass_through_amount(share: float, total: int, unit: int = 1) -> int:
    """ceil(share x total) on the share as written, up to a multiple of ``unit``."""
    exact = Fraction(repr(share)) * total / unit
    return -((-exact.numerator) // exact.denominator) * unit


def pass_through(
    spec: MunicipalSpec, regions: Sequence[str], totals: Sequence[int], unit: int
) -> tuple[PassThrough, ...]:
    """Each state's pass-through to its municipalities."""
    return tuple(
        PassThrough(code, spec.share, pass_through_amount(spec.share, total, unit))
        for code, total in zip(regions, totals, strict=True)
    )


def municipal_scenarios(
    scenario: Scenario, spec: MunicipalSpec, amounts: Sequence[PassThrough]
) -> list[Scenario]:
    """One scenario per state with municipalities: its pass-through among them.

    The criteria and base weight are the municipal ones; every municipality gets at least
    ``spec.floor`` when given. States with no municipality in the table are left out.
    """
    by_state: dict[str, list[Region]] = {}
    for m in spec.municipalities:
        by_state.setdefault(m.region, []).append(
            Region(m.code, m.name, dict(m.indicators), None, m.population)
        )
    out = []
    for item in amounts:
        members = by_state.get(item.region)
        if not members or item.amount <= 0:
            continue
        floors = (RegionBound(ALL_REGIONS, amount=spec.floor),) if spec.floor else ()
        out.append(
            Scenario(
                name=f"{scenario.name}/{item.region}",
                fund=Fund(
                    name=scenario.fund.name,
                    fiscal_year=scenario.fund.fiscal_year,
                    total=item.amount,
                    currency=scenario.fund.currency,
                    rounding_unit=scenario.fund.rounding_unit,
                ),
                regions=tuple(sorted(members, key=lambda r: r.code)),
                criteria=spec.criteria,
                base_weight=spec.base_weight,
                rules=Rules(region_floors=floors),
            )
        )
    return out
