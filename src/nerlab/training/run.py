"""``nerlab.train(...)``: fine-tune an encoder for a task (token or text classification), end to
end.

The story of a run: check the options and the output folder -> load and check the data ->
the task (labels, examples, head, evaluator; :mod:`nerlab.training.data`) -> resolve the model
and its fast tokenizer ->
:class:`TaskTrainer` (stock ``transformers.Trainer``; dev scored by the task through the same
:class:`~nerlab.inference.Predictor` users load) -> save a plain transformers folder with
``nerlab_config.json`` -> score dev/test -> run card.

The library is quiet: nothing is printed and no process-wide setting is changed; pass
``callbacks`` (``transformers.TrainerCallback``) to follow a run (the CLI adds its progress bar
that way). Works unchanged under ``torchrun --nproc_per_node N`` (gloo on CPU): every rank
trains its shard and scores dev/test; only rank 0 writes.

Example:
    >>> result = train(TrainConfig(output="runs/demo"))  # the built-in demo corpus
    >>> round(result.test.main_score, 2)
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from nerlab.config import TrainConfig
from nerlab.models.quiet import quiet_transformers
from nerlab.tasks import Task
from nerlab.training import output as out_dir
from nerlab.training.data import load_data, record_lengths
from nerlab.training.state import BaseModel, TrainData, TrainResult, score

__all__ = ["load_data", "train"]


def load_base(cfg: TrainConfig, folder: str) -> BaseModel:
    """Load the encoder's fast tokenizer and pick the window length (the model's, or the
    shorter ``max_length`` / ``pad_to``).

    Raises:
        ModelError: no usable tokenizer, or one that cannot map sub-tokens to words.
        ConfigError: ``pad_to`` over the model's maximum length.
    """
    from nerlab.errors import ConfigError
    from nerlab.models.catalog import model_max_length
    from nerlab.models.saved import load_tokenizer

    tokenizer = load_tokenizer(folder)
    limit = model_max_length(folder)
    if cfg.pad_to is not None and cfg.pad_to > limit:
        raise ConfigError(
            f"pad_to {cfg.pad_to} is more than the maximum length of {cfg.model} ({limit} "
            f"sub-tokens); use --pad-to {limit} or less"
        )
    max_length = min(limit, cfg.max_length or limit, cfg.pad_to or limit)
    return BaseModel(cfg.model, folder, tokenizer, max_length)


def _barrier() -> None:
    import torch

    if torch.distributed.is_available() and torch.distributed.is_initialized():
        torch.distributed.barrier()


def training_arguments(cfg: TrainConfig, precision: str, data: TrainData) -> Any:
    """The ``TrainingArguments`` of a run (initialises torch.distributed under torchrun)."""
    import torch
    from transformers import TrainingArguments

    has_dev = data.dev is not None
    cpu = not torch.cuda.is_available()
    distributed = int(os.environ.get("WORLD_SIZE", "1")) > 1
    return TrainingArguments(
        output_dir=os.path.join(cfg.output, out_dir.CHECKPOINTS),
        num_train_epochs=cfg.epochs,
        learning_rate=cfg.learning_rate,
        per_device_train_batch_size=cfg.batch_size,
        gradient_accumulation_steps=cfg.grad_accum,
        weight_decay=cfg.weight_decay,
        warmup_steps=cfg.warmup_ratio,  # a float in [0, 1) is a ratio of all steps
        lr_scheduler_type="linear",
        # The fused kernel: on a 2-core CPU the optimiser step of MiniLM takes 47 ms instead
        # of 175 ms with the foreach one (batch 8), a third of the whole step.
        optim="adamw_torch_fused",
        max_grad_norm=cfg.max_grad_norm,
        seed=cfg.seed,
        data_seed=cfg.seed,
        bf16=precision == "bf16",
        fp16=precision == "fp16",
        use_cpu=cpu,
        ddp_backend="gloo" if cpu and distributed else None,
        ddp_find_unused_parameters=False,
        eval_strategy="epoch" if has_dev else "no",
        save_strategy="epoch",
        save_total_limit=2 if has_dev else 1,
        load_best_model_at_end=has_dev,
        metric_for_best_model=data.task.primary_metric if has_dev else None,
        greater_is_better=data.task.greater_is_better,
        logging_strategy="epoch",
        report_to=[],
        disable_tqdm=True,
        train_sampling_strategy="group_by_length" if cfg.group_by_length else "random",
        remove_unused_columns=False,
        average_tokens_across_devices=False,
        dataloader_num_workers=0,
        torch_compile=cfg.compile,
    )


def build_trainer(cfg: TrainConfig, args: Any, data: TrainData, base: BaseModel) -> Any:
    """The model with a fresh task head, the examples and the trainer with its callbacks."""
    from transformers import EarlyStoppingCallback, PrinterCallback, set_seed

    from nerlab.training.callbacks import LossMeter, MetricsFileCallback, TimingCallback
    from nerlab.training.embeddings import train_used_rows
    from nerlab.training.trainer import DevScorer, TaskTrainer

    task = data.task
    labels = task.labels
    set_seed(cfg.seed)
    model = load_with_head(task, base.folder, labels, attention_dropout(base, cfg))
    loss = task.head_loss(model, cfg.head, base.folder)
    loss = loss or task.loss_function(data.train, cfg.class_weights)
    train_set = task.build_dataset(
        data.train,
        base.tokenizer,
        base.max_length,
        stride=cfg.stride,
        label_all_subtokens=cfg.label_all_subtokens,
        context=data.context,
    )
    if cfg.freeze_embeddings:
        freeze_word_embeddings(model, True)
    else:  # trained: only the rows train_set uses get a gradient and AdamW state
        train_used_rows(model, train_set)
    scorer = None
    if data.dev is not None:
        dev = data.dev
        scorer = DevScorer(lambda m: score(m, data, base, dev, cfg, args), len(dev))
    meter = LossMeter()
    timing = TimingCallback()
    callbacks: list[Any] = [
        MetricsFileCallback(
            os.path.join(cfg.output, out_dir.METRICS_FILE), meter, scorer is not None
        ),
        timing,
    ]
    if scorer is not None and cfg.patience > 0:
        callbacks.append(EarlyStoppingCallback(early_stopping_patience=cfg.patience))
    trainer = TaskTrainer(
        model=model,
        args=args,
        train_dataset=train_set,
        eval_dataset=train_set if scorer is not None else None,  # never iterated: see DevScorer
        data_collator=task.collator(base.tokenizer.pad_token_id or 0, cfg.pad_to),
        processing_class=base.tokenizer,
        callbacks=callbacks,
        compute_loss_func=loss,
        dev_scorer=scorer,
        meter=meter,
        timing=timing,
    )
    trainer.remove_callback(PrinterCallback)
    return trainer


# The config fields that hold the dropout on attention probabilities (BERT, RoBERTa, XLM-R,
# DeBERTa, ALBERT, MPNet; DistilBERT, ModernBERT).
ATTENTION_DROPOUT_FIELDS = ("attention_probs_dropout_prob", "attention_dropout")


def attention_dropout(base: BaseModel, cfg: TrainConfig) -> dict[str, float]:
    """The config override for ``cfg.attention_dropout`` (none: the model's own).

    Raises:
        ConfigError: the model's config.json has no attention dropout field.
    """
    from nerlab.errors import ConfigError
    from nerlab.models.saved import read_json

    if cfg.attention_dropout is None:
        return {}
    config = read_json(Path(base.folder) / "config.json")
    names = [name for name in ATTENTION_DROPOUT_FIELDS if name in config]
    if not names:
        raise ConfigError(
            f"attention_dropout {cfg.attention_dropout} cannot be set for {cfg.model}: its "
            f"config.json has none of {', '.join(ATTENTION_DROPOUT_FIELDS)}; drop the option"
        )
    return {name: float(cfg.attention_dropout) for name in names}


def load_with_head(
    task: Task, folder: str, labels: list[str], overrides: dict[str, Any] | None = None
) -> Any:
    """The base model with the task head for ``labels``.

    A base model that already has a head for exactly these labels keeps it (training goes on
    from it); a head for other labels (another tag column, another corpus) is replaced by a
    fresh one, initialised as transformers initialises a new head. The task adds its head
    settings (a multi-label classifier's ``problem_type``); ``overrides`` are further config
    values (the attention dropout).
    """
    import torch

    from nerlab.models.saved import read_json

    config = read_json(Path(folder) / "config.json")
    old = config.get("id2label") or {}
    old_labels = [old[k] for k in sorted(old, key=int)] if old else []
    has_head = any(str(a).endswith(task.head_suffix) for a in config.get("architectures") or [])
    replace = has_head and old_labels != labels
    model = task.auto_model_class().from_pretrained(
        folder,
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id={lab: i for i, lab in enumerate(labels)},
        ignore_mismatched_sizes=replace,
        **task.head_config(),
        **(overrides or {}),
    )
    if replace and len(old_labels) == len(labels):  # same size: not re-initialised by loading
        for layer in model.classifier.modules():  # a Linear, or a small head (RoBERTa's)
            if isinstance(layer, torch.nn.Linear):
                torch.nn.init.normal_(layer.weight, std=model.config.initializer_range)
                torch.nn.init.zeros_(layer.bias)
    return model


def freeze_word_embeddings(model: Any, freeze: bool) -> None:
    """Keep the word-embedding matrix fixed (or trainable) as ``freeze`` says.

    A frozen matrix gets no gradient and no AdamW state (the trainer builds the optimiser from
    the parameters that require one); position and type embeddings still train.
    """
    model.get_input_embeddings().weight.requires_grad_(not freeze)


def prepare(cfg: TrainConfig) -> tuple[str | None, str]:
    """Everything that can fail fast, before any data or model is loaded.

    Returns:
        The checkpoint to resume from (or ``None``) and the resolved model folder.

    Raises:
        ConfigError: the output folder cannot be used as asked. ModelError: an unknown model.
    """
    from nerlab.inference.predictor import auto_device
    from nerlab.models import resolve_model
    from nerlab.models.precision import resolve_precision

    resolve_precision(cfg.precision, auto_device())
    resume_from = out_dir.check_output(cfg)
    return resume_from, str(resolve_model(cfg.model))


def train(
    config: TrainConfig | None = None, *, callbacks: list[Any] | None = None, **options: Any
) -> TrainResult:
    """Fine-tune a pretrained encoder for NER (or POS/chunk tagging) or text classification,
    and save it.

    Args:
        config: the run configuration; or give its fields as keyword ``options``.
        callbacks: ``transformers.TrainerCallback`` objects (progress, logging); the library
            itself prints nothing.
        **options: :class:`~nerlab.config.TrainConfig` fields (they override ``config``'s).

    Returns:
        The folder, label set and the final model's dev/test scores.

    Raises:
        NerlabError: bad data, labels, model, options or output folder (see the subclasses).
        KeyboardInterrupt: Ctrl-C; :func:`interrupt_message` says how to go on.

    Example:
        >>> result = train(train="train.conll", dev="dev.conll", output="runs/ner")
        >>> result.dev.main_score
        >>> train(train="emotion/train.txt", dev="emotion/val.txt", output="runs/emotion")
    """
    from nerlab.inference.predictor import auto_device
    from nerlab.models.precision import resolve_precision
    from nerlab.training.finish import finish_run

    base_options = config.to_dict() if config is not None else {}
    cfg = TrainConfig.from_dict({**base_options, **options}, source="train()")
    resume_from, folder = prepare(cfg)
    with quiet_transformers():
        data = load_data(cfg)
        base = load_base(cfg, folder)
        record_lengths(data, base.tokenizer, base.max_length)
        precision = resolve_precision(cfg.precision, auto_device())
        args = training_arguments(cfg, precision, data)
        trainer = build_trainer(cfg, args, data, base)  # the model loads before any file is made
        _barrier()
        if args.process_index == 0:
            out_dir.prepare_output(cfg, resume_from)
        _barrier()
        for cb in callbacks or []:
            trainer.add_callback(cb)
        start = time.perf_counter()
        output = trainer.train(resume_from_checkpoint=resume_from)
        seconds = time.perf_counter() - start
        return finish_run(cfg, trainer, data, base, output, seconds)


def interrupt_message(cfg: TrainConfig) -> str:
    """How to go on after Ctrl-C: ``--resume`` only works from a complete checkpoint.

    Before the first checkpoint nothing can be resumed (``--resume`` would refuse), so the
    advice is then to start again with ``--overwrite``, which replaces the half-made run.
    """
    last = out_dir.last_checkpoint(Path(cfg.output) / out_dir.CHECKPOINTS)
    flag, other = ("resume", "overwrite") if last else ("overwrite", "resume")
    if getattr(cfg, flag):
        again = "rerun the same command"
    elif getattr(cfg, other):  # the two flags exclude each other
        again = f"run the same command with --{flag} in place of --{other}"
    else:
        again = f"run the same command plus --{flag}"
    if last:
        return f"the last complete checkpoint is {last}; to continue, {again}"
    return (
        "no checkpoint was saved yet (the first one is written when the first epoch ends), "
        f"so there is nothing to resume; to start again, {again}"
    )
