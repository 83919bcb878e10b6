"""Every language a program is written in: phrasebooks as data, number words from num2words, and a
voice that speaks the language."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import mutagen
import pytest
import yaml
from num2words import num2words

from voicecoach.engines import choose_voice, engine_type, language_match
from voicecoach.phrasebook import (
    BY_SIDE,
    PHRASES,
    PhrasebookError,
    builtin_languages,
    builtin_phrasebook,
    find_phrasebook,
)
from voicecoach.program import parse_program
from voicecoach.script import Options, compile_script

BOOKS = Path(__file__).resolve().parent.parent / "voicecoach" / "phrasebooks"
LANGUAGES = ["de", "es", "fr"]

PROGRAM = """\
title: {title}
language: {language}
exercises:
  - name: A
    position: "{position}"
    reminder: "{position}"
    reps: 2
    movement:
      - {{say: "{position}", seconds: 2}}
      - hold: 20
  - name: B
    position: "{position}"
    sides: each
    reps: 1
    rest_between_reps: 0
    movement:
      - {{say: "{position} {{side}}", seconds: 2}}
      - hold: [10, 15]
"""
POSITIONS = {"en": "Sit up.", "de": "Sitzen Sie aufrecht.", "es": "Siéntese derecho.", "fr": "Asseyez-vous droit."}


def program(language: str, pace_rest: int = 90):
    text = PROGRAM.format(title=f"Test {language}", language=language, position=POSITIONS[language])
    return parse_program(text.replace("    sides: each", f"    rest_after: {pace_rest}\n    sides: each").encode(),
                         language, f"{language}.yaml")


def fixed_lines(language: str) -> set[str]:
    """The lines of a phrasebook that carry no number or name: each is worded only in its language."""
    book = builtin_phrasebook(language)
    lines = {book.line(key) for key in ("hold_tones", "begin_session", "get_ready", "ready", "begin", "halfway",
                                        "rest", "next_soon", "end_session", "paused", "resuming")}
    lines |= {book.first_side(side) for side in ("left", "right")} | {book.switch_side(side) for side in ("left", "right")}
    return lines


def test_the_shipped_languages():
    assert set(builtin_languages()) >= {"en", "de", "es", "fr"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_phrasebook_has_every_phrase_the_english_one_has_and_no_other(language):
    english = set(yaml.safe_load((BOOKS / "en.yaml").read_text(encoding="utf-8"))["phrases"])
    other = set(yaml.safe_load((BOOKS / f"{language}.yaml").read_text(encoding="utf-8"))["phrases"])
    assert english == set(PHRASES)
    assert (sorted(english - other), sorted(other - english)) == ([], [])


@pytest.mark.parametrize("language", LANGUAGES + ["en"])
def test_a_session_is_spoken_in_its_language_only(language):
    script = compile_script(program(language))
    said = {e.text for e in script.events if e.kind == "speech"}
    assert script.language == language
    assert fixed_lines(language) & said  # its own lines are there...
    for other in set(LANGUAGES + ["en"]) - {language}:
        foreign = (fixed_lines(other) - fixed_lines(language)) & said
        assert foreign == set(), (other, foreign)  # ...and no other language's
    assert not [text for text in said if re.search(r"\d", text)]  # every number in words


@pytest.mark.parametrize("language", LANGUAGES + ["en"])
def test_numbers_one_to_a_hundred_are_words_of_the_language(language):
    book = builtin_phrasebook(language)
    for n in range(1, 101):
        assert book.number(n) == num2words(n, lang=language)
        assert not re.search(r"\d", book.time_left(n) + book.count(n, 100, True) + book.exercise_count(n))


EXPECTED_PLURALS = {
    "en": (("One exercise.", "Two exercises."), ("once", "twice"), ("one second", "two seconds")),
    "de": (("Eine Übung.", "Zwei Übungen."), ("einmal", "zweimal"), ("eine Sekunde", "zwei Sekunden")),
    "es": (("Un ejercicio.", "Dos ejercicios."), ("una vez", "dos veces"), ("un segundo", "dos segundos")),
    "fr": (("Un exercice.", "Deux exercices."), ("une fois", "deux fois"), ("une seconde", "deux secondes")),
}


@pytest.mark.parametrize("language", sorted(EXPECTED_PLURALS))
def test_plurals_are_right_at_one_and_two(language):
    book = builtin_phrasebook(language)
    exercises, times, seconds = EXPECTED_PLURALS[language]
    assert (book.exercise_count(1), book.exercise_count(2)) == exercises
    assert (book.times(1), book.times(2)) == times
    assert (book.seconds(1), book.seconds(2)) == seconds
    assert book.time_left(1) != book.time_left(2).replace(book.number(2), book.number(1))  # "one more second"


def test_side_placeholders_speak_the_session_language():
    said = {e.text for e in compile_script(program("de")).events if e.kind == "speech"}
    assert {"Sitzen Sie aufrecht. Links", "Sitzen Sie aufrecht. Rechts"} <= said  # a sentence start
    assert "Zuerst die linke Seite." in said


def test_language_option_overrides_the_program():
    script = compile_script(program("de"), Options(language="fr"))
    said = {e.text for e in script.events if e.kind == "speech"}
    assert script.language == "fr" and "Commençons." in said and "Fangen wir an." not in said


# The word each language says for "watch out!": a cue before "Begin." must not read as a warning.
WATCH_OUT = {"en": "watch out", "de": "achtung", "es": "atención", "fr": "attention"}


@pytest.mark.parametrize("language", sorted(WATCH_OUT))
def test_ready_says_get_ready_not_watch_out(language):
    """French 'Attention.' and Spanish 'Atención.' read as "Careful!" just before the movement."""
    book = builtin_phrasebook(language)
    assert WATCH_OUT[language] not in book.line("ready").lower()
    assert book.line("ready") not in (book.line("get_ready"), book.line("begin"))


# --- a user's phrasebooks ---


def test_a_users_phrasebook_overrides_and_extends(tmp_path):
    (tmp_path / "de.yaml").write_text("phrases:\n  begin: Und los.\n", encoding="utf-8")
    book = find_phrasebook("de", tmp_path)
    assert book.line("begin") == "Und los." and book.line("ready") == "Bereit."
    assert book.source == str(tmp_path / "de.yaml")
    # A language voicecoach does not ship: the whole phrasebook, from the English one, reworded.
    dutch = yaml.safe_load((BOOKS / "en.yaml").read_text(encoding="utf-8"))
    dutch.update(language="nl", name="Nederlands", numbers="nl")
    dutch["phrases"]["begin"] = "Begin maar."
    (tmp_path / "nl.yaml").write_text(yaml.safe_dump(dutch, allow_unicode=True), encoding="utf-8")
    nl = find_phrasebook("nl", tmp_path)
    assert nl.line("begin") == "Begin maar." and nl.number(21) == num2words(21, lang="nl")
    script = compile_script(program("en"), Options(language="nl", phrasebook=nl))
    assert "Begin maar." in {e.text for e in script.events} and script.language == "nl"


BROKEN = [
    ("not yaml", "phrases:\n  begin: [\n", 2, "this is not a phrasebook"),
    ("unknown phrase", "phrases:\n  beginn: Los.\n", 2, "unknown phrase 'beginn'"),
    ("a field it cannot fill", "phrases:\n  next_up: 'Weiter: {title}.'\n", 2,
     "phrase 'next_up' uses {title}, which it cannot fill; it can use: {name}"),
    ("no other form", "phrases:\n  time_left: {1: Noch eine Sekunde.}\n", 2, "has forms by number but no 'other' form"),
    ("one side", "phrases:\n  first_side: {left: Links zuerst.}\n", 2, "needs a 'left' and a 'right' form"),
    ("unclosed brace", "phrases:\n  next_up: 'Weiter: {name.'\n", 2, "phrase 'next_up'"),
    ("unknown key", "sprache: de\n", 1, "unknown key 'sprache'"),
    # str.format obeys a format spec: this one padded a line to a gigabyte, and the session hung
    ("a format width", "language: de\nphrases:\n  exercise_heading: '{number:>1000000000}'\n", 3,
     "phrase 'exercise_heading': '{number:>1000000000}' is not a field; a field is a name in braces, such as "
     "{number}, with nothing after it"),
    ("a conversion", "phrases:\n  next_up: 'Weiter: {name!r}.'\n", 2, "'{name!r}' is not a field"),
    ("a nested field", "phrases:\n  count_of: {other: '{N:{total}}'}\n", 2, "'{N:{total}}' is not a field"),
    ("an attribute", "phrases:\n  next_up: '{name.__class__}'\n", 2, "uses {name.__class__}, which it cannot fill"),
    ("nested 5,000 deep", "phrases:\n  begin: " + "[" * 5000 + "]" * 5000 + "\n", None,
     "this is not a phrasebook: it is nested far too deeply"),
    ("bad numbers", "numbers: klingon\n", 1, "'numbers: klingon' is not a language num2words knows"),
]


@pytest.mark.parametrize(("text", "line", "message"), [case[1:] for case in BROKEN], ids=[c[0] for c in BROKEN])
def test_a_broken_phrasebook_gets_one_line_naming_the_file_and_the_phrase(tmp_path, text, line, message):
    path = tmp_path / "de.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PhrasebookError) as caught:
        find_phrasebook("de", tmp_path)
    assert (caught.value.source, caught.value.line) == (str(path), line)
    assert message in caught.value.message and "\n" not in str(caught.value)


def test_a_phrasebook_that_is_not_a_file_is_one_line_not_passed_over(tmp_path):
    """A folder, a named pipe (which, opened, would wait for a writer forever), a symlink loop or a
    broken link where the phrasebook should be was passed over silently: the package's phrasebook
    spoke instead of the user's."""
    (tmp_path / "de.yaml").mkdir()
    os.mkfifo(tmp_path / "fr.yaml")
    (tmp_path / "es.yaml").symlink_to(tmp_path / "es.yaml")
    (tmp_path / "nl.yaml").symlink_to(tmp_path / "gone.yaml")
    (tmp_path / "pt.yaml").write_bytes(b"# " + b"x" * (1 << 20) + b"\n")
    for language, message in [("de", "this is a directory, not a phrasebook file"),
                              ("pt", "the file is too large for a phrasebook (over 1024 KiB)"),
                              ("fr", "this is a named pipe (FIFO), not a phrasebook file"),
                              ("es", "cannot read it: Too many levels of symbolic links"),
                              ("nl", "this is a symlink to a file that does not exist")]:
        with pytest.raises(PhrasebookError) as caught:
            find_phrasebook(language, tmp_path)
        assert str(caught.value) == f"{tmp_path / (language + '.yaml')}: {message}"


