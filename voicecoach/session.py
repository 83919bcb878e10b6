"""A session ready to sound: the script compiled with measured durations, and what renders it."""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from voicecoach.cues import load_cues
from voicecoach.engines import SpeechEngine, create_engine
from voicecoach.errors import VoicecoachError
from voicecoach.program import Program
from voicecoach.render import MeasuredDurations, render_pcm, render_span, total_frames
from voicecoach.script import Estimate, Options, Script, compile_head, compile_script, head_lines
from voicecoach.settings import Settings
from voicecoach.speech import PhraseCache, Speech, phrase_cache_dir


@dataclass(frozen=True)
class Session:
    script: Script
    speech: Speech
    cues: dict[str, bytes]

    @property
    def sample_rate_hz(self) -> int:
        return self.speech.sample_rate_hz

    @property
    def frames(self) -> int:
        return total_frames(self.script, self.sample_rate_hz)

    def pieces(self, start_ms: int = 0) -> Iterator[bytes]:
        return render_pcm(self.script, self.speech.pcm, self.cues, self.sample_rate_hz, start_ms)


def session_options(program: Program, settings: Settings) -> Options:
    """What the compiler needs of the settings for this program, with the phrasebook of the
    session's language as the user has it (the package's, overridden by the user's own)."""
    from voicecoach.phrasebook import find_phrasebook

    tag = settings.language or program.language
    return Options(pace=settings.pace, quiet_holds=settings.quiet_holds, language=tag,
                   phrasebook=find_phrasebook(tag))


def speech_for(settings: Settings, language: str) -> tuple[Speech, str | None]:
    """Speech in the session's language: the voice the user chose, or one that speaks the language;
    and a note when that is another engine's voice than the one asked for (or None)."""
    from dataclasses import replace

    from voicecoach.engines import choose_voice

    engine, voice, note = choose_voice(settings.engine, settings.voice, language)
    return make_speech(replace(settings, engine=engine, voice=voice)), note


def make_speech(settings: Settings = Settings(), cache_dir: Path | None = None,
                engine: SpeechEngine | None = None) -> Speech:
    """Speech through the engine and voice the settings name (the registry's default when they
    name none), at their rate, brought to their volume."""
    if engine is None:
        # The engine speaks at full volume: phrases are brought to one loudness, then lowered.
        engine = create_engine(settings.engine, settings.voice, settings.rate_wpm, 1.0)
    return Speech(engine, PhraseCache(cache_dir if cache_dir is not None else phrase_cache_dir()),
                  volume=settings.volume)


class _Recorder:
    """Estimated durations that note every line the compiler asks about, in timeline order."""

    def __init__(self) -> None:
        self.estimate = Estimate()
        self.texts: dict[str, None] = {}

    def speech_ms(self, text: str) -> int:
        self.texts.setdefault(text, None)
        return self.estimate.speech_ms(text)

    def cue_ms(self, cue: str) -> int:
        return self.estimate.cue_ms(cue)


def spoken_lines(program: Program, options: Options) -> list[str]:
    """Every line the session speaks, each once, in the order it is first heard (no synthesis);
    all but the length line, whose words depend on the measured lengths of all the others."""
    recorder = _Recorder()
    compile_script(program, options, recorder)
    book = options.phrases(program)
    return [text for text in recorder.texts if not book.is_session_length(text)]


def prepare_session(program: Program, options: Options, speech: Speech) -> Session:
    """Compile with every phrase's real length; what the cache lacks is synthesized first, on every
    core the engine can use, each distinct phrase once. Cues are as loud as the speech."""
    cues = load_cues(speech.sample_rate_hz, speech.volume)
    speech.prefetch(spoken_lines(program, options))
    durations = MeasuredDurations(speech.frames, cues, speech.sample_rate_hz)
    return Session(script=compile_script(program, options, durations), speech=speech, cues=cues)


CLOSE_WAIT_S = 5.0  # the longest a stopped session waits for the phrase being synthesized


