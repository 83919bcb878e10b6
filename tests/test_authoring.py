"""Writing your own program: wording by side, set-up time and how often a reminder comes, from the
YAML a user writes to what the compiled session says and when."""

from __future__ import annotations

import textwrap

import pytest

from tests.fakes import FAKE
from voicecoach.program import Sided, parse_program
from voicecoach.script import Options, compile_script, script_to_text


def program(exercise: str, head: str = "") -> object:
    text = "title: Neck\n" + textwrap.dedent(head) + "exercises:\n" + textwrap.indent(textwrap.dedent(exercise), "  ")
    return parse_program(text.encode(), "neck", "neck.yaml")


SIDE_BENDS = """\
- name: Side bends
  position: Sit up straight.
  reps: 2
  sides: each
  movement:
    - say: Tilt your head toward your {side} shoulder.
      seconds: 3
    - say: "{other_side} side stretches. Come back up."
      seconds: 3
"""


def said(script, side=None) -> list[str]:
    return [e.text for e in script.events if e.kind == "speech" and (side is None or e.side == side)]


def test_side_placeholders_become_the_side_being_worked():
    script = compile_script(program(SIDE_BENDS), durations=FAKE)
    assert said(script, "left").count("Tilt your head toward your left shoulder.") == 2
    assert said(script, "right").count("Tilt your head toward your right shoulder.") == 2
    assert said(script, "left").count("Right side stretches. Come back up.") == 2  # capitalised at the start
    assert said(script, "right").count("Left side stretches. Come back up.") == 2
    assert not [text for text in said(script) if "{" in text]
    shown = script_to_text(script)
    assert "Tilt your head toward your left shoulder." in shown and "Tilt your head toward your right shoulder." in shown


def test_a_line_with_left_and_right_wording_is_said_after_the_side_is_named():
    exercise = SIDE_BENDS.replace("  position: Sit up straight.\n", """\
  position:
    - Sit on a chair.
    - left: Hold the seat with your right hand.
      right: Hold the seat with your left hand.
  instructions: Keep your shoulders down.
""")
    parsed = program(exercise + "- {name: Shrugs, position: Stand tall., reps: 1, movement: [{hold: 3}]}\n")
    assert parsed.exercises[0].position[1] == Sided("Hold the seat with your right hand.",
                                                    "Hold the seat with your left hand.")
    lines = said(compile_script(parsed, durations=FAKE))
    left = lines.index("Left side first.")
    right = lines.index("Switch to the other side. Now your right side.")
    assert lines[left + 1 : left + 4] == ["Sit on a chair.", "Hold the seat with your right hand.",
                                          "Keep your shoulders down."]
    assert lines[right + 1 : right + 4] == ["Sit on a chair.", "Hold the seat with your left hand.",
                                            "Keep your shoulders down."]
    assert lines.index("Sit on a chair.") == left + 1  # not before the side is named
    # The preview in the rest before a sided exercise uses the first side's words.
    reverse = program("- {name: Shrugs, position: Stand tall., reps: 1, movement: [{hold: 3}]}\n" + exercise)
    preview = said(compile_script(reverse, durations=FAKE))
    assert preview[preview.index("Next: Side bends.") + 1] == "Sit on a chair."


def test_words_the_same_on_both_sides_are_said_once_before_the_sides():
    lines = said(compile_script(program(SIDE_BENDS), durations=FAKE))
    assert lines.count("Sit up straight.") == 1
    assert lines.index("Sit up straight.") < lines.index("Left side first.")


def gap_after(script, text: str, nth: int = 0) -> int:
    """Time from the end of the nth `text` to the next spoken line (a long wait has ticks in it)."""
    events = script.events
    index = [i for i, e in enumerate(events) if e.text == text][nth]
    after = next(e for e in events[index + 1 :] if e.kind == "speech")
    return after.start_ms - events[index].end_ms


@pytest.mark.parametrize(("fields", "head", "first", "switch"), [
    ("", "", 5000, 8000),
    ("  setup: 12\n", "", 12000, 15000),
    ("  setup: 12\n  switch_setup: 20\n", "", 12000, 20000),
    ("", "setup: 10\n", 10000, 13000),
    ("", "setup: 10\nswitch_setup: 4\n", 10000, 4000),
    ("  setup: 0\n", "", 250, 3000),
])
def test_set_up_time_is_the_quiet_after_get_into_position(fields, head, first, switch):
    exercise = SIDE_BENDS.replace("  sides: each\n", "  sides: each\n" + fields)
    options = Options(quiet_holds=True)
    script = compile_script(program(exercise, head), options, durations=FAKE)
    assert gap_after(script, "Get into position.", 0) == first
    assert gap_after(script, "Get into position.", 1) == switch
    slow = compile_script(program(exercise, head), Options(pace=0.5, quiet_holds=True), durations=FAKE)
    if first > 250:  # scaled by pace
        assert gap_after(slow, "Get into position.", 0) == 2 * first


HOLDING = """\
- name: Chin tucks
  position: Sit up straight.
  reminder: Keep breathing.
  reps: 3
  movement:
    - {say: Tuck your chin., seconds: 2}
    - hold: 10
    - {say: And relax., seconds: 2}
"""


@pytest.mark.parametrize(("said_how", "sides", "times"), [
    ("once", "one", 1),
    ("each side", "one", 1),
    ("each repetition", "one", 1 + 3),
    ("once", "each", 1),
    ("each side", "each", 2),
    ("each repetition", "each", 1 + 6),
    (None, "one", 1),  # the default is gentle: each side
    (None, "each", 2),
])
def test_a_reminder_comes_as_often_as_the_program_says(said_how, sides, times):
    exercise = HOLDING.replace("  reps: 3\n", f"  reps: 3\n  sides: {sides}\n")
    if said_how:
        exercise = exercise.replace("  reps: 3\n", f"  reps: 3\n  reminder_said: {said_how}\n")
    script = compile_script(program(exercise), durations=FAKE)
    assert said(script).count("Keep breathing.") == times
    if said_how == "each side" and sides == "each":  # the second time: in the right side's first hold
        again = [e for e in script.events if e.text == "Keep breathing."][1]
        assert (again.side, again.rep) == ("right", 1)


def test_without_holds_a_reminder_each_repetition_comes_before_each_one():
    exercise = HOLDING.replace("    - hold: 10\n", "").replace("  reps: 3\n", "  reps: 3\n  reminder_said: each repetition\n")
    events = [e for e in compile_script(program(exercise), durations=FAKE).events if e.kind == "speech"]
    reminders = [i for i, e in enumerate(events) if e.text == "Keep breathing."]
    assert len(reminders) == 4
    assert [events[i + 1].text for i in reminders[1:]] == ["Tuck your chin."] * 3


def test_a_reminder_worded_by_side_is_said_on_each_side():
    exercise = HOLDING.replace("  reminder: Keep breathing.\n", "  reminder: Keep your {side} shoulder down.\n")
    exercise = exercise.replace("  reps: 3\n", "  reps: 3\n  sides: each\n")
    script = compile_script(program(exercise), durations=FAKE)
    assert said(script, "left").count("Keep your left shoulder down.") == 1
    assert said(script, "right").count("Keep your right shoulder down.") == 1
