"""The language layer: one gettext catalogue per language, and Babel for numbers, money and dates.

Every text a user reads is written in English in the code, marked with ``t._("...")`` (or
``t.ngettext(...)``), and translated through the catalogue of the requested language:
``optimizer/locale/<lang>/LC_MESSAGES/fsf.po``. English needs no catalogue (the message ids are
English); Spanish is complete (``tests/test_i18n.py`` extracts every marked message and fails on
one without a translation). The ``.po`` file is the only source: it is read when a language is
first used in a process (a few milliseconds with the plain reader; Babel's reader for anything
outside the plain subset), so there is no compiled file to keep in step.

Formats follow ``shared/GLOSSARY.md``: money ``$9,941,162,915`` (comma thousands, whole pesos),
percentages ``+10.00 %``, dates ``2 de diciembre de 2026`` in ``es_MX`` and ``December 2, 2026`` in
``en``.

Usage::

    t = texts(Language.ES)
    t._("Fund total: {amount}").format(amount=t.money(9_941_162_915))
"""

from __future__ import annotations

import datetime as _dt
import functools
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

from optimizer.domain import Language

DOMAIN = "fsf"
LOCALE_DIR = Path(__file__).parent / "locale"
BABEL_LOCALE = {Language.ES: "es_MX", Language.EN: "en"}


def N_(message: str) -> str:
    """Mark a message for the catalogue where it is defined; it is translated where it is shown."""
    return message


RULE_NAMES: dict[str, str] = {
    "fund_total": N_("fund total"),
    "band_floor": N_("band floor"),
    "band_cap": N_("band cap"),
    "region_floor": N_("state floor"),
    "region_cap": N_("state cap"),
    "absorption_cap": N_("absorption capacity"),
    "axis_share_min": N_("minimum share of the {level}"),
    "axis_share_max": N_("maximum share of the {level}"),
    "priority_minimum": N_("national-priority minimum"),
    "guaranteed": N_("guaranteed amount"),
    "redistribution": N_("proportional redistribution"),
    # Families of the arithmetic diagnosis (``explain.precheck_conflicts``).
    "region_floors": N_("states' floors"),
    "region_caps": N_("states' caps"),
    "region_bounds": N_("a state's floor and cap"),
}
"""Business names of the rule families (``RuleFamily`` values), of the redistribution cause and
of the diagnosis' families, in English; ``Texts.rule`` translates them."""

OBJECTIVE_NAMES: dict[str, str] = {
    "proportional": N_("proportional to the formula amounts"),
    "min_total_deviation": N_("least total deviation from the formula amounts"),
    "max_min_coverage": N_("greatest minimum coverage of the formula amounts"),
}

STATUS_NAMES: dict[str, str] = {
    "optimal": N_("solved"),
    "infeasible": N_("the rules cannot all hold"),
    "solver_failure": N_("solver failure"),
}

DIRECTION_NAMES: dict[str, str] = {
    "higher_needs_more": N_("a higher value gives more"),
    "higher_needs_less": N_("a higher value gives less"),
}

NORMALISATION_NAMES: dict[str, str] = {
    "share": N_("share of the national total"),
    "shifted_share": N_("shifted share of the national total"),
}

LEVEL_NAMES: dict[str, tuple[str, str]] = {
    "eje": (N_("axis"), N_("axes")),
    "programa": (N_("programme"), N_("programmes")),
    "subprograma": (N_("sub-programme"), N_("sub-programmes")),
}
"""Names of the levels of the spending catalogue (singular, plural): the axes of a scenario are
shown as ``DEFAULT_LEVEL`` (P1-P9 are programas, not ejes) unless a scenario names its level."""

DEFAULT_LEVEL = "programa"


def catalogue_path(language: Language) -> Path:
    """Where the ``.po`` catalogue of one language lives (it may not exist for English)."""
    return LOCALE_DIR / language.value / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def _messages(language: Language) -> dict[str, str | tuple[str, ...]]:
    """Translated strings of one language: msgid -> msgstr (plural ids -> tuple of forms).

    The catalogue is read by :func:`_read_po_plain` when it keeps to the plain subset of the
    format that file is written in, else by Babel (``tests/test_i18n.py`` checks both agree).
    """
    path = catalogue_path(language)
    if not path.is_file():
        return {}
    plain = _read_po_plain(path.read_text(encoding="utf-8"))
    return plain if plain is not None else _read_po_babel(language)


_PO_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


