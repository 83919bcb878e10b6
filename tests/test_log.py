"""`voicecoach log`: a session done with an exported file (on a phone, on a walk), which could not
ask, recorded by hand with its check-in; and every input it refuses, with nothing recorded."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

import pytest

from tests.samples import QUICK
from voicecoach.checkin import Hurt
from voicecoach.history import history_path, program_key, sessions, summary
from voicecoach.program import load_builtin
from voicecoach.script import Estimate, Options, compile_script, format_length

BEGINNING = load_builtin("beginning")


@pytest.fixture(autouse=True)
def cold_cache(tmp_path, monkeypatch):
    """An empty speech cache: the length of a logged session is estimated, as `list` estimates it."""
    monkeypatch.setenv("VOICECOACH_CACHE_DIR", str(tmp_path / "cache"))


def estimated(program=BEGINNING):
    return compile_script(program, Options(), Estimate())


def test_log_records_the_whole_program_done_with_its_pain_before_and_after(run):
    before = datetime.now().astimezone()
    result = run("log", "beginning", "--pain-before", "4", "--pain-after", "3")
    after = datetime.now().astimezone()
    assert result.exit_code == 0, result.output
    (logged,) = sessions()
    length = estimated().duration_ms
    assert (logged.kind, logged.ending, logged.place, logged.completed, logged.exercises) == (
        "logged", "finished", "closing", 6, 6)
    assert (logged.pain_before, logged.pain_after, logged.next_morning, logged.hurt) == (4, 3, None, None)
    assert logged.length_ms == logged.position_ms == logged.listened_ms == length
    assert before <= logged.ended <= after and logged.ended - logged.started == timedelta(milliseconds=length)
    assert logged.program == "beginning" and logged.title == BEGINNING.title
    when = logged.started.astimezone().strftime("%a %d %b %H:%M")
    assert result.stdout == (f"Logged: Beginning back exercise program, {when}, the whole program (6 exercises), "
                             f"~{format_length(length)}; pain 4 -> 3.\n")  # ~: estimated
    # it counts, like a play that completed an exercise
    assert summary(sessions(), datetime.now().astimezone()).this_week.sessions == 1
    assert run("history").stdout.splitlines()[1].endswith(f"  ~{format_length(length)}   6/6  4 -> 3  logged: finished")


def test_log_with_hurt_stopped_for_pain_at_that_exercise(run):
    result = run("log", "beginning", "--pain-before", "3", "--pain-after", "6", "--hurt", "heel slides")
    assert result.exit_code == 0, result.output
    (logged,) = sessions()
    starts = dict(estimated().exercise_starts())
    assert logged.hurt == Hurt(1, "Heel slides", "end") and logged.ending == "hurt"
    assert (logged.place, logged.stopped_index, logged.stopped_name, logged.completed) == ("exercise", 1, "Heel slides", 1)
    assert logged.position_ms == logged.listened_ms == starts["Heel slides"]
    assert "stopped for pain in exercise 2 (Heel slides)" in result.stdout
    assert json.loads(run("history", "--json").stdout)["sessions"][0]["hurt"] == {
        "number": 2, "name": "Heel slides", "chose": "end"}


def test_a_day_before_today_gets_the_time_of_day_of_the_log_and_logs_of_a_day_keep_their_order(run):
    yesterday = (datetime.now().astimezone() - timedelta(days=1)).date()
    for pain in ("5", "4"):
        result = run("log", "beginning", "--pain-before", pain, "--pain-after", "2", "--date", yesterday.isoformat(),
                     "--next-morning", "better")
        assert result.exit_code == 0, result.output
    newest, first = sessions()
    assert [first.pain_before, newest.pain_before] == [5, 4]  # the order they were logged in
    assert first.started.astimezone().date() == yesterday and first.started < newest.started
    a_day_ago = datetime.now().astimezone() - timedelta(days=1)
    assert timedelta(0) <= a_day_ago - newest.started < timedelta(seconds=60)  # now's time of day, that day
    assert newest.next_morning == "better" and newest.ended - newest.started == timedelta(
        milliseconds=estimated().duration_ms)
    assert summary(sessions(), datetime.now().astimezone()).days_in_a_row == 1  # yesterday's streak stands


def test_log_takes_a_program_file_as_play_does(run, write_program):
    path = write_program(QUICK)
    result = run("log", str(path), "--pain-before", "0", "--pain-after", "0", "--hurt", "1")
    assert result.exit_code == 0, result.output
    (logged,) = sessions()
    assert logged.program == program_key(str(path)) and logged.title == "Quick" and logged.hurt.name == "Squeeze"


def test_the_length_is_measured_where_the_cache_has_the_programs_speech(run, write_program, tmp_path, monkeypatch):
    monkeypatch.setenv("VOICECOACH_CONFIG_DIR", str(tmp_path / "config"))
    assert run("config", "set", "engine", "espeak").exit_code == 0
    path = write_program(QUICK)
    shown = json.loads(run("show", str(path), "--json").stdout)  # synthesizes it: now it is cached
    result = run("log", str(path), "--pain-before", "2", "--pain-after", "1")
    assert result.exit_code == 0, result.output
    (logged,) = sessions()
    assert logged.length_ms == round(shown["duration"] * 1000) and logged.settings.engine == "espeak"
    assert "~" not in result.stdout


def tomorrow() -> str:
    return (datetime.now().astimezone() + timedelta(days=1)).date().isoformat()


@pytest.mark.parametrize("args, option, what", [
    (["--pain-before", "11", "--pain-after", "2"], "--pain-before", "a whole number from 0 (no pain) to 10"),
    (["--pain-before", "-1", "--pain-after", "2"], "--pain-before", "a whole number from 0 (no pain) to 10"),
    (["--pain-before", "four", "--pain-after", "2"], "--pain-before", "not 'four'"),
    (["--pain-before", "3", "--pain-after", "4.5"], "--pain-after", "a whole number from 0 (no pain) to 10"),
    (["--pain-before", "3", "--pain-after", "2", "--hurt", "cartwheel"], "--hurt", "no exercise called 'cartwheel'"),
    (["--pain-before", "3", "--pain-after", "2", "--hurt", "9"], "--hurt", "there is no exercise 9"),
    (["--pain-before", "3", "--pain-after", "2", "--date", "tomorrow"], "--date", "a day is written YYYY-MM-DD"),
    (["--pain-before", "3", "--pain-after", "2", "--date", "2026-02-30"], "--date", "not a day of the calendar"),
    (["--pain-before", "3", "--pain-after", "2", "--date", "TOMORROW"], "--date", "is in the future"),
    (["--pain-before", "3", "--pain-after", "2", "--next-morning", "fine", "--date", "2026-01-05"], "--next-morning",
     "better, same or worse"),
    (["--pain-before", "3", "--pain-after", "2", "--next-morning", "better"], "--next-morning",
     "give it for a session of an earlier day (with --date)"),
    (["--pain-before", "3"], "--pain-after", "Missing option"),
])
def test_log_refuses_in_one_line_naming_the_option_and_records_nothing(args, option, what, run, assert_one_line_error):
    args = [tomorrow() if arg == "TOMORROW" else arg for arg in args]
    line = assert_one_line_error(run("log", "beginning", *args), 2, f"'{option}'", what)
    assert "see 'voicecoach log --help'" in line
    assert not history_path().exists()  # nothing recorded, not even an empty history


def test_log_of_a_program_that_is_not_there_is_one_line(run, assert_one_line_error):
    assert_one_line_error(run("log", "begining", "--pain-before", "3", "--pain-after", "2"), 2,
                          "did you mean 'beginning'?")
    assert not history_path().exists()


def test_a_history_that_cannot_be_written_is_logs_failure_in_one_line(run, assert_one_line_error):
    history_path().write_bytes(b"not a database at all " * 100)
    assert_one_line_error(run("log", "beginning", "--pain-before", "3", "--pain-after", "2"), 1,
                          str(history_path()), "damaged; move it away")
    assert history_path().read_bytes() == b"not a database at all " * 100


def test_today_is_a_day_a_session_can_be_logged_on(run):
    today = date.today().isoformat()
    result = run("log", "beginning", "--pain-before", "3", "--pain-after", "2", "--date", today)
    assert result.exit_code == 0, result.output
    assert sessions()[0].ended.astimezone().date() == datetime.now().astimezone().date()
