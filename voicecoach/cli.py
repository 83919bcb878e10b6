"""The `voicecoach` command: parses options, calls the core, prints, maps errors to exit codes."""

from __future__ import annotations

import contextlib
import functools
import inspect
import os
import shlex
import shutil
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from voicecoach import __version__
from voicecoach.errors import VoicecoachError, shown
from voicecoach.export import check_target, export_session, format_for
from voicecoach.player import (
    Display,
    Keys,
    Player,
    SimpleaudioOut,
    exercises_from,
    find_exercise,
    run,
    select_exercises,
)
from voicecoach.errors import ProgramError
from voicecoach.program import builtin_names, program_specs, resolve_program
from voicecoach.render import render_span
from voicecoach.script import (
    DEFAULT_RATE_WPM,
    ESTIMATE,
    MAX_PACE,
    MIN_PACE,
    Estimate,
    OptionError,
    Options,
    check_pace,
    compile_script,
    format_length,
    script_to_json,
    script_to_text,
)
from voicecoach.session import LiveSession, make_speech, prepare_session, session_options, spoken_lines
from voicecoach.settings import DEFAULT_MUSIC_LEVEL_DB, Settings, check_music_level
from voicecoach.speech import (
    MAX_RATE_WPM,
    MIN_RATE_WPM,
    EngineMissing,
    PhraseCache,
    check_rate,
    check_volume,
    default_cache_dir,
)

EXIT_INTERRUPTED = 130


class _Checked(click.ParamType):
    """A number checked by the core's own check function, so the bounds live in one place."""

    def __init__(self, name: str, parse: type, check) -> None:
        self.name = name
        self.parse = parse
        self.check = check

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if not isinstance(value, str):
            return value
        try:
            number = self.parse(value.strip())
        except ValueError:
            self.fail(f"'{shown(value)}' is not a {'whole ' if self.parse is int else ''}number", param, ctx)
        try:
            return self.check(number)
        except OptionError as error:
            self.fail(str(error), param, ctx)


def _check_language(tag: str) -> str:
    from voicecoach.phrasebook import check_language

    try:
        return check_language(tag)
    except ValueError as error:
        raise OptionError(str(error)) from None


engine_option = click.option(
    "--engine", metavar="NAME", default=None,
    help="Speech engine: piper (the natural voice, the default where installed) or espeak; "
    "'voicecoach voices' lists them.")

# The options every command that makes a session shares, in the order --help lists them; each is
# the default_map key of the setting of the same name (voicecoach/settings.py).
SETTINGS_OPTIONS = (
    click.option("--pace", type=_Checked("PACE", float, check_pace), default=1.0, show_default=True,
                 help=f"Tempo of movements and rests: 0.5 is half speed, 1.5 faster ({MIN_PACE:g} to "
                 f"{MAX_PACE:g}). Hold times never change."),
    click.option("--quiet-holds", is_flag=True,
                 help="Keep holds quiet: no 'ten more seconds' inside them (by default no silence lasts over "
                 "6 seconds, so you never wonder whether the player stopped)."),
    click.option("--language", metavar="TAG", type=_Checked("TAG", str, _check_language), default=None,
                 help="The language voicecoach speaks in (en, de, es, fr, or any with a phrasebook): by "
                 "default the program's own. It also picks the voice, unless --voice does."),
    engine_option,
    click.option("--voice", metavar="ID", default=None,
                 help="A voice of the engine (see 'voicecoach voices'), or for Piper a path to a .onnx voice "
                 "file with its .onnx.json beside it."),
    click.option("--rate", type=_Checked("WPM", int, check_rate), default=DEFAULT_RATE_WPM, show_default=True,
                 help=f"Speech rate in words per minute ({MIN_RATE_WPM} to {MAX_RATE_WPM})."),
    click.option("--volume", type=_Checked("0..1", float, check_volume), default=1.0, show_default=True,
                 help="Loudness of speech and cues, 0 to 1."),
)
MUSIC_OPTIONS = (
    click.option("--music", metavar="FILE|FOLDER", default=None,
                 # absolute: the history keeps it, and play --resume may run from another folder
                 callback=lambda ctx, param, value: str(Path(value).expanduser().absolute()) if value else value,
                 help="Music under the voice: a file (mp3, flac, ogg, wav) or a folder of them, in name order, "
                 "looped; it is lowered before every line and beep."),
    click.option("--music-level", type=_Checked("DB", float, check_music_level), default=DEFAULT_MUSIC_LEVEL_DB,
                 show_default=True, help="The music's loudness in dB against the speech (-40 to -6)."),
)
# Option name -> Settings field, where they differ.
SETTINGS_FIELDS = {"rate": "rate_wpm", "music_level": "music_level_db"}
SETTINGS_NAMES = ("pace", "quiet_holds", "language", "engine", "voice", "rate", "volume")
MUSIC_NAMES = ("music", "music_level")


