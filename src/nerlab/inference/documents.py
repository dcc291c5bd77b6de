"""Input documents for ``nerlab predict``: text, JSON Lines, JSON or CoNLL, from a file or stdin.

- ``text``: one document per line (an empty line is an empty document, kept in its place).
- ``jsonl``: one JSON object per line with a string ``text`` field (or a ``tokens`` list of
  pre-split words); the other fields are kept and written back in JSONL output. An empty line
  is an empty document.
- ``json``: one JSON document, pretty-printed or not: an array whose elements are texts
  (strings) or objects as in JSONL, or a single such object. Chosen for a ``.json`` file, and
  for any input that parses as one JSON array or object as a whole (a text whose first line
  merely starts with ``[`` stays text).
- ``conll``: pre-tokenised sentences (:func:`nerlab.data.read_conll`, all columns kept); the
  predicted tag is written as a new last column in CoNLL output, ``-DOCSTART-`` lines kept.

Lines end at LF, CRLF or a lone CR (old Mac files), as in nerlab's data readers, and a UTF-8
byte order mark at the start is dropped, so texts, offsets and line numbers are the ones an
editor shows. A UTF-16/32 or compressed input is refused with the command that converts it.

A line that cannot be read (not UTF-8, invalid JSON, no ``text`` field) becomes a document
with an ``error`` (``file:line: what is wrong``) that keeps the fields of the line that could
be parsed, so the others still run; the caller reports it, or stops at the first one in strict
mode. A CoNLL file or a JSON document is parsed as a whole, so a malformed one is one
:class:`~nerlab.errors.DataError`.

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

from nerlab.data.jsontext import has_surrogate, json_document_items, loads, looks_like_json_document
from nerlab.data.textfile import count_split_lines, decode_text, not_text_reason, split_lines
from nerlab.errors import ConfigError, DataError

INPUT_FORMATS = ("auto", "text", "jsonl", "json", "conll")
_EXTENSIONS = {
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".conll": "conll",
    ".conllu": "conll",
    ".iob": "conll",
    ".bio": "conll",
}
_TAG_LIKE = re.compile(r"^(O|[BIESLU]-\S+)$")
_HEAD_LINES = 20
_HEAD_BYTES = 1 << 16
# Auto-detection parses a whole input as one JSON document only up to this size; a larger one
# is read line by line as before (--input-format json forces the JSON reading).
_JSON_SNIFF_LIMIT = 256 << 20
_JSON_SHAPE = (
    'an array of texts (strings, or objects like {"text": "..."} or {"tokens": [...]}), or one '
    "such object"
)
_STDIN = "<stdin>"


@dataclass
class Document:
    """One input document.

    Attributes:
        line: 1-based line in the input (CoNLL: the line of the sentence's first word; JSON:
            the line its element starts on).
        text: the raw text (text, JSONL and JSON input).
        words: the pre-split words (CoNLL input, or a JSON record with ``tokens``).
        columns: the CoNLL file's other columns, in file order, one value per word each.
        record: the JSON object (its fields are kept in JSONL output; for an unusable record,
            the fields that parsed are kept with the error).
        error: why the line could not be read (``file:line: ...``), else ``None``.
        docstart: the CoNLL ``-DOCSTART-`` line before this sentence, written back in CoNLL
            output.
    """

    line: int
    text: str | None = None
    words: list[str] | None = None
    columns: list[list[str]] = field(default_factory=list)
    record: dict[str, Any] | None = None
    error: str | None = None
    docstart: str | None = None


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
    """Guess ``text``, ``jsonl``, ``json`` or ``conll`` from the extension, then the first lines.

    JSON: a ``.json`` extension. JSONL: the first non-empty line is a JSON object. CoNLL: every
    one of the first non-empty lines has the same number (at least 2) of whitespace-separated
    fields and the last one looks like a tag (``O``, ``B-X``...), or the file starts with
    ``-DOCSTART-``. Otherwise text. (:func:`open_source` then reads a ``text`` or ``jsonl``
    guess as ``json`` when the whole input parses as one JSON array or object.)
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


def count_lines(path: Path) -> int:
    """Number of lines (LF, CRLF and lone CR end one; a last line without an end counts)."""

    def chunks() -> Iterator[bytes]:
        with path.open("rb") as f:
            while chunk := f.read(1 << 20):
                yield chunk

    return count_split_lines(chunks())


