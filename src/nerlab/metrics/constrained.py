"""Constrained decoding: the best tag sequence that the tag scheme allows (Viterbi).

A tagger trained with per-word softmax can predict sequences no scheme allows, such as
``O I-PER`` or ``B-ORG I-LOC``. conlleval reads such an ``I-`` as the start of an entity
(lenient), the strict mode drops it; either way the model's own evidence for a neighbouring
``B-`` is ignored. Viterbi over the per-word log-probabilities with the scheme's transitions
finds the most probable sequence among the allowed ones, at no training cost and for every
model (BIO-CRF decoding without the CRF's learned transition scores).

In IOB2 an ``I-X`` may only follow ``B-X`` or ``I-X``; every other transition is allowed, and
a sentence may not start with ``I-X``. Plain tags (POS) have no constraints.

A model with a CRF head (``nerlab train --head crf``) adds its learned start, transition and
end scores (:class:`Learned`) to the constraints: the same Viterbi, with the CRF's scores.

Example:
    >>> labels = ["O", "B-PER", "I-PER"]
    >>> logits = np.log([[0.1, 0.4, 0.5], [0.1, 0.1, 0.8]])  # argmax: I-PER I-PER
    >>> constrained_ids([logits], labels)[0].tolist()
    [1, 2]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

DECODINGS = ("argmax", "viterbi")


class Learned(NamedTuple):
    """A CRF's learned scores: ``start (L,)``, ``transitions (L, L)`` (from -> to), ``end (L,)``."""

    start: np.ndarray
    transitions: np.ndarray
    end: np.ndarray

    @classmethod
    def from_json(cls, data: dict[str, Any], n_labels: int) -> Learned:
        """The scores as ``nerlab_config.json`` records them (``"crf"``).

        Raises:
            ValueError: missing keys, wrong shapes or values that are not finite numbers.
        """
        try:
            out = cls(*(np.asarray(data[k], dtype=np.float64) for k in cls._fields))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(
                f"'crf' must hold 'start', 'transitions' and 'end' number arrays ({exc})"
            ) from None
        shapes = {"start": (n_labels,), "transitions": (n_labels, n_labels), "end": (n_labels,)}
        for name, shape in shapes.items():
            value = getattr(out, name)
            if value.shape != shape:
                raise ValueError(f"'crf' {name!r} has shape {value.shape}, not {shape}")
            if not np.isfinite(value).all():
                raise ValueError(f"'crf' {name!r} holds values that are not finite numbers")
        return out


def transitions(labels: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """The IOB2 constraints of ``labels``: ``(start_ok (L,), allowed (L, L))`` booleans.

    ``allowed[i, j]`` says whether label ``j`` may follow label ``i``.
    """
    n = len(labels)
    start_ok = np.ones(n, dtype=bool)
    allowed = np.ones((n, n), dtype=bool)
    for j, tag in enumerate(labels):
        if not tag.startswith("I-"):
            continue
        start_ok[j] = False
        kind = tag[2:]
        allowed[:, j] = False
        for i, prev in enumerate(labels):
            if prev in (f"B-{kind}", f"I-{kind}"):
                allowed[i, j] = True
    return start_ok, allowed


def log_softmax(scores: np.ndarray) -> np.ndarray:
    """Row-wise log-softmax of ``(words, labels)`` logits, in float64."""
    x = np.asarray(scores, dtype=np.float64)
    x = x - x.max(axis=-1, keepdims=True)
    return x - np.log(np.exp(x).sum(axis=-1, keepdims=True))


def constrained_ids(
    scores: Sequence[np.ndarray],
    labels: Sequence[str],
    *,
    chunk: int = 256,
    learned: Learned | None = None,
    constrain: bool = True,
) -> list[np.ndarray]:
    """Per sentence, the label ids of the most probable sequence the IOB2 scheme allows.

    Args:
        scores: per sentence, ``(words, labels)`` logits (or log-probabilities).
        labels: the label names in id order (``B-``/``I-``/``O``).
        chunk: sentences decoded together (one padded array per chunk; sentences are sorted
            by length first, so little of it is padding).
        learned: a CRF's scores, added to the constraints (``None``: none).
        constrain: apply the IOB2 constraints (``False`` for plain tags decoded by a CRF).

    Returns:
        One int64 array of label ids per sentence (empty for an empty sentence).
    """
    n = len(labels)
    start_ok, allowed = (
        transitions(labels) if constrain else (np.ones(n, bool), np.ones((n, n), bool))
    )
    start = np.where(start_ok, 0.0, -np.inf)
    trans = np.where(allowed, 0.0, -np.inf)
    end = np.zeros(n)
    if learned is not None:
        start, trans, end = start + learned.start, trans + learned.transitions, learned.end
    out: list[np.ndarray] = [np.zeros(0, dtype=np.int64) for _ in scores]
    todo = sorted((i for i, s in enumerate(scores) if len(s)), key=lambda i: len(scores[i]))
    for a in range(0, len(todo), chunk):
        part = todo[a : a + chunk]
        for i, ids in zip(
            part, _viterbi([scores[i] for i in part], start, trans, end), strict=True
        ):
            out[i] = ids
    return out


def _viterbi(
    scores: list[np.ndarray], start: np.ndarray, trans: np.ndarray, end: np.ndarray
) -> list[np.ndarray]:
    """Viterbi over many sentences at once: one padded ``(S, T, L)`` array, T steps.

    Emissions are log-softmaxed per word: that shifts each word's scores by a constant, so the
    best path is that of the raw logits (a CRF's emissions) as well."""
    sizes = np.array([len(s) for s in scores])
    n_sent, width, n_labels = len(scores), int(sizes.max()), trans.shape[0]
    emit = np.zeros((n_sent, width, n_labels))
    for i, s in enumerate(scores):
        emit[i, : len(s)] = log_softmax(s)
    back = np.zeros((n_sent, width, n_labels), dtype=np.int64)
    delta = emit[:, 0] + start
    for t in range(1, width):
        cand = delta[:, :, None] + trans[None]  # (S, from, to)
        best = cand.argmax(axis=1)
        step = np.take_along_axis(cand, best[:, None, :], axis=1)[:, 0] + emit[:, t]
        live = (t < sizes)[:, None]
        back[:, t] = np.where(live, best, np.arange(n_labels)[None])
        delta = np.where(live, step, delta)
    path = np.zeros((n_sent, width), dtype=np.int64)
    last = (delta + end[None]).argmax(axis=1)
    rows = np.arange(n_sent)
    for t in range(width - 1, -1, -1):
        path[:, t] = last
        last = back[rows, t, last]
    return [path[i, : sizes[i]] for i in range(n_sent)]
