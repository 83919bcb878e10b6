"""The `voicecoach` command: parses options, calls the core, prints, maps errors to exit codes."""

from __future__ import annotations

import contextlib
import functools
import inspect
import os
import re
import shlex
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from voicecoach import __version__
from voicecoach.environment import stop_signals_interrupt
from voicecoach.errors import (
    EngineMissing,
    ExitStatus,
    OptionError,
    ProgramError,
    VoicecoachError,
    shown,
)
from voicecoach.export import check_target, export_session, format_for
from voicecoach.program import (
    builtin_names,
    exercises_from,
    find_exercise,
    program_specs,
    resolve_program,
    select_exercises,
)
from voicecoach.script import (
    ESTIMATE,
    Estimate,
    Options,
    compile_script,
    format_length,
    script_to_json,
    script_to_text,
)
from voicecoach.session import (
    make_speech,
    prepare_session,
    session_options,
    speech_for,
    spoken_lines,
)
from voicecoach.settings import BY_NAME, Setting, Settings, settings_of
from voicecoach.speech import PhraseCache, phrase_cache_dir


class _Checked(click.ParamType):
    """A setting's value as typed, checked by the setting's own check, so the bounds live in one place."""

    def __init__(self, setting: Setting) -> None:
        self.name = setting.metavar or setting.name.upper()
        self.setting = setting

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if not isinstance(value, str):
            return value
        try:
            return self.setting.from_text(value)
        except (ValueError, OptionError) as error:
            self.fail(str(error), param, ctx)


def _option(setting: Setting):
    """The Click option of a setting (voicecoach/settings.py's table): --NAME, its default shown."""
    if setting.kind == "flag":
        return click.option(setting.option, setting.name, is_flag=True, help=setting.help)
    if setting.kind == "choice":
        # alone, --NAME is the first choice (--check-in: before and after)
        return click.option(setting.option, setting.name, type=click.Choice(setting.choices, case_sensitive=False),
                            default=setting.default, metavar=f"[{setting.metavar}]", is_flag=False,
                            flag_value=setting.choices[0], help=setting.help)
    return click.option(setting.option, setting.name, type=_Checked(setting), default=setting.default,
                        metavar=setting.metavar, help=setting.help)  # defaults shown: the group's show_default


def settings_options(command_name: str):
    """The options of every setting the command takes (voicecoach.settings.settings_of), in the
    table's order; the command receives them as one frozen Settings, `settings`."""
    taken = settings_of(command_name)

    def decorate(command):
        @functools.wraps(command)
        def with_settings(*args, **kwargs):
            given = {setting.field: kwargs.pop(setting.name) for setting in taken}
            for setting in taken:  # --no-NAME gives the choice it stands for
                if setting.negative is not None and kwargs.pop(f"no_{setting.name}"):
                    given[setting.field] = setting.negative
            return command(*args, settings=Settings(**given), **kwargs)

        for setting in reversed(taken):
            if setting.negative is not None:
                with_settings = click.option(f"--no-{setting.option[2:]}", f"no_{setting.name}", is_flag=True,
                                             help=f"The same as {setting.option} {setting.negative}.")(with_settings)
            with_settings = _option(setting)(with_settings)
        return with_settings

    return decorate


def _typed(settings: Settings) -> dict[str, Any]:
    """The settings the user typed on this command line (not defaults, not the settings file)."""
    from click.core import ParameterSource

    ctx = click.get_current_context()
    return {BY_NAME[name].field: getattr(settings, BY_NAME[name].field) for name in ctx.params
            if name in BY_NAME and ctx.get_parameter_source(name) == ParameterSource.COMMANDLINE}


from_option = click.option("--from", "start_at", metavar="EXERCISE",
                           help="Start at this exercise: its number, or its name or any word of it.")
only_option = click.option("--only", multiple=True, metavar="EXERCISE",
                           help="Only this exercise (number, name or a word of it); repeat for more.")


def _chosen(program_spec: str, only: tuple[str, ...], start_at: str | None = None, as_today: bool = False):
    """The program with only the chosen exercises (--only), from the one --from names on; with
    as_today, without what play leaves out today because it hurt before (said on stderr)."""
    chosen = select_exercises(resolve_program(program_spec), only)
    if as_today:
        from voicecoach.play import today

        chosen, left = today(program_spec, chosen)
        for item in left:
            click.echo(f"Note: as today, {item.name} is left out (it hurt last time; play --include takes it back).",
                       err=True)
        if not chosen.exercises:
            raise OptionError("every exercise is left out today because it hurt before; play --include NAME "
                              "takes one back")
    return exercises_from(chosen, start_at)


as_today_option = click.option("--as-today", is_flag=True,
                               help="The session as play would play it today: without the exercises that hurt "
                               "last time (see 'voicecoach history').")


def _speech(settings: Settings, language: str):
    """Speech in the session's language (session.speech_for), saying on stderr when the voice is
    another engine's."""
    speech, note = speech_for(settings, language)
    if note:
        click.echo(f"Note: {note}.", err=True)
    return speech


