"""Labelled files for analysis and probes: read with the scheme said, labels mapped explicitly.

Two rules hold for every file ``nerlab analyze`` and ``nerlab probe`` read:

- a file in another tag scheme (IOB1, IOBES, BILOU) is converted to IOB2 and the conversion is
  *said* (a note in the terminal output and in ``analysis.json``), never done silently;
- a label the model does not know is an error that names it, with its count and first
  ``file:line``, unless ``--map`` says what it becomes (``person=PER``, ``MISC=O``). Nothing is
  dropped quietly.

The map renames entity *types* (or plain labels for POS-style models) on both sides: in the
gold tags of the file and in the model's predictions. ``MISC=O`` therefore removes MISC from
the comparison altogether, which is what scoring a CoNLL model on a test set without MISC needs.

Example:
    >>> mapping = parse_map("MISC=O,person=PER")
    >>> map_tags(["B-person", "I-person", "B-MISC"], mapping)
    ['B-PER', 'I-PER', 'O']
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from nerlab.data.corpus import Corpus
from nerlab.data.io import normalize_tags, read_corpus
from nerlab.data.schemes import parse_tag
from nerlab.errors import ConfigError, LabelError, where


@dataclass(frozen=True)
class Loaded:
    """A corpus read for analysis, with what happened on the way.

    Attributes:
        corpus: the sentences, span tags in IOB2.
        scheme_read: the scheme the file was written in (``None`` for plain labels).
        notes: what the user should know (a scheme conversion, a map applied).
    """

    corpus: Corpus
    scheme_read: str | None
    notes: tuple[str, ...] = ()


def load_labelled(
    path: str | Path, *, tag_column: int | str = -1, span: bool = True, what: str = "DATA"
) -> Loaded:
    """Read a labelled file; a scheme other than IOB2 is converted and a note says so.

    Args:
        path: any file ``nerlab.data.load_corpus`` reads (``demo:train`` for the demo corpus).
        tag_column: the tag column.
        span: span labels (NER) or plain labels (POS).
        what: how the user named the file, for the note (``DATA``, ``--train``).

    Raises:
        DataError: unreadable file or bad tags (naming file:line).
        LabelError: a file without tags.
    """
    if str(path).startswith("demo:"):
        from nerlab.data.demo import demo_path

        path = demo_path(str(path).removeprefix("demo:"))
    raw = read_corpus(path, tag_column=tag_column)
    corpus, scheme = normalize_tags(raw, "auto" if span else "none")
    if not any(s.tags for s in corpus):
        raise LabelError(f"{where(path)}: {what} has no tags (check --tag-column)")
    notes: tuple[str, ...] = ()
    if span and scheme not in (None, "IOB2"):
        notes = (f"{what} {path} is in {scheme}; its tags were converted to IOB2",)
    return Loaded(corpus, scheme, notes)


def parse_map(spec: str | Iterable[str] | None) -> dict[str, str]:
    """Parse ``--map`` values: ``OLD=NEW`` pairs, comma-separated or given several times.

    Raises:
        ConfigError: a pair without ``=``, an empty side, a tag prefix where a type belongs,
            or one label mapped to two different targets.

    Example:
        >>> parse_map(["MISC=O", "person=PER,location=LOC"])
        {'MISC': 'O', 'person': 'PER', 'location': 'LOC'}
    """
    if spec is None:
        return {}
    items = [spec] if isinstance(spec, str) else list(spec)
    mapping: dict[str, str] = {}
    for item in (p.strip() for s in items for p in s.split(",")):
        if not item:
            continue
        old, sep, new = (x.strip() for x in item.partition("="))
        if not sep or not old or not new:
            raise ConfigError(
                f"--map {item!r}: write OLD=NEW pairs such as person=PER or MISC=O, "
                "separated by commas"
            )
        if any(len(side) > 2 and side[1] == "-" and side[0] in "BIESLU" for side in (old, new)):
            raise ConfigError(
                f"--map {item!r}: map entity types, not tags (person=PER maps B-person and "
                "I-person to B-PER and I-PER)"
            )
        if mapping.get(old, new) != new:
            raise ConfigError(f"--map maps {old} twice: to {mapping[old]} and to {new}")
        mapping[old] = new
    return mapping


def map_tags(tags: Sequence[str], mapping: dict[str, str], span: bool = True) -> list[str]:
    """Rename the types of span tags (``B-person`` -> ``B-PER``; ``O`` target -> ``O``)."""
    if not mapping:
        return list(tags)
    if not span:
        return [mapping.get(t, t) for t in tags]
    out = []
    for tag in tags:
        prefix, typ = parse_tag(tag)
        new = mapping.get(typ, typ) if prefix != "O" else ""
        out.append("O" if prefix == "O" or new == "O" else f"{prefix}-{new}")
    return out


def _label_of(tag: str, span: bool) -> str:
    return parse_tag(tag)[1] if span else tag


def check_and_map(
    loaded: Loaded, model_labels: Sequence[str], mapping: dict[str, str], *, span: bool = True
) -> Loaded:
    """Apply ``mapping`` to the gold tags and check every label is one the model has.

    Args:
        loaded: the file read by :func:`load_labelled`.
        model_labels: the model's labels (``B-PER``... or plain tags).
        mapping: from :func:`parse_map`; its targets must be model types (or ``O``).
        span: span labels (types are mapped) or plain labels.

    Returns:
        The corpus with mapped tags and a note listing what was mapped.

    Raises:
        ConfigError: a map target the model does not have.
        LabelError: labels of the file the model lacks and the map does not cover, each named
            with its count and first ``file:line``, with the ``--map`` that would fix it.
    """
    known = {_label_of(t, span) for t in model_labels} - {""}
    bad_targets = sorted({v for v in mapping.values() if v != "O" and v not in known})
    if bad_targets:
        raise ConfigError(
            f"--map targets the model does not have: {', '.join(bad_targets)}; its labels are "
            f"{', '.join(sorted(known))} (or O to drop a label)"
        )
    corpus = loaded.corpus
    counts: Counter[str] = Counter()
    first: dict[str, str] = {}
    for s in corpus:
        for i, tag in enumerate(s.tags):
            label = _label_of(tag, span)
            if label and label not in known and label not in mapping:
                counts[label] += 1
                first.setdefault(label, where(s.path, s.word_line(i)))
    if counts:
        listing = "; ".join(f"{t} ({n}x, first at {first[t]})" for t, n in counts.most_common())
        example = ",".join(f"{t}={_closest(t, known)}" for t in list(counts)[:2])
        raise LabelError(
            f"{where(corpus.path)}: {len(counts)} label(s) the model does not have: {listing}. "
            f"The model's labels are {', '.join(sorted(known))}. Say what each becomes with "
            f"--map (for example --map {example}; O drops a label)."
        )
    if not mapping:
        return loaded
    used = Counter(_label_of(t, span) for s in corpus for t in s.tags)
    sentences = [replace(s, tags=map_tags(s.tags, mapping, span)) for s in corpus]
    done = ", ".join(f"{k}->{v} ({used[k]} tags)" for k, v in mapping.items())
    note = f"labels mapped in {where(corpus.path)} and in the predictions: {done}"
    return Loaded(replace(corpus, sentences=sentences), loaded.scheme_read, (*loaded.notes, note))


def _closest(label: str, known: set[str]) -> str:
    """A plausible target for the example in the error: same first letter, else ``O``."""
    for k in sorted(known):
        if k[:1].lower() == label[:1].lower():
            return k
    return "O"
