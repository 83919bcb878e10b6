"""Live playback: the session as one continuous stream, its transport (play, pause, next,
previous, stop, waiting for the listener), where things are on its timeline, and the run loop
that reads the keys and the media keys.

The Player is driven by a clock and an audio output it is given (audio.AudioOut), so its behaviour
(pause, resume, skip, restart, segment changes) is tested against a clock the tests control; what
one play of the output is given, and the watch on the device, are stream.py's.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from voicecoach.audio import AudioOut, Playback, wait_stopped
from voicecoach.checkin import END, GO_ON, Hurt
from voicecoach.errors import DeviceError, VoicecoachError
from voicecoach.render import BYTES_PER_FRAME, frame_at
from voicecoach.script import CUE_HOLD_END, CUE_HOLD_START, Script, Wait, format_length
from voicecoach.stream import DeviceWatch, Stretch
from voicecoach.terminal import Display, Keys

# A buffer longer than this is played in segments, split in the middle of a silence of at least
# SPLIT_SILENCE_MS; each segment is anchored to the session clock, so a late start is absorbed by
# trimming that silence and never accumulates.
SEGMENT_MAX_MS = 60 * 60_000
SPLIT_SILENCE_MS = 400
NOTICE_GAP_MS = 400  # silence between "Resuming." and the session
JOIN_MARGIN_MS = 50  # a late stretch skips at most the silence it starts in, less this
# A growing buffer (a cold cache): stop and wait when the listener is this close to the end of what
# is written (it ends mid-silence, LINE_GAP_MS / 2 before the next sound), and stop a buffer this
# long after the session's end, once its last sound has left the device.
FILL_GUARD_MS = 150
END_DRAIN_MS = 500
RESTART_TWICE_S = 2.0  # 'p' twice within this goes to the previous exercise
SAID_AHEAD_MS = 3000  # the session's lines are written down for a listening microphone this far ahead
WAIT_REMINDER_S = 30.0  # while play waits for the listener (wait_for_me), a soft reminder this often


# --- where things are on the timeline -------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """What is happening at a moment of the session, for the display and the controls."""

    exercise_number: int | None
    exercise: str | None
    side: str | None
    rep: int | None
    reps: int | None
    hold_left_ms: int | None


class Timeline:
    """Look-ups on a script by time: the event at a moment, exercise starts, holds."""

    def __init__(self, script: Script):
        self.script = script
        self.starts = [event.start_ms for event in script.events]
        self.exercises = list(script.exercise_starts())
        self._names = [name for name, _ in self.exercises]
        hold_starts = [e.start_ms for e in script.events if e.cue == CUE_HOLD_START]
        hold_ends = [e.start_ms for e in script.events if e.cue == CUE_HOLD_END]
        self.holds = list(zip(hold_starts, hold_ends))  # (start, end) of every hold, in order
        self.reps: dict[tuple[str | None, str | None], int] = {}
        for event in script.events:
            if event.rep is not None:
                key = (event.exercise, event.side)
                self.reps[key] = max(self.reps.get(key, 0), event.rep)
        # Where each exercise's last sound ends (its rest after it is not needed to have done it).
        self.exercise_ends: list[int] = []
        for name, _ in self.exercises:
            sounds = [e.end_ms for e in script.events if e.exercise == name and e.kind != "silence"]
            self.exercise_ends.append(max(sounds, default=0))
        # The closing lines start where the last exercise's events (its rest included) end.
        self.ending_ms = max((e.end_ms for e in script.events if e.exercise is not None),
                             default=script.duration_ms)

    def index_at(self, ms: int) -> int:
        return max(0, bisect.bisect_right(self.starts, ms) - 1)

    def exercise_index_at(self, ms: int) -> int | None:
        """The exercise being done (or rested after) at ms; None before the first and at the end."""
        event = self.script.events[self.index_at(ms)]
        return None if event.exercise is None else self._names.index(event.exercise)

    def resume_point(self, ms: int) -> int:
        """Where to go on after a pause at ms: a line or cue again from its start, silence exactly."""
        event = self.script.events[self.index_at(ms)]
        return event.start_ms if event.kind in ("speech", "cue") else ms

    def place(self, ms: int) -> Place:
        index = self.index_at(ms)
        event = self.script.events[index]
        number = self.exercise_index_at(ms)
        hold_left = None
        latest = bisect.bisect_right(self.holds, (ms, float("inf"))) - 1
        if latest >= 0 and self.holds[latest][0] <= ms < self.holds[latest][1]:
            hold_left = self.holds[latest][1] - ms
        return Place(exercise_number=None if number is None else number + 1, exercise=event.exercise,
                     side=event.side, rep=event.rep, reps=self.reps.get((event.exercise, event.side)),
                     hold_left_ms=hold_left)

    def silence_left(self, ms: int) -> int:
        """How much of a silence is left at ms (0 inside a sound)."""
        event = self.script.events[self.index_at(ms)] if self.script.events else None
        return event.end_ms - ms if event is not None and event.kind == "silence" else 0

    def split_point(self, start_ms: int, max_ms: int | None = None) -> int:
        """Where a buffer starting at start_ms, at most max_ms (SEGMENT_MAX_MS) long, should end:
        the session's end, or mid-silence near the limit."""
        max_ms = SEGMENT_MAX_MS if max_ms is None else max_ms
        if self.script.duration_ms - start_ms <= max_ms:
            return self.script.duration_ms
        limit = start_ms + max_ms
        best = None
        for event in self.script.events[self.index_at(start_ms) :]:
            middle = event.start_ms + event.duration_ms // 2
            if middle >= limit:  # a buffer of a fixed length (a growing one) must end within it
                break
            if event.kind == "silence" and event.duration_ms >= SPLIT_SILENCE_MS and event.start_ms > start_ms:
                best = middle
        return best if best is not None else min(limit, self.script.duration_ms)


