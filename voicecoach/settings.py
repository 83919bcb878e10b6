"""Settings: what a session is played with, as one frozen value (Settings), and the user's settings
file, settings.toml in the config folder (platformdirs; VOICECOACH_CONFIG_DIR overrides), whose
values are the defaults of every command's options (an option on the command line always wins).
Each value is checked by the same check as its option."""

from __future__ import annotations

import math
import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from voicecoach.errors import VoicecoachError, shown
from voicecoach.script import DEFAULT_RATE_WPM, OptionError, check_choices, check_pace
from voicecoach.speech import check_rate, check_volume

SETTINGS_FILE = "settings.toml"
DEFAULT_MUSIC_LEVEL_DB = -18.0  # voicecoach.music.DEFAULT_LEVEL_DB (music.py imports numpy; this does not)
MIN_MUSIC_LEVEL_DB, MAX_MUSIC_LEVEL_DB = -40.0, -6.0


def check_music_level(level_db: float) -> float:
    """The music's level in dB against the speech, or an OptionError."""
    if isinstance(level_db, bool) or not isinstance(level_db, (int, float)) or not (
            MIN_MUSIC_LEVEL_DB <= level_db <= MAX_MUSIC_LEVEL_DB):
        raise OptionError(f"music level must be a number of dB from {MIN_MUSIC_LEVEL_DB:g} to {MAX_MUSIC_LEVEL_DB:g} "
                          f"(below the speech), not {level_db!r}")
    return float(level_db)


@dataclass(frozen=True)
class Settings:
    """Everything a session is played with, one frozen value from the command line to the engine:
    the listener's tempo and language, and how it sounds. None: the program's language, the
    default engine, the engine's voice for the language. Every value is checked on creation."""

    pace: float = 1.0
    quiet_holds: bool = False
    language: str | None = None
    engine: str | None = None
    voice: str | None = None
    rate_wpm: int = DEFAULT_RATE_WPM
    volume: float = 1.0
    music: str | None = None  # a music file or folder, under the voice (play and export)
    music_level_db: float = DEFAULT_MUSIC_LEVEL_DB  # its loudness against the speech's

    def __post_init__(self) -> None:
        check_choices(self)
        check_rate(self.rate_wpm)
        object.__setattr__(self, "volume", check_volume(self.volume))
        object.__setattr__(self, "music_level_db", check_music_level(self.music_level_db))

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Any) -> Settings:
        """Settings from to_json's dict (as kept in the history); unknown keys are ignored, and
        a bad value is an OptionError."""
        if not isinstance(data, dict):
            raise OptionError("the settings are not a JSON object")
        names = {field.name for field in fields(cls)}
        return cls(**{key: value for key, value in data.items() if key in names})

    def arguments(self) -> list[str]:
        """The command-line options that give these settings (those that differ from the defaults)."""
        import shlex

        words: list[str] = []
        words += [f"--pace {self.pace:g}"] if self.pace != 1 else []
        words += ["--quiet-holds"] if self.quiet_holds else []
        words += [f"--language {shlex.quote(self.language)}"] if self.language else []
        words += [f"--engine {shlex.quote(self.engine)}"] if self.engine else []
        words += [f"--voice {shlex.quote(self.voice)}"] if self.voice else []
        words += [f"--rate {self.rate_wpm}"] if self.rate_wpm != DEFAULT_RATE_WPM else []
        words += [f"--volume {self.volume:g}"] if self.volume != 1 else []
        words += [f"--music {shlex.quote(self.music)}"] if self.music else []
        words += [f"--music-level {self.music_level_db:g}"] if self.music_level_db != DEFAULT_MUSIC_LEVEL_DB else []
        return words


def config_dir() -> Path:
    """The user's voicecoach config folder, for example ~/.config/voicecoach on Linux."""
    override = os.environ.get("VOICECOACH_CONFIG_DIR")
    if override:
        return Path(override)
    from platformdirs import user_config_dir

    return Path(user_config_dir("voicecoach", appauthor=False))


def settings_path() -> Path:
    return config_dir() / SETTINGS_FILE


class SettingsError(VoicecoachError):
    """A settings file or value that cannot be used: one line naming the file, the key, the problem."""

    exit_code = 2


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("must be text")
    return value.strip()


def _whole(check: Callable[[int], int]) -> Callable[[Any], int]:
    def convert(value: Any) -> int:
        if isinstance(value, str):
            try:
                value = int(value.strip())
            except ValueError:
                raise ValueError(f"'{shown(value)}' is not a whole number") from None
        return check(value)

    return convert


def _number(check: Callable[[float], float]) -> Callable[[Any], float]:
    def convert(value: Any) -> float:
        if isinstance(value, str):
            try:
                value = float(value.strip())
            except ValueError:
                raise ValueError(f"'{shown(value)}' is not a number") from None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise ValueError(f"{value!r} is not a number")
        return check(value)

    return convert


