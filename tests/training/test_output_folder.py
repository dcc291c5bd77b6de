"""The training output folder (issue 10): --overwrite removes only nerlab's files, clear errors.

These call :func:`check_output` / :func:`prepare_output` directly on hand-made folders: no model
and no training needed.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from nerlab.config import TrainConfig
from nerlab.errors import ConfigError
from nerlab.training import output as out_dir
from nerlab.training import run as run_module
from nerlab.training.output import RUN_LAYOUT, check_output, nerlab_files, prepare_output

CARD = (
    "# run: token classification fine-tuned from `tiny-bert`\n\n"
    "Trained with nerlab 0.1.0. Load it with ...\n\n## Data\n"
)


def _cfg(out: Path | str, **options: object) -> TrainConfig:
    return TrainConfig.from_dict({"output": str(out), **options}, source="test")


def _finished_run(out: Path, *, best: float | None = 0.8123) -> Path:
    """A folder as a finished run leaves it (checkpoints removed), with every kind of file."""
    (out / "reports").mkdir(parents=True)
    for name in (
        "config.json",
        "model.safetensors",
        "tokenizer.json",
        "tokenizer_config.json",
        "special_tokens_map.json",
        "vocab.txt",
        "training_args.bin",
        "metrics.jsonl",
        "learning_curve.png",
        "reports/dev.json",
        "reports/test.json",
        "reports/test_confusion.json",
        "reports/test_confusion.png",
    ):
        (out / name).write_text("x")
    stats = {"epochs_run": 2.0, "best_dev_score": best, "stopped_early": False}
    (out / "nerlab_config.json").write_text(json.dumps({"labels": ["O"], "stats": stats}))
    (out / "README.md").write_text(CARD)
    (out / "nerlab_run.json").write_text(json.dumps({**_cfg(out).identity(), "epochs": 2}))
    return out


def _interrupted_run(out: Path, steps: tuple[int, ...] = ()) -> Path:
    """A folder as Ctrl-C leaves it: the run file, metrics, and the checkpoints saved so far."""
    out.mkdir(parents=True)
    (out / "nerlab_run.json").write_text(json.dumps(_cfg(out).identity()))
    (out / "metrics.jsonl").write_text("")
    for step in steps:
        ckpt = out / "checkpoints" / f"checkpoint-{step}"
        ckpt.mkdir(parents=True)
        (ckpt / "model.safetensors").write_text("x")
        (ckpt / "trainer_state.json").write_text("{}")
    return out


def _snapshot(folder: Path) -> dict[str, bytes | None]:
    return {
        str(p.relative_to(folder)): p.read_bytes() if p.is_file() else None
        for p in sorted(folder.rglob("*"))
    }


# Row 2: --overwrite where the folder also holds the user's own files


@pytest.mark.parametrize(
    ("theirs", "listed"),
    [
        ({"train.conll": "Ana B-PER\n"}, "train.conll"),
        ({"notes.txt": "my notes"}, "notes.txt"),
        ({"data/dev.conll": "x"}, "data/"),
        ({"README.md": "# My project\n\nNotes.\n"}, "README.md"),
        ({"reports/my_analysis.md": "x"}, "reports/my_analysis.md"),
        ({"checkpoints/keep-me.txt": "x"}, "checkpoints/keep-me.txt"),
    ],
)
def test_overwrite_refuses_and_removes_nothing_when_user_files_are_there(
    tmp_path: Path, theirs: dict[str, str], listed: str
) -> None:
    out = _finished_run(tmp_path / "run")
    if "README.md" in theirs:
        (out / "README.md").unlink()
    for name, text in theirs.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text(text)
    before = _snapshot(out)
    cfg = _cfg(out, overwrite=True)
    pattern = rf"--overwrite: {out} holds a nerlab run and files nerlab did not write: {listed}\."
    with pytest.raises(ConfigError, match=pattern) as err:
        check_output(cfg)
    assert "nothing was removed" in str(err.value) and "another --output" in str(err.value)
    with pytest.raises(ConfigError, match=re.escape(listed)):
        prepare_output(cfg, None)  # rank 0 checks again before removing anything
    assert _snapshot(out) == before, "nothing the user had is gone or changed"


def test_overwrite_lists_ten_files_then_a_count(tmp_path: Path) -> None:
    out = _finished_run(tmp_path / "run")
    for i in range(13):
        (out / f"mine_{i:02d}.txt").write_text("x")
    with pytest.raises(ConfigError) as err:
        check_output(_cfg(out, overwrite=True))
    msg = str(err.value)
    assert "mine_00.txt, mine_01.txt" in msg and "mine_09.txt and 3 more" in msg
    assert "mine_10.txt" not in msg


def test_overwrite_removes_exactly_nerlab_files(tmp_path: Path) -> None:
    out = _interrupted_run(tmp_path / "run", steps=(2, 4))
    _finished_run(tmp_path / "other")  # copy its files over: a run with checkpoints kept
    for p in (tmp_path / "other").rglob("*"):
        target = out / p.relative_to(tmp_path / "other")
        if p.is_dir():
            target.mkdir(exist_ok=True)
        else:
            target.write_bytes(p.read_bytes())
    (out / ".config.json.abcd1234.tmp").write_text("left by a killed atomic write")
    ours, theirs = nerlab_files(out)
    assert theirs == []
    assert out / "checkpoints" / "checkpoint-2" in ours and out / "README.md" in ours

    cfg = _cfg(out, overwrite=True)
    assert check_output(cfg) is None
    prepare_output(cfg, None)
    assert sorted(p.name for p in out.iterdir()) == ["nerlab_run.json"]
    assert json.loads((out / "nerlab_run.json").read_text())["output"] == str(out)


def test_layout_is_the_docstring_and_the_check() -> None:
    doc = out_dir.__doc__ or ""
    for names, what in RUN_LAYOUT:
        assert what in doc
        for name in names:
            assert name in doc, name
    for name in ("nerlab_config.json", "nerlab_run.json", "metrics.jsonl", "learning_curve.png"):
        assert any(name in names for names, _ in RUN_LAYOUT)


def test_a_readme_that_only_looks_like_a_card_is_the_users(tmp_path: Path) -> None:
    out = _finished_run(tmp_path / "run")
    (out / "README.md").write_text("# run: token classification fine-tuned from `x`\n\nMine.\n")
    assert nerlab_files(out)[1] == ["README.md"]
    (out / "README.md").write_bytes(b"\xff\xfe not utf-8")
    assert nerlab_files(out)[1] == ["README.md"]


def test_a_symlinked_folder_is_not_followed(tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "checkpoint-9").mkdir()
    out = _finished_run(tmp_path / "run")
    (out / "checkpoints").symlink_to(mine)
    with pytest.raises(ConfigError, match="checkpoints"):
        check_output(_cfg(out, overwrite=True))
    assert (mine / "checkpoint-9").is_dir()


def test_folder_without_a_run_is_still_refused_even_with_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "foreign"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    for options in ({}, {"overwrite": True}):
        with pytest.raises(ConfigError, match="holds no nerlab run"):
            check_output(_cfg(out, **options))
    assert (out / "notes.txt").read_text() == "mine"


# Corrupt nerlab_run.json


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ('{"model": "x"', "it is not valid JSON: Expecting"),
        ("", "it is not valid JSON"),
        ("[1, 2]", "it holds a JSON list"),
        ("null", "it holds a JSON NoneType"),
    ],
)
def test_corrupt_run_file_is_a_clear_error(tmp_path: Path, content: str, problem: str) -> None:
    out = _interrupted_run(tmp_path / "run")
    (out / "nerlab_run.json").write_text(content)
    for options in ({}, {"resume": True}):
        with pytest.raises(ConfigError) as err:
            check_output(_cfg(out, **options))
        msg = str(err.value)
        assert f"{out / 'nerlab_run.json'} is corrupt ({problem}" in msg
        assert "--overwrite" in msg and "another --output" in msg
    assert (out / "nerlab_run.json").read_text() == content


def test_overwrite_replaces_a_corrupt_run_file(tmp_path: Path) -> None:
    out = _interrupted_run(tmp_path / "run")
    (out / "nerlab_run.json").write_bytes(b"\xff\x00garbage")
    cfg = _cfg(out, overwrite=True)
    assert check_output(cfg) is None
    prepare_output(cfg, None)
    assert json.loads((out / "nerlab_run.json").read_text())["output"] == str(out)


# --resume on a finished run


def test_resume_on_a_finished_run_says_it_is_finished(tmp_path: Path) -> None:
    out = _finished_run(tmp_path / "run")
    with pytest.raises(ConfigError) as err:
        check_output(_cfg(out, resume=True))
    msg = str(err.value)
    assert f"the run in {out} is finished (2 epoch(s), best dev score 0.8123)" in msg
    assert "before its first epoch" not in msg
    assert "higher --epochs" in msg and "--overwrite" in msg and "another --output" in msg


def test_resume_on_a_finished_run_without_dev_or_stats(tmp_path: Path) -> None:
    out = _finished_run(tmp_path / "run", best=None)
    with pytest.raises(ConfigError, match=r"is finished \(2 epoch\(s\)\)"):
        check_output(_cfg(out, resume=True))
    (out / "nerlab_config.json").write_text("not json")
    with pytest.raises(ConfigError, match=r"is finished \(its model is saved\)"):
        check_output(_cfg(out, resume=True))


def test_resume_before_the_first_checkpoint_still_says_so(tmp_path: Path) -> None:
    out = _interrupted_run(tmp_path / "run")
    with pytest.raises(ConfigError, match="no complete checkpoint yet"):
        check_output(_cfg(out, resume=True))


def test_resume_from_the_last_checkpoint(tmp_path: Path) -> None:
    out = _interrupted_run(tmp_path / "run", steps=(2, 4))
    (out / "checkpoints" / "checkpoint-6").mkdir()  # being written: no trainer_state.json yet
    assert check_output(_cfg(out, resume=True)) == str(out / "checkpoints" / "checkpoint-4")


# Ctrl-C: the advice matches what --resume will do


def _interrupt_message(cfg: TrainConfig, capsys: pytest.CaptureFixture[str]) -> str:
    return " ".join(run_module.interrupt_message(cfg).split())


def test_ctrl_c_before_any_checkpoint_says_to_restart(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _interrupted_run(tmp_path / "run")
    msg = _interrupt_message(_cfg(out), capsys)
    assert "no checkpoint was saved yet" in msg and "nothing to resume" in msg
    assert "to start again, run the same command plus --overwrite" in msg
    assert "--resume" not in msg
    msg = _interrupt_message(_cfg(out, overwrite=True), capsys)
    assert "rerun the same command" in msg and "--resume" not in msg


def test_ctrl_c_after_a_checkpoint_says_resume(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _interrupted_run(tmp_path / "run", steps=(2,))
    msg = _interrupt_message(_cfg(out), capsys)
    assert f"the last complete checkpoint is {out / 'checkpoints' / 'checkpoint-2'}" in msg
    assert "run the same command plus --resume" in msg
    msg = _interrupt_message(_cfg(out, overwrite=True), capsys)
    assert "with --resume in place of --overwrite" in msg


# --output that cannot be a folder


def test_output_under_a_file_or_proc_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "train.conll"
    data.write_text("Ana B-PER\n")
    with pytest.raises(ConfigError, match=rf"--output {data}/run: {data} is a file, not a folder"):
        check_output(_cfg(data / "run"))
    with pytest.raises(ConfigError, match="--output /proc/self/run is under /proc"):
        check_output(_cfg("/proc/self/run"))
    with pytest.raises(ConfigError, match="--output /sys/run is under /sys"):
        check_output(_cfg("/sys/run"))
    with pytest.raises(ConfigError, match=rf"--output {data} is a file; give a folder"):
        check_output(_cfg(data))
    assert data.read_text() == "Ana B-PER\n"


def test_a_new_output_with_missing_parents_is_created(tmp_path: Path) -> None:
    cfg = _cfg(tmp_path / "a" / "b" / "run")
    assert check_output(cfg) is None
    assert not (tmp_path / "a").exists(), "check_output writes nothing"
    prepare_output(cfg, None)
    assert (tmp_path / "a" / "b" / "run" / "nerlab_run.json").is_file()
