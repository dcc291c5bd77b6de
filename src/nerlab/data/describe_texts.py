"""What is in a set of text-classification files: the function behind ``nerlab data describe``
for classification data (:mod:`nerlab.data.describe` is the NER one).

Per file (split): texts and words, texts per class and their share, text length in words
(percentiles) and, given a sub-token counter and a maximum length (the CLI builds them from
``--model``), in sub-tokens, with how many texts are longer than the model's maximum (training
counts and reports them; they are cut or split into windows, never dropped). Duplicates: texts
repeated within a split, texts shared by two splits (leakage), and how many of those carry
different labels (the emotion data set has such texts).

Words are whitespace-separated (``str.split``).

Example:
    >>> d = describe_texts(["emotion/train.txt", "emotion/val.txt", "emotion/test.txt"])
    >>> [s.texts for s in d.splits]
    [16000, 2000, 2000]
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any

from nerlab.data.describe import _percentiles
from nerlab.data.textio import TEXT_TASK, load_texts
from nerlab.data.texts import TextCorpus
from nerlab.errors import ConfigError

TextSubtokenCounter = Callable[[list[str]], list[int]]
"""Given texts, the number of sub-tokens of each, special tokens included."""


@dataclass
class TextSplitStats:
    """Statistics of one text-classification file.

    Attributes:
        path: the file.
        texts: number of texts.
        words: number of (whitespace-separated) words.
        labelled: whether the file has labels.
        multi_label: whether a text may carry several labels.
        classes: texts per class (multi-label: texts carrying it), every class of the
            description, in its order.
        shares: ``classes`` divided by ``texts``.
        no_label: texts without any label (multi-label data only; 0 otherwise).
        length: words per text: ``p50``, ``p90``, ``p99``, ``max`` (nearest rank).
        subtokens: sub-tokens per text (special tokens included), like ``length``; ``None``
            without a model.
        too_long: texts longer than the model's maximum length (``None`` without a model).
        duplicates: texts that repeat an earlier text of the same file.
        conflicting: distinct repeated texts whose copies carry different labels.
        words_by_class: the words per text of each class (for the box plot; not in JSON).
    """

    path: str
    texts: int
    words: int
    labelled: bool
    multi_label: bool
    classes: dict[str, int]
    shares: dict[str, float]
    no_label: int
    length: dict[str, int]
    subtokens: dict[str, int] | None = None
    too_long: int | None = None
    duplicates: int = 0
    conflicting: int = 0
    words_by_class: dict[str, list[int]] = field(default_factory=dict, repr=False)


@dataclass
class TextOverlap:
    """Texts of ``second`` that also occur in ``first``: ``texts`` occurrences, ``distinct``
    texts, of which ``conflicting`` carry other labels in the two files."""

    first: str
    second: str
    texts: int
    distinct: int
    conflicting: int


@dataclass
class TextDescription:
    """The result of :func:`describe_texts`."""

    splits: list[TextSplitStats]
    overlaps: list[TextOverlap]
    labels: list[str]
    model: str | None = None
    max_length: int | None = None
    task: str = TEXT_TASK

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (without the per-text word counts behind the box plot)."""
        out = asdict(self)
        for split in out["splits"]:
            del split["words_by_class"]
        return out


def _label_order(corpora: Sequence[TextCorpus]) -> list[str]:
    """Declared ``ClassLabel`` names if any, else the labels by total count (then name)."""
    for corpus in corpora:
        if corpus.label_names is not None:
            return list(corpus.label_names)
    counts = Counter(label for c in corpora for e in c for label in e.labels)
    return sorted(counts, key=lambda label: (-counts[label], label))


def _key(labels: list[str]) -> tuple[str, ...]:
    return tuple(sorted(labels))


def _duplicates(corpus: TextCorpus) -> tuple[int, int]:
    """``(repeats, conflicting)``: texts repeating an earlier one, and distinct repeated texts
    whose copies have different labels."""
    seen: dict[str, set[tuple[str, ...]]] = defaultdict(set)
    counts = Counter(corpus.texts)
    for e in corpus:
        seen[e.text].add(_key(e.labels))
    repeats = sum(n - 1 for n in counts.values())
    conflicting = sum(1 for t, n in counts.items() if n > 1 and len(seen[t]) > 1)
    return repeats, conflicting


