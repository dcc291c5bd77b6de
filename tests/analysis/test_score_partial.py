"""`nerlab score --partial`: partial-match scores and error kinds of any system's output."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from nervaluate import Evaluator

from nerlab.cli.main import run_cli
from nerlab.data.schemes import convert_tags
from nerlab.metrics.partial import partial_report
from nerlab.metrics.scoring import score_files

# word gold pred: PER boundary error, MISC wrong type, LOC missed, ORG correct, one spurious.
OUTPUT = """\
Peter B-PER B-PER
Blackburn I-PER O
of O O
Acme B-ORG B-ORG
met O B-LOC
German B-MISC B-ORG
officials O O
in O O
Paris B-LOC O
"""


def test_score_files_partial_equals_nervaluate(tmp_path: Path) -> None:
    rng = random.Random(3)
    tags = ["O", "O", "O", "B-PER", "I-PER", "B-LOC", "I-LOC"]
    lines, gold, pred = [], [], []
    for _ in range(300):
        n = rng.randint(1, 12)
        g = [rng.choice(tags) for _ in range(n)]
        p = [rng.choice(tags) for _ in range(n)]
        gold.append(g)  # broken transitions (O I-PER) included: both read them leniently
        pred.append(p)
        lines += [f"w{i} {a} {b}" for i, (a, b) in enumerate(zip(gold[-1], pred[-1], strict=True))]
        lines.append("")
    path = tmp_path / "out.conll"
    path.write_text("\n".join(lines), encoding="utf-8")
    result = score_files(path, partial=True)
    assert result.partial is not None
    ref = Evaluator(gold, pred, tags=["PER", "LOC"], loader="list").evaluate()["overall"]
    assert result.partial.overall["partial"].f1 == ref["partial"].f1
    assert result.partial.overall["type"].incorrect == ref["ent_type"].incorrect
    assert result.to_dict()["partial"]["overall"]["strict"]["f1"] == ref["strict"].f1
    assert score_files(path).partial is None


def test_cli_prints_partial_tables_and_json(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = tmp_path / "out.conll"
    path.write_text(OUTPUT, encoding="utf-8")
    assert run_cli(["score", str(path), "--partial"]) == 0
    out = capsys.readouterr().out
    assert "partial-match scores" in out and "error kinds per type" in out
    assert run_cli(["score", str(path), "--partial", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    kinds = data["partial"]["error_kinds"]["per_type"]
    assert kinds["PER"]["wrong_boundary"] == 1
    assert kinds["MISC"]["wrong_type"] == 1
    assert kinds["LOC"]["missed"] == 1 and kinds["LOC"]["spurious"] == 1
    assert kinds["ORG"]["correct"] == 1
    assert data["partial"]["overall"]["exact"]["correct"] == 2


def test_partial_of_another_scheme_reads_the_same_entities(tmp_path: Path) -> None:
    rows = [r.split() for r in OUTPUT.strip().split("\n")]
    gold = convert_tags([r[1] for r in rows], "IOB2", "BILOU")
    pred = convert_tags([r[2] for r in rows], "IOB2", "BILOU")
    path = tmp_path / "bilou.conll"
    lines = [f"{r[0]} {g} {p}" for r, g, p in zip(rows, gold, pred, strict=True)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for mode in ("conlleval", "strict"):
        result = score_files(path, partial=True, mode=mode)
        assert result.scheme_read == "BILOU"
        expected = partial_report([[r[1] for r in rows]], [[r[2] for r in rows]])
        assert result.partial is not None
        assert result.partial.overall == expected.overall
