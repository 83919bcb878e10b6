"""The history of sessions: every play (however it ended), every export and every session logged
by hand (`voicecoach log`: done with an exported file), with the check-ins' answers (pain before and
after, the next morning, what hurt), kept in SQLite in the user's data folder (platformdirs;
VOICECOACH_DATA_DIR overrides), for `voicecoach history`, its streak, weekly summary and pain chart,
`play --resume`, and what the next session asks and leaves out.

Each record is written in one transaction when the session ends. A history that cannot be written
(locked by another process, read-only, damaged, a full disk) is a HistoryError: the CLI says so in
one line and the session goes on; nothing here may stop a session from playing.

The schema has a version (PRAGMA user_version). A history of an older version is read as it is (its
missing columns read as none) and brought to this version by the first write, in one transaction:
a migration that cannot be done leaves the file exactly as it was.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import re
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from voicecoach.checkin import END, HURT_CHOICES, NEXT_MORNING, Hurt, check_next_morning, check_pain
from voicecoach.errors import OptionError, VoicecoachError, shown
from voicecoach.paths import data_dir
from voicecoach.program import BUILTIN_NAMES, Program
from voicecoach.settings import Settings

HISTORY_FILE = "history.db"
SCHEMA_VERSION = 2  # 1: plays and exports; 2: logged sessions and the check-ins' answers
BUSY_TIMEOUT_S = 2.0  # how long a write waits for another session holding the database

# What a session was: played aloud, exported to a file, done with a file and logged by hand
# (`voicecoach log`), or played in the browser (issue 28: reserved).
PLAY, EXPORT, LOGGED, WEB = "play", "export", "logged", "web"
KINDS = (PLAY, EXPORT, LOGGED, WEB)
SESSION_KINDS = (PLAY, LOGGED, WEB)  # what was done, not only made: an export is not a session

# How a session ended.
FINISHED = "finished"
QUIT = "quit"  # the q key
INTERRUPTED = "interrupted"  # Ctrl-C, a closed terminal
FAILED = "failed"  # the sound device or the engine failed
EXPORTED = "exported"
HURT = "hurt"  # the listener ended the session after "it hurts"
ENDINGS = (FINISHED, QUIT, INTERRUPTED, FAILED, EXPORTED, HURT)

# Where a session stopped: before its first exercise, in one, or after its last.
OPENING, EXERCISE, CLOSING = "opening", "exercise", "closing"


def _sql_list(values: Sequence[str]) -> str:
    return ", ".join(f"'{value}'" for value in values)


# Schema version 2. Version 1 had neither the last seven columns nor the kinds logged and web.
_TABLE = f"""
CREATE TABLE {{name}} (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ({_sql_list(KINDS)})),
    started TEXT NOT NULL,          -- ISO 8601, UTC
    ended TEXT NOT NULL,
    program TEXT NOT NULL,          -- how to load it again: a built-in's name or a file's absolute path
    title TEXT NOT NULL,
    program_hash TEXT NOT NULL,     -- of its content: an edited file is a new program
    settings TEXT NOT NULL,         -- JSON: pace, quiet_holds, language, engine, voice, rate_wpm, volume
    only TEXT NOT NULL,             -- JSON list: the --only exercises
    exercises INTEGER NOT NULL,     -- in the session
    start_index INTEGER NOT NULL,   -- the exercise it started at (0-based; --from, --resume)
    completed INTEGER NOT NULL,     -- exercises heard to their end
    place TEXT NOT NULL CHECK (place IN ('opening', 'exercise', 'closing')),  -- where it stopped
    stopped_index INTEGER,          -- the exercise it stopped in (0-based), with place 'exercise'
    stopped_name TEXT,
    position_ms INTEGER NOT NULL,   -- where it stopped on the session's timeline
    length_ms INTEGER NOT NULL,     -- the session's whole length
    listened_ms INTEGER NOT NULL,   -- time it sounded, pauses not counted
    ending TEXT NOT NULL,
    resumes INTEGER REFERENCES sessions (id),  -- the session this one went on from
    output TEXT,                    -- an export's file
    -- pain before and after: whole numbers, 0 no pain to 10 the worst; NULL: not asked or not answered
    pain_before INTEGER CHECK (pain_before IS NULL OR typeof(pain_before) = 'integer' AND pain_before BETWEEN 0 AND 10),
    pain_after INTEGER CHECK (pain_after IS NULL OR typeof(pain_after) = 'integer' AND pain_after BETWEEN 0 AND 10),
    next_morning TEXT CHECK (next_morning IN ({_sql_list(NEXT_MORNING)})),  -- the morning after this session
    hurt_index INTEGER,             -- the exercise that hurt (0-based among the session's), if one did
    hurt_name TEXT,
    hurt_chose TEXT CHECK (hurt_chose IN ({_sql_list(HURT_CHOICES)})),  -- then: go on (next) or end
    left_out TEXT NOT NULL DEFAULT '[]'  -- JSON list: exercises left out because they hurt before
)
"""


class HistoryError(VoicecoachError):
    """The history could not be read or written; for a session, only ever a note."""


def history_path() -> Path:
    return data_dir() / HISTORY_FILE


def program_key(spec: str) -> str:
    """How the history names a program so it can be loaded again from anywhere: a built-in's name,
    or the absolute path of a file."""
    key = spec.strip().lower()
    return key if key in BUILTIN_NAMES else str(Path(spec).expanduser().resolve())


def program_hash(program: Program) -> str:
    """A hash of what the program says and does (not of its file's comments or layout)."""
    text = json.dumps(asdict(program), sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True)
class Record:
    """One session as the history keeps it."""

    kind: str  # play, export, logged (or web)
    started: datetime
    ended: datetime
    program: str
    title: str
    program_hash: str
    settings: Settings
    only: tuple[str, ...]
    exercises: int
    start_index: int
    completed: int
    place: str
    stopped_index: int | None
    stopped_name: str | None
    position_ms: int
    length_ms: int
    listened_ms: int
    ending: str
    resumes: int | None = None
    output: str | None = None
    pain_before: int | None = None  # 0 (no pain) to 10 (the worst); None: not asked, or not answered
    pain_after: int | None = None
    next_morning: str | None = None  # how the back was the morning after this session: better, same, worse
    hurt: Hurt | None = None  # the exercise that hurt, and what the listener chose then
    left_out: tuple[str, ...] = ()  # exercises this session left out because they hurt before
    id: int | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        for answer in (self.pain_before, self.pain_after):
            if answer is not None:
                check_pain(answer)
        if self.next_morning is not None:
            check_next_morning(self.next_morning)
        if self.hurt is not None and not isinstance(self.hurt, Hurt):
            raise OptionError(f"what hurt is a Hurt, not {shown(repr(self.hurt))}")
        object.__setattr__(self, "left_out", tuple(self.left_out))

    @property
    def unfinished(self) -> bool:
        """A play that stopped before its last exercise was behind it."""
        return self.kind == "play" and self.ending != FINISHED and self.place != CLOSING

    def to_json(self) -> dict[str, Any]:
        """The session as docs/history-json.md describes it."""
        data = asdict(self)
        for name in ("pain_before", "pain_after", "next_morning", "hurt", "left_out", "id"):
            del data[name]
        data["started"], data["ended"] = self.started.isoformat(), self.ended.isoformat()
        data["settings"], data["only"] = self.settings.to_json(), list(self.only)
        data["id"] = self.id
        data["check_in"] = {"before": self.pain_before, "after": self.pain_after, "next_morning": self.next_morning}
        data["hurt"] = None if self.hurt is None else self.hurt.to_json()
        data["left_out"] = list(self.left_out)
        return data


def session_record(spec: str, program: Program, settings: Settings, only: tuple[str, ...], *, kind: str,
                   started: datetime, ended: datetime, stopped_index: int | None = None, **facts: Any) -> Record:
    """The record of a session of `program` (as chosen: --only) named `spec` by the user, played or
    exported with `settings`; the facts are the rest of Record's fields."""
    return Record(kind=kind, started=started, ended=ended, program=program_key(spec), title=program.title,
                  program_hash=program_hash(program), settings=settings, only=tuple(only),
                  stopped_index=stopped_index,
                  stopped_name=None if stopped_index is None else program.exercises[stopped_index].name, **facts)


_COLUMNS_V1 = ("kind", "started", "ended", "program", "title", "program_hash", "settings", "only", "exercises",
               "start_index", "completed", "place", "stopped_index", "stopped_name", "position_ms", "length_ms",
               "listened_ms", "ending", "resumes", "output")
_COLUMNS_V2 = ("pain_before", "pain_after", "next_morning", "hurt_index", "hurt_name", "hurt_chose", "left_out")
_COLUMNS = _COLUMNS_V1 + _COLUMNS_V2


def _row(record: Record) -> tuple[Any, ...]:
    hurt = record.hurt
    values = dict(asdict(record), started=_utc(record.started), ended=_utc(record.ended),
                  settings=json.dumps(record.settings.to_json(), sort_keys=True), only=json.dumps(list(record.only)),
                  hurt_index=None if hurt is None else hurt.index, hurt_name=None if hurt is None else hurt.name,
                  hurt_chose=None if hurt is None else hurt.chose, left_out=json.dumps(list(record.left_out)))
    return tuple(values[name] for name in _COLUMNS)


def _utc(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds")


def _record(row: sqlite3.Row) -> Record:
    """The record of a row; a row of an older schema has none of the newer columns: they read as none."""
    present = set(row.keys())
    values = {name: row[name] if name in present else None for name in _COLUMNS}
    values["started"] = datetime.fromisoformat(values["started"])
    values["ended"] = datetime.fromisoformat(values["ended"])
    values["settings"] = Settings.from_json(json.loads(values["settings"]))
    values["only"] = tuple(json.loads(values["only"]))
    left_out = json.loads(values.pop("left_out") or "[]")
    if not isinstance(left_out, list) or not all(isinstance(name, str) for name in left_out):
        raise ValueError("left_out is not a list of names")
    index, name, chose = values.pop("hurt_index"), values.pop("hurt_name"), values.pop("hurt_chose")
    hurt = None if index is None else Hurt(int(index), str(name), chose or END)
    return Record(**values, hurt=hurt, left_out=tuple(left_out), id=row["id"])


def _problem(path: Path, error: BaseException) -> str:
    """What went wrong with the history file, in words a user can act on."""
    text = str(error)
    if isinstance(error, sqlite3.OperationalError) and "locked" in text:
        return f"{path}: another voicecoach is writing to the history (it stayed locked)"
    if "readonly" in text or "read-only" in text or isinstance(error, PermissionError):
        return f"{path}: the history cannot be written (read-only)"
    if isinstance(error, sqlite3.DatabaseError) and ("not a database" in text or "malformed" in text):
        return f"{path}: the history file is damaged; move it away to start a new history"
    if "disk is full" in text or (isinstance(error, OSError) and error.errno == errno.ENOSPC):
        return f"{path}: the history cannot be written (the disk is full)"
    if isinstance(error, OSError):
        return f"{path}: {error.strerror or error}"
    return f"{path}: {text}"


@contextlib.contextmanager
def _open(path: Path, write: bool) -> Iterator[sqlite3.Connection]:
    """A connection to the history, its table made if need be; errors become HistoryError."""
    connection = None
    try:
        if write:
            path.parent.mkdir(parents=True, exist_ok=True)
        elif not path.exists():
            raise FileNotFoundError
        connection = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S)
        connection.row_factory = sqlite3.Row
        version = connection.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise HistoryError(f"{path}: this history was written by a newer voicecoach")
        if write and version < SCHEMA_VERSION:
            _migrate(connection)
        yield connection
    except FileNotFoundError:
        raise
    except (sqlite3.Error, OSError) as error:
        raise HistoryError(_problem(path, error)) from None
    finally:
        if connection is not None:
            connection.close()


def _migrate(connection: sqlite3.Connection) -> None:
    """Bring the history to SCHEMA_VERSION, or make its table in a new one, in one transaction: the
    whole change or none of it (user_version is in the file's header, written with the rest).
    SQLite cannot change a CHECK constraint in place, so version 1's table is rebuilt: the new table
    made, every row copied, the old one dropped and the new one renamed (as SQLite's ALTER TABLE
    page advises)."""
    connection.isolation_level = None  # autocommit: the transaction below is this code's own
    try:
        connection.execute("BEGIN IMMEDIATE")  # the write lock first: two sessions never migrate at once
        try:
            version = connection.execute("PRAGMA user_version").fetchone()[0]  # another may have done it
            has_table = connection.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'sessions'").fetchone()[0]
            if version == 0 and not has_table:
                connection.execute(_TABLE.format(name="sessions"))
            elif version < SCHEMA_VERSION:  # version 1 (or 0 with its table: a first write cut short)
                connection.execute(_TABLE.format(name="sessions_v2"))
                columns = ", ".join(("id",) + _COLUMNS_V1)
                connection.execute(f"INSERT INTO sessions_v2 ({columns}) SELECT {columns} FROM sessions")
                connection.execute("DROP TABLE sessions")
                connection.execute("ALTER TABLE sessions_v2 RENAME TO sessions")
            if version < SCHEMA_VERSION:
                connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            connection.execute("COMMIT")
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise
    finally:
        connection.isolation_level = ""  # back to the module's implicit transactions, as record() uses


def record(entry: Record, path: Path | None = None) -> int:
    """Add a session to the history in one transaction; its id."""
    path = path or history_path()
    with _open(path, write=True) as connection:
        try:
            with connection:  # one transaction: the whole record or none of it
                cursor = connection.execute(
                    f"INSERT INTO sessions ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})",
                    _row(entry))
        except sqlite3.Error as error:
            raise HistoryError(_problem(path, error)) from None
        return int(cursor.lastrowid)


def sessions(limit: int | None = None, path: Path | None = None) -> list[Record]:
    """The recorded sessions, the newest first (an empty list before the first one); a row that
    cannot be read is left out (read_sessions counts them)."""
    return read_sessions(limit, path)[0]


def read_sessions(limit: int | None = None, path: Path | None = None) -> tuple[list[Record], int]:
    """The sessions that can be read, the newest first, and how many rows could not be (a bad date
    or value, written by hand or by another tool): one bad row never hides the good ones."""
    rows = _rows(path or history_path(), limit=limit)
    good = [entry for entry in map(_readable, rows) if entry is not None]
    return good, len(rows) - len(good)


def _rows(path: Path, where: str = "", values: tuple[Any, ...] = (), limit: int | None = None) -> list[sqlite3.Row]:
    """The history's rows (those `where` picks), the newest first; none before the first session."""
    try:
        with _open(path, write=False) as connection:
            if connection.execute("PRAGMA user_version").fetchone()[0] == 0:
                return []
            query = f"SELECT * FROM sessions {'WHERE ' + where if where else ''} ORDER BY started DESC, id DESC"
            if limit:
                query, values = query + " LIMIT ?", values + (limit,)
            return connection.execute(query, values).fetchall()
    except FileNotFoundError:
        return []
    except sqlite3.Error as error:
        raise HistoryError(_problem(path, error)) from None


def _readable(row: sqlite3.Row) -> Record | None:
    try:
        return _record(row)
    except (ValueError, TypeError, KeyError, AttributeError, VoicecoachError):
        return None


def _newest(path: Path | None, where: str, values: tuple[Any, ...]) -> Record | None:
    """The newest session `where` picks that can be read (made into a Record one row at a time:
    asked at the start of every play, of a history of years)."""
    for row in _rows(path or history_path(), where, values):
        entry = _readable(row)
        if entry is not None:
            return entry
    return None


def set_next_morning(session_id: int, answer: str, path: Path | None = None) -> None:
    """Keep how the back was the morning after session `session_id` (better, same or worse), in one
    transaction; a HistoryError like record()'s when it cannot be written."""
    check_next_morning(answer)
    path = path or history_path()
    with _open(path, write=True) as connection:
        try:
            with connection:
                changed = connection.execute("UPDATE sessions SET next_morning = ? WHERE id = ?",
                                             (answer, session_id)).rowcount
        except sqlite3.Error as error:
            raise HistoryError(_problem(path, error)) from None
    if not changed:
        raise HistoryError(f"{path}: there is no session {session_id} in the history")


def last_play(program: str | None = None, path: Path | None = None) -> Record | None:
    """The newest play (of that program, given as program_key gives it), if any."""
    if program is None:
        return _newest(path, "kind = ?", (PLAY,))
    return _newest(path, "kind = ? AND program = ?", (PLAY, program))


def last_session(program: str, path: Path | None = None) -> Record | None:
    """The newest session of that program (as program_key gives it) that was done, not only
    exported (a play, a logged session, a web session): what today's session asks the next
    morning of, and takes what to leave out from."""
    return _newest(path, f"kind IN ({', '.join('?' * len(SESSION_KINDS))}) AND program = ?",
                   SESSION_KINDS + (program,))


# --- a session logged by hand ----------------------------------------------------------------------


def check_day(text: str, today: date) -> date:
    """The day a session was done, written YYYY-MM-DD: today or before; an OptionError otherwise."""
    words = text.strip()
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", words):
        raise OptionError(f"a day is written YYYY-MM-DD ({today.isoformat()}), not '{shown(text)}'")
    try:
        day = date.fromisoformat(words)
    except ValueError:
        raise OptionError(f"'{shown(text)}' is not a day of the calendar (YYYY-MM-DD)") from None
    if day > today:
        raise OptionError(f"{day.isoformat()} is in the future: a session is logged on a day it was done, "
                          f"today ({today.isoformat()}) or before")
    return day


def logged_record(spec: str, program: Program, settings: Settings, *, length_ms: int,
                  exercise_starts_ms: Sequence[int], now: datetime, day: date | None = None,
                  pain_before: int | None = None, pain_after: int | None = None, next_morning: str | None = None,
                  hurt_index: int | None = None) -> Record:
    """The record of a session done with an exported file and logged by hand (`voicecoach log`).

    Done on `day` (by default it ended `now`); a day before today gets now's time of day, so that
    several logs of one day keep the order they were made in. The whole program was done (its
    length as `length_ms` says), unless an exercise hurt (`hurt_index`): then it stopped for pain at
    that exercise's start (`exercise_starts_ms`, on the session's timeline), the exercises before
    it done. The time listened is the time up to where it stopped."""
    if day is None or day == now.date():
        ended = now
        started = now - timedelta(milliseconds=length_ms)
    else:
        started = datetime.combine(day, now.timetz())
        ended = started + timedelta(milliseconds=length_ms)
    count = len(program.exercises)
    if hurt_index is None:
        facts: dict[str, Any] = {"ending": FINISHED, "completed": count, "place": CLOSING, "position_ms": length_ms}
    else:
        position = exercise_starts_ms[hurt_index] if hurt_index < len(exercise_starts_ms) else length_ms
        facts = {"ending": HURT, "completed": hurt_index, "place": EXERCISE, "position_ms": position,
                 "hurt": Hurt(hurt_index, program.exercises[hurt_index].name, END)}
    return session_record(spec, program, settings, (), kind=LOGGED, started=started, ended=ended,
                          stopped_index=hurt_index, exercises=count, start_index=0, length_ms=length_ms,
                          listened_ms=facts["position_ms"], pain_before=pain_before, pain_after=pain_after,
                          next_morning=next_morning, **facts)


# --- what the history adds up to ------------------------------------------------------------------


def counts(entry: Record) -> bool:
    """A play (or a web session) counts as a session (for the streak and the week) once an exercise
    was done in it; a logged session always counts: the listener says they did it."""
    return entry.kind == LOGGED or (entry.kind in (PLAY, WEB) and entry.completed > 0)


@dataclass(frozen=True)
class Week:
    sessions: int
    minutes: float


@dataclass(frozen=True)
class Summary:
    days_in_a_row: int  # days with a session, up to today (or up to yesterday, if none yet today)
    this_week: Week  # Monday to today
    last_week: Week
    total_sessions: int


def first_of(entry: Record, by_id: dict[int, Record]) -> Record:
    """The session `entry` goes on from, at the start of its chain of `play --resume` (itself when it
    resumed none; `by_id`: the history's sessions by id). Damaged ids that loop end the walk."""
    seen: set[int] = set()
    while entry.resumes in by_id and entry.resumes not in seen:
        seen.add(entry.resumes)
        entry = by_id[entry.resumes]
    return entry


def summary(entries: Sequence[Record], now: datetime) -> Summary:
    """The streak and the weeks, in the time zone of `now`. A session resumed (play --resume)
    counts with the session it goes on from, once; minutes are the time listened."""
    zone = now.tzinfo
    today = now.date()
    by_id = {entry.id: entry for entry in entries if entry.id is not None}

    def root(entry: Record) -> int | None:
        return first_of(entry, by_id).id

    def day(entry: Record) -> date:
        return entry.started.astimezone(zone).date()

    plays = [entry for entry in entries if entry.kind in SESSION_KINDS]
    days = {day(entry) for entry in plays if counts(entry)}
    streak, cursor = 0, today if today in days else today - timedelta(days=1)
    while cursor in days:
        streak, cursor = streak + 1, cursor - timedelta(days=1)
    monday = today - timedelta(days=today.weekday())

    def week(first: date) -> Week:
        inside = [entry for entry in plays if first <= day(entry) < first + timedelta(days=7)]
        roots = {root(entry) if entry.id is not None else id(entry) for entry in inside if counts(entry)}
        return Week(sessions=len(roots), minutes=sum(entry.listened_ms for entry in inside) / 60_000)

    total = len({root(entry) if entry.id is not None else id(entry) for entry in plays if counts(entry)})
    return Summary(days_in_a_row=streak, this_week=week(monday), last_week=week(monday - timedelta(days=7)),
                   total_sessions=total)


# --- as people read it ------------------------------------------------------------------------------


def _clock(ms: int) -> str:
    seconds = round(ms / 1000)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}" if seconds >= 3600 else \
        f"{seconds // 60}:{seconds % 60:02d}"


def _in_exercise(index: int | None, name: str | None) -> str:
    return f"exercise{'' if index is None else f' {index + 1}'} ({name})"


def how_it_ended(entry: Record) -> str:
    """In a few words: finished, or where it stopped and why, and what hurt; or the file an export
    wrote. A logged session says so."""
    if entry.kind == EXPORT:
        return f"exported to {Path(entry.output).name}" if entry.output else "exported"
    hurt = entry.hurt
    if entry.ending == FINISHED:
        text = "finished"
    elif entry.ending == HURT:  # the exercise that hurt is where it stopped
        where = (hurt.index, hurt.name) if hurt is not None else (entry.stopped_index, entry.stopped_name)
        text = f"stopped for pain in {_in_exercise(*where)}"
    else:
        why = {QUIT: "stopped (q)", INTERRUPTED: "stopped (Ctrl-C)", FAILED: "stopped (sound failed)"}.get(
            entry.ending, f"stopped ({entry.ending})")
        text = (f"{why} before the first exercise" if entry.place == OPENING else
                f"{why} after the last exercise" if entry.place == CLOSING else
                f"{why} in {_in_exercise(entry.stopped_index, entry.stopped_name)}")
    if hurt is not None and entry.ending != HURT:  # it hurt, and the listener went on
        text += f"; hurt in {_in_exercise(hurt.index, hurt.name)}"
    return f"logged: {text}" if entry.kind == LOGGED else text


def _rating(value: int | None) -> str:
    return "-" if value is None else str(value)


def pain_text(entry: Record) -> str:
    """Pain before -> after ("3 -> 2", "- -> 2" with one answered); empty with neither."""
    if entry.pain_before is None and entry.pain_after is None:
        return ""
    return f"{_rating(entry.pain_before)} -> {_rating(entry.pain_after)}"


def table(entries: Sequence[Record], now: datetime) -> list[str]:
    """The sessions as a table, one a line, the newest first; with a Pain column once a session
    listed has a pain rating. A logged session's time is its length, marked ~: it was not heard here."""
    zone = now.tzinfo
    with_pain = any(pain_text(entry) for entry in entries)
    rows = [("When", "Program", "Listened", "Done") + (("Pain",) if with_pain else ()) + ("How it ended",)]
    for entry in entries:
        listened = ("-" if entry.kind == EXPORT else
                    f"~{_clock(entry.listened_ms)}" if entry.kind == LOGGED else _clock(entry.listened_ms))
        rows.append((entry.started.astimezone(zone).strftime("%a %d %b %H:%M"), entry.title, listened,
                     "-" if entry.kind == EXPORT else f"{entry.completed}/{entry.exercises}")
                    + ((pain_text(entry),) if with_pain else ()) + (how_it_ended(entry),))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]

    def line(row: tuple[str, ...]) -> str:  # When and Program to the left, the numbers to the right
        cells = [row[0].ljust(widths[0]), row[1].ljust(widths[1])]
        cells += [row[i].rjust(widths[i]) for i in range(2, len(widths))]
        return "  ".join(cells + [row[-1]])

    return [line(row) for row in rows]