def settings_options(command=None, *, music: bool = False):
    """--pace, --quiet-holds, --language, --engine, --voice, --rate and --volume, shared by every
    command that makes a session (and with music=True, --music and --music-level, for the commands
    that sound it); the command receives them as one frozen Settings, `settings`."""
    if command is None:
        return functools.partial(settings_options, music=music)
    names = SETTINGS_NAMES + (MUSIC_NAMES if music else ())

    @functools.wraps(command)
    def with_settings(*args, **kwargs):
        given = {SETTINGS_FIELDS.get(name, name): kwargs.pop(name) for name in names}
        return command(*args, settings=Settings(**given), **kwargs)

    for option in reversed(SETTINGS_OPTIONS + (MUSIC_OPTIONS if music else ())):
        with_settings = option(with_settings)
    return with_settings


def _typed(settings: Settings) -> dict[str, Any]:
    """The settings the user typed on this command line (not defaults, not the settings file)."""
    from click.core import ParameterSource

    ctx = click.get_current_context()
    return {SETTINGS_FIELDS.get(name, name): getattr(settings, SETTINGS_FIELDS.get(name, name))
            for name in SETTINGS_NAMES + MUSIC_NAMES
            if ctx.get_parameter_source(name) == ParameterSource.COMMANDLINE}


from_option = click.option("--from", "start_at", metavar="EXERCISE",
                           help="Start at this exercise: its number, or its name or any word of it.")
only_option = click.option("--only", multiple=True, metavar="EXERCISE",
                           help="Only this exercise (number, name or a word of it); repeat for more.")


def _chosen(program_spec: str, only: tuple[str, ...], start_at: str | None = None):
    """The program with only the chosen exercises (--only), from the one --from names on."""
    return exercises_from(select_exercises(resolve_program(program_spec), only), start_at)


def _speech(settings: Settings, language: str):
    """Speech in the session's language: the voice the user chose, or one that speaks the language
    (said on stderr when it is another engine's)."""
    from dataclasses import replace

    from voicecoach.engines import choose_voice

    engine, voice, note = choose_voice(settings.engine, settings.voice, language)
    if note:
        click.echo(f"Note: {note}.", err=True)
    return make_speech(replace(settings, engine=engine, voice=voice))


