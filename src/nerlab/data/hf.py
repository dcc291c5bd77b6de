"""Hugging Face datasets: a ``save_to_disk`` folder, or a hub name where the hub is reachable.

A split has a column of word lists (``tokens``) and a column of tag lists (``ner_tags``): either
class ids with ``ClassLabel`` names (turned into the names) or strings. ``datasets`` is imported
only when this reader is used (it is slow to import).

Example:
    >>> corpus = read_hf("data/conll2003_hf", split="validation")
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from nerlab.data.corpus import Corpus, Sentence
from nerlab.errors import DataError


def is_hf_folder(path: Path) -> bool:
    """Whether ``path`` is a folder written by ``Dataset(Dict).save_to_disk``."""
    return path.is_dir() and any(
        (path / f).is_file() for f in ("dataset_dict.json", "dataset_info.json", "state.json")
    )


def _load(name_or_dir: str | Path, split: str | None) -> tuple[Any, str]:
    """The dataset (or dataset dict) and a display name."""
    import datasets

    path = Path(name_or_dir)
    if path.exists():
        if not is_hf_folder(path):
            raise DataError(
                "not a Hugging Face dataset folder (no dataset_dict.json or dataset_info.json); "
                "give a folder written by save_to_disk, or a CoNLL/JSONL/CSV file",
                path,
            )
        try:
            return datasets.load_from_disk(str(path)), str(path)
        except Exception as exc:  # a damaged folder: datasets raises many kinds of errors
            raise DataError(
                f"cannot load this Hugging Face dataset folder ({type(exc).__name__}: {exc}); "
                "write it again with save_to_disk, or give a CoNLL, JSONL or CSV file",
                path,
            ) from None
    name = str(name_or_dir)
    if _offline():  # checked here: datasets reads the variable only once, when imported
        raise DataError(
            _hub_message(name, "the Hugging Face Hub is offline (HF_HUB_OFFLINE is set)")
        )
    try:
        return datasets.load_dataset(name, split=split), name
    except Exception as exc:  # any hub failure (no network, unknown name) is the user's to fix
        raise DataError(_hub_message(name, f"{type(exc).__name__}: {exc}")) from None


def _offline() -> bool:
    return any(
        os.environ.get(var, "").strip().lower() in ("1", "true", "yes", "on")
        for var in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE")
    )


def _hub_message(name: str, why: str) -> str:
    return (
        f"cannot load the dataset {name!r} from the Hugging Face Hub: {why}. "
        "Download it where the hub is reachable and give a local file instead "
        "(a CoNLL, JSONL or CSV file, or a folder written by datasets' save_to_disk)"
    )


def _pick_split(data: Any, split: str | None, name: str) -> tuple[Any, str]:
    if not hasattr(data, "keys"):  # a single Dataset
        return data, name if split is None else f"{name}[{split}]"
    splits = list(data.keys())
    if split is None and len(splits) == 1:
        split = splits[0]
    if split not in splits:
        raise DataError(
            f"choose a split: {'no split given' if split is None else f'no split {split!r}'}; "
            f"the dataset has {', '.join(map(repr, splits))}",
            name,
        )
    return data[split], f"{name}[{split}]"


def _tag_names(ds: Any, column: str, name: str) -> list[str] | None:
    """ClassLabel names of a tag column, ``None`` for string tags."""
    inner = getattr(ds.features[column], "feature", None)
    if inner is not None and hasattr(inner, "names"):
        return list(inner.names)
    if inner is not None and getattr(inner, "dtype", None) in ("string", "large_string"):
        return None
    raise DataError(
        f"column {column!r} holds {ds.features[column]}, not lists of tag names or of "
        "ClassLabel ids; nerlab needs tag names (cast the column to List(ClassLabel(names=...)))",
        name,
    )


def _label_names(ds: Any, column: str) -> list[str] | None:
    """ClassLabel names of a column of id lists (``pos_tags``, ``chunk_tags``), else ``None``."""
    inner = getattr(ds.features[column], "feature", None)
    names = getattr(inner, "names", None)
    return list(names) if names is not None else None


def _other_fields(
    others: dict[str, tuple[list[Any], list[str] | None]], index: int, n_words: int
) -> tuple[dict[str, list[str]], dict[str, Any]]:
    """A row's other columns: one value per word -> a column (ClassLabel ids as names), else
    a per-sentence field (``id``...), so that a conversion keeps them."""
    columns: dict[str, list[str]] = {}
    extra: dict[str, Any] = {}
    for column, (values, names) in others.items():
        value = values[index]
        if isinstance(value, list) and len(value) == n_words:
            labelled = names is not None and all(
                type(v) is int and 0 <= v < len(names) for v in value
            )
            columns[column] = [names[v] for v in value] if labelled else [str(v) for v in value]  # type: ignore[index]
        else:
            extra[column] = value
    return columns, extra


def read_hf(
    name_or_dir: str | Path,
    split: str | None = None,
    *,
    tokens_column: str = "tokens",
    tags_column: str | None = "ner_tags",
) -> Corpus:
    """Read one split of a Hugging Face dataset.

    Args:
        name_or_dir: a ``save_to_disk`` folder (``Dataset`` or ``DatasetDict``) or a hub name.
        split: the split of a dataset dict (optional when it has only one).
        tokens_column: column of word lists.
        tags_column: column of tag lists (ClassLabel ids or strings); ``None``: unlabelled.

    Returns:
        The corpus; ``Sentence.line`` is the 1-based row number in the split. The other columns
        are kept: a list with one value per word as a column (ClassLabel ids as their names),
        anything else (``id``...) in ``Sentence.extra``.

    Raises:
        DataError: the hub cannot be reached, a split or column is missing, tags are ids
            without names, or a row has words and tags of different lengths.
    """
    data, name = _load(name_or_dir, split)
    ds, name = _pick_split(data, split, name)
    needed = [c for c in (tokens_column, tags_column) if c is not None]
    if missing := [c for c in needed if c not in ds.column_names]:
        raise DataError(
            f"no column(s) {', '.join(map(repr, missing))}; the columns are "
            f"{', '.join(map(repr, ds.column_names))} (choose them with tokens_column=, "
            "tags_column=; CLI: --word-column, --tag-column)",
            name,
        )
    names = _tag_names(ds, tags_column, name) if tags_column else None
    words_col = list(ds[tokens_column])
    tags_col = list(ds[tags_column]) if tags_column else [[] for _ in words_col]
    others = {c: (list(ds[c]), _label_names(ds, c)) for c in ds.column_names if c not in needed}
    sentences = []
    for row, (words, tags) in enumerate(zip(words_col, tags_col, strict=True), 1):
        if tags_column and len(words) != len(tags):
            raise DataError(f"{len(words)} tokens but {len(tags)} tags", name, row)
        if not words or "" in words:
            raise DataError("a sentence without words, or an empty word", name, row)
        if names is not None and any(not 0 <= t < len(names) for t in tags):
            raise DataError(f"tag ids {tags} outside the {len(names)} ClassLabel names", name, row)
        labels = [names[t] for t in tags] if names is not None else list(tags)
        columns, extra = _other_fields(others, row - 1, len(words))
        sentences.append(Sentence(list(words), labels, columns, name, row, None, extra))
    if not sentences:
        raise DataError("no sentence found: the split is empty", name)
    return Corpus(sentences, name)
