"""The history of sessions: every play (however it ended) and every export, kept in SQLite in the
user's data folder (platformdirs; VOICECOACH_DATA_DIR overrides), for `voicecoach history`, its
streak and weekly summary, and `play --resume`.

Each record is written in one transaction when the session ends. A history that cannot be written
(locked by another process, read-only, damaged) is a HistoryError: the CLI says so in one line and
the session goes on; nothing here may stop a session from playing.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from voicecoach.errors import VoicecoachError
from voicecoach.paths import data_dir
from voicecoach.program import BUILTIN_NAMES, Program
from voicecoach.settings import Settings

HISTORY_FILE = "history.db"
SCHEMA_VERSION = 1
BUSY_TIMEOUT_S = 2.0  # how long a write waits for another session holding the database

# How a session ended.
FINISHED = "finished"
QUIT = "quit"  # the q key
INTERRUPTED = "interrupted"  # Ctrl-C, a closed terminal
FAILED = "failed"  # the sound device or the engine failed
EXPORTED = "exported"
ENDINGS = (FINISHED, QUIT, INTERRUPTED, FAILED, EXPORTED)

# Where a session stopped: before its first exercise, in one, or after its last.
OPENING, EXERCISE, CLOSING = "opening", "exercise", "closing"

_TABLE = """
CREATE TABLE IF NOT EXISTS sessions (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('play', 'export')),
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
    output TEXT                     -- an export's file
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

    kind: str  # play or export
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
    id: int | None = field(default=None, compare=False)

    @property
    def unfinished(self) -> bool:
        """A play that stopped before its last exercise was behind it."""
        return self.kind == "play" and self.ending != FINISHED and self.place != CLOSING

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["started"], data["ended"] = self.started.isoformat(), self.ended.isoformat()
        data["settings"], data["only"] = self.settings.to_json(), list(self.only)
        return data


def session_record(spec: str, program: Program, settings: Settings, only: tuple[str, ...], *, kind: str,
                   started: datetime, ended: datetime, stopped_index: int | None = None, **facts: Any) -> Record:
    """The record of a session of `program` (as chosen: --only) named `spec` by the user, played or
    exported with `settings`; the facts are the rest of Record's fields."""
    return Record(kind=kind, started=started, ended=ended, program=program_key(spec), title=program.title,
                  program_hash=program_hash(program), settings=settings, only=tuple(only),
                  stopped_index=stopped_index,
                  stopped_name=None if stopped_index is None else program.exercises[stopped_index].name, **facts)


_COLUMNS = ("kind", "started", "ended", "program", "title", "program_hash", "settings", "only", "exercises",
            "start_index", "completed", "place", "stopped_index", "stopped_name", "position_ms", "length_ms",
            "listened_ms", "ending", "resumes", "output")


def _row(record: Record) -> tuple[Any, ...]:
    values = dict(asdict(record), started=_utc(record.started), ended=_utc(record.ended),
                  settings=json.dumps(record.settings.to_json(), sort_keys=True), only=json.dumps(list(record.only)))
    return tuple(values[name] for name in _COLUMNS)


def _utc(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="milliseconds")


def _record(row: sqlite3.Row) -> Record:
    values = {name: row[name] for name in _COLUMNS}
    values["started"] = datetime.fromisoformat(values["started"])
    values["ended"] = datetime.fromisoformat(values["ended"])
    values["settings"] = Settings.from_json(json.loads(values["settings"]))
    values["only"] = tuple(json.loads(values["only"]))
    return Record(**values, id=row["id"])


