"""Voice activity (voicecoach/hearing.py), the recognizer behind its interface (voicecoach/recognizers/),
and `voicecoach listen`: fakes for the segmenter's logic, then the real Silero VAD, the real Whisper
model and real files."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from voicecoach.hearing import FRAME, Segmenter

pytestmark = pytest.mark.usefixtures("low_priority")  # conftest.py: the others' real-time playback first

RATE = 16_000
listening = pytest.mark.skipif(importlib.util.find_spec("faster_whisper") is None,
                               reason="voicecoach[listen] is not installed")


class Loudness:
    """A detector that calls a window speech when it is loud (the segmenter's logic without a model)."""

    def __call__(self, frames):
        return (np.abs(frames.reshape(-1, FRAME)).max(axis=1) > 0.1).astype(np.float32)


def tone(seconds: float) -> np.ndarray:
    return (0.5 * np.sin(np.arange(int(seconds * RATE)) * 2 * np.pi * 300 / RATE)).astype(np.float32)


def quiet(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * RATE), dtype=np.float32)


def feed(segmenter, audio, block_s=0.1):
    out = []
    block = int(block_s * RATE)
    for start in range(0, len(audio), block):
        out += segmenter.feed(audio[start:start + block], start / RATE)
    return out + segmenter.flush()


def test_each_stretch_of_sound_comes_out_once_it_has_ended_with_its_times_and_a_little_around_it():
    audio = np.concatenate([quiet(1.0), tone(0.6), quiet(1.0), tone(1.2), quiet(1.0)])
    first, second = feed(Segmenter(RATE, detector=Loudness()), audio)
    assert abs(first.start_s - 0.8) < 0.05 and abs(first.end_s - 1.8) < 0.05  # 0.2 s kept each side
    assert abs(second.start_s - 2.4) < 0.05 and abs(second.end_s - 4.0) < 0.05
    assert len(second.samples) == pytest.approx((second.end_s - second.start_s) * RATE, abs=FRAME)


def test_a_click_is_not_speech_and_a_long_stretch_is_cut_into_pieces():
    assert feed(Segmenter(RATE, detector=Loudness()), np.concatenate([quiet(1), tone(0.05), quiet(1)])) == []
    pieces = feed(Segmenter(RATE, detector=Loudness()), np.concatenate([quiet(0.5), tone(20.0), quiet(1)]))
    assert len(pieces) == 3 and all(piece.end_s - piece.start_s <= 8.5 for piece in pieces)


def test_a_stretch_still_under_way_when_the_sound_ends_is_not_lost():
    (stretch,) = feed(Segmenter(RATE, detector=Loudness()), np.concatenate([quiet(0.5), tone(1.0)]))
    assert stretch.end_s == pytest.approx(1.5, abs=0.05)


def spoken(text: str, voice: str = "en-us+f3") -> np.ndarray:
    import soxr

    raw = subprocess.run(["espeak-ng", "-v", voice, "--stdout", text], capture_output=True, check=True).stdout
    rate = int.from_bytes(raw[24:28], "little")
    samples = np.frombuffer(raw[44:], dtype="<i2").astype(np.float32) / 32768
    return soxr.resample(samples, rate, RATE).astype(np.float32)


@listening
def test_silero_hears_speech_and_not_silence_or_noise():
    from voicecoach.hearing import stretches

    rng = np.random.default_rng(1)
    noise = (rng.standard_normal(3 * RATE) * 0.01).astype(np.float32)
    assert list(stretches(np.concatenate([quiet(1.0), noise]))) == []
    words = [spoken("Pause."), spoken("It hurts.")]
    found = list(stretches(np.concatenate([quiet(1.0), words[0], quiet(1.5), words[1], quiet(1.0)])))
    assert len(found) == 2
    assert found[0].start_s < 1.1 and found[1].start_s > 1.0 + len(words[0]) / RATE


@pytest.fixture(scope="module")
def recording(tmp_path_factory):
    """A recording of commands and answers at known times, in silence and noise."""
    import soundfile

    rng = np.random.default_rng(2)
    parts, times = [quiet(1.0)], []
    for text in ("Pause.", "Next.", "It hurts.", "Seven.", "Hello there, how are you.", "Stop."):
        clip = spoken(text)
        times.append((text, sum(len(p) for p in parts) / RATE, (sum(len(p) for p in parts) + len(clip)) / RATE))
        parts += [clip, quiet(1.5)]
    audio = np.concatenate(parts)
    audio += (rng.standard_normal(len(audio)) * 0.003).astype(np.float32)
    path = tmp_path_factory.mktemp("listen") / "commands.wav"
    soundfile.write(str(path), audio, RATE)
    return path, times


def voicecoach(*args, env=None):
    # at a lower priority: the other test processes' real-time playback goes first (see test_voice.py)
    return subprocess.run([sys.executable, "-m", "voicecoach", *args], capture_output=True, text=True, timeout=300,
                          env=env, preexec_fn=lambda: os.nice(10))


@listening
def test_listen_finds_the_commands_of_a_recording_at_their_times(recording):
    path, times = recording
    done = voicecoach("listen", str(path), "--json")
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert [item.get("command", item.get("answer")) for item in found] == ["pause", "next", "hurt", 7, "stop"]
    ends = [end for text, _, end in times if text != "Hello there, how are you."]
    assert all(abs(item["time"] - end) < 0.6 for item, end in zip(found, ends)), (found, ends)
    text = voicecoach("listen", str(path))
    assert text.stdout.split() == [word for item in found for word in (f"{item['time']:.2f}", "s",
                                                                        str(item.get("command", item.get("answer"))))]
    assert text.stderr.strip() == f"5 heard in {path}."