def split_stats(corpus: TextCorpus, labels: Sequence[str], path: str) -> TextSplitStats:
    """Statistics of one corpus; ``labels`` gives the classes and their order."""
    lengths = [len(t.split()) for t in corpus.texts]
    counts = Counter(label for e in corpus for label in set(e.labels))
    by_class: dict[str, list[int]] = {label: [] for label in labels}
    for e, n in zip(corpus, lengths, strict=True):
        for label in set(e.labels):
            by_class.setdefault(label, []).append(n)
    repeats, conflicting = _duplicates(corpus)
    n = len(corpus)
    return TextSplitStats(
        path=path,
        texts=n,
        words=sum(lengths),
        labelled=corpus.labelled,
        multi_label=corpus.multi_label,
        classes={label: counts[label] for label in labels},
        shares={label: counts[label] / n for label in labels},
        no_label=sum(1 for e in corpus if not e.labels) if corpus.multi_label else 0,
        length=_percentiles(lengths),
        duplicates=repeats,
        conflicting=conflicting,
        words_by_class=by_class,
    )


def text_overlaps(corpora: Sequence[TextCorpus], names: Sequence[str]) -> list[TextOverlap]:
    """For each pair of files, the texts of the later one that occur in the earlier one."""
    labels: list[dict[str, set[tuple[str, ...]]]] = []
    for corpus in corpora:
        by_text: dict[str, set[tuple[str, ...]]] = defaultdict(set)
        for e in corpus:
            by_text[e.text].add(_key(e.labels))
        labels.append(by_text)
    out = []
    for i, j in combinations(range(len(corpora)), 2):
        shared = labels[i].keys() & labels[j].keys()
        out.append(
            TextOverlap(
                names[i],
                names[j],
                sum(1 for t in corpora[j].texts if t in labels[i]),
                len(shared),
                sum(1 for t in shared if labels[i][t] != labels[j][t]),
            )
        )
    return out


def describe_corpora(
    corpora: Sequence[TextCorpus],
    names: Sequence[str],
    *,
    subtoken_counter: TextSubtokenCounter | None = None,
    max_length: int | None = None,
    model: str | None = None,
) -> TextDescription:
    """Describe corpora already read (see :func:`describe_texts`)."""
    if (subtoken_counter is None) != (max_length is None):
        raise ConfigError("give both subtoken_counter and max_length, or neither")
    labels = _label_order(corpora)
    stats = [split_stats(c, labels, name) for c, name in zip(corpora, names, strict=True)]
    if subtoken_counter is not None and max_length is not None:
        for s, corpus in zip(stats, corpora, strict=True):
            counts = subtoken_counter(corpus.texts)
            s.subtokens = _percentiles(counts)
            s.too_long = sum(1 for n in counts if n > max_length)
    return TextDescription(stats, text_overlaps(corpora, names), labels, model, max_length)


def describe_texts(
    paths: Sequence[str | Path],
    *,
    text_column: str | None = None,
    label_column: str | None = None,
    label_sep: str | None = None,
    format: str | None = None,
    subtoken_counter: TextSubtokenCounter | None = None,
    max_length: int | None = None,
    model: str | None = None,
) -> TextDescription:
    """Describe text-classification files (each one split).

    The data layer knows no models: to measure texts in sub-tokens, the caller passes a
    function that counts them (``nerlab data describe --model`` builds one from the model's
    tokenizer) and the model's maximum length.

    Args:
        paths: the files (anything :func:`nerlab.data.textio.load_texts` reads).
        text_column: the text column or key (CSV/TSV, JSONL, Hugging Face).
        label_column: the label column or key.
        label_sep: split label fields at this string (multi-label data).
        format: the format of every file; ``None`` to detect each.
        subtoken_counter: sub-tokens per text (special tokens included).
        max_length: the model's maximum length in sub-tokens.
        model: the model's name, shown in the result.

    Returns:
        A :class:`TextDescription`; classes in the declared ``ClassLabel`` order, else by
        total count.

    Raises:
        DataError: a file cannot be read (see :func:`~nerlab.data.textio.load_texts`).
        ConfigError: ``subtoken_counter`` without ``max_length`` (or the reverse).

    Example:
        >>> d = describe_texts(["train.txt"], subtoken_counter=lambda ts: [len(t) for t in ts],
        ...                    max_length=128, model="characters")
        >>> d.splits[0].too_long
        0
    """
    if (subtoken_counter is None) != (max_length is None):
        raise ConfigError("give both subtoken_counter and max_length, or neither")
    corpora = [
        load_texts(
            p,
            text_column=text_column,
            label_column=label_column,
            label_sep=label_sep,
            format=format,
        )
        for p in paths
    ]
    return describe_corpora(
        corpora,
        [str(p) for p in paths],
        subtoken_counter=subtoken_counter,
        max_length=max_length,
        model=model,
    )
