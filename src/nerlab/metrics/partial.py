"""Partial-match scores and the error taxonomy of entities (SemEval-2013 task 9.1 / MUC).

Exact entity F1 says how often a model is right; it does not say how it is wrong. Two views
that do, computed from the same word-level tags as :func:`~nerlab.metrics.classification_report`:

- **Partial-match scores** (:func:`partial_report`): the four schemas of SemEval-2013 as the
  ``nervaluate`` package counts them, equal to it on every count and score (tested on thousands
  of random sentences). ``strict``: same boundaries and type; ``exact``: same boundaries, any
  type; ``partial``: any overlap, any type, an overlap that is not exact counts half; ``type``:
  any overlap with the same type (nervaluate's ``ent_type``). Each predicted entity, in order,
  is matched greedily to the first free gold entity of its sentence that qualifies (``type``:
  the one with the closest boundaries) and is ``correct``, ``incorrect`` (it overlaps a free
  gold entity without qualifying), ``partial`` or ``spurious``; gold entities left free are
  ``missed``. ``precision = (correct + partial / 2) / actual``, ``recall = (correct + partial
  / 2) / possible`` (``actual``: all predictions counted, ``possible``: all gold entities).
  Per-type scores are nervaluate's: the same matching on the entities of that type only.

- **Error kinds** (:func:`entity_kinds`): every gold entity is ``correct``, ``wrong_type`` (same
  boundaries, another type), ``wrong_boundary`` (overlapped by a prediction of its type, not
  exactly), ``wrong_boundary_type`` (overlapped only by predictions of other types) or
  ``missed``; every predicted entity gets the same kinds from its side, ``spurious`` when it
  overlaps no gold entity. The counts per type are those of the gold entities plus the spurious
  predictions (by predicted type), so each mistake is counted once.

Example:
    >>> rep = partial_report([["B-PER", "I-PER", "O"]], [["B-PER", "O", "O"]])
    >>> rep.overall["strict"].f1, rep.overall["partial"].f1
    (0.0, 0.5)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, astuple, dataclass, field

import numpy as np

from nerlab.metrics.entities import check_lengths, decode, encode
from nerlab.metrics.entity_report import _resolve_scheme

SCHEMAS = ("strict", "exact", "partial", "type")
KINDS = ("correct", "wrong_type", "wrong_boundary", "wrong_boundary_type", "missed", "spurious")
KIND_NAMES = {
    "correct": "correct",
    "wrong_type": "wrong type",
    "wrong_boundary": "wrong boundary",
    "wrong_boundary_type": "wrong boundary and type",
    "missed": "missed",
    "spurious": "spurious",
}

Entity = tuple[str, int, int]
"""``(type, start, end_exclusive)`` in word positions of one sentence."""
Counts = tuple[int, int, int, int, int]
"""``(correct, incorrect, partial, missed, spurious)``."""


@dataclass(frozen=True)
class MatchCounts:
    """The counts of one schema (overall or for one type) and the scores derived from them.

    Attributes:
        correct: predictions that match a gold entity under the schema.
        incorrect: predictions that overlap a free gold entity without matching it.
        partial: predictions that overlap without the same boundaries (``partial`` only).
        missed: gold entities no prediction was matched to.
        spurious: predictions that overlap no free gold entity.
    """

    correct: int = 0
    incorrect: int = 0
    partial: int = 0
    missed: int = 0
    spurious: int = 0

    @property
    def actual(self) -> int:
        """Predicted entities counted: correct + incorrect + partial + spurious."""
        return self.correct + self.incorrect + self.partial + self.spurious

    @property
    def possible(self) -> int:
        """Gold entities counted: correct + incorrect + partial + missed."""
        return self.correct + self.incorrect + self.partial + self.missed

    @property
    def precision(self) -> float:
        """``(correct + partial / 2) / actual``; 0 when nothing was predicted."""
        # nervaluate's expression, so the floats are equal to the last bit.
        return (self.correct + 0.5 * self.partial) / self.actual if self.actual > 0 else 0.0

    @property
    def recall(self) -> float:
        """``(correct + partial / 2) / possible``; 0 when there is no gold entity."""
        return (self.correct + 0.5 * self.partial) / self.possible if self.possible > 0 else 0.0

    @property
    def f1(self) -> float:
        """Harmonic mean of precision and recall (0 when both are 0)."""
        p, r = self.precision, self.recall
        return 2 * (p * r) / (p + r) if (p + r) > 0 else 0.0

    def __add__(self, other: MatchCounts) -> MatchCounts:
        return MatchCounts(*np.add(astuple(self), astuple(other)).tolist())

    def to_dict(self) -> dict[str, float | int]:
        """Counts, ``actual``, ``possible`` and the three scores."""
        names = ("actual", "possible", "precision", "recall", "f1")
        return asdict(self) | {n: getattr(self, n) for n in names}


@dataclass(frozen=True)
class PartialReport:
    """The four partial-match schemas, overall and per entity type.

    Attributes:
        overall: counts per schema (:data:`SCHEMAS`) over all entities.
        per_type: per type (sorted), counts per schema over the entities of that type only.
        kinds: the error kinds of every entity, counted (see :class:`ErrorKinds`).
        mode: how entities were read from the tags (``conlleval`` or ``strict``).
    """

    overall: dict[str, MatchCounts]
    per_type: dict[str, dict[str, MatchCounts]]
    kinds: ErrorKinds
    mode: str = "conlleval"

    def to_dict(self) -> dict:
        """JSON-ready: ``overall``/``per_type`` counts and scores, ``error_kinds``, ``mode``."""
        return {
            "mode": self.mode,
            "overall": {s: c.to_dict() for s, c in self.overall.items()},
            "per_type": {
                t: {s: c.to_dict() for s, c in by.items()} for t, by in self.per_type.items()
            },
            "error_kinds": self.kinds.to_dict(),
        }

    def format(self, digits: int = 4) -> str:
        """A plain-text table like nervaluate's ``summary_report``: one line per schema."""
        head = ["correct", "incorrect", "partial", "missed", "spurious"]
        lines = [f"{'':>8} " + " ".join(f"{h:>9}" for h in [*head, "precision", "recall", "f1"])]
        for name, c in self.overall.items():
            counts = " ".join(f"{getattr(c, h):>9}" for h in head)
            scores = " ".join(f"{x:>9.{digits}f}" for x in (c.precision, c.recall, c.f1))
            lines.append(f"{name:>8} {counts} {scores}")
        return "\n".join(lines)


