"""The confusion matrix of entity types: which gold type each predicted entity was given.

Example:
    >>> confusion_matrix([["B-PER", "O"]], [["B-ORG", "O"]]).to_dict()["matrix"]
    [[0, 0, 0], [1, 0, 0], [0, 0, 0]]
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from nerlab.metrics.entity_report import get_entities

NONE = "O"  # the row/column of the confusion matrix for "no entity" (missed / spurious)


@dataclass
class Confusion:
    """Gold entity type (rows) against predicted type (columns) over matched spans.

    A gold span is matched to the predicted span with the same boundaries, else to the
    unmatched predicted span overlapping it most. Unmatched gold spans count in column ``O``
    (missed), unmatched predicted spans in row ``O`` (spurious).

    Text classes (:mod:`nerlab.metrics.classification`) use the same type with ``none=None``:
    every text has a gold and a predicted class, so there is no ``O`` row or column.

    Attributes:
        labels: the entity types, sorted, then ``O``; rows and columns in this order.
        matrix: ``matrix[i][j]`` = spans of gold type ``labels[i]`` predicted as ``labels[j]``.
        none: the label of "no entity" (the last one), or ``None`` for text classes.
        totals: what :meth:`normalized` divides row ``i`` by; ``None``: the row's sum. (Multi-label
            rows are texts with gold label ``i``, counted once per predicted label.)
    """

    labels: list[str]
    matrix: list[list[int]]
    none: str | None = NONE
    totals: list[int] | None = None

    def normalized(self) -> list[list[float]]:
        """Each row divided by its total (scikit-learn's ``normalize="true"``; 0 for an empty
        row): the share of the gold items of a label given each predicted label."""
        counts = np.asarray(self.matrix, dtype=np.float64).reshape(len(self.labels), -1)
        totals = counts.sum(axis=1) if self.totals is None else np.asarray(self.totals, float)
        out = np.zeros_like(counts)
        np.divide(counts, totals[:, None], out=out, where=totals[:, None] != 0)
        return out.tolist()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "labels": self.labels,
            "rows": "gold",
            "columns": "predicted",
            "matrix": self.matrix,
        }
        if self.none is None:
            return out | {"normalized": self.normalized()}
        rows = dict(zip(self.labels, self.matrix, strict=True))
        return out | {
            "missed": {t: rows[t][-1] for t in self.labels[:-1]},
            "spurious": dict(zip(self.labels[:-1], rows[self.none][:-1], strict=True)),
        }


def confusion_matrix(gold: Sequence[Sequence[str]], pred: Sequence[Sequence[str]]) -> Confusion:
    """Confusion matrix of entity types over matched spans (see :class:`Confusion`)."""
    counts: Counter[tuple[str, str]] = Counter()
    types: set[str] = set()
    for g_tags, p_tags in zip(gold, pred, strict=True):
        g_spans = get_entities(g_tags)
        p_spans = get_entities(p_tags)
        types.update(t for t, _, _ in g_spans)
        types.update(t for t, _, _ in p_spans)
        for g, p in _match_spans(g_spans, p_spans):
            counts[(g, p)] += 1
    labels = [*sorted(types), NONE]
    matrix = [[counts[(g, p)] for p in labels] for g in labels]
    return Confusion(labels, matrix)


def _match_spans(
    gold: list[tuple[str, int, int]], pred: list[tuple[str, int, int]]
) -> list[tuple[str, str]]:
    """Pairs (gold type, predicted type); ``O`` on the side of an unmatched span."""
    pairs: list[tuple[str, str]] = []
    free = list(pred)
    by_bounds = {(s, e): (t, s, e) for t, s, e in pred}
    left = []
    for t, s, e in gold:
        exact = by_bounds.get((s, e))
        if exact is not None and exact in free:
            pairs.append((t, exact[0]))
            free.remove(exact)
        else:
            left.append((t, s, e))
    for t, s, e in left:
        overlap = {p: min(e, p[2]) - max(s, p[1]) for p in free}
        best = max(overlap, key=overlap.__getitem__, default=None)
        if best is not None and overlap[best] > 0:
            pairs.append((t, best[0]))
            free.remove(best)
        else:
            pairs.append((t, NONE))
    pairs.extend((NONE, p[0]) for p in free)
    return pairs
