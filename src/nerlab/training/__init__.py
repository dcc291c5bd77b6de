"""Fine-tuning: :func:`train` (a thin layer over ``transformers.Trainer``) and its callbacks."""

from __future__ import annotations

from nerlab.config import TrainConfig
from nerlab.training.run import TrainResult, train

__all__ = ["TrainConfig", "TrainResult", "train"]
