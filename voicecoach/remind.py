"""Reminders on the days a session is due: a desktop notification (org.freedesktop.Notifications
over the session D-Bus) from a systemd user timer voicecoach writes and enables, or, where there is
no systemd user session (a container, a phone), an iCalendar file to import into a calendar.

The timer runs `voicecoach remind --notify`, which notifies only when the plan has a session due
that day (a plan of "3 days a week" is reminded every day until the week's sessions are done).
What is written here is the units and the calendar; what is decided (due or not) is plan.py's.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from voicecoach.errors import OptionError, VoicecoachError, shown
from voicecoach.plan import WEEKDAYS, DAY_NAMES

UNIT = "voicecoach-reminder"
NOTIFICATIONS = "org.freedesktop.Notifications"
NOTIFY_TIMEOUT_MS = 0  # the notification stays until it is dismissed (the server's own rule for 0)


class RemindError(VoicecoachError):
    """A reminder could not be set, listed or removed: one line."""


def check_time(text: str) -> time:
    """HH:MM (24 hours), as --at takes it."""
    parts = text.strip().split(":")
    if len(parts) == 2 and all(part.isdigit() and 1 <= len(part) <= 2 for part in parts):
        hour, minute = int(parts[0]), int(parts[1])
        if hour < 24 and minute < 60:
            return time(hour, minute)
    raise OptionError(f"'{shown(text)}' is not a time of day; write it as HH:MM on the 24-hour clock, such as 07:30")


def check_days(text: str) -> tuple[int, ...]:
    """mon,wed,fri (any case, full names too) as weekday numbers, Monday 0."""
    days: list[int] = []
    for name in text.replace(" ", ",").split(","):
        if not name:
            continue
        day = DAY_NAMES.get(name.strip().lower().rstrip("."))
        if day is None:
            raise OptionError(f"'{shown(name)}' is not a day; days are {','.join(WEEKDAYS)}")
        if day not in days:
            days.append(day)
    if not days:
        raise OptionError(f"no days given; write them as {','.join(WEEKDAYS[:5:2])}")
    return tuple(sorted(days))


@dataclass(frozen=True)
class Reminder:
    at: time
    days: tuple[int, ...]  # Monday 0

    def calendar(self) -> str:
        """systemd's OnCalendar= for it: 'Mon,Wed,Fri *-*-* 07:30:00'."""
        names = ",".join(WEEKDAYS[day].capitalize() for day in self.days)
        return f"{names} *-*-* {self.at.hour:02d}:{self.at.minute:02d}:00"

    def describe(self) -> str:
        days = "every day" if len(self.days) == 7 else ", ".join(WEEKDAYS[day].capitalize() for day in self.days)
        return f"{days} at {self.at.hour:02d}:{self.at.minute:02d}"


# --- systemd ---------------------------------------------------------------------------------


