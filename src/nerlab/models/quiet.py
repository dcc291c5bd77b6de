"""Scoped quiet for transformers: its notices and progress bars off inside a block only.

A library must not change process-wide state: a notebook user who imports nerlab keeps the
transformers verbosity and progress bars they chose. nerlab silences the fresh-head notice and
the "Loading weights" bar only while it loads or trains, and restores both afterwards.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator


@contextlib.contextmanager
def quiet_transformers() -> Iterator[None]:
    """Inside the block, transformers logs errors only and shows no progress bars."""
    from transformers.utils import logging as hf_logging

    verbosity = hf_logging.get_verbosity()
    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        hf_logging.set_verbosity(verbosity)
        if bars:
            hf_logging.enable_progress_bar()
