"""A thin subclass of ``transformers.Trainer``: dev scored by the task, loss for the callbacks.

The only things changed from the stock Trainer are the two a task needs:

- :meth:`TaskTrainer.evaluation_loop` returns the task's scores of the dev corpus, computed
  by :class:`DevScorer` through the same :class:`~nerlab.inference.Predictor` that
  ``nerlab evaluate`` loads (windows for long sentences, word-level scores), so early stopping
  and the best checkpoint follow the score users see, not the sub-token loss. As in
  sentence-transformers, the stock ``evaluate`` around it does the logging, the callbacks and
  the best-metric bookkeeping.
- :meth:`TaskTrainer.training_step` feeds the loss of each step to a :class:`LossMeter` that
  the callbacks read.
- :meth:`TaskTrainer.create_optimizer` gives a CRF head's scores (``--head crf``) their own
  parameter group with a larger learning rate, and
  :meth:`TaskTrainer.get_decay_parameter_names` keeps the trained rows of the word embeddings
  (:mod:`nerlab.training.embeddings`) out of weight decay.

Everything else (AdamW, linear warm-up/decay, length-grouped sampling, mixed precision,
gradient accumulation, checkpoints, resuming, DDP) is the stock Trainer's.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from transformers import Trainer
from transformers.trainer_utils import EvalLoopOutput

from nerlab.tasks import Evaluation
from nerlab.training.callbacks import LossMeter, TimingCallback


@dataclass
class DevScorer:
    """Scores a model in training on the dev corpus.

    Attributes:
        score: the model -> its dev evaluation (:func:`nerlab.training.state.score`: the task's
            evaluator through the Predictor ``nerlab evaluate`` uses).
        samples: the number of dev sentences (reported as the evaluation's sample count).
    """

    score: Callable[[torch.nn.Module], Evaluation]
    samples: int


class TaskTrainer(Trainer):
    """``transformers.Trainer`` with the task's dev evaluation and a loss meter.

    Args:
        *args: passed to ``Trainer``.
        dev_scorer: scores the model on dev; ``None`` keeps the Trainer's own evaluation.
        meter: receives the training loss of every step.
        timing: measures the seconds spent writing checkpoints.
        **kwargs: passed to ``Trainer``.
    """

    def __init__(
        self,
        *args: Any,
        dev_scorer: DevScorer | None = None,
        meter: LossMeter | None = None,
        timing: TimingCallback | None = None,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.dev_scorer = dev_scorer
        self.meter = meter or LossMeter()
        self.timing = timing or TimingCallback()
        self.eval_seconds = 0.0
        self.samples_seen = 0  # training windows this process stepped through in this session
        self.last_dev: Evaluation | None = None

    def training_step(
        self, model: torch.nn.Module, inputs: dict[str, Any], num_items_in_batch: Any = None
    ) -> torch.Tensor:
        self.samples_seen += int(inputs["input_ids"].shape[0])
        loss = super().training_step(model, inputs, num_items_in_batch)
        self.meter.add(float(loss) * self.current_gradient_accumulation_steps)
        return loss

    def get_decay_parameter_names(self, model: torch.nn.Module) -> list[str]:
        """The stock names, less the ``delta`` of a :class:`UsedRowsEmbedding` (decay would
        pull its rows towards their pretrained values, not towards zero)."""
        from nerlab.training.embeddings import used_rows_parameters

        rows = used_rows_parameters(model)
        params = dict(model.named_parameters())
        names = super().get_decay_parameter_names(model)
        return [n for n in names if id(params.get(n)) not in rows]

    def create_optimizer(self, model: Any = None) -> Any:
        """The stock AdamW, with a CRF head's scores in a group of their own at
        :data:`~nerlab.tasks.token_classification.crf.CRF_LR_FACTOR` times the learning rate
        and no weight decay."""
        from nerlab.tasks.token_classification.crf import CRF_LR_FACTOR, crf_of

        made_now = self.optimizer is None  # else the stock method returns it as it is
        optimizer = super().create_optimizer(model)
        crf = crf_of(self.model if model is None else model)
        if crf is None or not made_now:
            return optimizer
        own = {id(p) for p in crf.parameters()}
        for group in optimizer.param_groups:
            group["params"] = [p for p in group["params"] if id(p) not in own]
        optimizer.add_param_group(
            {
                "params": list(crf.parameters()),
                "lr": self.args.learning_rate * CRF_LR_FACTOR,
                "weight_decay": 0.0,
            }
        )
        return optimizer

    def evaluation_loop(
        self,
        dataloader: Any,
        description: str,
        prediction_loss_only: bool | None = None,
        ignore_keys: list[str] | None = None,
        metric_key_prefix: str = "eval",
    ) -> EvalLoopOutput:
        if self.dev_scorer is None:
            return super().evaluation_loop(
                dataloader, description, prediction_loss_only, ignore_keys, metric_key_prefix
            )
        start = time.perf_counter()
        was_training = self.model.training
        result = self.dev_scorer.score(self.model)
        self.model.train(was_training)
        self.eval_seconds += time.perf_counter() - start
        self.last_dev = result
        metrics = {f"{metric_key_prefix}_{k}": v for k, v in result.metrics().items()}
        return EvalLoopOutput(
            predictions=None,
            label_ids=None,
            metrics=metrics,
            num_samples=self.dev_scorer.samples,
        )
