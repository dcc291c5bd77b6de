"""The figures of ``nerlab data describe --plots`` for text-classification data: the class
balance per split (bars) and the words per text of each class (box plot).

Drawn with matplotlib's object API on an Agg canvas (:mod:`nerlab.figures`, which every layer
may import, as :mod:`nerlab.evaluate.plots` draws): no pyplot, no backend switch, nothing
changed for the rest of the process. matplotlib is imported only when a figure is drawn.
"""

from __future__ import annotations

from pathlib import Path

from nerlab.data.describe_texts import TextDescription
from nerlab.figures import new_figure, save
from nerlab.files import check_output_dir

PLOT_FILES = ("class_balance.png", "words_per_text_by_class.png")


def _names(desc: TextDescription) -> list[str]:
    names = [Path(s.path).name for s in desc.splits]
    return names if len(set(names)) == len(names) else [s.path for s in desc.splits]


def plot_class_balance(desc: TextDescription, path: str | Path) -> Path:
    """Share of texts per class, one bar per split in each class group, counts on the bars."""
    n_labels, n_splits = len(desc.labels), len(desc.splits)
    fig = new_figure(max(6.0, 0.9 * n_labels * max(1, n_splits) ** 0.5 + 2), 4.5)
    ax = fig.add_subplot()
    width = 0.8 / max(1, n_splits)
    for k, (name, s) in enumerate(zip(_names(desc), desc.splits, strict=True)):
        xs = [i - 0.4 + width * (k + 0.5) for i in range(n_labels)]
        bars = ax.bar(xs, [100 * s.shares[c] for c in desc.labels], width, label=name)
        ax.bar_label(bars, [str(s.classes[c]) for c in desc.labels], fontsize=7)
    ax.set_xticks(range(n_labels), desc.labels, rotation=30 if n_labels > 8 else 0)
    ax.set_ylabel("texts (%)")
    ax.set_title("class balance (bars: share of the split's texts; labels: counts)")
    if n_splits > 1:
        ax.legend(fontsize=8)
    fig.tight_layout()
    return save(fig, Path(path))


def plot_words_by_class(desc: TextDescription, path: str | Path) -> Path:
    """Words per text of each class, all splits together, as box plots (outliers shown)."""
    data = [[n for s in desc.splits for n in s.words_by_class.get(c, [])] for c in desc.labels]
    keep = [(c, d) for c, d in zip(desc.labels, data, strict=True) if d]
    fig = new_figure(max(6.0, 0.7 * len(keep) + 2), 4.5)
    ax = fig.add_subplot()
    if keep:
        ax.boxplot([d for _, d in keep], showfliers=True)
        ax.set_xticks(range(1, len(keep) + 1), [c for c, _ in keep])
    ax.set_ylabel("words per text")
    ax.set_title("words per text by class")
    fig.tight_layout()
    return save(fig, Path(path))


def write_plots(desc: TextDescription, folder: str | Path) -> list[Path]:
    """Write both figures into ``folder`` (created if missing): :data:`PLOT_FILES`.

    Raises:
        ConfigError: ``folder`` is a file or cannot be written.
    """
    out = check_output_dir(folder, what="--plots")
    out.mkdir(parents=True, exist_ok=True)
    balance, words = (out / name for name in PLOT_FILES)
    return [plot_class_balance(desc, balance), plot_words_by_class(desc, words)]