class _Group(click.Group):
    """Runs Click non-standalone so that every failure becomes one line on stderr."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):  # type: ignore[override]
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.exceptions.Abort:  # Click's form of Ctrl-C
            sys.exit(ExitStatus.INTERRUPTED)
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


@click.group(cls=_Group, invoke_without_command=True,
             context_settings={"help_option_names": ["-h", "--help"], "show_default": True},
             epilog="\b\nExit codes:\n" + "\n".join(f"  {code.value:<4} {code.meaning}" for code in ExitStatus))
@click.version_option(__version__, prog_name="voicecoach")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """An eyes-free exercise coach: compiles an exercise program into a spoken, timed session.

    PROGRAM is a built-in name (beginning, intermediate, advanced) or a path to your own YAML file.
    """
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())
    elif ctx.invoked_subcommand != "config":  # config must work to mend a broken settings file
        from voicecoach.config import default_map, read_settings

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
@settings_options("list")
@estimate_option
def list_programs(paths: tuple[str, ...], settings: Settings, estimate: bool) -> None:
    """List programs with their exercises and length at the normal pace: the built-in ones, or
    the program files and folders of programs given.

    A length is measured where the program's speech is cached (it has been played, shown or
    exported), else estimated, marked ~: listing never waits for synthesis.
    """
    speech = None
    if not estimate:
        with contextlib.suppress(EngineMissing):
            speech = make_speech(settings)
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
    from voicecoach.config import load_settings

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
@click.option("--plan", "of_plan", is_flag=True, help="The plan format's schema instead (docs/plan-format.md).")
def schema(of_plan: bool) -> None:
    """Print the JSON Schema of the program format (or, with --plan, of the plan format), for editors.

    Save it beside your programs (voicecoach schema > program.schema.json) and put this first line
    in a program file: "# yaml-language-server: $schema=program.schema.json". An editor with YAML
    support (VS Code with the YAML extension, for one) then underlines mistakes and completes keys.
    """
    from voicecoach.schema import schema_text

    click.echo(schema_text(plan=of_plan), nl=False)


@cli.command()
@click.argument("program")
@settings_options("show")
@from_option
@only_option
@as_today_option
@estimate_option
@click.option("--json", "as_json", is_flag=True, help="Print the script as JSON (docs/script-json.md).")
def show(program: str, settings: Settings, start_at: str | None, only: tuple[str, ...], as_today: bool,
         estimate: bool, as_json: bool) -> None:
    """Print the compiled session script of PROGRAM, one event a line, and its length.

    Speech lengths are measured by synthesizing each line (cached), so the times are exactly those
    of 'voicecoach export' and 'play' with the same options.
    """
    script = _script(_chosen(program, only, start_at, as_today), settings, estimate)
    click.echo(script_to_json(script) if as_json else script_to_text(script), nl=False)


@cli.command()
@click.argument("program")
@click.option("-o", "--output", "output_name", required=True, metavar="FILE",
              help="The audio file to write: .wav, .mp3, .flac or .ogg.")
@settings_options("export")
@from_option
@only_option
@as_today_option
@click.option("--subtitles", is_flag=True, help="Also write every spoken line to a WebVTT file beside it (.vtt).")
def export(program: str, output_name: str, settings: Settings, start_at: str | None, only: tuple[str, ...],
           as_today: bool, subtitles: bool) -> None:
    """Export the session of PROGRAM as an audio file with tags and one chapter per exercise."""
    if not output_name.strip():
        raise OptionError("-o needs a file name, such as session.mp3")
    output = Path(output_name)  # checked by check_target, not click.Path (its os.stat fails on NUL)
    format_for(output)
    check_target(output)
    started = _now()
    chosen = _chosen(program, only, start_at, as_today)
    options = session_options(chosen, settings)
    speech = _speech(settings, options.language)
    from voicecoach.music import music_bed  # numpy and soundfile: only for the commands that sound

    bed, note = music_bed(settings, speech)  # a bad music file is one line before anything is made
    if note:  # the cache had no room for it (a full or read-only disk): it plays all the same
        click.echo(f"Note: {note}", err=True)
    session = prepare_session(chosen, options, speech)
    try:
        with stop_signals_interrupt():
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
    from voicecoach.history import HistoryError, record, session_record

    count = len(chosen.exercises)
    try:  # the history never fails an export: said in one line
        record(session_record(program, chosen, settings, only, kind="export", started=started, ended=_now(),
                              ending="exported", exercises=count, start_index=0, completed=count, place="closing",
                              position_ms=session.script.duration_ms, length_ms=session.script.duration_ms,
                              listened_ms=0, output=str(Path(result.path).resolve())))
    except HistoryError as error:
        click.echo(f"Note: this session is not in your history ({error}).", err=True)


def _now():
    from datetime import datetime

    return datetime.now().astimezone()


def _environment(ctx: click.Context):
    """The outside world for a command: the one a test gave (CliRunner's obj), or this machine's."""
    from voicecoach.environment import Environment

    given = ctx.find_root().obj
    return given["environment"] if isinstance(given, dict) and "environment" in given else Environment.real()


@cli.command()
@click.argument("program", required=False)
@settings_options("play")
@from_option
@only_option
@click.option("--resume", is_flag=True,
              help="Go on from where your last session stopped, with its program and settings (options "
              "given with it win); with PROGRAM, the last session of that program.")
@click.option("--include", multiple=True, metavar="EXERCISE",
              help="Do this exercise today although it hurt last time (it is left out otherwise); repeat for more.")
@click.option("--quiet", is_flag=True, help="No live display.")
@click.pass_context
def play(ctx: click.Context, program: str | None, settings: Settings, start_at: str | None, only: tuple[str, ...],
         resume: bool, include: tuple[str, ...], quiet: bool) -> None:
    """Play the session of PROGRAM aloud.

    With no PROGRAM, your plan's ('voicecoach plan'): what is due, and the plan's suggestion said
    first (your yes, y or play, moves the level; ask your physical therapist first).

    Keys while playing: space pauses and resumes, n skips to the next exercise, p restarts the
    current one (twice: the previous one), h it hurts, q quits. Ctrl-C stops and prints how to go
    on. Before and after the session it asks how your back is (--check-in); an exercise that hurt
    is left out next time unless you take it back. Every session is recorded in your history
    ('voicecoach history').
    """
    from dataclasses import replace

    from voicecoach.history import FAILED, FINISHED, HURT, INTERRUPTED
    from voicecoach.play import PlayRequest, resume_request
    from voicecoach.play import play as play_session

    env = _environment(ctx)
    if resume:
        if start_at is not None or only:
            raise click.UsageError("--resume goes on where the session stopped: it takes no --from or --only")
        request = resume_request(program, _typed(settings), env, display=not quiet)
    elif program is None:
        where = _standing()  # play with no program plays the plan's
        if where is None:
            raise click.UsageError("Missing argument 'PROGRAM' (or --resume, to go on with your last session, or "
                                   "'voicecoach plan start', to have a plan say what is due).")
        if not where.due.today:
            click.echo(f"Note: {where.due.reason} Playing it anyway.", err=True)
        if where.suggestion.kind != "none":
            click.echo(f"Your plan suggests: {where.suggestion.reason}", err=True)
        chosen = select_exercises(resolve_program(where.program), only)
        start_index = find_exercise(chosen, start_at) if start_at is not None else None
        request = PlayRequest(spec=where.program, program=chosen, settings=settings, only=only,
                              start_index=start_index, display=not quiet,
                              standing=where if not only and start_at is None else None)
    else:
        chosen = select_exercises(resolve_program(program), only)
        start_index = find_exercise(chosen, start_at) if start_at is not None else None
        request = PlayRequest(spec=program, program=chosen, settings=settings, only=only, start_index=start_index,
                              display=not quiet)
    names = [request.program.exercises[find_exercise(request.program, spec)].name for spec in include]
    # Without a sound device: the same session (every option given, the same exercises) as a file.
    request = replace(request, include=tuple(names),
                      export_hint=" ".join(_again("export", request, request.start_index) + ["-o session.mp3"]))
    outcome = play_session(request, env)
    if outcome.ending == INTERRUPTED:
        click.echo(_resume_hint(request, outcome), err=True)
        sys.exit(ExitStatus.INTERRUPTED)
    if outcome.ending == FAILED:  # the device or the engine failed once the session was heard
        _fail(f"{outcome.error}. {_resume_hint(request, outcome)}", outcome.error.exit_code)
    if outcome.reopened:
        click.echo(f"Note: the audio output stopped {_times(outcome.reopened)} and was opened again; "
                   "the line it cut was said again.", err=True)
    if outcome.ending == FINISHED:
        done = outcome.exercises_completed
        click.echo(f"Done: {request.program.title}, {format_length(outcome.listened_ms)}, "
                   f"{done} exercise{'' if done == 1 else 's'}{_pain_words(outcome)}.")
    elif outcome.ending == HURT and outcome.hurt is not None:
        hurt = outcome.hurt
        click.echo(f"Stopped for pain at {format_length(outcome.position_ms)}, in exercise {hurt.index + 1} "
                   f"({hurt.name}){_pain_words(outcome)}. Next time it is left out (--include to take it back). "
                   "If the pain does not settle, contact your doctor or physical therapist.")
    else:
        click.echo(_resume_hint(request, outcome))


def _pain_words(outcome) -> str:
    """The pain answers, as the session's last line says them: '; pain 3 -> 2'."""
    before, after = outcome.check_in.before, outcome.check_in.after
    if before is None and after is None:
        return ""
    return f"; pain {'-' if before is None else before} -> {'-' if after is None else after}"


def _resume_hint(request, outcome) -> str:
    """Where the session stopped, and the command that goes on from there."""
    played = outcome.program or request.program  # today's session: without what hurt before
    position, index = outcome.position_ms, outcome.stopped_index
    words = [f"{invoked_as()} play --resume"]
    if not outcome.recorded:  # the history does not have it: the whole command instead
        names = [exercise.name for exercise in request.program.exercises]
        words = _again("play", request, None if index is None else names.index(played.exercises[index].name))
    if outcome.at_end:
        return f"Stopped at {format_length(position)}, at the very end."
    if index is None:
        return f"Stopped at {format_length(position)}, before the first exercise. To start again: {' '.join(words)}"
    count, name = len(played.exercises), played.exercises[index].name
    return (f"Stopped at {format_length(position)}, in exercise {index + 1} of {count} ({name}). "
            f"To go on from there: {' '.join(words)}")


def _again(verb: str, request, index: int | None) -> list[str]:
    """The words of a command that makes the same session again (play or export), from exercise
    `index` of the chosen ones, if given: every option the user gave, in their own form."""
    words = [f"{invoked_as()} {verb} {shlex.quote(request.spec)}", *request.settings.arguments()]
    words += [f"--only {shlex.quote(name)}" for name in request.only]
    if index is not None:
        name = request.program.exercises[index].name
        words.append(f"--from {shlex.quote(name) if request.only else index + 1}")
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
    """Check what a session needs (speech, audio output, cache, cues), and what hands-free play needs
    (media keys, a microphone, the speech recognizer), and how to fix each problem.

    Exit code 0 when a session can play, 1 when it cannot.
    """
    from voicecoach.doctor import can_play, env_note, listening, run_checks

    checks = run_checks()
    for check in checks:
        label = "ok     " if check.ok else "note   " if check.note else "PROBLEM"
        click.echo(f"{label}  {check.name}: {check.detail}")
        if check.fix and not check.ok:
            click.echo(f"         {'to have them' if check.note else 'fix'}: {check.fix}")
    note = env_note()
    if note:
        click.echo(f"         note: {note}")
    click.echo(listening(checks))
    if can_play(checks):
        click.echo("A session can play.")
    else:
        click.echo("A session cannot play until the problems above are fixed.")
        sys.exit(1)


@cli.command()
@click.argument("recording", required=False, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--language", "language", default=None, metavar="TAG",
              help="The language of the words listened for [default: the session script's, or en].")
@click.option("--session", "session_file", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="The session's script (show --json), aligned with the recording's start: its own voice is "
                   "not taken for the listener's, as play does.")
@click.option("--json", "as_json", is_flag=True, help="One JSON list of {time, command} and {time, answer} "
              "(docs/listen-json.md).")
def listen(recording: Path | None, language: str | None, session_file: Path | None, as_json: bool) -> None:
    """Print every spoken command and answer heard in RECORDING (a WAV, FLAC or OGG file), with its time.

    Without RECORDING: listen to the microphone and print what it hears until Ctrl-C (a microphone
    check). Needs voicecoach[listen] (scripts/setup.sh installs it).
    """
    import json

    from voicecoach.commands import vocabulary
    from voicecoach.hearing import everything, hear, listen_live, read_recording, said_in_script
    from voicecoach.phrasebook import find_phrasebook
    from voicecoach.recognizers import create_recognizer

    said: list = []
    if session_file is not None:
        script_language, said = said_in_script(session_file)
        language = language or script_language
    book = find_phrasebook(language or "en")
    words = vocabulary(book)
    recognizer = create_recognizer()
    if recording is not None:
        samples = read_recording(recording, recognizer.sample_rate_hz)
        found = hear(samples, recognizer, words, everything(), book.language, said)
        if as_json:
            click.echo(json.dumps([item.to_json() for item in found]))
        else:
            for item in found:
                meaning = item.to_json()
                click.echo(f"{meaning['time']:8.2f} s  {meaning.get('command', meaning.get('answer'))}")
            click.echo(f"{len(found)} heard in {recording}.", err=True)
        return
    from voicecoach.microphone import Microphone

    recognizer.load()  # before "Listening": a damaged model is said first
    with Microphone() as microphone:
        click.echo(f"Listening ({book.name}): say pause, next, it hurts, a number... Ctrl-C stops.", err=True)

        def heard(heard, understood) -> None:
            if as_json:
                click.echo(json.dumps(understood.to_json() if understood else {"time": round(heard.end_s, 2),
                                                                                "heard": heard.text}))
                return
            meaning = understood.to_json() if understood else {}
            name = meaning.get("command", meaning.get("answer", "-"))
            click.echo(f"{heard.end_s:8.2f} s  {str(name):<8} heard: {heard.text!r}")

        try:
            listen_live(microphone, recognizer, words, book.language, heard)
        except KeyboardInterrupt:
            click.echo("Stopped listening.", err=True)


@cli.command()
@_option(BY_NAME["engine"])
@click.option("--language", metavar="TAG", default=None, help="Only the voices that speak this language (de, es-MX).")
def voices(engine: str | None, language: str | None) -> None:
    """List every installed engine's voices (an ID goes to --voice); * marks the one sessions use.

    A language instead of an ID (--voice de) picks the best voice for it.
    """
    from voicecoach.engines import (
        add_voice_hint,
        default_engine_name,
        engine_type,
        installed_engines,
        voices_for,
    )

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

    phrases, music_dir = PhraseCache(phrase_cache_dir()), music_cache_dir()
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
@click.option("--json", "as_json", is_flag=True,
              help="The sessions and the summary as JSON, for other tools (docs/history-json.md).")
@click.option("--pain", "pain_chart", is_flag=True,
              help="A chart of your pain before and after each session of the last weeks.")
@click.option("--weeks", type=click.IntRange(min=1, max=52), default=None, metavar="N",
              help="With --pain: how many weeks the chart looks back.  [default: 4]")
def history(limit: int, as_json: bool, pain_chart: bool, weeks: int | None) -> None:
    """Your sessions, the newest first (every play, however it ended, every export and every
    session you logged), with your pain before -> after, and how you are keeping it up: days in a
    row, sessions and minutes this week and last week.

    A play counts as a session once an exercise was done in it; one that went on with
    'play --resume' counts once with the session it continued; a logged one always counts.
    """
    import json

    from voicecoach.history import (
        CHART_WEEKS,
        history_path,
        read_sessions,
        summary,
        summary_lines,
        table,
    )
    from voicecoach.history import pain_chart as chart

    if pain_chart and as_json:
        raise click.UsageError("--pain draws a chart, --json gives the data (each session's check_in): one or the other")
    if weeks is not None and not pain_chart:
        raise click.UsageError("--weeks goes with --pain (the chart's weeks)")
    entries, unreadable = read_sessions()
    if unreadable:
        click.echo(f"Note: {unreadable} row{' of the history could' if unreadable == 1 else 's of the history could'} "
                   f"not be read (a bad date or value) and {'is' if unreadable == 1 else 'are'} left out; "
                   f"the others are all here ({history_path()}).", err=True)
    now = _now()
    if pain_chart:
        weeks = weeks or CHART_WEEKS
        nothing = (f"No pain ratings in the last {weeks} week{'' if weeks == 1 else 's'}: a session with a "
                   f"check-in keeps them, and so does '{invoked_as()} log PROGRAM --pain-before N --pain-after N'.")
        for line in chart(entries, now, weeks, width=shutil.get_terminal_size().columns) or [nothing]:
            click.echo(line)
        return
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


class _Answer(click.ParamType):
    """An answer as typed (a pain rating, the next morning, a day), checked by the rule that owns
    its words (voicecoach/checkin.py, history.check_day): a refusal names the option and what it takes."""

    def __init__(self, name: str, check) -> None:
        self.name = name
        self.check = check

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if not isinstance(value, str):
            return value
        try:
            return self.check(value)
        except OptionError as error:
            self.fail(str(error), param, ctx)


def _pain_answer(text: str) -> int:
    from voicecoach.checkin import check_pain

    words = text.strip()
    digits = words.removeprefix("-")  # -1 is a whole number, refused for its scale, not its form
    return check_pain(int(words) if digits.isascii() and digits.isdigit() else text)


def _next_morning_answer(text: str) -> str:
    from voicecoach.checkin import check_next_morning

    return check_next_morning(text.strip().lower())


def _day_answer(text: str):
    from voicecoach.history import check_day

    return check_day(text, _now().date())


@cli.command()
@click.argument("program")
@click.option("--pain-before", type=_Answer("N", _pain_answer), required=True, metavar="0-10",
              help="Your pain before the session: 0 no pain, 10 the worst.")
@click.option("--pain-after", type=_Answer("N", _pain_answer), required=True, metavar="0-10",
              help="Your pain after it.")
@click.option("--next-morning", type=_Answer("better|same|worse", _next_morning_answer), metavar="better|same|worse",
              help="How your back was the morning after (a session of an earlier day, with --date).")
@click.option("--hurt", metavar="EXERCISE",
              help="The exercise that hurt, where you stopped: its number, or its name or any word of it.")
@click.option("--date", "day", type=_Answer("YYYY-MM-DD", _day_answer), metavar="YYYY-MM-DD",
              help="The day you did it, today or before.  [default: now]")
def log(program: str, pain_before: int, pain_after: int, next_morning: str | None, hurt: str | None, day) -> None:
    """Record a session you did with an exported file (on a phone, on a walk), which could not ask
    you: your pain before and after, and what hurt. It counts in your history like a session played.

    The whole program was done, unless --hurt says where you stopped for pain. Its length is
    measured where the program's speech is cached, else estimated, with your settings' pace.
    A day before today gets the time of day you log it at, so that the logs of one day keep their order.
    """
    from voicecoach.config import load_settings
    from voicecoach.errors import EngineError
    from voicecoach.history import logged_record, pain_text, record

    chosen = resolve_program(program)
    ctx = click.get_current_context()
    hurt_index = None
    if hurt is not None:
        try:
            hurt_index = find_exercise(chosen, hurt)
        except OptionError as error:
            raise click.BadParameter(str(error), ctx=ctx, param_hint="'--hurt'") from None
    now = _now()
    if next_morning is not None and (day is None or day == now.date()):
        raise click.BadParameter("the morning after today's session is tomorrow's; give it for a session of an "
                                 "earlier day (with --date), or the next session asks", ctx=ctx,
                                 param_hint="'--next-morning'")
    settings = Settings(**{BY_NAME[name].field: value for name, value in load_settings().items()})
    options = session_options(chosen, settings)
    script, about = None, "~"  # as list does: measured where the cache has every line, never synthesized
    with contextlib.suppress(EngineError):
        speech = make_speech(settings)
        if all(speech.ready(line) for line in spoken_lines(chosen, options)):
            script, about = prepare_session(chosen, options, speech).script, ""
    if script is None:
        script = compile_script(chosen, options, Estimate(rate_wpm=settings.rate_wpm))
    entry = logged_record(program, chosen, settings, length_ms=script.duration_ms,
                          exercise_starts_ms=[start for _, start in script.exercise_starts()], now=now, day=day,
                          pain_before=pain_before, pain_after=pain_after, next_morning=next_morning,
                          hurt_index=hurt_index)
    record(entry)  # a history that cannot be written is this command's failure: one line, exit 1
    count = len(chosen.exercises)
    done = (f"stopped for pain in exercise {hurt_index + 1} ({chosen.exercises[hurt_index].name})"
            if hurt_index is not None else f"the whole program ({count} exercise{'' if count == 1 else 's'})")
    when = entry.started.astimezone(now.tzinfo).strftime("%a %d %b %H:%M")
    morning = f", the morning after {next_morning}" if next_morning else ""
    click.echo(f"Logged: {chosen.title}, {when}, {done}, {about}{format_length(entry.listened_ms)}; "
               f"pain {pain_text(entry)}{morning}.")


def _plain(value: Any) -> Any:
    from dataclasses import asdict

    return asdict(value)


@cli.group(invoke_without_command=True)
@click.pass_context
def config(ctx: click.Context) -> None:
    """Your settings: the defaults of every command's options (an option given on the command line
    always wins). Without a subcommand: every setting, its value and where it comes from."""
    from voicecoach.config import read_settings, settings_path
    from voicecoach.settings import SETTINGS

    if ctx.invoked_subcommand is not None:
        return
    settings_file, path = read_settings(), settings_path()
    values = settings_file.values
    click.echo(f"Settings file: {path}{'' if path.exists() else ' (not written yet)'}")
    width = max(len(name) for name in [*BY_NAME, *settings_file.unknown])
    for setting in SETTINGS:
        name = setting.name
        if name in values:
            value, source = _setting_text(values[name]), "set"
        else:
            default = setting.default
            value, source = f"({setting.none_means})" if default is None else _setting_text(default), "default"
        click.echo(f"  {name:<{width}}  {value:<16}  {source:<7}  {setting.about}")
    for name in settings_file.unknown:
        click.echo(f"  {name:<{width}}  {'':<16}  {'unknown':<7}  not a setting, left out; "
                   f"'{invoked_as()} config unset {name}' removes it")


def _setting_text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else f"{value:g}" if isinstance(value, float) else str(value)


@config.command("get")
@click.argument("key")
def config_get(key: str) -> None:
    """Print one setting's value (exit 1 when it is not set)."""
    from voicecoach.config import check_key, load_settings

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
    from voicecoach.config import check_value, set_setting

    checked = check_value(key, value, "config set")
    click.echo(f"{key} = {_setting_text(checked)} (in {set_setting(key, checked)})")


@config.command("unset")
@click.argument("key")
def config_unset(key: str) -> None:
    """Remove one setting, or any other key the file has: its option's own default applies again."""
    from voicecoach.config import check_key, settings_path, unset_setting

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
    from voicecoach.config import reset_settings, settings_path

    backup = reset_settings()
    if backup is None:
        click.echo(f"No settings to reset ({settings_path()} is not written yet)")
        return
    click.echo(f"Settings reset: every option has its own default again (the old file is {backup})")


@config.command("path")
def config_path() -> None:
    """Print where the settings file is (it need not exist yet)."""
    from voicecoach.config import settings_path

    click.echo(str(settings_path()))


# --- the plan: what is due, when to move on (voicecoach/plan.py, voicecoach/progress.py) ---------


def _standing():
    from voicecoach.progress import standing

    return standing(_now())


@cli.group("plan", invoke_without_command=True)
@click.option("--json", "as_json", is_flag=True, help="Where you are, as JSON for other tools (docs/plan-json.md).")
@click.pass_context
def plan_command(ctx: click.Context, as_json: bool) -> None:
    """Your plan: which program you are at, whether a session is due today, and what the plan's
    rules suggest (move on, stay, or step back), with the reason. A suggestion is never a decision:
    only your yes at the start of a session, or 'plan advance' / 'plan step-back', changes the level.
    Ask your doctor or physical therapist before you move on, and when the plan says step back.
    """
    import json

    if ctx.invoked_subcommand is not None:
        if as_json:
            raise click.UsageError("--json goes with 'voicecoach plan' alone")
        return
    where = _standing()
    if where is None:
        reason = f"No plan yet: '{invoked_as()} plan start' begins the built-in one (beginning, intermediate, advanced)."
        if as_json:
            click.echo(json.dumps({"plan": None, "program": None, "due_today": False, "suggestion": "none",
                                   "next": None, "reason": reason}, indent=2))
        else:
            click.echo(reason)
        return
    if as_json:
        click.echo(json.dumps(where.to_json(), indent=2, ensure_ascii=False))
        return
    for line in _standing_lines(where):
        click.echo(line)


def _standing_lines(where) -> list[str]:
    level = where.plan.levels[where.level]
    since = where.progress.since
    lines = [f"Plan: {where.plan.title}",
             f"Level {where.level + 1} of {len(where.plan.levels)}: {level.title} ({level.program}), since "
             f"{since.strftime('%a')} {since.day} {since.strftime('%b %Y')}; {level.schedule.describe()}, at least "
             f"{level.weeks} week{'' if level.weeks == 1 else 's'}.",
             f"Today: {where.due.reason}"]
    suggestion = where.suggestion
    label = {"advance": "move on", "stay": "stay", "step-back": "step back", "none": "none yet"}[suggestion.kind]
    lines.append(f"Suggestion: {label}. {suggestion.reason}")
    if suggestion.kind == "advance":
        lines.append(f"To move on: '{invoked_as()} plan advance', or say yes at the start of your next session.")
    elif suggestion.kind == "step-back" and suggestion.next is not None:
        lines.append(f"To step back: '{invoked_as()} plan step-back', or say yes at the start of your next session.")
    return lines


@plan_command.command("start")
@click.argument("plan_spec", required=False, metavar="[PLAN]")
@click.option("--level", "level_spec", metavar="PROGRAM", default=None,
              help="Begin at this level (its program's name or number) instead of the first.")
def plan_start(plan_spec: str | None, level_spec: str | None) -> None:
    """Begin a plan: the built-in one (the source's beginning, intermediate and advanced programs,
    three days a week), or your own plan file (docs/plan-format.md). A plan you had is replaced;
    your history stays as it is."""
    from voicecoach.plan import resolve_plan
    from voicecoach.progress import Progress, ProgressError, read_progress, set_aside, write_progress

    plan = resolve_plan(plan_spec)
    index = 0
    if level_spec is not None:
        wanted = level_spec.strip().lower()
        names = [level.program for level in plan.levels]
        matches = [i for i, level in enumerate(plan.levels)
                   if wanted in (str(i + 1), level.program.lower(), Path(level.program).stem.lower())]
        if not matches:
            raise click.BadParameter(f"the plan has no level '{shown(level_spec)}'; its levels are "
                                     + ", ".join(f"{i + 1} {Path(name).stem}" for i, name in enumerate(names)),
                                     param_hint="'--level'")
        index = matches[0]
    note = None
    try:
        read_progress()
    except ProgressError as error:
        if "newer voicecoach" in str(error):
            raise
        kept = set_aside()
        note = f"the plan file could not be read; it is kept as {kept}"
    today = _now().date()
    program = plan.levels[index].program
    progress = Progress(plan=plan.name, program=program, since=today).moved("start", program, today)
    path = write_progress(progress)
    if note:
        click.echo(f"Note: {note}.", err=True)
    level = plan.levels[index]
    click.echo(f"Started: {plan.title}, at level {index + 1} of {len(plan.levels)}: {level.title}, "
               f"{level.schedule.describe()}. '{invoked_as()} play' plays what is due; '{invoked_as()} plan' says "
               f"where you are. (Kept in {path}.)")


def _move(kind: str) -> None:
    from voicecoach.progress import write_progress

    where = _standing()
    if where is None:
        _fail(f"no plan yet: '{invoked_as()} plan start' begins one", ExitStatus.FAILED)
    step = 1 if kind == "advance" else -1
    target = where.level + step
    if not 0 <= target < len(where.plan.levels):
        edge = "last" if step > 0 else "first"
        _fail(f"{where.plan.levels[where.level].title} is the {edge} level of {where.plan.title}; nothing was "
              "changed", ExitStatus.FAILED)
    level = where.plan.levels[target]
    write_progress(where.progress.moved(kind, level.program, _now().date()))
    advice = ("" if step > 0 else " If the pain does not settle, contact your doctor or physical therapist.")
    click.echo(f"Now at level {target + 1} of {len(where.plan.levels)}: {level.title}.{advice}")


@plan_command.command("advance")
def plan_advance() -> None:
    """Move to the plan's next level (your decision: ask your physical therapist first)."""
    _move("advance")


@plan_command.command("step-back")
def plan_step_back() -> None:
    """Go back to the plan's previous level."""
    _move("step-back")


@plan_command.command("stop")
def plan_stop() -> None:
    """Leave the plan ('play' then needs a program again); your history stays as it is."""
    from voicecoach.progress import progress_path, remove_progress

    if remove_progress():
        click.echo(f"Plan stopped ({progress_path()} removed); your history is kept.")
    else:
        click.echo("There was no plan to stop.")


def _time_answer(text: str):
    from voicecoach.remind import check_time

    return check_time(text)


def _days_answer(text: str):
    from voicecoach.remind import check_days

    return check_days(text)


@cli.command()
@click.option("--at", "at", type=_Answer("HH:MM", _time_answer), metavar="HH:MM",
              help="The time of day to be reminded (24-hour clock).")
@click.option("--days", type=_Answer("DAYS", _days_answer), metavar="mon,wed,fri",
              help="The days: by default the days your plan has sessions on (every day for '3 days a week': "
              "the reminder comes only while the week's sessions are not done).")
@click.option("--ics", "ics_file", type=click.Path(path_type=Path, dir_okay=False), metavar="FILE",
              help="Write a calendar file (.ics) with the reminder instead, to import into a phone's calendar.")
@click.option("--off", is_flag=True, help="Remove the reminder.")
@click.option("--list", "list_it", is_flag=True, help="Say which reminder is set.")
@click.option("--notify", is_flag=True, hidden=True,
              help="Send today's notification, if a session is due (what the reminder's timer runs).")
def remind(at, days, ics_file: Path | None, off: bool, list_it: bool, notify: bool) -> None:
    """A reminder on the days a session is due: a desktop notification from a systemd user timer
    (voicecoach-reminder.timer, written and enabled here), or, with --ics, or where there is no
    systemd user session, a calendar file to import into your phone's calendar."""
    from voicecoach.remind import (
        RemindError,
        Reminder,
        calendar_bytes,
        current,
        remove_timer,
        set_timer,
        unit_dir,
        user_systemd,
    )
    from voicecoach.remind import notify as send

    chosen = [name for name, given in (("--off", off), ("--list", list_it), ("--notify", notify)) if given]
    if len(chosen) > 1 or (chosen and (at is not None or days or ics_file)):
        raise click.UsageError(f"{chosen[0]} goes alone" if chosen else "one of --off, --list, --notify")
    if list_it:
        calendar = current()
        click.echo(f"Reminder: {calendar} (systemd user timer, {unit_dir()}/voicecoach-reminder.timer)." if calendar
                   else "No reminder is set (a calendar file written with --ics is in your calendar, not here).")
        return
    if off:
        click.echo("Reminder removed." if remove_timer() else "No reminder was set.")
        return
    where = _standing()
    if notify:
        if where is not None and not where.due.today:
            return  # nothing due today: no notification
        title = "Time for your back exercises"
        body = (f"{where.plan.levels[where.level].title} is due today. 'voicecoach play' plays it." if where else
                "'voicecoach play beginning' plays a session.")
        if where is not None and where.suggestion.kind != "none":
            body += f" {where.suggestion.reason}"
        send(title, body)
        return
    if at is None:
        raise click.UsageError("give the time with --at HH:MM (or --off, --list)")
    if not days:
        level = where.plan.levels[where.level] if where is not None else None
        days = level.schedule.days() if level is not None else tuple(range(7))
    reminder = Reminder(at=at, days=days)
    if ics_file is None:
        why_not = user_systemd()
        if why_not is not None:
            _fail(f"{why_not}, so no timer can remind you; write a calendar file to import instead: "
                  f"{invoked_as()} remind --at {at.strftime('%H:%M')} --ics reminder.ics", ExitStatus.FAILED)
        try:
            timer = set_timer(reminder)
        except RemindError as error:
            _fail(str(error), ExitStatus.FAILED)
        click.echo(f"Reminder set: {reminder.describe()}, a desktop notification when a session is due, from the "
                   f"systemd user timer {timer} ('{invoked_as()} remind --off' removes it).")
        return
    from voicecoach.export import check_target
    from voicecoach.files import write_atomic

    if ics_file.suffix.lower() != ".ics":
        raise click.BadParameter(f"{ics_file}: a calendar file ends in .ics", param_hint="'--ics'")
    check_target(ics_file)
    program = where.plan.levels[where.level].title if where is not None else "your back exercises"
    data = calendar_bytes(reminder, "Back exercises: voicecoach", f"Time for {program}: 'voicecoach play' "
                          "plays what your plan has due.", _now().date())
    try:
        write_atomic(ics_file, data)
    except OSError as error:
        _fail(f"{ics_file}: cannot write it: {error.strerror or error}", ExitStatus.FAILED)
    click.echo(f"Calendar written: {ics_file}, a reminder {reminder.describe()}; import it into your phone's or "
               "computer's calendar.")


# --- for the clinician: the program on paper, the report, FHIR (handout.py, report.py, paper.py, fhir.py)


def _paper_target(output_name: str, kinds: dict[str, str], what: str) -> tuple[Path, str]:
    """The file to write and its kind, by its extension; one line (exit 2) for an unknown one."""
    from voicecoach.export import check_target

    if not output_name.strip():
        raise OptionError(f"-o needs a file name, such as {what}")
    output = Path(output_name)
    if output.is_dir():
        raise VoicecoachError(f"{output}: this is a folder; give a file name such as {output / what}")
    kind = kinds.get(output.suffix.lower())
    if kind is None:
        raise OptionError(f"{output}: write {' or '.join(sorted(set(kinds)))}, not "
                          f"'{shown(output.suffix) if output.suffix else 'a file with no extension'}'")
    check_target(output)
    return output, kind


@cli.command()
@click.argument("program")
@click.option("-o", "--output", "output_name", required=True, metavar="FILE",
              help="The file to write: .pdf (to print) or .html (a page).")
@click.option("--audio", "audio_url", metavar="URL",
              help="The QR code links to this address of the exported session (else it holds the play command).")
@click.option("--paper", type=click.Choice(["a4", "letter"]), default="a4", help="The PDF's page size.")
def handout(program: str, output_name: str, audio_url: str | None, paper: str) -> None:
    """The program on paper, for the fridge or the clinician: its title, the safety advice, and each
    exercise with its starting position, steps, repetitions, holds, sides, set-up and reminders, in
    the program's language and large type, an exercise never split over two pages; a QR code plays
    it (or, with --audio, opens the exported session)."""
    from voicecoach.handout import handout as make_handout
    from voicecoach.paper import write_handout
    from voicecoach.phrasebook import find_phrasebook

    from voicecoach.paper import HANDOUT_FORMATS

    output, kind = _paper_target(output_name, HANDOUT_FORMATS, "handout.pdf")
    if audio_url is not None and not re.fullmatch(r"(https?|file)://\S+", audio_url.strip()):
        raise OptionError(f"--audio takes the address of the exported session (https://... or file://...), "
                          f"not '{shown(audio_url)}'")
    chosen = _chosen(program, ())
    try:
        book = find_phrasebook(chosen.language)
        sides = {side: book.side_word(side) for side in ("left", "right")}
    except VoicecoachError:
        sides = None  # the handout's own words for the sides
    document = make_handout(chosen, program, audio_url.strip() if audio_url else None, sides)
    with stop_signals_interrupt():
        write_handout(document, output, kind, paper)
    click.echo(f"Wrote {output}: {chosen.title}, {len(chosen.exercises)} exercise"
               f"{'' if len(chosen.exercises) == 1 else 's'}.")


@cli.command()
@click.option("-o", "--output", "output_name", metavar="FILE",
              help="The file to write: .pdf, .html, .csv (a row a session) or .json (as history --json); "
                   "- for the standard output. Without it, the report is printed here.")
@click.option("--format", "form", type=click.Choice(["pdf", "html", "csv", "json", "fhir", "text"]), default=None,
              help="What to write, when the file's extension does not say it; fhir: an HL7 FHIR R4 Bundle (JSON).")
@click.option("--since", "since_text", metavar="YYYY-MM-DD", help="Only the sessions on or after this day.")
@click.option("--program", "program_spec", metavar="PROGRAM", help="Only the sessions of this program.")
@click.option("--patient", metavar="NAME", help="Who the report is for: a name, or Patient/ID for FHIR.")
@click.option("--paper", type=click.Choice(["a4", "letter"]), default="a4", help="The PDF's page size.")
def report(output_name: str | None, form: str | None, since_text: str | None, program_spec: str | None,
           patient: str | None, paper: str) -> None:
    """What your clinician wants to see: sessions a week against what your plan asked, minutes, pain
    before and after over time (a chart), the next-morning answers, every stop for pain, the
    exercises left out, and your plan's level and suggestion. A report records and advises; it never
    diagnoses."""
    import json

    from voicecoach import paper as paper_module
    from voicecoach.history import check_day, history_path, program_key, read_sessions, summary
    from voicecoach.progress import standing
    from voicecoach.report import make_report, text_lines, to_csv

    now = _now()
    try:
        since = check_day(since_text, now.date()) if since_text is not None else None
    except OptionError as error:
        raise OptionError(f"--since: {error}") from None
    program = None
    if program_spec is not None:
        _chosen(program_spec, ())  # an unknown program is one line, as everywhere
        program = program_key(program_spec)
    to_stdout = output_name is None or output_name.strip() == "-"
    kinds = {**paper_module.REPORT_FORMATS}
    if to_stdout:
        output, kind = None, form or ("text" if output_name is None else "json")
        if kind in ("pdf", "html") and output_name == "-":
            raise OptionError(f"a {kind} report is written to a file: -o report.{kind}")
        if kind in ("pdf", "html"):
            raise OptionError(f"--format {kind} needs -o FILE (report.{kind})")
    else:
        if form is not None and form != "text":
            kinds = {Path(output_name).suffix.lower() or ".": form}
        output, kind = _paper_target(output_name, kinds, "report.pdf")
    entries, unreadable = read_sessions()  # a damaged history: one line (exit 1), nothing written
    try:
        where = standing(now, records=entries)  # the history read once
    except VoicecoachError as error:
        click.echo(f"Note: the plan is left out of the report ({error}).", err=True)
        where = None
    if unreadable:
        click.echo(f"Note: {unreadable} row{'' if unreadable == 1 else 's'} of the history could not be read and "
                   f"{'is' if unreadable == 1 else 'are'} left out ({history_path()}).", err=True)
    made = make_report(entries, now, since=since, program=program, standing=where, unreadable=unreadable)
    if kind == "text":
        for line in text_lines(made):
            click.echo(line)
        return
    if kind == "json":
        chosen_ids = {id(entry) for entry in made.sessions}
        data = {"file": str(history_path()), "summary": _plain(summary(list(made.sessions), now)),
                "sessions": [entry.to_json() for entry in entries if id(entry) in chosen_ids]}
        text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    elif kind == "csv":
        text = to_csv(made)
    elif kind == "fhir":
        from voicecoach.fhir import bundle

        # compact, as FHIR servers exchange it: a year of daily sessions stays under 1 MB (indented: 2.3 MB)
        text = json.dumps(bundle(made, patient), separators=(",", ":"), ensure_ascii=False) + "\n"
    if output is None:
        click.echo(text, nl=False)
        return
    with stop_signals_interrupt():
        if kind == "pdf":
            paper_module.write(output, lambda temporary: paper_module.report_pdf(made, temporary, patient, paper))
        elif kind == "html":
            paper_module.write_text(output, paper_module.report_html(made, patient))
        else:
            paper_module.write_text(output, text)
    what = "no sessions yet" if made.empty else f"{made.total_sessions} session{'' if made.total_sessions == 1 else 's'}"
    click.echo(f"Wrote {output}: {'FHIR R4 Bundle, ' if kind == 'fhir' else ''}{what}.")


# Examples at the end of each command's --help (a test fails if a command has none).
EXAMPLES = {
    "play": ["voicecoach play intermediate", "voicecoach play   # what your plan has due", "voicecoach play beginning --pace 0.8 --from 3",
             "voicecoach play my-neck.yaml --only 'chin tucks'", "voicecoach play intermediate --music calm.mp3",
             "voicecoach play beginning --no-check-in", "voicecoach play beginning --include 'heel slides'"],
    "show": ["voicecoach show intermediate", "voicecoach show advanced --json --only piriformis"],
    "export": ["voicecoach export beginning -o beginning.mp3", "voicecoach export intermediate --only 2 -o stretch.mp3 --subtitles",
               "voicecoach export beginning -o b.mp3 --music ~/Music/calm/"],
    "list": ["voicecoach list", "voicecoach list my-programs/"],
    "check": ["voicecoach check my-neck.yaml", "voicecoach check my-programs/"],
    "schema": ["voicecoach schema > program.schema.json", "voicecoach schema --plan > plan.schema.json"],
    "voices": ["voicecoach voices", "voicecoach voices --language de"],
    "cache": ["voicecoach cache", "voicecoach cache --clear"],
    "doctor": ["voicecoach doctor"],
    "listen": ["voicecoach listen", "voicecoach listen recording.wav",
               "voicecoach listen session.wav --session session.json --json   # session.json: show --json"],
    "history": ["voicecoach history", "voicecoach history --limit 0 --json", "voicecoach history --pain --weeks 8"],
    "log": ["voicecoach log beginning --pain-before 4 --pain-after 3",
            "voicecoach log beginning --pain-before 3 --pain-after 5 --hurt 'heel slides'",
            "voicecoach log intermediate --pain-before 2 --pain-after 2 --date 2026-11-24 --next-morning better"],
    "plan": ["voicecoach plan", "voicecoach plan start", "voicecoach plan start my-plan.yaml --level 2",
             "voicecoach plan --json", "voicecoach plan advance"],
    "remind": ["voicecoach remind --at 07:30", "voicecoach remind --at 18:00 --days mon,wed,fri",
               "voicecoach remind --at 07:30 --ics reminder.ics", "voicecoach remind --list", "voicecoach remind --off"],
    "handout": ["voicecoach handout beginning -o beginning.pdf", "voicecoach handout my-neck.yaml -o neck.html",
                "voicecoach handout intermediate -o i.pdf --audio https://example.org/intermediate.mp3 --paper letter"],
    "report": ["voicecoach report", "voicecoach report -o report.pdf --since 2026-09-01",
               "voicecoach report -o sessions.csv", "voicecoach report --format fhir -o bundle.json --patient Patient/123"],
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
