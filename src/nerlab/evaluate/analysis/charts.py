"""The analysis charts: F1 per bucket, error kinds per type, probe drops (matplotlib, no pyplot).

Each function returns a figure drawn with :func:`nerlab.figures.new_figure`; the caller
saves it (:func:`png_bytes` for embedding in HTML, :func:`nerlab.figures.save` for a
file), so nothing touches matplotlib's global state.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

from nerlab.figures import new_figure
from nerlab.metrics.partial import KIND_NAMES, KINDS

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from nerlab.evaluate.analysis.buckets import BucketTable

# One colour per error kind, shared by the chart and the HTML report.
KIND_COLORS = {
    "correct": "#4caf50",
    "wrong_type": "#e53935",
    "wrong_boundary": "#fb8c00",
    "wrong_boundary_type": "#8e24aa",
    "missed": "#757575",
    "spurious": "#1e88e5",
}


def png_bytes(fig: Figure) -> bytes:
    """The figure as PNG bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def bucket_chart(table: BucketTable) -> Figure:
    """F1 per bucket as bars, each labelled with its F1 and its number of gold entities."""
    names = [b.name for b in table.buckets]
    fig = new_figure(max(3.6, 0.9 * len(names) + 1.4), 3.0)
    ax = fig.add_subplot()
    bars = ax.bar(range(len(names)), [b.f1 for b in table.buckets], color="#3f7fbf")
    for bar, b in zip(bars, table.buckets, strict=True):
        ax.text(
            bar.get_x() + bar.get_width() / 2,
            bar.get_height() + 0.02,
            f"{b.f1:.2f}\nn={b.gold}",
            ha="center",
            va="bottom",
            fontsize=7,
        )
    ax.set_xticks(range(len(names)), names, rotation=20 if len(names) > 3 else 0, fontsize=8)
    ax.set_ylim(0, 1.25)
    ax.set_ylabel("F1")
    ax.set_title(table.title, fontsize=9)
    fig.tight_layout()
    return fig


def kinds_chart(per_type: dict[str, dict[str, int]]) -> Figure:
    """Error kinds per entity type as stacked horizontal bars (correct first)."""
    types = list(per_type)
    fig = new_figure(6.0, max(1.8, 0.45 * len(types) + 1.2))
    ax = fig.add_subplot()
    left = [0] * len(types)
    for kind in KINDS:
        values = [per_type[t][kind] for t in types]
        ax.barh(types, values, left=left, color=KIND_COLORS[kind], label=KIND_NAMES[kind])
        left = [a + b for a, b in zip(left, values, strict=True)]
    ax.invert_yaxis()
    ax.set_xlabel("entities (gold, plus spurious predictions)")
    ax.legend(fontsize=7, ncols=3, loc="upper center", bbox_to_anchor=(0.5, -0.35), frameon=False)
    ax.set_title("error kinds per type", fontsize=9)
    fig.tight_layout()
    return fig


def probe_chart(names: Sequence[str], original: Sequence[float], probed: Sequence[float]) -> Figure:
    """Score on the original data against the probed data, one pair of bars per probe."""
    fig = new_figure(max(4.5, 0.8 * len(names) + 1.5), 3.4)
    ax = fig.add_subplot()
    xs = range(len(names))
    ax.bar([x - 0.2 for x in xs], original, width=0.4, label="original", color="#9e9e9e")
    bars = ax.bar([x + 0.2 for x in xs], probed, width=0.4, label="probed", color="#3f7fbf")
    for bar, o, p in zip(bars, original, probed, strict=True):
        label = f"drop\n{o - p:.2f}"
        ax.text(
            bar.get_x() + bar.get_width() / 2, p + 0.02, label, ha="center", va="bottom", fontsize=7
        )
    ax.set_xticks(list(xs), list(names), rotation=30, ha="right", fontsize=8)
    ax.set_ylim(0, 1.25)
    ax.set_ylabel("score")
    ax.legend(fontsize=8, loc="lower left")
    ax.set_title("probes: score and drop", fontsize=9)
    fig.tight_layout()
    return fig
