"""The data of a training run: pick the task, read train/dev/test, build the task's labels.

``--task auto`` decides from the training file (:func:`nerlab.data.textio.detect_task`); with
no training file the built-in demo corpus is used (NER, or the demo emotion set with
``--task text-classification``). Options of the other task are refused, never ignored.
"""

from __future__ import annotations

from typing import Any

from nerlab.config import PRESETS, TEXT_TASK, TOKEN_TASK, TrainConfig
from nerlab.data.corpus import Corpus
from nerlab.data.documents import count_documents, document_ids
from nerlab.data.labels import LabelSet
from nerlab.data.texts import TextCorpus
from nerlab.errors import ConfigError, DataError
from nerlab.tasks import TextClassification, TokenClassification
from nerlab.training.state import TrainData

SPLITS = ("train", "dev", "test")


def resolve_task(cfg: TrainConfig) -> str:
    """The task of the run: ``cfg.task``, or (``auto``) the one the training data holds.

    Raises:
        ConfigError: a task forced against what the training file clearly holds (text;label
            lines read as CoNLL), or text options for data that reads as NER.
    """
    if cfg.train is None:
        return TOKEN_TASK if cfg.task == "auto" else cfg.task
    from nerlab.data.textio import detect_task

    found = detect_task(
        cfg.train,
        text_column=cfg.text_column,
        label_column=cfg.label_column,
        tag_column=cfg.tag_column,
    )
    if cfg.task == "auto":
        given = cfg.text_options_given()
        if found == TOKEN_TASK and given:
            raise ConfigError(
                f"{', '.join(given)}: text-classification option(s), but {cfg.train} reads as "
                "token-classification (NER) data; pass --task text-classification to read it "
                "as texts with labels, or drop them"
            )
        return found
    if cfg.task == TOKEN_TASK and found == TEXT_TASK:
        raise ConfigError(
            f"--task token-classification, but {cfg.train} holds text-classification data "
            "(texts with one label each, not words with tags); use --task text-classification "
            "or --task auto"
        )
    return cfg.task


def load_data(cfg: TrainConfig) -> TrainData:
    """Read train/dev/test (the demo corpus when no file is given) and build the task.

    Raises:
        DataError: unreadable files, a missing column, an empty or unlabelled train set.
        LabelError: dev/test labels that the training data lacks (with file:line); a text
            with several labels for a single-label model.
        ConfigError: options of the other task.
    """
    task = resolve_task(cfg)
    if task == TEXT_TASK:
        return load_text_data(cfg)
    given = cfg.text_options_given()
    if given:
        raise ConfigError(
            f"{', '.join(given)}: text-classification option(s), but the run is "
            "token-classification (NER); drop them, or use --task text-classification"
        )
    return load_token_data(cfg)


def load_token_data(cfg: TrainConfig) -> TrainData:
    """Token classification: CoNLL/JSONL/CSV/HF sentences, labels from train."""
    from nerlab.data import io

    if cfg.train is None:
        from nerlab.data.demo import load_demo

        train, dev, test = (load_demo(split) for split in SPLITS)
        source: dict[str, Any] = {split: f"demo:{split}" for split in SPLITS}
    else:

        def read(path: str | None) -> Corpus | None:
            return None if path is None else io.load_corpus(path, tag_column=cfg.tag_column)

        train, dev, test = read(cfg.train), read(cfg.dev), read(cfg.test)
        source = {"train": cfg.train, "dev": cfg.dev, "test": cfg.test}
    assert train is not None
    if cfg.train_limit is not None:
        train = Corpus(train.sentences[: cfg.train_limit], train.path, train.scheme)
    _check_train(train)
    task = TokenClassification(LabelSet.from_corpus(train))
    for corpus in (dev, test):
        if corpus is not None:
            task.check_labelled(corpus)
    source["tag_column"] = cfg.tag_column
    splits = (("train", train), ("dev", dev), ("test", test))
    source["sentences"] = {name: len(c) for name, c in splits if c}
    data = TrainData(train, dev, test, task, source)
    if cfg.context:
        _document_context(data, cfg.context)
    return data


