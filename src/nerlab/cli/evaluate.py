"""The ``nerlab evaluate`` command: scores of a trained model (PyTorch or ONNX) on labelled data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Literal

import typer
from rich.console import Console

from nerlab.cli._classification import render_classification
from nerlab.cli._util import DecodingOption, parse_column, render_evaluation
from nerlab.models.precision import PRECISION_CHOICES


def evaluate_cmd(
    model: Annotated[
        Path, typer.Argument(help="Model folder written by `nerlab train` or `nerlab export`.")
    ],
    data: Annotated[
        Path,
        typer.Argument(
            help="Labelled data: NER (CoNLL, JSONL, CSV/TSV, HF) or, for a text classifier, "
            "text;label lines, CSV/TSV, JSONL or HF."
        ),
    ],
    tag_column: Annotated[
        str | None,
        typer.Option(help="NER: gold tag column, CoNLL index (default last) or CSV column name."),
    ] = None,
    text_column: Annotated[
        str | None, typer.Option(help="Text classifiers: the text column or key (default text).")
    ] = None,
    label_column: Annotated[
        str | None,
        typer.Option(help="Text classifiers: the label column or key (default label/labels)."),
    ] = None,
    label_sep: Annotated[
        str | None,
        typer.Option(help="Text classifiers: split each label field at this (multi-label)."),
    ] = None,
    top_loss: Annotated[
        int | None,
        typer.Option(
            min=0, help="Text classifiers: show the K texts with the highest loss (default 10)."
        ),
    ] = None,
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
    decoding: DecodingOption = None,
    pad_to: Annotated[
        int | None,
        typer.Option(
            help="Pad every batch to exactly N sub-tokens, windows of at most N (static shapes, "
            "for compiled graphs and accelerators; on CPU dynamic padding is usually faster)."
        ),
    ] = None,
    context: Annotated[
        int | None,
        typer.Option(
            min=0,
            help="NER: sub-tokens of document context a side (FLERT; default: as the model "
            "was trained; 0: none). Used where DATA has documents (-DOCSTART-, JSONL doc_id).",
        ),
    ] = None,
    predictions: Annotated[
        Path | None,
        typer.Option(
            help="NER: write `word gold predicted` rows to this CoNLL file; text classifiers: "
            "one JSON line per text (gold, predicted, loss, every class's score)."
        ),
    ] = None,
    report_dir: Annotated[
        Path | None,
        typer.Option(help="Write evaluation.json and the confusion matrix (JSON + PNG) here."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the scores as JSON.")] = False,
    digits: Annotated[int, typer.Option(min=1, max=10, help="Digits shown in tables.")] = 4,
) -> None:
    """Score a trained model: per-type entity scores (conlleval and strict), token accuracy,
    confusion matrix of entity types; per-tag scores for POS/chunk models. A text classifier:
    accuracy, per-class precision/recall/F1 with micro/macro/weighted (multi-label: samples)
    averages, the normalised confusion matrix and the texts with the highest loss."""
    from nerlab.evaluate import evaluate
    from nerlab.tasks.text_classification.evaluation import ClassificationEvaluation

    result = evaluate(
        model,
        data,
        tag_column=-1 if tag_column is None else parse_column(tag_column),
        text_column=text_column,
        label_column=label_column,
        label_sep=label_sep,
        top_loss=top_loss,
        precision=precision,
        backend=backend,
        decoding=decoding,
        predictions=predictions,
        report_dir=report_dir,
        pad_to=pad_to,
        context=context,
    )
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2))
        return
    console = Console()
    if isinstance(result, ClassificationEvaluation):
        render_classification(result, console, name="", digits=digits)
    else:
        render_evaluation(result, console, digits=digits)
    if predictions is not None:
        console.print(f"predictions written to {predictions}")
    if report_dir is not None:
        console.print(f"reports written to {report_dir}")


def register(app: typer.Typer) -> None:
    """Add ``nerlab evaluate`` to the app."""
    app.command("evaluate")(evaluate_cmd)
