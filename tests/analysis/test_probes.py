"""`run_probes`: casing, swap, unseen, gazetteer, other and all; their bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nerlab.data import load_corpus
from nerlab.errors import ConfigError, DataError, LabelError
from nerlab.evaluate.analysis import run_probes
from nerlab.evaluate.analysis.gazetteer import (
    build_sentences,
    example_names_path,
    gold_tags,
    read_names,
    read_templates,
)
from nerlab.evaluate.analysis.probes import parse_probes, swap_entities
from nerlab.inference import Predictor
from nerlab.metrics.partial import sentence_entities

TYPES = ["LOC", "MISC", "ORG", "PER"]


@pytest.fixture(scope="module")
def predictor(trained_dir: Path) -> Predictor:
    return Predictor.load(trained_dir, precision="fp32")


@pytest.fixture(scope="module")
def run_all(predictor: Predictor, files: dict[str, Path], tmp_path_factory):
    out = tmp_path_factory.mktemp("probes") / "report"
    run = run_probes(
        predictor,
        files["data"],
        ["all"],
        other=files["other"],
        mapping={"person": "PER", "location": "LOC"},
        report_dir=out,
    )
    return run, out


def test_all_probes_table_and_report(run_all) -> None:
    run, out = run_all
    names = [r.name for r in run.results]
    assert names == [
        "casing: lower",
        "casing: upper",
        "casing: title",
        "swap",
        "unseen",
        "gazetteer",
        "other",
    ]
    for r in run.results:
        assert 0.0 <= r.probed <= 1.0 and r.drop == pytest.approx(r.original - r.probed)
    assert sorted(p.name for p in out.iterdir()) == ["probes.html", "probes.json", "probes.png"]
    data = json.loads((out / "probes.json").read_text("utf-8"))
    assert [p["probe"] for p in data["probes"]] == names
    page = (out / "probes.html").read_text("utf-8")
    assert 'src="data:image/png;base64,' in page and "names missed most" in page


def test_casing_changes_nothing_for_an_uncased_tokenizer(run_all) -> None:
    """MiniLM's tokenizer lower-cases: the model cannot see case, so no probe drops."""
    for r in run_all[0].results[:3]:
        assert r.probed == r.original


def test_other_with_the_map_equals_data(predictor, files) -> None:
    run = run_probes(
        predictor,
        files["test"],
        ["other"],
        other=files["other"],
        mapping={"person": "PER", "location": "LOC"},
    )
    (r,) = run.results
    assert r.probed == r.original == run.f1
    assert any("person->PER" in n for n in r.details["notes"])


def test_unseen_and_swap(predictor, files) -> None:
    run = run_probes(predictor, files["data"], ["unseen", "swap"], seed=3)
    swap, unseen = run.results
    assert swap.name == "swap" and unseen.name == "unseen"
    gold = load_corpus(files["data"]).tags
    assert 0 < unseen.entities < sum(len(e) for e in sentence_entities(gold))
    again = run_probes(predictor, files["data"], ["swap"], seed=3).results[0]
    assert again.probed == swap.probed  # seeded


def test_swap_entities_keeps_types_and_context() -> None:
    words = [["Ana", "Silva", "visited", "Porto", "."]]
    ents = [[("PER", 0, 2), ("LOC", 3, 4)]]
    pool = {"PER": [("Ana", "Silva"), ("Bo",)], "LOC": [("New", "York")]}
    new_words, tags, replaced = swap_entities(words, ents, pool, seed=0)
    assert new_words == [["Bo", "visited", "New", "York", "."]]
    assert tags == [["B-PER", "O", "B-LOC", "I-LOC", "O"]]
    assert replaced == 2
    _, _, kept = swap_entities(words, ents, {"PER": [("Ana", "Silva")]}, seed=0)
    assert kept == 0


def test_gazetteer_resources() -> None:
    names = read_names(example_names_path(), TYPES)
    assert len(names) == 100
    assert {n.type for n in names} == {"ORG", "LOC"}
    assert sum(n.type == "ORG" for n in names) == 50
    templates = read_templates(None, TYPES)
    assert set(templates) == set(TYPES) and all(len(t) == 5 for t in templates.values())
    probes = build_sentences(names, templates)
    assert len(probes) == 500
    p = next(p for p in probes if p.name.text == "King ' s College London")
    assert p.words[p.start : p.end] == ["King", "'", "s", "College", "London"]
    assert gold_tags(p)[p.start : p.end] == ["B-ORG"] + ["I-ORG"] * 4
    assert read_templates(None, ["PER"]).keys() == {"PER"}  # built-ins of other types left out


