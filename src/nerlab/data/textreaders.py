"""The readers of text-classification files behind :func:`nerlab.data.textio.load_texts`:
``text;label`` lines, JSON Lines and CSV/TSV, and the label rules they share (a label is a name
or a class id, ``label_sep`` makes multi-label data, ids and names never mix).

See :mod:`nerlab.data.textio` for the formats; errors name ``file:line``, the value and what is
allowed.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from nerlab.data.jsontext import has_surrogate, json_document_items, loads
from nerlab.data.tabular import _delimiter
from nerlab.data.textfile import read_text
from nerlab.data.texts import TextCorpus, TextExample
from nerlab.errors import DataError

LABEL_KEYS = ("label", "labels")
"""The label column/key looked for when none is named, in this order."""
_NER_KEYS = ("tokens", "tags", "entities", "ner_tags")

# --- labels ----------------------------------------------------------------------------------


def parse_label(value: Any, sep: str | None, path: str | Path, line: int) -> list[str]:
    """The labels of one label field: a name, a class id, or (with ``sep``) several names.

    Raises:
        DataError: an empty label, or a value that is neither a string nor an integer.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        return [str(value)]
    if not isinstance(value, str):
        raise DataError(
            f"a label must be a name (string) or a class id (integer), got "
            f"{json.dumps(value, default=str)[:80]}",
            path,
            line,
        )
    if sep is None:
        if not value.strip():
            raise DataError(f"empty label {value!r}: every text needs a label", path, line)
        return [value.strip()]
    parts = [p.strip() for p in value.split(sep)]
    if parts == [""]:
        return []  # multi-label: a text with no label
    if "" in parts:
        raise DataError(
            f"empty label in {value!r} (split at {sep!r}): remove the extra separator",
            path,
            line,
        )
    return parts


def check_label_kinds(corpus: TextCorpus) -> None:
    """Refuse a label column that holds class ids (``3``) and names (``joy``) both.

    Such a column means two label sets were mixed (or ids were written where names belong):
    ``3`` and ``anger`` would become two classes.
    """
    first: tuple[TextExample, str] | None = None
    for example in corpus:
        for label in example.labels:
            if first is None:
                first = (example, label)
            elif label.isdigit() != first[1].isdigit():
                ex, seen = first
                kinds = {True: "a class id (a number)", False: "a name"}
                raise DataError(
                    f"label {label!r} is {kinds[label.isdigit()]}, but the label {seen!r} of "
                    f"line {ex.line} is {kinds[seen.isdigit()]}: a label column holds names or "
                    "class ids, not both; write every label as its name",
                    example.path,
                    example.line,
                )


def _empty_text(text: str, path: Path | str, line: int) -> None:
    if not text.strip():
        raise DataError(f"empty text {text!r}: every example needs a text to classify", path, line)


# --- lines: text;label -------------------------------------------------------------------------


def _line_labels(raw: str, sep: str | None, path: Path, line: int) -> list[str]:
    labels = parse_label(raw, sep, path, line)
    for label in labels:
        if any(c.isspace() for c in label):
            raise DataError(
                f"label {label!r} (after the last ';') holds a space: a label is one name, "
                "and ';' ends the text (a text may hold ';', a label may not)",
                path,
                line,
            )
    return labels


def read_lines(path: Path, labelled: bool | None, sep: str | None) -> TextCorpus:
    numbered = [(n, ln) for n, ln in enumerate(read_text(path).split("\n"), 1) if ln.strip()]
    if labelled is False:
        examples = [TextExample(ln, [], str(path), n) for n, ln in numbered]
        for n, ln in numbered:
            _empty_text(ln, path, n)
        return TextCorpus(examples, str(path), sep is not None, labelled=False)
    parsed = []
    for n, ln in numbered:
        text, semicolon, label = ln.rpartition(";")
        if not semicolon:
            raise DataError(
                f"no ';' in {ln[:80]!r}: each line is 'text;label' (split at the last ';'); "
                "for texts without labels read the file with labelled=False",
                path,
                n,
            )
        _empty_text(text, path, n)
        parsed.append((n, text, label))
    if parsed and parsed[0][1].strip().lower() == "text":
        head = parsed[0][2].strip()
        if all(label.strip() != head for _, _, label in parsed[1:]):
            parsed = parsed[1:]  # a header line 'text;label', naming the columns
    examples = [
        TextExample(text, _line_labels(label, sep, path, n), str(path), n)
        for n, text, label in parsed
    ]
    return TextCorpus(examples, str(path), sep is not None)