def _problem(path: Path, error: BaseException) -> str:
    """What went wrong with the history file, in words a user can act on."""
    text = str(error)
    if isinstance(error, sqlite3.OperationalError) and "locked" in text:
        return f"{path}: another voicecoach is writing to the history (it stayed locked)"
    if "readonly" in text or "read-only" in text or isinstance(error, PermissionError):
        return f"{path}: the history cannot be written (read-only)"
    if isinstance(error, sqlite3.DatabaseError) and ("not a database" in text or "malformed" in text):
        return f"{path}: the history file is damaged; move it away to start a new history"
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
            with connection:
                connection.execute(_TABLE)
                connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        yield connection
    except FileNotFoundError:
        raise
    except (sqlite3.Error, OSError) as error:
        raise HistoryError(_problem(path, error)) from None
    finally:
        if connection is not None:
            connection.close()


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
    path = path or history_path()
    try:
        with _open(path, write=False) as connection:
            if connection.execute("PRAGMA user_version").fetchone()[0] == 0:
                return [], 0
            query = "SELECT * FROM sessions ORDER BY started DESC, id DESC"
            rows = connection.execute(query + (" LIMIT ?" if limit else ""), (limit,) if limit else ()).fetchall()
    except FileNotFoundError:
        return [], 0
    except sqlite3.Error as error:
        raise HistoryError(_problem(path, error)) from None
    good: list[Record] = []
    for row in rows:
        try:
            good.append(_record(row))
        except (ValueError, TypeError, KeyError, AttributeError, VoicecoachError):
            continue
    return good, len(rows) - len(good)


def last_play(program: str | None = None, path: Path | None = None) -> Record | None:
    """The newest play (of that program, given as program_key gives it), if any."""
    for entry in sessions(path=path):
        if entry.kind == "play" and (program is None or entry.program == program):
            return entry
    return None


# --- what the history adds up to ------------------------------------------------------------------


def counts(entry: Record) -> bool:
    """A play counts as a session (for the streak and the week) once an exercise was done in it."""
    return entry.kind == "play" and entry.completed > 0


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


def summary(entries: Sequence[Record], now: datetime) -> Summary:
    """The streak and the weeks, in the time zone of `now`. A session resumed (play --resume)
    counts with the session it goes on from, once; minutes are the time listened."""
    zone = now.tzinfo
    today = now.date()
    by_id = {entry.id: entry for entry in entries if entry.id is not None}

    def root(entry: Record) -> int | None:
        seen = set()
        while entry.resumes in by_id and entry.resumes not in seen:
            seen.add(entry.resumes)
            entry = by_id[entry.resumes]
        return entry.id

    def day(entry: Record) -> date:
        return entry.started.astimezone(zone).date()

    plays = [entry for entry in entries if entry.kind == "play"]
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


def how_it_ended(entry: Record) -> str:
    """In a few words: finished, or where it stopped and why; or the file an export wrote."""
    if entry.kind == "export":
        return f"exported to {Path(entry.output).name}" if entry.output else "exported"
    if entry.ending == FINISHED:
        return "finished"
    why = {QUIT: "stopped (q)", INTERRUPTED: "stopped (Ctrl-C)", FAILED: "stopped (sound failed)"}.get(
        entry.ending, f"stopped ({entry.ending})")
    if entry.place == OPENING:
        return f"{why} before the first exercise"
    if entry.place == CLOSING:
        return f"{why} after the last exercise"
    number = "" if entry.stopped_index is None else f" {entry.stopped_index + 1}"
    return f"{why} in exercise{number} ({entry.stopped_name})"


def table(entries: Sequence[Record], now: datetime) -> list[str]:
    """The sessions as a table, one a line, the newest first."""
    zone = now.tzinfo
    rows = [("When", "Program", "Listened", "Done", "How it ended")]
    for entry in entries:
        rows.append((entry.started.astimezone(zone).strftime("%a %d %b %H:%M"), entry.title,
                     "-" if entry.kind == "export" else _clock(entry.listened_ms),
                     "-" if entry.kind == "export" else f"{entry.completed}/{entry.exercises}",
                     how_it_ended(entry)))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    return [f"{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]:>{widths[2]}}  {row[3]:>{widths[3]}}  {row[4]}"
            for row in rows]


def _week(week: Week) -> str:
    return f"{week.sessions} session{'' if week.sessions == 1 else 's'}, {round(week.minutes)} min"


def summary_lines(total: Summary) -> list[str]:
    """What the history adds up to, in words."""
    days = total.days_in_a_row
    return [f"Days in a row: {days}." if days != 1 else "Days in a row: 1.",
            f"This week: {_week(total.this_week)}. Last week: {_week(total.last_week)}."]
