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


# --- for real: the virtual microphone of the private sound server, the recognizer, a pty ----------------

import os  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402

import numpy as np  # noqa: E402
from pathlib import Path  # noqa: E402
import pytest  # noqa: E402

pytestmark = pytest.mark.usefixtures("low_priority")  # conftest.py: the others' real-time playback first

from tests.sink import MIC_RATE, Loopback, needs_sink  # noqa: E402

listening = pytest.mark.skipif(
    __import__("importlib").util.find_spec("faster_whisper") is None, reason="voicecoach[listen] is not installed")


def spoken(text: str, voice: str = "en-us+f3") -> bytes:
    """text said by eSpeak NG's voice (not the session's), at the microphone's rate, with a little
    silence around it, as s16le."""
    import soxr

    raw = subprocess.run(["espeak-ng", "-v", voice, "--stdout", text], capture_output=True, check=True).stdout
    rate = int.from_bytes(raw[24:28], "little")
    samples = np.frombuffer(raw[44:], dtype="<i2").astype(np.float32) / 32768
    at_16k = soxr.resample(samples, rate, MIC_RATE)
    pad = np.zeros(int(0.3 * MIC_RATE), dtype=np.float32)
    return (np.concatenate([pad, at_16k, pad]) * 0.8 * 32767).astype("<i2").tobytes()


def say(child, sink, text: str, then, times: int = 4, quiet_s: float = 0.4, voice: str = "en-us+f3",
        log: Path | None = None) -> None:
    """Say `text` into the microphone in a quiet moment until the terminal shows `then`; when it
    never does, the failure shows what the session heard (its VOICECOACH_LISTEN_LOG, `log`)."""
    import pexpect

    for _ in range(times):
        sink.wait_quiet(quiet_s, timeout_s=30)
        sink.into_mic(spoken(text, voice))
        try:
            child.expect(then, timeout=6)
            return
        except pexpect.TIMEOUT:
            continue
    heard = log.read_text(encoding="utf-8") if log is not None and log.exists() else "(no listening log)"
    raise AssertionError(f"{text!r} said {times} times, and the terminal never showed {then!r}; heard:\n{heard}")


@pytest.mark.alone  # conftest.py: in real time, with the CPU to itself
@needs_sink
@listening
def test_spoken_pause_resume_next_and_it_hurts_do_what_their_keys_do(mic_sink, tmp_path):
    sink = mic_sink
    pexpect = pytest.importorskip("pexpect")
    from voicecoach.history import sessions

    log = tmp_path / "heard.log"
    child = pexpect.spawn(sys.executable, ["-m", "voicecoach", "play", "intermediate", "--listen", "--no-check-in",
                                           "--engine", "espeak"], env={**sink.env, "VOICECOACH_LISTEN_LOG": str(log)},
                          encoding="utf-8", timeout=60, dimensions=(24, 160))
    child.expect("Playing \\| Introduction")
    # Said over voicecoach's own voice a command counts only when heard clearly (commands.judge): as a
    # listener would, each is said in a quiet moment, and said again if it was not obeyed.
    say(child, sink, "Pause.", "Paused  \\| Introduction", log=log)
    say(child, sink, "Resume.", "Playing \\| Introduction", log=log)
    say(child, sink, "Pause.", "Paused  \\| Introduction", log=log)
    say(child, sink, "Next.", "Playing \\| 1/2 Single knee to chest stretch", log=log)  # paused: in silence
    say(child, sink, "It hurts.", "Asking \\| It hurts", quiet_s=1.0, log=log)  # in a hold's silence
    # the advice and the choice are said first ("... press q or stop."): a "stop" said over them is
    # taken for voicecoach's own; said after them, it is the listener's
    assert sink.wait_quiet(1.5)
    sink.into_mic(spoken("Stop."))
    child.expect("Stopped for pain at ", timeout=20)
    child.expect(pexpect.EOF)
    (session,) = sessions()
    assert session.ending == "hurt" and session.hurt.name == "Single knee to chest stretch"


