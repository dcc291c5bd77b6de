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
  value are one document, and a sentence without one is a document of its own. A JSONL file
  written from CoNLL keeps its ``docstart`` fields, which count as in CoNLL.

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
NO_DOCUMENTS = (
    "no documents (CoNLL -DOCSTART- lines or a JSONL doc_id field), so each sentence is read "
    "on its own, without document context"
)


def group_documents(markers: Iterable[tuple[bool, Any]]) -> list[int] | None:
    """Document index per item from its markers ``(starts_document, doc_id)``.

    Items with ``doc_id`` values (not ``None``) are grouped by them: a run of consecutive
    equal values is one document, an item without one is a document of its own. Otherwise a
    ``starts_document`` item begins a new document (the items before the first one form
    document 0). ``None`` when no item has either marker.

    Returns:
        Non-decreasing indices from 0, one per item; or ``None``.
    """
    items = list(markers)
    if any(key is not None for _, key in items):
        ids: list[int] = []
        for i, (_, key) in enumerate(items):
            same = i > 0 and key is not None and items[i - 1][1] == key
            ids.append(ids[-1] if same else (ids[-1] + 1 if ids else 0))
        return ids
    if not any(start for start, _ in items):
        return None
    ids = []
    for i, (start, _) in enumerate(items):
        ids.append(0 if i == 0 else ids[-1] + bool(start))
    return ids


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
