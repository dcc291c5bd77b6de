"""ONNX export of a text classifier: logits (batch, labels) with dynamic axes, scores equal to
PyTorch's (fp32), int8 labels mostly equal, and the export run by predict and evaluate."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
import pytest

import nerlab.data
from nerlab.cli.main import run_cli
from nerlab.data.demo import load_demo_texts
from nerlab.inference import Predictor
from nerlab.inference.onnx import onnx_forward
from nerlab.models.engine import pad_batch

LONG = " ".join(["i was so scared when the lights went out"] * 30)  # > 128 sub-tokens


@pytest.fixture(scope="module")
def torch_classifier(trained_classifier_dir: Path) -> Predictor:
    return Predictor.load(trained_classifier_dir, precision="fp32")


@pytest.fixture(scope="module")
def onnx_classifier_dir(
    trained_classifier_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    out = tmp_path_factory.mktemp("classifier-onnx") / "model"
    assert run_cli(["export", str(trained_classifier_dir), str(out), "--onnx"]) == 0
    return out


@pytest.fixture(scope="module")
def trained_classifier_dir(classifier_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny classifier fine-tuned for a few seconds on the demo emotion train set.

    The random one gives every text the same label, so int8 agreeing with fp32 on labels
    would prove nothing; after four short epochs its labels vary from text to text.
    """
    import shutil

    import torch
    from transformers import AutoModelForSequenceClassification

    out = tmp_path_factory.mktemp("classifier-trained") / "model"
    shutil.copytree(classifier_dir, out)
    model = AutoModelForSequenceClassification.from_pretrained(out)
    tokenizer = Predictor.load(out, precision="fp32").tokenizer
    train = load_demo_texts("train")
    index = {label: i for i, label in model.config.id2label.items()}
    gold = torch.tensor([index[labels[0]] for labels in train.labels])
    enc = tokenizer(train.texts, padding=True, truncation=True, max_length=40, return_tensors="pt")
    torch.manual_seed(0)
    optimiser = torch.optim.AdamW(model.parameters(), lr=5e-3)
    model.train()
    for _ in range(4):
        order = torch.randperm(len(gold))
        for start in range(0, len(gold), 32):
            rows = order[start : start + 32]
            loss = model(
                input_ids=enc["input_ids"][rows],
                attention_mask=enc["attention_mask"][rows],
                labels=gold[rows],
            ).loss
            loss.backward()
            optimiser.step()
            optimiser.zero_grad()
    model.eval()
    model.save_pretrained(out)
    return out


def test_logits_are_batch_by_labels_with_dynamic_axes(
    torch_classifier: Predictor, onnx_classifier_dir: Path
) -> None:
    model = onnx.load(str(onnx_classifier_dir / "model.onnx"), load_external_data=False)
    for inp in model.graph.input:
        assert [d.dim_param != "" for d in inp.type.tensor_type.shape.dim] == [True, True]
    (out,) = model.graph.output
    dims = out.type.tensor_type.shape.dim
    assert out.name == "logits" and len(dims) == 2
    assert dims[0].dim_param != "" and dims[1].dim_value == len(torch_classifier.labels)
    # Batches of different sizes and lengths, with padding, equal PyTorch's logits.
    tok = torch_classifier.tokenizer
    for texts in (["a"], ["i feel fine", "what a day it has been, really", "ok"]):
        ids, mask = pad_batch([tok(t)["input_ids"] for t in texts], tok.pad_token_id)
        got = onnx_forward(onnx_classifier_dir / "model.onnx")(ids, mask)
        assert got.shape == (len(texts), len(torch_classifier.labels))
        np.testing.assert_allclose(got, torch_classifier.forward(ids, mask), atol=1e-4, rtol=0)


def test_fp32_export_classifies_like_pytorch(
    torch_classifier: Predictor, onnx_classifier_dir: Path
) -> None:
    exported = Predictor.load(onnx_classifier_dir)
    assert exported.backend == "onnx" and exported.task.name == "text-classification"
    assert exported.labels == torch_classifier.labels
    texts = [*load_demo_texts("test").texts, "", LONG]
    np.testing.assert_allclose(
        exported.probabilities(texts), torch_classifier.probabilities(texts), atol=1e-4, rtol=0
    )
    got, want = exported.classify(texts), torch_classifier.classify(texts)
    assert len({c["label"] for c in want}) >= 3  # labels vary: their equality means something
    assert [c["label"] for c in got] == [c["label"] for c in want]
    assert [list(c["scores"]) for c in got] == [list(c["scores"]) for c in want]


def test_int8_export_mostly_agrees(
    trained_classifier_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """int8 labels agree with fp32 on >= 90% of the demo test texts (measured: all 60), and
    probabilities move by less than 0.05 (measured: 0.015-0.02, dynamic int8 with per-channel
    weight scales)."""
    out = tmp_path_factory.mktemp("classifier-int8") / "model"
    assert (
        run_cli(["export", str(trained_classifier_dir), str(out), "--onnx", "--quantize", "int8"])
        == 0
    )
    meta = json.loads((out / "nerlab_config.json").read_text("utf-8"))
    assert meta["export"]["quantize"] == "int8" and meta["task"] == "text-classification"
    exported = Predictor.load(out)
    reference = Predictor.load(trained_classifier_dir, precision="fp32")
    assert exported.precision == "int8"
    texts = load_demo_texts("test").texts
    got = np.array([c["label"] for c in exported.classify(texts)])
    want = np.array([c["label"] for c in reference.classify(texts)])
    assert len(set(want)) >= 3, "the fine-tuned tiny model should not give one label to all"
    agreement = float((got == want).mean())
    diff = np.abs(exported.probabilities(texts) - reference.probabilities(texts))
    print(
        f"int8 vs fp32 on {len(texts)} demo texts: labels {agreement:.3f}, "
        f"max |dp| {diff.max():.4f}"
    )
    assert agreement >= 0.9
    assert float(diff.max()) < 0.05


def test_predict_and_evaluate_run_the_export(
    trained_classifier_dir: Path,
    onnx_classifier_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    texts = ["i feel so happy today", "this is awful"]
    argv = ["predict", str(onnx_classifier_dir), "-t", texts[0], "-t", texts[1], "--top-k", "3"]
    assert run_cli(argv) == 0
    onnx_records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    argv = ["predict", str(trained_classifier_dir), "-t", texts[0], "-t", texts[1], "--top-k", "3"]
    assert run_cli([*argv, "--precision", "fp32"]) == 0
    torch_records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    for a, b in zip(onnx_records, torch_records, strict=True):
        assert a["label"] == b["label"] and list(a["scores"]) == list(b["scores"])
        assert a["score"] == pytest.approx(b["score"], abs=1e-4)

    data = Path(nerlab.data.__file__).parent / "demo" / "emotion-test.txt"
    scores = {}
    for name, folder, extra in (
        ("onnx", onnx_classifier_dir, []),
        ("torch", trained_classifier_dir, ["--precision", "fp32"]),
    ):
        assert run_cli(["evaluate", str(folder), str(data), "--json", *extra]) == 0
        scores[name] = json.loads(capsys.readouterr().out)
    assert scores["onnx"]["accuracy"] == scores["torch"]["accuracy"]
    assert scores["onnx"]["confusion"] == scores["torch"]["confusion"]
