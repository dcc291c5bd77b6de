"""Input documents for ``nerlab predict``: plain text, JSON Lines or CoNLL, from a file or stdin.

- ``text``: one document per line (an empty line is an empty document, kept in its place).
- ``jsonl``: one JSON object per line with a string ``text`` field; the other fields are kept
  and written back in JSONL output. An empty line is an empty document.
- ``conll``: pre-tokenised sentences (:func:`nerlab.data.read_conll`, all columns kept); the
  predicted tag is written as a new last column in CoNLL output.

A line that cannot be read (not UTF-8, invalid JSON, no ``text`` field) becomes a document
with an ``error`` (``file:line: what is wrong``) so the others still run; the caller reports
it, or stops at the first one in strict mode. A CoNLL file is parsed as a whole, so a
malformed CoNLL file is one :class:`~nerlab.errors.DataError`.

``--shard I/N`` keeps the I-th (1-based) of N contiguous, near-equal slices of the documents,
so that N processes can share one large input and their outputs concatenate in order.
"""

from __future__ import annotations

import io
import itertools
import json
import re
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from nerlab.errors import ConfigError, DataError

INPUT_FORMATS = ("auto", "text", "jsonl", "conll")
_EXTENSIONS = {
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".conll": "conll",
    ".conllu": "conll",
    ".iob": "conll",
    ".bio": "conll",
}
_TAG_LIKE = re.compile(r"^(O|[BIESLU]-\S+)$")


@dataclass
class Document:
    """One input document.

    Attributes:
        line: 1-based line in the input (CoNLL: the line of the sentence's first word).
        text: the raw text (text and JSONL input).
        words: the pre-split words (CoNLL input).
        columns: the CoNLL file's other columns, in file order, one value per word each.
        record: the JSONL object (its fields are kept in JSONL output).
        error: why the line could not be read (``file:line: ...``), else ``None``.
    """

    line: int
    text: str | None = None
    words: list[str] | None = None
    columns: list[list[str]] = field(default_factory=list)
    record: dict[str, Any] | None = None
    error: str | None = None


def parse_shard(spec: str | None) -> tuple[int, int] | None:
    """``"I/N"`` (1 <= I <= N) as ``(I, N)``; ``None`` for no sharding.

    Raises:
        ConfigError: a malformed or out-of-range shard.
    """
    if spec is None:
        return None
    m = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", spec)
    if not m:
        raise ConfigError(f"--shard {spec!r} is not of the form I/N (e.g. 1/4)")
    i, n = int(m.group(1)), int(m.group(2))
    if n < 1 or not 1 <= i <= n:
        raise ConfigError(
            f"--shard {spec}: shard {i} does not exist; with N={n} allowed are 1/{n} to {n}/{n}"
            if n >= 1
            else f"--shard {spec}: N must be at least 1"
        )
    return i, n


