"""Progress shown by the CLI: a rich bar over training steps (a trainer callback).

The library prints nothing; ``nerlab train`` passes this callback to :func:`nerlab.train`.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from transformers import TrainerCallback, TrainerControl, TrainerState, TrainingArguments


class TrainProgress(TrainerCallback):
    """A rich progress bar over all steps with the last epoch's loss and dev score."""

    def __init__(self, console: Console | None = None):
        self.console = console or Console(stderr=True)
        self.score_name = ""
        self.loss = float("nan")
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
        dev = f" dev {self.score_name} {self.dev}" if self.score_name else ""
        return f"epoch {state.epoch or 0:.2f} loss {self.loss:.4f}{dev}"

    def on_step_end(
        self, args: TrainingArguments, state: TrainerState, control: TrainerControl, **kw: Any
    ) -> None:
        if self.progress is not None:
            self.progress.update(self.task, completed=state.global_step, status=self._status(state))

    def on_log(
        self,
        args: TrainingArguments,
        state: TrainerState,
        control: TrainerControl,
        logs: dict[str, float] | None = None,
        **kw: Any,
    ) -> None:
        """The Trainer logs the mean training loss at the end of each epoch."""
        if logs and "loss" in logs:
            self.loss = float(logs["loss"])

    def on_evaluate(
        self,
        args: TrainingArguments,
        state: TrainerState,
        control: TrainerControl,
        metrics: dict[str, float] | None = None,
        **kw: Any,
    ) -> None:
        self.score_name = (args.metric_for_best_model or "").removeprefix("eval_")
        value = (metrics or {}).get(f"eval_{self.score_name}")
        if value is None or self.progress is None:
            return
        self.dev = f"{value:.4f}"
        self.progress.console.print(
            f"epoch {state.epoch or 0:.2f}: train loss {self.loss:.4f}, "
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
