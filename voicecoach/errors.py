"""The user-facing failures the core can raise, and the exit codes they end in; the CLI turns each
into one line and its code, in one place."""

from __future__ import annotations

import enum
import unicodedata


class ExitStatus(enum.IntEnum):
    """Every exit code voicecoach ends with (the README and `voicecoach --help` list them from here)."""

    DONE = 0
    FAILED = 1
    USAGE = 2
    ENGINE = 3
    DEVICE = 4
    INTERRUPTED = 130

    @property
    def meaning(self) -> str:
        return _MEANINGS[self]


_MEANINGS = {
    ExitStatus.DONE: "done: the session played (or was stopped with q), the file was written, the program is valid",
    ExitStatus.FAILED: "it could not be done: the file could not be written, doctor found a problem, nothing to resume",
    ExitStatus.USAGE: "a usage mistake: an unknown option or value, a program or phrasebook file with a mistake",
    ExitStatus.ENGINE: "the speech engine is missing or failed",
    ExitStatus.DEVICE: "play: no sound device could be opened (export the session instead)",
    ExitStatus.INTERRUPTED: "stopped by Ctrl-C (or the terminal closing); play says how to go on",
}


class VoicecoachError(Exception):
    """A failure the user caused or can fix; never a bug."""

    exit_code: ExitStatus = ExitStatus.FAILED


class OptionError(VoicecoachError):
    """An option or setting value that cannot be used."""

    exit_code = ExitStatus.USAGE


class ProgramError(VoicecoachError):
    """A program could not be found, read or validated."""

    exit_code = ExitStatus.USAGE

    def __init__(self, message: str, source: str | None = None, line: int | None = None):
        self.message = message
        self.source = source
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:
        if self.source is None:
            return self.message
        source = shown(self.source, limit=300)
        where = source if self.line is None else f"{source}, line {self.line}"
        return f"{where}: {self.message}"


def shown(text: str, limit: int = 40) -> str:
    """User text made safe for a one-line message: whitespace folded, invisible and control
    characters (line breaks, terminal escapes, right-to-left marks) escaped, length capped."""
    folded = " ".join(text.split())
    safe = "".join(
        char if unicodedata.category(char)[0] != "C" else char.encode("unicode_escape").decode("ascii")
        for char in folded
    )
    return safe if len(safe) <= limit else safe[: limit - 3] + "..."


class EngineError(VoicecoachError):
    """The speech engine is missing, misconfigured or failed."""

    exit_code = ExitStatus.ENGINE


class EngineMissing(EngineError):
    """A speech engine is not installed: `show` can still estimate, sound cannot be made."""


class UnknownVoice(EngineError):
    """--voice names no voice the engine has, or a voice file that cannot be used: a usage mistake."""

    exit_code = ExitStatus.USAGE


FIX_NO_DEVICE = "connect or enable a sound device (aplay -l lists them); without one, use voicecoach export"


class DeviceError(VoicecoachError):
    """No audio device, or it failed. `detail` is the system's own words for why, if it gave any;
    `fix` the one command or step that mends it (doctor prints it)."""

    exit_code = ExitStatus.DEVICE

    def __init__(self, message: str, detail: str | None = None, fix: str = FIX_NO_DEVICE):
        super().__init__(message)
        self.detail = detail
        self.fix = fix
