"""Helpers of the analysis tests (imported by the test modules and conftest)."""

from __future__ import annotations

from pathlib import Path

from nerlab.data.demo import load_demo


def write_conll(path: Path, sentences: list[tuple[list[str], list[str]]]) -> Path:
    """Write ``word TAG`` lines (independent of nerlab's writer)."""
    lines = []
    for words, tags in sentences:
        lines += [f"{w} {t}" for w, t in zip(words, tags, strict=True)] + [""]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def demo(split: str, n: int | None = None) -> list[tuple[list[str], list[str]]]:
    return [(s.words, s.tags) for s in load_demo(split).sentences[:n]]
