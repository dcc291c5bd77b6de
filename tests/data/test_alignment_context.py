"""Document context (FLERT) in the sub-word windows: documents found in CoNLL and JSONL files,
each window filled with its neighbours' sub-tokens, never scored, never across a document."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from transformers import AutoTokenizer

from nerlab.data import read_conll, read_jsonl
from nerlab.data.alignment import IGNORE_INDEX, Window, encode_words, window_labels, word_scores
from nerlab.data.corpus import Corpus, Sentence
from nerlab.data.documents import count_documents, document_ids

# "Norvikstadt", "Vesterhavn" and "xylophonists" are several WordPiece pieces each.
VOCAB = ["the", "Norvikstadt", "Vesterhavn", "EU", "rejects", ".", "Ana", "xylophonists", "in"]


@pytest.fixture(scope="module")
def tokenizer(tiny_encoder_dir: Path):
    return AutoTokenizer.from_pretrained(tiny_encoder_dir)


def _pieces(tokenizer, words: list[str]) -> tuple[list[int], list[bool]]:
    """Sub-token ids of a sentence and whether each starts a word (the reference)."""
    enc = tokenizer(words, is_split_into_words=True, add_special_tokens=False)
    wids = enc.word_ids()
    return enc["input_ids"], [i == 0 or wids[i] != wids[i - 1] for i in range(len(wids))]


def _split(w: Window) -> tuple[list[int], list[int], list[int]]:
    """A window's left context, own tokens and right context (specials removed)."""
    own = np.flatnonzero(w.word_ids >= 0)
    if not len(own):
        return [], [], []
    a, b = int(own[0]), int(own[-1]) + 1
    ids = w.input_ids.tolist()
    return ids[1:a], ids[a:b], ids[b:-1]


# --- documents -------------------------------------------------------------------------------


def test_conll_docstart_lines_start_documents(tmp_path: Path):
    path = tmp_path / "doc.conll"
    path.write_text(
        "head O\n\n-DOCSTART- -X- -X- O\n\nEU B-ORG\n\nrejects O\n\n"
        "-DOCSTART- -X- -X- O\n\nAna B-PER\n\n-DOCSTART- -X- -X- O\nit O\n",
        encoding="utf-8",
    )
    ids = document_ids(read_conll(path))
    assert ids == [0, 1, 1, 2, 3]  # the sentence before the first -DOCSTART- is a document
    assert count_documents(ids) == 4


def test_shared_conll_files_have_documents(shared_data: Path):
    corpus = read_conll(shared_data / "conllpp" / "conllpp_test.txt")
    ids = document_ids(corpus)
    assert ids is not None and len(ids) == len(corpus)
    starts = sum(bool(s.extra.get("docstart")) for s in corpus)
    assert count_documents(ids) == starts == 231


