"""A plan: which programs, in which order, how often, for how long at least, and the rules that
suggest moving between them (docs/plan-format.md).

Pure data and rules, as a program is: no sound, no files but the plan's own when it is read, no
clock (today is given). Where the listener is in a plan is voicecoach/progress.py's; what was done
and how it felt is the history's (voicecoach/history.py); this module reads them and suggests.

The rules follow the pain-monitoring ("traffic-light") model physical therapists use for exercise
with back pain (Silbernagel et al. 2007; Thomeé 1997; as in the NICE guideline NG59's advice to keep
active with pain that settles): pain during and after of 0-3 out of 10 is safe, and a run of such
sessions means the listener may be ready for the next level; 4-6 is acceptable if it settles, so
stay (or ease off); 7 or more, or pain worse the next morning, means stop, step back and ask the
clinician. The source (AAOS) adds: stop an exercise that causes pain, and contact the doctor.
A suggestion is never a decision: only the listener's yes (or `plan advance`) changes the level.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from voicecoach.errors import ProgramError, shown
from voicecoach.program import (
    BUILTIN_NAMES,
    FormatReader,
    Rule,
    read_document,
    resolve_program,
)

BUILTIN_PLANS = ("back",)  # voicecoach/plans/back.yaml: the source's three programs, one after another
MAX_LEVELS = 20
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES = {**{day: n for n, day in enumerate(WEEKDAYS)},
              **{name: n for n, name in enumerate(("monday", "tuesday", "wednesday", "thursday", "friday",
                                                   "saturday", "sunday"))},
              "tues": 1, "wednes": 2, "thur": 3, "thurs": 3}

# What a suggestion is: plan --json's "suggestion" (docs/plan-json.md).
ADVANCE, STAY, STEP_BACK, NONE = "advance", "stay", "step-back", "none"
SUGGESTIONS = (ADVANCE, STAY, STEP_BACK, NONE)

PLAN_RULES = (
    Rule("title", "text", "The plan's name.", required=True),
    Rule("levels", "levels", "The programs, from the first to the last, each with how often and for how long.",
         required=True, low=1, high=MAX_LEVELS),
    Rule("rules", "rules", "When to suggest moving on, staying, or stepping back (defaults: the traffic-light "
         "model)."),
)
LEVEL_RULES = (
    Rule("program", "text", "A built-in program's name, or a program file (a path from the plan's folder).",
         required=True),
    Rule("days", "days", "How often: sessions a week (1-7), or which days ([mon, wed, fri]).", default=3),
    Rule("weeks", "whole", "At least this many weeks of good sessions before moving on is suggested.",
         low=1, high=52, default=2),
)
ADVANCE_RULES = (
    Rule("sessions", "whole", "Good sessions in a row at this level (and over the level's weeks) before moving on "
         "is suggested.", low=1, high=100, default=6),
    Rule("pain_after_at_most", "whole", "A good session: pain after it at most this (0-10), no next-morning "
         "'worse', no exercise stopped for pain.", low=0, high=10, default=3),
)
STAY_RULES = (
    Rule("pain_after_from", "whole", "Stay at this level when the last session's pain after is from this ...",
         low=0, high=10, default=4),
    Rule("pain_after_to", "whole", "... to this (0-10).", low=0, high=10, default=6),
)
STEP_BACK_RULES = (
    Rule("pain_after_from", "whole", "Step back, and ask the doctor, when the last session's pain after is at "
         "least this (0-10) ...", low=0, high=10, default=7),
    Rule("worse_mornings_in_a_row", "whole", "... or the back was worse the morning after this many sessions in a "
         "row ...", low=1, high=30, default=2),
    Rule("stopped_for_pain", "whole", "... or an exercise was stopped for pain this many times at this level.",
         low=1, high=30, default=2),
)
RULE_GROUPS = {"advance": ADVANCE_RULES, "stay": STAY_RULES, "step_back": STEP_BACK_RULES}
PLAN_KEYS = frozenset(rule.key for group in (PLAN_RULES, LEVEL_RULES, *RULE_GROUPS.values()) for rule in group) | {
    *RULE_GROUPS}


class PlanError(ProgramError):
    """A plan that cannot be found, read or used: one line naming the file and the line."""


@dataclass(frozen=True)
class Schedule:
    """How often a level is done: `per_week` sessions on any days, or on the given `weekdays`
    (0 Monday .. 6 Sunday)."""

    per_week: int = 3
    weekdays: tuple[int, ...] = ()

    def days(self) -> tuple[int, ...]:
        """The weekdays a session may be due on."""
        return self.weekdays or tuple(range(7))

    def sessions_a_week(self) -> int:
        return len(self.weekdays) or self.per_week

    def describe(self) -> str:
        if self.weekdays:
            return ", ".join(WEEKDAYS[day].capitalize() for day in self.weekdays)
        return f"{self.per_week} day{'' if self.per_week == 1 else 's'} a week"

    def to_json(self) -> Any:
        return [WEEKDAYS[day] for day in self.weekdays] if self.weekdays else self.per_week


@dataclass(frozen=True)
class Level:
    program: str  # how to load it: a built-in's name or a file's absolute path
    title: str
    schedule: Schedule
    weeks: int


@dataclass(frozen=True)
class Rules:
    """The rules' numbers, as the plan file's `rules:` table names them."""

    advance_sessions: int = 6
    good_pain_at_most: int = 3
    stay_from: int = 4
    stay_to: int = 6
    back_pain_from: int = 7
    back_worse_mornings: int = 2
    back_stopped_for_pain: int = 2

    def to_json(self) -> dict[str, dict[str, int]]:
        return {"advance": {"sessions": self.advance_sessions, "pain_after_at_most": self.good_pain_at_most},
                "stay": {"pain_after_from": self.stay_from, "pain_after_to": self.stay_to},
                "step_back": {"pain_after_from": self.back_pain_from,
                              "worse_mornings_in_a_row": self.back_worse_mornings,
                              "stopped_for_pain": self.back_stopped_for_pain}}


@dataclass(frozen=True)
class Plan:
    name: str  # how to load it again: a built-in's name or the file's absolute path
    title: str
    levels: tuple[Level, ...]
    rules: Rules

    def level_of(self, program: str) -> int | None:
        return next((i for i, level in enumerate(self.levels) if level.program == program), None)


# --- reading a plan ------------------------------------------------------------------------------


def resolve_plan(spec: str | None = None) -> Plan:
    """The built-in plan (by its name, or with none given), or a plan file (a path ending in .yaml)."""
    key = (spec or BUILTIN_PLANS[0]).strip().lower()
    if key in BUILTIN_PLANS:
        data = resources.files("voicecoach").joinpath("plans", f"{key}.yaml").read_bytes()
        return parse_plan(data, key, f"{key}.yaml (built-in plan)", folder=None)
    assert spec is not None
    if not spec.lower().endswith((".yaml", ".yml")) and "/" not in spec:
        raise PlanError(f"no built-in plan called '{shown(spec)}' (there is: {', '.join(BUILTIN_PLANS)}); a plan "
                        "of your own is a YAML file: give its path, ending in .yaml")
    return load_plan(Path(spec))


def load_plan(path: Path) -> Plan:
    from voicecoach.files import NotARegularFile, read_regular
    from voicecoach.program import MAX_FILE_BYTES

    source = str(path)
    try:
        data = read_regular(path, MAX_FILE_BYTES)
    except NotARegularFile as error:
        raise PlanError(f"this is {error.what}, not a plan file", source) from None
    except FileNotFoundError:
        raise PlanError("no such file", source) from None
    except OSError as error:
        raise PlanError(f"cannot read it: {error.strerror or error}", source) from None
    except ValueError:
        raise PlanError("no such file (the name contains a NUL character)", source) from None
    resolved = path.expanduser().resolve()
    return parse_plan(data, str(resolved), source, folder=resolved.parent)


def parse_plan(data: bytes, name: str, source: str, folder: Path | None) -> Plan:
    """Validate a plan file's bytes and build the Plan; a program of a level is loaded (and so
    checked) from `folder` when it is a path, or by name when it is a built-in."""
    try:
        document = read_document(data, source, PLAN_KEYS, what="plan")
    except PlanError:
        raise
    except ProgramError as error:
        raise PlanError(error.message, error.source, error.line) from None
    return _PlanReader(source, folder).plan(document, name)


class _PlanReader(FormatReader):
    def __init__(self, source: str, folder: Path | None):
        super().__init__(source)
        self.folder = folder

    def fail(self, message: str, line: int | None) -> PlanError:
        return PlanError(message, self.source, line)

    def plan(self, doc: Any, name: str) -> Plan:
        if not isinstance(doc, dict):
            raise self.fail("a plan starts with 'title:' and 'levels:' lines", getattr(doc, "line", 1))
        self.keys(doc, PLAN_RULES, "", "plan", "")
        title = self.plain(doc["title"], "'title'", doc.key_lines["title"])
        items, line = doc["levels"], doc.key_lines["levels"]
        if not isinstance(items, list):
            raise self.fail("'levels' must be a list of levels (each starting with '- program: ...')", line)
        if not items:
            raise self.fail("'levels' is empty; a plan needs at least one program", line)
        if len(items) > MAX_LEVELS:
            raise self.fail(f"'levels' has {len(items)} levels; at most {MAX_LEVELS}", line)
        levels: list[Level] = []
        for number, (item, item_line) in enumerate(zip(items, items.item_lines), start=1):
            level = self.level(item, number, item_line)
            earlier = next((i for i, other in enumerate(levels, 1) if other.program == level.program), None)
            if earlier is not None:
                raise self.fail(f"level {number}: its program is level {earlier}'s too; each level is a program "
                                "of its own", item.key_lines["program"])
            levels.append(level)
        rules = self.rules(doc.get("rules"), doc.key_lines.get("rules", doc.line)) if "rules" in doc else Rules()
        return Plan(name=name, title=title, levels=tuple(levels), rules=rules)

    def level(self, item: Any, number: int, line: int) -> Level:
        where = f"level {number}: "
        if isinstance(item, str):
            raise self.fail(f"{where}write it as '- program: {shown(item)}' (and days:, weeks: if you like)", line)
        if not isinstance(item, dict):
            raise self.fail(f"{where}a level is 'program:', 'days:' and 'weeks:' lines", line)
        self.keys(item, LEVEL_RULES, where, "level", "level")
        spec = self.plain(item["program"], f"{where}'program'", item.key_lines["program"])
        program_line = item.key_lines["program"]
        key = spec.strip().lower()
        if key in BUILTIN_NAMES:
            program_name = key
        else:
            path = Path(spec).expanduser()
            if self.folder is not None and not path.is_absolute():
                path = self.folder / path
            if not spec.lower().endswith((".yaml", ".yml")):
                try:
                    resolve_program(spec)  # the built-ins' message, with its "did you mean"
                except ProgramError as error:
                    raise self.fail(f"{where}{error.message}", program_line) from None
            program_name = str(path.resolve())
        try:
            program = resolve_program(program_name)
        except ProgramError as error:
            raise self.fail(f"{where}the program '{shown(spec, 80)}' cannot be used: {error}", program_line) from None
        schedule = self.days(item["days"], where, item.key_lines["days"]) if "days" in item else Schedule()
        weeks = self.setting(item, {rule.key: rule for rule in LEVEL_RULES}, "weeks", where)
        return Level(program=program_name, title=program.title, schedule=schedule, weeks=weeks)

    def days(self, value: Any, where: str, line: int) -> Schedule:
        what = f"{where}'days'"
        if isinstance(value, bool) or (not isinstance(value, (int, list, str))):
            raise self.fail(f"{what} must be sessions a week (1 to 7) or a list of days such as [mon, wed, fri]", line)
        if isinstance(value, int):
            if not 1 <= value <= 7:
                raise self.fail(f"{what} must be from 1 to 7 sessions a week, found {value}", line)
            return Schedule(per_week=value)
        names = [part for part in value.replace(",", " ").split()] if isinstance(value, str) else list(value)
        if not names:
            raise self.fail(f"{what} is an empty list; name at least one day", line)
        days: list[int] = []
        for name in names:
            if not isinstance(name, str):
                raise self.fail(f"{what}: {shown(str(name))} is not a day; days are "
                                f"{', '.join(WEEKDAYS)}", line)
            day = DAY_NAMES.get(name.strip().lower().rstrip("."))
            if day is None:
                raise self.fail(f"{what}: '{shown(name)}' is not a day; days are {', '.join(WEEKDAYS)}", line)
            if day in days:
                raise self.fail(f"{what}: {WEEKDAYS[day]} is given twice", line)
            days.append(day)
        return Schedule(per_week=len(days), weekdays=tuple(sorted(days)))

    def rules(self, value: Any, line: int) -> Rules:
        if not isinstance(value, dict):
            raise self.fail("'rules' must be the groups advance:, stay: and step_back:, each with its numbers", line)
        self.keys(value, tuple(Rule(key, "rules", "") for key in RULE_GROUPS), "'rules': ", "rules", "")
        got: dict[str, dict[str, int]] = {}
        lines: dict[tuple[str, str], int] = {}
        for group, rules in RULE_GROUPS.items():
            table = value.get(group)
            where = f"'rules: {group}': "
            if table is None and group in value:
                raise self.fail(f"{where}is empty; give its numbers or leave it out for the defaults",
                                value.key_lines[group])
            if table is not None and not isinstance(table, dict):
                raise self.fail(f"{where}must be 'key: number' lines ({', '.join(r.key for r in rules)})",
                                value.key_lines[group])
            table = table if table is not None else {}
            if table:
                self.keys(table, rules, where, group, "")
            by_key = {rule.key: rule for rule in rules}
            got[group] = {rule.key: self.setting(table, by_key, rule.key, where) if rule.key in table else rule.default
                          for rule in rules}
            for key in table:
                lines[group, key] = table.key_lines[key]
        rules = Rules(advance_sessions=got["advance"]["sessions"],
                      good_pain_at_most=got["advance"]["pain_after_at_most"],
                      stay_from=got["stay"]["pain_after_from"], stay_to=got["stay"]["pain_after_to"],
                      back_pain_from=got["step_back"]["pain_after_from"],
                      back_worse_mornings=got["step_back"]["worse_mornings_in_a_row"],
                      back_stopped_for_pain=got["step_back"]["stopped_for_pain"])

        def at(group: str, key: str) -> int:
            return lines.get((group, key), value.key_lines.get(group, line))

        if rules.stay_from > rules.stay_to:
            raise self.fail(f"'rules: stay': pain_after_from {rules.stay_from} is above pain_after_to {rules.stay_to}: "
                            "this rule can never be met", at("stay", "pain_after_from"))
        if rules.good_pain_at_most >= rules.stay_from:
            raise self.fail(f"'rules: advance': pain_after_at_most {rules.good_pain_at_most} reaches into 'stay' (from "
                            f"{rules.stay_from}): a pain after of {rules.stay_from} would be good and mean stay at "
                            "once; make it lower", at("advance", "pain_after_at_most"))
        if rules.back_pain_from <= rules.stay_to:
            raise self.fail(f"'rules: step_back': pain_after_from {rules.back_pain_from} reaches into 'stay' (to "
                            f"{rules.stay_to}): a pain after of {rules.back_pain_from} would mean stay and step back "
                            "at once; make it higher", at("step_back", "pain_after_from"))
        return rules


# --- what the history says -----------------------------------------------------------------------


@dataclass(frozen=True)
class Done:
    """A session done at a level, as the rules see it (a resumed one with the session it went on from)."""

    day: date
    pain_after: int | None
    next_morning: str | None
    hurt: str | None  # the exercise stopped for pain


def sessions_done(records: Sequence[Any], program: str, since: date, zone) -> list[Done]:
    """The sessions of `program` done from `since` on, the oldest first, from history Records:
    a play counts once an exercise was done in it, a logged session always (history.counts); a
    session resumed is one with the session it went on from, with the later answers."""
    from voicecoach.history import counts, first_of

    by_id = {entry.id: entry for entry in records if entry.id is not None}

    def root(entry) -> Any:
        return first_of(entry, by_id)

    groups: dict[int, list[Any]] = {}
    order: list[int] = []
    for entry in sorted(records, key=lambda e: e.started):
        if entry.program != program or not counts(entry):
            continue
        first = root(entry)
        key = id(first) if first.id is None else first.id
        if key not in groups:
            groups[key] = []
            order.append(key)
        groups[key].append(entry)
    done = []
    for key in order:
        parts = groups[key]
        day = parts[0].started.astimezone(zone).date()
        if day < since:
            continue
        pain = next((p.pain_after for p in reversed(parts) if p.pain_after is not None), None)
        morning = next((p.next_morning for p in reversed(parts) if p.next_morning is not None), None)
        hurt = next((p.hurt.name for p in reversed(parts) if p.hurt is not None), None)
        done.append(Done(day=day, pain_after=pain, next_morning=morning, hurt=hurt))
    return done


@dataclass(frozen=True)
class Due:
    today: bool
    reason: str  # one sentence
    this_week: int  # sessions done this week (Monday to today) at this level
    next_day: date | None  # the next day a session is due, when not today


def due(level: Level, done: Sequence[Done], today: date) -> Due:
    """Whether a session is due today: not if one was done today; on the level's weekdays; or,
    for sessions a week, until the week's are done (the week is Monday to Sunday)."""
    monday = today - timedelta(days=today.weekday())
    this_week = sum(1 for d in done if monday <= d.day <= today)
    schedule = level.schedule
    done_today = any(d.day == today for d in done)

    def next_due(after: date) -> date:
        """The first day after `after` a session is due (none done on it yet)."""
        day = after + timedelta(days=1)
        if schedule.weekdays:
            while day.weekday() not in schedule.weekdays:
                day += timedelta(days=1)
            return day
        if day - timedelta(days=day.weekday()) == monday and this_week >= schedule.per_week:
            return monday + timedelta(days=7)  # this week's are done: next Monday
        return day

    if done_today:
        nxt = next_due(today)
        return Due(False, f"Today's session of {level.title} is done; the next is due {_day(nxt, today)}.",
                   this_week, nxt)
    if schedule.weekdays:
        if today.weekday() in schedule.weekdays:
            return Due(True, f"{level.title} is due today ({schedule.describe()}).", this_week, None)
        nxt = next_due(today)
        return Due(False, f"{level.title} is not due today; the next session is {_day(nxt, today)} "
                          f"({schedule.describe()}).", this_week, nxt)
    if this_week < schedule.per_week:
        return Due(True, f"{level.title} is due today: {this_week} of {schedule.per_week} this week so far.",
                   this_week, None)
    nxt = monday + timedelta(days=7)
    return Due(False, f"This week's {schedule.per_week} sessions of {level.title} are done; the next is due "
                      f"{_day(nxt, today)}.", this_week, nxt)


