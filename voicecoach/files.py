"""Reading the files a user names (programs, settings, phrasebooks) without ever blocking on one
that is not a file: a named pipe (FIFO) opened for reading waits for a writer forever, a device
may never end."""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path

_NAME_CHARACTERS = "abcdefghijklmnopqrstuvwxyz0123456789_"  # as tempfile's names: sweeps match them


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


def _random_name() -> str:
    return "".join(secrets.choice(_NAME_CHARACTERS) for _ in range(8))


@contextlib.contextmanager
def part_file(directory: Path, prefix: str, suffix: str = ".part") -> Iterator[tuple[int, Path]]:
    """A new, empty file in `directory` named prefix + 8 random characters + suffix (made with
    O_EXCL, mode 0600), as its open descriptor and path; the descriptor is closed when the block
    ends. The file is removed if the block raises, and also if a signal (Ctrl-C, or SIGTERM and
    SIGHUP made into it) lands just as the file is made: the name is chosen before the file exists,
    so the cleanup knows it at any moment. (tempfile.mkstemp names its file only once it returns:
    an interrupt there left the file behind.)"""
    handle = -1
    candidate: Path | None = None
    try:
        for _ in range(100):
            candidate = directory / f"{prefix}{_random_name()}{suffix}"
            try:
                handle = os.open(candidate, os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600)
                break
            except FileExistsError:  # another's file: never ours to remove
                candidate = None
        else:
            raise FileExistsError(errno.EEXIST, "no free name for a temporary file", str(directory))
        yield handle, candidate
    except BaseException:
        if candidate is not None:
            with contextlib.suppress(OSError):
                os.unlink(candidate)
        raise
    finally:
        if handle >= 0:
            os.close(handle)


def write_atomic(path: Path, data: bytes) -> None:
    """Write the file whole, atomically: a temporary file beside it, synced, renamed over it. A
    failed or interrupted write (a full disk, a read-only folder, Ctrl-C) raises and leaves the old
    file as it was, with no temporary file left behind. A symlink is written through: the file it
    names is replaced, the link stays; an existing file keeps its permissions."""
    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    target.parent.mkdir(parents=True, exist_ok=True)
    with part_file(target.parent, f".{target.name}-") as (handle, temporary):
        with os.fdopen(handle, "wb", closefd=False) as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        with contextlib.suppress(OSError):  # keep the file's own permissions (a new file is 0600)
            os.chmod(temporary, stat.S_IMODE(os.stat(target).st_mode))
        os.replace(temporary, target)
