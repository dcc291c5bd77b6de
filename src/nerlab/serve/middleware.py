"""ASGI middleware: request metrics, API-key check and the request-size limit.

They are plain ASGI callables rather than Starlette ``BaseHTTPMiddleware`` so that they see
every answer (also the 401 and 413 they give themselves), never buffer a response, and read a
body only as far as the limit allows.
"""

from __future__ import annotations

import hmac
import json
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from nerlab.serve.metrics import ServeMetrics

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# Reachable without the API key: the health checks, and what a browser must load before it can
# send a key (the page shell and its files, the API docs page and the schema it renders). They
# hold no model data and no results; the page and the docs then send the key themselves.
OPEN_PATHS = frozenset({"/healthz", "/readyz", "/", "/docs", "/openapi.json"})
OPEN_PREFIXES = ("/static/",)
ROUTES = frozenset({*OPEN_PATHS, "/metrics", "/v1/model", "/v1/entities", "/v1/classify"})


async def send_error(
    send: Send,
    status: int,
    error: str,
    message: str,
    field: str | None = None,
    headers: dict[str, str] | None = None,
) -> None:
    """Answer with the API's JSON error body (:class:`nerlab.serve.schemas.ErrorBody`)."""
    body = json.dumps({"error": error, "message": message, "field": field, "details": []})
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body.encode()})


def route_of(path: str) -> str:
    """The metrics label of a path: the route, or ``other`` (bounded label values)."""
    if path in ROUTES:
        return path
    return "/static/*" if path.startswith(OPEN_PREFIXES) else "other"


class RequestMetrics:
    """Counts every answer by route, method and status, and times it."""

    def __init__(self, app: ASGIApp, metrics: ServeMetrics):
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            route = route_of(scope["path"])
            method = scope["method"] if scope["method"] in {"GET", "POST", "HEAD"} else "other"
            self.metrics.requests.labels(route, method, str(status)).inc()
            self.metrics.latency.labels(route).observe(time.perf_counter() - start)


class BearerAuth:
    """Requires ``Authorization: Bearer <key>`` everywhere but :data:`OPEN_PATHS` (401)."""

    def __init__(self, app: ASGIApp, api_key: str):
        self.app = app
        self.expected = f"Bearer {api_key}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or path in OPEN_PATHS or path.startswith(OPEN_PREFIXES):
            await self.app(scope, receive, send)
            return
        given = dict(scope["headers"]).get(b"authorization", b"")
        if hmac.compare_digest(given, self.expected):
            await self.app(scope, receive, send)
            return
        reason = "wrong API key" if given else "this server needs an API key"
        await send_error(
            send,
            401,
            "unauthorized",
            f"{reason}: send the header 'Authorization: Bearer <key>'",
            field="Authorization",
            headers={"WWW-Authenticate": "Bearer"},
        )


class BodyLimit:
    """Answers 413 to a body over ``max_bytes``, declared or streamed (chunked uploads too).

    The body is read here, up to one byte past the limit, and replayed to the app: FastAPI
    would read it whole anyway, and reading it first means an oversized one is never parsed.
    """

    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in {"GET", "HEAD", "OPTIONS"}:
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._reject(send, int(declared))
            return
        chunks: list[bytes] = []
        seen = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > self.max_bytes:
                await self._reject(send, seen)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()  # after the body: wait for the disconnect, as ASGI does

        await self.app(scope, replay, send)

    async def _reject(self, send: Send, size: int) -> None:
        await send_error(
            send,
            413,
            "request_too_large",
            f"the request body has {size} bytes or more; this server accepts at most "
            f"{self.max_bytes} (--max-request-bytes): send fewer or shorter texts per request",
            field="body",
        )
