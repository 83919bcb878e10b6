"""Phrasebooks: every line voicecoach itself says, per language, as data.

A phrasebook is a YAML file (voicecoach/phrasebooks/<language>.yaml in the package; a user's in
their config folder overrides and extends it; docs/phrasebooks.md). Each phrase is
- text: "Get into position."
- text by number: {1: "One exercise.", other: "{N} exercises."}; an exact number wins, then
  `one` (the language's singular) and `other`;
- text by side: {left: "Left side first.", right: "Right side first."}.
Templates fill {n} (the number in words, from num2words), {N} (the same, capitalised) and the
named fields each phrase documents in PHRASES. Number words come from num2words.
"""

from __future__ import annotations

import difflib
import os
import re
import string
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from voicecoach.commands import COMMANDS, WORD_ANSWERS, normal_words
from voicecoach.errors import OptionError, ProgramError, shown
from voicecoach.paths import config_dir
from voicecoach.settings import check_language, normal_tag

DEFAULT_LANGUAGE = "en"

# Every phrase: the fields its template may use (besides n and N where it is by number).
PHRASES: dict[str, tuple[str, ...]] = {
    "exercise_count": (),           # by number: "Six exercises."
    "session_under_a_minute": (),
    "session_minutes": (),          # by number
    "session_hours": (),            # by number
    "hold_tones": (),
    "begin_session": (),
    "exercise_heading": ("number", "total", "name"),
    "reps": ("times",),             # "Ten times."
    "reps_each_side": ("times",),   # "Five times on each side."
    "times": (),                    # by number: "once", "twice", "three times"
    "seconds": (),                  # by number: "one second", "five seconds"
    "seconds_and_a_half": (),       # by number: "two and a half seconds"
    "hold": ("seconds",),
    "hold_each_time": ("seconds",),
    "hold_up_to": ("seconds",),
    "hold_up_to_each_time": ("seconds",),
    "first_side": (),               # by side
    "switch_side": (),              # by side
    "side": (),                     # by side: what {side} in a program becomes
    "get_ready": (),
    "ready": (),
    "begin": (),
    "count": (),                    # by number: "That's three."
    "count_of": ("total",),         # by number: "Three out of five."
    "halfway": (),
    "countdown": (),                # by number: "Three."
    "time_left": (),                # by number: "Fifteen more seconds."
    "rest": (),
    "rest_seconds": ("seconds",),
    "rest_minutes": (),             # by number
    "rest_minutes_and_a_half": (),  # by number
    "next_up": ("name",),
    "next_soon": (),
    "end_session": (),
    "paused": (),
    "resuming": (),
    "wait_for_ready": (),           # play waits for the listener (wait_for_me)
    "still_waiting": (),            # said every 30 seconds while it waits
    # Check-ins and "it hurts" (voicecoach/checkin.py): asked aloud, answered by key or media keys.
    "pain_before": (),              # before the session: how is the back, 0 to 10
    "pain_after": (),               # after it
    "pain_how": (),                 # how to answer a 0-10 question
    "pain_answer": (),              # by number: the answer said back, and each step of the menu
    "next_morning": (),             # how was the back the morning after the last session
    "next_morning_how": (),
    "better": (),
    "same": (),
    "worse": (),
    "no_answer": (),                # a question left unanswered: that is fine
    "hurt_stop": (),                # "it hurts": the source's advice, then a choice
    "hurt_advice": (),
    "hurt_choice": (),
    "going_on": (),
    "ending_for_pain": (),
    "did_it_hurt": (),              # Stop pressed on the media keys during an exercise
    "yes": (),
    "no": (),
    "left_out": ("name",),          # what hurt last time is left out today
    "left_out_again": (),           # left out twice in a row: ask the doctor or physical therapist
    "take_back_how": (),
    "taken_back": (),
    "kept_out": (),
    "nothing_left": (),             # everything is left out today
    # The plan's suggestion at the start of a session (voicecoach/plan.py): advise, never decide.
    "plan_went_well": (),           # by number: the good sessions in a row
    "plan_ask_about": ("name",),    # the next level's program
    "plan_try_today": ("name",),    # the question: yes tries it today
    "plan_stay": (),                # by number: the last pain after
    "plan_pain_high": (),           # by number: the last pain after
    "plan_worse_mornings": (),      # by number: mornings worse in a row
    "plan_stopped_for_pain": (),    # by number: exercises stopped for pain at this level
    "plan_contact": (),             # ask the doctor or physical therapist
    "plan_rest": (),                # at the first level: nowhere to step back to
    "plan_go_back": ("name",),      # the question: yes goes back to the lower level today
    "plan_changed": ("name",),      # yes: today's program
    "plan_unchanged": (),           # no, or no answer
}
# Phrases added after phrasebooks could be written by users: a user's phrasebook of a language
# voicecoach does not ship, written before them, gets them in English rather than failing.
LATER_PHRASES = ("plan_went_well", "plan_ask_about", "plan_try_today", "plan_stay", "plan_pain_high",
                 "plan_worse_mornings", "plan_stopped_for_pain", "plan_contact", "plan_rest", "plan_go_back",
                 "plan_changed", "plan_unchanged")
