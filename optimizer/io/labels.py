"""Names of rules, objectives and directions in the reader's words (report, workbook, annex).

Identifiers such as ``band_floor`` never reach a reader: every front door that shows a rule or
an objective names it through these functions and the message catalogue.
"""

from __future__ import annotations

from optimizer.domain import Direction, Objective, RuleFamily
from optimizer.i18n import Texts


def rule_name(family: RuleFamily | str, t: Texts) -> str:
    """The rule family in words (``band_floor`` -> "piso de la banda")."""
    names = {
        RuleFamily.FUND_TOTAL: t._("fund total"),
        RuleFamily.BAND_FLOOR: t._("band floor"),
        RuleFamily.BAND_CAP: t._("band cap"),
        RuleFamily.REGION_FLOOR: t._("state floor"),
        RuleFamily.REGION_CAP: t._("state cap"),
        RuleFamily.ABSORPTION_CAP: t._("absorption cap"),
        RuleFamily.AXIS_MIN: t._("programa minimum share"),
        RuleFamily.AXIS_MAX: t._("programa maximum share"),
        RuleFamily.CELL_MINIMUM: t._("national-priority minimum"),
    }
    if not family:
        return t._("proportional redistribution")
    return names.get(RuleFamily(family), str(family)) if family in set(RuleFamily) else str(family)


def objective_name(objective: Objective | str, t: Texts) -> str:
    """The objective in words."""
    names = {
        Objective.PROPORTIONAL: t._("proportional to the formula amounts"),
        Objective.MIN_TOTAL_DEVIATION: t._("least total deviation from the formula amounts"),
        Objective.MAX_MIN_COVERAGE: t._("highest minimum coverage of the formula amounts"),
    }
    return names.get(Objective(objective), str(objective))


def direction_name(direction: Direction, t: Texts) -> str:
    """How a criterion's indicator relates to need, in words."""
    if direction is Direction.HIGHER_NEEDS_LESS:
        return t._("higher value, smaller amount")
    return t._("higher value, larger amount")
