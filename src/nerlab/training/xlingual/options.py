"""The options of a cross-lingual run (``nerlab xlingual``): one typed object, checked once.

A run is a strategy (which models to train) over a set of languages, each with a training file
and a test file, plus the options every cell's :func:`nerlab.train` call shares. The object is
recorded in the output folder; a rerun must give the same options (so a finished cell can be
reused), except the run-control fields of :data:`RUN_CONTROL`.

Example:
    >>> cfg = XlingualConfig("zero-shot", "runs/xl", source="de", training={"epochs": 1})
    >>> cfg.langs
    ('de', 'fr', 'it', 'en')
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from nerlab.config import TrainConfig
from nerlab.errors import ConfigError

STRATEGIES = ("zero-shot", "each", "all", "mix", "sizes")
DEFAULT_LANGS = ("de", "fr", "it", "en")
TRAIN_PATTERN = "train-{lang}.tsv"
#: PAN-X's test files carry no labels, so its dev files are the test set.
TEST_PATTERN = "dev-{lang}.tsv"
DEFAULT_MODEL = "e5-small-multilingual"
#: TrainConfig fields that xlingual sets for each cell itself.
CELL_FIELDS = (
    "output",
    "train",
    "dev",
    "test",
    "train_limit",
    "overwrite",
    "resume",
    "keep_checkpoints",
)
#: TrainConfig fields of other tasks: a cross-lingual run trains token classification (NER).
OTHER_TASK_FIELDS = (
    "task",
    "text_column",
    "label_column",
    "label_sep",
    "class_weights",
    "long_text",
)
#: Fields that control how a run goes, not what it is: they may change between reruns.
RUN_CONTROL = ("overwrite", "keep_models", "max_new_cells", "reuse")
#: Shares may be rounded percentages: .629 + .229 + .084 + .059 = 1.001.
SHARE_TOLERANCE = 0.01
_LANG = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
_RESERVED = ("all", "mix")


def default_data_dir() -> Path:
    """``$NERLAB_SHARED_DATA/wikiann``, else ``../shared/data/wikiann`` (the shared layout)."""
    return Path(os.environ.get("NERLAB_SHARED_DATA", "../shared/data")) / "wikiann"


@dataclass
class XlingualConfig:
    """Everything that defines a cross-lingual run.

    Attributes:
        strategy: ``zero-shot`` (train on ``source``, test on every language), ``each`` (one
            model per language), ``all`` (one model on the union), ``mix`` (one model on a
            seeded downsample to ``mix`` shares of ``total`` sentences) or ``sizes`` (models on
            ``sizes`` sentences of ``target``, next to the zero-shot model from ``source``).
        output: the run folder.
        langs: language codes (default de, fr, it, en; or the keys of ``train_files``).
        data_dir: folder of the files named by the patterns (default :func:`default_data_dir`).
        train_pattern: training file of a language, ``{lang}`` replaced by its code.
        test_pattern: test file of a language (default PAN-X's *dev* file: its test files carry
            no labels).
        train_files: explicit ``lang -> file`` training files (instead of the patterns).
        test_files: explicit ``lang -> file`` test files (the same languages).
        source: the language of the zero-shot model (default: the first language).
        target: the language of ``sizes``.
        mix: ``lang -> share`` of the ``mix`` strategy.
        total: training sentences of the mix (default: the most the shares allow).
        normalise: scale shares that do not sum to 1 instead of refusing them.
        sizes: training sentences of ``target`` for the ``sizes`` strategy.
        dev_fraction: part of each language's training sentences held out (seeded) as dev, for
            model selection; 0 trains without dev.
        train_limit_per_lang: use only N sentences of each training file (taken after the
            seeded shuffle, before the dev carve-out).
        test_limit_per_lang: score only the first N sentences of each test file.
        training: :class:`~nerlab.config.TrainConfig` fields every cell shares (model, epochs,
            batch_size, learning_rate, seed...; not those of :data:`CELL_FIELDS`).
        keep_models: keep each cell's weights (default: deleted once the cell is scored).
        overwrite: replace a run with other options in ``output`` (nerlab's files only).
        max_new_cells: train at most N cells in this call, then stop (the rest resume later).
        reuse: output folders of earlier runs whose finished cells are copied instead of
            trained again, where a cell is the same (sentences, test files, training options;
            the strategy may differ): ``sizes`` or ``each`` after ``zero-shot``.
    """

    strategy: str
    output: str
    langs: tuple[str, ...] = ()
    data_dir: str | None = None
    train_pattern: str = TRAIN_PATTERN
    test_pattern: str = TEST_PATTERN
    train_files: dict[str, str] = field(default_factory=dict)
    test_files: dict[str, str] = field(default_factory=dict)
    source: str | None = None
    target: str | None = None
    mix: dict[str, float] = field(default_factory=dict)
    total: int | None = None
    normalise: bool = False
    sizes: tuple[int, ...] = ()
    dev_fraction: float = 0.1
    train_limit_per_lang: int | None = None
    test_limit_per_lang: int | None = None
    training: dict[str, Any] = field(default_factory=dict)
    keep_models: bool = False
    overwrite: bool = False
    max_new_cells: int | None = None
    reuse: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        self.output = str(self.output)
        self.langs = tuple(self.langs)
        self.sizes = tuple(sorted(set(self.sizes)))
        self.train_files = {k: str(v) for k, v in self.train_files.items()}
        self.test_files = {k: str(v) for k, v in self.test_files.items()}
        self.reuse = tuple(str(r) for r in self.reuse)
        if not self.training.get("preset"):  # a preset picks its own model
            self.training = {"model": DEFAULT_MODEL, **self.training}
        self.validate()

    def validate(self) -> None:
        """Check every option and fill the defaults that depend on others.

        Raises:
            ConfigError: naming the option, the bad value and what is allowed.
        """
        if self.strategy not in STRATEGIES:
            raise ConfigError(
                f"unknown strategy {self.strategy!r}; allowed: {', '.join(STRATEGIES)}"
            )
        if not self.output.strip():
            raise ConfigError("--output must name a folder")
        self._check_languages()
        self._check_strategy_options()
        if not 0 <= self.dev_fraction < 1:
            raise ConfigError(f"--dev-fraction must be in [0, 1), got {self.dev_fraction}")
        for name in ("train_limit_per_lang", "test_limit_per_lang", "total", "max_new_cells"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ConfigError(f"--{name.replace('_', '-')} must be >= 1, got {value}")
        self.train_config(self.output)  # the shared training options, checked now

    def _check_languages(self) -> None:
        if self.train_files or self.test_files:
            if set(self.train_files) != set(self.test_files):
                raise ConfigError(
                    "--train and --test must name the same languages: --train has "
                    f"{', '.join(self.train_files) or 'none'}, --test has "
                    f"{', '.join(self.test_files) or 'none'}"
                )
            if self.data_dir is not None or (self.train_pattern, self.test_pattern) != (
                TRAIN_PATTERN,
                TEST_PATTERN,
            ):
                raise ConfigError(
                    "give either --train/--test LANG=FILE pairs or --data-dir with file "
                    "patterns, not both"
                )
            if self.langs and set(self.langs) != set(self.train_files):
                raise ConfigError(
                    f"--langs {','.join(self.langs)} differs from the languages of --train/"
                    f"--test ({', '.join(self.train_files)}); give the same ones, or drop --langs"
                )
            self.langs = self.langs or tuple(self.train_files)
        else:
            self.langs = self.langs or DEFAULT_LANGS
            for name in ("train_pattern", "test_pattern"):
                if "{lang}" not in getattr(self, name):
                    raise ConfigError(
                        f"--{name.replace('_', '-')} {getattr(self, name)!r} must contain "
                        "{lang} (replaced by each language code), e.g. 'train-{lang}.tsv'"
                    )
        seen: set[str] = set()
        for lang in self.langs:
            if not _LANG.match(lang) or lang in _RESERVED:
                raise ConfigError(
                    f"language code {lang!r} is not allowed: use letters, digits, '_' or '-' "
                    f"(starting with a letter), and not {' or '.join(_RESERVED)}"
                )
            if lang in seen:
                raise ConfigError(f"language {lang!r} is given twice in --langs")
            seen.add(lang)

    def _need_lang(self, option: str, lang: str) -> None:
        if lang not in self.langs:
            raise ConfigError(
                f"{option} {lang} is not among the languages ({', '.join(self.langs)}); "
                "add it to --langs or pick one of those"
            )

    def _check_strategy_options(self) -> None:
        own = {
            "source": ("zero-shot", "sizes"),
            "target": ("sizes",),
            "sizes": ("sizes",),
            "mix": ("mix",),
            "total": ("mix",),
            "normalise": ("mix",),
        }
        for name, strategies in own.items():
            if getattr(self, name) and self.strategy not in strategies:
                raise ConfigError(
                    f"--{name} applies to the {' and '.join(strategies)} strateg"
                    f"{'ies' if len(strategies) > 1 else 'y'}, not to {self.strategy}; drop it"
                )
        if self.strategy in ("zero-shot", "sizes"):
            self.source = self.source or self.langs[0]
            self._need_lang("--source", self.source)
        if self.strategy == "sizes":
            if not self.sizes or not self.target:
                raise ConfigError("the sizes strategy needs --sizes N,N,... and --target LANG")
            self._need_lang("--target", self.target)
            if self.target == self.source:
                raise ConfigError(
                    f"--target {self.target} is also the --source: the zero-shot line needs "
                    "another language; give --source"
                )
            if self.sizes[0] < 1:
                raise ConfigError(f"--sizes must be >= 1 sentence, got {self.sizes[0]}")
        if self.strategy == "mix":
            self._check_mix()

    def _check_mix(self) -> None:
        if not self.mix:
            raise ConfigError("the mix strategy needs --mix LANG=SHARE,... (e.g. de=.6,fr=.4)")
        for lang, share in self.mix.items():
            self._need_lang("--mix", lang)
            if not math.isfinite(share) or share < 0:
                raise ConfigError(f"--mix share of {lang} must be a number >= 0, got {share}")
        total = sum(self.mix.values())
        if total <= 0:
            raise ConfigError("--mix shares are all 0: give at least one positive share")
        if abs(total - 1) > SHARE_TOLERANCE and not self.normalise:
            raise ConfigError(
                f"--mix shares sum to {total:.4g}, not 1 (within {SHARE_TOLERANCE}): "
                f"{format_shares(self.mix)}; fix them, or add --normalise to scale them to 1"
            )

    def shares(self) -> dict[str, float]:
        """The mix shares scaled to sum to exactly 1 (zero shares left out)."""
        total = sum(self.mix.values())
        return {lang: s / total for lang, s in self.mix.items() if s > 0}

    def train_config(self, output: str | Path, **cell: Any) -> TrainConfig:
        """The :class:`TrainConfig` of a cell: the shared ``training`` options plus ``cell``'s.

        Raises:
            ConfigError: an unknown training option, one that xlingual sets per cell, or a bad
                value.
        """
        fixed = sorted(set(self.training) & set(CELL_FIELDS))
        if fixed:
            raise ConfigError(
                f"training option(s) {', '.join(fixed)} are set by xlingual for each cell; "
                "drop them (use --train-limit-per-lang for train_limit)"
            )
        other = sorted(set(self.training) & set(OTHER_TASK_FIELDS))
        if other:
            raise ConfigError(
                f"training option(s) {', '.join(other)} belong to text classification; xlingual "
                "trains token classification (NER): drop them"
            )
        data = {**self.training, **cell, "output": str(output)}
        if "task" in TrainConfig.allowed_keys():
            data["task"] = "token-classification"
        return TrainConfig.from_dict(data, source="xlingual training options")

    def identity(self) -> dict[str, Any]:
        """The options that define the run (what a rerun in the same folder must repeat)."""
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in RUN_CONTROL}
        out.pop("output")
        out["langs"] = list(self.langs)
        out["sizes"] = list(self.sizes)
        training = self.train_config(self.output).identity()
        out["training"] = {k: v for k, v in training.items() if k not in CELL_FIELDS}
        return out


def format_shares(shares: dict[str, float]) -> str:
    return ",".join(f"{lang}={share:g}" for lang, share in shares.items())


def parse_list(spec: str, option: str) -> tuple[str, ...]:
    """``"de,fr"`` -> ``("de", "fr")`` (ConfigError on an empty item)."""
    items = tuple(item.strip() for item in spec.split(","))
    if not spec.strip() or not all(items):
        raise ConfigError(f"{option} {spec!r}: give a comma-separated list such as de,fr,it,en")
    return items


def parse_sizes(spec: str) -> tuple[int, ...]:
    """``"250,500"`` -> ``(250, 500)``."""
    out = []
    for item in parse_list(spec, "--sizes"):
        if not item.isdigit() or int(item) < 1:
            raise ConfigError(f"--sizes {spec!r}: {item!r} is not a whole number >= 1")
        out.append(int(item))
    return tuple(out)


def parse_shares(spec: str) -> dict[str, float]:
    """``"de=.629,fr=.229"`` -> ``{"de": 0.629, "fr": 0.229}``."""
    shares: dict[str, float] = {}
    for item in parse_list(spec, "--mix"):
        lang, sep, value = item.partition("=")
        try:
            share = float(value)
        except ValueError:
            share = math.nan
        if not sep or not lang.strip() or math.isnan(share):
            raise ConfigError(f"--mix {spec!r}: {item!r} is not LANG=SHARE (e.g. de=.629)")
        if lang.strip() in shares:
            raise ConfigError(f"--mix {spec!r}: {lang.strip()} is given twice")
        shares[lang.strip()] = share
    return shares


def parse_pairs(values: list[str], option: str) -> dict[str, str]:
    """``["de=a.tsv", "fr=b.tsv"]`` -> ``{"de": "a.tsv", "fr": "b.tsv"}``."""
    pairs: dict[str, str] = {}
    for value in values:
        lang, sep, path = value.partition("=")
        if not sep or not lang.strip() or not path.strip():
            raise ConfigError(f"{option} {value!r}: give LANG=FILE (e.g. {option} de=train.tsv)")
        if lang.strip() in pairs:
            raise ConfigError(f"{option}: language {lang.strip()} is given twice")
        pairs[lang.strip()] = path.strip()
    return pairs
