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
from pathlib import Path

from train_vs_reference import first_sentences, nerlab


def one_run(a: argparse.Namespace, files: dict[str, Path], lr: float, batch: int) -> dict:
    """One ``nerlab train`` run; its dev F1 per epoch (and test F1 with ``--test``)."""
    out = a.work / f"lr{lr:g}_b{batch}"
    extra = ["--patience", "0", "--epochs", str(a.epochs), "--lr", str(lr)]
    extra += ["--batch-size", str(batch)]
    res = nerlab(a, files, out, extra)
    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    dev_f1 = [r["dev_f1"] for r in rows if "dev_f1" in r]
    keep = ("test_f1", "train_seconds", "samples_per_s", "precision", "wall_seconds")
    return {
        "lr": lr,
        "batch_size": batch,
        "dev_f1_per_epoch": dev_f1,
        "best_dev_f1": max(dev_f1),
        "best_epoch": dev_f1.index(max(dev_f1)) + 1,
        **{k: res[k] for k in keep},
        "peak_rss_gb": res["peak_rss_gb"],
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
    splits = ("train", "dev", "test") if a.test else ("train", "dev")
    files = {s: a.data / f"conllpp_{s}.txt" for s in splits}
    if a.train_limit is not None:
        name = f"train_first{a.train_limit}.conll"
        files["train"] = first_sentences(files["train"], a.train_limit, a.work, name)
    rows = []
    for batch in a.batch_sizes:
        for lr in a.lrs:
            rows.append(one_run(a, files, lr, batch))
            print(json.dumps(rows[-1]), flush=True)
            (a.work / "results.json").write_text(json.dumps(rows, indent=2) + "\n")
    epochs = range(1, a.epochs + 1)
    print(f"\ntrain: {files['train']}; dev: {files['dev']}; {rows[0]['precision']}")
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
