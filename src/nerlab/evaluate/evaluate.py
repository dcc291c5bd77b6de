"""Model evaluation: a saved model (PyTorch or ONNX) scored on a labelled file.

The model is loaded as a :class:`~nerlab.inference.Predictor`, the one loaded-model object, and
scored by its task (:meth:`nerlab.tasks.Task.evaluate`), the same code ``nerlab train`` scores
dev and test with, so ``nerlab evaluate`` prints the scores training printed.

Example:
    >>> result = evaluate("runs/minilm", "eng.testb")
    >>> print(result.format())
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from nerlab.data.corpus import Corpus, Sentence
from nerlab.errors import ConfigError
from nerlab.files import atomic_write, check_output_dir, check_output_file, write_text_atomic
from nerlab.inference.predictor import Predictor
from nerlab.models.saved import model_files
from nerlab.tasks.base import Progress
from nerlab.tasks.token_classification import TaggingEvaluation


def predictions_corpus(corpus: Corpus, pred: list[list[str]]) -> Corpus:
    """A corpus whose rows are ``word gold predicted`` (for ``--predictions``)."""
    sentences = [
        Sentence(s.words, p, {"gold": s.tags}, s.path, s.line, s.lines, dict(s.extra))
        for s, p in zip(corpus.sentences, pred, strict=True)
    ]
    return Corpus(sentences, corpus.path, corpus.scheme)


def report_paths(folder: str | Path, stem: str = "evaluation") -> list[Path]:
    """The files :func:`write_report_files` may write into ``folder``."""
    suffixes = (".json", "_confusion.json", "_confusion.png")
    return [Path(folder) / f"{stem}{suffix}" for suffix in suffixes]


def write_report_files(
    result: TaggingEvaluation, folder: str | Path, stem: str = "evaluation"
) -> list[Path]:
    """Write ``<stem>.json`` (all scores) and, for span labels, the confusion matrix JSON + PNG.

    Returns:
        The files written.
    """
    from nerlab.evaluate.plots import plot_confusion

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    scores, cm_json, cm_png = report_paths(folder, stem)
    written = [write_text_atomic(scores, _json(result.to_dict()))]
    if result.confusion is not None:
        written.append(write_text_atomic(cm_json, _json(result.confusion.to_dict())))
        written.append(plot_confusion(result.confusion, cm_png))
    return written


def check_outputs(
    model: str | Path | Predictor,
    data: str | Path,
    predictions: str | Path | None,
    report_dir: str | Path | None,
) -> None:
    """Check :func:`evaluate`'s outputs before any work: writable, not an input (the data file
    or a file of the model folder), and not in each other's way.

    Raises:
        ConfigError: naming the output and what is wrong with it.
    """
    inputs = [data, *([] if isinstance(model, Predictor) else model_files(model))]
    if predictions is not None:
        check_output_file(predictions, inputs=inputs, what="--predictions")
    if report_dir is None:
        return
    check_output_dir(report_dir, what="--report-dir")
    reports = report_paths(report_dir)
    for path in reports:
        if path.is_dir():
            raise ConfigError(
                f"--report-dir {report_dir}: it holds a folder {path.name}, where the report "
                "writes a file of that name; move that folder or give another --report-dir"
            )
        check_output_file(path, inputs=inputs, what="--report-dir")
    if predictions is None:
        return
    pred, folder = os.path.realpath(predictions), os.path.realpath(report_dir)
    if pred == folder or folder.startswith(pred + os.sep) or pred in map(os.path.realpath, reports):
        raise ConfigError(
            f"--predictions {predictions} and --report-dir {report_dir} are in each other's way "
            f"(the report writes {', '.join(p.name for p in reports)} into its folder); give "
            "them different paths"
        )


def _json(data: Any) -> str:
    return json.dumps(data, indent=2) + "\n"


def evaluate(
    model: str | Path | Predictor,
    data: str | Path,
    *,
    tag_column: int | str = -1,
    precision: str | None = None,
    token_budget: int | None = None,
    backend: str = "auto",
    predictions: str | Path | None = None,
    report_dir: str | Path | None = None,
    progress: Progress | None = None,
) -> TaggingEvaluation:
    """Evaluate a saved model on a labelled file.

    Args:
        model: a model folder (``nerlab train``'s output, an ONNX export, or any HF
            token-classification folder), or a loaded :class:`Predictor`.
        data: labelled data in any format ``load_corpus`` reads.
        tag_column: the column of the gold tags.
        precision: ``auto``/``bf16``/``fp16``/``fp32``; ``None`` uses the precision the model was
            trained (and scored) with, so the scores match those ``nerlab train`` printed.
        token_budget: tokens per forward pass; ``None`` uses the one the model was scored with
            at training time (1024 for other folders).
        backend: ``auto`` (ONNX if the folder holds ``model.onnx``), ``torch`` or ``onnx``.
        predictions: write ``word gold predicted`` rows to this CoNLL file.
        report_dir: write the scores JSON and the confusion matrix (JSON + PNG) here.
        progress: called with the number of sentences finished, as they finish.

    Raises:
        ModelError: not a model folder nerlab can use. LabelError: unlabelled data, or gold
            tags the model does not know. DataError: an unreadable data file. ConfigError: an
            output path that cannot be written (checked before any work).
    """
    from nerlab.data.conll import format_conll
    from nerlab.data.io import load_corpus

    check_outputs(model, data, predictions, report_dir)
    if isinstance(model, Predictor):
        predictor = model
    else:
        predictor = Predictor.load(
            model, precision=precision, backend=backend, token_budget=token_budget
        )
    meta = predictor.meta
    corpus = load_corpus(data, tag_column=tag_column, scheme="auto" if meta.scheme else "none")
    predictor.task.check_labelled(corpus)
    result = predictor.task.evaluate(predictor, corpus, progress=progress)
    assert isinstance(result, TaggingEvaluation)
    if predictions is not None:
        text = format_conll(predictions_corpus(corpus, result.pred), columns=True)
        with atomic_write(predictions) as out:
            out.write(text)
    if report_dir is not None:
        write_report_files(result, report_dir)
    return result
