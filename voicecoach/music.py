"""Background music that makes way for every word.

The music (a file, or a folder's files in name order) is decoded once, in pieces, mixed to mono
and resampled to the session's rate into a file in the cache (where the cache's disk is full or
read-only: a temporary file, or memory for up to ten minutes), and measured there (BS.1770). A
session reads it back in pieces at any frame, looped with a crossfade, brought to a level under
the speech, and lowered around every line and cue: the script says when each one comes, so the
music goes down before the word, not after it. Every sample of the mix is a function of its frame
in the session alone, so play (which mixes a few seconds ahead of the listener) and export (piece
by piece) give the same samples, and memory stays flat however long the session or the music.
"""

from __future__ import annotations

import bisect
import contextlib
import hashlib
import json
import math
import os
import stat
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from voicecoach.errors import VoicecoachError, shown
from voicecoach.files import kind_of
from voicecoach.paths import cache_dir
from voicecoach.quiet import quiet_stderr
from voicecoach.script import CUE_HOLD_END, CUE_HOLD_START, Script
from voicecoach.settings import DEFAULT_MUSIC_LEVEL_DB as DEFAULT_LEVEL_DB

EXTENSIONS = (".mp3", ".flac", ".ogg", ".oga", ".opus", ".wav")  # what libsndfile (soundfile's wheel) reads
DUCK_DB = 12.0  # lowered by this much more around every line and cue
DUCK_LEAD_MS = 150  # fully lowered when a line starts: the ramp down begins this long before it
DUCK_TAIL_MS = 300  # stays lowered this long after a line ends
RISE_MS = 400  # then comes back up over this long
MIN_RAISED_MS = 1000  # a gap shorter than this between two lowerings stays lowered: no pumping
FADE_IN_MS = 3000  # at the start of the session
FADE_OUT_MS = 4000  # at its end
START_FADE_MS = 60  # where play starts mid-session (a skip, a resume): no click
LOOP_CROSSFADE_MS = 2000  # the music's end into its start again
MIN_MUSIC_MS = 1000
# Peaks: the speech is limited to -1.5 dBTP; the music under it must add at most 0.5 dB, so its
# lowered peaks stay under this (sample peak, with a margin for the reader's oversampling). Alone,
# between lines, it stays well under the ceiling too.
MAX_LOWERED_PEAK_DBFS = -28.0
MAX_PEAK_DBFS = -6.0
DECODE_BLOCK_FRAMES = 65536
# Where no disk has room for the decoded music, up to this much of it is kept in memory instead
# (float32: 53 MB for 10 minutes at 22050 Hz); longer music is one line.
MAX_MEMORY_MUSIC_S = 600
READ_CHUNK_FRAMES = 60 * 22050  # how much of the decoded music is measured at a time
FORMAT_VERSION = 1  # of the decoded file in the cache


class MusicError(VoicecoachError):
    """A music file or folder that cannot be used: one line naming it and the problem."""

    exit_code = 2


def _p(path: Path) -> str:
    return shown(str(path), limit=300)


def music_files(spec: str | Path) -> list[Path]:
    """The music files spec names: the file, or a folder's music files in name order."""
    path = Path(spec).expanduser()
    if not path.exists():
        raise MusicError(f"{_p(path)}: there is no such music file or folder")
    if path.is_dir():
        files = sorted((child for child in path.iterdir() if child.suffix.lower() in EXTENSIONS and child.is_file()),
                       key=lambda child: child.name.casefold())
        if not files:
            raise MusicError(f"{_p(path)}: the folder has no music files ({', '.join(EXTENSIONS)})")
        return files
    mode = path.stat().st_mode
    if not stat.S_ISREG(mode):  # a named pipe would block the decoder forever, waiting for a writer
        raise MusicError(f"{_p(path)}: this is {kind_of(mode)}, not a music file")
    return [path]


