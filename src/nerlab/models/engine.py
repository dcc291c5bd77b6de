"""Batched word-level inference, shared by evaluation, prediction and every backend.

The hot path of nerlab: words -> windows (:mod:`nerlab.data.alignment`) -> batches of
similar length bounded by a token budget -> one forward call per batch -> per-word scores put
back in input order. The model itself is a plain callable (:data:`Forward`), so PyTorch and
ONNX Runtime share the batching, windowing and aggregation code.

Example:
    >>> forward = torch_forward(model, precision="auto")
    >>> logits = predict_word_logits([["EU", "rejects", "it"]], tokenizer, forward, 512)
    >>> logits[0].shape  # (words, labels)
    (3, 9)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from nerlab.data.alignment import Aggregation, encode_words, word_scores
from nerlab.models.precision import autocast, resolve_precision

if TYPE_CHECKING:
    import torch

Forward = Callable[[np.ndarray, np.ndarray], np.ndarray]
"""``forward(input_ids, attention_mask) -> logits``: int64 ``(B, T)`` arrays in, float32
``(B, T, num_labels)`` out."""

# Upper bounds on batch size x padded length per forward call. On CPU, small batches that stay
# in cache win: MiniLM-L6 on CoNLL++ test, 2 threads, was fastest at 1024 (fp32 ~1.8x and bf16
# ~1.4x faster than at 8192; ONNX similar). GPUs want big batches.
CPU_TOKEN_BUDGET = 1024
GPU_TOKEN_BUDGET = 8192


def plan_batches(
    lengths: Sequence[int], token_budget: int = CPU_TOKEN_BUDGET, max_batch_size: int = 256
) -> list[np.ndarray]:
    """Group item indices into batches of similar length.

    Items are sorted by length (longest first, so a memory problem shows at once), and a batch
    grows while ``batch_size * longest_length <= token_budget`` (a single item longer than the
    budget gets a batch of its own).

    Returns:
        Arrays of item indices, one per batch.
    """
    order = np.argsort(-np.asarray(lengths, dtype=np.int64), kind="stable")
    batches: list[np.ndarray] = []
    i = 0
    while i < len(order):
        longest = int(lengths[order[i]])
        size = max(1, min(max_batch_size, token_budget // max(longest, 1)))
        batches.append(order[i : i + size])
        i += size
    return batches


def pad_batch(
    rows: Sequence[Sequence[int] | np.ndarray], pad_id: int
) -> tuple[np.ndarray, np.ndarray]:
    """Stack token-id rows into ``(input_ids, attention_mask)`` arrays padded to the longest."""
    width = max(len(r) for r in rows)
    ids = np.full((len(rows), width), pad_id, dtype=np.int64)
    mask = np.zeros((len(rows), width), dtype=np.int64)
    for i, r in enumerate(rows):
        ids[i, : len(r)] = r
        mask[i, : len(r)] = 1
    return ids, mask


def predict_word_logits(
    sentences: Sequence[Sequence[str]],
    tokenizer: Any,
    forward: Forward,
    max_length: int,
    *,
    token_budget: int = CPU_TOKEN_BUDGET,
    max_batch_size: int = 256,
    aggregation: Aggregation = "first",
    stride: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[np.ndarray]:
    """Scores for every word of every sentence, in input order.

    Args:
        sentences: pre-split words per sentence (may be empty).
        tokenizer: the model's fast tokenizer.
        forward: the model as a :data:`Forward` callable.
        max_length: the model's maximum sequence length (longer sentences are windowed).
        token_budget: upper bound on ``batch_size * padded_length`` per forward call.
        max_batch_size: upper bound on windows per forward call.
        aggregation: how sub-token scores become word scores (``first``, ``average``, ``max``).
        stride: overlap between windows of a long sentence (default: a quarter window).
        progress: called with the number of sentences finished after each batch.

    Returns:
        One float32 array of shape ``(len(sentence), num_labels)`` per sentence.
    """
    windows = encode_words(tokenizer, sentences, max_length, stride)
    pending = np.bincount([w.sentence for w in windows], minlength=len(sentences))
    results: list[np.ndarray | None] = [None] * len(sentences)
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    for batch in plan_batches([len(w) for w in windows], token_budget, max_batch_size):
        chunk = [windows[i] for i in batch]
        ids, mask = pad_batch([w.input_ids for w in chunk], pad_id)
        logits = np.asarray(forward(ids, mask), dtype=np.float32)
        done = 0
        for row, w in enumerate(chunk):
            s = w.sentence
            if results[s] is None:
                results[s] = np.zeros((len(sentences[s]), logits.shape[-1]), dtype=np.float32)
            results[s][w.owned_words] = word_scores(w, logits[row, : len(w)], aggregation)
            pending[s] -= 1
            done += int(pending[s] == 0)
        if progress is not None:
            progress(done)
    return [r if r is not None else np.zeros((0, 0), np.float32) for r in results]


def torch_forward(
    model: torch.nn.Module, precision: str = "auto", device: torch.device | str | None = None
) -> Forward:
    """Wrap a PyTorch token-classification model as a :data:`Forward` callable.

    Runs under ``torch.inference_mode`` and, for bf16/fp16, autocast; logits come back as
    float32 numpy arrays.
    """
    import torch

    dev = torch.device(device) if device is not None else next(model.parameters()).device
    prec = resolve_precision(precision, dev)
    model.eval()

    def forward(ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        with torch.inference_mode(), autocast(prec, dev):
            out = model(
                input_ids=torch.from_numpy(ids).to(dev),
                attention_mask=torch.from_numpy(mask).to(dev),
            )
        return out.logits.float().cpu().numpy()

    return forward
