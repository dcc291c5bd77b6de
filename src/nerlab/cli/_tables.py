"""The rich table of report rows (:class:`~nerlab.metrics.scores.Row`), the terminal's renderer
beside the text, Markdown and HTML ones of :mod:`nerlab.metrics.render`.

A module of its own so that the task renderers (``_classification``) and the shared helpers
(``_util``, which dispatches to them) both use it without importing each other.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.markup import escape
from rich.table import Table

from nerlab.metrics.render import COLUMNS, cells
from nerlab.metrics.scores import Row


def rows_table(title: str, rows: Sequence[Row], first: str = "type", digits: int = 4) -> Table:
    """A rich table of report rows (a rule after each section)."""
    table = Table(title=escape(title), title_justify="left")
    table.add_column(first)
    for name in COLUMNS:
        table.add_column(name, justify="right")
    for row in rows:
        table.add_row(escape(row.name), *cells(row, digits), end_section=row.section_end)
    return table
