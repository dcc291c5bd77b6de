"""Partial-match scores and error kinds (nerlab.metrics.partial), tested against nervaluate on
thousands of random sentences and on hand-made cases."""

from __future__ import annotations

import random

import pytest
from nervaluate import Evaluator

from nerlab.metrics.partial import (
    KINDS,
    MatchCounts,
    entity_kinds,
    partial_report,
    sentence_entities,
)

NERVALUATE = {"strict": "strict", "exact": "exact", "partial": "partial", "type": "ent_type"}
FIELDS = ("correct", "incorrect", "partial", "missed", "spurious", "precision", "recall", "f1")


def _random_corpus(rng: random.Random) -> tuple[list[list[str]], list[list[str]], list[str]]:
    """Gold and predicted IOB2 tags (broken transitions included) over 1 to 4 types."""
    types = ["PER", "LOC", "ORG", "MISC"][: rng.randint(1, 4)]
    tags = ["O"] * rng.randint(1, 6) + [f"{p}-{t}" for p in "BI" for t in types]
    lengths = [rng.randint(1, 14) for _ in range(rng.randint(1, 12))]
    gold = [[rng.choice(tags) for _ in range(n)] for n in lengths]
    pred = [[rng.choice(tags) for _ in range(n)] for n in lengths]
    return gold, pred, types


def _values(counts: object) -> tuple:
    return tuple(getattr(counts, f) for f in FIELDS)


@pytest.mark.parametrize("min_overlap", [1.0, 34.0, 50.0, 100.0])
def test_equal_to_nervaluate_on_random_sentences(min_overlap: float) -> None:
    rng = random.Random(int(min_overlap))
    sentences = 0
    for _ in range(300):
        gold, pred, types = _random_corpus(rng)
        sentences += len(gold)
        ref = Evaluator(gold, pred, tags=types, loader="list", min_overlap_percentage=min_overlap)
        expected = ref.evaluate()
        ours = partial_report(gold, pred, min_overlap=min_overlap)
        for schema, theirs in NERVALUATE.items():
            assert _values(ours.overall[schema]) == _values(expected["overall"][theirs])
        assert set(ours.per_type) == set(expected["entities"])
        for typ, by in expected["entities"].items():
            for schema, theirs in NERVALUATE.items():
                assert _values(ours.per_type[typ][schema]) == _values(by[theirs]), (typ, schema)
    assert sentences > 1500


def test_nervaluate_readme_example() -> None:
    """The example of nervaluate's README: one missed, one partial, one wrong type..."""
    gold = [["O", "B-PER", "I-PER", "O", "B-LOC", "I-LOC", "O", "B-ORG", "O", "B-MISC"]]
    pred = [["O", "B-PER", "O", "O", "B-LOC", "I-LOC", "O", "B-PER", "O", "O"]]
    rep = partial_report(gold, pred)
    assert (rep.overall["strict"].correct, rep.overall["strict"].incorrect) == (1, 2)
    assert rep.overall["partial"].partial == 1
    assert rep.overall["type"].correct == 2
    assert rep.overall["exact"].correct == 2
    assert all(c.missed == 1 for c in rep.overall.values())
    assert rep.overall["partial"].precision == (2 + 0.5) / 3


def test_entity_kinds_each_case() -> None:
    gold = [("PER", 0, 2), ("LOC", 3, 4), ("ORG", 5, 7), ("MISC", 8, 9), ("LOC", 10, 12)]
    pred = [("PER", 0, 2), ("ORG", 3, 4), ("ORG", 5, 6), ("PER", 8, 10), ("LOC", 13, 14)]
    assert entity_kinds(gold, pred) == (
        ["correct", "wrong_type", "wrong_boundary", "wrong_boundary_type", "missed"],
        ["correct", "wrong_type", "wrong_boundary", "wrong_boundary_type", "spurious"],
    )


def test_kind_counts_cover_every_gold_entity_once() -> None:
    rng = random.Random(7)
    for _ in range(200):
        gold, pred, _ = _random_corpus(rng)
        kinds = partial_report(gold, pred).kinds
        n_gold = sum(len(e) for e in sentence_entities(gold))
        n_pred = sum(len(e) for e in sentence_entities(pred))
        total = kinds.total
        assert sum(total[k] for k in KINDS if k != "spurious") == n_gold
        assert sum(sum(c.values()) for c in kinds.predicted.values()) == n_pred
        assert total["spurious"] == sum(c["spurious"] for c in kinds.predicted.values())
        strict = partial_report(gold, pred).overall["strict"]
        assert total["correct"] == strict.correct  # exact boundaries and type: both count it


def test_sentence_entities_strict_mode_and_empty() -> None:
    tags = [["B-PER", "I-PER", "O", "I-LOC"], [], ["B-ORG"]]
    assert sentence_entities(tags) == [[("PER", 0, 2), ("LOC", 3, 4)], [], [("ORG", 0, 1)]]
    strict = sentence_entities(tags, mode="strict", scheme="IOB2")
    assert strict == [[("PER", 0, 2)], [], [("ORG", 0, 1)]]


def test_match_counts_scores() -> None:
    c = MatchCounts(correct=3, incorrect=1, partial=2, missed=1, spurious=2)
    assert (c.actual, c.possible) == (8, 7)
    assert c.precision == 4 / 8 and c.recall == 4 / 7
    assert MatchCounts().f1 == 0.0
    assert (c + c).correct == 6


def test_report_dict_and_errors() -> None:
    rep = partial_report([["B-PER", "O"]], [["B-PER", "O"]])
    d = rep.to_dict()
    assert d["overall"]["strict"]["f1"] == 1.0
    assert d["error_kinds"]["total"]["correct"] == 1
    assert "strict" in rep.format()
    with pytest.raises(ValueError, match="min_overlap"):
        partial_report([["O"]], [["O"]], min_overlap=0.5)
    with pytest.raises(ValueError, match="sentence 0"):
        partial_report([["O", "O"]], [["O"]])
