"""The long trainings of issues 13 and 15 as concurrent processes on one GPU machine.

On the 2-core development machine each e5-small run on full CoNLL++ takes 35-90 minutes, a
PAN-X cell an hour; on a GPU a run is a few minutes, but one process alone is bound by Python's
kernel launches and leaves the GPU mostly idle. This script runs the grid as up to ``--jobs``
processes at once (in the order below, longest first), each a plain ``nerlab`` command:

- ``c3-sS``: e5-small + CRF, 3 epochs, fp32, seed S (the ``accurate`` preset's recipe);
- ``ctx-sS``: the same with ``--context 64`` (FLERT document context);
- ``e5ep`` / ``e8ep``: 5 and 8 epochs (seed 42); ``bf16-sS``: the recipe in bf16;
- ``xl-zs-L``: ``nerlab xlingual zero-shot --source L`` (e5-small, nerlab defaults, fp32): the
  rows of ``each``; ``xl-all``, ``xl-mix`` (the book's shares, 20,000 sentences), and
  ``xl-sizes`` (fr learning curve; it starts when ``xl-zs-de`` is done and copies its cell).

A CoNLL run is scored on CoNLL++ dev and test by ``nerlab train`` and on the original
CoNLL-2003 ``eng.testb`` by ``nerlab evaluate``; then its weights are deleted (the GPU machine's
disk is small). Results land in ``WORK/summary.json`` as each run ends; at ``--deadline`` seconds
the runs still going are stopped and reported with the dev F1 of the epochs they finished.

    python bench/gpu_grid.py --data ../shared/data --work runs/grid --jobs 12 --deadline 480
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

NERLAB = [sys.executable, "-m", "nerlab"]
MIX = "de=.629,fr=.229,it=.084,en=.059"
LANGS = ("de", "fr", "it", "en")


def grid(data: Path, work: Path, model: str) -> list[dict]:
    """The runs, longest first: name, command, and what it waits for."""
    conll, pp = data / "conll2003", data / "conllpp"
    train = [*NERLAB, "train", "--model", model, "--head", "crf", "--overwrite"]
    train += ["--train", str(pp / "conllpp_train.txt"), "--dev", str(pp / "conllpp_dev.txt")]
    train += ["--test", str(pp / "conllpp_test.txt")]
    xl = ["--model", model, "--precision", "fp32", "--data-dir", str(data / "wikiann")]

    def ner(name: str, *flags: str) -> dict:
        out = work / name
        testb = [*NERLAB, "evaluate", str(out), str(conll / "eng.testb"), "--json"]
        return {"name": name, "cmd": [*train, "-o", str(out), *flags], "then": testb}

    def xlingual(name: str, *args: str, after: str | None = None) -> dict:
        cmd = [*NERLAB, "xlingual", *args, *xl, "-o", str(work / name)]
        return {"name": name, "cmd": cmd, "after": after}

    seeds = ("42", "43", "44")
    return [
        xlingual("xl-all", "all"),
        ner("e8ep", "--epochs", "8", "--precision", "fp32"),
        *(xlingual(f"xl-zs-{lang}", "zero-shot", "--source", lang) for lang in LANGS),
        ner("e5ep", "--epochs", "5", "--precision", "fp32"),
        *(ner(f"ctx-s{s}", "--seed", s, "--context", "64", "--precision", "fp32") for s in seeds),
        *(ner(f"c3-s{s}", "--seed", s, "--precision", "fp32") for s in seeds),
        xlingual("xl-mix", "mix", "--mix", MIX, "--total", "20000"),
        *(ner(f"bf16-s{s}", "--seed", s, "--precision", "bf16") for s in seeds),
        xlingual(
            "xl-sizes", "sizes", "--sizes", "250,500,1000,2000,4000", "--target", "fr",
            "--source", "de", "--reuse", str(work / "xl-zs-de"), after="xl-zs-de",
        ),
    ]  # fmt: skip


def result(run: dict, work: Path) -> dict:
    """What a finished or stopped run left: scores, per-epoch dev F1, times."""
    out = work / run["name"]
    info: dict = {"name": run["name"], "cmd": " ".join(run["cmd"])}
    config = out / "nerlab_config.json"
    if config.exists():
        meta = json.loads(config.read_text())
        scores, stats = meta.get("scores", {}), meta.get("stats", {})
        info |= {k: scores[k].get("f1") for k in ("dev", "test") if k in scores}
        info |= {k: stats.get(k) for k in ("seconds", "train_samples_per_second", "precision")}
    metrics = out / "metrics.jsonl"
    if metrics.exists():
        rows = [json.loads(line) for line in metrics.read_text().splitlines() if line.strip()]
        info["dev_per_epoch"] = [r.get("dev_f1") for r in rows]
    testb = work / f"{run['name']}.testb.json"
    if testb.exists() and testb.stat().st_size:
        text = testb.read_text()
        try:
            info["testb"] = json.loads(text[text.find("{") :])["f1"]  # conlleval
        except (json.JSONDecodeError, KeyError):
            info["testb"] = None
    matrix = out / "matrix.json"
    if matrix.exists():
        info["matrix"] = json.loads(matrix.read_text())
    return info


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", type=Path, required=True)
    p.add_argument("--work", type=Path, required=True)
    p.add_argument("--model", default="e5-small-multilingual")
    p.add_argument("--jobs", type=int, default=12)
    p.add_argument("--deadline", type=float, default=480.0, help="seconds, then stop the rest")
    p.add_argument("--only", default="", help="comma-separated run names (default: all)")
    p.add_argument("--extra", default="", help="flags added to each CoNLL run (a dry run)")
    p.add_argument("--xl-extra", default="", help="flags added to each xlingual run")
    a = p.parse_args()
    a.work.mkdir(parents=True, exist_ok=True)
    runs = grid(a.data, a.work, a.model)
    if a.only:
        runs = [r for r in runs if r["name"] in a.only.split(",")]
    extra = {"ner": a.extra.split(), "xl": a.xl_extra.split()}
    start, waiting, going, done = time.time(), list(runs), {}, {}
    summary = a.work / "summary.json"

    def write() -> None:
        rows = [result(r, a.work) | done.get(r["name"], {}) for r in runs]
        summary.write_text(json.dumps(rows, indent=1))

    while waiting or going:
        elapsed = time.time() - start
        if elapsed > a.deadline:
            for name, (proc, _) in going.items():
                os.killpg(proc.pid, signal.SIGTERM)
                done[name] = {"status": "stopped at the deadline", "wall": round(elapsed)}
            time.sleep(5)
            for proc, _ in going.values():
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
            break
        for name, (proc, t0) in list(going.items()):
            if proc.poll() is not None:
                done[name] = {"status": f"rc {proc.returncode}", "wall": round(time.time() - t0)}
                print(f"{elapsed:6.0f}s done {name}: rc {proc.returncode}", flush=True)
                del going[name]
                shutil.rmtree(a.work / name / "checkpoints", ignore_errors=True)
                write()
        ready = [r for r in waiting if not r.get("after") or r["after"] in done]
        while ready and len(going) < a.jobs:
            r = ready.pop(0)
            waiting.remove(r)
            log = a.work / f"{r['name']}.log"
            flags = extra["ner" if r.get("then") else "xl"]
            chain = shlex.join(r["cmd"] + flags) + f" >{log} 2>&1"
            if r.get("then"):
                testb = a.work / f"{r['name']}.testb.json"
                chain += f" && {shlex.join(r['then'])} >{testb} 2>>{log}"
                chain += f" ; rm -f {a.work / r['name']}/model.safetensors"
            proc = subprocess.Popen(["bash", "-c", chain], start_new_session=True)
            going[r["name"]] = (proc, time.time())
            print(f"{elapsed:6.0f}s start {r['name']}", flush=True)
        time.sleep(2)
    write()
    print(json.dumps(json.loads(summary.read_text()), indent=1)[:20000])


if __name__ == "__main__":
    main()
