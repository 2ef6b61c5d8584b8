"""Exceptions for bad input and broken machinery.

Infeasible criteria are raised as :class:`InfeasibleError` carrying the diagnosis, so that every
front door maps it to one exit code or one gRPC status.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from optimizer.domain import Conflict


@dataclass(frozen=True)
class Problem:
    """One located problem in a scenario.

    ``location`` is what a planner reads ("regions.csv row 11, column poblacion" or the YAML path
    "rules.band.upper"); ``field`` is a stable machine key (used as the gRPC field violation path).
    """

    location: str
    message: str
    field: str = ""
    severity: str = "error"
    """``"error"`` (the scenario cannot be solved) or ``"warning"`` (it may be infeasible)."""

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message


class OptimizerError(Exception):
    """Base of every error this package raises on purpose."""


class ScenarioError(OptimizerError):
    """The scenario is unreadable or invalid; ``problems`` lists every problem found."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} problem(s) in the scenario:\n{lines}")


class InfeasibleError(OptimizerError):
    """The rules cannot all hold at once; ``conflicts`` says which must give way, in pesos."""

    def __init__(self, summary: str, conflicts: Sequence[Conflict]) -> None:
        self.summary = summary
        self.conflicts = tuple(conflicts)
        lines = "\n".join(f"  - {c.description}" for c in self.conflicts)
        super().__init__(f"{summary}\n{lines}" if lines else summary)


class SolverError(OptimizerError):
    """The solver failed, stopped early, or returned a plan that fails our own re-check."""


class DeadlineExceededError(SolverError):
    """The time limit ran out before an optimal plan was found."""
