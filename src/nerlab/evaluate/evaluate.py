"""Model evaluation: word-level predictions for a corpus, reports, confusion matrix of types.

Every word of every sentence gets exactly one prediction (long sentences go through
overlapping windows in :func:`nerlab.models.engine.predict_word_logits`), from the first
sub-token of the word. ``nerlab train`` scores dev and test with :func:`evaluate_tagger`, and
``nerlab evaluate`` with :func:`evaluate` on the saved folder, so the two print the same scores.

Example:
    >>> result = evaluate("runs/minilm", "eng.testb")
    >>> print(result.format())
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nerlab.data.corpus import Corpus, Sentence
from nerlab.data.labels import LabelSet
from nerlab.errors import LabelError
from nerlab.evaluate.metrics import (
    EntityReport,
    TagReport,
    classification_report,
    get_entities,
    tag_report,
    token_accuracy,
)
from nerlab.models.engine import CPU_TOKEN_BUDGET, predict_word_logits, torch_forward

MODES = ("conlleval", "strict")
NONE = "O"  # the row/column of the confusion matrix for "no entity" (missed / spurious)


@dataclass
class Confusion:
    """Gold entity type (rows) against predicted type (columns) over matched spans.

    A gold span is matched to the predicted span with the same boundaries, else to the
    unmatched predicted span overlapping it most. Unmatched gold spans count in column ``O``
    (missed), unmatched predicted spans in row ``O`` (spurious).

    Attributes:
        labels: the entity types, sorted, then ``O``; rows and columns in this order.
        matrix: ``matrix[i][j]`` = spans of gold type ``labels[i]`` predicted as ``labels[j]``.
    """

    labels: list[str]
    matrix: list[list[int]]

    def to_dict(self) -> dict[str, Any]:
        rows = dict(zip(self.labels, self.matrix, strict=True))
        return {
            "labels": self.labels,
            "rows": "gold",
            "columns": "predicted",
            "matrix": self.matrix,
            "missed": {t: rows[t][-1] for t in self.labels[:-1]},
            "spurious": dict(zip(self.labels[:-1], rows[NONE][:-1], strict=True)),
        }


@dataclass
class Evaluation:
    """Scores of a tagger on one labelled corpus.

    Attributes:
        gold: gold tags per sentence.
        pred: predicted tags per sentence (one per word).
        scheme: ``"IOB2"`` for span labels, ``None`` for plain tags (POS).
        accuracy: token accuracy.
        entity: entity reports by mode (``conlleval``, ``strict``); span labels only.
        tags: per-tag report; plain tags only.
        confusion: confusion matrix of entity types; span labels only.
    """

    gold: list[list[str]]
    pred: list[list[str]]
    scheme: str | None
    accuracy: float
    entity: dict[str, EntityReport] | None = None
    tags: TagReport | None = None
    confusion: Confusion | None = None

    @property
    def score(self) -> float:
        """The headline score: entity micro F1 (conlleval mode), or token accuracy."""
        if self.entity is not None:
            return self.entity["conlleval"].micro.f1
        return self.accuracy

    @property
    def score_name(self) -> str:
        return "f1" if self.entity is not None else "accuracy"

    def to_dict(self) -> dict[str, Any]:
        """Scores only (no tags), JSON-ready."""
        out: dict[str, Any] = {"scheme": self.scheme, "token_accuracy": self.accuracy}
        out[self.score_name] = self.score
        if self.entity is not None:
            out["entity"] = {mode: rep.to_dict() for mode, rep in self.entity.items()}
        if self.tags is not None:
            out["tags"] = self.tags.to_dict()
        if self.confusion is not None:
            out["confusion"] = self.confusion.to_dict()
        return out

    def format(self, digits: int = 4) -> str:
        """The reports as plain text."""
        n_words = sum(map(len, self.gold))
        parts = [f"{len(self.gold)} sentences, {n_words} words"]
        if self.entity is not None:
            for mode, rep in self.entity.items():
                parts.append(f"entity scores, {mode} mode:\n{rep.format(digits)}")
        if self.tags is not None:
            parts.append(f"per-tag scores:\n{self.tags.format(digits)}")
        return "\n\n".join(parts)


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


def evaluate_tags(
    gold: list[list[str]], pred: list[list[str]], scheme: str | None = "IOB2"
) -> Evaluation:
    """Score predicted tags against gold tags (span labels: both modes and the confusion)."""
    acc = token_accuracy(gold, pred)
    if scheme is None:
        return Evaluation(gold, pred, None, acc, tags=tag_report(gold, pred))
    entity = {mode: classification_report(gold, pred, mode=mode, scheme=scheme) for mode in MODES}
    return Evaluation(gold, pred, scheme, acc, entity, confusion=confusion_matrix(gold, pred))


def predict_tags(
    model: Any,
    tokenizer: Any,
    labels: Sequence[str],
    sentences: Sequence[Sequence[str]],
    max_length: int,
    *,
    precision: str = "auto",
    token_budget: int = CPU_TOKEN_BUDGET,
    stride: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[list[str]]:
    """One predicted label per word (first sub-token), windows for long sentences."""
    forward = torch_forward(model, precision)
    logits = predict_word_logits(
        sentences,
        tokenizer,
        forward,
        max_length,
        token_budget=token_budget,
        stride=stride,
        progress=progress,
    )
    return [[labels[i] for i in scores.argmax(-1)] if len(scores) else [] for scores in logits]


def evaluate_tagger(
    model: Any,
    tokenizer: Any,
    labels: Sequence[str],
    scheme: str | None,
    corpus: Corpus,
    max_length: int,
    *,
    precision: str = "auto",
    token_budget: int = CPU_TOKEN_BUDGET,
    stride: int | None = None,
) -> Evaluation:
    """Predict every word of a labelled corpus with an in-memory model and score it."""
    pred = predict_tags(
        model,
        tokenizer,
        labels,
        corpus.words,
        max_length,
        precision=precision,
        token_budget=token_budget,
        stride=stride,
    )
    return evaluate_tags([list(t) for t in corpus.tags], pred, scheme)


def check_labelled(corpus: Corpus, labels: Sequence[str], scheme: str | None) -> None:
    """A corpus to score must be labelled with labels the model knows.

    Raises:
        LabelError: unlabelled sentences, or tags outside ``labels`` (with file:line).
    """
    for s in corpus:
        if s.words and not s.tags:
            raise LabelError(
                f"{s.path or '<memory>'}:{s.line}: this sentence has no tags; evaluation needs "
                "gold tags (check --tag-column)"
            )
    LabelSet.from_labels(labels, scheme).check(corpus)


def predictions_corpus(corpus: Corpus, pred: list[list[str]]) -> Corpus:
    """A corpus whose rows are ``word gold predicted`` (for ``--predictions``)."""
    sentences = [
        Sentence(s.words, p, {"gold": s.tags}, s.path, s.line, s.lines)
        for s, p in zip(corpus.sentences, pred, strict=True)
    ]
    return Corpus(sentences, corpus.path, corpus.scheme)


def write_report_files(
    result: Evaluation, folder: str | Path, stem: str = "evaluation"
) -> list[Path]:
    """Write ``<stem>.json`` (all scores) and, for span labels, the confusion matrix JSON + PNG.

    Returns:
        The files written.
    """
    from nerlab.evaluate.plots import plot_confusion

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = [folder / f"{stem}.json"]
    written[0].write_text(json.dumps(result.to_dict(), indent=2) + "\n", "utf-8")
    if result.confusion is not None:
        cm_json = folder / f"{stem}_confusion.json"
        cm_json.write_text(json.dumps(result.confusion.to_dict(), indent=2) + "\n", "utf-8")
        written += [cm_json, plot_confusion(result.confusion, folder / f"{stem}_confusion.png")]
    return written


def evaluate(
    model_dir: str | Path,
    data: str | Path,
    *,
    tag_column: int | str = -1,
    precision: str | None = None,
    token_budget: int | None = None,
    predictions: str | Path | None = None,
    report_dir: str | Path | None = None,
) -> Evaluation:
    """Evaluate a saved tagger on a labelled file.

    Args:
        model_dir: output folder of ``nerlab train`` (or any HF token-classification folder).
        data: labelled data in any format ``load_corpus`` reads.
        tag_column: the column of the gold tags.
        precision: ``auto``/``bf16``/``fp16``/``fp32``; ``None`` uses the precision the model
            was trained (and scored) with, so the scores match those ``nerlab train`` printed.
        token_budget: tokens per forward pass; ``None`` uses the one the model was scored with
            at training time (1024 for other folders).
        predictions: write ``word gold predicted`` rows to this CoNLL file.
        report_dir: write the scores JSON and the confusion matrix (JSON + PNG) here.

    Raises:
        ModelError: not a token-classification folder. LabelError: unlabelled data, or gold
            tags the model does not know. DataError: an unreadable data file.
    """
    from nerlab.data.conll import write_conll
    from nerlab.data.io import load_corpus
    from nerlab.models.saved import load_tagger

    model, tokenizer, info = load_tagger(model_dir)
    corpus = load_corpus(data, tag_column=tag_column, scheme="auto" if info.scheme else "none")
    check_labelled(corpus, info.labels, info.scheme)
    training = info.extra.get("training", {})
    if precision is None:
        precision = str(training.get("precision", "auto"))
    if token_budget is None:
        token_budget = int(training.get("eval_token_budget", CPU_TOKEN_BUDGET))
    result = evaluate_tagger(
        model,
        tokenizer,
        info.labels,
        info.scheme,
        corpus,
        info.max_length,
        precision=precision,
        token_budget=token_budget,
        stride=training.get("stride"),
    )
    if predictions is not None:
        write_conll(predictions_corpus(corpus, result.pred), predictions, columns=True)
    if report_dir is not None:
        write_report_files(result, report_dir)
    return result