def status_line(timeline: Timeline, ms: int, paused: bool, width: int, waiting: bool = False) -> str:
    """The one-line display: state, exercise N of M, side, rep, hold countdown, time, a bar."""
    place = timeline.place(ms)
    total = timeline.script.duration_ms
    parts = ["Waiting" if waiting else "Paused " if paused else "Playing"]
    count = len(timeline.exercises)
    if place.exercise is not None:
        parts.append(f"{place.exercise_number}/{count} {place.exercise}")
    elif ms >= timeline.ending_ms:
        parts.append("Finishing")
    else:
        parts.append("Introduction")
    if place.side:
        parts.append(place.side)
    if place.rep and place.reps:
        parts.append(f"rep {place.rep}/{place.reps}")
    if place.hold_left_ms is not None:
        parts.append(f"hold {-(-place.hold_left_ms // 1000)}s")
    if waiting:
        parts.append("space when ready")
    clock = f"{format_length(ms)} / {format_length(total)}"
    line = " | ".join(parts)
    bar_width = max(0, min(20, width - len(line) - len(clock) - 8))
    bar = ""
    if bar_width >= 5:
        filled = round(bar_width * min(ms, total) / max(total, 1))
        bar = " [" + "#" * filled + "-" * (bar_width - filled) + "]"
    return (line + " | " + clock + bar)[: max(0, width - 1)]


# --- the player ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NowPlaying:
    """What the session is doing, for a media-player front (mpris.py): which part is playing (0 the
    opening, 1..N the exercises, N + 1 the closing), how long it is and how far into it."""

    status: str  # Playing, Paused or Stopped
    part: int
    title: str
    length_ms: int | None  # None while the session is still being synthesized: not known yet
    position_ms: int  # within the part
    can_next: bool
    can_previous: bool
    jumps: int  # how many times a control has moved the position (a skip, a restart, a resume)


