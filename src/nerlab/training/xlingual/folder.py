"""The output folder of a cross-lingual run: one run per folder, resumed cell by cell.

Layout of ``OUT/`` (``--overwrite`` removes exactly these files, and refuses, removing nothing,
when the folder holds anything else)::

    xlingual.json                 the options, data files (SHA-256), cells, labels, test-set note
    matrix.json, matrix.csv       the score matrix (rows: trained on; columns: test language)
    heatmap.png, curve.png        the matrix as a heat map; the --sizes learning curve
    cells/NAME/data/train.conll   the cell's training sentences (and dev.conll: its dev)
    cells/NAME/model/             the cell's ``nerlab train`` folder (weights deleted once
                                  scored, unless --keep-models)
    cells/NAME/scores.json        the cell's scores on every test language: the cell is done
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from nerlab.config import fill_defaults
from nerlab.errors import ConfigError
from nerlab.files import check_output_dir
from nerlab.models.saved import NERLAB_CONFIG, WEIGHT_FILES
from nerlab.training import output as run_dir

RECORD = "xlingual.json"
MATRIX_JSON = "matrix.json"
MATRIX_CSV = "matrix.csv"
HEATMAP = "heatmap.png"
CURVE = "curve.png"
CELLS = "cells"
SCORES = "scores.json"
DATA = "data"
MODEL = "model"
_TOP = (RECORD, MATRIX_JSON, MATRIX_CSV, HEATMAP, CURVE)
_DATA_FILES = ("train.conll", "dev.conll")
#: What stays of a cell's model folder without --keep-models: its record, scores and curve.
_KEPT = (
    "config.json",
    NERLAB_CONFIG,
    run_dir.RUN_FILE,
    run_dir.METRICS_FILE,
    run_dir.CURVE_FILE,
    run_dir.RUN_CARD,
)
_MAX_LISTED = 10
#: Options that choose a strategy's cells, not what a cell is: a cell of another run with the
#: same sentences, test files and training options is the same model, whatever its strategy.
STRATEGY_OPTIONS = ("strategy", "source", "target", "mix", "total", "normalise", "sizes")


def cell_dir(out: str | Path, name: str) -> Path:
    return Path(out) / CELLS / name


def check_folder(out: str | Path, options: dict[str, Any], overwrite: bool) -> bool:
    """Decide whether ``out`` can hold this run, touching nothing (every rank calls this).

    Returns:
        Whether the folder holds an earlier run to clear first (``--overwrite``).

    Raises:
        ConfigError: ``out`` is a file or cannot be written; it holds files but no xlingual
            run; it holds a run with other options (naming each difference) and no
            ``--overwrite``; with ``--overwrite``, it holds files nerlab did not write.
    """
    folder = check_output_dir(out, what="--output")
    if not folder.is_dir() or not any(folder.iterdir()):
        return False
    record = folder / RECORD
    if not record.is_file():
        raise ConfigError(
            f"output folder {folder} is not empty and holds no xlingual run ({RECORD} is "
            "missing); nerlab does not delete files it did not write: choose an empty or new "
            "folder"
        )
    if overwrite:
        nerlab_files(folder)  # refuses when anything else is there
        return True
    try:
        previous = json.loads(record.read_text("utf-8")).get("options", {})
    except (ValueError, AttributeError) as err:
        raise ConfigError(
            f"{record} is corrupt ({err}), so the run in {folder} cannot be checked or resumed; "
            "start again with --overwrite, or give another --output"
        ) from None
    diff = _differences(filled(previous, options), options)
    if diff:
        raise ConfigError(
            f"output folder {folder} holds an xlingual run made with other options "
            f"({'; '.join(diff)}); rerun with the same options to resume it, add --overwrite to "
            "start again (removes nerlab's files only), or give another --output"
        )
    return False


def filled(recorded: Any, current: dict[str, Any]) -> Any:
    """Run options an earlier nerlab recorded, as this version writes them: a training setting
    added since had its default in that run (so the run still resumes)."""
    if not isinstance(recorded, dict):
        return recorded
    out = dict(recorded)
    if isinstance(out.get("training"), dict) and isinstance(current.get("training"), dict):
        out["training"] = fill_defaults(out["training"], current["training"])
    return out


def _same_identity(recorded: Any, identity: dict[str, Any]) -> bool:
    """Whether a cell's recorded identity (``cell`` and run ``options``) is ``identity``."""
    if not isinstance(recorded, dict):
        return False
    return {**recorded, "options": filled(recorded.get("options"), identity["options"])} == identity


