"""``run_xlingual``: train the cells of a cross-lingual strategy, score each on every language.

The story of a run: check the options -> find and read each language's files, carve a seeded
dev split out of each training file -> plan the cells -> check the output folder (one run per
folder; ``--overwrite`` to start again) -> for each cell not yet done: write its data, call
:func:`nerlab.train`, score the saved model on every test file through the
:class:`~nerlab.inference.Predictor` (as ``nerlab evaluate`` does), write ``scores.json`` and
the matrix so far -> the matrix, its heat map (and the ``--sizes`` curve).

A cell with a ``scores.json`` made for the same options is never trained again, so an
interrupted run resumes at the next cell (and inside a cell at its last checkpoint). A cell
that another run (``reuse``) finished, with the same sentences and training options, is
copied from it instead of trained: ``each`` and ``sizes`` share their source cell with
``zero-shot``. Under
``torchrun`` every rank trains and scores (as :func:`nerlab.train` does); rank 0 alone writes.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import nerlab
from nerlab.files import write_text_atomic
from nerlab.training.xlingual import folder as xl_dir
from nerlab.training.xlingual.data import (
    Cell,
    Language,
    data_files,
    digest,
    label_notes,
    label_survey,
    load_language,
    plan_cells,
    write_cell_data,
)
from nerlab.training.xlingual.options import XlingualConfig
from nerlab.training.xlingual.report import Matrix, write_matrix


@dataclass
class CellStatus:
    """What happens to a cell, for a progress display: ``reused`` (done earlier), ``copied``
    (from a ``reuse`` run), ``training``, ``scoring``, ``done`` (with ``scores``) or ``pending``
    (left for a later call)."""

    cell: Cell
    index: int
    total: int
    state: str
    scores: dict[str, float] = field(default_factory=dict)


@dataclass
class XlingualResult:
    """What a call returns.

    Attributes:
        output: the run folder.
        matrix: the scores (``None`` where a cell is not done yet).
        trained: cells trained by this call; ``reused``: cells done before; ``pending``: cells
            left for a later call (``max_new_cells``); ``copied``: cells copied from a ``reuse``
            run by this call.
        notes: what the user should know (label differences, dev labels mapped to ``O``).
        files: the files of the matrix written.
    """

    output: str
    matrix: Matrix
    trained: list[str]
    reused: list[str]
    pending: list[str]
    notes: list[str]
    files: list[Path]
    copied: list[str] = field(default_factory=list)


class _Ranks:
    """Rank 0 writes, the others wait (under torchrun); a no-op in a single process."""

    def __init__(self) -> None:
        self.state: Any = None
        if int(os.environ.get("WORLD_SIZE", "1")) > 1:
            import torch
            from accelerate import PartialState

            # The state nerlab.train's TrainingArguments builds (use_cpu, gloo on CPU), which
            # reuses it once initialised; the timeout is transformers' default ddp_timeout.
            cpu = not torch.cuda.is_available()
            self.state = PartialState(
                cpu=cpu, backend="gloo" if cpu else None, timeout=timedelta(seconds=1800)
            )

    @property
    def main(self) -> bool:
        return self.state is None or bool(self.state.is_main_process)

    def wait(self) -> None:
        if self.state is not None:
            self.state.wait_for_everyone()


def describe_sets(cfg: XlingualConfig) -> str:
    """What the test and dev sets are: said in every output."""
    if cfg.train_files:
        test = "the --test files"
    else:
        test = (
            f"the {cfg.test_pattern} files (PAN-X's test files carry no labels, so its dev files "
            "serve as the test set)"
            if cfg.test_pattern == "dev-{lang}.tsv"
            else f"the {cfg.test_pattern} files"
        )
    limit = (
        f", first {cfg.test_limit_per_lang} sentences of each" if cfg.test_limit_per_lang else ""
    )
    dev = (
        f"a seeded {cfg.dev_fraction * 100:g}% carve-out of each training file"
        if cfg.dev_fraction
        else "none (no model selection)"
    )
    return f"test = {test}{limit}; dev (model selection) = {dev}"


def run_xlingual(
    config: XlingualConfig,
    *,
    callbacks: list[Any] | None = None,
    progress: Callable[[CellStatus], None] | None = None,
) -> XlingualResult:
    """Train and score the cells of a cross-lingual strategy; write the matrix.

    Args:
        config: the run's options.
        callbacks: ``transformers.TrainerCallback`` objects passed to each cell's
            :func:`nerlab.train` (a progress bar); the library prints nothing.
        progress: called as each cell is reused, trained, scored or left pending.

    Returns:
        The matrix and what this call did.

    Raises:
        NerlabError: missing or bad data files (DataError, LabelError), bad options or an output
            folder holding another run (ConfigError), an unknown model (ModelError).

    Example:
        >>> result = run_xlingual(XlingualConfig("each", "runs/xl", training={"epochs": 1}))
        >>> result.matrix.get("de", "fr")
    """
    cfg = config
    ranks = _Ranks()
    seed = cfg.train_config(cfg.output).seed
    files = data_files(cfg)
    langs = {lang: load_language(cfg, lang, *files[lang], seed) for lang in cfg.langs}
    cells = plan_cells(cfg, langs)
    survey = label_survey(langs)
    options = {**cfg.identity(), "files": _file_record(files)}
    out = Path(cfg.output)
    clear = xl_dir.check_folder(out, options, cfg.overwrite)
    reuse = xl_dir.check_reuse(cfg.reuse, out)
    ranks.wait()
    if ranks.main:
        if clear:
            xl_dir.clear(out)
        record = _record(cfg, options, langs, cells, survey)
        write_text_atomic(out / xl_dir.RECORD, json.dumps(record, indent=2) + "\n")
    notes = label_notes(survey)
    done: dict[str, dict[str, Any]] = {}
    trained: list[str] = []
    reused: list[str] = []
    pending: list[str] = []
    copied: list[str] = []
    copied_runs: set[Path] = set()
    missing = False  # a cell not done in this folder: one --reuse may have
    for i, cell in enumerate(cells):
        identity = {"cell": cell.to_dict(), "options": options}
        scores = xl_dir.read_scores(xl_dir.cell_dir(out, cell.name), identity)
        copy = None if scores is not None else xl_dir.find_copy(reuse, identity)
        missing = missing or scores is None
        ranks.wait()  # every rank has read scores.json before rank 0 may write it
        status = CellStatus(cell, i, len(cells), "reused")
        if scores is not None:
            reused.append(cell.name)
        elif copy is not None:
            copied_runs.add(copy[0])
            scores = copy[1]
            copied.append(cell.name)
            status.state = "copied"
            if ranks.main:
                folder = xl_dir.cell_dir(out, cell.name)
                folder.mkdir(parents=True, exist_ok=True)
                write_text_atomic(folder / xl_dir.SCORES, json.dumps(scores, indent=2) + "\n")
        elif cfg.max_new_cells is not None and len(trained) >= cfg.max_new_cells:
            pending.append(cell.name)
            status.state = "pending"
        else:
            scores = _run_cell(cfg, cell, identity, langs, ranks, callbacks, progress, status)
            trained.append(cell.name)
            status.state = "done"
        if scores is not None:
            done[cell.name] = scores
            notes += scores.get("notes", [])
            status.scores = {lang: s["score"] for lang, s in scores["test"].items()}
        if progress is not None:
            progress(status)
        if ranks.main and status.state in ("done", "copied"):
            write_matrix(_matrix(cfg, cells, done, survey), out, cfg.strategy == "sizes")
    if missing:
        notes += _reuse_notes([r for r in reuse if r not in copied_runs], options)
    matrix = _matrix(cfg, cells, done, survey)
    written = write_matrix(matrix, out, cfg.strategy == "sizes") if ranks.main else []
    ranks.wait()
    return XlingualResult(str(out), matrix, trained, reused, pending, notes, written, copied)


def _reuse_notes(runs: list[Path], options: dict[str, Any]) -> list[str]:
    """Why a ``reuse`` run gave no cell: its options, or its cells, are not this run's."""
    notes = []
    for run in runs:
        diff = xl_dir.reuse_differences(run, options)
        why = (
            f"it was made with other options ({'; '.join(diff)})"
            if diff
            else "none of its finished cells is a cell of this run"
        )
        notes.append(f"--reuse {run}: nothing copied: {why}")
    return notes


