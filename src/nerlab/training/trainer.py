"""A thin subclass of ``transformers.Trainer``: dev scores at word level, loss for the callbacks.

The only things changed from the stock Trainer are the two that NER needs:

- :meth:`NerTrainer.evaluate` scores the dev corpus with the same word-level code as
  ``nerlab evaluate`` (:func:`nerlab.evaluate.evaluate.evaluate_tagger`: windows for long
  sentences, first sub-token of each word, entity F1 in conlleval mode), so early stopping and
  the best checkpoint follow the score users see, not the sub-token loss.
- :meth:`NerTrainer.training_step` feeds the loss of each step to a :class:`LossMeter` that
  the progress bar and ``metrics.jsonl`` read.

Everything else (AdamW, linear warm-up/decay, length-grouped sampling, mixed precision,
gradient accumulation, checkpoints, resuming, DDP) is the stock Trainer's.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import torch
from transformers import Trainer

from nerlab.evaluate.evaluate import Evaluation
from nerlab.training.callbacks import LossMeter

DevScorer = Callable[[torch.nn.Module], Evaluation]
"""Scores a model on the dev corpus (word level)."""


def dev_metrics(result: Evaluation) -> dict[str, float]:
    """The numbers logged after a dev evaluation (conlleval-mode micro scores, accuracy)."""
    metrics = {"accuracy": result.accuracy}
    if result.entity is not None:
        micro = result.entity["conlleval"].micro
        metrics |= {"f1": micro.f1, "precision": micro.precision, "recall": micro.recall}
    return metrics


class NerTrainer(Trainer):
    """``transformers.Trainer`` with word-level dev evaluation and a loss meter.

    Args:
        *args: passed to ``Trainer``.
        dev_scorer: scores the model on dev; ``None`` falls back to the Trainer's evaluation.
        meter: receives the training loss of every step.
        **kwargs: passed to ``Trainer``.
    """

    def __init__(
        self,
        *args: Any,
        dev_scorer: DevScorer | None = None,
        meter: LossMeter | None = None,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.dev_scorer = dev_scorer
        self.meter = meter or LossMeter()
        self.eval_seconds = 0.0
        self.save_seconds = 0.0
        self.samples_seen = 0  # training windows this process stepped through in this session
        self.last_dev: Evaluation | None = None

    def training_step(
        self, model: torch.nn.Module, inputs: dict[str, Any], num_items_in_batch: Any = None
    ) -> torch.Tensor:
        self.samples_seen += int(inputs["input_ids"].shape[0])
        loss = super().training_step(model, inputs, num_items_in_batch)
        self.meter.add(float(loss) * self.current_gradient_accumulation_steps)
        return loss

    def _save_checkpoint(self, model: Any, trial: Any) -> None:
        # Timed so that the reported training throughput leaves checkpoint writing out.
        start = time.perf_counter()
        super()._save_checkpoint(model, trial)
        self.save_seconds += time.perf_counter() - start

    def evaluate(
        self,
        eval_dataset: Any = None,
        ignore_keys: list[str] | None = None,
        metric_key_prefix: str = "eval",
    ) -> dict[str, float]:
        if self.dev_scorer is None:
            return super().evaluate(eval_dataset, ignore_keys, metric_key_prefix)
        start = time.perf_counter()
        was_training = self.model.training
        result = self.dev_scorer(self.model)
        self.model.train(was_training)
        seconds = time.perf_counter() - start
        self.eval_seconds += seconds
        self.last_dev = result
        metrics = {f"{metric_key_prefix}_{k}": v for k, v in dev_metrics(result).items()}
        metrics[f"{metric_key_prefix}_runtime"] = round(seconds, 3)
        self.log(metrics)
        self.control = self.callback_handler.on_evaluate(
            self.args, self.state, self.control, metrics
        )
        return metrics
