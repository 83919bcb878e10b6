"""The engine registry: engines come in through the voicecoach.engines entry points, the built-in
ones and a test's fake ones alike; the sample rate is the engine's own, all the way to the file."""

from __future__ import annotations

import json
import subprocess
import sys
import wave

import numpy as np
import pytest

from tests.audio import find_sound, needs_sox, pcm_to_float, soxi_frames
from tests.engines import ToneEngine
from tests.samples import QUICK
from voicecoach.cues import CUE_RATE_HZ, load_cues
from voicecoach.engines import create_engine, default_engine_name, engine_type, engine_types
from voicecoach.errors import UnknownVoice
from voicecoach.render import frame_at


def test_the_built_in_engines_register_through_the_entry_points():
    from importlib import metadata

    names = {entry.name: entry.value for entry in metadata.entry_points(group="voicecoach.engines")}
    assert names["espeak"] == "voicecoach.engines.espeak:EspeakEngine"
    assert names["piper"] == "voicecoach.engines.piper:PiperEngine"
    assert {"espeak", "piper"} <= set(engine_types())


def test_a_plugged_engine_is_found_and_made(plug_engine):
    plug_engine("tone", ToneEngine)
    assert engine_types()["tone"] is ToneEngine
    engine = create_engine("tone", None, 160, 1.0)
    assert isinstance(engine, ToneEngine) and len(engine.synthesize("Up.")) == 2 * (3 * 22050 // 40)
    assert default_engine_name() != "tone"  # preference 0: only when asked for


def test_an_unknown_engine_is_a_usage_error():
    with pytest.raises(UnknownVoice, match="unknown speech engine 'espek'; did you mean 'espeak'\\? engines: "):
        engine_type("espek")


def test_a_plugin_that_fails_to_load_is_left_out_with_a_note(plug_engine, capsys):
    plug_engine("broken", value="tests.no_such_module:Engine")
    found = engine_types()
    assert "broken" not in found and "espeak" in found
    err = capsys.readouterr().err
    assert err.startswith("Note: the speech engine plugin 'broken' (tests.no_such_module:Engine) could not be "
                          "loaded and is left out: ModuleNotFoundError")


def test_voices_and_doctor_list_a_plugged_engine(plug_engine):
    env = plug_engine("tone", value="tests.engines:ToneEngine")
    voices = subprocess.run([sys.executable, "-m", "voicecoach", "voices", "--engine", "tone"], capture_output=True,
                            text=True, env=env, timeout=60)
    assert voices.stdout.splitlines() == ["tone: 1 voice", " * tone  A tone  (en)"]
    doctor = subprocess.run([sys.executable, "-m", "voicecoach", "doctor"], capture_output=True, text=True, env=env,
                            timeout=120)
    assert "ok       speech engine tone: a tone\n" in doctor.stdout


@needs_sox
@pytest.mark.parametrize("rate", [16000, 24000])
def test_a_fake_engine_at_its_own_rate_renders_everything_at_that_rate(plug_engine, tmp_path, write_program, rate):
    env = plug_engine(f"tone{rate}", value=f"tests.engines:Tone{rate}")
    env["VOICECOACH_CACHE_DIR"] = str(tmp_path / "cache")
    program = write_program(QUICK.replace("reps: 1", "reps: 2"))
    out = tmp_path / "session.wav"

    def voicecoach(*args):
        return subprocess.run([sys.executable, "-m", "voicecoach", *args, "--engine", f"tone{rate}"],
                              capture_output=True, text=True, env=env, timeout=120, check=True)

    events = json.loads(voicecoach("show", str(program), "--json").stdout)["events"]
    voicecoach("export", str(program), "-o", str(out))
    with wave.open(str(out)) as audio:
        assert audio.getframerate() == rate
        samples = pcm_to_float(audio.readframes(audio.getnframes()))
    assert soxi_frames(out) == frame_at(round(events[-1]["start"] * 1000 + events[-1]["duration"] * 1000), rate)
    cues = load_cues(rate)
    assert len(cues["hold-start"]) // 2 == round(300 * rate / 1000)  # 300 ms at the engine's rate
    for cue in ("hold-start", "hold-end", "next-exercise"):
        expected = [frame_at(round(e["start"] * 1000), rate) for e in events if e["cue"] == cue]
        assert find_sound(samples, pcm_to_float(cues[cue])) == expected
    # each spoken line is the engine's tone, at its place, as long as the engine made it
    line = next(e for e in events if e["text"] == "Sit.")
    start = frame_at(round(line["start"] * 1000), rate)
    tone = samples[start : start + int(0.07 * rate)]
    spectrum = np.abs(np.fft.rfft(tone * np.hanning(len(tone))))
    assert abs(np.argmax(spectrum) * rate / len(tone) - 440) < 20


def test_cues_at_other_rates_keep_their_pitch_and_length():
    base = {name: pcm_to_float(pcm) for name, pcm in load_cues(CUE_RATE_HZ).items()}
    for rate in (16000, 24000, 48000):
        resampled = {name: pcm_to_float(pcm) for name, pcm in load_cues(rate).items()}
        for name, samples in resampled.items():
            assert abs(len(samples) / rate - len(base[name]) / CUE_RATE_HZ) < 0.001
            peak = np.argmax(np.abs(np.fft.rfft(samples))) * rate / len(samples)
            base_peak = np.argmax(np.abs(np.fft.rfft(base[name]))) * CUE_RATE_HZ / len(base[name])
            assert abs(peak - base_peak) < 15, (name, rate, peak, base_peak)
            assert abs(np.sqrt(np.mean(samples**2)) / np.sqrt(np.mean(base[name] ** 2)) - 1) < 0.05
