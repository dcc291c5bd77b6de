"""nerlab.metrics.classification against scikit-learn on a few hundred random label sets.

Every number of ``classification_report(output_dict=True)``, ``precision_recall_fscore_support``
(micro, macro, weighted, samples), ``accuracy_score`` and ``confusion_matrix`` (counts and
``normalize="true"``) is compared to 1e-12, with scikit-learn's default ``zero_division``:
random class counts 2-8, skewed class frequencies, classes missing from gold or from the
predictions (the full label list is given), from one text to a few hundred.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.metrics import (
    accuracy_score,
    classification_report,
    confusion_matrix,
    precision_recall_fscore_support,
)
from sklearn.preprocessing import MultiLabelBinarizer

from nerlab.metrics.classification import (
    class_confusion,
    class_report,
    multilabel_confusion,
    multilabel_report,
)
from nerlab.metrics.scores import Scores

TOL = 1e-12
CASES = 300


def _sizes(rng: np.random.Generator) -> tuple[int, int]:
    n_labels = int(rng.integers(2, 9))
    n = int(rng.choice([1, 2, 3, 5, int(rng.integers(5, 40)), int(rng.integers(40, 400))]))
    return n_labels, n


def _skewed(rng: np.random.Generator, n_labels: int, n: int) -> np.ndarray:
    """Class ids drawn from a skewed distribution over a random subset of the classes."""
    present = rng.choice(n_labels, size=int(rng.integers(1, n_labels + 1)), replace=False)
    weights = rng.dirichlet(np.full(len(present), 0.5))
    return rng.choice(present, size=n, p=weights)


def _single_case(seed: int) -> tuple[list[str], list[str], list[str]]:
    rng = np.random.default_rng(seed)
    n_labels, n = _sizes(rng)
    labels = [f"c{i}" for i in rng.permutation(n_labels)]  # report order is not sorted order
    true = _skewed(rng, n_labels, n)
    pred = true.copy()
    wrong = rng.random(n) < rng.uniform(0.0, 1.0)
    pred[wrong] = _skewed(rng, n_labels, int(wrong.sum()))
    return [labels[i] for i in true], [labels[i] for i in pred], labels


def _close(ours: Scores, p: float, r: float, f: float) -> None:
    assert abs(ours.precision - p) <= TOL
    assert abs(ours.recall - r) <= TOL
    assert abs(ours.f1 - f) <= TOL


@pytest.fixture(autouse=True)
def _quiet_sklearn() -> None:
    warnings.simplefilter("ignore", UndefinedMetricWarning)


@pytest.mark.parametrize("block", range(6))
def test_single_label_report_equals_sklearn(block: int) -> None:
    for seed in range(block * CASES // 6, (block + 1) * CASES // 6):
        y_true, y_pred, labels = _single_case(seed)
        ours = class_report(y_true, y_pred, labels)
        ref = classification_report(y_true, y_pred, labels=labels, output_dict=True)
        assert list(ours.per_class) == labels
        for lab in labels:
            row = ref[lab]
            _close(ours.per_class[lab], row["precision"], row["recall"], row["f1-score"])
            assert ours.per_class[lab].support == row["support"]
        assert abs(ours.accuracy - ref["accuracy"]) <= TOL
        assert abs(ours.accuracy - accuracy_score(y_true, y_pred)) <= TOL
        for name, avg in (("macro avg", ours.macro), ("weighted avg", ours.weighted)):
            _close(avg, ref[name]["precision"], ref[name]["recall"], ref[name]["f1-score"])
            assert avg.support == ref[name]["support"] == len(y_true)
        for average in ("micro", "macro", "weighted"):
            p, r, f, _ = precision_recall_fscore_support(
                y_true, y_pred, labels=labels, average=average
            )
            _close(getattr(ours, average), p, r, f)


@pytest.mark.parametrize("block", range(3))
def test_confusion_equals_sklearn(block: int) -> None:
    for seed in range(block * CASES // 3, (block + 1) * CASES // 3):
        y_true, y_pred, labels = _single_case(seed)
        ours = class_confusion(y_true, y_pred, labels)
        assert ours.labels == labels
        np.testing.assert_array_equal(ours.matrix, confusion_matrix(y_true, y_pred, labels=labels))
        np.testing.assert_allclose(
            ours.normalized(),
            confusion_matrix(y_true, y_pred, labels=labels, normalize="true"),
            rtol=0,
            atol=TOL,
        )


def _multi_case(seed: int) -> tuple[list[list[str]], list[list[str]], list[str]]:
    rng = np.random.default_rng(10_000 + seed)
    n_labels, n = _sizes(rng)
    labels = [f"l{i}" for i in rng.permutation(n_labels)]
    rates = rng.beta(0.5, 1.5, size=n_labels)  # some labels rare or absent
    true = rng.random((n, n_labels)) < rates
    flip = rng.random((n, n_labels)) < rng.uniform(0.0, 0.6)
    pred = true ^ flip
    if rng.random() < 0.3:  # a label never predicted
        pred[:, rng.integers(n_labels)] = False

    def sets(m: np.ndarray) -> list[list[str]]:
        return [[labels[j] for j in np.flatnonzero(row)] for row in m]

    return sets(true), sets(pred), labels


@pytest.mark.parametrize("block", range(6))
def test_multi_label_report_equals_sklearn(block: int) -> None:
    for seed in range(block * CASES // 6, (block + 1) * CASES // 6):
        gold_sets, pred_sets, labels = _multi_case(seed)
        mlb = MultiLabelBinarizer(classes=labels)
        y_true = mlb.fit_transform(gold_sets)
        y_pred = mlb.transform(pred_sets)
        ours = multilabel_report(y_true, y_pred, labels)
        ref = classification_report(y_true, y_pred, target_names=labels, output_dict=True)
        for lab in labels:
            row = ref[lab]
            _close(ours.per_class[lab], row["precision"], row["recall"], row["f1-score"])
            assert ours.per_class[lab].support == row["support"]
        assert ours.samples is not None
        averages = ("micro", "macro", "weighted", "samples")
        for average in averages:
            row = ref[f"{average} avg"]
            avg = getattr(ours, average)
            _close(avg, row["precision"], row["recall"], row["f1-score"])
            assert avg.support == row["support"]
        # precision_recall_fscore_support too, one average per case in turn (it is what
        # classification_report calls, so all four each time would only double the run time)
        average = averages[seed % 4]
        p, r, f, _ = precision_recall_fscore_support(y_true, y_pred, average=average)
        _close(getattr(ours, average), p, r, f)
        assert abs(ours.accuracy - accuracy_score(y_true, y_pred)) <= TOL


def test_multi_label_confusion_counts_label_pairs() -> None:
    for seed in range(50):
        gold_sets, pred_sets, labels = _multi_case(seed)
        mlb = MultiLabelBinarizer(classes=labels)
        y_true, y_pred = mlb.fit_transform(gold_sets), mlb.transform(pred_sets)
        cm = multilabel_confusion(y_true, y_pred, labels)
        for i, gi in enumerate(labels):
            with_gold = [p for g, p in zip(gold_sets, pred_sets, strict=True) if gi in g]
            for j, pj in enumerate(labels):
                count = sum(pj in p for p in with_gold)
                assert cm.matrix[i][j] == count
                share = count / len(with_gold) if with_gold else 0.0
                assert abs(cm.normalized()[i][j] - share) <= TOL
        # the diagonal of the normalised matrix is each label's recall
        report = multilabel_report(y_true, y_pred, labels)
        for i, gi in enumerate(labels):
            assert abs(cm.normalized()[i][i] - report.per_class[gi].recall) <= TOL


def test_edge_cases_equal_sklearn() -> None:
    """Nothing right, everything right, one text, a class only predicted, only gold."""
    cases = [
        (["a"], ["b"], ["a", "b"]),
        (["a", "a"], ["a", "a"], ["a", "b", "c"]),
        (["b", "b", "b"], ["a", "a", "a"], ["a", "b"]),
        (["a", "b"], ["c", "c"], ["c", "b", "a"]),
    ]
    for y_true, y_pred, labels in cases:
        ours = class_report(y_true, y_pred, labels)
        ref = classification_report(y_true, y_pred, labels=labels, output_dict=True)
        for lab in labels:
            _close(
                ours.per_class[lab],
                ref[lab]["precision"],
                ref[lab]["recall"],
                ref[lab]["f1-score"],
            )
        _close(
            ours.weighted,
            ref["weighted avg"]["precision"],
            ref["weighted avg"]["recall"],
            ref["weighted avg"]["f1-score"],
        )
    # multi-label: texts with no gold and no predicted label (scikit-learn: 0 for that text)
    y_true = np.array([[0, 0], [1, 0], [0, 0]])
    y_pred = np.array([[0, 0], [1, 1], [0, 1]])
    ours = multilabel_report(y_true, y_pred, ["a", "b"])
    p, r, f, _ = precision_recall_fscore_support(y_true, y_pred, average="samples")
    assert ours.samples is not None
    _close(ours.samples, p, r, f)
    p, r, f, _ = precision_recall_fscore_support(y_true, y_pred, average="weighted")
    _close(ours.weighted, p, r, f)


def test_default_labels_are_sorted_union() -> None:
    ours = class_report(["b", "c"], ["a", "c"])
    assert list(ours.per_class) == ["a", "b", "c"]


@pytest.mark.parametrize(
    ("y_true", "y_pred", "labels", "message"),
    [
        (["a", "x"], ["a", "a"], ["a", "b"], "y_true holds 'x', which is not one of the labels"),
        (["a", "a"], ["a", "z"], ["a", "b"], "y_pred holds 'z'"),
        (["a"], ["a", "b"], None, "y_true has 1 items and y_pred 2"),
        (["a"], ["a"], ["a", "a"], "labels must be unique"),
    ],
)
def test_bad_input_is_named(
    y_true: list[str], y_pred: list[str], labels: list[str] | None, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        class_report(y_true, y_pred, labels)


def test_bad_indicator_matrices_are_named() -> None:
    with pytest.raises(ValueError, match=r"must be a \(texts, 2\) indicator matrix"):
        multilabel_report([[1, 0, 1]], [[1, 0]], ["a", "b"])
    with pytest.raises(ValueError, match="only 0 and 1"):
        multilabel_report([[2, 0]], [[1, 0]], ["a", "b"])


def test_rows_and_text_follow_sklearn_layout() -> None:
    y_true, y_pred, labels = ["a", "b", "a"], ["a", "a", "c"], ["a", "b", "c"]
    ours = class_report(y_true, y_pred, labels)
    names = [r.name for r in ours.rows()]
    assert names == ["a", "b", "c", "accuracy", "macro avg", "weighted avg"]
    acc_row = ours.rows()[3]
    assert acc_row.f1_only and acc_row.scores.f1 == ours.accuracy
    text = ours.format(digits=2)
    ref = classification_report(y_true, y_pred, labels=labels, digits=2)
    # same lines, numbers and labels (column widths differ by a few spaces)
    assert [line.split() for line in text.splitlines() if line.strip()] == [
        line.split() for line in ref.splitlines() if line.strip()
    ]