CHART_WEEKS = 4  # history --pain: the weeks a chart looks back over, unless --weeks says
BEFORE_MARK, AFTER_MARK = "▒", "█"  # two shades, told apart without colour


def pain_chart(entries: Sequence[Record], now: datetime, weeks: int = CHART_WEEKS, width: int = 80) -> list[str]:
    """Pain before and after each session of the last `weeks` weeks that has a rating, oldest on the
    left, as bars of block characters: two a session (before, then after), one row a point of the
    0-10 scale, the day of the month under each session; at most as many sessions as fit in
    `width` columns (the newest). No lines when no session in those weeks has a rating."""
    zone = now.tzinfo
    since = now - timedelta(weeks=weeks)
    rated = [entry for entry in reversed(entries) if entry.kind in SESSION_KINDS and entry.started >= since
             and pain_text(entry)]
    if not rated:
        return []
    fits = max(1, (width - 4) // 3)  # "10 |" and three columns a session: before, after, a space
    charted = rated[-fits:]
    first, last = (entry.started.astimezone(zone) for entry in (charted[0], charted[-1]))
    which = f"the newest {len(charted)} of {len(rated)} sessions" if len(charted) < len(rated) else (
        "1 session" if len(rated) == 1 else f"{len(rated)} sessions")
    heading = (f"Pain before and after each session, the last {weeks} week{'' if weeks == 1 else 's'} "
               f"({which}, {first:%d %b} to {last:%d %b}):")
    lines = [heading]
    for level in range(10, -1, -1):
        cells = "".join(
            (BEFORE_MARK if entry.pain_before is not None and entry.pain_before >= level else " ")
            + (AFTER_MARK if entry.pain_after is not None and entry.pain_after >= level else " ") + " "
            for entry in charted)
        lines.append(f"{level:>2} │{cells}".rstrip())
    lines.append("   └" + "─" * (3 * len(charted)))
    lines.append("    " + "".join(f"{entry.started.astimezone(zone).day:>2} " for entry in charted).rstrip())
    lines.append(f"{BEFORE_MARK} before  {AFTER_MARK} after: a bar's top is the rating (0 no pain, 10 the worst); "
                 "no bar: not answered. Under each session: its day of the month.")

    def average(values: list[int | None]) -> str:
        answered = [value for value in values if value is not None]
        return f"{sum(answered) / len(answered):.1f}" if answered else "-"

    lines.append(f"On average: {average([e.pain_before for e in rated])} before, "
                 f"{average([e.pain_after for e in rated])} after.")
    return lines


def _week(week: Week) -> str:
    return f"{week.sessions} session{'' if week.sessions == 1 else 's'}, {round(week.minutes)} min"


def summary_lines(total: Summary) -> list[str]:
    """What the history adds up to, in words."""
    days = total.days_in_a_row
    return [f"Days in a row: {days}." if days != 1 else "Days in a row: 1.",
            f"This week: {_week(total.this_week)}. Last week: {_week(total.last_week)}."]
