"""Hugging Face reader: save_to_disk folders (DatasetDict / Dataset), columns, offline hub."""

from __future__ import annotations

from pathlib import Path

import pytest

from nerlab.data import load_corpus, read_hf
from nerlab.data.writers import convert_file
from nerlab.errors import DataError

TOKENS = [["EU", "rejects", "German", "call"], ["Peter", "Blackburn"]]
IDS = [[1, 0, 3, 0], [5, 6]]
NAMES = ["O", "B-ORG", "I-ORG", "B-MISC", "I-MISC", "B-PER", "I-PER"]
TAGS = [["B-ORG", "O", "B-MISC", "O"], ["B-PER", "I-PER"]]


@pytest.fixture(scope="module")
def hf_dirs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A DatasetDict with ClassLabel tags, and a Dataset with string tags and other names."""
    import datasets  # imported here, after the session fixture has set HF_HUB_OFFLINE

    root = tmp_path_factory.mktemp("hf")
    features = datasets.Features(
        {
            "tokens": datasets.List(datasets.Value("string")),
            "ner_tags": datasets.List(datasets.ClassLabel(names=NAMES)),
        }
    )
    split = datasets.Dataset.from_dict({"tokens": TOKENS, "ner_tags": IDS}, features=features)
    datasets.DatasetDict({"train": split, "validation": split.select([1])}).save_to_disk(
        root / "dict"
    )
    strings = datasets.Dataset.from_dict({"words": TOKENS, "labels": TAGS})
    strings.save_to_disk(root / "single")
    ints = datasets.Dataset.from_dict({"tokens": TOKENS, "ner_tags": IDS})
    ints.save_to_disk(root / "ints")
    return {"dict": root / "dict", "single": root / "single", "ints": root / "ints"}


def test_dataset_dict_with_class_labels(hf_dirs: dict[str, Path]) -> None:
    corpus = read_hf(hf_dirs["dict"], "train")
    assert corpus.words == TOKENS and corpus.tags == TAGS
    assert corpus.path == f"{hf_dirs['dict']}[train]"
    assert [s.line for s in corpus] == [1, 2]
    assert read_hf(hf_dirs["dict"], "validation").words == [TOKENS[1]]


def test_single_dataset_with_string_tags_and_other_columns(hf_dirs: dict[str, Path]) -> None:
    corpus = read_hf(hf_dirs["single"], tokens_column="words", tags_column="labels")
    assert corpus.words == TOKENS and corpus.tags == TAGS


def test_load_corpus_detects_the_folder(hf_dirs: dict[str, Path], tmp_path: Path) -> None:
    corpus = load_corpus(hf_dirs["dict"], split="train")
    assert corpus.scheme == "IOB2" and corpus.tags == TAGS
    convert_file(hf_dirs["dict"], tmp_path / "out.conll", split="train")
    assert load_corpus(tmp_path / "out.conll").tags == TAGS  # round trip through CoNLL


def test_missing_split_or_column(hf_dirs: dict[str, Path]) -> None:
    with pytest.raises(DataError, match=r"choose a split: no split given; .*'train', 'validation'"):
        read_hf(hf_dirs["dict"])
    with pytest.raises(DataError, match="no split 'test'"):
        read_hf(hf_dirs["dict"], "test")
    with pytest.raises(
        DataError, match=r"no column\(s\) 'tokens', 'ner_tags'; the columns are 'words', 'labels'"
    ):
        read_hf(hf_dirs["single"])


def test_integer_tags_without_names(hf_dirs: dict[str, Path]) -> None:
    with pytest.raises(DataError, match="not lists of tag names or of ClassLabel ids"):
        read_hf(hf_dirs["ints"])


def test_folder_that_is_not_a_dataset(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="not a Hugging Face dataset folder"):
        read_hf(tmp_path)


@pytest.mark.parametrize("var", ["HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE"])
def test_hub_name_offline_is_a_clear_error(monkeypatch: pytest.MonkeyPatch, var: str) -> None:
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.setenv(var, "1")
    with pytest.raises(DataError) as err:
        load_corpus("someone/conll2003-like", split="train")
    msg = str(err.value)
    assert "'someone/conll2003-like'" in msg and "offline" in msg
    assert "give a local file" in msg


def test_hub_failure_becomes_a_data_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """Online, a hub failure (here: no network) is still one clear error, not a traceback."""
    import datasets

    def no_network(*args: object, **kwargs: object) -> None:
        raise ConnectionError("Couldn't reach 'someone/x' on the Hub (LocalEntryNotFoundError)")

    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    monkeypatch.delenv("HF_DATASETS_OFFLINE", raising=False)
    monkeypatch.setattr(datasets, "load_dataset", no_network)
    with pytest.raises(DataError, match=r"'someone/x' from the Hugging Face Hub: ConnectionError"):
        read_hf("someone/x", "train")


def test_other_columns_are_kept_through_convert(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 10 sweep: ``id`` and ``pos_tags`` of a dataset were dropped by convert."""
    import datasets

    features = datasets.Features(
        {
            "id": datasets.Value("string"),
            "tokens": datasets.List(datasets.Value("string")),
            "pos_tags": datasets.List(datasets.ClassLabel(names=["NN", "VB"])),
            "ner_tags": datasets.List(datasets.ClassLabel(names=NAMES)),
        }
    )
    rows = {"id": ["a", "b"], "tokens": TOKENS, "pos_tags": [[0, 1, 0, 0], [0, 0]]}
    datasets.Dataset.from_dict({**rows, "ner_tags": IDS}, features=features).save_to_disk(
        tmp_path / "ds"
    )
    corpus = read_hf(tmp_path / "ds")
    assert corpus[0].columns == {"pos_tags": ["NN", "VB", "NN", "NN"]}
    assert [s.extra for s in corpus] == [{"id": "a"}, {"id": "b"}]
    result = convert_file(tmp_path / "ds", tmp_path / "out.jsonl")
    assert result.dropped == []
    back = load_corpus(tmp_path / "out.jsonl")
    assert [s.extra["id"] for s in back] == ["a", "b"] and back.tags == TAGS
    result = convert_file(tmp_path / "ds", tmp_path / "out.conll")
    assert result.dropped == ["id"]
    assert load_corpus(tmp_path / "out.conll")[0].columns == {"col1": ["NN", "VB", "NN", "NN"]}
