"""JSON text the way nerlab's readers and writers need it: parsing that fails only with a
:class:`json.JSONDecodeError`, a file that is one JSON document (an array of records, often
pretty-printed) with the line each record starts on, and writing that never fails on a value
read from JSON.

Example:
    >>> json_document_items('[\\n  {"text": "a"},\\n  {"text": "b"}\\n]')
    [(2, {'text': 'a'}), (3, {'text': 'b'})]
"""

from __future__ import annotations

import json
import re
from typing import Any

_SURROGATE = re.compile("[\ud800-\udfff]")


def has_surrogate(text: str) -> bool:
    """Whether ``text`` holds a lone UTF-16 surrogate: legal in JSON (``"\\ud800"``), but half a
    character, which no tokenizer or UTF-8 file can take."""
    return _SURROGATE.search(text) is not None


def _decode_error(exc: Exception, text: str) -> json.JSONDecodeError:
    """A failure of the json module that is not a JSONDecodeError, as one (position unknown)."""
    if isinstance(exc, RecursionError):
        return json.JSONDecodeError("arrays or objects nested too deeply", text, 0)
    if "digits" in str(exc):
        return json.JSONDecodeError("a number too long for Python, over 4300 digits,", text, 0)
    return json.JSONDecodeError(f"a value Python cannot read ({exc})", text, 0)


def loads(text: str) -> Any:
    """:func:`json.loads`, with every failure a :class:`json.JSONDecodeError`: also nesting
    too deep for Python's recursion limit, and integers longer than Python converts."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise
    except (RecursionError, ValueError) as exc:
        raise _decode_error(exc, text) from None


_JSON_SPACE = re.compile(r"[ \t\n\r]*")


def json_document_items(text: str) -> list[tuple[int, Any]]:
    """The records of a text that is one JSON document, with the line each starts on.

    An array gives its elements; any other value gives itself. Used for ``.json`` files that
    hold one (often pretty-printed) array of records instead of one record per line.

    Args:
        text: the whole file, line ends already LF.

    Returns:
        ``(line, value)`` per record, lines 1-based.

    Raises:
        json.JSONDecodeError: the text is not exactly one JSON document (or is nested too
            deeply, or holds a number too long, for Python).

    Example:
        >>> json_document_items('[\\n  {"text": "a"},\\n  {"text": "b"}\\n]')
        [(2, {'text': 'a'}), (3, {'text': 'b'})]
    """
    try:
        return _document_items(text)
    except json.JSONDecodeError:
        raise
    except (RecursionError, ValueError) as exc:
        raise _decode_error(exc, text) from None


def _document_items(text: str) -> list[tuple[int, Any]]:
    decoder = json.JSONDecoder()
    pos = _JSON_SPACE.match(text).end()  # type: ignore[union-attr]
    items: list[tuple[int, Any]] = []
    line, counted = 1, 0

    def line_at(offset: int) -> int:
        nonlocal line, counted
        line += text.count("\n", counted, offset)
        counted = offset
        return line

    if not text.startswith("[", pos):
        value, end = decoder.raw_decode(text, pos)
        items.append((line_at(pos), value))
    else:
        end = _JSON_SPACE.match(text, pos + 1).end()  # type: ignore[union-attr]
        closed = text.startswith("]", end)
        end += closed
        while not closed:
            start = _JSON_SPACE.match(text, end).end()  # type: ignore[union-attr]
            value, end = decoder.raw_decode(text, start)
            items.append((line_at(start), value))
            end = _JSON_SPACE.match(text, end).end()  # type: ignore[union-attr]
            if not text.startswith((",", "]"), end):
                raise json.JSONDecodeError("Expecting ',' delimiter", text, end)
            closed = text[end] == "]"
            end += 1
    end = _JSON_SPACE.match(text, end).end()  # type: ignore[union-attr]
    if end != len(text):
        raise json.JSONDecodeError("Extra data", text, end)
    return items


def looks_like_json_document(text: str) -> bool:
    """Whether ``text`` starts like a JSON array of records, or one object over several lines.

    A JSONL file (one object per line) and a text or CoNLL file whose first word is ``[`` do
    not; only then is it worth parsing the whole text as one document.
    """
    head = text.lstrip()
    if re.match(r"\[[ \t\n\r]*[{\]\"]", head):
        return True
    first = head.split("\n", 1)[0]
    if not first.startswith("{"):
        return False
    try:
        loads(first)
    except json.JSONDecodeError:
        return True
    return False


def dumps(obj: Any) -> str:
    """One line of JSON, non-ASCII characters as they are; a string holding a lone surrogate
    (legal in JSON, ``"\\ud800"``, but not encodable as UTF-8) is written escaped, as read,
    and a value JSON has no type for (a date from a Hugging Face dataset) as its ``str``."""
    line = json.dumps(obj, ensure_ascii=False, default=str)
    try:
        line.encode("utf-8")
    except UnicodeEncodeError:
        line = json.dumps(obj, default=str)
    return line
