"""The built-in demo corpus: a small English NER corpus (PER, ORG, LOC, MISC) written for nerlab.

It lives in ``nerlab/data/demo/{train,dev,test}.conll`` (two columns, ``word TAG``, IOB2) and is
used whenever a command is given no data.

Example:
    >>> train = load_demo("train")
    >>> train.scheme
    'IOB2'
"""

from __future__ import annotations

from pathlib import Path

from nerlab.data.corpus import Corpus
from nerlab.data.io import load_corpus
from nerlab.errors import ConfigError

DEMO_SPLITS = ("train", "dev", "test")


def demo_dir() -> Path:
    """The folder of the demo corpus (train.conll, dev.conll, test.conll), inside the package."""
    return Path(__file__).resolve().parent / "demo"


def demo_path(split: str) -> Path:
    """The file of one demo split."""
    if split not in DEMO_SPLITS:
        raise ConfigError(f"unknown demo split {split!r}: allowed are {', '.join(DEMO_SPLITS)}")
    return demo_dir() / f"{split}.conll"


def load_demo(split: str) -> Corpus:
    """Load one split of the demo corpus (``train``, ``dev`` or ``test``) in IOB2."""
    return load_corpus(demo_path(split), format="conll")
