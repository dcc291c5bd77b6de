"""ONNX export of a trained tagger or text classifier, and an ONNX Runtime backend for the
Predictor.

:func:`export_onnx` writes a folder that :meth:`nerlab.inference.Predictor.load` runs with
ONNX Runtime: ``model.onnx`` (inputs ``input_ids`` and ``attention_mask``, int64
``(batch, sequence)``; output ``logits``, float32 ``(batch, sequence, labels)`` for a tagger and
``(batch, labels)`` for a text classifier; batch and sequence axes dynamic), the tokenizer
files, ``config.json`` and ``nerlab_config.json`` (with an ``export`` entry saying how the
model was exported). The export uses ``torch.onnx.export`` with the
dynamo exporter (torch >= 2.9 default, through onnxscript). ``quantize="int8"`` then applies
ONNX Runtime's dynamic quantisation (int8 weights with per-channel scales, activations
quantised per call), which is what makes CPU inference fast; accuracy changes slightly, so
measure it on a dev set.

Example:
    >>> export_onnx("runs/minilm-conllpp", "runs/minilm-onnx", quantize="int8")
    >>> Predictor.load("runs/minilm-onnx").predict(["Angela Merkel visited Paris."])
    >>> export_onnx("runs/minilm-emotion", "runs/emotion-onnx")
    >>> Predictor.load("runs/emotion-onnx").classify(["i feel so happy today"])
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from nerlab.errors import ConfigError, ModelError
from nerlab.files import check_output_dir
from nerlab.models.engine import Forward
from nerlab.models.saved import (
    WEIGHT_FILES,
    ModelMeta,
    load_tokenizer,
    load_torch_model,
    read_meta,
    save_meta,
)

ONNX_FILE = "model.onnx"
OPSET = 18
QUANTIZE_CHOICES = ("int8",)


def _require_export_extra(modules: tuple[str, ...] = ("onnx", "onnxruntime", "onnxscript")) -> None:
    """A clear error when the optional ONNX packages are missing."""
    import importlib.util

    missing = [m for m in modules if not importlib.util.find_spec(m)]
    if missing:
        raise ModelError(
            f"ONNX support needs {', '.join(missing)}; install it with "
            "`pip install 'nerlab[export]'`"
        )


def _check_output(out: Path, overwrite: bool) -> None:
    try:
        is_file = out.exists() and not out.is_dir()
    except OSError as exc:  # a name too long, a loop of links
        raise ConfigError(f"output folder {out} cannot be used: {exc.strerror}") from None
    if is_file:
        raise ModelError(f"output {out} exists and is a file; give a folder path")
    check_output_dir(out, what="output folder")  # under /proc, under a file, not writable
    if out.is_dir() and any(out.iterdir()) and not overwrite:
        raise ModelError(
            f"output folder {out} is not empty; choose a new folder or pass --overwrite"
        )


def export_onnx(
    model_dir: str | Path,
    out: str | Path,
    *,
    quantize: str | None = None,
    opset: int = OPSET,
    overwrite: bool = False,
) -> Path:
    """Export a trained tagger or text classifier to an ONNX folder that the Predictor can load.

    Args:
        model_dir: a folder written by ``nerlab train`` (or any transformers token- or
            sequence-classification folder).
        out: the folder to write (created; must be empty unless ``overwrite``).
        quantize: ``None`` for fp32, or ``"int8"`` for dynamic int8 quantisation.
        opset: ONNX opset version (at least 17).
        overwrite: allow writing into a non-empty folder.

    Returns:
        The path of the written ``model.onnx``.

    The files are written to a hidden folder next to ``out`` and moved into it only once the
    exported model has run one sentence in ONNX Runtime: a failed or interrupted export leaves
    ``out`` as it was.

    Raises:
        ModelError: the input is not a model folder nerlab can load, the output is unusable,
            or the exported model does not run (or gives logits of the wrong shape).
        ConfigError: an unknown quantisation, an opset below 17 or one onnx does not know, or
            an output path that cannot be a folder (under a file, under /proc).
    """
    if quantize is not None and quantize not in QUANTIZE_CHOICES:
        raise ConfigError(
            f"unknown quantisation {quantize!r}; allowed: {', '.join(QUANTIZE_CHOICES)}"
        )
    if opset < 17:
        raise ConfigError(f"opset {opset} is too old; use 17 or newer")
    src, out = Path(model_dir), Path(out)
    if src.resolve() == out.resolve():
        raise ModelError("the output folder must differ from the model folder")
    _require_export_extra()
    _check_opset_known(opset)
    meta = read_meta(src)  # a clear error for a folder that is not a model, before any work
    if (src / ONNX_FILE).is_file() and not any((src / f).is_file() for f in WEIGHT_FILES):
        raise ModelError(
            f"{src} is already an ONNX export (it has {ONNX_FILE} and no PyTorch weights); "
            "export from the folder `nerlab train` wrote"
        )
    _check_output(out, overwrite)
    tokenizer = load_tokenizer(src)
    from nerlab.tasks import task_for

    model = load_torch_model(src, task_for(meta).auto_model_class())
    meta.extra["export"] = {"format": "onnx", "opset": opset, "quantize": quantize}
    # Everything is written to a hidden folder next to the output first and moved into place
    # only when complete: a failed or interrupted export leaves OUT as it was.
    with tempfile.TemporaryDirectory(prefix=".nerlab-export-", dir=_existing_folder(out)) as tmp:
        stage = Path(tmp) / "model"
        stage.mkdir()
        with _quiet():
            fp32_path = Path(tmp) / ONNX_FILE if quantize else stage / ONNX_FILE
            _torch_export(model, fp32_path, opset, tokenizer)
            if quantize == "int8":
                _quantize_int8(fp32_path, stage / ONNX_FILE)
        _check_runs(stage / ONNX_FILE, opset, tokenizer, meta)
        tokenizer.save_pretrained(str(stage))
        shutil.copyfile(src / "config.json", stage / "config.json")
        save_meta(stage, meta)
        files = sorted(stage.iterdir())
        in_the_way = [p.name for p in files if (out / p.name).is_dir()]
        if in_the_way:
            raise ModelError(
                f"output folder {out} holds folders named {', '.join(in_the_way)}, where the "
                "export writes files; nothing was written: move them or choose another folder"
            )
        out.mkdir(parents=True, exist_ok=True)
        for path in files:
            os.replace(path, out / path.name)
    return out / ONNX_FILE


def _check_opset_known(opset: int) -> None:
    import onnx

    newest = onnx.defs.onnx_opset_version()
    if opset > newest:
        raise ConfigError(
            f"opset {opset} does not exist: the installed onnx {onnx.__version__} knows opsets "
            f"up to {newest}; use 17 to {newest} (default {OPSET})"
        )


def _check_runs(path: Path, opset: int, tokenizer: Any, meta: ModelMeta) -> None:
    """Run the exported model once: an exporter can write a graph ONNX Runtime cannot load
    (opset 28 came out as opset 18 with an opset-23 operator). Its logits must have the task's
    shape: ``(1, sequence, labels)`` for a tagger, ``(1, labels)`` for a classifier."""
    import onnxruntime

    try:
        forward = onnx_forward(path)
        ids = np.array([tokenizer("nerlab export check")["input_ids"]], dtype=np.int64)
        logits = forward(ids, np.ones_like(ids))
    except Exception as exc:  # onnxruntime raises its own untyped errors
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else repr(exc)
        first = first.replace(f"cannot load ONNX model {path}: ", "")[:200]
        raise ModelError(
            f"the model exported with opset {opset} does not run in onnxruntime "
            f"{onnxruntime.__version__} ({first}); nothing was written: export again with "
            f"another --opset (the default, {OPSET}, works)"
        ) from None
    labels = len(meta.labels)
    expected = (1, labels) if meta.task == "text-classification" else (1, ids.shape[1], labels)
    if tuple(logits.shape) != expected:
        raise ModelError(
            f"the exported {meta.task} model gives logits of shape {tuple(logits.shape)}, not "
            f"{expected}; nothing was written: check that the folder's config.json matches "
            "its nerlab_config.json"
        )


def _existing_folder(path: Path) -> Path:
    """The closest existing folder at or above ``path`` (same file system, so renames work)."""
    absolute = Path(os.path.abspath(path))
    return next(folder for folder in (absolute, *absolute.parents) if folder.is_dir())


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Silence the exporter's and quantiser's chatter (torchvision notes, pre-processing tips)."""
    loggers = [logging.getLogger(name) for name in ("torch.onnx", "onnxscript", "")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)


