"""The user-facing failures the core can raise; the CLI turns each into one line and an exit code."""

from __future__ import annotations


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
        where = self.source if self.line is None else f"{self.source}, line {self.line}"
        return f"{where}: {self.message}"
