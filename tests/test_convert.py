"""plan_into_proto writes the message a field-by-field construction writes, to the byte."""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from optimizer.domain import (
    Adjustment,
    AllocateOptions,
    AllocationPlan,
    AxisResult,
    BindingRule,
    CategorySubtotal,
    Cell,
    CellTable,
    Contribution,
    Fund,
    Justification,
    Language,
    Objective,
    RegionResult,
    RuleFamily,
    SolveStats,
    SolveStatus,
)
from optimizer.io import load_scenario
from optimizer.pipeline import allocate
from optimizer.service.convert import LANGUAGES_OUT, OBJECTIVES_OUT, fund_to_proto, plan_into_proto
from optimizer.v1 import allocation_pb2 as pb

ROOT = Path(__file__).resolve().parent.parent
# Every shipped scenario that has a plan (the infeasible didactic one has none to convert).
SCENARIOS = [
    p for p in sorted((ROOT / "scenarios").rglob("scenario.yaml")) if "infeasible" not in str(p)
]


def _subtotals(items: Sequence[CategorySubtotal]) -> list[pb.CategorySubtotal]:
    return [
        pb.CategorySubtotal(category=c.category, label=c.label, weight=c.weight, amount=c.amount)
        for c in items
    ]


def plan_by_fields(plan: AllocationPlan) -> pb.Allocation:
    """The plan's message built one field at a time, the plain way."""
    out = pb.Allocation(scenario=plan.scenario, language=LANGUAGES_OUT[plan.language])
    out.fund.CopyFrom(fund_to_proto(plan.fund))
    for c in plan.cells:
        out.cells.append(pb.Cell(region=c.region, axis=c.axis, amount=c.amount, target=c.target))
    for r in plan.regions:
        out.regions.append(
            pb.RegionSummary(
                code=r.code,
                name=r.name,
                target=r.target,
                amount=r.amount,
                previous=r.previous,
                lower=r.lower,
                upper=r.upper,
                main_rule=r.main_rule,
                categories=_subtotals(r.categories),
                guaranteed=r.guaranteed,
            )
        )
    for a in plan.axes:
        out.axes.append(
            pb.AxisSummary(
                id=a.id,
                name=a.name,
                target=a.target,
                amount=a.amount,
                lower=a.lower,
                upper=a.upper,
                binding=list(a.binding),
                parent=a.parent,
                level=a.level,
            )
        )
    for j in plan.justifications:
        out.justifications.append(
            pb.Justification(
                region=j.region,
                target=j.target,
                amount=j.amount,
                contributions=[
                    pb.Contribution(
                        source=c.source, label=c.label, weight=c.weight, amount=c.amount
                    )
                    for c in j.contributions
                ],
                adjustments=[
                    pb.Adjustment(cause=str(a.cause), amount=a.amount) for a in j.adjustments
                ],
                binding=[
                    pb.BindingRule(
                        family=str(b.family),
                        key=b.key,
                        description=b.description,
                        bound=b.bound,
                        marginal_value=b.marginal_value,
                    )
                    for b in j.binding
                ],
                previous=j.previous,
                change=j.change,
                change_pct=j.change_pct,
                per_capita=j.per_capita,
                per_capita_rank=j.per_capita_rank,
                text=j.text,
                categories=_subtotals(j.categories),
                guaranteed=j.guaranteed,
                formula_on_excess=j.formula_on_excess,
                derived=[
                    pb.DerivedIndicatorNote(name=d.name, label=d.label, description=d.description)
                    for d in j.derived
                ],
                proposal_gaps=[_gap(g) for g in j.proposal_gaps],
            )
        )
    out.categories.extend(
        pb.CategorySummary(
            category=c.category,
            label=c.label,
            parent=c.parent,
            weight=c.weight,
            effective_weight=c.effective_weight,
            amount=c.amount,
        )
        for c in plan.categories
    )
    if plan.guaranteed_total is not None:
        out.guaranteed_total = plan.guaranteed_total
    _along_axes_by_fields(plan, out)
    s = plan.stats
    out.stats.CopyFrom(
        pb.SolveStats(
            status=str(s.status),
            objective=OBJECTIVES_OUT.get(s.objective, pb.OBJECTIVE_UNSPECIFIED),
            objective_value=s.objective_value,
            lp_solves=s.lp_solves,
            stage_seconds=dict(s.stage_seconds),
            solver=s.solver,
            versions=dict(s.versions),
            input_sha256=s.input_sha256,
        )
    )
    return out


def _gap(g: Any) -> pb.ProposalGap:
    return pb.ProposalGap(
        region=g.region,
        axis=g.axis,
        proposed=g.proposed,
        amount=g.amount,
        rule=g.rule,
        rule_key=g.rule_key,
    )


