"""Entity metrics on hand-checked cases, seqeval's edge cases, bad input, and tag_report."""

from __future__ import annotations

import json
import random
import warnings

import pytest
from seqeval.metrics import classification_report as seq_report
from seqeval.scheme import IOBES
from sklearn.metrics import classification_report as sk_report

from nerlab.metrics import (
    classification_report,
    f1_score,
    get_entities,
    tag_report,
    token_accuracy,
)


def test_hand_checked_report() -> None:
    y_true = [["B-PER", "I-PER", "O", "B-LOC"], ["B-ORG", "O", "B-LOC", "I-LOC"]]
    y_pred = [["B-PER", "I-PER", "O", "O"], ["B-ORG", "O", "B-LOC", "B-LOC"]]
    r = classification_report(y_true, y_pred)
    assert list(r.per_type) == ["LOC", "ORG", "PER"]
    loc = r.per_type["LOC"]
    assert (loc.support, loc.predicted, loc.correct) == (2, 2, 0)
    assert (loc.precision, loc.recall, loc.f1) == (0.0, 0.0, 0.0)
    assert r.per_type["PER"].f1 == 1.0
    assert (r.micro.support, r.micro.predicted, r.micro.correct) == (4, 4, 2)
    assert r.micro.precision == r.micro.recall == r.micro.f1 == 0.5
    assert r.macro.f1 == pytest.approx(2 / 3)
    assert r.weighted.f1 == pytest.approx((0 * 2 + 1 + 1) / 4)
    assert r.accuracy == 6 / 8
    assert f1_score(y_true, y_pred) == 0.5
    assert f1_score(y_true, y_pred, average="macro") == pytest.approx(2 / 3)
    assert token_accuracy(y_true, y_pred) == 0.75


def test_lenient_and_strict_differ_on_i_after_o() -> None:
    y_true = [["B-PER", "I-PER", "O"]]
    y_pred = [["I-PER", "I-PER", "O"]]
    assert f1_score(y_true, y_pred) == 1.0  # conlleval: I- after O starts the entity
    assert f1_score(y_true, y_pred, mode="strict", scheme="IOB2") == 0.0
    strict = classification_report(y_true, y_pred, mode="strict", scheme="IOB2")
    assert strict.per_type["PER"].predicted == 0


def test_get_entities_in_every_scheme() -> None:
    assert get_entities(["B-PER", "I-PER", "O", "I-LOC", "B-LOC"]) == [
        ("PER", 0, 2),
        ("LOC", 3, 4),
        ("LOC", 4, 5),
    ]
    assert get_entities(["S-PER", "B-LOC", "I-LOC", "E-LOC", "B-ORG"], mode="strict") == [
        ("PER", 0, 1),
        ("LOC", 1, 4),
    ]
    assert get_entities(["U-PER", "B-LOC", "L-LOC"], mode="strict", scheme="BILOU") == [
        ("PER", 0, 1),
        ("LOC", 1, 3),
    ]
    assert get_entities(["U-PER", "B-LOC", "L-LOC"]) == [("PER", 0, 1), ("LOC", 1, 3)]
    assert get_entities([]) == []
    assert get_entities(["O"], mode="strict") == []


def test_types_only_in_predictions_match_seqeval() -> None:
    y_true = [["O", "O", "B-LOC"], ["O"]]
    y_pred = [["B-PER", "O", "O"], ["B-MISC"]]
    r = classification_report(y_true, y_pred)
    ref = seq_report(y_true, y_pred, output_dict=True, zero_division=0)
    assert set(r.per_type) == {"LOC", "MISC", "PER"}
    assert r.per_type["PER"].support == 0 and r.per_type["PER"].predicted == 1
    for name, s in r.per_type.items():
        assert (s.precision, s.recall, s.f1, s.support) == (
            ref[name]["precision"],
            ref[name]["recall"],
            ref[name]["f1-score"],
            ref[name]["support"],
        )
    assert r.weighted.f1 == ref["weighted avg"]["f1-score"] == 0.0


