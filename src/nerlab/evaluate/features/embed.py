"""Text embeddings from a frozen encoder: one vector per text, mean-pooled or first token.

The encoder is a plain transformers ``AutoModel`` (a built-in name, a local folder or a hub id,
resolved by :func:`nerlab.models.resolve_model`); a fine-tuned nerlab folder works too (its
encoder is used, its head left out). Texts are tokenised once, sorted by length and run in
batches under a token budget (:func:`nerlab.models.engine.plan_batches`), so padding costs
little, and the vectors come back in input order.

Pooling:
    ``mean``: the average of the last hidden states of the text's sub-tokens (the special
    tokens included, padding excluded), as sentence-transformers pools. The default, measured:
    on the emotion test set (docs/benchmarks.md, "Text classification: frozen features") a
    logistic regression on mean-pooled MiniLM-L6 features scores accuracy 0.692 (macro F1
    0.614) against 0.638 (0.536) on first-token features, and converges in a quarter of the
    iterations. Sentence encoders such as MiniLM and e5 are trained with mean pooling; their
    first token carries no sentence meaning of its own.
    ``first``: the last hidden state of the first token (``[CLS]``), as the notebook's baseline
    (and ``hf_reference.py features``) does.

Example:
    >>> encoder = load_encoder("minilm-l6")  # doctest: +SKIP
    >>> embed(["i feel great", "so sad today"], encoder).vectors.shape  # doctest: +SKIP
    (2, 384)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from nerlab.errors import ConfigError
from nerlab.models.engine import CPU_TOKEN_BUDGET, GPU_TOKEN_BUDGET, pad_batch, plan_batches

Pooling = Literal["mean", "first"]
POOLINGS: tuple[str, ...] = ("mean", "first")
DEFAULT_POOLING: Pooling = "mean"


@dataclass
class Encoder:
    """A loaded frozen encoder.

    Attributes:
        name: the model as the user named it (``minilm-l6``, a folder, a hub id).
        folder: the resolved local folder.
        model: the transformers ``AutoModel``, in eval mode.
        tokenizer: its fast tokenizer.
        max_length: the longest input in sub-tokens (special tokens included); longer texts
            are cut there and counted (:attr:`Embeddings.truncated`).
        precision: ``fp32``, ``bf16`` or ``fp16``, resolved for the device.
        device: the PyTorch device.
    """

    name: str
    folder: Path
    model: Any
    tokenizer: Any
    max_length: int
    precision: str
    device: str


@dataclass
class Embeddings:
    """The vectors of a list of texts, and what it took to compute them.

    Attributes:
        vectors: float32 ``(n_texts, hidden_size)``, in input order.
        truncated: how many texts were longer than the encoder's maximum and were cut.
        seconds: time spent in the encoder (0 when read from the cache).
        cached: whether the vectors came from the cache file.
    """

    vectors: np.ndarray
    truncated: int
    seconds: float = 0.0
    cached: bool = False


def load_encoder(model: str | Path, *, precision: str = "fp32", device: str = "cpu") -> Encoder:
    """Load the encoder of ``model`` (a built-in name, a folder or a hub id) for embedding.

    Raises:
        ModelError: the model cannot be resolved or loaded (no weights, no tokenizer).
        ConfigError: a precision the device cannot run.
    """
    from transformers import AutoModel

    from nerlab.models import model_max_length, resolve_model
    from nerlab.models.precision import resolve_precision
    from nerlab.models.saved import load_tokenizer, load_torch_model

    folder = resolve_model(str(model))
    prec = resolve_precision(precision, device)
    tokenizer = load_tokenizer(folder)
    encoder = load_torch_model(folder, AutoModel, device=device)
    return Encoder(str(model), folder, encoder, tokenizer, model_max_length(folder), prec, device)


def check_pooling(pooling: str) -> Pooling:
    """``pooling`` if it is one of :data:`POOLINGS`, else a ConfigError listing them."""
    if pooling not in POOLINGS:
        raise ConfigError(f"unknown pooling {pooling!r}; allowed: {', '.join(POOLINGS)}")
    return pooling  # type: ignore[return-value]


def tokenize(texts: Sequence[str], encoder: Encoder) -> tuple[list[list[int]], int]:
    """Sub-token ids of every text, cut at the encoder's maximum, and how many were cut."""
    from nerlab.models.quiet import quiet_transformers

    tok = encoder.tokenizer
    with quiet_transformers():  # no "longer than the maximum" warning: the cut is counted
        ids = tok(list(texts), add_special_tokens=True, truncation=False)["input_ids"]
    cut = 0
    out: list[list[int]] = []
    for row in ids:
        if len(row) > encoder.max_length:
            cut += 1
            # keep the closing special token(s) as the model saw them in training
            tail = tok.num_special_tokens_to_add(pair=False) - 1
            row = row[: encoder.max_length - tail] + (row[-tail:] if tail > 0 else [])
        out.append(row)
    return out, cut


def embed(
    texts: Sequence[str],
    encoder: Encoder,
    pooling: str = DEFAULT_POOLING,
    *,
    token_budget: int | None = None,
    max_batch_size: int = 256,
    progress: Callable[[int], None] | None = None,
) -> Embeddings:
    """One vector per text from the frozen encoder, in input order.

    Args:
        texts: the texts (an empty text is embedded from its special tokens alone).
        encoder: from :func:`load_encoder`.
        pooling: ``mean`` (default, see the module docstring) or ``first``.
        token_budget: upper bound on ``batch_size * padded_length`` per forward call (default:
            1024 on CPU, 8192 on a GPU, as for prediction).
        max_batch_size: upper bound on texts per forward call.
        progress: called with the number of texts finished after each batch.

    Returns:
        The vectors (float32 ``(n, hidden_size)``) and the count of texts cut at the maximum.
    """
    import time

    import torch

    from nerlab.models.precision import autocast

    pool = check_pooling(pooling)
    if token_budget is None:
        token_budget = CPU_TOKEN_BUDGET if encoder.device == "cpu" else GPU_TOKEN_BUDGET
    start = time.perf_counter()
    rows, cut = tokenize(texts, encoder)
    hidden = int(encoder.model.config.hidden_size)
    vectors = np.zeros((len(rows), hidden), dtype=np.float32)
    pad_id = encoder.tokenizer.pad_token_id or 0
    dev = torch.device(encoder.device)
    for batch in plan_batches([len(r) for r in rows], token_budget, max_batch_size):
        ids, mask = pad_batch([rows[i] for i in batch], pad_id)
        with torch.inference_mode(), autocast(encoder.precision, dev):  # type: ignore[arg-type]
            mask_t = torch.from_numpy(mask).to(dev)
            states = encoder.model(
                input_ids=torch.from_numpy(ids).to(dev), attention_mask=mask_t
            ).last_hidden_state.float()
        if pool == "first":
            pooled = states[:, 0]
        else:
            weights = mask_t.unsqueeze(-1).to(states.dtype)
            pooled = (states * weights).sum(1) / weights.sum(1).clamp(min=1.0)
        vectors[batch] = pooled.cpu().numpy()
        if progress is not None:
            progress(len(batch))
    return Embeddings(vectors, cut, time.perf_counter() - start)