@dataclass(frozen=True)
class ErrorKinds:
    """Error kinds counted per entity type.

    Attributes:
        per_type: per type (sorted), the count of each kind in :data:`KINDS`: the kinds of
            the gold entities of that type, plus ``spurious`` predictions of that type.
        predicted: per type, the kinds of the predicted entities of that type (the view from
            the predictions' side; ``missed`` is always 0 there).
    """

    per_type: dict[str, dict[str, int]] = field(default_factory=dict)
    predicted: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def total(self) -> dict[str, int]:
        """Each kind summed over the types."""
        return {k: sum(c[k] for c in self.per_type.values()) for k in KINDS}

    def to_dict(self) -> dict:
        """``per_type``, ``total`` and ``predicted`` (kind counts of predictions)."""
        return {"per_type": self.per_type, "total": self.total, "predicted": self.predicted}


def sentence_entities(
    tags: Sequence[Sequence[str]], *, mode: str = "conlleval", scheme: str | None = None
) -> list[list[Entity]]:
    """The entities of every sentence as ``(type, start, end_exclusive)``, in one vectorised pass.

    Raises:
        ValueError: a malformed tag, or (strict mode) a tag its scheme does not use.

    Example:
        >>> sentence_entities([["B-PER", "I-PER"], ["O", "I-LOC"]])
        [[('PER', 0, 2)], [('LOC', 1, 2)]]
    """
    scheme = _resolve_scheme(tags, [], mode, scheme)
    enc = encode(tags)
    spans = decode(enc, enc.true, mode, scheme, "tags")
    firsts = np.concatenate([[0], enc.bounds[:-1] + 1]) if len(enc.bounds) else enc.bounds
    sent = np.searchsorted(enc.bounds, spans.starts)
    starts, ends = (spans.starts - firsts[sent]).tolist(), (spans.ends - firsts[sent]).tolist()
    out: list[list[Entity]] = [[] for _ in tags]
    names = enc.type_names
    for k, t, s, e in zip(sent.tolist(), spans.type_ids.tolist(), starts, ends, strict=True):
        out[k].append((names[t], s, e))
    return out


