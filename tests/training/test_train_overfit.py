"""The real MiniLM learns 20 demo sentences perfectly; the saved model predicts the same."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from _train_helpers import demo_sentences, write_conll

from nerlab.inference import Predictor
from nerlab.training import train


@pytest.mark.slow
def test_minilm_overfits_20_sentences_then_save_reload_identical(tmp_path: Path):
    sentences = demo_sentences("train", 20)
    data = write_conll(tmp_path / "twenty.conll", sentences)
    out = tmp_path / "minilm"
    result = train(
        model="minilm-l6",
        train=str(data),
        dev=str(data),
        test=str(data),
        output=str(out),
        epochs=12,
        learning_rate=8e-4,
        batch_size=4,
        patience=2,
    )
    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert rows[-1]["train_loss"] < rows[0]["train_loss"] / 3
    assert result.dev.main_score == 1.0
    assert result.test.pred == [tags for _, tags in sentences]

    loaded = Predictor.load(out, precision=None)
    words = [w for w, _ in sentences]
    in_memory = Predictor.from_model(
        result.model, loaded.tokenizer, loaded.meta, precision=loaded.precision
    )
    before, after = in_memory.word_scores(words), loaded.word_scores(words)
    for a, b in zip(before, after, strict=True):
        np.testing.assert_array_equal(a, b)
