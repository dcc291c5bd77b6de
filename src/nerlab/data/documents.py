"""Which document each sentence belongs to, for document context (FLERT).

A tagger reads one sentence at a time, but a sentence's neighbours in its document say a lot
about it ("Jordan" the person in a sports report, the country in a political one). With
document context (``nerlab train --context N``, Schweter & Akbik 2020), each window is filled
with the sub-tokens of the neighbouring sentences of the same document
(:func:`nerlab.data.alignment.encode_words`); this module says where the documents are.

- CoNLL: a ``-DOCSTART-`` line starts a document (the reader keeps it in
  ``Sentence.extra["docstart"]`` of the next sentence); sentences before the first one form
  a document too.
- JSONL: a ``doc_id`` field (kept in ``Sentence.extra``); consecutive sentences with the same
  value are one document (a missing value counts as one). A JSONL file written from CoNLL
  keeps its ``docstart`` fields, which count as in CoNLL.

Example:
    >>> document_ids(read_conll("eng.testb"))[:3]
    [0, 0, 0]
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from nerlab.data.corpus import Corpus, Sentence

DOC_ID = "doc_id"
DOCSTART = "docstart"


class DocumentRuns:
    """Document indices of items given one at a time, as a stream (``nerlab predict`` reads
    its input so): a new document starts at the first item, at an item that starts one
    (``-DOCSTART-``) and where the ``doc_id`` changes (a missing one counts as a value, so
    consecutive sentences without one stay together, as CoNLL sentences between two
    ``-DOCSTART-`` lines do).

    Attributes:
        seen: whether any item had a marker (else the input has no documents at all).
    """

    def __init__(self) -> None:
        self.index = -1
        self.key: Any = None
        self.seen = False

    def add(self, starts: bool, key: Any) -> int:
        """The document index of the next item, from its ``(starts_document, doc_id)``."""
        self.seen = self.seen or starts or key is not None
        if self.index < 0 or starts or key != self.key:
            self.index += 1
        self.key = key
        return self.index


def group_documents(markers: Iterable[tuple[bool, Any]]) -> list[int] | None:
    """Document index per item from its markers ``(starts_document, doc_id)`` (the rule of
    :class:`DocumentRuns`); ``None`` when no item has a marker.

    Returns:
        Non-decreasing indices from 0, one per item; or ``None``.
    """
    runs = DocumentRuns()
    ids = [runs.add(starts, key) for starts, key in markers]
    return ids if runs.seen else None


def sentence_markers(sentence: Sentence) -> tuple[bool, Any]:
    """A sentence's ``(starts_document, doc_id)`` markers (see :func:`group_documents`)."""
    return bool(sentence.extra.get(DOCSTART)), sentence.extra.get(DOC_ID)


def document_ids(corpus: Corpus | Sequence[Sentence]) -> list[int] | None:
    """The document index of every sentence, or ``None`` when the corpus has no documents.

    Args:
        corpus: sentences as a reader returns them (CoNLL ``-DOCSTART-`` lines and JSONL
            ``doc_id`` fields kept in ``Sentence.extra``).

    Returns:
        One index per sentence (0 for the first document, then 1, 2...), or ``None``.
    """
    return group_documents(sentence_markers(s) for s in corpus)


def count_documents(ids: Sequence[int] | None) -> int:
    """How many documents :func:`document_ids` found (0 for ``None``)."""
    return ids[-1] + 1 if ids else 0
