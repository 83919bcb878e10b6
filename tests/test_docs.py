"""The docs name tests as proof; every test they name must exist, or the report would lie."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _tests_in(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")}


def test_every_test_named_in_the_robustness_report_exists():
    text = (ROOT / "docs" / "robustness.md").read_text(encoding="utf-8")
    named = re.findall(r"`(test_\w+\.py)::(test_\w+)`", text)
    assert len(named) > 60
    missing = [f"{file}::{name}" for file, name in named
               if not (ROOT / "tests" / file).exists() or name not in _tests_in(ROOT / "tests" / file)]
    assert missing == []


def test_every_robustness_test_is_in_the_report():
    text = (ROOT / "docs" / "robustness.md").read_text(encoding="utf-8")
    unlisted = sorted(name for name in _tests_in(ROOT / "tests" / "test_robustness.py") if name not in text)
    assert unlisted == []


def _yaml_examples() -> list[str]:
    text = (ROOT / "docs" / "program-format.md").read_text(encoding="utf-8")
    return re.findall(r"```yaml\n(.*?)```", text, re.DOTALL)


def test_every_yaml_example_in_the_format_docs_is_a_valid_program():
    import jsonschema
    import yaml

    from voicecoach.program import parse_program
    from voicecoach.schema import program_schema

    examples = _yaml_examples()
    assert examples
    for example in examples:
        program = parse_program(example.encode(), "example", "docs/program-format.md")
        assert program.exercises
        assert list(jsonschema.Draft7Validator(program_schema()).iter_errors(yaml.safe_load(example))) == []


def test_the_complete_example_uses_sides_set_up_and_reminder_frequency():
    from voicecoach.program import Sided, parse_program

    program = parse_program(_yaml_examples()[0].encode(), "example", "docs/program-format.md")
    assert _yaml_examples()[0].startswith("# yaml-language-server: $schema=program.schema.json\n")
    stretch = program.exercises[1]
    assert stretch.each_side and isinstance(stretch.instructions[0], Sided) and isinstance(stretch.reminder, Sided)
    assert (stretch.setup_s, stretch.switch_setup_s) == (8, 12)
    assert program.exercises[0].reminder_said == "each repetition"


def test_what_the_docs_say_voicecoach_says_about_mistakes_is_what_it_says():
    """The table in "When voicecoach says your file is wrong" quotes real messages."""
    from tests.samples import MISTAKES, WINDOWS_1252
    from voicecoach.errors import ProgramError
    from voicecoach.program import parse_program

    text = (ROOT / "docs" / "program-format.md").read_text(encoding="utf-8")
    section = text[text.index("## When voicecoach says your file is wrong"):]
    quoted = re.findall(r"^\| .*? \| `(.*)` \|$", section, re.MULTILINE)
    assert len(quoted) >= 15
    messages = []
    for data in [case[1].encode() for case in MISTAKES] + [WINDOWS_1252]:
        try:
            parse_program(data, "neck", "neck.yaml")
        except ProgramError as error:
            messages.append(error.message)
    unheard = [message for message in quoted if not any(message in real for real in messages)]
    assert unheard == []


def test_every_example_program_in_docs_examples_is_valid():
    import jsonschema
    import yaml

    from voicecoach.program import load_program
    from voicecoach.schema import program_schema

    examples = sorted((ROOT / "docs" / "examples").glob("*.yaml"))
    assert {path.stem for path in examples} >= {"nacken", "cuello"}
    for path in examples:
        program = load_program(path)
        assert program.language != "en"
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert list(jsonschema.Draft7Validator(program_schema()).iter_errors(document)) == []
