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

from nerlab.cli import data, evaluate, export, models, predict, score, train
from nerlab.errors import NerlabError

app = typer.Typer(
    name="nerlab",
    help="Fine-tune, evaluate, analyse and serve transformer encoders for NER.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

for _module in (data, score, models, train, evaluate, predict, export):
    _module.register(app)

_err = Console(stderr=True, soft_wrap=True)


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
    except click.exceptions.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except (click.exceptions.Abort, KeyboardInterrupt):
        _err.print("[yellow]interrupted[/]")
        return 130
    return result if isinstance(result, int) else 0


def main() -> None:
    """Console-script entry point."""
    sys.exit(run_cli(sys.argv[1:]))
