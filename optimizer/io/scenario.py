"""Scenario files (one YAML plus CSV tables) -> :class:`~optimizer.domain.Scenario`.

One loader reads through a :class:`~optimizer.io.files.FileSource`, so files on disk and files
uploaded to the service go through the same code. The loader checks what only the files can tell
(types, encodings, headers, cells, codes); :mod:`optimizer.checks` checks the meaning afterwards.
Every problem is collected before anything is raised, so a planner fixes a file in one pass.
"""

from __future__ import annotations

import datetime
import difflib
import logging
import math
import os
import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TypeVar

from optimizer.checks import cap_problems, more_problems
from optimizer.cofinancing import DEFAULT_RATE
from optimizer.domain import (
    ALL_REGIONS,
    DEFAULT_MONTHS,
    Axis,
    Band,
    CalendarSpec,
    CellMinimum,
    CriteriaCategory,
    Criterion,
    DerivedIndicator,
    DerivedOp,
    Direction,
    Fund,
    Guaranteed,
    Municipality,
    MunicipalSpec,
    Normalisation,
    Objective,
    Proposal,
    Region,
    RegionBound,
    ReportInfo,
    Rules,
    Scenario,
    ShiftMethod,
)
from optimizer.errors import Message, Problem, ScenarioError, problem, text_of, tr
from optimizer.io.files import (
    DirectorySource,
    FileProblem,
    FileSource,
    MemorySource,
    normalise_name,
)
from optimizer.io.tables import Table, TableError, parse_number, parse_table, parse_whole
from optimizer.io.text import TextError, decode_text
from optimizer.io.yamldoc import YamlDoc, YamlError, key_of, parse_yaml
from optimizer.limits import (
    MAX_AXES,
    MAX_CRITERIA_DEPTH,
    MAX_CSV_BYTES,
    MAX_DERIVED_INPUTS,
    MAX_FISCAL_YEAR,
    MAX_MONTHS,
    MAX_MUNICIPALITIES,
    MAX_NUMBER_CHARS,
    MAX_PROBLEMS,
    MAX_REGIONS,
    MAX_SCENARIO_BYTES,
    MAX_TABLES,
    MAX_TREE_DEPTH,
    MAX_TREE_NODES,
    MAX_YAML_BYTES,
    MAX_YAML_NUMBER_ABS,
    MIN_FISCAL_YEAR,
    shorten,
)
from optimizer.municipal import DEFAULT_SHARE

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
DEFAULT_MAIN = "scenario.yaml"

_E = TypeVar("_E", bound=StrEnum)

_TOP_KEYS = (
    "format_version",
    "name",
    "description",
    "fund",
    "regions",
    "indicators",
    "criteria",
    "base_amount",
    "axes",
    "rules",
    "objective",
    "proposals",
    "cofinancing",
    "calendar",
    "municipalities",
    "guaranteed",
    "report",
)
_REPORT_KEYS = ("title", "issuing_unit", "legal_basis", "date", "assumptions")
_FUND_KEYS = ("name", "fiscal_year", "total", "currency", "rounding_unit")
_REGION_KEYS = ("file", "code", "name", "previous_allocation", "population")
_INDICATOR_KEYS = ("file", "code", "columns")
_DERIVED_KEYS = ("name", "op", "of", "scale", "floor", "method", "label_es", "label_en")
_CATEGORY_KEYS = ("category", "weight", "base_weight", "label_es", "label_en", "criteria")
_GUARANTEED_KEYS = ("column", "previous_factor")
_CRITERION_KEYS = (
    "indicator",
    "weight",
    "direction",
    "normalisation",
    "shift",
    "label_es",
    "label_en",
)
_AXIS_KEYS = (
    "id",
    "name_es",
    "name_en",
    "share",
    "share_min",
    "share_max",
    "target_share",
    "criteria",
    "base_weight",
    "level",
    "children",
)
_PROPOSAL_KEYS = ("file", "code", "axis", "amount", "share")
_MUNICIPAL_KEYS = (
    "share",
    "file",
    "code",
    "state",
    "name",
    "population",
    "criteria",
    "base_weight",
    "floor",
)
_RULE_KEYS = ("band", "region_floors", "region_caps", "absorption_caps", "cell_minimums")
_BOUND_KEYS = ("region", "amount", "share")
_CELL_KEYS = ("axis", "region", "amount", "share")
_BOUND_FILE_KEYS = ("file", "code", "amount", "share")
_CELL_FILE_KEYS = ("file", "code", "axis", "amount", "share")
_FLOAT_CODE = re.compile(r"^\d+\.0+$")

_MISSING = object()


def _type_name(value: object) -> str | Message:
    if isinstance(value, dict):
        return tr("a mapping")
    if isinstance(value, list):
        return tr("a list")
    if isinstance(value, bool):
        return tr("the boolean {value}", value=value)
    if isinstance(value, str):
        return tr("the text '{value}'", value=shorten(value))
    return shorten(f"{value!r}")


def _list_names(names: tuple[str, ...] | list[str], shown: int = 20) -> str | Message:
    listed = ", ".join(shorten(n) for n in names[:shown])
    if len(names) <= shown:
        return listed
    return tr("{names} and {n} more", names=listed, n=f"{len(names) - shown:,}")


