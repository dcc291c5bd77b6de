"""nerlab.files: output paths checked before work starts, files replaced only on success."""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from nerlab.errors import ConfigError
from nerlab.files import (
    atomic_write,
    check_output_dir,
    check_output_file,
    write_bytes_atomic,
    write_text_atomic,
)


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


# check_output_file


def test_a_new_file_in_missing_folders_is_fine(tmp_path: Path) -> None:
    out = tmp_path / "a" / "b" / "out.jsonl"
    assert check_output_file(out) == out
    assert not (tmp_path / "a").exists(), "checking creates nothing"


def test_an_existing_file_is_fine(tmp_path: Path) -> None:
    out = tmp_path / "out.txt"
    out.write_text("old")
    assert check_output_file(str(out)) == out


def test_a_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=rf"--predictions {tmp_path} is a folder; give a file"):
        check_output_file(tmp_path, what="--predictions")


def test_a_path_under_a_file_is_refused(tmp_path: Path) -> None:
    docs = tmp_path / "docs.txt"
    docs.write_text("Ana sings.\n")
    for out in (docs / "out.jsonl", docs / "sub" / "deeper" / "out.jsonl"):
        with pytest.raises(ConfigError, match=rf"{docs} is a file, not a folder") as err:
            check_output_file(out, what="-o")
        assert str(out) in str(err.value)
    with pytest.raises(ConfigError, match=rf"{docs} is a file, not a folder"):
        check_output_dir(docs / "run", what="--output")
    assert docs.read_text() == "Ana sings.\n"


def test_a_broken_link_as_parent_is_refused(tmp_path: Path) -> None:
    (tmp_path / "gone").symlink_to(tmp_path / "missing")
    with pytest.raises(ConfigError, match="broken symbolic link"):
        check_output_file(tmp_path / "gone" / "out.txt")


@pytest.mark.parametrize("spelling", ["same", "dotdot", "relative", "symlink", "hardlink"])
def test_output_that_is_an_input_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spelling: str
) -> None:
    data = tmp_path / "a" / "gold.conll"
    data.parent.mkdir()
    data.write_text("Ana B-PER\n")
    monkeypatch.chdir(tmp_path)
    out: Path | str = {
        "same": data,
        "dotdot": "./a/../a/gold.conll",
        "relative": "a/gold.conll",
        "symlink": tmp_path / "link.conll",
        "hardlink": tmp_path / "hard.conll",
    }[spelling]
    if spelling == "symlink":
        Path(out).symlink_to(data)
    if spelling == "hardlink":
        os.link(data, out)
    with pytest.raises(
        ConfigError,
        match=re.escape(f"--predictions {out} would overwrite its input {data}; write to another"),
    ):
        check_output_file(out, inputs=[None, tmp_path / "other.conll", data], what="--predictions")
    assert data.read_text() == "Ana B-PER\n"


def test_output_equal_to_a_missing_input_is_refused(tmp_path: Path) -> None:
    missing = tmp_path / "missing.txt"
    with pytest.raises(ConfigError, match="would overwrite its input"):
        check_output_file(tmp_path / "." / "missing.txt", inputs=[missing])


def test_other_inputs_are_fine(tmp_path: Path) -> None:
    src = tmp_path / "docs.txt"
    src.write_text("x")
    assert check_output_file(tmp_path / "docs.jsonl", inputs=[src, "-"])


@pytest.mark.parametrize("path", ["/proc/self/status", "/proc/out.txt", "/sys/kernel/x"])
def test_kernel_folders_are_refused(path: str) -> None:
    with pytest.raises(ConfigError, match=r"is under /(proc|sys), which holds kernel interfaces"):
        check_output_file(path, what="-o")
    with pytest.raises(ConfigError, match=r"is under /(proc|sys)"):
        check_output_dir(path, what="--report-dir")


