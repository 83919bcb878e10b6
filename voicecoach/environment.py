"""The outside world a session meets, as one object passed in (httpie's Environment): the terminal's
streams and whether they are terminals, the audio output, the clocks, the media keys' bus, and the
signals that stop a command. `Environment.real()` is this machine; tests pass a fake (tests/fakes.py)
so that play's logic runs without patching a module."""

from __future__ import annotations

import contextlib
import signal
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import IO, Any


def _terminate(signum, frame):  # SIGTERM/SIGHUP unwind like Ctrl-C: temporary files go, the terminal is restored
    raise KeyboardInterrupt


@contextlib.contextmanager
def stop_signals_interrupt() -> Iterator[None]:
    """Make SIGTERM and SIGHUP (a closed terminal) stop the command the way Ctrl-C does."""
    previous = {number: signal.signal(number, _terminate) for number in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _now() -> datetime:
    return datetime.now().astimezone()


def _simpleaudio(export_hint: str):
    from voicecoach.audio import SimpleaudioOut

    return SimpleaudioOut(export_hint=export_hint)


def _microphone():
    from voicecoach.microphone import Microphone

    return Microphone().open()


def _media_player(album: str):
    from voicecoach.mpris import MediaPlayer

    return MediaPlayer.start(album=album)  # None where there is no session bus


@dataclass
class Environment:
    """What play needs of the world, each part replaceable."""

    # The streams; None: the process's own, as they are when used (Click's test runner swaps them).
    stdin_stream: IO[str] | None = None
    stdout_stream: IO[str] | None = None
    stderr_stream: IO[str] | None = None
    # An audio output (player.AudioOut) for a session; the hint is the export command that makes the
    # same session as a file, for the message when there is no device.
    open_audio: Callable[[str], Any] = _simpleaudio
    clock: Callable[[], float] = time.monotonic  # seconds, for the session's position
    now: Callable[[], datetime] = _now  # the wall clock, for the history
    media: Callable[[str], Any] = _media_player  # media keys (player.MediaControls) for an album, or None
    stop_signals: Callable[[], contextlib.AbstractContextManager] = stop_signals_interrupt
    microphone: Callable[[], Any] = _microphone  # an open microphone.Microphone (MicrophoneError if none)
    keys: Callable[[], Any] | None = None  # the keys read while playing (player.Keys); None: the terminal's
    # Whether someone can answer a question (check-ins, "it hurts"): None, when the keys are a
    # terminal's or there are media keys.
    can_ask: bool | None = None

    @property
    def stdin(self) -> IO[str]:
        return self.stdin_stream if self.stdin_stream is not None else sys.stdin

    @property
    def stdout(self) -> IO[str]:
        return self.stdout_stream if self.stdout_stream is not None else sys.stdout

    @property
    def stderr(self) -> IO[str]:
        return self.stderr_stream if self.stderr_stream is not None else sys.stderr

    @classmethod
    def real(cls) -> Environment:
        """This process's terminal, sound, clocks and session bus."""
        return cls()

    def is_terminal(self, stream: IO[str]) -> bool:
        try:
            return stream.isatty()
        except (AttributeError, ValueError):  # a closed or fake stream
            return False

    def note(self, text: str) -> None:
        """One line for the listener on stderr: something went differently and they should know."""
        print(f"Note: {text}", file=self.stderr, flush=True)

    def terminal_keys(self):
        """The keys of the terminal on stdin (cbreak mode while playing), or the environment's own."""
        if self.keys is not None:
            return self.keys()
        from voicecoach.terminal import Keys

        return Keys(enabled=self.is_terminal(self.stdin), stream=self.stdin)
