"""Exceptions for bad input and broken machinery.

Infeasible criteria are raised as :class:`InfeasibleError` carrying the diagnosis, so that every
front door maps it to one exit code or one gRPC status.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass

from optimizer.domain import Conflict, Language
from optimizer.i18n import Texts


@dataclass(frozen=True)
class Message:
    """A text to show in any language: an English template and its parameters.

    ``tr("{n} rows", n=3)`` makes one; :meth:`render` translates the template through the
    catalogue (``t._``) and fills it in. A parameter may itself be a :class:`Message`, rendered
    in the same language; other values are shown with ``str`` (format numbers before).
    """

    template: str
    params: tuple[tuple[str, object], ...] = ()

    def render(self, t: Texts | None = None) -> str:
        """The text in the language of ``t`` (English, the template's own, without one)."""
        values = {
            name: value.render(t) if isinstance(value, Message) else value
            for name, value in self.params
        }
        template = t._(self.template) if t is not None else self.template
        return template.format(**values) if values else template

    def __str__(self) -> str:
        return self.render()


def tr(template: str, **params: object) -> Message:
    """A :class:`Message`; the template is marked for the catalogue (``tests/test_i18n.py``)."""
    return Message(template, tuple(params.items()))


def text_of(value: object) -> str | Message:
    """An exception's message as a :class:`Message` when it carries one, else its text."""
    args = getattr(value, "args", ())
    if args and isinstance(args[0], Message):
        return args[0]
    return str(value)


_LOCATION_WORDS = re.compile(r"\b(row|column|line) (\S+?)(?=[,):]|$| )")


def localise_location(location: str, t: Texts) -> str:
    """``data/states.csv row 3, column cve_ent`` in the language of ``t`` (file names stay)."""
    if t.language == "en" or not location:
        return location
    words = {"row": t._("row {n}"), "column": t._("column {n}"), "line": t._("line {n}")}
    return _LOCATION_WORDS.sub(lambda m: words[m.group(1)].format(n=m.group(2)), location)


@dataclass(frozen=True)
class Problem:
    """One located problem in a scenario.

    ``location`` is what a planner reads ("regions.csv row 11, column poblacion" or the YAML path
    "rules.band.upper"); ``field`` is a stable machine key (used as the gRPC field violation path).
    ``message`` is the English text; ``detail``, when set, is the same as a :class:`Message`, so
    that a front door shows it in the planner's language (:meth:`text`).
    """

    location: str
    message: str
    field: str = ""
    severity: str = "error"
    """``"error"`` (the scenario cannot be solved) or ``"warning"`` (it may be infeasible)."""
    detail: Message | None = dataclasses.field(default=None, compare=False)
    """Not compared: two problems with the same English text are the same problem."""

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message

    def text(self, t: Texts | None = None) -> str:
        """``location: message`` in the language of ``t`` (English without one)."""
        if t is None:
            return str(self)
        message = self.detail.render(t) if self.detail is not None else self.message
        location = localise_location(self.location, t)
        return f"{location}: {message}" if location else message


def problem(
    location: str, message: str | Message, field: str = "", severity: str = "error"
) -> Problem:
    """A :class:`Problem` from an English text or a :class:`Message` (kept for translation)."""
    if isinstance(message, Message):
        return Problem(location, message.render(), field, severity, message)
    return Problem(location, message, field, severity)


class OptimizerError(Exception):
    """Base of every error this package raises on purpose."""


class ScenarioError(OptimizerError):
    """The scenario is unreadable or invalid; ``problems`` lists every problem found."""

    def __init__(self, problems: Sequence[Problem], language: Language | None = None) -> None:
        self.problems = tuple(problems)
        self.language = language
        """The reader's language when the request named one (the service's Allocate)."""
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{len(self.problems)} problem(s) in the scenario:\n{lines}")


class InfeasibleError(OptimizerError):
    """The rules cannot all hold at once; ``conflicts`` says which must give way, in pesos."""

    def __init__(
        self, summary: str, conflicts: Sequence[Conflict], language: Language = Language.EN
    ) -> None:
        self.summary = summary
        self.conflicts = tuple(conflicts)
        self.language = language
        """The language of ``summary`` and of the conflicts' descriptions."""
        lines = "\n".join(f"  - {c.description}" for c in self.conflicts)
        super().__init__(f"{summary}\n{lines}" if lines else summary)


class SolverError(OptimizerError):
    """The solver failed, stopped early, or returned a plan that fails our own re-check."""


class DeadlineExceededError(SolverError):
    """The time limit ran out before an optimal plan was found."""
