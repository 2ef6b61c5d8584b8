# Generated from protos/optimizer/v1/allocation.proto by scripts/gen_protos.py -- do not edit by hand;
# regenerate with `python scripts/gen_protos.py`.
import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Direction(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DIRECTION_UNSPECIFIED: _ClassVar[Direction]
    DIRECTION_HIGHER_NEEDS_MORE: _ClassVar[Direction]
    DIRECTION_HIGHER_NEEDS_LESS: _ClassVar[Direction]

class Normalisation(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    NORMALISATION_UNSPECIFIED: _ClassVar[Normalisation]
    NORMALISATION_SHARE: _ClassVar[Normalisation]
    NORMALISATION_SHIFTED_SHARE: _ClassVar[Normalisation]

class Objective(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OBJECTIVE_UNSPECIFIED: _ClassVar[Objective]
    OBJECTIVE_PROPORTIONAL: _ClassVar[Objective]
    OBJECTIVE_MIN_TOTAL_DEVIATION: _ClassVar[Objective]
    OBJECTIVE_MAX_MIN_COVERAGE: _ClassVar[Objective]

class Language(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    LANGUAGE_UNSPECIFIED: _ClassVar[Language]
    LANGUAGE_ES: _ClassVar[Language]
    LANGUAGE_EN: _ClassVar[Language]

class DerivedOperation(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DERIVED_OPERATION_UNSPECIFIED: _ClassVar[DerivedOperation]
    DERIVED_OPERATION_RATIO: _ClassVar[DerivedOperation]
    DERIVED_OPERATION_MEAN: _ClassVar[DerivedOperation]
    DERIVED_OPERATION_SUM: _ClassVar[DerivedOperation]
    DERIVED_OPERATION_INVERSE_SHARE: _ClassVar[DerivedOperation]
    DERIVED_OPERATION_SHIFT: _ClassVar[DerivedOperation]
    DERIVED_OPERATION_MIN_MAX: _ClassVar[DerivedOperation]

class DerivedShiftMethod(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DERIVED_SHIFT_METHOD_UNSPECIFIED: _ClassVar[DerivedShiftMethod]
    DERIVED_SHIFT_METHOD_RANGE: _ClassVar[DerivedShiftMethod]
    DERIVED_SHIFT_METHOD_MEAN_3SD: _ClassVar[DerivedShiftMethod]

class RunStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RUN_STATUS_UNSPECIFIED: _ClassVar[RunStatus]
    RUN_STATUS_OPTIMAL: _ClassVar[RunStatus]
    RUN_STATUS_INFEASIBLE: _ClassVar[RunStatus]
    RUN_STATUS_SOLVER_FAILURE: _ClassVar[RunStatus]
    RUN_STATUS_DEADLINE_EXCEEDED: _ClassVar[RunStatus]

class Severity(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SEVERITY_UNSPECIFIED: _ClassVar[Severity]
    SEVERITY_ERROR: _ClassVar[Severity]
    SEVERITY_WARNING: _ClassVar[Severity]

class SweepKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SWEEP_KIND_UNSPECIFIED: _ClassVar[SweepKind]
    SWEEP_KIND_ONE_AT_A_TIME: _ClassVar[SweepKind]
    SWEEP_KIND_MONTE_CARLO: _ClassVar[SweepKind]
    SWEEP_KIND_GRID: _ClassVar[SweepKind]
DIRECTION_UNSPECIFIED: Direction
DIRECTION_HIGHER_NEEDS_MORE: Direction
DIRECTION_HIGHER_NEEDS_LESS: Direction
NORMALISATION_UNSPECIFIED: Normalisation
NORMALISATION_SHARE: Normalisation
NORMALISATION_SHIFTED_SHARE: Normalisation
OBJECTIVE_UNSPECIFIED: Objective
OBJECTIVE_PROPORTIONAL: Objective
OBJECTIVE_MIN_TOTAL_DEVIATION: Objective
OBJECTIVE_MAX_MIN_COVERAGE: Objective
LANGUAGE_UNSPECIFIED: Language
LANGUAGE_ES: Language
LANGUAGE_EN: Language
DERIVED_OPERATION_UNSPECIFIED: DerivedOperation
DERIVED_OPERATION_RATIO: DerivedOperation
DERIVED_OPERATION_MEAN: DerivedOperation
DERIVED_OPERATION_SUM: DerivedOperation
DERIVED_OPERATION_INVERSE_SHARE: DerivedOperation
DERIVED_OPERATION_SHIFT: DerivedOperation
DERIVED_OPERATION_MIN_MAX: DerivedOperation
DERIVED_SHIFT_METHOD_UNSPECIFIED: DerivedShiftMethod
DERIVED_SHIFT_METHOD_RANGE: DerivedShiftMethod
DERIVED_SHIFT_METHOD_MEAN_3SD: DerivedShiftMethod
RUN_STATUS_UNSPECIFIED: RunStatus
RUN_STATUS_OPTIMAL: RunStatus
RUN_STATUS_INFEASIBLE: RunStatus
RUN_STATUS_SOLVER_FAILURE: RunStatus
RUN_STATUS_DEADLINE_EXCEEDED: RunStatus
SEVERITY_UNSPECIFIED: Severity
SEVERITY_ERROR: Severity
SEVERITY_WARNING: Severity
SWEEP_KIND_UNSPECIFIED: SweepKind
SWEEP_KIND_ONE_AT_A_TIME: SweepKind
SWEEP_KIND_MONTE_CARLO: SweepKind
SWEEP_KIND_GRID: SweepKind

class Fund(_message.Message):
    __slots__ = ("name", "fiscal_year", "total", "currency", "rounding_unit")
    NAME_FIELD_NUMBER: _ClassVar[int]
    FISCAL_YEAR_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    CURRENCY_FIELD_NUMBER: _ClassVar[int]
    ROUNDING_UNIT_FIELD_NUMBER: _ClassVar[int]
    name: str
    fiscal_year: int
    total: int
    currency: str
    rounding_unit: int
    def __init__(self, name: _Optional[str] = ..., fiscal_year: _Optional[int] = ..., total: _Optional[int] = ..., currency: _Optional[str] = ..., rounding_unit: _Optional[int] = ...) -> None: ...

class Region(_message.Message):
    __slots__ = ("code", "name", "indicators", "previous", "population")
    class IndicatorsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    INDICATORS_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_FIELD_NUMBER: _ClassVar[int]
    POPULATION_FIELD_NUMBER: _ClassVar[int]
    code: str
    name: str
    indicators: _containers.ScalarMap[str, float]
    previous: int
    population: int
    def __init__(self, code: _Optional[str] = ..., name: _Optional[str] = ..., indicators: _Optional[_Mapping[str, float]] = ..., previous: _Optional[int] = ..., population: _Optional[int] = ...) -> None: ...

class Criterion(_message.Message):
    __slots__ = ("indicator", "weight", "direction", "normalisation", "shift", "label_es", "label_en", "category")
    INDICATOR_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    NORMALISATION_FIELD_NUMBER: _ClassVar[int]
    SHIFT_FIELD_NUMBER: _ClassVar[int]
    LABEL_ES_FIELD_NUMBER: _ClassVar[int]
    LABEL_EN_FIELD_NUMBER: _ClassVar[int]
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    indicator: str
    weight: float
    direction: Direction
    normalisation: Normalisation
    shift: float
    label_es: str
    label_en: str
    category: str
    def __init__(self, indicator: _Optional[str] = ..., weight: _Optional[float] = ..., direction: _Optional[_Union[Direction, str]] = ..., normalisation: _Optional[_Union[Normalisation, str]] = ..., shift: _Optional[float] = ..., label_es: _Optional[str] = ..., label_en: _Optional[str] = ..., category: _Optional[str] = ...) -> None: ...

class CriteriaCategory(_message.Message):
    __slots__ = ("id", "weight", "parent", "base_weight", "label_es", "label_en")
    ID_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    PARENT_FIELD_NUMBER: _ClassVar[int]
    BASE_WEIGHT_FIELD_NUMBER: _ClassVar[int]
    LABEL_ES_FIELD_NUMBER: _ClassVar[int]
    LABEL_EN_FIELD_NUMBER: _ClassVar[int]
    id: str
    weight: float
    parent: str
    base_weight: float
    label_es: str
    label_en: str
    def __init__(self, id: _Optional[str] = ..., weight: _Optional[float] = ..., parent: _Optional[str] = ..., base_weight: _Optional[float] = ..., label_es: _Optional[str] = ..., label_en: _Optional[str] = ...) -> None: ...

class DerivedIndicator(_message.Message):
    __slots__ = ("name", "op", "inputs", "scale", "floor", "method", "label_es", "label_en")
    NAME_FIELD_NUMBER: _ClassVar[int]
    OP_FIELD_NUMBER: _ClassVar[int]
    INPUTS_FIELD_NUMBER: _ClassVar[int]
    SCALE_FIELD_NUMBER: _ClassVar[int]
    FLOOR_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    LABEL_ES_FIELD_NUMBER: _ClassVar[int]
    LABEL_EN_FIELD_NUMBER: _ClassVar[int]
    name: str
    op: DerivedOperation
    inputs: _containers.RepeatedScalarFieldContainer[str]
    scale: float
    floor: float
    method: DerivedShiftMethod
    label_es: str
    label_en: str
    def __init__(self, name: _Optional[str] = ..., op: _Optional[_Union[DerivedOperation, str]] = ..., inputs: _Optional[_Iterable[str]] = ..., scale: _Optional[float] = ..., floor: _Optional[float] = ..., method: _Optional[_Union[DerivedShiftMethod, str]] = ..., label_es: _Optional[str] = ..., label_en: _Optional[str] = ...) -> None: ...

class GuaranteedAmounts(_message.Message):
    __slots__ = ("amounts", "previous_factor", "column")
    class AmountsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    AMOUNTS_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_FACTOR_FIELD_NUMBER: _ClassVar[int]
    COLUMN_FIELD_NUMBER: _ClassVar[int]
    amounts: _containers.ScalarMap[str, int]
    previous_factor: float
    column: str
    def __init__(self, amounts: _Optional[_Mapping[str, int]] = ..., previous_factor: _Optional[float] = ..., column: _Optional[str] = ...) -> None: ...

class CategorySubtotal(_message.Message):
    __slots__ = ("category", "label", "weight", "amount")
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    category: str
    label: str
    weight: float
    amount: int
    def __init__(self, category: _Optional[str] = ..., label: _Optional[str] = ..., weight: _Optional[float] = ..., amount: _Optional[int] = ...) -> None: ...

class CategorySummary(_message.Message):
    __slots__ = ("category", "label", "parent", "weight", "effective_weight", "amount")
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    PARENT_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_WEIGHT_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    category: str
    label: str
    parent: str
    weight: float
    effective_weight: float
    amount: int
    def __init__(self, category: _Optional[str] = ..., label: _Optional[str] = ..., parent: _Optional[str] = ..., weight: _Optional[float] = ..., effective_weight: _Optional[float] = ..., amount: _Optional[int] = ...) -> None: ...

class DerivedIndicatorNote(_message.Message):
    __slots__ = ("name", "label", "description")
    NAME_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    name: str
    label: str
    description: str
    def __init__(self, name: _Optional[str] = ..., label: _Optional[str] = ..., description: _Optional[str] = ...) -> None: ...

class CriteriaTreeNode(_message.Message):
    __slots__ = ("depth", "kind", "id", "label", "weight", "effective_weight")
    DEPTH_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_WEIGHT_FIELD_NUMBER: _ClassVar[int]
    depth: int
    kind: str
    id: str
    label: str
    weight: float
    effective_weight: float
    def __init__(self, depth: _Optional[int] = ..., kind: _Optional[str] = ..., id: _Optional[str] = ..., label: _Optional[str] = ..., weight: _Optional[float] = ..., effective_weight: _Optional[float] = ...) -> None: ...

class Axis(_message.Message):
    __slots__ = ("id", "name_es", "name_en", "share", "share_min", "share_max", "target_share", "criteria", "base_weight", "parent", "level")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_ES_FIELD_NUMBER: _ClassVar[int]
    NAME_EN_FIELD_NUMBER: _ClassVar[int]
    SHARE_FIELD_NUMBER: _ClassVar[int]
    SHARE_MIN_FIELD_NUMBER: _ClassVar[int]
    SHARE_MAX_FIELD_NUMBER: _ClassVar[int]
    TARGET_SHARE_FIELD_NUMBER: _ClassVar[int]
    CRITERIA_FIELD_NUMBER: _ClassVar[int]
    BASE_WEIGHT_FIELD_NUMBER: _ClassVar[int]
    PARENT_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    id: str
    name_es: str
    name_en: str
    share: float
    share_min: float
    share_max: float
    target_share: float
    criteria: _containers.RepeatedCompositeFieldContainer[Criterion]
    base_weight: float
    parent: str
    level: str
    def __init__(self, id: _Optional[str] = ..., name_es: _Optional[str] = ..., name_en: _Optional[str] = ..., share: _Optional[float] = ..., share_min: _Optional[float] = ..., share_max: _Optional[float] = ..., target_share: _Optional[float] = ..., criteria: _Optional[_Iterable[_Union[Criterion, _Mapping]]] = ..., base_weight: _Optional[float] = ..., parent: _Optional[str] = ..., level: _Optional[str] = ...) -> None: ...

class Band(_message.Message):
    __slots__ = ("lower", "upper")
    LOWER_FIELD_NUMBER: _ClassVar[int]
    UPPER_FIELD_NUMBER: _ClassVar[int]
    lower: float
    upper: float
    def __init__(self, lower: _Optional[float] = ..., upper: _Optional[float] = ...) -> None: ...

class RegionBound(_message.Message):
    __slots__ = ("region", "amount", "share")
    REGION_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    SHARE_FIELD_NUMBER: _ClassVar[int]
    region: str
    amount: int
    share: float
    def __init__(self, region: _Optional[str] = ..., amount: _Optional[int] = ..., share: _Optional[float] = ...) -> None: ...

class CellMinimum(_message.Message):
    __slots__ = ("axis", "region", "amount", "share")
    AXIS_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    SHARE_FIELD_NUMBER: _ClassVar[int]
    axis: str
    region: str
    amount: int
    share: float
    def __init__(self, axis: _Optional[str] = ..., region: _Optional[str] = ..., amount: _Optional[int] = ..., share: _Optional[float] = ...) -> None: ...

class Rules(_message.Message):
    __slots__ = ("band", "region_floors", "region_caps", "cell_minimums", "absorption_caps")
    BAND_FIELD_NUMBER: _ClassVar[int]
    REGION_FLOORS_FIELD_NUMBER: _ClassVar[int]
    REGION_CAPS_FIELD_NUMBER: _ClassVar[int]
    CELL_MINIMUMS_FIELD_NUMBER: _ClassVar[int]
    ABSORPTION_CAPS_FIELD_NUMBER: _ClassVar[int]
    band: Band
    region_floors: _containers.RepeatedCompositeFieldContainer[RegionBound]
    region_caps: _containers.RepeatedCompositeFieldContainer[RegionBound]
    cell_minimums: _containers.RepeatedCompositeFieldContainer[CellMinimum]
    absorption_caps: _containers.RepeatedCompositeFieldContainer[RegionBound]
    def __init__(self, band: _Optional[_Union[Band, _Mapping]] = ..., region_floors: _Optional[_Iterable[_Union[RegionBound, _Mapping]]] = ..., region_caps: _Optional[_Iterable[_Union[RegionBound, _Mapping]]] = ..., cell_minimums: _Optional[_Iterable[_Union[CellMinimum, _Mapping]]] = ..., absorption_caps: _Optional[_Iterable[_Union[RegionBound, _Mapping]]] = ...) -> None: ...

class Scenario(_message.Message):
    __slots__ = ("name", "description", "fund", "regions", "criteria", "base_weight", "axes", "rules", "objective", "axis_groups", "proposals", "cofinancing_rate", "calendar", "municipal", "categories", "derived_indicators", "guaranteed")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    FUND_FIELD_NUMBER: _ClassVar[int]
    REGIONS_FIELD_NUMBER: _ClassVar[int]
    CRITERIA_FIELD_NUMBER: _ClassVar[int]
    BASE_WEIGHT_FIELD_NUMBER: _ClassVar[int]
    AXES_FIELD_NUMBER: _ClassVar[int]
    RULES_FIELD_NUMBER: _ClassVar[int]
    OBJECTIVE_FIELD_NUMBER: _ClassVar[int]
    AXIS_GROUPS_FIELD_NUMBER: _ClassVar[int]
    PROPOSALS_FIELD_NUMBER: _ClassVar[int]
    COFINANCING_RATE_FIELD_NUMBER: _ClassVar[int]
    CALENDAR_FIELD_NUMBER: _ClassVar[int]
    MUNICIPAL_FIELD_NUMBER: _ClassVar[int]
    CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    DERIVED_INDICATORS_FIELD_NUMBER: _ClassVar[int]
    GUARANTEED_FIELD_NUMBER: _ClassVar[int]
    name: str
    description: str
    fund: Fund
    regions: _containers.RepeatedCompositeFieldContainer[Region]
    criteria: _containers.RepeatedCompositeFieldContainer[Criterion]
    base_weight: float
    axes: _containers.RepeatedCompositeFieldContainer[Axis]
    rules: Rules
    objective: Objective
    axis_groups: _containers.RepeatedCompositeFieldContainer[Axis]
    proposals: _containers.RepeatedCompositeFieldContainer[Proposal]
    cofinancing_rate: float
    calendar: CalendarSpec
    municipal: MunicipalSpec
    categories: _containers.RepeatedCompositeFieldContainer[CriteriaCategory]
    derived_indicators: _containers.RepeatedCompositeFieldContainer[DerivedIndicator]
    guaranteed: GuaranteedAmounts
    def __init__(self, name: _Optional[str] = ..., description: _Optional[str] = ..., fund: _Optional[_Union[Fund, _Mapping]] = ..., regions: _Optional[_Iterable[_Union[Region, _Mapping]]] = ..., criteria: _Optional[_Iterable[_Union[Criterion, _Mapping]]] = ..., base_weight: _Optional[float] = ..., axes: _Optional[_Iterable[_Union[Axis, _Mapping]]] = ..., rules: _Optional[_Union[Rules, _Mapping]] = ..., objective: _Optional[_Union[Objective, str]] = ..., axis_groups: _Optional[_Iterable[_Union[Axis, _Mapping]]] = ..., proposals: _Optional[_Iterable[_Union[Proposal, _Mapping]]] = ..., cofinancing_rate: _Optional[float] = ..., calendar: _Optional[_Union[CalendarSpec, _Mapping]] = ..., municipal: _Optional[_Union[MunicipalSpec, _Mapping]] = ..., categories: _Optional[_Iterable[_Union[CriteriaCategory, _Mapping]]] = ..., derived_indicators: _Optional[_Iterable[_Union[DerivedIndicator, _Mapping]]] = ..., guaranteed: _Optional[_Union[GuaranteedAmounts, _Mapping]] = ...) -> None: ...

class ScenarioFile(_message.Message):
    __slots__ = ("name", "content")
    NAME_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    name: str
    content: bytes
    def __init__(self, name: _Optional[str] = ..., content: _Optional[bytes] = ...) -> None: ...

class ScenarioFiles(_message.Message):
    __slots__ = ("files", "main")
    FILES_FIELD_NUMBER: _ClassVar[int]
    MAIN_FIELD_NUMBER: _ClassVar[int]
    files: _containers.RepeatedCompositeFieldContainer[ScenarioFile]
    main: str
    def __init__(self, files: _Optional[_Iterable[_Union[ScenarioFile, _Mapping]]] = ..., main: _Optional[str] = ...) -> None: ...

class Cell(_message.Message):
    __slots__ = ("region", "axis", "amount", "target")
    REGION_FIELD_NUMBER: _ClassVar[int]
    AXIS_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    region: str
    axis: str
    amount: int
    target: int
    def __init__(self, region: _Optional[str] = ..., axis: _Optional[str] = ..., amount: _Optional[int] = ..., target: _Optional[int] = ...) -> None: ...

class RegionSummary(_message.Message):
    __slots__ = ("code", "name", "target", "amount", "previous", "lower", "upper", "main_rule", "categories", "guaranteed")
    CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_FIELD_NUMBER: _ClassVar[int]
    LOWER_FIELD_NUMBER: _ClassVar[int]
    UPPER_FIELD_NUMBER: _ClassVar[int]
    MAIN_RULE_FIELD_NUMBER: _ClassVar[int]
    CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    GUARANTEED_FIELD_NUMBER: _ClassVar[int]
    code: str
    name: str
    target: int
    amount: int
    previous: int
    lower: int
    upper: int
    main_rule: str
    categories: _containers.RepeatedCompositeFieldContainer[CategorySubtotal]
    guaranteed: int
    def __init__(self, code: _Optional[str] = ..., name: _Optional[str] = ..., target: _Optional[int] = ..., amount: _Optional[int] = ..., previous: _Optional[int] = ..., lower: _Optional[int] = ..., upper: _Optional[int] = ..., main_rule: _Optional[str] = ..., categories: _Optional[_Iterable[_Union[CategorySubtotal, _Mapping]]] = ..., guaranteed: _Optional[int] = ...) -> None: ...

class AxisSummary(_message.Message):
    __slots__ = ("id", "name", "target", "amount", "lower", "upper", "binding", "parent", "level")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    LOWER_FIELD_NUMBER: _ClassVar[int]
    UPPER_FIELD_NUMBER: _ClassVar[int]
    BINDING_FIELD_NUMBER: _ClassVar[int]
    PARENT_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    target: int
    amount: int
    lower: int
    upper: int
    binding: _containers.RepeatedScalarFieldContainer[str]
    parent: str
    level: str
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., target: _Optional[int] = ..., amount: _Optional[int] = ..., lower: _Optional[int] = ..., upper: _Optional[int] = ..., binding: _Optional[_Iterable[str]] = ..., parent: _Optional[str] = ..., level: _Optional[str] = ...) -> None: ...

class Contribution(_message.Message):
    __slots__ = ("source", "label", "weight", "amount")
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    source: str
    label: str
    weight: float
    amount: int
    def __init__(self, source: _Optional[str] = ..., label: _Optional[str] = ..., weight: _Optional[float] = ..., amount: _Optional[int] = ...) -> None: ...

class Adjustment(_message.Message):
    __slots__ = ("cause", "amount")
    CAUSE_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    cause: str
    amount: int
    def __init__(self, cause: _Optional[str] = ..., amount: _Optional[int] = ...) -> None: ...

class BindingRule(_message.Message):
    __slots__ = ("family", "key", "description", "bound", "marginal_value")
    FAMILY_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    BOUND_FIELD_NUMBER: _ClassVar[int]
    MARGINAL_VALUE_FIELD_NUMBER: _ClassVar[int]
    family: str
    key: str
    description: str
    bound: int
    marginal_value: float
    def __init__(self, family: _Optional[str] = ..., key: _Optional[str] = ..., description: _Optional[str] = ..., bound: _Optional[int] = ..., marginal_value: _Optional[float] = ...) -> None: ...

class Justification(_message.Message):
    __slots__ = ("region", "target", "amount", "contributions", "adjustments", "binding", "previous", "change", "change_pct", "per_capita", "per_capita_rank", "text", "proposal_gaps", "categories", "guaranteed", "formula_on_excess", "derived")
    REGION_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CONTRIBUTIONS_FIELD_NUMBER: _ClassVar[int]
    ADJUSTMENTS_FIELD_NUMBER: _ClassVar[int]
    BINDING_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_FIELD_NUMBER: _ClassVar[int]
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    CHANGE_PCT_FIELD_NUMBER: _ClassVar[int]
    PER_CAPITA_FIELD_NUMBER: _ClassVar[int]
    PER_CAPITA_RANK_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    PROPOSAL_GAPS_FIELD_NUMBER: _ClassVar[int]
    CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    GUARANTEED_FIELD_NUMBER: _ClassVar[int]
    FORMULA_ON_EXCESS_FIELD_NUMBER: _ClassVar[int]
    DERIVED_FIELD_NUMBER: _ClassVar[int]
    region: str
    target: int
    amount: int
    contributions: _containers.RepeatedCompositeFieldContainer[Contribution]
    adjustments: _containers.RepeatedCompositeFieldContainer[Adjustment]
    binding: _containers.RepeatedCompositeFieldContainer[BindingRule]
    previous: int
    change: int
    change_pct: float
    per_capita: float
    per_capita_rank: int
    text: str
    proposal_gaps: _containers.RepeatedCompositeFieldContainer[ProposalGap]
    categories: _containers.RepeatedCompositeFieldContainer[CategorySubtotal]
    guaranteed: int
    formula_on_excess: int
    derived: _containers.RepeatedCompositeFieldContainer[DerivedIndicatorNote]
    def __init__(self, region: _Optional[str] = ..., target: _Optional[int] = ..., amount: _Optional[int] = ..., contributions: _Optional[_Iterable[_Union[Contribution, _Mapping]]] = ..., adjustments: _Optional[_Iterable[_Union[Adjustment, _Mapping]]] = ..., binding: _Optional[_Iterable[_Union[BindingRule, _Mapping]]] = ..., previous: _Optional[int] = ..., change: _Optional[int] = ..., change_pct: _Optional[float] = ..., per_capita: _Optional[float] = ..., per_capita_rank: _Optional[int] = ..., text: _Optional[str] = ..., proposal_gaps: _Optional[_Iterable[_Union[ProposalGap, _Mapping]]] = ..., categories: _Optional[_Iterable[_Union[CategorySubtotal, _Mapping]]] = ..., guaranteed: _Optional[int] = ..., formula_on_excess: _Optional[int] = ..., derived: _Optional[_Iterable[_Union[DerivedIndicatorNote, _Mapping]]] = ...) -> None: ...

class SolveStats(_message.Message):
    __slots__ = ("status", "objective", "objective_value", "lp_solves", "stage_seconds", "solver", "versions", "input_sha256")
    class StageSecondsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    class VersionsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    STATUS_FIELD_NUMBER: _ClassVar[int]
    OBJECTIVE_FIELD_NUMBER: _ClassVar[int]
    OBJECTIVE_VALUE_FIELD_NUMBER: _ClassVar[int]
    LP_SOLVES_FIELD_NUMBER: _ClassVar[int]
    STAGE_SECONDS_FIELD_NUMBER: _ClassVar[int]
    SOLVER_FIELD_NUMBER: _ClassVar[int]
    VERSIONS_FIELD_NUMBER: _ClassVar[int]
    INPUT_SHA256_FIELD_NUMBER: _ClassVar[int]
    status: str
    objective: Objective
    objective_value: float
    lp_solves: int
    stage_seconds: _containers.ScalarMap[str, float]
    solver: str
    versions: _containers.ScalarMap[str, str]
    input_sha256: str
    def __init__(self, status: _Optional[str] = ..., objective: _Optional[_Union[Objective, str]] = ..., objective_value: _Optional[float] = ..., lp_solves: _Optional[int] = ..., stage_seconds: _Optional[_Mapping[str, float]] = ..., solver: _Optional[str] = ..., versions: _Optional[_Mapping[str, str]] = ..., input_sha256: _Optional[str] = ...) -> None: ...

class Conflict(_message.Message):
    __slots__ = ("family", "amount", "description")
    FAMILY_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    family: str
    amount: int
    description: str
    def __init__(self, family: _Optional[str] = ..., amount: _Optional[int] = ..., description: _Optional[str] = ...) -> None: ...

class Allocation(_message.Message):
    __slots__ = ("run_id", "request_id", "created_at", "status", "scenario", "fund", "language", "cells", "regions", "axes", "justifications", "stats", "input_sha256", "caller_role", "conflicts", "error", "timings", "caller_name", "caller_subject", "groups", "proposal_gaps", "cofinancing", "cofinancing_rate", "cofinancing_cells", "calendar", "pass_through", "municipalities", "categories", "guaranteed_total")
    class TimingsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    SCENARIO_FIELD_NUMBER: _ClassVar[int]
    FUND_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    CELLS_FIELD_NUMBER: _ClassVar[int]
    REGIONS_FIELD_NUMBER: _ClassVar[int]
    AXES_FIELD_NUMBER: _ClassVar[int]
    JUSTIFICATIONS_FIELD_NUMBER: _ClassVar[int]
    STATS_FIELD_NUMBER: _ClassVar[int]
    INPUT_SHA256_FIELD_NUMBER: _ClassVar[int]
    CALLER_ROLE_FIELD_NUMBER: _ClassVar[int]
    CONFLICTS_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    TIMINGS_FIELD_NUMBER: _ClassVar[int]
    CALLER_NAME_FIELD_NUMBER: _ClassVar[int]
    CALLER_SUBJECT_FIELD_NUMBER: _ClassVar[int]
    GROUPS_FIELD_NUMBER: _ClassVar[int]
    PROPOSAL_GAPS_FIELD_NUMBER: _ClassVar[int]
    COFINANCING_FIELD_NUMBER: _ClassVar[int]
    COFINANCING_RATE_FIELD_NUMBER: _ClassVar[int]
    COFINANCING_CELLS_FIELD_NUMBER: _ClassVar[int]
    CALENDAR_FIELD_NUMBER: _ClassVar[int]
    PASS_THROUGH_FIELD_NUMBER: _ClassVar[int]
    MUNICIPALITIES_FIELD_NUMBER: _ClassVar[int]
    CATEGORIES_FIELD_NUMBER: _ClassVar[int]
    GUARANTEED_TOTAL_FIELD_NUMBER: _ClassVar[int]
    run_id: str
    request_id: str
    created_at: _timestamp_pb2.Timestamp
    status: RunStatus
    scenario: str
    fund: Fund
    language: Language
    cells: _containers.RepeatedCompositeFieldContainer[Cell]
    regions: _containers.RepeatedCompositeFieldContainer[RegionSummary]
    axes: _containers.RepeatedCompositeFieldContainer[AxisSummary]
    justifications: _containers.RepeatedCompositeFieldContainer[Justification]
    stats: SolveStats
    input_sha256: str
    caller_role: str
    conflicts: _containers.RepeatedCompositeFieldContainer[Conflict]
    error: str
    timings: _containers.ScalarMap[str, float]
    caller_name: str
    caller_subject: str
    groups: _containers.RepeatedCompositeFieldContainer[AxisSummary]
    proposal_gaps: _containers.RepeatedCompositeFieldContainer[ProposalGap]
    cofinancing: _containers.RepeatedCompositeFieldContainer[CofinancingRow]
    cofinancing_rate: float
    cofinancing_cells: _containers.RepeatedCompositeFieldContainer[CofinancingCell]
    calendar: CalendarPlan
    pass_through: _containers.RepeatedCompositeFieldContainer[MunicipalPassThrough]
    municipalities: _containers.RepeatedCompositeFieldContainer[MunicipalAmount]
    categories: _containers.RepeatedCompositeFieldContainer[CategorySummary]
    guaranteed_total: int
    def __init__(self, run_id: _Optional[str] = ..., request_id: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., status: _Optional[_Union[RunStatus, str]] = ..., scenario: _Optional[str] = ..., fund: _Optional[_Union[Fund, _Mapping]] = ..., language: _Optional[_Union[Language, str]] = ..., cells: _Optional[_Iterable[_Union[Cell, _Mapping]]] = ..., regions: _Optional[_Iterable[_Union[RegionSummary, _Mapping]]] = ..., axes: _Optional[_Iterable[_Union[AxisSummary, _Mapping]]] = ..., justifications: _Optional[_Iterable[_Union[Justification, _Mapping]]] = ..., stats: _Optional[_Union[SolveStats, _Mapping]] = ..., input_sha256: _Optional[str] = ..., caller_role: _Optional[str] = ..., conflicts: _Optional[_Iterable[_Union[Conflict, _Mapping]]] = ..., error: _Optional[str] = ..., timings: _Optional[_Mapping[str, float]] = ..., caller_name: _Optional[str] = ..., caller_subject: _Optional[str] = ..., groups: _Optional[_Iterable[_Union[AxisSummary, _Mapping]]] = ..., proposal_gaps: _Optional[_Iterable[_Union[ProposalGap, _Mapping]]] = ..., cofinancing: _Optional[_Iterable[_Union[CofinancingRow, _Mapping]]] = ..., cofinancing_rate: _Optional[float] = ..., cofinancing_cells: _Optional[_Iterable[_Union[CofinancingCell, _Mapping]]] = ..., calendar: _Optional[_Union[CalendarPlan, _Mapping]] = ..., pass_through: _Optional[_Iterable[_Union[MunicipalPassThrough, _Mapping]]] = ..., municipalities: _Optional[_Iterable[_Union[MunicipalAmount, _Mapping]]] = ..., categories: _Optional[_Iterable[_Union[CategorySummary, _Mapping]]] = ..., guaranteed_total: _Optional[int] = ...) -> None: ...

class AllocateRequest(_message.Message):
    __slots__ = ("scenario", "files", "request_id", "language", "objective")
    SCENARIO_FIELD_NUMBER: _ClassVar[int]
    FILES_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    LANGUAGE_FIELD_NUMBER: _ClassVar[int]
    OBJECTIVE_FIELD_NUMBER: _ClassVar[int]
    scenario: Scenario
    files: ScenarioFiles
    request_id: str
    language: Language
    objective: Objective
    def __init__(self, scenario: _Optional[_Union[Scenario, _Mapping]] = ..., files: _Optional[_Union[ScenarioFiles, _Mapping]] = ..., request_id: _Optional[str] = ..., language: _Optional[_Union[Language, str]] = ..., objective: _Optional[_Union[Objective, str]] = ...) -> None: ...

class AllocateResponse(_message.Message):
    __slots__ = ("allocation", "replayed")
    ALLOCATION_FIELD_NUMBER: _ClassVar[int]
    REPLAYED_FIELD_NUMBER: _ClassVar[int]
    allocation: Allocation
    replayed: bool
    def __init__(self, allocation: _Optional[_Union[Allocation, _Mapping]] = ..., replayed: _Optional[bool] = ...) -> None: ...

class ValidateScenarioRequest(_message.Message):
    __slots__ = ("scenario", "files")
    SCENARIO_FIELD_NUMBER: _ClassVar[int]
    FILES_FIELD_NUMBER: _ClassVar[int]
    scenario: Scenario
    files: ScenarioFiles
    def __init__(self, scenario: _Optional[_Union[Scenario, _Mapping]] = ..., files: _Optional[_Union[ScenarioFiles, _Mapping]] = ...) -> None: ...

class Problem(_message.Message):
    __slots__ = ("location", "message", "field", "severity")
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    FIELD_FIELD_NUMBER: _ClassVar[int]
    SEVERITY_FIELD_NUMBER: _ClassVar[int]
    location: str
    message: str
    field: str
    severity: Severity
    def __init__(self, location: _Optional[str] = ..., message: _Optional[str] = ..., field: _Optional[str] = ..., severity: _Optional[_Union[Severity, str]] = ...) -> None: ...

class ValidateScenarioResponse(_message.Message):
    __slots__ = ("valid", "problems", "scenario", "fund", "region_count", "axis_count", "criteria_tree", "derived_indicators", "guaranteed_total")
    VALID_FIELD_NUMBER: _ClassVar[int]
    PROBLEMS_FIELD_NUMBER: _ClassVar[int]
    SCENARIO_FIELD_NUMBER: _ClassVar[int]
    FUND_FIELD_NUMBER: _ClassVar[int]
    REGION_COUNT_FIELD_NUMBER: _ClassVar[int]
    AXIS_COUNT_FIELD_NUMBER: _ClassVar[int]
    CRITERIA_TREE_FIELD_NUMBER: _ClassVar[int]
    DERIVED_INDICATORS_FIELD_NUMBER: _ClassVar[int]
    GUARANTEED_TOTAL_FIELD_NUMBER: _ClassVar[int]
    valid: bool
    problems: _containers.RepeatedCompositeFieldContainer[Problem]
    scenario: str
    fund: Fund
    region_count: int
    axis_count: int
    criteria_tree: _containers.RepeatedCompositeFieldContainer[CriteriaTreeNode]
    derived_indicators: _containers.RepeatedCompositeFieldContainer[DerivedIndicator]
    guaranteed_total: int
    def __init__(self, valid: _Optional[bool] = ..., problems: _Optional[_Iterable[_Union[Problem, _Mapping]]] = ..., scenario: _Optional[str] = ..., fund: _Optional[_Union[Fund, _Mapping]] = ..., region_count: _Optional[int] = ..., axis_count: _Optional[int] = ..., criteria_tree: _Optional[_Iterable[_Union[CriteriaTreeNode, _Mapping]]] = ..., derived_indicators: _Optional[_Iterable[_Union[DerivedIndicator, _Mapping]]] = ..., guaranteed_total: _Optional[int] = ...) -> None: ...

class GetAllocationRequest(_message.Message):
    __slots__ = ("run_id",)
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    run_id: str
    def __init__(self, run_id: _Optional[str] = ...) -> None: ...

class GetAllocationResponse(_message.Message):
    __slots__ = ("allocation",)
    ALLOCATION_FIELD_NUMBER: _ClassVar[int]
    allocation: Allocation
    def __init__(self, allocation: _Optional[_Union[Allocation, _Mapping]] = ...) -> None: ...

class ListAllocationsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "fiscal_year")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    FISCAL_YEAR_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    fiscal_year: int
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., fiscal_year: _Optional[int] = ...) -> None: ...

class AllocationSummary(_message.Message):
    __slots__ = ("run_id", "request_id", "created_at", "status", "scenario", "fiscal_year", "fund_total", "input_sha256", "caller_role", "caller_name", "caller_subject")
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    REQUEST_ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_AT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    SCENARIO_FIELD_NUMBER: _ClassVar[int]
    FISCAL_YEAR_FIELD_NUMBER: _ClassVar[int]
    FUND_TOTAL_FIELD_NUMBER: _ClassVar[int]
    INPUT_SHA256_FIELD_NUMBER: _ClassVar[int]
    CALLER_ROLE_FIELD_NUMBER: _ClassVar[int]
    CALLER_NAME_FIELD_NUMBER: _ClassVar[int]
    CALLER_SUBJECT_FIELD_NUMBER: _ClassVar[int]
    run_id: str
    request_id: str
    created_at: _timestamp_pb2.Timestamp
    status: RunStatus
    scenario: str
    fiscal_year: int
    fund_total: int
    input_sha256: str
    caller_role: str
    caller_name: str
    caller_subject: str
    def __init__(self, run_id: _Optional[str] = ..., request_id: _Optional[str] = ..., created_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., status: _Optional[_Union[RunStatus, str]] = ..., scenario: _Optional[str] = ..., fiscal_year: _Optional[int] = ..., fund_total: _Optional[int] = ..., input_sha256: _Optional[str] = ..., caller_role: _Optional[str] = ..., caller_name: _Optional[str] = ..., caller_subject: _Optional[str] = ...) -> None: ...

class ListAllocationsResponse(_message.Message):
    __slots__ = ("allocations", "next_page_token")
    ALLOCATIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    allocations: _containers.RepeatedCompositeFieldContainer[AllocationSummary]
    next_page_token: str
    def __init__(self, allocations: _Optional[_Iterable[_Union[AllocationSummary, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class CompareAllocationsRequest(_message.Message):
    __slots__ = ("base_run_id", "other_run_id")
    BASE_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    OTHER_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    base_run_id: str
    other_run_id: str
    def __init__(self, base_run_id: _Optional[str] = ..., other_run_id: _Optional[str] = ...) -> None: ...

class RegionDelta(_message.Message):
    __slots__ = ("code", "name", "base_amount", "other_amount", "change", "change_pct", "base_main_rule", "other_main_rule")
    CODE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    BASE_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    OTHER_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    CHANGE_PCT_FIELD_NUMBER: _ClassVar[int]
    BASE_MAIN_RULE_FIELD_NUMBER: _ClassVar[int]
    OTHER_MAIN_RULE_FIELD_NUMBER: _ClassVar[int]
    code: str
    name: str
    base_amount: int
    other_amount: int
    change: int
    change_pct: float
    base_main_rule: str
    other_main_rule: str
    def __init__(self, code: _Optional[str] = ..., name: _Optional[str] = ..., base_amount: _Optional[int] = ..., other_amount: _Optional[int] = ..., change: _Optional[int] = ..., change_pct: _Optional[float] = ..., base_main_rule: _Optional[str] = ..., other_main_rule: _Optional[str] = ...) -> None: ...

class AxisDelta(_message.Message):
    __slots__ = ("id", "name", "base_amount", "other_amount", "change")
    ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    BASE_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    OTHER_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    id: str
    name: str
    base_amount: int
    other_amount: int
    change: int
    def __init__(self, id: _Optional[str] = ..., name: _Optional[str] = ..., base_amount: _Optional[int] = ..., other_amount: _Optional[int] = ..., change: _Optional[int] = ...) -> None: ...

class RuleRef(_message.Message):
    __slots__ = ("family", "key", "description")
    FAMILY_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    family: str
    key: str
    description: str
    def __init__(self, family: _Optional[str] = ..., key: _Optional[str] = ..., description: _Optional[str] = ...) -> None: ...

class CompareAllocationsResponse(_message.Message):
    __slots__ = ("base", "other", "regions", "axes", "started_binding", "stopped_binding", "total_change")
    BASE_FIELD_NUMBER: _ClassVar[int]
    OTHER_FIELD_NUMBER: _ClassVar[int]
    REGIONS_FIELD_NUMBER: _ClassVar[int]
    AXES_FIELD_NUMBER: _ClassVar[int]
    STARTED_BINDING_FIELD_NUMBER: _ClassVar[int]
    STOPPED_BINDING_FIELD_NUMBER: _ClassVar[int]
    TOTAL_CHANGE_FIELD_NUMBER: _ClassVar[int]
    base: AllocationSummary
    other: AllocationSummary
    regions: _containers.RepeatedCompositeFieldContainer[RegionDelta]
    axes: _containers.RepeatedCompositeFieldContainer[AxisDelta]
    started_binding: _containers.RepeatedCompositeFieldContainer[RuleRef]
    stopped_binding: _containers.RepeatedCompositeFieldContainer[RuleRef]
    total_change: int
    def __init__(self, base: _Optional[_Union[AllocationSummary, _Mapping]] = ..., other: _Optional[_Union[AllocationSummary, _Mapping]] = ..., regions: _Optional[_Iterable[_Union[RegionDelta, _Mapping]]] = ..., axes: _Optional[_Iterable[_Union[AxisDelta, _Mapping]]] = ..., started_binding: _Optional[_Iterable[_Union[RuleRef, _Mapping]]] = ..., stopped_binding: _Optional[_Iterable[_Union[RuleRef, _Mapping]]] = ..., total_change: _Optional[int] = ...) -> None: ...

class Proposal(_message.Message):
    __slots__ = ("region", "axis", "amount", "share")
    REGION_FIELD_NUMBER: _ClassVar[int]
    AXIS_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    SHARE_FIELD_NUMBER: _ClassVar[int]
    region: str
    axis: str
    amount: int
    share: float
    def __init__(self, region: _Optional[str] = ..., axis: _Optional[str] = ..., amount: _Optional[int] = ..., share: _Optional[float] = ...) -> None: ...

class CalendarSpec(_message.Message):
    __slots__ = ("months", "weights")
    MONTHS_FIELD_NUMBER: _ClassVar[int]
    WEIGHTS_FIELD_NUMBER: _ClassVar[int]
    months: _containers.RepeatedScalarFieldContainer[str]
    weights: _containers.RepeatedScalarFieldContainer[float]
    def __init__(self, months: _Optional[_Iterable[str]] = ..., weights: _Optional[_Iterable[float]] = ...) -> None: ...

class Municipality(_message.Message):
    __slots__ = ("code", "region", "name", "indicators", "population")
    class IndicatorsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: float
        def __init__(self, key: _Optional[str] = ..., value: _Optional[float] = ...) -> None: ...
    CODE_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    INDICATORS_FIELD_NUMBER: _ClassVar[int]
    POPULATION_FIELD_NUMBER: _ClassVar[int]
    code: str
    region: str
    name: str
    indicators: _containers.ScalarMap[str, float]
    population: int
    def __init__(self, code: _Optional[str] = ..., region: _Optional[str] = ..., name: _Optional[str] = ..., indicators: _Optional[_Mapping[str, float]] = ..., population: _Optional[int] = ...) -> None: ...

class MunicipalSpec(_message.Message):
    __slots__ = ("share", "municipalities", "criteria", "base_weight", "floor")
    SHARE_FIELD_NUMBER: _ClassVar[int]
    MUNICIPALITIES_FIELD_NUMBER: _ClassVar[int]
    CRITERIA_FIELD_NUMBER: _ClassVar[int]
    BASE_WEIGHT_FIELD_NUMBER: _ClassVar[int]
    FLOOR_FIELD_NUMBER: _ClassVar[int]
    share: float
    municipalities: _containers.RepeatedCompositeFieldContainer[Municipality]
    criteria: _containers.RepeatedCompositeFieldContainer[Criterion]
    base_weight: float
    floor: int
    def __init__(self, share: _Optional[float] = ..., municipalities: _Optional[_Iterable[_Union[Municipality, _Mapping]]] = ..., criteria: _Optional[_Iterable[_Union[Criterion, _Mapping]]] = ..., base_weight: _Optional[float] = ..., floor: _Optional[int] = ...) -> None: ...

class ProposalGap(_message.Message):
    __slots__ = ("region", "axis", "proposed", "amount", "rule", "rule_key")
    REGION_FIELD_NUMBER: _ClassVar[int]
    AXIS_FIELD_NUMBER: _ClassVar[int]
    PROPOSED_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    RULE_FIELD_NUMBER: _ClassVar[int]
    RULE_KEY_FIELD_NUMBER: _ClassVar[int]
    region: str
    axis: str
    proposed: int
    amount: int
    rule: str
    rule_key: str
    def __init__(self, region: _Optional[str] = ..., axis: _Optional[str] = ..., proposed: _Optional[int] = ..., amount: _Optional[int] = ..., rule: _Optional[str] = ..., rule_key: _Optional[str] = ...) -> None: ...

class CofinancingRow(_message.Message):
    __slots__ = ("key", "federal", "contribution", "total")
    KEY_FIELD_NUMBER: _ClassVar[int]
    FEDERAL_FIELD_NUMBER: _ClassVar[int]
    CONTRIBUTION_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    key: str
    federal: int
    contribution: int
    total: int
    def __init__(self, key: _Optional[str] = ..., federal: _Optional[int] = ..., contribution: _Optional[int] = ..., total: _Optional[int] = ...) -> None: ...

class CofinancingCell(_message.Message):
    __slots__ = ("region", "node", "federal", "contribution", "total")
    REGION_FIELD_NUMBER: _ClassVar[int]
    NODE_FIELD_NUMBER: _ClassVar[int]
    FEDERAL_FIELD_NUMBER: _ClassVar[int]
    CONTRIBUTION_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    region: str
    node: str
    federal: int
    contribution: int
    total: int
    def __init__(self, region: _Optional[str] = ..., node: _Optional[str] = ..., federal: _Optional[int] = ..., contribution: _Optional[int] = ..., total: _Optional[int] = ...) -> None: ...

class CalendarPlan(_message.Message):
    __slots__ = ("months", "national", "regions", "amounts")
    MONTHS_FIELD_NUMBER: _ClassVar[int]
    NATIONAL_FIELD_NUMBER: _ClassVar[int]
    REGIONS_FIELD_NUMBER: _ClassVar[int]
    AMOUNTS_FIELD_NUMBER: _ClassVar[int]
    months: _containers.RepeatedScalarFieldContainer[str]
    national: _containers.RepeatedScalarFieldContainer[int]
    regions: _containers.RepeatedScalarFieldContainer[str]
    amounts: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, months: _Optional[_Iterable[str]] = ..., national: _Optional[_Iterable[int]] = ..., regions: _Optional[_Iterable[str]] = ..., amounts: _Optional[_Iterable[int]] = ...) -> None: ...

class MunicipalPassThrough(_message.Message):
    __slots__ = ("region", "share", "amount")
    REGION_FIELD_NUMBER: _ClassVar[int]
    SHARE_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    region: str
    share: float
    amount: int
    def __init__(self, region: _Optional[str] = ..., share: _Optional[float] = ..., amount: _Optional[int] = ...) -> None: ...

class MunicipalAmount(_message.Message):
    __slots__ = ("code", "region", "name", "amount", "target")
    CODE_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    code: str
    region: str
    name: str
    amount: int
    target: int
    def __init__(self, code: _Optional[str] = ..., region: _Optional[str] = ..., name: _Optional[str] = ..., amount: _Optional[int] = ..., target: _Optional[int] = ...) -> None: ...

class SweepGridAxis(_message.Message):
    __slots__ = ("weight", "start", "stop", "step")
    WEIGHT_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    STOP_FIELD_NUMBER: _ClassVar[int]
    STEP_FIELD_NUMBER: _ClassVar[int]
    weight: str
    start: float
    stop: float
    step: float
    def __init__(self, weight: _Optional[str] = ..., start: _Optional[float] = ..., stop: _Optional[float] = ..., step: _Optional[float] = ...) -> None: ...

class SweepRequest(_message.Message):
    __slots__ = ("scenario", "files", "kind", "samples", "seed", "concentration", "indicator_error", "weight_step", "indicator_step", "band_step", "grid", "objective")
    SCENARIO_FIELD_NUMBER: _ClassVar[int]
    FILES_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    SAMPLES_FIELD_NUMBER: _ClassVar[int]
    SEED_FIELD_NUMBER: _ClassVar[int]
    CONCENTRATION_FIELD_NUMBER: _ClassVar[int]
    INDICATOR_ERROR_FIELD_NUMBER: _ClassVar[int]
    WEIGHT_STEP_FIELD_NUMBER: _ClassVar[int]
    INDICATOR_STEP_FIELD_NUMBER: _ClassVar[int]
    BAND_STEP_FIELD_NUMBER: _ClassVar[int]
    GRID_FIELD_NUMBER: _ClassVar[int]
    OBJECTIVE_FIELD_NUMBER: _ClassVar[int]
    scenario: Scenario
    files: ScenarioFiles
    kind: SweepKind
    samples: int
    seed: int
    concentration: float
    indicator_error: float
    weight_step: float
    indicator_step: float
    band_step: float
    grid: _containers.RepeatedCompositeFieldContainer[SweepGridAxis]
    objective: Objective
    def __init__(self, scenario: _Optional[_Union[Scenario, _Mapping]] = ..., files: _Optional[_Union[ScenarioFiles, _Mapping]] = ..., kind: _Optional[_Union[SweepKind, str]] = ..., samples: _Optional[int] = ..., seed: _Optional[int] = ..., concentration: _Optional[float] = ..., indicator_error: _Optional[float] = ..., weight_step: _Optional[float] = ..., indicator_step: _Optional[float] = ..., band_step: _Optional[float] = ..., grid: _Optional[_Iterable[_Union[SweepGridAxis, _Mapping]]] = ..., objective: _Optional[_Union[Objective, str]] = ...) -> None: ...

class SweepProgress(_message.Message):
    __slots__ = ("samples_done", "samples_total")
    SAMPLES_DONE_FIELD_NUMBER: _ClassVar[int]
    SAMPLES_TOTAL_FIELD_NUMBER: _ClassVar[int]
    samples_done: int
    samples_total: int
    def __init__(self, samples_done: _Optional[int] = ..., samples_total: _Optional[int] = ...) -> None: ...

class SweepRegionStats(_message.Message):
    __slots__ = ("region", "name", "baseline", "p5", "p50", "p95", "p_floor", "p_cap", "rank", "rank_p5", "rank_p95", "rank_stable")
    REGION_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    BASELINE_FIELD_NUMBER: _ClassVar[int]
    P5_FIELD_NUMBER: _ClassVar[int]
    P50_FIELD_NUMBER: _ClassVar[int]
    P95_FIELD_NUMBER: _ClassVar[int]
    P_FLOOR_FIELD_NUMBER: _ClassVar[int]
    P_CAP_FIELD_NUMBER: _ClassVar[int]
    RANK_FIELD_NUMBER: _ClassVar[int]
    RANK_P5_FIELD_NUMBER: _ClassVar[int]
    RANK_P95_FIELD_NUMBER: _ClassVar[int]
    RANK_STABLE_FIELD_NUMBER: _ClassVar[int]
    region: str
    name: str
    baseline: int
    p5: int
    p50: int
    p95: int
    p_floor: float
    p_cap: float
    rank: int
    rank_p5: int
    rank_p95: int
    rank_stable: float
    def __init__(self, region: _Optional[str] = ..., name: _Optional[str] = ..., baseline: _Optional[int] = ..., p5: _Optional[int] = ..., p50: _Optional[int] = ..., p95: _Optional[int] = ..., p_floor: _Optional[float] = ..., p_cap: _Optional[float] = ..., rank: _Optional[int] = ..., rank_p5: _Optional[int] = ..., rank_p95: _Optional[int] = ..., rank_stable: _Optional[float] = ...) -> None: ...

class SweepEffect(_message.Message):
    __slots__ = ("region", "kind", "factor", "stated", "up", "down", "change_up", "change_down", "elasticity")
    REGION_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    FACTOR_FIELD_NUMBER: _ClassVar[int]
    STATED_FIELD_NUMBER: _ClassVar[int]
    UP_FIELD_NUMBER: _ClassVar[int]
    DOWN_FIELD_NUMBER: _ClassVar[int]
    CHANGE_UP_FIELD_NUMBER: _ClassVar[int]
    CHANGE_DOWN_FIELD_NUMBER: _ClassVar[int]
    ELASTICITY_FIELD_NUMBER: _ClassVar[int]
    region: str
    kind: str
    factor: str
    stated: float
    up: float
    down: float
    change_up: int
    change_down: int
    elasticity: float
    def __init__(self, region: _Optional[str] = ..., kind: _Optional[str] = ..., factor: _Optional[str] = ..., stated: _Optional[float] = ..., up: _Optional[float] = ..., down: _Optional[float] = ..., change_up: _Optional[int] = ..., change_down: _Optional[int] = ..., elasticity: _Optional[float] = ...) -> None: ...

class SweepGridPoint(_message.Message):
    __slots__ = ("point", "values", "region", "status", "amount", "change")
    POINT_FIELD_NUMBER: _ClassVar[int]
    VALUES_FIELD_NUMBER: _ClassVar[int]
    REGION_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    point: int
    values: _containers.RepeatedScalarFieldContainer[float]
    region: str
    status: str
    amount: int
    change: int
    def __init__(self, point: _Optional[int] = ..., values: _Optional[_Iterable[float]] = ..., region: _Optional[str] = ..., status: _Optional[str] = ..., amount: _Optional[int] = ..., change: _Optional[int] = ...) -> None: ...

class SweepSummary(_message.Message):
    __slots__ = ("kind", "samples", "samples_with_plan", "samples_by_allocate", "regions", "effects", "grid", "baseline")
    class BaselineEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: int
        def __init__(self, key: _Optional[str] = ..., value: _Optional[int] = ...) -> None: ...
    KIND_FIELD_NUMBER: _ClassVar[int]
    SAMPLES_FIELD_NUMBER: _ClassVar[int]
    SAMPLES_WITH_PLAN_FIELD_NUMBER: _ClassVar[int]
    SAMPLES_BY_ALLOCATE_FIELD_NUMBER: _ClassVar[int]
    REGIONS_FIELD_NUMBER: _ClassVar[int]
    EFFECTS_FIELD_NUMBER: _ClassVar[int]
    GRID_FIELD_NUMBER: _ClassVar[int]
    BASELINE_FIELD_NUMBER: _ClassVar[int]
    kind: SweepKind
    samples: int
    samples_with_plan: int
    samples_by_allocate: int
    regions: _containers.RepeatedCompositeFieldContainer[SweepRegionStats]
    effects: _containers.RepeatedCompositeFieldContainer[SweepEffect]
    grid: _containers.RepeatedCompositeFieldContainer[SweepGridPoint]
    baseline: _containers.ScalarMap[str, int]
    def __init__(self, kind: _Optional[_Union[SweepKind, str]] = ..., samples: _Optional[int] = ..., samples_with_plan: _Optional[int] = ..., samples_by_allocate: _Optional[int] = ..., regions: _Optional[_Iterable[_Union[SweepRegionStats, _Mapping]]] = ..., effects: _Optional[_Iterable[_Union[SweepEffect, _Mapping]]] = ..., grid: _Optional[_Iterable[_Union[SweepGridPoint, _Mapping]]] = ..., baseline: _Optional[_Mapping[str, int]] = ...) -> None: ...

class SweepResponse(_message.Message):
    __slots__ = ("progress", "summary")
    PROGRESS_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    progress: SweepProgress
    summary: SweepSummary
    def __init__(self, progress: _Optional[_Union[SweepProgress, _Mapping]] = ..., summary: _Optional[_Union[SweepSummary, _Mapping]] = ...) -> None: ...
