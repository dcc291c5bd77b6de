"""Document context (FLERT) at prediction time: the Predictor reads each sentence with its
document neighbours when the model was trained so, and says when it cannot."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from _cli import run
from nerlab.data.alignment import encode_words
from nerlab.errors import ConfigError, ModelError
from nerlab.inference import Predictor
from nerlab.inference.batch import predict_documents
from nerlab.inference.documents import Document
from nerlab.inference.render import make_writer
from nerlab.models import engine

SENTENCES = [
    ["EU", "rejects", "German", "call", "to", "boycott", "British", "lamb", "."],
    ["Peter", "Blackburn"],
    [],
    ["BRUSSELS", "1996-08-22"],
    ["Japan", "began", "the", "defence", "of", "their", "Asian", "Cup", "title", "."],
    ["Nadim", "Ladki"],
]
DOCS = ["a", "a", "a", "a", "b", "b"]


def _with_context(src: Path, dst: Path, value: object) -> Path:
    shutil.copytree(src, dst)
    meta = json.loads((dst / "nerlab_config.json").read_text("utf-8"))
    meta["context"] = value
    (dst / "nerlab_config.json").write_text(json.dumps(meta), "utf-8")
    return dst


@pytest.fixture(scope="module")
def context_dir(tagger_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny tagger, recorded as trained with 16 sub-tokens of context a side."""
    return _with_context(tagger_dir, tmp_path_factory.mktemp("ctx") / "model", 16)


@pytest.fixture(scope="module")
def ctx(context_dir: Path) -> Predictor:
    return Predictor.load(context_dir, precision="fp32")


def test_load_takes_the_trained_context_and_an_override(
    context_dir: Path, ctx: Predictor, predictor: Predictor
):
    assert ctx.context == 16
    assert predictor.context == 0  # a model without "context" in its config
    assert Predictor.load(context_dir, precision="fp32", context=0).context == 0
    assert Predictor.load(context_dir, precision="fp32", context=64).context == 64


def test_scores_read_the_neighbours_and_keep_their_shape(ctx: Predictor, predictor: Predictor):
    alone = ctx.word_scores(SENTENCES)
    together = ctx.word_scores(SENTENCES, documents=DOCS)
    plain = predictor.word_scores(SENTENCES)
    for a, b, c, words in zip(alone, together, plain, SENTENCES, strict=True):
        assert a.shape == b.shape == (len(words), len(ctx.labels))
        np.testing.assert_array_equal(a, c)  # no documents: exactly a model without context
    # every non-empty sentence has a neighbour in its document, so it reads differently
    assert all(not np.allclose(a, b) for a, b in zip(alone, together, strict=True) if len(a))


def test_scores_are_those_of_the_context_windows(ctx: Predictor):
    """The empty sentence is left out of the model input, and its neighbours still meet."""
    together = ctx.word_scores(SENTENCES, documents=DOCS)
    kept = [s for s in SENTENCES if s]
    docs = [d for s, d in zip(SENTENCES, DOCS, strict=True) if s]
    ids = [0 if d == "a" else 1 for d in docs]
    windows = encode_words(ctx.tokenizer, kept, 128, documents=ids, context=16)
    assert len(windows) == len(kept)
    expected = []
    for w in windows:
        ids_, mask = engine.pad_batch([w.input_ids], 0)
        expected.append(ctx.forward(ids_, mask)[0][w.owned_pos])
    for got, want in zip([t for t in together if len(t)], expected, strict=True):
        np.testing.assert_allclose(got, want, atol=1e-5)


def test_a_model_without_context_ignores_documents_at_no_cost(
    predictor: Predictor, monkeypatch: pytest.MonkeyPatch
):
    seen = []
    real = engine.encode_words

    def spy(*args, **kwargs):
        seen.append((kwargs.get("documents"), kwargs.get("context")))
        return real(*args, **kwargs)

    monkeypatch.setattr(engine, "encode_words", spy)
    with_docs = predictor.word_scores(SENTENCES, documents=DOCS)
    without = predictor.word_scores(SENTENCES)
    for a, b in zip(with_docs, without, strict=True):
        np.testing.assert_array_equal(a, b)
    assert seen == [(None, 0), (None, 0)]  # the windows of before: no document work at all


def test_tags_and_entities_use_the_documents(ctx: Predictor):
    tags = ctx.predict_words(SENTENCES, documents=DOCS)
    decoded = ctx.task.decode(ctx.word_scores(SENTENCES, documents=DOCS), ctx.decoding)
    assert tags == [[ctx.labels[i] for i in ids] for ids in decoded]
    tagged = ctx.tag_words(SENTENCES, documents=DOCS)
    assert [t.tags for t in tagged] == tags


def test_chunks_end_at_document_bounds(context_dir: Path, ctx: Predictor):
    """Small chunks give the same tags: a chunk never cuts a document it can hold."""
    small = Predictor.load(context_dir, precision="fp32")
    small.chunk_words = 5
    assert small.predict_words(SENTENCES, documents=DOCS) == ctx.predict_words(
        SENTENCES, documents=DOCS
    )


def test_a_raw_text_is_one_document(ctx: Predictor):
    text = "EU rejects German call to boycott British lamb. Peter Blackburn went to Brussels."
    (got,) = ctx.tag_texts([text])
    words = [w for w, _, _ in got.words]
    pieces = [words[:9], words[9:]]
    assert pieces[0][-1] == "." and pieces[1][0] == "Peter"
    expected = ctx.predict_words(pieces, documents=[0, 0])
    assert got.tags == expected[0] + expected[1]
    # a single sentence works too, with nothing around it
    (single,) = ctx.tag_texts(["Peter Blackburn"])
    assert single.tags == ctx.predict_words([["Peter", "Blackburn"]])[0]


