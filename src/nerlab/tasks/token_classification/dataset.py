"""Token classification examples: sentences -> windows of sub-tokens with aligned labels, and
the collator.

Long sentences are never truncated: :func:`nerlab.data.alignment.encode_words` cuts them into
overlapping windows and every window is a training example (its words are labelled with the
context that window has). With document context (``context``, FLERT), each window also reads
the sub-tokens of the neighbouring sentences of its document, labelled ``-100``. Batches are
padded only to their longest window (dynamic padding), or to a fixed width with ``pad_to``
(static shapes).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from nerlab.data.alignment import IGNORE_INDEX, encode_words, window_labels
from nerlab.data.corpus import Corpus
from nerlab.data.documents import document_ids
from nerlab.models.engine import pad_batch


def continuation_map(labels: Sequence[str]) -> list[int]:
    """Label id used on continuation sub-tokens: ``B-X`` -> ``I-X``, every other label itself.

    Raises:
        ValueError: ``B-X`` without ``I-X`` in ``labels`` (complete the label set first).
    """
    index = {lab: i for i, lab in enumerate(labels)}
    out = []
    for i, lab in enumerate(labels):
        if lab.startswith("B-"):
            inside = "I-" + lab[2:]
            if inside not in index:
                raise ValueError(f"label {lab!r} has no {inside!r} to use on continuation pieces")
            out.append(index[inside])
        else:
            out.append(i)
    return out


class WindowDataset(torch.utils.data.Dataset):
    """Training windows as dicts of ``input_ids`` and ``labels`` (lists of ints)."""

    def __init__(self, items: list[dict[str, list[int]]]):
        self.items = items

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, i: int) -> dict[str, list[int]]:
        return self.items[i]

    @property
    def lengths(self) -> list[int]:
        return [len(item["input_ids"]) for item in self.items]


def build_dataset(
    corpus: Corpus,
    tokenizer: Any,
    labels: Sequence[str],
    max_length: int,
    *,
    stride: int | None = None,
    label_all_subtokens: bool = False,
    context: int = 0,
) -> WindowDataset:
    """Turn a labelled corpus into training windows.

    Args:
        corpus: sentences with one tag per word, every tag in ``labels``.
        tokenizer: the model's fast tokenizer.
        labels: the label names, in id order.
        max_length: window length in sub-tokens, special tokens included.
        stride: sub-tokens shared by consecutive windows of a long sentence.
        label_all_subtokens: label continuation pieces too (``B-`` -> ``I-``); otherwise they
            get ``-100``, like the special tokens.
        context: document context: up to this many sub-tokens of the neighbouring sentences of
            the same document on each side (:func:`nerlab.data.documents.document_ids`; a
            corpus without documents gets none).

    Returns:
        One item per window (a sentence that fits the model is one window).
    """
    label2id = {lab: i for i, lab in enumerate(labels)}
    continuation = continuation_map(labels) if label_all_subtokens else None
    documents = document_ids(corpus) if context else None
    windows = encode_words(
        tokenizer, corpus.words, max_length, stride, documents=documents, context=context
    )
    word_labels = [[label2id[t] for t in s.tags] for s in corpus.sentences]
    items = [
        {
            "input_ids": w.input_ids.tolist(),
            "labels": window_labels(w, word_labels[w.sentence], continuation).tolist(),
        }
        for w in windows
    ]
    return WindowDataset(items)


class PadCollator:
    """Pad a batch to its longest window (or to exactly ``pad_to`` sub-tokens: static shapes):
    ``input_ids`` with the pad id, ``labels`` with -100, the attention mask with 0.

    The padding is the engine's (:func:`nerlab.models.engine.pad_batch`), so training and
    prediction batches are built the same way.
    """

    def __init__(self, pad_id: int, pad_to: int | None = None):
        self.pad_id = pad_id
        self.pad_to = pad_to

    def __call__(self, batch: list[dict[str, list[int]]]) -> dict[str, torch.Tensor]:
        ids, mask = pad_batch([item["input_ids"] for item in batch], self.pad_id, self.pad_to)
        labels = np.full(ids.shape, IGNORE_INDEX, dtype=np.int64)
        for row, item in enumerate(batch):
            labels[row, : len(item["labels"])] = item["labels"]
        return {
            "input_ids": torch.from_numpy(ids),
            "attention_mask": torch.from_numpy(mask),
            "labels": torch.from_numpy(labels),
        }
