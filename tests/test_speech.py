"""Speech: the real pyttsx3 engine, the phrase cache; a fake engine for the fast cases."""

from __future__ import annotations

import pytest

from voicecoach.script import OptionError
from voicecoach.shape import shape_pcm
from voicecoach.speech import PhraseCache, Speech, check_volume
from voicecoach.settings import check_rate

RATE = 22050


class FakeEngine:
    """A tone whose length grows with the text; counts its calls."""

    sample_rate_hz = RATE

    def __init__(self, identity: str = "fake"):
        self.identity = identity
        self.calls: list[str] = []

    def synthesize(self, text: str) -> bytes:
        self.calls.append(text)
        return raw(text)


def raw(text: str) -> bytes:
    return (b"\x00\x10" * 100) * len(text)


def shaped(text: str) -> bytes:
    """What Speech makes of the fake engine's sound: shaped, as every phrase is."""
    return shape_pcm(raw(text), RATE)


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
    assert speech.pcm("Bend your knee.") == shaped("Bend your knee.")
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
    assert Speech(engine, PhraseCache(tmp_path)).pcm("Hold.") == shaped("Hold.")
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


def test_a_cache_failing_in_many_threads_at_once_gives_one_note(tmp_path, capsys, monkeypatch):
    """prefetch caches from several threads at once: a disk that fills up fails them together,
    and the first failure turns the cache off for all, with one note naming the folder."""
    import errno
    import tempfile
    import time

    def full_disk(*args, **kwargs):
        time.sleep(0.05)  # every thread is inside the write when the disk fills
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(tempfile, "mkstemp", full_disk)
    engine = FakeEngine()
    engine.concurrency = 8
    speech = Speech(engine, PhraseCache(tmp_path / "cache"))
    speech.prefetch([f"Line {n}." for n in range(16)])
    assert speech.cache.directory is None and len(engine.calls) == 16
    assert capsys.readouterr().err == f"Note: not caching speech in {tmp_path / 'cache'}: No space left on device\n"


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


@pytest.mark.parametrize("bad", [79, 401, 0, -5, 2.5, True])
def test_rate_bounds(bad):
    with pytest.raises(OptionError):
        check_rate(bad)


@pytest.mark.parametrize("bad", [-0.1, 1.01, float("nan"), float("inf")])
def test_volume_bounds(bad):
    with pytest.raises(OptionError):
        check_volume(bad)


def test_memory_holds_a_bounded_number_of_phrases(tmp_path):
    from voicecoach.speech import MEMORY_PHRASES

    engine = FakeEngine()
    speech = Speech(engine, PhraseCache(tmp_path))
    for n in range(3 * MEMORY_PHRASES):
        speech.pcm(f"Line {n}.")
    assert len(speech._memory) == MEMORY_PHRASES
    assert speech.pcm("Line 0.") == shaped("Line 0.")  # re-read from disk
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
