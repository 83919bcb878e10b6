"""The eSpeak NG engine (pyttsx3), for real: whole phrases at the asked rate, voices, failures."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import textwrap
import wave

import pytest

from tests.audio import pcm_to_float
from voicecoach.engines import espeak as espeak_module
from voicecoach.engines.espeak import SAMPLE_RATE_HZ, EspeakEngine
from voicecoach.errors import EngineError, EngineMissing
from voicecoach.shape import Shaping, edges, shape_pcm
from voicecoach.speech import PhraseCache, Speech

needs_espeak = pytest.mark.skipif(not EspeakEngine.installed() or not __import__("shutil").which("espeak-ng"),
                                  reason="espeak-ng not installed (scripts/setup.sh installs it)")


def trim(pcm: bytes, rate: int) -> bytes:
    """The phrase's sound, as shaping keeps it (from just before its first sound to its end)."""
    found = edges(pcm_to_float(pcm) / 32768, rate, Shaping())
    return pcm[2 * found[0] : 2 * found[1]] if found else pcm


def test_missing_espeak_is_one_clear_line(monkeypatch):
    import pyttsx3

    def broken_init(*args, **kwargs):
        raise RuntimeError("This means you probably do not have eSpeak or eSpeak-ng installed!")

    monkeypatch.setattr(pyttsx3, "init", broken_init)
    with pytest.raises(EngineMissing, match="eSpeak NG is not installed; install it with: sudo apt-get install espeak-ng"):
        EspeakEngine().synthesize("Hello.")


# --- the real engine ---


def espeak_cli_frames(text: str, rate_wpm: int, tmp_path) -> int:
    """Reference: the espeak-ng command speaking the same text, trimmed the same way."""
    out = tmp_path / "reference.wav"
    subprocess.run(["espeak-ng", "-s", str(rate_wpm), "-w", str(out), text], check=True)
    with wave.open(str(out)) as audio:
        assert audio.getframerate() == SAMPLE_RATE_HZ
        return len(trim(audio.readframes(audio.getnframes()), SAMPLE_RATE_HZ)) // 2


