"""The routes: entities for texts and words, model facts, health, metrics, OpenAPI and docs."""

from __future__ import annotations

import prometheus_client
from _serve_helpers import metric_value

from nerlab.inference import Predictor
from nerlab.serve.settings import CPU_BATCH_TOKENS, batch_budget


def test_entities_for_texts_match_the_predictor(make_client, reference: Predictor, texts) -> None:
    client = make_client(model_name="tiny")
    response = client.post("/v1/entities", json={"texts": texts})
    assert response.status_code == 200
    body = response.json()
    assert body["model"] == "tiny"
    assert [r["entities"] for r in body["results"]] == reference.predict(texts)
    for text, result in zip(texts, body["results"], strict=True):
        assert set(result) == {"entities"}
        for ent in result["entities"]:
            assert ent["text"] == text[ent["start"] : ent["end"]]
            assert set(ent) == {"start", "end", "label", "text", "score"}


def test_an_empty_text_is_valid_and_has_no_entities(make_client) -> None:
    client = make_client()
    response = client.post("/v1/entities", json={"texts": ["", "   "]})
    assert response.status_code == 200
    assert response.json()["results"] == [{"entities": []}, {"entities": []}]
    assert client.post("/v1/entities", json={"texts": []}).json()["results"] == []


def test_a_long_text_is_windowed_not_cut(make_client, reference: Predictor, texts) -> None:
    long_text = max(texts, key=len)
    assert len(reference.tokenizer(long_text)["input_ids"]) > reference.meta.max_length
    client = make_client()
    result = client.post("/v1/entities", json={"texts": [long_text]}).json()["results"][0]
    assert result["entities"] == reference.predict([long_text])[0]
    # Words near the end get tags too: an entity (or O) decision reaches the last word.
    tagged = reference.tag_texts([long_text])[0]
    assert len(tagged.tags) == len(tagged.words)


def test_words_get_one_tag_each_and_entities_with_offsets(
    make_client, reference: Predictor
) -> None:
    words = [["EU", "rejects", "German", "call"], [], ["Zoë", "visited", "São", "Paulo", "."]]
    client = make_client()
    body = client.post("/v1/entities", json={"words": words, "mode": "strict"}).json()
    reference.mode = "strict"
    try:
        expected = reference.tag_words(words)
    finally:
        reference.mode = "conlleval"
    for sentence, result, tagged in zip(words, body["results"], expected, strict=True):
        assert result["text"] == " ".join(sentence)
        assert result["tags"] == tagged.tags
        assert len(result["tags"]) == len(sentence)
        assert result["entities"] == tagged.entities
        for ent in result["entities"]:
            assert ent["text"] == result["text"][ent["start"] : ent["end"]]


def test_aggregation_and_mode_per_request(make_client, tagger_dir) -> None:
    texts = ["Angela Merkel visited Paris with EU officials ."]
    client = make_client()
    for aggregation in ("first", "average", "max"):
        for mode in ("conlleval", "strict"):
            ref = Predictor.load(
                tagger_dir,
                precision="fp32",
                aggregation=aggregation,
                mode=mode,
                token_budget=CPU_BATCH_TOKENS,
            )
            body = {"texts": texts, "aggregation": aggregation, "mode": mode}
            got = client.post("/v1/entities", json=body).json()["results"][0]["entities"]
            assert got == ref.predict(texts)[0], (aggregation, mode)
    # The server's defaults are back after a request that changed them.
    info = client.get("/v1/model").json()
    assert (info["aggregation"], info["mode"]) == ("first", "conlleval")


def test_model_facts(make_client) -> None:
    client = make_client(model_name="tiny", max_texts=7)
    info = client.get("/v1/model").json()
    assert info["name"] == "tiny"
    assert info["task"] == "token-classification"
    assert info["labels"][0] == "O" and len(info["labels"]) == 9
    assert info["entity_types"] == ["LOC", "MISC", "ORG", "PER"]
    assert info["max_length"] == 128
    assert (info["backend"], info["precision"]) == ("torch", "fp32")
    assert info["batching"] is True and info["max_batch_tokens"] == CPU_BATCH_TOKENS
    assert info["limits"]["max_texts"] == 7


def test_health_and_readiness(make_client) -> None:
    client = make_client()
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ready"}


