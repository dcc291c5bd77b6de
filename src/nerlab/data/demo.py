"""The built-in demo corpora, written for nerlab: a small English NER corpus (PER, ORG, LOC,
MISC) and a small English emotion classification set (sadness, joy, love, anger, fear, surprise).

They live in ``nerlab/data/demo/{train,dev,test}.conll`` (two columns, ``word TAG``, IOB2) and
``nerlab/data/demo/emotion-{train,dev,test}.txt`` (``text;label`` lines, like the emotion data
set), and are used whenever a command is given no data.

Example:
    >>> train = load_demo("train")
    >>> train.scheme
    'IOB2'
    >>> load_demo_texts("train").label_set()
    ['anger', 'fear', 'joy', 'love', 'sadness', 'surprise']
"""

from __future__ import annotations

from pathlib import Path

from nerlab.data.corpus import Corpus
from nerlab.data.io import load_corpus
from nerlab.data.texts import TextCorpus
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


def demo_texts_path(split: str) -> Path:
    """The file of one split of the demo classification set (``emotion-<split>.txt``)."""
    if split not in DEMO_SPLITS:
        raise ConfigError(f"unknown demo split {split!r}: allowed are {', '.join(DEMO_SPLITS)}")
    return demo_dir() / f"emotion-{split}.txt"


def load_demo_texts(split: str) -> TextCorpus:
    """Load one split of the demo classification set (``train``, ``dev`` or ``test``)."""
    from nerlab.data.textio import load_texts

    return load_texts(demo_texts_path(split), format="lines")
