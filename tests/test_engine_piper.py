"""The Piper engine, for real: the bundled voice, a user's own voice file, what goes wrong, the
cache, and a cold-cache `play` heard through the real-time sink."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import wave
from pathlib import Path

import numpy as np
import pytest

from tests.audio import decode, find_sound, needs_ffmpeg, pcm_to_float
from tests.samples import QUICK
from tests.sink import needs_sink
from voicecoach.cues import load_cues
from voicecoach.engines import default_engine_name
from voicecoach.engines.piper import PiperEngine, installed_voices
from voicecoach.render import frame_at

pytestmark = pytest.mark.skipif(not PiperEngine.installed() or not installed_voices(),
                                reason="Piper is not installed (scripts/setup.sh installs it)")
RATE = 22050  # en_US-joe-medium's own rate
FIVE_MS = RATE * 5 // 1000
BLOCK_ONNXRUNTIME = ("import builtins, runpy, sys\n"
                     "real = builtins.__import__\n"
                     "def guarded(name, *args, **kwargs):\n"
                     "    if name.split('.')[0] == 'onnxruntime':\n"
                     "        raise SystemExit('onnxruntime was imported: the voice was loaded')\n"
                     "    return real(name, *args, **kwargs)\n"
                     "builtins.__import__ = guarded\n"
                     "sys.argv = ['voicecoach', *sys.argv[1:]]\n"
                     "runpy.run_module('voicecoach', run_name='__main__')\n")


def voicecoach(*args: str, cache: Path, guard: bool = False, env: dict | None = None) -> subprocess.CompletedProcess:
    command = [sys.executable, "-c", BLOCK_ONNXRUNTIME] if guard else [sys.executable, "-m", "voicecoach"]
    return subprocess.run([*command, *args], capture_output=True, text=True, timeout=300,
                          env={**(env or os.environ), "VOICECOACH_CACHE_DIR": str(cache)})


def test_piper_is_the_default_engine_where_it_is_installed():
    assert default_engine_name() == "piper"
    assert [voice.id for voice in PiperEngine.voices()][:1] == ["en_US-joe-medium"]


def test_synthesis_is_deterministic_and_at_the_voices_rate():
    first, second = PiperEngine(), PiperEngine()
    assert first.sample_rate_hz == RATE and first.identity == second.identity
    assert first.synthesize("Hold for five seconds.") == second.synthesize("Hold for five seconds.")


def test_rate_asks_for_words_a_minute():
    lines = ["Slowly bend your knee, sliding your heel toward you.", "Hold both knees to your chest.",
             "Keep your back flat against the floor.", "Tighten your stomach muscles."]
    words = sum(len(line.split()) for line in lines)
    for rate in (120, 160, 240):
        engine = PiperEngine(rate_wpm=rate)
        seconds = 0.0
        for line in lines:
            samples = np.frombuffer(engine.synthesize(line), dtype=np.int16)
            loud = np.flatnonzero(np.abs(samples) > 64)
            seconds += (loud[-1] - loud[0]) / RATE
        assert abs(words / seconds * 60 / rate - 1) < 0.15, (rate, words / seconds * 60)
    assert PiperEngine(rate_wpm=120).identity != PiperEngine(rate_wpm=240).identity


@needs_ffmpeg
@pytest.mark.parametrize(("ext", "offset", "tolerance"), [("wav", 0, 0), ("mp3", 0, FIVE_MS)])
def test_a_piper_export_has_every_cue_where_show_says(tmp_path, write_program, ext, offset, tolerance):
    program = write_program(QUICK.replace("reps: 1", "reps: 3").replace("hold: 1", "hold: 2"))
    cache = tmp_path / "cache"
    shown = voicecoach("show", str(program), "--json", "--engine", "piper", cache=cache)
    out = tmp_path / f"quick.{ext}"
    done = voicecoach("export", str(program), "--engine", "piper", "-o", str(out), cache=cache)
    assert done.returncode == 0, done.stderr
    events = json.loads(shown.stdout)["events"]
    audio = decode(out)
    for cue, pcm in load_cues(RATE).items():
        expected = [frame_at(round(e["start"] * 1000), RATE) + offset for e in events if e["cue"] == cue]
        found = find_sound(audio, pcm_to_float(pcm), threshold=0.9 if ext == "wav" else 0.8)
        assert len(found) == len(expected), (cue, found, expected)
        assert all(abs(a - b) <= tolerance for a, b in zip(found, expected)), (cue, found, expected)


def test_the_cache_spares_the_voice_and_keeps_engines_apart(tmp_path, write_program):
    program = write_program(QUICK)
    cache = tmp_path / "cache"
    cold = voicecoach("show", str(program), "--json", cache=cache)
    assert cold.returncode == 0, cold.stderr
    entries = set((cache / "phrases").glob("*.pcm"))
    # A session whose phrases are all cached never loads the voice (onnxruntime is never imported)
    warm = voicecoach("show", str(program), "--json", cache=cache, guard=True)
    assert warm.returncode == 0, warm.stderr
    assert warm.stdout == cold.stdout and set((cache / "phrases").glob("*.pcm")) == entries
    # ... and the guard works: with an empty cache, the same command must load it
    guarded_cold = voicecoach("show", str(program), cache=tmp_path / "empty", guard=True)
    assert guarded_cold.returncode != 0 and "onnxruntime was imported" in guarded_cold.stderr
    # eSpeak's phrases are its own, beside Piper's
    espeak = voicecoach("show", str(program), "--json", "--engine", "espeak", cache=cache)
    assert espeak.returncode == 0 and espeak.stdout != cold.stdout
    spoken = {event["text"] for event in json.loads(espeak.stdout)["events"] if event["kind"] == "speech"}
    after = set((cache / "phrases").glob("*.pcm"))
    assert entries < after and len(after - entries) >= len(spoken)  # every eSpeak line made anew, Piper's kept


def test_a_users_own_voice_file(tmp_path, write_program):
    bundled = installed_voices()[0]
    folder = tmp_path / "my voices"
    folder.mkdir()
    shutil.copy(bundled.model, folder / "coach.onnx")
    shutil.copy(bundled.config, folder / "coach.onnx.json")
    program = write_program(QUICK)
    mine = voicecoach("export", str(program), "--voice", str(folder / "coach.onnx"), "-o", str(tmp_path / "mine.wav"),
                      cache=tmp_path / "cache1")
    assert mine.returncode == 0, mine.stderr
    theirs = voicecoach("export", str(program), "-o", str(tmp_path / "theirs.wav"), cache=tmp_path / "cache2")
    with wave.open(str(tmp_path / "mine.wav")) as a, wave.open(str(tmp_path / "theirs.wav")) as b:
        assert a.readframes(a.getnframes()) == b.readframes(b.getnframes())  # the same voice, the same sound
    assert theirs.returncode == 0
    listed = voicecoach("voices", "--engine", "piper", cache=tmp_path / "cache1")
    assert " * en_US-joe-medium" in listed.stdout


def test_voice_files_that_cannot_be_used_are_one_line_each(tmp_path, write_program, assert_one_line_error):
    bundled = installed_voices()[0]
    program = write_program(QUICK)
    out = tmp_path / "out.wav"
    damaged = tmp_path / "damaged.onnx"
    damaged.write_bytes(b"\x08\x01" + os.urandom(4096))
    shutil.copy(bundled.config, tmp_path / "damaged.onnx.json")
    lonely = tmp_path / "lonely.onnx"
    shutil.copy(bundled.model, lonely)
    broken_config = tmp_path / "broken.onnx"
    shutil.copy(bundled.model, broken_config)
    (tmp_path / "broken.onnx.json").write_text('{"audio": {"sample_rate": 22050},\n "espeak": ')
    cases = [
        (tmp_path / "missing.onnx", 2, "voice file", "missing.onnx: no such file"),
        (lonely, 2, "lonely.onnx: its config lonely.onnx.json is missing beside it"),
        (broken_config, 2, "broken.onnx.json, line 2: not valid JSON"),
        (damaged, 3, "damaged.onnx could not be loaded: it is damaged or not a Piper voice"),
    ]
    for voice, code, *parts in cases:
        done = voicecoach("export", str(program), "--voice", str(voice), "-o", str(out), cache=tmp_path / "cache")
        assert_one_line_error(done, code, *parts)
        assert not out.exists() and not list(tmp_path.glob("out*"))
    assert_one_line_error(voicecoach("show", "beginning", "--voice", "joe", cache=tmp_path / "cache"), 2,
             "unknown Piper voice 'joe'; ", "'voicecoach voices' lists them")


def test_without_the_piper_package(tmp_path, run, assert_one_line_error):
    hide = "import sys; sys.modules['piper'] = None; import runpy; sys.argv = ['voicecoach', *sys.argv[1:]]; " \
           "runpy.run_module('voicecoach', run_name='__main__')"
    env = {**os.environ, "VOICECOACH_CACHE_DIR": str(tmp_path / "cache")}

    def run(*args):
        return subprocess.run([sys.executable, "-c", hide, *args], capture_output=True, text=True, env=env, timeout=120)

    assert_one_line_error(run("export", "advanced", "--engine", "piper", "-o", str(tmp_path / "a.wav")), 3,
             "the piper speech engine is not installed; install it with: pip install 'voicecoach[piper]'")
    assert not (tmp_path / "a.wav").exists()
    listed = run("voices")  # eSpeak is the default then
    assert listed.returncode == 0 and listed.stdout.startswith("espeak (the default engine): ")
    doctor = run("doctor")
    assert "PROBLEM  speech engine piper: not installed" in doctor.stdout
    assert "ok       speech engine espeak: " in doctor.stdout and "sessions use this one" in doctor.stdout


def sounding_runs(samples: np.ndarray, gap: int = RATE // 50) -> list[tuple[int, bytes]]:
    """Each stretch of sound (separated by at least `gap` frames of exact zeros): its start and samples."""
    loud = np.flatnonzero(samples)
    if not len(loud):
        return []
    breaks = np.flatnonzero(np.diff(loud) > gap)
    starts = np.concatenate([[loud[0]], loud[breaks + 1]])
    ends = np.concatenate([loud[breaks], [loud[-1]]]) + 1
    return [(int(a), samples[a:b].tobytes()) for a, b in zip(starts, ends)]


@needs_sink
def test_a_cold_play_sounds_exactly_the_exported_session(tmp_path, write_program, sink):
    """Play starts before the session is synthesized, then the rest follows in stretches joined in
    silences: every sound is the export's, bit for bit, and at its time."""
    program = write_program(QUICK.replace("reps: 1", "reps: 2"))
    mark = sink.mark()
    done = voicecoach("play", str(program), "--pace", "2", cache=tmp_path / "cold", env=sink.env)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    exported = tmp_path / "quick.wav"
    # The export reads the phrases the play made (its cache): two syntheses of one line by Piper once
    # differed by 1 in a few quiet samples (a CI run with four test processes), and this compares
    # what the player sounds with what the renderer writes, not the engine with itself.
    assert voicecoach("export", str(program), "--pace", "2", "-o", str(exported), cache=tmp_path / "cold").returncode == 0
    with wave.open(str(exported)) as audio:
        whole = np.frombuffer(audio.readframes(audio.getnframes()), dtype="<i2")
    time.sleep(0.3)
    heard = sounding_runs(np.frombuffer(sink.captured(mark), dtype="<i2"))
    expected = sounding_runs(whole)
    assert len(expected) > 10 and [pcm for _, pcm in heard] == [pcm for _, pcm in expected]
    # Where each sound starts, against the first: to the frame (one stream, written ahead of the
    # listener), or later only where play stopped in a silence to wait for synthesis
    drift = [(h - heard[0][0]) - (e - expected[0][0]) for (h, _), (e, _) in zip(heard, expected)]
    assert min(drift) == 0 and all(later >= earlier for earlier, later in zip(drift, drift[1:])), drift
