"""Fixtures for the server tests: a tiny random tagger (PyTorch and ONNX), apps around it, and
a real uvicorn server on 127.0.0.1 in a background thread.

The tagger is built like the one in tests/inference/conftest.py (same seed, same head).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from _serve_helpers import client_for, live_server, load_predictor

from _tiny import build_tiny_tagger
from nerlab.data.demo import load_demo
from nerlab.inference import Predictor, export_onnx
from nerlab.serve import ServeSettings, create_app
from nerlab.serve.settings import CPU_BATCH_TOKENS

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

LONG_TEXT = " ".join(["Angela Merkel met Emmanuel Macron in Paris ."] * 40)  # > 128 sub-tokens


@pytest.fixture(scope="session")
def tagger_dir(tiny_encoder_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Folder of a tiny random BERT tagger (max length 128)."""
    return build_tiny_tagger(tiny_encoder_dir, tmp_path_factory.mktemp("serve-tagger") / "tiny")


@pytest.fixture(scope="session")
def onnx_dir(tagger_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny tagger exported to ONNX (fp32)."""
    out = tmp_path_factory.mktemp("serve-onnx") / "tiny-onnx"
    export_onnx(tagger_dir, out)
    return out


@pytest.fixture(scope="session")
def reference(tagger_dir: Path) -> Predictor:
    """The tiny tagger as ``nerlab predict --precision fp32 --token-budget 256`` loads it: the
    server's default batch budget on CPU, so both run the same forward calls."""
    return Predictor.load(tagger_dir, precision="fp32", token_budget=CPU_BATCH_TOKENS)


@pytest.fixture(scope="session")
def texts() -> list[str]:
    """Demo test sentences as raw texts, plus an empty text, a long one and non-ASCII ones."""
    demo = [" ".join(words) for words in load_demo("test").words[:40]]
    return [*demo, "", LONG_TEXT, "Zoë 🙂 met Łukasz in São Paulo .", "  spaces\tand\nlines  "]


@pytest.fixture
def make_client(tagger_dir: Path) -> Iterator[Callable[..., TestClient]]:
    """``make_client(**settings)``: a ready test client over a fresh tiny tagger."""
    with ExitStack() as stack:

        def make(folder: Path | None = None, **settings: object) -> TestClient:
            settings.setdefault("model_name", "tiny")
            app = create_app(load_predictor(folder or tagger_dir), ServeSettings(**settings))  # type: ignore[arg-type]
            return stack.enter_context(client_for(app))

        yield make


@pytest.fixture(scope="session")
def server_url(tagger_dir: Path) -> Iterator[str]:
    """A real uvicorn server on 127.0.0.1 serving the tiny tagger, shared by a session."""
    app = create_app(load_predictor(tagger_dir), ServeSettings(model_name="tiny"))
    with live_server(app) as url:
        yield url
