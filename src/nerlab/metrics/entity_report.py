"""Entity-level and tag-level metrics: pure functions over word-level tag sequences.

The numbers equal seqeval's (``mode="conlleval"`` is seqeval's default mode and the conlleval
script's reading; ``mode="strict"`` is seqeval's strict mode with a scheme), to 1e-12, with
seqeval's conventions: a division by zero gives 0; types seen only in predictions are reported
with support 0; the weighted average is 0 when there is no gold entity. Where seqeval fails or
returns nan (no entity at all: its macro average is the mean of nothing) nerlab returns 0.

Example:
    >>> y_true = [["B-PER", "I-PER", "O", "B-LOC"]]
    >>> y_pred = [["B-PER", "I-PER", "O", "O"]]
    >>> report = classification_report(y_true, y_pred)
    >>> report.per_type["PER"].f1, report.micro.recall
    (1.0, 0.5)
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np

from nerlab.data.schemes import check_scheme, decode_lenient, detect_scheme
from nerlab.metrics.entities import (
    STRICT_SCHEMES,
    Spans,
    check_lengths,
    check_mode,
    decode,
    encode,
)
from nerlab.metrics.render import to_text
from nerlab.metrics.scores import AVERAGES, Row, Scores, averages, report_rows
from nerlab.metrics.tagging import TagReport, tag_report

__all__ = [
    "EntityReport",
    "Scores",
    "TagReport",
    "classification_report",
    "f1_score",
    "get_entities",
    "tag_report",
    "token_accuracy",
]


@dataclass(frozen=True)
class EntityReport:
    """Entity-level scores per type and averaged, plus token accuracy.

    Attributes:
        per_type: scores of each entity type (in gold or predictions), sorted by type.
        micro: scores over all entities pooled.
        macro: unweighted mean of the per-type scores.
        weighted: mean of the per-type scores weighted by support.
        accuracy: fraction of words whose predicted tag equals the gold tag.
        mode: ``"conlleval"`` or ``"strict"``.
        scheme: the scheme the tags were read in (strict mode), or the one given.
    """

    per_type: dict[str, Scores]
    micro: Scores
    macro: Scores
    weighted: Scores
    accuracy: float
    mode: str = "conlleval"
    scheme: str | None = None

    def to_dict(self) -> dict:
        """A JSON-ready dict: ``per_type``, the three averages, ``accuracy``, mode, scheme."""
        return {
            "mode": self.mode,
            "scheme": self.scheme,
            "per_type": {name: s.to_dict() for name, s in self.per_type.items()},
            **{avg: getattr(self, avg).to_dict() for avg in AVERAGES},
            "accuracy": self.accuracy,
        }

    def rows(self) -> list[Row]:
        """One row per type, then the micro, macro and weighted averages."""
        return report_rows(self.per_type, [(f"{a} avg", getattr(self, a)) for a in AVERAGES])

    def format(self, digits: int = 4) -> str:
        """A plain-text table like seqeval's ``classification_report``, then token accuracy."""
        return f"{to_text(self.rows(), digits)}\n\ntoken accuracy: {self.accuracy:.{digits}f}"


def _resolve_scheme(
    y_true: Sequence[Sequence[str]], y_pred: Sequence[Sequence[str]], mode: str, scheme: str | None
) -> str | None:
    check_mode(mode)
    if scheme is not None:
        scheme = check_scheme(scheme)
    if mode == "conlleval":
        return scheme
    if scheme is None:
        scheme = detect_scheme(chain(y_true, y_pred))
    if scheme not in STRICT_SCHEMES:
        raise ValueError(
            f"strict mode supports the schemes {', '.join(STRICT_SCHEMES)} (as seqeval's strict "
            f"mode does), not {scheme}: convert the tags to IOB2 first "
            "(nerlab.data.schemes.convert_tags) or use mode='conlleval'"
        )
    return scheme


def _match(true: Spans, pred: Spans, n_types: int) -> tuple[np.ndarray, ...]:
    # An entity is identified by its start: no two entities of one side start at one position.
    _, it, ip = np.intersect1d(true.starts, pred.starts, assume_unique=True, return_indices=True)
    same = (true.ends[it] == pred.ends[ip]) & (true.type_ids[it] == pred.type_ids[ip])
    correct = np.bincount(true.type_ids[it][same], minlength=n_types)
    predicted = np.bincount(pred.type_ids, minlength=n_types)
    support = np.bincount(true.type_ids, minlength=n_types)
    return correct, predicted, support


