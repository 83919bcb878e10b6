"""Speech engines: the interface each one implements, and the registry that finds them.

Every engine, the built-in ones included, registers through the `voicecoach.engines` entry-point
group (pyproject.toml), so a separate package can add an engine the same way:

    [project.entry-points."voicecoach.engines"]
    myengine = "my_package.engine:MyEngine"

Nothing outside this package names a particular engine: the rest of voicecoach asks the registry.
An engine class offers, without starting anything heavy:

- `name`, and `preference` (the installed engine with the highest one is the default);
- `installed()`: whether what it needs is there (cheap: no model loaded, no heavy import);
- `install_hint`: the command that installs it;
- `voices()`: the voices it has, each with its languages, and `default_voice()`, the one it uses
  when none is asked for;
- `EngineClass(voice, rate_wpm, volume)`: an engine (a SpeechEngine) with `identity` (names
  everything that shapes its sound, for the phrase cache), `sample_rate_hz`, `voice_id`,
  `concurrency` (how many phrases it usefully synthesizes at once) and `synthesize(text)`.
"""

from __future__ import annotations

import contextlib
import difflib
import functools
import hashlib
import json
import os
import sys
import tempfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import ClassVar, Protocol

from voicecoach.errors import EngineError, EngineMissing, OptionError, UnknownVoice, shown
from voicecoach.settings import check_language

ENTRY_POINT_GROUP = "voicecoach.engines"


@dataclass(frozen=True)
class Voice:
    id: str
    name: str
    languages: tuple[str, ...]


class SpeechEngine(Protocol):
    """Turns text into PCM: mono, native-endian signed 16-bit, at sample_rate_hz."""

    identity: str
    sample_rate_hz: int

    def synthesize(self, text: str) -> bytes: ...


class EngineType(Protocol):
    """What an entry point of the voicecoach.engines group names: an engine class."""

    name: ClassVar[str]
    preference: ClassVar[int]
    install_hint: ClassVar[str]

    @classmethod
    def installed(cls) -> bool: ...

    @classmethod
    def voices(cls) -> list[Voice]: ...

    @classmethod
    def default_voice(cls) -> str: ...

    def __call__(self, voice: str | None, rate_wpm: int, volume: float) -> SpeechEngine: ...


