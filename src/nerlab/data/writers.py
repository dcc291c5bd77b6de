"""Write a corpus in any writable format, and convert files between formats and schemes.

A conversion loses nothing silently: a JSONL (or JSON) target keeps every field the source had
(a JSONL record's ``id``, ``meta``, its ``text`` and entity offsets; a CSV sentence id; a CoNLL
``-DOCSTART-`` line), and a CoNLL target, which has no place for per-sentence fields, names
them in :attr:`ConvertResult.dropped`. The target is written atomically (a temporary file
renamed into place), only after the whole source was read and converted, and never onto the
source itself.

Example:
    >>> result = convert_file("eng.train", "train.jsonl", scheme="IOB2")
    >>> result.source_scheme
    'IOB1'
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

from nerlab.data.conll import format_conll
from nerlab.data.corpus import Corpus
from nerlab.data.io import normalize_tags, read_corpus
from nerlab.data.jsonl import format_json, format_jsonl
from nerlab.data.schemes import check_scheme, convert_tags
from nerlab.errors import ConfigError, DataError
from nerlab.files import check_output_file, write_text_atomic

WRITE_FORMATS = ("conll", "jsonl", "json")
_SUFFIXES = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json"}


def output_format(path: str | Path, format: str | None = None) -> str:
    """The format to write: ``format`` if given, else from the extension: ``jsonl`` for
    .jsonl, ``json`` (one array) for .json, ``conll`` for anything else but .csv/.tsv.

    Raises:
        ConfigError: an unknown ``format``, or a .csv/.tsv target without ``format`` (nerlab
            does not write CSV, and CoNLL under that name would mislead).
    """
    if format is not None:
        if format.lower() not in WRITE_FORMATS:
            raise ConfigError(
                f"cannot write format {format!r}: allowed are {', '.join(WRITE_FORMATS)}"
            )
        return format.lower()
    suffix = Path(path).suffix.lower()
    if suffix in (".csv", ".tsv", ".tab"):
        raise ConfigError(
            f"cannot write {suffix[1:].upper()} ({path}): nerlab writes CoNLL, JSONL or JSON; "
            "name the target .conll, .jsonl or .json (or give --to conll to write CoNLL under "
            "this name)"
        )
    return _SUFFIXES.get(suffix, "conll")


def write_corpus(
    corpus: Corpus, path: str | Path, *, format: str | None = None, sep: str | None = None
) -> str:
    """Write ``corpus`` to ``path`` as CoNLL, JSONL or JSON (see :func:`output_format`); return
    the format.

    The whole text is built first, then written atomically: an error leaves ``path`` as it was.
    Missing parent folders are created.
    """
    fmt = output_format(path, format)
    formats = {"jsonl": format_jsonl, "json": format_json}
    try:
        text = formats[fmt](corpus) if fmt in formats else format_conll(corpus, sep=sep)
    except DataError as exc:
        raise DataError(str(exc), path if exc.path is None else None) from None
    write_text_atomic(path, text)
    return fmt


def unwritable_fields(corpus: Corpus, format: str) -> list[str]:
    """The fields of ``corpus`` that ``format`` has no place for, in order of first occurrence.

    JSONL and JSON keep everything. CoNLL keeps the words, the tags, the columns of the first
    sentence and ``-DOCSTART-`` lines; it drops the per-sentence fields (``Sentence.extra``: a JSONL
    record's ``id``, ``text``, ``entities`` offsets, a CSV sentence id) and columns that only
    later sentences have.
    """
    if format != "conll" or not corpus.sentences:
        return []
    kept = set(corpus[0].columns) | {"docstart"}
    dropped: dict[str, None] = {}
    for s in corpus:
        dropped.update((k, None) for k in (*s.extra, *s.columns) if k not in kept)
    return list(dropped)


def _scheme_name(scheme: str) -> str:
    try:
        return check_scheme(scheme)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None


def to_scheme(corpus: Corpus, scheme: str) -> Corpus:
    """An IOB2 corpus re-encoded in ``scheme`` (plain or unlabelled corpora are returned as is)."""
    name = _scheme_name(scheme)
    if corpus.scheme is None or name == corpus.scheme:
        return corpus
    sentences = [replace(s, tags=convert_tags(s.tags, corpus.scheme, name)) for s in corpus]
    return Corpus(sentences, corpus.path, name)


@dataclass
class ConvertResult:
    """What :func:`convert_file` did.

    Attributes:
        dropped: fields of the source the target format has no place for (see
            :func:`unwritable_fields`); empty when nothing was lost.
    """

    source: str
    target: str
    format: str
    sentences: int
    words: int
    source_scheme: str | None
    target_scheme: str | None
    dropped: list[str] = field(default_factory=list)


def convert_file(
    source: str | Path,
    target: str | Path,
    *,
    scheme: str = "IOB2",
    source_scheme: str = "auto",
    format: str | None = None,
    to: str | None = None,
    tag_column: int | str | None = -1,
    word_column: int | str = 0,
    sep: str | None = None,
    split: str | None = None,
) -> ConvertResult:
    """Read ``source`` (any readable format), re-encode span tags in ``scheme``, write ``target``.

    Args:
        source: input file, Hugging Face folder or hub name.
        target: output file: JSONL for .jsonl, one JSON array for .json, else CoNLL (unless
            ``to`` says otherwise); ``/dev/stdout`` writes to standard output.
        scheme: the scheme to write span tags in (plain labels are written as they are).
        source_scheme: the input's scheme, ``"auto"`` to detect it, ``"none"`` for plain labels.
        format: the input format (``None``: detect).
        to: the output format, ``conll``, ``jsonl`` or ``json``.
        tag_column: the input tag column; word_column: the input word column.
        sep: the input CoNLL separator or CSV delimiter.
        split: the split of a Hugging Face dataset dict.

    Returns:
        What was done; ``dropped`` names the source fields a CoNLL target cannot hold.

    Raises:
        DataError: the input cannot be read, or a value cannot be written faithfully (the
            target is then left as it was).
        ConfigError: an unknown scheme or format, or a target that is the source, a folder,
            or under a file.
    """
    fmt = output_format(target, to)
    _scheme_name(scheme)
    try:
        check_output_file(target, inputs=[source], what="the target")
    except OSError as exc:  # e.g. a file name too long for the file system
        raise ConfigError(f"the target {target}: {exc.strerror or exc}") from None
    raw = read_corpus(
        source, format=format, word_column=word_column, tag_column=tag_column, sep=sep, split=split
    )
    corpus, detected = normalize_tags(raw, source_scheme)
    out = to_scheme(corpus, scheme)
    write_corpus(out, target, format=fmt)
    return ConvertResult(
        str(source),
        str(target),
        fmt,
        len(out),
        sum(len(s) for s in out),
        detected,
        out.scheme,
        unwritable_fields(out, fmt),
    )
