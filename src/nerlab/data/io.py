"""One entry point for every format: :func:`load_corpus` reads, validates and converts to IOB2.

Formats: ``conll`` (column files), ``jsonl``, ``tabular`` (CSV/TSV with a header) and ``hf``
(Hugging Face dataset folder or hub name). Without ``format=``, the format comes from the path:

- a folder with ``dataset_dict.json`` / ``dataset_info.json`` -> ``hf``; a path that does not
  exist, has no extension and names an owner (``user/data``) -> ``hf`` (a hub id); any other
  missing path is "no such file or folder" (a hub dataset without an owner, such as
  ``conll2003``, needs ``format="hf"``);
- ``.jsonl``, ``.json`` -> ``jsonl`` (one object per line, or one JSON array of objects);
  ``.csv`` -> ``tabular``;
- ``.tsv`` -> ``tabular`` when its first line is a header naming the sentence and word
  columns, else ``conll``; any other file -> ``jsonl`` when it starts with ``{`` or is a JSON
  array of objects (``[{...``), else ``conll``.

Tags: a column where some tag is ``O`` or looks like ``P-TYPE`` is a span column: every tag
must parse (:func:`nerlab.data.schemes.parse_tag`), the scheme is detected (or given) and the
tags are converted to IOB2 (``Corpus.scheme == "IOB2"``; IOB2 input is kept exactly as it is,
invalid transitions included, for :func:`nerlab.data.describe.describe` to report). Any other
column (POS tags such as ``NNP``, ``VBZ``, ``,``) is a plain label column, kept as is
(``Corpus.scheme is None``). So one CoNLL-2003 file serves NER (``tag_column=-1``), POS (1) and
chunking (2).

Example:
    >>> train = load_corpus("eng.train")            # IOB1 on disk, IOB2 in memory
    >>> pos = load_corpus("eng.train", tag_column=1)  # plain POS labels
"""

from __future__ import annotations

import os
import re
from dataclasses import replace
from pathlib import Path

from nerlab.data.conll import read_conll
from nerlab.data.corpus import Corpus
from nerlab.data.hf import is_hf_folder, read_hf
from nerlab.data.jsonl import read_jsonl
from nerlab.data.jsontext import looks_like_json_document
from nerlab.data.schemes import check_scheme, convert_tags, detect_scheme, parse_tag
from nerlab.data.tabular import read_tabular
from nerlab.data.textfile import normalize_newlines, read_head
from nerlab.errors import ConfigError, DataError

FORMATS = ("conll", "jsonl", "tabular", "hf")
_SPAN_LIKE = re.compile(r"^(O|[A-Za-z]-.+)$")


def _missing(path: Path) -> DataError:
    """The error for a path that does not exist (a broken link is named as such)."""
    if path.is_symlink():
        return DataError("is a symbolic link to a missing file (or a link loop)", path)
    if path.suffix or len(path.parts) > 1:
        return DataError("file not found", path)
    return DataError(
        f"no such file or folder: {path}. (A Hugging Face Hub dataset id looks like owner/name, "
        "e.g. eriktks/conll2003; give format='hf' (CLI: --format hf) for a hub dataset without "
        "an owner.)"
    )


def _is_hub_id(spelled: str) -> bool:
    """``owner/name`` with no extension, where ``owner`` is not a local file or folder."""
    owner, slash, name = spelled.partition("/")
    return bool(
        slash
        and owner not in ("", ".", "..")
        and name
        and "/" not in name
        and not Path(name).suffix
        and not Path(owner).exists()
    )


def detect_format(path: str | Path, *, sentence_column: str = "sentence_id") -> str:
    """The format of ``path`` (one of :data:`FORMATS`), from its kind, extension and content.

    Raises:
        DataError: ``path`` does not exist (and is not a hub id ``owner/name``), is a folder
            that holds no Hugging Face dataset, or cannot be read.
    """
    spelled = os.fspath(path)
    path = Path(path)
    try:
        return _detect(path, spelled, sentence_column)
    except OSError as exc:  # a name too long, a folder that cannot be entered...
        raise DataError(f"cannot read: {exc.strerror or exc}", path) from None


def _detect(path: Path, spelled: str, sentence_column: str) -> str:
    suffix = path.suffix.lower()
    if path.is_dir():
        if is_hf_folder(path):
            return "hf"
        raise DataError(
            "is a folder but not a Hugging Face dataset folder (no dataset_dict.json or "
            "dataset_info.json, as save_to_disk writes): give a data file (CoNLL, JSONL, CSV/TSV) "
            "inside it",
            path,
        )
    if not path.exists():
        if _is_hub_id(spelled):
            return "hf"
        raise _missing(path)
    if suffix in (".jsonl", ".json"):
        return "jsonl"
    if suffix == ".csv":
        return "tabular"
    head = read_head(path).decode("utf-8", errors="replace").lstrip("\ufeff")
    first = next((ln for ln in normalize_newlines(head).split("\n") if ln.strip()), "")
    if suffix == ".tsv":
        return "tabular" if sentence_column in first.split("\t") else "conll"
    if first.lstrip().startswith("{") or looks_like_json_document(head):
        return "jsonl"
    return "conll"


