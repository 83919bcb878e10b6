"""Exercise programs: the data model, and loading and validating it from YAML.

The YAML format is documented in docs/program-format.md. The rules of the format are data (RULES
below): the loader checks a file against them, and `voicecoach.schema` turns the same rules into a
JSON Schema for editors, so the two never disagree. Every error names the file, the line where the
mistake is and what to change, in plain words, as a single ProgramError.
"""

from __future__ import annotations

import codecs
import difflib
import math
import os
import re
import unicodedata
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any, Literal, Union

import yaml

from voicecoach.errors import OptionError, ProgramError, shown
from voicecoach.mistakes import explain, quoted
from voicecoach.settings import check_language

# The built-in programs, in the order they are listed; each is programs/<name>.yaml.
BUILTIN_NAMES = ("beginning", "intermediate", "advanced")

MAX_FILE_BYTES = 1024 * 1024
MAX_TEXT_CHARS = 400
MAX_LINES = 20
MAX_EXERCISES = 50
MAX_PHASES = 20
MAX_REPS = 100
MAX_MOVE_S = 60.0
MIN_MOVE_S = 0.1
MAX_HOLD_S = 300.0
MIN_HOLD_S = 1.0
MAX_REST_BETWEEN_REPS_S = 300.0
MAX_REST_AFTER_S = 600.0
MAX_SETUP_S = 120.0
# Whole-session bounds, so that no file can make the compiler or the audio unbounded.
MAX_STEPS = 10_000  # repetitions x sides x movement steps, over all exercises
MAX_SESSION_S = 6 * 3600  # the least the session could last at pace 1
DEFAULT_REST_BETWEEN_REPS_S = 2.0
DEFAULT_REST_AFTER_S = 15.0
# Quiet time to get into position after "Get into position.", at pace 1; after a side switch
# (changing hands on a chair, turning over) this much more by default.
DEFAULT_SETUP_S = 5.0
SWITCH_EXTRA_S = 3.0

Side = Literal["left", "right"]
SIDES = ("left", "right")
# How often a reminder is said: with the exercise's introduction only; also once on the second
# side; also at every repetition (at the start of its hold).
REMINDER_ONCE = "once"
REMINDER_EACH_SIDE = "each side"
REMINDER_EACH_REP = "each repetition"
REMINDER_CHOICES = (REMINDER_ONCE, REMINDER_EACH_SIDE, REMINDER_EACH_REP)
DEFAULT_REMINDER_SAID = REMINDER_EACH_SIDE


@dataclass(frozen=True)
class Sided:
    """A line said differently on each side ("Tilt your head to the left." / "... right.")."""

    left: str
    right: str


Text = Union[str, Sided]


ENGLISH_SIDES = {"left": "left", "right": "right"}


def said(text: Text, side: Side | None, side_words: dict[str, str] = ENGLISH_SIDES) -> str:
    """The words of a line as heard on a side (the left words before the sides are named), with
    {side} and {other_side} filled in with the session language's words for the sides."""
    if isinstance(text, str):
        return text
    chosen = text.right if side == "right" else text.left
    return _fill(chosen, 1 if side == "right" else 0, side_words) if "{" in chosen else chosen


@dataclass(frozen=True)
class Move:
    """One movement phase of a repetition: a spoken cue and the time the movement takes at pace 1."""

    say: Text
    seconds: float
    line: int = field(default=0, compare=False)


@dataclass(frozen=True)
class Hold:
    """A hold of prescribed length; the cues frame `seconds`, the upper end of a range if given."""

    seconds: float
    min_seconds: float | None = None
    line: int = field(default=0, compare=False)


Phase = Union[Move, Hold]


@dataclass(frozen=True)
class Exercise:
    """One exercise: how to get into position, what one repetition is, and how many."""

    name: str
    position: tuple[Text, ...]
    instructions: tuple[Text, ...]
    reps: int
    each_side: bool
    movement: tuple[Phase, ...]
    reminder: Text | None
    rest_between_reps_s: float
    rest_after_s: float
    setup_s: float = DEFAULT_SETUP_S
    switch_setup_s: float = DEFAULT_SETUP_S + SWITCH_EXTRA_S
    reminder_said: str = DEFAULT_REMINDER_SAID
    wait_for_me: bool = False  # play waits after "Get into position." until the listener is ready
    line: int = field(default=0, compare=False)
    lines: dict[str, int] = field(default_factory=dict, compare=False, repr=False)  # key -> line

    @property
    def holds(self) -> tuple[Hold, ...]:
        return tuple(p for p in self.movement if isinstance(p, Hold))

    @property
    def set_up_by_side(self) -> bool:
        """Whether the position or instructions differ by side: then they are said once each side
        is named, instead of once before."""
        return any(isinstance(text, Sided) for text in self.position + self.instructions)


@dataclass(frozen=True)
class Program:
    """A whole program: what is said at the start, and the exercises in order, in its language."""

    name: str
    title: str
    intro: tuple[str, ...]
    safety: tuple[str, ...]
    exercises: tuple[Exercise, ...]
    language: str = "en"


