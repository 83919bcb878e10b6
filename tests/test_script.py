"""The compiler: a pure function from program and options to a tiled, deterministic timeline."""

from __future__ import annotations

import json

import pytest

from voicecoach.phrasebook import ENGLISH
from voicecoach.program import (
    BUILTIN_NAMES,
    Hold,
    Move,
    load_builtin,
    parse_program,
)

number_words = ENGLISH.number
from voicecoach.script import (
    CUE_HOLD_END,
    CUE_HOLD_START,
    CUE_TICK,
    LEAD_IN_MS,
    MAX_QUIET_MS,
    Estimate,
    OptionError,
    Options,
    Script,
    compile_head,
    compile_script,
    format_clock,
    format_length,
    head_lines,
    script_to_json,
    script_to_text,
)
from tests.fakes import FAKE, FakeDurations
from tests.samples import make_exercise, make_program, start_of
from voicecoach.settings import check_pace


def speech(script: Script, exercise: str | None = None) -> list:
    return [e for e in script.events if e.kind == "speech" and (exercise is None or e.exercise == exercise)]


def holds(script: Script) -> list[tuple[int, int]]:
    """(start, length) of every hold, from its hold-start cue to its hold-end cue."""
    starts = [e for e in script.events if e.cue == CUE_HOLD_START]
    ends = [e for e in script.events if e.cue == CUE_HOLD_END]
    assert len(starts) == len(ends)
    return [(s.start_ms, e.start_ms - s.start_ms) for s, e in zip(starts, ends)]


ALL_SCRIPTS = [(name, pace) for name in BUILTIN_NAMES for pace in (0.25, 0.5, 1.0, 1.5, 4.0)]


@pytest.mark.parametrize(("name", "pace"), ALL_SCRIPTS)
def test_events_tile_the_timeline(name, pace):
    script = compile_script(load_builtin(name), Options(pace=pace))
    assert script.events[0].start_ms == 0
    for before, after in zip(script.events, script.events[1:]):
        assert after.start_ms == before.end_ms, (before, after)
        assert not (before.kind == after.kind == "silence" and before.rep == after.rep
                    and before.side == after.side and before.exercise == after.exercise)
    assert all(e.duration_ms > 0 for e in script.events)
    assert script.duration_ms == sum(e.duration_ms for e in script.events)


@pytest.mark.parametrize(("name", "pace"), ALL_SCRIPTS)
def test_event_kinds_carry_their_payload(name, pace):
    script = compile_script(load_builtin(name), Options(pace=pace))
    for event in script.events:
        assert event.kind in ("speech", "cue", "silence")
        assert (event.text is not None) == (event.kind == "speech")
        assert (event.cue is not None) == (event.kind == "cue")
        assert event.text is None or event.text.strip()


@pytest.mark.parametrize(("name", "pace"), ALL_SCRIPTS)
def test_holds_are_exactly_prescribed_whatever_the_pace(name, pace):
    program = load_builtin(name)
    script = compile_script(program, Options(pace=pace))
    expected = []
    for exercise in program.exercises:
        for _ in range(exercise.reps * (2 if exercise.each_side else 1)):
            expected += [round(h.seconds * 1000) for h in exercise.holds]
    assert [length for _, length in holds(script)] == expected


def hold_lines(quiet_holds: bool) -> list[tuple[int, str]]:
    exercise = make_exercise(movement=(Move("Lift.", 2), Hold(20.0), Move("Lower.", 2)), reps=1,
                             reminder="Keep breathing.", reminder_said="each repetition")
    script = compile_script(make_program(exercise), Options(quiet_holds=quiet_holds), durations=FAKE)
    ((start, length),) = holds(script)
    return [(e.start_ms - start, e.text) for e in script.events
            if e.kind == "speech" and start < e.start_ms < start + length]


QUIET_HOLD = [(200 + 250, "Keep breathing."), (10_000, "Halfway."), (15_000, "Five more seconds."),
              (17_000, "Three."), (18_000, "Two."), (19_000, "One.")]


def test_hold_cues_frame_nothing_but_reassurance():
    assert hold_lines(quiet_holds=True) == QUIET_HOLD


def test_a_long_hold_says_the_time_left_so_it_is_never_quiet_for_long():
    """Between the reminder (ending at 0.65 s) and "Halfway." at 10 s, "Fifteen more seconds."
    on the 5-second step; with quiet holds, nothing."""
    assert hold_lines(quiet_holds=False) == sorted(QUIET_HOLD + [(5_000, "Fifteen more seconds.")])


def quiet_stretches(script: Script) -> list[int]:
    sounds = [e for e in script.events if e.kind != "silence"]
    return [after.start_ms - before.end_ms for before, after in zip(sounds, sounds[1:])]


