"""Report files of a text classifier's evaluation: the scores JSON, the confusion matrix JSON
and its heat map, under the same names as a tagger's (``report_names.report_paths``), so
``nerlab evaluate --report-dir`` checks and writes the same three files for either task.

Example:
    >>> write_classification_report(ev, "reports/minilm-emotion")  # doctest: +SKIP
    [PosixPath('reports/minilm-emotion/evaluation.json'), ...]
"""

from __future__ import annotations

import json
from pathlib import Path

from nerlab.evaluate.plots import plot_confusion
from nerlab.evaluate.report_names import report_paths
from nerlab.files import write_text_atomic
from nerlab.tasks.text_classification.evaluation import ClassificationEvaluation


def write_classification_report(
    ev: ClassificationEvaluation, folder: str | Path, stem: str = "evaluation"
) -> list[Path]:
    """Write ``<stem>.json`` (every score, the confusion matrix and the highest-loss texts),
    ``<stem>_confusion.json`` (counts and shares of gold, rows gold, columns predicted) and
    ``<stem>_confusion.png`` (the row-normalised heat map annotated with counts).

    Each file is written atomically: a failure leaves an older report as it was. Check the
    folder first with ``files.check_output_dir`` where it comes from the user.

    Returns:
        The files written.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    scores, cm_json, cm_png = report_paths(folder, stem)
    return [
        write_text_atomic(scores, _json(ev.to_dict())),
        write_text_atomic(cm_json, _json(ev.confusion.to_dict())),
        plot_confusion(ev.confusion, cm_png),
    ]


def _json(data: object) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
