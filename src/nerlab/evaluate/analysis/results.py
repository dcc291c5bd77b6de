"""The results of ``analyze`` and ``run_probes``: plain dataclasses with ``to_dict()``.

They live apart from the code that computes them so that the report writers can import them
without importing the analysis (no import cycles).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from nerlab.evaluate.analysis.buckets import BucketTable
from nerlab.evaluate.analysis.loss import LossRow
from nerlab.metrics.partial import PartialReport
from nerlab.tasks.token_classification import TaggingEvaluation


@dataclass(frozen=True)
class SentenceView:
    """One sentence with gold and predicted tags aligned, its losses and its entities' kinds.

    Attributes:
        index: 0-based position in DATA; ``path``/``line``: where it is.
        loss: the sentence's loss (mean word loss; a CRF model's NLL per word).
        words, gold, pred: aligned per word.
        word_loss: loss of each word.
        gold_entities, pred_entities: ``(type, start, end, kind)`` per entity.
    """

    index: int
    path: str | None
    line: int | None
    loss: float
    words: list[str]
    gold: list[str]
    pred: list[str]
    word_loss: list[float]
    gold_entities: list[tuple[str, int, int, str]]
    pred_entities: list[tuple[str, int, int, str]]

    def to_dict(self) -> dict[str, Any]:
        ents = [("gold", e) for e in self.gold_entities] + [("pred", e) for e in self.pred_entities]
        return {
            "index": self.index,
            "path": self.path,
            "line": self.line,
            "loss": self.loss,
            "words": self.words,
            "gold": self.gold,
            "pred": self.pred,
            "word_loss": [round(x, 6) for x in self.word_loss],
            "entities": [
                {"side": side, "type": t, "start": s, "end": e, "kind": k}
                for side, (t, s, e, k) in ents
            ],
        }


@dataclass
class Analysis:
    """Everything :func:`analyze` found (``to_dict()`` is ``analysis.json``).

    Attributes:
        sources: model, DATA and TRAIN paths.
        sentences, words: size of DATA.
        evaluation: the entity reports (both modes), token accuracy and type confusion.
        partial: partial-match scores and error kinds.
        mean_loss: mean word loss over DATA.
        top: the highest-loss sentences, highest first.
        loss_by_word: loss per word form (highest total first).
        loss_by_label: loss per gold label (highest total first).
        buckets: F1 per bucket of each attribute.
        notes: conversions, maps and buckets left out, for the user.
    """

    sources: dict[str, str | None]
    sentences: int
    words: int
    evaluation: TaggingEvaluation
    partial: PartialReport
    mean_loss: float
    top: list[SentenceView]
    loss_by_word: list[LossRow]
    loss_by_label: list[LossRow]
    buckets: list[BucketTable]
    notes: list[str] = field(default_factory=list)

    @property
    def f1(self) -> float:
        """Entity micro F1, conlleval mode (what ``nerlab evaluate`` reports first)."""
        return self.evaluation.main_score

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of every table (the content of ``analysis.json``)."""
        return {
            "sources": self.sources,
            "sentences": self.sentences,
            "words": self.words,
            "notes": self.notes,
            "scores": self.evaluation.to_dict(),
            "partial": self.partial.to_dict(),
            "loss": {
                "mean": self.mean_loss,
                "highest_sentences": [s.to_dict() for s in self.top],
                "by_word": [r.to_dict() for r in self.loss_by_word],
                "by_label": [r.to_dict() for r in self.loss_by_label],
            },
            "buckets": {t.key: t.to_dict() for t in self.buckets},
        }


@dataclass(frozen=True)
class ProbeResult:
    """One probe's score against the same score on DATA as it is.

    Attributes:
        name: ``casing: lower``, ``swap``, ``unseen``, ``gazetteer``, ``other``.
        metric: ``f1`` (entity micro F1, conlleval mode) or ``recall``.
        original: the score on DATA as it is (for ``other``: on DATA; for ``gazetteer``: the
            recall of DATA's entities of the names' types).
        probed: the score on the probed data.
        entities: gold entities behind ``probed``.
        details: probe-specific tables (the gazetteer's recall per template and per name).
    """

    name: str
    metric: str
    original: float
    probed: float
    entities: int
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def drop(self) -> float:
        """``original - probed``: what the rewrite costs the model."""
        return self.original - self.probed

    def to_dict(self) -> dict[str, Any]:
        row = {"probe": self.name, "metric": self.metric, "original": self.original}
        row |= {"probed": self.probed, "drop": self.drop, "entities": self.entities}
        return row | ({"details": self.details} if self.details else {})


@dataclass
class ProbeRun:
    """Every probe run on one model and one DATA file (``to_dict()`` is ``probes.json``)."""

    sources: dict[str, str | None]
    f1: float
    results: list[ProbeResult]
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "sources": self.sources,
            "f1": self.f1,
            "probes": [r.to_dict() for r in self.results],
            "notes": self.notes,
        }
