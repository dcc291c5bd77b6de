"""load_texts (every format, every bad input) and detect_task (never NER data as text)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from nerlab.data.demo import DEMO_SPLITS, demo_path
from nerlab.data.textio import TEXT_TASK, TOKEN_TASK, detect_task, load_texts
from nerlab.errors import ConfigError, DataError

Writer = Callable[[str, str | bytes], Path]


def _jsonl(*objs: object) -> str:
    return "".join(json.dumps(o) + "\n" for o in objs)


# --- text;label lines --------------------------------------------------------------------------


def test_lines_split_at_the_last_semicolon_and_keep_the_text(write: Writer) -> None:
    path = write("t.txt", "i feel  great ;joy\n\nwell; i am sad;sadness\r\n   \nok then;joy \n")
    corpus = load_texts(path)
    assert corpus.texts == ["i feel  great ", "well; i am sad", "ok then"]
    assert corpus.labels == [["joy"], ["sadness"], ["joy"]]
    assert [e.line for e in corpus] == [1, 3, 5]  # blank lines are no examples
    assert not corpus.multi_label and corpus.labelled and corpus.label_names is None
    assert corpus.label_set() == ["joy", "sadness"]
    assert corpus.path == str(path) and corpus[0].path == str(path)


def test_lines_header_is_skipped_only_when_its_label_labels_nothing(write: Writer) -> None:
    assert load_texts(write("h.txt", "text;label\na;joy\nb;fear\n")).texts == ["a", "b"]
    kept = load_texts(write("k.txt", "text;joy\na;joy\n"))  # 'joy' is a real label
    assert kept.texts == ["text", "a"]


def test_lines_multi_label_with_a_separator(write: Writer) -> None:
    corpus = load_texts(write("m.txt", "a;joy,love\nb;\nc;fear\n"), label_sep=",")
    assert corpus.multi_label
    assert corpus.labels == [["joy", "love"], [], ["fear"]]


def test_lines_unlabelled_keeps_every_line_whole(write: Writer) -> None:
    corpus = load_texts(write("u.txt", "no label here\n\nthis; has a semicolon\n"), labelled=False)
    assert corpus.texts == ["no label here", "this; has a semicolon"]
    assert corpus.labels == [[], []] and not corpus.labelled and not corpus.is_labelled()


@pytest.mark.parametrize(
    ("text", "line", "needles"),
    [
        ("a;joy\nno label at all\n", 2, ["no ';'", "'no label at all'", "labelled=False"]),
        ("a;joy\n;fear\n", 2, ["empty text ''", "needs a text"]),
        ("a;joy\n   ;fear\n", 2, ["empty text '   '"]),
        ("a;joy\nb;\n", 2, ["empty label ''"]),
        ("a;joy\nb; very happy\n", 2, ["'very happy'", "holds a space"]),
        ("a;joy\nb;3\n", 2, ["'3' is a class id", "the label 'joy' of line 1 is a name"]),
        ("a;0\nb;1\nc;anger\n", 3, ["'anger' is a name", "the label '0' of line 1 is a class id"]),
    ],
)
def test_lines_bad_input(write: Writer, text: str, line: int, needles: list[str]) -> None:
    path = write("bad.txt", text)
    with pytest.raises(DataError) as info:
        load_texts(path)
    msg = str(info.value)
    assert msg.startswith(f"{path}:{line}: ")
    assert info.value.line == line
    for needle in needles:
        assert needle in msg


@pytest.mark.parametrize("content", ["", "\n\n  \n"])
def test_empty_files(write: Writer, content: str) -> None:
    for name in ("e.txt", "e.jsonl"):
        with pytest.raises(DataError, match="no text found: the file is empty"):
            load_texts(write(name, content))
    with pytest.raises(DataError, match="the file is empty"):
        load_texts(write("e.csv", content))


def test_ids_only_are_kept_as_ids(write: Writer) -> None:
    assert load_texts(write("ids.txt", "a;0\nb;1\n")).label_set() == ["0", "1"]


# --- JSONL -------------------------------------------------------------------------------------


def test_jsonl_single_label_keeps_other_keys(write: Writer) -> None:
    path = write(
        "s.jsonl",
        _jsonl({"text": " a  b ", "label": "joy", "id": 7}, {"text": "c", "label": "fear"}),
    )
    corpus = load_texts(path)
    assert corpus.texts == [" a  b ", "c"] and corpus.labels == [["joy"], ["fear"]]
    assert corpus[0].extra == {"id": 7} and not corpus.multi_label


def test_jsonl_multi_label_and_ids(write: Writer) -> None:
    corpus = load_texts(
        write(
            "m.jsonl", _jsonl({"text": "a", "labels": ["joy", "love"]}, {"text": "b", "labels": []})
        )
    )
    assert corpus.multi_label and corpus.labels == [["joy", "love"], []]
    ids = load_texts(write("i.jsonl", _jsonl({"text": "a", "label": 0}, {"text": "b", "label": 2})))
    assert ids.labels == [["0"], ["2"]]


def test_jsonl_array_document_and_named_keys(write: Writer) -> None:
    path = write("d.json", '[\n  {"body": "a", "y": "joy"},\n  {"body": "b", "y": "fear"}\n]\n')
    corpus = load_texts(path, text_column="body", label_column="y")
    assert corpus.texts == ["a", "b"] and [e.line for e in corpus] == [2, 3]


def test_jsonl_unlabelled(write: Writer) -> None:
    path = write("u.jsonl", _jsonl({"text": "a"}, {"text": "b"}))
    corpus = load_texts(path)
    assert not corpus.labelled and corpus.labels == [[], []]
    kept = load_texts(write("l.jsonl", _jsonl({"text": "a", "label": "joy"})), labelled=False)
    assert kept.labels == [[]] and kept[0].extra == {"label": "joy"}  # not dropped


@pytest.mark.parametrize(
    ("objs", "line", "needles"),
    [
        ([{"text": "a", "labels": "joy"}], 1, ['"labels" must be a list', '"joy"', '"label"']),
        (
            [{"text": "a", "label": "joy"}, {"text": "b", "labels": ["joy"]}],
            2,
            ["a list of labels (multi-label)", "line 1 has one label"],
        ),
        ([{"text": "a", "label": "joy"}, {"text": "b"}], 2, ["line 1 has a label but line 2"]),
        ([{"text": "", "label": "joy"}], 1, ["empty text ''"]),
        ([{"text": 3, "label": "joy"}], 1, ["'text' must be a string, got 3"]),
        ([{"tokens": ["EU"], "tags": ["B-ORG"]}], 1, ["no 'text' key", "token-classification"]),
        ([{"body": "a"}], 1, ["no 'text' key", "'body'", "text_column="]),
        ([{"text": "a", "label": "joy", "labels": ["joy"]}], 1, ['both "label" and "labels"']),
        ([{"text": "a", "label": True}], 1, ["a name (string) or a class id", "true"]),
        ([{"text": "a", "label": "joy"}, {"text": "b", "label": 4}], 2, ["'4' is a class id"]),
        (["just a string"], 1, ["expected a JSON object", "str"]),
    ],
)
def test_jsonl_bad_input(write: Writer, objs: list[object], line: int, needles: list[str]) -> None:
    path = write("bad.jsonl", _jsonl(*objs))
    with pytest.raises(DataError) as info:
        load_texts(path)
    assert str(info.value).startswith(f"{path}:{line}: ")
    for needle in needles:
        assert needle in str(info.value)


def test_jsonl_not_json(write: Writer) -> None:
    path = write("bad.jsonl", '{"text": "a", "label": "joy"}\n{"text": "b", \n')
    with pytest.raises(DataError, match=r"bad\.jsonl:2: not valid JSON"):
        load_texts(path)


def test_jsonl_label_required(write: Writer) -> None:
    with pytest.raises(DataError, match="no label column 'label'; the columns are 'text'"):
        load_texts(write("u.jsonl", _jsonl({"text": "a"})), labelled=True)


# --- CSV/TSV -----------------------------------------------------------------------------------


def test_csv_default_columns_and_extra(write: Writer) -> None:
    path = write("d.csv", 'id,text,label\n1,"hello, world",joy\n\n2," spaced ",fear\n')
    corpus = load_texts(path)
    assert corpus.texts == ["hello, world", " spaced "]
    assert corpus.labels == [["joy"], ["fear"]] and [e.line for e in corpus] == [2, 4]
    assert corpus[0].extra == {"id": "1"}


def test_tsv_named_columns_and_multi_label(write: Writer) -> None:
    path = write("d.tsv", "tweet\temotions\na b\tjoy|love\nc\t\n")
    corpus = load_texts(path, text_column="tweet", label_column="emotions", label_sep="|")
    assert corpus.multi_label and corpus.labels == [["joy", "love"], []]


def test_csv_text_only_is_unlabelled(write: Writer) -> None:
    corpus = load_texts(write("u.csv", "text\na\nb\n"))
    assert not corpus.labelled and corpus.texts == ["a", "b"]


@pytest.mark.parametrize(
    ("content", "kwargs", "where", "needles"),
    [
        (
            "body,label\na,joy\n",
            {},
            1,
            ["no text column 'text'", "'body', 'label'", "--text-column"],
        ),
        (
            "text,label\na,joy\n",
            {"label_column": "y"},
            1,
            ["no label column 'y'", "'text', 'label'"],
        ),
        (
            "text,emotion\na,joy\n",
            {},
            1,
            ["no label column 'label'", "'text', 'emotion'", "labelled=False"],
        ),
        ("text,label\na,joy\nb\n", {}, 3, ["expected 2 fields", "found 1"]),
        ("text,label\na,joy\n,fear\n", {}, 3, ["empty text ''"]),
        ("text,label\na,joy\nb,\n", {}, 3, ["empty label ''"]),
        (
            "text,label\na,joy\nb,1\n",
            {},
            3,
            ["'1' is a class id", "the label 'joy' of line 2 is a name"],
        ),
        ('text,label\na,joy\n"b,fear\n', {}, 3, ["expected 2 fields", 'a quote (") opened']),
    ],
)
def test_csv_bad_input(
    write: Writer, content: str, kwargs: dict[str, str], where: int, needles: list[str]
) -> None:
    path = write("bad.csv", content)
    with pytest.raises(DataError) as info:
        load_texts(path, **kwargs)
    assert str(info.value).startswith(f"{path}:{where}: ")
    for needle in needles:
        assert needle in str(info.value)


# --- options -----------------------------------------------------------------------------------


def test_bad_options(write: Writer, tmp_path: Path) -> None:
    path = write("t.txt", "a;joy\n")
    with pytest.raises(ConfigError, match="unknown format 'xml'"):
        load_texts(path, format="xml")
    with pytest.raises(ConfigError, match="no named columns"):
        load_texts(path, text_column="text")
    with pytest.raises(ConfigError, match="label_sep must not be empty"):
        load_texts(path, label_sep="")
    with pytest.raises(DataError, match="file not found"):
        load_texts(tmp_path / "missing.txt")
    with pytest.raises(DataError, match="not a Hugging Face dataset folder"):
        load_texts(tmp_path)


def test_forced_format(write: Writer) -> None:
    path = write("data.dat", "text,label\na,joy\n")
    with pytest.raises(DataError, match=r"data\.dat:1: no ';' in 'text,label'"):
        load_texts(path, format="lines")
    assert load_texts(path, format="lines", labelled=False).texts == ["text,label", "a,joy"]
    with pytest.raises(DataError, match="cannot tell the delimiter"):
        load_texts(path, format="tabular")


# --- Hugging Face ------------------------------------------------------------------------------

NAMES = ["sadness", "joy", "love"]


@pytest.fixture(scope="module")
def hf_dirs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A DatasetDict with a ClassLabel, a multi-label Dataset, one with string labels, NER."""
    import datasets

    root = tmp_path_factory.mktemp("hf-texts")
    single = datasets.Dataset.from_dict(
        {"text": ["i cry", "yay", "my dear"], "label": [0, 1, 2], "idx": [10, 11, 12]},
        features=datasets.Features(
            {
                "text": datasets.Value("string"),
                "label": datasets.ClassLabel(names=NAMES),
                "idx": datasets.Value("int32"),
            }
        ),
    )
    datasets.DatasetDict({"train": single, "test": single.select([2])}).save_to_disk(root / "dict")
    multi = datasets.Dataset.from_dict(
        {"text": ["a", "b"], "labels": [[0, 2], []]},
        features=datasets.Features(
            {
                "text": datasets.Value("string"),
                "labels": datasets.List(datasets.ClassLabel(names=NAMES)),
            }
        ),
    )
    multi.save_to_disk(root / "multi")
    datasets.Dataset.from_dict({"sentence": ["a", "b"], "y": ["joy", "fear"]}).save_to_disk(
        root / "strings"
    )
    datasets.Dataset.from_dict({"text": ["a", ""], "label": ["joy", "fear"]}).save_to_disk(
        root / "empty_text"
    )
    datasets.Dataset.from_dict(
        {"tokens": [["EU", "rejects"]], "ner_tags": [["B-ORG", "O"]]}
    ).save_to_disk(root / "ner")
    return {p.name: p for p in root.iterdir()}


