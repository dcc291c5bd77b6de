"""The Predictor: the one loaded-model object. Load a trained model once (PyTorch or ONNX),
then tag raw texts or pre-split words (a token-classification model), or classify texts (a
text-classification model), fast; training's dev scoring, ``nerlab evaluate``, ``predict`` and
the server all go through it. ``predictor.task.name`` says which kind of model it holds; a
method of the other kind raises a ConfigError that names the one to use.

A thin layer over :func:`nerlab.models.engine.predict_word_logits` (windows, length sorting,
token budget, sub-token aggregation), which it feeds with either PyTorch
(:func:`~nerlab.models.engine.torch_forward`) or ONNX Runtime
(:func:`nerlab.inference.onnx.onnx_forward`). What it adds:

- raw text is split into words by :func:`nerlab.data.words.split_words` (Unicode-aware,
  punctuation split off as in CoNLL-style training data) with exact character offsets, so an
  entity's ``text`` is always ``input[start:end]``;
- word tags are decoded from the word scores by the task (``decoding``: Viterbi under the
  IOB2 transitions for span labels by default, or the argmax); entities are decoded by the task
  (:class:`nerlab.tasks.token_classification.EntityDecoder`, ``mode`` ``"conlleval"``
  (lenient) or ``"strict"``) in one vectorised call per chunk of inputs;
- inputs are processed in chunks of at most :attr:`Predictor.chunk_words` words, which bounds
  memory on inputs of any size while keeping enough sentences together for length sorting;
- a model trained with document context (FLERT: ``nerlab train --context N``) reads each
  sentence with the sub-tokens of its neighbours in the same document, up to
  :attr:`Predictor.context` a side: the sentences of one raw text are a document, and
  pre-split sentences carry their documents in ``documents=``; given no documents, a sentence
  is read on its own (and a model without context always reads it so, as before);
- a text classifier goes through :func:`nerlab.models.engine.predict_text_logits` (whole texts,
  the same batching; long texts truncated or windowed as the model was trained) and
  :meth:`Predictor.classify` turns probabilities into labels and per-class scores.

Example:
    >>> predictor = Predictor.load("runs/minilm-conllpp")
    >>> predictor.predict(["Angela Merkel visited Paris."])
    [[{'start': 0, 'end': 13, 'label': 'PER', 'text': 'Angela Merkel', 'score': 0.99...},
      {'start': 22, 'end': 27, 'label': 'LOC', 'text': 'Paris', 'score': 0.99...}]]
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from nerlab.data.alignment import Aggregation
from nerlab.data.documents import group_documents
from nerlab.data.words import sentence_starts, split_words
from nerlab.errors import ConfigError, ModelError
from nerlab.inference.onnx import ONNX_FILE
from nerlab.metrics import MODES
from nerlab.metrics.constrained import DECODINGS
from nerlab.models.engine import (
    CPU_TOKEN_BUDGET,
    GPU_TOKEN_BUDGET,
    Forward,
    predict_text_logits,
    predict_word_logits,
)
from nerlab.models.saved import ModelMeta, read_meta
from nerlab.tasks import Task, TextClassification, task_for
from nerlab.tasks.text_classification import Classification
from nerlab.tasks.token_classification import Entity, EntityDecoder, Tagged, tagged

BACKENDS = ("auto", "torch", "onnx")
AGGREGATIONS = ("first", "average", "max")
Progress = Callable[[int], None]

__all__ = ["Classification", "Entity", "Predictor", "Tagged"]
_TOKEN_TASK = "token-classification"


def _check_choice(name: str, value: str, allowed: Sequence[str]) -> str:
    if value not in allowed:
        raise ConfigError(f"unknown {name} {value!r}; allowed: {', '.join(allowed)}")
    return value


class Predictor:
    """A loaded model that predicts entities for texts and tags for pre-split words, or (a text
    classifier) the classes of texts.

    Build one with :meth:`load` (a folder) or :meth:`from_model` (a model in memory). Attributes
    set there can be changed afterwards (for example ``predictor.token_budget = 4096``).

    Attributes:
        forward: the model as a :data:`~nerlab.models.engine.Forward` callable.
        tokenizer: the model's fast tokenizer.
        meta: the model's task, labels, scheme and maximum length.
        task: the model's task (labels, evaluation, decoding).
        backend: ``"torch"`` or ``"onnx"``.
        precision: what the model runs in (``"fp32"``, ``"bf16"``, ``"fp16"``, ``"int8"``).
        aggregation: sub-token to word scores: ``first``, ``average`` or ``max``.
        mode: entity decoding, ``conlleval`` (lenient) or ``strict``.
        decoding: word tags from word scores: ``viterbi`` (the best sequence the tag scheme
            allows; the default for span labels) or ``argmax`` (each word on its own).
        token_budget: upper bound on ``batch size * padded length`` per forward call.
        max_batch_size: upper bound on windows per forward call.
        chunk_words: inputs are processed in groups of about this many words.
        stride: sub-tokens shared by consecutive windows of a long input (``None``: a quarter).
        pad_to: static shapes: every batch padded to exactly this many sub-tokens and windows
            of at most that many (``None``: dynamic padding, each batch to its longest input).
        compiled: whether the PyTorch model runs through ``torch.compile``.
        context: document context: sub-tokens of the neighbouring sentences of the same
            document read on each side of a sentence (FLERT; 0: none). :meth:`load` takes the
            value the model was trained with.
    """

    def __init__(
        self,
        forward: Forward,
        tokenizer: Any,
        meta: ModelMeta,
        *,
        backend: str = "torch",
        precision: str = "fp32",
        aggregation: Aggregation = "first",
        mode: str = "conlleval",
        decoding: str | None = None,
        token_budget: int = CPU_TOKEN_BUDGET,
        max_batch_size: int = 256,
        chunk_words: int = 100_000,
        stride: int | None = None,
        pad_to: int | None = None,
        compiled: bool = False,
        context: int = 0,
    ):
        self.forward = forward
        self.tokenizer = tokenizer
        self.meta = meta
        self.task: Task = task_for(meta)
        self.backend = backend
        self.precision = precision
        self.aggregation: Aggregation = _check_choice("aggregation", aggregation, AGGREGATIONS)  # type: ignore[assignment]
        self.mode = _check_choice("mode", mode, MODES)
        default = getattr(self.task, "default_decoding", "argmax")
        self.decoding = _check_choice("decoding", decoding or default, DECODINGS)
        if token_budget < 1 or max_batch_size < 1 or chunk_words < 1:
            raise ConfigError("token_budget, max_batch_size and chunk_words must be positive")
        self.token_budget = token_budget
        self.max_batch_size = max_batch_size
        self.chunk_words = chunk_words
        self.stride = stride
        self.pad_to = _check_pad_to(pad_to, meta.max_length)
        self.compiled = compiled
        self.context = _check_context(context)
        self._decoder = EntityDecoder(meta.labels, meta.scheme)
        self._tagger = self.task.name == _TOKEN_TASK

    @classmethod
    def load(
        cls,
        model_dir: str | Path,
        *,
        precision: str | None = "auto",
        backend: str = "auto",
        aggregation: Aggregation = "first",
        mode: str = "conlleval",
        decoding: str | None = None,
        token_budget: int | None = None,
        device: str = "auto",
        threads: int | None = None,
        pad_to: int | None = None,
        compile: bool = False,
        context: int | None = None,
    ) -> Predictor:
        """Load a model folder written by ``nerlab train`` or ``nerlab export --onnx``.

        Args:
            model_dir: the folder (a plain transformers token- or sequence-classification folder
                works too).
            precision: ``auto`` (bf16 where the hardware runs it fast, else fp32), ``bf16``,
                ``fp16`` (CUDA) or ``fp32``; PyTorch only (an ONNX model runs as exported).
                ``None``: the precision the model was trained and scored with.
            backend: ``auto`` (ONNX Runtime if the folder holds ``model.onnx``, else PyTorch),
                ``torch`` or ``onnx``.
            aggregation: sub-token scores to word scores: ``first``, ``average`` or ``max``.
            mode: entity decoding: ``conlleval`` (lenient) or ``strict``.
            decoding: ``viterbi`` or ``argmax`` (``None``: the task's default, Viterbi for
                span labels).
            token_budget: upper bound on ``batch size * padded length`` per forward call
                (default: the one the model was scored with at training time, else 1024 on CPU
                and 8192 on GPUs: see ``nerlab.models.engine``).
            device: PyTorch device: ``auto`` (the default: ``cuda`` where PyTorch sees a GPU,
                else ``cpu``), ``cpu``, ``cuda``, ``cuda:1``...
            threads: CPU threads for ONNX Runtime (default: one per core). For PyTorch, call
                ``torch.set_num_threads`` (a process-wide setting) yourself.
            pad_to: pad every batch to exactly this many sub-tokens (static shapes, for
                compiled graphs and accelerators), windows of at most that many; between 8 and
                the model's maximum length. Not taken from the training run's ``pad_to``:
                static shapes pay on some hardware and cost on other (see docs/scaling.md).
            compile: run the PyTorch model through ``torch.compile`` (graphs are built on the
                first batches, which are slow; pair it with ``pad_to``).
            context: document context, sub-tokens a side (FLERT); ``None``: as the model was
                trained (its ``nerlab_config.json`` ``context``, 0 for other folders).

        Raises:
            ModelError: the folder is not a model nerlab can use, or lacks the backend's files
                or its tokenizer.
            ConfigError: an unknown option, or a precision the backend or device cannot run.
        """
        folder = Path(model_dir)
        _check_choice("backend", backend, BACKENDS)
        _check_choice("aggregation", aggregation, AGGREGATIONS)
        _check_choice("mode", mode, MODES)
        if decoding is not None:
            _check_choice("decoding", decoding, DECODINGS)
        meta = read_meta(folder)
        _check_pad_to(pad_to, meta.max_length)
        context = trained_context(meta) if context is None else _check_context(context)
        if context and meta.task != _TOKEN_TASK:
            raise ConfigError(
                f"context {context}: document context is for token-classification (NER) "
                f"models; {folder} is a {meta.task} model: drop it"
            )
        training = meta.training
        if backend == "auto":
            backend = "onnx" if (folder / ONNX_FILE).is_file() else "torch"
        if backend == "onnx":
            device = "cpu"  # ONNX Runtime's CPU provider
        elif device == "auto":
            device = auto_device()
        if precision is None:
            precision = _recorded_precision(training, device)
        if backend == "onnx":
            if compile:
                raise ConfigError(
                    "compile is for the PyTorch backend (torch.compile); an ONNX model is "
                    "already a compiled graph: drop --compile, or use --backend torch"
                )
            from nerlab.inference.onnx import load_onnx

            forward, tokenizer, precision = load_onnx(folder, meta, precision, threads)
        else:
            auto_class = task_for(meta).auto_model_class()
            forward, tokenizer, precision = _load_torch(
                folder, auto_class, precision, device, compile
            )
        if token_budget is None:
            on_cpu = backend == "onnx" or device == "cpu"
            default = CPU_TOKEN_BUDGET if on_cpu else GPU_TOKEN_BUDGET
            token_budget = int(training.get("eval_token_budget") or default)
        return cls(
            forward,
            tokenizer,
            meta,
            backend=backend,
            precision=precision,
            aggregation=aggregation,
            mode=mode,
            decoding=decoding,
            token_budget=token_budget,
            stride=training.get("stride"),
            pad_to=pad_to,
            compiled=compile,
            context=context,
        )

    @classmethod
    def from_model(
        cls,
        model: Any,
        tokenizer: Any,
        meta: ModelMeta,
        *,
        precision: str = "fp32",
        token_budget: int = CPU_TOKEN_BUDGET,
        stride: int | None = None,
        pad_to: int | None = None,
        context: int = 0,
    ) -> Predictor:
        """A Predictor over a PyTorch model in memory (training scores dev with this).

        Args:
            model: a transformers model of the task's head (switched to eval mode per call).
            tokenizer: its fast tokenizer.
            meta: its labels, scheme and maximum length.
            precision: ``fp32``, ``bf16`` or ``fp16`` (already resolved for the device).
            token_budget: tokens per forward call.
            stride: window overlap for long inputs.
            pad_to: pad every batch to exactly this many sub-tokens (static shapes).
            context: document context, sub-tokens a side (FLERT; 0: none).
        """
        from nerlab.models.engine import torch_forward

        forward = torch_forward(model, precision)
        return cls(
            forward,
            tokenizer,
            meta,
            precision=precision,
            token_budget=token_budget,
            stride=stride,
            pad_to=pad_to,
            context=context,
        )

    @property
    def labels(self) -> list[str]:
        """The model's labels, in id order."""
        return list(self.meta.labels)

    def _require_tagger(self, method: str) -> None:
        if not self._tagger:
            raise ConfigError(
                f"{method}() is for token-classification (NER) models, and this model is a "
                f"{self.task.name} model (classes: {', '.join(self.meta.labels[:10])}); use "
                "classify(texts) for its classes, or text_scores(texts) for the raw scores"
            )

    def _require_classifier(self, method: str) -> TextClassification:
        if not isinstance(self.task, TextClassification):
            raise ConfigError(
                f"{method}() is for text-classification models, and this model is a "
                f"{self.task.name} model; use predict(texts) for its entities, or "
                "predict_words(sentences) for one tag per word"
            )
        return self.task

    def word_scores(
        self,
        sentences: Sequence[Sequence[str]],
        *,
        documents: Sequence[Any] | None = None,
        progress: Progress | None = None,
    ) -> list[np.ndarray]:
        """Per sentence, the ``(words, labels)`` scores (logits) of every word, in input order.

        Empty sentences get a ``(0, labels)`` array. This is what evaluation and analysis use.
        Token-classification models only.

        Args:
            sentences: pre-split words per sentence.
            documents: the document of each sentence (any values: consecutive sentences with
                equal values are one document, ``None`` a sentence on its own; see
                :func:`nerlab.data.documents.document_ids`); a model with :attr:`context`
                reads each sentence with its neighbours in the document. ``None``: no context.
            progress: called with the number of sentences finished, as they finish.
        """
        self._require_tagger("word_scores")
        if isinstance(sentences, str) or any(isinstance(s, str) for s in sentences):
            raise ConfigError("word_scores() takes a list of sentences, each a list of words")
        docs = self._documents(documents, len(sentences))
        n_labels = len(self.meta.labels)
        out: list[np.ndarray] = [np.zeros((0, n_labels), np.float32) for _ in sentences]
        nonempty = [i for i, s in enumerate(sentences) if len(s)]
        if progress is not None and len(nonempty) < len(sentences):
            progress(len(sentences) - len(nonempty))
        logits = predict_word_logits(
            [sentences[i] for i in nonempty],
            self.tokenizer,
            self.forward,
            self.meta.max_length,
            token_budget=self.token_budget,
            max_batch_size=self.max_batch_size,
            aggregation=self.aggregation,
            stride=self.stride,
            progress=progress,
            pad_to=self.pad_to,
            documents=None if docs is None else [docs[i] for i in nonempty],
            context=self.context,
        )
        for i, scores in zip(nonempty, logits, strict=True):
            out[i] = scores
        return out

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
        self._require_tagger("predict")
        return [t.entities for t in self.tag_texts(texts, progress=progress)]

    def predict_words(
        self,
        sentences: Sequence[Sequence[str]],
        *,
        documents: Sequence[Any] | None = None,
        progress: Progress | None = None,
    ) -> list[list[str]]:
        """One predicted tag per word of each pre-split sentence, in input order.

        ``documents``: the document of each sentence, for a model with document context (see
        :meth:`word_scores`).

        Example:
            >>> predictor.predict_words([["EU", "rejects", "German", "call"]])
            [['B-ORG', 'O', 'B-MISC', 'O']]
        """
        self._require_tagger("predict_words")
        if isinstance(sentences, str) or any(isinstance(s, str) for s in sentences):
            raise ConfigError("predict_words() takes a list of sentences, each a list of words")
        docs = self._documents(documents, len(sentences))
        tags: list[list[str]] = []
        for chunk in self._chunks([len(s) for s in sentences], docs):
            ids, _ = self._word_predictions(
                [sentences[i] for i in chunk], progress, _pick(docs, chunk)
            )
            tags.extend(self._decoder.tags(a) for a in ids)
        return tags

    def tag_texts(
        self,
        texts: Sequence[str],
        *,
        documents: Sequence[Any] | None = None,
        progress: Progress | None = None,
    ) -> list[Tagged]:
        """Words, tags and entities of each raw text (what :meth:`predict` returns, and more).

        A text is cut into sentences, each predicted on its own; with document context, the
        sentences of a text are one document (``documents``: the document of each text, when
        consecutive texts belong together, such as the sentences of an article one a line).
        """
        self._require_tagger("tag_texts")
        if isinstance(texts, str):
            raise ConfigError("predict() takes a list of texts; wrap a single text as [text]")
        docs = self._documents(documents, len(texts))
        out: list[Tagged] = []
        for chunk in self._chunks([len(t) // 4 + 1 for t in texts], docs):
            spans = [split_words(texts[i]) for i in chunk]
            chunk_docs = _pick(docs, chunk)
            out.extend(
                self._tagged([texts[i] for i in chunk], spans, progress, raw=True, docs=chunk_docs)
            )
        return out

    def tag_words(
        self,
        sentences: Sequence[Sequence[str]],
        *,
        documents: Sequence[Any] | None = None,
        progress: Progress | None = None,
    ) -> list[Tagged]:
        """Like :meth:`tag_texts` for pre-split words; ``text`` is the words joined by spaces.
        ``documents``: the document of each sentence (see :meth:`word_scores`)."""
        self._require_tagger("tag_words")
        docs = self._documents(documents, len(sentences))
        out: list[Tagged] = []
        for chunk in self._chunks([len(s) for s in sentences], docs):
            texts, spans = [], []
            for i in chunk:
                ends = np.cumsum([len(w) + 1 for w in sentences[i]]) - 1
                spans.append(
                    [(w, int(e) - len(w), int(e)) for w, e in zip(sentences[i], ends, strict=True)]
                )
                texts.append(" ".join(sentences[i]))
            out.extend(self._tagged(texts, spans, progress, docs=_pick(docs, chunk)))
        return out

    def text_scores(self, texts: Sequence[str], *, progress: Progress | None = None) -> np.ndarray:
        """The ``(texts, classes)`` scores (logits) of each text, in input order.

        Long texts are read as the model was trained (``long_text``: truncated, or the mean
        over windows). Text-classification models only; evaluation uses this.

        Args:
            texts: the texts (any strings; an empty one is scored too).
            progress: called with the number of texts finished, as they finish.
        """
        task = self._require_classifier("text_scores")
        if isinstance(texts, str) or not all(isinstance(t, str) for t in texts):
            raise ConfigError("text_scores() takes a list of texts; wrap a single text as [text]")
        out = np.zeros((len(texts), len(self.meta.labels)), dtype=np.float32)
        for chunk in self._chunks([len(t) // 4 + 1 for t in texts]):
            logits = predict_text_logits(
                [texts[i] for i in chunk],
                self.tokenizer,
                self.forward,
                self.meta.max_length,
                token_budget=self.token_budget,
                max_batch_size=self.max_batch_size,
                long_text=task.long_text,
                stride=self.stride,
                progress=progress,
                pad_to=self.pad_to,
            )
            out[chunk] = logits
        return out

    def probabilities(
        self, texts: Sequence[str], *, progress: Progress | None = None
    ) -> np.ndarray:
        """The ``(texts, classes)`` probabilities: softmax over classes, or one sigmoid per
        class for a multi-label model. Text-classification models only."""
        task = self._require_classifier("probabilities")
        return task.probabilities(self.text_scores(texts, progress=progress))

    def classify(
        self,
        texts: Sequence[str],
        *,
        top_k: int | None = None,
        progress: Progress | None = None,
    ) -> list[Classification]:
        """The classes of each text, in input order.

        Args:
            texts: the texts.
            top_k: keep the ``top_k`` most probable classes in ``scores`` (``None``: all).
            progress: called with the number of texts finished, as they finish.

        Returns:
            Per text ``{label, score, labels, scores}``: the most probable class and its
            probability, the predicted classes (multi-label: all at or above their
            thresholds), and class -> probability, most probable first.

        Example:
            >>> predictor.classify(["i feel so happy today"], top_k=2)
            [{'label': 'joy', 'score': 0.98, 'labels': ['joy'],
              'scores': {'joy': 0.98, 'love': 0.01}}]
        """
        task = self._require_classifier("classify")
        if top_k is not None and (
            not isinstance(top_k, int) or isinstance(top_k, bool) or top_k < 1
        ):
            raise ConfigError(f"top_k must be a whole number >= 1 (or None for all), not {top_k!r}")
        return task.classify(self.probabilities(texts, progress=progress), top_k)

    def _tagged(
        self,
        texts: list[str],
        spans: list[list[tuple[str, int, int]]],
        progress: Progress | None,
        *,
        raw: bool = False,
        docs: list[int] | None = None,
    ) -> list[Tagged]:
        words = [[w for w, _, _ in s] for s in spans]
        if not raw:
            ids, probs = self._word_predictions(words, progress, docs)
            return tagged(self._decoder, texts, spans, ids, probs, self.mode)
        # A raw text may hold many sentences: each is predicted on its own, as the model was
        # trained on single sentences. Run together in one long window, a tagger trained on
        # CoNLL++ mis-tagged words at fixed positions past ~60 sub-tokens (issue 10's long
        # text: 80 of 3,448 "Paris" tagged PER; none one sentence at a time).
        pieces: list[list[str]] = []
        counts = []  # sentences per text
        for ws, sp in zip(words, spans, strict=True):
            spaced = [True] + [b[1] > a[2] for a, b in itertools.pairwise(sp)]
            cuts = [0, *sentence_starts(ws, spaced), len(ws)]
            pieces += [ws[a:b] for a, b in itertools.pairwise(cuts)]
            counts.append(len(cuts) - 1)
        # With document context, a text's sentences are one document (or the texts' own
        # documents, when given): each is read with its neighbours, as the model was trained.
        piece_docs = None
        if self.context:
            owners = range(len(counts)) if docs is None else docs
            piece_docs = [d for d, n in zip(owners, counts, strict=True) for _ in range(n)]
        piece_ids, piece_probs = self._word_predictions(
            pieces, _scaled(progress, len(pieces), len(words)), piece_docs
        )
        ends = np.cumsum(counts).tolist()
        starts = [0, *ends[:-1]]
        ids = [np.concatenate(piece_ids[a:b]) for a, b in zip(starts, ends, strict=True)]
        probs = [np.concatenate(piece_probs[a:b]) for a, b in zip(starts, ends, strict=True)]
        return tagged(self._decoder, texts, spans, ids, probs, self.mode)

    def _chunks(self, sizes: Sequence[int], docs: list[int] | None = None) -> Iterator[list[int]]:
        """Consecutive groups of input indices holding about :attr:`chunk_words` words each.

        With documents (``docs``), a group ends where a document does, so every sentence keeps
        its neighbours; only a document of over four times :attr:`chunk_words` words is cut.
        """
        chunk: list[int] = []
        total = 0
        for i, size in enumerate(sizes):
            full = total + size > self.chunk_words
            if docs is not None and full and docs[i] == docs[i - 1]:
                full = total + size > 4 * self.chunk_words
            if chunk and full:
                yield chunk
                chunk, total = [], 0
            chunk.append(i)
            total += size
        if chunk:
            yield chunk

    def _word_predictions(
        self,
        sentences: Sequence[Sequence[str]],
        progress: Progress | None,
        docs: list[int] | None = None,
    ) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Per sentence, the label id (decoded as :attr:`decoding` says) and its softmax
        probability for every word."""
        scores = self.word_scores(sentences, documents=docs, progress=progress)
        sizes = [len(s) for s in sentences]
        n_labels = len(self.meta.labels)
        flat = np.concatenate(scores) if scores else np.zeros((0, n_labels))
        if self.decoding == "argmax" or not len(flat):
            ids = flat.argmax(axis=1) if len(flat) else np.zeros(0, dtype=np.int64)
        else:
            ids = np.concatenate(self.task.decode(scores, self.decoding))  # type: ignore[attr-defined]
        # Softmax probability of the chosen label: exp(logit - max) / sum(exp(logits - max)).
        peak = flat.max(axis=1, keepdims=True) if len(flat) else flat[:, :1]
        exp = np.exp(flat - peak)
        chosen = exp[np.arange(len(flat)), ids] if len(flat) else np.zeros(0)
        probs = (chosen / exp.sum(axis=1)).astype(np.float32)
        cuts = np.cumsum(sizes)[:-1]
        return np.split(ids, cuts), np.split(probs, cuts)

    def _documents(self, documents: Sequence[Any] | None, n: int) -> list[int] | None:
        """Document indices (consecutive runs of equal values) for a model with context;
        ``None`` when there is no context to read (none given, or a model without it)."""
        if documents is None:
            return None
        if isinstance(documents, str) or len(documents) != n:
            got = "a string" if isinstance(documents, str) else f"{len(documents)} values"
            raise ConfigError(f"documents must give one document per input ({n}), got {got}")
        if not self.context:
            return None
        return group_documents((False, d) for d in documents)


def _pick(docs: list[int] | None, chunk: list[int]) -> list[int] | None:
    return None if docs is None else [docs[i] for i in chunk]


def trained_context(meta: ModelMeta) -> int:
    """The document context a saved model was trained with (``context`` in its
    ``nerlab_config.json``; 0 when absent).

    Raises:
        ModelError: a recorded value that is not a whole number >= 0.
    """
    value = meta.extra.get("context", 0)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ModelError(
            f"nerlab_config.json: 'context' must be a whole number of sub-tokens >= 0, not "
            f"{value!r}; the model folder is damaged or was edited by hand"
        )
    return value


def _check_context(context: int) -> int:
    if isinstance(context, bool) or not isinstance(context, int) or context < 0:
        raise ConfigError(
            f"context must be a whole number of sub-tokens >= 0 (0: no document context), "
            f"not {context!r}"
        )
    return context


def _scaled(progress: Progress | None, parts: int, whole: int) -> Progress | None:
    """A progress callback over ``parts`` that reports to ``progress`` in units of ``whole``."""
    if progress is None:
        return None
    done = [0, 0]  # parts seen, whole units reported

    def report(n: int) -> None:
        done[0] += n
        units = done[0] * whole // max(parts, 1)
        if units > done[1]:
            progress(units - done[1])
            done[1] = units

    return report


def _check_pad_to(pad_to: int | None, max_length: int) -> int | None:
    """``pad_to`` if the model can read batches that wide, else a ConfigError."""
    from nerlab.models.engine import check_pad_to

    if pad_to is not None and (not isinstance(pad_to, int) or isinstance(pad_to, bool)):
        raise ConfigError(f"pad_to must be a whole number of sub-tokens, not {pad_to!r}")
    try:
        check_pad_to(pad_to, max_length)
    except ValueError as err:
        raise ConfigError(str(err)) from None
    return pad_to


def auto_device() -> str:
    """``cuda`` where PyTorch sees a GPU, else ``cpu``: the same code runs on either."""
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def _recorded_precision(training: dict[str, Any], device: str) -> str:
    """The precision the model was trained and scored in, if ``device`` runs it (a model
    trained in fp16 on a GPU is scored in ``auto`` on a CPU), else ``auto``."""
    from nerlab.models.precision import resolve_precision

    recorded = str(training.get("precision", "auto"))
    try:
        resolve_precision(recorded, device)
    except ConfigError:
        return "auto"
    return recorded


def _load_torch(
    folder: Path, auto_class: type, precision: str, device: str, compile: bool = False
) -> tuple[Forward, Any, str]:
    """PyTorch forward callable, tokenizer and resolved precision of a trained folder."""
    from nerlab.models.engine import torch_forward
    from nerlab.models.precision import resolve_precision
    from nerlab.models.saved import load_tokenizer, load_torch_model

    prec = resolve_precision(precision, device)
    tokenizer = load_tokenizer(folder)
    model = load_torch_model(folder, auto_class, device=device)
    return torch_forward(model, prec, device, compile=compile), tokenizer, prec
