"""Reading audio back with independent tools, and finding cue sounds in it by signal analysis."""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

needs_ffmpeg = pytest.mark.skipif(shutil.which("ffmpeg") is None or shutil.which("ffprobe") is None,
                                  reason="ffmpeg/ffprobe not installed (scripts/setup.sh --dev installs them)")
needs_sox = pytest.mark.skipif(shutil.which("soxi") is None, reason="sox not installed")
needs_mpg123 = pytest.mark.skipif(shutil.which("mpg123") is None,
                                  reason="mpg123 not installed (scripts/setup.sh --dev installs it)")


@functools.lru_cache(maxsize=8)
def decode(path: Path, sample_rate_hz: int = 22050) -> np.ndarray:
    """Every sample a decoder gives for the file (ffmpeg), as float32 mono."""
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-f", "s16le", "-ac", "1",
                          "-ar", str(sample_rate_hz), "-"], capture_output=True, check=True).stdout
    return np.frombuffer(raw, dtype="<i2").astype(np.float32)


def decode_mpg123(path: Path) -> np.ndarray:
    """Every sample mpg123 (a decoder apart from ffmpeg, gapless by the LAME tag) gives, as float32."""
    raw = subprocess.run(["mpg123", "-q", "-s", str(path)], capture_output=True, check=True).stdout
    return np.frombuffer(raw, dtype="<i2").astype(np.float32)


def soxi_frames(path: Path) -> int:
    return int(subprocess.run(["soxi", "-s", str(path)], capture_output=True, text=True, check=True).stdout)


def ffprobe_duration(path: Path) -> float:
    out = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(path)],
                         capture_output=True, text=True, check=True).stdout
    return float(out)


def pcm_to_float(pcm: bytes) -> np.ndarray:
    return np.frombuffer(pcm, dtype=np.int16).astype(np.float32)


def correlate(signal: np.ndarray, template: np.ndarray, block: int = 1 << 18) -> np.ndarray:
    """Cross-correlation of template against every offset of signal, block by block (overlap-save)."""
    valid = len(signal) - len(template) + 1
    step = block - len(template) + 1
    kernel = np.conj(np.fft.rfft(template, block))
    out = np.empty(max(valid, 0), dtype=np.float64)
    for begin in range(0, valid, step):
        chunk = signal[begin : begin + block]
        full = np.fft.irfft(np.fft.rfft(chunk, block) * kernel, block)
        count = min(step, valid - begin)
        out[begin : begin + count] = full[:count]
    return out


def find_sound(signal: np.ndarray, template: np.ndarray, threshold: float = 0.9) -> list[int]:
    """Frames where `template` starts in `signal`: peaks of the normalized cross-correlation.

    The whole signal is searched, with no knowledge of where the sound should be.
    """
    correlation = correlate(signal, template)
    energy = np.concatenate([[0.0], np.cumsum(signal.astype(np.float64) ** 2)])
    window = energy[len(template):] - energy[: -len(template)]
    template_energy = float(np.dot(template, template))
    # A cue is never quieter than half its own energy; flooring the window there keeps faint
    # decays and near-silence from scoring high on a tiny denominator.
    norm = np.sqrt(np.maximum(window, 0.5 * template_energy)) * np.sqrt(template_energy)
    score = correlation / norm
    above = np.flatnonzero(score > threshold)
    starts: list[int] = []
    for index in above:
        if starts and index - starts[-1] < len(template):
            if score[index] > score[starts[-1]]:
                starts[-1] = int(index)
            continue
        starts.append(int(index))
    return starts


def riff_chunks(path: Path) -> list[tuple[bytes, bytes]]:
    """The top-level chunks of a WAV file, in order, as (id, body): a walk by the RIFF
    specification's layout, independent of the writer."""
    data = path.read_bytes()
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    assert int.from_bytes(data[4:8], "little") == len(data) - 8  # the RIFF size counts every chunk
    chunks, position = [], 12
    while position < len(data):
        size = int.from_bytes(data[position + 4 : position + 8], "little")
        chunks.append((data[position : position + 4], data[position + 8 : position + 8 + size]))
        position += 8 + size + size % 2  # a chunk of odd size is followed by a pad byte
    assert position == len(data)
    return chunks


def ffprobe_chapters(path: Path) -> list[dict]:
    out = subprocess.run(["ffprobe", "-v", "error", "-show_chapters", "-of", "json", str(path)],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)["chapters"]
