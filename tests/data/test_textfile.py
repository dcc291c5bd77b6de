"""read_text, the one reader under every text format: line ends, encodings, odd files."""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from pathlib import Path

import pytest
import typer

import nerlab.data
from nerlab.data import load_corpus, read_conll, read_jsonl
from nerlab.data.textfile import count_split_lines, read_text, split_lines
from nerlab.errors import DataError

Writer = Callable[[str, str | bytes], Path]


@pytest.mark.parametrize("newline", [b"\n", b"\r\n", b"\r"])
def test_line_ends_all_become_lf(write: Writer, newline: bytes) -> None:
    path = write("a.conll", b"\xef\xbb\xbfA O" + newline + newline + b"B O" + newline)
    assert read_text(path) == "A O\n\nB O\n"


def test_mixed_line_ends_keep_line_numbers(write: Writer) -> None:
    path = write("m.conll", b"A O\r\nB O\rC O\n\rD O E\n")
    with pytest.raises(DataError, match=r"m\.conll:5: expected 2 columns"):
        read_conll(path)


def test_bad_byte_line_counts_cr(write: Writer) -> None:
    path = write("l.conll", b"A O\rB O\r\rZo\xeb O\r")
    with pytest.raises(DataError, match=r"l\.conll:4: not UTF-8: byte 0xEB"):
        read_text(path)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("A O\n".encode("utf-16"), r"is UTF-16 \(it starts with a UTF-16 byte order mark\)"),
        ("A O\n".encode("utf-16-be"), r"looks like UTF-16BE .*iconv -f utf-16be -t utf-8"),
        ("A O\n".encode("utf-32"), r"is UTF-32 .*iconv -f utf-32 -t utf-8"),
        (b"\x1f\x8b\x08\x00\x00\x00", r"gzip-compressed, not a text file: .*gunzip -k t\.conll"),
        (b"PK\x03\x04rest", r"a ZIP archive.*unzip t\.conll"),
        (
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
            r"t\.conll:3: NUL byte at byte offset 8: .*binary",
        ),
        (b"A O\nB\x00 O\n", r"t\.conll:2: NUL byte at byte offset 5"),
    ],
)
def test_files_that_are_not_utf8_text(write: Writer, data: bytes, message: str) -> None:
    with pytest.raises(DataError, match=message):
        read_text(write("t.conll", data))


def test_odd_paths(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="is a folder, not a data file"):
        read_text(tmp_path)
    loop = tmp_path / "loop.conll"
    loop.symlink_to(loop)
    with pytest.raises(DataError, match="symbolic link to a missing file"):
        read_text(loop)
    with pytest.raises(DataError, match="not a regular file"):
        read_text("/dev/null")


def test_permission_denied(write: Writer, monkeypatch: pytest.MonkeyPatch) -> None:
    """chmod 0 does not stop root (the tests' user in CI), so the OS refusal is simulated."""
    path = write("p.conll", "A O\n")

    def refuse(self: Path, *args: object, **kwargs: object) -> None:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "open", refuse)
    monkeypatch.setattr(Path, "read_bytes", refuse)
    with pytest.raises(DataError, match="cannot read the file: Permission denied"):
        load_corpus(path)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"a",
        b"a\n",
        b"a\r",
        b"a\r\n",
        b"\r\n\r",
        b"a\rb\r\n\nc",
        b"\xef\xbb\xbf",
        b"\xef\xbb\xbfx",
    ],
)
def test_split_and_count_lines_agree(data: bytes) -> None:
    text = data.removeprefix(b"\xef\xbb\xbf").replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    expected = text.removesuffix(b"\n").split(b"\n") if text else []
    chunks = [part + b"\n" for part in data.split(b"\n")]  # as iterating a binary file gives
    chunks[-1] = chunks[-1][:-1]
    assert list(split_lines([c for c in chunks if c])) == expected
    for size in (1, 2, 3, 1000):  # a CRLF or a BOM cut between two chunks counts once
        pieces = [data[i : i + size] for i in range(0, len(data), size)]
        assert count_split_lines(pieces) == len(expected)


def test_a_json_array_file_is_read_by_the_jsonl_reader(write: Writer) -> None:
    text = (
        '[\n  {"tokens": ["EU", "rejects"], "tags": ["B-ORG", "O"], "id": 1},\n'
        '  {"text": "Ana sings.", "entities": [{"start": 0, "end": 3, "label": "PER"}]}\n]\n'
    )
    corpus = read_jsonl(write("a.json", text))
    assert corpus.words == [["EU", "rejects"], ["Ana", "sings", "."]]
    assert [s.line for s in corpus] == [2, 3]
    assert corpus[0].extra == {"id": 1}
    assert corpus[1].extra["text"] == "Ana sings."
    with pytest.raises(DataError, match=r"b\.json:3: not valid JSON .*must parse as a whole"):
        read_jsonl(write("b.json", '[\n  {"tokens": ["a"]},\n  oops\n]\n'))
    with pytest.raises(DataError, match=r"c\.json:2: expected a JSON object per array element"):
        read_jsonl(write("c.json", '[\n  "just a string"\n]\n'))


def test_messages_name_only_options_the_cli_has() -> None:
    """Issue 10: messages advised --map-unknown-to-o, --sentence-column and --delimiter, which
    no command has. Every ``--option`` a data-layer message names must exist in the CLI."""
    from nerlab.cli.main import app

    def options(command: object) -> set[str]:
        found: set[str] = set()
        for param in getattr(command, "params", []):
            found.update(o for o in param.opts + param.secondary_opts if o.startswith("--"))
        for sub in getattr(command, "commands", {}).values():
            found |= options(sub)
        return found

    known = options(typer.main.get_command(app))
    folder = Path(nerlab.data.__file__).parent
    named: set[tuple[str, str]] = set()
    for file in folder.glob("*.py"):
        for node in ast.walk(ast.parse(file.read_text("utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                named.update((file.name, o) for o in re.findall(r"--[a-z][a-z0-9-]+", node.value))
    assert named, "the scan found no option at all"
    assert {(f, o) for f, o in named if o not in known} == set()
