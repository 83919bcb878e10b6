"""The cue sounds: generated deterministically, shipped in the package, click-free, distinct, as loud as speech."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.audio import pcm_to_float
from voicecoach.cues import CUE_NAMES, load_cues
from voicecoach.cues import CUE_RATE_HZ as SAMPLE_RATE_HZ
from voicecoach.script import DEFAULT_CUE_MS

ROOT = Path(__file__).resolve().parent.parent
CUES = {name: pcm_to_float(pcm) for name, pcm in load_cues(SAMPLE_RATE_HZ).items()}


def test_shipped_cues_are_what_the_script_generates(tmp_path):
    subprocess.run([sys.executable, str(ROOT / "scripts" / "make_cues.py"), str(tmp_path)], check=True,
                   capture_output=True)
    for name in CUE_NAMES:
        assert (tmp_path / f"{name}.wav").read_bytes() == (ROOT / "audio_cues" / f"{name}.wav").read_bytes(), name


@pytest.mark.parametrize("name", sorted(DEFAULT_CUE_MS))
def test_each_cue_is_as_long_as_the_compiler_assumes(name):
    assert len(CUES[name]) == DEFAULT_CUE_MS[name] * SAMPLE_RATE_HZ // 1000


@pytest.mark.parametrize("name", CUE_NAMES)
def test_cues_fade_in_and_out_so_they_never_click(name):
    """A click is a hard start or stop: each cue starts and ends at zero, and its first and last
    millisecond stay far below its peak (shaped attack and release)."""
    samples = CUES[name]
    one_ms = SAMPLE_RATE_HZ // 1000
    peak = np.abs(samples).max()
    assert abs(samples[0]) <= 1 and abs(samples[-1]) <= 1
    assert np.abs(samples[:one_ms]).max() < 0.25 * peak
    assert np.abs(samples[-one_ms:]).max() < 0.25 * peak


def dominant_hz(samples: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.argmax(spectrum) * SAMPLE_RATE_HZ / len(samples))


def test_hold_start_rises_and_hold_end_falls():
    half = len(CUES["hold-start"]) // 2
    start, end = CUES["hold-start"], CUES["hold-end"]
    assert dominant_hz(start[:half]) < dominant_hz(start[half:])
    assert dominant_hz(end[:half]) > dominant_hz(end[half:])


def test_cues_are_distinct_from_each_other():
    for a in CUE_NAMES:
        for b in CUE_NAMES:
            if a < b:
                n = min(len(CUES[a]), len(CUES[b]))
                x, y = CUES[a][:n], CUES[b][:n]
                similarity = abs(np.dot(x, y)) / (np.linalg.norm(x) * np.linalg.norm(y))
                assert similarity < 0.5, (a, b, similarity)


def test_volume_scales_cues():
    quiet = pcm_to_float(load_cues(SAMPLE_RATE_HZ, volume=0.5)["hold-end"])
    assert np.allclose(quiet, CUES["hold-end"] * 0.5, atol=1)


def test_cues_are_as_loud_as_speech():
    """The chimes within 2.5 LU of a shaped phrase (BS.1770 loudness; a tone carries further than a
    voice, so they sit 1.3 to 2.3 LU under it), the tick well under them."""
    from voicecoach.shape import PHRASE_LUFS, loudness

    for name in ("hold-start", "hold-end", "next-exercise", "session-end"):
        assert abs(loudness(CUES[name] / 32768, SAMPLE_RATE_HZ) - PHRASE_LUFS) <= 2.5, name
    assert loudness(CUES["countdown-tick"] / 32768, SAMPLE_RATE_HZ) < PHRASE_LUFS - 6
