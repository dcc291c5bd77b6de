"""`nerlab.train` under torchrun with two CPU processes (gloo): ranks agree, one model saved."""

from __future__ import annotations

import json
from pathlib import Path

from _train_helpers import demo_sentences, torchrun_reports, write_conll
from safetensors.torch import load_file


def test_torchrun_two_processes(tmp_path: Path, tiny_encoder_dir: Path):
    train_file = write_conll(tmp_path / "train.conll", demo_sentences("train", 48))
    dev_file = write_conll(tmp_path / "dev.conll", demo_sentences("dev", 12))
    out = tmp_path / "ddp-model"
    args = [str(tiny_encoder_dir), str(train_file), str(dev_file), str(out)]
    reports = torchrun_reports("_ddp_worker.py", args, timeout=600)
    assert sorted(r["rank"] for r in reports) == [0, 1]
    r0, r1 = sorted(reports, key=lambda r: r["rank"])
    assert r0["world"] == r1["world"] == 2
    # 48 sentences, batch 8 per process, 2 processes: 3 optimisation steps.
    assert r0["steps"] == r1["steps"] == 3
    assert r0["weights"] == r1["weights"], "both ranks hold the same weights"
    assert r0["dev_f1"] == r1["dev_f1"] and r0["test_pred"] == r1["test_pred"]

    # One model, written once, equal to what the ranks trained.
    assert sorted(p.name for p in out.glob("*.safetensors")) == ["model.safetensors"]
    assert not (out / "checkpoints").exists()
    rows = (out / "metrics.jsonl").read_text().splitlines()
    assert len(rows) == 1, "one metrics row per epoch, not one per rank"
    saved = load_file(out / "model.safetensors")
    assert saved, "weights were saved"
    info = json.loads((out / "nerlab_config.json").read_text())
    assert info["stats"]["world_size"] == 2
    assert info["scores"]["dev"]["f1"] == r0["dev_f1"]
