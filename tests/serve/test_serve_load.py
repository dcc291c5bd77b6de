"""A short, bounded loopback load test: N clients for a few seconds, 0 errors, 0 lost.

The full version, with latency percentiles and throughput against a baseline, is
bench/serve_load.py; nothing here asserts a duration or a rate.
"""

from __future__ import annotations

import asyncio
import time

import httpx
from _serve_helpers import metric_value

from nerlab.inference import Predictor

CLIENTS = 8
SECONDS = 2.5
MAX_REQUESTS_PER_CLIENT = 150


async def _client(url: str, texts: list[str], seed: int, stop_at: float) -> tuple[int, list]:
    """Send requests until ``stop_at`` (or the per-client cap); return sent and answers."""
    sent = 0
    answers: list[tuple[list[str], httpx.Response | BaseException]] = []
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        while time.monotonic() < stop_at and sent < MAX_REQUESTS_PER_CLIENT:
            i = (seed * 7 + sent * 3) % len(texts)
            chunk = texts[i : i + 1 + sent % 2]
            sent += 1
            try:
                response = await client.post("/v1/entities", json={"texts": chunk})
            except httpx.HTTPError as exc:  # counted as an error, never raised mid-run
                answers.append((chunk, exc))
                continue
            answers.append((chunk, response))
    return sent, answers


def test_concurrent_clients_get_every_answer_right(
    server_url: str, reference: Predictor, texts: list[str]
) -> None:
    before = httpx.get(f"{server_url}/metrics").text
    ok = {"route": "/v1/entities", "method": "POST", "status": "200"}
    start_count = metric_value(before, "nerlab_requests_total", ok)

    async def run() -> list[tuple[int, list]]:
        stop_at = time.monotonic() + SECONDS
        return await asyncio.gather(
            *(_client(server_url, texts, seed, stop_at) for seed in range(CLIENTS))
        )

    outcomes = asyncio.run(run())
    sent = sum(n for n, _ in outcomes)
    answers = [a for _, client_answers in outcomes for a in client_answers]
    errors = [r for _, r in answers if not isinstance(r, httpx.Response) or r.status_code != 200]
    assert errors == []
    assert len(answers) == sent  # nothing lost
    assert sent >= CLIENTS
    expected = dict(zip(texts, reference.predict(texts), strict=True))
    for chunk, response in answers:
        results = response.json()["results"]  # type: ignore[union-attr]
        assert len(results) == len(chunk)
        for text, result in zip(chunk, results, strict=True):
            spans = [(e["start"], e["end"], e["label"]) for e in result["entities"]]
            assert spans == [(e["start"], e["end"], e["label"]) for e in expected[text]]
    after = httpx.get(f"{server_url}/metrics").text
    assert metric_value(after, "nerlab_requests_total", ok) - start_count == sent
    assert metric_value(after, "nerlab_requests_in_flight") == 0
    assert metric_value(after, "nerlab_queue_depth") == 0
