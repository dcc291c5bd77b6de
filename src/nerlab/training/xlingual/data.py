"""The data of a cross-lingual run: each language's files, its seeded dev carve-out, the cells
(what each model trains on) and the labels each language has.

PAN-X's test files carry no labels, so a language's *test* set is the file the test pattern
names (PAN-X's dev file by default) and the *dev* set used for model selection is a seeded
part of its training file. A cell's training and dev sentences are written into the cell's
folder as CoNLL files, so every model can be traced to the exact sentences it saw.
"""

from __future__ import annotations

import hashlib
import math
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nerlab.data.corpus import Corpus, Sentence
from nerlab.errors import ConfigError, DataError, LabelError
from nerlab.training.xlingual.options import XlingualConfig


@dataclass
class Language:
    """One language's data, split.

    Attributes:
        lang: the code.
        train_file: its training file; ``train`` and ``dev`` are drawn from it.
        test_file: its test file (PAN-X: the dev file).
        train: training sentences (seeded shuffle, limit, dev carve-out removed).
        dev: the seeded dev carve-out (model selection).
        test: the test sentences (the first ``test_limit_per_lang`` with a limit).
        scheme: the tag scheme of the training file (``IOB2``, or ``None`` for plain tags).
        file_sentences: sentences in the training file.
    """

    lang: str
    train_file: Path
    test_file: Path
    train: list[Sentence]
    dev: list[Sentence]
    test: Corpus
    scheme: str | None
    file_sentences: int

    def labels(self, split: str) -> set[str]:
        sentences = self.test.sentences if split == "test" else self.train + self.dev
        return {t for s in sentences for t in s.tags}


@dataclass(frozen=True)
class Cell:
    """One model of the matrix: what it trains on (the first N training sentences of each
    language, and of its dev carve-out).

    Attributes:
        name: the row of the matrix and the cell's folder (``de``, ``all``, ``mix``, ``fr-250``).
        train: ``(lang, sentences)`` pairs of training data.
        dev: ``(lang, sentences)`` pairs of dev data (empty: no dev).
        size: the number of target sentences (``sizes`` cells only).
    """

    name: str
    train: tuple[tuple[str, int], ...]
    dev: tuple[tuple[str, int], ...]
    size: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "train": dict(self.train),
            "dev": dict(self.dev),
            "size": self.size,
        }


def data_files(cfg: XlingualConfig) -> dict[str, tuple[Path, Path]]:
    """Each language's (training, test) file, checked to exist before anything is read.

    Raises:
        DataError: a missing file, naming the pattern (or the pair) it came from.
    """
    from nerlab.training.xlingual.options import default_data_dir

    files: dict[str, tuple[Path, Path]] = {}
    root = Path(cfg.data_dir) if cfg.data_dir is not None else default_data_dir()
    for lang in cfg.langs:
        pair = []
        for split, pattern in (("train", cfg.train_pattern), ("test", cfg.test_pattern)):
            given = (cfg.train_files if split == "train" else cfg.test_files).get(lang)
            path = Path(given) if given is not None else root / pattern.format(lang=lang)
            if not path.is_file():
                how = (
                    f"given as --{split} {lang}={given}"
                    if given is not None
                    else f"pattern {root / pattern}; set --data-dir or --{split}-pattern, or "
                    f"give --{split} {lang}=FILE"
                )
                raise DataError(f"no {split} file for language {lang!r}: not found ({how})", path)
            pair.append(path)
        files[lang] = (pair[0], pair[1])
    return files


