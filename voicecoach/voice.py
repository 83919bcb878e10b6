"""What the listener says during play, as controls: the microphone (microphone.py), then voice
activity and the recognizer (hearing.py, recognizers/), then a command or an answer that is expected
at this moment (commands.py) and is not voicecoach's own voice.

The coach hears itself: its speaker is in the same room as the microphone. Everything voicecoach
says is written down as it is said (SaidLog: the session's lines from the player's timeline, the
questions and notices as they are played), and what the recognizer hears is compared with it
(commands.unsaid): a "ready" heard while or just after voicecoach said "Ready." is its own.

The commands come out as the media keys' controls do (run loop, ask.py), so a spoken "pause" does
exactly what the play button does: "Pause", "Play", "Next", "PreviousExercise", "Restart",
"Quit", "Hurt", and "Answer" for an answer to the question being asked (`answer()` says which).
"""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Callable, Sequence

from voicecoach.errors import VoicecoachError

# A command, as the run loop's controls name it.
CONTROLS = {"pause": "Pause", "resume": "Play", "next": "Next", "previous": "PreviousExercise",
            "repeat": "Restart", "stop": "Quit", "ready": "Play", "hurt": "Hurt"}
# The sound server plays a line a little after the player's clock says (its buffer): what is heard
# this long after a stretch ends may still be in it.
SPEAKER_LATENCY_S = 0.3
SAID_KEPT_S = 30.0  # what voicecoach said is remembered this long, for telling its voice from the listener's
# Listening gets ready (the voice activity model, the recognizer) once voicecoach first speaks, so the
# first sound does not wait for it; what the microphone heard meanwhile is kept and heard then.
FIRST_SOUND_WAIT_S = 10.0


class SaidLog:
    """What voicecoach says and when, on the monotonic clock: (start, end, text). Thread-safe."""

    def __init__(self) -> None:
        self._lines: list[tuple[float, float, str]] = []
        self._lock = threading.Lock()
        self.first = threading.Event()  # set when the first line is said (the first sound is on its way)

    def add(self, start: float, end: float, text: str) -> None:
        with self._lock:
            self._lines.append((start, end, text))
        self.first.set()

    def add_many(self, lines: Sequence[tuple[float, float, str]]) -> None:
        with self._lock:
            self._lines.extend(lines)
        if lines:
            self.first.set()

    def stopped(self, at: float) -> None:
        """Nothing more is said after `at` (the sound was stopped): lines not yet begun are dropped,
        one under way ends there."""
        with self._lock:
            self._lines = [(start, min(end, at), text) for start, end, text in self._lines if start < at]

    def around(self, start: float, end: float, before_s: float = 5.0) -> list[tuple[float, float, str]]:
        """The lines said between before_s before `start` and `end` (and what ended well before
        is forgotten: only what was just said can be heard again)."""
        with self._lock:
            self._lines = [line for line in self._lines if line[1] >= start - SAID_KEPT_S]
            return [line for line in self._lines if line[1] >= start - before_s and line[0] <= end]