def _day(day: date, today: date) -> str:
    if day == today:
        return "today"
    if day == today + timedelta(days=1):
        return "tomorrow"
    return f"on {day.strftime('%A')} {day.day} {day.strftime('%B')}" if (day - today).days >= 7 else \
        f"on {day.strftime('%A')}"


@dataclass(frozen=True)
class Suggestion:
    """What the rules suggest: advance, stay, step-back or none; the program it would move to; the
    reason in one sentence; and for the spoken version, which rule said it and its numbers."""

    kind: str
    next: str | None  # the program to move to (a level's program), or None
    reason: str
    why: str = ""  # advance: "good"; stay: "pain"; step-back: "pain", "mornings", "stopped"; none: "few", "top", "nothing"
    count: int = 0  # the sessions, mornings or stops behind it, or the pain rating
    ask_doctor: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"suggestion": self.kind, "next": self.next, "reason": self.reason}


def suggest(plan: Plan, level_index: int, done: Sequence[Done], today: date) -> Suggestion:
    """What the plan's rules say about the sessions `done` at the level (the oldest first), in the
    order of safety: step back first, then stay, then advance; otherwise what is still missing."""
    rules, level = plan.rules, plan.levels[level_index]
    lower = plan.levels[level_index - 1] if level_index > 0 else None
    higher = plan.levels[level_index + 1] if level_index + 1 < len(plan.levels) else None
    back_to = lower.program if lower is not None else None
    if not done:
        return Suggestion(NONE, None, f"No sessions of {level.title} in your history yet: {rules.advance_sessions} "
                          f"good sessions over at least {_weeks(level.weeks)} come before moving on.", "nothing")
    last = done[-1]
    ask = "ask your doctor or physical therapist"
    then = (f"rest, {ask}, and go back to {lower.title} if you go on" if lower is not None else
            f"rest, and {ask} before you go on with these exercises")
    if last.pain_after is not None and last.pain_after >= rules.back_pain_from:
        return Suggestion(STEP_BACK, back_to, f"Pain after your last session was {last.pain_after} out of 10 "
                          f"({rules.back_pain_from} or more means step back): {then}.", "pain", last.pain_after, True)
    mornings = [d.next_morning for d in done if d.next_morning is not None][-rules.back_worse_mornings:]
    if len(mornings) == rules.back_worse_mornings and all(m == "worse" for m in mornings):
        times = "the morning after your last session" if rules.back_worse_mornings == 1 else \
            f"the mornings after your last {rules.back_worse_mornings} sessions"
        return Suggestion(STEP_BACK, back_to, f"Your back was worse {times}: {then}.", "mornings",
                          rules.back_worse_mornings, True)
    stops = [d for d in done if d.hurt is not None]
    if len(stops) >= rules.back_stopped_for_pain:
        named = ", ".join(f"{d.hurt} on {d.day.strftime('%d %b')}" for d in stops[-3:])
        return Suggestion(STEP_BACK, back_to, f"An exercise was stopped for pain {len(stops)} times at this level "
                          f"({named}): {then}.", "stopped", len(stops), True)
    if last.pain_after is not None and rules.stay_from <= last.pain_after <= rules.stay_to:
        return Suggestion(STAY, None, f"Pain after your last session was {last.pain_after} out of 10 "
                          f"({rules.stay_from} to {rules.stay_to} means stay): keep to {level.title} until it is "
                          f"{rules.good_pain_at_most} or less; if it does not settle, {ask}.", "pain", last.pain_after,
                          True)
    run: list[Done] = []
    for d in reversed(done):
        if d.pain_after is None or d.pain_after > rules.good_pain_at_most or d.next_morning == "worse" or d.hurt:
            break
        run.append(d)
    run.reverse()
    if higher is None:
        return Suggestion(NONE, None, f"{level.title} is the last level of {plan.title}: keep it up "
                          f"({len(run)} good session{'' if len(run) == 1 else 's'} in a row).", "top", len(run))
    need_days = 7 * level.weeks
    span = (today - run[0].day).days + 1 if run else 0
    if len(run) >= rules.advance_sessions and span >= need_days:
        return Suggestion(ADVANCE, higher.program, f"Your last {len(run)} sessions over {_span(span)} went well "
                          f"(pain after at most {rules.good_pain_at_most}, no morning worse, none stopped for pain): "
                          f"when you feel ready, ask your physical therapist about {higher.title}.", "good", len(run))
    more = max(0, rules.advance_sessions - len(run))
    days_left = max(0, need_days - span) if run else need_days
    missing = []
    if more:
        missing.append(f"{more} more good session{'' if more == 1 else 's'}")
    if days_left:
        missing.append(f"{days_left} more day{'' if days_left == 1 else 's'}")
    unanswered = sum(1 for d in done if d.pain_after is None)
    note = (f" (a session counts with its pain-after answer: {unanswered} had none)" if unanswered and more else "")
    return Suggestion(NONE, None, f"{len(run)} good session{'' if len(run) == 1 else 's'} in a row at {level.title} "
                      f"so far: {' and '.join(missing)} before moving on is suggested{note}.", "few", more)