def test_metrics_use_a_registry_of_their_own(make_client) -> None:
    client = make_client()
    client.post("/v1/entities", json={"texts": ["Angela Merkel visited Paris .", "Hi"]})
    client.post("/v1/entities", json={"texts": 3})
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    ok = {"route": "/v1/entities", "method": "POST", "status": "200"}
    bad = {"route": "/v1/entities", "method": "POST", "status": "422"}
    assert metric_value(text, "nerlab_requests_total", ok) == 1
    assert metric_value(text, "nerlab_requests_total", bad) == 1
    assert metric_value(text, "nerlab_texts_total") == 2
    assert metric_value(text, "nerlab_tokens_total") > 0
    assert metric_value(text, "nerlab_batch_texts_count") == 1
    assert metric_value(text, "nerlab_batch_tokens_count") == 1
    assert metric_value(text, "nerlab_queue_depth") == 0
    assert metric_value(text, "nerlab_requests_in_flight") == 0
    route = {"route": "/v1/entities", "le": "+Inf"}
    assert metric_value(text, "nerlab_request_duration_seconds_bucket", route) == 2
    # Nothing was registered in prometheus-client's process-wide default registry.
    assert not [m for m in prometheus_client.REGISTRY.collect() if m.name.startswith("nerlab")]


def test_two_apps_in_one_process_keep_separate_metrics(make_client) -> None:
    first, second = make_client(), make_client()
    first.post("/v1/entities", json={"texts": ["a"]})
    ok = {"route": "/v1/entities", "method": "POST", "status": "200"}
    assert metric_value(first.get("/metrics").text, "nerlab_requests_total", ok) == 1
    assert metric_value(second.get("/metrics").text, "nerlab_requests_total", ok) == 0


def test_openapi_schema_types_every_route(make_client) -> None:
    client = make_client()
    schema = client.get("/openapi.json").json()
    paths = schema["paths"]
    assert {"/v1/entities", "/v1/model", "/healthz", "/readyz", "/metrics"} <= set(paths)
    post = paths["/v1/entities"]["post"]
    assert post["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "EntitiesRequest"
    )
    assert {"200", "401", "413", "422", "429"} <= set(post["responses"])
    ref = post["responses"]["413"]["content"]["application/json"]["schema"]["$ref"]
    assert ref.endswith("ErrorBody")
    assert "/v1/classify" not in paths  # no text-classification task exists yet


def test_docs_and_page_work_offline(make_client) -> None:
    client = make_client()
    docs = client.get("/docs")
    assert docs.status_code == 200
    assert "/openapi.json" in docs.text
    assert "/static/swagger/swagger-ui-bundle.js" in docs.text
    for page in (docs.text, client.get("/").text):
        assert "cdn." not in page and "https://" not in page
    assert client.get("/static/swagger/swagger-ui-bundle.js").status_code == 200
    index = client.get("/")
    assert index.headers["content-type"].startswith("text/html")
    for asset in ("/static/page.js", "/static/page.css"):
        response = client.get(asset)
        assert response.status_code == 200
        assert "http://" not in response.text and "https://" not in response.text
    assert client.get("/static/../app.py").status_code == 404


def test_unknown_route_and_method_answer_json(make_client) -> None:
    client = make_client()
    missing = client.get("/v2/nothing")
    assert missing.status_code == 404
    assert missing.json()["error"] == "not_found"
    wrong = client.get("/v1/entities")
    assert wrong.status_code == 405
    assert wrong.json()["error"] == "method_not_allowed"


def test_the_default_batch_budget() -> None:
    assert batch_budget(None, 1024) == CPU_BATCH_TOKENS  # CPU: small batches of like lengths
    assert batch_budget(None, 128) == 128
    assert batch_budget(None, 8192) == 8192  # a GPU budget is kept
    assert batch_budget(512, 1024) == 512 and batch_budget(0, 1024) == 0


def test_a_context_model_reads_one_words_request_as_one_document(
    make_client, tagger_dir, tmp_path
) -> None:
    import json
    import shutil

    import numpy as np

    folder = tmp_path / "ctx"
    shutil.copytree(tagger_dir, folder)
    meta = json.loads((folder / "nerlab_config.json").read_text("utf-8"))
    meta["context"] = 16
    (folder / "nerlab_config.json").write_text(json.dumps(meta), "utf-8")
    words = [["EU", "rejects", "German", "call"], ["Peter", "Blackburn"], ["BRUSSELS", "1996"]]
    ctx = Predictor.load(folder, precision="fp32")
    one_doc = ctx.word_scores(words, documents=[0, 0, 0])
    alone = ctx.word_scores(words)
    assert any(not np.allclose(a, b) for a, b in zip(one_doc, alone, strict=True))  # it matters

    body = make_client(folder).post("/v1/entities", json={"words": words}).json()
    expected = ctx.tag_words(words, documents=[0, 0, 0])
    for result, tagged in zip(body["results"], expected, strict=True):
        assert result["tags"] == tagged.tags
        assert result["entities"] == tagged.entities
