"""The report folder of ``nerlab probe``: ``probes.json``, ``probes.png`` and ``probes.html``.

``probes.html`` is self-contained like the analysis report: the table of every probe, the bar
chart inline, and the gazetteer's recall per template and its most-missed names.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from nerlab.evaluate.analysis.charts import png_bytes, probe_chart
from nerlab.evaluate.analysis.report_html import esc, img, page, section, table
from nerlab.evaluate.analysis.results import ProbeRun
from nerlab.files import check_output_dir, check_output_file, write_bytes_atomic, write_text_atomic

PROBE_FILES = ("probes.json", "probes.png", "probes.html")


def check_probe_dir(folder: str | Path, inputs: Sequence[str | Path | None]) -> None:
    """Check the report folder before any work (writable; no report file is an input)."""
    check_output_dir(folder, what="--report")
    for name in PROBE_FILES:
        check_output_file(Path(folder) / name, inputs=inputs, what="--report")


def chart_png(run: ProbeRun) -> bytes:
    """The bar chart of original against probed scores, as PNG bytes."""
    rs = run.results
    fig = probe_chart([r.name for r in rs], [r.original for r in rs], [r.probed for r in rs])
    return png_bytes(fig)


def _gazetteer(details: dict) -> str:
    templates = [
        (r["template"], r["found"], r["total"], r["recall"]) for r in details["per_template"]
    ]
    types = [(r["type"], r["found"], r["total"], r["recall"]) for r in details["per_type"]]
    missed = [
        (r["name"], r["type"], r["found"], r["total"], r["recall"], r["predicted_as"])
        for r in details["most_missed"]
    ]
    head = ["found", "sentences", "recall"]
    return (
        f"<p>names: {esc(details['names_from'])}</p>"
        + "<h3>recall per type</h3>"
        + table(["type", *head], types)
        + "<h3>recall per template</h3>"
        + table(["template", *head], templates)
        + "<h3>names missed most</h3>"
        + table(["name", "type", *head, "predicted instead (most often)"], missed)
    )


def render(run: ProbeRun, chart: bytes) -> str:
    """The page of a probe run."""
    rows = [(r.name, r.metric, r.original, r.probed, r.drop, r.entities) for r in run.results]
    body = table(["probe", "metric", "original", "probed", "drop", "entities"], rows)
    sections = [
        section(
            "probes",
            "Probes",
            body + img(chart, "probe scores"),
            "original: the same score on DATA as it is; drop = original - probed",
        )
    ]
    if run.notes:
        notes = "".join(f"<li>{esc(n)}</li>" for n in run.notes)
        sections.insert(0, section("notes", "Notes", f'<ul class="notes">{notes}</ul>'))
    for r in run.results:
        if r.name == "gazetteer":
            sections.append(section("gazetteer", "Gazetteer", _gazetteer(r.details)))
    sources = "".join(f"<p>{esc(k)}: {esc(v)}</p>" for k, v in run.sources.items() if v)
    header = f"<h1>nerlab probe</h1>{sources}<p>entity F1 on DATA: {run.f1:.4f}</p>"
    return page("nerlab probes", header, sections)


def write_probe_report(run: ProbeRun, folder: str | Path) -> list[Path]:
    """Write ``probes.json``, ``probes.png`` and ``probes.html`` into ``folder``."""
    folder = Path(folder)
    chart = chart_png(run)
    text = json.dumps(run.to_dict(), indent=2, ensure_ascii=False) + "\n"
    return [
        write_text_atomic(folder / "probes.json", text),
        write_bytes_atomic(folder / "probes.png", chart),
        write_text_atomic(folder / "probes.html", render(run, chart)),
    ]
