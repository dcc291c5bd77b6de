"""Constrained (Viterbi) decoding against brute force over every allowed tag sequence."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from nerlab.metrics.constrained import constrained_ids, log_softmax, transitions

LABELS = ["O", "B-LOC", "I-LOC", "B-PER", "I-PER"]


def allowed_sequence(seq: tuple[int, ...], labels: list[str]) -> bool:
    prev = "O"
    for i in seq:
        tag = labels[i]
        if tag.startswith("I-") and prev[2:] != tag[2:]:
            return False
        prev = tag
    return True


def brute_force(scores: np.ndarray, labels: list[str]) -> tuple[int, ...]:
    logp = log_softmax(scores)
    best, best_seq = -np.inf, ()
    for seq in itertools.product(range(len(labels)), repeat=len(scores)):
        if not allowed_sequence(seq, labels):
            continue
        total = sum(logp[t, j] for t, j in enumerate(seq))
        if total > best:
            best, best_seq = total, seq
    return best_seq


def test_viterbi_equals_brute_force_on_random_sentences() -> None:
    rng = np.random.default_rng(0)
    sentences = [rng.normal(0, 2, size=(int(rng.integers(1, 6)), len(LABELS))) for _ in range(300)]
    # Decoded together (padding, different lengths in one chunk) and in small chunks.
    for chunk in (2048, 7):
        got = constrained_ids(sentences, LABELS, chunk=chunk)
        for s, ids in zip(sentences, got, strict=True):
            assert tuple(ids.tolist()) == brute_force(s, LABELS)


def test_allowed_argmax_sequences_are_kept() -> None:
    rng = np.random.default_rng(1)
    kept = 0
    for _ in range(200):
        s = rng.normal(0, 3, size=(6, len(LABELS)))
        argmax = tuple(s.argmax(1).tolist())
        if allowed_sequence(argmax, LABELS):
            kept += 1
            assert tuple(constrained_ids([s], LABELS)[0].tolist()) == argmax
    assert kept > 10


def test_no_invalid_transition_is_ever_produced() -> None:
    rng = np.random.default_rng(2)
    sentences = [rng.normal(0, 2, size=(int(rng.integers(1, 40)), len(LABELS))) for _ in range(200)]
    for ids in constrained_ids(sentences, LABELS):
        assert allowed_sequence(tuple(ids.tolist()), LABELS)


def test_empty_sentences_and_the_transition_table() -> None:
    got = constrained_ids([np.zeros((0, 5)), np.log([[0.05, 0.15, 0.6, 0.1, 0.1]])], LABELS)
    assert got[0].tolist() == []
    assert got[1].tolist() == [1]  # I-LOC cannot start a sentence: B-LOC is next best
    start_ok, allowed = transitions(LABELS)
    assert start_ok.tolist() == [True, True, False, True, False]
    assert allowed[LABELS.index("B-PER"), LABELS.index("I-LOC")] == np.False_
    assert allowed[LABELS.index("I-LOC"), LABELS.index("I-LOC")] == np.True_


@pytest.mark.parametrize("labels", [["NN", "VB", "DT"], ["O", "PER"]])
def test_labels_without_i_prefix_are_unconstrained(labels: list[str]) -> None:
    rng = np.random.default_rng(3)
    s = rng.normal(size=(8, len(labels)))
    assert constrained_ids([s], labels)[0].tolist() == s.argmax(1).tolist()
