"""The output folder of a run: refusing to mix runs, checkpoints to resume from, --overwrite.

nerlab never deletes a file it did not write. ``--overwrite`` removes exactly the files of
:data:`RUN_LAYOUT` (the run card only if nerlab wrote it) and refuses, removing nothing, when
the folder holds anything else. Layout of ``OUT/`` after ``nerlab train`` (built from
:data:`RUN_LAYOUT`; ``*`` stands for any text, a trailing ``/`` for a whole folder)::

"""

from __future__ import annotations

import contextlib
import fnmatch
import json
import re
import shutil
import textwrap
from pathlib import Path
from typing import Any

from nerlab.config import TrainConfig, fill_defaults
from nerlab.errors import ConfigError
from nerlab.files import check_output_dir, write_text_atomic
from nerlab.models.saved import NERLAB_CONFIG, WEIGHT_FILES

RUN_FILE = "nerlab_run.json"
CHECKPOINTS = "checkpoints"
METRICS_FILE = "metrics.jsonl"
CURVE_FILE = "learning_curve.png"
RUN_CARD = "README.md"
REPORTS = "reports"

#: Everything ``nerlab train`` writes into its output folder, as (names, what they are): the
#: one list behind both the layout above and what ``--overwrite`` may remove. Names are
#: relative to the folder, matched with :func:`fnmatch.fnmatchcase`; ``name/`` is a folder that
#: belongs to nerlab as a whole.
RUN_LAYOUT: tuple[tuple[tuple[str, ...], str], ...] = (
    (
        (
            "config.json",
            "generation_config.json",
            *WEIGHT_FILES,
            "model-*-of-*.safetensors",
            "pytorch_model-*-of-*.bin",
            "training_args.bin",
        ),
        "the model: a plain transformers folder",
    ),
    (
        (
            "tokenizer.json",
            "tokenizer_config.json",
            "special_tokens_map.json",
            "added_tokens.json",
            "vocab.txt",
            "vocab.json",
            "merges.txt",
            "sentencepiece.bpe.model",
            "spiece.model",
            "tokenizer.model",
            "chat_template.jinja",
            "chat_template.json",
        ),
        "its tokenizer (whichever files the tokenizer saves)",
    ),
    ((NERLAB_CONFIG,), "labels, scheme, max length, data, configuration, run stats, scores"),
    ((RUN_FILE,), "the run's configuration (what --resume checks)"),
    ((METRICS_FILE, CURVE_FILE), "per-epoch metrics and the learning curve"),
    ((RUN_CARD,), "the run card (a README.md nerlab did not write is the user's)"),
    (
        tuple(
            f"{REPORTS}/{split}{kind}"
            for split in ("dev", "test")
            for kind in (".json", "_confusion.json", "_confusion.png")
        ),
        "dev/test scores and confusion matrices",
    ),
    ((f"{CHECKPOINTS}/checkpoint-*/",), "while training (kept with --keep-checkpoints)"),
)
_PATTERNS = tuple(name for names, _ in RUN_LAYOUT for name in names)
# The run card's first lines, as training/finish.py writes them.
_CARD_HEADING = re.compile(r"# .*: [a-z ]+ fine-tuned from `")
_CARD_BYLINE = "Trained with nerlab "
_MAX_LISTED = 10


def _layout_text() -> str:
    lines = []
    for names, what in RUN_LAYOUT:
        text = ", ".join(names)
        lines += textwrap.wrap(
            text, 88, initial_indent="    ", subsequent_indent="    ", break_on_hyphens=False
        )
        lines.append(f"        {what}")
    return "\n".join(lines) + "\n"


__doc__ = (__doc__ or "") + _layout_text()


