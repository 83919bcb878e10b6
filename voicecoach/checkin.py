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
