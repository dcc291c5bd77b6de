"""Probes: rewrite the data, predict again, and measure how much the model loses.

=============  ===============================================================================
``casing``     every word lower-cased, upper-cased, title-cased (tags unchanged): F1 each
``swap``       each gold entity replaced by another surface form of its type drawn (seeded)
               from TRAIN or a names file: memorised names against use of context
``unseen``     F1 on the entities whose surface form TRAIN does not have (no new prediction)
``gazetteer``  names of a list put into template sentences of their type: recall
``other``      another test set whose labels differ, mapped explicitly (``--map``)
=============  ===============================================================================

Each result compares a score on the probed data with the same score on DATA as it is
(``drop = original - probed``). ``all`` runs every probe that has what it needs and says
which it left out and why.

Example:
    >>> run = run_probes("runs/minilm", "test.conll", ["casing", "unseen"], train="train.conll")
    >>> [(r.name, round(r.drop, 3)) for r in run.results]  # doctest: +SKIP
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from nerlab.data.documents import document_ids
from nerlab.data.schemes import encode_entities
from nerlab.errors import ConfigError
from nerlab.evaluate.analysis import gazetteer as gz
from nerlab.evaluate.analysis.buckets import UNSEEN, TrainLexicon
from nerlab.evaluate.analysis.core import context_notes, load_predictor, load_train, predict
from nerlab.evaluate.analysis.labels import check_and_map, load_labelled
from nerlab.evaluate.analysis.results import ProbeResult, ProbeRun
from nerlab.inference.predictor import Predictor
from nerlab.metrics import classification_report
from nerlab.metrics.partial import Entity, sentence_entities

PROBES = ("casing", "swap", "unseen", "gazetteer", "other")
CASINGS = {
    "lower": str.lower,
    "upper": str.upper,
    "title": lambda w: w[:1].upper() + w[1:].lower(),
}
Step = Callable[[str], None]


def parse_probes(names: Sequence[str]) -> list[str]:
    """The probes asked for (``all`` expands; comma-separated values allowed), in order.

    Raises:
        ConfigError: an unknown probe name, or none.
    """
    asked = [n.strip().lower() for s in names for n in s.split(",") if n.strip()]
    unknown = [n for n in asked if n not in (*PROBES, "all")]
    if unknown or not asked:
        raise ConfigError(
            f"unknown probe {', '.join(map(repr, unknown)) or '(none given)'}: "
            f"choose from {', '.join(PROBES)} or all"
        )
    return list(PROBES) if "all" in asked else [p for p in PROBES if p in asked]


@dataclass
class _Context:
    """What every probe needs, loaded once."""

    predictor: Predictor
    words: list[list[str]]
    gold: list[list[str]]
    pred: list[list[str]]
    mapping: dict[str, str]
    lexicon: TrainLexicon | None
    step: Step
    runnable: list[str]
    documents: list[int] | None = None  # DATA's documents, read by a document-context model

    def f1(self, gold: list[list[str]], pred: list[list[str]]) -> float:
        return classification_report(gold, pred, scheme="IOB2").micro.f1

    def tag(self, words: list[list[str]], documents: list[int] | None = None) -> list[list[str]]:
        """Predicted tags; ``documents``: each sentence's (for a model with document context:
        a changed copy of DATA keeps DATA's documents)."""
        return predict(self.predictor, words, self.mapping, None, documents)[1]


def _casing(ctx: _Context) -> list[ProbeResult]:
    original = ctx.f1(ctx.gold, ctx.pred)
    out = []
    n = sum(len(e) for e in sentence_entities(ctx.gold))
    for name, change in CASINGS.items():
        ctx.step(f"casing: {name}")
        pred = ctx.tag([[change(w) for w in s] for s in ctx.words], ctx.documents)
        out.append(ProbeResult(f"casing: {name}", "f1", original, ctx.f1(ctx.gold, pred), n))
    return out


def swap_entities(
    words: Sequence[Sequence[str]],
    gold: Sequence[list[Entity]],
    pool: dict[str, list[tuple[str, ...]]],
    seed: int,
) -> tuple[list[list[str]], list[list[str]], int]:
    """Each gold entity replaced by a random other surface form of its type from ``pool``.

    Returns:
        The new words, their IOB2 tags, and how many entities were replaced (an entity whose
        type has no other form in the pool is kept as it is).
    """
    rng = random.Random(seed)
    new_words, new_tags, replaced = [], [], 0
    for sent, ents in zip(words, gold, strict=True):
        out: list[str] = []
        spans: list[tuple[str, int, int]] = []
        pos = 0
        for typ, s, e in ents:
            out.extend(sent[pos:s])
            choices = [f for f in pool.get(typ, []) if f != tuple(sent[s:e])]
            form = rng.choice(choices) if choices else tuple(sent[s:e])
            replaced += bool(choices)
            spans.append((typ, len(out), len(out) + len(form)))
            out.extend(form)
            pos = e
        out.extend(sent[pos:])
        new_words.append(out)
        new_tags.append(encode_entities(spans, len(out), "IOB2"))
    return new_words, new_tags, replaced


