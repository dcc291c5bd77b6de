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
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from nerlab.errors import ConfigError
from nerlab.models.precision import PRECISION_CHOICES

# Fields that control how a run is started, not what the run is: they may differ between an
# interrupted run and its resumption.
RUN_CONTROL = ("overwrite", "resume", "keep_checkpoints")


@dataclass
class TrainConfig:
    """Everything that defines a fine-tuning run.

    Defaults come from the sweep recorded in ``docs/training.md`` (MiniLM-L6 on CoNLL++).

    Attributes:
        output: folder the trained model, run card, metrics and checkpoints go to.
        model: a built-in model name, a local transformers folder or a hub id.
        train: training data file (any format ``load_corpus`` reads); ``None`` with ``dev`` and
            ``test`` also ``None`` trains on the built-in demo corpus.
        dev: development data, evaluated after every epoch (early stopping, best checkpoint).
        test: test data, scored once at the end with the best model.
        tag_column: column of the tags (CoNLL: 0-based index, negative from the end; CSV: name).
        train_limit: use only the first N training sentences (quick runs).
        epochs: training epochs (a fraction runs part of the last epoch).
        learning_rate: peak AdamW learning rate.
        batch_size: windows per device and optimisation step (before accumulation).
        grad_accum: gradient accumulation steps.
        weight_decay: AdamW weight decay (not applied to biases and LayerNorm weights).
        warmup_ratio: fraction of the steps with a linear warm-up; linear decay to 0 after.
        max_grad_norm: gradient clipping norm (0 turns clipping off).
        seed: random seed (initialisation of the head, data order, dropout).
        precision: ``auto`` (bf16 where the hardware runs it fast), ``bf16``, ``fp16``, ``fp32``.
        patience: epochs without a dev improvement before stopping (0: never stop early).
        label_all_subtokens: label every sub-token (``B-`` becomes ``I-`` on continuation
            pieces) instead of only the first sub-token of each word.
        max_length: window length in sub-tokens (``None``: the model's maximum).
        stride: sub-tokens shared by consecutive windows of a long sentence (``None``: a quarter).
        group_by_length: batch windows of similar length together (less padding).
        eval_token_budget: tokens per forward pass when scoring dev/test (small batches that
            stay in cache are fastest on CPU: see nerlab.models.engine.CPU_TOKEN_BUDGET).
        overwrite: replace an output folder that holds another run.
        resume: continue the run in ``output`` from its last checkpoint.
        keep_checkpoints: keep ``output/checkpoints`` after a successful run.
    """

    output: str
    model: str = "minilm-l6"
    train: str | None = None
    dev: str | None = None
    test: str | None = None
    tag_column: int | str = -1
    train_limit: int | None = None
    epochs: float = 3.0
    learning_rate: float = 1e-4
    batch_size: int = 16
    grad_accum: int = 1
    weight_decay: float = 0.01
    warmup_ratio: float = 0.1
    max_grad_norm: float = 1.0
    seed: int = 42
    precision: str = "auto"
    patience: int = 2
    label_all_subtokens: bool = False
    max_length: int | None = None
    stride: int | None = None
    group_by_length: bool = True
    eval_token_budget: int = 1024
    overwrite: bool = False
    resume: bool = False
    keep_checkpoints: bool = False
    extra: dict[str, Any] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self.validate()

    @classmethod
    def allowed_keys(cls) -> list[str]:
        return [f.name for f in fields(cls) if f.name != "extra"]

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
        return cls(**data)

    @classmethod
    def from_file(cls, path: str | Path, **overrides: Any) -> TrainConfig:
        """Read a JSON config file (keys of :meth:`allowed_keys`); ``overrides`` win."""
        return cls.from_dict({**read_options(path), **overrides}, source=str(path))

    def replace(self, **changes: Any) -> TrainConfig:
        """A copy with some fields changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """All fields but ``extra``, JSON-ready."""
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
        positive = {"epochs": self.epochs, "learning_rate": self.learning_rate}
        positive |= {"batch_size": self.batch_size, "grad_accum": self.grad_accum}
        positive["eval_token_budget"] = self.eval_token_budget
        for name, value in positive.items():
            if value <= 0:
                raise ConfigError(f"{name} must be > 0, got {value}")
        for name in ("weight_decay", "max_grad_norm", "patience"):
            if getattr(self, name) < 0:
                raise ConfigError(f"{name} must be >= 0, got {getattr(self, name)}")
        if not 0 <= self.warmup_ratio < 1:
            raise ConfigError(f"warmup_ratio must be in [0, 1), got {self.warmup_ratio}")
        if self.precision not in PRECISION_CHOICES:
            raise ConfigError(
                f"precision {self.precision!r} is not one of: {', '.join(PRECISION_CHOICES)}"
            )
        if self.max_length is not None and self.max_length < 8:
            raise ConfigError(f"max_length must be >= 8 sub-tokens, got {self.max_length}")
        if self.train_limit is not None and self.train_limit < 1:
            raise ConfigError(f"train_limit must be >= 1, got {self.train_limit}")
        if self.stride is not None and self.stride < 0:
            raise ConfigError(f"stride must be >= 0, got {self.stride}")
        if self.train is None and (self.dev is not None or self.test is not None):
            raise ConfigError("dev/test data given without training data: add --train FILE")
        if self.overwrite and self.resume:
            raise ConfigError("--overwrite and --resume exclude each other: pick one")
        if not str(self.output).strip():
            raise ConfigError("output must name a folder")


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
    "dev": (str, Path, type(None)),
    "test": (str, Path, type(None)),
    "tag_column": (int, str),
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