@dataclass
class Music:
    """The decoded music: mono float32 at the session's rate, `frames` long, with its loudness
    (LUFS) and sample peak, and the gain and lowering a session uses it with. It lives in `path`
    (the cache), or, where the cache had no room, in a temporary file already deleted (`_handle`
    keeps it until close) or in memory (`_samples`)."""

    path: Path | None
    frames: int
    sample_rate_hz: int
    lufs: float
    peak: float  # sample peak, linear
    gain: float = 1.0
    lowered: float = 10 ** (-DUCK_DB / 20)  # the further gain around lines and cues
    _handle: object = field(default=None, repr=False)
    _samples: object = field(default=None, repr=False)
    note: str | None = field(default=None, repr=False)  # where it was decoded, when not in the cache

    def level(self, speech_lufs: float, level_db: float = DEFAULT_LEVEL_DB, duck_db: float = DUCK_DB) -> Music:
        """Set the gain that puts the music level_db under speech_lufs, and the lowering around
        words: duck_db, or more where the music's peaks would otherwise add to the speech's."""
        gain_db = speech_lufs + level_db - self.lufs
        peak_db = 20 * math.log10(self.peak) if self.peak > 0 else -math.inf
        gain_db = min(gain_db, MAX_PEAK_DBFS - peak_db)
        duck_db = max(duck_db, peak_db + gain_db - MAX_LOWERED_PEAK_DBFS)
        self.gain, self.lowered = 10 ** (gain_db / 20), 10 ** (-duck_db / 20)
        return self

    @property
    def _crossfade(self) -> int:
        return min(self.sample_rate_hz * LOOP_CROSSFADE_MS // 1000, self.frames // 4)

    def _read(self, start: int, count: int):
        import numpy as np

        if self._samples is not None:
            return self._samples[start : start + count]
        if self._handle is None:
            self._handle = open(self.path, "rb")  # noqa: SIM115 - kept open for the session, closed by close()
        handle = self._handle
        handle.seek(start * 4)
        return np.frombuffer(handle.read(count * 4), dtype="<f4").astype(np.float32)

    def looped(self, start: int, count: int):
        """The music from session frame `start`, `count` frames: the track again and again, each
        time into the next with an equal-power crossfade of LOOP_CROSSFADE_MS."""
        import numpy as np

        out = np.empty(count, dtype=np.float32)
        fade = self._crossfade
        period = self.frames - fade
        done = 0
        while done < count:
            at = start + done
            loop, offset = divmod(at, period)
            if loop > 0 and offset < fade:  # the previous time's end fading into this start
                length = min(fade - offset, count - done)
                angle = (np.arange(offset, offset + length) + 0.5) / fade * (np.pi / 2)
                head = self._read(offset, length)
                tail = self._read(period + offset, length)
                out[done : done + length] = head * np.sin(angle) + tail * np.cos(angle)
            else:  # the track itself, up to where its end starts fading into its start again
                length = min(period - offset, count - done)
                out[done : done + length] = self._read(offset, length)
            done += length
        return out

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None


# --- decoding ---------------------------------------------------------------------------------


def _digest(files: list[Path], sample_rate_hz: int) -> str:
    hasher = hashlib.sha256(f"voicecoach-music {FORMAT_VERSION} {sample_rate_hz}".encode())
    for path in files:
        info = path.stat()
        hasher.update(f"\0{path.resolve()}\0{info.st_size}\0{info.st_mtime_ns}".encode())
    return hasher.hexdigest()[:32]


def music_bed(settings, speech) -> tuple[MusicBed | None, str | None]:
    """The music under a session (settings.music), brought to its level under this speech's
    loudness (settings.music_level_db below it); and a note when it could not be cached. None
    without music."""
    if settings.music is None:
        return None, None
    from voicecoach.shape import SESSION_LUFS

    music = load_music(settings.music, speech.sample_rate_hz)
    speech_lufs = SESSION_LUFS + (20 * math.log10(speech.volume) if speech.volume > 0 else -60.0)
    return MusicBed(music.level(speech_lufs, settings.music_level_db), speech.sample_rate_hz), music.note


def music_cache_dir() -> Path:
    """Where decoded music is kept: music/ in the cache folder."""
    return cache_dir() / "music"


def decoded_entries(directory: Path | None = None) -> list[Path]:
    """Every file of decoded music kept in directory: the samples (.f32) and their facts (.json)."""
    directory = directory or music_cache_dir()
    if not directory.is_dir():
        return []
    return sorted(path for pattern in ("*.f32", "*.json") for path in directory.glob(pattern))


def clear_decoded(directory: Path | None = None) -> int:
    """Delete the decoded music kept in directory; how many pieces of music (.f32 files) went, or
    CacheError naming the file that could not be removed."""
    from voicecoach.speech import CacheError

    directory = directory or music_cache_dir()
    removed = 0
    for path in decoded_entries(directory):
        try:
            path.unlink(missing_ok=True)  # another process may have cleared it first
        except OSError as error:
            raise CacheError(f"removed {removed} decoded music files, then could not remove {path.name} from "
                             f"{directory}: {error.strerror or error}") from None
        removed += path.suffix == ".f32"
    return removed


def load_music(spec: str | Path, sample_rate_hz: int, cache_dir: Path | None = None) -> Music:
    """The music spec names, decoded at sample_rate_hz (from the cache when it was decoded before),
    or a MusicError naming the file and what is wrong with it. Where the cache cannot keep it (a
    full or read-only disk), the music is decoded for this process only and `note` says so."""
    files = music_files(spec)
    for path in files:
        if not os.access(path, os.R_OK):
            raise MusicError(f"{_p(path)}: cannot read the music file: permission denied")
    cache_dir = cache_dir or music_cache_dir()
    digest = _digest(files, sample_rate_hz)
    decoded, facts = cache_dir / f"{digest}.f32", cache_dir / f"{digest}.json"
    with contextlib.suppress(OSError, ValueError, KeyError):
        known = json.loads(facts.read_text(encoding="utf-8"))
        if decoded.stat().st_size == known["frames"] * 4:
            return Music(decoded, known["frames"], sample_rate_hz, known["lufs"], known["peak"])
    destination = _Destination(cache_dir, sample_rate_hz, _p(Path(spec)))
    try:
        frames, peak = _decode(files, sample_rate_hz, destination.write)
        if frames < sample_rate_hz * MIN_MUSIC_MS // 1000:
            what = "has no sound" if frames == 0 else f"is too short ({frames / sample_rate_hz:.1f} s)"
            raise MusicError(f"{_p(Path(spec))}: the music {what}; it needs at least {MIN_MUSIC_MS // 1000} second")
        lufs = _measure(destination.read, frames, sample_rate_hz)
        if not math.isfinite(lufs):
            raise MusicError(f"{_p(Path(spec))}: the music is silent")
        return destination.keep(decoded, facts, Music(None, frames, sample_rate_hz, lufs, peak))
    finally:
        destination.discard()


class NoRoomForMusic(MusicError):
    """No disk had room for the decoded music, and it is too long to keep in memory."""

    exit_code = 1  # nothing wrong with the command: it could not be done here


class _Destination:
    """Where decoding writes: a temporary file in the cache, renamed into place at the end; else a
    temporary file elsewhere ($TMPDIR), deleted at once and kept open for this process, so nothing
    is left behind however the process ends; else memory, for music up to MAX_MEMORY_MUSIC_S.
    A disk that refuses or fills midway (ENOSPC, EROFS, a quota) moves what was written so far
    to the next place: nothing is decoded twice."""

    def __init__(self, cache_dir: Path, sample_rate_hz: int, label: str):
        self.cache_dir = cache_dir
        self.label = label
        self.limit_bytes = MAX_MEMORY_MUSIC_S * sample_rate_hz * 4
        self.place = "cache"
        self.folder = cache_dir  # where this place is, for the note or the error
        self.fd: int | None = None
        self.path: str | None = None  # the cache's temporary file, until it is renamed
        self.memory: bytearray | None = None
        self.size = 0  # bytes written so far, wherever they are
        self.refused: list[str] = []  # each place that failed and why, for the note or the error
        try:
            cache_dir.mkdir(parents=True, exist_ok=True)
            self.fd, self.path = tempfile.mkstemp(dir=cache_dir, prefix=".", suffix=".part")
        except OSError as error:
            self._move_on(error)

    @property
    def note(self) -> str | None:
        if not self.refused:
            return None
        where = "a temporary file" if self.place == "temporary" else "memory"
        return f"not caching the decoded music in {self.refused[0]}; it is kept in {where} for this session"

    def write(self, data: bytes) -> None:
        view = memoryview(data)
        while len(view):
            if self.memory is not None:
                if self.size + len(view) > self.limit_bytes:
                    raise self._no_room()
                self.memory += view
                self.size += len(view)
                return
            try:
                written = os.write(self.fd, view)
            except OSError as error:
                self._move_on(error)
                continue
            view = view[written:]
            self.size += written

    def _move_on(self, error: OSError) -> None:
        """This place failed with error: carry what was written here to the next place that takes it."""
        self.refused.append(f"{self.folder}: {error.strerror or error}")
        old_fd, old_path = self.fd, self.path
        if self.place == "cache":
            fd, folder = None, None
            try:
                # $TMPDIR, /tmp, /var/tmp, /usr/tmp or the current folder: the first where a few bytes
                # can be written; none at all (the one disk full) is FileNotFoundError
                folder = tempfile.gettempdir()
                fd, name = tempfile.mkstemp(dir=folder, prefix="voicecoach-music-", suffix=".f32")
                os.unlink(name)  # gone from the folder at once; the open descriptor keeps the data
                _copy(old_fd, fd, self.size)
            except OSError as next_error:
                if fd is not None:
                    os.close(fd)
                self.refused.append(f"{folder}: {next_error.strerror or next_error}" if folder is not None
                                    else "no temporary folder can be written")
            else:
                self._forget(old_fd, old_path)
                self.place, self.fd, self.folder = "temporary", fd, Path(folder)
                return
        if self.size > self.limit_bytes:
            raise self._no_room()
        self.memory = bytearray(_read_all(old_fd, self.size))
        self._forget(old_fd, old_path)
        self.place, self.fd = "memory", None

    def _no_room(self) -> NoRoomForMusic:
        return NoRoomForMusic(f"{self.label}: no room to decode the music ({'; '.join(self.refused)}) and it is too "
                              f"long to keep in memory (over {MAX_MEMORY_MUSIC_S // 60} minutes); free some space, "
                              "or set VOICECOACH_CACHE_DIR to a folder on a disk with room")

    def _forget(self, fd: int | None, path: str | None) -> None:
        if fd is not None:
            os.close(fd)
        if path is not None:
            _remove(path)
        self.path = None

    def read(self, start: int, count: int):
        """count float32 samples from sample start, wherever they are (to measure them)."""
        import numpy as np

        if self.memory is not None:
            return np.frombuffer(self.memory, dtype="<f4", count=count, offset=start * 4)
        return np.frombuffer(os.pread(self.fd, count * 4, start * 4), dtype="<f4")

    def keep(self, decoded: Path, facts: Path, music: Music) -> Music:
        """The music, read from where it was decoded: the cache (now under its name), the open
        temporary file, or memory."""
        import numpy as np

        if self.place == "cache":
            try:
                os.replace(self.path, decoded)
            except OSError as error:  # the cache turned read-only meanwhile: keep the open file for now
                _remove(self.path)
                self.path = None
                self.refused.append(f"{self.cache_dir}: {error.strerror or error}")
                self.place = "temporary"
            else:
                self.path = None
                _write_facts(facts, {"frames": music.frames, "lufs": music.lufs, "peak": music.peak})
                self._forget(self.fd, None)
                self.fd = None
                music.path = decoded
                return music
        if self.place == "temporary":
            music._handle = os.fdopen(self.fd, "rb")
            self.fd = None
        else:
            music._samples = np.frombuffer(self.memory, dtype="<f4")
            self.memory = None
        music.note = self.note
        return music

    def discard(self) -> None:
        """Whatever was not kept: the cache's temporary file, an open descriptor."""
        self._forget(self.fd, self.path)
        self.fd = None


def _copy(source: int | None, target: int, size: int) -> None:
    """The first size bytes of source, written to target (a full disk raises OSError)."""
    done = 0
    while done < size:
        chunk = os.pread(source, min(1 << 20, size - done), done)
        view = memoryview(chunk)
        while len(view):
            view = view[os.write(target, view):]
        done += len(chunk)


def _read_all(fd: int | None, size: int) -> bytes:
    return os.pread(fd, size, 0) if fd is not None and size else b""


def _write_facts(facts: Path, known: dict) -> None:
    """The decoded music's facts beside it, atomically; without them it is decoded again next time."""
    temporary = None
    try:
        handle, temporary = tempfile.mkstemp(dir=facts.parent, prefix=".", suffix=".part")
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(known, out)
        os.replace(temporary, facts)
    except OSError:
        if temporary is not None:
            _remove(temporary)


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def _decode(files: list[Path], sample_rate_hz: int, write: Callable[[bytes], None]) -> tuple[int, float]:
    """Decode each file in blocks, mix it to mono, resample it and hand it to `write` as float32;
    (frames written, sample peak)."""
    frames, peak = 0, 0.0
    for path in files:
        if path.stat().st_size == 0:
            raise MusicError(f"{_p(path)}: the music file is empty")
        # libmpg123 prints its complaints about a file (Illegal Audio-MPEG-Header, resync,
        # wetwork()) on descriptor 2; each failure comes back as an error code, said in one line.
        with quiet_stderr():
            found_frames, found_peak = _decode_one(path, sample_rate_hz, write)
        frames, peak = frames + found_frames, max(peak, found_peak)
    return frames, peak


def _decode_one(path: Path, sample_rate_hz: int, write: Callable[[bytes], None]) -> tuple[int, float]:
    import numpy as np
    import soundfile
    import soxr

    frames, peak = 0, 0.0
    try:
        source = soundfile.SoundFile(str(path))
    except (soundfile.LibsndfileError, RuntimeError, TypeError) as error:
        raise MusicError(f"{_p(path)}: not a music file voicecoach can read ({_reason(error)}); "
                         f"use {', '.join(EXTENSIONS)}") from None
    with source:
        stream = soxr.ResampleStream(source.samplerate, sample_rate_hz, 1, dtype="float32", quality="HQ") \
            if source.samplerate != sample_rate_hz else None
        try:
            while True:
                block = source.read(DECODE_BLOCK_FRAMES, dtype="float32", always_2d=True)
                last = len(block) < DECODE_BLOCK_FRAMES
                mono = block.mean(axis=1, dtype=np.float32) if block.shape[1] > 1 else block[:, 0]
                if stream is not None:
                    mono = stream.resample_chunk(mono, last=last)
                mono = np.ascontiguousarray(mono, dtype="<f4")
                if len(mono):
                    peak = max(peak, float(np.abs(mono).max()))
                    write(mono.tobytes())
                    frames += len(mono)
                if last:
                    break
        except (soundfile.LibsndfileError, RuntimeError) as error:
            raise MusicError(f"{_p(path)}: the music file is damaged ({_reason(error)})") from None
    return frames, peak


# libsndfile's SFE_BAD_FILE, "File does not exist or is not a regular file (possibly a pipe?)": what
# its MPEG reader answers for a .mp3 that holds no MPEG audio, though the file exists and is regular
# (music_files and load_music have made sure of both by then).
_SFE_BAD_FILE = 7


def _reason(error: BaseException) -> str:
    if getattr(error, "code", None) == _SFE_BAD_FILE:
        return "libsndfile found no audio in it"
    text = str(error).strip().rstrip(".")
    return shown(text.split(": ")[-1] if ": " in text else text, limit=120) or type(error).__name__


def _measure(read: Callable[[int, int], object], frames: int, sample_rate_hz: int) -> float:
    """Integrated loudness of the decoded music (BS.1770), read(start, count) a minute at a time."""
    import numpy as np

    from voicecoach.shape import BLOCK_MS, HOP_MS, gated_loudness, k_weighted

    hop = sample_rate_hz * HOP_MS // 1000
    chunk = READ_CHUNK_FRAMES // hop * hop
    squares: list = []
    for start in range(0, frames, chunk):
        samples = np.asarray(read(start, min(chunk, frames - start)), dtype=np.float64)
        weighted = k_weighted(samples, sample_rate_hz)
        whole = len(weighted) // hop
        squares.append(np.mean(weighted[: whole * hop].reshape(whole, hop) ** 2, axis=1))
    hops = np.concatenate(squares) if squares else np.zeros(0)
    per_block = BLOCK_MS // HOP_MS
    if len(hops) < per_block:
        return gated_loudness(np.array([np.mean(hops)])) if len(hops) else -math.inf
    return gated_loudness(np.convolve(hops, np.ones(per_block) / per_block, mode="valid"))


# --- lowering around words ----------------------------------------------------------------------


class Lowering:
    """When the music is lowered, from a script: around every line and cue, and through holds,
    with smooth ramps; and the session's fade in and out. `gains` gives the music's gain, frame
    by frame, for any stretch of the session."""

    def __init__(self, script: Script, sample_rate_hz: int, lowered: float):
        self.rate = sample_rate_hz
        self.lowered = lowered
        self.total = script.duration_ms * sample_rate_hz // 1000
        ms = [(max(0, e.start_ms - DUCK_LEAD_MS), e.end_ms + DUCK_TAIL_MS) for e in script.events if e.kind != "silence"]
        holds = [e.start_ms for e in script.events if e.cue == CUE_HOLD_START]
        ends = [e.end_ms for e in script.events if e.cue == CUE_HOLD_END]
        ms += [(max(0, start - DUCK_LEAD_MS), end + DUCK_TAIL_MS) for start, end in zip(holds, ends)]
        merged: list[list[int]] = []
        for start, end in sorted(ms):
            if merged and start - merged[-1][1] < RISE_MS + MIN_RAISED_MS:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        # (ramp down from, fully lowered from, lowered until, back up at), in frames
        self.spans = [(self._f(start), self._f(start + DUCK_LEAD_MS), self._f(end), self._f(end + RISE_MS))
                      for start, end in merged]
        self._starts = [span[0] for span in self.spans]

    def _f(self, ms: int) -> int:
        return ms * self.rate // 1000

    def apply(self, music, start: int, started_at: int | None = None) -> None:
        """Multiply music (session frames from start) by its gain, in place: stretch by stretch,
        a constant where the music is up or fully lowered, a raised-cosine ramp between; the
        session's fade in and out; and where playback started at started_at (not at the start of
        the session), a short fade in from there."""
        import numpy as np

        count = len(music)
        end = start + count
        first = max(0, bisect.bisect_right(self._starts, start) - 1)
        for down, low, high, up in self.spans[first:]:
            if down >= end:
                break
            if up <= start:
                continue
            for a, b, shape in ((down, low, "down"), (low, high, "low"), (high, up, "up")):
                a, b = max(a, start), min(b, end)
                if a >= b:
                    continue
                if shape == "low":
                    music[a - start : b - start] *= self.lowered
                    continue
                frames = np.arange(a, b, dtype=np.float64)
                depth = _ease((frames - down) / max(1, low - down)) if shape == "down" else \
                    _ease((up - frames) / max(1, up - high))
                music[a - start : b - start] *= 1.0 - (1.0 - self.lowered) * depth
        fades = [(0, self._f(FADE_IN_MS), False), (self.total - self._f(FADE_OUT_MS), self.total, True)]
        if started_at is not None and started_at > 0:
            fades.append((started_at, started_at + self._f(START_FADE_MS), False))
        for a, b, out in fades:
            lo, hi = max(a, start), min(b, end)
            if lo < hi:
                frames = np.arange(lo, hi, dtype=np.float64)
                music[lo - start : hi - start] *= _ease((b - frames if out else frames - a) / max(1, b - a))

    def gains(self, start: int, count: int, started_at: int | None = None):
        """The music's gain for session frames start .. start + count (for tests and measurement)."""
        import numpy as np

        gain = np.ones(count)
        self.apply(gain, start, started_at)
        return gain


def _ease(x):
    """0 below 0, 1 above 1, a raised cosine between: a ramp with no corner, so no click."""
    import numpy as np

    return 0.5 - 0.5 * np.cos(np.pi * np.clip(x, 0.0, 1.0))


class MusicBed:
    """Music under one session: mixes it into the session's PCM, in place, at any frame."""

    def __init__(self, music: Music, sample_rate_hz: int):
        self.music = music
        self.rate = sample_rate_hz
        self._lowering: tuple[Script, Lowering] | None = None

    def lowering(self, script: Script) -> Lowering:
        if self._lowering is None or self._lowering[0] is not script:
            self._lowering = (script, Lowering(script, self.rate, self.music.lowered))
        return self._lowering[1]

    def mix(self, pcm: bytearray | memoryview, start_frame: int, script: Script,
            started_at: int | None = None) -> None:
        """Add the music to pcm (mono int16, session frames from start_frame), in place."""
        import numpy as np

        samples = np.frombuffer(pcm, dtype="<i2")
        if not len(samples):
            return
        end = min(len(samples), max(0, self.lowering(script).total - start_frame))
        if end <= 0:
            return
        music = self.music.looped(start_frame, end)
        music *= self.music.gain * 32767.0
        self.lowering(script).apply(music, start_frame, started_at)
        music += samples[:end]
        np.rint(music, out=music)
        np.clip(music, -32768, 32767, out=music)
        samples[:end] = music

    def pieces(self, pieces: Iterable[bytes], script: Script) -> Iterator[bytes]:
        """The session's rendered pieces with the music mixed in (export)."""
        frame = 0
        for piece in pieces:
            mixed = bytearray(piece)
            self.mix(mixed, frame, script)
            frame += len(piece) // 2
            yield bytes(mixed)

    def close(self) -> None:
        self.music.close()
