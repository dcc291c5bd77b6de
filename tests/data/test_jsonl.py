"""JSON Lines reader and writer: both forms, spans to IOB2, and every kind of bad line."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from nerlab.data import Corpus, Sentence, read_jsonl, write_jsonl
from nerlab.errors import DataError

Writer = Callable[[str, str | bytes], Path]


def _lines(*objs: object) -> str:
    return "".join((o if isinstance(o, str) else json.dumps(o)) + "\n" for o in objs)


def test_tokens_form_keeps_per_token_lists_as_columns(fixtures: Path) -> None:
    corpus = read_jsonl(fixtures / "tokens.jsonl")
    assert corpus.words == [
        ["Ana", "Silva", "joined", "Norvik", "Labs", "."],
        ["Zoë", "flew", "to", "São", "Paulo"],
    ]
    assert corpus[1].tags == ["B-PER", "O", "O", "B-LOC", "I-LOC"]
    assert corpus[1].columns == {"pos": ["NNP", "VBD", "TO", "NNP", "NNP"]}
    assert [s.line for s in corpus] == [1, 3]  # the blank line 2 holds nothing
    assert corpus[0].lines is None and corpus[0].word_line(4) == 1


def test_text_form_becomes_iob2_words(fixtures: Path) -> None:
    corpus = read_jsonl(fixtures / "spans.jsonl")
    assert corpus[0].words == ["Ana", "Silva", "joined", "Norvik", "Labs", "."]
    assert corpus[0].tags == ["B-PER", "I-PER", "O", "B-ORG", "I-ORG", "O"]
    # Entities given out of order; "São Paulo" and "Brazil" stay two entities.
    assert corpus[1].tags == ["O", "O", "O", "B-LOC", "I-LOC", "O", "B-LOC", "O"]
    assert corpus[2].tags == ["O"] * 5


def test_adjacent_entities_of_one_type_stay_apart(write: Writer) -> None:
    text = "Paris London"
    ents = [{"start": 0, "end": 5, "label": "LOC"}, {"start": 6, "end": 12, "label": "LOC"}]
    corpus = read_jsonl(write("a.jsonl", _lines({"text": text, "entities": ents})))
    assert corpus[0].tags == ["B-LOC", "B-LOC"]


def test_unlabelled_lines(write: Writer) -> None:
    corpus = read_jsonl(write("u.jsonl", _lines({"tokens": ["a"]}, {"text": "b c"})))
    assert corpus.words == [["a"], ["b", "c"]]
    assert corpus.tags == [[], []]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('{"tokens": ["a"], "tags": ["O"]', "not valid JSON"),
        ("not json at all", "not valid JSON"),
        ('["a", "b"]', "expected a JSON object per line, got list"),
        ('{"words": ["a"], "labels": ["O"]}', 'lacks "tokens" .* or "text"'),
        ('{"tokens": "a b", "tags": ["O"]}', '"tokens" must be a list of strings'),
        ('{"tokens": ["a", 1], "tags": ["O", "O"]}', '"tokens" must be a list of strings'),
        ('{"tokens": ["a", ""], "tags": ["O", "O"]}', "empty string at position 1"),
        ('{"tokens": ["a", "b"], "tags": ["O"]}', '2 "tokens" but 1 "tags"'),
        ('{"tokens": [], "tags": []}', "no words"),
        ('{"text": 5, "entities": []}', '"text" must be a string'),
        ('{"text": "a", "entities": {"start": 0}}', '"entities" must be a list'),
        ('{"text": "a", "entities": [{"start": 0, "end": 1}]}', "entity 1 must be an object"),
        ('{"text": "a", "entities": [{"start": 0, "end": 1.0, "label": "X"}]}', "integers"),
        ('{"text": "a", "entities": [{"start": 0, "end": 1, "label": ""}]}', "label must"),
    ],
)
def test_bad_line_names_file_and_line(write: Writer, line: str, message: str) -> None:
    good = json.dumps({"tokens": ["x"], "tags": ["O"]})
    path = write("bad.jsonl", f"{good}\n\n{line}\n{good}\n")
    with pytest.raises(DataError, match=message) as err:
        read_jsonl(path)
    assert str(err.value).startswith(f"{path}:3: ")
    assert err.value.line == 3


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (0, 40, r"falls outside the text \(length 20\)"),
        (-1, 3, "falls outside the text"),
        (5, 5, "falls outside the text"),
        (1, 5, r"starts at offset 1, inside the word 'Anna'"),
        (0, 7, r"ends at offset 7, inside the word 'lives'"),
        (4, 10, "starts at offset 4, on whitespace"),
    ],
)
def test_bad_spans(write: Writer, start: int, end: int, message: str) -> None:
    text = "Anna lives in Paris."
    assert len(text) == 20
    obj = {"text": text, "entities": [{"start": start, "end": end, "label": "PER"}]}
    path = write("s.jsonl", _lines(obj))
    with pytest.raises(DataError, match=message) as err:
        read_jsonl(path)
    assert str(err.value).startswith(f"{path}:1: ")


def test_overlapping_spans(write: Writer) -> None:
    text = "New York City Hall"
    ents = [
        {"start": 0, "end": 13, "label": "LOC"},
        {"start": 9, "end": 18, "label": "FAC"},
    ]
    path = write(
        "o.jsonl", _lines({"tokens": ["x"], "tags": ["O"]}, {"text": text, "entities": ents})
    )
    with pytest.raises(DataError, match=r"o\.jsonl:2: entities overlap: \[0, 13\) LOC") as err:
        read_jsonl(path)
    assert "'City Hall'" in str(err.value)


def test_mixed_labelled_and_unlabelled_lines(write: Writer) -> None:
    path = write("m.jsonl", _lines({"tokens": ["a"], "tags": ["O"]}, {"tokens": ["b"]}))
    with pytest.raises(DataError, match=r"m\.jsonl:2: this line has no \"tags\""):
        read_jsonl(path)


@pytest.mark.parametrize("text", ["", "\n \n"])
def test_empty_file(write: Writer, text: str) -> None:
    with pytest.raises(DataError, match="no sentence found"):
        read_jsonl(write("e.jsonl", text))


def test_non_utf8(write: Writer) -> None:
    path = write("l.jsonl", b'{"tokens": ["a"], "tags": ["O"]}\n{"tokens": ["\xff"]}\n')
    with pytest.raises(DataError, match=r"l\.jsonl:2: not UTF-8: byte 0xFF at byte offset 46"):
        read_jsonl(path)


@pytest.mark.parametrize("name", ["tokens.jsonl", "spans.jsonl"])
def test_write_then_read_is_identical(fixtures: Path, tmp_path: Path, name: str) -> None:
    corpus = read_jsonl(fixtures / name)
    write_jsonl(corpus, tmp_path / "out.jsonl")
    again = read_jsonl(tmp_path / "out.jsonl")
    assert again.words == corpus.words and again.tags == corpus.tags
    assert [s.columns for s in again] == [s.columns for s in corpus]
    assert "Zoë" in (tmp_path / "out.jsonl").read_text("utf-8")  # not \\u-escaped


def test_write_refuses_empty_words(tmp_path: Path) -> None:
    bad = Corpus([Sentence(["a", ""], ["O", "O"], path="x.conll", line=4)])
    with pytest.raises(DataError, match=r"x\.conll:4"):
        write_jsonl(bad, tmp_path / "o.jsonl")
