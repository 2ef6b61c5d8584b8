"""The linear program: data, variables and one ``add_*`` function per rule family.

Money in the LP is scaled (``ModelData.scale`` pesos per LP unit) so that HiGHS works on numbers
of order 1..10^4; every bound is first made an integer multiple of the rounding unit (floors
rounded up, caps down) so that the exact-peso rounding can keep every rule.

Notation (``docs/formulation.md``): regions r, axes a, cells x[r,a] >= 0, region totals
X[r] = sum_a x[r,a], axis totals Y[a] = sum_r x[r,a], fund F.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from fractions import Fraction

import numpy as np
import numpy.typing as npt
import pulp

from optimizer.domain import ALL_REGIONS, RegionBound, RuleFamily, Scenario
from optimizer.formula import FloatArray, Targets
from optimizer.tree import Tree

LOWER_FAMILIES = (RuleFamily.BAND_FLOOR, RuleFamily.REGION_FLOOR, RuleFamily.GUARANTEED)
UPPER_FAMILIES = (RuleFamily.BAND_CAP, RuleFamily.REGION_CAP, RuleFamily.ABSORPTION_CAP)
TARGET_FLOOR_LP = 1e-6
"""Smallest target of a unit in LP units (see :attr:`ModelData.target_floor`)."""


def _units_floor(value: Decimal, unit: int) -> int:
    return int((value / unit).to_integral_value(rounding=ROUND_FLOOR)) * unit


def _units_ceil(value: Decimal, unit: int) -> int:
    return int((value / unit).to_integral_value(rounding=ROUND_CEILING)) * unit


def _dec(x: float | int) -> Decimal:
    # repr() keeps the decimal the planner wrote (0.1 stays 0.1, not 0.1000000000000000055...).
    return Decimal(repr(x)) if isinstance(x, float) else Decimal(x)


@functools.cache
def share_fraction(share: float) -> Fraction:
    """The share as the planner wrote it, exactly: 0.07 is 7/100, not the float's binary value."""
    return Fraction(_dec(share))


def share_minimum(share: float, total: int) -> int:
    """ceil(s X) in exact arithmetic: the least whole amount that is at least ``share`` of ``total``."""
    exact = share_fraction(share)
    return -((-exact.numerator * total) // exact.denominator)


@dataclass(frozen=True)
class GroupBound:
    """A share bound on an inner node of the programa tree: the sum of its leaves' totals.

    ``members``: positions of the leaves (in ``ModelData.axes``) under the node; ``lower`` and
    ``upper`` in pesos, multiples of the rounding unit (0 and the fund when a side is off).
    """

    key: str
    members: tuple[int, ...]
    lower: int
    upper: int


@dataclass(frozen=True)
class ModelData:
    """Everything the LP needs, with every money bound in integer pesos.

    ``lower[family][r]`` / ``upper[family][r]``: region bounds per rule family (None: off).
    ``cell_min[r][a]``: minimum pesos per cell; ``cell_min_share[r][a]``: minimum share of the
    region total per cell.
    """

    regions: tuple[str, ...]
    axes: tuple[str, ...]
    fund: int
    unit: int
    scale: float
    targets: Targets
    lower: dict[RuleFamily, list[int | None]]
    upper: dict[RuleFamily, list[int | None]]
    axis_lower: list[int]
    axis_upper: list[int]
    cell_min: list[list[int]]
    cell_min_share: list[list[float]]
    groups: tuple[GroupBound, ...] = ()
    """Bounds on the programa tree's inner nodes (ejes, programas); empty for flat axes."""

    @property
    def n(self) -> int:
        """Number of regions."""
        return len(self.regions)

    @property
    def m(self) -> int:
        """Number of axes."""
        return len(self.axes)

    @property
    def target_floor(self) -> float:
        """Smallest target (pesos) a deviation is measured against: 1 peso, or 1e-6 LP units.

        A unit whose formula target is 0 still needs a positive one. One peso is the floor up
        to a fund of 1e10; above, 1e-6 of an LP unit keeps the deviation rows' coefficient on
        z far above HiGHS' small-matrix-value threshold (1e-9), below which HiGHS drops it and
        a feasible scenario reads as infeasible.
        """
        return max(1.0, TARGET_FLOOR_LP * self.scale)

    def region_box(self, r: int) -> tuple[int, int]:
        """The tightest [floor, cap] of region r over every family (cell minimums included)."""
        return self.region_boxes[r]

    @functools.cached_property
    def region_boxes(self) -> list[tuple[int, int]]:
        """``region_box(r)`` of every region, computed once (every stage asks for them)."""
        out = []
        for r, row in enumerate(self.cell_min):
            lo, hi = max(0, sum(row)), self.fund
            for values in self.lower.values():
                v = values[r]
                if v is not None:
                    lo = max(lo, v)
            for values in self.upper.values():
                v = values[r]
                if v is not None:
                    hi = min(hi, v)
            out.append((lo, hi))
        return out

    @functools.cached_property
    def arrays(self) -> RuleArrays:
        """The integer bounds as NumPy arrays, built once per model data."""
        bounds = {}
        for family, values in (*self.lower.items(), *self.upper.items()):
            present = np.array([v is not None for v in values], dtype=np.bool_)
            bound = np.array([0 if v is None else v for v in values], dtype=np.int64)
            bounds[family] = (bound, present)
        return RuleArrays(
            bounds=bounds,
            axis_lower=np.array(self.axis_lower, dtype=np.int64),
            axis_upper=np.array(self.axis_upper, dtype=np.int64),
            cell_min=np.array(self.cell_min, dtype=np.int64).reshape(self.n, self.m),
            cell_min_share=np.array(self.cell_min_share, dtype=np.float64).reshape(self.n, self.m),
        )


@dataclass(frozen=True)
class RuleArrays:
    """``ModelData``'s bounds as arrays: per family (bound, present), axes, cell minimums."""

    bounds: dict[RuleFamily, tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]]
    axis_lower: npt.NDArray[np.int64]
    axis_upper: npt.NDArray[np.int64]
    cell_min: npt.NDArray[np.int64]
    cell_min_share: FloatArray


