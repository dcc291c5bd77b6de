"""A local Ray cluster (2 CPUs), started once per test session and shut down at its end."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from types import ModuleType

import pytest


@pytest.fixture(scope="session")
def ray_cluster() -> Iterator[ModuleType]:
    """``ray``, initialised quietly on this machine with 2 CPUs.

    Ray's temporary folder is a short path under /tmp: its socket paths must stay under the
    108-byte limit of a Unix socket name, which pytest's tmp_path would exceed.
    """
    import ray

    temp = tempfile.mkdtemp(prefix="nr", dir="/tmp")
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        log_to_driver=False,
        configure_logging=False,
        _temp_dir=temp,
    )
    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False
    try:
        yield ray
    finally:
        ray.shutdown()
        shutil.rmtree(temp, ignore_errors=True)
