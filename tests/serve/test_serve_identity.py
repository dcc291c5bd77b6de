"""The server gives what ``nerlab predict`` and ``Predictor.predict`` give on the same texts.

One request holding all texts is one batch, so it runs exactly the forward calls predict runs
with the same token budget (``--token-budget 256``, the server's default on CPU): equal to the
last bit. Texts from concurrent requests share batches with other requests' texts;
their padding then differs from predict's, and PyTorch's fp32 results move by float rounding
(scores are rounded to 6 decimals, so a score can differ by 1e-6); entities, labels and offsets
are identical. ONNX Runtime's results do not depend on padding: equal to the last bit there too.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import httpx
from _serve_helpers import live_server, load_predictor, metric_value

from nerlab.cli.main import run_cli
from nerlab.inference import Predictor
from nerlab.serve import ServeSettings, create_app
from nerlab.serve.settings import CPU_BATCH_TOKENS


def test_one_request_equals_nerlab_predict(make_client, tagger_dir: Path, texts, capsys) -> None:
    args = ["predict", str(tagger_dir), "--precision", "fp32"]
    args += ["--token-budget", str(CPU_BATCH_TOKENS)]  # the server's default batch budget
    for text in texts:
        args += ["--text", text]
    assert run_cli(args) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    client = make_client()
    results = client.post("/v1/entities", json={"texts": texts}).json()["results"]
    assert [r["entities"] for r in results] == [line["entities"] for line in lines]


async def _concurrent(url: str, requests: list[list[str]]) -> list[dict]:
    async with httpx.AsyncClient(base_url=url, timeout=60) as client:
        calls = [client.post("/v1/entities", json={"texts": chunk}) for chunk in requests]
        responses = await asyncio.gather(*calls)
    assert [r.status_code for r in responses] == [200] * len(requests)
    return [r.json() for r in responses]


def _spans(entities: list[dict]) -> list[tuple]:
    return [(e["start"], e["end"], e["label"], e["text"]) for e in entities]


def _run_concurrently(folder: Path, texts: list[str], **settings) -> tuple[list[list[dict]], str]:
    """Entities of every text, sent as concurrent one- and two-text requests; the metrics."""
    chunks, start, size = [], 0, 1
    while start < len(texts):
        chunks.append(texts[start : start + size])
        start, size = start + size, 3 - size
    # A long wait makes sure concurrent requests meet in batches (no timing is asserted).
    app = create_app(load_predictor(folder), ServeSettings(max_wait_ms=200, **settings))
    with live_server(app) as url:
        bodies = asyncio.run(_concurrent(url, chunks))
        metrics = httpx.get(f"{url}/metrics").text
    got = [r["entities"] for body in bodies for r in body["results"]]
    assert len(got) == len(texts)
    return got, metrics


def test_concurrent_requests_are_batched_and_equal_predict(
    tagger_dir: Path, reference: Predictor, texts
) -> None:
    got, metrics = _run_concurrently(tagger_dir, texts)
    expected = reference.predict(texts)
    assert [_spans(e) for e in got] == [_spans(e) for e in expected]
    scores = [e["score"] for ents in got for e in ents]
    ref_scores = [e["score"] for ents in expected for e in ents]
    assert max(abs(a - b) for a, b in zip(scores, ref_scores, strict=True)) <= 2e-6
    requests = metric_value(metrics, "nerlab_requests_total", {"route": "/v1/entities"})
    batches = metric_value(metrics, "nerlab_batch_texts_count")
    assert batches < requests, "concurrent requests were never batched together"


def test_onnx_concurrent_requests_equal_predict_exactly(onnx_dir: Path, texts) -> None:
    got, _ = _run_concurrently(onnx_dir, texts)
    assert got == Predictor.load(onnx_dir).predict(texts)


def test_batching_off_runs_one_text_per_forward(tagger_dir: Path, reference, texts) -> None:
    predictor = load_predictor(tagger_dir)
    widths: list[int] = []
    forward = predictor.forward

    def spy(ids, mask):
        widths.append(len(ids))
        return forward(ids, mask)

    predictor.forward = spy
    app = create_app(predictor, ServeSettings(max_batch_tokens=0))
    short = [t for t in texts if t and len(t) < 200][:6]
    with live_server(app) as url:
        widths.clear()  # the warm-up forward
        bodies = asyncio.run(_concurrent(url, [short[:3], short[3:]]))
        info = httpx.get(f"{url}/v1/model").json()
    assert info["batching"] is False and info["max_batch_tokens"] == 0
    assert widths == [1] * len(short)
    got = [r["entities"] for body in bodies for r in body["results"]]
    assert got == [reference.predict([t])[0] for t in short]
