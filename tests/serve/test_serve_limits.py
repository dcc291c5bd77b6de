"""Limits and security: 413, 422 with the field path, 429, 401, CORS, no tracebacks out."""

from __future__ import annotations

import json
import threading

import httpx
import pytest
from _serve_helpers import error_body, gated, live_server, load_predictor, overfill

from nerlab.serve import ServeSettings, create_app


def test_body_over_max_request_bytes_is_413(make_client) -> None:
    client = make_client(max_request_bytes=200)
    small = client.post("/v1/entities", json={"texts": ["a" * 100]})
    assert small.status_code == 200
    body = error_body(client.post("/v1/entities", json={"texts": ["a" * 300]}), 413, "body")
    assert body["error"] == "request_too_large"
    assert "--max-request-bytes" in body["message"]


def test_a_streamed_body_without_length_is_cut_at_the_limit(make_client) -> None:
    client = make_client(max_request_bytes=200)

    def chunks():  # no Content-Length: chunked transfer
        yield b'{"texts": ["'
        for _ in range(50):
            yield b"x" * 10
        yield b'"]}'

    response = client.post(
        "/v1/entities", content=chunks(), headers={"content-type": "application/json"}
    )
    error_body(response, 413, "body")


@pytest.mark.parametrize("kind", ["texts", "words"])
def test_more_inputs_than_max_texts_is_413_naming_the_field(make_client, kind: str) -> None:
    client = make_client(max_texts=3)
    item = "a" if kind == "texts" else ["a"]
    assert client.post("/v1/entities", json={kind: [item] * 3}).status_code == 200
    body = error_body(client.post("/v1/entities", json={kind: [item] * 4}), 413, kind)
    assert body["error"] == "too_many_texts"
    assert "--max-texts" in body["message"]


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (b'{"texts": ["ok", 3]}', "texts[1]"),
        (b'{"texts": "not a list"}', "texts"),
        (b'{"words": [["EU", null]]}', "words[0][1]"),
        (b'{"words": ["EU rejects"]}', "words[0]"),
        (b'{"texts": ["a"], "aggregation": "mean"}', "aggregation"),
        (b'{"texts": ["a"], "mode": 1}', "mode"),
        (b'{"texts": ["a"], "extra": true}', "extra"),
        (b'{"texts": ["\\ud800 lone surrogate"]}', "texts[0]"),
        (b'{"texts": ["a"]', "body"),
        (b"not json at all", "body"),
        (b'{"texts": ["\xff\xfe not utf-8"]}', "body"),
        (b"[1, 2]", "body"),
        (b"{}", "texts"),
        (b'{"texts": ["a"], "words": [["a"]]}', "texts"),
    ],
)
def test_malformed_or_wrongly_typed_input_is_422_with_the_field_path(
    make_client, raw: bytes, field: str
) -> None:
    client = make_client()
    response = client.post(
        "/v1/entities", content=raw, headers={"content-type": "application/json"}
    )
    body = error_body(response, 422, field)
    assert body["error"] == "invalid_request"
    assert body["message"]


def test_a_full_server_answers_429_and_recovers(tagger_dir) -> None:
    predictor = load_predictor(tagger_dir)
    app = create_app(predictor, ServeSettings(max_concurrent_requests=2))
    gate = threading.Event()
    with live_server(app) as url:
        # after the warm-up: hold every batch at the gate
        predictor.tag_texts = gated(predictor.tag_texts, gate)
        held, refused = overfill(url, "/v1/entities", gate)
        body = error_body(refused, 429, None)
        assert body["error"] == "too_many_requests"
        assert refused.headers["retry-after"] == "1"
        assert [r.status_code for r in held] == [200, 200]
        after = httpx.post(f"{url}/v1/entities", json={"texts": ["again"]}, timeout=30)
        assert after.status_code == 200


