"""Trainer callbacks: the per-epoch metrics file and the checkpoint timer.

Everything a run reports is added through callbacks (transformers' ``TrainerCallback``), not
through flags inside the training loop; the CLI adds its progress bar the same way
(:mod:`nerlab.cli._progress`). Only the main process (rank 0) writes.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from transformers import TrainerCallback, TrainerControl, TrainerState, TrainingArguments


class LossMeter:
    """Running training loss, fed by the trainer on every step and read by the callbacks."""

    def __init__(self) -> None:
        self.total = 0.0
        self.count = 0
        self.recent = float("nan")

    def add(self, value: float) -> None:
        self.total += value
        self.count += 1
        # A smoothed loss for display; the per-epoch mean comes from take().
        self.recent = value if self.recent != self.recent else 0.95 * self.recent + 0.05 * value

    def take(self) -> float | None:
        """The mean loss since the last call (``None`` if no step ran), then reset."""
        if not self.count:
            return None
        mean = self.total / self.count
        self.total, self.count = 0.0, 0
        return mean


# What the stock Trainer adds to an evaluation's metrics (not scores of the task).
_TRAINER_KEYS = ("loss", "runtime", "samples_per_second", "steps_per_second", "epoch")


def _dev_row(metrics: dict[str, float]) -> dict[str, float]:
    """The task's dev scores (its evaluation's ``metrics()``), each as ``dev_<name>``."""
    first = ("f1", "precision", "recall", "accuracy")  # the tagger's, in their usual order
    names = [k[5:] for k in metrics if k.startswith("eval_") and k[5:] not in _TRAINER_KEYS]
    names = [k for k in first if k in names] + [k for k in names if k not in first]
    return {f"dev_{k}": metrics[f"eval_{k}"] for k in names}


class MetricsFileCallback(TrainerCallback):
    """Append one JSON row per epoch to ``metrics.jsonl``: loss, dev scores, learning rate."""

    def __init__(self, path: str | Path, meter: LossMeter, has_dev: bool):
        self.path = Path(path)
        self.meter = meter
        self.has_dev = has_dev
        self.started = time.time()

    def _write(self, state: TrainerState, extra: dict[str, Any], lr: float | None) -> None:
        loss = self.meter.take()
        row = {
            "epoch": round(state.epoch or 0.0, 4),
            "step": state.global_step,
            "train_loss": loss,
            **extra,
            "learning_rate": lr,
            "seconds": round(time.time() - self.started, 2),
        }
        if state.is_world_process_zero:
            with self.path.open("a", encoding="utf-8") as f:
                f.write(json.dumps(row) + "\n")

    @staticmethod
    def _lr(state: TrainerState) -> float | None:
        for entry in reversed(state.log_history):
            if "learning_rate" in entry:
                return entry["learning_rate"]
        return None

    def on_epoch_end(
        self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kw: Any
    ) -> None:
        if not self.has_dev:
            self._write(state, {}, self._lr(state))

    def on_evaluate(
        self,
        args: TrainingArguments,
        state: TrainerState,
        control: TrainerControl,
        metrics: dict[str, float] | None = None,
        **kw: Any,
    ) -> None:
        self._write(state, _dev_row(metrics or {}), self._lr(state))


class TimingCallback(TrainerCallback):
    """The seconds spent writing checkpoints (left out of the reported training throughput).

    The stock Trainer logs, evaluates, then saves after an epoch; the time from the last of
    those events before a save to ``on_save`` is the save.
    """

    def __init__(self) -> None:
        self.save_seconds = 0.0
        self._mark = time.perf_counter()

    def _now(self, *args: Any, **kw: Any) -> None:
        self._mark = time.perf_counter()

    on_step_end = on_epoch_end = on_log = on_evaluate = _now

    def on_save(
        self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kw: Any
    ) -> None:
        self.save_seconds += time.perf_counter() - self._mark
        self._mark = time.perf_counter()
