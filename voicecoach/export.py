"""Writing a rendered session to a file: WAV, MP3, FLAC or OGG, with tags, chapters and subtitles.

Every file is written to a temporary file beside the target and renamed at the end, so an error,
a full disk, Ctrl-C or SIGTERM leaves no partial file and never clobbers an existing good one.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import struct
import time
import wave
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from voicecoach.errors import VoicecoachError, shown
from voicecoach.files import part_file
from voicecoach.render import BYTES_PER_FRAME, frame_at
from voicecoach.script import Script

try:
    import fcntl
except ImportError:  # Windows: no flock, so no way to tell a running export's file from a dead one's
    fcntl = None

FORMATS = {".wav": "wav", ".mp3": "mp3", ".flac": "flac", ".ogg": "ogg"}
MP3_BITRATE_KBPS = 64  # speech and simple tones: transparent enough, 0.5 MB a minute
# LAME's algorithm quality (0 best .. 9 fastest). 7 encodes about 3x faster than 2 and, for this
# speech at 64 kbps, decodes to within 0.1 dB of 2's spectrum against the WAV (scripts/bench.py).
MP3_QUALITY = 7


class ExportError(VoicecoachError):
    """The file cannot be written where or how the user asked."""

    exit_code = 1


class UnknownFormat(ExportError):
    """-o names no audio format voicecoach writes: a usage mistake, like a bad option value."""

    exit_code = 2


@dataclass(frozen=True)
class Chapter:
    title: str
    start_ms: int
    end_ms: int


# ISO 639-1 -> ISO 639-2 (the bibliographic codes ID3's TLAN uses), for the languages people are
# likeliest to write programs in; any other gets "und" (undetermined), as the ID3 spec allows.
_ISO_639_2 = dict(pair.split(":") for pair in (
    "ar:ara bg:bul ca:cat cs:cze cy:wel da:dan de:ger el:gre en:eng es:spa et:est eu:baq fa:per fi:fin "
    "fr:fre ga:gle he:heb hi:hin hr:hrv hu:hun id:ind is:ice it:ita ja:jpn ko:kor lt:lit lv:lav nb:nob "
    "nl:dut nn:nno no:nor pl:pol pt:por ro:rum ru:rus sk:slo sl:slv sr:srp sv:swe sw:swa ta:tam th:tha "
    "tr:tur uk:ukr ur:urd vi:vie zh:chi").split())


def iso_639_2(language: str) -> str:
    """The three-letter code of an IETF tag's language ('pt-BR' -> 'por'), or 'und'."""
    return _ISO_639_2.get(language.split("-")[0].lower(), "und")


@dataclass(frozen=True)
class Tags:
    title: str
    album: str
    artist: str = "voicecoach"
    language: str = "en"

    @classmethod
    def of(cls, script: Script) -> Tags:
        """Album: the program; title: the program, with the pace when it is not the normal one."""
        title = script.title if script.pace == 1 else f"{script.title} (pace {script.pace:g})"
        return cls(title=title, album=script.title, language=script.language)


@dataclass(frozen=True)
class ExportResult:
    path: Path
    format: str
    frames: int
    size_bytes: int
    chapters: tuple[Chapter, ...]
    subtitles: Path | None


def _p(path: Path) -> str:
    return shown(str(path), limit=300)


def format_for(path: Path) -> str:
    """The audio format named by the file's extension."""
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        given = f"'{shown(path.suffix)}'" if path.suffix else "no extension"
        raise UnknownFormat(f"{_p(path)}: cannot tell the audio format from {given}; end the name in "
                            + ", ".join(FORMATS))
    return fmt


def chapters_of(script: Script) -> tuple[Chapter, ...]:
    """An introduction chapter, then one per exercise (the last runs to the end of the session)."""
    marks = [(f"{number}. {name}", start) for number, (name, start) in enumerate(script.exercise_starts(), start=1)]
    if not marks or marks[0][1] > 0:
        marks.insert(0, ("Introduction", 0))
    ends = [start for _, start in marks[1:]] + [script.duration_ms]
    return tuple(Chapter(title, start, end) for (title, start), end in zip(marks, ends))


