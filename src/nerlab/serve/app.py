"""The HTTP app: a thin FastAPI adapter over a loaded :class:`~nerlab.inference.Predictor`.

Routes: ``POST /v1/entities`` (a tagger) or ``POST /v1/classify`` (a text classifier),
``GET /v1/model``, ``/healthz``, ``/readyz``, ``/metrics``, ``/openapi.json`` with ``/docs``, and
the web page at ``/``. The route of the other task answers 404 ``wrong_task`` naming the model's
task and the route to use; the OpenAPI schema lists only the model's own route. The model runs
in the :class:`~nerlab.serve.batcher.Batcher`'s worker thread; handlers only check input, admit or
refuse, queue and await. Every error is the JSON :class:`~nerlab.serve.schemas.ErrorBody`
(never a traceback).

Example:
    >>> from fastapi.testclient import TestClient
    >>> app = create_app(Predictor.load("runs/demo"), ServeSettings(model_name="demo"))
    >>> with TestClient(app) as client:
    ...     client.post("/v1/entities", json={"texts": ["Angela Merkel visited Paris."]}).json()
    {'model': 'demo', 'results': [{'entities': [{'start': 0, 'end': 13, 'label': 'PER', ...
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from nerlab.serve.batcher import Batcher
from nerlab.serve.metrics import ServeMetrics
from nerlab.serve.middleware import OPEN_PATHS, BearerAuth, BodyLimit, RequestMetrics
from nerlab.serve.page import add_page_routes
from nerlab.serve.schemas import (
    ClassifyRequest,
    ClassifyResponse,
    EntitiesRequest,
    EntitiesResponse,
    ErrorBody,
    Limits,
    ModelInfo,
    Status,
)
from nerlab.serve.settings import ServeSettings, batch_budget

if TYPE_CHECKING:
    from nerlab.inference import Predictor
    from nerlab.tasks.text_classification import Classification
    from nerlab.tasks.token_classification import Tagged

log = logging.getLogger("nerlab.serve")
TEXT_TASK = "text-classification"


def _error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {code: {"model": ErrorBody, "description": _REASONS[code]} for code in codes}


_REASONS = {
    401: "Missing or wrong API key (only when the server has one).",
    413: "Request body over --max-request-bytes, or more inputs than --max-texts.",
    422: "Malformed JSON, a wrong type or an unknown field (`field` names it).",
    429: "The server is at --max-concurrent-requests; retry after Retry-After seconds.",
    503: "The model could not run its warm-up forward.",
}


class ApiError(Exception):
    """An error answer: HTTP status, short code, message and the field at fault."""

    def __init__(
        self,
        status: int,
        error: str,
        message: str,
        field: str | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.status, self.error, self.message = status, error, message
        self.field, self.headers = field, headers


def create_app(predictor: Predictor, settings: ServeSettings | None = None) -> FastAPI:
    """Build the app around a loaded Predictor (the server owns it from now on).

    With batching on, the app sets ``predictor.token_budget`` to the batch budget, so a batch
    is one forward call: ``settings.max_batch_tokens``, or by default
    :data:`~nerlab.serve.settings.CPU_BATCH_TOKENS` for a Predictor with a CPU budget (a GPU
    one keeps its own). Starting the app (its lifespan) starts the batching thread and a
    warm-up forward; ``/readyz`` answers 200 once that is done.

    Args:
        predictor: the model, loaded with :meth:`~nerlab.inference.Predictor.load`.
        settings: batching, limits and security (default: :class:`ServeSettings` defaults).

    Returns:
        The FastAPI app; run it with uvicorn (``nerlab serve`` does) or a test client.
    """
    settings = settings or ServeSettings()
    budget = batch_budget(settings.max_batch_tokens, predictor.token_budget)
    if budget:
        predictor.token_budget = budget
    metrics = ServeMetrics()
    batcher = Batcher(
        predictor, max_batch_tokens=budget, max_wait_ms=settings.max_wait_ms, metrics=metrics
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        batcher.start()
        try:
            yield
        finally:  # uvicorn has waited for the requests in flight; finish any queued work
            await asyncio.to_thread(batcher.stop, settings.graceful_timeout_s)

    app = FastAPI(
        title="nerlab",
        summary="Named-entity recognition with a fine-tuned transformer encoder.",
        description="Tag raw texts or pre-split words; batched across concurrent requests.",
        version=_version(),
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.batcher = batcher
    app.state.metrics = metrics
    app.state.settings = settings
    _add_error_handlers(app)
    run = _runner(settings, batcher, metrics)
    if predictor.task.name == TEXT_TASK:
        _add_classify_route(app, settings, run)
        _add_wrong_task_route(app, "/v1/entities", predictor, "/v1/classify")
    else:
        _add_entities_route(app, settings, run)
        _add_wrong_task_route(app, "/v1/classify", predictor, "/v1/entities")
    _add_status_routes(app, predictor, settings, batcher, metrics)
    add_page_routes(app)
    _add_middleware(app, settings, metrics)
    _document_settings(app, settings)
    return app


def _document_settings(app: FastAPI, settings: ServeSettings) -> None:
    """Put this server's limits (and its API key, if any) into the OpenAPI schema, so clients
    and the docs page see them (the key gives the docs page an Authorize button)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            schemas = schema["components"]["schemas"]
            requests = {"EntitiesRequest": ("texts", "words"), "ClassifyRequest": ("texts",)}
            for model, names in requests.items():
                for name in names if model in schemas else ():
                    schemas[model]["properties"][name]["maxItems"] = settings.max_texts
            if settings.api_key:
                schemes = schema["components"].setdefault("securitySchemes", {})
                schemes["bearer"] = {"type": "http", "scheme": "bearer"}
                for path, operations in schema.get("paths", {}).items():
                    if path not in OPEN_PATHS:
                        for operation in operations.values():
                            operation["security"] = [{"bearer": []}]
        return app.openapi_schema  # type: ignore[return-value]

    app.openapi = openapi  # type: ignore[method-assign]


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("nerlab")
    except PackageNotFoundError:
        return "0"


