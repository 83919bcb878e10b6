"""A command line that explains itself: examples in every --help, -h, defaults shown, the exit
codes listed, --from/--only on show and export, and a resume hint that can be pasted as it is."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from voicecoach import cli as cli_module
from voicecoach.cli import cli, invoked_as
from voicecoach.errors import ExitStatus

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_every_command_has_examples_and_h_works(name, run):
    long, short = run(name, "--help"), run(name, "-h")
    assert long.exit_code == 0 and long.stdout == short.stdout
    examples = long.stdout.split("Examples:\n", 1)
    assert len(examples) == 2, f"'{name} --help' has no examples"
    lines = [line.strip() for line in examples[1].splitlines() if line.strip().startswith("voicecoach")]
    assert lines and all(line.split()[1] == name for line in lines)


@pytest.mark.parametrize("name", sorted(cli.commands))
def test_the_description_is_not_indented_like_code(name, run):
    """Click dedents a command's help as a whole: text added to it must not stop that (the
    examples once did, and every paragraph after the first was shown indented by 4 more)."""
    text = run(name, "--help").stdout.split("\nOptions:", 1)[0]
    description = text.split("\n", 2)[2]  # after the usage line and the blank line
    for line in description.splitlines():
        if line.strip() and not line.startswith("    voicecoach "):
            assert line.startswith("  ") and not line.startswith("   "), repr(line)


def test_defaults_are_shown(run):
    text = " ".join(run("play", "-h").stdout.split())  # as read, whatever the line wrapping
    assert "[default: 1.0]" in text and "[default: 150]" in text and "[default: -18.0]" in text


def test_the_exit_codes_are_listed_in_the_help_and_the_readme(run):
    text = run("--help").stdout
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for code in ExitStatus:
        assert f"  {code.value:<4} {code.meaning}" in text
        assert f"| {code.value} | {code.meaning} |" in readme


def test_an_unknown_export_extension_is_a_usage_error(tmp_path, run, assert_one_line_error):
    assert_one_line_error(run("export", "beginning", "-o", str(tmp_path / "x.aiff")), 2,
                          "cannot tell the audio format from '.aiff'")
    assert not (tmp_path / "x.aiff").exists()


def spoken_exercises(run, *args: str) -> list[str]:
    result = run("show", *args, "--estimate", "--json")
    assert result.exit_code == 0, result.output
    return list(dict.fromkeys(e["exercise"] for e in json.loads(result.stdout)["events"] if e["exercise"]))


def test_show_takes_from_and_only_like_play(run):
    assert spoken_exercises(run, "beginning", "--only", "squat") == ["Wall squat"]
    assert spoken_exercises(run, "beginning", "--from", "5") == ["Heel raises", "Straight leg raises"]
    assert spoken_exercises(run, "beginning", "--only", "1", "--only", "heel r") == ["Ankle pumps", "Heel raises"]

def test_an_ambiguous_name_lists_the_candidates(run, assert_one_line_error):
    assert_one_line_error(run("show", "beginning", "--estimate", "--only", "raises"), 2,
                          "'raises' matches 2 exercises in Beginning back exercise program: 5 Heel raises, "
                          "6 Straight leg raises; give more of the name, or its number")


def test_export_one_exercise_for_a_phone(tmp_path, run):
    out = tmp_path / "squat.wav"
    result = run("export", "beginning", "--only", "wall", "-o", str(out), "--engine", "espeak")
    assert result.exit_code == 0, result.output
    assert "2 chapters" in result.stdout  # the introduction and the one exercise
    probed = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(out)],
                            capture_output=True, text=True, check=True)
    assert 60 < float(probed.stdout) < 240


def test_the_resume_hint_names_voicecoach_as_it_was_run(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "argv", [str(ROOT / "voicecoach" / "__main__.py")])
    assert invoked_as() == f"{sys.executable} -m voicecoach"
    script = tmp_path / "bin" / "voicecoach"
    script.parent.mkdir()
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    monkeypatch.setattr(sys, "argv", [str(script)])
    monkeypatch.setenv("PATH", "/usr/bin:/bin")  # not on the PATH: named as it was run
    assert invoked_as() == str(script)
    monkeypatch.setenv("PATH", f"{script.parent}{os.pathsep}/usr/bin")  # on the PATH: its short name
    assert invoked_as() == "voicecoach"
    monkeypatch.setattr(sys, "argv", ["/some/where/pytest"])
    assert invoked_as() == "voicecoach"
    assert cli_module.invoked_as is invoked_as
