"""The compiled session: a timeline of speech, cues and silence, and the pure compiler that makes it.

Times are whole milliseconds on the timeline (exact, no float drift over hours), exposed as float
seconds. Events tile the timeline: each starts where the previous one ends, and every gap is an
explicit silence, so the total length is the sum of the durations.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Literal, Protocol

from voicecoach.errors import OptionError
from voicecoach.phrasebook import ENGLISH, Phrasebook, builtin_phrasebook
from voicecoach.program import (
    REMINDER_EACH_REP,
    REMINDER_EACH_SIDE,
    Exercise,
    Hold,
    Move,
    Program,
    said,
)
from voicecoach.settings import DEFAULT_RATE_WPM, check_choices

Kind = Literal["speech", "cue", "silence"]
Side = Literal["left", "right"]

CUE_HOLD_START = "hold-start"
CUE_HOLD_END = "hold-end"
CUE_NEXT_EXERCISE = "next-exercise"
CUE_SESSION_END = "session-end"
CUE_TICK = "countdown-tick"

# Length of each cue sound in ms, used until the sound layer reports the real files' lengths.
DEFAULT_CUE_MS = {CUE_HOLD_START: 300, CUE_HOLD_END: 300, CUE_NEXT_EXERCISE: 500, CUE_SESSION_END: 1200,
                  CUE_TICK: 60}

# Silences that belong to speech rhythm, not to the exercise tempo: never scaled by pace (ms).
LINE_GAP_MS = 500  # between two spoken lines
MIN_GAP_MS = 250  # at least this after a spoken cue inside a timed movement or rest
CUE_GAP_MS = 250  # after a cue sound, before the next speech
# Tempo silences, in ms at pace 1.0, scaled by pace.
READY_MS = 1000  # between "Ready." and "Begin."
# A wait for the listener (wait_for_me) goes on this long before "Ready.", so the session does not
# start talking the instant they say they are ready.
WAIT_RESUME_LEAD_MS = 600
# Holds at least this long get "halfway" and a spoken countdown (ms).
LONG_HOLD_MS = 10_000
FIVE_MORE_MIN_HOLD_MS = 15_000
# Silence before the first sound: Bluetooth and phone outputs wake slowly and swallow it (ms).
LEAD_IN_MS = 700
# The longest the script leaves without a sound (ms; heard as at most 6 s, the faded edges of the
# sounds around it counted): lying down, 10 s of nothing sounds like a
# player that has stopped. Longer silences get the time left said (on these steps before the
# end of a hold or rest), or a soft tick where no words fit.
MAX_QUIET_MS = 5500
HOLD_TIME_STEP_MS = 5000
REST_TIME_STEP_MS = 10_000
REST_ANNOUNCED_MIN_MS = 5000  # rests at least this long are announced with their length
NEXT_SOON_MS = 5000  # "Next exercise in five seconds."


@dataclass(frozen=True)
class Options:
    """What the listener chose: pace multiplies movement tempo and rests, never holds; quiet holds
    keep holds free of the time-left lines that otherwise keep every silence under 6 seconds."""

    pace: float = 1.0
    quiet_holds: bool = False
    language: str | None = None  # overrides the program's
    phrasebook: Phrasebook | None = None  # the language's phrasebook as the user has it; None: the package's

    def __post_init__(self) -> None:
        check_choices(self)

    def phrases(self, program: Program) -> Phrasebook:
        """The phrasebook the session speaks: the chosen one, or the package's for the language."""
        if self.phrasebook is not None:
            return self.phrasebook
        language = self.language or program.language
        book = builtin_phrasebook(language)
        if book is None:
            raise OptionError(f"voicecoach has no phrasebook for the language '{language}'")
        return book


@dataclass(frozen=True, slots=True)
class Event:
    """One thing on the timeline: a spoken line, a cue sound, or silence."""

    start_ms: int
    duration_ms: int
    kind: Kind
    text: str | None = None
    cue: str | None = None
    exercise: str | None = None
    side: Side | None = None
    rep: int | None = None

    @property
    def end_ms(self) -> int:
        return self.start_ms + self.duration_ms

    @property
    def start_s(self) -> float:
        return self.start_ms / 1000

    @property
    def duration_s(self) -> float:
        return self.duration_ms / 1000

    def to_dict(self) -> dict:
        return {
            "start": self.start_s,
            "duration": self.duration_s,
            "kind": self.kind,
            "text": self.text,
            "cue": self.cue,
            "exercise": self.exercise,
            "side": self.side,
            "rep": self.rep,
        }