def test_only_predicted_entities_and_no_gold_gives_zero_weighted() -> None:
    r = classification_report([["O", "O"]], [["B-PER", "O"]])
    ref = seq_report([["O", "O"]], [["B-PER", "O"]], output_dict=True, zero_division=0)
    assert r.weighted.precision == ref["weighted avg"]["precision"] == 0.0
    assert r.micro.support == 0 and r.micro.predicted == 1


@pytest.mark.parametrize("y", [[], [[]], [["O", "O"]], [[], ["O"]]])
def test_no_entity_at_all_gives_zeros(y: list[list[str]]) -> None:
    r = classification_report(y, y)
    assert r.per_type == {}
    for avg in (r.micro, r.macro, r.weighted):
        assert (avg.precision, avg.recall, avg.f1, avg.support) == (0.0, 0.0, 0.0, 0)
    assert r.accuracy == (1.0 if any(y) else 0.0)
    # seqeval agrees on micro; its macro average is the mean of nothing (nan), and it
    # refuses an empty list outright.
    if not y:
        with pytest.raises(TypeError):
            seq_report(y, y, output_dict=True, zero_division=0)
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = seq_report(y, y, output_dict=True, zero_division=0)
    assert ref["micro avg"]["f1-score"] == 0.0


def test_sentences_of_different_length_name_the_sentence() -> None:
    with pytest.raises(ValueError, match="sentence 1: y_true has 2 tags but y_pred has 1"):
        classification_report([["O"], ["O", "B-PER"]], [["O"], ["O"]])
    with pytest.raises(ValueError, match="y_true has 2 sentences but y_pred has 1"):
        classification_report([["O"], ["O"]], [["O"]])
    with pytest.raises(ValueError, match="sentence 0: y_true has 1 tags but y_pred has 0"):
        token_accuracy([["O"]], [[]])
    with pytest.raises(ValueError, match="sentence 0"):
        tag_report([["NN"]], [["NN", "VB"]])


def test_a_flat_list_is_not_a_list_of_sentences() -> None:
    with pytest.raises(ValueError, match=r"y_true\[0\] is the tag 'B-PER', not a sentence"):
        classification_report(["B-PER", "O"], ["B-PER", "O"])
    with pytest.raises(ValueError, match="not a string"):
        classification_report("B-PER", "B-PER")


def test_unknown_prefix_is_an_error_naming_the_tag_and_side() -> None:
    with pytest.raises(ValueError, match=r"y_pred: invalid tag 'X-PER': allowed are O or a prefix"):
        classification_report([["B-PER"]], [["X-PER"]])
    with pytest.raises(ValueError, match="y_true: invalid tag 'PER'"):
        classification_report([["PER"]], [["O"]])
    with pytest.raises(ValueError, match="invalid tag 'X-PER'"):
        get_entities(["X-PER"])


@pytest.mark.parametrize("fn", [classification_report, f1_score])
def test_unknown_mode_and_scheme(fn) -> None:
    with pytest.raises(ValueError, match="unknown mode 'lenient': allowed are conlleval, strict"):
        fn([["O"]], [["O"]], mode="lenient")
    with pytest.raises(ValueError, match="unknown tag scheme 'IOE3'"):
        fn([["O"]], [["O"]], scheme="IOE3")


def test_strict_mode_refuses_iob1_and_says_which_schemes_it_supports() -> None:
    msg = "strict mode supports the schemes IOB2, IOBES, BILOU .* not IOB1"
    with pytest.raises(ValueError, match=msg):
        classification_report([["I-PER"]], [["I-PER"]], mode="strict", scheme="IOB1")
    with pytest.raises(ValueError, match=msg):  # detected from the tags
        classification_report([["I-PER", "O", "I-LOC"]], [["O"] * 3], mode="strict")


def test_strict_mode_names_the_sentence_with_a_foreign_prefix() -> None:
    with pytest.raises(ValueError, match=r"y_pred: sentence 1: tag 'E-PER' is not used in IOB2"):
        classification_report(
            [["O"], ["B-PER", "I-PER"]], [["O"], ["B-PER", "E-PER"]], mode="strict", scheme="IOB2"
        )


