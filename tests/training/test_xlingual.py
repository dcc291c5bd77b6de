"""``nerlab xlingual`` end to end on the tiny random BERT and small synthetic PAN-X files:
every strategy, the outputs, resuming cell by cell, and the output folder's rules."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from _xlingual_helpers import XL_TRAINING, panx_folder, xl_config

from nerlab.cli.main import run_cli
from nerlab.data.io import load_corpus
from nerlab.errors import ConfigError
from nerlab.training.xlingual import XlingualConfig, run_xlingual

PNG = b"\x89PNG\r\n\x1a\n"


def sentences(path: Path) -> int:
    return len(load_corpus(path))


def test_zero_shot_cli_writes_the_matrix(tmp_path, xl_data, tiny_encoder_dir, capsys):
    out = tmp_path / "xl"
    argv = ["xlingual", "zero-shot", "--source", "de", "--langs", "de,fr", "-o", str(out)]
    argv += ["--data-dir", str(xl_data), "--model", str(tiny_encoder_dir), "--epochs", "0.5"]
    argv += ["--batch-size", "32", "--lr", "0.002", "--warmup-ratio", "0", "--precision", "fp32"]
    assert run_cli(argv) == 0
    printed = capsys.readouterr().out
    assert "trained on" in printed and "PAN-X's test files carry no labels" in printed

    matrix = json.loads((out / "matrix.json").read_text())
    assert matrix["rows"] == ["de"] and matrix["columns"] == ["de", "fr"]
    assert matrix["complete"] is True and matrix["strategy"] == "zero-shot"
    assert "dev files serve as the test set" in matrix["test_set"]
    scores = json.loads((out / "cells/de/scores.json").read_text())
    assert matrix["values"] == [[scores["test"]["de"]["score"], scores["test"]["fr"]["score"]]]
    assert all(0.0 <= v <= 1.0 for v in matrix["values"][0])
    assert scores["test"]["fr"]["sentences"] == 40
    with (out / "matrix.csv").open() as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["trained_on", "de", "fr"]
    assert rows[1][0] == "de" and [float(v) for v in rows[1][1:]] == matrix["values"][0]
    assert (out / "heatmap.png").read_bytes().startswith(PNG)
    assert not (out / "curve.png").exists()

    # The cell's data: a seeded tenth of de's 200 sentences held out as dev, the rest trained.
    assert sentences(out / "cells/de/data/train.conll") == 180
    assert sentences(out / "cells/de/data/dev.conll") == 20
    model = out / "cells/de/model"
    assert (model / "nerlab_config.json").is_file() and (model / "README.md").is_file()
    assert not list(model.glob("*.safetensors")), "weights are deleted once the cell is scored"
    assert not (model / "tokenizer.json").exists()
    record = json.loads((out / "xlingual.json").read_text())
    assert record["sentences"]["de"] == {"train_file": 200, "train": 180, "dev": 20, "test": 40}


def test_context_on_data_without_documents_is_said(tmp_path, xl_data, tiny_encoder_dir, capsys):
    """PAN-X has no documents: a cell trained with --context trains without it, and the run
    says so in the terminal and in the cell's scores.json (what `nerlab train` says)."""
    out = tmp_path / "xl"
    argv = ["xlingual", "zero-shot", "--langs", "de,fr", "-o", str(out), "--context", "16"]
    argv += ["--data-dir", str(xl_data), "--model", str(tiny_encoder_dir), "--epochs", "0.5"]
    argv += ["--batch-size", "32", "--lr", "0.002", "--warmup-ratio", "0", "--precision", "fp32"]
    assert run_cli(argv) == 0
    printed = " ".join(capsys.readouterr().out.split())
    assert "note: cell de: --context 16 asked, but the training data" in printed
    assert "has no documents" in printed
    notes = json.loads((out / "cells/de/scores.json").read_text())["notes"]
    assert len(notes) == 1 and "trained without document context" in notes[0]


