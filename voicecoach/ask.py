"""Asking the listener aloud and hearing the answer (checkin.Question): the question's lines through
the audio output, then the answer by a key, by the media keys, or not at all.

- A key gives its answer at once, even while the question is still being said. For a 0-10 rating,
  1 waits a second for a 0 (ten); t is ten too.
- The media keys (a headset's buttons, mpris.py): a control an answer names gives it at once; in a
  menu, next and previous step through the answers, each said as it is reached, and play chooses
  the one last said.
- The chosen answer is said back ("Four."). No answer within the question's time is its default,
  said as such; while it waits, a soft tick every few seconds says that it is listening.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from voicecoach.checkin import Option, Question
from voicecoach.render import BYTES_PER_FRAME, frame_at

TICK_EVERY_S = 5.0  # while waiting for an answer: never more than about 6 s without a sound
TEN_WINDOW_S = 1.0  # after the key 1, how long a 0 may follow to make ten
LINE_GAP_MS = 500  # between the lines of a question, as in a session
POLL_S = 0.05


class Quit(Exception):
    """The listener pressed q (or Stop) where the question does not take it: stop the session."""


@dataclass(frozen=True)
class Answer:
    value: object
    answered: bool  # False: silence, the default


@dataclass
class Asker:
    """Asks through one audio output, with the keys and the media controls play already has."""

    speak: Callable[[str], bytes]  # a line's PCM, in the session's voice
    audio: object  # audio.AudioOut
    sample_rate_hz: int
    clock: Callable[[], float]
    keys: object  # terminal.Keys (or a fake): read(timeout_s, wake_fd)
    media: object | None = None  # player.MediaControls, or None
    display: object | None = None  # terminal.Display, or None
    tick: bytes = b""  # the soft tick cue's PCM
    # Told the question being asked, then None when it is answered: what a listening microphone
    # should expect (voice.py); None: nothing listens.
    on_question: Callable[[Question | None], None] | None = None
    said: object | None = None  # voice.SaidLog: what is said, written down as it is said (or None)

    def say(self, *texts: str):
        """Play lines one after another (a LINE_GAP_MS silence between them); the playback."""
        gap = bytes(frame_at(LINE_GAP_MS, self.sample_rate_hz) * BYTES_PER_FRAME)
        sounds = [self.speak(text) for text in texts]
        playing = self.audio.play(gap.join(sounds), self.sample_rate_hz)
        if self.said is not None:  # each line at the time it will be heard
            at = self.clock()
            for text, sound in zip(texts, sounds):
                length_s = len(sound) / BYTES_PER_FRAME / self.sample_rate_hz
                self.said.add(at, at + length_s, text)
                at += length_s + LINE_GAP_MS / 1000
        return playing

    def say_and_wait(self, *texts: str) -> None:
        """Say lines and wait until they are heard (the keys still read, so Ctrl-C works)."""
        playing = self.say(*texts)
        while playing.is_playing():
            self._read(POLL_S)

    def _read(self, timeout_s: float) -> tuple[str | None, str | None]:
        wake = self.media.fileno() if self.media is not None else None
        key = self.keys.read(timeout_s, wake) if wake is not None else self.keys.read(timeout_s)
        control = self.media.take() if self.media is not None else None
        return key, control

    def ask(self, question: Question) -> Answer:
        """Ask until an answer, or the question's time without one."""
        if self.on_question is not None:
            self.on_question(question)
        try:
            return self._ask(question)
        finally:
            if self.on_question is not None:
                self.on_question(None)

    def _ask(self, question: Question) -> Answer:
        if self.display is not None and question.status:
            self.display.show(f"Asking | {question.status}")
        playing = self.say(*question.lines)
        quiet_since: float | None = None  # the time runs from the end of what was said
        last_sound = self.clock()
        pending_one: float | None = None  # the key 1 was pressed at this time: ten, if a 0 follows
        current = -1  # the menu's answer last said
        while True:
            key, control = self._read(POLL_S)
            now = self.clock()
            chosen: Option | None = None
            if key is not None:
                if pending_one is not None and key == "0":
                    chosen, pending_one = question.by_key("t") or question.by_key("0"), None
                elif key == "1" and question.by_key("t") is not None:
                    pending_one = now  # wait a moment: 1 may be the start of 10
                else:
                    if pending_one is not None:  # 1, then another key: it was 1
                        chosen, pending_one = question.by_key("1"), None
                    else:
                        chosen = question.by_key(key.lower())
                        if chosen is None and key in ("q", "Q"):
                            playing.stop()
                            raise Quit
            if chosen is None and pending_one is not None and now - pending_one >= TEN_WINDOW_S:
                chosen, pending_one = question.by_key("1"), None
            if chosen is None and control == "Answer":  # spoken (voice.py): the answer's value
                said = self.media.answer()  # the very value: True, a yes, is not the number 1
                chosen = next((o for o in question.options if type(o.value) is type(said) and o.value == said), None)
                control = None
            if chosen is None and control == "Quit":  # a spoken "stop"
                control = "Stop"
            if chosen is None and control is not None:
                chosen = question.by_control(control)
                if chosen is None and question.menu and control in ("Next", "Previous"):
                    current = max(0, min(len(question.options) - 1, current + (1 if control == "Next" else -1)))
                    playing.stop()
                    playing = self.say(question.options[current].said)
                    quiet_since, last_sound = None, now  # the time starts again after each step
                    continue
                if chosen is None and question.menu and control in ("PlayPause", "Play") and current >= 0:
                    chosen = question.options[current]
                if chosen is None and control == "Stop":
                    playing.stop()
                    raise Quit
            if chosen is not None:
                playing.stop()
                self.say_and_wait(chosen.said)
                return Answer(chosen.value, answered=True)
            if playing.is_playing():
                last_sound = now
                continue
            quiet_since = now if quiet_since is None else quiet_since
            if now - quiet_since >= question.timeout_s:
                if question.default_said:
                    self.say_and_wait(question.default_said)
                return Answer(question.default, answered=False)
            elif self.tick and now - last_sound >= TICK_EVERY_S:
                playing = self.audio.play(self.tick, self.sample_rate_hz)
                last_sound = now