# --- the rules of the format ------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """One key of the format: what its value must be. `kind` is one of
    text        one line of text
    lines       a line, or a list of lines
    sided text  a line, or {left: line, right: line}; may use {side} and {other_side}
    sided lines a list of sided texts, or one
    seconds     a number from low to high
    whole       a whole number from low to high
    choice      one of `choices`
    flag        true or false
    hold        seconds, or [shortest, longest]
    language    an IETF language tag
    exercises   the list of exercises
    movement    the list of movement steps
    """

    key: str
    kind: str
    help: str
    required: bool = False
    low: float = 0.0
    high: float = 0.0
    choices: tuple[str, ...] = ()
    default: Any = None


PROGRAM_RULES = (
    Rule("title", "text", "The program's name, spoken first.", required=True),
    Rule("language", "language", "The language the program is written in, an IETF tag such as en, de, es, fr "
         "or pt-BR: every line voicecoach adds is said in it, by a voice that speaks it.", default="en"),
    Rule("intro", "lines", "A line, or a list of lines, spoken after the title."),
    Rule("safety", "lines", "A line, or a list of lines, spoken before the first exercise."),
    Rule("rest_after", "seconds", "Seconds of rest after each exercise; scaled by --pace.",
         low=0, high=MAX_REST_AFTER_S, default=DEFAULT_REST_AFTER_S),
    Rule("setup", "seconds", "Seconds to get into position after 'Get into position.', for every exercise; "
         "scaled by --pace.", low=0, high=MAX_SETUP_S, default=DEFAULT_SETUP_S),
    Rule("switch_setup", "seconds", "Seconds to get into position after switching sides, for every exercise "
         f"(default: setup + {SWITCH_EXTRA_S:g}); scaled by --pace.", low=0, high=MAX_SETUP_S),
    Rule("wait_for_me", "flag", "true: when played, every exercise waits after 'Get into position.' until you "
         "say you are ready (space, the play button or a headset button); an export keeps the timed set-up.",
         default=False),
    Rule("exercises", "exercises", "The exercises, in order.", required=True, low=1, high=MAX_EXERCISES),
)

EXERCISE_RULES = (
    Rule("name", "text", "Spoken as 'Exercise 2 of 6: NAME.'; unique in the program.", required=True),
    Rule("position", "sided lines", "The starting position: a line or a list of lines.", required=True),
    Rule("instructions", "sided lines", "What to do, said once before you start."),
    Rule("reps", "whole", "How many repetitions (on each side, with sides: each).", required=True,
         low=1, high=MAX_REPS),
    Rule("sides", "choice", "'one', or 'each': all repetitions on the left, then on the right.",
         choices=("one", "each"), default="one"),
    Rule("reminder", "sided text", "One line, such as 'Keep breathing.', said with the introduction and "
         "as often as reminder_said says."),
    Rule("reminder_said", "choice", "How often the reminder is said: once (with the introduction), each side "
         "(also at the first hold of the second side), each repetition (also at every hold).",
         choices=REMINDER_CHOICES, default=DEFAULT_REMINDER_SAID),
    Rule("setup", "seconds", "Seconds to get into position after 'Get into position.'; scaled by --pace.",
         low=0, high=MAX_SETUP_S, default=DEFAULT_SETUP_S),
    Rule("switch_setup", "seconds", "Seconds to get into position after switching sides "
         f"(default: setup + {SWITCH_EXTRA_S:g}); scaled by --pace.", low=0, high=MAX_SETUP_S),
    Rule("wait_for_me", "flag", "true: when played, wait after 'Get into position.' (on each side) until you say "
         "you are ready (space, the play button or a headset button); an export keeps the timed set-up. "
         "Overrides the program's.", default=False),
    Rule("rest_between_reps", "seconds", "Seconds between repetitions; scaled by --pace.",
         low=0, high=MAX_REST_BETWEEN_REPS_S, default=DEFAULT_REST_BETWEEN_REPS_S),
    Rule("rest_after", "seconds", "Seconds of rest after this exercise; overrides the program's.",
         low=0, high=MAX_REST_AFTER_S),
    Rule("movement", "movement", "The steps of one repetition, in order.", required=True,
         low=1, high=MAX_PHASES),
)

MOVE_RULES = (
    Rule("say", "sided text", "Spoken as the movement starts.", required=True),
    Rule("seconds", "seconds", "How long the movement takes at pace 1; scaled by --pace.", required=True,
         low=MIN_MOVE_S, high=MAX_MOVE_S),
)

# A movement worded by side, in an exercise with 'sides: each': the say: {left: ..., right: ...}
# of MOVE_RULES written straight in the step, as instructions are written.
SIDED_MOVE_RULES = (
    Rule("left", "text", "Spoken as the movement starts, on the left side (needs 'sides: each').", required=True),
    Rule("right", "text", "Spoken as the movement starts, on the right side (needs 'sides: each').",
         required=True),
    MOVE_RULES[1],
)

HOLD_RULES = (
    Rule("hold", "hold", "Seconds to hold, or [shortest, longest] (timed to the longest). --pace never "
         "changes it.", required=True, low=MIN_HOLD_S, high=MAX_HOLD_S),
)

# Every key a movement step can have, whatever its kind: unknown keys in a step are matched
# against all of them, so that 'Hold' in a movement still gets "did you mean 'hold'?".
STEP_KEYS = ("say", "seconds", "hold", "left", "right")
STEP_KINDS = ("a movement (say: ..., seconds: ...), a movement worded by side (left: ..., right: ..., "
              "seconds: ...) or a hold (hold: seconds)")

SIDED_KEYS = SIDES
# Every key of the format, at any level: a line 'reps 2' is told to add a ':'.
FORMAT_KEYS = frozenset(rule.key for rules in (PROGRAM_RULES, EXERCISE_RULES, MOVE_RULES, SIDED_MOVE_RULES,
                                               HOLD_RULES) for rule in rules)
PLACEHOLDERS = {"side": 0, "other_side": 1}  # {side} is the side being worked, {other_side} the other

# Keys people write that mean one of ours: suggested by meaning, where spelling would not find them.
SYNONYMS = {
    "program": {"name": ("title",), "rest": ("rest_after",), "set_up": ("setup",), "exercise": ("exercises",)},
    "exercise": {
        "repetitions": ("reps",), "repeats": ("reps",), "repeat": ("reps",), "times": ("reps",),
        "count": ("reps",), "sets": ("reps",), "rest": ("rest_between_reps", "rest_after"),
        "pause": ("rest_between_reps", "rest_after"), "side": ("sides",), "steps": ("movement",),
        "movements": ("movement",), "start": ("position",), "starting_position": ("position",),
        "description": ("instructions",), "how": ("instructions",), "title": ("name",),
        "hold": ("movement",), "set_up": ("setup",), "preparation": ("setup",), "get_ready": ("setup",),
        "remind": ("reminder",), "note": ("reminder",), "reminder_every": ("reminder_said",),
        "reminder_frequency": ("reminder_said",), "duration": ("movement",), "seconds": ("movement",),
    },
    "step": {"duration": ("seconds",), "time": ("seconds",), "length": ("seconds",), "secs": ("seconds",),
             "text": ("say",), "cue": ("say",), "speak": ("say",), "words": ("say",), "move": ("say",),
             "holds": ("hold",), "hold_for": ("hold",), "reps": ("say",)},
}


# --- YAML with line numbers -------------------------------------------------------------------


class _Map(dict):
    """A YAML mapping that remembers its line, the line of each key, and keys given twice."""

    line: int
    key_lines: dict[Any, int]
    twice: list[tuple[Any, int, int]]  # (key, first line, second line)


class _Seq(list):
    """A YAML sequence that remembers its line and the line of each item."""

    line: int
    item_lines: list[int]


class _OwnError(yaml.MarkedYAMLError):
    """A problem the loader itself finds while reading YAML: its words are already plain."""


class _Quoted(str):
    """Text written in quotes: only such text is told to "remove the quotes" where a number or
    true/false belongs."""


# The longest whole number the loader reads: more digits than any value of a program could have,
# and far below Python's 4300-digit limit on turning text into a number.
MAX_NUMBER_DIGITS = 100

# The YAML 1.2 core schema (YAML 1.2.2, section 10.3.2), which editors read (yaml-language-server,
# and so VS Code): 'yes', 'on', '1:30', '1_0' are text and '012' is twelve. PyYAML reads YAML 1.1,
# where they are true, true, 90, 10 and ten, so a file would mean one thing in the editor and
# another when played. (tag, pattern, the characters the scalars can start with), in the order
# they are tried: an int before a float, which the same digits also match.
CORE_SCHEMA = (
    ("tag:yaml.org,2002:null", r"~|null|Null|NULL|", "~nN"),
    ("tag:yaml.org,2002:bool", r"true|True|TRUE|false|False|FALSE", "tTfF"),
    ("tag:yaml.org,2002:int", r"[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+", "-+0123456789"),
    ("tag:yaml.org,2002:float", r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
     r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)", "-+.0123456789"),
)
_CORE = {tag: re.compile(rf"^(?:{pattern})$") for tag, pattern, _ in CORE_SCHEMA}


def _is_core(tag: str, text: str) -> bool:
    """Whether plain text is read as this YAML 1.2 core type (an int: '12', '0x1A'; a float: '1.5')."""
    return bool(_CORE[tag].match(text))


class _Loader(yaml.SafeLoader):
    """SafeLoader that reads the YAML 1.2 core schema, records line numbers and refuses aliases
    and tags."""

    yaml_implicit_resolvers: dict = {}  # replaced, not added to: none of YAML 1.1's is kept

    def compose_node(self, parent, index):  # type: ignore[override]
        # Aliases make "billion laughs" bombs cheap; no program needs them.
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise _OwnError(
                problem="anchors and aliases (&name, *name) are not supported in program files; "
                "text that starts with '*' or '&' must be in quotes",
                problem_mark=event.start_mark,
            )
        # A tag (!!int x, !!timestamp x) asks for a type of its own; no program needs one, and
        # PyYAML's constructors fail on most values with errors no one could act on.
        event = self.peek_event()
        if getattr(event, "tag", None) is not None:
            raise _OwnError(problem="tags (!name, !!name) are not supported in program files; "
                            "text that starts with '!' must be in quotes", problem_mark=event.start_mark)
        return super().compose_node(parent, index)


for _tag, _pattern, _first in CORE_SCHEMA:
    _Loader.add_implicit_resolver(_tag, _CORE[_tag], list(_first) + ([""] if _tag.endswith("null") else []))


def _construct_bool(loader: _Loader, node: yaml.ScalarNode) -> bool:
    return node.value in ("true", "True", "TRUE")


def _construct_int(loader: _Loader, node: yaml.ScalarNode) -> int:
    text = node.value
    if len(text) > MAX_NUMBER_DIGITS:
        raise _OwnError(problem=f"this number has {len(text)} digits; no value in a program has more than "
                        f"{MAX_NUMBER_DIGITS}", problem_mark=node.start_mark)
    if text.startswith(("0o", "0x")):
        return int(text[2:], 8 if text[1] == "o" else 16)
    return int(text)  # a leading 0 is decimal in YAML 1.2: 012 is twelve


def _construct_float(loader: _Loader, node: yaml.ScalarNode) -> float:
    text = node.value
    if text.lstrip("+-").lower() == ".inf":
        return -math.inf if text.startswith("-") else math.inf
    if text.lower() == ".nan":
        return math.nan
    return float(text)  # a number too large to hold is inf, and refused as out of range


def _construct_str(loader: _Loader, node: yaml.ScalarNode) -> str:
    text = loader.construct_scalar(node)
    return _Quoted(text) if node.style in ("'", '"') else text


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _construct_map(loader: _Loader, node: yaml.MappingNode) -> _Map:
    result = _Map()
    result.line = _line(node)
    result.key_lines = {}
    result.twice = []
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, (str, int, float, bool)) and key is not None:
            raise _OwnError(problem="a key must be a word, such as 'reps'", problem_mark=key_node.start_mark)
        if key in result:  # reported by the reader, which knows what the mapping is
            result.twice.append((key, result.key_lines[key], _line(key_node)))
            continue
        result[key] = loader.construct_object(value_node, deep=True)
        result.key_lines[key] = _line(key_node)
    return result


def _construct_seq(loader: _Loader, node: yaml.SequenceNode) -> _Seq:
    result = _Seq(loader.construct_object(child, deep=True) for child in node.value)
    result.line = _line(node)
    result.item_lines = [_line(child) for child in node.value]
    return result


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_Loader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)
_Loader.add_constructor("tag:yaml.org,2002:bool", _construct_bool)
_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)
_Loader.add_constructor("tag:yaml.org,2002:float", _construct_float)
_Loader.add_constructor("tag:yaml.org,2002:str", _construct_str)


# --- loading ----------------------------------------------------------------------------------


def builtin_names() -> tuple[str, ...]:
    """The names of the programs that ship with voicecoach, in order."""
    return BUILTIN_NAMES


def load_builtin(name: str) -> Program:
    """Load a built-in program by its exact name."""
    if name not in BUILTIN_NAMES:
        raise ProgramError(_unknown_name_message(name))
    data = resources.files("voicecoach").joinpath("programs", f"{name}.yaml").read_bytes()
    return parse_program(data, name=name, source=f"{name}.yaml (built-in)")


def resolve_program(spec: str) -> Program:
    """A built-in program by name (any case), or a user's program from a YAML file path.

    A name never touches the file system: only something that looks like a path (it has a
    directory separator or ends in .yaml/.yml) is read as a file.
    """
    key = spec.strip().lower()
    if key in BUILTIN_NAMES:
        return load_builtin(key)
    if _looks_like_path(spec):
        return load_program(spec)
    raise ProgramError(_unknown_name_message(spec))


def program_specs(spec: str) -> list[str]:
    """What a command given `spec` should load: a folder's program files (*.yaml, *.yml, in name
    order), or spec itself (a built-in name or a file)."""
    folder = Path(spec)
    if not folder.is_dir():
        return [spec]
    try:
        found = sorted(str(path) for path in folder.iterdir()
                       if path.suffix.lower() in (".yaml", ".yml") and not path.is_dir())
    except OSError as error:
        raise ProgramError(f"cannot read this folder: {error.strerror or error}", spec) from None
    if not found:
        raise ProgramError("no program files (.yaml) in this folder", spec)
    return found


def _looks_like_path(spec: str) -> bool:
    separators = [s for s in (os.sep, os.altsep) if s]
    return any(s in spec for s in separators) or spec.lower().endswith((".yaml", ".yml"))


def _unknown_name_message(spec: str) -> str:
    if not spec.strip():
        return "no program given; name a built-in program or a YAML file"
    close = difflib.get_close_matches(spec.strip().lower(), BUILTIN_NAMES, n=1, cutoff=0.5)
    hint = f"; did you mean '{close[0]}'?" if close else "."
    names = ", ".join(BUILTIN_NAMES)
    tail = f" Built-in programs: {names}. A file of your own needs a path ending in .yaml"
    if Path(spec).is_file():
        tail += f" (for the file here, write ./{shown(spec)})"
    return f"no built-in program called '{shown(spec)}'{hint}{tail}"


def load_program(path: str | os.PathLike[str]) -> Program:
    """Load and validate a program from a YAML file."""
    from voicecoach.files import NotARegularFile, read_regular

    source = os.fspath(path)
    target = Path(path)
    try:
        data = read_regular(target, MAX_FILE_BYTES)  # never opens a FIFO or device, which could hang
    except NotARegularFile as error:
        raise ProgramError(f"this is {error.what}, not a program file", source) from None
    except FileNotFoundError:
        raise ProgramError("no such file", source) from None
    except PermissionError:
        raise ProgramError("cannot read it: permission denied", source) from None
    except OSError as error:
        raise ProgramError(f"cannot read it: {error.strerror or error}", source) from None
    except ValueError:  # a NUL character in the name: no such file can exist
        raise ProgramError("no such file (the name contains a NUL character)", source) from None
    return parse_program(data, name=target.stem, source=source)


_UTF16_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
               (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def decode_text(data: bytes, source: str) -> str:
    """The text of a program file: UTF-8 (with or without a byte-order mark), or UTF-16/32 with
    one (what Windows Notepad saves as "Unicode"). Anything else gets a line saying how to fix it."""
    for bom, encoding in _UTF16_BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as error:
                raise ProgramError(f"the file says it is {encoding.upper()} text but is not "
                                   f"(a broken character at byte {error.start})", source) from None
    if b"\x00" in data:
        raise ProgramError("this is a binary file, not a YAML program", source)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        bad = data[error.start : error.end]
        guess = bad.decode("cp1252", errors="replace")
        looks = f" ('{shown(guess)}' saved in another encoding, probably Windows-1252)" if guess.isprintable() else ""
        raise ProgramError(f"the file is not UTF-8 text{looks}; open it in your text editor, choose "
                           "'Save As' and the encoding 'UTF-8'", source, line) from None


def read_document(data: bytes, source: str, keys: frozenset[str] = FORMAT_KEYS, what: str = "program") -> Any:
    """The YAML document of a file in one of voicecoach's formats (a program, a plan), its mappings
    and lists knowing their lines; every problem is a ProgramError naming the file and line."""
    if len(data) > MAX_FILE_BYTES:
        raise ProgramError(f"the file is too large for a {what} (over {MAX_FILE_BYTES // 1024} KiB)", source)
    text = decode_text(data, source)
    if not text.strip():
        raise ProgramError("the file is empty", source)
    try:
        document = yaml.load(text, Loader=_Loader)
    except _OwnError as error:
        mark = error.problem_mark
        raise ProgramError(error.problem or f"not a {what}", source, mark.line + 1 if mark else None) from None
    except yaml.MarkedYAMLError as error:
        line, message = explain(text, error, keys)
        raise ProgramError(message, source, line) from None
    except yaml.YAMLError:
        raise ProgramError(f"this is not a {what} file: it does not have the layout of YAML", source) from None
    except RecursionError:
        raise ProgramError(f"not a {what}: it is nested far too deeply", source) from None
    if document is None:
        raise ProgramError("the file is empty (only comments)", source)
    return document


def parse_program(data: bytes, name: str, source: str) -> Program:
    """Validate the bytes of a YAML program file and build the Program."""
    document = read_document(data, source)
    if not isinstance(document, _Map):
        raise ProgramError(
            f"a program starts with 'title:' and 'exercises:' lines; found {_kind(document)}",
            source,
            getattr(document, "line", 1),
        )
    return _Reader(source).program(document, name)


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"'{str(value).lower()}' (true/false)"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text '{shown(value)}'"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a group of 'key: value' lines"
    return f"a {type(value).__name__}"


def _num(value: float) -> str:
    return f"{value:g}"


def is_invisible(char: str) -> bool:
    """Whether spoken text may not contain this character: a control, format, private-use or
    surrogate character (terminal escapes, right-to-left marks), except the zero-width joiner that
    joins emoji. Text is checked after its whitespace is folded, so tabs and line breaks never are."""
    return unicodedata.category(char) in ("Cc", "Cf", "Co", "Cs") and char != "\u200d"


def _colon_text(value: Any) -> str | None:
    """The text someone wrote, if YAML read it as one 'key: value' pair because of a ': ' in it
    ('- Tip: put a towel under your knee.'); else None."""
    if not isinstance(value, _Map) or len(value) != 1:
        return None
    key, rest = next(iter(value.items()))
    if not isinstance(key, str) or key.strip().lower() in SIDES:
        return None
    if rest is None:
        return None if key.strip().lower() in PLACEHOLDERS else f"{key}:"
    if isinstance(rest, bool):
        rest = str(rest).lower()
    return f"{key}: {rest}" if isinstance(rest, (str, int, float)) else None


# --- validation -------------------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def _by_key(rules: tuple[Rule, ...]) -> dict[str, Rule]:
    return {rule.key: rule for rule in rules}


_PROGRAM = _by_key(PROGRAM_RULES)
_EXERCISE = _by_key(EXERCISE_RULES)
_MOVE = _by_key(MOVE_RULES)
_HOLD = _by_key(HOLD_RULES)


class _Reader:
    """Walks a parsed document and builds the dataclasses, failing on the first problem (a plan's
    reader, voicecoach/plan.py, is one too: FormatReader)."""

    def __init__(self, source: str):
        self.source = source

    def fail(self, message: str, line: int | None) -> ProgramError:
        return ProgramError(message, self.source, line)

    def keys(self, mapping: _Map, rules: tuple[Rule, ...], where: str, level: str, what: str,
             known: tuple[str, ...] = ()) -> None:
        """Keys given twice, unknown keys (suggested by meaning and spelling, from `known` if given,
        else from the rules' keys) and missing ones."""
        for key, first, second in mapping.twice:
            if isinstance(key, str) and key in ITEM_STARTS.get(level, ()):
                raise self.fail(f"{where}'{shown(key)}' is given twice (lines {first} and {second}); if a new "
                                f"{what} starts on line {second}, put '- ' before '{shown(key)}'", second)
            raise self.fail(f"{where}'{shown(str(key))}' is given twice (lines {first} and {second}); keep one",
                            second)
        allowed = known or tuple(rule.key for rule in rules)
        for key in mapping:
            line = mapping.key_lines[key]
            if not isinstance(key, str):
                raise self.fail(f"{where}{self.not_a_key(key, mapping)}", line)
            if key not in allowed:
                raise self.fail(f"{where}{self.unknown(key, mapping, allowed, level)}", line)
        for rule in rules:
            if rule.required and rule.key not in mapping:
                raise self.fail(f"{where}missing '{rule.key}'", mapping.line)

    def not_a_key(self, key: Any, mapping: _Map) -> str:
        keys = list(mapping)
        before = keys[keys.index(key) - 1] if keys.index(key) else None
        if (isinstance(key, int) and not isinstance(key, bool) and key >= 0 and mapping[key] is None
                and isinstance(before, str) and isinstance(mapping[before], int)
                and mapping.key_lines[before] == mapping.key_lines[key]):
            # {say: Bend., seconds: 1,5}: a decimal comma splits the number in two
            number = f"{mapping[before]}.{key}"
            return (f"'{shown(number.replace('.', ','))}' is not a number: a decimal number is written with a "
                    f"point: {shown(before)}: {shown(number)}")
        return f"unexpected key {_kind(key)}"

    def unknown(self, key: str, mapping: _Map, allowed: tuple[str, ...], level: str) -> str:
        if " " in key.strip() and mapping[key] is None:  # "{say: Tilt, your head., seconds: 3}"
            return (f"'{shown(key)}' is not a key: text with a comma in the short {{say: ..., seconds: ...}} "
                    "form must be in quotes")
        if re.match(r"-[^\s-]", key.strip()):  # "-hold: 3"
            value = mapping[key]
            written = f"{key.strip()[1:]}: {value}" if isinstance(value, (str, int, float)) else f"{key.strip()[1:]}:"
            return f"put a space after the '-': '- {shown(written, 60)}'"
        free = [k for k in allowed if k not in mapping]
        folded = key.strip().lower().replace(" ", "_").replace("-", "_")
        meant = SYNONYMS.get(level, {}).get(folded, ())
        if folded in allowed:
            meant = (folded,)
        open_ = [k for k in meant if k in free]
        if open_:
            choices = " or ".join(f"'{k}'" for k in open_)
            return f"unknown key '{shown(key)}'; did you mean {choices}?"
        given = next((k for k in meant if k in mapping), None)
        if given is not None:
            return (f"unknown key '{shown(key)}'; '{given}' (line {mapping.key_lines[given]}) already says it: "
                    "remove this line")
        close = difflib.get_close_matches(folded, free, n=1, cutoff=0.6)
        if close:
            return f"unknown key '{shown(key)}'; did you mean '{close[0]}'?"
        if level == "step":
            return f"unknown key '{shown(key)}'; a step is {STEP_KINDS}"
        return f"unknown key '{shown(key)}'; expected one of: " + ", ".join(free or allowed)

    # --- values ---

    def text(self, value: Any, what: str, line: int) -> str:
        if isinstance(value, _Map) and len(value) == 1 and next(iter(value.values())) is None:
            word = next(iter(value))
            if isinstance(word, str) and word.strip().lower() in PLACEHOLDERS:
                raise self.fail(f"{what}: text that starts with '{{' must be in quotes, "
                                f"such as \"{{{shown(word)}}} ...\"", line)
        written = _colon_text(value)
        if written is not None:  # "Tip: put a towel under your knee." read as a 'key: value' line
            raise self.fail(f"{what.rstrip(',')}: text containing ': ' must be in quotes: {quoted(shown(written, 60))}",
                            value.line)
        if not isinstance(value, str):
            hint = " (put it in quotes)" if isinstance(value, (bool, int, float)) else ""
            raise self.fail(f"{what} must be text, found {_kind(value)}{hint}", line)
        cleaned = " ".join(value.split())
        if not cleaned:
            raise self.fail(f"{what} is empty", line)
        if len(cleaned) > MAX_TEXT_CHARS:
            raise self.fail(
                f"{what} is too long ({len(cleaned)} characters, at most {MAX_TEXT_CHARS}); "
                "split it into a list of shorter lines",
                line,
            )
        for char in cleaned:
            if is_invisible(char):
                raise self.fail(f"{what} contains an invisible control character {shown(char)}", line)
        return cleaned

    def plain(self, value: Any, what: str, line: int) -> str:
        """Text that is not said by side: a {side} in it is a mistake."""
        text = self.text(value, what, line)
        for match in _PLACEHOLDER.finditer(text):
            word = match.group(1).strip().lower()
            if word in PLACEHOLDERS:
                raise self.fail(f"{what} uses {{{shown(match.group(1))}}}, which only works in the spoken lines of an "
                                "exercise with 'sides: each'", line)
        return text

    def lines(self, value: Any, what: str, line: int) -> tuple[str, ...]:
        """A single line of text, or a list of lines."""
        return tuple(self.plain(item, item_what, item_line)
                     for item, item_what, item_line in self.items(value, what, line))

    def items(self, value: Any, what: str, line: int) -> list[tuple[Any, str, int]]:
        if isinstance(value, _Seq):
            if not value:
                raise self.fail(f"{what} is an empty list", line)
            if len(value) > MAX_LINES:
                raise self.fail(f"{what} has {len(value)} lines; at most {MAX_LINES}", line)
            for i, (item, item_line) in enumerate(zip(value, value.item_lines)):
                written = _colon_text(item)
                if written is not None:
                    raise self.fail(f"{what}, line {i + 1} of the list: text containing ': ' must be in quotes: "
                                    f"- {quoted(shown(written, 60))}", item_line)
            return [(item, f"{what}, line {i + 1} of the list,", item_line)
                    for i, (item, item_line) in enumerate(zip(value, value.item_lines))]
        return [(value, what, line)]

    def sided(self, value: Any, what: str, line: int, each_side: bool) -> Text:
        """A line that may differ by side: {left: ..., right: ...}, or text with {side} in it."""
        if isinstance(value, _Map) and any(isinstance(k, str) and k.strip().lower() in SIDES for k in value):
            if not each_side:
                raise self.fail(f"{what} has left and right wording, which needs 'sides: each' in the exercise",
                                line)
            self.keys(value, (Rule("left", "text", "", required=True), Rule("right", "text", "", required=True)),
                      f"{what}: ", "sided", "")
            return Sided(left=self.plain(value["left"], f"{what} 'left'", value.key_lines["left"]),
                         right=self.plain(value["right"], f"{what} 'right'", value.key_lines["right"]))
        text = self.text(value, what, line)
        found = list(_PLACEHOLDER.finditer(text))
        if not found:
            return text
        for match in found:
            word = match.group(1).strip().lower()
            if word not in PLACEHOLDERS:
                close = difflib.get_close_matches(word, list(PLACEHOLDERS), n=1, cutoff=0.5)
                hint = f"did you mean {{{close[0]}}}?" if close else "the ones there are: {side}, {other_side}"
                raise self.fail(f"{what} has an unknown placeholder {{{shown(match.group(1))}}}; {hint}", line)
        if not each_side:
            raise self.fail(f"{what} uses {{{shown(found[0].group(1))}}}, which needs 'sides: each' in the exercise",
                            line)
        return Sided(left=text, right=text)  # filled in when said, in the session's language

    def sided_lines(self, value: Any, what: str, line: int, each_side: bool) -> tuple[Text, ...]:
        return tuple(self.sided(item, item_what, item_line, each_side)
                     for item, item_what, item_line in self.items(value, what, line))

    def language(self, value: Any, what: str, line: int) -> str:
        try:
            return check_language(value)
        except OptionError as error:
            raise self.fail(f"{what}: {error}", line) from None

    def number(self, value: Any, rule: Rule, what: str, line: int) -> float:
        unit = "seconds"
        if isinstance(value, str):
            raise self.fail(f"{what} must be a number of {unit}, found the text '{shown(value)}'"
                            f"{_number_advice(value, rule)}", line)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(f"{what} must be a number of {unit}, found {_kind(value)}", line)
        if not math.isfinite(value) or not rule.low <= value <= rule.high:
            raise self.fail(f"{what} must be from {_num(rule.low)} to {_num(rule.high)} {unit}, "
                            f"found {shown(str(value))}", line)
        return float(value)

    def whole(self, value: Any, rule: Rule, what: str, line: int) -> int:
        if isinstance(value, str):
            raise self.fail(f"{what} must be a whole number, found the text '{shown(value)}'"
                            f"{_number_advice(value, rule)}", line)
        if isinstance(value, float) and value.is_integer():
            value = int(value)  # 3.0 is a whole number to an editor's JSON Schema too
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(f"{what} must be a whole number, found {_kind(value)}", line)
        if not rule.low <= value <= rule.high:
            raise self.fail(f"{what} must be from {_num(rule.low)} to {_num(rule.high)}, found {shown(str(value))}",
                            line)
        return value

    def choice(self, value: Any, rule: Rule, what: str, line: int) -> str:
        if isinstance(value, str) and " ".join(value.lower().split()) in rule.choices:
            return " ".join(value.lower().split())
        names = " or ".join(f"'{c}'" for c in rule.choices)
        raise self.fail(f"{what} must be {names}, found {_kind(value)}", line)

    def flag(self, value: Any, rule: Rule, what: str, line: int) -> bool:
        if isinstance(value, bool):
            return value
        word = value.strip().lower() if isinstance(value, str) else None
        if word in ("true", "false"):
            how = "remove the quotes" if isinstance(value, _Quoted) else "write it in small letters"
            raise self.fail(f"{what} must be true or false, found the text '{shown(value)}': {how} "
                            f"({rule.key}: {word})", line)
        if word in _YES_NO:  # YAML 1.1 read these as true and false; YAML 1.2, as editors do, as text
            raise self.fail(f"{what} must be true or false, found the text '{shown(value)}': write "
                            f"{rule.key}: {_YES_NO[word]}", line)
        raise self.fail(f"{what} must be true or false, found {_kind(value)}", line)

    def setting(self, mapping: _Map, rules: dict[str, Rule], key: str, where: str, default: Any = None) -> Any:
        """The value of a number or choice key, checked against its rule, or the default."""
        if key not in mapping:
            return rules[key].default if default is None else default
        rule, value, line = rules[key], mapping[key], mapping.key_lines[key]
        what = f"{where}'{key}'"
        if rule.kind == "seconds":
            return self.number(value, rule, what, line)
        if rule.kind == "whole":
            return self.whole(value, rule, what, line)
        if rule.kind == "flag":
            return self.flag(value, rule, what, line)
        return self.choice(value, rule, what, line)

    # --- the document ---

    def program(self, doc: _Map, name: str) -> Program:
        self.keys(doc, PROGRAM_RULES, "", "program", "")
        title = self.plain(doc["title"], "'title'", doc.key_lines["title"])
        language = "en"
        if "language" in doc:
            language = self.language(doc["language"], "'language'", doc.key_lines["language"])
        intro = self.lines(doc["intro"], "'intro'", doc.key_lines["intro"]) if "intro" in doc else ()
        safety = self.lines(doc["safety"], "'safety'", doc.key_lines["safety"]) if "safety" in doc else ()
        defaults = {key: self.setting(doc, _PROGRAM, key, "") for key in ("rest_after", "setup", "wait_for_me")}
        if "switch_setup" in doc:
            defaults["switch_setup"] = self.setting(doc, _PROGRAM, "switch_setup", "")
        items = doc["exercises"]
        line = doc.key_lines["exercises"]
        if not isinstance(items, _Seq):
            raise self.fail(f"'exercises' must be a list of exercises (each starting with '- '), found {_kind(items)}",
                            line)
        if not items:
            raise self.fail("'exercises' is empty; a program needs at least one exercise", line)
        if len(items) > MAX_EXERCISES:
            raise self.fail(f"'exercises' has {len(items)} exercises; at most {MAX_EXERCISES}", line)
        exercises: list[Exercise] = []
        seen: dict[str, int] = {}
        for number, (item, item_line) in enumerate(zip(items, items.item_lines), start=1):
            exercise = self.exercise(item, number, item_line, defaults)
            key = exercise.name.casefold()
            if key in seen:
                raise self.fail(
                    f"exercise {number}: the name '{shown(exercise.name)}' is already used by exercise {seen[key]}",
                    item.key_lines["name"],
                )
            seen[key] = number
            exercises.append(exercise)
        self.session_bounds(exercises, line)
        return Program(name=name, title=title, intro=intro, safety=safety, exercises=tuple(exercises),
                       language=language)

    def session_bounds(self, exercises: list[Exercise], line: int) -> None:
        steps = sum(e.reps * (2 if e.each_side else 1) * len(e.movement) for e in exercises)
        if steps > MAX_STEPS:
            raise self.fail(f"the program has {steps} movement steps in all (repetitions x sides x steps); "
                            f"at most {MAX_STEPS}", line)
        least_s = sum(
            (2 if e.each_side else 1) * e.reps * (sum(p.seconds for p in e.movement) + e.rest_between_reps_s)
            + e.rest_after_s
            for e in exercises
        )
        if least_s > MAX_SESSION_S:
            raise self.fail(f"the program would last at least {least_s / 3600:.1f} hours; "
                            f"a session can be at most {MAX_SESSION_S // 3600} hours", line)

    def exercise(self, item: Any, number: int, line: int, defaults: dict[str, Any]) -> Exercise:
        if not isinstance(item, _Map):
            raise self.fail(f"exercise {number} must be a group of 'key: value' lines with 'name', 'position', "
                            f"'reps' and 'movement', found {_kind(item)}", line)
        label = f"exercise {number}"
        if isinstance(item.get("name"), str) and item["name"].strip():
            label += f" ({shown(item['name'])})"
        where = f"{label}: "
        self.keys(item, EXERCISE_RULES, where, "exercise", "exercise")
        lines = item.key_lines
        each_side = self.setting(item, _EXERCISE, "sides", where) == "each"
        name = self.plain(item["name"], f"{where}'name'", lines["name"])
        position = self.sided_lines(item["position"], f"{where}'position'", lines["position"], each_side)
        instructions: tuple[Text, ...] = ()
        if "instructions" in item:
            instructions = self.sided_lines(item["instructions"], f"{where}'instructions'", lines["instructions"],
                                            each_side)
        reps = self.setting(item, _EXERCISE, "reps", where)
        movement = self.movement(item["movement"], where, lines["movement"], each_side)
        reminder = None
        if "reminder" in item:
            reminder = self.sided(item["reminder"], f"{where}'reminder'", lines["reminder"], each_side)
        reminder_said = self.setting(item, _EXERCISE, "reminder_said", where)
        setup = self.setting(item, _EXERCISE, "setup", where, defaults["setup"])
        switch_default = defaults.get("switch_setup", min(setup + SWITCH_EXTRA_S, MAX_SETUP_S))
        switch_setup = self.setting(item, _EXERCISE, "switch_setup", where, switch_default)
        wait_for_me = self.setting(item, _EXERCISE, "wait_for_me", where, defaults["wait_for_me"])
        return Exercise(
            name=name,
            position=position,
            instructions=instructions,
            reps=reps,
            each_side=each_side,
            movement=movement,
            reminder=reminder,
            rest_between_reps_s=self.setting(item, _EXERCISE, "rest_between_reps", where),
            rest_after_s=self.setting(item, _EXERCISE, "rest_after", where, defaults["rest_after"]),
            setup_s=setup,
            switch_setup_s=switch_setup,
            reminder_said=reminder_said,
            wait_for_me=wait_for_me,
            line=line,
            lines={str(key): value for key, value in lines.items()},
        )

    def movement(self, value: Any, where: str, line: int, each_side: bool) -> tuple[Phase, ...]:
        if not isinstance(value, _Seq):
            raise self.fail(f"{where}'movement' must be a list of steps (each starting with '- '), "
                            f"found {_kind(value)}", line)
        if not value:
            raise self.fail(f"{where}'movement' is empty; give at least one step", line)
        if len(value) > MAX_PHASES:
            raise self.fail(f"{where}'movement' has {len(value)} steps; at most {MAX_PHASES}", line)
        return tuple(self.phase(step, f"{where}movement step {number}: ", step_line, each_side)
                     for number, (step, step_line) in enumerate(zip(value, value.item_lines), start=1))

    def phase(self, step: Any, where: str, line: int, each_side: bool) -> Phase:
        if not isinstance(step, _Map):
            raise self.fail(f"{where}expected 'say: ...' with 'seconds: ...', or 'hold: seconds'; "
                            f"found {_kind(step)}", line)
        if "hold" in step:
            moving = [k for k in ("say", "seconds", "left", "right") if k in step]
            if moving:  # a dash lost between two steps
                order = sorted(["hold", *moving], key=lambda k: step.key_lines[k])
                first_kind = order[0] == "hold"
                later = next(k for k in order if (k == "hold") != first_kind)  # where the other step begins
                at = step.key_lines[later]
                raise self.fail(f"{where}'{moving[0]}' and 'hold' are in one step; a step is a movement or a hold: "
                                f"put '- ' before '{later}' on line {at} to start a new step", at)
            self.keys(step, HOLD_RULES, where, "step", "step", known=STEP_KEYS)
            return self.hold(step["hold"], where, step.key_lines["hold"])
        sides = [k for k in SIDES if k in step]
        if sides:
            if "say" in step:
                later = max(("say", sides[0]), key=lambda k: step.key_lines[k])
                raise self.fail(f"{where}'say' and '{sides[0]}' are in one step; a movement's words are 'say', or "
                                "'left' and 'right' for each side: keep one, or put '- ' before "
                                f"'{later}' on line {step.key_lines[later]} to start a new step", step.key_lines[later])
            self.keys(step, SIDED_MOVE_RULES, where, "step", "step", known=STEP_KEYS)
            if not each_side:
                raise self.fail(f"{where}the step has left and right wording, which needs 'sides: each' in the "
                                "exercise", step.key_lines[sides[0]])
            say: Text = Sided(left=self.plain(step["left"], f"{where}'left'", step.key_lines["left"]),
                              right=self.plain(step["right"], f"{where}'right'", step.key_lines["right"]))
            seconds = self.setting(step, _MOVE, "seconds", where)
            return Move(say=say, seconds=seconds, line=step.key_lines[sides[0]])
        self.keys(step, MOVE_RULES, where, "step", "step", known=STEP_KEYS)
        say = self.sided(step["say"], f"{where}'say'", step.key_lines["say"], each_side)
        seconds = self.setting(step, _MOVE, "seconds", where)
        return Move(say=say, seconds=seconds, line=step.key_lines["say"])

    def hold(self, value: Any, where: str, line: int) -> Hold:
        what = f"{where}'hold'"
        rule = _HOLD["hold"]
        if isinstance(value, _Seq):
            if len(value) != 2:
                pair = _RANGE.fullmatch(value[0].strip()) if len(value) == 1 and isinstance(value[0], str) else None
                advice = f" (hold: [{shown(pair.group(1))}, {shown(pair.group(2))}])" if pair else ""
                raise self.fail(f"{what} range must be two numbers, [shortest, longest]{advice}", line)
            low = self.number(value[0], rule, f"{what} shortest", line)
            high = self.number(value[1], rule, f"{what} longest", line)
            if low >= high:
                raise self.fail(f"{what} range must go from shorter to longer, found [{_num(low)}, {_num(high)}]",
                                line)
            return Hold(seconds=high, min_seconds=low, line=line)
        return Hold(seconds=self.number(value, rule, what, line), line=line)


# Keys that begin a list item, by the level of the mapping: given twice, a '- ' was probably lost.
ITEM_STARTS = {"exercise": ("name",), "step": ("say", "hold", "left")}


_YES_NO = {"yes": "true", "y": "true", "on": "true", "no": "false", "n": "false", "off": "false"}
_DECIMAL = r"[0-9]+(?:[.,][0-9]+)?"
_RANGE = re.compile(rf"({_DECIMAL})\s*(?:-|–|—|\.\.|to|,\s)\s*({_DECIMAL})")
_UNIT = re.compile(r"([0-9]+(?:\.[0-9]+)?)\s*(?:s|secs?|seconds?|times|x|reps?)", re.IGNORECASE)


def _number_advice(value: str, rule: Rule) -> str:
    """What to write instead of text where a number belongs, or "" when there is no good guess."""
    text = value.strip()
    key = rule.key
    if isinstance(value, _Quoted) and (_is_core("tag:yaml.org,2002:int", text)
                                       or _is_core("tag:yaml.org,2002:float", text)):
        return f": remove the quotes ({key}: {shown(text)})"
    if re.fullmatch(r"[-+]?[0-9]+,[0-9]+", text) and rule.kind != "whole":
        return f": a decimal number is written with a point ({key}: {shown(text.replace(',', '.'))})"
    pair = _RANGE.fullmatch(text)
    if pair:
        low, high = (shown(part.replace(",", ".")) for part in pair.groups())
        if rule.kind == "hold":
            return f": a range is written in brackets ({key}: [{low}, {high}])"
        return f": give one number, such as {key}: {high}"
    clock = re.fullmatch(r"([0-9]{1,3}):([0-5][0-9])", text)
    if clock and rule.kind != "whole":  # minutes:seconds, which YAML 1.1 read as a number of seconds
        return f": write it in seconds ({key}: {int(clock.group(1)) * 60 + int(clock.group(2))})"
    if "_" in text and _is_core("tag:yaml.org,2002:int", text.replace("_", "")):
        return f": write the number without '_' ({key}: {shown(text.replace('_', ''))})"
    unit = _UNIT.fullmatch(text)
    if unit:
        return f": write the number alone ({key}: {shown(unit.group(1))})"
    return ""


def _fill(text: str, side_index: int, side_words: dict[str, str]) -> str:
    """Text with {side} and {other_side} filled in for one side, capitalised at a sentence start."""

    def word(match: re.Match) -> str:
        offset = PLACEHOLDERS[match.group(1).strip().lower()]
        value = side_words[SIDES[(side_index + offset) % 2]]
        before = text[: match.start()].rstrip()
        return value.capitalize() if not before or before.endswith((".", "!", "?")) else value

    return _PLACEHOLDER.sub(word, text)


# --- choosing exercises (--from, --only) -------------------------------------------------------------


def find_exercise(program: Program, spec: str) -> int:
    """The index of the exercise named or numbered by spec (case-insensitive; a unique prefix will do)."""
    names = [exercise.name for exercise in program.exercises]
    text = spec.strip()
    if text.isascii() and text.isdigit():  # not str.isdigit alone: '¹' is a digit int() refuses
        number = int(text)
        if 1 <= number <= len(names):
            return number - 1
        raise OptionError(f"there is no exercise {number}: {program.title} has {len(names)} ({_listing(names)})")
    folded = [name.casefold() for name in names]
    wanted = " ".join(text.casefold().split())
    if wanted in folded:
        return folded.index(wanted)
    # The start of the name, else the start of any word in it ("trapezius", "knee"): one match only.
    for matches in ([i for i, name in enumerate(folded) if name.startswith(wanted)],
                    [i for i, name in enumerate(folded) if any(word.startswith(wanted) for word in _words(name))]):
        if len(matches) == 1 and wanted:
            return matches[0]
        if len(matches) > 1 and wanted:
            listed = ", ".join(f"{i + 1} {names[i]}" for i in matches)
            raise OptionError(f"'{shown(spec)}' matches {len(matches)} exercises in {program.title}: {listed}; "
                              "give more of the name, or its number")
    close = difflib.get_close_matches(text.casefold(), folded, n=1, cutoff=0.6)
    hint = f"; did you mean '{names[folded.index(close[0])]}'?" if close else "."
    raise OptionError(f"no exercise called '{shown(spec)}' in {program.title}{hint} Exercises: {_listing(names)}")


def _words(name: str) -> list[str]:
    return [word for word in re.split(r"[^\w]+", name) if word]


def _listing(names: list[str]) -> str:
    return ", ".join(f"{n} {name}" for n, name in enumerate(names, start=1))


def exercises_from(program: Program, spec: str | None) -> Program:
    """The program from the exercise spec names on (show and export's --from), or all of it."""
    if spec is None:
        return program
    return replace(program, exercises=program.exercises[find_exercise(program, spec):])


def select_exercises(program: Program, only: tuple[str, ...]) -> Program:
    """The program with only the chosen exercises, in program order."""
    if not only:
        return program
    keep = sorted({find_exercise(program, spec) for spec in only})
    exercises: tuple[Exercise, ...] = tuple(program.exercises[i] for i in keep)
    return replace(program, exercises=exercises)


FormatReader = _Reader  # for the other formats read as programs are (voicecoach/plan.py)
