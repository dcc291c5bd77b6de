"""CSV/TSV reader: header columns, delimiters, contiguous sentences, and bad input."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from nerlab.data import read_tabular
from nerlab.errors import DataError

Writer = Callable[[str, str | bytes], Path]


def test_reads_csv_with_quotes_and_extra_columns(fixtures: Path) -> None:
    corpus = read_tabular(fixtures / "words.csv")
    assert corpus.words == [["Ana", "Silva", "joined", "Norvik, Inc"], ["Zoë", "flew", "home"]]
    assert corpus.tags == [["B-PER", "I-PER", "O", "B-ORG"], ["B-PER", "O", "O"]]
    assert corpus[0].columns == {"pos": ["NNP", "NNP", "VBD", "NNP"]}
    assert corpus[1].line == 6 and corpus[1].lines == [6, 7, 8]


def test_tsv_custom_names_and_unlabelled(write: Writer) -> None:
    path = write("t.tsv", "sid\ttoken\tlabel\n1\tNew York\tB-LOC\n1\tis\tO\n2\tok\tO\n")
    corpus = read_tabular(path, sentence_column="sid", word_column="token", tag_column="label")
    assert corpus.words == [["New York", "is"], ["ok"]]
    assert corpus.tags == [["B-LOC", "O"], ["O"]]
    bare = read_tabular(path, sentence_column="sid", word_column="token", tag_column=None)
    assert bare.tags == [[], []] and bare[0].columns == {"label": ["B-LOC", "O"]}


def test_delimiter_option(write: Writer) -> None:
    path = write("t.txt", "sentence_id;word;tag\n1;a;O\n")
    with pytest.raises(DataError, match=r"cannot tell the delimiter from the extension '\.txt'"):
        read_tabular(path)
    assert read_tabular(path, delimiter=";").words == [["a"]]
    with pytest.raises(DataError, match="one character"):
        read_tabular(path, delimiter=";;")


def test_missing_column_names_the_header(write: Writer) -> None:
    path = write("m.csv", "sentence_id,token,tag\n1,a,O\n")
    with pytest.raises(DataError) as err:
        read_tabular(path)
    msg = str(err.value)
    assert msg.startswith(f"{path}:1: the header has no word column 'word'")
    assert "'sentence_id', 'token', 'tag'" in msg


def test_non_contiguous_sentence(write: Writer) -> None:
    path = write("n.csv", "sentence_id,word,tag\n1,a,O\n2,b,O\n1,c,O\n")
    with pytest.raises(
        DataError, match=r"n\.csv:4: rows of sentence '1' are not contiguous.*line 2"
    ):
        read_tabular(path)


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("1,a", "expected 3 fields"),
        ("1,a,O,x", "expected 3 fields"),
        (",a,O", "empty sentence id"),
        ("1,,O", "empty word"),
    ],
)
def test_bad_rows(write: Writer, row: str, message: str) -> None:
    path = write("r.csv", f"sentence_id,word,tag\n1,x,O\n{row}\n")
    with pytest.raises(DataError, match=rf"r\.csv:3: {message}"):
        read_tabular(path)


@pytest.mark.parametrize("text", ["", "sentence_id,word,tag\n"])
def test_empty(write: Writer, text: str) -> None:
    with pytest.raises(DataError, match=r"empty|no sentence found"):
        read_tabular(write("e.csv", text))


def test_non_utf8(write: Writer) -> None:
    path = write("l.csv", "sentence_id,word,tag\n1,na\xefve,O\n".encode("latin-1"))
    with pytest.raises(DataError, match=r"l\.csv:2: not UTF-8: byte 0xEF at byte offset 25"):
        read_tabular(path)


def test_messages_name_only_real_options(write: Writer) -> None:
    """Issue 10: the messages advised ``--delimiter`` and ``--sentence-column``, which do not
    exist; they now say what to do (rename, or a real option)."""
    with pytest.raises(DataError) as err:
        read_tabular(write("t.txt", "sentence_id;word;tag\n1;a;O\n"))
    assert "--delimiter" not in str(err.value) and "rename the file to .csv" in str(err.value)
    with pytest.raises(DataError) as err:
        read_tabular(write("s.csv", "sid,word,tag\n1,a,O\n"))
    assert "--sentence-column" not in str(err.value)
    assert "Name the sentence id column 'sentence_id'" in str(err.value)
    with pytest.raises(DataError, match="--word-column NAME"):
        read_tabular(write("w.csv", "sentence_id,token,tag\n1,a,O\n"))


@pytest.mark.parametrize("newline", ["\r", "\r\n"])
def test_cr_and_crlf_rows_and_sentence_ids_kept(write: Writer, newline: str) -> None:
    text = "sentence_id,word,tag\n1,a,O\n1,b,O\n2,c,O\n".replace("\n", newline)
    corpus = read_tabular(write("c.csv", text))
    assert corpus.words == [["a", "b"], ["c"]]
    assert [s.lines for s in corpus] == [[2, 3], [4]]
    assert [s.extra for s in corpus] == [{"sentence_id": "1"}, {"sentence_id": "2"}]
