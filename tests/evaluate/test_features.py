"""`nerlab features`: frozen-encoder embeddings, their cache, the logistic-regression baseline,
the 2-D map and the command line, on the tiny random BERT and a hand-made text set."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from nerlab.cli.main import run_cli
from nerlab.data.texts import TextCorpus
from nerlab.errors import ConfigError, DataError, LabelError
from nerlab.evaluate.features import embed, features_baseline, find_test_file, load_encoder
from nerlab.evaluate.features.cache import cached_embed

TRAIN = [
    ("i feel so happy and cheerful today", "joy"),
    ("what a wonderful and delightful morning", "joy"),
    ("i am thrilled about the good news", "joy"),
    ("i feel content and glad with life", "joy"),
    ("this sunny day makes me smile", "joy"),
    ("i feel miserable and lonely tonight", "sadness"),
    ("i am heartbroken and sad about it", "sadness"),
    ("everything feels hopeless and gloomy", "sadness"),
    ("i cried all night feeling so low", "sadness"),
    ("i feel empty and depressed again", "sadness"),
    ("i am furious with the rude driver", "anger"),
    ("that unfair decision makes me so angry", "anger"),
    ("i feel irritated and annoyed by the noise", "anger"),
    ("he was outraged by the insult", "anger"),
]
TEST = [
    ("i am so glad and happy", "joy"),
    ("i feel sad and lonely", "sadness"),
    ("the noise makes me angry", "anger"),
    ("a cheerful delightful day", "joy"),
    ("i feel hopeless tonight", "sadness"),
]
LONG = " ".join(["the weather was strange and the people were talking about it"] * 20)


def _corpus(rows: list[tuple[str, str]]) -> TextCorpus:
    return TextCorpus.from_lists([t for t, _ in rows], [label for _, label in rows])


def _write(path: Path, rows: list[tuple[str, str]]) -> Path:
    path.write_text("".join(f"{t};{label}\n" for t, label in rows), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def encoder(tiny_encoder_dir: Path):
    return load_encoder(tiny_encoder_dir)


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    return {
        "train": _write(tmp_path / "emo-train.txt", TRAIN),
        "test": _write(tmp_path / "emo-test.txt", TEST),
    }


# --- embeddings ------------------------------------------------------------------------------


def test_embed_shape_and_pooling(encoder) -> None:
    texts = [t for t, _ in TRAIN]
    mean = embed(texts, encoder, "mean")
    first = embed(texts, encoder, "first")
    assert mean.vectors.shape == first.vectors.shape == (len(texts), 32)
    assert mean.vectors.dtype == np.float32 and np.isfinite(mean.vectors).all()
    assert mean.truncated == 0 and not mean.cached
    assert not np.allclose(mean.vectors, first.vectors, atol=1e-3)


@pytest.mark.parametrize("pooling", ["mean", "first"])
def test_padding_and_batching_change_nothing(encoder, pooling: str) -> None:
    short = "i feel so happy"
    alone = embed([short], encoder, pooling).vectors[0]
    # one batch: the short text padded to the long one's length
    together = embed([LONG[:300], short], encoder, pooling, token_budget=100_000)
    np.testing.assert_allclose(together.vectors[1], alone, atol=1e-5)
    # input order kept across length-sorted batches of one text each
    texts = [t for t, _ in TRAIN]
    batched = embed(texts, encoder, pooling, token_budget=40).vectors
    single = np.stack([embed([t], encoder, pooling).vectors[0] for t in texts])
    np.testing.assert_allclose(batched, single, atol=1e-5)


def test_mean_pooling_is_the_masked_average(encoder) -> None:
    import torch

    text = "i am thrilled about the good news"
    ids = encoder.tokenizer(text, return_tensors="pt")
    with torch.no_grad():
        states = encoder.model(**ids).last_hidden_state[0]
    np.testing.assert_allclose(
        embed([text], encoder, "mean").vectors[0], states.mean(0).numpy(), atol=1e-5
    )
    np.testing.assert_allclose(
        embed([text], encoder, "first").vectors[0], states[0].numpy(), atol=1e-5
    )


def test_long_texts_are_cut_and_counted(encoder) -> None:
    emb = embed([LONG, "short one"], encoder)
    assert emb.truncated == 1
    assert emb.vectors.shape == (2, 32)


def test_unknown_pooling_is_a_config_error(encoder) -> None:
    with pytest.raises(ConfigError, match=r"'max'.*mean, first"):
        embed(["x"], encoder, "max")


# --- cache -----------------------------------------------------------------------------------


def test_cache_hit_and_miss(encoder, tmp_path: Path) -> None:
    texts = [t for t, _ in TRAIN]
    first = cached_embed(texts, encoder, "mean", tmp_path)
    assert not first.cached and len(list(tmp_path.glob("*.npz"))) == 1
    again = cached_embed(texts, encoder, "mean", tmp_path)
    assert again.cached
    np.testing.assert_array_equal(again.vectors, first.vectors)
    changed = [*texts[:-1], texts[-1] + "!"]  # one text changed: a new key, a miss
    other = cached_embed(changed, encoder, "mean", tmp_path)
    assert not other.cached
    np.testing.assert_allclose(other.vectors[:-1], first.vectors[:-1], atol=1e-5)
    assert not cached_embed(texts, encoder, "first", tmp_path).cached  # pooling in the key
    assert len(list(tmp_path.glob("*.npz"))) == 3


def test_damaged_or_foreign_cache_files_are_not_trusted(encoder, tmp_path: Path) -> None:
    texts = [t for t, _ in TRAIN]
    fresh = cached_embed(texts, encoder, "mean", tmp_path)
    (path,) = tmp_path.glob("*.npz")
    path.write_bytes(b"not a npz file")
    redone = cached_embed(texts, encoder, "mean", tmp_path)
    assert not redone.cached
    np.testing.assert_allclose(redone.vectors, fresh.vectors, atol=1e-6)
    # a file under the right name but holding another key (hash collision of the name part)
    np.savez(path, key=np.array("other"), vectors=fresh.vectors, truncated=np.array(0))
    assert not cached_embed(texts, encoder, "mean", tmp_path).cached
    assert cached_embed(texts, encoder, "mean", tmp_path).cached


def test_model_changed_in_place_invalidates_the_cache(tiny_encoder_dir, tmp_path) -> None:
    import shutil

    folder = shutil.copytree(tiny_encoder_dir, tmp_path / "model")
    enc = load_encoder(folder)
    texts = [t for t, _ in TRAIN]
    assert not cached_embed(texts, enc, "mean", tmp_path / "cache").cached
    config = folder / "config.json"
    config.write_text(config.read_text() + " ", encoding="utf-8")  # size changes
    assert not cached_embed(texts, load_encoder(folder), "mean", tmp_path / "cache").cached


# --- the baseline ----------------------------------------------------------------------------


def test_scores_equal_sklearn_computed_directly(encoder, tiny_encoder_dir) -> None:
    from sklearn.dummy import DummyClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, confusion_matrix, f1_score

    train, test = _corpus(TRAIN), _corpus(TEST)
    result = features_baseline(tiny_encoder_dir, train, test, dev=_corpus(TRAIN[::2]))
    x = embed(train.texts, encoder).vectors
    y = [label for _, label in TRAIN]
    lr = LogisticRegression(max_iter=3000).fit(x, y)
    dummy = DummyClassifier(strategy="most_frequent").fit(x, y)
    for name, rows in (("test", TEST), ("dev", TRAIN[::2])):
        xt = embed([t for t, _ in rows], encoder).vectors
        gold = [label for _, label in rows]
        pred, base = lr.predict(xt), dummy.predict(xt)
        split = result.splits[name]
        assert split.logistic.accuracy == pytest.approx(accuracy_score(gold, pred), abs=1e-12)
        assert split.logistic.macro_f1 == pytest.approx(
            f1_score(gold, pred, average="macro"), abs=1e-12
        )
        assert split.dummy.accuracy == pytest.approx(accuracy_score(gold, base), abs=1e-12)
        assert split.dummy.macro_f1 == pytest.approx(
            f1_score(gold, base, average="macro", zero_division=0), abs=1e-12
        )
        labels = ["anger", "joy", "sadness"]
        assert split.confusion == confusion_matrix(gold, pred, labels=labels).tolist()
    assert result.labels == ["anger", "joy", "sadness"]
    assert result.n_train == len(TRAIN) and result.dim == 32 and result.pooling == "mean"
    assert result.test.dummy.accuracy == pytest.approx(2 / 5)  # joy and sadness tie: anger < joy
    assert result.embedded == len(TRAIN) + len(TEST) + len(TRAIN[::2])


def test_bad_training_and_test_data(tiny_encoder_dir) -> None:
    one_class = _corpus([(t, "joy") for t, _ in TRAIN])
    with pytest.raises(DataError, match=r"'joy'.*at least two classes"):
        features_baseline(tiny_encoder_dir, one_class, _corpus(TEST))
    unknown = _corpus([*TEST, ("what a surprise", "surprise")])
    with pytest.raises(LabelError, match=r"'surprise'.*anger, joy, sadness"):
        features_baseline(tiny_encoder_dir, _corpus(TRAIN), unknown)
    multi = TextCorpus.from_lists(["a b", "c d"], [["joy"], ["joy", "anger"]], multi_label=True)
    with pytest.raises(ConfigError, match="multi-label"):
        features_baseline(tiny_encoder_dir, multi, _corpus(TEST))
    with pytest.raises(ConfigError, match="pooling"):
        features_baseline(tiny_encoder_dir, _corpus(TRAIN), _corpus(TEST), pooling="cls")


def test_missing_sklearn_names_the_pip_command(tiny_encoder_dir, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "sklearn", None)
    with pytest.raises(ConfigError, match=r"pip install 'nerlab\[features\]'"):
        features_baseline(tiny_encoder_dir, _corpus(TRAIN), _corpus(TEST))


def test_find_test_file(tmp_path: Path) -> None:
    train = _write(tmp_path / "emotion-train.txt", TRAIN)
    assert find_test_file(train) is None
    test = _write(tmp_path / "emotion-test.txt", TEST)
    assert find_test_file(train) == test
    assert find_test_file(tmp_path / "data.txt") is None


# --- the map ---------------------------------------------------------------------------------


def _is_png(path: Path) -> bool:
    return path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.slow  # numba compiles UMAP's kernels on first use: minutes on a 2-core machine
def test_map_with_umap(tiny_encoder_dir, tmp_path: Path) -> None:
    import umap  # noqa: F401 (in the features extra: it must import, never skip)

    png = tmp_path / "map.png"
    result = features_baseline(tiny_encoder_dir, _corpus(TRAIN), _corpus(TEST), map_path=png)
    assert result.map_method == "umap" and result.map_path == str(png)
    assert _is_png(png)
    assert not any("PCA" in n for n in result.notes)


def test_map_falls_back_to_pca_with_a_note(tiny_encoder_dir, tmp_path, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "umap", None)  # import umap raises ImportError
    png = tmp_path / "map.png"
    result = features_baseline(tiny_encoder_dir, _corpus(TRAIN), _corpus(TEST), map_path=png)
    assert result.map_method == "pca" and _is_png(png)
    assert any("umap-learn" in n and "PCA" in n for n in result.notes)


# --- the command line ------------------------------------------------------------------------


def test_cli_default_test_file_tables_and_cache(tiny_encoder_dir, files, tmp_path, capsys):
    args = ["features", str(tiny_encoder_dir), str(files["train"]), "--cache", str(tmp_path / "c")]
    assert run_cli(args) == 0
    out = capsys.readouterr().out
    assert "logistic regression" in out and "dummy (most frequent)" in out
    assert "confusion" in out and "sadness" in out
    assert f"{len(TRAIN)} training texts" in out
    assert (
        run_cli([*args, "--json", "--pooling", "first", "--report-dir", str(tmp_path / "r")]) == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert data["pooling"] == "first" and data["test"]["texts"] == len(TEST)
    assert data["test"]["path"] == str(files["test"])
    assert json.loads((tmp_path / "r" / "features.json").read_text()) == data
    assert run_cli([*args, "--json"]) == 0  # mean embeddings of the first run: from the cache
    data = json.loads(capsys.readouterr().out)
    assert data["cached"] == len(TRAIN) + len(TEST) and data["embedded"] == 0


def test_cli_map_and_dev(tiny_encoder_dir, files, tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setitem(sys.modules, "umap", None)
    png = tmp_path / "out" / "map.png"
    args = ["features", str(tiny_encoder_dir), str(files["train"]), "--no-cache"]
    assert run_cli([*args, "--map", str(png), "--dev", str(files["test"])]) == 0
    out = capsys.readouterr().out
    assert _is_png(png) and "PCA map written to" in out and "umap-learn" in out
    assert "dev: logistic regression confusion" in out


def test_cli_bad_inputs_exit_2_with_clear_messages(tiny_encoder_dir, files, tmp_path, capsys):
    model = str(tiny_encoder_dir)
    lone = _write(tmp_path / "lone.txt", TRAIN)
    assert run_cli(["features", model, str(lone)]) == 2
    assert "--test" in capsys.readouterr().err
    assert run_cli(["features", model, str(lone), "--test", str(tmp_path / "nope.txt")]) == 2
    assert "nope.txt" in capsys.readouterr().err
    one = _write(tmp_path / "one-train.txt", [(t, "joy") for t, _ in TRAIN])
    assert run_cli(["features", model, str(one), "--test", str(files["test"])]) == 2
    err = capsys.readouterr().err
    assert "one-train.txt" in err and "at least two classes" in err
    bad = _write(tmp_path / "bad-test.txt", [*TEST, ("a new feeling", "fear")])
    assert run_cli(["features", model, str(files["train"]), "--test", str(bad)]) == 2
    assert f"{bad}:6" in capsys.readouterr().err
    args = ["features", model, str(files["train"]), "--no-cache"]
    before = files["test"].read_bytes()
    assert run_cli([*args, "--map", str(files["test"])]) == 2
    assert "would overwrite its input" in capsys.readouterr().err
    assert files["test"].read_bytes() == before
    assert run_cli([*args, "--map", str(tiny_encoder_dir / "config.json")]) == 2
    assert "would overwrite its input" in capsys.readouterr().err
    assert run_cli([*args, "--report-dir", str(files["train"])]) == 2
    assert "is a file" in capsys.readouterr().err
    assert run_cli([*args, "--pooling", "max"]) == 2
    assert run_cli(["features", str(tmp_path / "no-model"), str(files["train"])]) == 2
    assert "does not exist" in capsys.readouterr().err


@pytest.mark.slow
def test_minilm_features_beat_the_majority_class(shared_data: Path) -> None:
    """MiniLM's mean-pooled features separate emotions far better than the majority class
    (1,000 training texts of the shared set, 300 test texts)."""
    from nerlab.data.textio import load_texts

    train = load_texts(shared_data / "emotion/train.txt")
    test = load_texts(shared_data / "emotion/test.txt")
    result = features_baseline("minilm-l6", train.subset(range(1000)), test.subset(range(300)))
    assert result.test.logistic.accuracy > result.test.dummy.accuracy + 0.15
    assert result.test.logistic.macro_f1 > result.test.dummy.macro_f1 + 0.2
