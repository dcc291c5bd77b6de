"""The task seam: what differs between tasks (token classification, text classification) is
one :class:`Task` object; the trainer, the engine, the Predictor, saving and the CLI are shared.

A task owns its label set, how a corpus becomes training examples, the transformers model class
of its head, its evaluator (with the primary metric and its direction, as
sentence-transformers' evaluators carry them) and how model outputs become records. A new task
is a sibling package of :mod:`nerlab.tasks.token_classification` registered in
:data:`nerlab.tasks.TASKS`. A token task reads a :class:`~nerlab.data.corpus.Corpus` and asks
the model for :meth:`WordModel.word_scores`; a text task reads a
:class:`~nerlab.data.texts.TextCorpus` and asks for :meth:`TextModel.text_scores`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Any, ClassVar, Protocol

import numpy as np

from nerlab.data.corpus import Corpus
from nerlab.data.texts import TextCorpus
from nerlab.errors import ConfigError
from nerlab.models.saved import ModelMeta

Progress = Callable[[int], None]
TaskCorpus = Corpus | TextCorpus
"""The data of a task: sentences of words (token tasks) or texts (text tasks)."""


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
    """What a token task needs from a loaded model (the Predictor provides it)."""

    meta: ModelMeta

    def word_scores(
        self,
        sentences: Sequence[Sequence[str]],
        *,
        documents: Sequence[Any] | None = None,
        progress: Progress | None = None,
    ) -> list[np.ndarray]:
        """Per sentence, a ``(words, labels)`` array of scores (logits); ``documents``: the
        document of each sentence, read by a model with document context (``None``: none)."""
        ...


class TextModel(Protocol):
    """What a text task needs from a loaded model (the Predictor provides it)."""

    meta: ModelMeta

    def text_scores(self, texts: Sequence[str], *, progress: Progress | None = None) -> np.ndarray:
        """A ``(texts, labels)`` array of scores (logits)."""
        ...


TaskModel = WordModel | TextModel


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
    def check_labelled(self, corpus: Any) -> None:
        """Raise a NerlabError when ``corpus`` cannot be scored with this task's labels."""

    @abstractmethod
    def build_dataset(self, corpus: Any, tokenizer: Any, max_length: int, **options: Any) -> Any:
        """Training examples (a torch Dataset with ``input_ids`` items) from a labelled corpus.

        ``options`` are the run's settings (``stride``, ``label_all_subtokens``); a task uses
        those it has and ignores the others."""

    @abstractmethod
    def collator(
        self, pad_id: int, pad_to: int | None = None
    ) -> Callable[[list[dict[str, Any]]], dict[str, Any]]:
        """The batch collator of the task's examples (batches padded to exactly ``pad_to``
        sub-tokens when given, else to their longest example)."""

    @abstractmethod
    def evaluate(self, model: Any, corpus: Any, *, progress: Progress | None = None) -> Evaluation:
        """Predict ``corpus`` with ``model`` (a :data:`TaskModel`) and score it."""

    @abstractmethod
    def meta(self, max_length: int, base_model: str | None, extra: dict[str, Any]) -> ModelMeta:
        """The metadata saved with a model trained for this task."""

    def head_config(self) -> dict[str, Any]:
        """Extra settings of the transformers head config (a multi-label classifier's
        ``problem_type``); none by default."""
        return {}

    def loss_function(self, train: Any, class_weights: str) -> Callable[..., Any] | None:
        """The training loss for ``class_weights`` (``"none"``: the head's own loss, ``None``).

        Raises:
            ConfigError: class weights the task does not support.
        """
        if class_weights != "none":
            raise ConfigError(
                f"class_weights {class_weights!r} is for text classification; a {self.name} "
                "run takes class_weights 'none'"
            )
        return None

    def head_loss(
        self, model: Any, head: str, base_folder: str | None = None
    ) -> Callable[..., Any] | None:
        """Set up the head ``head`` on ``model`` and return its training loss (``None``: the
        head's own). Only ``linear`` exists by default. ``base_folder``: the folder the model
        was loaded from (a head may go on from what it saved there).

        Raises:
            ConfigError: a head the task does not have.
        """
        if head != "linear":
            raise ConfigError(
                f"head {head!r} is for token classification; a {self.name} run takes head 'linear'"
            )
        return None

    def head_notes(self, head: str, base_folder: str | None = None) -> list[str]:
        """What the user should know about the head of a run (``head``, going on from the
        model in ``base_folder``): none by default."""
        return []

    def calibrate(self, model: Any, dev: Any | None) -> None:
        """Choose the task's decision settings on dev once training is over (default: none;
        a multi-label classifier picks its per-label thresholds)."""
        return None

    def length_report(self, corpus: Any, tokenizer: Any, max_length: int) -> dict[str, Any]:
        """Facts about inputs longer than the model takes (``{}``: nothing to report).

        Token tasks window long sentences, so no word is lost; text tasks count the texts they
        truncate or window."""
        return {}
