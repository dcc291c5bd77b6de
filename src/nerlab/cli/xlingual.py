"""``nerlab xlingual STRATEGY``: cross-lingual transfer as one resumable command.

A thin wrapper over :func:`nerlab.training.xlingual.run_xlingual`. The training options of
every cell (model, epochs, batch size, learning rate...) are derived from
:class:`~nerlab.config.TrainConfig`'s fields as ``nerlab train`` derives its own, less those
xlingual sets per cell; the model defaults to ``e5-small-multilingual``.
"""

from __future__ import annotations

import inspect
import os
from dataclasses import fields
from pathlib import Path
from typing import Annotated, Any, Literal

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from nerlab.cli.train import _parameter as train_option
from nerlab.config import TrainConfig
from nerlab.training.xlingual.options import (
    CELL_FIELDS,
    DEFAULT_LANGS,
    DEFAULT_MODEL,
    OTHER_TASK_FIELDS,
    STRATEGIES,
    TEST_PATTERN,
    TRAIN_PATTERN,
)

_TRAINING = [f for f in fields(TrainConfig) if f.name not in (*CELL_FIELDS, *OTHER_TASK_FIELDS)]


def _own_parameters() -> list[inspect.Parameter]:
    def opt(name: str, annotation: Any, default: Any, *decls: str, help: str) -> inspect.Parameter:
        metavars = {"train_pairs": "LANG=FILE", "test_pairs": "LANG=FILE", "reuse": "RUN"}
        extra = {"metavar": metavars[name]} if name in metavars else {}
        option = typer.Option(*decls, help=help, **extra)
        return inspect.Parameter(
            name,
            inspect.Parameter.KEYWORD_ONLY,
            default=default,
            annotation=Annotated[annotation, option],
        )

    strategy = typer.Argument(
        help="zero-shot (train on --source), each (one model per language), all (one model on "
        "all), mix (--mix shares of --total sentences), sizes (--sizes of --target vs zero-shot)."
    )
    return [
        inspect.Parameter(
            "strategy",
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
            annotation=Annotated[Literal[STRATEGIES], strategy],  # type: ignore[valid-type]
        ),
        opt("output", Path, ..., "--output", "-o", help="Run folder (resumed cell by cell)."),
        opt("langs", str | None, None, help=f"Languages (default: {','.join(DEFAULT_LANGS)})."),
        opt(
            "data_dir",
            Path | None,
            None,
            help="Folder of the files the patterns name (default: $NERLAB_SHARED_DATA/wikiann, "
            "else ../shared/data/wikiann).",
        ),
        opt("train_pattern", str, TRAIN_PATTERN, help="Training file of {lang} in --data-dir."),
        opt(
            "test_pattern",
            str,
            TEST_PATTERN,
            help="Test file of {lang} (PAN-X: the dev file; its test files have no labels).",
        ),
        opt("train_pairs", list[str] | None, None, "--train", help="LANG=FILE (repeat)."),
        opt("test_pairs", list[str] | None, None, "--test", help="LANG=FILE (repeat)."),
        opt("source", str | None, None, help="Zero-shot source language (default: the first)."),
        opt("target", str | None, None, help="sizes: the language of the learning curve."),
        opt(
            "mix",
            str | None,
            None,
            help="mix: LANG=SHARE,... e.g. de=.629,fr=.229,it=.084,en=.059.",
        ),
        opt(
            "total", int | None, None, help="mix: training sentences (default: the most possible)."
        ),
        opt("normalise", bool, False, help="mix: scale shares that do not sum to 1."),
        opt(
            "sizes", str | None, None, help="sizes: target sentences, e.g. 250,500,1000,2000,4000."
        ),
        opt("dev_fraction", float, 0.1, help="Seeded part of each training file held out as dev."),
        opt(
            "train_limit_per_lang",
            int | None,
            None,
            help="Use N sentences of each training file (after the seeded shuffle, dev included).",
        ),
        opt("test_limit_per_lang", int | None, None, help="Score the first N test sentences."),
        opt(
            "keep_models",
            bool,
            False,
            help="Keep each cell's weights (default: deleted once scored).",
        ),
        opt(
            "overwrite", bool, False, help="Replace a run with other options (nerlab's files only)."
        ),
        opt("max_new_cells", int | None, None, help="Train at most N cells now; rerun to go on."),
        opt(
            "reuse",
            list[Path] | None,
            None,
            help="Earlier xlingual run folder whose identical cells are copied, not trained "
            "(repeat); e.g. the zero-shot run for sizes or each.",
        ),
    ]


