"""Rendering: every event at its exact frame, nothing cut, pieces bounded in size."""

from __future__ import annotations

import itertools

import pytest

from tests.fakes import FAKE, FAKE_CUES, fake_frames, fake_speech
from tests.samples import make_exercise, make_program
from voicecoach.cues import CUE_RATE_HZ as SAMPLE_RATE_HZ
from voicecoach.program import Hold, Move
from voicecoach.render import (
    MAX_PIECE_FRAMES,
    MeasuredDurations,
    RenderError,
    frame_at,
    render_pcm,
    render_span,
    total_frames,
)
from voicecoach.script import compile_script
from voicecoach.render import ms_for_frames

RATE = SAMPLE_RATE_HZ


def test_slots_always_fit_their_sound():
    for frames, start_ms in itertools.product(range(1, 3000, 7), range(0, 5000, 13)):
        duration_ms = ms_for_frames(frames, RATE)
        assert frame_at(start_ms + duration_ms, RATE) - frame_at(start_ms, RATE) >= frames


def test_every_event_sounds_at_its_frame():
    program = make_program(make_exercise(reps=2, each_side=True, movement=(Move("Lift.", 2), Hold(3.0))))
    durations = MeasuredDurations(fake_frames, FAKE_CUES, RATE)
    script = compile_script(program, durations=durations)
    audio = b"".join(render_pcm(script, fake_speech, FAKE_CUES, RATE))
    assert len(audio) == 2 * total_frames(script, RATE)
    for event in script.events:
        begin, end = 2 * frame_at(event.start_ms, RATE), 2 * frame_at(event.end_ms, RATE)
        expected = {"speech": fake_speech(event.text or ""), "cue": FAKE_CUES.get(event.cue or "", b""),
                    "silence": b""}[event.kind]
        assert audio[begin : begin + len(expected)] == expected
        assert audio[begin + len(expected) : end] == bytes(end - begin - len(expected))


def test_sound_longer_than_its_slot_is_a_render_error():
    script = compile_script(make_program(), durations=FAKE)  # FAKE says 100 ms a word; the sound is longer
    with pytest.raises(RenderError, match="frames but its slot is"):
        b"".join(render_pcm(script, lambda text: b"\x01\x00" * 100_000, FAKE_CUES, RATE))


def test_pieces_are_bounded_so_memory_stays_flat():
    program = make_program(make_exercise(reps=3, rest_after_s=600, movement=(Hold(300.0),)),
                           make_exercise(name="B", reps=1))
    script = compile_script(program, durations=MeasuredDurations(fake_frames, FAKE_CUES, RATE))
    biggest_sound = max(len(fake_speech(e.text)) for e in script.events if e.kind == "speech")
    pieces = render_pcm(script, fake_speech, FAKE_CUES, RATE)
    assert max(len(piece) for piece in pieces) <= max(2 * MAX_PIECE_FRAMES, biggest_sound)


def test_a_span_for_playback_is_the_same_audio_as_the_stream():
    """render_span (zeroed buffer, sounds copied in) and render_pcm (streamed) place alike."""
    import random

    program = make_program(make_exercise(reps=2, each_side=True, movement=(Move("Lift.", 2), Hold(3.0))))
    script = compile_script(program, durations=MeasuredDurations(fake_frames, FAKE_CUES, RATE))
    whole = b"".join(render_pcm(script, fake_speech, FAKE_CUES, RATE))
    assert render_span(script, fake_speech, FAKE_CUES, RATE, 0, script.duration_ms) == whole
    chooser = random.Random(7)
    for _ in range(200):
        start = chooser.randrange(script.duration_ms)
        end = chooser.randrange(start, script.duration_ms + 1)
        span = render_span(script, fake_speech, FAKE_CUES, RATE, start, end)
        assert span == whole[2 * frame_at(start, RATE) : 2 * frame_at(end, RATE)], (start, end)
        streamed = b"".join(render_pcm(script, fake_speech, FAKE_CUES, RATE, start))
        assert streamed == whole[2 * frame_at(start, RATE) :]
