"""Speech: engines that turn text into PCM, a persistent phrase cache, and measured durations.

PCM everywhere is mono, signed 16-bit little-endian, at SAMPLE_RATE_HZ.
"""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import io
import json
import math
import os
import sys
import tempfile
import threading
import wave
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from voicecoach.errors import VoicecoachError, shown
from voicecoach.script import DEFAULT_RATE_WPM, OptionError

SAMPLE_RATE_HZ = 22050  # pyttsx3's espeak driver always writes 22050 Hz; cues are made to match
MIN_RATE_WPM = 80
MAX_RATE_WPM = 400
# Trimming: eSpeak pads every phrase (~13 ms before, ~350 ms after, measured); the script's own
# silences do the spacing, so keep only a short margin (frames at SAMPLE_RATE_HZ).
TRIM_THRESHOLD = 64  # |sample| at or below this counts as silence (-54 dBFS)
KEEP_LEAD_FRAMES = 110  # 5 ms
KEEP_TAIL_FRAMES = 1323  # 60 ms, so the last consonant decays naturally
SYNTH_TIMEOUT_S = 30.0
INSTALL_ESPEAK = "sudo apt-get install espeak-ng"


class EngineError(VoicecoachError):
    """The speech engine is missing, misconfigured or failed."""

    exit_code = 3


class EngineMissing(EngineError):
    """No speech engine is installed: `show` can still estimate, sound cannot be made."""


class UnknownVoice(EngineError):
    """--voice names no voice the engine has: a usage mistake."""

    exit_code = 2


class CacheError(VoicecoachError):
    """The phrase cache could not be cleared."""


@dataclass(frozen=True)
class Voice:
    id: str
    name: str
    languages: tuple[str, ...]


class SpeechEngine(Protocol):
    """Turns text into PCM. `identity` names everything that shapes the sound, for the cache."""

    identity: str
    sample_rate_hz: int

    def synthesize(self, text: str) -> bytes: ...


def check_rate(rate_wpm: int) -> int:
    if isinstance(rate_wpm, bool) or not isinstance(rate_wpm, int) or not MIN_RATE_WPM <= rate_wpm <= MAX_RATE_WPM:
        raise OptionError(f"rate must be a whole number of words per minute from {MIN_RATE_WPM} to "
                          f"{MAX_RATE_WPM}, not {rate_wpm!r}")
    return rate_wpm


def check_volume(volume: float) -> float:
    if isinstance(volume, bool) or not isinstance(volume, (int, float)) or not 0 <= volume <= 1:
        raise OptionError(f"volume must be a number from 0 to 1, not {volume!r}")
    return float(volume)


def trim(pcm: bytes) -> bytes:
    """Cut the engine's leading and trailing silence down to a short margin.

    Scans from each end only until the first loud sample (a few thousand samples at most), in
    plain Python: cheaper here than importing numpy, which would cost ~90 ms a cold run.
    """
    samples = memoryview(pcm).cast("h")
    count = len(samples)
    first = next((i for i in range(count) if abs(samples[i]) > TRIM_THRESHOLD), None)
    if first is None:  # silent (volume 0): keep the engine's own length
        return pcm
    last = next(i for i in range(count - 1, first - 1, -1) if abs(samples[i]) > TRIM_THRESHOLD)
    begin = max(0, first - KEEP_LEAD_FRAMES)
    end = min(count, last + 1 + KEEP_TAIL_FRAMES)
    return pcm[2 * begin : 2 * end]


