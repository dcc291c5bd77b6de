"""Fixtures of the train/evaluate tests: small corpora on disk and one trained tiny model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from _train_helpers import TINY_OPTIONS, demo_sentences, long_sentence, write_conll
from _xlingual_helpers import panx_folder

import nerlab.training
from nerlab.training import TrainResult, train


@pytest.fixture(scope="session")
def demo_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The demo splits as files, plus a test file that adds one 1,500-word sentence."""
    folder = tmp_path_factory.mktemp("demo-files")
    files = {
        split: write_conll(folder / f"{split}.conll", demo_sentences(split))
        for split in ("train", "dev", "test")
    }
    files["long_test"] = write_conll(
        folder / "long_test.conll", [*demo_sentences("test", 5), long_sentence(1500)]
    )
    return files


@pytest.fixture(scope="session")
def tiny_run(tiny_encoder_dir: Path, demo_files: dict[str, Path], tmp_path_factory) -> TrainResult:
    """The tiny encoder trained on the demo corpus files (2 epochs, dev and test scored)."""
    out = tmp_path_factory.mktemp("tiny-run") / "model"
    return train(
        model=str(tiny_encoder_dir),
        train=str(demo_files["train"]),
        dev=str(demo_files["dev"]),
        test=str(demo_files["long_test"]),
        output=str(out),
        **TINY_OPTIONS,
    )


@pytest.fixture(scope="session")
def xl_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """PAN-X-like de and fr: 200 training and 40 test sentences each, in the shared layout."""
    return panx_folder(tmp_path_factory.mktemp("panx"), langs=("de", "fr"))


@pytest.fixture
def train_calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The output folder of every nerlab.train call (xlingual calls it through the package)."""
    calls: list[str] = []
    real = nerlab.training.train

    def counting(config: Any = None, **kw: Any) -> Any:
        calls.append(config.output)
        return real(config, **kw)

    monkeypatch.setattr(nerlab.training, "train", counting)
    return calls
