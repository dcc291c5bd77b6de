"""`POST /v1/classify` for text classifiers: results identical to `nerlab predict`, top_k,
batching across requests, limits (413/422/429), auth, metrics, the other task's route refused,
the schema (schemathesis), and the web page's bars in a real browser."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from _serve_helpers import (
    client_for,
    error_body,
    gated,
    live_server,
    load_predictor,
    metric_value,
    overfill,
)

from _browser import chromium, open_local_page
from _tiny import build_tiny_classifier
from nerlab.cli.main import run_cli
from nerlab.data.demo import load_demo_texts
from nerlab.inference import Predictor
from nerlab.serve import ServeSettings, create_app
from nerlab.serve.settings import CPU_BATCH_TOKENS

LONG_TEXT = " ".join(["i was so scared when the lights went out"] * 30)  # > 128 sub-tokens


@pytest.fixture(scope="module")
def texts() -> list[str]:
    """Demo test texts plus an empty one, a long one and non-ASCII ones."""
    return [*load_demo_texts("test").texts[:30], "", LONG_TEXT, "Zoë 🙂 était très surprise"]


@pytest.fixture(scope="module")
def multi_dir(tiny_encoder_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("serve-multi") / "multi"
    return build_tiny_classifier(folder, ["news", "sport", "tech"], True, tiny_encoder_dir)


@pytest.fixture
def make_client(classifier_dir: Path) -> Iterator[Callable[..., Any]]:
    """``make_client(folder=None, **settings)``: a ready test client over a fresh classifier."""
    with ExitStack() as stack:

        def make(folder: Path | None = None, **settings: Any) -> Any:
            settings.setdefault("model_name", "emo")
            app = create_app(load_predictor(folder or classifier_dir), ServeSettings(**settings))
            return stack.enter_context(client_for(app))

        yield make


def _predict_cli(
    folder: Path, texts: list[str], tmp_path: Path, *extra: str
) -> list[dict[str, Any]]:
    """``nerlab predict`` as the server runs the model: fp32, the server's batch budget."""
    path, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    path.write_text("".join(json.dumps({"text": t}) + "\n" for t in texts), encoding="utf-8")
    argv = ["predict", str(folder), str(path), "-o", str(out), "--precision", "fp32"]
    assert run_cli([*argv, "--token-budget", str(CPU_BATCH_TOKENS), *extra]) == 0
    records = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    return [{k: r[k] for k in ("label", "score", "labels", "scores")} for r in records]


# --- results --------------------------------------------------------------------------------


def test_results_equal_nerlab_predict(
    make_client: Callable[..., Any],
    classifier_dir: Path,
    texts: list[str],
    tmp_path: Path,
) -> None:
    client = make_client()
    response = client.post("/v1/classify", json={"texts": texts})
    assert response.status_code == 200
    body = response.json()
    assert body["model"] == "emo"
    assert body["results"] == _predict_cli(classifier_dir, texts, tmp_path)
    for result in body["results"]:
        assert set(result) == {"label", "score", "labels", "scores"}
        assert len(result["scores"]) == 6 and result["labels"] == [result["label"]]
    top2 = client.post("/v1/classify", json={"texts": texts, "top_k": 2}).json()["results"]
    assert top2 == _predict_cli(classifier_dir, texts, tmp_path, "--top-k", "2")
    assert all(len(r["scores"]) == 2 for r in top2)
    assert client.post("/v1/classify", json={"texts": []}).json()["results"] == []


def test_a_multi_label_model(
    make_client: Callable[..., Any], multi_dir: Path, texts: list[str], tmp_path: Path
) -> None:
    client = make_client(multi_dir)
    info = client.get("/v1/model").json()
    assert info["task"] == "text-classification" and info["multi_label"] is True
    assert info["labels"] == ["news", "sport", "tech"] and info["entity_types"] == []
    results = client.post("/v1/classify", json={"texts": texts[:8]}).json()["results"]
    assert results == _predict_cli(multi_dir, texts[:8], tmp_path)