class VoiceControls:
    """The listener's voice as controls, heard in a thread of its own.

    `expect(expecting)` says what may be acted on now (commands.Expecting: during the session its
    commands, during a question its answers); `take()` gives the next control, if one came; a fault
    of the microphone or the recognizer is said once through `note` and listening stops: the
    session goes on with the keys and the media keys.

    With `ready_after` (an event: play gives SaidLog.first), the thread loads the voice activity
    model and the recognizer only once it is set (or FIRST_SOUND_WAIT_S has passed), so that they
    do not compete with the first sound; the microphone's blocks wait in its queue meanwhile.

    With `opening` (a callable that gives (microphone, recognizer) or raises a VoicecoachError:
    play opens the microphone in the background from its start), microphone and recognizer are
    None here and come from it in the thread; if it fails, `unavailable(error)` is called and
    listening never starts. `listens()` waits for the opening and says whether it worked."""

    def __init__(self, microphone, recognizer, vocabulary, language: str, said: SaidLog,
                 note: Callable[[str], None], expecting=None, ready_after: threading.Event | None = None,
                 segmenter: Callable[[], object] | None = None, opening: Callable[[], tuple] | None = None,
                 unavailable: Callable[[VoicecoachError], None] | None = None):
        from voicecoach.commands import Expecting

        self.microphone, self.recognizer, self.vocabulary = microphone, recognizer, vocabulary
        self._opening, self._unavailable = opening, unavailable
        self._opened = threading.Event()  # set once the microphone is open, or could not be
        self._open_failed: VoicecoachError | None = None
        self.language, self.said, self.note = language, said, note
        self.expecting = expecting if expecting is not None else Expecting(frozenset(CONTROLS), ())
        self.heard: list = []  # every Understood acted on, for the record and the tests
        self.ready = threading.Event()  # set once the thread has loaded what it hears with
        self._ready_after = ready_after
        self._segmenter = segmenter  # what makes the Segmenter (hearing.py's, with Silero, by default)
        self._controls: queue.Queue = queue.Queue()
        self._answer: object = None
        self._stop = threading.Event()
        self._idle_r, self._idle_w = os.pipe()
        self._thread = threading.Thread(target=self._listen, name="voicecoach-listen", daemon=True)

    def start(self) -> VoiceControls:
        self._thread.start()
        return self

    def expect(self, expecting) -> None:
        self.expecting = expecting

    def listens(self) -> bool:
        """Whether the microphone opened (waiting for it if it is still opening)."""
        self._opened.wait()
        return self._open_failed is None

    # -- the controls, as the media keys' --

    def fileno(self) -> int:
        return self._idle_r  # never written: a spoken command waits for the loop's next tick (50 ms)

    def take(self) -> str | None:
        try:
            return self._controls.get_nowait()
        except queue.Empty:
            return None

    def answer(self) -> object:
        """The value of the last "Answer" taken."""
        return self._answer

    def update(self, now) -> None:
        pass

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5.0)
        for fd in (self._idle_r, self._idle_w):
            try:
                os.close(fd)
            except OSError:
                pass

    # -- the listening thread --

    def _log(self, heard, said, expecting, understood) -> None:
        """With VOICECOACH_LISTEN_LOG set to a file: each stretch heard, what voicecoach said around
        it, and what came of it, a line each (for finding out why a word was not obeyed)."""
        path = os.environ.get("VOICECOACH_LISTEN_LOG")
        if not path:
            return
        try:
            with open(path, "a", encoding="utf-8") as log:
                log.write(f"{heard.start_s:.2f}-{heard.end_s:.2f} heard {heard.text!r} ({heard.confidence}); said "
                          f"{[text for _, _, text in said]!r}; expecting {sorted(expecting.commands)} "
                          f"{list(expecting.answers)}: {understood.to_json() if understood else None}\n")
        except OSError:
            pass

    def _listen(self) -> None:
        from voicecoach.commands import Heard, judge
        from voicecoach.hearing import OWN_VOICE_BEFORE_S

        if self._opening is not None:
            try:
                self.microphone, self.recognizer = self._opening()
            except VoicecoachError as error:
                self._open_failed = error
                self._opened.set()
                if self._unavailable is not None:
                    self._unavailable(error)
                return
        self._opened.set()
        try:
            if self._ready_after is not None:
                deadline = time.monotonic() + FIRST_SOUND_WAIT_S
                while not self._ready_after.wait(0.05) and time.monotonic() < deadline and not self._stop.is_set():
                    pass
            if self._stop.is_set():
                return
            if self._segmenter is not None:
                segmenter = self._segmenter()
            else:
                from voicecoach.hearing import Segmenter

                segmenter = Segmenter(sample_rate_hz=self.recognizer.sample_rate_hz)
            if hasattr(self.recognizer, "load"):
                self.recognizer.load()  # the first command is then as quick as the rest
            self.ready.set()
            while not self._stop.is_set():
                block = self.microphone.read(0.2)
                if block is None:
                    continue
                heard_at, samples = block
                for voiced in segmenter.feed(samples, heard_at):
                    if self._stop.is_set():
                        return
                    expecting = self.expecting
                    if not expecting.commands and not expecting.answers:
                        continue
                    # what voicecoach said then: its words are taken out of what was heard (its own
                    # "Ready." is not the listener's), and over its voice only a clear command counts
                    said = self.said.around(voiced.start_s, voiced.end_s + SPEAKER_LATENCY_S, before_s=OWN_VOICE_BEFORE_S)
                    transcript = self.recognizer.transcribe(voiced.samples, self.language,
                                                            self.vocabulary.hints(expecting))
                    heard = Heard(voiced.start_s, voiced.end_s, transcript.text, transcript.confidence)
                    understood = judge(heard, said, self.vocabulary, expecting)
                    self._log(heard, said, expecting, understood)
                    if understood is None:
                        continue
                    self.heard.append(understood)
                    if understood.command is not None:
                        self._controls.put(CONTROLS[understood.command])
                    else:
                        self._answer = understood.answer
                        self._controls.put("Answer")
        except VoicecoachError as error:  # the microphone stopped, the recognizer failed
            self.note(f"not listening any more: {error}; the keys and the media keys still work.")
        finally:
            self.microphone.close()


class Controls:
    """The media keys and the listener's voice as one source of controls for the run loop."""

    def __init__(self, *sources) -> None:
        self.sources = [source for source in sources if source is not None]
        self._last = None  # the source of the last control taken

    def fileno(self) -> int:
        return self.sources[0].fileno()  # the media keys' wake the loop at once; the voice waits a tick

    def take(self) -> str | None:
        for source in self.sources:
            control = source.take()
            if control is not None:
                self._last = source
                return control
        return None

    def answer(self) -> object:
        """The answer the last "Answer" control gave (the voice's)."""
        return self._last.answer() if self._last is not None and hasattr(self._last, "answer") else None

    def expect(self, expecting) -> None:
        for source in self.sources:
            if hasattr(source, "expect"):
                source.expect(expecting)

    def update(self, now) -> None:
        for source in self.sources:
            source.update(now)

    def close(self) -> None:
        for source in self.sources:
            source.close()