@pytest.mark.parametrize(("name", "pace"), ALL_SCRIPTS)
def test_no_silence_is_longer_than_the_rule(name, pace):
    script = compile_script(load_builtin(name), Options(pace=pace))
    assert max(quiet_stretches(script)) <= MAX_QUIET_MS
    assert script.events[0].kind == "silence" and script.events[0].duration_ms == LEAD_IN_MS


def test_long_holds_and_rests_of_your_own_keep_the_rule():
    """A minute-long hold and rest, slow movements at half pace: time left in holds and rests,
    ticks in the movements where no words fit."""
    exercise = make_exercise(movement=(Move("Slowly lift.", 9), Hold(60.0), Move("Lower.", 9)), reps=2,
                             rest_after_s=60.0)
    script = compile_script(make_program(exercise, make_exercise(name="B")), Options(pace=0.5), durations=FAKE)
    assert max(quiet_stretches(script)) <= MAX_QUIET_MS
    texts = [e.text for e in speech(script)]
    assert "Fifty-five more seconds." in texts
    assert "Rest for two minutes." in texts and "Next exercise in five seconds." in texts
    assert any(e.cue == CUE_TICK for e in script.events)
    quiet = compile_script(make_program(exercise), Options(pace=0.5, quiet_holds=True), durations=FAKE)
    assert max(quiet_stretches(quiet)) > MAX_QUIET_MS


def test_short_hold_gets_no_countdown():
    exercise = make_exercise(movement=(Hold(5.0),), reps=1)
    script = compile_script(make_program(exercise), durations=FAKE)
    ((start, length),) = holds(script)
    assert length == 5000
    assert not [e for e in script.events if e.kind == "speech" and start < e.start_ms < start + length]


def test_reminder_too_long_for_the_hold_is_said_before_it():
    reminder = "Remember to keep breathing slowly and evenly through the whole hold please."
    exercise = make_exercise(movement=(Hold(1.0),), reps=2, reminder=reminder, reminder_said="each repetition")
    script = compile_script(make_program(exercise), durations=FAKE)
    for start, length in holds(script):
        assert not [e for e in script.events if e.kind == "speech" and start < e.start_ms < start + length]
        before = [e for e in script.events if e.end_ms <= start and e.kind == "speech"][-1]
        assert before.text == reminder


def test_reassurance_that_does_not_fit_is_left_out_not_overlapped():
    class SlowSpeech(FakeDurations):
        def speech_ms(self, text: str) -> int:
            return 1500 * len(text.split())  # "Three." alone takes 1.5 s: the countdown cannot fit

    exercise = make_exercise(movement=(Hold(20.0),), reps=1)
    script = compile_script(make_program(exercise), durations=SlowSpeech())
    texts = [e.text for e in speech(script, "Bends")]
    assert "Halfway." in texts and "Three." not in texts and "Two." not in texts
    ((_, length),) = holds(script)
    assert length == 20_000


@pytest.mark.parametrize("pace", [0.5, 1.0, 2.0])
def test_pace_scales_movement_tempo(pace):
    script = compile_script(make_program(make_exercise(reps=2)), Options(pace=pace), durations=FAKE)
    assert start_of(script, "Straighten.") - start_of(script, "Bend.") == round(3000 / pace)
    # The count starts the rest between reps; the next rep starts after the scaled rest.
    assert start_of(script, "Bend.", 1) - start_of(script, "That's one.") == round(2000 / pace)


@pytest.mark.parametrize("pace", [0.5, 1.0, 2.0])
def test_pace_scales_rest_between_exercises(pace):
    program = make_program(make_exercise(name="A"), make_exercise(name="B"))
    script = compile_script(program, Options(pace=pace), durations=FAKE)
    next_cue = [e for e in script.events if e.cue == "next-exercise"][1]
    rest = next(e.text for e in script.events if e.text and e.text.startswith("Rest for"))
    assert rest == f"Rest for {number_words(round(15 / pace))} seconds."
    assert next_cue.start_ms - start_of(script, rest) == round(15_000 / pace)


def test_speech_is_never_cut_by_a_fast_pace():
    exercise = make_exercise(movement=(Move("Bend your knee all the way to the top now.", 0.5),), reps=2)
    script = compile_script(make_program(exercise), Options(pace=4.0), durations=FAKE)
    line = [e for e in script.events if e.text == "Bend your knee all the way to the top now."][0]
    assert line.duration_ms == FAKE.speech_ms(line.text)
    after = script.events[script.events.index(line) + 1]
    assert after.kind == "silence" and after.duration_ms >= 250


