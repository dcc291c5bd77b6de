"""The in-memory corpus every reader returns and every later stage consumes.

A :class:`Corpus` is a list of :class:`Sentence` objects: words, one tag per word (IOB2 inside
nerlab once converted), any other columns the file had, and where the sentence came from, so
that later errors can name ``file:line``.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Sentence:
    """One sentence: ``words[i]`` is tagged ``tags[i]``.

    Attributes:
        words: the words (pre-tokenised, never empty strings).
        tags: one tag per word; empty list for unlabelled data.
        columns: other columns kept from the input, by name (CoNLL: ``"col1"``, ``"col2"``...,
            CSV: the header name), each one value per word.
        path: file the sentence was read from (``None`` for in-memory data).
        line: 1-based line of the sentence's first word in ``path``.
        lines: 1-based line of each word, where the format has one word per line (CoNLL, CSV);
            ``None`` otherwise (JSONL: every word is on ``line``).
        extra: per-sentence fields kept from the input so that a conversion can write them
            back: a JSONL object's other fields (``id``, ``meta``..., and ``text`` with the
            original ``entities`` for character-span input), the CSV sentence id (under its
            header name), the CoNLL ``-DOCSTART-`` line before the sentence (``"docstart"``).
    """

    words: list[str]
    tags: list[str]
    columns: dict[str, list[str]] = field(default_factory=dict)
    path: str | None = None
    line: int | None = None
    lines: list[int] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.words)

    def word_line(self, i: int) -> int | None:
        """The 1-based line of word ``i`` (the sentence's line where words share one)."""
        if self.lines is not None:
            return self.lines[i]
        return self.line


@dataclass
class Corpus:
    """A list of sentences plus where they came from.

    Attributes:
        sentences: the sentences, in file order.
        path: the file (or folder / dataset name) read, if any.
        scheme: the tag scheme of ``tags`` (``"IOB2"`` once converted; ``None`` if unknown).
    """

    sentences: list[Sentence]
    path: str | None = None
    scheme: str | None = None

    def __len__(self) -> int:
        return len(self.sentences)

    def __iter__(self) -> Iterator[Sentence]:
        return iter(self.sentences)

    def __getitem__(self, i: int) -> Sentence:
        return self.sentences[i]

    @property
    def words(self) -> list[list[str]]:
        return [s.words for s in self.sentences]

    @property
    def tags(self) -> list[list[str]]:
        return [s.tags for s in self.sentences]

    @classmethod
    def from_lists(
        cls, words: Sequence[Sequence[str]], tags: Sequence[Sequence[str]] | None = None
    ) -> Corpus:
        """Build a corpus from parallel lists (for the Python API and tests)."""
        tag_lists = tags if tags is not None else [[] for _ in words]
        return cls([Sentence(list(w), list(t)) for w, t in zip(words, tag_lists, strict=True)])
