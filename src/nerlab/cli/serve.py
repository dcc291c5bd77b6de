"""`nerlab serve`: an HTTP service with dynamic batching and a web page, over a trained model.

FastAPI, uvicorn and the model are imported inside the command, so ``nerlab --help`` stays
light.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.console import Console
from rich.markup import escape

from nerlab.cli._util import BackendOption, PrecisionOption

LOG_LEVELS = ("critical", "error", "warning", "info", "debug")


def serve_command(
    model: Annotated[Path, typer.Argument(help="Model folder (nerlab train or export --onnx).")],
    host: Annotated[
        str, typer.Option(help="Address to bind; 127.0.0.1 is this machine only.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[int, typer.Option(help="Server processes (each loads the model).")] = 1,
    precision: PrecisionOption = "auto",
    backend: BackendOption = "auto",
    max_batch_tokens: Annotated[
        int | None,
        typer.Option(
            help="Token budget of a batch across requests (default: 256 on CPU); 0 turns "
            "batching off (one text per forward)."
        ),
    ] = None,
    max_wait_ms: Annotated[
        float, typer.Option(help="How long a batch waits for more requests.")
    ] = 5.0,
    max_request_bytes: Annotated[
        int, typer.Option(help="Largest request body (413 above).")
    ] = 1_000_000,
    max_texts: Annotated[int, typer.Option(help="Most texts per request (413 above).")] = 256,
    max_concurrent_requests: Annotated[
        int, typer.Option(help="Requests queued or running at once (429 above).")
    ] = 128,
    api_key: Annotated[
        str | None,
        typer.Option(
            envvar="NERLAB_API_KEY",
            show_default=False,
            help="Require 'Authorization: Bearer KEY' (health checks excepted).",
        ),
    ] = None,
    cors_origin: Annotated[
        list[str] | None,
        typer.Option(help="Allow browser calls from this origin (repeatable); CORS is off."),
    ] = None,
    threads: Annotated[
        int, typer.Option(help="Model threads per worker (0: cores less one, / workers).")
    ] = 0,
    graceful_timeout: Annotated[
        float, typer.Option(help="Seconds requests in flight may take after SIGTERM.")
    ] = 30.0,
    log_level: Annotated[
        Literal[LOG_LEVELS],  # type: ignore[valid-type]
        typer.Option(help="Server log level."),
    ] = "info",
    access_log: Annotated[bool, typer.Option(help="Log one line per request.")] = False,
) -> None:
    """Serve MODEL over HTTP, with a web page at / and API docs at /docs.

    Routes: POST /v1/entities (taggers) or POST /v1/classify (text classifiers),
    GET /v1/model, /healthz, /readyz, /metrics.

    Requests from many clients are batched under --max-batch-tokens.

    SIGTERM finishes the requests in flight, then exits 0.
    """
    from nerlab.serve import ServeSettings, bind_warning
    from nerlab.serve import server as serve_module

    settings = ServeSettings(
        model_name=model.resolve().name,
        max_batch_tokens=max_batch_tokens,
        max_wait_ms=max_wait_ms,
        max_request_bytes=max_request_bytes,
        max_texts=max_texts,
        max_concurrent_requests=max_concurrent_requests,
        api_key=api_key or None,
        cors_origins=tuple(cors_origin or ()),
        graceful_timeout_s=graceful_timeout,
    )
    err = Console(stderr=True, soft_wrap=True)
    warning = bind_warning(host, settings.api_key)
    if warning is not None:
        err.print(f"[bold yellow]warning:[/] {escape(warning)}", highlight=False)
    shown = f"[{host}]" if ":" in host else host
    err.print(
        f"serving {escape(str(model))} on http://{escape(shown)}:{port}/ "
        f"(API docs /docs, metrics /metrics)",
        highlight=False,
    )
    serve_module.serve(
        model,
        host=host,
        port=port,
        workers=workers,
        precision=precision,
        backend=backend,
        settings=settings,
        threads=threads or None,
        log_level=log_level,
        access_log=access_log,
    )


def register(app: typer.Typer) -> None:
    """Add ``nerlab serve`` to the app."""
    app.command("serve")(serve_command)
