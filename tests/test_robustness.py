"""Hardening: an engine that fails partway, real full disks, exports racing on one cache, symlinks,
and every numeric option at and past its bounds. docs/robustness.md maps every case to its test."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from tests.readonly import needs_read_only, needs_small_disk, on_small_disk, read_only
from tests.samples import QUICK
from tests.sink import needs_sink
from voicecoach import player as player_module
from voicecoach.cues import CUE_RATE_HZ as SAMPLE_RATE_HZ
from voicecoach.engines import espeak as espeak_module
from voicecoach.engines.espeak import EspeakEngine
from voicecoach.engines.piper import PiperEngine, installed_voices
from voicecoach.errors import EngineError
from voicecoach.program import load_builtin
from voicecoach.script import compile_script
from voicecoach.session import make_speech
from voicecoach.settings import MAX_PACE, MAX_RATE_WPM, MIN_PACE, MIN_RATE_WPM, Settings
from voicecoach.speech import PhraseCache, Speech
from tests.fakes import fake_environment

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed")


# --- a speech engine that fails partway ------------------------------------------------------------


class Failing:
    """A tone engine that raises on its Nth phrase, as a broken library or driver would."""

    sample_rate_hz = SAMPLE_RATE_HZ
    identity = "failing"

    def __init__(self, fail_on: int, error: Exception):
        self.fail_on, self.error, self.calls = fail_on, error, 0

    def synthesize(self, text: str) -> bytes:
        self.calls += 1
        if self.calls >= self.fail_on:
            raise self.error
        return b"\x00\x10" * 500


@pytest.mark.parametrize("error", [RuntimeError("run loop already started"), OSError(5, "Input/output error"),
                                   KeyError("voice"), ValueError("line\nbreak \x1b[31m")])
def test_an_engine_raising_anything_is_one_plain_engine_error(tmp_path, error):
    speech = Speech(Failing(3, error), PhraseCache(tmp_path))
    speech.pcm("One.")
    speech.pcm("Two.")
    with pytest.raises(EngineError) as caught:
        speech.pcm("Three.")
    message = str(caught.value)
    assert message.startswith(f"the speech engine failed while saying 'Three.' ({type(error).__name__}: ")
    assert "\n" not in message and "\x1b" not in message
    # what was made before the failure is cached whole; nothing half-written
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".pcm", ".pcm"]
    assert all(PhraseCache(tmp_path).get(p.stem) is not None for p in tmp_path.iterdir())


class FailsOnFifth(EspeakEngine):
    """The real engine, until its fifth phrase."""

    name = "fails-on-fifth"
    preference = 0
    count = 0

    def synthesize(self, text: str) -> bytes:
        type(self).count += 1
        if type(self).count >= 5:
            raise RuntimeError("espeak: the audio output thread died")
        return super().synthesize(text)


@needs_espeak
def test_export_with_an_engine_failing_partway_is_one_line_and_writes_nothing(tmp_path, monkeypatch, plug_engine, run, assert_one_line_error):
    monkeypatch.setenv("VOICECOACH_CACHE_DIR", str(tmp_path / "cache"))  # empty: every phrase is synthesized
    plug_engine("fails-on-fifth", FailsOnFifth)
    FailsOnFifth.count = 0
    out = tmp_path / "out"
    out.mkdir()
    assert_one_line_error(run("export", "beginning", "--engine", "fails-on-fifth", "-o", str(out / "session.mp3")), 3,
                   "the speech engine failed while saying", "(RuntimeError: espeak: the audio output thread died)")
    assert list(out.iterdir()) == []
    assert len(list((tmp_path / "cache" / "phrases").glob("*.pcm"))) == 4


class ClockedOutput:
    """An output device that plays by the wall clock (for the command in-process, without a device)."""

    def __init__(self, export_hint: str = ""):
        self.playing: list[ClockedPlayback] = []

    def play(self, pcm: bytes, sample_rate_hz: int):
        playback = ClockedPlayback(len(pcm) / 2 / sample_rate_hz)
        self.playing.append(playback)
        return playback


class ClockedPlayback:
    def __init__(self, seconds: float):
        self.until, self.stopped = time.monotonic() + seconds, False

    def stop(self) -> None:
        self.stopped = True

    def is_playing(self) -> bool:
        return not self.stopped and time.monotonic() < self.until


def test_play_with_an_engine_failing_mid_session_stops_with_the_way_on(tmp_path, monkeypatch, plug_engine, run, assert_one_line_error):
    """The second stretch of sound needs a phrase that has left memory and the cache, and the engine fails."""
    engine = Failing(10_000, RuntimeError("espeak: the audio output thread died"))

    class TheFailingOne:  # every engine made is that one
        name, preference, install_hint = "failing", 0, ""
        installed = classmethod(lambda cls: True)

        def __new__(cls, **settings):
            return engine

    plug_engine("failing", TheFailingOne)
    monkeypatch.setenv("VOICECOACH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(player_module, "SEGMENT_MAX_MS", 1500)  # a new stretch every 1.5 s of session

    class LosingTheCache(ClockedOutput):
        """As the first stretch starts to sound, the phrase cache is lost and the engine breaks: the
        next stretch needs a line that has not been in memory since it was first made."""

        def play(self, pcm: bytes, sample_rate_hz: int):
            if not self.playing:
                for entry in (tmp_path / "cache" / "phrases").glob("*.pcm"):
                    entry.unlink()
                engine.fail_on = engine.calls + 1
            return super().play(pcm, sample_rate_hz)

    # A warm cache (every line, and play's notices), so play starts from the whole script, not a growing one
    assert run("show", "intermediate", "--pace", "1.5", "--engine", "failing").exit_code == 0
    for notice in ("Paused.", "Resuming."):
        make_speech(Settings(engine="failing")).pcm(notice)
    output = LosingTheCache()
    env = fake_environment(clock=time.monotonic, audio=output)
    assert_one_line_error(run("play", "intermediate", "--pace", "1.5", "--engine", "failing", obj={"environment": env}),
                          3, "the speech engine failed while saying",
                          "(RuntimeError: espeak: the audio output thread died). Stopped at 0:01, "
                          "before the first exercise. To start again: voicecoach play --resume")
    assert len(output.playing) == 1 and all(p.stopped or not p.is_playing() for p in output.playing)


def test_without_the_pyttsx3_package_show_estimates_and_export_says_what_to_do(tmp_path, monkeypatch, run, assert_one_line_error):
    monkeypatch.setitem(sys.modules, "pyttsx3", None)  # import pyttsx3 now raises ImportError
    monkeypatch.setenv("VOICECOACH_CACHE_DIR", str(tmp_path / "cache"))  # a warm cache would need no engine
    shown = run("show", "beginning", "--engine", "espeak")
    assert shown.exit_code == 0 and "Length" in shown.stdout
    assert shown.stderr == ("Note: speech lengths are estimated, not measured (the pyttsx3 package is missing; "
                            "reinstall voicecoach (bash scripts/setup.sh)).\n")
    assert_one_line_error(run("export", "beginning", "--engine", "espeak", "-o", str(tmp_path / "s.wav")), 3,
                   "the pyttsx3 package is missing")
    assert not (tmp_path / "s.wav").exists()


def test_without_the_simpleaudio_package_play_and_doctor_say_how_to_get_it(monkeypatch, run, assert_one_line_error):
    monkeypatch.setitem(sys.modules, "simpleaudio", None)
    assert_one_line_error(run("play", "beginning"), 4, "the simpleaudio package is missing; sudo apt-get install "
                                                 "libasound2-dev gcc, then reinstall voicecoach")
    doctor = run("doctor")
    assert doctor.exit_code == 1 and "PROBLEM  audio output: the simpleaudio package is missing" in doctor.stdout
    assert "fix: install simpleaudio's build needs: sudo apt-get install gcc libasound2-dev" in doctor.stdout


@needs_espeak
def test_a_listed_voice_that_the_engine_refuses_is_one_engine_error(monkeypatch):
    from voicecoach.engines import Voice

    real_voices = espeak_module._voices_of
    monkeypatch.setattr(espeak_module, "_voices_of",
                        lambda engine: [*real_voices(engine), Voice("xx/broken", "Broken", ())])
    with pytest.raises(EngineError, match="the speech engine refused voice 'xx/broken': SetVoiceByName failed"):
        EspeakEngine(voice="xx/broken").synthesize("Up.")
    assert len(EspeakEngine().synthesize("Up.")) > 1000  # and the engine still speaks with a good voice


@needs_espeak
def test_an_engine_that_never_finishes_is_given_up_on(monkeypatch):
    monkeypatch.setattr(espeak_module, "SYNTH_TIMEOUT_S", 0.3)
    engine = EspeakEngine()
    monkeypatch.setattr(engine, "_speak_direct", lambda driver, text, path: None)  # starts, never finishes
    monkeypatch.setattr(engine, "_speak_public", lambda driver, text, path: None)
    started = time.monotonic()
    with pytest.raises(EngineError, match="the speech engine did not finish 'Up.' within 0.3 s"):
        engine.synthesize("Up.")
    assert time.monotonic() - started < 5


# --- real full disks (a tmpfs in a private mount namespace) --------------------------------------------


@needs_small_disk
def test_export_onto_a_full_disk_leaves_the_old_file_and_no_litter(tmp_path):
    done = on_small_disk(tmp_path / "disk", 400, """
        head -c 100000 /dev/urandom > "$DISK/session.wav"
        sha256sum "$DISK/session.wav" | cut -d' ' -f1
        $VC export beginning -o "$DISK/session.wav"; echo "exit=$?"
        sha256sum "$DISK/session.wav" | cut -d' ' -f1
        ls -A "$DISK"
    """)
    before, exit_line, after, listing = done.stdout.splitlines()
    assert exit_line == "exit=1", done.stderr
    assert before == after and listing == "session.wav"
    (line,) = done.stderr.splitlines()
    assert line.startswith("Error: ") and "the disk is full; nothing was written" in line


@needs_small_disk
@needs_espeak
def test_a_speech_cache_on_a_full_disk_only_stops_caching(tmp_path):
    out = tmp_path / "session.wav"
    done = on_small_disk(tmp_path / "disk", 200, f"""
        VOICECOACH_CACHE_DIR="$DISK/cache" $VC export intermediate --engine espeak -o {out}; echo "exit=$?"
        ls -A "$DISK/cache/phrases" | grep -v '[.]pcm$' || true
    """)
    assert done.stdout.splitlines()[-1] == "exit=0", done.stderr
    assert done.stderr == f"Note: not caching speech in {tmp_path / 'disk' / 'cache' / 'phrases'}: No space left on device\n"
    assert "Wrote" in done.stdout
    frames = int(subprocess.run(["soxi", "-s", str(out)], capture_output=True, text=True, check=True).stdout)
    assert frames > 60 * SAMPLE_RATE_HZ


@needs_small_disk
@needs_sink
def test_play_with_the_cache_on_a_full_disk_plays_the_whole_session(tmp_path, write_program, sink):
    program = write_program(QUICK)
    mark = sink.mark()
    done = on_small_disk(tmp_path / "disk", 100, f"""
        VOICECOACH_CACHE_DIR="$DISK/cache" $VC play {program} --from 1 --pace 4 --engine espeak; echo "exit=$?"
    """, env=sink.env)
    assert done.stdout.splitlines()[-1] == "exit=0", done.stderr
    assert done.stdout.startswith("Done: Quick")
    assert done.stderr.startswith("Note: not caching speech in ") and done.stderr.count("\n") == 1
    time.sleep(0.3)
    heard = np.frombuffer(sink.captured(mark), dtype="<i2")
    assert np.count_nonzero(np.abs(heard) > 64) > SAMPLE_RATE_HZ  # over a second of sound reached the speaker


@needs_small_disk
@needs_espeak
def test_a_read_only_disk_for_the_export_and_the_cache(tmp_path):
    out = tmp_path / "session.wav"
    done = on_small_disk(tmp_path / "disk", 100, f"""
        mkdir -p "$DISK/cache" && mount -o remount,ro "$DISK"
        $VC export beginning --engine espeak -o "$DISK/session.wav"; echo "exit=$?"
        VOICECOACH_CACHE_DIR="$DISK/cache" $VC export beginning --engine espeak -o {out}; echo "exit=$?"
        ls -A "$DISK"
    """)
    assert done.stdout.splitlines()[0] == "exit=1" and done.stdout.splitlines()[2] == "exit=0", done.stderr
    assert done.stdout.splitlines()[3] == "cache"  # nothing was written on the read-only disk
    error, note = done.stderr.splitlines()
    assert error == (f"Error: {tmp_path / 'disk' / 'session.wav'}: the folder {tmp_path / 'disk'} is on a read-only "
                     "disk; choose another folder")
    assert note == f"Note: not caching speech in {tmp_path / 'disk' / 'cache' / 'phrases'}: Read-only file system"
    assert out.stat().st_size > 1_000_000


def _tone_file(path: Path, seconds: float, rate_hz: int) -> Path:
    import soundfile

    t = np.arange(round(seconds * rate_hz)) / rate_hz
    soundfile.write(str(path), (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32), rate_hz, subtype="PCM_16")
    return path


def _music_note(cache: Path, reason: str, kept_in: str) -> str:
    return f"Note: not caching the decoded music in {cache / 'music'}: {reason}; it is kept in {kept_in} for this session"


# Every temporary folder Python would try ($TMPDIR, /tmp, /var/tmp, the current folder) refusing
# writes, as on a machine whose one disk is full: /tmp and /var/tmp become read-only (the disks
# mounted under /tmp stay as they are) and the command runs in the full disk. $OUT has room, for
# the session and the history.
NO_TEMPORARY_FOLDER = """
    mkdir -p "$OUT" && mount -t tmpfs -o size=8m tmpfs "$OUT"
    mount --rbind /tmp /tmp && mount -o remount,ro,bind /tmp
    mount --bind /var/tmp /var/tmp && mount -o remount,ro,bind /var/tmp
    cd "$DISK" && unset TMPDIR TEMP TMP
    export VOICECOACH_DATA_DIR="$OUT/data"
