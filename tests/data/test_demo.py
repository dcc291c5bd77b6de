"""The built-in demo corpus (src/nerlab/data/demo): counts, IOB2 validity, format, no leaks."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from nerlab.data.demo import demo_dir

SPLITS = ("train", "dev", "test")
TYPES = ("PER", "ORG", "LOC", "MISC")

# Measured when the corpus was written; update together with the README's table.
EXPECTED = {
    "train": {"sentences": 200, "words": 2334, "PER": 72, "ORG": 80, "LOC": 112, "MISC": 68},
    "dev": {"sentences": 50, "words": 606, "PER": 19, "ORG": 21, "LOC": 27, "MISC": 20},
    "test": {"sentences": 50, "words": 595, "PER": 21, "ORG": 20, "LOC": 28, "MISC": 21},
}

Sentence = list[tuple[str, str]]


def _path(split: str) -> Path:
    return demo_dir() / f"{split}.conll"


def _read(split: str) -> list[Sentence]:
    """A strict local reader: exactly two single-space-separated columns, blank-line separated."""
    text = _path(split).read_bytes().decode("utf-8")
    sentences: list[Sentence] = []
    current: Sentence = []
    for n, line in enumerate(text.split("\n")[:-1], start=1):
        if line == "":
            assert current, f"{split}.conll:{n}: empty sentence (two blank lines in a row)"
            sentences.append(current)
            current = []
            continue
        parts = line.split(" ")
        assert len(parts) == 2, f"{split}.conll:{n}: expected 'word TAG', got {line!r}"
        word, tag = parts
        assert word and word.strip() == word, f"{split}.conll:{n}: empty word"
        assert tag, f"{split}.conll:{n}: empty tag"
        current.append((word, tag))
    assert current, f"{split}.conll ends with a blank line"
    sentences.append(current)
    return sentences


def _entities(sentence: Sentence) -> list[str]:
    return [tag[2:] for _, tag in sentence if tag.startswith("B-")]


def _key(sentence: Sentence) -> str:
    return " ".join(word for word, _ in sentence)


@pytest.fixture(scope="module")
def corpus() -> dict[str, list[Sentence]]:
    return {split: _read(split) for split in SPLITS}


@pytest.mark.parametrize("split", SPLITS)
def test_file_is_utf8_with_final_newline_and_no_cr(split: str) -> None:
    data = _path(split).read_bytes()
    data.decode("utf-8")
    assert not data.startswith(b"\xef\xbb\xbf"), "no BOM"
    assert data.endswith(b"\n") and not data.endswith(b"\n\n")
    assert b"\r" not in data and b"\t" not in data


@pytest.mark.parametrize("split", SPLITS)
def test_counts(corpus: dict[str, list[Sentence]], split: str) -> None:
    sentences = corpus[split]
    types = Counter(t for s in sentences for t in _entities(s))
    measured = {
        "sentences": len(sentences),
        "words": sum(len(s) for s in sentences),
        **{t: types[t] for t in TYPES},
    }
    assert measured == EXPECTED[split]
    assert set(types) == set(TYPES)


@pytest.mark.parametrize("split", SPLITS)
def test_iob2_valid(corpus: dict[str, list[Sentence]], split: str) -> None:
    allowed = {"O"} | {f"{p}-{t}" for p in "BI" for t in TYPES}
    for i, sentence in enumerate(corpus[split]):
        previous = "O"
        for word, tag in sentence:
            assert tag in allowed, f"{split} sentence {i}: bad tag {tag!r} on {word!r}"
            if tag.startswith("I-"):
                assert previous in (f"B-{tag[2:]}", tag), (
                    f"{split} sentence {i}: {tag} on {word!r} follows {previous}"
                )
            previous = tag


@pytest.mark.parametrize("split", SPLITS)
def test_every_type_present(corpus: dict[str, list[Sentence]], split: str) -> None:
    types = {t for s in corpus[split] for t in _entities(s)}
    assert types == set(TYPES)


@pytest.mark.parametrize("split", SPLITS)
def test_no_repeated_sentence_within_split(corpus: dict[str, list[Sentence]], split: str) -> None:
    keys = Counter(_key(s) for s in corpus[split])
    assert [k for k, n in keys.items() if n > 1] == []


def test_no_sentence_shared_across_splits(corpus: dict[str, list[Sentence]]) -> None:
    keys = {split: {_key(s) for s in corpus[split]} for split in SPLITS}
    assert keys["train"] & keys["dev"] == set()
    assert keys["train"] & keys["test"] == set()
    assert keys["dev"] & keys["test"] == set()


def test_variety(corpus: dict[str, list[Sentence]]) -> None:
    """Short and long sentences, some with no entity, every type well represented overall."""
    sentences = [s for split in SPLITS for s in corpus[split]]
    lengths = [len(s) for s in sentences]
    assert min(lengths) <= 4 and max(lengths) >= 35
    no_entity = sum(1 for s in sentences if not _entities(s))
    assert 0.10 <= no_entity / len(sentences) <= 0.20
    types = Counter(t for s in sentences for t in _entities(s))
    assert all(types[t] >= 80 for t in TYPES)
