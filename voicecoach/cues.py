"""The cue sounds, loaded from the installed package (voicecoach.audio_cues, made by scripts/make_cues.py)."""

from __future__ import annotations

import array
import sys
import wave
from importlib import resources

from voicecoach.errors import VoicecoachError

CUE_NAMES = ("hold-start", "hold-end", "next-exercise", "session-end", "countdown-tick")
CUE_RATE_HZ = 22050  # the rate scripts/make_cues.py writes them at; other rates are resampled


class CueError(VoicecoachError):
    """A cue sound is missing or unreadable: the installation is broken."""

    exit_code = 3


def load_cues(sample_rate_hz: int, volume: float = 1.0) -> dict[str, bytes]:
    """Every cue as PCM (mono, native int16) at the engine's rate, scaled by volume like the speech."""
    cues = {}
    folder = resources.files("voicecoach.audio_cues")
    for name in CUE_NAMES:
        try:
            with folder.joinpath(f"{name}.wav").open("rb") as handle, wave.open(handle, "rb") as audio:
                params = audio.getparams()
                pcm = audio.readframes(params.nframes)
        except (OSError, EOFError, wave.Error) as error:
            raise CueError(f"the cue sound {name}.wav is missing or damaged ({error}); reinstall voicecoach") from None
        if (params.nchannels, params.sampwidth, params.framerate) != (1, 2, CUE_RATE_HZ):
            raise CueError(f"the cue sound {name}.wav is not mono 16-bit {CUE_RATE_HZ} Hz; reinstall voicecoach")
        samples = array.array("h", pcm)
        if sys.byteorder == "big":
            samples.byteswap()
        if sample_rate_hz != CUE_RATE_HZ:
            samples = _resample(samples, sample_rate_hz)
        if volume != 1.0:
            samples = array.array("h", (round(s * volume) for s in samples))
        cues[name] = samples.tobytes()
    return cues


def _resample(samples: array.array, sample_rate_hz: int) -> array.array:
    """A cue at another rate, through libsoxr's very-high-quality converter (the cues' partials
    reach 4.4 kHz, under the Nyquist frequency of every rate an engine uses)."""
    import numpy as np
    import soxr

    converted = soxr.resample(np.asarray(samples, dtype=np.float32), CUE_RATE_HZ, sample_rate_hz, quality="VHQ")
    return array.array("h", np.clip(np.round(converted), -32768, 32767).astype(np.int16).tobytes())
