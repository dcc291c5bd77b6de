"""Training text classifiers end to end on the tiny BERT: single-label (CLI, demo emotion set),
multi-label with dev-chosen thresholds, class weights and long-text windows; reloading gives the
scores training printed; bad input fails before any training."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from rich.console import Console

from nerlab.cli._util import render_evaluation
from nerlab.cli.main import run_cli
from nerlab.config import TrainConfig
from nerlab.data.demo import demo_texts_path, load_demo_texts
from nerlab.data.textio import load_texts
from nerlab.errors import ConfigError, DataError, LabelError
from nerlab.inference import Predictor
from nerlab.models.saved import load_tokenizer, read_meta
from nerlab.tasks import TextClassification
from nerlab.tasks.text_classification.dataset import WeightedLoss
from nerlab.tasks.text_classification.evaluation import choose_thresholds
from nerlab.training import train
from nerlab.training.data import load_data, resolve_task

EMOTIONS = ["anger", "fear", "joy", "love", "sadness", "surprise"]
TINY = {"epochs": 2, "learning_rate": 2e-3, "batch_size": 32, "warmup_ratio": 0.0}
POSITIVE = {"joy", "love", "surprise"}


def write_multi_label(path: Path, split: str, n: int | None = None) -> Path:
    """Demo texts as multi-label JSONL: the emotion plus its polarity (positive/negative)."""
    rows = []
    for ex in load_demo_texts(split).examples[:n]:
        polarity = "positive" if ex.labels[0] in POSITIVE else "negative"
        rows.append(json.dumps({"text": ex.text, "labels": [ex.labels[0], polarity]}))
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def cli_run(tiny_encoder_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """``nerlab train --task text-classification`` on the demo emotion set (no --train)."""
    out = tmp_path_factory.mktemp("textcls-cli") / "model"
    args = ["train", "--task", "text-classification", "--model", str(tiny_encoder_dir)]
    args += ["-o", str(out), "--epochs", "2", "--lr", "2e-3", "--batch-size", "32"]
    args += ["--max-length", "14", "--warmup-ratio", "0"]
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        code = run_cli(args)
    return {"code": code, "out": out, "stdout": stdout.getvalue()}


def test_cli_run_writes_a_text_classifier(cli_run: dict[str, Any]) -> None:
    assert cli_run["code"] == 0, cli_run["stdout"]
    out = cli_run["out"]
    config = json.loads((out / "config.json").read_text())
    assert config["architectures"] == ["BertForSequenceClassification"]
    assert config["problem_type"] == "single_label_classification"
    assert [config["id2label"][str(i)] for i in range(6)] == EMOTIONS
    meta = read_meta(out)
    assert meta.task == "text-classification" and meta.labels == EMOTIONS
    assert meta.extra["multi_label"] is False and meta.extra["thresholds"] is None
    assert meta.extra["data"]["texts"] == {"train": 301, "dev": 60, "test": 60}
    assert meta.extra["data"]["train"] == "demo:emotion-train"
    for name in ("dev.json", "dev_confusion.json", "dev_confusion.png", "test.json"):
        assert (out / "reports" / name).is_file(), name
    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert [r["epoch"] for r in rows] == [1.0, 2.0]
    assert all(0 <= r["dev_accuracy"] <= 1 and 0 <= r["dev_macro_f1"] <= 1 for r in rows)
    card = (out / "README.md").read_text()
    assert "text classification fine-tuned from" in card
    assert "| test | `demo:emotion-test` | 60 |" in card
    assert "pipeline_tag: text-classification" in card and "| joy |" in card


def test_reloaded_model_prints_the_scores_training_printed(cli_run: dict[str, Any]) -> None:
    out = cli_run["out"]
    predictor = Predictor.load(out)
    saved = read_meta(out).extra["scores"]
    for split in ("dev", "test"):
        ev = predictor.task.evaluate(predictor, load_demo_texts(split))
        assert ev.metrics() == saved[split]["metrics"]
        console = Console(file=io.StringIO(), width=80)
        render_evaluation(ev, console, name=split)
        assert console.file.getvalue() in cli_run["stdout"]  # type: ignore[attr-defined]
    assert "model saved to" in cli_run["stdout"]


def test_long_texts_are_counted_on_every_split(cli_run: dict[str, Any]) -> None:
    out = cli_run["out"]
    tokenizer = load_tokenizer(out)
    expected = {}
    for split in ("train", "dev", "test"):
        texts = load_demo_texts(split).texts
        ids = tokenizer(texts, add_special_tokens=True)["input_ids"]
        expected[split] = sum(len(i) > 14 for i in ids)
    assert all(expected.values()), "the test needs texts over 14 sub-tokens in every split"
    stats = read_meta(out).extra["stats"]
    assert stats["texts_over_max_length"] == expected
    listed = ", ".join(f"{n} {split}" for split, n in expected.items() if n)
    assert f"texts over the model's maximum length: {listed}; truncated" in cli_run["stdout"]
    card = (out / "README.md").read_text()
    assert f"train {expected['train']} of 301" in card and "truncated to the first 14" in card


def test_task_auto_detects_the_demo_emotion_set(tmp_path: Path) -> None:
    emotion = str(demo_texts_path("train"))
    cfg = TrainConfig(output=str(tmp_path / "o"), train=emotion, dev=str(demo_texts_path("dev")))
    assert resolve_task(cfg) == "text-classification"
    data = load_data(cfg)
    assert isinstance(data.task, TextClassification) and data.task.labels == EMOTIONS
    assert data.task.multi_label is False and len(data.train) == 301 and len(data.dev) == 60
    assert resolve_task(TrainConfig(output="o")) == "token-classification"  # the NER demo


@pytest.fixture(scope="module")
def multi_run(tiny_encoder_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    folder = tmp_path_factory.mktemp("textcls-multi")
    return train(
        model=str(tiny_encoder_dir),
        train=str(write_multi_label(folder / "train.jsonl", "train", 160)),
        dev=str(write_multi_label(folder / "dev.jsonl", "dev")),
        output=str(folder / "model"),
        max_length=32,
        **TINY,
    )


def test_multi_label_run_chooses_thresholds_on_dev(multi_run: Any) -> None:
    out = Path(multi_run.output)
    assert json.loads((out / "config.json").read_text())["problem_type"] == (
        "multi_label_classification"
    )
    meta = read_meta(out)
    assert meta.extra["multi_label"] is True
    assert multi_run.labels == sorted([*EMOTIONS, "positive", "negative"])
    predictor = Predictor.load(out)
    assert predictor.task.multi_label is True
    dev = load_texts(Path(out).parent / "dev.jsonl")
    probs = predictor.probabilities(dev.texts)
    chosen = choose_thresholds([list(g) for g in dev.labels], probs, multi_run.labels)
    assert meta.extra["thresholds"] == pytest.approx(chosen)
    assert predictor.task.thresholds == pytest.approx(chosen)
    assert multi_run.dev.primary_metric == "micro_f1"
    assert multi_run.dev.thresholds == pytest.approx(chosen)
    again = predictor.task.evaluate(predictor, dev)
    assert again.metrics() == meta.extra["scores"]["dev"]["metrics"]
    cut = np.asarray(chosen)
    for rec, row in zip(predictor.classify(dev.texts), probs, strict=True):
        expected = [
            multi_run.labels[j] for j in np.argsort(-row, kind="stable") if row[j] >= cut[j]
        ]
        assert rec["labels"] == expected
    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert all("dev_micro_f1" in r and "dev_samples_f1" in r for r in rows)
    assert (
        "Decision thresholds per label (each label's F1 maximised on dev)"
        in (out / "README.md").read_text()
    )


def test_multi_label_without_dev_keeps_half(tiny_encoder_dir: Path, tmp_path: Path) -> None:
    result = train(
        model=str(tiny_encoder_dir),
        train=str(write_multi_label(tmp_path / "train.jsonl", "train", 40)),
        output=str(tmp_path / "model"),
        epochs=1,
        max_length=24,
    )
    meta = read_meta(result.output)
    assert meta.extra["thresholds"] == [0.5] * len(result.labels)


def test_class_weights_and_windows(tiny_encoder_dir: Path, tmp_path: Path) -> None:
    from sklearn.utils.class_weight import compute_class_weight

    from nerlab.training.run import build_trainer, load_base, training_arguments

    options = {
        "model": str(tiny_encoder_dir),
        "train": str(demo_texts_path("train")),
        "dev": str(demo_texts_path("dev")),
        "output": str(tmp_path / "model"),
        "class_weights": "balanced",
        "long_text": "windows",
        "max_length": 12,
        "train_limit": 120,
        "epochs": 1,
    }
    cfg = TrainConfig(**(options | {"output": str(tmp_path / "probe")}))
    data = load_data(cfg)
    gold = [g[0] for g in data.train.labels]
    expected = compute_class_weight("balanced", classes=np.array(EMOTIONS), y=gold)
    assert list(data.source["class_weights"].values()) == pytest.approx(expected, rel=1e-5)
    base = load_base(cfg, str(tiny_encoder_dir))
    trainer = build_trainer(cfg, training_arguments(cfg, "fp32", data), data, base)
    assert isinstance(trainer.compute_loss_func, WeightedLoss)
    assert trainer.compute_loss_func.weights.tolist() == pytest.approx(expected)
    windows = trainer.train_dataset
    assert windows.too_long > 0 and len(windows) > len(data.train)
    assert max(windows.lengths) == 12

    result = train(**options)
    predictor = Predictor.load(result.output)
    assert predictor.task.long_text == "windows"
    dev = load_demo_texts("dev")
    assert predictor.task.evaluate(predictor, dev).metrics() == result.dev.metrics()
    meta = read_meta(result.output)
    assert meta.extra["data"]["class_weights"] == pytest.approx(
        dict(zip(EMOTIONS, expected, strict=True))
    )
    assert "Class weights (balanced)" in (Path(result.output) / "README.md").read_text()


def lines_file(path: Path, rows: list[str]) -> str:
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return str(path)


def test_unknown_dev_label_names_file_line_and_label(tiny_encoder_dir: Path, tmp_path: Path):
    dev = lines_file(tmp_path / "dev.txt", ["i am happy;joy", "i am bored;boredom"])
    with pytest.raises(LabelError, match=r"dev\.txt:2: label 'boredom' is not one the model"):
        train(
            model=str(tiny_encoder_dir),
            train=str(demo_texts_path("train")),
            dev=dev,
            output=str(tmp_path / "o"),
        )
    assert not (tmp_path / "o").exists()


def test_multi_label_file_into_a_single_label_model(tiny_encoder_dir: Path, tmp_path: Path):
    test = tmp_path / "test.jsonl"
    test.write_text(
        '{"text": "fine", "labels": ["joy"]}\n{"text": "x", "labels": ["joy", "fear"]}\n'
    )
    with pytest.raises(LabelError, match=r"test\.jsonl:2: this text has 2 labels \(joy, fear\)"):
        train(
            model=str(tiny_encoder_dir),
            train=str(demo_texts_path("train")),
            test=str(test),
            output=str(tmp_path / "o"),
        )


def test_wrong_task_for_the_data(tiny_encoder_dir: Path, tmp_path: Path) -> None:
    emotion = str(demo_texts_path("train"))
    common = {"model": str(tiny_encoder_dir), "output": str(tmp_path / "o")}
    with pytest.raises(ConfigError, match=r"--task token-classification, but .* holds text-"):
        train(train=emotion, task="token-classification", **common)
    conll = lines_file(tmp_path / "ner.conll", ["EU B-ORG", "rejects O", "", "Paris B-LOC"])
    with pytest.raises(DataError, match=r"ner\.conll:1: .*looks like token-classification data"):
        train(train=conll, task="text-classification", **common)
    with pytest.raises(ConfigError, match=r"label_sep: .* but .*ner\.conll reads as token-"):
        train(train=conll, label_sep=",", **common)
    with pytest.raises(ConfigError, match="tag_column: token-classification option"):
        train(train=emotion, tag_column=1, **common)
    with pytest.raises(ConfigError, match="class_weights: text-classification option"):
        train(train=conll, task="token-classification", class_weights="balanced", **common)
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    "flag, value, message",
    [
        ("--task", "ner", "'ner' is not one of 'auto', 'token-classification'"),
        ("--class-weights", "inverse", "'inverse' is not one of 'none', 'balanced'"),
        ("--long-text", "cut", "'cut' is not one of 'truncate', 'windows'"),
    ],
)
def test_bad_choices_on_the_command_line(
    tmp_path: Path, capsys: pytest.CaptureFixture, flag: str, value: str, message: str
) -> None:
    assert run_cli(["train", "-o", str(tmp_path / "o"), flag, value]) == 2
    assert message in " ".join(capsys.readouterr().err.split())


def test_bad_choices_in_the_config() -> None:
    with pytest.raises(ConfigError, match="class_weights 'inverse' is not one of: none, balanced"):
        TrainConfig(output="o", class_weights="inverse")
    with pytest.raises(ConfigError, match="long_text 'cut' is not one of: truncate, windows"):
        TrainConfig.from_dict({"output": "o", "long_text": "cut"})
    with pytest.raises(ConfigError, match="config 'label_sep' must be str or null"):
        TrainConfig(output="o", label_sep=1)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="label_sep must not be empty"):
        TrainConfig(output="o", label_sep=" ")


def test_help_lists_the_text_options(capsys: pytest.CaptureFixture) -> None:
    assert run_cli(["train", "--help"]) == 0
    text = capsys.readouterr().out
    for flag in ("--task", "--text-column", "--label-column", "--label-sep"):
        assert flag in text
    assert "--class-weights" in text and "--long-text" in text


@pytest.mark.slow
def test_minilm_overfits_30_texts_and_reloads_identically(tmp_path: Path) -> None:
    texts = load_demo_texts("train").examples
    picked = [next(e for e in texts if e.labels == [lab]) for lab in EMOTIONS]
    picked += [e for e in texts if e not in picked][: 30 - len(picked)]
    path = lines_file(tmp_path / "thirty.txt", [f"{e.text};{e.labels[0]}" for e in picked])
    result = train(
        model="minilm-l6",
        train=path,
        dev=path,
        output=str(tmp_path / "model"),
        epochs=15,
        learning_rate=1e-4,
        batch_size=8,
        patience=0,
        warmup_ratio=0.0,
    )
    assert result.dev.main_score == 1.0
    rows = [json.loads(x) for x in (Path(result.output) / "metrics.jsonl").read_text().splitlines()]
    assert rows[-1]["train_loss"] < rows[0]["train_loss"] / 2
    predictor = Predictor.load(result.output)
    corpus = load_texts(path)
    again = predictor.task.evaluate(predictor, corpus)
    assert again.metrics() == result.dev.metrics() and again.accuracy == 1.0
    assert [r["label"] for r in predictor.classify(corpus.texts)] == [g[0] for g in corpus.labels]