@dataclass(frozen=True)
class Wait:
    """A place where `play` waits until the listener says they are ready (wait_for_me): from at_ms,
    the start of the timed set-up after "Get into position.", it goes on at resume_ms, just before
    "Ready.". An export plays the timed set-up in between instead."""

    at_ms: int
    resume_ms: int
    exercise: str
    side: Side | None = None

    def to_dict(self) -> dict:
        return {"at": self.at_ms / 1000, "resume": self.resume_ms / 1000, "exercise": self.exercise,
                "side": self.side}


@dataclass(frozen=True)
class Script:
    """A compiled session: the single source of truth for what sounds when."""

    program: str
    title: str
    pace: float
    events: tuple[Event, ...]
    quiet_holds: bool = False
    language: str = "en"
    waits: tuple[Wait, ...] = ()  # where play waits for the listener, in order

    @property
    def duration_ms(self) -> int:
        return self.events[-1].end_ms if self.events else 0

    @property
    def duration_s(self) -> float:
        return self.duration_ms / 1000

    def exercise_starts(self) -> tuple[tuple[str, int], ...]:
        """Each exercise's name and the start of its first event, in order."""
        starts: dict[str, int] = {}
        for event in self.events:
            if event.exercise is not None and event.exercise not in starts:
                starts[event.exercise] = event.start_ms
        return tuple(starts.items())


class Durations(Protocol):
    """How long each spoken line and cue sound lasts; the sound layer measures, the estimate guesses."""

    def speech_ms(self, text: str) -> int: ...

    def cue_ms(self, cue: str) -> int: ...


@dataclass(frozen=True)
class Estimate:
    """Durations estimated from word count and speech rate, for when no engine has measured them."""

    rate_wpm: int = DEFAULT_RATE_WPM

    def speech_ms(self, text: str) -> int:
        letters = sum(char.isalnum() for char in text)
        pauses = sum(text.count(mark) for mark in ".,:;?!")
        # Fitted to espeak-ng 1.51 at 160 wpm over the built-in programs' 118 phrases (61 ms a
        # letter, 470 ms a punctuation pause, 90 ms lead-in); within -18%..+34% of measured.
        return math.ceil(61 * letters * DEFAULT_RATE_WPM / self.rate_wpm) + 470 * pauses + 90

    def cue_ms(self, cue: str) -> int:
        return DEFAULT_CUE_MS[cue]


ESTIMATE = Estimate()


def compile_script(program: Program, options: Options = Options(), durations: Durations = ESTIMATE) -> Script:
    """Compile a program into its session script. Pure: no I/O, no clock."""
    book = options.phrases(program)
    head = compile_head(program, options, durations)
    head_ms = head[-1].end_ms
    # The length line says "about N minutes", and saying it changes the length a little: settle N.
    # Everything after it starts at head + line + gap, so one pass measures the rest.
    rest = _Timeline(durations, options.pace, book)
    rest.body(program)
    fixed_ms = head_ms + LINE_GAP_MS + rest.now
    del rest  # before the final pass, so two timelines never sit in memory at once
    minutes = _round_minutes(fixed_ms)
    for _attempt in range(3):  # settled, or oscillating: keep the last
        settled = _round_minutes(fixed_ms + durations.speech_ms(book.session_length(minutes)))
        if settled == minutes:
            break
        minutes = settled
    timeline = _Timeline(durations, options.pace, book, start_ms=head_ms)
    timeline.lines([book.session_length(minutes)])
    timeline.body(program)
    body = _keep_sounding(timeline.events, timeline.periods, durations, options.quiet_holds, book)
    return Script(program=program.name, title=program.title, pace=options.pace, events=head + tuple(body),
                  quiet_holds=options.quiet_holds, language=book.language, waits=tuple(timeline.waits))