def test_each_side_does_all_reps_left_then_right():
    exercise = make_exercise(each_side=True, reps=3)
    script = compile_script(make_program(exercise), durations=FAKE)
    counts = [(e.side, e.rep, e.text) for e in speech(script, "Bends") if e.text.startswith("That's ")]
    assert counts == [
        ("left", 1, "That's one."), ("left", 2, "That's two."), ("left", 3, "That's three."),
        ("right", 1, "That's one."), ("right", 2, "That's two."), ("right", 3, "That's three."),
    ]
    texts = [e.text for e in speech(script, "Bends")]
    assert texts.count("Left side first.") == 1
    switch = texts.index("Switch to the other side. Now your right side.")
    assert texts[switch - 1] == "That's three." and "Get into position." in texts[switch:]


def test_one_side_has_no_side():
    script = compile_script(make_program(), durations=FAKE)
    assert {e.side for e in script.events} == {None}


def test_counts_in_order_with_totals_when_holding():
    plain = compile_script(make_program(make_exercise(reps=3)), durations=FAKE)
    assert [e.text for e in speech(plain) if e.text.startswith("That's ")] == [
        "That's one.", "That's two.", "That's three."]
    holding = compile_script(make_program(make_exercise(reps=2, movement=(Hold(3.0),))), durations=FAKE)
    assert [e.text for e in speech(holding) if "of two" in e.text] == ["One out of two.", "Two out of two."]


def test_session_order_intro_exercises_end():
    program = make_program(make_exercise(name="A"), make_exercise(name="B"))
    script = compile_script(program, durations=FAKE)
    texts = [e.text for e in speech(script)]
    assert texts[0] == "Test."
    assert texts[1].startswith("Two exercises")
    assert texts[2] == "Be careful."
    assert texts.index("Exercise one of two: A.") < texts.index("Next: B.") < texts.index("Exercise two of two: B.")
    assert texts[-1] == "That is the end of your session. Well done."
    assert script.events[-1].cue == "session-end"
    assert sum(text.startswith("Rest for") for text in texts) == 1  # no rest after the last exercise


def test_exercise_intro_precedes_ready_begin():
    script = compile_script(make_program(), durations=FAKE)
    texts = [e.text for e in speech(script, "Bends")]
    assert texts[:5] == ["Exercise one of one: Bends.", "Sit.", "Three times.", "Get into position.", "Ready."]
    assert texts[5] == "Begin." and texts[6] == "Bend."


def test_summary_minutes_match_the_length():
    for name in BUILTIN_NAMES:
        script = compile_script(load_builtin(name))
        minutes = (script.duration_ms + 30_000) // 60_000
        words = {12: "twelve", 13: "thirteen", 14: "fourteen", 15: "fifteen", 16: "sixteen"}[minutes]
        (line,) = [e.text for e in script.events if e.text and e.text.startswith("This session takes")]
        assert line == f"This session takes about {words} minutes."


def test_range_hold_frames_its_upper_bound_and_says_the_range():
    exercise = make_exercise(movement=(Hold(5.0, min_seconds=1.0),), reps=2)
    script = compile_script(make_program(exercise), durations=FAKE)
    assert [length for _, length in holds(script)] == [5000, 5000]
    assert "Hold for up to five seconds each time." in [e.text for e in speech(script)]


def test_measured_durations_are_used_as_given():
    script = compile_script(make_program(), durations=FAKE)
    for event in script.events:
        if event.kind == "speech":
            assert event.duration_ms == FAKE.speech_ms(event.text)
        if event.kind == "cue":
            assert event.duration_ms == 200


def test_compile_is_deterministic():
    program = load_builtin("beginning")
    assert script_to_json(compile_script(program)) == script_to_json(compile_script(load_builtin("beginning")))


def test_json_has_the_documented_shape():
    script = compile_script(load_builtin("intermediate"), Options(pace=0.8))
    data = json.loads(script_to_json(script))
    assert {k: data[k] for k in ("program", "title", "pace")} == {
        "program": "intermediate", "title": "Intermediate back exercise program", "pace": 0.8}
    assert data["duration"] == script.duration_s
    assert len(data["events"]) == len(script.events)
    for raw, event in zip(data["events"], script.events):
        assert set(raw) == {"start", "duration", "kind", "text", "cue", "exercise", "side", "rep"}
        assert raw["start"] == event.start_s and raw["duration"] == event.duration_s
    hold_starts = [e for e in data["events"] if e["cue"] == "hold-start"]
    assert {e["side"] for e in hold_starts} == {"left", "right"}
    assert all(isinstance(e["rep"], int) and e["exercise"] for e in hold_starts)


def test_json_survives_unicode():
    program = parse_program("title: Rücken — übung\nexercises:\n  - {name: Ünö, position: Sitz., reps: 1, "
                            "movement: [{hold: 2}]}\n".encode(), name="r", source="<t>")
    data = json.loads(script_to_json(compile_script(program)))
    assert data["title"] == "Rücken — übung"


