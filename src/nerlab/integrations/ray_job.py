"""``nerlab predict MODEL INPUT_DIR --engine ray --output OUT_DIR``: a folder of JSONL or
Parquet files predicted by a pool of Ray actors, one output file per input file.

What it does, in order:

1. Finds the inputs: ``*.jsonl``, ``*.ndjson`` and ``*.parquet`` files under INPUT_DIR
   (sub-folders too, as partitioned data sets are laid out; names starting with ``.`` or ``_``,
   such as ``_SUCCESS``, are not data). Every other file is reported as ignored.
2. Checks each one before the model loads: a Parquet file whose schema lacks the text column
   (or holds it as another type than string) is a :class:`~nerlab.errors.DataError` naming the
   file and the column; a file that cannot be read (a corrupt Parquet file, a UTF-16 JSONL
   file) is reported and left out, the others go on. No readable file at all is an error.
3. Predicts the texts of every readable row with :class:`~nerlab.integrations.ray.NerlabPredictor`
   in ``map_batches`` over an actor pool (``actors`` actors of ``num_cpus`` cores each; the
   model is loaded once per actor). Only the row number and the text travel through Ray, so
   every input column comes back exactly as it was, whatever its type.
4. Writes ``OUT_DIR/<same relative name>`` in the input's format, in input row order:
   - JSONL: what ``nerlab predict`` writes for the file, through its own writer
     (a tagger: each record with ``entities``; a text classifier: with ``label``, ``score``,
     ``labels``, ``scores``; a line that cannot be read keeps its parsed fields plus ``line``
     and ``error``; a ``tokens`` record, which only ``nerlab predict`` tags, is such a line);
   - Parquet: the input table plus ``entities`` (a list of ``{start, end, label, text,
     score}``) and ``error`` (null, or why the row has no prediction: a null text); a text
     classifier writes one ``classification`` column (``{label, score, labels, scores}``) instead
     of ``entities``, so that it never collides with an input ``label`` column.

A bad row is reported (``on_error``) and kept in place, never dropped. Each output file is
written atomically (:func:`nerlab.files.atomic_write`).

Ray is started for the call (quietly, on this machine, or joining ``address``) unless it is
already running, and shut down afterwards only if it was started here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nerlab.errors import ConfigError, DataError
from nerlab.files import atomic_write, check_output_dir, check_output_file
from nerlab.integrations.ray import (
    ERROR_COLUMN,
    OUTPUT_COLUMNS,
    TEXT_TASK,
    TOKEN_TASK,
    NerlabPredictor,
    arrow_values,
    classification_type,
    entity_type,
    ray_session,
    require_ray,
)

SUFFIXES = {".jsonl": "jsonl", ".ndjson": "jsonl", ".parquet": "parquet"}
_ROW = "_nerlab_row"  # the global row number that travels with each text through Ray
_TEXT = "text"


@dataclass
class FolderStats:
    """What a folder run did: files written, rows, outputs found, bad rows, files left out."""

    files: int = 0
    documents: int = 0
    entities: int = 0
    errors: int = 0
    skipped: list[str] = field(default_factory=list)


@dataclass
class _Input:
    path: Path
    relative: Path
    format: str
    first_row: int = 0  # global row number of the file's first row
    rows: int = 0


def find_inputs(
    input_dir: Path, report: Callable[[str], None], output_dir: Path | None = None
) -> list[_Input]:
    """The JSONL and Parquet files under ``input_dir``, sorted; others are reported ignored,
    and those under ``output_dir`` (an output folder inside the input folder: the outputs of
    an earlier run) are left out.

    Raises:
        DataError: ``input_dir`` is missing or not a folder.
    """
    if not input_dir.is_dir():
        what = "is a file; --engine ray reads a folder of" if input_dir.exists() else "not found;"
        raise DataError(f"{what} give a folder of JSONL or Parquet files", input_dir)
    found = []
    # An output folder strictly inside the input folder holds no inputs (an earlier run's
    # outputs); the input folder itself as output is refused file by file by the caller.
    inside = output_dir.resolve() if output_dir is not None else None
    if inside is not None and (
        inside == input_dir.resolve() or not inside.is_relative_to(input_dir.resolve())
    ):
        inside = None
    for path in sorted(input_dir.rglob("*")):
        relative = path.relative_to(input_dir)
        if not path.is_file() or any(p.startswith((".", "_")) for p in relative.parts):
            continue
        if inside is not None and path.resolve().is_relative_to(inside):
            continue
        fmt = SUFFIXES.get(path.suffix.lower())
        if fmt is None:
            report(f"{path}: ignored: not a JSONL (.jsonl, .ndjson) or Parquet (.parquet) file")
        else:
            found.append(_Input(path, relative, fmt))
    return found


def _check_parquet(item: _Input, schema: Any, text_column: str, output_column: str) -> None:
    """The schema holds a string text column and no column the output would overwrite.

    Raises:
        DataError: naming the file and the column.
    """
    import pyarrow as pa

    if text_column not in schema.names:
        raise DataError(
            f"no column {text_column!r} (its columns: {', '.join(map(repr, schema.names))}); "
            f"the texts must be in a string column named {text_column!r}",
            item.path,
        )
    kind = schema.field(text_column).type
    if not (pa.types.is_string(kind) or pa.types.is_large_string(kind)):
        raise DataError(f"column {text_column!r} is {kind}, not a string column", item.path)
    for name in (output_column, ERROR_COLUMN):
        if name in schema.names:
            raise DataError(
                f"already has a column {name!r}, which the output would overwrite; rename it",
                item.path,
            )


def _open(item: _Input) -> Any:
    """The Parquet file's schema (``None`` for JSONL, whose head is checked).

    Raises:
        DataError, OSError, pyarrow.ArrowException: the file cannot be read.
    """
    if item.format == "jsonl":
        _documents(item)  # refuses a UTF-16, compressed or binary file
        return None
    import pyarrow.parquet as pq

    return pq.read_schema(item.path)


def _read_texts(item: _Input, text_column: str) -> list[tuple[str | None, str | None]]:
    """Per row of the file, ``(text, None)`` or ``(None, error)`` (``file:line: why``)."""
    if item.format == "parquet":
        import pyarrow.parquet as pq

        values = pq.read_table(item.path, columns=[text_column]).column(0).to_pylist()
        return [
            (v, None)
            if isinstance(v, str)
            else (None, f"{item.path}: row {i + 1}: {text_column!r} is null; nothing predicted")
            for i, v in enumerate(values)
        ]
    rows: list[tuple[str | None, str | None]] = []
    for doc in _documents(item):
        if doc.error is not None:
            rows.append((None, doc.error))
        elif doc.words is not None:
            rows.append((None, _tokens_error(item.path, doc.line)))
        else:
            rows.append((doc.text or "", None))
    return rows


def _unreadable(item: _Input, exc: Exception) -> str:
    """The report of a file left out because it cannot be read."""
    if isinstance(exc, DataError):
        return f"{exc}; file left out"
    return f"{item.path}: cannot be read ({type(exc).__name__}: {exc}); file left out"


def _tokens_error(path: Path, line: int) -> str:
    return (
        f"{path}:{line}: a 'tokens' record (pre-split words); --engine ray tags texts only: "
        "give a 'text', or run nerlab predict without --engine ray on this file"
    )


def _documents(item: _Input) -> Iterator[Any]:
    from nerlab.inference.documents import open_source

    return open_source(item.path, None, "jsonl").documents  # type: ignore[arg-type]


def predict_folder(
    model: str | Path,
    input_dir: str | Path,
    output_dir: str | Path,
    *,
    text_column: str = _TEXT,
    actors: int = 1,
    num_cpus: float = 1.0,
    num_gpus: float = 0.0,
    batch_size: int = 256,
    address: str | None = None,
    on_error: Callable[[str], None] | None = None,
    progress: Callable[[int], None] | None = None,
    **predictor_options: Any,
) -> FolderStats:
    """Predict every JSONL/Parquet file of ``input_dir`` into ``output_dir`` with Ray Data.

    Args:
        model: the model folder (readable where the actors run).
        input_dir: the folder of input files (see the module docstring).
        output_dir: where the outputs go, under the inputs' relative names.
        text_column: the column (Parquet) holding the texts; JSONL records use ``text``.
        actors: actors in the pool (each loads the model once).
        num_cpus: cores per actor (its PyTorch threads).
        num_gpus: GPUs per actor (1: each actor predicts on its own GPU, in ``auto``
            precision bf16 where the GPU runs it).
        batch_size: rows per ``map_batches`` batch.
        address: a Ray cluster to join (default: the running one, else a local one).
        on_error: called with each bad row, unreadable and ignored file (default: ignored;
            they are counted in the result either way).
        progress: called with the number of rows predicted, as batches finish.
        predictor_options: passed to :class:`NerlabPredictor` (precision, backend, mode...).

    Returns:
        Counts of files, rows, entities and bad rows, and the files left out.

    Raises:
        DataError: ``input_dir`` is not a folder or holds no readable file, or a Parquet file
            lacks the text column.
        ConfigError: Ray is missing, an option is invalid, or an output would overwrite an
            input.
    """
    if actors < 1 or batch_size < 1 or num_cpus <= 0 or num_gpus < 0:
        raise ConfigError("actors, batch size and cores per actor must be positive")
    require_ray()  # before any work: Ray is an optional extra
    input_dir, output_dir = Path(input_dir), Path(output_dir)
    stats = FolderStats()

    def report(message: str) -> None:
        if on_error is not None:
            on_error(message)

    def skip(message: str) -> None:
        stats.skipped.append(message)
        report(message)

    inputs = find_inputs(input_dir, skip, output_dir)
    check_output_dir(output_dir, what="--output")
    output_column = _output_column(model)
    readable: list[_Input] = []
    for item in inputs:
        check_output_file(output_dir / item.relative, inputs=[item.path], what="--output")
        try:
            schema = _open(item)
        except Exception as exc:  # DataError, or pyarrow's own errors on a corrupt file
            skip(_unreadable(item, exc))
            continue
        if schema is not None:
            _check_parquet(item, schema, text_column, output_column)
        readable.append(item)
    texts = _load_texts(readable, text_column, skip)
    if not readable:
        found = f"{len(inputs)} JSONL/Parquet file(s), none readable" if inputs else "no files"
        raise DataError(f"no readable JSONL or Parquet file ({found})", input_dir)
    for _, error in texts:
        if error is not None:
            stats.errors += 1
            report(error)
    with ray_session(address) as ray:
        pool = {"actors": actors, "num_cpus": num_cpus, "num_gpus": num_gpus}
        pool["batch_size"] = batch_size
        outputs = _run(ray, model, texts, output_column, pool, progress, predictor_options)
    for item in readable:
        _write(item, output_dir / item.relative, texts, outputs, output_column)
        stats.files += 1
    stats.documents = len(texts)
    stats.entities = sum(len(v) for v in outputs if isinstance(v, list))
    return stats


def _output_column(model: str | Path) -> str:
    """``entities`` or ``classification``, from the model's recorded task (a cheap read)."""
    from nerlab.models.saved import read_meta

    task = read_meta(Path(model)).task
    if task not in OUTPUT_COLUMNS:
        raise ConfigError(f"the model's task {task!r} has no Ray output")
    return OUTPUT_COLUMNS[task]


