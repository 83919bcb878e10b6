"""The program format as a JSON Schema, made from the loader's own rules (program.RULES), so an
editor that reads it (through yaml-language-server) underlines what voicecoach would refuse and
completes keys as people type. The shipped copies (voicecoach/program.schema.json and
docs/program.schema.json) are this function's output; a test keeps them equal.

It is draft-07 JSON Schema: the draft yaml-language-server (and so VS Code's YAML extension)
fully supports; it mis-reads 2020-12's tuple form, prefixItems (redhat-developer/vscode-yaml#1175).

The schema reads a file as the editor does, YAML 1.2 (the loader reads it so too: 'yes' is text,
'012' is twelve). Some rules a schema cannot state are checked only by the loader: a range's
shortest below its longest, {side} and left/right wording only with 'sides: each', unique names,
not-a-number (.nan), and the whole session's bounds. Text length is counted as written, where the
loader counts it after folding runs of spaces (so the schema may underline text with many double
spaces that the loader takes); invisible characters are refused in the first 65,536 code points
only (outside them, format and private-use characters are refused by the loader alone: JSON
Schema's regular expressions cannot name them alike in Python and JavaScript).
"""

from __future__ import annotations

import json
from typing import Any

from voicecoach.program import (
    EXERCISE_RULES,
    HOLD_RULES,
    MAX_LINES,
    MAX_TEXT_CHARS,
    MOVE_RULES,
    PROGRAM_RULES,
    SIDED_MOVE_RULES,
    Rule,
    is_invisible,
)
from voicecoach.settings import LANGUAGE_PATTERN

FILE_NAME = "program.schema.json"
PLAN_FILE_NAME = "plan.schema.json"
_DAY_WORDS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun", "monday", "tuesday", "wednesday", "thursday",
              "friday", "saturday", "sunday")


def _ranges(chars: list[int]) -> str:
    """Code points as the inside of a regular expression's [...], in \\uXXXX escapes, which
    Python's re and JavaScript's RegExp (an editor's) read alike."""
    spans: list[list[int]] = []
    for code in chars:
        if spans and spans[-1][1] == code - 1:
            spans[-1][1] = code
        else:
            spans.append([code, code])
    return "".join(f"\\u{a:04x}" if a == b else f"\\u{a:04x}-\\u{b:04x}" for a, b in spans)


# The loader folds whitespace, then refuses invisible characters (program.is_invisible). A lone
# surrogate is left out: in a JavaScript pattern without the 'u' flag it would match half of
# every emoji, and no UTF-8 file can hold one unescaped.
_SPACES = _ranges([code for code in range(0x10000) if chr(code).isspace()])
_INVISIBLE = _ranges([code for code in range(0x10000)
                      if is_invisible(chr(code)) and not chr(code).isspace() and not 0xD800 <= code <= 0xDFFF])
# Something besides spaces, and nothing invisible.
TEXT_PATTERN = f"^[^{_INVISIBLE}]*[^{_INVISIBLE}{_SPACES}][^{_INVISIBLE}]*$"

_TEXT = {"type": "string", "pattern": TEXT_PATTERN, "maxLength": MAX_TEXT_CHARS,
         "description": f"Spoken text, at most {MAX_TEXT_CHARS} characters, with no invisible control characters."}
_SIDED = {
    "type": "object",
    "description": "The words for each side, in an exercise with 'sides: each'.",
    "properties": {"left": {"$ref": "#/definitions/text"}, "right": {"$ref": "#/definitions/text"}},
    "required": ["left", "right"],
    "additionalProperties": False,
}


def _many(item: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [item, {"type": "array", "items": item, "minItems": 1, "maxItems": MAX_LINES}]}


