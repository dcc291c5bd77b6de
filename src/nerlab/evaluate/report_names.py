"""The names of an evaluation's report files, shared by both tasks' report writers
(``evaluate.write_report_files`` for taggers, ``classification_report`` for text classifiers)
and by the output checks of ``nerlab evaluate --report-dir``, which must know them before any
work. A leaf module, so that the writers and ``evaluate`` import it without importing each
other.
"""

from __future__ import annotations

from pathlib import Path

REPORT_SUFFIXES = (".json", "_confusion.json", "_confusion.png")


def report_paths(folder: str | Path, stem: str = "evaluation") -> list[Path]:
    """The files an evaluation report may write into ``folder``: scores JSON, confusion JSON
    and confusion PNG."""
    return [Path(folder) / f"{stem}{suffix}" for suffix in REPORT_SUFFIXES]
