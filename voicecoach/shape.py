"""The shape of each phrase: trimmed, brought to one loudness, peaks kept safe, faded in and out.

Done once per phrase when it is synthesized, before it is cached, so a warm session pays nothing.
Loudness is ITU-R BS.1770 (K-weighted, gated), the measure ffmpeg's `ebur128` filter reads back;
true peak is read on a 4x oversampled copy, as BS.1770 Annex 2 describes.

Every function here is pure: float64 samples in full-scale units (1.0 = int16 full scale) in,
the same out.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # numpy is imported where it is used: a warm session never needs it
    import numpy as np

# BS.1770 K-weighting, a high shelf (+4 dB above ~1.7 kHz) then a ~38 Hz high-pass, designed for
# each sample rate from the analogue parameters that reproduce the standard's 48 kHz coefficients
# (the way libebur128 and ffmpeg's ebur128 filter do, so the readings agree at every rate).
_SHELF_HZ, _SHELF_DB, _SHELF_Q = 1681.974450955533, 3.999843853973347, 0.7071752369554196
_HIGHPASS_HZ, _HIGHPASS_Q = 38.13547087602444, 0.5003270373238773


def _k_filters(rate_hz: int) -> tuple[tuple, tuple]:
    k = math.tan(math.pi * _SHELF_HZ / rate_hz)
    vh = 10 ** (_SHELF_DB / 20)
    vb = vh**0.4996667741545416
    a0 = 1 + k / _SHELF_Q + k * k
    shelf = ((vh + vb * k / _SHELF_Q + k * k) / a0, 2 * (k * k - vh) / a0, (vh - vb * k / _SHELF_Q + k * k) / a0), \
        (1.0, 2 * (k * k - 1) / a0, (1 - k / _SHELF_Q + k * k) / a0)
    k = math.tan(math.pi * _HIGHPASS_HZ / rate_hz)
    a0 = 1 + k / _HIGHPASS_Q + k * k
    highpass = (1.0, -2.0, 1.0), (1.0, 2 * (k * k - 1) / a0, (1 - k / _HIGHPASS_Q + k * k) / a0)
    return shelf, highpass


ABSOLUTE_GATE_LUFS = -70.0
RELATIVE_GATE_LU = -10.0
BLOCK_MS = 400
HOP_MS = 100

# The session's target: -16 LUFS integrated, as podcasts and spoken word on phones (AES TD1004).
# Each phrase is brought a little above it, because the session's own gating counts the blocks
# that straddle a phrase's start and end (measured: about 0.7 LU lower; scripts/bench.py).
SESSION_LUFS = -16.0
PHRASE_LUFS = -14.7
# Peaks: at most -1 dBTP read back by an independent meter; kept 0.5 dB under that here, for
# the rounding to 16 bits and the reader's own oversampling filter.
CEILING_DBTP = -1.5
OVERSAMPLE = 4
MAX_GAIN_DB = 40.0  # an engine's whisper is raised at most this much

# Edges (ms). Engines pad phrases with silence (eSpeak ~13 ms before and ~350 ms after, Piper
# ~40 and ~120, measured); the script's own silences do the spacing, so only a margin is kept.
TRIM_DBFS = -54.0  # quieter than this counts as silence when finding where speech starts and ends
KEEP_LEAD_MS = 20  # of the engine's quiet lead-in before the first sound
KEEP_TAIL_MS = 60  # of its decay after the last (eSpeak stops dead instead: then there is none)
FADE_MS = 25  # fade out over the last: its last 5 ms are <= -61 dB, a decay instead of a cut
ONSET_MS = 5  # fade in over the first: no click, and the first consonant kept whole
PAD_MS = 5  # of digital silence before the fade in, so a phrase starts at silence
PAUSE_MS = 10  # digital silence this long inside a phrase is a pause: the sound fades around it

# Limiter timing (ms): the gain falls over ATTACK before a peak and holds HOLD after it, so one
# plosive is one smooth dip, not a buzz of gain changes.
ATTACK_MS = 5
HOLD_MS = 20


@dataclass(frozen=True)
class Shaping:
    """How phrases are shaped; part of the phrase cache's identity."""

    phrase_lufs: float = PHRASE_LUFS
    ceiling_dbtp: float = CEILING_DBTP
    lead_ms: int = KEEP_LEAD_MS
    tail_ms: int = KEEP_TAIL_MS
    fade_ms: int = FADE_MS
    onset_ms: int = ONSET_MS
    pad_ms: int = PAD_MS
    version: int = 2

    def identity(self) -> list:
        return [self.version, self.phrase_lufs, self.ceiling_dbtp, self.lead_ms, self.tail_ms, self.fade_ms,
                self.onset_ms, self.pad_ms,
                TRIM_DBFS, ATTACK_MS, HOLD_MS, OVERSAMPLE, PAUSE_MS]


