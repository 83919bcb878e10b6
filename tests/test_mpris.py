"""Hands-free: while `play` runs, voicecoach is a media player on the D-Bus session bus (MPRIS), so
headset buttons, media keys and the desktop's media widget control it. Real play, a private
session bus (tests/bus.py) and the real-time sink (tests/sink.py): what each control does is read
back from the sound captured, against the exported session."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import wave

import numpy as np
import pytest
from click.testing import CliRunner

from tests.bus import NAME, PLAYER, ROOT, Remote, SessionBus, needs_bus
from tests.sink import RATE, needs_sink
from voicecoach.cli import cli
from voicecoach.render import frame_at

WAIT_PROGRAM = """\
title: Ready when you are
wait_for_me: true
exercises:
  - name: Squeeze
    position: Lie on your back with your knees bent.
    reps: 1
    movement:
      - hold: 2
"""

# Every method and property of the two MPRIS interfaces (the specification, version 2.2).
ROOT_MEMBERS = ["Raise", "Quit", "CanQuit", "CanRaise", "HasTrackList", "Identity", "SupportedUriSchemes",
                "SupportedMimeTypes"]
PLAYER_MEMBERS = ["Next", "Previous", "Pause", "PlayPause", "Stop", "Play", "Seek", "SetPosition", "OpenUri",
                  "Seeked", "PlaybackStatus", "Rate", "Metadata", "Volume", "Position", "MinimumRate",
                  "MaximumRate", "CanGoNext", "CanGoPrevious", "CanPlay", "CanPause", "CanSeek", "CanControl"]
PLAYER_PROPERTIES = PLAYER_MEMBERS[PLAYER_MEMBERS.index("PlaybackStatus"):]


@pytest.fixture
def bus():
    started = SessionBus()
    yield started
    started.close()


def start_play(program: str, env: dict[str, str], *more: str) -> subprocess.Popen:
    # no check-ins: with media keys there, play would ask how the back is before the session
    return subprocess.Popen([sys.executable, "-m", "voicecoach", "play", program, "--quiet", "--no-check-in", *more], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def exported(program: str, tmp_path, *more: str) -> tuple[bytes, dict]:
    """The session as export writes it, and its script as show --json gives it (same options)."""
    target = tmp_path / "session.wav"
    result = CliRunner().invoke(cli, ["export", program, "-o", str(target), *more])
    assert result.exit_code == 0, result.output
    with wave.open(str(target)) as audio:
        pcm = audio.readframes(audio.getnframes())
    shown = CliRunner().invoke(cli, ["show", program, "--json", *more])
    return pcm, json.loads(shown.stdout)


def silent(pcm: bytes) -> bool:
    return not np.any(np.abs(np.frombuffer(pcm, dtype="<i2")) > 64)


def find_in(captured: bytes, pcm: bytes) -> int:
    """Where pcm (whole samples) stands in captured, on a sample boundary; -1 if nowhere."""
    at = captured.find(pcm)
    while at != -1 and at % 2:
        at = captured.find(pcm, at + 1)
    return at


def resume_frame(script: dict, at_ms: int) -> int:
    """Where play goes on after a pause at at_ms: a line or cue from its start, a silence exactly there."""
    for event in script["events"]:
        start, end = round(event["start"] * 1000), round((event["start"] + event["duration"]) * 1000)
        if start <= at_ms < end:
            return frame_at(start if event["kind"] != "silence" else at_ms, RATE)
    raise AssertionError(at_ms)


@needs_bus
def test_play_is_a_complete_media_player_on_the_bus(bus, sink):
    remote = Remote(bus.address)
    process = start_play("intermediate", bus.env(sink.env))
    try:
        remote.wait_for_player()
        introspected = subprocess.run(["gdbus", "introspect", "--session", "--dest", NAME, "--object-path",
                                       "/org/mpris/MediaPlayer2"], env=bus.env(sink.env), capture_output=True,
                                      text=True, timeout=10, check=True).stdout
        for interface, members in ((ROOT, ROOT_MEMBERS), (PLAYER, PLAYER_MEMBERS)):
            block = introspected.split(f"interface {interface} {{")[1].split("\n  };")[0]
            missing = [member for member in members if f" {member}(" not in block and f" {member} = " not in block
                       and f" {member};" not in block]
            assert not missing, (interface, missing)
        assert remote.all(ROOT)["Identity"] == "voicecoach"
        remote.wait_until("PlaybackStatus", "Playing", timeout_s=30)  # once the first sound is under way
        values = remote.all()
        assert set(values) == set(PLAYER_PROPERTIES)
        assert values["PlaybackStatus"] == "Playing" and values["CanControl"] and values["CanGoNext"]
        deadline = time.monotonic() + 60
        while "mpris:length" not in (metadata := remote.get("Metadata")):  # known once synthesized
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert metadata["xesam:album"][1] == "Intermediate back exercise program"
        assert metadata["xesam:title"][1] == "Introduction" and metadata["mpris:trackid"][1] == "/voicecoach/part/0"
        assert metadata["mpris:length"][1] > 10_000_000  # microseconds: the introduction's length
        remote.call("Stop")
        out, err = process.communicate(timeout=30)
    finally:
        process.kill()
        remote.close()
    assert process.returncode == 0 and err == "", err
    assert "Stopped at " in out  # Stop is q: where you were, and how to go on


@needs_bus
@needs_sink
def test_pause_resume_next_and_previous_do_what_the_keys_do(bus, sink, tmp_path):
    session, script = exported("intermediate", tmp_path)
    remote = Remote(bus.address)
    mark = sink.mark()
    process = start_play("intermediate", bus.env(sink.env))
    try:
        remote.wait_for_player()
        assert sink.first_sound_after(mark, timeout_s=60) is not None
        time.sleep(2.5)  # into the introduction's lines
        remote.call("Pause")
        remote.wait_until("PlaybackStatus", "Paused")
        paused_ms = remote.get("Position") // 1000  # in the introduction, the first part: the session's time
        time.sleep(2.5)  # "Paused." is said, then nothing
        quiet = sink.mark()
        time.sleep(1.0)
        assert silent(sink.captured(quiet)), "the session went on sounding after Pause"
        assert remote.get("Position") // 1000 == paused_ms
        remote.call("Pause")  # already paused: nothing changes
        assert remote.get("PlaybackStatus") == "Paused"

        resumed = sink.mark()
        remote.call("PlayPause")
        remote.wait_until("PlaybackStatus", "Playing")
        time.sleep(3.0)
        # "Resuming.", a short gap, then the session from exactly where the key would go on
        frame = resume_frame(script, paused_ms)
        first = frame + int(np.flatnonzero(np.frombuffer(session[2 * frame:], dtype="<i2"))[0])
        heard = sink.captured(resumed)
        at = find_in(heard, session[2 * first : 2 * first + RATE])  # a second of the session, to the sample
        assert at != -1, "the session did not go on where it was paused"
        before = heard[: at - 2 * (first - frame)]
        assert heard[at - 2 * (first - frame) : at] == session[2 * frame : 2 * first]
        assert silent(before[-2 * frame_at(300, RATE):]), "something else played just before the session went on"

        remote.sent()  # what came so far
        skipped = sink.mark()
        remote.call("Next")
        starts = [e for e in script["events"] if e["kind"] == "cue" and e["cue"] == "next-exercise"]
        # The new stream's first few hundred ms mix with what the server still held of the old one
        # (it is stopped, not drained), so the exercise's start is found from 0.4 s into its chime on.
        chime = frame_at(round(starts[0]["start"] * 1000) + 400, RATE)
        time.sleep(1.5)
        assert find_in(sink.captured(skipped), session[2 * chime : 2 * chime + RATE]) != -1, "no chime"
        assert remote.get("Metadata")["xesam:title"][1] == "Single knee to chest stretch"
        changed = [body[1] for member, body in remote.sent() if member == "PropertiesChanged" and body[0] == PLAYER]
        assert any(values.get("Metadata", ("", {}))[1].get("xesam:title", ("", ""))[1]
                   == "Single knee to chest stretch" for values in changed)

        restarted = sink.mark()
        remote.call("Previous")  # the current exercise again from its chime: a jump within the part
        time.sleep(1.5)
        assert find_in(sink.captured(restarted), session[2 * chime : 2 * chime + RATE]) != -1
        assert any(member == "Seeked" for member, _ in remote.sent())
        remote.call("Stop")
        out, err = process.communicate(timeout=30)
    finally:
        process.kill()
        remote.close()
    assert process.returncode == 0, err
    assert "in exercise 1 of 2 (Single knee to chest stretch)" in out


@needs_bus
@needs_sink
def test_a_wait_for_me_exercise_waits_for_play_then_goes_on_on_schedule(bus, sink, tmp_path, write_program):
    program = str(write_program(WAIT_PROGRAM))
    session, script = exported(program, tmp_path, "--engine", "espeak")
    (wait,) = script["waits"]
    remote = Remote(bus.address)
    process = start_play(program, bus.env(sink.env), "--engine", "espeak", "--from", "1")
    try:
        remote.wait_for_player()
        remote.wait_until("PlaybackStatus", "Paused", timeout_s=60)  # it came to the wait
        assert remote.get("Metadata")["xesam:title"][1] == "Squeeze"
        time.sleep(3.5)  # the prompt, then quiet: the set-up does not run on
        quiet = sink.mark()
        time.sleep(1.5)
        assert silent(sink.captured(quiet))
        assert process.poll() is None
        going = sink.mark()
        remote.call("PlayPause")
        out, err = process.communicate(timeout=60)
    finally:
        process.kill()
        remote.close()
    assert process.returncode == 0 and out.startswith("Done: Ready when you are"), err
    # From the wait's end on, the session as exported: "Ready.", "Begin.", the hold, the end.
    frame = frame_at(round(wait["resume"] * 1000), RATE)
    first = frame + int(np.flatnonzero(np.frombuffer(session[2 * frame:], dtype="<i2"))[0])
    heard = sink.captured(going)
    at = find_in(heard, session[2 * first : 2 * first + RATE])
    assert at != -1, "after PlayPause the session did not go on at the end of the wait"
    assert silent(heard[max(0, at - 2 * (first - frame)) : at])


@needs_sink
def test_without_a_session_bus_play_works_and_says_nothing_of_it(sink, write_program, tmp_path):
    from tests.samples import QUICK

    program = str(write_program(QUICK))
    # A bus address that leads nowhere: as a server's or a container's stale environment has it.
    # (No address at all is every other playback test's case; MediaPlayer.start alone: below.)
    env = {**sink.env, "DBUS_SESSION_BUS_ADDRESS": f"unix:path={tmp_path}/no-bus-here"}
    done = subprocess.run([sys.executable, "-m", "voicecoach", "play", program, "--from", "1", "--quiet",
                           "--engine", "espeak", "--pace", "4"], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert done.stdout.startswith("Done: Quick")


def test_no_bus_no_media_player(monkeypatch, tmp_path):
    from voicecoach import mpris

    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))  # no 'bus' socket in it
    assert mpris.MediaPlayer.start("Quick") is None
    assert mpris.why_not().startswith("there is no D-Bus session bus here")
    monkeypatch.setenv("DBUS_SESSION_BUS_ADDRESS", f"unix:path={tmp_path}/gone")
    assert mpris.MediaPlayer.start("Quick") is None
    assert "cannot be reached" in mpris.why_not()


@needs_bus
def test_doctor_says_whether_media_keys_can_reach_voicecoach(bus, tmp_path):
    from voicecoach.doctor import check_media_keys

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DBUS_SESSION_BUS_ADDRESS", bus.address)
        reached = check_media_keys()
        patch.delenv("DBUS_SESSION_BUS_ADDRESS")
        patch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
        unreached = check_media_keys()
    assert reached.ok and not reached.needed_to_play and "session bus" in reached.detail
    assert not unreached.ok and not unreached.needed_to_play
    assert unreached.detail.startswith("there is no D-Bus session bus here") and unreached.fix