@dataclass
class Player:
    """Plays a script from any point, keeping the session position by the clock."""

    script: Script
    render: Callable[[int, int], bytes]  # PCM of the session from start_ms to end_ms
    speak: Callable[[str], bytes]  # PCM of a short notice ("Paused.")
    audio: AudioOut
    sample_rate_hz: int
    clock: Callable[[], float] = time.monotonic
    # A script still being compiled (a cold cache): returns what is known and whether that is all;
    # growing_bound_ms is how long it may turn out to be (a generous estimate), the buffer's length.
    grow: Callable[[], tuple[Script, bool]] | None = None
    growing_bound_ms: int = SEGMENT_MAX_MS
    notices: tuple[str, str] = ("Paused.", "Resuming.")  # said on pause and resume, in the session's language
    # Mixed into the buffer a few seconds ahead of the listener, in place (music under the voice):
    # overlay(pcm, session frame it starts at, frame this playback started at).
    overlay: Callable[[memoryview, int, int], None] | None = None
    # Said when play waits for the listener (wait_for_me), and every WAIT_REMINDER_S while it waits.
    wait_notices: tuple[str, str] = ("When you are in position, press play.",
                                     "Take your time. Press play when you are ready.")
    # What is said, written down as it is said (voice.SaidLog), so that a listening microphone can
    # tell voicecoach's own voice from the listener's; None: nothing listens.
    said: object | None = None
    timeline: Timeline = field(init=False)
    paused: bool = field(default=False, init=False)
    ended: bool = field(default=False, init=False)
    visited: set[str] = field(default_factory=set, init=False)
    completed: set[str] = field(default_factory=set, init=False)  # heard to its last sound, not skipped

    def __post_init__(self) -> None:
        self.timeline = Timeline(self.script)
        self.complete = self.grow is None
        self._waiting_action: str | None = None  # a control pressed before the whole session was known
        self._stretch: Stretch | None = None  # what the output is playing (stream.Stretch)
        self._watch = DeviceWatch()  # whether the output stopped early, and how often it was reopened
        self._stalled_ms = 0  # where synthesis fell behind the listener, if it did
        self._playback: Playback | None = None
        self._notice: Playback | None = None
        self._segment_start_ms = 0
        self._segment_end_ms = 0
        self._wall_start = 0.0  # clock time at which _segment_start_ms sounds
        self._paused_at_ms = 0
        self._last_restart = -1e9
        self.sounded = False  # the output has opened at least once
        self._heard_ms: int | None = None  # the position last seen while playing on, for completions
        self._paused_since: float | None = None
        self.paused_s = 0.0  # time spent paused, not listened
        self._first_start: float | None = None
        self._ended_at: float | None = None
        self.waiting: Wait | None = None  # the wait for the listener play is in, if it is
        self._said_next = 0  # the next of the session's events to write down (self.said)
        self._prompted_at = 0.0  # when the listener was last told how to go on from a wait
        self.jumps = 0

    @property
    def reopened(self) -> int:
        """Times the audio output failed and was opened again."""
        return self._watch.reopened

    # -- position --

    def position_ms(self) -> int:
        if self.paused or self.ended or self.waiting is not None:
            return self._paused_at_ms
        elapsed = round((self.clock() - self._wall_start) * 1000)
        return max(self._segment_start_ms, min(self._segment_start_ms + elapsed, self._segment_end_ms))

    # -- playing --

    def _refresh(self) -> None:
        """Take in what more of a growing script is known."""
        if self.complete or self.grow is None:
            return
        script, self.complete = self.grow()
        if script is not self.script:
            self.script, self.timeline = script, Timeline(script)

    def known_until_ms(self) -> int:
        """How far the session can be played: all of it, or, while it grows, to the middle of the
        silence the known part ends with (what follows it is not known yet)."""
        if self.complete:
            return self.script.duration_ms
        last = self.script.events[-1] if self.script.events else None
        return last.start_ms + last.duration_ms // 2 if last is not None and last.kind == "silence" else 0

    def start(self, at_ms: int = 0, lead: bytes = b"") -> None:
        """Play from at_ms (after `lead`, a notice, in the same buffer) to the next split point.

        While the script still grows, the buffer reaches to `growing_bound_ms` and is played as
        soon as the known part is in it; poll() writes each newly known stretch into it ahead of
        the listener (simpleaudio reads the buffer in place as it plays: simpleaudio_alsa.c writes
        from buffer_obj.buf as it goes), so the session sounds as one stream, with no joins.
        Past what is known, the player waits (in silence) until more is known."""
        self._stop_sound()
        self._refresh()
        self._stalled_ms = 0
        self._said_next = self.timeline.index_at(max(0, at_ms))  # the line under way at at_ms, too
        self.waiting = None
        if self._paused_since is not None:  # paused or waiting until now: not listened
            self.paused_s += self.clock() - self._paused_since
            self._paused_since = None
        at_ms = max(0, min(at_ms, self.script.duration_ms))
        lead_bytes = b""
        if lead:
            lead_bytes = lead + bytes(frame_at(NOTICE_GAP_MS, self.sample_rate_hz) * BYTES_PER_FRAME)
        if self.complete:
            end_ms, known_ms = self.timeline.split_point(at_ms), None
        else:
            known_ms = self.known_until_ms()
            if known_ms <= at_ms:  # nothing more is known yet: wait here, in silence, until it is
                self._stretch = None
                self._segment_start_ms = self._segment_end_ms = at_ms
                self._wall_start = self.clock()
                self.paused = self.ended = False
                return
            end_ms = max(known_ms, min(at_ms + SEGMENT_MAX_MS, self.growing_bound_ms))
        self._stretch = Stretch(self.render, self.sample_rate_hz, at_ms, end_ms, lead_bytes, known_ms, self.overlay)
        self._segment_start_ms = at_ms
        pcm = self._stretch.pcm
        try:
            self._playback = self.audio.play(pcm, self.sample_rate_hz)
        except VoicecoachError:
            self.ended, self._paused_at_ms = True, at_ms
            self._ended_at = self._ended_at if self._ended_at is not None else self.clock()
            raise
        self._segment_start_ms, self._segment_end_ms = at_ms, end_ms
        self._wall_start = self.clock() + self._stretch.lead_ms / 1000
        self.sounded = True
        if self._first_start is None:
            self._first_start = self.clock()
        self.paused = False
        self.ended = False
        self._heard_ms = at_ms  # a jump (skip, restart) completes nothing it passes over
        self._note_visit(at_ms)

    def _keep_filling(self, position: int) -> None:
        """A growing buffer: write what has become known; once the session is whole, end the buffer
        where the session (or, for a very long one, its next split point) ends; if synthesis falls
        behind the listener, stop inside the silence the known part ends with and wait there."""
        stretch = self._stretch
        if stretch is None or not stretch.growing:
            return
        if self.complete:
            if not stretch.settled:  # once: the session is whole, so where the buffer ends is known
                # the session's end, or, if it is longer than the buffer, a silence within the buffer
                self._segment_end_ms = self.timeline.split_point(
                    self._segment_start_ms, max_ms=self._segment_end_ms - self._segment_start_ms)
                stretch.settle(self._segment_end_ms)
            # The buffer goes on in silence past the end: stop it once the last sound has surely
            # left the device (its latency is well under this).
            if round((self.clock() - self._wall_start) * 1000) >= self._segment_end_ms - self._segment_start_ms + END_DRAIN_MS:
                self._stop_sound()
            return
        stretch.fill(min(self.known_until_ms(), self._segment_end_ms))
        if position >= stretch.filled_ms - FILL_GUARD_MS and self._playback is not None:
            self._stop_sound()  # the sound in flight is the known part's closing silence
            self._segment_end_ms = position
            self._stalled_ms = stretch.filled_ms  # go on once more than this is known

    def poll(self) -> bool:
        """Keep the stream going; False once the session has ended."""
        if self.waiting is not None:
            if self.clock() - self._prompted_at >= WAIT_REMINDER_S:
                self._prompt(self.wait_notices[1])
            return True
        if self.paused or self.ended:
            return not self.ended
        self._refresh()
        if self._waiting_action is not None and self.complete:
            action, self._waiting_action = self._waiting_action, None
            getattr(self, action)()
        position = self.position_ms()
        wait = self._wait_reached(position)
        if wait is not None:
            self._note_heard(position)
            self._begin_wait(wait)
            return True
        self._keep_filling(position)
        self._note_said(position)
        if self._stretch is not None:
            self._stretch.keep_mixed(position)
        self._note_visit(position)
        self._note_heard(position)
        if position < self._segment_end_ms:
            if self._stopped_early(position):
                self._reopen(position)
            return True
        if self._playback is not None and self._playback.is_playing():
            return True
        if self.complete and self._segment_end_ms >= self.script.duration_ms:
            self.ended = True
            self._ended_at = self.clock()
            self._paused_at_ms = self.script.duration_ms
            return False
        boundary = self._segment_end_ms
        if self.known_until_ms() <= max(boundary, self._stalled_ms):
            return True  # synthesis is behind: the session waits here, inside a silence, until it catches up
        if self._stretch is not None and self._stretch.growing and not self.complete or self._playback is None:
            self.start(boundary)  # after waiting for synthesis: the session clock went on pausing, never cut
            return True
        # Next segment, on the session clock: skip the silence we are late by, as far as it goes; any
        # more lateness is a pause of the session clock, never a cut.
        late_ms = max(0, round((self.clock() - self._wall_start) * 1000) - (self._segment_end_ms - self._segment_start_ms))
        skip_ms = min(late_ms, max(0, self.timeline.silence_left(boundary) - JOIN_MARGIN_MS))
        self.start(boundary + skip_ms)
        self._wall_start -= skip_ms / 1000
        self._segment_start_ms = boundary
        return True

    def _wait_reached(self, position: int) -> Wait | None:
        """The wait for the listener that playing on to `position` has just reached, if any."""
        last = self._heard_ms
        if last is None or position <= last:
            return None
        return next((wait for wait in self.script.waits if last < wait.at_ms <= position), None)

    def _begin_wait(self, wait: Wait) -> None:
        """Stop at the wait (in the silence after "Get into position.") and say how to go on."""
        self._stop_sound()
        self.waiting, self._paused_at_ms = wait, wait.at_ms
        self._paused_since = self.clock()
        self._prompt(self.wait_notices[0])

    def _prompt(self, text: str) -> None:
        if self._notice is not None:
            self._notice.stop()
        self._notice = self._say(text)
        self._prompted_at = self.clock()

    def _say(self, text: str) -> Playback:
        """A notice, outside the session's timeline, written down as it is said."""
        pcm = self.speak(text)
        playback = self.audio.play(pcm, self.sample_rate_hz)
        if self.said is not None:
            now = self.clock()
            self.said.add(now, now + len(pcm) / BYTES_PER_FRAME / self.sample_rate_hz, text)
        return playback

    def _note_said(self, position: int) -> None:
        """Write down the session's lines a few seconds ahead of the listener, at the times the
        clock will hear them (a listening microphone compares what it hears with them)."""
        if self.said is None or self._playback is None:
            return
        until = min(position + SAID_AHEAD_MS, self.known_until_ms(), self._segment_end_ms)
        events, lines = self.script.events, []
        while self._said_next < len(events) and events[self._said_next].start_ms < until:
            event = events[self._said_next]
            if event.kind == "speech":
                lines.append((self._wall_start + (event.start_ms - self._segment_start_ms) / 1000,
                              self._wall_start + (event.end_ms - self._segment_start_ms) / 1000, event.text or ""))
            self._said_next += 1
        if lines:
            self.said.add_many(lines)

    def _stopped_early(self, position: int) -> bool:
        """The sound stopped well before the clock says it should: the device failed or went away."""
        return self._playback is not None and self._watch.stopped_early(
            self._playback.is_playing(), position, self._segment_start_ms, self._segment_end_ms)

    def _reopen(self, position: int) -> None:
        """Go on through a freshly opened output from the line that was cut, or say plainly that it is gone."""
        try:
            self._watch.reopening(self.clock())
            try:
                self.start(self.timeline.resume_point(position))
            except DeviceError as error:
                raise DeviceError(f"the audio output stopped working and could not be opened again "
                                  f"({error.detail or error})", error.detail) from None
        except DeviceError:
            self._stop_sound()
            self.ended = True
            self._ended_at = self.clock()
            self._paused_at_ms = position  # where the listener last heard the session
            raise
        self._watch.reopened += 1

    def _note_visit(self, ms: int) -> None:
        index = self.timeline.exercise_index_at(ms)
        if index is not None:
            self.visited.add(self.timeline.exercises[index][0])

    def _note_heard(self, ms: int) -> None:
        """Exercises whose last sound the listener has just played through are completed (while
        the script still grows, not the last known one: more of it may follow)."""
        last, self._heard_ms = self._heard_ms, ms
        if last is None or ms <= last:
            return
        known = len(self.timeline.exercises) if self.complete else len(self.timeline.exercises) - 1
        for (name, _), end in zip(self.timeline.exercises[:known], self.timeline.exercise_ends):
            if last < end <= ms:
                self.completed.add(name)

    def _stop_sound(self) -> list[Playback]:
        stopped = [handle for handle in (self._playback, self._notice) if handle is not None]
        for handle in stopped:
            handle.stop()
        self._playback = self._notice = None
        if stopped and self.said is not None:  # what was to be said next will not be
            self.said.stopped(self.clock())
        return stopped

    def listened_s(self) -> float:
        """The time since the session first started playing, less the time paused (until it ended)."""
        if self._first_start is None:
            return 0.0
        now = self._ended_at if self._ended_at is not None else self.clock()
        paused_s = self.paused_s + (now - self._paused_since if self._paused_since is not None else 0.0)
        return max(0.0, now - self._first_start - paused_s)

    def stop(self) -> None:
        if not self.paused and not self.ended:
            self._paused_at_ms = self.position_ms()
        for handle in self._stop_sound():
            wait_stopped(handle)
        if self._ended_at is None:
            self._ended_at = self.clock()
        self.ended = True

    # -- controls --

    def toggle_pause(self) -> None:
        """Pause, or resume; while play waits for the listener, go on (they are ready)."""
        if self.ended:
            return
        if self.waiting is not None:
            self.jumps += 1
            self.start(self.waiting.resume_ms)
        elif self.paused:
            self.jumps += 1  # on from the start of the line the pause cut
            lead = self.speak(self.notices[1])
            self.start(self.timeline.resume_point(self._paused_at_ms), lead=lead)
            if self.said is not None:
                now = self.clock()
                self.said.add(now, now + len(lead) / BYTES_PER_FRAME / self.sample_rate_hz, self.notices[1])
        else:
            self._paused_at_ms = self.position_ms()
            self._stop_sound()
            self.paused = True
            self._paused_since = self.clock()
            self._notice = self._say(self.notices[0])

    def hold(self) -> None:
        """Stop the sound at once and keep the place, counted as paused, saying nothing (for a
        question: "it hurts"); start() or next_exercise() goes on."""
        if self.ended or self.paused:
            return
        if self.waiting is None:
            self._paused_at_ms = self.position_ms()
        self.waiting = None
        self._stop_sound()
        self.paused = True
        if self._paused_since is None:
            self._paused_since = self.clock()

    def play(self) -> None:
        """Resume a pause or go on from a wait; nothing while playing (a media player's Play)."""
        if self.paused or self.waiting is not None:
            self.toggle_pause()

    def pause(self) -> None:
        """Pause while playing; nothing while paused or waiting (a media player's Pause)."""
        if not self.paused and self.waiting is None:
            self.toggle_pause()

    def now_playing(self) -> NowPlaying:
        """Where the session is, by part (opening, each exercise, closing), for a media-player front."""
        position = self.position_ms()
        exercises = self.timeline.exercises
        bounds = [0] + [start for _, start in exercises] + ([self.timeline.ending_ms] if exercises else [])
        bounds.append(max(self.script.duration_ms, bounds[-1]))
        part = max(0, bisect.bisect_right(bounds, position) - 1)
        part = min(part, len(bounds) - 2)
        titles = ["Introduction"] + [name for name, _ in exercises] + (["Finishing"] if exercises else [])
        status = "Stopped" if self.ended else "Paused" if self.paused or self.waiting is not None else "Playing"
        return NowPlaying(status=status, part=part, title=titles[part],
                          length_ms=bounds[part + 1] - bounds[part] if self.complete else None,
                          position_ms=position - bounds[part],
                          # still growing: Next waits until the exercises are known, as the key does
                          can_next=not self.complete or (bool(exercises) and position < bounds[-2]),
                          can_previous=True, jumps=self.jumps)

    def _when_complete(self, action: str) -> bool:
        """Exercises are known once the whole script is: until then, a control waits for it."""
        self._refresh()
        if not self.complete:
            self._waiting_action = action
        return self.complete

    def next_exercise(self) -> None:
        if not self._when_complete("next_exercise"):
            return
        here = self.position_ms()
        later = [start for _, start in self.timeline.exercises if start > here]
        self.jumps += 1
        self.start(later[0] if later else self.timeline.ending_ms)

    def restart_exercise(self) -> None:
        """The current exercise from its start; pressed twice in a row, the previous one."""
        if not self._when_complete("restart_exercise"):
            return
        now = self.clock()
        twice = now - self._last_restart < RESTART_TWICE_S
        self._last_restart = now
        self._go_back(1 if twice else 0)

    def restart_current(self) -> None:
        """The current exercise from its start (a spoken "repeat")."""
        if self._when_complete("restart_current"):
            self._go_back(0)

    def previous_exercise(self) -> None:
        """The exercise before the current one, from its start (a spoken "previous")."""
        if self._when_complete("previous_exercise"):
            self._go_back(1)

    def _go_back(self, exercises: int) -> None:
        here = self.position_ms()
        index = self.timeline.exercise_index_at(here)
        if index is None:
            index = len(self.timeline.exercises) - 1 if here >= self.timeline.ending_ms else 0
        index = max(0, index - exercises)
        self.jumps += 1
        self.start(self.timeline.exercises[index][1])


