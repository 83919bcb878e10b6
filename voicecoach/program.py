"""Exercise programs: the data model, and loading and validating it from YAML.

The YAML format is documented in docs/program-format.md. Every error names the file, the line
(where YAML has one) and the problem, as a single ProgramError.
"""

from __future__ import annotations

import difflib
import math
import os
import unicodedata
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Union

import yaml

from voicecoach.errors import ProgramError, shown

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
# Whole-session bounds, so that no file can make the compiler or the audio unbounded.
MAX_STEPS = 10_000  # repetitions x sides x movement steps, over all exercises
MAX_SESSION_S = 6 * 3600  # the least the session could last at pace 1
DEFAULT_REST_BETWEEN_REPS_S = 2.0
DEFAULT_REST_AFTER_S = 15.0


@dataclass(frozen=True)
class Move:
    """One movement phase of a repetition: a spoken cue and the time the movement takes at pace 1."""

    say: str
    seconds: float


@dataclass(frozen=True)
class Hold:
    """A hold of prescribed length; the cues frame `seconds`, the upper end of a range if given."""

    seconds: float
    min_seconds: float | None = None


Phase = Union[Move, Hold]


@dataclass(frozen=True)
class Exercise:
    """One exercise: how to get into position, what one repetition is, and how many."""

    name: str
    position: tuple[str, ...]
    instructions: tuple[str, ...]
    reps: int
    each_side: bool
    movement: tuple[Phase, ...]
    reminder: str | None
    rest_between_reps_s: float
    rest_after_s: float

    @property
    def holds(self) -> tuple[Hold, ...]:
        return tuple(p for p in self.movement if isinstance(p, Hold))


@dataclass(frozen=True)
class Program:
    """A whole program: what is said at the start, and the exercises in order."""

    name: str
    title: str
    intro: tuple[str, ...]
    safety: tuple[str, ...]
    exercises: tuple[Exercise, ...]


# --- YAML with line numbers -------------------------------------------------------------------


class _Map(dict):
    """A YAML mapping that remembers its line and the line of each key."""

    line: int
    key_lines: dict[Any, int]


class _Seq(list):
    """A YAML sequence that remembers its line and the line of each item."""

    line: int
    item_lines: list[int]


