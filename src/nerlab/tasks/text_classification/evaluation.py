"""The evaluation of a text classifier: gold against predicted classes, the report, the
confusion matrix and the texts the model got most wrong.

The model's probabilities (softmax for single-label models, one sigmoid per label for
multi-label ones) are turned into predictions here, as the Predictor does (argmax, or each
label at or above its threshold), so ``nerlab train`` (dev and test) and ``nerlab evaluate``
print the same numbers. The texts the model is most wrong about are those with the highest
loss: the cross-entropy of the gold class (multi-label: the mean binary cross-entropy over
labels), the quantity training minimised.

Example:
    >>> import numpy as np
    >>> ev = evaluate_classes([["joy"], ["anger"]], np.array([[0.9, 0.1], [0.6, 0.4]]),
    ...                       ["joy", "anger"], texts=["yay", "grr"], k=1)
    >>> ev.primary_metric, ev.main_score, ev.highest_loss[0]["text"]
    ('accuracy', 0.5, 'grr')
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from nerlab.errors import LabelError
from nerlab.metrics.classification import (
    ClassReport,
    class_confusion,
    class_report,
    multilabel_confusion,
    multilabel_report,
)
from nerlab.metrics.confusion import Confusion
from nerlab.metrics.scores import Row
from nerlab.tasks.text_classification.decoding import predicted_labels


@dataclass
class ClassificationEvaluation:
    """Scores of a text classifier on one labelled corpus.

    Attributes:
        labels: the classes, in the model's order (report rows and confusion in this order).
        gold: gold labels per text (one for a single-label corpus).
        pred: predicted labels per text (single-label: exactly one).
        multi_label: whether the model is multi-label.
        report: per-class scores, averages and accuracy (equal to scikit-learn's).
        confusion: classes confused (rows gold, columns predicted), counts and
            ``normalized()`` by gold.
        losses: per text, the loss of its gold labels under the model's probabilities.
        highest_loss: the ``k`` texts with the highest loss, highest first: ``index``,
            ``text`` (``None`` when no texts were given), ``gold``, ``pred``, ``loss``.
        thresholds: multi-label: the per-label thresholds the predictions used.
    """

    labels: list[str]
    gold: list[list[str]]
    pred: list[list[str]]
    multi_label: bool
    report: ClassReport
    confusion: Confusion
    losses: np.ndarray
    highest_loss: list[dict[str, Any]] = field(default_factory=list)
    thresholds: list[float] | None = None

    @property
    def primary_metric(self) -> str:
        """``accuracy`` for single-label models, ``micro_f1`` for multi-label ones."""
        return "micro_f1" if self.multi_label else "accuracy"

    @property
    def main_score(self) -> float:
        """The value of :attr:`primary_metric`."""
        return self.report.micro.f1 if self.multi_label else self.report.accuracy

    @property
    def accuracy(self) -> float:
        """Accuracy (multi-label: subset accuracy, every label of a text right)."""
        return self.report.accuracy

    def metrics(self) -> dict[str, float]:
        """The headline numbers: the primary metric and the macro (and micro, weighted,
        samples) averages."""
        r = self.report
        out = {
            "macro_f1": r.macro.f1,
            "macro_precision": r.macro.precision,
            "macro_recall": r.macro.recall,
            "weighted_f1": r.weighted.f1,
        }
        if not self.multi_label:
            return {"accuracy": r.accuracy, **out}
        assert r.samples is not None
        micro = {"micro_f1": r.micro.f1, "micro_precision": r.micro.precision}
        micro["micro_recall"] = r.micro.recall
        return micro | out | {"samples_f1": r.samples.f1, "subset_accuracy": r.accuracy}

    def rows(self) -> list[Row]:
        """Report rows (per class, then accuracy and the averages) for the renderers of
        :mod:`nerlab.metrics.render` and the CLI."""
        return self.report.rows()

    def to_dict(self) -> dict[str, Any]:
        """Scores, confusion matrix and highest-loss texts, JSON-ready (no per-text labels)."""
        out: dict[str, Any] = {
            "task": "text-classification",
            "multi_label": self.multi_label,
            "texts": len(self.gold),
            "labels": self.labels,
            self.primary_metric: self.main_score,
            "metrics": self.metrics(),
            **self.report.to_dict(),
            "mean_loss": float(self.losses.mean()) if len(self.losses) else 0.0,
            "confusion": self.confusion.to_dict(),
            "highest_loss": self.highest_loss,
        }
        if self.thresholds is not None:
            out["thresholds"] = dict(zip(self.labels, self.thresholds, strict=True))
        return out

    def format(self, digits: int = 4) -> str:
        """The report as plain text (scikit-learn's layout), then the highest-loss texts."""
        kind = "multi-label" if self.multi_label else "single-label"
        parts = [f"{len(self.gold)} texts, {len(self.labels)} classes ({kind})"]
        parts.append(self.report.format(digits))
        if self.highest_loss:
            lines = [f"{len(self.highest_loss)} highest-loss texts (loss, gold -> predicted):"]
            for h in self.highest_loss:
                text = "" if h["text"] is None else f"  {h['text']}"
                lines.append(
                    f"{h['loss']:8.{digits}f}  {', '.join(h['gold']) or '-'} -> "
                    f"{', '.join(h['pred']) or '-'}{text}"
                )
            parts.append("\n".join(lines))
        return "\n\n".join(parts)


def _check(gold: Sequence[Sequence[str]], probs: Any, labels: Sequence[str]) -> np.ndarray:
    """``probs`` as a float64 ``(texts, labels)`` array; gold labels known to the model."""
    arr = np.asarray(probs, dtype=np.float64)
    if arr.ndim != 2 or arr.shape != (len(gold), len(labels)):
        raise ValueError(
            f"probs must have shape (texts, labels) = ({len(gold)}, {len(labels)}), got {arr.shape}"
        )
    known = set(labels)
    for i, g in enumerate(gold):
        for lab in g:
            if lab not in known:
                raise LabelError(
                    f"text {i}: gold label {lab!r} is not one of the model's labels "
                    f"({', '.join(labels)})"
                )
    return arr


def _indicator(label_lists: Sequence[Sequence[str]], labels: Sequence[str]) -> np.ndarray:
    index = {lab: j for j, lab in enumerate(labels)}
    out = np.zeros((len(label_lists), len(labels)), dtype=bool)
    for i, labs in enumerate(label_lists):
        out[i, [index[lab] for lab in labs]] = True
    return out


def text_losses(gold: np.ndarray, probs: np.ndarray, multi_label: bool) -> np.ndarray:
    """Per text, the cross-entropy of its gold labels (``gold``: an indicator matrix).

    Single-label: ``-log p(gold)``; multi-label: the mean over labels of the binary
    cross-entropy. Probabilities are clipped to ``[eps, 1 - eps]`` (float64 eps, as
    scikit-learn's ``log_loss``), so a probability of 0 gives a large finite loss.
    """
    eps = np.finfo(np.float64).eps
    p = np.clip(probs, eps, 1.0 - eps)
    if not multi_label:
        return -np.log(p[gold]) if len(p) else np.zeros(0)
    bce = -(gold * np.log(p) + ~gold * np.log1p(-p))
    return bce.mean(axis=1) if len(p) else np.zeros(0)


def evaluate_classes(
    gold: list[list[str]],
    probs: np.ndarray,
    labels: list[str],
    *,
    multi_label: bool = False,
    thresholds: list[float] | None = None,
    texts: list[str] | None = None,
    k: int = 10,
) -> ClassificationEvaluation:
    """Score a classifier's probabilities against gold labels.

    Args:
        gold: per text, its gold labels (single-label: a list of one).
        probs: ``(texts, labels)`` probabilities: softmax for single-label models, sigmoid
            for multi-label ones.
        labels: the model's classes, one per column of ``probs``.
        multi_label: predict every label at or above its threshold instead of the argmax.
        thresholds: multi-label: per label (``None``: 0.5 each).
        texts: the texts, shown with the highest-loss examples.
        k: how many highest-loss texts to keep.

    Raises:
        LabelError: a gold label the model does not know, or a text without exactly one
            label for a single-label model.
        ValueError: ``probs``, ``texts`` or ``thresholds`` that do not fit.
    """
    arr = _check(gold, probs, labels)
    if texts is not None and len(texts) != len(gold):
        raise ValueError(f"{len(texts)} texts for {len(gold)} gold label lists")
    if thresholds is not None and len(thresholds) != len(labels):
        raise ValueError(f"{len(thresholds)} thresholds for {len(labels)} labels")
    if not multi_label:
        for i, g in enumerate(gold):
            if len(g) != 1:
                raise LabelError(
                    f"text {i}: {len(g)} gold labels ({', '.join(g) or 'none'}), but the model "
                    "is single-label (one label per text)"
                )
    pred = predicted_labels(arr, labels, multi_label, thresholds)
    gold_m, pred_m = _indicator(gold, labels), _indicator(pred, labels)
    if multi_label:
        report = multilabel_report(gold_m, pred_m, labels)
        confusion = multilabel_confusion(gold_m, pred_m, labels)
    else:
        flat_gold, flat_pred = [g[0] for g in gold], [p[0] for p in pred]
        report = class_report(flat_gold, flat_pred, labels)
        confusion = class_confusion(flat_gold, flat_pred, labels)
    losses = text_losses(gold_m, arr, multi_label)
    order = np.argsort(-losses, kind="stable")[: max(k, 0)]
    highest = [
        {
            "index": int(i),
            "text": None if texts is None else texts[i],
            "gold": list(gold[i]),
            "pred": list(pred[i]),
            "loss": float(losses[i]),
        }
        for i in order
    ]
    if multi_label and thresholds is None:
        thresholds = [0.5] * len(labels)
    return ClassificationEvaluation(
        list(labels),
        [list(g) for g in gold],
        pred,
        multi_label,
        report,
        confusion,
        losses,
        highest,
        None if thresholds is None else [float(t) for t in thresholds],
    )


def choose_thresholds(gold: list[list[str]], probs: np.ndarray, labels: list[str]) -> list[float]:
    """Per label, the threshold that maximises that label's F1 on ``gold`` (a dev set).

    Each label is cut where its F1 is highest; the threshold lies half way between the lowest
    probability predicted and the next one below it, so that it does not sit on a dev
    example. Of cuts with equal F1 the highest threshold wins. A label with no gold text
    keeps 0.5.

    Example:
        >>> choose_thresholds([["a"], ["a"], []], np.array([[0.9], [0.3], [0.2]]), ["a"])
        [0.25]
    """
    arr = _check(gold, probs, labels)
    truth = _indicator(gold, labels)
    return [_best_threshold(truth[:, j], arr[:, j]) for j in range(len(labels))]


def _best_threshold(y: np.ndarray, p: np.ndarray) -> float:
    n_pos = int(y.sum())
    if n_pos == 0:
        return 0.5
    order = np.argsort(-p, kind="stable")
    ps, ys = p[order], y[order]
    predicted = np.arange(1, len(ps) + 1)
    f1 = 2.0 * np.cumsum(ys) / (predicted + n_pos)
    # Only cut between different probabilities: texts with equal scores go together.
    f1[np.r_[ps[1:] == ps[:-1], False]] = -1.0
    best = int(np.argmax(f1))
    below = ps[best + 1] if best + 1 < len(ps) else 0.0
    return float((ps[best] + below) / 2.0)
