"""The real MiniLM learns 20 demo sentences perfectly; the saved model predicts the same."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from _train_helpers import demo_sentences, write_conll

from nerlab.models.engine import predict_word_logits, torch_forward
from nerlab.models.saved import load_tagger
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
    assert result.dev.score == 1.0
    assert result.test.pred == [tags for _, tags in sentences]

    model, tokenizer, info = load_tagger(out)
    words = [w for w, _ in sentences]
    precision = info.extra["training"]["precision"]
    before = predict_word_logits(words, tokenizer, torch_forward(result.model, precision), 512)
    after = predict_word_logits(words, tokenizer, torch_forward(model, precision), 512)
    for a, b in zip(before, after, strict=True):
        np.testing.assert_array_equal(a, b)
