"""Domain values: scenarios in, allocation plans out.

Standard library only. Every value is a frozen dataclass or a StrEnum so that a scenario can be
hashed, compared and serialised canonically. Money is ``int`` pesos everywhere in this module;
weights, shares and indicator values are ``float`` (they are data, not money).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import overload

ALL_REGIONS = "*"
"""Region selector meaning "every region" in floors, caps and cell minimums."""

OMIT_DEFAULT = {"omit_default": True}
"""Field metadata: :func:`to_plain` leaves the field out while it holds its default, so that
values written before the field existed keep their canonical JSON (and input SHA-256)."""


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
    """An indicator with its weight, direction and normalisation."""

    indicator: str
    weight: float
    direction: Direction = Direction.HIGHER_NEEDS_MORE
    normalisation: Normalisation = Normalisation.SHARE
    shift: float | None = None
    """For ``shifted_share``: the smallest value becomes ``shift`` x (max - min); default 0.01."""
    label_es: str = ""
    label_en: str = ""

    def label(self, language: Language) -> str:
        """Human label in the given language, falling back to the indicator name."""
        text = self.label_es if language is Language.ES else self.label_en
        return text or self.label_es or self.label_en or self.indicator


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

    def where(self, key: str, default: str = "") -> str:
        """Human location of a field, or ``default`` (the key itself) when unknown."""
        return self.locations.get(key, default or key)

    @property
    def effective_axes(self) -> tuple[Axis, ...]:
        """The axes, or a single implicit axis covering the whole fund when none are given."""
        if self.axes:
            return self.axes
        return (Axis(id="total", name_es="Total", name_en="Total", share=1.0),)


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
    cofinancing_rate: float | None = field(default=None, metadata=OMIT_DEFAULT)
    calendar: CalendarPlan | None = field(default=None, metadata=OMIT_DEFAULT)
    pass_through: tuple[PassThrough, ...] = field(default=(), metadata=OMIT_DEFAULT)
    municipalities: tuple[MunicipalAmount, ...] = field(default=(), metadata=OMIT_DEFAULT)

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
_FIELD_NAMES: dict[type, tuple[str, ...]] = {}
_OMITTED: dict[type, dict[str, object]] = {}
"""Per dataclass type, the fields left out while they hold their default (``OMIT_DEFAULT``)."""
"""Field names per dataclass type (a municipal plan has hundreds of thousands of values)."""


def to_plain(value: object) -> object:
    """Dataclasses, enums, mappings and tuples as plain JSON-ready values (locations dropped)."""
    # Plain values are returned in place rather than through a call: a municipal plan or
    # scenario has hundreds of thousands of them.
    kind = type(value)
    if kind in _PLAIN:
        return value
    names = _FIELD_NAMES.get(kind)
    if names is None and dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = [f for f in dataclasses.fields(value) if f.name != "locations"]
        names = tuple(f.name for f in fields)
        _FIELD_NAMES[kind] = names
        _OMITTED[kind] = {f.name: f.default for f in fields if f.metadata.get("omit_default")}
    if names is not None:
        out = {}
        omitted = _OMITTED[kind]
        for name in names:
            item = getattr(value, name)
            if name in omitted and item == omitted[name]:
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