@pytest.mark.parametrize("bad", [0.0, 0.24, 4.01, -1.0, float("nan"), float("inf"), float("-inf")])
def test_bad_pace_is_refused(bad):
    with pytest.raises(OptionError):
        Options(pace=bad)
    with pytest.raises(OptionError):
        check_pace(bad)


@pytest.mark.parametrize("good", [0.25, 1, 4])
def test_pace_bounds_are_inclusive(good):
    assert check_pace(good) == good


def test_estimate_grows_with_text_and_slows_with_rate():
    assert Estimate().speech_ms("Up.") < Estimate().speech_ms("Slowly lower your heels to the floor.")
    assert Estimate(rate_wpm=100).speech_ms("Bend your knee.") > Estimate(rate_wpm=200).speech_ms("Bend your knee.")


@pytest.mark.parametrize(("ms", "clock", "length"), [
    (0, "0:00.0", "0:00"), (949, "0:00.9", "0:01"), (59_960, "1:00.0", "1:00"),
    (61_249, "1:01.2", "1:01"), (3_725_000, "62:05.0", "62:05"),
])
def test_time_formats(ms, clock, length):
    assert format_clock(ms) == clock
    assert format_length(ms) == length


def test_text_lists_every_event_and_the_length():
    script = compile_script(make_program(), durations=FAKE)
    text = script_to_text(script)
    timed = [line for line in text.splitlines() if line.startswith("  ") and ":" in line[:12]]
    assert len(timed) == len(script.events)
    assert text.rstrip().endswith(f"Length {format_clock(script.duration_ms)}")


@pytest.mark.parametrize(("minutes", "expected"), [
    (0, "This session takes under a minute."), (1, "This session takes about one minute."),
    (89, "This session takes about eighty-nine minutes."), (90, "This session takes about two hours."),
    (359, "This session takes about six hours."),
])
def test_session_length(minutes, expected):
    assert ENGLISH.session_length(minutes) == expected
    assert (ENGLISH.exercise_count(1), ENGLISH.exercise_count(2)) == ("One exercise.", "Two exercises.")


def test_the_opening_is_the_same_in_the_whole_script():
    """A cold `play` sounds the opening before the rest is measured: it must be the script's own start."""
    for name in BUILTIN_NAMES:
        program = load_builtin(name)
        for pace in (0.5, 1.0, 2.0):
            script = compile_script(program, Options(pace=pace), durations=FAKE)
            head = compile_head(program, Options(pace=pace), durations=FAKE)
            assert script.events[: len(head)] == head and head[-1].kind == "silence"
            assert [e.text for e in head if e.kind == "speech"] == head_lines(program, ENGLISH)
            for count in range(1, len(head_lines(program, ENGLISH)) + 1):
                assert compile_head(program, Options(pace=pace), FAKE, count=count) == head[: 1 + 2 * count]
            assert script.events[len(head)].text.startswith("This session takes about")


def test_number_words():
    assert [number_words(n) for n in (0, 7, 13, 20, 45, 100, 101, 999, 1000)] == [
        "zero", "seven", "thirteen", "twenty", "forty-five", "one hundred", "one hundred and one",
        "nine hundred and ninety-nine", "1000"]


def test_a_very_long_session_is_announced_in_hours():
    exercises = tuple(make_exercise(name=f"E{i}", reps=100, each_side=True, movement=(Hold(300.0),),
                                    rest_between_reps_s=0) for i in range(1))
    script = compile_script(make_program(*exercises))
    (line,) = [e.text for e in script.events if e.text and e.text.startswith("This session takes")]
    assert script.duration_ms > 16 * 3600 * 1000 and line == "This session takes about seventeen hours."


def test_a_summary_that_never_settles_still_compiles():
    """If saying the minutes changes the minutes back and forth, the compiler keeps its last pass."""

    class Oscillating(FakeDurations):
        def speech_ms(self, text: str) -> int:
            if "minute" in text:  # "under a minute" makes it a minute long, "about one minute" not
                return 25_000 if "under" in text else 100
            return 100

    session_length = ENGLISH.session_length
    script = compile_script(make_program(make_exercise(reps=1)), durations=Oscillating())
    without_line = script.duration_ms - Oscillating().speech_ms(
        next(e.text for e in script.events if e.text and e.text.startswith("This session")))
    # it really flips: "under a minute" makes it over a minute, "about one minute" under
    assert without_line + Oscillating().speech_ms(session_length(0)) >= 30_000
    assert without_line + Oscillating().speech_ms(session_length(1)) < 30_000
    assert script.events[-1].cue == "session-end"
