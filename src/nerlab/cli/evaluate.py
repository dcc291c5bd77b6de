"""The ``nerlab evaluate`` command: scores of a trained model (PyTorch or ONNX) on labelled data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.console import Console

from nerlab.cli._util import parse_column, render_evaluation
from nerlab.models.precision import PRECISION_CHOICES


def evaluate_cmd(
    model: Annotated[
        Path, typer.Argument(help="Model folder written by `nerlab train` or `nerlab export`.")
    ],
    data: Annotated[Path, typer.Argument(help="Labelled data (CoNLL, JSONL, CSV/TSV, HF).")],
    tag_column: Annotated[
        str, typer.Option(help="Gold tag column: CoNLL index (default last) or CSV column name.")
    ] = "-1",
    precision: Annotated[
        Literal[PRECISION_CHOICES] | None,  # type: ignore[valid-type]
        typer.Option(
            help="Default: the precision the model was trained and scored with (so scores "
            "match `nerlab train`)."
        ),
    ] = None,
    backend: Annotated[
        Literal["auto", "torch", "onnx"], typer.Option(help="auto: onnx if MODEL has model.onnx.")
    ] = "auto",
    predictions: Annotated[
        Path | None,
        typer.Option(help="Write `word gold predicted` rows to this CoNLL file."),
    ] = None,
    report_dir: Annotated[
        Path | None,
        typer.Option(help="Write evaluation.json and the confusion matrix (JSON + PNG) here."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the scores as JSON.")] = False,
    digits: Annotated[int, typer.Option(min=1, max=10, help="Digits shown in tables.")] = 4,
) -> None:
    """Score a trained model: per-type entity scores (conlleval and strict), token accuracy,
    confusion matrix of entity types; per-tag scores for POS/chunk models."""
    from nerlab.evaluate import evaluate

    result = evaluate(
        model,
        data,
        tag_column=parse_column(tag_column),
        precision=precision,
        backend=backend,
        predictions=predictions,
        report_dir=report_dir,
    )
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2))
        return
    console = Console()
    render_evaluation(result, console, digits=digits)
    if predictions is not None:
        console.print(f"predictions written to {predictions}")
    if report_dir is not None:
        console.print(f"reports written to {report_dir}")


def register(app: typer.Typer) -> None:
    """Add ``nerlab evaluate`` to the app."""
    app.command("evaluate")(evaluate_cmd)
