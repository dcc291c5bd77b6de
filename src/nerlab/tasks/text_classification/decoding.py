"""From class scores to probabilities, predicted labels and output records (what
:meth:`nerlab.inference.Predictor.classify` returns).

Single-label models use the softmax over classes and predict the most probable class;
multi-label models use one sigmoid per label and predict every label whose probability reaches
its threshold (chosen on dev at training time, 0.5 otherwise).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypedDict

import numpy as np


class Classification(TypedDict):
    """The classes of one text.

    Attributes:
        label: the most probable class.
        score: its probability.
        labels: the predicted classes: ``[label]`` for a single-label model; for a multi-label
            model every class at or above its threshold, most probable first (maybe none).
        scores: class -> probability, most probable first (all classes, or the ``top_k``).
    """

    label: str
    score: float
    labels: list[str]
    scores: dict[str, float]


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax, computed in float64."""
    z = np.asarray(logits, dtype=np.float64)
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


def sigmoid(logits: np.ndarray) -> np.ndarray:
    """Element-wise logistic function, computed in float64 without overflow."""
    z = np.asarray(logits, dtype=np.float64)
    return np.exp(-np.logaddexp(0.0, -z))


def predicted_labels(
    probs: np.ndarray,
    labels: Sequence[str],
    multi_label: bool,
    thresholds: Sequence[float] | None = None,
) -> list[list[str]]:
    """Per text, the predicted classes in label order (argmax, or probabilities at or above
    each label's threshold, 0.5 by default)."""
    names = np.asarray(labels, dtype=object)
    if not multi_label:
        return [[names[i]] for i in probs.argmax(axis=1)] if len(probs) else []
    cut = np.asarray(thresholds if thresholds is not None else [0.5] * len(labels))
    return [names[row >= cut].tolist() for row in probs]


def classifications(
    probs: np.ndarray,
    labels: Sequence[str],
    *,
    multi_label: bool = False,
    thresholds: Sequence[float] | None = None,
    top_k: int | None = None,
) -> list[Classification]:
    """Output records from ``(texts, labels)`` probabilities (see :class:`Classification`)."""
    k = len(labels) if top_k is None else min(top_k, len(labels))
    cut = np.asarray(thresholds if thresholds is not None else [0.5] * len(labels))
    order = np.argsort(-probs, axis=1, kind="stable") if len(probs) else probs.astype(int)
    out: list[Classification] = []
    for row, ranked in zip(probs.tolist(), order.tolist(), strict=True):
        best = ranked[0]
        chosen = [labels[j] for j in ranked if row[j] >= cut[j]] if multi_label else [labels[best]]
        out.append(
            Classification(
                label=labels[best],
                score=row[best],
                labels=chosen,
                scores={labels[j]: row[j] for j in ranked[:k]},
            )
        )
    return out