def _overlaps(p: Entity, t: Entity, min_overlap: float) -> bool:
    """nervaluate's test: the overlap covers at least ``min_overlap`` percent of the gold span."""
    span = min(p[2], t[2]) - max(p[1], t[1])
    return span > 0 and (span / (t[2] - t[1])) * 100.0 >= min_overlap


def _bounded(true: list[Entity], pred: list[Entity], typed: bool, mo: float) -> Counts:
    """``strict`` (typed) and ``exact``: a match needs the same boundaries (and type)."""
    matched: set[int] = set()
    correct = incorrect = spurious = 0
    for p in pred:
        hit = overlap = None
        for k, t in enumerate(true):
            if k in matched:
                continue
            if p[1] == t[1] and p[2] == t[2] and (not typed or p[0] == t[0]):
                hit = k
                break
            if overlap is None and _overlaps(p, t, mo):
                overlap = k
        if hit is not None:
            correct += 1
            matched.add(hit)
        elif overlap is not None:
            incorrect += 1
            matched.add(overlap)
        else:
            spurious += 1
    return correct, incorrect, 0, len(true) - len(matched), spurious


def _partial(true: list[Entity], pred: list[Entity], mo: float) -> Counts:
    """``partial``: any overlap, type ignored; exact boundaries are correct, others partial."""
    matched: set[int] = set()
    correct = partial = spurious = 0
    for p in pred:
        hit = part = None
        for k, t in enumerate(true):
            if k in matched or not _overlaps(p, t, mo):
                continue
            if p[1] == t[1] and p[2] == t[2]:
                hit = k
                break
            if part is None:
                part = k
        if hit is not None:
            correct += 1
            matched.add(hit)
        elif part is not None:
            partial += 1
            matched.add(part)
        else:
            spurious += 1
    return correct, 0, partial, len(true) - len(matched), spurious


def _typed(true: list[Entity], pred: list[Entity], mo: float) -> Counts:
    """``type``: overlap with the same type; the closest boundaries win among several."""
    matched: set[int] = set()
    correct = incorrect = spurious = 0
    for p in pred:
        best = wrong = None
        best_distance = 0
        for k, t in enumerate(true):
            if k in matched or not _overlaps(p, t, mo):
                continue
            if p[0] == t[0]:
                distance = abs(p[1] - t[1]) + abs(p[2] - t[2])
                if best is None or distance < best_distance:
                    best, best_distance = k, distance
            elif wrong is None:
                wrong = k
        if best is not None:
            correct += 1
            matched.add(best)
        elif wrong is not None:
            incorrect += 1
            matched.add(wrong)
        else:
            spurious += 1
    return correct, incorrect, 0, len(true) - len(matched), spurious


def _counts(true: list[Entity], pred: list[Entity], mo: float) -> list[Counts]:
    """The counts of each schema, in :data:`SCHEMAS` order."""
    return [
        _bounded(true, pred, True, mo),
        _bounded(true, pred, False, mo),
        _partial(true, pred, mo),
        _typed(true, pred, mo),
    ]


def match_counts(
    true: list[Entity], pred: list[Entity], min_overlap: float = 1.0
) -> dict[str, MatchCounts]:
    """The counts of each schema for one sentence's gold and predicted entities (in order)."""
    counts = _counts(true, pred, min_overlap)
    return {s: MatchCounts(*c) for s, c in zip(SCHEMAS, counts, strict=True)}


def _kind(e: Entity, others: list[Entity]) -> str | None:
    """The kind of ``e`` against the other side's entities; ``None`` when none overlaps it."""
    same_bounds = [o for o in others if o[1] == e[1] and o[2] == e[2]]
    if same_bounds:
        return "correct" if any(o[0] == e[0] for o in same_bounds) else "wrong_type"
    overlapping = [o for o in others if min(o[2], e[2]) > max(o[1], e[1])]
    if not overlapping:
        return None
    return "wrong_boundary" if any(o[0] == e[0] for o in overlapping) else "wrong_boundary_type"