Runner = Callable[..., Awaitable[list[Any]]]


def _runner(settings: ServeSettings, batcher: Batcher, metrics: ServeMetrics) -> Runner:
    """The shared body of the model routes: admit (or 429), check the model, queue, await.

    One counter of admitted requests serves every route, so ``--max-concurrent-requests``
    bounds the server whichever route the requests use.
    """
    admitted = 0

    async def run(
        kind: str, items: list[Any], aggregation: str | None = None, mode: str | None = None
    ) -> list[Any]:
        nonlocal admitted
        if admitted >= settings.max_concurrent_requests:
            raise ApiError(
                429,
                "too_many_requests",
                f"the server is busy ({settings.max_concurrent_requests} requests in flight, "
                "--max-concurrent-requests); retry shortly",
                headers={"Retry-After": "1"},
            )
        if batcher.failed is not None or not batcher.alive:
            raise ApiError(
                503, "model_failed", "the model cannot run here (the server log says why)"
            )
        if not items:
            return []
        admitted += 1
        metrics.in_flight.inc()
        try:
            return await batcher.submit(kind, items, aggregation, mode)  # type: ignore[arg-type]
        finally:
            admitted -= 1
            metrics.in_flight.dec()

    return run


Handler = Callable[..., Awaitable[Response]]


def _model_route(
    app: FastAPI, path: str, response_model: type[Any], summary: str
) -> Callable[[Handler], Handler]:
    """The decorator of a model route: ``POST path``, its answer's schema, and the errors every
    model route may answer (auth, limits, a full server, a failed model)."""
    return app.post(
        path,
        response_model=response_model,
        responses=_error_responses(401, 413, 422, 429, 503),
        summary=summary,
    )


def _answer(settings: ServeSettings, results: list[dict[str, Any]]) -> JSONResponse:
    """A model route's answer: the model's name and one result per input, in input order."""
    return JSONResponse({"model": settings.model_name, "results": results})


def _add_entities_route(app: FastAPI, settings: ServeSettings, run: Runner) -> None:
    """``POST /v1/entities``: check, admit (or 429), queue, await, answer."""

    summary = "Entities in raw texts, or tags and entities of pre-split words"

    @_model_route(app, "/v1/entities", EntitiesResponse, summary)
    async def entities(body: EntitiesRequest) -> Response:
        """Give ``texts`` (raw strings) or ``words`` (one list of words per sentence).

        Every entity's ``text`` equals ``input[start:end]``; long inputs are windowed, never
        cut. For ``words`` the offsets refer to the words joined by single spaces, returned
        as ``text``, and ``tags`` holds one tag per word. A model trained with document
        context reads the sentences of one ``words`` request as one document, in order (and
        each text of ``texts`` as one).
        """
        kind, items = _inputs(body, settings.max_texts)
        tagged = await run(kind, items, body.aggregation, body.mode)
        return _answer(settings, [_result(t, kind) for t in tagged])


