"""Settings: what a session is played with, as one frozen value (Settings), and every check of a value.

One table, SETTINGS, holds each setting once: its name (the option --NAME and the key in
settings.toml), the Settings field it fills, its default, its check, its help, and the commands
whose option it is. The Settings class, the commands' options (cli.py), the settings file's keys
(config.py), `voicecoach config`'s listing and Click's default_map are all made from it: a new
setting is one row.

This module is the ground the others stand on: it imports nothing of voicecoach but its errors, so
the loader, the compiler, the speech layer and the settings file all check values the same way.
"""

from __future__ import annotations

import math
import re
import shlex
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields, make_dataclass
from pathlib import Path
from typing import Any

from voicecoach.errors import OptionError, shown

DEFAULT_RATE_WPM = 150  # calm, for someone lying down: the rate sessions are spoken at
MIN_RATE_WPM, MAX_RATE_WPM = 80, 400
MIN_PACE, MAX_PACE = 0.25, 4.0
DEFAULT_MUSIC_LEVEL_DB = -18.0  # the music's loudness under the speech's
MIN_MUSIC_LEVEL_DB, MAX_MUSIC_LEVEL_DB = -40.0, -6.0
LANGUAGE_PATTERN = r"^[A-Za-z]{2,3}([-_][A-Za-z0-9]{2,8})*$"  # an IETF tag: en, de-CH, pt-BR, zh-Hant
_LANGUAGE_TAG = re.compile(LANGUAGE_PATTERN)


# --- the checks ---------------------------------------------------------------------------------------


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def check_pace(value: float) -> float:
    """The pace if it is a usable tempo multiplier, else OptionError."""
    if not _is_number(value):
        raise OptionError(f"pace must be a number from {MIN_PACE:g} to {MAX_PACE:g}, not {shown(repr(value))}")
    if not MIN_PACE <= value <= MAX_PACE:
        raise OptionError(f"pace must be from {MIN_PACE:g} to {MAX_PACE:g} (1 is normal, 0.5 half speed), not {value:g}")
    return float(value)


def check_rate(rate_wpm: int) -> int:
    if isinstance(rate_wpm, bool) or not isinstance(rate_wpm, int) or not MIN_RATE_WPM <= rate_wpm <= MAX_RATE_WPM:
        raise OptionError(f"rate must be a whole number of words per minute from {MIN_RATE_WPM} to "
                          f"{MAX_RATE_WPM}, not {shown(repr(rate_wpm))}")
    return rate_wpm


def check_volume(volume: float) -> float:
    if not _is_number(volume) or not 0 <= volume <= 1:
        raise OptionError(f"volume must be a number from 0 to 1, not {shown(repr(volume))}")
    return float(volume)


def check_music_level(level_db: float) -> float:
    """The music's level in dB against the speech, or an OptionError."""
    if not _is_number(level_db) or not MIN_MUSIC_LEVEL_DB <= level_db <= MAX_MUSIC_LEVEL_DB:
        raise OptionError(f"music level must be a number of dB from {MIN_MUSIC_LEVEL_DB:g} to {MAX_MUSIC_LEVEL_DB:g} "
                          f"(below the speech), not {shown(repr(level_db))}")
    return float(level_db)


def check_flag(value: bool, what: str = "the value") -> bool:
    if not isinstance(value, bool):
        raise OptionError(f"{what} must be true or false, not {shown(repr(value))}")
    return value


def normal_tag(tag: str) -> str:
    """An IETF language tag in its usual case: 'pt-br' -> 'pt-BR', 'DE' -> 'de'."""
    parts = tag.strip().replace("_", "-").split("-")
    head = [parts[0].lower()]
    for part in parts[1:]:
        head.append(part.upper() if len(part) == 2 else part.title() if len(part) == 4 else part.lower())
    return "-".join(head)


def check_language(tag: str) -> str:
    """The tag in its usual case, or an OptionError for what is not a language tag."""
    if not isinstance(tag, str) or not _LANGUAGE_TAG.match(tag.strip()):
        raise OptionError(f"'{shown(str(tag))}' is not a language tag such as en, de, es, fr or pt-BR")
    return normal_tag(tag)


def check_place(value: str) -> str:
    """A file or folder, as an absolute path: the history keeps it, and a setting holds for every
    folder a command is run from (play --resume may be run from another)."""
    return str(Path(value.strip()).expanduser().absolute())


