"""A trained tagger on disk: a plain transformers folder plus ``nerlab_config.json``.

``nerlab train`` writes the folder; ``evaluate``, ``predict``, ``export`` and ``serve`` read it
with :func:`load_tagger`. A plain Hugging Face token-classification folder (no
``nerlab_config.json``) loads too: the labels come from its ``id2label``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from nerlab.errors import ModelError

NERLAB_CONFIG = "nerlab_config.json"
_SPAN_PREFIXES = ("B-", "I-")


@dataclass
class TaggerInfo:
    """What nerlab needs to know about a trained token-classification model.

    Attributes:
        labels: label names in id order.
        scheme: ``"IOB2"`` for span (entity) labels, ``None`` for plain tags (POS).
        max_length: the longest input in sub-tokens, special tokens included.
        task: always ``"token-classification"`` for taggers.
        base_model: the encoder it was fine-tuned from, if known.
        extra: everything else recorded at training time (data, training config, scores).
    """

    labels: list[str]
    scheme: str | None = "IOB2"
    max_length: int = 512
    task: str = "token-classification"
    base_model: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        extra = data.pop("extra")
        return {**data, **extra}


def usable_max_length(config: Any, tokenizer: Any | None = None) -> int:
    """The longest input the model accepts, in sub-tokens including special tokens."""
    limit = int(getattr(config, "max_position_embeddings", 512) or 512)
    if getattr(config, "model_type", "") in {"roberta", "xlm-roberta", "camembert"}:
        limit -= 2  # positions start after the padding index
    tok_limit = getattr(tokenizer, "model_max_length", None) if tokenizer is not None else None
    if isinstance(tok_limit, int) and 0 < tok_limit < limit:
        limit = tok_limit
    return limit


def save_tagger_info(folder: str | Path, info: TaggerInfo) -> None:
    """Write ``nerlab_config.json`` into ``folder``."""
    path = Path(folder) / NERLAB_CONFIG
    path.write_text(json.dumps(info.to_json(), indent=2, ensure_ascii=False) + "\n", "utf-8")


def read_tagger_info(folder: str | Path) -> TaggerInfo:
    """Read a model folder's :class:`TaggerInfo` (from ``nerlab_config.json`` or config.json).

    Raises:
        ModelError: the folder has no config.json, or it is not a token-classification model.
    """
    folder = Path(folder)
    cfg_path = folder / "config.json"
    if not cfg_path.is_file():
        raise ModelError(
            f"{folder} is not a model folder: it has no config.json. Give the output folder of "
            "`nerlab train` or any transformers token-classification model folder."
        )
    config = json.loads(cfg_path.read_text("utf-8"))
    archs = config.get("architectures") or []
    if not any(a.endswith("ForTokenClassification") for a in archs):
        raise ModelError(
            f"{folder} holds a {', '.join(archs) or 'model without a task head'}, not a "
            "token-classification model; train one with `nerlab train` first."
        )
    nerlab_path = folder / NERLAB_CONFIG
    if nerlab_path.is_file():
        data = json.loads(nerlab_path.read_text("utf-8"))
        known = {k: data.pop(k) for k in list(data) if k in TaggerInfo.__dataclass_fields__}
        return TaggerInfo(**known, extra=data)
    id2label = config.get("id2label") or {}
    labels = [id2label[k] for k in sorted(id2label, key=int)]
    span = any(lab.startswith(_SPAN_PREFIXES) for lab in labels)
    return TaggerInfo(
        labels=labels,
        scheme="IOB2" if span else None,
        max_length=usable_max_length(_Obj(config)),
        base_model=config.get("_name_or_path"),
    )


class _Obj:
    """Attribute access over a config dict."""

    def __init__(self, data: dict[str, Any]):
        self.__dict__.update(data)


def load_tagger(folder: str | Path, device: str = "cpu") -> tuple[Any, Any, TaggerInfo]:
    """Load ``(model, tokenizer, info)`` from a trained model folder, in eval mode.

    Raises:
        ModelError: not a token-classification folder, or its tokenizer is not a fast one.
    """
    from transformers import AutoModelForTokenClassification, AutoTokenizer
    from transformers.utils import logging as hf_logging

    from nerlab.data.alignment import require_fast_tokenizer

    hf_logging.disable_progress_bar()  # one "Loading weights" bar per command is noise

    info = read_tagger_info(folder)
    tokenizer = AutoTokenizer.from_pretrained(str(folder))
    require_fast_tokenizer(tokenizer)
    model = AutoModelForTokenClassification.from_pretrained(str(folder)).to(device).eval()
    info.max_length = min(info.max_length, usable_max_length(model.config, tokenizer))
    return model, tokenizer, info
