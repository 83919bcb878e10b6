"""`voicecoach doctor`: checks what a session needs, and the command that fixes each problem."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from voicecoach.cues import CUE_RATE_HZ, load_cues
from voicecoach.engines import default_engine_name, engine_types
from voicecoach.errors import EngineMissing, VoicecoachError
from voicecoach.paths import cache_dir

OUTPUT_CHECK_RATE_HZ = 22050


# The phrases of one session, measured: 7.6 MB for `beginning` (81 phrases), 4.5 to 5.1 MB for the
# others, with either engine; decoded music takes 5.3 MB a minute (float32 at 22050 Hz). With less
# free space than MIN_FREE_BYTES on the cache's disk (two long sessions' phrases, and a little),
# what a session makes is not kept: it still plays, and is made again next time.
SESSION_PHRASES_BYTES = 8_000_000
MIN_FREE_BYTES = 20_000_000


@dataclass(frozen=True)
class Check:
    """One thing doctor looked at: ok, or a problem with its fix; or, with `note`, something this
    machine lacks that is no fault to fix (the media keys without a desktop session)."""

    name: str
    ok: bool
    detail: str
    fix: str | None = None
    needed_to_play: bool = True
    note: bool = False


def check_engines() -> list[Check]:
    """Each registered engine: installed, working (it speaks a word), and which one sessions use."""
    try:
        default = default_engine_name()
    except EngineMissing:
        default = None
    checks = []
    for name, kind in engine_types().items():
        label = f"speech engine {name}"
        used = name == default
        if not kind.installed():
            checks.append(Check(label, False, "not installed", kind.install_hint, needed_to_play=default is None))
            continue
        try:
            detail = kind().check()
        except VoicecoachError as error:
            checks.append(Check(label, False, str(error), kind.install_hint, needed_to_play=used))
            continue
        checks.append(Check(label, True, detail + ("; sessions use this one" if used else ""), needed_to_play=used))
    return checks


def check_output(output_factory: Callable[[], object] | None = None) -> Check:
    from voicecoach.audio import SimpleaudioOut, wait_stopped
    from voicecoach.errors import DeviceError

    try:
        output = (output_factory or SimpleaudioOut)()
        playback = output.play(bytes(2 * (OUTPUT_CHECK_RATE_HZ // 100)), OUTPUT_CHECK_RATE_HZ)  # 10 ms of silence
        playback.stop()
        wait_stopped(playback)  # before the process exits: see wait_stopped
    except DeviceError as error:
        return Check("audio output", False, str(error).split(";")[0], error.fix)
    return Check("audio output", True, "the default ALSA device opened")


def check_cache(directory: Path | None = None) -> Check:
    """The cache folder: writable, with room on its disk for a session's phrases, and what it keeps."""
    from voicecoach.music import decoded_entries

    directory = directory or cache_dir()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=directory, prefix=".doctor-"):
            pass
        free_bytes = shutil.disk_usage(directory).free
    except OSError as error:
        return Check("cache", False, f"{directory}: {error.strerror or error}",
                     f"make it writable (chmod u+w {directory}) or set VOICECOACH_CACHE_DIR to a writable folder; "
                     "sessions still play without it", needed_to_play=False)
    count = sum(1 for _ in (directory / "phrases").glob("*.pcm"))  # speech.phrase_cache_dir
    # decoded music is kept in the cache's music folder (voicecoach.music.music_cache_dir)
    music = sum(1 for path in decoded_entries(directory / "music") if path.suffix == ".f32")
    kept = f"{count} phrases, {music} decoded music file{'' if music == 1 else 's'}"
    free = f"{_size(free_bytes)} free"
    if free_bytes < MIN_FREE_BYTES:
        return Check("cache", False,
                     f"{directory} is writable, but its disk has only {free} ({kept}); a session's phrases take "
                     f"up to {_size(SESSION_PHRASES_BYTES)} and decoded music 5.3 MB a minute, so they would not "
                     "be kept",
                     "free some space on that disk, or set VOICECOACH_CACHE_DIR to a folder on a disk with room; "
                     "sessions still play without it", needed_to_play=False)
    return Check("cache", True, f"{directory} is writable, {free} ({kept})", needed_to_play=False)


def _size(size_bytes: int) -> str:
    return f"{size_bytes / 1e9:.1f} GB" if size_bytes >= 1e9 else f"{size_bytes / 1e6:.1f} MB"