def _region_bounds(
    bounds: Sequence[RegionBound], scenario: Scenario, *, upper: bool
) -> list[int | None]:
    """Per region, the most restrictive of the bounds that name it (or ``*``)."""
    unit = scenario.fund.rounding_unit
    out: list[int | None] = []
    for region in scenario.regions:
        values: list[int] = []
        for b in bounds:
            if b.region not in (region.code, ALL_REGIONS):
                continue
            raw = (
                _dec(b.amount)
                if b.amount is not None
                else _dec(b.share or 0.0) * scenario.fund.total
            )
            values.append(_units_floor(raw, unit) if upper else _units_ceil(raw, unit))
        out.append((min(values) if upper else max(values)) if values else None)
    return out


def build_model_data(scenario: Scenario, targets: Targets) -> ModelData:
    """Turn the scenario's rules into integer-peso bounds for the LP."""
    unit = scenario.fund.rounding_unit
    fund = scenario.fund.total
    rules = scenario.rules
    n = len(scenario.regions)
    axes = scenario.effective_axes
    lower: dict[RuleFamily, list[int | None]] = {}
    upper: dict[RuleFamily, list[int | None]] = {}
    if rules.band is not None:
        band = rules.band
        # The factors are the same Decimals for every region: parsed once, not once per region.
        if band.lower is not None:
            factor = 1 + _dec(band.lower)
            lower[RuleFamily.BAND_FLOOR] = [
                _units_ceil(_dec(r.previous or 0) * factor, unit) for r in scenario.regions
            ]
        if band.upper is not None:
            factor = 1 + _dec(band.upper)
            upper[RuleFamily.BAND_CAP] = [
                _units_floor(_dec(r.previous or 0) * factor, unit) for r in scenario.regions
            ]
    if rules.region_floors:
        lower[RuleFamily.REGION_FLOOR] = _region_bounds(rules.region_floors, scenario, upper=False)
    if scenario.guaranteed is not None:
        # A guaranteed amount is kept whatever the other rules do: a floor of its own family.
        amounts = scenario.guaranteed.per_region(scenario.regions, unit)
        lower[RuleFamily.GUARANTEED] = [_units_ceil(_dec(g), unit) for g in amounts]
    if rules.region_caps:
        upper[RuleFamily.REGION_CAP] = _region_bounds(rules.region_caps, scenario, upper=True)
    if rules.absorption_caps:
        upper[RuleFamily.ABSORPTION_CAP] = _region_bounds(
            rules.absorption_caps, scenario, upper=True
        )
    axis_index = {axis.id: a for a, axis in enumerate(axes)}
    cell_min = [[0] * len(axes) for _ in range(n)]
    cell_min_share = [[0.0] * len(axes) for _ in range(n)]
    for cm in rules.cell_minimums:
        a = axis_index[cm.axis]
        for r, region in enumerate(scenario.regions):
            if cm.region not in (region.code, ALL_REGIONS):
                continue
            if cm.amount is not None:
                cell_min[r][a] = max(cell_min[r][a], _units_ceil(_dec(cm.amount), unit))
            if cm.share is not None:
                cell_min_share[r][a] = max(cell_min_share[r][a], cm.share)
    axis_lower = [_units_ceil(_dec(axis.lower_share) * fund, unit) for axis in axes]
    axis_upper = [_units_floor(_dec(axis.upper_share) * fund, unit) for axis in axes]
    groups = group_bounds(scenario)
    # LP numbers of order 1..10^4 keep HiGHS' absolute tolerances far below one peso.
    scale = float(max(1, 10 ** max(0, math.floor(math.log10(fund)) - 4)))
    return ModelData(
        regions=targets.regions,
        axes=targets.axes,
        fund=fund,
        unit=unit,
        scale=scale,
        targets=targets,
        lower=lower,
        upper=upper,
        axis_lower=axis_lower,
        axis_upper=axis_upper,
        cell_min=cell_min,
        cell_min_share=cell_min_share,
        groups=groups,
    )


