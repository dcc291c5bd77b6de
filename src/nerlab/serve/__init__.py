"""Serving: an HTTP app over a loaded Predictor, with dynamic batching and a web page.

``create_app(predictor, settings)`` builds the FastAPI app; ``serve(model_dir, ...)`` loads a
model folder and runs it with uvicorn (``nerlab serve``). FastAPI, uvicorn and
prometheus-client come with the ``serve`` extra (``pip install 'nerlab[serve]'``).

Example:
    >>> from nerlab.serve import serve
    >>> serve("runs/minilm-conllpp", port=8000)  # until SIGTERM or Ctrl-C
"""

from __future__ import annotations

from nerlab.serve.app import create_app
from nerlab.serve.server import build_app, serve
from nerlab.serve.settings import ServeSettings, bind_warning, is_loopback

__all__ = ["ServeSettings", "bind_warning", "build_app", "create_app", "is_loopback", "serve"]
