"""The library API: ``nerlab.train`` stays a function, the library is quiet, every option of
the config is reachable from the CLI, and the README's Python section runs twice."""

from __future__ import annotations

import dataclasses
import importlib
import logging
import re
import subprocess
import sys
from pathlib import Path

import pytest

import nerlab
from nerlab.cli.main import run_cli
from nerlab.config import TrainConfig

README = Path(__file__).resolve().parents[2] / "README.md"


def _options(tiny_encoder_dir: Path, out: Path) -> dict:
    return {
        "model": str(tiny_encoder_dir),
        "output": str(out),
        "train_limit": 16,
        "epochs": 1,
        "batch_size": 8,
        "precision": "fp32",
    }


def test_train_is_a_function_on_every_call(tiny_encoder_dir: Path, tmp_path: Path) -> None:
    """``nerlab.train`` once collided with the ``nerlab.train`` subpackage (now ``training``)."""
    first = nerlab.train(**_options(tiny_encoder_dir, tmp_path / "a"))
    _ = nerlab.TrainConfig  # touching the config used to rebind nerlab.train to a module
    importlib.import_module("nerlab.training.run")
    importlib.import_module("nerlab.training.finish")
    assert callable(nerlab.train) and not isinstance(nerlab.train, type(nerlab))
    second = nerlab.train(nerlab.TrainConfig(**_options(tiny_encoder_dir, tmp_path / "b")))
    assert first.labels == second.labels
    assert (tmp_path / "b" / "model.safetensors").is_file()


def test_the_library_is_quiet(
    tiny_encoder_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No output, and no process-wide setting changed: transformers' verbosity and progress
    bars, the root logger's level, matplotlib's backend."""
    import matplotlib
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_info()
    hf_logging.enable_progress_bar()
    root = logging.getLogger().level
    backend = matplotlib.get_backend()
    try:
        result = nerlab.train(**_options(tiny_encoder_dir, tmp_path / "run"))
        assert (tmp_path / "run" / "learning_curve.png").is_file()  # a figure was drawn
        assert hf_logging.get_verbosity() == hf_logging.INFO
        assert hf_logging.is_progress_bar_enabled()
        assert logging.getLogger().level == root
        assert matplotlib.get_backend() == backend
    finally:
        hf_logging.set_verbosity_warning()
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == "", captured
    assert result.stats["epochs_run"] == 1.0


def test_every_config_field_is_an_option(
    tiny_encoder_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The options of ``nerlab train`` are derived from TrainConfig: each field has one, and a
    value given on the command line reaches the config."""
    from nerlab.cli.train import train_cmd

    seen: list[TrainConfig] = []

    def fake_train(cfg: TrainConfig, callbacks: list | None = None) -> None:
        seen.append(cfg)
        raise nerlab.ConfigError("stop here")

    monkeypatch.setattr("nerlab.training.train", fake_train)
    params = {p.name for p in train_cmd.__signature__.parameters.values()}  # type: ignore[attr-defined]
    assert {f.name for f in dataclasses.fields(TrainConfig)} <= params
    args = ["train", "-o", str(tmp_path / "x"), "--stride", "16", "--max-grad-norm", "0.5"]
    args += ["--eval-token-budget", "512", "--lr", "3e-5", "--no-group-by-length"]
    args += ["--label-all-subtokens", "--tag-column", "2", "--keep-checkpoints"]
    assert run_cli(args) == 2
    cfg = seen[0]
    assert (cfg.stride, cfg.max_grad_norm, cfg.eval_token_budget) == (16, 0.5, 512)
    assert (cfg.learning_rate, cfg.group_by_length, cfg.label_all_subtokens) == (3e-5, False, True)
    assert cfg.tag_column == 2 and cfg.keep_checkpoints and not cfg.overwrite
    assert cfg.model == TrainConfig(output="x").model  # not given: the config's default


def test_config_file_values_and_flags(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[TrainConfig] = []
    monkeypatch.setattr(
        "nerlab.training.train", lambda cfg, callbacks=None: seen.append(cfg) or 1 / 0
    )
    config = tmp_path / "run.json"
    config.write_text('{"output": "from-file", "epochs": 5, "seed": 7}')
    with pytest.raises(ZeroDivisionError):
        run_cli(["train", "--config", str(config), "--seed", "8"])
    assert (seen[0].output, seen[0].epochs, seen[0].seed) == ("from-file", 5, 8)


def test_help_shows_every_field_with_its_default() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "nerlab", "train", "--help"],
        capture_output=True,
        text=True,
        env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"},
        check=True,
    ).stdout
    for f in dataclasses.fields(TrainConfig):
        flag = f.metadata.get("flag", "--" + f.name.replace("_", "-")).split("/")[0]
        assert flag in out, flag
    assert "(default: 0.0001)" in out and "(default: minilm-l6)" in out


def _readme_python() -> str:
    text = README.read_text("utf-8")
    section = text[text.index("## Python API") :]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, "README has no Python example under '## Python API'"
    return match.group(1)


@pytest.mark.slow
def test_readme_python_section_runs_twice_in_one_process(tmp_path: Path) -> None:
    """The README's Python example, exactly as written, twice in one interpreter."""
    code = _readme_python()
    script = f"exec({code!r})\nexec({code!r})\n"
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.count("micro avg") == 2