def group_bounds(scenario: Scenario) -> tuple[GroupBound, ...]:
    """Integer-peso bounds of the inner nodes that have a share bound, in declaration order."""
    if not scenario.axis_groups:
        return ()
    unit = scenario.fund.rounding_unit
    fund = scenario.fund.total
    tree = Tree.of_scenario(scenario)
    out = []
    for group in scenario.axis_groups:
        lo = _units_ceil(_dec(group.lower_share) * fund, unit)
        hi = _units_floor(_dec(group.upper_share) * fund, unit)
        if lo <= 0 and hi >= fund:
            continue
        out.append(GroupBound(group.id, tree.leaf_positions(group.id), max(lo, 0), min(hi, fund)))
    return tuple(out)


# --------------------------------------------------------------------------------------------
# The LP
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConstraintInfo:
    """What a generated constraint name stands for (read by ``explain.py``)."""

    family: RuleFamily | str
    key: str
    """Region code, axis id, or ``region/axis``."""
    description: str
    bound: int
    """The rule's bound in pesos."""


@dataclass(frozen=True)
class RowBlock:
    """Rows written as arrays instead of PuLP constraints, appended after the PuLP rows.

    The lexicographic objective solves many LPs that share every rule row and differ only in
    their deviation and pin rows; those rows are rebuilt at every level from the units'
    (PuLP) expressions with NumPy, which costs milliseconds where PuLP constraints cost
    seconds at municipal scale. ``columns`` index ``LpModel.flat``; row ``i`` holds entries
    ``starts[i]:starts[i + 1]``. Row ``i`` is named ``c{first + i}`` and stands for unit
    ``units[i]``: kind 0 'above target', 1 'below target', 2 and 3 the pin's upper and lower
    end.
    """

    first: int
    units: npt.NDArray[np.int64]
    kinds: npt.NDArray[np.int8]
    keys: Sequence[str]
    starts: npt.NDArray[np.int64]
    columns: npt.NDArray[np.int64]
    values: FloatArray
    lower: FloatArray
    upper: FloatArray

    @property
    def rows(self) -> int:
        """Number of rows."""
        return len(self.units)

    def names(self) -> list[str]:
        """Generated names, continuing the PuLP rows' ``c0, c1, ...``."""
        return [f"c{self.first + i}" for i in range(self.rows)]

    def registry(self) -> dict[str, ConstraintInfo]:
        """What each row stands for, as ``LpModel.add`` would have registered it."""
        infos = (
            ("deviation", "above target"),
            ("deviation", "below target"),
            ("level", "pinned"),
            ("level", "pinned"),
        )
        out = {}
        for name, u, kind in zip(
            self.names(), self.units.tolist(), self.kinds.tolist(), strict=True
        ):
            family, text = infos[kind]
            out[name] = ConstraintInfo(family, self.keys[u], text, 0)
        return out


