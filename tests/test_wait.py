"""Wait for me: an exercise that, when played, waits after "Get into position." until the listener
says they are ready. The format, the compiled waits, and the player against a clock the tests
control; the real thing on a session bus is in test_mpris.py."""

from __future__ import annotations

import textwrap

import pytest

from tests.fakes import FAKE_CUES, RATE, Clock, FakeAudio, fake_frames, fake_speech, session_pcm
from tests.samples import make_exercise, make_program, start_of
from voicecoach.player import WAIT_REMINDER_S, Player, status_line
from voicecoach.player import run as run_loop
from voicecoach.program import Hold, Move, ProgramError, load_program
from voicecoach.render import MeasuredDurations, render_span
from voicecoach.schema import program_schema
from voicecoach.script import WAIT_RESUME_LEAD_MS, compile_script, script_to_json, script_to_text

PROGRAM = """\
title: Waits
wait_for_me: true
exercises:
  - name: Alpha
    position: Lie down.
    reps: 1
    movement: [hold: 2]
  - name: Beta
    position: Sit.
    reps: 1
    sides: each
    movement: [hold: 2]
  - name: Gamma
    position: Stand.
    reps: 1
    wait_for_me: false
    movement: [hold: 2]
"""


def test_wait_for_me_is_read_from_the_program_and_each_exercise(write_program):
    program = load_program(write_program(PROGRAM))
    assert [exercise.wait_for_me for exercise in program.exercises] == [True, True, False]
    plain = load_program(write_program(PROGRAM.replace("wait_for_me: true\n", "")))
    assert [exercise.wait_for_me for exercise in plain.exercises] == [False, False, False]


@pytest.mark.parametrize(("value", "message"), [
    # YAML 1.2 (as editors read it): yes is text, quoted or not; the advice is the word that works
    ("'yes'", "exercise 1 (Alpha): 'wait_for_me' must be true or false, found the text 'yes': write wait_for_me: true"),
    ("yes", "exercise 1 (Alpha): 'wait_for_me' must be true or false, found the text 'yes': write wait_for_me: true"),
    ("'true'", "exercise 1 (Alpha): 'wait_for_me' must be true or false, found the text 'true': remove the quotes "
               "(wait_for_me: true)"),
    ("3", "exercise 1 (Alpha): 'wait_for_me' must be true or false, found the number 3"),
])
def test_a_wrong_wait_for_me_is_one_clear_line(write_program, value, message):
    text = PROGRAM.replace("    reps: 1\n    movement: [hold: 2]\n  - name: Beta",
                           f"    reps: 1\n    wait_for_me: {value}\n    movement: [hold: 2]\n  - name: Beta")
    path = write_program(text)
    with pytest.raises(ProgramError) as caught:
        load_program(path)
    assert str(caught.value) == f"{path}, line 7: {message}"


def test_the_schema_knows_wait_for_me():
    schema = program_schema()
    assert schema["properties"]["wait_for_me"]["type"] == "boolean"
    assert schema["definitions"]["exercise"]["properties"]["wait_for_me"]["type"] == "boolean"


def durations():
    return MeasuredDurations(fake_frames, FAKE_CUES, RATE)


def test_a_wait_is_after_get_into_position_on_each_side_and_ends_just_before_ready():
    program = make_program(make_exercise(name="Lifts", reps=1, wait_for_me=True, movement=(Hold(2.0),)),
                           make_exercise(name="Bends", reps=1, each_side=True, wait_for_me=True, setup_s=4,
                                         switch_setup_s=9, movement=(Move("Bend.", 2),)),
                           make_exercise(name="Rolls", reps=1, movement=(Move("Roll.", 2),)))
    script = compile_script(program, durations=durations())
    assert [(w.exercise, w.side) for w in script.waits] == [("Lifts", None), ("Bends", "left"), ("Bends", "right")]
    for nth, wait in enumerate(script.waits):
        get_ready = [e for e in script.events if e.text == "Get into position."][nth]
        ready = [e for e in script.events if e.text == "Ready."][nth]
        assert wait.at_ms == get_ready.end_ms
        assert wait.resume_ms == ready.start_ms - WAIT_RESUME_LEAD_MS
    # The same timeline as without waiting: an export plays the timed set-up.
    timed = compile_script(make_program(*(e.__class__(**{**e.__dict__, "wait_for_me": False})
                                          for e in program.exercises)), durations=durations())
    assert timed.events == script.events and timed.waits == ()


def test_show_and_json_say_where_play_waits():
    program = make_program(make_exercise(name="Lifts", reps=1, wait_for_me=True, movement=(Hold(2.0),)))
    script = compile_script(program, durations=durations())
    (wait,) = script.waits
    assert '"waits": [{"at": %s, "resume": %s, "exercise": "Lifts", "side": null}]' % (
        wait.at_ms / 1000, wait.resume_ms / 1000) in script_to_json(script)
    assert "  wait     until you are ready, then on at " in script_to_text(script)
    plain = compile_script(make_program(make_exercise(name="Lifts", reps=1, movement=(Hold(2.0),))),
                           durations=durations())
    assert '"waits"' not in script_to_json(plain) and " wait " not in script_to_text(plain)