def _file_record(files: dict[str, tuple[Path, Path]]) -> dict[str, Any]:
    return {
        lang: {
            "train": str(train),
            "train_sha256": digest(train),
            "test": str(test),
            "test_sha256": digest(test),
        }
        for lang, (train, test) in files.items()
    }


def _record(
    cfg: XlingualConfig,
    options: dict[str, Any],
    langs: dict[str, Language],
    cells: list[Cell],
    survey: dict[str, Any],
) -> dict[str, Any]:
    return {
        "nerlab_version": nerlab.__version__,
        "test_set": describe_sets(cfg),
        "options": options,
        "sentences": {
            lang: {
                "train_file": d.file_sentences,
                "train": len(d.train),
                "dev": len(d.dev),
                "test": len(d.test),
            }
            for lang, d in langs.items()
        },
        "cells": [c.to_dict() for c in cells],
        "labels": survey,
    }


def _run_cell(
    cfg: XlingualConfig,
    cell: Cell,
    identity: dict[str, Any],
    langs: dict[str, Language],
    ranks: _Ranks,
    callbacks: list[Any] | None,
    progress: Callable[[CellStatus], None] | None,
    status: CellStatus,
) -> dict[str, Any]:
    """Write the cell's data, train it (or resume it), score it; rank 0 writes scores.json."""
    from nerlab.training import train
    from nerlab.training.state import run_notes

    folder = xl_dir.cell_dir(cfg.output, cell.name)
    data = folder / xl_dir.DATA
    model = folder / xl_dir.MODEL
    paths = {"train": str(data / "train.conll"), "dev": str(data / "dev.conll")}
    paths["dev"] = paths["dev"] if cell.dev else None  # type: ignore[assignment]
    base = cfg.train_config(model, tag_column=-1, **paths)
    state = xl_dir.model_state(model, base.identity())
    ranks.wait()  # every rank has seen the model folder before rank 0 changes it
    written: dict[str, Any] = {"notes": []}
    if ranks.main:
        written = write_cell_data(cell, langs, data)
    ranks.wait()
    if state != "finished":
        if progress is not None:
            progress(CellStatus(cell, status.index, status.total, "training"))
        run = base.replace(resume=state == "checkpoint", overwrite=state == "other")
        train(run, callbacks=callbacks)
        ranks.wait()
    if progress is not None:
        progress(CellStatus(cell, status.index, status.total, "scoring"))
    scores = _score(cfg, model, langs)
    ranks.wait()  # every rank has loaded and scored the model before rank 0 prunes it
    scores["identity"] = identity
    said = run_notes(scores.get("stats") or {})  # what the training run itself said
    scores["notes"] = written["notes"] + [f"cell {cell.name}: {note}" for note in said]
    if ranks.main:
        write_text_atomic(folder / xl_dir.SCORES, json.dumps(scores, indent=2) + "\n")
        if not cfg.keep_models:
            xl_dir.prune_model(model)
    ranks.wait()
    return scores


