"""A full run on the tiny encoder: the output folder, transformers loading, CLI, POS tagging."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _train_helpers import TINY_OPTIONS

from nerlab.cli.main import run_cli
from nerlab.inference import Predictor
from nerlab.models.saved import read_meta


def test_output_folder_is_a_plain_transformers_folder(tiny_run):
    out = Path(tiny_run.output)
    for name in ("config.json", "model.safetensors", "tokenizer.json", "nerlab_config.json"):
        assert (out / name).is_file(), name
    assert not (out / "checkpoints").exists(), "checkpoints are removed after a finished run"
    config = json.loads((out / "config.json").read_text())
    assert config["architectures"] == ["BertForTokenClassification"]
    assert [config["id2label"][str(i)] for i in range(len(tiny_run.labels))] == tiny_run.labels
    assert tiny_run.labels == [
        "O",
        "B-LOC",
        "I-LOC",
        "B-MISC",
        "I-MISC",
        "B-ORG",
        "I-ORG",
        "B-PER",
        "I-PER",
    ]
    info = read_meta(out)
    assert info.labels == tiny_run.labels and info.scheme == "IOB2"
    assert info.max_length == 128
    assert info.extra["training"]["learning_rate"] == TINY_OPTIONS["learning_rate"]
    assert info.extra["data"]["sentences"] == {"train": 200, "dev": 50, "test": 6}


def test_transformers_pipeline_loads_it_with_its_labels(tiny_run):
    from transformers import pipeline

    nlp = pipeline("token-classification", model=tiny_run.output, device=-1)
    assert nlp.model.config.id2label == dict(enumerate(tiny_run.labels))
    out = nlp("Ana Silva joined Norvik Labs in Porto.")
    assert all(tok["entity"] in tiny_run.labels for tok in out)


def test_metrics_curve_and_run_card(tiny_run):
    out = Path(tiny_run.output)
    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert [r["epoch"] for r in rows] == [1.0, 2.0]
    assert [r["step"] for r in rows] == [13, 26]  # 200 sentences / batch 16
    for r in rows:
        assert r["train_loss"] > 0 and 0 <= r["dev_f1"] <= 1 and 0 <= r["dev_accuracy"] <= 1
    best = max(r["dev_f1"] for r in rows)
    assert tiny_run.dev.main_score == pytest.approx(best)  # the best epoch's model was kept
    assert tiny_run.stats["best_dev_score"] == pytest.approx(best)
    assert (out / "learning_curve.png").read_bytes()[:4] == b"\x89PNG"
    card = (out / "README.md").read_text()
    for fragment in (
        "## Data",
        "## Labels (9)",
        "`B-PER`",
        "## Configuration",
        '"epochs": 2',
        "## Scores on test",
        "| PER |",
        "Strict-mode micro F1",
    ):
        assert fragment in card, fragment
    micro = tiny_run.test.entity["conlleval"].micro
    assert f"| micro avg | {micro.precision:.4f} | {micro.recall:.4f} | {micro.f1:.4f} |" in card


def test_saved_model_predicts_what_the_trained_model_predicted(tiny_run, demo_files):
    from nerlab.data import load_corpus

    words = load_corpus(demo_files["long_test"]).words
    pred = Predictor.load(tiny_run.output, precision=None).predict_words(words)
    assert pred == tiny_run.test.pred
    assert [len(p) for p in pred] == [len(w) for w in words]


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.strip().splitlines()]


def test_cli_pos_tagging_with_tag_column(tiny_encoder_dir, tmp_path, capsys):
    """Column 1 of a 3-column file holds POS tags: trained as plain labels, scored per tag."""
    rows = [
        [("Ana", "NNP", "B-PER"), ("sings", "VBZ", "O"), (".", ".", "O")],
        [("The", "DT", "O"), ("band", "NN", "O"), ("plays", "VBZ", "O")],
        [("Porto", "NNP", "B-LOC"), ("is", "VBZ", "O"), ("big", "JJ", "O")],
    ] * 6
    text = "\n\n".join("\n".join(" ".join(r) for r in sent) for sent in rows) + "\n"
    data = tmp_path / "pos.conll"
    data.write_text(text)
    out = tmp_path / "pos-model"
    args = ["train", "--train", str(data), "--dev", str(data), "--test", str(data)]
    args += ["--tag-column", "1", "--model", str(tiny_encoder_dir), "-o", str(out)]
    args += ["--epochs", "2", "--lr", "2e-3", "--batch-size", "8", "--precision", "fp32"]
    assert run_cli(args) == 0
    train_out = capsys.readouterr().out
    assert "per-tag scores" in train_out and "model saved to" in train_out
    info = read_meta(out)
    assert info.scheme is None and info.labels == [".", "DT", "JJ", "NN", "NNP", "VBZ"]

    assert run_cli(["evaluate", str(out), str(data), "--tag-column", "1"]) == 0
    eval_out = capsys.readouterr().out
    # The test section printed by train is exactly what evaluate prints.
    train_test = train_out[train_out.index("test: ") :]
    train_test = train_test[: train_test.index("trained ")]
    assert _lines(train_test.replace("test: ", "")) == _lines(eval_out)
    assert "entity scores" not in eval_out and "accuracy" in eval_out
