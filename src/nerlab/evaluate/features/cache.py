"""A file cache of text embeddings, so that a second ``nerlab features`` run (another pooling
of the map, a new test file) does not run the encoder over the training texts again.

One ``.npz`` file per (encoder, pooling, texts). Its name carries a key hashed from everything
the vectors depend on: the cache format, the model folder and the size and modification time
of each of its files (a model retrained in place gets a new key), the pooling, the maximum
length, the precision, and the SHA-256 of the texts in order. The key is stored inside the file
as well and checked on reading, with the shape; a file that does not match, or cannot be read,
is a miss and is written again. Files are written atomically (a run stopped half way leaves no
half file that a later run would trust).
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from nerlab.evaluate.features.embed import Embeddings, Encoder, embed
from nerlab.files import check_output_dir, write_bytes_atomic

FORMAT = 1


def texts_digest(texts: Sequence[str]) -> str:
    """SHA-256 of the texts in order (each length-prefixed, so no two lists collide)."""
    h = hashlib.sha256()
    for text in texts:
        data = text.encode("utf-8", "surrogatepass")
        h.update(len(data).to_bytes(8, "little"))
        h.update(data)
    return h.hexdigest()


def model_fingerprint(folder: Path) -> list[tuple[str, int, int]]:
    """``(name, size, mtime_ns)`` of every file of the model folder, sorted."""
    from nerlab.models.saved import model_files

    return [(p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in model_files(folder)]


def cache_key(texts: Sequence[str], encoder: Encoder, pooling: str) -> str:
    """The hex key of the embeddings of ``texts`` by ``encoder`` with ``pooling``."""
    facts = {
        "format": FORMAT,
        "folder": str(Path(encoder.folder).resolve()),
        "files": model_fingerprint(Path(encoder.folder)),
        "pooling": pooling,
        "max_length": encoder.max_length,
        "precision": encoder.precision,
        "texts": texts_digest(texts),
        "n": len(texts),
    }
    return hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()


def cache_file(cache_dir: Path, encoder: Encoder, pooling: str, key: str) -> Path:
    """Where the embeddings with ``key`` live: ``<model folder name>-<pooling>-<key>.npz``."""
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", Path(encoder.folder).name) or "model"
    return cache_dir / f"{stem}-{pooling}-{key[:24]}.npz"


def read_cached(path: Path, key: str, n_texts: int) -> Embeddings | None:
    """The embeddings in ``path`` if it holds exactly ``key`` for ``n_texts`` texts, else None."""
    try:
        with np.load(path, allow_pickle=False) as data:
            if str(data["key"]) != key:
                return None
            vectors = np.asarray(data["vectors"], dtype=np.float32)
            truncated = int(data["truncated"])
    except (OSError, KeyError, ValueError, EOFError):  # missing, damaged or foreign file
        return None
    if vectors.ndim != 2 or vectors.shape[0] != n_texts:
        return None
    return Embeddings(vectors, truncated, cached=True)


def write_cached(path: Path, key: str, emb: Embeddings) -> None:
    """Write ``emb`` under ``key`` to ``path`` (atomically)."""
    buffer = io.BytesIO()
    np.savez(buffer, key=np.array(key), vectors=emb.vectors, truncated=np.array(emb.truncated))
    write_bytes_atomic(path, buffer.getvalue())


def cached_embed(
    texts: Sequence[str],
    encoder: Encoder,
    pooling: str,
    cache_dir: str | Path | None,
    *,
    token_budget: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> Embeddings:
    """:func:`~nerlab.evaluate.features.embed.embed` through the cache in ``cache_dir``
    (``None``: no cache). A hit calls ``progress`` once with all texts."""
    if cache_dir is None:
        return embed(texts, encoder, pooling, token_budget=token_budget, progress=progress)
    folder = check_output_dir(cache_dir, what="--cache")
    key = cache_key(texts, encoder, pooling)
    path = cache_file(folder, encoder, pooling, key)
    hit = read_cached(path, key, len(texts))
    if hit is not None:
        if progress is not None:
            progress(len(texts))
        return hit
    emb = embed(texts, encoder, pooling, token_budget=token_budget, progress=progress)
    write_cached(path, key, emb)
    return emb
