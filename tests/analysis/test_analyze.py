"""`analyze`: losses, error kinds, buckets and the report of a tiny model trained on the demo
corpus, checked against independent computations; bad input named clearly."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from nerlab.errors import ConfigError, LabelError
from nerlab.evaluate import evaluate
from nerlab.evaluate.analysis import analyze, parse_map
from nerlab.evaluate.analysis.buckets import TrainLexicon, capitalisation
from nerlab.evaluate.analysis.probes import unseen_scores
from nerlab.inference import Predictor
from nerlab.metrics.partial import partial_report, sentence_entities


@pytest.fixture(scope="module")
def predictor(trained_dir: Path) -> Predictor:
    return Predictor.load(trained_dir, precision="fp32")


@pytest.fixture(scope="module")
def result(predictor: Predictor, files: dict[str, Path]):
    return analyze(predictor, files["data"], top_k=10)


def test_word_loss_is_the_cross_entropy_of_the_gold_label(predictor, files, result) -> None:
    import torch

    from nerlab.data import load_corpus

    corpus = load_corpus(files["data"])
    scores = predictor.word_scores(corpus.words)
    ids = {lab: i for i, lab in enumerate(predictor.labels)}
    per_sentence = []
    for s, tags in zip(scores, corpus.tags, strict=True):
        gold = torch.tensor([ids[t] for t in tags])
        loss = torch.nn.functional.cross_entropy(torch.tensor(s, dtype=torch.float64), gold)
        per_sentence.append(float(loss))
    assert result.mean_loss == pytest.approx(
        float(np.average(per_sentence, weights=[len(t) for t in corpus.tags])), rel=1e-9
    )
    worst = sorted(range(len(per_sentence)), key=lambda i: -per_sentence[i])[:10]
    assert [v.index for v in result.top] == worst
    assert [v.loss for v in result.top] == pytest.approx([per_sentence[i] for i in worst])
    view = result.top[0]
    assert len(view.words) == len(view.gold) == len(view.pred) == len(view.word_loss)
    assert view.path == str(files["data"]) and view.line is not None


def test_scores_equal_evaluate_and_partial_report(trained_dir, files, result) -> None:
    ev = evaluate(trained_dir, files["data"], precision="fp32")
    assert result.f1 == ev.main_score
    assert result.evaluation.pred == ev.pred
    expected = partial_report(ev.gold, ev.pred)
    assert result.partial.overall == expected.overall
    assert result.partial.kinds == expected.kinds


def test_loss_tables(result) -> None:
    by_label = {r.key: r for r in result.loss_by_label}
    assert sum(r.count for r in by_label.values()) == result.words
    assert sum(r.total for r in by_label.values()) == pytest.approx(result.mean_loss * result.words)
    totals = [r.total for r in result.loss_by_word]
    assert totals == sorted(totals, reverse=True) and len(totals) == 30
    assert all(r.mean == pytest.approx(r.total / r.count) for r in result.loss_by_word)


def test_buckets_cover_every_entity_and_seen_beats_unseen(result, files) -> None:
    gold = sum(len(e) for e in sentence_entities(result.evaluation.gold))
    pred = sum(len(e) for e in sentence_entities(result.evaluation.pred))
    keys = [t.key for t in result.buckets]
    assert keys == [
        "entity_length",
        "sentence_length",
        "seen",
        "consistency",
        "capitalisation",
        "oov",
    ]
    for table in result.buckets:
        assert sum(b.gold for b in table.buckets) == gold, table.key
        assert sum(b.predicted for b in table.buckets) == pred, table.key
    seen = {b.name: b for b in result.buckets[2].buckets}
    # DATA holds 40 training sentences: the model has learned their entities.
    assert seen["seen, same type"].f1 > seen["unseen"].f1 + 0.2
    assert result.sources["train"].endswith("train.conll")  # recorded with the model


def test_unseen_bucket_equals_the_unseen_probe(result, files) -> None:
    from nerlab.data import load_corpus

    lexicon = TrainLexicon(load_corpus(files["train"]))
    f1, n = unseen_scores(
        [list(w) for w in load_corpus(files["data"]).words],
        result.evaluation.gold,
        result.evaluation.pred,
        lexicon,
    )
    unseen = {b.name: b for b in result.buckets[2].buckets}["unseen"]
    assert (f1, n) == (pytest.approx(unseen.f1), unseen.gold)


def test_capitalisation() -> None:
    assert capitalisation(["New", "York"]) == "Title"
    assert capitalisation(["EU"]) == "UPPER"
    assert capitalisation(["de", "gaulle"]) == "lower"
    assert capitalisation(["McDonald"]) == "mixed"
    assert capitalisation(["1990", "-"]) == "no case"
    assert capitalisation(["東京"]) == "no case"


def test_report_files(predictor, files, tmp_path) -> None:
    out = tmp_path / "report"
    a = analyze(predictor, files["test"], train=files["train"], report_dir=out, top_k=5)
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(
        ["analysis.json", "report.html", "confusion.png", "error_kinds.png"]
        + [f"bucket_{t.key}.png" for t in a.buckets]
    )
    data = json.loads((out / "analysis.json").read_text("utf-8"))
    assert data["partial"]["overall"]["strict"]["f1"] == a.partial.overall["strict"].f1
    assert len(data["loss"]["highest_sentences"]) == 5
    assert set(data["buckets"]) == {t.key for t in a.buckets}
    page = (out / "report.html").read_text("utf-8")
    assert "http://" not in page and "https://" not in page and "<script" not in page
    assert page.count('src="data:image/png;base64,') == 2 + len(a.buckets)


def test_no_train_no_seen_buckets(tagger_dir, files) -> None:
    a = analyze(tagger_dir, files["test"], precision="fp32", top_k=2)
    assert "seen" not in [t.key for t in a.buckets]
    assert any("--train" in n for n in a.notes)


def test_labels_the_model_lacks_are_named(tagger_dir, files) -> None:
    with pytest.raises(LabelError) as err:
        analyze(tagger_dir, files["other"], precision="fp32")
    msg = str(err.value)
    assert "person" in msg and "location" in msg and "--map" in msg
    assert f"{files['other']}:" in msg  # the first place each occurs


def test_map_renames_labels_and_says_so(tagger_dir, files) -> None:
    mapped = analyze(
        tagger_dir,
        files["other"],
        mapping=parse_map("person=PER,location=LOC"),
        precision="fp32",
        top_k=1,
    )
    plain = analyze(tagger_dir, files["test"], precision="fp32", top_k=1)
    assert mapped.f1 == plain.f1
    assert any("person->PER" in n for n in mapped.notes)
    dropped = analyze(tagger_dir, files["test"], mapping={"MISC": "O"}, precision="fp32")
    assert "MISC" not in dropped.partial.per_type
    with pytest.raises(ConfigError, match="targets the model does not have: PERSON"):
        analyze(tagger_dir, files["other"], mapping={"person": "PERSON"}, precision="fp32")


@pytest.mark.parametrize("scheme", ["iob1", "bilou"])
def test_train_in_another_scheme_is_converted_and_said(tagger_dir, files, scheme) -> None:
    a = analyze(tagger_dir, files["test"], train=files[f"train_{scheme}"], precision="fp32")
    b = analyze(tagger_dir, files["test"], train=files["train"], precision="fp32")
    assert any(f"is in {scheme.upper()}" in n and "converted to IOB2" in n for n in a.notes)
    assert [t.to_dict() for t in a.buckets] == [t.to_dict() for t in b.buckets]


def test_bad_options(tagger_dir, files, tmp_path) -> None:
    with pytest.raises(ConfigError, match="map entity types, not tags"):
        parse_map("B-PER=B-LOC")
    with pytest.raises(ConfigError, match="OLD=NEW"):
        parse_map("PER")
    with pytest.raises(ConfigError, match="twice"):
        parse_map(["a=PER", "a=LOC"])
    report = tmp_path / "a-file"
    report.write_text("x")
    with pytest.raises(ConfigError, match="is a file"):
        analyze(tagger_dir, files["test"], report_dir=report)
    data = tmp_path / "folder" / "report.html"
    data.parent.mkdir()
    data.write_text(files["test"].read_text("utf-8"), encoding="utf-8")
    with pytest.raises(ConfigError, match="would overwrite its input"):
        analyze(tagger_dir, data, report_dir=data.parent)
    with pytest.raises(ConfigError, match="0 or more"):
        analyze(tagger_dir, files["test"], top_k=-1)