def test_each_resumes_at_the_next_cell(tmp_path, xl_data, tiny_encoder_dir, train_calls):
    out = tmp_path / "xl"
    first = run_xlingual(xl_config("each", out, xl_data, tiny_encoder_dir, max_new_cells=1))
    assert (first.trained, first.pending) == (["de"], ["fr"])
    assert len(train_calls) == 1
    assert first.matrix.values[1] == [None, None] and not first.matrix.complete
    partial = json.loads((out / "matrix.json").read_text())
    assert partial["complete"] is False and partial["values"][1] == [None, None]
    done_at = (out / "cells/de/scores.json").stat().st_mtime_ns

    second = run_xlingual(xl_config("each", out, xl_data, tiny_encoder_dir))
    assert (second.reused, second.trained, second.pending) == (["de"], ["fr"], [])
    assert [Path(c).parent.name for c in train_calls] == ["de", "fr"]
    assert (out / "cells/de/scores.json").stat().st_mtime_ns == done_at
    assert second.matrix.complete and second.matrix.values[0] == first.matrix.values[0]
    assert sentences(out / "cells/fr/data/train.conll") == 180

    third = run_xlingual(xl_config("each", out, xl_data, tiny_encoder_dir))
    assert third.trained == [] and len(train_calls) == 2, "a finished cell is never retrained"

    # Other options in the same folder: refused, naming the difference.
    other = xl_config("each", out, xl_data, tiny_encoder_dir, training={"epochs": 1.0})
    with pytest.raises(ConfigError, match=r"training\.epochs: 0\.5 -> 1\.0"):
        run_xlingual(other)
    with pytest.raises(ConfigError, match="strategy: 'each' -> 'all'"):
        run_xlingual(xl_config("all", out, xl_data, tiny_encoder_dir))
    assert len(train_calls) == 2


def test_a_cell_interrupted_after_training_is_scored_not_retrained(
    tmp_path, xl_data, tiny_encoder_dir, train_calls
):
    out = tmp_path / "xl"

    def interrupt(status: Any) -> None:
        if status.state == "scoring":
            raise KeyboardInterrupt

    cfg = xl_config("zero-shot", out, xl_data, tiny_encoder_dir)
    with pytest.raises(KeyboardInterrupt):
        run_xlingual(cfg, progress=interrupt)
    assert len(train_calls) == 1 and not (out / "cells/de/scores.json").exists()
    assert list((out / "cells/de/model").glob("*.safetensors")), "the model was saved"

    result = run_xlingual(cfg)
    assert result.trained == ["de"] and len(train_calls) == 1, "scored from the saved model"
    assert (out / "cells/de/scores.json").is_file()

    # --overwrite removes nerlab's files only: a file of the user's stops it.
    (out / "cells/de/notes.txt").write_text("mine")
    again = xl_config("zero-shot", out, xl_data, tiny_encoder_dir, overwrite=True, max_new_cells=1)
    with pytest.raises(ConfigError, match=r"cells/de/notes\.txt"):
        run_xlingual(again)
    assert (out / "cells/de/scores.json").is_file(), "nothing was removed"


def test_overwrite_starts_again(tmp_path, xl_data, tiny_encoder_dir, train_calls):
    out = tmp_path / "xl"
    run_xlingual(xl_config("zero-shot", out, xl_data, tiny_encoder_dir, keep_models=True))
    assert list((out / "cells/de/model").glob("*.safetensors")), "--keep-models keeps weights"
    cfg = xl_config("zero-shot", out, xl_data, tiny_encoder_dir, source="fr", overwrite=True)
    result = run_xlingual(cfg)
    assert result.trained == ["fr"] and len(train_calls) == 2
    assert sorted(p.name for p in (out / "cells").iterdir()) == ["fr"], "the old cell is gone"


def test_all_trains_one_model_on_every_language(tmp_path, xl_data, tiny_encoder_dir):
    out = tmp_path / "xl"
    result = run_xlingual(xl_config("all", out, xl_data, tiny_encoder_dir))
    assert result.matrix.rows == ["all"] and result.matrix.complete
    assert sentences(out / "cells/all/data/train.conll") == 360
    assert sentences(out / "cells/all/data/dev.conll") == 40
    cells = json.loads((out / "matrix.json").read_text())["cells"]
    assert cells["all"]["train"] == {"de": 180, "fr": 180}


def test_a_preset_run_records_the_presets_model(tmp_path, xl_data):
    """With --preset the training options hold no model (the preset picks it): the matrix
    still names the encoder that was trained. The fast preset's MiniLM, a few steps."""
    out = tmp_path / "xl"
    cfg = XlingualConfig(
        "zero-shot", str(out), langs=("de", "fr"), data_dir=str(xl_data),
        training={**XL_TRAINING, "preset": "fast"}, train_limit_per_lang=64,
    )  # fmt: skip
    assert "model" not in cfg.training
    result = run_xlingual(cfg)
    assert result.matrix.complete
    assert json.loads((out / "matrix.json").read_text())["model"] == "minilm-l6"


