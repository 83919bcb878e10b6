"""scripts/setup.sh as a newcomer runs it: in a fresh clone, here on a machine with no sound device,
where it must hand over the session as an MP3 instead of failing or printing the script."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.samples import QUICK
from tests.sink import no_device_env

ROOT = Path(__file__).resolve().parent.parent

needs_clone = pytest.mark.skipif(shutil.which("git") is None or not (ROOT / ".git").exists() or shutil.which("ffprobe") is None,
                                 reason="needs a git checkout, git and ffprobe")


@needs_clone
def test_setup_without_a_sound_device_exports_the_session_where_the_user_is(tmp_path):
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True, timeout=120)
    here = tmp_path / "my folder"  # where the newcomer runs it from, with a space in its name
    here.mkdir()
    (here / "quick.yaml").write_text(QUICK, encoding="utf-8")
    done = subprocess.run(["bash", str(clone / "scripts" / "setup.sh"), "quick.yaml"], cwd=here,
                          env=no_device_env(tmp_path), capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    mp3 = here / "quick.mp3"
    assert lines[-1] == (f"Your session is in {mp3}: copy it to your phone (a USB cable, or scp from another "
                         "computer) and play it there.")
    assert len(lines) < 12  # a few lines, not the session's script
    assert "Traceback" not in done.stderr and "Error" not in done.stderr
    probe = subprocess.run(["ffprobe", "-v", "error", "-print_format", "json", "-show_streams", "-show_format", str(mp3)],
                           capture_output=True, text=True, check=True)
    info = json.loads(probe.stdout)
    assert info["streams"][0]["codec_name"] == "mp3" and float(info["format"]["duration"]) > 20
    # the clone's own voicecoach wrote it; the play before it made no sound, so it is not a session
    from voicecoach.history import sessions

    assert [(s.kind, s.ending) for s in sessions()] == [("export", "exported")]
    assert (clone / ".venv" / "bin" / "voicecoach").exists()
