"""`nerlab serve`: options, the bind warning, clear errors, ONNX models, graceful SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from _serve_helpers import loopback_socket, metric_value

from nerlab.cli.main import app, run_cli
from nerlab.inference import Predictor
from nerlab.serve import is_loopback
from nerlab.serve import server as serve_module


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> list[dict]:
    """Replace the server run by a recorder (no socket is opened)."""
    calls: list[dict] = []
    monkeypatch.setattr(serve_module, "serve", lambda model, **kw: calls.append(kw))
    monkeypatch.delenv("NERLAB_API_KEY", raising=False)
    return calls


def test_serve_is_registered_with_its_options(capsys: pytest.CaptureFixture[str]) -> None:
    assert "serve" in {c.name for c in app.registered_commands}
    assert run_cli(["serve", "--help"]) == 0
    out = capsys.readouterr().out
    for option in ("--host", "--port", "--workers", "--precision", "--backend", "--api-key"):
        assert option in out
    assert "NERLAB_API_KEY" in out


def test_non_loopback_bind_without_key_warns(tagger_dir: Path, recorded, capsys) -> None:
    assert run_cli(["serve", str(tagger_dir), "--host", "0.0.0.0"]) == 0
    err = capsys.readouterr().err
    assert "warning:" in err and "--api-key" in err
    assert recorded[0]["host"] == "0.0.0.0"
    assert recorded[0]["settings"].api_key is None


def test_no_warning_with_a_key_or_on_loopback(
    tagger_dir: Path, recorded, capsys, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run_cli(["serve", str(tagger_dir), "--host", "0.0.0.0", "--api-key", "k"]) == 0
    assert "warning" not in capsys.readouterr().err
    monkeypatch.setenv("NERLAB_API_KEY", "from-env")
    assert run_cli(["serve", str(tagger_dir), "--host", "0.0.0.0"]) == 0
    assert "warning" not in capsys.readouterr().err
    assert recorded[1]["settings"].api_key == "from-env"
    monkeypatch.delenv("NERLAB_API_KEY")
    assert run_cli(["serve", str(tagger_dir)]) == 0
    assert "warning" not in capsys.readouterr().err
    assert recorded[2]["host"] == "127.0.0.1"
    assert recorded[2]["settings"].cors_origins == ()


def test_options_reach_the_settings(tagger_dir: Path, recorded) -> None:
    argv = ["serve", str(tagger_dir), "--max-batch-tokens", "0", "--max-texts", "5"]
    argv += ["--cors-origin", "http://a.test", "--cors-origin", "http://b.test"]
    assert run_cli(argv) == 0
    settings = recorded[0]["settings"]
    assert settings.batching is False and settings.max_texts == 5
    assert settings.cors_origins == ("http://a.test", "http://b.test")
    assert settings.model_name == tagger_dir.name


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("127.1.2.3", True), ("::1", True), ("localhost", True),
     ("0.0.0.0", False), ("::", False), ("192.168.1.5", False), ("example.org", False)],
)  # fmt: skip
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_a_bad_model_folder_is_one_clear_error(tmp_path: Path, capsys) -> None:
    assert run_cli(["serve", str(tmp_path / "missing")]) == 2
    err = capsys.readouterr().err
    assert err.count("error:") == 1 and "Traceback" not in err


def test_a_busy_port_is_one_clear_error(tagger_dir: Path, capsys) -> None:
    busy = loopback_socket()
    busy.listen()
    port = busy.getsockname()[1]
    try:
        code = run_cli(["serve", str(tagger_dir), "--port", str(port), "--log-level", "critical"])
    finally:
        busy.close()
    assert code == 2
    assert f"could not serve on 127.0.0.1:{port}" in capsys.readouterr().err


def test_an_onnx_export_is_served(make_client, onnx_dir: Path, texts) -> None:
    client = make_client(folder=onnx_dir)
    info = client.get("/v1/model").json()
    assert info["backend"] == "onnx"
    results = client.post("/v1/entities", json={"texts": texts}).json()["results"]
    assert [r["entities"] for r in results] == Predictor.load(onnx_dir).predict(texts)


def _free_port() -> int:
    sock = loopback_socket()
    port = sock.getsockname()[1]
    sock.close()
    return port


def test_sigterm_finishes_requests_in_flight_then_exits_0(
    tagger_dir: Path, reference: Predictor, tmp_path: Path
) -> None:
    """A real `nerlab serve` process: requests wait in the batcher (a 3 s batching window)
    when SIGTERM arrives; the server stops accepting, answers them all, and exits 0."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = (tmp_path / "server.log").open("w")
    argv = [sys.executable, "-m", "nerlab", "serve", str(tagger_dir), "--port", str(port)]
    argv += ["--precision", "fp32", "--max-wait-ms", "3000"]
    proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env={**os.environ})
    try:
        _wait_ready(proc, url)
        texts = [f"Angela Merkel visited Paris on day {i} ." for i in range(4)]
        answers: dict[int, httpx.Response] = {}

        def ask(i: int) -> None:
            answers[i] = httpx.post(f"{url}/v1/entities", json={"texts": [texts[i]]}, timeout=60)

        threads = [threading.Thread(target=ask, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        for _ in range(500):  # until all four are admitted (bounded: 500 x 10 ms)
            metrics = httpx.get(f"{url}/metrics").text
            if metric_value(metrics, "nerlab_requests_in_flight") == 4:
                break
            time.sleep(0.01)
        assert metric_value(metrics, "nerlab_requests_in_flight") == 4
        proc.send_signal(signal.SIGTERM)
        refused = False
        for _ in range(100):  # the listening socket closes at once (bounded: 100 x 20 ms)
            try:
                httpx.get(f"{url}/healthz", timeout=1)
            except httpx.TransportError:
                refused = True
                break
            time.sleep(0.02)
        assert refused, "the server still accepted connections after SIGTERM"
        assert len(answers) < 4, "the requests finished before SIGTERM: the test proves nothing"
        for t in threads:
            t.join(60)
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        log.close()
    assert [answers[i].status_code for i in range(4)] == [200] * 4
    expected = [reference.predict([t])[0] for t in texts]
    got = [answers[i].json()["results"][0]["entities"] for i in range(4)]
    assert [[(e["start"], e["end"], e["label"]) for e in g] for g in got] == [
        [(e["start"], e["end"], e["label"]) for e in x] for x in expected
    ]
    assert "Shutting down" in (tmp_path / "server.log").read_text()


def _wait_ready(proc: subprocess.Popen, url: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"the server exited early with {proc.returncode}"
        try:
            if httpx.get(f"{url}/readyz", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"the server was not ready within {timeout} s")


def test_default_threads_leave_a_core_to_the_http_side() -> None:
    from nerlab.serve.server import default_threads

    assert default_threads(1, cores=2) == 1
    assert default_threads(1, cores=1) == 1
    assert default_threads(1, cores=16) == 15
    assert default_threads(4, cores=16) == 3
