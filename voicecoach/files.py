"""Reading the files a user names (programs, settings, phrasebooks) without ever blocking on one
that is not a file: a named pipe (FIFO) opened for reading waits for a writer forever, a device
may never end."""

from __future__ import annotations

import os
import stat
from pathlib import Path


class NotARegularFile(OSError):
    """The path names something other than a regular file; `what` says what it is, in plain words."""

    def __init__(self, path: str, what: str):
        super().__init__(f"this is {what}, not a file")
        self.path = path
        self.what = what
        self.strerror = f"this is {what}, not a file"


def kind_of(mode: int) -> str:
    """What a file of this st_mode is, in plain words ('a directory', 'a named pipe (FIFO)', ...)."""
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def read_regular(path: str | os.PathLike[str], limit_bytes: int | None = None) -> bytes:
    """The bytes of a regular file (symlinks followed), at most limit_bytes + 1 of them, so a caller
    can tell that a file is too large. Anything else raises NotARegularFile before a byte is read;
    the usual OSErrors (FileNotFoundError, PermissionError, ELOOP, ...) pass through."""
    name = os.fspath(path)
    # O_NONBLOCK: opening a FIFO for reading returns at once instead of waiting for a writer.
    handle = os.open(name, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        mode = os.fstat(handle).st_mode
        if not stat.S_ISREG(mode):
            raise NotARegularFile(name, kind_of(mode))
        os.set_blocking(handle, True)
        with os.fdopen(handle, "rb") as stream:
            handle = -1  # the stream closes it now
            return stream.read() if limit_bytes is None else stream.read(limit_bytes + 1)
    finally:
        if handle >= 0:
            os.close(handle)


def is_regular(path: Path) -> bool:
    """Whether path is a regular file (or a symlink to one), without opening it."""
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except (OSError, ValueError):
        return False


def write_atomic(path: Path, data: bytes) -> None:
    """Write the file whole, atomically: a temporary file beside it, synced, renamed over it. A
    failed write (a full disk, a read-only folder) raises OSError and leaves the old file as it was,
    with no temporary file left behind. A symlink is written through: the file it names is replaced,
    the link stays; an existing file keeps its permissions."""
    import contextlib
    import tempfile

    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}-", suffix=".part", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        with contextlib.suppress(OSError):  # keep the file's own permissions (mkstemp makes it 0600)
            os.chmod(temporary, stat.S_IMODE(os.stat(target).st_mode))
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
