"""The listener's voice during play (voicecoach/voice.py): what voicecoach says is written down as it
is said, so that its own voice is told from the listener's; and the controls a spoken word becomes."""

from __future__ import annotations

import time

from tests.fakes import FAKE_CUES, RATE, Clock, FakeAudio, fake_frames, fake_speech
from tests.samples import make_exercise, make_program
from voicecoach.player import Player
from voicecoach.program import Hold, Move
from voicecoach.render import MeasuredDurations, render_span
from voicecoach.script import compile_script
from voicecoach.voice import Controls, SaidLog


def test_the_said_log_keeps_what_was_said_around_a_moment_and_drops_what_was_never_said():
    said = SaidLog()
    now = time.monotonic()
    said.add_many([(now - 10, now - 9, "Ready."), (now - 2, now - 1, "Begin."), (now + 5, now + 6, "Later.")])
    assert [text for _, _, text in said.around(now - 1.5, now)] == ["Begin."]
    assert [text for _, _, text in said.around(now - 0.5, now, before_s=2)] == ["Begin."]
    said.stopped(now)  # the sound stopped: what was to come is not said
    assert [text for _, _, text in said.around(now, now + 10)] == ["Begin."]


def script_and_player(clock, said):
    program = make_program(make_exercise(name="Lifts", reps=2, movement=(Move("Lift.", 2), Hold(6.0))))
    script = compile_script(program, durations=MeasuredDurations(fake_frames, FAKE_CUES, RATE))
    player = Player(script, render=lambda a, b: render_span(script, fake_speech, FAKE_CUES, RATE, a, b),
                    speak=fake_speech, audio=FakeAudio(clock), sample_rate_hz=RATE, clock=clock, said=said)
    return script, player


def test_the_player_writes_down_each_line_at_the_time_the_clock_hears_it():
    clock = Clock()

    class Log(SaidLog):
        def __init__(self):
            super().__init__()
            self.all = []

        def add(self, start, end, text):
            self.all.append((start, end, text))

        def add_many(self, lines):
            self.all.extend(lines)

    said = Log()
    script, player = script_and_player(clock, said)
    begun = clock.now
    player.start(0)
    while player.poll():
        clock.advance(0.05)
    lines = [(round(start - begun, 3), text) for start, _, text in said.all]
    expected = [(e.start_ms / 1000, e.text) for e in script.events if e.kind == "speech"]
    assert lines == expected  # every line once, at its time on the session clock


def test_a_pause_writes_down_its_notice_and_forgets_what_it_cut():
    clock = Clock()
    said = SaidLog()
    script, player = script_and_player(clock, said)
    player.start(0)
    for _ in range(20):
        clock.advance(0.05)
        player.poll()
    player.toggle_pause()  # "Paused."
    clock.advance(1.0)
    around = [text for _, _, text in said.around(clock.now - 1.5, clock.now)]
    assert "Paused." in around
    later = [text for start, _, text in said.around(clock.now, clock.now + 60) if start > clock.now]
    assert later == []  # the session's next lines, written down ahead, are not said now


class Source:
    def __init__(self, controls, answer=None):
        self.controls, self._answer, self.expected, self.closed = list(controls), answer, [], False

    def fileno(self):
        return 7

    def take(self):
        return self.controls.pop(0) if self.controls else None

    def answer(self):
        return self._answer

    def expect(self, expecting):
        self.expected.append(expecting)

    def update(self, now):
        pass

    def close(self):
        self.closed = True


def test_the_media_keys_and_the_voice_are_one_source_of_controls():
    media, voice = Source(["Next"]), Source(["Pause", "Answer"], answer=4)
    controls = Controls(media, voice)
    assert controls.fileno() == 7
    assert [controls.take(), controls.take(), controls.take(), controls.take()] == ["Next", "Pause", "Answer", None]
    assert controls.answer() == 4
    controls.expect("what")
    controls.close()
    assert voice.expected == ["what"] and media.closed and voice.closed
