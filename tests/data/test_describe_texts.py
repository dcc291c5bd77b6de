"""describe_texts on hand-made files (every number checked), its figures, the CLI, and the demo
classification set (counts of its README, format, no leakage)."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from nerlab.cli.main import run_cli
from nerlab.data.demo import DEMO_SPLITS, demo_texts_path, load_demo_texts
from nerlab.data.describe_texts import describe_corpora, describe_texts
from nerlab.data.text_plots import PLOT_FILES, write_plots
from nerlab.data.texts import TextCorpus
from nerlab.errors import ConfigError

Writer = Callable[[str, str | bytes], Path]

TRAIN = (
    "i am so happy today;joy\n"  # 5 words, 19 characters
    "what a lovely day;joy\n"  # 4, 17
    "i am so happy today;joy\n"  # a repeat, same label
    "this is bad;sadness\n"  # 3, 11
    "this is bad;anger\n"  # a repeat with another label
    "\n"
    "so sad and so tired tonight;sadness\n"  # 6, 27
)
TEST = "what a lovely day;joy\nthis is bad;anger\nnever seen before;fear\nwhat a lovely day;joy\n"


@pytest.fixture
def files(write: Writer) -> list[Path]:
    return [write("train.txt", TRAIN), write("test.txt", TEST)]


def test_numbers_on_hand_made_files(files: list[Path]) -> None:
    d = describe_texts(files)
    assert d.labels == ["joy", "anger", "sadness", "fear"]  # by total count, ties by name
    train, test = d.splits
    assert (train.texts, train.words, test.texts, test.words) == (6, 26, 4, 14)
    assert train.classes == {"joy": 3, "anger": 1, "sadness": 2, "fear": 0}
    assert train.shares == {"joy": 3 / 6, "anger": 1 / 6, "sadness": 2 / 6, "fear": 0.0}
    assert test.classes == {"joy": 2, "anger": 1, "sadness": 0, "fear": 1}
    assert train.length == {"p50": 4, "p90": 6, "p99": 6, "max": 6}  # of 3 3 4 5 5 6
    assert (train.duplicates, train.conflicting) == (2, 1)  # 'this is bad': sadness and anger
    assert (test.duplicates, test.conflicting) == (1, 0)
    assert train.words_by_class == {"joy": [5, 4, 5], "anger": [3], "sadness": [3, 6], "fear": []}
    assert train.labelled and not train.multi_label and train.no_label == 0
    assert train.subtokens is None and train.too_long is None
    (o,) = d.overlaps
    assert (o.first, o.second) == (str(files[0]), str(files[1]))
    assert (o.texts, o.distinct, o.conflicting) == (3, 2, 1)  # 'this is bad' differs


def test_subtokens_use_the_callers_counter(files: list[Path]) -> None:
    seen: list[list[str]] = []

    def characters(texts: list[str]) -> list[int]:
        seen.append(texts)
        return [len(t) for t in texts]

    d = describe_texts(files, subtoken_counter=characters, max_length=18, model="characters")
    train, test = d.splits
    assert seen[0][0] == "i am so happy today" and len(seen) == 2
    assert train.subtokens == {"p50": 17, "p90": 27, "p99": 27, "max": 27}  # 11 11 17 19 19 27
    assert (train.too_long, test.too_long) == (3, 0)  # 19, 19 and 27 characters > 18
    assert (d.model, d.max_length) == ("characters", 18)
    with pytest.raises(ConfigError, match="give both"):
        describe_texts(files, subtoken_counter=characters)


def test_json_ready(files: list[Path]) -> None:
    data = json.loads(json.dumps(describe_texts(files).to_dict()))
    assert data["task"] == "text-classification"
    assert "words_by_class" not in data["splits"][0]
    assert data["splits"][1]["classes"]["fear"] == 1 and data["overlaps"][0]["texts"] == 3


def test_multi_label_and_declared_order(write: Writer) -> None:
    rows = [{"text": "a b", "labels": ["joy", "love"]}, {"text": "c", "labels": []}]
    path = write("m.jsonl", "".join(json.dumps(r) + "\n" for r in rows))
    (s,) = describe_texts([path]).splits
    assert s.multi_label and s.classes == {"joy": 1, "love": 1} and s.no_label == 1
    corpus = TextCorpus.from_lists(["x", "y"], ["b", "b"])
    corpus.label_names = ["a", "b"]
    d = describe_corpora([corpus], ["mem"])
    assert d.labels == ["a", "b"] and d.splits[0].classes == {"a": 0, "b": 2}


def test_unlabelled_file(write: Writer) -> None:
    (s,) = describe_texts([write("u.csv", "text\nhello there\nhi\n")]).splits
    assert not s.labelled and s.classes == {} and (s.texts, s.words) == (2, 3)


def test_plots_are_png_images(files: list[Path], tmp_path: Path) -> None:
    from matplotlib.image import imread

    written = write_plots(describe_texts(files), tmp_path / "plots")
    assert [p.name for p in written] == list(PLOT_FILES)
    for path in written:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        height, width, _ = imread(path).shape
        assert height > 100 and width > 100
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(ConfigError, match="is a file"):
        write_plots(describe_texts(files), tmp_path / "file")


# --- the CLI -----------------------------------------------------------------------------------


def _out(capsys: pytest.CaptureFixture[str]) -> tuple[str, str]:
    captured = capsys.readouterr()
    return captured.out, " ".join(captured.err.split())


def test_cli_detects_classification_files(
    files: list[Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert run_cli(["data", "describe", *map(str, files), "--json"]) == 0
    data = json.loads(_out(capsys)[0])
    assert [s["texts"] for s in data["splits"]] == [6, 4]
    assert data["overlaps"][0]["conflicting"] == 1
    assert run_cli(["data", "describe", *map(str, files)]) == 0
    out = _out(capsys)[0]
    assert "texts per class" in out and "leakage" in out
    assert re.search(r"joy\s*│\s*3 \(50\.0%\)\s*│\s*2 \(50\.0%\)", out)


def test_cli_plots(files: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "figs"
    assert run_cli(["data", "describe", *map(str, files), "--plots", str(folder), "--json"]) == 0
    out, err = _out(capsys)
    json.loads(out)  # the notes go to stderr, stdout stays JSON
    assert sorted(p.name for p in folder.iterdir()) == sorted(PLOT_FILES)
    assert f"wrote {folder / PLOT_FILES[0]}" in err


def test_cli_demo_and_options(write: Writer, capsys: pytest.CaptureFixture[str]) -> None:
    assert run_cli(["data", "describe", "--task", "text-classification", "--json"]) == 0
    assert [s["texts"] for s in json.loads(_out(capsys)[0])["splits"]] == [301, 60, 60]
    tsv = write("d.tsv", "tweet\temotions\na b\tjoy|love\nc\tfear\n")
    args = ["--text-column", "tweet", "--label-column", "emotions", "--label-sep", "|", "--json"]
    assert run_cli(["data", "describe", str(tsv), *args]) == 0
    (split,) = json.loads(_out(capsys)[0])["splits"]
    assert split["multi_label"] and split["classes"] == {"fear": 1, "joy": 1, "love": 1}


def test_cli_errors(
    files: list[Path], write: Writer, fixtures: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ner = str(fixtures / "iob1_4col.conll")
    assert run_cli(["data", "describe", ner, "--plots", "x"]) == 2
    assert "--plots, --text-column" in _out(capsys)[1]
    assert run_cli(["data", "describe", ner, str(files[0])]) == 2
    err = _out(capsys)[1]
    assert "two tasks" in err and "iob1_4col.conll: token-classification" in err
    assert run_cli(["data", "describe", ner, "--task", "nope"]) == 2
    assert "unknown --task 'nope'" in _out(capsys)[1]
    bad = write("bad.txt", "i feel fine;joy\n" * 19 + "no label here\n")
    assert run_cli(["data", "describe", str(bad)]) == 2
    err = _out(capsys)[1]
    assert "bad.txt:20: no ';' in 'no label here'" in err and "Traceback" not in err
    forced = write("forced.txt", "a;joy\nno label\n")  # detected as NER: too few text lines
    assert run_cli(["data", "describe", str(forced), "--task", "text-classification"]) == 2
    assert "forced.txt:2: no ';'" in _out(capsys)[1]


# --- the demo classification set ---------------------------------------------------------------

# Measured when the set was written; update together with src/nerlab/data/demo/README.md.
DEMO = {
    "train": (
        301,
        2985,
        {"joy": 96, "sadness": 84, "anger": 40, "fear": 36, "love": 26, "surprise": 19},
    ),
    "dev": (60, 593, {"joy": 19, "sadness": 17, "anger": 8, "fear": 7, "love": 5, "surprise": 4}),
    "test": (60, 605, {"joy": 19, "sadness": 17, "anger": 8, "fear": 7, "love": 5, "surprise": 4}),
}


def test_demo_set_counts_and_no_leakage() -> None:
    d = describe_texts([demo_texts_path(s) for s in DEMO_SPLITS])
    for split, s in zip(DEMO_SPLITS, d.splits, strict=True):
        texts, words, classes = DEMO[split]
        assert (s.texts, s.words, s.classes) == (texts, words, classes)
        assert s.duplicates == 0
    assert all(o.texts == 0 for o in d.overlaps) and len(d.overlaps) == 3
    assert load_demo_texts("train").label_set() == sorted(DEMO["train"][2])


@pytest.mark.parametrize("split", DEMO_SPLITS)
def test_demo_set_format(split: str) -> None:
    """text;label lines, one ';' each, LF ends with a final newline, lowercase words only."""
    data = demo_texts_path(split).read_bytes().decode("utf-8")
    assert data.endswith("\n") and "\r" not in data
    lines = data.split("\n")[:-1]
    assert all(re.fullmatch(r"[a-z]+( [a-z]+)*;[a-z]+", ln) for ln in lines)
    assert Counter(ln.split(";")[1] for ln in lines) == DEMO[split][2]


def test_demo_split_must_exist() -> None:
    with pytest.raises(ConfigError, match="unknown demo split 'val'"):
        load_demo_texts("val")


def test_describe_texts_imports_neither_torch_nor_transformers() -> None:
    """Like the NER describe: no model given, no torch (seconds of imports) paid for."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from nerlab.cli.main import run_cli\n"
        "assert run_cli(['data', 'describe', '--task', 'text-classification']) == 0\n"
        "print(sorted(m for m in ('torch', 'transformers') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"