def _po_string(line: str) -> str | None:
    """The text of one quoted ``.po`` string, or None outside the plain subset."""
    if len(line) < 2 or line[0] != '"' or line[-1] != '"':
        return None
    body = line[1:-1]
    if "\\" not in body:
        return None if '"' in body else body
    out: list[str] = []
    i = 0
    while i < len(body):
        char = body[i]
        if char == '"':
            return None
        if char == "\\":
            code = body[i + 1 : i + 2]
            if code not in _PO_ESCAPES:
                return None
            out.append(_PO_ESCAPES[code])
            i += 2
            continue
        out.append(char)
        i += 1
    return "".join(out)


def _read_po_plain(text: str) -> dict[str, str | tuple[str, ...]] | None:
    """A ``.po`` catalogue read without Babel, or None where it leaves the plain subset.

    ``fsf --help`` reads the catalogue before anything else: Babel's reader (its import and
    parse) costs about a tenth of a second there, this one a few milliseconds. The subset is
    what ``fsf.po`` uses: comments, ``msgid``/``msgid_plural``/``msgstr``/``msgstr[N]`` with
    continued strings and the escapes ``\\n \\t \\" \\\\``; contexts, obsolete
    entries or anything else return None (Babel reads the file then). Fuzzy entries are left
    out, as Babel's reader is used.
    """
    table: dict[str, str | tuple[str, ...]] = {}
    entry: dict[str, list[str]] = {}
    current: list[str] | None = None
    fuzzy = False

    def close() -> None:
        ids, strings = entry.get("msgid"), entry.get("msgstr")
        if ids and "".join(ids) and not fuzzy:
            if "msgid_plural" in entry:
                forms = tuple(
                    "".join(entry[key])
                    for key in sorted(k for k in entry if k.startswith("msgstr["))
                )
                if forms and all(forms):
                    table["".join(ids)] = forms
            elif strings is not None and "".join(strings):
                table["".join(ids)] = "".join(strings)

    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            if line.startswith(("#~", "#|")):
                return None
            if entry and current is not None:
                close()
                entry, current, fuzzy = {}, None, False
            if line.startswith("#,") and "fuzzy" in line:
                fuzzy = True
            continue
        if line.startswith('"'):
            part = _po_string(line)
            if part is None or current is None:
                return None
            current.append(part)
            continue
        keyword, _, rest = line.partition(" ")
        if keyword == "msgid" and "msgid" in entry:
            close()
            entry, fuzzy = {}, False
        if keyword not in ("msgid", "msgid_plural", "msgstr") and not (
            keyword.startswith("msgstr[") and keyword.endswith("]")
        ):
            return None
        part = _po_string(rest.strip())
        if part is None or keyword in entry:
            return None
        current = entry[keyword] = [part]
    if entry:
        close()
    return table


def _read_po_babel(language: Language) -> dict[str, str | tuple[str, ...]]:
    """The catalogue of one language as Babel reads it."""
    from babel.messages.pofile import read_po

    path = catalogue_path(language)

    with path.open("rb") as handle:
        catalogue = read_po(handle, locale=BABEL_LOCALE[language], domain=DOMAIN)
    table: dict[str, str | tuple[str, ...]] = {}
    for message in catalogue:
        if not message.id or message.fuzzy:
            continue
        if isinstance(message.id, tuple | list):
            forms = tuple(message.string) if isinstance(message.string, tuple | list) else ()
            if forms and all(forms):
                table[str(message.id[0])] = forms
        elif message.string:
            table[str(message.id)] = str(message.string)
    return table


