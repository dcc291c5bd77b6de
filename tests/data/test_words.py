"""split_words: words are runs of letters/digits/marks, other characters stand alone."""

from __future__ import annotations

import sys
import unicodedata
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nerlab.data import split_words
from nerlab.data.words import _WORD_RE, sentence_starts


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("EU rejects German call.", ["EU", "rejects", "German", "call", "."]),
        (
            "U.S. don't e-mail a_b",
            ["U", ".", "S", ".", "don", "'", "t", "e", "-", "mail", "a", "_", "b"],
        ),
        ("(1996-08-22) 3.5%", ["(", "1996", "-", "08", "-", "22", ")", "3", ".", "5", "%"]),
        ("e\u0301cole hi\u0308", ["e\u0301cole", "hi\u0308"]),  # combining marks stay inside
        ("हिन्दी भाषा", ["हिन्दी", "भाषा"]),  # Devanagari vowel signs (Mc/Mn)
        ("می\u200cخواهم", ["می\u200cخواهم"]),  # ZWNJ inside a Persian word
        ("東京に行く", ["東京に行く"]),  # no spaces in Japanese: one run of letters
        ("a\u200bb\ufeffc\u00a0d\te\nf", ["a", "b", "c", "d", "e", "f"]),
        ("😀👍", ["😀", "👍"]),
        ("", []),
        ("  \n\t ", []),
    ],
)
def test_examples(text: str, words: list[str]) -> None:
    assert [w for w, _, _ in split_words(text)] == words


def test_offsets_are_exact() -> None:
    text = "  Zoë moved to São Paulo, Brazil. "
    spans = split_words(text)
    assert spans[0] == ("Zoë", 2, 5)
    assert all(text[s:e] == w for w, s, e in spans)


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_properties_on_any_text(text: str) -> None:
    spans = split_words(text)
    assert all(text[s:e] == w and w for w, s, e in spans)
    assert all(a[2] <= b[1] for a, b in pairwise(spans))
    covered = {i for _, s, e in spans for i in range(s, e)}
    for i, ch in enumerate(text):
        if i not in covered:  # only separators are left out
            assert ch.isspace() or ch in "\u200b\ufeff"
    for w, _, _ in spans:
        assert not any(c.isspace() for c in w)


def test_every_combining_mark_joins_a_word() -> None:
    """Every combining mark Python knows joins a word run (``regex``'s \\p{M})."""
    for cp in range(sys.maxunicode + 1):
        ch = chr(cp)
        cat = unicodedata.category(ch)
        if cat[0] == "M":
            assert _WORD_RE.fullmatch("a" + ch), f"U+{cp:04X} ({cat}) should join a word"


def test_same_words_as_the_stdlib_definition() -> None:
    """Issue 9 replaced a hand-written mark table by ``regex``: on every code point Python's
    tables assign, a character joins a word, separates words or stands alone exactly as the
    old definition says (``re``'s ``[^\\W_]``, category M, ZWNJ/ZWJ; ``str.isspace``)."""
    for cp in range(sys.maxunicode + 1):
        ch = chr(cp)
        cat = unicodedata.category(ch)
        if cat == "Cn":  # unassigned in Python's tables; ``regex`` may know it (newer Unicode)
            continue
        if (ch.isalnum() and ch != "_") or cat[0] == "M" or ch in "\u200c\u200d":
            expected = ["a" + ch + "b"]
        elif ch.isspace() or ch in "\u200b\ufeff":
            expected = ["a", "b"]
        else:
            expected = ["a", ch, "b"]
        got = [m.group() for m in _WORD_RE.finditer("a" + ch + "b")]
        assert got == expected, f"U+{cp:04X} ({cat})"


@pytest.mark.parametrize(
    ("text", "starts"),
    [
        ("Angela Merkel visited Paris. She left.", ["She"]),
        ("Mr. Smith left. He went to the U.S. Then he came back.", ["He"]),
        ('He said "Hello." She said nothing.', ["She"]),
        ("Really, truly? (Yes, sure.) Fine then! 3.5 m it is. 2024 came.", ["(", "Fine"]),
        ("Lang said it by Jan. 10, 1997. TALLAHASSEE, Fla. 1996", []),
        ("He died at 7:13 a.m. EST on Friday. Mobil W46. 50", ["Mobil"]),
        ("It costs 3.5 dollars. Dr. No left.", ["Dr"]),
        ("1. Jesper Ronnback ( Sweden ) 25.76 points", []),
        ("Yes. I went home.", []),
        ("no capital after. this stays one sentence", []),
        ("", []),
        ("One.", []),
    ],
)
def test_sentence_starts(text: str, starts: list[str]) -> None:
    words = [w for w, _, _ in split_words(text)]
    assert [words[i] for i in sentence_starts(words)] == starts


def test_a_sentence_starts_after_whitespace_only() -> None:
    text = "RAO Norilsky Nikel 0#NKEL.RUO had to pay. Then it paid."
    spans = split_words(text)
    words = [w for w, _, _ in spans]
    spaced = [True] + [b[1] > a[2] for a, b in pairwise(spans)]
    assert [words[i] for i in sentence_starts(words)] == ["RUO", "Then"]
    assert [words[i] for i in sentence_starts(words, spaced)] == ["Then"]
