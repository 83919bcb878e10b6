"""What a listener's words mean: the spoken commands and answers of a phrasebook, matched against
what the recognizer heard. Pure data and text: no audio, no model.

The words come from the phrasebook's `words:` section (docs/phrasebooks.md), a few natural variants
for each command ("pause", "wait", "hold on") and each answer ("better", "the same", "yes"); the
numbers zero to ten are the phrasebook's own number words (num2words) and digits, which Whisper
often writes. What is acted on:

- only what the moment expects (Expecting): during the session the commands, during a question its
  answers and "stop" (a number only when a number is asked);
- only a short utterance: a command inside a long sentence is talk, not a command;
- only one meaning: "yes, no" is nothing;
- never voicecoach's own voice: the words it said while, or just before, the stretch was heard are
  taken out of what was heard first (`unsaid`), so its "Ready." or "Next: heel slides." coming back
  from the speaker leaves nothing to act on.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# Every command, as `listen --json` names it (docs/listen-json.md).
COMMANDS = ("pause", "resume", "next", "previous", "repeat", "stop", "ready", "hurt")
# Every answer that is a word: better/same/worse (the morning after), yes/no (True/False).
WORD_ANSWERS = ("better", "same", "worse", "yes", "no")
NUMBERS = range(0, 11)  # pain from zero to ten
EXTRA_WORDS_ALLOWED = 3  # "okay, pause please": a command may come with this many other words
# A heard word this close (difflib's ratio), and with the same first letter, to a word voicecoach just
# said is taken as that word: the recognizer writes voicecoach's own "heel" as "heal" (but "four"
# after "your" is the listener's answer).
SAID_ALIKE = 0.75


def normal_words(text: str) -> list[str]:
    """Words as they are compared: case folded, accents and punctuation gone, apostrophes dropped
    ("I'm" and "Im" alike), digits kept."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(char for char in folded if not unicodedata.combining(char))
    plain = plain.replace("'", "").replace("\u2019", "")
    return re.findall(r"[^\W_]+", plain)


@dataclass(frozen=True)
class Vocabulary:
    """What can be said, in one language: each phrase (its normal words) and what it means, a
    command name or an answer value."""

    language: str
    phrases: tuple[tuple[tuple[str, ...], str, object], ...]  # (words, "command" | "answer", value)
    written: tuple[str | None, ...]  # each phrase as written, for the recognizer to expect (None: not a hint)

    def hints(self, expecting: Expecting) -> tuple[str, ...]:
        """The words of what `expecting` takes: a prompt that leans the recognizer towards them."""
        return tuple(text for (_, kind, value), text in zip(self.phrases, self.written)
                     if text is not None and expecting.takes(kind, value))

    def meaning_of(self, word: str) -> tuple[str, str, object] | None:
        """What one word means alone, if anything: ("command", name) or ("answer", type, value)."""
        for phrase, kind, value in self.phrases:
            if phrase == (word,):
                return (kind, type(value).__name__, value)
        return None

    def words_of(self, expecting: Expecting) -> set[str]:
        """Every word of every phrase `expecting` takes."""
        return {word for phrase, kind, value in self.phrases if expecting.takes(kind, value) for word in phrase}

    def words_of_meaning(self, kind: str, value: object) -> set[str]:
        """Every word of the phrases that mean this."""
        return {word for phrase, other_kind, other in self.phrases
                if other_kind == kind and type(other) is type(value) and other == value for word in phrase}

    def meanings(self, words: Sequence[str]) -> list[tuple[int, int, str, object]]:
        """Every phrase found in `words`: (start, length, kind, value), longest first."""
        found = []
        for phrase, kind, value in self.phrases:
            size = len(phrase)
            for start in range(len(words) - size + 1):
                if tuple(words[start:start + size]) == phrase:
                    found.append((start, size, kind, value))
        return sorted(found, key=lambda item: -item[1])


