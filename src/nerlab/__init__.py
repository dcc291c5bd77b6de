"""nerlab: fine-tune, evaluate and use (predict, ONNX export) transformer encoders for NER.

The public API is flat; see ``__all__``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from nerlab.data.corpus import Corpus, Sentence
from nerlab.errors import ConfigError, DataError, LabelError, ModelError, NerlabError

if TYPE_CHECKING:
    from nerlab.inference import Predictor, export_onnx
    from nerlab.training import TrainConfig, TrainResult, train

# Names whose modules import torch and transformers: loaded on first use, so that
# `import nerlab` (and the data layer alone) stays light.
_LAZY = {
    "Predictor": "nerlab.inference",
    "export_onnx": "nerlab.inference",
    "TrainConfig": "nerlab.training",
    "TrainResult": "nerlab.training",
    "train": "nerlab.training",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'nerlab' has no attribute {name!r}")


__version__ = "0.1.0"

__all__ = [
    "ConfigError",
    "Corpus",
    "DataError",
    "LabelError",
    "ModelError",
    "NerlabError",
    "Predictor",
    "Sentence",
    "TrainConfig",
    "TrainResult",
    "__version__",
    "export_onnx",
    "train",
]
