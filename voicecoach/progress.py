"""Where the listener is in their plan: which plan, which level since when, and every change of
level with its reason, kept in plan.json in the user's data folder (beside the history, apart from
it: a damaged history never loses the level, and a damaged plan file never the history).

The file has a version. This version reads its own and refuses a newer one without touching it; it
is written whole and atomically (files.write_atomic): a failed write leaves the old file as it was.
A file that cannot be read is said in one line and left as it is; `plan start` sets it aside
(plan.json.damaged) before it begins again, so nothing is lost.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from voicecoach.errors import VoicecoachError
from voicecoach.paths import data_dir

PLAN_FILE = "plan.json"
VERSION = 1
START, ADVANCE, STEP_BACK, MOVE = "start", "advance", "step-back", "move"
CHANGES = (START, ADVANCE, STEP_BACK, MOVE)


class ProgressError(VoicecoachError):
    """plan.json cannot be read or written: one line, naming the file."""


@dataclass(frozen=True)
class Change:
    day: date
    kind: str  # start, advance, step-back, move (plan start --level)
    program: str  # the level's program after it
    by: str = "you"  # who decided: "you" (plan advance, a yes at the start of play)

    def to_json(self) -> dict[str, Any]:
        return {"date": self.day.isoformat(), "change": self.kind, "program": self.program, "by": self.by}


@dataclass(frozen=True)
class Progress:
    plan: str  # how to load the plan: a built-in plan's name or a plan file's absolute path
    program: str  # the current level's program
    since: date  # the day this level began
    changes: tuple[Change, ...] = field(default=())

    @property
    def counts_from(self) -> date:
        """The first day whose sessions count at this level: a plan's first level counts the
        sessions of its program done before the plan began too (they were done); a level moved to
        counts from the day of the move."""
        started_here = all(change.kind == START for change in self.changes)
        return date.min if started_here else self.since

    def moved(self, kind: str, program: str, day: date, by: str = "you") -> Progress:
        return replace(self, program=program, since=day, changes=self.changes + (Change(day, kind, program, by),))

    def to_json(self) -> dict[str, Any]:
        return {"version": VERSION, "plan": self.plan, "program": self.program, "since": self.since.isoformat(),
                "changes": [change.to_json() for change in self.changes]}


def progress_path() -> Path:
    return data_dir() / PLAN_FILE


def read_progress(path: Path | None = None) -> Progress | None:
    """The listener's place in their plan, or None before `plan start`."""
    from voicecoach.files import NotARegularFile, read_regular

    path = path or progress_path()
    try:
        data = read_regular(path, 1024 * 1024)
    except FileNotFoundError:
        return None
    except NotARegularFile as error:
        raise ProgressError(f"{path}: this is {error.what}, not voicecoach's plan file") from None
    except OSError as error:
        raise ProgressError(f"{path}: cannot read it: {error.strerror or error}") from None
    try:
        document = json.loads(data.decode("utf-8"))
        version = document.get("version") if isinstance(document, dict) else None
        if isinstance(version, int) and version > VERSION:
            raise ProgressError(f"{path}: this plan file was written by a newer voicecoach; it is left as it is "
                                "(upgrade voicecoach to use it)")
        if version != VERSION:
            raise ValueError("no version")
        return Progress(plan=_text(document["plan"]), program=_text(document["program"]),
                        since=date.fromisoformat(document["since"]),
                        changes=tuple(Change(date.fromisoformat(c["date"]), _kind(c["change"]), _text(c["program"]),
                                             _text(c.get("by", "you"))) for c in document.get("changes", [])))
    except ProgressError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError):
        raise ProgressError(f"{path}: the plan file is damaged; it is left as it is ('voicecoach plan start' "
                            "sets it aside and begins again)") from None


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError("not text")
    return value


def _kind(value: Any) -> str:
    if value not in CHANGES:
        raise ValueError("not a change")
    return value


