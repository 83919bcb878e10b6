"""Export, end to end with the real engine: files read back by ffmpeg, soxi and mutagen.

The beeps are found in the decoded audio by signal analysis (no hint of where they should be)
and compared with the times `show --json` prints for the same options.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from tests.audio import (
    decode,
    decode_mpg123,
    ffprobe_chapters,
    ffprobe_duration,
    find_sound,
    needs_ffmpeg,
    needs_mpg123,
    needs_sox,
    pcm_to_float,
    riff_chunks,
    soxi_frames,
)
from tests.fakes import FAKE
from tests.samples import make_program
from voicecoach import export as export_module
from voicecoach import mp3
from voicecoach.cues import CUE_RATE_HZ as SAMPLE_RATE_HZ
from voicecoach.cues import load_cues
from voicecoach.errors import VoicecoachError
from voicecoach.export import ExportError, Tags, chapters_of, export_session, vtt_time
from voicecoach.render import frame_at
from voicecoach.script import compile_script

RATE = SAMPLE_RATE_HZ
FIVE_MS = RATE * 5 // 1000
pytestmark = [needs_ffmpeg, needs_sox]


@pytest.fixture(scope="module")
def exported(tmp_path_factory, run):
    """The beginning program exported once in every format, and its script as `show --json` prints it."""
    folder = tmp_path_factory.mktemp("export")
    shown = run("show", "beginning", "--json")
    assert shown.exit_code == 0, shown.output
    files = {}
    for ext in ("wav", "mp3", "flac", "ogg"):
        path = folder / f"beginning.{ext}"
        result = run("export", "beginning", "-o", str(path), *(["--subtitles"] if ext == "mp3" else []))
        assert result.exit_code == 0, result.output
        assert result.stdout.startswith(f"Wrote {path}")
        files[ext] = path
    return json.loads(shown.stdout), files


def script_frames(data: dict) -> int:
    return frame_at(round(data["duration"] * 1000), RATE)


def cue_frames(data: dict, cue: str) -> list[int]:
    return [frame_at(round(e["start"] * 1000), RATE) for e in data["events"] if e["cue"] == cue]


@pytest.mark.parametrize("ext", ["wav", "flac", "ogg"])
def test_length_equals_the_script_to_the_frame(exported, ext):
    data, files = exported
    assert soxi_frames(files[ext]) == script_frames(data)


def test_mp3_carries_an_info_tag_so_readers_know_its_exact_length(exported):
    """With the LAME Info tag, ffprobe reads the length instead of estimating it from the bitrate,
    and ffmpeg removes the encoder's delay and padding: the decoded audio is the script, to the frame."""
    data, files = exported
    probe = subprocess.run(["ffprobe", "-hide_banner", str(files["mp3"])], capture_output=True, text=True)
    assert "Estimating duration" not in probe.stderr
    assert len(decode(files["mp3"])) == script_frames(data)
    from mutagen.mp3 import MP3, BitrateMode

    info = MP3(str(files["mp3"])).info  # another reader of the tag: delay and padding taken off
    assert info.length == pytest.approx(script_frames(data) / RATE, abs=1e-6)
    assert info.bitrate_mode == BitrateMode.CBR and not info.sketchy
    # ffprobe's figure is the tag's frame count: the audio, LAME's 576-sample delay, and its padding
    # to the end of the last frame (under two frames)
    assert 0 <= ffprobe_duration(files["mp3"]) - script_frames(data) / RATE < 3 * 576 / RATE


DECODER_DELAY = 529  # samples an MP3 decoder's filter bank adds before the first encoded one (LAME's technical FAQ)


@needs_mpg123
def test_two_decoders_give_back_the_session_sample_for_sample(exported):
    """ffmpeg (and mpv, which decodes through it) and mpg123 read the Info tag alike: not a sample
    added or lost at either end, and a known cue where the script puts it."""
    data, files = exported
    by_ffmpeg, by_mpg123 = decode(files["mp3"]), decode_mpg123(files["mp3"])
    assert len(by_ffmpeg) == len(by_mpg123) == script_frames(data)
    assert np.max(np.abs(by_ffmpeg - by_mpg123)) <= 1  # rounding only: a shift of one sample differs by hundreds
    cue = pcm_to_float(load_cues(RATE)["next-exercise"])
    found = find_sound(by_mpg123, cue, threshold=0.8)
    assert len(found) == len(cue_frames(data, "next-exercise"))
    assert max(abs(a - b) for a, b in zip(found, cue_frames(data, "next-exercise"))) <= FIVE_MS


