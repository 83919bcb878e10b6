"""Script -> PCM: every event at its exact sample offset, streamed in pieces so memory stays flat."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

from voicecoach.script import Event, Script

BYTES_PER_FRAME = 2  # mono int16
MAX_PIECE_FRAMES = 22050  # silence is yielded in pieces of at most this many frames


class RenderError(Exception):
    """A sound is longer than its slot: the script was compiled with other durations (a bug)."""


def frame_at(ms: int, sample_rate_hz: int) -> int:
    """The sample frame where a time on the timeline falls: the one place ms become frames.

    Flooring keeps every slot at least as long as the sound measured for it: a sound of f frames
    gets ms_for_frames(f) ms, and floor(a + b) - floor(a) >= floor(b) >= f.
    """
    return ms * sample_rate_hz // 1000


def ms_for_frames(frames: int, sample_rate_hz: int) -> int:
    """The whole milliseconds a sound of `frames` needs on the timeline (rounded up): frame_at's
    other way round."""
    return math.ceil(frames * 1000 / sample_rate_hz)


@dataclass(frozen=True)
class MeasuredDurations:
    """Durations for the compiler from real audio: speech from the engine (via cache), cues from files."""

    speech_frames: Callable[[str], int]
    cues: Mapping[str, bytes]
    sample_rate_hz: int

    def speech_ms(self, text: str) -> int:
        return ms_for_frames(self.speech_frames(text), self.sample_rate_hz)

    def cue_ms(self, cue: str) -> int:
        return ms_for_frames(len(self.cues[cue]) // BYTES_PER_FRAME, self.sample_rate_hz)


def total_frames(script: Script, sample_rate_hz: int) -> int:
    return frame_at(script.duration_ms, sample_rate_hz)


def render_event(event: Event, speech_pcm: Callable[[str], bytes], cues: Mapping[str, bytes],
                 sample_rate_hz: int) -> Iterator[bytes]:
    """The PCM of one event's slot: its sound, then silence to the start of the next event."""
    slot = frame_at(event.end_ms, sample_rate_hz) - frame_at(event.start_ms, sample_rate_hz)
    if event.kind == "speech":
        sound = speech_pcm(event.text or "")
    elif event.kind == "cue":
        sound = cues[event.cue or ""]
    else:
        sound = b""
    frames = len(sound) // BYTES_PER_FRAME
    if frames > slot:
        raise RenderError(f"{event.kind} {event.text or event.cue!r} is {frames} frames but its slot is {slot}")
    if sound:
        yield sound
    remaining = slot - frames
    while remaining > 0:
        piece = min(remaining, MAX_PIECE_FRAMES)
        yield bytes(piece * BYTES_PER_FRAME)
        remaining -= piece


def render_pcm(script: Script, speech_pcm: Callable[[str], bytes], cues: Mapping[str, bytes],
               sample_rate_hz: int, start_ms: int = 0) -> Iterator[bytes]:
    """The session from start_ms to its end as PCM pieces, in order; from 0, joined, they are
    total_frames() frames long. Starting inside an event cuts it at exactly that frame."""
    skip = 0
    for event in script.events:
        if event.end_ms <= start_ms:
            continue
        if event.start_ms < start_ms:
            skip = (frame_at(start_ms, sample_rate_hz) - frame_at(event.start_ms, sample_rate_hz)) * BYTES_PER_FRAME
        for piece in render_event(event, speech_pcm, cues, sample_rate_hz):
            if skip >= len(piece):
                skip -= len(piece)
                continue
            yield piece[skip:] if skip else piece
            skip = 0


def render_span(script: Script, speech_pcm: Callable[[str], bytes], cues: Mapping[str, bytes],
                sample_rate_hz: int, start_ms: int, end_ms: int) -> bytearray:
    """The session from start_ms to end_ms in one buffer, for playback.

    The same placement as render_pcm (each sound at frame_at of its event), but the buffer starts
    zeroed and only the sounds are copied in: silence costs nothing, so the first sound of a live
    session is not held up by rendering minutes of it.
    """
    first = frame_at(start_ms, sample_rate_hz)
    out = bytearray((frame_at(end_ms, sample_rate_hz) - first) * BYTES_PER_FRAME)
    for event in script.events:
        if event.end_ms <= start_ms or event.kind == "silence":
            continue
        if event.start_ms >= end_ms:
            break
        sound = speech_pcm(event.text or "") if event.kind == "speech" else cues[event.cue or ""]
        slot = frame_at(event.end_ms, sample_rate_hz) - frame_at(event.start_ms, sample_rate_hz)
        if len(sound) // BYTES_PER_FRAME > slot:
            raise RenderError(f"{event.kind} {event.text or event.cue!r} is longer than its slot of {slot} frames")
        offset = (frame_at(event.start_ms, sample_rate_hz) - first) * BYTES_PER_FRAME
        begin = max(0, -offset)
        piece = sound[begin : begin + len(out) - max(0, offset)]
        out[max(0, offset) : max(0, offset) + len(piece)] = piece
    return out