def test_a_link_into_proc_is_refused(tmp_path: Path) -> None:
    link = tmp_path / "status"
    link.symlink_to("/proc/self/status")
    with pytest.raises(ConfigError, match="is under /proc"):
        check_output_file(link)


@pytest.mark.parametrize("path", ["/dev/stdout", "/dev/stderr", "/dev/null"])
def test_standard_devices_are_fine(path: str) -> None:
    assert check_output_file(path, inputs=["/dev/stdin"]) == Path(path)


def test_an_unwritable_folder_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    real_access = os.access

    def access(path: str | os.PathLike[str], mode: int, **kw: object) -> bool:
        return False if Path(path) == locked else real_access(path, mode)

    monkeypatch.setattr(os, "access", access)  # the tests may run as root, who may write anywhere
    with pytest.raises(ConfigError, match=rf"the folder {locked} is not writable"):
        check_output_file(locked / "new" / "out.txt")
    with pytest.raises(ConfigError, match=rf"the folder {locked} is not writable"):
        check_output_dir(locked)


def test_a_read_only_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "keep.txt"
    out.write_text("x")
    real_access = os.access
    monkeypatch.setattr(
        os, "access", lambda p, m, **kw: False if Path(p) == out else real_access(p, m)
    )
    with pytest.raises(ConfigError, match=rf"{out} is read-only"):
        check_output_file(out)


# check_output_dir


def test_output_dir_new_or_existing_is_fine(tmp_path: Path) -> None:
    assert check_output_dir(tmp_path) == tmp_path
    assert check_output_dir(str(tmp_path / "x" / "y")) == tmp_path / "x" / "y"
    assert not (tmp_path / "x").exists()


def test_output_dir_that_is_a_file_is_refused(tmp_path: Path) -> None:
    f = tmp_path / "run"
    f.write_text("mine")
    with pytest.raises(ConfigError, match=rf"--output {f} is a file; give a folder"):
        check_output_dir(f, what="--output")


# atomic_write


def test_atomic_write_creates_missing_folders(tmp_path: Path) -> None:
    out = tmp_path / "a" / "b" / "c.txt"
    with atomic_write(out) as f:
        f.write("line 1\nline 2\n")
    assert out.read_bytes() == b"line 1\nline 2\n"
    assert _leftovers(out.parent) == []


def test_atomic_write_binary_and_helpers(tmp_path: Path) -> None:
    assert write_bytes_atomic(tmp_path / "x.bin", b"\x00\x01") == tmp_path / "x.bin"
    assert (tmp_path / "x.bin").read_bytes() == b"\x00\x01"
    assert write_text_atomic(tmp_path / "t.txt", "é\n") == tmp_path / "t.txt"
    assert (tmp_path / "t.txt").read_bytes() == "é\n".encode()


@pytest.mark.parametrize("error", [ValueError, KeyboardInterrupt])
def test_a_failure_inside_the_block_leaves_the_old_file(
    tmp_path: Path, error: type[BaseException]
) -> None:
    out = tmp_path / "preds.jsonl"
    out.write_bytes(b"old content\r\n")
    with pytest.raises(error), atomic_write(out) as f:
        f.write("half of the new")
        raise error
    assert out.read_bytes() == b"old content\r\n"
    assert _leftovers(tmp_path) == [], "the temporary file is removed"


def test_a_failure_before_the_first_write_creates_nothing(tmp_path: Path) -> None:
    out = tmp_path / "new" / "preds.jsonl"
    with pytest.raises(RuntimeError), atomic_write(out):
        raise RuntimeError
    assert not out.exists() and _leftovers(out.parent) == []


