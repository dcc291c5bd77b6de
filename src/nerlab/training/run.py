"""``nerlab.train(...)``: fine-tune an encoder for token classification, end to end.

The story of a run: load and check the data -> resolve the model and its fast tokenizer ->
check the output folder -> windows with aligned labels -> :class:`NerTrainer` (stock
``transformers.Trainer`` plus word-level dev scores) -> save a plain transformers folder with
``nerlab_config.json`` -> score dev/test with the same code as ``nerlab evaluate`` -> run card.

Works unchanged under ``torchrun --nproc_per_node N`` (gloo on CPU): every rank trains its
shard and scores dev/test; only rank 0 writes.

Example:
    >>> result = train(TrainConfig(output="runs/demo"))  # the built-in demo corpus
    >>> round(result.test.score, 2)
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from rich.console import Console

from nerlab.config import TrainConfig
from nerlab.data.corpus import Corpus
from nerlab.data.labels import LabelSet
from nerlab.errors import DataError
from nerlab.evaluate.evaluate import Evaluation, check_labelled, evaluate_tagger
from nerlab.models.precision import resolve_precision
from nerlab.training import output as out_dir
from nerlab.training.callbacks import LossMeter, MetricsFileCallback, RichProgressCallback
from nerlab.training.features import PadCollator, build_dataset
from nerlab.training.trainer import NerTrainer


@dataclass
class TrainData:
    """The corpora of a run and its label set."""

    train: Corpus
    dev: Corpus | None
    test: Corpus | None
    labels: LabelSet
    source: dict[str, Any]


@dataclass
class TrainResult:
    """What a finished run returns.

    Attributes:
        output: the model folder.
        labels: label names in id order.
        dev: word-level scores of the final (best) model on dev, if given.
        test: word-level scores on test, if given.
        stats: epochs run, best epoch, seconds, samples per second, precision...
        model: the trained (best) model, in memory, in eval mode.
    """

    output: str
    labels: list[str]
    dev: Evaluation | None
    test: Evaluation | None
    stats: dict[str, Any] = field(default_factory=dict)
    model: Any = field(default=None, repr=False)


def load_data(cfg: TrainConfig) -> TrainData:
    """Read train/dev/test (the demo corpus when no file is given) and build the label set.

    Raises:
        DataError: unreadable files, a missing tag column, an empty or unlabelled train set.
        LabelError: dev/test labels that the training data lacks.
    """
    from nerlab.data import io

    if cfg.train is None:
        from nerlab.data.demo import load_demo

        train, dev, test = (load_demo(split) for split in ("train", "dev", "test"))
        source = {"train": "demo:train", "dev": "demo:dev", "test": "demo:test"}
    else:

        def read(path: str | None) -> Corpus | None:
            return None if path is None else io.load_corpus(path, tag_column=cfg.tag_column)

        train, dev, test = read(cfg.train), read(cfg.dev), read(cfg.test)
        source = {"train": cfg.train, "dev": cfg.dev, "test": cfg.test}
    assert train is not None
    if cfg.train_limit is not None:
        train = Corpus(train.sentences[: cfg.train_limit], train.path, train.scheme)
    _check_train(train)
    labels = LabelSet.from_corpus(train)
    for corpus in (dev, test):
        if corpus is not None:
            check_labelled(corpus, labels.labels, labels.scheme)
    source["tag_column"] = cfg.tag_column
    source["sentences"] = {
        name: len(c) for name, c in (("train", train), ("dev", dev), ("test", test)) if c
    }
    return TrainData(train, dev, test, labels, source)


def _check_train(train: Corpus) -> None:
    if len(train) == 0 or not any(s.words for s in train):
        raise DataError("the training set is empty: it has no sentence", train.path)
    for s in train:
        if not s.tags:
            raise DataError(
                "this training sentence has no tags; training needs one tag per word "
                "(a one-column file is unlabelled; check --tag-column)",
                s.path,
                s.line,
            )


def load_base(cfg: TrainConfig) -> tuple[str, Any, int]:
    """Resolve the model name to a folder, load its fast tokenizer, pick the window length.

    Raises:
        ModelError: unknown model, or a tokenizer that cannot map sub-tokens to words.
    """
    from transformers import AutoConfig, AutoTokenizer

    from nerlab.data.alignment import require_fast_tokenizer
    from nerlab.models import resolve_model
    from nerlab.models.saved import usable_max_length

    folder = str(resolve_model(cfg.model))
    tokenizer = AutoTokenizer.from_pretrained(folder)
    require_fast_tokenizer(tokenizer)
    limit = usable_max_length(AutoConfig.from_pretrained(folder), tokenizer)
    max_length = min(limit, cfg.max_length) if cfg.max_length else limit
    return folder, tokenizer, max_length


def _barrier() -> None:
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        torch.distributed.barrier()


def training_arguments(cfg: TrainConfig, precision: str, data: TrainData) -> Any:
    """The ``TrainingArguments`` of a run (initialises torch.distributed under torchrun)."""
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
        metric_for_best_model=("f1" if data.labels.scheme else "accuracy") if has_dev else None,
        greater_is_better=True,
        logging_strategy="epoch",
        report_to=[],
        disable_tqdm=True,
        train_sampling_strategy="group_by_length" if cfg.group_by_length else "random",
        remove_unused_columns=False,
        average_tokens_across_devices=False,
        dataloader_num_workers=0,
    )


def build_trainer(cfg: TrainConfig, args: Any, data: TrainData, base: tuple) -> NerTrainer:
    """The model with a fresh classification head, the windows and the trainer with callbacks."""
    from transformers import (
        AutoModelForTokenClassification,
        EarlyStoppingCallback,
        PrinterCallback,
        set_seed,
    )

    folder, tokenizer, max_length = base
    labels = list(data.labels.labels)
    set_seed(cfg.seed)
    model = AutoModelForTokenClassification.from_pretrained(
        folder,
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id={lab: i for i, lab in enumerate(labels)},
    )
    train_set = build_dataset(
        data.train,
        tokenizer,
        labels,
        max_length,
        stride=cfg.stride,
        label_all_subtokens=cfg.label_all_subtokens,
    )
    score_name = "f1" if data.labels.scheme else "accuracy"
    precision = "bf16" if args.bf16 else "fp16" if args.fp16 else "fp32"
    scorer = None
    if data.dev is not None:
        dev = data.dev

        def scorer(m: torch.nn.Module) -> Evaluation:
            return score(m, tokenizer, data.labels, dev, max_length, precision, cfg)

    meter = LossMeter()
    callbacks: list[Any] = [
        MetricsFileCallback(
            os.path.join(cfg.output, out_dir.METRICS_FILE), meter, scorer is not None
        ),
        RichProgressCallback(meter, score_name),
    ]
    if scorer is not None and cfg.patience > 0:
        callbacks.append(EarlyStoppingCallback(early_stopping_patience=cfg.patience))
    trainer = NerTrainer(
        model=model,
        args=args,
        train_dataset=train_set,
        eval_dataset=train_set if scorer is not None else None,  # unused: dev_scorer scores dev
        data_collator=PadCollator(tokenizer.pad_token_id or 0),
        processing_class=tokenizer,
        callbacks=callbacks,
        dev_scorer=scorer,
        meter=meter,
    )
    trainer.remove_callback(PrinterCallback)
    return trainer


def score(
    model: torch.nn.Module,
    tokenizer: Any,
    labels: LabelSet,
    corpus: Corpus,
    max_length: int,
    precision: str,
    cfg: TrainConfig,
) -> Evaluation:
    """Word-level scores of ``model`` on ``corpus`` (the code ``nerlab evaluate`` runs)."""
    return evaluate_tagger(
        model,
        tokenizer,
        list(labels.labels),
        labels.scheme,
        corpus,
        max_length,
        precision=precision,
        token_budget=cfg.eval_token_budget,
        stride=cfg.stride,
    )


def train(
    config: TrainConfig | None = None, *, callbacks: list[Any] | None = None, **options: Any
) -> TrainResult:
    """Fine-tune a pretrained encoder for NER (or POS/chunk tagging) and save it.

    Args:
        config: the run configuration; or give its fields as keyword ``options``.
        callbacks: extra ``transformers.TrainerCallback`` objects.
        **options: :class:`~nerlab.config.TrainConfig` fields (they override ``config``'s).

    Returns:
        The folder, label set and the final model's dev/test scores.

    Raises:
        NerlabError: bad data, labels, model, options or output folder (see the subclasses).
        KeyboardInterrupt: Ctrl-C; the last complete checkpoint stays, ``resume=True`` goes on.

    Example:
        >>> result = train(train="train.conll", dev="dev.conll", output="runs/ner")
        >>> result.dev.score
    """
    from nerlab.training.finish import finish_run

    base = config.to_dict() if config is not None else {}
    cfg = TrainConfig.from_dict({**base, **options}, source="train()")
    _quiet_transformers()
    data = load_data(cfg)
    base = load_base(cfg)
    precision = resolve_precision(cfg.precision, "cuda" if torch.cuda.is_available() else "cpu")
    args = training_arguments(cfg, precision, data)
    resume_from = out_dir.check_output(cfg)
    _barrier()
    if args.process_index == 0:
        out_dir.prepare_output(cfg, resume_from)
    _barrier()
    trainer = build_trainer(cfg, args, data, base)
    for cb in callbacks or []:
        trainer.add_callback(cb)
    start = time.perf_counter()
    try:
        output = trainer.train(resume_from_checkpoint=resume_from)
    except KeyboardInterrupt:
        _report_interrupt(cfg, args.process_index)
        raise
    finally:
        for cb in trainer.callback_handler.callbacks:
            if isinstance(cb, RichProgressCallback):
                cb.close()
    seconds = time.perf_counter() - start
    return finish_run(cfg, trainer, data, base, precision, output, seconds)


def _report_interrupt(cfg: TrainConfig, rank: int) -> None:
    """Tell the user (rank 0) how to go on after Ctrl-C: --resume only works from a checkpoint.

    Before the first checkpoint nothing can be resumed (``--resume`` would refuse), so the advice
    is then to start again with ``--overwrite``, which replaces the half-made run.
    """
    from rich.markup import escape

    if rank != 0:
        return
    last = out_dir.last_checkpoint(Path(cfg.output) / out_dir.CHECKPOINTS)
    flag, other = ("resume", "overwrite") if last else ("overwrite", "resume")
    if getattr(cfg, flag):
        again = "rerun the same command"
    elif getattr(cfg, other):  # the two flags exclude each other
        again = f"run the same command with --{flag} in place of --{other}"
    else:
        again = f"run the same command plus --{flag}"
    if last:
        message = f"the last complete checkpoint is {escape(str(last))}; to continue, {again}"
    else:
        message = (
            "no checkpoint was saved yet (the first one is written when the first epoch ends), "
            f"so there is nothing to resume; to start again, {again}"
        )
    # soft_wrap: a long checkpoint path stays one piece the user can copy
    Console(stderr=True).print(f"[yellow]training interrupted[/]: {message}", soft_wrap=True)


def _quiet_transformers() -> None:
    """Keep the freshly-initialised-head notice and similar info out of the user's terminal."""
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