def _join(parent: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{parent}[{key}]"
    return f"{parent}.{key}" if parent else key


def _check_bytes(name: str, data: bytes, limit: int) -> None:
    if len(data) > limit:
        message = tr(
            "file '{name}' is too large ({n_data} bytes or more): at most {limit} bytes ({amount} MiB) are read",
            name=name,
            n_data=f"{len(data):,}",
            limit=f"{limit:,}",
            amount=limit // (1024 * 1024),
        )
        raise FileProblem(message)


def lost_zero(code: str, width: int) -> str | None:
    """The code a number-formatted cell stood for (``9`` -> ``09``), or None when it looks fine."""
    if _FLOAT_CODE.match(code):
        code = code.split(".", 1)[0]
        return code.zfill(width)
    if code.isdigit() and len(code) < width:
        return code.zfill(width)
    return None


@dataclass
class _IndicatorFile:
    """Where one ``indicators`` entry's table and options come from."""

    path: str
    name: str
    code: str
    columns: list[str] | None


@dataclass
class _BoundFile:
    """A rule list read from a CSV (``{file, code, amount | share}``)."""

    path: str
    family: str
    name: str
    code: str
    amount: str | None
    share: str | None
    axis: str | None = None


@dataclass
class _RegionRow:
    code: str
    name: str
    number: int
    previous: int | None = None
    population: int | None = None
    indicators: dict[str, float] = field(default_factory=dict)


@dataclass
class _Column:
    """Raw cells of one indicator column, by region code, with where they came from."""

    table: Table
    strict: bool
    cells: dict[str, tuple[int, str]]


class _Loader:
    """Collects problems while turning a YAML document and its tables into a Scenario."""

    def __init__(self, source: FileSource, main: str) -> None:
        self.source = source
        self.main = main
        self.base = ""
        self.problems: list[Problem] = []
        self.omitted = 0
        self.tables_read = 0
        self.bytes_read = 0
        self.locations: dict[str, str] = {}
        self.doc = YamlDoc(name=main, data=None)
        self.tables_ok = True
        self.code_width = 2
        self.indicator_files: list[_IndicatorFile] = []
        self.bound_files: list[_BoundFile] = []
        self.used_indicators: set[str] = set()
        self.node_paths: dict[str, str] = {}
        self.proposal_spec: Mapping[str, object] | None = None
        self.municipal_spec: Mapping[str, object] | None = None
        self.derived: list[DerivedIndicator] = []
        self.categories: list[CriteriaCategory] = []
        self.guaranteed_column = ""
        self.guaranteed_factor: float | None = None
        self.guaranteed_amounts: dict[str, int] = {}
        self.sources: dict[str, _Column] = {}

    # ---------------------------------------------------------------- problems and values

    def error(self, path: str, message: str | Message, location: str | None = None) -> None:
        """Record a problem at a YAML path (or at an explicit CSV location)."""
        if len(self.problems) >= MAX_PROBLEMS:
            # Counted, not kept: a table of bad rows must not grow an unbounded list.
            self.omitted += 1
            return
        where = location if location is not None else self.doc.where(path)
        self.problems.append(problem(where, message, key_of(path)))

    def listed(self) -> list[Problem]:
        """The problems kept, then "and K more" when some were only counted."""
        more = [more_problems(self.omitted)] if self.omitted else []
        return cap_problems([*self.problems, *more])

    def mapping(self, value: object, path: str, required: bool = False) -> dict[str, object]:
        """``value`` as a mapping; ``{}`` (with a problem unless absent and optional) otherwise."""
        if value is None or value is _MISSING:
            if required:
                self.error(path, tr("is required: give a mapping of keys here"))
            return {}
        if not isinstance(value, dict):
            self.error(
                path, tr("must be a mapping of keys, not {type_name}", type_name=_type_name(value))
            )
            return {}
        return {str(k): v for k, v in value.items()}

    def keys(
        self,
        m: Mapping[str, object],
        path: str,
        allowed: tuple[str, ...],
        required: tuple[str, ...] = (),
    ) -> None:
        """Report unknown keys (with a likely intended one) and missing required keys."""
        for key in m:
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1)
                hint = tr("; did you mean '{name}'?", name=close[0]) if close else ""
                message = tr(
                    "unknown key '{key}'{hint} (allowed: {join})",
                    key=shorten(key),
                    hint=hint,
                    join=", ".join(allowed),
                )
                self.error(_join(path, key), message)
        for key in required:
            if key not in m or m[key] is None:
                where = path or tr("the top level")
                self.error(
                    _join(path, key),
                    tr("missing required key '{key}' in {where}", key=key, where=where),
                )

    def text(self, m: Mapping[str, object], key: str, path: str, default: str = "") -> str:
        """A scalar as text exactly as written (``09`` stays ``09``)."""
        value = m.get(key)
        full = _join(path, key)
        if value is None:
            return default
        if isinstance(value, dict | list):
            self.error(
                full, tr("must be a single value, not {type_name}", type_name=_type_name(value))
            )
            return default
        raw = self.doc.raw.get(full)
        return (raw if raw is not None else str(value)).strip()

    def integer(self, m: Mapping[str, object], key: str, path: str) -> int | None:
        """A whole number (year, version)."""
        value = m.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(
                _join(path, key),
                tr("must be a whole number, not {type_name}", type_name=_type_name(value)),
            )
            return None
        return value

    def money(
        self, m: Mapping[str, object], key: str, path: str, default: int | None = None
    ) -> int | None:
        """Whole non-negative pesos."""
        value = m.get(key)
        if value is None:
            return default
        if isinstance(value, dict | list):
            self.error(
                _join(path, key),
                tr("must be whole pesos, not {type_name}", type_name=_type_name(value)),
            )
            return default
        amount, why = parse_whole(value)
        if amount is None:
            self.error(_join(path, key), why)
            return default
        return amount

    def number(
        self, m: Mapping[str, object], key: str, path: str, default: float | None = None
    ) -> float | None:
        """A finite number (weight, share); YAML's ``1e-9`` arrives as text and is accepted."""
        value = m.get(key)
        if value is None:
            return default
        full = _join(path, key)
        if isinstance(value, bool | dict | list):
            self.error(full, tr("must be a number, not {type_name}", type_name=_type_name(value)))
            return default
        if isinstance(value, int | float):
            number = float(value)
        else:
            text = str(value).strip()
            if len(text) > MAX_NUMBER_CHARS:
                message = tr(
                    "must be a number of at most {MAX_NUMBER_CHARS} characters, not {type_name}",
                    MAX_NUMBER_CHARS=MAX_NUMBER_CHARS,
                    type_name=_type_name(value),
                )
                self.error(full, message)
                return default
            try:
                number = float(text)
            except ValueError:
                self.error(
                    full, tr("must be a number, not {type_name}", type_name=_type_name(value))
                )
                return default
        if not math.isfinite(number):
            self.error(full, tr("must be a finite number, not {value}", value=shorten(str(value))))
            return default
        if abs(number) > MAX_YAML_NUMBER_ABS:
            message = tr(
                "{value} is out of range: weights, shares, shifts and band fractions lie within +-{MAX_YAML_NUMBER_ABS}",
                value=shorten(str(value)),
                MAX_YAML_NUMBER_ABS=f"{MAX_YAML_NUMBER_ABS:,.0f}",
            )
            self.error(full, message)
            return default
        return number

    def choice(
        self, m: Mapping[str, object], key: str, path: str, kind: type[_E], default: _E
    ) -> _E:
        """One of an enum's values."""
        value = m.get(key)
        if value is None:
            return default
        allowed = [item.value for item in kind]
        if isinstance(value, str) and value.strip() in allowed:
            return kind(value.strip())
        message = tr(
            "must be one of {join}, not {type_name}",
            join=", ".join(allowed),
            type_name=_type_name(value),
        )
        self.error(_join(path, key), message)
        return default

    def items(self, value: object, path: str) -> list[tuple[str, dict[str, object]]]:
        """The mappings of a list, with their paths; other items are reported."""
        if value is None:
            return []
        if not isinstance(value, list):
            self.error(path, tr("must be a list, not {type_name}", type_name=_type_name(value)))
            return []
        out = []
        for position, item in enumerate(value):
            item_path = _join(path, position)
            if isinstance(item, dict):
                out.append((item_path, {str(k): v for k, v in item.items()}))
            else:
                self.error(
                    item_path,
                    tr("must be a mapping of keys, not {type_name}", type_name=_type_name(item)),
                )
        return out

    # ---------------------------------------------------------------- reading files

    def read_text(self, name: str, path: str, limit: int = MAX_CSV_BYTES) -> tuple[str, str] | None:
        """Text of a file named in the YAML at ``path``; problems are located at that key."""
        try:
            resolved = normalise_name(name, self.base)
            # Each file is bounded, and so is their number and sum: one 32 MiB table named a
            # hundred times would otherwise be read and parsed a hundred times.
            self.tables_read += 1
            if self.tables_read > MAX_TABLES:
                message = tr(
                    "the scenario names more than {MAX_TABLES} CSV files: join some tables",
                    MAX_TABLES=MAX_TABLES,
                )
                raise FileProblem(message)
            data = self.source.read(resolved)
            _check_bytes(resolved, data, limit)
            self.bytes_read += len(data)
            if self.bytes_read > MAX_SCENARIO_BYTES:
                message = tr(
                    "the scenario's CSV files add up to more than {MAX_SCENARIO_BYTES} bytes ({amount} MiB) with '{resolved}', counting a file each time it is named",
                    MAX_SCENARIO_BYTES=f"{MAX_SCENARIO_BYTES:,}",
                    amount=MAX_SCENARIO_BYTES // (1024 * 1024),
                    resolved=resolved,
                )
                raise FileProblem(message)
            text, _ = decode_text(data)
        except FileProblem as exc:
            self.error(path, text_of(exc))
            return None
        except TextError as exc:
            self.error(path, text_of(exc), location=name)
            return None
        return resolved, text

    def read_table(self, name: str, path: str) -> Table | None:
        """A CSV table named in the YAML at ``path``."""
        label = posixpath.normpath(name.strip().replace("\\", "/")) if name.strip() else name
        got = self.read_text(name, path)
        if got is None:
            self.tables_ok = False
            return None
        try:
            return parse_table(label, got[1])
        except TableError as exc:
            self.error(path, text_of(exc), location=f"{label} row {exc.row}")
            self.tables_ok = False
            return None

    def require_columns(self, table: Table, wanted: list[tuple[str, str]]) -> bool:
        """Every ``(column, yaml path naming it)`` is in the table's header."""
        ok = True
        for column, path in wanted:
            if column and column not in table.columns:
                close = difflib.get_close_matches(column, table.columns, n=1)
                hint = tr("; did you mean '{name}'?", name=close[0]) if close else ""
                message = tr(
                    "column '{column}' (named by {path}) is not in the header{hint} (columns: {list_names})",
                    column=column,
                    path=path,
                    hint=hint,
                    list_names=_list_names(table.columns),
                )
                self.error(path, message, location=table.where(1))
                ok = False
        if not ok:
            self.tables_ok = False
        return ok

    def read_codes(self, table: Table, column: str, path: str) -> list[tuple[int, str]]:
        """Row numbers and codes of a code column; empty, duplicate and zero-less codes reported."""
        out: list[tuple[int, str]] = []
        first: dict[str, int] = {}
        for number, code in zip(table.numbers, table.column(column), strict=True):
            where = table.where(number, column)
            if not code:
                self.error(path, tr("missing region code: every row needs one"), where)
                self.tables_ok = False
                continue
            fixed = lost_zero(code, self.code_width)
            if fixed is not None:
                message = tr(
                    "region code '{code}' lost its leading zero: write '{fixed}' (format the column as text in the spreadsheet)",
                    code=shorten(code),
                    fixed=fixed,
                )
                self.error(path, message, where)
                self.tables_ok = False
                continue
            if code in first:
                message = tr(
                    "duplicate region code '{code}' (also on row {first})",
                    code=shorten(code),
                    first=first[code],
                )
                self.error(path, message, where)
                self.tables_ok = False
                continue
            first[code] = number
            out.append((number, code))
        return out

    # ---------------------------------------------------------------- YAML sections

    def parse_report(self, value: object) -> ReportInfo:
        """The optional ``report`` section: how the report is headed (texts, an ISO date)."""
        m = self.mapping(value, "report")
        self.keys(m, "report", _REPORT_KEYS)
        date = self.text(m, "date", "report")
        if date:
            try:
                datetime.date.fromisoformat(date)
            except ValueError:
                self.error(
                    "report.date",
                    tr("'{value}' is not a date: write it as 2026-12-02", value=shorten(date)),
                )
                date = ""
        assumptions: list[str] = []
        listed = m.get("assumptions")
        if listed is not None and not isinstance(listed, list):
            self.error(
                "report.assumptions",
                tr("must be a list of texts, not {type_name}", type_name=_type_name(listed)),
            )
        elif isinstance(listed, list):
            for i, item in enumerate(listed):
                if isinstance(item, dict | list) or item is None:
                    self.error(
                        f"report.assumptions[{i}]",
                        tr("must be a text, not {type_name}", type_name=_type_name(item)),
                    )
                else:
                    assumptions.append(str(item).strip())
        return ReportInfo(
            title=self.text(m, "title", "report"),
            issuing_unit=self.text(m, "issuing_unit", "report"),
            legal_basis=self.text(m, "legal_basis", "report"),
            date=date,
            assumptions=tuple(assumptions),
        )

    def parse_fund(self, top: Mapping[str, object]) -> Fund | None:
        m = self.mapping(top.get("fund"), "fund")
        if not m:
            return None
        self.keys(m, "fund", _FUND_KEYS, ("name", "fiscal_year", "total"))
        name = self.text(m, "name", "fund")
        year = self.integer(m, "fiscal_year", "fund")
        if year is not None and not MIN_FISCAL_YEAR <= year <= MAX_FISCAL_YEAR:
            message = tr("fiscal year {year} is not a year of four digits", year=shorten(str(year)))
            self.error("fund.fiscal_year", message)
            year = None
        total = self.money(m, "total", "fund")
        currency = self.text(m, "currency", "fund", "MXN")
        unit = self.money(m, "rounding_unit", "fund", 1)
        if not name or year is None or total is None or unit is None:
            return None
        return Fund(name=name, fiscal_year=year, total=total, currency=currency, rounding_unit=unit)

    def parse_criteria_tree(self, value: object, path: str) -> list[Criterion]:
        """The fund's criteria, categories flattened: leaves in file order, categories listed.

        A criterion's ``weight`` stays the weight within its parent; :mod:`optimizer.formula`
        multiplies along the path. Each leaf gets the location keys ``criteria/<i>/...`` of its
        place in the flattened list, each category ``criteria/categories/<k>/...``.
        """
        out: list[Criterion] = []

        def walk(value: object, path: str, parent: str, depth: int) -> None:
            for item_path, m in self.items(value, path):
                if "category" not in m:
                    for criterion in self.parse_criteria([m], path, parent, item_path):
                        i = len(out)
                        self.locations[f"criteria/{i}"] = self.doc.where(item_path)
                        for key in _CRITERION_KEYS:
                            where = self.doc.where(_join(item_path, key))
                            self.locations[f"criteria/{i}/{key}"] = where
                        out.append(criterion)
                    continue
                if depth >= MAX_CRITERIA_DEPTH:
                    message = tr(
                        "a category at level {depth} would hold criteria at level {amount}: criteria nest at most {MAX_CRITERIA_DEPTH} levels (docs/limits.md)",
                        depth=depth,
                        amount=depth + 1,
                        MAX_CRITERIA_DEPTH=MAX_CRITERIA_DEPTH,
                    )
                    self.error(item_path, message)
                    continue
                self.keys(m, item_path, _CATEGORY_KEYS, ("category", "weight", "criteria"))
                category = self.text(m, "category", item_path)
                weight = self.number(m, "weight", item_path)
                base = self.number(m, "base_weight", item_path, 0.0)
                if category and weight is not None and base is not None:
                    k = len(self.categories)
                    self.locations[f"criteria/categories/{k}"] = self.doc.where(item_path)
                    for key in ("weight", "base_weight", "criteria"):
                        where = self.doc.where(_join(item_path, key))
                        self.locations[f"criteria/categories/{k}/{key}"] = where
                    self.categories.append(
                        CriteriaCategory(
                            id=category,
                            weight=weight,
                            parent=parent,
                            base_weight=base,
                            label_es=self.text(m, "label_es", item_path),
                            label_en=self.text(m, "label_en", item_path),
                        )
                    )
                walk(m.get("criteria"), _join(item_path, "criteria"), category, depth + 1)

        walk(value, path, "", 1)
        return out

    def parse_criteria(
        self, value: object, path: str, category: str = "", given: str = ""
    ) -> list[Criterion]:
        out = []
        for position, m in self.items(value, path):
            item_path = given or position
            if "category" in m:
                message = tr(
                    "categories group the fund's criteria only: list this axis' criteria flat"
                )
                self.error(item_path, message)
                continue
            self.keys(m, item_path, _CRITERION_KEYS, ("indicator", "weight"))
            indicator = self.text(m, "indicator", item_path)
            weight = self.number(m, "weight", item_path)
            direction = self.choice(
                m, "direction", item_path, Direction, Direction.HIGHER_NEEDS_MORE
            )
            normalisation = self.choice(
                m, "normalisation", item_path, Normalisation, Normalisation.SHARE
            )
            shift = self.number(m, "shift", item_path)
            if indicator:
                # Even a criterion with a bad weight uses its column: check the cells too.
                self.used_indicators.add(indicator)
            if not indicator or weight is None:
                continue
            out.append(
                Criterion(
                    indicator=indicator,
                    weight=weight,
                    direction=direction,
                    normalisation=normalisation,
                    shift=shift,
                    label_es=self.text(m, "label_es", item_path),
                    label_en=self.text(m, "label_en", item_path),
                    category=category,
                )
            )
        return out

    def parse_axes(self, value: object) -> tuple[list[Axis], list[Axis]]:
        """The leaves (``axes``) and the inner nodes (``axis_groups``) of the programa tree.

        A node with ``children`` is an inner node; its children name it as their parent. Flat
        lists are the one-level tree.
        """
        leaves: list[Axis] = []
        groups: list[Axis] = []
        if isinstance(value, list) and len(value) > MAX_AXES:
            message = tr(
                "lists {n_value} axes: a scenario may have at most {MAX_AXES}",
                n_value=f"{len(value):,}",
                MAX_AXES=f"{MAX_AXES:,}",
            )
            self.error("axes", message)
            return leaves, groups
        self._parse_nodes(value, "axes", "", leaves, groups, 1)
        return leaves, groups

    def _parse_nodes(
        self,
        value: object,
        path: str,
        parent: str,
        leaves: list[Axis],
        groups: list[Axis],
        depth: int,
    ) -> None:
        if depth > MAX_TREE_DEPTH:
            message = tr(
                "the programa tree is deeper than {MAX_TREE_DEPTH} levels",
                MAX_TREE_DEPTH=MAX_TREE_DEPTH,
            )
            self.error(path, message)
            return
        for item_path, m in self.items(value, path):
            if len(leaves) + len(groups) >= MAX_TREE_NODES:
                message = tr(
                    "the programa tree has more than {MAX_TREE_NODES} nodes",
                    MAX_TREE_NODES=MAX_TREE_NODES,
                )
                self.error(item_path, message)
                return
            self.keys(m, item_path, _AXIS_KEYS, ("id",))
            axis_id = self.text(m, "id", item_path)
            criteria = self.parse_criteria(m.get("criteria"), _join(item_path, "criteria"))
            if not axis_id:
                continue
            children = m.get("children")
            axis = Axis(
                id=axis_id,
                name_es=self.text(m, "name_es", item_path, axis_id),
                name_en=self.text(m, "name_en", item_path),
                share=self.number(m, "share", item_path),
                share_min=self.number(m, "share_min", item_path),
                share_max=self.number(m, "share_max", item_path),
                target_share=self.number(m, "target_share", item_path),
                criteria=tuple(criteria),
                base_weight=self.number(m, "base_weight", item_path),
                parent=parent,
                level=self.text(m, "level", item_path),
            )
            if children is None:
                self.node_paths.setdefault(f"axes/{len(leaves)}", item_path)
                leaves.append(axis)
                continue
            self.node_paths.setdefault(f"axis_groups/{len(groups)}", item_path)
            groups.append(axis)
            child_path = _join(item_path, "children")
            if isinstance(children, list) and not children:
                self.error(child_path, tr("is empty: give the children, or remove the key"))
            self._parse_nodes(children, child_path, axis_id, leaves, groups, depth + 1)

    def parse_proposals(self, value: object) -> None:
        """``proposals: {file, code, axis, amount | share}``: one line per state and programa."""
        if value is None:
            return
        m = self.mapping(value, "proposals")
        if not m:
            return
        self.keys(m, "proposals", _PROPOSAL_KEYS, ("file", "code", "axis"))
        amount = self.text(m, "amount", "proposals") or None
        share = self.text(m, "share", "proposals") or None
        if (amount is None) == (share is None):
            self.error("proposals", tr("name exactly one column: amount (pesos) or share"))
            return
        self.proposal_spec = m

    def load_proposals(self) -> list[Proposal]:
        m = self.proposal_spec
        if m is None:
            return []
        table = self.read_table(self.text(m, "file", "proposals"), "proposals.file")
        if table is None:
            return []
        code = self.text(m, "code", "proposals")
        axis = self.text(m, "axis", "proposals")
        column = self.text(m, "amount", "proposals") or self.text(m, "share", "proposals")
        wanted = [
            (code, "proposals.code"),
            (axis, "proposals.axis"),
            (column, "proposals.amount" if "amount" in m else "proposals.share"),
        ]
        if not self.require_columns(table, wanted):
            return []
        axis_at = table.columns.index(axis)
        value_at = table.columns.index(column)
        code_at = table.columns.index(code)
        out: list[Proposal] = []
        for number in table.numbers:
            row = table.row(number)
            cell = row[value_at]
            key = f"proposals/{len(out)}"
            if "amount" in m:
                amount, why = parse_whole(cell)
                if amount is None:
                    self.error("proposals", why, table.where(number, column))
                    continue
                line = Proposal(row[code_at], row[axis_at], amount=amount)
            else:
                share, why = parse_number(cell)
                if share is None:
                    self.error("proposals", why, table.where(number, column))
                    continue
                line = Proposal(row[code_at], row[axis_at], share=share)
            self.locations[key] = table.where(number)
            self.locations[f"{key}/region"] = table.where(number, code)
            self.locations[f"{key}/axis"] = table.where(number, axis)
            self.locations[f"{key}/share"] = table.where(number, column)
            out.append(line)
        return out

    def parse_cofinancing(self, value: object) -> float | None:
        if value is None:
            return None
        m = self.mapping(value, "cofinancing")
        self.keys(m, "cofinancing", ("rate",))
        return self.number(m, "rate", "cofinancing", DEFAULT_RATE)

    def parse_calendar(self, value: object) -> CalendarSpec | None:
        if value is None:
            return None
        m = self.mapping(value, "calendar")
        self.keys(m, "calendar", ("months", "weights"))
        months_value = m.get("months")
        months: tuple[str, ...] = DEFAULT_MONTHS
        if months_value is not None:
            if not isinstance(months_value, list) or len(months_value) > MAX_MONTHS:
                self.error(
                    "calendar.months",
                    tr("must be a list of 1 to {MAX_MONTHS} month names", MAX_MONTHS=MAX_MONTHS),
                )
                return None
            months = tuple(shorten(str(x)) for x in months_value)
        weights_value = m.get("weights")
        if weights_value is None:
            weights = tuple(1.0 / len(months) for _ in months) if months else ()
            # Equal weights as exact fractions of the fund: 1/10 each for ten months.
            return CalendarSpec(months, weights)
        if not isinstance(weights_value, list) or len(weights_value) > MAX_MONTHS:
            self.error(
                "calendar.weights",
                tr("must be a list of at most {MAX_MONTHS} numbers", MAX_MONTHS=MAX_MONTHS),
            )
            return None
        weights_list = []
        items = {str(i): w for i, w in enumerate(weights_value)}
        for i in range(len(weights_value)):
            w = self.number(items, str(i), "calendar.weights")
            if w is None:
                return None
            weights_list.append(w)
        return CalendarSpec(months, tuple(weights_list))

    def parse_municipal(self, value: object) -> None:
        if value is None:
            return
        m = self.mapping(value, "municipalities")
        self.keys(m, "municipalities", _MUNICIPAL_KEYS)
        self.municipal_spec = m

    def load_municipal(self) -> MunicipalSpec | None:
        m = self.municipal_spec
        if m is None:
            return None
        path = "municipalities"
        share = self.number(m, "share", path, DEFAULT_SHARE)
        criteria = self.parse_criteria(m.get("criteria"), _join(path, "criteria"))
        base_weight = self.number(m, "base_weight", path, 0.0)
        floor = self.money(m, "floor", path)
        rows: list[Municipality] = []
        name = self.text(m, "file", path)
        if name:
            rows = self.load_municipalities(m, name)
        return MunicipalSpec(
            share=share if share is not None else DEFAULT_SHARE,
            municipalities=tuple(rows),
            criteria=tuple(criteria),
            base_weight=base_weight or 0.0,
            floor=floor,
        )

    def load_municipalities(self, m: Mapping[str, object], name: str) -> list[Municipality]:
        path = "municipalities"
        table = self.read_table(name, _join(path, "file"))
        if table is None:
            return []
        columns = {k: self.text(m, k, path) for k in ("code", "state", "name", "population")}
        wanted = [(columns[k], _join(path, k)) for k in ("code", "state", "name")]
        if columns["population"]:
            wanted.append((columns["population"], _join(path, "population")))
        if not all(c for c, _ in wanted):
            self.error(path, tr("name the code, state and name columns of the municipal table"))
            return []
        if not self.require_columns(table, wanted):
            return []
        at = {k: table.columns.index(c) for k, c in columns.items() if c}
        numeric = [
            (i, c)
            for i, c in enumerate(table.columns)
            if c not in {columns["code"], columns["state"], columns["name"]}
        ]
        if len(table.rows) > MAX_MUNICIPALITIES:
            message = tr(
                "{n_rows} municipalities: at most {MAX_MUNICIPALITIES} are allowed",
                n_rows=f"{len(table.rows):,}",
                MAX_MUNICIPALITIES=f"{MAX_MUNICIPALITIES:,}",
            )
            self.error(path, message)
            return []
        out = []
        for number in table.numbers:
            row = table.row(number)
            indicators: dict[str, float] = {}
            for i, c in numeric:
                value, _ = parse_number(row[i])
                if value is not None:
                    indicators[c] = value
            population = None
            if "population" in at:
                population, why = parse_whole(row[at["population"]])
                if population is None:
                    self.error(path, why, table.where(number, columns["population"]))
                    continue
            code = row[at["code"]]
            self.locations[f"municipalities/{code}"] = table.where(number)
            self.locations[f"municipalities/{code}/region"] = table.where(number, columns["state"])
            out.append(
                Municipality(code, row[at["state"]], row[at["name"]], indicators, population)
            )
        return out

    def parse_band(self, value: object) -> Band | None:
        if value is None:
            return None
        m = self.mapping(value, "rules.band")
        if not m and isinstance(value, dict):
            self.error("rules.band", tr("is empty: give lower and/or upper, or remove the band"))
            return None
        if not m:
            return None
        self.keys(m, "rules.band", ("lower", "upper"))
        # An absent key takes the documented default; an explicit null switches that side off.
        lower = self.number(m, "lower", "rules.band") if "lower" in m else 0.0
        upper = self.number(m, "upper", "rules.band")
        return Band(lower=lower, upper=upper)

    def parse_bound_file(self, m: Mapping[str, object], path: str, family: str) -> None:
        cells = family == "cell_minimums"
        allowed = _CELL_FILE_KEYS if cells else _BOUND_FILE_KEYS
        required = ("file", "code", "axis") if cells else ("file", "code")
        self.keys(m, path, allowed, required)
        amount = self.text(m, "amount", path) or None
        share = self.text(m, "share", path) or None
        if (amount is None) == (share is None):
            message = tr("name exactly one column: amount (pesos) or share (of the fund)")
            self.error(path, message)
        name = self.text(m, "file", path)
        code = self.text(m, "code", path)
        axis = self.text(m, "axis", path) or None
        if name and code:
            self.bound_files.append(_BoundFile(path, family, name, code, amount, share, axis))

    def parse_bounds(self, rules: Mapping[str, object], family: str) -> list[RegionBound]:
        path = _join("rules", family)
        value = rules.get(family)
        if isinstance(value, dict):
            self.parse_bound_file({str(k): v for k, v in value.items()}, path, family)
            return []
        out = []
        for item_path, m in self.items(value, path):
            self.keys(m, item_path, _BOUND_KEYS, ("region",))
            region = self.text(m, "region", item_path)
            amount = self.money(m, "amount", item_path)
            share = self.number(m, "share", item_path)
            out.append(RegionBound(region=region, amount=amount, share=share))
        return out

    def parse_cells(self, rules: Mapping[str, object]) -> list[CellMinimum]:
        path = "rules.cell_minimums"
        value = rules.get("cell_minimums")
        if isinstance(value, dict):
            self.parse_bound_file({str(k): v for k, v in value.items()}, path, "cell_minimums")
            return []
        out = []
        for item_path, m in self.items(value, path):
            self.keys(m, item_path, _CELL_KEYS, ("axis",))
            axis = self.text(m, "axis", item_path)
            region = self.text(m, "region", item_path, ALL_REGIONS)
            amount = self.money(m, "amount", item_path)
            share = self.number(m, "share", item_path)
            out.append(CellMinimum(axis=axis, region=region, amount=amount, share=share))
        return out

    # ---------------------------------------------------------------- tables

    def load_regions(self, spec: Mapping[str, object]) -> tuple[list[_RegionRow], Table | None]:
        name = self.text(spec, "file", "regions")
        code_col = self.text(spec, "code", "regions")
        name_col = self.text(spec, "name", "regions")
        prev_col = self.text(spec, "previous_allocation", "regions")
        pop_col = self.text(spec, "population", "regions")
        if not name:
            self.tables_ok = False
            return [], None
        table = self.read_table(name, "regions.file")
        if table is None:
            return [], None
        wanted = [
            (code_col, "regions.code"),
            (name_col, "regions.name"),
            (prev_col, "regions.previous_allocation"),
            (pop_col, "regions.population"),
        ]
        if not code_col or not name_col or not self.require_columns(table, wanted):
            self.tables_ok = False
            return [], table
        if len(table.rows) > MAX_REGIONS:
            message = tr(
                "the regions file has {n_rows} rows: a scenario may have at most {MAX_REGIONS} regions",
                n_rows=f"{len(table.rows):,}",
                MAX_REGIONS=f"{MAX_REGIONS:,}",
            )
            self.error("regions.file", message, table.where(MAX_REGIONS + 2))
            self.tables_ok = False
            return [], table
        digit_codes = [c for c in table.column(code_col) if c.isdigit()]
        self.code_width = max([2, *(len(c) for c in digit_codes)])
        rows: list[_RegionRow] = []
        for number, code in self.read_codes(table, code_col, "regions.code"):
            cells = dict(zip(table.columns, table.row(number), strict=True))
            region = _RegionRow(code=code, name=cells[name_col], number=number)
            if not region.name:
                where = table.where(number, name_col)
                self.error("regions.name", tr("missing region name"), where)
            if prev_col:
                region.previous = self.cell_whole(
                    table, number, prev_col, cells[prev_col], key=f"{code}.previous"
                )
            if pop_col:
                region.population = self.cell_whole(
                    table,
                    number,
                    pop_col,
                    cells[pop_col],
                    key=f"{code}.population",
                    what="inhabitants",
                )
            rows.append(region)
        if not rows and table.rows == ():
            self.error("regions.file", tr("the table has a header but no regions"), table.where(1))
            self.tables_ok = False
        return rows, table

    def cell_whole(
        self, table: Table, number: int, column: str, cell: str, *, key: str, what: str = "pesos"
    ) -> int | None:
        """A whole-number cell; empty means "not given" (checks decide whether it is needed)."""
        if not cell:
            return None
        value, why = parse_whole(cell, what)
        if value is None:
            self.error(f"regions.{key}", why, table.where(number, column))
        return value

    def parse_derived(self, m: Mapping[str, object], item_path: str) -> None:
        """A declared indicator: ``{name, op, of, scale, floor, method, label_es, label_en}``."""
        self.keys(m, item_path, _DERIVED_KEYS, ("name", "op", "of"))
        name = self.text(m, "name", item_path)
        op = self.choice(m, "op", item_path, DerivedOp, DerivedOp.RATIO)
        method = self.choice(m, "method", item_path, ShiftMethod, ShiftMethod.RANGE)
        raw = m.get("of")
        if isinstance(raw, str | int | float) and not isinstance(raw, bool):
            raw = [raw]
        inputs: list[str] = []
        if isinstance(raw, list) and len(raw) > MAX_DERIVED_INPUTS:
            message = tr(
                "lists {n_raw} columns: at most {MAX_DERIVED_INPUTS} (docs/limits.md)",
                n_raw=f"{len(raw):,}",
                MAX_DERIVED_INPUTS=MAX_DERIVED_INPUTS,
            )
            self.error(_join(item_path, "of"), message)
        elif isinstance(raw, list) and all(
            isinstance(c, str | int | float) and not isinstance(c, bool) for c in raw
        ):
            inputs = [str(c).strip() for c in raw]
        elif raw is not None:
            message = tr(
                "must be a list of column names, not {type_name}", type_name=_type_name(raw)
            )
            self.error(_join(item_path, "of"), message)
        scale = self.number(m, "scale", item_path, 1.0)
        floor = self.number(m, "floor", item_path)
        self.used_indicators.update(inputs)
        if not name or scale is None:
            return
        i = len(self.derived)
        self.locations[f"indicators/derived/{i}"] = self.doc.where(item_path)
        for key in ("name", "of", "scale", "floor"):
            self.locations[f"indicators/derived/{i}/{key}"] = self.doc.where(_join(item_path, key))
        self.derived.append(
            DerivedIndicator(
                name=name,
                op=op,
                inputs=tuple(inputs),
                scale=scale,
                floor=floor,
                method=method,
                label_es=self.text(m, "label_es", item_path),
                label_en=self.text(m, "label_en", item_path),
            )
        )

    def parse_guaranteed(self, value: object) -> None:
        """``guaranteed: {column: C}`` or ``guaranteed: {previous_factor: F}``."""
        if value is None:
            return
        m = self.mapping(value, "guaranteed")
        if not m:
            if isinstance(value, dict):
                self.error("guaranteed", tr("is empty: give column or previous_factor"))
            return
        self.keys(m, "guaranteed", _GUARANTEED_KEYS)
        column = self.text(m, "column", "guaranteed")
        factor = self.number(m, "previous_factor", "guaranteed")
        if bool(column) == (factor is not None or m.get("previous_factor") is not None):
            message = tr("give exactly one of column (pesos per region) or previous_factor")
            self.error("guaranteed", message)
            return
        self.guaranteed_column = column
        self.guaranteed_factor = factor

    def read_guaranteed(self, regions: list[_RegionRow]) -> None:
        """Whole pesos of every region from the guaranteed column, each bad cell located."""
        column = self.guaranteed_column
        source = self.sources.get(column)
        if source is None:
            known = ", ".join(sorted(self.sources)) or "none"
            message = tr(
                "column '{column}' is in no CSV table (columns: {known})",
                column=shorten(column),
                known=known,
            )
            self.error("guaranteed.column", message)
            return
        for region in regions:
            if region.code not in source.cells:
                continue
            number, cell = source.cells[region.code]
            where = source.table.where(number, column)
            self.locations[f"regions/{region.code}/guaranteed"] = where
            amount, why = parse_whole(cell)
            if amount is None:
                self.error("guaranteed.column", tr("{why} (guaranteed amount)", why=why), where)
                continue
            self.guaranteed_amounts[region.code] = amount

    def load_indicator_files(self, top: Mapping[str, object]) -> None:
        for item_path, m in self.items(top.get("indicators"), "indicators"):
            if "file" not in m and ("op" in m or "name" in m):
                self.parse_derived(m, item_path)
                continue
            self.keys(m, item_path, _INDICATOR_KEYS, ("file", "code"))
            columns_value = m.get("columns")
            columns: list[str] | None = None
            if columns_value is not None:
                if isinstance(columns_value, list) and all(
                    isinstance(c, str | int | float) and not isinstance(c, bool)
                    for c in columns_value
                ):
                    columns = [str(c).strip() for c in columns_value]
                else:
                    message = tr(
                        "must be a list of column names, not {type_name}",
                        type_name=_type_name(columns_value),
                    )
                    self.error(_join(item_path, "columns"), message)
            name = self.text(m, "file", item_path)
            code = self.text(m, "code", item_path)
            if name and code:
                self.indicator_files.append(_IndicatorFile(item_path, name, code, columns))

    def gather_columns(self, regions: list[_RegionRow], table: Table, skip: set[str]) -> None:
        """Collect indicator cells from the regions file and every indicators file."""
        known = {r.code: r for r in regions}
        sources: dict[str, _Column] = {}
        for column in table.columns:
            if column in skip:
                continue
            cells = {r.code: (r.number, table.row(r.number)) for r in regions}
            index = table.columns.index(column)
            sources[column] = _Column(
                table,
                column in self.used_indicators,
                {code: (number, row[index]) for code, (number, row) in cells.items()},
            )
        for spec in self.indicator_files:
            other = self.read_table(spec.name, _join(spec.path, "file"))
            if other is None:
                continue
            wanted = [(spec.code, _join(spec.path, "code"))]
            wanted += [(c, _join(spec.path, "columns")) for c in spec.columns or []]
            if not self.require_columns(other, wanted):
                continue
            rows = self.read_codes(other, spec.code, _join(spec.path, "code"))
            for number, code in rows:
                if known and code not in known:
                    message = tr(
                        "region code '{code}' is not in {name}: fix the code or add the region there",
                        code=shorten(code),
                        name=table.name,
                    )
                    self.error(spec.path, message, other.where(number, spec.code))
                    self.tables_ok = False
            present = {code for _, code in rows}
            missing = [r for r in regions if r.code not in present]
            if missing:
                names = ", ".join(f"{r.code} ({r.name})" for r in missing[:10])
                more = tr(" and {n} more", n=len(missing) - 10) if len(missing) > 10 else ""
                message = tr(
                    "no row for region(s) {names}{more}: every region needs a row",
                    names=names,
                    more=more,
                )
                self.error(spec.path, message, other.name)
                self.tables_ok = False
            chosen = spec.columns
            if chosen is None:
                chosen = [c for c in other.columns if c != spec.code]
            for column in chosen:
                if column in sources:
                    message = tr(
                        "column '{column}' is also read from {name}: rename one of them or leave it out with columns: [...]",
                        column=column,
                        name=sources[column].table.name,
                    )
                    self.error(_join(spec.path, "columns"), message, other.where(1, column))
                    self.tables_ok = False
                    continue
                index = other.columns.index(column)
                sources[column] = _Column(
                    other,
                    column in self.used_indicators or spec.columns is not None,
                    {code: (number, other.row(number)[index]) for number, code in rows},
                )
        self.sources = sources
        self.fill_indicators(regions, sources)

    def fill_indicators(self, regions: list[_RegionRow], sources: dict[str, _Column]) -> None:
        """Parse indicator cells: strictly where a criterion uses them, leniently elsewhere."""
        for column, source in sources.items():
            values: dict[str, float] = {}
            bad = False
            for code, (number, cell) in source.cells.items():
                value, why = parse_number(cell)
                where = source.table.where(number, column)
                self.locations[f"regions/{code}/indicators/{column}"] = where
                if value is None:
                    bad = True
                    if source.strict:
                        used = column in self.used_indicators
                        because = (
                            tr("{why} (a criterion uses this column)", why=why) if used else why
                        )
                        self.error(f"regions.{code}.indicators.{column}", because, where)
                    continue
                values[code] = value
            if bad and not source.strict:
                # A text column nobody uses (a note, an abbreviation) is simply not an indicator.
                log.debug("column %s of %s is not numeric", column, source.table.name)
                for code in source.cells:
                    self.locations.pop(f"regions/{code}/indicators/{column}", None)
                continue
            for region in regions:
                if region.code in values:
                    region.indicators[column] = values[region.code]
        declared = {d.name for d in self.derived}
        if self.tables_ok:
            for path, indicator in self.criterion_paths():
                if indicator not in sources and indicator not in declared:
                    close = difflib.get_close_matches(indicator, list(sources), n=1)
                    hint = tr("; did you mean '{name}'?", name=close[0]) if close else ""
                    message = tr(
                        "unknown indicator '{indicator}': no CSV column has that name{hint} (indicators: {value})",
                        indicator=indicator,
                        hint=hint,
                        value=", ".join(sorted(sources)) or tr("none"),
                    )
                    self.error(path, message)

    def criterion_paths(self) -> list[tuple[str, str]]:
        """``(yaml path of criterion.indicator, indicator)`` for every criterion."""
        top = self.doc.data if isinstance(self.doc.data, dict) else {}
        out = []
        lists: list[tuple[str, object]] = [("criteria", top.get("criteria"))]
        axes = top.get("axes")
        if isinstance(axes, list):
            for i, axis in enumerate(axes):
                if isinstance(axis, dict):
                    lists.append((f"axes[{i}].criteria", axis.get("criteria")))
        for path, value in lists:
            if isinstance(value, list):
                for j, item in enumerate(value):
                    if isinstance(item, dict) and item.get("indicator") is not None:
                        item_path = f"{path}[{j}].indicator"
                        out.append((item_path, self.doc.raw.get(item_path, str(item["indicator"]))))
                    elif isinstance(item, dict) and "category" in item:
                        lists.append((f"{path}[{j}].criteria", item.get("criteria")))
        return out

    def load_bound_files(self) -> tuple[dict[str, list[RegionBound]], list[CellMinimum]]:
        bounds: dict[str, list[RegionBound]] = {}
        cells: list[CellMinimum] = []
        for spec in self.bound_files:
            table = self.read_table(spec.name, _join(spec.path, "file"))
            if table is None:
                continue
            column = spec.amount or spec.share or ""
            wanted = [(spec.code, _join(spec.path, "code")), (column, _join(spec.path, "amount"))]
            if not self.require_columns(table, wanted):
                continue
            index = table.columns.index(column)
            position = 0
            for number, code in self.read_codes(table, spec.code, _join(spec.path, "code")):
                cell = table.row(number)[index]
                where = table.where(number, column)
                amount: int | None = None
                share: float | None = None
                if spec.amount:
                    amount, why = parse_whole(cell)
                else:
                    share, why = parse_number(cell)
                if amount is None and share is None:
                    self.error(spec.path, why, where)
                    continue
                key = f"rules/{spec.family}/{position}"
                self.locations[key] = where
                self.locations[f"{key}/region"] = table.where(number, spec.code)
                self.locations[f"{key}/{'amount' if spec.amount else 'share'}"] = where
                position += 1
                if spec.family == "cell_minimums":
                    cells.append(CellMinimum(spec.axis or "", code, amount, share))
                else:
                    bounds.setdefault(spec.family, []).append(RegionBound(code, amount, share))
        return bounds, cells

    # ---------------------------------------------------------------- the whole scenario

    def fail(self, location: str, message: str | Message, key: str = "") -> ScenarioError:
        self.problems.append(problem(location, message, key))
        return ScenarioError(self.listed())

    def load(self) -> Scenario:
        try:
            main = normalise_name(self.main)
        except FileProblem as exc:
            raise self.fail(self.main, text_of(exc)) from None
        self.base = posixpath.dirname(main)
        label = self.main
        try:
            data = self.source.read(main)
            _check_bytes(main, data, MAX_YAML_BYTES)
            text, _ = decode_text(data)
        except (FileProblem, TextError) as exc:
            raise self.fail(label, text_of(exc)) from None
        try:
            self.doc = parse_yaml(label, text)
        except YamlError as exc:
            where = f"{label} line {exc.line}" if exc.line else label
            raise self.fail(where, text_of(exc)) from None
        if not isinstance(self.doc.data, dict):
            message = tr(
                "the top level must be a mapping of keys (format_version, name, fund, ...), not {type_name}",
                type_name=_type_name(self.doc.data),
            )
            raise self.fail(self.doc.where(""), message)
        for path in self.doc.duplicates:
            self.error(path, tr("duplicate key: the later value would silently win; keep one"))
        top = self.mapping(self.doc.data, "")
        self.keys(top, "", _TOP_KEYS, ("format_version", "name", "fund", "regions", "criteria"))
        version = self.integer(top, "format_version", "")
        if version is not None and version != FORMAT_VERSION:
            message = tr(
                "format_version {version} is not supported: this reader reads version 1",
                version=version,
            )
            self.error("format_version", message)
        name = self.text(top, "name", "")
        fund = self.parse_fund(top)
        regions_spec = self.mapping(top.get("regions"), "regions")
        if regions_spec:
            self.keys(regions_spec, "regions", _REGION_KEYS, ("file", "code", "name"))
        criteria = self.parse_criteria_tree(top.get("criteria"), "criteria")
        self.parse_guaranteed(top.get("guaranteed"))
        base = self.mapping(top.get("base_amount"), "base_amount")
        self.keys(base, "base_amount", ("weight",))
        base_weight = self.number(base, "weight", "base_amount", 0.0)
        axes, groups = self.parse_axes(top.get("axes"))
        self.parse_proposals(top.get("proposals"))
        cofinancing = self.parse_cofinancing(top.get("cofinancing"))
        calendar = self.parse_calendar(top.get("calendar"))
        self.parse_municipal(top.get("municipalities"))
        rules_map = self.mapping(top.get("rules"), "rules")
        self.keys(rules_map, "rules", _RULE_KEYS)
        band = self.parse_band(rules_map.get("band"))
        floors = self.parse_bounds(rules_map, "region_floors")
        caps = self.parse_bounds(rules_map, "region_caps")
        absorption = self.parse_bounds(rules_map, "absorption_caps")
        cells = self.parse_cells(rules_map)
        objective = self.choice(top, "objective", "", Objective, Objective.PROPORTIONAL)
        report = self.parse_report(top.get("report"))
        self.load_indicator_files(top)

        regions: list[_RegionRow] = []
        if regions_spec:
            regions, table = self.load_regions(regions_spec)
            if table is not None and self.tables_ok:
                skip = {self.text(regions_spec, k, "regions") for k in ("code", "name")}
                self.gather_columns(regions, table, skip)
                for region in regions:
                    self.register_region(region, table, regions_spec)
                if self.guaranteed_column:
                    self.read_guaranteed(regions)
        from_files, file_cells = self.load_bound_files()
        proposals = self.load_proposals()
        municipal = self.load_municipal()

        for path in self.doc.lines:
            self.locations.setdefault(key_of(path), self.doc.where(path))
        # Tree nodes are numbered as leaves and inner nodes, not as written: point at the YAML.
        for key, path in self.node_paths.items():
            self.locations[key] = self.doc.where(path)
            for sub in ("id", "share", "share_min", "share_max", "target_share", "base_weight"):
                self.locations[f"{key}/{sub}"] = self.doc.where(_join(path, sub))
        for path in ("fund.rounding_unit", "fund.currency", "base_amount.weight", "objective"):
            self.locations.setdefault(key_of(path), self.doc.where(path))
        if self.problems or fund is None or base_weight is None:
            raise ScenarioError(self.listed())
        rules = Rules(
            band=band,
            region_floors=tuple(floors + from_files.get("region_floors", [])),
            region_caps=tuple(caps + from_files.get("region_caps", [])),
            absorption_caps=tuple(absorption + from_files.get("absorption_caps", [])),
            cell_minimums=tuple(cells + file_cells),
        )
        guaranteed = None
        factor = self.guaranteed_factor
        if factor is not None:
            guaranteed = Guaranteed(previous_factor=factor)
        elif self.guaranteed_column:
            amounts = dict(sorted(self.guaranteed_amounts.items()))
            guaranteed = Guaranteed(amounts=amounts, column=self.guaranteed_column)
        for key in ("guaranteed", "guaranteed.column", "guaranteed.previous_factor", "indicators"):
            self.locations.setdefault(key_of(key), self.doc.where(key))
        return Scenario(
            name=name,
            fund=fund,
            regions=tuple(
                Region(r.code, r.name, dict(sorted(r.indicators.items())), r.previous, r.population)
                for r in sorted(regions, key=lambda r: r.code)
            ),
            criteria=tuple(criteria),
            base_weight=base_weight,
            axes=tuple(axes),
            rules=rules,
            objective=objective,
            description=self.text(top, "description", ""),
            locations=dict(self.locations),
            axis_groups=tuple(groups),
            proposals=tuple(proposals),
            cofinancing_rate=cofinancing,
            calendar=calendar,
            municipal=municipal,
            categories=tuple(self.categories),
            derived=tuple(self.derived),
            guaranteed=guaranteed,
            report=report,
        )

    def register_region(self, region: _RegionRow, table: Table, spec: Mapping[str, object]) -> None:
        prefix = f"regions/{region.code}"
        self.locations[prefix] = table.where(region.number)
        for key, column_key in (
            ("name", "name"),
            ("code", "code"),
            ("previous", "previous_allocation"),
            ("population", "population"),
        ):
            column = self.text(spec, column_key, "regions")
            if column:
                self.locations[f"{prefix}/{key}"] = table.where(region.number, column)
            else:
                # Not in the data: point at where the column would be named.
                self.locations[f"{prefix}/{key}"] = (
                    f"{table.where(region.number)} (no regions.{column_key} column)"
                )


