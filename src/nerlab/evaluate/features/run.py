"""``features_baseline``: the whole ``nerlab features`` run as one typed function.

Order matters for the user: every input is read and every output path checked before the
encoder is loaded, so a typo costs a second, not the minutes of embedding 16,000 texts.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from nerlab.evaluate.features.baseline import (
    FeaturesResult,
    Progress,
    SplitScores,
    _require_sklearn,
    check_scored,
    check_training,
    fit_and_score,
    write_report,
)
from nerlab.evaluate.features.embed import DEFAULT_POOLING, check_pooling

if TYPE_CHECKING:
    from nerlab.data.texts import TextCorpus


def _load(
    data: TextCorpus | str | Path, text_column: str | None, label_column: str | None
) -> TextCorpus:
    if not isinstance(data, str | Path):
        return data
    from nerlab.data.textio import load_texts

    return load_texts(data, text_column=text_column, label_column=label_column, labelled=True)


def _inputs(*data: object) -> list[Path]:
    return [Path(d) for d in data if isinstance(d, str | Path)]


def _check_outputs(
    map_path: str | Path | None,
    report_dir: str | Path | None,
    cache_dir: str | Path | None,
    inputs: list[Path],
) -> None:
    """Refuse, before any work, an output that is a folder, an input or not writable."""
    from nerlab.files import check_output_dir, check_output_file

    if map_path is not None:
        check_output_file(map_path, inputs=inputs, what="--map")
    if report_dir is not None:
        folder = check_output_dir(report_dir, what="--report-dir")
        check_output_file(folder / "features.json", inputs=inputs, what="--report-dir")
    if cache_dir is not None:
        check_output_dir(cache_dir, what="--cache")


def features_baseline(
    model: str | Path,
    train: TextCorpus | str | Path,
    test: TextCorpus | str | Path,
    *,
    dev: TextCorpus | str | Path | None = None,
    pooling: str = DEFAULT_POOLING,
    cache_dir: str | Path | None = None,
    map_path: str | Path | None = None,
    report_dir: str | Path | None = None,
    text_column: str | None = None,
    label_column: str | None = None,
    precision: str = "fp32",
    device: str = "cpu",
    token_budget: int | None = None,
    progress: Progress | None = None,
) -> FeaturesResult:
    """Embed train/test(/dev) with the frozen encoder, fit LogisticRegression(max_iter=3000)
    and DummyClassifier("most_frequent") on train, score both on test (and dev).

    Args:
        model: the encoder: a built-in name (``minilm-l6``), a model folder or a hub id.
        train, test, dev: labelled single-label data: a :class:`~nerlab.data.texts.TextCorpus`
            or a file for :func:`nerlab.data.textio.load_texts`.
        pooling: ``mean`` (default: MiniLM-L6 on emotion scores 0.692 with it against 0.638
            with ``first``, docs/benchmarks.md) or ``first`` (the ``[CLS]`` token, as the
            notebook and the reference do).
        cache_dir: keep the embeddings in ``.npz`` files here (``None``: no cache).
        map_path: write the 2-D map (UMAP, else PCA) of the training embeddings to this PNG.
        report_dir: write ``features.json`` here.
        text_column, label_column: columns of CSV/TSV/JSONL files.
        precision: ``fp32`` (default: the cached vectors do not depend on the CPU), ``bf16``,
            ``fp16`` or ``auto``.
        device: the PyTorch device.
        token_budget: upper bound on batch size x padded length per forward call.
        progress: see :data:`~nerlab.evaluate.features.baseline.Progress`.

    Raises:
        ConfigError: scikit-learn missing, an unknown pooling, multi-label data, an output
            that is an input or cannot be written.
        DataError: an unlabelled text, empty data, a single training class.
        LabelError: a test/dev label that the training data lacks.
        ModelError: an encoder that cannot be loaded.
    """
    from nerlab.models.saved import model_files

    _require_sklearn()
    pooling = check_pooling(pooling)
    inputs = _inputs(train, test, dev)
    train_c = _load(train, text_column, label_column)
    classes = check_training(train_c)
    scored = {"test": _load(test, text_column, label_column)}
    if dev is not None:
        scored["dev"] = _load(dev, text_column, label_column)
    for name, corpus in scored.items():
        check_scored(corpus, classes, name)
    from nerlab.models import resolve_model

    folder = resolve_model(str(model))
    _check_outputs(map_path, report_dir, cache_dir, [*inputs, *model_files(folder)])
    return _run(
        model,
        folder,
        train_c,
        scored,
        classes,
        pooling,
        cache_dir,
        map_path,
        report_dir,
        precision,
        device,
        token_budget,
        progress,
    )


def _run(
    model: str | Path,
    folder: Path,
    train: TextCorpus,
    scored: dict[str, TextCorpus],
    classes: list[str],
    pooling: str,
    cache_dir: str | Path | None,
    map_path: str | Path | None,
    report_dir: str | Path | None,
    precision: str,
    device: str,
    token_budget: int | None,
    progress: Progress | None,
) -> FeaturesResult:
    from nerlab.evaluate.features.cache import cached_embed
    from nerlab.evaluate.features.embed import load_encoder

    encoder = load_encoder(folder, precision=precision, device=device)
    encoder.name = str(model)
    vectors = {}
    embedded = cached = 0
    seconds = 0.0
    for name, corpus in {"train": train, **scored}.items():
        tick = _ticker(progress, f"embedding {name}", len(corpus))
        emb = cached_embed(
            corpus.texts, encoder, pooling, cache_dir, token_budget=token_budget, progress=tick
        )
        vectors[name] = emb
        seconds += emb.seconds
        cached += len(corpus) if emb.cached else 0
        embedded += 0 if emb.cached else len(corpus)
    if progress is not None:
        progress("fitting", 0, 0)
    scores, notes = fit_and_score(
        vectors["train"].vectors,
        [e.labels[0] for e in train],
        {n: (vectors[n].vectors, [e.labels[0] for e in c]) for n, c in scored.items()},
        classes,
    )
    result = FeaturesResult(
        model=str(model),
        folder=str(folder),
        pooling=pooling,
        labels=classes,
        dim=int(vectors["train"].vectors.shape[1]),
        train_path=train.path,
        n_train=len(train),
        train_truncated=vectors["train"].truncated,
        splits={
            n: SplitScores(n, c.path, len(c), *scores[n], truncated=vectors[n].truncated)
            for n, c in scored.items()
        },
        texts_per_second=embedded / seconds if embedded and seconds > 0 else None,
        embedded=embedded,
        cached=cached,
        notes=notes,
    )
    cut = {n: e.truncated for n, e in vectors.items() if e.truncated}
    if cut:
        parts = ", ".join(f"{k} {v}" for k, v in cut.items())
        result.notes.append(
            f"texts longer than the encoder's maximum of {encoder.max_length} sub-tokens were "
            f"cut there for their embedding ({parts})"
        )
    if map_path is not None:
        _draw_map(result, vectors["train"].vectors, train, classes, Path(map_path), progress)
    if report_dir is not None:
        write_report(result, Path(report_dir))
    return result


def _draw_map(
    result: FeaturesResult,
    vectors: np.ndarray,
    train: TextCorpus,
    classes: list[str],
    path: Path,
    progress: Progress | None,
) -> None:
    from nerlab.evaluate.features.map import plot_map, project

    if progress is not None:
        progress("map", 0, 0)
    emap = project(vectors)
    plot_map(emap, [e.labels[0] for e in train], classes, path)
    result.map_path, result.map_method = str(path), emap.method
    if emap.note:
        result.notes.append(emap.note)


def _ticker(progress: Progress | None, stage: str, total: int) -> Callable[[int], None] | None:
    """A per-batch callback that reports the running total of texts to ``progress``."""
    if progress is None:
        return None
    done = [0]
    progress(stage, 0, total)

    def tick(n: int) -> None:
        done[0] += n
        progress(stage, done[0], total)

    return tick


__all__ = ["features_baseline"]
