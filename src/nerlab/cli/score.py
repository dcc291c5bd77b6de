"""The ``nerlab score`` command: entity-level scores of predictions made by any system."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from nerlab.evaluate.scores import AVERAGES, Scores
from nerlab.evaluate.scoring import ScoreResult, score_files


def render(result: ScoreResult, console: Console, digits: int = 4) -> None:
    """Print a score result as a rich table: one row per type, then the averages."""
    report = result.report
    scheme = result.scheme_read
    if report.mode == "conlleval" and scheme != "IOB2":
        scheme += " (converted to IOB2)"
    title = (
        f"{' + '.join(result.sources)}: {result.sentences} sentences, {result.words} words, "
        f"mode {report.mode}, scheme {scheme}"
    )
    table = Table(title=title, title_justify="left")
    table.add_column("type")
    for name in ("precision", "recall", "f1", "support", "predicted", "correct"):
        table.add_column(name, justify="right")

    def row(name: str, s: Scores, end_section: bool = False) -> None:
        nums = (f"{x:.{digits}f}" for x in (s.precision, s.recall, s.f1))
        table.add_row(
            name, *nums, str(s.support), str(s.predicted), str(s.correct), end_section=end_section
        )

    types = list(report.per_type.items())
    for i, (name, s) in enumerate(types):
        row(name, s, end_section=i == len(types) - 1)
    for avg in AVERAGES:
        row(f"{avg} avg", getattr(report, avg))
    console.print(table)
    console.print(f"token accuracy: {report.accuracy:.{digits}f}")


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
    result = score_files(file, gold=gold, pred=pred, mode=mode, scheme=scheme)
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2))
    else:
        render(result, Console(), digits)


def register(app: typer.Typer) -> None:
    """Add ``nerlab score`` to the app."""
    app.command("score")(score)
