"""The score matrix of a cross-lingual run: JSON, CSV, a heat map and the ``--sizes`` curve.

Rows are what a model was trained on (the cells), columns the test languages. The figures use
matplotlib's object API on an Agg canvas (:func:`nerlab.figures.new_figure`).
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from nerlab.figures import new_figure, save
from nerlab.files import write_text_atomic


@dataclass
class Matrix:
    """Scores by cell (rows) and test language (columns); ``None`` where a cell is not done.

    Attributes:
        metric: the score (``f1``: conlleval-mode micro F1 over entities).
        rows: cell names, in training order.
        columns: test languages.
        values: ``values[i][j]``: row ``i`` scored on column ``j``.
        test_note: what the test and dev sets are (PAN-X: dev files as test).
        info: strategy, model, cells (sentences, dev score), labels, the curve's points.
    """

    metric: str
    rows: list[str]
    columns: list[str]
    values: list[list[float | None]]
    test_note: str
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return all(v is not None for row in self.values for v in row)

    def get(self, row: str, column: str) -> float | None:
        return self.values[self.rows.index(row)][self.columns.index(column)]

    def to_dict(self) -> dict[str, Any]:
        return {
            "metric": self.metric,
            "test_set": self.test_note,
            "complete": self.complete,
            "rows": self.rows,
            "columns": self.columns,
            "values": self.values,
            **self.info,
        }

    def to_csv(self) -> str:
        """``trained_on,LANG...`` then one row per cell (empty where not done)."""
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(["trained_on", *self.columns])
        for name, row in zip(self.rows, self.values, strict=True):
            writer.writerow([name, *("" if v is None else repr(v) for v in row)])
        return buf.getvalue()


def write_matrix(matrix: Matrix, folder: Path, curve: bool) -> list[Path]:
    """Write ``matrix.json``, ``matrix.csv``, ``heatmap.png`` (and ``curve.png``)."""
    from nerlab.training.xlingual.folder import CURVE, HEATMAP, MATRIX_CSV, MATRIX_JSON

    text = json.dumps(matrix.to_dict(), indent=2, ensure_ascii=False) + "\n"
    written = [
        write_text_atomic(folder / MATRIX_JSON, text),
        write_text_atomic(folder / MATRIX_CSV, matrix.to_csv()),
        plot_heatmap(matrix, folder / HEATMAP),
    ]
    if curve:
        written.append(plot_curve(matrix, folder / CURVE))
    return written


def plot_heatmap(matrix: Matrix, path: Path) -> Path:
    """The matrix as an annotated heat map (blank where a cell is not done)."""
    n_rows, n_cols = len(matrix.rows), len(matrix.columns)
    fig = new_figure(max(4.0, 1.1 * n_cols + 2), max(3.0, 0.55 * n_rows + 1.8))
    ax = fig.add_subplot()
    grid = [[math.nan if v is None else v for v in row] for row in matrix.values]
    image = ax.imshow(grid, cmap="viridis", vmin=0.0, vmax=1.0, aspect="auto")
    fig.colorbar(image, ax=ax, label=matrix.metric)
    ax.set_xticks(range(n_cols), matrix.columns)
    ax.set_yticks(range(n_rows), matrix.rows)
    ax.set_xlabel("test language")
    ax.set_ylabel("trained on")
    for i, row in enumerate(matrix.values):
        for j, value in enumerate(row):
            text = "-" if value is None else f"{value:.3f}"
            color = "black" if value is not None and value > 0.6 else "white"
            ax.text(j, i, text, ha="center", va="center", color=color, fontsize=9)
    ax.set_title(f"{matrix.metric} by training data and test language")
    fig.tight_layout()
    return save(fig, path)


def plot_curve(matrix: Matrix, path: Path) -> Path:
    """``--sizes``: the target's score against its own training sentences, and the zero-shot
    score of the source model on the target as a horizontal line."""
    curve = matrix.info["curve"]
    points = [(p["sentences"], p["score"]) for p in curve["points"] if p["score"] is not None]
    fig = new_figure(6, 4)
    ax = fig.add_subplot()
    if points:
        ax.plot(
            *zip(*points, strict=True),
            "o-",
            color="tab:blue",
            label=f"trained on {curve['target']}",
        )
    if curve["zero_shot"] is not None:
        ax.axhline(
            curve["zero_shot"],
            color="tab:orange",
            linestyle="--",
            label=f"zero-shot from {curve['source']}",
        )
    ax.set_xscale("log", base=2)
    ax.set_xticks(
        [p["sentences"] for p in curve["points"]], [str(p["sentences"]) for p in curve["points"]]
    )
    ax.set_xlabel(f"{curve['target']} training sentences")
    ax.set_ylabel(f"{matrix.metric} on {curve['target']} test")
    ax.set_ylim(0, 1)
    ax.legend(loc="lower right")
    ax.set_title(f"{curve['target']}: own data against zero-shot")
    fig.tight_layout()
    return save(fig, path)