class Pyttsx3Engine:
    """The default engine: pyttsx3 (eSpeak NG on Linux), with its known pitfalls worked around.

    On Linux, each phrase goes straight to pyttsx3's own espeak driver: its settings applied, one
    save_to_file, synthesis started, and the finished-utterance callback awaited (it fires after
    the WAV is written, so the file is always complete). That skips runAndWait's polling loop,
    which measured here both slow (10.4 ms a phrase, against 3.0 ms) and unreliable: a rate
    changed between utterances through it was lost in 53 of 60 alternations (0 of 60 direct).

    Elsewhere, or if a pyttsx3 release lacks those driver methods, it uses the public API: one
    save_to_file per runAndWait, the callback awaited, and one voice/rate/volume per process
    (a second one is refused rather than spoken at the wrong rate). Either way pyttsx3's
    "Audio saved to ..." prints are kept off the user's stdout. pyttsx3.init() returns one
    engine per process, so all instances share it, under a lock.
    """

    _lock = threading.Lock()
    _public_api_settings: tuple | None = None  # what the public-API path speaks with, once set

    def __init__(self, voice: str | None = None, rate_wpm: int = DEFAULT_RATE_WPM, volume: float = 1.0):
        self.voice = voice
        self.rate_wpm = check_rate(rate_wpm)
        self.volume = check_volume(volume)
        self.sample_rate_hz = SAMPLE_RATE_HZ
        self._engine = None
        self._finished = threading.Event()
        self._tempdir: str | None = None
        self.identity = json.dumps(["pyttsx3", _espeak_version(), voice, rate_wpm, round(volume, 3),
                                    TRIM_THRESHOLD, KEEP_LEAD_FRAMES, KEEP_TAIL_FRAMES])

    def _start(self):
        if self._engine is not None:
            return self._engine
        engine = _pyttsx3_init()
        if self.voice is not None:
            ids = [v.id for v in _voices_of(engine)]
            if self.voice not in ids:
                close = difflib.get_close_matches(self.voice, ids, n=1, cutoff=0.6)
                hint = f"did you mean '{close[0]}'? " if close else ""
                raise UnknownVoice(f"unknown voice '{shown(self.voice)}'; {hint}'voicecoach voices' lists them")
        engine.connect("finished-utterance", lambda name, completed: self._finished.set())
        self._engine = engine
        self._tempdir = tempfile.mkdtemp(prefix="voicecoach-")
        return engine

    def voices(self) -> list[Voice]:
        return _voices_of(self._start())

    def synthesize(self, text: str) -> bytes:
        engine = self._start()
        assert self._tempdir is not None
        path = os.path.join(self._tempdir, "phrase.wav")
        driver = _espeak_driver(engine)
        with self._lock:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(path)
            self._finished.clear()
            # The driver prints from its callback thread; the redirect covers it until finished.
            with contextlib.redirect_stdout(io.StringIO()):
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
        if (params.nchannels, params.sampwidth, params.framerate) != (1, 2, SAMPLE_RATE_HZ):
            raise EngineError(f"the speech engine wrote {params.nchannels} channel(s), {8 * params.sampwidth}-bit, "
                              f"{params.framerate} Hz audio; voicecoach needs mono 16-bit {SAMPLE_RATE_HZ} Hz")
        if sys.byteorder == "big":  # WAV is little-endian; our PCM is native int16 for memoryview math
            pcm = _swap16(pcm)
        return trim(pcm)

    def _speak_direct(self, driver, text: str, path: str) -> None:
        voice = self.voice if self.voice is not None else type(driver)._defaultVoice
        try:
            driver.setProperty("voice", voice)
            driver.setProperty("rate", self.rate_wpm)
            driver.setProperty("volume", self.volume)
        except ValueError as error:
            raise EngineError(f"the speech engine refused voice '{voice}': {error}") from None
        driver.save_to_file(text, path)
        driver._start_synthesis(text)

    def _speak_public(self, engine, text: str, path: str) -> None:
        settings = (self.voice, self.rate_wpm, self.volume)
        if Pyttsx3Engine._public_api_settings is None:
            Pyttsx3Engine._public_api_settings = settings
        elif Pyttsx3Engine._public_api_settings != settings:
            raise EngineError("pyttsx3 cannot reliably change voice, rate or volume within one process "
                              f"(this one speaks with {Pyttsx3Engine._public_api_settings}, asked for {settings})")
        if self.voice is not None:
            engine.setProperty("voice", self.voice)
        engine.setProperty("rate", self.rate_wpm)
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
        return pyttsx3.init()
    except (RuntimeError, OSError) as error:
        if "espeak" in str(error).lower() or sys.platform.startswith("linux"):
            raise EngineMissing(f"no speech engine: eSpeak NG is not installed; install it with: {INSTALL_ESPEAK}") from None
        raise EngineError(f"the speech engine could not start: {error}") from None


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


# --- the phrase cache -------------------------------------------------------------------------

_MAGIC = b"VCPHRASE1"