def test_concurrent_requests_share_batches_and_keep_their_top_k(
    classifier_dir: Path, texts: list[str]
) -> None:
    predictor = load_predictor(classifier_dir)
    app = create_app(predictor, ServeSettings(model_name="emo", max_wait_ms=200))
    reference = Predictor.load(classifier_dir, precision="fp32")
    with live_server(app) as url:

        async def scenario() -> list[httpx.Response]:
            async with httpx.AsyncClient(base_url=url, timeout=60) as client:
                return list(
                    await asyncio.gather(
                        *(
                            client.post("/v1/classify", json={"texts": [t], "top_k": 1 + i % 3})
                            for i, t in enumerate(texts[:12])
                        )
                    )
                )

        answers = asyncio.run(scenario())
        metrics = httpx.get(f"{url}/metrics").text
    for i, (text, answer) in enumerate(zip(texts[:12], answers, strict=True)):
        assert answer.status_code == 200
        (result,) = answer.json()["results"]
        expected = reference.classify([text], top_k=1 + i % 3)[0]
        assert result["label"] == expected["label"]
        assert list(result["scores"]) == list(expected["scores"])
        assert result["score"] == pytest.approx(expected["score"], abs=1e-6)
    assert metric_value(metrics, "nerlab_texts_total") == 12
    batches = metric_value(metrics, "nerlab_batch_texts_count")
    assert 1 <= batches < 12  # some requests were answered by one forward call together
    route = {"route": "/v1/classify", "method": "POST", "status": "200"}
    assert metric_value(metrics, "nerlab_requests_total", route) == 12


# --- the other task, the schema ------------------------------------------------------------


def test_entities_on_a_classifier_and_classify_on_a_tagger_are_404(
    make_client: Callable[..., Any], tagger_dir: Path
) -> None:
    client = make_client()
    body = error_body(client.post("/v1/entities", json={"texts": ["hi"]}), 404, None)
    assert body["error"] == "wrong_task"
    assert "text-classification model" in body["message"] and "/v1/classify" in body["message"]
    tagger = make_client(tagger_dir)
    body = error_body(tagger.post("/v1/classify", json={"texts": ["hi"]}), 404, None)
    assert body["error"] == "wrong_task"
    assert "token-classification model" in body["message"] and "/v1/entities" in body["message"]
    assert tagger.get("/v1/model").json()["task"] == "token-classification"


def test_the_schema_offers_the_models_route(make_client: Callable[..., Any]) -> None:
    client = make_client(max_texts=7)
    schema = client.get("/openapi.json").json()
    assert "/v1/classify" in schema["paths"] and "/v1/entities" not in schema["paths"]
    request = schema["components"]["schemas"]["ClassifyRequest"]["properties"]
    assert request["texts"]["maxItems"] == 7
    assert client.get("/v1/model").json()["task"] == "text-classification"


