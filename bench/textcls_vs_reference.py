#!/usr/bin/env python3
"""nerlab text classification against the emotion notebook's recipe, in one run.

On the shared emotion tweets (16,000 train / 2,000 val / 2,000 test, six classes), for one
encoder, one after the other on the same machine (``/work/shared/bench/hf_reference.py``):

- ``reference``: ``hf_reference.py textcls`` (AutoModelForSequenceClassification + Trainer,
  lr 2e-5, batch 64, 2 epochs, random batches, fp32, no dev set);
- ``same``: ``nerlab train`` with the reference's epochs, learning rate and batch size and no
  dev set (nerlab's own choices otherwise: length-grouped batches, warm-up, fused AdamW);
- ``defaults``: ``nerlab train`` with its defaults and the val split as dev (best epoch kept);
  its model is what ``predict`` uses;
- ``predict``: the ``defaults`` model on the 2,000 test texts, ``Predictor.classify`` (fp32)
  against ``hf_reference.py textcls-pipeline`` (the HF text-classification pipeline with all
  scores, batch 32), timed in their own subprocesses (best of ``--rounds``), the top labels
  compared text by text, and the peak RSS of ``nerlab predict MODEL test.txt``.

Training samples/s are training samples over the training time without evaluation and
checkpoints (nerlab) and the Trainer's own figure (reference: it neither evaluates nor saves).
Prints a Markdown table with the ratios and writes everything to ``--work/results.json``.

  python bench/textcls_vs_reference.py --model minilm-l6
  python bench/textcls_vs_reference.py --model e5-small-multilingual --only reference defaults
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from _common import run

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT.parent / "shared" / "bench" / "hf_reference.py"
DATA = Path(os.environ.get("NERLAB_SHARED_DATA", ROOT.parent / "shared" / "data")) / "emotion"
PARTS = ("reference", "same", "defaults", "predict")


def last_json(out: str) -> dict:
    """The JSON object the reference prints last (transformers prints a dict before it)."""
    start = ("\n" + out).rindex("\n{\n")
    return json.JSONDecoder().raw_decode(out[start:])[0]


def reference(a: argparse.Namespace, folder: str) -> dict:
    cmd = [sys.executable, str(REFERENCE), "textcls", "--model", folder]
    cmd += ["--train", str(DATA / "train.txt"), "--test", str(DATA / "test.txt")]
    cmd += ["--epochs", str(a.epochs), "--lr", str(a.lr), "--batch-size", str(a.batch_size)]
    out, seconds, peak = run(cmd, a.work / "reference.log")
    res = last_json(out)
    return {
        "test_accuracy": res["test_accuracy"],
        "test_macro_f1": res["test_macro_f1"],
        "samples_per_s": res["train_samples_per_second"],
        "wall_seconds": round(seconds, 1),
        "peak_rss_gb": round(peak, 2),
    }


def nerlab(a: argparse.Namespace, name: str, extra: list[str], dev: bool) -> dict:
    out = a.work / name
    cmd = [sys.executable, "-m", "nerlab", "train", "--model", a.model, "-o", str(out)]
    cmd += ["--train", str(DATA / "train.txt"), "--test", str(DATA / "test.txt"), "--overwrite"]
    if dev:
        cmd += ["--dev", str(DATA / "val.txt")]
    _, seconds, peak = run(cmd + extra, a.work / f"{name}.log")
    info = json.loads((out / "nerlab_config.json").read_text())
    stats, test = info["stats"], info["scores"]["test"]
    train_seconds = stats["seconds"] - stats["eval_seconds"] - stats["checkpoint_seconds"]
    samples = stats["train_samples_per_second"] * stats["seconds"]
    return {
        "test_accuracy": test["accuracy"],
        "test_macro_f1": test["metrics"]["macro_f1"],
        "samples_per_s": round(samples / train_seconds, 1),
        "epochs_run": stats["epochs_run"],
        "precision": stats["precision"],
        "wall_seconds": round(seconds, 1),
        "peak_rss_gb": round(peak, 2),
        "config": {k: info["training"][k] for k in ("learning_rate", "batch_size", "epochs")},
    }


def classify_child(model: str, engine: str, texts_file: str, out_file: str) -> None:
    """Child process: classify the texts with one engine, best time; write labels + timing."""
    texts = Path(texts_file).read_text("utf-8").splitlines()
    if engine == "nerlab":
        from nerlab.inference import Predictor

        predictor = Predictor.load(model, precision="fp32")

        def fn(batch: list[str]) -> list[str]:
            return [c["label"] for c in predictor.classify(batch)]
    else:
        from transformers import pipeline

        nlp = pipeline("text-classification", model=model, top_k=None, device=-1)

        def fn(batch: list[str]) -> list[str]:
            return [max(r, key=lambda d: d["score"])["label"] for r in nlp(batch, batch_size=32)]

    fn(texts[:8])
    start = time.perf_counter()
    labels = fn(texts)
    seconds = time.perf_counter() - start
    Path(out_file).write_text(json.dumps({"labels": labels, "seconds": seconds}))


def predict(a: argparse.Namespace) -> dict:
    model = str(a.work / "defaults")
    texts = [line.rpartition(";")[0] for line in (DATA / "test.txt").read_text().splitlines()]
    texts_file = a.work / "test_texts.txt"
    texts_file.write_text("\n".join(texts) + "\n", "utf-8")
    best: dict[str, float] = {}
    labels: dict[str, list[str]] = {}
    for r in range(a.rounds):
        for engine in ("pipeline", "nerlab"):
            out_file = a.work / f"classify_{engine}.json"
            cmd = [sys.executable, __file__, "--child", model, engine, str(texts_file)]
            run([*cmd, str(out_file)], a.work / f"classify_{engine}_{r}.log")
            res = json.loads(out_file.read_text())
            best[engine] = min(best.get(engine, float("inf")), res["seconds"])
            labels[engine] = res["labels"]
    # The reference script's own timing of the pipeline (its batch 32, all scores).
    cmd = [sys.executable, str(REFERENCE), "textcls-pipeline", "--model", model]
    cmd += ["--test", str(DATA / "test.txt"), "--limit", str(len(texts))]
    out, _, pipe_peak = run(cmd, a.work / "textcls_pipeline.log")
    ref = last_json(out)
    cli_out = a.work / "predictions.jsonl"
    cli = [sys.executable, "-m", "nerlab", "predict", model, str(texts_file), "-o", str(cli_out)]
    cli_out.unlink(missing_ok=True)  # nerlab predict never overwrites a file
    _, _, cli_peak = run(cli, a.work / "cli_predict.log")
    same = sum(x == y for x, y in zip(labels["nerlab"], labels["pipeline"], strict=True))
    return {
        "texts": len(texts),
        "nerlab_texts_per_s": round(len(texts) / best["nerlab"], 1),
        "pipeline_texts_per_s": round(len(texts) / best["pipeline"], 1),
        "reference_script_texts_per_s": round(ref["texts_per_second"], 1),
        "ratio": round(best["pipeline"] / best["nerlab"], 2),
        "ratio_vs_reference_script": round(
            len(texts) / best["nerlab"] / ref["texts_per_second"], 2
        ),
        "identical_top_labels": same,
        "nerlab_predict_cli_peak_rss_gb": round(cli_peak, 2),
        "pipeline_peak_rss_gb": round(pipe_peak, 2),
    }


def report(results: dict) -> None:
    ref = results.get("reference")
    print("\n| run | test accuracy | macro F1 | train samples/s | ratio | peak RSS GB |")
    print("|---|---:|---:|---:|---:|---:|")
    for name in ("reference", "same", "defaults"):
        r = results.get(name)
        if r is None:
            continue
        ratio = f"{r['samples_per_s'] / ref['samples_per_s']:.2f}x" if ref else "-"
        print(
            f"| {name} | {r['test_accuracy']:.4f} | {r['test_macro_f1']:.4f} | "
            f"{r['samples_per_s']:.1f} | {ratio} | {r['peak_rss_gb']:.2f} |"
        )
    p = results.get("predict")
    if p:
        print(
            f"\nprediction, {p['texts']} texts: nerlab {p['nerlab_texts_per_s']} texts/s, pipeline "
            f"{p['pipeline_texts_per_s']} ({p['ratio']}x; the reference script measured "
            f"{p['reference_script_texts_per_s']}: {p['ratio_vs_reference_script']}x); identical "
            f"top labels {p['identical_top_labels']}/{p['texts']}; peak RSS nerlab predict "
            f"{p['nerlab_predict_cli_peak_rss_gb']} GB, pipeline {p['pipeline_peak_rss_gb']} GB"
        )


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        classify_child(*sys.argv[2:6])
        return
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", default="minilm-l6")
    p.add_argument("--work", type=Path, default=Path("/tmp/nerlab-bench/textcls"))
    p.add_argument("--only", nargs="+", choices=PARTS, default=list(PARTS))
    p.add_argument("--epochs", type=float, default=2)
    p.add_argument("--lr", type=float, default=2e-5)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--rounds", type=int, default=2)
    a = p.parse_args()
    a.work = a.work / a.model
    a.work.mkdir(parents=True, exist_ok=True)
    from nerlab.models import resolve_model

    folder = str(resolve_model(a.model))
    results_file = a.work / "results.json"
    results = json.loads(results_file.read_text()) if results_file.exists() else {}
    for part in a.only:
        if part == "reference":
            results[part] = reference(a, folder)
        elif part == "same":
            extra = ["--epochs", str(a.epochs), "--lr", str(a.lr)]
            results[part] = nerlab(a, "same", [*extra, "--batch-size", str(a.batch_size)], False)
        elif part == "defaults":
            results[part] = nerlab(a, "defaults", [], True)
        else:
            results[part] = predict(a)
        results_file.write_text(json.dumps(results, indent=2))
        print(part, json.dumps(results[part]), flush=True)
    report(results)


if __name__ == "__main__":
    main()