def check_output(cfg: TrainConfig) -> str | None:
    """Decide what to do with ``cfg.output`` without touching it (every rank calls this).

    Returns:
        The checkpoint to resume from (``--resume``), else ``None``.

    Raises:
        ConfigError: the path cannot be a folder (a file, under a file, under /proc or /sys);
            the folder holds another run (without ``--overwrite``), files that are not a nerlab
            run, a corrupt ``nerlab_run.json`` (without ``--overwrite``), or, with
            ``--overwrite``, files nerlab did not write; ``--resume`` finds no run, a finished
            run, or no checkpoint to continue.
    """
    out = check_output_dir(cfg.output, what="--output")
    if not out.is_dir() or not any(out.iterdir()):
        if cfg.resume:
            raise ConfigError(f"--resume: {out} holds no run to continue; drop --resume")
        return None
    run_file = out / RUN_FILE
    if not run_file.is_file():
        raise ConfigError(
            f"output folder {out} is not empty and holds no nerlab run ({RUN_FILE} is missing); "
            "nerlab does not delete files it did not write: choose an empty or new folder"
        )
    previous = _read_run_file(run_file, cfg)
    if cfg.overwrite:
        _refuse_foreign_files(out)
        return None
    if not cfg.resume:
        raise ConfigError(
            f"output folder {out} already holds a run (model {previous.get('model')!r}, train "
            f"{previous.get('train') or 'demo corpus'!r}); use --overwrite to replace it, "
            "--resume to continue it, or another --output"
        )
    last = last_checkpoint(out / CHECKPOINTS)
    if last is None and _is_finished(out):
        raise ConfigError(
            f"--resume: the run in {out} is finished ({_finished_summary(out)}); there is "
            "nothing left to continue. To train longer, start a new run with a higher --epochs: "
            "add --overwrite to replace this one, or give another --output to keep it"
        )
    current = cfg.identity()
    previous = fill_defaults(previous, current)
    diff = {
        k: (previous.get(k), v) for k, v in current.items() if k != "output" if previous.get(k) != v
    }
    if diff:
        listing = "; ".join(f"{k}: {old!r} -> {new!r}" for k, (old, new) in sorted(diff.items()))
        raise ConfigError(
            f"--resume: the run in {out} was started with other settings ({listing}); resume it "
            "with the same settings, or start afresh with --overwrite"
        )
    if last is None:
        raise ConfigError(
            f"--resume: {out} has no complete checkpoint yet (the run stopped before its first "
            "epoch ended); start afresh with --overwrite"
        )
    return str(last)


def _read_run_file(path: Path, cfg: TrainConfig) -> dict[str, Any]:
    """The recorded run; a corrupt file is an error unless ``--overwrite`` replaces it."""
    try:
        data = json.loads(path.read_text("utf-8"))
        problem = None if isinstance(data, dict) else f"it holds a JSON {type(data).__name__}"
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        data, problem = {}, f"it is not valid JSON: {err}"
    if problem is None:
        return data
    if cfg.overwrite:
        return {}
    raise ConfigError(
        f"{path} is corrupt ({problem}; a run records its settings there as a JSON object), "
        f"so the run in {path.parent} cannot be checked or resumed; replace the run with "
        "--overwrite, or give another --output"
    )


def _is_finished(out: Path) -> bool:
    """Whether ``out`` holds a saved model: what a run writes when it ends."""
    return (out / NERLAB_CONFIG).is_file() and any((out / n).is_file() for n in WEIGHT_FILES)


def _finished_summary(out: Path) -> str:
    """``2 epoch(s), best dev score 0.8123`` from ``nerlab_config.json`` (what it records)."""
    try:
        info = json.loads((out / NERLAB_CONFIG).read_text("utf-8"))
        stats = info.get("stats") or {}
        epochs = stats.get("epochs_run", (info.get("training") or {}).get("epochs"))
        best = stats.get("best_dev_score")
    except (OSError, ValueError, AttributeError):
        return "its model is saved"
    parts = [f"{epochs:g} epoch(s)" if isinstance(epochs, int | float) else "model saved"]
    if isinstance(best, int | float):
        parts.append(f"best dev score {best:.4f}")
    if stats.get("stopped_early"):
        parts.append("stopped early")
    return ", ".join(parts)


def nerlab_files(out: str | Path) -> tuple[list[Path], list[str]]:
    """Split the content of a run folder into what nerlab wrote and what it did not.

    Returns:
        The paths of :data:`RUN_LAYOUT` present in ``out`` (files, and whole checkpoint
        folders), and the names (relative to ``out``, folders ending in ``/``) of everything
        else, sorted.
    """
    return _sort_entries(Path(out), "")


def _sort_entries(folder: Path, prefix: str) -> tuple[list[Path], list[str]]:
    ours: list[Path] = []
    theirs: list[str] = []
    for entry in sorted(folder.iterdir()):
        name = prefix + entry.name
        is_dir = entry.is_dir() and not entry.is_symlink()
        if is_dir and _matches(name + "/"):
            ours.append(entry)
        elif is_dir and any(p.startswith(name + "/") for p in _PATTERNS):
            sub_ours, sub_theirs = _sort_entries(entry, name + "/")
            ours += sub_ours
            theirs += sub_theirs
        elif not is_dir and _is_nerlab_file(entry, name):
            ours.append(entry)
        else:
            theirs.append(name + "/" if is_dir else name)
    return ours, theirs


