"""Fixtures for the inference tests: a tiny random tagger and its ONNX exports, built once."""

from __future__ import annotations

from pathlib import Path

import pytest

from nerlab.inference import Predictor, export_onnx


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