def test_the_temporary_file_sits_next_to_the_target(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    with atomic_write(out) as f:
        tmp = Path(f.name)
        assert tmp.parent == tmp_path
        assert tmp.name.startswith(".r.json.") and tmp.name.endswith(".tmp")
        assert not out.exists(), "nothing at the target until the block ends"
    assert not tmp.exists() and out.is_file()


def test_mode_bits_of_a_replaced_file_are_kept(tmp_path: Path) -> None:
    out = tmp_path / "script.sh"
    out.write_text("old")
    out.chmod(0o750)
    write_text_atomic(out, "new")
    assert stat.S_IMODE(out.stat().st_mode) == 0o750 and out.read_text() == "new"


def test_a_new_file_gets_the_umask_default(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        write_text_atomic(tmp_path / "new.txt", "x")
        open(tmp_path / "plain.txt", "w").close()
    finally:
        os.umask(old)
    mode = stat.S_IMODE((tmp_path / "new.txt").stat().st_mode)
    assert mode == 0o640 == stat.S_IMODE((tmp_path / "plain.txt").stat().st_mode)


def test_writing_through_a_link_replaces_its_target(tmp_path: Path) -> None:
    real = tmp_path / "real.txt"
    real.write_text("old")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    write_text_atomic(link, "new")
    assert link.is_symlink() and real.read_text() == "new"


def test_newline_and_encoding(tmp_path: Path) -> None:
    with atomic_write(tmp_path / "crlf.txt", newline="\r\n", encoding="latin-1") as f:
        f.write("é\n")
    assert (tmp_path / "crlf.txt").read_bytes() == b"\xe9\r\n"


def test_dev_null_is_written_directly(tmp_path: Path) -> None:
    with atomic_write("/dev/null") as f:
        f.write("gone")
    with atomic_write("/dev/null", binary=True) as f:
        f.write(b"gone")


def test_dev_stdout_writes_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    with atomic_write("/dev/stdout") as f:
        f.write("to the terminal\n")
    assert capsys.readouterr().out == "to the terminal\n"


def test_dev_stdout_in_a_pipe(tmp_path: Path) -> None:
    code = (
        "from nerlab.files import write_text_atomic, write_bytes_atomic\n"
        "print('before', flush=True)\n"
        "write_text_atomic('/dev/stdout', 'text\\n')\n"
        "write_bytes_atomic('/dev/stdout', b'bytes\\n')\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, check=True)
    assert done.stdout == b"before\ntext\nbytes\n"


def test_a_fifo_is_written_directly(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE)
    write_text_atomic(fifo, "through the pipe\n")
    assert reader.communicate(timeout=10)[0] == b"through the pipe\n"
    assert stat.S_ISFIFO(fifo.stat().st_mode)


def test_atomic_write_refuses_a_folder_and_a_file_parent(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is a folder"), atomic_write(tmp_path):
        pass
    (tmp_path / "f").write_text("mine")
    with pytest.raises(ConfigError, match=r"cannot write .*f/out\.txt"):
        write_text_atomic(tmp_path / "f" / "out.txt", "x")
    assert (tmp_path / "f").read_text() == "mine"


def test_files_does_not_import_torch() -> None:
    code = "import sys, nerlab.files; print('torch' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_a_name_too_long_is_a_clear_error(tmp_path: Path) -> None:
    long = tmp_path / ("x" * 300)
    with pytest.raises(ConfigError, match=r"-o .* cannot be used: File name too long"):
        check_output_file(long, what="-o")
    with pytest.raises(ConfigError, match="cannot be used: File name too long"):
        check_output_dir(long / "sub")


def test_links_that_lead_nowhere_are_refused(tmp_path: Path) -> None:
    """Writing through a dangling link would create folders wherever it points."""
    dangling = tmp_path / "dangling"
    dangling.symlink_to(tmp_path / "no" / "such" / "x")
    loop = tmp_path / "loop"
    loop.symlink_to(loop)
    with pytest.raises(ConfigError, match="symbolic link to the missing"):
        check_output_file(dangling, what="-o")
    with pytest.raises(ConfigError, match="a loop of symbolic links"):
        check_output_file(loop, what="-o")
    assert not (tmp_path / "no").exists()
