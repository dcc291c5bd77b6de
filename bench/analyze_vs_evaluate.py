"""Benchmark: ``nerlab analyze`` against ``nerlab evaluate`` on the same model and data.

Both commands run end to end as a user runs them (a fresh process each: model loading, data
reading, prediction, reports), alternating ``evaluate, analyze, evaluate, analyze, ...`` so
that load from other work on the machine falls on both alike. ``analyze`` writes its full
report (``--report``: analysis.json, the charts, report.html) and reads TRAIN for the
seen/unseen buckets; ``evaluate`` writes its own report folder (``--report-dir``). The script
prints every time, the medians and their ratio; the target of issue 12 is a ratio under 2.

Run: ``python bench/analyze_vs_evaluate.py [MODEL] [DATA] [--repeats 3]``
(default: ``../runs/minilm-conllpp`` on CoNLL++ test from the shared data).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("NERLAB_SHARED_DATA") or ROOT.parent / "shared/data")
NERLAB = [sys.executable, "-m", "nerlab"]


def timed(args: list[str]) -> float:
    """Seconds one command takes (it must succeed; its output is discarded)."""
    start = time.perf_counter()
    done = subprocess.run(args, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"failed ({done.returncode}): {' '.join(args)}\n{done.stderr[-2000:]}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model", nargs="?", default=str(ROOT.parent / "runs/minilm-conllpp"))
    parser.add_argument("data", nargs="?", default=str(SHARED_DATA / "conllpp/conllpp_test.txt"))
    parser.add_argument("--train", default=None, help="TRAIN for analyze (default: recorded)")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    train = ["--train", args.train] if args.train else []
    times: dict[str, list[float]] = {"evaluate": [], "analyze": []}
    with tempfile.TemporaryDirectory() as tmp:
        commands = {
            "evaluate": [*NERLAB, "evaluate", args.model, args.data, "--report-dir", f"{tmp}/ev"],
            "analyze": [*NERLAB, "analyze", args.model, args.data, "--report", f"{tmp}/an", *train],
        }
        for i in range(args.repeats):
            for name, command in commands.items():
                times[name].append(timed(command))
                print(f"run {i + 1}: {name:8s} {times[name][-1]:7.1f} s", flush=True)
    ev, an = (statistics.median(times[k]) for k in ("evaluate", "analyze"))
    print(f"\nmodel {args.model}\ndata  {args.data}\ncores {os.cpu_count()}")
    print(f"median nerlab evaluate: {ev:7.1f} s")
    print(f"median nerlab analyze:  {an:7.1f} s")
    print(f"ratio analyze / evaluate: {an / ev:.2f} (target < 2)")
    sys.exit(0 if an / ev < 2 else 1)


if __name__ == "__main__":
    main()
