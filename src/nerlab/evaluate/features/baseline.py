"""The frozen-encoder baseline: embed the texts, fit a logistic regression, score it against
the majority class.

What a fine-tuned classifier must beat, and a quick check of how much of the task a frozen
encoder already knows (the emotion notebook's first model). The encoder runs once per text
(:func:`~nerlab.evaluate.features.cache.cached_embed` keeps the vectors in a cache file),
then scikit-learn's ``LogisticRegression(max_iter=3000)`` and
``DummyClassifier(strategy="most_frequent")`` are fitted on the training vectors and scored on
the test (and dev) texts: accuracy and macro F1 of both, and the confusion matrix of the
regression.

Example:
    >>> result = features_baseline("minilm-l6", "emotion/train.txt", "emotion/test.txt")
    ... # doctest: +SKIP
    >>> round(result.test.logistic.accuracy, 3)  # doctest: +SKIP
    0.69
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from nerlab.errors import ConfigError, DataError, LabelError
from nerlab.evaluate.features.embed import DEFAULT_POOLING, check_pooling

if TYPE_CHECKING:
    from nerlab.data.texts import TextCorpus

Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``: ``embedding train`` / ``embedding test`` / ... with texts
done so far out of ``total``; ``fitting`` and ``map`` with ``0, 0`` when they start."""

SKLEARN_MISSING = (
    "nerlab features needs scikit-learn: pip install 'nerlab[features]' (scikit-learn and "
    "umap-learn)"
)


@dataclass(frozen=True)
class Scores:
    """Accuracy and macro F1 of one classifier on one split."""

    accuracy: float
    macro_f1: float


@dataclass
class SplitScores:
    """Both classifiers on one scored split.

    Attributes:
        name: ``test`` or ``dev``.
        path: the file read (``None`` for in-memory data).
        n_texts: texts scored.
        logistic: the logistic regression's scores.
        dummy: the majority-class baseline's scores.
        confusion: the regression's confusion counts, ``confusion[i][j]`` = texts of gold class
            ``labels[i]`` predicted as ``labels[j]``.
        truncated: texts longer than the encoder's maximum (cut there).
    """

    name: str
    path: str | None
    n_texts: int
    logistic: Scores
    dummy: Scores
    confusion: list[list[int]]
    truncated: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "texts": self.n_texts,
            "logistic_regression": vars(self.logistic),
            "dummy_most_frequent": vars(self.dummy),
            "confusion": self.confusion,
            "truncated": self.truncated,
        }


@dataclass
class FeaturesResult:
    """What ``nerlab features`` measured.

    Attributes:
        model: the encoder as named; ``folder`` where it was loaded from.
        pooling: ``mean`` or ``first``.
        labels: the classes (training labels, sorted; rows/columns of the confusion matrices).
        dim: the embedding size.
        train_path, n_train, train_truncated: the training texts.
        splits: the scored splits by name (``test``, and ``dev`` when given).
        texts_per_second: encoder speed over the texts embedded in this run (``None`` when
            every split came from the cache).
        embedded, cached: texts run through the encoder / read from the cache.
        map_path, map_method: the 2-D map written (``umap`` or ``pca``), if asked for.
        notes: things the user should know (PCA instead of UMAP, texts cut, no convergence).
    """

    model: str
    folder: str
    pooling: str
    labels: list[str]
    dim: int
    train_path: str | None
    n_train: int
    splits: dict[str, SplitScores]
    train_truncated: int = 0
    texts_per_second: float | None = None
    embedded: int = 0
    cached: int = 0
    map_path: str | None = None
    map_method: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def test(self) -> SplitScores:
        return self.splits["test"]

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "folder": self.folder,
            "pooling": self.pooling,
            "labels": self.labels,
            "dim": self.dim,
            "train": {
                "path": self.train_path,
                "texts": self.n_train,
                "truncated": self.train_truncated,
            },
            **{name: s.to_dict() for name, s in self.splits.items()},
            "texts_per_second": self.texts_per_second,
            "embedded": self.embedded,
            "cached": self.cached,
            "map": {"path": self.map_path, "method": self.map_method} if self.map_path else None,
            "notes": self.notes,
        }