@dataclass
class LpModel:
    """A PuLP problem with its cell variables and the registry of its constraints."""

    problem: pulp.LpProblem
    x: list[list[pulp.LpVariable]]
    registry: dict[str, ConstraintInfo] = field(default_factory=dict)
    rows: dict[str, pulp.LpConstraint] = field(default_factory=dict)
    """Constraint objects by generated name (PuLP 4 drops the name mapping)."""
    z: pulp.LpVariable | None = None
    flat: list[pulp.LpVariable] = field(default_factory=list)
    """The cells r-major, then the objective's own variable once it exists."""
    block: RowBlock | None = None
    """The objective's rows in array form (see :class:`RowBlock`)."""
    cache: dict[str, object] = field(default_factory=dict)
    """The solver's arrays of the PuLP part, shared by the levels of one stage."""

    def add(self, constraint: pulp.LpConstraint, info: ConstraintInfo) -> str:
        """Add a constraint under a generated name and register what it means."""
        name = f"c{len(self.rows)}"
        self.problem.addConstraint(constraint, name)
        self.rows[name] = constraint
        self.registry[name] = info
        return name

    def region_total(self, r: int) -> pulp.LpAffineExpression:
        """X[r] = sum_a x[r, a]."""
        return pulp.lpSum(self.x[r])

    def axis_total(self, a: int) -> pulp.LpAffineExpression:
        """Y[a] = sum_r x[r, a]."""
        return pulp.lpSum(row[a] for row in self.x)


def create_model(data: ModelData, name: str = "allocation") -> LpModel:
    """The cell variables x[r, a] >= cell minimum amount (scaled), and an empty problem."""
    problem = pulp.LpProblem(name, pulp.LpMinimize)
    x = [
        [
            problem.add_variable(f"x_{r}_{a}", lowBound=data.cell_min[r][a] / data.scale)
            for a in range(data.m)
        ]
        for r in range(data.n)
    ]
    return LpModel(problem=problem, x=x, flat=[v for row in x for v in row])


def add_fund_total_constraint(model: LpModel, data: ModelData) -> None:
    """sum_{r,a} x[r,a] = F: the whole fund and nothing more is distributed."""
    total = pulp.lpSum(v for row in model.x for v in row)
    model.add(
        total == data.fund / data.scale,
        ConstraintInfo(RuleFamily.FUND_TOTAL, "fund", "total equals the fund", data.fund),
    )


def add_region_bound_constraints(model: LpModel, data: ModelData) -> None:
    """L_f[r] <= X[r] for each floor family f and X[r] <= U_f[r] for each cap family f.

    Families: band floor / cap against the previous allocation, explicit floors and caps, and
    absorption caps. One row per (family, region) so each binding rule is named on its own.
    """
    for family, values in data.lower.items():
        for r, bound in enumerate(values):
            if bound is None or bound <= 0:
                continue
            model.add(
                model.region_total(r) >= bound / data.scale,
                ConstraintInfo(family, data.regions[r], f"{family} {data.regions[r]}", bound),
            )
    for family, values in data.upper.items():
        for r, bound in enumerate(values):
            if bound is None:
                continue
            model.add(
                model.region_total(r) <= bound / data.scale,
                ConstraintInfo(family, data.regions[r], f"{family} {data.regions[r]}", bound),
            )