def entity_kinds(true: list[Entity], pred: list[Entity]) -> tuple[list[str], list[str]]:
    """The error kind of each gold and each predicted entity of one sentence.

    Example:
        >>> entity_kinds([("PER", 0, 2), ("LOC", 3, 4)], [("PER", 0, 1), ("ORG", 5, 6)])
        (['wrong_boundary', 'missed'], ['wrong_boundary', 'spurious'])
    """
    gold = [_kind(t, pred) or "missed" for t in true]
    predicted = [_kind(p, true) or "spurious" for p in pred]
    return gold, predicted


def _check_overlap(min_overlap: float) -> float:
    if not 1.0 <= min_overlap <= 100.0:
        raise ValueError(f"min_overlap must be between 1 and 100 (percent), not {min_overlap}")
    return float(min_overlap)


def partial_report(
    y_true: Sequence[Sequence[str]],
    y_pred: Sequence[Sequence[str]],
    *,
    mode: str = "conlleval",
    scheme: str | None = None,
    min_overlap: float = 1.0,
) -> PartialReport:
    """The partial-match scores (strict, exact, partial, type) and the error kinds.

    Args:
        y_true: gold tags, one list per sentence.
        y_pred: predicted tags, aligned with ``y_true``.
        mode: how entities are read: ``conlleval`` (lenient; nervaluate's reading of IOB2)
            or ``strict`` (see :func:`~nerlab.metrics.classification_report`).
        scheme: the tag scheme (strict mode detects it when ``None``).
        min_overlap: percent of a gold entity a prediction must cover to overlap it
            (nervaluate's ``min_overlap_percentage``, default 1).

    Returns:
        A :class:`PartialReport`.

    Raises:
        ValueError: malformed tags, sentences of different lengths, a bad ``min_overlap``.

    Example:
        >>> partial_report([["B-LOC", "I-LOC"]], [["B-ORG", "I-ORG"]]).overall["exact"].f1
        1.0
    """
    mo = _check_overlap(min_overlap)
    check_lengths(y_true, y_pred)
    true_all = sentence_entities(y_true, mode=mode, scheme=scheme)
    pred_all = sentence_entities(y_pred, mode=mode, scheme=scheme)
    return report_from_entities(true_all, pred_all, min_overlap=mo, mode=mode)


def report_from_entities(
    true_all: Sequence[list[Entity]],
    pred_all: Sequence[list[Entity]],
    *,
    min_overlap: float = 1.0,
    mode: str = "conlleval",
) -> PartialReport:
    """:func:`partial_report` from entities already decoded, one list per sentence."""
    types = sorted({e[0] for sent in (*true_all, *pred_all) for e in sent})
    # Summed as integer arrays (schemas x counts), turned into MatchCounts at the end.
    overall = np.zeros((len(SCHEMAS), 5), dtype=np.int64)
    per_type = {t: np.zeros((len(SCHEMAS), 5), dtype=np.int64) for t in types}
    kinds = {t: dict.fromkeys(KINDS, 0) for t in types}
    predicted = {t: dict.fromkeys(KINDS, 0) for t in types}
    for true, pred in zip(true_all, pred_all, strict=True):
        if not true and not pred:
            continue
        overall += _counts(true, pred, min_overlap)
        for t in {e[0] for e in (*true, *pred)}:
            t_true = [e for e in true if e[0] == t]
            t_pred = [e for e in pred if e[0] == t]
            per_type[t] += _counts(t_true, t_pred, min_overlap)
        gold_kinds, pred_kinds = entity_kinds(true, pred)
        for e, k in zip(true, gold_kinds, strict=True):
            kinds[e[0]][k] += 1
        for e, k in zip(pred, pred_kinds, strict=True):
            predicted[e[0]][k] += 1
            if k == "spurious":
                kinds[e[0]][k] += 1

    def named(counts: np.ndarray) -> dict[str, MatchCounts]:
        return {s: MatchCounts(*c) for s, c in zip(SCHEMAS, counts.tolist(), strict=True)}

    by_type = {t: named(c) for t, c in per_type.items()}
    return PartialReport(named(overall), by_type, ErrorKinds(kinds, predicted), mode)
