"""`nerlab predict` and `nerlab export`: every input and output format, shards, bad input."""

from __future__ import annotations

import html
import io
import json
import re
import sys
from pathlib import Path

import pytest

from nerlab.cli.main import run_cli
from nerlab.inference import Predictor

TEXTS = ["Angela Merkel visited Paris.", "", "EU rejects German call to boycott British lamb."]


def _jsonl(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines()]


def _spans(entities: list[dict]) -> list[tuple[int, int, str]]:
    return [(e["start"], e["end"], e["label"]) for e in entities]


@pytest.fixture
def text_file(tmp_path: Path) -> Path:
    path = tmp_path / "docs.txt"
    path.write_text("\n".join(TEXTS) + "\n", encoding="utf-8")
    return path


def test_text_option(tagger_dir: Path, predictor: Predictor, capsys: pytest.CaptureFixture) -> None:
    argv = ["predict", str(tagger_dir), "--text", TEXTS[0], "-t", TEXTS[2], "--precision", "fp32"]
    assert run_cli(argv) == 0
    records = _jsonl(capsys.readouterr().out)
    expected = predictor.predict([TEXTS[0], TEXTS[2]])
    assert [r["text"] for r in records] == [TEXTS[0], TEXTS[2]]
    assert [_spans(r["entities"]) for r in records] == [_spans(e) for e in expected]


def test_text_file_keeps_empty_lines_in_place(
    tagger_dir: Path, predictor: Predictor, text_file: Path, capsys: pytest.CaptureFixture
) -> None:
    assert run_cli(["predict", str(tagger_dir), str(text_file), "--precision", "fp32"]) == 0
    captured = capsys.readouterr()
    records = _jsonl(captured.out)
    assert [r["text"] for r in records] == TEXTS
    assert records[1]["entities"] == []
    assert [_spans(r["entities"]) for r in records] == [_spans(e) for e in predictor.predict(TEXTS)]
    assert "3 document(s)" in captured.err


