"""Batched inference, shared by evaluation, prediction and every backend.

The hot path of nerlab: words -> windows (:mod:`nerlab.data.alignment`) -> batches of
similar length bounded by a token budget -> one forward call per batch -> per-word scores put
back in input order. The model itself is a plain callable (:data:`Forward`), so PyTorch and
ONNX Runtime share the batching, windowing and aggregation code. Text classification goes the
same way with whole texts (:func:`encode_texts`, :func:`predict_text_logits`): one score vector
per text instead of one per word.

Example:
    >>> forward = torch_forward(model, precision="auto")
    >>> logits = predict_word_logits([["EU", "rejects", "it"]], tokenizer, forward, 512)
    >>> logits[0].shape  # (words, labels)
    (3, 9)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from nerlab.data.alignment import Aggregation, encode_words, word_scores
from nerlab.errors import ModelError
from nerlab.models.precision import autocast, resolve_precision

if TYPE_CHECKING:
    import torch

Forward = Callable[[np.ndarray, np.ndarray], np.ndarray]
"""``forward(input_ids, attention_mask) -> logits``: int64 ``(B, T)`` arrays in, float32
``(B, T, num_labels)`` out (a token-classification head) or ``(B, num_labels)`` (a
sequence-classification head)."""

LongText = Literal["truncate", "windows"]
LONG_TEXT_CHOICES: tuple[str, ...] = ("truncate", "windows")

# Upper bounds on batch size x padded length per forward call. On CPU, small batches that stay
# in cache win: MiniLM-L6 on CoNLL++ test, 2 threads, was fastest at 1024 (fp32 ~1.8x and bf16
# ~1.4x faster than at 8192; ONNX similar). GPUs want big batches.
CPU_TOKEN_BUDGET = 1024
GPU_TOKEN_BUDGET = 8192
# The shortest static width: a window needs room for its special tokens and some words (the
# same floor as training's --max-length).
MIN_PAD_TO = 8


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
    rows: Sequence[Sequence[int] | np.ndarray], pad_id: int, width: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Stack token-id rows into ``(input_ids, attention_mask)`` arrays.

    Padded to the longest row (dynamic padding), or to exactly ``width`` columns (static
    shapes: every batch the same width, as compiled graphs and accelerators want).

    Raises:
        ValueError: a row longer than ``width``.
    """
    longest = max(len(r) for r in rows)
    if width is None:
        width = longest
    elif longest > width:
        raise ValueError(f"a row of {longest} tokens does not fit the padded width {width}")
    ids = np.full((len(rows), width), pad_id, dtype=np.int64)
    mask = np.zeros((len(rows), width), dtype=np.int64)
    for i, r in enumerate(rows):
        ids[i, : len(r)] = r
        mask[i, : len(r)] = 1
    return ids, mask


def check_pad_to(pad_to: int | None, max_length: int) -> int:
    """The window length under static padding: ``pad_to`` itself (``max_length`` without).

    Raises:
        ValueError: ``pad_to`` under :data:`MIN_PAD_TO` sub-tokens, or over ``max_length`` (a
            model cannot read past its position embeddings, and padding past the longest
            window it reads only costs time).
    """
    if pad_to is None:
        return max_length
    if not MIN_PAD_TO <= pad_to <= max_length:
        raise ValueError(
            f"pad_to must be between {MIN_PAD_TO} and the model's maximum length {max_length} "
            f"sub-tokens, got {pad_to}"
        )
    return pad_to


