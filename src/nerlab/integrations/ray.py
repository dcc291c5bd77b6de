"""Ray Data batch inference: a callable class that runs a nerlab model over a Ray Dataset.

Ray Data is how a PyTorch model is run over millions of documents across cores and machines:
``map_batches`` with a callable class, so that each actor of the pool loads the model once
and then predicts batch after batch. :class:`NerlabPredictor` is that class over the
:class:`~nerlab.inference.Predictor`; it adds the model's output to each batch and keeps
every input column as it was:

- a tagger (task ``token-classification``) adds ``entities``: per row the list of
  ``{start, end, label, text, score}`` that ``nerlab predict`` writes;
- a text classifier (task ``text-classification``) adds ``classification``: per row the
  record of :meth:`Predictor.classify` (``label``, ``score``, ``labels``, ``scores``);
- every row gets ``error``: ``None``, or why the row was not predicted (its text is null or
  not a string). Such a row keeps its place and its columns, with a null output: a bad row is
  reported, never dropped.

Batches may be NumPy dicts (Ray's default), pandas DataFrames or Arrow tables; the result has
the same form. Install Ray with ``pip install 'nerlab[ray]'``.

Example:
    >>> import ray
    >>> from nerlab.integrations.ray import NerlabPredictor
    >>> ds = ray.data.read_parquet("s3://bucket/news/")
    >>> ds = ds.map_batches(
    ...     NerlabPredictor,
    ...     fn_constructor_kwargs={"model": "runs/minilm-conllpp"},
    ...     compute=ray.data.ActorPoolStrategy(size=4),  # ``concurrency=4`` before Ray 2.51
    ...     batch_size=256,
    ...     num_cpus=1,  # threads per actor (Ray sets OMP_NUM_THREADS from it)
    ... )
    >>> ds.write_parquet("s3://bucket/news-entities/")
"""

from __future__ import annotations

import contextlib
import logging
import math
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from nerlab.errors import ConfigError, DataError

INSTALL_HINT = "pip install 'nerlab[ray]'"
TOKEN_TASK = "token-classification"
TEXT_TASK = "text-classification"
OUTPUT_COLUMNS = {TOKEN_TASK: "entities", TEXT_TASK: "classification"}
ERROR_COLUMN = "error"


def require_ray() -> ModuleType:
    """The ``ray`` module with Ray Data, or a :class:`~nerlab.errors.ConfigError` saying how to
    install it (Ray is an optional extra)."""
    try:
        import ray
        import ray.data  # the Data library is the ``ray[data]`` part
    except ImportError as exc:
        raise ConfigError(
            f"Ray Data is not installed ({exc}); install it with: {INSTALL_HINT}"
        ) from None
    return ray


@contextlib.contextmanager
def ray_session(address: str | None = None) -> Iterator[Any]:
    """Ray, started quietly for the block (or the running one, left running), with Ray
    Data's progress bars and info logs off for the block."""
    ray = require_ray()
    started = not ray.is_initialized()
    if started:
        ray.init(
            address=address,
            include_dashboard=False,
            log_to_driver=False,
            configure_logging=False,
        )
    context = ray.data.DataContext.get_current()
    bars = context.enable_progress_bars
    logger = logging.getLogger("ray.data")
    level = logger.level
    context.enable_progress_bars = False
    logger.setLevel(logging.WARNING)
    try:
        yield ray
    finally:
        context.enable_progress_bars = bars
        logger.setLevel(level)
        if started:
            ray.shutdown()


def entity_type() -> Any:
    """The Arrow type of an ``entities`` value: a list of ``{start, end, label, text, score}``."""
    import pyarrow as pa

    entity = pa.struct(
        [
            ("start", pa.int64()),
            ("end", pa.int64()),
            ("label", pa.string()),
            ("text", pa.string()),
            ("score", pa.float64()),
        ]
    )
    return pa.list_(entity)


def classification_type() -> Any:
    """The Arrow type of a ``classification`` value (:meth:`Predictor.classify`'s record)."""
    import pyarrow as pa

    return pa.struct(
        [
            ("label", pa.string()),
            ("score", pa.float64()),
            ("labels", pa.list_(pa.string())),
            ("scores", pa.map_(pa.string(), pa.float64())),
        ]
    )


def describe_value(value: Any) -> str:
    """How a non-text value is named in an error: ``null``, or its type and a short repr."""
    if value is None or value is getattr(_pandas(), "NA", None):
        return "null"
    if isinstance(value, float) and math.isnan(value):
        return "null (NaN)"
    shown = repr(value)
    shown = shown if len(shown) <= 40 else shown[:37] + "..."
    return f"a {type(value).__name__} ({shown})"


def _pandas() -> ModuleType | None:
    try:
        import pandas
    except ImportError:  # pragma: no cover - pandas comes with ray[data]
        return None
    return pandas