def test_hf_class_label_names_kept_in_order(hf_dirs: dict[str, Path]) -> None:
    corpus = load_texts(hf_dirs["dict"], split="train")
    assert corpus.texts == ["i cry", "yay", "my dear"]
    assert corpus.labels == [["sadness"], ["joy"], ["love"]]
    assert corpus.label_names == NAMES and corpus.label_set() == NAMES  # declared order
    assert [e.line for e in corpus] == [1, 2, 3] and corpus[0].extra == {"idx": 10}
    assert corpus.path == f"{hf_dirs['dict']}[train]"
    assert load_texts(hf_dirs["dict"], split="test").texts == ["my dear"]
    with pytest.raises(DataError, match="choose a split"):
        load_texts(hf_dirs["dict"])


def test_hf_multi_label_and_strings(hf_dirs: dict[str, Path]) -> None:
    multi = load_texts(hf_dirs["multi"])
    assert multi.multi_label and multi.labels == [["sadness", "love"], []]
    strings = load_texts(hf_dirs["strings"], text_column="sentence", label_column="y")
    assert strings.labels == [["joy"], ["fear"]] and strings.label_names is None


def test_hf_bad_input(hf_dirs: dict[str, Path]) -> None:
    with pytest.raises(DataError, match=r"no text column 'text'; the columns are 'sentence', 'y'"):
        load_texts(hf_dirs["strings"])
    with pytest.raises(DataError, match=r"empty_text:2: empty text ''"):
        load_texts(hf_dirs["empty_text"])
    with pytest.raises(DataError, match="no text column 'text'; the columns are 'tokens'"):
        load_texts(hf_dirs["ner"])


