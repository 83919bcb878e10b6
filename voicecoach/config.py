"""The settings file: settings.toml in the config folder (voicecoach/paths.py), whose values are the
defaults of every command's options (an option on the command line always wins), and what
`voicecoach config` does to it. Each key is a row of voicecoach.settings.SETTINGS, checked by that
row's check; the file is changed in place with tomlkit (its comments and layout kept), atomically,
through a symlink if it is one."""

from __future__ import annotations

import difflib
import errno
import os
import re
import shutil
import stat
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from voicecoach.errors import ExitStatus, OptionError, VoicecoachError, shown
from voicecoach.files import NotARegularFile, kind_of, read_regular
from voicecoach.paths import config_dir
from voicecoach.settings import BY_NAME, SETTINGS

SETTINGS_FILE = "settings.toml"


def settings_path() -> Path:
    return config_dir() / SETTINGS_FILE


class SettingsError(VoicecoachError):
    """A settings file or value that cannot be used: one line naming the file, the key, the problem."""

    exit_code = ExitStatus.USAGE


class SettingsWriteError(SettingsError):
    """The settings file could not be written (a full or read-only disk): the old one is as it was."""

    exit_code = ExitStatus.FAILED


def check_key(key: str, source: str | None = None) -> str:
    """The key if it is a setting, else a SettingsError that lists the settings."""
    if key not in BY_NAME:
        where = f"{source}: " if source else ""
        raise SettingsError(f"{where}unknown setting '{shown(key)}'; the settings are: {', '.join(BY_NAME)}")
    return key


def check_value(key: str, value: Any, source: str) -> Any:
    """The value (as written in the file, or as text from `config set`), checked as its option
    checks it, or a SettingsError naming the source and key. An engine must be one that is
    registered, as --engine's must."""
    setting = BY_NAME[check_key(key, source)]
    try:
        checked = setting.from_text(value) if isinstance(value, str) else setting.checked(value)
        if key == "engine":
            from voicecoach.engines import check_engine_name

            checked = check_engine_name(checked)
    except ValueError as error:  # not a value of its kind: 'fast' for a number
        raise SettingsError(f"{source}: {key}: {error}") from None
    except OptionError as error:  # the option's own check: a number's words name the setting, text's do not
        raise SettingsError(f"{source}: {key}: {error}" if setting.kind == "text" else f"{source}: {error}") from None
    except VoicecoachError as error:  # an engine that is not registered, in --engine's words
        raise SettingsError(f"{source}: {error}") from None
    return checked


MAX_SETTINGS_BYTES = 64 * 1024  # a settings file is a dozen lines: anything near this is not one
HEADER = "# voicecoach settings: 'voicecoach config' shows them, 'config set KEY VALUE' changes one."
RESET_ADVICE = "start over with 'voicecoach config reset' (it keeps the old file as a backup)"


def _where(path: Path, line: int | None = None) -> str:
    return shown(str(path), limit=300) + ("" if line is None else f", line {line}")


def _read(path: Path) -> bytes | None:
    """The file's bytes, or None when there is no file. Only a regular file is opened: a named pipe
    would wait for a writer forever."""
    try:
        data = read_regular(path, MAX_SETTINGS_BYTES)
    except NotARegularFile as error:
        raise SettingsError(f"{_where(path)}: this is {error.what}, not a settings file; "
                            "move it away and voicecoach starts a new one") from None
    except (FileNotFoundError, NotADirectoryError):  # no settings file (yet); a dangling link is written through
        return None
    except OSError as error:
        raise SettingsError(f"{_where(path)}: cannot read it: {error.strerror or error}") from None
    if len(data) > MAX_SETTINGS_BYTES:
        raise SettingsError(f"{_where(path)}: the file is too large for a settings file "
                            f"(over {MAX_SETTINGS_BYTES // 1024} KiB); {RESET_ADVICE}")
    return data