def test_ffprobe_counts_the_codec_delay_in_its_clock_and_then_plays_the_session(exported):
    """ffmpeg's clock starts at the MP3 stream, ahead of LAME's 576 samples of delay and the
    decoder's 529, which it skips: its start_time of 0.050 s is those 1105 samples, and from there
    the audio lasts exactly the session. Nothing in the file adds it (ffmpeg's own LAME encoder's
    files start there too), and its chapter times are the session's."""
    data, files = exported
    frames = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "a", "-show_entries",
                             "stream=start_time:frame=pts_time,nb_samples", "-of", "json", str(files["mp3"])],
                            capture_output=True, text=True, check=True).stdout
    probe = json.loads(frames)
    start_s = float(probe["streams"][0]["start_time"])
    assert start_s == pytest.approx((mp3.ENCODER_DELAY + DECODER_DELAY) / RATE, abs=1e-6)
    assert float(probe["frames"][0]["pts_time"]) == pytest.approx(start_s, abs=1e-6)
    assert sum(frame["nb_samples"] for frame in probe["frames"]) == script_frames(data)
    firsts = [next(e["start"] for e in data["events"] if e["exercise"] == chapter.split(". ", 1)[1])
              for chapter in [c["tags"]["title"] for c in ffprobe_chapters(files["mp3"])][1:]]
    assert [float(c["start_time"]) for c in ffprobe_chapters(files["mp3"])] == [0] + [round(s, 3) for s in firsts]


@pytest.mark.parametrize(("ext", "offset", "tolerance"), [("wav", 0, 0), ("flac", 0, 0), ("mp3", 0, FIVE_MS)])
def test_beeps_sound_exactly_where_the_script_says(exported, ext, offset, tolerance):
    data, files = exported
    signal_ = decode(files[ext])
    cues = {name: pcm_to_float(pcm) for name, pcm in load_cues(RATE).items()}
    for cue in ("hold-start", "hold-end", "next-exercise"):
        found = find_sound(signal_, cues[cue], threshold=0.9 if ext != "mp3" else 0.8)
        expected = [frame + offset for frame in cue_frames(data, cue)]
        assert len(found) == len(expected), (cue, len(found), len(expected))
        worst = max(abs(a - b) for a, b in zip(found, expected))
        assert worst <= tolerance, (cue, worst)


def test_holds_last_their_prescribed_seconds_in_the_audio(exported):
    data, files = exported
    audio = decode(files["wav"])
    cues = {name: pcm_to_float(pcm) for name, pcm in load_cues(RATE).items()}
    starts, ends = find_sound(audio, cues["hold-start"]), find_sound(audio, cues["hold-end"])
    lengths = [(end - start) / RATE for start, end in zip(starts, ends)]
    # beginning: abdominal contraction, wall squat, heel raises and straight leg raises hold 5 s, 10 times each
    assert len(lengths) == 40
    assert max(abs(length - 5.0) for length in lengths) <= 0.005


def test_mp3_tags_and_chapters(exported):
    from mutagen.id3 import ID3

    data, files = exported
    tags = ID3(str(files["mp3"]))
    assert str(tags["TIT2"]) == "Beginning back exercise program"
    assert str(tags["TALB"]) == "Beginning back exercise program" and str(tags["TPE1"]) == "voicecoach"
    assert str(tags["TLAN"]) == "eng"
    (toc,) = tags.getall("CTOC")
    chapters = {frame.element_id: frame for frame in tags.getall("CHAP")}
    ordered = [chapters[element_id] for element_id in toc.child_element_ids]
    titles = [str(chapter.sub_frames["TIT2"]) for chapter in ordered]
    names = list(dict.fromkeys(e["exercise"] for e in data["events"] if e["exercise"]))
    assert titles == ["Introduction"] + [f"{n}. {name}" for n, name in enumerate(names, start=1)]
    firsts = [next(e["start"] for e in data["events"] if e["exercise"] == name) for name in names]
    assert [c.start_time for c in ordered] == [0] + [round(s * 1000) for s in firsts]
    assert [c.end_time for c in ordered] == [c.start_time for c in ordered[1:]] + [round(data["duration"] * 1000)]
    assert [c.start_time for c in ordered] == sorted(c.start_time for c in ordered)


