#!/usr/bin/env python3
"""nerlab prediction vs the Hugging Face token-classification pipeline, in one run.

On the CoNLL++ test sentences (words joined by single spaces), each path in its own
subprocess (clean peak RSS), same machine, same thread count:

- ``pipeline-fp32``: ``../shared/bench/hf_reference.py pipeline`` (batch 32, aggregation simple);
- ``pipeline-bf16``: the same pipeline code with the model loaded in bf16 (``dtype``);
- ``nerlab-bs1``: nerlab's simple path (fp32, one text per call, input order): the reference
  every nerlab path's entities are compared with;
- ``nerlab-fp32`` / ``nerlab-bf16``: ``Predictor.predict`` with PyTorch;
- ``onnx-fp32`` / ``onnx-int8``: ``Predictor.predict`` on ``nerlab export --onnx`` folders;
- ``cli``: peak memory of ``nerlab predict MODEL test.txt`` (a text file in the work folder).

Each path runs ``--rounds`` times (round-robin) and keeps its best time. Printed: sentences/s,
ratios to the pipeline, peak RSS, entity agreement with ``nerlab-bs1``
(sentences whose entity lists are identical), test F1 (entities mapped back to the gold words:
a word belongs to an entity when its first character does), and the fraction of the machine's
measured dense matmul throughput each path reaches (useful FLOPs: real tokens only,
``2 * non-embedding parameters + 4 * layers * hidden * sequence length`` per token).

    python bench/predict_vs_pipeline.py --model /tmp/nerlab-bench/minilm-conllpp
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

REFERENCE = Path(__file__).resolve().parents[2] / "shared" / "bench" / "hf_reference.py"
PATHS = ("pipeline-fp32", "pipeline-bf16", "nerlab-bs1", "nerlab-fp32", "nerlab-bf16")
PATHS += ("onnx-fp32", "onnx-int8", "cli")


def read_test(path: Path, limit: int | None) -> tuple[list[list[str]], list[list[str]]]:
    from nerlab.data import read_conll

    corpus = read_conll(path)
    sents = corpus.sentences[:limit] if limit else corpus.sentences
    return [s.words for s in sents], [s.tags for s in sents]


def peak_rss_mb() -> float:
    """This process's peak RSS (VmHWM: unlike ru_maxrss, not inherited from the parent)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(fn, texts: list[str]) -> tuple[list, float]:
    fn(texts[:64])  # warm-up
    start = time.perf_counter()
    out = fn(texts)
    return out, time.perf_counter() - start


def run_pipeline(model: str, texts: list[str], bf16: bool) -> tuple[list, float]:
    """hf_reference.py's pipeline code (bf16: the same with the model loaded in bf16)."""
    import torch
    from transformers import pipeline

    spec = importlib.util.spec_from_file_location("hf_reference", REFERENCE)
    ref = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(ref)  # the reference file, for its exact pipeline settings
    dtype = torch.bfloat16 if bf16 else torch.float32
    nlp = pipeline(
        "token-classification", model=model, aggregation_strategy="simple", device=-1, dtype=dtype
    )
    out, secs = timed(lambda t: nlp(t, batch_size=32), texts)
    ents = [[(int(e["start"]), int(e["end"]), e["entity_group"]) for e in o] for o in out]
    return ents, secs


def run_nerlab(
    path: str, model: str, work: Path, texts: list[str], threads: int | None
) -> tuple[list, float]:
    from nerlab.inference import Predictor

    if path.startswith("onnx"):
        p = Predictor.load(work / path, threads=threads)
    else:
        p = Predictor.load(model, precision="bf16" if path == "nerlab-bf16" else "fp32")
    if path == "nerlab-bs1":
        p.max_batch_size = 1

        def fn(t: list[str]) -> list:
            return [p.predict([x])[0] for x in t]
    else:
        fn = p.predict
    out, secs = timed(fn, texts)
    return [[(e["start"], e["end"], e["label"]) for e in o] for o in out], secs


