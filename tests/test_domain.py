"""Domain values: a plan's cells kept as columns behave as the tuple of cells they stand for."""

from __future__ import annotations

import pickle

import pytest

from optimizer.domain import Cell, CellTable, canonical_json, to_plain

REGIONS = ("01", "02", "03")
AXES = ("a", "b")
AMOUNTS = (10, 20, 30, 40, 50, 60)
TARGETS = (11, 19, 31, 39, 51, 59)


def table() -> CellTable:
    """Three regions by two axes."""
    return CellTable(REGIONS, AXES, AMOUNTS, TARGETS)


def cells() -> tuple[Cell, ...]:
    """The same cells as a tuple, written out region by region."""
    return (
        Cell("01", "a", 10, 11),
        Cell("01", "b", 20, 19),
        Cell("02", "a", 30, 31),
        Cell("02", "b", 40, 39),
        Cell("03", "a", 50, 51),
        Cell("03", "b", 60, 59),
    )


def test_cell_table_is_the_tuple_of_its_cells() -> None:
    """Iteration, length, indexes and slices give the cells region-major, as a tuple would."""
    t = table()
    assert tuple(t) == cells()
    assert len(t) == 6
    assert t[0] == Cell("01", "a", 10, 11)
    assert t[-1] == Cell("03", "b", 60, 59)
    assert t[1:4] == cells()[1:4]
    assert t[::-2] == cells()[::-2]
    with pytest.raises(IndexError):
        t[6]


def test_cell_table_equals_and_hashes_like_the_tuple() -> None:
    """A table equals the tuple of its cells both ways, hashes like it, and differs on one peso."""
    assert table() == cells()
    assert cells() == table()
    assert hash(table()) == hash(cells())
    other = CellTable(REGIONS, AXES, (10, 20, 30, 40, 50, 61), TARGETS)
    assert other != table()
    assert other != cells()
    assert table() != list(cells())  # a tuple is not equal to a list either


def test_cell_table_plain_values_and_pickle() -> None:
    """JSON-ready values and canonical JSON are the tuple's; a pickled table comes back equal."""
    assert to_plain(table()) == to_plain(cells())
    assert canonical_json(table()) == canonical_json(cells())
    again = pickle.loads(pickle.dumps(table()))
    assert isinstance(again, CellTable)
    assert again == table()


def test_cell_table_refuses_columns_of_the_wrong_length() -> None:
    """Amounts that do not cover every region and axis are an error, not a silent shift."""
    with pytest.raises(ValueError, match="5 amounts"):
        CellTable(REGIONS, AXES, AMOUNTS[:5], TARGETS)
