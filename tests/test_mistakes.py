"""The mistakes people make writing a program get one line they can act on: the line where the
mistake really is, what to change, in plain words (no parser vocabulary), and exit code 2."""

from __future__ import annotations

import re

import pytest

from tests.test_cli import assert_one_line_error, run
from voicecoach.errors import ProgramError
from voicecoach.program import parse_program

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


@pytest.mark.parametrize(("text", "line", "message"), [case[1:] for case in MISTAKES], ids=[c[0] for c in MISTAKES])
def test_each_mistake_gets_the_right_line_and_what_to_change(text, line, message):
    with pytest.raises(ProgramError) as caught:
        parse_program(text.encode(), "neck", "neck.yaml")
    error = caught.value
    assert (error.line, message in error.message) == (line, True), str(error)
    assert not JARGON.search(error.message), error.message
    assert "\n" not in str(error)


def test_the_example_is_itself_a_valid_program():
    program = parse_program(NECK.encode(), "neck", "neck.yaml")
    assert [e.name for e in program.exercises] == ["Chin tucks", "Side bends"]


WINDOWS_1252 = NECK.replace("Neck program", "Nackenübungen").encode("cp1252")


def test_windows_1252_says_how_to_save_as_utf_8():
    with pytest.raises(ProgramError) as caught:
        parse_program(WINDOWS_1252, "neck", "neck.yaml")
    assert caught.value.line == 1
    assert "'ü' saved in another encoding, probably Windows-1252" in caught.value.message
    assert "choose 'Save As' and the encoding 'UTF-8'" in caught.value.message


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_a_utf_16_file_with_a_byte_order_mark_is_read(encoding):
    """Notepad's "Unicode" is UTF-16 with a byte-order mark: read it, do not call it binary."""
    text = NECK.replace("Neck program", "Nackenübungen")
    data = text.encode(encoding)
    if not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        data = ("\ufeff" + text).encode(encoding)
    program = parse_program(data, "neck", "neck.yaml")
    assert program.title == "Nackenübungen"


def test_the_command_line_says_it_in_one_line_with_exit_code_2(tmp_path):
    path = tmp_path / "neck.yaml"
    path.write_text(edit("reps: 10", "reps:10"), encoding="utf-8")
    assert_one_line_error(run("show", str(path), "--estimate"), 2, f"{path}, line 5: put a space after the colon")


# Where text goes, and the line of NECK that holds it (or after which it goes): a ': ' in the text
# gets the same advice everywhere, whichever way the text is laid out (issue 21).
TEXT_PLACES = {
    "title": "title: Neck program", "intro": "title: Neck program", "safety": "title: Neck program",
    "name": "  - name: Chin tucks", "position": "    position: Sit up straight.",
    "instructions": "    position: Sit up straight.", "reminder": "    position: Sit up straight.",
    "say": "      - say: Tuck your chin.",
}
LISTS = {"intro", "safety", "position", "instructions"}


def _with_text(key: str, layout: str) -> tuple[str, int]:
    """NECK with 'Tip: rest.' as the text of key, laid out on one line, on the next line, or as a
    list item; and the line of the slip."""
    anchor = TEXT_PLACES[key]
    indent = anchor[: len(anchor) - len(anchor.lstrip(" -"))].replace("-", " ")
    value = {"inline": " Tip: rest.", "next line": f"\n{indent}  Tip: rest.", "list": f"\n{indent}  - Tip: rest."}[layout]
    line = NECK[: NECK.index(anchor)].count("\n") + 1
    if anchor.lstrip(" -").startswith(key + ":"):  # the key is there: its text is replaced
        head = anchor[: anchor.index(key)]
        return edit(anchor, f"{head}{key}:{value}"), line + (0 if layout == "inline" else 1)
    return edit(anchor, f"{anchor}\n{indent}{key}:{value}"), line + (1 if layout == "inline" else 2)


PLACES_AND_LAYOUTS = [(key, layout) for key in TEXT_PLACES for layout in ("inline", "next line", "list")
                      if layout != "list" or key in LISTS]


@pytest.mark.parametrize(("key", "layout"), PLACES_AND_LAYOUTS, ids=[f"{k}, {l}" for k, l in PLACES_AND_LAYOUTS])
def test_a_colon_in_text_gets_the_advice_to_quote_it_everywhere(key, layout):
    text, line = _with_text(key, layout)
    with pytest.raises(ProgramError) as caught:
        parse_program(text.encode(), "neck", "neck.yaml")
    advice = {"inline": f"{key}: \"Tip: rest.\"", "next line": "\"Tip: rest.\"", "list": "- \"Tip: rest.\""}[layout]
    assert caught.value.line == line, str(caught.value)
    assert f"text containing ': ' must be in quotes: {advice}" in caught.value.message, str(caught.value)


HUGE = 540_123  # the length of the text a message once quoted whole (issue 22, item 14)


@pytest.mark.parametrize(("text", "line"), [case[1:3] for case in MISTAKES], ids=[c[0] for c in MISTAKES])
def test_a_huge_text_on_the_line_of_a_mistake_is_cut_in_the_message(text, line):
    """The longest word on the line of each mistake made 540,123 characters long: whatever the
    message says then, it stays short."""
    lines = text.split("\n")
    words = re.findall(r"[A-Za-z]{2,}", lines[line - 1])
    longest = max(words, key=len)
    lines[line - 1] = lines[line - 1].replace(longest, longest + "x" * HUGE, 1)
    with pytest.raises(ProgramError) as caught:
        parse_program("\n".join(lines).encode(), "neck", "neck.yaml")
    assert len(str(caught.value)) < 400, str(caught.value)[:500]
