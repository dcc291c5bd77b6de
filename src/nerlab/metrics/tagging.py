"""Per-tag metrics for plain tagging (POS, chunk tags read as labels): each word is one decision.

The numbers match scikit-learn's ``classification_report(..., zero_division=0)`` over the
flattened words. Use :func:`nerlab.metrics.classification_report` for entities.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from nerlab.metrics.entities import check_lengths
from nerlab.metrics.render import to_text
from nerlab.metrics.scores import Row, Scores, averages, report_rows


@dataclass(frozen=True)
class TagReport:
    """Precision, recall, F1 and support of each tag, averaged, plus accuracy.

    Attributes:
        per_tag: scores of each tag seen in gold or predictions, sorted by tag.
        macro: unweighted mean of the per-tag scores.
        weighted: mean of the per-tag scores weighted by support.
        accuracy: fraction of words tagged right.
    """

    per_tag: dict[str, Scores]
    macro: Scores
    weighted: Scores
    accuracy: float

    def to_dict(self) -> dict:
        """A JSON-ready dict: ``per_tag``, ``macro``, ``weighted``, ``accuracy``."""
        return {
            "per_tag": {name: s.to_dict() for name, s in self.per_tag.items()},
            "macro": self.macro.to_dict(),
            "weighted": self.weighted.to_dict(),
            "accuracy": self.accuracy,
        }

    def rows(self) -> list[Row]:
        """One row per tag, then the macro and weighted averages."""
        return report_rows(
            self.per_tag, [("macro avg", self.macro), ("weighted avg", self.weighted)]
        )

    def format(self, digits: int = 4) -> str:
        """A plain-text table like scikit-learn's ``classification_report``, then accuracy."""
        return f"{to_text(self.rows(), digits)}\n\naccuracy: {self.accuracy:.{digits}f}"


def tag_report(y_true: Sequence[Sequence[str]], y_pred: Sequence[Sequence[str]]) -> TagReport:
    """Per-tag precision, recall, F1, support, macro and weighted averages, and accuracy.

    Every tag is a plain label (``B-NP`` and ``I-NP`` are two labels); no entity is decoded.

    Args:
        y_true: gold tags, one list per sentence.
        y_pred: predicted tags, aligned with ``y_true``.

    Raises:
        ValueError: sentences of different lengths (naming the sentence index).

    Example:
        >>> r = tag_report([["NN", "VB"]], [["NN", "NN"]])
        >>> r.per_tag["NN"].precision, r.accuracy
        (0.5, 0.5)
    """
    check_lengths(y_true, y_pred)
    index: dict[str, int] = {}
    flat_true = [index.setdefault(t, len(index)) for sent in y_true for t in sent]
    flat_pred = [index.setdefault(t, len(index)) for sent in y_pred for t in sent]
    true = np.array(flat_true, dtype=np.int64)
    pred = np.array(flat_pred, dtype=np.int64)
    n = len(index)
    support = np.bincount(true, minlength=n)
    predicted = np.bincount(pred, minlength=n)
    correct = np.bincount(true[true == pred], minlength=n)
    names = list(index)
    order = sorted(range(n), key=names.__getitem__)
    per, _micro, macro, weighted = averages(correct[order], predicted[order], support[order])
    accuracy = float(correct.sum() / len(true)) if len(true) else 0.0
    per_tag = {names[i]: s for i, s in zip(order, per, strict=True)}
    return TagReport(per_tag, macro, weighted, accuracy)
