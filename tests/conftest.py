"""Shared helpers for the engine tests: tiny inline scenarios and plan read-outs.

The helpers are plain functions (imported as ``from tests.conftest import ...``) rather than
fixtures, so that hypothesis tests can call them with generated arguments.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from optimizer.domain import (
    AllocationPlan,
    Axis,
    Criterion,
    Fund,
    Objective,
    Region,
    Rules,
    Scenario,
)

NEED = Criterion("need", 1.0, label_es="Necesidad", label_en="Need")
"""The single criterion most hand-computed cases use: the share of the indicator ``need``."""


def region(
    code: str,
    need: float,
    previous: int | None = None,
    population: int | None = None,
    **indicators: float,
) -> Region:
    """A region named ``Region <code>`` with the indicator ``need`` and any others given."""
    return Region(
        code=code,
        name=f"Region {code}",
        indicators={"need": need, **indicators},
        previous=previous,
        population=population,
    )


def regions(needs: Iterable[float], previous: Iterable[int] | None = None) -> tuple[Region, ...]:
    """Regions ``01``, ``02``, ... with the given needs (and previous allocations)."""
    needs = list(needs)
    prev: list[int | None] = list(previous) if previous is not None else [None] * len(needs)
    return tuple(
        region(f"{i + 1:02d}", v, p) for i, (v, p) in enumerate(zip(needs, prev, strict=True))
    )


def scenario(
    regions: tuple[Region, ...],
    *,
    fund: int = 1_000_000,
    unit: int = 1,
    criteria: tuple[Criterion, ...] = (NEED,),
    base_weight: float = 0.0,
    axes: tuple[Axis, ...] = (),
    rules: Rules | None = None,
    objective: Objective = Objective.PROPORTIONAL,
) -> Scenario:
    """An inline scenario with the usual defaults (fund 1,000,000, one criterion, no rules)."""
    return Scenario(
        name="test",
        fund=Fund(name="Fondo de prueba", fiscal_year=2026, total=fund, rounding_unit=unit),
        regions=regions,
        criteria=criteria,
        base_weight=base_weight,
        axes=axes,
        rules=rules or Rules(),
        objective=objective,
    )


def region_totals(plan: AllocationPlan) -> dict[str, int]:
    """Final pesos per region code, summed from the plan's cells."""
    out: dict[str, int] = {}
    for c in plan.cells:
        out[c.region] = out.get(c.region, 0) + c.amount
    return out


def amounts(plan: AllocationPlan) -> list[int]:
    """Region totals in region-code order."""
    totals = region_totals(plan)
    return [totals[code] for code in sorted(totals)]


def cell_map(plan: AllocationPlan) -> dict[tuple[str, str], int]:
    """Final pesos per (region code, axis id)."""
    return {(c.region, c.axis): c.amount for c in plan.cells}


def axis_column(plan: AllocationPlan, axis: str) -> list[int]:
    """One axis' cells in region-code order."""
    cells = {c.region: c.amount for c in plan.cells if c.axis == axis}
    return [cells[code] for code in sorted(cells)]


def scaled(values: Mapping[str, int], k: int) -> dict[str, int]:
    """Every value of a mapping multiplied by ``k``."""
    return {key: v * k for key, v in values.items()}
