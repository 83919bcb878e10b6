"""Check-ins as data: pain ratings, the next morning, what hurt, and what a session leaves out."""

from __future__ import annotations

import pytest

from voicecoach.checkin import Hurt, LeftOut, check_next_morning, check_pain, left_out_today
from voicecoach.errors import OptionError

NAMES = ("Ankle pumps", "Heel slides", "Wall squat")


@pytest.mark.parametrize("value", [0, 4, 10])
def test_pain_is_zero_to_ten(value):
    assert check_pain(value) == value


@pytest.mark.parametrize("value", [-1, 11, 4.5, "four", True, None])
def test_pain_out_of_the_scale_is_refused(value):
    with pytest.raises(OptionError, match="pain is a whole number from 0"):
        check_pain(value)


def test_the_next_morning_is_better_the_same_or_worse():
    assert [check_next_morning(v) for v in ("better", "same", "worse")] == ["better", "same", "worse"]
    with pytest.raises(OptionError, match="better, same or worse"):
        check_next_morning("fine")


def test_a_hurt_says_which_exercise_and_what_was_chosen():
    assert Hurt(1, "Heel slides", "next").to_json() == {"number": 2, "name": "Heel slides", "chose": "next"}
    assert Hurt(0, "Ankle pumps").chose == "end"  # no answer ends the session
    with pytest.raises(OptionError):
        Hurt(0, "Ankle pumps", "maybe")


def test_what_hurt_last_time_is_left_out_and_stays_out_until_taken_back():
    assert left_out_today(NAMES) == ()
    assert left_out_today(NAMES, previous_hurt="Wall squat") == (LeftOut("Wall squat"),)
    # left out last time too: again, with the advice to ask the doctor
    assert left_out_today(NAMES, previous_left_out=["Wall squat"]) == (LeftOut("Wall squat", again=True),)
    both = left_out_today(NAMES, previous_left_out=["Wall squat"], previous_hurt="Ankle pumps")
    assert both == (LeftOut("Ankle pumps"), LeftOut("Wall squat", again=True))  # in program order
    assert left_out_today(NAMES, previous_left_out=["Wall squat"], included=["wall squat"]) == ()
    assert left_out_today(NAMES, previous_hurt="Gone from the program") == ()