@needs_sink  # not alone (conftest.py): 100 s of others' tests waiting; nothing said to be heard
@listening
def test_the_coach_never_obeys_its_own_voice(mic_sink):
    """The whole of a session's opening and first exercise, from the speaker into the microphone:
    "Ready.", "Next: ...", "Begin." and every number said, and not one command acted on."""
    sink = mic_sink
    from voicecoach.history import sessions

    log = Path(sink.env.get("TMPDIR", "/tmp")) / f"listen-{os.getpid()}.log"
    log.unlink(missing_ok=True)
    with Loopback(sink):
        done = subprocess.run([sys.executable, "-m", "voicecoach", "play", "beginning", "--only", "1", "--listen",
                               "--no-check-in", "--engine", "espeak", "--quiet"],
                              env={**sink.env, "VOICECOACH_LISTEN_LOG": str(log)}, capture_output=True,
                              text=True, timeout=300)
    assert done.returncode == 0 and done.stdout.startswith("Done: "), (done.stdout, done.stderr)
    assert done.stderr == ""
    # every stretch it heard (its own voice, from the speaker) and what came of it: nothing acted on
    heard = log.read_text(encoding="utf-8").splitlines()
    log.unlink()
    assert len(heard) >= 5 and all(line.endswith(": None") for line in heard), [
        line for line in heard if not line.endswith(": None")] or heard
    (session,) = sessions()
    # not skipped nor paused: it sounded the session's length (a starved test machine's playback may
    # stall a few seconds at nice 10, which the time listened counts)
    assert session.ending == "finished" and -3000 < session.listened_ms - session.length_ms < 15_000


@pytest.mark.alone  # conftest.py: in real time, with the CPU to itself
@needs_sink
@listening
def test_a_spoken_number_answers_the_check_ins_and_is_said_back(mic_sink, write_program, tmp_path):
    sink = mic_sink
    pexpect = pytest.importorskip("pexpect")
    from voicecoach.history import sessions

    program = write_program("""\
        title: Two
        exercises:
          - {name: Squeeze, position: Sit., reps: 1, movement: [hold: 30]}
        """, "two.yaml")
    log = tmp_path / "heard.log"
    child = pexpect.spawn(sys.executable, ["-m", "voicecoach", "play", str(program), "--listen",
                                           "--check-in", "before-after", "--engine", "espeak"],
                          env={**sink.env, "VOICECOACH_LISTEN_LOG": str(log)},
                          encoding="utf-8", timeout=60, dimensions=(24, 160))
    child.expect("Asking \\| ")
    # said once the question has been said, and again if it was not taken, as a listener would
    say(child, sink, "Four.", "Playing \\| ", quiet_s=1.5, voice="en+m3", log=log)  # answered: the session begins
    child.send("q")
    child.expect("Asking \\| ", timeout=30)
    say(child, sink, "Two.", pexpect.EOF, quiet_s=1.5, log=log)
    (session,) = sessions()
    assert (session.pain_before, session.pain_after) == (4, 2)


def test_listen_asked_for_without_a_microphone_is_one_line_and_the_session_plays(run, write_program, monkeypatch,
                                                                                  tmp_path):
    from tests.fakes import fake_environment

    monkeypatch.setenv("VOICECOACH_CACHE_DIR", str(tmp_path / "cache"))
    program = write_program("title: One\nexercises:\n  - {name: Squeeze, position: Sit., reps: 1, movement: [hold: 1]}\n")
    asked = run("play", str(program), "--engine", "espeak", "--pace", "4", "--listen",
                obj={"environment": fake_environment()})
    assert asked.exit_code == 0 and asked.stdout.startswith("Done: One"), asked.output
    assert asked.stderr.splitlines() == ["Note: not listening for spoken commands: no microphone: no input device "
                                         "can be opened (arecord -l lists them)"] or \
        asked.stderr.strip().endswith("not listening for spoken commands: no microphone: no input device can be "
                                      "opened (arecord -l lists them)"), asked.stderr
    assert asked.stderr.count("\n") == 1
    by_default = run("play", str(program), "--engine", "espeak", "--pace", "4", obj={"environment": fake_environment()})
    assert by_default.exit_code == 0 and by_default.stderr == ""  # not asked for: nothing to say

    opened = []
    never = run("play", str(program), "--engine", "espeak", "--pace", "4", "--no-listen",
                obj={"environment": fake_environment(microphone=lambda: opened.append(1))})
    assert never.exit_code == 0 and opened == []