@functools.cache
def engine_types() -> dict[str, EngineType]:
    """Every registered engine by name. One that cannot be loaded is left out with a note on
    stderr, so a broken plugin never stops a session (httpie treats its plugins the same way)."""
    found: dict[str, EngineType] = {}
    for entry in sorted(metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        try:
            engine_type = entry.load()
        except Exception as error:  # noqa: BLE001 - a third-party plugin may fail in any way
            print(f"Note: the speech engine plugin '{shown(entry.name)}' ({shown(entry.value, 80)}) could not be "
                  f"loaded and is left out: {type(error).__name__}: {shown(str(error), 120)}", file=sys.stderr)
            continue
        found.setdefault(entry.name, engine_type)
    return found


def installed_engines() -> dict[str, EngineType]:
    return {name: kind for name, kind in engine_types().items() if kind.installed()}


def default_engine_name() -> str:
    """The installed engine sessions use unless told otherwise: the most preferred one."""
    installed = installed_engines()
    if not installed:
        known = engine_types()
        hints = "; ".join(f"{name}: {kind.install_hint}" for name, kind in known.items())
        raise EngineMissing(f"no speech engine is installed ({hints or 'reinstall voicecoach'})")
    return max(installed, key=lambda name: (installed[name].preference, name))


def check_engine_name(name: str) -> str:
    """The name of a registered engine (installed or not), in its usual case; else a plain error."""
    known = engine_types()
    if name.strip().lower() not in known:
        close = difflib.get_close_matches(name.strip().lower(), known, n=1, cutoff=0.6)
        hint = f"did you mean '{close[0]}'? " if close else ""
        raise UnknownVoice(f"unknown speech engine '{shown(name)}'; {hint}engines: {', '.join(known) or 'none'}")
    return name.strip().lower()


def engine_type(name: str | None) -> EngineType:
    """The engine class called name (None: the default), installed, or a plain error."""
    if name is None:
        name = default_engine_name()
    kind = engine_types()[check_engine_name(name)]
    if not kind.installed():
        raise EngineMissing(f"the {kind.name} speech engine is not installed; install it with: {kind.install_hint}")
    return kind


def create_engine(name: str | None, voice: str | None, rate_wpm: int, volume: float) -> SpeechEngine:
    """An engine ready to synthesize (its heavy parts still load on first use)."""
    return engine_type(name)(voice=voice, rate_wpm=rate_wpm, volume=volume)


def unknown_voice(voice: str, ids: list[str], engine: str) -> UnknownVoice:
    close = difflib.get_close_matches(voice, ids, n=1, cutoff=0.6)
    hint = f"did you mean '{close[0]}'? " if close else ""
    return UnknownVoice(f"unknown {engine} voice '{shown(voice)}'; {hint}'voicecoach voices' lists them")


# --- digests of large files, for cache identities -------------------------------------------------

def file_digest(path: Path, memo_dir: Path | None) -> str:
    """The SHA-256 of a file, remembered in memo_dir by its size, mtime and inode: a voice model is
    60 MB (0.13 s to hash here), and a warm session should not pay that every time."""
    stat = path.stat()
    key = f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{stat.st_ino}"
    memo_path = memo_dir / "file-digests.json" if memo_dir is not None else None
    memo: dict[str, str] = {}
    if memo_path is not None:
        with contextlib.suppress(OSError, ValueError):
            loaded = json.loads(memo_path.read_text(encoding="utf-8"))
            memo = loaded if isinstance(loaded, dict) else {}
        if isinstance(memo.get(key), str):
            return memo[key]
    hasher = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            hasher.update(block)
    digest = hasher.hexdigest()
    if memo_path is not None:
        memo[key] = digest
        with contextlib.suppress(OSError):  # only a memo: without it, the file is hashed again next time
            memo_dir.mkdir(parents=True, exist_ok=True)
            handle_fd, temporary = tempfile.mkstemp(dir=memo_dir, prefix=".", suffix=".part")
            try:
                with os.fdopen(handle_fd, "w", encoding="utf-8") as out:
                    json.dump(memo, out)
                os.replace(temporary, memo_path)
            finally:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
    return digest


__all__ = ["ENTRY_POINT_GROUP", "EngineError", "EngineMissing", "EngineType", "SpeechEngine", "UnknownVoice",
           "Voice", "create_engine", "default_engine_name", "engine_type", "engine_types", "file_digest",
           "installed_engines", "unknown_voice"]


# --- voices by language ---------------------------------------------------------------------------

def language_match(voice: Voice, language: str) -> int:
    """How well a voice speaks a language tag: 2 the same tag (pt-BR, pt-br), 1 the same language
    (de for de-CH, en-us for en), 0 not at all."""
    wanted = language.lower().replace("_", "-")
    best = 0
    for spoken in voice.languages:
        tag = spoken.lower().replace("_", "-")
        if tag == wanted:
            return 2
        if tag.split("-")[0] == wanted.split("-")[0]:
            best = 1
    return best


def voices_for(kind: EngineType, language: str) -> list[Voice]:
    """The engine's voices that speak the language, best first (eSpeak's MBROLA voices last: they
    need MBROLA's own data installed)."""
    found = [voice for voice in kind.voices() if language_match(voice, language)]
    return sorted(found, key=lambda v: (-language_match(v, language), v.id.startswith("mb/"), len(v.id), v.id))


def add_voice_hint(engine: str, language: str) -> str | None:
    """How to give an engine a voice for a language it has none for (None: no way is known). Only
    Piper's can be added by hand: a voice is a pair of files, and only the English one is also a
    package on PyPI. An offline recognizer misheard 18 to 28% of eSpeak NG's words and 4 to 6% of
    Piper's (scripts/bench_intelligibility.py): worth saying."""
    if engine != "piper":
        return None
    return (f"a Piper voice is misheard far less often than eSpeak: download one for '{shown(language)}' "
            f"(NAME.onnx and NAME.onnx.json, from rhasspy/piper-voices; 'python -m piper.download_voices' "
            f"lists them) and give it with --voice PATH/NAME.onnx")


def _speaks(kind: EngineType, language: str) -> bool:
    try:
        return bool(voices_for(kind, language))
    except Exception:  # noqa: BLE001 - a plugin that cannot list its voices
        return False


def choose_voice(engine: str | None, voice: str | None, language: str) -> tuple[str | None, str | None, str | None]:
    """(engine, voice, note) for a session in `language`. A voice the user named stays, unless it is a
    language tag rather than a voice ('--voice de'): then the best voice for that language. Without
    one, the engine's default voice if it speaks the language, else its best voice that does, else
    (the engine named by no one) another installed engine's, with a note to say so."""
    kind = engine_type(engine)
    try:
        known = kind.voices()
        default_id = kind.default_voice()
    except Exception:  # noqa: BLE001 - a plugin that cannot list its voices: take it as it is
        return engine, voice, None
    if voice is not None:
        ids = {v.id for v in known}
        if voice in ids or voice.endswith(".onnx") or os.sep in voice:
            return engine, voice, None
        try:
            language = check_language(voice)
        except OptionError:
            return engine, voice, None  # the engine says it has no such voice
        if not any(language_match(v, language) for v in known) and not any(
                _speaks(other, language) for other in installed_engines().values()):
            return engine, voice, None
    default = next((v for v in known if v.id == default_id), None)
    if default is not None and language_match(default, language):
        return engine, None, None
    own = voices_for(kind, language)
    if own:
        return engine, own[0].id, None
    for name, other in sorted(installed_engines().items(), key=lambda item: -item[1].preference):
        if name == kind.name:
            continue
        try:
            found = voices_for(other, language)
        except Exception:  # noqa: BLE001 - as above
            continue
        if found:
            note = (f"no {kind.name} voice speaks '{language}'; using the {name} voice {found[0].id} "
                    f"({found[0].name})")
            hint = add_voice_hint(kind.name, language)
            return name, found[0].id, note + (f"; {hint}" if hint else "")
    raise UnknownVoice(f"no installed voice speaks '{shown(language)}'; 'voicecoach voices' lists the voices "
                       "and their languages")
