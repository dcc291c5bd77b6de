"""The ``nerlab train`` command: a thin wrapper over :func:`nerlab.train`.

Its options are derived from :class:`~nerlab.config.TrainConfig`'s fields (name, type, default
and ``help`` metadata), so every field of the config is reachable from the command line and
none is copied by hand; ``--config FILE`` reads a JSON file of the same fields, which the
flags override (spaCy's config-plus-overrides).
"""

from __future__ import annotations

import inspect
import os
import typing
from dataclasses import MISSING, Field, fields
from pathlib import Path
from typing import Annotated, Any, Literal

import typer
from rich.console import Console
from rich.markup import escape

from nerlab.cli._util import parse_column, render_evaluation
from nerlab.config import RUN_CONTROL, TrainConfig, read_options
from nerlab.models.precision import PRECISION_CHOICES

_HINTS = typing.get_type_hints(TrainConfig)


def _option_type(f: Field[Any]) -> Any:
    """The CLI type of a config field: its own, ``str`` for ``int | str``, a Literal of choices."""
    if f.name == "precision":
        return Literal[PRECISION_CHOICES]  # type: ignore[valid-type]
    if f.metadata.get("choices"):
        return Literal[tuple(f.metadata["choices"])]  # type: ignore[valid-type]
    hint = _HINTS[f.name]
    args = set(typing.get_args(hint)) - {type(None)}
    if args == {int, str}:
        return str  # a CoNLL column index or a column name: parsed by parse_column
    if f.name in RUN_CONTROL or hint is bool:
        return bool
    base = next(iter(args)) if args else hint
    return base | None


def _parameter(f: Field[Any]) -> inspect.Parameter:
    """One ``typer.Option`` per config field: ``None`` means "not given" (the config wins)."""
    default = f.default if f.default is not MISSING else None
    decls = [f.metadata.get("flag") or "--" + f.name.replace("_", "-")]
    if "short" in f.metadata:
        decls.append(f.metadata["short"])
    help_text = f.metadata["help"]
    if f.name in RUN_CONTROL:
        option = typer.Option(*decls, help=help_text)
        return inspect.Parameter(
            f.name,
            inspect.Parameter.KEYWORD_ONLY,
            default=False,
            annotation=Annotated[bool, option],
        )
    if _HINTS[f.name] is bool and "/" not in decls[0]:
        decls[0] = f"{decls[0]}/--no-{decls[0][2:]}"
    if default is not None or f.name == "tag_column":
        help_text = f"{help_text} (default: {default})"
    option = typer.Option(*decls, help=help_text, show_default=False)
    annotation = Annotated[_option_type(f), option]
    return inspect.Parameter(
        f.name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=annotation
    )


def _config_parameter() -> inspect.Parameter:
    option = typer.Option(help="JSON file of options (e.g. a run's nerlab_run.json); flags win.")
    return inspect.Parameter(
        "config",
        inspect.Parameter.KEYWORD_ONLY,
        default=None,
        annotation=Annotated[Path | None, option],
    )


def config_from_options(options: dict[str, Any]) -> TrainConfig:
    """The run's config: ``--config`` file values, overridden by the flags given."""
    config = options.pop("config", None)
    base = read_options(config) if config is not None else {}
    if options.get("tag_column") is not None:
        options["tag_column"] = parse_column(options["tag_column"])
    given = {k: v for k, v in options.items() if v is not None and k not in RUN_CONTROL}
    control = {k: options[k] for k in RUN_CONTROL}
    source = str(config) if config is not None else "command line"
    return TrainConfig.from_dict({**base, **given, **control}, source=source)


def train_cmd(**options: Any) -> None:
    """Fine-tune a pretrained encoder for NER (or POS/chunk tagging) or text classification
    and save it to --output."""
    from nerlab.cli._progress import TrainProgress
    from nerlab.training import train
    from nerlab.training.run import interrupt_message
    from nerlab.training.state import run_notes

    cfg = config_from_options(options)
    err = Console(stderr=True)
    progress = TrainProgress(err)
    try:
        result = train(cfg, callbacks=[progress])
    except KeyboardInterrupt:
        progress.close()
        if int(os.environ.get("RANK", "0")) == 0:  # under torchrun, one message for all ranks
            err.print(f"[yellow]training interrupted[/]: {escape(interrupt_message(cfg))}")
        raise
    finally:
        progress.close()
    console = Console()
    for name, ev in (("dev", result.dev), ("test", result.test)):
        if ev is not None:
            render_evaluation(ev, console, name=name)
    stats = result.stats
    over = {k: n for k, n in (stats.get("texts_over_max_length") or {}).items() if n}
    if over:
        listed = ", ".join(f"{n} {split}" for split, n in over.items())
        how = (
            "read as windows, logits averaged"
            if cfg.long_text == "windows"
            else "truncated (--long-text windows reads them whole)"
        )
        console.print(f"texts over the model's maximum length: {listed}; {how}")
    for note in run_notes(stats):
        console.print(f"[yellow]note:[/] {escape(note)}")
    console.print(
        f"trained {stats['epochs_run']} epochs in {stats['seconds']:.1f} s "
        f"({stats['train_samples_per_second']:.1f} samples/s, {stats['precision']}"
        f"{', word embeddings frozen' if stats.get('word_embeddings') == 'frozen' else ''}"
        f"{', CRF head' if stats.get('head') == 'crf' else ''}); "
        f"model saved to [bold]{result.output}[/]"
    )


train_cmd.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
    [_parameter(f) for f in fields(TrainConfig)] + [_config_parameter()]
)
train_cmd.__annotations__ = {
    p.name: p.annotation for p in train_cmd.__signature__.parameters.values()
}  # type: ignore[attr-defined]


def register(app: typer.Typer) -> None:
    """Add ``nerlab train`` to the app."""
    app.command("train")(train_cmd)
