"""Fake speech engines, registered through the same door as the real ones: an entry point of the
`voicecoach.engines` group, in a distribution made for the test (the `plug_engine` fixture)."""

from __future__ import annotations

import math
import sys
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
plugged = SimpleNamespace()  # what the test distribution's entry points name: tests.engines:plugged.NAME


class ToneEngine:
    """A fake engine: each phrase a soft tone whose length grows with the text, at any sample rate."""

    name = "tone"
    preference = 0  # never the default: a test asks for it with --engine
    install_hint = "nothing to install"
    concurrency = 2
    sample_rate_hz = 22050
    calls: list[str] = []

    def __init__(self, voice: str | None = None, rate_wpm: int = 160, volume: float = 1.0):
        self.voice_id = voice or "tone"
        self.volume = volume
        self.identity = f"tone-{self.sample_rate_hz}-{self.voice_id}-{rate_wpm}-{volume}"

    @classmethod
    def installed(cls) -> bool:
        return True

    @classmethod
    def voices(cls):
        from voicecoach.engines import Voice

        return [Voice("tone", "A tone", ("en",))]

    @classmethod
    def default_voice(cls) -> str:
        return "tone"

    def check(self) -> str:
        return "a tone"

    def synthesize(self, text: str) -> bytes:
        type(self).calls.append(text)
        frames = len(text) * self.sample_rate_hz // 40  # 25 ms a character
        amplitude = 8000 * self.volume
        return b"".join(round(amplitude * math.sin(2 * math.pi * 440 * i / self.sample_rate_hz)).to_bytes(
            2, sys.byteorder, signed=True) for i in range(frames))


def tone_engine(rate_hz: int) -> type[ToneEngine]:
    return type(f"Tone{rate_hz}", (ToneEngine,), {"sample_rate_hz": rate_hz, "calls": []})


def write_distribution(folder: Path, engines: dict[str, str]) -> None:
    """A minimal installed distribution in folder whose entry points register `engines` (name: value)."""
    info = folder / "voicecoach_test_engines-1.0.dist-info"
    info.mkdir(parents=True, exist_ok=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: voicecoach-test-engines\nVersion: 1.0\n")
    lines = "".join(f"{name} = {value}\n" for name, value in engines.items())
    (info / "entry_points.txt").write_text(f"[voicecoach.engines]\n{lines}")


Tone16000 = tone_engine(16000)
Tone24000 = tone_engine(24000)
