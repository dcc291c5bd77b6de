"""Helpers of the train/evaluate tests (imported by the test modules and conftest)."""

from __future__ import annotations

from pathlib import Path

from nerlab.data.corpus import Corpus, Sentence
from nerlab.data.demo import load_demo

# A few steps of a tiny random BERT: enough to exercise every stage, not to learn much.
TINY_OPTIONS = {"epochs": 2, "learning_rate": 2e-3, "batch_size": 16, "warmup_ratio": 0.0}


def write_conll(path: Path, sentences: list[tuple[list[str], list[str]]]) -> Path:
    """Write ``word TAG`` lines (a test helper, independent of nerlab's writer)."""
    lines = []
    for words, tags in sentences:
        lines += [f"{w} {t}" for w, t in zip(words, tags, strict=True)] + [""]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def demo_sentences(split: str, n: int | None = None) -> list[tuple[list[str], list[str]]]:
    corpus = load_demo(split)
    return [(s.words, s.tags) for s in corpus.sentences[:n]]


def long_sentence(n_words: int = 1500) -> tuple[list[str], list[str]]:
    """A sentence of ``n_words`` words with an entity every 10 words."""
    pattern = [("Ana", "B-PER"), ("Silva", "I-PER"), ("visited", "O"), ("Porto", "B-LOC")]
    pattern += [("on", "O"), ("Monday", "O"), ("with", "O"), ("Norvik", "B-ORG")]
    pattern += [("Labs", "I-ORG"), ("staff", "O")]
    words, tags = [], []
    for i in range(n_words):
        w, t = pattern[i % len(pattern)]
        words.append(w)
        tags.append(t)
    return words, tags


def as_corpus(sentences: list[tuple[list[str], list[str]]]) -> Corpus:
    return Corpus([Sentence(list(w), list(t)) for w, t in sentences])