def add_axis_share_constraints(model: LpModel, data: ModelData) -> None:
    """ceil(s_min[a] F) <= Y[a] <= floor(s_max[a] F) for every axis with a share bound."""
    if data.m == 1:
        return  # the single implicit axis is the fund itself
    for a, axis in enumerate(data.axes):
        lo, hi = data.axis_lower[a], data.axis_upper[a]
        if lo > 0:
            model.add(
                model.axis_total(a) >= lo / data.scale,
                ConstraintInfo(RuleFamily.AXIS_MIN, axis, f"minimum share of axis {axis}", lo),
            )
        if hi < data.fund:
            model.add(
                model.axis_total(a) <= hi / data.scale,
                ConstraintInfo(RuleFamily.AXIS_MAX, axis, f"maximum share of axis {axis}", hi),
            )


def add_group_share_constraints(model: LpModel, data: ModelData) -> None:
    """ceil(s_min[g] F) <= sum_{a in g} Y[a] <= floor(s_max[g] F) for each inner node g.

    An eje or a programa with subprogramas: its bound holds the sum of its leaves' totals.
    Registered under the axis families with the node's id as key.
    """
    for group in data.groups:
        total = pulp.lpSum(model.x[r][a] for r in range(data.n) for a in group.members)
        if group.lower > 0:
            model.add(
                total >= group.lower / data.scale,
                ConstraintInfo(
                    RuleFamily.AXIS_MIN, group.key, f"minimum share of {group.key}", group.lower
                ),
            )
        if group.upper < data.fund:
            model.add(
                total <= group.upper / data.scale,
                ConstraintInfo(
                    RuleFamily.AXIS_MAX, group.key, f"maximum share of {group.key}", group.upper
                ),
            )


def add_cell_minimum_constraints(model: LpModel, data: ModelData) -> None:
    """x[r,a] >= s[r,a] X[r] for share minimums (amount minimums are variable bounds)."""
    for r in range(data.n):
        for a in range(data.m):
            share = data.cell_min_share[r][a]
            if share <= 0.0:
                continue
            key = f"{data.regions[r]}/{data.axes[a]}"
            model.add(
                model.x[r][a] - share * model.region_total(r) >= 0,
                ConstraintInfo(
                    RuleFamily.CELL_MINIMUM, key, f"axis {data.axes[a]} >= {share:.4%} of total", 0
                ),
            )


def add_rule_constraints(model: LpModel, data: ModelData) -> None:
    """Every rule family of the scenario."""
    add_fund_total_constraint(model, data)
    add_region_bound_constraints(model, data)
    add_axis_share_constraints(model, data)
    add_group_share_constraints(model, data)
    add_cell_minimum_constraints(model, data)


def add_fixed_region_totals(model: LpModel, data: ModelData, totals: Sequence[float]) -> None:
    """X[r] = the region totals found by the region stage (LP units)."""
    for r, total in enumerate(totals):
        model.add(
            model.region_total(r) == total,
            ConstraintInfo("stage", data.regions[r], "region total fixed by the region stage", 0),
        )


# --------------------------------------------------------------------------------------------
# Objectives over "units" (region totals or cells), each with an expression and a target
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Unit:
    """Something whose deviation from its target is measured: a region total or a cell."""

    key: str
    expr: pulp.LpAffineExpression
    target: float
    """Target in LP units (> 0)."""


@dataclass(frozen=True)
class UnitRows:
    """The units' expressions as CSR arrays over ``LpModel.flat`` (built once per stage)."""

    keys: list[str]
    targets: FloatArray
    starts: npt.NDArray[np.int64]
    columns: npt.NDArray[np.int64]
    values: FloatArray


def unit_rows(model: LpModel, units: Sequence[Unit]) -> UnitRows:
    """Each unit's expression as (column, coefficient) entries, in the expression's order."""
    position = {v.name: i for i, v in enumerate(model.flat)}
    starts = [0]
    columns: list[int] = []
    values: list[float] = []
    for unit in units:
        for var, coefficient in unit.expr.items():
            columns.append(position[var.name])
            values.append(coefficient)
        starts.append(len(columns))
    return UnitRows(
        keys=[u.key for u in units],
        targets=np.array([u.target for u in units], dtype=np.float64),
        starts=np.array(starts, dtype=np.int64),
        columns=np.array(columns, dtype=np.int64),
        values=np.array(values, dtype=np.float64),
    )