def classification_report(
    y_true: Sequence[Sequence[str]],
    y_pred: Sequence[Sequence[str]],
    *,
    mode: str = "conlleval",
    scheme: str | None = None,
) -> EntityReport:
    """Entity-level precision, recall, F1 and support per type, micro/macro/weighted, accuracy.

    Args:
        y_true: gold tags, one list per sentence.
        y_pred: predicted tags, aligned with ``y_true`` sentence for sentence, word for word.
        mode: ``"conlleval"`` (lenient: an ``I-`` after ``O`` starts an entity; any scheme,
            ``L-``/``U-`` read as ``E-``/``S-``) or ``"strict"`` (only well-formed entities of
            ``scheme`` count).
        scheme: one of ``IOB1 IOB2 IOBES BILOU``; strict mode supports IOB2, IOBES and BILOU
            and detects the scheme from the tags when it is ``None``.

    Returns:
        An :class:`EntityReport`.

    Raises:
        ValueError: unknown mode or scheme, malformed tag, sentences of different lengths
            (naming the sentence index), a tag the strict scheme does not use.

    Example:
        >>> r = classification_report([["B-PER", "O"]], [["I-PER", "O"]], mode="strict",
        ...                           scheme="IOB2")
        >>> r.micro.recall
        0.0
    """
    scheme = _resolve_scheme(y_true, y_pred, mode, scheme)
    check_lengths(y_true, y_pred)
    enc = encode(y_true, y_pred)
    assert enc.pred is not None
    true = decode(enc, enc.true, mode, scheme, "y_true")
    pred = decode(enc, enc.pred, mode, scheme, "y_pred")
    correct, predicted, support = _match(true, pred, len(enc.type_names))
    present = np.flatnonzero((support + predicted) > 0)
    per, micro, macro, weighted = averages(correct[present], predicted[present], support[present])
    names = [enc.type_names[i] for i in present]
    n_words = len(enc.true) - len(y_true)
    right = int(np.count_nonzero(enc.true == enc.pred)) - len(y_true)
    accuracy = right / n_words if n_words else 0.0
    return EntityReport(
        dict(zip(names, per, strict=True)), micro, macro, weighted, accuracy, mode, scheme
    )


def f1_score(
    y_true: Sequence[Sequence[str]],
    y_pred: Sequence[Sequence[str]],
    *,
    mode: str = "conlleval",
    scheme: str | None = None,
    average: str = "micro",
) -> float:
    """Entity-level F1 (``average`` one of ``micro``, ``macro``, ``weighted``).

    See :func:`classification_report` for the arguments and errors.

    Example:
        >>> f1_score([["B-PER", "O", "B-LOC"]], [["B-PER", "O", "O"]])
        0.6666666666666666
    """
    if average not in AVERAGES:
        raise ValueError(f"unknown average {average!r}: allowed are {', '.join(AVERAGES)}")
    report = classification_report(y_true, y_pred, mode=mode, scheme=scheme)
    return getattr(report, average).f1


def token_accuracy(y_true: Sequence[Sequence[str]], y_pred: Sequence[Sequence[str]]) -> float:
    """Fraction of words whose predicted tag equals the gold tag (0 when there is no word).

    Example:
        >>> token_accuracy([["B-PER", "O"]], [["B-PER", "B-LOC"]])
        0.5
    """
    check_lengths(y_true, y_pred)
    total = sum(map(len, y_true))
    right = sum(map(operator.eq, chain.from_iterable(y_true), chain.from_iterable(y_pred)))
    return right / total if total else 0.0


def get_entities(
    tags: Sequence[str], *, mode: str = "conlleval", scheme: str | None = None
) -> list[tuple[str, int, int]]:
    """The entities of one sentence as ``(type, start, end_exclusive)``, in order.

    Args:
        tags: the tags of one sentence.
        mode: ``"conlleval"`` or ``"strict"`` (see :func:`classification_report`).
        scheme: the scheme (strict mode: detected when ``None``).

    Example:
        >>> get_entities(["B-PER", "I-PER", "O", "I-LOC"])
        [('PER', 0, 2), ('LOC', 3, 4)]
        >>> get_entities(["B-PER", "I-PER", "O", "I-LOC"], mode="strict", scheme="IOB2")
        [('PER', 0, 2)]
    """
    sents = [list(tags)]
    scheme = _resolve_scheme(sents, [], mode, scheme)
    if mode == "conlleval":
        # One sentence: the pure-Python reader is faster than the vectorised one (same result).
        return decode_lenient(sents[0])
    enc = encode(sents)
    spans = decode(enc, enc.true, mode, scheme, "tags")
    return [
        (enc.type_names[t], int(s), int(e))
        for t, s, e in zip(spans.type_ids, spans.starts, spans.ends, strict=True)
    ]
