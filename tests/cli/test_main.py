"""The CLI root: every command has --help, usage errors and user errors print no traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest

from nerlab.cli.main import app, run_cli

COMMANDS = [
    ["data", "describe"],
    ["data", "convert"],
    ["score"],
    ["models", "list"],
    ["models", "info"],
    ["train"],
    ["evaluate"],
    ["predict"],
    ["export"],
]


def test_every_command_is_registered() -> None:
    names = {c.name for c in app.registered_commands} | {g.name for g in app.registered_groups}
    assert {"data", "score", "models", "train", "evaluate", "predict", "export"} <= names


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_help_for_every_command(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli([*command, "--help"]) == 0
    out = capsys.readouterr().out
    assert "Usage: nerlab " + " ".join(command) in out


def test_unknown_option_is_a_usage_error_without_traceback(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert run_cli(["models", "list", "--bogus"]) == 2
    err = capsys.readouterr().err
    assert "No such option: --bogus" in err
    assert "Traceback" not in err


def test_unknown_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["frobnicate"]) == 2
    assert "No such command" in capsys.readouterr().err


def test_nerlab_error_is_one_line_without_traceback(
    tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "missing.conll"
    assert run_cli(["data", "describe", str(missing)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert str(missing) in err
    assert "Traceback" not in err


def test_python_dash_m_nerlab() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "nerlab", "--help"], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert "Usage: nerlab" in proc.stdout
