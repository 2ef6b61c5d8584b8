"""Domain values: scenarios in, allocation plans out.

Standard library only. Every value is a frozen dataclass or a StrEnum so that a scenario can be
hashed, compared and serialised canonically. Money is ``int`` pesos everywhere in this module;
weights, shares and indicator values are ``float`` (they are data, not money).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal
from enum import StrEnum
from typing import overload

ALL_REGIONS = "*"
"""Region selector meaning "every region" in floors, caps and cell minimums."""

_OMIT: Mapping[str, bool] = {"omit_empty": True}
"""Field metadata: :func:`to_plain` leaves the field out when it is empty (``()``, ``None``,
``""``, ``{}``), so values made before the field existed keep their canonical JSON (and the
SHA-256 of a scenario sent by an older client, the golden plans) byte for byte."""

OMIT_DEFAULT = _OMIT
"""The same metadata under the name the programa-tree fields use (all default to empty)."""


class Direction(StrEnum):
    """How an indicator relates to need."""

    HIGHER_NEEDS_MORE = "higher_needs_more"
    HIGHER_NEEDS_LESS = "higher_needs_less"


class Normalisation(StrEnum):
    """How an indicator becomes a share of the fund across regions.

    ``share``: value / national total (inverse values for ``higher_needs_less``); values must be
    non-negative (positive for ``higher_needs_less``).
    ``shifted_share``: for indicators that can be negative; values are first shifted so the
    smallest becomes ``shift`` x (max - min) (default 1 %), then treated as ``share``.
    """

    SHARE = "share"
    SHIFTED_SHARE = "shifted_share"


class Objective(StrEnum):
    """What the optimizer minimises within the rules."""

    PROPORTIONAL = "proportional"
    MIN_TOTAL_DEVIATION = "min_total_deviation"
    MAX_MIN_COVERAGE = "max_min_coverage"


class Language(StrEnum):
    """Language of justification texts."""

    ES = "es"
    EN = "en"


@dataclass(frozen=True)
class Fund:
    """The amount to distribute, in integer pesos, a multiple of ``rounding_unit``."""

    name: str
    fiscal_year: int
    total: int
    currency: str = "MXN"
    rounding_unit: int = 1


@dataclass(frozen=True)
class Region:
    """A recipient (a state, by INEGI code such as ``"09"``) and its indicator values."""

    code: str
    name: str
    indicators: Mapping[str, float] = field(default_factory=dict)
    previous: int | None = None
    """Previous allocation in pesos (needed by bands)."""
    population: int | None = None
    """Inhabitants, for pesos per inhabitant in justifications."""


@dataclass(frozen=True)
class Criterion:
    """An indicator with its weight, direction and normalisation.

    ``weight`` is the weight within the criterion's parent: the fund's list, or the category
    named by ``category`` (whose own weight multiplies it: the effective weight).
    """

    indicator: str
    weight: float
    direction: Direction = Direction.HIGHER_NEEDS_MORE
    normalisation: Normalisation = Normalisation.SHARE
    shift: float | None = None
    """For ``shifted_share``: the smallest value becomes ``shift`` x (max - min); default 0.01."""
    label_es: str = ""
    label_en: str = ""
    category: str = field(default="", metadata=_OMIT)
    """Id of the :class:`CriteriaCategory` holding this criterion; ``""``: the top level."""

    def label(self, language: Language) -> str:
        """Human label in the given language, falling back to the indicator name."""
        text = self.label_es if language is Language.ES else self.label_en
        return text or self.label_es or self.label_en or self.indicator


@dataclass(frozen=True)
class CriteriaCategory:
    """A group of criteria with its own weight (e.g. "Características estatales", 60 %).

    ``weight`` is the share of the parent (the fund's criteria, or the category ``parent``);
    the criteria and sub-categories inside, plus ``base_weight`` (an equal base amount sitting
    inside the category), have weights summing to 1. Effective weights are products along the
    path.
    """

    id: str
    weight: float
    parent: str = ""
    """Id of the enclosing category; ``""``: the top level."""
    base_weight: float = 0.0
    label_es: str = ""
    label_en: str = ""

    def label(self, language: Language) -> str:
        """Human label in the given language, falling back to the id."""
        text = self.label_es if language is Language.ES else self.label_en
        return text or self.label_es or self.label_en or self.id


class DerivedOp(StrEnum):
    """How a declared indicator is built from other columns (``docs/scenario-format.md``)."""

    RATIO = "ratio"
    MEAN = "mean"
    SUM = "sum"
    INVERSE_SHARE = "inverse_share"
    SHIFT = "shift"
    MIN_MAX = "min_max"


class ShiftMethod(StrEnum):
    """How ``shift`` moves a column with negative values above zero."""

    RANGE = "range"
    """``v - min + floor x (max - min)``: the smallest becomes ``floor`` x the range."""
    MEAN_3SD = "mean_3sd"
    """``v + mean + 3 sd`` (sample sd) when the smallest is negative, as the 2026 prototype does."""


@dataclass(frozen=True)
class DerivedIndicator:
    """A column computed from other columns before the criteria (a declared indicator)."""

    name: str
    op: DerivedOp
    inputs: tuple[str, ...]
    """The columns it is built from (``of:`` in the file): two for ``ratio``, one for the
    normalisations, one or more for ``mean`` and ``sum``."""
    scale: float = 1.0
    """``ratio`` only: numerator / denominator x scale (100000 for a rate per 100,000)."""
    floor: float | None = None
    """``min_max``: the smallest value's score (default 0.01); ``shift`` with ``range``: the
    smallest value becomes floor x (max - min) (default 0.01)."""
    method: ShiftMethod = ShiftMethod.RANGE
    label_es: str = ""
    label_en: str = ""

    def label(self, language: Language) -> str:
        """Human label in the given language, falling back to the name."""
        text = self.label_es if language is Language.ES else self.label_en
        return text or self.label_es or self.label_en or self.name


@dataclass(frozen=True)
class Guaranteed:
    """Amounts taken off the top before the formula (2012-2015: each state's 2010 amount).

    Either ``amounts`` (whole pesos per region code, read from a column) or
    ``previous_factor`` (the previous allocation times a factor, rounded down to the rounding
    unit). The criteria share only what is left of the fund.
    """

    amounts: Mapping[str, int] = field(default_factory=dict)
    previous_factor: float | None = None
    column: str = ""
    """Where ``amounts`` were read (for the texts); informative."""

    def per_region(self, regions: Sequence[Region], unit: int) -> list[int]:
        """The guaranteed pesos of each region, in the order given.

        ``previous_factor``: the previous allocation x factor in exact decimals (the factor as
        written), rounded down to the rounding unit; no previous allocation counts as 0.
        """
        if self.previous_factor is not None:
            factor = Decimal(repr(float(self.previous_factor)))
            unit = max(unit, 1)
            return [
                int((Decimal(r.previous or 0) * factor / unit).to_integral_value(ROUND_FLOOR))
                * unit
                for r in regions
            ]
        return [int(self.amounts.get(r.code, 0)) for r in regions]


@dataclass(frozen=True)
class Axis:
    """An approved spending line (eje / programa) with a fixed share or a share range."""

    id: str
    name_es: str
    name_en: str = ""
    share: float | None = None
    """Fixed share of the fund; when set, ``share_min`` and ``share_max`` are ignored."""
    share_min: float | None = None
    share_max: float | None = None
    target_share: float | None = None
    """Share used for the targets; default: ``share``, else the middle of the range."""
    criteria: tuple[Criterion, ...] = ()
    """Own criteria distributing this axis among regions; empty: the fund's criteria."""
    base_weight: float | None = None
    """Own base-amount weight when ``criteria`` is set."""
    parent: str = field(default="", metadata=OMIT_DEFAULT)
    """Id of the group (eje or programa) this axis belongs to; empty at the top of the tree."""
    level: str = field(default="", metadata=OMIT_DEFAULT)
    """Level in the catalogue: ``eje``, ``programa``, ``subprograma`` (a label; may be empty)."""

    @property
    def lower_share(self) -> float:
        """Smallest share of the fund this axis may receive."""
        if self.share is not None:
            return self.share
        return self.share_min if self.share_min is not None else 0.0

    @property
    def upper_share(self) -> float:
        """Largest share of the fund this axis may receive."""
        if self.share is not None:
            return self.share
        return self.share_max if self.share_max is not None else 1.0

    def name(self, language: Language) -> str:
        """Axis name in the given language, falling back to Spanish."""
        return (self.name_en if language is Language.EN else self.name_es) or self.name_es


@dataclass(frozen=True)
class Band:
    """Bounds on a region's total relative to its previous allocation.

    ``lower=0.0, upper=0.10`` means: no less than last year, at most 10 % more.
    """

    lower: float | None = 0.0
    upper: float | None = None


@dataclass(frozen=True)
class RegionBound:
    """A floor or cap on a region's total: an absolute amount or a share of the fund."""

    region: str
    """Region code, or ``"*"`` for every region."""
    amount: int | None = None
    share: float | None = None


@dataclass(frozen=True)
class CellMinimum:
    """A minimum for one axis in one region (a national priority every state must fund).

    ``amount`` in pesos, or ``share`` of the region's final total.
    """

    axis: str
    region: str = ALL_REGIONS
    amount: int | None = None
    share: float | None = None


@dataclass(frozen=True)
class Rules:
    """Every optional rule family. Empty tuples and ``None`` mean the rule is off."""

    band: Band | None = None
    region_floors: tuple[RegionBound, ...] = ()
    region_caps: tuple[RegionBound, ...] = ()
    cell_minimums: tuple[CellMinimum, ...] = ()
    absorption_caps: tuple[RegionBound, ...] = ()
    """What a region can execute: a cap on its total (amounts only)."""


@dataclass(frozen=True)
class ReportInfo:
    """What the report prints about who issues it and on what basis (the scenario's ``report``).

    Presentation only: not part of the allocation question, so it is left out of the scenario's
    canonical JSON (and of its SHA-256), as ``locations`` is.
    """

    title: str = ""
    issuing_unit: str = ""
    legal_basis: str = ""
    date: str = ""
    """ISO date (``2026-12-02``), or empty."""
    assumptions: tuple[str, ...] = ()
    """The inputs that are assumptions, one text each (default: read from the description)."""


@dataclass(frozen=True)
class Proposal:
    """One line of a state's proposal (its concertación): an amount or a share of a programa.

    ``axis`` names any node of the programa tree (an eje, a programa or a leaf); a node with
    children spreads its proposal over its leaves in the national target mix of that node.
    Amounts are scaled to the state's final total, so only their proportions matter.
    """

    region: str
    axis: str
    amount: int | None = None
    share: float | None = None


@dataclass(frozen=True)
class CalendarSpec:
    """The ministrations: month labels and the share of the fund paid in each."""

    months: tuple[str, ...]
    weights: tuple[float, ...]


DEFAULT_MONTHS = (
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
)
"""Ten monthly ministrations, January to October (LCF art. 45 calendar of the FASP)."""


@dataclass(frozen=True)
class Municipality:
    """A municipality (or CDMX demarcación) with its state and indicators."""

    code: str
    region: str
    """Code of its state."""
    name: str
    indicators: Mapping[str, float] = field(default_factory=dict)
    population: int | None = None


@dataclass(frozen=True)
class MunicipalSpec:
    """The pass-through to municipalities and, optionally, its allocation among them.

    ``share`` of each state's allocation goes to its municipalities (at least 20 % by law).
    With ``municipalities``, each state's pass-through is split among its municipalities by
    ``criteria`` (and ``base_weight``), each municipality getting at least ``floor`` pesos.
    """

    share: float = 0.20
    municipalities: tuple[Municipality, ...] = ()
    criteria: tuple[Criterion, ...] = ()
    base_weight: float = 0.0
    floor: int | None = None


@dataclass(frozen=True)
class Scenario:
    """A complete, self-contained allocation question.

    ``regions`` are kept sorted by code; ``locations`` maps a field key (for example
    ``"regions/09/indicators/population"`` or ``"criteria/0/weight"``) to a human location such
    as ``"data/indicators.csv row 11, column poblacion"`` so checks can point at the source.
    """

    name: str
    fund: Fund
    regions: tuple[Region, ...]
    criteria: tuple[Criterion, ...]
    base_weight: float = 0.0
    """Share of the fund (or of each axis) split equally among regions."""
    axes: tuple[Axis, ...] = ()
    rules: Rules = field(default_factory=Rules)
    objective: Objective = Objective.PROPORTIONAL
    description: str = ""
    locations: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)
    axis_groups: tuple[Axis, ...] = field(default=(), metadata=OMIT_DEFAULT)
    """The inner nodes of the programa tree (ejes, programas with subprogramas): no cells of
    their own; a bound on a group holds the sum of its leaves. Leaves are ``axes``."""
    proposals: tuple[Proposal, ...] = field(default=(), metadata=OMIT_DEFAULT)
    """Each state's proposed programa mix; a state without lines follows the national mix."""
    cofinancing_rate: float | None = field(default=None, metadata=OMIT_DEFAULT)
    """Financiamiento conjunto: the states' minimum contribution per peso of FASP (0.25)."""
    calendar: CalendarSpec | None = field(default=None, metadata=OMIT_DEFAULT)
    """The monthly ministrations; None: no calendar in the plan."""
    municipal: MunicipalSpec | None = field(default=None, metadata=OMIT_DEFAULT)
    """The pass-through to municipalities; None: not in the plan."""
    categories: tuple[CriteriaCategory, ...] = field(default=(), metadata=_OMIT)
    """Categories of the fund's criteria, parents before children (nested criteria)."""
    derived: tuple[DerivedIndicator, ...] = field(default=(), metadata=_OMIT)
    """Declared indicators, computed from the regions' columns before the criteria."""
    guaranteed: Guaranteed | None = field(default=None, metadata=_OMIT)
    """Amounts taken off the top before the formula; None: the formula shares the whole fund."""
    report: ReportInfo = field(default_factory=ReportInfo, compare=False, hash=False)
    """How the report is headed: presentation only, never in the canonical JSON."""

    def where(self, key: str, default: str = "") -> str:
        """Human location of a field, or ``default`` (the key itself) when unknown."""
        return self.locations.get(key, default or key)

    @property
    def effective_axes(self) -> tuple[Axis, ...]:
        """The axes, or a single implicit axis covering the whole fund when none are given."""
        if self.axes:
            return self.axes
        return (Axis(id="total", name_es="Total", name_en="Total", share=1.0),)


def _weight_as_written(x: float) -> Decimal:
    # repr() keeps the decimal the planner wrote: 0.6 x 0.3 is 0.18, as a hand-flattened file says.
    return Decimal(repr(float(x)))


def category_weights(scenario: Scenario) -> dict[str, Decimal]:
    """Effective weight of every category: the product of the weights along its path.

    Computed on the weights as written (decimals) and rounded once to a float by the callers,
    so that a nested scenario and its hand-flattened twin have the same float weights. An
    unknown parent or a cycle (refused by the checks) counts as the top level.
    """
    by_id = {c.id: c for c in scenario.categories}
    out: dict[str, Decimal] = {}
    for category in scenario.categories:
        weight, node, seen = _weight_as_written(category.weight), category, {category.id}
        while node.parent in by_id and node.parent not in seen:
            node = by_id[node.parent]
            seen.add(node.id)
            weight *= _weight_as_written(node.weight)
        out.setdefault(category.id, weight)
    return out


@dataclass(frozen=True)
class CriteriaTreeNode:
    """One line of the criteria tree (``fsf validate``, ``ValidateScenario``)."""

    depth: int
    """1 for the top level."""
    kind: str
    """``category``, ``criterion`` or ``base_amount``."""
    id: str
    """Category id or indicator; empty for the base amount."""
    label: str
    weight: float
    """Within the parent."""
    effective_weight: float
    """Product of the weights along the path: the share of the fund (or of the excess)."""


MAX_TREE_DEPTH = 8
"""The tree of a scenario the checks refused (a cycle of parents) stops here."""


def criteria_tree(scenario: Scenario, language: Language = Language.ES) -> list[CriteriaTreeNode]:
    """The fund's criteria as a tree, depth first in file order, with effective weights."""
    weights = category_weights(scenario)
    nodes: list[CriteriaTreeNode] = []

    by_id = {c.id: c for c in scenario.categories}
    # A category sits where its first criterion sits in the file (criteria are in file order).
    first: dict[str, int] = {}
    for i, criterion in enumerate(scenario.criteria):
        node, steps = criterion.category, 0
        while node and steps <= len(by_id):
            first.setdefault(node, i)
            node, steps = (by_id[node].parent if node in by_id else ""), steps + 1
    end = len(scenario.criteria)

    def visit(parent: str, depth: int, above: Decimal) -> None:
        items: list[tuple[int, int, Criterion | CriteriaCategory]] = [
            (i, 0, c) for i, c in enumerate(scenario.criteria) if c.category == parent
        ]
        items += [
            (first.get(c.id, end), 1, c)
            for c in scenario.categories
            if c.parent == parent and depth <= MAX_TREE_DEPTH
        ]
        for _, _, item in sorted(items, key=lambda t: (t[0], t[1])):
            if isinstance(item, Criterion):
                effective = float(_weight_as_written(item.weight) * above)
                nodes.append(
                    CriteriaTreeNode(
                        depth,
                        "criterion",
                        item.indicator,
                        item.label(language),
                        item.weight,
                        effective,
                    )
                )
                continue
            nodes.append(
                CriteriaTreeNode(
                    depth,
                    "category",
                    item.id,
                    item.label(language),
                    item.weight,
                    float(weights[item.id]),
                )
            )
            visit(item.id, depth + 1, weights[item.id])
        base = scenario.base_weight if not parent else by_id[parent].base_weight
        if base or not parent:
            label = (
                "monto base (partes iguales)"
                if language is Language.ES
                else "base amount (equal split)"
            )
            effective = float(_weight_as_written(base) * above)
            nodes.append(CriteriaTreeNode(depth, "base_amount", "", label, base, effective))

    visit("", 1, Decimal(1))
    return nodes


# --------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------


class RuleFamily(StrEnum):
    """Constraint families of the model; every registered constraint belongs to one."""

    FUND_TOTAL = "fund_total"
    BAND_FLOOR = "band_floor"
    BAND_CAP = "band_cap"
    REGION_FLOOR = "region_floor"
    REGION_CAP = "region_cap"
    ABSORPTION_CAP = "absorption_cap"
    AXIS_MIN = "axis_share_min"
    AXIS_MAX = "axis_share_max"
    CELL_MINIMUM = "priority_minimum"
    GUARANTEED = "guaranteed"


class SolveStatus(StrEnum):
    """Outcome of an allocation run."""

    OPTIMAL = "optimal"
    INFEASIBLE = "infeasible"
    SOLVER_FAILURE = "solver_failure"


@dataclass(frozen=True)
class Cell:
    """Final integer-peso amount for one (region, axis)."""

    region: str
    axis: str
    amount: int
    target: int


class CellTable(Sequence[Cell]):
    """A plan's cells kept as columns; each :class:`Cell` is made when it is asked for.

    A municipal plan has tens of thousands of cells: building them as objects cost a fifth of
    ``allocate()``, while most front doors write them straight from the columns. The table is
    an immutable sequence of cells, equal to a tuple of the same cells (and hashing like it),
    so plans read back from the store compare equal to fresh ones.

    ``amounts`` and ``targets`` are region-major: cell ``k`` is region ``k // len(axes)``,
    axis ``k % len(axes)``.
    """

    __slots__ = ("amounts", "axes", "regions", "targets")

    def __init__(
        self,
        regions: Sequence[str],
        axes: Sequence[str],
        amounts: Sequence[int],
        targets: Sequence[int],
    ) -> None:
        if not len(amounts) == len(targets) == len(regions) * len(axes):
            message = (
                f"{len(amounts)} amounts and {len(targets)} targets for "
                f"{len(regions)} regions x {len(axes)} axes"
            )
            raise ValueError(message)
        self.regions = tuple(regions)
        self.axes = tuple(axes)
        self.amounts = tuple(amounts)
        self.targets = tuple(targets)

    def __len__(self) -> int:
        return len(self.amounts)

    def _cell(self, k: int) -> Cell:
        region, axis = divmod(k, len(self.axes))
        return Cell(self.regions[region], self.axes[axis], self.amounts[k], self.targets[k])

    @overload
    def __getitem__(self, index: int) -> Cell: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[Cell, ...]: ...

    def __getitem__(self, index: int | slice) -> Cell | tuple[Cell, ...]:
        if isinstance(index, slice):
            return tuple(self._cell(k) for k in range(*index.indices(len(self))))
        k = range(len(self))[index]  # negative indexes and IndexError as a tuple has them
        return self._cell(k)

    def __iter__(self) -> Iterator[Cell]:
        m = len(self.axes)
        for k, (amount, target) in enumerate(zip(self.amounts, self.targets, strict=True)):
            yield Cell(self.regions[k // m], self.axes[k % m], amount, target)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, CellTable):
            if self.regions == other.regions and self.axes == other.axes:
                return self.amounts == other.amounts and self.targets == other.targets
            return tuple(self) == tuple(other)
        if isinstance(other, tuple):
            return tuple(self) == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return repr(tuple(self))

    def __reduce__(self) -> tuple[type[CellTable], tuple[object, ...]]:
        return CellTable, (self.regions, self.axes, self.amounts, self.targets)

    def to_plain(self) -> list[dict[str, object]]:
        """What :func:`to_plain` makes of the cells, straight from the columns."""
        m = len(self.axes)
        regions, axes = self.regions, self.axes
        return [
            {"region": regions[k // m], "axis": axes[k % m], "amount": amount, "target": target}
            for k, (amount, target) in enumerate(zip(self.amounts, self.targets, strict=True))
        ]


@dataclass(frozen=True)
class Contribution:
    """Pesos of a region's formula target that come from one criterion or the base amount."""

    source: str
    """Indicator name, or ``"base_amount"``."""
    label: str
    weight: float
    amount: int


@dataclass(frozen=True)
class CategorySubtotal:
    """Pesos of a region's formula target that come from one category of criteria."""

    category: str
    label: str
    weight: float
    """Effective weight (product of the weights along the path)."""
    amount: int


@dataclass(frozen=True)
class CategorySummary:
    """One category of criteria over the whole plan: weights and its pesos in the targets."""

    category: str
    label: str
    parent: str
    weight: float
    effective_weight: float
    amount: int
    """Sum over regions of the category's subtotals (pesos of the formula targets)."""


@dataclass(frozen=True)
class DerivedNote:
    """A declared indicator a justification names, and how it was built."""

    name: str
    label: str
    description: str


@dataclass(frozen=True)
class Adjustment:
    """Why a region's final amount differs from its formula target, and by how many pesos."""

    cause: RuleFamily | str
    """A rule family, or ``"redistribution"`` for the proportional share of others' adjustments."""
    amount: int


@dataclass(frozen=True)
class BindingRule:
    """A rule that holds with equality at the solution, with its marginal value.

    ``marginal_value``: change of the objective per extra peso of the rule's bound (one valid
    value when the LP is degenerate, not necessarily the only one).
    """

    family: RuleFamily
    key: str
    description: str
    bound: int
    marginal_value: float


@dataclass(frozen=True)
class Justification:
    """Why one region got what it got: structured fields first, texts built from them."""

    region: str
    target: int
    amount: int
    contributions: tuple[Contribution, ...]
    adjustments: tuple[Adjustment, ...]
    binding: tuple[BindingRule, ...]
    previous: int | None
    change: int | None
    change_pct: float | None
    per_capita: float | None
    """Pesos per inhabitant (rounded to centavos; informative, not money)."""
    per_capita_rank: int | None
    text: str
    proposal_gaps: tuple[ProposalGap, ...] = field(default=(), metadata=OMIT_DEFAULT)
    """Where this state's proposal gave way (empty: no proposal, or it was kept)."""
    categories: tuple[CategorySubtotal, ...] = field(default=(), metadata=_OMIT)
    """Pesos of the target per category of criteria (every level, parents first)."""
    guaranteed: int | None = field(default=None, metadata=_OMIT)
    """Monto garantizado: taken off the top before the formula."""
    formula_on_excess: int | None = field(default=None, metadata=_OMIT)
    """Fórmula sobre el excedente: the target minus the guaranteed amount."""
    derived: tuple[DerivedNote, ...] = field(default=(), metadata=_OMIT)
    """The declared indicators the criteria use, with their formulas."""


@dataclass(frozen=True)
class RegionResult:
    """Per-region summary row."""

    code: str
    name: str
    target: int
    amount: int
    previous: int | None
    lower: int | None
    upper: int | None
    main_rule: str
    """The main binding rule family, or ``""`` when the region sits on the common ratio."""
    categories: tuple[CategorySubtotal, ...] = field(default=(), metadata=_OMIT)
    """Pesos of the target per category of criteria."""
    guaranteed: int | None = field(default=None, metadata=_OMIT)


@dataclass(frozen=True)
class AxisResult:
    """Per-axis summary row."""

    id: str
    name: str
    target: int
    amount: int
    lower: int
    upper: int
    binding: tuple[str, ...]
    parent: str = field(default="", metadata=OMIT_DEFAULT)
    level: str = field(default="", metadata=OMIT_DEFAULT)


@dataclass(frozen=True)
class ProposalGap:
    """Where a state's proposal gave way: one programa of its proposal, in pesos, and why.

    ``proposed``: the proposal scaled to the state's final total (largest remainder, whole
    pesos); ``amount``: what the plan gives that programa; ``rule``: the rule family that moved
    it (a national share bound of ``rule_key``, a priority minimum) or ``redistribution`` when
    it gave way so that others' rules could hold.
    """

    region: str
    axis: str
    proposed: int
    amount: int
    rule: str
    rule_key: str = ""

    @property
    def gap(self) -> int:
        """Pesos by which the plan differs from the proposal (negative: less)."""
        return self.amount - self.proposed


@dataclass(frozen=True)
class CofinancingRow:
    """Financiamiento conjunto of one state (or, with ``axis``, of one programa nationally).

    ``contribution`` = ceil(rate x federal): the least whole pesos that are at least the rate,
    so the minimum is never under-stated.
    """

    key: str
    """A state code, or a node id of the programa tree (national totals per programa)."""
    federal: int
    contribution: int
    total: int


@dataclass(frozen=True)
class CofinancingCell:
    """Financiamiento conjunto of one state in one node of the programa tree (eje, programa or
    leaf), as its Anexo Técnico lists it: the federal amount and the state's own contribution.

    ``contribution`` is the state's contribution split over its cells in proportion to them
    (largest remainder, ties to the earlier leaf id) and summed over the node's leaves: a state's
    nodes of one level sum exactly to its contribution, a node's states to the national row.
    """

    region: str
    node: str
    federal: int
    contribution: int
    total: int


@dataclass(frozen=True)
class CalendarPlan:
    """The ministrations: integer pesos per state and month, exact in both directions.

    ``amounts`` is region-major: ``amounts[r * len(months) + k]`` is region r in month k.
    Each state's months sum to its allocation; each month's states sum to ``national[k]``.
    """

    months: tuple[str, ...]
    national: tuple[int, ...]
    regions: tuple[str, ...]
    amounts: tuple[int, ...]

    def row(self, r: int) -> tuple[int, ...]:
        """Region r's months."""
        k = len(self.months)
        return self.amounts[r * k : (r + 1) * k]


@dataclass(frozen=True)
class PassThrough:
    """The part of a state's allocation that goes to its municipalities (ceil to the peso)."""

    region: str
    share: float
    amount: int


@dataclass(frozen=True)
class MunicipalAmount:
    """One municipality's part of its state's pass-through."""

    code: str
    region: str
    name: str
    amount: int
    target: int


@dataclass(frozen=True)
class SolveStats:
    """What was solved and how long each stage took."""

    status: SolveStatus
    objective: Objective
    objective_value: float
    lp_solves: int
    stage_seconds: Mapping[str, float]
    solver: str
    versions: Mapping[str, str]
    input_sha256: str


@dataclass(frozen=True)
class AllocationPlan:
    """Exact allocation: cells sum to the fund, every rule holds."""

    scenario: str
    fund: Fund
    language: Language
    cells: Sequence[Cell]
    """A :class:`CellTable` from ``allocate()``; any sequence of cells (a tuple) otherwise."""
    regions: tuple[RegionResult, ...]
    axes: tuple[AxisResult, ...]
    justifications: tuple[Justification, ...]
    stats: SolveStats
    groups: tuple[AxisResult, ...] = field(default=(), metadata=OMIT_DEFAULT)
    """Totals of the programa tree's inner nodes (ejes, programas), in tree order."""
    proposal_gaps: tuple[ProposalGap, ...] = field(default=(), metadata=OMIT_DEFAULT)
    cofinancing: tuple[CofinancingRow, ...] = field(default=(), metadata=OMIT_DEFAULT)
    """Per state (keys: codes), then per node of the tree (keys: axis ids)."""
    cofinancing_cells: tuple[CofinancingCell, ...] = field(default=(), metadata=OMIT_DEFAULT)
    """Per state and node of the tree (states in order, nodes in tree order within each)."""
    cofinancing_rate: float | None = field(default=None, metadata=OMIT_DEFAULT)
    calendar: CalendarPlan | None = field(default=None, metadata=OMIT_DEFAULT)
    pass_through: tuple[PassThrough, ...] = field(default=(), metadata=OMIT_DEFAULT)
    municipalities: tuple[MunicipalAmount, ...] = field(default=(), metadata=OMIT_DEFAULT)
    categories: tuple[CategorySummary, ...] = field(default=(), metadata=_OMIT)
    """The categories of criteria with their pesos over all regions."""
    guaranteed_total: int | None = field(default=None, metadata=_OMIT)
    """Sum of the guaranteed amounts (the formula shared the rest of the fund)."""

    @property
    def total(self) -> int:
        """Sum of all cells (equals ``fund.total``)."""
        if isinstance(self.cells, CellTable):
            return sum(self.cells.amounts)
        return sum(c.amount for c in self.cells)


@dataclass(frozen=True)
class Conflict:
    """One rule family that must give way for infeasible criteria, and by how much."""

    family: RuleFamily | str
    amount: int
    """Pesos by which the family must be relaxed."""
    description: str


@dataclass(frozen=True)
class AllocateOptions:
    """Run options shared by the CLI and the service."""

    language: Language = Language.ES
    objective: Objective | None = None
    """Overrides the scenario's objective when set."""
    time_limit: float | None = None
    """Seconds for the whole solve; None for no limit."""


_PLAIN = frozenset({int, float, str, bool, type(None)})
_NOT_PLAIN = frozenset({"locations", "report"})
"""Scenario fields that are not part of the allocation question (where things are written, how
the report is headed): left out of the canonical JSON."""
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}
"""Field names per dataclass type (a municipal plan has hundreds of thousands of values)."""
_OMITTED: dict[type, frozenset[str]] = {}
"""Per dataclass type, the fields left out of :func:`to_plain` when empty."""
_EMPTY: tuple[object, ...] = ((), None, "")


def to_plain(value: object) -> object:
    """Dataclasses, enums, mappings and tuples as plain JSON-ready values (locations and report
    headings dropped)."""
    # Plain values are returned in place rather than through a call: a municipal plan or
    # scenario has hundreds of thousands of them.
    kind = type(value)
    if kind in _PLAIN:
        return value
    names = _FIELD_NAMES.get(kind)
    if names is None and dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = dataclasses.fields(value)
        names = tuple(f.name for f in fields if f.name not in _NOT_PLAIN)
        _FIELD_NAMES[kind] = names
        _OMITTED[kind] = frozenset(f.name for f in fields if f.metadata.get("omit_empty"))
    if names is not None:
        out = {}
        omitted = _OMITTED[kind]
        for name in names:
            item = getattr(value, name)
            if omitted and name in omitted and (item in _EMPTY or item == {}):
                continue
            out[name] = item if type(item) in _PLAIN else to_plain(item)
        return out
    if kind is CellTable:
        return value.to_plain()  # type: ignore[attr-defined]
    # Exact built-in containers first: the ABC checks below cost more than the work.
    if kind is dict:
        items = value.items()  # type: ignore[attr-defined]
        return {str(k): v if type(v) in _PLAIN else to_plain(v) for k, v in sorted(items)}
    if kind is tuple or kind is list:
        return [v if type(v) in _PLAIN else to_plain(v) for v in value]  # type: ignore[attr-defined]
    if isinstance(value, StrEnum):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): v if type(v) in _PLAIN else to_plain(v) for k, v in sorted(value.items())}
    if isinstance(value, tuple | list):
        return [v if type(v) in _PLAIN else to_plain(v) for v in value]
    return value


def canonical_json(value: object) -> str:
    """Canonical JSON text (sorted keys, no spaces): same input, same bytes, same SHA-256."""
    import json

    return json.dumps(to_plain(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
