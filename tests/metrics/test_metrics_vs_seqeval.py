"""nerlab's entity metrics equal seqeval's (the reference) on many random tag sequences.

For every mode and scheme, at least 10,000 random sentences (lengths 0 to 12, random tags from a
small type set, so invalid transitions are common) are scored in random batches, and every
per-type precision/recall/F1/support and every average must equal seqeval's to 1e-12.
"""

from __future__ import annotations

import math
import random
import warnings

import pytest
from seqeval.metrics import accuracy_score
from seqeval.metrics import classification_report as seq_report
from seqeval.metrics.sequence_labeling import get_entities as seq_get_entities
from seqeval.scheme import BILOU, IOB2, IOBES, Entities

from nerlab.data.schemes import convert_tags
from nerlab.metrics import classification_report, f1_score, get_entities

TYPES = ("PER", "LOC", "ORG")
PREFIXES = {"IOB1": "BIO", "IOB2": "BIO", "IOBES": "BIESO", "BILOU": "BILUO"}
SEQEVAL_SCHEME = {"IOB2": IOB2, "IOBES": IOBES, "BILOU": BILOU}
N_SENTENCES = 10_000
AVG_KEYS = {"micro": "micro avg", "macro": "macro avg", "weighted": "weighted avg"}


def random_tags(rng: random.Random, scheme: str, length: int) -> list[str]:
    """Random tags: either uniformly random (many invalid transitions) or a valid encoding."""
    if rng.random() < 0.5:
        return [
            "O" if (p := rng.choice(PREFIXES[scheme])) == "O" else f"{p}-{rng.choice(TYPES)}"
            for _ in range(length)
        ]
    iob2 = []
    for _ in range(length):
        r = rng.random()
        if r < 0.4:
            iob2.append("O")
        elif r < 0.7 or not iob2 or iob2[-1] == "O":
            iob2.append(f"B-{rng.choice(TYPES)}")
        else:
            iob2.append("I-" + iob2[-1][2:])
    return convert_tags(iob2, "IOB2", scheme)


def perturb(rng: random.Random, scheme: str, tags: list[str]) -> list[str]:
    """A prediction: a copy with some tags replaced, or an independent random sequence."""
    if rng.random() < 0.2:
        return random_tags(rng, scheme, len(tags))
    out = list(tags)
    for i in range(len(out)):
        if rng.random() < 0.15:
            out[i] = random_tags(rng, scheme, 1)[0] if rng.random() < 0.8 else "O"
    return out


def random_batches(scheme: str, seed: int) -> list[tuple[list[list[str]], list[list[str]]]]:
    rng = random.Random(seed)
    batches, total = [], 0
    while total < N_SENTENCES:
        size = rng.choice([1, 1, 2, 5, 20, 60])
        lengths = [rng.choice([0, 1, 1, 2, 3, 5, 8, 12]) for _ in range(size)]
        y_true = [random_tags(rng, scheme, n) for n in lengths]
        y_pred = [perturb(rng, scheme, t) for t in y_true]
        batches.append((y_true, y_pred))
        total += size
    return batches


def for_seqeval_default(seqs: list[list[str]]) -> list[list[str]]:
    """seqeval's default mode knows E-/S- but not L-/U-; nerlab reads L- as E- and U- as S-."""
    table = {"L": "E", "U": "S"}
    return [[table.get(t[0], t[0]) + t[1:] for t in s] for s in seqs]


def assert_same(ours, theirs: dict) -> None:
    types = {k for k in theirs if k not in AVG_KEYS.values()}
    assert set(ours.per_type) == types
    for name in types:
        s, ref = ours.per_type[name], theirs[name]
        assert s.precision == pytest.approx(ref["precision"], abs=1e-12)
        assert s.recall == pytest.approx(ref["recall"], abs=1e-12)
        assert s.f1 == pytest.approx(ref["f1-score"], abs=1e-12)
        assert s.support == ref["support"]
    for avg, key in AVG_KEYS.items():
        s, ref = getattr(ours, avg), theirs[key]
        assert s.support == ref["support"]
        for ours_v, ref_v in ((s.precision, ref["precision"]), (s.recall, ref["recall"])):
            if not types and avg == "macro":
                # seqeval: the mean of no type is nan; nerlab says 0.
                assert math.isnan(ref_v) and ours_v == 0.0
            else:
                assert ours_v == pytest.approx(ref_v, abs=1e-12)


def seqeval_report(y_true, y_pred, mode: str, scheme: str) -> dict:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "mean of empty slice" on batches without entities
        if mode == "strict":
            return seq_report(
                y_true,
                y_pred,
                mode="strict",
                scheme=SEQEVAL_SCHEME[scheme],
                output_dict=True,
                zero_division=0,
            )
        return seq_report(
            for_seqeval_default(y_true),
            for_seqeval_default(y_pred),
            output_dict=True,
            zero_division=0,
        )


CASES = [("conlleval", s) for s in PREFIXES] + [("strict", s) for s in SEQEVAL_SCHEME]


@pytest.mark.parametrize(("mode", "scheme"), CASES)
def test_report_equals_seqeval_on_random_batches(mode: str, scheme: str) -> None:
    n_sentences = n_entities = 0
    for y_true, y_pred in random_batches(scheme, seed=CASES.index((mode, scheme))):
        ours = classification_report(y_true, y_pred, mode=mode, scheme=scheme)
        assert_same(ours, seqeval_report(y_true, y_pred, mode, scheme))
        n_sentences += len(y_true)
        n_entities += ours.micro.support
        if any(y_true):
            assert ours.accuracy == pytest.approx(accuracy_score(y_true, y_pred), abs=1e-12)
    assert n_sentences >= N_SENTENCES
    assert n_entities > 5_000  # the data exercise real entities, not just empty sentences


@pytest.mark.parametrize(("mode", "scheme"), CASES)
def test_f1_score_equals_seqeval_on_one_big_batch(mode: str, scheme: str) -> None:
    batches = random_batches(scheme, seed=7)[:150]
    y_true = [s for b in batches for s in b[0]]
    y_pred = [s for b in batches for s in b[1]]
    ref = seqeval_report(y_true, y_pred, mode, scheme)
    for avg, key in AVG_KEYS.items():
        ours = f1_score(y_true, y_pred, mode=mode, scheme=scheme, average=avg)
        assert ours == pytest.approx(ref[key]["f1-score"], abs=1e-12)


@pytest.mark.parametrize(("mode", "scheme"), CASES)
def test_get_entities_equals_seqeval_per_sentence(mode: str, scheme: str) -> None:
    rng = random.Random(3)
    for _ in range(2_000):
        tags = random_tags(rng, scheme, rng.choice([0, 1, 2, 4, 9]))
        ours = get_entities(tags, mode=mode, scheme=scheme)
        if mode == "strict":
            ref = Entities([tags], SEQEVAL_SCHEME[scheme]).entities[0]
            expected = [(e.tag, e.start, e.end) for e in ref]
        else:
            ref = seq_get_entities(for_seqeval_default([tags])[0])
            expected = [(t, s, e + 1) for t, s, e in ref]  # seqeval's end is inclusive
        assert ours == expected, tags
