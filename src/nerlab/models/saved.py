"""A trained model on disk: a plain transformers folder plus ``nerlab_config.json``.

``nerlab train`` writes the folder; everything that consumes a model reads it through
:func:`read_meta`, :func:`load_tokenizer` and :func:`load_torch_model` (the Predictor does;
nothing else loads a model). A plain Hugging Face token-classification folder (no
``nerlab_config.json``) loads too: the labels come from its ``id2label``.

Every way a folder can be broken is a :class:`~nerlab.errors.ModelError` naming the folder and
the file: no or invalid ``config.json``, no tokenizer files (transformers would otherwise
build a five-token vocabulary and tag every word ``[UNK]``), unreadable weights.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from nerlab.errors import ModelError
from nerlab.models.catalog import max_length_from_config

NERLAB_CONFIG = "nerlab_config.json"
_SPAN_PREFIXES = ("B-", "I-")
WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")
# A fast tokenizer needs tokenizer.json, or a vocabulary it can be converted from.
_VOCAB_FILES = ("tokenizer.json", "vocab.txt", "sentencepiece.bpe.model", "spiece.model")


@dataclass
class ModelMeta:
    """What nerlab needs to know about a trained model (``nerlab_config.json``).

    Attributes:
        task: ``"token-classification"``: picks the task (its decoding and evaluation).
        labels: label names in id order.
        scheme: ``"IOB2"`` for span (entity) labels, ``None`` for plain tags (POS).
        max_length: the longest input in sub-tokens, special tokens included.
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

    @property
    def training(self) -> dict[str, Any]:
        """The training configuration recorded with the model (empty for other folders)."""
        return dict(self.extra.get("training") or {})


def save_meta(folder: str | Path, meta: ModelMeta) -> None:
    """Write ``nerlab_config.json`` into ``folder``."""
    path = Path(folder) / NERLAB_CONFIG
    path.write_text(json.dumps(meta.to_json(), indent=2, ensure_ascii=False) + "\n", "utf-8")


