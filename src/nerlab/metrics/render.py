"""Renderers of report rows (:class:`~nerlab.metrics.scores.Row`): plain text, Markdown, HTML.

Reports build their rows once (``report.rows()``); each medium has one renderer here. JSON is
the reports' ``to_dict()``; the terminal's rich table is drawn from the same rows by the CLI.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from nerlab.metrics.scores import Row

COLUMNS = ("precision", "recall", "f1", "support", "predicted", "correct")


def cells(row: Row, digits: int = 4) -> list[str]:
    """The cells of a row after its name, in :data:`COLUMNS` order, formatted."""
    s = row.scores
    nums = [f"{x:.{digits}f}" for x in (s.precision, s.recall, s.f1)]
    if row.f1_only:
        nums[:2] = ["", ""]
    return [*nums, str(s.support), str(s.predicted), str(s.correct)]


def to_text(rows: Sequence[Row], digits: int = 4) -> str:
    """A plain-text table like seqeval's and scikit-learn's ``classification_report``."""
    width = max([len(r.name) for r in rows] + [len("weighted avg")])
    head = f"{'':>{width}}  {'precision':>9} {'recall':>9} {'f1-score':>9} {'support':>9}"
    lines = [head, ""]
    for r in rows:
        s = r.scores
        p, rc = ("", "") if r.f1_only else (f"{s.precision:.{digits}f}", f"{s.recall:.{digits}f}")
        lines.append(f"{r.name:>{width}}  {p:>9} {rc:>9} {s.f1:>9.{digits}f} {s.support:>9}")
        if r.section_end:
            lines.append("")
    return "\n".join(lines).rstrip("\n")


def to_markdown(rows: Sequence[Row], first: str = "type", digits: int = 4) -> str:
    """A Markdown table (the model card's)."""
    lines = [f"| {first} | {' | '.join(COLUMNS)} |", "|---" + "|---:" * len(COLUMNS) + "|"]
    lines += [f"| {r.name} | {' | '.join(cells(r, digits))} |" for r in rows]
    return "\n".join(lines)


def to_html(rows: Sequence[Row], first: str = "type", digits: int = 4) -> str:
    """An HTML ``<table>`` (self-contained reports)."""
    head = "".join(f"<th>{html.escape(c)}</th>" for c in (first, *COLUMNS))
    body = []
    for r in rows:
        style = ' class="section-end"' if r.section_end else ""
        tds = "".join(f"<td>{c}</td>" for c in cells(r, digits))
        body.append(f"<tr{style}><th>{html.escape(r.name)}</th>{tds}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
