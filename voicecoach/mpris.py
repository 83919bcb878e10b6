"""Hands-free control: while `play` runs, voicecoach is a media player on the D-Bus session bus
(MPRIS 2: org.mpris.MediaPlayer2 and org.mpris.MediaPlayer2.Player), so headset buttons, keyboard
media keys and the desktop's media widget (on the lock screen too) reach it.

jeepney, pure Python, is imported only when a session bus is there. A thread answers the bus: a
control (PlayPause, Next, ...) becomes a word in a queue that the play loop reads exactly as it
reads a key, and a byte on a pipe wakes that loop at once. Properties are answered from what the
play loop last published (`update`), which also sends PropertiesChanged and Seeked. Nothing here
is in the render or timing path.
"""

from __future__ import annotations

import os
import queue
import threading
import time

from voicecoach.player import NowPlaying

BUS_NAME = "org.mpris.MediaPlayer2.voicecoach"
PATH = "/org/mpris/MediaPlayer2"
ROOT = "org.mpris.MediaPlayer2"
PLAYER = "org.mpris.MediaPlayer2.Player"
PROPERTIES = "org.freedesktop.DBus.Properties"
INTROSPECTABLE = "org.freedesktop.DBus.Introspectable"
PEER = "org.freedesktop.DBus.Peer"
NO_TRACK = "/org/mpris/MediaPlayer2/TrackList/NoTrack"

# Calls that control the session, as the play loop reads them (see player.run).
CONTROLS = ("PlayPause", "Play", "Pause", "Next", "Previous", "Stop")

INTROSPECTION = f"""<!DOCTYPE node PUBLIC "-//freedesktop//DTD D-BUS Object Introspection 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd">
<node>
  <interface name="{INTROSPECTABLE}">
    <method name="Introspect"><arg name="xml_data" type="s" direction="out"/></method>
  </interface>
  <interface name="{PEER}">
    <method name="Ping"/>
    <method name="GetMachineId"><arg name="machine_uuid" type="s" direction="out"/></method>
  </interface>
  <interface name="{PROPERTIES}">
    <method name="Get">
      <arg name="interface_name" type="s" direction="in"/><arg name="property_name" type="s" direction="in"/>
      <arg name="value" type="v" direction="out"/>
    </method>
    <method name="GetAll">
      <arg name="interface_name" type="s" direction="in"/><arg name="properties" type="a{{sv}}" direction="out"/>
    </method>
    <method name="Set">
      <arg name="interface_name" type="s" direction="in"/><arg name="property_name" type="s" direction="in"/>
      <arg name="value" type="v" direction="in"/>
    </method>
    <signal name="PropertiesChanged">
      <arg name="interface_name" type="s"/><arg name="changed_properties" type="a{{sv}}"/>
      <arg name="invalidated_properties" type="as"/>
    </signal>
  </interface>
  <interface name="{ROOT}">
    <method name="Raise"/>
    <method name="Quit"/>
    <property name="CanQuit" type="b" access="read"/>
    <property name="CanRaise" type="b" access="read"/>
    <property name="HasTrackList" type="b" access="read"/>
    <property name="Identity" type="s" access="read"/>
    <property name="SupportedUriSchemes" type="as" access="read"/>
    <property name="SupportedMimeTypes" type="as" access="read"/>
  </interface>
  <interface name="{PLAYER}">
    <method name="Next"/>
    <method name="Previous"/>
    <method name="Pause"/>
    <method name="PlayPause"/>
    <method name="Stop"/>
    <method name="Play"/>
    <method name="Seek"><arg name="Offset" type="x" direction="in"/></method>
    <method name="SetPosition">
      <arg name="TrackId" type="o" direction="in"/><arg name="Position" type="x" direction="in"/>
    </method>
    <method name="OpenUri"><arg name="Uri" type="s" direction="in"/></method>
    <signal name="Seeked"><arg name="Position" type="x"/></signal>
    <property name="PlaybackStatus" type="s" access="read"/>
    <property name="Rate" type="d" access="readwrite"/>
    <property name="Metadata" type="a{{sv}}" access="read"/>
    <property name="Volume" type="d" access="readwrite"/>
    <property name="Position" type="x" access="read"/>
    <property name="MinimumRate" type="d" access="read"/>
    <property name="MaximumRate" type="d" access="read"/>
    <property name="CanGoNext" type="b" access="read"/>
    <property name="CanGoPrevious" type="b" access="read"/>
    <property name="CanPlay" type="b" access="read"/>
    <property name="CanPause" type="b" access="read"/>
    <property name="CanSeek" type="b" access="read"/>
    <property name="CanControl" type="b" access="read"/>
  </interface>
</node>
"""


def track_id(part: int) -> str:
    """The MPRIS track id of a part of the session (0 the opening, then each exercise, then the end)."""
    return f"/voicecoach/part/{part}"