def test_a_new_language_missing_a_phrase_names_it(tmp_path):
    (tmp_path / "nl.yaml").write_text("language: nl\nphrases:\n  begin: Begin.\n", encoding="utf-8")
    with pytest.raises(PhrasebookError, match=r"phrase 'exercise_count' is missing \(and \d+ more\)"):
        find_phrasebook("nl", tmp_path)


def test_every_side_phrase_has_both_sides():
    for language in builtin_languages():
        book = builtin_phrasebook(language)
        for key in BY_SIDE:
            assert set(book.phrases[key]) == {"left", "right"}


# --- the command line ---

NACKEN = """\
title: Nackenübungen
language: de
exercises:
  - name: Kinn einziehen
    position: Setzen Sie sich aufrecht hin.
    reps: 3
    movement:
      - {say: Ziehen Sie das Kinn ein., seconds: 2}
      - hold: 10
"""


def test_show_speaks_the_programs_language(tmp_path, run):
    path = tmp_path / "nacken.yaml"
    path.write_text(NACKEN, encoding="utf-8")
    result = run("show", str(path), "--estimate")
    assert result.exit_code == 0, result.output
    assert "Drei Mal." in result.stdout and "Gehen Sie in die Ausgangsstellung." in result.stdout
    assert "Get into position." not in result.stdout
    french = run("show", str(path), "--estimate", "--language", "fr", "--json")
    assert '"language": "fr"' in french.stdout and "Mettez-vous en position." in french.stdout


