"""What a clinician wants to see of the history (`voicecoach report`): sessions per week against
what the plan asked, minutes, pain before and after over time, the next-morning answers, every stop
for pain, the exercises left out, and the plan's level and suggestion. Pure: made from the
history's records and the plan's standing; paper.py lays it out, fhir.py gives it as FHIR.

Every number comes from the history as it is kept: pain ratings as given (0-10), times in whole
milliseconds, counts as history.summary counts them (a session resumed counts once, with the one it
went on from; a play counts once an exercise was done in it; a logged one always)."""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from voicecoach.checkin import GO_ON
from voicecoach.history import EXPORT, SESSION_KINDS, Record, counts, first_of, how_it_ended

CSV_FIELDS = ("id", "started", "ended", "kind", "program", "title", "language", "pace", "exercises", "completed",
              "listened_ms", "length_ms", "ending", "how_it_ended", "pain_before", "pain_after", "next_morning",
              "hurt_exercise", "hurt_chose", "left_out", "resumes")


@dataclass(frozen=True)
class WeekRow:
    monday: date
    sessions: int  # sessions done (as history.summary counts them)
    asked: int | None  # what the plan asked that week (its level's sessions a week), None without a plan
    minutes: float  # time listened (a logged session: its length)
    pain_before: float | None  # the week's average, of the sessions that have one
    pain_after: float | None


@dataclass(frozen=True)
class Stop:
    when: datetime
    title: str
    exercise: str
    number: int  # the exercise's number in the session (1-based)
    chose: str  # then: go on (next) or end


@dataclass(frozen=True)
class LeftOut:
    exercise: str
    times: int
    last: date


@dataclass(frozen=True)
class PlanLine:
    title: str
    level: int  # 1-based
    levels: int
    level_title: str
    program: str
    since: date
    schedule: str
    suggestion: str  # advance, stay, step-back, none
    reason: str


@dataclass(frozen=True)
class Report:
    made: datetime
    since: date | None
    program: str | None  # the --program filter, as the history names programs
    sessions: tuple[Record, ...]  # the sessions in the report, the oldest first (exports are not sessions)
    weeks: tuple[WeekRow, ...]
    total_sessions: int
    total_minutes: float
    mornings: tuple[tuple[Record, str], ...]  # each session with a next-morning answer, and the answer
    stops: tuple[Stop, ...]
    left_out: tuple[LeftOut, ...]
    plan: PlanLine | None
    schedules: tuple[tuple[str, Any], ...] = ()  # the plan's levels: (program, plan.Schedule)
    unreadable: int = 0  # history rows that could not be read, left out

    @property
    def empty(self) -> bool:
        return not self.sessions

    @property
    def rated(self) -> tuple[Record, ...]:
        return tuple(entry for entry in self.sessions if entry.pain_before is not None or entry.pain_after is not None)

    @property
    def first(self) -> date | None:
        return self.sessions[0].started.astimezone(self.made.tzinfo).date() if self.sessions else None

    @property
    def last(self) -> date | None:
        return self.sessions[-1].started.astimezone(self.made.tzinfo).date() if self.sessions else None


def _average(values: Sequence[int | None]) -> float | None:
    answered = [value for value in values if value is not None]
    return sum(answered) / len(answered) if answered else None


def _asked(standing: Any, monday: date) -> int | None:
    """What the plan asked in the week of `monday`: the sessions a week of the level in force on
    that week's last day (from the plan's changes), None before the plan began or without one."""
    if standing is None:
        return None
    progress, plan = standing.progress, standing.plan
    sunday = monday + timedelta(days=6)
    program = None
    for change in progress.changes:
        if change.day <= sunday:
            program = change.program
    if program is None:
        return None
    level = plan.level_of(program)
    return None if level is None else plan.levels[level].schedule.sessions_a_week()


def make_report(records: Sequence[Record], now: datetime, *, since: date | None = None, program: str | None = None,
                standing: Any = None, unreadable: int = 0) -> Report:
    """The report of `records` (the history, any order) at `now` (aware): the sessions on or after
    `since` (a day in now's time zone), of `program` only when given (as history.program_key names
    it); `standing` is the plan's (progress.standing), or None."""
    zone = now.tzinfo

    def day(entry: Record) -> date:
        return entry.started.astimezone(zone).date()

    chosen = sorted((entry for entry in records if entry.kind in SESSION_KINDS and entry.kind != EXPORT
                     and (since is None or day(entry) >= since) and (program is None or entry.program == program)),
                    key=lambda entry: (entry.started, entry.id or 0))
    by_id = {entry.id: entry for entry in records if entry.id is not None}

    def root(entry: Record) -> Any:
        first = first_of(entry, by_id)
        return first.id if first.id is not None else id(first)

    weeks: list[WeekRow] = []
    if chosen:
        first = since if since is not None else day(chosen[0])
        monday = first - timedelta(days=first.weekday())
        last = now.date()
        while monday <= last:
            inside = [entry for entry in chosen if monday <= day(entry) < monday + timedelta(days=7)]
            weeks.append(WeekRow(
                monday=monday, sessions=len({root(entry) for entry in inside if counts(entry)}),
                asked=_asked(standing, monday), minutes=sum(entry.listened_ms for entry in inside) / 60_000,
                pain_before=_average([entry.pain_before for entry in inside]),
                pain_after=_average([entry.pain_after for entry in inside])))
            monday += timedelta(days=7)
    stops = tuple(Stop(when=entry.started, title=entry.title, exercise=entry.hurt.name, number=entry.hurt.index + 1,
                       chose=entry.hurt.chose) for entry in chosen if entry.hurt is not None)
    left: Counter[str] = Counter()
    last_left: dict[str, date] = {}
    for entry in chosen:
        for name in entry.left_out:
            left[name] += 1
            last_left[name] = day(entry)
    plan_line = None
    if standing is not None:
        level = standing.plan.levels[standing.level]
        plan_line = PlanLine(title=standing.plan.title, level=standing.level + 1, levels=len(standing.plan.levels),
                             level_title=level.title, program=standing.progress.program,
                             since=standing.progress.since, schedule=level.schedule.describe(),
                             suggestion=standing.suggestion.kind, reason=standing.suggestion.reason)
    return Report(
        made=now, since=since, program=program, sessions=tuple(chosen), weeks=tuple(weeks),
        total_sessions=len({root(entry) for entry in chosen if counts(entry)}),
        total_minutes=sum(entry.listened_ms for entry in chosen) / 60_000,
        mornings=tuple((entry, entry.next_morning) for entry in chosen if entry.next_morning is not None),
        stops=stops,
        left_out=tuple(LeftOut(name, times, last_left[name]) for name, times in left.most_common()),
        plan=plan_line, unreadable=unreadable,
        schedules=() if standing is None else tuple((level.program, level.schedule) for level in standing.plan.levels))