# --- JSONL -------------------------------------------------------------------------------------


def _json_records(path: Path) -> list[tuple[int, Any]]:
    """``(line, value)`` per record: one per non-blank line, or the items of a JSON array."""
    text = read_text(path)
    if text.lstrip().startswith("["):
        try:
            return json_document_items(text)
        except json.JSONDecodeError as exc:
            raise DataError(
                f"not valid JSON ({exc.msg} at column {exc.colno}); the file starts like one "
                "JSON array of records, which must parse as a whole",
                path,
                exc.lineno,
            ) from None
    records = []
    for n, raw in enumerate(text.split("\n"), 1):
        if raw.strip():
            try:
                records.append((n, loads(raw)))
            except json.JSONDecodeError as exc:
                msg = f"not valid JSON ({exc.msg} at column {exc.colno})"
                raise DataError(msg, path, n) from None
    return records


def _json_text(obj: Any, key: str, path: Path, line: int) -> str:
    if not isinstance(obj, dict):
        raise DataError(
            f'expected a JSON object {{"{key}": ..., "label": ...}}, got {type(obj).__name__}',
            path,
            line,
        )
    if key not in obj:
        ner = [k for k in _NER_KEYS if k in obj]
        hint = (
            f"; its {', '.join(map(repr, ner))} make it token-classification (NER) data"
            if ner
            else "; choose the text key with text_column= (CLI: --text-column)"
        )
        raise DataError(
            f"no {key!r} key; the object has {', '.join(map(repr, obj)) or 'no keys'}{hint}",
            path,
            line,
        )
    text = obj[key]
    if not isinstance(text, str):
        raise DataError(f"{key!r} must be a string, got {json.dumps(text)[:80]}", path, line)
    if has_surrogate(text):
        raise DataError(f"{key!r} holds a lone UTF-16 surrogate escape; fix it", path, line)
    _empty_text(text, path, line)
    return text


def _json_labels(
    obj: dict, key: str, sep: str | None, path: Path, line: int
) -> tuple[list[str], bool]:
    """The labels of one record, and whether the record is multi-label."""
    value = obj[key]
    if key == "labels" and not isinstance(value, list):
        raise DataError(
            f'"labels" must be a list of label names (multi-label), got '
            f'{json.dumps(value)[:80]}; for one label per text use "label"',
            path,
            line,
        )
    if isinstance(value, list):
        return [lb for v in value for lb in parse_label(v, None, path, line)], True
    return parse_label(value, sep, path, line), sep is not None