# Phrases said with a number (their templates may use {n} and {N}) and phrases said by side.
BY_NUMBER = {"exercise_count", "session_minutes", "session_hours", "times", "seconds", "seconds_and_a_half",
             "count", "count_of", "countdown", "time_left", "rest_minutes", "rest_minutes_and_a_half", "pain_answer",
             "plan_went_well", "plan_stay", "plan_pain_high", "plan_worse_mornings", "plan_stopped_for_pain"}
BY_SIDE = {"first_side", "switch_side", "side"}
_KEYS = ("language", "name", "numbers", "phrases", "words")
# What a listener may say (commands.py): each command and word answer, and for the numbers zero to
# ten words beside the number words ("for" for four), each with its variants.
WORDS = (*COMMANDS, *WORD_ANSWERS, *(str(n) for n in range(11)))


@dataclass(frozen=True)
class Phrasebook:
    """The phrases of one language, ready to say."""

    language: str
    name: str
    numbers: str  # the num2words language
    phrases: dict[str, Any] = field(compare=False)
    source: str = ""
    # What a listener may say: a key of WORDS -> its variants ("pause": ("pause", "wait", "hold on")).
    words: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False)

    # --- numbers and forms ---

    def number(self, n: int) -> str:
        """A whole number in words (digits from 1000 on, which engines read well)."""
        if n < 0 or n > 999:
            return str(n)
        from num2words import num2words

        return num2words(n, lang=self.numbers)

    def _one(self, n: int) -> bool:
        if self.language.split("-")[0] in ("fr", "pt"):
            return n in (0, 1)
        return n == 1

    def _form(self, key: str, n: int | None = None, side: str | None = None) -> str:
        value = self.phrases[key]
        if isinstance(value, str):
            return value
        if side is not None:
            return value[side]
        assert n is not None, key
        if n in value:
            return value[n]
        if "one" in value and self._one(n):
            return value["one"]
        return value["other"]

    def phrase(self, key: str, n: int | None = None, side: str | None = None, **fields: Any) -> str:
        """A phrase filled in, as used inside another one (not capitalised)."""
        template = self._form(key, n, side)
        if n is not None:
            words = self.number(n)
            fields = {"n": words, "N": _capital(words), **fields}
        return template.format(**fields)

    def say(self, key: str, n: int | None = None, side: str | None = None, **fields: Any) -> str:
        """A whole line: the phrase with a capital letter."""
        return _capital(self.phrase(key, n, side, **fields))

    # --- the lines the compiler and the player speak ---

    def exercise_count(self, count: int) -> str:
        return self.say("exercise_count", count)

    def session_length(self, minutes: int) -> str:
        if minutes < 1:
            return self.say("session_under_a_minute")
        if minutes >= 90:
            return self.say("session_hours", (minutes + 30) // 60)
        return self.say("session_minutes", minutes)

    def is_session_length(self, text: str) -> bool:
        return text in self._session_lengths()

    @lru_cache(maxsize=None)  # noqa: B019 (phrasebooks are few and live as long as the process)
    def _session_lengths(self) -> frozenset[str]:
        return frozenset(self.session_length(minutes) for minutes in range(0, 6 * 60 + 31))

    def times(self, n: int) -> str:
        return self.phrase("times", n)

    def seconds(self, seconds: float) -> str:
        whole = int(seconds)
        if seconds == whole:
            return self.phrase("seconds", whole)
        if seconds - whole == 0.5:
            return self.phrase("seconds_and_a_half", whole)
        return self.phrase("seconds", 5).replace(self.number(5), f"{seconds:g}")

    def exercise_heading(self, number: int, total: int, name: str) -> str:
        return self.say("exercise_heading", number=self.number(number), total=self.number(total), name=name)

    def reps_summary(self, reps: int, each_side: bool) -> str:
        return self.say("reps_each_side" if each_side else "reps", times=self.times(reps))

    def hold_summary(self, seconds: float, ranged: bool, repeated: bool) -> str:
        key = ("hold_up_to" if ranged else "hold") + ("_each_time" if repeated else "")
        return self.say(key, seconds=self.seconds(seconds))

    def first_side(self, side: str) -> str:
        return self.say("first_side", side=side)

    def switch_side(self, side: str) -> str:
        return self.say("switch_side", side=side)

    def side_word(self, side: str) -> str:
        return self.phrase("side", side=side)

    def count(self, rep: int, reps: int, with_total: bool) -> str:
        if with_total:
            return self.say("count_of", rep, total=self.number(reps))
        return self.say("count", rep)

    def countdown(self, n: int) -> str:
        return self.say("countdown", n)

    def time_left(self, seconds: int) -> str:
        return self.say("time_left", seconds)

    def rest_for(self, seconds: int) -> str:
        minutes, rest = divmod(seconds, 60)
        if minutes and rest == 0:
            return self.say("rest_minutes", minutes)
        if minutes and rest == 30:
            return self.say("rest_minutes_and_a_half", minutes)
        return self.say("rest_seconds", seconds=self.seconds(seconds))

    def next_up(self, name: str) -> str:
        return self.say("next_up", name=name)

    def line(self, key: str) -> str:
        """A fixed line: get_ready, ready, begin, halfway, rest, next_soon, hold_tones,
        begin_session, end_session, paused, resuming, wait_for_ready, still_waiting."""
        return self.say(key)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:] if text else text


