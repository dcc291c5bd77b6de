"""Output formats of ``nerlab predict``, each a streaming writer over predicted documents.

- ``jsonl``: one JSON object per input document, in input order: ``{"text", "entities"}``
  (JSONL/JSON input: the input object with ``entities`` set to the predictions, and ``tags``
  for a ``tokens`` record; CoNLL input: also ``words`` and ``tags``, plus the input's other
  ``columns`` and its ``docstart`` line where it had them). A line that could not be read gives
  the fields of it that parsed plus ``{"line", "error"}``, so output line ``k`` always belongs
  to input document ``k`` and nothing of the input is lost.
- ``conll``: one word per line, the input's columns (CoNLL input) then the predicted tag,
  sentences separated by a blank line, the input's ``-DOCSTART-`` lines kept (with an ``O``
  for the predicted column). TAB-separated if a value contains whitespace, else
  space-separated. Empty documents and unreadable lines have no words and are left out.
- ``pretty``: the texts with coloured, labelled entities (rich), for a terminal.
- ``html``: a standalone HTML page with highlighted entities; all text is escaped.

A text classifier's writers (:func:`make_writer` with ``task="text-classification"``):

- ``jsonl``: the input object (or ``{"text"}`` for a text line) plus the predicted ``label``,
  its ``score``, the predicted ``labels`` (multi-label: every class at or above its threshold)
  and ``scores`` (class -> probability, most probable first: all classes, or the top k). An
  input field of one of these names is kept under ``input_<name>`` (a labelled file's
  ``label`` becomes ``input_label``), so nothing of the input is lost. Unreadable lines as
  for taggers.
- ``pretty``: a table (line, text, label, score, the other classes' scores).
- ``html``: a standalone page showing each text with one bar per class (width = probability,
  predicted classes in bold), no external asset.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Sequence
from typing import Any, TextIO

from rich.console import Console
from rich.text import Text

from nerlab.data.jsontext import dumps
from nerlab.errors import ConfigError
from nerlab.inference.documents import Document
from nerlab.inference.predictor import Classification, Tagged

OUTPUT_FORMATS = ("jsonl", "conll", "pretty", "html")
CLASSIFICATION_FORMATS = ("jsonl", "pretty", "html")
TEXT_TASK = "text-classification"
CLASS_FIELDS = ("label", "score", "labels", "scores")
_PALETTE = ("#ffd166", "#8ecae6", "#b5e48c", "#f4a3c0", "#cdb4db", "#ffb4a2", "#a8dadc")
_STYLES = ("black on yellow", "black on cyan", "black on green", "black on magenta")
_STYLES += ("white on blue", "black on bright_red", "black on bright_cyan")
_WS = re.compile(r"\s")


def _pick(label: str, choices: Sequence[str]) -> str:
    """A colour per label, stable across runs (not Python's salted ``hash``)."""
    digest = hashlib.blake2b(label.encode("utf-8"), digest_size=2).digest()
    return choices[int.from_bytes(digest, "big") % len(choices)]


class Writer:
    """Writes predicted documents to ``out`` in one format."""

    def __init__(self, out: TextIO):
        self.out = out

    def start(self) -> None:
        """Write what comes before the first document."""

    def write(self, doc: Document, tagged: Tagged | None) -> None:
        """Write one document (``tagged`` is ``None`` when ``doc.error`` is set)."""
        raise NotImplementedError

    def finish(self) -> None:
        """Write what comes after the last document."""


class JsonlWriter(Writer):
    def write(self, doc: Document, tagged: Tagged | None) -> None:
        record: dict[str, Any] = dict(doc.record or {})
        if tagged is None:
            record.update(line=doc.line, error=doc.error)
        elif doc.record is not None:
            record["text"] = tagged.text
            if doc.words is not None:
                record["tags"] = tagged.tags
            record["entities"] = tagged.entities
        elif doc.words is not None:
            record = {"text": tagged.text, "words": doc.words, "tags": tagged.tags}
            record["entities"] = tagged.entities
            if doc.columns:
                record["columns"] = doc.columns
            if doc.docstart is not None:
                record["docstart"] = doc.docstart
        else:
            record = {"text": tagged.text, "entities": tagged.entities}
        self.out.write(dumps(record) + "\n")


class ConllWriter(Writer):
    def write(self, doc: Document, tagged: Tagged | None) -> None:
        if tagged is None or not tagged.words:
            return
        cols = [[w for w, _, _ in tagged.words], *doc.columns, tagged.tags]
        rows = list(zip(*cols, strict=True))
        sep = "\t" if any(_WS.search(v) for row in rows for v in row) else " "
        if doc.docstart is not None:
            fields = doc.docstart.split()
            if len(fields) == len(cols) - 1:  # as the input's rows: add the predicted column
                fields.append("O")
            self.out.write(sep.join(fields) + "\n\n")
        self.out.write("".join(sep.join(row) + "\n" for row in rows) + "\n")


class PrettyWriter(Writer):
    """Coloured entities with their labels; plain text (no escapes) when not a terminal."""

    def __init__(self, out: TextIO, color: bool | None = None):
        super().__init__(out)
        self.console = Console(file=out, force_terminal=color, highlight=False, soft_wrap=True)

    def write(self, doc: Document, tagged: Tagged | None) -> None:
        if tagged is None:
            self.console.print(Text(f"[line {doc.line}] {doc.error}", style="red"))
            return
        text = Text()
        pos = 0
        for ent in tagged.entities:
            text.append(tagged.text[pos : ent["start"]])
            style = _pick(ent["label"], _STYLES)
            text.append(ent["text"], style=style)
            text.append(f" {ent['label']}", style=f"bold {style}")
            pos = ent["end"]
        text.append(tagged.text[pos:])
        self.console.print(text)


class HtmlWriter(Writer):
    """A standalone page: one paragraph per document, entities as ``<mark>`` elements."""

    def __init__(self, out: TextIO, title: str = "nerlab predictions"):
        super().__init__(out)
        self.title = title
        self.labels: dict[str, str] = {}

    def start(self) -> None:
        self.out.write(
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{html.escape(self.title)}</title>\n<style>\n"
            "body{font-family:system-ui,sans-serif;line-height:2.2;max-width:60em;margin:2em auto}"
            "\np.doc{white-space:pre-wrap;border-bottom:1px solid #eee;padding:.3em 0}"
            "\nmark{padding:.1em .3em;border-radius:.3em}"
            "\nmark .label{font-size:.7em;font-weight:bold;margin-left:.4em;opacity:.8}"
            "\np.error{color:#b00020}\n</style>\n</head>\n<body>\n"
            f"<h1>{html.escape(self.title)}</h1>\n"
        )

    def write(self, doc: Document, tagged: Tagged | None) -> None:
        if tagged is None:
            self.out.write(f'<p class="error">{html.escape(doc.error or "")}</p>\n')
            return
        parts: list[str] = []
        pos = 0
        for ent in tagged.entities:
            parts.append(html.escape(tagged.text[pos : ent["start"]]))
            label = html.escape(ent["label"], quote=True)
            colour = self.labels.setdefault(ent["label"], _pick(ent["label"], _PALETTE))
            parts.append(
                f'<mark class="entity" data-label="{label}" style="background:{colour}" '
                f'title="{label} {ent["score"]:.3f}">{html.escape(ent["text"])}'
                f'<span class="label">{label}</span></mark>'
            )
            pos = ent["end"]
        parts.append(html.escape(tagged.text[pos:]))
        self.out.write(f'<p class="doc" data-line="{doc.line}">{"".join(parts)}</p>\n')

    def finish(self) -> None:
        self.out.write("</body>\n</html>\n")


class ClassJsonlWriter(Writer):
    """A text classifier's JSONL: the input record plus ``label``, ``score``, ``labels``,
    ``scores``."""

    def write(self, doc: Document, result: Classification | None) -> None:  # type: ignore[override]
        record: dict[str, Any] = dict(doc.record or {})
        if result is None:
            record.update(line=doc.line, error=doc.error)
        else:
            if doc.record is None:
                record = {"text": doc.text}
            for name in CLASS_FIELDS:
                if name in record:  # an input field of that name is kept, not overwritten
                    kept = f"input_{name}"
                    while kept in record:
                        kept = f"input_{kept}"
                    record[kept] = record.pop(name)
            record.update(result)
        self.out.write(dumps(record) + "\n")


class ClassPrettyWriter(Writer):
    """A table of texts and their classes; printed every :attr:`rows` texts, so memory stays
    bounded on a long input."""

    rows = 500

    def __init__(self, out: TextIO, color: bool | None = None):
        super().__init__(out)
        self.console = Console(file=out, force_terminal=color, highlight=False, soft_wrap=False)
        self.pending: list[tuple[Document, Classification | None]] = []

    def write(self, doc: Document, result: Classification | None) -> None:  # type: ignore[override]
        self.pending.append((doc, result))
        if len(self.pending) >= self.rows:
            self._flush()

    def finish(self) -> None:
        if self.pending:
            self._flush()

    def _flush(self) -> None:
        from rich.table import Table

        table = Table(show_lines=False)
        table.add_column("line", justify="right")
        table.add_column("text", overflow="fold", ratio=3)
        table.add_column("label")
        table.add_column("score", justify="right")
        table.add_column("other classes", overflow="fold", ratio=2)
        for doc, result in self.pending:
            if result is None:
                table.add_row(str(doc.line), Text(doc.error or "", style="red"), "", "", "")
                continue
            label = Text(", ".join(result["labels"]) or f"({result['label']})")
            label.stylize(f"bold {_pick(result['label'], _STYLES)}")
            others = [f"{k} {v:.3f}" for k, v in result["scores"].items() if k != result["label"]]
            table.add_row(
                str(doc.line),
                Text(doc.text or ""),
                label,
                f"{result['score']:.3f}",
                Text(", ".join(others)),
            )
        self.console.print(table)
        self.pending = []


class ClassHtmlWriter(HtmlWriter):
    """A standalone page: each text, then one bar per class (width = probability)."""

    def start(self) -> None:
        self.out.write(
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{html.escape(self.title)}</title>\n<style>\n"
            "body{font-family:system-ui,sans-serif;line-height:1.5;max-width:60em;margin:2em auto}"
            "\nsection.doc{border-bottom:1px solid #eee;padding:.6em 0}"
            "\np.text{white-space:pre-wrap;margin:.2em 0 .5em}"
            "\n.bar{display:grid;grid-template-columns:10em 1fr 4em;gap:.6em;align-items:center;"
            "font-size:.9em}"
            "\n.bar.predicted .name{font-weight:bold}"
            "\n.track{background:#f0f0f0;border-radius:.3em;height:1em;overflow:hidden}"
            "\n.fill{display:block;height:100%;border-radius:.3em}"
            "\n.value{text-align:right;font-variant-numeric:tabular-nums}"
            "\np.error{color:#b00020}\n</style>\n</head>\n<body>\n"
            f"<h1>{html.escape(self.title)}</h1>\n"
        )

    def write(self, doc: Document, result: Classification | None) -> None:  # type: ignore[override]
        if result is None:
            self.out.write(f'<p class="error">{html.escape(doc.error or "")}</p>\n')
            return
        chosen = set(result["labels"])
        bars = []
        for label, score in result["scores"].items():
            name = html.escape(label, quote=True)
            # Colours in order of first sight: distinct for up to 7 classes on one page.
            colour = self.labels.setdefault(label, _PALETTE[len(self.labels) % len(_PALETTE)])
            kind = "bar predicted" if label in chosen else "bar"
            bars.append(
                f'<div class="{kind}" data-label="{name}" data-score="{score:.6f}">'
                f'<span class="name">{name}</span><span class="track"><span class="fill" '
                f'style="width:{100 * score:.1f}%;background:{colour}"></span></span>'
                f'<span class="value">{score:.3f}</span></div>'
            )
        label = html.escape(result["label"], quote=True)
        self.out.write(
            f'<section class="doc" data-line="{doc.line}" data-label="{label}">'
            f'<p class="text">{html.escape(doc.text or "")}</p>{"".join(bars)}</section>\n'
        )


def make_writer(
    fmt: str, out: TextIO, color: bool | None = None, task: str = "token-classification"
) -> Writer:
    """The writer for ``fmt`` (one of :data:`OUTPUT_FORMATS`; a text classifier's ``task``:
    one of :data:`CLASSIFICATION_FORMATS`)."""
    if task == TEXT_TASK:
        if fmt == "jsonl":
            return ClassJsonlWriter(out)
        if fmt == "pretty":
            return ClassPrettyWriter(out, color)
        if fmt == "html":
            return ClassHtmlWriter(out)
        if fmt == "conll":
            raise ConfigError(
                "--format conll writes one tag per word, for token-classification models; "
                f"this model is a text classifier: use {', '.join(CLASSIFICATION_FORMATS)}"
            )
        raise ConfigError(
            f"unknown output format {fmt!r}; allowed: {', '.join(CLASSIFICATION_FORMATS)}"
        )
    if fmt == "jsonl":
        return JsonlWriter(out)
    if fmt == "conll":
        return ConllWriter(out)
    if fmt == "pretty":
        return PrettyWriter(out, color)
    if fmt == "html":
        return HtmlWriter(out)
    raise ConfigError(f"unknown output format {fmt!r}; allowed: {', '.join(OUTPUT_FORMATS)}")