def _weeks(weeks: int) -> str:
    return f"{weeks} week{'' if weeks == 1 else 's'}"


def _span(days: int) -> str:
    return f"{days // 7} week{'' if days // 7 == 1 else 's'}" + (f" and {days % 7} day{'' if days % 7 == 1 else 's'}"
                                                                  if days % 7 else "")


# --- the suggestion, said at the start of a session ----------------------------------------------


def suggestion_lines(book, suggestion: Suggestion, plan: Plan) -> tuple[str, ...]:
    """What the coach says of a suggestion, in the phrasebook's language (without the question)."""
    titles = {level.program: level.title for level in plan.levels}
    if suggestion.kind == ADVANCE:
        return (book.say("plan_went_well", suggestion.count),
                book.say("plan_ask_about", name=titles[suggestion.next]))
    if suggestion.kind == STAY:
        return (book.say("plan_stay", suggestion.count),)
    if suggestion.kind == STEP_BACK:
        why = {"pain": "plan_pain_high", "mornings": "plan_worse_mornings", "stopped": "plan_stopped_for_pain"}
        lines = [book.say(why[suggestion.why], suggestion.count), book.line("plan_contact")]
        if suggestion.next is None:
            lines.append(book.line("plan_rest"))
        return tuple(lines)
    return ()


def suggestion_question(book, suggestion: Suggestion, plan: Plan):
    """The suggestion said, and for a move (advance, or step back to a lower level) the question
    whether to make it today: yes is y or play, no is n, next or stop, and silence is no."""
    from voicecoach.checkin import Option, Question

    lines = suggestion_lines(book, suggestion, plan)
    if suggestion.next is None:
        return lines, None
    titles = {level.program: level.title for level in plan.levels}
    how = "plan_try_today" if suggestion.kind == ADVANCE else "plan_go_back"
    options = (Option(True, book.say("plan_changed", name=titles[suggestion.next]), keys=("y",),
                      controls=("PlayPause", "Play")),
               Option(False, book.line("plan_unchanged"), keys=("n", "s"), controls=("Next", "Stop")))
    question = Question("plan_" + suggestion.kind, lines + (book.say(how, name=titles[suggestion.next]),), options,
                        default=False, default_said=book.line("plan_unchanged"), menu=False, timeout_s=15.0,
                        status="Change the level today? y yes, n no")
    return (), question
