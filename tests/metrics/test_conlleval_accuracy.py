"""`nerlab score` agrees with the conlleval script (the PyPI ``conlleval`` port) on random files.

Token accuracy and micro F1 of ``nerlab score FILE --json`` must equal the script's on files in
IOB1, IOB2 and IOBES, with the ill-formed sequences real systems write: ``I-`` after ``O``, a
type change inside an entity, ``E-``/``S-`` in odd places, gold and predictions independent.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import conlleval
import pytest

from nerlab.cli.main import run_cli

TYPES = ("PER", "LOC", "ORG", "MISC")
PREFIXES = {"IOB1": ("B", "I"), "IOB2": ("B", "I"), "IOBES": ("B", "I", "E", "S")}
WORDS = ("Ana", "visited", "Paris", ".", "EU", "rejects", "x", "-", "--", "B-PER", "O", "é")
CASES = 240


def _entity_tags(rng: random.Random, scheme: str) -> list[str]:
    """Tags of one entity, well formed in ``scheme`` (IOB1 starts with I- unless after one)."""
    kind = rng.choice(TYPES)
    n = rng.randint(1, 4)
    if scheme == "IOB1":
        return [f"I-{kind}"] * n
    if scheme == "IOB2":
        return [f"B-{kind}"] + [f"I-{kind}"] * (n - 1)
    if n == 1:
        return [f"S-{kind}"]
    return [f"B-{kind}"] + [f"I-{kind}"] * (n - 2) + [f"E-{kind}"]


def _noisy_tag(rng: random.Random, scheme: str) -> str:
    """Any tag the scheme's prefixes can write, ill-formed in context or not."""
    if rng.random() < 0.35:
        return "O"
    return f"{rng.choice(PREFIXES[scheme])}-{rng.choice(TYPES)}"


def _sentence_tags(rng: random.Random, scheme: str, n: int) -> list[str]:
    """``n`` tags: well-formed entities and O's, with about a quarter replaced by noise."""
    tags: list[str] = []
    while len(tags) < n:
        tags += ["O"] * rng.randint(0, 3) if rng.random() < 0.5 else _entity_tags(rng, scheme)
    tags = tags[:n]
    return [_noisy_tag(rng, scheme) if rng.random() < 0.25 else t for t in tags]


def _random_file(rng: random.Random, scheme: str) -> list[str]:
    """Lines of a conlleval-style file (word POS gold pred), sentences separated by a blank."""
    lines: list[str] = []
    for k in range(rng.randint(1, 6)):
        if k:
            lines.append("")
        n = rng.randint(1, 12)
        gold = _sentence_tags(rng, scheme, n)
        if rng.random() < 0.5:  # a copy of gold with a few changes, else independent
            pred = [_noisy_tag(rng, scheme) if rng.random() < 0.3 else t for t in gold]
        else:
            pred = _sentence_tags(rng, scheme, n)
        lines += [f"{rng.choice(WORDS)} NN {g} {p}" for g, p in zip(gold, pred, strict=True)]
    return lines


@pytest.mark.parametrize("scheme", sorted(PREFIXES))
def test_score_accuracy_and_f1_equal_conlleval(
    scheme: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rng = random.Random(f"conlleval-{scheme}")
    path = tmp_path / "out.conll"
    for case in range(CASES // len(PREFIXES) + 1):
        lines = _random_file(rng, scheme)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        code = run_cli(["score", str(path), "--json", "--scheme", scheme])
        out, err = capsys.readouterr()
        assert code == 0, (case, err, lines)
        ours = json.loads(out)
        ref = conlleval.evaluate(lines)["overall"]
        # The package's tag counts are over the words as written: its recall is the accuracy.
        assert ref["tags"]["stats"]["gold"] == ours["words"]
        assert ours["accuracy"] == pytest.approx(ref["tags"]["evals"]["rec"], abs=1e-9), lines
        chunks = ref["chunks"]
        assert (ours["micro"]["support"], ours["micro"]["predicted"]) == (
            chunks["stats"]["gold"],
            chunks["stats"]["pred"],
        ), lines
        assert ours["micro"]["correct"] == chunks["stats"]["correct"], lines
        assert ours["micro"]["f1"] == pytest.approx(chunks["evals"]["f1"], abs=1e-9), lines


def test_score_auto_scheme_equals_conlleval(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without --scheme the scheme is detected; the scores still equal the script's."""
    rng = random.Random("conlleval-auto")
    path = tmp_path / "out.conll"
    for case in range(60):
        lines = _random_file(rng, rng.choice(sorted(PREFIXES)))
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        code = run_cli(["score", str(path), "--json"])
        out, err = capsys.readouterr()
        assert code == 0, (case, err, lines)
        ours = json.loads(out)
        ref = conlleval.evaluate(lines)["overall"]
        assert ours["accuracy"] == pytest.approx(ref["tags"]["evals"]["rec"], abs=1e-9), lines
        assert ours["micro"]["f1"] == pytest.approx(ref["chunks"]["evals"]["f1"], abs=1e-9), lines
