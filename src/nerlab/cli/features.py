"""The ``nerlab features`` command: the frozen-encoder baseline of a text-classification set."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from nerlab.errors import ConfigError
from nerlab.models.precision import PRECISION_CHOICES

if TYPE_CHECKING:
    from nerlab.evaluate.features import FeaturesResult, SplitScores


def features_cmd(
    model: Annotated[
        str,
        typer.Argument(help="Encoder: a built-in name (minilm-l6), a model folder or a hub id."),
    ],
    data: Annotated[
        Path, typer.Argument(help="Labelled training texts (text;label, CSV/TSV, JSONL, HF).")
    ],
    test: Annotated[
        Path | None,
        typer.Option(
            help="Labelled texts to score on. Default: DATA's sibling with `train` in its name "
            "replaced by `test` (train.txt -> test.txt)."
        ),
    ] = None,
    dev: Annotated[
        Path | None, typer.Option(help="Also score on these labelled texts (the notebook's val).")
    ] = None,
    pooling: Annotated[
        Literal["mean", "first"],
        typer.Option(
            help="mean: average of the sub-token states (MiniLM-L6 on emotion: accuracy "
            "0.692 against 0.638 with first); first: the [CLS] token, as the notebook."
        ),
    ] = "mean",
    cache: Annotated[
        Path | None,
        typer.Option(help="Folder of the embedding cache. Default: $NERLAB_HOME/features."),
    ] = None,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Neither read nor write cached embeddings.")
    ] = False,
    map_png: Annotated[
        Path | None,
        typer.Option(
            "--map",
            help="Write the 2-D map of the training embeddings (one hexbin panel per class) "
            "to this PNG: UMAP, or PCA where umap-learn is missing.",
        ),
    ] = None,
    report_dir: Annotated[
        Path | None, typer.Option(help="Write features.json (scores, confusion counts) here.")
    ] = None,
    text_column: Annotated[
        str | None, typer.Option(help="Text column of CSV/TSV/JSONL (default: text).")
    ] = None,
    label_column: Annotated[
        str | None, typer.Option(help="Label column of CSV/TSV/JSONL (default: label).")
    ] = None,
    precision: Annotated[
        Literal[PRECISION_CHOICES],  # type: ignore[valid-type]
        typer.Option(help="Encoder precision; fp32 keeps cached vectors machine-independent."),
    ] = "fp32",
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    digits: Annotated[int, typer.Option(min=1, max=10, help="Digits shown in tables.")] = 4,
) -> None:
    """Frozen-encoder baseline: embed the texts (cached), fit a logistic regression on DATA,
    score it and the majority class on the test texts (accuracy, macro F1, confusion)."""
    from nerlab.evaluate.features import features_baseline, find_test_file
    from nerlab.models import nerlab_home

    if test is None:
        test = find_test_file(data)
        if test is None:
            raise ConfigError(
                f"no test file given and none found next to {data} (its name with `train` "
                "replaced by `test`); give --test FILE"
            )
    err = Console(stderr=True)
    cache_dir = None if no_cache else (cache or nerlab_home() / "features")
    with _stages(err) as progress:
        result = features_baseline(
            model,
            data,
            test,
            dev=dev,
            pooling=pooling,
            cache_dir=cache_dir,
            map_path=map_png,
            report_dir=report_dir,
            text_column=text_column,
            label_column=label_column,
            precision=precision,
            progress=progress,
        )
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
        return
    render_features(result, Console(), digits)


@contextmanager
def _stages(console: Console) -> Iterator[Callable[[str, int, int], None]]:
    """A transient bar per stage (texts embedded; fitting and map without a count)."""
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
        disable=not console.is_terminal,
    )
    tasks: dict[str, Any] = {}

    def progress(stage: str, done: int, total: int) -> None:
        if stage not in tasks:
            for other in tasks.values():  # the previous stage has finished
                bar.update(other, visible=False)
            tasks[stage] = bar.add_task(stage, total=total or None)
        bar.update(tasks[stage], completed=done)

    with bar:
        yield progress


def render_features(result: FeaturesResult, console: Console, digits: int = 4) -> None:
    """Print the run summary, the scores table and the confusion matrix of each split."""
    speed = (
        f"; {result.embedded} texts embedded at {result.texts_per_second:.0f} texts/s"
        if result.texts_per_second
        else ""
    )
    cached = f", {result.cached} from the cache" if result.cached else ""
    console.print(
        f"[bold]{escape(result.model)}[/], {result.pooling} pooling, {result.dim} dimensions: "
        f"{result.n_train} training texts, {len(result.labels)} classes{speed}{cached}",
        highlight=False,
        soft_wrap=True,
    )
    table = Table(
        title="frozen features: logistic regression vs majority class", title_justify="left"
    )
    for name in ("split", "texts", "classifier", "accuracy", "macro F1"):
        table.add_column(name, justify="left" if name in ("split", "classifier") else "right")
    for split in result.splits.values():
        for label, scores in (
            ("logistic regression", split.logistic),
            ("dummy (most frequent)", split.dummy),
        ):
            table.add_row(
                split.name,
                str(split.n_texts),
                label,
                f"{scores.accuracy:.{digits}f}",
                f"{scores.macro_f1:.{digits}f}",
                end_section=label.startswith("dummy"),
            )
    console.print(table)
    for split in result.splits.values():
        console.print(confusion_table(split, result.labels))
    for note in result.notes:
        console.print(f"[yellow]note:[/] {escape(note)}", soft_wrap=True)
    if result.map_path:
        console.print(
            f"{result.map_method.upper() if result.map_method else ''} map written to "
            f"{escape(result.map_path)}",
            highlight=False,
        )


def confusion_table(split: SplitScores, labels: list[str]) -> Table:
    """The regression's confusion matrix, each row divided by its gold count."""
    table = Table(
        title=f"{split.name}: logistic regression confusion (rows gold, columns predicted, "
        "share of the row)",
        title_justify="left",
    )
    table.add_column("gold")
    for name in labels:
        table.add_column(escape(name), justify="right")
    table.add_column("texts", justify="right")
    for name, row in zip(labels, split.confusion, strict=True):
        total = sum(row)
        cells = [f"{v / total:.2f}" if total else "-" for v in row]
        table.add_row(escape(name), *cells, str(total))
    return table


def register(app: typer.Typer) -> None:
    """Add ``nerlab features`` to the app."""
    app.command("features")(features_cmd)
