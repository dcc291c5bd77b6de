"""The ``nerlab score`` command: entity-level scores of predictions made by any system."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from nerlab.cli._util import render_score


def score(
    file: Annotated[
        Path | None,
        typer.Argument(
            help="CoNLL file whose last two columns are the gold and the predicted tag "
            "(the conlleval script's input)."
        ),
    ] = None,
    gold: Annotated[
        Path | None, typer.Option("--gold", help="Gold CoNLL file (tag in the last column).")
    ] = None,
    pred: Annotated[
        Path | None,
        typer.Option("--pred", help="Predictions CoNLL file aligned with --gold (tag last)."),
    ] = None,
    mode: Annotated[
        str,
        typer.Option(
            help="conlleval (lenient, like the conlleval script and seqeval's default) or "
            "strict (only well-formed entities count; IOB2, IOBES, BILOU)."
        ),
    ] = "conlleval",
    scheme: Annotated[
        str, typer.Option(help="Tag scheme of the files: auto, IOB1, IOB2, IOBES or BILOU.")
    ] = "auto",
    as_json: Annotated[bool, typer.Option("--json", help="Print the scores as JSON.")] = False,
    digits: Annotated[int, typer.Option(min=1, max=10, help="Digits shown in the table.")] = 4,
) -> None:
    """Score predictions: entity precision/recall/F1 per type, micro/macro/weighted, accuracy."""
    from nerlab.metrics.scoring import score_files

    result = score_files(file, gold=gold, pred=pred, mode=mode, scheme=scheme)
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2))
    else:
        render_score(result, Console(), digits)


def register(app: typer.Typer) -> None:
    """Add ``nerlab score`` to the app."""
    app.command("score")(score)