def test_texts_with_a_document_id_are_read_together(ctx: Predictor):
    texts = ["EU rejects German call.", "Peter Blackburn went home."]
    joined = ctx.tag_texts(texts, documents=["d", "d"])
    words = [[w for w, _, _ in t.words] for t in joined]
    assert [t.tags for t in joined] == ctx.predict_words(words, documents=[0, 0])
    apart = ctx.tag_texts(texts)
    assert [t.tags for t in apart] == ctx.predict_words(words)


def test_bad_context_and_documents(
    tagger_dir: Path, classifier_dir: Path, ctx: Predictor, tmp_path: Path
):
    with pytest.raises(ConfigError, match=r"context must be a whole number .* not -1"):
        Predictor.load(tagger_dir, context=-1)
    with pytest.raises(ConfigError, match="document context is for token-classification"):
        Predictor.load(classifier_dir, context=8)
    with pytest.raises(ConfigError, match=r"one document per input \(6\), got 2 values"):
        ctx.word_scores(SENTENCES, documents=["a", "b"])
    bad = _with_context(tagger_dir, tmp_path / "bad", "lots")
    with pytest.raises(ModelError, match="'context' must be a whole number of sub-tokens"):
        Predictor.load(bad)


# --- nerlab predict ------------------------------------------------------------------------


def _conll(path: Path, docstart: bool) -> Path:
    lines = []
    for i, words in enumerate(s for s in SENTENCES if s):
        if docstart and i in (0, 3):
            lines += ["-DOCSTART- -X- -X- O", ""]
        lines += [*words, ""]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_predict_conll_with_documents(context_dir: Path, ctx: Predictor, tmp_path: Path, capsys):
    src = _conll(tmp_path / "in.conll", docstart=True)
    code, out, err = run(["predict", context_dir, src, "--precision", "fp32"], capsys)
    assert code == 0
    tags = [[e for e in json.loads(line)["tags"]] for line in out.splitlines()]
    kept = [s for s in SENTENCES if s]
    assert tags == ctx.predict_words(kept, documents=[0, 0, 0, 1, 1])
    assert "document context: 16 sub-tokens a side, 2 document(s)" in err


def test_predict_without_documents_says_so(context_dir: Path, ctx: Predictor, tmp_path, capsys):
    src = _conll(tmp_path / "in.conll", docstart=False)
    code, out, err = run(["predict", context_dir, src, "--precision", "fp32"], capsys)
    assert code == 0
    kept = [s for s in SENTENCES if s]
    assert [json.loads(line)["tags"] for line in out.splitlines()] == ctx.predict_words(kept)
    assert "has no documents (CoNLL -DOCSTART- lines or a JSONL doc_id field)" in err
    code, _, err = run(["predict", context_dir, "--text", "Peter Blackburn"], capsys)
    assert code == 0 and "the sentences of each text were read together" in err
    code, _, err = run(["predict", context_dir, src, "--context", "0"], capsys)
    assert code == 0 and "context" not in err


def test_predict_jsonl_doc_id(context_dir: Path, ctx: Predictor, tmp_path: Path, capsys):
    kept = [s for s in SENTENCES if s]
    rows = [{"tokens": s, "doc_id": "x" if i < 3 else "y"} for i, s in enumerate(kept)]
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    code, out, err = run(["predict", context_dir, src, "--precision", "fp32"], capsys)
    assert code == 0 and "2 document(s)" in err
    assert [json.loads(line)["tags"] for line in out.splitlines()] == ctx.predict_words(
        kept, documents=[0, 0, 0, 1, 1]
    )


def test_predict_chunks_keep_documents_whole(ctx: Predictor):
    kept = [s for s in SENTENCES if s]
    docs = [
        Document(i + 1, words=s, docstart="-DOCSTART-" if i in (0, 3) else None)
        for i, s in enumerate(kept)
    ]
    outputs = []
    for size in (2, 2048):
        out = io.StringIO()
        stats = predict_documents(
            ctx, docs, make_writer("jsonl", out, task=ctx.task.name), chunk_documents=size
        )
        outputs.append(out.getvalue())
        assert stats.context is not None and "2 document(s)" in stats.context
    assert outputs[0] == outputs[1]


def test_a_model_without_context_prints_nothing_new(tagger_dir: Path, tmp_path: Path, capsys):
    src = _conll(tmp_path / "in.conll", docstart=True)
    code, _, err = run(["predict", tagger_dir, src], capsys)
    assert code == 0 and "context" not in err


def test_analyze_reads_the_documents_as_evaluate_does(ctx: Predictor, tmp_path: Path):
    from nerlab.evaluate.analysis import analyze

    kept = [s for s in SENTENCES if s]
    tagged = [[f"{w} O" for w in s] for s in kept]
    lines: list[str] = []
    for i, rows in enumerate(tagged):
        lines += (["-DOCSTART- -X- -X- O", ""] if i in (0, 3) else []) + rows + [""]
    src = tmp_path / "gold.conll"
    src.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = analyze(ctx, src)
    assert result.evaluation.pred == ctx.predict_words(kept, documents=[0, 0, 0, 1, 1])
    assert not any("document context" in n for n in result.notes)
    plain = tmp_path / "plain.conll"
    plain.write_text("\n".join(r for rows in tagged for r in [*rows, ""]) + "\n", "utf-8")
    result = analyze(ctx, plain)
    assert result.evaluation.pred == ctx.predict_words(kept)
    assert any("has no documents" in n for n in result.notes)
