"""Fakes for fast unit tests, beside the real parts (never instead): durations, speech and cues,
a clock the test moves, an audio output that plays by that clock, a script that grows as a cold
cache reveals it."""

from __future__ import annotations

import time
from dataclasses import dataclass

from tests.samples import make_exercise, make_program
from voicecoach.errors import DeviceError
from voicecoach.program import Hold, Move
from voicecoach.render import MeasuredDurations, render_pcm
from voicecoach.script import Script, compile_head, compile_script


@dataclass(frozen=True)
class FakeDurations:
    """Every line lasts 100 ms a word; every cue 200 ms: easy to reason about."""

    def speech_ms(self, text: str) -> int:
        return 100 * len(text.split())

    def cue_ms(self, cue: str) -> int:
        return 200


FAKE = FakeDurations()


def fake_speech(text: str) -> bytes:
    """A distinct, non-zero sound per text, 37..(37+n) ms-ish long in odd frame counts."""
    value = 1000 + (sum(map(ord, text)) % 2000)
    return value.to_bytes(2, "little", signed=True) * (811 + 97 * len(text))


def fake_frames(text: str) -> int:
    return len(fake_speech(text)) // 2


FAKE_CUES = {name: (3000 + i).to_bytes(2, "little", signed=True) * (6615 - i * 7)
             for i, name in enumerate(["hold-start", "hold-end", "next-exercise", "session-end", "countdown-tick"])}


RATE = 22050


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class FakePlayback:
    def __init__(self, out: FakeAudio, pcm: bytes):
        self.out, self.pcm, self.stopped, self.failed = out, pcm, False, False
        self.started = out.clock()

    def stop(self) -> None:
        self.stopped = True

    def is_playing(self) -> bool:
        seconds = len(self.pcm) / 2 / RATE / self.out.speed
        return not self.stopped and not self.failed and self.out.clock() < self.started + seconds


class FakeAudio:
    """Plays by the test's clock; `speed` > 1 is a device whose clock runs fast, `fail_opening` one that is gone."""

    def __init__(self, clock: Clock):
        self.clock = clock
        self.played: list[FakePlayback] = []
        self.speed = 1.0
        self.fail_opening = False

    def play(self, pcm: bytes, sample_rate_hz: int) -> FakePlayback:
        if self.fail_opening:
            raise DeviceError("no audio output device could be opened (No such device)", "No such device")
        playback = FakePlayback(self, pcm)
        self.played.append(playback)
        return playback


def session_pcm(script, start_ms=0):
    return b"".join(render_pcm(script, fake_speech, FAKE_CUES, RATE, start_ms))


class Growing:
    """A script revealed as a cold cache reveals it: the opening line by line, then the whole."""

    def __init__(self) -> None:
        self.program = make_program(
            make_exercise(name="Lifts", reps=2, movement=(Move("Lift.", 2), Hold(12.0))),
            make_exercise(name="Bends", reps=2, each_side=True))
        self.durations = MeasuredDurations(fake_frames, FAKE_CUES, RATE)
        self.whole = compile_script(self.program, durations=self.durations)
        self.lines, self.complete = 1, False

    def __call__(self) -> tuple[Script, bool]:
        if self.complete:
            return self.whole, True
        head = compile_head(self.program, durations=self.durations, count=self.lines)
        return Script(self.whole.program, self.whole.title, self.whole.pace, head), False


class ScriptedKeys:
    """Keys pressed in order, one a read (None: no key); each read moves the test's clock as a real
    wait would (or waits, on the real clock)."""

    enabled = True

    def __init__(self, clock, presses=()):
        self.clock, self.presses = clock, list(presses)

    def __enter__(self) -> ScriptedKeys:
        return self

    def __exit__(self, *exc) -> None:
        pass

    def read(self, timeout_s: float, wake_fd: int | None = None) -> str | None:
        if isinstance(self.clock, Clock):
            self.clock.advance(timeout_s)
        else:
            time.sleep(timeout_s)
        return self.presses.pop(0) if self.presses else None


class SeenMedia:
    """Media controls (player.MediaControls) that send nothing and keep what play showed them."""

    def __init__(self, album: str):
        self.album, self.seen, self.closed = album, [], False

    def fileno(self) -> int:
        return -1

    def take(self) -> str | None:
        return None

    def update(self, now) -> None:
        self.seen.append(now)

    def close(self) -> None:
        self.closed = True


def fake_environment(presses=(), clock=None, audio=None):
    """An Environment (voicecoach/environment.py) for play without a terminal, a sound card or a
    bus: the keys pressed in order (q stops), an audio output that plays by the test's clock (or
    the one given, with the clock it plays by: time.monotonic for real time), media controls that
    keep what play showed them (environment.shown); no terminal on stdin, and stdout and stderr
    the process's (Click's test runner captures them)."""
    import contextlib
    import io
    from datetime import datetime

    from voicecoach.environment import Environment

    clock = clock or Clock()
    audio = audio or FakeAudio(clock)
    shown: list[SeenMedia] = []

    def media(album: str) -> SeenMedia:
        shown.append(SeenMedia(album))
        return shown[-1]

    env = Environment(stdin_stream=io.StringIO(), open_audio=lambda export_hint: audio, clock=clock, now=lambda: datetime.now().astimezone(),
                      media=media, stop_signals=contextlib.nullcontext, keys=lambda: ScriptedKeys(clock, presses))
    env.audio, env.shown = audio, shown  # for the test to look at
    return env
