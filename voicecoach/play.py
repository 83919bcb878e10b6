"""Playing a session: what `voicecoach play` does, from the chosen program and the settings to how
the session ended, kept in the history. A function of its request and of the environment it is
given (voicecoach/environment.py): the CLI parses the command line and prints the outcome; tests
pass a fake environment.

The session starts sounding before all of it is synthesized (session.LiveSession), plays through
the Player (player.py) with the keys, the media keys and the music bed, and is recorded when it
ends, however it ends. A play that never made a sound (no device) is not a session: it is not
recorded, and its error goes to the caller.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from voicecoach.ask import Asker, Quit
from voicecoach.checkin import (
    BEFORE_AFTER,
    END,
    OFF,
    CheckIn,
    Hurt,
    LeftOut,
    did_it_hurt_question,
    hurt_question,
    left_out_today,
    next_morning_question,
    pain_question,
    take_back_question,
)
from voicecoach.cues import load_cues
from voicecoach.environment import Environment
from voicecoach.errors import VoicecoachError
from voicecoach.history import (
    CLOSING,
    EXERCISE,
    FAILED,
    FINISHED,
    HURT,
    INTERRUPTED,
    OPENING,
    QUIT,
    HistoryError,
    last_play,
    last_session,
    program_hash,
    program_key,
    record,
    session_record,
    set_next_morning,
)
from voicecoach.music import music_bed
from voicecoach.player import Player, run
from voicecoach.program import Program, resolve_program, select_exercises
from voicecoach.script import CUE_TICK, Estimate, compile_script
from voicecoach.session import LiveSession, session_options, speech_for
from voicecoach.settings import Settings
from voicecoach.terminal import Display
from voicecoach.voice import Controls, SaidLog, VoiceControls


class ResumeError(VoicecoachError):
    """play --resume has nothing to go on with, or cannot find where."""


class NothingToPlay(VoicecoachError):
    """Every exercise of the session is left out today, because each hurt before."""


@dataclass(frozen=True)
class PlayRequest:
    """A session to play: the program as the user named it and as chosen (--only), the settings,
    and where to start."""

    spec: str  # a built-in's name or a file: how the history names the program
    program: Program  # with only the chosen exercises
    settings: Settings
    only: tuple[str, ...] = ()
    start_index: int | None = None  # the exercise to start at (--from, --resume); None: the opening
    resumes: int | None = None  # the history's id of the session this one goes on from
    display: bool = True  # the live status line, where stdout is a terminal
    export_hint: str = "voicecoach export PROGRAM -o session.mp3"  # said when there is no sound device
    include: tuple[str, ...] = ()  # exercises to do today although they hurt before (--include)
    standing: Any = None  # progress.Standing: play with no program plays the plan's, and says its suggestion


@dataclass(frozen=True)
class PlayOutcome:
    """How a session ended, for the CLI to say and the history to keep."""

    ending: str  # FINISHED, QUIT (q, a media player's Stop), INTERRUPTED (Ctrl-C, SIGTERM), FAILED
    heard: bool  # the sound started: a session, not only an attempt
    position_ms: int  # where it stopped on the session's timeline
    stopped_index: int | None  # the exercise it stopped in (of the chosen ones), if it stopped in one
    at_end: bool  # stopped after the session's last sound
    listened_ms: int  # the time it sounded, pauses not counted
    exercises_completed: int
    reopened: int  # times the audio output failed and was opened again
    recorded: bool  # kept in the history
    error: VoicecoachError | None = None  # what ended a FAILED session
    check_in: CheckIn = CheckIn()  # the answers before and after
    hurt: Hurt | None = None  # an exercise that hurt, and what the listener chose
    left_out: tuple[str, ...] = ()  # exercises left out today because they hurt before
    program: Program | None = None  # the session as played (without what was left out)


def resume_request(spec: str | None, typed: dict[str, Any], env: Environment, display: bool = True) -> PlayRequest:
    """The request that goes on where the newest unfinished play (of that program, if given)
    stopped, with its program and settings; the settings typed on this command line win."""
    last = last_play(program_key(spec) if spec is not None else None)
    of = f" of {spec}" if spec is not None else ""
    if last is None:
        raise ResumeError(f"nothing to resume: no session{of} has been played yet")
    if not last.unfinished:
        when = last.started.astimezone().strftime("%a %d %b %H:%M")
        how = "was played to the end" if last.ending == FINISHED else "stopped after its last exercise"
        raise ResumeError(f"nothing to resume: your last session{of} ({last.title}, {when}) {how}")
    chosen = select_exercises(resolve_program(last.program), last.only)
    names = [exercise.name for exercise in chosen.exercises]
    if last.place != OPENING and last.stopped_name not in names:
        raise ResumeError(f"cannot go on: {last.program} no longer has the exercise '{last.stopped_name}' "
                          "(it has changed since); choose where with --from")
    # Stopped before the first exercise: from the start, introduction and all.
    start_index = None if last.place == OPENING else names.index(last.stopped_name)
    if program_hash(chosen) != last.program_hash and start_index is not None:
        env.note(f"{last.program} has changed since that session; going on at '{last.stopped_name}'.")
    return PlayRequest(spec=last.program, program=chosen, settings=replace(last.settings, **typed), only=last.only,
                       start_index=start_index, resumes=last.id, display=display)


def play(request: PlayRequest, env: Environment) -> PlayOutcome:
    """Play the session to its end, or until the listener stops it; recorded in the history.

    Before it: what is left out today because it hurt before (the listener may take it back), how
    the back was the morning after the last session, how it is now; during it, "it hurts" at any
    moment; after it, how the back is now. A failure before any sound (no device, a broken
    engine, a bad music file) is raised as it is; once the session has sounded, a failure ends it
    as FAILED, with the error in the outcome."""
    program, settings = request.program, request.settings
    out = env.open_audio(request.export_hint)  # no simpleaudio: one line before anything is made
    opening = _Listening(settings, env)  # the microphone opens beside the voice's loading
    try:
        started = env.now()
        options = session_options(program, settings)
        book = options.phrasebook
        notices = (book.line("paused"), book.line("resuming"))
        # What play says when it waits for the listener: synthesized only for a program that waits.
        wait_notices = (book.line("wait_for_ready"), book.line("still_waiting"))
        speech, note = speech_for(settings, options.language)
        if note:
            env.note(f"{note}.")
        bed, note = music_bed(settings, speech)  # a bad music file is one line before anything plays
        if note:
            env.note(note)
        cues = load_cues(speech.sample_rate_hz, speech.volume)
        previous = _previous_session(request.spec)
    except BaseException:  # a bad music file, Ctrl-C: the microphone opened for nothing is closed
        opening.close()
        raise
    player: Player | None = None
    media = live = voice = None
    ending, failure, hurt, answers = INTERRUPTED, None, None, CheckIn()
    start_index = request.start_index
    left: tuple[LeftOut, ...] = ()
    today = program
    try:
        with env.stop_signals(), env.terminal_keys() as keys:  # the terminal is restored however it ends
            media = env.media(program.title)  # headset buttons and media keys, where there is a bus
            said = SaidLog()
            voice = opening.controls(book, options.language, said)  # spoken commands, if it can listen
            controls = Controls(media, voice) if voice is not None else media
            display = Display(enabled=request.display and env.is_terminal(env.stdout), stream=env.stdout)
            # whether the listener can answer: the microphone is waited for only when nothing else says
            answerable = functools.cache(lambda: env.can_ask if env.can_ask is not None else bool(
                keys.enabled or media is not None or (voice is not None and voice.listens())))
            when = settings.check_in or (BEFORE_AFTER if answerable() else OFF)
            asking = when != OFF and answerable()
            asker = Asker(speak=speech.pcm, audio=out, sample_rate_hz=speech.sample_rate_hz, clock=env.clock,
                          keys=keys, media=controls, display=display, tick=cues[CUE_TICK], said=said,
                          on_question=None if voice is None else (lambda question: voice.expect(_expecting(question))))
            if request.standing is not None and request.standing.suggestion.kind != "none":
                moved = _plan_suggestion(request, asker, answerable, book, env)
                if moved is not None and moved.program.language == program.language:
                    request, program = moved, moved.program  # today's session is the new level's
                    options = session_options(program, settings)
                    previous = _previous_session(request.spec)
            left = _left_out(program, previous, request.include, asker, answerable, book)
            today = replace(program, exercises=tuple(e for e in program.exercises if e.name not in
                                                     {item.name for item in left}))
            start_index = _start_today(program, today, request.start_index)
            if not today.exercises:
                asker.say_and_wait(book.line("nothing_left"))
                raise NothingToPlay(f"every exercise of {program.title} is left out today because it hurt before: "
                                  "ask your doctor or physical therapist, and take one back with --include NAME")
            waits = any(exercise.wait_for_me for exercise in today.exercises)
            # Synthesis runs ahead of the listener in the background, while the questions are asked.
            live = LiveSession(today, options, speech, extra_lines=notices + (wait_notices if waits else ()), cues=cues)
            if asking:
                answers = _before(asker, book, previous, when, env)
            known, complete = live.wait() if start_index is None else (live.result(), True)
            player = Player(known, render=live.render_span, speak=speech.pcm, audio=out,
                            sample_rate_hz=live.sample_rate_hz, clock=env.clock, notices=notices,
                            wait_notices=wait_notices, said=said if voice is not None else None,
                            overlay=None if bed is None else (
                                lambda pcm, frame, first: bed.mix(pcm, frame, live.current()[0], first)),
                            **({} if complete else {"grow": live.current, "growing_bound_ms": live.bound_ms}))
            start_ms = player.timeline.exercises[start_index][1] if start_index is not None else 0

            def it_hurts(held: Player, confirm: bool) -> str | None:
                if confirm and not asker.ask(did_it_hurt_question(book)).value:
                    return None
                return asker.ask(hurt_question(book)).value if answerable() else END

            outcome = run(player, start_ms, keys, display, media=controls, on_hurt=it_hurts)
            hurt = outcome.hurt
            ending = FINISHED if outcome.finished else HURT if hurt is not None and hurt.chose == END else QUIT
            if asking and player.sounded:  # after the session, however the listener ended it
                with contextlib.suppress(Quit):  # q: not answered
                    after = asker.ask(pain_question(book, after=True))
                    answers = replace(answers, after=after.value)
    except Quit:  # q during the questions before the session: no session
        ending = QUIT
    except KeyboardInterrupt:
        ending = INTERRUPTED
    except VoicecoachError as error:  # the device or the engine failed
        if player is None or not player.sounded:
            raise  # nothing was heard: the error alone says it
        ending, failure = FAILED, error
    finally:
        if live is not None:
            live.close()
        if voice is not None:
            voice.close()
        else:
            opening.close()  # a microphone opened for a session that did not get to listen
        if media is not None:
            media.close()
        if bed is not None:
            bed.close()
    return _ended(replace(request, program=today, start_index=start_index), player, ending, failure, started, options, env,
                  answers=answers, hurt=hurt, left_out=tuple(item.name for item in left))


class _Listening:
    """The listener's voice as controls: with --listen, or by default where voicecoach[listen] is
    installed and a microphone opens. The microphone is opened in a thread of its own as soon as
    play starts (PortAudio's start and the device's opening take 0.1-0.3 s), and nothing waits for
    it unless it must know whether the listener can answer (no keys, no media keys: `listens()`).
    What stands in the way is said in one line when --listen asked for it, and nothing is said when
    it was only the default; the session plays either way."""

    def __init__(self, settings: Settings, env: Environment) -> None:
        self.settings, self.env = settings, env
        self._microphone = self._recognizer = self._error = None
        self._handed = False
        self._thread = None
        if settings.listen != "off":
            self._thread = threading.Thread(target=self._open, name="voicecoach-microphone", daemon=True)
            self._thread.start()

    def _open(self) -> None:
        try:
            from voicecoach.recognizers import create_recognizer

            self._recognizer = create_recognizer()
            self._microphone = self.env.microphone()
        except (VoicecoachError, ImportError) as error:
            self._error = error

    def _opened(self) -> tuple:
        """(microphone, recognizer) once open, for the listening thread; the error if not."""
        self._thread.join()
        if self._error is not None:
            raise self._error if isinstance(self._error, VoicecoachError) else VoicecoachError(str(self._error))
        return self._microphone, self._recognizer

    def _unavailable(self, error) -> None:
        if self.settings.listen == "on":
            self.env.note(f"not listening for spoken commands: {error}")

    def controls(self, book, language: str, said: SaidLog) -> VoiceControls | None:
        """The voice as controls (its thread takes the microphone when it has opened), or None."""
        if self._thread is None:
            return None
        try:
            from voicecoach.commands import vocabulary

            words = vocabulary(book)
        except (VoicecoachError, ImportError) as error:
            self._unavailable(error)
            return None
        self._handed = True
        return VoiceControls(None, None, words, language, said, note=self.env.note, ready_after=said.first,
                             opening=self._opened, unavailable=self._unavailable).start()

    def close(self) -> None:
        """A microphone opened and not handed on is closed (play ended before it listened)."""
        if self._thread is not None and not self._handed:
            self._thread.join()
            if self._microphone is not None:
                self._microphone.close()
                self._microphone = None


def _expecting(question):
    """What a listening microphone may act on: during the session every command; during a
    question its answers, and stop (and next, where going on is an answer)."""
    from voicecoach.commands import COMMANDS, Expecting

    if question is None:
        return Expecting(frozenset(COMMANDS), ())
    answers = tuple(option.value for option in question.options if _spoken_answer(option.value))
    commands = {"stop"} | ({"next"} if any("Next" in option.controls for option in question.options) else set())
    return Expecting(frozenset(commands), answers)


def _spoken_answer(value: object) -> bool:
    """An answer a listener can say: a number 0-10, better/same/worse, yes/no (True/False)."""
    if isinstance(value, bool):
        return True
    return (isinstance(value, int) and 0 <= value <= 10) or value in ("better", "same", "worse")


def _start_today(program: Program, today: Program, start_index: int | None) -> int | None:
    """Where a session asked to start at exercise `start_index` of `program` starts in `today`'s
    (what hurt before left out): at that exercise, or the next one that is not left out."""
    if start_index is None:
        return None
    kept = [exercise.name for exercise in today.exercises]
    later = [e.name for e in program.exercises[start_index:] if e.name in kept]
    return kept.index(later[0]) if later else None


def _previous_session(spec: str):
    """The newest session of this program, or None (none yet, or a history that cannot be read:
    today's session still plays, and says so when it cannot be recorded)."""
    try:
        return last_session(program_key(spec))
    except HistoryError:
        return None


def left_out_as_today(program: Program, previous, include: tuple[str, ...] = ()) -> tuple[LeftOut, ...]:
    """What a session of `program` today leaves out because it hurt before, from `previous`, the
    program's last session (history.last_session), less what `include` takes back."""
    if previous is None:
        return ()
    return left_out_today([e.name for e in program.exercises], previous.left_out,
                          previous.hurt.name if previous.hurt is not None else None, include)


def today(spec: str, program: Program) -> tuple[Program, tuple[LeftOut, ...]]:
    """The program as `play` would play it today, without the exercises that hurt before, and
    those (show --as-today, export --as-today)."""
    left = left_out_as_today(program, _previous_session(spec))
    names = {item.name for item in left}
    return replace(program, exercises=tuple(e for e in program.exercises if e.name not in names)), left


def _plan_suggestion(request: PlayRequest, asker: Asker, can_ask: Callable[[], bool], book, env: Environment):
    """The plan's suggestion said at the start; for a move, the listener's yes makes it (the plan
    file is written at once) and today's session is the new level's: the request for it, or None."""
    from voicecoach.plan import suggestion_question
    from voicecoach.progress import ProgressError, write_progress

    standing = request.standing
    suggestion = standing.suggestion
    lines, question = suggestion_question(book, suggestion, standing.plan)
    if question is None or not can_ask():  # nothing to answer, or no one can: said, and nothing changes
        spoken = lines or question.lines[:-1]
        if spoken:
            asker.say_and_wait(*spoken)
        return None
    if not asker.ask(question).value:
        return None
    kind = "advance" if suggestion.kind == "advance" else "step-back"
    try:
        write_progress(standing.progress.moved(kind, suggestion.next, env.now().date()))
    except ProgressError as error:
        env.note(f"the level is not changed ({error}).")
        return None
    program = resolve_program(suggestion.next)
    env.note(f"your plan is now at {program.title}: {suggestion.reason}")
    return replace(request, spec=suggestion.next, program=program, only=(), start_index=None, include=())


def _left_out(program: Program, previous, include: tuple[str, ...], asker: Asker, can_ask: Callable[[], bool], book):
    """What today's session leaves out because it hurt before, said; the listener may take it back."""
    left = left_out_as_today(program, previous, include)
    if not left:
        return ()
    question = take_back_question(book, left)
    if not can_ask():  # said, without the question: it stays out
        asker.say_and_wait(*question.lines[:-1])
        return left
    return () if asker.ask(question).value else left


def _before(asker: Asker, book, previous, when: str, env: Environment) -> CheckIn:
    """The questions before the session: the morning after the last one (once, the first session
    after a day with one), then how the back is now (before-after)."""
    if previous is not None and previous.next_morning is None and previous.id is not None and (
            previous.started.astimezone().date() < env.now().astimezone().date()):
        morning = asker.ask(next_morning_question(book))
        if morning.answered:
            try:
                set_next_morning(previous.id, morning.value)
            except HistoryError as error:
                env.note(f"the answer is not in your history ({error}).")
    if when != BEFORE_AFTER:
        return CheckIn()
    return CheckIn(before=asker.ask(pain_question(book, after=False)).value)


def _ended(request: PlayRequest, player: Player | None, ending: str, failure: VoicecoachError | None, started,
           options, env: Environment, answers: CheckIn = CheckIn(), hurt: Hurt | None = None,
           left_out: tuple[str, ...] = ()) -> PlayOutcome:
    """The outcome of a session that ended so, recorded in the history once it was heard."""
    heard = player is not None and player.sounded
    if not heard:
        return PlayOutcome(ending=ending, heard=False, position_ms=0, stopped_index=request.start_index, at_end=False,
                           listened_ms=0, exercises_completed=0, reopened=0, recorded=False, error=failure,
                           check_in=answers, left_out=left_out, program=request.program)
    assert player is not None
    position = player.position_ms()
    index = player.timeline.exercise_index_at(position)
    exercises = player.timeline.exercises
    if ending == FINISHED:
        place, index = CLOSING, None
    elif index is not None:
        place = EXERCISE
    else:
        place = OPENING if not exercises or position < exercises[0][1] else CLOSING
    program = request.program
    length_ms = player.script.duration_ms if player.complete else compile_script(
        program, options, Estimate(rate_wpm=request.settings.rate_wpm)).duration_ms
    listened_ms = round(player.listened_s() * 1000)
    entry = session_record(request.spec, program, request.settings, request.only, kind="play", started=started,
                           ended=env.now(), ending=ending, exercises=len(program.exercises),
                           start_index=request.start_index or 0, completed=len(player.completed), place=place,
                           stopped_index=index, position_ms=position, length_ms=length_ms, listened_ms=listened_ms,
                           resumes=request.resumes, pain_before=answers.before, pain_after=answers.after, hurt=hurt,
                           left_out=left_out)
    try:
        record(entry)
        recorded = True
    except HistoryError as error:  # never stops or fails a session: said, and it goes on
        env.note(f"this session is not in your history ({error}).")
        recorded = False
    at_end = index is None and player.complete and position >= player.timeline.ending_ms
    return PlayOutcome(ending=ending, heard=True, position_ms=position, stopped_index=index, at_end=at_end,
                       listened_ms=listened_ms, exercises_completed=len(player.completed), reopened=player.reopened,
                       recorded=recorded, error=failure, check_in=answers, hurt=hurt, left_out=left_out,
                       program=request.program)
