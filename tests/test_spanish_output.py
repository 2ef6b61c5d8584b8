"""Every Spanish output of every shipped scenario reads without internal identifiers or jargon.

Runs each command as a planner does (``fsf validate``, ``fsf solve`` as table, JSON, CSV and
``--out``, ``fsf compare``, the infeasible diagnosis, ``fsf report``) with the default language,
and fails on any value of the result enumerations (``band_floor``, ``proportional``,
``optimal``, ...), on the causes and diagnosis families written in code, and on a short list of
English or solver words. Machine fields stay identifiers on purpose (JSON keys and enumeration
values, CSV columns such as ``main_rule``): only the texts people read are checked there.
"""

from __future__ import annotations

import json
import re
from enum import StrEnum
from html.parser import HTMLParser
from pathlib import Path

import pytest

from optimizer.cli import EXIT_INFEASIBLE, EXIT_OK, main
from optimizer.domain import Direction, Normalisation, Objective, RuleFamily, SolveStatus
from optimizer.i18n import RULE_NAMES

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted((ROOT / "scenarios").rglob("scenario.yaml"))

ENUMS: tuple[type[StrEnum], ...] = (RuleFamily, Objective, SolveStatus, Direction, Normalisation)
IDENTIFIERS = sorted(
    {str(value) for enum in ENUMS for value in enum}
    | set(RULE_NAMES)  # causes ("redistribution") and diagnosis families ("region_floors")
    | {"shifted_share"}
)
# Words no Spanish memo text may contain: English, solver jargon, the terms the glossary retired.
DENY = (
    "target",
    "binding",
    "marginal",
    "degenerate",
    "degenerado",
    "LP",
    "optimal",
    "infeasible",
    "adjustment",
    "Adjustment",
    "allocation",
    "redistribution",
    "must give way",
    "per inhabitant",
    "Final",
    "meta de la fórmula",
    "contra el año anterior",
    "Ejes",
)
_WORD = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, [*IDENTIFIERS, *DENY])) + r")(?![\w-])")


def offending(text: str) -> list[str]:
    """The identifiers and denied words found in a text."""
    return sorted(set(_WORD.findall(text)))


def _id(path: Path) -> str:
    return str(path.parent.relative_to(ROOT / "scenarios"))


class _Text(HTMLParser):
    """The text a reader sees in an HTML page (no tags, styles or attribute values)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def _run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out + err


def _texts_of_plan(data: object) -> list[str]:
    """The reader-facing strings of a plan's JSON: justification texts, names, labels."""
    found: list[str] = []
    if isinstance(data, dict):
        for key, value in data.items():
            if key in ("text", "label", "name") and isinstance(value, str):
                found.append(value)
            else:
                found.extend(_texts_of_plan(value))
    elif isinstance(data, list):
        for item in data:
            found.extend(_texts_of_plan(item))
    return found