# --- the shared emotion data -------------------------------------------------------------------

EMOTION = {
    "train": {
        "joy": 5362,
        "sadness": 4666,
        "anger": 2159,
        "fear": 1937,
        "love": 1304,
        "surprise": 572,
    },
    "val": {"joy": 704, "sadness": 550, "anger": 275, "fear": 212, "love": 178, "surprise": 81},
    "test": {"joy": 695, "sadness": 581, "anger": 275, "fear": 224, "love": 159, "surprise": 66},
}


@pytest.mark.parametrize("split", list(EMOTION))
def test_shared_emotion_files(shared_data: Path, split: str) -> None:
    path = shared_data / "emotion" / f"{split}.txt"
    corpus = load_texts(path)
    assert Counter(e.label for e in corpus) == EMOTION[split]  # the counts of its SOURCE.md
    assert len(corpus) == sum(EMOTION[split].values())
    assert len(corpus.label_set()) == 6 and not corpus.multi_label
    assert all(e.text == e.text.strip() and e.text for e in corpus)
    assert detect_task(path) == TEXT_TASK


# --- detect_task -------------------------------------------------------------------------------


def _ner_files(fixtures: Path, shared_data: Path) -> list[Path]:
    files = [p for p in fixtures.iterdir() if p.is_file()]
    files += [demo_path(s) for s in DEMO_SPLITS]
    files += sorted((shared_data / "conll2003").glob("eng.*"))
    files += sorted((shared_data / "conllpp").glob("*.txt"))
    files += sorted((shared_data / "wikiann").rglob("*.tsv"))
    return files


