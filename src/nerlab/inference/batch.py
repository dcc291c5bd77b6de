"""Predict over a stream of documents and write the results: the body of ``nerlab predict``.

Documents are taken in chunks (bounded memory on inputs of any size; each chunk is sorted by
length inside the Predictor) and written in input order as each chunk finishes. A tagger's
documents get entities (:meth:`Predictor.tag_texts`, or ``tag_words`` for pre-split words); a
text classifier's get classes (:meth:`Predictor.classify`). A classifier reads texts only: a
document of pre-split words (a JSON ``tokens`` record) is an unreadable line, reported and
kept in place like the others, and a CoNLL input is refused.

A tagger trained with document context (FLERT) reads each sentence with its neighbours in the
input's documents (CoNLL ``-DOCSTART-`` lines, a JSONL ``doc_id``; the sentences of one text
are always one document); chunks then end where a document does, and :class:`PredictStats`
says what context was read (``context``).

Example:
    >>> predictor = Predictor.load("runs/minilm-conllpp")
    >>> with open("out.jsonl", "w") as out:
    ...     stats = predict_file(predictor, Path("news.txt"), out, output_format="jsonl")
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, BinaryIO, TextIO

from nerlab.data.documents import DocumentRuns
from nerlab.errors import ConfigError, DataError
from nerlab.inference.documents import Document, Source, open_source
from nerlab.inference.predictor import Classification, Predictor, Tagged
from nerlab.inference.render import TEXT_TASK, Writer, make_writer
from nerlab.tasks.token_classification.evaluation import no_documents_note

CHUNK_DOCUMENTS = 2048


@dataclass
class PredictStats:
    """What a run did: documents read, entities found (taggers) or texts classified
    (classifiers), lines that could not be read, and (a tagger with document context) what
    context the predictions read, in a sentence for the user (``None`` for other models)."""

    documents: int = 0
    entities: int = 0
    errors: int = 0
    classified: int = 0
    context: str | None = None


Chunk = tuple[list[Document], list[int] | None]


def _markers(doc: Document) -> tuple[bool, Any]:
    """A document's ``(starts_document, doc_id)``: a CoNLL ``-DOCSTART-`` line before it, or
    its JSON record's ``doc_id`` (and ``docstart``, kept by a conversion from CoNLL)."""
    record = doc.record or {}
    return bool(doc.docstart or record.get("docstart")), record.get("doc_id")


def _chunks(
    docs: Iterable[Document], size: int, runs: DocumentRuns | None = None
) -> Iterator[Chunk]:
    """Chunks of about ``size`` documents, with each one's document index when ``runs``
    counts them (a model with document context; ``None`` while no marker was seen). Then a
    chunk ends where a document does, so that every sentence keeps its neighbours; only a
    document of over four chunks is cut."""
    chunk: list[Document] = []
    ids: list[int] = []
    for doc in docs:
        if runs is not None:
            ids.append(runs.add(*_markers(doc)) if doc.error is None else runs.index)
        chunk.append(doc)
        if len(chunk) < size:
            continue
        if runs is None or len(chunk) >= 4 * size:
            yield chunk, _seen(runs, ids)
            chunk, ids = [], []
        elif len(ids) > 1 and ids[-1] != ids[-2]:  # the last document starts a new one
            yield chunk[:-1], _seen(runs, ids[:-1])
            chunk, ids = chunk[-1:], ids[-1:]
    if chunk:
        yield chunk, _seen(runs, ids)


def _seen(runs: DocumentRuns | None, ids: list[int]) -> list[int] | None:
    return ids if runs is not None and runs.seen else None


def _tag_chunk(
    predictor: Predictor,
    chunk: list[Document],
    progress: Callable[[int], None] | None,
    ids: list[int] | None = None,
) -> list[Tagged | None]:
    """Predictions for the readable documents of a chunk (``None`` for the others); ``ids``:
    each one's document, for a model with document context."""
    texts = [i for i, d in enumerate(chunk) if d.error is None and d.words is None]
    words = [i for i, d in enumerate(chunk) if d.error is None and d.words is not None]
    out: list[Tagged | None] = [None] * len(chunk)
    if texts:
        tagged = predictor.tag_texts(
            [chunk[i].text or "" for i in texts],
            documents=None if ids is None else [ids[i] for i in texts],
            progress=progress,
        )
        for i, t in zip(texts, tagged, strict=True):
            out[i] = t
    if words:
        tagged = predictor.tag_words(
            [chunk[i].words or [] for i in words],
            documents=None if ids is None else [ids[i] for i in words],
            progress=progress,
        )
        for i, t in zip(words, tagged, strict=True):
            out[i] = t
    if progress is not None:
        progress(len(chunk) - len(texts) - len(words))
    return out


