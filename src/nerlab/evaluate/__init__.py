"""Model evaluation: score a saved model (PyTorch or ONNX) on labelled data, write reports and
figures. The pure metrics are in :mod:`nerlab.metrics`.
"""

from __future__ import annotations

from nerlab.evaluate.evaluate import evaluate, predictions_corpus, write_report_files

__all__ = ["evaluate", "predictions_corpus", "write_report_files"]
