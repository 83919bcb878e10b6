"""Your defaults: a settings file (TOML, in the config folder) whose values are every command's
option defaults; the command line always wins; values are checked as the options are."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.readonly import needs_read_only, read_only
from tests.test_cli import assert_one_line_error, run
from voicecoach.settings import load_settings, settings_path


@pytest.fixture
def config(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("VOICECOACH_CONFIG_DIR", str(tmp_path / "config"))
    return tmp_path / "config" / "settings.toml"


def script(*args: str) -> dict:
    result = run("show", "beginning", "--estimate", "--json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


# Each setting, a value for it, and the command-line option that overrides it with another value.
SETTINGS = [
    ("pace", "0.8", ["--pace", "1.0"]),
    ("quiet_holds", "true", None),  # a flag: --quiet-holds can only turn it on
    ("language", "de", ["--language", "en"]),
    ("rate", "120", None),
    ("volume", "0.5", None),
    ("engine", "espeak", None),
    ("voice", "gmw/de", None),
    ("music_level", "-24.5", None),  # the music itself: test_music.py (it needs a music file)
]
JSON_KEYS = {"pace": "pace", "quiet_holds": "quiet_holds", "language": "language"}


@pytest.mark.parametrize(("key", "value", "override"), SETTINGS, ids=[s[0] for s in SETTINGS])
def test_each_setting_is_set_read_back_used_overridden_and_unset(config, key, value, override):
    result = run("config", "set", key, value)
    assert result.exit_code == 0, result.output
    assert key in load_settings(config)
    assert run("config", "get", key).stdout.strip() == value
    listed = [line.split() for line in run("config").stdout.splitlines() if line.startswith(f"  {key} ")]
    assert listed and listed[0][1:3] == [value, "set"]
    if key in JSON_KEYS:  # used by show, as its option's default
        assert str(script()[JSON_KEYS[key]]).lower() == value
    else:  # the default every command shows in its help
        assert f"[default: {value}]" in " ".join(run("play", "--help").stdout.split())
    if override:
        assert str(script(*override)[JSON_KEYS[key]]).lower() == override[1]
    assert run("config", "unset", key).exit_code == 0
    assert key not in load_settings(config)
    assert run("config", "get", key).exit_code == 1


def test_every_setting_reaches_the_session_export_and_play_make(config, tmp_path, write_program, monkeypatch):
    """The settings travel as one frozen Settings to the session; the history keeps the one each
    session was made with, so it shows what export and play really used."""
    import voicecoach.cli as cli_module
    from voicecoach.history import sessions
    from voicecoach.player import Outcome
    from voicecoach.settings import Settings

    given = {"engine": "espeak", "voice": "gmw/de", "rate": "120", "volume": "0.5", "pace": "0.8",
             "quiet_holds": "true", "language": "de"}
    for key, value in given.items():
        assert run("config", "set", key, value).exit_code == 0
    wanted = Settings(engine="espeak", voice="gmw/de", rate_wpm=120, volume=0.5, pace=0.8, quiet_holds=True,
                      language="de")
    program = write_program("title: Kurz\nlanguage: de\nexercises:\n  - {name: Drücken, position: Sitzen., "
                            "reps: 1, movement: [hold: 1]}\n")
    result = run("export", str(program), "-o", str(tmp_path / "a.wav"))
    assert result.exit_code == 0, result.output
    assert sessions()[0].settings == wanted
    result = run("export", str(program), "-o", str(tmp_path / "b.wav"), "--rate", "200", "--volume", "1")
    assert result.exit_code == 0, result.output
    assert sessions()[0].settings == Settings(**{**wanted.to_json(), "rate_wpm": 200, "volume": 1.0})
    def stop_at_once(player, start_ms, keys, display, media=None):  # a play that sounded, stopped with q at once
        player.sounded, player.ended, player._paused_at_ms = True, True, start_ms
        return Outcome(False, start_ms, 0.0, 0)

    monkeypatch.setattr(cli_module, "run", stop_at_once)
    result = run("play", str(program), "--quiet", "--pace", "1.2")
    assert result.exit_code == 0, result.output
    assert sessions()[0].settings == Settings(**{**wanted.to_json(), "pace": 1.2}) and sessions()[0].kind == "play"


def test_the_command_line_wins_over_a_setting(config):
    run("config", "set", "pace", "0.5")
    assert script()["pace"] == 0.5 and script("--pace", "2")["pace"] == 2


@pytest.mark.parametrize(("key", "value", "message"), [
    ("rate", "500", "config set: rate must be a whole number of words per minute from 80 to 400, not 500"),
    ("pace", "fast", "config set: pace: 'fast' is not a number"),
    ("volume", "2", "config set: volume must be a number from 0 to 1"),
    ("quiet_holds", "maybe", "config set: quiet_holds: must be true or false"),
    ("language", "x y", "config set: language: 'x y' is not a language tag"),
    ("engine", "espek", "config set: unknown speech engine 'espek'; did you mean 'espeak'? engines: espeak, piper"),
    ("colour", "red", "config set: unknown setting 'colour'; the settings are: engine, voice"),
])
def test_a_bad_value_is_one_line_and_nothing_is_lost(config, key, value, message):
    run("config", "set", "pace", "0.8")
    before = config.read_bytes()
    assert_one_line_error(run("config", "set", key, value), 2, message)
    assert config.read_bytes() == before


def test_a_bad_file_is_one_line_naming_the_file_and_key_and_config_can_mend_it(config):
    config.parent.mkdir(parents=True)
    config.write_text('pace = "fast"\nvolume = 0.5\n', encoding="utf-8")
    assert_one_line_error(run("show", "beginning", "--estimate"), 2, f"{config}: pace: 'fast' is not a number")
    assert run("config", "unset", "pace").exit_code == 0
    assert load_settings(config) == {"volume": 0.5}
    config.write_text("pace = \n", encoding="utf-8")
    assert_one_line_error(run("show", "beginning", "--estimate"), 2, f"{config}: not a settings file")
    config.write_text("[play]\npace = 1\n", encoding="utf-8")
    assert_one_line_error(run("show", "beginning", "--estimate"), 2, "unknown setting 'play'")


@needs_read_only
def test_a_read_only_config_folder_is_one_line_and_the_file_stays(tmp_path):
    folder = tmp_path / "config"
    folder.mkdir()
    (folder / "settings.toml").write_text("pace = 0.9\n", encoding="utf-8")
    env = {**os.environ, "VOICECOACH_CONFIG_DIR": str(folder)}
    done = subprocess.run(read_only(folder, [sys.executable, "-m", "voicecoach", "config", "set", "pace", "0.8"]),
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("Error: ")
    assert f"{folder}: cannot write the settings there" in done.stderr
    assert (folder / "settings.toml").read_text(encoding="utf-8") == "pace = 0.9\n"


def test_an_unwritable_config_folder_as_root_too(tmp_path, monkeypatch):
    """A config folder that is a file cannot be written by anyone."""
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    monkeypatch.setenv("VOICECOACH_CONFIG_DIR", str(blocker / "voicecoach"))
    assert_one_line_error(run("config", "set", "pace", "0.8"), 2, "cannot write the settings there")


def test_config_path_and_no_file(config):
    assert run("config", "path").stdout.strip() == str(settings_path()) == str(config)
    shown = run("config").stdout
    assert "(not written yet)" in shown and "  pace         1 " in shown
