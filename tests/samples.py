"""Programs the tests play, show, break and build: as YAML text, and built in code."""

from __future__ import annotations

import re

from voicecoach.program import Exercise, Move, Program
from voicecoach.script import Script


def make_exercise(**changes) -> Exercise:
    fields = dict(
        name="Bends",
        position=("Sit.",),
        instructions=(),
        reps=3,
        each_side=False,
        movement=(Move("Bend.", 3.0), Move("Straighten.", 3.0)),
        reminder=None,
        rest_between_reps_s=2.0,
        rest_after_s=15.0,
    )
    fields.update(changes)
    return Exercise(**fields)


def make_program(*exercises: Exercise) -> Program:
    return Program(name="test", title="Test", intro=(), safety=("Be careful.",),
                   exercises=exercises or (make_exercise(),))


def start_of(script: Script, text: str, nth: int = 0) -> int:
    return [e.start_ms for e in script.events if e.text == text][nth]


MINIMAL_PROGRAM = """\
title: Knee routine
exercises:
  - name: Knee bends
    position: Sit on a chair.
    reps: 3
    movement:
      - {say: Bend., seconds: 2}
      - {say: Straighten., seconds: 2}
"""


QUICK = """\
title: Quick
exercises:
  - name: Squeeze
    position: Sit.
    reps: 1
    movement:
      - hold: 1
"""


NECK = """\
title: Neck program
exercises:
  - name: Chin tucks
    position: Sit up straight.
    reps: 10
    movement:
      - say: Tuck your chin.
        seconds: 2
      - hold: 5
      - say: And relax.
        seconds: 2

  - name: Side bends
    position: Sit up straight.
    reps: 5
    sides: each
    movement:
      - {say: Tilt your head., seconds: 3}
      - hold: 20
"""


# Words of the parser that a non-programmer cannot act on.
JARGON = re.compile(r"mapping|block end|token|scalar|<|>|not valid YAML|stream|node|document|alias event",
                    re.IGNORECASE)


def edit(old: str, new: str, text: str = NECK) -> str:
    assert old in text
    return text.replace(old, new, 1)


