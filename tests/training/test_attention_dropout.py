"""``attention_dropout``: the dropout on attention probabilities while training. The model's
own value by default; 0 lets PyTorch's CPU attention use its fused kernel (the reason for the
option); a model whose config has no such field, and bad values, are refused before any file
is made."""

from __future__ import annotations

import json
import shutil

import pytest
import torch
from _train_helpers import TINY_OPTIONS, demo_files
from torch.profiler import profile

from nerlab.cli.main import run_cli
from nerlab.config import TrainConfig
from nerlab.data.labels import LabelSet
from nerlab.errors import ConfigError
from nerlab.tasks.token_classification import TokenClassification
from nerlab.training import train
from nerlab.training.run import load_with_head


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return demo_files(tmp_path_factory.mktemp("attn-data"), train=24, dev=8)


def _attention_ops(model: torch.nn.Module) -> set[str]:
    model.train()
    ids = torch.tensor([[2, 5, 6, 7, 3, 0, 0], [2, 8, 9, 10, 11, 12, 3]])
    with profile() as prof:
        model(input_ids=ids, attention_mask=(ids != 0).long()).logits.sum().backward()
    return {e.name for e in prof.events() if "scaled_dot_product" in e.name}


def test_zero_uses_the_fused_cpu_kernel_and_the_default_does_not(tiny_encoder_dir):
    task = TokenClassification(LabelSet(("O", "B-PER", "I-PER")))
    labels = task.labels
    default = load_with_head(task, str(tiny_encoder_dir), labels)
    assert default.config.attention_probs_dropout_prob == pytest.approx(0.1)
    assert "aten::_scaled_dot_product_attention_math" in _attention_ops(default)
    zero = load_with_head(
        task, str(tiny_encoder_dir), labels, {"attention_probs_dropout_prob": 0.0}
    )
    ops = _attention_ops(zero)
    assert "aten::_scaled_dot_product_flash_attention_for_cpu" in ops
    assert "aten::_scaled_dot_product_attention_math" not in ops


def test_a_run_records_it_in_the_saved_config(tmp_path, tiny_encoder_dir, files):
    out = tmp_path / "zero"
    train(
        model=str(tiny_encoder_dir),
        output=str(out),
        attention_dropout=0,
        **files,
        **{**TINY_OPTIONS, "epochs": 1},
    )
    config = json.loads((out / "config.json").read_text())
    assert config["attention_probs_dropout_prob"] == 0.0
    run = json.loads((out / "nerlab_run.json").read_text())
    assert run["attention_dropout"] == 0


def test_the_default_keeps_the_models_own(tmp_path, tiny_encoder_dir, files):
    assert TrainConfig(output="o").attention_dropout is None
    out = tmp_path / "default"
    train(model=str(tiny_encoder_dir), output=str(out), **files, **{**TINY_OPTIONS, "epochs": 1})
    config = json.loads((out / "config.json").read_text())
    assert config["attention_probs_dropout_prob"] == pytest.approx(0.1)


@pytest.mark.parametrize("value", [-0.1, 1.0, 1.5])
def test_values_outside_0_1_are_refused(value):
    with pytest.raises(ConfigError, match=rf"attention_dropout must be in \[0, 1\), got {value}"):
        TrainConfig(output="o", attention_dropout=value)


def test_a_string_is_refused_on_the_command_line(tmp_path, files, capsys):
    out = tmp_path / "cli"
    code = run_cli(["train", "--train", files["train"], "-o", str(out), "--attention-dropout", "x"])
    err = capsys.readouterr().err
    assert code == 2 and "attention-dropout" in err and "Traceback" not in err
    assert not out.exists()


def test_a_model_without_the_field_is_refused_before_any_file(tmp_path, tiny_encoder_dir, files):
    model = tmp_path / "no-field"
    shutil.copytree(tiny_encoder_dir, model)
    config = json.loads((model / "config.json").read_text())
    del config["attention_probs_dropout_prob"]
    (model / "config.json").write_text(json.dumps(config))
    out = tmp_path / "out"
    with pytest.raises(ConfigError, match=r"attention_dropout 0\.0 cannot be set for .*no-field"):
        train(model=str(model), output=str(out), attention_dropout=0.0, **files, **TINY_OPTIONS)
    assert not out.exists()
