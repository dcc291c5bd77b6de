"""Scores of text classification: per-class precision/recall/F1/support, accuracy, averages and
the confusion matrix, equal to scikit-learn's ``classification_report`` (tested to 1e-12).

Single-label: one class per text; the report has one row per class, the accuracy (which is the
micro average when every class is listed) and the macro and weighted averages. Multi-label: a
binary indicator matrix ``(texts, labels)``; the report has one row per label and the micro,
macro, weighted and samples averages (samples: the mean over texts of each text's scores).

A class listed in ``labels`` that appears only in the predictions, only in gold, or nowhere
gets a row all the same, and undefined ratios are 0, as scikit-learn's default
``zero_division="warn"`` makes them (without the warning: the library is quiet).

Example:
    >>> r = class_report(["joy", "anger", "joy"], ["joy", "joy", "joy"], ["anger", "joy"])
    >>> r.accuracy, r.per_class["joy"].precision, r.per_class["anger"].f1
    (0.6666666666666666, 0.6666666666666666, 0.0)
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from nerlab.metrics.confusion import Confusion
from nerlab.metrics.render import to_text
from nerlab.metrics.scores import Row, Scores, _divide, averages, report_rows


@dataclass(frozen=True)
class ClassReport:
    """Per-class scores of a classifier, averaged, plus accuracy.

    Attributes:
        per_class: scores of each class (label), in the order of the label list.
        micro: scores over all decisions (single-label: precision = recall = F1 = accuracy).
        macro: unweighted mean of the per-class scores.
        weighted: mean of the per-class scores weighted by support.
        accuracy: single-label: fraction of texts classified right; multi-label: subset
            accuracy (texts whose predicted label set equals the gold set).
        samples: multi-label only: mean of each text's precision, recall and F1.
        multi_label: whether the report is of a multi-label classifier.
    """

    per_class: dict[str, Scores]
    micro: Scores
    macro: Scores
    weighted: Scores
    accuracy: float
    samples: Scores | None = None
    multi_label: bool = False

    def rows(self) -> list[Row]:
        """One row per class, then the averages, in scikit-learn's ``classification_report``
        order (single-label: ``accuracy`` as its one-number row, then macro and weighted)."""
        if self.multi_label:
            assert self.samples is not None
            avgs = [
                ("micro avg", self.micro),
                ("macro avg", self.macro),
                ("weighted avg", self.weighted),
                ("samples avg", self.samples),
            ]
            return report_rows(self.per_class, avgs)
        rows = report_rows(self.per_class, [])
        return [
            *rows,
            Row("accuracy", self.micro, f1_only=True),
            Row("macro avg", self.macro),
            Row("weighted avg", self.weighted),
        ]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict: ``per_class``, the averages and ``accuracy``."""
        out: dict[str, Any] = {
            "per_class": {name: s.to_dict() for name, s in self.per_class.items()},
            "accuracy": self.accuracy,
            "micro": self.micro.to_dict(),
            "macro": self.macro.to_dict(),
            "weighted": self.weighted.to_dict(),
        }
        if self.samples is not None:
            out["samples"] = self.samples.to_dict()
            out["subset_accuracy"] = out.pop("accuracy")
        return out

    def format(self, digits: int = 4) -> str:
        """A plain-text table laid out like scikit-learn's ``classification_report``."""
        text = to_text(self.rows(), digits)
        if self.multi_label:
            text += f"\n\nsubset accuracy: {self.accuracy:.{digits}f}"
        return text


def label_ids(
    values: Sequence[Hashable], labels: Sequence[Hashable], what: str = "y_true"
) -> np.ndarray:
    """The index in ``labels`` of each value.

    Raises:
        ValueError: a value that is not in ``labels`` (named, with the allowed labels).
    """
    index = {lab: i for i, lab in enumerate(labels)}
    if len(index) != len(labels):
        raise ValueError(f"labels must be unique, got {list(labels)}")
    try:
        return np.fromiter((index[v] for v in values), dtype=np.int64, count=len(values))
    except KeyError as exc:
        raise ValueError(
            f"{what} holds {exc.args[0]!r}, which is not one of the labels {list(labels)}"
        ) from None


def _labels(
    y_true: Sequence[Hashable], y_pred: Sequence[Hashable], labels: Sequence[Hashable] | None
) -> list[Hashable]:
    if len(y_true) != len(y_pred):
        raise ValueError(f"y_true has {len(y_true)} items and y_pred {len(y_pred)}")
    return sorted(set(y_true) | set(y_pred)) if labels is None else list(labels)  # type: ignore[type-var]