def digest(path: Path) -> str:
    """The SHA-256 of a file (recorded, so a rerun notices changed data)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_language(
    cfg: XlingualConfig, lang: str, train_file: Path, test_file: Path, seed: int
) -> Language:
    """Read a language's files, shuffle its training sentences (seeded per language), apply the
    limit and carve out dev.

    Raises:
        DataError: unreadable files, an empty or unlabelled training file, too few sentences
            for the dev carve-out. LabelError: an unlabelled test sentence.
    """
    from nerlab.data.io import load_corpus

    column = cfg.training.get("tag_column", -1)
    corpus = load_corpus(train_file, tag_column=column)
    for s in corpus:
        if s.words and not s.tags:
            raise DataError(
                "this training sentence has no tags (check --tag-column)", s.path, s.line
            )
    pool = [Sentence(list(s.words), list(s.tags)) for s in corpus if s.words]
    random.Random(f"{seed}:{lang}").shuffle(pool)
    pool = pool[: cfg.train_limit_per_lang]
    n_dev = math.floor(cfg.dev_fraction * len(pool) + 0.5)
    if cfg.dev_fraction > 0:
        n_dev = max(n_dev, 1)
    if len(pool) - n_dev < 1:
        raise DataError(
            f"{len(pool)} sentence(s) leave nothing to train on after the dev carve-out "
            f"(--dev-fraction {cfg.dev_fraction}); give more data or a smaller fraction",
            train_file,
        )
    test = load_corpus(test_file, tag_column=column)
    for s in test:
        if s.words and not s.tags:
            raise LabelError(
                f"{s.path}:{s.line}: this test sentence has no tags; xlingual scores on labelled "
                "data (PAN-X's test files are unlabelled: score on its dev files, the default "
                "--test-pattern dev-{lang}.tsv)"
            )
    kept = [s for s in test if s.words][: cfg.test_limit_per_lang]
    return Language(
        lang,
        train_file,
        test_file,
        pool[n_dev:],
        pool[:n_dev],
        Corpus(kept, str(test_file), test.scheme),
        corpus.scheme,
        len(corpus),
    )


def plan_cells(cfg: XlingualConfig, langs: dict[str, Language]) -> list[Cell]:
    """The cells of the strategy, in the order they are trained.

    Raises:
        ConfigError: a ``--total`` or a ``--sizes`` value larger than the data, with the counts.
    """

    def whole(lang: str) -> Cell:
        d = langs[lang]
        return Cell(lang, ((lang, len(d.train)),), _dev_part(d, len(d.dev)))

    if cfg.strategy == "zero-shot":
        assert cfg.source is not None
        return [whole(cfg.source)]
    if cfg.strategy == "each":
        return [whole(lang) for lang in cfg.langs]
    if cfg.strategy == "all":
        train = tuple((lang, len(d.train)) for lang, d in langs.items())
        dev = tuple(p for d in langs.values() for p in _dev_part(d, len(d.dev)))
        return [Cell("all", train, dev)]
    if cfg.strategy == "mix":
        return [_mix_cell(cfg, langs)]
    assert cfg.source is not None and cfg.target is not None
    target = langs[cfg.target]
    cells = [whole(cfg.source)]
    for n in cfg.sizes:
        if n > len(target.train):
            raise ConfigError(
                f"--sizes {n} is more than the {len(target.train)} {cfg.target} training "
                f"sentences ({_available(cfg, target)}); the largest size is {len(target.train)}"
            )
        dev = _dev_part(target, len(target.dev))
        cells.append(Cell(f"{cfg.target}-{n}", ((cfg.target, n),), dev, size=n))
    return cells


def _dev_part(d: Language, n: int) -> tuple[tuple[str, int], ...]:
    return ((d.lang, n),) if n > 0 else ()


def _available(cfg: XlingualConfig, d: Language) -> str:
    limit = (
        f", --train-limit-per-lang {cfg.train_limit_per_lang}" if cfg.train_limit_per_lang else ""
    )
    return f"{d.file_sentences} in {d.train_file}{limit}, less {len(d.dev)} held out as dev"


def allocate(shares: dict[str, float], total: int) -> dict[str, int]:
    """``total`` split by ``shares`` in whole sentences (largest remainders round up)."""
    exact = {lang: share * total for lang, share in shares.items()}
    counts = {lang: math.floor(x) for lang, x in exact.items()}
    rest = total - sum(counts.values())
    for lang in sorted(exact, key=lambda k: counts[k] - exact[k])[:rest]:
        counts[lang] += 1
    return counts


def _mix_cell(cfg: XlingualConfig, langs: dict[str, Language]) -> Cell:
    shares = cfg.shares()
    most = min(math.floor(len(langs[lang].train) / s) for lang, s in shares.items())
    while most > 0 and any(n > len(langs[k].train) for k, n in allocate(shares, most).items()):
        most -= 1  # rounding up a remainder can ask one sentence too many
    total = cfg.total if cfg.total is not None else most
    counts = allocate(shares, total)
    short = [lang for lang, n in counts.items() if n > len(langs[lang].train)]
    if short:
        listing = "; ".join(
            f"{lang}: needs {counts[lang]}, has {len(langs[lang].train)} "
            f"({_available(cfg, langs[lang])})"
            for lang in short
        )
        raise ConfigError(
            f"--total {total} is larger than the data at these shares ({listing}); the largest "
            f"--total these shares allow is {most}"
        )
    longest_dev = max(len(langs[lang].dev) for lang in shares)
    dev = allocate(shares, longest_dev)
    return Cell(
        "mix",
        tuple((lang, n) for lang, n in counts.items() if n > 0),
        tuple((lang, min(n, len(langs[lang].dev))) for lang, n in dev.items() if n > 0),
    )


def cell_corpora(cell: Cell, langs: dict[str, Language]) -> tuple[Corpus, Corpus | None]:
    """The training and dev sentences of a cell."""
    scheme = next(iter(langs.values())).scheme
    train = [s for lang, n in cell.train for s in langs[lang].train[:n]]
    dev = [s for lang, n in cell.dev for s in langs[lang].dev[:n]]
    return Corpus(train, None, scheme), (Corpus(dev, None, scheme) if dev else None)


def write_cell_data(cell: Cell, langs: dict[str, Language], folder: Path) -> dict[str, Any]:
    """Write the cell's ``train.conll`` (and ``dev.conll``) into ``folder``.

    Dev tags the cell's training data lacks (a rare type in a small sample) become ``O`` in
    ``dev.conll`` (training refuses dev labels it cannot learn); the returned ``notes`` say so.

    Returns:
        ``{"train": path, "dev": path or None, "notes": [...]}``.
    """
    from nerlab.data.conll import write_conll
    from nerlab.data.labels import LabelSet

    train, dev = cell_corpora(cell, langs)
    notes: list[str] = []
    train_path = folder / "train.conll"
    write_conll(train, train_path)
    dev_path = None
    if dev is not None:
        checked = LabelSet.from_corpus(train).check(dev, map_unknown_to_o=True)
        if checked.message:
            notes.append(f"cell {cell.name}, dev: {checked.message}")
        dev_path = folder / "dev.conll"
        write_conll(checked.corpus, dev_path)
    return {
        "train": str(train_path),
        "dev": None if dev_path is None else str(dev_path),
        "notes": notes,
    }


def label_survey(langs: dict[str, Language]) -> dict[str, Any]:
    """The union of all labels and, per language and split, the labels it lacks."""
    seen = {
        lang: {split: d.labels(split) for split in ("train", "test")} for lang, d in langs.items()
    }
    union = sorted(set().union(*(s for per in seen.values() for s in per.values())))
    absent = {
        lang: {split: sorted(set(union) - labels) for split, labels in per.items()}
        for lang, per in seen.items()
    }
    absent = {lang: {k: v for k, v in per.items() if v} for lang, per in absent.items()}
    return {"union": union, "absent": {lang: per for lang, per in absent.items() if per}}


def label_notes(survey: dict[str, Any]) -> list[str]:
    """One line per language whose labels differ from the union."""
    notes = []
    for lang, per in survey["absent"].items():
        parts = [f"{split} lacks {', '.join(labels)}" for split, labels in per.items()]
        notes.append(
            f"labels differ between languages: {lang} {'; '.join(parts)} (union: "
            f"{', '.join(survey['union'])}); a model scores test entities of a type it never "
            "saw as missed"
        )
    return notes
