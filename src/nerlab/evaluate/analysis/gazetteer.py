"""The gazetteer probe: does the model recognise a list of names it should know?

Each name of a list (``name<TAB>TYPE`` per line) is put into template sentences of its type
(``TYPE<TAB>sentence with {name}``); the model tags every sentence, and a name counts as found
when a predicted entity has exactly its words and its type. The result is the recall per
template, per name and per type, and the names missed most with what was predicted instead.

nerlab ships an example list (50 universities as ORG, 50 cities as LOC) and five templates per
CoNLL type (PER, ORG, LOC, MISC) under ``nerlab/evaluate/resources``.

Example:
    >>> names = read_names(example_names_path(), ["LOC", "ORG", "PER", "MISC"])
    >>> templates = read_templates(None, ["LOC", "ORG", "PER", "MISC"])
    >>> sentences = build_sentences(names, templates)
    >>> sentences[0].words[:3]
    ['Harvard', 'University', 'announced']
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from nerlab.data.schemes import decode_lenient
from nerlab.data.textfile import read_text
from nerlab.data.words import split_words
from nerlab.errors import DataError

SLOT = "{name}"


@dataclass(frozen=True)
class Name:
    """One name of the list: its words, its expected type and where it was read."""

    words: tuple[str, ...]
    type: str
    line: int

    @property
    def text(self) -> str:
        return " ".join(self.words)


@dataclass(frozen=True)
class Template:
    """One template sentence of a type (``{name}`` marks where the name goes)."""

    type: str
    text: str
    line: int


@dataclass(frozen=True)
class Probe:
    """A template filled with a name: the words and where the name sits in them."""

    words: list[str]
    name: Name
    template: Template
    start: int
    end: int


def example_names_path() -> Path:
    """The example list shipped with nerlab (50 universities as ORG, 50 cities as LOC)."""
    return Path(str(resources.files("nerlab.evaluate").joinpath("resources/names_example.tsv")))


def builtin_templates_path() -> Path:
    """The built-in templates (five per CoNLL type)."""
    return Path(str(resources.files("nerlab.evaluate").joinpath("resources/templates.tsv")))


def _rows(path: Path) -> list[tuple[int, str]]:
    """Non-empty, non-comment lines of a UTF-8 text file with their 1-based line numbers."""
    return [
        (i, line.strip())
        for i, line in enumerate(read_text(path).split("\n"), start=1)
        if line.strip() and not line.lstrip().startswith("#")
    ]


def _check_type(typ: str, types: Sequence[str], path: Path, line: int, what: str) -> None:
    if typ not in types:
        raise DataError(
            f"{what} type {typ!r} is not one of the model's entity types "
            f"({', '.join(sorted(types))}); fix the type or leave the line out",
            path,
            line,
        )


def read_names(path: str | Path, types: Sequence[str] | None) -> list[Name]:
    """Read ``name<TAB>TYPE`` lines (``#`` comments and blank lines skipped).

    Args:
        path: the file.
        types: the model's entity types (``None``: any type is accepted).

    Raises:
        DataError: a line without a TAB, an empty name, a type the model does not have
            (naming file:line and the allowed types), or a file without any name.
    """
    path = Path(path)
    names = []
    for line, text in _rows(path):
        name, sep, typ = text.rpartition("\t")
        if not sep or not name.strip():
            raise DataError(
                "expected a name, a TAB and its entity type (Paris<TAB>LOC)", path, line
            )
        if types is not None:
            _check_type(typ.strip(), types, path, line, "entity")
        words = tuple(w for w, _, _ in split_words(name))
        names.append(Name(words, typ.strip(), line))
    if not names:
        raise DataError("no names: each line is a name, a TAB and its type (Paris<TAB>LOC)", path)
    return names


def read_templates(path: str | Path | None, types: Sequence[str]) -> dict[str, list[Template]]:
    """Read ``TYPE<TAB>sentence with {name}`` lines; ``None`` reads the built-in templates.

    The built-in file has templates for PER, ORG, LOC and MISC; those of types the model does
    not have are left out. A user's file must only name the model's types.

    Raises:
        DataError: an empty file, a line without a TAB or without exactly one ``{name}``, or
            (user file) an unknown type, naming file:line.
    """
    builtin = path is None
    source = builtin_templates_path() if builtin else Path(path)
    out: dict[str, list[Template]] = defaultdict(list)
    rows = _rows(source)
    if not rows:
        raise DataError(
            "no templates: each line is an entity type, a TAB and a sentence with {name} "
            "(LOC<TAB>The meeting was held in {name} .)",
            source,
        )
    for line, text in rows:
        typ, sep, sentence = text.partition("\t")
        if not sep or sentence.count(SLOT) != 1:
            raise DataError(
                "expected an entity type, a TAB and a sentence with {name} once "
                "(LOC<TAB>The meeting was held in {name} .)",
                source,
                line,
            )
        typ = typ.strip()
        if builtin and typ not in types:
            continue
        _check_type(typ, types, source, line, "template")
        out[typ].append(Template(typ, sentence.strip(), line))
    return dict(out)


def build_sentences(names: Sequence[Name], templates: dict[str, list[Template]]) -> list[Probe]:
    """Every name in every template of its type, split into words as CoNLL data is.

    Raises:
        DataError: a type of the names that has no template (give ``--templates``).
    """
    missing = sorted({n.type for n in names} - set(templates))
    if missing:
        raise DataError(
            f"no template for the type(s) {', '.join(missing)} of the names; give a "
            "--templates file with lines TYPE<TAB>sentence with {name}"
        )
    out = []
    for name in names:
        for t in templates[name.type]:
            left, right = t.text.split(SLOT)
            before = [w for w, _, _ in split_words(left)]
            after = [w for w, _, _ in split_words(right)]
            words = [*before, *name.words, *after]
            out.append(Probe(words, name, t, len(before), len(before) + len(name.words)))
    return out


def gold_tags(probe: Probe) -> list[str]:
    """IOB2 tags of a filled template: the name tagged with its type, the rest ``O``."""
    tags = ["O"] * len(probe.words)
    tags[probe.start] = f"B-{probe.name.type}"
    for i in range(probe.start + 1, probe.end):
        tags[i] = f"I-{probe.name.type}"
    return tags


def _seen_as(tags: list[str]) -> str:
    """How the name's words were tagged, in short (``O``, ``ORG``, ``B-LOC I-ORG``...)."""
    if all(t == "O" for t in tags):
        return "O"
    types = {t[2:] for t in tags if t != "O"}
    if len(types) == 1 and tags[0].startswith("B-") and "O" not in tags:
        return types.pop()
    return " ".join(tags)


def score(probes: Sequence[Probe], pred: Sequence[list[str]], worst: int = 15) -> dict[str, Any]:
    """Recall of the names overall, per type, per template and per name; the most missed.

    Args:
        probes: the filled templates; ``pred``: the predicted tags of each.
        worst: how many of the most-missed names to list.
    """
    found = [
        (p.name.type, p.start, p.end) in decode_lenient(p_tags)
        for p, p_tags in zip(probes, pred, strict=True)
    ]
    by: dict[str, dict[str, list[int]]] = {
        k: defaultdict(lambda: [0, 0]) for k in ("type", "template", "name")
    }
    seen_as: dict[str, Counter[str]] = defaultdict(Counter)
    for p, ok, p_tags in zip(probes, found, pred, strict=True):
        keys = (("type", p.name.type), ("template", p.template.text), ("name", p.name.text))
        for key, value in keys:
            by[key][value][0] += ok
            by[key][value][1] += 1
        if not ok:
            seen_as[p.name.text][_seen_as(p_tags[p.start : p.end])] += 1

    def rows(key: str) -> list[dict[str, Any]]:
        return [{key: k, "found": f, "total": n, "recall": f / n} for k, (f, n) in by[key].items()]

    names = sorted(rows("name"), key=lambda r: (r["recall"], r["name"]))
    types = {p.name.text: p.name.type for p in probes}
    missed = [
        {**r, "type": types[r["name"]], "predicted_as": seen_as[r["name"]].most_common(1)[0][0]}
        for r in names[:worst]
        if r["found"] < r["total"]
    ]
    return {
        "sentences": len(probes),
        "names": len(by["name"]),
        "recall": sum(found) / len(found) if found else 0.0,
        "per_type": rows("type"),
        "per_template": rows("template"),
        "per_name": names,
        "most_missed": missed,
    }