@dataclass(frozen=True)
class Outcome:
    finished: bool
    position_ms: int
    elapsed_s: float  # from start to stop, pauses included
    exercises_completed: int
    reopened: int = 0  # times the audio output failed and was opened again
    listened_s: float = 0.0  # elapsed_s without the pauses
    hurt: Hurt | None = None  # an exercise that hurt ("it hurts"), and what the listener chose then


# The keys while playing, in the order the keys line shows them: (key, Player method, words); q
# (quit) and ? (the keys line again) are the run loop's own.
KEYS = ((" ", "toggle_pause", "space pause"), ("n", "next_exercise", "n next"),
        ("p", "restart_exercise", "p previous (restart; twice: the one before)"), ("h", None, "h it hurts"),
        ("q", None, "q quit"), ("?", None, "? these keys"))
KEY_ACTIONS = {key: action for key, action, _ in KEYS if action is not None}


def keys_line() -> str:
    """The keys, in a line, as play shows them once at the start (and on ?)."""
    return "Keys: " + ", ".join(words for _, _, words in KEYS) + "."


# A media player's controls (headset buttons, media keys, the desktop's widget: mpris.py) do what
# the keys do; Stop is q (during an exercise, when play can ask, it first asks "Did that hurt?").
CONTROL_ACTIONS = {"PlayPause": "toggle_pause", "Play": "play", "Pause": "pause", "Next": "next_exercise",
                   "Previous": "restart_exercise",
                   # spoken (voice.py): "repeat" and "previous" say which they mean
                   "Restart": "restart_current", "PreviousExercise": "previous_exercise"}


