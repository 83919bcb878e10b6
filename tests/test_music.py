"""Background music that makes way for every word: decoding any common format, the level and the
lowering around lines and cues, measured on real exports with generated music (a steady tone, so
the music's part of the mix is exact: the export with music less the export without), and play
through the real-time sink giving the export's samples."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import time
import wave
from pathlib import Path

import numpy as np
import pytest

from tests.audio import find_sound, needs_ffmpeg, pcm_to_float
from tests.fakes import FAKE_CUES, fake_frames
from tests.listening import ebur128
from tests.samples import make_exercise, make_program
from tests.sink import needs_sink
from voicecoach.cues import load_cues
from voicecoach.music import (
    DUCK_DB,
    DUCK_LEAD_MS,
    FADE_IN_MS,
    START_FADE_MS,
    Lowering,
    MusicBed,
    MusicError,
    load_music,
    music_files,
)
from voicecoach.program import Hold, Move
from voicecoach.render import MeasuredDurations, frame_at
from voicecoach.script import compile_script

RATE = 22050

QUICK_MUSIC = """\
title: Quick
exercises:
  - name: Squeeze
    position: Sit.
    reps: 3
    setup: 8
    rest_between_reps: 5
    movement:
      - say: Squeeze.
        seconds: 2
      - hold: 12
