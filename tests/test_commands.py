"""What a listener's words mean (voicecoach/commands.py), and the phrasebooks' words: pure text, no audio."""

from __future__ import annotations

import pytest

from voicecoach.commands import (COMMANDS, SESSION, Expecting, Heard, judge, normal_words, understand, unsaid,
                                 vocabulary)
from voicecoach.errors import VoicecoachError
from voicecoach.phrasebook import PhrasebookError, builtin_languages, builtin_phrasebook, parse_phrasebook

EN = vocabulary(builtin_phrasebook("en"))
PAIN = Expecting(frozenset({"stop"}), tuple(range(11)))
YES_NO = Expecting(frozenset({"stop", "next"}), (True, False))


def meant(text, expecting=SESSION, words=EN):
    understood = understand(Heard(1.0, 2.0, text), words, expecting)
    if understood is None:
        return None
    return understood.command if understood.command is not None else understood.answer


def test_words_are_compared_without_case_accents_punctuation_or_apostrophes():
    assert normal_words("I'm READY!") == ["im", "ready"]
    assert normal_words("Ça fait mal, aïe…") == ["ca", "fait", "mal", "aie"]
    assert normal_words("  4. ") == ["4"]


@pytest.mark.parametrize("text, command", [
    ("Pause.", "pause"), ("wait", "pause"), ("Hold on!", "pause"), ("resume", "resume"), ("go on", "resume"),
    ("Next.", "next"), ("skip it", "next"), ("go back", "previous"), ("Back.", "previous"), ("repeat", "repeat"),
    ("Stop.", "stop"), ("I'm ready.", "ready"), ("Im ready", "ready"), ("It hurts.", "hurt"), ("ouch", "hurt"),
    ("okay, pause please", "pause"), ("next, next, next", "next"),  # Whisper repeating itself
    ("the next one", "next"),
])
def test_every_command_and_its_variants_during_the_session(text, command):
    assert meant(text) == command


@pytest.mark.parametrize("text", [
    "", "hello", "four",  # a number means nothing during the session
    "pause and then next",  # two meanings
    "next, hurts",  # a word of another command left over: "that hurts" misheard, not "next"
    "when you are in position press play and then wait for me",  # talk, not a command
])
def test_what_is_not_a_command_of_the_session(text):
    assert meant(text) is None


def test_a_number_counts_only_when_a_number_is_asked_and_only_as_a_number():
    assert meant("Four.", PAIN) == 4 and meant("4", PAIN) == 4 and meant("ten", PAIN) == 10
    assert meant("zero", PAIN) == 0 and meant("no pain", PAIN) == 0
    assert meant("pause", PAIN) is None and meant("stop", PAIN) == "stop"
    one = understand(Heard(0, 1, "one"), EN, YES_NO)
    assert one is None  # 1 == True in Python: a number is not a yes
    yes = understand(Heard(0, 1, "yes"), EN, PAIN)
    assert yes is None
    assert meant("yes", YES_NO) is True and meant("nope", YES_NO) is False
    assert meant("four five", PAIN) is None  # two numbers: which?


def test_the_json_of_what_was_understood():
    assert understand(Heard(0.5, 1.234, "pause"), EN, SESSION).to_json() == {"time": 1.23, "command": "pause"}
    assert understand(Heard(0, 2.0, "yes"), EN, YES_NO).to_json() == {"time": 2.0, "answer": "yes"}
    assert understand(Heard(0, 2.0, "seven"), EN, PAIN).to_json() == {"time": 2.0, "answer": 7}
    morning = Expecting(frozenset({"stop"}), ("better", "same", "worse"))
    assert understand(Heard(0, 3.0, "about the same"), EN, morning).to_json() == {"time": 3.0, "answer": "same"}


def test_voicecoachs_own_words_are_taken_out_of_what_was_heard():
    # its "Ready." and "Next: heel slides." heard back: nothing is left to obey
    assert unsaid(Heard(0, 1, "ready, ready"), ["Ready."]).text == ""
    assert unsaid(Heard(0, 1, "Next, heal slides"), ["Next: heel slides."]).text == ""
    assert unsaid(Heard(0, 1, "exercise 1 of 1"), ["Exercise one of one: Ankle pumps."], EN).text == ""
    # the listener's own word beside them is kept
    assert unsaid(Heard(0, 1, "begin, pause"), ["Begin."]).text == "pause"
    assert unsaid(Heard(0, 1, "four"), ["How is your back right now?"]).text == "four"  # not "your"


def test_judge_leaves_voicecoachs_voice_out_and_is_strict_over_it():
    said = [(10.0, 11.0, "Get into position.")]
    assert judge(Heard(10.2, 11.3, "pause", -0.5), said, EN, SESSION).command == "pause"
    assert judge(Heard(10.2, 11.3, "so, stop", -0.6), said, EN, SESSION) is None  # over its voice: the command alone
    assert judge(Heard(10.2, 11.3, "stop", -1.6), said, EN, SESSION) is None  # and sure of it
    assert judge(Heard(20.0, 21.0, "so, stop", -1.6), said, EN, SESSION).command == "stop"  # in a silence: as said
    assert judge(Heard(10.0, 11.2, "Get into position, ready", -0.4), [(10.0, 11.0, "Ready.")], EN, SESSION) is None


