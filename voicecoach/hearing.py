"""Voice activity first: the stretches of sound where someone speaks, cut out of the microphone's
samples (or a file's) as they come, so that the recognizer hears each on its own and nothing else.

Silero VAD (the ONNX model faster-whisper ships in its wheel, run by onnxruntime) gives the chance
of speech for every 32 ms; a stretch begins where it passes START, and ends after END_SILENCE_S
below STOP, with a little of the sound before and after kept (a word's first consonant is quiet).
Recognizing each stretch alone is what FIELD_NOTES measured to work: one whole file at once merged
twelve commands into one segment and lost some.

`hear` runs the whole chain (stretches, recognizer, commands.judge) over a recording for
`voicecoach listen FILE.wav`; `listen_live` over the microphone, for the microphone check.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from voicecoach.errors import VoicecoachError

FRAME = 512  # Silero's window at 16 kHz (32 ms)
CONTEXT = 64  # the samples of the window before that it sees too
START = 0.5  # a window this likely to be speech starts a stretch
STOP = 0.35  # below this, the stretch may be ending
END_SILENCE_S = 0.3  # this long below STOP ends it (a command's end, heard this soon)
PAD_S = 0.2  # sound kept before and after a stretch
MIN_SPEECH_S = 0.15  # shorter is a click or a breath
MAX_SPEECH_S = 8.0  # a stretch is cut here (talk, not a command) and goes on as another


class HearingError(VoicecoachError):
    """Voice activity detection cannot run (its model or onnxruntime is missing): one line."""


@dataclass(frozen=True)
class Voiced:
    """A stretch of speech: its samples, and when it began and ended (seconds, the caller's clock)."""

    start_s: float
    end_s: float
    samples: np.ndarray


class Silero:
    """Silero VAD, streaming: the chance of speech in each 512-sample window, its state carried on."""

    def __init__(self) -> None:
        try:
            import onnxruntime
            from faster_whisper.utils import get_assets_path
        except ImportError as error:
            raise HearingError(f"voice activity detection needs voicecoach[listen] ({error})") from None
        import os

        options = onnxruntime.SessionOptions()
        options.inter_op_num_threads = 1
        options.intra_op_num_threads = 1
        options.log_severity_level = 4
        try:
            self.session = onnxruntime.InferenceSession(os.path.join(get_assets_path(), "silero_vad_v6.onnx"),
                                                        providers=["CPUExecutionProvider"], sess_options=options)
        except Exception as error:  # noqa: BLE001 - onnxruntime's own errors: a damaged or missing file
            raise HearingError(f"the voice activity model could not be loaded ({str(error)[:80]})") from None
        self.reset()

    def reset(self) -> None:
        self._h = np.zeros((1, 1, 128), dtype=np.float32)
        self._c = np.zeros((1, 1, 128), dtype=np.float32)
        self._context = np.zeros(CONTEXT, dtype=np.float32)

    def __call__(self, frames: np.ndarray) -> np.ndarray:
        """The chance of speech for each window of `frames` (a multiple of FRAME samples)."""
        windows = frames.reshape(-1, FRAME)
        before = np.concatenate([self._context[None, :], windows[:-1, -CONTEXT:]])
        batch = np.concatenate([before, windows], axis=1)
        output, self._h, self._c = self.session.run(None, {"input": batch, "h": self._h, "c": self._c})
        self._context = windows[-1, -CONTEXT:].copy()
        return np.asarray(output).reshape(-1)


class Segmenter:
    """Samples in, as they come (`feed`), stretches of speech out as each one ends."""

    def __init__(self, sample_rate_hz: int = 16_000, detector: Callable[[np.ndarray], np.ndarray] | None = None):
        if sample_rate_hz != 16_000:
            raise ValueError("Silero VAD listens at 16 kHz")
        self.rate = sample_rate_hz
        self.detector = detector if detector is not None else Silero()
        self._pending = np.zeros(0, dtype=np.float32)  # samples not yet a whole window
        self._pending_at = 0.0  # the time of its first sample
        self._before = np.zeros(0, dtype=np.float32)  # the last PAD_S of sound before a stretch
        self._speech: list[np.ndarray] | None = None  # the stretch under way
        self._speech_at = 0.0
        self._speech_windows = 0
        self._quiet_windows = 0  # windows below STOP at the end of the stretch under way

    def feed(self, samples: np.ndarray, start_s: float) -> list[Voiced]:
        """The stretches that ended within `samples` (heard from `start_s` on)."""
        samples = np.asarray(samples, dtype=np.float32).reshape(-1)
        if not self._pending.size:
            self._pending_at = start_s
        self._pending = np.concatenate([self._pending, samples])
        whole = len(self._pending) // FRAME * FRAME
        if not whole:
            return []
        frames, self._pending = self._pending[:whole], self._pending[whole:]
        at = self._pending_at
        self._pending_at = at + whole / self.rate
        done = []
        for index, chance in enumerate(self.detector(frames)):
            window = frames[index * FRAME:(index + 1) * FRAME]
            ended = self._window(window, at + index * FRAME / self.rate, float(chance))
            if ended is not None:
                done.append(ended)
        return done

    def _window(self, window: np.ndarray, at: float, chance: float) -> Voiced | None:
        pad = int(PAD_S * self.rate)
        if self._speech is None:
            if chance >= START:
                self._speech = [self._before, window]
                self._speech_at = at - len(self._before) / self.rate
                self._speech_windows, self._quiet_windows = 1, 0
            else:
                self._before = np.concatenate([self._before, window])[-pad:]
            return None
        self._speech.append(window)
        self._speech_windows += 1
        self._quiet_windows = self._quiet_windows + 1 if chance < STOP else 0
        quiet_s = self._quiet_windows * FRAME / self.rate
        length_s = self._speech_windows * FRAME / self.rate
        if quiet_s >= END_SILENCE_S or length_s >= MAX_SPEECH_S:
            return self._end(drop_quiet=quiet_s >= END_SILENCE_S)
        return None

    def _end(self, drop_quiet: bool = True) -> Voiced | None:
        speech, self._speech = self._speech or [], None
        samples = np.concatenate(speech) if speech else np.zeros(0, dtype=np.float32)
        pad = int(PAD_S * self.rate)
        if drop_quiet:  # the silence that ended it, less the pad kept after the last word
            samples = samples[:max(0, len(samples) - self._quiet_windows * FRAME + pad)]
        self._before = samples[-pad:]
        spoken_s = (self._speech_windows - (self._quiet_windows if drop_quiet else 0)) * FRAME / self.rate
        if spoken_s < MIN_SPEECH_S:
            return None
        return Voiced(self._speech_at, self._speech_at + len(samples) / self.rate, samples)

    def flush(self) -> list[Voiced]:
        """The stretch under way at the end of the sound, if any."""
        if self._speech is None:
            return []
        ended = self._end(drop_quiet=False)
        return [ended] if ended is not None else []


def stretches(samples: np.ndarray, sample_rate_hz: int = 16_000, block_s: float = 0.1,
              segmenter: Segmenter | None = None) -> Iterator[Voiced]:
    """The stretches of speech in a whole recording, fed as a microphone would give it."""
    segmenter = segmenter or Segmenter(sample_rate_hz)
    block = int(block_s * sample_rate_hz)
    for start in range(0, len(samples), block):
        yield from segmenter.feed(samples[start:start + block], start / sample_rate_hz)
    yield from segmenter.flush()


def read_recording(path: Path, sample_rate_hz: int = 16_000) -> np.ndarray:
    """A sound file as mono float32 at the recognizer's rate (soundfile reads it, soxr resamples)."""
    import soundfile
    import soxr

    import os
    import stat

    from voicecoach.errors import OptionError
    from voicecoach.files import NotARegularFile

    try:
        mode = os.stat(path).st_mode
        if not stat.S_ISREG(mode):  # a named pipe would wait for a writer forever
            raise NotARegularFile(str(path), "a folder" if stat.S_ISDIR(mode) else "not a regular file")
        data, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    except NotARegularFile as error:
        raise OptionError(f"{path}: this is {error.what}, not a recording") from None
    except FileNotFoundError:
        raise OptionError(f"{path}: no such file") from None
    except OSError as error:
        raise OptionError(f"{path}: cannot read it: {error.strerror or error}") from None
    except (soundfile.LibsndfileError, RuntimeError) as error:
        raise OptionError(f"{path}: not a sound file voicecoach can read ({str(error).split(': ')[-1]})") from None
    mono = data.mean(axis=1) if data.shape[1] > 1 else data[:, 0]
    return soxr.resample(mono, rate, sample_rate_hz).astype(np.float32) if rate != sample_rate_hz else mono


def hear(samples: np.ndarray, recognizer, words, expecting, language: str,
         said: Sequence[tuple[float, float, str]] = (), on_heard: Callable | None = None) -> list:
    """Every command and answer heard in `samples` (commands.Understood), voicecoach's own voice
    (`said`: its lines, (start, end, text), on the samples' clock) left out."""
    from voicecoach.commands import Heard, judge

    found = []
    for voiced in stretches(samples, recognizer.sample_rate_hz):
        around = [line for line in said if line[1] >= voiced.start_s - OWN_VOICE_BEFORE_S and line[0] <= voiced.end_s]
        transcript = recognizer.transcribe(voiced.samples, language, words.hints(expecting))
        heard = Heard(voiced.start_s, voiced.end_s, transcript.text, transcript.confidence)
        understood = judge(heard, around, words, expecting)
        if on_heard is not None:
            on_heard(heard, understood)
        if understood is not None:
            found.append(understood)
    return found


# What voicecoach said this long before a stretch began may still be in it (the room's echo, the
# sound server's latency, a stretch's pad).
OWN_VOICE_BEFORE_S = 1.0


def everything():
    """What a recording may hold: every command and every answer."""
    from voicecoach.commands import COMMANDS, Expecting

    return Expecting(frozenset(COMMANDS), (*range(11), "better", "same", "worse", True, False))


def said_in_script(path: Path) -> tuple[str, list[tuple[float, float, str]]]:
    """A session's script as `show --json` prints it: its language and what voicecoach says in it,
    (start, end, text) in seconds from the start. A file that is not one is an OptionError naming it."""
    import json

    from voicecoach.errors import OptionError
    from voicecoach.files import NotARegularFile, read_regular

    try:
        document = json.loads(read_regular(path, 64 * 1024 * 1024).decode("utf-8"))
    except NotARegularFile as error:
        raise OptionError(f"{path}: this is {error.what}, not a session script") from None
    except OSError as error:
        raise OptionError(f"{path}: cannot read it: {error.strerror or error}") from None
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise OptionError(f"{path}: not a session script (show --json writes one): {str(error)[:80]}") from None
    events = document.get("events") if isinstance(document, dict) else None
    if not isinstance(events, list):
        raise OptionError(f"{path}: not a session script: it has no 'events' (show --json writes one)")
    said = []
    for number, event in enumerate(events, start=1):
        if not isinstance(event, dict) or event.get("kind") != "speech":
            continue
        start, duration, text = event.get("start"), event.get("duration"), event.get("text")
        if not all(isinstance(value, (int, float)) and not isinstance(value, bool) for value in (start, duration)) \
                or not isinstance(text, str):
            raise OptionError(f"{path}: event {number} is speech without a start, a duration and a text")
        said.append((float(start), float(start) + float(duration), text))
    language = document.get("language")
    return (language if isinstance(language, str) and language else "en"), said


def listen_live(microphone, recognizer, words, language: str, on_heard: Callable, stop=None) -> None:
    """The microphone, heard until `stop` is set (or Ctrl-C): each stretch's text and what it
    means, to `on_heard(heard, understood)` (a microphone check)."""
    from voicecoach.commands import Heard, understand

    expecting = everything()
    hints = words.hints(expecting)
    segmenter = Segmenter(recognizer.sample_rate_hz)
    began = None
    while stop is None or not stop.is_set():
        block = microphone.read(0.2)
        if block is None:
            continue
        at, samples = block
        began = at if began is None else began
        for voiced in segmenter.feed(samples, at - began):
            transcript = recognizer.transcribe(voiced.samples, language, hints)
            heard = Heard(voiced.start_s, voiced.end_s, transcript.text, transcript.confidence)
            on_heard(heard, understand(heard, words, expecting))