class _Loader(yaml.SafeLoader):
    """SafeLoader that records line numbers, refuses duplicate keys and refuses aliases."""

    def compose_node(self, parent, index):  # type: ignore[override]
        # Aliases make "billion laughs" bombs cheap; no program needs them.
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.MarkedYAMLError(
                problem="anchors and aliases (*name) are not supported in program files",
                problem_mark=event.start_mark,
            )
        return super().compose_node(parent, index)


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _construct_map(loader: _Loader, node: yaml.MappingNode) -> _Map:
    result = _Map()
    result.line = _line(node)
    result.key_lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, (str, int, float, bool)) and key is not None:
            raise yaml.MarkedYAMLError(problem="a key must be a word", problem_mark=key_node.start_mark)
        if key in result:
            raise yaml.MarkedYAMLError(
                problem=f"'{shown(str(key))}' appears twice in the same place", problem_mark=key_node.start_mark
            )
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
    source = os.fspath(path)
    target = Path(path)
    try:
        if target.is_dir():
            raise ProgramError("this is a directory, not a program file", source)
        with open(target, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise ProgramError("no such file", source) from None
    except PermissionError:
        raise ProgramError("cannot read it: permission denied", source) from None
    except OSError as error:
        raise ProgramError(f"cannot read it: {error.strerror or error}", source) from None
    except ValueError:  # a NUL character in the name: no such file can exist
        raise ProgramError("no such file (the name contains a NUL character)", source) from None
    return parse_program(data, name=target.stem, source=source)


def parse_program(data: bytes, name: str, source: str) -> Program:
    """Validate the bytes of a YAML program file and build the Program."""
    if len(data) > MAX_FILE_BYTES:
        raise ProgramError(f"the file is too large for a program (over {MAX_FILE_BYTES // 1024} KiB)", source)
    if b"\x00" in data:
        raise ProgramError("this is a binary file, not a YAML program", source)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise ProgramError("the file is not UTF-8 text", source, line) from None
    if not text.strip():
        raise ProgramError("the file is empty", source)
    try:
        document = yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        problem = error.problem or error.context or "not valid YAML"
        raise ProgramError(f"not valid YAML: {problem}", source, line) from None
    except yaml.YAMLError as error:
        raise ProgramError(f"not valid YAML: {_one_line(str(error))}", source) from None
    except RecursionError:
        raise ProgramError("not a program: the YAML is nested far too deeply", source) from None
    if document is None:
        raise ProgramError("the file is empty (only comments)", source)
    if not isinstance(document, _Map):
        raise ProgramError(
            f"expected a program (a mapping with 'title' and 'exercises'), found {_kind(document)}",
            source,
            getattr(document, "line", 1),
        )
    return _Reader(source).program(document, name)


def _one_line(text: str) -> str:
    return " ".join(text.split())


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
        return "a mapping"
    return f"a {type(value).__name__}"


# --- validation -------------------------------------------------------------------------------

_PROGRAM_KEYS = ("title", "intro", "safety", "rest_after", "exercises")
_EXERCISE_KEYS = (
    "name",
    "position",
    "instructions",
    "reps",
    "sides",
    "movement",
    "reminder",
    "rest_between_reps",
    "rest_after",
)
_SIDES = ("one", "each")


class _Reader:
    """Walks a parsed document and builds the dataclasses, failing on the first problem."""

    def __init__(self, source: str):
        self.source = source

    def fail(self, message: str, line: int | None) -> ProgramError:
        return ProgramError(message, self.source, line)

    def keys(self, mapping: _Map, allowed: tuple[str, ...], required: tuple[str, ...], where: str):
        for key in mapping:
            line = mapping.key_lines[key]
            if not isinstance(key, str):
                raise self.fail(f"{where}unexpected key {_kind(key)}", line)
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
                hint = f"did you mean '{close[0]}'?" if close else "expected one of: " + ", ".join(allowed)
                raise self.fail(f"{where}unknown key '{shown(key)}'; {hint}", line)
        for key in required:
            if key not in mapping:
                raise self.fail(f"{where}missing '{key}'", mapping.line)

    def text(self, value: Any, what: str, line: int) -> str:
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
            if unicodedata.category(char) in ("Cc", "Cf", "Co", "Cs") and char not in "\u200d":
                raise self.fail(f"{what} contains an invisible control character {shown(char)}", line)
        return cleaned

    def texts(self, value: Any, what: str, line: int) -> tuple[str, ...]:
        """A single line of text, or a list of lines."""
        if isinstance(value, _Seq):
            if not value:
                raise self.fail(f"{what} is an empty list", line)
            if len(value) > MAX_LINES:
                raise self.fail(f"{what} has {len(value)} lines; at most {MAX_LINES}", line)
            return tuple(
                self.text(item, f"{what}, line {i + 1} of the list,", item_line)
                for i, (item, item_line) in enumerate(zip(value, value.item_lines))
            )
        return (self.text(value, what, line),)

    def number(self, value: Any, what: str, line: int, low: float, high: float, unit: str) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(f"{what} must be a number of {unit}, found {_kind(value)}", line)
        if not math.isfinite(value) or not low <= value <= high:
            raise self.fail(f"{what} must be from {_num(low)} to {_num(high)} {unit}, found {value}", line)
        return float(value)

    def program(self, doc: _Map, name: str) -> Program:
        self.keys(doc, _PROGRAM_KEYS, ("title", "exercises"), "")
        title = self.text(doc["title"], "'title'", doc.key_lines["title"])
        intro = self.texts(doc["intro"], "'intro'", doc.key_lines["intro"]) if "intro" in doc else ()
        safety = self.texts(doc["safety"], "'safety'", doc.key_lines["safety"]) if "safety" in doc else ()
        rest_after = DEFAULT_REST_AFTER_S
        if "rest_after" in doc:
            rest_after = self.number(
                doc["rest_after"], "'rest_after'", doc.key_lines["rest_after"], 0, MAX_REST_AFTER_S, "seconds"
            )
        items = doc["exercises"]
        line = doc.key_lines["exercises"]
        if not isinstance(items, _Seq):
            raise self.fail(f"'exercises' must be a list of exercises, found {_kind(items)}", line)
        if not items:
            raise self.fail("'exercises' is empty; a program needs at least one exercise", line)
        if len(items) > MAX_EXERCISES:
            raise self.fail(f"'exercises' has {len(items)} exercises; at most {MAX_EXERCISES}", line)
        exercises: list[Exercise] = []
        seen: dict[str, int] = {}
        for number, (item, item_line) in enumerate(zip(items, items.item_lines), start=1):
            exercise = self.exercise(item, number, item_line, rest_after)
            key = exercise.name.casefold()
            if key in seen:
                raise self.fail(
                    f"exercise {number}: the name '{shown(exercise.name)}' is already used by exercise {seen[key]}",
                    item.key_lines["name"],
                )
            seen[key] = number
            exercises.append(exercise)
        self.session_bounds(exercises, line)
        return Program(name=name, title=title, intro=intro, safety=safety, exercises=tuple(exercises))

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

    def exercise(self, item: Any, number: int, line: int, default_rest_after: float) -> Exercise:
        if not isinstance(item, _Map):
            raise self.fail(f"exercise {number} must be a mapping with 'name', 'position', 'reps' and "
                            f"'movement', found {_kind(item)}", line)
        label = f"exercise {number}"
        if isinstance(item.get("name"), str) and item["name"].strip():
            label += f" ({shown(item['name'])})"
        where = f"{label}: "
        self.keys(item, _EXERCISE_KEYS, ("name", "position", "reps", "movement"), where)
        lines = item.key_lines
        name = self.text(item["name"], f"{where}'name'", lines["name"])
        position = self.texts(item["position"], f"{where}'position'", lines["position"])
        instructions = ()
        if "instructions" in item:
            instructions = self.texts(item["instructions"], f"{where}'instructions'", lines["instructions"])
        reps_value = item["reps"]
        if isinstance(reps_value, bool) or not isinstance(reps_value, int):
            raise self.fail(f"{where}'reps' must be a whole number, found {_kind(reps_value)}", lines["reps"])
        if not 1 <= reps_value <= MAX_REPS:
            raise self.fail(f"{where}'reps' must be from 1 to {MAX_REPS}, found {reps_value}", lines["reps"])
        sides = item.get("sides", "one")
        if sides not in _SIDES:
            raise self.fail(
                f"{where}'sides' must be 'one' or 'each', found {_kind(sides)}", lines.get("sides", line)
            )
        movement = self.movement(item["movement"], where, lines["movement"])
        reminder = None
        if "reminder" in item:
            reminder = self.text(item["reminder"], f"{where}'reminder'", lines["reminder"])
        rest_between = DEFAULT_REST_BETWEEN_REPS_S
        if "rest_between_reps" in item:
            rest_between = self.number(item["rest_between_reps"], f"{where}'rest_between_reps'",
                                       lines["rest_between_reps"], 0, MAX_REST_BETWEEN_REPS_S, "seconds")
        rest_after = default_rest_after
        if "rest_after" in item:
            rest_after = self.number(item["rest_after"], f"{where}'rest_after'", lines["rest_after"],
                                     0, MAX_REST_AFTER_S, "seconds")
        return Exercise(
            name=name,
            position=position,
            instructions=instructions,
            reps=reps_value,
            each_side=sides == "each",
            movement=movement,
            reminder=reminder,
            rest_between_reps_s=rest_between,
            rest_after_s=rest_after,
        )

    def movement(self, value: Any, where: str, line: int) -> tuple[Phase, ...]:
        if not isinstance(value, _Seq):
            raise self.fail(f"{where}'movement' must be a list of steps, found {_kind(value)}", line)
        if not value:
            raise self.fail(f"{where}'movement' is empty; give at least one step", line)
        if len(value) > MAX_PHASES:
            raise self.fail(f"{where}'movement' has {len(value)} steps; at most {MAX_PHASES}", line)
        phases: list[Phase] = []
        for number, (step, step_line) in enumerate(zip(value, value.item_lines), start=1):
            phases.append(self.phase(step, f"{where}movement step {number}: ", step_line))
        return tuple(phases)

    def phase(self, step: Any, where: str, line: int) -> Phase:
        if not isinstance(step, _Map):
            raise self.fail(f"{where}expected {{say: ..., seconds: ...}} or {{hold: seconds}}, "
                            f"found {_kind(step)}", line)
        if "hold" in step:
            self.keys(step, ("hold",), ("hold",), where)
            return self.hold(step["hold"], where, step.key_lines["hold"])
        self.keys(step, ("say", "seconds", "hold"), ("say", "seconds"), where)
        say = self.text(step["say"], f"{where}'say'", step.key_lines["say"])
        seconds = self.number(step["seconds"], f"{where}'seconds'", step.key_lines["seconds"],
                              MIN_MOVE_S, MAX_MOVE_S, "seconds")
        return Move(say=say, seconds=seconds)

    def hold(self, value: Any, where: str, line: int) -> Hold:
        what = f"{where}'hold'"
        if isinstance(value, _Seq):
            if len(value) != 2:
                raise self.fail(f"{what} range must be two numbers, [shortest, longest]", line)
            low = self.number(value[0], f"{what} shortest", line, MIN_HOLD_S, MAX_HOLD_S, "seconds")
            high = self.number(value[1], f"{what} longest", line, MIN_HOLD_S, MAX_HOLD_S, "seconds")
            if low >= high:
                raise self.fail(f"{what} range must go from shorter to longer, found [{_num(low)}, {_num(high)}]",
                                line)
            return Hold(seconds=high, min_seconds=low)
        return Hold(seconds=self.number(value, what, line, MIN_HOLD_S, MAX_HOLD_S, "seconds"))


def _num(value: float) -> str:
    return f"{value:g}"
