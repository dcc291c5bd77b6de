"""Where the shared (research-licensed, never copied) data sets live, for tests and benchmarks.

``$NERLAB_SHARED_DATA``, default ``../shared/data`` next to the project root. This lookup only
makes sense in a checkout, so it lives with the tests, not in the package (issue 9).
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def shared_data_dir() -> Path:
    """The shared data folder (override with the ``NERLAB_SHARED_DATA`` environment variable)."""
    env = os.environ.get("NERLAB_SHARED_DATA")
    if env:
        return Path(env)
    return PROJECT_ROOT.parent / "shared" / "data"
