"""Evaluation: confusion matrix of types, reports, predictions file, scores equal to train's."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _train_helpers import write_conll

from nerlab.cli.main import run_cli
from nerlab.errors import LabelError, ModelError
from nerlab.evaluate import evaluate
from nerlab.metrics import classification_report, confusion_matrix
from nerlab.tasks.token_classification import evaluate_tags


def _cm(gold, pred):
    cm = confusion_matrix(gold, pred)
    return {
        (g, p): n
        for g, row in zip(cm.labels, cm.matrix, strict=True)
        for p, n in zip(cm.labels, row, strict=True)
        if n
    }


def test_confusion_exact_type_swap_missed_spurious():
    gold = [["B-PER", "I-PER", "O", "B-LOC", "O", "B-ORG"]]
    pred = [["B-PER", "I-PER", "O", "B-ORG", "B-MISC", "O"]]
    assert _cm(gold, pred) == {
        ("PER", "PER"): 1,  # exact
        ("LOC", "ORG"): 1,  # same span, other type
        ("O", "MISC"): 1,  # spurious
        ("ORG", "O"): 1,  # missed
    }


def test_confusion_overlapping_spans_are_matched_by_largest_overlap():
    gold = [["B-ORG", "I-ORG", "I-ORG", "O", "B-PER", "O"]]
    pred = [["O", "B-LOC", "I-LOC", "O", "B-PER", "I-PER"]]
    # ORG[0:3] overlaps LOC[1:3]; PER[4:5] overlaps PER[4:6] (boundary error, same type).
    assert _cm(gold, pred) == {("ORG", "LOC"): 1, ("PER", "PER"): 1}
    # One predicted span can match only one gold span; the other gold span is missed.
    gold = [["B-PER", "B-PER", "O"]]
    pred = [["B-PER", "I-PER", "O"]]
    assert _cm(gold, pred) == {("PER", "PER"): 1, ("PER", "O"): 1}


def test_confusion_totals_equal_entity_counts():
    gold = [["B-PER", "O", "B-LOC", "I-LOC"], ["O", "B-ORG"], ["B-MISC"]]
    pred = [["B-PER", "B-LOC", "I-LOC", "O"], ["O", "O"], ["B-LOC"]]
    cm = confusion_matrix(gold, pred)
    d = cm.to_dict()
    rep = classification_report(gold, pred)
    row_sums = {lab: sum(row) for lab, row in zip(cm.labels, cm.matrix, strict=True)}
    col_sums = {
        lab: sum(col) for lab, col in zip(cm.labels, zip(*cm.matrix, strict=True), strict=True)
    }
    for t, s in rep.per_type.items():
        assert row_sums[t] == s.support
        assert col_sums[t] == s.predicted
    assert d["labels"][-1] == "O" and d["matrix"][-1][-1] == 0
    assert d["missed"]["ORG"] == 1 and d["spurious"] == {"LOC": 0, "MISC": 0, "ORG": 0, "PER": 0}


def test_evaluate_tags_span_and_plain():
    gold = [["B-PER", "I-PER", "O"], ["I-LOC", "O"]]
    pred = [["B-PER", "I-PER", "O"], ["I-LOC", "O"]]
    ev = evaluate_tags(gold, pred, "IOB2")
    # conlleval reads a lone I- as an entity; strict mode ignores it.
    assert ev.entity["conlleval"].micro.support == 2
    assert ev.entity["strict"].micro.support == 1
    assert ev.main_score == 1.0 and ev.primary_metric == "f1"
    pos = evaluate_tags([["DET", "NOUN"]], [["DET", "VERB"]], None)
    assert pos.entity is None and pos.confusion is None
    assert pos.primary_metric == "accuracy" and pos.main_score == 0.5
    assert pos.tags.per_tag["NOUN"].recall == 0.0
    assert "per-tag scores" in pos.format()


def test_train_end_scores_equal_evaluate_scores(tiny_run, demo_files):
    ev = evaluate(tiny_run.output, demo_files["long_test"])
    assert ev.to_dict() == tiny_run.test.to_dict()
    assert ev.pred == tiny_run.test.pred
    saved = json.loads((Path(tiny_run.output) / "nerlab_config.json").read_text())
    test_scores = saved["scores"]["test"]
    assert test_scores["f1"] == ev.main_score
    assert test_scores["entity"] == ev.to_dict()["entity"]


def test_every_word_of_a_1500_word_sentence_gets_one_prediction(tiny_run, demo_files, tmp_path):
    out = tmp_path / "pred.conll"
    evaluate(tiny_run.output, demo_files["long_test"], predictions=out)
    blocks = out.read_text("utf-8").strip("\n").split("\n\n")
    gold_blocks = demo_files["long_test"].read_text("utf-8").strip("\n").split("\n\n")
    assert len(blocks) == len(gold_blocks) == 6
    long_rows = [line.split(" ") for line in blocks[-1].split("\n")]
    assert len(long_rows) == 1500
    gold_rows = [line.split(" ") for line in gold_blocks[-1].split("\n")]
    labels = set(tiny_run.labels)
    for (word, gold, pred), (g_word, g_tag) in zip(long_rows, gold_rows, strict=True):
        assert (word, gold) == (g_word, g_tag)
        assert pred in labels


def test_evaluate_cli_prints_the_scores_train_printed(tiny_run, demo_files, tmp_path, capsys):
    report = tmp_path / "reports"
    code = run_cli(
        ["evaluate", tiny_run.output, str(demo_files["long_test"]), "--report-dir", str(report)]
    )
    out = capsys.readouterr().out
    assert code == 0
    micro = tiny_run.test.entity["conlleval"].micro
    assert f"{micro.f1:.4f}" in out
    assert "conlleval mode" in out and "strict mode" in out
    assert f"token accuracy: {tiny_run.test.accuracy:.4f}" in out
    assert "entity type confusion" in out
    cm = json.loads((report / "evaluation_confusion.json").read_text())
    assert cm == tiny_run.test.confusion.to_dict()
    assert (report / "evaluation_confusion.png").read_bytes()[:4] == b"\x89PNG"
    assert json.loads((report / "evaluation.json").read_text())["f1"] == micro.f1

    code = run_cli(["evaluate", tiny_run.output, str(demo_files["long_test"]), "--json"])
    data = json.loads(capsys.readouterr().out)
    assert code == 0 and data["f1"] == micro.f1


def test_evaluate_bad_input(tiny_run, tmp_path, capsys):
    unknown = write_conll(tmp_path / "u.conll", [(["Ana", "sings"], ["B-SINGER", "O"])])
    with pytest.raises(LabelError, match=r"B-SINGER \(1x, first at .*u\.conll:1\)"):
        evaluate(tiny_run.output, unknown)
    unlabelled = tmp_path / "words.txt"
    unlabelled.write_text("Ana\nsings\n")
    with pytest.raises(LabelError, match=r"words\.txt:1: this sentence has no tags"):
        evaluate(tiny_run.output, unlabelled)
    with pytest.raises(ModelError, match=r"no config\.json"):
        evaluate(tmp_path, unknown)
    assert run_cli(["evaluate", str(tmp_path), str(unknown)]) == 2
    err = capsys.readouterr().err
    assert "error:" in err and "Traceback" not in err
