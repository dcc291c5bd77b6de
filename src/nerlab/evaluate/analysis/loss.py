"""Word and sentence losses: which sentences and which words the model gets most wrong.

The loss of a word is the cross-entropy of the model's scores for it (the logits of its first
sub-token, as training labels it) against its gold label: ``logsumexp(scores) - scores[gold]``.
A sentence's loss is the mean over its words. Sorting sentences by loss finds annotation
errors and hard cases faster than reading F1 tables; grouping word losses by word form and by
gold label shows where the loss mass sits (the table notebooks build by hand).

A model with a CRF head (``--head crf``) was trained on the sequence, so its losses are the
CRF's (:func:`crf_losses`): a sentence's loss is its negative log-likelihood per word (the loss
it was trained on), and a word's loss is ``-log p(gold tag of that word | sentence)``, the
CRF's marginal from the forward-backward algorithm. With zero CRF scores both equal the
cross-entropy above.

Example:
    >>> losses = word_losses([np.array([[2.0, 0.0]])], [np.array([0])])
    >>> round(float(losses[0][0]), 4)
    0.1269
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class LossRow:
    """Loss of one group of words (a word form or a gold label).

    Attributes:
        key: the word form or the label.
        count: words in the group.
        mean: mean loss per word.
        total: summed loss (what the group costs the model overall).
    """

    key: str
    count: int
    mean: float
    total: float

    def to_dict(self) -> dict[str, float | int | str]:
        return {"key": self.key, "count": self.count, "mean": self.mean, "total": self.total}


def word_losses(scores: Sequence[np.ndarray], gold_ids: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Per sentence, the cross-entropy of each word (float64), computed in one vectorised pass.

    Args:
        scores: per sentence, ``(words, labels)`` logits.
        gold_ids: per sentence, the gold label id of each word.
    """
    sizes = [len(s) for s in scores]
    if not sum(sizes):
        return [np.zeros(0) for _ in scores]
    flat = np.concatenate([np.asarray(s, dtype=np.float64) for s in scores if len(s)])
    gold = np.concatenate(
        [np.asarray(g, dtype=np.int64) for g, n in zip(gold_ids, sizes, strict=True) if n]
    )
    peak = flat.max(axis=1)
    lse = peak + np.log(np.exp(flat - peak[:, None]).sum(axis=1))
    loss = lse - flat[np.arange(len(flat)), gold]
    return np.split(loss, np.cumsum(sizes)[:-1])


def crf_losses(
    scores: Sequence[np.ndarray],
    gold_ids: Sequence[np.ndarray],
    start: np.ndarray,
    transitions: np.ndarray,
    end: np.ndarray,
) -> tuple[list[np.ndarray], np.ndarray]:
    """A CRF tagger's losses: per sentence, each word's ``-log`` marginal probability of its
    gold tag, and the sentence's negative log-likelihood per word (``nan`` when empty).

    Args:
        scores: per sentence, ``(words, labels)`` emissions (logits; a constant added to a
            word's scores, such as a log-softmax, changes neither loss).
        gold_ids: per sentence, the gold label id of each word.
        start, transitions, end: the CRF's scores, ``(L,)``, ``(L, L)`` (from -> to), ``(L,)``.
    """
    start, trans, end = (np.asarray(x, dtype=np.float64) for x in (start, transitions, end))
    words: list[np.ndarray] = []
    sentence = np.full(len(scores), np.nan)
    for i, (emit, gold) in enumerate(zip(scores, gold_ids, strict=True)):
        emit, gold = np.asarray(emit, dtype=np.float64), np.asarray(gold, dtype=np.int64)
        n = len(emit)
        if not n:
            words.append(np.zeros(0))
            continue
        alpha = np.empty_like(emit)
        beta = np.empty_like(emit)
        alpha[0] = start + emit[0]
        for t in range(1, n):
            alpha[t] = _lse(alpha[t - 1][:, None] + trans, axis=0) + emit[t]
        beta[n - 1] = end
        for t in range(n - 2, -1, -1):
            beta[t] = _lse(trans + (emit[t + 1] + beta[t + 1])[None], axis=1)
        log_z = float(_lse(alpha[n - 1] + end, axis=0))
        path = start[gold[0]] + emit[np.arange(n), gold].sum() + end[gold[-1]]
        path += trans[gold[:-1], gold[1:]].sum()
        words.append(log_z - (alpha[np.arange(n), gold] + beta[np.arange(n), gold]))
        sentence[i] = (log_z - path) / n
    return words, sentence


def _lse(x: np.ndarray, axis: int) -> np.ndarray:
    peak = x.max(axis=axis, keepdims=True)
    return (peak + np.log(np.exp(x - peak).sum(axis=axis, keepdims=True))).squeeze(axis)


def sentence_losses(losses: Sequence[np.ndarray]) -> np.ndarray:
    """Mean word loss of each sentence (``nan`` for an empty sentence)."""
    return np.array([float(x.mean()) if len(x) else np.nan for x in losses])


def highest(values: np.ndarray, k: int) -> list[int]:
    """Indices of the ``k`` largest values, largest first (``nan`` left out, ties by index)."""
    order = np.argsort(-np.nan_to_num(values, nan=-np.inf), kind="stable")
    return [int(i) for i in order[:k] if not np.isnan(values[i])]


def group_losses(keys: Sequence[str], losses: np.ndarray, top: int | None = None) -> list[LossRow]:
    """Count, mean and total loss per key, by total loss (highest first), ``top`` rows at most.

    Args:
        keys: one key per word (its form, or its gold label).
        losses: one loss per word, aligned with ``keys``.
        top: how many rows to keep (``None``: all).
    """
    if not len(keys):
        return []
    names, inverse = np.unique(np.asarray(keys, dtype=object), return_inverse=True)
    count = np.bincount(inverse)
    total = np.bincount(inverse, weights=losses)
    order = np.lexsort((names.astype(str), -total))[:top]
    return [
        LossRow(str(names[i]), int(count[i]), float(total[i] / count[i]), float(total[i]))
        for i in order
    ]