def _torch_export(model: Any, path: Path, opset: int, tokenizer: Any) -> None:
    """``torch.onnx.export`` with dynamic batch and sequence axes."""
    import torch

    class _Logits(torch.nn.Module):
        """Positional (input_ids, attention_mask) -> logits, the ONNX signature."""

        def __init__(self, inner: torch.nn.Module):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            return self.inner(input_ids=input_ids, attention_mask=attention_mask).logits

    # A sample of batch 2 and length 16 (not 1, which export would treat as a constant).
    sample = tokenizer(["nerlab export sample"] * 2, padding="max_length", max_length=16)
    ids = torch.tensor(sample["input_ids"], dtype=torch.int64)
    mask = torch.ones_like(ids)
    batch, seq = torch.export.Dim("batch"), torch.export.Dim("sequence")
    params = sum(p.numel() for p in model.parameters())
    torch.onnx.export(
        _Logits(model.float().eval()),
        (ids, mask),
        str(path),
        input_names=["input_ids", "attention_mask"],
        output_names=["logits"],
        opset_version=opset,
        dynamo=True,
        dynamic_shapes={"input_ids": {0: batch, 1: seq}, "attention_mask": {0: batch, 1: seq}},
        external_data=params * 4 > 1_800_000_000,  # protobuf files stop at 2 GB
        verbose=False,
    )


