"""``analyze``: where and why a tagger fails on a labelled file, from one prediction pass.

One call predicts every word once (the same scores ``nerlab evaluate`` uses) and derives
everything from them: the per-word loss, the entity reports, the partial-match scores and
error kinds (:mod:`nerlab.metrics.partial`), the F1 buckets (:mod:`.buckets`) and the
highest-loss sentences. :func:`nerlab.evaluate.analysis.write_report` writes ``analysis.json``,
the charts and a self-contained ``report.html``.

Example:
    >>> result = analyze("runs/minilm-conllpp", "conllpp_test.txt", report_dir="analysis")
    >>> result.partial.overall["partial"].f1  # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import numpy as np

from nerlab.data.documents import document_ids
from nerlab.errors import ConfigError
from nerlab.evaluate.analysis.buckets import TrainLexicon, bucket_tables, oov_shares
from nerlab.evaluate.analysis.labels import Loaded, check_and_map, load_labelled, map_tags
from nerlab.evaluate.analysis.loss import (
    crf_losses,
    group_losses,
    highest,
    sentence_losses,
    word_losses,
)
from nerlab.evaluate.analysis.report_html import check_report_dir, write_report
from nerlab.evaluate.analysis.results import Analysis, SentenceView
from nerlab.inference.predictor import Predictor
from nerlab.metrics.partial import Entity, entity_kinds, report_from_entities
from nerlab.metrics.partial import sentence_entities as decode_all
from nerlab.models.saved import model_files
from nerlab.tasks.token_classification import evaluate_tags
from nerlab.tasks.token_classification.evaluation import no_documents_note

Progress = Callable[[int], None]


def train_path(predictor: Predictor, train: str | Path | None) -> tuple[str | None, str]:
    """TRAIN given, else the one the model was trained on (``nerlab train`` records it)."""
    if train is not None:
        return str(train), "--train"
    recorded = (predictor.meta.extra.get("data") or {}).get("train")
    return (str(recorded) if recorded else None), "TRAIN (recorded with the model)"


def load_train(
    predictor: Predictor, train: str | Path | None, mapping: dict[str, str], tag_column: int | str
) -> tuple[Loaded | None, list[str]]:
    """TRAIN read and mapped like DATA, or ``None`` with a note when it is not available."""
    path, what = train_path(predictor, train)
    if path is None:
        return None, ["no TRAIN: pass --train for the seen/unseen and consistency buckets"]
    if train is None and not path.startswith("demo:") and not Path(path).exists():
        return None, [f"the model's training file {path} is not here: pass --train FILE"]
    loaded = load_labelled(path, tag_column=tag_column, what=what)
    if mapping:
        corpus = loaded.corpus
        sentences = [replace(s, tags=map_tags(s.tags, mapping)) for s in corpus]
        loaded = replace(loaded, corpus=replace(corpus, sentences=sentences))
    return loaded, list(loaded.notes)


def predict(
    predictor: Predictor,
    words: list[list[str]],
    mapping: dict[str, str],
    progress: Progress | None,
    documents: list[int] | None = None,
) -> tuple[list[np.ndarray], list[list[str]]]:
    """Word scores and the predicted tags (decoded as the predictor decodes, then ``mapping``),
    as evaluation does it (``documents``: each sentence's, for a model with document context)."""
    scores = predictor.word_scores(words, documents=documents, progress=progress)
    labels = predictor.labels
    ids = predictor.task.decode(scores, predictor.decoding)  # type: ignore[attr-defined]
    pred = [[labels[i] for i in s] for s in ids]
    return scores, [map_tags(p, mapping) for p in pred] if mapping else pred


def _subtoken_counter(predictor: Predictor) -> Callable[[list[str]], list[int]]:
    def count(words: list[str]) -> list[int]:
        enc = predictor.tokenizer(
            [[w] for w in words],
            is_split_into_words=True,
            add_special_tokens=False,
            return_attention_mask=False,
            return_token_type_ids=False,
            verbose=False,
        )
        return [len(ids) for ids in enc["input_ids"]]

    return count


def _views(
    loaded: Loaded,
    pred: list[list[str]],
    losses: tuple[list[np.ndarray], np.ndarray],
    ents: tuple[list[list[Entity]], list[list[Entity]]],
    kinds: tuple[list[list[str]], list[list[str]]],
    top: list[int],
) -> list[SentenceView]:
    """The ``top`` sentences; ``losses``: per sentence, its word losses and its loss."""
    out = []
    for k in top:
        s = loaded.corpus[k]
        out.append(
            SentenceView(
                k,
                s.path,
                s.line,
                float(losses[1][k]),
                list(s.words),
                list(s.tags),
                pred[k],
                [float(x) for x in losses[0][k]],
                [(*e, kd) for e, kd in zip(ents[0][k], kinds[0][k], strict=True)],
                [(*e, kd) for e, kd in zip(ents[1][k], kinds[1][k], strict=True)],
            )
        )
    return out


def load_predictor(model: str | Path | Predictor, precision: str | None, what: str) -> Predictor:
    """The Predictor of ``model``; an entity (span-label) model is required.

    Raises:
        ConfigError: a model with plain labels (POS or chunks).
    """
    predictor = (
        model if isinstance(model, Predictor) else Predictor.load(model, precision=precision)
    )
    if predictor.meta.scheme is None:
        raise ConfigError(
            f"{what} explains entity errors; this model tags plain labels (POS or chunks): "
            "use nerlab evaluate for its per-tag scores"
        )
    return predictor


def _entities(gold: list[list[str]], pred: list[list[str]]) -> tuple[list, list, list, list]:
    """Gold and predicted entities per sentence, and the error kind of each."""
    gold_ents, pred_ents = decode_all(gold), decode_all(pred)
    kinds = [entity_kinds(g, p) for g, p in zip(gold_ents, pred_ents, strict=True)]
    return gold_ents, pred_ents, [k[0] for k in kinds], [k[1] for k in kinds]


def build_analysis(
    predictor: Predictor,
    loaded: Loaded,
    train: Loaded | None,
    mapping: dict[str, str],
    *,
    top_k: int = 20,
    top_words: int = 30,
    progress: Progress | None = None,
) -> Analysis:
    """Predict DATA once and derive every table (what :func:`analyze` does after loading)."""
    words = loaded.corpus.words
    gold = [list(t) for t in loaded.corpus.tags]
    # A model with document context reads DATA's documents, as nerlab evaluate does.
    documents = document_ids(loaded.corpus) if predictor.context else None
    scores, pred = predict(predictor, words, mapping, progress, documents)
    label2id = {lab: i for i, lab in enumerate(predictor.labels)}
    gold_ids = [np.array([label2id[t] for t in g], dtype=np.int64) for g in gold]
    crf = getattr(predictor.task, "crf", None)
    if crf is None:
        losses = word_losses(scores, gold_ids)
        per_sentence = sentence_losses(losses)
    else:  # the CRF's own loss: what it was trained on
        losses, per_sentence = crf_losses(scores, gold_ids, *crf)
    gold_ents, pred_ents, gold_kinds, pred_kinds = _entities(gold, pred)
    flat_loss = np.concatenate(losses) if losses else np.zeros(0)
    top = highest(per_sentence, top_k)
    buckets = bucket_tables(
        words,
        gold_ents,
        pred_ents,
        gold_kinds,
        pred_kinds,
        lexicon=TrainLexicon(train.corpus) if train is not None else None,
        oov_share=oov_shares(words, _subtoken_counter(predictor)),
    )
    return Analysis(
        sources={"data": loaded.corpus.path, "train": train.corpus.path if train else None},
        sentences=len(words),
        words=len(flat_loss),
        evaluation=evaluate_tags(gold, pred, "IOB2"),
        partial=report_from_entities(gold_ents, pred_ents),
        mean_loss=float(flat_loss.mean()) if len(flat_loss) else 0.0,
        top=_views(
            loaded,
            pred,
            (losses, per_sentence),
            (gold_ents, pred_ents),
            (gold_kinds, pred_kinds),
            top,
        ),
        loss_by_word=group_losses([w for s in words for w in s], flat_loss, top_words),
        loss_by_label=group_losses([t for g in gold for t in g], flat_loss),
        buckets=buckets,
        notes=list(loaded.notes) + context_notes(predictor.context, documents, loaded.corpus.path),
    )


def context_notes(context: int, documents: list[int] | None, path: str | None) -> list[str]:
    """The note of a model with document context on data without documents (else none)."""
    return [no_documents_note(context, path)] if context and documents is None else []


def analyze(
    model: str | Path | Predictor,
    data: str | Path,
    *,
    train: str | Path | None = None,
    tag_column: int | str = -1,
    mapping: dict[str, str] | None = None,
    top_k: int = 20,
    top_words: int = 30,
    precision: str | None = None,
    report_dir: str | Path | None = None,
    progress: Progress | None = None,
) -> Analysis:
    """Analyse a tagger on a labelled file: losses, error kinds, partial matches, buckets.

    Args:
        model: a model folder or a loaded :class:`~nerlab.inference.Predictor`.
        data: labelled data (any format ``load_corpus`` reads).
        train: the training file, for the seen/unseen and consistency buckets (default: the
            one recorded with the model, if it is still there).
        tag_column: the tag column of DATA and TRAIN.
        mapping: labels renamed in DATA, TRAIN and the predictions (from ``parse_map``).
        top_k: highest-loss sentences kept.
        top_words: rows of the loss-per-word-form table.
        precision: as for ``nerlab evaluate`` (``None``: the one the model was trained with).
        report_dir: write ``analysis.json``, the charts and ``report.html`` here (checked
            before any work).
        progress: called with the number of sentences predicted, as they finish.

    Raises:
        ConfigError: a model with plain labels (POS/chunk), a bad map or ``top_k``.
        LabelError: labels of DATA the model lacks and ``mapping`` does not cover (named).
        DataError: unreadable DATA or TRAIN.

    Example:
        >>> a = analyze("runs/minilm-conllpp", "conllpp_test.txt", report_dir="analysis")
        >>> a.partial.overall["partial"].f1  # doctest: +SKIP
    """
    if top_k < 0 or top_words < 0:
        raise ConfigError("top_k and top_words must be 0 or more")
    if report_dir is not None:
        folder = [] if isinstance(model, Predictor) else model_files(model)
        check_report_dir(report_dir, [data, train, *folder])
    predictor = load_predictor(model, precision, "nerlab analyze")
    mapping = dict(mapping or {})
    loaded = check_and_map(load_labelled(data, tag_column=tag_column), predictor.labels, mapping)
    train_loaded, train_notes = load_train(predictor, train, mapping, tag_column)
    result = build_analysis(
        predictor,
        loaded,
        train_loaded,
        mapping,
        top_k=top_k,
        top_words=top_words,
        progress=progress,
    )
    result.sources = {
        "model": None if isinstance(model, Predictor) else str(model),
        "data": str(data),
        "train": result.sources["train"],
    }
    result.notes += train_notes
    if report_dir is not None:
        write_report(result, report_dir)
    return result
