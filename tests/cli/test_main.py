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


NO_MODEL = [
    ["--help"],
    ["score", "--gold", "{demo}/test.conll", "--pred", "{demo}/test.conll"],
    ["data", "describe", "{demo}/test.conll"],
    ["data", "convert", "{demo}/test.conll", "{tmp}/out.jsonl"],
    ["models", "list"],
    ["train", "--help"],
]


@pytest.mark.parametrize("argv", NO_MODEL, ids=" ".join)
def test_commands_that_need_no_model_import_neither_torch_nor_transformers(
    argv: list[str], tmp_path
) -> None:
    """About 2.6 s of imports before anything happens, once: only commands that run a model
    may pay it (checked in a fresh interpreter)."""
    from nerlab.data.demo import demo_path

    demo = str(demo_path("test").parent)
    args = [a.format(demo=demo, tmp=tmp_path) for a in argv]
    code = (
        "import sys\n"
        "from nerlab.cli.main import run_cli\n"
        f"code = run_cli({args!r})\n"
        "heavy = sorted(m for m in ('torch', 'transformers') if m in sys.modules)\n"
        "print('HEAVY', heavy, code)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    last = out.stdout.strip().splitlines()[-1]
    assert last.startswith("HEAVY [] "), last