def test_output_file(tagger_dir: Path, text_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "sub" / "out.jsonl"
    assert run_cli(["predict", str(tagger_dir), str(text_file), "-o", str(out)]) == 0
    assert len(_jsonl(out.read_text("utf-8"))) == 3


def test_bad_lines_are_reported_and_skipped(
    tagger_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    path = tmp_path / "docs.jsonl"
    lines = [
        b'{"text": "Angela Merkel visited Paris.", "id": 7}',
        b'{"id": 8}',
        b"{not json",
        b'{"text": "caf\xe9 in Paris"}',
        b"",
        b'["a list"]',
        b'{"text": "EU rejects it."}',
    ]
    path.write_bytes(b"\n".join(lines) + b"\n")
    assert run_cli(["predict", str(tagger_dir), str(path)]) == 0
    captured = capsys.readouterr()
    records = _jsonl(captured.out)
    assert len(records) == 7
    assert records[0]["id"] == 7 and records[0]["text"] == "Angela Merkel visited Paris."
    assert [r.get("line") for r in records] == [None, 2, 3, 4, None, 6, None]
    assert records[4] == {"text": "", "entities": []}
    assert records[6]["text"] == "EU rejects it."
    err = " ".join(captured.err.split())
    assert f"{path}:2: no 'text' field" in err
    assert f"{path}:3: invalid JSON" in err
    assert f"{path}:4: not UTF-8: byte 'e9'" in err
    assert f"{path}:6: a JSON list, not an object" in err
    assert "4 unreadable line(s) skipped" in err


def test_strict_stops_at_first_bad_line(
    tagger_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    path = tmp_path / "docs.txt"
    path.write_bytes(b"Angela Merkel\nbad \xff byte\nParis\n")
    assert run_cli(["predict", str(tagger_dir), str(path), "--strict"]) == 2
    captured = capsys.readouterr()
    assert f"{path}:2: not UTF-8" in " ".join(captured.err.split())
    assert "Traceback" not in captured.err
    assert [r["text"] for r in _jsonl(captured.out)] == ["Angela Merkel"]


def test_conll_in_conll_out_adds_a_column(
    tagger_dir: Path, predictor: Predictor, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    path = tmp_path / "in.conll"
    path.write_text(
        "-DOCSTART- -X- -X- O\n\nEU NNP B-NP B-ORG\nrejects VBZ B-VP O\n\nPeter NNP B-NP B-PER\n"
    )
    assert run_cli(["predict", str(tagger_dir), str(path), "-f", "conll"]) == 0
    out = capsys.readouterr().out
    blocks = [b.splitlines() for b in out.strip().split("\n\n")]
    tags = predictor.predict_words([["EU", "rejects"], ["Peter"]])
    assert blocks == [
        ["-DOCSTART- -X- -X- O O"],  # kept, with a column for the prediction (O)
        [f"EU NNP B-NP B-ORG {tags[0][0]}", f"rejects VBZ B-VP O {tags[0][1]}"],
        [f"Peter NNP B-NP B-PER {tags[1][0]}"],
    ]


def test_conll_in_jsonl_out(
    tagger_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    path = tmp_path / "words.txt"
    path.write_text("New\nYork\n\nU.S.\n")
    argv = ["predict", str(tagger_dir), str(path), "--input-format", "conll"]
    assert run_cli(argv) == 0
    records = _jsonl(capsys.readouterr().out)
    assert [r["words"] for r in records] == [["New", "York"], ["U.S."]]
    assert records[1]["text"] == "U.S."
    for r in records:
        assert len(r["tags"]) == len(r["words"])
        for e in r["entities"]:
            assert r["text"][e["start"] : e["end"]] == e["text"]


def test_text_in_conll_out(
    tagger_dir: Path, text_file: Path, capsys: pytest.CaptureFixture
) -> None:
    assert run_cli(["predict", str(tagger_dir), str(text_file), "-f", "conll"]) == 0
    blocks = capsys.readouterr().out.strip().split("\n\n")
    assert len(blocks) == 2  # the empty document has no words
    assert [ln.split()[0] for ln in blocks[0].splitlines()] == [
        "Angela",
        "Merkel",
        "visited",
        "Paris",
        ".",
    ]


def test_stdin(
    tagger_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    data = "\n".join(json.dumps({"text": t}) for t in TEXTS).encode() + b"\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert run_cli(["predict", str(tagger_dir)]) == 0
    assert [r["text"] for r in _jsonl(capsys.readouterr().out)] == TEXTS


def test_stdin_shard_and_carriage_returns(
    tagger_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    data = b"one\ntwo\rstill two\nthree\nfour"  # a lone CR ends a line too (old Mac files)
    for shard, expected in (("1/2", ["one", "two"]), ("2/2", ["still two", "three", "four"])):
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
        assert run_cli(["predict", str(tagger_dir), "--shard", shard]) == 0
        assert [r["text"] for r in _jsonl(capsys.readouterr().out)] == expected


def test_stdin_conll(
    tagger_dir: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"EU B-ORG\nrejects O\n")))
    assert run_cli(["predict", str(tagger_dir), "-f", "conll"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert [ln.split()[:2] for ln in lines] == [["EU", "B-ORG"], ["rejects", "O"]]
    assert all(len(ln.split()) == 3 for ln in lines)


def _with_labels(text: str, entities: list[dict]) -> str:
    """The text with each entity followed by its label, as the pretty view shows it."""
    out, pos = [], 0
    for e in entities:
        out += [text[pos : e["end"]], " " + e["label"]]
        pos = e["end"]
    return "".join([*out, text[pos:]])


def test_pretty(tagger_dir: Path, predictor: Predictor, capsys: pytest.CaptureFixture) -> None:
    text = "Angela Merkel [bold]visited[/bold] Paris."
    assert run_cli(["predict", str(tagger_dir), "-t", text, "-f", "pretty"]) == 0
    out = capsys.readouterr().out
    entities = predictor.predict([text])[0]
    assert entities
    # Every character of the text is shown as it is (never read as rich markup), labels added.
    assert out == _with_labels(text, entities) + "\n"


def test_html_is_standalone_and_escaped(
    tagger_dir: Path, predictor: Predictor, capsys: pytest.CaptureFixture
) -> None:
    text = 'Angela <script>alert("x")</script> & Merkel visited Paris.'
    assert run_cli(["predict", str(tagger_dir), "-t", text, "-f", "html"]) == 0
    page = capsys.readouterr().out
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "<script" not in page and "</script" not in page
    entities = predictor.predict([text])[0]
    assert page.count('<mark class="entity"') == len(entities) > 0
    body = re.search(r'<p class="doc" data-line="1">(.*)</p>', page).group(1)
    shown = re.sub(r'<span class="label">([^<]*)</span>', r" \1", body)
    shown = re.sub(r"</?mark[^>]*>", "", shown)
    assert html.unescape(shown) == _with_labels(text, entities)


def test_shards_partition_the_input(
    tagger_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    path = tmp_path / "many.txt"
    texts = [f"Document {i} about Paris." for i in range(10)]
    path.write_text("\n".join(texts) + "\n")
    seen: list[str] = []
    for i in range(1, 4):
        assert run_cli(["predict", str(tagger_dir), str(path), "--shard", f"{i}/3"]) == 0
        part = [r["text"] for r in _jsonl(capsys.readouterr().out)]
        assert 3 <= len(part) <= 4
        seen += part
    assert seen == texts


@pytest.mark.parametrize("shard", ["0/3", "4/3", "1/0", "a/b", "2"])
def test_bad_shard(
    tagger_dir: Path, text_file: Path, capsys: pytest.CaptureFixture, shard: str
) -> None:
    assert run_cli(["predict", str(tagger_dir), str(text_file), "--shard", shard]) == 2
    err = capsys.readouterr().err
    assert "--shard" in err and "Traceback" not in err


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["-f", "xml"], "'xml' is not one of 'jsonl', 'conll', 'pretty', 'html'"),
        (["--input-format", "csv"], "'csv' is not one of"),
        (["--precision", "fp8"], "'fp8' is not one of 'auto', 'bf16', 'fp16', 'fp32'"),
        (["--threads", "-1"], "--threads"),
        (["--token-budget", "-5"], "--token-budget"),
    ],
)
def test_bad_options(
    tagger_dir: Path, text_file: Path, capsys: pytest.CaptureFixture, extra: list, message: str
) -> None:
    assert run_cli(["predict", str(tagger_dir), str(text_file), *extra]) == 2
    assert message in capsys.readouterr().err


def test_missing_input_and_non_tagger_model(
    tagger_dir: Path, tiny_encoder_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    assert run_cli(["predict", str(tagger_dir), str(tmp_path / "nope.txt")]) == 2
    assert "input file not found" in capsys.readouterr().err
    assert run_cli(["predict", str(tiny_encoder_dir), "-t", "Paris"]) == 2
    assert "not a token-classification model" in " ".join(capsys.readouterr().err.split())
    assert run_cli(["predict", str(tagger_dir), str(tmp_path), "-t", "x"]) == 2
    assert "either --text or an INPUT" in capsys.readouterr().err


def test_export_cli_then_predict(
    tagger_dir: Path, predictor: Predictor, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    out = tmp_path / "onnx"
    assert run_cli(["export", str(tagger_dir), str(out), "--onnx"]) == 0
    assert "model.onnx (fp32" in capsys.readouterr().err
    assert run_cli(["predict", str(out), "-t", TEXTS[0]]) == 0
    records = _jsonl(capsys.readouterr().out)
    assert _spans(records[0]["entities"]) == _spans(predictor.predict([TEXTS[0]])[0])
    assert run_cli(["export", str(tagger_dir), str(out), "--onnx"]) == 2
    assert "not empty" in capsys.readouterr().err
    assert run_cli(["export", str(tagger_dir), str(tmp_path / "x")]) == 2
    assert "--onnx" in capsys.readouterr().err