@pytest.mark.parametrize("language", builtin_languages())
def test_every_shipped_language_has_every_command_and_answer_with_variants(language):
    book = builtin_phrasebook(language)
    words = vocabulary(book)
    assert set(book.words) >= set(COMMANDS) | {"better", "same", "worse", "yes", "no"}
    assert all(len(book.words[name]) >= 2 for name in COMMANDS)  # a few natural variants each
    for name in COMMANDS:
        for variant in book.words[name]:
            assert meant(variant, SESSION, words) == name, (language, variant)
    for n in range(11):
        assert meant(book.number(n), PAIN, words) == n and meant(str(n), PAIN, words) == n
    hints = words.hints(PAIN)  # the prompt of a pain question: its numbers and stop, no other command
    assert {book.number(n) for n in range(11)} <= set(hints) and set(book.words["stop"]) <= set(hints)
    assert not set(hints) & set(book.words["pause"])


def test_a_users_phrasebook_adds_words_to_the_shipped_ones():
    base = builtin_phrasebook("en")
    book = parse_phrasebook(b"words:\n  pause: [freeze, time out]\n  hurt: ow\n", "mine/en.yaml", base)
    assert book.words["pause"][:2] == base.words["pause"][:2] and "freeze" in book.words["pause"]
    assert meant("time out", SESSION, vocabulary(book)) == "pause" and meant("ow", SESSION, vocabulary(book)) == "hurt"
    assert meant("wait", SESSION, vocabulary(book)) == "pause"  # the shipped ones stay


@pytest.mark.parametrize("text, message", [
    (b"words:\n  paws: [freeze]\n", "unknown word 'paws' (did you mean 'pause'?)"),
    (b"words:\n  pause: []\n", "word 'pause' must be a list of what a listener says"),
    (b"words:\n  pause: [3]\n", "word 'pause' must be a list"),
    (b"words:\n  pause: [next]\n", "mine/en.yaml, line 2: 'next' is under both 'next' and 'pause'"),
    (b"words: pause\n", "'words' must be the spoken commands"),
    (b"words:\n  11: [eleven]\n", "unknown word '11'"),
])
def test_a_phrasebooks_words_with_a_mistake_are_one_line_naming_the_file_and_line(text, message):
    with pytest.raises(PhrasebookError) as caught:
        parse_phrasebook(text, "mine/en.yaml", builtin_phrasebook("en"))
    assert message in str(caught.value) and str(caught.value).startswith("mine/en.yaml")
    assert "\n" not in str(caught.value)


def test_a_language_with_no_command_words_is_one_line():
    english = builtin_phrasebook("en")  # a user's new language: every phrase, and no words
    stripped = type(english)("nl", "Nederlands", "nl", english.phrases, source="phrasebooks/nl.yaml", words={})
    with pytest.raises(VoicecoachError) as caught:
        vocabulary(stripped)
    assert str(caught.value).startswith("phrasebooks/nl.yaml has no command words: give it a 'words:' section")


def test_wholly_within_its_own_line_a_command_must_be_surer_still():
    said = [(10.0, 13.0, "That is the end of your session. Well done.")]
    assert judge(Heard(10.5, 12.0, "it hurts, it hurts", -0.7), said, EN, SESSION) is None  # its own, misheard
    assert judge(Heard(10.5, 12.0, "it hurts", -0.3), said, EN, SESSION).command == "hurt"  # a headset's, clear
    assert judge(Heard(12.5, 14.5, "it hurts", -0.7), said, EN, SESSION).command == "hurt"  # past its end


def test_a_number_answer_must_be_heard_surely_even_in_silence():
    """An unclear word comes back from the recognizer as one of the numbers it was prompted with
    ("seven" as "ten." at -1.48): a number is taken only at SURE_NUMBER or surer; words are not."""
    from voicecoach.commands import SURE_NUMBER

    assert judge(Heard(1.0, 2.0, "ten.", SURE_NUMBER - 0.03), [], EN, PAIN) is None
    assert judge(Heard(1.0, 2.0, "ten.", SURE_NUMBER + 0.3), [], EN, PAIN).answer == 10
    assert judge(Heard(1.0, 2.0, "yes", SURE_NUMBER - 0.5), [], EN, YES_NO).answer is True
    assert judge(Heard(1.0, 2.0, "pause", SURE_NUMBER - 0.5), [], EN, SESSION).command == "pause"


def test_go_on_heard_over_voicecoachs_own_voice_is_its_own_and_in_silence_it_is_the_listeners():
    said = [(10.0, 11.0, "Begin."), (11.2, 12.0, "Toes up.")]
    assert judge(Heard(10.2, 11.5, "ready, ready,", -0.42), said, EN, SESSION) is None
    assert judge(Heard(10.2, 11.5, "resume", -0.2), said, EN, SESSION) is None
    assert judge(Heard(20.0, 21.0, "ready", -0.42), said, EN, SESSION).command == "ready"  # in the silence after
    assert judge(Heard(10.2, 11.5, "pause", -0.2), said, EN, SESSION).command == "pause"  # stopping still counts
