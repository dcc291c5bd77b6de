"""Training windows: sub-token label alignment, no truncation of long sentences, padding."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from _train_helpers import as_corpus, long_sentence
from transformers import AutoTokenizer

from nerlab.data.alignment import IGNORE_INDEX, encode_words
from nerlab.tasks.token_classification.dataset import PadCollator, build_dataset, continuation_map

LABELS = ["O", "B-LOC", "I-LOC", "B-ORG", "I-ORG", "B-PER", "I-PER"]
L2I = {lab: i for i, lab in enumerate(LABELS)}


@pytest.fixture(scope="module")
def tokenizer(tiny_encoder_dir: Path):
    return AutoTokenizer.from_pretrained(tiny_encoder_dir)


# "Norvikstadt" and "Vesterhavn" are split into several WordPiece pieces.
WORDS = ["Ana", "Silva", "joined", "Norvikstadt", "Labs", "in", "Vesterhavn", "."]
TAGS = ["B-PER", "I-PER", "O", "B-ORG", "I-ORG", "O", "B-LOC", "O"]


def _pieces(tokenizer, words):
    enc = tokenizer(words, is_split_into_words=True, add_special_tokens=True)
    return enc["input_ids"], enc.word_ids()


def test_first_subtoken_labelled_rest_and_specials_ignored(tokenizer):
    ds = build_dataset(as_corpus([(WORDS, TAGS)]), tokenizer, LABELS, 128)
    assert len(ds) == 1
    item = ds[0]
    ids, word_ids = _pieces(tokenizer, WORDS)
    assert item["input_ids"] == ids
    assert len(word_ids) > len(WORDS) + 2, "the test needs words of several pieces"
    seen = set()
    for label, w in zip(item["labels"], word_ids, strict=True):
        if w is None or w in seen:
            assert label == IGNORE_INDEX
        else:
            assert label == L2I[TAGS[w]]
            seen.add(w)
    assert seen == set(range(len(WORDS)))


def test_label_all_subtokens_turns_b_into_i_on_continuation_pieces(tokenizer):
    ds = build_dataset(as_corpus([(WORDS, TAGS)]), tokenizer, LABELS, 128, label_all_subtokens=True)
    labels = ds[0]["labels"]
    _, word_ids = _pieces(tokenizer, WORDS)
    prev = None
    for label, w in zip(labels, word_ids, strict=True):
        if w is None:
            assert label == IGNORE_INDEX
        elif w != prev:
            assert label == L2I[TAGS[w]]
        else:
            assert label == L2I[TAGS[w].replace("B-", "I-")]
        prev = w
    # Entity count unchanged: B- only on first pieces.
    n_b = sum(1 for lab in labels if lab >= 0 and LABELS[lab].startswith("B-"))
    assert n_b == sum(t.startswith("B-") for t in TAGS)


def test_continuation_map():
    assert continuation_map(LABELS) == [0, 2, 2, 4, 4, 6, 6]
    assert continuation_map(["DET", "NOUN"]) == [0, 1]
    with pytest.raises(ValueError, match="'B-X' has no 'I-X'"):
        continuation_map(["O", "B-X"])


def test_long_sentence_is_windowed_not_truncated(tokenizer):
    words, tags = long_sentence(1500)
    ds = build_dataset(as_corpus([(words, tags)]), tokenizer, LABELS, 128)
    assert len(ds) > 10
    assert max(ds.lengths) <= 128
    windows = encode_words(tokenizer, [words], 128)
    labelled = set()
    for w, item in zip(windows, ds.items, strict=True):
        labels = np.asarray(item["labels"])
        firsts = np.flatnonzero(labels != IGNORE_INDEX)
        for pos in firsts:
            word = int(w.word_ids[pos])
            assert LABELS[labels[pos]] == tags[word]
            labelled.add(word)
    assert labelled == set(range(1500)), "every word is a training example"


def test_pad_collator():
    batch = [
        {"input_ids": [101, 7, 102], "labels": [-100, 1, -100]},
        {"input_ids": [101, 8, 9, 10, 102], "labels": [-100, 0, 2, -100, -100]},
    ]
    out = PadCollator(pad_id=0)(batch)
    assert out["input_ids"].dtype == torch.int64
    assert out["input_ids"].tolist() == [[101, 7, 102, 0, 0], [101, 8, 9, 10, 102]]
    assert out["attention_mask"].tolist() == [[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]]
    assert out["labels"].tolist() == [[-100, 1, -100, -100, -100], [-100, 0, 2, -100, -100]]