def vocabulary(book) -> Vocabulary:
    """The spoken commands and answers of a phrasebook (phrasebook.Phrasebook): its `words`, and
    the numbers zero to ten in its number words and digits."""
    from voicecoach.errors import VoicecoachError

    words = getattr(book, "words", None) or {}
    if not words:
        raise VoicecoachError(f"{book.source or 'the ' + book.name + ' phrasebook'} has no command words: give it a "
                              "'words:' section (docs/phrasebooks.md) to speak commands in this language")
    phrases: list[tuple[tuple[str, ...], str, object]] = []
    written: list[str | None] = []
    seen: set[tuple[str, ...]] = set()

    def add(text: str, kind: str, value: object, hint: bool = True) -> None:
        normal = tuple(normal_words(text))
        if normal and normal not in seen:
            seen.add(normal)
            phrases.append((normal, kind, value))
            written.append(text if hint else None)

    for name in COMMANDS:
        for text in words.get(name, ()):
            add(text, "command", name)
    for name in WORD_ANSWERS:
        value: object = {"yes": True, "no": False}.get(name, name)
        for text in words.get(name, ()):
            add(text, "answer", value)
    for n in NUMBERS:
        add(book.number(n), "answer", n)
        add(str(n), "answer", n, hint=False)  # Whisper writes digits: no need to ask for them
        for text in words.get(str(n), ()):
            add(text, "answer", n, hint=False)  # what Whisper writes for a number said alone ("for")
    return Vocabulary(language=book.language, phrases=tuple(phrases), written=tuple(written))


@dataclass(frozen=True)
class Expecting:
    """What may be acted on at this moment: command names, and answer values (a number 0-10,
    "better"/"same"/"worse", True/False for yes/no)."""

    commands: frozenset[str]
    answers: tuple = ()

    def takes(self, kind: str, value: object) -> bool:
        if kind == "command":
            return value in self.commands
        # True == 1 in Python: an answer is taken only as the very type it is asked as
        return any(type(value) is type(answer) and value == answer for answer in self.answers)


SESSION = Expecting(frozenset(COMMANDS), ())  # during the session: every command, no answer


@dataclass(frozen=True)
class Heard:
    """One voiced stretch and what the recognizer made of it; times in seconds on one clock."""

    start_s: float
    end_s: float
    text: str
    confidence: float | None = None  # the recognizer's (recognizers.Transcript)


@dataclass(frozen=True)
class Understood:
    """A command or an answer, and when it was said (the end of the voiced stretch)."""

    time_s: float
    command: str | None = None
    answer: object = None
    text: str = ""  # what was heard

    def to_json(self) -> dict:
        if self.command is not None:
            return {"time": round(self.time_s, 2), "command": self.command}
        answer = {True: "yes", False: "no"}.get(self.answer, self.answer) if isinstance(self.answer, bool) \
            else self.answer
        return {"time": round(self.time_s, 2), "answer": answer}


# While voicecoach speaks, the microphone hears it too (a laptop's speakers): what Whisper makes of
# its voice, when not its words, is garbled ("Toes down." as "so, stop"), and less sure. Heard over
# it, a command must be the command alone and this sure (the mean log-probability of its tokens;
# commands said alone measured -0.3 to -1.0, garbled lines of the session down to -1.9, and "That's
# two. Toes up." came back as "it hurts too" at -1.05).
SURE_OVER_SPEECH = -0.9
# Heard wholly within one of its lines, even surer: its "That is the end of your session." came back
# from a laptop's speaker as "it hurts, it hurts", sure enough for the rule above. A headset's
# microphone hears the listener alone, and clearly.
SURE_INSIDE_SPEECH = -0.5
# A number is Whisper's easiest guess: the prompt lists them all, and an unclear word comes back as
# one of them ("seven" as "ten." at -1.48 and -1.88, "zehn" as "fünf" at -1.77 and -3.26, "dix" as
# "5" at -3.03: eSpeak voices, bench_listen.py), so a number answer, in silence too, is taken only
# this sure. Measured side by side (3 eSpeak voices, 96 clips a language, alone): wrong answers
# 14 -> 7 over the four languages (English 2 -> 0), correct 279 -> 263; a missed answer is asked again.
SURE_NUMBER = -1.45
# Commands that only say "go on": while voicecoach is speaking it is going on already, so heard over
# its voice they are its own words misheard ("Begin. Toes up." came back as "ready, ready," at -0.42
# from a laptop's speaker), never acted on. Said in the silence of a pause or a wait, they are.
GOING_ON = frozenset({"ready", "resume"})


