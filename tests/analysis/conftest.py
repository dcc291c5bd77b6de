"""Fixtures of the analysis tests: a random tagger, a tiny model trained on the demo corpus,
and small labelled files written for the tests (never the shared data)."""

from __future__ import annotations

from pathlib import Path

import pytest
from _analysis_helpers import demo, write_conll


@pytest.fixture(scope="session")
def trained_dir(tiny_encoder_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny encoder trained on the demo corpus until it has learned its training set
    (it records ``demo:train`` as TRAIN, so analysis finds it)."""
    from nerlab.training import train

    out = tmp_path_factory.mktemp("analysis-trained") / "model"
    train(
        model=str(tiny_encoder_dir),
        output=str(out),
        epochs=8,
        learning_rate=1e-2,
        batch_size=16,
        warmup_ratio=0.0,
        precision="fp32",
        patience=100,
    )
    return out


@pytest.fixture(scope="session")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Labelled files: DATA mixing 40 training and 50 test sentences (seen and unseen
    entities), the demo train file, and variants with other labels or schemes."""
    from nerlab.data.schemes import convert_tags

    folder = tmp_path_factory.mktemp("analysis-files")
    mix = demo("train", 40) + demo("test")
    out = {
        "data": write_conll(folder / "data.conll", mix),
        "test": write_conll(folder / "test.conll", demo("test")),
        "train": write_conll(folder / "train.conll", demo("train")),
    }
    for scheme in ("IOB1", "BILOU"):
        converted = [(w, convert_tags(t, "IOB2", scheme)) for w, t in demo("train")]
        out[f"train_{scheme.lower()}"] = write_conll(folder / f"train_{scheme}.conll", converted)
    rename = {"PER": "person", "LOC": "location"}
    other = [
        (w, [t if t == "O" else f"{t[:2]}{rename.get(t[2:], t[2:])}" for t in tags])
        for w, tags in demo("test")
    ]
    out["other"] = write_conll(folder / "other.conll", other)
    return out
