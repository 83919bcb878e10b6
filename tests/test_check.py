"""`voicecoach check`, `list FILE|FOLDER` and `schema`: validating programs without a sound, and a
JSON Schema made from the loader's own rules that every valid program passes and the mistakes fail."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml
from yamlcore import CoreLoader

from tests.samples import MISTAKES, NECK
from voicecoach.program import BUILTIN_NAMES
from voicecoach.schema import program_schema, schema_text

ROOT = Path(__file__).resolve().parent.parent

WARNED = """\
title: Warned
exercises:
  - name: Chin tucks
    position: Sit up straight in a chair, with your feet flat on the floor.
    reminder: Remember to keep breathing slowly and evenly.
    reminder_said: each repetition
    setup: 1
    reps: 3
    movement:
      - {say: Tuck your chin in slowly and gently now., seconds: 1}
      - hold: 1
  - name: Side bends
    position: Sit up straight.
    reminder: Keep your {side} shoulder down.
    reminder_said: once
    reps: 7
    sides: each
    movement:
      - {hold: 300}
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_check_summarises_a_valid_program(tmp_path, run):
    path = write(tmp_path, "neck.yaml", NECK)
    result = run("check", str(path))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{path}: valid. Neck program: 2 exercises, about ")
    assert lines[0].endswith(" at pace 1")
    assert lines[1].split() == ["1.", "Chin", "tucks", "10", "times;", "hold", "5", "s;", "set-up", "5", "s"]
    assert "5 times on each side; hold 20 s; set-up 5 s, 8 s after switching" in lines[2]
    assert "warning" not in result.stdout and result.stderr == ""


def test_check_warns_about_what_is_probably_not_meant(tmp_path, run):
    path = write(tmp_path, "warned.yaml", WARNED)
    result = run("check", str(path))
    assert result.exit_code == 0, result.output  # warnings do not fail
    warnings = [line.strip() for line in result.stdout.splitlines() if line.strip().startswith("warning:")]
    expected = [
        (5, "exercise 1 (Chin tucks): the reminder takes about"),  # ...and never fits in its 1-second hold
        (7, "exercise 1 (Chin tucks): 1 s to get into position, but the position takes about"),
        (10, "exercise 1 (Chin tucks): movement step 1: the cue takes about"),
        (15, "exercise 2 (Side bends): the reminder is worded by side but said once"),
    ]
    for line, text in expected:
        assert any(w.startswith(f"warning: {path}, line {line}: {text}") for w in warnings), (line, warnings)
    assert any("never fits in its 1-second hold" in w for w in warnings)
    assert any(w.startswith(f"warning: {path}: the session lasts") for w in warnings)  # 70 minutes of holds
    assert len(warnings) == 5


def test_check_reports_every_file_and_fails_with_2_if_one_is_wrong(tmp_path, run):
    good = write(tmp_path, "good.yaml", NECK)
    bad = write(tmp_path, "bad.yaml", NECK.replace("reps: 10", "reps:10"))
    result = run("check", str(bad), str(good), "intermediate")
    assert result.exit_code == 2
    assert result.stderr == f"Error: {bad}, line 5: put a space after the colon: 'reps: 10'\n"
    assert f"{good}: valid." in result.stdout and "intermediate: valid." in result.stdout


def test_check_takes_a_folder_of_programs(tmp_path, run, assert_one_line_error):
    write(tmp_path, "b.yaml", NECK)
    write(tmp_path, "a.yml", NECK.replace("Neck program", "Another"))
    write(tmp_path, "notes.txt", "not a program")
    result = run("check", str(tmp_path))
    assert result.exit_code == 0, result.output
    valid = [line.split(":")[0] for line in result.stdout.splitlines() if ": valid." in line]
    assert valid == [str(tmp_path / "a.yml"), str(tmp_path / "b.yaml")]
    empty = tmp_path / "empty"
    empty.mkdir()
    assert_one_line_error(run("check", str(empty)), 2, f"{empty}: no program files (.yaml) in this folder")