def _value(rule: Rule) -> dict[str, Any]:
    text = {"$ref": "#/definitions/text"}
    sided = {"anyOf": [text, {"$ref": "#/definitions/sided"}]}
    number = {"type": "number", "minimum": rule.low, "maximum": rule.high}
    kinds: dict[str, dict[str, Any]] = {
        "text": text,
        "lines": _many(text),
        "sided text": sided,
        "sided lines": _many(sided),
        "seconds": number,
        "whole": {"type": "integer", "minimum": int(rule.low), "maximum": int(rule.high)},
        "choice": {"anyOf": [{"enum": list(rule.choices)},
                             {"type": "string", "pattern": _any_case(rule.choices)}]},
        "flag": {"type": "boolean"},
        "language": {"type": "string", "pattern": LANGUAGE_PATTERN},
        "hold": {"anyOf": [number, {"type": "array", "items": [number, number], "additionalItems": False,
                                    "minItems": 2}]},
        "exercises": {"type": "array", "items": {"$ref": "#/definitions/exercise"},
                      "minItems": int(rule.low), "maxItems": int(rule.high)},
        "levels": {"type": "array", "items": {"$ref": "#/definitions/level"},
                   "minItems": int(rule.low), "maxItems": int(rule.high)},
        "days": {"anyOf": [{"type": "integer", "minimum": 1, "maximum": 7},
                           {"type": "array", "minItems": 1, "maxItems": 7, "uniqueItems": True,
                            "items": {"type": "string", "pattern": _any_case(_DAY_WORDS)}}]},
        "rules": {"$ref": "#/definitions/rules"},
        "movement": {"type": "array", "items": {"anyOf": [{"$ref": "#/definitions/move"},
                                                          {"$ref": "#/definitions/sided move"},
                                                          {"$ref": "#/definitions/hold"}]},
                     "minItems": int(rule.low), "maxItems": int(rule.high)},
    }
    schema = dict(kinds[rule.kind])
    schema["description"] = rule.help
    if rule.default is not None:
        schema["default"] = rule.default
    return schema


def _any_case(choices: tuple[str, ...]) -> str:
    """A pattern for the choices in any case and spacing, as the loader takes them ('Each side')."""
    def letters(word: str) -> str:
        return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else c for c in word)

    space = f"[{_SPACES}]"
    forms = "|".join(f"{space}+".join(letters(word) for word in choice.split()) for choice in choices)
    return f"^{space}*(?:{forms}){space}*$"


def _object(rules: tuple[Rule, ...], description: str) -> dict[str, Any]:
    return {
        "type": "object",
        "description": description,
        "properties": {rule.key: _value(rule) for rule in rules},
        "required": [rule.key for rule in rules if rule.required],
        "additionalProperties": False,
    }


def program_schema() -> dict[str, Any]:
    """The JSON Schema of a program file."""
    schema = _object(PROGRAM_RULES, "A voicecoach exercise program (docs/program-format.md).")
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "voicecoach program",
        **schema,
        "definitions": {
            "text": _TEXT,
            "sided": _SIDED,
            "exercise": _object(EXERCISE_RULES, "One exercise."),
            "move": _object(MOVE_RULES, "A movement: a cue spoken as it starts, and its length."),
            "sided move": _object(SIDED_MOVE_RULES, "A movement worded for each side (in an exercise with "
                                  "'sides: each'): the cue for the left and for the right, and its length."),
            "hold": _object(HOLD_RULES, "A hold, framed by a rising and a falling tone."),
        },
    }


def plan_schema() -> dict[str, Any]:
    """The JSON Schema of a plan file (docs/plan-format.md), from plan.py's rules. What it cannot
    state the loader checks: the programs exist, a day is not given twice in two spellings, and
    the rules' pain ranges do not overlap (advance below stay below step_back)."""
    from voicecoach.plan import LEVEL_RULES, PLAN_RULES, RULE_GROUPS

    rules = {"type": "object", "description": "When to suggest moving on, staying, or stepping back.",
             "properties": {group: _object(group_rules, f"The '{group}' rule's numbers.")
                            for group, group_rules in RULE_GROUPS.items()},
             "additionalProperties": False}
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "title": "voicecoach plan",
        **_object(PLAN_RULES, "A voicecoach plan: programs in order, how often, and the rules between them "
                  "(docs/plan-format.md)."),
        "definitions": {"text": _TEXT, "level": _object(LEVEL_RULES, "One level: a program and how often."),
                        "rules": rules},
    }


def schema_text(plan: bool = False) -> str:
    """The schema as the shipped files hold it (the program's, or the plan's)."""
    return json.dumps(plan_schema() if plan else program_schema(), indent=2, ensure_ascii=False) + "\n"
