"""Inference: the :class:`Predictor` (load once, batched predict over texts or words) and ONNX
export."""

from __future__ import annotations

from nerlab.inference.onnx import export_onnx
from nerlab.inference.predictor import Entity, Predictor

__all__ = ["Entity", "Predictor", "export_onnx"]
