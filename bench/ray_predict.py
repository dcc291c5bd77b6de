#!/usr/bin/env python3
"""``nerlab predict --engine ray`` vs ``nerlab predict``, same machine, same data, end to end.

The CoNLL++ test sentences (words joined by single spaces) as JSONL rows ``{"id", "text"}``:

- ``local``: ``nerlab predict MODEL all.jsonl -o out.jsonl --threads T`` (one file, one
  process: the reference);
- ``ray-AxC``: ``nerlab predict MODEL IN_DIR --engine ray -o OUT_DIR --ray-actors A
  --threads C`` over the same rows split into ``--files`` JSONL files (A actors of C cores;
  Ray starts a local cluster, loads the model in each actor, predicts, writes, shuts down).

Both run as subprocesses and are timed from start to exit (model loading, and for Ray the
cluster start, included: what a user waits for). While a Ray run goes, the peak RSS (VmHWM)
of every Ray Data actor process is read from /proc; the largest is reported. The Ray outputs
are checked against the reference row by row (identical entity lists). Also printed: the
time a bare ``ray.init()`` + ``ray.shutdown()`` takes here, the fixed part of Ray's overhead.

    python bench/ray_predict.py --model runs/minilm-conllpp --threads 2
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TEST = ROOT.parent / "shared" / "data" / "conllpp" / "conllpp_test.txt"


def write_inputs(texts: list[str], work: Path, files: int) -> tuple[Path, Path]:
    """``work/all.jsonl`` (the reference input) and ``work/in/part-K.jsonl`` (the same rows)."""
    rows = [
        json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\n" for i, t in enumerate(texts)
    ]
    single = work / "all.jsonl"
    single.write_text("".join(rows), "utf-8")
    folder = work / "in"
    folder.mkdir()
    for k in range(files):
        part = rows[k * len(rows) // files : (k + 1) * len(rows) // files]
        (folder / f"part-{k:03d}.jsonl").write_text("".join(part), "utf-8")
    return single, folder


def actor_peaks(root_pid: int, stop: threading.Event, peaks: dict[int, float]) -> None:
    """Poll the process tree under ``root_pid``: the VmHWM (MB) of each Ray Data actor."""
    import psutil

    while not stop.is_set():
        try:
            procs = psutil.Process(root_pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return
        for proc in procs:
            try:
                if "MapWorker" not in " ".join(proc.cmdline()):
                    continue
                status = Path(f"/proc/{proc.pid}/status").read_text()
            except (psutil.Error, OSError):
                continue
            for line in status.splitlines():
                if line.startswith("VmHWM:"):
                    peaks[proc.pid] = max(peaks.get(proc.pid, 0.0), int(line.split()[1]) / 1024)
        time.sleep(0.1)


def timed(cmd: list[str], env: dict[str, str], watch: bool) -> tuple[float, dict[int, float]]:
    """Seconds from start to exit, and the actors' peak RSS (MB) when ``watch``."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peaks: dict[int, float] = {}
    stop = threading.Event()
    poller = threading.Thread(target=actor_peaks, args=(proc.pid, stop, peaks))
    if watch:
        poller.start()
    out, err = proc.communicate()
    seconds = time.perf_counter() - start
    stop.set()
    if watch:
        poller.join()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{out[-2000:]}\n{err[-3000:]}")
    return seconds, peaks


def entities_by_id(files: list[Path]) -> dict[int, list]:
    out = {}
    for path in files:
        for line in path.read_text("utf-8").splitlines():
            record = json.loads(line)
            out[record["id"]] = [(e["start"], e["end"], e["label"]) for e in record["entities"]]
    return out


def ray_start_seconds() -> float:
    code = (
        "import ray, time; t = time.perf_counter(); "
        "ray.init(include_dashboard=False, log_to_driver=False, configure_logging=False); "
        "ray.shutdown(); print(time.perf_counter() - t)"
    )
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(res.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--test", type=Path, default=TEST)
    parser.add_argument("--limit", type=int, default=None, help="first N sentences only")
    parser.add_argument(
        "--files", type=int, default=4, help="JSONL files the Ray input is cut into"
    )
    parser.add_argument("--threads", type=int, default=2, help="cores for each path")
    parser.add_argument("--precision", default="auto")
    args = parser.parse_args()

    from nerlab.data import read_conll

    sentences = read_conll(args.test).sentences[: args.limit]
    texts = [" ".join(s.words) for s in sentences]
    nerlab = [sys.executable, "-m", "nerlab", "predict", args.model, "--precision", args.precision]
    env = {**os.environ, "RAY_DEDUP_LOGS": "0"}
    layouts = [(1, args.threads)] + ([(args.threads, 1)] if args.threads > 1 else [])
    results = []
    with tempfile.TemporaryDirectory(prefix="nrb", dir="/tmp") as tmp:  # short: Ray sockets
        work = Path(tmp)
        single, folder = write_inputs(texts, work, args.files)
        ref_out = work / "local.jsonl"
        cmd = [*nerlab, str(single), "-o", str(ref_out), "--threads", str(args.threads)]
        seconds, _ = timed(cmd, env, watch=False)
        reference = entities_by_id([ref_out])
        results.append(("local (nerlab predict)", seconds, None, None))
        for actors, cores in layouts:
            out = work / f"ray-{actors}x{cores}"
            cmd = [*nerlab, str(folder), "--engine", "ray", "-o", str(out)]
            cmd += ["--ray-actors", str(actors), "--threads", str(cores)]
            seconds, peaks = timed(cmd, env, watch=True)
            got = entities_by_id(sorted(out.glob("*.jsonl")))
            same = sum(got.get(i) == reference[i] for i in reference) / len(reference)
            peak = max(peaks.values()) if peaks else float("nan")
            results.append((f"ray, {actors} actor(s) x {cores} core(s)", seconds, peak, same))
        start = ray_start_seconds()

    base = results[0][1]
    print(f"{len(texts)} sentences, {args.threads} core(s) per path, precision {args.precision}")
    print("| path | seconds | sent/s | x local | peak RSS per actor (MB) | same entities |")
    print("|---|---|---|---|---|---|")
    for name, seconds, peak, same in results:
        peak_s = f"{peak:.0f}" if peak is not None else "-"
        same_s = f"{same:.2%}" if same is not None else "-"
        print(
            f"| {name} | {seconds:.1f} | {len(texts) / seconds:.1f} | {base / seconds:.2f} | "
            f"{peak_s} | {same_s} |"
        )
    print(f"a bare ray.init() + ray.shutdown(): {start:.1f} s")


if __name__ == "__main__":
    main()
