"""Output paths made safe: checked before any work is done, written atomically.

Every command that writes a file or folder goes through here, so the rules are the same
everywhere:

- Missing parent folders are created (``nerlab train --output a/b/run``, ``predict -o a/b.jsonl``).
- An output is checked before the work starts (:func:`check_output_file`,
  :func:`check_output_dir`): a folder where a file is expected, a file where a folder is
  expected, a path under a file (``docs.txt/out.jsonl``), a path under ``/proc`` or ``/sys``,
  a folder that cannot be written, or an output that is one of the command's inputs is a
  :class:`~nerlab.errors.ConfigError` naming the path, not a traceback after minutes of work.
- A file is written to a temporary file in its own folder and renamed onto its name only when
  writing finished (:func:`atomic_write`): a failure or Ctrl-C half way leaves the previous
  file byte for byte as it was, and no temporary file behind.

``/dev/stdout``, ``/dev/stderr`` and ``/dev/null`` are accepted as output files and written
directly. This module imports neither torch nor transformers.

Example:
    >>> out = check_output_file("preds/docs.jsonl", inputs=["docs.txt"], what="-o")
    >>> with atomic_write(out) as f:
    ...     f.write('{"text": "Ana"}\\n')
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import stat
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from nerlab.errors import ConfigError

# Device files that are fine to write to: the user's terminal or pipe, or nowhere.
_STREAMS = {"/dev/stdout": "stdout", "/dev/stderr": "stderr"}
_DEVICES = frozenset({*_STREAMS, "/dev/null"})
# Kernel interfaces, not storage: writing there fails or, worse, changes the system.
_SYSTEM_ROOTS = ("/proc", "/sys")


def _os_errors_as_config(check: Callable[..., Path]) -> Callable[..., Path]:
    """An OSError while looking at a path (a name too long, a loop of links) is the user's."""

    @functools.wraps(check)
    def wrapped(path: str | Path, **kw: Any) -> Path:
        try:
            return check(path, **kw)
        except OSError as exc:
            what = kw.get("what", "output")
            raise ConfigError(f"{what} {os.fspath(path)} cannot be used: {exc.strerror}") from None

    return wrapped


@_os_errors_as_config
def check_output_file(
    path: str | Path, *, inputs: Iterable[str | Path | None] = (), what: str = "output"
) -> Path:
    """Check that ``path`` can be written as a file, before any work is done.

    Missing parent folders are fine: :func:`atomic_write` creates them.

    Args:
        path: the output file.
        inputs: the command's input files (``None`` entries are skipped); the output must not
            be one of them, however spelled (``./a/../a/x.txt``, a symbolic or hard link).
        what: how the user named the output, for the message (``"--predictions"``).

    Returns:
        ``path`` as a :class:`~pathlib.Path`.

    Raises:
        ConfigError: ``path`` is a folder, lies under a file, under ``/proc`` or ``/sys``, is one
            of ``inputs``, is a read-only file, or its folder cannot be written.

    Example:
        >>> check_output_file("docs.txt", inputs=["docs.txt"], what="-o")
        Traceback (most recent call last):
        nerlab.errors.ConfigError: -o docs.txt would overwrite its input docs.txt; ...
    """
    out = Path(path)
    shown = os.fspath(path)  # as the user spelled it: Path() drops a leading "./"
    if os.path.abspath(out) in _DEVICES:
        return out
    _refuse_system_path(out, what)
    _refuse_broken_link(out, what)
    if out.is_dir():
        raise ConfigError(f"{what} {shown} is a folder; give a file path (such as {out}/out.txt)")
    folder = _nearest_existing_folder(out, what)
    for source in inputs:
        if source is not None and str(source) != "-" and _same_file(out, Path(source)):
            raise ConfigError(
                f"{what} {shown} would overwrite its input {source}; write to another file"
            )
    if out.is_file() and not os.access(out, os.W_OK):
        raise ConfigError(
            f"{what} {shown} is read-only; make it writable (chmod u+w) or write to another file"
        )
    _require_writable(folder, out, what)
    return out