def _batches(
    lengths: Sequence[int], pad_to: int | None, token_budget: int, max_batch_size: int
) -> list[np.ndarray]:
    """:func:`plan_batches` over the padded lengths: under ``pad_to`` every input costs
    ``pad_to`` tokens, so every batch (but the last) holds the same number of inputs."""
    if pad_to is not None:
        lengths = [pad_to] * len(lengths)
    return plan_batches(lengths, token_budget, max_batch_size)


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
    pad_to: int | None = None,
    documents: Sequence[int] | None = None,
    context: int = 0,
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
        pad_to: static shapes: every batch padded to exactly this many sub-tokens, and windows
            of at most ``pad_to`` (``<= max_length``; ``None``: each batch padded to its longest).
        documents: the document of each sentence, for document context (``None``: none).
        context: sub-tokens of the neighbouring sentences of the same document read on each
            side of a sentence (FLERT; see :func:`~nerlab.data.alignment.encode_words`).

    Returns:
        One float32 array of shape ``(len(sentence), num_labels)`` per sentence.
    """
    max_length = check_pad_to(pad_to, max_length)
    windows = encode_words(
        tokenizer, sentences, max_length, stride, documents=documents, context=context
    )
    pending = np.bincount([w.sentence for w in windows], minlength=len(sentences))
    results: list[np.ndarray | None] = [None] * len(sentences)
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    for batch in _batches([len(w) for w in windows], pad_to, token_budget, max_batch_size):
        chunk = [windows[i] for i in batch]
        ids, mask = pad_batch([w.input_ids for w in chunk], pad_id, pad_to)
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


@dataclass
class TextInputs:
    """Texts as model inputs: one or more windows of token ids per text.

    Attributes:
        input_ids: per window, its token ids (special tokens included).
        text: per window, the index of its text.
        too_long: per text, whether it has more sub-tokens than the model takes (it was cut:
            truncated, or split into several windows).
    """

    input_ids: list[np.ndarray]
    text: np.ndarray
    too_long: np.ndarray


def encode_texts(
    tokenizer: Any,
    texts: Sequence[str],
    max_length: int,
    *,
    long_text: LongText = "truncate",
    stride: int | None = None,
) -> TextInputs:
    """Tokenize whole texts as a sequence-classification model reads them.

    Each text is tokenized as it is (no word splitting: the way the encoder was pre-trained and
    the way the transformers pipeline reads it) and framed by the CLS and SEP tokens. A text
    with more sub-tokens than ``max_length`` is never cut silently: it is marked in
    ``too_long``, and either truncated (``long_text="truncate"``: the first ``max_length``
    tokens) or cut into overlapping windows (``"windows"``), each a model input.

    Args:
        tokenizer: the model's tokenizer (with CLS and SEP tokens).
        texts: the texts (an empty text gives ``[CLS] [SEP]``).
        max_length: the model's maximum sequence length, special tokens included.
        long_text: ``truncate`` or ``windows``.
        stride: sub-tokens shared by consecutive windows (default: a quarter of a window).

    Raises:
        ValueError: an unknown ``long_text``, a ``max_length`` or ``stride`` that does not fit.
    """
    if long_text not in LONG_TEXT_CHOICES:
        raise ValueError(f"unknown long_text {long_text!r}; allowed: truncate, windows")
    body = max_length - 2
    if body < 2:
        raise ValueError(f"max_length {max_length} is too small to hold any text")
    stride = body // 4 if stride is None else stride
    if not 0 <= stride < body:
        raise ValueError(f"stride must be in [0, {body}), got {stride}")
    cls_id, sep_id = tokenizer.cls_token_id, tokenizer.sep_token_id
    enc = (
        tokenizer(
            list(texts),
            add_special_tokens=False,
            return_attention_mask=False,
            return_token_type_ids=False,
            verbose=False,  # long texts are expected here: they are counted and handled below
        )["input_ids"]
        if len(texts)
        else []
    )
    ids: list[np.ndarray] = []
    owner: list[int] = []
    too_long = np.zeros(len(enc), dtype=bool)
    for t, tokens in enumerate(enc):
        too_long[t] = len(tokens) > body
        starts = [0]
        if too_long[t] and long_text == "windows":
            step = body - stride
            starts = list(range(0, len(tokens) - body + step, step))
        for a in starts:
            ids.append(np.asarray([cls_id, *tokens[a : a + body], sep_id], dtype=np.int64))
            owner.append(t)
    return TextInputs(ids, np.asarray(owner, dtype=np.int64), too_long)


def predict_text_logits(
    texts: Sequence[str],
    tokenizer: Any,
    forward: Forward,
    max_length: int,
    *,
    token_budget: int = CPU_TOKEN_BUDGET,
    max_batch_size: int = 256,
    long_text: LongText = "truncate",
    stride: int | None = None,
    progress: Callable[[int], None] | None = None,
    pad_to: int | None = None,
) -> np.ndarray:
    """Scores (logits) of every text for every class, in input order.

    Inputs are sorted by length and batched under a token budget (:func:`plan_batches`), as
    for words. With ``long_text="windows"`` a long text's logits are the mean of its
    windows' logits.

    Args:
        texts: the texts.
        tokenizer: the model's tokenizer.
        forward: the model as a :data:`Forward` callable returning ``(B, num_labels)``.
        max_length: the model's maximum sequence length.
        token_budget: upper bound on ``batch_size * padded_length`` per forward call.
        max_batch_size: upper bound on inputs per forward call.
        long_text: ``truncate`` or ``windows`` (see :func:`encode_texts`).
        stride: overlap between windows of a long text (default: a quarter window).
        progress: called with the number of texts finished after each batch.
        pad_to: static shapes: every batch padded to exactly this many sub-tokens; texts are
            read with a maximum length of ``pad_to`` (``<= max_length``; truncated or windowed
            there, as ``long_text`` says).

    Returns:
        A float32 array ``(len(texts), num_labels)``; ``(0, 0)`` for no text.
    """
    max_length = check_pad_to(pad_to, max_length)
    inputs = encode_texts(tokenizer, texts, max_length, long_text=long_text, stride=stride)
    pending = np.bincount(inputs.text, minlength=len(texts))
    counts = pending.astype(np.float32)
    sums: np.ndarray | None = None
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    lengths = [len(i) for i in inputs.input_ids]
    for batch in _batches(lengths, pad_to, token_budget, max_batch_size):
        ids, mask = pad_batch([inputs.input_ids[i] for i in batch], pad_id, pad_to)
        logits = np.asarray(forward(ids, mask), dtype=np.float32)
        if sums is None:
            sums = np.zeros((len(texts), logits.shape[-1]), dtype=np.float32)
        owners = inputs.text[batch]
        np.add.at(sums, owners, logits)
        if progress is not None:
            np.subtract.at(pending, owners, 1)
            progress(int((pending[np.unique(owners)] == 0).sum()))
    if sums is None:
        return np.zeros((0, 0), np.float32)
    return sums / counts[:, None]


def torch_forward(
    model: torch.nn.Module,
    precision: str = "auto",
    device: torch.device | str | None = None,
    *,
    compile: bool = False,
) -> Forward:
    """Wrap a PyTorch token- or sequence-classification model as a :data:`Forward` callable.

    Runs under ``torch.inference_mode`` and, for bf16/fp16, autocast; logits come back as
    float32 numpy arrays. With ``compile`` the model runs through ``torch.compile`` (graphs
    are built on the first call of each input shape: pair it with static padding, ``pad_to``,
    so a few shapes cover every batch).

    Raises:
        ModelError: (when called) ``torch.compile`` could not compile the model here, say
            without a C++ compiler for its CPU code.
    """
    import torch

    dev = torch.device(device) if device is not None else next(model.parameters()).device
    prec = resolve_precision(precision, dev)
    model.eval()
    module: Any = model
    compile_errors: tuple[type[BaseException], ...] = ()
    if compile:
        from torch._dynamo.exc import BackendCompilerFailed

        module, compile_errors = torch.compile(model), (BackendCompilerFailed,)

    def forward(ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        with torch.inference_mode(), autocast(prec, dev):
            try:
                out = module(
                    input_ids=torch.from_numpy(ids).to(dev),
                    attention_mask=torch.from_numpy(mask).to(dev),
                )
            except compile_errors as err:
                raise ModelError(
                    f"torch.compile could not compile the model on {dev} ({err}); run without "
                    "--compile (compile=False)"
                ) from err
        return out.logits.float().cpu().numpy()

    return forward
