"""Where the shared (research-licensed, never copied) data sets live: ``$NERLAB_SHARED_DATA``,
default ``../shared/data`` next to the project root."""

from __future__ import annotations

import os
from pathlib import Path

_PROJECT_ROOT = Path(__file__).resolve().parents[3]


def shared_data_dir() -> Path:
    """The shared data folder (override with the ``NERLAB_SHARED_DATA`` environment variable)."""
    env = os.environ.get("NERLAB_SHARED_DATA")
    if env:
        return Path(env)
    return _PROJECT_ROOT.parent / "shared" / "data"


def demo_dir() -> Path:
    """The folder of the built-in demo corpus (train.conll, dev.conll, test.conll)."""
    return Path(__file__).resolve().parent / "demo"
