"""`nerlab predict`: tag (or classify) texts, a file or stdin with a trained (or exported ONNX)
model."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, Literal, TextIO

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from nerlab.cli._util import BackendOption, DecodingOption, PrecisionOption
from nerlab.errors import ConfigError, DataError, NerlabError
from nerlab.files import atomic_write, check_output_file
from nerlab.inference.batch import PredictStats, predict_file, predict_texts
from nerlab.inference.documents import INPUT_FORMATS, Source, parse_shard
from nerlab.inference.predictor import AGGREGATIONS, Predictor
from nerlab.inference.render import CLASSIFICATION_FORMATS, OUTPUT_FORMATS, TEXT_TASK
from nerlab.metrics import MODES
from nerlab.models.saved import model_files, read_meta


@contextlib.contextmanager
def _open_output(path: Path | None) -> Iterator[TextIO]:
    """stdout, or ``path`` written atomically: an existing file changes only on success."""
    if path is None:
        yield sys.stdout
        return
    with atomic_write(path) as f:
        yield f  # type: ignore[misc]


def _progress_factory(
    progress: Progress | None,
) -> Callable[[Source], Callable[[int], None] | None] | None:
    if progress is None:
        return None

    def make(source: Source) -> Callable[[int], None]:
        task = progress.add_task(Path(source.name).name, total=source.total)
        return lambda n: progress.advance(task, n)

    return make


def predict_command(
    model: Annotated[Path, typer.Argument(help="Model folder (nerlab train or export).")],
    input: Annotated[
        Path | None, typer.Argument(help="Input file; stdin when absent or -.")
    ] = None,
    text: Annotated[
        list[str] | None, typer.Option("--text", "-t", help="A text to tag (repeatable).")
    ] = None,
    input_format: Annotated[
        Literal[INPUT_FORMATS],  # type: ignore[valid-type]
        typer.Option(help="text: one document per line; auto: from the name and content."),
    ] = "auto",
    format: Annotated[
        Literal[OUTPUT_FORMATS],  # type: ignore[valid-type]
        typer.Option("--format", "-f", help="Output format."),
    ] = "jsonl",
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Output file (default: stdout).")
    ] = None,
    shard: Annotated[
        str | None, typer.Option(help="Only the I-th of N contiguous slices, e.g. 2/8.")
    ] = None,
    precision: PrecisionOption = "auto",
    backend: BackendOption = "auto",
    aggregation: Annotated[
        Literal[AGGREGATIONS],  # type: ignore[valid-type]
        typer.Option(help="Sub-token scores to word scores."),
    ] = "first",
    mode: Annotated[
        Literal[MODES],  # type: ignore[valid-type]
        typer.Option(help="Entities: conlleval (lenient) or strict."),
    ] = "conlleval",
    decoding: DecodingOption = None,
    token_budget: Annotated[
        int, typer.Option(help="Max batch x padded length per call (0: 1024 on CPU).")
    ] = 0,
    threads: Annotated[int, typer.Option(help="CPU threads (0: one per core).")] = 0,
    strict: Annotated[bool, typer.Option("--strict", help="Stop at an unreadable line.")] = False,
    engine: Annotated[
        Literal["local", "ray"],
        typer.Option(help="ray: INPUT is a folder of JSONL/Parquet files, --output a folder."),
    ] = "local",
    ray_actors: Annotated[int, typer.Option(help="--engine ray: model actors.")] = 1,
    ray_batch_size: Annotated[int, typer.Option(help="--engine ray: rows per batch.")] = 256,
    top_k: Annotated[
        int | None,
        typer.Option(help="Text classifiers: keep the K most probable class scores (default all)."),
    ] = None,
    pad_to: Annotated[
        int | None,
        typer.Option(
            help="Pad every batch to exactly N sub-tokens, windows of at most N (static shapes, "
            "for compiled graphs and accelerators; on CPU dynamic padding is usually faster)."
        ),
    ] = None,
    compile: Annotated[
        bool,
        typer.Option(
            "--compile", help="Run the PyTorch model through torch.compile (slow first batches)."
        ),
    ] = False,
    context: Annotated[
        int | None,
        typer.Option(
            min=0,
            help="Sub-tokens of document context a side (FLERT; default: as the model was "
            "trained; 0: none). Documents: CoNLL -DOCSTART-, JSONL doc_id, a text's sentences.",
        ),
    ] = None,
) -> None:
    """Tag texts, a file (text lines, JSONL with "text", CoNLL) or stdin; a text classifier
    gives each text its label, score and every class's score (--top-k: the K best).

    Unreadable lines are reported on stderr and skipped, unless --strict. With --engine ray
    (pip install 'nerlab[ray]'), every JSONL/Parquet file of the INPUT folder is tagged by
    Ray Data actors (--threads cores each) into the --output folder, one file per input.
    """
    shard_spec = parse_shard(shard)
    if input is not None and str(input) == "-":
        input = None
    if text and input is not None:
        raise ConfigError("give either --text or an INPUT file, not both")
    if text and shard_spec is not None:
        raise ConfigError("--shard applies to an INPUT file or stdin, not to --text")
    if threads < 0 or token_budget < 0:
        raise ConfigError("--threads and --token-budget must be 0 (default) or positive")
    _check_task_options(model, top_k, format, input_format)
    if engine == "ray":
        options = {"precision": precision, "backend": backend, "aggregation": aggregation}
        options |= {"mode": mode, "token_budget": token_budget or None}
        if decoding is not None:
            options["decoding"] = decoding
        if top_k is not None:
            options["top_k"] = top_k
        used = {"--text": bool(text), "--shard": shard is not None, "--strict": strict}
        used |= {"--format": format != "jsonl", "--input-format": input_format != "auto"}
        used |= {"--pad-to": pad_to is not None, "--compile": compile}
        used |= {"--context": context is not None}
        _predict_with_ray(
            model,
            input,
            output,
            [k for k, v in used.items() if v],
            options,
            ray_actors,
            ray_batch_size,
            threads,
        )
        return
    if not text and input is None and (sys.stdin is None or sys.stdin.closed):
        raise ConfigError("no input: standard input is closed; give an INPUT file or --text")
    if input is not None:
        _check_input(input)
    if output is not None:
        check_output_file(output, inputs=[input, *model_files(model)], what="--output")
    if threads:
        import torch

        torch.set_num_threads(threads)
    predictor = Predictor.load(
        model,
        precision=precision,
        backend=backend,
        aggregation=aggregation,  # type: ignore[arg-type]
        mode=mode,
        decoding=decoding,
        token_budget=token_budget or None,
        threads=threads or None,
        pad_to=pad_to,
        compile=compile,
        context=context,
    )
    err = Console(stderr=True)
    with _open_output(output) as out:
        if text:
            stats = predict_texts(predictor, list(text), out, output_format=format, top_k=top_k)
        else:
            stats = _predict_input(
                predictor, input, out, format, input_format, shard_spec, strict, err, top_k
            )
    _summary(err, stats, output, predictor.task.name)


def _check_task_options(
    model: Path, top_k: int | None, output_format: str, input_format: str
) -> None:
    """Options of the other task are refused before the model loads (its config is read)."""
    if top_k is not None and top_k < 1:
        raise ConfigError(f"--top-k must be a whole number >= 1 (or absent for all), not {top_k}")
    try:
        task = read_meta(model).task
    except NerlabError:  # not a model folder: Predictor.load says what is wrong with it
        return
    if task == TEXT_TASK:
        if output_format not in CLASSIFICATION_FORMATS:
            raise ConfigError(
                f"--format {output_format} writes one tag per word, for token-classification "
                f"models; {model} is a text classifier: use "
                f"{', '.join(CLASSIFICATION_FORMATS)}"
            )
        if input_format == "conll":
            raise ConfigError(
                f"--input-format conll reads pre-split words, for token-classification models; "
                f"{model} is a text classifier: give text lines, JSONL or JSON"
            )
    elif top_k is not None:
        raise ConfigError(
            f"--top-k {top_k}: the number of class scores kept per text, for "
            f"text-classification models; {model} is a {task} model"
        )


def _check_input(path: Path) -> None:
    """A missing or unusable INPUT path is reported before the model loads (the reader checks
    what the file holds)."""
    try:
        exists, folder = path.exists(), path.is_dir()
    except OSError as exc:  # a name too long, a folder that cannot be entered
        raise DataError(f"cannot be read: {exc.strerror}", path) from None
    if folder:
        raise DataError("is a folder; give a text, JSONL, JSON or CoNLL file", path)
    if not exists:
        link = " (a symbolic link to a missing file, or a link loop)" if path.is_symlink() else ""
        raise DataError(f"input file not found{link}", path)


def _predict_input(
    predictor: Predictor,
    path: Path | None,
    out: TextIO,
    output_format: str,
    input_format: str,
    shard: tuple[int, int] | None,
    strict: bool,
    err: Console,
    top_k: int | None = None,
) -> PredictStats:
    show = path is not None and err.is_terminal
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    bar = Progress(*columns, TimeRemainingColumn(), console=err, transient=True, disable=not show)
    with bar:
        return predict_file(
            predictor,
            path,
            out,
            output_format=output_format,
            input_format=input_format,
            shard=shard,
            strict=strict,
            on_error=lambda msg: err.print(
                f"[yellow]skipped:[/] {escape(msg)}", highlight=False, soft_wrap=True
            ),
            progress=_progress_factory(bar if show else None),
            top_k=top_k,
        )


def _summary(err: Console, stats: PredictStats, output: Path | None, task: str) -> None:
    where = f" -> {output}" if output is not None else ""
    bad = f", {stats.errors} unreadable line(s) skipped" if stats.errors else ""
    found = f"{stats.classified} classified" if task == TEXT_TASK else f"{stats.entities} entities"
    err.print(f"{stats.documents} document(s), {found}{bad}{where}", highlight=False)
    if stats.context is not None:
        err.print(stats.context, highlight=False, soft_wrap=True)


def _predict_with_ray(
    model: Path,
    input: Path | None,
    output: Path | None,
    refused: list[str],
    options: dict[str, object],
    actors: int,
    batch_size: int,
    threads: int,
) -> None:
    """``--engine ray``: a folder in, a folder out (nerlab.integrations.ray_job)."""
    from nerlab.integrations.ray_job import predict_folder

    if input is None or output is None:
        raise ConfigError("--engine ray reads an INPUT folder and writes an --output folder")
    if refused:
        raise ConfigError(f"{', '.join(refused)} cannot be used with --engine ray")
    err = Console(stderr=True)
    stats = predict_folder(
        model,
        input,
        output,
        actors=actors,
        num_cpus=threads or 1,
        batch_size=batch_size,
        on_error=lambda msg: err.print(
            f"[yellow]skipped:[/] {escape(msg)}", highlight=False, soft_wrap=True
        ),
        **options,
    )
    bad = f", {stats.errors} unreadable row(s) kept with an error" if stats.errors else ""
    left = f", {len(stats.skipped)} file(s) left out" if stats.skipped else ""
    err.print(
        f"{stats.files} file(s), {stats.documents} document(s), {stats.entities} "
        f"entities{bad}{left} -> {output}",
        highlight=False,
    )


def register(app: typer.Typer) -> None:
    """Add ``nerlab predict`` to the app."""
    app.command("predict")(predict_command)
