"""JSON Lines files: one sentence per line, in one of two forms.

- Words and tags: ``{"tokens": ["EU", "rejects"], "tags": ["B-ORG", "O"]}``. Other keys whose
  value is a list with one entry per token (``"pos": [...]``) are also kept as columns.
- Text and character spans: ``{"text": "EU rejects it", "entities": [{"start": 0, "end": 2,
  "label": "ORG"}]}``. Words come from :func:`nerlab.data.words.split_words`; an entity must
  start at the start of a word and end at the end of one; entities become IOB2 tags.

Every key other than ``tokens`` and ``tags`` (``id``, ``meta``, and ``text`` with the original
``entities``) is kept, as read, in ``Sentence.extra``; :func:`write_jsonl` writes it back.

A file is labelled (every line has ``tags`` / ``entities``) or unlabelled (no line has them).
Blank lines are allowed; every other line must be a JSON object.

Example:
    >>> corpus = read_jsonl("train.jsonl")
"""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path
from typing import Any

from nerlab.data.corpus import Corpus, Sentence
from nerlab.data.jsontext import (
    dumps,
    has_surrogate,
    json_document_items,
    loads,
    looks_like_json_document,
)
from nerlab.data.textfile import read_text
from nerlab.data.words import split_words
from nerlab.errors import DataError, where
from nerlab.files import write_text_atomic


def _check_chars(values: list[str], key: str, path: Path, line: int) -> None:
    if bad := next((v for v in values if has_surrogate(v)), None):
        raise DataError(
            f'"{key}" holds {json.dumps(bad)[:80]}, with a lone UTF-16 surrogate (an escape '
            "from \\ud800 to \\udfff that is half a character); fix the escape",
            path,
            line,
        )


def _str_list(obj: dict, key: str, path: Path, line: int) -> list[str]:
    value = obj[key]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise DataError(
            f'"{key}" must be a list of strings, got {json.dumps(value)[:80]}', path, line
        )
    _check_chars(value, key, path, line)
    return value


def _tokens_sentence(obj: dict, path: Path, line: int) -> Sentence:
    words = _str_list(obj, "tokens", path, line)
    if "" in words:
        raise DataError(f'"tokens" has an empty string at position {words.index("")}', path, line)
    tags = _str_list(obj, "tags", path, line) if "tags" in obj else []
    if "tags" in obj and len(tags) != len(words):
        raise DataError(f'{len(words)} "tokens" but {len(tags)} "tags"', path, line)
    columns = {
        k: [str(x) for x in v]
        for k, v in obj.items()
        if k not in ("tokens", "tags") and isinstance(v, list) and len(v) == len(words)
    }
    extra = {k: v for k, v in obj.items() if k not in ("tokens", "tags")}
    return Sentence(words, tags, columns, str(path), line, None, extra)


def _entity(ent: Any, n: int, text_len: int, path: Path, line: int) -> tuple[int, int, str]:
    if not isinstance(ent, dict) or not {"start", "end", "label"} <= ent.keys():
        raise DataError(
            f'entity {n + 1} must be an object with "start", "end" and "label", got '
            f"{json.dumps(ent)[:80]}",
            path,
            line,
        )
    start, end, label = ent["start"], ent["end"], ent["label"]
    if type(start) is not int or type(end) is not int:
        raise DataError(f"entity {n + 1}: start and end must be integers", path, line)
    if not isinstance(label, str) or not label or any(c.isspace() for c in label):
        raise DataError(
            f"entity {n + 1}: label must be a non-empty word, got {label!r}", path, line
        )
    if not 0 <= start < end <= text_len:
        raise DataError(
            f"entity {n + 1} [{start}, {end}) {label} falls outside the text (length "
            f"{text_len}); spans need 0 <= start < end <= length",
            path,
            line,
        )
    return start, end, label


