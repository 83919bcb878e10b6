"""play as a function of its environment (voicecoach/play.py): check-ins before and after, "it
hurts" at any moment, what is left out next time, through the CLI with a fake environment
(tests/fakes.py: a listener who answers, an audio output that plays by the test's clock) and the
real engine, phrasebook and history."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from datetime import datetime, timedelta

import pytest

from tests.bus import needs_bus
from tests.fakes import Clock, Listener, listening_environment
from tests.sink import needs_sink
from voicecoach.checkin import Hurt
from voicecoach.history import history_path, record, sessions
from voicecoach.session import make_speech
from voicecoach.settings import Settings

TWO = textwrap.dedent("""\
    title: Two
    exercises:
      - {name: Squeeze, position: Sit., reps: 1, movement: [hold: 2]}
      - {name: Lift, position: Sit., reps: 1, movement: [hold: 2]}
    """)
ESPEAK = ("--engine", "espeak", "--pace", "4")
GAP = [None] * 60  # 3 s of the test's clock: time for a question or an answer to be said


def speech_of(text: str) -> bytes:
    return make_speech(Settings(engine="espeak")).pcm(text)


def find_in(captured: bytes, pcm: bytes) -> int:
    at = captured.find(pcm)
    while at != -1 and at % 2:
        at = captured.find(pcm, at + 1)
    return at


def said(env, text: str) -> bool:
    """Whether play said the line: its samples, whole, in a buffer it played."""
    pcm = speech_of(text)
    return any(find_in(bytes(playback.pcm), pcm) != -1 for playback in env.audio.played)


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    """A phrase cache of each test's own: what play said is found by its samples, and eSpeak's
    samples differ a little from one synthesis of a line to the next (another test process making
    the same line into a shared cache would change what `said` looks for)."""
    monkeypatch.setenv("VOICECOACH_CACHE_DIR", str(tmp_path / "cache"))


@pytest.fixture
def two(write_program):
    return write_program(TWO, "two.yaml")


def test_a_session_asks_before_and_after_and_the_history_keeps_the_answers(two, run):
    env = listening_environment(Listener(Clock(), before=["3"], after=["7"]))
    result = run("play", str(two), *ESPEAK, obj={"environment": env})
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Done: Two, ") and result.stdout.rstrip().endswith("; pain 3 -> 7.")
    (session,) = sessions()
    assert (session.pain_before, session.pain_after, session.ending) == (3, 7, "finished")
    assert said(env, "How is your back right now, from zero, no pain, to ten, the worst?")
    assert said(env, "Three.") and said(env, "Seven.")  # each answer said back


def test_no_answer_is_a_normal_answer_and_the_session_goes_on(two, run):
    env = listening_environment(Listener(Clock()))
    result = run("play", str(two), *ESPEAK, obj={"environment": env})
    assert result.exit_code == 0 and result.stdout.startswith("Done: Two"), result.output
    (session,) = sessions()
    assert (session.pain_before, session.pain_after, session.completed) == (None, None, 2)
    assert said(env, "No answer. That's fine.")


def test_it_hurts_stops_the_exercise_gives_the_advice_and_silence_ends_the_session(two, run):
    listener = Listener(Clock(), hurt_at=(1, 300), after=["5"])
    env = listening_environment(listener)
    result = run("play", str(two), *ESPEAK, "--check-in", "after", obj={"environment": env})
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Stopped for pain at 0:")
    assert "in exercise 1 (Squeeze); pain - -> 5. Next time it is left out (--include to take it back). If the pain " \
           "does not settle, contact your doctor or physical therapist." in result.stdout
    (session,) = sessions()
    assert session.ending == "hurt" and session.hurt == Hurt(0, "Squeeze", "end") and session.pain_after == 5
    assert said(env, "Stop this exercise.") and said(env, "Ending the session here. Take care of your back.")
    session_sound = next(p for p in env.audio.played if len(p.pcm) > 10 * 22050)  # the session's one buffer
    assert session_sound.stopped  # the session's own sound was stopped at h, not left to play out


def test_it_hurts_then_going_on_plays_the_next_exercise(two, run):
    env = listening_environment(Listener(Clock(), hurt_at=(1, 300), after_hurt=["n"]))
    result = run("play", str(two), *ESPEAK, "--no-check-in", obj={"environment": env})
    assert result.exit_code == 0 and result.stdout.startswith("Done: Two"), result.output
    (session,) = sessions()
    assert session.ending == "finished" and session.hurt == Hurt(0, "Squeeze", "next")
    assert said(env, "Going on with the next exercise.")


def test_what_hurt_is_left_out_next_time_and_include_takes_it_back(two, run):
    first = listening_environment(Listener(Clock(), hurt_at=(1, 300)))
    assert run("play", str(two), *ESPEAK, "--no-check-in", obj={"environment": first}).exit_code == 0
    # next time: said, and left out (no answer to "press i to do it today after all")
    env = listening_environment(Listener(Clock()))
    result = run("play", str(two), *ESPEAK, "--no-check-in", obj={"environment": env})
    assert result.exit_code == 0, result.output
    newest = sessions()[0]
    assert newest.left_out == ("Squeeze",) and newest.exercises == 1
    assert said(env, "Last time, Squeeze hurt. It is left out today.")
    # the time after: left out again, with the advice to ask the doctor
    env = listening_environment(Listener(Clock()))
    assert run("play", str(two), *ESPEAK, "--no-check-in", obj={"environment": env}).exit_code == 0
    assert said(env, "It has been left out twice in a row. Please ask your doctor or physical therapist about it.")
    # --include takes it back: nothing said, nothing left out
    env = listening_environment(Listener(Clock()))
    assert run("play", str(two), *ESPEAK, "--no-check-in", "--include", "squeeze",
               obj={"environment": env}).exit_code == 0
    assert sessions()[0].left_out == () and sessions()[0].exercises == 2
    assert not said(env, "Last time, Squeeze hurt. It is left out today.")


def test_the_listener_can_take_it_back_with_a_key(two, run):
    assert run("play", str(two), *ESPEAK, "--no-check-in",
               obj={"environment": listening_environment(Listener(Clock(), hurt_at=(1, 300)))}).exit_code == 0
    env = listening_environment(Listener(Clock(), before=["i"]))
    assert run("play", str(two), *ESPEAK, "--no-check-in", obj={"environment": env}).exit_code == 0
    assert sessions()[0].left_out == () and said(env, "It is in today's session.")


def test_stop_on_the_media_keys_during_an_exercise_asks_whether_it_hurt(two, run):
    env = listening_environment(Listener(Clock(), stop_at=(1, 300), after_hurt=["y", "q"]))
    result = run("play", str(two), *ESPEAK, "--no-check-in", obj={"environment": env})
    assert result.exit_code == 0 and result.stdout.startswith("Stopped for pain"), result.output
    assert sessions()[0].hurt == Hurt(0, "Squeeze", "end")
    assert said(env, "Did that hurt? Press play for yes, or stop for no.")
    # no: Stop is Stop
    env = listening_environment(Listener(Clock(), stop_at=(1, 300), after_hurt=["n"]))
    result = run("play", str(two), *ESPEAK, "--no-check-in", "--include", "squeeze", obj={"environment": env})
    assert result.exit_code == 0 and "in exercise 1 of 2 (Squeeze)" in result.stdout, result.output
    assert sessions()[0].ending == "quit" and sessions()[0].hurt is None


def test_the_first_session_after_a_day_asks_about_the_morning_after_the_last(two, run):
    from voicecoach.history import program_key, session_record
    from voicecoach.program import load_program

    yesterday = datetime.now().astimezone() - timedelta(days=1)
    previous = record(session_record(str(two), load_program(two), Settings(engine="espeak"), (), kind="play",
                                     started=yesterday, ended=yesterday + timedelta(minutes=2), ending="finished",
                                     exercises=2, start_index=0, completed=2, place="closing", position_ms=90_000,
                                     length_ms=90_000, listened_ms=90_000))
    env = listening_environment(Listener(Clock(), before=["w", *GAP, "2"]))
    result = run("play", str(two), *ESPEAK, obj={"environment": env})
    assert result.exit_code == 0, result.output
    today, earlier = sessions()
    assert earlier.id == previous and earlier.next_morning == "worse" and today.pain_before == 2
    assert program_key(str(two)) == today.program
    # asked once: the next session today does not ask again
    env = listening_environment(Listener(Clock()))
    assert run("play", str(two), *ESPEAK, "--check-in", "after", obj={"environment": env}).exit_code == 0
    assert not said(env, "How was your back the morning after your last session: better, the same, or worse?")


def test_without_a_terminal_or_media_keys_nothing_is_asked(two, run):
    from tests.fakes import fake_environment

    env = fake_environment()  # can_ask False: a pipe, a script
    result = run("play", str(two), *ESPEAK, obj={"environment": env})
    assert result.exit_code == 0 and result.stdout.startswith("Done: Two"), result.output
    assert sessions()[0].pain_before is None
    assert not said(env, "How is your back right now, from zero, no pain, to ten, the worst?")


def test_a_damaged_history_still_asks_and_says_the_answers_are_not_kept(two, run):
    history_path().parent.mkdir(parents=True, exist_ok=True)
    history_path().write_bytes(b"not a database at all " * 100)
    env = listening_environment(Listener(Clock(), before=["4"], after=["4"]))
    result = run("play", str(two), *ESPEAK, obj={"environment": env})
    assert result.exit_code == 0 and result.stdout.startswith("Done: Two"), result.output
    assert result.stderr.startswith("Note: this session is not in your history (") and "damaged" in result.stderr
    assert said(env, "Four.")


def test_show_and_export_leave_nothing_out_unless_asked_as_today(two, run, tmp_path):
    assert run("play", str(two), *ESPEAK, "--no-check-in",
               obj={"environment": listening_environment(Listener(Clock(), hurt_at=(1, 300)))}).exit_code == 0
    plain = run("show", str(two), "--estimate")
    assert plain.exit_code == 0 and "Squeeze" in plain.stdout and plain.stderr == ""
    today = run("show", str(two), "--estimate", "--as-today")
    assert today.exit_code == 0 and "Squeeze" not in today.stdout and "Lift" in today.stdout
    assert today.stderr == "Note: as today, Squeeze is left out (it hurt last time; play --include takes it back).\n"
    exported = run("export", str(two), "--engine", "espeak", "--as-today", "-o", str(tmp_path / "today.wav"))
    assert exported.exit_code == 0 and ", 2 chapters," in exported.stdout  # the introduction and Lift


# --- for real: a terminal (a pty), the real-time sink, a private session bus ----------------------------

LONGER = TWO.replace("hold: 2", "hold: 8")


ADVICE = ("Stop this exercise.", "If the pain does not settle, contact your doctor or physical therapist.",
          "Ending the session here. Take care of your back.")


@needs_sink
def test_h_in_a_terminal_stops_gives_the_advice_and_silence_ends_the_session(sink, write_program, tmp_path):
    pexpect = pytest.importorskip("pexpect")
    program = write_program(LONGER, "longer.yaml")
    # The lines looked for, made once in a cache of play's own: eSpeak's samples differ a little
    # from one synthesis to the next, and another test process may make them meanwhile.
    speech = make_speech(Settings(engine="espeak"), cache_dir=tmp_path / "cache" / "phrases")
    lines = {line: speech.pcm(line) for line in ADVICE}
    mark = sink.mark()
    child = pexpect.spawn(sys.executable, ["-m", "voicecoach", "play", str(program), "--from", "1", "--engine",
                                           "espeak", "--no-check-in"],
                          env={**sink.env, "VOICECOACH_CACHE_DIR": str(tmp_path / "cache")}, encoding="utf-8",
                          timeout=60, dimensions=(24, 160))
    child.expect("1/2 Squeeze")
    assert sink.first_sound_after(mark, timeout_s=20) is not None
    time.sleep(1.0)
    child.send("h")
    child.expect("Asking \\| It hurts")
    # no answer: after the question's time, the session ends, as the record says
    child.expect("Stopped for pain at 0:\\d\\d, in exercise 1 \\(Squeeze\\)", timeout=60)
    child.expect(pexpect.EOF)
    time.sleep(0.3)
    captured = sink.captured(mark)
    # said, to the sample: the first line from 0.4 s on (a new stream's first 200-300 ms mix with what
    # the sound server still held of the stopped session), the others whole
    assert find_in(captured, lines[ADVICE[0]][2 * int(0.4 * 22050):]) != -1
    for line in ADVICE[1:]:
        assert find_in(captured, lines[line]) != -1, line
    (session,) = sessions()
    assert session.ending == "hurt" and session.hurt == Hurt(0, "Squeeze", "end")


@needs_sink
def test_digit_keys_in_a_terminal_answer_before_and_after(sink, write_program):
    pexpect = pytest.importorskip("pexpect")
    program = write_program(TWO, "two.yaml")
    child = pexpect.spawn(sys.executable, ["-m", "voicecoach", "play", str(program), "--from", "1", "--engine",
                                           "espeak", "--pace", "4", "--check-in"], env=sink.env, encoding="utf-8",
                          timeout=60, dimensions=(24, 160))
    child.expect("Asking \\| Pain 0-10")
    child.send("4")
    child.expect("1/2 Squeeze")
    child.expect("Asking \\| Pain 0-10")
    child.send("1")
    child.send("0")  # ten: 1 then 0 within a second
    child.expect("Done: Two, .*; pain 4 -> 10\\.")
    child.expect(pexpect.EOF)
    (session,) = sessions()
    assert (session.pain_before, session.pain_after) == (4, 10)


@needs_sink
@needs_bus
def test_the_media_keys_menu_answers_on_the_session_bus(sink, write_program):
    from tests.bus import Remote, SessionBus

    program = write_program(TWO, "two.yaml")
    bus = SessionBus()
    remote = None
    mark = sink.mark()
    player = subprocess.Popen([sys.executable, "-m", "voicecoach", "play", str(program), "--from", "1", "--engine",
                               "espeak", "--pace", "4", "--quiet"], env=bus.env(sink.env), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        remote = Remote(bus.address)
        remote.wait_for_player()
        assert sink.first_sound_after(mark, timeout_s=20) is not None  # the question is being said
        for _ in range(3):
            remote.call("Next")  # zero, one, two: each said as it is reached
            time.sleep(0.4)
        remote.call("PlayPause")
        remote.wait_until("PlaybackStatus", "Playing", timeout_s=30)
        remote.wait_until("PlaybackStatus", "Stopped", timeout_s=60)  # the session is over: asked again
        time.sleep(0.5)
        for _ in range(6):
            remote.call("Next")
            time.sleep(0.3)
        remote.call("PlayPause")
        out, err = player.communicate(timeout=60)
    finally:
        if player.poll() is None:
            player.kill()
        if remote is not None:
            remote.close()
        bus.close()
    assert player.returncode == 0 and out.startswith("Done: Two") and "; pain 2 -> 5." in out, (out, err)
    (session,) = sessions()
    assert (session.pain_before, session.pain_after) == (2, 5)


def test_when_everything_hurt_before_there_is_nothing_to_play(write_program, run, assert_one_line_error):
    one = write_program(TWO.split("  - {name: Lift")[0], "one.yaml")
    assert run("play", str(one), *ESPEAK, "--no-check-in",
               obj={"environment": listening_environment(Listener(Clock(), hurt_at=(1, 300)))}).exit_code == 0
    env = listening_environment(Listener(Clock()))
    line = assert_one_line_error(run("play", str(one), *ESPEAK, "--no-check-in", obj={"environment": env}), 1,
                                 "every exercise of Two is left out today because it hurt before")
    assert "--include NAME" in line and said(env, "There is nothing else in this program today.")
    assert len(sessions()) == 1  # not a session
    assert run("play", str(one), *ESPEAK, "--no-check-in", "--include", "squeeze",
               obj={"environment": listening_environment(Listener(Clock()))}).exit_code == 0


def test_from_an_exercise_that_is_left_out_starts_at_the_next_one(write_program, run):
    three = write_program(TWO + "  - {name: Reach, position: Sit., reps: 1, movement: [hold: 2]}\n", "three.yaml")
    assert run("play", str(three), *ESPEAK, "--no-check-in", "--from", "2",
               obj={"environment": listening_environment(Listener(Clock(), hurt_at=(2, 300)))}).exit_code == 0
    assert sessions()[0].hurt == Hurt(1, "Lift", "end")  # the index is the program's, as --from counts
    listener = Listener(Clock())
    result = run("play", str(three), *ESPEAK, "--no-check-in", "--from", "2",
                 obj={"environment": listening_environment(listener)})
    assert result.exit_code == 0, result.output
    newest = sessions()[0]
    assert newest.left_out == ("Lift",) and newest.start_index == 1  # today's second: Reach
    assert listener.seen[0].title == "Reach"
