"""Read a data file as text, with errors that name the file, the line and the byte offset.

Every text reader of nerlab (CoNLL, JSONL, CSV/TSV) goes through :func:`read_text`, so they all
accept the same files: UTF-8 with or without a byte order mark, and any of the three line ends
(LF, CRLF, and the lone CR of old Mac files), which all become LF, so line numbers are the ones
an editor shows. What is not UTF-8 text is refused with a message that says what the file looks
like (UTF-16, gzip, a binary file...) and how to convert it.
"""

from __future__ import annotations

import codecs
import itertools
from collections.abc import Iterable, Iterator
from pathlib import Path

from nerlab.errors import DataError

# Longest first: the UTF-32 LE mark starts with the UTF-16 LE one.
_UNICODE_BOMS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)
_ARCHIVES = (
    (b"\x1f\x8b", "gzip-compressed", "decompress it first, e.g. `gunzip -k {name}`"),
    (b"BZh", "bzip2-compressed", "decompress it first, e.g. `bunzip2 -k {name}`"),
    (b"\xfd7zXZ\x00", "xz-compressed", "decompress it first, e.g. `unxz -k {name}`"),
    (b"(\xb5/\xfd", "zstd-compressed", "decompress it first, e.g. `unzstd {name}`"),
    (b"PK\x03\x04", "a ZIP archive", "extract the data file from it, e.g. `unzip {name}`"),
)


def line_of(data: bytes | str, offset: int) -> int:
    """The 1-based line of ``offset`` in ``data``, counting LF, CRLF and a lone CR as line ends."""
    head = data[:offset]
    if isinstance(head, bytes):
        return head.count(b"\n") + head.count(b"\r") - head.count(b"\r\n") + 1
    return head.count("\n") + head.count("\r") - head.count("\r\n") + 1


def normalize_newlines(text: str) -> str:
    """CRLF and lone CR line ends as LF (a CR is never part of a line's content)."""
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def split_lines(stream: Iterable[bytes]) -> Iterator[bytes]:
    """The lines of a byte stream without their ends: LF, CRLF and a lone CR each end a line.

    Args:
        stream: chunks that each end at an LF (or at the end of the input), as iterating a
            binary file or ``sys.stdin.buffer`` gives them.

    Yields:
        The lines, the UTF-8 byte order mark at the very start dropped.

    Example:
        >>> list(split_lines([b"\\xef\\xbb\\xbfa\\rb\\r\\n", b"c"]))
        [b'a', b'b', b'c']
    """
    first = True
    for raw in stream:
        if first:
            first = False
            raw = raw.removeprefix(codecs.BOM_UTF8)
            if not raw:
                continue
        body = raw[:-1] if raw.endswith(b"\n") else raw
        yield from body.removesuffix(b"\r").split(b"\r")


def count_split_lines(chunks: Iterable[bytes]) -> int:
    """How many lines :func:`split_lines` yields for the concatenated ``chunks`` (any sizes)."""
    rest = iter(chunks)
    head = b""
    for chunk in rest:  # the byte order mark may be cut between the first chunks
        head += chunk
        if len(head) >= len(codecs.BOM_UTF8):
            break
    count, last, pending_cr = 0, b"", False
    for chunk in itertools.chain([head.removeprefix(codecs.BOM_UTF8)], rest):
        if not chunk:
            continue
        count += chunk.count(b"\n") + chunk.count(b"\r") - chunk.count(b"\r\n")
        count -= pending_cr and chunk.startswith(b"\n")  # a CRLF cut between two chunks
        pending_cr = chunk.endswith(b"\r")
        last = chunk[-1:]
    return count + (last not in (b"", b"\n", b"\r"))


def check_file(path: str | Path) -> Path:
    """``path`` as a :class:`~pathlib.Path` if it is a readable regular file.

    Raises:
        DataError: missing, a broken link or link loop, a folder, not a regular file (a device
            or pipe), or not readable (permissions).
    """
    path = Path(path)
    try:
        if path.is_dir():
            raise DataError("is a folder, not a data file; give a file inside it", path)
        if not path.exists():
            if path.is_symlink():
                raise DataError("is a symbolic link to a missing file (or a link loop)", path)
            raise DataError("file not found", path)
        if not path.is_file():
            raise DataError(
                "is not a regular file (a device, pipe or socket); save the data to a file first",
                path,
            )
        with path.open("rb"):
            pass
    except OSError as exc:
        raise DataError(f"cannot read the file: {exc.strerror or exc}", path) from None
    return path


