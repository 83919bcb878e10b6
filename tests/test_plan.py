"""The plan (voicecoach/plan.py, progress.py): its file, what is due, what the rules suggest over
histories written by `voicecoach log --date`, and the suggestion said at the start of play."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from voicecoach.phrasebook import builtin_phrasebook
from voicecoach.plan import (
    Done,
    Level,
    PlanError,
    Schedule,
    Suggestion,
    due,
    parse_plan,
    resolve_plan,
    suggest,
    suggestion_question,
)

TODAY = date.today()


def days_ago(n: int) -> str:
    return (TODAY - timedelta(days=n)).isoformat()


def log(run, program: str, after: int, ago: int, before: int = 3, **more) -> None:
    args = ["log", program, "--pain-before", str(before), "--pain-after", str(after), "--date", days_ago(ago)]
    for key, value in more.items():
        args += [f"--{key.replace('_', '-')}", value]
    done = run(*args)
    assert done.exit_code == 0, done.output


def plan_json(run) -> dict:
    done = run("plan", "--json")
    assert done.exit_code == 0, done.output
    return json.loads(done.stdout)


# --- the file ----------------------------------------------------------------------------------


def test_the_built_in_plan_climbs_the_three_programs_three_days_a_week_with_the_traffic_light_rules():
    plan = resolve_plan()
    assert [level.program for level in plan.levels] == ["beginning", "intermediate", "advanced"]
    assert all(level.schedule == Schedule(per_week=3) and level.weeks == 2 for level in plan.levels)
    rules = plan.rules
    assert (rules.advance_sessions, rules.good_pain_at_most, rules.stay_from, rules.stay_to, rules.back_pain_from,
            rules.back_worse_mornings, rules.back_stopped_for_pain) == (6, 3, 4, 6, 7, 2, 2)


BAD_PLANS = [
    ("title: P\nlevels:\n  - program: beginning\n    dayz: 3\n", 4, "unknown key 'dayz'; did you mean 'days'?"),
    ("title: P\nlevels:\n  - program: intermedate\n", 3, "no built-in program called 'intermedate'; did you mean "
     "'intermediate'?"),
    ("title: P\nlevels:\n  - program: missing.yaml\n", 3, "the program 'missing.yaml' cannot be used:"),
    ("title: P\nlevels:\n  - program: beginning\n    days: [mon, funday]\n", 4, "'funday' is not a day"),
    ("title: P\nlevels:\n  - program: beginning\n    days: 9\n", 4, "from 1 to 7 sessions a week, found 9"),
    ("title: P\nlevels:\n  - program: beginning\n    days: [mon, Monday]\n", 4, "mon is given twice"),
    ("title: P\nlevels:\n  - program: beginning\nrules:\n  stay: {pain_after_from: 6, pain_after_to: 4}\n", 5,
     "this rule can never be met"),
    ("title: P\nlevels:\n  - program: beginning\nrules:\n  advance:\n    pain_after_at_most: 11\n", 6,
     "must be from 0 to 10, found 11"),
    ("title: P\nlevels:\n  - program: beginning\nrules:\n  advance:\n    pain_after_at_most: 5\n", 6,
     "reaches into 'stay'"),
    ("title: P\nlevels:\n  - program: beginning\nrules:\n  step_back:\n    pain_after_from: 5\n", 6,
     "reaches into 'stay'"),
    ("title: P\nlevels:\n  - program: beginning\nrules:\n  step_back:\n    stopped_for_pain: 0\n", 6,
     "must be from 1 to 30, found 0"),
    ("title: P\nlevels:\n  - program: beginning\nrules:\n  stepback: {}\n", 5, "did you mean 'step_back'?"),
    ("title: P\nlevels: []\n", 2, "'levels' is empty"),
    ("title: P\nlevels:\n  - program: beginning\n  - program: beginning\n", 4, "its program is level 1's too"),
    ("title: P\nlevels:\n  - beginning\n", 3, "write it as '- program: beginning'"),
    ("title: P\nlevels:\n  - program: beginning\n    weeks: two\n", 4, "must be a whole number"),
    ("levels:\n  - program: beginning\n", 1, "missing 'title'"),
    ("title: P\nlevels:\n  - program: beginning\n   days: 3\n", 4, ""),  # bad indentation: YAML's own line
]


@pytest.mark.parametrize("text,line,words", BAD_PLANS, ids=[str(i) for i in range(len(BAD_PLANS))])
def test_a_plan_with_a_mistake_is_one_line_naming_the_file_and_line_and_exit_2(run, tmp_path, text, line, words,
                                                                                 assert_one_line_error):
    path = tmp_path / "my-plan.yaml"
    path.write_text(text)
    with pytest.raises(PlanError) as raised:
        parse_plan(text.encode(), str(path), str(path), tmp_path)
    assert raised.value.line == line and words in raised.value.message, (raised.value.line, str(raised.value))
    started = run("plan", "start", str(path))
    assert_one_line_error(started, 2, f"{path}, line {line}: ", words)
    assert not (tmp_path / "plan.json").exists() and run("plan", "--json").stdout.count('"plan": null') == 1


def test_a_plan_of_ones_own_programs_finds_them_beside_it(run, tmp_path, write_program):
    write_program("title: Neck\nexercises:\n  - {name: Tuck, position: Sit., reps: 2, movement: [hold: 3]}\n",
                  "neck.yaml")
    (tmp_path / "neck-plan.yaml").write_text("title: Neck plan\nlevels:\n  - program: neck.yaml\n"
                                             "    days: [mon, thu]\n    weeks: 1\n  - program: beginning\n")
    done = run("plan", "start", str(tmp_path / "neck-plan.yaml"))
    assert done.exit_code == 0 and "Started: Neck plan, at level 1 of 2: Neck, Mon, Thu." in done.stdout, done.output
    where = plan_json(run)
    assert where["program"] == str((tmp_path / "neck.yaml").resolve()) and where["schedule"] == ["mon", "thu"]
    assert where["due_today"] == (TODAY.weekday() in (0, 3))


def test_plan_json_has_the_documented_fields(run):
    assert plan_json(run) == {"plan": None, "program": None, "due_today": False, "suggestion": "none", "next": None,
                              "reason": plan_json(run)["reason"]}
    assert run("plan", "start").exit_code == 0
    where = plan_json(run)
    assert {key: where[key] for key in ("plan", "program", "due_today", "suggestion", "next")} == {
        "plan": "back", "program": "beginning", "due_today": True, "suggestion": "none", "next": None}
    assert where["reason"].endswith(".") and "6 good sessions" in where["reason"]


# --- the scenarios: `plan start`, then days of `log` ----------------------------------------------


def test_six_good_sessions_over_two_weeks_suggest_moving_on_and_only_a_yes_moves(run):
    assert run("plan", "start").exit_code == 0
    for ago in (13, 11, 9, 6, 4, 2):
        log(run, "beginning", after=2, ago=ago)
    where = plan_json(run)
    assert (where["suggestion"], where["next"]) == ("advance", "intermediate"), where
    assert "Your last 6 sessions over 2 weeks went well" in where["reason"]
    assert "ask your physical therapist about Intermediate back exercise program" in where["reason"]
    assert plan_json(run)["program"] == "beginning"  # a suggestion, never a decision
    moved = run("plan", "advance")
    assert moved.exit_code == 0 and "Now at level 2 of 3: Intermediate back exercise program." in moved.stdout
    after = plan_json(run)
    assert (after["program"], after["suggestion"], after["since"]) == ("intermediate", "none", TODAY.isoformat())


def test_too_few_sessions_say_how_many_more(run):
    assert run("plan", "start").exit_code == 0
    for ago in (4, 2):
        log(run, "beginning", after=1, ago=ago)
    where = plan_json(run)
    assert where["suggestion"] == "none"
    assert where["reason"] == ("2 good sessions in a row at Beginning back exercise program so far: 4 more good "
                               "sessions and 9 more days before moving on is suggested.")


def test_six_good_sessions_in_one_week_wait_for_the_second(run):
    assert run("plan", "start").exit_code == 0
    for ago in (6, 5, 4, 3, 2, 1):
        log(run, "beginning", after=0, ago=ago)
    where = plan_json(run)
    assert where["suggestion"] == "none" and "7 more days" in where["reason"] and "more good" not in where["reason"]


def test_moderate_pain_suggests_staying(run):
    assert run("plan", "start").exit_code == 0
    for ago, after in ((6, 2), (4, 2), (2, 5)):
        log(run, "beginning", after=after, ago=ago)
    where = plan_json(run)
    assert (where["suggestion"], where["next"]) == ("stay", None)
    assert where["reason"].startswith("Pain after your last session was 5 out of 10 (4 to 6 means stay): keep to "
                                      "Beginning back exercise program")


def test_pain_after_of_seven_steps_back_with_the_advice_to_ask_the_doctor(run):
    assert run("plan", "start", "--level", "intermediate").exit_code == 0
    log(run, "intermediate", after=2, ago=3)
    log(run, "intermediate", after=7, ago=1)
    where = plan_json(run)
    assert (where["suggestion"], where["next"]) == ("step-back", "beginning")
    assert where["reason"] == ("Pain after your last session was 7 out of 10 (7 or more means step back): rest, ask "
                               "your doctor or physical therapist, and go back to Beginning back exercise program if "
                               "you go on.")
    text = run("plan").stdout
    assert "Suggestion: step back." in text and "'voicecoach plan step-back'" in text


def test_two_worse_mornings_in_a_row_step_back(run):
    assert run("plan", "start", "--level", "2").exit_code == 0
    log(run, "intermediate", after=2, ago=5, next_morning="worse")
    log(run, "intermediate", after=3, ago=3, next_morning="better")
    assert plan_json(run)["suggestion"] == "none"  # one worse morning, then a better one
    log(run, "intermediate", after=3, ago=2, next_morning="worse")
    log(run, "intermediate", after=2, ago=1, next_morning="worse")
    where = plan_json(run)
    assert where["suggestion"] == "step-back" and "Your back was worse the mornings after your last 2 sessions" in \
        where["reason"]


def test_exercises_stopped_for_pain_twice_step_back_and_at_the_first_level_advise_rest(run):
    assert run("plan", "start").exit_code == 0
    log(run, "beginning", after=3, ago=3, hurt="heel slides")
    assert plan_json(run)["suggestion"] == "none"
    log(run, "beginning", after=3, ago=1, hurt="2")
    where = plan_json(run)
    assert (where["suggestion"], where["next"]) == ("step-back", None)
    assert "stopped for pain 2 times" in where["reason"] and "ask your doctor or physical therapist before you go on" \
        in where["reason"]


def test_sessions_of_other_programs_do_not_count_at_this_level(run):
    assert run("plan", "start").exit_code == 0
    for ago in (13, 11, 9, 6, 4, 2):
        log(run, "advanced", after=2, ago=ago)
    assert plan_json(run)["reason"].startswith("No sessions of Beginning back exercise program")


def test_a_damaged_history_leaves_nothing_to_go_on_and_the_plan_still_says_what_is_due(run, isolated_history):
    assert run("plan", "start").exit_code == 0
    (isolated_history / "history.db").write_bytes(b"not a database, " * 100)
    where = plan_json(run)
    assert where["suggestion"] == "none" and where["due_today"] is True
    assert where["reason"].startswith("Your history cannot be read (") and "nothing to go on yet" in where["reason"]


# --- what is due -------------------------------------------------------------------------------


def _level(schedule: Schedule) -> Level:
    return Level(program="beginning", title="Beginning", schedule=schedule, weeks=2)


def _done(day: date) -> Done:
    return Done(day=day, pain_after=1, next_morning=None, hurt=None)


def test_sessions_a_week_are_due_until_the_weeks_are_done_and_a_new_week_starts_again():
    level = _level(Schedule(per_week=3))
    monday = date(2026, 11, 30)
    done = [_done(monday), _done(monday + timedelta(days=1))]
    assert due(level, done, monday + timedelta(days=2)).today  # 2 of 3
    done.append(_done(monday + timedelta(days=2)))
    thursday = due(level, done, monday + timedelta(days=3))
    assert not thursday.today and thursday.next_day == monday + timedelta(days=7)
    next_monday = due(level, done, monday + timedelta(days=7))
    assert next_monday.today and next_monday.this_week == 0
    today = due(level, done, monday + timedelta(days=2))  # one done today: not due again
    assert not today.today and today.reason.startswith("Today's session")


def test_weekdays_are_due_on_those_days_only_every_week():
    level = _level(Schedule(per_week=3, weekdays=(0, 2, 4)))
    monday = date(2026, 11, 30)
    due_days = [d for d in range(14) if due(level, [], monday + timedelta(days=d)).today]
    assert due_days == [0, 2, 4, 7, 9, 11]
    tuesday = due(level, [], monday + timedelta(days=1))
    assert tuesday.next_day == monday + timedelta(days=2) and "is tomorrow" in tuesday.reason
    thursday = due(level, [], monday + timedelta(days=3))
    assert thursday.next_day == monday + timedelta(days=4) and "tomorrow" in thursday.reason
    saturday = due(level, [], monday + timedelta(days=5))
    assert saturday.next_day == monday + timedelta(days=7) and "on Monday" in saturday.reason
    after_friday = due(level, [_done(monday + timedelta(days=4))], monday + timedelta(days=4))
    assert after_friday.next_day == monday + timedelta(days=7)


def test_the_rules_go_in_the_order_of_safety():
    """A session that is both the sixth good one's follow-up and high in pain steps back: pain first."""
    plan = resolve_plan()
    good = [Done(TODAY - timedelta(days=d), 1, None, None) for d in (16, 14, 12, 10, 8, 6)]
    assert suggest(plan, 0, good, TODAY).kind == "advance"
    assert suggest(plan, 0, good + [Done(TODAY, 8, None, None)], TODAY).kind == "step-back"
    assert suggest(plan, 0, good + [Done(TODAY, 4, None, None)], TODAY).kind == "stay"
    assert suggest(plan, 2, good, TODAY).kind == "none"  # the last level: nowhere to move on to
    unanswered = [Done(d.day, None, None, None) for d in good]
    assert suggest(plan, 0, unanswered, TODAY).kind == "none"  # no pain answers: nothing to go on