def test_mp3_chapters_come_out_in_time_order_to_every_reader(exported):
    """ffprobe and mpv list CHAP frames in file order, not the table of contents' order."""
    from mutagen.id3 import ID3

    data, files = exported
    names = list(dict.fromkeys(e["exercise"] for e in data["events"] if e["exercise"]))
    titles = ["Introduction"] + [f"{n}. {name}" for n, name in enumerate(names, start=1)]
    probe = ffprobe_chapters(files["mp3"])
    assert [chapter["tags"]["title"] for chapter in probe] == titles
    starts = [float(chapter["start_time"]) for chapter in probe]
    assert starts == sorted(starts) and len(set(starts)) == len(starts)
    assert [float(chapter["end_time"]) for chapter in probe[:-1]] == starts[1:]
    tags = ID3(str(files["mp3"]))
    in_file = tags.getall("CHAP")  # mutagen keeps the order of the file
    assert [str(chapter.sub_frames["TIT2"]) for chapter in in_file] == titles
    assert [chapter.element_id for chapter in in_file] == tags.getall("CTOC")[0].child_element_ids
    assert [chapter.start_time for chapter in in_file] == [round(s * 1000) for s in starts]


def test_wav_chapters_are_cue_points_that_ffprobe_lists(exported):
    """The export said "7 chapters" of a WAV that had none: they are cue points with labels now."""
    data, files = exported
    names = list(dict.fromkeys(e["exercise"] for e in data["events"] if e["exercise"]))
    firsts = [0] + [next(round(e["start"] * 1000) for e in data["events"] if e["exercise"] == name) for name in names]
    probe = ffprobe_chapters(files["wav"])
    assert [chapter["tags"]["title"] for chapter in probe] == ["Introduction"] + [
        f"{n}. {name}" for n, name in enumerate(names, start=1)]
    assert {chapter["time_base"] for chapter in probe} == {f"1/{RATE}"}  # counted in sample frames
    starts = [frame_at(ms, RATE) for ms in firsts]
    assert [chapter["start"] for chapter in probe] == starts
    assert [chapter["end"] for chapter in probe] == starts[1:] + [soxi_frames(files["wav"])]


def test_wav_chapters_leave_the_audio_as_it_was_rendered(tmp_path):
    script = compile_script(make_program(), durations=FAKE)
    rendered = [os.urandom(2 * 1000) for _ in range(7)]
    target = tmp_path / "session.wav"
    export_session(script, iter(rendered), target, RATE)
    chunks = riff_chunks(target)
    assert [kind for kind, _ in chunks] == [b"fmt ", b"data", b"cue ", b"LIST"]
    body = dict(chunks)
    assert body[b"data"] == b"".join(rendered)  # bit for bit
    chapters = chapters_of(script)
    cue = body[b"cue "]
    assert int.from_bytes(cue[:4], "little") == len(chapters) == 2
    points = [cue[4 + 24 * n : 4 + 24 * (n + 1)] for n in range(len(chapters))]
    frames = [frame_at(chapter.start_ms, RATE) for chapter in chapters]
    assert [int.from_bytes(point[4:8], "little") for point in points] == frames  # position
    assert [point[8:12] for point in points] == [b"data"] * 2
    assert [int.from_bytes(point[20:24], "little") for point in points] == frames  # sample offset
    assert body[b"LIST"][:4] == b"adtl"
    labels = body[b"LIST"][4:]
    def le32(number: int) -> bytes:
        return number.to_bytes(4, "little")

    assert labels == (b"labl" + le32(4 + 13) + le32(1) + b"Introduction\x00" + b"\x00"  # odd size: a pad byte
                      + b"labl" + le32(4 + 9) + le32(2) + b"1. Bends\x00" + b"\x00")
    assert soxi_frames(target) == 7000


def test_the_title_names_the_pace_when_it_is_not_the_normal_one():
    from voicecoach.script import Script

    assert Tags.of(Script("b", "Back", 1.0, ())) == Tags(title="Back", album="Back", artist="voicecoach")
    assert Tags.of(Script("b", "Back", 0.5, ())).title == "Back (pace 0.5)"


