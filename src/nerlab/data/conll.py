"""CoNLL column files: one word per line, columns separated by spaces or a TAB.

Reading rules (nothing is dropped or repaired silently):

- The separator is a TAB if the first token line has one (then a word may contain spaces, and
  spaces around a TAB are ignored), otherwise any run of spaces.
- A blank or whitespace-only line ends a sentence; a last sentence without a trailing blank
  line is kept.
- A line whose first field is ``-DOCSTART-`` (``-DOCSTART- -X- O O``, ``-DOCSTART- -X- -X- O``,
  a bare ``-DOCSTART-``), with or without a blank line after it, is not a sentence: it ends the
  sentence before it and is kept, as written, in ``Sentence.extra["docstart"]`` of the next
  sentence, so that :func:`write_conll` (and ``nerlab predict``'s CoNLL output) can write it back.
  (Several in a row, with no sentence between, are kept as one; one after the last sentence
  has no sentence to be kept with.)
- Every token line must have as many columns as the first token line.
- A file with a single column is unlabelled (its sentences have no tags).

Example:
    >>> corpus = read_conll("eng.train", tag_column=1)  # the POS column of CoNLL-2003
"""

from __future__ import annotations

import re
from pathlib import Path

from nerlab.data.corpus import Corpus, Sentence
from nerlab.data.textfile import read_text
from nerlab.errors import DataError, where
from nerlab.files import write_text_atomic

