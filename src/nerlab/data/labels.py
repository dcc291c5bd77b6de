"""The label set of a task: built from the training data, checked against dev/test.

Span labels are ordered ``O`` first, then ``B-``/``I-`` pairs grouped by type, types sorted
(``O, B-LOC, I-LOC, B-PER, I-PER``); a type seen only as ``B-`` or ``I-`` still gets both.
Plain labels (POS, chunk ids...) are sorted. The order fixes the label ids a model is trained
with, so the same training data always gives the same ids.

Example:
    >>> labels = LabelSet.from_corpus(train)
    >>> labels.check(dev)  # LabelError if dev has labels that train lacks
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import NamedTuple

from nerlab.data.corpus import Corpus
from nerlab.data.schemes import parse_tag
from nerlab.errors import ConfigError, LabelError, where


class LabelCheck(NamedTuple):
    """What :meth:`LabelSet.check` found: the (possibly changed) corpus and what it changed."""

    corpus: Corpus
    changed: int
    message: str | None


@dataclass(frozen=True)
class LabelSet:
    """An ordered set of labels with their ids.

    Attributes:
        labels: the labels; ``labels[i]`` has id ``i``.
        scheme: ``"IOB2"`` for span labels, ``None`` for plain labels.
    """

    labels: tuple[str, ...]
    scheme: str | None = "IOB2"
    label2id: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if len(set(self.labels)) != len(self.labels):
            dup = [lab for lab, n in Counter(self.labels).items() if n > 1]
            raise ConfigError(f"duplicate labels in the label set: {', '.join(dup)}")
        object.__setattr__(self, "label2id", {lab: i for i, lab in enumerate(self.labels)})

    @classmethod
    def from_corpus(cls, corpus: Corpus) -> LabelSet:
        """Build the label set of a (training) corpus, ordered as the module docstring says."""
        tags = {t for s in corpus for t in s.tags}
        if not tags:
            raise LabelError(f"{where(corpus.path)}: the corpus has no tags to build labels from")
        if corpus.scheme is None:
            return cls(tuple(sorted(tags)), None)
        types = sorted({parse_tag(t)[1] for t in tags} - {""})
        return cls(("O", *(f"{p}-{t}" for t in types for p in "BI")), corpus.scheme)

    @classmethod
    def from_labels(cls, labels: Sequence[str], scheme: str | None = "IOB2") -> LabelSet:
        """A label set in the given order (for a saved model's labels)."""
        return cls(tuple(labels), scheme)

    @property
    def id2label(self) -> dict[int, str]:
        return dict(enumerate(self.labels))

    @property
    def types(self) -> list[str]:
        """Entity types of span labels, sorted (empty for plain labels)."""
        if self.scheme is None:
            return []
        return sorted({parse_tag(t)[1] for t in self.labels} - {""})

    def __len__(self) -> int:
        return len(self.labels)

    def __iter__(self) -> Iterator[str]:
        return iter(self.labels)

    def __contains__(self, label: object) -> bool:
        return label in self.label2id

    def encode(self, tags: Sequence[str]) -> list[int]:
        """Label ids of ``tags`` (all must be known; see :meth:`check`)."""
        return [self.label2id[t] for t in tags]

    def check(self, corpus: Corpus, map_unknown_to_o: bool = False) -> LabelCheck:
        """Check that every tag of ``corpus`` is in the set.

        Args:
            corpus: a dev/test corpus.
            map_unknown_to_o: replace unknown tags by ``O`` instead of failing (span labels
                only); the result says how many tokens changed.

        Returns:
            The corpus (a changed copy when tags were mapped), the number of tokens changed
            and a message for the user (``None`` when nothing changed).

        Raises:
            LabelError: unknown tags, listed with their count and first ``file:line``.
            ConfigError: ``map_unknown_to_o`` for plain labels, which have no ``O``.
        """
        counts: Counter[str] = Counter()
        first: dict[str, str] = {}
        for s in corpus:
            for i, t in enumerate(s.tags):
                if t not in self.label2id:
                    counts[t] += 1
                    first.setdefault(t, where(s.path, s.word_line(i)))
        if not counts:
            return LabelCheck(corpus, 0, None)
        listing = "; ".join(f"{t} ({n}x, first at {first[t]})" for t, n in counts.most_common())
        if not map_unknown_to_o:
            raise LabelError(
                f"{where(corpus.path)}: {len(counts)} label(s) not in the training labels: "
                f"{listing}. The training labels are {', '.join(self.labels)}. Add examples "
                "of them to the training data, or replace them in this file (Python API: "
                "LabelSet.check(corpus, map_unknown_to_o=True) maps them to O)."
            )
        if "O" not in self.label2id:
            raise ConfigError("map_unknown_to_o needs span labels with O; these are plain labels")
        sentences = [
            replace(s, tags=[t if t in self.label2id else "O" for t in s.tags]) for s in corpus
        ]
        changed = sum(counts.values())
        msg = f"{where(corpus.path)}: mapped {changed} token(s) with unknown labels to O: {listing}"
        return LabelCheck(Corpus(sentences, corpus.path, corpus.scheme), changed, msg)