def _swap(ctx: _Context, names: str | Path | None, seed: int) -> list[ProbeResult]:
    types = ctx.predictor.task.label_set.types
    if names is not None:
        listed = gz.read_names(names, types)
        pool = {t: sorted({n.words for n in listed if n.type == t}) for t in types}
        source = str(names)
    else:
        assert ctx.lexicon is not None
        pool = {t: sorted(f for f, c in ctx.lexicon.types.items() if c[t]) for t in types}
        source = "TRAIN"
    ctx.step(f"swap (names from {source}, seed {seed})")
    words, tags, replaced = swap_entities(ctx.words, sentence_entities(ctx.gold), pool, seed)
    pred = ctx.tag(words, ctx.documents)
    details = {"names_from": source, "seed": seed, "replaced": replaced}
    return [
        ProbeResult("swap", "f1", ctx.f1(ctx.gold, ctx.pred), ctx.f1(tags, pred), replaced, details)
    ]


def unseen_scores(
    words: Sequence[Sequence[str]],
    gold: list[list[str]],
    pred: list[list[str]],
    lexicon: TrainLexicon,
) -> tuple[float, int]:
    """Entity F1 over the entities whose surface form TRAIN lacks, and how many gold ones."""

    def keep(ents: list[list[Entity]]) -> list[list[Entity]]:
        return [
            [e for e in es if lexicon.seen(tuple(words[k][e[1] : e[2]]), e[0]) == UNSEEN]
            for k, es in enumerate(ents)
        ]

    g, p = keep(sentence_entities(gold)), keep(sentence_entities(pred))
    n = [len(x) for x in g]
    g_tags = [encode_entities(es, len(w), "IOB2") for es, w in zip(g, words, strict=True)]
    p_tags = [encode_entities(es, len(w), "IOB2") for es, w in zip(p, words, strict=True)]
    return classification_report(g_tags, p_tags, scheme="IOB2").micro.f1, sum(n)


def _unseen(ctx: _Context) -> list[ProbeResult]:
    assert ctx.lexicon is not None
    f1, n = unseen_scores(ctx.words, ctx.gold, ctx.pred, ctx.lexicon)
    return [ProbeResult("unseen", "f1", ctx.f1(ctx.gold, ctx.pred), f1, n)]


def _gazetteer(
    ctx: _Context, names: str | Path | None, templates: str | Path | None
) -> list[ProbeResult]:
    types = ctx.predictor.task.label_set.types
    if names is not None:
        listed = gz.read_names(names, types)
    else:
        listed = [n for n in gz.read_names(gz.example_names_path(), None) if n.type in types]
        if not listed:
            raise ConfigError(
                "the example names are ORG and LOC, which this model does not have: give "
                "--names FILE with lines name<TAB>TYPE of its types"
            )
    probes = gz.build_sentences(listed, gz.read_templates(templates, types))
    ctx.step(f"gazetteer ({len(listed)} names, {len(probes)} sentences)")
    details = gz.score(probes, ctx.tag([p.words for p in probes]))
    details["names_from"] = str(names) if names is not None else "built-in example list"
    wanted = {n.type for n in listed}
    report = classification_report(ctx.gold, ctx.pred, scheme="IOB2")
    rows = [s for t, s in report.per_type.items() if t in wanted]
    found = sum(s.recall * s.support for s in rows)
    total = sum(s.support for s in rows)
    original = found / total if total else 0.0
    return [ProbeResult("gazetteer", "recall", original, details["recall"], len(probes), details)]


def _other(ctx: _Context, other: str | Path, tag_column: int | str) -> list[ProbeResult]:
    ctx.step(f"other: {other}")
    loaded = check_and_map(
        load_labelled(other, tag_column=tag_column, what="--other"),
        ctx.predictor.labels,
        ctx.mapping,
    )
    gold = [list(t) for t in loaded.corpus.tags]
    documents = document_ids(loaded.corpus) if ctx.predictor.context else None
    pred = ctx.tag(loaded.corpus.words, documents)
    n = sum(len(e) for e in sentence_entities(gold))
    return [
        ProbeResult(
            "other",
            "f1",
            ctx.f1(ctx.gold, ctx.pred),
            ctx.f1(gold, pred),
            n,
            {"data": str(other), "notes": list(loaded.notes)},
        )
    ]


def _needs(probe: str, has_train: bool, names: object, other: object, asked_all: bool) -> str:
    """Why ``probe`` cannot run ("" if it can); an error when it was asked for by name.

    Raises:
        ConfigError: ``probe`` was named (not through ``all``) and lacks its input.
    """
    why = ""
    if probe == "unseen" and not has_train:
        why = "needs TRAIN (pass --train FILE)"
    elif probe == "swap" and not has_train and names is None:
        why = "needs TRAIN or --names FILE to draw other names from"
    elif probe == "other" and other is None:
        why = "needs --other FILE (another test set, its labels mapped with --map)"
    if why and not asked_all:
        raise ConfigError(f"--probe {probe} {why}")
    return why