DOCSTART = "-DOCSTART-"
_SEPARATORS = {"tab": "\t", "\t": "\t", "space": " ", " ": " "}
_WHITESPACE = re.compile(r"\s")
# Characters Python's str.splitlines() ends a line at, other than CR and LF (already LF here):
# in a CoNLL file they are damage, not separators, and would shift columns silently.
_ODD_BREAKS = re.compile("[\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _resolve_sep(sep: str | None, lines: list[str], path: Path) -> str:
    """The separator: the given one, or a TAB if the first token line has one, else space."""
    if sep is not None:
        if sep not in _SEPARATORS:
            raise DataError(f"unknown separator {sep!r}: allowed are 'tab', 'space' or None", path)
        return _SEPARATORS[sep]
    for line in lines:
        if line.strip() and not is_docstart(line):
            return "\t" if "\t" in line else " "
    return " "


def _column_index(value: int, ncols: int, what: str, path: Path, line: int) -> int:
    """A (possibly negative) column index checked against the file's column count."""
    if not -ncols <= value < ncols:
        raise DataError(
            f"{what} column {value} does not exist: the file has {ncols} column(s); "
            f"allowed are 0..{ncols - 1} or -{ncols}..-1",
            path,
            line,
        )
    return value % ncols


def _sentence(
    rows: list[list[str]],
    row_lines: list[int],
    cols: tuple[int, int | None],
    path: str,
    docstart: str | None,
) -> Sentence:
    wi, ti = cols
    by_col = list(zip(*rows, strict=True))
    other = {f"col{i}": list(c) for i, c in enumerate(by_col) if i != wi and i != ti}
    tags = list(by_col[ti]) if ti is not None else []
    extra = {"docstart": docstart} if docstart is not None else {}
    return Sentence(list(by_col[wi]), tags, other, path, row_lines[0], row_lines, extra)


def is_docstart(line: str) -> bool:
    """Whether ``line`` is a ``-DOCSTART-`` line (in any of its forms, any separator)."""
    return line.split(None, 1)[:1] == [DOCSTART]


def _separator_hint(tab: bool, line: str, ncols: int, sep: str | None) -> str:
    """Why a line may have the wrong column count: TABs and spaces mixed as separators."""
    if tab and sep is None and len(line.split()) == ncols:
        return (
            ". The first token line is TAB-separated and this one separates its columns with "
            "spaces: use one separator in the whole file"
        )
    return ""


def read_conll(
    path: str | Path,
    *,
    word_column: int = 0,
    tag_column: int | None = -1,
    sep: str | None = None,
) -> Corpus:
    """Read a CoNLL column file as it is (tags are not validated or converted here).

    Args:
        path: the file (UTF-8).
        word_column: column of the words, 0-based; negative counts from the end.
        tag_column: column of the tags (default: the last one); ``None`` reads no tags.
            In a one-column file the sentences are unlabelled.
        sep: ``"tab"``, ``"space"`` or ``None`` to detect it from the first token line.

    Returns:
        The corpus; other columns are kept as ``columns["col{i}"]`` (``i`` the file column).

    Raises:
        DataError: missing or non-UTF-8 file, a line with another column count than the first
            token line, an empty field, a column index out of range, or no sentence at all.
    """
    path = Path(path)
    lines = read_text(path).split("\n")
    tab = _resolve_sep(sep, lines, path) == "\t"
    sentences: list[Sentence] = []
    rows: list[list[str]] = []
    row_lines: list[int] = []
    ncols, cols, spath = 0, (0, None), str(path)
    docstart: str | None = None
    for lineno, line in enumerate(lines, 1):
        if odd := _ODD_BREAKS.search(line):
            raise DataError(
                f"the line holds the control character U+{ord(odd.group()):04X} (a page or "
                f"line separator, not a line end): {line!r}; remove it, or replace it by a "
                "line break",
                path,
                lineno,
            )
        if tab:
            fields = [f.strip() for f in line.split("\t")] if line.strip() else []
        else:
            fields = line.split()
        if not fields or is_docstart(line):
            if rows:
                sentences.append(_sentence(rows, row_lines, cols, spath, docstart))
                rows, row_lines, docstart = [], [], None
            if fields:
                docstart = line.strip()
            continue
        if not ncols:
            ncols, first_line = len(fields), lineno
            cols = _columns(ncols, word_column, tag_column, path, lineno)
        elif len(fields) != ncols:
            raise DataError(
                f"expected {ncols} columns (as on line {first_line}, the first token line), "
                f"found {len(fields)}: {line!r}. Every token line needs the same columns; "
                f"a blank line ends a sentence{_separator_hint(tab, line, ncols, sep)}",
                path,
                lineno,
            )
        if tab and "" in fields:
            raise DataError(f"column {fields.index('') + 1} is empty: {line!r}", path, lineno)
        rows.append(fields)
        row_lines.append(lineno)
    if rows:
        sentences.append(_sentence(rows, row_lines, cols, spath, docstart))
    if not sentences:
        what = "only -DOCSTART- and blank lines" if docstart else "only blank lines"
        raise DataError(f"no sentence found: the file is empty or has {what}", path)
    return Corpus(sentences, spath)


def _columns(
    ncols: int, word_column: int, tag_column: int | None, path: Path, line: int
) -> tuple[int, int | None]:
    """Word and tag column indices (tag ``None``: unlabelled)."""
    wi = _column_index(word_column, ncols, "word", path, line)
    if tag_column is None or ncols == 1:
        return wi, None
    ti = _column_index(tag_column, ncols, "tag", path, line)
    if ti == wi:
        raise DataError(
            f"the word column and the tag column are the same (column {wi}); choose another "
            "--tag-column",
            path,
            line,
        )
    return wi, ti


def _check_field(value: str, sentence: Sentence, i: int, tab: bool) -> None:
    """A field that would not read back identically is an error, never a silent change."""
    bad = ""
    if not value:
        bad = "is empty"
    elif "\t" in value or "\n" in value or "\r" in value:
        bad = "contains a TAB or a line break"
    elif tab and value != value.strip():
        bad = "starts or ends with whitespace"
    elif not tab and _WHITESPACE.search(value):
        bad = "contains whitespace (write with sep='tab')"
    elif value == DOCSTART:
        bad = "would be read back as a document separator"
    elif _SURROGATE.search(value):
        bad = "holds a lone UTF-16 surrogate (U+D800..U+DFFF), which UTF-8 cannot encode"
    if bad:
        at = where(sentence.path, sentence.word_line(i))
        raise DataError(f"cannot write {value!r} (word {i + 1} of the sentence at {at}): it {bad}")


def _needs_tab(corpus: Corpus) -> bool:
    return any(
        _WHITESPACE.search(v) for s in corpus for col in (s.words, *s.columns.values()) for v in col
    )


def format_conll(corpus: Corpus, *, sep: str | None = None, columns: bool = True) -> str:
    """A corpus as the text of a CoNLL file (see :func:`write_conll`, which writes it)."""
    if not corpus.sentences:
        raise DataError("cannot write an empty corpus")
    if sep is not None and sep not in _SEPARATORS:
        raise DataError(f"unknown separator {sep!r}: allowed are 'tab', 'space' or None")
    tab = _needs_tab(corpus) if sep is None else _SEPARATORS[sep] == "\t"
    joiner = "\t" if tab else " "
    labelled = bool(corpus[0].tags)
    names = list(corpus[0].columns) if columns else []
    out: list[str] = []
    for s in corpus:
        _check_sentence(s, labelled, names)
        docstart = s.extra.get("docstart")
        if isinstance(docstart, str) and is_docstart(docstart):
            out += [joiner.join(docstart.split()), ""]
        cols = [s.words, *(s.columns[n] for n in names), *([s.tags] if labelled else [])]
        for i, fields in enumerate(zip(*cols, strict=True)):
            for value in fields:
                _check_field(value, s, i, tab)
            out.append(joiner.join(fields))
        out.append("")
    return "\n".join(out) + "\n"


def write_conll(
    corpus: Corpus, path: str | Path, *, sep: str | None = None, columns: bool = True
) -> None:
    """Write a corpus as a CoNLL file: ``word [other columns...] tag``, sentences apart.

    A sentence's ``extra["docstart"]`` (a ``-DOCSTART-`` line read before it) is written before
    it, followed by a blank line. The file is written only once the whole text is built, so a
    value that cannot be written leaves ``path`` as it was.

    Args:
        corpus: the corpus; all sentences labelled, or all unlabelled (then no tag column).
        path: the output file (UTF-8, LF line ends), written atomically.
        sep: ``"tab"``, ``"space"``, or ``None``: space unless some value contains whitespace.
        columns: also write the other columns (in the order of the first sentence).

    Raises:
        DataError: a value that cannot be written so it reads back the same (empty, a TAB or a
            line break inside, a word ``-DOCSTART-``), or sentences with different columns.
    """
    try:
        text = format_conll(corpus, sep=sep, columns=columns)
    except DataError as exc:
        raise DataError(str(exc), path if exc.path is None else None) from None
    write_text_atomic(path, text)


def _check_sentence(s: Sentence, labelled: bool, names: list[str]) -> None:
    at = where(s.path, s.line)
    if not s.words:
        raise DataError(f"cannot write the sentence at {at}: it has no words")
    if bool(s.tags) != labelled:
        state = "unlabelled" if labelled else "labelled"
        raise DataError(f"the sentence at {at} is {state}, unlike the first sentence")
    if missing := [n for n in names if n not in s.columns]:
        raise DataError(
            f"the sentence at {at} lacks the column(s) {', '.join(missing)} that the first "
            "sentence has; a CoNLL file needs the same columns on every line (a JSONL target "
            "keeps each sentence's own)"
        )
