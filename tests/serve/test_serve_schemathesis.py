"""schemathesis against the OpenAPI schema of a real server: generated requests (valid and
invalid) never get a 5xx, and every answer matches the schema (status code, content type,
headers, body).

A small ``max_texts``/``max_request_bytes`` makes the limits part of what is explored: the
schema states ``maxItems``, and the server answers a longer list with 413 (as the issue asks)
rather than 422, so 413 is added to the statuses that count as rejecting invalid data.
schemathesis' own pytest decorator (``schema.parametrize``) does not run on pytest 9 (it reads a
private pytest attribute), so each operation's case strategy is driven with Hypothesis here.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from _serve_helpers import live_server, load_predictor
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.config._checks import NEGATIVE_DATA_REJECTION_EXPECTED_STATUSES

from nerlab.serve import ServeSettings, create_app

OPERATIONS = [
    ("POST", "/v1/entities"),
    ("GET", "/v1/model"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/metrics"),
]


@pytest.fixture(scope="module")
def api_url(tagger_dir: Path) -> Iterator[str]:
    limits = ServeSettings(model_name="tiny", max_texts=16, max_request_bytes=20_000)
    with live_server(create_app(load_predictor(tagger_dir), limits)) as url:
        yield url


@pytest.fixture(scope="module")
def api_schema(api_url: str) -> schemathesis.BaseSchema:
    statuses = [*NEGATIVE_DATA_REJECTION_EXPECTED_STATUSES, "413"]
    config = schemathesis.Config.from_dict(
        {"checks": {"negative_data_rejection": {"expected-statuses": statuses}}}
    )
    return schemathesis.openapi.from_url(f"{api_url}/openapi.json", config=config)


def test_the_schema_lists_exactly_these_operations(api_schema: schemathesis.BaseSchema) -> None:
    found = {(op.ok().method.upper(), op.ok().path) for op in api_schema.get_all_operations()}
    assert found == set(OPERATIONS)


# Valid and invalid requests for the one operation with a body; the GET routes take no
# parameters, so there is no invalid request to make for them.
RUNS = [
    ("POST", "/v1/entities", GenerationMode.POSITIVE),
    ("POST", "/v1/entities", GenerationMode.NEGATIVE),
    *((method, path, GenerationMode.POSITIVE) for method, path in OPERATIONS[1:]),
]


@pytest.mark.parametrize(("method", "path", "mode"), RUNS)
def test_api_conforms_to_its_schema(
    api_schema: schemathesis.BaseSchema,
    api_url: str,
    method: str,
    path: str,
    mode: GenerationMode,
) -> None:
    operation = api_schema[path][method]
    examples = 80 if method == "POST" else 10

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def check(case: schemathesis.Case) -> None:
        case.call_and_validate(base_url=api_url, timeout=60)

    check()


def test_a_server_with_a_key_conforms_and_enforces_it(tagger_dir: Path) -> None:
    """With an API key the schema declares bearer auth; schemathesis sends the key, and its
    ``ignored_auth`` check also replays requests without it, expecting 401."""
    keyed_settings = ServeSettings(model_name="tiny", max_texts=16, api_key="k3y")
    with live_server(create_app(load_predictor(tagger_dir), keyed_settings)) as url:
        keyed = schemathesis.openapi.from_url(f"{url}/openapi.json")
        for method, path in OPERATIONS:
            operation = keyed[path][method]

            @given(case=operation.as_strategy())
            @settings(
                max_examples=15,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            def check(case: schemathesis.Case) -> None:
                case.call_and_validate(
                    base_url=url, headers={"Authorization": "Bearer k3y"}, timeout=60
                )

            check()
