"""Property-based tests: generated programs keep the compiler's invariants; generated broken
files always end in one clear ProgramError, never a traceback or a hang."""

from __future__ import annotations

import string

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fakes import FAKE
from voicecoach.errors import ProgramError
from voicecoach.program import parse_program
from voicecoach.script import (
    CUE_HOLD_END,
    CUE_HOLD_START,
    MAX_QUIET_MS,
    Estimate,
    Options,
    compile_script,
)

FAST = settings(max_examples=300, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
MANY = settings(max_examples=1000, deadline=2000, suppress_health_check=[HealthCheck.too_slow])

words = st.text(alphabet=string.ascii_letters + " ,.'-éüøあ", min_size=1, max_size=40).filter(lambda s: s.strip())
seconds = st.one_of(st.integers(1, 20), st.floats(0.5, 20, allow_nan=False).map(lambda x: round(x, 2)))
move = st.fixed_dictionaries({"say": words, "seconds": seconds})
hold = st.one_of(st.integers(1, 30).map(lambda n: {"hold": n}),
                 st.tuples(st.integers(1, 10), st.integers(11, 30)).map(lambda t: {"hold": list(t)}))
exercise = st.fixed_dictionaries(
    {"position": st.one_of(words, st.lists(words, min_size=1, max_size=3)), "reps": st.integers(1, 8),
     "movement": st.lists(st.one_of(move, hold), min_size=1, max_size=4)},
    optional={"sides": st.sampled_from(["one", "each"]), "reminder": words,
              "rest_between_reps": st.integers(0, 5), "rest_after": st.integers(0, 30),
              "instructions": st.lists(words, min_size=1, max_size=2)})
programs = st.builds(
    lambda title, items, safety: {"title": title, "safety": safety,
                                  "exercises": [dict(item, name=f"Exercise {n}") for n, item in enumerate(items)]},
    words, st.lists(exercise, min_size=1, max_size=4), st.lists(words, min_size=1, max_size=2))


def load(document) -> object:
    return parse_program(yaml.safe_dump(document, allow_unicode=True).encode(), name="fuzz", source="fuzz.yaml")


@MANY
@given(programs, st.sampled_from([0.25, 0.5, 1.0, 1.5, 4.0]))
def test_generated_programs_keep_every_invariant(document, pace):
    program = load(document)
    script = compile_script(program, Options(pace=pace), durations=FAKE)
    events = script.events
    assert events[0].start_ms == 0
    assert all(a.end_ms == b.start_ms for a, b in zip(events, events[1:]))  # ordered, no overlap, no gap
    assert all(e.duration_ms > 0 for e in events)
    assert script.duration_ms == sum(e.duration_ms for e in events)
    starts = [e.start_ms for e in events if e.cue == CUE_HOLD_START]
    ends = [e.start_ms for e in events if e.cue == CUE_HOLD_END]
    expected = [round(h.seconds * 1000) for x in program.exercises for _ in range(x.reps * (2 if x.each_side else 1))
                for h in x.holds]
    assert [end - start for start, end in zip(starts, ends)] == expected  # holds exact at every pace
    counts = [e for e in events if e.kind == "speech" and e.rep is not None and e.text and e.text[0].isupper()]
    assert counts or all(x.reps == 1 for x in program.exercises)  # a single repetition has no count
    sounds = [e for e in events if e.kind != "silence"]
    assert all(after.start_ms - before.end_ms <= MAX_QUIET_MS for before, after in zip(sounds, sounds[1:]))


@FAST
@given(programs)
def test_slower_pace_never_shortens_and_holds_never_change(document):
    program = load(document)
    lengths = [compile_script(program, Options(pace=p), durations=FAKE).duration_ms for p in (0.5, 1.0, 2.0)]
    assert lengths[0] >= lengths[1] >= lengths[2]


@FAST
@given(programs)
def test_compiling_is_deterministic(document):
    program = load(document)
    assert compile_script(program, durations=Estimate()) == compile_script(load(document), durations=Estimate())


def must_fail_cleanly(data: bytes) -> None:
    try:
        parse_program(data, name="fuzz", source="fuzz.yaml")
    except ProgramError as error:
        text = str(error)
        assert text.startswith("fuzz.yaml") and "\n" not in text and len(text) < 2000
        assert error.exit_code == 2


@MANY
@given(st.binary(max_size=2000))
def test_random_bytes(data):
    must_fail_cleanly(data)


@MANY
@given(st.text(max_size=500))
def test_random_text(text):
    must_fail_cleanly(text.encode("utf-8", "surrogatepass"))


@MANY
@given(programs, st.data())
def test_truncated_programs(document, data):
    text = yaml.safe_dump(document, allow_unicode=True).encode()
    cut = data.draw(st.integers(0, len(text)))
    must_fail_cleanly(text[:cut])


junk = st.one_of(st.none(), st.booleans(), st.integers(-10**30, 10**30), st.floats(allow_nan=True, allow_infinity=True),
                 st.text(max_size=30), st.text(alphabet="\u202e\u200f\u0000\u0007\x1b\ufeff", max_size=5),
                 st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
                 st.just("x" * 5000))


def paths(document, prefix=()):
    """Every place in the document a value could be replaced."""
    yield prefix
    if isinstance(document, dict):
        for key, value in document.items():
            yield from paths(value, prefix + (key,))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            yield from paths(value, prefix + (index,))


@MANY
@given(programs, junk, st.data())
def test_a_wrong_value_anywhere(document, value, data):
    place = data.draw(st.sampled_from(list(paths(document))[1:]))
    target = document
    for step in place[:-1]:
        target = target[step]
    target[place[-1]] = value
    try:
        text = yaml.safe_dump(document, allow_unicode=True).encode("utf-8", "surrogatepass")
    except (yaml.YAMLError, UnicodeEncodeError):
        return
    must_fail_cleanly(text)


@settings(max_examples=60, deadline=5000)
@given(st.integers(1, 1500), st.sampled_from(["[", "{a: ", "- "]))
def test_deep_nesting(depth, opener):
    must_fail_cleanly((opener * depth).encode())


# No deadline: a text that names a built-in ('beginning') measures its whole session, seconds
# with Piper on a cold cache.
@settings(FAST, deadline=None)
@given(st.text(min_size=1, max_size=60))
def test_any_text_echoed_in_an_error_stays_on_one_line(text):
    """Keys, names and option values are shown with line breaks and escapes neutralised."""
    from click.testing import CliRunner

    from voicecoach.cli import cli

    must_fail_cleanly(f"title: x\n{yaml.safe_dump({text: 1}, allow_unicode=True)}".encode("utf-8", "surrogatepass"))
    for args in (["show", text], ["show", "beginning", "--pace", text], ["play", "beginning", "--from", text],
                 ["export", "beginning", "-o", text], ["show", "beginning", "--voice", text]):
        result = CliRunner().invoke(cli, args)
        if result.exit_code != 0:
            assert len(result.stderr.splitlines()) == 1 and "\x1b" not in result.stderr, (args, result.stderr)


# --- misspelt keys (issue 21: '- holds: 5' reached a KeyError) ---

# A program with every kind of step, as a list of (indent, key, value) lines, one key of which is
# misspelt at a time: steps' keys first, then the exercise's and the program's.
STEPS = [[("      - ", "say", "Bend."), ("        ", "seconds", "2")],
         [("      - ", "hold", "5")],
         [("      - ", "hold", "[3, 6]")],
         [("      - ", "left", "Tilt left."), ("        ", "right", "Tilt right."), ("        ", "seconds", "3")],
         [("      - ", "say", "{left: Back left., right: Back right.}"), ("        ", "seconds", "2")]]
EXERCISE = [("  - ", "name", "Side bends"), ("    ", "position", "Sit tall."), ("    ", "sides", "each"),
            ("    ", "reps", "2"), ("    ", "reminder", "Breathe."), ("    ", "rest_after", "5")]
PROGRAM = [("", "title", "Neck"), ("", "rest_after", "10")]


@st.composite
def misspelt(draw, key: str) -> str:
    """key as people mistype it: in another case, a letter dropped, doubled, swapped, changed or
    added, a word added, a dash or spaces around it; once or several times over."""
    for _ in range(draw(st.integers(1, 3))):
        where = draw(st.integers(0, max(len(key) - 1, 0)))
        letter = draw(st.sampled_from(string.ascii_letters + "_- 0"))
        how = draw(st.sampled_from(["upper", "capital", "random case", "drop", "double", "swap", "change", "add",
                                    "plural", "_for", "dash", "spaces", "synonym"]))
        if how == "random case":
            flips = draw(st.lists(st.booleans(), min_size=len(key), max_size=len(key)))
            key = "".join(c.swapcase() if flip else c for c, flip in zip(key, flips))
        elif how == "synonym":
            key = draw(st.sampled_from(["holds", "hold_for", "duration", "time", "secs", "text", "cue", "reps",
                                        "repetitions", "rest", "steps", "title", "name", "side", "Left", "RIGHT"]))
        else:
            key = {"upper": key.upper(), "capital": key.capitalize(), "drop": key[:where] + key[where + 1:],
                   "double": key[:where] + key[where:where + 1] * 2 + key[where + 1:],
                   "swap": key[:where] + key[where + 1:where + 2] + key[where:where + 1] + key[where + 2:],
                   "change": key[:where] + letter + key[where + 1:], "add": key[:where] + letter + key[where:],
                   "plural": key + "s", "_for": key + "_for", "dash": "-" + key, "spaces": f" {key}  "}[how]
    return key


@st.composite
def a_program_with_a_misspelt_key(draw) -> str:
    steps = draw(st.lists(st.sampled_from(STEPS), min_size=1, max_size=3))
    lines = PROGRAM + [("", "exercises", "")] + EXERCISE + [("    ", "movement", "")] + [line for step in steps
                                                                                    for line in step]
    # Steps' keys most often: the issue's slip was there.
    places = [i for i, (_, key, _) in enumerate(lines) if key in ("say", "seconds", "hold", "left", "right")]
    chosen = draw(st.one_of(st.sampled_from(places), st.integers(0, len(lines) - 1)))
    indent, key, value = lines[chosen]
    lines[chosen] = (indent, draw(misspelt(key)), value)
    return "".join(f"{indent}{key}: {value}\n".replace(": \n", ":\n") for indent, key, value in lines)


@MANY
@given(a_program_with_a_misspelt_key())
def test_a_misspelt_key_anywhere_gets_one_clear_line(text):
    """Every key of every kind of step, and of the exercise and the program, misspelt in every way:
    the file loads (a harmless change such as ' say ') or gets one clear ProgramError."""
    must_fail_cleanly(text.encode())
