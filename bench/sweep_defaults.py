#!/usr/bin/env python3
"""The small sweep behind ``nerlab train``'s defaults: learning rate x batch size x epochs.

For every (learning rate, batch size) pair, one ``nerlab train`` run on CoNLL++ with
minilm-l6 for ``--epochs`` epochs, everything else at nerlab's defaults (precision ``auto``,
length-grouped batches, warm-up 10%, weight decay 0.01, seed 42). The epochs dimension comes from
the dev F1 after each epoch in ``metrics.jsonl``; note that epoch ``k`` of an ``E``-epoch run is
not a ``k``-epoch run (the learning rate has not decayed to zero yet). Defaults are chosen by
dev F1 only (``--test`` also records test F1, for the benchmark table, not for choosing).

Prints a Markdown table (dev F1, word level, conlleval mode, after each epoch; training
seconds) and writes the rows as JSON.

  python bench/sweep_defaults.py                                  # 3 x 2 grid, full train set
  python bench/sweep_defaults.py --train-limit 4000 --lrs 1e-4 2e-4 --batch-sizes 16
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path


def one_run(a: argparse.Namespace, train: Path, dev: Path, lr: float, batch: int) -> dict:
    """One ``nerlab train`` run; its dev F1 per epoch (and test F1 with ``--test``)."""
    out = a.work / f"lr{lr:g}_b{batch}"
    cmd = [sys.executable, "-m", "nerlab", "train", "--model", a.model, "-o", str(out)]
    cmd += ["--train", str(train), "--dev", str(dev), "--overwrite", "--patience", "0"]
    cmd += ["--epochs", str(a.epochs), "--lr", str(lr), "--batch-size", str(batch)]
    if a.test:
        cmd += ["--test", str(a.data / "conllpp_test.txt")]
    print("$ " + " ".join(cmd), flush=True)
    start = time.time()
    with (a.work / f"{out.name}.log").open("w") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"command failed; see {a.work / f'{out.name}.log'}")
    info = json.loads((out / "nerlab_config.json").read_text())
    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    stats = info["stats"]
    dev_f1 = [r["dev_f1"] for r in rows if "dev_f1" in r]
    return {
        "lr": lr,
        "batch_size": batch,
        "dev_f1_per_epoch": dev_f1,
        "best_dev_f1": max(dev_f1),
        "best_epoch": dev_f1.index(max(dev_f1)) + 1,
        "train_seconds": round(
            stats["seconds"] - stats["eval_seconds"] - stats["checkpoint_seconds"], 1
        ),
        "samples_per_s": stats["train_samples_per_second"],
        "precision": stats["precision"],
        "wall_seconds": round(time.time() - start, 1),
        "peak_rss_gb": round(usage.ru_maxrss / 1024**2, 2),
        "test_f1": info.get("scores", {}).get("test", {}).get("f1"),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    data = Path(os.environ.get("NERLAB_SHARED_DATA", "/work/shared/data")) / "conllpp"
    p.add_argument("--data", type=Path, default=data, help="folder with conllpp_*.txt")
    p.add_argument("--model", default="minilm-l6")
    p.add_argument("--lrs", type=float, nargs="+", default=[5e-5, 1e-4, 2e-4])
    p.add_argument("--batch-sizes", type=int, nargs="+", default=[16, 32])
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--train-limit", type=int, help="use only the first N training sentences")
    p.add_argument(
        "--test", action="store_true", help="also score the test set (not used to choose)"
    )
    p.add_argument("--work", type=Path, default=Path("/tmp/nerlab-bench/sweep"))
    a = p.parse_args()
    a.work.mkdir(parents=True, exist_ok=True)
    train, dev = a.data / "conllpp_train.txt", a.data / "conllpp_dev.txt"
    if a.train_limit is not None:
        from nerlab.data import read_conll, write_conll
        from nerlab.data.corpus import Corpus

        corpus = read_conll(train)
        train = a.work / f"train_first{a.train_limit}.conll"
        write_conll(Corpus(corpus.sentences[: a.train_limit], corpus.path), train)
    rows = []
    for batch in a.batch_sizes:
        for lr in a.lrs:
            rows.append(one_run(a, train, dev, lr, batch))
            print(json.dumps(rows[-1]), flush=True)
            (a.work / "results.json").write_text(json.dumps(rows, indent=2) + "\n")
    epochs = range(1, a.epochs + 1)
    print(f"\ntrain: {train}; dev: {dev}; {rows[0]['precision']}")
    head = " | ".join(f"dev F1 ep {e}" for e in epochs)
    print(f"| lr | batch | {head} | best | test F1 | train s | samples/s | peak GB |")
    print("|---:|---:|" + "---:|" * (a.epochs + 5))
    for r in rows:
        f1s = " | ".join(f"{f:.4f}" for f in r["dev_f1_per_epoch"])
        test = f"{r['test_f1']:.4f}" if r["test_f1"] is not None else "-"
        print(
            f"| {r['lr']:g} | {r['batch_size']} | {f1s} | {r['best_dev_f1']:.4f} | "
            f"{test} | {r['train_seconds']:.0f} | {r['samples_per_s']:.1f} | {r['peak_rss_gb']} |"
        )
    print(f"\nresults: {a.work / 'results.json'}")


if __name__ == "__main__":
    main()
