"""``nerlab features``: the frozen-encoder baseline of text classification.

Embeddings of a frozen encoder (mean-pooled by default, or the first token), cached to a file,
then a logistic regression against the majority class, and a 2-D map of the training
embeddings. :func:`features_baseline` runs it all; :func:`embed` is the embedding step alone.

Example:
    >>> from nerlab.evaluate.features import features_baseline
    >>> r = features_baseline("minilm-l6", "train.txt", "test.txt")  # doctest: +SKIP
    >>> r.test.logistic.accuracy, r.test.dummy.accuracy  # doctest: +SKIP
    (0.69, 0.35)
"""

from __future__ import annotations

from nerlab.evaluate.features.baseline import (
    FeaturesResult,
    Scores,
    SplitScores,
    find_test_file,
)
from nerlab.evaluate.features.embed import (
    DEFAULT_POOLING,
    POOLINGS,
    Embeddings,
    Encoder,
    embed,
    load_encoder,
)
from nerlab.evaluate.features.run import features_baseline

__all__ = [
    "DEFAULT_POOLING",
    "POOLINGS",
    "Embeddings",
    "Encoder",
    "FeaturesResult",
    "Scores",
    "SplitScores",
    "embed",
    "features_baseline",
    "find_test_file",
    "load_encoder",
]
