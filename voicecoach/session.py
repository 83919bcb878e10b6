"""A session ready to sound: the script compiled with measured durations, and what renders it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from voicecoach.cues import load_cues
from voicecoach.program import Program
from voicecoach.render import MeasuredDurations, render_pcm, total_frames
from voicecoach.script import DEFAULT_RATE_WPM, Options, Script, compile_script
from voicecoach.speech import PhraseCache, Pyttsx3Engine, Speech, SpeechEngine, default_cache_dir


@dataclass(frozen=True)
class Session:
    script: Script
    speech: Speech
    cues: dict[str, bytes]

    @property
    def sample_rate_hz(self) -> int:
        return self.speech.sample_rate_hz

    @property
    def frames(self) -> int:
        return total_frames(self.script, self.sample_rate_hz)

    def pieces(self, start_ms: int = 0) -> Iterator[bytes]:
        return render_pcm(self.script, self.speech.pcm, self.cues, self.sample_rate_hz, start_ms)


def make_speech(voice: str | None = None, rate_wpm: int = DEFAULT_RATE_WPM, volume: float = 1.0,
                cache_dir: Path | None = None, engine: SpeechEngine | None = None) -> Speech:
    engine = engine if engine is not None else Pyttsx3Engine(voice=voice, rate_wpm=rate_wpm, volume=volume)
    return Speech(engine, PhraseCache(cache_dir if cache_dir is not None else default_cache_dir()))


def prepare_session(program: Program, options: Options, speech: Speech, volume: float = 1.0) -> Session:
    """Compile with every phrase's real length (synthesizing what the cache lacks)."""
    cues = load_cues(speech.sample_rate_hz, volume)
    durations = MeasuredDurations(speech.frames, cues, speech.sample_rate_hz)
    return Session(script=compile_script(program, options, durations), speech=speech, cues=cues)
