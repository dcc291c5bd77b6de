"""Static shapes (``pad_to``) and ``torch.compile`` in training: every batch the trainer sees is
N sub-tokens wide (both tasks), windows are at most N, dev is scored at width N, bad widths are
refused before any file is written, and a compiled run learns what an eager one does."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from _train_helpers import demo_sentences, long_sentence, write_conll

from nerlab.cli.main import run_cli
from nerlab.config import TrainConfig
from nerlab.data.demo import demo_texts_path
from nerlab.errors import ConfigError
from nerlab.inference import Predictor
from nerlab.models.saved import read_meta
from nerlab.tasks.text_classification.dataset import TextCollator
from nerlab.tasks.token_classification.dataset import PadCollator
from nerlab.training import train
from nerlab.training.data import load_data
from nerlab.training.run import build_trainer, load_base, training_arguments
from nerlab.training.trainer import TaskTrainer

TINY = {"epochs": 1, "learning_rate": 2e-3, "batch_size": 8, "warmup_ratio": 0.0}


@pytest.fixture(scope="module")
def ner_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """40 demo sentences and one long one (cut into windows) for training, 10 for dev."""
    folder = tmp_path_factory.mktemp("pad-to-data")
    train_rows = [*demo_sentences("train", 40), long_sentence(120)]
    return {
        "train": str(write_conll(folder / "train.conll", train_rows)),
        "dev": str(write_conll(folder / "dev.conll", demo_sentences("dev", 10))),
    }


def _batches(options: dict[str, Any], encoder: Path) -> list[dict[str, torch.Tensor]]:
    """Every training batch the trainer's data loader gives for ``options`` (no training)."""
    cfg = TrainConfig(**options)
    data = load_data(cfg)
    base = load_base(cfg, str(encoder))
    trainer = build_trainer(cfg, training_arguments(cfg, "fp32", data), data, base)
    return list(trainer.get_train_dataloader())


def test_token_batches_are_exactly_n_wide(
    tiny_encoder_dir: Path, ner_files: dict[str, str], tmp_path: Path
) -> None:
    options = {"model": str(tiny_encoder_dir), "output": str(tmp_path / "o"), **ner_files}
    dynamic = _batches(options, tiny_encoder_dir)
    static = _batches(options | {"pad_to": 32}, tiny_encoder_dir)
    assert len({b["input_ids"].shape[1] for b in dynamic}) > 1, "dynamic widths vary"
    assert {b["input_ids"].shape[1] for b in static} == {32}
    assert {b["labels"].shape[1] for b in static} == {32}
    for batch in static:
        mask = batch["attention_mask"]
        assert (batch["labels"][mask == 0] == -100).all(), "padding is never a target"
        assert (batch["input_ids"][mask == 0] == 0).all(), "padded with the pad id"
    longest = max(int(b["attention_mask"].sum(1).max()) for b in static)
    assert 24 < longest <= 32, "the long sentence is cut into windows of at most 32"
    assert sum(len(b["input_ids"]) for b in static) > sum(len(b["input_ids"]) for b in dynamic)


def test_text_batches_are_exactly_n_wide(tiny_encoder_dir: Path, tmp_path: Path) -> None:
    options = {
        "model": str(tiny_encoder_dir),
        "output": str(tmp_path / "o"),
        "train": str(demo_texts_path("train")),
        "train_limit": 40,
        "pad_to": 24,
    }
    batches = _batches(options, tiny_encoder_dir)
    assert {b["input_ids"].shape[1] for b in batches} == {24}
    assert all(b["labels"].dim() == 1 for b in batches)
    assert min(int(b["attention_mask"].sum(1).min()) for b in batches) < 24


def test_collators_pad_to_n() -> None:
    batch = [
        {"input_ids": [101, 7, 102], "labels": [-100, 1, -100]},
        {"input_ids": [101, 8, 9, 102], "labels": [-100, 0, 2, -100]},
    ]
    out = PadCollator(pad_id=0, pad_to=8)(batch)
    assert out["input_ids"].tolist() == [[101, 7, 102, 0, 0, 0, 0, 0], [101, 8, 9, 102] + [0] * 4]
    assert out["attention_mask"].tolist() == [[1] * 3 + [0] * 5, [1] * 4 + [0] * 4]
    assert out["labels"].tolist() == [[-100, 1] + [-100] * 6, [-100, 0, 2] + [-100] * 5]
    texts = [{"input_ids": [101, 7, 102], "labels": 3}, {"input_ids": [101, 102], "labels": 1}]
    out = TextCollator(0, pad_to=8)(texts)
    assert out["input_ids"].shape == (2, 8) and out["labels"].tolist() == [3, 1]
    assert out["attention_mask"].sum(1).tolist() == [3, 2]
    with pytest.raises(ValueError, match="does not fit the padded width 8"):
        PadCollator(0, pad_to=8)([{"input_ids": [1] * 9, "labels": [0] * 9}])