# --- said at the start of play --------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "de", "es", "fr"])
def test_the_suggestion_is_said_in_each_shipped_language_and_asks_before_any_move(language):
    book, english = builtin_phrasebook(language), builtin_phrasebook("en")
    plan = resolve_plan()
    _, question = suggestion_question(book, Suggestion("advance", "intermediate", "", "good", 6), plan)
    assert len(question.lines) == 3 and question.default is False
    assert book.number(6) in question.lines[0].lower()
    assert "Intermediate back exercise program" in question.lines[1]
    assert {option.value for option in question.options} == {True, False}
    back_lines, back = suggestion_question(book, Suggestion("step-back", None, "", "pain", 8), plan)
    assert back is None and len(back_lines) == 3 and book.number(8) in back_lines[0].lower()
    stay, _ = suggestion_question(book, Suggestion("stay", None, "", "pain", 5), plan)
    if language != "en":
        assert set(question.lines).isdisjoint(suggestion_question(english, Suggestion(
            "advance", "intermediate", "", "good", 6), plan)[1].lines) and stay != suggestion_question(
            english, Suggestion("stay", None, "", "pain", 5), plan)[0]


@pytest.mark.parametrize("answer,level", [("y", "intermediate"), ("n", "beginning")])
def test_play_with_no_program_plays_the_plans_and_only_a_yes_moves_it_on(run, monkeypatch, tmp_path, answer, level):
    from tests.fakes import fake_environment
    from voicecoach.history import sessions

    monkeypatch.setenv("VOICECOACH_CACHE_DIR", str(tmp_path / "cache"))
    assert run("plan", "start").exit_code == 0
    for ago in (13, 11, 9, 6, 4, 2):
        log(run, "beginning", after=2, ago=ago)
    played = run("play", "--engine", "espeak", "--no-check-in", "--pace", "4", "--no-listen",
                 obj={"environment": fake_environment(presses=[answer, "q"], can_ask=True)})
    assert played.exit_code == 0, played.output
    assert "Your plan suggests: Your last 6 sessions" in played.stderr
    assert ("your plan is now at Intermediate back exercise program" in played.stderr) == (answer == "y")
    assert plan_json(run)["program"] == level
    assert sessions()[0].program == level  # today's session was the new level's, after a yes


