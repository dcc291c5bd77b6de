"""The evaluation of a tagger: gold against predicted tags per word, every report at once.

Every word of every sentence gets exactly one prediction (long sentences go through
overlapping windows), so the scores count every gold entity. ``nerlab train`` scores dev and
test, and ``nerlab evaluate`` a saved model, with this same code.

Example:
    >>> ev = evaluate_tags([["B-PER", "O"]], [["B-PER", "O"]])
    >>> ev.primary_metric, ev.main_score
    ('f1', 1.0)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nerlab.metrics import (
    MODES,
    Confusion,
    EntityReport,
    TagReport,
    classification_report,
    confusion_matrix,
    tag_report,
    token_accuracy,
)


@dataclass
class TaggingEvaluation:
    """Scores of a tagger on one labelled corpus.

    Attributes:
        gold: gold tags per sentence.
        pred: predicted tags per sentence (one per word).
        scheme: ``"IOB2"`` for span labels, ``None`` for plain tags (POS).
        accuracy: token accuracy (tags as written, as the conlleval script counts it).
        entity: entity reports by mode (``conlleval``, ``strict``); span labels only.
        tags: per-tag report; plain tags only.
        confusion: confusion matrix of entity types; span labels only.
        context: document context the words were predicted with, in sub-tokens a side
            (0: one sentence at a time).
        context_note: why a model with document context read the data without it (the data
            has no documents), else ``None``.
    """

    gold: list[list[str]]
    pred: list[list[str]]
    scheme: str | None
    accuracy: float
    entity: dict[str, EntityReport] | None = None
    tags: TagReport | None = None
    confusion: Confusion | None = None
    context: int = 0
    context_note: str | None = None

    @property
    def primary_metric(self) -> str:
        """``f1`` (entity micro F1, conlleval mode) for span labels, else ``accuracy``."""
        return "f1" if self.entity is not None else "accuracy"

    @property
    def main_score(self) -> float:
        """The value of :attr:`primary_metric`."""
        if self.entity is not None:
            return self.entity["conlleval"].micro.f1
        return self.accuracy

    def metrics(self) -> dict[str, float]:
        """Conlleval-mode micro precision/recall/F1 (span labels) and token accuracy."""
        out = {"accuracy": self.accuracy}
        if self.entity is not None:
            micro = self.entity["conlleval"].micro
            out |= {"f1": micro.f1, "precision": micro.precision, "recall": micro.recall}
        return out

    def to_dict(self) -> dict[str, Any]:
        """Scores only (no tags), JSON-ready."""
        out: dict[str, Any] = {"scheme": self.scheme, "token_accuracy": self.accuracy}
        out[self.primary_metric] = self.main_score
        if self.entity is not None:
            out["entity"] = {mode: rep.to_dict() for mode, rep in self.entity.items()}
        if self.tags is not None:
            out["tags"] = self.tags.to_dict()
        if self.confusion is not None:
            out["confusion"] = self.confusion.to_dict()
        if self.context or self.context_note:
            out["context"] = self.context
        if self.context_note:
            out["context_note"] = self.context_note
        return out

    def format(self, digits: int = 4) -> str:
        """The reports as plain text."""
        n_words = sum(map(len, self.gold))
        parts = [f"{len(self.gold)} sentences, {n_words} words"]
        if line := self.context_line():
            parts[0] += f"\n{line}"
        if self.entity is not None:
            for mode, rep in self.entity.items():
                parts.append(f"entity scores, {mode} mode:\n{rep.format(digits)}")
        if self.tags is not None:
            parts.append(f"per-tag scores:\n{self.tags.format(digits)}")
        return "\n\n".join(parts)

    def context_line(self) -> str | None:
        """What a user should read about document context (``None`` for a model without)."""
        if self.context_note:
            return self.context_note
        if self.context:
            return f"document context: {self.context} sub-tokens a side"
        return None


def no_documents_note(context: int, path: str | None) -> str:
    """Why a model trained with document context read ``path`` one sentence at a time."""
    return (
        f"the model reads {context} sub-tokens of document context a side, but "
        f"{path or 'the data'} has no documents (CoNLL -DOCSTART- lines or a JSONL doc_id "
        "field): each sentence was read on its own, without context"
    )


def evaluate_tags(
    gold: list[list[str]], pred: list[list[str]], scheme: str | None = "IOB2"
) -> TaggingEvaluation:
    """Score predicted tags against gold tags (span labels: both modes and the confusion)."""
    acc = token_accuracy(gold, pred)
    if scheme is None:
        return TaggingEvaluation(gold, pred, None, acc, tags=tag_report(gold, pred))
    entity = {mode: classification_report(gold, pred, mode=mode, scheme=scheme) for mode in MODES}
    return TaggingEvaluation(
        gold, pred, scheme, acc, entity, confusion=confusion_matrix(gold, pred)
    )
