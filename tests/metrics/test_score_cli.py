"""`nerlab score`: conlleval-style files, aligned gold/pred files, modes, schemes, bad input."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from seqeval.metrics import classification_report as seq_report
from seqeval.scheme import IOBES

from _cli import run
from nerlab.metrics import classification_report
from nerlab.metrics.scoring import score_files

# word POS gold pred; 4 gold entities (PER, LOC, ORG, LOC), 3 predicted right, 1 extra.
CONLLEVAL = """\
-DOCSTART- -X- O O

John NNP B-PER B-PER
lives VBZ O O
in IN O O
New NNP B-LOC B-LOC
York NNP I-LOC I-LOC
. . O O

Acme NNP B-ORG B-ORG
hired VBD O B-PER
Paris NNP B-LOC O
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def split_columns(text: str) -> tuple[str, str]:
    """The gold file (word gold) and the prediction file (word pred) of a conlleval file."""
    gold, pred = [], []
    for line in text.split("\n"):
        f = line.split()
        gold.append(f"{f[0]} {f[-2]}" if f else "")
        pred.append(f"{f[0]} {f[-1]}" if f else "")
    return "\n".join(gold), "\n".join(pred)


def test_score_conlleval_file_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "out.conll", CONLLEVAL)
    code, out, err = run(["score", str(path)], capsys)
    assert code == 0, err
    assert "2 sentences, 9 words, mode conlleval, scheme IOB2" in " ".join(out.split())
    rows = {line.split("│")[1].strip(): line for line in out.splitlines() if line.count("│") > 2}
    assert set(rows) == {"LOC", "ORG", "PER", "micro avg", "macro avg", "weighted avg"}
    assert "precision" in out and "support" in out
    # micro: 3 correct of 4 predicted, 4 gold
    assert [c.strip() for c in rows["micro avg"].split("│")[2:8]] == [
        "0.7500",
        "0.7500",
        "0.7500",
        "4",
        "4",
        "3",
    ]
    assert "token accuracy: 0.7778" in out


def test_score_json_equals_python_api_and_seqeval(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "out.conll", CONLLEVAL)
    code, out, err = run(["score", str(path), "--json"], capsys)
    assert code == 0, err
    data = json.loads(out)
    assert data["sentences"] == 2 and data["words"] == 9 and data["scheme_read"] == "IOB2"
    gold = [["B-PER", "O", "O", "B-LOC", "I-LOC", "O"], ["B-ORG", "O", "B-LOC"]]
    pred = [["B-PER", "O", "O", "B-LOC", "I-LOC", "O"], ["B-ORG", "B-PER", "O"]]
    assert data["per_type"] == classification_report(gold, pred).to_dict()["per_type"]
    ref = seq_report(gold, pred, output_dict=True, zero_division=0)
    for name in ("LOC", "ORG", "PER"):
        assert data["per_type"][name]["f1"] == ref[name]["f1-score"]
    assert data["micro"]["f1"] == ref["micro avg"]["f1-score"] == 0.75
    assert data["accuracy"] == 7 / 9


def test_gold_and_pred_files_give_the_same_scores(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    one = write(tmp_path, "out.conll", CONLLEVAL)
    gold_text, pred_text = split_columns(CONLLEVAL)
    gold = write(tmp_path, "gold.conll", gold_text)
    pred = write(tmp_path, "pred.conll", pred_text)
    code, out, err = run(["score", "--gold", str(gold), "--pred", str(pred), "--json"], capsys)
    assert code == 0, err
    data = json.loads(out)
    assert data["sources"] == [str(gold), str(pred)]
    expected = score_files(one).to_dict()
    for key in ("per_type", "micro", "macro", "weighted", "accuracy", "sentences", "words"):
        assert data[key] == expected[key]


def test_iob1_file_is_detected_and_converted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = "EU I-ORG I-ORG\nrejects O O\nGerman I-MISC I-MISC\ncall O I-MISC\n"
    path = write(tmp_path, "iob1.conll", text)
    code, out, err = run(["score", str(path)], capsys)
    assert code == 0, err
    assert "scheme IOB1 (converted to IOB2)" in " ".join(out.split())
    data = score_files(path).to_dict()
    assert data["scheme_read"] == "IOB1"
    assert data["per_type"]["MISC"]["correct"] == 0  # German call != German
    assert data["per_type"]["ORG"]["f1"] == 1.0


def test_strict_mode_iobes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = "a S-PER S-PER\nb B-LOC B-LOC\nc E-LOC I-LOC\nd O O\n"
    path = write(tmp_path, "iobes.conll", text)
    code, out, err = run(["score", str(path), "--mode", "strict", "--json"], capsys)
    assert code == 0, err
    data = json.loads(out)
    assert data["scheme"] == "IOBES" and data["mode"] == "strict"
    gold = [["S-PER", "B-LOC", "E-LOC", "O"]]
    pred = [["S-PER", "B-LOC", "I-LOC", "O"]]
    ref = seq_report(gold, pred, mode="strict", scheme=IOBES, output_dict=True, zero_division=0)
    assert data["micro"]["recall"] == ref["micro avg"]["recall"] == 0.5
    assert data["per_type"]["LOC"]["predicted"] == 0  # B- I- never closed
    code, out, err = run(["score", str(path), "--json"], capsys)  # conlleval counts it
    assert json.loads(out)["per_type"]["LOC"]["predicted"] == 1


def test_strict_mode_refuses_iob1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "iob1.conll", "EU I-ORG I-ORG\nrejects O O\n")
    code, _, err = run(["score", str(path), "--mode", "strict"], capsys)
    assert code == 2
    assert "strict mode supports IOB2, IOBES, BILOU, and the tags are read as IOB1" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("a O O\nb B-PER\n", 2, "expected 3 columns"),
        ("a O O\n\nb X-PER O\n", 3, "gold tag: invalid tag 'X-PER': allowed are O or a prefix"),
        ("a O O\nb O B_PER\n", 2, "predicted tag: invalid tag 'B_PER'"),
    ],
)
def test_malformed_lines_name_file_and_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, line: int, message: str
) -> None:
    path = write(tmp_path, "bad.conll", text)
    code, _, err = run(["score", str(path)], capsys)
    assert code == 2
    assert f"{path}:{line}:" in err and message in err