class _Group(click.Group):
    """Runs Click non-standalone so that every failure becomes one line on stderr."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):  # type: ignore[override]
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.Abort:  # Click's form of Ctrl-C
            sys.exit(EXIT_INTERRUPTED)
        except click.ClickException as error:
            message = error.format_message()
            ctx = getattr(error, "ctx", None)
            if isinstance(error, click.UsageError) and ctx is not None:
                message += f" (see '{ctx.command_path} --help')"
            _fail(message, error.exit_code)
        except VoicecoachError as error:
            _fail(str(error), error.exit_code)
        sys.exit(result if isinstance(result, int) else 0)


def _fail(message: str, code: int) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(code)


EXIT_CODES = (
    (0, "done: the session played (or was stopped with q), the file was written, the program is valid"),
    (1, "it could not be done: the file could not be written, doctor found a problem, nothing to resume"),
    (2, "a usage mistake: an unknown option or value, a program or phrasebook file with a mistake"),
    (3, "the speech engine is missing or failed"),
    (4, "play: no sound device could be opened (export the session instead)"),
    (130, "stopped by Ctrl-C (or the terminal closing); play says how to go on"),
)


@click.group(cls=_Group, invoke_without_command=True,
             context_settings={"help_option_names": ["-h", "--help"], "show_default": True},
             epilog="\b\nExit codes:\n" + "\n".join(f"  {code:<4} {meaning}" for code, meaning in EXIT_CODES))
@click.version_option(__version__, prog_name="voicecoach")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """An eyes-free exercise coach: compiles an exercise program into a spoken, timed session.

    PROGRAM is a built-in name (beginning, intermediate, advanced) or a path to your own YAML file.
    """
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())
    elif ctx.invoked_subcommand != "config":  # config must work to mend a broken settings file
        from voicecoach.settings import default_map, read_settings

        settings_file = read_settings()
        for note in settings_file.notes():  # a key that is not a setting: said, and left out
            click.echo(f"Note: {note}", err=True)
        ctx.default_map = default_map(settings_file.values)


def _script(program, settings: Settings, estimate: bool):
    """The script with measured speech lengths, or estimated ones (saying so) without an engine."""
    options = session_options(program, settings)
    if not estimate:
        try:
            return prepare_session(program, options, _speech(settings, options.language)).script
        except EngineMissing as missing:
            click.echo(f"Note: speech lengths are estimated, not measured ({missing}).", err=True)
    return compile_script(program, options, Estimate(rate_wpm=settings.rate_wpm))


estimate_option = click.option("--estimate", is_flag=True,
                               help="Estimate speech lengths from the text instead of synthesizing it.")


class _FileBug(Exception):
    """A bug met while loading one of several program files (an exception that is not a
    VoicecoachError): the file gets its line and the others go on; the command raises the bug
    again at its end, so that it still shows its traceback and exits with 1."""

    def __init__(self, spec: str, bug: Exception):
        super().__init__(spec, bug)
        self.bug = bug
        self.text = (f"{shown(spec, limit=300)}: voicecoach failed on this file, a bug in voicecoach "
                     f"({type(bug).__name__}: {shown(str(bug))}); please report it")

    def __str__(self) -> str:
        return self.text


def _programs(specs: tuple[str, ...]) -> Iterator[tuple[str, Any]]:
    """(spec, program) for each program a command was given (folders stand for their program
    files), or (spec, error) for one that cannot be loaded: the command reports it and goes on."""
    for spec in specs:
        try:
            items = program_specs(spec)
        except ProgramError as error:
            yield spec, error
            continue
        for item in items:
            try:
                program = resolve_program(item)
            except VoicecoachError as error:
                yield item, error
                continue
            except Exception as bug:  # not swallowed: the command raises it again at its end
                yield item, _FileBug(item, bug)
                continue
            yield item, program


@cli.command("list")
@click.argument("paths", nargs=-1, metavar="[FILE|FOLDER]...")
@engine_option
@estimate_option
def list_programs(paths: tuple[str, ...], engine: str | None, estimate: bool) -> None:
    """List programs with their exercises and length at the normal pace: the built-in ones, or
    the program files and folders of programs given.

    A length is measured where the program's speech is cached (it has been played, shown or
    exported), else estimated, marked ~: listing never waits for synthesis.
    """
    speech = None
    if not estimate:
        with contextlib.suppress(EngineMissing):
            speech = make_speech(Settings(engine=engine))
    rows, failed, bugs = [], 0, []
    for spec, program in _programs(paths or builtin_names()):
        if isinstance(program, (VoicecoachError, _FileBug)):
            click.echo(f"Error: {program}", err=True)
            failed += 1
            bugs += [program.bug] if isinstance(program, _FileBug) else []
            continue
        options = Options()
        if speech is not None and all(speech.ready(line) for line in spoken_lines(program, options)):
            script, about = prepare_session(program, options, speech).script, ""
        else:
            script, about = compile_script(program, options, Estimate()), "~"
        count = len(script.exercise_starts())
        rows.append((spec, script.title, f"{count} exercise{'' if count == 1 else 's'}",
                     about + format_length(script.duration_ms)))
    widths = [max((len(row[i]) for row in rows), default=0) for i in range(4)]
    for row in rows:
        click.echo(f"{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]:>{widths[2]}}  {row[3]:>{widths[3]}}")
    if any(row[3].startswith("~") for row in rows):
        click.echo("(~ estimated: a program's length is measured once it has been played or shown)", err=True)
    if bugs:
        raise bugs[0]
    if failed:
        sys.exit(2)


@cli.command()
@click.argument("files", nargs=-1, required=True, metavar="FILE|FOLDER...")
def check(files: tuple[str, ...]) -> None:
    """Check program files without making a sound: for each, a summary (exercises, repetitions,
    holds, sides, set-up, length at pace 1) and warnings about things that are allowed but
    probably not meant. A folder stands for the program files in it.

    Exit code 0 when every program is valid, 2 when one is not, or cannot be spoken because of its
    phrasebook (each problem is one line on stderr). Warnings do not change the exit code.
    """
    from voicecoach.check import summary, warnings
    from voicecoach.settings import load_settings

    failed, bugs = 0, []
    language = load_settings().get("language")  # the settings' language, as play and export take it
    for spec, program in _programs(files):
        if isinstance(program, (VoicecoachError, _FileBug)):
            click.echo(f"Error: {program}", err=True)
            failed += 1
            bugs += [program.bug] if isinstance(program, _FileBug) else []
            continue
        try:  # the phrasebook the session will be spoken with, the user's own included
            options = session_options(program, Settings(language=language))
        except VoicecoachError as error:
            click.echo(f"Error: {spec}: cannot be spoken: {error}", err=True)
            failed += 1
            continue
        script = compile_script(program, options, ESTIMATE)  # at pace 1, once, for the summary and the warnings
        head, rows = summary(program, script)
        click.echo(f"{spec}: valid. {head}")
        for row in rows:
            click.echo(f"  {row}")
        for finding in warnings(program, script, ESTIMATE):
            where = spec if finding.line is None else f"{spec}, line {finding.line}"
            click.echo(f"  warning: {where}: {finding.text}")
    if bugs:
        raise bugs[0]
    if failed:
        sys.exit(2)


@cli.command()
def schema() -> None:
    """Print the JSON Schema of the program format, for editors.

    Save it beside your programs (voicecoach schema > program.schema.json) and put this first line
    in a program file: "# yaml-language-server: $schema=program.schema.json". An editor with YAML
    support (VS Code with the YAML extension, for one) then underlines mistakes and completes keys.
    """
    from voicecoach.schema import schema_text

    click.echo(schema_text(), nl=False)


@cli.command()
@click.argument("program")
@settings_options
@from_option
@only_option
@estimate_option
@click.option("--json", "as_json", is_flag=True, help="Print the script as JSON (docs/script-json.md).")
def show(program: str, settings: Settings, start_at: str | None, only: tuple[str, ...], estimate: bool,
         as_json: bool) -> None:
    """Print the compiled session script of PROGRAM, one event a line, and its length.

    Speech lengths are measured by synthesizing each line (cached), so the times are exactly those
    of 'voicecoach export' and 'play' with the same options.
    """
    script = _script(_chosen(program, only, start_at), settings, estimate)
    click.echo(script_to_json(script) if as_json else script_to_text(script), nl=False)


def _terminate(signum, frame):  # SIGTERM/SIGHUP unwind like Ctrl-C: temporary files go, the terminal is restored
    raise KeyboardInterrupt


@contextlib.contextmanager
def _stop_signals_interrupt() -> Iterator[None]:
    """Make SIGTERM and SIGHUP (a closed terminal) stop the command the way Ctrl-C does."""
    previous = {number: signal.signal(number, _terminate) for number in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


@cli.command()
@click.argument("program")
@click.option("-o", "--output", "output_name", required=True, metavar="FILE",
              help="The audio file to write: .wav, .mp3, .flac or .ogg.")
@settings_options(music=True)
@from_option
@only_option
@click.option("--subtitles", is_flag=True, help="Also write every spoken line to a WebVTT file beside it (.vtt).")
def export(program: str, output_name: str, settings: Settings, start_at: str | None, only: tuple[str, ...],
           subtitles: bool) -> None:
    """Export the session of PROGRAM as an audio file with tags and one chapter per exercise."""
    if not output_name.strip():
        raise OptionError("-o needs a file name, such as session.mp3")
    output = Path(output_name)  # checked by check_target, not click.Path (its os.stat fails on NUL)
    format_for(output)
    check_target(output)
    started = _now()
    chosen = _chosen(program, only, start_at)
    options = session_options(chosen, settings)
    speech = _speech(settings, options.language)
    bed = _music_bed(settings, speech)  # a bad music file is one line before anything is made
    session = prepare_session(chosen, options, speech)
    try:
        with _stop_signals_interrupt():
            result = _write(session, output, subtitles, bed)
    except KeyboardInterrupt:
        click.echo(f"Stopped; {output} was not written.", err=True)
        raise
    finally:
        if bed is not None:
            bed.close()
    size_mb = result.size_bytes / 1_000_000
    extra = f" and {result.subtitles}" if result.subtitles else ""
    click.echo(f"Wrote {result.path}{extra}: {format_length(session.script.duration_ms)}, "
               f"{len(result.chapters)} chapters, {size_mb:.1f} MB")
    count = len(chosen.exercises)
    _remember(program, chosen, settings, only, kind="export", started=started, ending="exported",
              exercises=count, start_index=0, completed=count, place="closing", stopped_index=None,
              position_ms=session.script.duration_ms, length_ms=session.script.duration_ms, listened_ms=0,
              output=str(Path(result.path).resolve()))


def _now():
    from datetime import datetime

    return datetime.now().astimezone()


def _remember(spec: str, chosen, settings: Settings, only: tuple[str, ...], **facts: Any) -> int | None:
    """Add the session to the history; its id, or None (said in one line on stderr) when the
    history cannot be written: that never stops or fails a session."""
    from voicecoach.history import HistoryError, Record, program_hash, program_key, record

    stopped = facts.get("stopped_index")
    entry = Record(ended=_now(), program=program_key(spec), title=chosen.title, program_hash=program_hash(chosen),
                   settings=settings, only=tuple(only),
                   stopped_name=None if stopped is None else chosen.exercises[stopped].name, **facts)
    try:
        return record(entry)
    except HistoryError as error:
        click.echo(f"Note: this session is not in your history ({error}).", err=True)
        return None


def _last_unfinished(program: str | None):
    """The play --resume goes on with: the newest play (of PROGRAM, if given), when it is unfinished."""
    from voicecoach.history import last_play, program_key

    last = last_play(program_key(program) if program is not None else None)
    of = f" of {program}" if program is not None else ""
    if last is None:
        raise ResumeError(f"nothing to resume: no session{of} has been played yet")
    when = last.started.astimezone().strftime("%a %d %b %H:%M")
    if not last.unfinished:
        raise ResumeError(f"nothing to resume: your last session{of} ({last.title}, {when}) "
                          f"{'was played to the end' if last.ending == 'finished' else 'stopped after its last exercise'}")
    return last


class ResumeError(VoicecoachError):
    """play --resume has nothing to go on with, or cannot find where."""


@cli.command()
@click.argument("program", required=False)
@settings_options(music=True)
@from_option
@only_option
@click.option("--resume", is_flag=True,
              help="Go on from where your last session stopped, with its program and settings (options "
              "given with it win); with PROGRAM, the last session of that program.")
@click.option("--quiet", is_flag=True, help="No live display.")
def play(program: str | None, settings: Settings, start_at: str | None, only: tuple[str, ...], resume: bool,
         quiet: bool) -> None:
    """Play the session of PROGRAM aloud.

    Keys while playing: space pauses and resumes, n skips to the next exercise, p restarts the
    current one (twice: the previous one), q quits. Ctrl-C stops and prints how to go on. Every
    session is recorded in your history ('voicecoach history').
    """
    from dataclasses import replace

    from voicecoach.history import FAILED, FINISHED, INTERRUPTED, QUIT

    resumes = None
    if resume:
        if start_at is not None or only:
            raise click.UsageError("--resume goes on where the session stopped: it takes no --from or --only")
        last = _last_unfinished(program)
        program, only, resumes = last.program, last.only, last.id
        settings = replace(last.settings, **_typed(settings))
        chosen = select_exercises(resolve_program(program), only)
        names = [exercise.name for exercise in chosen.exercises]
        if last.place != "opening" and last.stopped_name not in names:
            raise ResumeError(f"cannot go on: {program} no longer has the exercise '{last.stopped_name}' "
                              "(it has changed since); choose where with --from")
        # Stopped before the first exercise: from the start, introduction and all.
        start_index = None if last.place == "opening" else names.index(last.stopped_name)
        from voicecoach.history import program_hash

        if program_hash(chosen) != last.program_hash and start_index is not None:
            click.echo(f"Note: {program} has changed since that session; going on at '{last.stopped_name}'.", err=True)
    elif program is None:
        raise click.UsageError("Missing argument 'PROGRAM' (or --resume, to go on with your last session).")
    else:
        chosen = select_exercises(resolve_program(program), only)
        start_index = find_exercise(chosen, start_at) if start_at is not None else None
    spec = program
    # Without a sound device: the same session (every option given, the same exercises) as a file.
    out = SimpleaudioOut(export_hint=" ".join(_again("export", spec, chosen, settings, only, start_index)
                                              + ["-o session.mp3"]))
    started = _now()
    # Synthesis runs ahead of the listener in the background; sound starts with the first line.
    options = session_options(chosen, settings)
    notices = (options.phrasebook.line("paused"), options.phrasebook.line("resuming"))
    # What play says when it waits for the listener: synthesized only for a program that waits.
    wait_notices = (options.phrasebook.line("wait_for_ready"), options.phrasebook.line("still_waiting"))
    waits = any(exercise.wait_for_me for exercise in chosen.exercises)
    player = None

    def stopped() -> tuple[str, int | None]:
        """Where it stopped: in the opening, in an exercise (which), or after the last one."""
        position = player.position_ms()
        index = player.timeline.exercise_index_at(position)
        if index is not None:
            return "exercise", index
        exercises = player.timeline.exercises
        return ("opening", None) if not exercises or position < exercises[0][1] else ("closing", None)

    def remember(ending: str) -> int | None:
        if player is None or not player.sounded:  # nothing was heard: not a session (nor an attempt)
            return None
        place, index = ("closing", None) if ending == FINISHED else stopped()
        length_ms = player.script.duration_ms if player.complete else compile_script(
            chosen, options, Estimate(rate_wpm=settings.rate_wpm)).duration_ms
        return _remember(spec, chosen, settings, only, kind="play", started=started, ending=ending,
                         exercises=len(chosen.exercises), start_index=start_index or 0,
                         completed=len(player.completed), place=place, stopped_index=index,
                         position_ms=player.position_ms(), length_ms=length_ms,
                         listened_ms=round(player.listened_s() * 1000), resumes=resumes)

    def resume_hint(recorded: bool) -> str:
        heard = player is not None and player.sounded
        position = player.position_ms() if heard else 0
        index = player.timeline.exercise_index_at(position) if heard else start_index
        count = len(chosen.exercises)
        words = [f"{invoked_as()} play --resume"]
        if not recorded:  # the history could not keep it: the whole command instead
            words = _again("play", spec, chosen, settings, only, index)
        if heard and index is None and player.complete and position >= player.timeline.ending_ms:
            return f"Stopped at {format_length(position)}, at the very end."
        if index is None:
            return f"Stopped at {format_length(position)}, before the first exercise. To start again: {' '.join(words)}"
        name = chosen.exercises[index].name
        return (f"Stopped at {format_length(position)}, in exercise {index + 1} of {count} ({name}). "
                f"To go on from there: {' '.join(words)}")

    speech = _speech(settings, options.language)
    bed = _music_bed(settings, speech)  # a bad music file is one line before anything plays
    live = LiveSession(chosen, options, speech, extra_lines=notices + (wait_notices if waits else ()))
    media = None
    try:
        with _stop_signals_interrupt():
            known, complete = live.wait() if start_index is None else (live.result(), True)
        growing = {} if complete else {"grow": live.current, "growing_bound_ms": live.bound_ms}
        player = Player(known,
                        render=lambda start, end: render_span(live.current()[0], live.speech.pcm, live.cues,
                                                              live.sample_rate_hz, start, end),
                        speak=live.speech.pcm, audio=out, sample_rate_hz=live.sample_rate_hz, notices=notices,
                        wait_notices=wait_notices,
                        overlay=None if bed is None else (
                            lambda pcm, frame, started: bed.mix(pcm, frame, live.current()[0], started)),
                        **growing)
        start_ms = player.timeline.exercises[start_index][1] if start_index is not None else 0
        from voicecoach.mpris import MediaPlayer

        media = MediaPlayer.start(album=chosen.title)  # headset buttons and media keys, where there is a bus
        with _stop_signals_interrupt(), Keys(enabled=True) as keys:  # the terminal is restored however it ends
            outcome = run(player, start_ms, keys, Display(enabled=not quiet and sys.stdout.isatty()), media=media)
    except KeyboardInterrupt:
        recorded = remember(INTERRUPTED) is not None
        click.echo(resume_hint(recorded), err=True)
        sys.exit(EXIT_INTERRUPTED)
    except VoicecoachError as error:  # the device or the engine failed: once heard, say where and how to go on
        recorded = remember(FAILED) is not None
        _fail(f"{error}. {resume_hint(recorded)}" if player is not None and player.sounded else str(error),
              error.exit_code)
    finally:
        live.close()
        if media is not None:
            media.close()
        if bed is not None:
            bed.close()
    recorded = remember(FINISHED if outcome.finished else QUIT) is not None
    if outcome.reopened:
        click.echo(f"Note: the audio output stopped {_times(outcome.reopened)} and was opened again; "
                   "the line it cut was said again.", err=True)
    if outcome.finished:
        done = outcome.exercises_completed
        click.echo(f"Done: {chosen.title}, {format_length(round(outcome.listened_s * 1000))}, "
                   f"{done} exercise{'' if done == 1 else 's'}.")
    else:
        click.echo(resume_hint(recorded))


def _again(verb: str, spec: str, chosen, settings: Settings, only: tuple[str, ...], index: int | None) -> list[str]:
    """The words of a command that makes the same session again (play or export), from exercise
    `index` of the chosen ones, if given: every option the user gave, in their own form."""
    words = [f"{invoked_as()} {verb} {shlex.quote(spec)}", *settings.arguments()]
    words += [f"--only {shlex.quote(name)}" for name in only]
    if index is not None:
        name = chosen.exercises[index].name
        words.append(f"--from {shlex.quote(name) if only else index + 1}")
    return words


def invoked_as() -> str:
    """voicecoach as it can be run again, to paste as it is: 'voicecoach' when that is on the PATH
    and is this one, else the way it was run now (python -m voicecoach, .venv/bin/voicecoach)."""
    argv0 = sys.argv[0] if sys.argv else ""
    if argv0.endswith(os.path.join("voicecoach", "__main__.py")):
        return f"{shlex.quote(sys.executable)} -m voicecoach"
    if os.path.basename(argv0) != "voicecoach":
        return "voicecoach"  # run from Python (tests, scripts): the usual name
    found = shutil.which("voicecoach")
    here = argv0 if os.sep in argv0 else (shutil.which(argv0) or argv0)
    if found and os.path.realpath(found) == os.path.realpath(here):
        return "voicecoach"
    return shlex.quote(here)


def _times(count: int) -> str:
    return {1: "once", 2: "twice"}.get(count, f"{count} times")


def _music_bed(settings: Settings, speech):
    """The music under the session (--music), brought to its level under this speech; None without."""
    if settings.music is None:
        return None
    import math

    from voicecoach.music import MusicBed, load_music
    from voicecoach.shape import SESSION_LUFS

    music = load_music(settings.music, speech.sample_rate_hz)
    if music.note:  # the cache had no room for it (a full or read-only disk): it plays all the same
        click.echo(f"Note: {music.note}", err=True)
    speech_lufs = SESSION_LUFS + (20 * math.log10(speech.volume) if speech.volume > 0 else -60.0)
    return MusicBed(music.level(speech_lufs, settings.music_level_db), speech.sample_rate_hz)


def _write(session, output: Path, subtitles: bool, bed=None):
    """Export with a progress bar on a terminal, silently otherwise."""
    pieces = session.pieces() if bed is None else bed.pieces(session.pieces(), session.script)
    if not sys.stderr.isatty():
        return export_session(session.script, pieces, output, session.sample_rate_hz, subtitles)
    with click.progressbar(length=session.frames, label=f"Writing {output.name}", file=sys.stderr) as bar:
        return export_session(session.script, pieces, output, session.sample_rate_hz, subtitles,
                              progress=bar.update)


@cli.command()
def doctor() -> None:
    """Check what a session needs (speech, audio output, cache, cues) and how to fix each problem.

    Exit code 0 when a session can play, 1 when it cannot.
    """
    from voicecoach.doctor import can_play, env_note, run_checks

    checks = run_checks()
    for check in checks:
        label = "ok     " if check.ok else "note   " if check.note else "PROBLEM"
        click.echo(f"{label}  {check.name}: {check.detail}")
        if check.fix and not check.ok:
            click.echo(f"         {'to have them' if check.note else 'fix'}: {check.fix}")
    note = env_note()
    if note:
        click.echo(f"         note: {note}")
    if can_play(checks):
        click.echo("A session can play.")
    else:
        click.echo("A session cannot play until the problems above are fixed.")
        sys.exit(1)


@cli.command()
@engine_option
@click.option("--language", metavar="TAG", default=None, help="Only the voices that speak this language (de, es-MX).")
def voices(engine: str | None, language: str | None) -> None:
    """List every installed engine's voices (an ID goes to --voice); * marks the one sessions use.

    A language instead of an ID (--voice de) picks the best voice for it.
    """
    from voicecoach.engines import add_voice_hint, default_engine_name, engine_type, installed_engines, voices_for

    default = default_engine_name()
    names = [engine_type(engine).name] if engine is not None else sorted(
        installed_engines(), key=lambda name: (name != default, name))
    for name in names:
        kind = engine_type(name)
        found, used = (kind.voices() if language is None else voices_for(kind, language)), kind.default_voice()
        hint = add_voice_hint(name, language) if language is not None and not found else None
        click.echo(f"{name}{' (the default engine)' if name == default else ''}: {len(found)} voice"
                   f"{'' if len(found) == 1 else 's'}{f'; {hint}' if hint else ''}")  # none, and how to add one
        width = max((len(v.id) for v in found), default=2)
        for voice in found:
            mark = "*" if voice.id == used and name == (engine or default) else " "
            click.echo(f" {mark} {voice.id:<{width}}  {voice.name}  ({', '.join(voice.languages) or '-'})")


@cli.command()
@click.option("--clear", is_flag=True, help="Delete every cached phrase and all decoded music.")
def cache(clear: bool) -> None:
    """Show where synthesized speech and decoded music are cached and how much, or clear them."""
    from voicecoach.music import clear_decoded, decoded_entries, music_cache_dir

    phrases, music_dir = PhraseCache(default_cache_dir()), music_cache_dir()
    if clear:
        click.echo(f"Removed {phrases.clear()} cached phrases from {phrases.directory}")
        count = clear_decoded(music_dir)
        click.echo(f"Removed {count} decoded music file{'' if count == 1 else 's'} from {music_dir}")
        return
    entries, phrase_bytes = phrases.entries(), phrases.size_bytes()
    music = decoded_entries(music_dir)
    count, music_bytes = sum(path.suffix == ".f32" for path in music), sum(path.stat().st_size for path in music)
    click.echo(f"{phrases.directory}: {len(entries)} phrases, {phrase_bytes / 1_000_000:.1f} MB")
    click.echo(f"{music_dir}: {count} decoded music file{'' if count == 1 else 's'}, {music_bytes / 1_000_000:.1f} MB")
    click.echo(f"In all: {(phrase_bytes + music_bytes) / 1_000_000:.1f} MB")


@cli.command()
@click.option("-n", "--limit", type=click.IntRange(min=0), default=10, metavar="N",
              help="How many of the newest sessions to list (0: all).")
@click.option("--json", "as_json", is_flag=True, help="The sessions and the summary as JSON, for other tools.")
def history(limit: int, as_json: bool) -> None:
    """Your sessions, the newest first (every play, however it ended, and every export), and how
    you are keeping it up: days in a row, sessions and minutes this week and last week.

    A play counts as a session once an exercise was done in it; one that went on with
    'play --resume' counts once with the session it continued.
    """
    import json

    from voicecoach.history import history_path, read_sessions, summary, summary_lines, table

    entries, unreadable = read_sessions()
    if unreadable:
        click.echo(f"Note: {unreadable} row{' of the history could' if unreadable == 1 else 's of the history could'} "
                   f"not be read (a bad date or value) and {'is' if unreadable == 1 else 'are'} left out; "
                   f"the others are all here ({history_path()}).", err=True)
    now = _now()
    total = summary(entries, now)
    listed = entries[:limit] if limit else entries
    if as_json:
        click.echo(json.dumps({"file": str(history_path()), "summary": _plain(total),
                               "sessions": [entry.to_json() for entry in listed]}, indent=2, ensure_ascii=False))
        return
    if not entries:
        click.echo(f"No sessions yet: '{invoked_as()} play beginning' starts one. They are kept in {history_path()}.")
        return
    for line in table(listed, now):
        click.echo(line)
    if len(listed) < len(entries):
        click.echo(f"({len(entries) - len(listed)} older; --limit 0 lists them all)")
    click.echo()
    for line in summary_lines(total):
        click.echo(line)


def _plain(value: Any) -> Any:
    from dataclasses import asdict

    return asdict(value)


@cli.group(invoke_without_command=True)
@click.pass_context
def config(ctx: click.Context) -> None:
    """Your settings: the defaults of every command's options (an option given on the command line
    always wins). Without a subcommand: every setting, its value and where it comes from."""
    from voicecoach.settings import read_settings, setting_names, settings_path

    if ctx.invoked_subcommand is not None:
        return
    settings_file, path = read_settings(), settings_path()
    values = settings_file.values
    click.echo(f"Settings file: {path}{'' if path.exists() else ' (not written yet)'}")
    params = {param.name: param for param in cli.commands["play"].params}
    width = max(len(name) for name in [*setting_names(), *settings_file.unknown])
    for name, what in setting_names().items():
        if name in values:
            value, source = _setting_text(values[name]), "set"
        else:
            param = params.get(name)
            default = False if param is not None and getattr(param, "is_flag", False) else getattr(param, "default", None)
            value = ("(the program's)" if name == "language" else "(none)" if name == "music"
                     else "(automatic)" if default is None else _setting_text(default))
            source = "default"
        click.echo(f"  {name:<{width}}  {value:<16}  {source:<7}  {what}")
    for name in settings_file.unknown:
        click.echo(f"  {name:<{width}}  {'':<16}  {'unknown':<7}  not a setting, left out; "
                   f"'{invoked_as()} config unset {name}' removes it")


def _setting_text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else f"{value:g}" if isinstance(value, float) else str(value)


@config.command("get")
@click.argument("key")
def config_get(key: str) -> None:
    """Print one setting's value (exit 1 when it is not set)."""
    from voicecoach.settings import check_key, load_settings

    values = load_settings()
    check_key(key)
    if key not in values:
        click.echo(f"{key} is not set", err=True)
        sys.exit(1)
    click.echo(_setting_text(values[key]))


