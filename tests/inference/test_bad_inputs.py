"""Bad and unusual inputs to `evaluate`, `predict` and `export` (issue 10).

Each case gives the command a bad input and checks four things: the exit code (2: one
``error: ...`` line, no traceback), the message (names the file or value and what to do), the
files afterwards (whatever the user had is byte for byte as it was, no temporary file is left
next to an output) and, for output paths, that the error came before the model was loaded.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import nerlab.data
from _cli import run
from nerlab.errors import ModelError
from nerlab.inference import Predictor, export_onnx
from nerlab.inference import onnx as onnx_module

DEMO_TEST = Path(nerlab.data.__file__).parent / "demo" / "test.conll"
TEXT = "Angela Merkel visited Paris.\nEU rejects German call to boycott British lamb.\n"
# -DOCSTART-, four columns, a blank line between sentences: what a gold file must keep.
GOLD = """\
-DOCSTART- -X- -X- O

Angela NNP B-NP B-PER
Merkel NNP I-NP I-PER
visited VBD B-VP O
Paris NNP B-NP B-LOC
. . O O

EU NNP B-NP B-ORG
rejects VBZ B-VP O
"""


def snapshot(root: Path) -> dict[str, bytes | None]:
    """Every file (its bytes) and folder (None) under ``root``, by relative path."""
    return {
        str(p.relative_to(root)): p.read_bytes() if p.is_file() else None
        for p in sorted(root.rglob("*"))
    }


def assert_user_error(code: int, err: str, *fragments: str) -> None:
    """Exit 2 with one ``error:`` message holding every fragment, and no traceback."""
    assert code == 2, err
    assert err.startswith("error: ") and err.count("error: ") == 1, err
    assert "Traceback" not in err, err
    for fragment in fragments:
        assert fragment in err, (fragment, err)


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """A folder holding the user's files: docs.txt (text) and gold.conll (labelled)."""
    (tmp_path / "docs.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "gold.conll").write_text(GOLD, encoding="utf-8")
    return tmp_path


@pytest.fixture
def no_model_load(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if the command gets as far as loading a model."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the model was loaded before the bad input was reported")

    monkeypatch.setattr(Predictor, "load", refuse)
    monkeypatch.setattr(onnx_module, "load_torch_model", refuse)


def copy_model(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def edit_json(path: Path, **changes: object) -> None:
    data = json.loads(path.read_text("utf-8"))
    data.update(changes)
    path.write_text(json.dumps(data), encoding="utf-8")


# --- 1, 2, 4: an output that is an input; a missing input ----------------------------------


def test_predict_output_is_its_input(
    tagger_dir: Path, work: Path, capsys: pytest.CaptureFixture[str], no_model_load: None
) -> None:
    docs = work / "docs.txt"
    before = snapshot(work)
    code, _, err = run(["predict", tagger_dir, docs, "-o", docs], capsys)
    assert_user_error(code, err, f"--output {docs} would overwrite its input", "another file")
    assert snapshot(work) == before


def test_predict_missing_input_keeps_existing_output(
    tagger_dir: Path, work: Path, capsys: pytest.CaptureFixture[str], no_model_load: None
) -> None:
    existing = work / "existing.jsonl"
    existing.write_bytes(b'{"text": "mine", "entities": []}\n')
    before = snapshot(work)
    code, _, err = run(["predict", tagger_dir, work / "missing.txt", "-o", existing], capsys)
    assert_user_error(code, err, "missing.txt", "not found")
    assert snapshot(work) == before


def test_evaluate_predictions_onto_the_gold_file(
    tagger_dir: Path, work: Path, capsys: pytest.CaptureFixture[str], no_model_load: None
) -> None:
    gold = work / "gold.conll"
    before = snapshot(work)
    code, _, err = run(["evaluate", tagger_dir, gold, "--predictions", gold], capsys)
    assert_user_error(code, err, f"--predictions {gold} would overwrite its input")
    assert snapshot(work) == before
    # Spelled another way, or through a hard link: still the same file.
    os.link(gold, work / "hard.conll")
    before = snapshot(work)
    for spelled in (work / "x" / ".." / "gold.conll", work / "hard.conll"):
        code, _, err = run(["evaluate", tagger_dir, gold, "--predictions", spelled], capsys)
        assert_user_error(code, err, "would overwrite its input")
    assert snapshot(work) == before


# --- 3: a model folder without its tokenizer --------------------------------------------------


@pytest.mark.parametrize(
    ("removed", "named"),
    [
        (("tokenizer.json", "tokenizer_config.json"), ("tokenizer_config.json", "tokenizer.json")),
        (("tokenizer_config.json",), ("tokenizer_config.json missing",)),
    ],
)
@pytest.mark.parametrize("command", ["evaluate", "predict"])
def test_model_without_tokenizer_files(
    command: str,
    removed: tuple[str, ...],
    named: tuple[str, ...],
    tagger_dir: Path,
    work: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    model = copy_model(tagger_dir, work / "model")
    for name in removed:
        (model / name).unlink()
    before = snapshot(work)
    inputs = [work / "gold.conll"] if command == "evaluate" else [work / "docs.txt"]
    code, out, err = run([command, model, *inputs], capsys)
    assert_user_error(code, err, f"{model} has no tokenizer", *named, "Copy the tokenizer files")
    assert out == ""  # no F1 0.0 table, no predictions
    assert snapshot(work) == before


# --- 5: broken model files; ONNX exports --------------------------------------------------


@pytest.mark.parametrize("command", ["evaluate", "predict"])
def test_truncated_weights(
    command: str, tagger_dir: Path, work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = copy_model(tagger_dir, work / "model")
    weights = model / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:100])
    before = snapshot(work)
    inputs = [work / "gold.conll"] if command == "evaluate" else [work / "docs.txt"]
    code, out, err = run([command, model, *inputs], capsys)
    assert_user_error(code, err, f"{weights}: the model weights cannot be loaded", "copy it again")
    assert out == ""
    assert snapshot(work) == before


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ('{"archi', "config.json:1: not valid JSON"),
        ("[1, 2]", "config.json: holds a JSON list, not a JSON object"),
    ],
)
@pytest.mark.parametrize("command", ["evaluate", "predict", "export"])
def test_bad_config_json(
    command: str,
    config: str,
    message: str,
    tagger_dir: Path,
    work: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    model = copy_model(tagger_dir, work / "model")
    (model / "config.json").write_text(config, encoding="utf-8")
    before = snapshot(work)
    extra = {"evaluate": [work / "gold.conll"], "predict": [work / "docs.txt"]}
    argv = [command, model, *extra.get(command, [work / "out", "--onnx"])]
    code, _, err = run(argv, capsys)
    assert_user_error(code, err, f"{model}/{message}", "copy it again or train it again")
    assert snapshot(work) == before


def test_export_of_an_onnx_export(
    onnx_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(["export", onnx_dir, tmp_path / "again", "--onnx"], capsys)
    assert_user_error(code, err, f"{onnx_dir} is already an ONNX export", "nerlab train")
    assert list(tmp_path.iterdir()) == []


def _flat(data: object, prefix: str = "") -> dict[str, object]:
    if isinstance(data, dict):
        return {k: v for key, sub in data.items() for k, v in _flat(sub, f"{prefix}/{key}").items()}
    return {prefix: data}


def test_evaluate_onnx_export_scores_like_pytorch(
    tagger_dir: Path, onnx_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, torch_out, err = run(
        ["evaluate", tagger_dir, DEMO_TEST, "--json", "--precision", "fp32"], capsys
    )
    assert code == 0, err
    code, onnx_out, err = run(["evaluate", onnx_dir, DEMO_TEST, "--json"], capsys)
    assert code == 0, err
    torch_scores, onnx_scores = _flat(json.loads(torch_out)), _flat(json.loads(onnx_out))
    assert onnx_scores.keys() == torch_scores.keys()
    assert any("/per_type/PER/f1" in k for k in onnx_scores)
    assert torch_scores["/token_accuracy"] > 0  # a real comparison, not two empty results
    for key, value in torch_scores.items():
        if isinstance(value, float):
            assert onnx_scores[key] == pytest.approx(value, abs=1e-6), key
        else:
            assert onnx_scores[key] == value, key


# --- 6: output paths ------------------------------------------------------------------------


def _output_argv(command: str, model: Path, work: Path, path: Path | str) -> list[str | Path]:
    if command == "predict -o":
        return ["predict", model, work / "docs.txt", "-o", path]
    option = command.split()[1]
    return ["evaluate", model, work / "gold.conll", option, path]


OUTPUT_OPTIONS = ["evaluate --predictions", "evaluate --report-dir", "predict -o"]


@pytest.mark.parametrize("command", OUTPUT_OPTIONS)
@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("{work}/folder", "is a folder; give a file path"),
        ("/proc/nerlab-out", "is under /proc, which holds kernel interfaces"),
        ("{work}/docs.txt/out.jsonl", "docs.txt is a file, not a folder"),
        ("{work}/ro/out.jsonl", "is not writable"),
    ],
)
def test_bad_output_path_before_any_work(
    command: str,
    path: str,
    message: str,
    tagger_dir: Path,
    work: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    no_model_load: None,
) -> None:
    (work / "folder").mkdir()
    (work / "ro").mkdir()
    real_access = os.access
    # Tests may run as root, for whom every folder is writable: fake a read-only one.
    monkeypatch.setattr(
        os, "access", lambda p, mode, **kw: Path(p) != work / "ro" and real_access(p, mode, **kw)
    )
    if command.endswith("--report-dir") and path.endswith("folder"):
        path, message = "{work}/docs.txt", "is a file; give a folder"
    target = path.format(work=work)
    before = snapshot(work)
    code, _, err = run(_output_argv(command, tagger_dir, work, target), capsys)
    option = command.split()[1]
    assert_user_error(code, err, f"{'--output' if option == '-o' else option} {target}", message)
    assert snapshot(work) == before


@pytest.mark.parametrize("command", OUTPUT_OPTIONS)
def test_output_in_missing_folders_is_created(
    command: str, tagger_dir: Path, work: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = work / "new" / "deeper" / ("report" if "report" in command else "out.txt")
    before = snapshot(work)
    code, _, err = run(
        [*_output_argv(command, tagger_dir, work, target), "--precision", "fp32"], capsys
    )
    assert code == 0, err
    after = snapshot(work)
    assert {k: v for k, v in after.items() if k in before} == before
    created = sorted(set(after) - set(before))
    if "report" in command:
        names = ["evaluation.json", "evaluation_confusion.json", "evaluation_confusion.png"]
        assert created == ["new", "new/deeper", "new/deeper/report"] + [
            f"new/deeper/report/{n}" for n in names
        ]
    else:
        assert created == ["new", "new/deeper", "new/deeper/out.txt"]  # no temporary file left
        assert after["new/deeper/out.txt"]


# --- 7, 8: closed stdin; a one-column file to score -------------------------------------------


def _closed_stream() -> io.TextIOWrapper:
    stream = io.TextIOWrapper(io.BytesIO(b"Paris\n"))
    stream.close()
    return stream


@pytest.mark.parametrize("stdin", [None, _closed_stream()], ids=["none", "closed"])
def test_predict_with_stdin_closed(
    stdin: object,
    tagger_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    no_model_load: None,
) -> None:
    monkeypatch.setattr(sys, "stdin", stdin)
    code, out, err = run(["predict", tagger_dir], capsys)
    assert_user_error(code, err, "standard input is closed", "give an INPUT file or --text")
    assert out == ""


def test_score_one_column_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "words.conll"
    path.write_text("Angela\nMerkel\n\nParis\n", encoding="utf-8")
    code, _, err = run(["score", path], capsys)
    assert_user_error(code, err, f"{path}:1: found 1 column(s)", "at least 3")
    assert "2 column" not in err


# --- the sweep: more bad inputs, and what was fixed -------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"labels": []}, "'labels' must be a non-empty list of label names, not []"),
        ({"labels": "O B-PER"}, "'labels' must be the list of label names, not 'O B-PER'"),
        ({"labels": [1, 2, 3, 4, 5, 6, 7, 8, 9]}, "'labels' must be a non-empty list"),
        ({"labels": ["O", "B-PER"]}, "2 labels, but config.json's id2label (the model head) has 9"),
        ({"labels": ["O"] * 9}, "'labels' lists ['O'] twice"),
        ({"scheme": "BOGUS"}, "'scheme' must be \"IOB2\" (span labels) or null"),
        ({"labels": ["O", "B-PER", "X", *"abcdef"]}, "scheme IOB2 labels are O, B-TYPE and I-TYPE"),
        ({"max_length": "abc"}, "'max_length' must be a whole number, not 'abc'"),
        ({"max_length": -5}, "'max_length' -5 is too small to hold a word"),
        ({"training": "x"}, "'training' must be a JSON object, not 'x'"),
        ({"export": [1]}, "'export' must be a JSON object"),
        ({"training": {"precision": "fp64"}}, "training precision 'fp64' is not one of"),
        ({"training": {"stride": "x"}}, "training stride must be a whole number >= 0"),
        ({"training": {"eval_token_budget": 0}}, "training eval_token_budget must be a whole"),
    ],
)
def test_corrupt_nerlab_config(
    changes: dict[str, object],
    message: str,
    tagger_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Fixed: tracebacks (TypeError, ValueError, IndexError) or a misleading label error."""
    model = copy_model(tagger_dir, tmp_path / "model")
    edit_json(model / "nerlab_config.json", **changes)
    for argv in (["predict", model, "-t", "Paris"], ["evaluate", model, DEMO_TEST]):
        code, out, err = run(argv, capsys)
        assert_user_error(code, err, f"{model}/nerlab_config.json: {message}", "copy it again")
        assert out == ""


def test_config_json_oddities(
    tagger_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Fixed: a one-name 'architectures' was read letter by letter; a config.json without
    id2label, or with another model type, gave a weights error about `ignore_mismatched_sizes`
    or a damaged file."""
    one_name = copy_model(tagger_dir, tmp_path / "one-name")
    edit_json(one_name / "config.json", architectures="BertForTokenClassification")
    code, _, err = run(["predict", one_name, "-t", "Paris"], capsys)
    assert code == 0, err

    no_labels = copy_model(tagger_dir, tmp_path / "no-labels")
    (no_labels / "nerlab_config.json").unlink()
    config = json.loads((no_labels / "config.json").read_text())
    del config["id2label"], config["label2id"]
    (no_labels / "config.json").write_text(json.dumps(config))
    code, _, err = run(["predict", no_labels, "-t", "Paris"], capsys)
    assert_user_error(code, err, f"{no_labels}/config.json has no id2label", "nerlab train")

    gaps = copy_model(tagger_dir, tmp_path / "gaps")
    edit_json(gaps / "config.json", id2label={"0": "O", "5": "B-PER"})
    code, _, err = run(["predict", gaps, "-t", "Paris"], capsys)
    assert_user_error(code, err, "id2label ids must be 0 to 1, without gaps")

    unknown = copy_model(tagger_dir, tmp_path / "unknown-type")
    edit_json(unknown / "config.json", model_type="nonsense")
    code, _, err = run(["predict", unknown, "-t", "Paris"], capsys)
    assert_user_error(code, err, f"{unknown}/config.json: transformers cannot build", "upgrade")
    assert "You are using a model of type" not in err  # transformers' notice stays quiet


def test_weights_of_another_shape(
    tagger_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Fixed: 'ignore_mismatched_sizes ... see the above report' (there was no report)."""
    model = copy_model(tagger_dir, tmp_path / "model")
    (model / "nerlab_config.json").unlink()
    labels = ["O", "B-PER", "I-PER"]
    edit_json(
        model / "config.json",
        id2label=dict(enumerate(labels)),
        label2id={lab: i for i, lab in enumerate(labels)},
    )
    code, _, err = run(["evaluate", model, DEMO_TEST], capsys)
    assert_user_error(
        code, err, f"{model}/model.safetensors: the weights do not have the shapes config.json"
    )
    assert "ignore_mismatched_sizes" not in err


def test_unreadable_pytorch_bin_and_tokenizer(
    tagger_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Fixed: torch's paragraph about weights_only; a damaged tokenizer.json named no file."""
    model = copy_model(tagger_dir, tmp_path / "bin")
    (model / "model.safetensors").unlink()
    (model / "pytorch_model.bin").write_bytes(b"garbage")
    code, _, err = run(["predict", model, "-t", "Paris"], capsys)
    assert_user_error(code, err, f"{model}/pytorch_model.bin: the model weights cannot be loaded")
    assert "arbitrary code execution" not in err

    model = copy_model(tagger_dir, tmp_path / "tok")
    (model / "tokenizer.json").write_text('{"version": "1.0", "trunc', encoding="utf-8")
    code, _, err = run(["predict", model, "-t", "Paris"], capsys)
    assert_user_error(code, err, f"{model}: the tokenizer cannot be loaded", "tokenizer.json")


def test_sharded_weights_load(
    tagger_dir: Path, predictor: Predictor, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Fixed: a large model saved in shards (an index file) was 'no PyTorch weights'."""
    from transformers import AutoModelForTokenClassification

    model = copy_model(tagger_dir, tmp_path / "sharded")
    (model / "model.safetensors").unlink()
    AutoModelForTokenClassification.from_pretrained(tagger_dir).save_pretrained(
        model, max_shard_size="1MB"
    )
    assert (model / "model.safetensors.index.json").is_file()
    sentences = [["Angela", "Merkel", "visited", "Paris", "."]]
    loaded = Predictor.load(model, precision="fp32")
    assert loaded.predict_words(sentences) == predictor.predict_words(sentences)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--predictions", "{work}/same", "--report-dir", "{work}/same"], "in each other's way"),
        (
            ["--predictions", "{work}/rep/evaluation.json", "--report-dir", "{work}/rep"],
            "in each other's way",
        ),
        (["--predictions", "{work}/p", "--report-dir", "{work}/p/rep"], "in each other's way"),
        (["--report-dir", "{work}/has-folder"], "it holds a folder evaluation.json"),
        (["--predictions", "{work}/model/model.safetensors"], "would overwrite its input"),
        (["--predictions", "{work}/model/tokenizer.json"], "would overwrite its input"),
    ],
)
def test_evaluate_outputs_in_each_others_way(
    options: list[str],
    message: str,
    tagger_dir: Path,
    work: Path,
    capsys: pytest.CaptureFixture[str],
    no_model_load: None,
) -> None:
    """Fixed: predictions and report in one place failed after the evaluation (FileExistsError)
    or the report silently replaced the predictions; an output could replace a model file."""
    (work / "has-folder" / "evaluation.json").mkdir(parents=True)
    model = copy_model(tagger_dir, work / "model")
    before = snapshot(work)
    argv = ["evaluate", model, work / "gold.conll", *(o.format(work=work) for o in options)]
    code, _, err = run(argv, capsys)
    assert_user_error(code, err, message)
    assert snapshot(work) == before


def test_report_into_the_model_folder_twice(
    tagger_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A report may go into the model folder, and a second run replaces the first report."""
    model = copy_model(tagger_dir, tmp_path / "model")
    before = snapshot(model)
    for _ in range(2):
        code, _, err = run(["evaluate", model, DEMO_TEST, "--report-dir", model], capsys)
        assert code == 0, err
    after = snapshot(model)
    assert {k: v for k, v in after.items() if k in before} == before
    assert sorted(set(after) - set(before)) == [
        "evaluation.json",
        "evaluation_confusion.json",
        "evaluation_confusion.png",
    ]


def test_predict_output_onto_a_model_file_and_dash_for_stdin(
    tagger_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Fixed: `-o MODEL/config.json` replaced the model's config; `-` was 'file not found'."""
    model = copy_model(tagger_dir, tmp_path / "model")
    before = snapshot(tmp_path)
    code, _, err = run(["predict", model, "-t", "Paris", "-o", model / "config.json"], capsys)
    assert_user_error(code, err, "would overwrite its input")
    assert snapshot(tmp_path) == before
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"Paris\nBerlin\n")))
    code, out, err = run(["predict", model, "-"], capsys)
    assert code == 0, err
    assert [json.loads(line)["text"] for line in out.splitlines()] == ["Paris", "Berlin"]


@pytest.mark.parametrize(
    ("out", "message"),
    [
        ("/proc/nerlab-export", "is under /proc"),
        ("{tmp}/docs.txt/onnx", "docs.txt is a file, not a folder"),
    ],
)
def test_export_bad_output_before_any_work(
    out: str,
    message: str,
    tagger_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    no_model_load: None,
) -> None:
    """Fixed: FileNotFoundError / NotADirectoryError tracebacks after the model had loaded."""
    (tmp_path / "docs.txt").write_text("mine")
    before = snapshot(tmp_path)
    code, _, err = run(["export", tagger_dir, out.format(tmp=tmp_path), "--onnx"], capsys)
    assert_user_error(code, err, "output folder", message)
    assert snapshot(tmp_path) == before


@pytest.fixture
def broken_exporter(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The exporter writes a file ONNX Runtime cannot load (as opset 28 did with torch 2.13)."""

    def export(model: object, path: Path, opset: int, tokenizer: object) -> None:
        path.write_bytes(b"not an ONNX graph")

    monkeypatch.setattr(onnx_module, "_torch_export", export)
    yield


def test_failed_export_leaves_the_output_as_it_was(
    tagger_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], broken_exporter: None
) -> None:
    """Fixed: the output folder was made first and filled file by file: a failed export left
    a half-written folder, and `export` reported success for a model that does not load."""
    code, _, err = run(["export", tagger_dir, tmp_path / "new" / "onnx", "--onnx"], capsys)
    assert_user_error(code, err, "does not run in onnxruntime", "nothing was written", "--opset")
    assert list(tmp_path.iterdir()) == []
    kept = tmp_path / "kept"
    kept.mkdir()
    (kept / "notes.txt").write_text("mine")
    (kept / "model.onnx").write_bytes(b"an older export")
    before = snapshot(tmp_path)
    code, _, err = run(["export", tagger_dir, kept, "--onnx", "--overwrite"], capsys)
    assert_user_error(code, err, "nothing was written")
    assert snapshot(tmp_path) == before


def test_export_unknown_opset(tagger_dir: Path, tmp_path: Path) -> None:
    """Fixed: opset 99 wrote a model ONNX Runtime could not load, and said it worked."""
    from nerlab.errors import ConfigError

    with pytest.raises(ConfigError, match=r"opset 99 does not exist: .* up to \d+"):
        export_onnx(tagger_dir, tmp_path / "out", opset=99)
    assert list(tmp_path.iterdir()) == []


def test_export_writes_nothing_else(
    tagger_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A new output in missing folders: the model files only, no staging folder left."""
    out = tmp_path / "a" / "b"
    code, _, err = run(["export", tagger_dir, out, "--onnx"], capsys)
    assert code == 0, err
    assert sorted(snapshot(tmp_path)) == [
        "a",
        "a/b",
        "a/b/config.json",
        "a/b/model.onnx",
        "a/b/nerlab_config.json",
        "a/b/tokenizer.json",
        "a/b/tokenizer_config.json",
    ]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["evaluate", "{model}", "{tmp}/empty.conll"], "no sentence found"),
        (["evaluate", "{model}", "{tmp}/unknown.conll"], "not in the training labels: B-FOO"),
        (["evaluate", "{model}", "{tmp}/words.conll"], "has no tags"),
        (["evaluate", "{model}", "{tmp}/nul.conll"], "NUL byte"),
        (["evaluate", "{tmp}/docs.txt", "{tmp}/unknown.conll"], "does not exist (or is not a"),
        (["predict", "{tmp}/loop", "-t", "x"], "does not exist (or is not a folder)"),
        (["evaluate", "{model}", "{tmp}/loop"], "link to a missing file (or a link loop)"),
        (["predict", "{model}", "{tmp}"], "is a folder"),
        (["predict", "{model}", "--shard", "3/2"], "shard 3 does not exist"),
        (["evaluate", "{model}", "{tmp}/unknown.conll", "--tag-column", "7"], "does not exist"),
        (["export", "{model}", "{tmp}/x", "--onnx", "--quantize", "int4"], "allowed: int8"),
    ],
)
def test_sweep_inputs_that_already_behave(
    argv: list[str],
    message: str,
    tagger_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """More of the sweep: each a clear error, and the user's files unchanged."""
    (tmp_path / "empty.conll").write_bytes(b"")
    (tmp_path / "unknown.conll").write_text("Ana B-FOO\nx O\n")
    (tmp_path / "words.conll").write_text("Angela\nMerkel\n")
    (tmp_path / "nul.conll").write_bytes(b"Ana\0 B-PER\nx O\n")
    (tmp_path / "docs.txt").write_text(TEXT)
    os.symlink(tmp_path / "loop2", tmp_path / "loop")
    os.symlink(tmp_path / "loop", tmp_path / "loop2")
    before = snapshot(tmp_path)
    code, _, err = run([a.format(model=tagger_dir, tmp=tmp_path) for a in argv], capsys)
    assert_user_error(code, err, message)
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("text", ["", " \t ", "x" * 20_000, "Angela\0Merkel"])
def test_unusual_texts(text: str, tagger_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Empty, blank, one 20,000-character word, a NUL: one record each, text kept exactly."""
    code, out, err = run(["predict", tagger_dir, "--text", text], capsys)
    assert code == 0, err
    (record,) = [json.loads(line) for line in out.splitlines()]
    assert record["text"] == text
    assert all(text[e["start"] : e["end"]] == e["text"] for e in record["entities"])


def test_model_error_type_for_the_python_api(tagger_dir: Path, tmp_path: Path) -> None:
    """The library raises ModelError (the CLI turns it into exit 2): no bare TypeError."""
    model = copy_model(tagger_dir, tmp_path / "model")
    edit_json(model / "nerlab_config.json", max_length="abc")
    with pytest.raises(ModelError, match="'max_length' must be a whole number"):
        Predictor.load(model)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["predict", "{model}", "{long}.txt"], "cannot be read: File name too long"),
        (["export", "{model}", "{long}", "--onnx"], "cannot be used: File name too long"),
        (["export", "{model}", "{long}/onnx", "--onnx"], "cannot be used: File name too long"),
        (["predict", "{model}", "{tmp}/loop"], "not found (a symbolic link to a missing file"),
    ],
)
def test_unusable_paths_before_any_work(
    argv: list[str],
    message: str,
    tagger_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    no_model_load: None,
) -> None:
    """Fixed: OSError tracebacks for a name longer than the file system allows; a missing INPUT
    is reported before the model loads."""
    os.symlink(tmp_path / "loop2", tmp_path / "loop")
    os.symlink(tmp_path / "loop", tmp_path / "loop2")
    before = snapshot(tmp_path)
    long = str(tmp_path / ("n" * 300))
    code, _, err = run([a.format(model=tagger_dir, tmp=tmp_path, long=long) for a in argv], capsys)
    assert_user_error(code, err, message)
    assert snapshot(tmp_path) == before


def test_model_path_too_long(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Fixed: OSError from read_meta's is_dir() on a name the file system refuses."""
    long = tmp_path / ("m" * 300)
    for argv in (["predict", long, "-t", "x"], ["evaluate", long, DEMO_TEST]):
        code, _, err = run(argv, capsys)
        assert_user_error(code, err, f"model folder {long} cannot be used: File name too long")


def test_export_overwrite_with_a_folder_in_the_way(
    tagger_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Fixed: a folder named config.json in OUT gave IsADirectoryError after the export, with
    model.onnx already moved in."""
    out = tmp_path / "out"
    (out / "config.json").mkdir(parents=True)
    (out / "notes.txt").write_text("mine")
    before = snapshot(tmp_path)
    code, _, err = run(["export", tagger_dir, out, "--onnx", "--overwrite"], capsys)
    assert_user_error(code, err, "holds folders named config.json", "nothing was written")
    assert snapshot(tmp_path) == before
