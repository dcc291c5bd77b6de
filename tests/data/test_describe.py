"""describe(): counts, entities, percentiles, scheme, invalid transitions, leakage, --model."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from nerlab.data import describe
from nerlab.data.demo import DEMO_SPLITS, demo_path
from nerlab.errors import DataError, ModelError

Writer = Callable[[str, str | bytes], Path]


def test_counts_on_the_iob1_fixture(fixtures: Path) -> None:
    d = describe([fixtures / "iob1_4col.conll"])
    (s,) = d.splits
    assert (s.sentences, s.words) == (4, 15)
    assert s.entities == {"LOC": 3, "MISC": 1, "ORG": 2, "PER": 1}
    assert s.total_entities == 7
    assert s.scheme == "IOB1" and s.invalid_transitions == 0
    assert s.length == {"p50": 2, "p90": 6, "p99": 6, "max": 6}
    assert s.labels == 6 and s.too_long is None
    assert d.overlaps == []


def test_invalid_transitions_and_leakage(write: Writer) -> None:
    train = write("train.conll", "A B-PER\nB I-PER\n\nC O\nD I-LOC\n\nE O\n")
    test = write("test.conll", "C O\nD B-LOC\n\nC O\nD B-LOC\n\nA O\nB O\n\nZ O\n")
    d = describe([train, test])
    assert d.splits[0].scheme == "IOB2"
    assert d.splits[0].invalid_transitions == 1  # I-LOC after O
    assert d.splits[0].entities == {"LOC": 1, "PER": 1}  # the I-LOC still counts (conlleval)
    (o,) = d.overlaps
    assert (o.first, o.second) == (str(train), str(test))
    assert (o.sentences, o.distinct) == (3, 2)  # "C D" twice and "A B" once; Z is new
    data = d.to_dict()
    assert data["splits"][1]["total_entities"] == 2
    assert data["overlaps"][0]["sentences"] == 3


def test_plain_tag_column(fixtures: Path) -> None:
    (s,) = describe([fixtures / "iob1_4col.conll"], tag_column=1).splits
    assert s.scheme is None and s.entities == {} and s.labels == 8


def test_demo_corpus_has_no_leakage() -> None:
    d = describe([demo_path(s) for s in DEMO_SPLITS])
    assert [s.sentences for s in d.splits] == [200, 50, 50]
    assert all(s.scheme == "IOB2" for s in d.splits)
    assert all(o.sentences == 0 for o in d.overlaps) and len(d.overlaps) == 3


def test_too_long_counts_sub_tokens(write: Writer, tiny_encoder_dir: Path) -> None:
    long = " ".join(["word"] * 200)  # 200 words, > 128 sub-tokens with [CLS] and [SEP]
    edge = " ".join(["word"] * 126)  # exactly 128 with the special tokens: fits
    text = "\n\n".join("\n".join(f"{w} O" for w in s.split()) for s in (long, edge, "a b"))
    d = describe([write("l.conll", text + "\n")], model=str(tiny_encoder_dir))
    assert d.max_length == 128
    assert d.splits[0].too_long == 1
    assert d.to_dict()["splits"][0]["too_long"] == 1


def test_errors(write: Writer, tmp_path: Path) -> None:
    with pytest.raises(DataError, match="file not found"):
        describe([tmp_path / "missing.conll"])
    with pytest.raises(ModelError):
        describe([write("a.conll", "A O\n")], model=str(tmp_path / "no-model"))