def read_json(path: Path) -> dict[str, Any]:
    """A model folder's JSON file as a dict (ModelError naming the file and line if broken)."""
    try:
        data = json.loads(path.read_text("utf-8"))
    except json.JSONDecodeError as exc:
        raise ModelError(
            f"{path}:{exc.lineno}: not valid JSON ({exc.msg}); the model folder is damaged: "
            "copy it again or train it again"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ModelError(f"{path}: cannot be read ({exc})") from None
    if not isinstance(data, dict):
        raise ModelError(f"{path}: holds {type(data).__name__}, not a JSON object")
    return data


def _task_of(folder: Path, config: dict[str, Any]) -> str:
    """The task of a transformers head, from its architecture: ``BertForTokenClassification``
    -> ``token-classification`` (which tasks nerlab runs is :data:`nerlab.tasks.TASKS`'s say)."""
    archs = [str(a) for a in config.get("architectures") or []]
    for arch in archs:
        head = re.search(r"For([A-Z]\w+)$", arch)
        if head:
            return re.sub(r"(?<!^)(?=[A-Z])", "-", head.group(1)).lower()
    raise ModelError(
        f"{folder} holds a {', '.join(archs) or 'model without a task head'}, not a "
        "token-classification model; train one with `nerlab train` first."
    )


def read_meta(folder: str | Path) -> ModelMeta:
    """Read a model folder's :class:`ModelMeta` (``nerlab_config.json``, else ``config.json``).

    Raises:
        ModelError: not a folder, no or invalid config.json, not a model nerlab knows.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ModelError(f"model folder {folder} does not exist (or is not a folder)")
    cfg_path = folder / "config.json"
    if not cfg_path.is_file():
        raise ModelError(
            f"{folder} is not a model folder: it has no config.json. Give the output folder of "
            "`nerlab train` or any transformers token-classification model folder."
        )
    config = read_json(cfg_path)
    task = _task_of(folder, config)
    limit = max_length_from_config(config, _tokenizer_max(folder)) or 512
    nerlab_path = folder / NERLAB_CONFIG
    if nerlab_path.is_file():
        data = read_json(nerlab_path)
        known = {k: data.pop(k) for k in list(data) if k in ModelMeta.__dataclass_fields__}
        if not isinstance(known.get("labels"), list):
            raise ModelError(f"{nerlab_path}: 'labels' must be the list of label names")
        meta = ModelMeta(**known, extra=data)
        meta.max_length = min(meta.max_length, limit)
        return meta
    id2label = config.get("id2label") or {}
    try:
        labels = [str(id2label[k]) for k in sorted(id2label, key=int)]
    except ValueError:
        raise ModelError(f"{cfg_path}: id2label keys must be label ids (0, 1, ...)") from None
    span = any(lab.startswith(_SPAN_PREFIXES) for lab in labels)
    return ModelMeta(
        labels=labels,
        scheme="IOB2" if span else None,
        max_length=limit,
        task=task,
        base_model=config.get("_name_or_path"),
    )


def _tokenizer_max(folder: Path) -> int | None:
    path = folder / "tokenizer_config.json"
    value = read_json(path).get("model_max_length") if path.is_file() else None
    return int(value) if isinstance(value, int | float) else None


def check_tokenizer_files(folder: str | Path) -> None:
    """Raise ModelError naming the missing files when ``folder`` has no usable tokenizer."""
    folder = Path(folder)
    has_config = (folder / "tokenizer_config.json").is_file()
    has_vocab = any((folder / name).is_file() for name in _VOCAB_FILES)
    if has_config and has_vocab:
        return
    missing = [] if has_config else ["tokenizer_config.json"]
    if not has_vocab:
        missing.append(f"tokenizer.json (or one of {', '.join(_VOCAB_FILES[1:])})")
    raise ModelError(
        f"{folder} has no tokenizer: {' and '.join(missing)} missing. Copy the tokenizer files "
        "from the folder the model was trained in (nerlab train saves them with the model); "
        "without them every word would be read as an unknown token."
    )


def load_tokenizer(folder: str | Path) -> Any:
    """The folder's fast tokenizer.

    Raises:
        ModelError: missing tokenizer files, an unreadable tokenizer, or a slow one.
    """
    from transformers import AutoTokenizer

    from nerlab.data.alignment import require_fast_tokenizer

    check_tokenizer_files(folder)
    try:
        tokenizer = AutoTokenizer.from_pretrained(str(folder))
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise ModelError(f"{folder}: the tokenizer cannot be loaded ({exc})") from None
    require_fast_tokenizer(tokenizer)
    return tokenizer


def load_torch_model(folder: str | Path, auto_class: type, device: str = "cpu") -> Any:
    """The PyTorch model of a trained folder, in eval mode, on ``device``.

    Args:
        folder: the model folder.
        auto_class: the transformers auto class of the model's task head.
        device: where to put it.

    Raises:
        ModelError: no weights file, or weights that cannot be read (truncated, corrupt, or of
            another shape than config.json says).
    """
    from nerlab.models.quiet import quiet_transformers

    folder = Path(folder)
    if not any((folder / f).is_file() for f in WEIGHT_FILES):
        hint = (
            " It is an ONNX export: run it with the onnx backend."
            if (folder / "model.onnx").is_file()
            else ""
        )
        raise ModelError(
            f"{folder} has no PyTorch weights ({' or '.join(WEIGHT_FILES)}).{hint} Give the "
            "output folder of `nerlab train`."
        )
    try:
        with quiet_transformers():
            model = auto_class.from_pretrained(str(folder))
    except Exception as exc:  # safetensors and torch raise their own untyped errors
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelError(
            f"{folder}: the model weights cannot be loaded ({first}); the file may be "
            "truncated or damaged: copy it again or train the model again"
        ) from None
    return model.to(device).eval()