# --- loading ------------------------------------------------------------------------------------


class PhrasebookError(ProgramError):
    """A phrasebook file that cannot be used: one line naming the file, the phrase and the problem."""


def _fields(template: str) -> set[str]:
    """The fields a template fills. A field is a bare name: a format spec or a conversion is refused,
    because str.format would obey it ("{name:>1000000000}" pads the line to a gigabyte)."""
    try:
        parts = list(string.Formatter().parse(template))
    except ValueError as error:
        raise ValueError(f"a '{{' or '}}' is not closed ({error})") from None
    for _, name, spec, conversion in parts:
        if name is not None and (spec or conversion):
            written = "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
            raise ValueError(f"'{shown(written)}' is not a field; a field is a name in braces, such as "
                             f"{{{shown(name) or 'name'}}}, with nothing after it")
    return {name for _, name, _, _ in parts if name is not None}


def _check_phrase(key: str, value: Any, source: str, line: int | None) -> Any:
    allowed = set(PHRASES[key])
    numbered = key in BY_NUMBER

    def check(template: Any, numbered: bool, where: str) -> str:
        if not isinstance(template, str) or not template.strip():
            raise PhrasebookError(f"phrase '{key}'{where} must be text", source, line)
        try:
            used = _fields(template)
        except ValueError as error:
            raise PhrasebookError(f"phrase '{key}'{where}: {error}", source, line) from None
        unknown = used - allowed - ({"n", "N"} if numbered else set())
        if unknown:
            names = ", ".join("{" + name + "}" for name in sorted(allowed | ({"n", "N"} if numbered else set())))
            raise PhrasebookError(f"phrase '{key}'{where} uses {{{sorted(unknown)[0]}}}, which it cannot fill; "
                                  f"it can use: {names or 'no fields'}", source, line)
        return " ".join(template.split())

    if key in BY_SIDE:
        if not isinstance(value, dict) or set(value) != {"left", "right"}:
            raise PhrasebookError(f"phrase '{key}' needs a 'left' and a 'right' form", source, line)
        return {side: check(value[side], False, f" ({side})") for side in ("left", "right")}
    if isinstance(value, str):
        return check(value, numbered, "")
    if isinstance(value, dict) and numbered:
        if set(value) == {"left", "right"}:
            return {side: check(value[side], False, f" ({side})") for side in ("left", "right")}
        if "other" not in value:
            raise PhrasebookError(f"phrase '{key}' has forms by number but no 'other' form", source, line)
        forms = {}
        for form, template in value.items():
            if not (form in ("one", "other") or (isinstance(form, int) and not isinstance(form, bool))):
                raise PhrasebookError(f"phrase '{key}': '{shown(str(form))}' is not a form; use a number, "
                                      "'one' or 'other' (or 'left' and 'right')", source, line)
            forms[form] = check(template, True, f" ({form})")
        return forms
    kind = "text, or forms by number" if numbered else "text"
    raise PhrasebookError(f"phrase '{key}' must be {kind}", source, line)