def write_progress(progress: Progress, path: Path | None = None) -> Path:
    from voicecoach.files import write_atomic

    path = path or progress_path()
    text = json.dumps(progress.to_json(), indent=2, ensure_ascii=False) + "\n"
    try:
        write_atomic(path, text.encode("utf-8"))
    except OSError as error:
        reason = "the disk is full" if error.errno == 28 else (error.strerror or str(error))
        raise ProgressError(f"{path}: cannot write the plan file: {reason}; nothing was changed") from None
    return path


def set_aside(path: Path | None = None) -> Path | None:
    """A damaged plan file renamed out of the way (plan.json.damaged, or .damaged-2 ...), so that a
    new start loses nothing; the new name, or None when there was no file."""
    path = path or progress_path()
    if not os.path.lexists(path):
        return None
    for n in range(1, 1000):
        target = path.with_name(path.name + (".damaged" if n == 1 else f".damaged-{n}"))
        if not os.path.lexists(target):
            try:
                os.replace(path, target)
            except OSError as error:
                raise ProgressError(f"{path}: cannot set the damaged plan file aside: {error.strerror or error}") \
                    from None
            return target
    raise ProgressError(f"{path}: too many damaged plan files beside it; remove some")


def remove_progress(path: Path | None = None) -> bool:
    path = path or progress_path()
    try:
        path.unlink()
        return True
    except FileNotFoundError:
        return False
    except OSError as error:
        raise ProgressError(f"{path}: cannot remove the plan file: {error.strerror or error}") from None


# --- where the listener stands: the plan, their place in it, and what the history says ---------


@dataclass(frozen=True)
class Standing:
    """What `plan` says and `play` acts on."""

    plan: Any  # plan.Plan
    progress: Progress
    level: int  # the current level's index in plan.levels
    due: Any  # plan.Due
    suggestion: Any  # plan.Suggestion
    history_problem: str | None = None  # the history could not be read: nothing to go on

    @property
    def program(self) -> str:
        return self.progress.program

    def to_json(self) -> dict[str, Any]:
        """As docs/plan-json.md describes it."""
        level = self.plan.levels[self.level]
        return {"plan": self.progress.plan, "title": self.plan.title, "program": self.progress.program,
                "level": self.level + 1, "levels": len(self.plan.levels), "since": self.progress.since.isoformat(),
                "schedule": level.schedule.to_json(), "due_today": self.due.today, "due": self.due.reason,
                **self.suggestion.to_json()}


def standing(now, progress: Progress | None = None, records=None) -> Standing | None:
    """The listener's standing in their plan at `now` (an aware datetime), or None before `plan
    start`. A plan file that cannot be read now is its PlanError; a level the plan no longer has
    is a ProgressError; a history that cannot be read is nothing to go on (history_problem)."""
    from voicecoach.history import HistoryError, program_key, sessions
    from voicecoach.plan import Suggestion, due, resolve_plan, sessions_done, suggest

    progress = progress if progress is not None else read_progress()
    if progress is None:
        return None
    plan = resolve_plan(progress.plan)
    level = plan.level_of(progress.program)
    if level is None:
        raise ProgressError(f"your plan '{plan.title}' no longer has your level's program ({progress.program}); "
                            "'voicecoach plan start' begins it again")
    problem = None
    if records is None:
        try:
            records = sessions()
        except HistoryError as error:
            records, problem = [], str(error)
    today = now.date()
    done = sessions_done(records, program_key(progress.program), progress.counts_from, now.tzinfo)
    when = due(plan.levels[level], done, today)
    if problem is not None:
        suggestion = Suggestion("none", None, f"Your history cannot be read ({problem}), so there is nothing to go "
                                f"on yet; {plan.levels[level].title} is played as planned.", "nothing")
    else:
        suggestion = suggest(plan, level, done, today)
    return Standing(plan=plan, progress=progress, level=level, due=when, suggestion=suggestion,
                    history_problem=problem)