"""


@needs_small_disk
@needs_espeak
@pytest.mark.parametrize(("disk", "reason", "kept_in"), [
    ("full", "No space left on device", "a temporary file"),
    ("read-only", "Read-only file system", "a temporary file"),
    ("full, and no temporary folder anywhere", "No space left on device", "memory"),
])
def test_music_with_the_cache_on_a_full_or_read_only_disk_is_decoded_for_this_session(
        tmp_path, write_program, disk, reason, kept_in):
    program = write_program(QUICK)
    music = _tone_file(tmp_path / "tone.wav", 40.0, 44100)  # 3.5 MB decoded: more than the disk holds
    expected = tmp_path / "expected.wav"  # in a process of its own, as the one on the small disk
    subprocess.run([sys.executable, "-m", "voicecoach", "export", str(program), "--engine", "espeak", "--music",
                    str(music), "-o", str(expected)], env={**os.environ, "VOICECOACH_CACHE_DIR": str(tmp_path / "roomy")},
                   check=True, capture_output=True)
    out = tmp_path / "out" / "session.wav"
    done = on_small_disk(tmp_path / "disk", 2048, f"""
        mkdir -p "$DISK/cache/music"
        {'mount -o remount,ro "$DISK"' if disk == "read-only" else ''}
        {NO_TEMPORARY_FOLDER if "no temporary folder" in disk else 'mkdir -p "$OUT"'}
        VOICECOACH_CACHE_DIR="$DISK/cache" $VC export {program} --engine espeak --music {music} -o {out}
        echo "exit=$?"
        cmp {out} {expected} && echo "the same as with room to spare"
        ls -A "$DISK/cache/music"
    """, env={**os.environ, "OUT": str(out.parent)})
    wrote, *rest = done.stdout.splitlines()
    assert wrote.startswith(f"Wrote {out}: "), done.stderr
    # the whole session, with its music, byte for byte; nothing left behind on the disk
    assert rest == ["exit=0", "the same as with room to spare"], done.stderr
    notes = done.stderr.splitlines()
    assert _music_note(tmp_path / "disk" / "cache", reason, kept_in) in notes, done.stderr
    assert all(line.startswith("Note: not caching ") for line in notes), done.stderr  # and speech's, if any


@needs_small_disk
@needs_espeak
def test_long_music_with_no_room_on_any_disk_is_one_line_and_writes_nothing(tmp_path, write_program):
    program = write_program(QUICK)
    music = _tone_file(tmp_path / "long.wav", 10.5 * 60, 8000)  # over the 10 minutes kept in memory
    out = tmp_path / "out" / "session.wav"
    done = on_small_disk(tmp_path / "disk", 2048, f"""
        {NO_TEMPORARY_FOLDER}
        VOICECOACH_CACHE_DIR="$DISK/cache" $VC export {program} --engine espeak --music {music} -o {out}
        echo "exit=$?"
        ls -A "$DISK/cache/music" "$OUT"
    """, env={**os.environ, "OUT": str(out.parent)})
    music_dir = tmp_path / "disk" / "cache" / "music"
    assert done.stdout.splitlines() == ["exit=1", f"{music_dir}:", "", f"{out.parent}:"]  # nothing written
    assert done.stderr == (f"Error: {music}: no room to decode the music ({music_dir}: No space left on device; "
                           "no temporary folder can be written) and it is too long to keep in memory (over 10 "
                           "minutes); free some space, or set VOICECOACH_CACHE_DIR to a folder on a disk with room\n")


@needs_small_disk
@needs_sink
def test_play_with_music_and_the_cache_on_a_full_disk_plays_the_whole_session(tmp_path, write_program, sink):
    program = write_program(QUICK)
    music = _tone_file(tmp_path / "tone.wav", 40.0, 44100)
    mark = sink.mark()
    done = on_small_disk(tmp_path / "disk", 2048, f"""
        VOICECOACH_CACHE_DIR="$DISK/cache" $VC play {program} --from 1 --pace 4 --engine espeak --music {music}
        echo "exit=$?"
    """, env=sink.env)
    assert done.stdout.splitlines()[-1] == "exit=0", done.stderr
    assert done.stdout.startswith("Done: Quick")
    notes = done.stderr.splitlines()
    assert _music_note(tmp_path / "disk" / "cache", "No space left on device", "a temporary file") in notes
    assert all(line.startswith("Note: not caching ") for line in notes), done.stderr
    time.sleep(0.3)
    heard = np.frombuffer(sink.captured(mark), dtype="<i2")
    assert np.count_nonzero(np.abs(heard) > 64) > SAMPLE_RATE_HZ  # over a second of sound reached the speaker


@needs_read_only
@pytest.mark.skipif(not PiperEngine.installed() or not installed_voices(), reason="Piper or its voice not installed")
def test_piper_on_a_read_only_home_says_nothing_of_onnxruntimes_telemetry(tmp_path, write_program):
    """onnxruntime 1.32 prints a coloured 'Failed to persist telemetry device ID' warning on
    descriptor 2 as it is imported, wherever it cannot write its device ID under the home folder."""
    program = write_program(QUICK)
    home = tmp_path / "home"
    home.mkdir()
    env = {key: value for key, value in os.environ.items() if key not in ("XDG_CACHE_HOME", "XDG_DATA_HOME")}
    env.update(HOME=str(home), VOICECOACH_CACHE_DIR=str(tmp_path / "cache"))  # empty: Piper must load and speak
    done = subprocess.run(read_only(home, [sys.executable, "-m", "voicecoach", "export", str(program), "--engine",
                                           "piper", "-o", str(tmp_path / "session.wav")]),
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0 and done.stdout.startswith(f"Wrote {tmp_path / 'session.wav'}: ")
    assert done.stderr == "", done.stderr


# --- two exports at once sharing one cache -------------------------------------------------------------


def _spoken_lines(name: str) -> set[str]:
    return {event.text for event in compile_script(load_builtin(name)).events if event.kind == "speech"}


@needs_espeak
def test_exports_at_once_share_the_cache_safely(tmp_path):
    env = {**os.environ, "VOICECOACH_CACHE_DIR": str(tmp_path / "cache")}
    jobs = [("beginning", "a.wav"), ("beginning", "b.flac"), ("intermediate", "c.mp3")]
    running = [subprocess.Popen([sys.executable, "-m", "voicecoach", "export", name, "--engine", "espeak", "-o",
                                 str(tmp_path / file)],
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for name, file in jobs]
    results = [job.communicate(timeout=300) + (job.returncode,) for job in running]
    for (name, file), (out, err, code) in zip(jobs, results):
        assert code == 0 and err == "", err
        assert out.startswith(f"Wrote {tmp_path / file}")
    entries = list((tmp_path / "cache" / "phrases").iterdir())
    assert all(entry.suffix == ".pcm" for entry in entries)  # no temporary files left behind
    cache = PhraseCache(tmp_path / "cache" / "phrases")
    assert all(cache.get(entry.stem) is not None for entry in entries)  # every entry whole
    identity = make_speech(Settings(engine="espeak")).identity
    # every line both programs speak is there (bar "about N minutes", whose N comes from measured
    # lengths), so none was lost when two processes wrote it at once
    lines = {line for line in _spoken_lines("beginning") | _spoken_lines("intermediate") if "minutes" not in line}
    assert len(lines) > 50
    assert {PhraseCache.key(identity, line) for line in lines} <= {entry.stem for entry in entries}
    # and the three files are sound: the same program twice gives audio of (nearly) the same length
    lengths = [float(subprocess.run(["soxi", "-D", str(tmp_path / file)], capture_output=True, text=True,
                                    check=True).stdout) for _, file in jobs[:2]]
    assert abs(lengths[0] - lengths[1]) < 2.0


# --- the cache command ------------------------------------------------------------------------------------


def test_cache_clear_that_cannot_remove_is_one_line(tmp_path, monkeypatch, run, assert_one_line_error):
    cache = tmp_path / "cache" / "phrases"
    Speech(Failing(99, RuntimeError()), PhraseCache(cache)).pcm("One.")
    monkeypatch.setenv("VOICECOACH_CACHE_DIR", str(cache.parent))
    real_unlink = Path.unlink

    def denied(self, missing_ok=False):  # root removes anything, so the refusal is simulated
        if self.suffix == ".pcm":
            raise PermissionError(13, "Permission denied")
        return real_unlink(self, missing_ok=missing_ok)

    monkeypatch.setattr(Path, "unlink", denied)
    assert_one_line_error(run("cache", "--clear"), 1, "removed 0 cached phrases, then could not remove",
                   f"from {cache}: Permission denied")


# --- program paths: symlinks --------------------------------------------------------------------------------

ROUTINE = QUICK.replace("title: Quick", "title: Linked")


def test_a_symlinked_program_plays_under_the_links_name(tmp_path, run):
    real = tmp_path / "programs" / "real.yaml"
    real.parent.mkdir()
    real.write_text(ROUTINE)
    link = tmp_path / "my routine.yaml"
    link.symlink_to(real)
    result = run("show", str(link), "--estimate")
    assert result.exit_code == 0 and "Linked" in result.stdout
    folder_link = tmp_path / "linked folder"
    folder_link.symlink_to(real.parent, target_is_directory=True)
    assert run("show", str(folder_link / "real.yaml"), "--estimate").exit_code == 0


def test_a_dangling_symlink_is_no_such_file(tmp_path, run, assert_one_line_error):
    link = tmp_path / "gone.yaml"
    link.symlink_to(tmp_path / "deleted.yaml")
    assert_one_line_error(run("show", str(link), "--estimate"), 2, f"{link}: no such file")


def test_a_symlink_loop_is_one_line(tmp_path, run, assert_one_line_error):
    loop = tmp_path / "loop.yaml"
    loop.symlink_to(loop)
    assert_one_line_error(run("show", str(loop), "--estimate"), 2, f"{loop}: cannot read it: Too many levels of symbolic links")


def test_a_symlink_to_a_directory_is_a_directory(tmp_path, run, assert_one_line_error):
    link = tmp_path / "folder.yaml"
    link.symlink_to(tmp_path, target_is_directory=True)
    assert_one_line_error(run("show", str(link), "--estimate"), 2, "this is a directory, not a program file")


# --- every numeric option at and past its bounds ------------------------------------------------------------

JUNK = ["", " ", "nan", "NaN", "inf", "-inf", "1e999", "0x10", "1,5", "½", "1 2"]


@pytest.mark.parametrize("option,low,high,step", [("--pace", MIN_PACE, MAX_PACE, 0.01),
                                                  ("--rate", MIN_RATE_WPM, MAX_RATE_WPM, 1),
                                                  ("--volume", 0, 1, 0.01)])
def test_numeric_options_at_and_past_their_bounds(option, low, high, step, run, assert_one_line_error):
    for value in (low, high):
        assert run("show", "beginning", "--estimate", option, f"{value:g}").exit_code == 0, (option, value)
    for value in [f"{low - step:g}", f"{high + step:g}", *JUNK]:
        assert_one_line_error(run("show", "beginning", "--estimate", option, value), 2, option)


@pytest.mark.parametrize("args,part", [(["play", "beginning", "--from", ""], "no exercise called ''"),
                                       (["play", "beginning", "--only", " "], "no exercise called ''"),
                                       (["export", "beginning", "-o", ""], "-o needs a file name"),
                                       (["show", "beginning", "--voice", ""], "'--voice': must be text, not empty"),
                                       (["show", ""], "")])
def test_empty_strings_are_one_line(args, part, run, assert_one_line_error):
    assert_one_line_error(run(*args), 2, part)
