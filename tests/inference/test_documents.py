"""predict's input readers (issue 10): line ends, BOMs, JSON documents, kept fields, refusals."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from nerlab.errors import DataError
from nerlab.inference.documents import Document, open_source

Row = tuple[int, str | None, list[str] | None]


def _open(
    path: Path | None, data: bytes = b"", fmt: str = "auto", shard: tuple[int, int] | None = None
) -> tuple[str, int | None, list[Document]]:
    source = open_source(path, io.BytesIO(data), fmt, shard)
    return source.format, source.total, list(source.documents)


def _rows(docs: list[Document]) -> list[Row]:
    return [(d.line, d.text, d.words) for d in docs]


@pytest.mark.parametrize(
    ("data", "lines"),
    [
        (b"one\ntwo\n\nthree", ["one", "two", "", "three"]),
        (b"one\r\ntwo\r\n\r\nthree\r\n", ["one", "two", "", "three"]),
        (b"one\rtwo\r\rthree\r", ["one", "two", "", "three"]),  # old Mac: lone CR
        (b"one\rtwo\r\n\nthree", ["one", "two", "", "three"]),  # mixed
    ],
)
@pytest.mark.parametrize("stdin", [False, True])
def test_cr_crlf_and_lf_all_end_a_line(
    tmp_path: Path, data: bytes, lines: list[str], stdin: bool
) -> None:
    path = tmp_path / "docs.txt"
    path.write_bytes(data)
    fmt, total, docs = _open(None if stdin else path, data)
    assert fmt == "text"
    assert [(d.line, d.text) for d in docs] == list(enumerate(lines, 1))
    assert total == (None if stdin else 4)


@pytest.mark.parametrize("stdin", [False, True])
def test_shards_count_lone_cr_lines(tmp_path: Path, stdin: bool) -> None:
    data = b"one\rtwo\r\nthree\rfour"
    path = tmp_path / "docs.txt"
    path.write_bytes(data)
    first = _open(None if stdin else path, data, shard=(1, 2))
    second = _open(None if stdin else path, data, shard=(2, 2))
    assert [d.text for d in first[2]] == ["one", "two"] and first[1] == 2
    assert [(d.line, d.text) for d in second[2]] == [(3, "three"), (4, "four")]


def test_utf8_bom_is_dropped_from_jsonl_and_text(tmp_path: Path) -> None:
    """Issue 10: a BOM made line 1 invalid JSON, and stayed in a text, shifting offsets."""
    jsonl = tmp_path / "docs.jsonl"
    jsonl.write_bytes(b'\xef\xbb\xbf{"text": "Angela Merkel", "id": 1}\n')
    _, _, docs = _open(jsonl)
    assert docs[0].error is None and docs[0].text == "Angela Merkel"
    assert docs[0].record == {"text": "Angela Merkel", "id": 1}
    text = tmp_path / "docs.txt"
    text.write_bytes(b"\xef\xbb\xbfAngela Merkel\n")
    assert _rows(_open(text)[2]) == [(1, "Angela Merkel", None)]
    data = b'\xef\xbb\xbf{"text": "Paris"}\n'
    assert [d.text for d in _open(None, data)[2]] == ["Paris"]  # stdin


PRETTY = json.dumps(
    [{"text": "EU rejects it.", "id": 1}, "Angela Merkel", {"tokens": ["New", "York"]}], indent=2
)


@pytest.mark.parametrize("name", ["docs.json", "docs.txt", "no-extension"])
def test_a_pretty_printed_json_array_is_read_as_one_document(tmp_path: Path, name: str) -> None:
    """Issue 10: a pretty-printed array was tagged line by line as text."""
    path = tmp_path / name
    path.write_text(PRETTY, encoding="utf-8")
    fmt, total, docs = _open(path)
    assert fmt == "json" and total == 3
    assert _rows(docs) == [
        (2, "EU rejects it.", None),
        (6, "Angela Merkel", None),
        (7, None, ["New", "York"]),
    ]
    assert docs[0].record == {"text": "EU rejects it.", "id": 1}


def test_json_from_stdin_and_a_single_object(tmp_path: Path) -> None:
    fmt, _, docs = _open(None, PRETTY.encode())
    assert fmt == "json" and len(docs) == 3
    path = tmp_path / "one.txt"
    path.write_text(json.dumps({"text": "Paris", "id": 3}, indent=2), encoding="utf-8")
    fmt, _, docs = _open(path)
    assert fmt == "json" and _rows(docs) == [(1, "Paris", None)]


def test_json_shard(tmp_path: Path) -> None:
    path = tmp_path / "docs.json"
    path.write_text('["a", "b", "c", "d"]', encoding="utf-8")
    assert [d.text for d in _open(path, shard=(2, 2))[2]] == ["c", "d"]


@pytest.mark.parametrize(
    "text",
    [
        "[1] Introduction\n[2] Methods\n",  # a text line may start with "["
        '["quoted"] is how it starts\nthen text\n',  # starts like JSON, does not parse
        "[\nnot json at all\n",
    ],
)
def test_text_that_only_starts_like_json_stays_text(tmp_path: Path, text: str) -> None:
    path = tmp_path / "docs.txt"
    path.write_text(text, encoding="utf-8")
    fmt, _, docs = _open(path)
    assert fmt == "text"
    assert [d.text for d in docs] == text.rstrip("\n").split("\n")


def test_jsonl_stays_jsonl(tmp_path: Path) -> None:
    path = tmp_path / "docs.txt"
    path.write_text('{"text": "a"}\n{"text": "b"}\n', encoding="utf-8")
    fmt, _, docs = _open(path)
    assert fmt == "jsonl" and [d.text for d in docs] == ["a", "b"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[\n  "a",\n  oops\n]', r"docs\.json:3: not valid JSON: Expecting value"),
        ("[1, 2, 3]", r"a JSON array of int values; a JSON input must be an array of texts"),
        ('{"data": ["a"]}', r"docs\.json:1: no 'text' field \(nor 'tokens'\); a JSON input"),
        ('{"text": "a"}\n{"text": "b"}\n', r"Extra data.*name the file \.jsonl"),
    ],
)
def test_a_json_file_of_another_shape_is_refused(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "docs.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DataError, match=message):
        _open(path)


def test_json_elements_that_cannot_be_used_keep_their_fields(tmp_path: Path) -> None:
    path = tmp_path / "docs.json"
    path.write_text('["a", {"id": 7, "meta": {"x": 1}}, 3]', encoding="utf-8")
    _, _, docs = _open(path)
    assert docs[0].text == "a"
    assert docs[1].record == {"id": 7, "meta": {"x": 1}}
    assert "docs.json:1: no 'text' field" in (docs[1].error or "")
    assert "a JSON int, not a string or an object" in (docs[2].error or "")


def test_bad_jsonl_lines_keep_the_fields_that_parsed(tmp_path: Path) -> None:
    """Issue 10: an error record dropped the line's other fields (``id``)."""
    path = tmp_path / "docs.jsonl"
    path.write_text('{"id": 8, "txt": "typo"}\n{"tokens": ["a", ""]}\n', encoding="utf-8")
    docs = _open(path)[2]
    assert docs[0].record == {"id": 8, "txt": "typo"} and docs[0].error
    assert docs[1].record == {"tokens": ["a", ""]}
    assert "'tokens' must be a list of non-empty strings" in (docs[1].error or "")


