"""The Predictor: exact offsets, input order, windows on long texts, decoding, bad input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from nerlab.data.alignment import encode_words
from nerlab.data.words import split_words
from nerlab.errors import ConfigError, ModelError
from nerlab.inference import Predictor
from nerlab.metrics import get_entities
from nerlab.models.engine import predict_word_logits

# Text with the characters that break offset bookkeeping: controls, zero-width characters,
# combining marks, emoji (astral plane), ZWJ sequences, BOMs, odd whitespace.
_TRICKY = st.sampled_from(
    ["\x00", "\x07", "\u200b", "\u200c", "\u200d", "\ufeff", "\u0301", "\u0308", "😀", "👩‍👩‍👧",
     "\u00a0", "\t", "\n", "\r", "\u2028", "é", "Zoë", "São", "U.S.", "-", "'", " ", "Paris"]
)  # fmt: skip
_TEXT = st.lists(st.one_of(st.text(max_size=8), _TRICKY), max_size=30).map("".join)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=st.lists(_TEXT, min_size=1, max_size=4))
def test_entity_text_is_always_its_slice(predictor: Predictor, texts: list[str]) -> None:
    for text, entities in zip(texts, predictor.predict(texts), strict=True):
        for ent in entities:
            assert 0 <= ent["start"] < ent["end"] <= len(text)
            assert ent["text"] == text[ent["start"] : ent["end"]]
            assert ent["label"] in {"PER", "ORG", "LOC", "MISC"}
            # Viterbi may choose a label the tiny model gives a probability below the score's
            # 6-digit rounding (its logits are large), so 0.0 is a possible score.
            assert 0.0 <= ent["score"] <= 1.0
        starts = [e["start"] for e in entities]
        assert starts == sorted(starts)


def test_tiny_model_finds_entities_at_all(predictor: Predictor) -> None:
    # Guards the property test above against passing vacuously.
    out = predictor.predict(["Angela Merkel visited Paris and Berlin last week with Macron."])
    assert len(out[0]) >= 2


def test_results_in_input_order_equal_one_at_a_time(predictor: Predictor) -> None:
    texts = [
        "A much longer sentence about the European Union and Germany, " * 3,
        "",
        "Short one.",
        "   ",
        "Medium length text about Paris.",
    ]
    batched = predictor.predict(texts)
    single = [predictor.predict([t])[0] for t in texts]
    assert [[(e["start"], e["end"], e["label"]) for e in r] for r in batched] == [
        [(e["start"], e["end"], e["label"]) for e in r] for r in single
    ]
    assert batched[1] == [] and batched[3] == []


def test_predict_words_one_tag_per_word(predictor: Predictor) -> None:
    sentences = [["EU", "rejects", "German", "call"], [], ["x"], ["\u200b", "\x00", "😀"]]
    tags = predictor.predict_words(sentences)
    assert [len(t) for t in tags] == [4, 0, 1, 3]
    assert all(t in predictor.labels for sent in tags for t in sent)


def test_tags_and_entities_agree_with_metrics_decoder(predictor: Predictor) -> None:
    text = "Angela Merkel visited Paris and Berlin last week with Emmanuel Macron of France."
    words = [w for w, _, _ in split_words(text)]
    tags = predictor.predict_words([words])[0]
    for mode in ("conlleval", "strict"):
        predictor.mode = mode
        try:
            ents = predictor.predict([text])[0]
        finally:
            predictor.mode = "conlleval"
        spans = split_words(text)
        expected = [
            (t, spans[a][1], spans[b - 1][2])
            for t, a, b in get_entities(tags, mode=mode, scheme="IOB2")
        ]
        assert [(e["label"], e["start"], e["end"]) for e in ents] == expected


def test_score_is_mean_word_probability(predictor: Predictor) -> None:
    text = "Angela Merkel visited Paris and Berlin last week."
    words = [w for w, _, _ in split_words(text)]
    logits = predict_word_logits([words], predictor.tokenizer, predictor.forward, 128)[0]
    probs = np.exp(logits - logits.max(1, keepdims=True))
    probs /= probs.sum(1, keepdims=True)
    chosen = predictor.task.decode([logits], predictor.decoding)[0]  # type: ignore[attr-defined]
    tagged = predictor.tag_texts([text])[0]
    assert tagged.entities
    for ent in tagged.entities:
        idx = [i for i, (_, s, e) in enumerate(tagged.words) if ent["start"] <= s < ent["end"]]
        expect = float(probs[idx, chosen[idx]].mean())  # each word's probability of its tag
        assert ent["score"] == pytest.approx(expect, abs=1e-5)


def test_decoding_viterbi_by_default_and_argmax_on_request(tagger_dir: Path) -> None:
    """Span models decode with Viterbi (never an I-X after O or B-Y); ``argmax`` is each
    word's best label, as before."""
    viterbi = Predictor.load(tagger_dir, precision="fp32")
    argmax = Predictor.load(tagger_dir, precision="fp32", decoding="argmax")
    assert (viterbi.decoding, argmax.decoding) == ("viterbi", "argmax")
    rng = np.random.default_rng(0)
    vocab = ["Angela", "Merkel", "met", "the", "press", "in", "Paris", ",", "New", "York"]
    sentences = [list(rng.choice(vocab, size=int(rng.integers(1, 25)))) for _ in range(60)]
    logits = predict_word_logits(sentences, argmax.tokenizer, argmax.forward, 128)
    by_argmax = argmax.predict_words(sentences)
    by_viterbi = viterbi.predict_words(sentences)
    assert by_argmax == [[argmax.labels[i] for i in s.argmax(1)] for s in logits]
    invalid = 0
    for tags in by_viterbi:
        for prev, tag in zip(["O", *tags], tags, strict=False):
            assert not (tag.startswith("I-") and prev[2:] != tag[2:]), tags
    for tags in by_argmax:
        invalid += sum(
            t.startswith("I-") and p[2:] != t[2:] for p, t in zip(["O", *tags], tags, strict=False)
        )
    assert invalid > 0  # the random tiny model does predict such sequences: Viterbi fixed them
    with pytest.raises(ConfigError, match="decoding"):
        Predictor.load(tagger_dir, decoding="beam")


