"""Figures written next to a model or an evaluation: learning curve and confusion matrix.

Figures are drawn with matplotlib's object API on an Agg canvas (:mod:`nerlab.figures`): no
pyplot, no backend switch, nothing changed for the rest of the process (a notebook keeps its
own backend).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nerlab.figures import new_figure, save

if TYPE_CHECKING:
    from nerlab.metrics import Confusion


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
    fig = new_figure(6, 4)
    ax_loss = fig.add_subplot()
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
    return save(fig, Path(path))


def plot_confusion(confusion: Confusion, path: str | Path) -> Path:
    """The confusion matrix as an annotated heat map (rows gold, columns predicted).

    Entity types (``confusion.none`` is ``O``): coloured and annotated by counts. Text classes
    (``none`` is ``None``): coloured by the share of each gold class (rows normalised, so a
    rare class shows as clearly as a frequent one), annotated with the count and the share.

    Returns:
        ``path``.
    """
    n = len(confusion.labels)
    classes = confusion.none is None
    size = max(4.0, (0.9 if classes else 0.6) * n + 2)
    fig = new_figure(size, size)
    ax = fig.add_subplot()
    shares = confusion.normalized() if classes else None
    colour = shares if shares is not None else confusion.matrix
    ax.imshow(colour, cmap="Blues", vmin=0, vmax=1 if classes else None)
    ax.set_xticks(range(n), confusion.labels, rotation=45, ha="right")
    ax.set_yticks(range(n), confusion.labels)
    ax.set_xlabel("predicted" if classes else "predicted (O: missed)")
    ax.set_ylabel("gold" if classes else "gold (O: spurious)")
    peak = 1.0 if classes else max((max(row) for row in confusion.matrix), default=0)
    for i, row in enumerate(confusion.matrix):
        for j, value in enumerate(row):
            shown = colour[i][j]
            color = "white" if peak and shown > peak / 2 else "black"
            text = f"{value}\n{shares[i][j]:.2f}" if shares is not None else str(value)
            ax.text(j, i, text, ha="center", va="center", color=color, fontsize=8)
    ax.set_title("class confusion (rows: share of gold)" if classes else "entity type confusion")
    fig.tight_layout()
    return save(fig, Path(path))
