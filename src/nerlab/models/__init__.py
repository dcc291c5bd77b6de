"""Encoders: resolve a model name to a local folder, the built-in offline models, model facts.

Example:
    >>> from nerlab.models import resolve_model, model_max_length
    >>> folder = resolve_model("minilm-l6")  # doctest: +SKIP
    >>> model_max_length(folder)  # doctest: +SKIP
    512
"""

from __future__ import annotations

from nerlab.models.catalog import (
    BuiltinStatus,
    ModelSummary,
    count_parameters,
    describe_model,
    list_builtin_models,
    model_max_length,
)
from nerlab.models.registry import BUILTIN_MODELS, ModelInfo, nerlab_home, resolve_model

__all__ = [
    "BUILTIN_MODELS",
    "BuiltinStatus",
    "ModelInfo",
    "ModelSummary",
    "count_parameters",
    "describe_model",
    "list_builtin_models",
    "model_max_length",
    "nerlab_home",
    "resolve_model",
]
