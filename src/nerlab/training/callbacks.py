"""Trainer callbacks: per-epoch metrics file and a progress bar with loss and dev score.

Everything a run reports is added through callbacks (transformers' ``TrainerCallback``), not
through flags inside the training loop. Only the main process (rank 0) writes or prints.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
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


def _dev_row(metrics: dict[str, float]) -> dict[str, float]:
    keep = ("f1", "precision", "recall", "accuracy")
    return {f"dev_{k}": metrics[f"eval_{k}"] for k in keep if f"eval_{k}" in metrics}


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


class RichProgressCallback(TrainerCallback):
    """A rich progress bar over all steps showing the running loss and the last dev score."""

    def __init__(self, meter: LossMeter, score_name: str = "f1", console: Console | None = None):
        self.meter = meter
        self.score_name = score_name
        self.console = console or Console(stderr=True)
        self.progress: Progress | None = None
        self.task: Any = None
        self.dev = "-"

    def on_train_begin(
        self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kw: Any
    ) -> None:
        if not state.is_world_process_zero:
            return
        self.progress = Progress(
            TextColumn("[bold]train[/]"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total} steps"),
            TextColumn("{task.fields[status]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=self.console,
            transient=False,
        )
        self.progress.start()
        self.task = self.progress.add_task(
            "train", total=state.max_steps, completed=state.global_step, status=""
        )

    def _status(self, state: TrainerState) -> str:
        loss = self.meter.recent
        return f"epoch {state.epoch or 0:.2f} loss {loss:.4f} dev {self.score_name} {self.dev}"

    def on_step_end(
        self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kw: Any
    ) -> None:
        if self.progress is not None:
            self.progress.update(self.task, completed=state.global_step, status=self._status(state))

    def on_evaluate(
        self,
        args: TrainingArguments,
        state: TrainerState,
        control: TrainerControl,
        metrics: dict[str, float] | None = None,
        **kw: Any,
    ) -> None:
        value = (metrics or {}).get(f"eval_{self.score_name}")
        if value is None or self.progress is None:
            return
        self.dev = f"{value:.4f}"
        self.progress.console.print(
            f"epoch {state.epoch or 0:.2f}: train loss {self.meter.recent:.4f}, "
            f"dev {self.score_name} {value:.4f}"
        )
        self.progress.update(self.task, status=self._status(state))

    def on_train_end(
        self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kw: Any
    ) -> None:
        self.close()

    def close(self) -> None:
        if self.progress is not None:
            self.progress.stop()
            self.progress = None
