"""Run by test_ddp_global_batch.py, under torchrun or alone: train, print the per-epoch losses.

Usage: python -m torch.distributed.run --nproc_per_node 2 _ddp_loss_worker.py MODEL TRAIN DEV
OUT BATCH EPOCHS (or plain python with the same arguments: one process).
"""

from __future__ import annotations

import sys
from typing import Any

from _train_helpers import print_report, rank_report
from transformers import TrainerCallback

from nerlab.training import train

# Shared by the worker and the in-process runs of the test, so both train alike.
OPTIONS: dict[str, Any] = {
    "learning_rate": 2e-3,
    "warmup_ratio": 0.0,
    "precision": "fp32",
    "group_by_length": False,  # the length-grouped sampler's mega-batches scale with the batch
    "patience": 0,  # every run trains all its epochs
}


class EpochLosses(TrainerCallback):
    """The training loss the Trainer logs at each epoch's end (the mean over all processes)."""

    def __init__(self) -> None:
        self.losses: list[float] = []

    def on_log(self, args: Any, state: Any, control: Any, logs: Any = None, **kw: Any) -> None:
        if logs and "loss" in logs:
            self.losses.append(float(logs["loss"]))


def run(model: str, train_file: str, dev_file: str, out: str, batch: int, epochs: int) -> Any:
    """Train; the per-epoch losses and the number of optimisation steps."""
    meter = EpochLosses()
    result = train(
        model=model,
        train=train_file,
        dev=dev_file,
        output=out,
        epochs=epochs,
        batch_size=batch,
        callbacks=[meter],
        **OPTIONS,
    )
    return {**rank_report(result), "losses": meter.losses}


def main() -> None:
    model, train_file, dev_file, out, batch, epochs = sys.argv[1:7]
    report = run(model, train_file, dev_file, out, int(batch), int(epochs))
    print_report(report)


if __name__ == "__main__":
    main()