def read_jsonl_texts(
    path: Path, text_key: str | None, label_key: str | None, labelled: bool | None, sep: str | None
) -> TextCorpus:
    key = text_key or "text"
    examples: list[TextExample] = []
    first: tuple[int, str | None, bool] | None = None  # line, label key, multi-label
    for line, obj in _json_records(path):
        text = _json_text(obj, key, path, line)
        keys = [label_key] if label_key else [k for k in LABEL_KEYS if k in obj]
        if len(keys) > 1:
            raise DataError('both "label" and "labels": give one of them', path, line)
        found = keys[0] if keys and keys[0] in obj and labelled is not False else None
        labels, multi = _json_labels(obj, found, sep, path, line) if found else ([], False)
        if first is None:
            first = (line, found, multi)
            if found is None and (labelled or label_key):
                raise _no_label(label_key or "label", list(obj), path, line)
        elif (found is None) != (first[1] is None):
            has, lacks = (line, first[0]) if found else (first[0], line)
            raise DataError(
                f"line {has} has a label but line {lacks} has none: label every text or none",
                path,
                line,
            )
        elif multi != first[2]:
            kinds = {True: "a list of labels (multi-label)", False: "one label"}
            raise DataError(
                f"this line has {kinds[multi]} but line {first[0]} has {kinds[first[2]]}: a "
                "file is single-label or multi-label throughout",
                path,
                line,
            )
        extra = {k: v for k, v in obj.items() if k not in (key, found)}
        examples.append(TextExample(text, labels, str(path), line, extra))
    has_labels = first is not None and first[1] is not None
    multi_label = first[2] if first is not None and has_labels else sep is not None
    return TextCorpus(examples, str(path), multi_label, labelled=has_labels)


def _no_label(name: str, columns: list[str], path: Path | str, line: int | None) -> DataError:
    return DataError(
        f"no label column {name!r}; the columns are {', '.join(map(repr, columns))}: choose "
        "it with label_column= (CLI: --label-column), or read texts without labels with "
        "labelled=False",
        path,
        line,
    )


# --- CSV/TSV -----------------------------------------------------------------------------------


def pick_columns(
    columns: list[str],
    text_column: str | None,
    label_column: str | None,
    labelled: bool | None,
    path: Path | str,
    line: int | None = 1,
) -> tuple[str, str | None]:
    """The text column and the label column (``None``: unlabelled) among ``columns``.

    Without ``label_column``, ``label`` then ``labels``; with neither, the data is unlabelled
    only if the text column is its only column (or ``labelled=False``): another column may be
    the labels under another name, which is for the user to say.
    """
    text = text_column or "text"
    if text not in columns:
        raise DataError(
            f"no text column {text!r}; the columns are {', '.join(map(repr, columns))}: "
            "choose it with text_column= (CLI: --text-column)",
            path,
            line,
        )
    if labelled is False:
        return text, None
    if label_column is not None:
        if label_column not in columns:
            raise _no_label(label_column, columns, path, line)
        return text, label_column
    found = [c for c in LABEL_KEYS if c in columns]
    if found:
        return text, found[0]
    if labelled or [c for c in columns if c != text]:
        raise _no_label("label", columns, path, line)
    return text, None


def read_tabular_texts(
    path: Path, text_col: str | None, label_col: str | None, labelled: bool | None, sep: str | None
) -> TextCorpus:
    reader = csv.reader(io.StringIO(read_text(path), newline=""), delimiter=_delimiter(path, None))
    header = next(reader, None)
    if not header or not any(h.strip() for h in header):
        raise DataError("the file is empty: expected a header row and one row per text", path)
    text, label = pick_columns(header, text_col, label_col, labelled, path)
    ti, li = header.index(text), header.index(label) if label else None
    examples = []
    try:
        for row in reader:
            if not row:
                continue  # a blank line holds no row
            n = reader.line_num
            if len(row) != len(header):
                quote = any("\n" in f for f in row)
                hint = '; a quote (") opened in a field and closed lines later?' if quote else ""
                found = f"found {len(row)}: {repr(row)[:160]}{hint}"
                raise DataError(f"expected {len(header)} fields as in the header, {found}", path, n)
            _empty_text(row[ti], path, n)
            labels = parse_label(row[li], sep, path, n) if li is not None else []
            extra = {
                h: v for i, (h, v) in enumerate(zip(header, row, strict=True)) if i not in (ti, li)
            }
            examples.append(TextExample(row[ti], labels, str(path), n, extra))
    except csv.Error as exc:
        raise DataError(
            f'not valid CSV: {exc}; is a quote (") opened and never closed before this line?',
            path,
            reader.line_num,
        ) from None
    return TextCorpus(examples, str(path), sep is not None, labelled=label is not None)
