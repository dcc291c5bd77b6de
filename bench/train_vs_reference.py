#!/usr/bin/env python3
"""nerlab train against the reference recipe (``/work/shared/bench/hf_reference.py train``).

On CoNLL++ with minilm-l6, in one run and one after the other on the same machine:

- ``reference``: the seed notebooks' recipe (transformers.Trainer, fp32, every sub-token
  labelled, random batches), ``--epochs 3 --lr 2e-5 --batch-size 8``;
- ``same``: ``nerlab train`` with the same epochs, learning rate and batch size (nerlab's own
  choices otherwise: bf16 where supported, length-grouped batches, first sub-token, warm-up,
  dev F1 each epoch with the best epoch kept);
- ``defaults``: ``nerlab train`` with its defaults; the model is kept in ``--save`` (another
  benchmark reuses it);
- ``ablation``: training throughput only (1 epoch on the first ``--ablation-limit`` sentences,
  no dev set) at the reference's batch size for fp32/bf16 x random/length-grouped batches, to
  say which change gives how much.

Prints test F1 (word level, conlleval mode), training samples/s, their ratios to the
reference, and each run's peak memory (max RSS of the process), and writes them as JSON.

  python bench/train_vs_reference.py                          # everything (about an hour)
  python bench/train_vs_reference.py --only same defaults     # some parts
  python bench/train_vs_reference.py --train-limit 500 --epochs 1 --work /tmp/nb-smoke
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

REFERENCE = Path("/work/shared/bench/hf_reference.py")
PARTS = ("reference", "same", "defaults", "ablation")


def run(cmd: list[str], log: Path) -> tuple[str, float, float]:
    """Run ``cmd``, teeing its output to ``log``; return (stdout, seconds, peak RSS in GB)."""
    print("$ " + " ".join(cmd), flush=True)
    start = time.time()
    with log.open("w") as f:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=f, text=True)
        out = proc.stdout.read() if proc.stdout else ""
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        f.write(out)
    seconds = time.time() - start
    if proc.returncode != 0:
        raise SystemExit(f"command failed ({proc.returncode}); see {log}")
    return out, seconds, usage.ru_maxrss / 1024**2  # KB -> GB


def limited_train(train: Path, limit: int | None, work: Path) -> Path:
    """The first ``limit`` training sentences as a file (all columns kept), or ``train``."""
    if limit is None:
        return train
    from nerlab.data import read_conll, write_conll
    from nerlab.data.corpus import Corpus

    corpus = read_conll(train)
    out = work / f"train_first{limit}.conll"
    write_conll(Corpus(corpus.sentences[:limit], corpus.path), out)
    return out


def reference(a: argparse.Namespace, files: dict[str, Path], model_dir: str) -> dict:
    cmd = [sys.executable, str(REFERENCE), "train", "--model", model_dir]
    cmd += ["--train", str(files["train"]), "--dev", str(files["dev"])]
    cmd += ["--test", str(files["test"]), "--epochs", str(a.epochs), "--lr", str(a.lr)]
    cmd += ["--batch-size", str(a.batch_size)]
    out, seconds, peak = run(cmd, a.work / "reference.log")
    # The JSON result is the block from a line "{" (transformers prints a dict before it).
    start = ("\n" + out).index("\n{\n")
    res, _ = json.JSONDecoder().raw_decode(out[start:])
    return {
        "test_f1": res["test_f1"],
        "samples_per_s": res["train_samples_per_second"],
        "train_seconds": res["train_seconds"],
        "wall_seconds": round(seconds, 1),
        "peak_rss_gb": round(peak, 2),
    }


def nerlab(a: argparse.Namespace, files: dict[str, Path], out: Path, extra: list[str]) -> dict:
    cmd = [sys.executable, "-m", "nerlab", "train", "--model", a.model, "-o", str(out)]
    cmd += ["--train", str(files["train"]), "--overwrite"]
    if "dev" in files:
        cmd += ["--dev", str(files["dev"]), "--test", str(files["test"])]
    _, seconds, peak = run(cmd + extra, a.work / f"{out.name}.log")
    info = json.loads((out / "nerlab_config.json").read_text())
    stats = info["stats"]
    return {
        "test_f1": info["scores"]["test"]["f1"] if "test" in info.get("scores", {}) else None,
        "test_f1_strict": (
            info["scores"]["test"]["entity"]["strict"]["micro"]["f1"]
            if "test" in info.get("scores", {})
            else None
        ),
        "samples_per_s": stats["train_samples_per_second"],
        "train_seconds": round(
            stats["seconds"] - stats["eval_seconds"] - stats["checkpoint_seconds"], 1
        ),
        "eval_seconds": stats["eval_seconds"],
        "checkpoint_seconds": stats["checkpoint_seconds"],
        "epochs_run": stats["epochs_run"],
        "precision": stats["precision"],
        "wall_seconds": round(seconds, 1),
        "peak_rss_gb": round(peak, 2),
        "config": {k: info["training"][k] for k in ("learning_rate", "batch_size", "epochs")},
    }


def ablation(a: argparse.Namespace, files: dict[str, Path]) -> dict:
    """Throughput of 1 epoch on a subset for fp32/bf16 x random/length-grouped batches."""
    subset = {"train": limited_train(files["train"], a.ablation_limit, a.work)}
    results = {}
    for precision in ("fp32", "bf16"):
        for grouping in ("--no-group-by-length", "--group-by-length"):
            name = f"{precision}{grouping.replace('--', '_').replace('-', '_')}"
            extra = ["--epochs", "1", "--batch-size", str(a.batch_size), "--lr", str(a.lr)]
            extra += ["--precision", precision, grouping]
            res = nerlab(a, subset, a.work / f"ablation_{name}", extra)
            results[name] = {
                "samples_per_s": res["samples_per_s"],
                "peak_rss_gb": res["peak_rss_gb"],
            }
            print(name, results[name], flush=True)
    return results


def report(results: dict) -> None:
    ref = results.get("reference")
    print(
        "\n| run | test F1 (conlleval, word) | train samples/s | ratio vs reference | peak RSS GB |"
    )
    print("|---|---:|---:|---:|---:|")
    for name in ("reference", "same", "defaults"):
        r = results.get(name)
        if r is None:
            continue
        ratio = f"{r['samples_per_s'] / ref['samples_per_s']:.2f}x" if ref else "-"
        f1 = f"{r['test_f1']:.4f}" if r["test_f1"] is not None else "-"
        if ref and name != "reference":
            f1 += f" ({(r['test_f1'] - ref['test_f1']) * 100:+.2f} pt)"
        print(f"| {name} | {f1} | {r['samples_per_s']:.1f} | {ratio} | {r['peak_rss_gb']:.2f} |")
    for name, r in results.get("ablation", {}).items():
        print(f"| ablation {name} | - | {r['samples_per_s']:.1f} | - | {r['peak_rss_gb']:.2f} |")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    data = Path(os.environ.get("NERLAB_SHARED_DATA", "/work/shared/data")) / "conllpp"
    p.add_argument("--data", type=Path, default=data, help="folder with conllpp_*.txt")
    p.add_argument("--model", default="minilm-l6")
    p.add_argument("--only", nargs="+", choices=PARTS, default=list(PARTS))
    p.add_argument("--train-limit", type=int, help="use only the first N training sentences")
    p.add_argument("--ablation-limit", type=int, default=2000)
    p.add_argument("--epochs", type=float, default=3)
    p.add_argument("--lr", type=float, default=2e-5)
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--save", type=Path, default=Path("/tmp/nerlab-bench/minilm-conllpp"))
    p.add_argument("--work", type=Path, default=Path("/tmp/nerlab-bench/train-work"))
    p.add_argument("--json", type=Path, help="results file (default: WORK/results.json)")
    a = p.parse_args()
    a.work.mkdir(parents=True, exist_ok=True)
    from nerlab.models import resolve_model

    model_dir = str(resolve_model(a.model))
    files = {s: a.data / f"conllpp_{s}.txt" for s in ("train", "dev", "test")}
    files["train"] = limited_train(files["train"], a.train_limit, a.work)
    same = ["--epochs", str(a.epochs), "--lr", str(a.lr), "--batch-size", str(a.batch_size)]
    results: dict = {"model": a.model, "train": str(files["train"]), "started": time.ctime()}
    out_json = a.json or a.work / "results.json"
    for part in PARTS:
        if part not in a.only:
            continue
        if part == "reference":
            results[part] = reference(a, files, model_dir)
        elif part == "same":
            results[part] = nerlab(a, files, a.work / "same", same)
        elif part == "defaults":
            results[part] = nerlab(a, files, a.save, [])
        else:
            results[part] = ablation(a, files)
        print(part, json.dumps(results[part]), flush=True)
        out_json.write_text(json.dumps(results, indent=2) + "\n")
    report(results)
    print(f"\nresults: {out_json}")


if __name__ == "__main__":
    main()