def class_report(
    y_true: Sequence[Hashable], y_pred: Sequence[Hashable], labels: Sequence[Hashable] | None = None
) -> ClassReport:
    """Single-label scores, equal to ``sklearn.metrics.classification_report(y_true, y_pred,
    labels=labels, output_dict=True)``.

    Args:
        y_true: the gold class of each text.
        y_pred: the predicted class of each text.
        labels: every class, in report order (a model's label list); ``None``: the sorted
            classes seen in ``y_true`` or ``y_pred``.

    Raises:
        ValueError: lists of different lengths, or a class not in ``labels``.
    """
    names = _labels(y_true, y_pred, labels)
    true = label_ids(y_true, names)
    pred = label_ids(y_pred, names, "y_pred")
    n = len(names)
    support = np.bincount(true, minlength=n)
    predicted = np.bincount(pred, minlength=n)
    correct = np.bincount(true[true == pred], minlength=n)
    per, micro, macro, weighted = averages(correct, predicted, support)
    accuracy = float(correct.sum() / len(true)) if len(true) else 0.0
    per_class = dict(zip(map(str, names), per, strict=True))
    return ClassReport(per_class, micro, macro, weighted, accuracy)


def _indicator(y: Any, n_labels: int, what: str) -> np.ndarray:
    arr = np.asarray(y)
    if arr.ndim != 2 or arr.shape[1] != n_labels:
        raise ValueError(f"{what} must be a (texts, {n_labels}) indicator matrix, got {arr.shape}")
    if not np.isin(arr, (0, 1)).all():
        raise ValueError(f"{what} must hold only 0 and 1 (or booleans)")
    return arr.astype(bool)


def multilabel_report(y_true: Any, y_pred: Any, labels: Sequence[Hashable]) -> ClassReport:
    """Multi-label scores, equal to ``classification_report`` on indicator matrices (micro,
    macro, weighted and samples averages) and ``accuracy_score`` (subset accuracy).

    Args:
        y_true: ``(texts, labels)`` 0/1 (or boolean) matrix of the gold labels.
        y_pred: the same for the predicted labels.
        labels: the label names, one per column.

    Raises:
        ValueError: matrices of other shapes or values.

    Example:
        >>> r = multilabel_report([[1, 0], [1, 1]], [[1, 0], [1, 0]], ["a", "b"])
        >>> r.micro.f1, r.samples.recall, r.accuracy
        (0.8, 0.75, 0.5)
    """
    true = _indicator(y_true, len(labels), "y_true")
    pred = _indicator(y_pred, len(labels), "y_pred")
    if true.shape != pred.shape:
        raise ValueError(f"y_true has shape {true.shape} and y_pred {pred.shape}")
    hit = true & pred
    per, micro, macro, weighted = averages(hit.sum(0), pred.sum(0), true.sum(0))
    # Per text: precision, recall and F1 (scikit-learn's 2tp / (true + pred)), 0 where undefined.
    tp, n_pred, n_true = hit.sum(1), pred.sum(1), true.sum(1)
    sample_p, sample_r = _divide(tp, n_pred), _divide(tp, n_true)
    sample_f = _divide(2.0 * tp, n_true + n_pred)
    n = len(true)

    def mean(x: np.ndarray) -> float:
        return float(x.mean()) if n else 0.0

    totals = (micro.support, micro.predicted, micro.correct)
    samples = Scores(mean(sample_p), mean(sample_r), mean(sample_f), *totals)
    accuracy = mean((true == pred).all(axis=1))
    per_class = dict(zip(map(str, labels), per, strict=True))
    return ClassReport(per_class, micro, macro, weighted, accuracy, samples, multi_label=True)


def class_confusion(
    y_true: Sequence[Hashable], y_pred: Sequence[Hashable], labels: Sequence[Hashable] | None = None
) -> Confusion:
    """The confusion matrix of classes (rows gold, columns predicted), equal to
    ``sklearn.metrics.confusion_matrix``; :meth:`Confusion.normalized` equals its
    ``normalize="true"``.
    """
    names = _labels(y_true, y_pred, labels)
    true = label_ids(y_true, names)
    pred = label_ids(y_pred, names, "y_pred")
    n = len(names)
    counts = np.bincount(true * n + pred, minlength=n * n).reshape(n, n)
    return Confusion([str(x) for x in names], counts.tolist(), none=None)


def multilabel_confusion(y_true: Any, y_pred: Any, labels: Sequence[Hashable]) -> Confusion:
    """Which labels the texts of each gold label were given: ``matrix[i][j]`` = texts with gold
    label ``i`` and predicted label ``j``; normalised by the texts with gold label ``i`` (the
    diagonal is each label's recall).
    """
    true = _indicator(y_true, len(labels), "y_true").astype(np.int64)
    pred = _indicator(y_pred, len(labels), "y_pred").astype(np.int64)
    counts = true.T @ pred
    return Confusion(
        [str(x) for x in labels], counts.tolist(), none=None, totals=true.sum(0).tolist()
    )