def objective_variable(model: LpModel, name: str = "z") -> pulp.LpVariable:
    """The stage's z >= 0, created once and set as the objective ``min z``."""
    if model.z is None:
        model.z = model.problem.add_variable(name, lowBound=0)
        model.flat = [*model.flat, model.z]
        model.problem.setObjective(pulp.LpAffineExpression(model.z))
    return model.z


def add_minmax_objective(
    model: LpModel,
    units: UnitRows,
    free: Sequence[int],
    pinned: dict[int, tuple[float, float]],
) -> None:
    """min z  s.t.  |v_u - t_u| <= z t_u (free u),  lo_u <= v_u <= hi_u (pinned u).

    Pinned units are those an earlier level fixed (their interval is a tolerance around the
    value every optimum of that level gives them) and those held at the nearest end of their
    own box. Rows, in order: for each free unit ``v_u - t_u z <= t_u`` then
    ``v_u + t_u z >= t_u``; for each pinned unit ``v_u <= hi_u`` then ``v_u >= lo_u``. They
    replace the model's previous block, so one PuLP model serves every level of a stage.
    """
    objective_variable(model)
    model.block = minmax_block(units, free, pinned, len(model.rows), len(model.flat) - 1)


def minmax_block(
    units: UnitRows,
    free: Sequence[int],
    pinned: dict[int, tuple[float, float]],
    first: int,
    z_column: int,
) -> RowBlock:
    """The rows of :func:`add_minmax_objective` as a :class:`RowBlock` (no PuLP involved).

    ``first`` is the number of rows before the block (its rows are named ``c{first}``, ...);
    ``z_column`` the position of z in ``LpModel.flat``.
    """
    inf = float("inf")
    free_units = np.asarray(free, dtype=np.int64)
    pin_units = np.fromiter(pinned.keys(), dtype=np.int64, count=len(pinned))
    pin_bounds = np.array(list(pinned.values()), dtype=np.float64).reshape(-1, 2)
    t = units.targets[free_units]
    # Row order: free units' (above, below) pairs, then pinned units' (upper, lower) pairs.
    row_unit = np.concatenate([np.repeat(free_units, 2), np.repeat(pin_units, 2)])
    kinds = np.concatenate(
        [np.tile(np.array([0, 1], np.int8), len(free_units)),
         np.tile(np.array([2, 3], np.int8), len(pin_units))]
    )  # fmt: skip
    has_z = kinds < 2
    lengths = units.starts[row_unit + 1] - units.starts[row_unit]
    row_length = lengths + has_z
    starts = np.zeros(len(row_unit) + 1, dtype=np.int64)
    np.cumsum(row_length, out=starts[1:])
    # The unit's own entries first, then z.
    total = int(lengths.sum())
    owner = np.repeat(np.arange(len(row_unit)), lengths)
    within = np.arange(total) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    source = units.starts[row_unit][owner] + within
    columns = np.empty(int(starts[-1]), dtype=np.int64)
    values = np.empty(int(starts[-1]), dtype=np.float64)
    target_position = starts[:-1][owner] + within
    columns[target_position] = units.columns[source]
    values[target_position] = units.values[source]
    z_position = starts[1:][has_z] - 1
    columns[z_position] = z_column
    values[z_position] = np.stack([-t, t], axis=1).ravel()
    lower = np.empty(len(row_unit))
    upper = np.empty(len(row_unit))
    lower[: 2 * len(free_units)] = np.stack([np.full(len(t), -inf), t], axis=1).ravel()
    upper[: 2 * len(free_units)] = np.stack([t, np.full(len(t), inf)], axis=1).ravel()
    k = 2 * len(free_units)
    lower[k:] = np.stack([np.full(len(pin_units), -inf), pin_bounds[:, 0]], axis=1).ravel()
    upper[k:] = np.stack([pin_bounds[:, 1], np.full(len(pin_units), inf)], axis=1).ravel()
    return RowBlock(
        first=first,
        units=row_unit,
        kinds=kinds,
        keys=units.keys,
        starts=starts,
        columns=columns,
        values=values,
        lower=lower,
        upper=upper,
    )