@_os_errors_as_config
def check_output_dir(path: str | Path, *, what: str = "output folder") -> Path:
    """Check that ``path`` can be used (and, if missing, created) as an output folder.

    Args:
        path: the output folder; it may exist (its content is the caller's business) or not.
        what: how the user named the folder, for the message (``"--output"``).

    Returns:
        ``path`` as a :class:`~pathlib.Path`.

    Raises:
        ConfigError: ``path`` is a file, lies under a file, under ``/proc`` or ``/sys``, or
            cannot be written.

    Example:
        >>> check_output_dir("runs/ner", what="--output")
        PosixPath('runs/ner')
    """
    out = Path(path)
    _refuse_system_path(out, what)
    if out.is_dir():
        _require_writable(out, out, what)
        return out
    if out.exists() or out.is_symlink():
        raise ConfigError(f"{what} {out} is a file; give a folder (a new or an existing one)")
    _require_writable(_nearest_existing_folder(out, what), out, what)
    return out


@contextlib.contextmanager
def atomic_write(
    path: str | Path,
    *,
    encoding: str = "utf-8",
    newline: str | None = "\n",
    binary: bool = False,
) -> Iterator[IO[Any]]:
    """Open ``path`` for writing so that it changes only if the whole block succeeds.

    The data go to a temporary file in the same folder (``.NAME.XXXX.tmp``), which is flushed,
    synced and renamed onto ``path`` when the block ends without an exception. On any
    exception, ``KeyboardInterrupt`` included, the temporary file is removed and a file already
    at ``path`` stays byte for byte as it was. Missing parent folders are created. A file that is
    replaced keeps its permission bits; a new file gets the umask's default (as ``open`` does).
    Writing through a symbolic link replaces the file it points to, not the link.

    ``/dev/stdout`` and ``/dev/stderr`` write to ``sys.stdout``/``sys.stderr`` (text mode then
    ignores ``encoding`` and ``newline``); ``/dev/null`` and other existing files that are not
    regular files (a FIFO, a terminal) are written directly, without a temporary file.

    Args:
        path: the file to write.
        encoding: text encoding (text mode only).
        newline: newline translation as for :func:`open` (text mode only); ``"\\n"`` writes
            ``\\n`` on every platform.
        binary: open in binary mode.

    Yields:
        The open file object.

    Raises:
        ConfigError: the parent folder cannot be created or written.

    Example:
        >>> with atomic_write("out/preds.jsonl") as f:
        ...     f.write("{}\\n")
    """
    out = Path(path)
    if out.is_dir():
        raise ConfigError(f"{out} is a folder; give a file path (such as {out}/out.txt)")
    if _is_direct(out):
        with _open_direct(out, encoding=encoding, newline=newline, binary=binary) as f:
            yield f
        return
    target = Path(os.path.realpath(out)) if out.is_symlink() else out
    folder = target.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        mode = stat.S_IMODE(target.stat().st_mode) if target.is_file() else _default_mode()
        tmp = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed or removed below)
            mode="wb" if binary else "w",
            encoding=None if binary else encoding,
            newline=None if binary else newline,
            delete=False,
            dir=folder,
            prefix=f".{target.name}.",
            suffix=".tmp",
        )
    except OSError as err:
        raise ConfigError(
            f"cannot write {out}: {err.strerror or err} ({err.filename or folder}); "
            "give a path in a folder you can write to"
        ) from None
    try:
        yield tmp
        tmp.flush()
        os.fsync(tmp.fileno())
        tmp.close()
        os.chmod(tmp.name, mode)
        os.replace(tmp.name, target)
    except BaseException:
        tmp.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp.name)
        raise
    _sync_folder(folder)


