"""Loading and validating program files: every kind of bad file gets one clear line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.samples import JARGON, MINIMAL_PROGRAM
from voicecoach.errors import OptionError, ProgramError
from voicecoach.program import (
    BUILTIN_NAMES,
    MAX_FILE_BYTES,
    Hold,
    Move,
    Sided,
    find_exercise,
    load_builtin,
    load_program,
    parse_program,
    resolve_program,
    select_exercises,
)


def test_minimal_program_loads_with_defaults(write_program):
    program = load_program(write_program(MINIMAL_PROGRAM))
    assert program.name == "routine"
    assert program.title == "Knee routine"
    assert program.intro == () and program.safety == ()
    (exercise,) = program.exercises
    assert exercise.name == "Knee bends"
    assert exercise.position == ("Sit on a chair.",)
    assert exercise.reps == 3
    assert exercise.each_side is False
    assert exercise.movement == (Move("Bend.", 2.0), Move("Straighten.", 2.0))
    assert exercise.rest_between_reps_s == 2.0
    assert exercise.rest_after_s == 15.0


def test_full_program_reads_every_field(write_program):
    program = load_program(write_program("""\
        title: Neck routine
        intro: [Sit tall., Relax your shoulders.]
        safety: Stop if it hurts.
        rest_after: 30
        exercises:
          - name: Chin tucks
            position: Sit tall.
            instructions:
              - Draw your chin straight back.
            reps: 8
            sides: each
            reminder: Keep breathing.
            rest_between_reps: 1.5
            rest_after: 10
            movement:
              - {say: Tuck., seconds: 2}
              - hold: [3, 6]
              - hold: 4
              - {say: Release., seconds: 1.5}
        """))
    assert program.intro == ("Sit tall.", "Relax your shoulders.")
    assert program.safety == ("Stop if it hurts.",)
    exercise = program.exercises[0]
    assert exercise.each_side and exercise.reminder == "Keep breathing."
    assert exercise.rest_between_reps_s == 1.5 and exercise.rest_after_s == 10
    assert exercise.movement[1:3] == (Hold(6.0, min_seconds=3.0), Hold(4.0))
    assert exercise.holds == (Hold(6.0, 3.0), Hold(4.0))


def test_program_rest_after_is_the_default_for_exercises(write_program):
    program = load_program(write_program("rest_after: 42\n" + MINIMAL_PROGRAM))
    assert program.exercises[0].rest_after_s == 42


def test_text_whitespace_is_folded(write_program):
    program = load_program(write_program(MINIMAL_PROGRAM.replace("Sit on a chair.", ">\n      Sit on\n      a   chair.")))
    assert program.exercises[0].position == ("Sit on a chair.",)


def _exercise(**fields: str) -> str:
    """MINIMAL_PROGRAM with exercise fields replaced (value None removes one)."""
    base = {
        "name": "Knee bends",
        "position": "Sit on a chair.",
        "reps": "3",
        "movement": "[{say: Bend., seconds: 2}]",
    }
    base.update(fields)
    body = "".join(f"    {key}: {value}\n" for key, value in base.items() if value is not None)
    return "title: Knee routine\nexercises:\n  - " + body.lstrip()


BAD_FILES = [
    # (id, content, expected message part, expected line or None)
    ("empty", "", "the file is empty", None),
    ("whitespace", "  \n\n", "the file is empty", None),
    ("comments only", "# nothing\n", "only comments", None),
    ("a list", "- a\n- b\n", "a program starts with 'title:' and 'exercises:' lines; found a list", 1),
    ("a scalar", "hello\n", "found the text 'hello'", 1),
    ("broken yaml", "title: x\nexercises: [\n  - a\n", "does not fit the layout of a program", 3),
    ("tab indent", "title: x\n\tfoo: 1\n", "indented with a tab; indent with spaces", 2),
    ("two documents", "title: a\n---\ntitle: b\n", "'---' starts a second program", 2),
    ("binary", b"\x7fELF\x02\x01\x01\x00\x00\x00", "binary file", None),
    ("not utf-8", b"title: caf\xe9\n", "not UTF-8 text", 1),
    ("huge", b"# " + b"x" * MAX_FILE_BYTES, "too large", None),
    ("alias", "a: &x [1]\nb: *x\n", "anchors and aliases", 2),
    ("duplicate key", "title: a\ntitle: b\nexercises: []\n", "'title' is given twice (lines 1 and 2); keep one", 2),
    ("title typo", MINIMAL_PROGRAM.replace("title:", "titel:"), "unknown key 'titel'; did you mean 'title'?", 1),
    ("unknown top key", "colour: red\n" + MINIMAL_PROGRAM, "unknown key 'colour'; expected one of: language, intro, safety", 1),
    ("missing title", MINIMAL_PROGRAM.replace("title: Knee routine\n", ""), "missing 'title'", 1),
    ("title not text", MINIMAL_PROGRAM.replace("Knee routine", "42"), "'title' must be text, found the number 42 (put it in quotes)", 1),
    ("empty title", MINIMAL_PROGRAM.replace("Knee routine", "''"), "'title' is empty", 1),
    ("control char", MINIMAL_PROGRAM.replace("Knee routine", '"Knee\\x07 routine"'), "control character", 1),
    ("text too long", MINIMAL_PROGRAM.replace("Knee routine", "word " * 100), "too long", 1),
    ("exercises not list", "title: x\nexercises: {a: 1}\n", "'exercises' must be a list of exercises (each starting with '- '), found a group of", 2),
    ("no exercises", "title: x\nexercises: []\n", "'exercises' is empty", 2),
    ("exercise not mapping", "title: x\nexercises:\n  - just a line\n", "exercise 1 must be a group of 'key: value' lines", 3),
    ("reps typo", _exercise(reps=None, rep="3"), "exercise 1 (Knee bends): unknown key 'rep'; did you mean 'reps'?", 6),
    ("missing reps", _exercise(reps=None), "exercise 1 (Knee bends): missing 'reps'", 3),
    ("reps zero", _exercise(reps="0"), "'reps' must be from 1 to 100, found 0", 5),
    ("reps negative", _exercise(reps="-3"), "'reps' must be from 1 to 100, found -3", 5),
    ("reps huge", _exercise(reps="1000000"), "'reps' must be from 1 to 100, found 1000000", 5),
    ("reps fraction", _exercise(reps="2.5"), "'reps' must be a whole number, found the number 2.5", 5),
    ("reps text", _exercise(reps="ten"), "'reps' must be a whole number, found the text 'ten'", 5),
    ("reps bool", _exercise(reps="true"), "'reps' must be a whole number, found 'true' (true/false)", 5),
    ("reps yes is text", _exercise(reps="yes"), "'reps' must be a whole number, found the text 'yes'", 5),
    ("a number far too long", _exercise(reps="1" * 5000), "this number has 5000 digits; no value in a program has more "
     "than 100", 5),
    ("a long number is cut", _exercise(reps="9" * 99), f"'reps' must be from 1 to 100, found {'9' * 37}...", 5),
    ("a tag", MINIMAL_PROGRAM.replace("Knee routine", "!!int x"), "tags (!name, !!name) are not supported in program "
     "files; text that starts with '!' must be in quotes", 1),
    ("a tag on a list", _exercise(position="!!seq x"), "tags (!name, !!name) are not supported", 4),
    ("a timestamp tag", _exercise(position="!!timestamp x"), "tags (!name, !!name) are not supported", 4),
    ("on is a key, not true", "on: 1\n" + MINIMAL_PROGRAM, "unknown key 'on'", 1),
    ("sides wrong", _exercise(sides="both"), "'sides' must be 'one' or 'each', found the text 'both'", 7),
    ("position empty", _exercise(position="'  '"), "'position' is empty", 4),
    ("position empty list", _exercise(position="[]"), "'position' is an empty list", 4),
    ("position item not text", _exercise(position="[Sit., 3]"), "'position', line 2 of the list, must be text", 4),
    ("movement empty", _exercise(movement="[]"), "'movement' is empty", 6),
    ("movement not list", _exercise(movement="Bend."), "'movement' must be a list of steps", 6),
    ("step not mapping", _exercise(movement="[Bend.]"), "movement step 1: expected 'say: ...' with 'seconds: ...', or 'hold: seconds'", 6),
    ("step key typo", _exercise(movement="[{sya: Bend., seconds: 2}]"), "movement step 1: unknown key 'sya'; did you mean 'say'?", 6),
    ("step missing seconds", _exercise(movement="[{say: Bend.}]"), "movement step 1: missing 'seconds'", 6),
    ("seconds zero", _exercise(movement="[{say: Bend., seconds: 0}]"), "'seconds' must be from 0.1 to 60 seconds, found 0", 6),
    ("seconds text", _exercise(movement="[{say: Bend., seconds: slow}]"), "'seconds' must be a number of seconds", 6),
    ("hold zero", _exercise(movement="[{hold: 0}]"), "'hold' must be from 1 to 300 seconds, found 0", 6),
    ("hold negative", _exercise(movement="[{hold: -5}]"), "found -5", 6),
    ("hold huge", _exercise(movement="[{hold: 100000}]"), "'hold' must be from 1 to 300 seconds", 6),
    ("hold nan", _exercise(movement="[{hold: .nan}]"), "found nan", 6),
    ("hold infinite", _exercise(movement="[{hold: .inf}]"), "found inf", 6),
    ("hold range backwards", _exercise(movement="[{hold: [5, 1]}]"), "range must go from shorter to longer", 6),
    ("hold range three", _exercise(movement="[{hold: [1, 2, 3]}]"), "range must be two numbers", 6),
    ("hold with say", _exercise(movement="[{hold: 5, say: Hold.}]"), "'say' and 'hold' are in one step", 6),
    ("rest negative", _exercise(rest_after="-1"), "'rest_after' must be from 0 to 600 seconds, found -1", 7),
    ("rest between huge", _exercise(rest_between_reps="99999"), "'rest_between_reps' must be from 0 to 300", 7),
    ("duplicate exercise", "title: x\nexercises:\n"
     + "  - {name: Bends, position: Sit., reps: 1, movement: [{hold: 2}]}\n"
     + "  - {name: bends, position: Sit., reps: 1, movement: [{hold: 2}]}\n",
     "exercise 2: the name 'bends' is already used by exercise 1", 4),
]


@pytest.mark.parametrize(("content", "message", "line"), [case[1:] for case in BAD_FILES],
                         ids=[case[0] for case in BAD_FILES])
def test_bad_file_gets_one_clear_line(write_program, content, message, line):
    path = write_program(content)
    with pytest.raises(ProgramError) as caught:
        load_program(path)
    error = caught.value
    assert message in error.message
    assert not JARGON.search(error.message), error.message
    assert error.source == str(path)
    assert error.line == line
    text = str(error)
    assert "\n" not in text
    assert text.startswith(str(path) + (f", line {line}: " if line else ": "))


# What a value written without quotes means: YAML 1.2's core schema, as editors read it (YAML 1.1,
# which PyYAML reads, made 'yes' true, '1:30' ninety, '1_0' ten and '012' ten).
YAML_1_2 = [
    # (written, the key it is written for, what the program holds)
    ("yes", "title", "yes"), ("No", "title", "No"), ("on", "title", "on"), ("off", "title", "off"),
    ("1:30", "title", "1:30"), ("1_0", "title", "1_0"), ("2024-01-01", "title", "2024-01-01"), ("0b11", "title", "0b11"),
    ("012", "rest_after", 12), ("0o12", "rest_after", 10), ("0x1A", "rest_after", 26), ("1e2", "rest_after", 100),
    (".5", "rest_after", 0.5), ("5.", "rest_after", 5), ("+7", "rest_after", 7), ("-0", "rest_after", 0),
    ("true", "wait_for_me", True), ("True", "wait_for_me", True), ("FALSE", "wait_for_me", False),
]


@pytest.mark.parametrize(("written", "key", "meant"), YAML_1_2, ids=[f"{key}: {text}" for text, key, _ in YAML_1_2])
def test_a_value_means_what_yaml_1_2_says(write_program, written, key, meant):
    text = MINIMAL_PROGRAM.replace("Knee routine", written) if key == "title" else f"{key}: {written}\n" + MINIMAL_PROGRAM
    program = load_program(write_program(text))
    held = {"title": program.title, "rest_after": program.exercises[0].rest_after_s,
            "wait_for_me": program.exercises[0].wait_for_me}[key]
    assert held == meant


def test_a_whole_number_written_with_a_point_is_whole(write_program):
    """3.0 is an integer to an editor's JSON Schema, so it is one to the loader too."""
    assert load_program(write_program(_exercise(reps="3.0"))).exercises[0].reps == 3


