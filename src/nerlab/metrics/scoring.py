"""Score predictions made by any system from files (what ``nerlab score`` runs).

Two inputs are accepted:

- one CoNLL file whose last two columns are the gold and the predicted tag (the conlleval
  script's input: ``word ... gold pred``, blank lines between sentences, ``-DOCSTART-`` ignored);
- two aligned CoNLL files, gold and predictions, each with its tag in the last column.

Every tag is checked where it is read, so a bad tag is reported as ``file:line``.

Example:
    >>> result = score_files("output.conll")
    >>> print(result.report.format())
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from itertools import chain
from pathlib import Path

from nerlab.data.conll import read_conll
from nerlab.data.corpus import Corpus
from nerlab.data.schemes import (
    ALLOWED_PREFIXES,
    check_scheme,
    convert_tags,
    detect_scheme,
    parse_tag,
)
from nerlab.errors import ConfigError, DataError
from nerlab.metrics.entities import MODES, STRICT_SCHEMES
from nerlab.metrics.entity_report import EntityReport, classification_report, token_accuracy
from nerlab.metrics.partial import PartialReport, partial_report


@dataclass(frozen=True)
class ScoreResult:
    """The report plus what was read.

    Attributes:
        report: the entity-level report.
        sentences: number of sentences scored.
        words: number of words scored.
        scheme_read: the scheme the tags were written in (given or detected).
        sources: the file(s) read.
        partial: partial-match scores and error kinds (``score_files(partial=True)``).
    """

    report: EntityReport
    sentences: int
    words: int
    scheme_read: str
    sources: tuple[str, ...]
    partial: PartialReport | None = None

    def to_dict(self) -> dict:
        """The report's dict plus ``sentences``, ``words``, ``scheme_read``, ``sources`` (and
        ``partial`` when computed)."""
        out = {
            "sources": list(self.sources),
            "sentences": self.sentences,
            "words": self.words,
            "scheme_read": self.scheme_read,
            **self.report.to_dict(),
        }
        if self.partial is not None:
            out["partial"] = self.partial.to_dict()
        return out


def _check_tags(corpus: Corpus, tags: list[list[str]], what: str) -> None:
    for sent, sent_tags in zip(corpus.sentences, tags, strict=True):
        for i, tag in enumerate(sent_tags):
            try:
                parse_tag(tag)
            except ValueError as exc:
                raise DataError(f"{what} tag: {exc}", corpus.path, sent.word_line(i)) from None


Read = tuple[list[list[str]], list[list[str]], Corpus, Corpus]


def read_gold_pred(path: str | Path) -> Read:
    """Read a conlleval-style file: gold tags in the last-but-one column, predictions last.

    Returns:
        Gold tags, predicted tags, and the corpus each was read from (the same one here).

    Raises:
        DataError: unreadable or malformed file, fewer than 3 columns, or a malformed tag.
    """
    corpus = read_conll(path, tag_column=-1)
    ncols = len(corpus[0].columns) + 1 + bool(corpus[0].tags)  # + the word (+ the last column)
    if ncols < 3:
        raise DataError(
            f"found {ncols} column(s); a file to score needs at least 3: "
            "the word, ..., the gold tag, the predicted tag (or use --gold and --pred)",
            corpus.path,
            corpus[0].line,
        )
    gold = [s.columns[f"col{ncols - 2}"] for s in corpus.sentences]
    pred = corpus.tags
    _check_tags(corpus, gold, "gold")
    _check_tags(corpus, pred, "predicted")
    return gold, pred, corpus, corpus


def _align(gold: Corpus, pred: Corpus) -> None:
    """Raise DataError at the first sentence count, length or word that differs."""
    for k, (g, p) in enumerate(zip(gold.sentences, pred.sentences, strict=False)):
        if len(g) != len(p):
            raise DataError(
                f"sentence {k + 1} has {len(p)} words here but {len(g)} in the gold file "
                f"({gold.path}:{g.line}); the files must be aligned word for word",
                pred.path,
                p.line,
            )
        for i, (gw, pw) in enumerate(zip(g.words, p.words, strict=True)):
            if gw != pw:
                raise DataError(
                    f"word {pw!r} differs from the gold file's {gw!r} "
                    f"({gold.path}:{g.word_line(i)}); the files must be aligned word for word",
                    pred.path,
                    p.word_line(i),
                )
    if len(gold) != len(pred):
        longer, shorter = (gold, pred) if len(gold) > len(pred) else (pred, gold)
        extra = longer[len(shorter)]
        raise DataError(
            f"{len(longer)} sentences here but {len(shorter)} in {shorter.path}; "
            "the first one without a partner starts here",
            longer.path,
            extra.line,
        )


def read_two_files(gold_path: str | Path, pred_path: str | Path) -> Read:
    """Read aligned gold and prediction files (tag in the last column of each).

    Returns:
        Gold tags, predicted tags, the gold corpus and the predictions corpus.

    Raises:
        DataError: unreadable or malformed file, a malformed tag, or files that are not aligned
            (sentence count, sentence length or word), naming file:line.
    """
    gold = read_conll(gold_path, tag_column=-1)
    pred = read_conll(pred_path, tag_column=-1)
    for corpus in (gold, pred):
        if not corpus[0].tags:
            raise DataError("has one column only: no tags to score", corpus.path)
    _check_tags(gold, gold.tags, "gold")
    _check_tags(pred, pred.tags, "predicted")
    _align(gold, pred)
    return gold.tags, pred.tags, gold, pred


def _check_prefixes(corpus: Corpus, tags: list[list[str]], scheme: str, what: str) -> None:
    allowed = ALLOWED_PREFIXES[scheme]
    for sent, sent_tags in zip(corpus.sentences, tags, strict=True):
        for i, tag in enumerate(sent_tags):
            if tag[0] not in allowed:
                names = ", ".join(sorted(f"{p}-" if p != "O" else "O" for p in allowed))
                raise DataError(
                    f"{what} tag {tag!r} does not belong to {scheme} (allowed: {names}); "
                    "give the right --scheme or leave it to auto-detection",
                    corpus.path,
                    sent.word_line(i),
                )


def _options(mode: str, scheme: str | None) -> tuple[str, str | None]:
    if mode not in MODES:
        raise ConfigError(f"unknown mode {mode!r}: allowed are {', '.join(MODES)}")
    try:
        name = check_scheme(scheme or "auto", also=("auto",))
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    return mode, None if name == "AUTO" else name


def _resolve_scheme(
    gold: list[list[str]], pred: list[list[str]], mode: str, scheme: str | None, where: str
) -> str:
    if scheme is None:
        try:
            scheme = detect_scheme(chain(gold, pred))
        except ValueError as exc:
            raise DataError(f"cannot detect the tag scheme: {exc}", where) from None
    if mode == "strict" and scheme not in STRICT_SCHEMES:
        raise ConfigError(
            f"strict mode supports {', '.join(STRICT_SCHEMES)}, and the tags are read as {scheme}: "
            "use --mode conlleval (which reads any scheme) or convert the files to IOB2 "
            "(nerlab data convert IN OUT --scheme iob2)"
        )
    return scheme


def score_tags(
    gold: list[list[str]],
    pred: list[list[str]],
    *,
    mode: str = "conlleval",
    scheme: str | None = None,
    where: str = "<memory>",
) -> tuple[EntityReport, str]:
    """Score tag lists the way ``nerlab score`` does; returns the report and the scheme read.

    In conlleval mode the entities are read after converting the tags to IOB2 (as everywhere
    in nerlab; the entities are the same); strict mode reads them in their own scheme. The
    token accuracy is always over the tags as written, as the conlleval script counts it.

    Raises:
        ConfigError: unknown mode or scheme, or strict mode with an unsupported scheme.
        DataError: tags that do not fit the scheme (``where`` names the source).
    """
    mode, scheme = _options(mode, scheme)
    scheme = _resolve_scheme(gold, pred, mode, scheme, where)
    gold_as_written, pred_as_written = gold, pred
    try:
        if mode == "conlleval":
            gold = [convert_tags(s, scheme, "IOB2") for s in gold]
            pred = [convert_tags(s, scheme, "IOB2") for s in pred]
            report = classification_report(gold, pred, mode=mode, scheme="IOB2")
        else:
            report = classification_report(gold, pred, mode=mode, scheme=scheme)
    except ValueError as exc:
        raise DataError(f"{exc} (tags read as {scheme})", where) from None
    return dataclasses.replace(
        report, accuracy=token_accuracy(gold_as_written, pred_as_written)
    ), scheme


def score_files(
    file: str | Path | None = None,
    *,
    gold: str | Path | None = None,
    pred: str | Path | None = None,
    mode: str = "conlleval",
    scheme: str | None = None,
    partial: bool = False,
) -> ScoreResult:
    """Score a conlleval-style ``file``, or aligned ``gold`` and ``pred`` files.

    Args:
        file: CoNLL file whose last two columns are the gold and the predicted tag.
        gold: CoNLL file of gold tags (last column); needs ``pred`` and no ``file``.
        pred: CoNLL file of predicted tags (last column), aligned with ``gold``.
        mode: ``"conlleval"`` or ``"strict"``.
        scheme: ``None``/``"auto"`` to detect, or one of IOB1, IOB2, IOBES, BILOU.
        partial: also compute the partial-match scores (strict, exact, partial, type; equal
            to nervaluate's) and the error kinds, with the entities read as ``mode`` reads them.

    Returns:
        A :class:`ScoreResult`.

    Raises:
        ConfigError: a wrong combination of inputs, unknown mode or scheme.
        DataError: unreadable, malformed or misaligned files, bad tags (naming file:line).
    """
    if file is not None and (gold is not None or pred is not None):
        raise ConfigError("give either FILE or --gold and --pred, not both")
    mode, scheme = _options(mode, scheme)
    if file is not None:
        gold_tags, pred_tags, gold_corpus, pred_corpus = read_gold_pred(file)
        sources: tuple[str, ...] = (str(file),)
    elif gold is not None and pred is not None:
        gold_tags, pred_tags, gold_corpus, pred_corpus = read_two_files(gold, pred)
        sources = (str(gold), str(pred))
    else:
        raise ConfigError("nothing to score: give FILE, or both --gold G and --pred P")
    where = " + ".join(sources)
    scheme = _resolve_scheme(gold_tags, pred_tags, mode, scheme, where)
    _check_prefixes(gold_corpus, gold_tags, scheme, "gold")
    _check_prefixes(pred_corpus, pred_tags, scheme, "predicted")
    report, scheme_read = score_tags(gold_tags, pred_tags, mode=mode, scheme=scheme, where=where)
    words = sum(map(len, gold_tags))
    extra = None
    if partial:
        try:
            extra = partial_report(gold_tags, pred_tags, mode=mode, scheme=scheme_read)
        except ValueError as exc:
            raise DataError(f"{exc} (tags read as {scheme_read})", where) from None
    return ScoreResult(report, len(gold_tags), words, scheme_read, sources, extra)
