"""The CRF head's math against brute force over every tag sequence: the negative
log-likelihood (forward algorithm), the packing of labelled sub-tokens, and Viterbi with
learned scores (with and without the IOB2 constraints)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from nerlab.data.alignment import IGNORE_INDEX
from nerlab.metrics.constrained import Learned, constrained_ids
from nerlab.tasks.token_classification.crf import CrfScores, crf_loss, labelled_words

LABELS = ["O", "B-LOC", "I-LOC", "B-PER", "I-PER"]


def _random_crf(n: int, seed: int) -> CrfScores:
    crf = CrfScores(n)
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in crf.parameters():
            p.copy_(torch.randn(p.shape, generator=g))
    return crf


def _path_score(crf: CrfScores, emissions: np.ndarray, seq: tuple[int, ...]) -> float:
    start, trans, end = (
        crf.start.detach().numpy(),
        crf.transitions.detach().numpy(),
        crf.end.detach().numpy(),
    )
    total = start[seq[0]] + end[seq[-1]] + sum(emissions[t, j] for t, j in enumerate(seq))
    return float(total + sum(trans[a, b] for a, b in itertools.pairwise(seq)))


def _iob2_ok(seq: tuple[int, ...], labels: list[str]) -> bool:
    prev = "O"
    for i in seq:
        if labels[i].startswith("I-") and prev[2:] != labels[i][2:]:
            return False
        prev = labels[i]
    return True


def test_nll_equals_brute_force_with_padding() -> None:
    rng = np.random.default_rng(0)
    n = 4
    crf = _random_crf(n, 1)
    lengths = [1, 3, 5, 2]
    width = max(lengths)
    emissions = rng.normal(0, 2, size=(len(lengths), width, n))
    tags = rng.integers(0, n, size=(len(lengths), width))
    mask = np.arange(width)[None] < np.array(lengths)[:, None]
    got = crf.nll(torch.tensor(emissions), torch.tensor(tags), torch.tensor(mask)).detach().numpy()
    for b, size in enumerate(lengths):
        e = emissions[b, :size]
        scores = [_path_score(crf, e, seq) for seq in itertools.product(range(n), repeat=size)]
        log_z = np.logaddexp.reduce(scores)
        gold = _path_score(crf, e, tuple(tags[b, :size].tolist()))
        assert got[b] == pytest.approx(log_z - gold, rel=1e-5, abs=1e-5)
        assert got[b] >= 0


def test_gradients_reach_the_scores_and_the_emissions() -> None:
    crf = CrfScores(3)
    logits = torch.randn(2, 6, 3, requires_grad=True)
    labels = torch.tensor(
        [
            [IGNORE_INDEX, 0, 1, IGNORE_INDEX, 2, IGNORE_INDEX],
            [IGNORE_INDEX, 2, 2, 0, IGNORE_INDEX, IGNORE_INDEX],
        ]
    )
    loss = crf_loss(crf)({"logits": logits}, labels)
    loss.backward()
    assert crf.transitions.grad is not None and crf.transitions.grad.abs().sum() > 0
    assert crf.start.grad.abs().sum() > 0 and crf.end.grad.abs().sum() > 0
    # ignored positions (special tokens, continuations, context) get no gradient
    ignored = labels == IGNORE_INDEX
    assert logits.grad[ignored].abs().sum() == 0
    assert logits.grad[~ignored].abs().sum() > 0


def test_loss_is_per_labelled_word_and_uses_the_trainers_count() -> None:
    crf = _random_crf(3, 2)
    logits = torch.randn(2, 5, 3)
    labels = torch.tensor(
        [
            [IGNORE_INDEX, 0, 1, 2, IGNORE_INDEX],
            [IGNORE_INDEX, 1, IGNORE_INDEX, IGNORE_INDEX, IGNORE_INDEX],
        ]
    )
    emissions, tags, mask = labelled_words(logits, labels)
    total = crf.nll(emissions, tags, mask).sum()
    assert crf_loss(crf)({"logits": logits}, labels).item() == pytest.approx(total.item() / 4)
    count = torch.tensor(10)  # gradient accumulation: the words of every batch of the step
    assert crf_loss(crf)({"logits": logits}, labels, count).item() == pytest.approx(
        total.item() / 10
    )


def test_a_batch_without_labelled_words_gives_zero_loss_with_a_gradient() -> None:
    crf = CrfScores(3)
    logits = torch.randn(2, 4, 3, requires_grad=True)
    labels = torch.full((2, 4), IGNORE_INDEX)
    loss = crf_loss(crf)({"logits": logits}, labels)
    assert loss.item() == 0.0
    loss.backward()  # no error: the step goes on
    # a window with no labelled word (document context) is skipped, the others count
    labels[1, 2] = 1
    emissions, tags, mask = labelled_words(logits.detach(), labels)
    expected = crf.nll(emissions[1:], tags[1:], mask[1:]).sum().item()
    assert crf_loss(crf)({"logits": logits}, labels).item() == pytest.approx(expected)


def test_labelled_words_packs_positions_in_order() -> None:
    logits = torch.arange(2 * 6 * 2, dtype=torch.float).reshape(2, 6, 2)
    labels = torch.tensor(
        [
            [IGNORE_INDEX, 1, IGNORE_INDEX, 0, 1, IGNORE_INDEX],
            [IGNORE_INDEX, IGNORE_INDEX, 1, IGNORE_INDEX, IGNORE_INDEX, IGNORE_INDEX],
        ]
    )
    emissions, tags, mask = labelled_words(logits, labels)
    assert mask.tolist() == [[True, True, True], [True, False, False]]
    assert tags.tolist() == [[1, 0, 1], [1, 0, 0]]
    assert torch.equal(emissions[0], logits[0, [1, 3, 4]])
    assert torch.equal(emissions[1, 0], logits[1, 2])


def _brute_viterbi(
    scores: np.ndarray, learned: Learned, labels: list[str], constrain: bool
) -> tuple[int, ...]:
    best, best_seq = -np.inf, ()
    for seq in itertools.product(range(len(labels)), repeat=len(scores)):
        if constrain and not _iob2_ok(seq, labels):
            continue
        total = (
            learned.start[seq[0]]
            + learned.end[seq[-1]]
            + sum(scores[t, j] for t, j in enumerate(seq))
        )
        total += sum(learned.transitions[a, b] for a, b in itertools.pairwise(seq))
        if total > best:
            best, best_seq = total, seq
    return best_seq


@pytest.mark.parametrize("constrain", [True, False])
def test_viterbi_with_learned_scores_equals_brute_force(constrain: bool) -> None:
    rng = np.random.default_rng(3)
    n = len(LABELS)
    learned = Learned(rng.normal(0, 1, n), rng.normal(0, 1.5, (n, n)), rng.normal(0, 1, n))
    sentences = [rng.normal(0, 2, size=(int(rng.integers(1, 6)), n)) for _ in range(200)]
    for chunk in (2048, 5):
        got = constrained_ids(sentences, LABELS, chunk=chunk, learned=learned, constrain=constrain)
        for s, ids in zip(sentences, got, strict=True):
            # raw logits: the per-word log-softmax inside Viterbi does not change the path
            assert tuple(ids.tolist()) == _brute_viterbi(s, learned, LABELS, constrain)


def test_zero_scores_decode_as_plain_viterbi() -> None:
    rng = np.random.default_rng(4)
    n = len(LABELS)
    zero = Learned(np.zeros(n), np.zeros((n, n)), np.zeros(n))
    sentences = [rng.normal(0, 2, size=(int(rng.integers(1, 8)), n)) for _ in range(100)]
    plain = constrained_ids(sentences, LABELS)
    with_zero = constrained_ids(sentences, LABELS, learned=zero)
    for a, b in zip(plain, with_zero, strict=True):
        assert a.tolist() == b.tolist()


def test_the_scores_round_trip_through_json() -> None:
    crf = _random_crf(5, 7)
    learned = Learned.from_json(crf.to_json(), 5)
    np.testing.assert_allclose(learned.transitions, crf.transitions.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(learned.end, crf.end.detach().numpy(), rtol=1e-6)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"start": [0, 0], "end": [0, 0]}, "'start', 'transitions' and 'end'"),
        (
            {"start": [0, 0], "transitions": [[0, 0]], "end": [0, 0]},
            "'transitions' has shape (1, 2), not (2, 2)",
        ),
        (
            {"start": [0], "transitions": [[0, 0], [0, 0]], "end": [0, 0]},
            "'start' has shape (1,), not (2,)",
        ),
        ({"start": [0, "x"], "transitions": [[0, 0], [0, 0]], "end": [0, 0]}, "number arrays"),
        (
            {"start": [0, 0], "transitions": [[0, float("nan")], [0, 0]], "end": [0, 0]},
            "not finite",
        ),
    ],
)
def test_damaged_scores_are_refused_with_the_reason(data: dict, message: str) -> None:
    with pytest.raises(ValueError) as exc:
        Learned.from_json(data, 2)
    assert message in str(exc.value)


# --- the CRF's losses in `nerlab analyze` (nerlab.evaluate.analysis.loss.crf_losses) ---


def _brute_force(emit: np.ndarray, gold: np.ndarray, start, trans, end) -> tuple:
    """Sentence NLL per word and each word's -log marginal of its gold tag, by enumerating
    every tag sequence."""
    n, n_labels = emit.shape
    paths = list(itertools.product(range(n_labels), repeat=n))

    def score(path: tuple[int, ...]) -> float:
        s = start[path[0]] + end[path[-1]] + sum(emit[t, path[t]] for t in range(n))
        return s + sum(trans[path[t - 1], path[t]] for t in range(1, n))

    scored = np.array([score(p) for p in paths])
    log_z = np.logaddexp.reduce(scored)
    nll = (log_z - score(tuple(gold))) / n
    marginal = [
        np.logaddexp.reduce(scored[[p[t] == gold[t] for p in paths]]) - log_z for t in range(n)
    ]
    return nll, -np.array(marginal)


def test_crf_losses_equal_brute_force_and_the_training_nll() -> None:
    from nerlab.evaluate.analysis.loss import crf_losses

    rng = np.random.default_rng(0)
    for trial in range(30):
        n_labels = int(rng.integers(2, 5))
        start, end = rng.normal(size=n_labels) * 2, rng.normal(size=n_labels) * 2
        trans = rng.normal(size=(n_labels, n_labels)) * 2
        emit = [rng.normal(size=(int(rng.integers(1, 5)), n_labels)) * 3 for _ in range(3)]
        gold = [rng.integers(0, n_labels, size=len(e)) for e in emit]
        words, sentence = crf_losses(
            [*emit, np.zeros((0, n_labels))], [*gold, []], start, trans, end
        )
        assert np.isnan(sentence[-1]) and len(words[-1]) == 0
        for i, (e, g) in enumerate(zip(emit, gold, strict=True)):
            nll, marginal = _brute_force(e, g, start, trans, end)
            assert sentence[i] == pytest.approx(nll, rel=1e-9), trial
            np.testing.assert_allclose(words[i], marginal, rtol=1e-9, atol=1e-12)
        # the loss the CRF head trains on (CrfScores.nll), per word
        crf = CrfScores(n_labels)
        with torch.no_grad():
            crf.start.copy_(torch.tensor(start))
            crf.transitions.copy_(torch.tensor(trans))
            crf.end.copy_(torch.tensor(end))
        width = max(len(e) for e in emit)
        pad = np.zeros((len(emit), width, n_labels))
        tags = np.zeros((len(emit), width), dtype=np.int64)
        mask = np.zeros((len(emit), width), dtype=bool)
        for i, (e, g) in enumerate(zip(emit, gold, strict=True)):
            pad[i, : len(e)], tags[i, : len(g)], mask[i, : len(e)] = e, g, True
        nll = crf.nll(torch.tensor(pad), torch.tensor(tags), torch.tensor(mask)).double()
        lengths = torch.tensor(mask.sum(1), dtype=torch.float64)
        np.testing.assert_allclose(
            sentence[:3], (nll / lengths).detach().numpy(), rtol=1e-5, atol=1e-5
        )


def test_a_zero_crf_has_the_cross_entropy_losses_and_shifts_change_nothing() -> None:
    from nerlab.evaluate.analysis.loss import crf_losses, sentence_losses, word_losses

    rng = np.random.default_rng(1)
    emit = [rng.normal(size=(n, 4)) * 3 for n in (1, 3, 7)]
    gold = [rng.integers(0, 4, size=len(e)) for e in emit]
    zero = np.zeros(4), np.zeros((4, 4)), np.zeros(4)
    words, sentence = crf_losses(emit, gold, *zero)
    plain = word_losses(emit, gold)
    for a, b in zip(words, plain, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-9)
    np.testing.assert_allclose(sentence, sentence_losses(plain), rtol=1e-9)
    # log-softmaxed emissions (what a word's scores may be) give the same losses
    learned = rng.normal(size=4), rng.normal(size=(4, 4)), rng.normal(size=4)
    shifted = [e - np.log(np.exp(e).sum(1, keepdims=True)) + 5.0 for e in emit]
    a, sa = crf_losses(emit, gold, *learned)
    b, sb = crf_losses(shifted, gold, *learned)
    np.testing.assert_allclose(sa, sb, rtol=1e-9)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_allclose(x, y, rtol=1e-9)
