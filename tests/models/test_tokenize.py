"""``nerlab tokenize``: each model's sub-tokens per word, side by side."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nerlab.cli.main import run_cli
from nerlab.models.tokenize import tokenize


def test_pieces_and_word_ids(tiny_encoder_dir: Path) -> None:
    (r,) = tokenize("Angela Merkel visited Zürich.", [str(tiny_encoder_dir)])
    assert r.words == ["Angela", "Merkel", "visited", "Zürich", "."]
    assert r.tokens[0] == "[CLS]" and r.tokens[-1] == "[SEP]" and r.special == 2
    assert r.pieces()[1] == ["mer", "##kel"]  # the uncased WordPiece of MiniLM
    assert [len(p) for p in r.pieces()] == [1, 2, 1, 1, 1]
    assert sum(map(len, r.pieces())) + r.special == len(r.tokens)


def test_cli_side_by_side_and_json(tiny_encoder_dir: Path, capsys: pytest.CaptureFixture) -> None:
    model = str(tiny_encoder_dir)
    assert run_cli(["tokenize", "Angela Merkel", "-m", model, "-m", model]) == 0
    out = capsys.readouterr().out
    assert "mer ##kel (2)" in out and "5 sub-tokens for 2 words (2 special: [CLS] [SEP])" in out
    assert run_cli(["tokenize", "Angela Merkel", "-m", model, "--json"]) == 0
    (data,) = json.loads(capsys.readouterr().out)
    assert data["words"][1] == {"word": "Merkel", "pieces": ["mer", "##kel"], "count": 2}


def test_unknown_model(capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
    assert run_cli(["tokenize", "x", "-m", str(tmp_path / "nope")]) == 2
    assert "nope" in capsys.readouterr().err


@pytest.mark.slow
def test_wordpiece_against_sentencepiece() -> None:
    mini, e5 = tokenize("Angela Merkel besuchte Zürich.", ["minilm-l6", "e5-small-multilingual"])
    assert mini.pieces()[2] == ["be", "##su", "##cht", "##e"]
    assert e5.pieces()[2] == ["▁besucht", "e"] and e5.tokens[0] == "<s>"
