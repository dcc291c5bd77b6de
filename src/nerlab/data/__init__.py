"""Data layer: readers, writers, tag schemes, label sets, subword alignment.

Example:
    >>> from nerlab.data import load_corpus, LabelSet
    >>> train = load_corpus("train.conll")
    >>> labels = LabelSet.from_corpus(train)
"""

from nerlab.data.conll import read_conll, write_conll
from nerlab.data.corpus import Corpus, Sentence
from nerlab.data.demo import DEMO_SPLITS, load_demo
from nerlab.data.describe import Description, SplitStats, describe
from nerlab.data.hf import read_hf
from nerlab.data.io import FORMATS, detect_format, load_corpus, normalize_tags, read_corpus
from nerlab.data.jsonl import read_jsonl, write_jsonl
from nerlab.data.labels import LabelCheck, LabelSet
from nerlab.data.tabular import read_tabular
from nerlab.data.words import split_words

__all__ = [
    "DEMO_SPLITS",
    "FORMATS",
    "Corpus",
    "Description",
    "LabelCheck",
    "LabelSet",
    "Sentence",
    "SplitStats",
    "describe",
    "detect_format",
    "load_corpus",
    "load_demo",
    "normalize_tags",
    "read_conll",
    "read_corpus",
    "read_hf",
    "read_jsonl",
    "read_tabular",
    "split_words",
    "write_conll",
    "write_jsonl",
]