def check_choices(choices: Any) -> None:
    """Check a frozen object's pace, quiet_holds and language (Options, the compiler's view of the
    settings), putting the language tag into its usual form; an OptionError for a bad one."""
    object.__setattr__(choices, "pace", check_pace(choices.pace))
    check_flag(choices.quiet_holds, "quiet holds")
    if choices.language is not None:
        object.__setattr__(choices, "language", check_language(choices.language))


# --- the table ------------------------------------------------------------------------------------------

SOUND = ("play", "show", "export")  # the commands that make a session
SOUNDED = ("play", "export")  # the commands that sound it, with music


@dataclass(frozen=True)
class Setting:
    """One setting: the option --NAME (with - for _) and the key NAME in settings.toml.

    kind says how its value is written as text (on the command line, in `config set`): number,
    whole, flag, choice (one of `choices`), or text (engine, voice, language, a path), and how Click
    shows it. A choice with `negative` also has the option --no-NAME, which gives that choice."""

    name: str
    field: str  # the Settings attribute it fills
    kind: str  # number, whole, flag, text
    default: Any
    check: Callable[[Any], Any] | None  # the value checked and in its usual form; None: any text
    help: str  # the option's help
    about: str  # a few words for `voicecoach config`
    metavar: str | None = None
    commands: tuple[str, ...] = SOUND
    none_means: str = "automatic"  # what a default of None stands for, in `voicecoach config`
    choices: tuple[str, ...] = ()
    negative: str | None = None

    @property
    def option(self) -> str:
        return "--" + self.name.replace("_", "-")

    def checked(self, value: Any) -> Any:
        """The value checked and in its usual form (None stays None where the default is None);
        OptionError for a value its check refuses, ValueError for one of the wrong kind."""
        if value is None and self.default is None:
            return None
        if self.kind in ("number", "whole") and (isinstance(value, bool) or not isinstance(value, (int, float))):
            raise ValueError(f"{shown(repr(value))} is not a {'whole ' if self.kind == 'whole' else ''}number")
        if self.kind == "text" and not isinstance(value, str):
            raise ValueError("must be text")
        if self.kind == "choice":
            if not isinstance(value, str) or value.strip().lower() not in self.choices:
                raise ValueError(f"must be {', '.join(self.choices[:-1])} or {self.choices[-1]}, not {shown(repr(value))}")
            return value.strip().lower()
        if self.kind == "text" and not value.strip():
            raise ValueError("must be text, not empty")
        return self.check(value) if self.check is not None else value

    def from_text(self, text: str) -> Any:
        """The value written as text (`config set pace 0.8`, `--rate 120`), checked; ValueError
        for text that is not a value of its kind ('fast' for a number)."""
        if not isinstance(text, str):
            return self.checked(text)
        words = text.strip()
        if self.kind == "flag":
            if words.lower() not in ("true", "false", "yes", "no", "on", "off", "1", "0"):
                raise ValueError("must be true or false")
            return words.lower() in ("true", "yes", "on", "1")
        if self.kind in ("number", "whole"):
            try:
                number = int(words) if self.kind == "whole" else float(words)
            except ValueError:
                raise ValueError(f"'{shown(text)}' is not a {'whole ' if self.kind == 'whole' else ''}number") from None
            return self.checked(number)
        return self.checked(text)

    def as_argument(self, value: Any) -> str | None:
        """The option that gives this value on a command line, or None for the default."""
        if value == self.default:
            return None
        if self.kind == "flag":
            return self.option if value else None
        if self.kind == "number":
            return f"{self.option} {value:g}"
        return f"{self.option} {shlex.quote(str(value))}"


CHECK_IN_CHOICES = ("before-after", "after", "off")  # checkin.CHECK_IN_CHOICES (this module imports nothing)

