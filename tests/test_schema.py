"""The JSON Schema and the loader agree: a file an editor passes (reading it as YAML 1.2, checking
it with the schema) is a file voicecoach plays, with the values the editor shows, and a file the
schema fails is one voicecoach refuses. The editor's side is read by yamlcore and checked by
jsonschema, both independent of voicecoach's own reader."""

from __future__ import annotations

import jsonschema
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from yamlcore import CoreDumper, CoreLoader

from tests.samples import MINIMAL_PROGRAM
from voicecoach.errors import ProgramError
from voicecoach.program import MAX_TEXT_CHARS, Move, parse_program
from voicecoach.schema import program_schema

VALIDATOR = jsonschema.Draft7Validator(program_schema())

# What only the loader checks (voicecoach/schema.py says why): the schema passes these files.
LOADER_ONLY = ("range must go from shorter to longer", "would last at least", "movement steps in all",
               "is already used by exercise", "needs 'sides: each'", "only works in the spoken lines")


def editor_reads(text: str):
    return yaml.load(text, Loader=CoreLoader)


def loads(text: str):
    """The program voicecoach makes of text, or the ProgramError it refuses it with."""
    try:
        return parse_program(text.encode("utf-8"), "agree", "agree.yaml")
    except ProgramError as error:
        return error


def assert_they_agree(text: str) -> None:
    data = editor_reads(text)
    passes = VALIDATOR.is_valid(data)
    program = loads(text)
    if isinstance(program, ProgramError):
        assert not passes or any(part in program.message for part in LOADER_ONLY), (text, str(program))
        return
    assert passes, (text, [error.message for error in VALIDATOR.iter_errors(data)])
    assert program.title == " ".join(data["title"].split())
    for exercise, written in zip(program.exercises, data["exercises"]):
        assert exercise.reps == written["reps"]
        for step, step_written in zip(exercise.movement, written["movement"]):
            if isinstance(step, Move):
                assert step.seconds == step_written["seconds"]
            else:
                hold = step_written["hold"]
                assert (step.min_seconds, step.seconds) == ((hold[0], hold[1]) if isinstance(hold, list) else (None, hold))
        if "wait_for_me" in written:
            assert exercise.wait_for_me is written["wait_for_me"]


# --- what the editor reads is what plays ---

# Values written without quotes that YAML 1.1 (PyYAML's reading) and YAML 1.2 (an editor's) read
# differently, and some they read alike.
SCALARS = ["yes", "No", "on", "OFF", "y", "012", "0o12", "0x1A", "1_0", "1:30", "1e3", "1E2", ".5", "5.", "+7", "-0",
           "true", "True", "TRUE", "tRue", "false", "~", "null", "NULL", ".inf", "-.Inf", "2024-01-01", "0b101",
           "=", "12", "3.0", "2.5", "Each", "each side", "ONCE"]
FIELDS = ["title", "reps", "rest_after", "hold", "wait_for_me", "sides", "reminder_said"]


def _with(field: str, written: str) -> str:
    if field == "title":
        return MINIMAL_PROGRAM.replace("Knee routine", written)
    if field == "reps":
        return MINIMAL_PROGRAM.replace("reps: 3", f"reps: {written}")
    if field == "hold":
        return MINIMAL_PROGRAM.replace("{say: Straighten., seconds: 2}", f"{{hold: {written}}}")
    if field in ("sides", "reminder_said"):
        return MINIMAL_PROGRAM.replace("reps: 3", f"reps: 3\n    {field}: {written}")
    return f"{field}: {written}\n" + MINIMAL_PROGRAM


@pytest.mark.parametrize("field", FIELDS)
@pytest.mark.parametrize("written", SCALARS)
def test_a_value_written_without_quotes_means_what_the_editor_shows(field, written):
    assert_they_agree(_with(field, written))


def test_tags_are_refused_not_read():
    """!!int and its kind are YAML, but no program needs them; they are refused in one line."""
    program = loads(MINIMAL_PROGRAM.replace("reps: 3", "reps: !!int 3"))
    assert isinstance(program, ProgramError) and "tags (!name, !!name) are not supported" in program.message


# --- the limits of text ---


@pytest.mark.parametrize("text", ["x" * (MAX_TEXT_CHARS + 1), "a\x07b", "Sit\x1b[2J.", "Sit\u202e.", "Sit\u200b.",
                                  "\u00ad", "Sit\ufeff.", "Sit\ue000.", "  ", "\t"])
def test_text_the_loader_refuses_fails_the_schema(text):
    """Over 400 characters, invisible control and format characters, nothing but spaces."""
    data = editor_reads(MINIMAL_PROGRAM)
    data["title"] = text
    assert not VALIDATOR.is_valid(data)
    assert isinstance(loads(yaml.dump(data, Dumper=CoreDumper, allow_unicode=True)), ProgramError)