def test_api_key_is_required_everywhere_but_health_and_page_shells(make_client) -> None:
    client = make_client(api_key="s3cret")
    good = {"Authorization": "Bearer s3cret"}
    for path in ("/v1/model", "/metrics"):
        missing = client.get(path)
        error_body(missing, 401, "Authorization")
        assert missing.headers["www-authenticate"] == "Bearer"
        error_body(
            client.get(path, headers={"Authorization": "Bearer wrong"}), 401, "Authorization"
        )
        assert client.get(path, headers=good).status_code == 200
    payload = {"texts": ["Angela Merkel visited Paris ."]}
    error_body(client.post("/v1/entities", json=payload), 401, "Authorization")
    error_body(
        client.post("/v1/entities", json=payload, headers={"Authorization": "s3cret"}),
        401,
        "Authorization",
    )
    assert client.post("/v1/entities", json=payload, headers=good).status_code == 200
    # Open: health checks, and what a browser loads before it can send a key.
    for path in ("/healthz", "/readyz", "/", "/static/page.js", "/docs", "/openapi.json"):
        assert client.get(path).status_code == 200, path
    # The schema declares the key, so the docs page offers an Authorize button.
    schema = client.get("/openapi.json").json()
    assert schema["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert schema["paths"]["/v1/entities"]["post"]["security"] == [{"bearer": []}]
    assert "security" not in schema["paths"]["/healthz"]["get"]


def test_without_a_key_nothing_is_asked(make_client) -> None:
    client = make_client()
    assert client.get("/v1/model").status_code == 200
    assert "securitySchemes" not in client.get("/openapi.json").json().get("components", {})


def test_cors_is_off_unless_an_origin_is_given(make_client) -> None:
    origin = {"Origin": "http://example.test"}
    closed = make_client()
    response = closed.get("/v1/model", headers=origin)
    assert "access-control-allow-origin" not in response.headers
    preflight = {**origin, "Access-Control-Request-Method": "POST"}
    refused = closed.options("/v1/entities", headers=preflight)
    assert "access-control-allow-origin" not in refused.headers
    opened = make_client(cors_origins=("http://example.test",), api_key="k")
    answer = opened.options(
        "/v1/entities",
        headers={**preflight, "Access-Control-Request-Headers": "authorization,content-type"},
    )
    assert answer.status_code == 200  # the preflight needs no key
    assert answer.headers["access-control-allow-origin"] == "http://example.test"
    other = opened.get("/healthz", headers={"Origin": "http://evil.test"})
    assert "access-control-allow-origin" not in other.headers


def test_a_model_failure_is_500_json_without_a_traceback(tagger_dir) -> None:
    predictor = load_predictor(tagger_dir)
    app = create_app(predictor, ServeSettings())
    with live_server(app) as url:

        def broken(texts, **kwargs):
            raise RuntimeError("secret internal detail /home/user/model.py line 3")

        predictor.tag_texts = broken
        response = httpx.post(f"{url}/v1/entities", json={"texts": ["x"]}, timeout=30)
        body = error_body(response, 500, None)
        assert body["error"] == "internal_error"
        assert "secret" not in response.text and "RuntimeError" not in response.text
        assert httpx.get(f"{url}/healthz").status_code == 200  # the server lives on


def test_settings_reject_bad_values() -> None:
    from nerlab.errors import ConfigError

    for bad in (
        {"max_texts": 0},
        {"max_request_bytes": 0},
        {"max_concurrent_requests": 0},
        {"max_batch_tokens": -1},
        {"max_wait_ms": -1},
        {"api_key": "  "},
    ):
        with pytest.raises(ConfigError):
            ServeSettings(**bad)  # type: ignore[arg-type]
    assert json.loads(json.dumps(ServeSettings().cors_origins)) == []


def test_a_model_that_cannot_warm_up_is_not_ready(tagger_dir) -> None:
    from fastapi.testclient import TestClient

    predictor = load_predictor(tagger_dir)

    def broken(texts, **kwargs):
        raise RuntimeError("no kernel for this CPU")

    predictor.tag_texts = broken
    app = create_app(predictor, ServeSettings())
    with TestClient(app) as client:
        app.state.batcher.ready.wait(60)
        assert client.get("/healthz").status_code == 200
        readyz = client.get("/readyz")
        assert (readyz.status_code, readyz.json()) == (503, {"status": "failed"})
        body = error_body(client.post("/v1/entities", json={"texts": ["x"]}), 503, None)
        assert body["error"] == "model_failed" and "kernel" not in body["message"]
