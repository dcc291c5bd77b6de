"""Model evaluation: a saved model (PyTorch or ONNX) scored on a labelled file.

The model is loaded as a :class:`~nerlab.inference.Predictor`, the one loaded-model object, and
scored by its task, with the code ``nerlab train`` scores dev and test with, so
``nerlab evaluate`` prints the scores training printed. A tagger reads its data with
``load_corpus`` and is scored by :meth:`nerlab.tasks.Task.evaluate`; a text classifier reads
``text;label`` lines, CSV/TSV, JSONL or a Hugging Face folder with ``load_texts``, and its
probabilities are scored by
:func:`~nerlab.tasks.text_classification.evaluation.evaluate_classes` (as the task does, with
the number of highest-loss texts to keep). A file of the other task (NER data for a
classifier, texts for a tagger) is refused with both tasks named, before any prediction.

Example:
    >>> result = evaluate("runs/minilm", "eng.testb")
    >>> print(result.format())
    >>> evaluate("runs/minilm-emotion", "emotion/test.txt", top_loss=5).main_score
    0.93...
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from nerlab.data.corpus import Corpus, Sentence
from nerlab.data.jsontext import dumps
from nerlab.data.texts import TextCorpus
from nerlab.errors import ConfigError, DataError
from nerlab.evaluate.report_names import report_paths
from nerlab.files import atomic_write, check_output_dir, check_output_file, write_text_atomic
from nerlab.inference.predictor import Predictor
from nerlab.models.saved import model_files
from nerlab.tasks.base import Progress
from nerlab.tasks.text_classification import TextClassification
from nerlab.tasks.text_classification.evaluation import ClassificationEvaluation
from nerlab.tasks.token_classification import TaggingEvaluation

Result = TaggingEvaluation | ClassificationEvaluation
TOP_LOSS = 10  # highest-loss texts a classifier's evaluation keeps by default
TEXT_TASK = "text-classification"
TOKEN_TASK = "token-classification"
_KINDS = {
    TEXT_TASK: "text-classification data (texts with labels)",
    TOKEN_TASK: "token-classification (NER) data (words with tags)",
}


def predictions_corpus(corpus: Corpus, pred: list[list[str]]) -> Corpus:
    """A corpus whose rows are ``word gold predicted`` (for ``--predictions``)."""
    sentences = [
        Sentence(s.words, p, {"gold": s.tags}, s.path, s.line, s.lines, dict(s.extra))
        for s, p in zip(corpus.sentences, pred, strict=True)
    ]
    return Corpus(sentences, corpus.path, corpus.scheme)


def write_report_files(result: Result, folder: str | Path, stem: str = "evaluation") -> list[Path]:
    """Write ``<stem>.json`` (all scores) and, for span labels or classes, the confusion
    matrix JSON + PNG (a classifier's through :func:`write_classification_report`).

    Returns:
        The files written.
    """
    from nerlab.evaluate.plots import plot_confusion

    if isinstance(result, ClassificationEvaluation):
        from nerlab.evaluate.classification_report import write_classification_report

        return write_classification_report(result, folder, stem)

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
    text_column: str | None = None,
    label_column: str | None = None,
    label_sep: str | None = None,
    top_loss: int | None = None,
    precision: str | None = None,
    token_budget: int | None = None,
    backend: str = "auto",
    decoding: str | None = None,
    predictions: str | Path | None = None,
    report_dir: str | Path | None = None,
    progress: Progress | None = None,
    pad_to: int | None = None,
    context: int | None = None,
) -> Result:
    """Evaluate a saved model on a labelled file.

    Args:
        model: a model folder (``nerlab train``'s output, an ONNX export, or any HF token- or
            sequence-classification folder), or a loaded :class:`Predictor`.
        data: labelled data: for a tagger any format ``load_corpus`` reads, for a text
            classifier any format ``load_texts`` reads.
        tag_column: taggers: the column of the gold tags.
        text_column: text classifiers: the text column or key (default ``text``).
        label_column: text classifiers: the label column or key (default ``label``/``labels``).
        label_sep: text classifiers: split each label field at this string (multi-label).
        top_loss: text classifiers: how many highest-loss texts to keep in the result
            (``None``: :data:`TOP_LOSS`).
        precision: ``auto``/``bf16``/``fp16``/``fp32``; ``None`` uses the precision the model was
            trained (and scored) with, so the scores match those ``nerlab train`` printed.
        token_budget: tokens per forward pass; ``None`` uses the one the model was scored with
            at training time (1024 for other folders).
        backend: ``auto`` (ONNX if the folder holds ``model.onnx``), ``torch`` or ``onnx``.
        decoding: a tagger's word tags: ``viterbi`` (the best sequence the scheme allows) or
            ``argmax``; ``None``: the task's default (Viterbi for span labels). Ignored when
            ``model`` is a loaded Predictor (set its ``decoding``).
        predictions: a tagger writes ``word gold predicted`` rows to this CoNLL file; a text
            classifier one JSON line per text (``line``, ``text``, ``gold``, ``predicted``,
            ``loss`` and every class's probability in ``scores``).
        report_dir: write the scores JSON and the confusion matrix (JSON + PNG) here.
        progress: called with the number of sentences (texts) finished, as they finish.
        pad_to: pad every batch to exactly this many sub-tokens (static shapes; see
            :meth:`Predictor.load`). Ignored when ``model`` is a loaded Predictor (set its
            ``pad_to``).
        context: a tagger's document context, sub-tokens a side (FLERT); ``None``: as the
            model was trained. Used where the data has documents (CoNLL ``-DOCSTART-`` lines,
            JSONL ``doc_id``); the result's ``context`` and ``context_note`` say what was
            used. Ignored when ``model`` is a loaded Predictor (set its ``context``).

    Returns:
        A ``TaggingEvaluation`` (taggers) or a ``ClassificationEvaluation`` (text classifiers).

    Raises:
        ModelError: not a model folder nerlab can use. LabelError: unlabelled data, or gold
            labels the model does not know (with file:line). DataError: an unreadable data
            file, or data of the other task (NER data for a text classifier, texts for a
            tagger). ConfigError: an output path that cannot be written (checked before any
            work), or an option of the other task.
    """
    if top_loss is not None and (
        isinstance(top_loss, bool) or not isinstance(top_loss, int) or top_loss < 0
    ):
        raise ConfigError(f"top_loss must be a whole number >= 0, not {top_loss!r}")
    check_outputs(model, data, predictions, report_dir)
    if isinstance(model, Predictor):
        predictor = model
    else:
        predictor = Predictor.load(
            model,
            precision=precision,
            backend=backend,
            token_budget=token_budget,
            decoding=decoding,
            pad_to=pad_to,
            context=context,
        )
    text_options = {"text_column": text_column, "label_column": label_column}
    text_options |= {"label_sep": label_sep}
    if isinstance(predictor.task, TextClassification):
        if tag_column != -1:
            raise ConfigError(
                f"tag_column {tag_column!r} is for token-classification (NER) models; this "
                "model is a text classifier: name its columns with text_column/label_column"
            )
        _check_data_task(data, predictor, text_column, label_column, None)
        k = TOP_LOSS if top_loss is None else top_loss
        return _evaluate_classifier(
            predictor, data, text_options, k, predictions, report_dir, progress
        )
    text_options["top_loss"] = top_loss  # type: ignore[assignment]
    given = [f"{k}={v!r}" for k, v in text_options.items() if v is not None]
    if given:
        raise ConfigError(
            f"{', '.join(given)}: options of text-classification models, and this model is a "
            f"{predictor.task.name} model (use tag_column for its gold tags)"
        )
    _check_data_task(data, predictor, None, None, tag_column)
    return _evaluate_tagger(predictor, data, tag_column, predictions, report_dir, progress)


def _check_data_task(
    data: str | Path,
    predictor: Predictor,
    text_column: str | None,
    label_column: str | None,
    tag_column: int | str | None,
) -> None:
    """Refuse data of the other task, naming the model's task and the file's.

    Raises:
        DataError: NER data for a text classifier, or text-classification data for a tagger.
    """
    from nerlab.data.textio import detect_task

    tag = tag_column if isinstance(tag_column, str) else None
    found = detect_task(data, text_column=text_column, label_column=label_column, tag_column=tag)
    wanted = TEXT_TASK if isinstance(predictor.task, TextClassification) else TOKEN_TASK
    if found == wanted or not _has_data(data):
        return  # the reader says what is wrong with a missing or empty file
    hint = (
        "; if it is text-classification data, name its columns with --text-column and "
        "--label-column"
        if wanted == TEXT_TASK
        else ""
    )
    raise DataError(
        f"holds {_KINDS[found]}, but the model is a {predictor.task.name} model, which is "
        f"scored on {_KINDS[wanted]}: give a file of that task, or a model of this one{hint}",
        data,
    )


def _has_data(path: str | Path) -> bool:
    """Whether ``path`` is a folder or a file with something other than whitespace in its
    head (``detect_task`` calls anything else token classification)."""
    path = Path(path)
    try:
        if path.is_dir():
            return True
        with path.open("rb") as f:
            return bool(f.read(1 << 16).strip())
    except OSError:
        return False


def _evaluate_tagger(
    predictor: Predictor,
    data: str | Path,
    tag_column: int | str,
    predictions: str | Path | None,
    report_dir: str | Path | None,
    progress: Progress | None,
) -> TaggingEvaluation:
    from nerlab.data.conll import format_conll
    from nerlab.data.io import load_corpus

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


def _evaluate_classifier(
    predictor: Predictor,
    data: str | Path,
    text_options: dict[str, str | None],
    top_loss: int,
    predictions: str | Path | None,
    report_dir: str | Path | None,
    progress: Progress | None,
) -> ClassificationEvaluation:
    from nerlab.data.textio import load_texts
    from nerlab.tasks.text_classification.evaluation import evaluate_classes

    task = predictor.task
    assert isinstance(task, TextClassification)
    corpus = load_texts(data, labelled=True, **text_options)  # type: ignore[arg-type]
    task.check_labelled(corpus)
    probs = predictor.probabilities(corpus.texts, progress=progress)
    result = evaluate_classes(
        [list(g) for g in corpus.labels],
        probs,
        task.labels,
        multi_label=task.multi_label,
        thresholds=task.thresholds,
        texts=corpus.texts,
        k=top_loss,
    )
    if predictions is not None:
        with atomic_write(predictions) as out:
            out.writelines(_prediction_lines(corpus, result, probs))
    if report_dir is not None:
        write_report_files(result, report_dir)
    return result


def _prediction_lines(
    corpus: TextCorpus, result: ClassificationEvaluation, probs: np.ndarray
) -> list[str]:
    """One JSON line per text: where it is, gold and predicted labels, loss, all scores."""
    labels = result.labels
    order = np.argsort(-probs, axis=1, kind="stable")
    lines = []
    for i, ex in enumerate(corpus):
        record = {
            "line": ex.line,
            "text": ex.text,
            "gold": result.gold[i],
            "predicted": result.pred[i],
            "loss": float(result.losses[i]),
            "scores": {labels[j]: float(probs[i, j]) for j in order[i]},
        }
        lines.append(dumps(record) + "\n")
    return lines