def test_a_language_without_a_phrasebook_is_a_usage_error(tmp_path, monkeypatch, run, assert_one_line_error):
    monkeypatch.setenv("VOICECOACH_CONFIG_DIR", str(tmp_path))
    assert_one_line_error(run("show", "beginning", "--estimate", "--language", "nl"), 2,
                          "no phrasebook for the language 'nl'", str(tmp_path / "phrasebooks" / "nl.yaml"))
    assert_one_line_error(run("show", "beginning", "--estimate", "--language", "not a tag"), 2,
                          "is not a language tag")


def test_a_users_phrasebook_is_used_by_the_command_line(tmp_path, monkeypatch, run, assert_one_line_error):
    monkeypatch.setenv("VOICECOACH_CONFIG_DIR", str(tmp_path))
    (tmp_path / "phrasebooks").mkdir()
    (tmp_path / "phrasebooks" / "de.yaml").write_text("phrases:\n  ready: Achtung.\n", encoding="utf-8")
    path = tmp_path / "nacken.yaml"
    path.write_text(NACKEN, encoding="utf-8")
    assert "Achtung." in run("show", str(path), "--estimate").stdout
    (tmp_path / "phrasebooks" / "de.yaml").write_text("phrases:\n  ready: [\n", encoding="utf-8")
    assert_one_line_error(run("show", str(path), "--estimate"), 2, str(tmp_path / "phrasebooks" / "de.yaml"),
                          "line 2: this is not a phrasebook")


