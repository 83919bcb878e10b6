"""`voicecoach doctor`: each problem with its fix, and an exit code that says whether a session can play."""

from __future__ import annotations

import re
import subprocess
import sys

from click.testing import CliRunner

from tests.readonly import needs_small_disk, on_small_disk
from tests.sink import needs_alsa, needs_sink, no_device_env
from voicecoach.cli import cli


def doctor(env) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "voicecoach", "doctor"], capture_output=True, text=True, env=env,
                          timeout=60)


@needs_sink
def test_a_machine_that_can_play(sink):
    done = doctor(sink.env)
    assert done.returncode == 0, done.stdout
    lines = done.stdout.splitlines()
    assert [line.split()[0] for line in lines[:5]] == ["ok"] * 5
    assert lines[0].startswith("ok       speech engine espeak: 131 voices; 'Ready.' is ")
    assert lines[1].startswith("ok       speech engine piper: 1 installed voice(s); voice en_US-joe-medium at 22050 Hz")
    assert lines[1].endswith("sessions use this one")
    assert done.stdout.rstrip().endswith("A session can play.")


@needs_alsa
def test_a_machine_without_sound(tmp_path):
    done = doctor(no_device_env(tmp_path))
    assert done.returncode == 1
    assert "PROBLEM  audio output: no audio output device could be opened" in done.stdout
    assert "fix: connect or enable a sound device" in done.stdout and "voicecoach export" in done.stdout
    assert "ALSA lib" not in done.stderr + done.stdout
    assert done.stdout.rstrip().endswith("A session cannot play until the problems above are fixed.")


def test_missing_speech_engine_names_the_install_command(monkeypatch):
    import pyttsx3

    def broken_init(*args, **kwargs):
        raise RuntimeError("This means you probably do not have eSpeak or eSpeak-ng installed!")

    monkeypatch.setattr(pyttsx3, "init", broken_init)
    result = CliRunner().invoke(cli, ["doctor"])
    assert result.exit_code == 1
    assert "PROBLEM  speech engine espeak: no speech engine: eSpeak NG is not installed" in result.stdout
    assert "fix: sudo apt-get install espeak-ng" in result.stdout


def test_an_unwritable_cache_is_a_problem_that_does_not_stop_a_session(tmp_path, monkeypatch):
    from voicecoach import doctor as doctor_module

    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    check = doctor_module.check_cache(blocker / "cache")
    assert not check.ok and not check.needed_to_play
    assert "set VOICECOACH_CACHE_DIR to a writable folder; sessions still play without it" in check.fix
    assert doctor_module.can_play([check, doctor_module.check_cues()])


@needs_small_disk
def test_a_cache_on_a_full_disk_is_a_problem_that_says_how_much_is_free(tmp_path):
    disk = tmp_path / "disk"
    done = on_small_disk(disk, 2048, """
        head -c 1900000 /dev/zero > "$DISK/filler"
        VOICECOACH_CACHE_DIR="$DISK/cache" $VC doctor
    """)
    lines = done.stdout.splitlines()
    (cache,) = [line for line in lines if " cache: " in line]
    assert re.fullmatch(rf"PROBLEM  cache: {re.escape(str(disk / 'cache'))} is writable, but its disk has only "
                        r"0\.[0-9] MB free \(0 phrases, 0 decoded music files\); a session's phrases take up to 8\.0 MB "
                        r"and decoded music 5\.3 MB a minute, so they would not be kept", cache), cache
    assert lines[lines.index(cache) + 1] == ("         fix: free some space on that disk, or set VOICECOACH_CACHE_DIR to a "
                                             "folder on a disk with room; sessions still play without it")


def test_a_cache_with_room_says_how_much_is_free_and_what_it_keeps(tmp_path):
    from voicecoach.doctor import check_cache

    (tmp_path / "cache" / "music").mkdir(parents=True)
    (tmp_path / "cache" / "phrases").mkdir(parents=True)
    (tmp_path / "cache" / "phrases" / "a.pcm").write_bytes(b"VCPHRASE1")
    (tmp_path / "cache" / "music" / "b.f32").write_bytes(bytes(8))
    check = check_cache(tmp_path / "cache")
    assert check.ok and not check.needed_to_play
    assert re.fullmatch(rf"{re.escape(str(tmp_path / 'cache'))} is writable, [0-9]+\.[0-9] (MB|GB) free "
                        r"\(1 phrases, 1 decoded music file\)", check.detail), check.detail


@needs_sink
def test_without_a_session_bus_the_media_keys_are_a_note_and_a_session_can_play(sink):
    # the sink's $XDG_RUNTIME_DIR holds PulseAudio's socket and no D-Bus one
    done = doctor({key: value for key, value in sink.env.items() if key != "DBUS_SESSION_BUS_ADDRESS"})
    assert done.returncode == 0, done.stdout
    lines = done.stdout.splitlines()
    (media,) = [line for line in lines if " media keys: " in line]
    assert media.startswith("note     media keys: there is no D-Bus session bus here (")
    assert media.endswith("; the terminal's keys still work")
    assert lines[lines.index(media) + 1].startswith("         to have them: run voicecoach in a desktop session")
    assert "PROBLEM" not in done.stdout and lines[-1] == "A session can play."


def test_a_busy_device_names_the_way_to_free_it(monkeypatch):
    import simpleaudio

    def busy(*args):  # the message simpleaudio's C code builds from snd_pcm_open's -EBUSY
        raise simpleaudio._simpleaudio.SimpleaudioError(
            "Error opening PCM device. -- CODE: -16 -- MSG: Device or resource busy")

    monkeypatch.setattr(simpleaudio, "play_buffer", busy)
    result = CliRunner().invoke(cli, ["doctor"])
    assert result.exit_code == 1
    assert "PROBLEM  audio output: the audio output is busy: another program is using it" in result.stdout
    assert "fix: close the program that is using the sound device (fuser -v /dev/snd/* names it)" in result.stdout


def test_a_machine_without_the_listen_extra_or_a_microphone_has_notes_not_problems(monkeypatch):
    """voicecoach[listen] left out (setup.sh --no-listen), or no microphone: sessions play with the
    keys and the media keys, so doctor notes it and says how to have it, and play can still play."""
    import voicecoach.microphone as microphone_module
    from voicecoach.doctor import can_play, check_microphone
    from voicecoach.microphone import INSTALL, MicrophoneError

    for message in (f"the sounddevice package is missing; {INSTALL}", "no microphone: no input device can be opened"):
        class Missing:
            def __init__(self, *args, **kwargs):
                pass

            def __enter__(self):
                raise MicrophoneError(message)

            def __exit__(self, *exc):
                return None

        monkeypatch.setattr(microphone_module, "Microphone", Missing)
        check = check_microphone()
        assert (check.ok, check.note, check.needed_to_play) == (False, True, False), check
        assert check.detail.startswith(message) and check.fix
        assert can_play([check])
