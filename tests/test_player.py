"""Playback: the controls against a clock the tests control, the display, choosing exercises,
then real playback through ALSA into a real-time PulseAudio sink (tests/sink.py, no sound card), a
device failing mid-session, and the keyboard in a real pty."""

from __future__ import annotations

import io
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from tests.fakes import (
    FAKE_CUES,
    RATE,
    Clock,
    FakeAudio,
    Growing,
    fake_frames,
    fake_speech,
    session_pcm,
)
from tests.samples import QUICK, make_exercise, make_program
from tests.sink import needs_alsa, needs_sink, no_device_env
from voicecoach.cli import cli
from voicecoach.errors import DeviceError
from voicecoach.player import NOTICE_GAP_MS, Player, Timeline, status_line
from voicecoach.player import run as run_loop
from voicecoach.program import Hold, Move
from voicecoach.render import MeasuredDurations, frame_at, render_span
from voicecoach.script import compile_script
from voicecoach.stream import REOPEN_LIMIT
from voicecoach.terminal import Display


def two_exercise_script():
    program = make_program(
        make_exercise(name="Lifts", reps=2, movement=(Move("Lift.", 2), Hold(12.0))),
        make_exercise(name="Bends", reps=2, each_side=True),
    )
    return compile_script(program, durations=MeasuredDurations(fake_frames, FAKE_CUES, RATE))


@pytest.fixture
def rig():
    script = two_exercise_script()
    clock = Clock()
    audio = FakeAudio(clock)
    player = Player(script, render=lambda a, b: render_span(script, fake_speech, FAKE_CUES, RATE, a, b),
                    speak=fake_speech, audio=audio, sample_rate_hz=RATE, clock=clock)
    return script, clock, audio, player


@pytest.fixture
def growing_rig():
    source = Growing()
    clock = Clock()
    audio = FakeAudio(clock)
    known, _ = source()
    player = Player(known, render=lambda a, b: render_span(source()[0], fake_speech, FAKE_CUES, RATE, a, b),
                    speak=fake_speech, audio=audio, sample_rate_hz=RATE, clock=clock, grow=source,
                    growing_bound_ms=source.whole.duration_ms + 20_000)
    return source, clock, audio, player


def test_a_growing_script_plays_as_one_stream_written_ahead_of_the_listener(growing_rig):
    source, clock, audio, player = growing_rig
    player.start(0)
    assert len(audio.played) == 1 and not player.complete
    for lines in (2, 3):
        clock.advance(0.2)
        source.lines = lines
        assert player.poll()
    source.complete = True
    while player.poll():
        clock.advance(0.05)
    (played,) = audio.played  # never a second stream: no joins, no drift
    whole = session_pcm(source.whole)
    assert bytes(played.pcm[: len(whole)]) == whole and not any(played.pcm[len(whole):])
    assert played.stopped and player.ended and player.position_ms() == source.whole.duration_ms
    assert clock.now - 100 >= source.whole.duration_s + 0.5  # the last sound had time to leave the device


