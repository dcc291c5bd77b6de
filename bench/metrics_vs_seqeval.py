"""Benchmark: nerlab's entity report against seqeval's, on CoNLL++ test with perturbed predictions.

Predictions are the gold tags of ``conllpp_test.txt`` (shared data) changed in a seeded way:
about 10% of the tags replaced by a random tag, and some entity boundaries shifted by one word.
Each function runs several times; the script prints the median times, the ratio, and checks
that both libraries give the same numbers (to 1e-12), exiting 1 if they do not.

Run: ``python bench/metrics_vs_seqeval.py [--repeats 7] [--seed 0]``
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path

from seqeval.metrics import classification_report as seq_report
from seqeval.metrics import f1_score as seq_f1
from seqeval.scheme import IOB2

from nerlab.metrics import classification_report, f1_score

# The shared data sets (research-licensed, not in the package): as tests/_paths.py finds them.
SHARED_DATA = Path(
    os.environ.get("NERLAB_SHARED_DATA") or Path(__file__).resolve().parents[2] / "shared/data"
)

TAGS = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"]


def read_tags(path: Path) -> list[list[str]]:
    sentences: list[list[str]] = [[]]
    for line in path.read_text(encoding="utf-8").split("\n"):
        fields = line.split()
        if not fields or fields[0] == "-DOCSTART-":
            if sentences[-1]:
                sentences.append([])
            continue
        sentences[-1].append(fields[-1])
    return [s for s in sentences if s]


def perturb(gold: list[list[str]], seed: int) -> list[list[str]]:
    """~10% of tags replaced at random; ~10% of entity ends moved one word left or right."""
    rng = random.Random(seed)
    pred = []
    for sent in gold:
        tags = [t if rng.random() > 0.1 else rng.choice(TAGS) for t in sent]
        for i in range(1, len(tags)):
            if sent[i - 1] != "O" and sent[i] == "O" and rng.random() < 0.1:
                if rng.random() < 0.5:
                    tags[i] = "I-" + sent[i - 1][2:]  # entity one word longer
                else:
                    tags[i - 1] = "O"  # one word shorter
        pred.append(tags)
    return pred


def median_time(fn: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def compare(gold: list[list[str]], pred: list[list[str]], mode: str) -> list[str]:
    """Differences between nerlab and seqeval (empty when equal to 1e-12)."""
    if mode == "strict":
        ours = classification_report(gold, pred, mode="strict", scheme="IOB2")
        ref = seq_report(gold, pred, mode="strict", scheme=IOB2, output_dict=True)
    else:
        ours = classification_report(gold, pred)
        ref = seq_report(gold, pred, output_dict=True)
    rows = {**ours.per_type, "micro avg": ours.micro, "macro avg": ours.macro}
    rows["weighted avg"] = ours.weighted
    diffs = [f"{mode}: types {sorted(ours.per_type)}"] if len(rows) != len(ref) else []
    for name, s in rows.items():
        pairs = [
            (s.precision, ref[name]["precision"]),
            (s.recall, ref[name]["recall"]),
            (s.f1, ref[name]["f1-score"]),
            (s.support, ref[name]["support"]),
        ]
        diffs += [f"{mode} {name}: {a} != {b}" for a, b in pairs if abs(a - b) > 1e-12]
    return diffs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    gold = read_tags(SHARED_DATA / "conllpp" / "conllpp_test.txt")
    pred = perturb(gold, args.seed)
    n_words = sum(map(len, gold))
    changed = sum(
        a != b for g, p in zip(gold, pred, strict=True) for a, b in zip(g, p, strict=True)
    )
    print(f"CoNLL++ test: {len(gold)} sentences, {n_words} words, {changed} tags perturbed")
    print(f"median of {args.repeats} runs (seconds)")
    cases = [
        (
            "classification_report (conlleval)",
            lambda: classification_report(gold, pred),
            lambda: seq_report(gold, pred, output_dict=True),
        ),
        (
            "classification_report (strict IOB2)",
            lambda: classification_report(gold, pred, mode="strict", scheme="IOB2"),
            lambda: seq_report(gold, pred, mode="strict", scheme=IOB2, output_dict=True),
        ),
        ("f1_score (conlleval, micro)", lambda: f1_score(gold, pred), lambda: seq_f1(gold, pred)),
    ]
    print(f"{'':38} {'nerlab':>9} {'seqeval':>9} {'speed-up':>9}")
    for name, ours, theirs in cases:
        t_ours, t_ref = median_time(ours, args.repeats), median_time(theirs, args.repeats)
        print(f"{name:38} {t_ours:9.4f} {t_ref:9.4f} {t_ref / t_ours:8.1f}x")
    diffs = compare(gold, pred, "conlleval") + compare(gold, pred, "strict")
    f1_ours, f1_ref = f1_score(gold, pred), seq_f1(gold, pred)
    if abs(f1_ours - f1_ref) > 1e-12:
        diffs.append(f"f1_score: {f1_ours} != {f1_ref}")
    report = classification_report(gold, pred)
    print(f"micro F1 (conlleval): nerlab {f1_ours:.6f}, seqeval {f1_ref:.6f}")
    print(f"entities: {report.micro.support} gold, {report.micro.predicted} predicted")
    if diffs:
        print("MISMATCH:\n" + "\n".join(diffs))
        return 1
    print("numbers equal (per type P/R/F1/support, micro/macro/weighted, both modes, to 1e-12)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