# A voiced stretch that lies within what voicecoach was saying, give or take this much (the
# stretch's own pad, the sound server's latency, the room's echo).
SAID_BEFORE_S = 0.3
SAID_AFTER_S = 0.5


def only_said(start_s: float, end_s: float, said: Sequence[tuple[float, float, str]]) -> bool:
    """Whether the stretch from start_s to end_s is all within what voicecoach was saying then."""
    spans = sorted((start - SAID_BEFORE_S, end + SAID_AFTER_S) for start, end, _ in said)
    reached = start_s
    for start, end in spans:
        if start > reached:
            break
        reached = max(reached, end)
    return bool(spans) and reached >= end_s


def unsaid(heard: Heard, said: Iterable[str], words: Vocabulary | None = None) -> Heard:
    """What was heard without the words voicecoach itself said around then (`said`: its lines):
    every heard word that is one of them, nearly one ("heal" for "heel"), or means the same
    ("1" for "one") is taken out: Whisper repeats what it hears, and a word voicecoach has just
    said is not the listener's command."""
    said_words = {word for line in said for word in normal_words(line)}
    meant = {words.meaning_of(word) for word in said_words} - {None} if words is not None else set()

    def own(word: str) -> bool:
        if word in said_words or (words is not None and words.meaning_of(word) in meant):
            return True
        return any(word[:1] == other[:1] and difflib.SequenceMatcher(None, word, other).ratio() >= SAID_ALIKE
                   for other in said_words)

    return Heard(heard.start_s, heard.end_s, " ".join(word for word in normal_words(heard.text) if not own(word)),
                 heard.confidence)


def understand(heard: Heard, words: Vocabulary, expecting: Expecting, strict: bool = False) -> Understood | None:
    """The one command or answer `heard` means at this moment, or None: nothing expected, talk (a
    long utterance), two meanings, or nothing known. `strict` (voicecoach was speaking too): the
    words left must be the command and nothing else."""
    heard_words = normal_words(heard.text)
    if not heard_words:
        return None
    taken: list[tuple[int, int, str, object]] = []
    covered: set[int] = set()
    for start, size, kind, value in words.meanings(heard_words):
        span = set(range(start, start + size))
        if span & covered:  # "go back" is one phrase, not "go back" and "back"
            continue
        covered |= span
        taken.append((start, size, kind, value))
    meant = {(kind, _key(value)): (kind, value) for _, _, kind, value in taken if expecting.takes(kind, value)}
    if len(meant) != 1:
        return None
    # a word left over that belongs to another thing the moment takes ("next, hurts" for "that
    # hurts"): the recognizer may have put one word for another; better nothing than the wrong one
    # (short words, "the", "it", "go", are in many phrases and say nothing)
    others = words.words_of(expecting) - words.words_of_meaning(*next(iter(meant.values())))
    if any(word in others and len(word) >= 4 for index, word in enumerate(heard_words) if index not in covered):
        return None
    if len(heard_words) - len(covered) > (0 if strict else EXTRA_WORDS_ALLOWED):
        return None
    ((kind, value),) = meant.values()
    if kind == "command":
        return Understood(heard.end_s, command=str(value), text=heard.text)
    return Understood(heard.end_s, answer=value, text=heard.text)


def _key(value: object) -> tuple[str, object]:
    return (type(value).__name__, value)


def judge(heard: Heard, said: Sequence[tuple[float, float, str]], words: Vocabulary,
          expecting: Expecting) -> Understood | None:
    """What the listener meant by `heard`, voicecoach's own voice left out (`said`: what it said
    around then, (start, end, text) on the stretch's clock)."""
    speaking = any(start <= heard.end_s and end >= heard.start_s for start, end, _ in said)
    if speaking and heard.confidence is not None:
        needed = SURE_INSIDE_SPEECH if only_said(heard.start_s, heard.end_s, said) else SURE_OVER_SPEECH
        if heard.confidence < needed:
            return None
    understood = understand(unsaid(heard, [text for _, _, text in said], words), words, expecting, strict=speaking)
    if (understood is not None and type(understood.answer) is int and heard.confidence is not None
            and heard.confidence < SURE_NUMBER):
        return None  # a number guessed, not heard
    if speaking and understood is not None and understood.command in GOING_ON:
        return None  # voicecoach is speaking, so it is going on already: its own words, misheard
    return understood
