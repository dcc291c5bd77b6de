"""``nerlab train --head crf``: a linear-chain CRF over the words, trained with the encoder,
saved in the model folder, and decoded with its learned transitions by every consumer of the
model (PyTorch and ONNX); plain tags get an unconstrained CRF, text classification refuses it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from _train_helpers import TINY_OPTIONS, demo_files, demo_sentences, write_conll
from safetensors.torch import load_file
from transformers import TrainerCallback

from _cli import run
from nerlab.config import TrainConfig
from nerlab.errors import ConfigError, ModelError
from nerlab.inference import Predictor
from nerlab.metrics.constrained import Learned, constrained_ids
from nerlab.tasks.token_classification.crf import CRF_LR_FACTOR, crf_of
from nerlab.training import TrainResult, train


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return demo_files(tmp_path_factory.mktemp("crf-data"), train=40, dev=12, test=12)


class _GroupSpy(TrainerCallback):
    """Records the optimiser's parameter groups (learning rate, size) when training starts."""

    def __init__(self) -> None:
        self.groups: list[dict[str, Any]] = []

    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        opt = kwargs["optimizer"]
        self.groups = [
            {"lr": g.get("initial_lr", g["lr"]), "n": sum(p.numel() for p in g["params"])}
            for g in opt.param_groups
        ]


