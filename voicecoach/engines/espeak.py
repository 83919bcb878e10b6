"""eSpeak NG through pyttsx3: the engine that is always there (a Debian package, no model)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
import tempfile
import threading
import wave
import weakref

from voicecoach.engines import Voice, unknown_voice
from voicecoach.errors import EngineError, EngineMissing, shown

SAMPLE_RATE_HZ = 22050  # pyttsx3's espeak driver always writes 22050 Hz, whatever the voice
SYNTH_TIMEOUT_S = 30.0
INSTALL_ESPEAK = "sudo apt-get install espeak-ng"


# --rate is words a minute as heard. eSpeak's own setting runs about 13% faster than that over the
# built-in programs' lines, shaped as played (python scripts/calibrate_rate.py --engine espeak,
# espeak-ng 1.51): setting -> words a minute heard.
RATE_CALIBRATION = ((100, 114.1), (130, 148.0), (160, 181.2), (200, 225.2), (250, 280.0), (320, 360.6),
                    (400, 456.6))
ESPEAK_MIN_RATE, ESPEAK_MAX_RATE = 80, 450


def espeak_rate(rate_wpm: int) -> int:
    """eSpeak's rate setting that is heard as rate_wpm words a minute: RATE_CALIBRATION read
    backwards, linearly between its points and beyond its ends."""
    points = RATE_CALIBRATION
    for (low, low_heard), (high, high_heard) in zip(points, points[1:]):
        if rate_wpm <= high_heard or (high, high_heard) == points[-1]:
            setting = low + (rate_wpm - low_heard) * (high - low) / (high_heard - low_heard)
            return max(ESPEAK_MIN_RATE, min(ESPEAK_MAX_RATE, round(setting)))
    raise AssertionError("unreachable")


class EspeakEngine:
    """pyttsx3 (eSpeak NG on Linux), with its known pitfalls worked around.

    On Linux, each phrase goes straight to pyttsx3's own espeak driver: its settings applied, one
    save_to_file, synthesis started, and the finished-utterance callback awaited (it fires after
    the WAV is written, so the file is always complete). That skips runAndWait's polling loop,
    which measured here both slow (10.4 ms a phrase, against 3.0 ms) and unreliable: a rate
    changed between utterances through it was lost in 53 of 60 alternations (0 of 60 direct).

    Elsewhere, or if a pyttsx3 release lacks those driver methods, it uses the public API: one
    save_to_file per runAndWait, the callback awaited, and one voice/rate/volume per process
    (a second one is refused rather than spoken at the wrong rate). Either way pyttsx3's
    "Audio saved to ..." prints are kept off the user's stdout. pyttsx3.init() returns one
    engine per process, so all instances share it, under a lock; that is also why `concurrency`
    is 1: a second thread would only wait for the lock.
    """

    name = "espeak"
    preference = 10
    install_hint = INSTALL_ESPEAK
    concurrency = 1

    _lock = threading.Lock()
    _public_api_settings: tuple | None = None  # what the public-API path speaks with, once set

    def __init__(self, voice: str | None = None, rate_wpm: int = 160, volume: float = 1.0):
        self.voice = voice
        self.rate_wpm = rate_wpm
        self.engine_rate = espeak_rate(rate_wpm)  # eSpeak's own rate setting for what is asked
        self._version = _espeak_version()
        self.volume = volume
        self.sample_rate_hz = SAMPLE_RATE_HZ
        self._engine = None
        self._finished = threading.Event()
        self._tempdir: str | None = None

    @property
    def identity(self) -> str:
        return json.dumps(["pyttsx3", self._version, self.voice, self.engine_rate, round(self.volume, 3)])

    @classmethod
    def installed(cls) -> bool:
        """Always offered: pyttsx3 is one of voicecoach's own dependencies. If it or the eSpeak NG
        library is missing after all, the first use says exactly which, and how to mend it."""
        return True

    @classmethod
    def voices(cls) -> list[Voice]:
        return _voices_of(_pyttsx3_init())

    @classmethod
    def default_voice(cls) -> str:
        driver = _espeak_driver(_pyttsx3_init())
        return type(driver)._defaultVoice if driver is not None else "default"

    @property
    def voice_id(self) -> str:
        return self.voice if self.voice is not None else self.default_voice()

    def _start(self):
        if self._engine is not None:
            return self._engine
        engine = _pyttsx3_init()
        if self.voice is not None:
            ids = [v.id for v in _voices_of(engine)]
            if self.voice not in ids:
                raise unknown_voice(self.voice, ids, "eSpeak")
        engine.connect("finished-utterance", lambda name, completed: self._finished.set())
        self._engine = engine
        self._tempdir = tempfile.mkdtemp(prefix="voicecoach-")
        # Removed when this engine is collected or the process exits, not left behind in /tmp.
        weakref.finalize(self, shutil.rmtree, self._tempdir, True)
        return engine

    def check(self) -> str:
        """Doctor's self-check: speak one word; what was found, or EngineError."""
        seconds = len(self.synthesize("Ready.")) / 2 / self.sample_rate_hz
        return f"{len(_voices_of(self._start()))} voices; 'Ready.' is {seconds:.2f} s"

    def synthesize(self, text: str) -> bytes:
        with self._lock:  # starting too: two threads initializing eSpeak at once corrupt its memory
            engine = self._start()
            assert self._tempdir is not None
            path = os.path.join(self._tempdir, "phrase.wav")
            driver = _espeak_driver(engine)
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
            self._finished.clear()
            if driver is not None:
                self._speak_direct(driver, text, path)
            else:
                self._speak_public(engine, text, path)
            if not self._finished.wait(SYNTH_TIMEOUT_S):
                raise EngineError(f"the speech engine did not finish '{shown(text)}' within {SYNTH_TIMEOUT_S:g} s")
            try:
                with wave.open(path, "rb") as audio:
                    params = audio.getparams()
                    pcm = audio.readframes(params.nframes)
            except (OSError, EOFError, wave.Error) as error:
                raise EngineError(f"the speech engine wrote no usable audio for '{shown(text)}': {error}") from None
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
        if (params.nchannels, params.sampwidth, params.framerate) != (1, 2, SAMPLE_RATE_HZ):
            raise EngineError(f"the speech engine wrote {params.nchannels} channel(s), {8 * params.sampwidth}-bit, "
                              f"{params.framerate} Hz audio; voicecoach needs mono 16-bit {SAMPLE_RATE_HZ} Hz")
        if sys.byteorder == "big":  # WAV is little-endian; our PCM is native int16 for memoryview math
            pcm = _swap16(pcm)
        return pcm

    def _speak_direct(self, driver, text: str, path: str) -> None:
        voice = self.voice if self.voice is not None else type(driver)._defaultVoice
        try:
            driver.setProperty("voice", voice)
            driver.setProperty("rate", self.engine_rate)
            driver.setProperty("volume", self.volume)
        except ValueError as error:
            raise EngineError(f"the speech engine refused voice '{voice}': {error}") from None
        driver.save_to_file(text, path)
        driver._start_synthesis(text)

    def _speak_public(self, engine, text: str, path: str) -> None:
        settings = (self.voice, self.engine_rate, self.volume)
        if EspeakEngine._public_api_settings is None:
            EspeakEngine._public_api_settings = settings
        elif EspeakEngine._public_api_settings != settings:
            raise EngineError("pyttsx3 cannot reliably change voice, rate or volume within one process "
                              f"(this one speaks with {EspeakEngine._public_api_settings}, asked for {settings})")
        if self.voice is not None:
            engine.setProperty("voice", self.voice)
        engine.setProperty("rate", self.engine_rate)
        engine.setProperty("volume", self.volume)
        engine.save_to_file(text, path)
        engine.runAndWait()


