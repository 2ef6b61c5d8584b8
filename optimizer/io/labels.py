"""Names of rules, objectives and directions in the reader's words (report, workbook, annex).

Identifiers such as ``band_floor`` never reach a reader: the report and the workbook name a rule
or an objective through these functions, which read the language layer's tables
(:meth:`optimizer.i18n.Texts.rule` and its siblings), so every output uses the same words.
"""

from __future__ import annotations

from optimizer.domain import Direction, Objective, RuleFamily
from optimizer.i18n import Texts


def rule_name(family: RuleFamily | str, t: Texts) -> str:
    """The rule family in words (``band_floor`` -> "piso de la banda"); a state no rule of its
    own holds is in the proportional redistribution."""
    return t.rule(str(family) if family else "redistribution")


def objective_name(objective: Objective | str, t: Texts) -> str:
    """The objective in words."""
    return t.objective(str(objective))


def direction_name(direction: Direction, t: Texts) -> str:
    """How a criterion's indicator relates to need, in words."""
    return t.direction(str(direction))