class LiveSession:
    """A session that starts sounding before all of it is synthesized (`play` on a cold cache).

    A background thread synthesizes every line on the engine's cores, the opening lines first, and
    publishes the script as it becomes known: the opening line by line (its events are the same in
    the whole script; see compile_head), then the whole script once every line is measured, which
    is exactly what prepare_session (and so `show --json`) compiles. With every line already in
    the cache, it is complete before the constructor returns.
    """

    def __init__(self, program: Program, options: Options, speech: Speech, extra_lines: tuple[str, ...] = (),
                 cues: dict[str, bytes] | None = None):
        self.speech = speech
        self.cues = cues if cues is not None else load_cues(speech.sample_rate_hz, speech.volume)
        self._program, self._options = program, options
        self._durations = MeasuredDurations(speech.frames, self.cues, speech.sample_rate_hz)
        self._head = head_lines(program, options.phrases(program))  # in the session's language
        self._extra = list(extra_lines)
        self._known = Script(program.name, program.title, options.pace, ())
        self._complete = False
        self._error: BaseException | None = None
        self._changed = threading.Condition()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        if speech.ready(self._head[0]) and all(speech.ready(text) for text in self._lines):
            self._prepare()  # the session's own lines are cached: whole at once
            if not all(speech.ready(text) for text in self._extra):  # notices are needed later, if at all
                self._start_thread(self._make_extra, "voicecoach-notices")
        else:  # at once: with a cold cache the voice loads while the rest is being set up
            self._start_thread(self._prepare_all, "voicecoach-prepare")
            self.bound_ms  # noqa: B018 - estimated now, while the voice loads, not after the first line

    @functools.cached_property
    def _lines(self) -> list[str]:
        """Every line of the session, the opening first: what is synthesized, in that order (the
        extra lines, notices the player may need, come after them)."""
        return self._head + spoken_lines(self._program, self._options)

    @functools.cached_property
    def bound_ms(self) -> int:
        """How long the session may turn out to be, for a player that starts before it is known:
        the estimate is within -18%..+34% of measured lengths (script.Estimate), so half again."""
        rate_wpm = getattr(self.speech.engine, "rate_wpm", Estimate.rate_wpm)
        return compile_script(self._program, self._options, Estimate(rate_wpm=rate_wpm)).duration_ms * 3 // 2 + 30_000

    @property
    def sample_rate_hz(self) -> int:
        return self.speech.sample_rate_hz

    def render_span(self, start_ms: int, end_ms: int) -> bytes:
        """The PCM of the session from start_ms to end_ms, as far as it is known (the player's render)."""
        return render_span(self.current()[0], self.speech.pcm, self.cues, self.sample_rate_hz, start_ms, end_ms)

    def current(self) -> tuple[Script, bool]:
        """The script known so far, and whether it is the whole session; a failure is raised here."""
        with self._changed:
            if self._error is not None:
                raise self._error
            return self._known, self._complete

    def wait(self, timeout_s: float | None = None) -> tuple[Script, bool]:
        """Until something is known (at least the first line), then as current()."""
        with self._changed:
            self._changed.wait_for(lambda: self._known.events or self._complete or self._error, timeout_s)
        return self.current()

    def result(self) -> Script:
        """The whole script, waiting for it."""
        with self._changed:
            self._changed.wait_for(lambda: self._complete or self._error)
        return self.current()[0]

    def close(self, timeout_s: float = CLOSE_WAIT_S) -> None:
        """Stop synthesizing (the session was stopped): nothing new starts, and the phrase under way
        is waited for, so that an engine is never cut off mid-phrase by the process exiting (eSpeak
        then writes into a folder already removed, and says so on the terminal)."""
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout_s)

    def _start_thread(self, target, name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _publish(self, script: Script, complete: bool) -> None:
        with self._changed:
            if len(script.events) > len(self._known.events) or complete:
                self._known, self._complete = script, complete
                self._changed.notify_all()

    def _head_ready(self, _text: str | None = None) -> None:
        ready = 0
        while ready < len(self._head) and self.speech.ready(self._head[ready]):
            ready += 1
        if ready and not self._complete:
            events = compile_head(self._program, self._options, self._durations, count=ready)
            self._publish(Script(self._program.name, self._program.title, self._options.pace, events), False)

    def _prepare_all(self) -> None:
        if self._prepare():
            self._make_extra()

    def _make_extra(self) -> None:
        """The extra lines, after the session's: a failure here is met again when one is needed."""
        with contextlib.suppress(VoicecoachError):
            self.speech.prefetch(self._extra, stop=self._stop)

    def _prepare(self) -> bool:
        """Synthesize and publish the session; whether it succeeded (else the error is kept)."""
        try:
            # The first line alone, so it has a core to itself: it is what the listener waits for.
            self.speech.frames(self._head[0])
            self._head_ready()
            self.speech.prefetch(self._lines, done=self._head_ready, stop=self._stop)
            if self._stop.is_set():
                return False
            self._publish(compile_script(self._program, self._options, self._durations), True)
            return True
        except BaseException as error:  # noqa: BLE001 - handed to the main thread, which raises it
            with self._changed:
                self._error = error
                self._changed.notify_all()
            return False
