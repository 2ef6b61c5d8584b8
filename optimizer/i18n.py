"""The language layer: one gettext catalogue per language, and Babel for numbers, money and dates.

Every text a user reads is written in English in the code, marked with ``t._("...")`` (or
``t.ngettext(...)``), and translated through the catalogue of the requested language:
``optimizer/locale/<lang>/LC_MESSAGES/fsf.po``. English needs no catalogue (the message ids are
English); Spanish is complete (``tests/test_i18n.py`` extracts every marked message and fails on
one without a translation). The ``.po`` file is the only source: it is read with Babel when a
language is first used in a process (a few milliseconds), so there is no compiled file to keep in
step.

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
from pathlib import Path

from optimizer.domain import Language

DOMAIN = "fsf"
LOCALE_DIR = Path(__file__).parent / "locale"
BABEL_LOCALE = {Language.ES: "es_MX", Language.EN: "en"}


def catalogue_path(language: Language) -> Path:
    """Where the ``.po`` catalogue of one language lives (it may not exist for English)."""
    return LOCALE_DIR / language.value / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def _messages(language: Language) -> dict[str, str | tuple[str, ...]]:
    """Translated strings of one language: msgid -> msgstr (plural ids -> tuple of forms)."""
    path = catalogue_path(language)
    if not path.is_file():
        return {}
    from babel.messages.pofile import read_po

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

    def number(self, value: float, decimals: int = 0) -> str:
        """A number with thousands separators and a fixed number of decimals."""
        from babel.numbers import format_decimal

        pattern = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
        return str(format_decimal(value, format=pattern, locale=self.locale))

    def money(self, pesos: int, *, sign: bool = False) -> str:
        """Whole pesos as ``$9,941,162,915`` (``-$1,850,699``; ``+$5`` with ``sign``)."""
        body = "$" + self.number(abs(pesos))
        if pesos < 0:
            return "-" + body
        return "+" + body if sign and pesos > 0 else body

    def percent(self, fraction: float, *, decimals: int = 2, sign: bool = False) -> str:
        """A fraction as a percentage: ``0.1`` -> ``10.00 %`` (``+10.00 %`` with ``sign``)."""
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
