"""Words to sub-tokens and back, with no word ever dropped.

Training, evaluation and prediction all go through here:

1. :func:`encode_words` runs the (fast) tokenizer once over pre-split words and records which
   word each sub-token belongs to. A word the tokenizer turns into nothing (a zero-width
   character, a control character) gets the unknown token, so it still has a position.
2. The sub-tokens of a sentence are cut into :class:`Window` objects no longer than the model's
   maximum length. A sentence that fits is one window. A longer one becomes overlapping windows
   cut at word boundaries; each word is *owned* by exactly one window, the one where it has the
   most context on its poorer side, and only that window's prediction is used for it.
3. With document context (FLERT, Schweter & Akbik 2020), the room a window has left is filled
   with the sub-tokens of the neighbouring sentences of the same document, up to ``context``
   a side (:class:`_Context`). They are read, never scored: their word id is ``-1``, as for
   the special tokens.
4. :func:`window_labels` gives the training labels of a window (first sub-token labelled, the
   rest ``-100``, or every sub-token with ``B-`` turned into ``I-`` on continuation pieces), and
   :func:`word_scores` maps token scores back to one score vector per word.

Example:
    >>> windows = encode_words(tokenizer, [["EU", "rejects", "German", "call"]], max_length=512)
    >>> windows[0].input_ids[:1] == [tokenizer.cls_token_id]
    True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from nerlab.errors import ModelError

IGNORE_INDEX = -100
Aggregation = Literal["first", "average", "max"]


@dataclass
class Window:
    """A model input covering all or part of one sentence.

    Attributes:
        sentence: index of the sentence in the list given to :func:`encode_words`.
        input_ids: token ids, special tokens included (``[CLS] ... [SEP]``), and the document
            context around the sentence's own tokens, if any.
        word_ids: per token, the word index in the sentence, ``-1`` for special tokens and
            context tokens.
        first: per token, whether it is the first sub-token of its word.
        owned_words: the words whose prediction comes from this window (ascending).
        owned_pos: the position in ``input_ids`` of the first sub-token of each owned word.
    """

    sentence: int
    input_ids: np.ndarray
    word_ids: np.ndarray
    first: np.ndarray
    owned_words: np.ndarray
    owned_pos: np.ndarray

    def __len__(self) -> int:
        return len(self.input_ids)


def require_fast_tokenizer(tokenizer: Any) -> None:
    """Raise a clear error when the tokenizer cannot map sub-tokens back to words."""
    if not getattr(tokenizer, "is_fast", False):
        name = getattr(tokenizer, "name_or_path", type(tokenizer).__name__)
        raise ModelError(
            f"the tokenizer of {name!r} is not a fast (Rust) tokenizer; word-level alignment needs "
            "one (it reports which word each sub-token comes from). Use a model that ships a "
            "tokenizer.json, or convert its tokenizer with transformers' "
            "`AutoTokenizer.from_pretrained(..., use_fast=True)` and save it."
        )
    if tokenizer.cls_token_id is None or tokenizer.sep_token_id is None:
        raise ModelError(
            f"the tokenizer of {getattr(tokenizer, 'name_or_path', '?')!r} has no CLS/SEP "
            "(or <s>/</s>) token; nerlab supports encoder tokenizers (BERT, RoBERTa, XLM-R, ...)."
        )


def _subtokens(tokenizer: Any, sentences: Sequence[Sequence[str]]) -> list[tuple[list, list]]:
    """Sub-token ids and their word indices per sentence; empty words get the unknown token."""
    out: list[tuple[list, list]] = []
    if not sentences:
        return out
    enc = tokenizer(
        [list(s) for s in sentences],
        is_split_into_words=True,
        add_special_tokens=False,
        return_attention_mask=False,
        return_token_type_ids=False,
        verbose=False,  # long sentences are expected here: they are windowed below
    )
    unk = tokenizer.unk_token_id
    for b, words in enumerate(sentences):
        ids = list(enc["input_ids"][b])
        wids = list(enc.word_ids(batch_index=b))
        if len(set(wids)) != len(words):  # some words produced no sub-token at all
            present = set(wids)
            new_ids: list[int] = []
            new_wids: list[int] = []
            j = 0
            for w in range(len(words)):
                if w not in present:
                    new_ids.append(unk)
                    new_wids.append(w)
                    continue
                while j < len(wids) and wids[j] == w:
                    new_ids.append(ids[j])
                    new_wids.append(w)
                    j += 1
            ids, wids = new_ids, new_wids
        out.append((ids, wids))
    return out


def _cuts(word_starts: np.ndarray, n: int, body: int, stride: int) -> list[tuple[int, int]]:
    """Window spans ``[start, end)`` over ``n`` sub-tokens, cut at word starts where possible."""
    if n <= body:
        return [(0, n)]
    spans: list[tuple[int, int]] = []
    start = 0
    while True:
        end = min(start + body, n)
        if end < n:
            # Cut at the last word start inside the window, unless one word fills it whole.
            k = np.searchsorted(word_starts, end, side="right") - 1
            if word_starts[k] > start:
                end = int(word_starts[k])
        spans.append((start, end))
        if end >= n:
            return spans
        nxt = max(end - stride, start + 1)
        k = np.searchsorted(word_starts, nxt, side="left")
        cand = int(word_starts[k]) if k < len(word_starts) else end
        start = cand if start < cand <= end else nxt


def encode_words(
    tokenizer: Any,
    sentences: Sequence[Sequence[str]],
    max_length: int,
    stride: int | None = None,
    *,
    documents: Sequence[int] | None = None,
    context: int = 0,
) -> list[Window]:
    """Tokenize pre-split sentences into windows of at most ``max_length`` tokens.

    Args:
        tokenizer: a fast Hugging Face tokenizer with CLS and SEP tokens.
        sentences: one list of words per sentence (an empty sentence gives one window with
            only the special tokens and no owned word).
        max_length: the model's maximum sequence length, special tokens included.
        stride: how many sub-tokens consecutive windows of a long sentence share
            (default: a quarter of the window).
        documents: the document of each sentence (consecutive sentences with the same value
            are one document; see :func:`nerlab.data.documents.document_ids`); ``None``: no
            documents, no context.
        context: document context: up to this many sub-tokens of the preceding sentences of
            the same document before the sentence's first window, and of the following ones
            after its last window, in the room the sentence leaves (its own tokens come first;
            the room is split fairly between the sides, whole words where they fit). 0: none.

    Returns:
        Windows in sentence order; every word of every sentence is owned by exactly one.

    Raises:
        ModelError: a ``max_length`` or ``stride`` that does not fit.
        ValueError: a negative ``context``, or ``documents`` of another length than
            ``sentences``.
    """
    require_fast_tokenizer(tokenizer)
    body = max_length - 2
    if body < 2:
        raise ModelError(f"max_length {max_length} is too small to hold any word")
    stride = body // 4 if stride is None else stride
    if not 0 <= stride < body:
        raise ModelError(f"stride must be in [0, {body}), got {stride}")
    if context < 0:
        raise ValueError(f"context must be >= 0 sub-tokens, got {context}")
    if documents is not None and len(documents) != len(sentences):
        raise ValueError(f"{len(documents)} document ids for {len(sentences)} sentences")
    cls_id, sep_id = tokenizer.cls_token_id, tokenizer.sep_token_id
    encoded = [_arrays(ids, wids) for ids, wids in _subtokens(tokenizer, sentences)]
    around = _Context(encoded, documents) if context and documents is not None else None
    windows: list[Window] = []
    for s, (ids_a, wids_a, first_a) in enumerate(encoded):
        word_starts = np.flatnonzero(first_a)
        spans = _cuts(word_starts, len(ids_a), body, stride)
        owner = _owners(word_starts, spans)
        for k, (a, b) in enumerate(spans):
            mine = np.flatnonzero(owner == k)
            own_ids = ids_a[a:b]
            own_wids = wids_a[a:b]
            own_first = first_a[a:b]
            shift = 0
            if around is not None:
                room = body - (b - a)
                left, right = around.tokens(s, room, context, a == 0, b == len(ids_a))
                shift = len(left)
                own_ids = np.concatenate((left, own_ids, right))
                own_wids = np.concatenate(
                    (np.full(len(left), -1), own_wids, np.full(len(right), -1))
                )
                no = np.zeros(len(left), dtype=bool), np.zeros(len(right), dtype=bool)
                own_first = np.concatenate((no[0], own_first, no[1]))
            windows.append(
                Window(
                    sentence=s,
                    input_ids=np.concatenate(([cls_id], own_ids, [sep_id])),
                    word_ids=np.concatenate(([-1], own_wids, [-1])),
                    first=np.concatenate(([False], own_first, [False])),
                    owned_words=mine,
                    owned_pos=word_starts[mine] - a + 1 + shift,
                )
            )
    return windows


def _arrays(ids: list, wids: list) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A sentence's sub-token ids, word ids and first-of-word flags as arrays."""
    ids_a = np.asarray(ids, dtype=np.int64)
    wids_a = np.asarray(wids, dtype=np.int64)
    first_a = np.ones(len(wids_a), dtype=bool)
    first_a[1:] = wids_a[1:] != wids_a[:-1]
    return ids_a, wids_a, first_a


