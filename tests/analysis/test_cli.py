"""`nerlab analyze` and `nerlab probe` from the command line: tables, files, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nerlab.cli.main import run_cli


def test_analyze_prints_tables_and_writes_the_report(trained_dir, files, tmp_path, capsys) -> None:
    out = tmp_path / "analysis"
    args = ["analyze", str(trained_dir), str(files["data"]), "--report", str(out), "--top", "4"]
    assert run_cli([*args, "--precision", "fp32"]) == 0
    text = capsys.readouterr().out
    for title in (
        "entity scores, conlleval mode",
        "partial-match scores",
        "error kinds per type",
        "F1 per bucket: entity in TRAIN",
        "loss per gold label",
        "loss per word form",
    ):
        assert title in text, title
    assert "(4 of the highest-loss sentences shown" in text
    assert (out / "report.html").is_file() and (out / "analysis.json").is_file()


def test_analyze_json(trained_dir, files, capsys) -> None:
    args = ["analyze", str(trained_dir), str(files["test"]), "--json", "--top", "2"]
    assert run_cli([*args, "--precision", "fp32"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data["loss"]["highest_sentences"]) == 2
    assert set(data["partial"]["overall"]) == {"strict", "exact", "partial", "type"}


def test_analyze_bad_input_exits_2_with_the_label_named(tagger_dir, files, capsys) -> None:
    assert run_cli(["analyze", str(tagger_dir), str(files["other"])]) == 2
    err = capsys.readouterr().err
    assert "person" in err and "--map" in err and "Traceback" not in err
    args = [
        "analyze",
        str(tagger_dir),
        str(files["other"]),
        "--map",
        "person=PER",
        "--map",
        "location=LOC",
        "--train",
        str(files["train_iob1"]),
    ]
    assert run_cli(args) == 0
    out = capsys.readouterr().out
    assert "note:" in out and "IOB1" in out and "person->PER" in out


def test_probe_cli(trained_dir, files, tmp_path, capsys) -> None:
    out = tmp_path / "probes"
    args = [
        "probe",
        str(trained_dir),
        str(files["test"]),
        "--probe",
        "casing,gazetteer",
        "--report",
        str(out),
        "--precision",
        "fp32",
    ]
    assert run_cli(args) == 0
    text = capsys.readouterr().out
    assert "casing: title" in text and "gazetteer: recall per template" in text
    assert "names missed most" in text
    assert (out / "probes.html").is_file()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--probe", "colour"], "unknown probe 'colour'"),
        (["--probe", "other"], "--probe other needs --other FILE"),
        (["--probe", "gazetteer", "--templates", "EMPTY"], "no templates"),
    ],
)
def test_probe_cli_errors(tagger_dir, files, tmp_path, capsys, extra, message) -> None:
    empty = tmp_path / "empty.tsv"
    empty.write_text("", encoding="utf-8")
    extra = [str(empty) if e == "EMPTY" else e for e in extra]
    assert run_cli(["probe", str(tagger_dir), str(files["test"]), *extra]) == 2
    assert message in capsys.readouterr().err


def test_help_lists_the_commands(capsys) -> None:
    assert run_cli(["--help"]) == 0
    out = capsys.readouterr().out
    assert "analyze" in out and "probe" in out
    assert run_cli(["score", "--help"]) == 0
    assert "--partial" in capsys.readouterr().out


def test_no_torch_for_help() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from nerlab.cli.main import run_cli; run_cli(['analyze', '--help']); "
        "run_cli(['probe', '--help']); print('torch' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=Path(__file__).parent,
        check=True,
    )
    assert done.stdout.strip().endswith("False")