def check_target(path: Path) -> None:
    """Fail early, with one line, where the file could never be written."""
    if "\x00" in str(path):
        raise ExportError(f"{_p(path)}: a file name cannot contain a NUL character")
    parent = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise ExportError(f"{_p(path)}: this is a directory; give a file name such as {_p(path / 'session.mp3')}")
    if not parent.exists():
        raise ExportError(f"{_p(path)}: the folder {_p(parent)} does not exist")
    if not parent.is_dir():
        raise ExportError(f"{_p(path)}: {_p(parent)} is not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        if _read_only(parent):
            raise ExportError(f"{_p(path)}: the folder {_p(parent)} is on a read-only disk; choose another folder")
        raise ExportError(f"{_p(path)}: cannot write in the folder {_p(parent)}: permission denied")


def _read_only(folder: Path) -> bool:
    try:
        return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
    except (OSError, AttributeError):  # AttributeError: no statvfs on this platform
        return False


STALE_PART_S = 3600  # a temporary file untouched this long, that no export holds, was left by a killed one
# The names atomic_file gives (files.part_file): ".<target>.<8 random characters>.part", for a
# target voicecoach writes. A user's file named otherwise is never touched.
_PART_NAME = re.compile(r"\..+\.(?i:%s)\.[a-z0-9_]{8}\.part" % "|".join(ext[1:] for ext in (*FORMATS, ".vtt")))


@contextlib.contextmanager
def atomic_file(path: Path) -> Iterator[Path]:
    """A temporary path beside `path`, renamed onto it only if the block completes."""
    check_target(path)
    sweep_stale_parts(path.parent if str(path.parent) else Path("."))
    try:
        with part_file(path.parent, f".{path.name}.") as (handle, temporary):
            if fcntl is not None:
                with contextlib.suppress(OSError):  # a file system without locks: the hour still protects it
                    fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)  # held to the end: not litter, in use
            os.chmod(temporary, _mode_for(path))
            yield temporary
            with open(temporary, "rb+") as written:
                os.fsync(written.fileno())
            os.replace(temporary, path)
    except OSError as error:  # part_file has removed the temporary file
        raise _export_error(path, error) from None


def sweep_stale_parts(folder: Path) -> list[Path]:
    """Remove the temporary files that exports killed outright (kill -9, a power cut) left in
    `folder`: only names atomic_file gives, untouched for an hour and locked by no running export.
    The files removed; a file that cannot be examined or removed is left alone."""
    if fcntl is None:
        return []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    removed = []
    for entry in entries:
        if not _PART_NAME.fullmatch(entry.name):
            continue
        try:
            if not entry.is_file(follow_symlinks=False) or time.time() - entry.stat().st_mtime < STALE_PART_S:
                continue
            handle = os.open(entry.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            continue
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)  # fails while an export writes it
            os.unlink(entry.path)
            removed.append(Path(entry.path))
        except OSError:
            pass
        finally:
            os.close(handle)
    return removed


def _mode_for(path: Path) -> int:
    """The replaced file's permissions, or what a new file gets under the umask (part_file makes it 0600)."""
    try:
        return path.stat().st_mode & 0o777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _export_error(path: Path, error: OSError) -> ExportError:
    if error.errno == errno.ENOSPC:
        return ExportError(f"{_p(path)}: the disk is full; nothing was written")
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return ExportError(f"{_p(path)}: cannot write here: {error.strerror}")
    return ExportError(f"{_p(path)}: could not write the file: {error.strerror or error}")


# --- encoders ---------------------------------------------------------------------------------


class _Encoder:
    def write(self, pcm: bytes) -> None: ...

    def close(self) -> None: ...

    def abandon(self) -> None:
        """Stop without finishing the file (it is about to be deleted)."""
        with contextlib.suppress(Exception):
            self.close()


class _WavEncoder(_Encoder):
    def __init__(self, path: Path, sample_rate_hz: int):
        self._wave = wave.open(str(path), "wb")
        self._wave.setnchannels(1)
        self._wave.setsampwidth(2)
        self._wave.setframerate(sample_rate_hz)

    def write(self, pcm: bytes) -> None:
        self._wave.writeframesraw(pcm)

    def close(self) -> None:
        self._wave.close()  # patches the header with the real length


class _Mp3Encoder(_Encoder):
    """lameenc's frames behind a LAME Info tag (voicecoach.mp3): exact length, gapless decoding."""

    def __init__(self, path: Path, sample_rate_hz: int):
        from voicecoach.mp3 import Mp3Writer

        self._path = path
        self._writer = Mp3Writer(path, sample_rate_hz, MP3_BITRATE_KBPS, MP3_QUALITY)

    def write(self, pcm: bytes) -> None:
        try:
            self._writer.write(pcm)
        except ValueError as error:  # the encoder's frames are not what the Info tag expects
            raise self._failed(error) from None

    def close(self) -> None:
        try:
            self._writer.close()
        except ValueError as error:
            raise self._failed(error) from None

    def _failed(self, error: ValueError) -> ExportError:
        import lameenc

        version = getattr(lameenc, "__version__", "unknown")
        return ExportError(f"could not finish the MP3 (lameenc {version}: {error}); "
                           "export to .wav, .flac or .ogg meanwhile")

    def abandon(self) -> None:
        self._writer.abandon()


