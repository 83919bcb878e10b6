"""The mistakes people make writing a program get one line they can act on: the line where the
mistake really is, what to change, in plain words (no parser vocabulary), and exit code 2."""

from __future__ import annotations

import re

import pytest

from voicecoach.errors import ProgramError
from voicecoach.program import parse_program
from tests.samples import edit, JARGON, MISTAKES, NECK, WINDOWS_1252


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


def test_the_command_line_says_it_in_one_line_with_exit_code_2(tmp_path, run, assert_one_line_error):
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