@needs_espeak
def test_real_engine_many_phrases_complete_and_at_the_rate(tmp_path):
    """Sixty phrases in one process: each whole (as long as espeak-ng's own rendering of the same
    text at the same rate, within 5%: eSpeak itself varies by up to 3.3% here), and once shaped, ending in silence, not mid-sound."""
    engine = EspeakEngine()
    for n in range(60):
        text = f"Repetition {n + 1}: " + ["slowly bend your knee.", "hold it there, and relax.", "keep breathing."][n % 3]
        pcm = trim(engine.synthesize(text), SAMPLE_RATE_HZ)
        reference = espeak_cli_frames(text, engine.engine_rate, tmp_path)
        assert abs(len(pcm) // 2 - reference) / reference < 0.05, (text, len(pcm) // 2, reference)
        tail = pcm_to_float(shape_pcm(pcm, SAMPLE_RATE_HZ))[-5 * SAMPLE_RATE_HZ // 1000 :]
        assert abs(tail).max() < 33, "the phrase ends mid-sound"  # -60 dBFS


@needs_espeak
def test_alternating_rates_in_one_process_are_each_applied(tmp_path):
    """Through runAndWait this failed in 53 of 60 alternations; the direct driver path holds."""
    slow, fast = EspeakEngine(rate_wpm=120), EspeakEngine(rate_wpm=300)
    for n in range(10):
        text = f"Repetition {n}: slowly bend your knee, then straighten it."
        for engine in (slow, fast):
            frames = len(trim(engine.synthesize(text), SAMPLE_RATE_HZ)) // 2
            reference = espeak_cli_frames(text, engine.engine_rate, tmp_path)
            assert abs(frames - reference) / reference < 0.03, (engine.rate_wpm, frames, reference)


@needs_espeak
def test_public_api_path_refuses_a_second_configuration(monkeypatch):
    monkeypatch.setattr(espeak_module, "_espeak_driver", lambda engine: None)
    monkeypatch.setattr(EspeakEngine, "_public_api_settings", None)
    first = EspeakEngine().synthesize("Up.")
    assert len(first) > 1000
    with pytest.raises(EngineError, match="cannot reliably change voice, rate or volume within one process"):
        EspeakEngine(rate_wpm=300).synthesize("Up.")


@needs_espeak
def test_rate_is_applied(tmp_path):
    """The same line at 100 and 300 wpm, each in its own process as the CLI runs."""
    lengths = {}
    for rate in (100, 300):
        done = subprocess.run([sys.executable, "-m", "voicecoach", "show", "advanced", "--json", "--engine", "espeak", "--rate", str(rate)],
                              capture_output=True, text=True, check=True,
                              env={**os.environ, "VOICECOACH_CACHE_DIR": str(tmp_path / str(rate))})
        events = json.loads(done.stdout)["events"]
        lengths[rate] = next(e["duration"] for e in events if e["text"] == "Hold both knees to your chest.")
    assert 2.3 < lengths[100] / lengths[300] < 3.3  # 300 / 100 = 3, less the fixed margins


@needs_espeak
def test_real_engine_cache_skips_synthesis_on_second_run(tmp_path):
    first = Speech(EspeakEngine(), PhraseCache(tmp_path))
    audio = first.pcm("Ready.")
    assert first.synthesized == 1
    second = Speech(EspeakEngine(), PhraseCache(tmp_path))
    assert second.pcm("Ready.") == audio
    assert second.synthesized == 0 and second.from_cache == 1


@needs_espeak
def test_real_engine_voices_and_unknown_voice():
    voices = EspeakEngine.voices()
    ids = {voice.id for voice in voices}
    assert len(voices) > 10 and any("en" in voice.id for voice in voices)
    assert "gmw/en-us" in ids
    with pytest.raises(EngineError, match="unknown eSpeak voice 'en-uss'; did you mean '.*en-us'\\? .*'voicecoach voices' lists them"):
        EspeakEngine(voice="en-uss").synthesize("Up.")


@needs_espeak
def test_real_engine_keeps_its_chatter_off_stdout(capfd):
    EspeakEngine().synthesize("Quiet please.")
    assert "Audio saved" not in capfd.readouterr().out


@needs_espeak
def test_synthesis_in_the_background_leaves_the_main_threads_stdout_alone():
    """play synthesizes in a background thread while the main thread prints (the display, the
    resume hint): sys.stdout must stay what it is, or those lines go nowhere."""
    import threading

    engine, original, seen = EspeakEngine(), sys.stdout, set()
    phrases = [f"Phrase number {n}." for n in range(12)]
    worker = threading.Thread(target=lambda: [engine.synthesize(text) for text in phrases])
    worker.start()
    while worker.is_alive():
        seen.add(id(sys.stdout))
    worker.join()
    assert seen == {id(original)}


def test_an_engine_leaves_no_folder_behind(tmp_path):
    """Every engine start used to leave an empty voicecoach-* folder in the temp directory."""
    env = {**os.environ, "TMPDIR": str(tmp_path), "VOICECOACH_CACHE_DIR": str(tmp_path / "cache")}
    code = "from voicecoach.engines.espeak import EspeakEngine as E; E().synthesize('Up.'); E().synthesize('Down.')"
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=60)
    assert [p.name for p in tmp_path.iterdir()] == ["cache"] or list(tmp_path.iterdir()) == []


def test_an_engine_removes_its_folder_when_collected(monkeypatch, tmp_path):
    import gc

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    engine = EspeakEngine()
    engine.synthesize("Up.")
    assert len(list(tmp_path.glob("voicecoach-*"))) == 1
    del engine
    gc.collect()
    assert list(tmp_path.glob("voicecoach-*")) == []


@needs_espeak
def test_two_threads_starting_and_speaking_at_once_neither_crash_nor_hang(tmp_path):
    """play synthesizes the session in the background while the main thread says a question: both
    first used eSpeak at once, and its two initializations crashed the process ('double free or
    corruption') or left one phrase waiting forever. In a fresh process: the engine starts there."""
    code = textwrap.dedent("""
        import threading
        from voicecoach.engines.espeak import EspeakEngine

        engine = EspeakEngine()
        texts = ["One.", "Two.", "How is your back right now?", "Four."] * 4
        made = {}

        def speak(name, items):
            made[name] = [engine.synthesize(text) for text in items]

        other = threading.Thread(target=speak, args=("other", texts))
        other.start()
        speak("main", texts[::-1])
        other.join(60)
        assert not other.is_alive()
        # every phrase whole (eSpeak's output differs by a few samples from one synthesis to the
        # next, even in one thread: its lengths are compared, not its samples)
        for name, items in (("other", texts), ("main", texts[::-1])):
            for text, pcm in zip(items, made[name]):
                alone = engine.synthesize(text)
                assert abs(len(pcm) - len(alone)) < 200 and len(pcm) > 20_000, (text, len(pcm), len(alone))
        print("ok")
        """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "TMPDIR": str(tmp_path)})
    assert done.returncode == 0 and done.stdout == "ok\n", (done.returncode, done.stderr[-500:])