def test_check_needs_a_file(run):
    result = run("check")
    assert result.exit_code == 2 and "Missing argument" in result.stderr


def test_list_takes_files_and_folders(tmp_path, run):
    neck = write(tmp_path, "neck.yaml", NECK)
    folder = tmp_path / "more"
    folder.mkdir()
    write(folder, "knee.yaml", NECK.replace("Neck program", "Knee program"))
    result = run("list", "--estimate", str(neck), str(folder))
    assert result.exit_code == 0, result.output
    rows = [line.split("  ")[0] for line in result.stdout.splitlines()]
    assert rows == [str(neck), str(folder / "knee.yaml")]
    assert "Knee program" in result.stdout and "2 exercises" in result.stdout


def test_list_reports_a_bad_file_and_lists_the_rest(tmp_path, run):
    neck = write(tmp_path, "neck.yaml", NECK)
    bad = write(tmp_path, "bad.yaml", "title: x\n")
    result = run("list", "--estimate", str(bad), str(neck))
    assert result.exit_code == 2
    assert f"Error: {bad}, line 1: missing 'exercises'" in result.stderr
    assert result.stdout.startswith(str(neck))


def test_list_of_a_folder_lists_the_good_files_and_one_line_for_each_bad_one(tmp_path, run):
    """A misspelt hold key ('- holds: 5') was a KeyError that ended the listing of the whole folder."""
    write(tmp_path, "a-neck.yaml", NECK)
    holds = write(tmp_path, "b-holds.yaml", NECK.replace("- hold: 5", "- holds: 5"))
    hold_for = write(tmp_path, "c-hold-for.yaml", NECK.replace("- hold: 20", "- hold_for: 20"))
    write(tmp_path, "d-knee.yaml", NECK.replace("Neck program", "Knee program"))
    result = run("list", "--estimate", str(tmp_path))
    assert result.exit_code == 2 and isinstance(result.exception, SystemExit)
    assert [line.split("  ")[0] for line in result.stdout.splitlines()] == [str(tmp_path / "a-neck.yaml"),
                                                                          str(tmp_path / "d-knee.yaml")]
    assert result.stderr.splitlines()[:2] == [
        f"Error: {holds}, line 9: exercise 1 (Chin tucks): movement step 2: unknown key 'holds'; did you mean 'hold'?",
        f"Error: {hold_for}, line 19: exercise 2 (Side bends): movement step 2: unknown key 'hold_for'; "
        "did you mean 'hold'?"]


@pytest.mark.parametrize("command", ["list", "check"])
def test_a_bug_in_one_file_does_not_stop_the_others_and_is_not_hidden(tmp_path, monkeypatch, command, run):
    """*Simulated*: a bug (an exception that is not a VoicecoachError) while loading one file of a
    folder. The others are listed or checked, the file gets its line, and then the bug ends the
    command with its traceback and exit code 1."""
    import voicecoach.cli

    write(tmp_path, "a-neck.yaml", NECK)
    write(tmp_path, "b-bug.yaml", NECK.replace("Neck program", "Buggy program"))
    write(tmp_path, "c-knee.yaml", NECK.replace("Neck program", "Knee program"))
    real = voicecoach.cli.resolve_program

    def buggy(spec: str):
        if spec.endswith("b-bug.yaml"):
            raise KeyError("hold")
        return real(spec)

    monkeypatch.setattr(voicecoach.cli, "resolve_program", buggy)
    result = run(command, *(["--estimate"] if command == "list" else []), str(tmp_path))
    assert result.exit_code == 1 and isinstance(result.exception, KeyError)  # the bug itself, with its traceback
    assert str(tmp_path / "a-neck.yaml") in result.stdout and str(tmp_path / "c-knee.yaml") in result.stdout
    assert result.stderr.splitlines() == [
        f"Error: {tmp_path / 'b-bug.yaml'}: voicecoach failed on this file, a bug in voicecoach "
        "(KeyError: 'hold'); please report it"] + (
        ["(~ estimated: a program's length is measured once it has been played or shown)"] if command == "list" else [])