def _along_axes_by_fields(plan: AllocationPlan, out: pb.Allocation) -> None:
    """The tree totals, gaps, co-financing, calendar and municipal parts, field by field."""
    for a in plan.groups:
        out.groups.add(
            id=a.id,
            name=a.name,
            target=a.target,
            amount=a.amount,
            lower=a.lower,
            upper=a.upper,
            binding=list(a.binding),
            parent=a.parent,
            level=a.level,
        )
    for g in plan.proposal_gaps:
        out.proposal_gaps.append(_gap(g))
    for c in plan.cofinancing:
        out.cofinancing.add(
            key=c.key, federal=c.federal, contribution=c.contribution, total=c.total
        )
    if plan.cofinancing_rate is not None:
        out.cofinancing_rate = plan.cofinancing_rate
    for cell in plan.cofinancing_cells:
        out.cofinancing_cells.add(
            region=cell.region,
            node=cell.node,
            federal=cell.federal,
            contribution=cell.contribution,
            total=cell.total,
        )
    if plan.calendar is not None:
        out.calendar.months.extend(plan.calendar.months)
        out.calendar.national.extend(plan.calendar.national)
        out.calendar.regions.extend(plan.calendar.regions)
        out.calendar.amounts.extend(plan.calendar.amounts)
    for p in plan.pass_through:
        out.pass_through.add(region=p.region, share=p.share, amount=p.amount)
    for m in plan.municipalities:
        out.municipalities.add(
            code=m.code, region=m.region, name=m.name, amount=m.amount, target=m.target
        )


def assert_same_message(plan: AllocationPlan) -> None:
    """plan_into_proto, both ways, and the plain message are equal and serialise to equal bytes."""
    plain = plan_by_fields(plan)
    for bulk in (True, False, None):
        fast = pb.Allocation()
        plan_into_proto(plan, fast, bulk=bulk)
        assert fast == plain
        assert fast.SerializeToString(deterministic=True) == plain.SerializeToString(
            deterministic=True
        )


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.parent.name)
@pytest.mark.parametrize("language", list(Language))
def test_shipped_plans_give_the_plain_message(path: Path, language: Language) -> None:
    """Every shipped scenario's plan, in both languages, gives the field-by-field message."""
    assert_same_message(allocate(load_scenario(path), AllocateOptions(language=language)))


def _text(rng: random.Random) -> str:
    """Empty, short, accented, non-BMP, or longer than one length byte."""
    return rng.choice(["", "a", "Michoacán de Ocampo", "ñandú 🦜", "x" * 200, "¿" * 70])


def _amount(rng: random.Random) -> int:
    return rng.choice([0, 1, 127, 128, 16_383, 16_384, -1, -5_000, 2**62, -(2**62), 9_941_162_915])


def _weight(rng: random.Random) -> float:
    return rng.choice([0.0, -0.0, 0.25, 1e-300, -3.5, 1.0])


def random_plan(rng: random.Random, as_table: bool) -> AllocationPlan:
    """A plan with every kind of value a field can hold (not a feasible allocation)."""
    n, m = rng.randint(0, 6), rng.randint(1, 4)
    codes = [f"{k:02d}" + rng.choice(["", "ñ"]) for k in range(n)]
    axes = [f"e{k}" for k in range(m)]
    amounts = [_amount(rng) for _ in range(n * m)]
    targets = [_amount(rng) for _ in range(n * m)]
    cells: CellTable | tuple[Cell, ...] = CellTable(codes, axes, amounts, targets)
    if not as_table:
        cells = tuple(cells)
    same_sources = rng.random() < 0.5
    sources = [(_text(rng) or "s", _text(rng), _weight(rng)) for _ in range(rng.randint(0, 4))]

    def optional(value: object) -> object:
        return None if rng.random() < 0.4 else value

    justifications = tuple(
        Justification(
            region=code,
            target=_amount(rng),
            amount=_amount(rng),
            contributions=tuple(
                Contribution(s, label, w, _amount(rng))
                for s, label, w in (
                    sources if same_sources else sources[: rng.randint(0, len(sources))]
                )
            ),
            adjustments=tuple(
                Adjustment(rng.choice([RuleFamily.BAND_CAP, "redistribution"]), _amount(rng))
                for _ in range(rng.randint(0, 2))
            ),
            binding=tuple(
                BindingRule(RuleFamily.BAND_FLOOR, code, _text(rng), _amount(rng), _weight(rng))
                for _ in range(rng.randint(0, 3))
            ),
            previous=optional(_amount(rng)),  # type: ignore[arg-type]
            change=optional(_amount(rng)),  # type: ignore[arg-type]
            change_pct=optional(_weight(rng)),  # type: ignore[arg-type]
            per_capita=optional(_weight(rng)),  # type: ignore[arg-type]
            per_capita_rank=optional(rng.choice([0, 1, 300])),  # type: ignore[arg-type]
            text=_text(rng),
        )
        for code in codes
    )
    regions = tuple(
        RegionResult(
            code,
            _text(rng),
            _amount(rng),
            _amount(rng),
            optional(_amount(rng)),  # type: ignore[arg-type]
            optional(_amount(rng)),  # type: ignore[arg-type]
            optional(_amount(rng)),  # type: ignore[arg-type]
            rng.choice(["", "band_cap"]),
        )
        for code in codes
    )
    axis_rows = tuple(AxisResult(a, _text(rng), 1, 2, 0, 3, ("axis_share_min",)) for a in axes)
    stats = SolveStats(
        SolveStatus.OPTIMAL, Objective.PROPORTIONAL, 0.5, 1, {"solve": 0.1}, "HiGHS", {}, "ab"
    )
    return AllocationPlan(
        "test", Fund("F", 2026, 100), Language.EN, cells, regions, axis_rows, justifications, stats
    )


def test_random_plans_give_the_plain_message() -> None:
    """Zeros, negatives, -0.0, unset optionals, long and non-ASCII strings: the same message."""
    rng = random.Random(11)
    for k in range(300):
        assert_same_message(random_plan(rng, as_table=k % 2 == 0))
