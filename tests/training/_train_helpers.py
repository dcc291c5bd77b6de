"""Helpers of the train/evaluate tests (imported by the test modules and conftest)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from nerlab.data.corpus import Corpus, Sentence
from nerlab.data.demo import load_demo

RESULT = "RESULT "  # the line a DDP worker prints its report on

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


def demo_files(folder: Path, **sizes: int) -> dict[str, str]:
    """CoNLL files of the first N demo sentences of each split named (``train=40, dev=12``)."""
    return {
        split: str(write_conll(folder / f"{split}.conll", demo_sentences(split, n)))
        for split, n in sizes.items()
    }


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


def rank_report(result: Any) -> dict[str, Any]:
    """The facts every DDP worker reports of its ``train()`` result: its rank (0 when run
    alone), the world size and the number of optimisation steps."""
    return {
        "rank": int(os.environ.get("RANK", "0")),
        "world": result.stats["world_size"],
        "steps": result.stats["steps"],
    }


def print_report(report: dict[str, Any]) -> None:
    """A worker's report, as one ``RESULT {json}`` line that :func:`torchrun_reports` reads."""
    print(RESULT + json.dumps(report), flush=True)


def torchrun_reports(worker: str, args: list[str], timeout: int) -> list[dict[str, Any]]:
    """Run ``tests/training/<worker>`` under torchrun with two CPU processes (one thread each,
    offline) and return the reports its ranks print; a failed run fails the test with the end
    of its output."""
    script = Path(__file__).with_name(worker)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--standalone"]
    cmd += [str(script), *args]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return [
        json.loads(line[len(RESULT) :])
        for line in proc.stdout.splitlines()
        if line.startswith(RESULT)
    ]


def tiny_bert_tagger(vocab: int, **config: Any) -> Any:
    """A random one-layer BERT token classifier (3 labels) with ``vocab`` rows; ``config``
    overrides BertConfig fields."""
    from transformers import BertConfig, BertForTokenClassification

    settings = {"hidden_size": 8, "num_attention_heads": 1, "intermediate_size": 16} | config
    return BertForTokenClassification(
        BertConfig(vocab_size=vocab, num_hidden_layers=1, num_labels=3, **settings)
    )
