"""`nerlab data describe` and `nerlab data convert` through the CLI entry point."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from nerlab.cli.main import run_cli
from nerlab.data import load_corpus
from nerlab.data.demo import demo_path

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
    assert "unknown tag scheme 'bio'" in _err(capsys)
    assert run_cli(["data", "convert", str(tmp_path / "none.conll"), str(tmp_path / "o")]) == 2
    assert "file not found" in _err(capsys)
    assert not (tmp_path / "o.conll").exists()


def test_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["data", "describe", "--help"]) == 0
    assert "--tag-column" in capsys.readouterr().out
    assert run_cli(["data", "convert", "--help"]) == 0
    assert "--scheme" in capsys.readouterr().out


# --- issue 10: nothing lost, no tracebacks -------------------------------------------------

CONLL = "-DOCSTART- -X- O\n\nEU NNP B-ORG\nrejects VBZ O\n\nPeter NNP B-PER\n"


def test_convert_refuses_to_overwrite_its_input(
    write: Writer, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write("f.conll", CONLL)
    for target in (str(path), str(path.parent / "." / "f.conll")):
        assert run_cli(["data", "convert", str(path), target]) == 2
        err = _err(capsys)
        assert "would overwrite its input" in err and "Traceback" not in err
        assert path.read_text("utf-8") == CONLL


def test_convert_failure_leaves_an_existing_target_untouched(
    write: Writer, capsys: pytest.CaptureFixture[str]
) -> None:
    """The target is written only once the whole conversion succeeded (atomically)."""
    source = write(
        "in.jsonl", '{"tokens": ["a"], "tags": ["O"]}\n{"tokens": ["-DOCSTART-"], "tags": ["O"]}\n'
    )
    target = write("out.conll", "the user's file\n")
    assert run_cli(["data", "convert", str(source), str(target)]) == 2
    assert "document separator" in _err(capsys)
    assert target.read_text("utf-8") == "the user's file\n"
    assert {p.name for p in target.parent.iterdir()} == {"in.jsonl", "out.conll"}  # no temp file


def test_convert_target_in_a_new_folder_or_a_folder(
    write: Writer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write("f.conll", CONLL)
    target = tmp_path / "new" / "sub" / "f.jsonl"
    assert run_cli(["data", "convert", str(source), str(target)]) == 0
    assert len(target.read_text("utf-8").splitlines()) == 2
    capsys.readouterr()
    assert run_cli(["data", "convert", str(source), str(tmp_path / "new")]) == 2
    err = _err(capsys)
    assert "is a folder" in err and "Traceback" not in err
    assert run_cli(["data", "convert", str(source), str(source / "x.conll")]) == 2
    assert "is a file, not a folder" in _err(capsys)


@pytest.mark.parametrize("newline", ["\r", "\r\n", "\n"])
def test_describe_reads_cr_crlf_and_lf_alike(
    write: Writer, capsys: pytest.CaptureFixture[str], newline: str
) -> None:
    """Issue 10: an old-Mac (CR-only) file was read as one line: 1 sentence, 0 entities."""
    path = write("mac.conll", CONLL.replace("\n", newline))
    assert run_cli(["data", "describe", str(path), "--json"]) == 0
    (split,) = json.loads(capsys.readouterr().out)["splits"]
    assert (split["sentences"], split["words"], split["total_entities"]) == (2, 3, 2)
    bad = write("bad.conll", "EU B-ORG\rrejects O\r\rPeter B-PER extra\r")
    assert run_cli(["data", "describe", str(bad)]) == 2
    assert "bad.conll:4: expected 2 columns" in _err(capsys)  # line numbers still right


def test_convert_keeps_jsonl_fields_text_and_offsets(
    write: Writer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 10: convert dropped ``id``, ``meta``, the text and the entity offsets."""
    ents = [{"start": 0, "end": 2, "label": "ORG"}]
    rows = [
        {"id": 1, "text": "EU rejects it.", "entities": ents, "meta": {"src": "x"}},
        {"id": 2, "text": "Nothing here.", "entities": []},
    ]
    source = write("spans.jsonl", "".join(json.dumps(r) + "\n" for r in rows))
    out = tmp_path / "out.jsonl"
    assert run_cli(["data", "convert", str(source), str(out), "--scheme", "bilou"]) == 0
    assert "note:" not in capsys.readouterr().err
    got = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    for g, r in zip(got, rows, strict=True):
        assert {k: g[k] for k in r} == r
    assert got[0]["tokens"] == ["EU", "rejects", "it", "."]
    assert got[0]["tags"] == ["U-ORG", "O", "O", "O"]
    again = tmp_path / "again.jsonl"  # and back: the fields survive a second conversion
    assert run_cli(["data", "convert", str(out), str(again)]) == 0
    assert [json.loads(line)["meta"] for line in again.read_text("utf-8").splitlines()[:1]] == [
        {"src": "x"}
    ]