def _parse(path: Path, data: bytes) -> tuple[str, dict[str, Any]]:
    """The file's text and its TOML document, or a SettingsError that says the line and what to fix."""
    tomllib = _toml()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SettingsError(f"{_where(path)}: the file is not UTF-8 text; save it as UTF-8, or "
                            f"{RESET_ADVICE}") from None
    try:
        return text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise SettingsError(_syntax_message(path, text, str(error))) from None
    except RecursionError:  # tomllib descends once a level: 5,000 nested tables or arrays exhaust the stack
        raise SettingsError(f"{_where(path)}: not a settings file: its values are nested far too deeply "
                            f"(a setting is one line, KEY = VALUE); {RESET_ADVICE}") from None


# Where tomllib says the mistake is, at the end of its message: "Invalid value (at line 3, column 8)".
_AT = re.compile(r"\s*\((?:at line (\d+), column \d+|at end of document)\)\s*$")
# A setting whose value is bare text: engine = espeak (TOML wants "espeak").
_BARE_TEXT = re.compile(r"^\s*([A-Za-z_]+)\s*=\s*([^\s\"'\[{#][^#]*?)\s*(?:#.*)?$")


def _syntax_message(path: Path, text: str, error: str) -> str:
    """A TOML syntax error as the line it is on and what to write there instead."""
    found = _AT.search(error)
    problem = error[: found.start()] if found else error
    lines = text.splitlines()
    line = int(found.group(1)) if found and found.group(1) else len(lines) or None
    written = lines[line - 1] if line and line <= len(lines) else ""
    bare = _BARE_TEXT.match(written)
    key = re.match(r"\s*([A-Za-z0-9_-]+)\s*=", written)
    if bare and problem == "Invalid value" and bare.group(1) in BY_NAME and BY_NAME[bare.group(1)].kind == "text":
        fix = f'text must be in quotes: {bare.group(1)} = "{shown(bare.group(2))}"; fix that line'
    elif key and problem == "Cannot overwrite a value":
        fix = f"'{shown(key.group(1))}' is set twice; remove one of the two lines"
    else:
        fix = (f"this is not a setting ({shown(problem[:1].lower() + problem[1:], 80)}); a setting is "
               'one line, KEY = VALUE, with text in quotes: pace = 0.8, engine = "espeak"; fix that line')
    return f"{_where(path, line)}: {fix}, or {RESET_ADVICE}"


@dataclass(frozen=True)
class SettingsFile:
    """What a settings file gives: its settings, every value checked, and the keys in it that are
    not settings (a typo, or a setting of another version), which are left out with a note."""

    path: Path
    values: dict[str, Any]
    unknown: tuple[str, ...] = ()

    def notes(self) -> list[str]:
        """A line for each key that is not a setting: what it is and how to remove it."""
        out = []
        for key in self.unknown:
            close = difflib.get_close_matches(key, list(BY_NAME), n=1, cutoff=0.6)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            out.append(f"{_where(self.path)}: '{shown(key)}' is not a setting{hint} and is left out; "
                       f"'voicecoach config unset {shown(key)}' removes it")
        return out


def read_settings(path: Path | None = None) -> SettingsFile:
    """The settings file (empty if there is none): a file that cannot be read, is not TOML, or has a
    bad value for a setting is a SettingsError; a key that is not a setting is only noted."""
    path = path or settings_path()
    data = _read(path)
    if data is None:
        return SettingsFile(path, {})
    _, document = _parse(path, data)
    values = {key: check_value(key, value, str(path)) for key, value in document.items() if key in BY_NAME}
    return SettingsFile(path, values, tuple(key for key in document if key not in BY_NAME))


def load_settings(path: Path | None = None) -> dict[str, Any]:
    """The settings in the file (none if there is no file), every value checked."""
    return read_settings(path).values


def _toml():
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    return tomllib


