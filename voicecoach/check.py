"""What `voicecoach check` says about a valid program: a short summary, and warnings about things
that are allowed but probably not meant. Pure: lengths come from a Durations (the estimate when
nothing has been synthesized), so checking never makes a sound."""

from __future__ import annotations

from dataclasses import dataclass

from voicecoach.program import (
    REMINDER_EACH_REP,
    REMINDER_EACH_SIDE,
    REMINDER_ONCE,
    Exercise,
    Hold,
    Move,
    Program,
    Sided,
    said,
)
from voicecoach.script import (
    CUE_GAP_MS,
    CUE_HOLD_START,
    MIN_GAP_MS,
    Durations,
    Script,
    format_length,
)

# A session longer than this at pace 1 is probably a mistake (a home program takes 10 to 30 minutes).
LONG_SESSION_S = 60 * 60


@dataclass(frozen=True)
class Finding:
    """Something legal but probably not meant, at a line of the file (None: the whole program)."""

    line: int | None
    text: str


def summary(program: Program, script: Script) -> tuple[str, list[str]]:
    """The program's one-line summary (exercises, length at pace 1, from its script at pace 1) and
    a line per exercise."""
    count = len(program.exercises)
    head = (f"{program.title}: {count} exercise{'' if count == 1 else 's'}, "
            f"about {format_length(script.duration_ms)} at pace 1")
    width = max(len(e.name) for e in program.exercises)
    rows = [f"{number:>2}. {exercise.name:<{width}}  {_describe(exercise)}"
            for number, exercise in enumerate(program.exercises, start=1)]
    return head, rows


def _describe(exercise: Exercise) -> str:
    reps = f"{exercise.reps} time{'' if exercise.reps == 1 else 's'}" + (" on each side" if exercise.each_side else "")
    holds = exercise.holds
    parts = [reps]
    if holds:
        lengths = sorted({(h.min_seconds, h.seconds) for h in holds}, key=lambda pair: pair[1])
        parts.append("hold " + ", ".join(f"{low:g} to {high:g} s" if low else f"{high:g} s" for low, high in lengths))
    parts.append(f"set-up {exercise.setup_s:g} s" + (f", {exercise.switch_setup_s:g} s after switching"
                                                        if exercise.each_side else ""))
    return "; ".join(parts)


def warnings(program: Program, script: Script, durations: Durations) -> list[Finding]:
    """Things a program allows that are probably not what its writer meant (script: at pace 1)."""
    found: list[Finding] = []
    for number, exercise in enumerate(program.exercises, start=1):
        where = f"exercise {number} ({exercise.name}): "
        found += _reminder(exercise, where, durations)
        found += _setup(exercise, where, durations)
        found += _cues(exercise, where, durations)
    length_s = script.duration_s
    if length_s > LONG_SESSION_S:
        found.append(Finding(None, f"the session lasts {format_length(round(length_s * 1000))} at pace 1; "
                                    "is that meant? (a home program usually takes 10 to 30 minutes)"))
    return found


def _seconds(ms: int) -> str:
    return f"{ms / 1000:.1f} s"


def _reminder(exercise: Exercise, where: str, durations: Durations) -> list[Finding]:
    if exercise.reminder is None:
        return []
    out = []
    line = exercise.lines.get("reminder", exercise.line)
    holds = exercise.holds
    if holds:
        hold = holds[0]
        room = round(hold.seconds * 1000) - durations.cue_ms(CUE_HOLD_START) - CUE_GAP_MS - MIN_GAP_MS
        needs = max(durations.speech_ms(said(exercise.reminder, side)) for side in ("left", "right"))
        in_holds = exercise.reminder_said == REMINDER_EACH_REP or (
            exercise.reminder_said == REMINDER_EACH_SIDE and exercise.each_side)
        if needs > room and in_holds:
            out.append(Finding(line, f"{where}the reminder takes about {_seconds(needs)} to say and never fits in "
                                      f"its {hold.seconds:g}-second hold; it is said just before the hold instead"))
    if isinstance(exercise.reminder, Sided) and exercise.reminder_said == REMINDER_ONCE:
        out.append(Finding(exercise.lines.get("reminder_said", line),
                            f"{where}the reminder is worded by side but said once, so the right side never hears "
                            "it; use 'reminder_said: each side'"))
    return out


def _setup(exercise: Exercise, where: str, durations: Durations) -> list[Finding]:
    """A set-up shorter than it takes to say the position: the listener is told more than they have
    time to do."""
    position_ms = max(sum(durations.speech_ms(said(text, side)) for text in exercise.position)
                      for side in ("left", "right"))
    setup_ms = round(exercise.setup_s * 1000)
    if setup_ms >= position_ms:
        return []
    line = exercise.lines.get("setup", exercise.line)
    return [Finding(line, f"{where}{exercise.setup_s:g} s to get into position, but the position takes about "
                           f"{_seconds(position_ms)} to say; is that enough? (setup: "
                           f"{-(-position_ms // 1000)} would match it)")]


def _cues(exercise: Exercise, where: str, durations: Durations) -> list[Finding]:
    """A movement cue that takes longer to say than its step: the step stretches to fit it."""
    out = []
    for number, phase in enumerate(exercise.movement, start=1):
        if isinstance(phase, Hold):
            continue
        assert isinstance(phase, Move)
        needs = max(durations.speech_ms(said(phase.say, side)) for side in ("left", "right"))
        if needs > round(phase.seconds * 1000):
            out.append(Finding(phase.line or exercise.line,
                                f"{where}movement step {number}: the cue takes about {_seconds(needs)} to say, longer "
                                f"than the step's {phase.seconds:g} s; the step will last as long as the cue"))
    return out
