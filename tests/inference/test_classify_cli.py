"""`nerlab predict` with a text classifier: text, JSONL, JSON and stdin in; JSONL, a table and
HTML out; --top-k; bad rows kept in place; options and inputs of the other task refused."""

from __future__ import annotations

import html
import io
import json
import re
import sys
from pathlib import Path

import pytest

from _cli import run
from _tiny import TINY_CLASSES
from nerlab.data.demo import load_demo_texts
from nerlab.inference import Predictor

TEXTS = ["i feel so happy today", "", "this is awful and i am scared", "Zoë 🙂 was surprised"]


def _jsonl(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines()]


@pytest.fixture
def text_file(tmp_path: Path) -> Path:
    path = tmp_path / "texts.txt"
    path.write_text("\n".join(TEXTS) + "\n", encoding="utf-8")
    return path


def test_text_lines_give_label_score_and_every_class(
    classifier_dir: Path,
    classifier: Predictor,
    text_file: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = run(["predict", classifier_dir, text_file, "--precision", "fp32"], capsys)
    assert code == 0, err
    records = _jsonl(out)
    expected = classifier.classify(TEXTS)
    assert [r["text"] for r in records] == TEXTS  # the empty line keeps its place
    assert [{k: r[k] for k in ("label", "score", "labels", "scores")} for r in records] == expected
    for record in records:
        assert set(record) == {"text", "label", "score", "labels", "scores"}
        assert sorted(record["scores"]) == sorted(TINY_CLASSES)
        values = list(record["scores"].values())
        assert values == sorted(values, reverse=True)
        assert sum(values) == pytest.approx(1.0)
        assert record["label"] == next(iter(record["scores"]))
    assert "4 document(s), 4 classified" in err


def test_the_demo_texts_match_the_predictor(
    classifier_dir: Path, classifier: Predictor, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    texts = load_demo_texts("test").texts
    path = tmp_path / "demo.txt"
    path.write_text("\n".join(texts) + "\n", encoding="utf-8")
    code, out, err = run(["predict", classifier_dir, path, "--precision", "fp32"], capsys)
    assert code == 0, err
    assert [r["label"] for r in _jsonl(out)] == [c["label"] for c in classifier.classify(texts)]


def test_top_k_keeps_the_best_classes(
    classifier_dir: Path, classifier: Predictor, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["predict", classifier_dir, "-t", TEXTS[0], "-t", TEXTS[2], "--top-k", "2"]
    code, out, err = run([*argv, "--precision", "fp32"], capsys)
    assert code == 0, err
    records = _jsonl(out)
    full = classifier.classify([TEXTS[0], TEXTS[2]])
    for record, whole in zip(records, full, strict=True):
        assert list(record["scores"].items()) == list(whole["scores"].items())[:2]
        assert record["label"] == whole["label"]


def test_jsonl_keeps_fields_and_moves_a_gold_label_aside(
    classifier_dir: Path, classifier: Predictor, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = [
        '{"text": "i feel so happy today", "label": "joy", "id": 7}',
        "not json",
        '{"tokens": ["pre", "split"], "id": 8}',
        '{"id": 9}',
        '{"text": "what a shock", "scores": [1, 2]}',
    ]
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    code, out, err = run(["predict", classifier_dir, path, "--precision", "fp32"], capsys)
    assert code == 0, err
    records = _jsonl(out)
    assert len(records) == len(rows)  # every input line has its output line
    first, bad_json, words, no_text, clash = records
    assert first["id"] == 7 and first["input_label"] == "joy"
    expected = classifier.classify(["i feel so happy today", "what a shock"])
    assert {k: first[k] for k in ("label", "score", "labels", "scores")} == expected[0]
    assert clash["input_scores"] == [1, 2] and clash["scores"] == expected[1]["scores"]
    assert bad_json["line"] == 2 and "invalid JSON" in bad_json["error"]
    assert words["id"] == 8 and words["tokens"] == ["pre", "split"]
    assert f"{path}:3" in words["error"] and "text classifier" in words["error"]
    assert no_text["id"] == 9 and "no 'text'" in no_text["error"]
    assert "5 document(s), 2 classified, 3 unreadable line(s) skipped" in err
    assert err.count("skipped: ") == 3


def test_strict_stops_at_the_first_bad_line(
    classifier_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text('{"text": "fine"}\n{"tokens": ["a"]}\n{"text": "never"}\n', "utf-8")
    code, out, err = run(["predict", classifier_dir, path, "--strict"], capsys)
    assert code == 2
    assert f"{path}:2" in err and "--strict" in err
    assert [r["text"] for r in _jsonl(out)] == ["fine"]


def test_stdin_and_a_json_array(
    classifier_dir: Path,
    classifier: Predictor,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = json.dumps([TEXTS[0], {"text": TEXTS[2], "id": 1}]).encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    code, out, err = run(["predict", classifier_dir, "-", "--precision", "fp32"], capsys)
    assert code == 0, err
    records = _jsonl(out)
    assert [r["label"] for r in records] == [
        c["label"] for c in classifier.classify([TEXTS[0], TEXTS[2]])
    ]
    assert records[1]["id"] == 1


def test_pretty_is_a_table_of_every_text(
    classifier_dir: Path,
    classifier: Predictor,
    text_file: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # fp32 as the `classifier` fixture: `auto` is bf16 on a CPU with AMX, whose scores differ
    argv = ["predict", classifier_dir, text_file, "-f", "pretty", "--precision", "fp32"]
    code, out, err = run(argv, capsys)
    assert code == 0, err
    assert "\x1b[" not in out  # no colour codes outside a terminal
    for header in ("line", "text", "label", "score"):
        assert header in out
    best = classifier.classify(TEXTS)
    for found in best:
        assert f"{found['score']:.3f}" in out
    assert "Zoë" in out and "happy" in out


def test_html_shows_a_bar_per_class(
    classifier_dir: Path,
    classifier: Predictor,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    texts = [*TEXTS, "<script>alert('x')</script> & more"]
    path = tmp_path / "in.txt"
    path.write_text("\n".join(texts) + "\n", encoding="utf-8")
    page = tmp_path / "out.html"
    argv = ["predict", classifier_dir, path, "-f", "html", "-o", page, "--precision", "fp32"]
    code, _, err = run(argv, capsys)
    assert code == 0, err
    doc = page.read_text("utf-8")
    assert doc.startswith("<!DOCTYPE html>") and doc.rstrip().endswith("</html>")
    assert "<script>" not in doc and "&lt;script&gt;" in doc  # text is escaped
    assert not re.search(r"(src|href)=|url\(|@import", doc)  # nothing fetched from outside
    sections = re.findall(r'<section class="doc".*?</section>', doc)
    assert len(sections) == len(texts)
    for section, text, found in zip(sections, texts, classifier.classify(texts), strict=True):
        assert f'<p class="text">{html.escape(text)}</p>' in section
        bars = re.findall(r'class="(bar[^"]*)" data-label="([^"]+)" data-score="([^"]+)"', section)
        assert [label for _, label, _ in bars] == list(found["scores"])
        assert [float(s) for _, _, s in bars] == pytest.approx(
            list(found["scores"].values()), abs=5e-7
        )
        assert [label for kind, label, _ in bars if kind == "bar predicted"] == found["labels"]
        widths = re.findall(r"width:([\d.]+)%", section)
        assert [float(w) for w in widths] == pytest.approx(
            [100 * s for s in found["scores"].values()], abs=0.051
        )


# --- the other task's options and inputs; bad values ------------------------------------------


@pytest.mark.parametrize("value", ["0", "-2"])
def test_top_k_below_one_is_refused(
    classifier_dir: Path, text_file: Path, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["predict", classifier_dir, text_file, "--top-k", value], capsys)
    assert code == 2 and out == ""
    assert "--top-k must be a whole number >= 1" in err and value in err


def test_top_k_on_a_tagger_is_refused(
    tagger_dir: Path, text_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["predict", tagger_dir, text_file, "--top-k", "3"], capsys)
    assert code == 2 and out == ""
    assert "--top-k 3" in err and "text-classification models" in err
    assert "token-classification model" in err


def test_conll_in_or_out_is_refused_for_a_classifier(
    classifier_dir: Path, text_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(["predict", classifier_dir, text_file, "-f", "conll"], capsys)
    assert code == 2 and "--format conll" in err and "jsonl, pretty, html" in err
    code, _, err = run(["predict", classifier_dir, text_file, "--input-format", "conll"], capsys)
    assert code == 2 and "--input-format conll" in err and "text classifier" in err
    conll = tmp_path / "words.conll"
    conll.write_text("EU B-ORG\nrejects O\n\n", "utf-8")
    code, out, err = run(["predict", classifier_dir, conll], capsys)
    assert code == 2 and out == ""
    assert "reads as CoNLL" in err and "text classifier" in err


def test_output_onto_the_input_is_refused(
    classifier_dir: Path, text_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = text_file.read_bytes()
    code, _, err = run(["predict", classifier_dir, text_file, "-o", text_file], capsys)
    assert code == 2 and "would overwrite its input" in err
    assert text_file.read_bytes() == before


def test_an_empty_input_gives_no_records(
    classifier_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    code, out, err = run(["predict", classifier_dir, empty], capsys)
    assert code == 0, err
    assert out == "" and "0 document(s), 0 classified" in err


def test_a_tagger_still_tags(
    tagger_dir: Path, text_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["predict", tagger_dir, text_file], capsys)
    assert code == 0, err
    records = _jsonl(out)
    assert all(set(r) == {"text", "entities"} for r in records)
    assert "entities" in err and "classified" not in err