def test_left_and_right_can_be_written_straight_in_a_movement_step(write_program):
    program = load_program(write_program("""\
        title: Neck
        exercises:
          - name: Side bends
            position: Sit tall.
            sides: each
            reps: 2
            movement:
              - left: Tilt your head to the left.
                right: Tilt your head to the right.
                seconds: 3
              - say:
                  left: Back from the left.
                  right: Back from the right.
                seconds: 2
        """))
    first, second = program.exercises[0].movement
    assert first == Move(Sided("Tilt your head to the left.", "Tilt your head to the right."), 3.0)
    assert second == Move(Sided("Back from the left.", "Back from the right."), 2.0)
    assert first.line == 8


def _many(count: int, exercise: str) -> str:
    return "title: x\nexercises:\n" + "".join(f"  - {{name: E{i}, {exercise}}}\n" for i in range(count))


def test_session_too_long_is_refused(write_program):
    path = write_program(_many(3, "position: Sit., reps: 100, sides: each, movement: [{hold: 300}]"))
    with pytest.raises(ProgramError, match=r"would last at least 50\.3 hours; a session can be at most 6") as caught:
        load_program(path)
    assert caught.value.line == 2


def test_too_many_steps_is_refused(write_program):
    path = write_program(_many(50, "position: Sit., reps: 100, movement: [{say: Up., seconds: 0.1}, "
                                   "{say: Down., seconds: 0.1}, {say: Up., seconds: 0.1}]"))
    with pytest.raises(ProgramError, match="15000 movement steps in all"):
        load_program(path)


