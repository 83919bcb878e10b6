"""What the audio output is given: one stretch of the session at a time, as one buffer, and a watch
on the device that plays it.

A stretch is rendered whole when the session's script is whole. While the script still grows (a
cold cache: the session sounds before all of it is synthesized), the buffer is as long as the
session may turn out to be, played as soon as the known part is in it, and written ahead of the
listener as more becomes known: simpleaudio reads the buffer in place as it plays
(simpleaudio_alsa.c writes from buffer_obj.buf as it goes), so the session sounds as one stream,
with no joins. Music under the voice (an overlay) is mixed into the buffer a few seconds ahead of
the listener, in place, so it never waits for a whole session to be mixed.
"""

from __future__ import annotations

from collections.abc import Callable

from voicecoach.errors import DeviceError
from voicecoach.render import BYTES_PER_FRAME, frame_at

MIX_AHEAD_MS = 3000  # an overlay (music) is mixed into the buffer this far ahead of the listener
# A playback that ends sooner than the session clock expects has lost its device. Sound cards'
# clocks differ from the system's (typically by well under 0.1%) and the last buffer drains with
# some latency, so "sooner" means by more than this margin plus this fraction of the stretch.
DEVICE_EARLY_MS = 2000
DEVICE_CLOCK_SKEW = 0.002
REOPEN_LIMIT = 3  # the output is reopened at most this often within REOPEN_WINDOW_S, then we give up
REOPEN_WINDOW_S = 60.0


class Stretch:
    """The PCM of the session from start_ms to end_ms, after `lead` (a notice such as "Resuming.",
    with its gap), as the buffer one play of the output is given.

    known_ms None: the script is whole, and the stretch is rendered now. Otherwise it grows: the
    buffer is end_ms long, written up to known_ms now, and further by fill() as more is known."""

    def __init__(self, render: Callable[[int, int], bytes], sample_rate_hz: int, start_ms: int, end_ms: int,
                 lead: bytes = b"", known_ms: int | None = None,
                 overlay: Callable[[memoryview, int, int], None] | None = None):
        self.render, self.sample_rate_hz, self.overlay = render, sample_rate_hz, overlay
        self.start_ms, self.end_ms, self.lead_bytes = start_ms, end_ms, len(lead)
        self.first_frame = frame_at(start_ms, sample_rate_hz)
        self.growing = known_ms is not None
        if self.growing:
            self.pcm = bytearray(len(lead) + (frame_at(end_ms, sample_rate_hz) - self.first_frame) * BYTES_PER_FRAME)
            self.pcm[: len(lead)] = lead
            self.filled_ms = start_ms  # the session is written into it up to here
            self.fill(known_ms)
        else:
            self.pcm = bytearray(lead)
            self.pcm += render(start_ms, end_ms)  # a bytearray, so that an overlay can be mixed into it
            self.filled_ms = end_ms
        self.settled = not self.growing  # where it ends is known (the session turned out whole)
        self._mixed_frames = 0  # of the session part, how much the overlay has been mixed into
        self.keep_mixed(start_ms)

    @property
    def lead_ms(self) -> float:
        return self.lead_bytes // BYTES_PER_FRAME * 1000 / self.sample_rate_hz

    def fill(self, until_ms: int) -> None:
        """Write the session from where the buffer is filled up to until_ms into it."""
        if until_ms <= self.filled_ms:
            return
        offset = self.lead_bytes + (frame_at(self.filled_ms, self.sample_rate_hz) - self.first_frame) * BYTES_PER_FRAME
        pcm = self.render(self.filled_ms, until_ms)
        self.pcm[offset : offset + len(pcm)] = pcm
        self.filled_ms = until_ms

    def settle(self, end_ms: int) -> None:
        """The session is whole: the stretch ends at end_ms, written up to there."""
        self.fill(end_ms)
        self.settled = True

    def keep_mixed(self, position_ms: int) -> None:
        """Mix the overlay into the buffer up to MIX_AHEAD_MS past the listener (and no further
        than the session is written into it)."""
        if self.overlay is None:
            return
        target = frame_at(min(position_ms + MIX_AHEAD_MS, self.filled_ms), self.sample_rate_hz) - self.first_frame
        if target <= self._mixed_frames:
            return
        view = memoryview(self.pcm)[self.lead_bytes + self._mixed_frames * BYTES_PER_FRAME :
                                    self.lead_bytes + target * BYTES_PER_FRAME]
        self.overlay(view, self.first_frame + self._mixed_frames, self.first_frame)
        self._mixed_frames = target


class DeviceWatch:
    """Whether the output stopped well before the session clock says it should (the device failed
    or went away), and how often it has been reopened: a few times a minute at most."""

    def __init__(self) -> None:
        self._reopened_at: list[float] = []  # clock times at which a failed output was reopened
        self.reopened = 0

    @staticmethod
    def stopped_early(playing: bool, position_ms: int, start_ms: int, end_ms: int) -> bool:
        if playing:
            return False
        margin = DEVICE_EARLY_MS + DEVICE_CLOCK_SKEW * (end_ms - start_ms)
        return end_ms - position_ms > margin

    def reopening(self, now: float) -> None:
        """Count a reopening at `now`; a DeviceError when the output keeps stopping."""
        self._reopened_at = [t for t in self._reopened_at if now - t < REOPEN_WINDOW_S] + [now]
        if len(self._reopened_at) > REOPEN_LIMIT:
            raise DeviceError(f"the audio output keeps stopping ({len(self._reopened_at)} times within a minute)")
