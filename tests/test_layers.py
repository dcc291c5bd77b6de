"""The architecture, checked: packages import only the layers below them (docs/architecture.md)
and no two modules import each other."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "nerlab"
# Lowest first; a package may import itself and anything before it. The top-level modules
# errors, config, files and figures may be imported by every layer.
LAYERS = [
    "data",
    "metrics",
    "models",
    "tasks",
    "inference",
    "evaluate",
    "training",
    "serve",
    "integrations",
    "cli",
]
SHARED = {"errors", "config", "files", "figures", "__init__", "__main__"}


def _imports(path: Path) -> set[str]:
    """Every ``nerlab.*`` module imported anywhere in the file (inside functions too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("nerlab"):
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("nerlab"))
    return found


def _module(path: Path) -> str:
    rel = path.relative_to(SRC.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module(p): p for p in SRC.rglob("*.py")}


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def test_no_upward_imports() -> None:
    bad = []
    for name, path in MODULES.items():
        own = _layer(name)
        if own in SHARED and own != "config":
            continue  # the flat public API (nerlab/__init__) may name anything lazily
        for imported in _imports(path):
            other = _layer(imported)
            if other in SHARED or other == own:
                continue
            if own == "config":
                upward = other != "models"  # config reads the precision choices only
            else:
                upward = LAYERS.index(other) > LAYERS.index(own)
            if upward:
                bad.append(f"{name} imports {imported}")
    assert not bad, "\n".join(bad)


def test_no_import_cycles() -> None:
    graph = {
        name: {m for m in _imports(path) if m in MODULES and m != name}
        for name, path in MODULES.items()
    }
    for name, edges in graph.items():
        for other in edges:
            package = name.rsplit(".", 1)[0]
            if (
                name in graph.get(other, set())
                and other != package
                and name != other.rsplit(".", 1)[0]
            ):
                raise AssertionError(f"{name} and {other} import each other")
