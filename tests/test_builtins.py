"""The built-in programs keep every fact of the AAOS source text, read from the source itself.

tests/data/back-pain-exercises.txt is the source the programs were written from. These tests parse
it and check each program and its compiled script: exercise names, repetitions, holds (the range
too), each side, the breathing reminder, every measurement, the starting position and movement
words, and the safety advice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from voicecoach.phrasebook import ENGLISH
from voicecoach.program import BUILTIN_NAMES, load_builtin
from voicecoach.script import CUE_HOLD_END, CUE_HOLD_START, compile_script

SOURCE = Path(__file__).parent / "data" / "back-pain-exercises.txt"
STOPWORDS = set("""a an and the of on to with your you until is in at or be then about one other both
each from into up down top while""".split())
# Plain words chosen for the ear in place of the source's: each a deliberate, reviewed rewording.
PLAIN_WORDS = {"abdominal": "stomach", "stabilize": "steady", "felt": "feel", "bent": "bend",
               "distributed": "spread"}


def stem(word: str) -> str:
    word = PLAIN_WORDS.get(word, word)
    return re.sub(r"(ing|s)$", "", word)


@dataclass
class SourceExercise:
    name: str
    lines: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(self.lines)


def read_source() -> dict[str, list[SourceExercise]]:
    programs: dict[str, list[SourceExercise]] = {}
    current: list[SourceExercise] | None = None
    for raw in SOURCE.read_text(encoding="utf-8").splitlines():
        heading = re.fullmatch(r"(Beginning|Intermediate|Advanced) Exercise Program", raw.strip())
        if heading:
            current = programs.setdefault(heading.group(1).lower(), [])
        elif current is not None and re.match(r"^  • ", raw):
            current.append(SourceExercise(raw.strip(" •")))
        elif current is not None and re.match(r"^    • ", raw):
            current[-1].lines.append(raw.strip(" •").rstrip("."))
        elif raw.strip() == "Health Solutions From Our Sponsors":
            current = None
    return programs


SOURCE_PROGRAMS = read_source()
CASES = [(name, index) for name in BUILTIN_NAMES for index in range(len(SOURCE_PROGRAMS[name]))]


def test_source_parsed_as_expected_shape():
    assert sorted(SOURCE_PROGRAMS) == sorted(BUILTIN_NAMES)
    assert [len(SOURCE_PROGRAMS[name]) for name in BUILTIN_NAMES] == [6, 2, 2]


@pytest.mark.parametrize("name", BUILTIN_NAMES)
def test_same_exercises_in_the_same_order(name):
    program = load_builtin(name)
    assert [e.name.lower() for e in program.exercises] == [s.name.lower() for s in SOURCE_PROGRAMS[name]]


def spoken(name: str, exercise: str) -> str:
    script = compile_script(load_builtin(name))
    return " ".join(e.text for e in script.events if e.kind == "speech" and e.exercise == exercise).lower()


def word_forms(number: str) -> set[str]:
    return {number, ENGLISH.number(int(number))}


@pytest.mark.parametrize(("name", "index"), CASES)
def test_repetitions_and_sides(name, index):
    source = SOURCE_PROGRAMS[name][index]
    exercise = load_builtin(name).exercises[index]
    match = re.search(r"Repeat (\d+) times( on each side)?", source.text)
    assert match, source.text
    assert exercise.reps == int(match.group(1))
    assert exercise.each_side == bool(match.group(2))
    script = compile_script(load_builtin(name))
    sides = {e.side for e in script.events if e.exercise == exercise.name and e.rep is not None}
    assert sides == ({"left", "right"} if exercise.each_side else {None})
    for side in sides:
        reps = sorted({e.rep for e in script.events if e.exercise == exercise.name and e.side == side and e.rep})
        assert reps == list(range(1, exercise.reps + 1))


@pytest.mark.parametrize(("name", "index"), CASES)
def test_holds(name, index):
    source = SOURCE_PROGRAMS[name][index]
    exercise = load_builtin(name).exercises[index]
    fixed = re.search(r"Hold (\d+) seconds", source.text)
    ranged = re.search(r"hold for (\d+) to (\d+) seconds", source.text)
    if fixed:
        expected = (float(fixed.group(1)), None)
    elif ranged:
        expected = (float(ranged.group(2)), float(ranged.group(1)))
    else:
        assert not exercise.holds
        return
    assert [(h.seconds, h.min_seconds) for h in exercise.holds] == [expected]
    script = compile_script(load_builtin(name))
    starts = [e.start_ms for e in script.events if e.exercise == exercise.name and e.cue == CUE_HOLD_START]
    ends = [e.start_ms for e in script.events if e.exercise == exercise.name and e.cue == CUE_HOLD_END]
    assert len(starts) == exercise.reps * (2 if exercise.each_side else 1)
    assert {end - start for start, end in zip(starts, ends)} == {int(expected[0] * 1000)}
    if ranged:
        high = ENGLISH.number(int(ranged.group(2)))  # timed to the longest; stopping sooner is the listener's choice
        assert f"hold for up to {high} seconds" in spoken(name, exercise.name)


@pytest.mark.parametrize(("name", "index"), CASES)
def test_breathing_reminder(name, index):
    source = SOURCE_PROGRAMS[name][index]
    exercise = load_builtin(name).exercises[index]
    says_it = "do not hold your breath" in spoken(name, exercise.name)
    assert says_it == ("Do not hold your breath" in source.text)


@pytest.mark.parametrize(("name", "index"), CASES)
def test_every_measurement_is_spoken(name, index):
    """'12 inches', '45 degrees', '6 to 12 inches': each number of a measurement, in words or digits."""
    source = SOURCE_PROGRAMS[name][index]
    text = spoken(name, load_builtin(name).exercises[index].name)
    for line in source.lines:
        if line.startswith(("Repeat", "Hold")) or "seconds" in line:
            continue
        for number in re.findall(r"\d+", line):
            assert word_forms(number) & set(re.findall(r"[\w-]+", text)), (number, line)


@pytest.mark.parametrize(("name", "index"), CASES)
def test_position_and_movement_words_are_kept(name, index):
    """Every content word of every instruction line is spoken (give or take a plural or a listed plain word)."""
    source = SOURCE_PROGRAMS[name][index]
    text = spoken(name, load_builtin(name).exercises[index].name)
    said = {stem(w) for w in re.findall(r"[a-z]+", text)}
    for line in source.lines:
        if line.startswith(("Repeat", "Hold")):
            continue
        words = [w for w in re.findall(r"[a-z]+", line.lower()) if w not in STOPWORDS and not w.isdigit()]
        missing = [w for w in words if stem(w) not in said]
        assert not missing, f"{line!r}: not spoken: {missing}"


@pytest.mark.parametrize("name", BUILTIN_NAMES)
def test_safety_advice_opens_every_session(name):
    script = compile_script(load_builtin(name))
    first_exercise = next(i for i, e in enumerate(script.events) if e.exercise is not None)
    opening = " ".join(e.text for e in script.events[:first_exercise] if e.kind == "speech").lower()
    assert "check with your doctor or physical therapist before" in opening
    assert "some of them may not be right for you" in opening
    assert "makes your pain worse, or causes new pain, stop" in opening
    assert "contact your doctor" in opening
    assert "american academy of orthopaedic surgeons" in opening
