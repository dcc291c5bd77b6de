"""User-facing errors, in one place.

Every error a user can cause by what they give nerlab (a file, a flag, a model name) is a
:class:`NerlabError`. Its message names what is wrong, where (``file:line`` when there is a
file), what is allowed, and how to fix it. The CLI prints these without a traceback; anything
else that escapes is a bug in nerlab.
"""

from __future__ import annotations

from pathlib import Path


class NerlabError(Exception):
    """An error caused by user input or the environment, with a message meant for the user."""


class DataError(NerlabError):
    """A data file (or in-memory corpus) is malformed: wrong columns, bad tags, bad encoding."""

    def __init__(self, message: str, path: str | Path | None = None, line: int | None = None):
        self.path = str(path) if path is not None else None
        self.line = line
        where = ""
        if self.path is not None:
            where = f"{self.path}:{line}: " if line is not None else f"{self.path}: "
        super().__init__(where + message)


class LabelError(NerlabError):
    """Labels in dev/test (or given by the user) that the label set does not contain."""


class ModelError(NerlabError):
    """A model name, folder or file that cannot be resolved, loaded or converted."""


class ConfigError(NerlabError):
    """An invalid option or combination of options."""


def where(path: str | Path | None, line: int | None = None) -> str:
    """Format a location as ``path:line`` (or ``path``, or ``<memory>``)."""
    if path is None:
        return "<memory>"
    return f"{path}:{line}" if line is not None else str(path)
