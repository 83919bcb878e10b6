"""Reading a file a user names never blocks on what is not a file (voicecoach/files.py)."""

from __future__ import annotations

import os
import socket
import threading

import pytest

from voicecoach.files import NotARegularFile, is_regular, part_file, read_regular, write_atomic


def test_a_regular_file_is_read_whole_or_up_to_one_past_the_limit(tmp_path):
    path = tmp_path / "a.yaml"
    path.write_bytes(b"0123456789")
    assert read_regular(path) == b"0123456789"
    assert read_regular(path, limit_bytes=4) == b"01234"  # one past: the caller sees it is too large
    link = tmp_path / "link.yaml"
    link.symlink_to(path)
    assert read_regular(link) == b"0123456789" and is_regular(link)


def test_a_fifo_is_refused_at_once_without_a_writer(tmp_path):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    outcome: list[BaseException] = []
    reader = threading.Thread(target=lambda: outcome.append(_raised(lambda: read_regular(fifo))), daemon=True)
    reader.start()
    reader.join(5)
    assert not reader.is_alive(), "reading a FIFO blocked"
    assert isinstance(outcome[0], NotARegularFile) and outcome[0].what == "a named pipe (FIFO)"
    assert not is_regular(fifo)


def test_a_directory_a_socket_and_a_device_are_named_for_what_they_are(tmp_path):
    with pytest.raises(NotARegularFile, match="this is a directory, not a file"):
        read_regular(tmp_path)
    with pytest.raises(NotARegularFile, match="a device"):
        read_regular("/dev/zero")
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(tmp_path / "s"))
    try:  # a socket cannot be opened at all: the system's own error, still an OSError
        with pytest.raises(OSError):
            read_regular(tmp_path / "s")
    finally:
        server.close()


def test_the_usual_errors_pass_through(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_regular(tmp_path / "missing.yaml")
    loop = tmp_path / "loop.yaml"
    loop.symlink_to(loop)
    with pytest.raises(OSError) as raised:
        read_regular(loop)
    assert not isinstance(raised.value, NotARegularFile)


def _raised(call) -> BaseException | None:
    try:
        call()
    except BaseException as error:  # noqa: BLE001 - handed back to the test
        return error
    return None


def _interrupt_once_the_file_is_made(monkeypatch):
    """os.open that makes the file and then raises KeyboardInterrupt, as a Ctrl-C (or a SIGTERM
    made into one) landing just after the file exists and before the caller knows its name."""
    real_open = os.open

    def open_then_interrupt(path, flags, *args, **kwargs):
        handle = real_open(path, flags, *args, **kwargs)
        if flags & os.O_CREAT:
            raise KeyboardInterrupt
        return handle

    monkeypatch.setattr(os, "open", open_then_interrupt)


@pytest.mark.parametrize("writer", ["write_atomic", "export.atomic_file"])
def test_an_interrupt_just_as_the_temporary_file_is_made_leaves_nothing_behind(tmp_path, monkeypatch, writer):
    # CI found an export's .part file left after a SIGHUP that came at that moment (tempfile.mkstemp
    # names its file only when it returns).
    from voicecoach.export import atomic_file

    target = tmp_path / "kept.mp3"
    target.write_bytes(b"the earlier file")
    _interrupt_once_the_file_is_made(monkeypatch)
    with pytest.raises(KeyboardInterrupt):
        if writer == "write_atomic":
            write_atomic(target, b"new")
        else:
            with atomic_file(target):
                pass
    assert list(tmp_path.iterdir()) == [target] and target.read_bytes() == b"the earlier file"


def test_write_atomic_replaces_the_file_whole_and_keeps_its_permissions(tmp_path):
    target = tmp_path / "plan.json"
    target.write_bytes(b"old")
    target.chmod(0o640)
    write_atomic(target, b"new")
    assert target.read_bytes() == b"new" and (target.stat().st_mode & 0o777) == 0o640
    assert list(tmp_path.iterdir()) == [target]


def test_part_file_never_removes_a_file_whose_name_it_did_not_make(tmp_path, monkeypatch):
    import voicecoach.files as files

    taken = tmp_path / ".x-aaaaaaaa.part"
    taken.write_bytes(b"another export's")
    names = iter(["aaaaaaaa", "bbbbbbbb"])
    monkeypatch.setattr(files, "_random_name", lambda: next(names))
    with pytest.raises(RuntimeError), part_file(tmp_path, ".x-") as (_, path):
        assert path.name == ".x-bbbbbbbb.part"
        raise RuntimeError
    assert list(tmp_path.iterdir()) == [taken] and taken.read_bytes() == b"another export's"