def parse_phrasebook(data: bytes, source: str, base: Phrasebook | None = None) -> Phrasebook:
    """A phrasebook from YAML bytes; with a base, the file overrides and extends it."""
    try:
        document = yaml.safe_load(data.decode("utf-8-sig"))
    except RecursionError:  # PyYAML composes nested [ and { recursively: 5,000 of them exhaust the stack
        raise PhrasebookError("this is not a phrasebook: it is nested far too deeply", source) from None
    except UnicodeDecodeError:
        raise PhrasebookError("the file is not UTF-8 text; save it as UTF-8", source) from None
    except yaml.YAMLError as error:
        mark = getattr(error, "context_mark", None) or getattr(error, "problem_mark", None)
        filled = [n for n, raw in enumerate(data.decode("utf-8-sig", "replace").splitlines(), 1) if raw.strip()]
        line = min(mark.line + 1, filled[-1]) if mark and filled else None  # not past the last line
        raise PhrasebookError("this is not a phrasebook: check its indentation, and quote text containing ': '",
                              source, line) from None
    if not isinstance(document, dict):
        raise PhrasebookError("a phrasebook has 'language:' and 'phrases:' lines", source)
    lines = _key_lines(data)
    for key in document:
        if key not in _KEYS:
            raise PhrasebookError(f"unknown key '{shown(str(key))}'; a phrasebook has: {', '.join(_KEYS)}",
                                  source, lines.get(str(key)))
    try:
        language = check_language(str(document.get("language", base.language if base else "")))
    except OptionError as error:
        raise PhrasebookError(str(error), source, lines.get("language")) from None
    numbers = str(document.get("numbers", base.numbers if base else language.split("-")[0]))
    _check_numbers(numbers, source, lines.get("numbers"))
    given = document.get("phrases") or {}
    if not isinstance(given, dict):
        raise PhrasebookError("'phrases' must be the phrases, one 'key: text' a line", source, lines.get("phrases"))
    phrases = dict(base.phrases) if base else {}
    for key, value in given.items():
        if key not in PHRASES:
            raise PhrasebookError(f"unknown phrase '{shown(str(key))}'", source, lines.get(str(key)))
        phrases[key] = _check_phrase(key, value, source, lines.get(str(key)))
    missing = [key for key in PHRASES if key not in phrases]
    if missing and base is None and all(key in LATER_PHRASES for key in missing):
        english = builtin_phrasebook(DEFAULT_LANGUAGE)
        if english is not None and english.source != source:
            phrases.update({key: english.phrases[key] for key in missing})
            missing = []
    if missing:
        raise PhrasebookError(f"phrase '{missing[0]}' is missing" + (f" (and {len(missing) - 1} more)"
                                                                       if len(missing) > 1 else ""), source)
    name = str(document.get("name", base.name if base else language))
    words = _check_words(document.get("words"), dict(base.words) if base else {}, source, lines)
    return Phrasebook(language=language, name=name, numbers=numbers, phrases=phrases, source=source, words=words)


def _check_words(given: Any, words: dict[str, tuple[str, ...]], source: str,
                 lines: dict[str, int]) -> dict[str, tuple[str, ...]]:
    """The `words:` section: each command or answer with its variants, added to the base's; a
    variant that means two things is an error naming both."""
    if given is None:
        return words
    where = lines.get("words")
    if not isinstance(given, dict):
        raise PhrasebookError("'words' must be the spoken commands, one 'command: [word, other words]' a line",
                              source, where)
    for key, value in given.items():
        name = str(key)
        line = lines.get(name, where)
        if isinstance(key, bool) or name not in WORDS:
            near = difflib.get_close_matches(name, WORDS, n=1)
            hint = f" (did you mean '{near[0]}'?)" if near else ""
            raise PhrasebookError(f"unknown word '{shown(name)}'{hint}; 'words' has: {', '.join(WORDS[:13])} "
                                  "and the numbers 0 to 10", source, line)
        variants = [value] if isinstance(value, str) else value
        if not isinstance(variants, list) or not variants or not all(
                isinstance(text, str) and normal_words(text) for text in variants):
            raise PhrasebookError(f"word '{name}' must be a list of what a listener says, such as "
                                  f"{name}: [{name}, ...]", source, line)
        kept = list(words.get(name, ()))
        kept += [" ".join(text.split()) for text in variants if " ".join(text.split()) not in kept]
        words[name] = tuple(kept)
    meaning: dict[tuple[str, ...], str] = {}
    mine = {str(key) for key in given}
    for name, variants in sorted(words.items(), key=lambda item: item[0] in mine):  # this file's last
        for text in variants:
            other = meaning.setdefault(tuple(normal_words(text)), name)
            if other != name:
                raise PhrasebookError(f"'{shown(text)}' is under both '{other}' and '{name}' in 'words': a listener's "
                                      "word must mean one thing", source, lines.get(name, where))
    return words


