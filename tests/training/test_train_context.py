"""``nerlab train --context N`` (FLERT): training windows read the neighbouring sentences of the
same document, dev/test are scored with the same context, the model records it and evaluate and
predict use it; data without documents trains without context, and says so."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from _train_helpers import TINY_OPTIONS, as_corpus, demo_sentences, write_conll
from transformers import AutoTokenizer

from _cli import run
from nerlab.config import TrainConfig
from nerlab.data.alignment import IGNORE_INDEX
from nerlab.data.io import load_corpus
from nerlab.errors import ConfigError
from nerlab.evaluate import evaluate
from nerlab.inference import Predictor
from nerlab.tasks.token_classification.dataset import build_dataset
from nerlab.training import TrainResult, train

DOC_SIZE = 5  # sentences per document in the fixture files


def _write_docs(path: Path, sentences: list[tuple[list[str], list[str]]]) -> Path:
    """CoNLL-2003 style: a -DOCSTART- line (and a blank line) before every DOC_SIZE sentences."""
    lines: list[str] = []
    for i, (words, tags) in enumerate(sentences):
        if i % DOC_SIZE == 0:
            lines += ["-DOCSTART- -X- -X- O", ""]
        lines += [f"{w} {t}" for w, t in zip(words, tags, strict=True)] + [""]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("context-data")
    return {
        "train": _write_docs(folder / "train.conll", demo_sentences("train", 60)),
        "dev": _write_docs(folder / "dev.conll", demo_sentences("dev", 20)),
        "test": _write_docs(folder / "test.conll", demo_sentences("test", 20)),
        "test_plain": write_conll(folder / "test_plain.conll", demo_sentences("test", 20)),
        "train_plain": write_conll(folder / "train_plain.conll", demo_sentences("train", 30)),
    }


@pytest.fixture(scope="module")
def context_run(
    tiny_encoder_dir: Path, files: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> TrainResult:
    return train(
        model=str(tiny_encoder_dir),
        train=str(files["train"]),
        dev=str(files["dev"]),
        test=str(files["test"]),
        output=str(tmp_path_factory.mktemp("context-run") / "model"),
        context=16,
        **TINY_OPTIONS,
    )


def test_training_windows_read_the_neighbours_unlabelled(tiny_encoder_dir: Path):
    tokenizer = AutoTokenizer.from_pretrained(tiny_encoder_dir)
    sentences = demo_sentences("train", 10)
    docs = as_corpus(sentences)
    for i, s in enumerate(docs.sentences):
        if i % DOC_SIZE == 0:
            s.extra["docstart"] = "-DOCSTART- -X- -X- O"
    labels = sorted({t for _, tags in sentences for t in tags})
    plain = build_dataset(docs, tokenizer, labels, 128)
    ctx = build_dataset(docs, tokenizer, labels, 128, context=16)
    assert len(ctx) == len(plain)  # one window per sentence, as before
    for a, b in zip(plain.items, ctx.items, strict=True):
        la, lb = np.asarray(a["labels"]), np.asarray(b["labels"])
        assert la[la != IGNORE_INDEX].tolist() == lb[lb != IGNORE_INDEX].tolist()
        assert len(b["input_ids"]) <= 128
    longer = [
        len(b["input_ids"]) > len(a["input_ids"])
        for a, b in zip(plain.items, ctx.items, strict=True)
    ]
    assert all(longer), "every sentence has a neighbour in its document of five"


def test_the_run_trains_and_scores_with_context(context_run: TrainResult, files: dict[str, Path]):
    assert context_run.stats["context"] == 16 and "context_note" not in context_run.stats
    assert context_run.dev is not None and context_run.dev.context == 16
    assert context_run.test is not None and context_run.test.context == 16
    meta = json.loads((Path(context_run.output) / "nerlab_config.json").read_text("utf-8"))
    assert meta["context"] == 16
    assert meta["data"]["documents"] == {"train": 12, "dev": 4, "test": 4}
    assert meta["training"]["context"] == 16
    assert Predictor.load(context_run.output).context == 16


def test_evaluate_uses_the_model_context_where_the_data_has_documents(
    context_run: TrainResult, files: dict[str, Path]
):
    predictor = Predictor.load(context_run.output, precision=None)
    with_docs = evaluate(predictor, files["test"])
    assert with_docs.context == 16 and with_docs.context_note is None
    # the training run's final test scores are evaluate's
    assert context_run.test is not None
    assert with_docs.main_score == pytest.approx(context_run.test.main_score)
    assert with_docs.to_dict()["context"] == 16
    plain = evaluate(predictor, files["test_plain"])
    assert plain.context == 0
    assert plain.context_note is not None and "has no documents" in plain.context_note
    assert "test_plain.conll" in plain.context_note
    assert plain.to_dict()["context_note"] == plain.context_note
    assert plain.context_note in plain.format()
    # the same words, read one sentence at a time, are predicted as without documents
    words = load_corpus(files["test"]).words
    assert plain.pred == predictor.predict_words(words)  # no documents: no context
    off = evaluate(context_run.output, files["test"], context=0)
    assert off.context == 0 and off.context_note is None and off.pred == plain.pred


def test_evaluate_cli_says_what_context_it_used(context_run: TrainResult, files, capsys):
    code, out, _ = run(["evaluate", context_run.output, files["test"]], capsys)
    assert code == 0 and "document context: 16 sub-tokens a side" in " ".join(out.split())
    code, out, _ = run(["evaluate", context_run.output, files["test_plain"]], capsys)
    assert code == 0 and "has no documents" in " ".join(out.split())
    code, out, _ = run(["evaluate", context_run.output, files["test"], "--context", "0"], capsys)
    assert code == 0 and "context" not in out


def test_data_without_documents_trains_without_context_and_says_so(
    tiny_encoder_dir: Path, files: dict[str, Path], tmp_path: Path, capsys
):
    out = tmp_path / "model"
    argv = ["train", "--model", tiny_encoder_dir, "--train", files["train_plain"], "-o", out]
    argv += ["--context", "16", "--epochs", "1", "--lr", "2e-3", "--warmup-ratio", "0"]
    code, stdout, _ = run(argv, capsys)
    assert code == 0
    said = " ".join(stdout.split())
    assert "--context 16 asked, but the training data" in said and "has no documents" in said
    meta = json.loads((out / "nerlab_config.json").read_text("utf-8"))
    assert meta["context"] == 0 and meta["stats"]["context"] == 0
    assert "trained without document context" in meta["stats"]["context_note"]
    assert "trained without document context" in (out / "README.md").read_text("utf-8")
    assert Predictor.load(out).context == 0


def test_bad_context_values():
    with pytest.raises(ConfigError, match=r"context must be >= 0 sub-tokens .* got -1"):
        TrainConfig(output="o", context=-1)
    with pytest.raises(ConfigError, match=r"'context' must be int, got True"):
        TrainConfig(output="o", context=True)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match=r"context: token-classification option"):
        TrainConfig(output="o", task="text-classification", context=8)
