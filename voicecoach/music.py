"""Background music that makes way for every word.

The music (a file, or a folder's files in name order) is decoded once, in pieces, mixed to mono
and resampled to the session's rate into a file in the cache, and measured there (BS.1770). A
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
import tempfile
import weakref
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from voicecoach.errors import VoicecoachError, shown
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
    return [path]


@dataclass
class Music:
    """The decoded music: mono float32 at the session's rate in `path`, `frames` long, with its
    loudness (LUFS) and sample peak, and the gain and lowering a session uses it with."""

    path: Path
    frames: int
    sample_rate_hz: int
    lufs: float
    peak: float  # sample peak, linear
    gain: float = 1.0
    lowered: float = 10 ** (-DUCK_DB / 20)  # the further gain around lines and cues
    _handle: object = field(default=None, repr=False)

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
        stat = path.stat()
        hasher.update(f"\0{path.resolve()}\0{stat.st_size}\0{stat.st_mtime_ns}".encode())
    return hasher.hexdigest()[:32]


def load_music(spec: str | Path, sample_rate_hz: int, cache_dir: Path | None = None) -> Music:
    """The music spec names, decoded at sample_rate_hz (from the cache when it was decoded before),
    or a MusicError naming the file and what is wrong with it."""
    files = music_files(spec)
    for path in files:
        if not os.access(path, os.R_OK):
            raise MusicError(f"{_p(path)}: cannot read the music file: permission denied")
    if cache_dir is None:
        from voicecoach.speech import default_cache_dir

        cache_dir = default_cache_dir() / "music"
    digest = _digest(files, sample_rate_hz)
    decoded, facts = cache_dir / f"{digest}.f32", cache_dir / f"{digest}.json"
    with contextlib.suppress(OSError, ValueError, KeyError):
        known = json.loads(facts.read_text(encoding="utf-8"))
        if decoded.stat().st_size == known["frames"] * 4:
            return Music(decoded, known["frames"], sample_rate_hz, known["lufs"], known["peak"])
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=cache_dir, prefix=".", suffix=".part")
    except OSError:  # no cache: a temporary file for this process only
        handle, temporary = tempfile.mkstemp(prefix="voicecoach-music-", suffix=".f32")
        decoded = facts = None
    try:
        with os.fdopen(handle, "wb") as out:
            frames, peak = _decode(files, sample_rate_hz, out)
        if frames < sample_rate_hz * MIN_MUSIC_MS // 1000:
            what = "has no sound" if frames == 0 else f"is too short ({frames / sample_rate_hz:.1f} s)"
            raise MusicError(f"{_p(Path(spec))}: the music {what}; it needs at least {MIN_MUSIC_MS // 1000} second")
        lufs = _measure(Path(temporary), frames, sample_rate_hz)
        if not math.isfinite(lufs):
            raise MusicError(f"{_p(Path(spec))}: the music is silent")
        if decoded is None:
            music = Music(Path(temporary), frames, sample_rate_hz, lufs, peak)
            weakref.finalize(music, _remove, temporary)
            return music
        os.replace(temporary, decoded)
        with contextlib.suppress(OSError):
            facts.write_text(json.dumps({"frames": frames, "lufs": lufs, "peak": peak}), encoding="utf-8")
    except BaseException:
        _remove(temporary)
        raise
    return Music(decoded, frames, sample_rate_hz, lufs, peak)


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def _decode(files: list[Path], sample_rate_hz: int, out) -> tuple[int, float]:
    """Decode each file in blocks, mix it to mono, resample it and append it to `out` as float32;
    (frames written, sample peak)."""
    import numpy as np
    import soundfile
    import soxr

    frames, peak = 0, 0.0
    for path in files:
        if path.stat().st_size == 0:
            raise MusicError(f"{_p(path)}: the music file is empty")
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
                        out.write(mono.tobytes())
                        frames += len(mono)
                    if last:
                        break
            except (soundfile.LibsndfileError, RuntimeError) as error:
                raise MusicError(f"{_p(path)}: the music file is damaged ({_reason(error)})") from None
    return frames, peak


def _reason(error: BaseException) -> str:
    text = str(error).strip().rstrip(".")
    return shown(text.split(": ")[-1] if ": " in text else text, limit=120) or type(error).__name__


def _measure(path: Path, frames: int, sample_rate_hz: int) -> float:
    """Integrated loudness of the decoded music (BS.1770), reading it a minute at a time."""
    import numpy as np

    from voicecoach.shape import BLOCK_MS, HOP_MS, gated_loudness, k_weighted

    hop = sample_rate_hz * HOP_MS // 1000
    chunk = READ_CHUNK_FRAMES // hop * hop
    squares: list = []
    with open(path, "rb") as handle:
        for start in range(0, frames, chunk):
            samples = np.frombuffer(handle.read(min(chunk, frames - start) * 4), dtype="<f4").astype(np.float64)
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