def head_lines(program: Program, book: Phrasebook) -> list[str]:
    """The lines of the session's opening: title, number of exercises (in the session's language),
    intro, safety advice."""
    title = program.title if program.title.endswith((".", "!", "?")) else program.title + "."
    return [title, book.exercise_count(len(program.exercises)), *program.intro, *program.safety]


def compile_head(program: Program, options: Options = Options(), durations: Durations = ESTIMATE,
                 count: int | None = None) -> tuple[Event, ...]:
    """The session's opening (its first `count` lines, or all): events that do not depend on the
    session's length and are the same in its compiled script, so a player can sound them while
    the rest of the session is still being synthesized."""
    book = options.phrases(program)
    timeline = _Timeline(durations, options.pace, book)
    timeline.silence(LEAD_IN_MS)
    timeline.lines(head_lines(program, book)[:count])
    return tuple(timeline.events)


def _round_minutes(ms: int) -> int:
    return (ms + 30_000) // 60_000


class _Timeline:
    """Appends events at a cursor, stamping each with the current exercise, side and rep."""

    def __init__(self, durations: Durations, pace: float, book: Phrasebook, start_ms: int = 0):
        self.durations = durations
        self.pace = pace
        self.book = book
        self.sides = {side: book.side_word(side) for side in ("left", "right")}
        self.events: list[Event] = []
        self.now = start_ms
        self.exercise: str | None = None
        self.side: Side | None = None
        self.rep: int | None = None
        self.periods: list[tuple[int, int, str]] = []  # holds and rests: (start, end, "hold" or "rest")
        self.waits: list[Wait] = []

    # --- primitives ---

    def scaled(self, ms_at_pace_1: float) -> int:
        return round(ms_at_pace_1 / self.pace)

    def _append(self, kind: Kind, duration_ms: int, text: str | None = None, cue: str | None = None) -> None:
        event = Event(self.now, duration_ms, kind, text, cue, self.exercise, self.side, self.rep)
        self.events.append(event)
        self.now += duration_ms

    def say(self, text: str) -> None:
        self._append("speech", self.durations.speech_ms(text), text=text)

    def cue(self, name: str) -> None:
        self._append("cue", self.durations.cue_ms(name), cue=name)

    def silence(self, duration_ms: int) -> None:
        if duration_ms <= 0:
            return
        last = self.events[-1] if self.events else None
        if last and last.kind == "silence" and (last.exercise, last.side, last.rep) == (
            self.exercise,
            self.side,
            self.rep,
        ):
            self.events[-1] = Event(last.start_ms, last.duration_ms + duration_ms, "silence",
                                    exercise=last.exercise, side=last.side, rep=last.rep)
            self.now += duration_ms
        else:
            self._append("silence", duration_ms)

    def until(self, at_ms: int) -> None:
        self.silence(at_ms - self.now)

    def lines(self, texts: tuple[str, ...] | list[str]) -> None:
        for text in texts:
            self.say(text)
            self.silence(LINE_GAP_MS)

    def slot(self, text: str, length_ms: int) -> None:
        """Speak text and fill with silence to length_ms from now, never cutting the speech short."""
        start = self.now
        self.say(text)
        self.until(max(start + length_ms, self.now + MIN_GAP_MS))

    # --- the session ---

    def body(self, program: Program) -> list[Event]:
        """Everything after the length line: how holds sound, the exercises, the end."""
        if any(exercise.holds for exercise in program.exercises):
            self.lines([self.book.line("hold_tones")])
        self.lines([self.book.line("begin_session")])
        total = len(program.exercises)
        for number, exercise in enumerate(program.exercises, start=1):
            following = program.exercises[number] if number < total else None
            self.exercise_block(exercise, number, total, following)
        self.lines([self.book.line("end_session")])
        self.cue(CUE_SESSION_END)
        return self.events

    def exercise_block(self, exercise: Exercise, number: int, total: int, following: Exercise | None) -> None:
        self.exercise = exercise.name
        self.cue(CUE_NEXT_EXERCISE)
        self.silence(CUE_GAP_MS)
        self.lines([self.book.exercise_heading(number, total, exercise.name)])
        by_side = exercise.set_up_by_side  # what differs by side is said once the side is named
        if not by_side:
            self.lines(exercise.position)
            self.lines(exercise.instructions)
        reminder = exercise.reminder
        summary = [self.book.reps_summary(exercise.reps, exercise.each_side), self.hold_summary(exercise),
                   reminder if isinstance(reminder, str) else None]
        self.lines([line for line in summary if line])
        sides: tuple[Side | None, ...] = ("left", "right") if exercise.each_side else (None,)
        for index, side in enumerate(sides):
            self.side = side
            if side is not None:
                self.lines([self.book.first_side(side) if index == 0 else self.book.switch_side(side)])
            if by_side:
                self.lines([said(text, side, self.sides) for text in exercise.position + exercise.instructions])
            if reminder is not None and not isinstance(reminder, str) and index == 0:
                self.lines([said(reminder, side, self.sides)])  # worded by side: introduced once the side is named
            self.say(self.book.line("get_ready"))
            setup_s = exercise.setup_s if index == 0 else exercise.switch_setup_s
            wait_at = self.now
            self.silence(max(MIN_GAP_MS, self.scaled(setup_s * 1000)))
            if exercise.wait_for_me:
                self.waits.append(Wait(wait_at, max(wait_at, self.now - WAIT_RESUME_LEAD_MS), exercise.name, side))
            self.slot(self.book.line("ready"), self.scaled(READY_MS))
            self.lines([self.book.line("begin")])
            for rep in range(1, exercise.reps + 1):
                self.rep = rep
                remind = exercise.reminder_said == REMINDER_EACH_REP or (
                    exercise.reminder_said == REMINDER_EACH_SIDE and index > 0 and rep == 1)
                self.repetition(exercise, last=rep == exercise.reps,
                                reminder=said(reminder, side, self.sides) if reminder is not None and remind else None)
            self.rep = None
        self.side = None
        if following is not None:
            self.rest(exercise.rest_after_s, following)
        self.exercise = None

    def hold_summary(self, exercise: Exercise) -> str | None:
        """How long to hold, said once before the exercise; a range is timed to its longest."""
        if not exercise.holds:
            return None
        hold = exercise.holds[0]
        return self.book.hold_summary(hold.seconds, hold.min_seconds is not None, exercise.reps > 1)

    def rest(self, seconds: float, following: Exercise) -> None:
        """The rest between exercises: its length said, what comes next, and a warning before it."""
        start = self.now
        length_ms = self.scaled(seconds * 1000)
        announced = length_ms >= REST_ANNOUNCED_MIN_MS
        opening = self.book.rest_for(round(length_ms / 1000)) if announced else self.book.line("rest")
        first_side = "left" if following.each_side else None
        self.lines([opening, self.book.next_up(following.name), said(following.position[0], first_side, self.sides)])
        soon = start + length_ms - NEXT_SOON_MS
        next_soon = self.book.line("next_soon")
        if announced and soon >= self.now and soon + self.durations.speech_ms(next_soon) + MIN_GAP_MS <= start + length_ms:
            self.until(soon)
            self.say(next_soon)
        self.until(max(start + length_ms, self.now))
        self.periods.append((start, self.now, "rest"))

    def repetition(self, exercise: Exercise, last: bool, reminder: str | None = None) -> None:
        """One repetition; the reminder, if it is due, at the start of its first hold (or, in an
        exercise without holds, before it)."""
        if reminder is not None and not exercise.holds:
            self.lines([reminder])
            reminder = None
        for phase in exercise.movement:
            if isinstance(phase, Move):
                self.slot(said(phase.say, self.side, self.sides), self.scaled(phase.seconds * 1000))
            else:
                self.hold(phase, reminder)
                reminder = None
        text = self.book.count(self.rep or 0, exercise.reps, with_total=bool(exercise.holds))
        if exercise.reps == 1:  # nothing to count
            self.silence(LINE_GAP_MS)
        elif last:
            self.lines([text])
        else:
            self.slot(text, self.scaled(exercise.rest_between_reps_s * 1000))

    def hold(self, hold: Hold, reminder: str | None) -> None:
        """A hold lasts exactly its prescribed time, from the start of one cue to the start of the other."""
        length_ms = round(hold.seconds * 1000)
        start_cue_ms = self.durations.cue_ms(CUE_HOLD_START)
        anchors: list[tuple[int, str]] = []
        if length_ms >= LONG_HOLD_MS:
            anchors.append((length_ms // 2, self.book.line("halfway")))
            if length_ms >= FIVE_MORE_MIN_HOLD_MS:
                anchors.append((length_ms - 5000, self.book.time_left(5)))
            anchors += [(length_ms - n * 1000, self.book.countdown(n)) for n in (3, 2, 1)]
        if reminder is not None:
            first = start_cue_ms + CUE_GAP_MS
            with_reminder = [(first, reminder)] + anchors
            if (first, reminder) in _placed(with_reminder, length_ms, start_cue_ms, self.durations):
                anchors = with_reminder
            else:  # it does not fit inside the hold: say it just before
                self.lines([reminder])
        hold_start = self.now
        self.cue(CUE_HOLD_START)
        for offset_ms, text in _placed(anchors, length_ms, start_cue_ms, self.durations):
            self.until(hold_start + offset_ms)
            self.say(text)
        self.until(hold_start + length_ms)
        self.periods.append((hold_start, self.now, "hold"))
        self.cue(CUE_HOLD_END)
        self.silence(CUE_GAP_MS)


def _placed(anchors: list[tuple[int, str]], length_ms: int, free_from_ms: int,
            durations: Durations) -> list[tuple[int, str]]:
    """The lines of a hold that fit: each at its anchor (or just after the line before), ending
    MIN_GAP_MS before the next anchor or the end of the hold. Lines that do not fit are left out."""
    placed: list[tuple[int, str]] = []
    free = free_from_ms
    for index, (anchor, text) in enumerate(anchors):
        limit = anchors[index + 1][0] if index + 1 < len(anchors) else length_ms
        start = max(anchor, free)
        end = start + durations.speech_ms(text)
        if end + MIN_GAP_MS <= limit:
            placed.append((start, text))
            free = end + MIN_GAP_MS
    return placed


def _keep_sounding(events: list[Event], periods: list[tuple[int, int, str]], durations: Durations,
                   quiet_holds: bool, book: Phrasebook = ENGLISH) -> list[Event]:
    """The events with every silence longer than MAX_QUIET_MS broken by a sound, the timing of
    everything else untouched: inside a hold or rest, the time left ("Ten more seconds.") on a
    whole step before its end; where no such line fits, a soft tick. Quiet holds stay quiet."""
    sounds = [event for event in events if event.kind != "silence"]
    insertions: list[tuple[int, int, str | None, str | None]] = []  # (start, length, text, cue)
    for before, after in zip(sounds, sounds[1:]):
        insertions += _fill(before.end_ms, after.start_ms, periods, durations, quiet_holds, book)
    return _inserted(events, insertions) if insertions else events


def _fill(free_ms: int, until_ms: int, periods: list[tuple[int, int, str]], durations: Durations,
          quiet_holds: bool, book: Phrasebook) -> list[tuple[int, int, str | None, str | None]]:
    """What to sound in the silence from free_ms to until_ms so that no stretch is over MAX_QUIET_MS."""
    out: list[tuple[int, int, str | None, str | None]] = []
    period = next(((start, end, kind) for start, end, kind in periods if start <= free_ms and until_ms <= end), None)
    if period is not None and period[2] == "hold" and quiet_holds:
        return out
    while until_ms - free_ms > MAX_QUIET_MS:
        placed = None
        horizon = until_ms  # the next sound: a tick goes halfway there
        if period is not None:
            step = HOLD_TIME_STEP_MS if period[2] == "hold" else REST_TIME_STEP_MS
            mark = period[1] - step
            while mark >= free_ms + MIN_GAP_MS and placed is None:  # the latest mark that closes the gap
                text = book.time_left((period[1] - mark) // 1000)
                length = durations.speech_ms(text)
                if mark + length + MIN_GAP_MS <= until_ms:
                    if mark - free_ms <= MAX_QUIET_MS:
                        placed = (mark, length, text, None)
                    else:
                        horizon = mark
                mark -= step
        if placed is None:
            length = durations.cue_ms(CUE_TICK)
            placed = (free_ms + min(MAX_QUIET_MS, (horizon - free_ms - length) // 2), length, None, CUE_TICK)
        out.append(placed)
        free_ms = placed[0] + placed[1]
    return out


def _inserted(events: list[Event], insertions: list[tuple[int, int, str | None, str | None]]) -> list[Event]:
    """The events with each insertion (which lies in silence) cut into the silences it falls in."""
    out: list[Event] = []
    pending = sorted(insertions)
    index = 0
    cursor = events[0].start_ms if events else 0
    for event in events:
        if event.kind != "silence":
            out.append(event)
            cursor = event.end_ms
            continue
        stamps = {"exercise": event.exercise, "side": event.side, "rep": event.rep}
        position = max(cursor, event.start_ms)
        while index < len(pending) and pending[index][0] < event.end_ms:
            start, length, text, cue = pending[index]
            if start > position:
                out.append(Event(position, start - position, "silence", **stamps))
            out.append(Event(start, length, "speech" if text else "cue", text=text, cue=cue, **stamps))
            position = start + length
            index += 1
        if event.end_ms > position:
            out.append(Event(position, event.end_ms - position, "silence", **stamps))
        cursor = max(position, event.end_ms)
    return out


# --- output formats ---------------------------------------------------------------------------

JSON_FORMAT_VERSION = 1


def script_to_json(script: Script) -> str:
    """The documented JSON form of a script (docs/script-json.md): deterministic, one event a line."""
    head = {
        "version": JSON_FORMAT_VERSION,
        "program": script.program,
        "title": script.title,
        "pace": script.pace,
        "quiet_holds": script.quiet_holds,
        "language": script.language,
        "duration": script.duration_s,
    }
    if script.waits:  # only programs with wait_for_me have them
        head["waits"] = [wait.to_dict() for wait in script.waits]
    lines = ["{"]
    lines += [f"  {json.dumps(key)}: {json.dumps(value, ensure_ascii=False)}," for key, value in head.items()]
    lines.append('  "events": [')
    events = [json.dumps(event.to_dict(), ensure_ascii=False) for event in script.events]
    lines += [f"    {text}," for text in events[:-1]] + [f"    {text}" for text in events[-1:]]
    lines += ["  ]", "}"]
    return "\n".join(lines) + "\n"


def format_clock(ms: int) -> str:
    """m:ss.s, rounded to the tenth of a second."""
    tenths = (ms + 50) // 100
    minutes, rest = divmod(tenths, 600)
    return f"{minutes}:{rest // 10:02d}.{rest % 10}"


def format_length(ms: int) -> str:
    """m:ss, rounded to the second."""
    minutes, seconds = divmod((ms + 500) // 1000, 60)
    return f"{minutes}:{seconds:02d}"


def script_to_text(script: Script) -> str:
    """The script for reading: one event a line with its start time, and the total length."""
    exercises = len({e.exercise for e in script.events if e.exercise})
    heading = (f"{script.title} ({script.program}): {exercises} exercise{'' if exercises == 1 else 's'}, "
               f"pace {script.pace:g}" + (", quiet holds" if script.quiet_holds else ""))
    out = [heading, ""]
    exercise: str | None = None
    side: str | None = None
    waits = {wait.at_ms: wait for wait in script.waits}
    for event in script.events:
        wait = waits.get(event.start_ms)
        if wait is not None and event.kind == "silence":
            out.append(f"  {format_clock(wait.at_ms):>8}  {'wait':<7}  until you are ready, then on at "
                       f"{format_clock(wait.resume_ms)} (play only; an export keeps the timed set-up)")
        if event.exercise != exercise and event.exercise is not None:
            out += ["", f"  {event.exercise}"]
        elif event.exercise is None and exercise is not None:
            out.append("")
        if event.side != side and event.side is not None:
            out.append(f"  {event.side} side")
        exercise, side = event.exercise, event.side
        if event.kind == "speech":
            what = event.text
        elif event.kind == "cue":
            what = event.cue
        else:
            what = f"{event.duration_s:g} s"
        out.append(f"  {format_clock(event.start_ms):>8}  {event.kind:<7}  {what}")
    out += ["", f"Length {format_clock(script.duration_ms)}"]
    return "\n".join(out) + "\n"