def _response(coefficients, z: np.ndarray) -> np.ndarray:
    (b0, b1, b2), (a0, a1, a2) = coefficients
    return (b0 + b1 / z + b2 / z**2) / (a0 + a1 / z + a2 / z**2)


@functools.lru_cache(maxsize=16)
def _k_response(size: int, rate_hz: int) -> np.ndarray:
    import numpy as np

    z = np.exp(2j * np.pi * np.fft.rfftfreq(size))
    shelf, highpass = _k_filters(rate_hz)
    return _response(shelf, z) * _response(highpass, z)


def k_weighted(samples: np.ndarray, rate_hz: int) -> np.ndarray:
    """The signal through the K-weighting filter (applied in the frequency domain, zero-padded
    so nothing wraps around)."""
    import numpy as np

    size = 1 << math.ceil(math.log2(len(samples) + rate_hz // 5 + 1))
    return np.fft.irfft(np.fft.rfft(samples, size) * _k_response(size, rate_hz), size)[: len(samples)]


def _block_powers(weighted: np.ndarray, rate_hz: int) -> np.ndarray:
    """Mean square of each 400 ms block, 100 ms apart; one block if the sound is shorter."""
    import numpy as np

    hop = rate_hz * HOP_MS // 1000
    per_block = BLOCK_MS // HOP_MS
    quarters = len(weighted) // hop
    if quarters < per_block:
        return np.array([np.mean(weighted**2)]) if len(weighted) else np.zeros(0)
    powers = np.mean(weighted[: quarters * hop].reshape(quarters, hop) ** 2, axis=1)
    return np.convolve(powers, np.ones(per_block) / per_block, mode="valid")


def _lufs(power: float) -> float:
    return -0.691 + 10 * math.log10(power) if power > 0 else -math.inf


def loudness(samples: np.ndarray, rate_hz: int, weighted: np.ndarray | None = None) -> float:
    """Integrated loudness in LUFS (BS.1770 gating); -inf for silence. `weighted`: the samples
    already K-weighted, if known."""
    weighted = k_weighted(samples, rate_hz) if weighted is None else weighted
    return gated_loudness(_block_powers(weighted, rate_hz))


def gated_loudness(powers: np.ndarray) -> float:
    """Integrated loudness in LUFS from the mean squares of the K-weighted 400 ms blocks (BS.1770's
    absolute and relative gates); -inf for silence."""
    import numpy as np

    powers = powers[powers > 10 ** ((ABSOLUTE_GATE_LUFS + 0.691) / 10)]
    if not len(powers):
        return -math.inf
    relative = _lufs(float(np.mean(powers))) + RELATIVE_GATE_LU
    gated = powers[powers > 10 ** ((relative + 0.691) / 10)]
    return _lufs(float(np.mean(gated)))


def oversampled_peaks(samples: np.ndarray, rate_hz: int) -> np.ndarray:
    """For each sample, the highest magnitude the waveform reaches around it (4x oversampled)."""
    import numpy as np
    import soxr


    upsampled = soxr.resample(samples, rate_hz, rate_hz * OVERSAMPLE, quality="HQ")
    count = min(len(samples), len(upsampled) // OVERSAMPLE)
    peaks = np.abs(samples).copy()
    around = np.abs(upsampled[: count * OVERSAMPLE]).reshape(count, OVERSAMPLE).max(axis=1)
    peaks[:count] = np.maximum(peaks[:count], around)
    return peaks


def true_peak_dbtp(samples: np.ndarray, rate_hz: int) -> float:
    peak = float(oversampled_peaks(samples, rate_hz).max(initial=0.0))
    return 20 * math.log10(peak) if peak > 0 else -math.inf


def _running_min(values: np.ndarray, before: int, after: int) -> np.ndarray:
    """out[i] = min(values[i - before : i + after + 1]), in O(n) (van Herk / Gil-Werman)."""
    import numpy as np

    width = before + after + 1
    padded = np.concatenate([np.ones(before), values, np.ones(after + width)])
    blocks = len(padded) // width
    grid = padded[: blocks * width].reshape(blocks, width)
    forward = np.minimum.accumulate(grid, axis=1).ravel()
    backward = np.minimum.accumulate(grid[:, ::-1], axis=1)[:, ::-1].ravel()
    count = len(values)
    return np.minimum(backward[:count], forward[width - 1 : width - 1 + count])


def limiter_gain(samples: np.ndarray, rate_hz: int, ceiling: float, peaks: np.ndarray | None = None) -> np.ndarray:
    """A gain per sample (at most 1) that keeps the oversampled peaks at or under `ceiling`
    (`peaks`: the samples' oversampled_peaks, if already known).

    The gain needed at each peak is held for HOLD_MS after it and reached ATTACK_MS before it
    (a running minimum), then smoothed with a moving average as long as the attack: every value
    averaged at a peak is already at or under that peak's need, so the smoothing never lets a
    peak through, and the gain moves in ramps, never in steps.
    """
    import numpy as np

    if peaks is None:
        peaks = oversampled_peaks(samples, rate_hz)
    need = np.minimum(1.0, ceiling / np.maximum(peaks, 1e-12))
    if need.min() >= 1.0:
        return need
    attack = max(1, rate_hz * ATTACK_MS // 1000)
    half = attack // 2
    held = _running_min(need, before=rate_hz * HOLD_MS // 1000 + half, after=attack - half)
    padded = np.concatenate([np.full(half, held[0]), held, np.full(attack, held[-1])])
    sums = np.concatenate([[0.0], np.cumsum(padded)])
    smoothed = (sums[attack:] - sums[:-attack]) / attack  # the moving average, window `attack`
    return np.minimum(smoothed[: len(samples)], 1.0)


def _fade(length: int, power: int = 3) -> np.ndarray:
    """0 -> 1 over `length` samples: a raised cosine; cubed (power 3), its first fifth stays under
    -60 dB, so a sound fading out with it decays for 5 ms under -60 dB instead of stopping."""
    import numpy as np

    ramp = 0.5 - 0.5 * np.cos(np.pi * (np.arange(length) + 0.5) / length)
    return ramp**power


def edges(samples: np.ndarray, rate_hz: int, shaping: Shaping) -> tuple[int, int] | None:
    """Where the kept sound starts and ends (end exclusive); None if the phrase is silent."""
    import numpy as np

    threshold = 10 ** (TRIM_DBFS / 20)
    loud = np.flatnonzero(np.abs(samples) > threshold)
    if not len(loud):
        return None
    nonzero = np.flatnonzero(np.abs(samples) >= 0.5 / 32768)
    start = max(int(nonzero[0]), int(loud[0]) - shaping.lead_ms * rate_hz // 1000)
    end = min(int(nonzero[-1]) + 1, int(loud[-1]) + 1 + shaping.tail_ms * rate_hz // 1000)
    return start, end


def shape(samples: np.ndarray, rate_hz: int, volume: float = 1.0, shaping: Shaping = Shaping()) -> np.ndarray:
    """One phrase as it should sound: trimmed to its sound, at the phrase loudness, true peak under
    the ceiling, faded in and out, then scaled by `volume` (which only lowers it)."""
    import numpy as np

    found = edges(samples, rate_hz, shaping)
    if found is None:
        return samples * volume
    start, end = found
    sound = samples[start:end]
    weighted = k_weighted(sound, rate_hz)
    measured = loudness(sound, rate_hz, weighted)
    # A phrase with no loudness to speak of (a hum under the gate) is not blown up into noise.
    gain_db = min(MAX_GAIN_DB, shaping.phrase_lufs - measured) if math.isfinite(measured) else 0.0
    ceiling = 10 ** (shaping.ceiling_dbtp / 20)
    peaks = oversampled_peaks(sound, rate_hz)  # scaled by the gain below, never measured again
    silent = sound == 0

    def envelope_for(gain_db: float) -> np.ndarray:
        gain = 10 ** (gain_db / 20)
        limited = gain * limiter_gain(sound * gain, rate_hz, ceiling, peaks * gain)
        return _faded(limited, rate_hz, shaping.fade_ms, shaping.onset_ms, silent=silent)

    envelope = envelope_for(gain_db)
    for _pass in range(4):  # limiting and fading lower the loudness a little: make it up, again
        # The envelope moves slowly next to most of the K-filter's response, so weighting nearly
        # commutes with it: the passes skip filtering again, one exact reading settles it below.
        shortfall = shaping.phrase_lufs - loudness(sound, rate_hz, weighted * envelope)
        if abs(shortfall) < 0.05:
            break
        gain_db = min(MAX_GAIN_DB, gain_db + shortfall)
        envelope = envelope_for(gain_db)
    shortfall = shaping.phrase_lufs - loudness(sound * envelope, rate_hz)
    if abs(shortfall) > 0.1:  # heavy limiting: the estimate was off by up to 0.3 LU
        envelope = envelope_for(min(MAX_GAIN_DB, gain_db + shortfall))
    return np.concatenate([np.zeros(shaping.pad_ms * rate_hz // 1000), sound * envelope * volume])


def _faded(sound: np.ndarray, rate_hz: int, fade_ms: int, onset_ms: int | None = None,
           silent: np.ndarray | None = None) -> np.ndarray:
    """Faded out at its end over fade_ms and in at its start over onset_ms (default: fade_ms), and
    so around every pause of digital silence inside it (`silent`: where the sound is digital
    silence, if not the sound's own zeros): engines stop words mid-waveform before a pause
    (eSpeak at most word ends, Piper between sentences), which is a click, and start again the
    same way. The fade in is a plain raised cosine: short, so the word's first consonant stays
    (a 25 ms fade in cost eSpeak 4 points of word error rate on the beginning program)."""
    import numpy as np

    fade = fade_ms * rate_hz // 1000
    onset = (fade_ms if onset_ms is None else onset_ms) * rate_hz // 1000
    silent = np.abs(sound) < 0.5 / 32768 if silent is None else silent
    silent = np.concatenate([[False], silent, [False]])
    changes = np.flatnonzero(np.diff(silent.astype(np.int8)))
    runs = [(start, end) for start, end in zip(changes[0::2], changes[1::2]) if end - start >= rate_hz * PAUSE_MS // 1000]
    stops = [start for start, _ in runs if start > 0] + [len(sound)]
    starts = [0] + [end for _, end in runs if end < len(sound)]
    gain = np.ones(len(sound))
    for begin, stop in zip(starts, stops):  # each stretch of sound between pauses
        rise, fall = min(onset, (stop - begin) // 2), min(fade, (stop - begin) // 2)
        if rise > 0:
            gain[begin : begin + rise] *= _fade(rise, power=1 if onset_ms is not None else 3)
        if fall > 0:
            gain[stop - fall : stop] *= _fade(fall)[::-1]
    return sound * gain


def shape_pcm(pcm: bytes, rate_hz: int, volume: float = 1.0, shaping: Shaping = Shaping()) -> bytes:
    """shape() on native-endian int16 PCM."""
    import numpy as np

    samples = np.frombuffer(pcm, dtype=np.int16).astype(np.float64) / 32768
    shaped = shape(samples, rate_hz, volume, shaping)
    return np.clip(np.round(shaped * 32768), -32768, 32767).astype(np.int16).tobytes()
