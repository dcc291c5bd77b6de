"""The readers on the full shared data sets (../shared/data): counts from their SOURCE.md."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nerlab.cli.main import run_cli
from nerlab.data import describe, load_corpus

pytestmark = pytest.mark.slow


def test_conll2003_describe_counts(shared_data: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = [shared_data / "conll2003" / f"eng.{s}" for s in ("train", "testa", "testb")]
    assert run_cli(["data", "describe", *map(str, files), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [s["sentences"] for s in data["splits"]] == [14041, 3250, 3453]
    assert [s["words"] for s in data["splits"]] == [203621, 51362, 46435]
    assert [s["total_entities"] for s in data["splits"]] == [23499, 5942, 5648]
    assert data["splits"][0]["entities"] == {"LOC": 7140, "MISC": 3438, "ORG": 6321, "PER": 6600}
    assert data["splits"][1]["entities"] == {"LOC": 1837, "MISC": 922, "ORG": 1341, "PER": 1842}
    assert data["splits"][2]["entities"] == {"LOC": 1668, "MISC": 702, "ORG": 1661, "PER": 1617}
    assert all(s["scheme"] == "IOB1" for s in data["splits"])


def test_conllpp_counts_and_equal_to_converted_conll2003(shared_data: Path) -> None:
    pp = [shared_data / "conllpp" / f"conllpp_{s}.txt" for s in ("train", "dev", "test")]
    d = describe(pp)
    assert [s.sentences for s in d.splits] == [14041, 3250, 3453]
    assert [s.total_entities for s in d.splits] == [23499, 5942, 5702]
    assert d.splits[2].entities == {"LOC": 1646, "MISC": 723, "ORG": 1715, "PER": 1618}
    assert all(s.scheme == "IOB2" and s.invalid_transitions == 0 for s in d.splits)
    for orig, split in (("train", "train"), ("testa", "dev")):
        a = load_corpus(shared_data / "conll2003" / f"eng.{orig}")
        b = load_corpus(shared_data / "conllpp" / f"conllpp_{split}.txt")
        assert a.words == b.words and a.tags == b.tags


def test_conll2003_pos_and_chunk_columns(shared_data: Path) -> None:
    pos = load_corpus(shared_data / "conll2003" / "eng.testb", tag_column=1)
    assert pos.scheme is None and "NNP" in pos[0].tags
    chunk = load_corpus(shared_data / "conll2003" / "eng.testb", tag_column=2)
    assert chunk.scheme == "IOB2" and chunk[0].tags[0].startswith("B-")


WIKIANN = {  # file: (sentences, tokens, {type: entities}) from wikiann/SOURCE.md
    "train-de.tsv": (20000, 195387, {"LOC": 9778, "ORG": 8575, "PER": 9290}),
    "dev-de.tsv": (10000, 97805, {"LOC": 4968, "ORG": 4281, "PER": 4569}),
    "train-fr.tsv": (20000, 136788, {"LOC": 9718, "ORG": 7764, "PER": 8965}),
    "dev-fr.tsv": (10000, 68220, {"LOC": 4840, "ORG": 3910, "PER": 4406}),
    "train-it.tsv": (20000, 162487, {"LOC": 9852, "ORG": 8045, "PER": 9766}),
    "dev-it.tsv": (10000, 80005, {"LOC": 4600, "ORG": 4116, "PER": 4911}),
    "train-en.tsv": (20000, 160394, {"LOC": 9345, "ORG": 9422, "PER": 9164}),
    "dev-en.tsv": (10000, 80536, {"LOC": 4834, "ORG": 4677, "PER": 4635}),
}


def test_wikiann_counts(shared_data: Path) -> None:
    names = list(WIKIANN)
    d = describe([shared_data / "wikiann" / n for n in names])
    for name, s in zip(names, d.splits, strict=True):
        assert (s.sentences, s.words, s.entities) == WIKIANN[name], name
        assert s.scheme == "IOB2"


def test_wikiann_unlabelled_test(shared_data: Path) -> None:
    corpus = load_corpus(shared_data / "wikiann" / "test_unlabeled" / "test-en.tsv")
    assert len(corpus) == 10000 and sum(len(s) for s in corpus) == 80326
    assert corpus.scheme is None and corpus[0].tags == []
