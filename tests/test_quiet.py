"""Keeping C libraries' lines off the terminal (voicecoach/quiet.py) without losing Python's."""

from __future__ import annotations

import os
import threading

from voicecoach.quiet import quiet_stderr


def _target_of_fd2() -> tuple[int, int]:
    info = os.fstat(2)
    return info.st_dev, info.st_ino


def test_two_threads_keeping_stderr_quiet_take_turns_and_stderr_comes_back():
    """Music decoding in one thread and the microphone's PortAudio start in another both silence
    descriptor 2; at once, each would restore the other's /dev/null and every later note be lost."""
    before = _target_of_fd2()
    inside, release, order = threading.Event(), threading.Event(), []

    def first():
        with quiet_stderr():
            order.append("first in")
            inside.set()
            release.wait(5)
            order.append("first out")

    def second():
        inside.wait(5)
        with quiet_stderr():
            order.append("second in")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    inside.wait(5)
    threading.Event().wait(0.2)  # the second would be in by now, were it not kept out
    release.set()
    for thread in threads:
        thread.join(5)
    assert order == ["first in", "first out", "second in"]
    assert _target_of_fd2() == before


def test_stderr_is_quiet_inside_and_back_after_an_error():
    before = _target_of_fd2()
    null = os.stat(os.devnull)
    try:
        with quiet_stderr():
            assert _target_of_fd2() == (null.st_dev, null.st_ino)
            raise ValueError("inside")
    except ValueError:
        pass
    assert _target_of_fd2() == before
