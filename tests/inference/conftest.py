"""Fixtures for the inference tests: a tiny random tagger and its ONNX exports, built once."""

from __future__ import annotations

from pathlib import Path

import pytest

from nerlab.inference import Predictor, export_onnx
from nerlab.models.saved import ModelMeta, save_meta

TINY_LABELS = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"]


def build_tiny_tagger(encoder_dir: Path, out: Path) -> Path:
    """A token-classification head (9 CoNLL labels) on the tiny encoder, saved like nerlab."""
    import torch
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    torch.manual_seed(1)
    model = AutoModelForTokenClassification.from_pretrained(
        encoder_dir,
        num_labels=len(TINY_LABELS),
        id2label=dict(enumerate(TINY_LABELS)),
        label2id={lab: i for i, lab in enumerate(TINY_LABELS)},
    )
    # A larger random head gives confident, varied tags (multi-word entities included).
    with torch.no_grad():
        model.classifier.weight.normal_(0.0, 2.0)
    model.save_pretrained(out)
    AutoTokenizer.from_pretrained(encoder_dir).save_pretrained(out)
    save_meta(out, ModelMeta(labels=list(TINY_LABELS), max_length=128))
    return out


@pytest.fixture(scope="session")
def tagger_dir(tiny_encoder_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Folder of a tiny random BERT tagger (max length 128) with nerlab_config.json."""
    return build_tiny_tagger(tiny_encoder_dir, tmp_path_factory.mktemp("tiny-tagger"))


@pytest.fixture(scope="session")
def predictor(tagger_dir: Path) -> Predictor:
    """The tiny tagger, loaded once in fp32 (exact comparisons need a fixed precision)."""
    return Predictor.load(tagger_dir, precision="fp32")


@pytest.fixture(scope="session")
def onnx_dir(tagger_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny tagger exported to ONNX fp32."""
    out = tmp_path_factory.mktemp("tiny-onnx") / "model"
    export_onnx(tagger_dir, out)
    return out


@pytest.fixture(scope="session")
def onnx_int8_dir(tagger_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny tagger exported to ONNX with dynamic int8 quantisation."""
    out = tmp_path_factory.mktemp("tiny-onnx-int8") / "model"
    export_onnx(tagger_dir, out, quantize="int8")
    return out
