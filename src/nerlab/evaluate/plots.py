"""Figures written next to a model or an evaluation: learning curve and type confusion matrix.

matplotlib runs with the non-interactive Agg backend, so plotting works on servers and in CI.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from nerlab.evaluate.evaluate import Confusion


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def plot_learning_curve(
    records: Sequence[dict[str, Any]], path: str | Path, score_name: str = "f1"
) -> Path:
    """Training loss and dev score per epoch, one PNG.

    Args:
        records: the ``metrics.jsonl`` rows: ``epoch``, ``train_loss`` and ``dev_<score>``.
        path: the PNG to write.
        score_name: ``f1`` or ``accuracy``.

    Returns:
        ``path``.
    """
    plt = _pyplot()
    path = Path(path)
    fig, ax_loss = plt.subplots(figsize=(6, 4), dpi=100)
    epochs = [r["epoch"] for r in records]
    losses = [r.get("train_loss") for r in records]
    ax_loss.plot(epochs, losses, "o-", color="tab:blue", label="train loss")
    ax_loss.set_xlabel("epoch")
    ax_loss.set_ylabel("train loss", color="tab:blue")
    key = f"dev_{score_name}"
    if any(key in r for r in records):
        ax_dev = ax_loss.twinx()
        dev = [(r["epoch"], r[key]) for r in records if key in r]
        ax_dev.plot(*zip(*dev, strict=True), "s-", color="tab:orange", label=f"dev {score_name}")
        ax_dev.set_ylabel(f"dev {score_name}", color="tab:orange")
    ax_loss.set_title("learning curve")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path


def plot_confusion(confusion: Confusion, path: str | Path) -> Path:
    """The entity-type confusion matrix as an annotated heat map (rows gold, columns predicted).

    Returns:
        ``path``.
    """
    plt = _pyplot()
    path = Path(path)
    n = len(confusion.labels)
    size = max(4.0, 0.6 * n + 2)
    fig, ax = plt.subplots(figsize=(size, size), dpi=100)
    ax.imshow(confusion.matrix, cmap="Blues")
    ax.set_xticks(range(n), confusion.labels, rotation=45, ha="right")
    ax.set_yticks(range(n), confusion.labels)
    ax.set_xlabel("predicted (O: missed)")
    ax.set_ylabel("gold (O: spurious)")
    peak = max((max(row) for row in confusion.matrix), default=0)
    for i, row in enumerate(confusion.matrix):
        for j, value in enumerate(row):
            color = "white" if peak and value > peak / 2 else "black"
            ax.text(j, i, str(value), ha="center", va="center", color=color, fontsize=8)
    ax.set_title("entity type confusion")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