def test_names_file_with_an_unknown_type(predictor, files, tmp_path) -> None:
    names = tmp_path / "names.tsv"
    names.write_text("# a comment\nParis\tLOC\nHarvard\tUNIVERSITY\n", encoding="utf-8")
    with pytest.raises(DataError) as err:
        run_probes(predictor, files["test"], ["gazetteer"], names=names)
    msg = str(err.value)
    assert f"{names}:3:" in msg and "'UNIVERSITY'" in msg and "LOC, MISC, ORG, PER" in msg
    names.write_text("Paris LOC\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"names.tsv:1: expected a name, a TAB"):
        run_probes(predictor, files["test"], ["gazetteer"], names=names)


def test_empty_or_broken_templates_file(predictor, files, tmp_path) -> None:
    templates = tmp_path / "templates.tsv"
    templates.write_text("# only a comment\n\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"templates.tsv: no templates"):
        run_probes(predictor, files["test"], ["gazetteer"], templates=templates)
    templates.write_text("LOC\tno slot here\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"templates.tsv:1: .*\{name\} once"):
        run_probes(predictor, files["test"], ["gazetteer"], templates=templates)
    templates.write_text("LOC\tWe met in {name} .\n", encoding="utf-8")
    with pytest.raises(DataError, match="no template for the type"):  # the ORG names
        run_probes(predictor, files["test"], ["gazetteer"], templates=templates)


def test_gazetteer_with_own_lists(predictor, files, tmp_path) -> None:
    names = tmp_path / "names.tsv"
    names.write_text("Porto\tLOC\nAna Silva\tPER\n", encoding="utf-8")
    templates = tmp_path / "templates.tsv"
    templates.write_text(
        "LOC\tWe met in {name} .\nPER\t{name} said so .\nPER\tAsk {name}.\n", encoding="utf-8"
    )
    (r,) = run_probes(
        predictor, files["test"], ["gazetteer"], names=names, templates=templates
    ).results
    assert r.entities == 3 and r.metric == "recall"
    per_name = {row["name"]: row for row in r.details["per_name"]}
    assert per_name["Ana Silva"]["total"] == 2 and per_name["Porto"]["total"] == 1


def test_other_needs_its_labels_mapped(predictor, files) -> None:
    with pytest.raises(LabelError, match="location"):
        run_probes(
            predictor, files["test"], ["other"], other=files["other"], mapping={"person": "PER"}
        )


def test_probe_names_and_missing_inputs(tagger_dir, files) -> None:
    assert parse_probes(["casing,unseen"]) == ["casing", "unseen"]
    assert parse_probes(["all"]) == ["casing", "swap", "unseen", "gazetteer", "other"]
    with pytest.raises(ConfigError, match="unknown probe 'case'"):
        parse_probes(["case"])
    with pytest.raises(ConfigError, match="--probe other needs --other FILE"):
        run_probes(tagger_dir, files["test"], ["other"])
    with pytest.raises(ConfigError, match="--probe unseen needs TRAIN"):
        run_probes(tagger_dir, files["test"], ["unseen"])  # no training record
    run = run_probes(tagger_dir, files["test"], ["all"], precision="fp32")
    assert [r.name for r in run.results][:3] == ["casing: lower", "casing: upper", "casing: title"]
    assert {n.split(":")[0] for n in run.notes} >= {
        "skipped swap",
        "skipped unseen",
        "skipped other",
    }


def test_a_context_model_probes_with_the_documents_of_data(trained_dir, files, tmp_path):
    """Casing and swap change DATA's words but keep its documents, which a model trained
    with document context reads (as nerlab evaluate does); data without documents is said."""
    import shutil

    from nerlab.evaluate import evaluate

    folder = tmp_path / "ctx"
    shutil.copytree(trained_dir, folder)
    meta = json.loads((folder / "nerlab_config.json").read_text("utf-8"))
    meta["context"] = 16
    (folder / "nerlab_config.json").write_text(json.dumps(meta), "utf-8")
    lines = files["data"].read_text("utf-8").split("\n\n")
    docs = tmp_path / "docs.conll"  # a -DOCSTART- before every 5 sentences
    docs.write_text(
        "\n\n".join(
            ("-DOCSTART- O\n\n" if i % 5 == 0 else "") + block
            for i, block in enumerate(b for b in lines if b.strip())
        )
        + "\n",
        "utf-8",
    )
    ctx = Predictor.load(folder, precision="fp32")
    with_docs = evaluate(ctx, docs).main_score
    alone = evaluate(Predictor.load(folder, precision="fp32", context=0), docs).main_score
    run = run_probes(ctx, docs, ["casing"])
    assert run.f1 == pytest.approx(with_docs)
    assert run.results[0].original == pytest.approx(with_docs)
    assert not any("document" in n for n in run.notes)
    assert with_docs != pytest.approx(alone)  # the documents change what the model predicts
    plain = run_probes(ctx, files["data"], ["casing"])
    assert any("document" in n for n in plain.notes)
