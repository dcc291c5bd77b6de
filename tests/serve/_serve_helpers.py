"""Helpers shared by the server tests (a plain module: conftest files are not importable
reliably, several share the name ``conftest``)."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from nerlab.inference import Predictor

if TYPE_CHECKING:
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

READY_TIMEOUT_S = 60.0
ERROR_KEYS = {"error", "message", "field", "details"}


def load_predictor(folder: Path) -> Predictor:
    """A fresh Predictor (an app owns its Predictor: it sets the token budget)."""
    return Predictor.load(folder, precision="fp32")


@contextmanager
def client_for(app: FastAPI) -> Iterator[TestClient]:
    """A test client with the app's lifespan running and the warm-up forward done."""
    from fastapi.testclient import TestClient

    with TestClient(app) as client:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while client.get("/readyz").status_code != 200:
            assert time.monotonic() < deadline, "the app never became ready"
            time.sleep(0.02)
        yield client


def loopback_socket() -> socket.socket:
    """A listening socket on 127.0.0.1 at a free port (bound first: no port race)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    return sock


@contextmanager
def live_server(app: FastAPI) -> Iterator[str]:
    """Run ``app`` with uvicorn on 127.0.0.1 in a thread; yields its base URL; stops it."""
    import uvicorn

    sock = loopback_socket()
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=10)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while True:
            assert thread.is_alive(), "the server thread died while starting"
            assert time.monotonic() < deadline, "the server never became ready"
            if server.started and httpx.get(f"{url}/readyz").status_code == 200:
                break
            time.sleep(0.05)
        yield url
    finally:
        server.should_exit = True
        thread.join(30)
        sock.close()


def metric_value(text: str, name: str, labels: dict[str, str] | None = None) -> float:
    """The value of one sample in Prometheus text output (0 when the series is absent)."""
    wanted = labels or {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in wanted.items()):
                return float(sample.value)
    return 0.0


def error_body(response: httpx.Response, status: int, field: str | None) -> dict[str, Any]:
    """The JSON body of an error answer, checked: the status, the four keys, the field named
    and no traceback leaked."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == ERROR_KEYS and body["field"] == field
    assert "Traceback" not in response.text
    return body


def gated(run: Callable[..., Any], gate: threading.Event) -> Callable[..., Any]:
    """``run`` (a Predictor method) that first waits for ``gate`` (at most 30 s): installed
    after the warm-up, it holds every batch until the test opens the gate."""

    def wait_then_run(texts: list[str], **kwargs: Any) -> Any:
        gate.wait(30)
        return run(texts, **kwargs)

    return wait_then_run


def overfill(
    url: str, route: str, gate: threading.Event
) -> tuple[list[httpx.Response], httpx.Response]:
    """Against a server that admits two requests at a time and holds its batches at ``gate``:
    two requests to ``route`` held in flight, then a third one, then the gate opened. Returns
    the two held answers and the third."""

    async def scenario() -> tuple[list[httpx.Response], httpx.Response]:
        async with httpx.AsyncClient(base_url=url, timeout=30) as client:
            held = [
                asyncio.create_task(client.post(route, json={"texts": [f"t{i}"]})) for i in range(2)
            ]
            for _ in range(600):  # until both are admitted (bounded: 600 x 10 ms)
                metrics = (await client.get("/metrics")).text
                if metric_value(metrics, "nerlab_requests_in_flight") == 2:
                    break
                await asyncio.sleep(0.01)
            refused = await client.post(route, json={"texts": ["third"]})
            gate.set()
            return list(await asyncio.gather(*held)), refused

    return asyncio.run(scenario())
