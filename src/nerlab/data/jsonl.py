"""JSON Lines files: one sentence per line, in one of two forms.

- Words and tags: ``{"tokens": ["EU", "rejects"], "tags": ["B-ORG", "O"]}``. Other keys whose
  value is a list with one entry per token (``"pos": [...]``) are kept as columns.
- Text and character spans: ``{"text": "EU rejects it", "entities": [{"start": 0, "end": 2,
  "label": "ORG"}]}``. Words come from :func:`nerlab.data.words.split_words`; an entity must
  start at the start of a word and end at the end of one; entities become IOB2 tags.

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
from nerlab.data.textfile import read_text
from nerlab.data.words import split_words
from nerlab.errors import DataError, where


def _str_list(obj: dict, key: str, path: Path, line: int) -> list[str]:
    value = obj[key]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise DataError(
            f'"{key}" must be a list of strings, got {json.dumps(value)[:80]}', path, line
        )
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
    return Sentence(words, tags, columns, str(path), line)


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
    return Sentence([w for w, _, _ in words], tags, {}, str(path), line)


def _parse_line(raw: str, path: Path, line: int) -> Sentence:
    try:
        obj = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise DataError(f"not valid JSON ({exc.msg} at column {exc.colno})", path, line) from None
    if not isinstance(obj, dict):
        raise DataError(
            f"expected a JSON object per line, got {type(obj).__name__}; write one "
            '{"tokens": [...], "tags": [...]} or {"text": ..., "entities": [...]} per line',
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


def read_jsonl(path: str | Path) -> Corpus:
    """Read a JSON Lines file (see the module docstring for the two accepted forms).

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
    sentences = [
        _parse_line(raw, path, n)
        for n, raw in enumerate(read_text(path).split("\n"), 1)
        if raw.strip()
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


def write_jsonl(corpus: Corpus, path: str | Path, *, columns: bool = True) -> None:
    """Write a corpus as JSON Lines, ``{"tokens": [...], "tags": [...]}`` per sentence.

    Args:
        corpus: the corpus (unlabelled sentences are written without ``"tags"``).
        path: the output file (UTF-8, non-ASCII characters kept as they are).
        columns: also write the other columns, one key per column.

    Raises:
        DataError: a sentence without words or an empty word (they would not read back).
    """
    lines = []
    for s in corpus:
        if not s.words or "" in s.words:
            raise DataError(f"cannot write the sentence at {where(s.path, s.line)}: empty word(s)")
        obj: dict[str, list[str]] = {"tokens": s.words}
        if s.tags:
            obj["tags"] = s.tags
        if columns:
            obj.update((k, v) for k, v in s.columns.items() if k not in ("tokens", "tags"))
        lines.append(json.dumps(obj, ensure_ascii=False))
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")
