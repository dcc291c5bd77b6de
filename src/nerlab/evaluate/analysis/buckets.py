"""Entity F1 per bucket: where in the data a model fails (entity length, seen in training...).

Every gold and every predicted entity is put in one bucket of each attribute; a bucket's
recall is over its gold entities and its precision over its predicted entities (the way
ExplainaBoard and the "interpretable evaluation" papers bucket NER errors), so a bucket that
depends on the entity itself (its length, its capitalisation, whether TRAIN has it) is scored
from both sides. An entity is correct when a prediction has its exact boundaries and type.

Attributes (:data:`ATTRIBUTES`):

- ``entity_length``: words in the entity;
- ``sentence_length``: words in its sentence;
- ``seen``: the surface form occurs in TRAIN as an entity of the same type, only of other
  types, or not at all (needs TRAIN);
- ``consistency``: of the times the surface form's words occur in TRAIN, the share tagged as
  an entity of this type (needs TRAIN): 1 means always, 0 never, "not in TRAIN" absent;
- ``capitalisation``: Title, UPPER, lower or mixed (letters that have case only);
- ``oov``: share of the sentence's words the tokenizer splits into 3 or more sub-tokens.

Example:
    >>> tables = bucket_tables(words, gold_entities, pred_entities, gold_kinds, pred_kinds)
    >>> tables[0].buckets[0].f1  # doctest: +SKIP
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from nerlab.data.corpus import Corpus
from nerlab.metrics.partial import Entity

ATTRIBUTES = ("entity_length", "sentence_length", "seen", "consistency", "capitalisation", "oov")
TITLES = {
    "entity_length": "entity length (words)",
    "sentence_length": "sentence length (words)",
    "seen": "entity in TRAIN",
    "consistency": "label consistency of the surface form in TRAIN",
    "capitalisation": "capitalisation",
    "oov": "sentence words split into >= 3 sub-tokens",
}
ORDER = {
    "entity_length": ("1", "2", "3", "4", "5+"),
    "sentence_length": ("1-10", "11-20", "21-30", "31-40", "41+"),
    "seen": ("seen, same type", "seen, other type", "unseen"),
    "consistency": ("always", "50-99%", "1-49%", "never this type", "not in TRAIN"),
    "capitalisation": ("Title", "UPPER", "lower", "mixed", "no case"),
    "oov": ("0%", "1-10%", "11-25%", "> 25%"),
}
SEEN_SAME, SEEN_OTHER, UNSEEN = ORDER["seen"]


@dataclass(frozen=True)
class Bucket:
    """Counts and scores of one bucket.

    Attributes:
        name: the bucket (``"2"``, ``"unseen"``...).
        gold: gold entities in the bucket.
        predicted: predicted entities in the bucket.
        correct_gold: gold entities of the bucket that were predicted exactly.
        correct_pred: predicted entities of the bucket that are exactly right.
    """

    name: str
    gold: int
    predicted: int
    correct_gold: int
    correct_pred: int

    @property
    def precision(self) -> float:
        return self.correct_pred / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.correct_gold / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def to_dict(self) -> dict[str, float | int | str]:
        return {
            "bucket": self.name,
            "gold": self.gold,
            "predicted": self.predicted,
            "correct_gold": self.correct_gold,
            "correct_pred": self.correct_pred,
            "precision": self.precision,
            "recall": self.recall,
            "f1": self.f1,
        }


@dataclass(frozen=True)
class BucketTable:
    """The buckets of one attribute, in display order (empty buckets left out)."""

    key: str
    title: str
    buckets: tuple[Bucket, ...]

    def to_dict(self) -> dict:
        return {
            "key": self.key,
            "title": self.title,
            "buckets": [b.to_dict() for b in self.buckets],
        }


class TrainLexicon:
    """What TRAIN says about surface forms: entity types per form, and word-sequence counts.

    Args:
        corpus: the training corpus (IOB2).
    """

    def __init__(self, corpus: Corpus):
        from nerlab.metrics.partial import sentence_entities

        self.path = corpus.path
        self.words = corpus.words
        self.types: dict[tuple[str, ...], Counter[str]] = defaultdict(Counter)
        for words, ents in zip(self.words, sentence_entities(corpus.tags), strict=True):
            for typ, s, e in ents:
                self.types[tuple(words[s:e])][typ] += 1

    def seen(self, form: tuple[str, ...], typ: str) -> str:
        """``seen, same type``, ``seen, other type`` or ``unseen``."""
        found = self.types.get(form)
        if not found:
            return UNSEEN
        return SEEN_SAME if found[typ] else SEEN_OTHER

    def occurrences(self, forms: set[tuple[str, ...]]) -> Counter[tuple[str, ...]]:
        """How often each word sequence of ``forms`` occurs anywhere in TRAIN (tagged or not)."""
        counts: Counter[tuple[str, ...]] = Counter()
        by_first: dict[str, set[int]] = defaultdict(set)
        for f in forms:
            if f:
                by_first[f[0]].add(len(f))
        for words in self.words:
            for i, w in enumerate(words):
                for n in by_first.get(w, ()):
                    gram = tuple(words[i : i + n])
                    if gram in forms:
                        counts[gram] += 1
        return counts


def capitalisation(words: Sequence[str]) -> str:
    """``Title``, ``UPPER``, ``lower``, ``mixed``, or ``no case`` (no letter with case).

    Example:
        >>> [capitalisation(w) for w in (["New", "York"], ["NASA"], ["iPhone"], ["1990"])]
        ['Title', 'UPPER', 'mixed', 'no case']
    """
    cased = [c for w in words for c in w if c.isupper() or c.islower()]
    if not cased:
        return "no case"
    if all(c.isupper() for c in cased):
        return "UPPER"
    if all(c.islower() for c in cased):
        return "lower"
    for w in words:
        letters = [c for c in w if c.isupper() or c.islower()]
        if letters and not (letters[0].isupper() and all(c.islower() for c in letters[1:])):
            return "mixed"
    return "Title"


def _length_bucket(n: int, edges: Sequence[int], names: Sequence[str]) -> str:
    return names[min(int(np.searchsorted(edges, n, side="left")), len(names) - 1)]


def _consistency(tagged: int, total: int) -> str:
    if total == 0:
        return "not in TRAIN"
    share = tagged / total
    if share >= 1.0:
        return "always"
    if share == 0.0:
        return "never this type"
    return "50-99%" if share >= 0.5 else "1-49%"


def _oov_bucket(share: float) -> str:
    if share == 0.0:
        return "0%"
    return "1-10%" if share <= 0.10 else "11-25%" if share <= 0.25 else "> 25%"


Attribute = Callable[[int, Entity], str]


def _attributes(
    words: Sequence[Sequence[str]],
    forms: set[tuple[str, ...]],
    lexicon: TrainLexicon | None,
    oov_share: Sequence[float] | None,
) -> dict[str, Attribute]:
    """The attribute functions (sentence index, entity) -> bucket name that can be computed."""

    def form(k: int, e: Entity) -> tuple[str, ...]:
        return tuple(words[k][e[1] : e[2]])

    sent_names = ORDER["sentence_length"]
    attrs: dict[str, Attribute] = {
        "entity_length": lambda k, e: _length_bucket(
            e[2] - e[1], [1, 2, 3, 4], ORDER["entity_length"]
        ),
        "sentence_length": lambda k, e: _length_bucket(len(words[k]), [10, 20, 30, 40], sent_names),
    }
    if lexicon is not None:
        occurrences = lexicon.occurrences(forms)
        attrs["seen"] = lambda k, e: lexicon.seen(form(k, e), e[0])
        attrs["consistency"] = lambda k, e: _consistency(
            lexicon.types.get(form(k, e), Counter())[e[0]], occurrences[form(k, e)]
        )
    attrs["capitalisation"] = lambda k, e: capitalisation(form(k, e))
    if oov_share is not None:
        attrs["oov"] = lambda k, e: _oov_bucket(oov_share[k])
    return {key: attrs[key] for key in ATTRIBUTES if key in attrs}


def bucket_tables(
    words: Sequence[Sequence[str]],
    gold: Sequence[list[Entity]],
    pred: Sequence[list[Entity]],
    gold_kinds: Sequence[list[str]],
    pred_kinds: Sequence[list[str]],
    *,
    lexicon: TrainLexicon | None = None,
    oov_share: Sequence[float] | None = None,
) -> list[BucketTable]:
    """F1 per bucket of every attribute that can be computed (see the module docstring).

    Args:
        words: the words of each sentence.
        gold: gold entities per sentence; ``pred``: predicted entities per sentence.
        gold_kinds: error kind of each gold entity; ``pred_kinds``: of each predicted one.
        lexicon: TRAIN's surface forms (``None``: no ``seen``/``consistency`` buckets).
        oov_share: per sentence, the share of words split into >= 3 sub-tokens
            (``None``: no ``oov`` buckets).
    """
    forms = {
        tuple(words[k][s:e])
        for side in (gold, pred)
        for k, ents in enumerate(side)
        for _, s, e in ents
    }
    tables = []
    for key, attr in _attributes(words, forms, lexicon, oov_share).items():
        count: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
        for col, side, kinds in ((0, gold, gold_kinds), (1, pred, pred_kinds)):
            for k, (ents, ks) in enumerate(zip(side, kinds, strict=True)):
                for e, kind in zip(ents, ks, strict=True):
                    c = count[attr(k, e)]
                    c[col] += 1
                    c[col + 2] += kind == "correct"
        buckets = tuple(Bucket(n, *count[n]) for n in ORDER[key] if n in count)
        tables.append(BucketTable(key, TITLES[key], buckets))
    return tables


def oov_shares(
    words: Sequence[Sequence[str]], count_subtokens: Callable[[list[str]], list[int]]
) -> list[float]:
    """Per sentence, the share of words split into >= 3 sub-tokens.

    Args:
        words: the sentences.
        count_subtokens: sub-tokens of each word of a list (called once, on the distinct words).
    """
    vocab = sorted({w for s in words for w in s})
    pieces = dict(zip(vocab, count_subtokens(vocab) if vocab else [], strict=True))
    return [sum(pieces[w] >= 3 for w in s) / len(s) if s else 0.0 for s in words]