class _SoundFileEncoder(_Encoder):
    def __init__(self, path: Path, sample_rate_hz: int, fmt: str):
        import numpy
        import soundfile

        self._numpy = numpy
        subtype = "PCM_16" if fmt == "flac" else "VORBIS"
        self._file = soundfile.SoundFile(str(path), "w", samplerate=sample_rate_hz, channels=1,
                                         format=fmt.upper(), subtype=subtype)

    def write(self, pcm: bytes) -> None:
        self._file.write(self._numpy.frombuffer(pcm, dtype=self._numpy.int16))

    def close(self) -> None:
        self._file.close()


def _encoder(path: Path, fmt: str, sample_rate_hz: int) -> _Encoder:
    if fmt == "wav":
        return _WavEncoder(path, sample_rate_hz)
    if fmt == "mp3":
        return _Mp3Encoder(path, sample_rate_hz)
    return _SoundFileEncoder(path, sample_rate_hz, fmt)


# --- tags and chapters --------------------------------------------------------------------------


def _tag_mp3(path: Path, tags: Tags, chapters: tuple[Chapter, ...]) -> None:
    from mutagen.id3 import CHAP, CTOC, ID3, TALB, TIT2, TLAN, TPE1, CTOCFlags

    id3 = ID3()
    id3.add(TIT2(encoding=3, text=tags.title))
    id3.add(TALB(encoding=3, text=tags.album))
    id3.add(TPE1(encoding=3, text=tags.artist))
    id3.add(TLAN(encoding=3, text=iso_639_2(tags.language)))
    ids = [f"chp{i}" for i in range(len(chapters))]
    id3.add(CTOC(element_id="toc", flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED, child_element_ids=ids,
                 sub_frames=[TIT2(encoding=3, text="Chapters")]))
    for element_id, chapter in zip(ids, chapters):  # decoders remove the encoder delay: times as scripted
        id3.add(CHAP(element_id=element_id, start_time=chapter.start_ms, end_time=chapter.end_ms,
                     sub_frames=[TIT2(encoding=3, text=chapter.title)]))
    id3.save(str(path), v2_version=3)
    _chapters_in_time_order(path)


def _chapters_in_time_order(path: Path) -> None:
    """Rewrite the ID3 tag at the start of `path` with its CHAP frames in time order.

    mutagen writes frames ordered by their size (quodlibet/mutagen#506, still open), and ffmpeg,
    ffprobe and mpv list CHAP frames in the order they come in the file, not the CTOC's: the
    chapters came out as Introduction, 4, 1, 2, 5, 6, 3. The tag is the one mutagen has just
    written: ID3v2.3, no flags (so no unsynchronisation or extended header), frames with plain
    32-bit sizes, then zero padding. Only the CHAP frames move, into the places CHAP frames held,
    so the tag keeps its length and nothing after it moves.
    """
    with open(path, "r+b") as file:
        header = file.read(10)
        if header[:4] != b"ID3\x03" or header[5] != 0:
            raise ValueError(f"expected the plain ID3v2.3 tag mutagen writes, found {header[:6]!r}")
        size = int.from_bytes(header[6:10], "big")
        size = sum(((size >> (8 * n)) & 0x7F) << (7 * n) for n in range(4))  # a syncsafe integer
        body = file.read(size)
        frames = []
        position = 0
        while position + 10 <= len(body) and body[position] != 0:  # a zero byte: the padding
            end = position + 10 + int.from_bytes(body[position + 4 : position + 8], "big")
            frames.append(body[position:end])
            position = end
        chapters = iter(sorted((frame for frame in frames if frame[:4] == b"CHAP"), key=_chap_start_ms))
        file.seek(10)
        file.write(b"".join(next(chapters) if frame[:4] == b"CHAP" else frame for frame in frames))


def _chap_start_ms(frame: bytes) -> int:
    """A CHAP frame's start time: the 32-bit number after its NUL-terminated element id."""
    start = frame.index(b"\x00", 10) + 1
    return int.from_bytes(frame[start : start + 4], "big")