def _quantize_int8(src: Path, dst: Path) -> None:
    """Dynamic int8 quantisation of the matrix products (ONNX Runtime).

    Per-channel weight scales: with one scale per tensor, MiniLM-L6 on CoNLL++ test lost 1.2
    F1 points against fp32; per channel it matched fp32 (+0.1) at the same speed.
    """
    from onnxruntime.quantization import QuantType, quantize_dynamic

    quantize_dynamic(str(src), str(dst), weight_type=QuantType.QInt8, per_channel=True)


def onnx_forward(path: str | Path, threads: int | None = None) -> Forward:
    """An ONNX Runtime session on ``path`` as a :data:`~nerlab.models.engine.Forward` callable."""
    _require_export_extra(("onnxruntime",))
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    if threads:
        opts.intra_op_num_threads = threads
    try:
        session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
    except Exception as exc:  # onnxruntime raises its own untyped errors on bad files
        raise ModelError(f"cannot load ONNX model {path}: {exc}") from None
    names = {i.name for i in session.get_inputs()}
    if not {"input_ids", "attention_mask"} <= names:
        raise ModelError(
            f"ONNX model {path} takes inputs {sorted(names)}, not input_ids and attention_mask; "
            "export it with `nerlab export MODEL OUT --onnx`"
        )

    def forward(ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return session.run(["logits"], {"input_ids": ids, "attention_mask": mask})[0]

    return forward


def load_onnx(
    folder: Path, meta: ModelMeta, precision: str = "auto", threads: int | None = None
) -> tuple[Forward, Any, str]:
    """Forward callable, tokenizer and precision of an exported ONNX folder.

    Raises:
        ModelError: no ``model.onnx``, no tokenizer, or an unreadable ONNX file.
        ConfigError: a precision other than ``auto`` or the one the model was exported in.
    """
    path = folder / ONNX_FILE
    if not path.is_file():
        raise ModelError(
            f"{folder} has no {ONNX_FILE}; create one with `nerlab export {folder} OUT --onnx`"
        )
    exported = (meta.extra.get("export") or {}).get("quantize") or "fp32"
    if precision not in ("auto", exported):
        raise ConfigError(
            f"the ONNX model in {folder} runs in {exported} as exported, not {precision}; "
            "use precision auto (or export again)"
        )
    tokenizer = load_tokenizer(folder)
    return onnx_forward(path, threads), tokenizer, exported
