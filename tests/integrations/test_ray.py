"""Ray Data batch inference: the callable class, ``map_batches`` on a local cluster, and
``nerlab predict --engine ray`` against ``nerlab predict`` on the same rows, bad input too."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from _cli import run
from nerlab.errors import ConfigError
from nerlab.inference import Predictor
from nerlab.integrations.ray import NerlabPredictor, require_ray

TEXTS = [
    "Angela Merkel visited Paris.",
    "EU rejects German call to boycott British lamb.",
    "",
    "Peter Blackburn of the European Commission spoke in Brussels on Thursday.",
    "Zürich and São Paulo signed a deal with Novo Nordisk.",
]
# A JSONL file as users have them: good records, and lines nerlab predict reports and keeps.
JSONL_LINES = [
    json.dumps({"text": TEXTS[0], "id": 1}),
    json.dumps({"id": 2}),  # no text
    json.dumps({"text": None, "id": 3}),  # a null text
    "{not json",
    "",  # an empty document, kept in its place
    json.dumps({"text": TEXTS[1], "meta": {"source": "reuters", "page": 4}}),
    json.dumps({"text": 5, "id": 7}),  # a number, not a text
    json.dumps({"text": TEXTS[3], "id": 8}, ensure_ascii=False),
]


@pytest.fixture(scope="module")
def tagger(tagger_dir: Path) -> Predictor:
    return Predictor.load(tagger_dir, precision="fp32")


def same(a: object, b: object) -> bool:
    """Equal JSON values (key order too), floats within 1e-5 relative: a score depends in its
    last float32 digits on which texts shared its batch, which differs between the engines."""
    if isinstance(a, float) and isinstance(b, float):
        return abs(a - b) <= 1e-5 * max(abs(a), abs(b), 1e-12)
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def same_jsonl(a: str, b: str) -> bool:
    """Two JSONL outputs hold the same records, line by line (see :func:`same`)."""
    return same([json.loads(x) for x in a.splitlines()], [json.loads(x) for x in b.splitlines()])


def write_parquet(path: Path, texts: list[str | None]) -> pa.Table:
    """A Parquet file with the texts and columns of several types, nested ones included."""
    table = pa.table(
        {
            "id": list(range(len(texts))),
            "text": pa.array(texts, pa.string()),
            "meta": [{"source": f"s{i}", "score": i / 2} for i in range(len(texts))],
            "keywords": [[f"k{i}"] * (i % 3) for i in range(len(texts))],
        }
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path)
    return table


def reference(
    tagger_dir: Path, texts: list[str], tmp: Path, capsys: pytest.CaptureFixture[str]
) -> list[list[dict]]:
    """What ``nerlab predict`` (the local engine) writes for these texts."""
    src = tmp / "reference-input.jsonl"
    src.write_text("".join(json.dumps({"text": t}) + "\n" for t in texts), "utf-8")
    code, out, err = run(["predict", tagger_dir, src, "--precision", "fp32"], capsys)
    assert code == 0, err
    return [json.loads(line)["entities"] for line in out.splitlines()]


def predict_ray(
    model: Path, folder: Path, out: Path, capsys: pytest.CaptureFixture[str], *options: str
) -> tuple[int, str, str]:
    """``nerlab predict MODEL FOLDER --engine ray -o OUT [OPTIONS]``: exit code, stdout and
    stderr (see :func:`_cli.run`)."""
    return run(["predict", model, folder, "--engine", "ray", "-o", out, *options], capsys)


# -- the callable class, in process ------------------------------------------------------------


def test_callable_class_keeps_columns_in_every_batch_form(
    tagger_dir: Path, tagger: Predictor
) -> None:
    udf = NerlabPredictor(tagger_dir, precision="fp32")
    texts = [TEXTS[0], None, TEXTS[1], 7]
    expected = tagger.predict([TEXTS[0], TEXTS[1]])
    ids = np.arange(4)
    batches = {
        "numpy": {"text": np.array(texts, dtype=object), "id": ids},
        "pandas": pd.DataFrame({"text": pd.Series(texts, dtype=object), "id": ids}),
        "arrow": pa.table({"text": [TEXTS[0], None, TEXTS[1], None], "id": ids}),
    }
    for form, batch in batches.items():
        out = udf(batch)
        assert type(out) is type(batch), form
        if form == "arrow":
            columns = out.to_pydict()
            assert out.schema.field("entities").type == pa.list_(
                pa.struct(
                    [
                        ("start", pa.int64()),
                        ("end", pa.int64()),
                        ("label", pa.string()),
                        ("text", pa.string()),
                        ("score", pa.float64()),
                    ]
                )
            )
        else:
            columns = {k: list(out[k]) for k in ("text", "id", "entities", "error")}
        assert list(columns["id"]) == [0, 1, 2, 3], form
        assert columns["entities"][0] == expected[0] and columns["entities"][2] == expected[1]
        assert columns["entities"][1] is None and columns["entities"][3] is None
        assert columns["error"][0] is None and columns["error"][2] is None
        assert "'text' is null, not a string" in columns["error"][1], form
        if form != "arrow":
            assert "'text' is a int (7), not a string" in columns["error"][3]
    numpy_out = udf(batches["numpy"])
    assert numpy_out["text"] is batches["numpy"]["text"], "input columns are passed through"


def test_callable_class_names_a_missing_text_column(tagger_dir: Path) -> None:
    udf = NerlabPredictor(tagger_dir, text_column="body", precision="fp32")
    with pytest.raises(Exception, match=r"no column 'body' \(its columns: 'text', 'id'\)"):
        udf({"text": np.array(["Ana"], dtype=object), "id": np.arange(1)})


def test_missing_ray_names_the_extra(
    monkeypatch: pytest.MonkeyPatch,
    tagger_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` now fails as if absent
    with pytest.raises(ConfigError, match=r"pip install 'nerlab\[ray\]'"):
        require_ray()
    folder = tmp_path / "in"
    write_parquet(folder / "a.parquet", TEXTS)
    code, _, err = predict_ray(tagger_dir, folder, tmp_path / "out", capsys)
    assert code == 2 and "pip install 'nerlab[ray]'" in err
    assert not (tmp_path / "out").exists()


# -- on a local cluster --------------------------------------------------------------------------


def test_map_batches_on_an_actor_pool(
    ray_cluster: ModuleType, tagger_dir: Path, tagger: Predictor
) -> None:
    rows = [{"id": i, "text": t} for i, t in enumerate(TEXTS * 3)]
    ds = ray_cluster.data.from_items(rows).map_batches(
        NerlabPredictor,
        fn_constructor_kwargs={"model": str(tagger_dir), "precision": "fp32"},
        compute=ray_cluster.data.ActorPoolStrategy(size=2),
        batch_size=4,
    )
    out = sorted(ds.take_all(), key=lambda r: r["id"])
    assert [r["id"] for r in out] == list(range(len(rows)))
    assert [r["text"] for r in out] == [r["text"] for r in rows]
    expected = tagger.predict([r["text"] for r in rows])
    got = [list(r["entities"]) for r in out]
    assert [[(e["start"], e["end"], e["label"]) for e in g] for g in got] == [
        [(e["start"], e["end"], e["label"]) for e in x] for x in expected
    ]
    assert all(r["error"] is None for r in out)


def test_engine_ray_equals_nerlab_predict(
    ray_cluster: ModuleType,
    tagger_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.jsonl").write_text("\n".join(JSONL_LINES) + "\n", "utf-8")
    parquet_texts = [TEXTS[4], TEXTS[0], None, TEXTS[2], TEXTS[3]]
    table = write_parquet(folder / "part" / "b.parquet", parquet_texts)
    (folder / "_SUCCESS").write_text("")
    out = tmp_path / "out"

    options = ["--precision", "fp32", "--ray-actors", "2", "--ray-batch-size", "2"]
    code, _, err = predict_ray(tagger_dir, folder, out, capsys, *options)
    assert code == 0, err
    assert "2 file(s), 13 document(s)" in err and "5 unreadable row(s) kept" in err
    assert f"{folder / 'a.jsonl'}:2: no 'text' field" in err
    assert f"{folder / 'part' / 'b.parquet'}: row 3: 'text' is null" in err
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == [
        "a.jsonl",
        "part/b.parquet",
    ]

    # JSONL: what nerlab predict writes for the file, bad lines included.
    code, local, err = run(
        ["predict", tagger_dir, folder / "a.jsonl", "--precision", "fp32"], capsys
    )
    assert code == 0, err
    assert same_jsonl((out / "a.jsonl").read_text("utf-8"), local)
    records = [json.loads(line) for line in local.splitlines()]
    assert [r.get("error") is not None for r in records] == [
        False, True, True, True, False, False, True, False
    ]  # fmt: skip
    assert records[5]["meta"] == {"source": "reuters", "page": 4}

    # Parquet: every input column, in row order, plus the entities nerlab predict finds.
    written = pq.read_table(out / "part" / "b.parquet")
    assert written.column_names == [*table.column_names, "entities", "error"]
    assert written.select(table.column_names).equals(table)
    good = [t for t in parquet_texts if t is not None]
    expected = iter(reference(tagger_dir, good, tmp_path, capsys))
    rows = written.to_pylist()
    for row, text in zip(rows, parquet_texts, strict=True):
        if text is None:
            assert row["entities"] is None and "row 3: 'text' is null" in row["error"]
        else:
            assert row["error"] is None and same(row["entities"], next(expected))


def test_tokens_records_are_kept_with_an_error(
    ray_cluster: ModuleType, tagger_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    lines = [json.dumps({"tokens": ["EU", "rejects"], "id": 1}), json.dumps({"text": TEXTS[0]})]
    (folder / "t.ndjson").write_text("\n".join(lines) + "\n", "utf-8")
    code, _, err = predict_ray(tagger_dir, folder, tmp_path / "o", capsys)
    assert code == 0, err
    records = [json.loads(x) for x in (tmp_path / "o" / "t.ndjson").read_text().splitlines()]
    assert records[0]["tokens"] == ["EU", "rejects"] and records[0]["line"] == 1
    assert "--engine ray tags texts only" in records[0]["error"]
    assert records[1]["text"] == TEXTS[0] and "entities" in records[1]


# -- bad input -----------------------------------------------------------------------------------


def test_a_folder_without_readable_files(
    tagger_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    code, _, err = predict_ray(tagger_dir, empty, tmp_path / "o", capsys)
    assert code == 2 and f"{empty}: no readable JSONL or Parquet file (no files)" in err

    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("Ana lives in Porto.\n")
    (other / "bad.parquet").write_bytes(b"PAR1 not really parquet")
    code, _, err = predict_ray(tagger_dir, other, tmp_path / "o", capsys)
    assert code == 2, err
    assert f"{other / 'notes.txt'}: ignored: not a JSONL" in err
    assert f"{other / 'bad.parquet'}: cannot be read" in err
    assert "no readable JSONL or Parquet file (1 JSONL/Parquet file(s), none readable)" in err
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())

    code, _, err = predict_ray(tagger_dir, tmp_path / "missing", tmp_path / "o", capsys)
    assert code == 2 and "missing: not found; give a folder of JSONL or Parquet files" in err


def test_a_parquet_file_without_the_text_column(
    tagger_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "in"
    write_parquet(folder / "a.parquet", TEXTS)
    pq.write_table(pa.table({"id": [1], "body": ["Ana"]}), folder / "b.parquet")
    code, _, err = predict_ray(tagger_dir, folder, tmp_path / "o", capsys)
    assert code == 2
    assert f"{folder / 'b.parquet'}: no column 'text' (its columns: 'id', 'body')" in err
    assert not (tmp_path / "o" / "a.parquet").exists(), "stopped before any work"

    pq.write_table(pa.table({"text": [1, 2]}), folder / "b.parquet")
    code, _, err = predict_ray(tagger_dir, folder, tmp_path / "o", capsys)
    assert code == 2 and "b.parquet: column 'text' is int64, not a string column" in err

    pq.write_table(pa.table({"text": ["Ana"], "entities": ["mine"]}), folder / "b.parquet")
    code, _, err = predict_ray(tagger_dir, folder, tmp_path / "o", capsys)
    assert code == 2 and "already has a column 'entities', which the output would overwrite" in err


def test_a_corrupt_file_among_good_ones(
    ray_cluster: ModuleType, tagger_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "in"
    write_parquet(folder / "a.parquet", TEXTS)
    good = (folder / "a.parquet").read_bytes()
    (folder / "b.parquet").write_bytes(good[: len(good) // 2])  # cut short: no footer
    (folder / "c.jsonl").write_bytes("\n".join(TEXTS).encode("utf-16"))
    (folder / "d.jsonl").write_text(json.dumps({"text": TEXTS[0]}) + "\n")
    out = tmp_path / "o"
    code, _, err = predict_ray(tagger_dir, folder, out, capsys)
    assert code == 0, err
    assert f"{folder / 'b.parquet'}: cannot be read" in err and "file left out" in err
    assert f"{folder / 'c.jsonl'}" in err and "UTF-16" in err
    assert "2 file(s), 6 document(s)" in err and "2 file(s) left out" in err
    assert sorted(p.name for p in out.iterdir()) == ["a.parquet", "d.jsonl"]
    assert pq.read_table(out / "a.parquet").column("text").to_pylist() == TEXTS


def test_options_that_do_not_apply_and_outputs_over_inputs(
    tagger_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "in"
    write_parquet(folder / "a.parquet", TEXTS)
    before = (folder / "a.parquet").read_bytes()
    base = ["predict", tagger_dir, folder, "--engine", "ray"]
    code, _, err = run(base, capsys)
    assert code == 2 and "--engine ray reads an INPUT folder and writes an --output folder" in err
    code, _, err = run([*base, "-o", tmp_path / "o", "--shard", "1/2", "-f", "html"], capsys)
    assert code == 2 and "--shard, --format cannot be used with --engine ray" in err
    code, _, err = run([*base, "-o", folder], capsys)
    assert code == 2 and f"would overwrite its input {folder / 'a.parquet'}" in err
    assert (folder / "a.parquet").read_bytes() == before


def test_an_output_folder_inside_the_input_folder_is_not_read_back(
    ray_cluster: ModuleType, tagger_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "in"
    (folder / "out").mkdir(parents=True)
    (folder / "a.jsonl").write_text(json.dumps({"text": TEXTS[0]}) + "\n", "utf-8")
    (folder / "out" / "old.jsonl").write_text(json.dumps({"text": TEXTS[1]}) + "\n", "utf-8")
    for _ in range(2):  # the second run must not take the first one's output as input
        code, _, err = predict_ray(tagger_dir, folder, folder / "out", capsys)
        assert code == 0 and "1 file(s), 1 document(s)" in err, err
    assert sorted(p.name for p in (folder / "out").iterdir()) == ["a.jsonl", "old.jsonl"]


# -- text classifiers ------------------------------------------------------------------------------


def test_callable_class_with_a_classifier(classifier_dir: Path) -> None:
    classifier = Predictor.load(classifier_dir, precision="fp32")
    udf = NerlabPredictor(classifier_dir, precision="fp32", top_k=2)
    expected = classifier.classify([TEXTS[0], TEXTS[1]], top_k=2)
    out = udf({"text": np.array([TEXTS[0], None, TEXTS[1]], dtype=object), "id": np.arange(3)})
    assert list(out["classification"]) == [expected[0], None, expected[1]]
    assert out["error"][1] is not None and "entities" not in out
    table = udf(pa.table({"text": [TEXTS[0], TEXTS[1]]}))
    rows = table.column("classification").to_pylist()
    assert [r["label"] for r in rows] == [e["label"] for e in expected]
    assert [dict(r["scores"]) for r in rows] == [e["scores"] for e in expected]


def test_engine_ray_with_a_classifier(
    ray_cluster: ModuleType,
    classifier_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    folder = tmp_path / "in"
    texts = [TEXTS[0], None, TEXTS[3], TEXTS[2]]
    table = write_parquet(folder / "a.parquet", texts)
    (folder / "b.jsonl").write_text(json.dumps({"text": TEXTS[1], "n": 1}) + "\n", "utf-8")
    code, _, err = predict_ray(
        classifier_dir, folder, tmp_path / "o", capsys, "--precision", "fp32"
    )
    assert code == 0, err
    expected = Predictor.load(classifier_dir, precision="fp32").classify(
        [TEXTS[0], TEXTS[3], TEXTS[2], TEXTS[1]]
    )
    written = pq.read_table(tmp_path / "o" / "a.parquet")
    assert written.select(table.column_names).equals(table)
    rows = written.column("classification").to_pylist()
    got = [None if r is None else {**r, "scores": dict(r["scores"])} for r in rows]
    assert same(got, [expected[0], None, expected[1], expected[2]])
    record = json.loads((tmp_path / "o" / "b.jsonl").read_text("utf-8"))
    assert same(record, {"text": TEXTS[1], "n": 1, **expected[3]})
    argv = ["predict", classifier_dir, folder / "b.jsonl", "--precision", "fp32"]
    code, local, err = run(argv, capsys)
    assert code == 0, err
    assert same_jsonl((tmp_path / "o" / "b.jsonl").read_text("utf-8"), local)