def test_a_session_longer_than_its_growing_buffer_goes_on_from_a_silence_in_it(growing_rig):
    """The buffer's length is a guess; a session that turns out longer is split in a silence."""
    source, clock, audio, player = growing_rig
    player.growing_bound_ms = source.whole.duration_ms // 2
    player.start(0)
    source.complete = True
    while player.poll():
        clock.advance(0.05)
    first, second = audio.played
    split = player.timeline.split_point(0, max_ms=source.whole.duration_ms // 2)
    event = source.whole.events[player.timeline.index_at(split)]
    assert 0 < split < source.whole.duration_ms // 2 and event.kind == "silence"
    head = session_pcm(source.whole)[: 2 * frame_at(split, RATE)]
    assert bytes(first.pcm[: len(head)]) == head and not any(first.pcm[len(head):])
    assert bytes(second.pcm) == session_pcm(source.whole, split)  # on from the split: nothing lost
    assert player.ended


def test_when_synthesis_falls_behind_the_player_waits_inside_a_silence(growing_rig):
    source, clock, audio, player = growing_rig
    player.start(0)
    known_until = player.known_until_ms()  # the middle of the silence after the first line
    while not audio.played[0].stopped:  # polled as run() polls, every 50 ms
        clock.advance(0.05)
        assert player.poll()
    stalled_at = player.position_ms()
    assert known_until - 200 <= stalled_at <= known_until - 100  # stopped short of the unknown, in silence
    clock.advance(5)  # synthesis takes its time; the session does not move
    assert player.poll() and player.position_ms() == stalled_at and len(audio.played) == 1
    source.complete = True
    assert player.poll() and len(audio.played) == 2
    rest = session_pcm(source.whole, stalled_at)
    assert bytes(audio.played[1].pcm[: len(rest)]) == rest  # on from exactly there: nothing cut, nothing skipped
    while player.poll():
        clock.advance(0.05)
    assert player.ended


def test_a_control_before_the_script_is_whole_waits_for_it(growing_rig):
    source, clock, audio, player = growing_rig
    player.start(0)
    player.next_exercise()  # the exercises are not known yet
    assert len(audio.played) == 1
    source.complete = True
    player.poll()
    assert player.position_ms() == dict(source.whole.exercise_starts())["Lifts"]


def test_plays_the_whole_session_as_one_buffer(rig):
    script, clock, audio, player = rig
    player.start(0)
    assert [p.pcm for p in audio.played] == [session_pcm(script)]
    clock.advance(script.duration_s / 2)
    assert player.poll() and abs(player.position_ms() - script.duration_ms / 2) <= 1
    clock.advance(script.duration_s)
    assert not player.poll() and player.ended and len(audio.played) == 1


class LingeringPlayback:
    """Like simpleaudio's: after stop() its thread still runs (and takes the GIL once more) for a
    few polls before is_playing() turns false."""

    def __init__(self) -> None:
        self.stopped, self.polls_after_stop = False, 0

    def stop(self) -> None:
        self.stopped = True

    def is_playing(self) -> bool:
        if self.stopped:
            self.polls_after_stop += 1
        return not self.stopped or self.polls_after_stop < 5


class LingeringAudio:
    def __init__(self) -> None:
        self.played: list[LingeringPlayback] = []

    def play(self, pcm: bytes, sample_rate_hz: int) -> LingeringPlayback:
        self.played.append(LingeringPlayback())
        return self.played[-1]


def test_stopping_waits_until_the_sound_thread_has_let_go():
    """The process may exit right after stop(); simpleaudio's thread must be done with Python by
    then, or the exit crashes (SIGSEGV in PyGILState_Ensure, 5 exits in 40 of `doctor` on a busy
    machine before this)."""
    script = two_exercise_script()
    audio = LingeringAudio()
    player = Player(script, render=lambda a, b: render_span(script, fake_speech, FAKE_CUES, RATE, a, b),
                    speak=fake_speech, audio=audio, sample_rate_hz=RATE, clock=Clock())
    player.start(0)
    player.stop()
    assert audio.played and not any(playback.is_playing() for playback in audio.played)


def test_doctor_waits_for_its_test_sound_to_let_go():
    from voicecoach.doctor import check_output

    audio = LingeringAudio()
    assert check_output(lambda: audio).ok
    assert len(audio.played) == 1 and not audio.played[0].is_playing()


def test_pause_in_silence_resumes_exactly_there_after_a_notice(rig):
    script, clock, audio, player = rig
    timeline = player.timeline
    silence = next(e for e in script.events if e.kind == "silence" and e.duration_ms > 2000)
    player.start(0)
    clock.advance(silence.start_s + 1.0)
    player.toggle_pause()
    assert audio.played[0].stopped and audio.played[1].pcm == fake_speech("Paused.")
    clock.advance(30)  # time passes while paused; the session does not move
    assert player.position_ms() == silence.start_ms + 1000
    player.toggle_pause()
    lead = fake_speech("Resuming.") + bytes(2 * frame_at(NOTICE_GAP_MS, RATE))
    assert audio.played[2].pcm == lead + session_pcm(script, silence.start_ms + 1000)
    assert player.position_ms() == silence.start_ms + 1000  # the notice plays first
    clock.advance(len(lead) / 2 / RATE + 2.0)
    assert abs(player.position_ms() - (silence.start_ms + 3000)) <= 1
    assert timeline.resume_point(silence.start_ms + 1000) == silence.start_ms + 1000


def test_pause_mid_line_resumes_from_the_start_of_the_line(rig):
    script, clock, audio, player = rig
    line = next(e for e in script.events if e.kind == "speech" and e.duration_ms > 100 and e.start_ms > 0)
    player.start(0)
    clock.advance(line.start_s + 0.05)
    player.toggle_pause()
    player.toggle_pause()
    resumed = audio.played[-1].pcm
    assert resumed.endswith(session_pcm(script, line.start_ms))


def test_next_skips_to_the_next_exercise_then_to_the_end(rig):
    script, clock, audio, player = rig
    starts = [start for _, start in player.timeline.exercises]
    player.start(0)
    clock.advance(1)
    assert player.position_ms() < starts[0]  # still in the introduction
    player.next_exercise()
    assert player.position_ms() == starts[0] and audio.played[-1].pcm == session_pcm(script, starts[0])
    player.next_exercise()
    assert player.position_ms() == starts[1]
    player.next_exercise()
    assert player.position_ms() == player.timeline.ending_ms
    assert script.events[player.timeline.index_at(player.timeline.ending_ms)].text.startswith("That is the end")


def test_restart_goes_to_the_exercise_start_and_twice_to_the_previous(rig):
    script, clock, audio, player = rig
    starts = [start for _, start in player.timeline.exercises]
    player.start(starts[1])
    clock.advance(20)
    player.restart_exercise()
    assert player.position_ms() == starts[1]
    clock.advance(0.5)
    player.restart_exercise()
    assert player.position_ms() == starts[0]
    clock.advance(5)
    player.restart_exercise()  # not "twice" any more: the current one again
    assert player.position_ms() == starts[0]


def test_long_sessions_play_in_segments_anchored_to_the_clock(rig, monkeypatch):
    import voicecoach.player as player_module

    script, clock, audio, player = rig
    monkeypatch.setattr(player_module, "SEGMENT_MAX_MS", script.duration_ms // 2)
    player.timeline = Timeline(script)
    player.start(0)
    first_end = player._segment_end_ms
    boundary_event = script.events[player.timeline.index_at(first_end)]
    assert boundary_event.kind == "silence" and 0 < first_end < script.duration_ms
    clock.advance(first_end / 1000 + 0.030)  # the device finished 30 ms late
    assert player.poll()
    second = audio.played[-1].pcm
    assert second == session_pcm(script, first_end + 30)[: len(second)]  # 30 ms of silence skipped
    assert player.position_ms() == first_end + 30
    clock.advance(script.duration_s)
    while player.poll():
        clock.advance(1)
    assert player.ended


def test_a_device_that_stops_early_is_reopened_at_the_line_it_cut(rig):
    script, clock, audio, player = rig
    line = next(e for e in script.events if e.kind == "speech" and e.start_ms > 3000 and e.duration_ms > 150)
    player.start(0)
    clock.advance(line.start_s + 0.1)
    audio.played[0].failed = True  # the stream dies mid-line
    assert player.poll()
    assert player.reopened == 1 and len(audio.played) == 2
    assert audio.played[1].pcm == session_pcm(script, line.start_ms)
    assert player.position_ms() == line.start_ms
    clock.advance(script.duration_s)
    while player.poll():
        clock.advance(1)
    assert player.ended and player.reopened == 1


def test_a_device_that_cannot_be_reopened_is_a_device_error_that_keeps_the_place(rig):
    script, clock, audio, player = rig
    player.start(0)
    clock.advance(7.0)
    audio.played[0].failed = True
    audio.fail_opening = True
    with pytest.raises(DeviceError, match="stopped working and could not be opened again \\(No such device\\)"):
        player.poll()
    assert player.ended and player.position_ms() == 7000 and audio.played[0].stopped
    assert not player.poll()


def test_a_device_that_keeps_failing_is_given_up(rig):
    script, clock, audio, player = rig
    player.start(0)
    for attempt in range(REOPEN_LIMIT):
        clock.advance(2.0)
        audio.played[-1].failed = True
        assert player.poll()
    clock.advance(2.0)
    audio.played[-1].failed = True
    with pytest.raises(DeviceError, match="keeps stopping"):
        player.poll()
    assert player.reopened == REOPEN_LIMIT and player.ended


def test_a_device_ending_a_little_early_is_not_a_failure(rig):
    script, clock, audio, player = rig
    audio.speed = 1.001  # a sound card whose clock runs 0.1% fast finishes the buffer early
    player.start(0)
    clock.advance(script.duration_s / 1.001 + 0.01)
    assert not audio.played[0].is_playing()
    while player.poll():
        clock.advance(0.05)
    assert player.reopened == 0 and len(audio.played) == 1


def test_quit_and_summary_with_the_run_loop(rig):
    script, clock, audio, player = rig

    class ScriptedKeys:
        enabled = True

        def __init__(self, presses):
            self.presses = list(presses)

        def read(self, timeout_s):
            clock.advance(timeout_s)
            return self.presses.pop(0) if self.presses else None

    screen = io.StringIO()
    outcome = run_loop(player, 0, ScriptedKeys([None] * 40 + ["?", "n", None, "q"]), Display(enabled=True, stream=screen))
    assert not outcome.finished and outcome.exercises_completed == 0  # skipped to, not done
    assert player.timeline.exercise_index_at(outcome.position_ms) == 0  # stopped in exercise 1
    assert audio.played[-1].stopped
    # the keys once at the start, where they can be pressed, and again on '?'; each a line that stays
    lines = screen.getvalue().split("\n")
    keys = [line for line in lines if "Keys: " in line]
    assert len(keys) == 2 and keys[0].startswith("\rKeys: space pause, n next, p previous")
    assert keys[0].endswith("q quit, ? these keys.\x1b[K") and lines[0] == keys[0]


def test_the_keys_line_names_every_key_the_run_loop_acts_on():
    from voicecoach.player import KEY_ACTIONS, keys_line

    line = keys_line()
    for key in KEY_ACTIONS:
        assert (f"{key} " if key != " " else "space ") in line
    assert "q quit" in line


def test_status_line_shows_where_we_are(rig):
    script, _, _, player = rig
    hold = next(e for e in script.events if e.cue == "hold-start")
    line = status_line(player.timeline, hold.start_ms + 4000, paused=False, width=120)
    assert line.startswith("Playing | 1/2 Lifts | rep 1/2 | hold 8s |")
    side = next(e for e in script.events if e.side == "right" and e.rep == 2)
    assert "2/2 Bends | right | rep 2/2" in status_line(player.timeline, side.start_ms, paused=True, width=120)
    assert status_line(player.timeline, 0, False, 120).startswith("Playing | Introduction")
    assert len(status_line(player.timeline, 0, False, 30)) <= 29


# --- the command, through real ALSA and a real-time sound server (no sound card needed) ---


def audible(pcm: bytes) -> bytes:
    """The samples from the first non-zero one to the last: what was heard, without the idle silence."""
    samples = np.frombuffer(pcm, dtype="<i2")
    sounding = np.flatnonzero(samples)
    return b"" if not len(sounding) else samples[sounding[0] : sounding[-1] + 1].tobytes()


@needs_sink
def test_real_playback_plays_exactly_the_exported_session(tmp_path, write_program, sink):
    program = write_program(QUICK)
    mark = sink.mark()
    done = subprocess.run([sys.executable, "-m", "voicecoach", "play", str(program), "--pace", "4", "--from", "1"],
                          capture_output=True, text=True, env=sink.env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Done: Quick, 0:") and done.stderr == ""
    finished = the_one_recorded(kind="play", ending="finished", place="closing", completed=1, exercises=1,
                                start_index=0, program=str(program.resolve()), title="Quick")
    assert finished.settings.pace == 4
    exported = tmp_path / "quick.wav"
    assert CliRunner().invoke(cli, ["export", str(program), "--pace", "4", "-o", str(exported)]).exit_code == 0
    import wave

    with wave.open(str(exported)) as audio:
        whole = audio.readframes(audio.getnframes())
    played_from = dict(_script_of(program).exercise_starts())["Squeeze"]  # --from 1
    time.sleep(0.3)  # the sink writes what it played at its own pace
    heard = audible(sink.captured(mark))
    assert len(heard) > 2 * RATE and heard == audible(whole[2 * frame_at(played_from, RATE):])
    # the time listened is the time it played in real time: from exercise 1 to the end (and a
    # little more for the device to start; a stall would only add to it)
    played_ms = finished.length_ms - played_from
    assert played_ms - 300 <= finished.listened_ms <= played_ms + 3000, (finished.listened_ms, played_ms)


def _script_of(program: Path):
    from voicecoach.program import load_program
    from voicecoach.script import Options
    from voicecoach.session import make_speech, prepare_session

    return prepare_session(load_program(program), Options(pace=4), make_speech()).script


@needs_alsa
def test_no_audio_device_is_one_line(tmp_path, write_program):
    done = subprocess.run([sys.executable, "-m", "voicecoach", "play", str(write_program(QUICK))],
                          capture_output=True, text=True, env=no_device_env(tmp_path), timeout=60)
    assert done.returncode == 4
    assert done.stderr.count("\n") == 1 and "ALSA lib" not in done.stderr
    assert done.stderr.startswith("Error: no audio output device could be opened")
    assert "Stopped at" not in done.stderr  # nothing was heard, so there is no place to go on from
    assert "voicecoach export" in done.stderr and "-o session.mp3" in done.stderr
    from voicecoach.history import sessions

    assert sessions() == []  # nothing was heard: not a session, and no streak counts it


@needs_alsa
def test_without_a_device_the_suggested_export_is_the_same_session(tmp_path, write_program):
    program = write_program(QUICK)
    done = subprocess.run([sys.executable, "-m", "voicecoach", "play", str(program), "--only", "squeeze",
                           "--from", "squeeze", "--pace", "0.8", "--engine", "espeak", "--quiet-holds"],
                          capture_output=True, text=True, env=no_device_env(tmp_path), timeout=60)
    assert done.returncode == 4 and done.stderr.count("\n") == 1, done.stderr
    suggested = done.stderr.rstrip("\n").split("export the session instead: ", 1)[1]
    assert suggested == (f"{sys.executable} -m voicecoach export {program} --pace 0.8 --quiet-holds --engine espeak "
                         "--only squeeze --from Squeeze -o session.mp3")
    # and it does what it says: the session that would have played, to a file
    words = shlex.split(suggested.replace("session.mp3", str(tmp_path / "s.wav")))
    exported = subprocess.run(words, capture_output=True, text=True, timeout=120)
    assert exported.returncode == 0, exported.stderr
    assert exported.stdout.startswith(f"Wrote {tmp_path / 's.wav'}")


def test_a_busy_device_says_so(monkeypatch):
    import simpleaudio

    from voicecoach.audio import SimpleaudioOut

    def busy(*args):  # the message simpleaudio's C code builds from snd_pcm_open's -EBUSY
        raise simpleaudio._simpleaudio.SimpleaudioError(
            "Error opening PCM device. -- CODE: -16 -- MSG: Device or resource busy")

    monkeypatch.setattr(simpleaudio, "play_buffer", busy)
    with pytest.raises(DeviceError) as caught:
        SimpleaudioOut(export_hint="voicecoach export beginning -o session.mp3").play(b"\0\0", RATE)
    assert str(caught.value).startswith("the audio output is busy: another program is using it "
                                        "(Device or resource busy); close that program and try again")
    assert str(caught.value).endswith("voicecoach export beginning -o session.mp3")


def test_from_and_only_mistakes_are_one_line():
    result = CliRunner().invoke(cli, ["play", "intermediate", "--from", "hamstrng"])
    assert result.exit_code == 2 and result.stderr.count("\n") == 1
    assert "did you mean 'Hamstring stretch'?" in result.stderr
    result = CliRunner().invoke(cli, ["play", "beginning", "--only", "7"])
    assert result.exit_code == 2 and "there is no exercise 7" in result.stderr


# --- the keyboard in a real pseudo-terminal ---

pexpect = pytest.importorskip("pexpect")


# How play names itself in its resume hint when run as `python -m voicecoach` (pasteable as it is).
AS_RUN = re.escape(f"{sys.executable} -m voicecoach")


def the_one_recorded(**expected):
    """The history holds exactly one session, as expected."""
    from voicecoach.history import sessions

    (only,) = sessions()
    for name, value in expected.items():
        assert getattr(only, name) == value, (name, getattr(only, name), value)
    return only


def in_shell(command: str, env: dict[str, str]):
    """Run command under sh, which traps SIGINT (a handler, which exec resets: the player still gets
    Ctrl-C) so it lives on to print the exit code and whether the terminal is in canonical mode."""
    return pexpect.spawn("/bin/sh", ["-c", f"trap true INT; {command}; echo EXIT=$?; "
                                           "stty -a | grep -o -- '-\\?icanon' | head -1"],
                         env=env, encoding="utf-8", timeout=60, dimensions=(24, 160))


def expect_terminal_restored(child, exit_code: int) -> None:
    child.expect(f"EXIT={exit_code}")
    child.expect("icanon")  # canonical mode is back on: the terminal was restored
    assert "-icanon" not in child.after
    child.expect(pexpect.EOF)


@needs_sink
def test_keyboard_pause_skip_quit_in_a_terminal(sink):
    child = pexpect.spawn(sys.executable, ["-m", "voicecoach", "play", "intermediate", "--no-check-in"], env=sink.env,
                          encoding="utf-8", timeout=30, dimensions=(24, 120))
    child.expect("Keys: space pause, n next, p previous \\(restart; twice: the one before\\), h it hurts, "
                 "q quit, \\? these keys\\.")  # once, before the session starts
    child.expect("Playing \\| Introduction")
    child.send(" ")
    child.expect("Paused  \\| Introduction")
    child.send(" ")
    child.expect("Playing")
    child.send("n")
    child.expect("Playing \\| 1/2 Single knee to chest stretch")
    child.send("n")
    child.expect("Playing \\| 2/2 Hamstring stretch")
    child.send("q")
    child.expect("Stopped at \\d+:\\d\\d, in exercise 2 of 2 \\(Hamstring stretch\\). To go on from there: "
                 f"{AS_RUN} play --resume")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    recorded = the_one_recorded(kind="play", ending="quit", program="intermediate", place="exercise",
                                stopped_index=1, stopped_name="Hamstring stretch", completed=0, exercises=2)
    assert 0 < recorded.listened_ms < recorded.position_ms  # skipped ahead: heard less than the position


@needs_sink
def test_resume_after_ctrl_c_goes_on_at_that_exercise_with_the_same_settings(sink):
    child = in_shell(f"{sys.executable} -m voicecoach play intermediate --pace 1.5 --no-check-in", sink.env)
    child.expect("Playing \\| Introduction")
    child.send("n")
    child.expect("Playing \\| 1/2 Single knee to chest stretch")
    child.send("n")
    child.expect("Playing \\| 2/2 Hamstring stretch")
    child.sendintr()
    child.expect(f"To go on from there: {AS_RUN} play --resume")
    expect_terminal_restored(child, 130)
    child = pexpect.spawn(sys.executable, ["-m", "voicecoach", "play", "--resume", "--no-check-in"], env=sink.env,
                          encoding="utf-8", timeout=30, dimensions=(24, 120))
    child.expect("Playing \\| 2/2 Hamstring stretch")  # at once: no introduction, no first exercise
    child.send("q")
    child.expect(pexpect.EOF)
    from voicecoach.history import sessions

    resumed, first = sessions()
    assert (first.ending, first.stopped_name) == ("interrupted", "Hamstring stretch")
    assert resumed.resumes == first.id and resumed.start_index == 1 and resumed.ending == "quit"
    assert resumed.settings.pace == 1.5 and resumed.program == "intermediate"


@needs_sink
def test_ctrl_c_stops_restores_the_terminal_and_says_how_to_go_on(sink):
    child = in_shell(f"{sys.executable} -m voicecoach play advanced --pace 0.5 --no-check-in", sink.env)
    child.expect("Playing")
    child.send("n")
    child.expect("1/2 Hip flexor stretch")
    child.sendintr()
    child.expect("Stopped at \\d+:\\d\\d, in exercise 1 of 2 \\(Hip flexor stretch\\). "
                 f"To go on from there: {AS_RUN} play --resume")
    expect_terminal_restored(child, 130)
    recorded = the_one_recorded(ending="interrupted", place="exercise", stopped_index=0, program="advanced")
    assert recorded.settings.pace == 0.5


@needs_sink
def test_sigterm_stops_play_like_ctrl_c(sink):
    """Background jobs ignore SIGINT, so SIGTERM (and SIGHUP) must stop a session cleanly too."""
    import signal

    child = pexpect.spawn(sys.executable, ["-m", "voicecoach", "play", "advanced", "--no-check-in"], env=sink.env,
                          encoding="utf-8", timeout=30)
    child.expect("Playing \\| Introduction")
    child.kill(signal.SIGTERM)
    child.expect(f"Stopped at 0:\\d\\d, before the first exercise. To start again: {AS_RUN} play --resume")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130
    the_one_recorded(ending="interrupted", place="opening", stopped_index=None, completed=0)


@needs_sink
def test_a_device_failing_mid_session_is_one_line_with_the_way_on(sink):
    mark = sink.mark()
    child = in_shell(f"{sys.executable} -m voicecoach play advanced --no-check-in", sink.env)
    child.expect("Playing \\| Introduction")
    child.send("n")
    child.expect("1/2 Hip flexor stretch")
    assert sink.first_sound_after(mark, timeout_s=10) is not None
    sink.kill()  # the sound server dies, as a device does when it fails or is unplugged
    child.expect("(Error: [^\r\n]*)\r\nEXIT=4")
    message = child.match.group(1)
    assert message.startswith("Error: the audio output stopped working and could not be opened again "
                              "(Connection refused). Stopped at ")
    assert message.endswith("in exercise 1 of 2 (Hip flexor stretch). "
                            f"To go on from there: {sys.executable} -m voicecoach play --resume")
    assert "Traceback" not in child.before
    child.expect("icanon")
    assert "-icanon" not in child.after
    child.expect(pexpect.EOF)
    the_one_recorded(ending="failed", place="exercise", stopped_index=0, stopped_name="Hip flexor stretch")


@needs_sink
def test_a_stream_cut_by_the_sound_server_is_reopened_and_the_session_finishes(tmp_path, write_program, sink):
    program = write_program(QUICK.replace("hold: 1", "hold: 6"))
    # Now and then (1 whole-suite run in 4 on 2026-12-01, never in a run of this test alone) play
    # does not see the cut at all: the sound goes on and the session finishes with nothing to say.
    # Likeliest, not confirmed: ALSA's pulse plugin reports the cut as an underrun, which simpleaudio
    # recovers from by preparing the device again. Then the cut is made again in a new play, at
    # most three times in all; a play that saw the cut must have reopened the output and said so.
    for _attempt in range(3):
        mark = sink.mark()
        player = subprocess.Popen([sys.executable, "-m", "voicecoach", "play", str(program), "--from", "1",
                                   "--quiet"], env=sink.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert sink.first_sound_after(mark, timeout_s=20) is not None
        time.sleep(1.0)
        assert sink.drop_streams() == 1
        out, err = player.communicate(timeout=120)
        assert player.returncode == 0, err
        assert out.startswith("Done: Quick")
        if err:
            break
    assert err == "Note: the audio output stopped once and was opened again; the line it cut was said again.\n"
