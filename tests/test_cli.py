"""The command line: every command and every error path, through CliRunner and a real process."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.samples import MINIMAL_PROGRAM
from voicecoach.program import BUILTIN_NAMES, load_builtin
from voicecoach.script import Options, compile_script, format_length, script_to_json, script_to_text


def test_list_shows_each_builtin_with_count_and_length(run):
    result = run("list", "--estimate")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == list(BUILTIN_NAMES)
    for line, name in zip(lines, BUILTIN_NAMES):
        program = load_builtin(name)
        assert program.title in line
        assert f"{len(program.exercises)} exercises" in line
        assert line.endswith("~" + format_length(compile_script(program).duration_ms))  # estimated: marked


def test_list_measures_what_is_cached_and_never_waits_for_synthesis(tmp_path, monkeypatch, run):
    monkeypatch.setenv("VOICECOACH_CACHE_DIR", str(tmp_path / "cache"))
    cold = run("list", "--engine", "espeak")
    assert cold.exit_code == 0 and all("~" in line for line in cold.stdout.splitlines())
    assert not (tmp_path / "cache").exists()  # nothing was synthesized
    shown = json.loads(run("show", "advanced", "--engine", "espeak", "--json").stdout)
    lines = run("list", "--engine", "espeak").stdout.splitlines()
    assert lines[2].endswith(" " + format_length(round(shown["duration"] * 1000)))  # measured, as show says
    assert "~" not in lines[2] and "~" in lines[0]


@pytest.mark.parametrize("name", BUILTIN_NAMES)
def test_show_golden(name, golden, run):
    result = run("show", name, "--estimate")
    assert result.exit_code == 0
    golden(f"show-{name}.txt", result.stdout)


@pytest.mark.parametrize("name", BUILTIN_NAMES)
def test_show_json_golden(name, golden, run):
    result = run("show", name, "--json", "--estimate")
    assert result.exit_code == 0
    json.loads(result.stdout)
    golden(f"show-{name}.json", result.stdout)


def test_show_prints_what_the_compiler_made(run):
    result = run("show", "Advanced", "--pace", "0.8", "--estimate")
    assert result.stdout == script_to_text(compile_script(load_builtin("advanced"), Options(pace=0.8)))
    result = run("show", "advanced", "--pace", "0.8", "--json", "--estimate")
    assert result.stdout == script_to_json(compile_script(load_builtin("advanced"), Options(pace=0.8)))


def test_slower_pace_is_longer(run):
    lengths = [json.loads(run("show", "beginning", "--json", "--pace", pace).stdout)["duration"]
               for pace in ("0.5", "1", "2")]
    assert lengths[0] > lengths[1] > lengths[2]


def test_show_a_users_file(write_program, run):
    path = write_program(MINIMAL_PROGRAM)
    result = run("show", str(path), "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["program"] == "routine" and data["title"] == "Knee routine"
    assert [e["text"] for e in data["events"] if e["text"] and e["text"].startswith("Exercise")] == [
        "Exercise one of one: Knee bends."]


def test_unknown_name(run, assert_one_line_error):
    line = assert_one_line_error(run("show", "intermedite"), 2, "did you mean 'intermediate'?")
    assert "beginning, intermediate, advanced" in line


def test_bad_file_names_file_line_and_problem(write_program, run, assert_one_line_error):
    path = write_program(MINIMAL_PROGRAM.replace("reps: 3", "reps: 0"))
    assert_one_line_error(run("show", str(path)), 2, str(path), "line 5", "'reps' must be from 1 to 100")


def test_missing_file(run, assert_one_line_error):
    assert_one_line_error(run("show", "nowhere/mine.yaml"), 2, "nowhere/mine.yaml: no such file")


@pytest.mark.parametrize(("pace", "part"), [
    ("5", "not 5"), ("0.1", "not 0.1"), ("abc", "'abc' is not a number"), ("nan", "nan"), ("inf", "inf"), ("", "'' is not a number"),
    ("-1", "not -1"),
])
def test_bad_pace(pace, part, run, assert_one_line_error):
    assert_one_line_error(run("show", "beginning", "--pace", pace), 2, "--pace", part)


def test_missing_argument(run, assert_one_line_error):
    assert_one_line_error(run("show"), 2, "Missing argument 'PROGRAM'", "voicecoach show --help")


def test_unknown_option(run, assert_one_line_error):
    assert_one_line_error(run("show", "beginning", "--speed", "2"), 2, "--speed")


def test_no_command_prints_help(run):
    result = run()
    assert result.exit_code == 0
    assert "Commands:" in result.stdout and "show" in result.stdout


def test_version(run):
    result = run("--version")
    assert result.exit_code == 0 and "voicecoach" in result.stdout


# --- a real process: the console entry point, stdout and stderr as a user sees them ---


def voicecoach(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "voicecoach", *args], capture_output=True, text=True, timeout=60)


def test_process_show_and_list():
    shown = voicecoach("show", "intermediate", "--estimate")
    assert shown.returncode == 0 and shown.stderr == ""
    assert shown.stdout == script_to_text(compile_script(load_builtin("intermediate")))
    assert voicecoach("list").stdout.count("exercises") == 3


def test_process_error_is_one_line_without_traceback(write_program):
    path = write_program("title: x\nexercises:\n  - {name: A, position: B., reps: 2, movement: [{hold: -1}]}\n")
    done = voicecoach("show", str(path))
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith(f"Error: {path}, line 3: exercise 1 (A): movement step 1: 'hold' must be")


def test_process_closed_pipe_is_quiet():
    """`voicecoach show ... | head -1` must not end in a BrokenPipeError traceback."""
    process = subprocess.Popen([sys.executable, "-m", "voicecoach", "show", "beginning"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.readline()
    process.stdout.close()
    process.wait(timeout=60)
    assert "Traceback" not in process.stderr.read().decode()
