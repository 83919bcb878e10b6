"""Asking aloud (voicecoach/ask.py) against a clock, keys and media keys the test controls."""

from __future__ import annotations

import pytest

from tests.fakes import RATE, Clock, FakeAudio, ScriptedKeys, fake_speech
from voicecoach.ask import TEN_WINDOW_S, TICK_EVERY_S, Asker, Quit
from voicecoach.checkin import END, GO_ON, hurt_question, next_morning_question, pain_question
from voicecoach.phrasebook import ENGLISH

TICK = b"\x10\x00" * 600


class ScriptedMedia:
    """Media controls sent one a read, in order (None: nothing that time)."""

    def __init__(self, controls):
        self.controls = list(controls)

    def fileno(self) -> int:
        return -1

    def take(self):
        return self.controls.pop(0) if self.controls else None


def asker(presses=(), controls=None):
    clock = Clock()
    audio = FakeAudio(clock)
    media = ScriptedMedia(controls) if controls is not None else None
    return Asker(speak=fake_speech, audio=audio, sample_rate_hz=RATE, clock=clock,
                 keys=ScriptedKeys(clock, presses), media=media, tick=TICK), audio, clock


def said(audio) -> list[bytes]:
    return [playback.pcm for playback in audio.played]


def test_a_digit_key_answers_at_once_and_the_answer_is_said_back():
    ask, audio, _ = asker([None, None, "4"])
    question = pain_question(ENGLISH, after=False)
    answer = ask.ask(question)
    assert (answer.value, answer.answered) == (4, True)
    assert said(audio)[-1] == fake_speech("Four.")
    assert audio.played[0].stopped  # the question was still being said: a key cuts it short


@pytest.mark.parametrize(("presses", "value"), [
    (["1", None, "0"], 10),  # 1 then 0 within a second
    (["t"], 10),
    (["1"], 1),  # 1, and nothing within the second: one
    (["1", "7"], 1),  # 1 then another key: it was one
    (["0"], 0),
])
def test_ten_is_t_or_one_then_zero_within_a_second(presses, value):
    ask, audio, clock = asker(presses)
    started = clock.now
    assert ask.ask(pain_question(ENGLISH, after=True)).value == value
    if presses == ["1"]:
        assert clock.now - started >= TEN_WINDOW_S  # it waited for a 0 that did not come


def test_the_media_keys_step_through_the_answers_and_play_chooses():
    ask, audio, _ = asker(controls=[None, "Next", "Next", "Next", "Next", "Previous", "PlayPause"])
    answer = ask.ask(pain_question(ENGLISH, after=False))
    assert answer.value == 2  # 0, 1, 2, 3, back to 2
    assert said(audio)[1:6] == [fake_speech(f"{word}.") for word in ("Zero", "One", "Two", "Three", "Two")]
    assert said(audio)[-1] == fake_speech("Two.")  # said back


def test_play_before_any_step_chooses_nothing():
    ask, audio, _ = asker(controls=["PlayPause", None, "Next", "PlayPause"])
    assert ask.ask(next_morning_question(ENGLISH)).value == "better"


def test_silence_is_no_answer_said_so_with_a_soft_tick_while_it_waits():
    ask, audio, clock = asker()
    question = pain_question(ENGLISH, after=False)
    answer = ask.ask(question)
    assert (answer.value, answer.answered) == (None, False)
    assert said(audio)[-1] == fake_speech("No answer. That's fine.")
    ticks = [p for p in audio.played if p.pcm == TICK]
    assert len(ticks) >= question.timeout_s // TICK_EVERY_S - 1
    gaps = [b.started - a.started for a, b in zip(audio.played, audio.played[1:])]
    assert max(gaps) <= TICK_EVERY_S + 4  # never long without a sound (the question itself takes ~4 s here)


def test_after_it_hurts_silence_ends_the_session_and_keys_or_controls_choose():
    ask, audio, _ = asker()
    assert ask.ask(hurt_question(ENGLISH)).value == END
    assert said(audio)[0].startswith(fake_speech("Stop this exercise."))
    for presses, controls, value in ((["n"], None, GO_ON), ([" "], None, GO_ON), (["q"], None, END),
                                      ((), [None, "Next"], GO_ON), ((), ["Stop"], END)):
        ask, _, _ = asker(presses, controls)
        assert ask.ask(hurt_question(ENGLISH)).value == value, (presses, controls)


def test_q_where_a_question_does_not_take_it_stops_the_session():
    ask, audio, _ = asker(["q"])
    with pytest.raises(Quit):
        ask.ask(pain_question(ENGLISH, after=False))
    assert audio.played[0].stopped


def test_keys_typed_quickly_are_each_read_and_an_arrow_is_one_key():
    """"1" then "0" typed fast arrive in one read of the terminal: both are keys (ten), not just the
    first (the 0 was lost, and a pain of ten was recorded as one); an arrow's escape sequence is one."""
    import os
    import pty

    from voicecoach.terminal import Keys

    master, slave = pty.openpty()
    with os.fdopen(slave, "r") as stream, Keys(enabled=True, stream=stream) as keys:
        os.write(master, b"10")
        assert [keys.read(1.0), keys.read(1.0), keys.read(0.05)] == ["1", "0", None]
        os.write(master, b"\x1b[Aq")
        assert keys.read(1.0) == "\x1b"
    os.close(master)
