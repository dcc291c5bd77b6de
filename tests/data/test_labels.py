"""LabelSet: ordering, ids, unknown labels listed with counts and file:line, mapping to O."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from nerlab.data import Corpus, LabelSet, load_corpus
from nerlab.errors import ConfigError, LabelError

Writer = Callable[[str, str | bytes], Path]


def test_span_labels_o_first_then_pairs_by_type(fixtures: Path) -> None:
    labels = LabelSet.from_corpus(load_corpus(fixtures / "iob1_4col.conll"))
    assert labels.labels == (
        "O", "B-LOC", "I-LOC", "B-MISC", "I-MISC", "B-ORG", "I-ORG", "B-PER", "I-PER",
    )  # fmt: skip
    assert labels.label2id["B-LOC"] == 1 and labels.id2label[8] == "I-PER"
    assert labels.types == ["LOC", "MISC", "ORG", "PER"]
    assert len(labels) == 9 and "I-MISC" in labels and "B-XYZ" not in labels
    assert labels.encode(["O", "I-PER"]) == [0, 8]


def test_plain_labels_sorted(fixtures: Path) -> None:
    labels = LabelSet.from_corpus(load_corpus(fixtures / "iob1_4col.conll", tag_column=1))
    assert labels.scheme is None
    assert labels.labels == (".", "CD", "DT", "JJ", "NN", "NNP", "VBD", "VBZ")
    assert labels.types == []


def test_from_labels_and_errors() -> None:
    assert LabelSet.from_labels(["O", "B-X", "I-X"]).label2id == {"O": 0, "B-X": 1, "I-X": 2}
    with pytest.raises(ConfigError, match="duplicate labels in the label set: O"):
        LabelSet.from_labels(["O", "O"])
    with pytest.raises(LabelError, match="no tags"):
        LabelSet.from_corpus(Corpus.from_lists([["a"]]))


def test_check_lists_unknown_labels_with_counts_and_first_line(write: Writer) -> None:
    labels = LabelSet.from_labels(["O", "B-PER", "I-PER"])
    dev = load_corpus(write("dev.conll", "A O\nB B-LOC\nC I-LOC\n\nD B-LOC\nE B-PER\nF B-EVT\n"))
    with pytest.raises(LabelError) as err:
        labels.check(dev)
    msg = str(err.value)
    assert "3 label(s) not in the training labels" in msg
    assert f"B-LOC (2x, first at {dev.path}:2)" in msg
    assert f"I-LOC (1x, first at {dev.path}:3)" in msg
    assert f"B-EVT (1x, first at {dev.path}:7)" in msg
    assert "O, B-PER, I-PER" in msg


def test_check_maps_unknown_to_o_and_says_how_many(write: Writer) -> None:
    labels = LabelSet.from_labels(["O", "B-PER", "I-PER"])
    dev = load_corpus(write("dev.conll", "A O\nB B-LOC\nC I-LOC\n\nD B-LOC\nE B-PER\n"))
    result = labels.check(dev, map_unknown_to_o=True)
    assert result.changed == 3
    assert result.corpus.tags == [["O", "O", "O"], ["O", "B-PER"]]
    assert result.message is not None and "mapped 3 token(s)" in result.message
    assert dev.tags[0] == ["O", "B-LOC", "I-LOC"]  # the input is left alone
    clean = labels.check(result.corpus)
    assert clean.changed == 0 and clean.message is None and clean.corpus is result.corpus


def test_map_to_o_needs_span_labels() -> None:
    labels = LabelSet.from_labels(["NN", "VB"], scheme=None)
    with pytest.raises(ConfigError, match="plain labels"):
        labels.check(Corpus.from_lists([["a"]], [["JJ"]]), map_unknown_to_o=True)


def test_unknown_label_message_names_no_missing_option(write: Writer) -> None:
    """Issue 10: the message advised ``--map-unknown-to-o``, which no command has."""
    labels = LabelSet.from_labels(["O", "B-PER", "I-PER"])
    with pytest.raises(LabelError) as err:
        labels.check(load_corpus(write("dev.conll", "A B-LOC\n")))
    msg = str(err.value)
    assert "--map-unknown-to-o" not in msg
    assert "map_unknown_to_o=True" in msg and "replace them in this file" in msg
