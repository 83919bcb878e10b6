"""Every line the compiler speaks that does not come from the program file, worded for the ear."""

from __future__ import annotations

from voicecoach.program import Exercise

_ONES = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen"
).split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()


def number_words(n: int) -> str:
    """English words for a whole number (digits from 1000 on, which speech engines read well)."""
    if n < 0 or n > 999:
        return str(n)
    if n < 20:
        return _ONES[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return _TENS[tens - 2] + ("" if ones == 0 else "-" + _ONES[ones])
    hundreds, rest = divmod(n, 100)
    head = f"{_ONES[hundreds]} hundred"
    return head if rest == 0 else f"{head} and {number_words(rest)}"


def seconds_words(seconds: float) -> str:
    """'five seconds', 'one second', 'two and a half seconds'."""
    whole = int(seconds)
    if seconds == whole:
        return f"{number_words(whole)} second{'' if whole == 1 else 's'}"
    if seconds - whole == 0.5:
        return f"{number_words(whole)} and a half seconds"
    return f"{seconds:g} seconds"


def _sentence(text: str) -> str:
    return text[0].upper() + text[1:] + "."


def session_title(title: str) -> str:
    return title if title.endswith((".", "!", "?")) else title + "."


def exercise_count(exercises: int) -> str:
    return _sentence(f"{number_words(exercises)} exercise{'' if exercises == 1 else 's'}")


def session_length(minutes: int) -> str:
    """Said after the safety advice, once the whole session is measured: the opening lines before
    it can play while the rest is still being synthesized."""
    if minutes < 1:
        return "This session takes under a minute."
    if minutes >= 90:
        hours = (minutes + 30) // 60
        return f"This session takes about {number_words(hours)} hour{'' if hours == 1 else 's'}."
    return f"This session takes about {number_words(minutes)} minute{'' if minutes == 1 else 's'}."


def is_session_length(text: str) -> bool:
    """Whether text is the length line, whose words depend on the measured session."""
    return text.startswith("This session takes ")


HOLD_TONES = "A rising tone starts each hold. A falling tone ends it."
BEGIN_SESSION = "Let's begin."
GET_READY = "Get into position."
READY = "Ready."
BEGIN = "Begin."
HALFWAY = "Halfway."
REST = "Rest."
NEXT_SOON = "Next exercise in five seconds."
END_SESSION = "That is the end of your session. Well done."


def exercise_heading(number: int, total: int, name: str) -> str:
    return f"Exercise {number_words(number)} of {number_words(total)}: {name}."


def times(n: int) -> str:
    """'once', 'twice', 'three times'."""
    return {1: "once", 2: "twice"}.get(n, f"{number_words(n)} times")


def reps_summary(exercise: Exercise) -> str:
    return _sentence(f"{times(exercise.reps)} on each side" if exercise.each_side else times(exercise.reps))


def hold_summary(exercise: Exercise) -> str | None:
    holds = exercise.holds
    if not holds:
        return None
    hold = holds[0]
    if hold.min_seconds is not None:  # timed to the longest: stopping sooner is the listener's choice
        length = f"up to {seconds_words(hold.seconds)}"
    else:
        length = seconds_words(hold.seconds)
    each = "each time" if exercise.reps > 1 else ""
    return _sentence(" ".join(part for part in ("hold for", length, each) if part))


def first_side(side: str) -> str:
    return f"{side.capitalize()} side first."


def switch_side(side: str) -> str:
    return f"Switch to the other side. Now your {side} side."


def count(rep: int, reps: int, with_total: bool) -> str:
    """The count after a repetition: "That's three.", or 'Three out of five.' where holds make reps
    long. A bare "Three." was misheard with both engines ('free', 'tune' for "Two."), and "of" was
    lost ("Four of five." heard as 'four five'): a few more, distinct, words carry the number."""
    words = number_words(rep)
    return _sentence(f"{words} out of {number_words(reps)}") if with_total else f"That's {words}."


def countdown(n: int) -> str:
    return _sentence(number_words(n))


def next_up(exercise: Exercise) -> str:
    return f"Next: {exercise.name}."


def rest_for(seconds: int) -> str:
    """How a rest between exercises starts: its length, so a quiet minute is expected."""
    minutes, rest = divmod(seconds, 60)
    if minutes and rest == 0:
        return _sentence(f"rest for {number_words(minutes)} minute{'' if minutes == 1 else 's'}")
    if minutes and rest == 30:
        return _sentence(f"rest for {number_words(minutes)} and a half minutes")
    return _sentence(f"rest for {seconds_words(seconds)}")


def time_left(seconds: int) -> str:
    """Said inside a long hold or rest, so the listener never wonders whether the player stopped."""
    return _sentence(f"{number_words(seconds)} more second{'' if seconds == 1 else 's'}")
