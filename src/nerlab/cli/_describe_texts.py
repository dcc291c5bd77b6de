"""``nerlab data describe`` for text-classification files: which task the files hold, the rich
tables of :func:`nerlab.data.describe_texts.describe_texts`, and ``--plots``.

Kept apart from ``cli/data.py`` (the NER describe and convert), which dispatches here when the
files hold text-classification data (or ``--task text-classification`` says so).
"""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from nerlab.cli._util import model_subtoken_counter
from nerlab.data.demo import DEMO_SPLITS, demo_texts_path
from nerlab.data.describe_texts import TextDescription, describe_texts
from nerlab.data.textio import TASKS, TOKEN_TASK, detect_task
from nerlab.errors import ConfigError

TASK_CHOICES = ("auto", *TASKS)


def choose_task(
    task: str,
    paths: list[Path],
    *,
    text_column: str | None = None,
    label_column: str | None = None,
    tag_column: int | str | None = None,
) -> str:
    """The task of the files: ``task`` when given, else detected (the same for every file);
    without files, token classification (the demo NER corpus).

    Raises:
        ConfigError: an unknown ``task``, or files of both tasks.
    """
    if task not in TASK_CHOICES:
        raise ConfigError(f"unknown --task {task!r}: allowed are {', '.join(TASK_CHOICES)}")
    if task != "auto":
        return task
    found = {
        str(p): detect_task(
            p, text_column=text_column, label_column=label_column, tag_column=tag_column
        )
        for p in paths
    }
    if len(set(found.values())) > 1:
        listed = "; ".join(f"{p}: {t}" for p, t in found.items())
        raise ConfigError(
            f"the files hold data of two tasks ({listed}); describe them separately, or force "
            f"one with --task {'|'.join(TASKS)}"
        )
    return next(iter(found.values()), TOKEN_TASK)  # no files: the NER demo corpus


def _short(paths: list[str]) -> list[str]:
    names = [Path(p).name for p in paths]
    return names if len(set(names)) == len(names) else paths


def _quartiles(length: dict[str, int] | None) -> str:
    return "-" if length is None else "/".join(str(length[k]) for k in ("p50", "p90", "p99", "max"))


def render_texts(desc: TextDescription, console: Console) -> None:
    """Print a text-classification description as rich tables."""
    names = _short([s.path for s in desc.splits])
    per = "words" if desc.max_length is None else "words and sub-tokens"
    table = Table(title=f"splits (length: {per} per text, p50/p90/p99/max)", title_justify="left")
    table.add_column("file", overflow="fold")
    for col in ("texts", "words", "classes", "length"):
        table.add_column(col, justify="right", no_wrap=True)
    if desc.max_length is not None:
        table.add_column("sub-tokens", justify="right", no_wrap=True)
        table.add_column(f"> {desc.max_length} sub-tokens", justify="right", no_wrap=True)
    table.add_column("repeated", justify="right", no_wrap=True)
    table.add_column("other labels", justify="right", no_wrap=True)
    for name, s in zip(names, desc.splits, strict=True):
        used = sum(1 for n in s.classes.values() if n)
        kind = "multi-label" if s.multi_label else "single-label"
        classes = f"{used} ({kind})" if s.labelled else "unlabelled"
        row = [escape(name), str(s.texts), str(s.words), classes, _quartiles(s.length)]
        if desc.max_length is not None:
            row += [_quartiles(s.subtokens), str(s.too_long)]
        row += [str(s.duplicates), str(s.conflicting)]
        table.add_row(*row)
    console.print(table)
    if any(s.labelled for s in desc.splits) and desc.labels:
        console.print(_class_table(desc, names))
    if desc.overlaps:
        short = dict(zip([s.path for s in desc.splits], names, strict=True))
        shared = Table(title="texts found in two files (leakage)", title_justify="left")
        shared.add_column("in")
        shared.add_column("also in")
        for col in ("texts", "distinct", "other labels"):
            shared.add_column(col, justify="right")
        for o in desc.overlaps:
            shared.add_row(
                escape(short[o.second]),
                escape(short[o.first]),
                str(o.texts),
                str(o.distinct),
                str(o.conflicting),
            )
        console.print(shared)


def _class_table(desc: TextDescription, names: list[str]) -> Table:
    table = Table(title="texts per class (share of the split)", title_justify="left")
    table.add_column("class")
    for name in names:
        table.add_column(escape(name), justify="right", no_wrap=True)
    for label in desc.labels:
        cells = [
            f"{s.classes[label]} ({100 * s.shares[label]:.1f}%)" if s.labelled else "-"
            for s in desc.splits
        ]
        table.add_row(escape(label), *cells)
    if any(s.multi_label for s in desc.splits):
        table.add_row("(no label)", *[str(s.no_label) for s in desc.splits])
    return table


def describe_texts_cmd(
    files: list[Path] | None,
    *,
    text_column: str | None,
    label_column: str | None,
    label_sep: str | None,
    fmt: str | None,
    model: str | None,
    as_json: bool,
    plots: Path | None,
) -> None:
    """Describe text-classification files (default: the demo set), print, draw the figures."""
    paths = list(files) if files else [demo_texts_path(s) for s in DEMO_SPLITS]
    counter, max_length = (
        model_subtoken_counter(model, split_into_words=False) if model else (None, None)
    )
    desc = describe_texts(
        paths,
        text_column=text_column,
        label_column=label_column,
        label_sep=label_sep,
        format=fmt,
        subtoken_counter=counter,
        max_length=max_length,
        model=model,
    )
    if as_json:
        typer.echo(json.dumps(desc.to_dict(), indent=2, ensure_ascii=False))
    else:
        render_texts(desc, Console(width=max(Console().width, 160)))
    if plots is not None:
        from nerlab.data.text_plots import write_plots

        for path in write_plots(desc, plots):
            typer.echo(f"wrote {path}", err=as_json)