def test_mix_downsamples_to_the_shares(tmp_path, xl_data, tiny_encoder_dir):
    out = tmp_path / "xl"
    cfg = xl_config("mix", out, xl_data, tiny_encoder_dir, mix={"de": 0.75, "fr": 0.25}, total=100)
    result = run_xlingual(cfg)
    info = json.loads((out / "matrix.json").read_text())
    assert info["cells"]["mix"]["train"] == {"de": 75, "fr": 25}
    assert info["shares"] == {"de": 0.75, "fr": 0.25}
    assert result.matrix.rows == ["mix"]
    train = load_corpus(out / "cells/mix/data/train.conll")
    de_words = {"Berlin", "Bern", "Zürich", "Hamburg", "Anna", "Müller", "Hans", "Weber"}
    de_words |= {"Siemens", "Bayer", "Bundesbank", "der", "die", "und", "wohnt", "arbeitet"}
    de_words |= {"bei", "nach", "aus"}
    n_de = sum(1 for s in train if set(s.words) & de_words)
    assert (len(train), n_de) == (100, 75)
    # The dev set keeps the same shares of the largest dev carve-out (20).
    assert info["cells"]["mix"]["dev"] == {"de": 15, "fr": 5}


def test_sizes_draws_the_curve_next_to_zero_shot(tmp_path, xl_data, tiny_encoder_dir):
    out = tmp_path / "xl"
    cfg = xl_config("sizes", out, xl_data, tiny_encoder_dir, sizes=(60, 20), target="fr")
    result = run_xlingual(cfg)
    assert result.matrix.rows == ["de", "fr-20", "fr-60"]
    curve = json.loads((out / "matrix.json").read_text())["curve"]
    assert (curve["source"], curve["target"]) == ("de", "fr")
    assert curve["zero_shot"] == result.matrix.get("de", "fr")
    assert [p["sentences"] for p in curve["points"]] == [20, 60]
    assert [p["score"] for p in curve["points"]] == [
        result.matrix.get("fr-20", "fr"),
        result.matrix.get("fr-60", "fr"),
    ]
    assert (out / "curve.png").read_bytes().startswith(PNG)
    assert sentences(out / "cells/fr-20/data/train.conll") == 20


def test_labels_that_differ_between_languages(tmp_path, tiny_encoder_dir):
    data = panx_folder(tmp_path / "data", langs=("de", "fr"), types={"de": ("PER", "LOC")})
    out = tmp_path / "xl"
    result = run_xlingual(xl_config("zero-shot", out, data, tiny_encoder_dir))
    notes = " ".join(result.notes)
    assert "de train lacks B-ORG, I-ORG; test lacks B-ORG, I-ORG" in notes
    labels = json.loads((out / "matrix.json").read_text())["labels"]
    assert "B-ORG" in labels["union"]
    assert labels["absent"] == {"de": {"train": ["B-ORG", "I-ORG"], "test": ["B-ORG", "I-ORG"]}}
    scores = json.loads((out / "cells/de/scores.json").read_text())
    assert scores["test"]["fr"]["labels_unknown_to_model"] == ["B-ORG", "I-ORG"]
    assert "B-ORG" not in scores["model_labels"]


def test_under_torchrun_rank_zero_writes_once(tmp_path, xl_data, tiny_encoder_dir):
    """Two CPU processes (gloo): both train and score the cell, rank 0 alone writes."""
    out = tmp_path / "xl"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "HF_HUB_OFFLINE": "1"}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--standalone"]
    cmd += ["-m", "nerlab", "xlingual", "zero-shot", "--langs", "de,fr", "-o", str(out)]
    cmd += ["--data-dir", str(xl_data), "--model", str(tiny_encoder_dir), "--epochs", "0.5"]
    cmd += ["--batch-size", "16", "--lr", "0.002", "--precision", "fp32"]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert proc.stdout.count("cell(s) trained") == 1, "one summary, printed by rank 0"
    scores = json.loads((out / "cells/de/scores.json").read_text())
    assert scores["stats"]["world_size"] == 2
    matrix = json.loads((out / "matrix.json").read_text())
    assert matrix["complete"] and matrix["values"][0] == [
        scores["test"]["de"]["score"],
        scores["test"]["fr"]["score"],
    ]
