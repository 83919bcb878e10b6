"""No two sound devices open at once in one process (voicecoach/devicelock.py): ALSA with its
PulseAudio plugin deadlocked when play's first sound opened the speaker while the microphone's
thread started PortAudio (caught by py-spy in a stress run of cold starts; CI's play hung so)."""

from __future__ import annotations

import sys
import threading
import time
import types

from voicecoach.devicelock import OPENING


def test_the_speaker_and_the_microphone_open_one_at_a_time(monkeypatch):
    held: list[tuple[str, bool]] = []
    inside = threading.Event()

    def opening(name: str):
        held.append((name, OPENING.locked()))

    def slow_portaudio_start():  # sounddevice's import starts PortAudio, which opens every ALSA device
        inside.set()
        opening("portaudio")
        time.sleep(0.3)

    class Stream:
        def __init__(self, **_):
            opening("input stream")

        def start(self):
            opening("input start")

        def stop(self):
            opening("input stop")

        def close(self):
            opening("input close")

    sounddevice = types.ModuleType("sounddevice")
    sounddevice.InputStream, sounddevice.PortAudioError = Stream, RuntimeError

    class Finder:  # 'import sounddevice' runs PortAudio's (slow) start, as the real one does
        def find_spec(self, name, path=None, target=None):
            if name != "sounddevice":
                return None
            import importlib.machinery

            class Loader:
                def create_module(self, spec):
                    return None

                def exec_module(self, module):
                    slow_portaudio_start()
                    module.__dict__.update(sounddevice.__dict__)

            return importlib.machinery.ModuleSpec(name, Loader())

    monkeypatch.delitem(sys.modules, "sounddevice", raising=False)
    monkeypatch.setattr(sys, "meta_path", [Finder(), *sys.meta_path])
    simpleaudio = types.SimpleNamespace(play_buffer=lambda *args: opening("speaker") or object())
    monkeypatch.setitem(sys.modules, "simpleaudio", simpleaudio)
    from voicecoach.audio import SimpleaudioOut
    from voicecoach.microphone import Microphone

    speaker = SimpleaudioOut(export_hint="")
    microphone = Microphone()
    thread = threading.Thread(target=microphone.open)
    thread.start()
    assert inside.wait(5)
    began = time.monotonic()
    speaker.play(b"\0\0" * 100, 22050)  # the first sound: waits for PortAudio's start
    waited = time.monotonic() - began
    thread.join(5)
    microphone.close()
    assert all(locked for _, locked in held), held
    names = [name for name, _ in held]
    # the speaker opened after PortAudio's start, which it waited for (the microphone's thread may
    # take the lock again first for its stream: a lock is not a queue)
    assert names.index("portaudio") < names.index("speaker") and waited > 0.1
    assert not OPENING.locked()
