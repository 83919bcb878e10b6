"""Reading a file a user names never blocks on what is not a file (voicecoach/files.py)."""

from __future__ import annotations

import os
import socket
import threading

import pytest

from voicecoach.files import NotARegularFile, is_regular, read_regular


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
