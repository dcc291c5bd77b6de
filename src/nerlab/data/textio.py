"""Text-classification files: :func:`load_texts` reads them, :func:`detect_task` tells them apart
from token-classification (NER) files.

Formats (``format=``; without it, from the path: a ``save_to_disk`` folder -> ``hf``,
``.jsonl``/``.json`` or a file starting with ``{`` -> ``jsonl``, ``.csv``/``.tsv``/``.tab`` ->
``tabular``, anything else -> ``lines``):

- ``lines``: one ``text;label`` per line, split at the LAST ``;`` (a text may hold ``;``, a label
  may not), as the emotion data set is written. Blank lines are not examples and are skipped.
  A first line ``text;X`` whose ``X`` labels no other line is a header, and skipped. With
  ``labelled=False`` every non-blank line is a text, ``;`` and all.
- ``jsonl``: ``{"text": ..., "label": ...}`` per line (or one JSON array of such objects), or
  multi-label ``{"text": ..., "labels": [...]}``. A label is a name or a class id (integer).
- ``tabular``: CSV/TSV with a header; the ``text`` and ``label`` columns (or ``labels``), or the
  ones named by ``text_column``/``label_column``.
- ``hf``: a Hugging Face dataset (``save_to_disk`` folder or hub id; ``split=`` for a dataset
  dict); a ``ClassLabel`` label column gives the label names and their order (``label_names``),
  a list column (``List(ClassLabel)``) multi-label data.

Multi-label data also comes from ``label_sep``: the label field is split at it
(``"joy,love"``); an empty field is then a text without labels.

The text is kept exactly as written (only the line end is removed); a label loses the spaces
around it. Nothing else is dropped: every other JSON key or column stays in
``TextExample.extra``. Every bad input is a :class:`~nerlab.errors.DataError` naming
``file:line``, the bad value and what is allowed.

Example:
    >>> train = load_texts("emotion/train.txt")
    >>> len(train), train.label_set()
    (16000, ['anger', 'fear', 'joy', 'love', 'sadness', 'surprise'])
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

from nerlab.data.conll import is_docstart
from nerlab.data.hf import is_hf_folder
from nerlab.data.io import _is_hub_id, _missing
from nerlab.data.textfile import normalize_newlines, read_head
from nerlab.data.textreaders import (
    LABEL_KEYS,
    check_label_kinds,
    read_jsonl_texts,
    read_lines,
    read_tabular_texts,
)
from nerlab.data.texts import TextCorpus
from nerlab.errors import ConfigError, DataError

TEXT_TASK = "text-classification"
TOKEN_TASK = "token-classification"
TASKS = (TOKEN_TASK, TEXT_TASK)
TEXT_FORMATS = ("lines", "jsonl", "tabular", "hf")
_TABULAR = (".csv", ".tsv", ".tab")
_NER_KEYS = ("tokens", "tags", "entities", "ner_tags")
_NER_COLUMNS = ("sentence_id", "word", "tokens", "ner_tags")


def detect_text_format(path: str | Path) -> str:
    """The format of a text-classification file (one of :data:`TEXT_FORMATS`).

    Raises:
        DataError: ``path`` does not exist (and is no hub id ``owner/name``), or is a folder
            that holds no Hugging Face dataset.
    """
    spelled, path = str(path), Path(path)
    if path.is_dir():
        if is_hf_folder(path):
            return "hf"
        raise DataError(
            "is a folder but not a Hugging Face dataset folder (no dataset_dict.json or "
            "dataset_info.json, as save_to_disk writes): give a data file inside it",
            path,
        )
    if not path.exists():
        if _is_hub_id(spelled):
            return "hf"
        raise _missing(path)
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".json"):
        return "jsonl"
    if suffix in _TABULAR:
        return "tabular"
    head = read_head(path).decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    return "jsonl" if head.startswith("{") else "lines"


def load_texts(
    path: str | Path,
    *,
    text_column: str | None = None,
    label_column: str | None = None,
    label_sep: str | None = None,
    format: str | None = None,
    labelled: bool | None = None,
    split: str | None = None,
) -> TextCorpus:
    """Read a text-classification file (see the module docstring for the formats).

    Args:
        path: a file, a Hugging Face dataset folder, or a hub dataset id.
        text_column: the text column or key (default ``text``; not for ``lines``).
        label_column: the label column or key (default ``label``, else ``labels``).
        label_sep: split each label field at this string: multi-label data.
        format: one of :data:`TEXT_FORMATS`; ``None`` to detect it.
        labelled: ``True``: labels required; ``False``: texts only (labels, if any, are kept in
            ``extra``); ``None``: labelled if the data has labels (a ``lines`` file always has).
        split: the split of a Hugging Face dataset dict.

    Returns:
        The corpus: ``multi_label`` for ``labels`` lists, list columns or ``label_sep``;
        ``label_names`` from a ``ClassLabel`` (``None`` otherwise).

    Raises:
        DataError: a missing or empty file, a line without ``;``, an empty text or label, a
            missing column (the message lists those there are), a ``labels`` that is not a
            list, single- and multi-label lines mixed, labelled and unlabelled lines mixed, a
            label column mixing class ids and names; always with ``file:line``.
        ConfigError: an unknown format, or an option the format has no use for.
    """
    fmt = format.lower() if format else detect_text_format(path)
    if fmt not in TEXT_FORMATS:
        raise ConfigError(f"unknown format {format!r}: allowed are {', '.join(TEXT_FORMATS)}")
    if label_sep == "":
        raise ConfigError("label_sep must not be empty (e.g. ',' or '|')")
    if fmt == "lines":
        if text_column or label_column:
            raise ConfigError(
                f"{path}: a 'text;label' file has no named columns; text_column and "
                "label_column are for CSV/TSV, JSONL and Hugging Face data"
            )
        corpus = read_lines(Path(path), labelled, label_sep)
    elif fmt == "jsonl":
        corpus = read_jsonl_texts(Path(path), text_column, label_column, labelled, label_sep)
    elif fmt == "tabular":
        corpus = read_tabular_texts(Path(path), text_column, label_column, labelled, label_sep)
    else:
        from nerlab.data.textio_hf import read_hf_texts

        corpus = read_hf_texts(path, split, text_column, label_column, labelled, label_sep)
    if not corpus.examples:
        raise DataError("no text found: the file is empty or has only blank lines", path)
    if corpus.label_names is None:
        check_label_kinds(corpus)
    return corpus


# --- the task of a file ------------------------------------------------------------------------


def detect_task(
    path: str | Path,
    *,
    text_column: str | None = None,
    label_column: str | None = None,
    tag_column: int | str | None = None,
) -> str:
    """Whether ``path`` holds text-classification or token-classification (NER) data.

    Cheap: reads the first 64 KiB (a Hugging Face folder: its ``dataset_info.json``).
    Text classification is:

    - a ``.csv``/``.tsv`` whose header has the text column and none of ``sentence_id``,
      ``word``, ``tokens``, ``ner_tags`` or ``tag_column``;
    - JSON(L) whose first record has the text key and a ``label``/``labels`` key (or
      ``label_column``) and none of ``tokens``, ``tags``, ``entities``;
    - a Hugging Face dataset with a string text column and no ``tokens`` column;
    - any other file whose non-blank lines read ``text;label`` with a one-word label (at
      least 90% of them, so that the reader names the few bad ones) and are not CoNLL rows
      (no ``-DOCSTART-``, no ``word ... TAG`` rows).

    Everything else is token classification, including a path that does not exist or cannot
    be read (the NER reader then says what is wrong with it).

    Example:
        >>> detect_task("emotion/train.txt"), detect_task("eng.train")
        ('text-classification', 'token-classification')
    """
    try:
        return _detect_task(Path(path), text_column, label_column, tag_column)
    except (OSError, DataError):  # a name too long, no permission: the reader will say so
        return TOKEN_TASK


def _detect_task(
    path: Path, text_column: str | None, label_column: str | None, tag_column: int | str | None
) -> str:
    if path.is_dir():
        from nerlab.data.textio_hf import hf_is_text

        return TEXT_TASK if hf_is_text(path, text_column, tag_column) else TOKEN_TASK
    if not path.is_file():
        return TOKEN_TASK
    size = 1 << 16
    data = read_head(path, size)
    head = normalize_newlines(data.decode("utf-8", errors="replace").lstrip("\ufeff"))
    lines = head.split("\n")
    if len(data) == size:
        lines = lines[:-1]  # cut in the middle
    lines = [ln for ln in lines if ln.strip()]
    if not lines:
        return TOKEN_TASK
    suffix = path.suffix.lower()
    if suffix in _TABULAR:
        header = next(csv.reader([lines[0]], delimiter="," if suffix == ".csv" else "\t"))
        ner = [*_NER_COLUMNS, tag_column] if isinstance(tag_column, str) else _NER_COLUMNS
        is_text = (text_column or "text") in header and not any(c in header for c in ner)
        return TEXT_TASK if is_text else TOKEN_TASK
    if suffix in (".jsonl", ".json") or lines[0].lstrip().startswith(("{", "[")):
        return (
            TEXT_TASK
            if _text_record(_first_record(head), text_column, label_column)
            else TOKEN_TASK
        )
    return TEXT_TASK if _text_lines(lines) else TOKEN_TASK


def _first_record(head: str) -> Any:
    """The first JSON value of a JSONL head, or the first item of a JSON array."""
    decoder = json.JSONDecoder()
    text = head.lstrip()
    if text.startswith("["):
        text = text[1:].lstrip()
    try:
        return decoder.raw_decode(text)[0]
    except ValueError:
        return None


def _text_record(obj: Any, text_key: str | None, label_key: str | None) -> bool:
    if not isinstance(obj, dict) or any(k in obj for k in _NER_KEYS):
        return False
    labels = [label_key] if label_key else LABEL_KEYS
    return isinstance(obj.get(text_key or "text"), str) and any(k in obj for k in labels)


def _text_lines(lines: list[str]) -> bool:
    """At least 90% of the lines read ``text;label`` with a one-word label, none is a
    ``-DOCSTART-`` line, and the lines are not CoNLL rows.

    Not all: a classification file with a few bad lines is still one, and its reader then names
    each bad line (a CoNLL reader would complain about column counts instead). A CoNLL file has
    almost no such line (``; : O`` has a label of three words after its ``;``).
    """
    if any(is_docstart(ln) for ln in lines):
        return False
    if all(len(ln.split()) >= 2 and ";" not in ln.split()[-1] for ln in lines):
        return False  # 'word ... TAG' rows, whatever the words hold
    good = 0
    for ln in lines:
        text, semicolon, label = ln.rpartition(";")
        good += bool(semicolon and text.strip() and len(label.split()) == 1)
    return good >= 0.9 * len(lines)
