"""Figures drawn with matplotlib's object API on an Agg canvas: no pyplot, no backend switch,
nothing changed for the rest of the process (a notebook keeps its own backend).

A top-level module like :mod:`nerlab.files`, so that every layer may draw: the data layer's
``nerlab data describe --plots`` (:mod:`nerlab.data.text_plots`) as well as evaluation's and
training's figures (:mod:`nerlab.evaluate.plots`). matplotlib is imported only when a figure
is drawn.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from nerlab.files import atomic_write

if TYPE_CHECKING:
    from matplotlib.figure import Figure


def new_figure(width: float, height: float) -> Figure:
    """A figure on its own Agg canvas (``fig.savefig`` works; no pyplot state involved)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(fig)
    return fig


def save(fig: Figure, path: Path) -> Path:
    """Save a figure as PNG atomically (a failed write leaves an older file as it was)."""
    with atomic_write(path, binary=True) as out:
        fig.savefig(out, format="png")
    return path
