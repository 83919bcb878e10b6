"""A private D-Bus session bus (dbus-daemon, as a desktop session has), and a remote control that
talks to voicecoach on it as a desktop's media widget or a headset-button daemon would: method
calls, properties and the signals it sends. Used by tests/test_mpris.py and scripts/bench_media_keys.py.
Needs Debian's dbus (scripts/setup.sh --dev installs it)."""

from __future__ import annotations

import queue
import shutil
import subprocess
import time

import pytest

NAME = "org.mpris.MediaPlayer2.voicecoach"
PATH = "/org/mpris/MediaPlayer2"
PLAYER = "org.mpris.MediaPlayer2.Player"
ROOT = "org.mpris.MediaPlayer2"

needs_bus = pytest.mark.skipif(shutil.which("dbus-daemon") is None,
                               reason="dbus-daemon not installed (scripts/setup.sh --dev installs it)")


class SessionBus:
    """dbus-daemon --session on a socket of its own; `address` goes in DBUS_SESSION_BUS_ADDRESS."""

    def __init__(self) -> None:
        self.daemon = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address"],
                                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.address = self.daemon.stdout.readline().strip()
        if not self.address:
            self.close()
            raise RuntimeError("dbus-daemon did not start")

    def env(self, base: dict[str, str]) -> dict[str, str]:
        return {**base, "DBUS_SESSION_BUS_ADDRESS": self.address}

    def close(self) -> None:
        if self.daemon.poll() is None:
            self.daemon.terminate()
            self.daemon.wait(timeout=10)


class Remote:
    """voicecoach's media player, seen from the bus: call its methods, read its properties, and
    every signal it sent (PropertiesChanged, Seeked) in `signals`."""

    def __init__(self, address: str, name: str = NAME) -> None:
        from jeepney import DBusAddress, MatchRule, message_bus
        from jeepney.io.threading import DBusRouter, Proxy, open_dbus_connection

        self.router = DBusRouter(open_dbus_connection(address))
        self.name = name
        self.player = DBusAddress(PATH, bus_name=name, interface=PLAYER)
        self._bus = Proxy(message_bus, self.router, timeout=5)
        rule = MatchRule(type="signal", path=PATH)
        self._bus.AddMatch(rule)
        self.signals: queue.Queue = queue.Queue()
        self._filter = self.router.filter(rule, queue=self.signals)

    def wait_for_player(self, timeout_s: float = 60) -> None:
        deadline = time.monotonic() + timeout_s
        while not self._bus.NameHasOwner(self.name)[0]:
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.name} did not appear on the bus")
            time.sleep(0.02)

    def call(self, member: str, interface: str = PLAYER, signature: str | None = None, body: tuple = ()):
        from jeepney import DBusAddress, MessageType, new_method_call

        address = DBusAddress(PATH, bus_name=self.name, interface=interface)
        reply = self.router.send_and_get_reply(new_method_call(address, member, signature, body), timeout=5)
        if reply.header.message_type == MessageType.error:
            raise AssertionError(f"{member}: {reply.body}")
        return reply.body

    def get(self, prop: str, interface: str = PLAYER):
        ((_signature, value),) = self.call("Get", "org.freedesktop.DBus.Properties", "ss", (interface, prop))
        return value

    def all(self, interface: str = PLAYER) -> dict:
        (values,) = self.call("GetAll", "org.freedesktop.DBus.Properties", "s", (interface,))
        return {key: value for key, (_signature, value) in values.items()}

    def wait_until(self, prop: str, expected, timeout_s: float = 10.0):
        deadline = time.monotonic() + timeout_s
        while (value := self.get(prop)) != expected:
            if time.monotonic() > deadline:
                raise AssertionError(f"{prop} is {value!r}, not {expected!r}")
            time.sleep(0.02)
        return value

    def sent(self) -> list[tuple[str, tuple]]:
        """The signals received so far: (member, body)."""
        from jeepney import HeaderFields

        out = []
        while True:
            try:
                message = self.signals.get_nowait()
            except queue.Empty:
                return out
            out.append((message.header.fields.get(HeaderFields.member), message.body))

    def close(self) -> None:
        self._filter.close()
        self.router.close()
        self.router.conn.close()