def _span_tags(
    words: list[tuple[str, int, int]], spans: list[tuple[int, int, str]], text: str, where_: tuple
) -> list[str]:
    """IOB2 tags for the words from character spans (sorted, not overlapping)."""
    starts = {s: i for i, (_, s, _) in enumerate(words)}
    ends = {e: i for i, (_, _, e) in enumerate(words)}
    tags = ["O"] * len(words)
    for start, end, label in spans:
        for pos, table, what in ((start, starts, "starts"), (end, ends, "ends")):
            if pos not in table:
                inside = [w for w, s, e in words if s < pos < e]
                why = f"inside the word {inside[0]!r}" if inside else "on whitespace"
                raise DataError(
                    f"entity {text[start:end]!r} ({label}, [{start}, {end})) {what} at offset "
                    f"{pos}, {why}; an entity must start and end at word boundaries "
                    "(words split as in nerlab.data.words.split_words)",
                    *where_,
                )
        first, last = starts[start], ends[end]
        tags[first] = f"B-{label}"
        for i in range(first + 1, last + 1):
            tags[i] = f"I-{label}"
    return tags


def _text_sentence(obj: dict, path: Path, line: int) -> Sentence:
    text = obj["text"]
    if not isinstance(text, str):
        raise DataError(f'"text" must be a string, got {json.dumps(text)[:80]}', path, line)
    _check_chars([text], "text", path, line)
    words = split_words(text)
    tags: list[str] = []
    if "entities" in obj:
        ents = obj["entities"]
        if not isinstance(ents, list):
            raise DataError('"entities" must be a list of {start, end, label}', path, line)
        spans = sorted(_entity(e, n, len(text), path, line) for n, e in enumerate(ents))
        for (s1, e1, l1), (s2, e2, l2) in pairwise(spans):
            if s2 < e1:
                raise DataError(
                    f"entities overlap: [{s1}, {e1}) {l1} {text[s1:e1]!r} and [{s2}, {e2}) {l2} "
                    f"{text[s2:e2]!r}; nerlab tags flat (non-nested) entities only",
                    path,
                    line,
                )
        tags = _span_tags(words, spans, text, (path, line))
    extra = {k: v for k, v in obj.items() if k != "tags"}
    return Sentence([w for w, _, _ in words], tags, {}, str(path), line, None, extra)


def _record_sentence(obj: Any, path: Path, line: int, per: str = "line") -> Sentence:
    if not isinstance(obj, dict):
        raise DataError(
            f"expected a JSON object per {per}, got {type(obj).__name__}; write one "
            f'{{"tokens": [...], "tags": [...]}} or {{"text": ..., "entities": [...]}} per {per}',
            path,
            line,
        )
    if "tokens" in obj:
        sentence = _tokens_sentence(obj, path, line)
    elif "text" in obj:
        sentence = _text_sentence(obj, path, line)
    else:
        raise DataError(
            f'the object lacks "tokens" (with "tags") or "text" (with "entities"); it has '
            f"{', '.join(map(repr, obj)) or 'no keys'}",
            path,
            line,
        )
    if not sentence.words:
        raise DataError("the sentence has no words", path, line)
    return sentence


def _parse_line(raw: str, path: Path, line: int) -> Sentence:
    if raw.lstrip().startswith("\ufeff"):
        raise DataError(
            "a byte order mark (U+FEFF) starts this line, in the middle of the file: were two "
            "files joined? Remove it (e.g. `sed -i 's/^\\xEF\\xBB\\xBF//' FILE`)",
            path,
            line,
        )
    try:
        obj = loads(raw)
    except json.JSONDecodeError as exc:
        hint = ""
        if line == 1 and raw.strip() in ("[", "{"):
            hint = "; the file looks like one JSON document, and it does not parse either"
        raise DataError(
            f"not valid JSON ({exc.msg} at column {exc.colno}){hint}", path, line
        ) from None
    return _record_sentence(obj, path, line)


