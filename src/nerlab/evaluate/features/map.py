"""The 2-D map of text embeddings: one hexbin density panel per class.

As in the emotion notebook: the vectors are scaled to [0, 1] per dimension, projected to two
dimensions with UMAP (cosine metric), and each class is drawn in its own panel on the same
axes, so where classes overlap shows at a glance. Where umap-learn cannot be imported the
projection is PCA (scikit-learn), and the result says so. The figure is drawn with matplotlib's
object API on an Agg canvas (:mod:`nerlab.evaluate.plots`).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from nerlab.figures import new_figure, save

# One sequential colour map per panel, as in the notebook (cycled past six classes).
_CMAPS = ("Greys", "Blues", "Oranges", "Reds", "Purples", "Greens", "YlOrBr", "PuRd", "BuGn")
UMAP_MISSING = (
    "umap-learn cannot be imported, so the map is a PCA projection (classes overlap more "
    "there); pip install 'nerlab[features]' (or umap-learn) for the UMAP map"
)


@dataclass
class EmbeddingMap:
    """The projected points and how they were made.

    Attributes:
        points: float ``(n, 2)``.
        method: ``umap`` or ``pca``.
        note: why PCA was used instead of UMAP (``None`` for UMAP).
    """

    points: np.ndarray
    method: str
    note: str | None = None


def _umap_class() -> Any | None:
    """umap-learn's ``UMAP`` class, or None where it cannot be imported."""
    try:
        with warnings.catch_warnings():  # numba's deprecation notices at import
            warnings.simplefilter("ignore")
            from umap import UMAP
    except Exception:  # ImportError, or a numba/llvmlite build that fails to load
        return None
    return UMAP


def project(vectors: np.ndarray, seed: int = 0) -> EmbeddingMap:
    """Two-dimensional coordinates of ``vectors``: UMAP, or PCA where UMAP is missing."""
    from sklearn.preprocessing import MinMaxScaler

    scaled = MinMaxScaler().fit_transform(vectors)
    umap = _umap_class()
    if umap is not None and len(vectors) > 3:
        with warnings.catch_warnings():  # "n_jobs overridden by setting random_state"
            warnings.simplefilter("ignore")
            reducer = umap(
                n_components=2,
                metric="cosine",
                random_state=seed,
                n_neighbors=min(15, len(vectors) - 1),
            )
            return EmbeddingMap(np.asarray(reducer.fit_transform(scaled)), "umap")
    from sklearn.decomposition import PCA

    note = UMAP_MISSING if umap is None else "too few texts for UMAP; the map is a PCA projection"
    n = min(2, *scaled.shape)
    points = np.zeros((len(scaled), 2))
    points[:, :n] = PCA(n_components=n, random_state=seed).fit_transform(scaled)
    return EmbeddingMap(points, "pca", note)


def plot_map(
    emap: EmbeddingMap, labels: Sequence[str], classes: Sequence[str], path: str | Path
) -> Path:
    """Draw one hexbin density panel per class of the projected points; write ``path`` (PNG).

    Args:
        emap: from :func:`project`.
        labels: the class of each point.
        classes: the panels, in order.
        path: the PNG to write (atomically).
    """
    cols = min(3, len(classes))
    rows = math.ceil(len(classes) / cols)
    fig = new_figure(3.2 * cols, 3.0 * rows)
    gold = np.asarray(labels)
    x, y = emap.points[:, 0], emap.points[:, 1]
    extent = (float(x.min()), float(x.max()), float(y.min()), float(y.max()))
    for i, name in enumerate(classes):
        ax = fig.add_subplot(rows, cols, i + 1)
        keep = gold == name
        ax.hexbin(
            x[keep],
            y[keep],
            cmap=_CMAPS[i % len(_CMAPS)],
            gridsize=20,
            linewidths=(0,),
            extent=extent,
            mincnt=1,
        )
        ax.set_title(f"{name} ({int(keep.sum())})")
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(f"training embeddings, {emap.method.upper()} map")
    fig.tight_layout()
    return save(fig, Path(path))