def _training_parameters() -> list[inspect.Parameter]:
    params = []
    for f in _TRAINING:
        param = train_option(f)
        if f.name == "model":
            option = typer.Option(
                "--model", help=f"Built-in name, model folder or hub id (default: {DEFAULT_MODEL})."
            )
            param = param.replace(annotation=Annotated[str | None, option])
        params.append(param)
    return params


def xlingual_cmd(**options: Any) -> None:
    """Cross-lingual transfer: train on some languages, score on all; the F1 matrix.

    Each cell (one model) is trained by nerlab train on sentences written into OUTPUT/cells/
    and scored on every language. A finished cell is never trained again: rerun the same
    command to resume an interrupted run.
    """
    from nerlab.cli._progress import TrainProgress
    from nerlab.training.xlingual import (
        XlingualConfig,
        parse_list,
        parse_pairs,
        parse_shares,
        parse_sizes,
        run_xlingual,
    )

    training = {f.name: options.pop(f.name) for f in _TRAINING}
    training = {k: v for k, v in training.items() if v is not None}
    if "tag_column" in training:
        from nerlab.cli._util import parse_column

        training["tag_column"] = parse_column(training["tag_column"])
    langs, mix, sizes = options.pop("langs"), options.pop("mix"), options.pop("sizes")
    data_dir = options.pop("data_dir")
    reuse = tuple(str(r) for r in options.pop("reuse") or ())
    cfg = XlingualConfig(
        langs=parse_list(langs, "--langs") if langs else (),
        mix=parse_shares(mix) if mix else {},
        sizes=parse_sizes(sizes) if sizes else (),
        train_files=parse_pairs(options.pop("train_pairs") or [], "--train"),
        test_files=parse_pairs(options.pop("test_pairs") or [], "--test"),
        data_dir=None if data_dir is None else str(data_dir),
        reuse=reuse,
        training=training,
        **options,
    )
    main = int(os.environ.get("RANK", "0")) == 0
    err = Console(stderr=True)
    bar = TrainProgress(err)

    def show(status: Any) -> None:
        if not main:
            return
        cell, n = status.cell, f"[{status.index + 1}/{status.total}]"
        sentences = "+".join(f"{k}:{v}" for k, v in cell.train)
        if status.state in ("done", "reused", "copied"):
            scores = " ".join(f"{k} {v:.4f}" for k, v in status.scores.items())
            word = {"done": "scored", "reused": "done earlier", "copied": "copied (--reuse)"}[
                status.state
            ]
            err.print(f"{n} cell {escape(cell.name)} {word}: {escape(scores)}")
        elif status.state == "training":
            err.print(f"{n} cell {escape(cell.name)}: training on {escape(sentences)} sentences")
        elif status.state == "pending":
            err.print(f"{n} cell {escape(cell.name)}: left for the next run (--max-new-cells)")

    try:
        result = run_xlingual(cfg, callbacks=[bar], progress=show)
    finally:
        bar.close()
    if main:
        _render(result)


def _render(result: Any) -> None:
    matrix = result.matrix
    console = Console()
    table = Table(
        title=f"{matrix.metric} (rows: trained on; columns: test language)", title_justify="left"
    )
    table.add_column("trained on")
    for lang in matrix.columns:
        table.add_column(escape(lang), justify="right")
    for name, row in zip(matrix.rows, matrix.values, strict=True):
        table.add_row(escape(name), *("-" if v is None else f"{v:.4f}" for v in row))
    console.print(table)
    console.print(escape(matrix.test_note), soft_wrap=True)
    for note in result.notes:
        console.print(f"[yellow]note:[/] {escape(note)}", soft_wrap=True)
    done = f"{len(result.trained)} cell(s) trained, {len(result.reused)} done earlier"
    if result.copied:
        done += f", {len(result.copied)} copied from --reuse"
    if result.pending:
        done += f", {len(result.pending)} left: rerun the same command to go on"
    files = ", ".join(p.name for p in result.files)
    console.print(f"{done}; {files} in [bold]{escape(result.output)}[/]", soft_wrap=True)


xlingual_cmd.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
    _own_parameters() + _training_parameters()
)
xlingual_cmd.__annotations__ = {
    p.name: p.annotation for p in xlingual_cmd.__signature__.parameters.values()
}  # type: ignore[attr-defined]


def register(app: typer.Typer) -> None:
    """Add ``nerlab xlingual`` to the app."""
    app.command("xlingual")(xlingual_cmd)