@pytest.fixture
def waiting_rig():
    program = make_program(make_exercise(name="Lifts", reps=1, wait_for_me=True, setup_s=5, movement=(Hold(2.0),)),
                           make_exercise(name="Bends", reps=1, movement=(Move("Bend.", 2),)))
    script = compile_script(program, durations=durations())
    clock = Clock()
    audio = FakeAudio(clock)
    player = Player(script, render=lambda a, b: render_span(script, fake_speech, FAKE_CUES, RATE, a, b),
                    speak=fake_speech, audio=audio, sample_rate_hz=RATE, clock=clock,
                    wait_notices=("Press play.", "Take your time."))
    return script, clock, audio, player


def play_until(player, clock, ms: int, step_s: float = 0.05) -> None:
    while player.position_ms() < ms and player.waiting is None:
        clock.advance(step_s)
        player.poll()


def test_play_stops_at_the_wait_says_how_to_go_on_and_reminds_every_30_seconds(waiting_rig):
    script, clock, audio, player = waiting_rig
    (wait,) = script.waits
    player.start(0)
    play_until(player, clock, wait.at_ms + 200)
    assert player.waiting == wait and audio.played[0].stopped
    assert audio.played[-1].pcm == fake_speech("Press play.")
    assert player.now_playing().status == "Paused"
    for _ in range(round(WAIT_REMINDER_S / 0.05) - 2):  # nearly 30 s: nothing more is said
        clock.advance(0.05)
        assert player.poll()
    assert len(audio.played) == 2 and player.position_ms() == wait.at_ms
    clock.advance(0.2)
    player.poll()
    assert len(audio.played) == 3 and audio.played[-1].pcm == fake_speech("Take your time.")
    assert "Waiting" in status_line(player.timeline, player.position_ms(), player.paused, 120, waiting=True)


@pytest.mark.parametrize("control", ["toggle_pause", "play"])
def test_the_listener_saying_ready_goes_on_just_before_ready(waiting_rig, control):
    script, clock, audio, player = waiting_rig
    (wait,) = script.waits
    player.start(0)
    play_until(player, clock, wait.at_ms + 200)
    player.pause()  # already quiet: a media player's Pause does nothing here
    assert player.waiting == wait
    clock.advance(40)
    getattr(player, control)()
    assert player.waiting is None and player.position_ms() == wait.resume_ms
    assert audio.played[-1].pcm == session_pcm(script, wait.resume_ms)
    ready = start_of(script, "Ready.")
    assert ready - wait.resume_ms == WAIT_RESUME_LEAD_MS
    clock.advance(1.0)
    player.poll()
    assert player.position_ms() == wait.resume_ms + 1000  # on schedule from there
    # the 40 s of waiting are not time listened
    assert abs(player.listened_s() - (wait.at_ms / 1000 + 1.0)) < 0.1


def test_skipping_from_a_wait_and_restarting_the_exercise_waits_again(waiting_rig):
    script, clock, audio, player = waiting_rig
    (wait,) = script.waits
    player.start(0)
    play_until(player, clock, wait.at_ms + 200)
    player.restart_exercise()  # back to the chime of the same exercise: its wait comes again
    assert player.waiting is None
    play_until(player, clock, wait.at_ms + 200)
    assert player.waiting == wait
    player.next_exercise()
    assert player.waiting is None and player.position_ms() == player.timeline.exercises[1][1]


def test_the_run_loop_with_media_controls_does_what_the_keys_do(waiting_rig):
    script, clock, audio, player = waiting_rig
    (wait,) = script.waits

    class Keys:
        enabled = False  # no terminal: the keys line is not shown

        def read(self, timeout_s, wake_fd=None):
            clock.advance(timeout_s)
            return None

    class Media:
        def __init__(self):
            self.seen, self.sent = [], []

        def fileno(self):
            return -1

        def take(self):
            now = self.seen[-1]
            if player.waiting is not None and "ready" not in self.sent:
                self.sent.append("ready")
                return "PlayPause"
            if now.part == 2 and "stop" not in self.sent:
                self.sent.append("stop")
                return "Stop"
            return None

        def update(self, now):
            self.seen.append(now)

    class Display:
        def show(self, line):
            pass

        def close(self):
            pass

        def width(self):
            return 80

    media = Media()
    outcome = run_loop(player, 0, Keys(), Display(), media=media)
    assert media.sent == ["ready", "stop"] and not outcome.finished
    parts = [now.part for now in media.seen]
    assert parts[0] == 0 and 1 in parts and parts[-1] == 2
    assert media.seen[-1].status == "Stopped"
    assert [now.title for now in media.seen if now.part == 1][0] == "Lifts"
    assert any(now.status == "Paused" for now in media.seen)  # while it waited


def test_a_written_program_waits_and_show_says_so(write_program):
    from click.testing import CliRunner

    from voicecoach.cli import cli

    path = write_program(textwrap.dedent(PROGRAM))
    result = CliRunner().invoke(cli, ["show", str(path), "--estimate"])
    assert result.exit_code == 0, result.output
    assert result.output.count("  wait     until you are ready") == 3  # Alpha, and Beta on each side
