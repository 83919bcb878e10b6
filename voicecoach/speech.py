"""Speech: sound settings, the phrase cache, and each distinct phrase synthesized once.

The engines themselves live in voicecoach.engines. PCM everywhere is mono, native-endian signed
16-bit, at the engine's own sample rate.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from voicecoach.engines import SpeechEngine
from voicecoach.errors import EngineError, VoicecoachError, shown
from voicecoach.paths import cache_dir
from voicecoach.settings import check_volume
from voicecoach.shape import Shaping, shape_pcm


class CacheError(VoicecoachError):
    """The cache (its phrases or its decoded music) could not be cleared."""


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
        self._lock = threading.Lock()

    @staticmethod
    def key(identity: str, text: str) -> str:
        return hashlib.sha256(json.dumps([identity, text]).encode("utf-8")).hexdigest()

    def get(self, key: str) -> bytes | None:
        directory = self.directory  # once: another thread may turn the cache off meanwhile
        if directory is None:
            return None
        path = directory / f"{key}.pcm"
        try:
            blob = path.read_bytes()
        except OSError:
            return None
        header = len(_MAGIC) + 32
        if blob[: len(_MAGIC)] == _MAGIC and hashlib.sha256(blob[header:]).digest() == blob[len(_MAGIC) : header]:
            return blob[header:]
        with contextlib.suppress(OSError):
            path.unlink()
        return None

    def put(self, key: str, pcm: bytes) -> None:
        directory = self.directory
        if directory is None:
            return
        blob = _MAGIC + hashlib.sha256(pcm).digest() + pcm
        temporary = None
        try:
            directory.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(dir=directory, prefix=".", suffix=".part")
            with os.fdopen(handle, "wb") as out:
                out.write(blob)
            os.replace(temporary, directory / f"{key}.pcm")
        except OSError as error:
            if temporary is not None:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
            with self._lock:  # phrases are cached from several threads: one note, whichever fails first
                if not self.warned:
                    self.warned = True
                    print(f"Note: not caching speech in {directory}: {error.strerror or error}", file=sys.stderr)
                self.directory = None

    def has(self, key: str) -> bool:
        directory = self.directory
        return directory is not None and (directory / f"{key}.pcm").is_file()

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


def phrase_cache_dir() -> Path:
    """Where synthesized phrases are kept: phrases/ in the cache folder."""
    return cache_dir() / "phrases"


MEMORY_PHRASES = 16  # phrases kept in memory (about 1.5 MB); the rest are re-read from the disk cache


class Speech:
    """Each distinct phrase synthesized once per engine identity: from memory, the cache, or the engine.

    Memory holds the most recently used MEMORY_PHRASES phrases, so a long session with many
    distinct lines costs no more memory than a short one; the rest are re-read from the disk
    cache. Without a usable disk cache every phrase stays in memory (re-synthesis could change a
    phrase's length, and the script was compiled with the first one).

    Thread-safe: `prefetch` synthesizes on as many threads as the engine can use, and a phrase
    asked for while another thread is making it is waited for, never made twice.
    """

    def __init__(self, engine: SpeechEngine, cache: PhraseCache, volume: float = 1.0, shaping: Shaping = Shaping()):
        self.engine = engine
        self.cache = cache
        self.volume = check_volume(volume)
        self.shaping = shaping
        self._memory: OrderedDict[str, bytes] = OrderedDict()
        self._frames: dict[str, int] = {}  # every phrase's measured length, kept for good
        self._making: dict[str, threading.Event] = {}  # phrases a thread is making right now
        self._lock = threading.Lock()
        self.synthesized = 0
        self.from_cache = 0

    @property
    def sample_rate_hz(self) -> int:
        return self.engine.sample_rate_hz

    @property
    def identity(self) -> str:
        """The engine's identity and the shaping applied here: together they key the cache."""
        return json.dumps([self.engine.identity, self.shaping.identity(), round(self.volume, 3)])

    def frames(self, text: str) -> int:
        """The phrase's length in frames, measured once and then kept without its audio."""
        measured = self._frames.get(text)
        return measured if measured is not None else len(self.pcm(text)) // 2

    def ready(self, text: str) -> bool:
        """Whether the phrase can be had without the engine (measured, or in the disk cache)."""
        return text in self._frames or self.cache.has(PhraseCache.key(self.identity, text))

    def pcm(self, text: str) -> bytes:
        while True:
            with self._lock:
                found = self._memory.get(text)
                if found is not None:
                    self._memory.move_to_end(text)
                    return found
                making = self._making.get(text)
                if making is None:
                    self._making[text] = threading.Event()
                    break
            making.wait()  # another thread is making it: then it is in memory (or that thread failed)
        try:
            key = PhraseCache.key(self.identity, text)
            found = self.cache.get(key)
            if found is None:
                found = self._synthesize(text)
                self.cache.put(key, found)
                from_engine = True
            else:
                from_engine = False
            with self._lock:
                if from_engine:
                    self.synthesized += 1
                else:
                    self.from_cache += 1
                measured = self._frames.setdefault(text, len(found) // 2)
                if len(found) // 2 != measured:  # re-synthesized after the cache lost it: keep the measured length
                    found = found[: 2 * measured].ljust(2 * measured, b"\x00")
                self._memory[text] = found
                if self.cache.directory is not None and len(self._memory) > MEMORY_PHRASES:
                    self._memory.popitem(last=False)
            return found
        finally:
            with self._lock:
                self._making.pop(text).set()

    def prefetch(self, texts: Iterable[str], done: Callable[[str], None] | None = None,
                 stop: threading.Event | None = None) -> None:
        """Have every text measured and cached, started in the order given, on the engine's cores;
        `done(text)` is called as each one is ready. Once `stop` is set, nothing new is started."""
        missing = [text for text in dict.fromkeys(texts) if text not in self._frames]
        workers = min(getattr(self.engine, "concurrency", 1), len(missing))

        def fetch(text: str) -> None:
            if stop is not None and stop.is_set():
                return
            self.frames(text)
            if done is not None:
                done(text)

        if workers <= 1:
            for text in missing:
                fetch(text)
            return
        pool = ThreadPoolExecutor(workers, thread_name_prefix="voicecoach-speech")
        try:
            for future in [pool.submit(fetch, text) for text in missing]:
                future.result()
        finally:
            pool.shutdown(wait=True, cancel_futures=True)

    def _synthesize(self, text: str) -> bytes:
        """The engine's PCM for text, shaped (voicecoach.shape); whatever the engine raises becomes
        one plain EngineError."""
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
        return shape_pcm(pcm, self.sample_rate_hz, self.volume, self.shaping)