@dataclass(frozen=True)
class Texts:
    """Translations and formats of one language."""

    language: Language

    @property
    def locale(self) -> str:
        """Babel locale name (``es_MX`` or ``en``)."""
        return BABEL_LOCALE[self.language]

    def _(self, message: str) -> str:
        """The translation of ``message`` (the English text itself when none exists)."""
        found = _messages(self.language).get(message)
        return found if isinstance(found, str) else message

    gettext = _

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        """The singular or plural translation for ``n`` (Spanish and English: one form for 1)."""
        found = _messages(self.language).get(singular)
        if isinstance(found, tuple) and len(found) >= 2:
            return found[0] if n == 1 else found[1]
        return singular if n == 1 else plural

    def rule(self, family: str, level: str = DEFAULT_LEVEL) -> str:
        """Business name of a rule family (``band_floor`` -> ``piso de la banda``).

        An unknown family (an older stored run) is shown as it is rather than failing.
        """
        name = RULE_NAMES.get(str(family))
        if name is None:
            return str(family)
        return self._(name).format(level=self.level(level))

    def objective(self, objective: str) -> str:
        """Business name of an objective (``proportional`` -> ``proporcional a ...``)."""
        name = OBJECTIVE_NAMES.get(str(objective))
        return str(objective) if name is None else self._(name)

    def status(self, status: str) -> str:
        """Business name of a run status (``optimal`` -> ``resuelto``)."""
        name = STATUS_NAMES.get(str(status))
        return str(status) if name is None else self._(name)

    def direction(self, direction: str) -> str:
        """How an indicator relates to need, in words."""
        name = DIRECTION_NAMES.get(str(direction))
        return str(direction) if name is None else self._(name)

    def normalisation(self, normalisation: str) -> str:
        """How an indicator becomes a share, in words."""
        name = NORMALISATION_NAMES.get(str(normalisation))
        return str(normalisation) if name is None else self._(name)

    def level(self, level: str = DEFAULT_LEVEL, *, plural: bool = False) -> str:
        """Name of a level of the spending catalogue (``programa``, ``programas``, ``eje``...).

        The neutral accessor every text uses for "the axes of the scenario": a scenario with an
        eje > programa > subprograma tree passes the level it shows.
        """
        names = LEVEL_NAMES.get(level, LEVEL_NAMES[DEFAULT_LEVEL])
        return self._(names[1] if plural else names[0])

    @functools.cached_property
    def plain_grouping(self) -> bool:
        """Whether the locale groups whole numbers as Python's ``f"{n:,}"`` does."""
        from babel.numbers import format_decimal

        sample = -1234567890
        return str(format_decimal(sample, format="#,##0", locale=self.locale)) == f"{sample:,}"

    def _plain(self, value: float, decimals: int, scale: int, *, sign: bool) -> str:
        """What Babel writes for ``value x 10**scale`` in a locale with ``plain_grouping``.

        Thousands of numbers per plan: Babel's own steps (the float read through ``str``,
        half-even rounding of the decimal, the sign of the unrounded value) without parsing
        its pattern each time, at a twentieth of the cost. ``tests/test_i18n.py`` compares
        both on random values.
        """
        if isinstance(value, int) and not decimals and not scale:
            return ("-" if value < 0 else "+" if sign else "") + f"{abs(value):,}"
        exact = Decimal(value) if isinstance(value, int) else Decimal(str(value))
        if scale:
            exact = exact.scaleb(scale)
        rounded = exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_EVEN)
        body = f"{abs(rounded):,.{decimals}f}"
        return ("-" if exact.is_signed() else "+" if sign else "") + body

    def number(self, value: float, decimals: int = 0) -> str:
        """A number with thousands separators and a fixed number of decimals."""
        if self.plain_grouping:
            return self._plain(value, decimals, 0, sign=False)
        from babel.numbers import format_decimal

        pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
        return str(format_decimal(value, format=pattern, locale=self.locale))

    def signed(self, value: int) -> str:
        """An integer with its sign and thousands separators: ``+1,234``, ``-1,234``, ``0``."""
        body = self.number(abs(value))
        return ("+" if value > 0 else "-" if value < 0 else "") + body

    def money(self, pesos: int, *, sign: bool = False) -> str:
        """Whole pesos as ``$9,941,162,915`` (``-$1,850,699``; ``+$5`` with ``sign``)."""
        body = f"${abs(pesos):,}" if self.plain_grouping else "$" + self.number(abs(pesos))
        if pesos < 0:
            return "-" + body
        return "+" + body if sign and pesos > 0 else body

    def percent(self, fraction: float, *, decimals: int = 2, sign: bool = False) -> str:
        """A fraction as a percentage: ``0.1`` -> ``10.00 %`` (``+10.00 %`` with ``sign``)."""
        if self.plain_grouping:
            return self._plain(fraction, decimals, 2, sign=sign) + " %"
        from babel.numbers import format_percent

        digits = "0" * decimals
        body = "#,##0" + ("." + digits if decimals > 0 else "") + " %"
        pattern = f"+{body};-{body}" if sign else body
        return str(format_percent(fraction, format=pattern, locale=self.locale))

    def date(self, day: _dt.date) -> str:
        """A date in words: ``2 de diciembre de 2026`` / ``December 2, 2026``."""
        from babel.dates import format_date

        return str(format_date(day, format="long", locale=self.locale))


@functools.cache
def texts(language: Language | str = Language.ES) -> Texts:
    """The :class:`Texts` of a language (``"es"`` or ``"en"``)."""
    return Texts(Language(language))