def test_ner_files_are_never_text_classification(fixtures: Path, shared_data: Path) -> None:
    files = _ner_files(fixtures, shared_data)
    assert len(files) >= 5 + 3 + 3 + 3 + 12
    wrong = [str(p) for p in files if detect_task(p) != TOKEN_TASK]
    assert not wrong


@pytest.mark.parametrize(
    ("name", "content", "task"),
    [
        ("a.txt", "i am happy;joy\n\nso sad;sadness\n", TEXT_TASK),
        ("a.txt", "multi;joy,love\n", TEXT_TASK),
        ("a.txt", "EU B-ORG\nrejects O\n", TOKEN_TASK),
        ("a.txt", "-DOCSTART- -X- O O\n\na;b O\n", TOKEN_TASK),
        ("a.conll", "; : O\nx O\n", TOKEN_TASK),
        ("a.txt", "a;joy\nno label\n", TOKEN_TASK),
        ("a.txt", "i feel fine;joy\n" * 19 + "a bad line\n", TEXT_TASK),  # the reader names it
        ("a.txt", "a;very happy\n", TOKEN_TASK),
        ("a.txt", "", TOKEN_TASK),
        ("a.jsonl", _jsonl({"text": "a", "label": "joy"}), TEXT_TASK),
        ("a.jsonl", _jsonl({"text": "a", "labels": ["joy"]}), TEXT_TASK),
        ("a.jsonl", _jsonl({"text": "a"}), TOKEN_TASK),  # NER prediction input reads it too
        ("a.jsonl", _jsonl({"text": "a", "label": "x", "entities": []}), TOKEN_TASK),
        ("a.json", json.dumps([{"text": "a", "label": "joy"}]), TEXT_TASK),
        ("data", _jsonl({"text": "a", "label": "joy"}), TEXT_TASK),
        ("a.csv", "text,label\na,joy\n", TEXT_TASK),
        ("a.csv", "sentence_id,word,tag\n1,EU,B-ORG\n", TOKEN_TASK),
        ("a.tsv", "text\tword\na\tb\n", TOKEN_TASK),
        ("a.tsv", "EU\tB-ORG\n", TOKEN_TASK),
    ],
)
def test_detect_task_on_small_files(write: Writer, name: str, content: str, task: str) -> None:
    assert detect_task(write(name, content)) == task