@pytest.mark.parametrize("ext", ["flac", "ogg"])
def test_vorbis_tags_and_chapters(exported, ext):
    import mutagen

    data, files = exported
    tags = mutagen.File(str(files[ext]))
    assert tags["title"] == ["Beginning back exercise program"] and tags["language"] == ["en"]
    assert tags["CHAPTER001NAME"] == ["Introduction"] and tags["CHAPTER001"] == ["00:00:00.000"]
    assert tags["CHAPTER002NAME"] == ["1. Ankle pumps"]
    first = next(e["start"] for e in data["events"] if e["exercise"] == "Ankle pumps")
    assert tags["CHAPTER002"] == [vtt_time(round(first * 1000))]


def test_subtitles_parse_and_match_the_script(exported):
    data, files = exported
    text = files["mp3"].with_suffix(".vtt").read_text(encoding="utf-8")
    assert text.startswith("WEBVTT\nKind: subtitles\nLanguage: en\n\n")
    blocks = [block.splitlines() for block in text.strip().split("\n\n")[1:]]
    speech = [e for e in data["events"] if e["kind"] == "speech"]
    assert len(blocks) == len(speech)
    for (timing, line), event in zip(blocks, speech):
        begin, end = timing.split(" --> ")
        assert begin == vtt_time(round(event["start"] * 1000))
        assert end == vtt_time(round((event["start"] + event["duration"]) * 1000))
        assert line == event["text"]


SUBTITLED = """\
title: Breathing
exercises:
  - name: Breath <and> hold
    position: Sit up.
    instructions: ["Breathe out for <5 seconds & relax.", "Count --> then rest, for 1 < 2 & 3 > 2."]
    reps: 1
    movement: [{say: In & out., seconds: 2}]
"""


def test_subtitles_keep_every_character_of_the_spoken_lines(tmp_path, run):
    """'<' opens a tag and '&' a character reference in WebVTT: a reader lost "<5 seconds"."""
    program = tmp_path / "breathing.yaml"
    program.write_text(SUBTITLED, encoding="utf-8")
    result = run("export", str(program), "--engine", "espeak", "-o", str(tmp_path / "b.wav"), "--subtitles")
    assert result.exit_code == 0, result.output
    vtt = tmp_path / "b.vtt"
    srt = subprocess.run(["ffmpeg", "-v", "error", "-i", str(vtt), "-f", "srt", "-"],  # an independent reader
                         capture_output=True, text=True, check=True).stdout
    shown = [block.splitlines()[2:] for block in srt.strip().split("\n\n")]
    assert ["Breathe out for <5 seconds & relax."] in shown
    assert ["Count --> then rest, for 1 < 2 & 3 > 2."] in shown
    assert ["In & out."] in shown
    assert ["Exercise one of one: Breath <and> hold."] in shown
    assert "Breathe out for &lt;5 seconds &amp; relax." in vtt.read_text(encoding="utf-8")


def test_files_get_normal_permissions(exported):
    _, files = exported
    assert files["wav"].stat().st_mode & 0o777 == 0o666 & ~_umask()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# --- atomic writing: unit tests with a fake script ---


def pieces(count: int, fail_with: BaseException | None = None):
    for n in range(count):
        if fail_with is not None and n == count // 2:
            raise fail_with
        yield b"\x01\x00" * 1000


@pytest.mark.parametrize("failure", [RuntimeError("boom"), KeyboardInterrupt(), SystemExit(143)])
def test_a_failed_export_leaves_the_old_file_and_no_litter(tmp_path, failure):
    target = tmp_path / "session.wav"
    target.write_bytes(b"the good old file")
    script = compile_script(make_program(), durations=FAKE)
    with pytest.raises(type(failure)):
        export_session(script, pieces(10, failure), target, RATE)
    assert target.read_bytes() == b"the good old file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["session.wav"]


def test_a_full_disk_is_one_clear_error(tmp_path, monkeypatch):
    def full(self, pcm):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(export_module._WavEncoder, "write", full)
    target = tmp_path / "session.wav"
    with pytest.raises(ExportError, match="the disk is full; nothing was written"):
        export_session(compile_script(make_program(), durations=FAKE), pieces(3), target, RATE)
    assert list(tmp_path.iterdir()) == []


