"""CSV tables as raw text cells, with spreadsheet row numbers, plus cell parsers.

Every cell is read as text so region codes keep their leading zeros; numbers are parsed
afterwards, cell by cell, so that each bad cell is reported with its row and column. The
standard library's C ``csv`` reader does the splitting: these tables are a few thousand rows of
text, and importing pandas for them cost more than half a second of every ``fsf`` command.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from io import StringIO

_SEPARATORS = (",", ";", "\t")


class TableError(Exception):
    """The text is not a usable CSV table; the message says why and ``row`` where (1-based)."""

    def __init__(self, message: str, row: int = 1) -> None:
        super().__init__(message)
        self.row = row


@dataclass(frozen=True)
class Table:
    """A CSV file's header and data rows, all cells stripped text.

    ``rows[k]`` is spreadsheet row ``numbers[k]`` (the header is row 1); blank lines are skipped
    but keep their numbers.
    """

    name: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numbers: tuple[int, ...]
    separator: str

    def where(self, row: int | None = None, column: str | None = None) -> str:
        """Human location: ``data/states.csv row 11, column poblacion``."""
        text = self.name
        if row is not None:
            text += f" row {row}"
        if column is not None:
            text += f", column {column}" if row is not None else f" column {column}"
        return text

    def column(self, name: str) -> list[str]:
        """The cells of one column, in row order."""
        index = self.columns.index(name)
        return [row[index] for row in self.rows]


def sniff_separator(text: str) -> str:
    """The separator used in the header line: comma, semicolon or tab (comma when unsure)."""
    header = next((line for line in text.splitlines() if line.strip()), "")
    counts = {sep: header.count(sep) for sep in _SEPARATORS}
    best = max(_SEPARATORS, key=lambda sep: counts[sep])
    return best if counts[best] > 0 else ","


def _looks_numeric(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def parse_table(name: str, text: str) -> Table:
    """Parse CSV text into a :class:`Table`.

    Raises
    ------
    TableError
        The text cannot be split into rows, has no header, or has unnamed or duplicate columns.
    """
    separator = sniff_separator(text)
    lines = text.splitlines()
    # A line of separators only is as blank as an empty one (a spreadsheet's empty row).
    blank = [not line.replace(separator, "").strip() for line in lines]
    if blank and blank[0] and not all(blank):
        first = blank.index(False) + 1
        message = f"the header must be on row 1, not row {first}: remove the blank rows above it"
        raise TableError(message)
    # Universal newlines, as in splitlines() above: CRLF, LF and lone CR end a row alike.
    reader = csv.reader(StringIO(text, newline=None), delimiter=separator, strict=True)
    records: list[list[str]] = []
    try:
        records.extend(reader)
    except csv.Error as exc:
        # Strict quoting: a stray or unclosed quote is reported on its row, never guessed at.
        message = f"the file is not a valid CSV table ({exc}): check the quotes on this row"
        raise TableError(message, len(records) + 1) from None
    stripped = [tuple(cell.strip() for cell in record) for record in records]
    width = next((len(row) for row in stripped if any(row)), 0)
    cells = []
    for number, row in enumerate(stripped, start=1):
        if len(row) > width and any(row):
            message = (
                f"this row has {len(row)} cells but the header has {width}: remove the extra "
                f"separators, or quote cells that contain '{separator}'"
            )
            raise TableError(message, number)
        # Short rows (a spreadsheet drops trailing empty cells) are padded with empty cells;
        # blank ones, however many separators they hold, are skipped below.
        cells.append(row[:width] + ("",) * (width - len(row)))
    numbered = [(number, row) for number, row in enumerate(cells, start=1) if any(row)]
    if not numbered:
        message = "the file is empty"
        raise TableError(message)
    header_number, header = numbered[0]
    if header_number != 1:
        message = f"the header must be on row 1, not row {header_number}: remove the blank rows"
        raise TableError(message)
    numeric = [cell for cell in header if cell and _looks_numeric(cell)]
    if numeric:
        message = (
            f"no header row: row 1 holds values ({', '.join(numeric[:3])}) instead of column "
            "names; add a first row naming the columns"
        )
        raise TableError(message)
    problems = []
    for position, cell in enumerate(header, start=1):
        if not cell:
            problems.append(f"column {position} has no name")
    seen: dict[str, int] = {}
    for position, cell in enumerate(header, start=1):
        if cell and cell in seen:
            problems.append(
                f"duplicate column name '{cell}' (columns {seen[cell]} and {position}); "
                "rename one of them"
            )
        seen.setdefault(cell, position)
    if problems:
        message = "; ".join(problems)
        raise TableError(message)
    return Table(
        name=name,
        columns=header,
        rows=tuple(row for _, row in numbered[1:]),
        numbers=tuple(number for number, _ in numbered[1:]),
        separator=separator,
    )


def parse_number(cell: str) -> tuple[float | None, str]:
    """A finite float from a cell, or ``(None, why not)``."""
    if not cell:
        return None, "is empty: enter a number"
    try:
        value = float(cell)
    except ValueError:
        hint = " (use a dot as decimal separator)" if "," in cell else ""
        return None, f"'{cell}' is not a number{hint}"
    if math.isnan(value):
        return None, f"'{cell}' is not a number (NaN): enter the value"
    if math.isinf(value):
        return None, f"'{cell}' is infinite: enter a finite value"
    return value, ""


def parse_whole(value: object, what: str = "pesos") -> tuple[int | None, str]:
    """A non-negative whole number (pesos, inhabitants) from a cell or YAML value.

    Returns ``(value, "")`` or ``(None, why not)``; bools and non-integral values are refused.
    """
    if isinstance(value, bool):
        return None, f"{value!r} is not a whole number of {what}"
    if isinstance(value, int):
        number = Decimal(value)
    else:
        text = str(value).strip().replace("_", "")
        if not text:
            return None, f"is empty: enter a whole number of {what}"
        try:
            number = Decimal(text)
        except InvalidOperation:
            return None, f"'{value}' is not a whole number of {what}"
    if not number.is_finite():
        return None, f"'{value}' is not a finite number of {what}"
    if number < 0:
        return None, f"'{value}' is negative: {what} must be zero or more"
    if number != number.to_integral_value():
        return None, f"'{value}' is not a whole number of {what} (no fractions)"
    return int(number), ""
