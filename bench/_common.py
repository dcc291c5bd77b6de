"""Helpers shared by the bench scripts (each is run as ``python bench/<name>.py``, which puts
this folder on ``sys.path``: ``from _common import run`` works from the repository root)."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path


def run(cmd: list[str], log: Path) -> tuple[str, float, float]:
    """Run ``cmd`` with its stderr, then its stdout, in ``log``; return (stdout, seconds, peak
    RSS of the process in GB). A failed command stops the benchmark, naming the log."""
    print("$ " + " ".join(cmd), flush=True)
    start = time.time()
    with log.open("w") as f:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=f, text=True)
        out = proc.stdout.read() if proc.stdout else ""
        _, status, usage = os.wait4(proc.pid, 0)
        f.write(out)
    seconds = time.time() - start
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"command failed ({code}); see {log}")
    return out, seconds, usage.ru_maxrss / 1024**2  # KB -> GB
