"""ONNX export: logits equal PyTorch's, int8 works, the Predictor runs the folder, bad input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import onnx
import pytest

from nerlab.data.alignment import encode_words
from nerlab.errors import ConfigError, ModelError
from nerlab.inference import Predictor, export_onnx
from nerlab.inference.onnx import onnx_forward
from nerlab.models.engine import pad_batch

SENTENCES = [
    ["Angela", "Merkel", "visited", "Paris", "."],
    ["EU", "rejects", "German", "call", "to", "boycott", "British", "lamb", "."] * 3,
    ["x"],
]


def _batch(predictor: Predictor) -> tuple[np.ndarray, np.ndarray]:
    """A padded batch of three windows of different lengths (real padding in rows 0 and 2)."""
    windows = encode_words(predictor.tokenizer, SENTENCES, 128)
    return pad_batch([w.input_ids for w in windows], predictor.tokenizer.pad_token_id)


def test_onnx_fp32_logits_equal_pytorch(predictor: Predictor, onnx_dir: Path) -> None:
    ids, mask = _batch(predictor)
    torch_logits = predictor.forward(ids, mask)
    onnx_logits = onnx_forward(onnx_dir / "model.onnx")(ids, mask)
    assert onnx_logits.shape == torch_logits.shape == (3, ids.shape[1], 9)
    real = mask.astype(bool)
    np.testing.assert_allclose(onnx_logits[real], torch_logits[real], atol=1e-4, rtol=0)


def test_onnx_axes_are_dynamic_and_opset_recent(onnx_dir: Path) -> None:
    model = onnx.load(str(onnx_dir / "model.onnx"), load_external_data=False)
    assert max(o.version for o in model.opset_import if o.domain in ("", "ai.onnx")) >= 17
    for inp in model.graph.input:
        dims = inp.type.tensor_type.shape.dim
        assert [d.dim_param != "" for d in dims] == [True, True], inp.name


def test_predictor_loads_onnx_folder_and_agrees(predictor: Predictor, onnx_dir: Path) -> None:
    p = Predictor.load(onnx_dir)
    assert (p.backend, p.precision) == ("onnx", "fp32")
    assert sorted(x.name for x in onnx_dir.iterdir()) == [
        "config.json",
        "model.onnx",
        "nerlab_config.json",
        "tokenizer.json",
        "tokenizer_config.json",
    ]
    texts = ["Angela Merkel visited Paris and Berlin last week.", "", "EU rejects it. " * 40]
    strip = [[(e["start"], e["end"], e["label"]) for e in r] for r in p.predict(texts)]
    assert strip == [
        [(e["start"], e["end"], e["label"]) for e in r] for r in predictor.predict(texts)
    ]
    assert p.predict_words(SENTENCES) == predictor.predict_words(SENTENCES)


def test_int8_model_works(predictor: Predictor, onnx_dir: Path, onnx_int8_dir: Path) -> None:
    p = Predictor.load(onnx_int8_dir)
    assert (p.backend, p.precision) == ("onnx", "int8")
    assert (onnx_int8_dir / "model.onnx").stat().st_size < (onnx_dir / "model.onnx").stat().st_size
    config = json.loads((onnx_int8_dir / "nerlab_config.json").read_text())
    assert config["export"]["quantize"] == "int8"
    ids, mask = _batch(predictor)
    q = p.forward(ids, mask)
    ref = predictor.forward(ids, mask)
    real = mask.astype(bool)
    assert np.isfinite(q).all()
    # Quantised, not equal, but clearly the same function.
    assert np.corrcoef(q[real].ravel(), ref[real].ravel())[0, 1] > 0.9
    tags = p.predict_words(SENTENCES)
    assert [len(t) for t in tags] == [len(s) for s in SENTENCES]


def test_onnx_precision_must_match_export(onnx_dir: Path) -> None:
    with pytest.raises(ConfigError, match="runs in fp32 as exported"):
        Predictor.load(onnx_dir, precision="bf16")
    assert Predictor.load(onnx_dir, precision="fp32").precision == "fp32"


def test_onnx_folder_with_torch_backend_is_a_model_error(onnx_dir: Path) -> None:
    with pytest.raises(ModelError, match="no PyTorch weights"):
        Predictor.load(onnx_dir, backend="torch")


def test_onnx_backend_without_model_onnx(tagger_dir: Path) -> None:
    with pytest.raises(ModelError, match=r"has no model\.onnx"):
        Predictor.load(tagger_dir, backend="onnx")


def test_corrupt_onnx_file_is_a_model_error(onnx_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "broken"
    shutil.copytree(onnx_dir, folder)
    (folder / "model.onnx").write_bytes(b"not a protobuf")
    with pytest.raises(ModelError, match="cannot load ONNX model"):
        Predictor.load(folder)


def test_export_refuses_bad_arguments(
    tagger_dir: Path, tiny_encoder_dir: Path, tmp_path: Path
) -> None:
    with pytest.raises(ConfigError, match="allowed: int8"):
        export_onnx(tagger_dir, tmp_path / "a", quantize="int4")
    with pytest.raises(ConfigError, match="opset 16 is too old"):
        export_onnx(tagger_dir, tmp_path / "b", opset=16)
    with pytest.raises(ModelError, match="not a token-classification model"):
        export_onnx(tiny_encoder_dir, tmp_path / "c")
    with pytest.raises(ModelError, match="must differ"):
        export_onnx(tagger_dir, tagger_dir)
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine")
    with pytest.raises(ModelError, match="not empty"):
        export_onnx(tagger_dir, tmp_path / "full")
    assert sorted(p.name for p in (tmp_path / "full").iterdir()) == ["keep.txt"]
    (tmp_path / "file").write_text("x")
    with pytest.raises(ModelError, match="is a file"):
        export_onnx(tagger_dir, tmp_path / "file")


def test_missing_onnx_packages_name_the_extra(
    onnx_dir: Path, tagger_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "onnxruntime" else real(name)
    )
    with pytest.raises(ModelError, match=r"needs onnxruntime; install it with .*nerlab\[export\]"):
        Predictor.load(onnx_dir)
    with pytest.raises(ModelError, match="needs onnxruntime"):
        export_onnx(tagger_dir, tmp_path / "out")
    assert not (tmp_path / "out").exists()
