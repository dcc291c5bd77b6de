"""`nerlab evaluate` / `nerlab.evaluate` with a text classifier: the task's scores, the
highest-loss texts, report files, JSONL predictions; multi-label data; data of the other task,
unknown labels, empty files and outputs that would overwrite inputs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import nerlab.data
from _cli import run
from _tiny import TINY_CLASSES, build_tiny_classifier
from nerlab.data.textio import load_texts
from nerlab.errors import ConfigError, DataError, LabelError
from nerlab.evaluate import evaluate
from nerlab.inference import Predictor
from nerlab.tasks.text_classification.evaluation import ClassificationEvaluation

DEMO = Path(nerlab.data.__file__).parent / "demo"
EMOTION_TEST = DEMO / "emotion-test.txt"


@pytest.fixture(scope="module")
def multi_dir(tiny_encoder_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_classifier(
        tmp_path_factory.mktemp("multi"), ["news", "sport", "tech"], True, tiny_encoder_dir
    )


def test_scores_are_the_tasks(classifier: Predictor) -> None:
    result = evaluate(classifier, EMOTION_TEST, top_loss=4)
    assert isinstance(result, ClassificationEvaluation)
    corpus = load_texts(EMOTION_TEST)
    by_task = classifier.task.evaluate(classifier, corpus)  # what nerlab train prints
    assert result.metrics() == by_task.metrics()
    assert result.pred == by_task.pred
    assert result.highest_loss == by_task.highest_loss[:4]
    predicted = [c["label"] for c in classifier.classify(corpus.texts)]
    gold = [labels[0] for labels in corpus.labels]
    assert result.accuracy == np.mean([p == g for p, g in zip(predicted, gold, strict=True)])


def test_cli_prints_reports_and_writes_files(
    classifier_dir: Path,
    classifier: Predictor,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    preds, reports = tmp_path / "preds.jsonl", tmp_path / "reports"
    argv = ["evaluate", classifier_dir, EMOTION_TEST, "--top-loss", "3", "--precision", "fp32"]
    code, out, err = run([*argv, "--predictions", preds, "--report-dir", reports], capsys)
    assert code == 0, err
    flat = " ".join(out.split())
    for part in ("per-class scores", "accuracy", "macro avg", "weighted avg", "confusion"):
        assert part in flat
    assert "3 texts with the highest loss" in flat
    assert sorted(p.name for p in reports.iterdir()) == [
        "evaluation.json",
        "evaluation_confusion.json",
        "evaluation_confusion.png",
    ]
    saved = json.loads((reports / "evaluation.json").read_text("utf-8"))
    assert saved["task"] == "text-classification" and len(saved["highest_loss"]) == 3

    corpus = load_texts(EMOTION_TEST)
    lines = [json.loads(line) for line in preds.read_text("utf-8").splitlines()]
    assert len(lines) == len(corpus)
    found = classifier.classify(corpus.texts)
    for line, ex, c in zip(lines, corpus, found, strict=True):
        assert set(line) == {"line", "text", "gold", "predicted", "loss", "scores"}
        assert (line["line"], line["text"], line["gold"]) == (ex.line, ex.text, ex.labels)
        assert line["predicted"] == c["labels"]
        assert line["scores"] == pytest.approx(c["scores"])
        assert list(line["scores"]) == list(c["scores"])  # most probable first
        assert line["loss"] == pytest.approx(-np.log(c["scores"][ex.labels[0]]))


def test_json_output_and_default_top_loss(
    classifier_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["evaluate", classifier_dir, EMOTION_TEST, "--json"], capsys)
    assert code == 0, err
    data = json.loads(out)
    assert data["task"] == "text-classification"
    assert set(data["metrics"]) >= {"accuracy", "macro_f1", "weighted_f1"}
    assert len(data["highest_loss"]) == 10
    losses = [h["loss"] for h in data["highest_loss"]]
    assert losses == sorted(losses, reverse=True)


def test_multi_label_csv_with_a_separator(
    multi_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "docs.csv"
    rows = ["body,tags", '"the match went to extra time",sport', '"new phone chips",tech|news']
    rows += ['"markets fell today",news', '"a robot played football",sport|tech']
    data.write_text("\n".join(rows) + "\n", encoding="utf-8")
    argv = ["evaluate", multi_dir, data, "--text-column", "body", "--label-column", "tags"]
    code, out, err = run([*argv, "--label-sep", "|", "--json"], capsys)
    assert code == 0, err
    result = json.loads(out)
    assert result["multi_label"] is True
    assert {"micro_f1", "samples_f1", "macro_f1", "subset_accuracy"} <= set(result["metrics"])
    code, out, err = run([*argv, "--label-sep", "|"], capsys)
    assert code == 0, err
    assert "per-label scores" in out and "samples" in out


# --- bad input ---------------------------------------------------------------------------------


def test_an_unknown_label_names_file_and_line(classifier_dir: Path, tmp_path: Path) -> None:
    data = tmp_path / "test.txt"
    data.write_text("i am happy;joy\ni am bored;boredom\n", encoding="utf-8")
    with pytest.raises(LabelError, match=rf"{data}:2: label 'boredom' is not one") as info:
        evaluate(classifier_dir, data)
    assert all(c in str(info.value) for c in TINY_CLASSES)


def test_a_multi_label_file_for_a_single_label_model(classifier_dir: Path, tmp_path: Path) -> None:
    data = tmp_path / "test.jsonl"
    data.write_text('{"text": "yay", "labels": ["joy", "love"]}\n', encoding="utf-8")
    with pytest.raises(LabelError, match=rf"{data}:1: .*2 labels .*single-label"):
        evaluate(classifier_dir, data)


def test_an_empty_file_is_a_data_error(
    classifier_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "empty.txt"
    data.write_text("\n\n", encoding="utf-8")
    code, _, err = run(["evaluate", classifier_dir, data], capsys)
    assert code == 2 and str(data) in err and "no text found" in err


def test_data_of_the_other_task_names_both(
    classifier_dir: Path, tagger_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(DataError) as info:
        evaluate(classifier_dir, DEMO / "test.conll")
    message = str(info.value)
    assert "token-classification (NER) data" in message
    assert "text-classification model" in message and "--text-column" in message
    code, _, err = run(["evaluate", tagger_dir, EMOTION_TEST], capsys)
    assert code == 2
    assert "holds text-classification data" in err and "token-classification model" in err


def test_options_of_the_other_task_are_refused(
    classifier_dir: Path, tagger_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(ConfigError, match="tag_column 'tags' is for token-classification"):
        evaluate(classifier_dir, EMOTION_TEST, tag_column="tags")
    code, _, err = run(["evaluate", tagger_dir, DEMO / "test.conll", "--top-loss", "3"], capsys)
    assert code == 2 and "top_loss=3" in err and "text-classification models" in err
    with pytest.raises(ConfigError, match="label_sep"):
        evaluate(tagger_dir, DEMO / "test.conll", label_sep="|")
    with pytest.raises(ConfigError, match="top_loss must be a whole number >= 0"):
        evaluate(classifier_dir, EMOTION_TEST, top_loss=-1)


def test_outputs_that_would_overwrite_inputs(
    classifier_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "test.txt"
    data.write_text("i am happy;joy\n", encoding="utf-8")
    before = data.read_bytes()
    code, _, err = run(["evaluate", classifier_dir, data, "--predictions", data], capsys)
    assert code == 2 and f"--predictions {data} would overwrite its input" in err
    config = classifier_dir / "config.json"
    code, _, err = run(["evaluate", classifier_dir, data, "--predictions", config], capsys)
    assert code == 2 and "would overwrite its input" in err
    assert data.read_bytes() == before
