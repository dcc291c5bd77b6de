"""Explain a tagger: where it fails (``analyze``) and how it breaks (``probes``).

- :func:`analyze`: per-word and per-sentence loss, the highest-loss sentences, error kinds and
  partial-match scores (SemEval-2013, equal to nervaluate), F1 per bucket (entity length,
  seen in TRAIN, capitalisation...), the type confusion; :func:`write_report` writes
  ``analysis.json``, the charts and a self-contained ``report.html``.
- :func:`run_probes`: rewrite the data (casing, swapped names, a gazetteer in templates, another
  test set with mapped labels), predict again, and measure the drop.

Example:
    >>> from nerlab.evaluate.analysis import analyze
    >>> result = analyze("runs/minilm-conllpp", "conllpp_test.txt", report_dir="analysis")
"""

from __future__ import annotations

from nerlab.evaluate.analysis.core import analyze
from nerlab.evaluate.analysis.labels import parse_map
from nerlab.evaluate.analysis.probes import PROBES, run_probes
from nerlab.evaluate.analysis.report_html import write_report
from nerlab.evaluate.analysis.results import Analysis, ProbeResult, ProbeRun, SentenceView

__all__ = [
    "PROBES",
    "Analysis",
    "ProbeResult",
    "ProbeRun",
    "SentenceView",
    "analyze",
    "parse_map",
    "run_probes",
    "write_report",
]