class _Context:
    """The sub-tokens around each sentence in its document (FLERT's context).

    The sentences' sub-tokens are laid end to end in one stream; a sentence's left context is
    the stream just before it, its right context the stream just after it, both cut at the
    bounds of its document and at word starts (a neighbour word is cut in the middle only
    when no word start is in reach, as FLERT always does).
    """

    def __init__(
        self, encoded: list[tuple[np.ndarray, np.ndarray, np.ndarray]], documents: Sequence[int]
    ):
        sizes = np.asarray([len(ids) for ids, _, _ in encoded], dtype=np.int64)
        self.offsets = np.concatenate(([0], np.cumsum(sizes)))
        empty = np.zeros(0, np.int64)
        self.stream = np.concatenate([ids for ids, _, _ in encoded]) if encoded else empty
        firsts = [f for _, _, f in encoded]
        self.word_starts = np.flatnonzero(np.concatenate(firsts)) if encoded else empty
        docs = np.asarray(documents)
        new_doc = np.ones(len(docs), dtype=bool)
        new_doc[1:] = docs[1:] != docs[:-1]
        run = np.cumsum(new_doc) - 1  # the document run of each sentence
        run_first = np.flatnonzero(new_doc)
        run_last = np.append(run_first[1:] - 1, len(docs) - 1)
        self.doc_start = self.offsets[run_first][run]
        self.doc_end = self.offsets[run_last + 1][run]

    def tokens(
        self, s: int, room: int, context: int, first: bool, last: bool
    ) -> tuple[np.ndarray, np.ndarray]:
        """Left and right context of sentence ``s`` in ``room`` sub-tokens, at most
        ``context`` a side; the left side only before its first window, the right side only
        after its last one (a window in the middle of a long sentence has no room anyway)."""
        start, end = self.offsets[s], self.offsets[s + 1]
        have_left = min(context, start - self.doc_start[s]) if first else 0
        have_right = min(context, self.doc_end[s] - end) if last else 0
        n_left = min(have_left, max(room - have_right, room // 2))
        lo = self._word_start_in(start - n_left, start - 1)
        n_right = min(have_right, room - (start - lo))
        hi = self._word_start_at_or_before(end + n_right, end, self.doc_end[s])
        return self.stream[lo:start], self.stream[end:hi]

    def _word_start_in(self, pos: int, limit: int) -> int:
        """The first word start in ``[pos, limit]`` (``pos`` itself if none is)."""
        k = np.searchsorted(self.word_starts, pos, side="left")
        if k < len(self.word_starts) and self.word_starts[k] <= limit:
            return int(self.word_starts[k])
        return pos

    def _word_start_at_or_before(self, pos: int, floor: int, doc_end: int) -> int:
        """``pos`` at the end of the document, else the last word start in ``[floor, pos]``
        (``pos`` itself if there is none past ``floor``)."""
        if pos >= doc_end:
            return int(doc_end)
        k = np.searchsorted(self.word_starts, pos, side="right") - 1
        if k >= 0 and self.word_starts[k] > floor:
            return int(self.word_starts[k])
        return pos


def _owners(word_starts: np.ndarray, spans: list[tuple[int, int]]) -> np.ndarray:
    """For each word, the window where its first sub-token has the most context."""
    if len(spans) == 1:
        return np.zeros(len(word_starts), dtype=np.int64)
    best = np.full(len(word_starts), -1, dtype=np.int64)
    best_ctx = np.full(len(word_starts), -1, dtype=np.int64)
    for k, (a, b) in enumerate(spans):
        inside = (word_starts >= a) & (word_starts < b)
        ctx = np.minimum(word_starts - a, b - 1 - word_starts)
        better = inside & (ctx > best_ctx)
        best[better] = k
        best_ctx[better] = ctx[better]
    assert (best >= 0).all(), "a word start fell outside every window"
    return best


def window_labels(
    window: Window,
    word_labels: Sequence[int],
    continuation: Sequence[int] | None = None,
) -> np.ndarray:
    """Training labels for one window.

    Args:
        window: the window.
        word_labels: label id of every word of the window's sentence.
        continuation: ``None`` to label only first sub-tokens (the rest ``-100``); otherwise a
            map from label id to the id used on continuation pieces (``B-X`` -> ``I-X``, the
            identity for other labels), so entity counts do not change.

    Returns:
        One label per token, ``-100`` on special tokens and ignored pieces.
    """
    labels = np.full(len(window.input_ids), IGNORE_INDEX, dtype=np.int64)
    real = window.word_ids >= 0
    word_lab = np.asarray(word_labels, dtype=np.int64)
    firsts = real & window.first
    labels[firsts] = word_lab[window.word_ids[firsts]]
    if continuation is not None:
        cont = real & ~window.first
        labels[cont] = np.asarray(continuation, dtype=np.int64)[word_lab[window.word_ids[cont]]]
    return labels


def word_scores(
    window: Window, token_scores: np.ndarray, aggregation: Aggregation = "first"
) -> np.ndarray:
    """Scores of the words this window owns, from its per-token scores.

    Args:
        window: the window.
        token_scores: ``(len(window), num_labels)`` scores (logits or probabilities) for the
            window's tokens (padding already removed).
        aggregation: ``first`` (the first sub-token's scores), ``average`` (mean over the word's
            sub-tokens in this window) or ``max`` (the scores of the sub-token whose best score
            is highest).

    Returns:
        ``(len(window.owned_words), num_labels)`` scores, in ``owned_words`` order.
    """
    if aggregation == "first" or len(window.owned_words) == 0:
        return token_scores[window.owned_pos]
    wid = window.word_ids
    is_owned = np.zeros(int(wid.max()) + 1, dtype=bool)
    is_owned[window.owned_words] = True
    pos = np.flatnonzero((wid >= 0) & is_owned[np.maximum(wid, 0)])
    # Map each kept token to the row of its owned word (owned_words is ascending).
    rows = np.searchsorted(window.owned_words, wid[pos])
    n, k = len(window.owned_words), token_scores.shape[1]
    if aggregation == "average":
        sums = np.zeros((n, k), dtype=np.float64)
        np.add.at(sums, rows, token_scores[pos])
        counts = np.bincount(rows, minlength=n)[:, None]
        return (sums / counts).astype(token_scores.dtype)
    if aggregation == "max":
        peak = token_scores[pos].max(axis=1)
        order = np.lexsort((-peak, rows))  # per row, highest peak first
        first_of_row = np.ones(len(order), dtype=bool)
        first_of_row[1:] = rows[order][1:] != rows[order][:-1]
        chosen = pos[order[first_of_row]]
        return token_scores[chosen]
    raise ValueError(f"unknown aggregation {aggregation!r}; allowed: first, average, max")
