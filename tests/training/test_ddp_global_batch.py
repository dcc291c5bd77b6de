"""The global batch, not the world size, decides training: 2 processes x batch 8 follow the
loss curve of 1 process x batch 16 (docs/scaling.md), while 1 process x batch 8 does not."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from _ddp_loss_worker import run as run_worker
from _train_helpers import demo_sentences, torchrun_reports, write_conll

EPOCHS = 4
TRAIN_SENTENCES = 96  # 6 steps per epoch at a global batch of 16: 24 steps in all


def no_dropout_copy(encoder: Path, out: Path) -> Path:
    """The tiny encoder with dropout off: each process would draw other dropout masks, noise
    that has nothing to do with the batch arithmetic under test."""
    import shutil

    shutil.copytree(encoder, out)
    config = json.loads((out / "config.json").read_text())
    config |= {"hidden_dropout_prob": 0.0, "attention_probs_dropout_prob": 0.0}
    config["classifier_dropout"] = 0.0
    (out / "config.json").write_text(json.dumps(config))
    return out


@pytest.mark.slow
def test_two_processes_of_8_train_like_one_of_16(tmp_path: Path, tiny_encoder_dir: Path):
    model = str(no_dropout_copy(tiny_encoder_dir, tmp_path / "encoder"))
    train_file = str(
        write_conll(tmp_path / "train.conll", demo_sentences("train", TRAIN_SENTENCES))
    )
    dev_file = str(write_conll(tmp_path / "dev.conll", demo_sentences("dev", 12)))

    args = [model, train_file, dev_file, str(tmp_path / "ddp"), "8", str(EPOCHS)]
    reports = torchrun_reports("_ddp_loss_worker.py", args, timeout=900)
    ddp = min(reports, key=lambda r: r["rank"])
    one_16 = run_worker(model, train_file, dev_file, str(tmp_path / "one16"), 16, EPOCHS)
    one_8 = run_worker(model, train_file, dev_file, str(tmp_path / "one8"), 8, EPOCHS)

    assert ddp["world"] == 2 and one_16["world"] == one_8["world"] == 1
    assert ddp["steps"] == one_16["steps"] == EPOCHS * TRAIN_SENTENCES // 16
    assert one_8["steps"] == 2 * one_16["steps"]
    assert len(ddp["losses"]) == len(one_16["losses"]) == len(one_8["losses"]) == EPOCHS
    # Relative gaps between the per-epoch losses. With dropout off and the same examples in
    # each step (one shuffled order, shared by the processes; each takes half of every global
    # batch), 2 x 8 and 1 x 16 differ only in how the loss is averaged (each process averages
    # over its own labelled sub-tokens, then DDP averages the two means, where one process
    # averages over all of the batch's) and in float summation order: measured 2e-4 here.
    # 1% leaves room for other thread counts and BLAS builds; a run with another global batch
    # (1 x 8: twice the steps) is 10-20% away, so the bound does tell the two cases apart.
    same = [abs(a - b) / b for a, b in zip(ddp["losses"], one_16["losses"], strict=True)]
    naive = [abs(a - b) / b for a, b in zip(one_8["losses"], one_16["losses"], strict=True)]
    curves = {"2x8": ddp["losses"], "1x16": one_16["losses"], "1x8": one_8["losses"]}
    assert max(same) < 0.01, curves
    assert min(naive) > 5 * max(same) and max(naive) > 0.05, curves
