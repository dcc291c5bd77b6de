#!/usr/bin/env python3
"""Loopback load test of ``nerlab serve``: batching on, batching off, and the HF baseline.

In one run, on the same machine and the same texts (CoNLL++ test sentences, words joined by
single spaces; read from the shared data, never copied), three servers in turn, each a
subprocess bound to 127.0.0.1 on a free port:

- ``batching``: ``nerlab serve MODEL`` (dynamic batching under the default token budget);
- ``no-batching``: ``nerlab serve MODEL --max-batch-tokens 0`` (one text per forward);
- ``hf-pipeline``: bench/serve_baseline_hf.py (a FastAPI app around the transformers
  token-classification pipeline, one request at a time).

For each: ``--clients`` concurrent clients (keep-alive HTTP/1.1 connections, one text per
request) run ``--warmup`` seconds unmeasured, then ``--seconds`` measured; every request sent
must get a 200 (errors) and an answer (lost). Printed: requests, errors, lost, p50/p99 latency,
texts/s, and the ratios the issue targets (batching >= 3x no-batching, >= 5x the baseline).
The load is bounded in time and count and stops by itself; servers get SIGTERM at the end
(``nerlab serve`` must exit 0).

    python bench/serve_load.py --model /work/runs/minilm-conllpp --clients 32 --seconds 20
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from nerlab.serve.server import default_threads

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("NERLAB_SHARED_DATA") or ROOT.parent / "shared" / "data")
CONFIGS = ("batching", "no-batching", "hf-pipeline")
MAX_REQUESTS_PER_CLIENT = 1_000_000  # a bound that time reaches first
REQUEST_TIMEOUT_S = 30.0  # a request without an answer by then is lost


@dataclass
class Result:
    """One server's measured run."""

    config: str
    clients: int
    seconds: float
    requests: int
    texts: int
    errors: int
    lost: int
    p50_ms: float
    p99_ms: float
    texts_per_s: float
    exit_code: int | None


def read_texts(path: Path, limit: int | None) -> list[str]:
    """CoNLL sentences as raw texts (words joined by single spaces)."""
    from nerlab.data import read_conll

    corpus = read_conll(path)
    texts = [" ".join(s.words) for s in corpus.sentences]
    return texts[:limit] if limit else texts


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(config: str, model: str, port: int, threads: int, log: Path) -> subprocess.Popen:
    if config == "hf-pipeline":
        argv = [sys.executable, str(ROOT / "bench" / "serve_baseline_hf.py"), model]
        argv += ["--port", str(port), "--threads", str(threads)]
    else:
        argv = [sys.executable, "-m", "nerlab", "serve", model, "--port", str(port)]
        argv += ["--log-level", "warning", "--threads", str(threads)]
        if config == "no-batching":
            argv += ["--max-batch-tokens", "0"]
    out = log.open("w")
    return subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT)


async def http_get_ok(port: int, path: str) -> bool:
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
    except OSError:
        return False
    writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
    await writer.drain()
    line = await reader.readline()
    writer.close()
    return b" 200 " in line


async def wait_ready(proc: subprocess.Popen, port: int, timeout: float = 300.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode} while starting")
        if await http_get_ok(port, "/readyz"):
            return
        await asyncio.sleep(0.2)
    raise RuntimeError(f"server not ready within {timeout} s")


class Connection:
    """A minimal keep-alive HTTP/1.1 client (light, so the load generator leaves the CPU to the
    server on a small machine)."""

    def __init__(self, port: int):
        self.port = port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, payload: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection("127.0.0.1", self.port)
        assert self.reader is not None
        head = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(payload)}\r\n\r\n"
        )
        self.writer.write(head.encode() + payload)
        await self.writer.drain()
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("connection closed")
        status = int(status_line.split()[1])
        length = 0
        while True:
            line = await self.reader.readline()
            if line in (b"\r\n", b""):
                break
            name, _, value = line.decode("latin-1").partition(":")
            if name.lower() == "content-length":
                length = int(value.strip())
        body = await self.reader.readexactly(length)
        return status, body

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def client(
    port: int, texts: list[str], seed: int, stop_at: float, measure_from: float, stats: dict
) -> None:
    """Send one text per request until ``stop_at``; count and time the measured ones.

    Every measured request ends as exactly one of: ok (200, one result), error (another
    status, a wrong body, or a broken connection), lost (no answer within the timeout).
    """
    conn = Connection(port)
    i = seed * 97
    try:
        for _ in range(MAX_REQUESTS_PER_CLIENT):
            now = time.monotonic()
            if now >= stop_at:
                break
            text = texts[i % len(texts)]
            i += 1
            measured = now >= measure_from
            stats["sent"] += measured
            payload = json.dumps({"texts": [text]}).encode()
            try:
                status, body = await asyncio.wait_for(
                    conn.post("/v1/entities", payload), REQUEST_TIMEOUT_S
                )
            except TimeoutError:
                stats["lost"] += measured
                conn.close()
                conn = Connection(port)
                continue
            except (OSError, ConnectionError, asyncio.IncompleteReadError):
                stats["errors"] += measured
                conn.close()
                conn = Connection(port)
                continue
            if not measured:
                continue
            if status != 200 or len(json.loads(body)["results"]) != 1:
                stats["errors"] += 1
            else:
                stats["latencies"].append(time.monotonic() - now)
    finally:
        conn.close()


