"""CSV/TSV files with one word per row and a header: ``sentence_id, word, tag``.

The rows of a sentence must be contiguous (a sentence id that comes back after another one is an
error, not a merge). Every other column of the header is kept as a column of the sentence, and
the sentence id in ``Sentence.extra`` under the header's name (a JSONL output keeps it).
The delimiter comes from the extension (``.csv`` comma, ``.tsv``/``.tab`` TAB) or the option.

Example:
    >>> corpus = read_tabular("ner.csv", word_column="token", tag_column="label")
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from nerlab.data.corpus import Corpus, Sentence
from nerlab.data.textfile import read_text
from nerlab.errors import DataError

_DELIMITERS = {".csv": ",", ".tsv": "\t", ".tab": "\t"}
_HOW_TO_CHOOSE = {
    "sentence id": "Name the sentence id column 'sentence_id' in the header (Python: "
    "sentence_column=)",
    "word": "Name the word column 'word' in the header, or choose it with --word-column NAME "
    "(nerlab data describe/convert; Python: word_column=)",
    "tag": "Choose the tag column with --tag-column NAME (Python: tag_column=)",
}


def _delimiter(path: Path, delimiter: str | None) -> str:
    if delimiter is not None:
        if delimiter in ("tab", "\\t"):
            return "\t"
        if len(delimiter) != 1:
            raise DataError(f"delimiter must be one character or 'tab', got {delimiter!r}", path)
        return delimiter
    if path.suffix.lower() in _DELIMITERS:
        return _DELIMITERS[path.suffix.lower()]
    raise DataError(
        f"cannot tell the delimiter from the extension {path.suffix!r} (known: "
        f"{', '.join(_DELIMITERS)}): rename the file to .csv (comma) or .tsv (TAB), or, in "
        "Python, pass delimiter=','",
        path,
    )


def _header_index(
    header: list[str], names: dict[str, str | None], path: Path
) -> dict[str, int | None]:
    """Position of each needed column in the header (``None`` for an unused tag column)."""
    found: dict[str, int | None] = {}
    for role, name in names.items():
        if name is None:
            found[role] = None
        elif name in header:
            found[role] = header.index(name)
        else:
            spaced = name in (h.strip() for h in header)
            hint = (
                ". The names have spaces around them: separate the columns with the delimiter "
                "alone (',' not ', ')"
                if spaced
                else f". {_HOW_TO_CHOOSE[role]}"
            )
            raise DataError(
                f"the header has no {role} column {name!r}; its columns are "
                f"{', '.join(map(repr, header))}{hint}",
                path,
                1,
            )
    return found


def read_tabular(
    path: str | Path,
    *,
    sentence_column: str = "sentence_id",
    word_column: str = "word",
    tag_column: str | None = "tag",
    delimiter: str | None = None,
) -> Corpus:
    """Read a CSV/TSV file with a header row and one word per row.

    Args:
        path: the file (UTF-8).
        sentence_column: header name of the sentence id column.
        word_column: header name of the word column.
        tag_column: header name of the tag column; ``None`` for unlabelled data.
        delimiter: one character or ``"tab"``; ``None`` to use the extension.

    Returns:
        The corpus; ``Sentence.lines`` holds the line of each row.

    Raises:
        DataError: a missing column, a row with another field count than the header, an empty
            word or sentence id, a sentence whose rows are not contiguous, or no rows.
    """
    path = Path(path)
    delim = _delimiter(path, delimiter)
    reader = csv.reader(io.StringIO(read_text(path), newline=""), delimiter=delim)
    header = next(reader, None)
    if not header or not any(h.strip() for h in header):
        raise DataError("the file is empty: expected a header row and one row per word", path)
    roles = {"sentence id": sentence_column, "word": word_column, "tag": tag_column}
    idx = _header_index(header, roles, path)
    si, wi, ti = idx["sentence id"], idx["word"], idx["tag"]
    extra = [(h, i) for i, h in enumerate(header) if i not in (si, wi, ti)]
    sentences: list[Sentence] = []
    seen: dict[str, int] = {}
    try:
        for row in reader:
            if row:  # a blank line holds no row
                _add_row(row, reader.line_num, (si, wi, ti), header, extra, sentences, seen, path)
    except csv.Error as exc:
        raise DataError(
            f'not valid CSV: {exc}; is a quote (") opened and never closed before this line?',
            path,
            reader.line_num,
        ) from None
    if not sentences:
        raise DataError("no sentence found: the file has a header but no rows", path)
    return Corpus(sentences, str(path))


def _add_row(
    row: list[str],
    line: int,
    cols: tuple[int | None, ...],
    header: list[str],
    extra: list[tuple[str, int]],
    sentences: list[Sentence],
    seen: dict[str, int],
    path: Path,
) -> None:
    """Append one row to the last sentence, or start a new sentence at a new id."""
    si, wi, ti = cols
    if len(row) != len(header):
        quote = any("\n" in f for f in row)
        hint = '; a quote (") opened in a field and closed lines later?' if quote else ""
        raise DataError(
            f"expected {len(header)} fields as in the header, found {len(row)}: {row!r}{hint}",
            path,
            line,
        )
    sid, word = row[si], row[wi]  # type: ignore[index]
    if not sid or not word:
        raise DataError(f"empty {'sentence id' if not sid else 'word'} in {row!r}", path, line)
    if not seen or sid != next(reversed(seen)):  # ``seen`` keeps ids in order of first row
        if sid in seen:
            raise DataError(
                f"rows of sentence {sid!r} are not contiguous: it started on line {seen[sid]} "
                "and another sentence came between; sort the rows by sentence",
                path,
                line,
            )
        seen[sid] = line
        columns: dict[str, list[str]] = {h: [] for h, _ in extra}
        ids = {header[si]: sid}  # type: ignore[index]
        sentences.append(Sentence([], [], columns, str(path), line, [], ids))
    s = sentences[-1]
    s.words.append(word)
    if ti is not None:
        s.tags.append(row[ti])
    for h, i in extra:
        s.columns[h].append(row[i])
    s.lines.append(line)  # type: ignore[union-attr]