def test_detect_task_options(write: Writer, tmp_path: Path) -> None:
    csv_path = write("a.csv", "body,y,tag\na,joy,O\n")
    assert detect_task(csv_path) == TOKEN_TASK  # no text column
    assert detect_task(csv_path, text_column="body") == TEXT_TASK
    assert detect_task(csv_path, text_column="body", tag_column="tag") == TOKEN_TASK
    jl = write("a.jsonl", _jsonl({"text": "a", "y": "joy"}))
    assert detect_task(jl) == TOKEN_TASK and detect_task(jl, label_column="y") == TEXT_TASK
    assert detect_task(tmp_path / "missing.txt") == TOKEN_TASK  # the NER reader names it
    assert detect_task(tmp_path / ("x" * 300 + ".txt")) == TOKEN_TASK  # name too long


def test_detect_task_hf(hf_dirs: dict[str, Path], tmp_path: Path) -> None:
    assert detect_task(hf_dirs["dict"]) == TEXT_TASK
    assert detect_task(hf_dirs["multi"]) == TEXT_TASK
    assert detect_task(hf_dirs["strings"], text_column="sentence") == TEXT_TASK
    assert detect_task(hf_dirs["ner"]) == TOKEN_TASK
    assert detect_task(tmp_path) == TOKEN_TASK  # not a dataset folder


def test_detect_task_reads_only_the_head(write: Writer) -> None:
    """A text;label head decides, even when a later line (past 64 KiB) would not parse."""
    line = "this is a rather long tweet about feeling fine today;joy\n"
    path = write("big.txt", line * 2000 + "tail without a label\n")
    assert detect_task(path) == TEXT_TASK
    with pytest.raises(DataError, match=r"big\.txt:2001: no ';'"):
        load_texts(path)
