"""The ``nerlab analyze`` command: where and why a tagger fails on labelled data."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from nerlab.cli._util import parse_column, rows_table
from nerlab.cli.score import render_partial
from nerlab.models.precision import PRECISION_CHOICES

if TYPE_CHECKING:
    from nerlab.evaluate.analysis import Analysis, SentenceView
    from nerlab.evaluate.analysis.buckets import BucketTable
    from nerlab.evaluate.analysis.loss import LossRow

MapOption = Annotated[
    list[str] | None,
    typer.Option(
        "--map",
        help="Rename labels of DATA (and TRAIN, OTHER) and of the predictions: OLD=NEW pairs, "
        "comma-separated or repeated (person=PER,MISC=O). Labels the model lacks must be mapped.",
    ),
]
PrecisionOption = Annotated[
    Literal[PRECISION_CHOICES] | None,  # type: ignore[valid-type]
    typer.Option(help="Default: the precision the model was trained and scored with."),
]
TagColumnOption = Annotated[
    str, typer.Option(help="Gold tag column: CoNLL index (default last) or CSV column name.")
]


@contextmanager
def sentence_progress(console: Console, what: str) -> Iterator[Callable[[int], None]]:
    """A transient spinner counting predicted sentences (on stderr, only on a terminal)."""
    bar = Progress(
        SpinnerColumn(),
        TextColumn(f"{what}: {{task.completed}} sentences"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )
    with bar:
        task = bar.add_task(what, total=None)
        yield lambda n: bar.advance(task, n)


def analyze_cmd(
    model: Annotated[Path, typer.Argument(help="Model folder written by `nerlab train`.")],
    data: Annotated[Path, typer.Argument(help="Labelled data (CoNLL, JSONL, CSV/TSV, HF).")],
    train: Annotated[
        Path | None,
        typer.Option(
            help="Training file, for the seen/unseen and consistency buckets "
            "(default: the one the model was trained on, if it is still there)."
        ),
    ] = None,
    report: Annotated[
        Path | None,
        typer.Option(help="Write analysis.json, the charts and a self-contained report.html here."),
    ] = None,
    mapping: MapOption = None,
    top: Annotated[int, typer.Option(min=0, help="Highest-loss sentences kept.")] = 20,
    tag_column: TagColumnOption = "-1",
    precision: PrecisionOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print analysis.json.")] = False,
    digits: Annotated[int, typer.Option(min=1, max=10, help="Digits shown in tables.")] = 4,
) -> None:
    """Explain a tagger's errors: loss per sentence and word, error kinds, partial-match
    scores, F1 per bucket (length, seen in TRAIN, capitalisation...), type confusion."""
    from nerlab.evaluate.analysis import analyze, parse_map

    err = Console(stderr=True)
    with sentence_progress(err, "predicting") as progress:
        result = analyze(
            model,
            data,
            train=train,
            tag_column=parse_column(tag_column),
            mapping=parse_map(mapping),
            top_k=top,
            precision=precision,
            report_dir=report,
            progress=progress,
        )
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
        return
    console = Console()
    render_analysis(result, console, digits)
    if report is not None:
        console.print(
            f"report written to {escape(str(report))} (report.html, analysis.json, charts)"
        )


def render_analysis(a: Analysis, console: Console, digits: int = 4, sentences: int = 5) -> None:
    """Print the terminal summary of an analysis."""
    console.print(
        f"[bold]{a.sentences} sentences, {a.words} words: entity F1 {a.f1:.{digits}f} "
        f"(conlleval), mean word loss {a.mean_loss:.{digits}f}[/]"
    )
    for note in a.notes:
        console.print(f"[yellow]note:[/] {escape(note)}", soft_wrap=True)
    assert a.evaluation.entity is not None
    conll = a.evaluation.entity["conlleval"]
    console.print(rows_table("entity scores, conlleval mode", conll.rows(), digits=digits))
    render_partial(a.partial, console, digits)
    for table in a.buckets:
        console.print(_bucket_table(table, digits))
    for view in a.top[:sentences]:
        console.print(_sentence(view))
    if a.top:
        console.print(
            f"({len(a.top[:sentences])} of the highest-loss sentences shown; "
            "the report holds all of them)"
        )
    console.print(_loss_table("loss per gold label", "label", a.loss_by_label, digits))
    console.print(
        _loss_table("loss per word form (highest total)", "word", a.loss_by_word[:15], digits)
    )


def _bucket_table(t: BucketTable, digits: int) -> Table:
    table = Table(title=f"F1 per bucket: {escape(t.title)}", title_justify="left")
    for name in ("bucket", "gold", "predicted", "precision", "recall", "f1"):
        table.add_column(name, justify="left" if name == "bucket" else "right")
    for b in t.buckets:
        nums = (f"{x:.{digits}f}" for x in (b.precision, b.recall, b.f1))
        table.add_row(escape(b.name), str(b.gold), str(b.predicted), *nums)
    return table


def _sentence(view: SentenceView) -> Text:
    """One sentence on a line: wrong words as ``word[GOLD>PRED]`` in red."""
    where = f"{view.path}:{view.line}" if view.path else f"sentence {view.index + 1}"
    text = Text(f"loss {view.loss:.3f} {where}\n  ", style="bold")
    for w, g, p in zip(view.words, view.gold, view.pred, strict=True):
        if g == p:
            text.append(w + " ", style="green" if g != "O" else "")
        else:
            text.append(f"{w}[{g}>{p}] ", style="bold red")
    return text


def _loss_table(title: str, first: str, rows: list[LossRow], digits: int) -> Table:
    table = Table(title=title, title_justify="left")
    for name in (first, "count", "mean loss", "total loss"):
        table.add_column(name, justify="left" if name == first else "right")
    for r in rows:
        table.add_row(escape(r.key), str(r.count), f"{r.mean:.{digits}f}", f"{r.total:.2f}")
    return table


def register(app: typer.Typer) -> None:
    """Add ``nerlab analyze`` to the app."""
    app.command("analyze")(analyze_cmd)