def _chapter_wav(path: Path, chapters: tuple[Chapter, ...], sample_rate_hz: int) -> None:
    """Chapters as the WAV's cue points: a `cue ` chunk with one point per chapter at its first
    sample frame, and a `LIST` `adtl` chunk with each point's `labl` label, both after the data
    chunk, which stays byte for byte as written. ffprobe lists them as chapters; libsndfile
    (SFC_GET_CUE) and audio editors read them as markers. Layout: Microsoft's RIFF specification
    (Multimedia Programming Interface and Data Specifications 1.0, "Cue-Points Chunk" and
    "Associated Data List Chunk").

    RIFF sizes are 32-bit, which is enough: 4 GB is 27 hours at 22050 Hz mono 16-bit, and a program
    is at most 6 hours of exercise at pace 1 (program.MAX_SESSION_S), under 1 GB. (Only such a
    program slowed to pace 0.25 could come near 4 GB, and the data chunk's own size, which `wave`
    writes, would overflow first.) Labels are UTF-8, as ffprobe and libsndfile read them.
    """
    frames = [frame_at(chapter.start_ms, sample_rate_hz) for chapter in chapters]
    points = b"".join(struct.pack("<II4sIII", number, frame, b"data", 0, 0, frame)  # no playlist: position = offset
                      for number, frame in enumerate(frames, start=1))
    labels = b"".join(_riff_chunk(b"labl", struct.pack("<I", number) + chapter.title.encode("utf-8") + b"\x00")
                      for number, chapter in enumerate(chapters, start=1))
    cue = _riff_chunk(b"cue ", struct.pack("<I", len(chapters)) + points)
    with open(path, "r+b") as file:
        file.seek(0, os.SEEK_END)
        file.write(cue + _riff_chunk(b"LIST", b"adtl" + labels))
        riff_size = file.tell() - 8
        file.seek(4)
        file.write(struct.pack("<I", riff_size))


def _riff_chunk(kind: bytes, body: bytes) -> bytes:
    """A RIFF chunk: its id, its size (without the pad byte), its body, padded to an even length."""
    return kind + struct.pack("<I", len(body)) + body + b"\x00" * (len(body) % 2)


def _tag_vorbis(path: Path, fmt: str, tags: Tags, chapters: tuple[Chapter, ...]) -> None:
    """Vorbis comments, with chapters in the CHAPTERnnn/CHAPTERnnnNAME convention players read."""
    from mutagen.flac import FLAC
    from mutagen.oggvorbis import OggVorbis

    audio = FLAC(str(path)) if fmt == "flac" else OggVorbis(str(path))
    audio["title"] = tags.title
    audio["album"] = tags.album
    audio["artist"] = tags.artist
    audio["language"] = tags.language
    for number, chapter in enumerate(chapters, start=1):
        audio[f"CHAPTER{number:03d}"] = vtt_time(chapter.start_ms)
        audio[f"CHAPTER{number:03d}NAME"] = chapter.title
    audio.save()


# --- subtitles ----------------------------------------------------------------------------------


def vtt_time(ms: int) -> str:
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def vtt_escaped(text: str) -> str:
    """Cue text as WebVTT reads it back: '<' opens a tag and '&' a character reference, so a
    line "Breathe out for <5 seconds" showed as "Breathe out for". Escaping '>' too keeps "-->"
    (which would end the cue's text) out of it."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def vtt_text(script: Script) -> str:
    """WebVTT: every spoken line, from its start to its end; the header says the language."""
    lines = ["WEBVTT", "Kind: subtitles", f"Language: {script.language}", ""]
    for event in script.events:
        if event.kind == "speech" and event.text:
            lines += [f"{vtt_time(event.start_ms)} --> {vtt_time(event.end_ms)}", vtt_escaped(event.text), ""]
    return "\n".join(lines)


# --- the whole export -----------------------------------------------------------------------------


def subtitles_path(path: Path) -> Path:
    return path.with_suffix(".vtt")


def export_session(script: Script, pieces: Iterable[bytes], path: Path, sample_rate_hz: int,
                   subtitles: bool = False, progress: Callable[[int], None] | None = None) -> ExportResult:
    """Encode the rendered pieces into `path` (format from its extension), atomically."""
    fmt = format_for(path)
    chapters = chapters_of(script)
    tags = Tags.of(script)
    frames = 0
    vtt_path = subtitles_path(path) if subtitles else None
    if vtt_path is not None:
        check_target(vtt_path)
    with atomic_file(path) as temporary:
        encoder = _encoder(temporary, fmt, sample_rate_hz)
        try:
            for piece in pieces:
                encoder.write(piece)
                frames += len(piece) // BYTES_PER_FRAME
                if progress is not None:
                    progress(len(piece) // BYTES_PER_FRAME)
        except BaseException:
            encoder.abandon()  # the temporary file goes: no need to finish it (an MP3's tag would lie)
            raise
        encoder.close()
        if fmt == "mp3":
            _tag_mp3(temporary, tags, chapters)
        elif fmt == "wav":
            _chapter_wav(temporary, chapters, sample_rate_hz)
        elif fmt in ("flac", "ogg"):
            _tag_vorbis(temporary, fmt, tags, chapters)
        if vtt_path is not None:
            with atomic_file(vtt_path) as vtt_temporary:
                vtt_temporary.write_text(vtt_text(script), encoding="utf-8")
    return ExportResult(path=path, format=fmt, frames=frames, size_bytes=path.stat().st_size,
                        chapters=chapters, subtitles=vtt_path)
