"""The `voicecoach` command: parses options, calls the core, prints, maps errors to exit codes."""

from __future__ import annotations

import sys
from typing import Any

import click

from voicecoach import __version__
from voicecoach.errors import VoicecoachError
from voicecoach.program import builtin_names, load_builtin, resolve_program
from voicecoach.script import (
    MAX_PACE,
    MIN_PACE,
    OptionError,
    Options,
    check_pace,
    compile_script,
    format_length,
    script_to_json,
    script_to_text,
)

EXIT_INTERRUPTED = 130


class _Pace(click.ParamType):
    name = "PACE"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> float:
        if isinstance(value, float):
            return value
        try:
            number = float(str(value).strip())
        except ValueError:
            self.fail(f"pace must be a number from {MIN_PACE:g} to {MAX_PACE:g}, not '{value}'", param, ctx)
        try:
            return check_pace(number)
        except OptionError as error:
            self.fail(str(error), param, ctx)


pace_option = click.option(
    "--pace",
    type=_Pace(),
    default=1.0,
    show_default=True,
    help=f"Tempo of movements and rests: 0.5 is half speed, 1.5 faster ({MIN_PACE:g} to {MAX_PACE:g}). "
    "Hold times never change.",
)


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


@click.group(cls=_Group, invoke_without_command=True)
@click.version_option(__version__, prog_name="voicecoach")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """An eyes-free exercise coach: compiles an exercise program into a spoken, timed session.

    PROGRAM is a built-in name (beginning, intermediate, advanced) or a path to your own YAML file.
    """
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())


@cli.command("list")
def list_programs() -> None:
    """List the built-in programs with their exercises and length at the normal pace."""
    rows = []
    for name in builtin_names():
        program = load_builtin(name)
        script = compile_script(program)
        count = len(program.exercises)
        rows.append((name, program.title, f"{count} exercise{'' if count == 1 else 's'}",
                     format_length(script.duration_ms)))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    for row in rows:
        click.echo(f"{row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]:>{widths[2]}}  {row[3]}")


@cli.command()
@click.argument("program")
@pace_option
@click.option("--json", "as_json", is_flag=True, help="Print the script as JSON (docs/script-json.md).")
def show(program: str, pace: float, as_json: bool) -> None:
    """Print the compiled session script of PROGRAM, one event a line, and its length."""
    script = compile_script(resolve_program(program), Options(pace=pace))
    click.echo(script_to_json(script) if as_json else script_to_text(script), nl=False)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="voicecoach")