def load_scenario_files(files: Mapping[str, bytes], main: str = DEFAULT_MAIN) -> Scenario:
    """Load a scenario from in-memory files (for example, files uploaded to the service).

    Parameters
    ----------
    files
        File name (relative path such as ``"data/states.csv"``) -> content.
    main
        Name of the scenario YAML among ``files``; the CSV paths it names are relative to its
        folder.

    Returns
    -------
    Scenario
        Regions sorted by code; ``locations`` maps field keys to file, row and column.

    Raises
    ------
    ScenarioError
        Every problem found in the files, each located.
    """
    return _Loader(MemorySource(files), main).load()


def load_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Load a scenario YAML file and the CSV tables it names.

    Parameters
    ----------
    path
        The scenario YAML file, or a folder holding ``scenario.yaml``.

    Returns
    -------
    Scenario
        Regions sorted by code; ``locations`` maps field keys (``regions/09/population``,
        ``rules/band/upper``) to human locations (``data/states.csv row 11, column pop``).

    Raises
    ------
    ScenarioError
        Every problem found in the files (missing, unreadable, malformed, bad cells ...).
    """
    target = Path(path)
    if target.is_dir() and (target / DEFAULT_MAIN).is_file():
        target = target / DEFAULT_MAIN
    if target.is_dir():
        message = tr(
            "is a folder without a {DEFAULT_MAIN}: give the scenario YAML file",
            DEFAULT_MAIN=DEFAULT_MAIN,
        )
        raise ScenarioError([problem(str(path), message, "")])
    if not target.exists():
        message = tr("file not found: give the path of an existing scenario YAML file")
        raise ScenarioError([problem(str(path), message, "")])
    return _Loader(DirectorySource(target.parent), target.name).load()
