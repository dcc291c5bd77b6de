"""The ``nerlab score`` command: entity-level scores of predictions made by any system."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from nerlab.cli._util import render_score

if TYPE_CHECKING:
    from nerlab.metrics.partial import PartialReport


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
    partial: Annotated[
        bool,
        typer.Option(
            "--partial",
            help="Also the partial-match scores (strict, exact, partial, type; SemEval-2013, "
            "equal to nervaluate) and the error kinds per type.",
        ),
    ] = False,
) -> None:
    """Score predictions: entity precision/recall/F1 per type, micro/macro/weighted, accuracy."""
    from nerlab.metrics.scoring import score_files

    result = score_files(file, gold=gold, pred=pred, mode=mode, scheme=scheme, partial=partial)
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2))
        return
    console = Console()
    render_score(result, console, digits)
    if result.partial is not None:
        render_partial(result.partial, console, digits)


def render_partial(report: PartialReport, console: Console, digits: int = 4) -> None:
    """Print the partial-match scores (one row per schema), F1 per type, and the error kinds."""
    from nerlab.metrics.partial import KINDS, SCHEMAS

    counts = ("correct", "incorrect", "partial", "missed", "spurious")
    table = Table(
        title="partial-match scores (SemEval-2013, as nervaluate counts them)",
        caption="strict: same boundaries and type; exact: same boundaries; partial: overlap, "
        "half credit unless exact; type: overlap and same type. COR/INC/PAR/MIS/SPU: correct, "
        "incorrect, partial, missed, spurious",
        title_justify="left",
        caption_justify="left",
    )
    for name in ("schema", "COR", "INC", "PAR", "MIS", "SPU", "P", "R", "F1"):
        table.add_column(name, justify="left" if name == "schema" else "right")
    for name, c in report.overall.items():
        scores = (f"{x:.{digits}f}" for x in (c.precision, c.recall, c.f1))
        table.add_row(name, *(str(getattr(c, k)) for k in counts), *scores)
    console.print(table)
    per_type = Table(title="F1 per type and schema", title_justify="left")
    for name in ("type", *SCHEMAS):
        per_type.add_column(name, justify="left" if name == "type" else "right")
    for typ, by in report.per_type.items():
        per_type.add_row(escape(typ), *(f"{by[s].f1:.{digits}f}" for s in SCHEMAS))
    console.print(per_type)
    kinds = Table(
        title="error kinds per type",
        caption="each gold entity once: correct, wrong type, wrong boundary (span), wrong "
        "boundary and type, missed; spurious: predictions that overlap no gold entity, by "
        "predicted type",
        title_justify="left",
        caption_justify="left",
    )
    kinds.add_column("type")
    for name in ("correct", "wrong type", "wrong span", "span+type", "missed", "spurious"):
        kinds.add_column(name, justify="right")
    for typ, c in report.kinds.per_type.items():
        kinds.add_row(escape(typ), *(str(c[k]) for k in KINDS))
    if kinds.rows:
        kinds.rows[-1].end_section = True
    kinds.add_row("total", *(str(report.kinds.total[k]) for k in KINDS))
    console.print(kinds)


def register(app: typer.Typer) -> None:
    """Add ``nerlab score`` to the app."""
    app.command("score")(score)
