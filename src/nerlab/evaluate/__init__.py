"""Evaluation: pure entity-level metrics (seqeval/conlleval compatible) and model evaluation.

The metric functions are re-exported here; :mod:`nerlab.evaluate.evaluate` scores a trained
tagger on a corpus (it imports torch, so it is not imported here).
"""

from __future__ import annotations

from nerlab.evaluate.metrics import (
    EntityReport,
    classification_report,
    f1_score,
    get_entities,
    tag_report,
    token_accuracy,
)

__all__ = [
    "EntityReport",
    "classification_report",
    "f1_score",
    "get_entities",
    "tag_report",
    "token_accuracy",
]