def test_schemathesis_finds_nothing(classifier_dir: Path) -> None:
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from schemathesis import GenerationMode
    from schemathesis.config._checks import NEGATIVE_DATA_REJECTION_EXPECTED_STATUSES

    limits = ServeSettings(model_name="emo", max_texts=16, max_request_bytes=20_000)
    statuses = [*NEGATIVE_DATA_REJECTION_EXPECTED_STATUSES, "413"]
    config = schemathesis.Config.from_dict(
        {"checks": {"negative_data_rejection": {"expected-statuses": statuses}}}
    )
    with live_server(create_app(load_predictor(classifier_dir), limits)) as url:
        schema = schemathesis.openapi.from_url(f"{url}/openapi.json", config=config)
        operation = schema["/v1/classify"]["POST"]
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(
                max_examples=40,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def check(case: schemathesis.Case) -> None:
                case.call_and_validate(base_url=url, timeout=60)

            check()


# --- limits, auth --------------------------------------------------------------------------


def test_limits_are_those_of_entities(make_client: Callable[..., Any]) -> None:
    client = make_client(max_texts=3, max_request_bytes=400)
    assert client.post("/v1/classify", json={"texts": ["a"] * 3}).status_code == 200
    body = error_body(client.post("/v1/classify", json={"texts": ["a"] * 4}), 413, "texts")
    assert body["error"] == "too_many_texts" and "--max-texts" in body["message"]
    body = error_body(client.post("/v1/classify", json={"texts": ["a" * 500]}), 413, "body")
    assert body["error"] == "request_too_large"
    error_body(client.post("/v1/classify", json={"texts": ["a"], "top_k": 0}), 422, "top_k")
    error_body(client.post("/v1/classify", json={"texts": "a"}), 422, "texts")
    error_body(client.post("/v1/classify", json={"texts": [3]}), 422, "texts[0]")
    error_body(client.post("/v1/classify", json={}), 422, "texts")
    error_body(client.post("/v1/classify", json={"texts": ["a"], "mode": "strict"}), 422, "mode")
    surrogate = b'{"texts": ["ok", "\\ud800"]}'
    headers = {"content-type": "application/json"}
    error_body(client.post("/v1/classify", content=surrogate, headers=headers), 422, "texts[1]")


def test_a_full_server_answers_429(classifier_dir: Path) -> None:
    predictor = load_predictor(classifier_dir)
    app = create_app(predictor, ServeSettings(max_concurrent_requests=2))
    gate = threading.Event()
    with live_server(app) as url:
        # after the warm-up: hold every batch at the gate
        predictor.classify = gated(predictor.classify, gate)  # type: ignore[method-assign]
        held, refused = overfill(url, "/v1/classify", gate)
    assert error_body(refused, 429, None)["error"] == "too_many_requests"
    assert refused.headers["retry-after"] == "1"
    assert [r.status_code for r in held] == [200, 200]


def test_the_api_key_guards_classify(make_client: Callable[..., Any]) -> None:
    client = make_client(api_key="s3cret")
    body = error_body(client.post("/v1/classify", json={"texts": ["hi"]}), 401, "Authorization")
    assert body["error"] == "unauthorized"
    wrong = {"Authorization": "Bearer nope"}
    error_body(
        client.post("/v1/classify", json={"texts": ["hi"]}, headers=wrong), 401, "Authorization"
    )
    good = {"Authorization": "Bearer s3cret"}
    answer = client.post("/v1/classify", json={"texts": ["hi"]}, headers=good)
    assert answer.status_code == 200 and answer.json()["results"][0]["label"]
    # The wrong-task route is behind the key too: nothing about the model without it.
    error_body(client.post("/v1/entities", json={"texts": ["hi"]}), 401, "Authorization")


# --- the web page ---------------------------------------------------------------------------


def test_the_page_shows_a_bar_per_class(classifier_dir: Path, tmp_path: Path) -> None:
    text = "i was so scared when the lights went out"
    reference = Predictor.load(classifier_dir, precision="fp32", token_budget=CPU_BATCH_TOKENS)
    expected = reference.classify([text])[0]
    app = create_app(load_predictor(classifier_dir), ServeSettings(model_name="emo"))
    foreign: list[str] = []
    with live_server(app) as url, chromium() as browser:
        page = open_local_page(browser, url, foreign)
        page.wait_for_function("() => document.getElementById('tag').textContent === 'Classify'")
        legend = page.eval_on_selector_all("#legend .chip", "cs => cs.map(c => c.textContent)")
        assert legend == reference.labels
        page.fill("#text", text)
        page.click("#tag")
        page.wait_for_function(
            "() => document.getElementById('status').textContent === '1 text(s) classified'"
        )
        assert page.locator(".doc-text").inner_text() == text
        bars = page.eval_on_selector_all(
            ".bar",
            "bs => bs.map(b => [b.dataset.label, Number(b.dataset.score), b.className,"
            " b.querySelector('.bar-value').textContent,"
            " b.querySelector('.bar-fill').getBoundingClientRect().width /"
            " b.querySelector('.bar-track').clientWidth])",
        )
        assert [b[0] for b in bars] == list(expected["scores"])  # one per class, best first
        for (label, score, kind, shown, width), want in zip(
            bars, expected["scores"].items(), strict=True
        ):
            assert (label, score) == pytest.approx(want)
            assert shown == f"{want[1]:.3f}"
            assert width == pytest.approx(want[1], abs=0.01)  # the bar's length is the score
            assert kind == ("bar predicted" if label == expected["label"] else "bar")
        rows = page.eval_on_selector_all(
            "#entities tbody tr", "rs => rs.map(r => Array.from(r.cells).map(c => c.textContent))"
        )
        assert rows == [["1", text, expected["label"], f"{expected['score']:.3f}"]]
        shot = tmp_path / "classifier-page.png"
        page.screenshot(path=str(shot), full_page=True)
        page.context.close()
    assert shot.stat().st_size > 10_000
    assert foreign == [], f"the page asked for outside resources: {foreign}"
    print(f"screenshot: {shot}")