class MediaControls(Protocol):
    """Controls from outside the terminal (mpris.MediaPlayer): a readable fileno when one waits."""

    def fileno(self) -> int: ...

    def take(self) -> str | None: ...

    def update(self, now: NowPlaying) -> None: ...


# What play does when the listener says it hurts (h, or yes to "Did that hurt?" after Stop): asks
# what to do (checkin.GO_ON or END) with the session held; `confirm` first asks whether it hurt
# (None: it did not).
HurtHandler = Callable[[Player, bool], "str | None"]


def run(player: Player, start_ms: int, keys: Keys, display: Display, tick_s: float = 0.05,
        media: MediaControls | None = None, on_hurt: HurtHandler | None = None) -> Outcome:
    """Play to the end or until 'q' (or a media player's Stop); Ctrl-C propagates after the sound
    is stopped. With on_hurt, h (at any moment) holds the session at once and asks what to do: go
    on with the next exercise, or end; a media player's Stop during an exercise asks first."""
    began = player.clock()
    finished = False
    hurt: Hurt | None = None
    try:
        if keys.enabled:  # the keys once, where they can be pressed
            display.note(keys_line())
        player.start(start_ms)
        while player.poll():
            if media is not None:
                media.update(player.now_playing())
            key = keys.read(tick_s) if media is None else keys.read(tick_s, media.fileno())
            control = media.take() if media is not None else None
            index = player.timeline.exercise_index_at(player.position_ms())
            asks_first = control == "Stop" and on_hurt is not None and index is not None
            if on_hurt is not None and (key in ("h", "H") or control == "Hurt" or asks_first):
                player.hold()  # the sound stops now
                choice = on_hurt(player, asks_first)
                if choice is None:  # Stop, and it did not hurt: Stop
                    break
                if index is not None:
                    hurt = Hurt(index, player.timeline.exercises[index][0], choice)
                if choice == END:
                    break
                if choice == GO_ON:
                    player.next_exercise()
                continue
            if key in ("q", "Q") or control in ("Stop", "Quit"):  # Quit: a spoken "stop"
                break
            if key == "?":
                display.note(keys_line())
            action = KEY_ACTIONS.get(key.lower() if key else "") or CONTROL_ACTIONS.get(control or "")
            if action:
                getattr(player, action)()
            display.show(status_line(player.timeline, player.position_ms(), player.paused, display.width(),
                                     waiting=player.waiting is not None))
        else:
            finished = True
    finally:
        player.stop()
        display.close()
        if media is not None:
            media.update(player.now_playing())
    return Outcome(finished=finished, position_ms=player.position_ms(), elapsed_s=player.clock() - began,
                   exercises_completed=len(player.completed), reopened=player.reopened,
                   listened_s=player.listened_s(), hurt=hurt)
