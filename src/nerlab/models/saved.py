"""A trained model on disk: a plain transformers folder plus ``nerlab_config.json``.

``nerlab train`` writes the folder; everything that consumes a model reads it through
:func:`read_meta`, :func:`load_tokenizer` and :func:`load_torch_model` (the Predictor does;
nothing else loads a model). A plain Hugging Face token- or sequence-classification folder (no
``nerlab_config.json``) loads too: the task comes from its head (``*ForTokenClassification``,
``*ForSequenceClassification``), the labels from its ``id2label``, and for a classifier
whether it is multi-label from its ``problem_type``.

Every way a folder can be broken is a :class:`~nerlab.errors.ModelError` naming the folder and
the file: no or invalid ``config.json``, no tokenizer files (transformers would otherwise
build a five-token vocabulary and tag every word ``[UNK]``), unreadable weights.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from nerlab.errors import ModelError
from nerlab.models.catalog import max_length_from_config

NERLAB_CONFIG = "nerlab_config.json"
_SPAN_PREFIXES = ("B-", "I-")
# A single weights file, or the index of a sharded one (large models).
WEIGHT_FILES = (
    "model.safetensors",
    "model.safetensors.index.json",
    "pytorch_model.bin",
    "pytorch_model.bin.index.json",
)
# A fast tokenizer needs tokenizer.json, or a vocabulary it can be converted from.
_VOCAB_FILES = ("tokenizer.json", "vocab.txt", "sentencepiece.bpe.model", "spiece.model")
_TOKENIZER_FILES = (*_VOCAB_FILES, "tokenizer_config.json", "special_tokens_map.json")
# The transformers heads nerlab runs, by architecture suffix, and their task names.
HEAD_TASKS = {
    "ForTokenClassification": "token-classification",
    "ForSequenceClassification": "text-classification",
}
TEXT_TASK = "text-classification"
_LONG_TEXT = ("truncate", "windows")


@dataclass
class ModelMeta:
    """What nerlab needs to know about a trained model (``nerlab_config.json``).

    Attributes:
        task: ``"token-classification"`` or ``"text-classification"``: picks the task (its
            decoding and evaluation).
        labels: label names in id order.
        scheme: ``"IOB2"`` for span (entity) labels, ``None`` for plain tags (POS) and for
            text classifiers.
        max_length: the longest input in sub-tokens, special tokens included.
        base_model: the encoder it was fine-tuned from, if known.
        extra: everything else recorded at training time (data, training config, scores;
            a text classifier's ``multi_label``, ``thresholds`` and ``long_text``).
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
        raise ModelError(
            f"{path}: holds a JSON {type(data).__name__}, not a JSON object; the model folder "
            "is damaged: copy it again or train it again"
        )
    return data


def _task_of(folder: Path, config: dict[str, Any]) -> str:
    """The task of a transformers head, from its architecture: ``BertForTokenClassification``
    -> ``token-classification``, ``BertForSequenceClassification`` -> ``text-classification``.

    Raises:
        ModelError: no architecture, or a head of a task nerlab does not run (a bare encoder,
            a masked-LM head, ...).
    """
    archs = config.get("architectures") or []
    if isinstance(archs, str):  # hand-edited: one name instead of a list of names
        archs = [archs]
    if not isinstance(archs, list):
        raise ModelError(
            f"{folder / 'config.json'}: 'architectures' must be a list of class names, such "
            f'as ["BertForTokenClassification"], not {archs!r}'
        )
    archs = [str(a) for a in archs]
    for arch in archs:
        for suffix, task in HEAD_TASKS.items():
            if arch.endswith(suffix):
                return task
    raise ModelError(
        f"{folder} holds a {', '.join(archs) or 'model without a task head'}, not a "
        "token-classification model (*ForTokenClassification) nor a text-classification model "
        "(*ForSequenceClassification); train one with `nerlab train` first."
    )


def read_meta(folder: str | Path) -> ModelMeta:
    """Read a model folder's :class:`ModelMeta` (``nerlab_config.json``, else ``config.json``).

    Raises:
        ModelError: not a folder, no or invalid config.json, not a model nerlab knows.
    """
    folder = Path(folder)
    try:
        is_folder = folder.is_dir()
    except OSError as exc:  # a name too long, a folder that cannot be entered
        raise ModelError(f"model folder {folder} cannot be used: {exc.strerror}") from None
    if not is_folder:
        raise ModelError(f"model folder {folder} does not exist (or is not a folder)")
    cfg_path = folder / "config.json"
    if not cfg_path.is_file():
        raise ModelError(
            f"{folder} is not a model folder: it has no config.json. Give the output folder of "
            "`nerlab train` or any transformers token- or sequence-classification model folder."
        )
    config = read_json(cfg_path)
    task = _task_of(folder, config)
    limit = max_length_from_config(config, _tokenizer_max(folder)) or 512
    nerlab_path = folder / NERLAB_CONFIG
    if nerlab_path.is_file():
        data = read_json(nerlab_path)
        known = {k: data.pop(k) for k in list(data) if k in ModelMeta.__dataclass_fields__}
        if not isinstance(known.get("labels"), list):
            raise ModelError(
                f"{nerlab_path}: 'labels' must be the list of label names, not "
                f"{known.get('labels')!r}; the model folder is damaged or was edited by hand: "
                "copy it again or train it again"
            )
        if known.get("task") == TEXT_TASK:
            known.setdefault("scheme", None)  # classes have no tag scheme
        meta = ModelMeta(**known, extra=data)
        _check_meta(meta, nerlab_path, _config_labels(cfg_path, config))
        if meta.task != task:
            raise ModelError(
                f"{nerlab_path}: 'task' is {meta.task!r}, but the model head in config.json is "
                f"for {task}; the two files come from different models: copy the whole model "
                "folder again"
            )
        meta.max_length = min(meta.max_length, limit)
        return meta
    labels = _config_labels(cfg_path, config)
    if labels is None:
        raise ModelError(
            f"{cfg_path} has no id2label, so the model's labels are unknown; give the output "
            "folder of `nerlab train` (it has nerlab_config.json) or a folder whose config.json "
            "maps label ids to names"
        )
    text = task == TEXT_TASK
    span = not text and any(lab.startswith(_SPAN_PREFIXES) for lab in labels)
    extra: dict[str, Any] = {}
    if text:
        multi = config.get("problem_type") == "multi_label_classification"
        extra = {"multi_label": multi, "thresholds": None, "long_text": "truncate"}
    meta = ModelMeta(
        labels=labels,
        scheme="IOB2" if span else None,
        max_length=limit,
        task=task,
        base_model=config.get("_name_or_path"),
        extra=extra,
    )
    _check_meta(meta, cfg_path, labels)
    return meta


def _config_labels(cfg_path: Path, config: dict[str, Any]) -> list[str] | None:
    """The labels of ``config.json``'s ``id2label`` in id order (``None`` when it has none)."""
    id2label = config.get("id2label")
    if not id2label:
        return None
    try:
        if not isinstance(id2label, dict):
            raise ValueError
        ids = sorted(id2label, key=int)
    except ValueError:
        raise ModelError(
            f'{cfg_path}: id2label must map label ids to names ({{"0": "O", ...}}); the model '
            "folder is damaged: copy it again or train it again"
        ) from None
    if [int(k) for k in ids] != list(range(len(ids))):
        raise ModelError(f"{cfg_path}: id2label ids must be 0 to {len(ids) - 1}, without gaps")
    return [str(id2label[k]) for k in ids]


def _check_meta(meta: ModelMeta, path: Path, config_labels: list[str] | None) -> None:
    """Raise ModelError naming ``path`` when a field cannot be what nerlab wrote there.

    A folder without ``nerlab_config.json`` gets its labels from ``config.json`` as they are
    (a hub model may use ``E-``/``S-`` labels); only nerlab's own file must hold IOB2 labels.
    """

    def bad(what: str) -> ModelError:
        return ModelError(
            f"{path}: {what}; the model folder is damaged or was edited by hand: copy it again "
            "or train it again"
        )

    labels = meta.labels
    if not labels or not all(isinstance(lab, str) and lab for lab in labels):
        raise bad(f"'labels' must be a non-empty list of label names, not {labels!r}")
    if len(set(labels)) != len(labels):
        raise bad(f"'labels' lists {sorted({x for x in labels if labels.count(x) > 1})} twice")
    if config_labels is not None and len(config_labels) != len(labels):
        raise bad(
            f"{len(labels)} labels, but config.json's id2label (the model head) has "
            f"{len(config_labels)}"
        )
    if meta.scheme not in (None, "IOB2"):
        raise bad(
            f"'scheme' must be \"IOB2\" (span labels) or null (plain tags), not {meta.scheme!r}"
        )
    own = path.name == NERLAB_CONFIG
    if (
        own
        and meta.scheme
        and not all(lab == "O" or lab.startswith(_SPAN_PREFIXES) for lab in labels)
    ):
        odd = [lab for lab in labels if lab != "O" and not lab.startswith(_SPAN_PREFIXES)]
        raise bad(f"scheme IOB2 labels are O, B-TYPE and I-TYPE, not {', '.join(odd[:5])}")
    if not isinstance(meta.max_length, int) or isinstance(meta.max_length, bool):
        raise bad(f"'max_length' must be a whole number, not {meta.max_length!r}")
    if meta.max_length < 4:
        raise bad(f"'max_length' {meta.max_length} is too small to hold a word")
    if not isinstance(meta.task, str) or not (
        meta.base_model is None or isinstance(meta.base_model, str)
    ):
        raise bad("'task' and 'base_model' must be strings")
    for key in ("training", "export"):
        if not isinstance(meta.extra.get(key) or {}, dict):
            raise bad(f"{key!r} must be a JSON object, not {meta.extra[key]!r}")
    _check_training(meta.training, bad)
    if meta.extra.get("crf") is not None:
        from nerlab.metrics.constrained import Learned

        try:
            Learned.from_json(meta.extra["crf"], len(labels))
        except ValueError as exc:
            raise bad(str(exc)) from None
    if meta.task == TEXT_TASK:
        _check_classifier(meta, bad)


def _check_classifier(meta: ModelMeta, bad: Callable[[str], ModelError]) -> None:
    """A text classifier's settings: multi-label flag, per-label thresholds, long texts."""
    extra = meta.extra
    if meta.scheme is not None:
        raise bad(f"a text classifier has no tag 'scheme', not {meta.scheme!r}")
    if not isinstance(extra.get("multi_label", False), bool):
        raise bad(f"'multi_label' must be true or false, not {extra['multi_label']!r}")
    thresholds = extra.get("thresholds")
    if thresholds is not None and (
        not isinstance(thresholds, list)
        or len(thresholds) != len(meta.labels)
        or not all(
            isinstance(t, int | float) and not isinstance(t, bool) and 0 <= t <= 1
            for t in thresholds
        )
    ):
        raise bad(
            f"'thresholds' must be null or {len(meta.labels)} numbers in [0, 1] (one per "
            f"label), not {thresholds!r}"
        )
    if extra.get("long_text", "truncate") not in _LONG_TEXT:
        raise bad(f"'long_text' must be one of {', '.join(_LONG_TEXT)}, not {extra['long_text']!r}")


def _check_training(training: dict[str, Any], bad: Callable[[str], ModelError]) -> None:
    """The training settings a Predictor reuses: precision, token budget, window stride."""
    from nerlab.models.precision import PRECISION_CHOICES

    precision = training.get("precision", "auto")
    if precision not in PRECISION_CHOICES:
        raise bad(f"training precision {precision!r} is not one of {', '.join(PRECISION_CHOICES)}")
    for key, low in (("eval_token_budget", 1), ("stride", 0)):
        value = training.get(key)
        if value is not None and (
            not isinstance(value, int) or isinstance(value, bool) or value < low
        ):
            raise bad(f"training {key} must be a whole number >= {low}, not {value!r}")


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
    from nerlab.models.quiet import quiet_transformers

    check_tokenizer_files(folder)
    try:
        with quiet_transformers():
            tokenizer = AutoTokenizer.from_pretrained(str(folder))
    except Exception as exc:  # tokenizers and sentencepiece raise their own untyped errors
        files = sorted(p.name for p in Path(folder).glob("*") if p.name in _TOKENIZER_FILES)
        raise ModelError(
            f"{folder}: the tokenizer cannot be loaded ({_first_line(exc)}); its files "
            f"({', '.join(files)}) may be damaged: copy them again from the folder the model "
            "was trained in"
        ) from None
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
    from transformers import AutoConfig

    weights = folder / next(f for f in WEIGHT_FILES if (folder / f).is_file())
    try:
        with quiet_transformers():
            config = AutoConfig.from_pretrained(str(folder))
    except Exception as exc:  # transformers raises ValueError, KeyError, OSError...
        raise ModelError(
            f"{folder / 'config.json'}: transformers cannot build the model from it "
            f"({_first_line(exc)}); copy the model folder again, or upgrade transformers if "
            "the model is of a newer kind"
        ) from None
    try:
        with quiet_transformers():
            model = auto_class.from_pretrained(str(folder), config=config)
    except Exception as exc:  # safetensors and torch raise their own untyped errors
        if "ignore_mismatched_sizes" in str(exc) or "size mismatch" in str(exc):
            raise ModelError(
                f"{weights}: the weights do not have the shapes config.json describes (for "
                f"example {config.num_labels} labels); the two files come from different "
                "models: copy the whole model folder again"
            ) from None
        raise ModelError(
            f"{weights}: the model weights cannot be loaded ({_first_line(exc)}); the file may "
            "be truncated or damaged: copy it again or train the model again"
        ) from None
    return model.to(device).eval()


def _first_line(exc: BaseException) -> str:
    """The gist of a third-party error: its first line, cut to the first sentence if long."""
    text = str(exc).strip()
    if not text:
        return type(exc).__name__
    first = text.splitlines()[0]
    return first if len(first) <= 160 else first.split(". ")[0]


def model_files(folder: str | Path) -> list[Path]:
    """The files a model is loaded from, which no output may overwrite: config, weights (shards
    and ONNX included), tokenizer. Other files (an earlier report) are not the model's."""
    folder = Path(folder)
    names = {"config.json", NERLAB_CONFIG, *WEIGHT_FILES, *_TOKENIZER_FILES, "added_tokens.json"}
    suffixes = {".safetensors", ".bin", ".onnx", ".data", ".model"}
    try:
        files = [p for p in folder.iterdir() if p.is_file()] if folder.is_dir() else []
    except OSError:
        return []
    return sorted(p for p in files if p.name in names or p.suffix in suffixes)