def test_list_without_files_lists_the_built_ins(run):
    result = run("list", "--estimate")
    assert [line.split()[0] for line in result.stdout.splitlines()] == list(BUILTIN_NAMES)


# --- the schema ---


def editor_reads(text: str):
    """A file as an editor reads it: YAML 1.2's core schema ('yes' is text, '012' is twelve), by
    yamlcore, a reader independent of voicecoach's."""
    return yaml.load(text, Loader=CoreLoader)


def validator() -> jsonschema.Draft7Validator:
    schema = program_schema()
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema)


def test_the_shipped_schemas_are_what_the_rules_make(run):
    text = schema_text()
    assert (ROOT / "voicecoach" / "program.schema.json").read_text(encoding="utf-8") == text
    assert (ROOT / "docs" / "program.schema.json").read_text(encoding="utf-8") == text
    result = run("schema")
    assert result.exit_code == 0 and result.stdout == text
    assert json.loads(text)["required"] == ["title", "exercises"]


@pytest.mark.parametrize("name", BUILTIN_NAMES)
def test_every_built_in_program_passes_the_schema(name):
    document = editor_reads((ROOT / "voicecoach" / "programs" / f"{name}.yaml").read_text(encoding="utf-8"))
    assert list(validator().iter_errors(document)) == []


def test_the_examples_pass_the_schema():
    for text in (NECK, WARNED):
        assert list(validator().iter_errors(editor_reads(text))) == []


SCHEMA_MISTAKES = [case for case in MISTAKES if case[0] in {
    "dash missing before a hold", "dash missing before a movement", "comma in short-form text", "quoted number",
    "quoted whole number", "repetitions", "times", "count beside reps", "rest", "duration",
    "holds", "hold_for", "Hold with a capital", "HOLD in capitals", "Say with a capital", "a step key like no other",
    "no space after the dash, in line with the keys", "a colon in an instruction",
    "a colon in a position on its own line", "say beside left and right", "a hold range with a dash",
    "a hold range with a dash in brackets", "a decimal comma", "a decimal comma in the short form",
    "minutes and seconds", "a unit after the number", "an exponent is a number, not quoted text", "yes for true",
    "quoted true",
}]


@pytest.mark.parametrize("text", [case[1] for case in SCHEMA_MISTAKES], ids=[case[0] for case in SCHEMA_MISTAKES])
def test_the_mistakes_that_are_still_yaml_fail_the_schema(text):
    """An editor underlines them as the user types (the rest are not YAML at all: the editor's YAML
    check underlines those)."""
    assert list(validator().iter_errors(editor_reads(text)))


@pytest.mark.parametrize("text", [case[1] for case in MISTAKES if case not in SCHEMA_MISTAKES],
                         ids=[case[0] for case in MISTAKES if case not in SCHEMA_MISTAKES])
def test_the_other_mistakes_are_not_yaml_or_need_the_loader(text):
    """Each mistake the schema does not catch is either not YAML (an editor underlines it anyway)
    or one only the loader knows ({side} without sides: each, a duplicate key)."""
    try:
        document = editor_reads(text)
    except yaml.YAMLError:
        return
    loader_only = ("{side}" in text or "{sied}" in text or "left:" in text or text.count("name: Side bends") == 1)
    assert loader_only
    assert document is not None


def test_a_hold_range_is_two_numbers_in_the_schema():
    """Draft-07 tuple form, which yaml-language-server reads (it mis-reads 2020-12's prefixItems)."""
    def errors(hold: str) -> list:
        return list(validator().iter_errors(editor_reads(NECK.replace("hold: 20", f"hold: {hold}"))))

    assert errors("[20, 30]") == [] and errors("25") == []
    assert errors("[20, 30, 40]") and errors("[20, '30']") and errors("[]") and errors("0")
