"""Hugging Face datasets as text-classification data (see :func:`nerlab.data.textio.load_texts`).

A split has a string text column and a label column: ``ClassLabel`` ids (their names become the
labels, and their order ``TextCorpus.label_names``), strings, or plain integers (class ids
without names, kept as ``"0"``, ``"1"``...); a list column of those is multi-label data.
``datasets`` is imported only when a dataset is read; :func:`hf_is_text` reads the saved
``dataset_info.json`` and imports nothing.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from nerlab.data.hf import _load, _pick_split
from nerlab.data.textreaders import parse_label, pick_columns
from nerlab.data.texts import TextCorpus, TextExample
from nerlab.errors import DataError

_STRING = ("string", "large_string")


def _label_kind(feature: Any, column: str, name: str) -> tuple[list[str] | None, bool]:
    """``(ClassLabel names or None, multi-label)`` of a label column."""
    inner = getattr(feature, "feature", None)
    multi = inner is not None
    leaf = inner if multi else feature
    names = getattr(leaf, "names", None)
    if names is not None:
        return list(names), multi
    if str(getattr(leaf, "dtype", "")).startswith(("string", "large_string", "int", "uint")):
        return None, multi
    raise DataError(
        f"label column {column!r} holds {feature}, not label names, class ids or a list of "
        "them; cast it to ClassLabel(names=[...]) or strings",
        name,
    )


def read_hf_texts(
    name_or_dir: str | Path,
    split: str | None,
    text_column: str | None,
    label_column: str | None,
    labelled: bool | None,
    label_sep: str | None,
) -> TextCorpus:
    """One split of a Hugging Face dataset as a :class:`TextCorpus` (arguments as in
    :func:`~nerlab.data.textio.load_texts`); ``TextExample.line`` is the row number (1-based)."""
    data, name = _load(name_or_dir, split)
    ds, name = _pick_split(data, split, name)
    text, label = pick_columns(list(ds.column_names), text_column, label_column, labelled, name)
    if getattr(ds.features[text], "dtype", None) not in _STRING:
        raise DataError(f"text column {text!r} holds {ds.features[text]}, not strings", name)
    names, multi = _label_kind(ds.features[label], label, name) if label else (None, False)
    if names is not None and label_sep is not None:
        raise DataError(f"label_sep is for label strings; {label!r} holds ClassLabel ids", name)
    multi = multi or label_sep is not None
    rows = {c: list(ds[c]) for c in ds.column_names}
    examples = []
    for i, value in enumerate(rows[text]):
        row = i + 1
        if value is None or not value.strip():
            raise DataError(f"empty text {value!r}: every example needs a text", name, row)
        labels = _row_labels(rows[label][i], names, label_sep, name, row) if label else []
        extra = {c: v[i] for c, v in rows.items() if c not in (text, label)}
        examples.append(TextExample(value, labels, name, row, extra))
    return TextCorpus(examples, name, multi, names, labelled=label is not None)


def _row_labels(
    value: Any, names: list[str] | None, sep: str | None, name: str, row: int
) -> list[str]:
    values = value if isinstance(value, list) else [value]
    if names is None:
        if isinstance(value, list):
            return [lb for v in values for lb in parse_label(v, None, name, row)]
        return parse_label(value, sep, name, row)
    if bad := [v for v in values if not (isinstance(v, int) and 0 <= v < len(names))]:
        raise DataError(
            f"label id {bad[0]!r} outside the {len(names)} ClassLabel names (0..{len(names) - 1})",
            name,
            row,
        )
    return [names[v] for v in values]


def _features(folder: Path) -> dict[str, Any] | None:
    """The ``features`` of a ``save_to_disk`` folder (its first split's), or ``None``."""
    try:
        info = folder / "dataset_info.json"
        if not info.is_file():
            splits = json.loads((folder / "dataset_dict.json").read_text("utf-8"))["splits"]
            info = folder / splits[0] / "dataset_info.json"
        features = json.loads(info.read_text("utf-8"))["features"]
    except (OSError, ValueError, KeyError, IndexError, TypeError):
        return None
    return features if isinstance(features, dict) else None


def hf_is_text(folder: Path, text_column: str | None, tag_column: Any = None) -> bool:
    """Whether a ``save_to_disk`` folder holds text-classification data: a string text column
    and no ``tokens`` (or ``tag_column``) column."""
    features = _features(folder)
    if features is None:
        return False
    text = features.get(text_column or "text")
    ner = ("tokens", tag_column) if isinstance(tag_column, str) else ("tokens",)
    is_string = isinstance(text, dict) and text.get("dtype") in _STRING
    return is_string and not any(c in features for c in ner)
