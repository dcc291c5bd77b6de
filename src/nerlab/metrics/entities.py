"""Vectorised entity decoding over whole corpora of tag sequences.

Sentences are flattened into one array of tag ids with an ``O`` after each sentence (so no
entity crosses a sentence), every distinct tag is parsed once, and the start and end of every
entity are found with numpy boolean arithmetic on (previous tag, tag) pairs. This is what makes
:func:`nerlab.metrics.classification_report` fast.

Two readings (``mode``):

- ``conlleval``: the conlleval script's (and seqeval's default) reading. An entity starts at
  ``B-``/``S-``, at ``I-``/``E-`` after ``O``/``E-``/``S-``, and wherever the type changes; it
  ends after ``E-``/``S-``, before ``B-``/``S-``/``O``, and where the type changes. ``L-`` reads
  as ``E-`` and ``U-`` as ``S-``, so every scheme can be scored.
- ``strict``: seqeval's strict mode. Only well-formed entities count: IOB2 ``B (I)*``,
  IOBES ``B (I)* E`` or ``S``, BILOU ``B (I)* L`` or ``U``, all of one type; other tags are
  ignored. A prefix the scheme does not use is an error.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from nerlab.data.schemes import parse_tag

MODES = ("conlleval", "strict")
STRICT_SCHEMES = ("IOB2", "IOBES", "BILOU")

# Raw prefix codes; ``_ROLE`` maps L to E and U to S (they play the same part).
_CODE = {"O": 0, "B": 1, "I": 2, "E": 3, "S": 4, "L": 5, "U": 6}
_ROLE = np.array([0, 1, 2, 3, 4, 3, 4], dtype=np.int8)
_O, _B, _I, _E, _S = 0, 1, 2, 3, 4
_STRICT_ALLOWED = {"IOB2": {0, 1, 2}, "IOBES": {0, 1, 2, 3, 4}, "BILOU": {0, 1, 2, 5, 6}}


@dataclass
class Encoded:
    """Sentences flattened to arrays, with an ``O`` after each sentence.

    Attributes:
        true: tag ids of the gold sentences.
        pred: tag ids of the predicted sentences (same length as ``true``), or ``None``.
        tags: the distinct tags; ``tags[id]`` is the tag of ``id``.
        codes: prefix code of each tag id (O B I E S L U = 0..6).
        types: type id of each tag id (-1 for ``O``), indexing ``type_names``.
        type_names: the distinct entity types, sorted.
        bounds: flat position of the ``O`` added after each sentence.
    """

    true: np.ndarray
    pred: np.ndarray | None
    tags: list[str]
    codes: np.ndarray
    types: np.ndarray
    type_names: list[str]
    bounds: np.ndarray


def check_mode(mode: str) -> str:
    """Return ``mode`` if it is one of :data:`MODES`, else raise ValueError."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}: allowed are {', '.join(MODES)}")
    return mode


def _flatten(seqs: Sequence[Sequence[str]], name: str) -> list[str]:
    if isinstance(seqs, str):
        raise ValueError(f"{name} must be a list of sentences (lists of tags), not a string")
    flat: list[str] = []
    for i, sent in enumerate(seqs):
        if isinstance(sent, str):
            raise ValueError(
                f"{name}[{i}] is the tag {sent!r}, not a sentence: {name} must be a list of "
                "sentences, each a list of tags (wrap one sentence as [tags])"
            )
        flat.extend(sent)
        flat.append("O")
    return flat


def check_lengths(y_true: Sequence[Sequence[str]], y_pred: Sequence[Sequence[str]]) -> None:
    """Raise ValueError naming the first sentence where ``y_true`` and ``y_pred`` differ in size."""
    if len(y_true) != len(y_pred):
        raise ValueError(
            f"y_true has {len(y_true)} sentences but y_pred has {len(y_pred)}; "
            "they must be aligned sentence for sentence"
        )
    for i, (t, p) in enumerate(zip(y_true, y_pred, strict=True)):
        if len(t) != len(p):
            raise ValueError(
                f"sentence {i}: y_true has {len(t)} tags but y_pred has {len(p)}; "
                "they must be aligned word for word"
            )


def encode(
    y_true: Sequence[Sequence[str]], y_pred: Sequence[Sequence[str]] | None = None
) -> Encoded:
    """Flatten and parse gold (and predicted) sentences; see :class:`Encoded`.

    Raises:
        ValueError: a malformed tag (naming it), or sentences that are not lists of tags.
    """
    flat_true = _flatten(y_true, "y_true")
    flat_pred = _flatten(y_pred, "y_pred") if y_pred is not None else []
    index: dict[str, int] = {}
    for tag in (*set(flat_true), *set(flat_pred)):
        index.setdefault(tag, len(index))
    tags = list(index)
    parsed = []
    for tag in tags:
        try:
            parsed.append(parse_tag(tag))
        except ValueError as exc:
            where = "y_true" if tag in flat_true else "y_pred"
            raise ValueError(f"{where}: {exc}") from None
    type_names = sorted({t for p, t in parsed if p != "O"})
    type_id = {t: i for i, t in enumerate(type_names)}
    codes = np.array([_CODE[p] for p, _ in parsed], dtype=np.int8)
    types = np.array([type_id[t] if p != "O" else -1 for p, t in parsed], dtype=np.int32)

    def ids(flat: list[str]) -> np.ndarray:
        return np.fromiter(map(index.__getitem__, flat), dtype=np.int32, count=len(flat))

    pred = ids(flat_pred) if y_pred is not None else None
    bounds = np.cumsum(np.fromiter(map(len, y_true), dtype=np.int64, count=len(y_true)) + 1) - 1
    return Encoded(ids(flat_true), pred, tags, codes, types, type_names, bounds)