def test_deep_nesting_is_refused_not_crashed(write_program):
    with pytest.raises(ProgramError, match="nested far too deeply|not valid YAML"):
        load_program(write_program("[" * 20000 + "]" * 20000))


def test_alias_bomb_is_refused_quickly(write_program):
    lines = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    lines += [f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]" for i in range(8)]
    with pytest.raises(ProgramError, match="anchors and aliases"):
        load_program(write_program("\n".join(lines) + "\n"))


def test_billion_laughs_is_refused_in_bounded_memory(write_program):
    """The classic bomb, loaded in a process capped at 512 MB: expanding it would need about 100 GB."""
    lines = ['lol0: &lol0 "lol"'] + [f"lol{n}: &lol{n} [{', '.join([f'*lol{n - 1}'] * 10)}]" for n in range(1, 10)]
    path = write_program("\n".join(lines + ["title: *lol9"]) + "\n")  # where a message would quote it
    capped = ("import resource, sys; resource.setrlimit(resource.RLIMIT_AS, (512 << 20, 512 << 20)); "
              "from voicecoach.cli import main; sys.argv = ['voicecoach', 'show', '--estimate', sys.argv[1]]; main()")
    done = subprocess.run([sys.executable, "-c", capped, str(path)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert done.stderr == (f"Error: {path}, line 2: anchors and aliases (&name, *name) are not supported "
                           "in program files; text that starts with '*' or '&' must be in quotes\n")


def test_missing_file(tmp_path):
    with pytest.raises(ProgramError, match="no such file") as caught:
        load_program(tmp_path / "nope.yaml")
    assert caught.value.source == str(tmp_path / "nope.yaml")


def test_directory(tmp_path):
    with pytest.raises(ProgramError, match="is a directory"):
        load_program(tmp_path)


def test_unreadable_file(write_program, monkeypatch):
    path = write_program(MINIMAL_PROGRAM)
    real_open = os.open  # load_program opens with os.open (files.read_regular), never blocking on a FIFO

    def deny(file, *args, **kwargs):
        if str(file) == str(path):
            raise PermissionError(13, "Permission denied", str(path))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(os, "open", deny)
    with pytest.raises(ProgramError, match="permission denied"):
        load_program(path)


def test_byte_order_mark_is_accepted(write_program):
    assert load_program(write_program(b"\xef\xbb\xbf" + MINIMAL_PROGRAM.encode())).title == "Knee routine"


def test_unicode_and_path_with_spaces(tmp_path):
    path = tmp_path / "my routines" / "rücken übung.yaml"
    path.parent.mkdir()
    path.write_text(MINIMAL_PROGRAM.replace("Knee routine", "Übungen für den Rücken"), encoding="utf-8")
    program = resolve_program(str(path))
    assert program.title == "Übungen für den Rücken"
    assert program.name == "rücken übung"


# --- names ---


@pytest.mark.parametrize("spec", ["beginning", "Beginning", "  INTERMEDIATE ", "advanced"])
def test_builtin_names_resolve_in_any_case(spec):
    assert resolve_program(spec).name == spec.strip().lower()


def test_every_builtin_loads():
    for name in BUILTIN_NAMES:
        program = load_builtin(name)
        assert program.name == name and program.exercises


def test_unknown_name_suggests_and_lists():
    with pytest.raises(ProgramError) as caught:
        resolve_program("intermedite")
    text = str(caught.value)
    assert "no built-in program called 'intermedite'; did you mean 'intermediate'?" in text
    assert "beginning, intermediate, advanced" in text
    assert caught.value.exit_code == 2


def test_a_name_never_reads_a_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "beginning").write_text("not: [a program")
    (tmp_path / "mine").write_text(MINIMAL_PROGRAM)
    assert resolve_program("beginning").title == "Beginning back exercise program"
    with pytest.raises(ProgramError, match=r"write \./mine"):
        resolve_program("mine")
    assert resolve_program("./mine").title == "Knee routine"


def test_name_with_path_parts_is_a_path_not_a_builtin(tmp_path):
    with pytest.raises(ProgramError, match="no such file"):
        resolve_program("../programs/beginning.yaml")


def test_empty_name():
    with pytest.raises(ProgramError, match="no program given"):
        resolve_program("")


def test_parse_program_takes_bytes():
    program = parse_program(MINIMAL_PROGRAM.encode(), name="x", source="<test>")
    assert program.name == "x"
    assert isinstance(program.exercises[0].movement[0], Move)
    assert Path("x").name == "x"


# --- choosing exercises (--from, --only) ---


@pytest.mark.parametrize(("spec", "index"), [("1", 0), ("2", 1), ("hamstring stretch", 1), ("Ham", 1),
                                             ("single", 0), (" 2 ", 1), ("chest", 0), ("CHEST", 0)])
def test_find_exercise(spec, index):
    assert find_exercise(load_builtin("intermediate"), spec) == index


@pytest.mark.parametrize(("spec", "message"), [
    ("3", "there is no exercise 3: Intermediate back exercise program has 2 (1 Single knee to chest stretch, 2 Hamstring stretch)"),
    ("0", "there is no exercise 0"),
    ("hamstrng strech", "did you mean 'Hamstring stretch'?"),
    ("", "no exercise called ''"),
])
def test_find_exercise_mistakes(spec, message):
    with pytest.raises(OptionError, match=message.replace("(", r"\(").replace(")", r"\)").replace("?", r"\?")):
        find_exercise(load_builtin("intermediate"), spec)


def test_any_word_of_a_name_matches_and_an_ambiguous_one_lists_the_candidates():
    beginning = load_builtin("beginning")
    assert find_exercise(beginning, "squat") == 3 and find_exercise(beginning, "contraction") == 2
    with pytest.raises(OptionError) as caught:
        find_exercise(beginning, "heel")
    assert str(caught.value) == ("'heel' matches 2 exercises in Beginning back exercise program: 2 Heel slides, "
                                 "5 Heel raises; give more of the name, or its number")
    with pytest.raises(OptionError, match="matches 2 exercises"):
        find_exercise(load_builtin("intermediate"), "stretch")  # a word of both names


def test_select_exercises_keeps_program_order():
    chosen = select_exercises(load_builtin("beginning"), ("heel raises", "1", "heel raises"))
    assert [e.name for e in chosen.exercises] == ["Ankle pumps", "Heel raises"]
