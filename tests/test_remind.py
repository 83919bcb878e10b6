"""Reminders (voicecoach/remind.py): the systemd units checked by systemd-analyze, the calendar file
read back by two readers, the notification sent on a private session bus and read there."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import threading
from datetime import date, time, timedelta

import pytest

from tests.bus import SessionBus, needs_bus
from voicecoach.remind import Reminder, timer_text, write_units

needs_systemd_analyze = pytest.mark.skipif(shutil.which("systemd-analyze") is None,
                                           reason="systemd-analyze is not installed")


def verify(tmp_path, *units) -> subprocess.CompletedProcess:
    runtime = tmp_path / "runtime"
    runtime.mkdir(mode=0o700, exist_ok=True)
    return subprocess.run(["systemd-analyze", "verify", "--user", "--man=no", *map(str, units)], capture_output=True,
                          text=True, env={**os.environ, "XDG_RUNTIME_DIR": str(runtime)}, timeout=60)


@needs_systemd_analyze
def test_the_units_written_pass_systemd_analyze_and_the_timer_fires_on_the_days_at_the_time(tmp_path):
    service, timer = write_units(Reminder(time(7, 30), (0, 2, 4)), tmp_path / "units")
    checked = verify(tmp_path, service, timer)
    assert checked.returncode == 0, checked.stderr
    assert "OnCalendar=Mon,Wed,Fri *-*-* 07:30:00" in timer.read_text()
    assert f"ExecStart={sys.executable} -m voicecoach remind --notify" in service.read_text()
    calendar = subprocess.run(["systemd-analyze", "calendar", "--iterations", "4", "Mon,Wed,Fri *-*-* 07:30:00"],
                              capture_output=True, text=True, timeout=30).stdout
    assert calendar.count("07:30:00") >= 4 and all(day in calendar for day in ("Mon", "Wed", "Fri"))
    # and the check can fail: a timer with a day that is not one is refused
    bad = timer.with_name("bad.timer")
    bad.write_text(timer_text(Reminder(time(7, 30), (0,))).replace("Mon", "Mun"))
    assert verify(tmp_path, bad).returncode != 0


def fake_systemctl(tmp_path, state: str = "running"):
    """systemctl for a machine with a systemd user session: answers is-system-running with `state`
    and writes every call down (the units it would load are checked by systemd-analyze above)."""
    folder = tmp_path / "bin"
    folder.mkdir()
    calls = tmp_path / "calls"
    script = folder / "systemctl"
    script.write_text(f'#!/bin/sh\necho "$@" >> {calls}\n[ "$2" = is-system-running ] && echo {state}\nexit 0\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return folder, calls


def test_remind_sets_and_enables_the_timer_lists_it_and_removes_it(run, tmp_path, monkeypatch):
    folder, calls = fake_systemctl(tmp_path)
    monkeypatch.setenv("PATH", f"{folder}:{os.environ['PATH']}")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    assert run("plan", "start").exit_code == 0
    done = run("remind", "--at", "7:30")  # the plan's days: 3 a week, so every day until they are done
    assert done.exit_code == 0, done.output
    units = tmp_path / "config" / "systemd" / "user"
    assert done.stdout.startswith("Reminder set: every day at 07:30, a desktop notification when a session is due, "
                                  f"from the systemd user timer {units / 'voicecoach-reminder.timer'}")
    assert calls.read_text().splitlines()[-2:] == ["--user daemon-reload", "--user enable --now voicecoach-reminder.timer"]
    again = run("remind", "--at", "18:05", "--days", "Monday,wed,FRI")
    assert again.exit_code == 0 and "Mon, Wed, Fri at 18:05" in again.stdout
    listed = run("remind", "--list")
    assert listed.stdout.startswith("Reminder: Mon,Wed,Fri *-*-* 18:05:00 (systemd user timer")
    off = run("remind", "--off")
    assert off.exit_code == 0 and off.stdout == "Reminder removed.\n"
    assert "--user disable --now voicecoach-reminder.timer" in calls.read_text()
    assert not list(units.iterdir())
    assert run("remind", "--off").stdout == "No reminder was set.\n"


def test_without_a_systemd_user_session_remind_says_so_and_how_to_get_a_calendar_file(run, tmp_path, monkeypatch,
                                                                                     assert_one_line_error):
    folder, _ = fake_systemctl(tmp_path, state="offline")
    monkeypatch.setenv("PATH", f"{folder}:{os.environ['PATH']}")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    line = assert_one_line_error(run("remind", "--at", "07:30"), 1, "there is no systemd user session here",
                                 "remind --at 07:30 --ics reminder.ics")
    assert line and not (tmp_path / "config").exists()


@pytest.mark.parametrize("args,words", [
    (["--at", "25:00"], "'25:00' is not a time of day"),
    (["--at", "7.30"], "'7.30' is not a time of day"),
    (["--at", "07:30", "--days", "mon,funday"], "'funday' is not a day"),
    (["--at", "07:30", "--ics", "reminder.txt"], "a calendar file ends in .ics"),
    (["--off", "--at", "07:30"], "--off goes alone"),
    ([], "give the time with --at HH:MM"),
])
def test_a_reminder_that_is_not_one_is_one_line(run, args, words, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    done = run("remind", *args)
    assert done.exit_code == 2 and words in done.stderr and len(done.stderr.splitlines()) == 1, done.stderr
    assert not list(tmp_path.iterdir())


def test_the_calendar_file_is_read_back_by_icalendar_and_by_vobject(run, tmp_path):
    import icalendar
    import vobject

    assert run("plan", "start").exit_code == 0
    path = tmp_path / "reminder.ics"
    done = run("remind", "--at", "07:30", "--days", "tue,thu", "--ics", str(path))
    assert done.exit_code == 0 and done.stdout.startswith(f"Calendar written: {path}, a reminder Tue, Thu at 07:30")
    data = path.read_bytes()
    (event,) = icalendar.Calendar.from_ical(data).walk("VEVENT")
    start = event.decoded("dtstart")
    assert (start.hour, start.minute) == (7, 30) and start.weekday() in (1, 3)
    assert date.today() <= start.date() < date.today() + timedelta(days=7)
    assert event["rrule"]["FREQ"] == ["WEEKLY"] and event["rrule"]["BYDAY"] == ["TU", "TH"]
    assert [alarm["action"] for alarm in event.walk("VALARM")] == ["DISPLAY"]
    second = vobject.readOne(data.decode("utf-8"))
    occurrences = list(second.vevent.getrruleset())[:4]
    assert [o.weekday() for o in occurrences] == ([1, 3, 1, 3] if start.weekday() == 1 else [3, 1, 3, 1])
    assert all((o.hour, o.minute) == (7, 30) for o in occurrences)
    assert "Beginning back exercise program" in second.vevent.description.value


class Notifications:
    """A desktop's notification server on a private bus: owns org.freedesktop.Notifications and
    keeps every Notify it is sent (app name, summary, body)."""

    def __init__(self, address: str) -> None:
        from jeepney.bus_messages import message_bus
        from jeepney.io.blocking import open_dbus_connection

        self.connection = open_dbus_connection(address)
        reply = self.connection.send_and_get_reply(message_bus.RequestName("org.freedesktop.Notifications"))
        assert reply.body[0] == 1  # the primary owner
        self.received: list[tuple[str, str, str]] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        from jeepney import HeaderFields, MessageType, new_method_return

        while True:
            try:
                message = self.connection.receive(timeout=30)
            except Exception:  # noqa: BLE001 - the connection closed: the test is over
                return
            if message.header.message_type != MessageType.method_call:
                continue
            if message.header.fields.get(HeaderFields.member) == "Notify":
                app, _replaces, _icon, summary, body, *_ = message.body
                self.received.append((app, summary, body))
                self.connection.send(new_method_return(message, "u", (len(self.received),)))

    def close(self) -> None:
        self.connection.close()


@needs_bus
def test_the_notification_is_sent_on_the_session_bus_when_a_session_is_due_and_not_when_done(run, tmp_path):
    bus = SessionBus()
    server = Notifications(bus.address)
    try:
        assert run("plan", "start").exit_code == 0
        env = bus.env(dict(os.environ))
        sent = subprocess.run([sys.executable, "-m", "voicecoach", "remind", "--notify"], env=env,
                              capture_output=True, text=True, timeout=60)
        assert sent.returncode == 0 and sent.stderr == "", sent.stderr
        assert server.received == [("voicecoach", "Time for your back exercises",
                                    "Beginning back exercise program is due today. 'voicecoach play' plays it.")]
        assert run("log", "beginning", "--pain-before", "2", "--pain-after", "1").exit_code == 0
        done_today = subprocess.run([sys.executable, "-m", "voicecoach", "remind", "--notify"], env=env,
                                    capture_output=True, text=True, timeout=60)
        assert done_today.returncode == 0 and len(server.received) == 1  # today's is done: nothing sent
    finally:
        server.close()
        bus.close()


def test_with_no_session_bus_the_notification_is_one_line(tmp_path, isolated_history):
    env = {key: value for key, value in os.environ.items() if key != "DBUS_SESSION_BUS_ADDRESS"}
    env["XDG_RUNTIME_DIR"] = str(tmp_path)
    done = subprocess.run([sys.executable, "-m", "voicecoach", "remind", "--notify"], env=env,
                          capture_output=True, text=True, timeout=60)
    if os.path.exists(f"/run/user/{os.getuid()}/bus"):
        pytest.skip("this machine has a session bus at its usual place")
    assert done.returncode == 1 and done.stderr.startswith("Error: there is no session bus") and \
        len(done.stderr.splitlines()) == 1, done.stderr
