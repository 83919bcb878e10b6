"""LiveSession: the script as a cold `play` learns it, and what a warm cache spares."""

from __future__ import annotations

import time

from tests.engines import ToneEngine
from voicecoach.program import load_builtin
from voicecoach.script import Options, script_to_json
from voicecoach.session import LiveSession, prepare_session
from voicecoach.speech import PhraseCache, Speech

NOTICES = ("Paused.", "Resuming.")


def speech_in(folder) -> tuple[Speech, type[ToneEngine]]:
    engine = type("Counted", (ToneEngine,), {"calls": []})
    return Speech(engine(), PhraseCache(folder)), engine


def test_a_cold_session_ends_as_exactly_the_script_show_prints(tmp_path):
    program, options = load_builtin("intermediate"), Options(pace=1.5)
    live = LiveSession(program, options, speech_in(tmp_path / "cold")[0], extra_lines=NOTICES)
    shown = prepare_session(program, options, speech_in(tmp_path / "other")[0]).script
    assert script_to_json(live.result()) == script_to_json(shown)


def test_a_cache_warmed_by_show_starts_whole_and_makes_the_notices_later(tmp_path):
    program = load_builtin("advanced")
    speech, _ = speech_in(tmp_path)
    prepare_session(program, Options(), speech)  # what `show` leaves in the cache
    speech, engine = speech_in(tmp_path)
    live = LiveSession(program, Options(), speech, extra_lines=NOTICES)
    script, complete = live.current()
    assert complete and script == live.result()  # whole before play starts: one buffer, no waiting
    deadline = time.monotonic() + 10
    while not all(speech.ready(notice) for notice in NOTICES) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert sorted(engine.calls) == sorted(NOTICES)  # only the notices were made, in the background


def test_a_cold_session_in_german_synthesizes_only_german_lines_and_its_opening_first(tmp_path):
    """The opening's exercise count is said in the program's language (it was English: "Six exercises.")."""
    from dataclasses import replace

    from voicecoach.phrasebook import find_phrasebook
    from voicecoach.script import compile_head

    program = replace(load_builtin("beginning"), language="de")
    options = Options(language="de", phrasebook=find_phrasebook("de"))
    speech, engine = speech_in(tmp_path)
    live = LiveSession(program, options, speech, extra_lines=NOTICES)
    whole = live.result()
    said = [e.text for e in whole.events if e.kind == "speech"]
    head = [e.text for e in compile_head(program, options) if e.kind == "speech"]
    assert "Sechs Übungen." in head and "Six exercises." not in engine.calls
    # what the listener hears first is made first: the title alone, then the opening (on the engine's
    # cores, so two neighbours may start in either order)
    assert engine.calls[0] == head[0] and "Sechs Übungen." in engine.calls[: len(head) + 1]
    assert set(engine.calls) <= set(said) | set(NOTICES)  # nothing made that the session does not say


def test_closing_a_cold_session_waits_for_the_phrase_being_made(tmp_path):
    """The process exits right after close(): an engine cut off mid-phrase by the exit printed
    eSpeak's own traceback on the terminal (1 exit in 3 of a play with no sound device)."""
    import threading

    entered, release = threading.Event(), threading.Event()

    class Slow(ToneEngine):
        def synthesize(self, text: str) -> bytes:
            entered.set()
            release.wait(10)
            return super().synthesize(text)

    live = LiveSession(load_builtin("advanced"), Options(), Speech(Slow(), PhraseCache(tmp_path)), extra_lines=NOTICES)
    assert entered.wait(10)  # the first line is being made
    threading.Timer(0.3, release.set).start()
    started = time.monotonic()
    live.close()
    assert time.monotonic() - started >= 0.25  # it waited for the phrase under way ...
    assert not any(thread.is_alive() for thread in threading.enumerate() if thread.name.startswith("voicecoach-prep"))