def read_head(path: str | Path, size: int = 4096) -> bytes:
    """The first ``size`` bytes of a checked file (see :func:`check_file`)."""
    path = check_file(path)
    try:
        with path.open("rb") as fh:
            return fh.read(size)
    except OSError as exc:
        raise DataError(f"cannot read the file: {exc.strerror or exc}", path) from None


def _iconv(encoding: str, path: Path) -> str:
    """How to convert ``path`` from ``encoding`` to UTF-8 (a file, or standard input)."""
    if path.name == "<stdin>":
        return (
            f"convert the input first, e.g. pipe it through `iconv -f {encoding.lower()} -t utf-8`"
        )
    return (
        f"convert it, e.g. `iconv -f {encoding.lower()} -t utf-8 {path.name} > "
        f"{path.stem}.utf8{path.suffix}`"
    )


def not_text_reason(data: bytes, path: Path, *, any_nul: bool = True) -> DataError | None:
    """Why ``data`` (a whole file, or its first bytes) is not UTF-8 text, for the cases that
    have a better hint than "bad byte at offset N": a UTF-16/32 byte order mark, the magic
    bytes of gzip, bzip2, xz, zstd or ZIP, many NUL bytes (UTF-16/32 without a mark) or, with
    ``any_nul``, a single NUL byte (a binary file). ``None`` when none of these applies.
    """
    name = path.name
    for bom, encoding in _UNICODE_BOMS:
        if data.startswith(bom):
            return DataError(
                f"the file is {encoding} (it starts with a {encoding} byte order mark); nerlab "
                f"reads UTF-8 only: {_iconv(encoding, path)}",
                path,
            )
    for magic, what, fix in _ARCHIVES:
        if data.startswith(magic):
            return DataError(f"the file is {what}, not a text file: {fix.format(name=name)}", path)
    nul = data.find(b"\x00")
    if nul < 0:
        return None
    head = data[:4096]
    if head.count(b"\x00") * 4 >= len(head):  # ASCII text in UTF-16/32: every 2nd/4th byte 0
        wide = 4 if head.count(b"\x00\x00\x00") * 8 >= len(head) else 2
        # Little-endian text has its NUL bytes after each character's low byte, not before it.
        little = head[::wide].count(b"\x00") < head[wide - 1 :: wide].count(b"\x00")
        encoding = f"UTF-{8 * wide}{'LE' if little else 'BE'}"
        return DataError(
            f"the file looks like {encoding} without a byte order mark (a quarter or more of its "
            f"bytes are NUL); nerlab reads UTF-8 only: {_iconv(encoding, path)}",
            path,
        )
    if not any_nul:
        return None
    return DataError(
        f"NUL byte at byte offset {nul}: this is a binary or damaged file, not a text data "
        "file (CoNLL, JSONL, CSV/TSV); check that you gave the right file",
        path,
        line_of(data, nul),
    )


def decode_text(data: bytes, path: Path) -> str:
    """Decode the bytes of a text data file (see :func:`read_text`)."""
    if error := not_text_reason(data, path):
        raise error
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(
            f"not UTF-8: byte 0x{data[exc.start]:02X} at byte offset {exc.start} cannot be decoded "
            f"({exc.reason}). nerlab reads UTF-8 only; if the file is Latin-1 or Windows-1252, "
            f"{_iconv('cp1252', path)}",
            path,
            line_of(data, exc.start),
        ) from None
    return normalize_newlines(text)


def read_text(path: str | Path) -> str:
    """Read a UTF-8 file (a BOM is allowed) with CRLF and lone CR line ends turned into LF.

    Args:
        path: the file.

    Returns:
        The decoded text; ``text.split("\\n")[i]`` is line ``i + 1`` of the file.

    Raises:
        DataError: the file is missing, a folder, unreadable, compressed, binary, UTF-16/32, or
            not UTF-8 (the message gives the line and the byte offset of the first bad byte).

    Example:
        >>> _ = Path("mac.conll").write_bytes(b"EU B-ORG\\rrejects O\\r")
        >>> read_text("mac.conll")
        'EU B-ORG\\nrejects O\\n'
    """
    path = check_file(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DataError(f"cannot read the file: {exc.strerror or exc}", path) from None
    return decode_text(data, path)