def test_convert_to_conll_says_what_it_cannot_keep(
    write: Writer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = write("in.jsonl", '{"tokens": ["EU"], "tags": ["B-ORG"], "id": 1, "meta": {}}\n')
    assert run_cli(["data", "convert", str(source), str(tmp_path / "o.conll")]) == 0
    captured = capsys.readouterr()
    assert "wrote 1 sentences" in captured.out
    err = " ".join(captured.err.split())
    assert "note: CoNLL output has no place for: id, meta (use a .jsonl target to keep them)" in err


def test_convert_keeps_csv_sentence_ids_and_docstart(
    fixtures: Path, write: Writer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "words.jsonl"
    assert run_cli(["data", "convert", str(fixtures / "words.csv"), str(out)]) == 0
    ids = [json.loads(line)["sentence_id"] for line in out.read_text("utf-8").splitlines()]
    assert ids[0] == "s1" and len(set(ids)) == len(ids)
    assert run_cli(["data", "convert", str(fixtures / "words.csv"), str(tmp_path / "w.conll")]) == 0
    assert "no place for: sentence_id" in _err(capsys)
    conll = tmp_path / "back.conll"
    assert run_cli(["data", "convert", str(write("d.conll", CONLL)), str(conll)]) == 0
    assert conll.read_text("utf-8").startswith("-DOCSTART- -X- O\n\nEU NNP B-ORG\n")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("EU B-ORG\n".encode("utf-16"), "the file is UTF-16.*iconv -f utf-16 -t utf-8"),
        ("EU B-ORG\n".encode("utf-16-le"), "looks like UTF-16LE.*iconv -f utf-16le -t utf-8"),
        ("Zoë B-PER\n".encode("latin-1"), "t.conll:1: not UTF-8: byte 0xEB.*iconv -f cp1252"),
    ],
)
def test_encoding_hints(
    write: Writer, capsys: pytest.CaptureFixture[str], data: bytes, message: str
) -> None:
    """Issue 10: a UTF-16 file got the hint ``iconv -f latin1``."""
    path = write("t.conll", data)
    assert run_cli(["data", "describe", str(path)]) == 2
    err = _err(capsys)
    assert re.search(message, err), err
    assert "Traceback" not in err


def test_a_missing_name_is_no_such_file_not_a_hub_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert run_cli(["data", "describe", "mytrain"]) == 2
    err = _err(capsys)
    assert "no such file or folder: mytrain" in err and "owner/name" in err
    assert "Hugging Face Hub:" not in err


