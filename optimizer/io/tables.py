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
from functools import cached_property
from io import StringIO

from optimizer.limits import (
    MAX_CELL_CHARS,
    MAX_CSV_CELLS,
    MAX_CSV_COLUMNS,
    MAX_CSV_ROWS,
    MAX_INDICATOR_ABS,
    MAX_MONEY,
    MAX_NUMBER_CHARS,
    MIN_INDICATOR_ABS,
    shorten,
)

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

    @cached_property
    def _positions(self) -> dict[int, int]:
        return {number: position for position, number in enumerate(self.numbers)}

    def row(self, number: int) -> tuple[str, ...]:
        """The cells of spreadsheet row ``number`` (found in constant time)."""
        return self.rows[self._positions[number]]


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


def _check_size(lines: list[str], separator: str) -> None:
    """Refuse tables past the row, column and cell limits before the reader splits them.

    Lines bound rows from above (a quoted cell may span lines) and the header's separators bound
    the columns (longer rows are refused), so rows x columns bounds the cells kept in memory.
    """
    header = next((line for line in lines if line.strip()), "")
    columns = header.count(separator) + 1
    rows = max(len(lines) - 1, 0)
    if columns > MAX_CSV_COLUMNS:
        message = (
            f"the header has {columns:,} columns: a table may have at most {MAX_CSV_COLUMNS:,}"
        )
        raise TableError(message)
    if rows > MAX_CSV_ROWS:
        message = (
            f"the file has {rows:,} rows after the header: a table may have at most "
            f"{MAX_CSV_ROWS:,}"
        )
        raise TableError(message, MAX_CSV_ROWS + 2)
    if rows * columns > MAX_CSV_CELLS:
        message = (
            f"the table has {rows:,} rows x {columns:,} columns = {rows * columns:,} cells: "
            f"at most {MAX_CSV_CELLS:,} are read; keep only the columns the scenario uses"
        )
        raise TableError(message)


def parse_table(name: str, text: str) -> Table:
    """Parse CSV text into a :class:`Table`.

    Raises
    ------
    TableError
        The text cannot be split into rows, has no header, or has unnamed or duplicate columns.
    """
    separator = sniff_separator(text)
    lines = text.splitlines()
    _check_size(lines, separator)
    # A line of separators only is as blank as an empty one (a spreadsheet's empty row).
    blank = [not line.replace(separator, "").strip() for line in lines]
    if blank and blank[0] and not all(blank):
        first = blank.index(False) + 1
        message = f"the header must be on row 1, not row {first}: remove the blank rows above it"
        raise TableError(message)
    # The file's size limit already bounds a cell; the reader's own (128 KiB) would refuse a long
    # cell as a quoting error before the cell limit below can name it.
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
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
        for position, cell in enumerate(row, start=1):
            if len(cell) > MAX_CELL_CHARS:
                message = (
                    f"column {position}: the cell has {len(cell):,} characters (it starts "
                    f"'{shorten(cell, 20)}'): a cell may hold at most {MAX_CELL_CHARS:,}"
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
    if len(cell) > MAX_NUMBER_CHARS:
        return None, (
            f"'{shorten(cell, 20)}' is too long for a number: at most {MAX_NUMBER_CHARS} characters"
        )
    try:
        value = float(cell)
    except ValueError:
        hint = " (use a dot as decimal separator)" if "," in cell else ""
        return None, f"'{cell}' is not a number{hint}"
    if math.isnan(value):
        return None, f"'{cell}' is not a number (NaN): enter the value"
    if math.isinf(value):
        return None, f"'{cell}' is infinite: enter a finite value"
    if abs(value) > MAX_INDICATOR_ABS or (value and abs(value) < MIN_INDICATOR_ABS):
        return None, (
            f"'{cell}' is out of range: values lie within +-{MAX_INDICATOR_ABS:g} and, when not "
            f"0, are at least {MIN_INDICATOR_ABS:g} in size; rescale the column"
        )
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
        raw = str(value).strip()
        if len(raw) > MAX_NUMBER_CHARS:
            return None, (
                f"'{shorten(raw, 20)}' has {len(raw):,} characters: a whole number of {what} "
                f"has at most {len(str(MAX_MONEY))} digits (at most {MAX_MONEY:,})"
            )
        text = raw.replace("_", "")
        if not text:
            return None, f"is empty: enter a whole number of {what}"
        try:
            number = Decimal(text)
        except InvalidOperation:
            return None, f"'{value}' is not a whole number of {what}"
    if not number.is_finite():
        return None, f"'{value}' is not a finite number of {what}"
    if number < 0:
        return None, f"'{shorten(str(value))}' is negative: {what} must be zero or more"
    # Compared as a Decimal before int(): '1e999999999' would otherwise become a huge integer.
    if number > MAX_MONEY:
        return None, (
            f"'{shorten(str(value))}' is too large: at most {MAX_MONEY:,} {what} "
            "(the solver computes whole numbers exactly up to 2**53)"
        )
    if number != number.to_integral_value():
        return None, f"'{value}' is not a whole number of {what} (no fractions)"
    return int(number), ""
