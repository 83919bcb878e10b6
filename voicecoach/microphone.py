"""The microphone: what the listener says, as 16 kHz mono samples with the time they were heard.

sounddevice over PortAudio reads the default input (ALSA's default, so a desktop's PulseAudio or
PipeWire source, a headset's microphone); `voicecoach[listen]` installs it, and Debian's
libportaudio2 is what it loads. Everything that goes wrong is a MicrophoneError in one line: no
sounddevice, no PortAudio, no input device, a busy one, one that stops mid-session. A session never
stops for the microphone: play says so and goes on with the keys and the media keys.
"""

from __future__ import annotations

import queue
import threading
import time

from voicecoach.devicelock import OPENING
from voicecoach.errors import VoicecoachError, shown

SAMPLE_RATE_HZ = 16_000  # what the recognizer listens at
BLOCK_S = 0.1  # the microphone's samples arrive this often
INSTALL = "pip install 'voicecoach[listen]' (bash scripts/setup.sh installs it), and sudo apt-get install libportaudio2"
# The device's own stream failing: PortAudio reports it on the next read. Nothing heard for this long
# while the stream should be running means the device is gone.
SILENT_DEVICE_S = 2.0


class MicrophoneError(VoicecoachError):
    """No microphone could be opened, or it stopped: one line; a session goes on without it."""


class Microphone:
    """The default input device, read in the background: `blocks()` gives (time, samples) as they
    come, the time being the monotonic clock's when the block's first sample was heard."""

    def __init__(self, sample_rate_hz: int = SAMPLE_RATE_HZ):
        self.sample_rate_hz = sample_rate_hz
        self._queue: queue.Queue = queue.Queue(maxsize=600)  # a minute of blocks, if the reader falls behind
        self._stream = None
        self._failed: str | None = None
        self._last = 0.0
        self._lock = threading.Lock()

    def open(self) -> Microphone:
        from voicecoach.quiet import quiet_stderr

        try:
            # sounddevice silences descriptor 2 itself as PortAudio starts: not beside another; and
            # PortAudio's start opens every ALSA device, never beside another opening (devicelock.py)
            with quiet_stderr(), OPENING:
                import sounddevice
        except ImportError:
            raise MicrophoneError(f"the sounddevice package is missing; {INSTALL}") from None
        except OSError as error:  # sounddevice is there, PortAudio is not
            raise MicrophoneError(f"PortAudio could not be loaded ({shown(str(error), 80)}); {INSTALL}") from None
        try:
            with OPENING:
                self._stream = sounddevice.InputStream(samplerate=self.sample_rate_hz, channels=1, dtype="float32",
                                                       blocksize=int(self.sample_rate_hz * BLOCK_S),
                                                       callback=self._heard)
                self._stream.start()
        except (sounddevice.PortAudioError, ValueError) as error:
            self._stream = None
            raise MicrophoneError(_plain(str(error))) from None
        self._last = time.monotonic()
        return self

    def __enter__(self) -> Microphone:
        return self.open() if self._stream is None else self

    def __exit__(self, *exc) -> None:
        self.close()

    def _heard(self, data, frames, timing, status) -> None:  # PortAudio's thread
        now = time.monotonic()
        with self._lock:
            self._last = now
        samples = data[:, 0].copy()
        try:
            self._queue.put_nowait((now - frames / self.sample_rate_hz, samples))
        except queue.Full:  # nobody is reading fast enough: the oldest is the least useful
            try:
                self._queue.get_nowait()
            except queue.Empty:
                pass
            self._queue.put_nowait((now - frames / self.sample_rate_hz, samples))

    def read(self, timeout_s: float = 1.0):
        """The next block, (time, samples), or None within timeout_s; a MicrophoneError once the
        device has stopped."""
        try:
            return self._queue.get(timeout=timeout_s)
        except queue.Empty:
            pass
        stream = self._stream
        with self._lock:
            quiet_s = time.monotonic() - self._last
        if stream is None or not stream.active or quiet_s > SILENT_DEVICE_S:
            raise MicrophoneError("the microphone stopped (it was unplugged, or another program took it)")
        return None

    def close(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            try:
                with OPENING:
                    stream.stop()
                    stream.close()
            except Exception:  # noqa: BLE001 - PortAudio closing a device that is gone: nothing to do
                pass


def _plain(message: str) -> str:
    """PortAudio's words for why no input could be opened, as one line a user can act on."""
    lower = message.lower()
    if ("no default input" in lower or "invalid device" in lower or "no input" in lower or "-9996" in message
            or "querying device -1" in lower):
        return "no microphone: no input device can be opened (arecord -l lists them)"
    if "busy" in lower or "-9985" in message or "unanticipated" in lower:
        return f"the microphone could not be opened ({shown(message, 100)}); another program may be using it"
    return f"the microphone could not be opened ({shown(message, 100)})"