@listening
def test_a_microphone_that_stops_mid_session_is_one_note_and_listening_ends():
    from voicecoach.commands import vocabulary
    from voicecoach.microphone import MicrophoneError
    from voicecoach.phrasebook import builtin_phrasebook
    from voicecoach.voice import VoiceControls

    class Unplugged:
        closed = False

        def read(self, timeout_s):
            raise MicrophoneError("the microphone stopped (it was unplugged, or another program took it)")

        def close(self):
            self.closed = True

    class Recognizer:
        sample_rate_hz = 16_000

    notes, microphone = [], Unplugged()
    voice = VoiceControls(microphone, Recognizer(), vocabulary(builtin_phrasebook("en")), "en", SaidLog(),
                          note=notes.append).start()
    voice._thread.join(5)
    assert notes == ["not listening any more: the microphone stopped (it was unplugged, or another program took it); "
                     "the keys and the media keys still work."]
    assert microphone.closed and voice.take() is None
    voice.close()


def test_listening_gets_ready_only_once_voicecoach_first_speaks_and_hears_what_came_before():
    """The voice activity model and the recognizer load after the first sound (they would compete
    with it); the microphone's blocks wait meanwhile, and none is lost."""
    import threading

    from voicecoach.commands import vocabulary
    from voicecoach.hearing import Segmenter
    from voicecoach.phrasebook import builtin_phrasebook
    from voicecoach.voice import VoiceControls

    loaded, reads = [], []

    class Microphone:
        def __init__(self):
            self.blocks = [(0.0, np.zeros(1600, dtype=np.float32))] * 3

        def read(self, timeout_s):
            reads.append(len(self.blocks))
            if self.blocks:
                return self.blocks.pop()
            threading.Event().wait(timeout_s)
            return None

        def close(self):
            pass

    class Recognizer:
        sample_rate_hz = 16_000

        def load(self):
            loaded.append(True)

    said = SaidLog()
    silence = Segmenter(detector=lambda frames: np.zeros(len(frames) // 512))  # no Silero: nothing is speech
    voice = VoiceControls(Microphone(), Recognizer(), vocabulary(builtin_phrasebook("en")), "en", said,
                          note=print, ready_after=said.first, segmenter=lambda: silence)
    voice.start()
    assert not voice.ready.wait(0.3) and loaded == [] and reads == []  # nothing said yet: nothing loaded, nothing read
    said.add(1.0, 2.0, "Ready.")
    assert voice.ready.wait(5) and loaded == [True]
    deadline = time.monotonic() + 5
    while len(reads) < 4 and time.monotonic() < deadline:
        threading.Event().wait(0.05)
    assert reads[:4] == [3, 2, 1, 0]  # the blocks heard before, each read
    voice.close()


@listening
def test_a_microphone_opened_for_a_session_that_never_listens_is_closed(run, write_program, monkeypatch, tmp_path):
    """The microphone opens in the background as play starts; play failing before it listens (a bad
    music file here) closes it, and so does a session that ends before the microphone is handed on."""
    from tests.fakes import fake_environment

    monkeypatch.setenv("VOICECOACH_CACHE_DIR", str(tmp_path / "cache"))
    program = write_program("title: One\nexercises:\n  - {name: Squeeze, position: Sit., reps: 1, movement: [hold: 1]}\n")
    opened = []

    class Microphone:
        closed = False

        def close(self):
            self.closed = True

    def open_microphone():
        opened.append(Microphone())
        return opened[-1]

    failed = run("play", str(program), "--engine", "espeak", "--listen", "--music", str(tmp_path / "none.mp3"),
                 obj={"environment": fake_environment(microphone=open_microphone)})
    assert failed.exit_code == 2 and "there is no such music file" in failed.stderr
    assert len(opened) == 1 and opened[0].closed
