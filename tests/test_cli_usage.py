"""fsf's command line itself: usage errors, -v in either place, --out, --version, --help."""

from __future__ import annotations

import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from optimizer.cli import (
    EXIT_BAD_INPUT,
    EXIT_CODES,
    EXIT_INFEASIBLE,
    EXIT_INTERNAL,
    EXIT_OK,
    EXIT_SOLVER,
    main,
)

ROOT = Path(__file__).resolve().parent.parent
THREE = str(ROOT / "scenarios/didactic/three-states/scenario.yaml")


def _fsf(*args: str) -> subprocess.CompletedProcess[str]:
    """The real command line in a fresh process (logging is configured once per process)."""
    return subprocess.run(
        [sys.executable, "-m", "optimizer.cli", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


@pytest.mark.parametrize("value", ["-1", "0", "nan", "inf", "-inf", "soon"])
def test_bad_time_limit_is_a_usage_error(value: str, capsys: pytest.CaptureFixture[str]) -> None:
    """--time-limit must be a positive finite number: anything else exits 2 before solving."""
    with pytest.raises(SystemExit) as info:
        main(["solve", THREE, f"--time-limit={value}"])
    assert info.value.code == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "argumento --time-limit" in err
    assert f"'{value}'" in err


def test_positive_time_limit_is_accepted(capsys: pytest.CaptureFixture[str]) -> None:
    """A generous --time-limit solves as usual."""
    assert main(["solve", THREE, "--time-limit", "30", "--format", "csv"]) == EXIT_OK
    assert capsys.readouterr().out.startswith("region,")


@pytest.mark.parametrize(
    "args",
    [
        ("solve", THREE, "-v", "--format", "csv"),
        ("-v", "solve", THREE, "--format", "csv"),
        ("solve", "--verbose", THREE, "--format", "csv"),
    ],
)
def test_verbose_before_or_after_the_subcommand(args: tuple[str, ...]) -> None:
    """-v logs progress whether it comes before the subcommand or after it."""
    done = _fsf(*args)
    assert done.returncode == EXIT_OK, done.stderr
    assert "INFO optimizer.cli: loading" in done.stderr


def test_without_verbose_nothing_is_logged() -> None:
    """Quiet by default: no progress lines on stderr."""
    done = _fsf("solve", THREE, "--format", "csv")
    assert done.returncode == EXIT_OK, done.stderr
    assert done.stderr == ""


def test_out_naming_a_file_is_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--out naming an existing file (or a path through one) exits 2 with a plain message."""
    existing = tmp_path / "results.csv"
    existing.write_text("keep me\n")
    for out in (existing, existing / "sub"):
        assert main(["solve", THREE, "--out", str(out)]) == EXIT_BAD_INPUT
        err = capsys.readouterr().err
        assert f"'{existing}' es un archivo, no una carpeta" in err
        assert "Errno" not in err
        assert "Traceback" not in err
    assert existing.read_text() == "keep me\n"


def test_unwritable_result_file_names_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A result file that cannot be written exits 2 naming it, without the errno number."""
    (tmp_path / "plan.json").mkdir()
    assert main(["solve", THREE, "--out", str(tmp_path)]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert err.startswith("error: Is a directory:")
    assert str(tmp_path / "plan.json") in err
    assert "Errno" not in err


def test_version_names_the_package_and_libraries(capsys: pytest.CaptureFixture[str]) -> None:
    """--version prints this package's version and the solver stack's, and exits 0."""
    with pytest.raises(SystemExit) as info:
        main(["--version"])
    assert info.value.code == EXIT_OK
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0] == f"fsf {version('fund-allocation-optimizer')} (fund-allocation-optimizer)"
    for name in ("pulp", "highspy", "numpy", "openpyxl", "protobuf"):
        assert f"{name} {version(name)}" in lines


def test_help_lists_every_exit_code(capsys: pytest.CaptureFixture[str]) -> None:
    """fsf --help and fsf solve --help show the exit-code table with every code the CLI returns."""
    for args, title in (
        (["--help"], "códigos de salida:"),
        (["solve", "--help"], "códigos de salida:"),
        (["--help", "--lang", "en"], "exit codes:"),
        (["solve", "--lang=en", "--help"], "exit codes:"),
    ):
        with pytest.raises(SystemExit):
            main(args)
        out = capsys.readouterr().out
        assert title in out
        for code in (EXIT_OK, EXIT_BAD_INPUT, EXIT_INFEASIBLE, EXIT_SOLVER, EXIT_INTERNAL, 130):
            assert re.search(rf"^  {code}\s+\w", out, re.MULTILINE), (code, out)


def test_readme_states_the_same_exit_codes() -> None:
    """README's exit-code sentence names every code of the --help table."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    sentence = readme[readme.index("Exit codes") :].split("\n\n", 1)[0]
    codes = re.findall(r"^  (\d+)\s", EXIT_CODES, re.MULTILINE)
    assert len(codes) == 7
    for code in codes:
        assert re.search(rf"\b{code} ", sentence), (code, sentence)


def test_a_reader_that_leaves_early_is_no_error() -> None:
    """`fsf solve ... | head`: the closed pipe ends the command quietly (141, 128 + SIGPIPE), no error.

    The read end is closed before the solve finishes, so the first write meets a broken pipe.
    """
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "optimizer.cli",
            "solve",
            str(ROOT / "scenarios/fasp-2026/scenario.yaml"),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stderr is not None
    proc.stdout.close()
    stderr = proc.stderr.read()
    assert proc.wait(timeout=60) == 141
    assert stderr == ""


def test_usage_errors_speak_the_command_lines_language(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A missing scenario: Spanish by default, English with --lang en or FSF_LANG=en; exit 2."""
    cases = (
        ([], {}, "faltan los argumentos obligatorios: escenario"),
        (["--lang", "en"], {}, "the following arguments are required: scenario"),
        ([], {"FSF_LANG": "en"}, "the following arguments are required: scenario"),
        (["--lang=es"], {"FSF_LANG": "en"}, "faltan los argumentos obligatorios: escenario"),
    )
    for extra, env, expected in cases:
        monkeypatch.delenv("FSF_LANG", raising=False)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        with pytest.raises(SystemExit) as info:
            main(["solve", *extra])
        assert info.value.code == EXIT_BAD_INPUT
        assert expected in capsys.readouterr().err


def test_argparse_speaks_only_inside_fsf(capsys: pytest.CaptureFixture[str]) -> None:
    """After fsf parsed in Spanish, another parser of the process keeps argparse's English."""
    import argparse

    with pytest.raises(SystemExit):
        main(["solve"])
    capsys.readouterr()
    other = argparse.ArgumentParser(prog="other")
    other.add_argument("thing")
    with pytest.raises(SystemExit):
        other.parse_args([])
    err = capsys.readouterr().err
    assert "usage: other" in err
    assert "the following arguments are required: thing" in err
