"""`nerlab export`: write a trained tagger or text classifier as an ONNX model folder that
`nerlab predict`, `nerlab evaluate` and `nerlab serve` run."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from nerlab.errors import ConfigError
from nerlab.inference.onnx import OPSET, export_onnx


def export_command(
    model: Annotated[Path, typer.Argument(help="Model folder written by nerlab train.")],
    out: Annotated[Path, typer.Argument(help="Output folder (created; must be empty).")],
    onnx: Annotated[bool, typer.Option("--onnx", help="Export to ONNX (the only format).")] = False,
    quantize: Annotated[
        str | None, typer.Option(help="int8: dynamic int8 quantisation (faster on CPU).")
    ] = None,
    opset: Annotated[int, typer.Option(help="ONNX opset version (17 or newer).")] = OPSET,
    overwrite: Annotated[bool, typer.Option(help="Write into a non-empty folder.")] = False,
) -> None:
    """Export MODEL (a tagger or a text classifier) to OUT as ONNX (dynamic batch and length),
    with tokenizer and labels."""
    if not onnx:
        raise ConfigError("choose an export format: --onnx (the only one so far)")
    path = export_onnx(model, out, quantize=quantize, opset=opset, overwrite=overwrite)
    size = path.stat().st_size / 1e6
    kind = quantize or "fp32"
    Console(stderr=True).print(
        f"wrote {path} ({kind}, {size:.1f} MB); run it with `nerlab predict {out} ...`",
        highlight=False,
        soft_wrap=True,
    )


def register(app: typer.Typer) -> None:
    """Add ``nerlab export`` to the app."""
    app.command("export")(export_command)
