"""The ``nerlab train`` command: a thin wrapper over :func:`nerlab.training.train`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from nerlab.cli.evaluate import parse_tag_column, render_evaluation
from nerlab.config import TrainConfig, read_options
from nerlab.models.precision import PRECISION_CHOICES

_DEFAULTS = TrainConfig(output="-")


def _help(text: str, name: str) -> str:
    return f"{text} (default: {getattr(_DEFAULTS, name)})"


def train_cmd(
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder for the trained model.")],
    train: Annotated[
        Path | None, typer.Option(help="Training data (CoNLL, JSONL, CSV/TSV, HF). None: demo.")
    ] = None,
    dev: Annotated[Path | None, typer.Option(help="Dev data: scored every epoch.")] = None,
    test: Annotated[Path | None, typer.Option(help="Test data: scored at the end.")] = None,
    tag_column: Annotated[
        str | None, typer.Option(help="Tag column: CoNLL index (default last) or CSV name.")
    ] = None,
    model: Annotated[
        str | None, typer.Option(help=_help("Built-in name, model folder or hub id.", "model"))
    ] = None,
    config: Annotated[
        Path | None,
        typer.Option(help="JSON file of options (e.g. a run's nerlab_run.json); flags override."),
    ] = None,
    epochs: Annotated[float | None, typer.Option(help=_help("Epochs.", "epochs"))] = None,
    lr: Annotated[
        float | None, typer.Option(help=_help("Peak learning rate.", "learning_rate"))
    ] = None,
    batch_size: Annotated[int | None, typer.Option(help=_help("Batch size.", "batch_size"))] = None,
    grad_accum: Annotated[
        int | None, typer.Option(help=_help("Gradient accumulation steps.", "grad_accum"))
    ] = None,
    weight_decay: Annotated[
        float | None, typer.Option(help=_help("AdamW weight decay.", "weight_decay"))
    ] = None,
    warmup_ratio: Annotated[
        float | None, typer.Option(help=_help("Warm-up fraction of steps.", "warmup_ratio"))
    ] = None,
    seed: Annotated[int | None, typer.Option(help=_help("Random seed.", "seed"))] = None,
    precision: Annotated[
        str | None,
        typer.Option(help=_help(f"One of {', '.join(PRECISION_CHOICES)}.", "precision")),
    ] = None,
    patience: Annotated[
        int | None,
        typer.Option(help=_help("Epochs without dev gain before stopping (0: off).", "patience")),
    ] = None,
    label_all_subtokens: Annotated[
        bool | None,
        typer.Option(
            "--label-all-subtokens/--label-first-subtoken",
            help="Label every sub-token (B- -> I- on continuation pieces) or only the first.",
        ),
    ] = None,
    max_length: Annotated[
        int | None, typer.Option(help="Window length in sub-tokens (default: the model's).")
    ] = None,
    group_by_length: Annotated[
        bool | None,
        typer.Option("--group-by-length/--no-group-by-length", help="Length-grouped batches."),
    ] = None,
    train_limit: Annotated[
        int | None, typer.Option(help="Use only the first N training sentences.")
    ] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace a run already in --output.")] = False,
    resume: Annotated[bool, typer.Option(help="Continue the run in --output.")] = False,
    keep_checkpoints: Annotated[bool, typer.Option(help="Keep output/checkpoints.")] = False,
) -> None:
    """Fine-tune a pretrained encoder for NER (or POS/chunk tagging) and save it to --output."""
    from nerlab.training import train as run_train

    options: dict[str, Any] = {
        "output": str(output),
        "train": str(train) if train else None,
        "dev": str(dev) if dev else None,
        "test": str(test) if test else None,
        "tag_column": parse_tag_column(tag_column) if tag_column is not None else None,
        "model": model,
        "epochs": epochs,
        "learning_rate": lr,
        "batch_size": batch_size,
        "grad_accum": grad_accum,
        "weight_decay": weight_decay,
        "warmup_ratio": warmup_ratio,
        "seed": seed,
        "precision": precision,
        "patience": patience,
        "label_all_subtokens": label_all_subtokens,
        "max_length": max_length,
        "group_by_length": group_by_length,
        "train_limit": train_limit,
    }
    base = read_options(config) if config is not None else {}
    base |= {k: v for k, v in options.items() if v is not None}
    base |= {"overwrite": overwrite, "resume": resume, "keep_checkpoints": keep_checkpoints}
    cfg = TrainConfig.from_dict(base, source=str(config) if config else "command line")
    result = run_train(cfg)
    console = Console()
    for name, ev in (("dev", result.dev), ("test", result.test)):
        if ev is not None:
            render_evaluation(ev, console, name=name)
    stats = result.stats
    console.print(
        f"trained {stats['epochs_run']} epochs in {stats['seconds']:.1f} s "
        f"({stats['train_samples_per_second']:.1f} samples/s, {stats['precision']}); "
        f"model saved to [bold]{result.output}[/]"
    )


def register(app: typer.Typer) -> None:
    """Add ``nerlab train`` to the app."""
    app.command("train")(train_cmd)
