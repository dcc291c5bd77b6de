"""The Predictor: load a trained tagger once, then tag raw texts or pre-split words, fast.

A thin layer over :func:`nerlab.models.engine.predict_word_logits` (windows, length sorting,
token budget, sub-token aggregation), which it feeds with either PyTorch
(:func:`~nerlab.models.engine.torch_forward`) or ONNX Runtime
(:func:`nerlab.inference.onnx.onnx_forward`). What it adds:

- raw text is split into words by :func:`nerlab.data.words.split_words` (Unicode-aware,
  punctuation split off as in CoNLL-style training data) with exact character offsets, so an
  entity's ``text`` is always ``input[start:end]``;
- word tags are the argmax of the word scores; entities are decoded from them in one
  vectorised call per chunk of inputs (:func:`nerlab.evaluate.metrics.get_entities`, ``mode``
  ``"conlleval"`` (lenient) or ``"strict"``), so an entity that crosses a window boundary of a
  long text comes out whole;
- an entity's ``score`` is the mean, over its words, of each word's highest softmax
  probability (the probability of the tag it was given);
- inputs are processed in chunks of at most :attr:`Predictor.chunk_words` words, which bounds
  memory on inputs of any size while keeping enough sentences together for length sorting.

Example:
    >>> predictor = Predictor.load("runs/minilm-conllpp")
    >>> predictor.predict(["Angela Merkel visited Paris."])
    [[{'start': 0, 'end': 13, 'label': 'PER', 'text': 'Angela Merkel', 'score': 0.99...},
      {'start': 22, 'end': 27, 'label': 'LOC', 'text': 'Paris', 'score': 0.99...}]]
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypedDict

import numpy as np

from nerlab.data.alignment import Aggregation
from nerlab.data.words import split_words
from nerlab.errors import ConfigError, ModelError
from nerlab.inference.onnx import ONNX_FILE
from nerlab.models.engine import (
    CPU_TOKEN_BUDGET,
    GPU_TOKEN_BUDGET,
    Forward,
    predict_word_logits,
)
from nerlab.models.saved import TaggerInfo

BACKENDS = ("auto", "torch", "onnx")
AGGREGATIONS = ("first", "average", "max")
MODES = ("conlleval", "strict")
Progress = Callable[[int], None]


class Entity(TypedDict):
    """One predicted entity: ``text == input[start:end]``."""

    start: int
    end: int
    label: str
    text: str
    score: float


@dataclass
class Tagged:
    """A predicted text: its words with offsets, one tag per word, and the entities.

    Attributes:
        text: the text (for pre-split input, the words joined by single spaces).
        words: ``(word, start, end)`` with ``text[start:end] == word``.
        tags: the predicted tag of each word.
        entities: the decoded entities, as returned by :meth:`Predictor.predict`.
    """

    text: str
    words: list[tuple[str, int, int]]
    tags: list[str]
    entities: list[Entity]


def _check_choice(name: str, value: str, allowed: Sequence[str]) -> str:
    if value not in allowed:
        raise ConfigError(f"unknown {name} {value!r}; allowed: {', '.join(allowed)}")
    return value


class Predictor:
    """A loaded tagger that predicts entities for texts and tags for pre-split words.

    Build one with :meth:`load`. Attributes set there can be changed afterwards (for example
    ``predictor.token_budget = 4096``).

    Attributes:
        forward: the model as a :data:`~nerlab.models.engine.Forward` callable.
        tokenizer: the model's fast tokenizer.
        info: the model's labels, scheme and maximum length.
        backend: ``"torch"`` or ``"onnx"``.
        precision: what the model runs in (``"fp32"``, ``"bf16"``, ``"fp16"``, ``"int8"``).
        aggregation: sub-token to word scores: ``first``, ``average`` or ``max``.
        mode: entity decoding, ``conlleval`` (lenient) or ``strict``.
        token_budget: upper bound on ``batch size * padded length`` per forward call.
        max_batch_size: upper bound on windows per forward call.
        chunk_words: inputs are processed in groups of about this many words.
    """

    def __init__(
        self,
        forward: Forward,
        tokenizer: Any,
        info: TaggerInfo,
        *,
        backend: str = "torch",
        precision: str = "fp32",
        aggregation: Aggregation = "first",
        mode: str = "conlleval",
        token_budget: int = CPU_TOKEN_BUDGET,
        max_batch_size: int = 256,
        chunk_words: int = 100_000,
    ):
        self.forward = forward
        self.tokenizer = tokenizer
        self.info = info
        self.backend = backend
        self.precision = precision
        self.aggregation: Aggregation = _check_choice("aggregation", aggregation, AGGREGATIONS)  # type: ignore[assignment]
        self.mode = _check_choice("mode", mode, MODES)
        if token_budget < 1 or max_batch_size < 1 or chunk_words < 1:
            raise ConfigError("token_budget, max_batch_size and chunk_words must be positive")
        self.token_budget = token_budget
        self.max_batch_size = max_batch_size
        self.chunk_words = chunk_words
        self._labels = np.asarray(info.labels, dtype=object)
        self._decoder: tuple[Any, np.ndarray] | None = None

    @classmethod
    def load(
        cls,
        model_dir: str | Path,
        *,
        precision: str = "auto",
        backend: str = "auto",
        aggregation: Aggregation = "first",
        mode: str = "conlleval",
        token_budget: int | None = None,
        device: str = "cpu",
        threads: int | None = None,
    ) -> Predictor:
        """Load a model folder written by ``nerlab train`` or ``nerlab export --onnx``.

        Args:
            model_dir: the folder (a plain transformers token-classification folder works too).
            precision: ``auto`` (bf16 where the hardware runs it fast, else fp32), ``bf16``,
                ``fp16`` (CUDA) or ``fp32``; PyTorch only (an ONNX model runs as exported).
            backend: ``auto`` (ONNX Runtime if the folder holds ``model.onnx``, else PyTorch),
                ``torch`` or ``onnx``.
            aggregation: sub-token scores to word scores: ``first``, ``average`` or ``max``.
            mode: entity decoding: ``conlleval`` (lenient) or ``strict``.
            token_budget: upper bound on ``batch size * padded length`` per forward call
                (default: 1024 on CPU, 8192 on GPUs: see ``nerlab.models.engine``).
            device: PyTorch device (``cpu``, ``cuda``, ...).
            threads: CPU threads for ONNX Runtime (default: one per core). For PyTorch, call
                ``torch.set_num_threads`` (a process-wide setting) yourself.

        Raises:
            ModelError: the folder is not a token-classification model (or lacks the backend's
                files).
            ConfigError: an unknown option, or a precision the backend or device cannot run.
        """
        folder = Path(model_dir)
        if not folder.is_dir():
            raise ModelError(f"model folder {folder} does not exist (or is not a folder)")
        _check_choice("backend", backend, BACKENDS)
        if backend == "auto":
            backend = "onnx" if (folder / ONNX_FILE).is_file() else "torch"
        if backend == "onnx":
            from nerlab.inference.onnx import load_onnx

            forward, tokenizer, info, precision = load_onnx(folder, precision, threads)
        else:
            forward, tokenizer, info, precision = _load_torch(folder, precision, device)
        if token_budget is None:
            on_cpu = backend == "onnx" or device == "cpu"
            token_budget = CPU_TOKEN_BUDGET if on_cpu else GPU_TOKEN_BUDGET
        return cls(
            forward,
            tokenizer,
            info,
            backend=backend,
            precision=precision,
            aggregation=aggregation,
            mode=mode,
            token_budget=token_budget,
        )

    @property
    def labels(self) -> list[str]:
        """The model's labels, in id order."""
        return list(self.info.labels)

    def predict(
        self, texts: Sequence[str], *, progress: Progress | None = None
    ) -> list[list[Entity]]:
        """Entities in each raw text, in input order.

        Args:
            texts: the texts (any strings, of any length; empty ones give no entities).
            progress: called with the number of texts finished, as they finish.

        Returns:
            Per text, its entities in text order, each ``{start, end, label, text, score}``.
        """
        return [t.entities for t in self.tag_texts(texts, progress=progress)]

    def predict_words(
        self, sentences: Sequence[Sequence[str]], *, progress: Progress | None = None
    ) -> list[list[str]]:
        """One predicted tag per word of each pre-split sentence, in input order.

        Example:
            >>> predictor.predict_words([["EU", "rejects", "German", "call"]])
            [['B-ORG', 'O', 'B-MISC', 'O']]
        """
        if isinstance(sentences, str) or any(isinstance(s, str) for s in sentences):
            raise ConfigError("predict_words() takes a list of sentences, each a list of words")
        tags: list[list[str]] = []
        for chunk in self._chunks([len(s) for s in sentences]):
            ids, _ = self._word_predictions([sentences[i] for i in chunk], progress)
            tags.extend(self._labels[a].tolist() for a in ids)
        return tags

    def tag_texts(self, texts: Sequence[str], *, progress: Progress | None = None) -> list[Tagged]:
        """Words, tags and entities of each raw text (what :meth:`predict` returns, and more)."""
        if isinstance(texts, str):
            raise ConfigError("predict() takes a list of texts; wrap a single text as [text]")
        out: list[Tagged] = []
        for chunk in self._chunks([len(t) // 4 + 1 for t in texts]):
            spans = [split_words(texts[i]) for i in chunk]
            out.extend(self._tagged([texts[i] for i in chunk], spans, progress))
        return out

    def tag_words(
        self, sentences: Sequence[Sequence[str]], *, progress: Progress | None = None
    ) -> list[Tagged]:
        """Like :meth:`tag_texts` for pre-split words; ``text`` is the words joined by spaces."""
        out: list[Tagged] = []
        for chunk in self._chunks([len(s) for s in sentences]):
            texts, spans = [], []
            for i in chunk:
                ends = np.cumsum([len(w) + 1 for w in sentences[i]]) - 1
                spans.append(
                    [(w, int(e) - len(w), int(e)) for w, e in zip(sentences[i], ends, strict=True)]
                )
                texts.append(" ".join(sentences[i]))
            out.extend(self._tagged(texts, spans, progress))
        return out

    def _tagged(
        self, texts: list[str], spans: list[list[tuple[str, int, int]]], progress: Progress | None
    ) -> list[Tagged]:
        ids, probs = self._word_predictions([[w for w, _, _ in s] for s in spans], progress)
        out: list[Tagged] = []
        for text, s, a, found in zip(texts, spans, ids, self._entities(ids, probs), strict=True):
            entities = [
                Entity(
                    start=s[i][1],
                    end=s[j - 1][2],
                    label=label,
                    text=text[s[i][1] : s[j - 1][2]],
                    score=score,
                )
                for label, i, j, score in found
            ]
            out.append(Tagged(text, s, self._labels[a].tolist(), entities))
        return out

    def _chunks(self, sizes: Sequence[int]) -> Iterator[list[int]]:
        """Consecutive groups of input indices holding about :attr:`chunk_words` words each."""
        chunk: list[int] = []
        total = 0
        for i, size in enumerate(sizes):
            if chunk and total + size > self.chunk_words:
                yield chunk
                chunk, total = [], 0
            chunk.append(i)
            total += size
        if chunk:
            yield chunk

    def _word_predictions(
        self, sentences: Sequence[Sequence[str]], progress: Progress | None
    ) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Per sentence, the label id and its softmax probability for every word."""
        nonempty = [i for i, s in enumerate(sentences) if len(s)]
        if progress is not None and len(nonempty) < len(sentences):
            progress(len(sentences) - len(nonempty))
        logits = predict_word_logits(
            [sentences[i] for i in nonempty],
            self.tokenizer,
            self.forward,
            self.info.max_length,
            token_budget=self.token_budget,
            max_batch_size=self.max_batch_size,
            aggregation=self.aggregation,
            progress=progress,
        )
        sizes = [len(s) for s in sentences]
        n_labels = len(self.info.labels)
        flat = np.zeros((sum(sizes), n_labels), dtype=np.float32)
        offsets = np.concatenate(([0], np.cumsum(sizes)))
        for i, scores in zip(nonempty, logits, strict=True):
            flat[offsets[i] : offsets[i + 1]] = scores
        ids = flat.argmax(axis=1) if len(flat) else np.zeros(0, dtype=np.int64)
        # Highest softmax probability = 1 / sum(exp(logits - max)).
        peak = flat.max(axis=1, keepdims=True) if len(flat) else flat[:, :1]
        probs = (1.0 / np.exp(flat - peak).sum(axis=1)).astype(np.float32)
        cuts = offsets[1:-1]
        return np.split(ids, cuts), np.split(probs, cuts)

    def _entities(
        self, ids: Sequence[np.ndarray], probs: Sequence[np.ndarray]
    ) -> list[list[tuple[str, int, int, float]]]:
        """Decode ``(label, start word, end word, score)`` entities for every sentence at once."""
        result: list[list[tuple[str, int, int, float]]] = [[] for _ in ids]
        if not ids:
            return result
        sizes = np.fromiter((len(a) for a in ids), dtype=np.int64, count=len(ids))
        # One flat sequence with an O between sentences: no entity can cross a sentence.
        starts = np.concatenate(([0], np.cumsum(sizes + 1)[:-1]))
        o_id = len(self._labels)  # the extra "O" appended to the labels
        flat_ids = np.concatenate([np.append(a, o_id) for a in ids])
        flat_probs = np.concatenate([np.append(p, 0.0) for p in probs])
        types, a, b = self._decode(flat_ids)
        if not len(a):
            return result
        cum = np.concatenate(([0.0], np.cumsum(flat_probs, dtype=np.float64)))
        scores = np.round((cum[b] - cum[a]) / (b - a), 6).tolist()
        sent = np.searchsorted(starts, a, side="right") - 1
        first, end = (a - starts[sent]).tolist(), (b - starts[sent]).tolist()
        for t, s, x, y, score in zip(types, sent.tolist(), first, end, scores, strict=True):
            result[s].append((t, x, y, score))
        return result

    def _decode(self, flat_ids: np.ndarray) -> tuple[list[str], np.ndarray, np.ndarray]:
        """Entities over flat label ids as (types, start words, end words (exclusive)).

        Span tags go through the metrics' vectorised decoder
        (:func:`nerlab.evaluate.entities.decode`, the code behind ``get_entities``), on ids
        rather than tag strings.
        """
        labels = np.append(self._labels, "O")
        if self.info.scheme is None:
            # Plain tags (POS, chunks): every word that is not O is a one-word span.
            pos = np.flatnonzero(labels[flat_ids] != "O")
            return labels[flat_ids[pos]].tolist(), pos, pos + 1
        from nerlab.evaluate.entities import decode, encode

        if self._decoder is None:
            enc = encode([labels.tolist()])
            index = {tag: i for i, tag in enumerate(enc.tags)}
            self._decoder = enc, np.array([index[t] for t in labels.tolist()], dtype=np.int32)
        enc, remap = self._decoder
        scheme = self.info.scheme if self.mode == "strict" else None
        spans = decode(enc, remap[flat_ids], self.mode, scheme, "predicted tags")
        return [enc.type_names[t] for t in spans.type_ids], spans.starts, spans.ends


def _load_torch(folder: Path, precision: str, device: str) -> tuple[Forward, Any, TaggerInfo, str]:
    """PyTorch model, tokenizer, info and resolved precision of a trained folder."""
    from nerlab.models.engine import torch_forward
    from nerlab.models.precision import resolve_precision
    from nerlab.models.saved import load_tagger, read_tagger_info

    prec = resolve_precision(precision, device)
    read_tagger_info(folder)  # not a tagger folder: say so before looking for weights
    if not any((folder / f).is_file() for f in ("model.safetensors", "pytorch_model.bin")):
        raise ModelError(
            f"{folder} has no PyTorch weights (model.safetensors or pytorch_model.bin); give the "
            "output folder of `nerlab train`, or a folder from `nerlab export --onnx` with "
            "backend onnx"
        )
    model, tokenizer, info = load_tagger(folder, device=device)
    return torch_forward(model, prec, device), tokenizer, info, prec
