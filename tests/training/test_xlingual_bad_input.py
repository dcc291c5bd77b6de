"""``nerlab xlingual`` refuses bad input before any training, with messages that name the
option or file, the bad value and what is allowed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from _xlingual_helpers import panx_folder, sentences, write_panx

from nerlab.cli.main import run_cli
from nerlab.errors import ConfigError, DataError, LabelError
from nerlab.training.xlingual import (
    XlingualConfig,
    parse_pairs,
    parse_shares,
    parse_sizes,
    run_xlingual,
)
from nerlab.training.xlingual.data import allocate, load_language, plan_cells

LANGS = ("de", "fr", "it", "en")


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return panx_folder(tmp_path_factory.mktemp("panx"), n_train=100, n_test=10)


def cfg(strategy: str, out: Path, data: Path, **options: Any) -> XlingualConfig:
    return XlingualConfig(strategy, str(out), data_dir=str(data), **options)


def plan(c: XlingualConfig) -> list[Any]:
    from nerlab.training.xlingual.data import data_files

    files = data_files(c)
    langs = {lang: load_language(c, lang, *files[lang], 42) for lang in c.langs}
    return plan_cells(c, langs)


def test_a_missing_language_file_names_the_pattern(tmp_path, data):
    with pytest.raises(DataError, match=r"train-\{lang\}\.tsv") as err:
        run_xlingual(cfg("each", tmp_path / "xl", data, langs=("de", "pt")))
    assert "'pt'" in str(err.value) and str(data / "train-pt.tsv") in str(err.value)
    assert not (tmp_path / "xl").exists(), "nothing is written before the data are checked"
    with pytest.raises(DataError, match=r"given as --test fr=nowhere\.tsv"):
        pairs = {"de": str(data / "train-de.tsv"), "fr": str(data / "train-fr.tsv")}
        tests = {"de": str(data / "dev-de.tsv"), "fr": "nowhere.tsv"}
        run_xlingual(
            XlingualConfig("each", str(tmp_path / "xl"), train_files=pairs, test_files=tests)
        )


def test_source_and_target_must_be_among_the_languages(tmp_path, data):
    with pytest.raises(ConfigError, match=r"--source es is not among the languages"):
        cfg("zero-shot", tmp_path, data, source="es")
    with pytest.raises(ConfigError, match=r"--target es is not among"):
        cfg("sizes", tmp_path, data, sizes=(10,), target="es")
    with pytest.raises(ConfigError, match="--target de is also the --source"):
        cfg("sizes", tmp_path, data, sizes=(10,), target="de")
    with pytest.raises(ConfigError, match="needs --sizes"):
        cfg("sizes", tmp_path, data, target="fr")
    assert cfg("zero-shot", tmp_path, data).source == "de", "default: the first language"


def test_options_of_another_strategy_are_refused(tmp_path, data):
    with pytest.raises(ConfigError, match="--sizes applies to the sizes strategy, not to each"):
        cfg("each", tmp_path, data, sizes=(10,))
    with pytest.raises(ConfigError, match="--source applies to the zero-shot and sizes"):
        cfg("all", tmp_path, data, source="de")
    with pytest.raises(ConfigError, match="--total applies to the mix strategy"):
        cfg("each", tmp_path, data, total=10)
    with pytest.raises(ConfigError, match="unknown strategy 'some'"):
        cfg("some", tmp_path, data)


def test_shares_must_sum_to_one(tmp_path, data):
    shares = {"de": 0.5, "fr": 0.2}
    with pytest.raises(ConfigError, match=r"sum to 0\.7, not 1.*--normalise"):
        cfg("mix", tmp_path, data, mix=shares)
    c = cfg("mix", tmp_path, data, mix=shares, normalise=True)
    assert c.shares() == pytest.approx({"de": 5 / 7, "fr": 2 / 7})
    # Rounded percentages (the issue's .629 + .229 + .084 + .059 = 1.001) are accepted.
    swiss = {"de": 0.629, "fr": 0.229, "it": 0.084, "en": 0.059}
    assert sum(cfg("mix", tmp_path, data, mix=swiss).shares().values()) == pytest.approx(1)
    with pytest.raises(ConfigError, match="--mix es is not among"):
        cfg("mix", tmp_path, data, mix={"es": 1.0})
    with pytest.raises(ConfigError, match="must be a number >= 0"):
        cfg("mix", tmp_path, data, mix={"de": 1.5, "fr": -0.5})
    with pytest.raises(ConfigError, match="needs --mix"):
        cfg("mix", tmp_path, data)


def test_a_total_larger_than_the_data_gives_the_counts(tmp_path, data):
    # 100 sentences per language, 10 held out as dev: 90 to train on each.
    shares = {"de": 0.629, "fr": 0.229, "it": 0.084, "en": 0.059}
    with pytest.raises(ConfigError) as err:
        plan(cfg("mix", tmp_path, data, mix=shares, total=1000))
    msg = str(err.value)
    assert "--total 1000" in msg and "de: needs 628, has 90" in msg
    assert "the largest --total these shares allow is 143" in msg
    cells = plan(cfg("mix", tmp_path, data, mix=shares))  # default: the largest total
    assert sum(n for _, n in cells[0].train) == 143
    assert dict(cells[0].train)["de"] <= 90
    with pytest.raises(ConfigError, match=r"--sizes 500 is more than the 90 fr training"):
        plan(cfg("sizes", tmp_path, data, sizes=(10, 500), target="fr"))


def test_mix_counts_are_exact_and_the_split_is_seeded(tmp_path, data):
    assert allocate({"de": 0.629, "fr": 0.229, "it": 0.084, "en": 0.058}, 1000) == {
        "de": 629,
        "fr": 229,
        "it": 84,
        "en": 58,
    }
    assert sum(allocate({"a": 1 / 3, "b": 1 / 3, "c": 1 / 3}, 100).values()) == 100
    c = cfg("each", tmp_path, data)
    first = load_language(c, "de", data / "train-de.tsv", data / "dev-de.tsv", 42)
    again = load_language(c, "de", data / "train-de.tsv", data / "dev-de.tsv", 42)
    other = load_language(c, "de", data / "train-de.tsv", data / "dev-de.tsv", 7)
    assert [s.words for s in first.dev] == [s.words for s in again.dev]
    assert [s.words for s in first.dev] != [s.words for s in other.dev]
    assert (len(first.train), len(first.dev)) == (90, 10)
    limited = cfg("each", tmp_path, data, train_limit_per_lang=50, test_limit_per_lang=4)
    part = load_language(limited, "de", data / "train-de.tsv", data / "dev-de.tsv", 42)
    assert (len(part.train), len(part.dev), len(part.test)) == (45, 5, 4)


def test_an_unlabelled_test_file_is_refused(tmp_path, data):
    folder = panx_folder(tmp_path / "data", langs=("de", "fr"), n_train=30, n_test=5)
    write_panx(folder / "dev-fr.tsv", sentences("fr", 5, 3), labelled=False)
    with pytest.raises(LabelError, match=r"no tags.*PAN-X's test files are unlabelled"):
        run_xlingual(cfg("each", tmp_path / "xl", folder, langs=("de", "fr")))


def test_pairs_and_patterns(tmp_path, data):
    with pytest.raises(ConfigError, match="must name the same languages"):
        XlingualConfig("each", str(tmp_path), train_files={"de": "a"}, test_files={"fr": "b"})
    with pytest.raises(ConfigError, match="not both"):
        XlingualConfig(
            "each", str(tmp_path), data_dir="x", train_files={"de": "a"}, test_files={"de": "b"}
        )
    pairs = XlingualConfig("each", str(tmp_path), train_files={"x": "a"}, test_files={"x": "b"})
    assert pairs.langs == ("x",)
    with pytest.raises(ConfigError, match=r"must contain \{lang\}"):
        cfg("each", tmp_path, data, train_pattern="train.tsv")
    with pytest.raises(ConfigError, match="language code 'all' is not allowed"):
        cfg("each", tmp_path, data, langs=("de", "all"))
    with pytest.raises(ConfigError, match="given twice"):
        cfg("each", tmp_path, data, langs=("de", "de"))
    assert parse_pairs(["de=a.tsv", "fr = b.tsv"], "--train") == {"de": "a.tsv", "fr": "b.tsv"}
    with pytest.raises(ConfigError, match="give LANG=FILE"):
        parse_pairs(["a.tsv"], "--train")
    assert parse_shares("de=.6,fr=.4") == {"de": 0.6, "fr": 0.4}
    with pytest.raises(ConfigError, match=r"'de:\.6' is not LANG=SHARE"):
        parse_shares("de:.6")
    assert parse_sizes("500,250") == (500, 250)
    with pytest.raises(ConfigError, match="'x' is not a whole number"):
        parse_sizes("250,x")


def test_training_options(tmp_path, data):
    with pytest.raises(ConfigError, match="set by xlingual for each cell"):
        cfg("each", tmp_path, data, training={"train_limit": 10})
    with pytest.raises(ConfigError, match="belong to text classification"):
        cfg("each", tmp_path, data, training={"text_column": "text"})
    with pytest.raises(ConfigError, match="unknown config key"):
        cfg("each", tmp_path, data, training={"epoch": 1})
    with pytest.raises(ConfigError, match="epochs must be > 0"):
        cfg("each", tmp_path, data, training={"epochs": 0})
    assert cfg("each", tmp_path, data).training["model"] == "e5-small-multilingual"


def test_a_folder_that_is_not_an_xlingual_run_is_left_alone(tmp_path, data):
    out = tmp_path / "xl"
    out.mkdir()
    (out / "mine.txt").write_text("mine")
    with pytest.raises(ConfigError, match="holds no xlingual run"):
        run_xlingual(cfg("each", out, data, overwrite=True))
    assert (out / "mine.txt").read_text() == "mine"


def test_cli_errors_exit_2_with_the_message(tmp_path, data, capsys):
    argv = ["xlingual", "mix", "--mix", "de=.5,fr=.2", "-o", str(tmp_path / "xl")]
    assert run_cli([*argv, "--data-dir", str(data)]) == 2
    assert "--normalise" in capsys.readouterr().err
    argv = ["xlingual", "each", "--train", "de", "-o", str(tmp_path / "xl")]
    assert run_cli(argv) == 2
    assert "give LANG=FILE" in capsys.readouterr().err