def test_subtitle_failure_leaves_no_audio_either(tmp_path):
    (tmp_path / "session.vtt").mkdir()
    with pytest.raises(ExportError, match="this is a directory"):
        export_session(compile_script(make_program(), durations=FAKE), pieces(3), tmp_path / "session.wav", RATE,
                       subtitles=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["session.vtt"]


def test_chapters_cover_the_session():
    script = compile_script(make_program(), durations=FAKE)
    chapters = chapters_of(script)
    assert chapters[0].start_ms == 0 and chapters[-1].end_ms == script.duration_ms
    assert all(a.end_ms == b.start_ms for a, b in zip(chapters, chapters[1:]))


# --- the command line ---


def test_export_bad_extension(tmp_path, run, assert_one_line_error):
    assert_one_line_error(run("export", "beginning", "-o", str(tmp_path / "x.aiff")), 2, "cannot tell the audio format from '.aiff'")
    assert_one_line_error(run("export", "beginning", "-o", str(tmp_path / "x")), 2, "no extension")


def test_export_missing_folder(tmp_path, run, assert_one_line_error):
    assert_one_line_error(run("export", "beginning", "-o", str(tmp_path / "no" / "x.wav")), 1, "does not exist")


def test_export_onto_a_directory(tmp_path, run, assert_one_line_error):
    (tmp_path / "x.wav").mkdir()
    assert_one_line_error(run("export", "beginning", "-o", str(tmp_path / "x.wav")), 1, "this is a directory")


def test_export_unwritable_folder(tmp_path, monkeypatch, run, assert_one_line_error):
    monkeypatch.setattr(export_module.os, "access", lambda path, mode: False)
    assert_one_line_error(run("export", "beginning", "-o", str(tmp_path / "x.wav")), 1, "permission denied")
    assert list(tmp_path.iterdir()) == []


def test_export_bad_program_writes_nothing(tmp_path, run, assert_one_line_error):
    assert_one_line_error(run("export", "begining", "-o", str(tmp_path / "x.wav")), 2, "did you mean 'beginning'?")
    assert list(tmp_path.iterdir()) == []


def test_export_needs_an_output(run, assert_one_line_error):
    assert_one_line_error(run("export", "beginning"), 2, "Missing option '-o'")


def test_export_piped_prints_only_the_result(tmp_path, run):
    result = run("export", "advanced", "-o", str(tmp_path / "a.wav"))
    assert result.exit_code == 0 and result.stderr == ""
    assert result.stdout.count("\n") == 1 and "3 chapters" in result.stdout


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=["ctrl-c", "sigterm", "sighup"])
def test_a_stopped_export_leaves_the_old_file_and_nothing_else(tmp_path, stop):
    target = tmp_path / "slow.mp3"
    target.write_bytes(b"the listener's earlier export")
    process = subprocess.Popen([sys.executable, "-m", "voicecoach", "export", "beginning", "--pace", "0.25",
                                "-o", str(target)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(".slow.mp3.*.part")) and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.02)
    assert process.poll() is None, "the export finished before it could be interrupted"
    process.send_signal(stop)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130
    assert "Traceback" not in err.decode() and err.decode().strip() == f"Stopped; {target} was not written."
    assert list(tmp_path.iterdir()) == [target] and target.read_bytes() == b"the listener's earlier export"


