"""The typed configuration of a training run: one object that describes a run completely.

It is built from CLI flags, a JSON file or a dict (unknown keys are rejected with the list of
allowed ones), checked once where it enters, and saved next to the model so that a run can be
reproduced and resumed.

Example:
    >>> cfg = TrainConfig.from_dict({"output": "out", "learning_rate": 5e-5})
    >>> cfg.batch_size
    16
"""

from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from nerlab.errors import ConfigError
from nerlab.models.precision import PRECISION_CHOICES

# Fields that control how a run is started, not what the run is: they may differ between an
# interrupted run and its resumption.
RUN_CONTROL = ("overwrite", "resume", "keep_checkpoints")
TOKEN_TASK = "token-classification"
TEXT_TASK = "text-classification"
TASK_CHOICES = ("auto", TOKEN_TASK, TEXT_TASK)
CLASS_WEIGHT_CHOICES = ("none", "balanced")
LONG_TEXT_CHOICES = ("truncate", "windows")
HEAD_CHOICES = ("linear", "crf")
# Recipes by name (``--preset``): each sets the fields it names that the user leaves at their
# defaults. The numbers behind them are in docs/accuracy.md ("The default encoder").
PRESETS: dict[str, dict[str, Any]] = {
    "fast": {"model": "minilm-l6"},
    "accurate": {"model": "e5-small-multilingual", "head": "crf", "context": 64},
}
# Options that only text classification reads, with their defaults.
TEXT_OPTIONS: dict[str, Any] = {
    "text_column": None,
    "label_column": None,
    "label_sep": None,
    "class_weights": "none",
    "long_text": "truncate",
}


