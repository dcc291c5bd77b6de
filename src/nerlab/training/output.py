"""The output folder of a run: refusing to mix runs, checkpoints to resume from, the run card.

Layout of ``OUT/`` after ``nerlab train``::

    config.json, model.safetensors, tokenizer files   a plain transformers model folder
    nerlab_config.json                                labels, scheme, max length, data, config
    nerlab_run.json                                   the run's configuration (what --resume checks)
    metrics.jsonl, learning_curve.png, README.md      per-epoch metrics, the curve, the run card
    checkpoints/checkpoint-N/                         while training (kept with --keep-checkpoints)
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from nerlab.config import TrainConfig
from nerlab.errors import ConfigError

RUN_FILE = "nerlab_run.json"
CHECKPOINTS = "checkpoints"
METRICS_FILE = "metrics.jsonl"
CURVE_FILE = "learning_curve.png"


def check_output(cfg: TrainConfig) -> str | None:
    """Decide what to do with ``cfg.output`` without touching it (every rank calls this).

    Returns:
        The checkpoint to resume from (``--resume``), else ``None``.

    Raises:
        ConfigError: the folder holds another run (without ``--overwrite``), holds files that
            are not a nerlab run, or ``--resume`` finds no run or no checkpoint to continue.
    """
    out = Path(cfg.output)
    if out.exists() and not out.is_dir():
        raise ConfigError(f"output {out} is a file; give a folder")
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
    previous = json.loads(run_file.read_text("utf-8"))
    if cfg.overwrite:
        return None
    if not cfg.resume:
        raise ConfigError(
            f"output folder {out} already holds a run (model {previous.get('model')!r}, train "
            f"{previous.get('train') or 'demo corpus'!r}); use --overwrite to replace it, "
            "--resume to continue it, or another --output"
        )
    diff = {
        k: (previous.get(k), v)
        for k, v in cfg.identity().items()
        if k != "output"
        if previous.get(k) != v
    }
    if diff:
        listing = "; ".join(f"{k}: {old!r} -> {new!r}" for k, (old, new) in sorted(diff.items()))
        raise ConfigError(
            f"--resume: the run in {out} was started with other settings ({listing}); resume it "
            "with the same settings, or start afresh with --overwrite"
        )
    last = last_checkpoint(out / CHECKPOINTS)
    if last is None:
        raise ConfigError(
            f"--resume: {out} has no complete checkpoint yet (the run stopped before its first "
            "epoch ended); start afresh with --overwrite"
        )
    return str(last)


def prepare_output(cfg: TrainConfig, resume_from: str | None) -> None:
    """Create (or, with ``--overwrite``, clear) the folder and record the run (rank 0 only)."""
    out = Path(cfg.output)
    if cfg.overwrite and (out / RUN_FILE).is_file():
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    if resume_from is not None:
        _truncate_metrics(out / METRICS_FILE, _checkpoint_step(Path(resume_from)))
        return
    data = {**cfg.identity(), "output": str(out)}
    (out / RUN_FILE).write_text(json.dumps(data, indent=2) + "\n", "utf-8")


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
    path.write_text("".join(json.dumps(r) + "\n" for r in kept), "utf-8")


def read_metrics(out: str | Path) -> list[dict[str, Any]]:
    """The rows of ``metrics.jsonl`` (empty when there are none)."""
    path = Path(out) / METRICS_FILE
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]


def remove_checkpoints(out: str | Path) -> None:
    shutil.rmtree(Path(out) / CHECKPOINTS, ignore_errors=True)