def test_check_says_when_the_phrasebook_a_program_is_spoken_with_is_broken(tmp_path, monkeypatch, run, assert_one_line_error):
    """check said "valid" while export, with the same phrasebook, exited 2."""
    monkeypatch.setenv("VOICECOACH_CONFIG_DIR", str(tmp_path))
    (tmp_path / "phrasebooks").mkdir()
    book = tmp_path / "phrasebooks" / "de.yaml"
    book.write_text("phrases:\n  begin: Und los.\n", encoding="utf-8")
    path = tmp_path / "nacken.yaml"
    path.write_text(NACKEN, encoding="utf-8")
    assert run("check", str(path)).exit_code == 0
    book.write_text("phrases:\n  ready: [\n", encoding="utf-8")
    assert_one_line_error(run("check", str(path)), 2, f"Error: {path}: cannot be spoken: {book}, line 2: "
                                                      "this is not a phrasebook")
    assert_one_line_error(run("show", str(path), "--estimate"), 2, f"{book}, line 2")  # as the session says
    book.unlink()
    book.mkdir()
    assert_one_line_error(run("check", str(path)), 2, f"{path}: cannot be spoken: {book}: this is a directory")


# --- voices ---

needs_espeak = pytest.mark.skipif(not engine_type("espeak").installed(), reason="eSpeak NG is not installed")


@needs_espeak
@pytest.mark.parametrize("language", LANGUAGES)
def test_espeak_has_a_voice_for_each_shipped_language(language):
    engine, voice, _ = choose_voice("espeak", None, language)
    kind = engine_type("espeak")
    chosen = next(v for v in kind.voices() if v.id == voice)
    assert engine == "espeak" and language_match(chosen, language) and not voice.startswith("mb/")