@pytest.mark.parametrize("text", ["x" * MAX_TEXT_CHARS, "Sit tall, breathe.", "Übung für den Rücken",
                                  "Stretch 💪🏽 gently", "\u200d", "Hold\tstill.", "حركة"])
def test_text_the_loader_takes_passes_the_schema(text):
    data = editor_reads(MINIMAL_PROGRAM)
    data["title"] = text
    assert VALIDATOR.is_valid(data)
    assert not isinstance(loads(yaml.dump(data, Dumper=CoreDumper, allow_unicode=True)), ProgramError)


# --- generated files ---

# Programs both accept, and the changes that may spoil them: one at a time, at any place.
words = st.text(alphabet="abcdefghij ABC.,'!?éü💪", min_size=1, max_size=30).filter(str.strip)
sided = st.builds(lambda left, right: {"left": left, "right": right}, words, words)
seconds = st.one_of(st.integers(1, 20), st.floats(0.1, 20).map(lambda x: round(x, 2)))
step = st.one_of(
    st.fixed_dictionaries({"say": st.one_of(words, sided), "seconds": seconds}),
    st.fixed_dictionaries({"left": words, "right": words, "seconds": seconds}),
    st.fixed_dictionaries({"hold": st.one_of(st.integers(1, 30), st.tuples(st.integers(1, 10), st.integers(11, 30))
                                             .map(list))}),
)
exercise = st.fixed_dictionaries(
    {"position": st.one_of(words, sided, st.lists(st.one_of(words, sided), min_size=1, max_size=3)),
     "reps": st.integers(1, 8), "sides": st.just("each"), "movement": st.lists(step, min_size=1, max_size=4)},
    optional={"reminder": st.one_of(words, sided),
              "reminder_said": st.sampled_from(["once", "each side", "Each  Side", "each repetition"]),
              "wait_for_me": st.booleans(), "rest_between_reps": st.integers(0, 5), "setup": st.floats(0, 10)})
programs = st.builds(
    lambda title, items, extra: {"title": title, **extra,
                                 "exercises": [dict(item, name=f"Exercise {n}") for n, item in enumerate(items)]},
    words, st.lists(exercise, min_size=1, max_size=3),
    st.fixed_dictionaries({}, optional={"rest_after": st.integers(0, 60), "language": st.sampled_from(["en", "de"]),
                                        "intro": st.lists(words, min_size=1, max_size=2)}))
spoilers = st.sampled_from([
    None, True, False, 0, -1, 0.05, 2.5, 3.0, 60.5, 301, 601, 1e9, float("inf"), 10**30, "3", "five", "yes", "012",
    "1:30", "Each", "both", "xx-", "", "  ", "x" * MAX_TEXT_CHARS, "x" * (MAX_TEXT_CHARS + 1), "a\x07b", "Sit\u202e.",
    "Tip: rest.", [], ["a"], [1, 2], [5, 1], {}, {"left": "a"}, {"left": "a", "right": "b"}, {"a": 1}])


def _places(document, prefix=()):
    """Every place in the document a value could be replaced."""
    if isinstance(document, dict):
        for key, value in document.items():
            yield prefix + (key,)
            yield from _places(value, prefix + (key,))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            yield prefix + (index,)
            yield from _places(value, prefix + (index,))


@st.composite
def files(draw):
    """A program, as it is or with one change: a value replaced, a key removed or an unknown one added."""
    document = draw(programs)
    change = draw(st.sampled_from(["none", "none", "none", "replace", "replace", "remove", "add"]))
    if change == "none":
        return document
    place = draw(st.sampled_from(list(_places(document))))
    target = document
    for part in place[:-1]:
        target = target[part]
    if change == "replace":
        target[place[-1]] = draw(spoilers)
    elif change == "remove" and isinstance(target, dict):
        del target[place[-1]]
    elif change == "add" and isinstance(target, dict):
        target[draw(st.sampled_from(["colour", "Hold", "holds", "left", "say", "seconds", "hold", "reps"]))] = 5
    return document


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(files())
def test_generated_files_mean_the_same_to_the_schema_and_the_loader(document):
    """Files written as YAML 1.2 (by yamlcore's dumper) from generated programs, about half of them
    with a mistake somewhere: the schema passes exactly those the loader plays, but for the rules
    only the loader knows; and what it plays is what the editor reads."""
    text = yaml.dump(document, Dumper=CoreDumper, allow_unicode=True, sort_keys=False)
    assert editor_reads(text) == document  # the file says what was generated
    assert_they_agree(text)