def _matches(name: str) -> bool:
    return any(fnmatch.fnmatchcase(name, p) for p in _PATTERNS)


def _is_nerlab_file(path: Path, name: str) -> bool:
    folder, _, base = name.rpartition("/")
    if base.startswith(".") and base.endswith(".tmp"):  # left by an interrupted atomic write
        written = base[1:-4].rsplit(".", 1)[0]
        return written != RUN_CARD and _matches(f"{folder}/{written}" if folder else written)
    if name == RUN_CARD:
        return _is_run_card(path)
    return _matches(name)


def _is_run_card(path: Path) -> bool:
    """Whether ``README.md`` is the run card nerlab wrote, not a README of the user's."""
    try:
        with path.open(encoding="utf-8") as f:
            head = [f.readline() for _ in range(60)]
    except (OSError, UnicodeDecodeError):
        return False
    if head[0].strip() == "---":  # the ModelCard's metadata block comes first
        end = next((i for i in range(1, len(head)) if head[i].strip() == "---"), None)
        if end is None or "- nerlab\n" not in head[1:end]:
            return False
        head = [line for line in head[end + 1 :] if line.strip()]
    else:
        head = [line for line in head if line.strip()]
    return (
        len(head) >= 2 and bool(_CARD_HEADING.match(head[0])) and head[1].startswith(_CARD_BYLINE)
    )


def _refuse_foreign_files(out: Path) -> list[Path]:
    """nerlab's files in ``out``; a ConfigError naming the others if there are any."""
    ours, theirs = nerlab_files(out)
    if theirs:
        listed = ", ".join(theirs[:_MAX_LISTED])
        if len(theirs) > _MAX_LISTED:
            listed += f" and {len(theirs) - _MAX_LISTED} more"
        raise ConfigError(
            f"--overwrite: {out} holds a nerlab run and files nerlab did not write: {listed}. "
            "nerlab removes only its own files, so nothing was removed; move these out of the "
            "folder, or give another --output"
        )
    return ours


def prepare_output(cfg: TrainConfig, resume_from: str | None) -> None:
    """Create (or, with ``--overwrite``, clear) the folder and record the run (rank 0 only).

    Raises:
        ConfigError: with ``--overwrite``, files nerlab did not write appeared in the folder
            since :func:`check_output`; nothing is removed then.
    """
    out = Path(cfg.output)
    if cfg.overwrite and (out / RUN_FILE).is_file():
        clear_run(out)
    out.mkdir(parents=True, exist_ok=True)
    if resume_from is not None:
        _truncate_metrics(out / METRICS_FILE, _checkpoint_step(Path(resume_from)))
        return
    data = {**cfg.identity(), "output": str(out)}
    write_text_atomic(out / RUN_FILE, json.dumps(data, indent=2) + "\n")


def clear_run(out: str | Path) -> None:
    """Remove the files of the run in ``out``, and only those (``--overwrite``).

    Raises:
        ConfigError: ``out`` holds anything nerlab did not write; then nothing is removed.
    """
    out = Path(out)
    for path in _refuse_foreign_files(out):
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
    for folder in (out / REPORTS, out / CHECKPOINTS):
        with contextlib.suppress(OSError):  # absent, or (not ours to empty) not empty
            folder.rmdir()


def _checkpoint_step(path: Path) -> int:
    return int(path.name.rsplit("-", 1)[1])


def last_checkpoint(folder: Path) -> Path | None:
    """The newest checkpoint that was written completely (its trainer state is saved last)."""
    if not folder.is_dir():
        return None
    done = [
        p
        for p in folder.glob("checkpoint-*")
        if p.name.rsplit("-", 1)[1].isdigit() and (p / "trainer_state.json").is_file()
    ]
    return max(done, key=_checkpoint_step) if done else None


def _truncate_metrics(path: Path, step: int) -> None:
    """Drop metric rows written after the checkpoint a run resumes from."""
    if not path.is_file():
        return
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    kept = [r for r in rows if r.get("step", 0) <= step]
    write_text_atomic(path, "".join(json.dumps(r) + "\n" for r in kept))


def read_metrics(out: str | Path) -> list[dict[str, Any]]:
    """The rows of ``metrics.jsonl`` (empty when there are none)."""
    path = Path(out) / METRICS_FILE
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def remove_checkpoints(out: str | Path) -> None:
    """Remove ``OUT/checkpoints`` at the end of a run (unless ``--keep-checkpoints``)."""
    shutil.rmtree(Path(out) / CHECKPOINTS, ignore_errors=True)
