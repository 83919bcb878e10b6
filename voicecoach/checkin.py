"""Check-ins: how the back is before and after a session (0 to 10), how it was the morning after,
what hurt and what the listener chose then, and what a session leaves out because it hurt before.

Pure data and rules: no sound, no keys, no files (asking aloud is voicecoach/ask.py's, keeping the
answers is voicecoach/history.py's). Pain is the 0-10 numeric rating scale (LOINC 72514-3); the
source's advice is to stop an exercise that worsens the pain or causes new pain, and to contact the
doctor or physical therapist.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from voicecoach.errors import OptionError

PAIN_MIN, PAIN_MAX = 0, 10
BETTER, SAME, WORSE = "better", "same", "worse"
NEXT_MORNING = (BETTER, SAME, WORSE)  # how the back was the morning after a session
GO_ON, END = "next", "end"  # after "it hurts": go on with the next exercise, or end the session
HURT_CHOICES = (GO_ON, END)
# When a session asks: before and after it, only after, or never.
BEFORE_AFTER, AFTER, OFF = "before-after", "after", "off"
CHECK_IN_CHOICES = (BEFORE_AFTER, AFTER, OFF)


def check_pain(value: int) -> int:
    """A pain rating, 0 (no pain) to 10 (the worst), or an OptionError."""
    if isinstance(value, bool) or not isinstance(value, int) or not PAIN_MIN <= value <= PAIN_MAX:
        raise OptionError(f"pain is a whole number from {PAIN_MIN} (no pain) to {PAIN_MAX} (the worst), not {value!r}")
    return value


def check_next_morning(value: str) -> str:
    if value not in NEXT_MORNING:
        raise OptionError(f"the next morning is {', '.join(NEXT_MORNING[:-1])} or {NEXT_MORNING[-1]}, not {value!r}")
    return value


@dataclass(frozen=True)
class CheckIn:
    """A session's answers: the pain before and after it (None: not asked, or not answered), and
    how the back was the morning after it (answered at a later session's start)."""

    before: int | None = None
    after: int | None = None
    next_morning: str | None = None

    def to_json(self) -> dict:
        return {"before": self.before, "after": self.after, "next_morning": self.next_morning}


@dataclass(frozen=True)
class Hurt:
    """An exercise that hurt during a session: which one (its 0-based index among the session's
    exercises, and its name), and what the listener chose then: go on with the next exercise, or
    end the session (also what happens when no answer comes)."""

    index: int
    name: str
    chose: str = END

    def __post_init__(self) -> None:
        if self.chose not in HURT_CHOICES:
            raise OptionError(f"after it hurts, the choice is {GO_ON} or {END}, not {self.chose!r}")

    def to_json(self) -> dict:
        return {"number": self.index + 1, "name": self.name, "chose": self.chose}


@dataclass(frozen=True)
class LeftOut:
    """An exercise a session leaves out because it hurt before; `again` when the session before
    left it out too (then the listener is advised to ask their doctor or physical therapist)."""

    name: str
    again: bool = False


def left_out_today(exercise_names: Sequence[str], previous_left_out: Iterable[str] = (),
                   previous_hurt: str | None = None, included: Iterable[str] = ()) -> tuple[LeftOut, ...]:
    """What today's session of a program leaves out, in program order: the exercise that hurt in
    the session before, and what that one left out (it stays out until taken back), less those the
    listener includes (--include, or their answer). Names the program no longer has are dropped."""
    before = set(previous_left_out)
    wanted = before | ({previous_hurt} if previous_hurt else set())
    taken_back = {name.casefold() for name in included}
    return tuple(LeftOut(name, again=name in before) for name in exercise_names
                 if name in wanted and name.casefold() not in taken_back)


# --- the questions a session asks ----------------------------------------------------------------

QUESTION_TIMEOUT_S = 20.0  # no answer within this is no answer (the listener may not reach anything)


@dataclass(frozen=True)
class Option:
    """One answer: its value, how it is said back, the keys that give it, and the media controls
    (a headset's buttons) that give it at once."""

    value: object
    said: str
    keys: tuple[str, ...] = ()
    controls: tuple[str, ...] = ()


@dataclass(frozen=True)
class Question:
    """A question said aloud: its lines, its answers, and what silence means.

    menu: the media keys step through the answers (next and previous, each said as it is reached;
    play chooses the one last said). default: the answer after timeout_s without one (None: not
    answered), said as `default_said`."""

    name: str
    lines: tuple[str, ...]
    options: tuple[Option, ...]
    default: object = None
    default_said: str | None = None
    menu: bool = True
    timeout_s: float = QUESTION_TIMEOUT_S
    status: str = ""  # what the status line shows while it waits

    def by_key(self, key: str) -> Option | None:
        return next((option for option in self.options if key in option.keys), None)

    def by_control(self, control: str) -> Option | None:
        return next((option for option in self.options if control in option.controls), None)


def pain_question(book, after: bool) -> Question:
    """How is the back, 0 to 10, before the session or after it: a digit key (10: t, or 1 then 0
    within a second), or the menu on the media keys."""
    options = tuple(Option(n, book.say("pain_answer", n), keys=(str(n),) if n < 10 else ("t",))
                    for n in range(PAIN_MIN, PAIN_MAX + 1))
    return Question("pain_after" if after else "pain_before",
                    (book.line("pain_after" if after else "pain_before"), book.line("pain_how")), options,
                    default_said=book.line("no_answer"), status="Pain 0-10? digit keys, t = 10")


def next_morning_question(book) -> Question:
    """How was the back the morning after the last session: b, s or w, or the menu."""
    options = tuple(Option(value, book.line(value), keys=(value[0],)) for value in NEXT_MORNING)
    return Question("next_morning", (book.line("next_morning"), book.line("next_morning_how")), options,
                    default_said=book.line("no_answer"), status="Morning after? b better, s same, w worse")


def hurt_question(book) -> Question:
    """After "it hurts": the source's advice, then go on with the next exercise or end (silence ends)."""
    options = (Option(GO_ON, book.line("going_on"), keys=("n", " "), controls=("Next", "PlayPause", "Play")),
               Option(END, book.line("ending_for_pain"), keys=("q", "e"), controls=("Stop",)))
    return Question("hurt", (book.line("hurt_stop"), book.line("hurt_advice"), book.line("hurt_choice")), options,
                    default=END, default_said=book.line("ending_for_pain"), menu=False,
                    status="It hurts: n next exercise, q end")


def did_it_hurt_question(book) -> Question:
    """Stop pressed on the media keys during an exercise: did it hurt? (silence: no, and it stops)."""
    options = (Option(True, book.line("yes"), keys=("y", "h"), controls=("PlayPause", "Play")),
               Option(False, book.line("no"), keys=("n", "q"), controls=("Stop", "Next")))
    return Question("did_it_hurt", (book.line("did_it_hurt"),), options, default=False, menu=False,
                    timeout_s=10.0, status="Did that hurt? y yes, n no")


def take_back_question(book, left: Sequence[LeftOut]) -> Question:
    """What is left out today and why; i (or play) takes it back (silence: it stays out)."""
    lines: list[str] = []
    for item in left:
        lines.append(book.say("left_out", name=item.name))
        if item.again:
            lines.append(book.line("left_out_again"))
    lines.append(book.line("take_back_how"))
    options = (Option(True, book.line("taken_back"), keys=("i",), controls=("PlayPause", "Play")),
               Option(False, book.line("kept_out"), keys=("n", "s"), controls=("Next", "Stop")))
    return Question("take_back", tuple(lines), options, default=False, menu=False, timeout_s=10.0,
                    status="i to include it today")
