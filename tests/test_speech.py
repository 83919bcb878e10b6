"""Speech: the real pyttsx3 engine, the phrase cache, trimming; a fake engine for the fast cases."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import wave

import pytest

from tests.audio import pcm_to_float
from voicecoach.script import OptionError
from voicecoach.speech import (
    KEEP_LEAD_FRAMES,
    KEEP_TAIL_FRAMES,
    SAMPLE_RATE_HZ,
    EngineError,
    EngineMissing,
    PhraseCache,
    Pyttsx3Engine,
    Speech,
    check_rate,
    check_volume,
    trim,
)

needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None,
                                  reason="espeak-ng not installed (scripts/setup.sh installs it)")


class FakeEngine:
    """A tone whose length grows with the text; counts its calls."""

    sample_rate_hz = SAMPLE_RATE_HZ

    def __init__(self, identity: str = "fake"):
        self.identity = identity
        self.calls: list[str] = []

    def synthesize(self, text: str) -> bytes:
        self.calls.append(text)
        return (b"\x00\x10" * 100) * len(text)


def test_each_phrase_is_synthesized_once_per_process(tmp_path):
    engine = FakeEngine()
    speech = Speech(engine, PhraseCache(tmp_path))
    assert speech.pcm("Up.") == speech.pcm("Up.")
    speech.pcm("Down.")
    assert engine.calls == ["Up.", "Down."]


def test_cache_avoids_the_engine_in_a_new_process(tmp_path):
    Speech(FakeEngine(), PhraseCache(tmp_path)).pcm("Bend your knee.")
    engine = FakeEngine()
    speech = Speech(engine, PhraseCache(tmp_path))
    assert speech.pcm("Bend your knee.") == (b"\x00\x10" * 100) * len("Bend your knee.")
    assert engine.calls == [] and speech.from_cache == 1


def test_cache_is_keyed_by_engine_identity(tmp_path):
    Speech(FakeEngine("voice A"), PhraseCache(tmp_path)).pcm("Up.")
    other = FakeEngine("voice B")
    Speech(other, PhraseCache(tmp_path)).pcm("Up.")
    assert other.calls == ["Up."]


@pytest.mark.parametrize("damage", ["truncate", "flip", "empty", "garbage"])
def test_damaged_entry_is_synthesized_again_and_healed(tmp_path, damage):
    Speech(FakeEngine(), PhraseCache(tmp_path)).pcm("Hold.")
    (entry,) = tmp_path.glob("*.pcm")
    blob = entry.read_bytes()
    entry.write_bytes({"truncate": blob[: len(blob) // 2], "flip": blob[:-1] + bytes([blob[-1] ^ 1]),
                       "empty": b"", "garbage": b"not a phrase"}[damage])
    engine = FakeEngine()
    assert Speech(engine, PhraseCache(tmp_path)).pcm("Hold.") == (b"\x00\x10" * 100) * 5
    assert engine.calls == ["Hold."]
    healed = FakeEngine()
    Speech(healed, PhraseCache(tmp_path)).pcm("Hold.")
    assert healed.calls == []


def test_unwritable_cache_turns_off_with_one_note(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache directory should be")
    engine = FakeEngine()
    speech = Speech(engine, PhraseCache(blocker / "cache"))
    speech.pcm("One.")
    speech.pcm("Two.")
    assert engine.calls == ["One.", "Two."]
    assert capsys.readouterr().err.count("Note: not caching speech") == 1


def test_cache_writes_leave_no_temporary_files(tmp_path):
    speech = Speech(FakeEngine(), PhraseCache(tmp_path))
    for n in range(20):
        speech.pcm(f"Phrase {n}.")
    assert sorted(p.suffix for p in tmp_path.iterdir()) == [".pcm"] * 20


def test_cache_size_and_clear(tmp_path):
    cache = PhraseCache(tmp_path)
    Speech(FakeEngine(), cache).pcm("Up.")
    assert len(cache.entries()) == 1 and cache.size_bytes() > 0
    assert cache.clear() == 1 and cache.entries() == []


def test_trim_keeps_a_short_margin():
    silence = b"\x00\x00" * 5000
    tone = b"\x00\x20" * 1000
    trimmed = trim(silence + tone + silence)
    assert len(trimmed) // 2 == KEEP_LEAD_FRAMES + 1000 + KEEP_TAIL_FRAMES


def test_trim_leaves_silence_alone():
    assert trim(b"\x00\x00" * 100) == b"\x00\x00" * 100


@pytest.mark.parametrize("bad", [79, 401, 0, -5, 2.5, True])
def test_rate_bounds(bad):
    with pytest.raises(OptionError):
        check_rate(bad)


@pytest.mark.parametrize("bad", [-0.1, 1.01, float("nan"), float("inf")])
def test_volume_bounds(bad):
    with pytest.raises(OptionError):
        check_volume(bad)


def test_missing_espeak_is_one_clear_line(monkeypatch):
    import pyttsx3

    def broken_init(*args, **kwargs):
        raise RuntimeError("This means you probably do not have eSpeak or eSpeak-ng installed!")

    monkeypatch.setattr(pyttsx3, "init", broken_init)
    with pytest.raises(EngineMissing, match="eSpeak NG is not installed; install it with: sudo apt-get install espeak-ng"):
        Pyttsx3Engine().synthesize("Hello.")


# --- the real engine ---


def espeak_cli_frames(text: str, rate_wpm: int, tmp_path) -> int:
    """Reference: the espeak-ng command speaking the same text, trimmed the same way."""
    out = tmp_path / "reference.wav"
    subprocess.run(["espeak-ng", "-s", str(rate_wpm), "-w", str(out), text], check=True)
    with wave.open(str(out)) as audio:
        assert audio.getframerate() == SAMPLE_RATE_HZ
        return len(trim(audio.readframes(audio.getnframes()))) // 2


@needs_espeak
def test_real_engine_many_phrases_complete_and_at_the_rate(tmp_path):
    """Sixty phrases in one process: each whole (it ends in its decay, and is as long as
    espeak-ng's own rendering of the same text at the same rate, within 3%)."""
    engine = Pyttsx3Engine()
    for n in range(60):
        text = f"Repetition {n + 1}: " + ["slowly bend your knee.", "hold it there, and relax.", "keep breathing."][n % 3]
        pcm = engine.synthesize(text)
        reference = espeak_cli_frames(text, engine.rate_wpm, tmp_path)
        assert abs(len(pcm) // 2 - reference) / reference < 0.03, (text, len(pcm) // 2, reference)
        tail = pcm_to_float(pcm)[-KEEP_TAIL_FRAMES // 2 :]
        assert abs(tail).max() < 2000, "the phrase was cut off mid-sound"


@needs_espeak
def test_alternating_rates_in_one_process_are_each_applied(tmp_path):
    """Through runAndWait this failed in 53 of 60 alternations; the direct driver path holds."""
    slow, fast = Pyttsx3Engine(rate_wpm=120), Pyttsx3Engine(rate_wpm=300)
    for n in range(10):
        text = f"Repetition {n}: slowly bend your knee, then straighten it."
        for engine in (slow, fast):
            frames = len(engine.synthesize(text)) // 2
            reference = espeak_cli_frames(text, engine.rate_wpm, tmp_path)
            assert abs(frames - reference) / reference < 0.03, (engine.rate_wpm, frames, reference)


@needs_espeak
def test_public_api_path_refuses_a_second_configuration(monkeypatch):
    import voicecoach.speech as speech_module

    monkeypatch.setattr(speech_module, "_espeak_driver", lambda engine: None)
    monkeypatch.setattr(Pyttsx3Engine, "_public_api_settings", None)
    first = Pyttsx3Engine().synthesize("Up.")
    assert len(first) > 1000
    with pytest.raises(EngineError, match="cannot reliably change voice, rate or volume within one process"):
        Pyttsx3Engine(rate_wpm=300).synthesize("Up.")


@needs_espeak
def test_rate_is_applied(tmp_path):
    """The same line at 100 and 300 wpm, each in its own process as the CLI runs."""
    lengths = {}
    for rate in (100, 300):
        done = subprocess.run([sys.executable, "-m", "voicecoach", "show", "advanced", "--json", "--rate", str(rate)],
                              capture_output=True, text=True, check=True,
                              env={**os.environ, "VOICECOACH_CACHE_DIR": str(tmp_path / str(rate))})
        events = json.loads(done.stdout)["events"]
        lengths[rate] = next(e["duration"] for e in events if e["text"] == "Hold both knees to your chest.")
    assert 2.3 < lengths[100] / lengths[300] < 3.3  # 300 / 100 = 3, less the fixed margins


@needs_espeak
def test_real_engine_cache_skips_synthesis_on_second_run(tmp_path):
    first = Speech(Pyttsx3Engine(), PhraseCache(tmp_path))
    audio = first.pcm("Ready.")
    assert first.synthesized == 1
    second = Speech(Pyttsx3Engine(), PhraseCache(tmp_path))
    assert second.pcm("Ready.") == audio
    assert second.synthesized == 0 and second.from_cache == 1


@needs_espeak
def test_real_engine_voices_and_unknown_voice():
    voices = Pyttsx3Engine().voices()
    ids = {voice.id for voice in voices}
    assert len(voices) > 10 and any("en" in voice.id for voice in voices)
    assert "gmw/en-us" in ids
    with pytest.raises(EngineError, match="unknown voice 'en-uss'; .*'voicecoach voices' lists them"):
        Pyttsx3Engine(voice="en-uss").synthesize("Up.")


@needs_espeak
def test_real_engine_keeps_its_chatter_off_stdout(capfd):
    Pyttsx3Engine().synthesize("Quiet please.")
    assert "Audio saved" not in capfd.readouterr().out


def test_memory_holds_a_bounded_number_of_phrases(tmp_path):
    from voicecoach.speech import MEMORY_PHRASES

    engine = FakeEngine()
    speech = Speech(engine, PhraseCache(tmp_path))
    for n in range(3 * MEMORY_PHRASES):
        speech.pcm(f"Line {n}.")
    assert len(speech._memory) == MEMORY_PHRASES
    assert speech.pcm("Line 0.") == (b"\x00\x10" * 100) * len("Line 0.")  # re-read from disk
    assert len(engine.calls) == 3 * MEMORY_PHRASES


def test_without_a_disk_cache_every_phrase_stays_in_memory(tmp_path):
    from voicecoach.speech import MEMORY_PHRASES

    blocker = tmp_path / "file"
    blocker.write_text("x")
    speech = Speech(FakeEngine(), PhraseCache(blocker / "cache"))
    for n in range(2 * MEMORY_PHRASES):
        speech.pcm(f"Line {n}.")
    assert len(speech._memory) == 2 * MEMORY_PHRASES


def test_a_phrase_lost_from_the_cache_keeps_its_measured_length(tmp_path):
    class Varying(FakeEngine):
        def synthesize(self, text: str) -> bytes:
            self.calls.append(text)
            return b"\x00\x10" * (1000 + 37 * len(self.calls))  # longer every time, like eSpeak's jitter

    from voicecoach.speech import MEMORY_PHRASES

    speech = Speech(Varying(), PhraseCache(tmp_path))
    first = len(speech.pcm("Hold."))
    for entry in tmp_path.glob("*.pcm"):
        entry.unlink()
    for n in range(MEMORY_PHRASES + 1):
        speech.pcm(f"Other {n}.")
    assert len(speech.pcm("Hold.")) == first
