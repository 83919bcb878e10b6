"""Generate the cue sounds in audio_cues/ (deterministic: the same bytes on every run).

    python scripts/make_cues.py [OUTPUT_DIR]

Each cue is a short bell-like figure: a few partials under a shaped envelope (raised-cosine
attack, exponential decay, raised-cosine release to exact zero), so none of them clicks. They
are mono 16-bit at the speech sample rate, each exactly as long as the compiler's default cue
length, and pitched and shaped to be told apart from each other and from speech:

- hold-start: rising fifth (C5 to G5): "go"
- hold-end: falling fifth (G5 to C5): "let go"
- next-exercise: rising three-note chime (C5 E5 G5)
- session-end: a slow four-note arpeggio to the octave (C5 E5 G5 C6), ringing
- countdown-tick: a soft, short wood-block tick (not used by the compiler yet)
"""

from __future__ import annotations

import math
import struct
import sys
import wave
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # voicecoach, from a checkout

SAMPLE_RATE_HZ = 22050
# Loudness (LUFS): the chimes as loud as the speech around them (voicecoach.shape.PHRASE_LUFS
# less 1 LU: a pure tone carries further than a voice at the same loudness), the tick quieter.
CUE_LUFS = {"hold-start": -16.0, "hold-end": -16.0, "next-exercise": -16.0, "session-end": -17.0,
            "countdown-tick": -24.0}
C5, E5, G5, C6 = 523.25, 659.26, 783.99, 1046.50

CUE_MS = {"hold-start": 300, "hold-end": 300, "next-exercise": 500, "session-end": 1200, "countdown-tick": 60}
PARTIALS = ((1.0, 1.0), (2.0, 0.35), (3.0, 0.12), (4.2, 0.05))  # (multiple, amplitude): a soft bell


def note(frequency: float, start_s: float, length_s: float, decay_s: float, total: int) -> list[float]:
    out = [0.0] * total
    first = int(start_s * SAMPLE_RATE_HZ)
    count = min(total - first, int(length_s * SAMPLE_RATE_HZ))
    attack = int(0.004 * SAMPLE_RATE_HZ)
    release = int(0.012 * SAMPLE_RATE_HZ)
    for i in range(count):
        t = i / SAMPLE_RATE_HZ
        envelope = math.exp(-t / decay_s)
        if i < attack:
            envelope *= 0.5 - 0.5 * math.cos(math.pi * i / attack)
        if i >= count - release:
            envelope *= 0.5 - 0.5 * math.cos(math.pi * (count - i) / release)
        value = sum(amp * math.sin(2 * math.pi * frequency * mult * t) for mult, amp in PARTIALS)
        out[first + i] = envelope * value
    return out


def mix(total: int, *notes: list[float]) -> list[float]:
    return [sum(values) for values in zip(*notes)] if notes else [0.0] * total


def figure(name: str) -> list[float]:
    total = CUE_MS[name] * SAMPLE_RATE_HZ // 1000
    length = total / SAMPLE_RATE_HZ
    if name == "hold-start":
        return mix(total, note(C5, 0, 0.15, 0.08, total), note(G5, 0.15, length - 0.15, 0.09, total))
    if name == "hold-end":
        return mix(total, note(G5, 0, 0.15, 0.08, total), note(C5, 0.15, length - 0.15, 0.09, total))
    if name == "next-exercise":
        step = 0.12
        return mix(total, *(note(f, i * step, length - i * step, 0.12, total) for i, f in enumerate((C5, E5, G5))))
    if name == "session-end":
        step = 0.18
        return mix(total, *(note(f, i * step, length - i * step, 0.35, total) for i, f in enumerate((C5, E5, G5, C6))))
    if name == "countdown-tick":
        return note(1400.0, 0, length, 0.012, total)
    raise ValueError(name)


def to_pcm(name: str, samples: list[float]) -> bytes:
    """Scale to the cue's loudness (BS.1770, the meter the phrases are shaped with), peaks checked."""
    import numpy as np

    from voicecoach.shape import CEILING_DBTP, loudness, true_peak_dbtp

    values = np.array(samples)
    gain_db = CUE_LUFS[name] - loudness(values, SAMPLE_RATE_HZ)
    scaled = values * 10 ** (gain_db / 20)
    peak = true_peak_dbtp(scaled, SAMPLE_RATE_HZ)
    if peak > CEILING_DBTP:
        raise SystemExit(f"{name}: true peak {peak:.1f} dBTP at {CUE_LUFS[name]} LUFS; lower it")
    return b"".join(struct.pack("<h", round(s * 32768)) for s in scaled)


def main(out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in CUE_MS:
        with wave.open(str(out_dir / f"{name}.wav"), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(SAMPLE_RATE_HZ)
            out.writeframes(to_pcm(name, figure(name)))
        print(f"{out_dir / name}.wav")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "audio_cues")
