"""Token classification (NER, POS, chunking): one label per word.

Example:
    >>> task = TokenClassification(LabelSet.from_corpus(train))  # doctest: +SKIP
    >>> task.primary_metric
    'f1'
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import numpy as np

from nerlab.data.corpus import Corpus
from nerlab.data.documents import document_ids
from nerlab.data.labels import LabelSet
from nerlab.errors import ConfigError, LabelError
from nerlab.metrics.constrained import DECODINGS, Learned, constrained_ids
from nerlab.models.saved import ModelMeta
from nerlab.tasks.base import Progress, Task, WordModel
from nerlab.tasks.token_classification.decoding import Entity, EntityDecoder, Tagged, tagged
from nerlab.tasks.token_classification.evaluation import (
    TaggingEvaluation,
    evaluate_tags,
    no_documents_note,
)

__all__ = [
    "Entity",
    "EntityDecoder",
    "Tagged",
    "TaggingEvaluation",
    "TokenClassification",
    "evaluate_tags",
    "tagged",
]


class TokenClassification(Task):
    """The token-classification task over a label set (span labels in IOB2, or plain tags).

    Args:
        label_set: the labels (from the training corpus, or a saved model's).
        crf: the learned scores of a CRF head (``None``: a plain softmax head); decoding adds
            them to the scheme's constraints.
    """

    name: ClassVar[str] = "token-classification"
    head_suffix: ClassVar[str] = "ForTokenClassification"

    def __init__(self, label_set: LabelSet, crf: Learned | None = None):
        self.label_set = label_set
        self.crf = crf

    @classmethod
    def from_meta(cls, meta: ModelMeta) -> TokenClassification:
        """The task of a saved model (with its CRF scores, ``"crf"``, if it has a CRF head;
        :func:`nerlab.models.saved.read_meta` has checked them, naming the file)."""
        crf = meta.extra.get("crf")
        learned = Learned.from_json(crf, len(meta.labels)) if crf is not None else None
        return cls(LabelSet.from_labels(meta.labels, meta.scheme), learned)

    @property
    def labels(self) -> list[str]:
        return list(self.label_set.labels)

    @property
    def scheme(self) -> str | None:
        return self.label_set.scheme

    @property
    def primary_metric(self) -> str:
        return "f1" if self.scheme else "accuracy"

    def auto_model_class(self) -> type:
        from transformers import AutoModelForTokenClassification

        return AutoModelForTokenClassification

    def check_labelled(self, corpus: Corpus) -> None:
        """A corpus to score must be labelled, with labels the model knows.

        Raises:
            LabelError: unlabelled sentences, or tags outside the label set (with file:line).
        """
        for s in corpus:
            if s.words and not s.tags:
                raise LabelError(
                    f"{s.path or '<memory>'}:{s.line}: this sentence has no tags; scoring "
                    "needs gold tags (check --tag-column)"
                )
        self.label_set.check(corpus)

    def build_dataset(self, corpus: Corpus, tokenizer: Any, max_length: int, **options: Any) -> Any:
        """Training windows with aligned labels (see :func:`.dataset.build_dataset`)."""
        from nerlab.tasks.token_classification.dataset import build_dataset

        return build_dataset(corpus, tokenizer, self.labels, max_length, **options)

    def collator(
        self, pad_id: int, pad_to: int | None = None
    ) -> Callable[[list[dict[str, Any]]], dict[str, Any]]:
        from nerlab.tasks.token_classification.dataset import PadCollator

        return PadCollator(pad_id, pad_to)

    def evaluate(
        self, model: WordModel, corpus: Corpus, *, progress: Progress | None = None
    ) -> TaggingEvaluation:
        """Predict every word of ``corpus`` (decoded as the model decodes: its ``decoding``,
        Viterbi for span labels by default) and score it.

        A model with document context (its ``context``) reads each sentence with its
        neighbours in the corpus's documents; a corpus without documents is scored one
        sentence at a time, and the result says so (``context_note``)."""
        context = int(getattr(model, "context", 0) or 0)
        documents = document_ids(corpus) if context else None
        scores = model.word_scores(corpus.words, documents=documents, progress=progress)
        decoding = getattr(model, "decoding", self.default_decoding)
        labels = self.labels
        # The model's own task decodes: it holds the model's CRF scores (a run's task does not).
        own = getattr(model, "task", None)
        decoder = own if isinstance(own, TokenClassification) else self
        pred = [[labels[i] for i in ids] for ids in decoder.decode(scores, decoding)]
        result = evaluate_tags([list(t) for t in corpus.tags], pred, self.scheme)
        result.context = context if documents is not None else 0
        if context and documents is None:
            result.context_note = no_documents_note(context, corpus.path)
        return result

    @property
    def default_decoding(self) -> str:
        """``viterbi`` for span labels (no ``I-X`` after ``O`` or ``B-Y``) and for a CRF head,
        else ``argmax``.

        Measured on CoNLL++ with MiniLM (docs/accuracy.md): test F1 0.823 -> 0.845 (conlleval)
        and 0.841 -> 0.845 (strict), at about 0.5 ms per sentence.
        """
        return "viterbi" if self.scheme or self.crf is not None else "argmax"

    def decode(self, scores: Sequence[np.ndarray], decoding: str) -> list[np.ndarray]:
        """Label ids per word of each sentence: the argmax, or the best sequence the scheme
        allows, scored with the CRF's transitions where the model has a CRF head
        (:func:`nerlab.metrics.constrained.constrained_ids`)."""
        if decoding not in DECODINGS:
            raise ConfigError(f"unknown decoding {decoding!r}; allowed: {', '.join(DECODINGS)}")
        if decoding == "viterbi" and (self.scheme or self.crf is not None):
            return constrained_ids(
                scores, self.labels, learned=self.crf, constrain=self.scheme is not None
            )
        return [s.argmax(-1) if len(s) else np.zeros(0, dtype=np.int64) for s in scores]

    def head_loss(
        self, model: Any, head: str, base_folder: str | None = None
    ) -> Callable[..., Any] | None:
        """``crf``: attach a CRF to ``model`` and return its loss (``linear``: ``None``, the
        head's own cross-entropy). Plain tags (POS) get a CRF without the IOB2 constraints.
        The CRF starts from the scores of a base model trained with one for these labels."""
        if head == "linear":
            return None
        if head != "crf":
            return super().head_loss(model, head, base_folder)
        from nerlab.tasks.token_classification.crf import attach_crf, crf_loss, saved_crf

        start_from, _ = saved_crf(base_folder, self.labels, head)
        return crf_loss(attach_crf(model, len(self.labels), start_from))

    def head_notes(self, head: str, base_folder: str | None = None) -> list[str]:
        """A CRF over plain tags (no IOB2 constraints), and what became of a base model's CRF."""
        notes = []
        if head == "crf" and self.scheme is None:
            notes.append(
                "the tags have no B-/I- scheme (POS-like), so the CRF learns its transitions "
                "without the IOB2 constraints"
            )
        if base_folder is not None:
            from nerlab.tasks.token_classification.crf import saved_crf

            note = saved_crf(base_folder, self.labels, head)[1]
            notes += [note] if note else []
        return notes

    def meta(self, max_length: int, base_model: str | None, extra: dict[str, Any]) -> ModelMeta:
        return ModelMeta(
            labels=self.labels,
            scheme=self.scheme,
            max_length=max_length,
            task=self.name,
            base_model=base_model,
            extra=extra,
        )