class PhraseCache:
    """Synthesized phrases on disk, one file each, written atomically and checked on read.

    A damaged entry is deleted and synthesized again; a directory that cannot be written turns the
    cache off for this run (the session still plays) and says so once on stderr.
    """

    def __init__(self, directory: Path | None):
        self.directory = directory
        self.warned = False

    @staticmethod
    def key(identity: str, text: str) -> str:
        return hashlib.sha256(json.dumps([identity, text]).encode("utf-8")).hexdigest()

    def _path(self, key: str) -> Path:
        assert self.directory is not None
        return self.directory / f"{key}.pcm"

    def get(self, key: str) -> bytes | None:
        if self.directory is None:
            return None
        try:
            blob = self._path(key).read_bytes()
        except OSError:
            return None
        header = len(_MAGIC) + 32
        if blob[: len(_MAGIC)] == _MAGIC and hashlib.sha256(blob[header:]).digest() == blob[len(_MAGIC) : header]:
            return blob[header:]
        with contextlib.suppress(OSError):
            self._path(key).unlink()
        return None

    def put(self, key: str, pcm: bytes) -> None:
        if self.directory is None:
            return
        blob = _MAGIC + hashlib.sha256(pcm).digest() + pcm
        temporary = None
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=self.directory, prefix=".", suffix=".part")
            with os.fdopen(handle, "wb") as out:
                out.write(blob)
            os.replace(temporary, self._path(key))
        except OSError as error:
            if temporary is not None:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
            if not self.warned:
                self.warned = True
                print(f"Note: not caching speech in {self.directory}: {error.strerror or error}", file=sys.stderr)
            self.directory = None

    def entries(self) -> list[Path]:
        if self.directory is None or not self.directory.is_dir():
            return []
        return sorted(self.directory.glob("*.pcm"))

    def size_bytes(self) -> int:
        return sum(path.stat().st_size for path in self.entries())

    def clear(self) -> int:
        removed = 0
        for path in self.entries():
            try:
                path.unlink(missing_ok=True)  # another process may have cleared it first
            except OSError as error:
                raise CacheError(f"removed {removed} cached phrases, then could not remove {path.name} from "
                                 f"{self.directory}: {error.strerror or error}") from None
            removed += 1
        return removed


def default_cache_dir() -> Path:
    """$VOICECOACH_CACHE_DIR, else the platform's user cache directory."""
    override = os.environ.get("VOICECOACH_CACHE_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_cache_dir("voicecoach", appauthor=False)) / "phrases"


MEMORY_PHRASES = 16  # phrases kept in memory (about 1.5 MB); the rest are re-read from the disk cache


class Speech:
    """Each distinct phrase synthesized once per engine identity: from memory, the cache, or the engine.

    Memory holds the most recently used MEMORY_PHRASES phrases, so a long session with many
    distinct lines costs no more memory than a short one; the rest are re-read from the disk
    cache. Without a usable disk cache every phrase stays in memory (re-synthesis could change a
    phrase's length, and the script was compiled with the first one).
    """

    def __init__(self, engine: SpeechEngine, cache: PhraseCache):
        self.engine = engine
        self.cache = cache
        self._memory: OrderedDict[str, bytes] = OrderedDict()
        self._frames: dict[str, int] = {}  # every phrase's measured length, kept for good
        self.synthesized = 0
        self.from_cache = 0

    @property
    def sample_rate_hz(self) -> int:
        return self.engine.sample_rate_hz

    def frames(self, text: str) -> int:
        """The phrase's length in frames, measured once and then kept without its audio."""
        measured = self._frames.get(text)
        return measured if measured is not None else len(self.pcm(text)) // 2

    def pcm(self, text: str) -> bytes:
        found = self._memory.get(text)
        if found is not None:
            self._memory.move_to_end(text)
            return found
        key = PhraseCache.key(self.engine.identity, text)
        found = self.cache.get(key)
        if found is None:
            found = self._synthesize(text)
            self.synthesized += 1
            self.cache.put(key, found)
        else:
            self.from_cache += 1
        measured = self._frames.setdefault(text, len(found) // 2)
        if len(found) // 2 != measured:  # re-synthesized after the cache lost it: keep the measured length
            found = found[: 2 * measured].ljust(2 * measured, b"\x00")
        self._memory[text] = found
        if self.cache.directory is not None and len(self._memory) > MEMORY_PHRASES:
            self._memory.popitem(last=False)
        return found

    def _synthesize(self, text: str) -> bytes:
        """The engine's PCM for text; whatever the engine raises becomes one plain EngineError."""
        try:
            pcm = self.engine.synthesize(text)
        except VoicecoachError:
            raise
        except Exception as error:  # noqa: BLE001 - a third-party engine may fail in any way; say which line
            detail = shown(str(error), limit=120) or "no reason given"
            raise EngineError(f"the speech engine failed while saying '{shown(text)}' "
                              f"({type(error).__name__}: {detail})") from None
        if not isinstance(pcm, bytes) or len(pcm) % 2:
            raise EngineError(f"the speech engine returned no usable audio for '{shown(text)}'")
        return pcm


def ms_for_frames(frames: int, sample_rate_hz: int) -> int:
    """The whole milliseconds a sound of `frames` needs on the timeline (rounded up)."""
    return math.ceil(frames * 1000 / sample_rate_hz)