def test_a_part_file_left_by_a_killed_export_is_swept_by_the_next_export(tmp_path, run):
    """kill -9 runs no cleanup: the temporary file stays. It is locked while its export runs; once
    an hour old and unlocked, the next export in the folder removes it, and only it."""
    target = tmp_path / "slow.mp3"
    process = subprocess.Popen([sys.executable, "-m", "voicecoach", "export", "beginning", "--pace", "0.25",
                                "--engine", "espeak", "-o", str(target)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(".slow.mp3.*.part")) and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.02)
    (left,) = tmp_path.glob(".slow.mp3.*.part")
    assert process.poll() is None, "the export finished before it could be killed"
    # locked while the export runs (the lock follows the file's making by a moment: wait for it)
    while not _locked(left) and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.01)
    assert _locked(left)
    process.kill()
    process.wait(timeout=60)
    assert left.exists() and not _locked(left)

    an_hour_ago = time.time() - 3700
    os.utime(left, (an_hour_ago, an_hour_ago))
    fresh = tmp_path / ".other.wav.abcd_123.part"  # the next export may be writing it
    theirs = [tmp_path / name for name in (".slow.mp3.part", ".slow.mp3.backup.part", ".slow.mp3.ABCD1234.part",
                                           ".notes.txt.abcd1234.part", "slow.mp3.abcd1234.part")]
    held = tmp_path / ".held.flac.abcd1234.part"
    for path in [fresh, held, *theirs]:
        path.write_bytes(b"data")
    for path in [held, *theirs]:
        os.utime(path, (an_hour_ago, an_hour_ago))
    holder = subprocess.Popen(["flock", str(held), "-c", "echo locked; sleep 60"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline() == "locked\n"  # another process holds it, as a running export would
        result = run("export", "beginning", "--engine", "espeak", "--only", "ankle pumps", "-o", str(tmp_path / "b.wav"))
    finally:
        holder.kill()
        holder.wait()
    assert result.exit_code == 0, result.output
    assert not left.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["b.wav", fresh.name, held.name] + [p.name for p in theirs])


def _locked(path: Path) -> bool:
    """Whether a process holds a flock on the file: read from /proc/locks where there is one (taking
    the lock to find out would race the export taking it)."""
    import fcntl

    locks = Path("/proc/locks")
    if locks.exists():
        inode = path.stat().st_ino
        return any(line.split()[1] == "FLOCK" and int(line.split()[5].rsplit(":", 1)[1]) == inode
                   for line in locks.read_text().splitlines() if len(line.split()) > 5)
    with open(path, "rb") as file:
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(file, fcntl.LOCK_UN)
        return False


def test_voices_command_lists_every_engine_and_marks_the_one_used(run):
    lines = run("voices").stdout.splitlines()
    assert lines[:2] == ["piper (the default engine): 1 voice", " * en_US-joe-medium  joe (medium)  (en-US, en-us)"]
    assert lines[2].startswith("espeak: ") and any(line.startswith("   gmw/en-us ") for line in lines)
    assert sum(line.startswith(" * ") for line in lines) == 1
    espeak = run("voices", "--engine", "espeak").stdout.splitlines()
    assert espeak[0].startswith("espeak: ") and [line.split()[1] for line in espeak if line.startswith(" * ")] == ["gmw/en"]


def test_cache_command(tmp_path, monkeypatch, run):
    monkeypatch.setenv("VOICECOACH_CACHE_DIR", str(tmp_path / "cache"))
    assert run("show", "advanced").exit_code == 0
    shown = run("cache")
    assert shown.exit_code == 0 and str(tmp_path / "cache") in shown.stdout
    count = int(shown.stdout.split(": ")[1].split()[0])
    assert count == len(list((tmp_path / "cache" / "phrases").glob("*.pcm"))) > 10
    cleared = run("cache", "--clear")
    assert cleared.stdout.startswith(f"Removed {count} cached phrases")
    assert list((tmp_path / "cache" / "phrases").glob("*.pcm")) == []


def test_show_without_an_engine_estimates_and_says_so(monkeypatch, run, assert_one_line_error):
    import pyttsx3

    def broken_init(*args, **kwargs):
        raise RuntimeError("This means you probably do not have eSpeak or eSpeak-ng installed!")

    monkeypatch.setattr(pyttsx3, "init", broken_init)
    monkeypatch.setenv("VOICECOACH_CACHE_DIR", "/nonexistent-voicecoach-cache")
    result = run("show", "advanced", "--engine", "espeak")
    assert result.exit_code == 0
    assert result.stderr.startswith("Note: speech lengths are estimated, not measured (no speech engine: eSpeak NG")
    exported = run("export", "advanced", "--engine", "espeak", "-o", "/tmp/never-written.wav")
    assert_one_line_error(exported, 3, "eSpeak NG is not installed; install it with: sudo apt-get install espeak-ng")
    assert not Path("/tmp/never-written.wav").exists()
    assert issubclass(ExportError, VoicecoachError)


def test_an_mp3_the_info_tag_cannot_describe_is_one_line_and_no_file(tmp_path, monkeypatch, run, assert_one_line_error):
    """If a lameenc release ever frames its output otherwise, the user gets one line, not a
    traceback, and no file."""
    from voicecoach import mp3

    monkeypatch.setattr(mp3, "ENCODER_DELAY", 99_999)  # no padding can reconcile the frames then
    target = tmp_path / "b.mp3"
    result = run("export", "beginning", "-o", str(target))
    assert_one_line_error(result, 1, "could not finish the MP3")
    assert list(tmp_path.iterdir()) == []
