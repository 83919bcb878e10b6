"""The audio device: simpleaudio over ALSA, behind the narrow interface the player plays through
(AudioOut plays one PCM buffer and returns a Playback to stop it). A test or another backend gives
its own AudioOut."""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import sys
import time
from typing import Protocol

from voicecoach.devicelock import OPENING
from voicecoach.errors import DeviceError
from voicecoach.render import BYTES_PER_FRAME

INSTALL_ASOUND = "sudo apt-get install libasound2-dev gcc, then reinstall voicecoach"


FIX_BUSY = "close the program that is using the sound device (fuser -v /dev/snd/* names it), then try again"


FIX_NO_SIMPLEAUDIO = ("install simpleaudio's build needs: sudo apt-get install gcc libasound2-dev python3-dev, "
                      "then bash scripts/setup.sh")


class Playback(Protocol):
    def stop(self) -> None: ...

    def is_playing(self) -> bool: ...


class AudioOut(Protocol):
    """Plays one PCM buffer (mono int16) from its start; returns a handle to stop it."""

    def play(self, pcm: bytes, sample_rate_hz: int) -> Playback: ...


_ALSA_HANDLER = None  # kept alive: ALSA calls it


def _silence_alsa() -> None:
    """Stop libasound printing its own errors on the terminal; voicecoach says what went wrong."""
    global _ALSA_HANDLER
    if _ALSA_HANDLER is not None or not sys.platform.startswith("linux"):
        return
    name = ctypes.util.find_library("asound") or "libasound.so.2"
    try:
        library = ctypes.cdll.LoadLibrary(name)
    except OSError:
        return
    handler_type = ctypes.CFUNCTYPE(None, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_int,
                                    ctypes.c_char_p)
    _ALSA_HANDLER = handler_type(lambda *args: None)
    library.snd_lib_error_set_handler(_ALSA_HANDLER)


STOP_WAIT_S = 1.0


def wait_stopped(playback: Playback, timeout_s: float = STOP_WAIT_S) -> None:
    """Wait until a stopped playback's thread has let go of Python. simpleaudio's thread takes the
    GIL once more after stop() to release the buffer; if the process is exiting by then, it
    crashes (SIGSEGV in PyGILState_Ensure, seen about 1 exit in 10 with Piper loaded, whose
    teardown is slow). Its is_playing() turns false only after that."""
    deadline = time.monotonic() + timeout_s
    while playback.is_playing() and time.monotonic() < deadline:
        time.sleep(0.002)


class SimpleaudioOut:
    """The default output: simpleaudio, one play_buffer per continuous stretch of the session."""

    def __init__(self, export_hint: str = "voicecoach export PROGRAM -o session.mp3") -> None:
        self.export_hint = export_hint
        try:
            import simpleaudio
        except ImportError:
            raise DeviceError(f"the simpleaudio package is missing; {INSTALL_ASOUND}", fix=FIX_NO_SIMPLEAUDIO) from None
        self._simpleaudio = simpleaudio
        _silence_alsa()

    def play(self, pcm: bytes, sample_rate_hz: int) -> Playback:
        error_type = getattr(self._simpleaudio, "SimpleaudioError", None) or getattr(
            getattr(self._simpleaudio, "_simpleaudio", None), "SimpleaudioError", Exception)
        try:
            with OPENING:  # never beside the microphone's opening (devicelock.py)
                return self._simpleaudio.play_buffer(pcm, 1, BYTES_PER_FRAME, sample_rate_hz)
        except error_type as error:
            raise device_error(str(error), self.export_hint) from None


def device_error(simpleaudio_message: str, export_hint: str) -> DeviceError:
    """simpleaudio's "Error opening PCM device. -- CODE: -16 -- MSG: Device or resource busy" in plain words."""
    parts = {part.split(": ", 1)[0]: part.split(": ", 1)[-1] for part in simpleaudio_message.split(" -- ")[1:]}
    detail = parts.get("MSG", "").strip() or "unknown error"
    if parts.get("CODE", "").strip() == f"-{errno.EBUSY}":
        return DeviceError(f"the audio output is busy: another program is using it ({detail}); close that program "
                           f"and try again, or export the session to listen elsewhere: {export_hint}", detail, FIX_BUSY)
    return DeviceError(f"no audio output device could be opened ({detail}); to listen elsewhere, "
                       f"export the session instead: {export_hint}", detail)
