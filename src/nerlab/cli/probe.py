"""The ``nerlab probe`` command: rewrite the data, predict again, measure the drop."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from nerlab.cli._util import parse_column
from nerlab.cli.analyze import MapOption, PrecisionOption, TagColumnOption

if TYPE_CHECKING:
    from nerlab.evaluate.analysis import ProbeRun


def probe_cmd(
    model: Annotated[Path, typer.Argument(help="Model folder written by `nerlab train`.")],
    data: Annotated[Path, typer.Argument(help="Labelled data (CoNLL, JSONL, CSV/TSV, HF).")],
    probe: Annotated[
        list[str],
        typer.Option(
            "--probe",
            help="casing, swap, unseen, gazetteer, other, or all (repeat or comma-separate).",
        ),
    ],
    train: Annotated[
        Path | None,
        typer.Option(
            help="Training file for swap and unseen (default: the one recorded with the model)."
        ),
    ] = None,
    names: Annotated[
        Path | None,
        typer.Option(
            help="name<TAB>TYPE lines for gazetteer (default: the shipped example of "
            "50 universities and 50 cities) and swap (default: TRAIN's entities)."
        ),
    ] = None,
    templates: Annotated[
        Path | None,
        typer.Option(
            help="TYPE<TAB>sentence with {name} lines for gazetteer (default: built-in, "
            "five per CoNLL type)."
        ),
    ] = None,
    other: Annotated[
        Path | None,
        typer.Option(
            help="Another labelled test set for the `other` probe (map its labels with --map)."
        ),
    ] = None,
    mapping: MapOption = None,
    seed: Annotated[int, typer.Option(help="Seed of the swap probe.")] = 0,
    report: Annotated[
        Path | None,
        typer.Option(help="Write probes.json, probes.png and a self-contained probes.html here."),
    ] = None,
    tag_column: TagColumnOption = "-1",
    precision: PrecisionOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print probes.json.")] = False,
    digits: Annotated[int, typer.Option(min=1, max=10, help="Digits shown in tables.")] = 4,
) -> None:
    """Probe a tagger: F1 with the casing changed, names swapped, on unseen entities, on a
    gazetteer in template sentences, on another test set; each with its drop."""
    from nerlab.evaluate.analysis import parse_map, run_probes

    err = Console(stderr=True)
    with err.status("loading the model", spinner="dots") as status:

        def step(what: str) -> None:
            status.update(f"predicting {what}")

        run = run_probes(
            model,
            data,
            probe,
            train=train,
            names=names,
            templates=templates,
            other=other,
            mapping=parse_map(mapping),
            seed=seed,
            tag_column=parse_column(tag_column),
            precision=precision,
            report_dir=report,
            step=step,
        )
    if as_json:
        typer.echo(json.dumps(run.to_dict(), indent=2, ensure_ascii=False))
        return
    console = Console()
    render_probes(run, console, digits)
    if report is not None:
        console.print(
            f"report written to {escape(str(report))} (probes.html, probes.json, probes.png)"
        )


def render_probes(run: ProbeRun, console: Console, digits: int = 4) -> None:
    """Print the probe table, then the gazetteer's tables when it ran."""
    for note in run.notes:
        console.print(f"[yellow]note:[/] {escape(note)}", soft_wrap=True)
    table = Table(title=f"probes (entity F1 on DATA: {run.f1:.{digits}f})", title_justify="left")
    for name in ("probe", "metric", "original", "probed", "drop", "entities"):
        table.add_column(name, justify="left" if name in ("probe", "metric") else "right")
    for r in run.results:
        drop = f"{r.drop:+.{digits}f}"
        table.add_row(
            escape(r.name),
            r.metric,
            f"{r.original:.{digits}f}",
            f"{r.probed:.{digits}f}",
            drop,
            str(r.entities),
        )
    console.print(table)
    for r in run.results:
        if r.name == "gazetteer":
            _gazetteer(r.details, console, digits)


def _gazetteer(details: dict, console: Console, digits: int) -> None:
    per = Table(
        title=f"gazetteer: recall per template ({escape(details['names_from'])})",
        title_justify="left",
    )
    for name in ("template", "found", "sentences", "recall"):
        per.add_column(name, justify="left" if name == "template" else "right")
    for r in details["per_template"]:
        per.add_row(
            escape(r["template"]), str(r["found"]), str(r["total"]), f"{r['recall']:.{digits}f}"
        )
    console.print(per)
    missed = Table(title="gazetteer: names missed most", title_justify="left")
    for name in ("name", "type", "found", "recall", "predicted instead"):
        missed.add_column(name, justify="right" if name in ("found", "recall") else "left")
    for r in details["most_missed"]:
        missed.add_row(
            escape(r["name"]),
            r["type"],
            f"{r['found']}/{r['total']}",
            f"{r['recall']:.{digits}f}",
            escape(r["predicted_as"]),
        )
    console.print(missed)


def register(app: typer.Typer) -> None:
    """Add ``nerlab probe`` to the app."""
    app.command("probe")(probe_cmd)
