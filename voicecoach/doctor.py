"""`voicecoach doctor`: checks what a session needs, and the command that fixes each problem."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from voicecoach.cues import load_cues
from voicecoach.errors import VoicecoachError
from voicecoach.speech import SAMPLE_RATE_HZ, Pyttsx3Engine, default_cache_dir


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str | None = None
    needed_to_play: bool = True


def check_speech(engine_factory: Callable[[], Pyttsx3Engine] = Pyttsx3Engine) -> Check:
    try:
        engine = engine_factory()
        voices = engine.voices()
        audio = engine.synthesize("Ready.")
    except VoicecoachError as error:
        return Check("speech engine", False, str(error), "sudo apt-get install espeak-ng")
    seconds = len(audio) / 2 / SAMPLE_RATE_HZ
    return Check("speech engine", True, f"pyttsx3 with {len(voices)} voices; 'Ready.' is {seconds:.2f} s")


def check_output(output_factory: Callable[[], object] | None = None) -> Check:
    from voicecoach.player import DeviceError, SimpleaudioOut

    try:
        output = (output_factory or SimpleaudioOut)()
        playback = output.play(bytes(2 * (SAMPLE_RATE_HZ // 100)), SAMPLE_RATE_HZ)  # 10 ms of silence
        playback.stop()
    except DeviceError as error:
        return Check("audio output", False, str(error).split(";")[0], error.fix)
    return Check("audio output", True, "the default ALSA device opened")


def check_cache(directory: Path | None = None) -> Check:
    directory = directory or default_cache_dir()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".doctor-"):
            pass
    except OSError as error:
        return Check("speech cache", False, f"{directory}: {error.strerror or error}",
                     f"make it writable (chmod u+w {directory}) or set VOICECOACH_CACHE_DIR to a writable folder; "
                     "sessions still play without it", needed_to_play=False)
    count = sum(1 for _ in directory.glob("*.pcm"))
    return Check("speech cache", True, f"{directory} is writable ({count} phrases)", needed_to_play=False)


def check_cues() -> Check:
    try:
        cues = load_cues(SAMPLE_RATE_HZ)
    except VoicecoachError as error:
        return Check("cue sounds", False, str(error), "reinstall voicecoach: bash scripts/setup.sh")
    return Check("cue sounds", True, f"{len(cues)} cues in the installed package")


def run_checks() -> list[Check]:
    return [check_speech(), check_output(), check_cache(), check_cues()]


def can_play(checks: list[Check]) -> bool:
    return all(check.ok for check in checks if check.needed_to_play)


def env_note() -> str | None:
    config = os.environ.get("ALSA_CONFIG_PATH")
    return f"ALSA_CONFIG_PATH is set to {config}" if config else None
