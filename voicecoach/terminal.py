"""The terminal while a session plays: single key presses on stdin, and one status line rewritten
in place."""

from __future__ import annotations

import contextlib
import os
import select
import sys
import time


class Keys:
    """Single key presses from a terminal on stdin (cbreak mode, so Ctrl-C still interrupts)."""

    def __init__(self, enabled: bool, stream=None):
        self._typed = ""  # keys read but not yet given
        self.stream = stream if stream is not None else sys.stdin
        self.enabled = enabled and self.stream.isatty()
        self._saved = None

    def __enter__(self) -> Keys:
        if self.enabled:
            import termios
            import tty

            self._fd = self.stream.fileno()
            self._saved = termios.tcgetattr(self._fd)
            tty.setcbreak(self._fd)
        return self

    def __exit__(self, *exc) -> None:
        if self._saved is not None:
            import termios

            termios.tcsetattr(self._fd, termios.TCSADRAIN, self._saved)
            self._saved = None

    def read(self, timeout_s: float, wake_fd: int | None = None) -> str | None:
        """A key pressed within timeout_s, or None; returns early, with None, when wake_fd is
        readable (a media control came in)."""
        others = [] if wake_fd is None else [wake_fd]
        if not self.enabled:
            if others:
                select.select(others, [], [], timeout_s)
            else:
                time.sleep(timeout_s)
            return None
        if self._typed:  # keys that came in one read, as "1" and "0" typed quickly for ten
            key, self._typed = self._typed[0], self._typed[1:]
            return key
        ready, _, _ = select.select([self._fd, *others], [], [], timeout_s)
        if self._fd not in ready:
            return None
        data = os.read(self._fd, 32).decode("utf-8", "replace")
        if not data:
            return None
        if data.startswith("\x1b"):  # an arrow or function key's sequence: one key, not its letters
            return data[:1]
        key, self._typed = data[0], data[1:]
        return key


class Display:
    """One status line, rewritten in place; finished with a newline however the session ends."""

    def __init__(self, enabled: bool, stream=None):
        self.stream = stream or sys.stdout
        self.enabled = enabled
        self._shown = False

    def show(self, line: str) -> None:
        if self.enabled:
            self.stream.write("\r" + line + "\x1b[K")
            self.stream.flush()
            self._shown = True

    def note(self, line: str) -> None:
        """A line that stays (the keys), above the status line that goes on being rewritten."""
        if self.enabled:
            self.stream.write("\r" + line + "\x1b[K\n")
            self.stream.flush()
            self._shown = False

    def close(self) -> None:
        if self._shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._shown = False

    def width(self) -> int:
        with contextlib.suppress(OSError, ValueError):
            return os.get_terminal_size(self.stream.fileno()).columns
        return 80