def test_play_with_no_program_and_no_plan_says_how_to_start_one(run):
    done = run("play")
    assert done.exit_code == 2 and "voicecoach plan start" in done.stderr


# --- the plan file kept ------------------------------------------------------------------------


def test_a_plan_file_from_a_newer_voicecoach_is_left_untouched(run, isolated_history, assert_one_line_error):
    path = isolated_history / "plan.json"
    path.write_text('{"version": 99, "plan": "back"}')
    assert_one_line_error(run("plan"), 1, "written by a newer voicecoach")
    assert_one_line_error(run("plan", "start"), 1, "written by a newer voicecoach")
    assert path.read_text() == '{"version": 99, "plan": "back"}'


def test_a_damaged_plan_file_is_one_line_and_plan_start_keeps_it_aside(run, isolated_history, assert_one_line_error):
    path = isolated_history / "plan.json"
    path.write_text('{"version": 1, "plan": ')
    assert_one_line_error(run("plan"), 1, f"{path}: the plan file is damaged")
    assert path.read_text() == '{"version": 1, "plan": '
    started = run("plan", "start")
    assert started.exit_code == 0 and f"it is kept as {path}.damaged" in started.stderr
    assert (isolated_history / "plan.json.damaged").read_text() == '{"version": 1, "plan": '
    assert plan_json(run)["program"] == "beginning"