def _editable(path: Path):
    """The file as a tomlkit document, which keeps its comments, order and layout when written
    back; a new document when there is no file."""
    import tomlkit
    from tomlkit.exceptions import ParseError

    data = _read(path)
    if data is None:
        document = tomlkit.document()
        document.add(tomlkit.comment(HEADER.removeprefix("# ")))
        return document
    text, _ = _parse(path, data)  # tomllib's messages, with the line, for a file that is not TOML
    try:
        return tomlkit.parse(text)
    except (ParseError, RecursionError) as error:  # TOML that tomlkit cannot edit
        raise SettingsError(f"{_where(path)}: cannot change this file ({shown(str(error), 80)}); "
                            f"{RESET_ADVICE}") from None


def set_setting(key: str, value: Any, path: Path | None = None) -> Path:
    """Write one checked setting into the file, keeping everything else in it as it was (its
    other keys, its comments); a symlinked file is written through its link."""
    path = path or settings_path()
    document = _editable(path)
    document[key] = value
    _write(path, document.as_string())
    return path


def unset_setting(key: str, path: Path | None = None) -> bool:
    """Remove a key from the file, any key it gives (a setting or not); False when it gives none."""
    path = path or settings_path()
    document = _editable(path)
    if key not in document:  # a new document when there is no file: nothing to remove
        return False
    del document[key]
    _write(path, document.as_string())
    return True


def reset_settings(path: Path | None = None) -> Path | None:
    """Start over with no settings; the old file is kept beside it as settings.toml.bak (or .bak.2,
    ...), whose path is returned (None when there was no file). It works on any regular file,
    however broken or large: that is what it is for. A symlinked file is emptied through its link."""
    path = path or settings_path()
    try:
        mode = path.stat().st_mode  # never opened: it may be a FIFO
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as error:
        raise SettingsError(f"{_where(path)}: cannot read it: {error.strerror or error}") from None
    if not stat.S_ISREG(mode):
        raise SettingsError(f"{_where(path)}: this is {kind_of(mode)}, not a settings file; move it away "
                            "and voicecoach starts a new one")
    backup = next(candidate for candidate in (path.with_name(path.name + ".bak" + ("" if n == 1 else f".{n}"))
                                              for n in range(1, 10_000)) if not os.path.lexists(candidate))
    linked = path.is_symlink()
    try:
        if linked:  # the linked file is the user's: keep a copy, then empty it through the link
            shutil.copyfile(path, backup)
        else:
            os.replace(path, backup)  # a rename: nothing is copied, so nothing can fill the disk
    except OSError as error:
        if linked:
            backup.unlink(missing_ok=True)  # a copy cut short is no backup
        raise SettingsWriteError(f"{_where(backup)}: cannot keep the old settings there: "
                                 f"{error.strerror or error}; nothing was changed") from None
    if linked:
        try:
            _write(path, HEADER + "\n")
        except SettingsWriteError:
            backup.unlink(missing_ok=True)  # the file is as it was: no stray copy beside it
            raise
    return backup


def _write(path: Path, content: str) -> None:
    """Write the file whole, atomically (files.write_atomic): a failed write (a full disk, a
    read-only one) leaves the old file as it was. A symlink is written through."""
    from voicecoach.files import write_atomic

    target = Path(os.path.realpath(path)) if path.is_symlink() else path
    try:
        write_atomic(path, content.encode("utf-8"))
    except OSError as error:
        if not target.parent.is_dir() or not os.access(target.parent, os.W_OK):
            raise SettingsWriteError(f"{_where(target.parent)}: cannot write the settings there: "
                                     f"{error.strerror or error}") from None
        reason = "the disk is full" if error.errno == errno.ENOSPC else (error.strerror or str(error))
        raise SettingsWriteError(f"{_where(target)}: cannot write the settings: {reason}; "
                                 "nothing was changed") from None


def default_map(values: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Click's default_map: each setting as the default of its option in each command."""
    out: dict[str, dict[str, Any]] = {}
    for name, value in values.items():
        for command in BY_NAME[name].commands:
            out.setdefault(command, {})[name] = value
    return out


def setting_names() -> dict[str, str]:
    """Each setting and what it is, in the table's order."""
    return {setting.name: setting.about for setting in SETTINGS}
