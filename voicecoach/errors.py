"""The user-facing failures the core can raise; the CLI turns each into one line and an exit code."""

from __future__ import annotations

import unicodedata


class VoicecoachError(Exception):
    """A failure the user caused or can fix; never a bug."""

    exit_code = 1


class ProgramError(VoicecoachError):
    """A program could not be found, read or validated."""

    exit_code = 2

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

    exit_code = 3


class EngineMissing(EngineError):
    """A speech engine is not installed: `show` can still estimate, sound cannot be made."""


class UnknownVoice(EngineError):
    """--voice names no voice the engine has, or a voice file that cannot be used: a usage mistake."""

    exit_code = 2