@config.command("set", context_settings={"ignore_unknown_options": True})  # a VALUE may start with '-': -24
@click.argument("key")
@click.argument("value")
def config_set(key: str, value: str) -> None:
    """Set one setting, checked as its option is checked. The rest of the file (other settings,
    your comments) stays as it is; a settings file that is a symlink is written through it."""
    from voicecoach.settings import check_value, set_setting

    checked = check_value(key, value, "config set")
    click.echo(f"{key} = {_setting_text(checked)} (in {set_setting(key, checked)})")


@config.command("unset")
@click.argument("key")
def config_unset(key: str) -> None:
    """Remove one setting, or any other key the file has: its option's own default applies again."""
    from voicecoach.settings import check_key, settings_path, unset_setting

    path = settings_path()
    if unset_setting(key, path):
        click.echo(f"{key} unset (in {path})")
        return
    check_key(key)  # neither in the file nor a setting: a typo here, say so
    click.echo(f"{key} was not set")


@config.command("reset")
def config_reset() -> None:
    """Start over with no settings: the old file is kept beside it as settings.toml.bak. For a
    settings file too broken to mend."""
    from voicecoach.settings import reset_settings, settings_path

    backup = reset_settings()
    if backup is None:
        click.echo(f"No settings to reset ({settings_path()} is not written yet)")
        return
    click.echo(f"Settings reset: every option has its own default again (the old file is {backup})")