def write_text_atomic(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8, ``\\n`` line ends) to ``path`` with :func:`atomic_write`.

    Example:
        >>> write_text_atomic("out/notes.txt", "done\\n")
        PosixPath('out/notes.txt')
    """
    with atomic_write(path) as f:
        f.write(text)
    return Path(path)


def write_bytes_atomic(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` with :func:`atomic_write`.

    Example:
        >>> write_bytes_atomic("out/curve.png", png_bytes)
        PosixPath('out/curve.png')
    """
    with atomic_write(path, binary=True) as f:
        f.write(data)
    return Path(path)


def _refuse_system_path(path: Path, what: str) -> None:
    """Refuse a path under ``/proc`` or ``/sys``, as spelled or after following links."""
    for spelled in {os.path.abspath(path), os.path.realpath(path)}:
        for root in _SYSTEM_ROOTS:
            if spelled == root or spelled.startswith(root + "/"):
                raise ConfigError(
                    f"{what} {path} is under {root}, which holds kernel interfaces, not files; "
                    "give a path in an ordinary folder"
                )


def _refuse_broken_link(path: Path, what: str) -> None:
    """A symbolic link that leads nowhere (dangling, or a loop) is not an output to write
    through: following it would create folders wherever it points."""
    if path.is_symlink() and not path.exists():
        try:
            os.stat(path)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                why = "a loop of symbolic links"
            else:
                why = f"a symbolic link to the missing {os.readlink(path)}"
        else:  # pragma: no cover - exists() said no
            return
        raise ConfigError(f"{what} {os.fspath(path)} is {why}; remove the link or write elsewhere")


def _nearest_existing_folder(path: Path, what: str) -> Path:
    """The closest existing ancestor of ``path``, which must be a folder (not a file)."""
    for parent in Path(os.path.abspath(path)).parents:
        if parent.is_dir():
            return parent
        if parent.is_symlink() and not parent.exists():
            raise ConfigError(
                f"{what} {path}: {parent} is a broken symbolic link; fix or remove it, or give "
                "another path"
            )
        if parent.exists():
            raise ConfigError(
                f"{what} {path}: {parent} is a file, not a folder, so nothing can be written "
                "under it; give another path"
            )
    return Path(os.path.abspath(path)).parents[-1]


def _require_writable(folder: Path, path: Path, what: str) -> None:
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ConfigError(
            f"{what} {path}: the folder {folder} is not writable; give a path in a folder you "
            "can write to"
        )


def _same_file(a: Path, b: Path) -> bool:
    """Whether ``a`` and ``b`` name the same file, however spelled (links included)."""
    if a.exists() and b.exists():
        try:
            return os.path.samefile(a, b)
        except OSError:
            pass
    return Path(os.path.realpath(a)) == Path(os.path.realpath(b))


def _is_direct(path: Path) -> bool:
    """Whether ``path`` is written in place: a device we allow, or an existing non-regular file."""
    if os.path.abspath(path) in _DEVICES:
        return True
    try:
        return not stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


@contextlib.contextmanager
def _open_direct(
    path: Path, *, encoding: str, newline: str | None, binary: bool
) -> Iterator[IO[Any]]:
    name = _STREAMS.get(os.path.abspath(path))
    stream: Any = getattr(sys, name) if name else None
    if stream is not None and binary:
        stream.flush()
        stream = getattr(stream, "buffer", None)  # None: a captured stream; open the device
    if stream is not None:
        yield stream
        stream.flush()
        return
    if binary:
        with open(path, "wb") as f:
            yield f
    else:
        with open(path, "w", encoding=encoding, newline=newline) as f:
            yield f


def _default_mode() -> int:
    """The permission bits ``open`` would give a new file: 0o666 less the umask."""
    umask = None
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                umask = int(line.split()[1], 8)
    if umask is None:  # not Linux: read it the only portable way (set and restore)
        umask = os.umask(0o022)
        os.umask(umask)
    return 0o666 & ~umask


def _sync_folder(folder: Path) -> None:
    """Make the rename durable (best effort: not every system can open a folder)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
