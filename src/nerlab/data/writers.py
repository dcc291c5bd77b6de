"""Write a corpus in any writable format, and convert files between formats and schemes.

Example:
    >>> result = convert_file("eng.train", "train.jsonl", scheme="IOB2")
    >>> result.source_scheme
    'IOB1'
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from nerlab.data.conll import write_conll
from nerlab.data.corpus import Corpus, Sentence
from nerlab.data.io import normalize_tags, read_corpus
from nerlab.data.jsonl import write_jsonl
from nerlab.data.schemes import SCHEMES, convert_tags
from nerlab.errors import ConfigError

WRITE_FORMATS = ("conll", "jsonl")


def output_format(path: str | Path, format: str | None = None) -> str:
    """The format to write: ``format`` if given, else ``jsonl`` for .jsonl/.json, else ``conll``."""
    if format is not None:
        if format.lower() not in WRITE_FORMATS:
            raise ConfigError(
                f"cannot write format {format!r}: allowed are {', '.join(WRITE_FORMATS)}"
            )
        return format.lower()
    return "jsonl" if Path(path).suffix.lower() in (".jsonl", ".json") else "conll"


def write_corpus(
    corpus: Corpus, path: str | Path, *, format: str | None = None, sep: str | None = None
) -> str:
    """Write ``corpus`` to ``path`` as CoNLL or JSONL (see :func:`output_format`); return it."""
    fmt = output_format(path, format)
    if fmt == "jsonl":
        write_jsonl(corpus, path)
    else:
        write_conll(corpus, path, sep=sep)
    return fmt


def _scheme_name(scheme: str) -> str:
    name = scheme.upper()
    if name not in SCHEMES:
        raise ConfigError(f"unknown scheme {scheme!r}: allowed are {', '.join(SCHEMES)}")
    return name


def to_scheme(corpus: Corpus, scheme: str) -> Corpus:
    """An IOB2 corpus re-encoded in ``scheme`` (plain or unlabelled corpora are returned as is)."""
    name = _scheme_name(scheme)
    if corpus.scheme is None or name == corpus.scheme:
        return corpus
    sentences = [
        Sentence(
            s.words, convert_tags(s.tags, corpus.scheme, name), s.columns, s.path, s.line, s.lines
        )
        for s in corpus
    ]
    return Corpus(sentences, corpus.path, name)


@dataclass
class ConvertResult:
    """What :func:`convert_file` did."""

    source: str
    target: str
    format: str
    sentences: int
    words: int
    source_scheme: str | None
    target_scheme: str | None


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
        target: output file; CoNLL unless it ends in .jsonl/.json or ``to`` says otherwise.
        scheme: the scheme to write span tags in (plain labels are written as they are).
        source_scheme: the input's scheme, ``"auto"`` to detect it, ``"none"`` for plain labels.
        format: the input format (``None``: detect).
        to: the output format, ``conll`` or ``jsonl``.
        tag_column: the input tag column; word_column: the input word column.
        sep: the input CoNLL separator or CSV delimiter.
        split: the split of a Hugging Face dataset dict.

    Raises:
        DataError: the input cannot be read, or a value cannot be written faithfully.
        ConfigError: an unknown scheme or format.
    """
    fmt = output_format(target, to)
    _scheme_name(scheme)
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
    )
