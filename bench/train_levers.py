"""One training lever at a time (issue 15): the same `nerlab train` run with and without it.

Each variant is `nerlab train` with the same data, encoder, seed and schedule plus its own
flags, run one after the other in this process's children; for each: training samples/s
(evaluation and checkpoint time excluded), peak RSS of the process, size of its last
checkpoint, dev and test scores (entity micro F1 in conlleval mode, or accuracy for texts).

    python bench/train_levers.py --model e5-small-multilingual --train-limit 2000 \\
        --variant trained="" --variant frozen="--freeze-embeddings"
    python bench/train_levers.py --model minilm-l6 --train-limit 4000 \\
        --variant plain="" --variant context64="--context 64"

Defaults fit CoNLL++ under ``../shared/data`` (``NERLAB_DATA`` overrides the folder). Results
go to ``WORK/results.json`` and a markdown table on stdout; each run's folder stays in WORK.
Run it on a quiet machine: the speeds are only comparable within one invocation.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from pathlib import Path

from _common import run

DATA = Path(os.environ.get("NERLAB_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
CONLLPP = DATA / "conllpp"


def folder_size_gb(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 1024**3


def variant(a: argparse.Namespace, name: str, flags: str) -> dict:
    out = a.work / name
    cmd = [sys.executable, "-m", "nerlab", "train", "--model", a.model, "-o", str(out)]
    cmd += ["--train", a.train, "--dev", a.dev, "--test", a.test, "--overwrite"]
    cmd += ["--epochs", str(a.epochs), "--seed", str(a.seed), "--keep-checkpoints"]
    if a.train_limit:
        cmd += ["--train-limit", str(a.train_limit)]
    cmd += shlex.split(flags)
    _, wall, peak = run(cmd, a.work / f"{name}.log")
    info = json.loads((out / "nerlab_config.json").read_text())
    stats, scores = info["stats"], info["scores"]
    train_seconds = stats["seconds"] - stats["eval_seconds"] - stats["checkpoint_seconds"]
    samples = stats["train_samples_per_second"] * stats["seconds"]
    checkpoints = sorted((out / "checkpoints").glob("checkpoint-*"))

    def main(split: str) -> float | None:
        ev = scores.get(split)
        if ev is None:
            return None
        return ev["f1"] if "f1" in ev else ev["accuracy"]  # entity micro F1, conlleval mode

    return {
        "flags": flags,
        "dev": main("dev"),
        "test": main("test"),
        "samples_per_s": round(samples / train_seconds, 2),
        "train_seconds": round(train_seconds, 1),
        "wall_seconds": round(wall, 1),
        "peak_rss_gb": round(peak, 2),
        "checkpoint_gb": round(folder_size_gb(checkpoints[-1]), 2) if checkpoints else None,
        "word_embeddings": stats.get("word_embeddings"),
        "precision": stats["precision"],
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", default="minilm-l6")
    p.add_argument("--train", default=str(CONLLPP / "conllpp_train.txt"))
    p.add_argument("--dev", default=str(CONLLPP / "conllpp_dev.txt"))
    p.add_argument("--test", default=str(CONLLPP / "conllpp_test.txt"))
    p.add_argument("--train-limit", type=int, default=None)
    p.add_argument("--epochs", type=float, default=1.0)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--work", type=Path, default=Path("runs/bench/levers"))
    p.add_argument(
        "--variant",
        action="append",
        required=True,
        metavar='NAME="FLAGS"',
        help="a run: its name and the nerlab train flags it adds (repeatable)",
    )
    a = p.parse_args()
    a.work.mkdir(parents=True, exist_ok=True)
    results_file = a.work / "results.json"
    results = json.loads(results_file.read_text()) if results_file.exists() else {}
    for item in a.variant:
        name, _, flags = item.partition("=")
        results[name] = {"model": a.model, "train_limit": a.train_limit, **variant(a, name, flags)}
        results_file.write_text(json.dumps(results, indent=2))
    print("\n| run | flags | dev | test | train samples/s | peak RSS GB | checkpoint GB |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for item in a.variant:
        name = item.partition("=")[0]
        r = results[name]
        dev = f"{r['dev']:.4f}" if r["dev"] is not None else "-"
        test = f"{r['test']:.4f}" if r["test"] is not None else "-"
        print(
            f"| {name} | `{r['flags']}` | {dev} | {test} | {r['samples_per_s']} | "
            f"{r['peak_rss_gb']} | {r['checkpoint_gb']} |"
        )


if __name__ == "__main__":
    main()