SETTINGS: tuple[Setting, ...] = (
    Setting("pace", "pace", "number", 1.0, check_pace,
            f"Tempo of movements and rests: 0.5 is half speed, 1.5 faster ({MIN_PACE:g} to {MAX_PACE:g}). "
            "Hold times never change.", "tempo of movements and rests (holds never change)", metavar="PACE"),
    Setting("quiet_holds", "quiet_holds", "flag", False, check_flag,
            "Keep holds quiet: no 'ten more seconds' inside them (by default no silence lasts over 6 seconds, so "
            "you never wonder whether the player stopped).", "keep holds free of time-left lines"),
    Setting("language", "language", "text", None, check_language,
            "The language voicecoach speaks in (en, de, es, fr, or any with a phrasebook): by default the "
            "program's own. It also picks the voice, unless --voice does.",
            "the language sessions are spoken in, over the program's", metavar="TAG", none_means="the program's"),
    Setting("engine", "engine", "text", None, None,
            "Speech engine: piper (the natural voice, the default where installed) or espeak; "
            "'voicecoach voices' lists them.", "speech engine: piper or espeak", metavar="NAME",
            commands=SOUND + ("list",)),
    Setting("voice", "voice", "text", None, None,
            "A voice of the engine (see 'voicecoach voices'), or for Piper a path to a .onnx voice file with its "
            ".onnx.json beside it.", "a voice of the engine, a .onnx file, or a language", metavar="ID"),
    Setting("rate", "rate_wpm", "whole", DEFAULT_RATE_WPM, check_rate,
            f"Speech rate in words per minute ({MIN_RATE_WPM} to {MAX_RATE_WPM}).",
            "speech rate, words a minute as heard", metavar="WPM"),
    Setting("volume", "volume", "number", 1.0, check_volume, "Loudness of speech and cues, 0 to 1.",
            "loudness of speech and cues, 0 to 1", metavar="0..1"),
    Setting("music", "music", "text", None, check_place,
            "Music under the voice: a file (mp3, flac, ogg, wav) or a folder of them, in name order, looped; it "
            "is lowered before every line and beep.", "a music file or folder under the voice (play, export)",
            metavar="FILE|FOLDER", commands=SOUNDED, none_means="none"),
    Setting("music_level", "music_level_db", "number", DEFAULT_MUSIC_LEVEL_DB, check_music_level,
            "The music's loudness in dB against the speech (-40 to -6).",
            "the music's level in dB against the speech", metavar="DB", commands=SOUNDED),
    Setting("check_in", "check_in", "choice", None, None,
            "Ask how your back is before and after the session (0 to 10), answered with the number keys "
            "or the media keys: before-after (--check-in alone), after, or off (--no-check-in). By default: before-after "
            "when play has a terminal or media keys, off otherwise.",
            "ask how the back is: before-after, after or off", metavar="WHEN", commands=("play",),
            none_means="before-after with keys", choices=CHECK_IN_CHOICES, negative="off"),
    Setting("listen", "listen", "choice", None, None,
            "Listen for spoken commands (pause, resume, next, previous, repeat, stop, I'm ready, it hurts) and "
            "spoken answers, offline: on (--listen alone), or off (--no-listen). By default: on when "
            "voicecoach[listen] is installed and a microphone can be opened.",
            "listen for spoken commands: on or off", metavar="ON|OFF", commands=("play",),
            none_means="on with a microphone", choices=("on", "off"), negative="off"),
)
BY_NAME = {setting.name: setting for setting in SETTINGS}


def settings_of(command: str) -> tuple[Setting, ...]:
    """The settings whose options a command takes, in the table's order."""
    return tuple(setting for setting in SETTINGS if command in setting.commands)


# --- the value ------------------------------------------------------------------------------------------


class _SettingsValue:
    """What every Settings value can do (the class itself is made from the table, below)."""

    def __post_init__(self) -> None:
        for setting in SETTINGS:
            object.__setattr__(self, setting.field, setting.checked(getattr(self, setting.field)))

    def to_json(self) -> dict[str, Any]:
        return asdict(self)  # type: ignore[call-overload]

    @classmethod
    def from_json(cls, data: Any):
        """Settings from to_json's dict (as kept in the history); unknown keys are ignored, and
        a bad value is an OptionError."""
        if not isinstance(data, dict):
            raise OptionError("the settings are not a JSON object")
        names = {field.name for field in fields(cls)}  # type: ignore[arg-type]
        return cls(**{key: value for key, value in data.items() if key in names})

    def arguments(self) -> list[str]:
        """The command-line options that give these settings (those that differ from the defaults)."""
        given = (setting.as_argument(getattr(self, setting.field)) for setting in SETTINGS)
        return [words for words in given if words is not None]


Settings = make_dataclass(
    "Settings", [(setting.field, Any, setting.default) for setting in SETTINGS], bases=(_SettingsValue,),
    frozen=True)
Settings.__module__ = __name__  # make_dataclass's own module= is Python 3.12's
Settings.__doc__ = """Everything a session is played with, one frozen value from the command line to the engine:
the listener's tempo and language, and how it sounds, one field a row of SETTINGS. None: the program's
language, the default engine, the engine's voice for the language. Every value is checked on creation."""