@pytest.fixture(scope="module")
def crf_run(
    tiny_encoder_dir: Path, files: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> tuple[TrainResult, _GroupSpy]:
    spy = _GroupSpy()
    result = train(
        model=str(tiny_encoder_dir),
        output=str(tmp_path_factory.mktemp("crf-run") / "model"),
        head="crf",
        keep_checkpoints=True,
        callbacks=[spy],
        **files,
        **TINY_OPTIONS,
    )
    return result, spy


def test_the_default_head_is_linear() -> None:
    assert TrainConfig(output="o").head == "linear"


def test_the_crf_learns_and_is_saved_where_decoding_reads_it(crf_run) -> None:
    result, _ = crf_run
    out = Path(result.output)
    meta = json.loads((out / "nerlab_config.json").read_text())
    assert meta["training"]["head"] == "crf"
    assert result.stats["head"] == "crf"
    learned = Learned.from_json(meta["crf"], len(meta["labels"]))
    crf = crf_of(result.model)
    assert crf is not None
    np.testing.assert_allclose(
        learned.transitions, crf.transitions.detach().numpy(), rtol=1e-6, atol=1e-7
    )
    assert np.abs(learned.transitions).max() > 0.01  # it moved from its zero start
    card = (out / "README.md").read_text()
    assert "CRF head" in card and '"head": "crf"' in card


def test_the_crf_learns_with_its_own_larger_rate(crf_run) -> None:
    _, spy = crf_run
    lr = TINY_OPTIONS["learning_rate"]
    n_labels = len(crf_run[0].labels)
    crf_group = [g for g in spy.groups if g["lr"] == pytest.approx(lr * CRF_LR_FACTOR)]
    assert [g["n"] for g in crf_group] == [n_labels * n_labels + 2 * n_labels]
    others = [g for g in spy.groups if g not in crf_group]
    assert others and all(g["lr"] == pytest.approx(lr) for g in others)


def test_checkpoints_carry_the_crf(crf_run) -> None:
    out = Path(crf_run[0].output)
    checkpoints = sorted((out / "checkpoints").glob("checkpoint-*"))
    assert checkpoints
    weights = load_file(str(checkpoints[-1] / "model.safetensors"))
    assert {"crf.start", "crf.transitions", "crf.end"} <= set(weights)


def test_the_loaded_model_decodes_with_the_learned_transitions(crf_run, files, capsys) -> None:
    result, _ = crf_run
    predictor = Predictor.load(result.output, precision=None)
    assert predictor.decoding == "viterbi"
    assert predictor.task.crf is not None
    words = [w for w, _ in demo_sentences("test", 12)]
    scores = predictor.word_scores(words)
    learned = predictor.task.crf
    expected = constrained_ids(scores, predictor.labels, learned=learned)
    got = predictor.predict_words(words)
    for ids, tags in zip(expected, got, strict=True):
        assert tags == [predictor.labels[i] for i in ids]
    # the scores written at the end are those the run scored test with
    code, out, _ = run(["evaluate", result.output, files["test"], "--json"], capsys)
    assert code == 0
    assert json.loads(out)["f1"] == pytest.approx(result.test.main_score)


def test_strong_transitions_change_the_decoded_tags(crf_run, tmp_path) -> None:
    """The learned scores are really used: a huge O -> B-PER reward makes every word after
    an O a B-PER (the constraints still hold)."""
    import shutil

    result, _ = crf_run
    folder = tmp_path / "edited"
    shutil.copytree(result.output, folder, ignore=shutil.ignore_patterns("checkpoints"))
    meta = json.loads((folder / "nerlab_config.json").read_text())
    labels = meta["labels"]
    o, b_per = labels.index("O"), labels.index("B-PER")
    meta["crf"]["transitions"][o][b_per] = 1e4
    meta["crf"]["start"][o] = 1e4
    (folder / "nerlab_config.json").write_text(json.dumps(meta))
    tags = Predictor.load(folder).predict_words([["a", "b", "c", "d"]])[0]
    assert tags == ["O", "B-PER", "O", "B-PER"]  # two rewarded transitions: the only best path


def test_onnx_export_decodes_as_pytorch(crf_run, tmp_path) -> None:
    from nerlab.inference.onnx import export_onnx

    result, _ = crf_run
    export_onnx(result.output, tmp_path / "onnx")
    words = [w for w, _ in demo_sentences("test", 12)]
    torch_tags = Predictor.load(result.output).predict_words(words)
    onnx = Predictor.load(tmp_path / "onnx")
    assert onnx.task.crf is not None
    assert onnx.predict_words(words) == torch_tags


def test_plain_tags_get_a_crf_without_constraints_and_it_is_said(
    tiny_encoder_dir, tmp_path, capsys
) -> None:
    pos = [
        (w, ["NN" if i % 2 else "VB" for i in range(len(w))])
        for w, _ in demo_sentences("train", 20)
    ]
    data = write_conll(tmp_path / "pos.conll", pos)
    out = tmp_path / "pos-model"
    code, stdout, _ = run(
        [
            "train", "--model", str(tiny_encoder_dir), "--train", str(data), "--dev", str(data),
            "--head", "crf", "-o", str(out), "--epochs", "1", "--lr", "2e-3",
        ],
        capsys,
    )  # fmt: skip
    assert code == 0
    assert "without the IOB2 constraints" in stdout and "CRF head" in stdout
    predictor = Predictor.load(out)
    assert predictor.meta.scheme is None and predictor.task.crf is not None
    assert predictor.decoding == "viterbi"
    assert len(predictor.predict_words([["a", "b", "c"]])[0]) == 3


def test_text_classification_refuses_the_crf(tiny_encoder_dir, tmp_path) -> None:
    with pytest.raises(ConfigError) as exc:
        TrainConfig(output=str(tmp_path / "o"), task="text-classification", head="crf")
    assert "head" in str(exc.value) and "token-classification" in str(exc.value)
    # auto: the demo emotion data is text classification
    texts = tmp_path / "texts.txt"
    texts.write_text("i feel great;joy\ni am so sad;sadness\n" * 10, encoding="utf-8")
    with pytest.raises(ConfigError) as exc:
        train(model=str(tiny_encoder_dir), train=str(texts), head="crf", output=str(tmp_path / "t"))
    assert "head" in str(exc.value)
    assert not (tmp_path / "t").exists()


def test_an_unknown_head_is_refused_with_the_choices(tmp_path, capsys) -> None:
    code, _, err = run(["train", "--head", "lstm", "-o", str(tmp_path / "o")], capsys)
    assert code != 0
    assert "lstm" in err and "linear" in err and "crf" in err


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda crf: crf.pop("end"), "'start', 'transitions' and 'end'"),
        (lambda crf: crf["transitions"].pop(), "'transitions' has shape"),
        (lambda crf: crf.update(start="oops"), "number arrays"),
    ],
)
def test_damaged_crf_scores_name_the_file(crf_run, tmp_path, damage, message) -> None:
    import shutil

    folder = tmp_path / "damaged"
    shutil.copytree(crf_run[0].output, folder, ignore=shutil.ignore_patterns("checkpoints"))
    path = folder / "nerlab_config.json"
    meta = json.loads(path.read_text())
    damage(meta["crf"])
    path.write_text(json.dumps(meta))
    with pytest.raises(ModelError) as exc:
        Predictor.load(folder)
    assert str(path) in str(exc.value) and message in str(exc.value)


def test_a_runs_task_scores_with_the_models_crf(crf_run, tmp_path) -> None:
    """Training scores dev/test with its own task object, which has no CRF scores: the
    predictor's task (with the model's CRF) must decode, or early stopping and the reported
    scores ignore the CRF."""
    import shutil

    from nerlab.data.corpus import Corpus, Sentence
    from nerlab.data.labels import LabelSet
    from nerlab.tasks.token_classification import TokenClassification

    result, _ = crf_run
    folder = tmp_path / "edited"
    shutil.copytree(result.output, folder, ignore=shutil.ignore_patterns("checkpoints"))
    meta = json.loads((folder / "nerlab_config.json").read_text())
    labels = meta["labels"]
    meta["crf"]["transitions"][labels.index("O")][labels.index("B-PER")] = 1e4
    meta["crf"]["start"][labels.index("O")] = 1e4
    (folder / "nerlab_config.json").write_text(json.dumps(meta))
    run_task = TokenClassification(LabelSet.from_labels(labels, "IOB2"))  # no CRF, as in a run
    corpus = Corpus([Sentence(["a", "b", "c", "d"], ["O", "B-PER", "O", "B-PER"])])
    evaluation = run_task.evaluate(Predictor.load(folder), corpus)
    assert evaluation.pred == [["O", "B-PER", "O", "B-PER"]]
    assert evaluation.main_score == 1.0


