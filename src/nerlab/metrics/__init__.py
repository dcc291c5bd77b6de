"""Pure metrics (numpy only): entity and tag reports equal to seqeval and conlleval, the
entity decoder, the confusion matrix of types, partial-match scores and error kinds (equal to
nervaluate), report rows and their renderers, and scoring of prediction files from any system.

Nothing here loads a model; :mod:`nerlab.evaluate` scores a model on data with these.

Example:
    >>> from nerlab.metrics import classification_report
    >>> classification_report([["B-PER", "I-PER", "O"]], [["B-PER", "I-PER", "O"]]).micro.f1
    1.0
"""

from __future__ import annotations

from nerlab.metrics.confusion import Confusion, confusion_matrix
from nerlab.metrics.entities import MODES, STRICT_SCHEMES, IdDecoder
from nerlab.metrics.entity_report import (
    EntityReport,
    classification_report,
    f1_score,
    get_entities,
    token_accuracy,
)
from nerlab.metrics.partial import MatchCounts, PartialReport, partial_report
from nerlab.metrics.scores import Row, Scores
from nerlab.metrics.scoring import ScoreResult, score_files, score_tags
from nerlab.metrics.tagging import TagReport, tag_report

__all__ = [
    "MODES",
    "STRICT_SCHEMES",
    "Confusion",
    "EntityReport",
    "IdDecoder",
    "MatchCounts",
    "PartialReport",
    "Row",
    "ScoreResult",
    "Scores",
    "TagReport",
    "classification_report",
    "confusion_matrix",
    "f1_score",
    "get_entities",
    "partial_report",
    "score_files",
    "score_tags",
    "tag_report",
    "token_accuracy",
]