@pytest.mark.parametrize("path", SHIPPED, ids=_id)
def test_validate_and_solve_speak_spanish(
    path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """validate, solve (table, json, csv, --out) and the diagnosis of infeasible rules."""
    scenario = str(path)
    code, text = _run(["validate", scenario], capsys)
    assert code == EXIT_OK
    # The first line quotes the scenario's own description, written by its author.
    assert offending(text.split("\n", 1)[1]) == []

    code, text = _run(["solve", scenario], capsys)
    if code == EXIT_INFEASIBLE:
        assert text.startswith("sin solución: ")
        assert offending(text) == []
        return
    assert code == EXIT_OK
    assert offending(text) == []
    assert "monto según fórmula" in text

    code, text = _run(["solve", scenario, "--format", "json"], capsys)
    assert code == EXIT_OK
    plan = json.loads(text)
    for value in _texts_of_plan(plan):
        assert offending(value) == [], value
    for justification in plan["justifications"]:
        assert "Monto según fórmula" in justification["text"]

    code, text = _run(["solve", scenario, "--format", "csv"], capsys)
    assert code == EXIT_OK
    assert offending(text.split("\n", 1)[1]) == []  # the header row holds machine names

    out = tmp_path / "out"
    code, _ = _run(["solve", scenario, "--out", str(out)], capsys)
    assert code == EXIT_OK
    markdown = (out / "justifications.md").read_text("utf-8")
    assert offending(markdown) == []
    assert "| criterio | ponderación | monto |" in markdown


@pytest.mark.parametrize("path", SHIPPED, ids=_id)
def test_compare_speaks_spanish(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """fsf compare of each scenario against the fasp-2026 baseline."""
    if "infeasible" in str(path):
        pytest.skip("no plan to compare")
    base = str(ROOT / "scenarios/fasp-2026/scenario.yaml")
    code, text = _run(["compare", base, str(path)], capsys)
    assert code == EXIT_OK
    head = text.split("\n", 1)[1]  # the header names the two scenarios
    assert offending(head) == []


def _has_ejes(path: Path) -> bool:
    """A scenario whose programa tree has real ejes may say "Ejes"; a flat list of P1-P9 may not."""
    return "level: eje" in path.read_text("utf-8")


@pytest.mark.parametrize("path", SHIPPED, ids=_id)
def test_report_speaks_spanish(
    path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The text a reader sees in the HTML report."""
    if "infeasible" in str(path):
        pytest.skip("no plan to report")
    out = tmp_path / "report.html"
    code, _ = _run(["report", str(path), "--out", str(out)], capsys)
    assert code == EXIT_OK
    parser = _Text()
    parser.feed(out.read_text("utf-8"))
    found = offending(" ".join(parser.parts))
    if _has_ejes(path):
        found = [word for word in found if word != "Ejes"]
    assert found == []


def test_the_check_finds_what_it_looks_for() -> None:
    """The deny-list matches whole words only, identifiers included."""
    assert offending("regla: band_floor; objetivo proportional") == ["band_floor", "proportional"]
    assert offending("piso de la banda; proporcional; 3 programas") == []
    assert offending("valor marginal (uno de los valores válidos si es degenerado)") == [
        "degenerado",
        "marginal",
    ]


_SNAKE = re.compile(r"(?<![\w-])[a-z]+(?:_[a-z0-9]+)+(?![\w-])")
"""An identifier written in code (``pop_conapo_mid2026``, ``one_at_a_time``, ``base_amount``)."""


def test_sweep_speaks_spanish(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """fsf sweep of fasp-2026 (every study, small): the terminal tables and the report's visible
    text name criteria, states and rules in words, never by their identifiers."""
    scenario = str(ROOT / "scenarios/fasp-2026/scenario.yaml")
    out = tmp_path / "sweep"
    args = ["sweep", scenario, "--monte-carlo", "50", "--seed", "1", "--workers", "0"]
    args += ["--grid", "pop_conapo_mid2026=0.35:0.45:0.05", "--out", str(out)]
    code, text = _run(args, capsys)
    assert code == EXIT_OK
    assert "Análisis de sensibilidad: Un factor a la vez" in text
    assert "piso de la banda" in text
    parser = _Text()
    parser.feed((out / "sweep_report.html").read_text("utf-8"))
    page = " ".join(parser.parts)
    assert "ponderación de Población (CONAPO, mitad de 2026)" in page
    assert "Rejilla de ponderaciones" in page
    for shown in (text, page):
        assert offending(shown) == []
        assert _SNAKE.findall(shown) == []
        assert "allocate" not in shown


HELP_DENY = (
    "usage",
    "positional arguments",
    "options:",
    "show this help message",
    "required",
    "invalid choice",
    "default",
    "samples",
)
"""argparse's English, which ``fsf``'s help and usage errors must not show in Spanish."""


def _usage_words(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """Exit code and stdout + stderr of ``fsf ARGS`` (help and usage errors end with SystemExit)."""
    with pytest.raises(SystemExit) as info:
        main(args)
    seen = capsys.readouterr()
    code = info.value.code
    return (code if isinstance(code, int) else 0), seen.out + seen.err


@pytest.mark.parametrize(
    ("args", "code"),
    [
        (["--help"], EXIT_OK),
        (["solve", "--help"], EXIT_OK),
        (["sweep", "--help"], EXIT_OK),
        (["solve"], 2),  # the following arguments are required
        (["solve", "x.yaml", "--format", "xml"], 2),  # invalid choice
    ],
)
def test_help_and_usage_errors_are_spanish_unless_english_is_asked(
    args: list[str], code: int, capsys: pytest.CaptureFixture[str]
) -> None:
    """fsf's help and argparse's own messages: Spanish by default, English with --lang en."""
    got, spanish = _usage_words(args, capsys)
    assert got == code
    lowered = spanish.lower()
    assert [w for w in HELP_DENY if w in lowered] == []
    assert "uso: fsf" in spanish
    got, english = _usage_words([*args, "--lang", "en"], capsys)
    assert got == code
    assert "usage: fsf" in english
    if code == EXIT_OK:
        assert "options:" in english
        assert "show this help message" in english
        assert "opciones:" in spanish
    else:
        assert "error:" in english
        assert any(w in english for w in ("required", "invalid choice"))
