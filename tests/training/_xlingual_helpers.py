"""Small synthetic PAN-X files (``token<TAB>tag``, IOB2, no trailing blank line) for the
xlingual tests: a few hundred sentences per language, each with its own words."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

# A few steps of a tiny random BERT per cell: enough to run every stage, not to learn much.
XL_TRAINING: dict[str, Any] = {
    "epochs": 0.5,
    "batch_size": 32,
    "learning_rate": 2e-3,
    "warmup_ratio": 0.0,
    "precision": "fp32",
}

_WORDS = {
    "de": {
        "O": ["der", "die", "und", "in", "wohnt", "arbeitet", "bei", "nach", "aus"],
        "PER": ["Anna", "Müller", "Hans", "Weber"],
        "ORG": ["Siemens", "Bayer", "Bundesbank"],
        "LOC": ["Berlin", "Bern", "Zürich", "Hamburg"],
    },
    "fr": {
        "O": ["le", "la", "et", "dans", "habite", "travaille", "chez", "vers", "de"],
        "PER": ["Marie", "Dupont", "Jean", "Moreau"],
        "ORG": ["Renault", "Danone", "Orange"],
        "LOC": ["Paris", "Lyon", "Genève", "Lausanne"],
    },
    "it": {
        "O": ["il", "la", "e", "in", "abita", "lavora", "presso", "verso", "di"],
        "PER": ["Giulia", "Rossi", "Marco", "Bianchi"],
        "ORG": ["Fiat", "Eni", "Ferrero"],
        "LOC": ["Roma", "Milano", "Lugano", "Torino"],
    },
    "en": {
        "O": ["the", "a", "and", "in", "lives", "works", "at", "to", "from"],
        "PER": ["John", "Smith", "Mary", "Brown"],
        "ORG": ["Google", "Boeing", "Oxfam"],
        "LOC": ["London", "Boston", "Leeds", "Dublin"],
    },
}


def sentences(lang: str, n: int, seed: int, types: tuple[str, ...] = ("PER", "ORG", "LOC")):
    """``n`` random sentences of ``lang``: a few O words around one or two entities."""
    rng = random.Random(f"{lang}-{seed}")
    words = _WORDS[lang]
    out = []
    for _ in range(n):
        toks: list[tuple[str, str]] = []
        for _ in range(rng.randint(1, 2)):
            toks += [(rng.choice(words["O"]), "O") for _ in range(rng.randint(1, 3))]
            kind = rng.choice(types)
            for j in range(rng.randint(1, 2)):
                toks.append((rng.choice(words[kind]), f"{'B' if j == 0 else 'I'}-{kind}"))
        toks.append((".", "O"))
        out.append(toks)
    return out


def write_panx(path: Path, sents: list[list[tuple[str, str]]], labelled: bool = True) -> Path:
    """Write sentences as PAN-X does: TAB-separated, blank line between, none at the end."""
    blocks = ["\n".join(f"{w}\t{t}" if labelled else w for w, t in s) for s in sents]
    path.write_text("\n\n".join(blocks), encoding="utf-8")
    return path


def panx_folder(
    folder: Path,
    langs: tuple[str, ...] = ("de", "fr", "it", "en"),
    n_train: int = 200,
    n_test: int = 40,
    types: dict[str, tuple[str, ...]] | None = None,
) -> Path:
    """``train-{lang}.tsv`` and ``dev-{lang}.tsv`` for each language (the shared layout)."""
    folder.mkdir(parents=True, exist_ok=True)
    for lang in langs:
        kinds = (types or {}).get(lang, ("PER", "ORG", "LOC"))
        write_panx(folder / f"train-{lang}.tsv", sentences(lang, n_train, 1, kinds))
        write_panx(folder / f"dev-{lang}.tsv", sentences(lang, n_test, 2, kinds))
    return folder


def xl_config(strategy: str, out: Path, data: Path, model: Path, **options: Any) -> Any:
    """An XlingualConfig over de and fr of ``data`` with the tiny training options."""
    from nerlab.training.xlingual import XlingualConfig

    training = {**XL_TRAINING, "model": str(model), **options.pop("training", {})}
    return XlingualConfig(
        strategy, str(out), langs=("de", "fr"), data_dir=str(data), training=training, **options
    )