def add_total_deviation_objective(model: LpModel, units: Sequence[Unit]) -> None:
    """min sum_u (p_u + n_u) / t_u  with  v_u - t_u = p_u - n_u,  p, n >= 0."""
    terms = []
    for u, unit in enumerate(units):
        p = model.problem.add_variable(f"p_{u}", lowBound=0)
        q = model.problem.add_variable(f"n_{u}", lowBound=0)
        model.add(
            unit.expr - p + q == unit.target, ConstraintInfo("deviation", unit.key, "split", 0)
        )
        terms.append((p + q) * (1.0 / unit.target))
    model.problem.setObjective(pulp.lpSum(terms))


def add_max_min_coverage_objective(model: LpModel, units: Sequence[Unit]) -> None:
    """max w  s.t.  v_u >= w t_u  (written as min -w so that duals keep the minimisation sign)."""
    w = model.problem.add_variable("w", lowBound=0)
    model.z = w
    for unit in units:
        model.add(
            unit.expr - unit.target * w >= 0, ConstraintInfo("coverage", unit.key, "coverage", 0)
        )
    model.problem.setObjective(-1.0 * w)


def region_units(model: LpModel, data: ModelData) -> list[Unit]:
    """One unit per region total, with the formula target (at least ``data.target_floor``)."""
    t = data.targets.region
    return [
        Unit(
            data.regions[r],
            model.region_total(r),
            max(float(t[r]), data.target_floor) / data.scale,
        )
        for r in range(data.n)
    ]


def cell_units(model: LpModel, data: ModelData, cell_targets: FloatArray) -> list[Unit]:
    """One unit per cell, with the given targets in pesos (at least ``data.target_floor``)."""
    return [
        Unit(
            f"{data.regions[r]}/{data.axes[a]}",
            pulp.LpAffineExpression(model.x[r][a]),
            max(float(cell_targets[r, a]), data.target_floor) / data.scale,
        )
        for r in range(data.n)
        for a in range(data.m)
    ]


def cell_values(model: LpModel) -> FloatArray:
    """Solved cell values in LP units."""
    return np.array([[v.varValue or 0.0 for v in row] for row in model.x], dtype=np.float64)


def unit_values(units: UnitRows, values: FloatArray, which: Sequence[int]) -> dict[int, float]:
    """Each unit's value, summed term by term in the expression's order as PuLP's ``value()``."""
    flat = values.tolist()
    starts = units.starts.tolist()
    columns = units.columns.tolist()
    coefficients = units.values.tolist()
    out = {}
    for u in which:
        s = 0.0
        for k in range(starts[u], starts[u + 1]):
            s += flat[columns[k]] * coefficients[k]
        out[u] = s
    return out


# --------------------------------------------------------------------------------------------
# Our own re-check of a solution, independent of the solver
# --------------------------------------------------------------------------------------------