@dataclass
class TrainConfig:
    """Everything that defines a fine-tuning run.

    Defaults come from the sweep recorded in ``docs/training.md`` (MiniLM-L6 on CoNLL++). Each
    field's meaning is its ``help`` metadata, which is also its line in ``nerlab train --help``
    (the CLI derives one option per field: see :mod:`nerlab.cli.train`). ``overwrite``,
    ``resume`` and ``keep_checkpoints`` control how a run starts, not what it is
    (:data:`RUN_CONTROL`).
    """

    output: str = field(metadata={"help": "Folder for the trained model.", "short": "-o"})
    preset: str | None = field(
        default=None,
        metadata={
            "help": "A recipe that sets the options you leave at their defaults: fast "
            "(minilm-l6, the default) or accurate (e5-small-multilingual, --head crf, "
            "--context 64); "
            "docs/accuracy.md.",
            "choices": tuple(PRESETS),
        },
    )
    model: str = field(
        default="minilm-l6", metadata={"help": "Built-in name, model folder or hub id."}
    )
    train: str | None = field(
        default=None, metadata={"help": "Training data (CoNLL, JSONL, CSV/TSV, HF); none: demo."}
    )
    task: str = field(
        default="auto",
        metadata={
            "help": "auto (from the training data; demo: NER), token-classification (NER, "
            "POS) or text-classification.",
            "choices": TASK_CHOICES,
        },
    )
    dev: str | None = field(default=None, metadata={"help": "Dev data: scored every epoch."})
    test: str | None = field(default=None, metadata={"help": "Test data: scored at the end."})
    tag_column: int | str = field(
        default=-1, metadata={"help": "Tag column: CoNLL index (-1: last) or CSV/HF name."}
    )
    text_column: str | None = field(
        default=None,
        metadata={"help": "Text classification: text column/key of CSV/TSV, JSONL, HF (text)."},
    )
    label_column: str | None = field(
        default=None,
        metadata={"help": "Text classification: label column/key (label, else labels)."},
    )
    label_sep: str | None = field(
        default=None,
        metadata={"help": "Text classification: split labels at this string (multi-label)."},
    )
    class_weights: str = field(
        default="none",
        metadata={
            "help": "Text classification: loss weights per class; balanced: n / (classes * "
            "count), for imbalanced data.",
            "choices": CLASS_WEIGHT_CHOICES,
        },
    )
    long_text: str = field(
        default="truncate",
        metadata={
            "help": "Text classification: texts over the maximum length are truncated "
            "(counted, reported) or read as windows (logits averaged).",
            "choices": LONG_TEXT_CHOICES,
        },
    )
    train_limit: int | None = field(
        default=None, metadata={"help": "Use only the first N training sentences."}
    )
    epochs: float = field(default=3.0, metadata={"help": "Epochs (a fraction runs part of one)."})
    learning_rate: float = field(
        default=1e-4, metadata={"help": "Peak AdamW learning rate.", "flag": "--lr"}
    )
    batch_size: int = field(default=16, metadata={"help": "Windows per device and step."})
    grad_accum: int = field(default=1, metadata={"help": "Gradient accumulation steps."})
    weight_decay: float = field(default=0.01, metadata={"help": "AdamW weight decay."})
    warmup_ratio: float = field(default=0.1, metadata={"help": "Linear warm-up fraction of steps."})
    max_grad_norm: float = field(
        default=1.0, metadata={"help": "Gradient clipping norm (0: no clipping)."}
    )
    seed: int = field(default=42, metadata={"help": "Random seed."})
    precision: str = field(
        default="auto", metadata={"help": "auto (bf16 where fast), bf16, fp16 (CUDA) or fp32."}
    )
    patience: int = field(
        default=2, metadata={"help": "Epochs without dev gain before stopping (0: never)."}
    )
    label_all_subtokens: bool = field(
        default=False,
        metadata={
            "help": "Label every sub-token (B- -> I- on continuations) or only the first.",
            "flag": "--label-all-subtokens/--label-first-subtoken",
        },
    )
    max_length: int | None = field(
        default=None, metadata={"help": "Window length in sub-tokens (none: the model's)."}
    )
    stride: int | None = field(
        default=None, metadata={"help": "Sub-tokens shared by consecutive windows (none: 1/4)."}
    )
    group_by_length: bool = field(
        default=True, metadata={"help": "Batch windows of similar length (less padding)."}
    )
    pad_to: int | None = field(
        default=None,
        metadata={
            "help": "Pad every batch to exactly N sub-tokens, windows of at most N (static "
            "shapes for compiled graphs and accelerators; none: dynamic padding)."
        },
    )
    compile: bool = field(
        default=False,
        metadata={"help": "Run the model through torch.compile (pair it with --pad-to)."},
    )
    context: int = field(
        default=0,
        metadata={
            "help": "Sub-tokens of the neighbouring sentences of the same document added on "
            "each side of a window (FLERT; 0: none, 64 is the paper's)."
        },
    )
    head: str = field(
        default="linear",
        metadata={
            "help": "Token classification: linear (softmax per word) or crf (a linear-chain "
            "CRF over the words: learned tag transitions, trained and decoded jointly).",
            "choices": HEAD_CHOICES,
        },
    )
    freeze_embeddings: bool = field(
        default=False,
        metadata={
            "help": "Keep the word-embedding matrix fixed. Training it already updates only "
            "the rows the training data uses (as fast: docs/accuracy.md), and freezing lowered "
            "F1 there.",
            "flag": "--freeze-embeddings/--train-embeddings",
        },
    )
    attention_dropout: float | None = field(
        default=None,
        metadata={
            "help": "Dropout on the attention probabilities while training (none: the model's "
            "own, 0.1 for BERT-style encoders). 0 lets PyTorch use its fused attention "
            "kernel on CPU (no seq x seq matrices): less memory on long windows, faster.",
        },
    )
    eval_token_budget: int = field(
        default=1024, metadata={"help": "Tokens per forward pass when scoring dev/test."}
    )
    overwrite: bool = field(default=False, metadata={"help": "Replace a run already in --output."})
    resume: bool = field(default=False, metadata={"help": "Continue the run in --output."})
    keep_checkpoints: bool = field(
        default=False, metadata={"help": "Keep --output/checkpoints after the run."}
    )

    def __post_init__(self) -> None:
        if self.preset is not None and self.task == TEXT_TASK:
            raise ConfigError(
                f"preset {self.preset!r} is a recipe for token classification (NER), and task "
                "is text-classification; drop preset and choose the encoder with model"
            )
        if self.preset in PRESETS:
            defaults = field_defaults()
            for name, value in PRESETS[self.preset].items():
                if getattr(self, name) == defaults[name]:
                    setattr(self, name, value)
        self.validate()

    @classmethod
    def allowed_keys(cls) -> list[str]:
        return [f.name for f in fields(cls)]

    @classmethod
    def from_dict(cls, data: dict[str, Any], source: str = "<config>") -> TrainConfig:
        """Build a config from a dict, rejecting unknown keys.

        Raises:
            ConfigError: an unknown key, a missing ``output`` or a value of the wrong type.
        """
        allowed = cls.allowed_keys()
        unknown = sorted(set(data) - set(allowed))
        if unknown:
            raise ConfigError(
                f"{source}: unknown config key(s) {', '.join(map(repr, unknown))}; "
                f"allowed: {', '.join(allowed)}"
            )
        if "output" not in data:
            raise ConfigError(f"{source}: 'output' (the folder to write the model to) is required")
        _check_preset_overrides(data, source)
        try:
            return cls(**data)
        except ConfigError as exc:
            raise ConfigError(f"{source}: {exc}") from None

    @classmethod
    def from_file(cls, path: str | Path, **overrides: Any) -> TrainConfig:
        """Read a JSON config file (keys of :meth:`allowed_keys`); ``overrides`` win."""
        return cls.from_dict({**read_options(path), **overrides}, source=str(path))

    def replace(self, **changes: Any) -> TrainConfig:
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """All fields, JSON-ready."""
        return {k: getattr(self, k) for k in self.allowed_keys()}

    def identity(self) -> dict[str, Any]:
        """The fields that define the run (what must match to resume it)."""
        return {k: v for k, v in self.to_dict().items() if k not in RUN_CONTROL}

    def validate(self) -> None:
        """Check types and ranges of every field.

        Raises:
            ConfigError: naming the field, the bad value and what is allowed.
        """
        _check_types(self)
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, float) and not math.isfinite(value):
                raise ConfigError(f"{f.name} must be a finite number, got {value}")
        positive = {"epochs": self.epochs, "learning_rate": self.learning_rate}
        positive |= {"batch_size": self.batch_size, "grad_accum": self.grad_accum}
        positive["eval_token_budget"] = self.eval_token_budget
        for name, value in positive.items():
            if value <= 0:
                raise ConfigError(f"{name} must be > 0, got {value}")
        for name in ("weight_decay", "max_grad_norm", "patience"):
            if getattr(self, name) < 0:
                raise ConfigError(f"{name} must be >= 0, got {getattr(self, name)}")
        if self.attention_dropout is not None and not 0 <= self.attention_dropout < 1:
            raise ConfigError(f"attention_dropout must be in [0, 1), got {self.attention_dropout}")
        if not 0 <= self.warmup_ratio < 1:
            raise ConfigError(f"warmup_ratio must be in [0, 1), got {self.warmup_ratio}")
        if self.precision not in PRECISION_CHOICES:
            raise ConfigError(
                f"precision {self.precision!r} is not one of: {', '.join(PRECISION_CHOICES)}"
            )
        for f in fields(self):
            choices = f.metadata.get("choices")
            value = getattr(self, f.name)
            if choices and not (value is None and f.default is None) and value not in choices:
                raise ConfigError(
                    f"{f.name} {getattr(self, f.name)!r} is not one of: {', '.join(choices)}"
                )
        self._check_task_options()
        if self.max_length is not None and self.max_length < 8:
            raise ConfigError(f"max_length must be >= 8 sub-tokens, got {self.max_length}")
        if self.pad_to is not None and self.pad_to < 8:
            raise ConfigError(f"pad_to must be >= 8 sub-tokens, got {self.pad_to}")
        if self.pad_to is not None and self.pad_to > (self.max_length or self.pad_to):
            raise ConfigError(
                f"pad_to {self.pad_to} is more than max_length {self.max_length}: padding past "
                "the longest window only costs time; drop max_length (pad_to sets the window "
                "length) or lower pad_to"
            )
        if self.train_limit is not None and self.train_limit < 1:
            raise ConfigError(f"train_limit must be >= 1, got {self.train_limit}")
        if self.stride is not None and self.stride < 0:
            raise ConfigError(f"stride must be >= 0, got {self.stride}")
        if self.context < 0:
            raise ConfigError(
                f"context must be >= 0 sub-tokens (0: no document context), got {self.context}"
            )
        if self.train is None and (self.dev is not None or self.test is not None):
            raise ConfigError("dev/test data given without training data: add --train FILE")
        if self.overwrite and self.resume:
            raise ConfigError("--overwrite and --resume exclude each other: pick one")
        if not str(self.output).strip():
            raise ConfigError("output must name a folder")

    def text_options_given(self) -> list[str]:
        """The text-classification options set to something other than their default."""
        return [k for k, default in TEXT_OPTIONS.items() if getattr(self, k) != default]

    def token_options_given(self) -> list[str]:
        """The token-classification options set to something other than their default."""
        given = ["tag_column"] if self.tag_column != -1 else []
        given += ["label_all_subtokens"] if self.label_all_subtokens else []
        given += ["head"] if self.head != "linear" else []
        return given + (["context"] if self.context else [])

    def _check_task_options(self) -> None:
        """Options of one task given with the other task forced: an error, never ignored."""
        for name in ("text_column", "label_column", "label_sep"):
            value = getattr(self, name)
            if value is not None and not str(value).strip():
                raise ConfigError(f"{name} must not be empty")
        if self.task == TOKEN_TASK and self.text_options_given():
            raise ConfigError(
                f"{', '.join(self.text_options_given())}: text-classification option(s), but "
                "task is token-classification; drop them, or use task text-classification"
            )
        if self.task == TEXT_TASK and self.token_options_given():
            raise ConfigError(
                f"{', '.join(self.token_options_given())}: token-classification option(s), but "
                "task is text-classification; drop them (use text_column / label_column for "
                "text data)"
            )