def _classify_chunk(
    predictor: Predictor,
    chunk: list[Document],
    progress: Callable[[int], None] | None,
    top_k: int | None,
) -> list[Classification | None]:
    """Classes of the readable documents of a chunk (``None`` for the others)."""
    texts = [i for i, d in enumerate(chunk) if d.error is None]
    out: list[Classification | None] = [None] * len(chunk)
    if texts:
        found = predictor.classify(
            [chunk[i].text or "" for i in texts], top_k=top_k, progress=progress
        )
        for i, c in zip(texts, found, strict=True):
            out[i] = c
    if progress is not None:
        progress(len(chunk) - len(texts))
    return out


def _texts_only(documents: Iterable[Document], where: str) -> Iterator[Document]:
    """A classifier's documents: one of pre-split words becomes an unreadable line."""
    for doc in documents:
        if doc.error is None and doc.words is not None:
            doc = replace(
                doc,
                error=f"{where}:{doc.line}: pre-split words ('tokens') are for "
                "token-classification models; this model is a text classifier: give "
                '{"text": "..."}',
            )
        yield doc


def check_top_k(predictor: Predictor, top_k: int | None) -> None:
    """``top_k`` is for text classifiers, and a whole number >= 1.

    Raises:
        ConfigError: ``top_k`` given for a tagger, or below 1.
    """
    if top_k is None:
        return
    if predictor.task.name != TEXT_TASK:
        raise ConfigError(
            f"--top-k {top_k}: the number of class scores kept per text, for "
            f"text-classification models; this model is a {predictor.task.name} model"
        )
    if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1:
        raise ConfigError(f"--top-k must be a whole number >= 1 (or absent for all), not {top_k}")


def predict_documents(
    predictor: Predictor,
    documents: Iterable[Document],
    writer: Writer,
    *,
    strict: bool = False,
    on_error: Callable[[str], None] | None = None,
    progress: Callable[[int], None] | None = None,
    chunk_documents: int = CHUNK_DOCUMENTS,
    top_k: int | None = None,
    where: str = "<input>",
) -> PredictStats:
    """Predict every document and write it, in input order.

    Args:
        predictor: the loaded model.
        documents: the input documents.
        writer: the output format's writer (``start`` and ``finish`` are called here).
        strict: stop with a :class:`~nerlab.errors.DataError` at the first unreadable line
            (the documents before it are written); otherwise report it and go on.
        on_error: called with the message of each unreadable line (default: stderr).
        progress: called with the number of documents finished, as they finish.
        chunk_documents: documents predicted together (bounds memory).
        top_k: text classifiers: class scores kept per text (``None``: all).
        where: the input's name, for the message of a classifier's word document.

    Returns:
        Counts of documents, entities (or texts classified) and unreadable lines.

    Raises:
        ConfigError: ``top_k`` for a tagger, or below 1.
    """
    check_top_k(predictor, top_k)
    report = on_error or (lambda msg: print(msg, file=sys.stderr))
    if predictor.task.name == TEXT_TASK:
        documents = _texts_only(documents, where)
    stats = PredictStats()
    context = getattr(predictor, "context", 0) if predictor.task.name != TEXT_TASK else 0
    runs = DocumentRuns() if context else None
    kinds: set[str] = set()
    writer.start()
    for chunk, ids in _chunks(documents, chunk_documents, runs):
        for pos, doc in enumerate(chunk):
            if doc.error is not None and strict:
                _flush(predictor, chunk[:pos], writer, stats, progress, top_k, ids)
                raise DataError(f"{doc.error} (stopping: --strict)")
        for doc in chunk:
            if doc.error is not None:
                report(doc.error)
            else:
                kinds.add("text" if doc.words is None else "words")
        _flush(predictor, chunk, writer, stats, progress, top_k, ids)
    writer.finish()
    if runs is not None:
        stats.context = context_summary(context, runs, kinds, where)
    return stats


