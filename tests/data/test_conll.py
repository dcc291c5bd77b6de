"""CoNLL reader and writer: columns, separators, -DOCSTART-, sentence ends, and bad input."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from nerlab.data import Corpus, Sentence, read_conll, write_conll
from nerlab.errors import DataError

Writer = Callable[[str, str | bytes], Path]


def test_reads_four_columns_with_docstart_and_whitespace_line(fixtures: Path) -> None:
    corpus = read_conll(fixtures / "iob1_4col.conll")
    assert [s.words for s in corpus] == [
        ["EU", "rejects", "German", "call", "."],
        ["Peter", "Blackburn"],
        ["BRUSSELS", "1996-08-22"],
        ["The", "European", "Commission", "said", "Spain", "France"],
    ]
    assert corpus[0].tags == ["I-ORG", "O", "I-MISC", "O", "O"]  # raw: no conversion here
    assert corpus[0].columns == {
        "col1": ["NNP", "VBZ", "JJ", "NN", "."],
        "col2": ["B-NP", "B-VP", "B-NP", "I-NP", "O"],
    }
    # -DOCSTART- right before a token line (no blank line after it) still ends nothing wrongly.
    assert corpus[2].line == 13 and corpus[2].lines == [13, 14]
    assert corpus[3].lines == [16, 17, 18, 19, 20, 21]  # the final sentence without blank line
    assert corpus.path == str(fixtures / "iob1_4col.conll")
    assert corpus[3].path == corpus.path


@pytest.mark.parametrize(
    ("tag_column", "expected", "extra"),
    [
        (1, ["NNP", "NNP"], ["col2", "col3"]),
        (2, ["B-NP", "I-NP"], ["col1", "col3"]),
        (3, ["I-PER", "I-PER"], ["col1", "col2"]),
        (-1, ["I-PER", "I-PER"], ["col1", "col2"]),
        (-3, ["NNP", "NNP"], ["col2", "col3"]),
    ],
)
def test_tag_column_selects_any_column(
    tag_column: int, expected: list, extra: list, fixtures: Path
) -> None:
    corpus = read_conll(fixtures / "iob1_4col.conll", tag_column=tag_column)
    assert corpus[1].tags == expected
    assert sorted(corpus[1].columns) == extra


def test_word_column_and_no_tags(fixtures: Path) -> None:
    corpus = read_conll(fixtures / "iob1_4col.conll", word_column=1, tag_column=None)
    assert corpus[1].words == ["NNP", "NNP"]
    assert corpus[1].tags == []
    assert sorted(corpus[1].columns) == ["col0", "col2", "col3"]


def test_tab_separated_tokens_may_hold_spaces(fixtures: Path) -> None:
    corpus = read_conll(fixtures / "tab_spaces.tsv")
    assert corpus.words == [["New York", "is", "big"], ["Anna Maria", "smiled"]]
    assert corpus.tags == [["B-LOC", "O", "O"], ["B-PER", "O"]]


@pytest.mark.parametrize(
    "docstart",
    ["-DOCSTART- -X- O O", "-DOCSTART- -X- -X- O", "-DOCSTART-", "-DOCSTART-\tO"],
)
@pytest.mark.parametrize("blank_after", [True, False])
def test_docstart_dropped_in_every_form(docstart: str, blank_after: bool, write: Writer) -> None:
    sep = "\t" if "\t" in docstart else " "
    gap = "\n" if blank_after else ""
    text = f"{docstart}\n{gap}A{sep}O\nB{sep}O\n{docstart}\n{gap}C{sep}O\n"
    corpus = read_conll(write("d.conll", text))
    assert corpus.words == [["A", "B"], ["C"]]
    assert all("-DOCSTART-" not in w for w in corpus.words)


def test_blank_lines_runs_crlf_bom_and_missing_final_newline(write: Writer) -> None:
    text = "\ufeffA O\r\nB B-X\r\n\r\n\r\n \t \r\nC O"
    corpus = read_conll(write("w.conll", text))
    assert corpus.words == [["A", "B"], ["C"]]
    assert corpus.tags == [["O", "B-X"], ["O"]]
    assert corpus[1].line == 6


def test_single_column_file_is_unlabelled(write: Writer) -> None:
    corpus = read_conll(write("u.txt", "Shortly\nafter\n\nSo\n"))
    assert corpus.words == [["Shortly", "after"], ["So"]]
    assert corpus.tags == [[], []]


def test_wrong_column_count_names_file_line_and_counts(write: Writer) -> None:
    path = write("bad.conll", "EU NNP I-NP I-ORG\nrejects VBZ O\n")
    with pytest.raises(DataError) as err:
        read_conll(path)
    msg = str(err.value)
    assert msg.startswith(f"{path}:2: ")
    assert "expected 4 columns" in msg and "found 3" in msg
    assert err.value.line == 2 and err.value.path == str(path)


def test_wrong_column_count_in_a_tab_file(write: Writer) -> None:
    path = write("bad.tsv", "A\tO\n\nB\tO\tx\n")
    with pytest.raises(DataError, match=r"bad\.tsv:3: expected 2 columns .* found 3"):
        read_conll(path)


def test_empty_tab_field_is_an_error(write: Writer) -> None:
    path = write("e.tsv", "A\tO\n\tO\n")
    with pytest.raises(DataError, match=r"e\.tsv:2: column 1 is empty"):
        read_conll(path)


@pytest.mark.parametrize("text", ["", "\n\n  \n", "-DOCSTART- -X- O O\n\n"])
def test_empty_file_is_an_error(text: str, write: Writer) -> None:
    path = write("empty.conll", text)
    with pytest.raises(DataError, match=r"empty\.conll: no sentence found"):
        read_conll(path)


def test_non_utf8_names_file_line_and_byte_offset(write: Writer) -> None:
    path = write("latin.conll", "A O\nCaf\xe9 O\n".encode("latin-1"))
    with pytest.raises(DataError) as err:
        read_conll(path)
    msg = str(err.value)
    assert msg.startswith(f"{path}:2: not UTF-8")
    assert "byte 0xE9 at byte offset 7" in msg


def test_missing_file_and_folder(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="file not found"):
        read_conll(tmp_path / "nope.conll")
    with pytest.raises(DataError, match="is a folder"):
        read_conll(tmp_path)


@pytest.mark.parametrize(("word", "tag"), [(5, -1), (0, 2), (0, -3)])
def test_column_out_of_range(word: int, tag: int, write: Writer) -> None:
    path = write("two.conll", "\nA O\n")
    with pytest.raises(DataError, match=r"two\.conll:2: .* column -?\d+ does not exist.*2 column"):
        read_conll(path, word_column=word, tag_column=tag)


def test_same_word_and_tag_column_is_an_error(write: Writer) -> None:
    path = write("two.conll", "A O\n")
    with pytest.raises(DataError, match="word column and the tag column are the same"):
        read_conll(path, word_column=1, tag_column=-1)


def test_unknown_separator(write: Writer) -> None:
    with pytest.raises(DataError, match="unknown separator ';'"):
        read_conll(write("a.conll", "A O\n"), sep=";")


def test_write_then_read_is_identical(tmp_path: Path, fixtures: Path) -> None:
    corpus = read_conll(fixtures / "iob1_4col.conll")
    out = tmp_path / "out.conll"
    write_conll(corpus, out)
    again = read_conll(out)
    assert again.words == corpus.words and again.tags == corpus.tags
    assert [s.columns for s in again] == [s.columns for s in corpus]
    assert [s.extra for s in again] == [s.extra for s in corpus]
    # the -DOCSTART- line is kept (issue 10: nothing dropped silently)
    assert out.read_text("utf-8").startswith("-DOCSTART- -X- -X- O\n\nEU NNP B-NP I-ORG\n")


def test_write_uses_tab_when_words_hold_spaces(tmp_path: Path, fixtures: Path) -> None:
    corpus = read_conll(fixtures / "tab_spaces.tsv")
    out = tmp_path / "out.conll"
    write_conll(corpus, out)
    assert out.read_text("utf-8").splitlines()[0] == "New York\tB-LOC"
    assert read_conll(out).words == corpus.words


@pytest.mark.parametrize(
    ("words", "sep", "why"),
    [
        (["a\tb"], None, "TAB or a line break"),
        (["a b"], "space", "contains whitespace"),
        (["-DOCSTART-"], None, "document separator"),
        ([" a"], "tab", "starts or ends with whitespace"),
    ],
)
def test_write_refuses_values_that_would_not_read_back(
    tmp_path: Path, words: list[str], sep: str | None, why: str
) -> None:
    corpus = Corpus([Sentence(words, ["O"] * len(words), path="in.conll", line=7, lines=[7])])
    with pytest.raises(DataError, match=why) as err:
        write_conll(corpus, tmp_path / "o.conll", sep=sep)
    assert "in.conll:7" in str(err.value)


def test_write_refuses_mixed_labelled_and_empty(tmp_path: Path) -> None:
    mixed = Corpus([Sentence(["a"], ["O"]), Sentence(["b"], [])])
    with pytest.raises(DataError, match="unlabelled, unlike the first"):
        write_conll(mixed, tmp_path / "o.conll")
    with pytest.raises(DataError, match="empty corpus"):
        write_conll(Corpus([]), tmp_path / "o.conll")


def test_unlabelled_round_trip(tmp_path: Path) -> None:
    corpus = Corpus.from_lists([["a", "b"], ["c"]])
    write_conll(corpus, tmp_path / "u.conll")
    assert read_conll(tmp_path / "u.conll").words == [["a", "b"], ["c"]]
    assert read_conll(tmp_path / "u.conll").tags == [[], []]