def _load_texts(
    readable: list[_Input], text_column: str, skip: Callable[[str], None]
) -> list[tuple[str | None, str | None]]:
    """The rows of every readable file, in order; a file that fails now is left out."""
    texts: list[tuple[str | None, str | None]] = []
    for item in list(readable):
        try:
            rows = _read_texts(item, text_column)
        except Exception as exc:  # a Parquet file whose footer reads but whose data does not
            rows = None
            skip(_unreadable(item, exc))
        if rows is None:
            readable.remove(item)
            continue
        item.first_row, item.rows = len(texts), len(rows)
        texts.extend(rows)
    return texts


def _run(
    ray: Any,
    model: str | Path,
    texts: list[tuple[str | None, str | None]],
    output_column: str,
    pool: dict[str, Any],
    progress: Callable[[int], None] | None,
    options: dict[str, Any],
) -> list[Any]:
    """Per row, the model's output (``None`` for a bad row), predicted on the actor pool."""
    import pyarrow as pa

    good = [i for i, (_, error) in enumerate(texts) if error is None]
    outputs: list[Any] = [None] * len(texts)
    if not good:
        return outputs
    table = pa.table({_ROW: good, _TEXT: [texts[i][0] for i in good]})
    actors, batch_size = pool["actors"], pool["batch_size"]
    # A block holds a few batches (fewer, larger transfers), yet every actor gets one.
    step = max(batch_size, min(batch_size * 4, -(-len(good) // actors)))
    blocks = [table.slice(s, step) for s in range(0, table.num_rows, step)]
    ds = (
        ray.data.from_arrow(blocks)
        .map_batches(
            NerlabPredictor,
            fn_constructor_kwargs={"model": str(model), "text_column": _TEXT, **options},
            compute=ray.data.ActorPoolStrategy(size=actors),
            batch_size=batch_size,
            batch_format="pyarrow",
            num_cpus=pool["num_cpus"],
            num_gpus=pool["num_gpus"],
        )
        .select_columns([_ROW, output_column])
    )
    for batch in ds.iter_batches(batch_format="pyarrow", batch_size=None):
        values = batch.column(output_column).to_pylist()
        for row, value in zip(batch.column(_ROW).to_pylist(), values, strict=True):
            outputs[row] = _as_record(value)
        if progress is not None:
            progress(batch.num_rows)
    return outputs


def _as_record(value: Any) -> Any:
    """An Arrow value back in the Predictor's form (a map comes back as key-value pairs)."""
    if isinstance(value, dict) and isinstance(value.get("scores"), list):
        return {**value, "scores": dict(value["scores"])}
    return value


def _write(
    item: _Input,
    out: Path,
    texts: list[tuple[str | None, str | None]],
    outputs: list[Any],
    output_column: str,
) -> None:
    """Write one input file's rows with their outputs, in its format (atomically)."""
    rows = range(item.first_row, item.first_row + item.rows)
    if item.format == "jsonl":
        _write_jsonl(item, out, rows, texts, outputs, output_column)
        return
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pq.read_table(item.path)
    kind = entity_type() if output_column == "entities" else classification_type()
    values = arrow_values([outputs[r] for r in rows])
    table = table.append_column(output_column, pa.array(values, kind))
    table = table.append_column(ERROR_COLUMN, pa.array([texts[r][1] for r in rows], pa.string()))
    with atomic_write(out, binary=True) as f:
        pq.write_table(table, f)


def _write_jsonl(
    item: _Input,
    out: Path,
    rows: range,
    texts: list[tuple[str | None, str | None]],
    outputs: list[Any],
    output_column: str,
) -> None:
    """The file as ``nerlab predict`` writes it, through its own JSONL writer."""
    from nerlab.inference.predictor import Tagged
    from nerlab.inference.render import make_writer

    task = TOKEN_TASK if output_column == OUTPUT_COLUMNS[TOKEN_TASK] else TEXT_TASK
    with atomic_write(out) as f:
        writer = make_writer("jsonl", f, task=task)
        writer.start()
        for row, doc in zip(rows, _documents(item), strict=True):
            text, error = texts[row]
            if error is not None:
                doc.error = error  # a 'tokens' record: an error of this engine only
                writer.write(doc, None)
            elif task == TOKEN_TASK:
                writer.write(doc, Tagged(text or "", [], [], outputs[row]))
            else:
                writer.write(doc, outputs[row])
        writer.finish()