def _differences(old: dict[str, Any], new: dict[str, Any], prefix: str = "") -> list[str]:
    out = []
    for key in sorted(set(old) | set(new)):
        a, b = old.get(key), new.get(key)
        if isinstance(a, dict) and isinstance(b, dict) and key == "training":
            out += _differences(a, b, f"{key}.")
        elif a != b:
            out.append(f"{prefix}{key}: {a!r} -> {b!r}")
    return out


def nerlab_files(out: Path) -> list[Path]:
    """Every file (and checkpoint folder) of the run in ``out``.

    Raises:
        ConfigError: ``out`` holds anything else (listed); nothing is removed then.
    """
    ours: list[Path] = []
    theirs: list[str] = []
    for entry in sorted(out.iterdir()):
        if entry.is_file() and _ours(entry.name, _TOP):
            ours.append(entry)
        elif entry.name == CELLS and entry.is_dir() and not entry.is_symlink():
            for cell in sorted(entry.iterdir()):
                _cell_files(cell, f"{CELLS}/{cell.name}", ours, theirs)
        else:
            theirs.append(entry.name + ("/" if entry.is_dir() else ""))
    if theirs:
        listed = ", ".join(theirs[:_MAX_LISTED])
        if len(theirs) > _MAX_LISTED:
            listed += f" and {len(theirs) - _MAX_LISTED} more"
        raise ConfigError(
            f"--overwrite: {out} holds an xlingual run and files nerlab did not write: {listed}. "
            "nerlab removes only its own files, so nothing was removed; move these out of the "
            "folder, or give another --output"
        )
    return ours


def _ours(name: str, names: tuple[str, ...]) -> bool:
    if name.startswith(".") and name.endswith(".tmp"):  # left by an interrupted atomic write
        return name[1:-4].rsplit(".", 1)[0] in names
    return name in names


def _cell_files(cell: Path, shown: str, ours: list[Path], theirs: list[str]) -> None:
    if not cell.is_dir() or cell.is_symlink():
        theirs.append(shown)
        return
    for entry in sorted(cell.iterdir()):
        name = f"{shown}/{entry.name}"
        if entry.is_file() and _ours(entry.name, (SCORES,)):
            ours.append(entry)
        elif entry.name == DATA and entry.is_dir() and not entry.is_symlink():
            for f in sorted(entry.iterdir()):
                if f.is_file() and _ours(f.name, _DATA_FILES):
                    ours.append(f)
                else:
                    theirs.append(f"{name}/{f.name}")
        elif entry.name == MODEL and entry.is_dir() and not entry.is_symlink():
            model_ours, model_theirs = run_dir.nerlab_files(entry)
            ours += model_ours
            theirs += [f"{name}/{t}" for t in model_theirs]
        else:
            theirs.append(name + ("/" if entry.is_dir() else ""))


def clear(out: Path) -> None:
    """Remove the run in ``out`` (nerlab's files only) and the folders it leaves empty."""
    for path in nerlab_files(out):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
    cells = out / CELLS
    if cells.is_dir():
        for folder in sorted(cells.rglob("*"), key=lambda p: len(p.parts), reverse=True):
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
        if not any(cells.iterdir()):
            cells.rmdir()


