"""Shared test fixtures: a tiny random BERT with a real tokenizer, built once per session."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from _paths import shared_data_dir
from _tiny import (
    TINY_CLASSES,
    TINY_LABELS,
    build_tiny_classifier,
    build_tiny_encoder,
    build_tiny_tagger,
)

if TYPE_CHECKING:
    from nerlab.inference import Predictor

__all__ = [
    "TINY_CLASSES",
    "TINY_LABELS",
    "build_tiny_classifier",
    "build_tiny_encoder",
    "build_tiny_tagger",
]


@pytest.fixture(scope="session")
def tiny_encoder_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Folder of a tiny random BERT encoder (max length 128) usable as ``--model``."""
    return build_tiny_encoder(tmp_path_factory.mktemp("tiny-bert"))


@pytest.fixture(scope="session")
def tagger_dir(tiny_encoder_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Folder of a tiny random BERT tagger (max length 128) with nerlab_config.json."""
    return build_tiny_tagger(tiny_encoder_dir, tmp_path_factory.mktemp("tiny-tagger"))


@pytest.fixture(scope="session")
def classifier_dir(tiny_encoder_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Folder of a tiny random BERT text classifier (the six emotions of ``TINY_CLASSES``,
    single-label, max length 128) with nerlab_config.json."""
    return build_tiny_classifier(
        tmp_path_factory.mktemp("tiny-classifier"), encoder_dir=tiny_encoder_dir
    )


@pytest.fixture(scope="module")
def classifier(classifier_dir: Path) -> Predictor:
    """The tiny classifier loaded in fp32, once per test module."""
    from nerlab.inference import Predictor

    return Predictor.load(classifier_dir, precision="fp32")


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The shared data folder; tests that need it fail (not skip) when it is missing."""
    path = shared_data_dir()
    assert path.is_dir(), (
        f"shared data folder {path} not found; set NERLAB_SHARED_DATA to the folder that holds "
        "conll2003/, conllpp/, wikiann/ and emotion/"
    )
    return path


@pytest.fixture(autouse=True, scope="session")
def _offline_and_private_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Tests never reach the Hugging Face Hub nor write into the user's nerlab cache."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
    os.environ["NERLAB_HOME"] = str(tmp_path_factory.mktemp("nerlab-home"))
