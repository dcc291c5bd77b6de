"""Numeric precision: which of bf16 / fp16 / fp32 to run in, and the autocast context for it.

``auto`` picks bf16 where the hardware runs it natively (a CUDA GPU with bf16 support, or a CPU
with the AVX512-BF16 or AMX-BF16 instructions), else fp32. oneDNN also runs bf16 on CPUs that
have AVX512 without those instructions, by emulation: there a 512x384x1536 bf16 matrix product
took 3.5x as long as fp32 (Xeon, Ice Lake, 2026-12-03), so ``auto`` must not pick it; an
explicit ``bf16`` still runs there. fp16 is offered on CUDA only: CPU fp16 matrix products are
slow and overflow-prone.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Literal

from nerlab.errors import ConfigError

if TYPE_CHECKING:
    import torch

Precision = Literal["bf16", "fp16", "fp32"]
PRECISION_CHOICES = ("auto", "bf16", "fp16", "fp32")


_NATIVE_BF16_FLAGS = frozenset({"avx512_bf16", "amx_bf16"})


def cpu_flags(cpuinfo: str = "/proc/cpuinfo") -> frozenset[str]:
    """The CPU's feature flags as Linux reports them (empty where it cannot be read)."""
    try:
        with open(cpuinfo, encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith("flags"):
                    return frozenset(line.partition(":")[2].split())
    except OSError:
        pass
    return frozenset()


def bf16_supported(device: torch.device | str = "cpu") -> bool:
    """Whether bf16 matrix products run natively (fast) on ``device``: what ``auto`` uses."""
    import torch

    device = torch.device(device)
    if device.type == "cuda":
        return torch.cuda.is_available() and torch.cuda.is_bf16_supported()
    if device.type == "cpu":
        return bool(_NATIVE_BF16_FLAGS & cpu_flags()) and bf16_runs(device)
    return False


def bf16_runs(device: torch.device | str = "cpu") -> bool:
    """Whether bf16 runs at all on ``device`` (natively or emulated by oneDNN)."""
    import torch

    device = torch.device(device)
    if device.type == "cuda":
        return torch.cuda.is_available() and torch.cuda.is_bf16_supported()
    return device.type == "cpu" and bool(torch.ops.mkldnn._is_mkldnn_bf16_supported())


def resolve_precision(precision: str, device: torch.device | str = "cpu") -> Precision:
    """Turn ``auto``/``bf16``/``fp16``/``fp32`` into the precision to use on ``device``.

    Raises:
        ConfigError: an unknown name, or a precision the device cannot run.
    """
    import torch

    device = torch.device(device)
    if precision not in PRECISION_CHOICES:
        raise ConfigError(
            f"unknown precision {precision!r}; allowed: {', '.join(PRECISION_CHOICES)}"
        )
    if precision == "auto":
        return "bf16" if bf16_supported(device) else "fp32"
    if precision == "bf16" and not bf16_runs(device):
        raise ConfigError(
            f"bf16 is not supported on {device} (no AVX512 CPU or bf16 GPU); use --precision fp32"
        )
    if precision == "fp16" and device.type != "cuda":
        raise ConfigError("fp16 is only supported on CUDA GPUs; use --precision bf16 or fp32")
    return precision  # type: ignore[return-value]


@contextlib.contextmanager
def autocast(precision: Precision, device: torch.device | str = "cpu") -> Iterator[None]:
    """Mixed-precision context for ``precision`` (a no-op for fp32)."""
    import torch

    device = torch.device(device)
    if precision == "fp32":
        yield
        return
    dtype = torch.bfloat16 if precision == "bf16" else torch.float16
    with torch.autocast(device_type=device.type, dtype=dtype):
        yield