def shard_range(total: int, shard: tuple[int, int] | None) -> range:
    """The document indices of ``shard`` among ``total`` documents."""
    if shard is None:
        return range(total)
    i, n = shard
    return range((i - 1) * total // n, i * total // n)


def detect_input_format(path: Path | None, first_lines: list[str]) -> str:
    """Guess ``text``, ``jsonl`` or ``conll`` from the extension, then from the first lines.

    JSONL: the first non-empty line is a JSON object. CoNLL: every one of the first non-empty
    lines has the same number (at least 2) of whitespace-separated fields and the last one
    looks like a tag (``O``, ``B-X``...), or the file starts with ``-DOCSTART-``. Otherwise text.
    """
    if path is not None and path.suffix.lower() in _EXTENSIONS:
        return _EXTENSIONS[path.suffix.lower()]
    lines = [ln for ln in first_lines if ln.strip()]
    if not lines:
        return "text"
    if lines[0].lstrip().startswith("{"):
        return "jsonl"
    if lines[0].startswith("-DOCSTART-"):
        return "conll"
    fields = [ln.split() for ln in lines]
    same = len({len(f) for f in fields}) == 1 and len(fields[0]) >= 2
    return "conll" if same and all(_TAG_LIKE.match(f[-1]) for f in fields) else "text"


def _decode(raw: bytes, where: str, lineno: int) -> tuple[str | None, str | None]:
    """A line's text, or an error naming the line and the bad byte."""
    try:
        return raw.decode("utf-8").removesuffix("\n").removesuffix("\r"), None
    except UnicodeDecodeError as exc:
        return None, (
            f"{where}:{lineno}: not UTF-8: byte {raw[exc.start : exc.start + 1].hex()!r} at "
            f"column {exc.start + 1} ({exc.reason}); nerlab reads UTF-8 only"
        )


def _jsonl_document(text: str, where: str, lineno: int) -> Document:
    if not text.strip():
        return Document(lineno, text="")
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as exc:
        return Document(
            lineno, error=f"{where}:{lineno}: invalid JSON: {exc.msg} (column {exc.colno})"
        )
    if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
        got = (
            "no 'text' field" if isinstance(obj, dict) and "text" not in obj else "no string 'text'"
        )
        if not isinstance(obj, dict):
            got = f"a JSON {type(obj).__name__}, not an object"
        return Document(
            lineno,
            error=f'{where}:{lineno}: {got}; each line must be an object like {{"text": "..."}}',
        )
    return Document(lineno, text=obj["text"], record=obj)


def _line_documents(
    stream: Iterable[bytes], fmt: str, where: str, keep: range | None
) -> Iterator[Document]:
    for index, raw in enumerate(stream):
        if keep is not None and index not in keep:
            if index >= keep.stop:
                return
            continue
        lineno = index + 1
        text, error = _decode(raw, where, lineno)
        if error is not None:
            yield Document(lineno, error=error)
        elif fmt == "jsonl":
            yield _jsonl_document(text or "", where, lineno)
        else:
            yield Document(lineno, text=text)


def count_lines(path: Path) -> int:
    """Number of lines (a last line without a line break counts)."""
    count, last = 0, b"\n"
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            count += chunk.count(b"\n")
            last = chunk[-1:]
    return count + (last != b"\n")


def conll_documents(path: Path) -> list[Document]:
    """The sentences of a CoNLL file as documents (all columns kept, in file order)."""
    from nerlab.data import read_conll

    corpus = read_conll(path, tag_column=None)
    docs = []
    for s in corpus:
        names = sorted(s.columns, key=lambda c: int(c.removeprefix("col")))
        docs.append(Document(s.line or 0, words=s.words, columns=[s.columns[n] for n in names]))
    return docs


@dataclass
class Source:
    """An opened input: its documents (lazily, for line formats) and how many there are."""

    documents: Iterator[Document]
    total: int | None
    format: str
    name: str


def open_source(
    path: Path | None,
    stdin: BinaryIO,
    fmt: str = "auto",
    shard: tuple[int, int] | None = None,
) -> Source:
    """Open ``path`` (or ``stdin`` when ``None``) as documents, sharded if asked.

    Raises:
        DataError: a missing file or folder, a malformed CoNLL file.
        ConfigError: an unknown input format.
    """
    if fmt not in INPUT_FORMATS:
        raise ConfigError(f"unknown input format {fmt!r}; allowed: {', '.join(INPUT_FORMATS)}")
    if path is None:
        return _stdin_source(stdin, fmt, shard)
    if not path.exists():
        raise DataError("input file not found", path)
    if path.is_dir():
        raise DataError("is a folder; give a text, JSONL or CoNLL file", path)
    if fmt == "auto":
        with path.open("rb") as f:
            head = [ln.decode("utf-8", "replace") for _, ln in zip(range(20), f, strict=False)]
        fmt = detect_input_format(path, head)
    if fmt == "conll":
        docs = conll_documents(path)
        keep = shard_range(len(docs), shard)
        return Source(iter(docs[keep.start : keep.stop]), len(keep), fmt, str(path))
    keep = shard_range(count_lines(path), shard)

    def documents() -> Iterator[Document]:
        with path.open("rb") as f:
            yield from _line_documents(f, fmt, str(path), keep)

    return Source(documents(), len(keep), fmt, str(path))


def _stdin_source(stdin: BinaryIO, fmt: str, shard: tuple[int, int] | None) -> Source:
    """Standard input: streamed line by line, or read whole for CoNLL and for sharding
    (which needs the number of documents first)."""
    head = list(itertools.islice(stdin, 20))
    if fmt == "auto":
        fmt = detect_input_format(None, [ln.decode("utf-8", "replace") for ln in head])
    if fmt != "conll" and shard is None:
        lines = itertools.chain(head, stdin)
        return Source(_line_documents(lines, fmt, "<stdin>", None), None, fmt, "<stdin>")
    data = b"".join(head) + stdin.read()
    if fmt == "conll":
        with tempfile.TemporaryDirectory(prefix="nerlab-stdin-") as tmp:
            tmp_path = Path(tmp) / "stdin.conll"
            tmp_path.write_bytes(data)
            try:
                docs = conll_documents(tmp_path)
            except DataError as exc:
                raise DataError(str(exc).replace(str(tmp_path), "<stdin>")) from None
        keep = shard_range(len(docs), shard)
        return Source(iter(docs[keep.start : keep.stop]), len(keep), fmt, "<stdin>")
    # Lines end at "\n" only, as when reading a file (a lone "\r" stays inside its line).
    keep = shard_range(data.count(b"\n") + (not data.endswith(b"\n") and bool(data)), shard)
    lines = io.BytesIO(data)
    return Source(_line_documents(lines, fmt, "<stdin>", keep), len(keep), fmt, "<stdin>")