def test_conll_keeps_docstart(tmp_path: Path) -> None:
    path = tmp_path / "in.conll"
    path.write_text("-DOCSTART- -X- -X- O\n\nEU NNP B-ORG\n\nPeter NNP B-PER\n", encoding="utf-8")
    docs = _open(path)[2]
    assert [d.docstart for d in docs] == ["-DOCSTART- -X- -X- O", None]
    assert [d.columns for d in docs] == [[["NNP"], ["B-ORG"]], [["NNP"], ["B-PER"]]]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("EU rejects it.\n".encode("utf-16"), r"is UTF-16 .*iconv -f utf-16 -t utf-8"),
        ("EU rejects it.\n".encode("utf-16-le"), r"looks like UTF-16LE .*iconv -f utf-16le"),
        (b"\x1f\x8b\x08\x00\x00", r"gzip-compressed.*gunzip -k docs\.txt"),
    ],
)
@pytest.mark.parametrize("stdin", [False, True])
def test_non_utf8_text_is_refused_with_the_conversion(
    tmp_path: Path, data: bytes, message: str, stdin: bool
) -> None:
    path = tmp_path / "docs.txt"
    path.write_bytes(data)
    if stdin:
        message = message.split(".*")[0]
    with pytest.raises(DataError, match=message):
        _open(None if stdin else path, data)


def test_missing_folder_and_unreadable(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="input file not found"):
        _open(tmp_path / "missing.txt")
    with pytest.raises(DataError, match="is a folder"):
        _open(tmp_path)


def test_lines_python_cannot_read_are_error_documents(tmp_path: Path) -> None:
    """Found by the sweep: deep nesting and huge numbers raised, a lone surrogate reached the
    tokenizer; each is now one error document, and the other lines still run."""
    path = tmp_path / "docs.jsonl"
    lines = [
        "[" * 100_000 + "]" * 100_000,
        '{"text": "a", "n": ' + "9" * 5000 + "}",
        '{"text": "bad \\ud800 half", "id": 3}',
        '{"text": "fine"}',
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    docs = _open(path)[2]
    assert "nested too deeply" in (docs[0].error or "")
    assert "number too long" in (docs[1].error or "")
    assert "lone UTF-16 surrogate" in (docs[2].error or "") and docs[2].record is not None
    assert docs[3].error is None and docs[3].text == "fine"


def test_a_nul_byte_makes_a_line_unreadable(tmp_path: Path) -> None:
    from nerlab.inference.documents import open_source

    path = tmp_path / "docs.txt"
    path.write_bytes(b"good line\nbad\x00line\n")
    docs = list(open_source(path, None, "text", None).documents)  # type: ignore[arg-type]
    assert docs[0].error is None and docs[0].text == "good line"
    assert docs[1].error is not None and "NUL byte at column 4" in docs[1].error
