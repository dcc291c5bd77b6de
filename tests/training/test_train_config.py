"""TrainConfig: unknown keys, wrong types and out-of-range values are rejected where they enter."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nerlab.cli.main import run_cli
from nerlab.config import TrainConfig, read_options
from nerlab.errors import ConfigError


def test_defaults_and_round_trip():
    cfg = TrainConfig(output="out")
    assert cfg.model == "minilm-l6"
    assert cfg.precision == "auto"
    assert not cfg.label_all_subtokens
    assert cfg.group_by_length
    again = TrainConfig.from_dict(cfg.to_dict())
    assert again == cfg
    assert "resume" not in cfg.identity() and "overwrite" not in cfg.identity()


def test_unknown_key_is_rejected_with_the_allowed_keys():
    with pytest.raises(ConfigError) as err:
        TrainConfig.from_dict({"output": "o", "learning_rte": 1e-4})
    msg = str(err.value)
    assert "'learning_rte'" in msg
    assert "learning_rate" in msg and "batch_size" in msg


def test_output_is_required():
    with pytest.raises(ConfigError, match="'output'"):
        TrainConfig.from_dict({"epochs": 1})


@pytest.mark.parametrize(
    ("key", "value", "fragment"),
    [
        ("epochs", 0, "epochs must be > 0"),
        ("learning_rate", -1.0, "learning_rate must be > 0"),
        ("batch_size", 0, "batch_size must be > 0"),
        ("batch_size", 2.5, "'batch_size' must be int"),
        ("batch_size", True, "'batch_size' must be int"),
        ("warmup_ratio", 1.0, "warmup_ratio must be in [0, 1)"),
        ("patience", -1, "patience must be >= 0"),
        ("precision", "fp8", "precision 'fp8' is not one of: auto, bf16, fp16, fp32"),
        ("max_length", 4, "max_length must be >= 8"),
        ("train_limit", 0, "train_limit must be >= 1"),
        ("label_all_subtokens", "yes", "'label_all_subtokens' must be bool"),
        ("model", 3, "'model' must be str"),
    ],
)
def test_bad_values_name_the_field_and_what_is_allowed(key, value, fragment):
    with pytest.raises(ConfigError) as err:
        TrainConfig.from_dict({"output": "o", key: value})
    assert fragment in str(err.value)


def test_dev_without_train_and_overwrite_with_resume_are_rejected():
    with pytest.raises(ConfigError, match="without training data"):
        TrainConfig(output="o", dev="dev.conll")
    with pytest.raises(ConfigError, match="exclude each other"):
        TrainConfig(output="o", overwrite=True, resume=True)


def test_from_file(tmp_path: Path):
    good = tmp_path / "run.json"
    good.write_text(json.dumps({"output": "o", "epochs": 1, "learning_rate": 5e-5}))
    cfg = TrainConfig.from_file(good, batch_size=8)
    assert (cfg.epochs, cfg.learning_rate, cfg.batch_size) == (1, 5e-5, 8)

    bad_json = tmp_path / "bad.json"
    bad_json.write_text('{\n  "output": "o",\n  epochs: 1\n}')
    with pytest.raises(ConfigError, match=r"bad\.json:3: not valid JSON"):
        read_options(bad_json)

    unknown = tmp_path / "unknown.json"
    unknown.write_text(json.dumps({"output": "o", "lr": 1}))
    with pytest.raises(ConfigError, match=r"unknown\.json: unknown config key\(s\) 'lr'"):
        TrainConfig.from_file(unknown)

    not_object = tmp_path / "list.json"
    not_object.write_text("[1, 2]")
    with pytest.raises(ConfigError, match="one JSON object"):
        read_options(not_object)

    with pytest.raises(ConfigError, match="not found"):
        read_options(tmp_path / "missing.json")


# Presets: a recipe by name that fills the fields left at their defaults


def test_presets_fill_the_fields_left_at_their_defaults():
    from nerlab.config import PRESETS

    assert TrainConfig(output="o").preset is None
    assert TrainConfig(output="o").model == "minilm-l6"
    accurate = TrainConfig.from_dict({"output": "o", "preset": "accurate"})
    for name, value in PRESETS["accurate"].items():
        assert getattr(accurate, name) == value
    assert TrainConfig(output="o", preset="accurate").model == "e5-small-multilingual"
    # docs/accuracy.md's final recipe: the CRF and 64 sub-tokens of document context
    assert (accurate.head, accurate.context) == ("crf", 64)
    narrower = {"output": "o", "preset": "accurate", "context": 32}
    assert TrainConfig.from_dict(narrower).context == 32
    assert TrainConfig.from_dict({"output": "o", "preset": "fast"}).model == "minilm-l6"
    # a value the user gives wins over the preset's
    mine = TrainConfig.from_dict({"output": "o", "preset": "accurate", "model": "my/encoder"})
    assert mine.model == "my/encoder"
    # a config written by a preset run reads back the same
    again = TrainConfig.from_dict(accurate.to_dict())
    assert again.identity() == accurate.identity()


def test_a_preset_never_silently_overrides_a_given_default():
    with pytest.raises(ConfigError) as exc:
        TrainConfig.from_dict({"output": "o", "preset": "accurate", "model": "minilm-l6"})
    message = str(exc.value)
    assert "preset 'accurate' sets model to 'e5-small-multilingual'" in message
    assert "model 'minilm-l6' was given too" in message


def test_an_unknown_preset_names_the_choices(capsys):
    with pytest.raises(ConfigError) as exc:
        TrainConfig(output="o", preset="fastest")
    assert "'fastest' is not one of: fast, accurate" in str(exc.value)
    code = run_cli(["train", "--preset", "fastest", "-o", "o"])
    err = " ".join(capsys.readouterr().err.split())
    assert code != 0 and "fastest" in err and "accurate" in err


def test_xlingual_leaves_the_model_to_a_preset():
    from nerlab.training.xlingual.options import DEFAULT_MODEL, XlingualConfig

    plain = XlingualConfig(strategy="each", output="o")
    assert plain.training["model"] == DEFAULT_MODEL
    fast = XlingualConfig(strategy="each", output="o", training={"preset": "fast"})
    assert "model" not in fast.training


def test_presets_are_ner_recipes(tmp_path):
    with pytest.raises(ConfigError, match="recipe for token classification"):
        TrainConfig(output="o", preset="accurate", task="text-classification")
    # task auto: the data says text classification, after the preset set its NER head
    from nerlab.training.data import load_data

    texts = tmp_path / "texts.txt"
    texts.write_text("i feel great;joy\ni am so sad;sadness\n" * 5, encoding="utf-8")
    cfg = TrainConfig(output=str(tmp_path / "o"), preset="accurate", train=str(texts))
    with pytest.raises(ConfigError) as exc:
        load_data(cfg)
    assert "preset 'accurate' sets head 'crf', context 64" in str(exc.value)
    assert "presets are NER recipes" in str(exc.value)