def test_analyze_ranks_sentences_by_the_crfs_own_loss(crf_run, files) -> None:
    """A CRF model's highest-loss sentences are those of its training loss (the sequence NLL
    per word), not the per-word cross-entropy of its emissions."""
    import torch

    from nerlab.data.io import load_corpus
    from nerlab.evaluate.analysis import analyze
    from nerlab.evaluate.analysis.loss import sentence_losses, word_losses
    from nerlab.tasks.token_classification.crf import CrfScores

    result, _ = crf_run
    predictor = Predictor.load(result.output, precision=None)
    corpus = load_corpus(files["test"])
    analysis = analyze(predictor, files["test"], top_k=len(corpus))
    scores = predictor.word_scores(corpus.words)
    label2id = {lab: i for i, lab in enumerate(predictor.labels)}
    gold = [[label2id[t] for t in tags] for tags in corpus.tags]
    crf = CrfScores(len(predictor.labels))
    learned = predictor.task.crf
    with torch.no_grad():
        for name in ("start", "transitions", "end"):
            getattr(crf, name).copy_(torch.tensor(getattr(learned, name)))
    expected = []
    for s, g in zip(scores, gold, strict=True):
        nll = crf.nll(
            torch.tensor(s)[None], torch.tensor(g)[None], torch.ones(1, len(g), dtype=torch.bool)
        )
        expected.append(float(nll.detach()) / len(g))
    by_index = {v.index: v.loss for v in analysis.top}
    assert len(by_index) == len(corpus)
    assert [by_index[i] for i in range(len(corpus))] == pytest.approx(expected, rel=1e-4)
    assert [v.loss for v in analysis.top] == pytest.approx(sorted(expected, reverse=True), rel=1e-4)
    plain = sentence_losses(word_losses(scores, [np.array(g) for g in gold]))
    assert not np.allclose(plain, expected), "the emissions' cross-entropy is another loss"


class _CrfAtStart(TrainerCallback):
    """The CRF's scores when training starts (before the first step)."""

    def __init__(self) -> None:
        self.scores: dict[str, np.ndarray] | None = None

    def on_train_begin(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
        crf = crf_of(kwargs["model"])
        if crf is not None:
            self.scores = {k: v.detach().numpy().copy() for k, v in crf.state_dict().items()}


def test_going_on_from_a_crf_model_starts_from_its_crf(crf_run, files, tmp_path) -> None:
    result, _ = crf_run
    saved = json.loads((Path(result.output) / "nerlab_config.json").read_text())["crf"]
    spy = _CrfAtStart()
    opts = {**TINY_OPTIONS, "epochs": 1}
    more = train(
        model=result.output,
        output=str(tmp_path / "more"),
        head="crf",
        callbacks=[spy],
        **files,
        **opts,
    )
    assert spy.scores is not None
    for name in ("start", "transitions", "end"):
        np.testing.assert_allclose(spy.scores[name], np.asarray(saved[name]), rtol=1e-6)
    assert np.abs(np.asarray(saved["transitions"])).max() > 0.1, "the saved CRF had learned"
    assert (
        f"starts from the learned scores of the base model {result.output}"
        in (more.stats["head_note"])
    )


def test_going_on_without_the_crf_or_with_other_labels_is_said(crf_run, files, tmp_path) -> None:
    result, _ = crf_run
    opts = {**TINY_OPTIONS, "epochs": 1}
    linear = train(model=result.output, output=str(tmp_path / "linear"), **files, **opts)
    assert "has a CRF head; this run trains --head linear" in linear.stats["head_note"]
    assert "crf" not in json.loads((Path(linear.output) / "nerlab_config.json").read_text())

    # Only PER entities: other labels, so a CRF of their own, from zero.
    per = [
        (w, [t if t.endswith("PER") else "O" for t in tags])
        for w, tags in demo_sentences("train", 40)
    ]
    data = str(write_conll(tmp_path / "per.conll", per))
    spy = _CrfAtStart()
    other = train(
        model=result.output,
        output=str(tmp_path / "per"),
        train=data,
        head="crf",
        callbacks=[spy],
        **opts,
    )
    assert other.labels == ["O", "B-PER", "I-PER"]
    assert spy.scores is not None and not np.any(spy.scores["transitions"])
    assert (
        "has a CRF for other labels, so this run's CRF starts from zero"
        in (other.stats["head_note"])
    )
