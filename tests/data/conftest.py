"""Fixtures shared by the data tests: the folder of hand-written test files, a file writer."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"

Writer = Callable[[str, str | bytes], Path]


@pytest.fixture
def fixtures() -> Path:
    """tests/fixtures: small data files written for these tests."""
    return FIXTURES


@pytest.fixture
def write(tmp_path: Path) -> Writer:
    """Write a file in tmp_path (text as UTF-8, bytes as they are) and return its path."""

    def _write(name: str, text: str | bytes) -> Path:
        path = tmp_path / name
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    return _write