async def load(port: int, texts: list[str], clients: int, warmup: float, seconds: float) -> dict:
    stats: dict = {"sent": 0, "errors": 0, "lost": 0, "latencies": []}
    start = time.monotonic()
    measure_from = start + warmup
    stop_at = measure_from + seconds
    await asyncio.gather(
        *(client(port, texts, seed, stop_at, measure_from, stats) for seed in range(clients))
    )
    stats["elapsed"] = time.monotonic() - measure_from
    assert stats["sent"] == len(stats["latencies"]) + stats["errors"] + stats["lost"]
    return stats


def run_config(config: str, args: argparse.Namespace, texts: list[str]) -> Result:
    port = free_port()
    log = Path(args.log_dir) / f"serve-{config}.log"
    proc = start_server(config, args.model, port, args.threads, log)
    try:
        asyncio.run(wait_ready(proc, port))
        stats = asyncio.run(load(port, texts, args.clients, args.warmup, args.seconds))
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            code: int | None = proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            code = None
    lat = sorted(stats["latencies"])
    ok = len(lat)
    return Result(
        config=config,
        clients=args.clients,
        seconds=round(stats["elapsed"], 2),
        requests=stats["sent"],
        texts=ok,
        errors=stats["errors"],
        lost=stats["lost"],
        p50_ms=round(1000 * statistics.median(lat), 1) if lat else float("nan"),
        p99_ms=round(1000 * lat[min(ok - 1, int(0.99 * ok))], 1) if lat else float("nan"),
        texts_per_s=round(ok / stats["elapsed"], 1),
        exit_code=code,
    )


def machine() -> str:
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load1 = os.getloadavg()[0]
    return f"{cpu}, {os.cpu_count()} cores, {platform.system()}, load average {load1:.2f} at start"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="/work/runs/minilm-conllpp")
    parser.add_argument("--data", default=str(SHARED_DATA / "conllpp" / "conllpp_test.txt"))
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=3, help="each round runs every server")
    parser.add_argument("--limit", type=int, default=None, help="use only the first N texts")
    parser.add_argument(
        "--threads",
        type=int,
        default=default_threads(),
        help="model threads of every server (default: nerlab serve's, the cores less one)",
    )
    parser.add_argument("--configs", default=",".join(CONFIGS))
    parser.add_argument("--log-dir", default="/tmp")
    parser.add_argument("--json", default=None, help="also write the results here")
    args = parser.parse_args()

    texts = read_texts(Path(args.data), args.limit)
    configs = args.configs.split(",")
    print(f"machine: {machine()}")
    print(f"model: {args.model}; {len(texts)} texts; {args.clients} clients; "
          f"{args.threads} model thread(s) per server; {args.rounds} round(s) of "
          f"{args.warmup:g} s warm-up + {args.seconds:g} s measured per server")  # fmt: skip
    rounds: list[dict[str, Result]] = []
    for r in range(args.rounds):
        # Each round runs every server back to back (the order rotates), so a ratio is taken
        # between runs that saw the same background load on a shared machine.
        order = configs[r % len(configs) :] + configs[: r % len(configs)]
        rounds.append({})
        for config in order:
            result = run_config(config, args, texts)
            rounds[-1][config] = result
            print(f"round {r + 1}: {json.dumps(asdict(result))}", flush=True)
    report(rounds, configs)
    everything = [res for rnd in rounds for res in rnd.values()]
    clean = all(res.errors == 0 and res.lost == 0 for res in everything)
    exits = all(res.exit_code == 0 for res in everything if res.config != "hf-pipeline")
    print(f"0 errors and 0 lost in every run: {clean}; nerlab servers exited 0 on SIGTERM: {exits}")
    if args.json:
        rows = [
            {"round": i + 1, **asdict(res)} for i, rnd in enumerate(rounds) for res in rnd.values()
        ]
        Path(args.json).write_text(json.dumps(rows, indent=2) + "\n")
    sys.exit(0 if clean and exits else 1)


def report(rounds: list[dict[str, Result]], configs: list[str]) -> None:
    """Per server the medians over rounds; the ratios per round and their median."""
    print()
    print(
        f"{'server':<12} {'requests':>8} {'errors':>6} {'lost':>4} {'p50 ms':>8} {'p99 ms':>8} "
        f"{'texts/s (median; min-max)':>27}"
    )
    for config in configs:
        runs = [rnd[config] for rnd in rounds]
        rates = [res.texts_per_s for res in runs]
        print(
            f"{config:<12} {sum(res.requests for res in runs):>8} "
            f"{sum(res.errors for res in runs):>6} {sum(res.lost for res in runs):>4} "
            f"{statistics.median(res.p50_ms for res in runs):>8.1f} "
            f"{statistics.median(res.p99_ms for res in runs):>8.1f} "
            f"{statistics.median(rates):>10.1f}; {min(rates):.1f}-{max(rates):.1f}"
        )
    if "batching" not in configs:
        return
    for other, target in (("no-batching", 3.0), ("hf-pipeline", 5.0)):
        if other not in configs:
            continue
        ratios = [
            rnd["batching"].texts_per_s / rnd[other].texts_per_s
            for rnd in rounds
            if rnd[other].texts_per_s > 0
        ]
        median = statistics.median(ratios)
        verdict = "met" if median >= target else "MISSED"
        each = ", ".join(f"{x:.2f}" for x in ratios)
        print(
            f"batching / {other}: {median:.2f}x median (rounds: {each}); "
            f"target >= {target:g}x: {verdict}"
        )


if __name__ == "__main__":
    main()
