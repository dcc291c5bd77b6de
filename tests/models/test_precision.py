"""``--precision auto``: bf16 only where the CPU runs it natively (emulated bf16 is slower)."""

from __future__ import annotations

from pathlib import Path

import pytest

from nerlab.errors import ConfigError
from nerlab.models import precision


def _cpuinfo(tmp_path: Path, flags: str) -> Path:
    path = tmp_path / "cpuinfo"
    path.write_text(f"processor\t: 0\nflags\t\t: fpu sse2 {flags}\n\nprocessor\t: 1\n")
    return path


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ("avx2 fma", "fp32"),
        ("avx512f avx512_vnni", "fp32"),  # AVX512 without BF16: oneDNN emulates, slowly
        ("avx512f avx512_bf16", "bf16"),
        ("avx512f amx_bf16 amx_tile", "bf16"),
    ],
)
def test_auto_picks_bf16_only_on_native_hardware(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, flags: str, expected: str
) -> None:
    info = _cpuinfo(tmp_path, flags)
    real = precision.cpu_flags
    monkeypatch.setattr(precision, "cpu_flags", lambda: real(str(info)))
    monkeypatch.setattr(precision, "bf16_runs", lambda device="cpu": True)
    assert precision.resolve_precision("auto", "cpu") == expected


def test_flags_of_an_unreadable_cpuinfo(tmp_path: Path) -> None:
    assert precision.cpu_flags(str(tmp_path / "missing")) == frozenset()


def test_explicit_bf16_where_it_cannot_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(precision, "bf16_runs", lambda device="cpu": False)
    with pytest.raises(ConfigError, match="bf16 is not supported on cpu"):
        precision.resolve_precision("bf16", "cpu")
    with pytest.raises(ConfigError, match="fp16 is only supported on CUDA"):
        precision.resolve_precision("fp16", "cpu")
