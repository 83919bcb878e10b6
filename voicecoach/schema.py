"""The program format as a JSON Schema, made from the loader's own rules (program.RULES), so an
editor that reads it (through yaml-language-server) underlines what voicecoach would refuse and
completes keys as people type. The shipped copies (voicecoach/program.schema.json and
docs/program.schema.json) are this function's output; a test keeps them equal.

It is draft-07 JSON Schema: the draft yaml-language-server (and so VS Code's YAML extension)
fully supports; it mis-reads 2020-12's tuple form, prefixItems (redhat-developer/vscode-yaml#1175).

Some rules a schema cannot state are checked only by the loader: text length after folding
spaces, a range's shortest below its longest, {side} only with 'sides: each', unique names, and
the whole session's bounds.
"""

from __future__ import annotations

import json
from typing import Any

from voicecoach.phrasebook import LANGUAGE_PATTERN
from voicecoach.program import (
    EXERCISE_RULES,
    HOLD_RULES,
    MAX_LINES,
    MAX_TEXT_CHARS,
    MOVE_RULES,
    PROGRAM_RULES,
    Rule,
)

FILE_NAME = "program.schema.json"

_TEXT = {"type": "string", "pattern": r"\S", "description": f"Spoken text, at most {MAX_TEXT_CHARS} characters."}
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
        "choice": {"enum": list(rule.choices)},
        "flag": {"type": "boolean"},
        "language": {"type": "string", "pattern": LANGUAGE_PATTERN},
        "hold": {"anyOf": [number, {"type": "array", "items": [number, number], "additionalItems": False,
                                    "minItems": 2}]},
        "exercises": {"type": "array", "items": {"$ref": "#/definitions/exercise"},
                      "minItems": int(rule.low), "maxItems": int(rule.high)},
        "movement": {"type": "array", "items": {"anyOf": [{"$ref": "#/definitions/move"}, {"$ref": "#/definitions/hold"}]},
                     "minItems": int(rule.low), "maxItems": int(rule.high)},
    }
    schema = dict(kinds[rule.kind])
    schema["description"] = rule.help
    if rule.default is not None:
        schema["default"] = rule.default
    return schema


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
            "hold": _object(HOLD_RULES, "A hold, framed by a rising and a falling tone."),
        },
    }


def schema_text() -> str:
    """The schema as the shipped files hold it."""
    return json.dumps(program_schema(), indent=2, ensure_ascii=False) + "\n"