def read_corpus(
    path: str | Path,
    *,
    format: str | None = None,
    word_column: int | str = 0,
    tag_column: int | str | None = -1,
    sep: str | None = None,
    split: str | None = None,
    sentence_column: str = "sentence_id",
) -> Corpus:
    """Read ``path`` in its format with raw tags (no validation or conversion).

    Column options mean a column index for ``conll`` and a column name for ``tabular`` and
    ``hf``; the defaults are first/last (conll), ``word``/``tag`` (tabular) and
    ``tokens``/``ner_tags`` (hf). ``jsonl`` has no column options.
    """
    fmt = format.lower() if format else detect_format(path, sentence_column=sentence_column)
    if fmt not in FORMATS:
        raise ConfigError(f"unknown format {format!r}: allowed are {', '.join(FORMATS)}")
    named = {"word_column": word_column, "tag_column": tag_column}
    if fmt == "conll":
        for key, value in named.items():
            if isinstance(value, str):
                raise ConfigError(
                    f"{path}: --{key.replace('_', '-')} {value!r}: a CoNLL file's columns are "
                    "numbers (0-based, -1 = last); names are for CSV/TSV and HF data"
                )
        return read_conll(path, word_column=int(word_column), tag_column=tag_column, sep=sep)
    if fmt == "jsonl":
        return read_jsonl(path)
    words, tags = (v if isinstance(v, str) or v is None else None for v in named.values())
    if (word_column != 0 and words is None) or (tag_column not in (-1, None) and tags is None):
        raise ConfigError(f"{path}: {fmt} columns are header names, not numbers: {named}")
    unlabelled = tag_column is None
    if fmt == "tabular":
        return read_tabular(
            path,
            sentence_column=sentence_column,
            word_column=words or "word",
            tag_column=None if unlabelled else tags or "tag",
            delimiter=sep,
        )
    return read_hf(
        path,
        split,
        tokens_column=words or "tokens",
        tags_column=None if unlabelled else tags or "ner_tags",
    )


def _first_occurrence(corpus: Corpus, tag: str) -> tuple[str | None, int | None]:
    for s in corpus:
        if tag in s.tags:
            return s.path, s.word_line(s.tags.index(tag))
    return corpus.path, None


def is_span_labelled(corpus: Corpus) -> bool:
    """Whether the tags are span tags (some tag is ``O`` or looks like ``P-TYPE``)."""
    return any(_SPAN_LIKE.match(t) for t in {t for s in corpus for t in s.tags})


def validate_span_tags(corpus: Corpus) -> None:
    """Raise a DataError at the first occurrence of a tag that does not parse."""
    for tag in sorted({t for s in corpus for t in s.tags}):
        try:
            parse_tag(tag)
        except ValueError as exc:
            path, line = _first_occurrence(corpus, tag)
            raise DataError(
                f"{exc} (tags need a scheme prefix in NER columns)", path, line
            ) from None


def normalize_tags(corpus: Corpus, scheme: str = "auto") -> tuple[Corpus, str | None]:
    """Validate the tags and convert span tags to IOB2.

    Args:
        corpus: a corpus with raw tags, as a reader returns it.
        scheme: ``"auto"`` to detect, a scheme name (case-insensitive) to force it,
            or ``"none"`` to keep the tags as plain labels.

    Returns:
        ``(corpus, source_scheme)``: the corpus in IOB2 (or unchanged for plain or unlabelled
        data, ``source_scheme`` then ``None``) and the scheme the tags were in.

    Raises:
        DataError: a tag that does not parse (naming file:line), or prefixes of two schemes.
        ConfigError: an unknown ``scheme``.
    """
    try:
        name = check_scheme(scheme, also=("auto", "none"))
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    if name == "NONE" or not any(s.tags for s in corpus):
        return replace(corpus, scheme=None), None
    if name == "AUTO" and not is_span_labelled(corpus):
        return replace(corpus, scheme=None), None
    validate_span_tags(corpus)
    if name == "AUTO":
        try:
            name = detect_scheme(corpus.tags)
        except ValueError as exc:
            raise DataError(str(exc), corpus.path) from None
    if name == "IOB2":
        return replace(corpus, scheme="IOB2"), name
    sentences = []
    for s in corpus:
        try:
            tags = convert_tags(s.tags, name, "IOB2")
        except ValueError as exc:
            raise DataError(f"{exc}", s.path, s.line) from None
        sentences.append(replace(s, tags=tags))
    return Corpus(sentences, corpus.path, "IOB2"), name


def load_corpus(
    path: str | Path,
    *,
    format: str | None = None,
    tag_column: int | str | None = -1,
    scheme: str = "auto",
    word_column: int | str = 0,
    sep: str | None = None,
    split: str | None = None,
    sentence_column: str = "sentence_id",
) -> Corpus:
    """Read a corpus in any format, validate its tags and convert span tags to IOB2.

    Args:
        path: a file, a Hugging Face dataset folder, or a hub dataset name.
        format: one of :data:`FORMATS`; ``None`` to detect it (see the module docstring).
        tag_column: the tag column (CoNLL: index, default last; CSV/HF: name); ``None`` reads
            unlabelled data.
        scheme: the tag scheme of the file: ``"auto"``, a scheme name, or ``"none"``
            (plain labels, no validation).
        word_column: the word column (CoNLL: index, default 0; CSV/HF: name).
        sep: CoNLL separator (``"tab"``/``"space"``) or CSV delimiter; ``None`` to detect.
        split: the split of a Hugging Face dataset dict.
        sentence_column: the sentence id column of a CSV/TSV file.

    Returns:
        The corpus, ``scheme`` ``"IOB2"`` for span tags and ``None`` for plain labels.

    Raises:
        DataError: the file is missing, empty, malformed or not UTF-8, or a tag is invalid;
            the message names the file and line.
        ConfigError: an unknown format or scheme, or column options of the wrong kind.

    Example:
        >>> corpus = load_corpus("eng.testa")
        >>> corpus.scheme, len(corpus)
        ('IOB2', 3250)
    """
    raw = read_corpus(
        path,
        format=format,
        word_column=word_column,
        tag_column=tag_column,
        sep=sep,
        split=split,
        sentence_column=sentence_column,
    )
    return normalize_tags(raw, scheme)[0]
