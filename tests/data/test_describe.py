"""describe(): counts, entities, percentiles, scheme, invalid transitions, leakage, too long."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from nerlab.data import describe
from nerlab.data.demo import DEMO_SPLITS, demo_path
from nerlab.errors import ConfigError, DataError

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


def test_too_long_uses_the_callers_counter(write: Writer) -> None:
    """The data layer knows no model: the caller passes a sub-token counter and a limit."""
    text = "\n\n".join("\n".join(f"w{i} O" for i in range(n)) for n in (200, 126, 2))
    seen: list[list[list[str]]] = []

    def counter(sentences: list[list[str]]) -> list[int]:
        seen.append(sentences)
        return [len(s) + 2 for s in sentences]  # one sub-token per word, plus [CLS] and [SEP]

    d = describe([write("l.conll", text + "\n")], subtoken_counter=counter, max_length=128)
    assert d.max_length == 128 and d.model is None
    assert d.splits[0].too_long == 1  # 202 > 128; 126 + 2 == 128 fits
    assert [len(s) for s in seen[0]] == [200, 126, 2]
    assert d.to_dict()["splits"][0]["too_long"] == 1


def test_data_layer_imports_nothing_above_it() -> None:
    """describe.py imported nerlab.models (an upward import, issue 9); the CLI does that now.
    No module of nerlab.data imports a higher layer anywhere, nor torch or transformers at
    module level."""
    import ast

    import nerlab.data

    upward = ("nerlab.models", "nerlab.training", "nerlab.evaluate", "nerlab.inference")
    upward += ("nerlab.cli", "nerlab.serve")
    for file in Path(nerlab.data.__file__).parent.glob("*.py"):
        tree = ast.parse(file.read_text("utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                names = [node.module] if isinstance(node, ast.ImportFrom) else []
                names += [a.name for a in node.names] if isinstance(node, ast.Import) else []
                assert not any(n and n.startswith(upward) for n in names), (file.name, names)
                if node in tree.body:
                    assert not any(n and n.startswith(("torch", "transformers")) for n in names)


def test_errors(write: Writer, tmp_path: Path) -> None:
    with pytest.raises(DataError, match="file not found"):
        describe([tmp_path / "missing.conll"])
    with pytest.raises(ConfigError, match="both subtoken_counter and max_length"):
        describe([write("a.conll", "A O\n")], subtoken_counter=lambda s: [1] * len(s))