def model_state(model: Path, identity: dict[str, Any]) -> str:
    """What a cell's model folder holds: ``empty``, ``finished`` (a saved model of this
    configuration), ``checkpoint`` (an interrupted run of it that can resume) or ``other``."""
    if not model.is_dir() or not any(model.iterdir()):
        return "empty"
    try:
        recorded = json.loads((model / run_dir.RUN_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        return "other"
    target = {**identity, "output": str(model)}
    if not isinstance(recorded, dict) or fill_defaults(recorded, target) != target:
        return "other"
    if (model / NERLAB_CONFIG).is_file() and any((model / w).is_file() for w in WEIGHT_FILES):
        return "finished"
    if run_dir.last_checkpoint(model / run_dir.CHECKPOINTS) is not None:
        return "checkpoint"
    return "other"


def prune_model(model: Path) -> None:
    """Delete a scored cell's weights, tokenizer and checkpoints; keep its record, run card,
    metrics and reports."""
    ours, _ = run_dir.nerlab_files(model)
    for path in ours:
        rel = path.relative_to(model).as_posix()
        if rel in _KEPT or rel.startswith(run_dir.REPORTS + "/"):
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
    checkpoints = model / run_dir.CHECKPOINTS
    if checkpoints.is_dir() and not any(checkpoints.iterdir()):
        checkpoints.rmdir()


def read_scores(folder: Path, identity: dict[str, Any]) -> dict[str, Any] | None:
    """A cell's ``scores.json`` if it was made for ``identity`` (else ``None``: train again)."""
    try:
        data = json.loads((folder / SCORES).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not _same_identity(data.get("identity"), identity):
        return None
    return data


def check_reuse(runs: Sequence[str], out: str | Path) -> list[Path]:
    """The ``--reuse`` folders, each an xlingual run other than ``out``.

    Raises:
        ConfigError: a folder that is missing, holds no xlingual run, or is ``out`` itself.
    """
    folders = []
    for run in runs:
        folder = Path(run)
        if not (folder / RECORD).is_file():
            what = "does not exist" if not folder.exists() else f"holds no {RECORD}"
            raise ConfigError(
                f"--reuse {run}: the folder {what}; give the output folder of an earlier "
                "nerlab xlingual run"
            )
        if folder.resolve() == Path(out).resolve():
            raise ConfigError(
                f"--reuse {run} is this run's own --output; its finished cells are reused "
                "anyway: drop --reuse"
            )
        folders.append(folder)
    return folders


def find_copy(runs: Sequence[Path], identity: dict[str, Any]) -> tuple[Path, dict[str, Any]] | None:
    """A finished cell of another run that is this cell (the same sentences, test files and
    training options; the strategy may differ): the run, and the cell's scores with
    ``copied_from`` (the folder of the cell that was trained) and this run's identity; ``None``
    when no run has it."""
    mine = _comparable(identity["options"])
    for run in runs:
        folder = cell_dir(run, identity["cell"]["name"])
        try:
            data = json.loads((folder / SCORES).read_text("utf-8"))
        except (OSError, ValueError):
            continue
        theirs = data.get("identity") if isinstance(data, dict) else None
        if not isinstance(theirs, dict) or theirs.get("cell") != identity["cell"]:
            continue
        if _comparable(filled(theirs.get("options"), identity["options"])) == mine:
            source = data.get("copied_from") or str(folder)
            return run, {**data, "identity": identity, "copied_from": source}
    return None


def reuse_differences(run: Path, options: dict[str, Any]) -> list[str]:
    """How ``run``'s options differ from ``options`` in what makes a cell (not the strategy)."""
    try:
        previous = json.loads((run / RECORD).read_text("utf-8")).get("options", {})
    except (OSError, ValueError, AttributeError):
        return [f"{run / RECORD} cannot be read"]
    return _differences(_comparable(filled(previous, options)), _comparable(options))


def _comparable(options: Any) -> Any:
    if not isinstance(options, dict):
        return options
    return {k: v for k, v in options.items() if k not in STRATEGY_OPTIONS}
