"""What a training run holds and returns: its data, the base encoder, the result, and scoring.

Shared by :mod:`nerlab.training.run` (the run) and :mod:`nerlab.training.finish` (its end), so
neither imports the other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from nerlab.config import TrainConfig
from nerlab.models.saved import ModelMeta
from nerlab.tasks import Evaluation, Task
from nerlab.tasks.base import TaskCorpus


@dataclass
class TrainData:
    """The corpora of a run (sentences or texts, as the task reads), its task and where the
    data came from.

    Attributes:
        context: the document context the run trains and scores with, in sub-tokens a side
            (``--context``, or 0 when the training data has no documents).
        context_note: why a ``--context`` asked for is not used (no documents), else ``None``.
    """

    train: TaskCorpus
    dev: TaskCorpus | None
    test: TaskCorpus | None
    task: Task
    source: dict[str, Any]
    context: int = 0
    context_note: str | None = None


@dataclass
class BaseModel:
    """The pretrained encoder a run starts from.

    Attributes:
        name: what the user gave (a built-in name, a folder or a hub id).
        folder: the resolved local folder.
        tokenizer: its fast tokenizer.
        max_length: the window length in sub-tokens (the model's, or ``max_length``).
    """

    name: str
    folder: str
    tokenizer: Any
    max_length: int


@dataclass
class TrainResult:
    """What a finished run returns.

    Attributes:
        output: the model folder.
        labels: label names in id order.
        dev: scores of the final (best) model on dev, if given.
        test: scores on test, if given.
        stats: epochs run, best epoch, seconds, samples per second, precision...
        model: the trained (best) model, in memory, in eval mode.
    """

    output: str
    labels: list[str]
    dev: Evaluation | None
    test: Evaluation | None
    stats: dict[str, Any] = field(default_factory=dict)
    model: Any = field(default=None, repr=False)


#: ``stats`` keys in which a run says how it used what it was asked (``--context`` without
#: documents, a base model's CRF): shown by ``nerlab train`` and each ``xlingual`` cell.
RUN_NOTES = ("context_note", "head_note")


def run_notes(stats: dict[str, Any]) -> list[str]:
    """The notes a run recorded in its ``stats``, in :data:`RUN_NOTES` order."""
    return [stats[key] for key in RUN_NOTES if stats.get(key)]


def model_meta(data: TrainData, base: BaseModel, extra: dict[str, Any] | None = None) -> ModelMeta:
    return data.task.meta(base.max_length, base.name, extra or {})


def head_extra(model: Any) -> dict[str, Any]:
    """What a model's head adds to its metadata: a CRF's learned scores (``"crf"``), which
    decoding reads; nothing for a plain head."""
    from nerlab.tasks.token_classification.crf import crf_of

    crf = crf_of(model)
    return {"crf": crf.to_json()} if crf is not None else {}


def precision_of(args: Any) -> str:
    """The precision a run trains (and scores) in."""
    return "bf16" if args.bf16 else "fp16" if args.fp16 else "fp32"


def predictor_for(model: Any, data: TrainData, base: BaseModel, cfg: TrainConfig, args: Any) -> Any:
    """``model`` as the Predictor ``nerlab evaluate`` loads (same batching, windows, task)."""
    from nerlab.inference.predictor import Predictor

    return Predictor.from_model(
        model,
        base.tokenizer,
        model_meta(data, base, head_extra(model)),
        precision=precision_of(args),
        token_budget=cfg.eval_token_budget,
        stride=cfg.stride,
        pad_to=cfg.pad_to,
        context=data.context,
    )


def score(
    model: Any, data: TrainData, base: BaseModel, corpus: TaskCorpus, cfg: TrainConfig, args: Any
) -> Evaluation:
    """Scores of ``model`` on ``corpus``, through the Predictor ``nerlab evaluate`` loads."""
    return data.task.evaluate(predictor_for(model, data, base, cfg, args), corpus)
