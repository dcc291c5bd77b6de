"""``nerlab xlingual --reuse``: a cell another run finished (the same sentences, test files and
training options) is copied, not trained again; and runs recorded before a training setting
existed still resume."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from _xlingual_helpers import xl_config

from nerlab.cli.main import run_cli
from nerlab.errors import ConfigError
from nerlab.training.xlingual import run_xlingual


@pytest.fixture(scope="module")
def zero_shot(tmp_path_factory: pytest.TempPathFactory, xl_data, tiny_encoder_dir) -> Path:
    out = tmp_path_factory.mktemp("zero") / "xl-zero"
    run_xlingual(xl_config("zero-shot", out, xl_data, tiny_encoder_dir))
    return out


def cells(calls: list[str]) -> list[str]:
    """The cells of nerlab.train calls (their output is ``.../cells/NAME/model``)."""
    return [Path(c).parent.name for c in calls]


def scores(out: Path, cell: str) -> dict[str, Any]:
    return json.loads((out / "cells" / cell / "scores.json").read_text())


def test_sizes_copies_the_zero_shot_cell(tmp_path, xl_data, tiny_encoder_dir, zero_shot, capsys):
    out = tmp_path / "xl-fr"
    argv = ["xlingual", "sizes", "--sizes", "20,60", "--target", "fr", "--langs", "de,fr"]
    argv += ["-o", str(out), "--reuse", str(zero_shot), "--data-dir", str(xl_data)]
    argv += ["--model", str(tiny_encoder_dir), "--epochs", "0.5", "--batch-size", "32"]
    argv += ["--lr", "0.002", "--warmup-ratio", "0", "--precision", "fp32"]
    assert run_cli(argv) == 0
    captured = capsys.readouterr()
    assert "cell de copied (--reuse)" in captured.err
    assert "2 cell(s) trained, 0 done earlier, 1 copied from --reuse" in captured.out

    theirs, mine = scores(zero_shot, "de"), scores(out, "de")
    assert mine["test"] == theirs["test"] and mine["dev_score"] == theirs["dev_score"]
    assert mine["copied_from"] == str(zero_shot / "cells" / "de")
    assert mine["identity"]["options"]["strategy"] == "sizes"
    assert not (out / "cells/de/model").exists(), "nothing trained for the copied cell"
    matrix = json.loads((out / "matrix.json").read_text())
    assert matrix["complete"]
    assert matrix["cells"]["de"]["copied_from"] == mine["copied_from"]
    assert matrix["cells"]["fr-20"]["copied_from"] is None
    assert matrix["curve"]["zero_shot"] == theirs["test"]["fr"]["score"]

    # The rerun finds its own copy (done earlier), with or without --reuse.
    again = run_xlingual(
        xl_config("sizes", out, xl_data, tiny_encoder_dir, sizes=(20, 60), target="fr")
    )
    assert again.reused == ["de", "fr-20", "fr-60"] and again.copied == []


def test_the_copy_is_what_training_the_cell_gives(
    tmp_path, xl_data, tiny_encoder_dir, zero_shot, train_calls
):
    """The premise of --reuse: the same cell trained in a sizes run scores the same."""
    trained = run_xlingual(
        xl_config("sizes", tmp_path / "a", xl_data, tiny_encoder_dir, sizes=(20,), target="fr")
    )
    assert trained.trained == ["de", "fr-20"]
    copied = run_xlingual(
        xl_config(
            "sizes",
            tmp_path / "b",
            xl_data,
            tiny_encoder_dir,
            sizes=(20,),
            target="fr",
            reuse=(str(zero_shot),),
        )
    )
    assert copied.copied == ["de"] and copied.trained == ["fr-20"]
    assert cells(train_calls) == ["de", "fr-20", "fr-20"]
    assert trained.matrix.values == copied.matrix.values


def test_each_copies_the_source_cell_and_trains_the_rest(
    tmp_path, xl_data, tiny_encoder_dir, zero_shot, train_calls
):
    cfg = xl_config("each", tmp_path / "each", xl_data, tiny_encoder_dir, reuse=(str(zero_shot),))
    result = run_xlingual(cfg)
    assert (result.copied, result.trained) == (["de"], ["fr"]) and cells(train_calls) == ["fr"]
    assert result.notes == []


def test_a_run_with_other_options_gives_nothing_and_says_why(
    tmp_path, xl_data, tiny_encoder_dir, zero_shot, train_calls
):
    cfg = xl_config(
        "each",
        tmp_path / "each",
        xl_data,
        tiny_encoder_dir,
        training={"epochs": 1.0},
        reuse=(str(zero_shot),),
        max_new_cells=1,
    )
    result = run_xlingual(cfg)
    assert result.copied == [] and result.trained == ["de"]
    assert any(
        f"--reuse {zero_shot}: nothing copied" in n and "training.epochs: 0.5 -> 1.0" in n
        for n in result.notes
    ), result.notes


def test_a_run_without_the_cell_says_so(tmp_path, xl_data, tiny_encoder_dir, zero_shot):
    cfg = xl_config(
        "zero-shot",
        tmp_path / "fr",
        xl_data,
        tiny_encoder_dir,
        source="fr",
        reuse=(str(zero_shot),),
    )
    result = run_xlingual(cfg)
    assert result.trained == ["fr"]
    assert f"--reuse {zero_shot}: nothing copied: none of its finished cells" in " ".join(
        result.notes
    )


def test_bad_reuse_folders_are_refused_before_training(
    tmp_path, xl_data, tiny_encoder_dir, train_calls
):
    out = tmp_path / "xl"
    with pytest.raises(ConfigError, match=r"--reuse .*nowhere: the folder does not exist"):
        run_xlingual(
            xl_config("each", out, xl_data, tiny_encoder_dir, reuse=(str(tmp_path / "nowhere"),))
        )
    (tmp_path / "mine").mkdir()
    with pytest.raises(ConfigError, match=r"mine: the folder holds no xlingual\.json"):
        run_xlingual(
            xl_config("each", out, xl_data, tiny_encoder_dir, reuse=(str(tmp_path / "mine"),))
        )
    run_xlingual(xl_config("zero-shot", out, xl_data, tiny_encoder_dir))
    with pytest.raises(ConfigError, match="this run's own --output"):
        run_xlingual(xl_config("zero-shot", out, xl_data, tiny_encoder_dir, reuse=(str(out),)))
    assert cells(train_calls) == ["de"]


def test_a_run_recorded_before_a_setting_existed_still_resumes(
    tmp_path, xl_data, tiny_encoder_dir, train_calls
):
    """A run an earlier nerlab recorded without `head` and `preset` (added later): those
    settings had their defaults, so its finished cell is done and its saved, unscored model is
    scored without training again."""
    out = tmp_path / "xl"

    def interrupt(status: Any) -> None:
        if status.state == "scoring" and status.cell.name == "fr":
            raise KeyboardInterrupt

    cfg = xl_config("each", out, xl_data, tiny_encoder_dir)
    with pytest.raises(KeyboardInterrupt):
        run_xlingual(cfg, progress=interrupt)
    assert cells(train_calls) == ["de", "fr"] and not (out / "cells/fr/scores.json").exists()
    old = ("head", "preset")
    _drop_keys(out / "xlingual.json", old, "options", "training")
    _drop_keys(out / "cells/de/scores.json", old, "identity", "options", "training")
    _drop_keys(out / "cells/fr/model/nerlab_run.json", old)

    result = run_xlingual(cfg)
    assert result.reused == ["de"] and result.trained == ["fr"]
    assert cells(train_calls) == ["de", "fr"], "the saved fr model was scored, not trained again"
    assert (out / "cells/fr/scores.json").is_file()


def _drop_keys(path: Path, keys: tuple[str, ...], *where: str) -> None:
    data = json.loads(path.read_text())
    node = data
    for key in where:
        node = node[key]
    for key in keys:
        del node[key]
    path.write_text(json.dumps(data))
