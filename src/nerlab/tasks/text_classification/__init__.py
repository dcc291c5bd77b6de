"""Text classification (emotions, topics, intents): one label, or several, per text.

The task reads a :class:`~nerlab.data.texts.TextCorpus`, trains a transformers
``*ForSequenceClassification`` head (cross-entropy; multi-label: ``problem_type``
``multi_label_classification``, one sigmoid per label and binary cross-entropy), asks the model
for :meth:`~nerlab.tasks.base.TextModel.text_scores` and scores them with
:func:`~nerlab.tasks.text_classification.evaluation.evaluate_classes`.

Example:
    >>> task = TextClassification(["joy", "sadness"])
    >>> task.primary_metric
    'accuracy'
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import numpy as np

from nerlab.data.corpus import Corpus
from nerlab.data.texts import TextCorpus
from nerlab.errors import ConfigError, DataError, LabelError
from nerlab.models.engine import LONG_TEXT_CHOICES, LongText, encode_texts
from nerlab.models.saved import ModelMeta
from nerlab.tasks.base import Progress, Task, TextModel
from nerlab.tasks.text_classification.decoding import (
    Classification,
    classifications,
    predicted_labels,
    sigmoid,
    softmax,
)

__all__ = [
    "CLASS_WEIGHTS",
    "Classification",
    "TextClassification",
    "classifications",
    "predicted_labels",
]

CLASS_WEIGHTS = ("none", "balanced")


class TextClassification(Task):
    """The text-classification task over a list of classes.

    Args:
        labels: the class names in id order (from the training data, or a saved model's).
        multi_label: whether a text may have any number of labels (sigmoid + thresholds).
        thresholds: per label, the probability from which a multi-label model predicts it
            (``None``: 0.5 each).
        long_text: how texts longer than the model's maximum are read: ``truncate`` (the first
            ``max_length`` sub-tokens) or ``windows`` (logits averaged over windows).

    Raises:
        ConfigError: no labels, a label twice, thresholds that do not fit, an unknown
            ``long_text``.
    """

    name: ClassVar[str] = "text-classification"
    head_suffix: ClassVar[str] = "ForSequenceClassification"

    def __init__(
        self,
        labels: Sequence[str],
        *,
        multi_label: bool = False,
        thresholds: Sequence[float] | None = None,
        long_text: LongText = "truncate",
    ):
        if not labels:
            raise ConfigError("a text classifier needs at least one label")
        if len(set(labels)) != len(labels):
            raise ConfigError(f"labels {list(labels)} list a label twice")
        if long_text not in LONG_TEXT_CHOICES:
            raise ConfigError(
                f"long_text {long_text!r} is not one of: {', '.join(LONG_TEXT_CHOICES)}"
            )
        self._labels = list(labels)
        self.multi_label = multi_label
        self.thresholds = None if thresholds is None else [float(t) for t in thresholds]
        if self.thresholds is not None and len(self.thresholds) != len(self._labels):
            raise ConfigError(
                f"{len(self.thresholds)} thresholds for {len(self._labels)} labels: give one "
                "per label"
            )
        self.long_text: LongText = long_text

    @classmethod
    def from_meta(cls, meta: ModelMeta) -> TextClassification:
        """The task of a saved model (multi-label flag, thresholds, long texts from ``extra``)."""
        extra = meta.extra
        return cls(
            meta.labels,
            multi_label=bool(extra.get("multi_label", False)),
            thresholds=extra.get("thresholds"),
            long_text=extra.get("long_text", "truncate"),
        )

    @property
    def labels(self) -> list[str]:
        return list(self._labels)

    @property
    def primary_metric(self) -> str:
        """``accuracy`` (single-label) or ``micro_f1`` (multi-label)."""
        return "micro_f1" if self.multi_label else "accuracy"

    def auto_model_class(self) -> type:
        from transformers import AutoModelForSequenceClassification

        return AutoModelForSequenceClassification

    def head_config(self) -> dict[str, Any]:
        """Settings of the transformers head: multi-label heads use BCE."""
        kind = "multi_label_classification" if self.multi_label else "single_label_classification"
        return {"problem_type": kind}

    def probabilities(self, logits: np.ndarray) -> np.ndarray:
        """Softmax (single-label) or per-label sigmoid (multi-label) of ``(texts, labels)``
        logits, in float64."""
        return sigmoid(logits) if self.multi_label else softmax(logits)

    def predictions(self, probs: np.ndarray) -> list[list[str]]:
        """Per text, the predicted labels (argmax, or those at or above their thresholds)."""
        return predicted_labels(probs, self._labels, self.multi_label, self.thresholds)

    def classify(self, probs: np.ndarray, top_k: int | None = None) -> list[Classification]:
        """Output records (see :class:`Classification`) of ``(texts, labels)`` probabilities."""
        return classifications(
            probs,
            self._labels,
            multi_label=self.multi_label,
            thresholds=self.thresholds,
            top_k=top_k,
        )

    def check_labelled(self, corpus: Any) -> None:
        """A corpus to train on or score must hold labelled texts with labels the model knows.

        Raises:
            DataError: token-classification data (sentences of tagged words).
            LabelError: an unlabelled corpus or text, several labels on a text for a
                single-label model, or a label the model does not know (with file:line).
        """
        if isinstance(corpus, Corpus) or not isinstance(corpus, TextCorpus):
            raise DataError(
                "holds token-classification data (words with tags), but the model is a "
                "text classifier: give texts with labels (text;label lines, CSV/TSV, JSONL)",
                getattr(corpus, "path", None),
            )
        if not corpus.labelled:
            raise LabelError(
                f"{corpus.path or '<memory>'}: the texts have no gold labels; scoring and "
                "training need them (check --label-column)"
            )
        known = set(self._labels)
        for ex in corpus:
            at = f"{ex.path or corpus.path or '<memory>'}:{ex.line}"
            if not self.multi_label and len(ex.labels) != 1:
                if not ex.labels:
                    raise LabelError(f"{at}: this text has no label; give one label per text")
                raise LabelError(
                    f"{at}: this text has {len(ex.labels)} labels ({', '.join(ex.labels)}), "
                    "but the model is single-label (one label per text); train a multi-label "
                    "model on multi-label data"
                )
            for lab in ex.labels:
                if lab not in known:
                    raise LabelError(
                        f"{at}: label {lab!r} is not one the model knows "
                        f"({', '.join(self._labels)}); train on data that has it, or fix the "
                        "label"
                    )

    def build_dataset(
        self,
        corpus: TextCorpus,
        tokenizer: Any,
        max_length: int,
        *,
        stride: int | None = None,
        **options: Any,
    ) -> Any:
        """Training examples (see :func:`.dataset.build_text_dataset`); token-only options
        (``label_all_subtokens``) do not apply and are ignored."""
        from nerlab.tasks.text_classification.dataset import build_text_dataset

        return build_text_dataset(
            corpus,
            tokenizer,
            self._labels,
            max_length,
            multi_label=self.multi_label,
            long_text=self.long_text,
            stride=stride,
        )

    def collator(
        self, pad_id: int, pad_to: int | None = None
    ) -> Callable[[list[dict[str, Any]]], dict[str, Any]]:
        from nerlab.tasks.text_classification.dataset import TextCollator

        return TextCollator(pad_id, self.multi_label, pad_to)

    def evaluate(
        self, model: TextModel, corpus: TextCorpus, *, progress: Progress | None = None
    ) -> Any:
        """Predict every text of ``corpus`` and score it (a ``ClassificationEvaluation``)."""
        from nerlab.tasks.text_classification.evaluation import evaluate_classes

        probs = self.probabilities(model.text_scores(corpus.texts, progress=progress))
        return evaluate_classes(
            [list(g) for g in corpus.labels],
            probs,
            self._labels,
            multi_label=self.multi_label,
            thresholds=self.thresholds,
            texts=corpus.texts,
        )

    def meta(self, max_length: int, base_model: str | None, extra: dict[str, Any]) -> ModelMeta:
        own = {
            "multi_label": self.multi_label,
            "thresholds": self.thresholds,
            "long_text": self.long_text,
        }
        return ModelMeta(
            labels=self.labels,
            scheme=None,
            max_length=max_length,
            task=self.name,
            base_model=base_model,
            extra={**own, **extra},
        )

    def class_weights(self, train: TextCorpus, class_weights: str) -> list[float] | None:
        """Per-class loss weights for ``class_weights`` (``none``: ``None``).

        ``balanced`` is scikit-learn's ``n_samples / (n_classes * count)`` for single-label
        data, and BCE's ``pos_weight`` = negatives / positives per label for multi-label data.
        """
        from nerlab.tasks.text_classification.dataset import balanced_weights, positive_weights

        if class_weights not in CLASS_WEIGHTS:
            raise ConfigError(
                f"class_weights {class_weights!r} is not one of: {', '.join(CLASS_WEIGHTS)}"
            )
        if class_weights == "none":
            return None
        weigh = positive_weights if self.multi_label else balanced_weights
        return weigh(train.labels, self._labels)

    def loss_function(self, train: Any, class_weights: str) -> Callable[..., Any] | None:
        """The weighted loss for ``class_weights="balanced"`` (``None``: the head's own)."""
        from nerlab.tasks.text_classification.dataset import WeightedLoss

        weights = self.class_weights(train, class_weights)
        return None if weights is None else WeightedLoss(weights, self.multi_label)

    def calibrate(self, model: TextModel, dev: TextCorpus | None) -> None:
        """Multi-label: per-label thresholds maximising each label's F1 on dev (0.5 each
        without dev). Single-label models have nothing to choose."""
        if not self.multi_label:
            return
        if dev is None or len(dev) == 0:
            self.thresholds = [0.5] * len(self._labels)
            return
        from nerlab.tasks.text_classification.evaluation import choose_thresholds

        probs = self.probabilities(model.text_scores(dev.texts))
        chosen = choose_thresholds([list(g) for g in dev.labels], probs, self._labels)
        self.thresholds = [float(t) for t in chosen]

    def length_report(self, corpus: TextCorpus, tokenizer: Any, max_length: int) -> dict[str, Any]:
        """How many texts are longer than the model takes, and what is done with them."""
        inputs = encode_texts(tokenizer, corpus.texts, max_length, long_text=self.long_text)
        return {
            "texts": len(corpus),
            "over_max_length": int(inputs.too_long.sum()),
            "max_length": max_length,
            "long_text": self.long_text,
        }
