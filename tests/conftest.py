"""Shared fixtures. Golden files live in tests/golden/; rewrite them with `pytest --update-golden`."""

from __future__ import annotations

import os
import shutil
import tempfile
import textwrap
from pathlib import Path

import pytest

GOLDEN_DIR = Path(__file__).parent / "golden"


pytest_plugins = ["tests.isolation"]  # the user's own folders stay out of reach for the whole run


@pytest.fixture(scope="session")
def isolated_cache() -> Path:
    """The speech cache of the whole run, never the user's: each phrase is synthesized once."""
    return Path(os.environ["VOICECOACH_CACHE_DIR"])


@pytest.fixture(scope="session")
def isolated_config() -> Path:
    """The (empty) config folder of the whole run, never the user's: their settings and phrasebooks
    must not change what the tests hear. Tests that need settings point VOICECOACH_CONFIG_DIR
    elsewhere with monkeypatch."""
    return Path(os.environ["VOICECOACH_CONFIG_DIR"])


@pytest.fixture(autouse=True)
def isolated_history(monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty history for each test, never the user's: sessions the tests play are recorded there
    (inside the run's own folder, tests/isolation.py)."""
    directory = Path(tempfile.mkdtemp(prefix="data-", dir=os.environ["VOICECOACH_TEST_ROOT"]))
    monkeypatch.setenv("VOICECOACH_DATA_DIR", str(directory))
    return directory


def _invoke(*args: str, **options):
    from click.testing import CliRunner

    from voicecoach.cli import cli

    return CliRunner().invoke(cli, list(args), prog_name="voicecoach", **options)


@pytest.fixture(scope="session")
def run():
    """voicecoach's command line, run in this process by Click's CliRunner: run("show", "beginning")
    gives its Result (exit_code, stdout, stderr, exception)."""
    return _invoke


def _one_line_error(result, code: int, *parts: str) -> str:
    """The command failed with `code` and said why in one line of its own, 'Error: ...', holding
    every part (no traceback, nothing on stdout); that line. For a CliRunner Result or a real
    process (subprocess.CompletedProcess)."""
    exit_code = result.returncode if hasattr(result, "returncode") else result.exit_code
    assert exit_code == code, (exit_code, result.stdout, result.stderr)
    if not hasattr(result, "returncode"):
        assert isinstance(result.exception, SystemExit), result.exception  # a clean exit, not a crash
    assert "Traceback" not in result.stderr and not result.stdout, (result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    for part in parts:
        assert part in lines[0], (part, lines[0])
    return lines[0]


@pytest.fixture(scope="session")
def assert_one_line_error():
    """_one_line_error: the check that a command failed in one clear line."""
    return _one_line_error


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true", help="rewrite tests/golden/ from the code")


@pytest.fixture
def golden(request: pytest.FixtureRequest):
    """Compare text with tests/golden/<name>, or rewrite it under --update-golden."""

    def check(name: str, actual: str) -> None:
        path = GOLDEN_DIR / name
        if request.config.getoption("--update-golden"):
            path.write_text(actual, encoding="utf-8")
            return
        assert path.exists(), f"no golden file {path}; run pytest --update-golden and review the diff"
        assert actual == path.read_text(encoding="utf-8"), f"{name} changed; if intended, run pytest --update-golden"

    return check


@pytest.fixture
def write_program(tmp_path: Path):
    """Write YAML text (dedented) or bytes to a program file and return its path."""

    def write(content: str | bytes, name: str = "routine.yaml") -> Path:
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content), encoding="utf-8")
        return path

    return write


def _sink(microphone: bool):
    from tests.sink import Sink

    work = Path(tempfile.mkdtemp(prefix="vc-sink-"))  # short: its socket path must fit in 108 bytes
    started = Sink(work, microphone=microphone)
    yield started
    started.close()
    shutil.rmtree(work, ignore_errors=True)


@pytest.fixture
def sink():
    """A private PulseAudio playing in real time into a capture (tests/sink.py); ALSA's default goes
    to it; no microphone."""
    yield from _sink(microphone=False)


@pytest.fixture
def mic_sink():
    """The same, with a virtual microphone a test speaks into (sink.into_mic)."""
    yield from _sink(microphone=True)


@pytest.fixture
def plug_engine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Register a fake engine class under a name through the voicecoach.engines entry points, for this
    process and for the commands it starts (their PYTHONPATH carries the test distribution).
    Returns the environment for subprocesses."""
    from tests import engines
    from voicecoach.engines import engine_types

    folder = tmp_path / "plugins"
    registered: dict[str, str] = {}
    env = dict(os.environ)

    def plug(name: str, engine_class=None, value: str | None = None) -> dict[str, str]:
        attribute = name.replace("-", "_")
        if engine_class is not None:
            monkeypatch.setattr(engines.plugged, attribute, engine_class, raising=False)
        registered[name] = value or f"tests.engines:plugged.{attribute}"
        engines.write_distribution(folder, registered)
        monkeypatch.syspath_prepend(str(folder))
        engine_types.cache_clear()
        env["PYTHONPATH"] = os.pathsep.join([str(folder), str(engines.ROOT), os.environ.get("PYTHONPATH", "")])
        return env

    yield plug
    engine_types.cache_clear()


@pytest.fixture(scope="module")
def low_priority():
    """This test process at a lower priority for a module of recognizer tests (loading Whisper is CPU
    and memory in bursts), so the other test processes' real-time playback, compared sample for
    sample with exports, goes first; the priority is given back after (as root; else it stays low)."""
    import os

    before = os.getpriority(os.PRIO_PROCESS, 0)
    os.setpriority(os.PRIO_PROCESS, 0, max(before, 10))
    yield
    try:
        os.setpriority(os.PRIO_PROCESS, 0, before)
    except PermissionError:
        pass


@pytest.fixture(autouse=True)
def _turns(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """A test marked `alone` runs with no other test running in the other processes (pytest-xdist):
    the live listening tests play a session in real time with the recognizer and speak into a
    virtual microphone, and on a starved machine (two CPUs, three test processes) a word went
    unheard; beside them, Whisper's loading starved the others' sample-exact real-time playback.

    A reader-writer lock on two files all the run's processes share (the base temp folder's
    parent): every other test holds `turns.lock` shared; an alone test takes it whole, first taking
    `turnstile.lock`, which the others pass through on their way in, so none starts while it waits.
    In one process (-n 0) nothing ever waits."""
    import fcntl

    root = tmp_path_factory.getbasetemp()
    shared = root.parent if os.environ.get("PYTEST_XDIST_WORKER") else root  # popen-gwN's parent
    alone = request.node.get_closest_marker("alone") is not None
    with open(shared / "turnstile.lock", "a+b") as turnstile, open(shared / "turns.lock", "a+b") as turns:
        if alone:
            fcntl.flock(turnstile, fcntl.LOCK_EX)
            fcntl.flock(turns, fcntl.LOCK_EX)
        else:
            fcntl.flock(turnstile, fcntl.LOCK_SH)
            fcntl.flock(turns, fcntl.LOCK_SH)
            fcntl.flock(turnstile, fcntl.LOCK_UN)
        try:
            yield
        finally:
            fcntl.flock(turns, fcntl.LOCK_UN)
            fcntl.flock(turnstile, fcntl.LOCK_UN)


def _children_running_voicecoach() -> list[int]:
    """This process's children (sessions a test started) still running voicecoach."""
    found = []
    me = str(os.getpid())
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                parent = stat.read().rsplit(b")", 1)[1].split()[1].decode()
            with open(f"/proc/{entry}/cmdline", "rb") as command:
                words = command.read()
        except OSError:
            continue
        if parent == me and b"voicecoach" in words and b"pulseaudio" not in words:
            found.append(int(entry))
    return found


@pytest.fixture(autouse=True)
def _no_session_left_playing():
    """A session a failed test left running (a pexpect child that timed out) is stopped when the
    test ends: once, one hung `play` went on for minutes beside the tests after it."""
    import signal

    yield
    for pid in _children_running_voicecoach():
        try:
            if os.getpgid(pid) == pid:  # pexpect's child leads its own session: its shell and play go
                os.killpg(pid, signal.SIGKILL)
            else:
                os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
