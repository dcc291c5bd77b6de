"""The text-classification task, its examples, the engine's text path and the Predictor's
classifier methods, on the tiny random classifier (no training here)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from _tiny import TINY_CLASSES
from nerlab.data.corpus import Corpus, Sentence
from nerlab.data.texts import TextCorpus, TextExample
from nerlab.errors import ConfigError, DataError, LabelError, ModelError
from nerlab.inference import Predictor
from nerlab.models.engine import encode_texts, predict_text_logits, torch_forward
from nerlab.models.saved import read_meta
from nerlab.tasks import TASKS, TextClassification, task_for
from nerlab.tasks.text_classification.dataset import (
    TextCollator,
    WeightedLoss,
    balanced_weights,
    build_text_dataset,
    positive_weights,
)

TEXTS = [
    "i feel so happy today",
    "",
    "the storm scared me " * 60,  # far over 128 sub-tokens
    "ok",
    "what a lovely surprise from my old friend",
]


@pytest.fixture(scope="module")
def predictor(classifier_dir: Path) -> Predictor:
    return Predictor.load(classifier_dir, precision="fp32")


@pytest.fixture(scope="module")
def hf_model(classifier_dir: Path) -> tuple:
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    model = AutoModelForSequenceClassification.from_pretrained(classifier_dir).eval()
    return model, AutoTokenizer.from_pretrained(classifier_dir)


def hf_logits(hf_model: tuple, text: str, max_length: int = 128) -> np.ndarray:
    """The logits transformers gives for one text on its own (truncated, as the pipeline)."""
    model, tok = hf_model
    enc = tok(text, return_tensors="pt", truncation=True, max_length=max_length)
    with torch.no_grad():
        return model(**enc).logits[0].numpy()


def test_task_is_registered_and_read_from_the_saved_meta(classifier_dir: Path) -> None:
    assert TASKS["text-classification"] is TextClassification
    meta = read_meta(classifier_dir)
    task = task_for(meta)
    assert isinstance(task, TextClassification)
    assert task.labels == TINY_CLASSES and task.multi_label is False
    assert task.primary_metric == "accuracy" and task.long_text == "truncate"
    multi = TextClassification(["a", "b"], multi_label=True, thresholds=[0.3, 0.7])
    assert multi.primary_metric == "micro_f1"
    again = task_for(multi.meta(64, "base", {}))
    assert (again.labels, again.multi_label, again.thresholds) == (["a", "b"], True, [0.3, 0.7])


def test_text_scores_equal_transformers_on_each_text(predictor: Predictor, hf_model) -> None:
    scores = predictor.text_scores(TEXTS)
    assert scores.shape == (len(TEXTS), len(TINY_CLASSES)) and scores.dtype == np.float32
    for text, row in zip(TEXTS, scores, strict=True):
        np.testing.assert_allclose(row, hf_logits(hf_model, text), atol=1e-5)


def test_batching_and_order_do_not_change_scores(predictor: Predictor) -> None:
    texts = [f"text number {i} " * (1 + i % 7) for i in range(40)]
    whole = predictor.text_scores(texts)
    budget = predictor.token_budget
    try:
        predictor.token_budget = 16  # one text per forward call
        one_by_one = predictor.text_scores(texts)
    finally:
        predictor.token_budget = budget
    np.testing.assert_allclose(whole, one_by_one, atol=1e-5)
    order = np.random.default_rng(0).permutation(len(texts))
    shuffled = predictor.text_scores([texts[i] for i in order])
    np.testing.assert_allclose(shuffled, whole[order], atol=1e-5)


def test_progress_counts_every_text_once(predictor: Predictor) -> None:
    seen: list[int] = []
    predictor.text_scores(TEXTS * 3, progress=seen.append)
    assert sum(seen) == len(TEXTS) * 3


def test_probabilities_and_classify(predictor: Predictor) -> None:
    probs = predictor.probabilities(TEXTS)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-9)
    records = predictor.classify(TEXTS)
    assert len(records) == len(TEXTS)
    for rec, row in zip(records, probs, strict=True):
        assert rec["label"] == TINY_CLASSES[int(row.argmax())]
        assert rec["score"] == pytest.approx(row.max())
        assert rec["labels"] == [rec["label"]]
        assert list(rec["scores"]) == [TINY_CLASSES[j] for j in np.argsort(-row, kind="stable")]
        assert list(rec["scores"].values()) == sorted(rec["scores"].values(), reverse=True)
    top2 = predictor.classify(TEXTS, top_k=2)
    for rec, full in zip(top2, records, strict=True):
        assert list(rec["scores"].items()) == list(full["scores"].items())[:2]
    assert [r["scores"] for r in predictor.classify(TEXTS, top_k=99)] == [
        r["scores"] for r in records
    ]
    assert predictor.classify([]) == []


@pytest.mark.parametrize("top_k", [0, -1, 1.5, True])
def test_bad_top_k(predictor: Predictor, top_k: object) -> None:
    with pytest.raises(ConfigError, match="top_k must be a whole number >= 1"):
        predictor.classify(TEXTS, top_k=top_k)  # type: ignore[arg-type]


def test_a_single_string_is_refused(predictor: Predictor) -> None:
    with pytest.raises(ConfigError, match=r"wrap a single text as \[text\]"):
        predictor.classify("i feel fine")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="list of texts"):
        predictor.text_scores([["pre", "split"]])  # type: ignore[list-item]


@pytest.mark.parametrize(
    "method, args",
    [
        ("predict", (["Paris"],)),
        ("predict_words", ([["Paris"]],)),
        ("word_scores", ([["Paris"]],)),
        ("tag_texts", (["Paris"],)),
        ("tag_words", ([["Paris"]],)),
    ],
)
def test_ner_methods_on_a_classifier_say_what_to_use(
    predictor: Predictor, method: str, args: tuple
) -> None:
    with pytest.raises(ConfigError) as err:
        getattr(predictor, method)(*args)
    message = str(err.value)
    assert f"{method}() is for token-classification" in message
    assert "text-classification model" in message and "classify(texts)" in message


@pytest.mark.parametrize("method", ["classify", "text_scores", "probabilities"])
def test_classifier_methods_on_a_tagger_say_what_to_use(tagger_dir: Path, method: str) -> None:
    tagger = Predictor.load(tagger_dir, precision="fp32")
    assert tagger.task.name == "token-classification"
    with pytest.raises(ConfigError) as err:
        getattr(tagger, method)(["Angela Merkel visited Paris."])
    message = str(err.value)
    assert f"{method}() is for text-classification models" in message
    assert "token-classification model" in message and "predict(texts)" in message


def test_long_text_windows_average_the_windows(classifier_dir: Path, tmp_path: Path, hf_model):
    folder = tmp_path / "windows"
    shutil.copytree(classifier_dir, folder)
    cfg = json.loads((folder / "nerlab_config.json").read_text())
    cfg["long_text"] = "windows"
    (folder / "nerlab_config.json").write_text(json.dumps(cfg))
    windowed = Predictor.load(folder, precision="fp32")
    truncating = Predictor.load(classifier_dir, precision="fp32")
    text = TEXTS[2]
    model, tok = hf_model
    ids = tok(text, add_special_tokens=False)["input_ids"]
    body, stride = 126, 126 // 4
    starts = list(range(0, len(ids) - body + (body - stride), body - stride))
    assert len(starts) > 1 and starts[-1] + body >= len(ids)
    with torch.no_grad():
        rows = [
            model(
                input_ids=torch.tensor([[tok.cls_token_id, *ids[a : a + body], tok.sep_token_id]])
            ).logits[0]
            for a in starts
        ]
    expected = torch.stack(rows).mean(0).numpy()
    np.testing.assert_allclose(windowed.text_scores([text])[0], expected, atol=1e-5)
    short = TEXTS[0]  # a text that fits is read the same way in both modes
    np.testing.assert_allclose(
        windowed.text_scores([short]), truncating.text_scores([short]), atol=1e-6
    )
    np.testing.assert_allclose(truncating.text_scores([text])[0], hf_logits(hf_model, text), 1e-5)


def test_engine_counts_long_texts_and_frames_them(hf_model) -> None:
    _, tok = hf_model
    truncated = encode_texts(tok, TEXTS, 16)
    lengths = [len(tok(t, add_special_tokens=False)["input_ids"]) for t in TEXTS]
    assert truncated.too_long.tolist() == [n > 14 for n in lengths]
    assert [len(i) for i in truncated.input_ids] == [min(n, 14) + 2 for n in lengths]
    assert all(i[0] == tok.cls_token_id and i[-1] == tok.sep_token_id for i in truncated.input_ids)
    windows = encode_texts(tok, TEXTS, 16, long_text="windows", stride=4)
    assert windows.too_long.tolist() == truncated.too_long.tolist()
    for t, n in enumerate(lengths):  # every sub-token is in some window
        count = int((windows.text == t).sum())
        assert count == (1 if n <= 14 else -(-(n - 14) // 10) + 1)
    with pytest.raises(ValueError, match="long_text"):
        encode_texts(tok, TEXTS, 16, long_text="cut")  # type: ignore[arg-type]
    empty = predict_text_logits([], tok, lambda i, m: np.zeros((len(i), 3)), 16)
    assert empty.shape == (0, 0)


def test_predictor_from_model_equals_load(classifier_dir: Path, hf_model) -> None:
    model, tok = hf_model
    meta = read_meta(classifier_dir)
    in_memory = Predictor.from_model(model, tok, meta)
    loaded = Predictor.load(classifier_dir, precision="fp32")
    np.testing.assert_array_equal(in_memory.text_scores(TEXTS), loaded.text_scores(TEXTS))
    direct = predict_text_logits(TEXTS, tok, torch_forward(model, "fp32"), 128)
    np.testing.assert_array_equal(direct, loaded.text_scores(TEXTS))


def test_plain_transformers_classifier_folders(classifier_dir: Path, tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    shutil.copytree(classifier_dir, plain)
    (plain / "nerlab_config.json").unlink()
    meta = read_meta(plain)
    assert meta.task == "text-classification" and meta.labels == TINY_CLASSES
    assert meta.scheme is None and meta.extra["multi_label"] is False
    p = Predictor.load(plain, precision="fp32")
    original = Predictor.load(classifier_dir, precision="fp32")
    np.testing.assert_array_equal(p.text_scores(TEXTS), original.text_scores(TEXTS))
    config = json.loads((plain / "config.json").read_text())
    config["problem_type"] = "multi_label_classification"
    (plain / "config.json").write_text(json.dumps(config))
    multi = Predictor.load(plain, precision="fp32")
    assert multi.task.multi_label is True
    probs = multi.probabilities(TEXTS)
    np.testing.assert_allclose(probs, 1 / (1 + np.exp(-multi.text_scores(TEXTS))), atol=1e-9)


def test_other_heads_and_mismatched_files_are_model_errors(
    classifier_dir: Path, tagger_dir: Path, tmp_path: Path
) -> None:
    mlm = tmp_path / "mlm"
    shutil.copytree(classifier_dir, mlm)
    (mlm / "nerlab_config.json").unlink()
    config = json.loads((mlm / "config.json").read_text())
    config["architectures"] = ["BertForMaskedLM"]
    (mlm / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelError, match=r"holds a BertForMaskedLM, not a token-classification"):
        Predictor.load(mlm)
    mixed = tmp_path / "mixed"
    shutil.copytree(tagger_dir, mixed)
    cfg = json.loads((mixed / "nerlab_config.json").read_text())
    cfg["task"] = "text-classification"
    cfg["scheme"] = None
    (mixed / "nerlab_config.json").write_text(json.dumps(cfg))
    with pytest.raises(ModelError, match=r"'task' is 'text-classification', but the model head"):
        Predictor.load(mixed)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"thresholds": [0.5]}, "'thresholds' must be null or 6 numbers in"),
        ({"thresholds": [2, 0, 0, 0, 0, 0]}, "'thresholds' must be null or 6 numbers in"),
        ({"multi_label": "yes"}, "'multi_label' must be true or false"),
        ({"long_text": "cut"}, "'long_text' must be one of truncate, windows"),
    ],
)
def test_damaged_classifier_config(
    classifier_dir: Path, tmp_path: Path, change: dict, message: str
) -> None:
    folder = tmp_path / "damaged"
    shutil.copytree(classifier_dir, folder)
    cfg = json.loads((folder / "nerlab_config.json").read_text())
    (folder / "nerlab_config.json").write_text(json.dumps(cfg | change))
    with pytest.raises(ModelError, match=message):
        read_meta(folder)


def corpus(rows: list[tuple[str, list[str]]], multi: bool = False) -> TextCorpus:
    examples = [TextExample(t, labs, "dev.txt", i + 1) for i, (t, labs) in enumerate(rows)]
    return TextCorpus(examples, "dev.txt", multi_label=multi)


def test_check_labelled_names_file_line_and_label() -> None:
    task = TextClassification(["joy", "sadness"])
    task.check_labelled(corpus([("a", ["joy"]), ("b", ["sadness"])]))
    with pytest.raises(LabelError, match=r"dev\.txt:2: label 'anger' is not one the model knows"):
        task.check_labelled(corpus([("a", ["joy"]), ("b", ["anger"])]))
    with pytest.raises(LabelError, match=r"dev\.txt:1: this text has 2 labels \(joy, sadness\)"):
        task.check_labelled(corpus([("a", ["joy", "sadness"])], multi=True))
    with pytest.raises(LabelError, match=r"dev\.txt:1: this text has no label"):
        task.check_labelled(corpus([("a", [])], multi=True))
    multi = TextClassification(["joy", "sadness"], multi_label=True)
    multi.check_labelled(corpus([("a", ["joy", "sadness"]), ("b", [])], multi=True))
    with pytest.raises(DataError, match="token-classification data"):
        task.check_labelled(Corpus([Sentence(["Paris"], ["B-LOC"])], "x.conll"))
    unlabelled = TextCorpus.from_lists(["a", "b"])
    with pytest.raises(LabelError, match="no gold labels"):
        task.check_labelled(unlabelled)


def test_bad_task_arguments() -> None:
    with pytest.raises(ConfigError, match="at least one label"):
        TextClassification([])
    with pytest.raises(ConfigError, match="twice"):
        TextClassification(["a", "a"])
    with pytest.raises(ConfigError, match="long_text 'cut' is not one of"):
        TextClassification(["a"], long_text="cut")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="1 thresholds for 2 labels"):
        TextClassification(["a", "b"], multi_label=True, thresholds=[0.5])
    with pytest.raises(ConfigError, match="class_weights 'some' is not one of"):
        TextClassification(["a"]).class_weights(corpus([("a", ["a"])]), "some")


def test_dataset_and_collator(hf_model) -> None:
    _, tok = hf_model
    data = corpus([("i feel fine", ["joy"]), ("so sad " * 30, ["sadness"]), ("meh", ["joy"])])
    single = build_text_dataset(data, tok, ["joy", "sadness"], 16)
    assert len(single) == 3 and single.too_long == 1
    assert [item["labels"] for item in single] == [0, 1, 0]
    assert (
        single.lengths == [len(item["input_ids"]) for item in single] and max(single.lengths) == 16
    )
    windows = build_text_dataset(data, tok, ["joy", "sadness"], 16, long_text="windows", stride=4)
    assert len(windows) > 3 and windows.too_long == 1
    assert [item["labels"] for item in windows] == [0] + [1] * (len(windows) - 2) + [0]
    batch = TextCollator(tok.pad_token_id)([single[0], single[1]])
    assert batch["input_ids"].shape == batch["attention_mask"].shape == (2, 16)
    assert batch["labels"].dtype == torch.int64 and batch["labels"].tolist() == [0, 1]
    assert int(batch["attention_mask"][0].sum()) == len(single[0]["input_ids"])
    assert (batch["input_ids"][0, len(single[0]["input_ids"]) :] == tok.pad_token_id).all()
    multi = corpus([("a", ["joy", "sadness"]), ("b", [])], multi=True)
    hot = build_text_dataset(multi, tok, ["joy", "sadness"], 16, multi_label=True)
    assert [item["labels"] for item in hot] == [[1.0, 1.0], [0.0, 0.0]]
    hot_batch = TextCollator(tok.pad_token_id, multi_label=True)(list(hot))
    assert hot_batch["labels"].dtype == torch.float32


def test_balanced_weights_equal_scikit_learn() -> None:
    from sklearn.utils.class_weight import compute_class_weight

    rng = np.random.default_rng(3)
    labels = ["a", "b", "c", "d"]
    for _ in range(20):
        gold = rng.choice(labels, size=int(rng.integers(5, 60)), p=[0.6, 0.25, 0.1, 0.05])
        present = sorted(set(gold))
        expected = compute_class_weight("balanced", classes=np.array(present), y=gold)
        weights = balanced_weights([[g] for g in gold], labels)
        got = [weights[labels.index(c)] for c in present]
        np.testing.assert_allclose(got, expected, rtol=1e-12)
        assert all(weights[labels.index(c)] == 1.0 for c in labels if c not in present)


def test_weighted_losses_equal_torch_reference() -> None:
    torch.manual_seed(0)
    logits = torch.randn(8, 3)
    gold = torch.tensor([0, 1, 2, 2, 1, 0, 0, 0])
    weights = [0.5, 1.5, 2.0]
    loss = WeightedLoss(weights)({"logits": logits}, gold, num_items_in_batch=8)
    per_example = torch.nn.functional.cross_entropy(logits, gold, reduction="none")
    expected = (per_example * torch.tensor(weights)[gold]).sum() / 8
    assert float(loss) == pytest.approx(float(expected), rel=1e-6)
    hot = (torch.rand(8, 3) > 0.5).float()
    gold = [[c for c, h in zip("abc", row, strict=True) if h] for row in hot.tolist()]
    pos = positive_weights(gold, "abc")
    loss = WeightedLoss(pos, multi_label=True)({"logits": logits}, hot)
    reference = torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor(pos))(logits, hot)
    assert float(loss) == pytest.approx(float(reference), rel=1e-6)
    counts = hot.sum(0)
    expected_pos = [(8 - c) / c if 0 < c < 8 else 1.0 for c in counts.tolist()]
    assert pos == pytest.approx(expected_pos)


def test_onnx_classifier_gives_the_torch_scores(
    classifier_dir: Path, predictor: Predictor, tmp_path: Path
) -> None:
    from nerlab.inference.onnx import export_onnx

    export_onnx(classifier_dir, tmp_path / "onnx")
    onnx = Predictor.load(tmp_path / "onnx")
    assert onnx.backend == "onnx" and onnx.task.name == "text-classification"
    scores = onnx.text_scores(TEXTS)
    assert scores.shape == (len(TEXTS), len(TINY_CLASSES))
    np.testing.assert_allclose(scores, predictor.text_scores(TEXTS), atol=1e-4)
    assert [r["label"] for r in onnx.classify(TEXTS)] == [
        r["label"] for r in predictor.classify(TEXTS)
    ]
