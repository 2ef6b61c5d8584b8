"""Input limits: how much a scenario may hold before it is refused as bad input.

Every limit is here, as a named constant, so that the reader, the checks and the documentation
(``docs/limits.md``) agree. A file or value past a limit is a located problem (exit 2,
``INVALID_ARGUMENT``), never a crash, a hang or a runaway allocation: the limits are what keeps a
hostile or mistaken upload (an alias bomb, a 5,000-digit number, a million-row table) within
bounded time and memory.

Standard library only: the core (:mod:`optimizer.checks`) and the readers both use it.
"""

from __future__ import annotations

# ---------------------------------------------------------------------------------- files

MAX_YAML_BYTES = 1024 * 1024
"""Size of the scenario YAML (1 MiB; a national scenario is about 6 KB)."""

MAX_CSV_BYTES = 32 * 1024 * 1024
"""Size of one CSV table (32 MiB)."""

MAX_FILE_BYTES = max(MAX_YAML_BYTES, MAX_CSV_BYTES)
"""The most a file source reads of any file before refusing it."""

MAX_SCENARIO_BYTES = 64 * 1024 * 1024
"""All CSV files of a scenario together (64 MiB), counting a file each time the YAML names it."""

MAX_TABLES = 100
"""CSV files a scenario names: the regions file, indicator files and rule files."""

# ----------------------------------------------------------------------------------- YAML

YAML_ALIASES_ALLOWED = False
"""Aliases (``*name``) are refused: they are how a 300-byte file expands to gigabytes."""

MAX_YAML_DEPTH = 20
"""Nesting of lists and mappings in the YAML (a flat scenario needs 5; a four-level programa tree with leaf criteria 11)."""

MAX_YAML_NODES = 50_000
"""Scalars, lists and mappings in the YAML (fasp-2026 has about 300; 2,500 inline floors 10,000)."""

# ----------------------------------------------------------------------------------- CSV

MAX_CSV_ROWS = 100_000
"""Data rows of one CSV table."""

MAX_CSV_COLUMNS = 1_000
"""Columns of one CSV table."""

MAX_CSV_CELLS = 2_000_000
"""Rows times columns of one CSV table."""

MAX_CELL_CHARS = 1_000
"""Characters of one CSV cell or header name."""

# ------------------------------------------------------------------------------- scenario

MAX_REGIONS = 10_000
"""Regions of a scenario (Mexico has 32 states and about 2,500 municipalities)."""

MAX_AXES = 100
"""Axes (programmes) of a scenario."""

MAX_CELLS = 250_000
"""Regions times axes: the cells of the plan, each one LP variable (10,000 x 24 municipal
plans, the largest size the benchmark holds the engine to, fit)."""

MAX_PDF_REGIONS = 250
"""Regions of a plan ``fsf report --pdf`` lays out (the HTML report has no such limit). The
layout grows faster than the document: 200 regions take about 50 s and 330 MiB, 2,469 took
over 3 minutes and 2.8 GiB before this limit."""

MAX_TREE_DEPTH = 4
"""Levels of the programa tree (eje > programa > subprograma is 3; one more for a finer split)."""

MAX_TREE_NODES = 200
"""Nodes of the programa tree, inner nodes and leaves together (the 2023-2025 catalogue has 5
ejes, 9 programas and 24 subprogramas); the leaves are also held to ``MAX_AXES``."""

MAX_PROPOSAL_LINES = 100_000
"""Lines of the states' proposals (32 states x 100 programas is 3,200)."""

MAX_MONTHS = 24
"""Ministrations of the calendar (the FASP has 10, January to October)."""

MAX_MUNICIPALITIES = 10_000
"""Municipalities of the municipal table (Mexico has 2,469 municipios and demarcaciones)."""
MAX_CRITERIA_DEPTH = 3
"""Levels of nested criteria: categories, sub-categories, and the criteria inside them."""

MAX_CATEGORIES = 100
"""Categories of criteria in a scenario (the 2026 prototype has 4)."""

MAX_DERIVED_INDICATORS = 100
"""Declared indicators of a scenario; each costs one pass over the regions."""

MAX_DERIVED_INPUTS = 50
"""Columns one ``mean`` or ``sum`` may combine (a ten-year average needs 10)."""

MAX_DERIVED_VALUES = 1_000_000
"""Values all declared indicators read together (their columns times the regions): each is a
Python float operation, so this bounds the seconds they cost (about 1 s at the limit)."""

# -------------------------------------------------------------------------------- numbers

MAX_NUMBER_CHARS = 40
"""Characters of a number as written, in the YAML or a CSV cell (digits, sign, dot, exponent)."""

MAX_MONEY = 2**53 - 1
"""Largest amount of pesos (or inhabitants): 9,007,199,254,740,991.

The contract's ``int64`` could hold more, but the solver computes in doubles, which hold whole
numbers exactly only up to 2**53; a fund of 2**62 passed validation and failed in the solver.
"""

MAX_INDICATOR_ABS = 1e15
"""Largest size of an indicator value; sums and inverses of values stay far from overflow."""

MIN_INDICATOR_ABS = 1e-15
"""Smallest size of a non-zero indicator value (its inverse must stay finite)."""

MAX_YAML_NUMBER_ABS = 1e6
"""Largest size of a weight, share, shift or band fraction in the YAML."""

MIN_FISCAL_YEAR = 1000
MAX_FISCAL_YEAR = 9999
"""A fiscal year has four digits (the contract's ``int32`` must hold it)."""

# --------------------------------------------------------------------------------- sweeps

MAX_SWEEP_SAMPLES = 100_000
"""Samples of one sensitivity sweep (``fsf sweep``, the ``Sweep`` call): Monte Carlo draws,
one-at-a-time steps or grid points. The plans of every sample are gathered in one process,
8 bytes a cell: 100,000 samples of 32 states x 9 programas are about 230 MB."""

MAX_SWEEP_CELLS = 50_000_000
"""Samples times cells of the plan (about 400 MB of plans): fasp-2026, 32 states x its 26 leaf
programas, may run up to 60,096 samples."""

# ------------------------------------------------------------------------------- messages

MAX_PROBLEMS = 100
"""Problems listed (in the CLI output and in any returned list); then "and K more"."""

MAX_MESSAGE_CHARS = 1_000
"""Characters of one problem's location or message; longer ones are cut (a safety net)."""

MAX_ECHO_CHARS = 60
"""Characters of a value a message quotes before cutting it with an ellipsis."""


def shorten(text: str, limit: int = MAX_ECHO_CHARS) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis and its length, for quoting."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(text):,} characters)"
