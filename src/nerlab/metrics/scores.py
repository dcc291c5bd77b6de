"""Precision/recall/F1 arithmetic shared by the entity and the tag reports, as seqeval does it."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

AVERAGES = ("micro", "macro", "weighted")


@dataclass(frozen=True)
class Scores:
    """Precision, recall and F1 of one type (or an average), with the counts behind them.

    Attributes:
        precision: correct / predicted (0 when nothing was predicted).
        recall: correct / support (0 when there is no gold entity).
        f1: harmonic mean of precision and recall (0 when both are 0).
        support: number of gold entities (tags for :func:`tag_report`).
        predicted: number of predicted entities.
        correct: number of predicted entities that match a gold one exactly.
    """

    precision: float
    recall: float
    f1: float
    support: int
    predicted: int
    correct: int

    def to_dict(self) -> dict[str, float | int]:
        return asdict(self)


@dataclass(frozen=True)
class Row:
    """One line of a score report: a name (a type, a tag or an average) and its scores.

    Attributes:
        name: ``PER``, ``micro avg``...
        scores: the numbers.
        section_end: the last row of a section (renderers draw a rule or a blank line after it).
        f1_only: a row of one number shown in the F1 column only, like scikit-learn's
            ``accuracy`` line (single-label micro precision = recall = F1 = accuracy).
    """

    name: str
    scores: Scores
    section_end: bool = False
    f1_only: bool = False


def report_rows(per_item: dict[str, Scores], averages: list[tuple[str, Scores]]) -> list[Row]:
    """The rows of a report: one per item, then the averages (the one source of report rows)."""
    rows = [Row(name, s) for name, s in per_item.items()]
    if rows:
        rows[-1] = Row(rows[-1].name, rows[-1].scores, section_end=True)
    return rows + [Row(name, s) for name, s in averages]


def _divide(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """``num / den`` with 0 where ``den`` is 0 (seqeval's and sklearn's zero_division=0)."""
    out = np.zeros(len(num), dtype=np.float64)
    np.divide(num, den, out=out, where=den != 0)
    return out


def _prf(correct: np.ndarray, predicted: np.ndarray, support: np.ndarray) -> tuple[np.ndarray, ...]:
    precision = _divide(correct, predicted)
    recall = _divide(correct, support)
    denom = precision + recall
    denom[denom == 0.0] = 1.0
    # Same expression and order as seqeval, so results are equal to the last bit.
    f1 = 2.0 * precision * recall / denom
    return precision, recall, f1


def averages(
    correct: np.ndarray, predicted: np.ndarray, support: np.ndarray
) -> tuple[list[Scores], Scores, Scores, Scores]:
    precision, recall, f1 = _prf(correct, predicted, support)
    per = [
        Scores(float(p), float(r), float(f), int(s), int(n), int(c))
        for p, r, f, s, n, c in zip(precision, recall, f1, support, predicted, correct, strict=True)
    ]
    totals = (int(support.sum()), int(predicted.sum()), int(correct.sum()))
    mp, mr, mf = _prf(*(np.array([x]) for x in (totals[2], totals[1], totals[0])))
    micro = Scores(float(mp[0]), float(mr[0]), float(mf[0]), *totals)
    if len(per) == 0:
        macro = Scores(0.0, 0.0, 0.0, *totals)
    else:
        macro = Scores(float(precision.mean()), float(recall.mean()), float(f1.mean()), *totals)
    if totals[0] == 0:
        weighted = Scores(0.0, 0.0, 0.0, *totals)
    else:
        w = support

        def avg(x: np.ndarray) -> float:
            return float(np.average(x, weights=w))

        weighted = Scores(avg(precision), avg(recall), avg(f1), *totals)
    return per, micro, macro, weighted