def test_moving_past_either_end_changes_nothing(run, assert_one_line_error):
    assert_one_line_error(run("plan", "advance"), 1, "no plan yet")
    assert run("plan", "start", "--level", "advanced").exit_code == 0
    assert_one_line_error(run("plan", "advance"), 1, "the last level")
    assert run("plan", "step-back").exit_code == 0 and plan_json(run)["program"] == "intermediate"
    assert run("plan", "stop").exit_code == 0 and plan_json(run)["plan"] is None


def test_the_level_given_must_be_one_of_the_plan(run):
    done = run("plan", "start", "--level", "expert")
    assert done.exit_code == 2 and "the plan has no level 'expert'; its levels are 1 beginning, 2 intermediate, " \
        "3 advanced" in done.stderr


def test_a_users_phrasebook_written_before_plans_gets_their_lines_in_english(tmp_path):
    from voicecoach.phrasebook import PHRASES, find_phrasebook

    english = builtin_phrasebook("en")
    folder = tmp_path / "phrasebooks"
    folder.mkdir()
    older = {key: value for key, value in english.phrases.items() if not key.startswith("plan_")}
    assert set(older) != set(PHRASES)
    import yaml

    (folder / "pt.yaml").write_text(yaml.safe_dump({"language": "pt", "phrases": older}, allow_unicode=True))
    book = find_phrasebook("pt", folder)
    assert book.line("plan_contact") == english.line("plan_contact")



def test_the_plan_schema_is_shipped_as_made_and_agrees_with_the_loader():
    """docs/plan.schema.json is `voicecoach schema --plan`; the built-in plan passes it, and the
    mistakes a schema can state (an unknown key, a day that is not one, a pain out of 0-10) fail it."""
    from pathlib import Path

    import jsonschema
    import yamlcore

    from voicecoach.schema import schema_text

    shipped = Path(__file__).resolve().parent.parent / "docs" / "plan.schema.json"
    assert shipped.read_text() == schema_text(plan=True)
    validator = jsonschema.Draft7Validator(json.loads(schema_text(plan=True)))
    import yaml

    built_in = (Path(__file__).resolve().parent.parent / "voicecoach" / "plans" / "back.yaml").read_text()
    assert not list(validator.iter_errors(yaml.load(built_in, Loader=yamlcore.CoreLoader)))
    for text, _, _ in [BAD_PLANS[i] for i in (0, 3, 4, 7, 10, 11, 12, 16)]:
        assert list(validator.iter_errors(yaml.load(text, Loader=yamlcore.CoreLoader))), text
