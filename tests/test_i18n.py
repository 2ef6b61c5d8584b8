"""The language layer: every marked message has a Spanish translation; formats follow the glossary."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from babel.messages.extract import extract_from_dir

from optimizer.domain import Language
from optimizer.i18n import _messages, texts

PACKAGE = Path(__file__).resolve().parent.parent / "optimizer"
KEYWORDS = {"_": None, "N_": None, "tr": None, "gettext": None, "ngettext": (1, 2)}


def marked_messages() -> set[str]:
    """Every message id marked in the package (singular id for plurals)."""
    found: set[str] = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        str(PACKAGE), method_map=[("**.py", "python")], keywords=KEYWORDS
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_every_marked_message_has_a_spanish_translation() -> None:
    spanish = _messages(Language.ES)
    missing = sorted(m for m in marked_messages() if m not in spanish)
    assert not missing, f"{len(missing)} messages without Spanish translation: {missing[:20]}"


def test_money_percent_and_dates_follow_the_glossary() -> None:
    es, en = texts("es"), texts("en")
    assert es.money(9_941_162_915) == "$9,941,162,915"
    assert es.money(-1_850_699) == "-$1,850,699"
    assert es.money(5, sign=True) == "+$5"
    assert es.percent(0.1, sign=True) == "+10.00 %"
    assert es.percent(-0.0512) == "-5.12 %"
    assert es.date(dt.date(2026, 12, 2)) == "2 de diciembre de 2026"
    assert en.date(dt.date(2026, 12, 2)) == "December 2, 2026"
    assert es.number(1234.5678, 2) == "1,234.57"


def test_translation_and_plural_forms() -> None:
    es, en = texts(Language.ES), texts(Language.EN)
    assert es._("Fund total") == "Total del fondo"
    assert en._("Fund total") == "Fund total"
    assert es._("a text nobody translated") == "a text nobody translated"
    assert es.ngettext("{n} state", "{n} states", 1).format(n=1) == "1 entidad"
    assert es.ngettext("{n} state", "{n} states", 32).format(n=32) == "32 entidades"
    assert en.ngettext("{n} state", "{n} states", 32).format(n=32) == "32 states"


def test_translations_keep_the_placeholders() -> None:
    """A translation fills in the same ``{names}`` as its English text (no KeyError at run time)."""
    import string

    def names(text: str) -> set[str]:
        return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}

    wrong = []
    for message, translation in _messages(Language.ES).items():
        forms = translation if isinstance(translation, tuple) else (translation,)
        if any(names(form) != names(message) for form in forms):
            wrong.append((message, translation))
    assert wrong == []


def test_plain_formats_are_babels() -> None:
    """The fast path of ``number`` and ``percent`` writes exactly what Babel writes."""
    import random

    from babel.numbers import format_decimal, format_percent

    rng = random.Random(12)
    values: list[float] = [0.0, -0.0, 0.125, 2.675, -0.004, 1e-9, 0.5, -1234567.891]
    values += [rng.uniform(-1, 1) * 10 ** rng.randint(-4, 12) for _ in range(2000)]
    values += [round(v, rng.randint(0, 4)) for v in values[:500]]
    for language in (Language.ES, Language.EN):
        t = texts(language)
        assert t.plain_grouping
        for value in values:
            for decimals in (0, 2, 3):
                digits = "." + "0" * decimals if decimals else ""
                assert t.number(value, decimals) == format_decimal(
                    value, format="#,##0" + digits, locale=t.locale
                ), value
                body = "#,##0" + digits + " %"
                assert t.percent(value, decimals=decimals, sign=True) == format_percent(
                    value, format=f"+{body};-{body}", locale=t.locale
                ), value
                assert t.percent(value, decimals=decimals) == format_percent(
                    value, format=body, locale=t.locale
                ), value
        for whole in (0, 7, -1_850_699, 9_941_162_915, 10**15):
            assert t.number(whole) == format_decimal(whole, format="#,##0", locale=t.locale)


def test_plain_catalogue_reader_reads_what_babel_reads() -> None:
    """The light reader ``fsf --help`` uses gives Babel's table, and steps aside outside its subset."""
    from optimizer.i18n import _read_po_babel, _read_po_plain, catalogue_path

    text = catalogue_path(Language.ES).read_text(encoding="utf-8")
    plain = _read_po_plain(text)
    assert plain is not None
    assert plain == _read_po_babel(Language.ES)
    assert _read_po_plain('msgctxt "x"\nmsgid "a"\nmsgstr "b"\n') is None
    assert _read_po_plain('msgid "a\\x41"\nmsgstr "b"\n') is None
    fuzzy = '#, fuzzy\nmsgid "a"\nmsgstr "b"\n\nmsgid "c\\n"\nmsgstr ""\n"d\\"e\\"\\n"\n'
    assert _read_po_plain(fuzzy) == {"c\n": 'd"e"\n'}
    continued = 'msgid ""\n"long "\n"text"\nmsgstr ""\n"texto "\n"largo"\n'
    assert _read_po_plain(continued) == {"long text": "texto largo"}