class NerlabPredictor:
    """Adds a nerlab model's predictions to Ray Data batches (see the module docstring).

    Ray builds one instance per actor (the model is loaded once, in ``__init__``) and calls it
    with batch after batch.

    Args:
        model: a model folder written by ``nerlab train`` or ``nerlab export`` (it must be
            readable where the actors run: a shared file system on a cluster).
        text_column: the column holding the texts.
        precision: ``auto``, ``bf16``, ``fp16`` or ``fp32`` (see :meth:`Predictor.load`).
        backend: ``auto``, ``torch`` or ``onnx``.
        aggregation: sub-token scores to word scores (taggers).
        mode: entity decoding, ``conlleval`` or ``strict`` (taggers).
        decoding: word tags, ``viterbi`` or ``argmax`` (taggers; default: the task's).
        token_budget: tokens per forward call (default: the model's recorded one).
        device: ``auto`` (CUDA when the actor was given a GPU, else CPU), ``cpu``, ``cuda``...
        top_k: classifiers: the number of class scores kept per row (default: all).

    Raises:
        ConfigError: Ray is not installed, or an invalid option.
        ModelError: the folder is not a model nerlab can load.
    """

    def __init__(
        self,
        model: str | Path,
        *,
        text_column: str = "text",
        precision: str | None = "auto",
        backend: str = "auto",
        aggregation: str = "first",
        mode: str = "conlleval",
        decoding: str | None = None,
        token_budget: int | None = None,
        device: str = "auto",
        top_k: int | None = None,
    ):
        from nerlab.inference import Predictor

        self.predictor = Predictor.load(
            model,
            precision=precision,
            backend=backend,
            aggregation=aggregation,  # type: ignore[arg-type]
            mode=mode,
            decoding=decoding,
            token_budget=token_budget,
            device=device,
        )
        self.task = self.predictor.task.name
        if self.task not in OUTPUT_COLUMNS:
            raise ConfigError(
                f"the model's task {self.task!r} has no Ray output; allowed tasks: "
                f"{', '.join(OUTPUT_COLUMNS)}"
            )
        self.text_column = text_column
        self.output_column = OUTPUT_COLUMNS[self.task]
        self.top_k = top_k

    def __call__(self, batch: Any) -> Any:
        """The batch with the output column and ``error`` added (same form as the input)."""
        texts = self._column(batch)
        outputs, errors = self.predict_values(texts)
        if isinstance(batch, dict):
            out = dict(batch)
            out[self.output_column] = _object_array(outputs)
            out[ERROR_COLUMN] = _object_array(errors)
            return out
        pandas = _pandas()
        if pandas is not None and isinstance(batch, pandas.DataFrame):
            # object columns: pandas would turn a None among strings into NaN
            values = {self.output_column: outputs, ERROR_COLUMN: errors}
            return batch.assign(
                **{k: pandas.Series(v, index=batch.index, dtype=object) for k, v in values.items()}
            )
        import pyarrow as pa

        kind = entity_type() if self.task == TOKEN_TASK else classification_type()
        table = batch.append_column(self.output_column, pa.array(arrow_values(outputs), kind))
        return table.append_column(ERROR_COLUMN, pa.array(errors, pa.string()))

    def predict_values(self, texts: Sequence[Any]) -> tuple[list[Any], list[str | None]]:
        """Per text, the model's output (``None`` where the text is not a string) and the
        error (``None`` where it was predicted)."""
        good = [i for i, t in enumerate(texts) if isinstance(t, str)]
        outputs: list[Any] = [None] * len(texts)
        errors: list[str | None] = [
            None
            if isinstance(t, str)
            else f"{self.text_column!r} is {describe_value(t)}, not a string; nothing predicted"
            for t in texts
        ]
        if good:
            strings = [str(texts[i]) for i in good]  # np.str_ -> str
            if self.task == TOKEN_TASK:
                predicted: list[Any] = self.predictor.predict(strings)
            else:
                predicted = self.predictor.classify(strings, top_k=self.top_k)  # type: ignore[attr-defined]
            for i, value in zip(good, predicted, strict=True):
                outputs[i] = value
        return outputs, errors

    def _column(self, batch: Any) -> list[Any]:
        """The batch's texts as a Python list (nulls as ``None``)."""
        if isinstance(batch, dict):
            names = list(batch)
            values = batch.get(self.text_column)
            column = None if values is None else list(values)
        elif hasattr(batch, "column_names") and hasattr(batch, "column"):  # a pyarrow Table
            names = list(batch.column_names)
            has = self.text_column in names
            column = batch.column(self.text_column).to_pylist() if has else None
        else:  # pandas
            names = [str(c) for c in batch.columns]
            has = self.text_column in batch.columns
            column = batch[self.text_column].tolist() if has else None
        if column is None:
            raise DataError(
                f"the batch has no column {self.text_column!r} (its columns: "
                f"{', '.join(map(repr, names)) or 'none'}); give text_column= the column "
                "that holds the texts"
            )
        return column


def _object_array(values: list[Any]) -> np.ndarray:
    """A 1-d object array of ``values`` (``np.array`` would build 2-d arrays from lists)."""
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def arrow_values(values: list[Any]) -> list[Any]:
    """Classification ``scores`` dicts as key-value pairs (Arrow's map type wants pairs)."""
    return [
        {**v, "scores": list(v["scores"].items())}
        if isinstance(v, dict) and isinstance(v.get("scores"), dict)
        else v
        for v in values
    ]
