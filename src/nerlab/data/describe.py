"""What is in a set of data files: the typed function behind ``nerlab data describe``.

Per file (split): sentences, words, entities per type, sentence length percentiles (in words),
the detected tag scheme and its invalid transitions, and, given a sub-token counter and a maximum
length (the CLI builds them from ``--model``), how many sentences are longer than the model's
maximum length in sub-tokens (they are split into windows, never cut).
Across files: sentences whose word sequence occurs in two files (train/test leakage).

Example:
    >>> d = describe(["eng.train", "eng.testa", "eng.testb"])
    >>> [s.sentences for s in d.splits]
    [14041, 3250, 3453]
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np

from nerlab.data.corpus import Corpus
from nerlab.data.io import normalize_tags, read_corpus
from nerlab.data.schemes import invalid_transitions
from nerlab.errors import ConfigError


@dataclass
class SplitStats:
    """Statistics of one file.

    Attributes:
        path: the file.
        sentences: number of sentences.
        words: number of words.
        entities: entity counts per type (span labels; empty for plain labels).
        labels: number of distinct tags as read (0 for unlabelled data).
        length: sentence length in words: ``p50``, ``p90``, ``p99``, ``max``.
        scheme: the scheme the tags are written in (``None``: plain labels or unlabelled).
        invalid_transitions: tags that break ``scheme`` (e.g. ``I-PER`` after ``O`` in IOB2).
        too_long: sentences longer than the model's maximum length (``None`` without a model).
    """

    path: str
    sentences: int
    words: int
    entities: dict[str, int]
    labels: int
    length: dict[str, int]
    scheme: str | None
    invalid_transitions: int
    too_long: int | None = None

    @property
    def total_entities(self) -> int:
        return sum(self.entities.values())


@dataclass
class Overlap:
    """Sentences shared by two files: ``sentences`` of ``second`` occur in ``first``."""

    first: str
    second: str
    sentences: int
    distinct: int


@dataclass
class Description:
    """The result of :func:`describe`."""

    splits: list[SplitStats]
    overlaps: list[Overlap]
    model: str | None = None
    max_length: int | None = None
    tag_column: int | str | None = -1
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (entity totals included)."""
        out = asdict(self)
        for split, stats in zip(out["splits"], self.splits, strict=True):
            split["total_entities"] = stats.total_entities
        return out


def _percentiles(lengths: list[int]) -> dict[str, int]:
    """Nearest-rank percentiles: ``p90 == 32`` means 90% of sentences have at most 32 words."""
    arr = np.asarray(lengths, dtype=np.int64)
    p50, p90, p99 = np.percentile(arr, [50, 90, 99], method="inverted_cdf")
    return {"p50": int(p50), "p90": int(p90), "p99": int(p99), "max": int(arr.max())}


def count_entities(corpus: Corpus) -> Counter[str]:
    """Entities per type in an IOB2 corpus, read as conlleval reads them.

    Same result as :func:`nerlab.data.schemes.decode_lenient` on IOB2 tags (an ``I-`` after
    ``O`` or another type starts an entity), without building the spans.
    """
    counts: Counter[str] = Counter()
    for s in corpus:
        prev = ""
        for tag in s.tags:
            if tag == "O":
                prev = ""
                continue
            etype = tag[2:]
            if tag[0] == "B" or etype != prev:
                counts[etype] += 1
            prev = etype
    return counts


def split_stats(raw: Corpus, path: str) -> tuple[SplitStats, Corpus]:
    """Statistics of one corpus with raw tags, and the corpus in IOB2 (or as is if plain)."""
    corpus, scheme = normalize_tags(raw)
    entities: Counter[str] = Counter()
    invalid = 0
    if scheme is not None:
        entities = count_entities(corpus)
        if scheme != "IOB1":  # IOB1 accepts every B/I/O sequence (other prefixes fail earlier)
            invalid = sum(len(invalid_transitions(s.tags, scheme)) for s in raw)
    stats = SplitStats(
        path=path,
        sentences=len(corpus),
        words=sum(len(s) for s in corpus),
        entities=dict(sorted(entities.items())),
        labels=len({t for s in raw for t in s.tags}),
        length=_percentiles([len(s) for s in corpus]),
        scheme=scheme,
        invalid_transitions=invalid,
    )
    return stats, corpus


def overlaps(corpora: Sequence[Corpus], names: Sequence[str]) -> list[Overlap]:
    """For each pair of files, the sentences (word sequences) of the later one in the earlier."""
    keys = [[tuple(s.words) for s in c] for c in corpora]
    sets = [set(k) for k in keys]
    out = []
    for i, j in combinations(range(len(corpora)), 2):
        shared = sum(1 for k in keys[j] if k in sets[i])
        out.append(Overlap(names[i], names[j], shared, len(sets[i] & sets[j])))
    return out


SubtokenCounter = Callable[[list[list[str]]], list[int]]
"""Given sentences as word lists, the number of sub-tokens of each, special tokens included."""


def count_too_long(corpus: Corpus, counter: SubtokenCounter, max_length: int) -> int:
    """Sentences whose sub-tokens, with the special tokens, exceed ``max_length``."""
    if not len(corpus):
        return 0
    return sum(1 for n in counter(corpus.words) if n > max_length)


def describe(
    paths: Sequence[str | Path],
    *,
    tag_column: int | str | None = -1,
    word_column: int | str = 0,
    format: str | None = None,
    subtoken_counter: SubtokenCounter | None = None,
    max_length: int | None = None,
    model: str | None = None,
) -> Description:
    """Describe data files (each one split).

    The data layer knows no models: to count sentences too long for a model, the caller
    passes a function that counts sub-tokens (``nerlab data describe --model`` builds one from
    the model's tokenizer) and the model's maximum length.

    Args:
        paths: the files (any format :func:`nerlab.data.io.load_corpus` reads).
        tag_column: the tag column (CoNLL: index; CSV/HF: name).
        word_column: the word column (CoNLL: index; CSV/HF: name).
        format: the format of every file; ``None`` to detect each.
        subtoken_counter: sub-tokens per sentence (special tokens included); with
            ``max_length``, count the sentences longer than that.
        max_length: the model's maximum length in sub-tokens.
        model: the model's name, shown in the result.

    Returns:
        A :class:`Description`.

    Raises:
        DataError: a file cannot be read or has invalid tags.
        ConfigError: ``subtoken_counter`` without ``max_length`` (or the reverse).

    Example:
        >>> d = describe(["train.conll"], subtoken_counter=lambda s: [len(w) + 2 for w in s],
        ...              max_length=128, model="words+2")
        >>> d.splits[0].too_long
        0
    """
    if (subtoken_counter is None) != (max_length is None):
        raise ConfigError("give both subtoken_counter and max_length, or neither")
    stats, corpora = [], []
    for path in paths:
        raw = read_corpus(path, format=format, tag_column=tag_column, word_column=word_column)
        s, corpus = split_stats(raw, str(path))
        stats.append(s)
        corpora.append(corpus)
    if subtoken_counter is not None and max_length is not None:
        for s, corpus in zip(stats, corpora, strict=True):
            s.too_long = count_too_long(corpus, subtoken_counter, max_length)
    names = [str(p) for p in paths]
    return Description(stats, overlaps(corpora, names), model, max_length, tag_column)
