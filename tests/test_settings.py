"""Your defaults: a settings file (TOML, in the config folder) whose values are every command's
option defaults; the command line always wins; values are checked as the options are."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.readonly import needs_read_only, read_only
from voicecoach.config import load_settings, settings_path
from tests.fakes import fake_environment


@pytest.fixture
def config(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("VOICECOACH_CONFIG_DIR", str(tmp_path / "config"))
    return tmp_path / "config" / "settings.toml"


def script(run, *args: str) -> dict:
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
def test_each_setting_is_set_read_back_used_overridden_and_unset(config, key, value, override, run):
    result = run("config", "set", key, value)
    assert result.exit_code == 0, result.output
    assert key in load_settings(config)
    assert run("config", "get", key).stdout.strip() == value
    listed = [line.split() for line in run("config").stdout.splitlines() if line.startswith(f"  {key} ")]
    assert listed and listed[0][1:3] == [value, "set"]
    if key in JSON_KEYS:  # used by show, as its option's default
        assert str(script(run)[JSON_KEYS[key]]).lower() == value
    else:  # the default every command shows in its help
        assert f"[default: {value}]" in " ".join(run("play", "--help").stdout.split())
    if override:
        assert str(script(run, *override)[JSON_KEYS[key]]).lower() == override[1]
    assert run("config", "unset", key).exit_code == 0
    assert key not in load_settings(config)
    assert run("config", "get", key).exit_code == 1


def test_every_setting_reaches_the_session_export_and_play_make(config, tmp_path, write_program, monkeypatch, run):
    """The settings travel as one frozen Settings to the session; the history keeps the one each
    session was made with, so it shows what export and play really used."""
    from voicecoach.history import sessions
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
    # a play without sound, stopped with q at once (tests/fakes.py)
    result = run("play", str(program), "--quiet", "--pace", "1.2", obj={"environment": fake_environment(presses=["q"])})
    assert result.exit_code == 0, result.output
    assert sessions()[0].settings == Settings(**{**wanted.to_json(), "pace": 1.2}) and sessions()[0].kind == "play"


def test_the_command_line_wins_over_a_setting(config, run):
    run("config", "set", "pace", "0.5")
    assert script(run)["pace"] == 0.5 and script(run, "--pace", "2")["pace"] == 2


@pytest.mark.parametrize(("key", "value", "message"), [
    ("rate", "500", "config set: rate must be a whole number of words per minute from 80 to 400, not 500"),
    ("pace", "fast", "config set: pace: 'fast' is not a number"),
    ("volume", "2", "config set: volume must be a number from 0 to 1"),
    ("quiet_holds", "maybe", "config set: quiet_holds: must be true or false"),
    ("language", "x y", "config set: language: 'x y' is not a language tag"),
    ("engine", "espek", "config set: unknown speech engine 'espek'; did you mean 'espeak'? engines: espeak, piper"),
    ("colour", "red", "config set: unknown setting 'colour'; the settings are: pace, quiet_holds, language, engine"),
])
def test_a_bad_value_is_one_line_and_nothing_is_lost(config, key, value, message, run, assert_one_line_error):
    run("config", "set", "pace", "0.8")
    before = config.read_bytes()
    assert_one_line_error(run("config", "set", key, value), 2, message)
    assert config.read_bytes() == before


def test_a_bad_value_in_the_file_is_one_line_naming_the_file_and_key_and_config_can_mend_it(config, run, assert_one_line_error):
    config.parent.mkdir(parents=True)
    config.write_text('pace = "fast"\nvolume = 0.5\n', encoding="utf-8")
    assert_one_line_error(run("show", "beginning", "--estimate"), 2, f"{config}: pace: 'fast' is not a number")
    assert run("config", "unset", "pace").exit_code == 0
    assert load_settings(config) == {"volume": 0.5}
    config.write_text('pace = "fast"\nvolume = 0.5\n', encoding="utf-8")
    assert run("config", "set", "pace", "0.8").exit_code == 0  # setting it anew mends it too
    assert load_settings(config) == {"pace": 0.8, "volume": 0.5}


SYNTAX_ERRORS = [
    ("bare text", 'pace = 0.8\nengine = espeak\n', 2, 'text must be in quotes: engine = "espeak"; fix that line'),
    ("bare path", "voice = gmw/de   # German\n", 1, 'text must be in quotes: voice = "gmw/de"'),
    ("twice", "pace = 0.8\nvolume = 1\npace = 0.9\n", 3, "'pace' is set twice; remove one of the two lines"),
    ("no value", "volume = 0.5\npace =\n", 2,
     "this is not a setting (invalid value); a setting is one line, KEY = VALUE"),
    ("no equals", "quiet holds\n", 1, "this is not a setting (expected '=' after a key"),
]


@pytest.mark.parametrize(("text", "line", "message"), [case[1:] for case in SYNTAX_ERRORS],
                         ids=[case[0] for case in SYNTAX_ERRORS])
def test_a_file_that_is_not_toml_names_the_line_and_what_to_write(config, text, line, message, run, assert_one_line_error):
    """'config unset KEY' cannot mend a line that is not KEY = VALUE: the error says the line and what
    to write on it, or to start over with 'config reset'."""
    config.parent.mkdir(parents=True)
    config.write_text(text, encoding="utf-8")
    for command in (["show", "beginning", "--estimate"], ["config"], ["config", "unset", "pace"],
                    ["config", "set", "rate", "120"]):
        assert_one_line_error(run(*command), 2, f"{config}, line {line}: {message}",
                              "or start over with 'voicecoach config reset' (it keeps the old file as a backup)")
    assert config.read_text(encoding="utf-8") == text


def test_config_reset_starts_over_and_keeps_the_old_file_beside_it(config, run):
    config.parent.mkdir(parents=True)
    config.write_bytes(b"pace = [\n")
    result = run("config", "reset")
    assert result.exit_code == 0, result.output
    backup = config.with_name("settings.toml.bak")
    assert result.stdout == f"Settings reset: every option has its own default again (the old file is {backup})\n"
    assert backup.read_bytes() == b"pace = [\n" and load_settings(config) == {}
    assert run("show", "beginning", "--estimate").exit_code == 0
    run("config", "set", "pace", "0.8")
    assert run("config", "reset").exit_code == 0  # an older backup is kept, not replaced
    assert backup.read_bytes() == b"pace = [\n" and "pace = 0.8" in config.with_name("settings.toml.bak.2").read_text()
    assert not config.exists()
    assert run("config", "reset").stdout == f"No settings to reset ({config} is not written yet)\n"


def test_a_key_that_is_not_a_setting_is_a_note_and_config_unset_removes_it(config, run, assert_one_line_error):
    """A typo (or a setting of another version) no longer stops every command: it is said, left out,
    and 'config unset' removes any key the file has."""
    config.parent.mkdir(parents=True)
    config.write_text("# my settings\npaec = 1.5\npace = 0.8  # slower, for my knee\n\n[play]\nrate = 1\n",
                      encoding="utf-8")
    result = run("show", "beginning", "--estimate", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["pace"] == 0.8  # the settings that are settings still apply
    assert result.stderr.splitlines() == [
        f"Note: {config}: 'paec' is not a setting (did you mean 'pace'?) and is left out; "
        "'voicecoach config unset paec' removes it",
        f"Note: {config}: 'play' is not a setting and is left out; 'voicecoach config unset play' removes it"]
    listed = run("config").stdout
    assert re.search(r"^  paec +unknown +not a setting, left out; .* config unset paec' removes it$", listed, re.M)
    assert run("config", "unset", "paec").stdout == f"paec unset (in {config})\n"
    assert run("config", "unset", "play").exit_code == 0
    assert config.read_text(encoding="utf-8") == "# my settings\npace = 0.8  # slower, for my knee\n\n"
    assert run("show", "beginning", "--estimate").stderr == ""
    assert_one_line_error(run("config", "unset", "paec"), 2, "unknown setting 'paec'")  # gone: now a typo
    assert run("config", "unset", "volume").stdout == "volume was not set\n"


def test_config_set_keeps_the_comments_and_writes_through_a_symlink(config, tmp_path, run):
    """A settings file kept elsewhere (a dotfiles folder) and linked: set, unset and reset change the
    file the link names, with its comments and permissions, and the link stays a link."""
    dotfile = tmp_path / "dotfiles" / "voicecoach.toml"
    dotfile.parent.mkdir()
    dotfile.write_text("# voicecoach, for my back\n\n# slow: my knee\npace = 0.8\n", encoding="utf-8")
    dotfile.chmod(0o644)
    config.parent.mkdir(parents=True)
    config.symlink_to(dotfile)
    assert run("config", "set", "volume", "0.5").exit_code == 0
    assert run("config", "set", "pace", "0.7").exit_code == 0
    assert config.is_symlink() and os.readlink(config) == str(dotfile)
    assert dotfile.read_text(encoding="utf-8") == ("# voicecoach, for my back\n\n# slow: my knee\n"
                                                  "pace = 0.7\nvolume = 0.5\n")
    assert dotfile.stat().st_mode & 0o777 == 0o644
    assert run("config", "unset", "volume").exit_code == 0
    assert config.is_symlink() and dotfile.read_text(encoding="utf-8").endswith("# slow: my knee\npace = 0.7\n")
    assert run("config", "reset").exit_code == 0
    assert config.is_symlink() and load_settings(dotfile) == {}
    assert config.with_name("settings.toml.bak").read_text(encoding="utf-8").endswith("pace = 0.7\n")
    assert sorted(path.name for path in dotfile.parent.iterdir()) == ["voicecoach.toml"]  # no litter


TOO_DEEP = "not a settings file: its values are nested far too deeply"
NESTED = [  # as the issue found them: each was a RecursionError traceback in every command
    ("inline tables", "pace = " + "{a = " * 5000 + "1" + "}" * 5000 + "\n", TOO_DEEP),
    ("arrays", "pace = " + "[" * 30_000 + "]" * 30_000 + "\n", TOO_DEEP),
    ("arrays, 100,000", "pace = " + "[" * 100_000 + "]" * 100_000 + "\n",
     "the file is too large for a settings file (over 64 KiB)"),
]


@pytest.mark.parametrize(("text", "message"), [case[1:] for case in NESTED], ids=[case[0] for case in NESTED])
def test_deeply_nested_values_are_one_line_not_a_recursion_error(config, text, message, run, assert_one_line_error):
    config.parent.mkdir(parents=True)
    config.write_text(text, encoding="utf-8")
    for command in (["show", "beginning", "--estimate"], ["config"], ["config", "unset", "pace"]):
        assert_one_line_error(run(*command), 2, f"{config}: {message}", "config reset")
    assert run("config", "reset").exit_code == 0 and load_settings(config) == {}


@pytest.mark.parametrize(("key", "message"), [
    ("pace", "pace: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, ... is not a number"),
    ("rate", "rate: [1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, ... is not a whole number"),
])
def test_a_long_list_for_a_number_is_shown_cut_short(config, key, message, run, assert_one_line_error):
    config.parent.mkdir(parents=True)
    config.write_text(f"{key} = [{', '.join(['1'] * 5000)}]\n", encoding="utf-8")
    line = assert_one_line_error(run("show", "beginning", "--estimate"), 2, f"{config}: {message}")
    assert len(line) < 200 + len(str(config))


@pytest.mark.parametrize("kind", ["settings.toml", "the program"])
def test_a_named_pipe_for_settings_or_program_is_one_line_not_a_hang(tmp_path, kind):
    """A FIFO opened for reading waits for a writer forever: every command read settings.toml
    first, so one there hung them all. Only regular files are opened now (a real process: a hang
    fails by the timeout)."""
    folder = tmp_path / "config"
    folder.mkdir()
    program = tmp_path / "routine.yaml"
    os.mkfifo(folder / "settings.toml" if kind == "settings.toml" else program)
    env = {**os.environ, "VOICECOACH_CONFIG_DIR": str(folder)}
    done = subprocess.run([sys.executable, "-m", "voicecoach", "show", str(program), "--estimate"],
                          env=env, capture_output=True, text=True, timeout=30)
    where, what = ((folder / "settings.toml", "settings file") if kind == "settings.toml"
                   else (program, "program file"))
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == f"Error: {where}: this is a named pipe (FIFO), not a {what}\n" if kind == "the program" else \
        done.stderr == f"Error: {where}: this is a named pipe (FIFO), not a {what}; move it away and voicecoach " \
                       "starts a new one\n"


def test_a_folder_as_the_settings_file_is_one_line(config, run, assert_one_line_error):
    config.mkdir(parents=True)
    assert_one_line_error(run("show", "beginning", "--estimate"), 2,
                          f"{config}: this is a directory, not a settings file")
    assert_one_line_error(run("config", "set", "pace", "0.8"), 2, "this is a directory")


@needs_read_only
def test_a_read_only_config_folder_is_one_line_and_the_file_stays(tmp_path):
    folder = tmp_path / "config"
    folder.mkdir()
    (folder / "settings.toml").write_text("pace = 0.9\n", encoding="utf-8")
    env = {**os.environ, "VOICECOACH_CONFIG_DIR": str(folder)}
    done = subprocess.run(read_only(folder, [sys.executable, "-m", "voicecoach", "config", "set", "pace", "0.8"]),
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and done.stdout == ""  # exit 1: a file could not be written
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("Error: ")
    assert f"{folder}: cannot write the settings there" in done.stderr
    assert (folder / "settings.toml").read_text(encoding="utf-8") == "pace = 0.9\n"


def _small_disks_work() -> bool:
    probe = subprocess.run(["unshare", "--mount", "--map-root-user", "sh", "-c",
                            "mount -t tmpfs -o size=64k tmpfs /mnt && umount /mnt"], capture_output=True)
    return probe.returncode == 0


needs_small_disk = pytest.mark.skipif(shutil.which("unshare") is None or not _small_disks_work(),
                                      reason="cannot mount a private tmpfs here (unshare --mount --map-root-user)")


@needs_small_disk
def test_config_set_on_a_full_disk_is_one_line_and_the_file_stays(tmp_path):
    """A real full disk: the config folder on a 64 KiB tmpfs in a private mount namespace, filled up."""
    disk = tmp_path / "disk"
    disk.mkdir()
    script = """
        mount -t tmpfs -o size=64k tmpfs "$DISK" && mkdir "$DISK/config"
        printf '# mine\\npace = 0.9\\n' > "$DISK/config/settings.toml"
        head -c 1000000 /dev/zero > "$DISK/filler" 2>/dev/null
        $VC config set pace 0.8; echo "exit=$?"
        cat "$DISK/config/settings.toml"; ls -A "$DISK/config"
    """
    env = {**os.environ, "DISK": str(disk), "VC": f"{sys.executable} -m voicecoach",
           "VOICECOACH_CONFIG_DIR": str(disk / "config")}
    done = subprocess.run(["unshare", "--mount", "--map-root-user", "sh", "-c", script], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.stdout.splitlines() == ["exit=1", "# mine", "pace = 0.9", "settings.toml"], done.stderr
    assert done.stderr == (f"Error: {disk / 'config' / 'settings.toml'}: cannot write the settings: the disk is "
                           "full; nothing was changed\n")


def test_an_unwritable_config_folder_as_root_too(tmp_path, monkeypatch, run, assert_one_line_error):
    """A config folder that is a file cannot be written by anyone."""
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    monkeypatch.setenv("VOICECOACH_CONFIG_DIR", str(blocker / "voicecoach"))
    assert_one_line_error(run("config", "set", "pace", "0.8"), 1, "cannot write the settings there")


def test_config_path_and_no_file(config, run):
    assert run("config", "path").stdout.strip() == str(settings_path()) == str(config)
    shown = run("config").stdout
    assert "(not written yet)" in shown and "  pace         1 " in shown
