#!/usr/bin/env python3
"""Static shapes and torch.compile on CPU: MiniLM prediction with dynamic padding (the default),
``--pad-to N``, ``--compile`` and both, in one run.

On the CoNLL++ test sentences (pre-split words, ``Predictor.word_scores``: the engine's
windows, length-sorted batches under the token budget and the forward calls), each path in its
own process with its own empty inductor cache (compiled graphs are not shared between paths),
same threads and precision. Each path first makes one full pass (for the compiled paths this is
where graphs are built: its seconds are printed as "first pass"), then ``--rounds`` timed passes
of which the best counts. Printed:
sentences/s, the ratio to dynamic padding, the first pass, the sub-tokens each path computes
(real + padding) and the agreement with dynamic padding (largest word-score difference and the
share of words with the same best label).

    python bench/static_shapes.py --model /work/runs/minilm-conllpp --pad-to 128
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_TEST = ROOT.parent / "shared" / "data" / "conllpp" / "conllpp_test.txt"


def read_sentences(path: Path, limit: int | None) -> list[list[str]]:
    from nerlab.data import read_conll

    sentences = [s.words for s in read_conll(path).sentences if s.words]
    return sentences[:limit] if limit else sentences


def padded_tokens(predictor, sentences: list[list[str]]) -> tuple[int, int]:
    """(real sub-tokens, sub-tokens computed with padding) over one pass."""
    real = computed = 0
    forward = predictor.forward

    def count(ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        nonlocal real, computed
        real += int(mask.sum())
        computed += int(mask.size)
        return forward(ids, mask)

    predictor.forward = count
    try:
        predictor.word_scores(sentences)
    finally:
        predictor.forward = forward
    return real, computed


def run_path(args: argparse.Namespace, options: dict, scores_file: Path) -> dict:
    """One path in this process: load, a first pass (graphs built here), best of the rounds."""
    import torch

    from nerlab.inference import Predictor

    torch.set_num_threads(args.threads)
    sentences = read_sentences(args.test, args.limit)
    predictor = Predictor.load(args.model, precision=args.precision, **options)
    start = time.perf_counter()
    scores = predictor.word_scores(sentences)
    first = time.perf_counter() - start
    real, computed = padded_tokens(predictor, sentences)
    best = float("inf")
    for _ in range(args.rounds):
        start = time.perf_counter()
        predictor.word_scores(sentences)
        best = min(best, time.perf_counter() - start)
    np.save(scores_file, np.concatenate(scores))
    return {"n": len(sentences), "first": first, "best": best, "real": real, "computed": computed}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--model", default="/work/runs/minilm-conllpp", help="a tagger folder")
    ap.add_argument("--test", type=Path, default=DEFAULT_TEST, help="CoNLL test file")
    ap.add_argument("--limit", type=int, default=None, help="only the first N sentences")
    ap.add_argument("--pad-to", type=int, default=128, help="the static width")
    ap.add_argument("--rounds", type=int, default=3, help="timed passes per path (best kept)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--precision", default="fp32", help="fp32 (default), bf16 or auto")
    ap.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    paths = {
        "dynamic padding (default)": {},
        f"--pad-to {args.pad_to}": {"pad_to": args.pad_to},
        "--compile": {"compile": True},
        f"--compile --pad-to {args.pad_to}": {"compile": True, "pad_to": args.pad_to},
    }
    if args.worker is not None:  # one path, in its own process
        index, scores_file = args.worker.split(":", 1)
        options = list(paths.values())[int(index)]
        print(json.dumps(run_path(args, options, Path(scores_file))))
        return 0

    import torch

    results: dict[str, dict] = {}
    scores: dict[str, np.ndarray] = {}
    with tempfile.TemporaryDirectory(prefix="nerlab-static-") as tmp:
        for i, name in enumerate(paths):
            scores_file = Path(tmp) / f"scores-{i}.npy"
            # A fresh process and a fresh inductor cache per path: compiled graphs are neither
            # shared between the paths nor read from an earlier run, so "first pass" is the
            # full compile time a new process pays.
            env = os.environ | {"TORCHINDUCTOR_CACHE_DIR": str(Path(tmp) / f"inductor-{i}")}
            cmd = [sys.executable, __file__, *sys.argv[1:], "--worker", f"{i}:{scores_file}"]
            done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
            results[name] = json.loads(done.stdout.strip().splitlines()[-1])
            scores[name] = np.load(scores_file)
            print(f"{name}: {results[name]}", file=sys.stderr, flush=True)

    reference = scores["dynamic padding (default)"]
    n = results["dynamic padding (default)"]["n"]
    base = n / results["dynamic padding (default)"]["best"]
    print(
        f"\n{n} sentences, {args.threads} threads, {args.precision}, torch {torch.__version__}, "
        f"best of {args.rounds} after a first pass, one process per path\n"
    )
    print(
        "| path | sent/s | x dynamic | first pass | sub-tokens computed (real) "
        "| max abs score diff | same best label |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, r in results.items():
        diff = float(np.abs(scores[name] - reference).max())
        same = float((scores[name].argmax(1) == reference.argmax(1)).mean())
        rate = n / r["best"]
        print(
            f"| {name} | {rate:.1f} | {rate / base:.2f} | {r['first']:.1f} s | "
            f"{r['computed']:,} ({r['real'] / r['computed']:.0%} real) | {diff:.1e} | {same:.2%} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