def _espeak_driver(engine):
    """pyttsx3's espeak driver, if it has the methods the direct path uses (pyttsx3 2.99 does)."""
    driver = getattr(getattr(engine, "proxy", None), "_driver", None)
    needed = ("setProperty", "save_to_file", "_start_synthesis", "_defaultVoice")
    if driver is None or not all(hasattr(driver, name) for name in needed):
        return None
    return driver


def _swap16(pcm: bytes) -> bytes:
    data = bytearray(pcm)
    data[0::2], data[1::2] = pcm[1::2], pcm[0::2]
    return bytes(data)


def _pyttsx3_init():
    try:
        import pyttsx3
    except ImportError:
        raise EngineMissing("the pyttsx3 package is missing; reinstall voicecoach (bash scripts/setup.sh)") from None
    try:
        engine = pyttsx3.init()
    except (RuntimeError, OSError) as error:
        if "espeak" in str(error).lower() or sys.platform.startswith("linux"):
            raise EngineMissing(f"no speech engine: eSpeak NG is not installed; install it with: {INSTALL_ESPEAK}") from None
        raise EngineError(f"the speech engine could not start: {error}") from None
    _quiet_driver(engine)
    return engine


def _say_nothing(*args, **kwargs) -> None:
    """print for pyttsx3's espeak driver module."""


def _quiet_driver(engine) -> None:
    """pyttsx3's espeak driver prints "Audio saved to ..." from its callback thread for every phrase.
    Its module gets a print of its own that says nothing. (Swapping sys.stdout around synthesis, as
    before, swapped it for the whole process: whatever the main thread printed meanwhile, such as
    play's "Stopped at ... To go on" line, was lost while a phrase was being made in the background.)"""
    driver = getattr(getattr(engine, "proxy", None), "_driver", None)
    module = sys.modules.get(type(driver).__module__) if driver is not None else None
    if module is not None and module.__name__.startswith("pyttsx3."):
        module.print = _say_nothing


def _espeak_version() -> str | None:
    """The eSpeak library version, part of the cache identity: a new eSpeak may sound different."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        from pyttsx3.drivers import _espeak

        return str(_espeak.Info())
    except Exception:  # noqa: BLE001 - only a cache key; a missing library is reported on first use
        return None


def _voices_of(engine) -> list[Voice]:
    voices = []
    for voice in engine.getProperty("voices"):
        languages = []
        for language in getattr(voice, "languages", None) or []:
            if isinstance(language, bytes):  # eSpeak gives b"\x05en-us": a priority byte, then the code
                language = language[1:].decode("utf-8", "replace")
            languages.append(str(language))
        voices.append(Voice(id=str(voice.id), name=str(voice.name), languages=tuple(languages)))
    return sorted(voices, key=lambda v: v.id)
