"""``freeze_embeddings``: the word-embedding matrix stays fixed (no gradient, no AdamW state)
when asked (off by default: lower F1 in docs/accuracy.md); everything else trains, the run says
which, and a run started before the setting existed still resumes. (Training the matrix
updates only the rows the data uses: tests/training/test_used_rows.py.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from _train_helpers import TINY_OPTIONS, demo_files, tiny_bert_tagger
from transformers import TrainerCallback

from nerlab.cli.main import run_cli
from nerlab.config import TrainConfig
from nerlab.errors import ConfigError
from nerlab.models.saved import load_torch_model
from nerlab.training import train
from nerlab.training.run import freeze_word_embeddings


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return demo_files(tmp_path_factory.mktemp("freeze-data"), train=32, dev=10)


def _weights(folder: Path | str) -> dict[str, torch.Tensor]:
    from transformers import AutoModelForTokenClassification

    model = load_torch_model(folder, AutoModelForTokenClassification)
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


@pytest.mark.parametrize("vocab", [30_522, 250_037])  # MiniLM / BERT, e5-small / XLM-R
@pytest.mark.parametrize("freeze", [True, False])
def test_only_the_word_matrix_is_frozen(vocab, freeze):
    model = tiny_bert_tagger(vocab)
    freeze_word_embeddings(model, freeze)
    assert model.bert.embeddings.word_embeddings.weight.requires_grad is not freeze
    # positions, types and every layer still train
    others = [p for n, p in model.named_parameters() if "word_embeddings" not in n]
    assert others and all(p.requires_grad for p in others)


def test_the_default_trains_the_matrix():
    assert TrainConfig(output="o").freeze_embeddings is False


def test_a_frozen_run_leaves_the_matrix_unchanged_and_trains_the_rest(
    tmp_path, tiny_encoder_dir, files
):
    before = _weights(tiny_encoder_dir)
    runs = {}
    for mode, freeze in (("yes", True), ("no", False)):
        out = tmp_path / mode
        result = train(
            model=str(tiny_encoder_dir),
            output=str(out),
            freeze_embeddings=freeze,
            **files,
            **TINY_OPTIONS,
        )
        runs[mode] = (_weights(out), result)
    key = "bert.embeddings.word_embeddings.weight"
    frozen, result = runs["yes"]
    assert result.stats["word_embeddings"] == "frozen"
    assert torch.equal(frozen[key], before[key])
    for name in (
        "bert.embeddings.position_embeddings.weight",
        "bert.encoder.layer.0.output.dense.weight",
    ):
        assert not torch.equal(frozen[name], before[name]), f"{name} did not train"
    trained, result = runs["no"]
    assert result.stats["word_embeddings"] == "trained"
    assert not torch.equal(trained[key], before[key])
    card = (tmp_path / "yes" / "README.md").read_text()
    assert "word_embeddings: frozen" in card and '"freeze_embeddings": true' in card


def test_the_optimiser_holds_no_state_for_a_frozen_matrix(tmp_path, tiny_encoder_dir, files):
    seen: dict[str, int] = {}

    class Count(TrainerCallback):
        def on_step_end(self, args, state, control, optimizer=None, model=None, **kwargs):
            params = [p for g in optimizer.param_groups for p in g["params"]]
            seen["optimised"] = sum(p.numel() for p in params)
            seen["all"] = sum(p.numel() for p in model.parameters())
            seen["matrix"] = model.get_input_embeddings().weight.numel()
            return control

    train(
        model=str(tiny_encoder_dir),
        output=str(tmp_path / "o"),
        freeze_embeddings=True,
        callbacks=[Count()],
        **files,
        **{**TINY_OPTIONS, "epochs": 1},
    )
    assert seen["optimised"] == seen["all"] - seen["matrix"]


def test_bad_values_are_refused(tmp_path, files, capsys):
    with pytest.raises(ConfigError, match=r"'freeze_embeddings' must be bool, got 'yes'"):
        TrainConfig(output="o", freeze_embeddings="yes")  # type: ignore[arg-type]
    out = tmp_path / "cli"
    code = run_cli(["train", "--train", files["train"], "-o", str(out), "--freeze-embeddings=x"])
    err = capsys.readouterr().err
    assert code == 2 and "freeze-embeddings" in err and "Traceback" not in err
    assert not out.exists()


class _Interrupt(TrainerCallback):
    def on_step_end(self, args, state, control, **kwargs):
        if state.global_step == 3:
            raise KeyboardInterrupt


def test_a_run_from_before_the_setting_resumes(tmp_path, tiny_encoder_dir, files):
    """A run recorded without the setting trained its matrix (the default): it resumes so,
    and asking to freeze it now is a change, refused."""
    out = tmp_path / "run"
    opts = {"model": str(tiny_encoder_dir), "output": str(out), **files, **TINY_OPTIONS}
    with pytest.raises(KeyboardInterrupt):
        train(**opts, callbacks=[_Interrupt()])
    run_file = out / "nerlab_run.json"
    recorded = json.loads(run_file.read_text())
    del recorded["freeze_embeddings"]
    run_file.write_text(json.dumps(recorded))
    with pytest.raises(ConfigError, match=r"other settings \(freeze_embeddings: False -> True\)"):
        train(**opts, freeze_embeddings=True, resume=True)
    result = train(**opts, resume=True)
    assert result.stats["word_embeddings"] == "trained" and result.stats["epochs_run"] == 2.0
