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

from optimizer.errors import Message, tr
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

    def __init__(self, message: str | Message, row: int = 1) -> None:
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
        message = tr(
            "the header has {columns} columns: a table may have at most {MAX_CSV_COLUMNS}",
            columns=f"{columns:,}",
            MAX_CSV_COLUMNS=f"{MAX_CSV_COLUMNS:,}",
        )
        raise TableError(message)
    if rows > MAX_CSV_ROWS:
        message = tr(
            "the file has {rows} rows after the header: a table may have at most {MAX_CSV_ROWS}",
            rows=f"{rows:,}",
            MAX_CSV_ROWS=f"{MAX_CSV_ROWS:,}",
        )
        raise TableError(message, MAX_CSV_ROWS + 2)
    if rows * columns > MAX_CSV_CELLS:
        message = tr(
            "the table has {rows} rows x {columns} columns = {amount} cells: at most {MAX_CSV_CELLS} are read; keep only the columns the scenario uses",
            rows=f"{rows:,}",
            columns=f"{columns:,}",
            amount=f"{rows * columns:,}",
            MAX_CSV_CELLS=f"{MAX_CSV_CELLS:,}",
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
        message = tr(
            "the header must be on row 1, not row {first}: remove the blank rows above it",
            first=first,
        )
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
        message = tr(
            "the file is not a valid CSV table ({exc}): check the quotes on this row", exc=exc
        )
        raise TableError(message, len(records) + 1) from None
    stripped = [tuple(cell.strip() for cell in record) for record in records]
    width = next((len(row) for row in stripped if any(row)), 0)
    cells = []
    for number, row in enumerate(stripped, start=1):
        if len(row) > width and any(row):
            message = tr(
                "this row has {n_row} cells but the header has {width}: remove the extra separators, or quote cells that contain '{separator}'",
                n_row=len(row),
                width=width,
                separator=separator,
            )
            raise TableError(message, number)
        for position, cell in enumerate(row, start=1):
            if len(cell) > MAX_CELL_CHARS:
                message = tr(
                    "column {position}: the cell has {n_cell} characters (it starts '{cell}'): a cell may hold at most {MAX_CELL_CHARS}",
                    position=position,
                    n_cell=f"{len(cell):,}",
                    cell=shorten(cell, 20),
                    MAX_CELL_CHARS=f"{MAX_CELL_CHARS:,}",
                )
                raise TableError(message, number)
        # Short rows (a spreadsheet drops trailing empty cells) are padded with empty cells;
        # blank ones, however many separators they hold, are skipped below.
        cells.append(row[:width] + ("",) * (width - len(row)))
    numbered = [(number, row) for number, row in enumerate(cells, start=1) if any(row)]
    if not numbered:
        message = tr("the file is empty")
        raise TableError(message)
    header_number, header = numbered[0]
    if header_number != 1:
        message = tr(
            "the header must be on row 1, not row {header_number}: remove the blank rows",
            header_number=header_number,
        )
        raise TableError(message)
    numeric = [cell for cell in header if cell and _looks_numeric(cell)]
    if numeric:
        message = tr(
            "no header row: row 1 holds values ({join}) instead of column names; add a first row naming the columns",
            join=", ".join(numeric[:3]),
        )
        raise TableError(message)
    problems: list[Message] = []
    for position, cell in enumerate(header, start=1):
        if not cell:
            problems.append(tr("column {position} has no name", position=position))
    seen: dict[str, int] = {}
    for position, cell in enumerate(header, start=1):
        if cell and cell in seen:
            problems.append(
                tr(
                    "duplicate column name '{cell}' (columns {first} and {position}); "
                    "rename one of them",
                    cell=cell,
                    first=seen[cell],
                    position=position,
                )
            )
        seen.setdefault(cell, position)
    if problems:
        joined = problems[0]
        for more in problems[1:]:
            joined = tr("{first}; {then}", first=joined, then=more)
        raise TableError(joined)
    return Table(
        name=name,
        columns=header,
        rows=tuple(row for _, row in numbered[1:]),
        numbers=tuple(number for number, _ in numbered[1:]),
        separator=separator,
    )


def parse_number(cell: str) -> tuple[float | None, str | Message]:
    """A finite float from a cell, or ``(None, why not)``."""
    if not cell:
        return None, tr("is empty: enter a number")
    if len(cell) > MAX_NUMBER_CHARS:
        return None, tr(
            "'{cell}' is too long for a number: at most {limit} characters",
            cell=shorten(cell, 20),
            limit=MAX_NUMBER_CHARS,
        )
    try:
        value = float(cell)
    except ValueError:
        if "," in cell:
            return None, tr("'{cell}' is not a number (use a dot as decimal separator)", cell=cell)
        return None, tr("'{cell}' is not a number", cell=cell)
    if math.isnan(value):
        return None, tr("'{cell}' is not a number (NaN): enter the value", cell=cell)
    if math.isinf(value):
        return None, tr("'{cell}' is infinite: enter a finite value", cell=cell)
    if abs(value) > MAX_INDICATOR_ABS or (value and abs(value) < MIN_INDICATOR_ABS):
        return None, tr(
            "'{cell}' is out of range: values lie within +-{largest} and, when not 0, are at "
            "least {smallest} in size; rescale the column",
            cell=cell,
            largest=f"{MAX_INDICATOR_ABS:g}",
            smallest=f"{MIN_INDICATOR_ABS:g}",
        )
    return value, ""


UNITS = {"pesos": tr("pesos"), "inhabitants": tr("inhabitants")}
"""What a whole number counts, in words (``parse_whole``'s ``what``)."""


def parse_whole(value: object, what: str = "pesos") -> tuple[int | None, str | Message]:
    """A non-negative whole number (pesos, inhabitants) from a cell or YAML value.

    Returns ``(value, "")`` or ``(None, why not)``; bools and non-integral values are refused.
    """
    unit = UNITS.get(what, what)
    if isinstance(value, bool):
        return None, tr("{value} is not a whole number of {what}", value=repr(value), what=unit)
    if isinstance(value, int):
        number = Decimal(value)
    else:
        raw = str(value).strip()
        if len(raw) > MAX_NUMBER_CHARS:
            return None, tr(
                "'{value}' has {length} characters: a whole number of {what} has at most "
                "{digits} digits (at most {largest})",
                value=shorten(raw, 20),
                length=f"{len(raw):,}",
                what=unit,
                digits=len(str(MAX_MONEY)),
                largest=f"{MAX_MONEY:,}",
            )
        text = raw.replace("_", "")
        if not text:
            return None, tr("is empty: enter a whole number of {what}", what=unit)
        try:
            number = Decimal(text)
        except InvalidOperation:
            return None, tr("'{value}' is not a whole number of {what}", value=value, what=unit)
    if not number.is_finite():
        return None, tr("'{value}' is not a finite number of {what}", value=value, what=unit)
    if number < 0:
        return None, tr(
            "'{value}' is negative: {what} must be zero or more",
            value=shorten(str(value)),
            what=unit,
        )
    # Compared as a Decimal before int(): '1e999999999' would otherwise become a huge integer.
    if number > MAX_MONEY:
        return None, tr(
            "'{value}' is too large: at most {largest} {what} "
            "(the solver computes whole numbers exactly up to 2**53)",
            value=shorten(str(value)),
            largest=f"{MAX_MONEY:,}",
            what=unit,
        )
    if number != number.to_integral_value():
        return None, tr(
            "'{value}' is not a whole number of {what} (no fractions)", value=value, what=unit
        )
    return int(number), ""
