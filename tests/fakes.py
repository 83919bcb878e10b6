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


# Each read of a fake key lets the other threads run a moment: play's loop, reading keys on the test's
# clock, would otherwise hold Python's lock while a cold session is synthesized in the background
# (it took 11 s of the real clock for a 30 s session; 1 ms a read, 50 times faster than real time).
YIELD_S = 0.001


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
            time.sleep(YIELD_S)
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


def no_microphone():
    from voicecoach.microphone import MicrophoneError

    raise MicrophoneError("no microphone: no input device can be opened (arecord -l lists them)")


def fake_environment(presses=(), clock=None, audio=None, can_ask: bool = False, microphone=no_microphone):
    """An Environment (voicecoach/environment.py) for play without a terminal, a sound card or a
    bus: the keys pressed in order (q stops), an audio output that plays by the test's clock (or
    the one given, with the clock it plays by: time.monotonic for real time), media controls that
    keep what play showed them (environment.shown); no terminal on stdin, and stdout and stderr
    the process's (Click's test runner captures them). can_ask: whether play asks its questions
    (check-ins, "it hurts"); by default not, as with no terminal and no media keys. microphone: a
    factory of an open microphone (voicecoach/microphone.py); by default there is none."""
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
                      media=media, stop_signals=contextlib.nullcontext, keys=lambda: ScriptedKeys(clock, presses),
                      can_ask=can_ask, microphone=microphone)
    env.audio, env.shown = audio, shown  # for the test to look at
    return env


class Listener:
    """Someone lying on the floor, answering play's questions with keys and media keys, as the
    session goes (tests of play.py with a fake environment): the keys before the session (one a
    read: space them with None to let a question be said), `hurt_at` (part, ms into it) where h is
    pressed (or, with `stop_at`, the media keys' Stop), the keys after h (`after_hurt`), and after
    the session (`after`). What play showed the media keys is in `seen`."""

    enabled = False  # no terminal: no keys line

    def __init__(self, clock: Clock, before=(), hurt_at=None, after_hurt=(), after=(), stop_at=None):
        self.clock, self.seen = clock, []
        self.before, self.after_hurt, self.after = list(before), list(after_hurt), list(after)
        self.hurt_at, self.stop_at = hurt_at, stop_at
        self.pressed_h = self.stopped = False

    # the keys
    def __enter__(self) -> Listener:
        return self

    def __exit__(self, *exc) -> None:
        pass

    def read(self, timeout_s: float, wake_fd: int | None = None) -> str | None:
        self.clock.advance(timeout_s)
        time.sleep(YIELD_S)
        if not self.seen:
            return self.before.pop(0) if self.before else None
        if self.seen[-1].status == "Stopped":
            return self.after.pop(0) if self.after else None
        if self.pressed_h or self.stopped:
            return self.after_hurt.pop(0) if self.after_hurt else None
        now = self.seen[-1]
        if self.hurt_at is not None and (now.part, now.position_ms >= self.hurt_at[1]) == (self.hurt_at[0], True):
            self.pressed_h = True
            return "h"
        return None

    # the media keys
    def fileno(self) -> int:
        return -1

    def take(self) -> str | None:
        now = self.seen[-1] if self.seen else None
        if self.stop_at is not None and not self.stopped and now is not None and (
                now.part, now.position_ms >= self.stop_at[1]) == (self.stop_at[0], True):
            self.stopped = True
            return "Stop"
        return None

    def update(self, now) -> None:
        self.seen.append(now)

    def close(self) -> None:
        pass


def listening_environment(listener: Listener, audio=None):
    """fake_environment with a listener who answers (check-ins asked, as with a terminal)."""
    env = fake_environment(clock=listener.clock, audio=audio, can_ask=True)
    env.keys, env.media = (lambda: listener), (lambda album: listener)
    return env
