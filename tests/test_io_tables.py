"""CSV splitting with the standard library: quotes, short rows, line ends and located errors."""

from __future__ import annotations

import pytest

from optimizer.io.tables import TableError, parse_table


@pytest.mark.parametrize(
    ("text", "rows"),
    [
        ('cve,x\n"01","a,b"\n', (("01", "a,b"),)),
        ('cve;x\n01;"varias\nlíneas"\n03;4\n', (("01", "varias\nlíneas"), ("03", "4"))),
        ("cve,x\r\n01,1\r\n02,2\r\n", (("01", "1"), ("02", "2"))),
        ("cve,x\r01,1\r02,2\r", (("01", "1"), ("02", "2"))),
        ("cve\tx\n 01 \t 2 \n", (("01", "2"),)),
        ("cve,x\n01\n02,\n", (("01", ""), ("02", ""))),
        ("cve,x\n01,NA\n02,NaN\n", (("01", "NA"), ("02", "NaN"))),
        ('cve,x\n01,a"b\n', (("01", 'a"b'),)),
    ],
)
def test_cells_are_text_as_written(text: str, rows: tuple[tuple[str, ...], ...]) -> None:
    """Quoted separators and line breaks, CRLF/CR ends, short rows and 'NA' stay as written."""
    assert parse_table("t.csv", text).rows == rows


def test_rows_of_separators_only_are_blank() -> None:
    """A spreadsheet's empty row (separators only, however many) is skipped, keeping numbers."""
    table = parse_table("t.csv", "cve,x\n01,1\n,,,,\n03,3\n")
    assert table.rows == (("01", "1"), ("03", "3"))
    assert table.numbers == (2, 4)


@pytest.mark.parametrize(
    ("text", "row"),
    [
        ('cve,x\n01,1\n"02,2\n03,3\n', 3),
        ('cve,x\n01,1\n"0"2,2\n', 3),
    ],
)
def test_broken_quotes_are_located(text: str, row: int) -> None:
    """An unclosed quote or text after a closing quote is refused on its row, not guessed at."""
    with pytest.raises(TableError) as info:
        parse_table("t.csv", text)
    assert info.value.row == row
    assert "check the quotes on this row" in str(info.value)