def _document_sentences(text: str, path: Path) -> list[Sentence] | None:
    """The sentences of a file that is one JSON array of records (or one record spanning
    lines); ``None`` when a file starting with ``{`` is not one document (then it is JSONL)."""
    try:
        items = json_document_items(text)
    except json.JSONDecodeError as exc:
        if not text.lstrip().startswith("["):
            return None
        raise DataError(
            f"not valid JSON ({exc.msg} at column {exc.colno}); the file starts like one JSON "
            "document (an array of records), which must parse as a whole",
            path,
            exc.lineno,
        ) from None
    return [_record_sentence(obj, path, line, "array element") for line, obj in items]


def read_jsonl(path: str | Path) -> Corpus:
    """Read a JSON Lines file (see the module docstring for the two accepted forms).

    A file that is one JSON document instead, an array of such objects (pretty-printed or
    not), is read too, each element a sentence.

    Args:
        path: the file (UTF-8).

    Returns:
        The corpus; ``Sentence.line`` is the 1-based line of the JSON object.

    Raises:
        DataError: a line that is not a JSON object or lacks a field, tokens and tags of
            different lengths, entities that overlap, fall outside the text or cut a word,
            labelled and unlabelled lines mixed, or no sentence at all.
    """
    path = Path(path)
    text = read_text(path)
    array = path.suffix.lower() == ".json" and text.lstrip().startswith("[")
    document = array or looks_like_json_document(text)
    sentences = _document_sentences(text, path) if document else None
    if sentences is None:
        sentences = [
            _parse_line(raw, path, n) for n, raw in enumerate(text.split("\n"), 1) if raw.strip()
        ]
    if not sentences:
        raise DataError("no sentence found: the file is empty or has only blank lines", path)
    labelled = [bool(s.tags) for s in sentences]
    if any(labelled) and not all(labelled):
        bad = sentences[labelled.index(False)]
        raise DataError(
            'this line has no "tags" (or "entities") but other lines do; label every line or none',
            path,
            bad.line,
        )
    return Corpus(sentences, str(path))


def _records(corpus: Corpus, columns: bool) -> list[str]:
    lines = []
    for s in corpus:
        if not s.words or "" in s.words:
            raise DataError(f"cannot write the sentence at {where(s.path, s.line)}: empty word(s)")
        obj: dict[str, Any] = {"tokens": s.words}
        if s.tags:
            obj["tags"] = s.tags
        if columns:
            obj.update((k, v) for k, v in s.columns.items() if k not in ("tokens", "tags"))
            obj.update((k, v) for k, v in s.extra.items() if k not in ("tokens", "tags"))
        lines.append(dumps(obj))
    return lines


def format_jsonl(corpus: Corpus, *, columns: bool = True) -> str:
    """A corpus as the text of a JSON Lines file (see :func:`write_jsonl`, which writes it)."""
    return "\n".join(_records(corpus, columns)) + "\n"


def format_json(corpus: Corpus, *, columns: bool = True) -> str:
    """A corpus as one JSON array of the objects :func:`format_jsonl` writes, one per line, for
    a ``.json`` file (which tools expect to be one JSON document; :func:`read_jsonl` reads it)."""
    return "[\n" + ",\n".join(_records(corpus, columns)) + "\n]\n"


def write_jsonl(corpus: Corpus, path: str | Path, *, columns: bool = True) -> None:
    """Write a corpus as JSON Lines, ``{"tokens": [...], "tags": [...]}`` per sentence.

    Each object also gets the sentence's other columns and its ``extra`` fields as read (a
    JSONL input's ``id``, ``meta``, ``text`` and ``entities``, a CSV sentence id, a CoNLL
    ``-DOCSTART-`` line under ``"docstart"``), so a conversion loses nothing.

    Args:
        corpus: the corpus (unlabelled sentences are written without ``"tags"``).
        path: the output file (UTF-8, non-ASCII characters kept as they are).
        columns: also write the other columns and fields, one key each.

    Raises:
        DataError: a sentence without words or an empty word (they would not read back).
    """
    text = format_jsonl(corpus, columns=columns)
    write_text_atomic(path, text)
