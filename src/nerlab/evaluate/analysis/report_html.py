"""The report folder of ``nerlab analyze``: ``analysis.json``, the charts and ``report.html``.

``report.html`` is one self-contained page: the style is inlined, every chart is a base64 PNG
inside the page, there is no script and no link to anything outside, so it opens offline, by
mail, or years later. The charts are also written next to it as PNG files.

Example:
    >>> write_report(analyze("runs/minilm", "test.conll"), "analysis")  # doctest: +SKIP
    [PosixPath('analysis/analysis.json'), PosixPath('analysis/report.html'), ...]
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Iterable, Sequence
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from nerlab.evaluate.analysis.charts import bucket_chart, kinds_chart, png_bytes
from nerlab.files import check_output_dir, check_output_file, write_bytes_atomic, write_text_atomic
from nerlab.metrics.partial import KIND_NAMES, KINDS, SCHEMAS
from nerlab.metrics.render import to_html

if TYPE_CHECKING:
    from nerlab.evaluate.analysis.results import Analysis, SentenceView

REPORT_FILES = ("analysis.json", "report.html", "confusion.png", "error_kinds.png")


def style() -> str:
    """The report's CSS (package data)."""
    return resources.files("nerlab.evaluate").joinpath("resources/report.css").read_text("utf-8")


def esc(value: object) -> str:
    """HTML-escaped text of ``value``."""
    return html.escape(str(value))


def table(head: Sequence[str], rows: Iterable[Sequence[object]], cls: str = "") -> str:
    """An HTML table; the first cell of each row is a header cell; floats get 4 digits."""

    def cell(v: object) -> str:
        return f"{v:.4f}" if isinstance(v, float) else esc(v)

    ths = "".join(f"<th>{esc(h)}</th>" for h in head)
    body = "".join(
        f"<tr><th>{cell(r[0])}</th>{''.join(f'<td>{cell(v)}</td>' for v in r[1:])}</tr>"
        for r in rows
    )
    attr = f' class="{cls}"' if cls else ""
    return f"<table{attr}><thead><tr>{ths}</tr></thead><tbody>{body}</tbody></table>"


def img(png: bytes, alt: str) -> str:
    """An ``<img>`` holding ``png`` inline (base64), so the page needs no other file."""
    data = base64.b64encode(png).decode("ascii")
    return f'<img class="chart" alt="{esc(alt)}" src="data:image/png;base64,{data}">'


def page(title: str, header: str, sections: Sequence[str]) -> str:
    """A whole self-contained page."""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{esc(title)}</title><style>{style()}</style></head><body>"
        f"<header>{header}</header><main>{''.join(sections)}</main></body></html>\n"
    )


def section(ident: str, title: str, body: str, hint: str = "") -> str:
    """A titled ``<section>`` (``hint``: one line saying how to read it)."""
    note = f'<p class="hint">{esc(hint)}</p>' if hint else ""
    return f'<section id="{ident}"><h2>{esc(title)}</h2>{note}{body}</section>'


def _header(a: Analysis) -> str:
    strict = a.partial.overall["strict"].f1
    partial = a.partial.overall["partial"].f1
    kpis = [
        (f"{a.f1:.4f}", "entity F1 (conlleval)"),
        (f"{strict:.4f}", "strict F1 (SemEval)"),
        (f"{partial:.4f}", "partial F1"),
        (f"{a.mean_loss:.4f}", "mean word loss"),
        (f"{a.sentences} / {a.words}", "sentences / words"),
    ]
    sources = "".join(f"<p>{esc(k)}: {esc(v)}</p>" for k, v in a.sources.items() if v)
    boxes = "".join(f'<div class="kpi"><b>{esc(v)}</b><span>{esc(n)}</span></div>' for v, n in kpis)
    return f'<h1>nerlab analyze</h1>{sources}<div class="kpis">{boxes}</div>'


def _scores(a: Analysis) -> str:
    ev = a.evaluation
    parts = [
        f'<div class="cell"><h3>{esc(mode)} mode</h3>{to_html(rep.rows())}</div>'
        for mode, rep in (ev.entity or {}).items()
    ]
    body = f'<div class="grid">{"".join(parts)}</div><p>token accuracy: {ev.accuracy:.4f}</p>'
    return section("scores", "Entity scores", body)


def _partial(a: Analysis) -> str:
    head = [
        "schema",
        "correct",
        "incorrect",
        "partial",
        "missed",
        "spurious",
        "precision",
        "recall",
        "f1",
    ]
    rows = [
        (s, c.correct, c.incorrect, c.partial, c.missed, c.spurious, c.precision, c.recall, c.f1)
        for s, c in a.partial.overall.items()
    ]
    per_type = [(t, *(by[s].f1 for s in SCHEMAS)) for t, by in a.partial.per_type.items()]
    body = table(head, rows) + "<h3>F1 per type</h3>" + table(["type", *SCHEMAS], per_type)
    hint = (
        "strict: same boundaries and type; exact: same boundaries; partial: overlap "
        "(half credit unless exact); type: overlap with the same type (nervaluate's counts)"
    )
    return section("partial", "Partial-match scores (SemEval-2013)", body, hint)


def _kinds(a: Analysis, chart: bytes) -> str:
    kinds = a.partial.kinds
    rows = [(t, *(c[k] for k in KINDS)) for t, c in kinds.per_type.items()]
    rows.append(("total", *(kinds.total[k] for k in KINDS)))
    body = table(["type", *(KIND_NAMES[k] for k in KINDS)], rows) + img(chart, "error kinds")
    hint = (
        "each gold entity counted once by its kind; spurious: predictions that overlap no "
        "gold entity, by predicted type"
    )
    return section("kinds", "Error kinds", body, hint)


