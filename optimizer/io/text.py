"""Bytes to text: UTF-8 (with or without BOM) or Latin-1/Windows-1252, and nothing else.

Latin-1 decodes any byte string, so binary files and other encodings are recognised by what they
contain (NUL bytes, control characters, known signatures) rather than by a decoding failure.
"""

from __future__ import annotations

import re

from optimizer.errors import Message, tr

UTF8_BOM = b"\xef\xbb\xbf"

# Signatures of files planners often pick by mistake instead of the CSV export.
_SIGNATURES: tuple[tuple[bytes, Message], ...] = (
    (b"PK\x03\x04", tr("a ZIP archive or an Excel workbook (.xlsx)")),
    (b"\xd0\xcf\x11\xe0", tr("an old Excel workbook (.xls)")),
    (b"%PDF", tr("a PDF document")),
)


class TextError(Exception):
    """The bytes are not text this reader accepts; the message says how to fix the file."""


# C0 controls other than tab, newline, vertical tab, form feed and carriage return; DEL and C1.
_CONTROL = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f]")


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode file bytes, returning ``(text, encoding)``.

    Raises
    ------
    TextError
        The file is empty, binary, UTF-16, or in an encoding other than UTF-8 / Latin-1.
    """
    if not data.replace(UTF8_BOM, b"").strip():
        message = tr("the file is empty")
        raise TextError(message)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        message = tr(
            "unknown encoding: the file is UTF-16 text; save it as UTF-8 (or Latin-1) instead"
        )
        raise TextError(message)
    for signature, what in _SIGNATURES:
        if data.startswith(signature):
            message = tr(
                "the file is {what}, not text: export it as CSV/YAML text in UTF-8", what=what
            )
            raise TextError(message)
    if b"\x00" in data:
        message = tr(
            "the file is binary (it contains NUL bytes), not UTF-8 or Latin-1 text: export it as CSV/YAML text in UTF-8"
        )
        raise TextError(message)
    if data.startswith(UTF8_BOM):
        encoding = "utf-8-sig"
        try:
            text = data[len(UTF8_BOM) :].decode("utf-8")
        except UnicodeDecodeError as exc:
            offset = exc.start + len(UTF8_BOM)
            message = tr(
                "unknown encoding: the file starts with a UTF-8 mark but byte {offset} is not UTF-8; save it again as UTF-8",
                offset=offset,
            )
            raise TextError(message) from None
    else:
        try:
            text, encoding = data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            try:
                text, encoding = data.decode("cp1252"), "cp1252"
            except UnicodeDecodeError:
                # Five bytes are undefined in cp1252; Latin-1 maps them to control characters,
                # which the check below then rejects unless the file is otherwise clean.
                text, encoding = data.decode("latin-1"), "latin-1"
    mark = text.find("\ufeff")
    if mark >= 0:
        line = text.count("\n", 0, mark) + 1
        message = tr(
            "line {line} contains a byte-order mark (U+FEFF) in the middle of the file, as when two files are pasted together: remove it (save the file again as UTF-8)",
            line=line,
        )
        raise TextError(message)
    # A regular expression rather than a loop per character: a 32 MiB table takes milliseconds.
    found = _CONTROL.search(text)
    if found is not None:
        controls = len(text) - len(_CONTROL.sub("", text))
        if controls * 10 > len(text):
            message = tr(
                "the file is binary (mostly control characters), not UTF-8 or Latin-1 text: export it as CSV/YAML text in UTF-8"
            )
            raise TextError(message)
        first = found.start()
        line = text.count("\n", 0, first) + 1
        message = tr(
            "unknown encoding: line {line} contains the control character U+{ord}, so the file is neither UTF-8 nor Latin-1/Windows-1252 text; save it as UTF-8",
            line=line,
            ord=f"{ord(text[first]):04X}",
        )
        raise TextError(message)
    return text, encoding
