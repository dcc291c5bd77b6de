"""Static shapes (``pad_to``) and ``torch.compile`` in prediction: the same scores as dynamic
padding, every forward call at the fixed width, and clear errors for widths a model cannot take.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from nerlab.cli.main import run_cli
from nerlab.errors import ConfigError
from nerlab.inference import Predictor
from nerlab.models.engine import pad_batch, predict_word_logits

SENTENCES = [
    ["EU", "rejects", "German", "call", "to", "boycott", "British", "lamb", "."],
    [],
    ["Peter", "Blackburn"],
    ["BRUSSELS", "1996-08-22"],
    ["The", "European", "Commission", "said", "on", "Thursday", "it", "disagreed"],
    ["Rare", "Hendrix", "song", "draft", "sells", "for", "almost", "$", "17,000", "."],
]
TEXTS = [
    "i feel so happy today",
    "",
    "this is the worst day and i am so angry about everything that happened",
    "wow",
]
LONG = ("Angela Merkel visited Paris on Monday with staff of Norvik Labs ." * 12).split()


class Spy:
    """Wraps a forward callable and records the shape of every batch it is given."""

    def __init__(self, forward: Callable[[np.ndarray, np.ndarray], np.ndarray]):
        self.forward = forward
        self.shapes: list[tuple[int, int]] = []
        self.masks: list[np.ndarray] = []

    def __call__(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        self.shapes.append(ids.shape)
        self.masks.append(mask.copy())
        return self.forward(ids, mask)


def _spied(model_dir: Path, **options: object) -> tuple[Predictor, Spy]:
    predictor = Predictor.load(model_dir, precision="fp32", **options)  # type: ignore[arg-type]
    spy = Spy(predictor.forward)
    predictor.forward = spy
    return predictor, spy


def test_word_scores_with_pad_to_equal_dynamic_padding(
    tagger_dir: Path, predictor: Predictor
) -> None:
    static, spy = _spied(tagger_dir, pad_to=48)
    assert static.pad_to == 48
    got = static.word_scores(SENTENCES)
    want = predictor.word_scores(SENTENCES)
    assert len(spy.shapes) >= 1
    assert {width for _, width in spy.shapes} == {48}, "every forward call is 48 wide"
    assert any(m.sum(axis=1).min() < 48 for m in spy.masks), "short rows were padded"
    for g, w, words in zip(got, want, SENTENCES, strict=True):
        assert g.shape == w.shape == (len(words), len(predictor.labels))
        np.testing.assert_allclose(g, w, atol=1e-5, rtol=0)


def test_predict_and_tags_unchanged_by_pad_to(tagger_dir: Path, predictor: Predictor) -> None:
    texts = [" ".join(s) for s in SENTENCES]
    static = Predictor.load(tagger_dir, precision="fp32", pad_to=32)
    assert static.predict_words(SENTENCES) == predictor.predict_words(SENTENCES)
    got, want = static.predict(texts), predictor.predict(texts)
    assert [[(e["start"], e["end"], e["label"]) for e in t] for t in got] == [
        [(e["start"], e["end"], e["label"]) for e in t] for t in want
    ]
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose([e["score"] for e in g], [e["score"] for e in w], atol=1e-5)


def test_pad_to_windows_long_sentences_at_n(tagger_dir: Path, predictor: Predictor) -> None:
    """A sentence longer than N sub-tokens is read as windows of at most N, exactly as a model
    whose maximum length is N reads it (padded to its longest window instead)."""
    static, spy = _spied(tagger_dir, pad_to=24)
    got = static.word_scores([LONG, SENTENCES[0]])
    want = predict_word_logits(
        [LONG, SENTENCES[0]], predictor.tokenizer, predictor.forward, 24, stride=None
    )
    assert sum(rows for rows, _ in spy.shapes) > 2, "the long sentence became several windows"
    assert {width for _, width in spy.shapes} == {24}
    assert max(int(m.sum(axis=1).max()) for m in spy.masks) == 24, "full windows of N"
    for g, w in zip(got, want, strict=True):
        np.testing.assert_allclose(g, w, atol=1e-5, rtol=0)


def test_token_budget_counts_the_padded_width(tagger_dir: Path) -> None:
    static, spy = _spied(tagger_dir, pad_to=64, token_budget=256)
    static.word_scores([SENTENCES[2]] * 10)
    assert [b for b, _ in spy.shapes] == [4, 4, 2], "256 // 64 = 4 windows per call"


def test_text_scores_with_pad_to_equal_dynamic_padding(classifier_dir: Path) -> None:
    dynamic = Predictor.load(classifier_dir, precision="fp32")
    static, spy = _spied(classifier_dir, pad_to=40)
    got = static.text_scores(TEXTS)
    want = dynamic.text_scores(TEXTS)
    assert {width for _, width in spy.shapes} == {40}
    assert got.shape == want.shape == (len(TEXTS), len(dynamic.labels))
    np.testing.assert_allclose(got, want, atol=1e-5, rtol=0)
    assert [c["labels"] for c in static.classify(TEXTS)] == [
        c["labels"] for c in dynamic.classify(TEXTS)
    ]


def test_from_model_takes_pad_to(predictor: Predictor, tagger_dir: Path) -> None:
    from nerlab.models.saved import load_torch_model
    from nerlab.tasks import task_for

    model = load_torch_model(tagger_dir, task_for(predictor.meta).auto_model_class())
    static = Predictor.from_model(model, predictor.tokenizer, predictor.meta, pad_to=16)
    spy = Spy(static.forward)
    static.forward = spy
    got = static.word_scores(SENTENCES[:3])
    assert {width for _, width in spy.shapes} == {16}
    for g, w in zip(got, predictor.word_scores(SENTENCES[:3]), strict=True):
        np.testing.assert_allclose(g, w, atol=1e-5, rtol=0)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (4, "between 8 and the model's maximum length 128"),
        (0, "got 0"),
        (129, "maximum length 128 sub-tokens, got 129"),
        ("64", "whole number"),
        (True, "whole number"),
    ],
)
def test_bad_pad_to_is_refused(tagger_dir: Path, value: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Predictor.load(tagger_dir, pad_to=value)  # type: ignore[arg-type]


def test_pad_batch_to_a_fixed_width() -> None:
    ids, mask = pad_batch([[5, 6, 7], [8]], pad_id=0, width=5)
    assert ids.tolist() == [[5, 6, 7, 0, 0], [8, 0, 0, 0, 0]]
    assert mask.tolist() == [[1, 1, 1, 0, 0], [1, 0, 0, 0, 0]]
    with pytest.raises(ValueError, match="6 tokens does not fit the padded width 5"):
        pad_batch([[1] * 6], pad_id=0, width=5)


def _jsonl(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines()]


def test_predict_cli_pad_to(tagger_dir: Path, capsys: pytest.CaptureFixture) -> None:
    argv = ["predict", str(tagger_dir), "-t", " ".join(SENTENCES[0]), "-t", " ".join(LONG[:20])]
    argv += ["--precision", "fp32"]
    assert run_cli(argv) == 0
    want = _jsonl(capsys.readouterr().out)
    assert run_cli([*argv, "--pad-to", "32"]) == 0
    got = _jsonl(capsys.readouterr().out)
    assert [[(e["start"], e["label"]) for e in r["entities"]] for r in got] == [
        [(e["start"], e["label"]) for e in r["entities"]] for r in want
    ]
    for g, w in zip(got, want, strict=True):
        assert [e["score"] for e in g["entities"]] == pytest.approx(
            [e["score"] for e in w["entities"]], abs=1e-5
        )


@pytest.mark.parametrize(("value", "message"), [("4", "got 4"), ("512", "128 sub-tokens")])
def test_predict_cli_bad_pad_to(
    tagger_dir: Path, capsys: pytest.CaptureFixture, value: str, message: str
) -> None:
    assert run_cli(["predict", str(tagger_dir), "-t", "Paris", "--pad-to", value]) != 0
    err = capsys.readouterr().err
    assert "pad_to" in err and message in err


def test_evaluate_cli_pad_to(tagger_dir: Path, tmp_path: Path, capsys) -> None:
    from nerlab.data.demo import load_demo

    lines = []
    for s in load_demo("dev").sentences[:20]:
        lines += [f"{w} {t}" for w, t in zip(s.words, s.tags, strict=True)] + [""]
    data = tmp_path / "dev.conll"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    argv = ["evaluate", str(tagger_dir), str(data), "--precision", "fp32", "--json"]
    assert run_cli(argv) == 0
    want = json.loads(capsys.readouterr().out)
    assert run_cli([*argv, "--pad-to", "40"]) == 0
    assert json.loads(capsys.readouterr().out) == want
    assert run_cli([*argv, "--pad-to", "7"]) != 0
    assert "pad_to must be between 8" in capsys.readouterr().err


def test_compile_needs_the_torch_backend(tagger_dir: Path) -> None:
    with pytest.raises(ConfigError, match="compile is for the PyTorch backend"):
        Predictor.load(tagger_dir, backend="onnx", compile=True)


def test_compiled_predictor_gives_the_same_scores(tagger_dir: Path, predictor: Predictor) -> None:
    import torch._dynamo

    torch._dynamo.reset()
    torch._dynamo.utils.counters.clear()
    compiled, spy = _spied(tagger_dir, pad_to=32, compile=True)
    assert compiled.compiled and not predictor.compiled
    got = compiled.word_scores(SENTENCES)
    assert torch._dynamo.utils.counters["stats"]["unique_graphs"] >= 1, "dynamo built a graph"
    assert {width for _, width in spy.shapes} == {32}
    for g, w in zip(got, predictor.word_scores(SENTENCES), strict=True):
        np.testing.assert_allclose(g, w, atol=1e-4, rtol=0)


def test_predict_cli_compile(tagger_dir: Path, capsys: pytest.CaptureFixture) -> None:
    argv = ["predict", str(tagger_dir), "-t", " ".join(SENTENCES[0]), "--precision", "fp32"]
    assert run_cli(argv) == 0
    want = _jsonl(capsys.readouterr().out)
    assert run_cli([*argv, "--compile", "--pad-to", "32"]) == 0
    got = _jsonl(capsys.readouterr().out)
    assert [[(e["start"], e["end"], e["label"]) for e in r["entities"]] for r in got] == [
        [(e["start"], e["end"], e["label"]) for e in r["entities"]] for r in want
    ]
    assert [e["score"] for e in got[0]["entities"]] == pytest.approx(
        [e["score"] for e in want[0]["entities"]], abs=1e-4
    )
