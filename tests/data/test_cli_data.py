"""`nerlab data describe` and `nerlab data convert` through the CLI entry point."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from nerlab.cli.main import run_cli
from nerlab.data import load_corpus

Writer = Callable[[str, str | bytes], Path]


def _err(capsys: pytest.CaptureFixture[str]) -> str:
    """Captured stderr with the console's line wrapping undone."""
    return " ".join(capsys.readouterr().err.split())


def test_describe_demo_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["data", "describe"]) == 0
    out = capsys.readouterr().out
    assert "train.conll" in out and "test.conll" in out
    assert "200" in out and "IOB2" in out and "leakage" in out


def test_describe_json(fixtures: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["data", "describe", str(fixtures / "iob1_4col.conll"), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    (split,) = data["splits"]
    assert split["sentences"] == 4 and split["total_entities"] == 7
    assert split["scheme"] == "IOB1" and split["entities"]["LOC"] == 3


def test_describe_tag_column_negative_and_name(
    fixtures: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["data", "describe", str(fixtures / "iob1_4col.conll"), "--json", "--tag-column"]
    assert run_cli([*args, "-3"]) == 0
    assert json.loads(capsys.readouterr().out)["splits"][0]["scheme"] is None  # POS
    assert run_cli(["data", "describe", str(fixtures / "words.csv"), "--tag-column", "pos"]) == 0
    out = capsys.readouterr().out
    assert "plain (3 labels)" in out


def test_describe_bad_file_is_exit_2_without_traceback(
    write: Writer, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write("bad.conll", "EU NNP I-ORG\nrejects O\n")
    assert run_cli(["data", "describe", str(path)]) == 2
    err = _err(capsys)
    assert "bad.conll:2" in err and "expected 3 columns" in err
    assert "Traceback" not in err


def test_convert_round_trip(
    fixtures: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "train.jsonl"
    assert run_cli(["data", "convert", str(fixtures / "iob1_4col.conll"), str(out)]) == 0
    msg = capsys.readouterr().out
    assert "wrote 4 sentences (15 words)" in msg and "IOB1 -> IOB2" in msg
    back = tmp_path / "back.conll"
    assert run_cli(["data", "convert", str(out), str(back), "--scheme", "bilou"]) == 0
    assert "IOB2 -> BILOU" in capsys.readouterr().out
    assert "U-LOC" in back.read_text("utf-8")
    original = load_corpus(fixtures / "iob1_4col.conll")
    assert load_corpus(back).tags == original.tags
    assert load_corpus(back).words == original.words


def test_convert_errors(fixtures: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    src = str(fixtures / "iob1_4col.conll")
    assert run_cli(["data", "convert", src, str(tmp_path / "o.conll"), "--scheme", "bio"]) == 2
    assert "unknown scheme 'bio'" in _err(capsys)
    assert run_cli(["data", "convert", str(tmp_path / "none.conll"), str(tmp_path / "o")]) == 2
    assert "file not found" in _err(capsys)
    assert not (tmp_path / "o.conll").exists()


def test_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["data", "describe", "--help"]) == 0
    assert "--tag-column" in capsys.readouterr().out
    assert run_cli(["data", "convert", "--help"]) == 0
    assert "--scheme" in capsys.readouterr().out