def _key_lines(data: bytes) -> dict[str, int]:
    """The first line of each key in the file (for messages)."""
    lines: dict[str, int] = {}
    for number, raw in enumerate(data.decode("utf-8-sig", errors="replace").splitlines(), start=1):
        match = re.match(r"\s*([A-Za-z_]\w*)\s*:", raw)
        if match:
            lines.setdefault(match.group(1), number)
    return lines


def _check_numbers(numbers: str, source: str, line: int | None) -> None:
    from num2words import CONVERTER_CLASSES

    if numbers not in CONVERTER_CLASSES:
        raise PhrasebookError(f"'numbers: {shown(numbers)}' is not a language num2words knows", source, line)


def builtin_languages() -> tuple[str, ...]:
    """The languages with a phrasebook in the package."""
    folder = resources.files("voicecoach").joinpath("phrasebooks")
    return tuple(sorted(entry.name[: -len(".yaml")] for entry in folder.iterdir() if entry.name.endswith(".yaml")))


@lru_cache(maxsize=None)
def builtin_phrasebook(language: str) -> Phrasebook | None:
    """The package's phrasebook for a language (or its base language: pt-BR -> pt), or None."""
    for tag in _candidates(language):
        entry = resources.files("voicecoach").joinpath("phrasebooks", f"{tag}.yaml")
        if entry.is_file():
            return parse_phrasebook(entry.read_bytes(), f"{tag}.yaml (built-in)")
    return None


def _candidates(language: str) -> list[str]:
    tag = normal_tag(language)
    parts = tag.split("-")
    return ["-".join(parts[:i]) for i in range(len(parts), 0, -1)]


def user_phrasebook_dir() -> Path:
    return config_dir() / "phrasebooks"


def find_phrasebook(language: str, user_dir: Path | None = None) -> Phrasebook:
    """The phrasebook for a language: the package's, overridden and extended by the user's
    (<config>/phrasebooks/<language>.yaml). A language with neither is an error."""
    folder = user_dir if user_dir is not None else user_phrasebook_dir()
    base = builtin_phrasebook(language)
    for tag in _candidates(language):
        path = folder / f"{tag}.yaml"
        if os.path.lexists(path):  # whatever it is: a folder, a FIFO or a broken link is said, not passed over
            return parse_phrasebook(_read_phrasebook(path), str(path), base)
    if base is None:
        known = ", ".join(builtin_languages())
        raise PhrasebookError(f"no phrasebook for the language '{shown(language)}' (voicecoach speaks {known}); "
                              f"add one as {folder / (normal_tag(language) + '.yaml')}")
    return base


MAX_PHRASEBOOK_BYTES = 1024 * 1024  # the shipped ones are 3 KiB; a program file has the same limit


def _read_phrasebook(path: Path) -> bytes:
    """A user's phrasebook file, or a PhrasebookError: only a regular file is opened (a named pipe
    would wait for a writer forever)."""
    from voicecoach.files import NotARegularFile, read_regular

    try:
        data = read_regular(path, MAX_PHRASEBOOK_BYTES)
    except NotARegularFile as error:
        raise PhrasebookError(f"this is {error.what}, not a phrasebook file", str(path)) from None
    except FileNotFoundError:  # it exists (lexists), so it is a symlink to nothing
        raise PhrasebookError("this is a symlink to a file that does not exist", str(path)) from None
    except OSError as error:
        raise PhrasebookError(f"cannot read it: {error.strerror or error}", str(path)) from None
    if len(data) > MAX_PHRASEBOOK_BYTES:
        raise PhrasebookError(f"the file is too large for a phrasebook (over {MAX_PHRASEBOOK_BYTES // 1024} KiB)",
                              str(path))
    return data


ENGLISH = builtin_phrasebook(DEFAULT_LANGUAGE)