@config.command("path")
def config_path() -> None:
    """Print where the settings file is (it need not exist yet)."""
    from voicecoach.settings import settings_path

    click.echo(str(settings_path()))


# Examples at the end of each command's --help (a test fails if a command has none).
EXAMPLES = {
    "play": ["voicecoach play intermediate", "voicecoach play beginning --pace 0.8 --from 3",
             "voicecoach play my-neck.yaml --only 'chin tucks'", "voicecoach play intermediate --music calm.mp3"],
    "show": ["voicecoach show intermediate", "voicecoach show advanced --json --only piriformis"],
    "export": ["voicecoach export beginning -o beginning.mp3", "voicecoach export intermediate --only 2 -o stretch.mp3 --subtitles",
               "voicecoach export beginning -o b.mp3 --music ~/Music/calm/"],
    "list": ["voicecoach list", "voicecoach list my-programs/"],
    "check": ["voicecoach check my-neck.yaml", "voicecoach check my-programs/"],
    "schema": ["voicecoach schema > program.schema.json"],
    "voices": ["voicecoach voices", "voicecoach voices --language de"],
    "cache": ["voicecoach cache", "voicecoach cache --clear"],
    "doctor": ["voicecoach doctor"],
    "history": ["voicecoach history", "voicecoach history --limit 0 --json"],
    "config": ["voicecoach config", "voicecoach config set pace 0.8", "voicecoach config unset pace",
               "voicecoach config reset"],
}
for _name, _lines in EXAMPLES.items():
    _command = cli.commands[_name]
    # cleandoc first: Click dedents the help as a whole, and the examples' own indent would stop it
    _command.help = inspect.cleandoc(_command.help or "") + "\n\n\b\nExamples:\n" + "\n".join(f"  {line}" for line in _lines)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="voicecoach")