@pytest.mark.parametrize("aggregation", ["first", "average", "max"])
def test_aggregations_give_one_tag_per_word(tagger_dir: Path, aggregation: str) -> None:
    p = Predictor.load(tagger_dir, precision="fp32", aggregation=aggregation)  # type: ignore[arg-type]
    words = ["Internationalisation", "of", "Schwarzenegger", "movies"]
    assert len(p.predict_words([words])[0]) == 4


def test_average_differs_from_first_on_multi_piece_words(tagger_dir: Path) -> None:
    words = ["Internationalisation", "Schwarzenegger", "Oberammergau", "Llanfairpwllgwyngyll"] * 5
    first = Predictor.load(tagger_dir, precision="fp32", aggregation="first")
    average = Predictor.load(tagger_dir, precision="fp32", aggregation="average")
    lf = predict_word_logits([words], first.tokenizer, first.forward, 128, aggregation="first")
    la = predict_word_logits([words], first.tokenizer, first.forward, 128, aggregation="average")
    assert not np.allclose(lf[0], la[0])
    ids = average.task.decode(la, average.decoding)[0]  # type: ignore[attr-defined]
    assert average.predict_words([words])[0] == [first.labels[i] for i in ids]


def test_long_document_windows(predictor: Predictor) -> None:
    """50,000 characters with no sentence end, max length 128: every word tagged, boundary
    entities whole, batches bounded by the token budget."""
    rng = np.random.default_rng(0)
    vocab = ["Angela", "Merkel", "met", "the", "press", "in", "Paris", ",", "New", "York", ";"]
    text = " ".join(rng.choice(vocab, size=12_000))[:50_000]
    spans = split_words(text)
    words = [w for w, _, _ in spans]
    shapes: list[tuple[int, int]] = []
    inner = predictor.forward

    def spy(ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        shapes.append(ids.shape)
        return inner(ids, mask)

    p = Predictor(spy, predictor.tokenizer, predictor.meta, token_budget=2048)
    tagged = p.tag_texts([text])[0]
    assert len(tagged.tags) == len(words) > 9000
    assert all(b * t <= 2048 and t <= 128 for b, t in shapes)
    expected = get_entities(tagged.tags, mode="conlleval")
    got = [(e["label"], e["start"], e["end"]) for e in tagged.entities]
    assert got == [(t, spans[a][1], spans[b - 1][2]) for t, a, b in expected]
    # Some entity spans words owned by two different windows, and it came out whole.
    windows = encode_words(predictor.tokenizer, [words], 128)
    owner = np.empty(len(words), dtype=np.int64)
    for k, w in enumerate(windows):
        owner[w.owned_words] = k
    assert len(windows) > 50
    assert any(owner[a] != owner[b - 1] for _, a, b in expected)


def test_plain_tag_model_gives_one_word_spans(tagger_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "pos"
    shutil.copytree(tagger_dir, folder)
    cfg = json.loads((folder / "nerlab_config.json").read_text())
    cfg["scheme"] = None
    (folder / "nerlab_config.json").write_text(json.dumps(cfg))
    p = Predictor.load(folder, precision="fp32")
    text = "Angela Merkel visited Paris"
    tags = p.predict_words([text.split()])[0]
    ents = p.predict([text])[0]
    assert [e["label"] for e in ents] == [t for t in tags if t != "O"]
    assert all(len(e["text"].split()) == 1 for e in ents)


def test_not_a_token_classifier_is_a_model_error(tiny_encoder_dir: Path) -> None:
    with pytest.raises(ModelError, match="not a token-classification model"):
        Predictor.load(tiny_encoder_dir)


def test_missing_folder_and_folder_without_config(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="does not exist"):
        Predictor.load(tmp_path / "nope")
    with pytest.raises(ModelError, match=r"no config\.json"):
        Predictor.load(tmp_path)


def test_folder_without_weights(tagger_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "noweights"
    shutil.copytree(tagger_dir, folder, ignore=shutil.ignore_patterns("*.safetensors"))
    with pytest.raises(ModelError, match="no PyTorch weights"):
        Predictor.load(folder)


@pytest.mark.parametrize(
    ("option", "value"),
    [("precision", "fp8"), ("backend", "tensorrt"), ("aggregation", "mean"), ("mode", "loose")],
)
def test_bad_options_name_what_is_allowed(tagger_dir: Path, option: str, value: str) -> None:
    with pytest.raises(ConfigError, match="allowed"):
        Predictor.load(tagger_dir, **{option: value})  # type: ignore[arg-type]


def test_string_instead_of_list_is_refused(predictor: Predictor) -> None:
    with pytest.raises(ConfigError, match=r"wrap a single text as \[text\]"):
        predictor.predict("Angela Merkel")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="list of sentences"):
        predictor.predict_words(["Angela", "Merkel"])  # type: ignore[list-item]


def test_chunking_keeps_order(predictor: Predictor, tagger_dir: Path) -> None:
    texts = [f"Text number {i} about Paris and Angela Merkel." * (i % 3 + 1) for i in range(20)]
    small = Predictor(predictor.forward, predictor.tokenizer, predictor.meta, chunk_words=25)
    a, b = small.predict(texts), predictor.predict(texts)
    assert [[(e["start"], e["end"], e["label"]) for e in r] for r in a] == [
        [(e["start"], e["end"], e["label"]) for e in r] for r in b
    ]
    # Other batch shapes change float rounding in the last digits only.
    scores_a = [e["score"] for r in a for e in r]
    assert scores_a == pytest.approx([e["score"] for r in b for e in r], abs=1e-4)


def test_a_text_of_many_sentences_is_tagged_sentence_by_sentence(predictor: Predictor) -> None:
    """Issue 10: one 100,000-character text of a repeated sentence. Run as one long input, a
    real tagger mis-tagged words at fixed window positions; each sentence is now predicted on
    its own, so every repetition gets what the sentence alone gets."""
    sentence = "Angela Merkel visited Paris. "
    text = sentence * (100_000 // len(sentence))
    alone = predictor.predict([sentence.strip()])[0]
    found = predictor.predict([text])[0]
    expected = [
        {**e, "start": e["start"] + k * len(sentence), "end": e["end"] + k * len(sentence)}
        for k in range(len(text) // len(sentence))
        for e in alone
    ]
    assert found == expected
    tags = predictor.tag_texts([sentence.strip()])[0].tags
    assert len(set(tags)) > 1  # the random tagger says something: the check is not vacuous
    assert predictor.tag_texts([text])[0].tags == tags * (len(text) // len(sentence))
    for e in found:
        assert text[e["start"] : e["end"]] == e["text"]


def test_device_auto_picks_cuda_only_where_torch_sees_a_gpu(tagger_dir: Path, monkeypatch) -> None:
    """The same code runs on CUDA when present: ``device="auto"`` (the default) follows
    ``torch.cuda.is_available()``; an ONNX model always runs on ONNX Runtime's CPU provider."""
    import torch

    from nerlab.inference.predictor import auto_device

    assert auto_device() == ("cuda" if torch.cuda.is_available() else "cpu")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert auto_device() == "cuda"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert auto_device() == "cpu"
    p = Predictor.load(tagger_dir, precision="fp32")  # default device: auto -> cpu here
    assert p.predict_words([["Angela", "Merkel"]]) == Predictor.load(
        tagger_dir, precision="fp32", device="cpu"
    ).predict_words([["Angela", "Merkel"]])
