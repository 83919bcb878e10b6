"""The suite keeps out of the user's own folders (tests/isolation.py), and says so when it does not."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.isolation import FOLDERS, RUN_ROOT

ROOT = Path(__file__).resolve().parent.parent


def test_every_folder_voicecoach_keeps_is_inside_the_runs_temporary_folder():
    root = Path(os.environ[RUN_ROOT])
    for name in FOLDERS:
        assert Path(os.environ[name]).is_relative_to(root), name
    # and so in every command a test starts, which inherits the environment
    done = subprocess.run([sys.executable, "-c", "from voicecoach.config import settings_path; "
                           "from voicecoach.paths import cache_dir; from voicecoach.history import "
                           "history_path; print(settings_path(), cache_dir(), history_path())"],
                          capture_output=True, text=True, check=True)
    for path in done.stdout.split():
        assert Path(path).is_relative_to(root), path


def _inner_run(tmp_path: Path, body: str) -> subprocess.CompletedProcess:
    """pytest on one test file with the isolation plugin, for a user whose home is tmp_path/home."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    (tmp_path / "test_inner.py").write_text(textwrap.dedent(body), encoding="utf-8")
    env = {key: value for key, value in os.environ.items()
           if key not in FOLDERS and key != RUN_ROOT and not key.startswith("XDG_")}
    env.update(HOME=str(home), PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "tests.isolation", "-p", "no:cacheprovider",
                           "test_inner.py"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)


def test_a_run_that_writes_into_the_users_history_folder_fails_and_names_it(tmp_path):
    done = _inner_run(tmp_path, """
        import os
        from pathlib import Path

        def test_writes_where_it_must_not():
            folder = Path(os.environ["HOME"]) / ".local" / "share" / "voicecoach"
            folder.mkdir(parents=True)
            (folder / "history.db").write_bytes(b"not yours")
        """)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "1 passed" in done.stdout  # the test itself passed: the run fails for what it did
    assert "The tests wrote into the user's own voicecoach folders or the checkout" in done.stdout
    assert f"made {tmp_path / 'home' / '.local' / 'share' / 'voicecoach' / 'history.db'}" in done.stdout


def test_a_run_that_keeps_to_its_folders_passes(tmp_path):
    done = _inner_run(tmp_path, """
        import os
        from pathlib import Path

        def test_writes_only_its_own():
            for name in ("VOICECOACH_DATA_DIR", "VOICECOACH_CACHE_DIR", "VOICECOACH_CONFIG_DIR"):
                folder = Path(os.environ[name])
                folder.mkdir(parents=True, exist_ok=True)
                (folder / "x").write_text("mine")
        """)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "wrote into the user's" not in done.stdout


def test_a_run_that_leaves_a_file_in_the_checkout_fails_and_names_it(tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    done = _inner_run(tmp_path, """
        from pathlib import Path

        def test_leaves_a_file_where_it_runs():
            Path("phrase.wav").write_bytes(b"RIFF")
        """)
    assert done.returncode == 1 and "left in the checkout: phrase.wav" in done.stdout, done.stdout