def _device() -> str:
    import torch

    if torch.cuda.is_available():
        return f"cuda:{int(os.environ.get('LOCAL_RANK', '0'))}"
    return "cpu"


def _score(cfg: XlingualConfig, model: Path, langs: dict[str, Language]) -> dict[str, Any]:
    """The saved model scored on every test language (the precision and token budget it was
    scored with during training, as ``nerlab evaluate`` does by default)."""
    from nerlab.inference import Predictor
    from nerlab.models.saved import read_meta

    predictor = Predictor.load(model, precision=None, device=_device())
    known = set(predictor.labels)
    test: dict[str, Any] = {}
    for lang, d in langs.items():
        # Gold labels the model never saw (labels differ between languages) are scored as
        # what they are: entities it cannot find.
        ev = predictor.task.evaluate(predictor, d.test)
        report = ev.to_dict()
        report.pop("confusion", None)
        test[lang] = {
            "metric": ev.primary_metric,
            "score": ev.main_score,
            **ev.metrics(),
            "sentences": len(d.test),
            "file": str(d.test_file),
            "labels_unknown_to_model": sorted(d.labels("test") - known),
            "report": report,
        }
    meta = read_meta(model)
    dev = (meta.extra.get("scores") or {}).get("dev") or {}
    return {
        "test_set": describe_sets(cfg),
        "model_labels": predictor.labels,
        "dev_score": dev.get(predictor.task.primary_metric),
        "stats": meta.extra.get("stats"),
        "test": test,
    }


def _matrix(
    cfg: XlingualConfig, cells: list[Cell], done: dict[str, dict[str, Any]], survey: dict[str, Any]
) -> Matrix:
    metric = next((s["metric"] for d in done.values() for s in d["test"].values()), "f1")
    values = [
        [done[c.name]["test"][lang]["score"] if c.name in done else None for lang in cfg.langs]
        for c in cells
    ]
    info: dict[str, Any] = {
        "strategy": cfg.strategy,
        "model": cfg.train_config(cfg.output).model,  # a preset's model when one was given
        "cells": {
            c.name: {
                **c.to_dict(),
                "dev_score": done[c.name].get("dev_score") if c.name in done else None,
                "seconds": ((done.get(c.name) or {}).get("stats") or {}).get("seconds"),
                "copied_from": (done.get(c.name) or {}).get("copied_from"),
            }
            for c in cells
        },
        "labels": survey,
    }
    if cfg.strategy == "mix":
        info["shares"] = cfg.shares()
    matrix = Matrix(
        metric, [c.name for c in cells], list(cfg.langs), values, describe_sets(cfg), info
    )
    if cfg.strategy == "sizes":
        assert cfg.source is not None and cfg.target is not None
        points = [
            {"sentences": c.size, "score": matrix.get(c.name, cfg.target)}
            for c in cells
            if c.size is not None
        ]
        info["curve"] = {
            "source": cfg.source,
            "target": cfg.target,
            "zero_shot": matrix.get(cfg.source, cfg.target),
            "points": points,
        }
    return matrix