def test_training_steps_and_dev_scoring_run_at_n(
    tiny_encoder_dir: Path,
    ner_files: dict[str, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    widths: list[int] = []
    step = TaskTrainer.training_step

    def spy_step(self: TaskTrainer, model: Any, inputs: dict[str, Any], *args: Any) -> Any:
        widths.append(int(inputs["input_ids"].shape[1]))
        return step(self, model, inputs, *args)

    scored: list[int] = []
    word_logits = Predictor.word_scores

    def spy_scores(self: Predictor, sentences: Any, **kw: Any) -> Any:
        scored.append(-1 if self.pad_to is None else self.pad_to)
        return word_logits(self, sentences, **kw)

    monkeypatch.setattr(TaskTrainer, "training_step", spy_step)
    monkeypatch.setattr(Predictor, "word_scores", spy_scores)
    out = tmp_path / "model"
    result = train(model=str(tiny_encoder_dir), output=str(out), pad_to=32, **ner_files, **TINY)
    assert widths and set(widths) == {32}
    assert scored and set(scored) == {32}, "dev scored at the training width"
    meta = read_meta(out)
    assert meta.max_length == 32 and meta.training["pad_to"] == 32
    loaded = Predictor.load(out)
    assert loaded.pad_to is None, "a saved pad_to is not applied to prediction"
    assert Predictor.load(out, pad_to=32).pad_to == 32
    with pytest.raises(ConfigError, match="maximum length 32"):
        Predictor.load(out, pad_to=64)
    assert result.dev is not None


@pytest.mark.parametrize(
    ("options", "fragment"),
    [
        ({"pad_to": 4}, "pad_to must be >= 8 sub-tokens, got 4"),
        ({"pad_to": "64"}, "'pad_to' must be int or null"),
        ({"pad_to": True}, "'pad_to' must be int or null"),
        ({"pad_to": 64, "max_length": 32}, "pad_to 64 is more than max_length 32"),
        ({"compile": "yes"}, "'compile' must be bool"),
    ],
)
def test_bad_options_are_refused(options: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ConfigError) as err:
        TrainConfig.from_dict({"output": "o", **options})
    assert fragment in str(err.value)


def test_pad_to_over_the_model_maximum(
    tiny_encoder_dir: Path, ner_files: dict[str, str], tmp_path: Path
) -> None:
    out = tmp_path / "model"
    with pytest.raises(ConfigError, match=r"pad_to 256 is more than the maximum length .*128"):
        train(model=str(tiny_encoder_dir), output=str(out), pad_to=256, **ner_files, **TINY)
    assert not out.exists(), "refused before anything is written"


def test_cli_flags_come_from_the_config(
    tiny_encoder_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    assert run_cli(["train", "--help"]) == 0
    help_text = capsys.readouterr().out
    assert "--pad-to" in help_text and "--compile" in help_text
    argv = ["train", "--model", str(tiny_encoder_dir), "-o", str(tmp_path / "m"), "--pad-to", "7"]
    assert run_cli(argv) != 0
    assert "pad_to must be >= 8 sub-tokens, got 7" in capsys.readouterr().err
    assert not (tmp_path / "m").exists()


@pytest.mark.slow  # compiling forward and backward takes ~90 s on 2 CPU cores (cold cache)
def test_compiled_training_learns_what_eager_training_does(
    tiny_encoder_dir: Path,
    ner_files: dict[str, str],
    tmp_path: Path,
) -> None:
    """``--compile`` (the Trainer's ``torch_compile``) trains the same model: the word scores
    of the two saved models agree within 1e-4.

    Inductor draws dropout masks with its own random generator, so a compiled run differs from
    an eager one by its dropout masks (as two seeds do); ``fallback_random`` makes it draw them
    as eager PyTorch does, which leaves the computation itself to compare.
    """
    import torch._dynamo
    import torch._inductor.config

    options = {"model": str(tiny_encoder_dir), "pad_to": 32, **ner_files, **TINY}
    # fp32: `auto` is bf16 on a CPU with AMX, where fused and eager kernels round differently
    options |= {"train_limit": 16, "dev": None, "precision": "fp32"}
    eager = train(output=str(tmp_path / "eager"), **options)
    torch._dynamo.utils.counters.clear()
    with torch._inductor.config.patch(fallback_random=True):
        compiled = train(output=str(tmp_path / "compiled"), compile=True, **options)
    assert torch._dynamo.utils.counters["stats"]["unique_graphs"] >= 1, "the model was compiled"
    run = json.loads((Path(compiled.output) / "nerlab_config.json").read_text())
    assert run["training"]["compile"] is True
    sentences = [words for words, _ in demo_sentences("test", 12)]
    a = Predictor.load(eager.output, precision="fp32").word_scores(sentences)
    b = Predictor.load(compiled.output, precision="fp32").word_scores(sentences)
    np.testing.assert_allclose(np.concatenate(a), np.concatenate(b), atol=1e-4, rtol=0)