def check_cues() -> Check:
    try:
        cues = load_cues(CUE_RATE_HZ)
    except VoicecoachError as error:
        return Check("cue sounds", False, str(error), "reinstall voicecoach: bash scripts/setup.sh")
    return Check("cue sounds", True, f"{len(cues)} cues in the installed package")


def check_media_keys() -> Check:
    """Whether headset buttons, media keys and the desktop's media widget can reach play (MPRIS on
    the D-Bus session bus). Sessions play without them, and the terminal's keys still work, so
    where there is no bus (a server, a container, SSH) it is a note, not a problem; a missing
    package is a problem with its fix."""
    import importlib.util

    from voicecoach.mpris import session_bus_address, why_not

    if importlib.util.find_spec("jeepney") is None:
        return Check("media keys", False, "the jeepney package is missing; the terminal's keys still work",
                     "reinstall voicecoach (bash scripts/setup.sh)", needed_to_play=False)
    reason = why_not()
    if reason is not None:
        return Check("media keys", False, reason + "; the terminal's keys still work",
                     "run voicecoach in a desktop session (its session bus carries headset buttons and media keys)",
                     needed_to_play=False, note=True)
    return Check("media keys", True, f"play is a media player on the session bus ({session_bus_address()}): "
                 "headset buttons and media keys reach it", needed_to_play=False)


def check_microphone() -> Check:
    """The default input opens and gives samples: what `play --listen` hears the listener through.
    Sessions play without it (a note where there is none), with the keys and the media keys."""
    from voicecoach.microphone import Microphone, MicrophoneError

    try:
        with Microphone() as microphone:
            block = microphone.read(2.0)
    except MicrophoneError as error:
        message = str(error)
        missing = "package is missing" in message or "PortAudio could not be loaded" in message
        # no microphone, or voicecoach[listen] left out (setup.sh --no-listen): nothing is broken, the
        # session plays with the keys and the media keys; a note with what would give it
        return Check("microphone", False, message + "; sessions play without it, with the keys and the media keys",
                     "connect a microphone or a headset (arecord -l lists the inputs)" if not missing else
                     "pip install 'voicecoach[listen]' (bash scripts/setup.sh installs it)",
                     needed_to_play=False, note=True)
    if block is None:
        return Check("microphone", False, "the default input opened but gave no sound in 2 s",
                     "check the input in your sound settings (pavucontrol, or arecord -d 2 test.wav)",
                     needed_to_play=False)
    return Check("microphone", True, f"the default input opened and gives sound ({microphone.sample_rate_hz} Hz)",
                 needed_to_play=False)


def check_recognizer() -> Check:
    """What turns the listener's words into commands: installed, its model whole, and working."""
    install = "pip install 'voicecoach[listen]' (bash scripts/setup.sh installs it)"
    try:
        from voicecoach.recognizers import RecognizerMissing, create_recognizer
    except ImportError:
        return Check("speech recognizer", False, "not part of this voicecoach", install, needed_to_play=False, note=True)
    try:
        detail = create_recognizer().check()
    except RecognizerMissing as error:  # left out on purpose (setup.sh --no-listen): no fault
        return Check("speech recognizer", False, str(error), install, needed_to_play=False, note=True)
    except VoicecoachError as error:
        return Check("speech recognizer", False, str(error), install, needed_to_play=False)
    return Check("speech recognizer", True, detail, needed_to_play=False)


def listening(checks: list[Check]) -> str:
    """Whether play --listen will hear spoken commands, in a line."""
    by_name = {check.name: check for check in checks}
    if all(by_name.get(name) is not None and by_name[name].ok for name in ("microphone", "speech recognizer")):
        return "play listens for spoken commands (pause, next, it hurts, ...): --no-listen turns it off."
    return "play does not listen for spoken commands here (see above); the keys and the media keys work."


def run_checks() -> list[Check]:
    return [*check_engines(), check_output(), check_cache(), check_cues(), check_media_keys(), check_microphone(),
            check_recognizer()]


def can_play(checks: list[Check]) -> bool:
    return all(check.ok for check in checks if check.needed_to_play)


def env_note() -> str | None:
    config = os.environ.get("ALSA_CONFIG_PATH")
    return f"ALSA_CONFIG_PATH is set to {config}" if config else None
