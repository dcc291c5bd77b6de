"""Cross-lingual transfer (``nerlab xlingual``): train on some languages, test on all.

Strategies: ``zero-shot`` (one source language), ``each`` (one model per language), ``all``
(the union), ``mix`` (a seeded downsample to given shares) and ``sizes`` (a learning curve on a
target language next to the zero-shot line). Each cell is one :func:`nerlab.train` call on files
written into the run folder, scored on every language's test file; the run resumes cell by
cell. See ``docs/xlingual.md``.
"""

from __future__ import annotations

from nerlab.training.xlingual.options import (
    STRATEGIES,
    XlingualConfig,
    default_data_dir,
    parse_list,
    parse_pairs,
    parse_shares,
    parse_sizes,
)
from nerlab.training.xlingual.report import Matrix
from nerlab.training.xlingual.run import CellStatus, XlingualResult, describe_sets, run_xlingual

__all__ = [
    "STRATEGIES",
    "CellStatus",
    "Matrix",
    "XlingualConfig",
    "XlingualResult",
    "default_data_dir",
    "describe_sets",
    "parse_list",
    "parse_pairs",
    "parse_shares",
    "parse_sizes",
    "run_xlingual",
]