def test_describe_with_model_counts_too_long(
    write: Writer, tiny_encoder_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The CLI resolves --model and passes a sub-token counter to the data layer."""
    long = " ".join(["word"] * 200)  # 200 words, > 128 sub-tokens with [CLS] and [SEP]
    edge = " ".join(["word"] * 126)  # exactly 128 with the special tokens: fits
    text = "\n\n".join("\n".join(f"{w} O" for w in s.split()) for s in (long, edge, "a b"))
    path = write("l.conll", text + "\n")
    assert run_cli(["data", "describe", str(path), "--model", str(tiny_encoder_dir), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["max_length"] == 128 and data["splits"][0]["too_long"] == 1
    assert run_cli(["data", "describe", str(path), "--model", str(path.parent / "none")]) == 2


def test_describe_without_model_imports_neither_torch_nor_transformers() -> None:
    """Issue 9: ``nerlab data describe`` must not pay for torch (2.6 s of imports)."""
    demo = demo_path("train")
    code = (
        "import sys\n"
        "from nerlab.cli.main import run_cli\n"
        f"assert run_cli(['data', 'describe', {str(demo)!r}]) == 0\n"
        "print(sorted(m for m in ('torch', 'transformers') if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"


# --- what the sweep of describe/convert found (issue 10, "sweep again yourself") ------------


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("deep.jsonl", "[" * 100_000 + "]" * 100_000, r"deep\.jsonl:1: .*nested too deeply"),
        ("int.jsonl", '{"tokens": ["a"], "n": ' + "9" * 5000 + "}", "number too long"),
        ("f.csv", "sentence_id,word,tag\n1," + "a" * 200_000 + ",O\n", r"f\.csv:2: not valid CSV"),
        ("q.csv", 'sentence_id,word,tag\n1,"a,O\n2,b,O\n', r"q\.csv:3: .*a quote \(\"\) opened"),
        ("m.conll", "EU\tB-ORG\nrejects O\n", r"m\.conll:2: .*TAB-separated .*spaces"),
        ("h.csv", "sentence_id, word, tag\n1,a,O\n", r"spaces around them.*',' not ', '"),
        ("u.conll", "a O\u2028b O\n", r"u\.conll:1: .*U\+2028"),
        ("ff.conll", "a O\n\x0c\nb O\n", r"ff\.conll:2: .*U\+000C"),
        ("b.jsonl", '{"tokens": ["a"]}\n\ufeff{"tokens": ["b"]}\n', r"b\.jsonl:2: a byte order"),
        ("s.jsonl", '{"tokens": ["\\ud800"], "tags": ["O"]}\n', r"s\.jsonl:1: .*lone UTF-16"),
        ("a.json", "[1, 2]", r"a\.json:1: expected a JSON object per array element"),
        ("only.conll", "-DOCSTART- -X- O O\n\n", "only -DOCSTART- and blank lines"),
    ],
)
def test_sweep_inputs_give_one_clear_error(
    write: Writer, capsys: pytest.CaptureFixture[str], name: str, text: str, message: str
) -> None:
    path = write(name, text)
    assert run_cli(["data", "describe", str(path)]) == 2
    err = _err(capsys)
    assert re.search(message, err), err
    assert "Traceback" not in err


def test_sweep_odd_paths(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    damaged = tmp_path / "hf"
    damaged.mkdir()
    (damaged / "dataset_dict.json").write_text("garbage{", encoding="utf-8")
    (tmp_path / "empty").mkdir()
    fifo = tmp_path / "pipe.conll"
    os.mkfifo(fifo)
    cases = {
        str(damaged): "cannot load this Hugging Face dataset folder",
        str(tmp_path / "empty"): "not a Hugging Face dataset folder .*give a data file",
        str(fifo): "not a regular file",
        str(tmp_path / ("x" * 300 + ".conll")): "File name too long",
    }
    for path, message in cases.items():
        assert run_cli(["data", "describe", path]) == 2
        err = _err(capsys)
        assert re.search(message, err), err


def test_convert_target_formats(
    write: Writer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A .csv target got CoNLL silently, a .json target got JSONL, '-' made a file named '-'."""
    monkeypatch.chdir(tmp_path)
    source = write("s.conll", "EU B-ORG\n\nPeter B-PER\n")
    assert run_cli(["data", "convert", str(source), str(tmp_path / "o.csv")]) == 2
    assert "cannot write CSV" in _err(capsys) and not (tmp_path / "o.csv").exists()
    assert run_cli(["data", "convert", str(source), str(tmp_path / "o.json")]) == 0
    data = json.loads((tmp_path / "o.json").read_text("utf-8"))
    assert [r["tokens"] for r in data] == [["EU"], ["Peter"]]
    assert load_corpus(tmp_path / "o.json").words == [["EU"], ["Peter"]]
    capsys.readouterr()
    assert run_cli(["data", "convert", str(source), "-", "--to", "jsonl"]) == 0
    captured = capsys.readouterr()
    assert [json.loads(ln)["tokens"] for ln in captured.out.splitlines()] == [["EU"], ["Peter"]]
    assert "to standard output" in captured.err and not Path("-").exists()
    long = tmp_path / ("x" * 300 + ".conll")
    assert run_cli(["data", "convert", str(source), str(long)]) == 2
    assert "File name too long" in _err(capsys)


def test_convert_columns_only_later_sentences_have(
    write: Writer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = '{"tokens": ["a"], "tags": ["O"]}\n{"tokens": ["b"], "tags": ["O"], "pos": ["NN"]}\n'
    assert run_cli(["data", "convert", str(write("c.jsonl", rows)), str(tmp_path / "c.conll")]) == 0
    assert "no place for: pos" in _err(capsys)
    rows = '{"tokens": ["a"], "tags": ["O"], "pos": ["NN"]}\n{"tokens": ["b"], "tags": ["O"]}\n'
    assert run_cli(["data", "convert", str(write("d.jsonl", rows)), str(tmp_path / "d.conll")]) == 2
    assert "lacks the column(s) pos that the first sentence has" in _err(capsys)


def test_convert_keeps_a_surrogate_escape_in_other_fields(write: Writer, tmp_path: Path) -> None:
    row = '{"tokens": ["a"], "tags": ["O"], "note": "\\ud800"}\n'
    out = tmp_path / "o.jsonl"
    assert run_cli(["data", "convert", str(write("n.jsonl", row)), str(out)]) == 0
    assert json.loads(out.read_text("utf-8"))["note"] == "\ud800"
