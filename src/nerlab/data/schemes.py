"""Tag schemes for span tagging: parse tags, detect a scheme, convert, find invalid transitions.

nerlab works in IOB2 inside (every entity starts with ``B-``); readers detect the scheme of a
file and convert it with :func:`convert_tags`. The four schemes:

- ``IOB1``: an entity starts with ``I-``; ``B-`` only marks an entity that directly follows one
  of the same type (CoNLL-2003). A ``B-`` after ``O`` is redundant but accepted.
- ``IOB2``: every entity starts with ``B-`` and continues with ``I-``.
- ``IOBES``: ``B-`` begin, ``I-`` inside, ``E-`` end, ``S-`` single-word entity.
- ``BILOU``: the same with ``L-`` (last) for ``E-`` and ``U-`` (unit) for ``S-``.

Conversion decodes entities leniently, the way the conlleval script does (an ``I-`` after
``O`` or after another type starts an entity), and writes them in the target scheme, so it also
repairs broken transitions. :func:`invalid_transitions` reports those transitions instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

SCHEMES = ("IOB1", "IOB2", "IOBES", "BILOU")

PREFIXES = ("B", "I", "E", "S", "L", "U")

ALLOWED_PREFIXES = {
    "IOB1": frozenset("BIO"),
    "IOB2": frozenset("BIO"),
    "IOBES": frozenset("BIESO"),
    "BILOU": frozenset("BILUO"),
}
"""The prefixes each scheme uses (``O`` included)."""
# Prefixes that continue an entity (need an opener before) and that need a continuation after.
_ALLOWED = ALLOWED_PREFIXES
_CONTINUES = {"IOB1": frozenset(), "IOB2": frozenset("I"), "IOBES": frozenset("IE")}
_CONTINUES["BILOU"] = frozenset("IL")
_OPEN = {"IOB1": frozenset(), "IOB2": frozenset(), "IOBES": frozenset("BI")}
_OPEN["BILOU"] = frozenset("BI")

_TAG_CACHE: dict[str, tuple[str, str]] = {"O": ("O", "")}


def _invalid_tag(tag: object) -> ValueError:
    return ValueError(
        f"invalid tag {tag!r}: allowed are O or a prefix B-, I-, E-, S-, L-, U- followed by a type"
    )


def _names(prefixes: Iterable[str]) -> str:
    return ", ".join(f"{p}-" if p != "O" else "O" for p in sorted(prefixes))


def parse_tag(tag: str) -> tuple[str, str]:
    """Split a tag into its prefix and entity type.

    Args:
        tag: ``"O"`` or ``P-TYPE`` with ``P`` one of ``B I E S L U`` and a non-empty type.

    Returns:
        ``(prefix, type)``; ``("O", "")`` for ``"O"``.

    Raises:
        ValueError: the tag has another form; the message lists what is allowed.

    Example:
        >>> parse_tag("B-PER")
        ('B', 'PER')
    """
    parsed = _TAG_CACHE.get(tag)
    if parsed is not None:
        return parsed
    if not isinstance(tag, str) or len(tag) < 3 or tag[1] != "-" or tag[0] not in PREFIXES:
        raise _invalid_tag(tag)
    parsed = (tag[0], tag[2:])
    if len(_TAG_CACHE) < 100_000:
        _TAG_CACHE[tag] = parsed
    return parsed


def check_scheme(scheme: str, also: tuple[str, ...] = ()) -> str:
    """The canonical (upper-case) name of ``scheme``, the one check of scheme names.

    Args:
        scheme: a scheme name, any case.
        also: other accepted words (``"auto"``, ``"none"``), returned upper-case.

    Raises:
        ValueError: naming the value and every allowed name.
    """
    name = str(scheme).upper()
    if name not in SCHEMES and name not in {a.upper() for a in also}:
        allowed = ", ".join([*also, *SCHEMES])
        raise ValueError(f"unknown tag scheme {scheme!r}: allowed are {allowed}")
    return name


def detect_scheme(tag_seqs: Iterable[Sequence[str]]) -> str:
    """Guess the scheme of tagged sentences.

    ``E-``/``S-`` mean IOBES, ``L-``/``U-`` mean BILOU. With only ``B-``/``I-``/``O`` the data
    is IOB1 when more entities start with ``I-`` (after ``O`` or another type) than with a
    ``B-`` that does not follow an entity of its type; otherwise IOB2, so an IOB2 file with a
    few broken transitions is still IOB2 (and :func:`invalid_transitions` reports them). Data
    with no entities at all is IOB2.

    Args:
        tag_seqs: one list of tags per sentence.

    Returns:
        One of :data:`SCHEMES`.

    Raises:
        ValueError: a tag is malformed, or the data mixes ``E-``/``S-`` with ``L-``/``U-``.

    Example:
        >>> detect_scheme([["I-PER", "O", "I-LOC", "B-LOC"]])
        'IOB1'
    """
    prefixes: set[str] = set()
    i_starts = 0
    b_starts = 0
    for tags in tag_seqs:
        prev_p, prev_t = "O", ""
        for tag in tags:
            p, t = parse_tag(tag)
            prefixes.add(p)
            if p == "I" and (prev_p == "O" or prev_t != t):
                i_starts += 1
            elif p == "B" and (prev_p == "O" or prev_t != t):
                b_starts += 1
            prev_p, prev_t = p, t
    iobes, bilou = prefixes & set("ES"), prefixes & set("LU")
    if iobes and bilou:
        raise ValueError(
            f"tags mix IOBES prefixes ({_names(iobes)}) with BILOU prefixes ({_names(bilou)}); "
            "use one scheme"
        )
    if iobes:
        return "IOBES"
    if bilou:
        return "BILOU"
    return "IOB1" if i_starts > b_starts else "IOB2"


def invalid_transitions(tags: Sequence[str], scheme: str) -> list[int]:
    """Indices of the tags that break ``scheme``.

    A tag is reported when its prefix is not part of the scheme (``E-PER`` in IOB2), when it
    continues an entity that was not opened (``I-PER`` after ``O`` or after ``B-LOC`` in IOB2;
    ``E-``/``L-`` likewise in IOBES/BILOU), or, in IOBES/BILOU, when it opens or continues an
    entity that is not closed (``B-PER`` followed by ``O``, or at the end). IOB1 accepts any
    ``B``/``I``/``O`` sequence.

    Args:
        tags: the tags of one sentence.
        scheme: one of :data:`SCHEMES`.

    Returns:
        Sorted, distinct indices into ``tags``.

    Raises:
        ValueError: unknown scheme or malformed tag.

    Example:
        >>> invalid_transitions(["O", "I-PER", "B-LOC", "I-LOC"], "IOB2")
        [1]
    """
    scheme = check_scheme(scheme)
    allowed, continues, opens = _ALLOWED[scheme], _CONTINUES[scheme], _OPEN[scheme]
    parsed = [parse_tag(tag) for tag in tags]
    bad: set[int] = set()
    prev_p, prev_t = "O", ""
    for i, (p, t) in enumerate([*parsed, ("O", "")]):
        is_end = i == len(parsed)
        if not is_end and p not in allowed:
            bad.add(i)
        # After B-/I- in IOBES/BILOU an entity must go on with I- or end with E-/L-.
        if prev_p in opens and not (p in continues and t == prev_t):
            bad.add(i - 1)
        if not is_end and p in continues and not (prev_p in ("B", "I") and t == prev_t):
            bad.add(i)
        prev_p, prev_t = p, t
    return sorted(bad)


def decode_lenient(tags: Sequence[str]) -> list[tuple[str, int, int]]:
    """Entities ``(type, start, end_exclusive)`` read the way the conlleval script reads them.

    Works for every scheme: ``L-`` counts as ``E-`` and ``U-`` as ``S-``. An entity starts at
    ``B-``/``S-``, at an ``I-``/``E-`` after ``O``, ``E-``, ``S-`` or another type, and at any
    tag whose type differs from the previous one; it ends before ``B-``/``S-``/``O``, after
    ``E-``/``S-``, and where the type changes.

    Raises:
        ValueError: a tag is malformed.
    """
    entities: list[tuple[str, int, int]] = []
    start = -1
    prev_p, prev_t = "O", ""
    for i, tag in enumerate(tags):
        p, t = parse_tag(tag)
        if p == "L":
            p = "E"
        elif p == "U":
            p = "S"
        if start >= 0 and (prev_p in ("E", "S") or p in ("B", "S", "O") or prev_t != t):
            entities.append((prev_t, start, i))
            start = -1
        if p != "O" and start < 0:
            start = i
        prev_p, prev_t = p, t
    if start >= 0:
        entities.append((prev_t, start, len(tags)))
    return entities


def encode_entities(
    entities: Iterable[tuple[str, int, int]], length: int, scheme: str
) -> list[str]:
    """Write entities ``(type, start, end_exclusive)`` as ``length`` tags in ``scheme``.

    Entities must not overlap. In IOB1 an entity starts with ``B-`` only when the previous
    entity of the same type ends right before it.
    """
    scheme = check_scheme(scheme)
    tags = ["O"] * length
    single, last = ("U", "L") if scheme == "BILOU" else ("S", "E")
    prev_end, prev_type = -1, ""
    for etype, start, end in sorted(entities, key=lambda e: e[1]):
        if scheme == "IOB1":
            first = "B" if (prev_end == start and prev_type == etype) else "I"
        else:
            first = "B"
        for i in range(start, end):
            tags[i] = f"I-{etype}"
        tags[start] = f"{first}-{etype}"
        if scheme in ("IOBES", "BILOU"):
            if end - start == 1:
                tags[start] = f"{single}-{etype}"
            else:
                tags[end - 1] = f"{last}-{etype}"
        prev_end, prev_type = end, etype
    return tags


def convert_tags(tags: Sequence[str], src: str, dst: str) -> list[str]:
    """Convert one sentence's tags from scheme ``src`` to scheme ``dst``.

    Entities are decoded leniently (see :func:`decode_lenient`), so broken transitions are
    repaired on the way (``O I-PER`` in IOB2 becomes ``O B-PER``).

    Args:
        tags: the tags of one sentence.
        src: scheme of ``tags`` (one of :data:`SCHEMES`, case-insensitive).
        dst: scheme to write.

    Returns:
        A new list of tags, one per input tag.

    Raises:
        ValueError: unknown scheme, malformed tag, or a prefix that ``src`` does not use.

    Example:
        >>> convert_tags(["I-ORG", "I-ORG", "B-ORG", "O"], "IOB1", "IOB2")
        ['B-ORG', 'I-ORG', 'B-ORG', 'O']
    """
    src, dst = check_scheme(src), check_scheme(dst)
    allowed = _ALLOWED[src]
    for i, tag in enumerate(tags):
        if parse_tag(tag)[0] not in allowed:
            raise ValueError(
                f"tag {tag!r} at position {i} is not used in {src} (allowed: {_names(allowed)}); "
                "is the source scheme right?"
            )
    return encode_entities(decode_lenient(tags), len(tags), dst)