def _document_context(data: TrainData, context: int) -> None:
    """Count each split's documents (``source["documents"]``) and set the run's context: the
    one asked for, or none, with a note, when the training data has no documents."""
    splits = (("train", data.train), ("dev", data.dev), ("test", data.test))
    counts = {name: count_documents(document_ids(c)) for name, c in splits if c is not None}
    data.source["documents"] = counts
    if counts["train"]:
        data.context = context
        return
    data.context_note = (
        f"--context {context} asked, but the training data ({data.train.path or 'demo'}) has "
        "no documents (CoNLL -DOCSTART- lines or a JSONL doc_id field): trained without "
        "document context"
    )


def _check_train(train: Corpus) -> None:
    if len(train) == 0 or not any(s.words for s in train):
        raise DataError("the training set is empty: it has no sentence", train.path)
    for s in train:
        if not s.tags:
            raise DataError(
                "this training sentence has no tags; training needs one tag per word "
                "(a one-column file is unlabelled; check --tag-column)",
                s.path,
                s.line,
            )


def load_text_data(cfg: TrainConfig) -> TrainData:
    """Text classification: texts with labels; the classes are the training set's (a Hugging
    Face ClassLabel keeps its names and order), multi-label if the training data is."""
    from nerlab.data.textio import load_texts

    if cfg.train is None:
        from nerlab.data.demo import load_demo_texts

        train, dev, test = (load_demo_texts(split) for split in SPLITS)
        source: dict[str, Any] = {split: f"demo:emotion-{split}" for split in SPLITS}
    else:

        def read(path: str | None) -> TextCorpus | None:
            if path is None:
                return None
            try:
                return load_texts(
                    path,
                    text_column=cfg.text_column,
                    label_column=cfg.label_column,
                    label_sep=cfg.label_sep,
                    labelled=True,
                )
            except DataError as err:
                raise _hint_token_data(err, path) from None

        train, dev, test = read(cfg.train), read(cfg.dev), read(cfg.test)
        source = {"train": cfg.train, "dev": cfg.dev, "test": cfg.test}
    assert train is not None
    given = cfg.token_options_given()
    preset = PRESETS.get(cfg.preset or "", {})
    if given and all(preset.get(k) == getattr(cfg, k) for k in given):
        raise ConfigError(
            f"preset {cfg.preset!r} sets {', '.join(f'{k} {preset[k]!r}' for k in given)}, "
            "for token classification (NER), but the run is text-classification; presets "
            "are NER recipes: drop --preset and choose the encoder with --model"
        )
    if given:
        raise ConfigError(
            f"{', '.join(given)}: token-classification option(s), but the "
            "run is text-classification; drop them (text data takes --text-column and "
            "--label-column)"
        )
    if cfg.train_limit is not None:
        train = train.subset(range(min(cfg.train_limit, len(train))))
    if len(train) == 0:
        raise DataError("the training set is empty: it has no text", train.path)
    labels = train.label_set()
    if not labels:
        raise DataError("the training texts have no labels; training needs them", train.path)
    task = TextClassification(labels, multi_label=train.multi_label, long_text=cfg.long_text)  # type: ignore[arg-type]
    for corpus in (train, dev, test):
        if corpus is not None:
            task.check_labelled(corpus)
    source |= {k: getattr(cfg, k) for k in ("text_column", "label_column", "label_sep")}
    source["multi_label"] = train.multi_label
    source["texts"] = {
        name: len(c) for name, c in (("train", train), ("dev", dev), ("test", test)) if c
    }
    weights = task.class_weights(train, cfg.class_weights)
    if weights is not None:
        source["class_weights"] = {lab: round(w, 6) for lab, w in zip(labels, weights, strict=True)}
    return TrainData(train, dev, test, task, source)


def _hint_token_data(err: DataError, path: str) -> DataError:
    """``err``, plus a hint when the file it is about reads as NER data (a wrong --task)."""
    from nerlab.data.textio import detect_task

    if detect_task(path) != TOKEN_TASK:
        return err
    hinted = DataError(
        f"{err} ({path} looks like token-classification data, words with tags: use --task "
        "token-classification or --task auto for it)"
    )
    hinted.path, hinted.line = err.path, err.line
    return hinted


def record_lengths(data: TrainData, tokenizer: Any, max_length: int) -> None:
    """Count, per split, the inputs longer than the model takes (``source["long_inputs"]``):
    a text classifier truncates or windows them, and the run card says how many."""
    report = {
        name: data.task.length_report(corpus, tokenizer, max_length)
        for name, corpus in (("train", data.train), ("dev", data.dev), ("test", data.test))
        if corpus is not None
    }
    report = {name: r for name, r in report.items() if r}
    if report:
        data.source["long_inputs"] = report