def context_summary(context: int, runs: DocumentRuns, kinds: set[str], where: str) -> str:
    """What document context the predictions of an input read, for the user."""
    if runs.seen:
        return (
            f"document context: {context} sub-tokens a side, {runs.index + 1} document(s) "
            f"in {where}"
        )
    if "words" in kinds:
        return no_documents_note(context, where)
    return (
        f"document context ({context} sub-tokens a side): the sentences of each text were "
        "read together, each text on its own (JSONL records with a doc_id field are read as "
        "one document)"
    )


def _flush(
    predictor: Predictor,
    chunk: list[Document],
    writer: Writer,
    stats: PredictStats,
    progress: Callable[[int], None] | None,
    top_k: int | None,
    ids: list[int] | None = None,
) -> None:
    if predictor.task.name == TEXT_TASK:
        for doc, found in zip(
            chunk, _classify_chunk(predictor, chunk, progress, top_k), strict=True
        ):
            writer.write(doc, found)  # type: ignore[arg-type]
            stats.documents += 1
            stats.errors += doc.error is not None
            stats.classified += found is not None
        return
    for doc, tagged in zip(chunk, _tag_chunk(predictor, chunk, progress, ids), strict=True):
        writer.write(doc, tagged)
        stats.documents += 1
        stats.errors += doc.error is not None
        stats.entities += len(tagged.entities) if tagged is not None else 0


def predict_file(
    predictor: Predictor,
    path: Path | None,
    out: TextIO,
    *,
    output_format: str = "jsonl",
    input_format: str = "auto",
    shard: tuple[int, int] | None = None,
    strict: bool = False,
    stdin: BinaryIO | None = None,
    on_error: Callable[[str], None] | None = None,
    progress: Callable[[Source], Callable[[int], None] | None] | None = None,
    top_k: int | None = None,
) -> PredictStats:
    """Predict a file (or stdin when ``path`` is ``None``) into ``out``.

    Args:
        predictor: the loaded model.
        path: the input file, or ``None`` for ``stdin``.
        out: where to write.
        output_format: ``jsonl``, ``conll`` (taggers), ``pretty`` or ``html``.
        input_format: ``auto``, ``text``, ``jsonl`` or ``conll``.
        shard: ``(I, N)``: only the I-th of N contiguous slices of the documents.
        strict: stop at the first unreadable line.
        stdin: the binary stream read when ``path`` is ``None`` (default ``sys.stdin.buffer``).
        on_error: called with the message of each unreadable line.
        progress: given the opened source, returns a per-document progress callback (or None).
        top_k: text classifiers: class scores kept per text (``None``: all).

    Returns:
        Counts of documents, entities (or texts classified) and unreadable lines.

    Raises:
        ConfigError: an output format or ``top_k`` the model's task has no use for, or CoNLL
            input (pre-split words) for a text classifier.
    """
    task = predictor.task.name
    check_top_k(predictor, top_k)
    writer = make_writer(output_format, out, task=task)
    if task == TEXT_TASK and input_format == "conll":
        raise ConfigError(_CONLL_FOR_CLASSIFIER)
    source = open_source(path, stdin or sys.stdin.buffer, input_format, shard)
    if task == TEXT_TASK and source.format == "conll":
        raise ConfigError(f"{source.name} reads as CoNLL: {_CONLL_FOR_CLASSIFIER}")
    tick = progress(source) if progress is not None else None
    return predict_documents(
        predictor,
        source.documents,
        writer,
        strict=strict,
        on_error=on_error,
        progress=tick,
        top_k=top_k,
        where=source.name,
    )


_CONLL_FOR_CLASSIFIER = (
    "CoNLL input holds pre-split words, for token-classification models; this model is a "
    'text classifier: give one text per line, JSONL ({"text": ...}) or JSON '
    "(--input-format text, jsonl or json)"
)


def predict_texts(
    predictor: Predictor,
    texts: list[str],
    out: TextIO,
    *,
    output_format: str = "jsonl",
    top_k: int | None = None,
) -> PredictStats:
    """Predict texts given directly (``--text``) into ``out``."""
    docs = [Document(i + 1, text=t) for i, t in enumerate(texts)]
    writer = make_writer(output_format, out, task=predictor.task.name)
    return predict_documents(predictor, docs, writer, top_k=top_k, where="--text")