def _add_classify_route(app: FastAPI, settings: ServeSettings, run: Runner) -> None:
    """``POST /v1/classify``: the classes of texts, batched like ``/v1/entities``."""

    summary = "The classes of raw texts, with every class's probability"

    @_model_route(app, "/v1/classify", ClassifyResponse, summary)
    async def classify(body: ClassifyRequest) -> Response:
        """Give ``texts``; each gets its most probable class (``label``, ``score``), its
        predicted classes (``labels``: several, or none, for a multi-label model) and
        ``scores``: class -> probability, most probable first (all classes, or ``top_k``).
        """
        _check_count("texts", body.texts, settings.max_texts)
        found = await run("classify", body.texts)
        return _answer(settings, [_top(c, body.top_k) for c in found])


def _top(found: Classification, top_k: int | None) -> dict[str, Any]:
    """A classification with only its ``top_k`` best scores (they come most probable first,
    as ``Predictor.classify(texts, top_k=top_k)`` gives them)."""
    if top_k is None:
        return dict(found)
    return {**found, "scores": dict(list(found["scores"].items())[:top_k])}


def _add_wrong_task_route(app: FastAPI, path: str, predictor: Predictor, route: str) -> None:
    """The other task's route: 404 ``wrong_task`` naming this model's task. It is not in the
    schema (the server does not offer it) and reads no body."""
    task = predictor.task.name
    wanted = TEXT_TASK if path == "/v1/classify" else "token-classification (NER)"
    labels = ", ".join(predictor.meta.labels[:10])

    @app.post(path, include_in_schema=False)
    async def wrong_task() -> Response:
        raise ApiError(
            404,
            "wrong_task",
            f"{path} is for {wanted} models, and this server's model is a {task} model "
            f"(labels: {labels}); use POST {route}",
        )


def _add_status_routes(
    app: FastAPI,
    predictor: Predictor,
    settings: ServeSettings,
    batcher: Batcher,
    metrics: ServeMetrics,
) -> None:
    """``/v1/model``, ``/healthz``, ``/readyz`` and ``/metrics``."""
    info = _model_info(predictor, settings, batcher.max_batch_tokens)

    @app.get(
        "/v1/model",
        response_model=ModelInfo,
        responses=_error_responses(401),
        summary="The served model",
    )
    async def model() -> ModelInfo:
        """The served model: name, task, labels, maximum length, precision, backend."""
        return info

    @app.get("/healthz", response_model=Status, summary="The process is up")
    async def healthz() -> Status:
        """Always 200 while the process serves (no API key needed)."""
        return Status(status="ok")

    @app.get(
        "/readyz",
        response_model=Status,
        responses={503: {"model": Status, "description": "Still loading, or failed."}},
        summary="The model is loaded and a warm-up forward is done",
    )
    async def readyz() -> Response:
        """200 once the warm-up forward has run; 503 before (or if it failed)."""
        if batcher.failed is not None:
            return JSONResponse({"status": "failed"}, status_code=503)
        if not batcher.ready.is_set():
            return JSONResponse({"status": "loading"}, status_code=503)
        return JSONResponse({"status": "ready"})

    @app.get(
        "/metrics",
        response_class=Response,
        responses={
            200: {"content": {"text/plain": {"schema": {"type": "string"}}}},
            **_error_responses(401),
        },
        summary="Prometheus metrics",
    )
    async def prometheus() -> Response:
        """Requests by route and status, latency, batch sizes, queue depth, texts, tokens."""
        body, content_type = metrics.render()
        return Response(body, media_type=content_type)


def _inputs(body: EntitiesRequest, max_texts: int) -> tuple[str, list[Any]]:
    """``("texts"|"words", items)`` of a request, checked against the limits."""
    given = [name for name in ("texts", "words") if getattr(body, name) is not None]
    if len(given) != 1:
        raise ApiError(
            422,
            "invalid_request",
            "give exactly one of 'texts' (raw strings) and 'words' (lists of words)"
            + (", not both" if given else ""),
            field="texts",
        )
    kind = given[0]
    items = getattr(body, kind)
    _check_count(kind, items, max_texts)
    return kind, items


