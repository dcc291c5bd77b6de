"""The terminal view of a text classifier's evaluation: the report rows (the same rows as the
text, Markdown and HTML renderers), the row-normalised confusion matrix and the texts with the
highest loss.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from nerlab.cli._tables import rows_table

if TYPE_CHECKING:
    from nerlab.tasks.text_classification.evaluation import ClassificationEvaluation


def render_classification(
    ev: ClassificationEvaluation, console: Console, name: str = "test", digits: int = 4
) -> None:
    """Print the per-class table (single-label: accuracy, macro and weighted averages;
    multi-label: micro, macro, weighted and samples averages), the confusion matrix as shares
    of each gold class with counts, and the highest-loss texts."""
    prefix = f"{name}: " if name else ""
    kind = "multi-label" if ev.multi_label else "single-label"
    console.print(
        f"[bold]{escape(prefix)}{len(ev.gold)} texts, {len(ev.labels)} classes ({kind})[/]"
    )
    first = "label" if ev.multi_label else "class"
    console.print(rows_table(f"{prefix}per-{first} scores", ev.rows(), first, digits))
    if ev.multi_label:
        console.print(f"{escape(prefix)}subset accuracy: {ev.accuracy:.{digits}f}")
    console.print(_confusion_table(ev, prefix))
    if ev.highest_loss:
        console.print(_loss_table(ev, prefix, digits))


def _confusion_table(ev: ClassificationEvaluation, prefix: str) -> Table:
    cm = ev.confusion
    if ev.multi_label:
        what = (
            "texts of each gold label given each predicted label (share of the gold label's texts)"
        )
    else:
        what = "share of each gold class, with counts; rows gold, columns predicted"
    table = Table(title=escape(f"{prefix}confusion: {what}"), title_justify="left")
    table.add_column("gold \\ pred")
    for lab in cm.labels:
        table.add_column(escape(lab), justify="right")
    for i, (lab, counts, shares) in enumerate(
        zip(cm.labels, cm.matrix, cm.normalized(), strict=True)
    ):
        cells = []
        for j, (count, share) in enumerate(zip(counts, shares, strict=True)):
            text = f"{share:.2f} ({count})"
            cells.append(f"[bold]{text}[/]" if i == j else text)
        table.add_row(escape(lab), *cells)
    return table


def _loss_table(ev: ClassificationEvaluation, prefix: str, digits: int) -> Table:
    table = Table(
        title=escape(f"{prefix}{len(ev.highest_loss)} texts with the highest loss"),
        title_justify="left",
    )
    for column in ("loss", "gold", "predicted", "text"):
        table.add_column(column, justify="right" if column == "loss" else "left")
    for h in ev.highest_loss:
        table.add_row(
            f"{h['loss']:.{digits}f}",
            escape(", ".join(h["gold"]) or "-"),
            escape(", ".join(h["pred"]) or "-"),
            escape(h["text"] if h["text"] is not None else f"#{h['index']}"),
        )
    return table
