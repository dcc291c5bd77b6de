"""The ``nerlab models`` commands: ``list`` the built-in encoders, ``info`` about any model."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from nerlab.models.catalog import BuiltinStatus, ModelSummary, describe_model, list_builtin_models
from nerlab.models.registry import BUILTIN_MODELS, missing_packages, resolve_model

_JSON = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _size(n: int | None) -> str:
    return "-" if n is None else f"{n / 1e6:,.1f} MB"


def _params(n: int | None) -> str:
    return "unknown" if n is None else f"{n / 1e6:.1f}M"


def _list_table(rows: list[BuiltinStatus]) -> Table:
    table = Table(title="Built-in encoders (use the name as --model)")
    for col in ("name", "installed", "size on disk", "parameters", "languages", "cased"):
        table.add_column(col)
    for r in rows:
        if not r.installed:
            installed = "[red]no[/] (see below)"
        elif r.converted_bytes is None and r.needs_conversion:
            installed = "yes (converted on first use)"
        else:
            installed = "[green]yes[/]"
        size = _size(r.size_bytes)
        if r.converted_bytes is not None:
            size += f" + {_size(r.converted_bytes)} converted"
        cased = "cased" if r.cased else "uncased"
        table.add_row(r.name, installed, size, _params(r.parameters), r.languages, cased)
    return table


def _info_table(s: ModelSummary) -> Table:
    table = Table(title=f"Model {s.name}", show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value")
    cased = {True: "cased", False: "uncased", None: "unknown"}[s.cased]
    rows = [
        ("folder", s.folder),
        ("architecture", f"{s.architecture} ({s.model_type})"),
        ("parameters", "unknown" if s.parameters is None else f"{s.parameters:,}"),
        ("max length", f"{s.max_length} sub-tokens"),
        ("vocabulary", "unknown" if s.vocab_size is None else f"{s.vocab_size:,}"),
        ("hidden size", str(s.hidden_size)),
        ("layers", str(s.layers)),
        ("attention heads", str(s.heads)),
        ("case", cased),
    ]
    if s.labels:
        rows.append(("labels", f"{len(s.labels)}: {' '.join(s.labels)}"))
    for key, value in rows:
        table.add_row(key, value)
    return table


def models_list(as_json: _JSON = False) -> None:
    """List the built-in encoders: installed or not, size, parameters, languages, case."""
    rows = list_builtin_models()
    if as_json:
        typer.echo(json.dumps([r.to_dict() for r in rows], indent=2))
        return
    console = Console(width=140)
    console.print(_list_table(rows))
    for r in rows:
        if not r.installed:
            console.print(f"{r.name} is not installed: {r.install_command}", soft_wrap=True)


def models_info(
    name: Annotated[str, typer.Argument(help="A built-in name, a model folder or a hub id.")],
    as_json: _JSON = False,
) -> None:
    """Architecture, parameters, max length, vocabulary, hidden size and layers of a model."""
    if name in BUILTIN_MODELS and not missing_packages(name) and not as_json:
        with Console(stderr=True).status(f"resolving {name} (converted once on first use)"):
            resolve_model(name)
    summary = describe_model(name)
    if as_json:
        typer.echo(json.dumps(summary.to_dict(), indent=2))
        return
    Console(width=140).print(_info_table(summary))


def register(app: typer.Typer) -> None:
    """Add ``nerlab models list`` and ``nerlab models info``."""
    group = typer.Typer(
        help="The built-in offline encoders and facts about any model.", no_args_is_help=True
    )
    group.command("list")(models_list)
    group.command("info")(models_info)
    app.add_typer(group, name="models")