@dataclass
class Spans:
    """Entities as parallel arrays: ``type_ids[k]`` spans ``starts[k]:ends[k]`` (flat positions)."""

    type_ids: np.ndarray
    starts: np.ndarray
    ends: np.ndarray


def _shifted(values: np.ndarray, fill: int) -> np.ndarray:
    prev = np.empty_like(values)
    prev[0] = fill
    prev[1:] = values[:-1]
    return prev


def _conlleval(role: np.ndarray, typ: np.ndarray) -> Spans:
    prev_role, prev_typ = _shifted(role, _O), _shifted(typ, -1)
    diff = prev_typ != typ
    prev_closed = (prev_role == _E) | (prev_role == _S)
    opens = (role == _B) | (role == _S)
    is_o = role == _O
    start = (
        opens | ((prev_closed | (prev_role == _O)) & ((role == _E) | (role == _I))) | (~is_o & diff)
    )
    end = (
        prev_closed
        | (((prev_role == _B) | (prev_role == _I)) & (opens | is_o))
        | ((prev_role != _O) & diff)
    )
    starts = np.flatnonzero(start)
    ends = np.flatnonzero(end)
    return Spans(typ[starts], starts, ends)


def _strict(role: np.ndarray, typ: np.ndarray, scheme: str) -> Spans:
    prev_role, prev_typ = _shifted(role, _O), _shifted(typ, -1)
    prev_open = (prev_role == _B) | (prev_role == _I)
    if scheme == "IOB2":
        inside = prev_open & (role == _I) & (prev_typ == typ)
        starts = np.flatnonzero(role == _B)
    else:
        inside = prev_open & ((role == _I) | (role == _E)) & (prev_typ == typ)
        starts = np.flatnonzero((role == _B) | (role == _S))
    breaks = np.flatnonzero(~inside)
    ends = breaks[np.searchsorted(breaks, starts, side="right")]
    if scheme != "IOB2":
        last = role[ends - 1]
        keep = (last == _E) | (last == _S)
        starts, ends = starts[keep], ends[keep]
    return Spans(typ[starts], starts, ends)


def decode(
    enc: Encoded, ids: np.ndarray, mode: str, scheme: str | None, name: str = "y_true"
) -> Spans:
    """Find the entities in the flat tag ids ``ids`` (``enc.true`` or ``enc.pred``).

    Args:
        enc: the encoding ``ids`` comes from.
        ids: flat tag ids.
        mode: ``"conlleval"`` or ``"strict"``.
        scheme: for strict mode, one of :data:`STRICT_SCHEMES` (already resolved).
        name: what to call ``ids`` in error messages.

    Raises:
        ValueError: in strict mode, a tag whose prefix ``scheme`` does not use.
    """
    if len(ids) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return Spans(empty.astype(np.int32), empty, empty)
    code = enc.codes[ids]
    role = _ROLE[code]
    typ = enc.types[ids]
    if mode == "conlleval":
        return _conlleval(role, typ)
    assert scheme is not None
    bad = np.flatnonzero(~np.isin(code, list(_STRICT_ALLOWED[scheme])))
    if len(bad):
        pos = int(bad[0])
        sent = int(np.searchsorted(enc.bounds, pos))
        raise ValueError(
            f"{name}: sentence {sent}: tag {enc.tags[ids[pos]]!r} is not used in {scheme} "
            "(strict mode reads the tags in that scheme only); pass the right scheme, convert "
            "the tags with nerlab.data.schemes.convert_tags, or use mode='conlleval'"
        )
    return _strict(role, typ, scheme)


class IdDecoder:
    """Entities decoded straight from label ids (a model's output), with no tag strings.

    The same vectorised decoder as :func:`~nerlab.metrics.classification_report`, so a
    prediction's entities are exactly those the metrics count.

    Args:
        labels: the model's labels in id order (span tags such as ``B-PER``, or ``O``).

    Example:
        >>> dec = IdDecoder(["O", "B-PER", "I-PER"])
        >>> dec.decode(np.array([1, 2, 0, dec.outside]), "conlleval", None)
        (['PER'], array([0]), array([2]))
    """

    def __init__(self, labels: Sequence[str]):
        tags = [*labels, "O"]
        self._enc = encode([tags])
        index = {tag: i for i, tag in enumerate(self._enc.tags)}
        self._remap = np.array([index[t] for t in tags], dtype=np.int32)
        self.outside = len(labels)
        """An id that reads as ``O``: put it between sentences so no entity crosses them."""

    def decode(
        self, ids: np.ndarray, mode: str = "conlleval", scheme: str | None = None
    ) -> tuple[list[str], np.ndarray, np.ndarray]:
        """Entities in flat label ids as (types, start positions, end positions (exclusive)).

        Args:
            ids: label ids (``outside`` allowed).
            mode: ``conlleval`` or ``strict``.
            scheme: the scheme for strict mode (``IOB2`` for nerlab models).
        """
        spans = decode(self._enc, self._remap[ids], check_mode(mode), scheme, "predicted tags")
        return [self._enc.type_names[t] for t in spans.type_ids], spans.starts, spans.ends