@needs_espeak
@pytest.mark.parametrize("language", LANGUAGES)
def test_real_espeak_speaks_each_language(language):
    """Each shipped phrasebook's lines synthesized by eSpeak with its voice for the language."""
    from voicecoach.session import make_speech
    from voicecoach.settings import Settings

    _, voice, _ = choose_voice("espeak", None, language)
    speech = make_speech(Settings(engine="espeak", voice=voice))
    book = builtin_phrasebook(language)
    for line in (book.line("get_ready"), book.count(3, 5, True), book.time_left(15)):
        pcm = speech.pcm(line)
        assert len(pcm) > speech.sample_rate_hz * 2 * 0.4  # at least 0.4 s of speech


def test_a_voice_the_user_named_stays_and_a_language_picks_one():
    default = engine_type(None)
    assert choose_voice(None, default.default_voice(), "de")[1] == default.default_voice()
    engine, voice, _ = choose_voice(None, "de", "en")  # --voice de: the best voice for German
    assert voice is not None and language_match(next(v for v in engine_type(engine).voices() if v.id == voice), "de")


def test_voices_lists_those_that_speak_a_language(run):
    result = run("voices", "--language", "de")
    assert result.exit_code == 0, result.output
    rows = [line for line in result.stdout.splitlines() if line.startswith("  ") or line.startswith(" *")]
    assert rows and all(re.search(r"\((?:[^)]*\b)?de\b", row) for row in rows), rows


@needs_espeak
def test_export_of_a_german_program_carries_the_language(tmp_path, run):
    path = tmp_path / "nacken.yaml"
    path.write_text(NACKEN, encoding="utf-8")
    out = tmp_path / "nacken.mp3"
    result = run("export", str(path), "-o", str(out), "--subtitles", "--engine", "espeak")
    assert result.exit_code == 0, result.output
    assert str(mutagen.File(str(out))["TLAN"]) == "ger"
    assert out.with_suffix(".vtt").read_text(encoding="utf-8").startswith("WEBVTT\nKind: subtitles\nLanguage: de\n")
    probed = subprocess.run(["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", str(out)],
                            capture_output=True, text=True, check=True)
    assert float(probed.stdout) > 30


def _piper_without(language: str) -> bool:
    from voicecoach.engines import engine_types, voices_for

    piper = engine_types().get("piper")
    return piper is not None and piper.installed() and not voices_for(piper, language)


needs_piper_without_french = pytest.mark.skipif(not (_piper_without("fr") and engine_type("espeak").installed()),
                                                reason="needs Piper without a French voice, and eSpeak NG")


@needs_piper_without_french
def test_a_language_piper_has_no_voice_for_says_how_to_add_one(run):
    """eSpeak is misheard 18 to 28% of the time against Piper's 4 to 6%: falling back to it for French
    says how to give Piper a French voice, and so does 'voices --language fr'."""
    how = ("a Piper voice is misheard far less often than eSpeak: download one for 'fr' (NAME.onnx and "
           "NAME.onnx.json, from rhasspy/piper-voices; 'python -m piper.download_voices' lists them) and give "
           "it with --voice PATH/NAME.onnx")
    engine, voice, note = choose_voice(None, None, "fr")
    assert (engine, voice) == ("espeak", "roa/fr")
    assert note == f"no piper voice speaks 'fr'; using the espeak voice roa/fr (French (France)); {how}"
    lines = run("voices", "--language", "fr").stdout.splitlines()
    assert lines[0] == f"piper (the default engine): 0 voices; {how}"
    assert not any("Piper voice" in line for line in run("voices", "--language", "en").stdout.splitlines())


@needs_piper_without_french
def test_a_piper_voice_file_of_your_own_is_taken_for_any_language_without_a_note():
    """What the note advises: --voice PATH/NAME.onnx is Piper's, for the session's language, said nothing about."""
    from voicecoach.engines.piper import installed_voices

    model = str(installed_voices()[0].model)  # the English one stands in for a French file here
    assert choose_voice(None, model, "fr") == (None, model, None)