"""


def tone(seconds: float, rate: int, amplitude: float = 0.1, hz: tuple[float, ...] = (1000.0,)) -> np.ndarray:
    t = np.arange(round(seconds * rate)) / rate
    return sum(amplitude * np.sin(2 * np.pi * f * t) for f in hz) / len(hz)


def write_wav(path: Path, samples: np.ndarray, rate: int) -> Path:
    import soundfile

    soundfile.write(str(path), samples.astype(np.float32), rate, subtype="PCM_16")
    return path


@pytest.fixture
def music_cache(tmp_path):
    return tmp_path / "music-cache"


# --- decoding ----------------------------------------------------------------------------------------


def test_a_stereo_flac_at_44k_is_mixed_to_mono_and_resampled(tmp_path, music_cache):
    import soundfile

    left = tone(6.0, 44100)
    soundfile.write(str(tmp_path / "m.flac"), np.stack([left, left], axis=1).astype(np.float32), 44100)
    music = load_music(tmp_path / "m.flac", RATE, music_cache)
    assert abs(music.frames - 6 * RATE) <= 2
    # a 1 kHz sine at -20 dBFS peak is -23.0 LUFS (K-weighting is 0 dB at 1 kHz)
    assert music.lufs == pytest.approx(-23.0, abs=0.2)
    decoded = music.looped(RATE, RATE)
    expected = tone(2.0, RATE)[RATE:]
    assert np.max(np.abs(decoded - expected)) < 0.01  # the same tone, at the session's rate


def test_a_stereo_mp3_is_read(tmp_path, music_cache):
    import lameenc

    samples = (tone(5.0, 44100, amplitude=0.3, hz=(440.0,)) * 32767).astype(np.int16)
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(128)
    encoder.set_in_sample_rate(44100)
    encoder.set_channels(2)
    encoder.set_quality(5)
    data = encoder.encode(np.stack([samples, samples], axis=1).tobytes()) + encoder.flush()
    (tmp_path / "m.mp3").write_bytes(data)
    music = load_music(tmp_path / "m.mp3", RATE, music_cache)
    assert 4.9 * RATE < music.frames < 5.2 * RATE  # the encoder's padding, at most a frame or two
    from voicecoach.shape import loudness

    # within 0.6 dB of the tone's own loudness: the encoder's delay and padding are a little silence
    assert music.lufs == pytest.approx(loudness(tone(5.0, RATE, amplitude=0.3, hz=(440.0,)), RATE), abs=0.6)


def test_decoded_music_is_kept_and_decoded_again_when_the_file_changes(tmp_path, music_cache):
    path = write_wav(tmp_path / "m.wav", tone(3.0, RATE), RATE)
    first = load_music(path, RATE, music_cache)
    written = first.path.stat().st_mtime_ns
    again = load_music(path, RATE, music_cache)
    assert again.path == first.path and again.path.stat().st_mtime_ns == written and again.lufs == first.lufs
    write_wav(path, tone(4.0, RATE), RATE)
    changed = load_music(path, RATE, music_cache)
    assert changed.path != first.path and abs(changed.frames - 4 * RATE) <= 1


def test_a_folder_is_its_music_files_in_name_order(tmp_path, music_cache):
    folder = tmp_path / "calm"
    folder.mkdir()
    write_wav(folder / "b.wav", tone(2.0, RATE, hz=(500.0,)), RATE)
    write_wav(folder / "A.wav", tone(1.5, RATE, hz=(700.0,)), RATE)
    (folder / "notes.txt").write_text("not music")
    assert [p.name for p in music_files(folder)] == ["A.wav", "b.wav"]
    music = load_music(folder, RATE, music_cache)
    assert abs(music.frames - round(3.5 * RATE)) <= 2


@pytest.mark.parametrize(("make", "message"), [
    (lambda d: d / "missing.mp3", "missing.mp3: there is no such music file or folder"),
    (lambda d: _file(d / "empty.mp3", b""), "empty.mp3: the music file is empty"),
    (lambda d: _file(d / "notes.ogg", b"these are my notes, not music\n" * 20),
     "notes.ogg: not a music file voicecoach can read ("),
    (lambda d: _file(d / "broken.flac", b"fLaC\x00\x00\x00\x22" + bytes(range(256)) * 8),
     "broken.flac: not a music file voicecoach can read ("),
    (lambda d: write_wav(d / "blip.wav", tone(0.3, RATE), RATE), "blip.wav: the music is too short (0.3 s)"),
    (lambda d: write_wav(d / "quiet.wav", np.zeros(RATE * 3), RATE), "quiet.wav: the music is silent"),
    (lambda d: _folder(d / "empty-folder"), "empty-folder: the folder has no music files"),
])
def test_music_that_cannot_be_used_is_one_clear_line(tmp_path, music_cache, make, message):
    path = make(tmp_path)
    with pytest.raises(MusicError) as caught:
        load_music(path, RATE, music_cache)
    assert message in str(caught.value) and "\n" not in str(caught.value)
    assert not list(music_cache.glob("*.part")) if music_cache.exists() else True  # nothing half-written


def mp3_of(samples: np.ndarray, rate: int) -> bytes:
    import lameenc

    encoder = lameenc.Encoder()
    encoder.set_bit_rate(128)
    encoder.set_in_sample_rate(rate)
    encoder.set_channels(1)
    encoder.set_quality(5)
    return bytes(encoder.encode((samples * 32767).astype(np.int16).tobytes()) + encoder.flush())


def damaged_mp3(path: Path) -> Path:
    """A good MP3 with 20 kB of noise a third of the way in: libmpg123 loses the stream there."""
    data = bytearray(mp3_of(tone(5.0, 44100, amplitude=0.3, hz=(440.0,)), 44100))
    noise = np.random.default_rng(1).integers(0, 256, 20_000, dtype=np.uint8).tobytes()
    data[len(data) // 3 : len(data) // 3 + len(noise)] = noise
    path.write_bytes(bytes(data))
    return path


def voicecoach(*args: str, timeout_s: float = 60) -> subprocess.CompletedProcess:
    """The real command in its own process: what C libraries print on descriptor 2 shows up here."""
    return subprocess.run([sys.executable, "-m", "voicecoach", *args], capture_output=True, text=True,
                          timeout=timeout_s)


@pytest.mark.parametrize(("make", "message"), [
    (lambda d: _file(d / "notes.mp3", b"these are my notes, not music\n" * 200),
     "notes.mp3: not a music file voicecoach can read (libsndfile found no audio in it); use .mp3, "),
    (lambda d: _file(d / "tag-only.mp3", b"ID3\x03\x00\x00\x00\x00\x00\x00"),
     "tag-only.mp3: not a music file voicecoach can read (libsndfile found no audio in it); use .mp3, "),
    (lambda d: damaged_mp3(d / "damaged.mp3"), "damaged.mp3: the music file is damaged ("),
])
@pytest.mark.parametrize("command", ["export", "play"])
def test_the_decoders_own_messages_never_reach_the_terminal(tmp_path, make, message, command):
    """libmpg123 writes 'Illegal Audio-MPEG-Header', 'Trying to resync' and wetwork() errors on
    descriptor 2, and libsndfile calls a text file "not a regular file (possibly a pipe?)": the
    user gets one line, with the true reason."""
    music = make(tmp_path)
    target = ["-o", str(tmp_path / "out.wav")] if command == "export" else []
    done = voicecoach(command, "beginning", "--engine", "espeak", "--music", str(music), *target)
    assert done.returncode == 2 and done.stdout == ""
    (line,) = done.stderr.splitlines()
    assert line.startswith(f"Error: {tmp_path}/") and message in line, line
    assert not (tmp_path / "out.wav").exists()


def test_a_named_pipe_as_music_is_one_line_and_never_waits_for_a_writer(tmp_path):
    import os

    os.mkfifo(tmp_path / "radio.mp3")
    done = voicecoach("export", "beginning", "--engine", "espeak", "--music", str(tmp_path / "radio.mp3"),
                      "-o", str(tmp_path / "out.wav"), timeout_s=20)  # the decoder opening it would block
    assert done.returncode == 2
    assert done.stderr == f"Error: {tmp_path / 'radio.mp3'}: this is a named pipe (FIFO), not a music file\n"


def _file(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _folder(path: Path) -> Path:
    path.mkdir()
    return path


# --- the level and the lowering ----------------------------------------------------------------------


def fake_script():
    program = make_program(make_exercise(name="Lifts", reps=2, movement=(Move("Lift.", 2), Hold(12.0))),
                           make_exercise(name="Bends", reps=1, each_side=True))
    return compile_script(program, durations=MeasuredDurations(fake_frames, FAKE_CUES, RATE))


def test_music_is_lowered_through_every_line_and_cue_from_before_it_starts():
    script = fake_script()
    lowered = 10 ** (-DUCK_DB / 20)
    lowering = Lowering(script, RATE, lowered)
    gain = lowering.gains(0, lowering.total)
    lead = frame_at(DUCK_LEAD_MS, RATE)
    for event in script.events:
        if event.kind == "silence":
            continue
        start, end = frame_at(event.start_ms, RATE), frame_at(event.end_ms, RATE)
        assert gain[start:end].max() <= lowered + 1e-9, event
        # on the way down (or down already) halfway through the 150 ms before it
        assert gain[start - lead // 2] < 1.0 - 0.4 * (1.0 - lowered), event
    holds = [(e.start_ms, n.end_ms) for e, n in zip(script.events, script.events[1:]) if e.cue == "hold-start"]
    ends = [e.end_ms for e in script.events if e.cue == "hold-end"]
    for (start, _), end in zip(holds, ends):  # through a hold, the music stays lowered
        assert gain[frame_at(start, RATE) : frame_at(end, RATE)].max() <= lowered + 1e-9
    assert gain.max() == pytest.approx(1.0)  # between, it comes up again
    # smooth: raised-cosine ramps, no step anywhere (a 150 ms ramp moves at most 0.04% a frame)
    assert np.abs(np.diff(gain)).max() < 0.0005


def test_play_fades_the_music_in_where_it_starts_mid_session():
    script = fake_script()
    lowering = Lowering(script, RATE, 0.25)
    at = frame_at(script.exercise_starts()[1][1], RATE)
    faded = lowering.gains(at, RATE, started_at=at)
    whole = lowering.gains(at, RATE)
    assert faded[0] == 0.0 and np.all(faded <= whole + 1e-12)
    settled = frame_at(START_FADE_MS, RATE)
    assert np.array_equal(faded[settled:], whole[settled:])


def test_mixing_in_any_pieces_gives_the_same_samples(tmp_path, music_cache):
    """What makes play (a few seconds ahead of the listener) and export (piece by piece) agree."""
    script = fake_script()
    music = load_music(write_wav(tmp_path / "m.wav", tone(7.3, 44100, hz=(300.0, 470.0)), 44100), RATE,
                       music_cache).level(-16.0)
    bed = MusicBed(music, RATE)
    total = frame_at(script.duration_ms, RATE)
    speech = (np.random.default_rng(3).standard_normal(total) * 3000).astype("<i2")
    whole = bytearray(speech.tobytes())
    bed.mix(whole, 0, script)
    rng = np.random.default_rng(4)
    cuts = np.sort(rng.choice(np.arange(1, total), size=40, replace=False))
    pieces = bytearray(speech.tobytes())
    for a, b in zip([0, *cuts], [*cuts, total]):
        bed.mix(memoryview(pieces)[2 * a : 2 * b], int(a), script)
    assert pieces == whole
    assert whole != bytearray(speech.tobytes())


def test_the_loop_joins_its_end_to_its_start_without_a_click(tmp_path, music_cache):
    music = load_music(write_wav(tmp_path / "m.wav", tone(3.17, RATE, amplitude=0.5, hz=(233.0,)), RATE), RATE,
                       music_cache)
    looped = music.looped(0, music.frames * 3)
    steepest = 0.5 * 2 * np.pi * 233 / RATE  # the tone's own steepest step
    # An equal-power crossfade of a tone with itself can swell by up to sqrt(2) where the phases
    # meet; a click (a jump) would be many times the tone's step.
    assert np.abs(np.diff(looped)).max() < 1.5 * steepest
    assert len(looped) == music.frames * 3 and np.abs(looped).max() < 0.5 * 1.5


# --- exports ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def music_exports(tmp_path_factory, run):
    """A short program exported with a steady two-tone 'music' file and without it, and its script."""
    folder = tmp_path_factory.mktemp("music")
    program = folder / "quick.yaml"
    program.write_text(QUICK_MUSIC, encoding="utf-8")
    # longer than the session: a steady tone crossfaded into itself at the loop would swell by up
    # to 3 dB (equal power is for music, whose end and start are unrelated); the loop has its own test
    music = write_wav(folder / "tone.wav", tone(100.0, RATE, amplitude=0.3, hz=(220.0, 330.0)), RATE)
    common = [str(program), "--engine", "espeak"]
    for name, extra in (("plain", []), ("music", ["--music", str(music)])):
        result = run("export", *common, "-o", str(folder / f"{name}.wav"), *extra)
        assert result.exit_code == 0, result.output
    shown = run("show", *common, "--json")
    assert shown.exit_code == 0, shown.output
    return folder, json.loads(shown.stdout)


def samples_of(path: Path) -> np.ndarray:
    with wave.open(str(path)) as audio:
        return np.frombuffer(audio.readframes(audio.getnframes()), dtype="<i2").astype(np.float64)


def rms_db(values: np.ndarray) -> float:
    rms = math.sqrt(float(np.mean(values**2))) if len(values) else 0.0
    return 20 * math.log10(rms) if rms > 0 else -math.inf


def test_in_every_line_and_cue_the_music_is_at_least_10_db_lower(music_exports):
    folder, script = music_exports
    music = samples_of(folder / "music.wav") - samples_of(folder / "plain.wav")  # exact: the music's part
    sounds = [(frame_at(round(e["start"] * 1000), RATE), frame_at(round((e["start"] + e["duration"]) * 1000), RATE))
              for e in script["events"] if e["kind"] != "silence"]
    # music-only stretches: away from every sound (and its ramps) and from every hold, past the fade in
    free = np.ones(len(music), dtype=bool)
    free[: frame_at(FADE_IN_MS + 500, RATE)] = False
    free[-frame_at(5000, RATE):] = False
    for start, end in sounds:
        free[max(0, start - frame_at(300, RATE)) : end + frame_at(900, RATE)] = False
    holds = zip([e for e in script["events"] if e["cue"] == "hold-start"],
                [e for e in script["events"] if e["cue"] == "hold-end"])
    for begin, end in holds:
        free[frame_at(round(begin["start"] * 1000), RATE) : frame_at(round(end["start"] * 1000), RATE)] = False
    edges = np.flatnonzero(np.diff(np.concatenate([[0], free.astype(np.int8), [0]])))
    stretches = [(a, b) for a, b in zip(edges[::2], edges[1::2]) if b - a >= RATE // 2]
    assert len(stretches) >= 3, "the program has too few music-only stretches to compare with"
    levels = [rms_db(music[a:b]) for a, b in stretches]
    up = float(np.median(levels))
    assert max(levels) - min(levels) < 1.0, levels  # the music comes all the way up between lines
    lead = frame_at(DUCK_LEAD_MS, RATE)
    for start, end in sounds:
        assert rms_db(music[start:end]) <= up - 10, (start / RATE, rms_db(music[start:end]), up)
        if start > frame_at(FADE_IN_MS, RATE):
            assert rms_db(music[start - lead // 2 : start]) < up - 3, start / RATE  # lowering from before it
    # no click anywhere: the music part never steps faster than the two tones themselves do
    steepest = 32767 * 0.3 * 2 * np.pi * 330 / RATE
    assert np.abs(np.diff(music)).max() < 1.1 * steepest + 2


@needs_ffmpeg
def test_with_music_the_session_keeps_its_loudness_and_peaks(music_exports):
    folder, _ = music_exports
    integrated, peak = ebur128(folder / "music.wav")
    assert -17.0 <= integrated <= -15.0 and peak <= -1.0, (integrated, peak)


def test_with_music_every_cue_is_still_where_the_script_says(music_exports):
    folder, script = music_exports
    audio = samples_of(folder / "music.wav").astype(np.float32)
    cues = {name: pcm_to_float(pcm) for name, pcm in load_cues(RATE).items()}
    for cue in ("hold-start", "hold-end", "next-exercise"):
        expected = [frame_at(round(e["start"] * 1000), RATE) for e in script["events"] if e["cue"] == cue]
        found = find_sound(audio, cues[cue], threshold=0.9)
        assert len(found) == len(expected), cue
        assert max(abs(a - b) for a, b in zip(found, expected)) <= frame_at(5, RATE), cue


def test_bad_music_is_one_line_before_anything_and_no_file_is_left(tmp_path, run):
    target = tmp_path / "out.mp3"
    for music, message in ((tmp_path / "nope.mp3", "there is no such music file or folder"),
                           (_file(tmp_path / "empty.ogg", b""), "the music file is empty"),
                           (_file(tmp_path / "text.flac", b"hello\n" * 100), "not a music file voicecoach can read")):
        for command in (["export", "beginning", "-o", str(target)], ["play", "beginning"]):
            result = run(*command, "--engine", "espeak", "--music", str(music))
            assert result.exit_code == 2, result.output
            (line,) = result.stderr.splitlines()
            assert line.startswith(f"Error: {music}: ") and message in line
        assert not target.exists() and not list(tmp_path.glob(".out.mp3.*"))


def test_the_cache_command_counts_and_clears_the_decoded_music_too(tmp_path, monkeypatch, run):
    monkeypatch.setenv("VOICECOACH_CACHE_DIR", str(tmp_path / "cache"))
    program = _file(tmp_path / "quick.yaml", QUICK_MUSIC.encode())
    for seconds in (20.0, 30.0):  # two pieces of music: 1.8 and 2.6 MB decoded
        music = write_wav(tmp_path / f"tone-{seconds:.0f}.wav", tone(seconds, RATE, amplitude=0.3), RATE)
        assert run("export", str(program), "--engine", "espeak", "--music", str(music),
                   "-o", str(tmp_path / "out.wav")).exit_code == 0
    music_dir = tmp_path / "cache" / "music"
    phrase_dir = tmp_path / "cache" / "phrases"
    phrase_bytes = sum(path.stat().st_size for path in phrase_dir.glob("*.pcm"))
    music_bytes = sum(path.stat().st_size for path in music_dir.iterdir())
    assert music_bytes > 4_000_000
    phrases, music, total = run("cache").stdout.splitlines()
    assert phrases.startswith(f"{phrase_dir}: {len(list(phrase_dir.glob('*.pcm')))} phrases, ")
    assert music == f"{music_dir}: 2 decoded music files, {music_bytes / 1e6:.1f} MB"
    assert total == f"In all: {(phrase_bytes + music_bytes) / 1e6:.1f} MB"
    cleared = run("cache", "--clear").stdout.splitlines()
    assert cleared[0].startswith("Removed ") and cleared[1] == f"Removed 2 decoded music files from {music_dir}"
    assert list(music_dir.iterdir()) == [] and list(phrase_dir.glob("*.pcm")) == []
    assert run("cache").stdout.splitlines()[1:] == [f"{music_dir}: 0 decoded music files, 0.0 MB", "In all: 0.0 MB"]


def test_music_and_its_level_are_settings_and_the_command_line_wins(tmp_path, monkeypatch, run):
    monkeypatch.setenv("VOICECOACH_CONFIG_DIR", str(tmp_path / "config"))
    music = write_wav(tmp_path / "tone.wav", tone(5.0, RATE, amplitude=0.3), RATE)
    assert run("config", "set", "music", str(music)).exit_code == 0
    assert run("config", "set", "music_level", "-24").exit_code == 0
    bad = run("config", "set", "music_level", "3")
    assert bad.exit_code == 2 and "music level must be a number of dB from -40 to -6" in bad.stderr
    program = tmp_path / "quick.yaml"
    program.write_text(QUICK_MUSIC, encoding="utf-8")
    levels = {}
    for name, extra in (("set", []), ("louder", ["--music-level", "-12"]), ("none", ["--music-level", "-40"])):
        assert run("export", str(program), "--engine", "espeak", "-o", str(tmp_path / f"{name}.wav"),
                   *extra).exit_code == 0
    plain_env = run("config", "unset", "music")
    assert plain_env.exit_code == 0
    assert run("export", str(program), "--engine", "espeak", "-o", str(tmp_path / "plain.wav")).exit_code == 0
    plain = samples_of(tmp_path / "plain.wav")
    for name in ("set", "louder", "none"):
        levels[name] = rms_db(samples_of(tmp_path / f"{name}.wav") - plain)
    assert levels["louder"] - levels["set"] == pytest.approx(12, abs=0.5)
    assert levels["set"] - levels["none"] == pytest.approx(16, abs=0.5)


@needs_sink
def test_play_with_music_gives_exactly_the_exported_session(tmp_path, sink, run):
    program = tmp_path / "quick.yaml"
    program.write_text("title: Quick\nexercises:\n  - {name: Squeeze, position: Sit., reps: 1, setup: 2, "
                       "movement: [hold: 2]}\n", encoding="utf-8")
    music = write_wav(tmp_path / "tone.wav", tone(9.0, 44100, amplitude=0.3, hz=(220.0, 330.0)), 44100)
    options = [str(program), "--engine", "espeak", "--pace", "4", "--music", str(music)]
    assert run("export", *options, "-o", str(tmp_path / "session.wav")).exit_code == 0
    shown = json.loads(run("show", *options[:-2], "--json").stdout)
    mark = sink.mark()
    done = subprocess.run([sys.executable, "-m", "voicecoach", "play", *options, "--quiet", "--from", "1"],
                          capture_output=True, text=True, env=sink.env, timeout=120)
    assert done.returncode == 0 and done.stderr == "", done.stderr
    time.sleep(0.3)
    heard = np.frombuffer(sink.captured(mark), dtype="<i2").tobytes()
    exported = samples_of(tmp_path / "session.wav").astype("<i2")
    # From exercise 1 (--from 1): the music there as in the export, after play's 60 ms fade in.
    played_from = frame_at(round(next(e["start"] for e in shown["events"] if e["exercise"]) * 1000), RATE)
    settled = played_from + frame_at(START_FADE_MS + 40, RATE)
    at = heard.find(exported[settled : settled + RATE].tobytes())
    assert at != -1 and at % 2 == 0, "the music under play is not the export's"
    rest = exported[settled:].tobytes()
    assert heard[at : at + len(rest)] == rest  # to the end of the session, sample for sample


def test_play_mixes_the_music_a_few_seconds_ahead_of_the_listener():
    """The whole buffer is not mixed before the first sound: the overlay keeps MIX_AHEAD_MS ahead."""
    from tests.fakes import Clock, FakeAudio, fake_speech
    from voicecoach.player import Player
    from voicecoach.render import render_span
    from voicecoach.stream import MIX_AHEAD_MS

    script = fake_script()
    clock = Clock()
    audio = FakeAudio(clock)
    calls: list[tuple[int, int, int]] = []

    def overlay(pcm, frame, started):
        calls.append((frame, len(pcm) // 2, started))
        samples = np.frombuffer(pcm, dtype="<i2")
        samples += 1  # a stand-in for the music: one step up, so what was mixed can be seen

    player = Player(script, render=lambda a, b: render_span(script, fake_speech, FAKE_CUES, RATE, a, b),
                    speak=fake_speech, audio=audio, sample_rate_hz=RATE, clock=clock, overlay=overlay)
    player.start(0)
    assert calls == [(0, frame_at(MIX_AHEAD_MS, RATE), 0)]  # only the first seconds before it plays
    for _ in range(200):  # ten seconds of playing
        clock.advance(0.05)
        player.poll()
    mixed = sum(count for _, count, _ in calls)
    assert abs(mixed - frame_at(10_000 + MIX_AHEAD_MS, RATE)) <= frame_at(60, RATE)
    played = np.frombuffer(audio.played[0].pcm, dtype="<i2")
    plain = np.frombuffer(render_span(script, fake_speech, FAKE_CUES, RATE, 0, script.duration_ms), dtype="<i2")
    assert np.array_equal(played[:mixed], plain[:mixed] + 1) and np.array_equal(played[mixed:], plain[mixed:])
    at = player.position_ms()
    player.toggle_pause()
    player.toggle_pause()  # a new buffer from the resume point: mixed from there, faded in from there
    frame, _, started = calls[-1]
    assert started == frame == frame_at(player.timeline.resume_point(at), RATE)


def test_while_the_session_is_still_being_made_the_music_is_mixed_once_into_what_is_written():
    from tests.fakes import Clock, FakeAudio, Growing, fake_speech
    from voicecoach.player import Player
    from voicecoach.render import render_span

    source = Growing()
    clock = Clock()
    audio = FakeAudio(clock)
    calls: dict[int, list[tuple[int, int]]] = {}  # buffer -> (first frame, frames) mixed into it

    def overlay(pcm, frame, started):
        calls.setdefault(id(pcm.obj), []).append((frame, len(pcm) // 2))
        np.frombuffer(pcm, dtype="<i2")[:] += 1

    known, _ = source()
    player = Player(known, render=lambda a, b: render_span(source()[0], fake_speech, FAKE_CUES, RATE, a, b),
                    speak=fake_speech, audio=audio, sample_rate_hz=RATE, clock=clock, grow=source,
                    growing_bound_ms=source.whole.duration_ms + 20_000, overlay=overlay)
    player.start(0)
    for step in range(400):
        if step == 20:
            source.lines = 3
        if step == 60:
            source.complete = True
        clock.advance(0.05)
        player.poll()
    assert len(calls) == len(audio.played) >= 2  # it waited for synthesis, then went on in a new buffer
    for spans in calls.values():  # back to back: nothing mixed twice into a buffer
        assert all(a + n == b for (a, n), (b, _) in zip(spans, spans[1:]))
    last = audio.played[-1]
    (first, _), *_, (end, count) = calls[id(last.pcm)]
    played = np.frombuffer(last.pcm, dtype="<i2")[: end + count - first]
    whole = np.frombuffer(render_span(source.whole, fake_speech, FAKE_CUES, RATE, 0, source.whole.duration_ms),
                          dtype="<i2")
    assert end + count - first > frame_at(10_000, RATE)
    assert np.array_equal(played, whole[first : end + count] + 1)


def test_the_history_keeps_the_music_as_a_full_path(tmp_path, monkeypatch, run):
    from voicecoach.history import sessions

    write_wav(tmp_path / "tone.wav", tone(3.0, RATE, amplitude=0.3), RATE)
    (tmp_path / "quick.yaml").write_text(QUICK_MUSIC, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = run("export", "quick.yaml", "--engine", "espeak", "-o", "out.wav", "--music", "tone.wav",
                 "--music-level", "-20")
    assert result.exit_code == 0, result.output
    settings = sessions()[0].settings
    assert settings.music == str(tmp_path / "tone.wav") and settings.music_level_db == -20
    assert f"--music {tmp_path / 'tone.wav'}" in " ".join(settings.arguments())