@listening
def test_listen_with_the_session_leaves_voicecoachs_own_voice_out(tmp_path):
    """A session's own audio, at a laptop speaker's level: with its script, nothing is a command;
    with a listener's "Pause." in a silence of it, that is found."""
    import soundfile
    import soxr

    exported, script = tmp_path / "session.wav", tmp_path / "session.json"
    spec = ("beginning", "--only", "1", "--engine", "espeak")
    assert voicecoach("export", *spec, "-o", str(exported)).returncode == 0
    script.write_text(voicecoach("show", *spec, "--json").stdout)
    audio, rate = soundfile.read(str(exported), dtype="float32")
    said = [(event["start"], event["start"] + event["duration"]) for event in json.loads(script.read_text())["events"]
            if event["kind"] == "speech"]
    gap = next(end for (_, end), (start, _) in zip(said, said[1:]) if start - end > 1.8)
    room = audio * 0.3
    clip = soxr.resample(spoken("Pause.", "en+m3"), RATE, rate)
    mixed = room.copy()
    at = int((gap + 0.3) * rate)
    mixed[at:at + len(clip)] += clip * 0.8
    soundfile.write(str(tmp_path / "room.wav"), room, rate)
    soundfile.write(str(tmp_path / "mixed.wav"), mixed, rate)
    assert json.loads(voicecoach("listen", str(tmp_path / "room.wav"), "--session", str(script), "--json").stdout) == []
    (heard,) = json.loads(voicecoach("listen", str(tmp_path / "mixed.wav"), "--session", str(script), "--json").stdout)
    assert heard["command"] == "pause" and gap < heard["time"] < gap + 1.8


def test_listens_bad_input_is_one_line(tmp_path, run, assert_one_line_error):
    fifo = tmp_path / "pipe.wav"
    os.mkfifo(fifo)
    (tmp_path / "text.wav").write_text("not a sound")
    (tmp_path / "s.json").write_text("{\"events\": 3}")
    if importlib.util.find_spec("faster_whisper") is not None:
        assert_one_line_error(run("listen", str(tmp_path / "none.wav")), 2, "none.wav: no such file")
        assert_one_line_error(run("listen", str(fifo)), 2, "pipe.wav: this is not a regular file, not a recording")
        assert_one_line_error(run("listen", str(tmp_path / "text.wav")), 2, "text.wav: not a sound file")
    assert_one_line_error(run("listen", "x.wav", "--session", str(tmp_path / "s.json")), 2,
                          "s.json: not a session script: it has no 'events'")
    assert_one_line_error(run("listen", "x.wav", "--language", "xx"), 2, "no phrasebook for the language 'xx'")


# --- the recognizer behind its interface ---------------------------------------------------------------


def test_no_recognizer_installed_is_one_line_saying_what_to_install(monkeypatch):
    import voicecoach.recognizers as recognizers

    class Absent:
        name, preference, install_hint = "absent", 1, "pip install 'voicecoach[listen]'"

        @classmethod
        def installed(cls):
            return False

    monkeypatch.setattr(recognizers, "recognizer_types", lambda: {"absent": Absent})
    with pytest.raises(recognizers.RecognizerMissing, match=r"^no speech recognizer is installed; pip install"):
        recognizers.create_recognizer()
    with pytest.raises(recognizers.RecognizerError, match="no recognizer named 'vosk'"):
        recognizers.create_recognizer("vosk")


@listening
def test_the_model_is_joined_checked_by_sha256_and_a_damaged_one_is_replaced(tmp_path):
    from voicecoach.recognizers.whisper import MODEL_SHA256, prepare_model

    folder = prepare_model(tmp_path / "whisper")
    model = folder / "model.bin"
    assert hashlib.sha256(model.read_bytes()).hexdigest() == MODEL_SHA256
    with open(model, "r+b") as file:  # one byte damaged
        file.seek(1000)
        byte = file.read(1)
        file.seek(1000)
        file.write(bytes([byte[0] ^ 0xFF]))
    prepare_model(folder)
    assert hashlib.sha256(model.read_bytes()).hexdigest() == MODEL_SHA256


@listening
def test_damaged_model_packages_are_one_line_and_nothing_is_loaded(tmp_path, monkeypatch):
    import voicecoach.recognizers.whisper as whisper

    parts = []
    for index, name in enumerate(("model.bin.part1", "model.bin.part2"), start=1):
        folder = tmp_path / f"part{index}" / "data"
        folder.mkdir(parents=True)
        (folder / name).write_bytes(b"not a model")
        for extra in whisper.FILES:
            (folder / extra).write_text("{}")
        parts.append(folder)
    monkeypatch.setattr(whisper, "_part_dirs", lambda: parts)
    recognizer = whisper.WhisperRecognizer(tmp_path / "joined")
    with pytest.raises(whisper.RecognizerError, match="is damaged .its SHA-256 is not faster-whisper-base's.; reinstall"):
        recognizer.check()
    assert recognizer._model is None and not (tmp_path / "joined" / "model.bin").exists()


@listening
def test_the_real_recognizer_hears_commands_in_a_short_window():
    from voicecoach.commands import SESSION, vocabulary
    from voicecoach.phrasebook import builtin_phrasebook
    from voicecoach.recognizers import create_recognizer

    recognizer = create_recognizer()
    words = vocabulary(builtin_phrasebook("en"))
    pad = quiet(0.2)
    heard = recognizer.transcribe(np.concatenate([pad, spoken("It hurts."), pad]), "en", words.hints(SESSION))
    assert "hurts" in heard.text.lower() and -2.0 < heard.confidence <= 0