def field_defaults() -> dict[str, Any]:
    """Each :class:`TrainConfig` field's default (``MISSING`` for ``output``)."""
    return {f.name: f.default for f in fields(TrainConfig)}


def fill_defaults(recorded: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
    """``recorded`` (settings an earlier nerlab wrote down) with each key of ``current`` that it
    lacks set to that field's default: a setting added since had its default in that run."""
    defaults = field_defaults()
    missing = {k: defaults[k] for k in current if k not in recorded and k in defaults}
    return {**missing, **recorded}


def _check_preset_overrides(data: dict[str, Any], source: str) -> None:
    """A preset only fills fields left at their defaults, so an explicit default value that
    the preset changes would be lost: refuse it, naming both.

    Raises:
        ConfigError: e.g. ``preset accurate`` with ``model minilm-l6`` given.
    """
    preset = data.get("preset")
    if preset not in PRESETS:
        return
    defaults = field_defaults()
    for name, value in PRESETS[preset].items():
        if name in data and data[name] == defaults[name] != value:
            raise ConfigError(
                f"{source}: preset {preset!r} sets {name} to {value!r}, but {name} "
                f"{data[name]!r} was given too; drop one of them"
            )


def read_options(path: str | Path) -> dict[str, Any]:
    """The options in a JSON config file (one object; unknown keys rejected).

    Raises:
        ConfigError: a missing file, invalid JSON (with its line) or unknown keys.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"config file {path} not found") from exc
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}:{exc.lineno}: not valid JSON: {exc.msg}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a config file holds one JSON object of options")
    unknown = sorted(set(data) - set(TrainConfig.allowed_keys()))
    if unknown:
        raise ConfigError(
            f"{path}: unknown config key(s) {', '.join(map(repr, unknown))}; "
            f"allowed: {', '.join(TrainConfig.allowed_keys())}"
        )
    return data


_TYPES: dict[str, tuple[type, ...]] = {
    "output": (str, Path),
    "model": (str,),
    "train": (str, Path, type(None)),
    "task": (str,),
    "dev": (str, Path, type(None)),
    "test": (str, Path, type(None)),
    "tag_column": (int, str),
    "text_column": (str, type(None)),
    "label_column": (str, type(None)),
    "label_sep": (str, type(None)),
    "class_weights": (str,),
    "long_text": (str,),
    "train_limit": (int, type(None)),
    "epochs": (int, float),
    "learning_rate": (int, float),
    "batch_size": (int,),
    "grad_accum": (int,),
    "weight_decay": (int, float),
    "warmup_ratio": (int, float),
    "max_grad_norm": (int, float),
    "seed": (int,),
    "precision": (str,),
    "patience": (int,),
    "label_all_subtokens": (bool,),
    "max_length": (int, type(None)),
    "stride": (int, type(None)),
    "group_by_length": (bool,),
    "pad_to": (int, type(None)),
    "compile": (bool,),
    "context": (int,),
    "freeze_embeddings": (bool,),
    "attention_dropout": (int, float, type(None)),
    "eval_token_budget": (int,),
    "overwrite": (bool,),
    "resume": (bool,),
    "keep_checkpoints": (bool,),
}


def _check_types(cfg: TrainConfig) -> None:
    """Reject values of the wrong type (a bool is not accepted where a number is expected)."""
    for name, types in _TYPES.items():
        value = getattr(cfg, name)
        is_bool = isinstance(value, bool)
        if not isinstance(value, types) or (is_bool and bool not in types):
            allowed = " or ".join("null" if t is type(None) else t.__name__ for t in types)
            raise ConfigError(f"config {name!r} must be {allowed}, got {value!r}")
        if isinstance(value, Path):
            setattr(cfg, name, str(value))