def _prepare(
    predictor: Predictor,
    files: tuple[str | Path, str | Path | None, int | str],
    chosen: list[str],
    mapping: dict[str, str],
    say: Step,
    needs: Callable[[str, bool], str],
) -> tuple[_Context, list[str]]:
    """Read DATA (and TRAIN when a probe needs it), predict DATA once, decide what can run."""
    data, train, tag_column = files
    loaded = check_and_map(load_labelled(data, tag_column=tag_column), predictor.labels, mapping)
    train_loaded, notes = (
        load_train(predictor, train, mapping, tag_column)
        if {"swap", "unseen"} & set(chosen)
        else (None, [])
    )
    reasons = {p: needs(p, train_loaded is not None) for p in chosen}
    notes = [*loaded.notes, *notes, *(f"skipped {p}: it {w}" for p, w in reasons.items() if w)]
    say(f"DATA ({len(loaded.corpus)} sentences)")
    words = loaded.corpus.words
    # A model with document context reads DATA's documents, as nerlab evaluate does; the
    # name-list probe's template sentences stand alone.
    documents = document_ids(loaded.corpus) if predictor.context else None
    notes += context_notes(predictor.context, documents, loaded.corpus.path)
    ctx = _Context(
        predictor,
        words,
        [list(t) for t in loaded.corpus.tags],
        predict(predictor, words, mapping, None, documents)[1],
        mapping,
        TrainLexicon(train_loaded.corpus) if train_loaded else None,
        say,
        [p for p in chosen if not reasons[p]],
        documents,
    )
    return ctx, notes


def run_probes(
    model: str | Path | Predictor,
    data: str | Path,
    probes: Sequence[str],
    *,
    train: str | Path | None = None,
    names: str | Path | None = None,
    templates: str | Path | None = None,
    other: str | Path | None = None,
    mapping: dict[str, str] | None = None,
    seed: int = 0,
    tag_column: int | str = -1,
    precision: str | None = None,
    report_dir: str | Path | None = None,
    step: Step | None = None,
) -> ProbeRun:
    """Run probes on a tagger (see the module docstring).

    Args:
        model: a model folder or a loaded Predictor.
        data: labelled data.
        probes: probe names (:data:`PROBES`, or ``all``).
        train: the training file (default: the one recorded with the model).
        names: ``name<TAB>TYPE`` list for ``gazetteer`` (default: the shipped example) and
            ``swap`` (default: TRAIN's entities).
        templates: ``TYPE<TAB>sentence with {name}`` file (default: the built-in templates).
        other: another labelled test set for ``other``.
        mapping: labels renamed in DATA, OTHER and the predictions (``parse_map``).
        seed: the seed of ``swap``.
        tag_column: the tag column of DATA, TRAIN and OTHER.
        precision: as for ``nerlab evaluate``.
        report_dir: write ``probes.json``, ``probes.png`` and ``probes.html`` here (checked
            before any work).
        step: called with a short description as each probe starts.

    Raises:
        ConfigError: an unknown probe, or one asked by name that lacks its input.
        LabelError: labels of DATA or OTHER the model lacks that ``mapping`` does not cover.
        DataError: unreadable files, a names file with an unknown type, an empty templates file.
    """
    chosen = parse_probes(probes)
    if report_dir is not None:
        from nerlab.evaluate.analysis.probe_report import check_probe_dir
        from nerlab.models.saved import model_files

        folder = [] if isinstance(model, Predictor) else model_files(model)
        check_probe_dir(report_dir, [data, train, names, templates, other, *folder])
    asked_all = any(a.strip().lower() == "all" for s in probes for a in s.split(","))
    ctx, notes = _prepare(
        load_predictor(model, precision, "nerlab probe"),
        (data, train, tag_column),
        chosen,
        dict(mapping or {}),
        step or (lambda _: None),
        lambda probe, has_train: _needs(probe, has_train, names, other, asked_all),
    )
    runners: dict[str, Callable[[], list[ProbeResult]]] = {
        "casing": lambda: _casing(ctx),
        "swap": lambda: _swap(ctx, names, seed),
        "unseen": lambda: _unseen(ctx),
        "gazetteer": lambda: _gazetteer(ctx, names, templates),
        "other": lambda: _other(ctx, other, tag_column),  # type: ignore[arg-type]
    }
    results = [r for p in ctx.runnable for r in runners[p]()]
    sources = {
        "model": None if isinstance(model, Predictor) else str(model),
        "data": str(data),
        "train": ctx.lexicon.path if ctx.lexicon else None,
    }
    run = ProbeRun(sources, ctx.f1(ctx.gold, ctx.pred), results, notes)
    if report_dir is not None:
        from nerlab.evaluate.analysis.probe_report import write_probe_report

        write_probe_report(run, report_dir)
    return run