def violations(
    cells: Sequence[Sequence[float]] | npt.NDArray[np.generic], data: ModelData, tol: float = 0.0
) -> list[str]:
    """Every rule the allocation breaks by more than ``tol`` pesos (empty: all hold).

    Used on the LP solution (with a tolerance) and on the integer pesos (exactly: with
    ``tol == 0`` a share-of-region minimum is compared in exact arithmetic against the share the
    planner wrote, so 7 of 100 meets a 0.07 share although the float ``0.07 * 100`` is above 7).
    The checks run on arrays but read like the loop they replace: sums are taken one element
    after the other (``add.accumulate``, not NumPy's pairwise summation), so float totals, the
    rules found, their order and their messages are those of a loop over regions and axes;
    integer cells are compared with integers.
    """
    x = np.asarray(cells)
    if x.dtype.kind == "b":
        x = x.astype(np.int64)
    n, m = data.n, data.m
    x = x.reshape(n, m)
    integer = x.dtype.kind in "iu"
    exact = integer and tol == 0
    arrays = data.arrays
    # Integer sums are exact in any order; float ones are accumulated in the loop's order, and
    # ``+ 0`` turns a zero sum into +0.0, as ``sum()`` starting from 0 gives it.
    totals = x.sum(axis=1) if integer else np.add.accumulate(x, axis=1)[:, -1] + 0
    total_list = totals.tolist()
    found: list[str] = []
    grand = sum(total_list)
    if abs(grand - data.fund) > tol:
        found.append(f"cells sum to {grand} instead of the fund {data.fund}")
    for family, values in data.lower.items():
        bound, present = arrays.bounds[family]
        low = totals < bound if exact else totals < bound - tol
        for r in np.flatnonzero(low & present).tolist():
            found.append(f"{family} {data.regions[r]}: {total_list[r]} < {values[r]}")
    for family, values in data.upper.items():
        bound, present = arrays.bounds[family]
        high = totals > bound if exact else totals > bound + tol
        for r in np.flatnonzero(high & present).tolist():
            found.append(f"{family} {data.regions[r]}: {total_list[r]} > {values[r]}")
    if m > 1:
        y = x.sum(axis=0) if integer else np.add.accumulate(x, axis=0)[-1] + 0
        lo, hi = arrays.axis_lower, arrays.axis_upper
        outside = (y < lo) | (y > hi) if exact else (y < lo - tol) | (y > hi + tol)
        y_list = y.tolist()
        for a in np.flatnonzero(outside).tolist():
            found.append(
                f"axis {data.axes[a]}: {y_list[a]} outside "
                f"[{data.axis_lower[a]}, {data.axis_upper[a]}]"
            )
    if data.groups:
        y_all = x.sum(axis=0) if integer else np.add.accumulate(x, axis=0)[-1] + 0
        for group in data.groups:
            value = y_all[list(group.members)].sum() if group.members else 0
            if exact:
                outside = value < group.lower or value > group.upper
            else:
                outside = value < group.lower - tol or value > group.upper + tol
            if outside:
                found.append(f"{group.key}: {_plain(value)} outside [{group.lower}, {group.upper}]")
    # need = max(minimum amount, share x total, 0): ``max()`` keeps the first of equal values,
    # which decides whether the message shows an int or a float.
    by_share = arrays.cell_min_share * totals[:, None]
    share_wins = by_share > arrays.cell_min
    need = np.where(share_wins, by_share, arrays.cell_min)
    zero_wins = need < 0
    exact_need: dict[tuple[int, int], int] = {}
    if exact:
        short = np.where(share_wins, x < by_share, x < arrays.cell_min)
        short = np.where(zero_wins, x < 0, short)
        # Share minimums on whole pesos: ceil(s X) from the share as written, not the float.
        total_ints = [int(t) for t in total_list]
        rows, cols = np.nonzero(arrays.cell_min_share > 0)
        for r, a in zip(rows.tolist(), cols.tolist(), strict=True):
            share = data.cell_min_share[r][a]
            need_ra = max(data.cell_min[r][a], share_minimum(share, total_ints[r]), 0)
            exact_need[r, a] = need_ra
            short[r, a] = int(x[r, a]) < need_ra
    else:
        short = x < np.where(zero_wins, 0, need) - tol
    off_unit = x % data.unit != 0 if tol == 0 else np.zeros(x.shape, dtype=np.bool_)
    flagged = np.flatnonzero(short | off_unit).tolist()
    flat = x.ravel()
    for k in flagged:
        r, a = divmod(k, m)
        where = f"cell {data.regions[r]}/{data.axes[a]}"
        if short[r, a]:
            shown: object = (
                exact_need[r, a]
                if (r, a) in exact_need
                else 0
                if zero_wins[r, a]
                else _plain(by_share[r, a])
                if share_wins[r, a]
                else data.cell_min[r][a]
            )
            found.append(f"{where}: {_plain(flat[k])} < minimum {shown}")
        if off_unit[r, a]:
            found.append(f"{where}: not a multiple of the unit")
    return found


def _plain(value: object) -> object:
    """A NumPy scalar as the Python number it stands for (printed the way Python prints it)."""
    return value.item() if isinstance(value, np.generic) else value
