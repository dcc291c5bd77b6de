"""Text classification examples: texts -> token ids with their label(s), the collator, and the
class-weighted loss.

A text longer than the model's maximum is never cut silently: the dataset counts it
(:attr:`TextDataset.too_long`), and with ``long_text="windows"`` every window of it becomes an
example carrying the text's label(s) (prediction then averages the windows' logits). Batches
are padded only to their longest input, by the engine's :func:`~nerlab.models.engine.pad_batch`,
so training and prediction batches are built the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from nerlab.data.texts import TextCorpus
from nerlab.models.engine import LongText, encode_texts, pad_batch


class TextDataset(torch.utils.data.Dataset):
    """Training examples as dicts of ``input_ids`` (list of ints) and ``labels`` (a class id,
    or a multi-hot list of floats for multi-label data).

    Attributes:
        items: the examples (one per text, or per window of a long text).
        too_long: the number of texts longer than the model's maximum length.
    """

    def __init__(self, items: list[dict[str, Any]], too_long: int = 0):
        self.items = items
        self.too_long = too_long

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, i: int) -> dict[str, Any]:
        return self.items[i]

    @property
    def lengths(self) -> list[int]:
        """Sub-tokens per example (what length-grouped sampling groups by)."""
        return [len(item["input_ids"]) for item in self.items]


def label_targets(
    gold: Sequence[Sequence[str]], labels: Sequence[str], multi_label: bool
) -> list[Any]:
    """Per example, its class id (single-label) or its multi-hot float vector (multi-label)."""
    index = {lab: i for i, lab in enumerate(labels)}
    if not multi_label:
        return [index[g[0]] for g in gold]
    out = []
    for g in gold:
        row = [0.0] * len(labels)
        for lab in g:
            row[index[lab]] = 1.0
        out.append(row)
    return out


def build_text_dataset(
    corpus: TextCorpus,
    tokenizer: Any,
    labels: Sequence[str],
    max_length: int,
    *,
    multi_label: bool = False,
    long_text: LongText = "truncate",
    stride: int | None = None,
) -> TextDataset:
    """Turn a labelled text corpus into training examples.

    Args:
        corpus: texts with their gold labels, every label in ``labels``.
        tokenizer: the model's tokenizer.
        labels: the class names, in id order.
        max_length: the model's maximum input length in sub-tokens, special tokens included.
        multi_label: multi-hot float targets (for BCE) instead of class ids.
        long_text: ``truncate`` (the first ``max_length`` sub-tokens) or ``windows`` (every
            window of a long text is an example with the text's labels).
        stride: sub-tokens shared by consecutive windows.
    """
    inputs = encode_texts(tokenizer, corpus.texts, max_length, long_text=long_text, stride=stride)
    targets = label_targets(corpus.labels, labels, multi_label)
    items = [
        {"input_ids": ids.tolist(), "labels": targets[t]}
        for ids, t in zip(inputs.input_ids, inputs.text.tolist(), strict=True)
    ]
    return TextDataset(items, int(inputs.too_long.sum()))


class TextCollator:
    """Pad a batch to its longest input (or to exactly ``pad_to`` sub-tokens: static shapes)
    with the pad id; stack the labels (ids or multi-hot)."""

    def __init__(self, pad_id: int, multi_label: bool = False, pad_to: int | None = None):
        self.pad_id = pad_id
        self.multi_label = multi_label
        self.pad_to = pad_to

    def __call__(self, batch: list[dict[str, Any]]) -> dict[str, torch.Tensor]:
        ids, mask = pad_batch([item["input_ids"] for item in batch], self.pad_id, self.pad_to)
        dtype = torch.float32 if self.multi_label else torch.int64
        return {
            "input_ids": torch.from_numpy(ids),
            "attention_mask": torch.from_numpy(mask),
            "labels": torch.tensor([item["labels"] for item in batch], dtype=dtype),
        }


def balanced_weights(gold: Sequence[Sequence[str]], labels: Sequence[str]) -> list[float]:
    """scikit-learn's ``class_weight="balanced"``: ``n_samples / (n_classes * count)``.

    A class absent from ``gold`` gets weight 1. Over the training set the weights average to
    1, so the weighted loss keeps the scale of the plain one.
    """
    index = {lab: i for i, lab in enumerate(labels)}
    counts = np.bincount([index[g[0]] for g in gold], minlength=len(labels)).astype(np.float64)
    present = counts > 0
    n_classes = int(present.sum())
    weights = np.ones(len(labels), dtype=np.float64)
    weights[present] = len(gold) / (n_classes * counts[present])
    return weights.tolist()


def positive_weights(gold: Sequence[Sequence[str]], labels: Sequence[str]) -> list[float]:
    """Multi-label "balanced": per label, negatives / positives (``pos_weight`` of BCE, as
    PyTorch's ``BCEWithLogitsLoss`` documents it); 1 for a label that never or always occurs."""
    targets = np.asarray(label_targets(gold, labels, True), dtype=np.float64).reshape(
        len(gold), len(labels)
    )
    pos = targets.sum(axis=0)
    neg = len(gold) - pos
    weights = np.ones(len(labels), dtype=np.float64)
    both = (pos > 0) & (neg > 0)
    weights[both] = neg[both] / pos[both]
    return weights.tolist()


class WeightedLoss:
    """The class-weighted loss, as the Trainer's ``compute_loss_func``.

    Single-label: cross-entropy with per-class weights, each example's loss times its class's
    weight, summed and divided by the number of examples in the (accumulated) batch. With
    ``"balanced"`` weights this is scikit-learn's sample weighting, and gradient accumulation
    gives the same loss as one large batch. Multi-label: binary cross-entropy with
    ``pos_weight``, averaged over examples and labels.
    """

    def __init__(self, weights: Sequence[float], multi_label: bool = False):
        self.weights = torch.tensor(list(weights), dtype=torch.float32)
        self.multi_label = multi_label

    def __call__(
        self, outputs: Any, labels: torch.Tensor, num_items_in_batch: Any = None
    ) -> torch.Tensor:
        logits = outputs["logits"] if isinstance(outputs, dict) else outputs[0]
        logits = logits.float()
        weights = self.weights.to(logits.device)
        if self.multi_label:
            losses = torch.nn.functional.binary_cross_entropy_with_logits(
                logits, labels.to(logits.dtype), pos_weight=weights, reduction="none"
            )
        else:
            losses = torch.nn.functional.cross_entropy(
                logits, labels, weight=weights, reduction="none"
            )
        total = losses.sum()
        count = num_items_in_batch if num_items_in_batch is not None else losses.numel()
        return total / count