def worker(args: argparse.Namespace) -> None:
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    words, _ = read_test(Path(args.test), args.limit)
    texts = [" ".join(w) for w in words]
    if args.worker == "cli":
        secs = run_cli_path(args, texts)
        json.dump({"seconds": secs, "peak_mb": peak_rss_mb()}, sys.stdout)
        return
    if args.worker.startswith("pipeline"):
        ents, secs = run_pipeline(args.model, texts, args.worker == "pipeline-bf16")
    else:
        ents, secs = run_nerlab(
            args.worker, args.model, Path(args.work), texts, args.threads or None
        )
    json.dump({"seconds": secs, "peak_mb": peak_rss_mb(), "entities": ents}, sys.stdout)


def spawn(path: str, args: argparse.Namespace) -> dict:
    cmd = [sys.executable, __file__, "--worker", path, "--model", args.model, "--test", args.test]
    cmd += ["--work", args.work, "--threads", str(args.threads)]
    cmd += ["--limit", str(args.limit)] if args.limit else []
    res = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if res.returncode != 0:
        raise SystemExit(f"{path} failed:\n{res.stderr[-3000:]}")
    return json.loads(res.stdout)


def run_cli_path(args: argparse.Namespace, texts: list[str]) -> float:
    """``nerlab predict MODEL test.txt -o /dev/null`` in this process; returns seconds."""
    from nerlab.cli.main import run_cli

    path = Path(args.work) / "test.txt"
    path.write_text("\n".join(texts) + "\n", encoding="utf-8")
    argv = ["predict", args.model, str(path), "-o", os.devnull]
    argv += ["--threads", str(args.threads)] if args.threads else []
    start = time.perf_counter()
    if run_cli(argv) != 0:
        raise SystemExit("nerlab predict failed")
    return time.perf_counter() - start


def to_tags(words: list[str], ents: list[tuple[int, int, str]]) -> list[str]:
    """IOB2 word tags from character entities over ``" ".join(words)``."""
    starts, pos = [], 0
    for w in words:
        starts.append(pos)
        pos += len(w) + 1
    tags = ["O"] * len(words)
    for s, e, label in ents:
        inside = [i for i, st in enumerate(starts) if s <= st < e]
        for k, i in enumerate(inside):
            tags[i] = ("B-" if k == 0 else "I-") + label
    return tags


def matmul_gflops(dtype_name: str, n: int = 2048, repeat: int = 10) -> float:
    """Best rate of ``repeat`` dense ``n x n`` matrix products (best: the machine is shared)."""
    import torch

    dtype = getattr(torch, dtype_name)
    a, b = torch.randn(n, n, dtype=dtype), torch.randn(n, n, dtype=dtype)
    a @ b
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - start)
    return 2 * n**3 / best / 1e9


def model_flops(model: str, words: list[list[str]]) -> float:
    """Useful forward FLOPs over all sentences (real tokens only)."""
    from transformers import AutoConfig, AutoTokenizer

    from nerlab.data.alignment import encode_words

    cfg = AutoConfig.from_pretrained(model)
    tok = AutoTokenizer.from_pretrained(model)
    d, layers, ff = cfg.hidden_size, cfg.num_hidden_layers, cfg.intermediate_size
    per_layer = 4 * d * d + 2 * d * ff  # Q, K, V, O projections and the feed-forward pair
    params = layers * per_layer + d * cfg.num_labels
    total = 0.0
    for w in encode_words(tok, words, 512):
        t = len(w)
        total += t * (2 * params + 4 * layers * d * t)
    return total


def agreement(a: list, b: list) -> float:
    return sum(x == y for x, y in zip(a, b, strict=True)) / len(a)


