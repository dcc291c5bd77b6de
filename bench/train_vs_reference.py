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
- ``throughput``: training speed only, the reference and nerlab interleaved ``--repeats``
  times (1 epoch on the first ``--throughput-limit`` sentences at the reference's batch size),
  nerlab as fp32/bf16 x random/length-grouped batches to say which change gives how much;
  medians of samples/s and of the per-repeat ratios.

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
import statistics
import sys
import time
from pathlib import Path

from _common import run

REFERENCE = Path("/work/shared/bench/hf_reference.py")
PARTS = ("reference", "same", "defaults", "throughput")


def reference(
    a: argparse.Namespace, files: dict[str, Path], model_dir: str, log: str = "reference.log"
) -> dict:
    cmd = [sys.executable, str(REFERENCE), "train", "--model", model_dir]
    cmd += ["--train", str(files["train"]), "--test", str(files["test"])]
    cmd += ["--epochs", str(a.epochs), "--lr", str(a.lr)]
    cmd += ["--batch-size", str(a.batch_size)]
    if "dev" in files:
        cmd += ["--dev", str(files["dev"])]
    out, seconds, peak = run(cmd, a.work / log)
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
    for split in ("dev", "test"):
        if split in files:
            cmd += [f"--{split}", str(files[split])]
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


def first_sentences(path: Path, n: int, work: Path, name: str) -> Path:
    """The first ``n`` sentences of ``path`` as a file (all columns kept)."""
    from nerlab.data import read_conll, write_conll
    from nerlab.data.corpus import Corpus

    corpus = read_conll(path)
    out = work / name
    write_conll(Corpus(corpus.sentences[:n], corpus.path), out)
    return out


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def throughput(a: argparse.Namespace, files: dict[str, Path], model_dir: str) -> dict:
    """Training samples/s of the reference and of nerlab variants, interleaved, ``--repeats`` times.

    Every run trains 1 epoch on the first ``--throughput-limit`` training sentences at the
    reference's batch size and learning rate (nerlab without a dev set, so no evaluation is
    timed; the reference scores 100 test sentences after its timed training). The variants say
    which of nerlab's changes gives how much: batches grouped by length or random, and bf16
    autocast against fp32 where the CPU has bf16 matrix units (skipped with a note otherwise).
    The ratio of a repeat is nerlab's samples/s over the reference's in that repeat; the table
    gives medians.
    """
    from nerlab.models.precision import bf16_supported

    sub = {"train": first_sentences(files["train"], a.throughput_limit, a.work, "tp_train.conll")}
    sub["test"] = first_sentences(files["test"], 100, a.work, "tp_test.conll")
    precisions = ["fp32"] + (["bf16"] if bf16_supported("cpu") else [])
    variants = [(p, g) for p in precisions for g in ("random", "grouped")]
    speeds: dict[str, list[float]] = {"reference": []}
    ratios: dict[str, list[float]] = {}
    peaks: dict[str, float] = {}
    sub_a = argparse.Namespace(**{**vars(a), "epochs": 1})
    for repeat in range(a.repeats):
        ref = reference(sub_a, sub, model_dir, log=f"tp_reference_{repeat}.log")
        speeds["reference"].append(ref["samples_per_s"])
        peaks["reference"] = max(peaks.get("reference", 0.0), ref["peak_rss_gb"])
        for precision, grouping in variants:
            name = f"{precision}_{grouping}"
            extra = ["--epochs", "1", "--batch-size", str(a.batch_size), "--lr", str(a.lr)]
            extra += ["--precision", precision]
            extra += ["--group-by-length" if grouping == "grouped" else "--no-group-by-length"]
            res = nerlab(a, {"train": sub["train"]}, a.work / f"tp_{name}", extra)
            speeds.setdefault(name, []).append(res["samples_per_s"])
            ratios.setdefault(name, []).append(res["samples_per_s"] / ref["samples_per_s"])
            peaks[name] = max(peaks.get(name, 0.0), res["peak_rss_gb"])
        last = {k: v[-1] for k, v in speeds.items()}
        print(f"repeat {repeat + 1}/{a.repeats}:", last, flush=True)
    return {
        "sentences": a.throughput_limit,
        "repeats": a.repeats,
        "batch_size": a.batch_size,
        "bf16_supported": bf16_supported("cpu"),
        "samples_per_s": speeds,
        "median_samples_per_s": {k: round(median(v), 2) for k, v in speeds.items()},
        "median_ratio_vs_reference": {k: round(median(v), 3) for k, v in ratios.items()},
        "peak_rss_gb": peaks,
    }


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
    tp = results.get("throughput")
    if tp:
        print(
            f"\nthroughput: 1 epoch on {tp['sentences']} sentences, batch {tp['batch_size']}, "
            f"median of {tp['repeats']} interleaved repeats"
        )
        print("| run | train samples/s | ratio vs reference | peak RSS GB |")
        print("|---|---:|---:|---:|")
        for name, speed in tp["median_samples_per_s"].items():
            ratio = tp["median_ratio_vs_reference"].get(name)
            shown = f"{ratio:.2f}x" if ratio is not None else "1.00x"
            print(f"| {name} | {speed:.1f} | {shown} | {tp['peak_rss_gb'][name]:.2f} |")
        if not tp["bf16_supported"]:
            print("bf16 variants skipped: this CPU has no AVX512-BF16/AMX (bf16 would be emulated)")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    data = Path(os.environ.get("NERLAB_SHARED_DATA", "/work/shared/data")) / "conllpp"
    p.add_argument("--data", type=Path, default=data, help="folder with conllpp_*.txt")
    p.add_argument("--model", default="minilm-l6")
    p.add_argument("--only", nargs="+", choices=PARTS, default=list(PARTS))
    p.add_argument("--train-limit", type=int, help="use only the first N training sentences")
    p.add_argument("--throughput-limit", type=int, default=2000)
    p.add_argument("--repeats", type=int, default=3, help="repeats of the throughput part")
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
    if a.train_limit is not None:
        name = f"train_first{a.train_limit}.conll"
        files["train"] = first_sentences(files["train"], a.train_limit, a.work, name)
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
            results[part] = throughput(a, files, model_dir)
        print(part, json.dumps(results[part]), flush=True)
        out_json.write_text(json.dumps(results, indent=2) + "\n")
    report(results)
    print(f"\nresults: {out_json}")


if __name__ == "__main__":
    main()