def find_test_file(train: str | Path) -> Path | None:
    """The test file next to a training file: its name with the last ``train`` replaced by
    ``test`` (``train.txt`` -> ``test.txt``, ``emotion-train.csv`` -> ``emotion-test.csv``),
    if that file exists."""
    path = Path(train)
    name = path.name
    at = name.lower().rfind("train")
    if at < 0:
        return None
    sibling = path.with_name(name[:at] + "test" + name[at + 5 :])
    return sibling if sibling.is_file() else None


def _require_sklearn() -> None:
    try:
        import sklearn  # noqa: F401
    except ImportError:
        raise ConfigError(SKLEARN_MISSING) from None


def check_training(corpus: TextCorpus) -> list[str]:
    """The classes of single-label, labelled training data with at least two classes."""
    where = corpus.path or "training data"
    if corpus.multi_label:
        raise ConfigError(
            f"{where} is multi-label; nerlab features fits a single-label logistic regression: "
            "give single-label data (one label per text)"
        )
    if len(corpus) == 0:
        raise DataError("no texts to train on", corpus.path)
    for e in corpus:
        if not e.labels:
            raise DataError(f"text without a label: {e.text[:60]!r}", e.path, e.line)
    classes = sorted({e.labels[0] for e in corpus})
    if len(classes) < 2:
        raise DataError(
            f"every training text has the class {classes[0]!r} ({len(corpus)} texts); a "
            "classifier needs at least two classes",
            corpus.path,
        )
    return classes


def check_scored(corpus: TextCorpus, classes: Sequence[str], name: str) -> None:
    """Every text of a scored split is labelled with a training class."""
    if corpus.multi_label:
        raise ConfigError(f"{corpus.path or name} is multi-label; give single-label {name} data")
    if len(corpus) == 0:
        raise DataError(f"no texts in the {name} data", corpus.path)
    known = set(classes)
    for e in corpus:
        if not e.labels:
            raise DataError(f"{name} text without a label: {e.text[:60]!r}", e.path, e.line)
        if e.labels[0] not in known:
            at = f"{e.path}:{e.line}: " if e.path else ""
            raise LabelError(
                f"{at}{name} label {e.labels[0]!r} does not occur in the training data; "
                f"training classes: {', '.join(classes)}"
            )


def fit_and_score(
    train_x: np.ndarray,
    train_y: Sequence[str],
    scored: dict[str, tuple[np.ndarray, Sequence[str]]],
    classes: Sequence[str],
) -> tuple[dict[str, tuple[Scores, Scores, list[list[int]]]], list[str]]:
    """Fit LogisticRegression(max_iter=3000) and the majority-class dummy; score each split.

    Returns:
        Per split ``(logistic scores, dummy scores, logistic confusion counts)``, and notes
        (a regression that did not converge).
    """
    from sklearn.dummy import DummyClassifier
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score

    notes: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        logistic = LogisticRegression(max_iter=3000).fit(train_x, train_y)
    if any(issubclass(w.category, ConvergenceWarning) for w in caught):
        notes.append("the logistic regression did not converge in 3000 iterations")
    dummy = DummyClassifier(strategy="most_frequent").fit(train_x, train_y)
    out: dict[str, tuple[Scores, Scores, list[list[int]]]] = {}
    for name, (x, gold) in scored.items():
        pred, base = logistic.predict(x), dummy.predict(x)
        # macro F1 over the classes in gold or predicted, as scikit-learn's default (and the
        # reference) counts it; a class never predicted scores 0
        lr = Scores(
            float(accuracy_score(gold, pred)),
            float(f1_score(gold, pred, average="macro", zero_division=0)),
        )
        du = Scores(
            float(accuracy_score(gold, base)),
            float(f1_score(gold, base, average="macro", zero_division=0)),
        )
        cm = confusion_matrix(gold, pred, labels=list(classes)).tolist()
        out[name] = (lr, du, cm)
    return out, notes


def write_report(result: FeaturesResult, folder: Path) -> Path:
    """Write ``features.json`` into ``folder`` (atomically) and return its path."""
    from nerlab.files import write_text_atomic

    path = folder / "features.json"
    write_text_atomic(path, json.dumps(result.to_dict(), indent=2, ensure_ascii=False) + "\n")
    return path


__all__ = [
    "DEFAULT_POOLING",
    "FeaturesResult",
    "Progress",
    "Scores",
    "SplitScores",
    "check_pooling",
    "check_scored",
    "check_training",
    "find_test_file",
    "fit_and_score",
    "write_report",
]