def main() -> None:
    # The shared data sets (research-licensed, not in the package), as tests/_paths.py finds them.
    shared = (
        os.environ.get("NERLAB_SHARED_DATA") or Path(__file__).resolve().parents[2] / "shared/data"
    )

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", default="/tmp/nerlab-bench/minilm-conllpp")
    ap.add_argument("--test", default=str(Path(shared) / "conllpp" / "conllpp_test.txt"))
    ap.add_argument("--limit", type=int, default=0, help="first N sentences (0: all)")
    ap.add_argument("--work", default="/tmp/nerlab-bench/predict", help="ONNX exports go here")
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: default)")
    ap.add_argument("--paths", default=",".join(PATHS))
    ap.add_argument("--rounds", type=int, default=2, help="best time of this many runs per path")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        return worker(args)
    run(args)


def run(args: argparse.Namespace) -> None:
    import torch

    from nerlab.inference import export_onnx
    from nerlab.metrics import f1_score

    paths = args.paths.split(",")
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    for name, quant in (("onnx-fp32", None), ("onnx-int8", "int8")):
        if name in paths and not (work / name / "model.onnx").is_file():
            export_onnx(args.model, work / name, quantize=quant, overwrite=True)
    words, gold = read_test(Path(args.test), args.limit or None)
    texts = [" ".join(w) for w in words]
    if args.threads:
        torch.set_num_threads(args.threads)
    peaks = {k: matmul_gflops(k) for k in ("float32", "bfloat16")}
    flops = model_flops(args.model, words)
    print(f"model {args.model}; {len(texts)} sentences; torch threads {torch.get_num_threads()}; "
          f"best of {args.rounds} rounds")  # fmt: skip
    print(f"dense matmul 2048^3: fp32 {peaks['float32']:.0f} GFLOP/s, "
          f"bf16 {peaks['bfloat16']:.0f} GFLOP/s; forward {flops / len(texts) / 1e6:.1f} "
          "MFLOP/sentence (real tokens)")  # fmt: skip
    # Rounds over all paths, best time per path: the machine is shared, and a neighbour's job
    # slows whichever path runs at that moment.
    results: dict[str, dict] = {}
    for _ in range(args.rounds):
        for p in paths:
            if p == "cli":
                continue
            r = spawn(p, args)
            best = results.setdefault(p, r)
            best["seconds"] = min(best["seconds"], r["seconds"])
            best["peak_mb"] = max(best["peak_mb"], r["peak_mb"])
    cli = spawn("cli", args) if "cli" in paths else None
    ref = results.get("nerlab-bs1", {}).get("entities")
    base = results.get("pipeline-fp32", {}).get("seconds")
    base16 = results.get("pipeline-bf16", {}).get("seconds")
    head = f"{'path':14} {'sent/s':>7} {'x pipe32':>8} {'x pipe16':>8} {'peak MB':>8} "
    print(head + f"{'agree bs1':>9} {'F1':>7} {'% peak':>7}")
    for p, r in results.items():
        speed = len(texts) / r["seconds"]
        f1 = f1_score(gold, [to_tags(w, e) for w, e in zip(words, r["entities"], strict=True)])
        agree = (
            f"{100 * agreement(r['entities'], ref):8.2f}%"
            if ref and "pipe" not in p
            else "       -"
        )
        peak = peaks["bfloat16"] if "bf16" in p else peaks["float32"]
        frac = flops / r["seconds"] / 1e9 / peak
        x32 = f"{base / r['seconds']:8.2f}" if base else "       -"
        x16 = f"{base16 / r['seconds']:8.2f}" if base16 else "       -"
        print(f"{p:14} {speed:7.1f} {x32} {x16} {r['peak_mb']:8.0f} {agree} {100 * f1:7.2f} "
              f"{100 * frac:6.1f}%")  # fmt: skip
    if cli is not None:
        rate = len(texts) / cli["seconds"]
        print(f"`nerlab predict` (auto precision, JSONL to /dev/null): peak RSS "
              f"{cli['peak_mb']:.0f} MB, {rate:.1f} sent/s with model load")  # fmt: skip
    print("% peak: useful forward FLOP/s over the measured dense matmul rate of the same dtype "
          "(int8 paths against fp32)")  # fmt: skip


if __name__ == "__main__":
    main()
