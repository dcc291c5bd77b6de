"""Text-classification data: one text with zero, one or several labels per example.

The counterpart of :mod:`nerlab.data.corpus` for the text-classification task: every reader of
classification data returns a :class:`TextCorpus`, and every later stage (describe, training,
evaluation, features) consumes it. Each example keeps where it came from, so that an error can
name ``file:line``.

Example:
    >>> corpus = TextCorpus.from_lists(["i feel great", "so sad today"], ["joy", "sadness"])
    >>> corpus.label_set()
    ['joy', 'sadness']
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass
class TextExample:
    """One text and its gold labels.

    Attributes:
        text: the text, as read (never stripped of inner whitespace).
        labels: the gold labels: ``[]`` for unlabelled data, exactly one for single-label data,
            any number (possibly none) for multi-label data.
        path: the file the example was read from (``None`` for in-memory data).
        line: the 1-based line of the example in ``path`` (the row for CSV, the index + 1 for
            a Hugging Face dataset).
        extra: other fields kept from the input (JSONL keys, CSV columns), by name.
    """

    text: str
    labels: list[str]
    path: str | None = None
    line: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str | None:
        """The single label of single-label data (``None`` when unlabelled)."""
        return self.labels[0] if self.labels else None


@dataclass
class TextCorpus:
    """A list of labelled (or unlabelled) texts plus where they came from.

    Attributes:
        examples: the examples, in file order.
        path: the file (or folder / dataset name) read, if any.
        multi_label: whether each example may carry any number of labels.
        label_names: the label order the source declares (a Hugging Face ``ClassLabel``);
            ``None`` when the source only has label strings.
        labelled: whether the source gave gold labels (a multi-label example may have none).
    """

    examples: list[TextExample]
    path: str | None = None
    multi_label: bool = False
    label_names: list[str] | None = None
    labelled: bool = True

    def __len__(self) -> int:
        return len(self.examples)

    def __iter__(self) -> Iterator[TextExample]:
        return iter(self.examples)

    def __getitem__(self, i: int) -> TextExample:
        return self.examples[i]

    @property
    def texts(self) -> list[str]:
        return [e.text for e in self.examples]

    @property
    def labels(self) -> list[list[str]]:
        return [e.labels for e in self.examples]

    def is_labelled(self) -> bool:
        """Whether every example has gold labels (multi-label: whether the source had them)."""
        if self.multi_label:
            return self.labelled
        return self.labelled and all(e.labels for e in self.examples)

    def label_set(self) -> list[str]:
        """The label names: the declared order if any, else the labels seen, sorted."""
        if self.label_names is not None:
            return list(self.label_names)
        return sorted({label for e in self.examples for label in e.labels})

    def subset(self, indices: Sequence[int]) -> TextCorpus:
        """The examples at ``indices``, with the same path, mode and label names."""
        return TextCorpus(
            [self.examples[i] for i in indices],
            self.path,
            self.multi_label,
            self.label_names,
            self.labelled,
        )

    @classmethod
    def from_lists(
        cls,
        texts: Sequence[str],
        labels: Sequence[str | Sequence[str]] | None = None,
        *,
        multi_label: bool = False,
    ) -> TextCorpus:
        """Build a corpus from parallel lists (a label string, or a list of them per text)."""
        gold: list[list[str]] = []
        for value in labels if labels is not None else [[] for _ in texts]:
            gold.append([value] if isinstance(value, str) else list(value))
        if len(gold) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(gold)} labels")
        return cls(
            [TextExample(t, g) for t, g in zip(texts, gold, strict=True)],
            multi_label=multi_label,
            labelled=labels is not None,
        )