def _buckets(a: Analysis, charts: dict[str, bytes]) -> str:
    cells = []
    for t in a.buckets:
        rows = [(b.name, b.gold, b.predicted, b.precision, b.recall, b.f1) for b in t.buckets]
        tab = table(["bucket", "gold", "predicted", "precision", "recall", "f1"], rows)
        cells.append(
            f'<div class="cell"><h3>{esc(t.title)}</h3>{tab}{img(charts[t.key], t.title)}</div>'
        )
    hint = "recall over the bucket's gold entities, precision over its predicted entities"
    return section("buckets", "F1 per bucket", f'<div class="grid">{"".join(cells)}</div>', hint)


def _word_kinds(view: SentenceView) -> list[str]:
    kinds = [""] * len(view.words)
    for ents in (view.pred_entities, view.gold_entities):  # gold wins where both cover a word
        for _, s, e, k in ents:
            for i in range(s, e):
                kinds[i] = k
    return kinds


def _sentence(view: SentenceView) -> str:
    cells = []
    for w, g, p, loss, k in zip(
        view.words, view.gold, view.pred, view.word_loss, _word_kinds(view), strict=True
    ):
        cls = f' class="w k-{k}"' if k else ' class="w"'
        bad = ' class="bad"' if g != p else ""
        mark = f"{esc(p)} ✗" if g != p else esc(p)
        cells.append(
            f'<span{cls} title="loss {loss:.3f}">{esc(w)}<small>{esc(g)}</small>'
            f"<small{bad}>{mark}</small></span>"
        )
    where = f"{view.path}:{view.line}" if view.path else f"sentence {view.index + 1}"
    return (
        f'<div class="sentence"><div class="meta">loss {view.loss:.4f} · {esc(where)}</div>'
        f'<div class="words">{"".join(cells)}</div></div>'
    )


def _sentences(a: Analysis) -> str:
    legend = "".join(f'<span class="k-{k}">{esc(KIND_NAMES[k])}</span>' for k in KINDS)
    body = f'<div class="legend">{legend}</div>' + "".join(_sentence(v) for v in a.top)
    hint = "under each word: gold tag, then predicted tag (✗ where they differ); colour: error kind"
    return section("sentences", f"The {len(a.top)} highest-loss sentences", body, hint)


def _losses(a: Analysis) -> str:
    head = ["count", "mean loss", "total loss"]
    words = table(["word", *head], [(r.key, r.count, r.mean, r.total) for r in a.loss_by_word])
    labels = table(
        ["gold label", *head], [(r.key, r.count, r.mean, r.total) for r in a.loss_by_label]
    )
    body = (
        f'<div class="grid"><div class="cell"><h3>by word form</h3>{words}</div>'
        f'<div class="cell"><h3>by gold label</h3>{labels}</div></div>'
    )
    return section(
        "tokens", "Per-token loss", body, "cross-entropy of each word against its gold label"
    )


def render(a: Analysis, charts: dict[str, bytes]) -> str:
    """The page of an analysis; ``charts`` holds ``confusion``, ``kinds`` and each bucket key."""
    notes = "".join(f"<li>{esc(n)}</li>" for n in a.notes)
    sections = [
        section("notes", "Notes", f'<ul class="notes">{notes}</ul>') if a.notes else "",
        _scores(a),
        _partial(a),
        _kinds(a, charts["kinds"]),
        section(
            "confusion",
            "Entity type confusion",
            img(charts["confusion"], "confusion"),
            "rows gold, columns predicted; O: missed (column) or spurious (row)",
        ),
        _buckets(a, charts),
        _sentences(a),
        _losses(a),
    ]
    return page("nerlab analysis", _header(a), sections)


def report_files(a_buckets: Iterable[str], folder: str | Path) -> list[Path]:
    """Every file :func:`write_report` writes into ``folder``."""
    names = [*REPORT_FILES, *(f"bucket_{k}.png" for k in a_buckets)]
    return [Path(folder) / n for n in names]


def check_report_dir(folder: str | Path, inputs: Sequence[str | Path | None]) -> None:
    """Check the report folder before any work (writable; no report file is an input)."""
    from nerlab.evaluate.analysis.buckets import ATTRIBUTES

    check_output_dir(folder, what="--report")
    for path in report_files(ATTRIBUTES, folder):
        check_output_file(path, inputs=inputs, what="--report")


def write_report(a: Analysis, folder: str | Path) -> list[Path]:
    """Write ``analysis.json``, the charts (PNG) and ``report.html`` into ``folder``.

    Returns:
        The files written.
    """
    from nerlab.evaluate.plots import plot_confusion

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = [write_text_atomic(folder / "analysis.json", _json(a.to_dict()))]
    charts: dict[str, bytes] = {"kinds": png_bytes(kinds_chart(a.partial.kinds.per_type))}
    written.append(write_bytes_atomic(folder / "error_kinds.png", charts["kinds"]))
    assert a.evaluation.confusion is not None
    written.append(plot_confusion(a.evaluation.confusion, folder / "confusion.png"))
    charts["confusion"] = (folder / "confusion.png").read_bytes()
    for t in a.buckets:
        charts[t.key] = png_bytes(bucket_chart(t))
        written.append(write_bytes_atomic(folder / f"bucket_{t.key}.png", charts[t.key]))
    written.append(write_text_atomic(folder / "report.html", render(a, charts)))
    return written


def _json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