# --- as numbers for other tools ------------------------------------------------------------------


def csv_row(entry: Record) -> dict[str, Any]:
    """One session as a CSV row: the history's own values (times in milliseconds, ISO dates)."""
    hurt = entry.hurt
    return {"id": entry.id, "started": entry.started.isoformat(), "ended": entry.ended.isoformat(),
            "kind": entry.kind, "program": entry.program, "title": entry.title,
            "language": entry.settings.language, "pace": entry.settings.pace, "exercises": entry.exercises,
            "completed": entry.completed, "listened_ms": entry.listened_ms, "length_ms": entry.length_ms,
            "ending": entry.ending, "how_it_ended": how_it_ended(entry), "pain_before": entry.pain_before,
            "pain_after": entry.pain_after, "next_morning": entry.next_morning,
            "hurt_exercise": None if hurt is None else hurt.name, "hurt_chose": None if hurt is None else hurt.chose,
            "left_out": "; ".join(entry.left_out), "resumes": entry.resumes}


def to_csv(report: Report) -> str:
    """One row per session, the oldest first, with a header; an empty value is an empty field."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, lineterminator="\r\n")
    writer.writeheader()
    for entry in report.sessions:
        writer.writerow({key: "" if value is None else value for key, value in csv_row(entry).items()})
    return out.getvalue()


# --- in words ------------------------------------------------------------------------------------------


def then_words(chose: str) -> str:
    """What the listener chose after it hurt, in words."""
    return "went on" if chose == GO_ON else "ended the session"


def rating(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}".removesuffix(".0")


def period(report: Report) -> str:
    if report.empty:
        return "no sessions yet"
    return f"{report.first:%d %b %Y} to {report.last:%d %b %Y}"


def summary_lines(report: Report) -> list[str]:
    """The report's first paragraph, in sentences."""
    if report.empty:
        lines = ["No sessions yet" + (f" since {report.since:%d %b %Y}" if report.since else "")
                 + (" of this program" if report.program else "") + ": there is nothing to report."]
    else:
        done = report.total_sessions
        lines = [f"{done} session{'' if done == 1 else 's'} from {period(report)}, "
                 f"{round(report.total_minutes)} minutes in all."]
        rated = report.rated
        if rated:
            lines.append(f"Pain (0 no pain, 10 the worst), on average: {rating(_average([e.pain_before for e in rated]))} "
                         f"before and {rating(_average([e.pain_after for e in rated]))} after, over "
                         f"{len(rated)} rated session{'' if len(rated) == 1 else 's'}.")
        if report.stops:
            lines.append(f"Stopped for pain: {len(report.stops)} time{'' if len(report.stops) == 1 else 's'}.")
        if report.mornings:
            tally = Counter(answer for _, answer in report.mornings)
            lines.append("The morning after: " + ", ".join(f"{tally[answer]} {answer}" for answer in
                                                         ("better", "same", "worse") if tally[answer]) + ".")
    plan = report.plan
    if plan is not None:
        label = {"advance": "ready to move on", "stay": "stay", "step-back": "step back", "none": "none yet"}
        lines.append(f"Plan: {plan.title}, level {plan.level} of {plan.levels} ({plan.level_title}) since "
                     f"{plan.since:%d %b %Y}, {plan.schedule}. Its suggestion: {label.get(plan.suggestion, plan.suggestion)}. "
                     f"{plan.reason}")
    return lines


def text_lines(report: Report) -> list[str]:
    """The report for the terminal."""
    lines = summary_lines(report)
    if report.weeks:
        lines += ["", "Week of      Sessions  Minutes  Pain before -> after"]
        for week in report.weeks:
            done = f"{week.sessions}" + (f"/{week.asked}" if week.asked is not None else "")
            lines.append(f"{week.monday:%d %b %Y}  {done:>8}  {round(week.minutes):>7}  "
                         f"{rating(week.pain_before)} -> {rating(week.pain_after)}")
    if report.stops:
        lines += ["", "Stopped for pain:"]
        lines += [f"  {stop.when.astimezone(report.made.tzinfo):%d %b %Y}  {stop.title}: exercise {stop.number}, "
                  f"{stop.exercise} (then: {then_words(stop.chose)})"
                  for stop in report.stops]
    if report.left_out:
        lines += ["", "Left out because they hurt before:"]
        lines += [f"  {item.exercise}: {item.times} time{'' if item.times == 1 else 's'}, last {item.last:%d %b %Y}"
                  for item in report.left_out]
    return lines