def test_strict_scheme_is_detected_from_gold_and_predictions() -> None:
    y_true = [["O", "O"]]
    y_pred = [["S-PER", "O"]]
    r = classification_report(y_true, y_pred, mode="strict")
    assert r.scheme == "IOBES" and r.per_type["PER"].predicted == 1
    # seqeval detects from y_true only, so it needs the scheme spelled out here.
    ref = seq_report(y_true, y_pred, mode="strict", scheme=IOBES, output_dict=True, zero_division=0)
    assert ref["PER"]["support"] == r.per_type["PER"].support == 0
    assert ref["micro avg"]["precision"] == r.micro.precision == 0.0


def test_unknown_average() -> None:
    with pytest.raises(ValueError, match="unknown average 'samples'"):
        f1_score([["O"]], [["O"]], average="samples")


def test_report_dict_is_json_and_text_has_every_row() -> None:
    r = classification_report([["B-PER", "O", "B-LOC"]], [["B-PER", "O", "O"]])
    data = json.loads(json.dumps(r.to_dict()))
    assert data["per_type"]["PER"]["f1"] == 1.0
    assert data["micro"]["support"] == 2 and data["mode"] == "conlleval"
    text = r.format(digits=2)
    for row in ("LOC", "PER", "micro avg", "macro avg", "weighted avg", "token accuracy: 0.67"):
        assert row in text


def random_pos(rng: random.Random, n_sent: int) -> tuple[list[list[str]], list[list[str]]]:
    tags = ["NN", "VB", "JJ", "DT", "IN", "B-NP", "I-NP", "NN|SYM", '"', "$"]
    y_true = [[rng.choice(tags[:8]) for _ in range(rng.randint(0, 10))] for _ in range(n_sent)]
    y_pred = [[t if rng.random() < 0.7 else rng.choice(tags) for t in s] for s in y_true]
    return y_true, y_pred


@pytest.mark.parametrize("seed", range(20))
def test_tag_report_equals_sklearn(seed: int) -> None:
    y_true, y_pred = random_pos(random.Random(seed), random.Random(seed).choice([1, 5, 50]))
    flat_true = [t for s in y_true for t in s]
    flat_pred = [t for s in y_pred for t in s]
    if not flat_true:
        return
    ours = tag_report(y_true, y_pred)
    labels = sorted(set(flat_true) | set(flat_pred))
    ref = sk_report(flat_true, flat_pred, labels=labels, output_dict=True, zero_division=0)
    assert list(ours.per_tag) == labels
    for name, s in ours.per_tag.items():
        assert s.precision == pytest.approx(ref[name]["precision"], abs=1e-12)
        assert s.recall == pytest.approx(ref[name]["recall"], abs=1e-12)
        assert s.f1 == pytest.approx(ref[name]["f1-score"], abs=1e-12)
        assert s.support == ref[name]["support"]
    for avg in ("macro", "weighted"):
        assert getattr(ours, avg).f1 == pytest.approx(ref[f"{avg} avg"]["f1-score"], abs=1e-12)
        assert getattr(ours, avg).precision == pytest.approx(
            ref[f"{avg} avg"]["precision"], abs=1e-12
        )
    assert ours.accuracy == pytest.approx(
        sum(map(str.__eq__, flat_true, flat_pred)) / len(flat_true)
    )


def test_tag_report_hand_case_and_empty() -> None:
    r = tag_report([["NN", "VB", "NN"]], [["NN", "NN", "JJ"]])
    assert list(r.per_tag) == ["JJ", "NN", "VB"]
    nn = r.per_tag["NN"]
    assert (nn.precision, nn.recall, nn.support, nn.predicted, nn.correct) == (0.5, 0.5, 2, 2, 1)
    assert r.per_tag["JJ"].support == 0 and r.per_tag["JJ"].predicted == 1
    assert r.accuracy == pytest.approx(1 / 3)
    assert "weighted avg" in r.format() and json.dumps(r.to_dict())
    empty = tag_report([], [])
    assert empty.per_tag == {} and empty.accuracy == 0.0 and empty.macro.f1 == 0.0
