"""From per-word label ids to entities and output records (what ``predict`` returns).

Entities are decoded on label ids for a whole chunk of sentences at once with the metrics'
vectorised decoder (:class:`nerlab.metrics.IdDecoder`), so a predicted entity is exactly one
the metrics would count, and an entity that crosses a window boundary comes out whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypedDict

import numpy as np

from nerlab.metrics import IdDecoder


class Entity(TypedDict):
    """One predicted entity: ``text == input[start:end]``."""

    start: int
    end: int
    label: str
    text: str
    score: float


@dataclass
class Tagged:
    """A predicted text: its words with offsets, one tag per word, and the entities.

    Attributes:
        text: the text (for pre-split input, the words joined by single spaces).
        words: ``(word, start, end)`` with ``text[start:end] == word``.
        tags: the predicted tag of each word.
        entities: the decoded entities.
    """

    text: str
    words: list[tuple[str, int, int]]
    tags: list[str]
    entities: list[Entity]


WordSpan = tuple[str, int, int, float]
"""An entity over words: ``(label, first word, end word (exclusive), score)``."""


class EntityDecoder:
    """Entities from label ids and their probabilities, for many sentences at once.

    An entity's score is the mean, over its words, of each word's probability for the tag it
    was given. Plain tags (POS, chunks; ``scheme`` ``None``) give one-word spans for every word
    that is not ``O``.

    Args:
        labels: the model's labels in id order.
        scheme: ``"IOB2"`` for span labels, ``None`` for plain tags.
    """

    def __init__(self, labels: Sequence[str], scheme: str | None):
        self.labels = np.asarray([*labels, "O"], dtype=object)
        self.scheme = scheme
        self._ids = IdDecoder(labels) if scheme is not None else None

    def spans(
        self, ids: Sequence[np.ndarray], probs: Sequence[np.ndarray], mode: str = "conlleval"
    ) -> list[list[WordSpan]]:
        """Per sentence, its entities as :data:`WordSpan` tuples, in order."""
        result: list[list[WordSpan]] = [[] for _ in ids]
        if not ids:
            return result
        sizes = np.fromiter((len(a) for a in ids), dtype=np.int64, count=len(ids))
        # One flat sequence with an O between sentences: no entity can cross a sentence.
        starts = np.concatenate(([0], np.cumsum(sizes + 1)[:-1]))
        outside = len(self.labels) - 1
        flat_ids = np.concatenate([np.append(a, outside) for a in ids])
        flat_probs = np.concatenate([np.append(p, 0.0) for p in probs])
        types, a, b = self._decode(flat_ids, mode)
        if not len(a):
            return result
        cum = np.concatenate(([0.0], np.cumsum(flat_probs, dtype=np.float64)))
        scores = np.round((cum[b] - cum[a]) / (b - a), 6).tolist()
        sent = np.searchsorted(starts, a, side="right") - 1
        first, end = (a - starts[sent]).tolist(), (b - starts[sent]).tolist()
        for t, s, x, y, score in zip(types, sent.tolist(), first, end, scores, strict=True):
            result[s].append((t, x, y, score))
        return result

    def _decode(self, flat_ids: np.ndarray, mode: str) -> tuple[list[str], np.ndarray, np.ndarray]:
        if self._ids is None:
            pos = np.flatnonzero(self.labels[flat_ids] != "O")
            return self.labels[flat_ids[pos]].tolist(), pos, pos + 1
        scheme = self.scheme if mode == "strict" else None
        return self._ids.decode(flat_ids, mode, scheme)

    def tags(self, ids: np.ndarray) -> list[str]:
        """The tag names of label ids."""
        return self.labels[ids].tolist()


def tagged(
    decoder: EntityDecoder,
    texts: Sequence[str],
    spans: Sequence[Sequence[tuple[str, int, int]]],
    ids: Sequence[np.ndarray],
    probs: Sequence[np.ndarray],
    mode: str,
) -> list[Tagged]:
    """Output records: each text with its words, tags and character-offset entities."""
    out: list[Tagged] = []
    found_all = decoder.spans(ids, probs, mode)
    for text, s, a, found in zip(texts, spans, ids, found_all, strict=True):
        entities = [
            Entity(
                start=s[i][1],
                end=s[j - 1][2],
                label=label,
                text=text[s[i][1] : s[j - 1][2]],
                score=score,
            )
            for label, i, j, score in found
        ]
        out.append(Tagged(text, list(s), decoder.tags(a), entities))
    return out
