"""What the listener gets, read back from a real export with tools independent of the code that made it.

- loudness and true peak: ffmpeg's `ebur128` filter;
- the audio: decoded by ffmpeg;
- where phrases are: the session's own `show --json` (the export must put them there);
- silences, lead-in and phrase edges: scanned in the decoded samples.

scripts/bench.py prints these figures; the tests hold them to the targets.
"""

from __future__ import annotations

import math
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np

SILENT_DBFS = -60.0  # quieter than this, for a whole 10 ms window, is no sound for the ear
WINDOW_MS = 10
EDGE_MS = 5
HARD_CUT_DBFS = -45.0  # the measure: a phrase ending louder than this, then digital zero
STEP_MS = 0.25  # a sound that rises from digital zero past HARD_CUT_DBFS this fast is a click
ZERO_RUN_MS = 10  # digital zero this long counts as "then digital zero"


def ebur128(path: Path) -> tuple[float, float]:
    """(integrated loudness LUFS, true peak dBTP) as ffmpeg's ebur128 filter reads them."""
    err = subprocess.run(["ffmpeg", "-hide_banner", "-nostats", "-i", str(path), "-af", "ebur128=peak=true",
                          "-f", "null", "-"], capture_output=True, text=True, check=True).stderr
    summary = err[err.rindex("Summary:"):]
    integrated = float(re.search(r"I:\s+(-?[\d.]+|-inf) LUFS", summary).group(1))
    peak = float(re.search(r"True peak:\s+Peak:\s+(-?[\d.]+|-inf) dBFS", summary).group(1))
    return integrated, peak


def decode(path: Path) -> tuple[np.ndarray, int]:
    """Every sample ffmpeg decodes from the file (full scale 1.0), at the file's own rate."""
    rate = int(subprocess.run(["ffprobe", "-v", "error", "-select_streams", "a:0", "-show_entries",
                               "stream=sample_rate", "-of", "csv=p=0", str(path)],
                              capture_output=True, text=True, check=True).stdout.strip())
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-f", "s16le", "-ac", "1", "-"],
                         capture_output=True, check=True).stdout
    return np.frombuffer(raw, dtype="<i2").astype(np.float64) / 32768, rate


def dbfs(values: np.ndarray) -> float:
    """RMS level in dBFS (-inf for digital silence)."""
    if not len(values):
        return -math.inf
    rms = math.sqrt(float(np.mean(values**2)))
    return 20 * math.log10(rms) if rms > 0 else -math.inf


def peak_dbfs(values: np.ndarray) -> float:
    peak = float(np.abs(values).max(initial=0.0))
    return 20 * math.log10(peak) if peak > 0 else -math.inf


def sounding(samples: np.ndarray, rate: int) -> np.ndarray:
    """Per 10 ms window: whether it is louder than SILENT_DBFS."""
    size = rate * WINDOW_MS // 1000
    count = len(samples) // size
    rms = np.sqrt(np.mean(samples[: count * size].reshape(count, size) ** 2, axis=1))
    return rms > 10 ** (SILENT_DBFS / 20)


def longest_quiet_s(samples: np.ndarray, rate: int) -> float:
    """The longest stretch with no sound, after the first sound and before the last."""
    loud = np.flatnonzero(sounding(samples, rate))
    if len(loud) < 2:
        return 0.0
    return float(np.diff(loud).max() - 1) * WINDOW_MS / 1000


def lead_in_s(samples: np.ndarray, rate: int) -> float:
    """Silence before the first sound (every sample under SILENT_DBFS)."""
    loud = np.flatnonzero(np.abs(samples) > 10 ** (SILENT_DBFS / 20))
    return (loud[0] if len(loud) else len(samples)) / rate


@dataclass(frozen=True)
class Edges:
    phrases: int
    loud_starts: list[str]  # phrase spans whose first 5 ms are louder than -60 dBFS (peak)
    loud_ends: list[str]  # ... whose last 5 ms are
    hard_cuts: int  # sounds that stop louder than HARD_CUT_DBFS, then digital zero
    hard_starts: int  # sounds that jump from digital zero past HARD_CUT_DBFS within STEP_MS (a click)
    sounds: int  # stretches of spoken sound that end in digital zero


def _zero_runs(samples: np.ndarray, rate: int) -> list[tuple[int, int]]:
    """Runs of exact digital zero at least ZERO_RUN_MS long, as (start, end)."""
    zero = np.concatenate([[False], np.round(samples * 32768) == 0, [False]])
    changes = np.flatnonzero(np.diff(zero.astype(np.int8)))
    starts, ends = changes[0::2], changes[1::2]
    keep = ends - starts >= rate * ZERO_RUN_MS // 1000
    return list(zip(starts[keep].tolist(), ends[keep].tolist()))


def edges(samples: np.ndarray, rate: int, events: list[dict]) -> Edges:
    """Every spoken line's first and last 5 ms, where the script puts it; and every spoken sound
    that stops at digital zero (its last 5 ms, RMS) or starts from it (its first 0.25 ms, peak),
    wherever it is."""
    edge = rate * EDGE_MS // 1000
    loud_starts, loud_ends = [], []
    speech = [e for e in events if e["kind"] == "speech"]
    for event in speech:
        start = round(event["start"] * rate)
        end = start + round(event["duration"] * rate)  # the line's slot: its sound, to the ms
        if peak_dbfs(samples[start : start + edge]) > SILENT_DBFS:
            loud_starts.append(event["text"])
        if peak_dbfs(samples[end - edge : end]) > SILENT_DBFS:
            loud_ends.append(event["text"])
    spans = np.array([(round(e["start"] * rate), round((e["start"] + e["duration"]) * rate)) for e in speech])

    def spoken(frame: int) -> bool:  # inside a spoken line (the cues have their own, bell-like attack)
        index = np.searchsorted(spans[:, 0], frame, side="right") - 1
        return index >= 0 and frame < spans[index, 1]

    runs = _zero_runs(samples, rate)
    cuts = [start for start, _ in runs if start >= edge and spoken(start - 1)]
    starts = [end for _, end in runs if end + edge <= len(samples) and spoken(end)]
    hard_cuts = sum(1 for start in cuts if dbfs(samples[start - edge : start]) > HARD_CUT_DBFS)
    step = max(1, round(rate * STEP_MS / 1000))
    hard_starts = sum(1 for end in starts if peak_dbfs(samples[end : end + step]) > HARD_CUT_DBFS)
    return Edges(len(speech), loud_starts, loud_ends, hard_cuts, hard_starts, len(cuts))


def words_per_minute(events: list[dict]) -> float:
    """Words spoken a minute of sounding speech: every spoken line's words over its length."""
    speech = [e for e in events if e["kind"] == "speech"]
    words = sum(len(re.findall(r"[\w'-]+", e["text"])) for e in speech)
    return words / (sum(e["duration"] for e in speech) / 60)
