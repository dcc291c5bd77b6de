"""``nerlab data describe`` and ``nerlab data convert``: thin wrappers over nerlab.data."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from nerlab.cli._describe_texts import choose_task, describe_texts_cmd
from nerlab.cli._util import model_subtoken_counter, parse_column
from nerlab.data.demo import DEMO_SPLITS, demo_path
from nerlab.data.describe import Description, describe
from nerlab.data.textio import TEXT_TASK
from nerlab.data.writers import convert_file
from nerlab.errors import ConfigError

data_app = typer.Typer(
    name="data",
    help="Inspect and convert data files (CoNLL, JSONL, CSV/TSV, Hugging Face datasets).",
    no_args_is_help=True,
)

TagColumn = Annotated[
    str,
    typer.Option(
        "--tag-column",
        help="Tag column: an index for CoNLL files (0-based, -1 = last; 1 = POS, 2 = chunk in "
        "CoNLL-2003), a column name for CSV/TSV and Hugging Face data.",
    ),
]
Format = Annotated[
    str | None,
    typer.Option("--format", help="Input format: conll, jsonl, tabular, hf (default: detect)."),
]
WordColumn = Annotated[
    str,
    typer.Option(
        "--word-column",
        help="Word column: an index for CoNLL files (default 0), a column name for CSV/TSV "
        "(default: word) and Hugging Face data (default: tokens).",
    ),
]


def _short_names(paths: list[str]) -> list[str]:
    """File names without folders when they are unique, else the paths as given."""
    names = [Path(p).name for p in paths]
    return names if len(set(names)) == len(names) else paths


def render(desc: Description, console: Console) -> None:
    """Print a description as rich tables."""
    names = _short_names([s.path for s in desc.splits])
    types = sorted({t for s in desc.splits for t in s.entities})
    lengths = [
        "/".join(str(s.length[k]) for k in ("p50", "p90", "p99", "max")) for s in desc.splits
    ]
    title = "splits (length: words per sentence, p50/p90/p99/max)"
    table = Table(title=title, title_justify="left")
    table.add_column("file", overflow="fold")
    for col in ("sentences", "words", "entities", *types, "length"):
        table.add_column(col, justify="right", no_wrap=True)
    table.add_column("scheme", no_wrap=True)
    table.add_column("invalid", justify="right", no_wrap=True)
    if desc.max_length is not None:
        table.add_column(f"> {desc.max_length} sub-tokens", justify="right", no_wrap=True)
    for name, s, length in zip(names, desc.splits, lengths, strict=True):
        scheme = s.scheme or (f"plain ({s.labels} labels)" if s.labels else "unlabelled")
        span = s.scheme is not None
        row = [escape(name), str(s.sentences), str(s.words)]
        row += [str(s.total_entities) if span else "-"]
        row += [str(s.entities.get(t, 0)) if span else "-" for t in types]
        row += [length, scheme, str(s.invalid_transitions)]
        if desc.max_length is not None:
            row.append(str(s.too_long))
        table.add_row(*row)
    console.print(table)
    if desc.overlaps:
        short = dict(zip([s.path for s in desc.splits], names, strict=True))
        shared = Table(title="sentences found in two files (leakage)", title_justify="left")
        for col in ("in", "also in", "sentences", "distinct"):
            shared.add_column(col, justify="right" if col in ("sentences", "distinct") else "left")
        for o in desc.overlaps:
            shared.add_row(
                escape(short[o.second]), escape(short[o.first]), str(o.sentences), str(o.distinct)
            )
        console.print(shared)


def describe_cmd(
    files: Annotated[
        list[Path] | None,
        typer.Argument(help="Data files, one per split (default: the built-in demo corpus)."),
    ] = None,
    tag_column: TagColumn = "-1",
    word_column: WordColumn = "0",
    fmt: Format = None,
    model: Annotated[
        str | None,
        typer.Option("--model", help="Count sentences longer than this model's maximum length."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON to stdout.")] = False,
    task: Annotated[
        str,
        typer.Option(
            "--task", help="auto (detect from the data), token-classification, text-classification."
        ),
    ] = "auto",
    text_column: Annotated[
        str | None, typer.Option("--text-column", help="Classification: text column (text).")
    ] = None,
    label_column: Annotated[
        str | None,
        typer.Option("--label-column", help="Classification: label column (label, labels)."),
    ] = None,
    label_sep: Annotated[
        str | None,
        typer.Option("--label-sep", help="Classification: split labels at this (multi-label)."),
    ] = None,
    plots: Annotated[
        Path | None,
        typer.Option("--plots", help="Classification: write class balance and length PNGs here."),
    ] = None,
) -> None:
    """Describe data files: sizes, entities per type (NER) or classes (text classification),
    lengths, scheme, duplicates and leakage across splits."""
    tags = None if tag_column == "-1" else parse_column(tag_column)
    chosen = choose_task(
        task, list(files or []), text_column=text_column, label_column=label_column, tag_column=tags
    )
    if chosen == TEXT_TASK:
        describe_texts_cmd(
            files,
            text_column=text_column,
            label_column=label_column,
            label_sep=label_sep,
            fmt=fmt,
            model=model,
            as_json=as_json,
            plots=plots,
        )
        return
    if plots is not None or text_column or label_column or label_sep:
        raise ConfigError(
            "--plots, --text-column, --label-column and --label-sep are for text-classification "
            "data; these files hold token-classification (NER) data"
        )
    paths = list(files) if files else [demo_path(s) for s in DEMO_SPLITS]
    counter, max_length = (
        model_subtoken_counter(model, split_into_words=True) if model else (None, None)
    )
    desc = describe(
        paths,
        tag_column=parse_column(tag_column),
        word_column=parse_column(word_column),
        format=fmt,
        subtoken_counter=counter,
        max_length=max_length,
        model=model,
    )
    if as_json:
        typer.echo(json.dumps(desc.to_dict(), indent=2, ensure_ascii=False))
    else:
        render(desc, Console(width=max(Console().width, 160)))


def convert_cmd(
    source: Annotated[Path, typer.Argument(help="Input file (or Hugging Face dataset folder).")],
    target: Annotated[
        Path,
        typer.Argument(
            help="Output file: .jsonl for JSONL, .json for one JSON array, else CoNLL; - for "
            "standard output."
        ),
    ],
    scheme: Annotated[
        str, typer.Option("--scheme", help="Write span tags in IOB1, IOB2, IOBES or BILOU.")
    ] = "IOB2",
    source_scheme: Annotated[
        str, typer.Option("--source-scheme", help="Input scheme: auto, none (plain), IOB1, ...")
    ] = "auto",
    fmt: Format = None,
    to: Annotated[
        str | None, typer.Option("--to", help="Output format: conll, jsonl or json.")
    ] = None,
    tag_column: TagColumn = "-1",
    word_column: WordColumn = "0",
    split: Annotated[str | None, typer.Option("--split", help="Hugging Face split.")] = None,
) -> None:
    """Convert a data file to CoNLL, JSONL or JSON, re-encoding its tags in another scheme.

    The target is never the source, and is written only when the whole conversion succeeded.
    A JSONL or JSON target keeps every field of the source; for a CoNLL target, the fields it
    cannot hold are named.
    """
    to_stdout = str(target) == "-"
    result = convert_file(
        source,
        Path("/dev/stdout") if to_stdout else target,
        scheme=scheme,
        source_scheme=source_scheme,
        format=fmt,
        to=to,
        tag_column=parse_column(tag_column),
        word_column=parse_column(word_column),
        split=split,
    )
    schemes = (
        f"{result.source_scheme} -> {result.target_scheme}"
        if result.target_scheme
        else "plain labels, unchanged"
    )
    typer.echo(
        f"wrote {result.sentences} sentences ({result.words} words) to "
        f"{'standard output' if to_stdout else result.target} ({result.format}; tags {schemes})",
        err=to_stdout,
    )
    if result.dropped:
        typer.echo(
            f"note: CoNLL output has no place for: {', '.join(result.dropped)} "
            "(use a .jsonl target to keep them)",
            err=True,
        )


def register(app: typer.Typer) -> None:
    """Add the ``data`` command group (describe, convert) to the nerlab app."""
    data_app.command("describe")(describe_cmd)
    data_app.command("convert")(convert_cmd)
    app.add_typer(data_app, name="data")