def test_two_column_file_needs_gold_and_pred(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "two.conll", "a B-PER\nb O\n")
    code, _, err = run(["score", str(path)], capsys)
    assert code == 2 and f"{path}:1:" in err and "needs at least 3" in err


def test_scheme_option_that_does_not_fit_the_tags(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(tmp_path, "iobes.conll", "a O O\nb S-PER S-PER\n")
    code, _, err = run(["score", str(path), "--scheme", "iob2"], capsys)
    assert code == 2
    assert f"{path}:2:" in err and "gold tag 'S-PER' does not belong to IOB2" in err


@pytest.mark.parametrize(
    ("gold", "pred", "where", "message"),
    [
        ("a O\n\nb O\n", "a O\n", "gold.conll:3", "2 sentences here but 1 in"),
        ("a O\n", "a O\n\nb O\n", "pred.conll:3", "2 sentences here but 1 in"),
        ("a O\nb O\n\nc O\n", "a O\n\nc O\n", "pred.conll:1", "sentence 1 has 1 words here but 2"),
        ("a O\nb O\n", "a O\nB O\n", "pred.conll:2", "word 'B' differs from the gold file's 'b'"),
        ("a O\n", "a\n", "pred.conll", "has one column only"),
        ("a O\n", "a X-LOC\n", "pred.conll:1", "predicted tag: invalid tag 'X-LOC'"),
    ],
)
def test_misaligned_gold_and_pred_name_file_and_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    gold: str,
    pred: str,
    where: str,
    message: str,
) -> None:
    g = write(tmp_path, "gold.conll", gold)
    p = write(tmp_path, "pred.conll", pred)
    code, _, err = run(["score", "--gold", str(g), "--pred", str(p)], capsys)
    assert code == 2
    assert f"{tmp_path / where}" in err and message in err


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--mode", "lenient"], "unknown mode 'lenient': allowed are conlleval, strict"),
        (
            ["--scheme", "IOE2"],
            "unknown tag scheme 'IOE2': allowed are auto, IOB1, IOB2, IOBES, BILOU",
        ),
        (["--gold", "x.conll"], "give either FILE or --gold and --pred, not both"),
    ],
)
def test_bad_options(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    path = write(tmp_path, "out.conll", CONLLEVAL)
    code, _, err = run(["score", str(path), *extra], capsys)
    assert code == 2 and message in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["score"], "nothing to score: give FILE, or both --gold G and --pred P"),
        (["score", "--gold", "g.conll"], "nothing to score"),
        (["score", "missing.conll"], "missing.conll: file not found"),
    ],
)
def test_missing_input(capsys: pytest.CaptureFixture[str], argv: list[str], message: str) -> None:
    code, _, err = run(argv, capsys)
    assert code == 2 and message in err


def test_empty_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "empty.conll", "\n\n")
    code, _, err = run(["score", str(path)], capsys)
    assert code == 2 and str(path) in err and "no sentence found" in err


def test_help(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["score", "--help"], capsys)
    assert code == 0 and "--gold" in out and "--mode" in out and "--json" in out


@pytest.mark.slow
def test_score_conllpp_test_with_perturbed_predictions_equals_seqeval(
    shared_data: Path, tmp_path: Path
) -> None:
    rng = random.Random(0)
    tags = ["O", "B-PER", "I-PER", "B-ORG", "I-ORG", "B-LOC", "I-LOC", "B-MISC", "I-MISC"]
    gold: list[list[str]] = [[]]
    pred: list[list[str]] = [[]]
    out = []
    for line in (shared_data / "conllpp" / "conllpp_test.txt").read_text().split("\n"):
        f = line.split()
        if not f or f[0] == "-DOCSTART-":
            if gold[-1]:
                gold.append([])
                pred.append([])
            out.append(line)
            continue
        p = f[-1] if rng.random() > 0.1 else rng.choice(tags)
        gold[-1].append(f[-1])
        pred[-1].append(p)
        out.append(f"{line} {p}")
    gold, pred = gold[:-1], pred[:-1]
    path = write(tmp_path, "scored.conll", "\n".join(out))  # a temp file, not in the repo
    result = score_files(path)
    assert result.sentences == len(gold) == 3453
    ref = seq_report(gold, pred, output_dict=True, zero_division=0)
    for name in ("LOC", "MISC", "ORG", "PER"):
        assert result.report.per_type[name].f1 == pytest.approx(ref[name]["f1-score"], abs=1e-12)
        assert result.report.per_type[name].support == ref[name]["support"]
    assert result.report.micro.f1 == pytest.approx(ref["micro avg"]["f1-score"], abs=1e-12)