def test_jsonl_doc_id_groups_consecutive_equal_values(tmp_path: Path):
    path = tmp_path / "d.jsonl"
    rows = [
        '{"tokens": ["a"], "doc_id": "x"}',
        '{"tokens": ["b"], "doc_id": "x"}',
        '{"tokens": ["c"]}',
        '{"tokens": ["d"], "doc_id": 7}',
        '{"tokens": ["e"], "doc_id": "x"}',
        '{"text": "f g", "doc_id": "x"}',
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    # a missing doc_id is a value of its own; "x" again after 7: a new document
    assert document_ids(read_jsonl(path)) == [0, 0, 1, 2, 3, 3]


def test_jsonl_written_from_conll_keeps_its_documents(tmp_path: Path):
    path = tmp_path / "c.jsonl"
    rows = [
        '{"tokens": ["a"], "docstart": "-DOCSTART- -X- -X- O"}',
        '{"tokens": ["b"]}',
        '{"tokens": ["c"], "docstart": "-DOCSTART- -X- -X- O"}',
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert document_ids(read_jsonl(path)) == [0, 0, 1]


def test_no_documents_is_none():
    assert document_ids(Corpus.from_lists([["a"], ["b"]])) is None
    assert document_ids([]) is None
    assert count_documents(None) == 0


# --- context in the windows ------------------------------------------------------------------

SENTENCES = [
    ["EU", "rejects", "Norvikstadt", "."],
    ["Ana", "in", "Vesterhavn"],
    ["the", "xylophonists", "."],
    ["Ana", "rejects", "the", "EU"],
    ["Vesterhavn", "."],
]
DOCS = [0, 0, 0, 1, 1]


def test_context_is_exactly_the_neighbours_subtokens(tokenizer):
    windows = encode_words(tokenizer, SENTENCES, 128, documents=DOCS, context=64)
    assert [w.sentence for w in windows] == [0, 1, 2, 3, 4]
    pieces = [_pieces(tokenizer, s)[0] for s in SENTENCES]
    for i, w in enumerate(windows):
        same = [j for j in range(len(SENTENCES)) if DOCS[j] == DOCS[i]]
        before = [t for j in same if j < i for t in pieces[j]]
        after = [t for j in same if j > i for t in pieces[j]]
        assert _split(w) == (before, pieces[i], after)
        assert (
            w.input_ids[0] == tokenizer.cls_token_id and w.input_ids[-1] == tokenizer.sep_token_id
        )


def test_context_never_crosses_a_document(tokenizer):
    windows = encode_words(tokenizer, SENTENCES, 128, documents=DOCS, context=64)
    left, _, right = _split(windows[2])  # the last sentence of document 0
    assert right == [] and left
    left, _, right = _split(windows[3])  # the first sentence of document 1
    assert left == [] and right
    # every sentence its own document: no context at all
    alone = encode_words(tokenizer, SENTENCES, 128, documents=[0, 1, 2, 3, 4], context=64)
    plain = encode_words(tokenizer, SENTENCES, 128)
    for a, b in zip(alone, plain, strict=True):
        assert a.input_ids.tolist() == b.input_ids.tolist()


def test_no_documents_or_zero_context_gives_todays_windows(tokenizer):
    plain = encode_words(tokenizer, SENTENCES, 128)
    for kwargs in ({"documents": None, "context": 64}, {"documents": DOCS, "context": 0}):
        for a, b in zip(encode_words(tokenizer, SENTENCES, 128, **kwargs), plain, strict=True):
            for name in ("input_ids", "word_ids", "first", "owned_words", "owned_pos"):
                assert getattr(a, name).tolist() == getattr(b, name).tolist()


def test_context_is_cut_to_whole_words_within_the_limit(tokenizer):
    windows = encode_words(tokenizer, SENTENCES, 128, documents=DOCS, context=5)
    ids0, starts0 = _pieces(tokenizer, SENTENCES[0])
    ids1, starts1 = _pieces(tokenizer, SENTENCES[1])
    ids2, starts2 = _pieces(tokenizer, SENTENCES[2])
    left, _, right = _split(windows[1])
    # the longest suffix of sentence 0 of at most 5 sub-tokens that starts at a word start
    cut = next(k for k in range(max(0, len(ids0) - 5), len(ids0) + 1) if starts0[k])
    assert left == ids0[cut:] and len(left) <= 5
    left, _, right = _split(windows[0])
    after, after_starts = ids1 + ids2, starts1 + starts2
    end = max(k for k in range(1, 6) if k == len(after) or after_starts[k])
    assert left == [] and right == after[:end]


def test_context_tokens_are_never_labelled_nor_scored(tokenizer):
    labels = [[1] * len(s) for s in SENTENCES]  # every word labelled 1
    for cont in (None, list(range(3))):
        for w in encode_words(tokenizer, SENTENCES, 128, documents=DOCS, context=64):
            lab = window_labels(w, labels[w.sentence], cont)
            context = w.word_ids < 0
            assert (lab[context] == IGNORE_INDEX).all()
            assert (lab[w.first] == 1).all() and w.first.sum() == len(SENTENCES[w.sentence])


@pytest.mark.parametrize("aggregation", ["first", "average", "max"])
def test_word_scores_are_those_of_the_own_tokens(tokenizer, aggregation):
    """Token scores that depend only on the word and the piece: the same word scores with and
    without context, in the same shape and order."""
    plain = encode_words(tokenizer, SENTENCES, 128)
    ctx = encode_words(tokenizer, SENTENCES, 128, documents=DOCS, context=64)
    rng = np.random.default_rng(0)
    table = rng.normal(size=(50, 10, 4)).astype(np.float32)  # word x piece -> scores

    def scores(w: Window) -> np.ndarray:
        out = rng.normal(size=(len(w), 4)).astype(np.float32) * 100  # context: noise
        piece = 0
        for t, wid in enumerate(w.word_ids):
            if wid >= 0:
                piece = 0 if w.first[t] else piece + 1
                out[t] = table[wid, piece]
        return out

    for a, b in zip(plain, ctx, strict=True):
        assert a.owned_words.tolist() == b.owned_words.tolist()
        got = word_scores(b, scores(b), aggregation)
        assert got.shape == (len(b.owned_words), 4)
        np.testing.assert_array_equal(got, word_scores(a, scores(a), aggregation))
        assert (b.word_ids[b.owned_pos] == b.owned_words).all() and b.first[b.owned_pos].all()


def test_bad_context_arguments(tokenizer):
    with pytest.raises(ValueError, match="context must be >= 0 sub-tokens, got -1"):
        encode_words(tokenizer, SENTENCES, 128, documents=DOCS, context=-1)
    with pytest.raises(ValueError, match="2 document ids for 5 sentences"):
        encode_words(tokenizer, SENTENCES, 128, documents=[0, 0], context=8)


# --- property tests: random lengths against the window size --------------------------------


def _check_windows(tokenizer, sentences, documents, max_length, context) -> None:
    windows = encode_words(tokenizer, sentences, max_length, documents=documents, context=context)
    pieces = [_pieces(tokenizer, s) for s in sentences]
    owned: dict[int, list[int]] = {i: [] for i in range(len(sentences))}
    by_sentence: dict[int, list[Window]] = {i: [] for i in range(len(sentences))}
    for w in windows:
        assert len(w) <= max_length
        by_sentence[w.sentence].append(w)
        owned[w.sentence] += w.owned_words.tolist()
        assert (w.word_ids[w.owned_pos] == w.owned_words).all() and w.first[w.owned_pos].all()
    for i, s in enumerate(sentences):
        assert sorted(owned[i]) == list(range(len(s))), "every word owned exactly once"
        same = [j for j in range(len(sentences)) if documents[j] == documents[i]]
        before = [t for j in same if j < i for t in pieces[j][0]]
        after = [t for j in same if j > i for t in pieces[j][0]]
        for k, w in enumerate(by_sentence[i]):
            left, own, right = _split(w)
            assert len(left) <= context and len(right) <= context
            assert left == (before[len(before) - len(left) :] if left else [])
            assert right == after[: len(right)]
            if k > 0:
                assert left == []  # a later window of a long sentence: no context before it
            if k < len(by_sentence[i]) - 1:
                assert right == []
            # a sentence that fits, with neighbours in reach and room left, gets context
            room = max_length - 2 - len(own)
            if len(by_sentence[i]) == 1 and room >= 12 and before and context >= 12:
                assert left, (i, room, before[-12:])


@pytest.mark.parametrize("seed", range(40))
def test_random_sentences_documents_and_window_sizes(tokenizer, seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 12))
    sentences = [
        [VOCAB[int(i)] for i in rng.integers(0, len(VOCAB), int(rng.integers(1, 40)))]
        for _ in range(n)
    ]
    documents = np.cumsum(rng.random(n) < 0.3).tolist()
    max_length = int(rng.integers(8, 80))
    context = int(rng.integers(1, 70))
    _check_windows(tokenizer, sentences, documents, max_length, context)


def test_a_document_longer_than_a_window_loses_no_word(tokenizer):
    """One document of many sentences, several longer than a window on their own."""
    rng = np.random.default_rng(1)
    sentences = [
        [VOCAB[int(i)] for i in rng.integers(0, len(VOCAB), int(n))]
        for n in rng.integers(1, 90, 30)
    ]
    _check_windows(tokenizer, sentences, [0] * 30, 32, 64)
    _check_windows(tokenizer, sentences, [0] * 30, 128, 16)


def test_empty_sentences_take_no_room(tokenizer):
    sentences = [["EU", "rejects"], [], ["Ana"]]
    windows = encode_words(tokenizer, sentences, 64, documents=[0, 0, 0], context=8)
    assert [w.owned_words.tolist() for w in windows] == [[0, 1], [], [0]]
    assert _split(windows[2])[0] == _pieces(tokenizer, ["EU", "rejects"])[0]


def test_sentence_extra_without_markers_is_not_a_document():
    corpus = Corpus([Sentence(["a"], ["O"], extra={"id": 3}), Sentence(["b"], ["O"])])
    assert document_ids(corpus) is None