# (id, the file, the line of the mistake, what the message must say)
MISTAKES = [
    ("tab indenting", edit("    reps: 10", "\treps: 10"), 5, "indented with a tab; indent with spaces"),
    ("tab before a step", edit("      - hold: 5", "\t  - hold: 5"), 9, "indented with a tab"),
    ("no space after the colon", edit("reps: 10", "reps:10"), 5, "put a space after the colon: 'reps: 10'"),
    ("indented too far", edit("    reps: 10", "      reps: 10"), 5,
     "'reps' starts 2 spaces further right than 'position' on line 4"),
    ("indented too little", edit("    reps: 10", "   reps: 10"), 5,
     "'reps' starts 1 space further left than 'position' on line 4"),
    ("step indented too far", edit("      - hold: 5", "        - hold: 5"), 9,
     "'- hold' starts 2 spaces further right than '- say' on line 7"),
    ("dash missing before a hold", edit("      - hold: 5", "        hold: 5"), 9,
     "'say' and 'hold' are in one step; a step is a movement or a hold: put '- ' before 'hold' on line 9"),
    ("dash missing before a movement", edit("      - say: And relax.", "        say: And relax."), 10,
     "put '- ' before 'say' on line 10"),
    ("dash missing before an exercise", edit("  - name: Side bends", "    name: Side bends"), 13,
     "'name' is given twice (lines 3 and 13); if a new exercise starts on line 13, put '- ' before 'name'"),
    ("dash and indent missing before an exercise", edit("  - name: Side bends", "  name: Side bends"), 13,
     "a new exercise needs '- ' before 'name'"),
    ("colon in text", edit("say: Tuck your chin.", "say: Tuck your chin: gently."), 7,
     "text containing ': ' must be in quotes: say: \"Tuck your chin: gently.\""),
    ("colon in short-form text", edit("say: Tilt your head.,", "say: Tilt your head: gently.,"), 18,
     "text containing ': ' must be in quotes: say: \"Tilt your head: gently.\""),
    ("comma in short-form text", edit("say: Tilt your head.,", "say: Tilt, your head.,"), 18,
     "text with a comma in the short {say: ..., seconds: ...} form must be in quotes"),
    ("quote never closed", edit("say: Tuck your chin.", 'say: "Tuck your chin.'), 7,
     'the quote mark " opened on this line is never closed'),
    ("apostrophe in single quotes", edit("say: Tuck your chin.", "say: 'Don't move.'"), 7,
     "text with an apostrophe must be in double quotes: say: \"Don't move.\""),
    ("text starting with *", edit("say: Tuck your chin.", "say: *slowly* tuck."), 7,
     "text cannot start with '*' unless it is in quotes"),
    ("{side} starting a line", edit("say: Tilt your head.,", "say: {side} ear down.,"), 18,
     "must be in quotes: say: \"{side} ear down.\""),
    ("{side} starting a line in the long form", edit("say: Tuck your chin.", "say: {side} ear down."), 7,
     "text that starts with '{' must be in quotes: say: \"{side} ear down.\""),
    ("{side} inside short-form text", edit("say: Tilt your head.,", "say: Tilt your {side} ear down.,"), 18,
     "text with '{' or '[' in it must be in quotes: say: \"Tilt your {side} ear down.\""),
    ("quoted number", edit("hold: 5", "hold: '5'"), 9, "found the text '5': remove the quotes (hold: 5)"),
    ("quoted whole number", edit("reps: 10", 'reps: "10"'), 5, "found the text '10': remove the quotes (reps: 10)"),
    ("repetitions", edit("reps: 10", "repetitions: 10"), 5, "unknown key 'repetitions'; did you mean 'reps'?"),
    ("times", edit("reps: 10", "times: 10"), 5, "unknown key 'times'; did you mean 'reps'?"),
    ("count beside reps", edit("reps: 10", "reps: 10\n    count: 10"), 6,
     "unknown key 'count'; 'reps' (line 5) already says it: remove this line"),
    ("rest", edit("reps: 10", "reps: 10\n    rest: 5"), 6,
     "unknown key 'rest'; did you mean 'rest_between_reps' or 'rest_after'?"),
    ("duration", edit("seconds: 2\n      - hold", "duration: 2\n      - hold"), 8,
     "unknown key 'duration'; did you mean 'seconds'?"),
    ("a key's colon missing", "title\nexercises:\n", 1, "put ':' after 'title'"),
    ("a line that is not key: value",
     edit("    position: Sit up straight.\n    reps: 10", "    position: Sit up straight.\n    Keep your back tall.\n    reps: 10"),
     5, "'Keep your back tall.' is not a 'key: value' line"),
    ("{side} without sides: each", edit("say: Tuck your chin.", "say: Tuck your chin to the {side}."), 7,
     "'say' uses {side}, which needs 'sides: each' in the exercise"),
    ("{side} in a title", edit("title: Neck program", "title: Neck program, {side}"), 1,
     "'title' uses {side}, which only works in the spoken lines of an exercise with 'sides: each'"),
    ("a misspelt placeholder", edit("say: Tilt your head.,", "say: 'Tilt to the {sied}.',"), 18,
     "unknown placeholder {sied}; did you mean {side}?"),
    ("left and right without sides: each",
     edit("      - say: Tuck your chin.", "      - say: {left: Tuck left., right: Tuck right.}"), 7,
     "has left and right wording, which needs 'sides: each'"),
    # A step's keys, misspelt (issue 21): each gets the key it meant, never a traceback.
    ("holds", edit("hold: 5", "holds: 5"), 9, "movement step 2: unknown key 'holds'; did you mean 'hold'?"),
    ("hold_for", edit("hold: 5", "hold_for: 5"), 9, "unknown key 'hold_for'; did you mean 'hold'?"),
    ("Hold with a capital", edit("hold: 5", "Hold: 5"), 9, "unknown key 'Hold'; did you mean 'hold'?"),
    ("HOLD in capitals", edit("hold: 5", "HOLD: 5"), 9, "unknown key 'HOLD'; did you mean 'hold'?"),
    ("Say with a capital", edit("say: Tuck your chin.", "Say: Tuck your chin."), 7,
     "unknown key 'Say'; did you mean 'say'?"),
    ("a step key like no other", edit("hold: 5", "pause: 5"), 9,
     "unknown key 'pause'; a step is a movement (say: ..., seconds: ...), a movement worded by side "
     "(left: ..., right: ..., seconds: ...) or a hold (hold: seconds)"),
    ("no space after the dash", edit("      - hold: 5", "      -hold: 5"), 9, "put a space after the '-': '- hold: 5'"),
    ("no space after the dash of an exercise", edit("  - name: Side bends", "  -name: Side bends"), 13,
     "put a space after the '-': '- name: Side bends'"),
    ("no space after the dash, in line with the keys",
     edit("      - hold: 20", "    -hold: 20"), 19, "put a space after the '-': '- hold: 20'"),
    ("a colon in an instruction", edit("    reps: 10", "    instructions:\n      - Tip: put a towel under your knee.\n"
                                       "    reps: 10"), 6,
     "'instructions', line 1 of the list: text containing ': ' must be in quotes: "
     "- \"Tip: put a towel under your knee.\""),
    ("a colon in a position on its own line", edit("    position: Sit up straight.", "    position:\n      Tip: sit."), 5,
     "'position': text containing ': ' must be in quotes: \"Tip: sit.\""),
    ("left and right straight in a step without sides: each",
     edit("      - say: Tuck your chin.", "      - left: Tuck left.\n        right: Tuck right."), 7,
     "the step has left and right wording, which needs 'sides: each' in the exercise"),
    ("say beside left and right", edit("      - {say: Tilt your head., seconds: 3}",
                                       "      - {say: Tilt., left: Tilt left., right: Tilt right., seconds: 3}"), 18,
     "'say' and 'left' are in one step; a movement's words are 'say', or 'left' and 'right' for each side"),
    ("a hold range with a dash", edit("hold: 20", "hold: 30-45"), 19,
     "found the text '30-45': a range is written in brackets (hold: [30, 45])"),
    ("a hold range with a dash in brackets", edit("hold: 20", "hold: [30-45]"), 19,
     "'hold' range must be two numbers, [shortest, longest] (hold: [30, 45])"),
    ("a decimal comma", edit("        seconds: 2\n      - hold", "        seconds: 1,5\n      - hold"), 8,
     "found the text '1,5': a decimal number is written with a point (seconds: 1.5)"),
    ("a decimal comma in the short form", edit("seconds: 3}", "seconds: 1,5}"), 18,
     "'1,5' is not a number: a decimal number is written with a point: seconds: 1.5"),
    ("minutes and seconds", edit("hold: 20", "hold: 1:30"), 19, "found the text '1:30': write it in seconds (hold: 90)"),
    ("a unit after the number", edit("hold: 5", "hold: 5 seconds"), 9, "write the number alone (hold: 5)"),
    ("no colon after a key", edit("reps: 10", "reps 10"), 5, "add a ':' after 'reps': 'reps: 10'"),
    ("an exponent is a number, not quoted text", edit("hold: 5", "hold: 1e9"), 9,
     "'hold' must be from 1 to 300 seconds, found 1000000000.0"),
    ("yes for true", edit("reps: 10", "reps: 10\n    wait_for_me: yes"), 6,
     "'wait_for_me' must be true or false, found the text 'yes': write wait_for_me: true"),
    ("quoted true", edit("reps: 10", "reps: 10\n    wait_for_me: 'true'"), 6,
     "found the text 'true': remove the quotes (wait_for_me: true)"),
]


WINDOWS_1252 = NECK.replace("Neck program", "Nackenübungen").encode("cp1252")