def _check_count(kind: str, items: list[Any], max_texts: int) -> None:
    """413 for more inputs than ``--max-texts``."""
    if len(items) > max_texts:
        raise ApiError(
            413,
            "too_many_texts",
            f"'{kind}' has {len(items)} items; this server takes at most {max_texts} per "
            "request (--max-texts): split them over several requests",
            field=kind,
        )


def _result(tagged: Tagged, kind: str) -> dict[str, Any]:
    if kind == "texts":
        return {"entities": tagged.entities}
    return {"entities": tagged.entities, "text": tagged.text, "tags": tagged.tags}


def _model_info(predictor: Predictor, settings: ServeSettings, budget: int) -> ModelInfo:
    meta = predictor.meta
    classifier = predictor.task.name == TEXT_TASK
    types = sorted({lab.split("-", 1)[-1] for lab in meta.labels if lab != "O"})
    return ModelInfo(
        name=settings.model_name,
        task=predictor.task.name,
        labels=list(meta.labels),
        entity_types=[] if classifier else types,
        multi_label=bool(getattr(predictor.task, "multi_label", False)),
        scheme=meta.scheme,
        max_length=meta.max_length,
        base_model=meta.base_model,
        precision=predictor.precision,
        backend=predictor.backend,
        aggregation=predictor.aggregation,
        mode=predictor.mode,  # type: ignore[arg-type]
        batching=budget > 0,
        max_batch_tokens=budget,
        limits=Limits(
            max_texts=settings.max_texts,
            max_request_bytes=settings.max_request_bytes,
            max_concurrent_requests=settings.max_concurrent_requests,
        ),
    )


def _field(loc: tuple[Any, ...] | list[Any]) -> str:
    """``("body", "texts", 2)`` -> ``texts[2]``; the body itself -> ``body``."""
    parts = [p for p in loc if p != "body"]
    if loc and loc[0] == "body" and len(loc) > 1 and isinstance(loc[1], int):
        parts = []  # a JSON syntax error: loc is ("body", character offset)
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out or "body"


def _add_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> JSONResponse:
        body = ErrorBody(error=exc.error, message=exc.message, field=exc.field)
        return JSONResponse(body.model_dump(), status_code=exc.status, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = []
        for err in exc.errors():
            field = _field(err.get("loc", ()))
            message = str(err.get("msg", "invalid"))
            if err.get("type") == "json_invalid":
                pos = err["loc"][1] if len(err.get("loc", ())) > 1 else "?"
                message = f"malformed JSON at character {pos}: {err.get('ctx', {}).get('error')}"
            details.append({"field": field, "message": message, "type": str(err.get("type"))})
        first = details[0] if details else {"field": "body", "message": "invalid request"}
        body = ErrorBody(
            error="invalid_request",
            message=f"{first['field']}: {first['message']}",
            field=first["field"],
            details=details,  # type: ignore[arg-type]
        )
        return JSONResponse(body.model_dump(), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400:
            # FastAPI's answer to a body it cannot decode (not UTF-8): malformed JSON, a 422
            # like any other; nerlab raises no 400 itself.
            body = ErrorBody(
                error="invalid_request",
                message="body: malformed JSON (the body must be JSON in UTF-8)",
                field="body",
            )
            return JSONResponse(body.model_dump(), status_code=422)
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        body = ErrorBody(error=code, message=str(exc.detail))
        return JSONResponse(body.model_dump(), status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(Exception)
    async def crash(_: Request, exc: Exception) -> JSONResponse:
        log.error("internal error", exc_info=exc)  # the traceback goes to the log, not out
        body = ErrorBody(error="internal_error", message="internal server error (see its log)")
        return JSONResponse(body.model_dump(), status_code=500)


def _add_middleware(app: FastAPI, settings: ServeSettings, metrics: ServeMetrics) -> None:
    # Added innermost first: metrics see every answer, CORS answers preflights before the key
    # check, and the size limit runs before any body is parsed.
    app.add_middleware(BodyLimit, max_bytes=settings.max_request_bytes)  # type: ignore[arg-type]
    if settings.api_key:
        app.add_middleware(BearerAuth, api_key=settings.api_key)  # type: ignore[arg-type]
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,  # type: ignore[arg-type]
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Authorization", "Content-Type"],
        )
    app.add_middleware(RequestMetrics, metrics=metrics)  # type: ignore[arg-type]
