"""Benchmark: ``nerlab features`` against ``hf_reference.py features`` on the same encoder.

Both run as a user runs them, one after the other in the same benchmark run, each a fresh
process: the reference (first-token features, batches of 64 texts in file order, padded to the
longest) and nerlab (``--no-cache``, so every text goes through the encoder; length-sorted
batches under a token budget). Both fit ``LogisticRegression(max_iter=3000)`` and
``DummyClassifier("most_frequent")`` on the training vectors. The script prints both test
accuracies and macro F1s and the embedding speed (texts/s) with the ratio nerlab / reference.
The target of issue 11: nerlab's logistic-regression accuracy >= the reference's.

Run: ``python bench/features_vs_reference.py [--model minilm-l6] [--pooling mean first]
[--train F --test F]`` (default: the shared emotion train/test files).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("NERLAB_SHARED_DATA") or ROOT.parent / "shared/data")
REFERENCE = ROOT.parent / "shared/bench/hf_reference.py"


def run_json(args: list[str]) -> tuple[dict, float]:
    """The JSON a command prints (it must succeed) and the seconds it took end to end."""
    start = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"failed ({done.returncode}): {' '.join(args)}\n{done.stderr[-3000:]}")
    text = done.stdout
    return json.loads(text[text.index("{") : text.rindex("}") + 1]), seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default="minilm-l6")
    parser.add_argument("--train", default=str(SHARED / "emotion/train.txt"))
    parser.add_argument("--test", default=str(SHARED / "emotion/test.txt"))
    parser.add_argument(
        "--pooling", nargs="+", default=["mean", "first"], choices=["mean", "first"]
    )
    args = parser.parse_args()
    from nerlab.models import resolve_model

    folder = str(resolve_model(args.model))
    rows: list[tuple[str, float, float, float, float, float]] = []
    ref, ref_s = run_json(
        [
            sys.executable,
            str(REFERENCE),
            "features",
            "--model",
            folder,
            "--train",
            args.train,
            "--test",
            args.test,
        ]
    )
    print(f"reference: {json.dumps(ref)} ({ref_s:.0f} s end to end)", flush=True)
    rows.append(
        (
            "reference (first token)",
            ref["lr_accuracy"],
            ref["lr_macro_f1"],
            ref["dummy_accuracy"],
            ref["texts_per_second"],
            ref_s,
        )
    )
    for pooling in args.pooling:
        out, secs = run_json(
            [
                sys.executable,
                "-m",
                "nerlab",
                "features",
                args.model,
                args.train,
                "--test",
                args.test,
                "--pooling",
                pooling,
                "--no-cache",
                "--json",
            ]
        )
        test = out["test"]
        print(f"nerlab {pooling}: {json.dumps(test)} ({secs:.0f} s end to end)", flush=True)
        lr, dummy = test["logistic_regression"], test["dummy_most_frequent"]
        speed = out["texts_per_second"]
        rows.append(
            (f"nerlab ({pooling})", lr["accuracy"], lr["macro_f1"], dummy["accuracy"], speed, secs)
        )
    print(f"\nmodel {args.model} ({folder})\ntrain {args.train}\ntest  {args.test}")
    print(f"cores {os.cpu_count()}\n")
    head = f"{'':26s} {'LR acc':>7s} {'LR F1':>7s} {'dummy':>7s} {'texts/s':>8s} {'x ref':>6s}"
    print(head + f" {'total s':>8s}")
    for name, acc, f1, dummy, speed, secs in rows:
        ratio = speed / rows[0][4]
        print(f"{name:26s} {acc:7.4f} {f1:7.4f} {dummy:7.4f} {speed:8.1f} {ratio:6.2f} {secs:8.0f}")
    best = max(rows[1:], key=lambda r: r[1])
    verdict = "met" if best[1] >= rows[0][1] else "MISSED"
    print(f"\ntarget (nerlab LR accuracy >= reference): {verdict} ({best[0]})")


if __name__ == "__main__":
    main()
