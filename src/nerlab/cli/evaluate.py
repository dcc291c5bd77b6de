"""The ``nerlab evaluate`` command: word-level scores of a trained tagger on labelled data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from nerlab.evaluate.evaluate import Evaluation, evaluate
from nerlab.evaluate.scores import Scores
from nerlab.models.precision import PRECISION_CHOICES


def parse_tag_column(value: str) -> int | str:
    """``--tag-column``: an integer is a CoNLL column index, anything else a column name."""
    try:
        return int(value)
    except ValueError:
        return value


def _scores_table(title: str, rows: list[tuple[str, Scores]], n_items: int, digits: int) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("type")
    for name in ("precision", "recall", "f1", "support", "predicted", "correct"):
        table.add_column(name, justify="right")
    for i, (name, s) in enumerate(rows):
        nums = (f"{x:.{digits}f}" for x in (s.precision, s.recall, s.f1))
        table.add_row(
            name,
            *nums,
            str(s.support),
            str(s.predicted),
            str(s.correct),
            end_section=i == n_items - 1,
        )
    return table


def render_evaluation(ev: Evaluation, console: Console, name: str = "", digits: int = 4) -> None:
    """Print an evaluation: per-type tables in both modes (or per-tag), accuracy, confusion."""
    prefix = f"{name}: " if name else ""
    words = sum(map(len, ev.gold))
    console.print(f"[bold]{prefix}{len(ev.gold)} sentences, {words} words[/]")
    if ev.entity is not None:
        for mode, rep in ev.entity.items():
            rows = [*rep.per_type.items()]
            rows += [(f"{avg} avg", getattr(rep, avg)) for avg in ("micro", "macro", "weighted")]
            title = f"{prefix}entity scores, {mode} mode (word level)"
            console.print(_scores_table(title, rows, len(rep.per_type), digits))
    if ev.tags is not None:
        rows = [*ev.tags.per_tag.items(), ("macro avg", ev.tags.macro)]
        rows.append(("weighted avg", ev.tags.weighted))
        console.print(_scores_table(f"{prefix}per-tag scores", rows, len(ev.tags.per_tag), digits))
    console.print(f"{prefix}token accuracy: {ev.accuracy:.{digits}f}")
    if ev.confusion is not None:
        cm = ev.confusion
        table = Table(
            title=f"{prefix}entity type confusion (rows gold, columns predicted; "
            "O = missed / spurious)",
            title_justify="left",
        )
        table.add_column("gold \\ pred")
        for lab in cm.labels:
            table.add_column(lab, justify="right")
        for lab, row in zip(cm.labels, cm.matrix, strict=True):
            table.add_row(lab, *map(str, row))
        console.print(table)


def evaluate_cmd(
    model: Annotated[Path, typer.Argument(help="Model folder written by `nerlab train`.")],
    data: Annotated[Path, typer.Argument(help="Labelled data (CoNLL, JSONL, CSV/TSV, HF).")],
    tag_column: Annotated[
        str, typer.Option(help="Gold tag column: CoNLL index (default last) or CSV column name.")
    ] = "-1",
    precision: Annotated[
        str | None,
        typer.Option(
            help=f"One of {', '.join(PRECISION_CHOICES)}; default: the precision the model was "
            "trained and scored with (so scores match `nerlab train`)."
        ),
    ] = None,
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
    """Score a trained tagger: per-type entity scores (conlleval and strict), token accuracy,
    confusion matrix of entity types; per-tag scores for POS/chunk models."""
    result = evaluate(
        model,
        data,
        tag_column=parse_tag_column(tag_column),
        precision=precision,
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
