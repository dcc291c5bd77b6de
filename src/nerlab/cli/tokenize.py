"""``nerlab tokenize``: the sub-tokens of each model side by side (why alignment matters)."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table


def tokenize_cmd(
    text: Annotated[str, typer.Argument(help="The text to cut into words and sub-tokens.")],
    model: Annotated[
        list[str] | None,
        typer.Option("--model", "-m", help="Model name or folder (repeatable; default minilm-l6)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show how each model cuts TEXT into sub-tokens: word ids, special tokens, count per word."""
    from nerlab.models.tokenize import tokenize

    results = tokenize(text, model or ["minilm-l6"])
    if as_json:
        typer.echo(json.dumps([r.to_dict() for r in results], indent=2, ensure_ascii=False))
        return
    table = Table(title="sub-tokens per word (count in brackets)", title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("word")
    for r in results:
        table.add_column(escape(r.model))
    pieces = [r.pieces() for r in results]
    for i, word in enumerate(results[0].words):
        cells = [f"{' '.join(map(escape, p[i]))} ({len(p[i])})" for p in pieces]
        table.add_row(str(i), escape(word), *cells)
    console = Console()
    console.print(table)
    for r in results:
        special = " ".join(t for t, w in zip(r.tokens, r.word_ids, strict=True) if w is None)
        console.print(
            f"{escape(r.model)}: {len(r.tokens)} sub-tokens for {len(r.words)} words "
            f"({r.special} special: {escape(special)})",
            highlight=False,
            soft_wrap=True,
        )


def register(app: typer.Typer) -> None:
    """Add ``nerlab tokenize`` to the app."""
    app.command("tokenize")(tokenize_cmd)
