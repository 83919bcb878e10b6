"""Keeping C libraries' own lines off the terminal.

libmpg123 (inside libsndfile) prints "Illegal Audio-MPEG-Header ..." and `wetwork()` errors, and
onnxruntime prints a coloured telemetry warning as it is imported, straight to file descriptor 2:
Python's sys.stderr never sees them, so only redirecting the descriptor keeps the one-line
promise. Nothing the user needs is lost: a decoder's failure also comes back as an error code,
which the caller turns into its one line, and the telemetry warning changes nothing.

Every redirection of descriptor 2 in the process goes through one lock (sounddevice's own, as it
starts PortAudio, is done inside quiet_stderr for that reason): two threads saving and restoring
it at once would restore each other's /dev/null, and every later line would be lost.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Iterator

_LOCK = threading.RLock()  # one redirection of descriptor 2 at a time, in the whole process


@contextlib.contextmanager
def quiet_stderr() -> Iterator[None]:
    """For the block, whatever is written to file descriptor 2 goes nowhere; then it is restored.

    The descriptor is the process's: keep the block short, around the one call that talks. A
    Python note printed meanwhile by another thread would be lost too, which is why callers wrap
    only a decoder's or an import's own work. Another thread's block waits for this one.
    """
    with _LOCK:
        yield from _quiet()


def _quiet() -> Iterator[None]:
    for stream in (sys.stderr, sys.__stderr__):  # what Python already buffered goes out first
        with contextlib.suppress(Exception):
            stream.flush()
    try:
        saved = os.dup(2)
    except OSError:  # no descriptor 2 at all (closed by whoever started us): nothing to keep quiet
        yield
        return
    try:
        nowhere = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(nowhere, 2)
        finally:
            os.close(nowhere)
        yield
    finally:
        with contextlib.suppress(Exception):
            sys.stderr.flush()  # anything Python wrote inside the block belongs to the block
        os.dup2(saved, 2)
        os.close(saved)