def _flag(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "yes", "on", "1", "false", "no", "off", "0"):
        return value.strip().lower() in ("true", "yes", "on", "1")
    raise ValueError("must be true or false")


def _engine(value: Any) -> str:
    from voicecoach.engines import check_engine_name

    return check_engine_name(_text(value))


def _music(value: Any) -> str:
    """A music file or folder, kept as an absolute path: the settings hold for every folder."""
    return str(Path(_text(value)).expanduser().resolve())


def _language(value: Any) -> str:
    from voicecoach.phrasebook import check_language

    return check_language(_text(value))


@dataclass(frozen=True)
class Key:
    name: str
    convert: Callable[[Any], Any]
    help: str
    commands: tuple[str, ...]  # the commands whose option it is the default of
    option: str  # the option's parameter name


def _keys() -> dict[str, Key]:
    sound = ("play", "show", "export")
    return {key.name: key for key in (
        Key("engine", _engine, "speech engine: piper or espeak", sound + ("list",), "engine"),
        Key("voice", _text, "a voice of the engine, a .onnx file, or a language", sound, "voice"),
        Key("rate", _whole(check_rate), "speech rate, words a minute as heard", sound, "rate"),
        Key("volume", _number(check_volume), "loudness of speech and cues, 0 to 1", sound, "volume"),
        Key("pace", _number(check_pace), "tempo of movements and rests (holds never change)", sound, "pace"),
        Key("language", _language, "the language sessions are spoken in, over the program's", sound, "language"),
        Key("quiet_holds", _flag, "keep holds free of time-left lines", sound, "quiet_holds"),
        Key("music", _music, "a music file or folder under the voice (play, export)", ("play", "export"), "music"),
        Key("music_level", _number(check_music_level), "the music's level in dB against the speech",
            ("play", "export"), "music_level"),
    )}


def check_key(key: str, source: str | None = None) -> str:
    """The key if it is a setting, else a SettingsError that lists the settings."""
    keys = _keys()
    if key not in keys:
        where = f"{source}: " if source else ""
        raise SettingsError(f"{where}unknown setting '{shown(key)}'; the settings are: {', '.join(keys)}")
    return key


def check_value(key: str, value: Any, source: str) -> Any:
    """The value, checked as its option checks it, or a SettingsError naming the source and key."""
    keys = _keys()
    check_key(key, source)
    try:
        return keys[key].convert(value)
    except VoicecoachError as error:  # the option's own check: its words name the setting
        raise SettingsError(f"{source}: {error}") from None
    except (ValueError, TypeError) as error:
        raise SettingsError(f"{source}: {key}: {error or 'not a valid value'}") from None


def load_settings(path: Path | None = None) -> dict[str, Any]:
    """The settings in the file (none if there is no file), every value checked."""
    path = path or settings_path()
    try:
        data = path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):  # no settings file (yet)
        return {}
    except OSError as error:
        raise SettingsError(f"{path}: cannot read it: {error.strerror or error}") from None
    tomllib = _toml()
    try:
        document = tomllib.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise SettingsError(f"{path}: the file is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(f"{path}: not a settings file ({error}); fix it, or remove it with "
                            "'voicecoach config unset KEY'") from None
    return {key: check_value(key, value, str(path)) for key, value in document.items()}


def _toml():
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    return tomllib


def entries(path: Path) -> tuple[dict[str, Any], set[str]]:
    """The settings file's good entries, and every key it gives, good or not: so that
    'config unset' can mend a broken file by removing the broken key."""
    try:
        values = load_settings(path)
        return values, set(values)
    except SettingsError:
        try:
            document = _toml().loads(path.read_text(encoding="utf-8-sig"))
        except (OSError, ValueError):
            return {}, set()
        kept = {}
        for key, value in document.items():
            try:
                kept[key] = check_value(key, value, str(path))
            except SettingsError:
                continue
        return kept, set(document)


def save_settings(values: dict[str, Any], path: Path | None = None) -> Path:
    """Write the settings whole, atomically: a failed write leaves the old file as it was."""
    import tomli_w

    path = path or settings_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".settings-", suffix=".toml", dir=path.parent)
    except OSError as error:
        raise SettingsError(f"{path.parent}: cannot write the settings there: {error.strerror or error}") from None
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(b"# voicecoach settings: 'voicecoach config' shows them, 'config set KEY VALUE' changes one.\n")
            out.write(tomli_w.dumps(dict(sorted(values.items()))).encode("utf-8"))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def default_map(values: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Click's default_map: each setting as the default of its option in each command."""
    keys = _keys()
    out: dict[str, dict[str, Any]] = {}
    for name, value in values.items():
        for command in keys[name].commands:
            out.setdefault(command, {})[keys[name].option] = value
    return out


def setting_names() -> dict[str, str]:
    """Each setting and what it is."""
    return {name: key.help for name, key in _keys().items()}
