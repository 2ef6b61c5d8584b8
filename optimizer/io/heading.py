"""Who issues a report, when, on what legal basis, and which of its inputs are assumptions.

Each item comes from the command's options first, then from the scenario's ``report`` section,
then from a default: the title from the fund, the legal basis of the FASP (Ley de Coordinación
Fiscal, arts. 44-45) when the fund is the FASP, the date from ``SOURCE_DATE_EPOCH`` or today,
the assumptions from the sentences of the scenario's description marked ASSUMPTION / SUPUESTO
(or UNOFFICIAL / NO OFICIAL, or invented numbers).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass

from optimizer.domain import Fund, ReportInfo, Scenario
from optimizer.i18n import Texts

_MARK = re.compile(
    r"\b(assumptions?|supuestos?|unofficial|no oficial(es)?|invented|inventad[oa]s?)\b",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"(?<=[.;])\s+")


@dataclass(frozen=True)
class Heading:
    """The head of a report: every field already in the reader's language."""

    title: str
    issuing_unit: str
    legal_basis: str
    date: dt.date
    assumptions: tuple[str, ...]


def default_date() -> dt.date:
    """``SOURCE_DATE_EPOCH`` (reproducible builds' convention) when set, else today (UTC)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).date()
    return dt.datetime.now(tz=dt.UTC).date()


def marked_assumptions(description: str) -> tuple[str, ...]:
    """The sentences of a description that mark inputs as assumptions."""
    text = " ".join(description.split())
    return tuple(s.strip() for s in _SENTENCE_END.split(text) if _MARK.search(s))


def make_heading(
    scenario: Scenario | Fund,
    t: Texts,
    *,
    title: str | None = None,
    issuing_unit: str | None = None,
    legal_basis: str | None = None,
    date: dt.date | None = None,
) -> Heading:
    """The report's head from the options, the scenario's ``report`` section and defaults.

    Given only a fund (a plan without its scenario), the defaults stand in for the section.
    """
    info = scenario.report if isinstance(scenario, Scenario) else ReportInfo()
    fund = scenario.fund if isinstance(scenario, Scenario) else scenario
    description = scenario.description if isinstance(scenario, Scenario) else ""
    default_title = t._("Distribution of the {fund} {year} among the states").format(
        fund=fund.name, year=fund.fiscal_year
    )
    default_basis = (
        t._(
            "Ley de Coordinación Fiscal, articles 44 and 45 (Fondo de Aportaciones para la "
            "Seguridad Pública, Ramo 33)"
        )
        if fund.name.strip().upper() == "FASP"
        else ""
    )
    when = date or (dt.date.fromisoformat(info.date) if info.date else default_date())
    return Heading(
        title=title or info.title or default_title,
        issuing_unit=issuing_unit or info.issuing_unit,
        legal_basis=legal_basis or info.legal_basis or default_basis,
        date=when,
        assumptions=info.assumptions or marked_assumptions(description),
    )
