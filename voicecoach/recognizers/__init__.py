"""Speech recognizers: what turns the listener's words into text, behind one small interface.

Every recognizer, the built-in one included, registers through the `voicecoach.recognizers`
entry-point group (pyproject.toml), as speech engines do, so another package can add one:

    [project.entry-points."voicecoach.recognizers"]
    myrecognizer = "my_package.recognizer:MyRecognizer"

A recognizer class offers, without loading anything heavy:

- `name`, `preference` (the installed one with the highest is used) and `install_hint`;
- `installed()`: whether what it needs is there (cheap: no model loaded);
- `Recognizer()`: one with `sample_rate_hz` (the mono float32 samples it takes), `check()` (its
  model whole and working, in a line, or a RecognizerError) and
  `transcribe(samples, language, hint_words)`: a Transcript of one voiced stretch (hearing.py
  cuts them), `hint_words` being the words it should expect (the commands of the moment).
"""

from __future__ import annotations

import functools
import sys
from dataclasses import dataclass
from importlib import metadata
from typing import ClassVar, Protocol

from voicecoach.errors import VoicecoachError, shown

ENTRY_POINT_GROUP = "voicecoach.recognizers"
INSTALL = "pip install 'voicecoach[listen]' (bash scripts/setup.sh installs it)"


class RecognizerError(VoicecoachError):
    """The recognizer cannot work (a damaged model, a failure while transcribing): one line."""


class RecognizerMissing(RecognizerError):
    """No recognizer is installed (voicecoach[listen] was left out): no fault, and play says so only
    when --listen asked for it."""


@dataclass(frozen=True)
class Transcript:
    """What a recognizer heard: the text, and how sure it is (the mean log-probability of its
    tokens, 0 the surest; None when the recognizer does not say)."""

    text: str
    confidence: float | None = None


class Recognizer(Protocol):
    sample_rate_hz: int

    def check(self) -> str: ...

    def transcribe(self, samples, language: str, hint_words: tuple[str, ...] = ()) -> Transcript: ...


class RecognizerType(Protocol):
    name: ClassVar[str]
    preference: ClassVar[int]
    install_hint: ClassVar[str]

    @classmethod
    def installed(cls) -> bool: ...

    def __call__(self) -> Recognizer: ...


@functools.cache
def recognizer_types() -> dict[str, RecognizerType]:
    """Every registered recognizer by name; one that cannot be loaded is left out with a note on stderr."""
    found: dict[str, RecognizerType] = {}
    for entry in metadata.entry_points(group=ENTRY_POINT_GROUP):
        try:
            found[entry.name] = entry.load()
        except Exception as error:  # noqa: BLE001 - another package's fault must not stop voicecoach
            print(f"voicecoach: the recognizer '{entry.name}' could not be loaded ({shown(str(error), 80)})",
                  file=sys.stderr)
    return found


def create_recognizer(name: str | None = None) -> Recognizer:
    """The installed recognizer with the highest preference (or the one named): RecognizerMissing
    when none is installed."""
    kinds = recognizer_types()
    if name is not None:
        if name not in kinds:
            raise RecognizerError(f"no recognizer named '{shown(name)}' (there are: {', '.join(kinds) or 'none'})")
        chosen = [kinds[name]]
    else:
        chosen = sorted(kinds.values(), key=lambda kind: -kind.preference)
    for kind in chosen:
        if kind.installed():
            return kind()
    hint = chosen[0].install_hint if chosen else INSTALL
    raise RecognizerMissing(f"no speech recognizer is installed; {hint}")