def _decode(raw: bytes, where: str, lineno: int) -> tuple[str | None, str | None]:
    """A line's text, or an error naming the line and the bad byte."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, (
            f"{where}:{lineno}: not UTF-8: byte {raw[exc.start : exc.start + 1].hex()!r} at "
            f"column {exc.start + 1} ({exc.reason}); nerlab reads UTF-8 only"
        )
    if "\x00" in text:  # binary data, or UTF-16 read as bytes: never text to tag
        return None, (
            f"{where}:{lineno}: a NUL byte at column {text.index(chr(0)) + 1}; this is not "
            "text (a binary or UTF-16 file?)"
        )
    return text, None


def _record_document(obj: Any, where: str, lineno: int, *, strings: bool = False) -> Document:
    """A document from one JSON value: an object with a string ``text`` or a ``tokens`` list
    (with ``strings``, also a plain string); else an error document keeping the object."""
    if strings and isinstance(obj, str):
        return Document(lineno, text=obj)
    if not isinstance(obj, dict):
        what, each = ("a string or an object", "element") if strings else ("an object", "line")
        return Document(
            lineno,
            error=f"{where}:{lineno}: a JSON {type(obj).__name__}, not {what}; each {each} "
            'must be like {"text": "..."}',
        )
    tokens = obj.get("tokens")
    text = obj.get("text")
    if isinstance(text, str) and not has_surrogate(text):
        return Document(lineno, text=text, record=obj)
    if isinstance(text, str) or any(isinstance(t, str) and has_surrogate(t) for t in tokens or ()):
        error = "a lone UTF-16 surrogate (an escape \\ud800..\\udfff, half a character)"
    elif "text" in obj:
        error = "no string 'text'"
    elif tokens is None:
        error = "no 'text' field (nor 'tokens')"
    elif isinstance(tokens, list) and all(isinstance(t, str) and t.strip() for t in tokens):
        return Document(lineno, words=tokens, record=obj) if tokens else Document(lineno, text="")
    else:
        error = "'tokens' must be a list of non-empty strings"
    return Document(
        lineno,
        record=obj,
        error=f'{where}:{lineno}: {error}; each record must be an object like {{"text": "..."}}',
    )


def _jsonl_document(text: str, where: str, lineno: int) -> Document:
    if not text.strip():
        return Document(lineno, text="")
    try:
        obj = loads(text)
    except json.JSONDecodeError as exc:
        return Document(
            lineno, error=f"{where}:{lineno}: invalid JSON: {exc.msg} (column {exc.colno})"
        )
    return _record_document(obj, where, lineno)


def _line_documents(
    stream: Iterable[bytes], fmt: str, where: str, keep: range | None
) -> Iterator[Document]:
    for index, raw in enumerate(split_lines(stream)):
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


def _item_documents(text: str, items: list[tuple[int, Any]], where: str) -> list[Document]:
    """The documents of a parsed JSON document (see :func:`json_documents`)."""
    if not text.lstrip().startswith("["):
        ((line, obj),) = items
        doc = _record_document(obj, where, line)
        if doc.error is not None:
            reason = doc.error.split("; each ")[0]
            raise DataError(f"{reason}; a JSON input must be {_JSON_SHAPE}")
        return [doc]
    if items and not any(isinstance(v, str | dict) for _, v in items):
        kind = type(items[0][1]).__name__
        raise DataError(f"a JSON array of {kind} values; a JSON input must be {_JSON_SHAPE}", where)
    return [_record_document(v, where, line, strings=True) for line, v in items]


def json_documents(text: str, where: str) -> list[Document]:
    """The documents of a text that is one JSON document (see the module docstring).

    Args:
        text: the whole input, decoded, with LF line ends.
        where: the input's name for messages.

    Returns:
        One document per array element (one for a single object, none for an empty input),
        each with the line its element starts on; an element that cannot be used is an error
        document.

    Raises:
        DataError: not one JSON document, or neither an array of texts/objects nor one object.

    Example:
        >>> [d.text for d in json_documents('[\\n  "EU rejects it.",\\n  {"text": "Hi"}\\n]', "x")]
        ['EU rejects it.', 'Hi']
    """
    if not text.strip():
        return []
    try:
        items = json_document_items(text)
    except json.JSONDecodeError as exc:
        raise DataError(
            f"not valid JSON: {exc.msg} (column {exc.colno}); a JSON input must be one JSON "
            f"document, {_JSON_SHAPE}. For one object per line, name the file .jsonl or give "
            "--input-format jsonl",
            where,
            exc.lineno,
        ) from None
    return _item_documents(text, items, where)


def _sniffed_json(data: bytes, where: str) -> list[Document] | None:
    """The documents of ``data`` if it is one JSON document, else ``None`` (read it as before)."""
    try:
        text = decode_text(data, Path(where))
        items = json_document_items(text)
    except (DataError, json.JSONDecodeError):
        return None
    return _item_documents(text, items, where)


def conll_documents(path: Path) -> list[Document]:
    """The sentences of a CoNLL file as documents (all columns and -DOCSTART- lines kept)."""
    from nerlab.data import read_conll

    corpus = read_conll(path, tag_column=None)
    docs = []
    for s in corpus:
        names = sorted(s.columns, key=lambda c: int(c.removeprefix("col")))
        columns = [s.columns[n] for n in names]
        docstart = s.extra.get("docstart")
        docs.append(Document(s.line or 0, words=s.words, columns=columns, docstart=docstart))
    return docs


@dataclass
class Source:
    """An opened input: its documents (lazily, for line formats) and how many there are."""

    documents: Iterator[Document]
    total: int | None
    format: str
    name: str


def _listed(docs: list[Document], fmt: str, name: str, shard: tuple[int, int] | None) -> Source:
    keep = shard_range(len(docs), shard)
    return Source(iter(docs[keep.start : keep.stop]), len(keep), fmt, name)


def _head(data: bytes, where: str) -> tuple[list[str], str]:
    """The first lines (for :func:`detect_input_format`) and the text of the input's first
    bytes, after refusing a UTF-16/32 or compressed input."""
    if error := not_text_reason(data, Path(where), any_nul=False):
        raise error
    lines = itertools.islice(split_lines(io.BytesIO(data)), _HEAD_LINES)
    text = data.decode("utf-8", "replace").removeprefix("\ufeff")
    return [ln.decode("utf-8", "replace") for ln in lines], text


def open_source(
    path: Path | None,
    stdin: BinaryIO,
    fmt: str = "auto",
    shard: tuple[int, int] | None = None,
) -> Source:
    """Open ``path`` (or ``stdin`` when ``None``) as documents, sharded if asked.

    Raises:
        DataError: a missing, unreadable or non-text file, a folder, a malformed CoNLL file or
            JSON document.
        ConfigError: an unknown input format.
    """
    if fmt not in INPUT_FORMATS:
        raise ConfigError(f"unknown input format {fmt!r}; allowed: {', '.join(INPUT_FORMATS)}")
    if path is None:
        return _stdin_source(stdin, fmt, shard)
    if path.is_dir():
        raise DataError("is a folder; give a text, JSONL, JSON or CoNLL file", path)
    if not path.exists():
        raise DataError("input file not found", path)
    try:
        with path.open("rb") as f:
            lines, text = _head(f.read(_HEAD_BYTES), str(path))  # bytes: a CR file has no LF
        if fmt == "auto":
            fmt = detect_input_format(path, lines)
            small = path.stat().st_size <= _JSON_SNIFF_LIMIT
            sniff = fmt in ("text", "jsonl") and small and looks_like_json_document(text)
            docs = _sniffed_json(path.read_bytes(), str(path)) if sniff else None
            if docs is not None:
                return _listed(docs, "json", str(path), shard)
        if fmt == "json":
            docs = json_documents(decode_text(path.read_bytes(), path), str(path))
            return _listed(docs, fmt, str(path), shard)
    except OSError as exc:
        raise DataError(f"cannot read the file: {exc.strerror or exc}", path) from None
    if fmt == "conll":
        return _listed(conll_documents(path), fmt, str(path), shard)
    keep = shard_range(count_lines(path), shard)

    def documents() -> Iterator[Document]:
        with path.open("rb") as f:
            yield from _line_documents(f, fmt, str(path), keep)

    return Source(documents(), len(keep), fmt, str(path))


def _stdin_source(stdin: BinaryIO, fmt: str, shard: tuple[int, int] | None) -> Source:
    """Standard input: streamed line by line, or read whole for CoNLL, JSON and sharding
    (which needs the number of documents first)."""
    head = list(itertools.islice(stdin, _HEAD_LINES))
    lines, text = _head(b"".join(head), _STDIN)
    rest: Iterable[bytes] = stdin
    if fmt == "auto":
        fmt = detect_input_format(None, lines)
        if fmt in ("text", "jsonl") and looks_like_json_document(text):
            data = b"".join(head) + stdin.read()
            if (docs := _sniffed_json(data, _STDIN)) is not None:
                return _listed(docs, "json", _STDIN, shard)
            head, rest = list(io.BytesIO(data)), ()
    if fmt != "conll" and fmt != "json" and shard is None:
        lines_in = itertools.chain(head, rest)
        return Source(_line_documents(lines_in, fmt, _STDIN, None), None, fmt, _STDIN)
    data = b"".join(itertools.chain(head, rest))
    if fmt == "json":
        return _listed(json_documents(decode_text(data, Path(_STDIN)), _STDIN), fmt, _STDIN, shard)
    if fmt == "conll":
        with tempfile.TemporaryDirectory(prefix="nerlab-stdin-") as tmp:
            tmp_path = Path(tmp) / "stdin.conll"
            tmp_path.write_bytes(data)
            try:
                docs = conll_documents(tmp_path)
            except DataError as exc:
                raise DataError(str(exc).replace(str(tmp_path), _STDIN)) from None
        return _listed(docs, fmt, _STDIN, shard)
    keep = shard_range(count_split_lines([data]), shard)
    return Source(_line_documents(io.BytesIO(data), fmt, _STDIN, keep), len(keep), fmt, _STDIN)
