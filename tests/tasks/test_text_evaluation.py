"""evaluate_classes, ClassificationEvaluation, choose_thresholds, the terminal view and the
report files, on hand-made probabilities whose results are worked out by hand."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console
from sklearn.metrics import classification_report

from nerlab.cli._classification import render_classification
from nerlab.errors import LabelError
from nerlab.evaluate.classification_report import write_classification_report
from nerlab.metrics.render import to_html, to_markdown
from nerlab.tasks.text_classification.evaluation import (
    ClassificationEvaluation,
    choose_thresholds,
    evaluate_classes,
)

LABELS = ["joy", "anger", "fear"]
TEXTS = ["what a day", "how dare you", "i am scared", "so happy"]
GOLD = [["joy"], ["anger"], ["fear"], ["joy"]]
PROBS = np.array(
    [
        [0.7, 0.2, 0.1],  # right, p(gold) 0.7
        [0.5, 0.4, 0.1],  # wrong (joy), p(gold) 0.4
        [0.05, 0.9, 0.05],  # wrong (anger), p(gold) 0.05
        [0.95, 0.03, 0.02],  # right, p(gold) 0.95
    ]
)


def _single() -> ClassificationEvaluation:
    return evaluate_classes(GOLD, PROBS, LABELS, texts=TEXTS, k=3)


def test_predictions_scores_and_protocol() -> None:
    ev = _single()
    assert ev.pred == [["joy"], ["joy"], ["anger"], ["joy"]]
    assert ev.primary_metric == "accuracy"
    assert ev.main_score == 0.5
    metrics = ev.metrics()
    assert metrics[ev.primary_metric] == ev.main_score
    # joy: 2 right of 3 predicted, 2 gold -> P 2/3, R 1, F1 0.8; anger and fear: 0
    joy = ev.report.per_class["joy"]
    assert (joy.precision, joy.recall, joy.support) == (2 / 3, 1.0, 2)
    assert joy.f1 == pytest.approx(0.8, abs=1e-15)
    assert metrics["macro_f1"] == pytest.approx(0.8 / 3, abs=1e-15)
    assert ev.confusion.matrix == [[2, 0, 0], [1, 0, 0], [0, 1, 0]]
    assert ev.confusion.normalized() == [[1.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
    ref = classification_report(
        [g[0] for g in GOLD],
        [p[0] for p in ev.pred],
        labels=LABELS,
        output_dict=True,
        zero_division=0,
    )
    assert ev.report.weighted.f1 == pytest.approx(ref["weighted avg"]["f1-score"], abs=1e-12)


def test_highest_loss_order_and_values() -> None:
    ev = _single()
    assert [h["index"] for h in ev.highest_loss] == [2, 1, 0]  # k=3 of 4
    assert [h["loss"] for h in ev.highest_loss] == pytest.approx(
        [-math.log(0.05), -math.log(0.4), -math.log(0.7)], abs=1e-12
    )
    top = ev.highest_loss[0]
    assert top["text"] == "i am scared"
    assert (top["gold"], top["pred"]) == (["fear"], ["anger"])
    assert ev.losses[3] == pytest.approx(-math.log(0.95), abs=1e-12)


def test_loss_of_a_zero_probability_is_finite() -> None:
    ev = evaluate_classes([["joy"]], np.array([[0.0, 1.0, 0.0]]), LABELS)
    assert math.isfinite(ev.highest_loss[0]["loss"])
    assert ev.highest_loss[0]["loss"] > 30
    assert ev.highest_loss[0]["text"] is None


def test_multi_label_thresholds_loss_and_averages() -> None:
    gold = [["joy", "fear"], [], ["anger"]]
    probs = np.array([[0.8, 0.1, 0.4], [0.6, 0.2, 0.1], [0.3, 0.7, 0.35]])
    ev = evaluate_classes(gold, probs, LABELS, multi_label=True, thresholds=[0.5, 0.5, 0.3])
    assert ev.pred == [["joy", "fear"], ["joy"], ["anger", "fear"]]
    assert ev.primary_metric == "micro_f1"
    # tp 3 (joy, fear, anger), predicted 5, gold 3 -> P 0.6, R 1, F1 0.75
    assert ev.main_score == pytest.approx(0.75, abs=1e-15)
    assert ev.metrics()["micro_f1"] == ev.main_score
    assert ev.accuracy == pytest.approx(1 / 3)  # only the first text is exactly right
    assert ev.thresholds == [0.5, 0.5, 0.3]
    # mean binary cross-entropy over the three labels of the second text (no gold label)
    bce = -(math.log(1 - 0.6) + math.log(1 - 0.2) + math.log(1 - 0.1)) / 3
    assert ev.losses[1] == pytest.approx(bce, abs=1e-12)
    assert ev.highest_loss[0]["index"] == int(np.argmax(ev.losses))
    # texts with gold joy (one) were predicted joy and fear: shares of that row are 1
    assert ev.confusion.matrix[0] == [1, 0, 1]
    assert ev.confusion.normalized()[0] == [1.0, 0.0, 1.0]
    assert "samples avg" in [r.name for r in ev.rows()]


def test_multi_label_default_threshold_is_half() -> None:
    ev = evaluate_classes([["joy"]], np.array([[0.5, 0.49, 0.51]]), LABELS, multi_label=True)
    assert ev.pred == [["joy", "fear"]]
    assert ev.thresholds == [0.5, 0.5, 0.5]


def test_choose_thresholds_on_a_crafted_dev_set() -> None:
    # joy: positives 0.9, 0.7; negatives 0.6, 0.2 -> cut between 0.7 and 0.6
    # anger: positives 0.8, 0.3; negatives 0.5, 0.1 -> best F1 (0.8) keeps 0.8, 0.5, 0.3
    # fear: never gold -> 0.5
    gold = [["joy", "anger"], ["joy"], ["anger"], []]
    probs = np.array([[0.9, 0.8, 0.1], [0.7, 0.5, 0.9], [0.6, 0.3, 0.2], [0.2, 0.1, 0.3]])
    assert choose_thresholds(gold, probs, LABELS) == pytest.approx([0.65, 0.2, 0.5])


def test_choose_thresholds_keeps_equal_scores_together() -> None:
    # a positive and a negative share 0.6: no threshold separates them
    gold = [["joy"], [], ["joy"]]
    probs = np.array([[0.6], [0.6], [0.1]])
    (t,) = choose_thresholds(gold, probs, ["joy"])
    predicted = probs[:, 0] >= t
    assert predicted[0] == predicted[1]
    # F1 with both 0.6 in: 2*1/(2+2) = 0.5; with all three in: 2*2/(3+2) = 0.8 -> all in
    assert t == pytest.approx(0.05)


def test_chosen_thresholds_maximise_each_label_f1() -> None:
    rng = np.random.default_rng(0)
    labels = ["a", "b", "c", "d"]
    truth = rng.random((200, 4)) < [0.5, 0.2, 0.05, 0.0]
    probs = np.clip(truth * 0.3 + rng.random((200, 4)) * 0.7, 0, 1).round(2)
    gold = [[labels[j] for j in np.flatnonzero(row)] for row in truth]
    chosen = choose_thresholds(gold, probs, labels)
    assert chosen[3] == 0.5  # never gold
    for j in range(3):

        def f1(t: float, j: int = j) -> float:
            pred = probs[:, j] >= t
            tp = (pred & truth[:, j]).sum()
            return 2 * tp / (pred.sum() + truth[:, j].sum())

        best = max(f1(t) for t in np.unique(probs[:, j]))
        assert f1(chosen[j]) == pytest.approx(best, abs=1e-12)


def test_to_dict_is_json_and_format_has_the_rows() -> None:
    ev = _single()
    data = json.loads(json.dumps(ev.to_dict()))
    assert data["accuracy"] == 0.5
    assert set(data["per_class"]) == set(LABELS)
    assert data["macro"]["f1"] == pytest.approx(0.8 / 3)
    assert data["confusion"]["normalized"][1] == [1.0, 0.0, 0.0]
    assert data["highest_loss"][0]["text"] == "i am scared"
    text = ev.format()
    for needle in ("joy", "anger", "fear", "accuracy", "macro avg", "weighted avg", "0.5000"):
        assert needle in text
    assert "i am scared" in text
    multi = evaluate_classes([["joy"]], np.array([[0.9, 0.1, 0.7]]), LABELS, multi_label=True)
    data = json.loads(json.dumps(multi.to_dict()))
    assert data["thresholds"] == {"joy": 0.5, "anger": 0.5, "fear": 0.5}
    assert data["micro_f1"] == pytest.approx(2 / 3)
    assert "samples avg" in multi.format()


def test_accuracy_row_renders_in_the_f1_column() -> None:
    rows = _single().rows()
    md = to_markdown(rows, "class")
    assert "| accuracy |  |  | 0.5000 | 4 | 4 | 2 |" in md
    assert "<th>accuracy</th><td></td><td></td><td>0.5000</td>" in to_html(rows, "class")


@pytest.mark.parametrize(
    ("gold", "probs", "error", "message"),
    [
        ([["joy"], ["love"]], np.full((2, 3), 1 / 3), LabelError, "gold label 'love'"),
        ([["joy", "fear"]], np.full((1, 3), 1 / 3), LabelError, "single-label"),
        ([[]], np.full((1, 3), 1 / 3), LabelError, "0 gold labels"),
        ([["joy"]], np.full((1, 2), 0.5), ValueError, r"shape \(texts, labels\) = \(1, 3\)"),
    ],
)
def test_bad_input_is_named(
    gold: list[list[str]], probs: np.ndarray, error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        evaluate_classes(gold, probs, LABELS)


def test_texts_and_thresholds_must_fit() -> None:
    with pytest.raises(ValueError, match="1 texts for 4 gold"):
        evaluate_classes(GOLD, PROBS, LABELS, texts=["one"])
    with pytest.raises(ValueError, match="2 thresholds for 3 labels"):
        evaluate_classes(GOLD, PROBS, LABELS, multi_label=True, thresholds=[0.5, 0.5])


def test_render_classification_prints_tables() -> None:
    console = Console(record=True, width=160)
    render_classification(_single(), console, name="dev")
    out = console.export_text()
    assert "dev: 4 texts, 3 classes (single-label)" in out
    for needle in ("per-class scores", "macro avg", "weighted avg", "accuracy", "fear"):
        assert needle in out
    assert "1.00 (2)" in out  # joy row of the confusion: share and count
    assert "i am scared" in out and "highest loss" in out
    console = Console(record=True, width=160)
    multi = evaluate_classes(
        [["joy"], []], np.array([[0.9, 0.1, 0.7], [0.2, 0.6, 0.1]]), LABELS, multi_label=True
    )
    render_classification(multi, console, name="test")
    out = console.export_text()
    for needle in ("per-label scores", "micro avg", "samples avg", "subset accuracy"):
        assert needle in out


def test_write_classification_report(tmp_path: Path) -> None:
    ev = _single()
    folder = tmp_path / "report"
    written = write_classification_report(ev, folder)
    names = [p.name for p in written]
    assert names == ["evaluation.json", "evaluation_confusion.json", "evaluation_confusion.png"]
    assert json.loads((folder / "evaluation.json").read_text()) == json.loads(
        json.dumps(ev.to_dict())
    )
    cm = json.loads((folder / "evaluation_confusion.json").read_text())
    assert cm["matrix"] == ev.confusion.matrix
    assert cm["normalized"] == ev.confusion.normalized()
    png = folder / "evaluation_confusion.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    from matplotlib.image import imread

    image = imread(png)
    assert image.shape[0] >= 300 and image.shape[1] >= 300
    assert image[..., :3].std() > 0.05  # not a blank canvas
    again = write_classification_report(ev, folder, stem="dev")
    assert [p.name for p in again] == ["dev.json", "dev_confusion.json", "dev_confusion.png"]
    assert len(list(folder.iterdir())) == 6
