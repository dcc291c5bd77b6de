"""load_corpus: format detection, tag validation, scheme detection and conversion, round trips."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from nerlab.data import detect_format, load_corpus, read_corpus
from nerlab.data.writers import convert_file, write_corpus
from nerlab.errors import ConfigError, DataError

Writer = Callable[[str, str | bytes], Path]


@pytest.mark.parametrize(
    ("name", "text", "fmt"),
    [
        ("a.conll", "A O\n", "conll"),
        ("a.txt", "A O\n", "conll"),
        ("eng.train", "A O\n", "conll"),
        ("a.tsv", "A\tO\n", "conll"),
        ("a.tsv", "sentence_id\tword\ttag\n1\tA\tO\n", "tabular"),
        ("a.csv", "sentence_id,word,tag\n", "tabular"),
        ("a.jsonl", "{}", "jsonl"),
        ("a.json", "{}", "jsonl"),
        ("data.txt", '\n{"tokens": ["a"]}\n', "jsonl"),
    ],
)
def test_detect_format(write: Writer, name: str, text: str, fmt: str) -> None:
    assert detect_format(write(name, text)) == fmt


def test_detect_format_folders_and_names(tmp_path: Path) -> None:
    (tmp_path / "ds").mkdir()
    with pytest.raises(DataError, match="not a Hugging Face dataset folder"):
        detect_format(tmp_path / "ds")
    (tmp_path / "ds" / "dataset_dict.json").write_text("{}")
    assert detect_format(tmp_path / "ds") == "hf"
    # a bare name that is no file is a missing file, not a hub dataset (issue 10)
    with pytest.raises(DataError, match=r"no such file or folder: conll2003.*owner/name"):
        detect_format("conll2003")
    assert detect_format("someone/wikiann") == "hf"
    with pytest.raises(DataError, match="file not found"):
        detect_format(tmp_path / "missing.conll")


def test_iob1_file_becomes_iob2_with_columns_and_lines(fixtures: Path) -> None:
    corpus = load_corpus(fixtures / "iob1_4col.conll")
    assert corpus.scheme == "IOB2"
    assert corpus[0].tags == ["B-ORG", "O", "B-MISC", "O", "O"]
    assert corpus[3].tags == ["O", "B-ORG", "I-ORG", "O", "B-LOC", "B-LOC"]
    assert corpus[3].lines == [16, 17, 18, 19, 20, 21]
    assert corpus[0].columns["col1"][0] == "NNP"


def test_pos_column_is_plain_and_chunk_column_is_spans(fixtures: Path) -> None:
    pos = load_corpus(fixtures / "iob1_4col.conll", tag_column=1)
    assert pos.scheme is None
    assert pos[0].tags == ["NNP", "VBZ", "JJ", "NN", "."]
    chunk = load_corpus(fixtures / "iob1_4col.conll", tag_column=2)
    assert chunk.scheme == "IOB2"
    assert chunk[0].tags == ["B-NP", "B-VP", "B-NP", "I-NP", "O"]


@pytest.mark.parametrize(
    ("tags", "scheme"),
    [
        ("S-PER O B-LOC E-LOC", "IOBES"),
        ("U-PER O B-LOC L-LOC", "BILOU"),
        ("I-PER O I-LOC B-LOC", "IOB1"),
        ("B-PER O B-LOC B-LOC", "IOB2"),
    ],
)
def test_every_scheme_converts_to_iob2(write: Writer, tags: str, scheme: str) -> None:
    words = ["Ana", "in", "New", "York"]
    text = "".join(f"{w} {t}\n" for w, t in zip(words, tags.split(), strict=True))
    corpus = load_corpus(write("s.conll", text))
    assert corpus.scheme == "IOB2"
    expected = {
        "IOB1": ["B-PER", "O", "B-LOC", "B-LOC"],
        "IOB2": ["B-PER", "O", "B-LOC", "B-LOC"],
    }.get(scheme, ["B-PER", "O", "B-LOC", "I-LOC"])
    assert corpus[0].tags == expected


def test_forced_scheme_and_none(write: Writer) -> None:
    path = write("f.conll", "A I-PER\nB I-PER\n\nC B-PER\n")
    assert load_corpus(path, scheme="iob1")[0].tags == ["B-PER", "I-PER"]
    assert load_corpus(path, scheme="IOB2")[0].tags == ["I-PER", "I-PER"]  # kept as is
    plain = load_corpus(path, scheme="none")
    assert plain.scheme is None and plain[0].tags == ["I-PER", "I-PER"]
    with pytest.raises(ConfigError, match="unknown tag scheme 'BIO'"):
        load_corpus(path, scheme="BIO")


def test_forced_scheme_with_foreign_prefix_names_the_line(write: Writer) -> None:
    path = write("p.conll", "A O\n\nB S-PER\n")
    with pytest.raises(DataError, match=r"p\.conll:3: .*'S-PER'.*not used in IOB1"):
        load_corpus(path, scheme="IOB1")


def test_unknown_prefix_names_file_and_line(write: Writer) -> None:
    path = write("x.conll", "A O\nB B-PER\n\nC O\nD X-PER\nE X-PER\n")
    with pytest.raises(DataError) as err:
        load_corpus(path)
    msg = str(err.value)
    assert msg.startswith(f"{path}:5: ")
    assert "'X-PER'" in msg and "B-, I-, E-, S-, L-, U-" in msg


def test_untyped_tag_in_ner_column(write: Writer) -> None:
    path = write("t.jsonl", '{"tokens": ["a", "b"], "tags": ["O", "PER"]}\n')
    with pytest.raises(DataError, match=r"t\.jsonl:1: .*'PER'"):
        load_corpus(path)


def test_mixed_iobes_and_bilou_is_an_error(write: Writer) -> None:
    path = write("m.conll", "A S-PER\n\nB U-PER\n")
    with pytest.raises(DataError, match=r"m\.conll: .*mix IOBES"):
        load_corpus(path)


def test_unlabelled_file_has_no_scheme(write: Writer) -> None:
    corpus = load_corpus(write("u.txt", "a\nb\n"))
    assert corpus.scheme is None and corpus.tags == [[]]


def test_column_options_of_the_wrong_kind(fixtures: Path) -> None:
    with pytest.raises(ConfigError, match=r"a CoNLL file.s columns are numbers"):
        load_corpus(fixtures / "iob1_4col.conll", tag_column="ner")
    with pytest.raises(ConfigError, match="header names, not numbers"):
        load_corpus(fixtures / "words.csv", tag_column=2)
    with pytest.raises(ConfigError, match="unknown format 'xml'"):
        load_corpus(fixtures / "words.csv", format="xml")


def test_csv_column_names_through_load_corpus(fixtures: Path) -> None:
    corpus = load_corpus(fixtures / "words.csv", tag_column="pos")
    assert corpus.scheme is None and corpus[1].tags == ["NNP", "VBD", "NN"]


def test_format_override(write: Writer) -> None:
    path = write("data.txt", '{"tokens": ["a"], "tags": ["O"]}\n')
    assert read_corpus(path, format="conll").words == [['{"tokens":']]  # whitespace columns
    assert read_corpus(path, format="jsonl").words == [["a"]]


@pytest.mark.parametrize(
    "source", ["iob1_4col.conll", "tab_spaces.tsv", "tokens.jsonl", "spans.jsonl", "words.csv"]
)
@pytest.mark.parametrize("target", ["out.conll", "out.jsonl"])
def test_round_trip_every_format(fixtures: Path, tmp_path: Path, source: str, target: str) -> None:
    corpus = load_corpus(fixtures / source)
    write_corpus(corpus, tmp_path / target)
    again = load_corpus(tmp_path / target)
    assert again.words == corpus.words
    assert again.tags == corpus.tags
    assert again.scheme == corpus.scheme == "IOB2"
    # Other columns come back in order (CoNLL names them by position: col1, col2, ...).
    assert [list(s.columns.values()) for s in again] == [list(s.columns.values()) for s in corpus]


@pytest.mark.parametrize("scheme", ["IOB1", "IOBES", "BILOU", "IOB2"])
def test_convert_to_each_scheme_and_back(fixtures: Path, tmp_path: Path, scheme: str) -> None:
    out = tmp_path / f"{scheme}.conll"
    result = convert_file(fixtures / "iob1_4col.conll", out, scheme=scheme)
    assert result.source_scheme == "IOB1" and result.target_scheme == scheme
    assert (result.sentences, result.words) == (4, 15)
    assert (
        read_corpus(out)[3].tags[-2:]
        == {
            "IOB1": ["I-LOC", "B-LOC"],
            "IOB2": ["B-LOC", "B-LOC"],
            "IOBES": ["S-LOC", "S-LOC"],
            "BILOU": ["U-LOC", "U-LOC"],
        }[scheme]
    )
    assert load_corpus(out).tags == load_corpus(fixtures / "iob1_4col.conll").tags


def test_convert_plain_labels_and_bad_options(fixtures: Path, tmp_path: Path) -> None:
    result = convert_file(fixtures / "iob1_4col.conll", tmp_path / "pos.jsonl", tag_column=1)
    assert result.target_scheme is None and result.format == "jsonl"
    assert load_corpus(tmp_path / "pos.jsonl")[1].tags == ["NNP", "NNP"]
    with pytest.raises(ConfigError, match="unknown tag scheme 'BIO'"):
        convert_file(fixtures / "iob1_4col.conll", tmp_path / "x.conll", scheme="BIO")
    with pytest.raises(ConfigError, match="cannot write format 'csv'"):
        convert_file(fixtures / "iob1_4col.conll", tmp_path / "x.csv", to="csv")
    assert not (tmp_path / "x.conll").exists()