def unit_dir() -> Path:
    """Where a user's own systemd units go: $XDG_CONFIG_HOME/systemd/user."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "systemd" / "user"


def notify_command() -> list[str]:
    """What the timer runs: this Python, this voicecoach."""
    return [sys.executable, "-m", "voicecoach", "remind", "--notify"]


def service_text(command: list[str]) -> str:
    environment = "".join(f"Environment={shlex.quote(f'{name}={os.environ[name]}')}\n"
                          for name in ("VOICECOACH_DATA_DIR", "VOICECOACH_CONFIG_DIR") if os.environ.get(name))
    return ("[Unit]\nDescription=voicecoach: a reminder when a session of your plan is due\n\n"
            f"[Service]\nType=oneshot\n{environment}ExecStart={shlex.join(command)}\n")


def timer_text(reminder: Reminder) -> str:
    return ("[Unit]\nDescription=voicecoach: the time of your exercise reminder\n\n"
            f"[Timer]\nOnCalendar={reminder.calendar()}\nPersistent=false\n\n"
            "[Install]\nWantedBy=timers.target\n")


def user_systemd() -> str | None:
    """None when a systemd user session can take a timer here, else why not (one phrase)."""
    if shutil.which("systemctl") is None:
        return "systemctl is not installed"
    try:
        state = subprocess.run(["systemctl", "--user", "is-system-running"], capture_output=True, text=True,
                               timeout=10).stdout.strip()
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"systemctl --user did not answer ({error})"
    if state in ("running", "degraded", "starting"):
        return None
    return f"there is no systemd user session here (systemctl --user says '{state or 'nothing'}')"


def _systemctl(*args: str) -> None:
    done = subprocess.run(["systemctl", "--user", *args], capture_output=True, text=True, timeout=30)
    if done.returncode != 0:
        raise RemindError(f"systemctl --user {' '.join(args)} failed: {shown(done.stderr.strip(), 120)}")


def write_units(reminder: Reminder, folder: Path | None = None) -> tuple[Path, Path]:
    """The service and the timer, written whole (files.write_atomic)."""
    from voicecoach.files import write_atomic

    folder = folder or unit_dir()
    service, timer = folder / f"{UNIT}.service", folder / f"{UNIT}.timer"
    try:
        write_atomic(service, service_text(notify_command()).encode())
        write_atomic(timer, timer_text(reminder).encode())
    except OSError as error:
        raise RemindError(f"{folder}: cannot write the reminder's units: {error.strerror or error}") from None
    return service, timer


def set_timer(reminder: Reminder) -> Path:
    why_not = user_systemd()
    if why_not is not None:
        raise RemindError(why_not)
    _, timer = write_units(reminder)
    _systemctl("daemon-reload")
    _systemctl("enable", "--now", f"{UNIT}.timer")
    return timer


def remove_timer(folder: Path | None = None) -> bool:
    """Disable and remove the timer and its service; whether there was one."""
    folder = folder or unit_dir()
    files = [folder / f"{UNIT}.service", folder / f"{UNIT}.timer"]
    if not any(path.exists() for path in files):
        return False
    if user_systemd() is None:
        subprocess.run(["systemctl", "--user", "disable", "--now", f"{UNIT}.timer"], capture_output=True, timeout=30)
    for path in files:
        try:
            path.unlink(missing_ok=True)
        except OSError as error:
            raise RemindError(f"{path}: cannot remove it: {error.strerror or error}") from None
    if user_systemd() is None:
        subprocess.run(["systemctl", "--user", "daemon-reload"], capture_output=True, timeout=30)
    return True


def current(folder: Path | None = None) -> str | None:
    """The reminder set, as its timer says it (OnCalendar), or None."""
    timer = (folder or unit_dir()) / f"{UNIT}.timer"
    try:
        text = timer.read_text(encoding="utf-8")
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("OnCalendar="):
            return line.split("=", 1)[1]
    return None


# --- the calendar file -----------------------------------------------------------------------


def calendar_bytes(reminder: Reminder, title: str, body: str, start: date, minutes: int = 20) -> bytes:
    """An iCalendar file: a weekly event on the reminder's days at its time (floating local time:
    the phone's own time zone), with an alarm at its start."""
    from icalendar import Alarm, Calendar, Event

    first = start
    while first.weekday() not in reminder.days:
        first += timedelta(days=1)
    begin = datetime.combine(first, reminder.at)
    calendar = Calendar()
    calendar.add("prodid", "-//voicecoach//reminder//EN")
    calendar.add("version", "2.0")
    event = Event()
    event.add("uid", f"{UNIT}@voicecoach")
    event.add("dtstamp", datetime.now().astimezone())
    event.add("summary", title)
    event.add("description", body)
    event.add("dtstart", begin)
    event.add("dtend", begin + timedelta(minutes=minutes))
    event.add("rrule", {"freq": "weekly", "byday": [WEEKDAYS[day][:2].upper() for day in reminder.days]})
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", title)
    alarm.add("trigger", timedelta(0))
    event.add_component(alarm)
    calendar.add_component(event)
    return calendar.to_ical()


# --- the notification ------------------------------------------------------------------------


def notify(summary: str, body: str) -> int:
    """A desktop notification on the session bus; the server's id for it."""
    try:
        from jeepney import DBusAddress, MessageType, new_method_call
        from jeepney.io.blocking import open_dbus_connection
    except ImportError:
        raise RemindError("the jeepney package is missing; reinstall voicecoach (bash scripts/setup.sh)") from None
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS") and not Path(f"/run/user/{os.getuid()}/bus").exists():
        raise RemindError("there is no session bus to send a notification on (DBUS_SESSION_BUS_ADDRESS is not set)")
    address = DBusAddress("/org/freedesktop/Notifications", bus_name=NOTIFICATIONS, interface=NOTIFICATIONS)
    try:
        with open_dbus_connection(bus="SESSION") as connection:
            reply = connection.send_and_get_reply(new_method_call(
                address, "Notify", "susssasa{sv}i",
                ("voicecoach", 0, "", summary, body, [], {}, NOTIFY_TIMEOUT_MS)), timeout=10)
    except (OSError, TimeoutError, ValueError) as error:
        raise RemindError(f"the notification could not be sent ({shown(str(error), 100)})") from None
    if reply.header.message_type == MessageType.error:
        raise RemindError(f"the notification was refused: {shown(str(reply.body[0] if reply.body else ''), 100)}")
    return int(reply.body[0])
