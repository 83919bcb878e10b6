"""Phrase shaping: one loudness, safe peaks, clean edges. Checked against ffmpeg's ebur128 meter,
and by scanning the shaped samples."""

from __future__ import annotations

import math
import wave

import numpy as np
import pytest

from tests.audio import needs_ffmpeg
from tests.listening import dbfs, ebur128
from voicecoach import shape
from voicecoach.shape import FADE_MS, Shaping, loudness, shape_pcm, true_peak_dbtp

RATE = 22050


def speechlike(seconds: float, rate: int = RATE, seed: int = 1, level: float = 0.3) -> np.ndarray:
    """Noise bursts and a buzzy vowel with syllable-rate swells, sharp peaks, a hard stop at the
    end and a pause of digital silence inside, like an engine's phrase."""
    rng = np.random.default_rng(seed)
    n = int(seconds * rate)
    t = np.arange(n) / rate
    vowel = sum(np.sin(2 * np.pi * 140 * k * t) / k for k in range(1, 12))
    envelope = 0.5 + 0.5 * np.sin(2 * np.pi * 4 * t) ** 2
    signal = level * (vowel / 3 * envelope + 0.2 * rng.standard_normal(n))
    signal[rng.integers(0, n, 40)] = 0.99  # clicks of plosive peaks
    signal[n // 2 : n // 2 + rate // 10] = 0.0  # a pause between words: hard stop, hard start
    return np.concatenate([np.zeros(rate // 50), signal, np.zeros(rate // 3)])  # engine padding


def to_pcm(samples: np.ndarray) -> bytes:
    return np.clip(np.round(samples * 32768), -32768, 32767).astype(np.int16).tobytes()


def from_pcm(pcm: bytes) -> np.ndarray:
    return np.frombuffer(pcm, dtype=np.int16).astype(np.float64) / 32768


def write_wav(path, samples: np.ndarray, rate: int = RATE) -> None:
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(to_pcm(samples))


@needs_ffmpeg
@pytest.mark.parametrize("rate", [16000, 22050, 24000])
@pytest.mark.parametrize("level", [0.02, 0.3, 0.9])
def test_a_shaped_phrase_reads_back_at_the_phrase_loudness_under_the_ceiling(tmp_path, rate, level):
    """ffmpeg's ebur128 (its own K-filter and true-peak meter) reads the shaped sound back at
    the phrase loudness within 0.3 LU, and its true peak at or under -1 dBTP, from quiet and
    loud engines alike, at every engine rate."""
    shaped = from_pcm(shape_pcm(to_pcm(speechlike(3.0, rate, level=level)), rate))
    path = tmp_path / "phrase.wav"
    write_wav(path, shaped, rate)
    integrated, peak = ebur128(path)
    assert abs(integrated - shape.PHRASE_LUFS) <= 0.3, integrated
    assert peak <= -1.0, peak


def test_the_meter_agrees_with_a_sine_of_known_loudness():
    """BS.1770: a 997 Hz sine at 0 dBFS peak reads -3.01 LUFS (its K-weighting gain at 1 kHz is ~0)."""
    t = np.arange(RATE * 3) / RATE
    assert loudness(np.sin(2 * np.pi * 997 * t), RATE) == pytest.approx(-3.01, abs=0.1)
    assert loudness(np.zeros(RATE), RATE) == -math.inf


def test_true_peak_sees_between_the_samples():
    """A sine at a quarter of the rate, sampled at its 45-degree points: every sample reads
    0.707, the waveform reaches 1.0 between them (+3 dB)."""
    n = np.arange(RATE)
    samples = np.sin(2 * np.pi * n / 4 + np.pi / 4) * 0.5
    assert np.abs(samples).max() == pytest.approx(0.5 * math.sqrt(0.5))
    assert true_peak_dbtp(samples, RATE) == pytest.approx(20 * math.log10(0.5), abs=0.2)


def test_every_edge_fades_to_silence_and_the_speech_is_kept():
    """The first and last 5 ms of the shaped phrase are at or under -60 dBFS, so are the last 5
    ms before the pause inside it are under -55 dBFS (a decay, not a cut); after the pause the sound rises from
    silence in 5 ms (no click, the consonant kept); nothing else is lost (the sound keeps its
    length, less the engine's padding)."""
    raw = speechlike(2.0)
    shaped = from_pcm(shape_pcm(to_pcm(raw), RATE))
    edge = 5 * RATE // 1000
    quiet = 10 ** (-60 / 20)
    assert np.abs(shaped[:edge]).max() <= quiet and np.abs(shaped[-edge:]).max() <= quiet
    zero = np.concatenate([[0], (shaped == 0).astype(np.int8), [0]])
    changes = np.flatnonzero(np.diff(zero))
    runs = [(a, b) for a, b in zip(changes[0::2], changes[1::2]) if b - a >= RATE // 100 and a > edge]
    ((first, last),) = [(a, b - 1) for a, b in runs if b < len(shaped)]  # the pause inside, whole
    inner = np.arange(first, last + 1)
    assert len(inner) >= RATE // 10, "the pause inside is kept"
    assert dbfs(shaped[inner[0] - edge : inner[0]]) <= -55  # faded out before the pause (a cut: > -45)
    after = shaped[inner[-1] + 1 : inner[-1] + 1 + edge]
    assert abs(after[0]) <= quiet and np.all(np.abs(after[:10]) < 0.05 * np.abs(after).max())  # faded in
    sound = 2 * RATE - RATE // 10
    margins = shape.PAD_MS + shape.KEEP_LEAD_MS + shape.KEEP_TAIL_MS
    assert sound <= len(shaped) <= sound + margins * RATE // 1000 + RATE // 10


def test_fades_are_short_and_never_touch_the_middle():
    flat = np.full(RATE, 0.1)
    shaped = shape._faded(flat, RATE, FADE_MS)
    fade = FADE_MS * RATE // 1000
    assert np.all(shaped[fade:-fade] == flat[fade:-fade])
    assert np.all(np.diff(shaped[:fade]) >= 0) and np.all(np.diff(shaped[-fade:]) <= 0)


def test_volume_lowers_from_the_shaped_level():
    pcm = to_pcm(speechlike(2.0))
    full, half = from_pcm(shape_pcm(pcm, RATE)), from_pcm(shape_pcm(pcm, RATE, volume=0.5))
    assert np.allclose(half, full * 0.5, atol=1.5 / 32768)


def test_silence_stays_silent():
    assert shape_pcm(bytes(2000), RATE) == bytes(2000)


def test_the_limiter_never_lets_a_peak_through_and_moves_smoothly():
    rng = np.random.default_rng(7)
    samples = rng.standard_normal(RATE) * 0.05
    samples[::997] = 1.5
    gain = shape.limiter_gain(samples, RATE, 0.5)
    limited = samples * gain
    assert shape.oversampled_peaks(limited, RATE).max() <= 0.5 * 1.02  # within the resampler's ripple
    assert np.abs(np.diff(gain)).max() < 0.05, "a step in gain is a click"
    assert gain.min() < 0.4 and gain.max() > 0.999


def test_running_min_matches_the_plain_definition():
    values = np.random.default_rng(3).random(500)
    fast = shape._running_min(values, before=9, after=4)
    plain = np.array([values[max(0, i - 9) : i + 5].min() for i in range(500)])
    assert np.array_equal(fast, plain)


def test_shaping_is_part_of_the_cache_identity():
    assert Shaping().identity() != Shaping(phrase_lufs=-20.0).identity()
    assert Shaping().identity() != Shaping(fade_ms=10).identity()
