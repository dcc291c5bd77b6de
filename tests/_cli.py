"""Running a nerlab command inside the test process, as a user would from the shell."""

from __future__ import annotations

from pathlib import Path

import pytest

from nerlab.cli.main import run_cli


def run(argv: list[str | Path], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Exit code, stdout and stderr (whitespace collapsed: rich may wrap long messages)."""
    code = run_cli([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, " ".join(err.split())
