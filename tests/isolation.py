"""The suite never touches the user's own voicecoach folders (settings, cache, history), nor
leaves files in the checkout.

A pytest plugin (tests/conftest.py loads it): before anything is collected, the three
VOICECOACH_*_DIR overrides point into one temporary folder for the whole run, in this process and
so in every command the tests start; and the user's real folders (where voicecoach would write
without the overrides) are fingerprinted, then checked once more when the run ends, with the
checkout's untracked files. A run that changed them fails, naming what changed, even if every test
passed.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

# The override of each folder, and what the folder is called inside the run's temporary one.
FOLDERS = {"VOICECOACH_CONFIG_DIR": "config", "VOICECOACH_CACHE_DIR": "cache", "VOICECOACH_DATA_DIR": "data"}
RUN_ROOT = "VOICECOACH_TEST_ROOT"  # the run's temporary folder, for tests that check the isolation

_state: dict[str, object] = {}


def user_folders(environ: dict[str, str] | os._Environ) -> list[Path]:
    """Where voicecoach keeps the user's files with this environment: the overrides the user set
    themselves, and the platform's folders (platformdirs, as voicecoach computes them)."""
    import platformdirs

    folders = [Path(environ[name]) for name in FOLDERS if environ.get(name)]
    with _environment(environ):
        folders += [Path(platformdirs.user_config_dir("voicecoach", appauthor=False)),
                    Path(platformdirs.user_cache_dir("voicecoach", appauthor=False)),
                    Path(platformdirs.user_data_dir("voicecoach", appauthor=False))]
    return list(dict.fromkeys(folders))


def fingerprint(folders: list[Path]) -> dict[str, tuple[int, int] | None]:
    """Every file under the folders with its size and modification time (None: a folder is absent)."""
    seen: dict[str, tuple[int, int] | None] = {}
    for folder in folders:
        if not folder.exists():
            seen[str(folder)] = None
            continue
        for path in sorted(folder.rglob("*")):
            try:
                stat = path.lstat()
            except OSError:
                continue
            seen[str(path)] = (stat.st_size, stat.st_mtime_ns)
    return seen


def untracked(top: Path) -> set[str] | None:
    """The checkout's files that git neither tracks nor ignores (None outside a git checkout)."""
    import subprocess

    try:
        done = subprocess.run(["git", "-C", str(top), "ls-files", "--others", "--exclude-standard"],
                              capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return None
    return set(done.stdout.splitlines()) if done.returncode == 0 else None


def changes(before: dict, after: dict) -> list[str]:
    """What differs between two fingerprints, one line a path."""
    out = []
    for path in sorted(set(before) | set(after)):
        if path not in before or (before[path] is None and after.get(path) is not None):
            out.append(f"made {path}")
        elif path not in after or after[path] is None and before[path] is not None:
            out.append(f"removed {path}")
        elif before[path] != after[path]:
            out.append(f"changed {path}")
    return out


class _environment:
    """os.environ as given for the block (platformdirs reads XDG_* and HOME from it)."""

    def __init__(self, environ):
        self.environ = dict(environ)

    def __enter__(self):
        self.saved = dict(os.environ)
        os.environ.clear()
        os.environ.update(self.environ)

    def __exit__(self, *exc):
        os.environ.clear()
        os.environ.update(self.saved)


def pytest_configure(config: pytest.Config) -> None:
    if hasattr(config, "workerinput"):  # a pytest-xdist worker: the controller has set it all up
        return
    real = user_folders(os.environ)
    root = Path(tempfile.mkdtemp(prefix="voicecoach-tests-"))
    for name, folder in FOLDERS.items():
        os.environ[name] = str(root / folder)
    os.environ[RUN_ROOT] = str(root)
    _state.update(root=root, real=real, before=fingerprint(real), checkout=untracked(config.rootpath))


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if hasattr(session.config, "workerinput") or "real" not in _state:
        return
    found = changes(_state["before"], fingerprint(_state["real"]))  # type: ignore[arg-type]
    before, after = _state["checkout"], untracked(session.config.rootpath)
    if isinstance(before, set) and after is not None:
        found += [f"left in the checkout: {name}" for name in sorted(after - before)]
    if found:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        lines = ["The tests wrote into the user's own voicecoach folders or the checkout (they must stay untouched):",
                 *[f"  {line}" for line in found[:20]], *([f"  ... and {len(found) - 20} more"] if len(found) > 20 else [])]
        if reporter is not None:
            reporter.write_line("")
            for line in lines:
                reporter.write_line(line, red=True)
        else:
            print("\n".join(lines))
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_unconfigure(config: pytest.Config) -> None:
    root = _state.pop("root", None)
    if isinstance(root, Path):
        shutil.rmtree(root, ignore_errors=True)
