"""Split raw text into words with exact character offsets.

This is the pre-splitter used for JSON Lines files with character spans (``{"text", "entities"}``)
and, by the Predictor, for raw text. It splits the way CoNLL-style data is tokenised:

- a *word* is a maximal run of letters, digits and combining marks (Unicode categories ``L*``,
  ``N*``, ``M*``, plus the zero-width (non-)joiners U+200C/U+200D, which live inside words in
  Persian, Indic scripts and emoji), so ``"Zoë"``, ``"हिन्दी"`` and ``"2024"`` are one word each;
- every other character that is not whitespace is a word of its own, so punctuation is split
  off: ``"U.S."`` -> ``U . S .``, ``"don't"`` -> ``don ' t``, ``"e-mail"`` -> ``e - mail``;
  the underscore counts as punctuation;
- whitespace (``str.isspace``) and the invisible U+200B (zero-width space) and U+FEFF (byte
  order mark) separate words and are never part of one.

Offsets are exact: ``text[start:end] == word`` for every word. One compiled regular expression
does the work (``regex``'s ``finditer``; the stdlib ``re`` has no ``\\p{M}``), so it is fast
enough for any input size.

Example:
    >>> split_words("Zoë moved to São Paulo, Brazil.")
    [('Zoë', 0, 3), ('moved', 4, 9), ('to', 10, 12), ('São', 13, 16), ('Paulo', 17, 22), \
(',', 22, 23), ('Brazil', 24, 30), ('.', 30, 31)]
"""

from __future__ import annotations

from collections.abc import Sequence

import regex

# Letters, digits and combining marks (\p{M}), as the ``regex`` module knows them, plus the
# zero-width (non-)joiners. Separators are Python's ``str.isspace`` characters, which are
# Unicode's White_Space plus the four information separators U+001C..U+001F, and U+200B/U+FEFF.
# On the characters Python's own Unicode tables know this matches ``re``'s ``[^\W_]`` for
# letters and digits exactly (a test checks every code point).
_WORD_RE = regex.compile(
    r"[\p{L}\p{N}\p{M}\u200c\u200d]+|[^\s\x1c-\x1f\u200b\ufeff]", flags=regex.VERSION0
)


def split_words(text: str) -> list[tuple[str, int, int]]:
    """Split ``text`` into words with their character offsets.

    Args:
        text: any string.

    Returns:
        ``(word, start, end)`` per word, in order, with ``text[start:end] == word``; an empty
        list for empty or whitespace-only text.

    Example:
        >>> split_words("EU rejects German call.")
        [('EU', 0, 2), ('rejects', 3, 10), ('German', 11, 17), ('call', 18, 22), ('.', 22, 23)]
    """
    return [(m.group(), m.start(), m.end()) for m in _WORD_RE.finditer(text)]


_ENDS = frozenset(".!?…")
_MIN_WORDS = 4  # a shorter piece ("Yes ." / "2 .") stays with the next sentence
_CLOSERS = frozenset("\"'”’»)]")
_OPENERS = frozenset("\"'“‘«([")
# Words that end with a full stop without ending a sentence (split_words splits "Mr." into
# "Mr" "."): titles, and common abbreviations before a capitalised word.
_ABBREVIATIONS = frozenset(
    {"mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "mt", "gen", "col", "lt", "sgt"}
    | {"capt", "rev", "hon", "gov", "sen", "rep", "pres", "inc", "ltd", "co", "corp", "no"}
    | {"vs", "etc", "fig", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept"}
    | {"oct", "nov", "dec", "ala", "ariz", "ark", "calif", "colo", "conn", "del", "fla", "ga"}
    | {"ill", "ind", "kan", "ky", "la", "md", "mass", "mich", "minn", "miss", "mo", "mont"}
    | {"neb", "nev", "okla", "ore", "pa", "tenn", "tex", "va", "vt", "wash", "wis", "wyo"}
)


def sentence_starts(words: Sequence[str], spaced: Sequence[bool] | None = None) -> list[int]:
    """Indices of the words that start a new sentence inside a run of words (never 0).

    A sentence ends at ``.``, ``!``, ``?`` or ``…`` (and any closing quotes or brackets after
    it) when the next word starts with a capital letter, or is an opening quote or bracket
    followed by one; a full stop after a single letter (``U . S .``, ``J . Smith``), a word
    with a digit (``1 . Jesper``, ``W46 .``) or a title or abbreviation (``Mr``, ``Dr``,
    ``Inc``, ``Jan``...) ends none, and a sentence has at least 4 words. With ``spaced`` (for
    each word, whether whitespace comes before it in the text), a sentence starts only after
    whitespace: ``0#NKEL.RUO`` and ``U.S.`` are not cut. The rules err towards
    fewer ends: two sentences predicted together are what a missed end costs. The Predictor
    tags each sentence of a raw text on its own.

    Example:
        >>> sentence_starts("Mr . Smith left . He went to the U . S . Then ...".split())
        [5]
    """
    starts: list[int] = []
    for i in range(1, len(words)):
        if spaced is not None and not spaced[i]:
            continue
        if words[i] in _CLOSERS and words[i - 1] in _ENDS:
            continue  # the quote or bracket closing the sentence, not opening the next
        j = i - 1
        while j > 0 and words[j] in _CLOSERS:
            j -= 1
        if words[j] not in _ENDS or not _starts_sentence(words, i):
            continue
        before = words[j - 1] if j > 0 else ""
        # "U . S ." and "a . m .", "1 . Jesper" (a list item), "W46 ." (a code), "Mr . Smith":
        # a full stop after a single letter, a word with a digit or an abbreviation ends none.
        initial = len(before) == 1 and before.isalpha()
        digits = any(ch.isdigit() for ch in before)
        if words[j] == "." and (initial or digits or before.lower() in _ABBREVIATIONS):
            continue
        if i - (starts[-1] if starts else 0) < _MIN_WORDS:
            continue
        starts.append(i)
    return starts


def _starts_sentence(words: Sequence[str], i: int) -> bool:
    word = words[i]
    if word in _OPENERS and i + 1 < len(words):
        word = words[i + 1]
    return word[:1].isupper()  # not a digit: "Jan . 10 , 1997" goes on
