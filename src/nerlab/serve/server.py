"""Run the app with uvicorn: ``serve(model_dir, ...)`` is ``nerlab serve`` without the CLI.

Shutdown is uvicorn's graceful one: on SIGTERM it stops accepting connections, waits for the
requests in flight (at most ``settings.graceful_timeout_s``), then the app's lifespan finishes
the queued batches. uvicorn re-raises the signal once it is done, which would end the process
with status -15; :func:`serve` catches that re-raised signal so the command returns normally
(exit 0), and restores the previous handler afterwards.

With ``workers > 1`` uvicorn starts that many processes, each loading the model; they find
what to load in the environment variable :data:`SPEC_ENV` (uvicorn spawns workers from an
import string, so the settings cannot be passed as objects).
"""

from __future__ import annotations

import json
import logging
import os
import signal
import threading
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nerlab.errors import ConfigError
from nerlab.serve.settings import ServeSettings

if TYPE_CHECKING:
    import uvicorn
    from fastapi import FastAPI

SPEC_ENV = "NERLAB_SERVE_SPEC"
log = logging.getLogger("nerlab.serve")


def build_app(
    model_dir: str | Path,
    *,
    precision: str = "auto",
    backend: str = "auto",
    settings: ServeSettings | None = None,
    threads: int | None = None,
) -> FastAPI:
    """Load the model folder (PyTorch or ONNX export) and build its app.

    Raises:
        ModelError: the folder is not a model nerlab can load.
        ConfigError: an option the backend cannot use.
    """
    from nerlab.inference import Predictor
    from nerlab.serve.app import create_app

    predictor = Predictor.load(model_dir, precision=precision, backend=backend, threads=threads)
    settings = settings or ServeSettings(model_name=Path(model_dir).resolve().name)
    return create_app(predictor, settings)


def serve(
    model_dir: str | Path,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    precision: str = "auto",
    backend: str = "auto",
    settings: ServeSettings | None = None,
    threads: int | None = None,
    log_level: str = "info",
    access_log: bool = False,
) -> None:
    """Serve a model over HTTP until SIGTERM or Ctrl-C.

    Args:
        model_dir: a folder written by ``nerlab train`` or ``nerlab export --onnx``.
        host: the address to bind (127.0.0.1: this machine only).
        port: the TCP port.
        workers: server processes, each with its own copy of the model.
        precision: PyTorch precision (``auto``, ``bf16``, ``fp16``, ``fp32``).
        backend: ``auto`` (ONNX if the folder has ``model.onnx``), ``torch`` or ``onnx``.
        settings: batching, limits and security.
        threads: CPU threads per worker for the model (default: :func:`default_threads`).
        log_level: uvicorn's log level.
        access_log: log one line per request.

    Raises:
        ModelError: the model cannot be loaded.
        ConfigError: a bad option, or the address cannot be bound.
    """
    import uvicorn

    if workers < 1 or not 0 <= port <= 65535 or (threads is not None and threads < 1):
        raise ConfigError("workers and threads must be at least 1, and port within 0-65535")
    settings = settings or ServeSettings(model_name=Path(model_dir).resolve().name)
    common: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_level": log_level,
        "access_log": access_log,
        "timeout_graceful_shutdown": settings.graceful_timeout_s,
    }
    threads = threads or default_threads(workers)
    if workers == 1:
        _set_torch_threads(threads)
        app = build_app(
            model_dir, precision=precision, backend=backend, settings=settings, threads=threads
        )
        _run(uvicorn.Config(app, **common), f"{host}:{port}")
        return
    # Load once here, so a bad folder is one clear error instead of N crashing workers.
    build_app(model_dir, precision=precision, backend=backend, settings=settings)
    spec = {
        "model_dir": str(model_dir),
        "precision": precision,
        "backend": backend,
        "settings": {**asdict(settings), "cors_origins": list(settings.cors_origins)},
        "threads": threads,
    }
    previous = os.environ.get(SPEC_ENV)
    os.environ[SPEC_ENV] = json.dumps(spec)
    try:
        _run_workers("nerlab.serve.server:worker_app", workers, common)
    finally:
        if previous is None:
            os.environ.pop(SPEC_ENV, None)
        else:
            os.environ[SPEC_ENV] = previous


def worker_app() -> FastAPI:
    """The app of one worker process (``workers > 1``), built from :data:`SPEC_ENV`."""
    spec = json.loads(os.environ[SPEC_ENV])
    settings = dict(spec["settings"])
    settings["cors_origins"] = tuple(settings["cors_origins"])
    _set_torch_threads(int(spec["threads"]))
    return build_app(
        spec["model_dir"],
        precision=spec["precision"],
        backend=spec["backend"],
        settings=ServeSettings(**settings),
        threads=int(spec["threads"]),
    )


def default_threads(workers: int = 1, cores: int | None = None) -> int:
    """Model threads per worker: the cores less one, shared by the workers.

    One core is left to the HTTP side (the event loop parses, validates and answers while a
    batch runs): on 2 cores, 2 model threads and the event loop oversubscribe the CPU, and
    OpenMP's waiting threads then slow every forward (bench/serve_load.py measured 10x fewer
    texts/s with 2 threads than with 1 on a 2-core machine).

    Example:
        >>> default_threads(1, cores=2), default_threads(1, cores=16), default_threads(2, 16)
        (1, 15, 7)
    """
    cores = cores or os.cpu_count() or 1
    return max(1, (cores - 1) // workers)


def _set_torch_threads(threads: int) -> None:
    """PyTorch's intra-op threads (a process-wide setting: this process is the server)."""
    import torch

    torch.set_num_threads(threads)


def _run(config: uvicorn.Config, where: str) -> None:
    """Run one uvicorn server; swallow the SIGTERM it re-raises after a graceful shutdown."""
    import uvicorn

    main = threading.current_thread() is threading.main_thread()
    previous = signal.getsignal(signal.SIGTERM) if main else None
    if main:
        signal.signal(signal.SIGTERM, lambda *_: None)
    server = uvicorn.Server(config)
    try:
        server.run()
    except SystemExit:  # uvicorn exits when it cannot bind the address
        pass
    finally:
        if main:
            signal.signal(signal.SIGTERM, previous)
    if not server.started:
        raise ConfigError(f"could not serve on {where} (the log above says why: port in use?)")


def _run_workers(app: str, workers: int, options: dict[str, Any]) -> None:
    """uvicorn's process supervisor: SIGTERM stops each worker gracefully, then returns."""
    import uvicorn

    where = f"{options['host']}:{options['port']}"
    try:
        uvicorn.run(app, factory=True, workers=workers, **options)
    except SystemExit as exc:  # uvicorn exits when it cannot bind the address
        raise ConfigError(f"could not serve on {where} (the log above says why)") from exc
