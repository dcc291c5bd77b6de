"""Read a data file as text, with errors that name the file, the line and the byte offset."""

from __future__ import annotations

from pathlib import Path

from nerlab.errors import DataError


def read_text(path: str | Path) -> str:
    """Read a UTF-8 file (a BOM is allowed) and normalise CRLF line ends to LF.

    Args:
        path: the file.

    Returns:
        The decoded text.

    Raises:
        DataError: the file is missing, is a folder, or is not UTF-8 (the message gives the
            line and the byte offset of the first bad byte).
    """
    path = Path(path)
    if not path.exists():
        raise DataError("file not found", path)
    if path.is_dir():
        raise DataError("is a folder, not a data file", path)
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise DataError(
            f"not UTF-8: byte 0x{data[exc.start]:02X} at byte offset {exc.start} cannot be decoded "
            f"({exc.reason}). nerlab reads UTF-8 only; convert the file, e.g. "
            f"`iconv -f latin1 -t utf-8 {path.name} > {path.stem}.utf8{path.suffix}`",
            path,
            line,
        ) from None
    if "\r" in text:
        text = text.replace("\r\n", "\n")
    return text
