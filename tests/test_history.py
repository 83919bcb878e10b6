"""The history: what it adds up to (days in a row, weeks), how it reads (the table, the JSON, the
pain chart), the check-ins' answers it keeps, a history written by an older voicecoach brought up
to date without losing a row, `play --resume`, and a history that is locked, read-only or damaged
never stopping a session. How each way a session ends is recorded is tested where those endings
are, in test_player.py, through the real sink; `voicecoach log` in test_log.py."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shlex
import shutil
import sqlite3
import subprocess
import sys
import textwrap
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from tests.fakes import fake_environment
from tests.readonly import needs_read_only, needs_small_disk, on_small_disk, read_only
from tests.samples import QUICK
from tests.sink import needs_sink
from voicecoach.checkin import Hurt
from voicecoach.errors import OptionError
from voicecoach.history import (
    HistoryError,
    Record,
    history_path,
    last_session,
    pain_chart,
    program_key,
    record,
    sessions,
    set_next_morning,
    summary,
    summary_lines,
    table,
)
from voicecoach.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
V1_DB, V1_SQL = ROOT / "tests" / "data" / "history-v1.db", ROOT / "tests" / "data" / "history-v1.sql"
V1_COLUMNS = ("id", "kind", "started", "ended", "program", "title", "program_hash", "settings", "only", "exercises",
              "start_index", "completed", "place", "stopped_index", "stopped_name", "position_ms", "length_ms",
              "listened_ms", "ending", "resumes", "output")  # as tests/data/history-v1.sql makes them

QUICK_SETUP_0 = QUICK.replace("title: Quick\n", "title: Quick\nsetup: 0\n")  # 5 s shorter
ZONE = timezone(timedelta(hours=1))
NOW = datetime(2026, 11, 25, 20, 0, tzinfo=ZONE)  # a Wednesday evening


def entry(started: datetime | None = None, completed: int = 2, kind: str = "play", minutes: float = 10,
          ending: str = "finished", **more) -> Record:
    stopped = ending not in ("finished", "exported")
    started = started or datetime.now(timezone.utc) - timedelta(hours=2)  # before anything the test plays
    values = dict(kind=kind, started=started, ended=started + timedelta(minutes=minutes), program="beginning",
                  title="Beginning back exercise program", program_hash="0123456789abcdef",
                  settings=Settings(engine="espeak"), only=(), exercises=6, start_index=0, completed=completed,
                  place="exercise" if stopped else "closing", stopped_index=2 if stopped else None,
                  stopped_name="Abdominal contraction" if stopped else None, position_ms=round(minutes * 60_000),
                  length_ms=15 * 60_000, listened_ms=0 if kind == "export" else round(minutes * 60_000),
                  ending=ending)
    values.update(more)
    return Record(**values)


def days_ago(days: int, hour: int = 8) -> datetime:
    return (NOW - timedelta(days=days)).replace(hour=hour, minute=0)


# --- what it adds up to ---------------------------------------------------------------------------


@pytest.mark.parametrize("days, expected", [
    ([0, 1, 2], 3),
    ([1, 2], 2),  # none yet today: the streak still stands until the day is over
    ([0, 2, 3], 1),
    ([2, 3], 0),
    ([], 0),
])
def test_days_in_a_row_count_back_from_today_or_yesterday(days, expected):
    entries = [entry(days_ago(day)) for day in days] + [entry(days_ago(0, hour=7))] * (0 in days)
    assert summary(entries, NOW).days_in_a_row == expected


def test_a_day_counts_once_an_exercise_was_done_and_exports_do_not_count():
    entries = [entry(days_ago(0)), entry(days_ago(1), completed=0, ending="quit"),
               entry(days_ago(1), kind="export", ending="exported"), entry(days_ago(2))]
    total = summary(entries, NOW)
    assert total.days_in_a_row == 1
    assert total.this_week.sessions == 2  # today's and Monday's; not the one stopped before an exercise
    assert total.this_week.minutes == 30  # the time listened counts, done or not; an export's none


def test_weeks_run_monday_to_sunday_in_local_time():
    monday_just_after_midnight = datetime(2026, 11, 23, 0, 30, tzinfo=ZONE)  # still Sunday in UTC
    sunday = datetime(2026, 11, 22, 18, 0, tzinfo=ZONE)
    two_weeks_ago = datetime(2026, 11, 15, 18, 0, tzinfo=ZONE)
    entries = [entry(monday_just_after_midnight.astimezone(timezone.utc), minutes=12),
               entry(sunday, minutes=20), entry(sunday - timedelta(days=6), minutes=5),
               entry(two_weeks_ago, minutes=40)]
    total = summary(entries, NOW)
    assert (total.this_week.sessions, total.this_week.minutes) == (1, 12)
    assert (total.last_week.sessions, total.last_week.minutes) == (2, 25)
    assert summary_lines(total) == ["Days in a row: 0.",
                                    "This week: 1 session, 12 min. Last week: 2 sessions, 25 min."]


def test_a_resumed_session_counts_once_with_the_one_it_went_on_from():
    first = entry(days_ago(0, 7), ending="interrupted", minutes=6, id=1)
    second = entry(days_ago(0, 8), resumes=1, minutes=9, id=2)
    third = entry(days_ago(0, 9), minutes=15, id=3)
    total = summary([third, second, first], NOW)
    assert total.this_week.sessions == 2 and total.this_week.minutes == 30 and total.total_sessions == 2


# --- kept in SQLite ------------------------------------------------------------------------------


def test_records_are_kept_whole_and_read_back_newest_first(tmp_path):
    path = tmp_path / "history.db"
    entries = [entry(days_ago(2)), entry(days_ago(1), ending="quit", settings=Settings(pace=0.5, language="de")),
               entry(days_ago(0), kind="export", ending="exported", output="/tmp/b.mp3")]
    ids = [record(e, path) for e in entries]
    read = sessions(path=path)
    assert [r.id for r in read] == ids[::-1]
    assert [replace(r, id=None) for r in read] == entries[::-1]
    assert read[1].settings == Settings(pace=0.5, language="de") and read[1].unfinished
    assert sessions(limit=1, path=path)[0].kind == "export"
    with sqlite3.connect(path) as connection:  # a plain SQLite file other tools can read
        assert connection.execute("SELECT count(*), max(listened_ms) FROM sessions").fetchone() == (3, 600_000)


def test_no_history_yet_reads_as_none_and_creates_nothing(tmp_path):
    assert sessions(path=tmp_path / "history.db") == []
    assert not (tmp_path / "history.db").exists()


def hold_write_lock(path):
    """Another process that holds the history's write lock until told to let go."""
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sqlite3, sys
            connection = sqlite3.connect({str(path)!r}, isolation_level=None)
            connection.execute("BEGIN EXCLUSIVE")
            print("locked", flush=True)
            sys.stdin.readline()
        """)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "locked"
    return holder


def test_a_locked_history_is_one_plain_history_error(tmp_path):
    path = tmp_path / "history.db"
    record(entry(), path)
    holder = hold_write_lock(path)
    try:
        with pytest.raises(HistoryError, match="another voicecoach is writing to the history"):
            record(entry(), path)
    finally:
        holder.communicate("\n")
    assert len(sessions(path=path)) == 1  # nothing half-written


def test_a_damaged_history_says_so_and_history_is_one_line(isolated_history, run, assert_one_line_error):
    history_path().write_bytes(b"not a database at all " * 100)
    with pytest.raises(HistoryError, match="damaged; move it away to start a new history"):
        record(entry())
    assert_one_line_error(run("history"), 1, str(history_path()), "damaged")
    assert_one_line_error(run("play", "--resume"), 1, "damaged")


def test_a_row_with_a_bad_date_is_left_out_and_counted_never_hiding_the_good_ones(isolated_history, run):
    now = datetime.now().astimezone()
    record(entry(now - timedelta(days=1), minutes=15))
    bad = record(entry(now - timedelta(hours=3), ending="interrupted", minutes=4, completed=1))
    record(entry(now - timedelta(hours=1), ending="quit", minutes=5, completed=1))
    with sqlite3.connect(history_path()) as connection:  # as a hand edit or another tool might leave it
        connection.execute("UPDATE sessions SET started = 'yesterday-ish' WHERE id = ?", (bad,))
    assert [s.listened_ms for s in sessions()] == [5 * 60_000, 15 * 60_000]
    result = run("history")
    assert result.exit_code == 0, result.output
    assert result.stderr == ("Note: 1 row of the history could not be read (a bad date or value) and is left "
                             f"out; the others are all here ({history_path()}).\n")
    lines = result.stdout.splitlines()
    assert lines[1].endswith("  5:00   1/6  stopped (q) in exercise 3 (Abdominal contraction)")
    assert lines[2].endswith("  15:00   2/6  finished") and lines[4] == "Days in a row: 2."
    assert len(json.loads(run("history", "--json").stdout)["sessions"]) == 2
    # play --resume goes on with the newest play it can read
    from voicecoach.history import last_play

    assert last_play().ending == "quit"


def test_an_export_is_recorded_as_an_export(tmp_path, write_program, run):
    program = write_program(QUICK)
    out = tmp_path / "quick.ogg"
    result = run("export", str(program), "-o", str(out), "--engine", "espeak", "--pace", "2")
    assert result.exit_code == 0, result.output
    (exported,) = sessions()
    assert (exported.kind, exported.ending, exported.output, exported.listened_ms) == ("export", "exported", str(out), 0)
    assert exported.settings == Settings(pace=2, engine="espeak") and exported.title == "Quick"
    assert summary([exported], datetime.now().astimezone()).this_week.sessions == 0
    assert run("history").stdout.splitlines()[1].endswith("  Quick           -     -  exported to quick.ogg")


# --- voicecoach history ----------------------------------------------------------------------------


def test_history_lists_sessions_with_the_summary(isolated_history, run):
    now = datetime.now().astimezone()
    record(entry(now - timedelta(days=1), minutes=15.5))
    record(entry(now - timedelta(hours=1), ending="interrupted", minutes=3, completed=1))
    record(entry(now - timedelta(minutes=10), kind="export", ending="exported", output="/tmp/b.mp3"))
    result = run("history")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["When", "Program", "Listened", "Done", "How", "it", "ended"]
    assert lines[1].endswith("  -  exported to b.mp3")
    assert lines[2].endswith("  3:00   1/6  stopped (Ctrl-C) in exercise 3 (Abdominal contraction)")
    assert lines[3].endswith("  15:30   2/6  finished")
    assert lines[5] == "Days in a row: 2."
    assert lines[6].startswith("This week: ")
    limited = run("history", "--limit", "1").stdout.splitlines()
    assert len(limited) == 2 + 1 + 3 and limited[2] == "(2 older; --limit 0 lists them all)"


def test_history_json_is_for_other_tools(isolated_history, run):
    record(entry(datetime.now().astimezone(), settings=Settings(pace=0.8)))
    data = json.loads(run("history", "--json").stdout)
    assert data["file"] == str(history_path())
    assert data["summary"]["days_in_a_row"] == 1 and data["summary"]["this_week"]["sessions"] == 1
    (only,) = data["sessions"]
    assert only["settings"]["pace"] == 0.8 and only["ending"] == "finished" and only["id"] == 1
    datetime.fromisoformat(only["started"])


def test_an_empty_history_says_how_to_start(run):
    result = run("history")
    assert result.exit_code == 0 and result.stdout.startswith("No sessions yet: 'voicecoach play beginning'")


# --- the check-ins' answers -------------------------------------------------------------------------


def test_the_answers_are_kept_whole_and_a_logged_session_counts(tmp_path):
    path = tmp_path / "history.db"
    answered = entry(days_ago(1), ending="hurt", completed=1, stopped_index=1, stopped_name="Heel slides",
                     pain_before=3, pain_after=6, hurt=Hurt(1, "Heel slides", "end"), left_out=["Wall squat"])
    logged = entry(days_ago(0), kind="logged", pain_before=0, pain_after=10, next_morning="better")
    for one in (answered, logged):
        record(one, path)
    assert [replace(r, id=None) for r in sessions(path=path)] == [logged, answered]
    assert sessions(path=path)[1].left_out == ("Wall squat",)  # a list given is kept as a tuple
    assert summary([logged], NOW).this_week.sessions == 1 and summary([logged], NOW).days_in_a_row == 1


@pytest.mark.parametrize("bad", [{"pain_before": 11}, {"pain_after": -1}, {"pain_before": "four"},
                                 {"next_morning": "fine"}, {"hurt": "Heel slides"}])
def test_a_record_with_an_answer_out_of_its_scale_is_refused(bad):
    with pytest.raises(OptionError):
        entry(**bad)


@pytest.mark.parametrize("column, value", [("pain_before", 11), ("pain_after", -1), ("pain_before", "four"),
                                           ("pain_after", 4.5), ("next_morning", "fine"), ("hurt_chose", "maybe"),
                                           ("kind", "walk")])
def test_the_table_refuses_answers_out_of_their_scale_from_other_tools(tmp_path, column, value):
    path = tmp_path / "history.db"
    first = record(entry(pain_before=3), path)
    with contextlib.closing(sqlite3.connect(path)) as connection, pytest.raises(sqlite3.IntegrityError, match="CHECK"):
        connection.execute(f"UPDATE sessions SET {column} = ? WHERE id = ?", (value, first))
    assert sessions(path=path)[0].pain_before == 3


def test_the_next_morning_is_kept_with_the_session_it_follows(tmp_path):
    path = tmp_path / "history.db"
    first, second = record(entry(days_ago(1)), path), record(entry(days_ago(0)), path)
    set_next_morning(first, "worse", path)
    assert [r.next_morning for r in sessions(path=path)] == [None, "worse"]
    with pytest.raises(HistoryError, match="there is no session 99 in the history"):
        set_next_morning(99, "better", path)
    with pytest.raises(OptionError, match="better, same or worse"):
        set_next_morning(second, "fine", path)


def test_the_next_morning_of_a_locked_history_is_a_history_error_and_changes_nothing(tmp_path):
    path = tmp_path / "history.db"
    first = record(entry(), path)
    holder = hold_write_lock(path)
    try:
        with pytest.raises(HistoryError, match="another voicecoach is writing to the history"):
            set_next_morning(first, "better", path)
    finally:
        holder.communicate("\n")
    assert sessions(path=path)[0].next_morning is None


def test_the_last_session_of_a_program_is_a_play_or_a_logged_one_never_an_export(tmp_path):
    path = tmp_path / "history.db"
    assert last_session("beginning", path) is None
    played = record(entry(days_ago(3)), path)
    assert last_session("beginning", path).id == played
    logged = record(entry(days_ago(2), kind="logged"), path)
    record(entry(days_ago(1), kind="export", ending="exported", output="/tmp/b.mp3"), path)
    record(entry(days_ago(0), program="intermediate", title="Intermediate"), path)
    assert last_session("beginning", path).id == logged
    assert last_session("advanced", path) is None


# --- a history written by today's voicecoach (schema version 1) -------------------------------------


def v1_rows(path) -> list[tuple]:
    with contextlib.closing(sqlite3.connect(path)) as connection:
        return connection.execute(f"SELECT {', '.join(V1_COLUMNS)} FROM sessions ORDER BY id").fetchall()


def user_version(path) -> int:
    with contextlib.closing(sqlite3.connect(path)) as connection:
        return connection.execute("PRAGMA user_version").fetchone()[0]


def digest(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def test_the_version_1_fixture_is_what_its_sql_says():
    made = sqlite3.connect(":memory:")
    made.executescript(V1_SQL.read_text(encoding="utf-8"))
    with contextlib.closing(sqlite3.connect(V1_DB)) as kept:
        assert list(kept.iterdump()) == list(made.iterdump())
    assert user_version(V1_DB) == 1 and len(v1_rows(V1_DB)) == 6
    assert {row[V1_COLUMNS.index("ending")] for row in v1_rows(V1_DB)} == {"finished", "quit", "interrupted",
                                                                           "failed", "exported"}


def test_a_version_1_history_is_read_as_it_is_and_migrates_on_the_first_write_keeping_every_row(run):
    path = history_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(V1_DB, path)
    old_rows, old_digest = v1_rows(path), digest(path)
    read = sessions()
    assert [r.id for r in read] == [6, 5, 4, 3, 2, 1] and digest(path) == old_digest  # reading changes nothing
    assert all((r.pain_before, r.pain_after, r.next_morning, r.hurt, r.left_out) == (None, None, None, None, ())
               for r in read)
    new = record(entry(kind="logged", pain_before=4, pain_after=2))
    assert new == 7 and user_version(path) == 2
    assert v1_rows(path)[:6] == old_rows  # every old field of every row, exactly
    with contextlib.closing(sqlite3.connect(path)) as connection:
        added = connection.execute("SELECT pain_before, pain_after, next_morning, hurt_index, hurt_name, hurt_chose, "
                                   "left_out FROM sessions ORDER BY id").fetchall()
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        tables = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    assert added[:6] == [(None, None, None, None, None, None, "[]")] * 6 and added[6][:2] == (4, 2)
    assert tables == [("sessions",)]
    assert [replace(r, id=None) for r in sessions()[1:]] == [replace(r, id=None) for r in read]
    listed = run("history", "--limit", "0").stdout.splitlines()
    assert len(listed) == 1 + 7 + 3 and "logged: finished" in listed[1] and listed[2].endswith("  finished")
    assert listed[5].endswith("  -     -          exported to beginning.mp3")


def test_a_history_written_by_a_newer_voicecoach_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "history.db"
    shutil.copyfile(V1_DB, path)
    with contextlib.closing(sqlite3.connect(path)) as connection:
        connection.execute("PRAGMA user_version = 3")
    before = digest(path)
    with pytest.raises(HistoryError, match="written by a newer voicecoach"):
        record(entry(), path)
    with pytest.raises(HistoryError, match="written by a newer voicecoach"):
        sessions(path=path)
    assert digest(path) == before


def test_a_locked_version_1_history_is_left_as_it_was_and_the_session_still_plays(played, write_program):
    path = history_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(V1_DB, path)
    before = digest(path)
    holder = hold_write_lock(path)
    try:
        result = played(str(write_program(QUICK)), "--engine", "espeak", "--quiet")
    finally:
        holder.communicate("\n")
    assert result.exit_code == 0, result.output
    (note,) = result.stderr.splitlines()
    assert note.startswith("Note: this session is not in your history (") and "another voicecoach" in note
    assert digest(path) == before and len(sessions()) == 6


@needs_read_only
def test_a_read_only_version_1_history_still_lists_and_a_write_to_it_is_one_line(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    shutil.copyfile(V1_DB, folder / "history.db")
    before = digest(folder / "history.db")
    env = {**os.environ, "VOICECOACH_DATA_DIR": str(folder)}
    command = [sys.executable, "-m", "voicecoach"]
    listed = subprocess.run(read_only(folder, command + ["history", "--json"]), env=env, capture_output=True,
                            text=True, timeout=60, check=False)
    assert listed.returncode == 0, listed.stderr
    data = json.loads(listed.stdout)["sessions"]
    assert len(data) == 6 and all(s["check_in"] == {"before": None, "after": None, "next_morning": None}
                                  and s["hurt"] is None and s["left_out"] == [] for s in data)
    logged = subprocess.run(read_only(folder, command + ["log", "beginning", "--pain-before", "3", "--pain-after",
                                                         "2"]), env=env, capture_output=True, text=True, timeout=60,
                            check=False)
    assert logged.returncode == 1 and not logged.stdout
    (line,) = logged.stderr.splitlines()
    assert line.startswith(f"Error: {folder / 'history.db'}: ") and "read-only" in line, line
    assert digest(folder / "history.db") == before and sorted(os.listdir(folder)) == ["history.db"]


@needs_small_disk
def test_a_version_1_history_on_a_full_disk_is_left_byte_identical_and_still_lists(tmp_path):
    disk = tmp_path / "disk"
    script = (f'cp {shlex.quote(str(V1_DB))} "$DISK/history.db" && sha256sum "$DISK/history.db" > "$DISK/sum" && '
              'cat /dev/zero > "$DISK/filler" 2>/dev/null; '
              '$VC log beginning --pain-before 3 --pain-after 2; echo "log exit $?"; '
              '$VC history --limit 0; echo "history exit $?"; rm "$DISK/filler"; '
              'sha256sum -c "$DISK/sum" >/dev/null && echo identical; '
              'python3 -c "import sqlite3, sys; print(\'version\', sqlite3.connect(sys.argv[1]).execute('
              '\'PRAGMA user_version\').fetchone()[0])" "$DISK/history.db"; ls "$DISK"')
    done = on_small_disk(disk, 64, script, env={**os.environ, "VOICECOACH_DATA_DIR": str(disk)})
    out = done.stdout.splitlines()
    assert out[0] == "log exit 1" and "history exit 0" in out, (done.stdout, done.stderr)
    (line,) = done.stderr.splitlines()  # the log's one line; history, reading, says nothing
    assert line == f"Error: {disk / 'history.db'}: the history cannot be written (the disk is full)"
    listed = out[1:out.index("history exit 0")]
    assert listed[0].startswith("When") and len([line for line in listed if "Beginning back" in line]) == 6
    # the file as it was, user_version too (it went back with the transaction), and no journal left
    assert out[-4:] == ["identical", "version 1", "history.db", "sum"]


def test_sessions_ending_at_once_on_a_version_1_history_migrate_it_once_and_are_all_recorded(tmp_path):
    path = tmp_path / "history.db"
    shutil.copyfile(V1_DB, path)
    writer = textwrap.dedent(f"""
        import sys
        from dataclasses import replace
        from pathlib import Path
        from voicecoach.history import record, sessions
        newest = sessions(path=Path({str(V1_DB)!r}))[0]  # a session as voicecoach 0.1 kept it, once more
        record(replace(newest, pain_before=int(sys.argv[1]), resumes=None), Path({str(path)!r}))
    """)
    writers = [subprocess.Popen([sys.executable, "-c", writer, str(pain)], cwd=ROOT, stderr=subprocess.PIPE, text=True)
               for pain in range(4)]
    assert [process.wait(timeout=60) for process in writers] == [0] * 4, [p.stderr.read() for p in writers]
    assert user_version(path) == 2 and v1_rows(path)[:6] == v1_rows(V1_DB)
    assert sorted(r.pain_before for r in sessions(path=path) if r.id > 6) == [0, 1, 2, 3]


def test_a_version_1_history_of_ten_thousand_rows_migrates_whole(tmp_path):
    path = tmp_path / "history.db"
    shutil.copyfile(V1_DB, path)
    with contextlib.closing(sqlite3.connect(path)) as connection, connection:
        columns = ", ".join(V1_COLUMNS[1:])
        for n in range(10_000 - 6):
            connection.execute(f"INSERT INTO sessions ({columns}) SELECT {columns} FROM sessions WHERE id = ?",
                               (n % 6 + 1,))
    old_rows = v1_rows(path)
    assert record(entry(pain_before=2, pain_after=1), path) == 10_001
    assert user_version(path) == 2 and v1_rows(path)[:10_000] == old_rows
    assert len(sessions(path=path)) == 10_001 and sessions(limit=1, path=path)[0].pain_after == 1


# --- how it reads: the table, the JSON, the chart ----------------------------------------------------


def test_history_shows_pain_before_and_after_and_marks_a_stop_for_pain():
    entries = [
        entry(days_ago(0, 9), ending="hurt", completed=1, stopped_index=1, stopped_name="Heel slides",
              pain_before=3, pain_after=6, hurt=Hurt(1, "Heel slides", "end")),
        entry(days_ago(1), pain_before=4, pain_after=2, hurt=Hurt(1, "Heel slides", "next")),
        entry(days_ago(2), pain_after=2),
        entry(days_ago(3), kind="logged", pain_before=10, pain_after=10),
        entry(days_ago(4), kind="logged", ending="hurt", completed=3, stopped_index=3, stopped_name="Wall squat",
              hurt=Hurt(3, "Wall squat")),
        entry(days_ago(5), kind="export", ending="exported", output="/tmp/b.mp3"),
    ]
    lines = table(entries, NOW)
    assert lines[0].split() == ["When", "Program", "Listened", "Done", "Pain", "How", "it", "ended"]
    assert lines[1].endswith("  10:00   1/6    3 -> 6  stopped for pain in exercise 2 (Heel slides)")
    assert lines[2].endswith("  10:00   2/6    4 -> 2  finished; hurt in exercise 2 (Heel slides)")
    assert lines[3].endswith("  10:00   2/6    - -> 2  finished")
    assert lines[4].endswith(" ~10:00   2/6  10 -> 10  logged: finished")  # ~: its length, not heard here
    assert lines[5].endswith(" ~10:00   3/6            logged: stopped for pain in exercise 4 (Wall squat)")
    assert lines[6].endswith("      -     -            exported to b.mp3")
    # with no pain rating among them, no Pain column: the table reads as before check-ins
    assert table(entries[5:], NOW)[0].split() == ["When", "Program", "Listened", "Done", "How", "it", "ended"]


def test_history_json_gives_each_sessions_check_in_hurt_and_left_out(run):
    now = datetime.now().astimezone()
    record(entry(now - timedelta(hours=2), ending="hurt", pain_before=3, pain_after=5,
                 hurt=Hurt(1, "Heel slides", "end"), left_out=("Wall squat",)))
    record(entry(now - timedelta(hours=1), kind="logged", next_morning="same"))
    newest, older = json.loads(run("history", "--json").stdout)["sessions"]
    assert newest["check_in"] == {"before": None, "after": None, "next_morning": "same"}
    assert newest["hurt"] is None and newest["left_out"] == [] and newest["kind"] == "logged"
    assert older["check_in"] == {"before": 3, "after": 5, "next_morning": None}
    assert older["hurt"] == {"number": 2, "name": "Heel slides", "chose": "end"} and older["left_out"] == ["Wall squat"]
    assert older["ending"] == "hurt" and older["id"] == 1


def test_the_json_docs_describe_every_key_of_a_session_and_of_the_whole():
    text = (ROOT / "docs" / "history-json.md").read_text(encoding="utf-8")
    session = entry(hurt=Hurt(0, "Ankle pumps"), id=1).to_json()
    keys = set(session) | set(session["check_in"]) | set(session["hurt"]) | set(session["settings"])
    keys |= {"file", "summary", "sessions", "days_in_a_row", "this_week", "last_week", "total_sessions", "minutes"}
    documented = set(re.findall(r"^\| `(\w+)` \|", text, re.MULTILINE))
    assert keys - documented == set() and documented - keys == set()
    example = json.loads(re.search(r"```json\n(.*?)```", text, re.DOTALL).group(1))
    assert set(example["sessions"][0]) == set(session)


def rated(days: int, before: int | None, after: int | None, **more) -> Record:
    return entry(days_ago(days), pain_before=before, pain_after=after, **more)


def test_the_pain_chart_draws_before_and_after_as_bars_one_pair_a_session():
    entries = [rated(0, 2, 1), rated(2, None, 3), rated(3, 0, 0), rated(5, 5, 7),
               entry(days_ago(1)),  # not answered: not in the chart
               rated(40, 9, 9)]  # older than the chart's 4 weeks
    lines = pain_chart(entries, NOW)
    assert lines[0] == "Pain before and after each session, the last 4 weeks (4 sessions, 20 Nov to 25 Nov):"
    bars = lines[1:12]
    assert [line[:4] for line in bars] == [f"{level:>2} │" for level in range(10, -1, -1)]
    assert bars[10 - 7] == " 7 │ █"  # the top of the 7 after on 20 Nov
    assert bars[10 - 5] == " 5 │▒█"
    assert bars[10 - 3] == " 3 │▒█     █"  # 22 Nov: after only; 23 Nov: 0 and 0 below
    assert bars[10 - 2] == " 2 │▒█     █ ▒"
    assert bars[10 - 1] == " 1 │▒█     █ ▒█"
    assert bars[10 - 0] == " 0 │▒█ ▒█  █ ▒█"  # an answered 0 is a bar on the 0 row; no answer, none
    assert lines[12] == "   └" + "─" * 12
    assert lines[13] == "    20 22 23 25"
    assert lines[14].startswith("▒ before  █ after: a bar's top is the rating")
    assert lines[15] == "On average: 2.3 before, 2.8 after."
    assert pain_chart(entries, NOW, weeks=1)[0].endswith("(4 sessions, 20 Nov to 25 Nov):")
    assert pain_chart(entries, NOW, weeks=6)[0].endswith("(5 sessions, 16 Oct to 25 Nov):")
    assert pain_chart([entry(days_ago(0))], NOW) == []


def test_the_pain_chart_fits_the_terminal_with_the_newest_sessions():
    entries = [rated(day % 25, day % 11, (day + 3) % 11) for day in range(25)]
    lines = pain_chart(entries, NOW, width=40)
    assert max(len(line) for line in lines[1:14]) <= 40 and lines[13].endswith("25")  # the newest
    assert lines[0] == "Pain before and after each session, the last 4 weeks (the newest 12 of 25 sessions, 14 Nov to 25 Nov):"


def test_history_pain_prints_the_chart_or_one_line_when_there_is_nothing_to_chart(run, assert_one_line_error):
    result = run("history", "--pain")
    assert result.exit_code == 0 and result.stdout.splitlines() == [(
        "No pain ratings in the last 4 weeks: a session with a check-in keeps them, and so does "
        "'voicecoach log PROGRAM --pain-before N --pain-after N'.")]
    now = datetime.now().astimezone()
    record(entry(now - timedelta(days=10), pain_before=6, pain_after=4))
    assert run("history", "--pain", "--weeks", "1").stdout.startswith("No pain ratings in the last 1 week:")
    lines = run("history", "--pain", "--weeks", "2").stdout.splitlines()
    assert lines[0].startswith("Pain before and after each session, the last 2 weeks (1 session,")
    assert lines[1 + 10 - 6] == " 6 │▒" and lines[1 + 10 - 4] == " 4 │▒█"
    assert_one_line_error(run("history", "--pain", "--json"), 2, "--pain draws a chart, --json gives the data")
    assert_one_line_error(run("history", "--weeks", "2"), 2, "--weeks goes with --pain")
    assert_one_line_error(run("history", "--pain", "--weeks", "0"), 2, "--weeks")


# --- play --resume -----------------------------------------------------------------------------------


@pytest.fixture
def played(run):
    """`voicecoach play ARGS` without sound: in an environment (tests/fakes.py) whose q is pressed at
    the first moment, as a listener might; what play records and prints around it is the real thing.
    played.starts: where each session started, as its media keys saw it first (part, title, position)."""

    class Played:
        def __init__(self):
            self.starts = []

        def __call__(self, *args: str):
            env = fake_environment(presses=["q"])
            result = run("play", *args, obj={"environment": env})
            self.starts += [env.shown[-1].seen[0]] if env.shown and env.shown[-1].seen else []
            return result

    return Played()


def test_resume_goes_on_at_the_exercise_with_the_program_and_settings(played):
    first = record(entry(program="intermediate", title="Intermediate", exercises=2, stopped_index=1,
                         stopped_name="Hamstring stretch", ending="quit",
                         settings=Settings(pace=0.5, engine="espeak", quiet_holds=True)))
    result = played("--resume", "--quiet")
    assert result.exit_code == 0, result.output
    (start,) = played.starts
    assert (start.part, start.title, start.position_ms) == (2, "Hamstring stretch", 0)  # at its very start
    newest = sessions()[0]
    assert newest.resumes == first and newest.start_index == 1 and newest.program == "intermediate"
    assert newest.settings == Settings(pace=0.5, engine="espeak", quiet_holds=True)
    assert result.stdout.strip().endswith("in exercise 2 of 2 (Hamstring stretch). To go on from there: "
                                          "voicecoach play --resume"), (result.output, result.stderr)


def test_options_given_with_resume_win_and_the_settings_file_does_not(played, tmp_path, monkeypatch, run):
    monkeypatch.setenv("VOICECOACH_CONFIG_DIR", str(tmp_path / "config"))
    assert run("config", "set", "pace", "2").exit_code == 0
    record(entry(ending="interrupted", settings=Settings(pace=0.5, engine="espeak")))
    result = played("--resume", "--quiet")
    assert result.exit_code == 0, result.output
    assert sessions()[0].settings.pace == 0.5  # the session's own pace, not the file's default
    assert played("--resume", "--quiet", "--pace", "0.8").exit_code == 0
    assert sessions()[0].settings == Settings(pace=0.8, engine="espeak")


def test_resume_from_before_the_first_exercise_starts_at_the_beginning(played):
    record(entry(ending="interrupted", place="opening", stopped_index=None, stopped_name=None, completed=0))
    assert played("--resume", "--quiet").exit_code == 0
    assert (played.starts[0].part, played.starts[0].position_ms) == (0, 0)  # the introduction, from its start


def test_resume_with_a_program_goes_on_with_that_programs_last_session(played, write_program, run, assert_one_line_error):
    path = write_program(textwrap.dedent("""\
        title: Two
        exercises:
          - {name: Alpha, position: Sit., reps: 1, movement: [hold: 1]}
          - {name: Beta, position: Sit., reps: 1, movement: [hold: 1]}
        """))
    earlier = datetime.now(timezone.utc) - timedelta(hours=3)
    record(entry(earlier, program=program_key(str(path)), ending="quit", stopped_index=1, stopped_name="Beta"))
    record(entry())  # a later, finished session of another program
    assert_one_line_error(run("play", "--resume"), 1, "nothing to resume: your last session",
                          "was played to the end")
    assert played(str(path), "--resume", "--quiet").exit_code == 0
    assert (played.starts[0].title, played.starts[0].position_ms) == ("Beta", 0)


def test_resume_after_the_program_file_changed(played, write_program, run, assert_one_line_error):
    text = textwrap.dedent("""\
        title: Two
        exercises:
          - {name: Alpha, position: Sit., reps: 1, movement: [hold: 1]}
          - {name: Beta, position: Sit., reps: 1, movement: [hold: 1]}
        """)
    path = write_program(text)
    record(entry(program=program_key(str(path)), ending="quit", stopped_index=1, stopped_name="Beta"))
    path.write_text(text.replace("hold: 1]}\n  - {name: Beta", "hold: 2]}\n  - {name: Beta"), encoding="utf-8")
    result = played("--resume", "--quiet")
    assert result.exit_code == 0 and "has changed since that session; going on at 'Beta'" in result.stderr
    path.write_text(text.replace("Beta", "Gamma"), encoding="utf-8")
    record(entry(program=program_key(str(path)), ending="quit", stopped_index=1, stopped_name="Beta"))
    assert_one_line_error(run("play", "--resume"), 1, "no longer has the exercise 'Beta'", "--from")


def test_when_the_history_cannot_keep_a_session_the_hint_is_the_whole_command(played):
    history_path().write_bytes(b"\x00garbage" * 512)
    result = played("intermediate", "--pace", "1.5", "--engine", "espeak", "--from", "2", "--quiet")
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("Note: this session is not in your history (") and "damaged" in result.stderr
    assert result.stdout.strip().endswith("in exercise 2 of 2 (Hamstring stretch). To go on from there: "
                                          "voicecoach play intermediate --pace 1.5 --engine espeak --from 2")


def test_resume_mistakes_are_one_line(run, assert_one_line_error):
    assert_one_line_error(run("play", "--resume"), 1, "nothing to resume: no session has been played yet")
    assert_one_line_error(run("play", "beginning", "--resume", "--from", "2"), 2, "takes no --from or --only")
    assert_one_line_error(run("play"), 2, "Missing argument 'PROGRAM' (or --resume")


# --- a history that cannot be written never stops a session -----------------------------------------

def quick_play(program, *more: str) -> list[str]:
    return [sys.executable, "-m", "voicecoach", "play", str(program), "--quiet", "--engine", "espeak", *more]


def assert_played_with_a_note(process: subprocess.Popen, *parts: str) -> None:
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    assert out.startswith("Done: Quick, ")
    (note,) = err.splitlines()
    assert note.startswith("Note: this session is not in your history (")
    for part in parts:
        assert part in note


@needs_sink
@needs_read_only
def test_a_locked_a_read_only_and_a_damaged_history_never_stop_play(sink, write_program, tmp_path, run):
    """Three plays at once (they mix in the sink), each with its own broken history."""
    program = write_program(QUICK_SETUP_0)
    run("show", str(program), "--engine", "espeak")  # a warm cache: all three start at once
    folders = {name: tmp_path / name for name in ("locked", "read-only", "damaged")}
    for name, folder in folders.items():
        folder.mkdir()
        if name != "damaged":
            record(entry(), folder / "history.db")
    (folders["damaged"] / "history.db").write_bytes(b"\x00garbage" * 512)
    holder = hold_write_lock(folders["locked"] / "history.db")
    plays = {}
    try:
        for name, folder in folders.items():
            argv = quick_play(program, "--from", "1")
            plays[name] = subprocess.Popen(read_only(folder, argv) if name == "read-only" else argv,
                                           env={**sink.env, "VOICECOACH_DATA_DIR": str(folder)},
                                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert_played_with_a_note(plays["locked"], str(folders["locked"] / "history.db"),
                                  "another voicecoach is writing to the history")
        assert_played_with_a_note(plays["read-only"], "read-only")
        assert_played_with_a_note(plays["damaged"], "damaged")
    finally:
        holder.communicate("\n")
        for process in plays.values():
            process.kill()
    assert len(sessions(path=folders["locked"] / "history.db")) == 1  # nothing added, nothing half-written
    assert len(sessions(path=folders["read-only"] / "history.db")) == 1


@needs_sink
def test_two_sessions_at_once_are_both_recorded(sink, write_program, run):
    program = write_program(QUICK_SETUP_0)
    run("show", str(program), "--engine", "espeak")  # both start from a warm cache, so they end together
    both = [subprocess.Popen(quick_play(program, "--from", "1"), env=sink.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True) for _ in range(2)]
    outputs = [process.communicate(timeout=120) for process in both]
    assert [process.returncode for process in both] == [0, 0], outputs
    assert all(err == "" for _, err in outputs)
    recorded = sessions()
    assert len(recorded) == 2 and {r.ending for r in recorded} == {"finished"}
    assert all(r.completed == 1 and r.place == "closing" and r.listened_ms > 0 for r in recorded)
