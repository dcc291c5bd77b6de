"""Predict over a stream of documents and write the results: the body of ``nerlab predict``.

Documents are taken in chunks (bounded memory on inputs of any size; each chunk is sorted by
length inside the Predictor) and written in input order as each chunk finishes.

Example:
    >>> predictor = Predictor.load("runs/minilm-conllpp")
    >>> with open("out.jsonl", "w") as out:
    ...     stats = predict_file(predictor, Path("news.txt"), out, output_format="jsonl")
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, TextIO

from nerlab.errors import DataError
from nerlab.inference.documents import Document, Source, open_source
from nerlab.inference.predictor import Predictor, Tagged
from nerlab.inference.render import Writer, make_writer

CHUNK_DOCUMENTS = 2048


@dataclass
class PredictStats:
    """What a run did: documents read, entities found, lines that could not be read."""

    documents: int = 0
    entities: int = 0
    errors: int = 0


def _chunks(docs: Iterable[Document], size: int) -> Iterator[list[Document]]:
    chunk: list[Document] = []
    for doc in docs:
        chunk.append(doc)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _tag_chunk(
    predictor: Predictor, chunk: list[Document], progress: Callable[[int], None] | None
) -> list[Tagged | None]:
    """Predictions for the readable documents of a chunk (``None`` for the others)."""
    texts = [i for i, d in enumerate(chunk) if d.error is None and d.words is None]
    words = [i for i, d in enumerate(chunk) if d.error is None and d.words is not None]
    out: list[Tagged | None] = [None] * len(chunk)
    if texts:
        tagged = predictor.tag_texts([chunk[i].text or "" for i in texts], progress=progress)
        for i, t in zip(texts, tagged, strict=True):
            out[i] = t
    if words:
        tagged = predictor.tag_words([chunk[i].words or [] for i in words], progress=progress)
        for i, t in zip(words, tagged, strict=True):
            out[i] = t
    if progress is not None:
        progress(len(chunk) - len(texts) - len(words))
    return out


def predict_documents(
    predictor: Predictor,
    documents: Iterable[Document],
    writer: Writer,
    *,
    strict: bool = False,
    on_error: Callable[[str], None] | None = None,
    progress: Callable[[int], None] | None = None,
    chunk_documents: int = CHUNK_DOCUMENTS,
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

    Returns:
        Counts of documents, entities and unreadable lines.
    """
    report = on_error or (lambda msg: print(msg, file=sys.stderr))
    stats = PredictStats()
    writer.start()
    for chunk in _chunks(documents, chunk_documents):
        for pos, doc in enumerate(chunk):
            if doc.error is not None and strict:
                _flush(predictor, chunk[:pos], writer, stats, progress)
                raise DataError(f"{doc.error} (stopping: --strict)")
        for doc in chunk:
            if doc.error is not None:
                report(doc.error)
        _flush(predictor, chunk, writer, stats, progress)
    writer.finish()
    return stats


def _flush(
    predictor: Predictor,
    chunk: list[Document],
    writer: Writer,
    stats: PredictStats,
    progress: Callable[[int], None] | None,
) -> None:
    for doc, tagged in zip(chunk, _tag_chunk(predictor, chunk, progress), strict=True):
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
) -> PredictStats:
    """Predict a file (or stdin when ``path`` is ``None``) into ``out``.

    Args:
        predictor: the loaded model.
        path: the input file, or ``None`` for ``stdin``.
        out: where to write.
        output_format: ``jsonl``, ``conll``, ``pretty`` or ``html``.
        input_format: ``auto``, ``text``, ``jsonl`` or ``conll``.
        shard: ``(I, N)``: only the I-th of N contiguous slices of the documents.
        strict: stop at the first unreadable line.
        stdin: the binary stream read when ``path`` is ``None`` (default ``sys.stdin.buffer``).
        on_error: called with the message of each unreadable line.
        progress: given the opened source, returns a per-document progress callback (or None).

    Returns:
        Counts of documents, entities and unreadable lines.
    """
    writer = make_writer(output_format, out)
    source = open_source(path, stdin or sys.stdin.buffer, input_format, shard)
    tick = progress(source) if progress is not None else None
    return predict_documents(
        predictor, source.documents, writer, strict=strict, on_error=on_error, progress=tick
    )


def predict_texts(
    predictor: Predictor, texts: list[str], out: TextIO, *, output_format: str = "jsonl"
) -> PredictStats:
    """Predict texts given directly (``--text``) into ``out``."""
    docs = [Document(i + 1, text=t) for i, t in enumerate(texts)]
    return predict_documents(predictor, docs, make_writer(output_format, out))
