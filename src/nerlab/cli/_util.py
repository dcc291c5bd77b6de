"""Shared CLI helpers: option parsing and the rich renderers of reports.

Reports build their rows once (``report.rows()``, :mod:`nerlab.metrics.render`); the terminal
tables here are drawn from those rows, like the text, Markdown and HTML renderers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, Literal

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from nerlab.cli._tables import rows_table
from nerlab.inference.predictor import BACKENDS
from nerlab.models.precision import PRECISION_CHOICES

if TYPE_CHECKING:
    from nerlab.metrics import ScoreResult
    from nerlab.tasks import Evaluation


# Options shared by the commands that load a model for prediction (predict, serve).
PrecisionOption = Annotated[
    Literal[PRECISION_CHOICES],  # type: ignore[valid-type]
    typer.Option(help="PyTorch only; auto: bf16 where the CPU/GPU runs it natively."),
]
BackendOption = Annotated[
    Literal[BACKENDS],  # type: ignore[valid-type]
    typer.Option(help="auto: onnx if the folder has model.onnx."),
]
DecodingOption = Annotated[
    Literal["viterbi", "argmax"] | None,
    typer.Option(
        help="NER: word tags from the best sequence the tag scheme allows (viterbi, the "
        "default for entity labels) or each word's best label (argmax)."
    ),
]


def parse_column(value: str | int) -> int | str:
    """A column option: an integer index when it parses as one, else a column name."""
    try:
        return int(value)
    except ValueError:
        return value


def model_subtoken_counter(
    model: str, *, split_into_words: bool
) -> tuple[Callable[[list[Any]], list[int]], int]:
    """A sub-token counter from ``model``'s tokenizer, and the model's maximum length: it
    counts sentences given as word lists (``split_into_words``, NER data) or raw texts
    (classification data), special tokens included.

    transformers is imported here, only when ``--model`` is given, so that ``nerlab data
    describe`` without it starts fast and imports neither torch nor transformers.

    Raises:
        ModelError: the model cannot be resolved.
    """
    from transformers import AutoTokenizer

    from nerlab.models import model_max_length, resolve_model

    folder = resolve_model(model)
    tokenizer = AutoTokenizer.from_pretrained(str(folder))

    def count(inputs: list[Any]) -> list[int]:
        enc = tokenizer(
            inputs,
            is_split_into_words=split_into_words,
            add_special_tokens=True,
            return_attention_mask=False,
            return_token_type_ids=False,
            verbose=False,
        )
        return [len(ids) for ids in enc["input_ids"]]

    return count, model_max_length(folder)


def render_evaluation(ev: Evaluation, console: Console, name: str = "", digits: int = 4) -> None:
    """Print an evaluation: per-type tables in both modes (or per-tag), accuracy, confusion."""
    from nerlab.tasks.token_classification import TaggingEvaluation

    prefix = f"{name}: " if name else ""
    if not isinstance(ev, TaggingEvaluation):
        from nerlab.tasks.text_classification.evaluation import ClassificationEvaluation

        if isinstance(ev, ClassificationEvaluation):
            from nerlab.cli._classification import render_classification

            render_classification(ev, console, name=name)
            return
        console.print(f"{prefix}{ev.primary_metric}: {ev.main_score:.{digits}f}")
        return
    words = sum(map(len, ev.gold))
    console.print(f"[bold]{escape(prefix)}{len(ev.gold)} sentences, {words} words[/]")
    if ev.entity is not None:
        for mode, rep in ev.entity.items():
            title = f"{prefix}entity scores, {mode} mode (word level)"
            console.print(rows_table(title, rep.rows(), digits=digits))
    if ev.tags is not None:
        console.print(rows_table(f"{prefix}per-tag scores", ev.tags.rows(), "tag", digits))
    console.print(f"{escape(prefix)}token accuracy: {ev.accuracy:.{digits}f}")
    if line := ev.context_line():
        style = "yellow" if ev.context_note else "default"
        console.print(f"{escape(prefix)}[{style}]{escape(line)}[/]")
    if ev.confusion is not None:
        cm = ev.confusion
        table = Table(
            title=escape(
                f"{prefix}entity type confusion (rows gold, columns predicted; "
                "O = missed / spurious)"
            ),
            title_justify="left",
        )
        table.add_column("gold \\ pred")
        for lab in cm.labels:
            table.add_column(escape(lab), justify="right")
        for lab, row in zip(cm.labels, cm.matrix, strict=True):
            table.add_row(escape(lab), *map(str, row))
        console.print(table)


def render_score(result: ScoreResult, console: Console, digits: int = 4) -> None:
    """Print a ``nerlab score`` result: one row per type, then the averages, then accuracy."""
    report = result.report
    scheme = result.scheme_read
    if report.mode == "conlleval" and scheme != "IOB2":
        scheme += " (converted to IOB2)"
    title = (
        f"{' + '.join(result.sources)}: {result.sentences} sentences, {result.words} words, "
        f"mode {report.mode}, scheme {scheme}"
    )
    console.print(rows_table(title, report.rows(), digits=digits))
    console.print(f"token accuracy: {report.accuracy:.{digits}f}")
