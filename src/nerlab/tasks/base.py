"""The task seam: what differs between tasks (token classification today, text classification
next) is one :class:`Task` object; the trainer, the engine, the Predictor, saving and the CLI
are shared.

A task owns its label set, how a corpus becomes training examples, the transformers model class
of its head, its evaluator (with the primary metric and its direction, as
sentence-transformers' evaluators carry them) and how model outputs become records. A new task
is a sibling package of :mod:`nerlab.tasks.token_classification` registered in
:data:`nerlab.tasks.TASKS`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, Protocol

import numpy as np

from nerlab.data.corpus import Corpus
from nerlab.models.saved import ModelMeta

Progress = Callable[[int], None]


class Evaluation(Protocol):
    """What every task's evaluation result offers (flair's ``Result`` with ``main_score``)."""

    @property
    def primary_metric(self) -> str: ...

    @property
    def main_score(self) -> float: ...

    def metrics(self) -> dict[str, float]:
        """The headline numbers (logged after each dev evaluation, ``metrics.jsonl``)."""
        ...

    def to_dict(self) -> dict[str, Any]: ...


class WordModel(Protocol):
    """What a task needs from a loaded model (the Predictor provides it)."""

    meta: ModelMeta

    def word_scores(
        self, sentences: Sequence[Sequence[str]], *, progress: Progress | None = None
    ) -> list[np.ndarray]:
        """Per sentence, a ``(words, labels)`` array of scores (logits)."""
        ...


class Task(ABC):
    """One task: labels, examples, model head, evaluation and output records.

    Attributes:
        name: the task's name, as recorded in ``nerlab_config.json``.
        head_suffix: the architecture suffix of the task's head (``ForTokenClassification``).
        greater_is_better: whether a higher primary metric is better.
    """

    name: ClassVar[str]
    head_suffix: ClassVar[str]
    greater_is_better: ClassVar[bool] = True

    @classmethod
    @abstractmethod
    def from_meta(cls, meta: ModelMeta) -> Task:
        """The task of a saved model."""

    @property
    @abstractmethod
    def primary_metric(self) -> str:
        """The metric early stopping and the best checkpoint follow (``f1``, ``accuracy``)."""

    @abstractmethod
    def auto_model_class(self) -> type:
        """The transformers auto class of the task's head (e.g. AutoModelForTokenClassification)."""

    @property
    @abstractmethod
    def labels(self) -> list[str]:
        """Label names in id order."""

    @abstractmethod
    def check_labelled(self, corpus: Corpus) -> None:
        """Raise a NerlabError when ``corpus`` cannot be scored with this task's labels."""

    @abstractmethod
    def build_dataset(self, corpus: Corpus, tokenizer: Any, max_length: int, **options: Any) -> Any:
        """Training examples (a torch Dataset) from a labelled corpus."""

    @abstractmethod
    def collator(self, pad_id: int) -> Callable[[list[dict[str, Any]]], dict[str, Any]]:
        """The batch collator of the task's examples."""

    @abstractmethod
    def evaluate(
        self, model: WordModel, corpus: Corpus, *, progress: Progress | None = None
    ) -> Evaluation:
        """Predict ``corpus`` with ``model`` and score it."""

    @abstractmethod
    def meta(self, max_length: int, base_model: str | None, extra: dict[str, Any]) -> ModelMeta:
        """The metadata saved with a model trained for this task."""