def session_bus_address() -> str | None:
    """Where the session bus is, or None: DBUS_SESSION_BUS_ADDRESS, else the usual socket of a
    systemd user session."""
    address = os.environ.get("DBUS_SESSION_BUS_ADDRESS")
    if address:
        return address
    runtime = os.environ.get("XDG_RUNTIME_DIR") or f"/run/user/{os.getuid()}"
    socket = os.path.join(runtime, "bus")
    return f"unix:path={socket}" if os.path.exists(socket) else None


def why_not() -> str | None:
    """Why media keys and headset buttons cannot reach voicecoach here (None: they can)."""
    address = session_bus_address()
    if address is None:
        return "there is no D-Bus session bus here (DBUS_SESSION_BUS_ADDRESS is not set; a server, a container or SSH)"
    try:
        import jeepney  # noqa: F401
    except ImportError:
        return "the jeepney package is missing; reinstall voicecoach (bash scripts/setup.sh)"
    try:
        connection = _connect(address)
    except (OSError, ValueError, RuntimeError) as error:
        return f"the session bus at {address} cannot be reached ({error})"
    connection.close()
    return None


def _connect(address: str):
    from jeepney.io.threading import open_dbus_connection

    return open_dbus_connection(address, auth_timeout=1.0)


class MediaPlayer:
    """voicecoach on the session bus for one session; `start` gives None where there is no bus."""

    def __init__(self, connection, name: str, album: str):
        self.name = name
        self.album = album
        self.controls: queue.SimpleQueue[str] = queue.SimpleQueue()
        self._connection = connection
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        self._now: NowPlaying | None = None
        self._at = time.monotonic()  # when _now was published
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._serve, name="voicecoach-mpris", daemon=True)
        self._thread.start()

    @classmethod
    def start(cls, album: str) -> MediaPlayer | None:
        """On the session bus as org.mpris.MediaPlayer2.voicecoach (another voicecoach has that
        name: ...voicecoach.instance<pid>, as the specification suggests); None, silently, where
        there is no bus or it cannot be reached: play then works as without it."""
        address = session_bus_address()
        if address is None:
            return None
        try:
            from jeepney import DBusAddress, new_method_call
            from jeepney.io.threading import DBusRouter

            connection = _connect(address)
        except (ImportError, OSError, ValueError, RuntimeError):
            return None
        bus = DBusAddress("/org/freedesktop/DBus", bus_name="org.freedesktop.DBus", interface="org.freedesktop.DBus")
        owned = None
        try:
            # The router reads the connection only until it is closed; the player's own thread reads
            # it after that (both at once would race for the router's stop signal).
            with DBusRouter(connection) as router:
                for name in (BUS_NAME, f"{BUS_NAME}.instance{os.getpid()}"):
                    reply = router.send_and_get_reply(new_method_call(bus, "RequestName", "su", (name, 4)), timeout=2)
                    if reply.body and reply.body[0] == 1:  # the primary owner
                        owned = name
                        break
        except (OSError, ValueError, RuntimeError, TimeoutError):
            pass
        if owned is None:
            connection.close()
            return None
        return cls(connection, owned, album)

    def fileno(self) -> int:
        """Readable when a control is waiting in `controls`."""
        return self._wake_r

    def take(self) -> str | None:
        """The next control, if one came."""
        try:
            os.read(self._wake_r, 64)
        except BlockingIOError:
            pass
        try:
            return self.controls.get_nowait()
        except queue.Empty:
            return None

    def update(self, now: NowPlaying) -> None:
        """What the session is doing now, from the play loop: the properties that changed are
        signalled (PropertiesChanged), and a jump within a part (Seeked)."""
        with self._lock:
            before, self._now, self._at = self._now, now, time.monotonic()
        changed = {}
        if before is None or before.status != now.status:
            changed["PlaybackStatus"] = ("s", now.status)
        if before is None or (before.part, before.title, before.length_ms) != (now.part, now.title, now.length_ms):
            changed["Metadata"] = ("a{sv}", self._metadata(now))
        if before is None or before.can_next != now.can_next:
            changed["CanGoNext"] = ("b", now.can_next)
        if before is None or before.can_previous != now.can_previous:
            changed["CanGoPrevious"] = ("b", now.can_previous)
        if changed:
            self._signal(PROPERTIES, "PropertiesChanged", "sa{sv}as", (PLAYER, changed, []))
        if before is not None and before.jumps != now.jumps and before.part == now.part:
            self._signal(PLAYER, "Seeked", "x", (now.position_ms * 1000,))

    def close(self) -> None:
        """Off the bus (the name goes with the connection)."""
        try:
            self._connection.close()
        except OSError:
            pass
        self._thread.join(timeout=1)
        for fd in (self._wake_r, self._wake_w):
            try:
                os.close(fd)
            except OSError:
                pass

    # -- the bus thread --

    def _metadata(self, now: NowPlaying | None) -> dict:
        if now is None:
            return {"mpris:trackid": ("o", NO_TRACK)}
        metadata = {"mpris:trackid": ("o", track_id(now.part)), "xesam:title": ("s", now.title),
                    "xesam:album": ("s", self.album), "xesam:artist": ("as", ["voicecoach"])}
        if now.length_ms is not None:
            metadata["mpris:length"] = ("x", now.length_ms * 1000)
        return metadata

    def _properties(self, interface: str) -> dict | None:
        if interface == ROOT:
            return {"CanQuit": ("b", True), "CanRaise": ("b", False), "HasTrackList": ("b", False),
                    "Identity": ("s", "voicecoach"), "SupportedUriSchemes": ("as", []),
                    "SupportedMimeTypes": ("as", [])}
        if interface != PLAYER:
            return None
        with self._lock:
            now, at = self._now, self._at
        status, position_us = (now.status, now.position_ms * 1000) if now is not None else ("Stopped", 0)
        if now is not None and status == "Playing":  # it has played on since it was published
            position_us += round((time.monotonic() - at) * 1_000_000)
            if now.length_ms is not None:
                position_us = min(now.length_ms * 1000, position_us)
        can_next, can_previous = (now.can_next, now.can_previous) if now is not None else (False, False)
        return {"PlaybackStatus": ("s", status), "Rate": ("d", 1.0), "Metadata": ("a{sv}", self._metadata(now)),
                "Volume": ("d", 1.0), "Position": ("x", position_us), "MinimumRate": ("d", 1.0),
                "MaximumRate": ("d", 1.0), "CanGoNext": ("b", can_next), "CanGoPrevious": ("b", can_previous),
                "CanPlay": ("b", True), "CanPause": ("b", True), "CanSeek": ("b", False), "CanControl": ("b", True)}

    def _signal(self, interface: str, member: str, signature: str, body: tuple) -> None:
        from jeepney import DBusAddress, new_signal

        try:
            self._connection.send(new_signal(DBusAddress(PATH, interface=interface), member, signature, body))
        except OSError:
            pass  # the bus went away: the session goes on with the keyboard

    def _control(self, word: str) -> None:
        self.controls.put(word)
        try:
            os.write(self._wake_w, b"!")
        except OSError:
            pass

    def _serve(self) -> None:
        from jeepney import MessageType
        from jeepney.io.threading import ReceiveStopped

        while True:
            try:
                message = self._connection.receive()
            except (ReceiveStopped, OSError, ValueError):
                return
            if message.header.message_type == MessageType.method_call:
                try:
                    self._answer(message)
                except OSError:
                    return

    def _answer(self, call) -> None:
        from jeepney import HeaderFields, new_error, new_method_return

        fields = call.header.fields
        interface, member = fields.get(HeaderFields.interface), fields.get(HeaderFields.member)
        path = fields.get(HeaderFields.path)
        reply = None
        if path != PATH:
            reply = new_error(call, "org.freedesktop.DBus.Error.UnknownObject", "s", (f"no object {path}",))
        elif interface in (PLAYER, None) and member in CONTROLS:
            self._control(member)
            reply = new_method_return(call)
        elif interface in (PLAYER, None) and member in ("Seek", "SetPosition", "OpenUri"):
            reply = new_method_return(call)  # CanSeek is false, and there is nothing to open: no effect
        elif interface in (ROOT, None) and member == "Quit":
            self._control("Stop")
            reply = new_method_return(call)
        elif interface in (ROOT, None) and member == "Raise":
            reply = new_method_return(call)
        elif interface == INTROSPECTABLE and member == "Introspect":
            reply = new_method_return(call, "s", (INTROSPECTION,))
        elif interface == PEER and member == "Ping":
            reply = new_method_return(call)
        elif interface == PEER and member == "GetMachineId":
            reply = new_method_return(call, "s", (_machine_id(),))
        elif interface == PROPERTIES and member in ("Get", "GetAll", "Set"):
            reply = self._answer_properties(call, member)
        if reply is None:
            reply = new_error(call, "org.freedesktop.DBus.Error.UnknownMethod", "s",
                              (f"no method {member} in {interface}",))
        self._connection.send(reply)

    def _answer_properties(self, call, member: str):
        from jeepney import new_error, new_method_return

        interface = call.body[0]
        values = self._properties(interface)
        if values is None:
            return new_error(call, "org.freedesktop.DBus.Error.UnknownInterface", "s", (f"no interface {interface}",))
        if member == "GetAll":
            return new_method_return(call, "a{sv}", (values,))
        name = call.body[1]
        if name not in values:
            return new_error(call, "org.freedesktop.DBus.Error.UnknownProperty", "s", (f"no property {name}",))
        if member == "Get":
            return new_method_return(call, "v", (values[name],))
        if name in ("Rate", "Volume"):  # writable in the specification; voicecoach keeps its own
            return new_method_return(call)
        return new_error(call, "org.freedesktop.DBus.Error.PropertyReadOnly", "s", (f"{name} is read-only",))


def _machine_id() -> str:
    for path in ("/etc/machine-id", "/var/lib/dbus/machine-id"):
        try:
            with open(path, encoding="ascii") as handle:
                return handle.read().strip()
        except OSError:
            continue
    return ""
