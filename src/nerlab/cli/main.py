"""The ``nerlab`` command: a typer app whose commands are thin wrappers over the Python API.

Each command lives in its own module under ``nerlab.cli`` and adds itself to the app through a
``register(app)`` function, so the story of a command fits on one screen of its module.
"""

from __future__ import annotations

import sys

import click
import typer
from rich.console import Console
from rich.markup import escape

from nerlab.cli import (
    analyze,
    data,
    evaluate,
    export,
    features,
    models,
    predict,
    probe,
    score,
    serve,
    tokenize,
    train,
    xlingual,
)
from nerlab.errors import NerlabError

app = typer.Typer(
    name="nerlab",
    help="Fine-tune, evaluate and use transformer encoders for NER.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

for _module in (
    data,
    score,
    models,
    tokenize,
    train,
    evaluate,
    predict,
    export,
    serve,
    analyze,
    probe,
    features,
    xlingual,
):
    _module.register(app)

_err = Console(stderr=True, soft_wrap=True)


def _click_classes(name: str) -> tuple[type[BaseException], ...]:
    """``name`` from click and from the copy of click that typer >= 0.29 bundles."""
    classes: list[type[BaseException]] = [getattr(click.exceptions, name)]
    try:
        from typer._click import exceptions as vendored
    except ImportError:  # older typer: plain click only
        return tuple(classes)
    if hasattr(vendored, name):
        classes.append(getattr(vendored, name))
    return tuple(classes)


_USAGE_ERRORS = _click_classes("ClickException")
_EXITS = (click.exceptions.Exit, typer.Exit)
_ABORTS = (click.exceptions.Abort, typer.Abort, KeyboardInterrupt)


def run_cli(argv: list[str] | None = None) -> int:
    """Run the CLI on ``argv`` and return the exit code (0 ok, 1 usage error, 2 nerlab error).

    A :class:`~nerlab.errors.NerlabError` is printed as one clear message without a traceback;
    anything else is a bug and keeps its traceback.
    """
    try:
        result = app(args=argv, prog_name="nerlab", standalone_mode=False)
    except NerlabError as exc:
        _err.print(f"[bold red]error:[/] {escape(str(exc))}")
        return 2
    except _USAGE_ERRORS as exc:
        exc.show()  # type: ignore[attr-defined]
        return exc.exit_code  # type: ignore[attr-defined]
    except _EXITS as exc:
        return exc.exit_code
    except _ABORTS:
        _err.print("[yellow]interrupted[/]")
        return 130
    return result if isinstance(result, int) else 0


def main() -> None:
    """Console-script entry point."""
    sys.exit(run_cli(sys.argv[1:]))
